//! The JSONL decoder: chunk boundaries never change the result; bad lines are reported with
//! line, byte offset and reason while every good line is kept.
#![cfg(not(target_arch = "wasm32"))]
// Helpers of integration tests unwrap too: a panic is a failed test.
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};

use flate2::write::GzEncoder;
use flate2::Compression;
use proptest::prelude::*;
use tokenlens::generate::{generate, GenOptions};
use tokenlens::ingest::sniff::{sniff, Format, Sniffed};
use tokenlens::ingest::SpanCoding;
use tokenlens::{Ingest, SummaryReport};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// Ingests `bytes` cut at `cuts` and returns the CLI's JSON report.
fn report_of(bytes: &[u8], cuts: &[usize]) -> serde_json::Value {
    let mut ingest = Ingest::new();
    ingest.start_file("input.jsonl");
    let mut at = 0;
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    cuts.sort_unstable();
    for c in cuts.into_iter().chain([bytes.len()]) {
        ingest.feed(&bytes[at..c]);
        at = c;
    }
    let (table, import) = ingest.finish();
    serde_json::to_value(SummaryReport::new(&table, import)).unwrap()
}

fn mixed_input() -> Vec<u8> {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    generate(
        GenOptions {
            records: 300,
            seed: 3,
            incident: true,
            labels: false,
        },
        &mut bytes,
    )
    .unwrap();
    bytes.extend(fixture("invalid/bad_lines.jsonl"));
    bytes.extend(fixture("invalid/bad_bytes.jsonl"));
    bytes.extend(b"\r\n");
    bytes.extend(fixture("article_small.jsonl"));
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn chunk_boundaries_do_not_matter(cuts in proptest::collection::vec(any::<usize>(), 0..40)) {
        let bytes = mixed_input();
        prop_assert_eq!(report_of(&bytes, &cuts), report_of(&bytes, &[]));
    }
}

#[test]
fn byte_by_byte_equals_whole() {
    let bytes = mixed_input();
    let every: Vec<usize> = (0..bytes.len()).step_by(7).collect();
    assert_eq!(report_of(&bytes, &every), report_of(&bytes, &[]));
}

#[test]
fn bad_lines_are_reported_and_good_ones_kept() {
    let r = report_of(&fixture("invalid/bad_lines.jsonl"), &[]);
    assert_eq!(r["requests"], 3);
    assert_eq!(r["skipped_lines"], 8);
    assert_eq!(r["import"]["lines"], 12);
    let errors: Vec<(u64, u64, String)> = r["import"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["byte_offset"].as_u64().unwrap(),
                e["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let lines: Vec<u64> = errors.iter().map(|e| e.0).collect();
    assert_eq!(lines, [2, 3, 4, 5, 6, 8, 10, 11]);
    let offsets: Vec<u64> = errors.iter().map(|e| e.1).collect();
    assert_eq!(offsets, [86, 155, 165, 232, 298, 348, 529, 545]);
    assert!(errors[0].2.contains("the line ends inside a JSON value"));
    assert!(errors[1].2.contains("expected a JSON object"));
    assert!(errors[2].2.contains("\"fast\"") && errors[2].2.contains("`latency_ms`"));
    assert!(errors[3].2.contains("`-5`") && errors[3].2.contains("`prompt_tokens`"));
    assert!(errors[4].2.contains("next tuesday"));
    assert!(errors[5].2.contains("trailing characters"));
    assert!(errors[6].2.starts_with("not valid JSON"));
    assert!(errors[7].2.contains("`status_code`"));
    // ok-3 has status 503: kept, and an error.
    assert_eq!(r["errors"], 1);
}

#[test]
fn bad_bytes_are_reported() {
    let r = report_of(&fixture("invalid/bad_bytes.jsonl"), &[]);
    assert_eq!(r["requests"], 2);
    let reasons: Vec<&str> = r["import"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons.len(), 2);
    assert!(reasons[0].contains("not valid UTF-8"));
    assert!(reasons[1].contains("control character"));
    let models: Vec<&str> = r["by_model"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["model"].as_str().unwrap())
        .collect();
    assert_eq!(models, ["café", "ok"]);
}

#[test]
fn bom_and_crlf_are_accepted() {
    let r = report_of(&fixture("invalid/bom_crlf.jsonl"), &[]);
    assert_eq!(r["requests"], 2);
    assert_eq!(r["skipped_lines"], 0);
    assert_eq!(r["latency_ms"]["max"], 2.0);
}

#[test]
fn empty_file_has_no_figures_not_zeros() {
    let r = report_of(&fixture("invalid/empty.jsonl"), &[]);
    assert_eq!(r["requests"], 0);
    assert!(r["error_rate"].is_null());
    assert!(r["latency_ms"]["p50"].is_null());
    assert!(r["cost_usd"].is_null());
    assert!(r["first_ts"].is_null());
}

#[test]
fn only_the_first_100_errors_are_listed() {
    let bytes = "{nope\n".repeat(250);
    let r = report_of(bytes.as_bytes(), &[]);
    assert_eq!(r["skipped_lines"], 250);
    assert_eq!(r["import"]["errors"].as_array().unwrap().len(), 100);
}

#[test]
fn spans_point_at_the_source_lines() {
    let bytes = fixture("invalid/bom_crlf.jsonl");
    let mut ingest = Ingest::new();
    ingest.feed(&bytes);
    let (t, _) = ingest.finish();
    for i in 0..t.len() {
        let (off, len) = (
            t.span_offset.value(i) as usize,
            t.span_len.value(i) as usize,
        );
        let line: serde_json::Value = serde_json::from_slice(&bytes[off..off + len]).unwrap();
        assert!(line["model_name"].is_string());
    }
    assert_eq!(t.span_offset.value(0), 3); // After the BOM.
}

/// Each record's byte span, and the file's span coding, of `bytes` read as a file `name`
/// fed in `chunk`-byte pieces.
fn spans_of(name: &str, bytes: &[u8], chunk: usize) -> (Vec<(u64, u32)>, SpanCoding) {
    let mut ingest = Ingest::new();
    ingest.start_file(name);
    for piece in bytes.chunks(chunk) {
        ingest.feed(piece);
    }
    let (t, report) = ingest.finish();
    let spans = (0..t.len())
        .map(|i| (t.span_offset.value(i), t.span_len.value(i)))
        .collect();
    (spans, report.files[0].span_coding)
}

/// `parts` gzipped one member each, concatenated (as `cat a.gz b.gz` makes them).
fn gzip_members(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for part in parts {
        let mut gz = GzEncoder::new(Vec::new(), Compression::default());
        gz.write_all(part).unwrap();
        out.extend(gz.finish().unwrap());
    }
    out
}

/// Issue 3, drill-down text: a gzip file's records keep their spans, which are offsets
/// in its decompressed stream, so they equal the uncompressed file's, however many
/// members the file has (cut mid-line here) and wherever its chunks end.
#[test]
fn gzip_spans_equal_the_uncompressed_files() {
    for name in [
        "article_small.jsonl",
        "formats/portkey.csv",
        "formats/article.tsv",
        "formats/article_array.json",
    ] {
        let plain = fixture(name);
        let (want, coding) = spans_of(name, &plain, 1 << 20);
        assert_eq!(coding, SpanCoding::Plain, "{name}");
        assert!(want.len() >= 10, "{name}: {} records", want.len());
        assert!(want.iter().all(|&(_, len)| len > 0), "{name}");
        let (a, b) = (plain.len() / 3, plain.len() * 2 / 3 + 5);
        let one = gzip_members(&[&plain]);
        let three = gzip_members(&[&plain[..a], &plain[a..b], &plain[b..]]);
        for (members, gz) in [(1, &one), (3, &three)] {
            for chunk in [7, 1 << 20] {
                let (got, coding) = spans_of(&format!("{name}.gz"), gz, chunk);
                assert_eq!(coding, SpanCoding::Gzip, "{name}: {members} members");
                assert_eq!(got, want, "{name}: {members} members, {chunk}-byte chunks");
            }
        }
    }
}

/// The gzip fixture has two members; each record's span, cut from the file decompressed
/// whole, is the JSON line of that record.
#[test]
fn multi_member_gzip_spans_read_back_each_line() {
    let gz = fixture("formats/article.jsonl.gz");
    // bufread stops at the member's end, so what is left is the second member.
    let mut first = flate2::bufread::GzDecoder::new(&gz[..]);
    std::io::copy(&mut first, &mut std::io::sink()).unwrap();
    let rest = first.into_inner();
    assert!(
        rest.starts_with(b"\x1f\x8b"),
        "a second member follows the first"
    );
    let mut text = Vec::new();
    flate2::read::MultiGzDecoder::new(&gz[..])
        .read_to_end(&mut text)
        .unwrap();
    let (spans, coding) = spans_of("article.jsonl.gz", &gz, 100);
    assert_eq!(coding, SpanCoding::Gzip);
    let lines: Vec<&[u8]> = text
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(spans.len(), lines.len());
    let mut at = 0;
    for (i, (&(off, len), line)) in spans.iter().zip(&lines).enumerate() {
        assert_eq!((off, len as usize), (at, line.len()), "record {i}");
        let record: serde_json::Value =
            serde_json::from_slice(&text[off as usize..off as usize + len as usize]).unwrap();
        assert!(record["request_id"].is_string(), "record {i}");
        at += len as u64 + 1;
    }
    // Past the first member: the second member's records are read back too.
    let first_len = text.len() - {
        let mut second = Vec::new();
        flate2::read::MultiGzDecoder::new(rest)
            .read_to_end(&mut second)
            .unwrap();
        second.len()
    };
    assert!(spans.iter().any(|&(off, _)| off as usize >= first_len));
}

/// gzip inside gzip would need two decompressions to read back: its records have no span.
#[test]
fn gzip_inside_gzip_has_no_spans() {
    let plain = fixture("article_small.jsonl");
    let twice = gzip_members(&[&gzip_members(&[&plain])]);
    let (spans, coding) = spans_of("a.jsonl.gz.gz", &twice, 1 << 20);
    assert_eq!(coding, SpanCoding::None);
    assert_eq!(spans.len(), spans_of("a", &plain, 1 << 20).0.len());
    assert!(spans.iter().all(|&s| s == (0, 0)));
}

/// `bytes` (a file called `name`) read as the page's workers and the CLI's threads read a
/// big file: the first part fed to one import, each later part (starting at a line start
/// in `cuts`) read by an import of its own, turned into bytes a few rows at a time and
/// appended to the first in order; a part the first refuses (it starts inside a CSV record)
/// or that ends inside one is fed to it instead.
fn read_in_parts(
    name: &str,
    bytes: &[u8],
    cuts: &[usize],
) -> (tokenlens::Table, tokenlens::ImportReport) {
    let format = match sniff(bytes, true, name) {
        Sniffed::Known(f) => f,
        _ => panic!("{name}: no format"),
    };
    let mut bounds = vec![0];
    bounds.extend(cuts.iter().copied().filter(|&c| c > 0 && c < bytes.len()));
    bounds.sort_unstable();
    bounds.dedup();
    bounds.push(bytes.len());
    let mut first = Ingest::new();
    first.start_file(name);
    first.feed(&bytes[..bounds[1]]);
    for w in bounds[1..].windows(2) {
        let mut part =
            Ingest::for_part(name, format, bytes, w[0] as u64, Default::default()).unwrap();
        // Parts are fed in pieces, and go over in pieces of rows.
        let mut pieces = Vec::new();
        for piece in bytes[w[0]..w[1]].chunks(97) {
            part.feed(piece);
            if part.rows() >= 5 {
                pieces.push(part.take_rows());
            }
        }
        // A part that ends inside a record (not the file's end) is read again by the first.
        let mut refused = w[1] < bytes.len() && !part.at_record_start();
        pieces.push(part.finish_part());
        for (i, piece) in pieces.into_iter().enumerate() {
            if refused {
                break;
            }
            if let Err(why) = first.append_part(piece) {
                // Refused at its first piece, or not at all.
                assert_eq!(i, 0, "{why}");
                refused = true;
                break;
            }
        }
        if refused {
            first.feed(&bytes[w[0]..w[1]]);
        }
    }
    first.finish()
}

fn read_whole(bytes: &[u8]) -> (tokenlens::Table, tokenlens::ImportReport) {
    read_whole_as("input.jsonl", bytes)
}

fn read_whole_as(name: &str, bytes: &[u8]) -> (tokenlens::Table, tokenlens::ImportReport) {
    let mut ingest = Ingest::new();
    ingest.start_file(name);
    ingest.feed(bytes);
    ingest.finish()
}

/// Line starts of `bytes` (after the first line).
fn line_starts(bytes: &[u8]) -> Vec<usize> {
    (1..bytes.len())
        .filter(|&i| bytes[i - 1] == b'\n')
        .collect()
}

/// The article's records, bad lines and bytes, and other exports' lines, in one file.
fn many_shapes() -> Vec<u8> {
    let mut bytes = mixed_input();
    for name in [
        "invalid/mixed_schemas.jsonl",
        "formats/helicone.jsonl",
        "formats/langsmith_runs.jsonl",
        "formats/otlp_lines.jsonl",
        "formats/openai_batch.jsonl",
    ] {
        bytes.extend(fixture(name));
        if bytes.last() != Some(&b'\n') {
            bytes.push(b'\n');
        }
    }
    bytes
}

#[test]
fn a_file_read_in_two_parts_equals_the_whole_at_every_line_start() {
    let bytes = many_shapes();
    let (table, report) = read_whole(&bytes);
    let whole = table.to_record_batch().unwrap();
    assert!(report.skipped_lines > 0 && report.records > 300);
    for cut in line_starts(&bytes) {
        let (t, r) = read_in_parts("input.jsonl", &bytes, &[cut]);
        assert_eq!(t.to_record_batch().unwrap(), whole, "cut at byte {cut}");
        assert_eq!(r, report, "cut at byte {cut}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn a_file_read_in_many_parts_equals_the_whole(picks in proptest::collection::vec(any::<usize>(), 1..6)) {
        let bytes = many_shapes();
        let starts = line_starts(&bytes);
        let cuts: Vec<usize> = picks.iter().map(|p| starts[p % starts.len()]).collect();
        let (table, report) = read_whole(&bytes);
        let (t, r) = read_in_parts("input.jsonl", &bytes, &cuts);
        prop_assert_eq!(t.to_record_batch().unwrap(), table.to_record_batch().unwrap());
        prop_assert_eq!(r, report);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn a_part_with_changed_bytes_never_panics(flips in proptest::collection::vec((any::<usize>(), 1..=255u8), 1..4)) {
        let bytes = mixed_input();
        let cut = line_starts(&bytes)[150];
        let mut part = Ingest::for_part("input.jsonl", Format::Jsonl, &bytes, cut as u64, Default::default())
            .unwrap();
        part.feed(&bytes[cut..]);
        let mut encoded = part.finish_part();
        for (at, x) in flips {
            let n = encoded.len();
            encoded[at % n] ^= x;
        }
        let mut first = Ingest::new();
        first.start_file("input.jsonl");
        first.feed(&bytes[..cut]);
        // Taken or refused; whichever, the import goes on to a table.
        let _ = first.append_part(encoded);
        let (table, _) = first.finish();
        prop_assert!(table.len() >= 100);
    }
}

#[test]
fn a_damaged_part_is_refused_not_read() {
    let bytes = mixed_input();
    let cut = line_starts(&bytes)[150];
    let mut part = Ingest::for_part(
        "input.jsonl",
        Format::Jsonl,
        &bytes,
        cut as u64,
        Default::default(),
    )
    .unwrap();
    part.feed(&bytes[cut..]);
    let encoded = part.finish_part();
    let encoded = &encoded[..];
    let fresh = || {
        let mut first = Ingest::new();
        first.start_file("input.jsonl");
        first.feed(&bytes[..cut]);
        first
    };
    // Cut short anywhere, or with a byte changed in its row count: an error, never a panic.
    for n in (0..encoded.len()).step_by(encoded.len() / 500 + 1) {
        assert!(
            fresh().append_part(encoded[..n].to_vec()).is_err(),
            "cut to {n} bytes"
        );
    }
    let mut wrong = encoded.to_vec();
    wrong[4] ^= 1;
    assert!(fresh().append_part(wrong).is_err());
    // A part cannot follow bytes that end inside a line.
    let mut mid_line = Ingest::new();
    mid_line.start_file("input.jsonl");
    mid_line.feed(&bytes[..cut - 3]);
    assert!(mid_line.append_part(encoded.to_vec()).is_err());
    assert!(fresh().append_part(encoded.to_vec()).is_ok());
}

#[test]
fn another_exports_lines_after_the_articles_are_read_by_their_profile() {
    // LangSmith's `status` is "success"/"error", which the article's rules refuse as an
    // HTTP status: such a line must go to the mapped path, as it does on its own.
    let article = fixture("article_small.jsonl");
    let langsmith = fixture("formats/langsmith_runs.jsonl");
    let alone = |b: &[u8]| read_whole(b).1;
    let (a, l) = (alone(&article), alone(&langsmith));
    assert_eq!((l.records, l.skipped_lines, l.ignored_records), (10, 0, 4));
    let both = alone(&[article, langsmith].concat());
    assert_eq!(both.records, a.records + l.records);
    assert_eq!(both.skipped_lines, a.skipped_lines + l.skipped_lines);
    assert_eq!(both.ignored_records, a.ignored_records + l.ignored_records);
    assert_eq!(both.files[0].profile, "article+langsmith");
}

/// A CSV file with what makes cutting it hard: a byte-order mark, CRLF line ends, quoted
/// fields holding newlines (so some line starts are inside a record), a doubled quote,
/// ragged and non-UTF-8 rows, and a blank line.
fn tricky_csv() -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBFtimestamp,model_name,latency_ms,status_code,input_prompt,llm_output,prompt_tokens\r\n".to_vec();
    for i in 0..120 {
        let prompt = match i % 4 {
            0 => format!("\"line one\nline two {i}\n\nline four\""),
            1 => format!("\"she said \"\"hi\"\", {i}\""),
            2 => format!("plain {i}"),
            _ => "\"\"".to_string(),
        };
        let row = format!(
            "2026-11-10T00:{:02}:{:02}Z,m{},{}.5,{},{prompt},\"out\r\n{i}\",{}\r\n",
            i / 60,
            i % 60,
            i % 3,
            100 + i * 7,
            if i % 11 == 0 { 500 } else { 200 },
            i * 3
        );
        out.extend(row.as_bytes());
        match i {
            30 => out.extend(b"2026-11-10T01:00:00Z,m1,5\r\n"),
            60 => out.extend(b"\r\n"),
            90 => out.extend(b"2026-11-10T01:00:00Z,m\xff,5,200,p,o,1\r\n"),
            _ => {}
        }
    }
    out
}

#[test]
fn a_csv_read_in_two_parts_equals_the_whole_at_every_line_start() {
    for (name, bytes) in [
        ("tricky.csv", tricky_csv()),
        ("article.csv", fixture("formats/article.csv")),
        ("article.tsv", fixture("formats/article.tsv")),
    ] {
        let (table, report) = read_whole_as(name, &bytes);
        let whole = table.to_record_batch().unwrap();
        assert!(report.records > 10, "{name}");
        let mut refused = 0;
        for cut in line_starts(&bytes) {
            let (t, r) = read_in_parts(name, &bytes, &[cut]);
            assert_eq!(
                t.to_record_batch().unwrap(),
                whole,
                "{name}: cut at byte {cut}"
            );
            assert_eq!(r, report, "{name}: cut at byte {cut}");
            let mut first = Ingest::new();
            first.start_file(name);
            first.feed(&bytes[..cut]);
            let part = Ingest::for_part(name, Format::Csv, &bytes, cut as u64, Default::default());
            let bytes_of_part = part.map(|p| p.finish_part());
            refused += usize::from(bytes_of_part.map_or(true, |b| first.append_part(b).is_err()));
        }
        if name == "tricky.csv" {
            assert_eq!(report.skipped_lines, 2);
            assert!(
                refused > 100,
                "cuts inside quoted fields are refused: {refused}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn a_csv_read_in_many_parts_equals_the_whole(picks in proptest::collection::vec(any::<usize>(), 1..6)) {
        let bytes = tricky_csv();
        let starts = line_starts(&bytes);
        let cuts: Vec<usize> = picks.iter().map(|p| starts[p % starts.len()]).collect();
        let (table, report) = read_whole_as("tricky.csv", &bytes);
        let (t, r) = read_in_parts("tricky.csv", &bytes, &cuts);
        prop_assert_eq!(t.to_record_batch().unwrap(), table.to_record_batch().unwrap());
        prop_assert_eq!(r, report);
    }
}

#[test]
fn csv_cuts_are_picked_at_record_starts() {
    // Most line starts of this file are inside quoted fields; the picked ones never are.
    let bytes = tricky_csv();
    let (mut picked, mut refused_at_first) = (0, 0);
    for pos in (200..bytes.len() - 400).step_by(37) {
        let window = &bytes[pos - 1..(pos + 4096).min(bytes.len())];
        let first = line_starts(window)[0] + pos - 1;
        let cut = tokenlens::ingest::part_start(Format::Csv, &bytes, window).unwrap() + pos - 1;
        let mut a = Ingest::new();
        a.start_file("tricky.csv");
        a.feed(&bytes[..cut]);
        assert!(a.at_record_start(), "cut at {cut} (for {pos})");
        picked += 1;
        let mut b = Ingest::new();
        b.start_file("tricky.csv");
        b.feed(&bytes[..first]);
        refused_at_first += usize::from(!b.at_record_start());
    }
    assert!(
        picked > 100 && refused_at_first > picked / 3,
        "{picked} {refused_at_first}"
    );
}

/// Telling the import the file's size (so its columns get room at once) changes nothing it
/// reads, whether the size is right, too small or far too large, for JSON Lines and CSV.
#[test]
fn expected_size_changes_nothing_read() {
    let opts = GenOptions {
        records: 3_000,
        seed: 11,
        incident: true,
        labels: false,
    };
    let (mut jsonl, mut csv) = (Vec::new(), Vec::new());
    generate(opts, &mut jsonl).unwrap();
    tokenlens::generate::generate_csv(opts, &mut csv).unwrap();
    for (name, bytes) in [("g.jsonl", &jsonl), ("g.csv", &csv)] {
        let read = |expect: Option<u64>| {
            let mut ingest = Ingest::new();
            ingest.start_file(name);
            if let Some(n) = expect {
                ingest.expect_bytes(n);
            }
            for chunk in bytes.chunks(64 << 10) {
                ingest.feed(chunk);
            }
            let (table, report) = ingest.finish();
            assert_eq!(report.records, 3_000);
            (format!("{table:?}"), format!("{report:?}"))
        };
        let plain = read(None);
        let len = bytes.len() as u64;
        for expect in [len, len / 3, len * 50] {
            assert!(
                read(Some(expect)) == plain,
                "{name}, expecting {expect} bytes"
            );
        }
    }
}
