//! Parquet and Arrow IPC (file and stream): the same records as the CSV give the same
//! summary; damaged files are reported, never a panic; chunk boundaries do not matter.
#![cfg(all(feature = "columnar", not(target_arch = "wasm32")))]
// Helpers of integration tests unwrap too: a panic is a failed test.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::ipc::reader::FileReader;
use arrow::ipc::writer::{IpcWriteOptions, StreamWriter};
use arrow::ipc::CompressionType;
use parquet::arrow::ArrowWriter;
use parquet::basic::{BrotliLevel, Compression, GzipLevel, ZstdLevel};
use parquet::file::properties::WriterProperties;
use serde_json::Value;
use tokenlens::{Ingest, SummaryReport};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/formats/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// Ingests `bytes` as file `name`, fed in chunks of `chunk` bytes (0: all at once), and
/// returns the CLI's JSON summary.
fn summary(name: &str, bytes: &[u8], chunk: usize) -> Value {
    let mut ingest = Ingest::new();
    ingest.start_file(name);
    if chunk == 0 {
        ingest.feed(bytes);
    } else {
        for c in bytes.chunks(chunk) {
            ingest.feed(c);
        }
    }
    let (table, import) = ingest.finish();
    serde_json::to_value(SummaryReport::new(&table, import)).unwrap()
}

/// The figures that must not depend on the format the records came in.
fn figures(v: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for key in [
        "requests",
        "errors",
        "input_tokens",
        "output_tokens",
        "cached_input_tokens",
        "reasoning_tokens",
        "cost_usd",
        "first_ts",
        "last_ts",
        "by_model",
        "skipped_lines",
    ] {
        out.insert(key.into(), v[key].clone());
    }
    for key in ["p50", "p95", "max"] {
        out.insert(format!("latency_{key}"), v["latency_ms"][key].clone());
    }
    Value::Object(out)
}

fn csv_figures() -> Value {
    let v = figures(&summary("article.csv", &fixture("article.csv"), 0));
    assert_eq!(v["requests"], 12, "{v}");
    assert_eq!(v["skipped_lines"], 0, "{v}");
    v
}

#[test]
fn columnar_fixtures_equal_the_csv() {
    let csv = csv_figures();
    for (name, format) in [
        ("article.parquet", "parquet"),
        ("article_snappy.parquet", "parquet"),
        ("article.arrow", "arrow"),
        ("article.arrows", "arrows"),
    ] {
        let v = summary(name, &fixture(name), 0);
        assert_eq!(figures(&v), csv, "{name}");
        let file = &v["import"]["files"][0];
        assert_eq!(file["format"], format, "{name}");
        assert_eq!(file["profile"], "article", "{name}");
        // Columnar records cannot be read back by byte span.
        assert_eq!(file["spans"], false, "{name}");
        assert_eq!(file["columns"][0], "timestamp", "{name}");
        assert_eq!(v["import"]["lines"], 12, "{name}");
    }
}

/// `tokenlens summary FILE --json`, parsed.
fn cli_summary(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/formats/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tokenlens"))
        .args(["summary", &path, "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_cli_reads_columnar_files() {
    // Both sides through the CLI's JSON text (serde_json's parse of a float can be one ulp
    // off the engine's value, the same way for both).
    let csv = figures(&cli_summary("article.csv"));
    for name in ["article.parquet", "article.arrow", "article.arrows"] {
        assert_eq!(figures(&cli_summary(name)), csv, "{name}");
    }
}

fn fixture_batches() -> Vec<RecordBatch> {
    let reader = FileReader::try_new(std::io::Cursor::new(fixture("article.arrow")), None).unwrap();
    reader.map(Result::unwrap).collect()
}

#[test]
fn every_parquet_codec_reads() {
    let csv = csv_figures();
    let batches = fixture_batches();
    let schema = batches[0].schema();
    for codec in [
        Compression::UNCOMPRESSED,
        Compression::SNAPPY,
        Compression::GZIP(GzipLevel::default()),
        Compression::LZ4,
        Compression::LZ4_RAW,
        Compression::BROTLI(BrotliLevel::default()),
        Compression::ZSTD(ZstdLevel::default()),
    ] {
        let props = WriterProperties::builder()
            .set_compression(codec)
            // Several row groups and pages, so a reader must go past the first.
            .set_max_row_group_row_count(Some(5))
            .build();
        let mut out = Vec::new();
        let mut w = ArrowWriter::try_new(&mut out, Arc::clone(&schema), Some(props)).unwrap();
        for b in &batches {
            w.write(b).unwrap();
        }
        w.close().unwrap();
        assert_eq!(figures(&summary("x.parquet", &out, 0)), csv, "{codec:?}");
    }
}

#[test]
fn compressed_arrow_streams_read() {
    let csv = csv_figures();
    let batches = fixture_batches();
    for codec in [CompressionType::LZ4_FRAME, CompressionType::ZSTD] {
        let opts = IpcWriteOptions::default()
            .try_with_compression(Some(codec))
            .unwrap();
        let mut out = Vec::new();
        let mut w =
            StreamWriter::try_new_with_options(&mut out, &batches[0].schema(), opts).unwrap();
        for b in &batches {
            w.write(b).unwrap();
        }
        w.finish().unwrap();
        drop(w);
        assert_eq!(figures(&summary("x.arrows", &out, 0)), csv, "{codec:?}");
    }
}

#[test]
fn gzipped_parquet_reads() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&fixture("article.parquet")).unwrap();
    let v = summary("article.parquet.gz", &gz.finish().unwrap(), 1000);
    assert_eq!(figures(&v), csv_figures());
    assert_eq!(v["import"]["files"][0]["format"], "parquet+gzip");
    assert_eq!(v["import"]["files"][0]["spans"], false);
}

#[test]
fn a_parquet_file_cut_short_is_reported() {
    let bytes = fixture("article.parquet");
    for cut in [bytes.len() - 1, bytes.len() / 2, 9] {
        let v = summary("cut.parquet", &bytes[..cut], 0);
        assert_eq!(v["requests"], 0, "cut at {cut}");
        assert_eq!(v["skipped_lines"], 1, "cut at {cut}");
        let e = &v["import"]["errors"][0];
        assert_eq!(e["file"], "cut.parquet");
        assert_eq!(e["line"], 1);
        let reason = e["reason"].as_str().unwrap();
        assert!(
            reason.starts_with("the Parquet file is damaged or cut short (")
                && reason.ends_with("); no row of it is read"),
            "{reason}"
        );
        assert_eq!(v["import"]["files"][0]["format"], "parquet");
    }
}

#[test]
fn an_arrow_stream_cut_short_keeps_its_whole_batches() {
    let bytes = fixture("article.arrows");
    // The fixture holds two batches of 6 rows; cut inside the second one's body.
    let v = summary("cut.arrows", &bytes[..bytes.len() - 100], 0);
    assert_eq!(v["requests"], 6);
    assert_eq!(v["skipped_lines"], 1);
    let e = &v["import"]["errors"][0];
    assert_eq!(e["line"], 7);
    let reason = e["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("the Arrow IPC stream is damaged or cut short (")
            && reason.ends_with("); the rows after row 6 are not read"),
        "{reason}"
    );
    // The IPC file format needs its footer: a cut file gives no rows, and says why.
    let file = fixture("article.arrow");
    let v = summary("cut.arrow", &file[..file.len() - 10], 0);
    assert_eq!(v["requests"], 0);
    let reason = v["import"]["errors"][0]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("the Arrow IPC file is damaged"),
        "{reason}"
    );
}

#[test]
fn chunk_boundaries_do_not_matter() {
    for name in ["article.arrows", "article.arrow", "article.parquet"] {
        let bytes = fixture(name);
        let whole = summary(name, &bytes, 0);
        for chunk in [1, 7, 4096] {
            assert_eq!(
                summary(name, &bytes, chunk),
                whole,
                "{name} in {chunk}-byte chunks"
            );
        }
    }
}
