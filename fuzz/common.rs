//! What every fuzz target does: feed the bytes to an import in two chunks (cut where the
//! first byte says), finish it and compute the summary of whatever was kept.

use tokenlens::ingest::sniff::Format;
use tokenlens::{Ingest, SummaryReport};

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
    let summary = SummaryReport::new(&table, report);
    assert_eq!(summary.import.records as usize, table.len());
}
