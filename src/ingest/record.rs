//! A decoded record of any format (a JSON object, a CSV row, an Arrow row) seen through one
//! small trait, and the [`Mapping`] that turns it into a canonical row following a
//! [`Profile`]'s rules. Every unit conversion named in [`super::fields`] is carried out here.

use std::borrow::Cow;

use serde_json::Value as Json;

use super::fields::{Field, Profile, Unit};
use super::{error_type, is_error, time};
use crate::table::{Row, TAG_SEP};

/// A source value, whatever the format wrote it as.
#[derive(Debug, Clone, PartialEq)]
pub enum Val<'a> {
    /// Absent or null (an empty CSV cell too).
    Null,
    /// true / false.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// Any other number.
    Float(f64),
    /// Text.
    Str(Cow<'a, str>),
    /// A list of scalars, as text (finish reasons, tags).
    List(Vec<String>),
    /// An object, or a list of objects (named for error messages).
    Other(&'static str),
}

impl<'a> Val<'a> {
    /// How the value is named in an error message: `-5`, `"fast"`, `true`, `an object`.
    pub fn describe(&self) -> String {
        match self {
            Val::Null => "null".into(),
            Val::Bool(b) => format!("`{b}`"),
            Val::Int(i) => format!("`{i}`"),
            Val::Float(x) => format!("`{x}`"),
            Val::Str(s) => format!("{:?}", s.chars().take(60).collect::<String>()),
            Val::List(_) => "a list".into(),
            Val::Other(what) => (*what).into(),
        }
    }

    /// The value as text, for text fields and failure-status comparisons.
    fn text(&self) -> Option<Cow<'_, str>> {
        match self {
            Val::Null | Val::Other(_) => None,
            Val::List(items) => Some(Cow::Owned(items.join(","))),
            Val::Bool(b) => Some(Cow::Owned(b.to_string())),
            Val::Int(i) => Some(Cow::Owned(i.to_string())),
            Val::Float(x) => Some(Cow::Owned(x.to_string())),
            Val::Str(s) => Some(Cow::Borrowed(s.as_ref())),
        }
    }

    /// [`Val::text`], keeping borrowed text borrowed.
    fn into_text(self) -> Option<Cow<'a, str>> {
        match self {
            Val::Str(s) => Some(s),
            v => v.text().map(|t| Cow::Owned(t.into_owned())),
        }
    }

    /// The value as a number (numbers written as text count).
    fn number(&self) -> Option<f64> {
        match self {
            Val::Int(i) => Some(*i as f64),
            Val::Float(x) => Some(*x),
            Val::Str(s) => super::scan::parse_f64(s),
            _ => None,
        }
    }
}

/// One record, whatever its format: the value at a path of keys from its top level.
pub trait Source {
    /// The value at `path`; [`Val::Null`] when absent.
    fn get(&self, path: &[String]) -> Val<'_>;

    /// The value at `path`, asked for by rule number `rule` of a [`Mapping`] (the same
    /// number, the same path, for every record of a file): a source may remember where
    /// each rule's value lives instead of finding it again for every record.
    fn get_rule(&self, _rule: usize, path: &[String]) -> Val<'_> {
        self.get(path)
    }

    /// Why the record cannot be read after all, found while its fields were read (a CSV
    /// field that is not UTF-8 is only checked when a rule reads it): it is then skipped.
    fn fault(&self) -> Option<String> {
        None
    }
}

/// A JSON value as a [`Val`] (containers are named, not copied).
pub fn json_val(v: &Json) -> Val<'_> {
    match v {
        Json::Null => Val::Null,
        Json::Bool(b) => Val::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Val::Int(i),
            None => n.as_f64().map_or(Val::Null, Val::Float),
        },
        Json::String(s) => Val::Str(Cow::Borrowed(s)),
        Json::Object(_) => Val::Other("an object"),
        Json::Array(items) => {
            let texts: Option<Vec<String>> = items
                .iter()
                .map(|i| match i {
                    Json::String(s) => Some(s.clone()),
                    Json::Number(n) => Some(n.to_string()),
                    Json::Bool(b) => Some(b.to_string()),
                    _ => None,
                })
                .collect();
            texts.map_or(Val::Other("an array"), Val::List)
        }
    }
}

/// Walks `path` from `v`. A string met on the way that holds JSON text (some exports
/// write `metadata` or `usage` as text) is parsed and walked into.
pub fn json_path<'a>(v: &'a Json, path: &[String]) -> Val<'a> {
    let mut cur = v;
    for (i, key) in path.iter().enumerate() {
        match cur {
            Json::Object(m) => match m.get(key) {
                Some(next) => cur = next,
                None => return Val::Null,
            },
            // A number indexes a list (`choices.0.finish_reason`).
            Json::Array(items) => match key.parse::<usize>().ok().and_then(|k| items.get(k)) {
                Some(next) => cur = next,
                None => return Val::Null,
            },
            Json::String(s) if s.trim_start().starts_with('{') => {
                return match serde_json::from_str::<Json>(s) {
                    Ok(inner) => owned(json_path(&inner, &path[i..])),
                    Err(_) => Val::Null,
                };
            }
            _ => return Val::Null,
        }
    }
    json_val(cur)
}

/// The value with its text owned.
pub fn owned(v: Val<'_>) -> Val<'static> {
    match v {
        Val::Null => Val::Null,
        Val::Bool(b) => Val::Bool(b),
        Val::Int(i) => Val::Int(i),
        Val::Float(x) => Val::Float(x),
        Val::Str(s) => Val::Str(Cow::Owned(s.into_owned())),
        Val::List(l) => Val::List(l),
        Val::Other(w) => Val::Other(w),
    }
}

impl Source for Json {
    fn get(&self, path: &[String]) -> Val<'_> {
        json_path(self, path)
    }
}

/// The unit of epoch numbers when the user names it (`--ts-unit`), instead of inferring it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    /// Seconds.
    S,
    /// Milliseconds.
    Ms,
    /// Microseconds.
    Us,
    /// Nanoseconds.
    Ns,
}

impl TimeUnit {
    /// `s`, `ms`, `us` (or `µs`), `ns`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "s" => TimeUnit::S,
            "ms" => TimeUnit::Ms,
            "us" | "µs" => TimeUnit::Us,
            "ns" => TimeUnit::Ns,
            _ => return None,
        })
    }

    fn micros_per_unit(self) -> f64 {
        match self {
            TimeUnit::S => 1e6,
            TimeUnit::Ms => 1e3,
            TimeUnit::Us => 1.0,
            TimeUnit::Ns => 1e-3,
        }
    }
}

/// What the user says about their data beyond what detection finds (CLI flags, the page's
/// mapping dialog).
#[derive(Debug, Clone, Default)]
pub struct MapOptions {
    /// A profile name that overrides detection (`--format langfuse`).
    pub profile: Option<String>,
    /// `canonical=source` pairs; they win over the profile's own rules.
    pub map: Vec<(String, String)>,
    /// The unit of epoch-number timestamps.
    pub ts_unit: Option<TimeUnit>,
    /// The time that relative timestamps count from, µs since the epoch.
    pub start_us: Option<i64>,
    /// The model of records that name none.
    pub model: Option<String>,
}

impl MapOptions {
    /// Options from their text forms (CLI flags, the page's mapping dialog): an export
    /// name, `canonical=source` pairs, `s|ms|us|ns`, an ISO 8601 start, a model name.
    /// `Err` says which one is wrong and what is expected.
    pub fn parse(
        profile: Option<&str>,
        map: &[String],
        ts_unit: Option<&str>,
        start: Option<&str>,
        model: Option<&str>,
    ) -> Result<Self, String> {
        let mut o = MapOptions::default();
        if let Some(name) = profile.filter(|n| !n.is_empty()) {
            if super::fields::profile(name).is_none() {
                let known: Vec<&str> = super::fields::PROFILES.iter().map(|p| p.name).collect();
                return Err(format!(
                    "format {name}: not a known export (one of {})",
                    known.join(", ")
                ));
            }
            o.profile = Some(name.to_string());
        }
        for pair in map {
            let (canonical, source) = pair
                .split_once('=')
                .filter(|(c, s)| !c.trim().is_empty() && !s.trim().is_empty())
                .ok_or_else(|| format!("map {pair}: expected CANONICAL=SOURCE"))?;
            o.map
                .push((canonical.trim().to_string(), source.trim().to_string()));
        }
        if let Some(u) = ts_unit.filter(|u| !u.is_empty()) {
            o.ts_unit = Some(
                TimeUnit::parse(u)
                    .ok_or_else(|| format!("ts-unit {u}: expected s, ms, us or ns"))?,
            );
        }
        if let Some(s) = start.filter(|s| !s.is_empty()) {
            o.start_us = Some(time::parse_timestamp(s).map_err(|e| format!("start: {e}"))?);
        }
        o.model = model.filter(|m| !m.is_empty()).map(str::to_string);
        // A bad canonical name is reported before any file is read.
        Mapping::new(&super::fields::ARTICLE, &o)?;
        Ok(o)
    }
}

/// One rule with its path owned (user rules are made at run time).
#[derive(Debug, Clone)]
struct OwnedRule {
    field: Field,
    path: Vec<String>,
    unit: Unit,
}

/// A profile's rules plus the user's, ready to map records.
#[derive(Debug, Clone)]
pub struct Mapping {
    /// The profile the rules come from.
    pub profile: &'static Profile,
    rules: Vec<OwnedRule>,
    /// The rules to read, by index: all of them, or those whose field the records have
    /// (see [`Mapping::restrict_to`]).
    active: Vec<usize>,
    has_required: bool,
    ts_unit: Option<TimeUnit>,
    start_us: Option<i64>,
    default_model: Option<String>,
}

/// A record's canonical values. Text is borrowed from the record where its format lends it
/// (a CSV field, a JSON string without escapes): a copy of the model, application and user
/// of every record was most of the allocations of an import.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mapped<'a> {
    /// See [`Row`].
    pub ts: Option<i64>,
    /// See [`Row`].
    pub latency_ms: Option<f64>,
    /// See [`Row`].
    pub ttft_ms: Option<f64>,
    /// See [`Row`].
    pub status: Option<u16>,
    /// Failed (status, message or the tool's own flag).
    pub error: bool,
    /// The error message, when there is one.
    pub error_message: Option<Cow<'a, str>>,
    /// The exporter's own error class.
    pub error_class: Option<Cow<'a, str>>,
    /// See [`Row`].
    pub model: Option<Cow<'a, str>>,
    /// See [`Row`].
    pub provider: Option<Cow<'a, str>>,
    /// See [`Row`].
    pub application: Option<Cow<'a, str>>,
    /// See [`Row`].
    pub user_id: Option<Cow<'a, str>>,
    /// See [`Row`].
    pub feature: Option<Cow<'a, str>>,
    /// See [`Row`]: a tag set from [`tag_set`].
    pub tags: Option<Cow<'a, str>>,
    /// See [`Row`].
    pub input_tokens: Option<u32>,
    /// See [`Row`].
    pub output_tokens: Option<u32>,
    /// See [`Row`].
    pub cached_input_tokens: Option<u32>,
    /// See [`Row`].
    pub reasoning_tokens: Option<u32>,
    /// See [`Row`].
    pub cost_usd: Option<f64>,
    /// See [`Row`].
    pub feedback: Option<f32>,
    /// See [`Row`].
    pub hallucination: Option<f32>,
    /// See [`Row`].
    pub safety_violation: Option<bool>,
    /// See [`Row`].
    pub relevance: Option<f32>,
    /// See [`Row`].
    pub coherence: Option<f32>,
}

impl Mapped<'_> {
    /// The same values, owning their text (for tests, which map a record they drop).
    #[cfg(test)]
    pub fn into_owned(self) -> Mapped<'static> {
        let own = |t: Option<Cow<'_, str>>| t.map(|t| Cow::Owned(t.into_owned()));
        Mapped {
            error_message: own(self.error_message),
            error_class: own(self.error_class),
            model: own(self.model),
            provider: own(self.provider),
            application: own(self.application),
            user_id: own(self.user_id),
            feature: own(self.feature),
            tags: own(self.tags),
            ts: self.ts,
            latency_ms: self.latency_ms,
            ttft_ms: self.ttft_ms,
            status: self.status,
            error: self.error,
            input_tokens: self.input_tokens,
            output_tokens: self.output_tokens,
            cached_input_tokens: self.cached_input_tokens,
            reasoning_tokens: self.reasoning_tokens,
            cost_usd: self.cost_usd,
            feedback: self.feedback,
            hallucination: self.hallucination,
            safety_violation: self.safety_violation,
            relevance: self.relevance,
            coherence: self.coherence,
        }
    }

    /// The canonical row (error class decided here), spanning `span` of the file.
    pub fn row(&self, span: (u64, u32)) -> Row<'_> {
        let message = self
            .error_message
            .as_deref()
            .filter(|m| !m.trim().is_empty());
        let error = self.error || is_error(self.status, message.is_some());
        let class = match (&self.error_class, message) {
            (Some(c), Some(m)) => error_type(self.status, Some(&format!("{c} {m}"))),
            (Some(c), None) => error_type(self.status, Some(c)),
            (None, m) => error_type(self.status, m),
        };
        Row {
            ts: self.ts,
            latency_ms: self.latency_ms,
            ttft_ms: self.ttft_ms,
            status: self.status,
            error,
            error_type: error.then_some(class),
            user_id: self.user_id.as_deref(),
            application: self.application.as_deref(),
            model: self.model.as_deref(),
            provider: self.provider.as_deref(),
            feature: self.feature.as_deref(),
            tags: self.tags.as_deref(),
            input_tokens: self.input_tokens,
            output_tokens: self.output_tokens,
            cached_input_tokens: self.cached_input_tokens,
            reasoning_tokens: self.reasoning_tokens,
            cost_usd: self.cost_usd,
            cost_source: 0,
            feedback: self.feedback,
            hallucination: self.hallucination,
            safety_violation: self.safety_violation,
            relevance: self.relevance,
            coherence: self.coherence,
            span,
            file: 0,
        }
    }

    /// Whether the mapping found anything a dashboard can show: without any of these the
    /// fields are unknown and the user must map them. (A failure alone is something: a
    /// failed batch line has no time, model or usage.)
    pub fn is_empty(&self) -> bool {
        !self.error
            && self.error_message.is_none()
            && self.status.is_none()
            && self.ts.is_none()
            && self.latency_ms.is_none()
            && self.model.is_none()
            && self.input_tokens.is_none()
            && self.output_tokens.is_none()
            && self.cost_usd.is_none()
    }
}

/// Which column each rule of a [`Mapping`] reads, in the order [`Mapping::map`] reads them:
/// (rule, column).
#[derive(Debug, Clone)]
pub struct ColumnPlan {
    steps: Vec<(usize, usize)>,
}

/// What a record turned out to be.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)] // One lives at a time; a box was an allocation a record.
pub enum Outcome<'a> {
    /// An LLM call.
    Call(Mapped<'a>),
    /// Not an LLM call (a chain or tool run, a plain HTTP span): left out, counted.
    NotACall,
}

impl Mapping {
    /// The rules of `profile` with the user's options on top. Errors name a bad `--map`.
    pub fn new(profile: &'static Profile, opts: &MapOptions) -> Result<Self, String> {
        let mut rules = Vec::new();
        for (canonical, source) in &opts.map {
            let (field, unit) = Field::from_column(canonical).ok_or_else(|| {
                format!(
                    "cannot map `{canonical}`: it is not one of {}",
                    super::fields::MAPPABLE.join(", ")
                )
            })?;
            // A name with dots is first a key of its own (OpenTelemetry attributes), then
            // a path into nested objects.
            rules.push(OwnedRule {
                field,
                path: vec![source.clone()],
                unit,
            });
            if source.contains('.') {
                rules.push(OwnedRule {
                    field,
                    path: source.split('.').map(str::to_string).collect(),
                    unit,
                });
            }
        }
        rules.extend(profile.rules.iter().map(|r| OwnedRule {
            field: r.field,
            path: r.path.iter().map(|s| s.to_string()).collect(),
            unit: r.unit,
        }));
        Ok(Mapping {
            profile,
            has_required: rules.iter().any(|r| matches!(r.unit, Unit::Required)),
            active: (0..rules.len()).collect(),
            rules,
            ts_unit: opts.ts_unit,
            start_us: opts.start_us,
            default_model: opts.model.clone(),
        })
    }

    /// Reads only the rules whose field is among `keys` (a CSV header, a JSON record's
    /// keys): a rule's path starts at a key, or is a dotted key of its own. The others
    /// can only be absent, and a profile has dozens of them (a fifth of an import's time).
    pub fn restrict_to(&mut self, keys: &[String]) {
        let has = |name: &str| keys.iter().any(|k| k == name);
        self.active = (0..self.rules.len())
            .filter(|&k| {
                let path = &self.rules[k].path;
                path.first().is_some_and(|first| has(first)) || has(&path.join("."))
            })
            .collect();
    }

    /// The rules to read, with their numbers.
    fn active(&self) -> impl Iterator<Item = (usize, &OwnedRule)> {
        self.active.iter().map(|&k| (k, &self.rules[k]))
    }

    /// Maps one record. `Err` says which field holds what, for the import report.
    pub fn map<'s>(&self, src: &'s dyn Source) -> Result<Outcome<'s>, String> {
        // Which records are calls.
        let mut required_seen = false;
        for (k, rule) in self.active() {
            if rule.field != Field::Keep {
                continue;
            }
            let v = src.get_rule(k, &rule.path);
            match rule.unit {
                Unit::Only(allowed) => {
                    if let Some(t) = v.text().filter(|_| !is_absent(&v)) {
                        if !allowed.iter().any(|a| a.eq_ignore_ascii_case(&t)) {
                            return Ok(Outcome::NotACall);
                        }
                    }
                }
                _ => required_seen |= !is_absent(&v),
            }
        }
        if self.has_required && !required_seen {
            return Ok(Outcome::NotACall);
        }

        let mut m = Mapped::default();
        let mut done = [false; Field::Keep as usize + 1];
        let mut cost_parts: Option<f64> = None;
        // The start first: end times are measured from it.
        if let Some((rule, v)) = self.first(src, Field::Timestamp) {
            m.ts = Some(self.time(&v).map_err(|why| bad(rule, &v, why))?);
        }
        for (k, rule) in self.active() {
            let slot = rule.field as usize;
            // Identifiers are not kept (drill-down reads them back from the file).
            if matches!(
                rule.field,
                Field::Timestamp | Field::Keep | Field::RequestId
            ) {
                continue;
            }
            let is_flag = rule.field == Field::Error;
            let is_part = matches!(rule.unit, Unit::UsdPart);
            if done[slot] && !is_flag && !is_part {
                continue;
            }
            let v = src.get_rule(k, &rule.path);
            if is_absent(&v) {
                continue;
            }
            let fail = |why: &str| bad(rule, &v, why.to_string());
            match rule.unit {
                Unit::UsdPart => {
                    let x = non_neg(&v).ok_or_else(|| fail("a non-negative number"))?;
                    cost_parts = Some(cost_parts.unwrap_or(0.0) + x);
                    continue;
                }
                Unit::FailedIf(values) => {
                    let t = v.text().unwrap_or_default();
                    m.error |= values.iter().any(|f| f.eq_ignore_ascii_case(&t));
                    continue;
                }
                Unit::SuccessFlag => {
                    m.error |= match &v {
                        Val::Bool(b) => !b,
                        Val::Str(s) => matches!(s.trim(), "false" | "False" | "FALSE" | "0"),
                        Val::Int(i) => *i == 0,
                        _ => return Err(fail("true or false")),
                    };
                    continue;
                }
                _ => {}
            }
            done[slot] = true;
            match rule.field {
                Field::LatencyMs | Field::TtftMs => {
                    let ms = match rule.unit {
                        Unit::SinceStart => {
                            let Some(start) = m.ts else {
                                // No start to measure from: the duration is unknown.
                                continue;
                            };
                            let end = self.time(&v).map_err(|why| bad(rule, &v, why))?;
                            if end < start {
                                return Err(format!(
                                    "field `{}` ({}) is before the start",
                                    rule.path.join("."),
                                    time::format_iso_micros(end)
                                ));
                            }
                            (end - start) as f64 / 1000.0
                        }
                        Unit::Seconds => {
                            non_neg(&v).ok_or_else(|| fail("a non-negative number"))? * 1000.0
                        }
                        _ => non_neg(&v).ok_or_else(|| fail("a non-negative number"))?,
                    };
                    m.set_ms(rule.field, ms);
                }
                Field::Status => {
                    m.status = Some(status(&v).ok_or_else(|| fail("an HTTP status code (0-999)"))?)
                }
                Field::InputTokens
                | Field::OutputTokens
                | Field::TotalTokens
                | Field::CachedInputTokens
                | Field::ReasoningTokens => {
                    let n = count(&v).ok_or_else(|| fail("a non-negative whole number"))?;
                    m.set_count(rule.field, n);
                }
                Field::CostUsd => {
                    let x = non_neg(&v).ok_or_else(|| fail("a non-negative number"))?;
                    m.cost_usd = Some(if matches!(rule.unit, Unit::Cents) {
                        x / 100.0
                    } else {
                        x
                    });
                }
                Field::ErrorMessage => match &v {
                    Val::Bool(b) => m.error |= b,
                    // An error object or list (some tools nest it) counts as a failure.
                    Val::Other(_) => m.error = true,
                    _ => m.error_message = v.into_text(),
                },
                Field::Error | Field::Timestamp | Field::Keep | Field::RequestId => {}
                Field::Feedback
                | Field::Hallucination
                | Field::SafetyViolation
                | Field::Relevance
                | Field::Coherence => {
                    let q = quality(rule.unit, &v).map_err(|why| bad(rule, &v, why.into()))?;
                    match rule.field {
                        Field::Feedback => m.feedback = Some(q),
                        Field::Hallucination => m.hallucination = Some(q),
                        Field::SafetyViolation => m.safety_violation = Some(q > 0.5),
                        Field::Relevance => m.relevance = Some(q),
                        _ => m.coherence = Some(q),
                    }
                }
                Field::Tags => {
                    m.tags = tag_set(&v)
                        .map_err(|why| bad(rule, &v, why.into()))?
                        .map(Cow::Owned)
                }
                Field::ErrorType
                | Field::Model
                | Field::Provider
                | Field::Application
                | Field::UserId
                | Field::Feature => {
                    if v.text().is_none() {
                        return Err(fail("text"));
                    }
                    let t = v.into_text();
                    match rule.field {
                        Field::ErrorType => m.error_class = t,
                        Field::Model => m.model = t,
                        Field::Provider => m.provider = t,
                        Field::Application => m.application = t,
                        Field::Feature => m.feature = t,
                        _ => m.user_id = t,
                    }
                }
            }
        }
        if m.cost_usd.is_none() {
            m.cost_usd = cost_parts;
        }
        if m.model.is_none() {
            m.model = self.default_model.clone().map(Cow::Owned);
        }
        Ok(Outcome::Call(m))
    }

    /// A plan for reading records whose columns are every record's (CSV) by
    /// [`Mapping::map_columns`], which gives what [`Mapping::map`] gives without looking
    /// each rule's value up through [`Source`]: `column(name)` is the column called `name`.
    /// `None` when the rules ask for more than it reads: a field from two columns, a value
    /// inside a column's JSON, required fields, options, or a unit it does not convert.
    pub fn column_plan(&self, column: impl Fn(&str) -> Option<usize>) -> Option<ColumnPlan> {
        if self.has_required
            || self.ts_unit.is_some()
            || self.start_us.is_some()
            || self.default_model.is_some()
        {
            return None;
        }
        let mut seen = [false; Field::Keep as usize + 1];
        let mut steps = Vec::new();
        for (k, rule) in self.active() {
            let Some(i) = column(&rule.path.join(".")) else {
                if rule.path.len() > 1 && column(&rule.path[0]).is_some() {
                    return None; // Inside a column's JSON.
                }
                continue; // In no column: never present.
            };
            let plain = match rule.field {
                // Not read (drill-down reads the id back from the file).
                Field::RequestId => continue,
                Field::Timestamp => rule.unit == Unit::Time,
                Field::LatencyMs | Field::TtftMs => rule.unit == Unit::Ms,
                Field::Status => rule.unit == Unit::Status,
                Field::InputTokens
                | Field::OutputTokens
                | Field::TotalTokens
                | Field::CachedInputTokens
                | Field::ReasoningTokens => rule.unit == Unit::Count,
                Field::CostUsd => rule.unit == Unit::Usd,
                Field::ErrorMessage
                | Field::Model
                | Field::Provider
                | Field::Application
                | Field::UserId
                | Field::Feature => rule.unit == Unit::Text,
                _ => false,
            };
            if !plain || std::mem::replace(&mut seen[rule.field as usize], true) {
                return None;
            }
            steps.push((k, i));
        }
        // The start first, as `map` reads it (the sort is stable: the rest keep their order).
        steps.sort_by_key(|&(k, _)| self.rules[k].field != Field::Timestamp);
        Some(ColumnPlan { steps })
    }

    /// Maps one record by `plan` ([`Mapping::column_plan`]): `text(column)` is a column's
    /// text, `None` when it is not text (the caller notes why). The same outcome as
    /// [`Mapping::map`] on the record.
    pub fn map_columns<'s>(
        &self,
        plan: &ColumnPlan,
        text: impl Fn(usize) -> Option<&'s str>,
    ) -> Result<Outcome<'s>, String> {
        let mut m = Mapped::default();
        for &(k, column) in &plan.steps {
            let rule = &self.rules[k];
            let v = match text(column) {
                None | Some("") => Val::Null,
                Some(t) => Val::Str(Cow::Borrowed(t)),
            };
            if is_absent(&v) {
                continue;
            }
            let fail = |why: &str| bad(rule, &v, why.to_string());
            match rule.field {
                Field::Timestamp => m.ts = Some(self.time(&v).map_err(|why| bad(rule, &v, why))?),
                Field::LatencyMs | Field::TtftMs => {
                    let ms = non_neg(&v).ok_or_else(|| fail("a non-negative number"))?;
                    m.set_ms(rule.field, ms);
                }
                Field::Status => {
                    m.status = Some(status(&v).ok_or_else(|| fail("an HTTP status code (0-999)"))?)
                }
                Field::InputTokens
                | Field::OutputTokens
                | Field::TotalTokens
                | Field::CachedInputTokens
                | Field::ReasoningTokens => {
                    let n = count(&v).ok_or_else(|| fail("a non-negative whole number"))?;
                    m.set_count(rule.field, n);
                }
                Field::CostUsd => {
                    m.cost_usd = Some(non_neg(&v).ok_or_else(|| fail("a non-negative number"))?)
                }
                Field::ErrorMessage => m.error_message = v.into_text(),
                Field::Model => m.model = v.into_text(),
                Field::Provider => m.provider = v.into_text(),
                Field::Application => m.application = v.into_text(),
                Field::Feature => m.feature = v.into_text(),
                Field::UserId => m.user_id = v.into_text(),
                // Not in a plan.
                _ => {}
            }
        }
        Ok(Outcome::Call(m))
    }

    /// The first rule for `field` whose value is present.
    fn first<'s>(&self, src: &'s dyn Source, field: Field) -> Option<(&OwnedRule, Val<'s>)> {
        self.active()
            .filter(|(_, r)| r.field == field)
            .find_map(|(k, r)| Some((r, src.get_rule(k, &r.path))).filter(|(_, v)| !is_absent(v)))
    }

    /// A point in time -> µs since the epoch.
    fn time(&self, v: &Val<'_>) -> Result<i64, String> {
        if let Some(unit) = self.ts_unit.or(self.start_us.map(|_| TimeUnit::S)) {
            if let Some(x) = v.number() {
                let us = (x * unit.micros_per_unit()).round() + self.start_us.unwrap_or(0) as f64;
                return if us.abs() < 9.0e18 {
                    Ok(us as i64)
                } else {
                    Err("a timestamp in range".into())
                };
            }
        }
        match v {
            Val::Int(i) => epoch_int_to_micros(*i).ok_or_else(|| "a timestamp in range".into()),
            Val::Float(x) => time::epoch_to_micros(*x).ok_or_else(|| "a timestamp in range".into()),
            Val::Str(s) => match super::scan::parse_i64(s) {
                Some(i) => epoch_int_to_micros(i).ok_or_else(|| "a timestamp in range".into()),
                None => time::parse_timestamp(s),
            },
            _ => Err("a timestamp (epoch number or ISO 8601)".into()),
        }
    }
}

/// A quality signal in its canonical scale: feedback in [−1, 1], scores in [0, 1], flags
/// 1 or 0. `Err` names what was expected.
pub fn quality(unit: Unit, v: &Val<'_>) -> Result<f32, &'static str> {
    let word = |v: &Val<'_>| v.text().map(|t| t.trim().to_ascii_lowercase());
    let x = match unit {
        Unit::Thumbs => match v {
            Val::Bool(b) => f64::from(if *b { 1 } else { -1 }),
            _ => match word(v).as_deref() {
                Some("up" | "true" | "positive" | "thumbs_up" | "yes" | "good") => 1.0,
                Some("down" | "false" | "negative" | "thumbs_down" | "no" | "bad") => -1.0,
                _ => match v.number().filter(|x| x.is_finite()) {
                    // 1 / 0 (or −1) thumbs; an average of 0/1 thumbs in between.
                    Some(x) if x >= 1.0 => 1.0,
                    Some(x) if x <= 0.0 => -1.0,
                    Some(x) => 2.0 * x - 1.0,
                    None => return Err("thumbs up or down (true/false, 1/0, up/down)"),
                },
            },
        },
        Unit::Rating5 => match v.number().filter(|x| (1.0..=5.0).contains(x)) {
            Some(x) => (x - 3.0) / 2.0,
            None => return Err("a rating from 1 to 5"),
        },
        Unit::Score01 | Unit::Flag => match v {
            Val::Bool(b) => f64::from(u8::from(*b)),
            _ => match word(v).as_deref() {
                Some("true" | "yes") => 1.0,
                Some("false" | "no") => 0.0,
                _ => match v.number().filter(|x| (0.0..=1.0).contains(x)) {
                    Some(x) => x,
                    None => return Err("a score from 0 to 1 (or true/false)"),
                },
            },
        },
        Unit::ContentFilter => {
            let flagged = match v {
                Val::List(items) => items.iter().any(|i| i == "content_filter"),
                _ => v.text().is_some_and(|t| t.contains("content_filter")),
            };
            f64::from(u8::from(flagged))
        }
        _ => return Err("a quality signal"),
    };
    Ok(x as f32)
}

/// Labels as a tag set for the `tags` column: trimmed, without empty ones, sorted,
/// distinct, joined by [`TAG_SEP`]; `None` without any. They come as a list, as the JSON
/// text of a list (CSV exports, LiteLLM's `request_tags`), or as comma-separated text.
/// `Err` names what was expected.
pub fn tag_set(v: &Val<'_>) -> Result<Option<String>, &'static str> {
    const EXPECTED: &str = "a list of labels";
    let items: Vec<String> = match v {
        Val::Null => return Ok(None),
        Val::List(items) => items.clone(),
        Val::Str(s) if s.trim_start().starts_with('[') => {
            match serde_json::from_str::<Json>(s).as_ref().map(json_val) {
                Ok(Val::List(items)) => items,
                _ => return Err(EXPECTED),
            }
        }
        Val::Str(s) => s.split(',').map(str::to_string).collect(),
        Val::Other(_) => return Err(EXPECTED),
        scalar => scalar.text().map(Cow::into_owned).into_iter().collect(),
    };
    let mut tags: Vec<String> = items
        .iter()
        // The separator cannot be part of a tag.
        .map(|t| t.trim().replace(TAG_SEP, " "))
        .filter(|t| !t.is_empty())
        .collect();
    tags.sort_unstable();
    tags.dedup();
    Ok((!tags.is_empty()).then(|| tags.join(&TAG_SEP.to_string())))
}

/// Only a total: nothing to split it by, so it counts as input (it is billed at least so).
impl Mapped<'_> {
    /// Sets the latency or the time to first token.
    fn set_ms(&mut self, field: Field, ms: f64) {
        if field == Field::LatencyMs {
            self.latency_ms = Some(ms);
        } else {
            self.ttft_ms = Some(ms);
        }
    }

    /// Sets a token count (a total only stands for the input when neither part is known).
    fn set_count(&mut self, field: Field, n: u32) {
        match field {
            Field::InputTokens => self.input_tokens = Some(n),
            Field::OutputTokens => self.output_tokens = Some(n),
            Field::TotalTokens => total_tokens(self, n),
            Field::CachedInputTokens => self.cached_input_tokens = Some(n),
            _ => self.reasoning_tokens = Some(n),
        }
    }
}

/// An HTTP status code (0-999).
fn status(v: &Val<'_>) -> Option<u16> {
    v.number()
        .filter(|x| (0.0..=999.0).contains(x) && x.fract() == 0.0)
        .map(|s| s as u16)
}

fn total_tokens(m: &mut Mapped<'_>, n: u32) {
    if m.input_tokens.is_none() && m.output_tokens.is_none() {
        m.input_tokens = Some(n);
    }
}

/// An epoch integer -> µs, its unit inferred from its magnitude as in
/// [`time::epoch_to_micros`], but exact for nanoseconds (an f64 is not).
pub fn epoch_int_to_micros(i: i64) -> Option<i64> {
    let a = i.unsigned_abs();
    if a < 100_000_000_000 {
        i.checked_mul(1_000_000)
    } else if a < 100_000_000_000_000 {
        i.checked_mul(1000)
    } else if a < 100_000_000_000_000_000 {
        Some(i)
    } else {
        // Nanoseconds, rounded half away from zero as DuckDB does.
        Some((i + i.signum() * 500) / 1000)
    }
}

fn bad(rule: &OwnedRule, v: &Val<'_>, why: String) -> String {
    let field = rule.path.join(".");
    if why.starts_with("a ") || why.starts_with("an ") || why == "text" || why.starts_with("true") {
        format!("field `{field}`: expected {why}, found {}", v.describe())
    } else {
        format!("field `{field}`: {why}")
    }
}

/// Null, or text that is only blanks: tools write `""` for "none" (LiteLLM's `model`).
fn is_absent(v: &Val<'_>) -> bool {
    match v {
        Val::Null => true,
        // Most values start with a visible ASCII character: no need to trim them.
        Val::Str(s) => {
            !s.as_bytes().first().is_some_and(u8::is_ascii_graphic) && s.trim().is_empty()
        }
        _ => false,
    }
}

fn non_neg(v: &Val<'_>) -> Option<f64> {
    v.number().filter(|x| x.is_finite() && *x >= 0.0)
}

fn count(v: &Val<'_>) -> Option<u32> {
    v.number()
        .filter(|x| *x >= 0.0 && *x <= f64::from(u32::MAX) && x.fract() == 0.0)
        .map(|x| x as u32)
}

#[cfg(test)]
mod tests {
    use super::super::fields;
    use super::*;

    fn map(profile: &'static Profile, json: &str) -> Result<Outcome<'static>, String> {
        let v: Json = serde_json::from_str(json).map_err(|e| e.to_string())?;
        Ok(
            match Mapping::new(profile, &MapOptions::default())?.map(&v)? {
                Outcome::Call(m) => Outcome::Call(m.into_owned()),
                Outcome::NotACall => Outcome::NotACall,
            },
        )
    }

    #[test]
    fn tags_come_as_lists_json_text_or_comma_text() {
        let set = |v: Val<'_>| tag_set(&v);
        let sep = |tags: &[&str]| Ok(Some(tags.join(&TAG_SEP.to_string())));
        let list = |items: &[&str]| Val::List(items.iter().map(|s| s.to_string()).collect());
        assert_eq!(
            set(list(&["prod", " beta ", "prod", ""])),
            sep(&["beta", "prod"])
        );
        assert_eq!(set(Val::Str(r#"["b", "a"]"#.into())), sep(&["a", "b"]));
        assert_eq!(set(Val::Str("b, a,,".into())), sep(&["a", "b"]));
        assert_eq!(set(Val::Int(7)), sep(&["7"]));
        assert_eq!(set(list(&[])), Ok(None));
        assert_eq!(set(Val::Str("[]".into())), Ok(None));
        assert_eq!(set(Val::Null), Ok(None));
        // The separator inside a tag becomes a space rather than splitting it.
        assert_eq!(set(list(&["a\u{1f}b"])), sep(&["a b"]));
        assert_eq!(set(Val::Other("an object")), Err("a list of labels"));
        assert_eq!(set(Val::Str("[1, {}]".into())), Err("a list of labels"));
    }

    #[test]
    fn each_export_names_its_feature_and_tags() {
        let m = call(
            &fields::LITELLM,
            r#"{"startTime": "2026-11-09T10:00:00Z", "model": "gpt-4o",
            "request_tags": "[\"prod\", \"team-a\"]", "metadata": {"feature": "chat"}}"#,
        );
        assert_eq!(m.tags.as_deref(), Some("prod\u{1f}team-a"));
        assert_eq!(m.feature.as_deref(), Some("chat"));
        let m = call(
            &fields::HELICONE,
            r#"{"request_created_at": "2026-11-09T10:00:00Z",
            "model": "gpt-4o", "request_properties": {"Helicone-Property-Feature": "search"}}"#,
        );
        assert_eq!(m.feature.as_deref(), Some("search"));
        let m = call(
            &fields::LANGFUSE,
            r#"{"startTime": "2026-11-09T10:00:00Z", "model": "gpt-4o",
            "tags": ["b", "a"], "metadata": "{\"feature\": \"rag\"}"}"#,
        );
        assert_eq!(m.tags.as_deref(), Some("a\u{1f}b"));
        assert_eq!(m.feature.as_deref(), Some("rag"));
        let bad = map(
            &fields::ARTICLE,
            r#"{"ts": 1, "model": "m", "tags": {"a": 1}}"#,
        );
        assert_eq!(
            bad,
            Err("field `tags`: expected a list of labels, found an object".to_string())
        );
    }

    fn call(profile: &'static Profile, json: &str) -> Mapped<'static> {
        match map(profile, json) {
            Ok(Outcome::Call(m)) => m,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_restricted_mapping_reads_the_same_values() {
        let json = r#"{"startTime": "2026-11-09T10:00:00Z", "latencyMs": 1200,
            "usage": {"input": 7, "output": 3}, "model": "gpt-4o", "userId": "u"}"#;
        let v: Json = serde_json::from_str(json).unwrap_or_default();
        let keys: Vec<String> = v
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        let whole = Mapping::new(&fields::LANGFUSE, &MapOptions::default()).ok();
        let mut some = whole.clone();
        if let Some(m) = &mut some {
            m.restrict_to(&keys);
            // Far fewer rules are read: only those of the five keys.
            assert!(m.active.len() * 4 < m.rules.len(), "{}", m.active.len());
        }
        let read = |m: &Option<Mapping>| m.as_ref().map(|m| m.map(&v).map(|o| format!("{o:?}")));
        assert_eq!(read(&some), read(&whole));
        assert!(read(&some).is_some_and(|o| o.is_ok_and(|o| o.contains("gpt-4o"))));
        // A dotted key of its own (a flattened column) counts as the field.
        if let Some(m) = &mut some {
            m.restrict_to(&["usage.input".to_string()]);
            assert!(m.active().all(|(_, r)| r.path.join(".") == "usage.input"));
            assert!(m.active().count() > 0);
        }
    }

    #[test]
    fn langfuse_units() {
        let m = call(
            &fields::LANGFUSE,
            r#"{"type":"GENERATION","startTime":"2026-11-09T10:00:00.000Z",
                "endTime":"2026-11-09T10:00:02.500Z","completionStartTime":"2026-11-09T10:00:00.400Z",
                "latency":2.5,"timeToFirstToken":0.4,"model":"gpt-4o","level":"ERROR",
                "statusMessage":"Rate limit reached","usageDetails":{"input":10,"output":5,"total":15},
                "inputCost":0.001,"outputCost":0.002,"name":"chat"}"#,
        );
        assert_eq!(m.latency_ms, Some(2500.0));
        assert_eq!(m.ttft_ms, Some(400.0));
        assert!(m.error);
        assert_eq!(m.row((0, 0)).error_type, Some("rate_limit"));
        assert_eq!((m.input_tokens, m.output_tokens), (Some(10), Some(5)));
        assert_eq!(m.cost_usd, Some(0.003));
        assert_eq!(m.application.as_deref(), Some("chat"));
        // Without `latency`, the end time gives it.
        let m = call(
            &fields::LANGFUSE,
            r#"{"startTime":"2026-11-09T10:00:00Z","endTime":"2026-11-09T10:00:01.25Z"}"#,
        );
        assert_eq!(m.latency_ms, Some(1250.0));
        assert_eq!(
            map(
                &fields::LANGFUSE,
                r#"{"type":"SPAN","startTime":"2026-11-09T10:00:00Z"}"#
            ),
            Ok(Outcome::NotACall)
        );
    }

    #[test]
    fn portkey_cents_and_success_flag() {
        let m = call(
            &fields::PORTKEY,
            r#"{"created_at":"2026-11-09 10:00:00","ai_model":"gpt-4o","cost":12.5,"is_success":false,"response_time":900}"#,
        );
        assert_eq!(m.cost_usd, Some(0.125));
        assert!(m.error);
        assert_eq!(m.latency_ms, Some(900.0));
    }

    #[test]
    fn otlp_needs_a_genai_attribute() {
        let m = call(
            &fields::OTLP,
            r#"{"startTimeUnixNano":"1762696987000000000","endTimeUnixNano":1762696987250000500,
                "gen_ai.request.model":"gpt-4o","status":{"code":2},"error.type":"timeout"}"#,
        );
        assert_eq!(m.ts, Some(1_762_696_987_000_000));
        assert_eq!(m.latency_ms, Some(250.001));
        assert_eq!(m.row((0, 0)).error_type, Some("timeout"));
        assert_eq!(
            map(
                &fields::OTLP,
                r#"{"startTimeUnixNano":"1","http.method":"GET"}"#
            ),
            Ok(Outcome::NotACall)
        );
    }

    #[test]
    fn bad_values_name_the_field() {
        assert_eq!(
            map(&fields::HELICONE, r#"{"delay_ms":"fast"}"#),
            Err("field `delay_ms`: expected a non-negative number, found \"fast\"".into())
        );
        assert_eq!(
            map(
                &fields::LANGSMITH,
                r#"{"start_time":"2026-11-09T10:00:01","end_time":"2026-11-09T10:00:00"}"#
            ),
            Err("field `end_time` (2026-11-09T10:00:00.000000Z) is before the start".into())
        );
    }

    #[test]
    fn user_map_wins_and_units_apply() {
        let opts = MapOptions {
            map: vec![
                ("ts".into(), "t".into()),
                ("latency_s".into(), "dur".into()),
                ("model".into(), "meta.llm".into()),
            ],
            ts_unit: Some(TimeUnit::Ms),
            ..MapOptions::default()
        };
        let mapping = Mapping::new(&fields::ARTICLE, &opts).unwrap();
        let v: Json =
            serde_json::from_str(r#"{"t":1000,"dur":0.5,"meta":{"llm":"m"},"model":"x"}"#).unwrap();
        let Ok(Outcome::Call(m)) = mapping.map(&v) else {
            panic!()
        };
        assert_eq!(m.ts, Some(1_000_000));
        assert_eq!(m.latency_ms, Some(500.0));
        assert_eq!(m.model.as_deref(), Some("m"));
        assert!(Mapping::new(
            &fields::ARTICLE,
            &MapOptions {
                map: vec![("speed".into(), "x".into())],
                ..MapOptions::default()
            }
        )
        .is_err());
    }

    #[test]
    fn relative_times_count_from_start() {
        let opts = MapOptions {
            start_us: Some(1_000_000_000_000_000),
            ..MapOptions::default()
        };
        let mapping = Mapping::new(&fields::ARTICLE, &opts).unwrap();
        let v: Json = serde_json::from_str(r#"{"ts":1.5}"#).unwrap();
        let Ok(Outcome::Call(m)) = mapping.map(&v) else {
            panic!()
        };
        assert_eq!(m.ts, Some(1_000_000_001_500_000));
    }

    #[test]
    fn epoch_integers_are_exact() {
        assert_eq!(
            epoch_int_to_micros(1_762_696_987_123_456_789),
            Some(1_762_696_987_123_457)
        );
        assert_eq!(
            epoch_int_to_micros(1_762_696_987),
            Some(1_762_696_987_000_000)
        );
        assert_eq!(
            epoch_int_to_micros(1_762_696_987_123),
            Some(1_762_696_987_123_000)
        );
    }
}
