//! One call computes every panel of the dashboard for a view; the CLI's summary is the
//! same computation over the whole table.

use arrow::array::Array;
use serde::{Deserialize, Serialize};

pub use crate::metrics::panels::Prepared;

use crate::alerts::{alerts, Alert, Rules};
use crate::calendar::Zone;
use crate::ingest::time::{format_iso_micros, US_PER_S};
use crate::ingest::ImportReport;
use crate::metrics::anomaly::{anomalies, Anomaly};
use crate::metrics::budget::{budgets, BudgetStatus};
use crate::metrics::latency::Histogram;
use crate::metrics::panels::{panels, Panels};
use crate::metrics::series::Series;
use crate::metrics::totals::Totals;
use crate::query::{select, Buckets, View};
use crate::schema::NONE_LABEL;
use crate::table::{dict_value, DictColumn, Table};

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
    /// Models without a price whose requests have tokens but no reported cost, with how
    /// many such requests (their cost is unknown, not zero).
    pub unpriced_models: Vec<UnpricedModel>,
    /// Input plus output tokens per second between the first and the last request.
    pub tokens_per_s: Option<f64>,
    /// Mean requests in flight between the first request's start and the last one's:
    /// summed latency over that span (Little's law).
    pub concurrency: Option<f64>,
    /// Mean cost of the requests that have one, USD.
    pub cost_per_request: Option<f64>,
    /// The same per 1,000 requests.
    pub cost_per_1k_requests: Option<f64>,
    /// Distinct users among the requests (`user_id`), not counting requests without one.
    pub users: u64,
}

/// A model the price table does not price.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnpricedModel {
    /// Model name as logged.
    pub model: String,
    /// Its requests without a cost.
    pub requests: u64,
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
    /// Its failed requests by class.
    pub error_types: Vec<ErrorTypeCount>,
}

/// The figures of one application.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApplicationTotals {
    /// Application name as logged.
    pub application: String,
    /// Its figures.
    #[serde(flatten)]
    pub totals: Totals,
    /// Its failed requests by class.
    pub error_types: Vec<ErrorTypeCount>,
}

/// The figures of one feature or tag. Latency and TTFT have their mean only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupTotals {
    /// The feature or tag as logged (`(none)` for requests without one).
    pub name: String,
    /// Its figures.
    #[serde(flatten)]
    pub totals: Totals,
}

/// How many features, and how many tags, a view lists at most (the costliest).
pub const MAX_GROUPS: usize = 100;

/// The figures of one user, for the top spenders.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserTotals {
    /// User id as logged.
    pub user_id: String,
    /// Their figures.
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
    /// Per feature, costliest first (at most [`MAX_GROUPS`]).
    pub by_feature: Vec<GroupTotals>,
    /// Per tag, costliest first (at most [`MAX_GROUPS`]); a request counts in each of its
    /// tags, so these overlap.
    pub by_tag: Vec<GroupTotals>,
    /// Over time: buckets in the view's zone over its time range, or over the whole
    /// loaded range when it has none (so model filters keep the axis).
    pub series: Series,
    /// Latency distribution on log-scale bins.
    pub latency_histogram: Histogram,
    /// Time-to-first-token distribution on the same bins.
    pub ttft_histogram: Histogram,
    /// Input tokens per request on the same bins (edges in tokens).
    pub input_tokens_histogram: Histogram,
    /// Output tokens per request on the same bins (edges in tokens).
    pub output_tokens_histogram: Histogram,
    /// The users who spent most (by cost, then requests), at most
    /// [`TOP_USERS`](crate::metrics::panels::TOP_USERS).
    pub top_users: Vec<UserTotals>,
    /// Filter choices.
    pub options: Options,
}

/// The summary of a view from its panels.
fn summary_of(p: &Panels, error_labels: &[String]) -> Summary {
    let totals = p.all.clone();
    let secs = p
        .range
        .map(|(a, b)| (b - a) as f64 / US_PER_S as f64)
        .filter(|&s| s > 0.0);
    let per_s = |x: f64| secs.map(|s| x / s);
    let cost_per_request = totals.cost_usd.map(|c| c / totals.cost_count.max(1) as f64);
    Summary {
        throughput_rps: per_s(totals.requests as f64),
        tokens_per_s: per_s((totals.input_tokens + totals.output_tokens) as f64),
        concurrency: per_s(p.busy_ms / 1000.0),
        cost_per_request,
        cost_per_1k_requests: cost_per_request.map(|c| c * 1000.0),
        users: p.users,
        first_ts: p.range.map(|r| format_iso_micros(r.0)),
        last_ts: p.range.map(|r| format_iso_micros(r.1)),
        error_types: error_list(&p.all_errors, error_labels),
        unpriced_models: Vec::new(),
        totals,
    }
}

/// Failed requests by class from counts by error type label, most frequent first.
fn error_list(counts: &[u64], labels: &[String]) -> Vec<ErrorTypeCount> {
    let mut v: Vec<ErrorTypeCount> = counts
        .iter()
        .zip(labels)
        .filter(|(n, _)| **n > 0)
        .map(|(&count, l)| ErrorTypeCount {
            error_type: l.clone(),
            count,
        })
        .collect();
    v.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.error_type.cmp(&b.error_type))
    });
    v
}

/// The top spenders of a view with their names.
fn top_users(t: &Table, prepared: &Prepared, p: &Panels) -> Vec<UserTotals> {
    let names = t
        .user_id
        .values()
        .as_any()
        .downcast_ref::<arrow::array::StringArray>();
    crate::metrics::panels::top_users(t, prepared, p)
        .into_iter()
        .map(|(k, totals)| UserTotals {
            user_id: names.map_or(NONE_LABEL, |v| v.value(k)).to_string(),
            totals,
        })
        .collect()
}

/// Groups by cost (descending; without a cost last), then requests, then name, at most
/// [`MAX_GROUPS`].
fn costliest(groups: Vec<(u32, Totals)>, labels: &[String]) -> Vec<GroupTotals> {
    let mut out: Vec<GroupTotals> = groups
        .into_iter()
        .map(|(k, totals)| GroupTotals {
            name: labels[k as usize].clone(),
            totals,
        })
        .collect();
    out.sort_by(|a, b| {
        let cost = |g: &GroupTotals| g.totals.cost_usd.unwrap_or(f64::NEG_INFINITY);
        cost(b)
            .total_cmp(&cost(a))
            .then(b.totals.requests.cmp(&a.totals.requests))
            .then_with(|| a.name.cmp(&b.name))
    });
    out.truncate(MAX_GROUPS);
    out
}

/// The unpriced models among per-model totals.
fn unpriced(by_model: &[ModelTotals]) -> Vec<UnpricedModel> {
    by_model
        .iter()
        .filter(|m| m.totals.unpriced_requests > 0)
        .map(|m| UnpricedModel {
            model: m.model.clone(),
            requests: m.totals.unpriced_requests,
        })
        .collect()
}

/// The groups with requests, by requests (descending), then label, with their error
/// classes.
fn ranked(
    totals: Vec<Totals>,
    labels: &[String],
    errors: &[Vec<u64>],
    error_labels: &[String],
) -> Vec<(String, Totals, Vec<ErrorTypeCount>)> {
    let mut out: Vec<(String, Totals, Vec<ErrorTypeCount>)> = totals
        .into_iter()
        .zip(labels)
        .zip(errors)
        .filter(|((t, _), _)| t.requests > 0)
        .map(|((t, l), e)| (l.clone(), t, error_list(e, error_labels)))
        .collect();
    out.sort_by(|x, y| y.1.requests.cmp(&x.1.requests).then_with(|| x.0.cmp(&y.0)));
    out
}

/// Every panel for `view`; an error names an unknown time zone or bucket width. Prepares
/// the table first: a caller with several views keeps a [`Prepared`] and calls
/// [`dashboard_prepared`].
pub fn dashboard(t: &Table, view: &View) -> Result<Dashboard, String> {
    dashboard_prepared(t, &Prepared::of(t), view)
}

/// [`dashboard`] of a table prepared as `p`.
pub fn dashboard_prepared(t: &Table, p: &Prepared, view: &View) -> Result<Dashboard, String> {
    let zone = view.zone()?;
    let buckets = Buckets::for_range(p.ts_range, view)?;
    Ok(build(t, p, view, &zone, buckets))
}

fn build(t: &Table, p: &Prepared, view: &View, zone: &Zone, b: Option<Buckets>) -> Dashboard {
    let mut panels = panels(t, p, view, zone, b.as_ref());
    let by_model: Vec<ModelTotals> = ranked(
        std::mem::take(&mut panels.by_model),
        &p.models,
        &panels.model_errors,
        &p.error_types,
    )
    .into_iter()
    .map(|(model, totals, error_types)| ModelTotals {
        model,
        totals,
        error_types,
    })
    .collect();
    let by_application = ranked(
        std::mem::take(&mut panels.by_app),
        &p.apps,
        &panels.app_errors,
        &p.error_types,
    )
    .into_iter()
    .map(|(application, totals, error_types)| ApplicationTotals {
        application,
        totals,
        error_types,
    })
    .collect();
    let mut summary = summary_of(&panels, &p.error_types);
    summary.unpriced_models = unpriced(&by_model);
    Dashboard {
        summary,
        by_model,
        by_application,
        by_feature: costliest(std::mem::take(&mut panels.by_feature), &p.features),
        by_tag: costliest(std::mem::take(&mut panels.by_tag), &p.tags),
        top_users: top_users(t, p, &panels),
        series: std::mem::take(&mut panels.series),
        latency_histogram: std::mem::take(&mut panels.latency_histogram),
        ttft_histogram: std::mem::take(&mut panels.ttft_histogram),
        input_tokens_histogram: std::mem::take(&mut panels.input_tokens_histogram),
        output_tokens_histogram: std::mem::take(&mut panels.output_tokens_histogram),
        options: Options {
            models: p.present_models(),
            applications: p.present_apps(),
        },
    }
}

/// Which requests a drill-down list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestOrder {
    /// Slowest first.
    #[default]
    Slowest,
    /// Most recent first.
    Latest,
    /// Failed requests only, most recent first.
    Errors,
    /// Most expensive first.
    Costliest,
}

/// One request of a drill-down list: its figures and where its line is in the file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestRow {
    /// Row number in the table.
    pub row: u32,
    /// Request start, ISO 8601 UTC.
    pub ts: Option<String>,
    /// Model.
    pub model: String,
    /// Application.
    pub application: String,
    /// User.
    pub user_id: Option<String>,
    /// Latency, ms.
    pub latency_ms: Option<f64>,
    /// HTTP status.
    pub status: Option<u16>,
    /// Whether it failed.
    pub error: bool,
    /// The class of failure.
    pub error_type: Option<String>,
    /// Prompt tokens.
    pub input_tokens: Option<u32>,
    /// Completion tokens.
    pub output_tokens: Option<u32>,
    /// Reported cost, USD.
    pub cost_usd: Option<f64>,
    /// Byte offset of the source line (read it back with `Blob.slice`).
    pub span_offset: u64,
    /// Byte length of the source line (0: the file cannot be read back by span).
    pub span_len: u32,
    /// Which file of the import it came from (0-based, see `ImportReport::files`).
    pub file: u16,
    /// Time to first token, ms.
    pub ttft_ms: Option<f64>,
}

/// Up to `limit` requests of the view, in `order`.
pub fn requests(t: &Table, view: &View, order: RequestOrder, limit: usize) -> Vec<RequestRow> {
    let mut rows = select(t, view);
    let ts = |i: u32| t.ts.is_valid(i as usize).then(|| t.ts.value(i as usize));
    let opt_f64 = |a: &arrow::array::Float64Array, i: u32| {
        a.is_valid(i as usize).then(|| a.value(i as usize))
    };
    let latency = |i: u32| t.latency_ms.value(i as usize);
    let cost = |i: u32| t.cost_usd.value(i as usize);
    // Ties go to the earlier row, so the list is the same on every run.
    match order {
        RequestOrder::Slowest => {
            rows.retain(|&i| t.latency_ms.is_valid(i as usize));
            top(&mut rows, limit, |a, b| {
                latency(*b).total_cmp(&latency(*a)).then(a.cmp(b))
            });
        }
        RequestOrder::Costliest => {
            rows.retain(|&i| t.cost_usd.is_valid(i as usize));
            top(&mut rows, limit, |a, b| {
                cost(*b).total_cmp(&cost(*a)).then(a.cmp(b))
            });
        }
        RequestOrder::Latest | RequestOrder::Errors => {
            if order == RequestOrder::Errors {
                rows.retain(|&i| t.error.value(i as usize));
            }
            // Newest first; rows without a time last.
            let newest = |i: u32| std::cmp::Reverse(ts(i).unwrap_or(i64::MIN));
            top(&mut rows, limit, |a, b| {
                newest(*a).cmp(&newest(*b)).then(a.cmp(b))
            });
        }
    }
    // Only the listed rows are labelled: no pass over the whole table.
    let text = |col: &DictColumn, i: u32| dict_value(col, i as usize).map(str::to_string);
    let label = |col: &DictColumn, i: u32| text(col, i).unwrap_or_else(|| NONE_LABEL.to_string());
    rows.into_iter()
        .map(|i| {
            let u = i as usize;
            RequestRow {
                row: i,
                ts: ts(i).map(format_iso_micros),
                model: label(&t.model, i),
                application: label(&t.application, i),
                user_id: text(&t.user_id, i),
                latency_ms: opt_f64(&t.latency_ms, i),
                status: t.status.is_valid(u).then(|| t.status.value(u)),
                error: t.error.value(u),
                error_type: text(&t.error_type, i),
                input_tokens: t.input_tokens.is_valid(u).then(|| t.input_tokens.value(u)),
                output_tokens: t
                    .output_tokens
                    .is_valid(u)
                    .then(|| t.output_tokens.value(u)),
                cost_usd: opt_f64(&t.cost_usd, i),
                span_offset: t.span_offset.value(u),
                span_len: t.span_len.value(u),
                file: t.file.value(u),
                ttft_ms: opt_f64(&t.ttft_ms, i),
            }
        })
        .collect()
}

/// The first `limit` rows in `cmp` order, sorted: a selection, then a sort of only those,
/// so a list of 50 out of a million rows costs a pass, not a full sort.
fn top(rows: &mut Vec<u32>, limit: usize, cmp: impl Fn(&u32, &u32) -> std::cmp::Ordering) {
    if rows.len() > limit && limit > 0 {
        rows.select_nth_unstable_by(limit, &cmp);
    }
    rows.truncate(limit);
    rows.sort_unstable_by(&cmp);
}

/// What `tokenlens summary --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryReport {
    /// Headline figures.
    #[serde(flatten)]
    pub summary: Summary,
    /// Malformed lines skipped (also in `import`).
    pub skipped_lines: u64,
    /// Records left out as not LLM calls (also in `import`).
    pub ignored_records: u64,
    /// The input's format (`jsonl`, `csv+gzip`, …); several files' formats joined by `,`.
    pub format: String,
    /// The export it was read as (`langfuse`, `otlp`, …); several joined by `,`.
    pub profile: String,
    /// Per model.
    pub by_model: Vec<ModelTotals>,
    /// Per application.
    pub by_application: Vec<ApplicationTotals>,
    /// Per feature, costliest first.
    pub by_feature: Vec<GroupTotals>,
    /// Per tag, costliest first.
    pub by_tag: Vec<GroupTotals>,
    /// Flagged buckets (see [`crate::metrics::anomaly`]).
    pub anomalies: Vec<Anomaly>,
    /// Fired alerts of the rules given, else of the default rules (see [`crate::alerts`]).
    pub alerts: Vec<Alert>,
    /// Each budget's status; absent when no budget was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budgets: Option<Vec<BudgetStatus>>,
    /// What was read, kept and skipped.
    pub import: ImportReport,
}

impl SummaryReport {
    /// The report of a whole table, with the default alert rules, in UTC.
    pub fn new(t: &Table, import: ImportReport) -> SummaryReport {
        SummaryReport::with_rules(t, import, &Rules::default_rules(), &Zone::utc())
    }

    /// The report of a whole table with these alert rules and budgets; windows, days,
    /// weeks and months follow `zone`.
    pub fn with_rules(
        t: &Table,
        import: ImportReport,
        rules: &Rules,
        zone: &Zone,
    ) -> SummaryReport {
        // Three independent computations: natively each on a thread of its own (a third of
        // the command's time at a million records was these, one after the other).
        let whole_view = View::default();
        let ((d, anomalies), (alerts, budgets)) = join(
            || {
                join(
                    // The whole table in UTC: neither can be wrong, so nothing to report.
                    || {
                        let p = Prepared::of(t);
                        build(t, &p, &whole_view, &Zone::utc(), Buckets::for_table(t))
                    },
                    || anomalies(t, &whole_view),
                )
            },
            || {
                (
                    alerts(t, &whole_view, &rules.rules, zone),
                    (!rules.budgets.is_empty()).then(|| budgets(t, &rules.budgets, zone)),
                )
            },
        );
        SummaryReport {
            summary: d.summary,
            skipped_lines: import.skipped_lines,
            ignored_records: import.ignored_records,
            format: distinct(import.files.iter().map(|f| f.format.as_str())),
            profile: distinct(import.files.iter().map(|f| f.profile.as_str())),
            by_model: d.by_model,
            by_application: d.by_application,
            by_feature: d.by_feature,
            by_tag: d.by_tag,
            anomalies,
            alerts,
            budgets,
            import,
        }
    }
}

/// `a()` and `b()`: natively at once, `b` on a scoped thread; in wasm (no threads in this
/// build) one after the other. A panic in either is the caller's.
fn join<A: Send, B: Send>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B + Send) -> (A, B) {
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::thread::scope(|s| {
            let other = s.spawn(b);
            let a = a();
            match other.join() {
                Ok(b) => (a, b),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        })
    }
    #[cfg(target_arch = "wasm32")]
    {
        (a(), b())
    }
}

/// The distinct non-empty values, in first-seen order, joined by `,`.
fn distinct<'a>(values: impl Iterator<Item = &'a str>) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for v in values.filter(|v| !v.is_empty()) {
        if !seen.contains(&v) {
            seen.push(v);
        }
    }
    seen.join(",")
}
