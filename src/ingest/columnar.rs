//! Apache Parquet and Arrow IPC (file and stream) as push decoders. Each Arrow record batch
//! is handed to the [`Sink`] row by row through [`Source`]: a row is seen by column name, a
//! struct column is walked into by the path's next names (as is a map by its keys, and a
//! text column holding JSON), and typed values become [`Val`]s.
//!
//! Parquet and the Arrow IPC *file* format keep their schema and block index in a footer at
//! the end, so `feed` only buffers and `finish` decodes. The memory cost: the whole file is
//! held until `finish` returns (briefly up to twice that while the buffer grows), plus one
//! decoded batch at a time (Parquet: [`BATCH_ROWS`] rows, decompressed; IPC file: one
//! record batch, read in place from the buffer). In the browser the file must fit in the
//! wasm memory beside the table. The IPC *stream* is decoded as its bytes arrive (arrow-ipc's
//! [`StreamDecoder`]), holding only the message being read.
//!
//! Damaged files: parquet and arrow-ipc 60.1.0 assert (panic) on some invalid metadata
//! instead of returning an error, and release builds abort on a panic (wasm32 cannot
//! unwind). So what they would assert on is checked here first: the column chunks' byte
//! ranges and row counts of each Parquet row group ([`check_row_group`]), the levels at
//! the start of each of its data pages ([`check_page_levels`]), and every IPC
//! message's buffers against its body ([`check_message`]), for which the stream is split
//! into messages here ([`IpcStream`]) and the file's blocks are read here (`arrow_file`).
//!
//! Records have no byte span. A Parquet file's records are found again by their row
//! number (span coding `parquet`): [`parquet_locate`] tells from the file's footer which
//! bytes hold that row's row group, and [`parquet_record`] decodes the row from the footer
//! and those bytes alone, so drill-down reads one row group, not the file. An Arrow IPC
//! record's span is (its batch's message offset, its row in the batch) (span coding
//! `arrow`): [`arrow_record`] decodes it from that message and the schema alone. Records of
//! compressed files, and of Arrow files with dictionary-encoded columns (whose dictionaries
//! are other messages), have none (span coding `none`, span (0, 0)). The `line` of an error
//! is the 1-based row number in the file.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::buffer::Buffer;
use arrow::datatypes::{
    DataType, Date32Type, Date64Type, Decimal128Type, Decimal32Type, Decimal64Type, Float16Type,
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, Schema, TimeUnit,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow::ipc::convert::try_fb_to_schema;
use arrow::ipc::reader::{read_footer_length, FileDecoder, StreamDecoder};
use arrow::ipc::{root_as_footer, root_as_message, Block, Message, MessageHeader};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Encoding, PageType};
use parquet::column::page::Page;
use parquet::file::metadata::RowGroupMetaData;
use parquet::file::reader::ChunkReader;
use parquet::file::serialized_reader::SerializedPageReader;

use super::record::{json_path, owned, Source, Val};
use super::sniff::Format;
use super::{time, Sink, SpanCoding};

/// Rows per decoded Parquet batch: bounds the memory of one batch.
const BATCH_ROWS: usize = 8192;

/// At most this many rows of one file are read. A damaged or hostile file can claim
/// billions of rows in a few bytes (null-typed or run-end-encoded columns), and every row
/// costs a pass through the mapper; this many, at the ~130 bytes a row the table takes,
/// is already more than a browser tab holds.
const MAX_FILE_ROWS: u64 = 100_000_000;

/// The decoder's state between chunks.
pub struct ColumnarDecoder {
    input: Input,
    out: Rows,
}

enum Input {
    /// Parquet or an Arrow IPC file: every byte, until `finish`.
    Buffered(Vec<u8>),
    /// An Arrow IPC stream, decoded as it comes.
    Stream(Box<IpcStream>),
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
    /// A decoder for `format` (Parquet, Arrow IPC file or stream). Marks the file's span
    /// coding: row numbers for a Parquet file as stored, else none.
    pub fn new(format: Format, sink: &mut Sink) -> Self {
        sink.span_coding = match (format, sink.span_coding) {
            (Format::Parquet, SpanCoding::Plain) => SpanCoding::Parquet,
            (Format::ArrowFile | Format::ArrowStream, SpanCoding::Plain) => SpanCoding::Arrow,
            _ => SpanCoding::None,
        };
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
            Input::Stream(stream) => {
                stream.pending.extend_from_slice(chunk);
                loop {
                    let offset = stream.dropped + stream.start as u64;
                    let message = match stream.next_message() {
                        Ok(Some(m)) => m,
                        Ok(None) => break,
                        Err(why) => return self.out.fail(sink, &why),
                    };
                    let mut buf = Buffer::from_vec(message);
                    while !buf.is_empty() {
                        match stream.decoder.decode(&mut buf) {
                            Ok(batch) => {
                                if let Some(schema) = stream.decoder.schema() {
                                    self.out.schema(&schema, sink);
                                }
                                if let Some(batch) = batch {
                                    self.out.batch(&batch, sink, offset);
                                }
                            }
                            Err(e) => return self.out.fail(sink, &e.to_string()),
                        }
                    }
                }
                stream.compact();
            }
        }
    }

    /// Decodes a buffered file, or checks that the stream ended where it should.
    pub fn finish(&mut self, sink: &mut Sink) {
        if self.out.failed {
            return;
        }
        match &mut self.input {
            Input::Stream(stream) => {
                if stream.start < stream.pending.len() {
                    self.out.fail(sink, "it ends inside a message");
                } else if let Err(e) = stream.decoder.finish() {
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
        let file_len = bytes.len() as u64;
        let bytes = bytes::Bytes::from(bytes);
        let builder = match ParquetRecordBatchReaderBuilder::try_new(bytes.clone()) {
            Ok(b) => b,
            Err(e) => return self.fail(sink, &e.to_string()),
        };
        self.schema(builder.schema(), sink);
        // The row groups before the first damaged one are read; then the damage is reported.
        let mut rows = 0i64;
        let damaged = builder
            .metadata()
            .row_groups()
            .iter()
            .enumerate()
            .find_map(|(i, rg)| {
                check_row_group(i, rg, file_len, &mut rows)
                    .and_then(|()| check_pages(i, rg, &Arc::new(bytes.clone())))
                    .err()
                    .map(|why| (i, why))
            });
        let builder = match &damaged {
            Some((i, _)) => builder.with_row_groups((0..*i).collect()),
            None => builder,
        };
        let reader = match builder.with_batch_size(BATCH_ROWS).build() {
            Ok(r) => r,
            Err(e) => return self.fail(sink, &e.to_string()),
        };
        for batch in reader {
            match batch {
                Ok(batch) => self.batch(&batch, sink, 0),
                Err(e) => return self.fail(sink, &e.to_string()),
            }
            if self.failed {
                return;
            }
        }
        if let Some((_, why)) = damaged {
            self.fail(sink, &why);
        }
    }

    /// Reads the footer and the blocks it lists with arrow-ipc's [`FileDecoder`], each block
    /// checked first ([`block_bytes`]); its `FileReader` would unwrap a negative block length.
    fn arrow_file(&mut self, bytes: Vec<u8>, sink: &mut Sink) {
        let data = Buffer::from_vec(bytes);
        let (schema, decoder, blocks) = match open_ipc_file(&data) {
            Ok(opened) => opened,
            Err(why) => return self.fail(sink, &why),
        };
        self.schema(&schema, sink);
        for block in &blocks {
            let batch = block_bytes(&data, block, &schema).and_then(|buf| {
                decoder
                    .read_record_batch(block, &buf)
                    .map_err(|e| e.to_string())
            });
            match batch {
                Ok(Some(batch)) => self.batch(&batch, sink, block.offset() as u64),
                Ok(None) => {}
                Err(why) => return self.fail(sink, &why),
            }
            if self.failed {
                return;
            }
        }
    }

    /// Notes the column names once, before the first record (they pick the profile).
    /// Dictionary-encoded columns leave an Arrow file without spans: a batch could not be
    /// decoded from its message alone.
    fn schema(&mut self, schema: &Schema, sink: &mut Sink) {
        if self.index.is_some() {
            return;
        }
        if sink.span_coding == SpanCoding::Arrow
            && schema
                .fields()
                .iter()
                .any(|f| has_dictionary(f.data_type()))
        {
            sink.span_coding = SpanCoding::None;
        }
        let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        let mut index = HashMap::with_capacity(names.len());
        for (i, n) in names.iter().enumerate() {
            index.entry(n.clone()).or_insert(i);
        }
        sink.columns(&names);
        self.index = Some(index);
    }

    /// Reads one record batch; `offset`: the byte offset of its message (Arrow IPC).
    fn batch(&mut self, batch: &RecordBatch, sink: &mut Sink, offset: u64) {
        if self.failed {
            return;
        }
        self.schema(&batch.schema(), sink);
        let Some(index) = &self.index else {
            return;
        };
        let n = batch.num_rows() as u64;
        if self.rows + n > MAX_FILE_ROWS {
            self.fail(
                sink,
                &format!("it claims more than {MAX_FILE_ROWS} rows, more than tokenlens holds"),
            );
            return;
        }
        // Rows with no value in any column are all skipped for the same reason: at once,
        // not one by one (a few bytes can declare millions of such rows).
        if n > 0
            && batch
                .columns()
                .iter()
                .all(|c| c.logical_null_count() == c.len())
        {
            let first = self.rows + 1;
            self.rows += n;
            sink.report.lines += n;
            sink.skip_many(
                first,
                n,
                format!("rows {first} to {} have no value in any column", self.rows),
            );
            return;
        }
        for row in 0..batch.num_rows() {
            self.rows += 1;
            sink.report.lines += 1;
            // Parquet's span is made from the row number (`self.rows`) by the sink.
            let len = u32::try_from(row).unwrap_or(u32::MAX);
            sink.source(
                &ArrowRow { batch, row, index },
                None,
                self.rows,
                offset,
                len,
            );
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

/// Why the column chunks of row group `i` cannot be read, if they cannot. The parquet
/// reader asserts that a chunk's start (its dictionary page, else its first data page) and
/// its compressed size are not negative, and adds up the row groups' row counts unchecked.
/// `rows` carries the row count of the row groups before this one.
fn check_row_group(
    i: usize,
    rg: &RowGroupMetaData,
    file_len: u64,
    rows: &mut i64,
) -> Result<(), String> {
    *rows = u64::try_from(rg.num_rows())
        .ok()
        .and_then(|n| rows.checked_add_unsigned(n))
        .filter(|&total| usize::try_from(total).is_ok())
        .ok_or_else(|| format!("row group {i} has an invalid row count ({})", rg.num_rows()))?;
    for col in rg.columns() {
        let name = col.column_path().string();
        let start = col
            .dictionary_page_offset()
            .unwrap_or_else(|| col.data_page_offset());
        for (what, v) in [
            ("data page offset", col.data_page_offset()),
            ("dictionary page offset", start),
            ("compressed size", col.compressed_size()),
        ] {
            if v < 0 {
                return Err(format!(
                    "column {name} of row group {i} has a negative {what} ({v})"
                ));
            }
        }
        let len = col.compressed_size();
        if start
            .checked_add(len)
            .is_none_or(|end| end as u64 > file_len)
        {
            return Err(format!(
                "column {name} of row group {i} lies outside the file \
                 ({len} bytes from byte {start}, in a file of {file_len} bytes)"
            ));
        }
    }
    Ok(())
}

/// Why the pages of row group `i` cannot be read, if the reader would panic on them. It
/// expects (unchecked) a dictionary page before any dictionary-encoded data page, and it
/// trusts the lengths of a page's levels ([`check_page_levels`]). The pages are read as
/// the reader reads them (each is decompressed here, a second time for the reader). An
/// error the reader reports itself is left to it, which reads up to it. It reads the
/// columns side by side, batch by batch: the later columns are still looked at, as their
/// first pages may come before that error, unless it is in the column's first data page
/// (or before it): the reader then stops before them, and so does the look here (it
/// could only cost time: parquet 60.1 can spend minutes on a damaged page header, whose
/// thrift skips a long list past the end of the column chunk without an error).
fn check_pages<R: ChunkReader + 'static>(
    i: usize,
    rg: &RowGroupMetaData,
    reader: &Arc<R>,
) -> Result<(), String> {
    let rows = usize::try_from(rg.num_rows()).unwrap_or(0);
    for col in rg.columns() {
        let Ok(pages) = SerializedPageReader::new(Arc::clone(reader), col, rows, None) else {
            return Ok(());
        };
        let name = col.column_path().string();
        let descr = col.column_descr();
        let mut dictionary = false;
        let (mut data_pages, mut failed) = (0, false);
        for page in pages {
            let Ok(page) = page else {
                failed = true;
                break;
            };
            if page.page_type() == PageType::DICTIONARY_PAGE {
                dictionary = true;
                continue;
            }
            if !dictionary
                && matches!(
                    page.encoding(),
                    Encoding::PLAIN_DICTIONARY | Encoding::RLE_DICTIONARY
                )
            {
                return Err(format!(
                    "column {name} of row group {i} has a dictionary-encoded page but no dictionary"
                ));
            }
            match check_page_levels(&page, descr.max_rep_level(), descr.max_def_level()) {
                Ok(true) => data_pages += 1,
                Ok(false) => {
                    failed = true;
                    break;
                }
                Err(why) => return Err(format!("column {name} of row group {i} has a page {why}")),
            }
        }
        if failed && data_pages == 0 {
            return Ok(());
        }
    }
    Ok(())
}

/// Checks the repetition and definition levels at the start of a data page where the
/// reader slices and decodes them without bounds checks (parquet 60.1.0, `column::reader`
/// and `arrow::record_reader::definition_levels`):
/// - a v1 page's BIT_PACKED levels are sliced at the length the value count gives;
/// - a v2 page's levels are sliced at the lengths its header gives;
/// - the levels of a nullable column that is not nested (the common case) are decoded
///   straight into a bitmap, copying each bit-packed run's bits from the page without
///   looking where the level data ends (arrow-buffer then asserts, "slice must not be
///   empty" or "slice is too small", or indexes out of bounds). See [`check_levels`].
///
/// `Ok(false)`: the reader reports an error at this page itself (it stops there).
fn check_page_levels(page: &Page, max_rep: i16, max_def: i16) -> Result<bool, String> {
    let levels = [("repetition", max_rep), ("definition", max_def)];
    match page {
        Page::DataPage {
            buf,
            num_values,
            def_level_encoding,
            rep_level_encoding,
            ..
        } => {
            let mut rest: &[u8] = buf;
            for ((what, max), encoding) in levels
                .into_iter()
                .zip([rep_level_encoding, def_level_encoding])
            {
                if max <= 0 {
                    continue;
                }
                let width = level_width(max);
                match *encoding {
                    Encoding::RLE => {
                        // A 4-byte length, then the RLE / bit-packed hybrid runs; the
                        // reader checks the length itself.
                        let Some(data) = rest
                            .get(..4)
                            .and_then(|n| {
                                usize::try_from(u32::from_le_bytes(n.try_into().ok()?)).ok()
                            })
                            .and_then(|n| rest.get(4..n.checked_add(4)?))
                        else {
                            return Ok(false);
                        };
                        rest = &rest[4 + data.len()..];
                        check_levels(data, width, u64::from(*num_values))
                            .map_err(|at| format!("whose {what} levels {at}"))?;
                    }
                    #[allow(deprecated)] // Levels of old writers, which the reader reads.
                    Encoding::BIT_PACKED => {
                        let len = (u64::from(*num_values) * u64::from(width)).div_ceil(8);
                        match usize::try_from(len).ok().and_then(|n| rest.get(n..)) {
                            Some(after) => rest = after,
                            None => {
                                return Err(format!(
                                    "whose {what} levels ({num_values} of {width} bits) are \
                                     longer than the {} bytes left in it",
                                    rest.len()
                                ))
                            }
                        }
                    }
                    _ => return Ok(false),
                }
            }
        }
        Page::DataPageV2 {
            buf,
            num_values,
            def_levels_byte_len,
            rep_levels_byte_len,
            ..
        } => {
            let (rep, def) = (*rep_levels_byte_len as usize, *def_levels_byte_len as usize);
            let Some(def_end) = rep.checked_add(def).filter(|&end| end <= buf.len()) else {
                return Err(format!(
                    "whose levels ({rep_levels_byte_len} + {def_levels_byte_len} bytes) are \
                     longer than the page ({} bytes)",
                    buf.len()
                ));
            };
            for ((what, max), data) in levels.into_iter().zip([&buf[..rep], &buf[rep..def_end]]) {
                if max > 0 {
                    check_levels(data, level_width(max), u64::from(*num_values))
                        .map_err(|at| format!("whose {what} levels {at}"))?;
                }
            }
        }
        Page::DictionaryPage { .. } => {}
    }
    Ok(true)
}

/// The bits of one level up to `max` (`max` > 0), as parquet's `num_required_bits`.
fn level_width(max: i16) -> u32 {
    i16::BITS - max.leading_zeros()
}

/// Checks that the first `count` levels of `data`, an RLE / bit-packed hybrid of `width`
/// bits a level, lie inside it: every bit-packed run must hold the levels taken from it.
/// The reader of a nullable column's levels copies a bit-packed run's bits unchecked (and
/// panics past the end); the others stop there and report too few levels. A run may be
/// longer than the levels left (writers pad the last group of 8, and some cut it short):
/// only the levels the page counts are needed. Anything else the decoders report
/// themselves (a header cut short, a run too long), so the walk stops there.
fn check_levels(data: &[u8], width: u32, count: u64) -> Result<(), String> {
    let (width, len) = (u64::from(width), data.len() as u64);
    let mut left = count;
    let mut at = 0u64;
    while left > 0 {
        // The run's header: a ULEB128 varint of at most 10 bytes, as the decoders read it.
        let mut header = 0u64;
        let mut ended = false;
        for shift in 0..10 {
            let Some(&byte) = usize::try_from(at).ok().and_then(|i| data.get(i)) else {
                return Ok(());
            };
            at += 1;
            header |= u64::from(byte & 0x7f) << (7 * shift);
            if byte & 0x80 == 0 {
                ended = true;
                break;
            }
        }
        if !ended {
            return Ok(());
        }
        if header & 1 == 1 {
            // Bit-packed: groups of 8 levels, `width` bytes a group.
            let run = (header >> 1).saturating_mul(8);
            let taken = run.min(left);
            if at + (taken * width).div_ceil(8) > len {
                return Err(format!(
                    "are cut short (a bit-packed run of {taken} of them starts at byte {at} of \
                     their {len})"
                ));
            }
            at = at.saturating_add(run.saturating_mul(width) / 8);
            left -= taken;
        } else {
            // Repeated: one value of `width` bits, in whole bytes.
            at += width.div_ceil(8);
            left -= (header >> 1).min(left);
        }
    }
    Ok(())
}

/// The IPC schema's types that the decoder cannot check: a union's type ids are sliced to
/// the column's length (a panic when the buffer is shorter, which its compressed form
/// hides). Tokenlens reads no value from a union, so such a file is declined whole.
fn check_schema(schema: &Schema) -> Result<(), String> {
    let has_union = |t: &DataType| any_type(t, &|t| matches!(t, DataType::Union(..)));
    match schema.fields().iter().find(|f| has_union(f.data_type())) {
        Some(f) => Err(format!(
            "column {} holds a union type, which is not supported",
            f.name()
        )),
        None => Ok(()),
    }
}

/// The most a compressed IPC buffer may expand, as lz4 and zstd can at best (zstd: a
/// 128 KiB block from a 4-byte RLE block). The decoder allocates the declared size up front.
const MAX_EXPANSION: u64 = 1 << 15;

/// Checks an IPC message before arrow-ipc decodes it with its `body` (and the stream's
/// `schema`, once read). The decoder slices every buffer out of the body as the message
/// places it, and unwraps the header of a record or dictionary batch, without checking
/// either; then arrow-data's validation views offsets, views, keys and values as typed
/// slices, which panics on a buffer that is not a whole number of them.
fn check_message(message: &Message, body: &[u8], schema: Option<&Schema>) -> Result<(), String> {
    // The batch, and the types of its columns.
    let (batch, types) = match message.header_type() {
        MessageHeader::RecordBatch => {
            let batch = message
                .header_as_record_batch()
                .ok_or("a record batch message has no record batch")?;
            let types = schema.map(|s| s.fields().iter().map(|f| f.data_type().clone()));
            (batch, types.map(Iterator::collect::<Vec<_>>))
        }
        MessageHeader::DictionaryBatch => {
            let dictionary = message
                .header_as_dictionary_batch()
                .ok_or("a dictionary batch message has no dictionary batch")?;
            let Some(batch) = dictionary.data() else {
                // The decoder reports a dictionary without data.
                return Ok(());
            };
            // Its one column holds the values of the dictionary of that id.
            #[allow(deprecated)] // As arrow-ipc finds it.
            let values = schema.and_then(|s| {
                match s.fields_with_dict_id(dictionary.id()).first()?.data_type() {
                    DataType::Dictionary(_, values) => Some(vec![values.as_ref().clone()]),
                    _ => None,
                }
            });
            (batch, values)
        }
        _ => return Ok(()),
    };
    if batch.length() < 0 {
        return Err(format!(
            "a record batch has a negative row count ({})",
            batch.length()
        ));
    }
    for node in batch.nodes().into_iter().flatten() {
        if node.length() < 0 || node.null_count() < 0 {
            return Err(format!(
                "a column has a negative length ({}) or null count ({})",
                node.length(),
                node.null_count()
            ));
        }
    }
    let buffers = batch.buffers().map_or(0, |b| b.len());
    let mut widths = Vec::new();
    let mut counts = batch.variadicBufferCounts().into_iter().flatten();
    for t in types.iter().flatten() {
        if buffer_widths(t, &mut counts, buffers, &mut widths).is_none() {
            // The decoder reports a message that does not fit the schema.
            break;
        }
    }
    let mut widths = widths.into_iter();
    let compressed = batch.compression().is_some();
    for (i, buffer) in batch.buffers().into_iter().flatten().enumerate() {
        let (offset, length) = (buffer.offset(), buffer.length());
        let bytes = usize::try_from(offset)
            .ok()
            .zip(usize::try_from(length).ok())
            .and_then(|(from, len)| body.get(from..from.checked_add(len)?))
            .ok_or_else(|| {
                format!(
                    "buffer {i} of a batch ({length} bytes at offset {offset}) lies outside \
                     its message body of {} bytes",
                    body.len()
                )
            })?;
        // A compressed buffer starts with its length uncompressed (-1: not compressed; the
        // decoder reports a prefix cut short).
        let mut len = bytes.len() as u64;
        if let (true, Some(prefix)) = (compressed, bytes.get(..8)) {
            let declared = i64::from_le_bytes(prefix.try_into().unwrap_or_default());
            len = match declared {
                -1 => len - 8,
                // Taken as said: lz4 or zstd may give less (a gap the decoder leaves open).
                0.. if declared as u64 <= (len - 8) * MAX_EXPANSION => declared as u64,
                _ => {
                    return Err(format!(
                        "compressed buffer {i} of a batch ({len} bytes) claims to hold \
                         {declared} bytes"
                    ))
                }
            };
        }
        let width = widths.next().unwrap_or(0) as u64;
        if width > 1 && !len.is_multiple_of(width) {
            return Err(format!(
                "buffer {i} of a batch holds {len} bytes, not a whole number of \
                 {width}-byte values"
            ));
        }
    }
    Ok(())
}

/// Pushes onto `out` the value width of each buffer (0: bits or bytes) that the decoder
/// takes for a column of type `t`, in its order: a column's own, then its children's. A
/// view column takes one variadic count from `counts`. `None`: the message cannot fit
/// (fewer than `buffers` in all), which the decoder reports.
fn buffer_widths(
    t: &DataType,
    counts: &mut impl Iterator<Item = i64>,
    buffers: usize,
    out: &mut Vec<usize>,
) -> Option<()> {
    let mut children = |fields: &[&DataType], out: &mut Vec<usize>| {
        fields
            .iter()
            .try_for_each(|f| buffer_widths(f, counts, buffers, out))
    };
    match t {
        DataType::Utf8 | DataType::Binary => out.extend([0, 4, 0]),
        DataType::LargeUtf8 | DataType::LargeBinary => out.extend([0, 8, 0]),
        DataType::Utf8View | DataType::BinaryView => {
            let n = usize::try_from(counts.next()?).ok()?;
            out.extend([0, 16]);
            out.extend(std::iter::repeat_n(0, n.min(buffers)));
        }
        DataType::List(f) | DataType::Map(f, _) => {
            out.extend([0, 4]);
            children(&[f.data_type()], out)?;
        }
        DataType::LargeList(f) => {
            out.extend([0, 8]);
            children(&[f.data_type()], out)?;
        }
        DataType::ListView(f) => {
            out.extend([0, 4, 4]);
            children(&[f.data_type()], out)?;
        }
        DataType::LargeListView(f) => {
            out.extend([0, 8, 8]);
            children(&[f.data_type()], out)?;
        }
        DataType::FixedSizeList(f, _) => {
            out.push(0);
            children(&[f.data_type()], out)?;
        }
        DataType::Struct(fields) => {
            out.push(0);
            let types: Vec<&DataType> = fields.iter().map(|f| f.data_type()).collect();
            children(&types, out)?;
        }
        DataType::RunEndEncoded(ends, values) => {
            children(&[ends.data_type(), values.data_type()], out)?;
        }
        DataType::Dictionary(key, _) => out.extend([0, key.primitive_width()?]),
        DataType::Null => {}
        // Declined with the schema (`check_schema`).
        DataType::Union(..) => return None,
        t => out.extend([0, t.primitive_width().unwrap_or(0)]),
    }
    (out.len() <= buffers).then_some(())
}

/// The schema of an IPC file, a decoder holding its dictionaries, and its record batches'
/// blocks, from the footer.
fn open_ipc_file(data: &Buffer) -> Result<(Arc<Schema>, FileDecoder, Vec<Block>), String> {
    let trailer = data
        .len()
        .checked_sub(10)
        .ok_or("it is shorter than an IPC file's trailer")?;
    let trailer_bytes = <[u8; 10]>::try_from(&data[trailer..]).map_err(|e| e.to_string())?;
    let footer_len = read_footer_length(trailer_bytes).map_err(|e| e.to_string())?;
    let footer_start = trailer
        .checked_sub(footer_len)
        .ok_or_else(|| format!("its footer ({footer_len} bytes) is longer than the file"))?;
    let footer = root_as_footer(&data[footer_start..trailer])
        .map_err(|e| format!("its footer is not valid: {e}"))?;
    let ipc_schema = footer.schema().ok_or("its footer has no schema")?;
    if !ipc_schema.endianness().equals_to_target_endianness() {
        return Err("it was written big-endian".to_string());
    }
    let schema = Arc::new(try_fb_to_schema(ipc_schema).map_err(|e| e.to_string())?);
    check_schema(&schema)?;
    let mut decoder = FileDecoder::new(Arc::clone(&schema), footer.version());
    for block in footer.dictionaries().into_iter().flatten() {
        let buf = block_bytes(data, block, &schema)?;
        decoder
            .read_dictionary(block, &buf)
            .map_err(|e| e.to_string())?;
    }
    let blocks = footer
        .recordBatches()
        .ok_or("its footer lists no record batches")?;
    Ok((schema, decoder, blocks.iter().copied().collect()))
}

/// The bytes of one block of an IPC file (its message, then the body), checked: the block
/// must lie inside the file, and its message must pass [`check_message`].
fn block_bytes(data: &Buffer, block: &Block, schema: &Schema) -> Result<Buffer, String> {
    let (offset, meta, body) = (block.offset(), block.metaDataLength(), block.bodyLength());
    let range = usize::try_from(offset)
        .ok()
        .zip(usize::try_from(meta).ok().filter(|&m| m >= 8))
        .zip(usize::try_from(body).ok())
        .and_then(|((start, meta), body)| {
            let len = meta.checked_add(body)?;
            (start.checked_add(len)? <= data.len()).then_some((start, meta, len))
        });
    let Some((start, meta, len)) = range else {
        return Err(format!(
            "a block ({meta} bytes of message and {body} of body at offset {offset}) \
             lies outside the file of {} bytes",
            data.len()
        ));
    };
    let bytes = data.slice_with_length(start, len);
    // As the decoder reads it: the flatbuffer after the continuation marker and length (or
    // after the length alone, in files older than the marker), the body after the message.
    let flatbuffer = if bytes[..4] == CONTINUATION_MARKER {
        &bytes[8..]
    } else {
        &bytes[4..]
    };
    let message =
        root_as_message(flatbuffer).map_err(|e| format!("a message is not valid: {e}"))?;
    check_message(&message, &bytes[meta..], Some(schema))?;
    Ok(bytes)
}

/// What starts an IPC message (since format 0.15), before the length of its flatbuffer.
const CONTINUATION_MARKER: [u8; 4] = [0xff; 4];

/// An Arrow IPC stream, split into messages here (as the decoder would split it: the
/// continuation marker, the metadata length, the flatbuffer, and the body its `bodyLength`
/// says) so that each is checked ([`check_message`]) before the decoder sees it whole.
#[derive(Default)]
pub struct IpcStream {
    decoder: StreamDecoder,
    /// The stream's schema, once its message has come.
    schema: Option<Schema>,
    /// Bytes received and not yet handed on; those before `start` have been.
    pending: Vec<u8>,
    start: usize,
    /// Bytes of the stream dropped from the front of `pending`.
    dropped: u64,
    /// The length of the message at `start`, once its metadata has been read.
    next_len: Option<usize>,
    /// The end-of-stream marker has been read.
    ended: bool,
}

impl IpcStream {
    /// The next whole message, checked; `None` until its bytes are all there.
    fn next_message(&mut self) -> Result<Option<Vec<u8>>, String> {
        let bytes = &self.pending[self.start..];
        if self.ended {
            return match bytes.is_empty() {
                true => Ok(None),
                false => Err("bytes follow its end-of-stream marker".to_string()),
            };
        }
        let len = match self.next_len {
            Some(len) => len,
            None => match message_len(bytes)? {
                Some(len) => len,
                None => return Ok(None),
            },
        };
        self.next_len = Some(len);
        let Some(message) = bytes.get(..len) else {
            return Ok(None);
        };
        // `message_len` read the prefix and flatbuffer these come from.
        match message_prefix(message) {
            Some((_, 0)) => self.ended = true,
            Some((prefix, size)) => {
                let (flatbuffer, body) = message
                    .get(prefix..)
                    .and_then(|rest| rest.split_at_checked(size))
                    .ok_or("a message is cut short")?;
                let parsed = root_as_message(flatbuffer)
                    .map_err(|e| format!("a message is not valid: {e}"))?;
                // Read here as well as by the decoder, which reads a message without a body
                // only when more bytes come, to check the messages after it.
                if let (None, Some(schema)) = (&self.schema, parsed.header_as_schema()) {
                    let schema = try_fb_to_schema(schema).map_err(|e| e.to_string())?;
                    check_schema(&schema)?;
                    self.schema = Some(schema);
                }
                check_message(&parsed, body, self.schema.as_ref())?;
            }
            None => return Err("a message is cut short".to_string()),
        }
        let message = message.to_vec();
        self.start += len;
        self.next_len = None;
        Ok(Some(message))
    }

    /// Drops the bytes handed on, after a chunk.
    fn compact(&mut self) {
        self.pending.drain(..self.start);
        self.dropped += self.start as u64;
        self.start = 0;
    }
}

/// The length of the message at the front of `bytes` (prefix, flatbuffer, body), once its
/// prefix and flatbuffer are there.
fn message_len(bytes: &[u8]) -> Result<Option<usize>, String> {
    let Some((prefix, size)) = message_prefix(bytes) else {
        return Ok(None);
    };
    if size == 0 {
        return Ok(Some(prefix));
    }
    let meta_end = prefix
        .checked_add(size)
        .ok_or("a message is too long to read")?;
    let Some(flatbuffer) = bytes.get(prefix..meta_end) else {
        return Ok(None);
    };
    let message =
        root_as_message(flatbuffer).map_err(|e| format!("a message is not valid: {e}"))?;
    usize::try_from(message.bodyLength())
        .ok()
        .and_then(|body| meta_end.checked_add(body))
        .map(Some)
        .ok_or_else(|| {
            format!(
                "a message declares a body of {} bytes",
                message.bodyLength()
            )
        })
}

/// The length of a message's prefix (4 or 8 bytes) and of its flatbuffer, as the stream
/// decoder reads them: the continuation marker is optional (streams written before it).
fn message_prefix(bytes: &[u8]) -> Option<(usize, usize)> {
    let head = bytes.get(..4)?;
    let (prefix, size) = if head == CONTINUATION_MARKER {
        (8, bytes.get(4..8)?)
    } else {
        (4, head)
    };
    let size = u32::from_le_bytes(size.try_into().ok()?);
    Some((prefix, usize::try_from(size).ok()?))
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

/// Bytes at the end of a Parquet file that give its footer's length: read these first.
pub const PARQUET_TAIL: u64 = 8;

/// The length of a Parquet file's footer (its metadata and the 8-byte tail), from the
/// file's last [`PARQUET_TAIL`] bytes.
pub fn parquet_footer_len(tail: &[u8]) -> Result<u64, String> {
    match tail {
        [a, b, c, d, b'P', b'A', b'R', b'1'] => {
            Ok(u64::from(u32::from_le_bytes([*a, *b, *c, *d])) + PARQUET_TAIL)
        }
        _ => Err("the file does not end as a Parquet file does".to_string()),
    }
}

/// Where one row of a Parquet file lies: its row group, its row within that group, and
/// the bytes `start..end` of the file that hold the group's column chunks.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ParquetRow {
    /// The row group's index in the file.
    pub row_group: usize,
    /// The row's index in its row group.
    pub row_in_group: u64,
    /// The file offset of the group's first column chunk.
    pub start: u64,
    /// The file offset just past its last column chunk.
    pub end: u64,
}

fn parquet_metadata(footer: &[u8]) -> Result<parquet::file::metadata::ParquetMetaData, String> {
    let meta = footer
        .len()
        .checked_sub(PARQUET_TAIL as usize)
        .map(|n| &footer[..n])
        .ok_or("the footer is too short")?;
    parquet::file::metadata::ParquetMetaDataReader::decode_metadata(meta)
        .map_err(|e| format!("the footer cannot be read: {e}"))
}

/// Where row `row` (0-based, as in the records' spans) of a Parquet file of `file_len`
/// bytes lies, from its footer (its last [`parquet_footer_len`] bytes).
pub fn parquet_locate(footer: &[u8], file_len: u64, row: u64) -> Result<ParquetRow, String> {
    let meta = parquet_metadata(footer)?;
    let mut before = 0i64;
    for (i, rg) in meta.row_groups().iter().enumerate() {
        let first = before;
        // Checked as the ingest checks it: the reader asserts on what this refuses.
        check_row_group(i, rg, file_len, &mut before)?;
        if (row as i64) < before {
            let ranges = rg.columns().iter().map(|c| c.byte_range());
            let start = ranges.clone().map(|(s, _)| s).min().unwrap_or(0);
            let end = ranges.map(|(s, n)| s + n).max().unwrap_or(0);
            return Ok(ParquetRow {
                row_group: i,
                row_in_group: (row as i64 - first) as u64,
                start,
                end,
            });
        }
    }
    Err(format!("the file has {before} rows, not row {}", row + 1))
}

/// One row group's bytes at their place in a Parquet file: once the reader has the
/// metadata it asks for nothing else. A clone shares the bytes.
#[derive(Clone)]
struct GroupBytes {
    start: u64,
    bytes: bytes::Bytes,
    file_len: u64,
}

impl GroupBytes {
    fn range(&self, start: u64, len: u64) -> parquet::errors::Result<std::ops::Range<usize>> {
        let from = start.checked_sub(self.start);
        match from.filter(|&f| f.saturating_add(len) <= self.bytes.len() as u64) {
            Some(f) => Ok(f as usize..(f + len) as usize),
            None => Err(parquet::errors::ParquetError::General(format!(
                "bytes {start}..{} are outside the row group read",
                start.saturating_add(len)
            ))),
        }
    }
}

impl parquet::file::reader::Length for GroupBytes {
    fn len(&self) -> u64 {
        self.file_len
    }
}

impl ChunkReader for GroupBytes {
    type T = bytes::buf::Reader<bytes::Bytes>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        let rest = (self.start + self.bytes.len() as u64).saturating_sub(start);
        let range = self.range(start, rest)?;
        Ok(bytes::Buf::reader(self.bytes.slice(range)))
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<bytes::Bytes> {
        let range = self.range(start, length as u64)?;
        Ok(self.bytes.slice(range))
    }
}

/// The fields of the row `at` of a Parquet file of `file_len` bytes, as the text of a
/// JSON object in column order (the drawer lists them so), decoded from its footer and
/// `group`, the bytes `at.start..at.end`.
pub fn parquet_record(
    footer: &[u8],
    file_len: u64,
    at: &ParquetRow,
    group: Vec<u8>,
) -> Result<String, String> {
    use parquet::arrow::arrow_reader::{
        ArrowReaderMetadata, ArrowReaderOptions, RowSelection, RowSelector,
    };
    if group.len() as u64 != at.end.saturating_sub(at.start) {
        return Err(format!(
            "{} bytes were given for the row group's {}",
            group.len(),
            at.end.saturating_sub(at.start)
        ));
    }
    let meta = parquet_metadata(footer)?;
    let rg = meta
        .row_groups()
        .get(at.row_group)
        .ok_or_else(|| format!("the file has no row group {}", at.row_group))?;
    let mut rows = 0;
    check_row_group(at.row_group, rg, file_len, &mut rows)?;
    let skip = usize::try_from(at.row_in_group)
        .ok()
        .filter(|&r| (r as i64) < rg.num_rows())
        .ok_or_else(|| format!("row group {} has no row {}", at.row_group, at.row_in_group))?;
    let reader = GroupBytes {
        start: at.start,
        bytes: bytes::Bytes::from(group),
        file_len,
    };
    check_pages(at.row_group, rg, &Arc::new(reader.clone()))?;
    let meta = ArrowReaderMetadata::try_new(Arc::new(meta), ArrowReaderOptions::default())
        .map_err(|e| e.to_string())?;
    let selection = RowSelection::from(vec![RowSelector::skip(skip), RowSelector::select(1)]);
    let mut batches = ParquetRecordBatchReaderBuilder::new_with_metadata(reader, meta)
        .with_row_groups(vec![at.row_group])
        .with_row_selection(selection)
        .with_batch_size(1)
        .build()
        .map_err(|e| e.to_string())?;
    let batch = match batches.next() {
        Some(Ok(b)) if b.num_rows() == 1 => b,
        Some(Err(e)) => return Err(e.to_string()),
        _ => return Err("the row could not be read".to_string()),
    };
    Ok(row_json(&batch, 0))
}

/// Row `row` of `batch` as the text of a JSON object in column order (written by hand:
/// serde_json's Map sorts its keys).
fn row_json(batch: &RecordBatch, row: usize) -> String {
    let schema = batch.schema();
    let fields: Vec<String> = schema
        .fields()
        .iter()
        .zip(batch.columns())
        .map(|(f, col)| {
            format!(
                "{}:{}",
                serde_json::Value::from(f.name().as_str()),
                json(col.as_ref(), row)
            )
        })
        .collect();
    format!("{{{}}}", fields.join(","))
}

/// Bytes at the end of an Arrow IPC file that give its footer's length: read these first.
pub const ARROW_TAIL: u64 = 10;

/// The length of an Arrow IPC file's footer (its flatbuffer and the tail), from the file's
/// last [`ARROW_TAIL`] bytes.
pub fn arrow_footer_len(tail: &[u8]) -> Result<u64, String> {
    let tail = <[u8; 10]>::try_from(tail).map_err(|_| "the tail is 10 bytes".to_string())?;
    let len = read_footer_length(tail).map_err(|e| e.to_string())?;
    Ok(len as u64 + ARROW_TAIL)
}

/// The length of the IPC message at the front of `bytes` (its prefix, flatbuffer and
/// body), or `None` until `bytes` holds its prefix and flatbuffer.
pub fn arrow_message_len(bytes: &[u8]) -> Result<Option<u64>, String> {
    Ok(message_len(bytes)?.map(|n| n as u64))
}

/// Row `row` of the record batch in `message` (a whole IPC message, at a record's span
/// offset), as the text of a JSON object in column order. `schema_from`: the footer of an
/// IPC file (its last [`arrow_footer_len`] bytes; `file`), or the first message of a
/// stream (its schema). Checked as the ingest checks them.
pub fn arrow_record(
    schema_from: &[u8],
    file: bool,
    message: &[u8],
    row: u64,
) -> Result<String, String> {
    let schema = if file {
        let fb = schema_from
            .len()
            .checked_sub(ARROW_TAIL as usize)
            .map(|n| &schema_from[..n])
            .ok_or("the footer is too short")?;
        let footer = root_as_footer(fb).map_err(|e| format!("the footer is not valid: {e}"))?;
        let ipc_schema = footer.schema().ok_or("the footer has no schema")?;
        try_fb_to_schema(ipc_schema).map_err(|e| e.to_string())?
    } else {
        let (prefix, size) = message_prefix(schema_from).ok_or("the schema is cut short")?;
        let fb = schema_from
            .get(prefix..prefix.saturating_add(size))
            .ok_or("the schema is cut short")?;
        let m = root_as_message(fb).map_err(|e| format!("the schema is not valid: {e}"))?;
        let ipc_schema = m
            .header_as_schema()
            .ok_or("the stream does not start with a schema")?;
        try_fb_to_schema(ipc_schema).map_err(|e| e.to_string())?
    };
    check_schema(&schema)?;
    if schema
        .fields()
        .iter()
        .any(|f| has_dictionary(f.data_type()))
    {
        return Err("its dictionary-encoded columns are in other messages".to_string());
    }
    let (prefix, size) = message_prefix(message).ok_or("the message is cut short")?;
    let (fb, body) = message
        .get(prefix..)
        .and_then(|rest| rest.split_at_checked(size))
        .ok_or("the message is cut short")?;
    let m = root_as_message(fb).map_err(|e| format!("the message is not valid: {e}"))?;
    if Some(body.len()) != usize::try_from(m.bodyLength()).ok() {
        return Err("the message's body is cut short".to_string());
    }
    check_message(&m, body, Some(&schema))?;
    let ipc_batch = m
        .header_as_record_batch()
        .ok_or("the message is not a record batch")?;
    let batch = arrow::ipc::reader::read_record_batch(
        &Buffer::from(body),
        ipc_batch,
        Arc::new(schema),
        &HashMap::new(),
        None,
        &m.version(),
    )
    .map_err(|e| e.to_string())?;
    let row = usize::try_from(row)
        .ok()
        .filter(|&r| r < batch.num_rows())
        .ok_or_else(|| {
            format!(
                "the batch has {} rows, not row {}",
                batch.num_rows(),
                row + 1
            )
        })?;
    Ok(row_json(&batch, row))
}

/// Whether a column of type `t` has dictionary-encoded values anywhere in it.
fn has_dictionary(t: &DataType) -> bool {
    any_type(t, &|t| matches!(t, DataType::Dictionary(..)))
}

/// Whether `t`, or a type nested in it, is one that `hit` says.
fn any_type(t: &DataType, hit: &dyn Fn(&DataType) -> bool) -> bool {
    if hit(t) {
        return true;
    }
    match t {
        DataType::Struct(fields) => fields.iter().any(|f| any_type(f.data_type(), hit)),
        DataType::List(f)
        | DataType::LargeList(f)
        | DataType::ListView(f)
        | DataType::LargeListView(f)
        | DataType::FixedSizeList(f, _)
        | DataType::Map(f, _) => any_type(f.data_type(), hit),
        DataType::Dictionary(_, values) => any_type(values, hit),
        DataType::RunEndEncoded(ends, values) => {
            any_type(ends.data_type(), hit) || any_type(values.data_type(), hit)
        }
        _ => false,
    }
}

/// The value at `row` of `arr` as JSON: lists, structs and maps as JSON containers,
/// everything else as [`value`] reads it.
fn json(arr: &dyn Array, row: usize) -> serde_json::Value {
    use serde_json::Value as J;
    if arr.is_null(row) {
        return J::Null;
    }
    let list = |values: ArrayRef| {
        J::Array(
            (0..values.len())
                .map(|i| json(values.as_ref(), i))
                .collect(),
        )
    };
    match arr.data_type() {
        DataType::List(_) => list(arr.as_list::<i32>().value(row)),
        DataType::LargeList(_) => list(arr.as_list::<i64>().value(row)),
        DataType::FixedSizeList(..) => list(arr.as_fixed_size_list().value(row)),
        DataType::Struct(fields) => {
            let s = arr.as_struct();
            J::Object(
                fields
                    .iter()
                    .zip(s.columns())
                    .map(|(f, c)| (f.name().clone(), json(c.as_ref(), row)))
                    .collect(),
            )
        }
        DataType::Map(..) => {
            let entries = arr.as_map().value(row);
            let (keys, values) = (entries.column(0), entries.column(1));
            J::Object(
                (0..entries.len())
                    .map(|i| {
                        let key = match json(keys.as_ref(), i) {
                            J::String(k) => k,
                            other => other.to_string(),
                        };
                        (key, json(values.as_ref(), i))
                    })
                    .collect(),
            )
        }
        DataType::Dictionary(..) => match dictionary(arr, row) {
            Some((values, j)) => json(values.as_ref(), j),
            None => J::Null,
        },
        _ => match value(arr, row) {
            Val::Null => J::Null,
            Val::Bool(b) => J::Bool(b),
            Val::Int(i) => J::from(i),
            Val::Float(x) => serde_json::Number::from_f64(x).map_or(J::Null, J::Number),
            Val::Str(s) => J::String(s.into_owned()),
            Val::List(items) => J::Array(items.into_iter().map(J::String).collect()),
            Val::Other(what) => J::String(format!("({what})")),
        },
    }
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

    #[test]
    fn levels_must_hold_the_page_count() {
        // 12 one-bit levels: a repeated run of 12; two groups of 8 bit-packed (the last
        // one padded); a run of 9, then a bit-packed run of 256 levels (32 bytes) padded
        // past the page's 12 (a writer may pad its last run).
        assert_eq!(check_levels(&[0x18, 0x01], 1, 12), Ok(()));
        assert_eq!(check_levels(&[0x05, 0x55, 0x05], 1, 12), Ok(()));
        let mut padded = vec![0x12, 0x01, 0x41];
        padded.extend([0; 32]);
        assert_eq!(check_levels(&padded, 1, 12), Ok(()));
        // fuzz-parquet-3.parquet: the same, but the 32 bytes are missing.
        assert_eq!(
            check_levels(&padded[..3], 1, 12),
            Err("are cut short (a bit-packed run of 3 of them starts at byte 3 of their 3)".into())
        );
        // 12 three-bit levels: 36 bits; a writer may leave out the last group's unused
        // byte (5 bytes, not 6), but not one the levels need.
        assert_eq!(check_levels(&[0x05, 0, 0, 0, 0, 0], 3, 12), Ok(()));
        assert!(check_levels(&[0x05, 0, 0, 0, 0], 3, 12).is_err());
        // Fewer levels than the page counts, a header cut short or too long: the reader
        // reports those itself, as errors.
        assert_eq!(check_levels(&[0x08, 0x01], 1, 12), Ok(()));
        assert_eq!(check_levels(&[0x80], 1, 12), Ok(()));
        assert_eq!(check_levels(&[0xff; 11], 1, 12), Ok(()));
        assert_eq!(level_width(1), 1);
        assert_eq!(level_width(2), 2);
        assert_eq!(level_width(3), 2);
        assert_eq!(level_width(i16::MAX), 15);
    }

    #[test]
    fn level_lengths_must_fit_the_page() {
        let v2 = |rep: u32, def: u32, buf: &[u8]| Page::DataPageV2 {
            buf: bytes::Bytes::copy_from_slice(buf),
            num_values: 12,
            encoding: Encoding::PLAIN,
            num_nulls: 0,
            num_rows: 12,
            def_levels_byte_len: def,
            rep_levels_byte_len: rep,
            is_compressed: false,
            statistics: None,
        };
        assert_eq!(check_page_levels(&v2(0, 2, &[0x18, 0x01]), 0, 1), Ok(true));
        assert_eq!(
            check_page_levels(&v2(1, 2, &[0x18, 0x01]), 0, 1),
            Err("whose levels (1 + 2 bytes) are longer than the page (2 bytes)".into())
        );
        // Sliced even without levels to read.
        assert!(check_page_levels(&v2(u32::MAX, 2, &[]), 0, 0).is_err());
        assert_eq!(
            check_page_levels(&v2(0, 3, &[0x12, 0x01, 0x41]), 0, 1),
            Err(
                "whose definition levels are cut short (a bit-packed run of 3 of them starts \
                 at byte 3 of their 3)"
                    .into()
            )
        );
        // A v1 page: RLE levels after their length; old BIT_PACKED ones of a length the
        // value count gives (12 two-bit levels: 3 bytes).
        let v1 = |def_level_encoding, buf: &[u8]| Page::DataPage {
            buf: bytes::Bytes::copy_from_slice(buf),
            num_values: 12,
            encoding: Encoding::PLAIN,
            def_level_encoding,
            rep_level_encoding: Encoding::RLE,
            statistics: None,
        };
        let rle = |levels: &[u8]| v1(Encoding::RLE, levels);
        assert_eq!(
            check_page_levels(&rle(&[2, 0, 0, 0, 0x18, 0x01]), 0, 1),
            Ok(true)
        );
        let damaged = [3, 0, 0, 0, 0x12, 0x01, 0x41];
        assert!(check_page_levels(&rle(&damaged), 0, 1).is_err());
        // The reader reports a length past the page itself.
        assert_eq!(check_page_levels(&rle(&damaged[..6]), 0, 1), Ok(false));
        // Repetition levels come first (max 1 each: 12 levels of 1 bit).
        let both = [2, 0, 0, 0, 0x18, 0x00, 3, 0, 0, 0, 0x12, 0x01, 0x41];
        assert_eq!(
            check_page_levels(&rle(&both), 1, 1),
            Err(
                "whose definition levels are cut short (a bit-packed run of 3 of them starts \
                 at byte 3 of their 3)"
                    .into()
            )
        );
        assert_eq!(check_page_levels(&rle(&both[..10]), 1, 1), Ok(false));
        #[allow(deprecated)]
        let packed = Encoding::BIT_PACKED;
        assert_eq!(check_page_levels(&v1(packed, &[0; 3]), 0, 2), Ok(true));
        assert_eq!(
            check_page_levels(&v1(packed, &[0; 2]), 0, 2),
            Err(
                "whose definition levels (12 of 2 bits) are longer than the 2 bytes left in it"
                    .into()
            )
        );
    }
}
