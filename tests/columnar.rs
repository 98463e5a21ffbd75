//! Parquet and Arrow IPC (file and stream): the same records as the CSV give the same
//! summary; damaged files are reported, never a panic; chunk boundaries do not matter.
#![cfg(all(feature = "columnar", not(target_arch = "wasm32")))]
// Helpers of integration tests unwrap too: a panic is a failed test.
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::ipc::reader::FileReader;
use arrow::ipc::writer::{FileWriter, IpcWriteOptions, StreamWriter};
use arrow::ipc::CompressionType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::{BrotliLevel, Compression, GzipLevel, ZstdLevel};
use parquet::column::page::{Page, PageReader};
use parquet::file::metadata::ParquetMetaDataWriter;
use parquet::file::properties::{WriterProperties, WriterVersion};
use parquet::file::serialized_reader::SerializedPageReader;
use serde_json::Value;
use tokenlens::ingest::sniff::Format;
use tokenlens::ingest::SpanCoding;
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
        // Parquet records are found again by row number, Arrow ones by their batch.
        let coding = if format == "parquet" {
            "parquet"
        } else {
            "arrow"
        };
        assert_eq!(file["span_coding"], coding, "{name}");
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

/// The records of article.jsonl.gz (the same as article.csv's, which the Parquet and Arrow
/// fixtures were made from), read by serde_json.
fn article_records() -> Vec<Value> {
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(&fixture("article.jsonl.gz")[..])
        .read_to_string(&mut text)
        .unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn fixture_batches() -> Vec<RecordBatch> {
    let reader = FileReader::try_new(std::io::Cursor::new(fixture("article.arrow")), None).unwrap();
    reader.map(Result::unwrap).collect()
}

#[test]
fn every_parquet_codec_reads() {
    let csv = csv_figures();
    let batches = fixture_batches();
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
        let out = parquet_of(&batches, props);
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
    assert_eq!(v["import"]["files"][0]["span_coding"], "none");
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

/// Ingests `bytes` as file `name`, in the format given (`None`: detected from the bytes), in
/// two chunks cut at `cut`, as the fuzz targets do (fuzz/common.rs).
fn fuzzed(name: &str, format: Option<Format>, bytes: &[u8], cut: usize) -> Value {
    let mut ingest = Ingest::new();
    match format {
        Some(f) => ingest.start_file_as(name, f),
        None => ingest.start_file(name),
    }
    ingest.feed(&bytes[..cut]);
    ingest.feed(&bytes[cut..]);
    let (table, import) = ingest.finish();
    assert_eq!(import.records as usize, table.len(), "{name}");
    serde_json::to_value(SummaryReport::new(&table, import)).unwrap()
}

/// Inputs on which the fuzz targets found parquet / arrow-ipc 60.1.0 panicking (which
/// aborts a release build): each is now the file's error, with the rows before the damage.
#[test]
fn fuzz_crashes_are_reported_not_panics() {
    for (name, format, requests, line, why) in [
        (
            // A column chunk's compressed size is negative.
            "fuzz-parquet-1.parquet",
            Some(Format::Parquet),
            0,
            1,
            "the Parquet file is damaged or cut short (column prompt_tokens of row group 0 \
             has a negative compressed size (-69)); no row of it is read",
        ),
        (
            // A data page says it is dictionary-encoded in a column chunk without a
            // dictionary (the reader expects one).
            "fuzz-parquet-2.parquet",
            Some(Format::Parquet),
            0,
            1,
            "the Parquet file is damaged or cut short (column latency_ms of row group 0 has a \
             dictionary-encoded page but no dictionary); no row of it is read",
        ),
        (
            // The second record batch places a buffer past its body; the first is kept.
            "fuzz-arrow-1.arrows",
            Some(Format::ArrowStream),
            6,
            7,
            "the Arrow IPC stream is damaged or cut short (buffer 21 of a batch (48 bytes at \
             offset 3026418949592973313) lies outside its message body of 1248 bytes); the \
             rows after row 6 are not read",
        ),
        (
            // The first batch's offsets buffer of a text column is not a whole number of
            // i32 (arrow-data's validation asserts on it).
            "fuzz-arrow-2.arrows",
            Some(Format::ArrowStream),
            0,
            1,
            "the Arrow IPC stream is damaged or cut short (buffer 15 of a batch holds 51 \
             bytes, not a whole number of 4-byte values); no row of it is read",
        ),
        (
            // An IPC file, found by detection: its first batch has a buffer too long.
            "fuzz-sniffed-1.arrow",
            None,
            0,
            1,
            "the Arrow IPC file is damaged or cut short (buffer 15 of a batch (8796093022260 \
             bytes at offset 824) lies outside its message body of 2680 bytes); no row of it \
             is read",
        ),
    ] {
        let bytes = std::fs::read(format!(
            "{}/tests/fixtures/invalid/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let fuzz_cut = usize::from(bytes[0]) % (bytes.len() + 1);
        for cut in [bytes.len(), fuzz_cut, bytes.len() / 2] {
            let v = fuzzed(name, format, &bytes, cut);
            assert_eq!(v["requests"], requests, "{name} cut at {cut}");
            assert_eq!(v["import"]["lines"], requests, "{name} cut at {cut}");
            assert_eq!(v["skipped_lines"], 1, "{name} cut at {cut}");
            let errors = v["import"]["errors"].as_array().unwrap();
            assert_eq!(errors.len(), 1, "{name} cut at {cut}");
            assert_eq!(errors[0]["file"], name);
            assert_eq!(errors[0]["line"], line, "{name} cut at {cut}");
            assert_eq!(errors[0]["reason"], why, "{name} cut at {cut}");
        }
    }
}

/// `batches` written as one Parquet file with `props`.
fn parquet_of(batches: &[RecordBatch], props: WriterProperties) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = ArrowWriter::try_new(&mut out, batches[0].schema(), Some(props)).unwrap();
    for b in batches {
        w.write(b).unwrap();
    }
    w.close().unwrap();
    out
}

/// A Parquet file whose second row group (of three, 5 + 5 + 2 rows) has a column chunk the
/// reader would panic on: the first row group is read, then the damage is reported.
#[test]
fn a_damaged_parquet_row_group_keeps_the_ones_before() {
    let batches = fixture_batches();
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(5))
        .build();
    let good = parquet_of(&batches, props);
    let bytes = bytes::Bytes::from(good.clone());
    let meta = ParquetRecordBatchReaderBuilder::try_new(bytes)
        .unwrap()
        .metadata()
        .as_ref()
        .clone();
    assert_eq!(meta.num_row_groups(), 3);
    let footer_len = u32::from_le_bytes(good[good.len() - 8..good.len() - 4].try_into().unwrap());
    let data_end = good.len() - 8 - footer_len as usize;
    let len = good.len();
    for (size, why) in [
        (
            -1,
            "column timestamp of row group 1 has a negative compressed size (-1)".to_string(),
        ),
        (
            len as i64,
            "column timestamp of row group 1 lies outside the file".to_string(),
        ),
    ] {
        // The same file with the first column chunk of row group 1 given `size` bytes.
        let mut groups = meta.row_groups().to_vec();
        let mut columns = groups[1].columns().to_vec();
        columns[0] = columns[0]
            .clone()
            .into_builder()
            .set_total_compressed_size(size)
            .build()
            .unwrap();
        groups[1] = groups[1]
            .clone()
            .into_builder()
            .set_column_metadata(columns)
            .build()
            .unwrap();
        let damaged_meta = meta.clone().into_builder().set_row_groups(groups).build();
        let mut damaged = good[..data_end].to_vec();
        ParquetMetaDataWriter::new(&mut damaged, &damaged_meta)
            .finish()
            .unwrap();
        for cut in [0, damaged.len() / 2] {
            let v = fuzzed("damaged.parquet", None, &damaged, cut);
            assert_eq!(v["requests"], 5, "{size}");
            assert_eq!(v["skipped_lines"], 1, "{size}");
            let e = &v["import"]["errors"][0];
            assert_eq!(e["line"], 6);
            let reason = e["reason"].as_str().unwrap();
            assert!(
                reason.starts_with(&format!("the Parquet file is damaged or cut short ({why}"))
                    && reason.ends_with("; the rows after row 5 are not read"),
                "{reason}"
            );
        }
    }
}

/// An Arrow IPC stream of one batch of `rows` rows whose only column is null-typed: a few
/// bytes that declare any number of rows.
fn null_rows_stream(rows: usize) -> Vec<u8> {
    use arrow::array::NullArray;
    use arrow::datatypes::{DataType, Field, Schema};
    let schema = Arc::new(Schema::new(vec![Field::new("model", DataType::Null, true)]));
    let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(NullArray::new(rows))]).unwrap();
    let mut out = Vec::new();
    let mut w = StreamWriter::try_new(&mut out, &schema).unwrap();
    w.write(&batch).unwrap();
    w.finish().unwrap();
    drop(w);
    out
}

#[test]
fn rows_without_values_are_skipped_at_once_and_absurd_row_counts_refused() {
    // Five million value-less rows: one listed reason, every row counted, in no time.
    let bytes = null_rows_stream(5_000_000);
    assert!(bytes.len() < 1_000, "{} bytes", bytes.len());
    let s = summary("nulls.arrows", &bytes, 0);
    assert_eq!(s["requests"], 0);
    assert_eq!(s["skipped_lines"], 5_000_000);
    let errors = s["import"]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0]["reason"],
        "rows 1 to 5000000 have no value in any column"
    );
    // More rows than tokenlens holds: refused before any is read.
    let s = summary("huge.arrows", &null_rows_stream(150_000_000), 0);
    assert_eq!(s["requests"], 0);
    assert_eq!(
        s["import"]["errors"][0]["reason"],
        "the Arrow IPC stream is damaged or cut short (it claims more than 100000000 rows, \
         more than tokenlens holds); no row of it is read"
    );
}

/// Found by fuzzing after the checks above: a page's definition levels end inside a
/// bit-packed run, which parquet 60.1's decoder of a nullable column's levels copies
/// unchecked (a panic inside arrow-buffer's `bit_util`, "slice must not be empty").
#[test]
fn damaged_definition_levels_are_reported_not_a_panic() {
    let bytes = std::fs::read(format!(
        "{}/tests/fixtures/invalid/fuzz-parquet-3.parquet",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut ingest = Ingest::new();
    ingest.start_file_as("fuzz-parquet-3.parquet", Format::Parquet);
    ingest.feed(&bytes);
    let (table, report) = ingest.finish();
    assert_eq!(report.records as usize, table.len());
    assert!(report.skipped_lines > 0);
    let v = fuzzed("fuzz-parquet-3.parquet", Some(Format::Parquet), &bytes, 0);
    assert_eq!(v["requests"], 0);
    assert_eq!(v["skipped_lines"], 1);
    assert_eq!(
        v["import"]["errors"][0]["reason"],
        "the Parquet file is damaged or cut short (column user_id of row group 0 has a page \
         whose definition levels are cut short (a bit-packed run of 3 of them starts at byte 3 \
         of their 3)); no row of it is read"
    );
}

/// The article rows written in row groups of 5 rows (5 + 5 + 2), uncompressed, with data
/// pages of `version`; then, in row group 1, the definition levels of the nullable column
/// `latency_ms` replaced by the header of a bit-packed run of 8 levels, padded to their
/// length (a varint may have redundant bytes): the run's bits lie past their end.
fn parquet_with_damaged_levels(version: WriterVersion) -> Vec<u8> {
    let batches = fixture_batches();
    let props = WriterProperties::builder()
        .set_compression(Compression::UNCOMPRESSED)
        .set_writer_version(version)
        .set_max_row_group_row_count(Some(5))
        .build();
    let mut out = parquet_of(&batches, props);
    let bytes = bytes::Bytes::from(out.clone());
    let meta = ParquetRecordBatchReaderBuilder::try_new(bytes.clone())
        .unwrap()
        .metadata()
        .clone();
    let rg = meta.row_group(1);
    let col = rg
        .columns()
        .iter()
        .find(|c| c.column_path().string() == "latency_ms")
        .unwrap();
    assert_eq!(col.column_descr().max_def_level(), 1);
    // The chunk's last page is its data page; uncompressed, it is the chunk's last bytes.
    let mut pages =
        SerializedPageReader::new(Arc::new(bytes), col, rg.num_rows() as usize, None).unwrap();
    let mut last = None;
    while let Some(page) = pages.get_next_page().unwrap() {
        last = Some(page);
    }
    let page = last.unwrap();
    let start = col
        .dictionary_page_offset()
        .unwrap_or(col.data_page_offset()) as usize;
    let end = start + col.compressed_size() as usize;
    let body = end - page.buffer().len();
    assert_eq!(&out[body..end], page.buffer().as_ref());
    let (levels, len) = match page {
        Page::DataPage { buf, .. } => (
            body + 4,
            u32::from_le_bytes(buf[..4].try_into().unwrap()) as usize,
        ),
        Page::DataPageV2 {
            def_levels_byte_len,
            rep_levels_byte_len,
            ..
        } => (
            body + rep_levels_byte_len as usize,
            def_levels_byte_len as usize,
        ),
        Page::DictionaryPage { .. } => panic!("no data page"),
    };
    assert!((1..=10).contains(&len), "{len} bytes of levels");
    // Header 3 (bit-packed, one group), as a varint of `len` bytes.
    let mut run = vec![0x80; len];
    run[0] |= 0x03;
    run[len - 1] &= 0x7f;
    out[levels..levels + len].copy_from_slice(&run);
    out
}

#[test]
fn levels_past_their_end_keep_the_row_groups_before() {
    for version in [WriterVersion::PARQUET_1_0, WriterVersion::PARQUET_2_0] {
        let bytes = parquet_with_damaged_levels(version);
        for cut in [0, bytes.len() / 2] {
            let v = fuzzed("levels.parquet", None, &bytes, cut);
            assert_eq!(v["requests"], 5, "{version:?}");
            assert_eq!(v["skipped_lines"], 1, "{version:?}");
            let e = &v["import"]["errors"][0];
            assert_eq!(e["line"], 6, "{version:?}");
            let reason = e["reason"].as_str().unwrap();
            assert!(
                reason.starts_with(
                    "the Parquet file is damaged or cut short (column latency_ms of row group 1 \
                     has a page whose definition levels are cut short (a bit-packed run of 5 of \
                     them starts at byte "
                ) && reason.ends_with("; the rows after row 5 are not read"),
                "{version:?}: {reason}"
            );
        }
    }
}

/// Found by fuzzing the level checks: column user_id's first page cannot be decompressed
/// (the reader's error, where it stops), and the page header of a later column
/// (status_code) makes parquet 60.1 skip a thrift list of billions of items past the end
/// of the column chunk, each without an error (minutes). The checks before the reader
/// stop where the reader stops, so they never read that header.
#[test]
fn the_checks_stop_where_the_reader_stops() {
    let bytes = std::fs::read(format!(
        "{}/tests/fixtures/invalid/fuzz-parquet-4.parquet",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let started = std::time::Instant::now();
    let v = fuzzed("fuzz-parquet-4.parquet", None, &bytes, bytes.len());
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    assert_eq!(v["requests"], 0);
    assert_eq!(v["skipped_lines"], 1);
    assert_eq!(
        v["import"]["errors"][0]["reason"],
        "the Parquet file is damaged or cut short (Parquet argument error: External: Src size \
         is incorrect); no row of it is read"
    );
}

/// Issue 3, drill-down text: a Parquet file's records keep their row numbers, and each row
/// is read back from the footer and its row group's bytes alone, with the same text as
/// the CSV the file was made from; here in row groups of 5 rows, so most rows are not in
/// the first group.
#[test]
fn parquet_rows_read_back_from_their_row_group() {
    use tokenlens::ingest::columnar::{
        parquet_footer_len, parquet_locate, parquet_record, PARQUET_TAIL,
    };
    let batches: Vec<RecordBatch> =
        ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(fixture("article.parquet")))
            .unwrap()
            .build()
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(5))
        .build();
    let file = parquet_of(&batches, props);

    let mut ingest = Ingest::new();
    ingest.start_file("groups.parquet");
    ingest.feed(&file);
    let (table, report) = ingest.finish();
    assert_eq!(report.files[0].span_coding, SpanCoding::Parquet);
    let rows: Vec<(u64, u32)> = (0..table.len())
        .map(|i| (table.span_offset.value(i), table.span_len.value(i)))
        .collect();
    assert_eq!(rows, (0..12).map(|r| (r, 1)).collect::<Vec<_>>());

    let len = file.len() as u64;
    let tail = &file[file.len() - PARQUET_TAIL as usize..];
    let footer_len = parquet_footer_len(tail).unwrap();
    let footer = &file[(len - footer_len) as usize..];
    let want = article_records();
    assert_eq!(want.len(), 12);
    let mut groups = Vec::new();
    for (row, want) in want.iter().enumerate() {
        let at = parquet_locate(footer, len, row as u64).unwrap();
        assert_eq!(at.row_group, row / 5, "row {row}");
        assert_eq!(at.row_in_group, (row % 5) as u64, "row {row}");
        groups.push((at.start, at.end));
        let group = file[at.start as usize..at.end as usize].to_vec();
        let text = parquet_record(footer, len, &at, group).unwrap();
        // Every column, in the file's order.
        let at_key = |k: &str| text.find(&format!("\"{k}\":")).unwrap();
        let keys = ["timestamp", "request_id", "user_id", "estimated_cost_usd"];
        assert!(
            keys.windows(2).all(|w| at_key(w[0]) < at_key(w[1])),
            "{text}"
        );
        let got: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(got.as_object().unwrap().len(), 14, "row {row}");
        // The Parquet file has nulls where the CSV has empty fields.
        let text_of = |v: &Value| v.as_str().unwrap_or("").to_string();
        for key in ["request_id", "input_prompt", "llm_output", "error_message"] {
            assert_eq!(text_of(&got[key]), text_of(&want[key]), "row {row}: {key}");
        }
        assert_eq!(got["status_code"], want["status_code"], "row {row}");
    }
    groups.dedup();
    assert_eq!(groups.len(), 3, "three row groups: {groups:?}");
    assert!(groups.iter().all(|&(s, e)| e - s < len / 2), "{groups:?}");

    // Past the last row, bytes of the wrong length and damaged bytes are errors.
    assert_eq!(
        parquet_locate(footer, len, 12).unwrap_err(),
        "the file has 12 rows, not row 13"
    );
    let at = parquet_locate(footer, len, 7).unwrap();
    let n = (at.end - at.start) as usize;
    assert!(parquet_record(footer, len, &at, vec![0; n - 1]).is_err());
    assert!(parquet_record(footer, len, &at, vec![0; n]).is_err());
    assert!(parquet_footer_len(b"12345678").is_err());
}

/// Every record of an Arrow IPC file and stream (several batches, plain and compressed)
/// reads back from its batch's message alone, with the text of the JSON records the
/// fixtures were made from; dictionary-encoded files have no spans.
#[test]
fn arrow_rows_read_back_from_their_batch() {
    use tokenlens::ingest::columnar::{
        arrow_footer_len, arrow_message_len, arrow_record, ARROW_TAIL,
    };
    let want = article_records();
    // Batches of 5, 5 and 2 rows.
    let whole =
        arrow::compute::concat_batches(&fixture_batches()[0].schema(), &fixture_batches()).unwrap();
    let batches: Vec<RecordBatch> = [0, 5, 10]
        .iter()
        .map(|&at| whole.slice(at, (whole.num_rows() - at).min(5)))
        .collect();
    for codec in [
        None,
        Some(CompressionType::LZ4_FRAME),
        Some(CompressionType::ZSTD),
    ] {
        let opts = IpcWriteOptions::default()
            .try_with_compression(codec)
            .unwrap();
        let schema = batches[0].schema();
        let mut file = Vec::new();
        let mut w = FileWriter::try_new_with_options(&mut file, &schema, opts.clone()).unwrap();
        batches.iter().for_each(|b| w.write(b).unwrap());
        w.finish().unwrap();
        drop(w);
        let mut stream = Vec::new();
        let mut w = StreamWriter::try_new_with_options(&mut stream, &schema, opts).unwrap();
        batches.iter().for_each(|b| w.write(b).unwrap());
        w.finish().unwrap();
        drop(w);
        for (name, bytes, is_file) in [("x.arrow", &file, true), ("x.arrows", &stream, false)] {
            let mut ingest = Ingest::new();
            ingest.start_file(name);
            for piece in bytes.chunks(13) {
                ingest.feed(piece);
            }
            let (table, report) = ingest.finish();
            assert_eq!(report.files[0].span_coding, SpanCoding::Arrow, "{name}");
            assert_eq!(table.len(), 12);
            let schema_from: Vec<u8> = if is_file {
                let tail = &bytes[bytes.len() - ARROW_TAIL as usize..];
                let n = arrow_footer_len(tail).unwrap() as usize;
                bytes[bytes.len() - n..].to_vec()
            } else {
                let n = arrow_message_len(bytes).unwrap().unwrap() as usize;
                bytes[..n].to_vec()
            };
            let mut offsets = Vec::new();
            for (row, want) in want.iter().enumerate() {
                let (offset, in_batch) = (table.span_offset.value(row), table.span_len.value(row));
                assert_eq!(in_batch as usize, row % 5, "{name} {codec:?}: row {row}");
                offsets.push(offset);
                let at = &bytes[offset as usize..];
                // The first bytes tell the message's length.
                assert_eq!(arrow_message_len(&at[..7]).unwrap(), None);
                let n = arrow_message_len(at).unwrap().unwrap() as usize;
                let text =
                    arrow_record(&schema_from, is_file, &at[..n], u64::from(in_batch)).unwrap();
                let got: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(got.as_object().unwrap().len(), 14, "{name}: row {row}");
                let text_of = |v: &Value| v.as_str().unwrap_or("").to_string();
                for key in ["request_id", "input_prompt", "llm_output", "error_message"] {
                    assert_eq!(
                        text_of(&got[key]),
                        text_of(&want[key]),
                        "{name}: row {row}: {key}"
                    );
                }
                assert_eq!(got["status_code"], want["status_code"], "{name}: row {row}");
                // A cut message, or a row past the batch, is an error.
                assert!(arrow_record(&schema_from, is_file, &at[..n - 1], 0).is_err());
                assert!(arrow_record(&schema_from, is_file, &at[..n], 5).is_err());
            }
            offsets.dedup();
            assert_eq!(offsets.len(), 3, "{name}: three batches");
        }
    }

    // Dictionary-encoded columns: no spans.
    let dict: arrow::array::DictionaryArray<arrow::datatypes::Int32Type> = whole
        .column_by_name("model_name")
        .unwrap()
        .as_any()
        .downcast_ref::<arrow::array::StringArray>()
        .unwrap()
        .iter()
        .collect();
    let mut cols: Vec<(String, arrow::array::ArrayRef)> = whole
        .schema()
        .fields()
        .iter()
        .zip(whole.columns())
        .map(|(f, c)| (f.name().clone(), c.clone()))
        .collect();
    cols.iter_mut().find(|(n, _)| n == "model_name").unwrap().1 = std::sync::Arc::new(dict);
    let with_dict = RecordBatch::try_from_iter(cols).unwrap();
    let mut file = Vec::new();
    let mut w = FileWriter::try_new(&mut file, &with_dict.schema()).unwrap();
    w.write(&with_dict).unwrap();
    w.finish().unwrap();
    drop(w);
    let v = summary("dict.arrow", &file, 0);
    assert_eq!(v["import"]["files"][0]["span_coding"], "none");
    assert_eq!(v["requests"], 12);
}
