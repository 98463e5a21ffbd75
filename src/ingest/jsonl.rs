//! JSON Lines push decoder: one JSON object per line. Lines are cut at `\n` across any chunk
//! boundary (so a UTF-8 character split between chunks is whole again before parsing);
//! each object is read field by field with serde, skipping fields we do not keep (prompts,
//! outputs) without building them.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Unexpected, Visitor};

use super::fields::{article_field, Field};
use super::{error_type, is_error, time, Sink};
use crate::table::Row;

/// The JSONL decoder's state between chunks.
#[derive(Default)]
pub struct JsonlDecoder {
    /// The start of a line whose end has not arrived yet.
    pending: Vec<u8>,
    /// File offset of `pending[0]`.
    pending_offset: u64,
    /// Bytes of the file fed so far.
    consumed: u64,
    /// Lines seen so far.
    line_no: u64,
}

impl JsonlDecoder {
    /// Decodes every line completed by `chunk`; keeps the unfinished tail for later.
    pub fn feed(&mut self, chunk: &[u8], sink: &mut Sink) {
        let mut start = 0;
        if !self.pending.is_empty() {
            match memchr::memchr(b'\n', chunk) {
                None => {
                    self.pending.extend_from_slice(chunk);
                    self.consumed += chunk.len() as u64;
                    return;
                }
                Some(i) => {
                    let mut line = std::mem::take(&mut self.pending);
                    line.extend_from_slice(&chunk[..i]);
                    self.line(&line, self.pending_offset, sink);
                    line.clear();
                    self.pending = line; // Keeps the allocation for the next tail.
                    start = i + 1;
                }
            }
        }
        let base = start;
        for pos in memchr::memchr_iter(b'\n', &chunk[base..]) {
            let end = base + pos;
            self.line(&chunk[start..end], self.consumed + start as u64, sink);
            start = end + 1;
        }
        if start < chunk.len() {
            self.pending.extend_from_slice(&chunk[start..]);
            self.pending_offset = self.consumed + start as u64;
        }
        self.consumed += chunk.len() as u64;
    }

    /// Decodes the last line when the file does not end with a newline.
    pub fn finish(&mut self, sink: &mut Sink) {
        if !self.pending.is_empty() {
            let line = std::mem::take(&mut self.pending);
            self.line(&line, self.pending_offset, sink);
        }
    }

    fn line(&mut self, mut bytes: &[u8], mut offset: u64, sink: &mut Sink) {
        self.line_no += 1;
        sink.report.lines += 1;
        let line_start = offset;
        if self.line_no == 1 {
            if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
                bytes = rest;
                offset += 3;
            }
        }
        if let Some(rest) = bytes.strip_suffix(b"\r") {
            bytes = rest;
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        match parse_line(bytes) {
            Ok(rec) => {
                let error_message = rec.error.as_deref().filter(|m| !m.trim().is_empty());
                let error = is_error(rec.status, error_message.is_some() || rec.error_object);
                let row = Row {
                    ts: rec.ts,
                    latency_ms: rec.latency_ms,
                    status: rec.status,
                    error,
                    error_type: error.then(|| error_type(rec.status, error_message)),
                    user_id: rec.user_id.as_deref(),
                    application: rec.application.as_deref(),
                    model: rec.model.as_deref(),
                    input_tokens: rec.input_tokens,
                    output_tokens: rec.output_tokens,
                    cost_usd: rec.cost_usd,
                    span: (offset, bytes.len() as u32),
                };
                sink.record(&row);
            }
            Err(e) => sink.skip(self.line_no, line_start, reason(&e)),
        }
    }
}

/// serde_json's message, without its "at line 1 column N" (the line is ours to name) and
/// with the kind of problem said first.
fn reason(e: &serde_json::Error) -> String {
    let mut msg = e.to_string();
    if let Some(i) = msg.rfind(" at line ") {
        msg.truncate(i);
    }
    if msg == "invalid unicode code point" {
        msg = "bytes that are not valid UTF-8".to_string();
    }
    match e.classify() {
        serde_json::error::Category::Eof => format!("the line ends inside a JSON value ({msg})"),
        serde_json::error::Category::Syntax => {
            format!("not valid JSON: {msg} at column {}", e.column())
        }
        _ => format!("{msg} at column {}", e.column()),
    }
}

/// The fields of one line that the table keeps, still borrowing the line's text.
#[derive(Default)]
struct LineRecord<'a> {
    ts: Option<i64>,
    latency_ms: Option<f64>,
    status: Option<u16>,
    error: Option<Cow<'a, str>>,
    error_object: bool,
    user_id: Option<Cow<'a, str>>,
    application: Option<Cow<'a, str>>,
    model: Option<Cow<'a, str>>,
    input_tokens: Option<u32>,
    output_tokens: Option<u32>,
    total_tokens: Option<u32>,
    cost_usd: Option<f64>,
}

fn parse_line(bytes: &[u8]) -> Result<LineRecord<'_>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let mut rec = de::Deserializer::deserialize_map(&mut de, RecordVisitor)?;
    de.end()?;
    // Only a total: nothing to split it by, so it counts as input (it is billed at least so).
    if rec.input_tokens.is_none() && rec.output_tokens.is_none() {
        rec.input_tokens = rec.total_tokens;
    }
    Ok(rec)
}

struct RecordVisitor;

impl<'de> Visitor<'de> for RecordVisitor {
    type Value = LineRecord<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut rec = LineRecord::default();
        while let Some(Key(key)) = map.next_key()? {
            let Some(field) = article_field(&key) else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            let num = |kind| NumSeed { key: &key, kind };
            match field {
                Field::Timestamp => rec.ts = map.next_value_seed(TsSeed { key: &key })?,
                Field::LatencyMs => rec.latency_ms = map.next_value_seed(num(Kind::NonNeg))?,
                Field::Status => {
                    rec.status = map.next_value_seed(num(Kind::Status))?.map(|s| s as u16)
                }
                Field::ErrorMessage => {
                    let v = map.next_value_seed(ErrorSeed)?;
                    rec.error = v.text;
                    rec.error_object = v.object;
                }
                Field::Model => rec.model = map.next_value_seed(StrSeed { key: &key })?,
                Field::Application => {
                    rec.application = map.next_value_seed(StrSeed { key: &key })?
                }
                Field::UserId => rec.user_id = map.next_value_seed(StrSeed { key: &key })?,
                Field::RequestId => {
                    map.next_value_seed(StrSeed { key: &key })?;
                }
                Field::InputTokens => {
                    rec.input_tokens = count(map.next_value_seed(num(Kind::Count))?)
                }
                Field::OutputTokens => {
                    rec.output_tokens = count(map.next_value_seed(num(Kind::Count))?)
                }
                Field::TotalTokens => {
                    rec.total_tokens = count(map.next_value_seed(num(Kind::Count))?)
                }
                Field::CostUsd => rec.cost_usd = map.next_value_seed(num(Kind::NonNeg))?,
            }
        }
        Ok(rec)
    }
}

// Counts were checked to be whole numbers within u32 by NumSeed.
fn count(x: Option<f64>) -> Option<u32> {
    x.map(|v| v as u32)
}

/// An object key, borrowed from the line when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

#[derive(Clone, Copy)]
enum Kind {
    /// A finite number >= 0 (latency, cost).
    NonNeg,
    /// A whole number in 0..=u32::MAX (tokens).
    Count,
    /// A whole number in 0..=999 (HTTP status).
    Status,
}

/// A number (or a number written as a string) for field `key`, or null.
struct NumSeed<'k> {
    key: &'k str,
    kind: Kind,
}

impl NumSeed<'_> {
    fn check<E: de::Error>(&self, x: f64) -> Result<Option<f64>, E> {
        let ok = match self.kind {
            Kind::NonNeg => x.is_finite() && x >= 0.0,
            Kind::Count => x >= 0.0 && x <= f64::from(u32::MAX) && x.fract() == 0.0,
            Kind::Status => (0.0..=999.0).contains(&x) && x.fract() == 0.0,
        };
        if ok {
            Ok(Some(x))
        } else if x.fract() == 0.0 && x.abs() < 9e15 {
            Err(E::invalid_value(Unexpected::Signed(x as i64), self))
        } else {
            Err(E::invalid_value(Unexpected::Float(x), self))
        }
    }
}

impl<'de> DeserializeSeed<'de> for NumSeed<'_> {
    type Value = Option<f64>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NumSeed<'_> {
    type Value = Option<f64>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let what = match self.kind {
            Kind::NonNeg => "a non-negative number",
            Kind::Count => "a non-negative whole number",
            Kind::Status => "an HTTP status code (0-999)",
        };
        write!(f, "{what} for `{}`", self.key)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        self.check(v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        self.check(v as f64)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        self.check(v as f64)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        match v.trim().parse::<f64>() {
            Ok(x) => self.check(x),
            Err(_) => Err(E::invalid_type(Unexpected::Str(v), &self)),
        }
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// A text value (numbers are taken as their text), or null.
struct StrSeed<'k> {
    key: &'k str,
}

impl<'de> DeserializeSeed<'de> for StrSeed<'_> {
    type Value = Option<Cow<'de, str>>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrSeed<'_> {
    type Value = Option<Cow<'de, str>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a string for `{}`", self.key)
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// An epoch number (unit inferred) or an ISO 8601 string, or null.
struct TsSeed<'k> {
    key: &'k str,
}

impl<'de> DeserializeSeed<'de> for TsSeed<'_> {
    type Value = Option<i64>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TsSeed<'_> {
    type Value = Option<i64>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "a timestamp (epoch number or ISO 8601) for `{}`",
            self.key
        )
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        time::epoch_to_micros(v)
            .map(Some)
            .ok_or_else(|| E::invalid_value(Unexpected::Float(v), &self))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        self.visit_f64(v as f64)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        self.visit_f64(v as f64)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        time::parse_timestamp(v)
            .map(Some)
            .map_err(|why| E::custom(format!("field `{}`: {why}", self.key)))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// An error field: a message, or an error object/array (some tools nest it), or null/false.
struct ErrorValue<'de> {
    text: Option<Cow<'de, str>>,
    object: bool,
}

struct ErrorSeed;

impl<'de> DeserializeSeed<'de> for ErrorSeed {
    type Value = ErrorValue<'de>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ErrorSeed {
    type Value = ErrorValue<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an error message")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(ErrorValue {
            text: Some(Cow::Borrowed(v)),
            object: false,
        })
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(ErrorValue {
            text: Some(Cow::Owned(v.to_string())),
            object: false,
        })
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(ErrorValue {
            text: None,
            object: v,
        })
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(ErrorValue {
            text: None,
            object: false,
        })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(ErrorValue {
            text: None,
            object: true,
        })
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut any = false;
        while seq.next_element::<IgnoredAny>()?.is_some() {
            any = true;
        }
        Ok(ErrorValue {
            text: None,
            object: any,
        })
    }
}
