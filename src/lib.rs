//! tokenlens: LLM request logs in, latency / cost / quality dashboards out.

// Memory safety by construction outside the wasm glue (whose wasm-bindgen expansions are
// unsafe): this is also why the fuzz targets run without AddressSanitizer (fuzz/run.sh).
#![cfg_attr(not(target_arch = "wasm32"), forbid(unsafe_code))]

pub mod alerts;
pub mod calendar;
pub mod charts;
mod dashboard;
pub mod generate;
pub mod ingest;
pub mod metrics;
pub mod pricing;
pub mod query;
mod redact;
pub mod schema;
mod table;
#[cfg(target_arch = "wasm32")]
mod web;

pub use alerts::{alerts, Alert, Rule, Rules, RulesError};
pub use dashboard::{
    dashboard, dashboard_prepared, requests, ApplicationTotals, Dashboard, ErrorTypeCount,
    GroupTotals, ModelTotals, Options, Prepared, RequestOrder, RequestRow, Summary, SummaryReport,
    UnpricedModel,
};
pub use ingest::{ImportReport, Ingest, LineError};
pub use metrics::budget::{budgets, Budget, BudgetStatus};
pub use query::View;
pub use redact::redact;
pub use table::{Groups, Row, Table, TableBuilder, TAG_SEP};
