//! Metrics: pure functions of (table, selected rows) -> results.

pub mod anomaly;
pub mod budget;
pub mod cost;
pub mod latency;
pub mod panels;
pub mod series;
pub mod totals;
