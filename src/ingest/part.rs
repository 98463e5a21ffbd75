//! A part of an import as bytes: the table and report one worker read from its part of a
//! file, handed to the worker that reads the file's first part, which appends it (the
//! page's workers share no memory; a transferred `ArrayBuffer` costs no copy).
//!
//! A part goes over in pieces of rows (each with its own dictionaries) as they are read; the
//! last one carries the part's import report. The reading worker keeps the pieces in JS
//! memory until the rows before them are in; so the engine's wasm memory, which never
//! shrinks, holds one piece at a time besides the table.
//!
//! The layout is private to one build of tokenlens (both workers run the same module):
//! a magic, the row count, each column's null bitmap and values in [`Table`]'s field order
//! (values 8-byte aligned, so they are read in place), then the report as JSON, if any.
//! Arrow's IPC format would do too, but it would add its flatbuffers reader to the page's
//! lean engine for nine plain column types.

use std::sync::Arc;

use arrow::array::{
    Array, ArrowPrimitiveType, BooleanArray, DictionaryArray, PrimitiveArray, StringArray,
    StringBuilder, UInt32Array,
};
use arrow::buffer::{BooleanBuffer, Buffer, NullBuffer, ScalarBuffer};

use super::ImportReport;
use crate::table::{DictColumn, Table};

const MAGIC: &[u8; 4] = b"TLP1";

/// The bytes of a piece of a part: `table`, and with the last piece the `report` of reading
/// the part and the number of lines it spans.
pub fn encode(table: &Table, report: Option<(&ImportReport, u64)>) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(table.len() * 64 + 1024));
    w.0.extend_from_slice(MAGIC);
    w.u64(table.len() as u64);
    let t = table;
    w.prim(&t.ts);
    w.prim(&t.latency_ms);
    w.prim(&t.ttft_ms);
    w.prim(&t.status);
    w.bool(&t.error);
    for d in [
        &t.error_type,
        &t.user_id,
        &t.application,
        &t.model,
        &t.provider,
        &t.feature,
        &t.tags,
    ] {
        w.dict(d);
    }
    w.prim(&t.input_tokens);
    w.prim(&t.output_tokens);
    w.prim(&t.cached_input_tokens);
    w.prim(&t.reasoning_tokens);
    w.prim(&t.cost_usd);
    w.prim(&t.cost_source);
    w.prim(&t.feedback);
    w.prim(&t.hallucination);
    w.bool(&t.safety_violation);
    w.prim(&t.relevance);
    w.prim(&t.coherence);
    w.prim(&t.span_offset);
    w.prim(&t.span_len);
    w.prim(&t.file);
    match report {
        None => w.0.push(0),
        Some((report, lines)) => {
            w.0.push(1);
            w.u64(lines);
            // Serializing a report of plain fields cannot fail.
            w.bytes(&serde_json::to_vec(report).unwrap_or_default());
        }
    }
    w.0
}

/// The table (its columns' values still in `bytes`), and the report and lines if any, of a
/// piece's bytes (from [`encode`]); an error when they are not.
pub fn decode(bytes: Vec<u8>) -> Result<(Table, Option<(ImportReport, u64)>), String> {
    let mut buf = Buffer::from_vec(bytes);
    if buf.as_ptr().align_offset(8) != 0 {
        buf = Buffer::from_slice_ref(buf.as_slice());
    }
    let bytes = buf.as_slice();
    let mut r = Reader {
        buf: &buf,
        bytes,
        pos: 0,
        zeros: Buffer::from_vec(Vec::<u64>::new()),
    };
    if r.take(4)? != MAGIC {
        return Err("not a part of an import".into());
    }
    let len = usize::try_from(r.u64()?).map_err(|_| "too many rows")?;
    // Fields are read in the order written, which is the order `encode` wrote them.
    let t = Table {
        ts: r.prim(len)?,
        latency_ms: r.prim(len)?,
        ttft_ms: r.prim(len)?,
        status: r.prim(len)?,
        error: r.bool(len)?,
        error_type: r.dict(len)?,
        user_id: r.dict(len)?,
        application: r.dict(len)?,
        model: r.dict(len)?,
        provider: r.dict(len)?,
        feature: r.dict(len)?,
        tags: r.dict(len)?,
        input_tokens: r.prim(len)?,
        output_tokens: r.prim(len)?,
        cached_input_tokens: r.prim(len)?,
        reasoning_tokens: r.prim(len)?,
        cost_usd: r.prim(len)?,
        cost_source: r.prim(len)?,
        // Pricing the joined table lists them again.
        cost_mismatch: Vec::new(),
        feedback: r.prim(len)?,
        hallucination: r.prim(len)?,
        safety_violation: r.bool(len)?,
        relevance: r.prim(len)?,
        coherence: r.prim(len)?,
        span_offset: r.prim(len)?,
        span_len: r.prim(len)?,
        file: r.prim(len)?,
    };
    let report = match r.take(1)?[0] {
        0 => None,
        _ => {
            let lines = r.u64()?;
            let report = serde_json::from_slice(r.take_bytes()?).map_err(|e| e.to_string())?;
            Some((report, lines))
        }
    };
    if r.pos != bytes.len() {
        return Err("bytes after the part's end".into());
    }
    Ok((t, report))
}

struct Writer(Vec<u8>);

impl Writer {
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }

    fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.0.extend_from_slice(b);
    }

    /// Bytes that start 8-byte aligned (after zeros), so they can be read in place.
    fn aligned(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.0.resize(self.0.len().next_multiple_of(8), 0);
        self.0.extend_from_slice(b);
    }

    /// A bitmap of `len` bits from bit 0 of `b`.
    fn bits(&mut self, b: &BooleanBuffer) {
        let sliced = b.sliced();
        self.bytes(&sliced.as_slice()[..b.len().div_ceil(8)]);
    }

    /// The null bitmap; false when every row is null (no values follow).
    fn nulls(&mut self, nulls: Option<&NullBuffer>, len: usize) -> bool {
        match nulls {
            None => self.0.push(0),
            Some(n) if n.null_count() == len && len > 0 => {
                self.0.push(2);
                return false;
            }
            Some(n) => {
                self.0.push(1);
                self.bits(n.inner());
            }
        }
        true
    }

    fn prim<T: ArrowPrimitiveType>(&mut self, a: &PrimitiveArray<T>) {
        if self.nulls(a.nulls(), a.len()) {
            // A column's buffer is exactly its rows (a shared zero buffer is sliced to them).
            self.aligned(a.values().inner().as_slice());
        }
    }

    fn bool(&mut self, a: &BooleanArray) {
        if self.nulls(a.nulls(), a.len()) {
            self.bits(a.values());
        }
    }

    fn dict(&mut self, a: &DictColumn) {
        self.prim(a.keys());
        let values = a.values().as_any().downcast_ref::<StringArray>();
        let n = values.map_or(0, |v| v.len());
        self.u64(n as u64);
        for i in 0..n {
            let v = values.map_or("", |v| v.value(i));
            self.bytes(v.as_bytes());
        }
    }
}

struct Reader<'a> {
    /// The bytes, 8-byte aligned, which columns' values are slices of.
    buf: &'a Buffer,
    bytes: &'a [u8],
    pos: usize,
    /// Zeros for the values of columns without any.
    zeros: Buffer,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or("the part ends early")?;
        let b = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(b)
    }

    fn u64(&mut self) -> Result<u64, String> {
        let b = self.take(8)?;
        Ok(u64::from_le_bytes(b.try_into().map_err(|_| "short")?))
    }

    fn take_bytes(&mut self) -> Result<&'a [u8], String> {
        let n = usize::try_from(self.u64()?).map_err(|_| "too long")?;
        self.take(n)
    }

    /// `len` bits, copied into an aligned buffer.
    fn bits(&mut self, len: usize) -> Result<BooleanBuffer, String> {
        let b = self.take_bytes()?;
        if b.len() != len.div_ceil(8) {
            return Err("a bitmap of the wrong length".into());
        }
        Ok(BooleanBuffer::new(Buffer::from_slice_ref(b), 0, len))
    }

    /// The null bitmap, and whether values follow (not when every row is null).
    fn nulls(&mut self, len: usize) -> Result<(Option<NullBuffer>, bool), String> {
        match self.take(1)?[0] {
            0 => Ok((None, true)),
            1 => Ok((Some(NullBuffer::new(self.bits(len)?)), true)),
            _ => Ok((Some(NullBuffer::new_null(len)), false)),
        }
    }

    /// `n` zero bytes, shared by every column without a value.
    fn zeros(&mut self, n: usize) -> Buffer {
        if self.zeros.len() < n {
            self.zeros = Buffer::from_vec(vec![0u64; n.div_ceil(8)]);
        }
        self.zeros.slice_with_length(0, n)
    }

    fn prim<T: ArrowPrimitiveType>(&mut self, len: usize) -> Result<PrimitiveArray<T>, String> {
        let size = std::mem::size_of::<T::Native>();
        let n = len.checked_mul(size).ok_or("too many rows")?;
        let (nulls, has_values) = self.nulls(len)?;
        if !has_values {
            return Ok(PrimitiveArray::new(self.zeros(n).into(), nulls));
        }
        let stored = self.u64()?;
        self.take(self.pos.next_multiple_of(8) - self.pos)?;
        let start = self.pos;
        self.take(n)?;
        if stored != n as u64 {
            return Err("a column of the wrong length".into());
        }
        // In place: `buf` and `start` are 8-byte aligned, as the values need.
        let values = ScalarBuffer::from(self.buf.slice_with_length(start, n));
        PrimitiveArray::try_new(values, nulls).map_err(|e| e.to_string())
    }

    fn bool(&mut self, len: usize) -> Result<BooleanArray, String> {
        match self.nulls(len)? {
            (nulls, false) => {
                let zeros = self.zeros(len.div_ceil(8));
                Ok(BooleanArray::new(BooleanBuffer::new(zeros, 0, len), nulls))
            }
            (nulls, true) => Ok(BooleanArray::new(self.bits(len)?, nulls)),
        }
    }

    fn dict(&mut self, len: usize) -> Result<DictColumn, String> {
        let keys: UInt32Array = self.prim(len)?;
        let n = usize::try_from(self.u64()?).map_err(|_| "too many labels")?;
        let mut values = StringBuilder::new();
        for _ in 0..n {
            let v = std::str::from_utf8(self.take_bytes()?).map_err(|e| e.to_string())?;
            values.append_value(v);
        }
        DictionaryArray::try_new(keys, Arc::new(values.finish())).map_err(|e| e.to_string())
    }
}
