//! Bytes -> records. One push decoder per format (`feed` chunks split anywhere, then
//! `finish`); every bad record is skipped, counted and reported, every good one kept.

pub mod fields;
pub mod jsonl;
pub mod scan;
pub mod time;

use arrow::array::Array;
use serde::Serialize;

use crate::table::{Row, Table, TableBuilder};

/// How many bad lines are listed one by one; the rest are only counted.
pub const MAX_LISTED_ERRORS: usize = 100;

/// One skipped line: where it is and why it was skipped.
#[derive(Debug, Clone, PartialEq, Serialize)]
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

/// What an import read, kept and skipped.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImportReport {
    /// Bytes read.
    pub bytes: u64,
    /// Lines seen (blank ones included).
    pub lines: u64,
    /// Records kept.
    pub records: u64,
    /// Lines skipped as malformed.
    pub skipped_lines: u64,
    /// The first [`MAX_LISTED_ERRORS`] skipped lines.
    pub errors: Vec<LineError>,
    /// Whether any kept record has a latency (some exports have none: say so, never 0).
    pub has_latency: bool,
}

/// Where decoders put what they read: the table being built and the import report.
#[derive(Default)]
pub struct Sink {
    builder: TableBuilder,
    report: ImportReport,
    file: String,
}

impl Sink {
    /// Keeps one good record.
    pub fn record(&mut self, row: &Row<'_>) {
        self.report.records += 1;
        self.builder.push(row);
    }

    /// Counts one bad line and lists it while the list is short.
    pub fn skip(&mut self, line: u64, byte_offset: u64, reason: String) {
        self.report.skipped_lines += 1;
        if self.report.errors.len() < MAX_LISTED_ERRORS {
            self.report.errors.push(LineError {
                file: self.file.clone(),
                line,
                byte_offset,
                reason,
            });
        }
    }
}

/// An import in progress: one or more files fed in chunks, then [`Ingest::finish`].
#[derive(Default)]
pub struct Ingest {
    sink: Sink,
    decoder: jsonl::JsonlDecoder,
}

impl Ingest {
    /// An empty import.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts the next file: line numbers and byte offsets restart at its beginning.
    pub fn start_file(&mut self, name: &str) {
        self.decoder.finish(&mut self.sink);
        self.decoder = jsonl::JsonlDecoder::default();
        self.sink.file = name.to_string();
    }

    /// An import of one part of file `name`: the bytes from `offset` (a line start) to a
    /// later line start, for readers that split a file between threads. Its line numbers
    /// count from the part's start; [`ImportReport::absorb`] shifts them when parts join.
    pub fn for_part(name: &str, offset: u64) -> Self {
        let mut ingest = Ingest::new();
        ingest.sink.file = name.to_string();
        ingest.decoder = jsonl::JsonlDecoder::for_part(offset);
        ingest
    }

    /// Feeds the next chunk of the current file; a chunk may end anywhere.
    pub fn feed(&mut self, chunk: &[u8]) {
        self.sink.report.bytes += chunk.len() as u64;
        self.decoder.feed(chunk, &mut self.sink);
    }

    /// The report so far (for progress).
    pub fn report(&self) -> &ImportReport {
        &self.sink.report
    }

    /// Ends the import: the table and the report.
    pub fn finish(mut self) -> (Table, ImportReport) {
        self.decoder.finish(&mut self.sink);
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
        self.has_latency |= other.has_latency;
        let room = MAX_LISTED_ERRORS.saturating_sub(self.errors.len());
        self.errors
            .extend(other.errors.into_iter().take(room).map(|mut e| {
                e.line += line_shift;
                e
            }));
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
}
