//! One call computes every panel of the dashboard for a view; the CLI's summary is the
//! same computation over the whole table.

use serde::Serialize;

use crate::ingest::time::{format_iso_micros, US_PER_S};
use crate::ingest::ImportReport;
use crate::metrics::series::{series, Series};
use crate::metrics::totals::{error_types, totals, totals_by, Totals};
use crate::query::{select, ts_range_of, Buckets, View};
use crate::table::{Groups, Table};

/// Headline figures of the selected requests.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Requests, errors, latency, tokens, cost.
    #[serde(flatten)]
    pub totals: Totals,
    /// Requests per second between the first and the last request.
    pub throughput_rps: Option<f64>,
    /// First request start, ISO 8601 UTC.
    pub first_ts: Option<String>,
    /// Last request start, ISO 8601 UTC.
    pub last_ts: Option<String>,
    /// Failed requests by class.
    pub error_types: Vec<ErrorTypeCount>,
}

/// Failed requests of one class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorTypeCount {
    /// rate_limit, timeout, server_error, client_error, content_filter or other.
    pub error_type: String,
    /// How many.
    pub count: u64,
}

/// The figures of one model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelTotals {
    /// Model name as logged.
    pub model: String,
    /// Its figures.
    #[serde(flatten)]
    pub totals: Totals,
}

/// The figures of one application.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApplicationTotals {
    /// Application name as logged.
    pub application: String,
    /// Its figures.
    #[serde(flatten)]
    pub totals: Totals,
}

/// Values present in the loaded data, for the filter lists.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Options {
    /// Every model (with `(none)` when some records have none).
    pub models: Vec<String>,
    /// Every application.
    pub applications: Vec<String>,
}

/// Everything the page draws for one view.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Dashboard {
    /// Headline figures.
    pub summary: Summary,
    /// Per model, by requests.
    pub by_model: Vec<ModelTotals>,
    /// Per application, by requests.
    pub by_application: Vec<ApplicationTotals>,
    /// Over time (UTC buckets over the whole loaded range, so filters keep the axis).
    pub series: Series,
    /// Filter choices.
    pub options: Options,
}

/// The summary of the selected rows.
pub fn summary(t: &Table, rows: &[u32]) -> Summary {
    let range = ts_range_of(t, rows);
    let totals = totals(t, rows);
    let throughput_rps = range.and_then(|(a, b)| {
        let secs = (b - a) as f64 / US_PER_S as f64;
        (secs > 0.0).then(|| totals.requests as f64 / secs)
    });
    Summary {
        totals,
        throughput_rps,
        first_ts: range.map(|r| format_iso_micros(r.0)),
        last_ts: range.map(|r| format_iso_micros(r.1)),
        error_types: error_types(t, rows)
            .into_iter()
            .map(|(error_type, count)| ErrorTypeCount { error_type, count })
            .collect(),
    }
}

fn present_labels(g: &Groups) -> Vec<String> {
    let mut used = vec![false; g.labels.len()];
    for &k in &g.of_row {
        used[k as usize] = true;
    }
    let mut out: Vec<String> = g
        .labels
        .iter()
        .zip(used)
        .filter(|(_, u)| *u)
        .map(|(l, _)| l.clone())
        .collect();
    out.sort();
    out
}

/// Every panel for `view`.
pub fn dashboard(t: &Table, view: &View) -> Dashboard {
    let rows = select(t, view);
    let models = Groups::of(&t.model);
    let apps = Groups::of(&t.application);
    Dashboard {
        summary: summary(t, &rows),
        by_model: totals_by(t, &rows, &models)
            .into_iter()
            .map(|(model, totals)| ModelTotals { model, totals })
            .collect(),
        by_application: totals_by(t, &rows, &apps)
            .into_iter()
            .map(|(application, totals)| ApplicationTotals {
                application,
                totals,
            })
            .collect(),
        series: Buckets::for_table(t)
            .map(|b| series(t, &rows, &b))
            .unwrap_or_default(),
        options: Options {
            models: present_labels(&models),
            applications: present_labels(&apps),
        },
    }
}

/// What `tokenlens summary --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryReport {
    /// Headline figures.
    #[serde(flatten)]
    pub summary: Summary,
    /// Malformed lines skipped (also in `import`).
    pub skipped_lines: u64,
    /// Per model.
    pub by_model: Vec<ModelTotals>,
    /// Per application.
    pub by_application: Vec<ApplicationTotals>,
    /// What was read, kept and skipped.
    pub import: ImportReport,
}

impl SummaryReport {
    /// The report of a whole table.
    pub fn new(t: &Table, import: ImportReport) -> SummaryReport {
        let d = dashboard(t, &View::default());
        SummaryReport {
            summary: d.summary,
            skipped_lines: import.skipped_lines,
            by_model: d.by_model,
            by_application: d.by_application,
            import,
        }
    }
}
