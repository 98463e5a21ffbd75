//! Apache Parquet and Arrow IPC (file and stream) as push decoders. Each Arrow record batch
//! is handed to the [`Sink`] row by row through [`Source`]: a row is seen by column name, a
//! struct column is walked into by the path's next names (as is a map by its keys, and a
//! text column holding JSON), and typed values become [`Val`]s.
//!
//! Parquet and the Arrow IPC *file* format keep their schema and block index in a footer at
//! the end, so `feed` only buffers and `finish` decodes. The memory cost: the whole file is
//! held until `finish` returns (briefly up to twice that while the buffer grows), plus one
//! decoded batch at a time (Parquet: [`BATCH_ROWS`] rows, decompressed; IPC file: one
//! record batch, copied out of the buffer). In the browser the file must fit in the wasm
//! memory beside the table. The IPC *stream* is decoded as its bytes arrive (arrow-ipc's
//! [`StreamDecoder`]), holding only the message being read.
//!
//! Records have no byte span: drill-down cannot read them back from the file, so the file is
//! marked without spans and every record's span is (0, 0). The `line` of an error is the
//! 1-based row number in the file.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Cursor;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::buffer::Buffer;
use arrow::datatypes::{
    DataType, Date32Type, Date64Type, Decimal128Type, Decimal32Type, Decimal64Type, Float16Type,
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, Schema, TimeUnit,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow::ipc::reader::{FileReader, StreamDecoder};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::record::{json_path, owned, Source, Val};
use super::sniff::Format;
use super::{time, Sink};

/// Rows per decoded Parquet batch: bounds the memory of one batch.
const BATCH_ROWS: usize = 8192;

/// The decoder's state between chunks.
pub struct ColumnarDecoder {
    input: Input,
    out: Rows,
}

enum Input {
    /// Parquet or an Arrow IPC file: every byte, until `finish`.
    Buffered(Vec<u8>),
    /// An Arrow IPC stream, decoded as it comes.
    Stream(Box<StreamDecoder>),
}

/// What hands the decoded rows to the sink.
struct Rows {
    format: Format,
    /// Column name -> index, from the schema (the first column of a repeated name).
    index: Option<HashMap<String, usize>>,
    /// Rows handed to the sink so far.
    rows: u64,
    /// The data is damaged: the rest of the file is ignored (the reason was reported).
    failed: bool,
}

impl ColumnarDecoder {
    /// A decoder for `format` (Parquet, Arrow IPC file or stream). Marks the file as one
    /// whose records cannot be read back by byte span.
    pub fn new(format: Format, sink: &mut Sink) -> Self {
        sink.spans = false;
        let input = match format {
            Format::ArrowStream => Input::Stream(Box::default()),
            _ => Input::Buffered(Vec::new()),
        };
        ColumnarDecoder {
            input,
            out: Rows {
                format,
                index: None,
                rows: 0,
                failed: false,
            },
        }
    }

    /// Buffers the chunk (Parquet, IPC file) or decodes the stream messages it completes.
    pub fn feed(&mut self, chunk: &[u8], sink: &mut Sink) {
        if self.out.failed {
            return;
        }
        match &mut self.input {
            Input::Buffered(buf) => buf.extend_from_slice(chunk),
            Input::Stream(decoder) => {
                let mut buf = Buffer::from(chunk);
                while !buf.is_empty() {
                    match decoder.decode(&mut buf) {
                        Ok(batch) => {
                            if let Some(schema) = decoder.schema() {
                                self.out.schema(&schema, sink);
                            }
                            if let Some(batch) = batch {
                                self.out.batch(&batch, sink);
                            }
                        }
                        Err(e) => return self.out.fail(sink, &e.to_string()),
                    }
                }
            }
        }
    }

    /// Decodes a buffered file, or checks that the stream ended where it should.
    pub fn finish(&mut self, sink: &mut Sink) {
        if self.out.failed {
            return;
        }
        match &mut self.input {
            Input::Stream(decoder) => {
                if let Err(e) = decoder.finish() {
                    self.out.fail(sink, &e.to_string());
                }
            }
            Input::Buffered(buf) => {
                let bytes = std::mem::take(buf);
                match self.out.format {
                    Format::Parquet => self.out.parquet(bytes, sink),
                    _ => self.out.arrow_file(bytes, sink),
                }
            }
        }
    }
}

impl Rows {
    fn parquet(&mut self, bytes: Vec<u8>, sink: &mut Sink) {
        let builder = match ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(bytes)) {
            Ok(b) => b,
            Err(e) => return self.fail(sink, &e.to_string()),
        };
        self.schema(builder.schema(), sink);
        let reader = match builder.with_batch_size(BATCH_ROWS).build() {
            Ok(r) => r,
            Err(e) => return self.fail(sink, &e.to_string()),
        };
        for batch in reader {
            match batch {
                Ok(batch) => self.batch(&batch, sink),
                Err(e) => return self.fail(sink, &e.to_string()),
            }
        }
    }

    fn arrow_file(&mut self, bytes: Vec<u8>, sink: &mut Sink) {
        let reader = match FileReader::try_new(Cursor::new(bytes), None) {
            Ok(r) => r,
            Err(e) => return self.fail(sink, &e.to_string()),
        };
        self.schema(&reader.schema(), sink);
        for batch in reader {
            match batch {
                Ok(batch) => self.batch(&batch, sink),
                Err(e) => return self.fail(sink, &e.to_string()),
            }
        }
    }

    /// Notes the column names once, before the first record (they pick the profile).
    fn schema(&mut self, schema: &Schema, sink: &mut Sink) {
        if self.index.is_some() {
            return;
        }
        let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        let mut index = HashMap::with_capacity(names.len());
        for (i, n) in names.iter().enumerate() {
            index.entry(n.clone()).or_insert(i);
        }
        sink.columns(&names);
        self.index = Some(index);
    }

    fn batch(&mut self, batch: &RecordBatch, sink: &mut Sink) {
        self.schema(&batch.schema(), sink);
        let Some(index) = &self.index else {
            return;
        };
        for row in 0..batch.num_rows() {
            self.rows += 1;
            sink.report.lines += 1;
            sink.source(&ArrowRow { batch, row, index }, None, self.rows, 0, 0);
        }
    }

    /// Reports why the rest of the file cannot be read, at the first row not read.
    fn fail(&mut self, sink: &mut Sink, why: &str) {
        self.failed = true;
        let what = match self.format {
            Format::Parquet => "Parquet file",
            Format::ArrowFile => "Arrow IPC file",
            _ => "Arrow IPC stream",
        };
        let lost = match self.rows {
            0 => "no row of it is read".to_string(),
            n => format!("the rows after row {n} are not read"),
        };
        sink.skip(
            self.rows + 1,
            0,
            format!("the {what} is damaged or cut short ({why}); {lost}"),
        );
    }
}

/// One row of a record batch, by column name.
pub struct ArrowRow<'a> {
    batch: &'a RecordBatch,
    row: usize,
    index: &'a HashMap<String, usize>,
}

impl Source for ArrowRow<'_> {
    fn get(&self, path: &[String]) -> Val<'_> {
        let Some((first, rest)) = path.split_first() else {
            return Val::Null;
        };
        // `usage.input` as a column of its own, else column `usage` walked into.
        if !rest.is_empty() {
            if let Some(&i) = self.index.get(&path.join(".")) {
                return value(self.batch.column(i).as_ref(), self.row);
            }
        }
        match self.index.get(first) {
            Some(&i) => walk(self.batch.column(i).as_ref(), self.row, rest),
            None => Val::Null,
        }
    }
}

/// The value at `path` inside the value at `row` of `arr`: struct fields by name, map
/// entries by key, text holding JSON by its keys; dictionaries are looked through.
fn walk<'a>(arr: &'a dyn Array, row: usize, path: &[String]) -> Val<'a> {
    let Some((key, rest)) = path.split_first() else {
        return value(arr, row);
    };
    if arr.is_null(row) {
        return Val::Null;
    }
    match arr.data_type() {
        DataType::Struct(_) => match arr.as_struct().column_by_name(key) {
            Some(child) => walk(child.as_ref(), row, rest),
            None => Val::Null,
        },
        DataType::Map(..) => {
            let map = arr.as_map();
            let offsets = map.value_offsets();
            let (from, to) = (offsets[row] as usize, offsets[row + 1] as usize);
            let keys = map.keys().as_ref();
            (from..to)
                .find(|&j| matches!(value(keys, j), Val::Str(k) if k == key.as_str()))
                .map_or(Val::Null, |j| walk(map.values().as_ref(), j, rest))
        }
        DataType::Dictionary(..) => match dictionary(arr, row) {
            Some((values, j)) => walk(values.as_ref(), j, path),
            None => Val::Null,
        },
        _ => match value(arr, row) {
            Val::Str(text) => match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(v) => owned(json_path(&v, path)),
                Err(_) => Val::Null,
            },
            _ => Val::Null,
        },
    }
}

/// The value at `row` of `arr` as a [`Val`]: numbers as numbers, text as text, times as
/// ISO 8601 text in UTC, containers named.
fn value(arr: &dyn Array, row: usize) -> Val<'_> {
    if arr.is_null(row) {
        return Val::Null;
    }
    match arr.data_type() {
        DataType::Null => Val::Null,
        DataType::Boolean => Val::Bool(arr.as_boolean().value(row)),
        DataType::Int8 => Val::Int(arr.as_primitive::<Int8Type>().value(row).into()),
        DataType::Int16 => Val::Int(arr.as_primitive::<Int16Type>().value(row).into()),
        DataType::Int32 => Val::Int(arr.as_primitive::<Int32Type>().value(row).into()),
        DataType::Int64 => Val::Int(arr.as_primitive::<Int64Type>().value(row)),
        DataType::UInt8 => Val::Int(arr.as_primitive::<UInt8Type>().value(row).into()),
        DataType::UInt16 => Val::Int(arr.as_primitive::<UInt16Type>().value(row).into()),
        DataType::UInt32 => Val::Int(arr.as_primitive::<UInt32Type>().value(row).into()),
        DataType::UInt64 => {
            let v = arr.as_primitive::<UInt64Type>().value(row);
            i64::try_from(v).map_or(Val::Float(v as f64), Val::Int)
        }
        DataType::Float16 => Val::Float(arr.as_primitive::<Float16Type>().value(row).to_f64()),
        DataType::Float32 => {
            // Through its shortest decimal form: an f32 written for 812.4 reads as 812.4,
            // as the same number does from text, not as 812.4000244140625.
            let x = arr.as_primitive::<Float32Type>().value(row);
            Val::Float(x.to_string().parse().unwrap_or(f64::from(x)))
        }
        DataType::Float64 => Val::Float(arr.as_primitive::<Float64Type>().value(row)),
        DataType::Decimal32(_, scale) => decimal(
            arr.as_primitive::<Decimal32Type>().value(row).into(),
            *scale,
        ),
        DataType::Decimal64(_, scale) => decimal(
            arr.as_primitive::<Decimal64Type>().value(row) as f64,
            *scale,
        ),
        DataType::Decimal128(_, scale) => decimal(
            arr.as_primitive::<Decimal128Type>().value(row) as f64,
            *scale,
        ),
        DataType::Utf8 => Val::Str(Cow::Borrowed(arr.as_string::<i32>().value(row))),
        DataType::LargeUtf8 => Val::Str(Cow::Borrowed(arr.as_string::<i64>().value(row))),
        DataType::Utf8View => Val::Str(Cow::Borrowed(arr.as_string_view().value(row))),
        DataType::Dictionary(..) => match dictionary(arr, row) {
            Some((values, j)) => value(values.as_ref(), j),
            None => Val::Null,
        },
        DataType::Timestamp(unit, _) => {
            // Arrow stores instants as UTC whatever the zone says; a zoneless timestamp is
            // taken as UTC.
            let us = match unit {
                TimeUnit::Second => arr
                    .as_primitive::<TimestampSecondType>()
                    .value(row)
                    .checked_mul(1_000_000),
                TimeUnit::Millisecond => arr
                    .as_primitive::<TimestampMillisecondType>()
                    .value(row)
                    .checked_mul(1000),
                TimeUnit::Microsecond => {
                    Some(arr.as_primitive::<TimestampMicrosecondType>().value(row))
                }
                TimeUnit::Nanosecond => {
                    let ns = arr.as_primitive::<TimestampNanosecondType>().value(row);
                    // Rounded half away from zero, as DuckDB casts TIMESTAMP_NS to TIMESTAMP.
                    Some(ns / 1000 + (ns % 1000 / 500))
                }
            };
            match us {
                Some(us) => Val::Str(Cow::Owned(time::format_iso_micros(us))),
                None => Val::Other("a timestamp out of range"),
            }
        }
        DataType::Date32 => date(arr.as_primitive::<Date32Type>().value(row).into()),
        DataType::Date64 => date(
            arr.as_primitive::<Date64Type>()
                .value(row)
                .div_euclid(86_400_000),
        ),
        DataType::List(_)
        | DataType::LargeList(_)
        | DataType::ListView(_)
        | DataType::LargeListView(_)
        | DataType::FixedSizeList(..) => Val::Other("a list"),
        DataType::Struct(_) => Val::Other("an object"),
        DataType::Map(..) => Val::Other("a map"),
        DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView
        | DataType::FixedSizeBinary(_) => Val::Other("binary data"),
        DataType::Time32(_) | DataType::Time64(_) => Val::Other("a time of day"),
        DataType::Duration(_) => Val::Other("a duration"),
        DataType::Interval(_) => Val::Other("an interval"),
        _ => Val::Other("a value of an unsupported type"),
    }
}

/// A dictionary-encoded value: the dictionary's values and the index of the row's value.
fn dictionary(arr: &dyn Array, row: usize) -> Option<(&ArrayRef, usize)> {
    let dict = arr.as_any_dictionary_opt()?;
    let key = match value(dict.keys(), row) {
        Val::Int(k) => usize::try_from(k).ok()?,
        _ => return None,
    };
    let values = dict.values();
    (key < values.len()).then_some((values, key))
}

/// A decimal's unscaled integer -> its value (divided by an exact power of ten, so that
/// `3` at scale 3 is the f64 nearest 0.003, as the same number written as text).
fn decimal(unscaled: f64, scale: i8) -> Val<'static> {
    let p = 10f64.powi(i32::from(scale).abs());
    Val::Float(if scale >= 0 {
        unscaled / p
    } else {
        unscaled * p
    })
}

/// Days since 1970-01-01 -> `2026-11-09`.
fn date(days: i64) -> Val<'static> {
    let (y, m, d) = time::civil_from_days(days);
    Val::Str(Cow::Owned(format!("{y:04}-{m:02}-{d:02}")))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{
        DictionaryArray, Float16Array, Float32Array, Int8Array, MapBuilder, StringArray,
        StringBuilder, StructArray, TimestampNanosecondArray, TimestampSecondArray, UInt32Builder,
        UInt64Array,
    };
    use arrow::datatypes::{Field, Int32Type};

    use super::*;

    fn row_of(columns: Vec<(&str, ArrayRef)>) -> (RecordBatch, HashMap<String, usize>) {
        let batch = RecordBatch::try_from_iter(columns).expect("a batch");
        let index = (0..batch.num_columns())
            .map(|i| (batch.schema().field(i).name().clone(), i))
            .collect();
        (batch, index)
    }

    fn p(path: &str) -> Vec<String> {
        path.split('.').map(str::to_string).collect()
    }

    #[test]
    fn typed_values_become_vals() {
        let usage = StructArray::from(vec![(
            Arc::new(Field::new("input", DataType::Int8, true)),
            Arc::new(Int8Array::from(vec![Some(7), None])) as ArrayRef,
        )]);
        let mut meta = MapBuilder::new(None, StringBuilder::new(), UInt32Builder::new());
        meta.keys().append_value("cached");
        meta.values().append_value(3);
        meta.append(true).expect("a map");
        meta.append(false).expect("a map");
        let model: DictionaryArray<Int32Type> = vec!["gpt-4o", "gpt-4o"].into_iter().collect();
        let (batch, index) = row_of(vec![
            (
                "ts",
                Arc::new(
                    TimestampNanosecondArray::from(vec![1_762_696_987_123_456_500, -1_499])
                        .with_timezone("Europe/Paris"),
                ) as ArrayRef,
            ),
            (
                "s",
                Arc::new(TimestampSecondArray::from(vec![0, 86_400])) as ArrayRef,
            ),
            (
                "big",
                Arc::new(UInt64Array::from(vec![u64::MAX, 5])) as ArrayRef,
            ),
            (
                "f32",
                Arc::new(Float32Array::from(vec![812.4, f32::NAN])) as ArrayRef,
            ),
            (
                "half",
                Arc::new(Float16Array::from(vec![half_of(1.5), half_of(-2.0)])) as ArrayRef,
            ),
            ("usage", Arc::new(usage) as ArrayRef),
            ("meta", Arc::new(meta.finish()) as ArrayRef),
            ("model", Arc::new(model) as ArrayRef),
            (
                "json",
                Arc::new(StringArray::from(vec![
                    Some(r#"{"a":{"b":2}}"#),
                    Some("not json"),
                ])) as ArrayRef,
            ),
            (
                "usage.input",
                Arc::new(StringArray::from(vec![None::<&str>, Some("9")])) as ArrayRef,
            ),
        ]);
        let r0 = ArrowRow {
            batch: &batch,
            row: 0,
            index: &index,
        };
        let r1 = ArrowRow {
            batch: &batch,
            row: 1,
            index: &index,
        };
        assert_eq!(
            r0.get(&p("ts")),
            Val::Str("2025-11-09T14:03:07.123457Z".into())
        );
        assert_eq!(
            r1.get(&p("ts")),
            Val::Str("1969-12-31T23:59:59.999999Z".into())
        );
        assert_eq!(
            r1.get(&p("s")),
            Val::Str("1970-01-02T00:00:00.000000Z".into())
        );
        assert_eq!(r0.get(&p("big")), Val::Float(u64::MAX as f64));
        assert_eq!(r1.get(&p("big")), Val::Int(5));
        assert_eq!(r0.get(&p("half")), Val::Float(1.5));
        assert_eq!(r0.get(&p("f32")), Val::Float(812.4));
        assert!(matches!(r1.get(&p("f32")), Val::Float(x) if x.is_nan()));
        // The dotted column wins; when it is null the value is null (not the struct's).
        assert_eq!(r0.get(&p("usage.input")), Val::Null);
        assert_eq!(r1.get(&p("usage.input")), Val::Str("9".into()));
        assert_eq!(r0.get(&p("usage")), Val::Other("an object"));
        assert_eq!(r0.get(&p("meta.cached")), Val::Int(3));
        assert_eq!(r0.get(&p("meta.other")), Val::Null);
        assert_eq!(r1.get(&p("meta.cached")), Val::Null);
        assert_eq!(r0.get(&p("meta")), Val::Other("a map"));
        assert_eq!(r1.get(&p("model")), Val::Str("gpt-4o".into()));
        assert_eq!(r0.get(&p("json.a.b")), Val::Int(2));
        assert_eq!(r1.get(&p("json.a")), Val::Null);
        assert_eq!(r0.get(&p("missing")), Val::Null);
    }

    fn half_of(x: f32) -> <Float16Type as arrow::datatypes::ArrowPrimitiveType>::Native {
        <Float16Type as arrow::datatypes::ArrowPrimitiveType>::Native::from_f32(x)
    }

    #[test]
    fn decimals_and_dates() {
        assert_eq!(decimal(3.0, 3), Val::Float(0.003));
        assert_eq!(decimal(3.0, -2), Val::Float(300.0));
        assert_eq!(date(20_401), Val::Str("2025-11-09".into()));
    }
}
