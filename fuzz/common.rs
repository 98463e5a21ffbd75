//! What every fuzz target does: feed the bytes to an import in two chunks (cut where the
//! first byte says) and finish it. The decoders and the field mapping are what is fuzzed;
//! metrics over whatever was kept are covered by the other tests, and would cost most of
//! each execution.

use tokenlens::ingest::sniff::Format;
use tokenlens::Ingest;

/// One run: `format` forces a decoder; `None` lets detection choose.
pub fn run(data: &[u8], format: Option<Format>) {
    let cut = data.first().map_or(0, |&b| usize::from(b)) % (data.len() + 1);
    let mut ingest = Ingest::new();
    match format {
        Some(f) => ingest.start_file_as("fuzz", f),
        None => ingest.start_file("fuzz"),
    }
    ingest.feed(&data[..cut]);
    ingest.feed(&data[cut..]);
    let (table, report) = ingest.finish();
    assert_eq!(report.records as usize, table.len());
}
