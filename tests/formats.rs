//! Every format's decoder: the invalid corpus gives exact skips and reasons while the good
//! records are kept, and chunk boundaries never change a result.
#![cfg(not(target_arch = "wasm32"))]
// Helpers of integration tests unwrap too: a panic is a failed test.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use serde_json::Value;
use tokenlens::{Ingest, SummaryReport};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// The CLI's JSON report of `bytes` read as a file called `name`, fed in `chunk`-byte
/// pieces.
fn report(name: &str, bytes: &[u8], chunk: usize) -> Value {
    let mut ingest = Ingest::new();
    ingest.start_file(name);
    for piece in bytes.chunks(chunk.max(1)) {
        ingest.feed(piece);
    }
    let (table, import) = ingest.finish();
    serde_json::to_value(SummaryReport::new(&table, import)).unwrap()
}

fn invalid(name: &str) -> Value {
    report(name, &fixture(&format!("invalid/{name}")), 1 << 16)
}

/// (line, byte offset, reason) of each listed error.
fn errors(r: &Value) -> Vec<(u64, u64, String)> {
    r["import"]["errors"]
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
        .collect()
}

#[test]
fn a_truncated_last_line_costs_only_itself() {
    let r = invalid("truncated.jsonl");
    assert_eq!(r["requests"], 3);
    assert_eq!(
        errors(&r),
        [(
            4,
            267,
            "the line ends inside a JSON value (unclosed string)".to_string()
        )]
    );
}

#[test]
fn nul_bytes_skip_their_lines() {
    let r = invalid("nul_bytes.jsonl");
    assert_eq!(r["requests"], 2);
    let e = errors(&r);
    assert_eq!(
        e.iter().map(|e| (e.0, e.1)).collect::<Vec<_>>(),
        [(2, 89), (3, 159), (5, 319)]
    );
    assert!(e[0].2.starts_with("not valid JSON"), "{}", e[0].2);
    assert!(e[1].2.contains("control character"), "{}", e[1].2);
}

#[test]
fn a_file_mixing_exports_maps_each_record_by_its_own_shape() {
    let r = invalid("mixed_schemas.jsonl");
    assert_eq!(r["requests"], 5);
    assert_eq!(r["skipped_lines"], 0);
    assert_eq!(r["profile"], "article+helicone+langfuse");
    // The Helicone record: delay_ms is its latency, 429 its status.
    assert_eq!(r["errors"], 1);
    assert_eq!(r["error_types"][0]["error_type"], "rate_limit");
    assert_eq!(r["latency_ms"]["max"], 1500.0);
    assert_eq!(r["input_tokens"], 30);
    assert_eq!(r["output_tokens"], 30);
    let models: Vec<(&str, u64)> = r["by_model"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["model"].as_str().unwrap(),
                m["requests"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(models, [("m", 3), ("claude-3-5-sonnet", 1), ("gpt-4o", 1)]);
}

#[test]
fn a_csv_with_a_byte_order_mark_reads_like_one_without() {
    // Excel's "CSV UTF-8" starts with one; it must not hide the first column (the time).
    for name in ["article.csv", "article.tsv", "portkey.csv"] {
        let plain = fixture(&format!("formats/{name}"));
        let bom = [b"\xEF\xBB\xBF".as_slice(), &plain].concat();
        let (a, b) = (report(name, &plain, 5), report(name, &bom, 5));
        assert!(a["first_ts"].is_string(), "{name}");
        for key in [
            "requests",
            "first_ts",
            "last_ts",
            "latency_ms",
            "cost_usd",
            "skipped_lines",
        ] {
            assert_eq!(a[key], b[key], "{name}: {key}");
        }
        assert_eq!(
            a["import"]["files"][0]["columns"],
            b["import"]["files"][0]["columns"]
        );
    }
}

#[test]
fn a_header_only_csv_is_empty_not_an_error() {
    let r = invalid("header_only.csv");
    assert_eq!(r["requests"], 0);
    assert_eq!(r["skipped_lines"], 0);
    assert_eq!(r["format"], "csv");
    assert_eq!(
        r["import"]["files"][0]["columns"],
        serde_json::json!(["timestamp", "model_name", "latency_ms", "status_code"])
    );
}

#[test]
fn wrong_types_in_csv_name_field_and_value() {
    let r = invalid("wrong_types.csv");
    assert_eq!(r["requests"], 2);
    assert_eq!(r["errors"], 1);
    assert_eq!(
        errors(&r),
        [
            (
                3,
                91,
                "field `latency_ms`: expected a non-negative number, found \"fast\"".into()
            ),
            (
                4,
                125,
                "field `prompt_tokens`: expected a non-negative whole number, found \"-3\"".into()
            ),
            (
                5,
                159,
                "field `timestamp`: cannot read \"yesterday\" as a timestamp".into()
            ),
            (
                6,
                181,
                "field `status_code`: expected an HTTP status code (0-999), found \"OK\"".into()
            ),
        ]
    );
}

/// The `key` of each row of the summary's table `list` (`by_model`, `by_application`).
fn labels<'a>(r: &'a Value, list: &str, key: &str) -> Vec<&'a str> {
    let rows = r[list].as_array().unwrap();
    rows.iter().map(|m| m[key].as_str().unwrap()).collect()
}

#[test]
fn non_utf8_and_ragged_csv_rows_are_skipped() {
    let r = invalid("non_utf8.csv");
    assert_eq!(r["requests"], 2);
    assert_eq!(
        errors(&r),
        [(3, 59, "field 2 is not valid UTF-8 text".to_string())]
    );
    // Bytes that are not UTF-8 in a column no rule reads (a prompt) cost nothing: the
    // drill-down reads the text back from the file.
    let csv = b"timestamp,model_name,input_prompt,latency_ms\n\
        2026-11-09T10:00:00Z,m,caf\xe9,100\n\
        2026-11-09T10:01:00Z,m,ok,200\n";
    let r = report("prompt.csv", csv, 7);
    assert_eq!(r["requests"], 2);
    assert_eq!(r["import"]["skipped_lines"], 0);
    assert_eq!(r["latency_ms"]["p50"], 150.0);
    // Characters of more than one byte at fields' edges, plain, quoted, and quoted with
    // doubled quotes (a field written out), each read as it is.
    let csv = "timestamp,model_name,application,latency_ms\n\
        2026-11-09T10:00:00Z,café,日本,100\n\
        2026-11-09T10:01:00Z,\"é\",\"\"\"ü\"\"\",200\n";
    let r = report("multibyte.csv", csv.as_bytes(), 7);
    assert_eq!(r["import"]["skipped_lines"], 0);
    assert_eq!(labels(&r, "by_model", "model"), ["café", "é"]);
    assert_eq!(
        labels(&r, "by_application", "application"),
        ["\"ü\"", "日本"]
    );
    let r = invalid("ragged.csv");
    assert_eq!(r["requests"], 2);
    assert_eq!(
        errors(&r),
        [(3, 59, "the row has 4 fields, the header has 3".to_string())]
    );
    // A quoted field keeps its comma.
    assert_eq!(r["by_model"][1]["model"], "m, with comma");
}

#[test]
fn a_json_document_cut_short_keeps_its_whole_records() {
    let r = invalid("truncated.json");
    assert_eq!(r["requests"], 2);
    assert_eq!(
        errors(&r),
        [(
            4,
            188,
            "the file ends inside a record (the last one is cut off)".to_string()
        )]
    );
}

#[test]
fn an_unknown_format_says_what_was_tried() {
    let r = invalid("not_a_log.bin");
    assert_eq!(r["requests"], 0);
    assert_eq!(r["format"], "");
    let e = errors(&r);
    assert_eq!(e.len(), 1);
    assert!(e[0]
        .2
        .contains("is not a known format (tried JSON Lines, JSON, CSV"));
}

#[test]
fn an_empty_file_has_no_records_and_no_errors() {
    let r = report("empty.csv", b"", 10);
    assert_eq!(
        (r["requests"].as_u64(), r["skipped_lines"].as_u64()),
        (Some(0), Some(0))
    );
}

#[test]
fn a_10_mb_line_is_read() {
    let prompt = "p".repeat(10 << 20);
    let line = format!(
        "{{\"timestamp\":\"2026-11-09T10:00:00Z\",\"input_prompt\":\"{prompt}\",\"latency_ms\":5}}\n{{\"timestamp\":\"2026-11-09T10:00:01Z\",\"latency_ms\":7}}\n"
    );
    let r = report("long.jsonl", line.as_bytes(), 1 << 16);
    assert_eq!(r["requests"], 2);
    assert_eq!(r["latency_ms"]["max"], 7.0);
}

/// Every format fixture: fed in small, odd pieces it gives what it gives whole.
#[test]
fn every_format_ignores_chunk_boundaries() {
    let dir = format!("{}/tests/fixtures/formats", env!("CARGO_MANIFEST_DIR"));
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        // The mapping dialog's sample has unknown columns on purpose.
        if name.ends_with(".py") || name.starts_with("custom_") {
            continue;
        }
        // Without the `columnar` feature Parquet and Arrow files are skipped, marked as needing it.
        let columnar = [".parquet", ".arrow", ".arrows"];
        if !cfg!(feature = "columnar") && columnar.iter().any(|ext| name.ends_with(ext)) {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let whole = report(&name, &bytes, bytes.len());
        assert!(
            whole["requests"].as_u64().unwrap() > 0,
            "{name}: no records"
        );
        assert_eq!(whole["skipped_lines"], 0, "{name}: {:?}", errors(&whole));
        for chunk in [1, 7, 4093] {
            assert_eq!(
                report(&name, &bytes, chunk),
                whole,
                "{name} in {chunk}-byte pieces"
            );
        }
        seen += 1;
    }
    assert!(seen >= if cfg!(feature = "columnar") { 15 } else { 11 });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// CSV with quotes, embedded newlines and CRLF, cut anywhere.
    #[test]
    fn csv_cut_anywhere_reads_the_same(cut_a in 0usize..2000, cut_b in 0usize..2000) {
        let bytes = fixture("formats/langfuse_traces.csv");
        let whole = report("t.csv", &bytes, bytes.len());
        let (a, b) = (cut_a % bytes.len(), cut_b % bytes.len());
        let (a, b) = (a.min(b), a.max(b));
        let mut ingest = Ingest::new();
        ingest.start_file("t.csv");
        ingest.feed(&bytes[..a]);
        ingest.feed(&bytes[a..b]);
        ingest.feed(&bytes[b..]);
        let (table, import) = ingest.finish();
        let cut = serde_json::to_value(SummaryReport::new(&table, import)).unwrap();
        prop_assert_eq!(cut, whole);
    }
}
