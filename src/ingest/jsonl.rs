//! JSON Lines push decoder: one JSON object per line. Lines are cut at `\n` across any chunk
//! boundary (so a UTF-8 character split between chunks is whole again before parsing);
//! each object is read field by field with [`super::scan`], skipping the fields we do not
//! keep (prompts, outputs) without decoding them.

use std::borrow::Cow;

use super::fields::{article_rule, Field, Rule, Unit};
use super::record::{quality, tag_set, Val};
use super::scan::{ErrorKind, ScanResult, Scanner, Value};
use super::{error_type, find, is_error, time, Sink};
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
    /// Whether this decoder starts mid-file (no byte-order mark can come).
    mid_file: bool,
    /// How lines are read, once the first record has shown what the file holds.
    mode: Mode,
    /// Inside a line longer than the cap: its bytes are dropped until its end.
    overlong: bool,
    /// The longest line kept whole (0: [`MAX_LINE`]).
    max_line: usize,
    /// The rules of the last line's keys.
    keys: KeyCache,
}

/// The article's rule of each key of the last line, by position: a file's lines repeat
/// their keys in the same order, so one comparison finds a key's rule instead of a search
/// through the rules (a tenth of a JSONL import).
#[derive(Default)]
struct KeyCache {
    /// The keys of the last line, as hints for the scanner: only keys without `"` or `\\`.
    keys: Vec<Vec<u8>>,
    /// The rule of each of `keys`.
    rules: Vec<Option<&'static Rule>>,
}

impl KeyCache {
    /// Keys past this position are looked up each time.
    const MAX: usize = 64;

    /// Remembers `key`, seen at `pos`, and returns its rule.
    fn learn(&mut self, pos: usize, key: &[u8]) -> Option<&'static Rule> {
        let r = article_rule(key);
        if key.contains(&b'"') || key.contains(&b'\\') {
            // Not a hint the scanner may compare raw bytes against.
            self.keys.truncate(pos);
            self.rules.truncate(pos);
        } else if pos < self.keys.len() {
            self.keys[pos] = key.to_vec();
            self.rules[pos] = r;
        } else if pos == self.keys.len() && pos < Self::MAX {
            self.keys.push(key.to_vec());
            self.rules.push(r);
        }
        r
    }
}

/// The longest line read: a longer one is skipped (and reported), so one runaway line
/// cannot take all memory.
pub const MAX_LINE: usize = 64 << 20;

/// How a JSONL file's lines are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Mode {
    /// No record seen yet.
    #[default]
    Undecided,
    /// The article's records: the specialised scanner, fields read in place.
    Fast,
    /// Any other export: each line parsed and mapped by its profile.
    Mapped,
}

impl JsonlDecoder {
    /// A decoder for the part of a file that starts at byte `offset`, at a line start.
    /// Its line numbers count from the part's start.
    pub fn for_part(offset: u64) -> Self {
        JsonlDecoder {
            consumed: offset,
            mid_file: offset > 0,
            ..JsonlDecoder::default()
        }
    }

    /// Whether the bytes fed so far end at a line end (a part of the file may follow).
    pub fn at_line_start(&self) -> bool {
        self.pending.is_empty() && !self.overlong
    }

    /// Lines seen so far.
    pub fn lines(&self) -> u64 {
        self.line_no
    }

    /// Counts `lines` lines and `bytes` bytes that another decoder read for this one (a
    /// part of the file that follows the bytes fed here).
    pub fn skip_part(&mut self, lines: u64, bytes: u64) {
        self.line_no = self.line_no.saturating_add(lines);
        self.consumed = self.consumed.saturating_add(bytes);
    }

    /// Decodes every line completed by `chunk`; keeps the unfinished tail for later.
    pub fn feed(&mut self, chunk: &[u8], sink: &mut Sink) {
        let mut start = 0;
        if self.overlong {
            match find::find(b'\n', chunk) {
                None => {
                    self.consumed += chunk.len() as u64;
                    return;
                }
                Some(i) => {
                    self.overlong = false;
                    start = i + 1;
                }
            }
        } else if !self.pending.is_empty() {
            match find::find(b'\n', chunk) {
                None => {
                    self.pending.extend_from_slice(chunk);
                    self.consumed += chunk.len() as u64;
                    self.cap_pending(sink);
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
        while let Some(pos) = find::find(b'\n', &chunk[start..]) {
            let end = start + pos;
            self.line(&chunk[start..end], self.consumed + start as u64, sink);
            start = end + 1;
        }
        if start < chunk.len() {
            self.pending.extend_from_slice(&chunk[start..]);
            self.pending_offset = self.consumed + start as u64;
        }
        self.consumed += chunk.len() as u64;
        self.cap_pending(sink);
    }

    /// Drops an unfinished line once it is longer than the cap, reporting it.
    fn cap_pending(&mut self, sink: &mut Sink) {
        let cap = if self.max_line == 0 {
            MAX_LINE
        } else {
            self.max_line
        };
        if self.pending.len() > cap {
            self.line_no += 1;
            sink.report.lines += 1;
            sink.skip(
                self.line_no,
                self.pending_offset,
                format!("the line is longer than {} MiB; skipped", cap >> 20),
            );
            self.pending = Vec::new();
            self.overlong = true;
        }
    }

    /// Decodes the last line when the file does not end with a newline.
    pub fn finish(&mut self, sink: &mut Sink) {
        if !self.pending.is_empty() && !self.overlong {
            let line = std::mem::take(&mut self.pending);
            self.line(&line, self.pending_offset, sink);
        }
    }

    fn line(&mut self, mut bytes: &[u8], mut offset: u64, sink: &mut Sink) {
        self.line_no += 1;
        sink.report.lines += 1;
        let line_start = offset;
        if self.line_no == 1 && !self.mid_file {
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
        if self.mode == Mode::Undecided {
            if let Ok(serde_json::Value::Object(obj)) = serde_json::from_slice(bytes) {
                let keys: Vec<String> = obj.keys().cloned().collect();
                self.mode = if sink.wants_fast_path(&keys) {
                    sink.columns(&keys);
                    sink.fast_path();
                    Mode::Fast
                } else {
                    Mode::Mapped
                };
            }
        }
        if self.mode == Mode::Mapped {
            return sink.json_bytes(bytes, self.line_no, offset, None);
        }
        match parse_line(bytes, &mut self.keys) {
            // Neither a time nor a latency: maybe another export's record in the same
            // file; the mapped path picks a profile for it.
            Ok(rec) if rec.ts.is_none() && rec.latency_ms.is_none() => {
                sink.json_bytes(bytes, self.line_no, offset, None)
            }
            Ok(rec) => {
                let error_message = rec.error.as_deref().filter(|m| !m.trim().is_empty());
                let error = is_error(rec.status, error_message.is_some() || rec.error_object);
                let row = Row {
                    ts: rec.ts,
                    latency_ms: rec.latency_ms,
                    ttft_ms: rec.ttft_ms,
                    status: rec.status,
                    error,
                    error_type: error.then(|| error_type(rec.status, error_message)),
                    user_id: rec.user_id.as_deref(),
                    application: rec.application.as_deref(),
                    model: rec.model.as_deref(),
                    provider: rec.provider.as_deref(),
                    feature: rec.feature.as_deref(),
                    tags: rec.tags.as_deref(),
                    input_tokens: rec.input_tokens,
                    output_tokens: rec.output_tokens,
                    cached_input_tokens: rec.cached_input_tokens,
                    reasoning_tokens: rec.reasoning_tokens,
                    cost_usd: rec.cost_usd,
                    cost_source: 0,
                    feedback: rec.feedback,
                    hallucination: rec.hallucination,
                    safety_violation: rec.safety_violation,
                    relevance: rec.relevance,
                    coherence: rec.coherence,
                    span: (offset, bytes.len() as u32),
                    file: 0,
                };
                sink.record(row);
            }
            // A line the article's rules refuse may be another export's record (a file may
            // mix them): the mapped path reads it when its keys are not the article's.
            Err(e) => match serde_json::from_slice::<serde_json::Value>(bytes) {
                Ok(serde_json::Value::Object(obj))
                    if !sink.wants_fast_path(&obj.keys().cloned().collect::<Vec<_>>()) =>
                {
                    sink.json_bytes(bytes, self.line_no, offset, None)
                }
                _ => sink.skip(self.line_no, line_start, e.reason()),
            },
        }
    }
}

/// The fields of one line that the table keeps, still borrowing the line's text.
#[derive(Default)]
struct LineRecord<'a> {
    ts: Option<i64>,
    latency_ms: Option<f64>,
    ttft_ms: Option<f64>,
    status: Option<u16>,
    error: Option<Cow<'a, str>>,
    error_object: bool,
    user_id: Option<Cow<'a, str>>,
    application: Option<Cow<'a, str>>,
    model: Option<Cow<'a, str>>,
    provider: Option<Cow<'a, str>>,
    feature: Option<Cow<'a, str>>,
    tags: Option<String>,
    input_tokens: Option<u32>,
    output_tokens: Option<u32>,
    total_tokens: Option<u32>,
    cached_input_tokens: Option<u32>,
    reasoning_tokens: Option<u32>,
    feedback: Option<f32>,
    hallucination: Option<f32>,
    safety_violation: Option<bool>,
    relevance: Option<f32>,
    coherence: Option<f32>,
    cost_usd: Option<f64>,
}

/// Why a line is not a readable record, in the scanner's words (line and column), or
/// `None` when the scanner reads it.
pub fn parse_error(bytes: &[u8]) -> Option<String> {
    parse_line(bytes, &mut KeyCache::default())
        .err()
        .map(|e| e.reason())
}

fn parse_line<'a>(bytes: &'a [u8], keys: &mut KeyCache) -> ScanResult<LineRecord<'a>> {
    let mut sc = Scanner::new(bytes);
    let mut rec = LineRecord::default();
    // Keys not as expected are learned once the line is read (the hints are borrowed).
    let mut missed: Vec<(usize, Vec<u8>)> = Vec::new();
    let KeyCache { keys: hints, rules } = keys;
    sc.object_hinted(hints, |pos, key, hit, sc| {
        let rule = if hit {
            rules[pos]
        } else {
            missed.push((pos, key.to_vec()));
            article_rule(key)
        };
        let Some(field) = rule.map(|r| r.field) else {
            return sc.skip_value();
        };
        if matches!(
            field,
            Field::RequestId | Field::Keep | Field::Error | Field::ErrorType
        ) {
            // Not resident (drill-down reads the id back from the line), or not an
            // article field.
            return sc.skip_value();
        }
        let v = sc.value()?;
        // The name is only made text for an error message.
        let name = || String::from_utf8_lossy(key);
        let bad = |sc: &Scanner, expected: &str| {
            sc.fail(
                ErrorKind::Data,
                format!(
                    "field `{}`: expected {expected}, found {}",
                    name(),
                    v.describe()
                ),
            )
        };
        let num = |sc: &Scanner, kind: Kind| number(&v, kind).map_err(|_| bad(sc, kind.expected()));
        match field {
            Field::Timestamp => {
                rec.ts = match &v {
                    Value::Null => None,
                    Value::Number(n) => match n.value().and_then(time::epoch_to_micros) {
                        Some(us) => Some(us),
                        None => return Err(bad(sc, "a timestamp in range")),
                    },
                    Value::String(s) => match time::parse_timestamp(s) {
                        Ok(us) => Some(us),
                        Err(why) => {
                            return sc.error(ErrorKind::Data, format!("field `{}`: {why}", name()))
                        }
                    },
                    _ => return Err(bad(sc, "a timestamp (epoch number or ISO 8601)")),
                }
            }
            Field::LatencyMs => rec.latency_ms = num(sc, Kind::NonNeg)?,
            Field::TtftMs => rec.ttft_ms = num(sc, Kind::NonNeg)?,
            Field::CostUsd => rec.cost_usd = num(sc, Kind::NonNeg)?,
            Field::Status => rec.status = num(sc, Kind::Status)?.map(|s| s as u16),
            // Counts were checked to be whole numbers within u32.
            Field::InputTokens => rec.input_tokens = num(sc, Kind::Count)?.map(|x| x as u32),
            Field::OutputTokens => rec.output_tokens = num(sc, Kind::Count)?.map(|x| x as u32),
            Field::TotalTokens => rec.total_tokens = num(sc, Kind::Count)?.map(|x| x as u32),
            Field::CachedInputTokens => {
                rec.cached_input_tokens = num(sc, Kind::Count)?.map(|x| x as u32)
            }
            Field::ReasoningTokens => {
                rec.reasoning_tokens = num(sc, Kind::Count)?.map(|x| x as u32)
            }
            Field::ErrorMessage => match v {
                Value::Null => {}
                Value::Bool(b) => rec.error_object = b,
                Value::String(s) => rec.error = Some(s),
                Value::Number(n) => rec.error = Some(Cow::Borrowed(n.text())),
                // An error object or list (some tools nest it) counts unless it is empty.
                Value::Object(raw) | Value::Array(raw) => {
                    rec.error_object = raw.bytes().any(|c| !b"{}[] \t\r\n".contains(&c))
                }
            },
            Field::Tags => {
                let val = match &v {
                    Value::Null => Val::Null,
                    Value::Bool(b) => Val::Bool(*b),
                    Value::Number(n) => Val::Str(Cow::Borrowed(n.text())),
                    Value::String(s) => Val::Str(Cow::Borrowed(s)),
                    // tag_set reads the list's JSON text.
                    Value::Array(raw) => Val::Str(Cow::Borrowed(raw)),
                    Value::Object(_) => Val::Other("an object"),
                };
                rec.tags = tag_set(&val).map_err(|e| bad(sc, e))?;
            }
            Field::Model
            | Field::Application
            | Field::UserId
            | Field::Provider
            | Field::Feature => {
                let text = match v {
                    Value::Null => None,
                    Value::String(s) => Some(s),
                    Value::Number(n) => Some(Cow::Borrowed(n.text())),
                    _ => return Err(bad(sc, "a string")),
                };
                match field {
                    Field::Model => rec.model = text,
                    Field::Application => rec.application = text,
                    Field::Provider => rec.provider = text,
                    Field::Feature => rec.feature = text,
                    _ => rec.user_id = text,
                }
            }
            Field::RequestId | Field::Keep | Field::Error | Field::ErrorType => {}
            Field::Feedback
            | Field::Hallucination
            | Field::SafetyViolation
            | Field::Relevance
            | Field::Coherence => {
                let val = match &v {
                    Value::Null => return Ok(()),
                    Value::Bool(b) => Val::Bool(*b),
                    Value::Number(n) => match n.text().parse::<i64>() {
                        Ok(i) => Val::Int(i),
                        Err(_) => Val::Float(n.value().ok_or_else(|| bad(sc, "a number"))?),
                    },
                    Value::String(s) if s.trim().is_empty() => return Ok(()),
                    Value::String(s) => Val::Str(Cow::Borrowed(s)),
                    // A list of finish reasons: its text is enough to find content_filter.
                    Value::Object(raw) | Value::Array(raw) => Val::Str(Cow::Borrowed(raw)),
                };
                let unit = rule.map_or(Unit::Score01, |r| r.unit);
                let q = quality(unit, &val).map_err(|e| bad(sc, e))?;
                match field {
                    Field::Feedback => rec.feedback = Some(q),
                    Field::Hallucination => rec.hallucination = Some(q),
                    Field::SafetyViolation => rec.safety_violation = Some(q > 0.5),
                    Field::Relevance => rec.relevance = Some(q),
                    _ => rec.coherence = Some(q),
                }
            }
        }
        Ok(())
    })?;
    sc.end()?;
    for (pos, key) in missed {
        keys.learn(pos, &key);
    }
    // Only a total: nothing to split it by, so it counts as input (it is billed at least so).
    if rec.input_tokens.is_none() && rec.output_tokens.is_none() {
        rec.input_tokens = rec.total_tokens;
    }
    Ok(rec)
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

impl Kind {
    fn expected(self) -> &'static str {
        match self {
            Kind::NonNeg => "a non-negative number",
            Kind::Count => "a non-negative whole number",
            Kind::Status => "an HTTP status code (0-999)",
        }
    }

    fn accepts(self, x: f64) -> bool {
        match self {
            Kind::NonNeg => x.is_finite() && x >= 0.0,
            Kind::Count => x >= 0.0 && x <= f64::from(u32::MAX) && x.fract() == 0.0,
            Kind::Status => (0.0..=999.0).contains(&x) && x.fract() == 0.0,
        }
    }
}

/// A number (or a number written as a string) of `kind`, or null; `Err` otherwise.
fn number(v: &Value<'_>, kind: Kind) -> Result<Option<f64>, ()> {
    let x = match v {
        Value::Null => return Ok(None),
        Value::Number(n) => n.value().ok_or(())?,
        Value::String(s) => super::scan::parse_f64(s).ok_or(())?,
        _ => return Err(()),
    };
    if kind.accepts(x) {
        Ok(Some(x))
    } else {
        Err(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_overlong_line_is_skipped_and_the_rest_kept() {
        let mut sink = Sink::default();
        let mut d = JsonlDecoder {
            max_line: 1 << 20,
            ..JsonlDecoder::default()
        };
        let good = "{\"model_name\":\"m\",\"latency_ms\":5}\n";
        let long = format!("{{\"model_name\":\"{}\"}}\n", "x".repeat(3 << 20));
        for part in [good, &long, good, good] {
            for c in part.as_bytes().chunks(100_000) {
                d.feed(c, &mut sink);
            }
        }
        d.finish(&mut sink);
        assert_eq!(sink.report.records, 3);
        assert_eq!(sink.report.lines, 4);
        let e = &sink.report.errors[0];
        assert_eq!((e.line, e.byte_offset), (2, good.len() as u64));
        assert_eq!(e.reason, "the line is longer than 1 MiB; skipped");
    }
}

#[cfg(test)]
mod key_order_tests {
    use crate::table::dict_value;
    use crate::Ingest;

    /// The scanner compares each key with the previous line's at the same place: lines whose
    /// keys move, grow, shrink or are written with escapes are still read by name.
    #[test]
    fn keys_are_read_by_name_whatever_their_order() {
        let lines = [
            r#"{"timestamp":1,"model_name":"a","latency_ms":10.5,"cost":1}"#,
            r#"{"latency_ms":20,"timestamp":2,"model_name":"b"}"#,
            r#"{"timestamp":3,"model\u005fname":"c","latency_ms":30.25,"cost":1}"#,
            r#"{"timestamp":4,"model_name":"d","latency_m":99,"latency_ms":40}"#,
            r#"{"timestamp":5,"model_nam":"x","model_name":"e","latency_ms":50}"#,
            r#"{"timestamp":6,"model_name":"f","latency_ms":60}"#,
        ];
        let mut ingest = Ingest::new();
        ingest.start_file("keys.jsonl");
        ingest.feed(lines.join("\n").as_bytes());
        let (t, report) = ingest.finish();
        assert_eq!(report.records, 6, "{:?}", report.errors);
        let got: Vec<(String, f64)> = (0..t.len())
            .map(|i| {
                let model = dict_value(&t.model, i).unwrap_or_default().to_string();
                (model, t.latency_ms.value(i))
            })
            .collect();
        let want = [
            ("a", 10.5),
            ("b", 20.0),
            ("c", 30.25),
            ("d", 40.0),
            ("e", 50.0),
            ("f", 60.0),
        ];
        assert_eq!(
            got,
            want.map(|(m, l)| (m.to_string(), l)).to_vec(),
            "model and latency of each line"
        );
    }
}
