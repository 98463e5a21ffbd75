//! One call computes every panel of the dashboard for a view; the CLI's summary is the
//! same computation over the whole table.

use arrow::array::Array;
use serde::{Deserialize, Serialize};

use crate::alerts::{alerts, Alert, Rules};
use crate::calendar::Zone;
use crate::ingest::time::{format_iso_micros, US_PER_S};
use crate::ingest::ImportReport;
use crate::metrics::anomaly::{anomalies, Anomaly};
use crate::metrics::budget::{budgets, BudgetStatus};
use crate::metrics::latency::Histogram;
use crate::metrics::series::{series, Series};
use crate::metrics::totals::{error_types, totals, totals_two_ways, Acc, Totals};
use crate::query::{select, select_in, ts_range_of, Buckets, View};
use crate::schema::NONE_LABEL;
use crate::table::{dict_value, DictColumn, Groups, Table};

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
    /// Over time: buckets in the view's zone over its time range, or over the whole
    /// loaded range when it has none (so model filters keep the axis).
    pub series: Series,
    /// Latency distribution on log-scale bins.
    pub latency_histogram: Histogram,
    /// Time-to-first-token distribution on the same bins.
    pub ttft_histogram: Histogram,
    /// The users who spent most (by cost, then requests), at most [`TOP_USERS`].
    pub top_users: Vec<UserTotals>,
    /// Filter choices.
    pub options: Options,
}

/// How many top spenders the dashboard lists.
pub const TOP_USERS: usize = 10;

/// The summary of the selected rows.
pub fn summary(t: &Table, rows: &[u32]) -> Summary {
    summary_of(t, rows, totals(t, rows))
}

/// The summary of the selected rows, whose totals are known.
fn summary_of(t: &Table, rows: &[u32], totals: Totals) -> Summary {
    let range = ts_range_of(t, rows);
    let secs = range
        .map(|(a, b)| (b - a) as f64 / US_PER_S as f64)
        .filter(|&s| s > 0.0);
    let per_s = |x: f64| secs.map(|s| x / s);
    // Running time inside the span: each request's, cut at the last request's start.
    let busy_ms: f64 = range.map_or(0.0, |(_, last)| {
        rows.iter()
            .map(|&i| i as usize)
            .filter(|&i| t.ts.is_valid(i) && t.latency_ms.is_valid(i))
            .map(|i| {
                let left = (last - t.ts.value(i)) as f64 / 1000.0;
                t.latency_ms.value(i).min(left)
            })
            .sum()
    });
    let cost_per_request = totals.cost_usd.map(|c| c / totals.cost_count.max(1) as f64);
    Summary {
        throughput_rps: per_s(totals.requests as f64),
        tokens_per_s: per_s((totals.input_tokens + totals.output_tokens) as f64),
        concurrency: per_s(busy_ms / 1000.0),
        cost_per_request,
        cost_per_1k_requests: cost_per_request.map(|c| c * 1000.0),
        users: distinct_users(t, rows),
        first_ts: range.map(|r| format_iso_micros(r.0)),
        last_ts: range.map(|r| format_iso_micros(r.1)),
        error_types: error_types(t, rows)
            .into_iter()
            .map(|(error_type, count)| ErrorTypeCount { error_type, count })
            .collect(),
        unpriced_models: Vec::new(),
        totals,
    }
}

/// How many distinct user ids the rows have.
fn distinct_users(t: &Table, rows: &[u32]) -> u64 {
    let keys = t.user_id.keys();
    let mut seen = vec![false; t.user_id.values().len()];
    let mut n = 0;
    for &i in rows {
        let i = i as usize;
        if keys.is_valid(i) {
            let k = keys.value(i) as usize;
            n += u64::from(!seen[k]);
            seen[k] = true;
        }
    }
    n
}

/// The [`TOP_USERS`] users with the highest cost (then most requests) among the rows, with
/// their figures. Users are ranked on two sums first, so only the top few get percentiles.
fn top_users(t: &Table, rows: &[u32]) -> Vec<UserTotals> {
    let keys = t.user_id.keys();
    let users = t.user_id.values().len();
    let mut cost = vec![0f64; users];
    let mut requests = vec![0u64; users];
    for &i in rows {
        let i = i as usize;
        if keys.is_valid(i) {
            let k = keys.value(i) as usize;
            requests[k] += 1;
            if t.cost_usd.is_valid(i) {
                cost[k] += t.cost_usd.value(i);
            }
        }
    }
    let mut order: Vec<usize> = (0..users).filter(|&k| requests[k] > 0).collect();
    let rank = |a: &usize, b: &usize| {
        cost[*b]
            .total_cmp(&cost[*a])
            .then(requests[*b].cmp(&requests[*a]))
            .then(a.cmp(b))
    };
    if order.len() > TOP_USERS {
        order.select_nth_unstable_by(TOP_USERS, rank);
        order.truncate(TOP_USERS);
    }
    order.sort_by(rank);
    // Their figures in a second pass, each row straight into its user's accumulator.
    let mut slot = vec![usize::MAX; users];
    for (n, &k) in order.iter().enumerate() {
        slot[k] = n;
    }
    let mut accs: Vec<Acc> = order.iter().map(|_| Acc::default()).collect();
    for &i in rows {
        let i = i as usize;
        if keys.is_valid(i) {
            let n = slot[keys.value(i) as usize];
            if n != usize::MAX {
                accs[n].add(t, i);
            }
        }
    }
    let names = t
        .user_id
        .values()
        .as_any()
        .downcast_ref::<arrow::array::StringArray>();
    order
        .iter()
        .zip(accs)
        .map(|(&k, acc)| UserTotals {
            user_id: names.map_or(NONE_LABEL, |v| v.value(k)).to_string(),
            totals: acc.finish(),
        })
        .collect()
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

/// Every panel for `view`; an error names an unknown time zone or bucket width.
pub fn dashboard(t: &Table, view: &View) -> Result<Dashboard, String> {
    let zone = view.zone()?;
    let buckets = Buckets::for_view(t, view)?;
    Ok(build(t, view, &zone, buckets))
}

fn build(t: &Table, view: &View, zone: &Zone, buckets: Option<Buckets>) -> Dashboard {
    let models = Groups::of(&t.model);
    let apps = Groups::of(&t.application);
    let rows = select_in(t, &models, &apps, view);
    let mut model_errors = error_types_by(t, &rows, &models);
    let (by_model, by_app, all) = totals_two_ways(t, &rows, &models, &apps);
    let by_model: Vec<ModelTotals> = by_model
        .into_iter()
        .map(|(g, model, totals)| ModelTotals {
            model,
            totals,
            error_types: std::mem::take(&mut model_errors[g]),
        })
        .collect();
    let mut app_errors = error_types_by(t, &rows, &apps);
    let by_application = by_app
        .into_iter()
        .map(|(g, application, totals)| ApplicationTotals {
            application,
            totals,
            error_types: std::mem::take(&mut app_errors[g]),
        })
        .collect();
    let mut summary = summary_of(t, &rows, all);
    summary.unpriced_models = unpriced(&by_model);
    let column = |a: &'_ arrow::array::Float64Array| {
        if a.null_count() == a.len() {
            return Histogram::default();
        }
        let rows = &rows;
        Histogram::of(
            rows.iter()
                .map(|&i| i as usize)
                .filter(move |&i| a.is_valid(i))
                .map(move |i| a.value(i)),
        )
    };
    Dashboard {
        summary,
        by_model,
        by_application,
        series: buckets
            .map(|b| series(t, &rows, &b, zone))
            .unwrap_or_default(),
        latency_histogram: column(&t.latency_ms),
        ttft_histogram: column(&t.ttft_ms),
        top_users: top_users(t, &rows),
        options: Options {
            models: present_labels(&models),
            applications: present_labels(&apps),
        },
    }
}

/// Failed requests by class for each group (by group index), most frequent first.
fn error_types_by(t: &Table, rows: &[u32], groups: &Groups) -> Vec<Vec<ErrorTypeCount>> {
    let types = Groups::of(&t.error_type);
    let width = types.labels.len();
    let mut counts = vec![0u64; groups.labels.len() * width];
    for &i in rows {
        let i = i as usize;
        if t.error.value(i) {
            counts[groups.of_row[i] as usize * width + types.of_row[i] as usize] += 1;
        }
    }
    counts
        .chunks(width.max(1))
        .map(|c| {
            let mut v: Vec<ErrorTypeCount> = c
                .iter()
                .zip(&types.labels)
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
        })
        .collect()
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
        // The whole table in UTC: neither can be wrong, so nothing to report.
        let d = build(t, &View::default(), &Zone::utc(), Buckets::for_table(t));
        SummaryReport {
            summary: d.summary,
            skipped_lines: import.skipped_lines,
            ignored_records: import.ignored_records,
            format: distinct(import.files.iter().map(|f| f.format.as_str())),
            profile: distinct(import.files.iter().map(|f| f.profile.as_str())),
            by_model: d.by_model,
            by_application: d.by_application,
            anomalies: anomalies(t, &View::default()),
            alerts: alerts(t, &View::default(), &rules.rules, zone),
            budgets: (!rules.budgets.is_empty()).then(|| budgets(t, &rules.budgets, zone)),
            import,
        }
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
