//! Threshold rules ("p95 latency > 500 ms over 5 min", "daily cost > $1,000") evaluated on
//! consecutive windows of the data, and the rules file that holds them with budgets.
//!
//! A rule is judged on tumbling windows aligned to the display time zone's clock (a "1d"
//! window is a local day; see [`crate::calendar`]). Each window's figure comes from
//! [`crate::metrics::totals`], so a rule's p95 is the dashboard's p95. Rates and percentiles
//! need at least `min_requests` requests behind them (default 20: the requests with a
//! latency for a latency figure, the judged ones for a quality rate, all for the error
//! rate); counts and sums are judged in every window, an empty one counting 0. Runs of
//! consecutive firing windows of one rule and group are reported as one [`Alert`].
//!
//! The first and last windows are usually cut by the data's start and end (an export
//! starts and stops mid-window). That only lowers a count or a sum, so a rule that fires on
//! a *low* count or sum (`<`, `<=`) is not judged on such a window.

use std::borrow::Cow;
use std::fmt;

use arrow::array::Array;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::calendar::{Period, Zone};
use crate::ingest::time::{format_iso_micros, US_PER_S};
use crate::metrics::budget::{number_text, usd_text, Budget, BudgetPeriod};
use crate::metrics::totals::{Acc, Totals};
use crate::query::{select_in, ts_range, View};
use crate::table::{Groups, Table};

/// Requests a rate or a percentile needs in a window, unless the rule says otherwise.
pub const DEFAULT_MIN_REQUESTS: u64 = 20;

/// Empty windows are judged only when the data's time range holds at most this many
/// windows of the rule (a one-minute window over almost two years); beyond that, only
/// windows with requests are, so a stray timestamp decades away cannot stall a check.
pub const MAX_EMPTY_WINDOWS: i64 = 1_000_000;

/// What a rule measures in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum Metric {
    Requests,
    Errors,
    /// errors / requests, a fraction (0.05 = 5%).
    ErrorRate,
    P50LatencyMs,
    P90LatencyMs,
    P95LatencyMs,
    P99LatencyMs,
    MaxLatencyMs,
    MeanLatencyMs,
    P50TtftMs,
    P95TtftMs,
    InputTokens,
    OutputTokens,
    /// input + output tokens.
    #[serde(alias = "tokens")]
    TotalTokens,
    #[serde(alias = "cost")]
    CostUsd,
    /// Fractions of the requests that carry the signal.
    HallucinationRate,
    ThumbsUpRate,
    SafetyViolationRate,
    /// requests / seconds of the window.
    RequestsPerS,
}

/// How a figure is written.
#[derive(Clone, Copy, PartialEq)]
enum Unit {
    Count,
    Ms,
    Usd,
    Fraction,
    PerSecond,
}

/// What a metric's value needs before it is judged.
#[derive(Clone, Copy, PartialEq)]
enum Basis {
    /// A count or a sum: judged in every window.
    Sum,
    /// A rate or percentile over this many of the window's requests.
    Requests,
    Latencies,
    Ttfts,
    Hallucination,
    Feedback,
    Safety,
}

impl Metric {
    /// Every metric, in the order the documentation lists them.
    pub const ALL: [Metric; 19] = [
        Metric::Requests,
        Metric::Errors,
        Metric::ErrorRate,
        Metric::P50LatencyMs,
        Metric::P90LatencyMs,
        Metric::P95LatencyMs,
        Metric::P99LatencyMs,
        Metric::MaxLatencyMs,
        Metric::MeanLatencyMs,
        Metric::P50TtftMs,
        Metric::P95TtftMs,
        Metric::InputTokens,
        Metric::OutputTokens,
        Metric::TotalTokens,
        Metric::CostUsd,
        Metric::HallucinationRate,
        Metric::ThumbsUpRate,
        Metric::SafetyViolationRate,
        Metric::RequestsPerS,
    ];

    /// The name in rules files (`p95_latency_ms`).
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// The metric in words, for generated rule names.
    fn label(self) -> &'static str {
        match self {
            Metric::Requests => "requests",
            Metric::Errors => "errors",
            Metric::ErrorRate => "error rate",
            Metric::P50LatencyMs => "p50 latency",
            Metric::P90LatencyMs => "p90 latency",
            Metric::P95LatencyMs => "p95 latency",
            Metric::P99LatencyMs => "p99 latency",
            Metric::MaxLatencyMs => "max latency",
            Metric::MeanLatencyMs => "mean latency",
            Metric::P50TtftMs => "p50 time to first token",
            Metric::P95TtftMs => "p95 time to first token",
            Metric::InputTokens => "input tokens",
            Metric::OutputTokens => "output tokens",
            Metric::TotalTokens => "tokens",
            Metric::CostUsd => "cost",
            Metric::HallucinationRate => "hallucination rate",
            Metric::ThumbsUpRate => "thumbs-up rate",
            Metric::SafetyViolationRate => "safety violation rate",
            Metric::RequestsPerS => "throughput",
        }
    }

    fn unit(self) -> Unit {
        match self {
            Metric::Requests
            | Metric::Errors
            | Metric::InputTokens
            | Metric::OutputTokens
            | Metric::TotalTokens => Unit::Count,
            Metric::ErrorRate
            | Metric::HallucinationRate
            | Metric::ThumbsUpRate
            | Metric::SafetyViolationRate => Unit::Fraction,
            Metric::CostUsd => Unit::Usd,
            Metric::RequestsPerS => Unit::PerSecond,
            _ => Unit::Ms,
        }
    }

    fn basis(self) -> Basis {
        match self {
            Metric::ErrorRate => Basis::Requests,
            Metric::P50LatencyMs
            | Metric::P90LatencyMs
            | Metric::P95LatencyMs
            | Metric::P99LatencyMs
            | Metric::MaxLatencyMs
            | Metric::MeanLatencyMs => Basis::Latencies,
            Metric::P50TtftMs | Metric::P95TtftMs => Basis::Ttfts,
            Metric::HallucinationRate => Basis::Hallucination,
            Metric::ThumbsUpRate => Basis::Feedback,
            Metric::SafetyViolationRate => Basis::Safety,
            _ => Basis::Sum,
        }
    }

    /// The figure of a window `secs` long, or `None` when it cannot be judged (too few
    /// requests behind a rate or percentile, or no cost known).
    fn value_of(self, w: &Finished, secs: f64, min_requests: u64) -> Option<f64> {
        let t = &w.totals;
        let q = &t.quality;
        let behind = match self.basis() {
            Basis::Sum => None,
            Basis::Requests => Some(t.requests),
            Basis::Latencies => Some(w.latencies),
            Basis::Ttfts => Some(w.ttfts),
            Basis::Hallucination => Some(q.hallucination_count),
            Basis::Feedback => Some(q.feedback_count),
            Basis::Safety => Some(q.safety_count),
        };
        if behind.is_some_and(|n| n < min_requests.max(1)) {
            return None;
        }
        let l = &t.latency_ms;
        match self {
            Metric::Requests => Some(t.requests as f64),
            Metric::Errors => Some(t.errors as f64),
            Metric::ErrorRate => t.error_rate,
            Metric::P50LatencyMs => l.p50,
            Metric::P90LatencyMs => l.p90,
            Metric::P95LatencyMs => l.p95,
            Metric::P99LatencyMs => l.p99,
            Metric::MaxLatencyMs => l.max,
            Metric::MeanLatencyMs => l.mean,
            Metric::P50TtftMs => t.ttft_ms.p50,
            Metric::P95TtftMs => t.ttft_ms.p95,
            Metric::InputTokens => Some(t.input_tokens as f64),
            Metric::OutputTokens => Some(t.output_tokens as f64),
            Metric::TotalTokens => Some((t.input_tokens + t.output_tokens) as f64),
            // Nothing requested, nothing spent; requests none of which has a cost: unknown.
            Metric::CostUsd if t.requests == 0 => Some(0.0),
            Metric::CostUsd => t.cost_usd,
            Metric::HallucinationRate => q.hallucination_rate,
            Metric::ThumbsUpRate => q.thumbs_up_rate,
            Metric::SafetyViolationRate => q.safety_violation_rate,
            Metric::RequestsPerS => Some(t.requests as f64 / secs),
        }
    }

    /// `v` as people read it: "500 ms", "$1,000", "5%", "1,200", "2.5 req/s".
    pub fn format(self, v: f64) -> String {
        match self.unit() {
            Unit::Count => number_text(v),
            Unit::Ms => format!("{} ms", number_text(v)),
            Unit::Usd => usd_text(v),
            Unit::Fraction => format!("{}%", number_text(v * 100.0)),
            Unit::PerSecond => format!("{} req/s", number_text(v)),
        }
    }

    /// [`Metric::format`] rounded for a report line: ms to 0.1, dollars and percents to
    /// 0.01, rates per second to 0.001.
    pub fn format_rounded(self, v: f64) -> String {
        let round = |v: f64, places: i32| {
            let k = 10f64.powi(places);
            (v * k).round() / k
        };
        match self.unit() {
            Unit::Count => number_text(v),
            Unit::Ms => format!("{} ms", number_text(round(v, 1))),
            Unit::Usd => usd_text(round(v, 2)),
            Unit::Fraction => format!("{}%", number_text(round(v * 100.0, 2))),
            Unit::PerSecond => format!("{} req/s", number_text(round(v, 3))),
        }
    }
}

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// Fires above the value.
    #[serde(rename = ">")]
    Gt,
    /// Fires at or above the value.
    #[serde(rename = ">=")]
    Ge,
    /// Fires below the value.
    #[serde(rename = "<")]
    Lt,
    /// Fires at or below the value.
    #[serde(rename = "<=")]
    Le,
}

impl Op {
    /// Whether `v` fires against `threshold`.
    pub fn fires(self, v: f64, threshold: f64) -> bool {
        match self {
            Op::Gt => v > threshold,
            Op::Ge => v >= threshold,
            Op::Lt => v < threshold,
            Op::Le => v <= threshold,
        }
    }

    /// `<` or `<=`: the worst value is the lowest.
    fn below(self) -> bool {
        matches!(self, Op::Lt | Op::Le)
    }

    fn symbol(self) -> &'static str {
        match self {
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
        }
    }
}

/// A column to group by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// The model.
    Model,
    /// The application.
    Application,
}

impl Dimension {
    fn name(self) -> &'static str {
        match self {
            Dimension::Model => "model",
            Dimension::Application => "application",
        }
    }
}

/// One group a rule is restricted to: `{"model": "gpt-4o"}` in a rules file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupFilter {
    /// Model or application.
    pub dimension: Dimension,
    /// Its label (`(none)` for requests without one).
    pub value: String,
}

impl Serialize for GroupFilter {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry(self.dimension.name(), &self.value)?;
        m.end()
    }
}

/// A rule's window: a calendar period of the display time zone, written `5m`, `15m`, `1h`,
/// `1d`, `1w`, `1mo` (seconds, minutes and hours must divide a day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window(pub Period);

impl Window {
    /// Parses `5m`, `30s`, `1h`, `1d`, `1w`, `1mo` (also `5min`, `24h`).
    pub fn parse(text: &str) -> Result<Window, String> {
        let bad = || {
            format!(
                "{text:?} is not a window: write 5m, 15m, 1h, 1d, 1w or 1mo \
                 (seconds, minutes and hours must divide a day)"
            )
        };
        let s = text.trim();
        let digits = s.bytes().take_while(u8::is_ascii_digit).count();
        let n: i64 = s[..digits].parse().map_err(|_| bad())?;
        let secs = match &s[digits..] {
            "s" => n,
            "m" | "min" => n.saturating_mul(60),
            "h" => n.saturating_mul(3_600),
            "d" if n == 1 => return Ok(Window(Period::Day)),
            "w" if n == 1 => return Ok(Window(Period::Week)),
            "mo" if n == 1 => return Ok(Window(Period::Month)),
            _ => return Err(bad()),
        };
        if secs <= 0 || 86_400 % secs != 0 {
            return Err(bad());
        }
        Ok(Window(Period::of_secs(secs)))
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Period::Secs(s) if s % 3_600 == 0 => write!(f, "{}h", s / 3_600),
            Period::Secs(s) if s % 60 == 0 => write!(f, "{}m", s / 60),
            Period::Secs(s) => write!(f, "{s}s"),
            Period::Day => f.write_str("1d"),
            Period::Week => f.write_str("1w"),
            Period::Month => f.write_str("1mo"),
        }
    }
}

impl Serialize for Window {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Window {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Window, D::Error> {
        let s = String::deserialize(d)?;
        Window::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A threshold rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    /// What to call it; default e.g. "p95 latency > 500 ms over 5m".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What is measured.
    pub metric: Metric,
    /// Only this model's or application's requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<GroupFilter>,
    /// Judge each model or application on its own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<Dimension>,
    /// The comparison that fires.
    pub op: Op,
    /// The threshold, in the metric's unit (ms, USD, a fraction for rates).
    pub value: f64,
    /// The window each figure is measured over.
    pub window: Window,
    /// Requests a rate or a percentile needs in a window to be judged.
    pub min_requests: u64,
}

impl Rule {
    /// The given name, or one made from the rule: "p95 latency > 500 ms over 5m for model
    /// gpt-4o", "error rate > 5% over 15m per model".
    pub fn display_name(&self) -> String {
        if let Some(n) = &self.name {
            return n.clone();
        }
        let mut s = format!(
            "{} {} {} over {}",
            self.metric.label(),
            self.op.symbol(),
            self.metric.format(self.value),
            self.window
        );
        if let Some(g) = &self.group {
            s.push_str(&format!(" for {} {}", g.dimension.name(), g.value));
        }
        if let Some(d) = self.by {
            s.push_str(&format!(" per {}", d.name()));
        }
        s
    }
}

/// A rules file: threshold rules and budgets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rules {
    /// Threshold rules.
    pub rules: Vec<Rule>,
    /// Spending limits.
    pub budgets: Vec<Budget>,
}

impl Rules {
    /// The source article's examples: p95 latency above 500 ms over 5 minutes, daily cost
    /// above $1,000; and an error rate above 5% over 15 minutes with at least 100 requests.
    /// No budgets.
    pub fn default_rules() -> Rules {
        let rule = |metric, value, window| Rule {
            name: None,
            metric,
            group: None,
            by: None,
            op: Op::Gt,
            value,
            window: Window(window),
            min_requests: DEFAULT_MIN_REQUESTS,
        };
        Rules {
            rules: vec![
                rule(Metric::P95LatencyMs, 500.0, Period::Secs(300)),
                Rule {
                    name: Some("daily cost > $1,000".to_string()),
                    ..rule(Metric::CostUsd, 1_000.0, Period::Day)
                },
                // At least 100 requests: 5% is then 6 errors or more, which a 1% base
                // rate gives by chance in under 0.1% of windows; with 20, 2 errors out
                // of 23 would fire every day.
                Rule {
                    min_requests: 100,
                    ..rule(Metric::ErrorRate, 0.05, Period::Secs(900))
                },
            ],
            budgets: Vec::new(),
        }
    }

    /// Reads a rules file (JSON). Errors name where: `rules[2].window: "5x" is not a
    /// window …`, `budgets[0]: missing field "usd"`, or the line and column of bad JSON.
    pub fn from_json(text: &str) -> Result<Rules, RulesError> {
        let v: Value = serde_json::from_str(text).map_err(|e| RulesError {
            at: "rules file".to_string(),
            reason: e.to_string(),
        })?;
        Rules::from_value(&v)
    }

    /// Reads a rules file already parsed as JSON.
    pub fn from_value(v: &Value) -> Result<Rules, RulesError> {
        let top = Obj::new("rules file".to_string(), v, &["rules", "budgets"])?;
        let list = |key: &str| -> Result<Vec<Value>, RulesError> {
            Ok(top.get::<Vec<Value>>(key)?.unwrap_or_default())
        };
        let rules = list("rules")?
            .iter()
            .enumerate()
            .map(|(i, r)| parse_rule(format!("rules[{i}]"), r))
            .collect::<Result<_, _>>()?;
        let budgets = list("budgets")?
            .iter()
            .enumerate()
            .map(|(i, b)| parse_budget(format!("budgets[{i}]"), b))
            .collect::<Result<_, _>>()?;
        Ok(Rules { rules, budgets })
    }
}

impl<'de> Deserialize<'de> for Rules {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Rules, D::Error> {
        let v = Value::deserialize(d)?;
        Rules::from_value(&v).map_err(serde::de::Error::custom)
    }
}

/// A rules file that cannot be used, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{at}: {reason}")]
pub struct RulesError {
    /// `rules file`, `rules[2]`, `rules[2].window`, `budgets[0].usd`, …
    pub at: String,
    /// What is wrong.
    pub reason: String,
}

/// A JSON object read field by field, so an error names its field.
struct Obj<'a> {
    at: String,
    map: &'a Map<String, Value>,
}

impl<'a> Obj<'a> {
    fn new(at: String, v: &'a Value, known: &[&str]) -> Result<Obj<'a>, RulesError> {
        let Some(map) = v.as_object() else {
            return Err(RulesError {
                at,
                reason: format!("expected an object, found {v}"),
            });
        };
        if let Some(k) = map.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(RulesError {
                at,
                reason: format!("unknown field {k:?} (fields: {})", known.join(", ")),
            });
        }
        Ok(Obj { at, map })
    }

    fn err(&self, key: &str, reason: impl fmt::Display) -> RulesError {
        RulesError {
            at: format!("{}.{key}", self.at),
            reason: reason.to_string(),
        }
    }

    fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, RulesError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => T::deserialize(v).map(Some).map_err(|e| self.err(key, e)),
        }
    }

    fn need<T: DeserializeOwned>(&self, key: &str) -> Result<T, RulesError> {
        self.get(key)?.ok_or_else(|| RulesError {
            at: self.at.clone(),
            reason: format!("missing field {key:?}"),
        })
    }

    /// A finite number, positive when `positive`.
    fn number(&self, key: &str, positive: bool) -> Result<f64, RulesError> {
        let v: f64 = self.need(key)?;
        if !v.is_finite() || (positive && v <= 0.0) {
            let what = if positive { "a positive" } else { "a" };
            return Err(self.err(key, format!("expected {what} number, found {v}")));
        }
        Ok(v)
    }
}

fn parse_rule(at: String, v: &Value) -> Result<Rule, RulesError> {
    let o = Obj::new(
        at,
        v,
        &[
            "name",
            "metric",
            "group",
            "by",
            "op",
            "value",
            "window",
            "min_requests",
        ],
    )?;
    let group = match o.get::<Map<String, Value>>("group")? {
        None => None,
        Some(m) => {
            let one = || {
                o.err(
                    "group",
                    "expected one of {\"model\": NAME} or {\"application\": NAME}",
                )
            };
            let (k, v) = m.iter().next().filter(|_| m.len() == 1).ok_or_else(one)?;
            Some(GroupFilter {
                dimension: Dimension::deserialize(&Value::String(k.clone())).map_err(|_| one())?,
                value: v.as_str().ok_or_else(one)?.to_string(),
            })
        }
    };
    Ok(Rule {
        name: o.get("name")?,
        metric: o.need("metric")?,
        group,
        by: o.get("by")?,
        op: o.need("op")?,
        value: o.number("value", false)?,
        window: o.need("window")?,
        min_requests: o.get("min_requests")?.unwrap_or(DEFAULT_MIN_REQUESTS),
    })
}

fn parse_budget(at: String, v: &Value) -> Result<Budget, RulesError> {
    let o = Obj::new(at, v, &["name", "period", "usd", "application"])?;
    Ok(Budget {
        name: o.get("name")?,
        period: o.need::<BudgetPeriod>("period")?,
        usd: o.number("usd", true)?,
        application: o.get("application")?,
    })
}

/// A run of consecutive windows in which a rule fired for one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    /// The rule's name (given or made).
    pub rule: String,
    /// What was measured.
    pub metric: Metric,
    /// `all`, `model:NAME`, `application:NAME`, or both joined by `, ` for a rule with a
    /// group and a `by`.
    pub group: String,
    /// The comparison.
    pub op: Op,
    /// The rule's value.
    pub threshold: f64,
    /// The rule's window.
    pub window: Window,
    /// Start of the first firing window, ISO 8601 UTC.
    pub start: String,
    /// End of the last firing window (exclusive), ISO 8601 UTC.
    pub end: String,
    /// Start, ms since the epoch (for charts).
    pub start_ms: f64,
    /// End, ms since the epoch.
    pub end_ms: f64,
    /// Windows that fired.
    pub windows: u64,
    /// The highest value (lowest for `<` and `<=`) among them.
    pub worst: f64,
    /// Start of the window with that value, ISO 8601 UTC.
    pub worst_start: String,
    /// Whether the last window holds the data's last request: still firing at its end.
    pub ongoing: bool,
}

/// One group's figures in the window being judged.
#[derive(Default)]
struct Cell {
    acc: Acc,
    latencies: u64,
    ttfts: u64,
}

/// A group's window figures once finished.
struct Finished {
    totals: Totals,
    latencies: u64,
    ttfts: u64,
}

impl Cell {
    fn finish(self) -> Finished {
        Finished {
            totals: self.acc.finish(),
            latencies: self.latencies,
            ttfts: self.ttfts,
        }
    }
}

/// Consecutive firing windows of one group.
struct Run {
    start: i64,
    end: i64,
    windows: u64,
    worst: f64,
    worst_start: i64,
}

/// Every alert the rules fire on the view's requests, by rule, then start, then group.
/// Windows and days follow `zone`. Rows without a timestamp are left out.
pub fn alerts(t: &Table, view: &View, rules: &[Rule], zone: &Zone) -> Vec<Alert> {
    let Some(range) = ts_range(t) else {
        return Vec::new();
    };
    let models = Groups::of(&t.model);
    let apps = Groups::of(&t.application);
    let mut rows = select_in(t, &models, &apps, view);
    rows.retain(|&i| t.ts.is_valid(i as usize));
    // Logs are mostly in time order already: the (stable, adaptive) sort is close to a pass,
    // but takes a buffer of half the rows, which rows in order do without.
    if !rows.is_sorted_by_key(|&i| t.ts.value(i as usize)) {
        rows.sort_by_key(|&i| t.ts.value(i as usize));
    }
    let groups = |d: Dimension| match d {
        Dimension::Model => &models,
        Dimension::Application => &apps,
    };
    let mut out = Vec::new();
    for rule in rules {
        let mut fired = judge(t, &rows, rule, zone, range, &groups);
        fired.sort_by(|a, b| {
            a.start_ms
                .total_cmp(&b.start_ms)
                .then_with(|| a.group.cmp(&b.group))
        });
        out.extend(fired);
    }
    out
}

/// The alerts of one rule over time-sorted `rows`; `(first, last)` is the data's first and
/// last timestamp (the export's span, whatever the view).
fn judge<'g>(
    t: &Table,
    rows: &[u32],
    rule: &Rule,
    z: &Zone,
    (first, last): (i64, i64),
    groups: &dyn Fn(Dimension) -> &'g Groups<'g>,
) -> Vec<Alert> {
    let mut prefix = String::new();
    // A rule on one group judges its rows; one on all borrows them.
    let rows: Cow<[u32]> = match &rule.group {
        None => Cow::Borrowed(rows),
        Some(g) => {
            prefix = format!("{}:{}", g.dimension.name(), g.value);
            let gs = groups(g.dimension);
            match gs.labels.iter().position(|l| *l == g.value) {
                Some(k) => Cow::Owned(
                    rows.iter()
                        .copied()
                        .filter(|&i| gs.of_row(i as usize) as usize == k)
                        .collect(),
                ),
                // Not in the data: no requests (a low-count rule still fires).
                None => Cow::Owned(Vec::new()),
            }
        }
    };
    // Slots are the groups judged: without `by` one, with it each group that has requests.
    let by = rule.by.map(|d| (d, groups(d)));
    let label = |key: usize| {
        let own = by.map(|(d, g)| format!("{}:{}", d.name(), g.labels[key]));
        match (prefix.is_empty(), own) {
            (true, None) => "all".to_string(),
            (true, Some(o)) => o,
            (false, None) => prefix.clone(),
            (false, Some(o)) => format!("{prefix}, {o}"),
        }
    };
    let mut slot_of: Vec<Option<usize>> = vec![None; by.map_or(1, |(_, g)| g.labels.len())];
    let mut labels: Vec<String> = Vec::new();
    if by.is_none() {
        slot_of[0] = Some(0);
        labels.push(label(0));
    }
    // Each row's slot; without `by`, every row's is 0 and none is kept.
    let slot: Vec<u32> = match by {
        None => Vec::new(),
        Some((_, g)) => rows
            .iter()
            .map(|&i| {
                let key = g.of_row(i as usize) as usize;
                *slot_of[key].get_or_insert_with(|| {
                    labels.push(label(key));
                    labels.len() - 1
                }) as u32
            })
            .collect(),
    };
    if labels.is_empty() {
        return Vec::new();
    }

    let p = rule.window.0;
    let ts = |n: usize| t.ts.value(rows[n] as usize);
    // Whether a window without requests fires (a low count or sum): then every window of
    // the data's span is judged; else windows without requests are skipped, which changes
    // nothing but the time taken.
    let empty = Cell::default().finish();
    let empty_fires = rule
        .metric
        .value_of(&empty, 1.0, rule.min_requests)
        .is_some_and(|v| rule.op.fires(v, rule.value))
        && (last - first) / p.nominal_us() <= MAX_EMPTY_WINDOWS;
    if rows.is_empty() && !empty_fires {
        return Vec::new();
    }
    let (from, stop) = if empty_fires {
        (first, last)
    } else {
        (ts(0), ts(rows.len() - 1))
    };
    // A window cut by the data's start or end only has lower counts and sums: a low one
    // there proves nothing.
    let skip_cut = rule.op.below() && rule.metric.basis() == Basis::Sum;

    let mut cells: Vec<Cell> = (0..labels.len()).map(|_| Cell::default()).collect();
    let mut runs: Vec<Option<Run>> = (0..labels.len()).map(|_| None).collect();
    let mut done: Vec<(usize, Run)> = Vec::new();
    let mut n = 0;
    let cols = t.cols();
    // Only a percentile rule keeps each window's latencies (its sums are the rest).
    let percentiles = matches!(rule.metric.basis(), Basis::Latencies | Basis::Ttfts);
    let mut start = p.floor(from, z);
    while start <= stop {
        let end = p.next(start, z);
        while n < rows.len() && ts(n) < end {
            let (i, c) = (
                rows[n] as usize,
                &mut cells[slot.get(n).map_or(0, |&s| s as usize)],
            );
            if percentiles {
                c.acc.add(&cols, i);
            } else {
                c.acc.sums.add(&cols, i);
            }
            c.latencies += u64::from(cols.latency_ms.get(i).is_some());
            c.ttfts += u64::from(cols.ttft_ms.get(i).is_some());
            n += 1;
        }
        let cut = start < first || end > last;
        let secs = (end - start) as f64 / US_PER_S as f64;
        for (s, cell) in cells.iter_mut().enumerate() {
            let w = std::mem::take(cell).finish();
            let fired = rule
                .metric
                .value_of(&w, secs, rule.min_requests)
                .filter(|&v| rule.op.fires(v, rule.value) && !(cut && skip_cut));
            match (fired, &mut runs[s]) {
                (Some(v), Some(r)) if r.end == start => {
                    r.end = end;
                    r.windows += 1;
                    let worse = if rule.op.below() {
                        v < r.worst
                    } else {
                        v > r.worst
                    };
                    if worse {
                        r.worst = v;
                        r.worst_start = start;
                    }
                }
                (fired, r) => {
                    if let Some(r) = r.take() {
                        done.push((s, r));
                    }
                    *r = fired.map(|v| Run {
                        start,
                        end,
                        windows: 1,
                        worst: v,
                        worst_start: start,
                    });
                }
            }
        }
        // Skipped windows have no requests and do not fire: a run before them ends.
        start = if empty_fires || n >= rows.len() {
            end
        } else {
            p.floor(ts(n), z).max(end)
        };
    }
    done.extend(
        runs.into_iter()
            .enumerate()
            .filter_map(|(s, r)| r.map(|r| (s, r))),
    );
    let name = rule.display_name();
    done.into_iter()
        .map(|(s, r)| Alert {
            rule: name.clone(),
            metric: rule.metric,
            group: labels[s].clone(),
            op: rule.op,
            threshold: rule.value,
            window: rule.window,
            start: format_iso_micros(r.start),
            end: format_iso_micros(r.end),
            start_ms: r.start as f64 / 1000.0,
            end_ms: r.end as f64 / 1000.0,
            windows: r.windows,
            worst: r.worst,
            worst_start: format_iso_micros(r.worst_start),
            ongoing: r.end > last,
        })
        .collect()
}
