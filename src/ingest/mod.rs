//! Bytes -> records. One push decoder per format (`feed` chunks split anywhere, then
//! `finish`); every bad record is skipped, counted and reported, every good one kept.

#[cfg(feature = "columnar")]
pub mod columnar;
pub mod csv;
pub mod fields;
pub(crate) mod find;
pub mod json;
pub mod jsonl;
pub mod otlp;
mod part;
pub mod record;
pub mod scan;
pub mod sniff;
pub mod time;

use std::io::Write;

use arrow::array::Array;
use serde::{Deserialize, Serialize};

use self::fields::Profile;
use self::record::{MapOptions, Mapping, Outcome, Source};
use self::sniff::{Format, Sniffed};
use crate::table::{Row, Table, TableBuilder};

/// How many bad lines are listed one by one; the rest are only counted.
pub const MAX_LISTED_ERRORS: usize = 100;

/// One skipped line: where it is and why it was skipped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineError {
    /// The file's name as given.
    pub file: String,
    /// 1-based line number.
    pub line: u64,
    /// Byte offset of the line's first byte in the file.
    pub byte_offset: u64,
    /// What is wrong with it.
    pub reason: String,
}

/// What one file of an import was and gave.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FileReport {
    /// The file's name as given.
    pub name: String,
    /// Its format (`jsonl`, `csv`, …; `jsonl+gzip` when compressed); empty when unknown.
    pub format: String,
    /// The export it was read as ([`fields::Profile::name`]); empty before any record.
    pub profile: String,
    /// Bytes read (as stored, so compressed bytes for gzip).
    pub bytes: u64,
    /// Records kept.
    pub records: u64,
    /// Records skipped as malformed.
    pub skipped: u64,
    /// Records left out as not LLM calls (chain and tool runs, plain HTTP spans).
    pub ignored: u64,
    /// The top-level field names of its first record (or its CSV header), for mapping.
    pub columns: Vec<String>,
    /// What a record's byte span (its source line or element) is an offset into, so
    /// drill-down can read its text back.
    pub span_coding: SpanCoding,
    /// What this build lacks to read the file: empty, or `columnar` for Parquet and Arrow
    /// files when it was built without the `columnar` feature (the page's lean engine;
    /// the page then reads the import again with the full one). Not serialized when empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub needs: String,
}

impl FileReport {
    /// Adds an export's name to the file's profile (`a+b` when its records are of several).
    fn note_profile(&mut self, name: &str) {
        if self.profile.is_empty() {
            self.profile = name.to_string();
        } else if !self.profile.split('+').any(|p| p == name) {
            self.profile = format!("{}+{name}", self.profile);
        }
    }
}

/// What the byte spans of a file's records point into.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpanCoding {
    /// The file as stored: a span is a `Blob.slice` of it.
    Plain,
    /// The decompressed stream of a gzip file (its members one after another, as
    /// `MultiGzDecoder` gives them): the file must be decompressed up to the span.
    Gzip,
    /// A Parquet file's rows: a span is (the record's 0-based row number in the file, 1);
    /// drill-down reads that row's row group ([`columnar::parquet_locate`]).
    Parquet,
    /// An Arrow IPC file's or stream's rows: a span is (the byte offset of the message of
    /// the record's batch, the record's 0-based row in it); drill-down reads that message
    /// ([`columnar::arrow_record`]). Files with dictionary-encoded columns have none.
    Arrow,
    /// No span (Arrow, compressed Parquet, gzip inside gzip): only the figures can be shown.
    #[default]
    None,
}

/// What an import read, kept and skipped.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Bytes read.
    pub bytes: u64,
    /// Lines seen (blank ones included; records for formats without lines).
    pub lines: u64,
    /// Records kept.
    pub records: u64,
    /// Lines skipped as malformed.
    pub skipped_lines: u64,
    /// Records left out as not LLM calls.
    pub ignored_records: u64,
    /// The first [`MAX_LISTED_ERRORS`] skipped lines.
    pub errors: Vec<LineError>,
    /// Whether any kept record has a latency (some exports have none: say so, never 0).
    pub has_latency: bool,
    /// One entry per file, in the order read.
    pub files: Vec<FileReport>,
}

/// Where decoders put what they read: the table being built, the import report, and the
/// mapping of the current file's records onto the canonical record.
#[derive(Default)]
pub struct Sink {
    builder: TableBuilder,
    report: ImportReport,
    file: String,
    opts: MapOptions,
    /// The current file's mapping, chosen at its first record (and again whenever a
    /// record's keys change: a file may mix exports).
    mapping: Option<Mapping>,
    /// The keys the current mapping was chosen for.
    mapping_keys: Vec<String>,
    /// OpenTelemetry spans found in a file of another shape use their own mapping.
    otlp: Option<Mapping>,
    /// What the current file's byte spans point into.
    span_coding: SpanCoding,
}

impl Sink {
    fn this_file(&mut self) -> &mut FileReport {
        if self.report.files.is_empty() {
            self.report.files.push(FileReport::default());
        }
        let last = self.report.files.len() - 1;
        &mut self.report.files[last]
    }

    /// Keeps one good record.
    pub fn record(&mut self, mut row: Row<'_>) {
        self.report.records += 1;
        self.this_file().records += 1;
        row.file = self.report.files.len().saturating_sub(1) as u16;
        match self.span_coding {
            SpanCoding::None => row.span = (0, 0),
            SpanCoding::Plain | SpanCoding::Gzip | SpanCoding::Parquet | SpanCoding::Arrow => {}
        }
        self.builder.push(&row);
    }

    /// Counts one bad line and lists it while the list is short.
    pub fn skip(&mut self, line: u64, byte_offset: u64, reason: String) {
        self.report.skipped_lines += 1;
        self.this_file().skipped += 1;
        if self.report.errors.len() < MAX_LISTED_ERRORS {
            self.report.errors.push(LineError {
                file: self.file.clone(),
                line,
                byte_offset,
                reason,
            });
        }
    }

    /// Skips `n` records from `line` on for one reason, listed once.
    pub fn skip_many(&mut self, line: u64, n: u64, reason: String) {
        self.skip(line, 0, reason);
        self.report.skipped_lines += n - 1;
        self.this_file().skipped += n - 1;
    }

    /// Notes the file's column names (its CSV header or first record's keys).
    pub fn columns(&mut self, names: &[String]) {
        let f = self.this_file();
        if f.columns.is_empty() {
            f.columns = names.to_vec();
        }
    }

    /// The fast JSONL path is right for this file: no option overrides the article's
    /// fields, and (once known) the records are the article's.
    pub fn wants_fast_path(&self, keys: &[String]) -> bool {
        self.opts.profile.is_none()
            && self.opts.map.is_empty()
            && self.opts.ts_unit.is_none()
            && self.opts.start_us.is_none()
            && self.opts.model.is_none()
            && !keys
                .iter()
                .any(|k| k == "resourceSpans" || WRAPPERS.contains(&k.as_str()))
            && std::ptr::eq(
                fields::detect(keys.iter().map(String::as_str)),
                &fields::ARTICLE,
            )
    }

    /// Marks the file as read by the article's fast path.
    pub fn fast_path(&mut self) {
        self.this_file().note_profile(fields::ARTICLE.name);
    }

    /// Maps and keeps (or skips, or leaves out) one record of any format. `keys`: its
    /// top-level names when they may differ from record to record (JSON), `None` when the
    /// file's columns are every record's (CSV, Arrow); the profile is picked from them.
    pub fn source(
        &mut self,
        src: &dyn Source,
        keys: Option<&[String]>,
        line: u64,
        offset: u64,
        len: u32,
    ) {
        let changed = match keys {
            Some(k) => self.mapping.is_none() || k != self.mapping_keys.as_slice(),
            None => self.mapping.is_none(),
        };
        if changed {
            let keys = match keys {
                Some(k) => k.to_vec(),
                None => self.this_file().columns.clone(),
            };
            let profile = self.pick_profile(&keys);
            if self
                .mapping
                .as_ref()
                .is_none_or(|m| !std::ptr::eq(m.profile, profile))
            {
                match Mapping::new(profile, &self.opts) {
                    Ok(m) => self.mapping = Some(m),
                    Err(why) => return self.skip(line, offset, why),
                }
                let f = self.this_file();
                f.note_profile(profile.name);
            }
            if let Some(m) = &mut self.mapping {
                m.restrict_to(&keys);
            }
            self.mapping_keys = keys;
        }
        let Some(mapping) = &self.mapping else {
            return;
        };
        let outcome = mapping.map(src);
        if let Some(why) = src.fault() {
            return self.skip(line, offset, why);
        }
        self.outcome(outcome, line, offset, len);
    }

    /// Keeps (or skips) a record mapped without [`Sink::source`] (by
    /// [`record::Mapping::map_columns`]); `fault`, why a field it read is not text, wins as
    /// it does there.
    pub fn mapped(
        &mut self,
        outcome: Result<Outcome, String>,
        fault: Option<String>,
        line: u64,
        offset: u64,
        len: u32,
    ) {
        if let Some(why) = fault {
            return self.skip(line, offset, why);
        }
        self.outcome(outcome, line, offset, len);
    }

    fn outcome(&mut self, outcome: Result<Outcome, String>, line: u64, offset: u64, len: u32) {
        match outcome {
            Ok(Outcome::Call(m)) if m.is_empty() => {
                let cols = self.this_file().columns.join(", ");
                self.skip(
                    line,
                    offset,
                    format!(
                        "no known field (it has: {cols}); name them with the mapping dialog or --map"
                    ),
                );
            }
            Ok(Outcome::Call(m)) => {
                // A Parquet record is found by its row number (its `line`, 1-based).
                let span = match self.span_coding {
                    SpanCoding::Parquet => (line.saturating_sub(1), 1),
                    _ => (offset, len),
                };
                self.record(m.row(span));
            }
            Ok(Outcome::NotACall) => {
                self.report.ignored_records += 1;
                self.this_file().ignored += 1;
            }
            Err(why) => self.skip(line, offset, why),
        }
    }

    fn pick_profile(&self, keys: &[String]) -> &'static Profile {
        self.opts
            .profile
            .as_deref()
            .and_then(fields::profile)
            .unwrap_or_else(|| fields::detect(keys.iter().map(String::as_str)))
    }

    /// One JSON value (a JSONL line, an element of a JSON document). An OTLP `TracesData`
    /// or `ResourceSpans` yields its spans; a wrapper object (`{"data": [...]}`) its
    /// elements. `wrapper`: the key of the array the value came from, if any.
    pub fn json_bytes(&mut self, bytes: &[u8], line: u64, offset: u64, wrapper: Option<&str>) {
        let len = bytes.len().min(u32::MAX as usize) as u32;
        let value: serde_json::Value = match serde_json::from_slice(bytes) {
            Ok(v) => v,
            Err(e) => {
                let reason = match jsonl::parse_error(bytes) {
                    Some(r) => r,
                    None => format!("not valid JSON: {e}"),
                };
                return self.skip(line, offset, reason);
            }
        };
        self.json_value(&value, line, offset, len, wrapper);
    }

    fn json_value(
        &mut self,
        value: &serde_json::Value,
        line: u64,
        offset: u64,
        len: u32,
        wrapper: Option<&str>,
    ) {
        let Some(obj) = value.as_object() else {
            return self.skip(
                line,
                offset,
                format!(
                    "a record must be a JSON object, not {}",
                    record::json_val(value).describe()
                ),
            );
        };
        let spans = if wrapper == Some("resourceSpans") {
            Some(otlp::resource_spans(value))
        } else if obj.contains_key("resourceSpans") {
            Some(otlp::traces_data(value))
        } else {
            None
        };
        if let Some(spans) = spans {
            self.this_file().note_profile(fields::OTLP.name);
            if self.otlp.is_none() {
                match Mapping::new(&fields::OTLP, &self.opts) {
                    Ok(m) => self.otlp = Some(m),
                    Err(why) => return self.skip(line, offset, why),
                }
            }
            for span in &spans {
                let outcome = match &self.otlp {
                    Some(m) => m.map(span),
                    None => return,
                };
                self.outcome(outcome, line, offset, len);
            }
            return;
        }
        if wrapper.is_none() && obj.len() <= 4 {
            let inner = WRAPPERS
                .iter()
                .find_map(|w| obj.get(*w).and_then(|v| v.as_array()));
            if let Some(items) = inner {
                for item in items {
                    self.json_value(item, line, offset, len, Some("data"));
                }
                return;
            }
        }
        let keys: Vec<String> = obj.keys().cloned().collect();
        self.columns(&keys);
        self.source(value, Some(&keys), line, offset, len);
    }
}

/// Keys of an object that wraps the records (API responses, exports).
const WRAPPERS: &[&str] = &[
    "data",
    "items",
    "results",
    "records",
    "rows",
    "runs",
    "observations",
    "traces",
    "logs",
    "requests",
];

/// The decoder of the current file.
enum Decoder {
    /// The first bytes, until the format is known.
    Sniff(Vec<u8>),
    Jsonl(jsonl::JsonlDecoder),
    Json(json::JsonDecoder),
    Csv(Box<csv::CsvDecoder>),
    Gzip(Box<Gzip>),
    #[cfg(feature = "columnar")]
    Columnar(Box<columnar::ColumnarDecoder>),
    /// A format not read: the rest of the file is ignored (the reason was reported).
    Unknown,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::Sniff(Vec::new())
    }
}

/// gzip around another format: decompressed bytes go to the inner decoder as they come.
struct Gzip {
    gz: flate2::write::MultiGzDecoder<Vec<u8>>,
    inner: Decoder,
    failed: bool,
}

impl Decoder {
    fn feed(&mut self, chunk: &[u8], sink: &mut Sink, at_end: bool) {
        match self {
            Decoder::Sniff(head) => {
                head.extend_from_slice(chunk);
                let name = sink.file.clone();
                match sniff::sniff(head, at_end, &name) {
                    Sniffed::NeedMore => {}
                    Sniffed::Unknown => {
                        sink.skip(
                            1,
                            0,
                            format!("{name} is not a known format (tried {})", sniff::TRIED),
                        );
                        *self = Decoder::Unknown;
                    }
                    Sniffed::Known(format) => {
                        let head = std::mem::take(head);
                        *self = Decoder::start(format, sink);
                        self.feed(&head, sink, at_end);
                    }
                }
            }
            Decoder::Jsonl(d) => d.feed(chunk, sink),
            Decoder::Json(d) => d.feed(chunk, sink),
            Decoder::Csv(d) => d.feed(chunk, sink),
            #[cfg(feature = "columnar")]
            Decoder::Columnar(d) => d.feed(chunk, sink),
            Decoder::Gzip(g) => {
                if g.failed {
                    return;
                }
                if let Err(e) = g.gz.write_all(chunk).and_then(|_| g.gz.flush()) {
                    g.failed = true;
                    sink.skip(0, 0, format!("the gzip data is damaged: {e}"));
                }
                let out = std::mem::take(g.gz.get_mut());
                g.inner.feed(&out, sink, false);
                *g.gz.get_mut() = out;
                g.gz.get_mut().clear();
            }
            Decoder::Unknown => {}
        }
    }

    /// Whether the bytes fed so far end at a record's start, where a part read elsewhere
    /// can follow; the reason when not.
    fn at_part_start(&self) -> Result<(), String> {
        let ok = match self {
            Decoder::Jsonl(d) => d.at_line_start(),
            Decoder::Csv(d) => d.at_record_start(),
            _ => return Err("a part can only follow JSON Lines, CSV or TSV".into()),
        };
        if ok {
            Ok(())
        } else {
            Err("the bytes read so far end inside a record".into())
        }
    }

    /// Lines begun so far (the line numbers a part after them is shifted by).
    fn lines(&self) -> u64 {
        match self {
            Decoder::Jsonl(d) => d.lines(),
            Decoder::Csv(d) => d.lines(),
            _ => 0,
        }
    }

    /// Counts a part read elsewhere, of `lines` lines and `bytes` bytes, as fed here.
    fn skip_part(&mut self, lines: u64, bytes: u64) {
        match self {
            Decoder::Jsonl(d) => d.skip_part(lines, bytes),
            Decoder::Csv(d) => d.skip_part(lines, bytes),
            _ => {}
        }
    }

    fn start(format: Format, sink: &mut Sink) -> Decoder {
        let f = sink.this_file();
        f.format = if f.format.is_empty() {
            format.name().to_string()
        } else {
            format!("{}+{}", format.name(), f.format)
        };
        match format {
            Format::Jsonl => Decoder::Jsonl(jsonl::JsonlDecoder::default()),
            Format::Json => Decoder::Json(json::JsonDecoder::default()),
            Format::Csv => Decoder::Csv(Box::new(csv::CsvDecoder::new(b','))),
            Format::Tsv => Decoder::Csv(Box::new(csv::CsvDecoder::new(b'\t'))),
            Format::Gzip => {
                // The inner decoder's offsets count decompressed bytes. gzip inside gzip
                // would need two decompressions to read back: not offered.
                sink.span_coding = match sink.span_coding {
                    SpanCoding::Plain => SpanCoding::Gzip,
                    SpanCoding::Gzip
                    | SpanCoding::Parquet
                    | SpanCoding::Arrow
                    | SpanCoding::None => SpanCoding::None,
                };
                sink.this_file().format = "gzip".to_string();
                Decoder::Gzip(Box::new(Gzip {
                    gz: flate2::write::MultiGzDecoder::new(Vec::new()),
                    inner: Decoder::default(),
                    failed: false,
                }))
            }
            #[cfg(feature = "columnar")]
            Format::Parquet | Format::ArrowFile | Format::ArrowStream => {
                Decoder::Columnar(Box::new(columnar::ColumnarDecoder::new(format, sink)))
            }
            #[cfg(not(feature = "columnar"))]
            Format::Parquet | Format::ArrowFile | Format::ArrowStream => {
                let what = match format {
                    Format::Parquet => "a Parquet file",
                    Format::ArrowFile => "an Arrow IPC file",
                    _ => "an Arrow IPC stream",
                };
                let name = sink.file.clone();
                sink.this_file().needs = "columnar".to_string();
                sink.skip(
                    1,
                    0,
                    format!(
                        "{name} is {what}: this build of tokenlens has no Parquet/Arrow \
                         reader (it is built without the `columnar` feature)"
                    ),
                );
                Decoder::Unknown
            }
        }
    }

    fn finish(&mut self, sink: &mut Sink) {
        match self {
            Decoder::Sniff(head) => {
                let head = std::mem::take(head);
                self.feed(&head, sink, true);
                if !matches!(self, Decoder::Sniff(_)) {
                    self.finish(sink);
                }
            }
            Decoder::Jsonl(d) => d.finish(sink),
            Decoder::Json(d) => d.finish(sink),
            Decoder::Csv(d) => d.finish(sink),
            #[cfg(feature = "columnar")]
            Decoder::Columnar(d) => d.finish(sink),
            Decoder::Gzip(g) => {
                if !g.failed {
                    if let Err(e) = g.gz.try_finish() {
                        sink.skip(0, 0, format!("the gzip data ends early: {e}"));
                    }
                    let out = std::mem::take(g.gz.get_mut());
                    g.inner.feed(&out, sink, true);
                }
                g.inner.finish(sink);
            }
            Decoder::Unknown => {}
        }
    }
}

/// Rows of a part of a file read by another import ([`Ingest::for_part`]), not priced, and
/// with the part's last rows its report and line count.
pub struct Part {
    table: Table,
    end: Option<(ImportReport, u64)>,
}

/// An import in progress: one or more files fed in chunks, then [`Ingest::finish`].
#[derive(Default)]
pub struct Ingest {
    sink: Sink,
    decoder: Decoder,
    started: bool,
    /// The current file's size, when told ([`Ingest::expect_bytes`]): room for its rows is
    /// made once its first records show their size.
    expect_bytes: Option<u64>,
}

impl Ingest {
    /// An empty import.
    pub fn new() -> Self {
        Self::default()
    }

    /// An import that maps records as `opts` say (forced profile, user mapping, units).
    pub fn with_options(opts: MapOptions) -> Self {
        let mut ingest = Ingest::new();
        ingest.sink.opts = opts;
        ingest
    }

    /// Starts the next file: line numbers and byte offsets restart at its beginning.
    pub fn start_file(&mut self, name: &str) {
        self.end_file();
        self.started = true;
        self.expect_bytes = None;
        self.sink.file = name.to_string();
        self.sink.mapping = None;
        self.sink.mapping_keys.clear();
        self.sink.otlp = None;
        self.sink.span_coding = SpanCoding::Plain;
        self.sink.report.files.push(FileReport {
            name: name.to_string(),
            span_coding: SpanCoding::Plain,
            ..FileReport::default()
        });
    }

    /// Starts the next file read as `format`, whatever its first bytes say (the fuzz
    /// targets drive each decoder this way).
    pub fn start_file_as(&mut self, name: &str, format: Format) {
        self.start_file(name);
        self.decoder = Decoder::start(format, &mut self.sink);
    }

    fn end_file(&mut self) {
        if self.started {
            self.decoder.finish(&mut self.sink);
            let coding = self.sink.span_coding;
            self.sink.this_file().span_coding = coding;
            self.decoder = Decoder::default();
            self.started = false;
        }
    }

    /// An import of one part of the file `name`, in `format` (JSON Lines, CSV or TSV): its
    /// bytes from `offset` (a line start) to a later line start, for readers that split a
    /// file between threads or workers. `head`: the file's first bytes, where a CSV part
    /// reads the header. Its line numbers count from the part's start; the import of the
    /// bytes before it shifts them ([`Ingest::append_part`], [`ImportReport::absorb`]).
    pub fn for_part(
        name: &str,
        format: Format,
        head: &[u8],
        offset: u64,
        opts: MapOptions,
    ) -> Result<Self, String> {
        let mut ingest = Ingest::with_options(opts);
        ingest.start_file(name);
        ingest.sink.this_file().format = format.name().to_string();
        ingest.decoder = match format {
            Format::Jsonl => Decoder::Jsonl(jsonl::JsonlDecoder::for_part(offset)),
            Format::Csv | Format::Tsv => {
                let delimiter = if format == Format::Csv { b',' } else { b'\t' };
                let d = csv::CsvDecoder::for_part(delimiter, head, offset, &mut ingest.sink)?;
                Decoder::Csv(Box::new(d))
            }
            _ => return Err(format!("a {} file is read whole", format.name())),
        };
        Ok(ingest)
    }

    /// Rows read so far and not yet taken by [`Ingest::take_rows`].
    pub fn rows(&self) -> usize {
        self.sink.builder.len()
    }

    /// The rows read so far by an import made by [`Ingest::for_part`], as bytes for
    /// [`Ingest::append_part`] in the worker that reads the part before it; the import goes
    /// on with none (a part goes over in pieces, so neither worker holds it whole).
    pub fn take_rows(&mut self) -> Vec<u8> {
        part::encode(&self.sink.builder.finish(), None)
    }

    /// Whether the bytes fed so far end at a record's start. A part that does not, and is
    /// not the file's last, was cut inside a record (a CSV quoted field): its bytes must be
    /// read by the import of the bytes before it instead (so must the next part's).
    pub fn at_record_start(&self) -> bool {
        self.decoder.at_part_start().is_ok()
    }

    /// Ends an import made by [`Ingest::for_part`]: its last rows and its report as bytes,
    /// for [`Ingest::append_part`] in the worker that reads the part before it.
    pub fn finish_part(self) -> Vec<u8> {
        let part = self.finish_part_rows();
        part::encode(&part.table, part.end.as_ref().map(|(r, lines)| (r, *lines)))
    }

    /// What [`Ingest::finish_part`] encodes, for [`Ingest::append_part_rows`] in the same
    /// process (a thread of the CLI): no bytes written and read again.
    pub fn finish_part_rows(self) -> Part {
        let lines = self.decoder.lines();
        // Not priced: the import it is appended to prices every row when it finishes.
        let (table, report) = self.finish_unpriced();
        Part {
            table,
            end: Some((report, lines)),
        }
    }

    /// Appends a piece of a part of the current file that another worker read
    /// ([`Ingest::take_rows`], [`Ingest::finish_part`]), as if its bytes had been fed here:
    /// the part must start where the bytes fed so far end, at a record's start. With the
    /// last piece, its report's line numbers are shifted by the lines before the part.
    /// An error (nothing appended) when the bytes fed so far do not end at a record's end
    /// (a CSV part cut inside a quoted field): its bytes must then be fed here instead.
    pub fn append_part(&mut self, bytes: Vec<u8>) -> Result<(), String> {
        // Checked first: a refused part is not decoded for nothing.
        self.decoder.at_part_start()?;
        let (table, end) = part::decode(bytes)?;
        self.append_part_rows(Part { table, end })
    }

    /// [`Ingest::append_part`] of a part not encoded ([`Ingest::finish_part_rows`]).
    pub fn append_part_rows(&mut self, part: Part) -> Result<(), String> {
        self.decoder.at_part_start()?;
        let Part { table, end: report } = part;
        let file = self.sink.report.files.len().saturating_sub(1) as u16;
        self.sink.builder.append(&table, file);
        if let Some((report, lines)) = report {
            let shift = self.decoder.lines();
            self.decoder.skip_part(lines, report.bytes);
            self.sink.report.absorb(report, shift);
        }
        Ok(())
    }

    /// Says the current file is `bytes` long (its parts read elsewhere and appended
    /// included): the table makes room for about as many rows as that holds once the first
    /// records show their size, instead of growing by doubling.
    pub fn expect_bytes(&mut self, bytes: u64) {
        self.expect_bytes = Some(bytes);
    }

    /// Feeds the next chunk of the current file; a chunk may end anywhere.
    pub fn feed(&mut self, chunk: &[u8]) {
        if !self.started {
            self.start_file("");
        }
        self.sink.report.bytes += chunk.len() as u64;
        self.sink.this_file().bytes += chunk.len() as u64;
        self.decoder.feed(chunk, &mut self.sink, false);
        if self.expect_bytes.is_some() {
            self.make_room();
        }
    }

    /// Room for the current file's rows, by the size of those read so far: 10% more than
    /// the file holds at that size (the spare is cut off when the table is finished), at
    /// most a row per 64 bytes.
    fn make_room(&mut self) {
        let Some(total) = self.expect_bytes else {
            return;
        };
        let f = self.sink.this_file();
        let (records, bytes) = (f.records, f.bytes);
        if records < 256 || bytes < (64 << 10) {
            return;
        }
        self.expect_bytes = None;
        let left = total.saturating_sub(bytes) as f64;
        let more = (left * records as f64 / bytes as f64 * 1.1).min(left / 64.0);
        let rows = self.sink.builder.len() + more as usize;
        self.sink.builder.reserve(rows);
    }

    /// The report so far (for progress).
    pub fn report(&self) -> &ImportReport {
        &self.sink.report
    }

    /// Ends the import: the table (priced with the built-in price table; see
    /// [`crate::metrics::cost::apply_prices`] for others) and the report.
    pub fn finish(self) -> (Table, ImportReport) {
        let (mut table, report) = self.finish_unpriced();
        crate::metrics::cost::apply_prices(&mut table, crate::pricing::PriceTable::builtin());
        (table, report)
    }

    /// [`Ingest::finish`] without the costs computed from prices.
    fn finish_unpriced(mut self) -> (Table, ImportReport) {
        self.end_file();
        let table = self.sink.builder.finish();
        let mut report = self.sink.report;
        report.has_latency = table.latency_ms.null_count() < table.len();
        (table, report)
    }
}

impl ImportReport {
    /// Adds the report of the next part or file. `line_shift` is the number of lines before
    /// that part in its file (0 for a whole file), so its errors keep their true line numbers.
    pub fn absorb(&mut self, other: ImportReport, line_shift: u64) {
        self.bytes += other.bytes;
        self.lines += other.lines;
        self.records += other.records;
        self.skipped_lines += other.skipped_lines;
        self.ignored_records += other.ignored_records;
        self.has_latency |= other.has_latency;
        let room = MAX_LISTED_ERRORS.saturating_sub(self.errors.len());
        self.errors
            .extend(other.errors.into_iter().take(room).map(|mut e| {
                e.line += line_shift;
                e
            }));
        // Parts of one file join into one entry; another file adds its own.
        for f in other.files {
            match self.files.last_mut() {
                Some(last) if line_shift > 0 && last.name == f.name => {
                    for p in f.profile.split('+').filter(|p| !p.is_empty()) {
                        last.note_profile(p);
                    }
                    last.bytes += f.bytes;
                    last.records += f.records;
                    last.skipped += f.skipped;
                    last.ignored += f.ignored;
                }
                _ => self.files.push(f),
            }
        }
    }
}

/// Where to cut a file in `format` for a part in `window` (its bytes from one before the
/// wanted position on, up to about 1 MB): the offset in `window` of the part's first byte,
/// a line start. JSON Lines: the first line start. CSV and TSV: the first line start
/// that looks like a record's start (see [`csv::CsvDecoder::part_start`]; `head`: the
/// file's first bytes, with the header), else the first line start. `None`: no line
/// start in `window`.
pub fn part_start(format: Format, head: &[u8], window: &[u8]) -> Option<usize> {
    let first = memchr::memchr(b'\n', window).map(|i| i + 1);
    match format {
        Format::Csv => csv::CsvDecoder::part_start(head, window, b',').or(first),
        Format::Tsv => csv::CsvDecoder::part_start(head, window, b'\t').or(first),
        _ => first,
    }
}

/// A request failed when its status is 0 or >= 400, or it carries an error message.
pub fn is_error(status: Option<u16>, has_error_message: bool) -> bool {
    has_error_message || matches!(status, Some(s) if s == 0 || s >= 400)
}

/// The class of a failed request, from its status and error message.
pub fn error_type(status: Option<u16>, message: Option<&str>) -> &'static str {
    let msg = message.unwrap_or("").to_ascii_lowercase();
    match status {
        Some(429) => "rate_limit",
        Some(408 | 504) => "timeout",
        _ if msg.contains("rate limit") || msg.contains("rate_limit") => "rate_limit",
        _ if msg.contains("timeout") || msg.contains("timed out") => "timeout",
        _ if msg.contains("content_filter") || msg.contains("content filter") => "content_filter",
        Some(500..=599) => "server_error",
        Some(400..=499) => "client_error",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_rules() {
        assert!(is_error(Some(0), false));
        assert!(is_error(Some(400), false));
        assert!(is_error(Some(200), true));
        assert!(!is_error(Some(399), false));
        assert!(!is_error(None, false));
    }

    #[test]
    fn error_types() {
        assert_eq!(error_type(Some(429), None), "rate_limit");
        assert_eq!(
            error_type(Some(0), Some("Request error: Read timed out")),
            "timeout"
        );
        assert_eq!(
            error_type(Some(503), Some("HTTP error: 503")),
            "server_error"
        );
        assert_eq!(error_type(Some(400), None), "client_error");
        assert_eq!(error_type(Some(200), Some("boom")), "other");
    }

    /// Without the `columnar` feature, Parquet and Arrow files (gzipped too) are skipped and
    /// marked as needing it; with it they are read. `needs` is serialized only when set.
    #[test]
    fn columnar_files_need_the_feature() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"PAR1\x15\x04\x15\x00")
            .expect("writing to a Vec cannot fail");
        let gzipped = gz.finish().expect("writing to a Vec cannot fail");
        let files: [(&str, &[u8]); 4] = [
            ("a.parquet", b"PAR1\x15\x04\x15\x00"),
            ("a.arrow", b"ARROW1\0\0"),
            ("a.arrows", b"\xff\xff\xff\xff\x10\0\0\0"),
            ("a.parquet.gz", &gzipped),
        ];
        for (name, bytes) in files {
            let mut ingest = Ingest::new();
            ingest.start_file("a.jsonl");
            ingest.feed(b"{\"model\": \"m\", \"latency_ms\": 1}\n");
            ingest.start_file(name);
            ingest.feed(bytes);
            let (_, report) = ingest.finish();
            assert_eq!(report.files[0].needs, "", "{name}");
            let json = serde_json::to_value(&report).expect("a report serializes");
            assert!(json["files"][0].get("needs").is_none(), "{name}");
            let f = &report.files[1];
            if cfg!(feature = "columnar") {
                assert_eq!(f.needs, "", "{name}");
            } else {
                assert_eq!(f.needs, "columnar", "{name}");
                assert_eq!(json["files"][1]["needs"], "columnar", "{name}");
                assert_eq!(f.skipped, 1, "{name}");
                assert_eq!(report.errors.len(), 1, "{name}");
                assert!(
                    report.errors[0].reason.contains("`columnar` feature"),
                    "{name}: {}",
                    report.errors[0].reason
                );
            }
        }
    }
}
