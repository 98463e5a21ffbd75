//! The columnar store: one Arrow array per canonical column, strings dictionary-encoded.
//! Long text (prompts, outputs) is not here: each row keeps the byte span of its source
//! line, and drill-down reads that slice back from the file.

use arrow::array::{
    Array, ArrayBuilder, ArrayRef, ArrowPrimitiveType, BooleanArray, BooleanBuilder,
    DictionaryArray, Float32Array, Float32Builder, Float64Array, Float64Builder, Int64Array,
    Int64Builder, PrimitiveArray, PrimitiveBuilder, StringArray, StringBuilder, UInt16Array,
    UInt16Builder, UInt32Array, UInt32Builder, UInt64Array, UInt64Builder, UInt8Array,
    UInt8Builder,
};
use arrow::buffer::{BooleanBuffer, Buffer, NullBuffer, ScalarBuffer};
use arrow::datatypes::UInt32Type;
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;

use crate::metrics::cost::CostSource;
use crate::schema::{arrow_schema, NONE_LABEL};

/// One canonical record as a decoder hands it over (strings still borrowed from the input).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row<'a> {
    /// Request start, µs since the epoch, UTC.
    pub ts: Option<i64>,
    /// End-to-end latency, ms.
    pub latency_ms: Option<f64>,
    /// Time to first token, ms.
    pub ttft_ms: Option<f64>,
    /// HTTP status code.
    pub status: Option<u16>,
    /// Whether the request failed.
    pub error: bool,
    /// The class of failure, when it failed.
    pub error_type: Option<&'a str>,
    /// Who.
    pub user_id: Option<&'a str>,
    /// Which application.
    pub application: Option<&'a str>,
    /// Which model.
    pub model: Option<&'a str>,
    /// Which provider.
    pub provider: Option<&'a str>,
    /// Which product feature (e.g. "summarize").
    pub feature: Option<&'a str>,
    /// Free labels as a tag set: sorted, distinct, joined by [`TAG_SEP`] (see
    /// [`crate::ingest::record::tag_set`]); `None` without any.
    pub tags: Option<&'a str>,
    /// Prompt tokens.
    pub input_tokens: Option<u32>,
    /// Completion tokens.
    pub output_tokens: Option<u32>,
    /// Prompt tokens read from the provider's cache.
    pub cached_input_tokens: Option<u32>,
    /// Reasoning tokens (part of the output).
    pub reasoning_tokens: Option<u32>,
    /// Cost, USD: as reported by the log until [`crate::metrics::cost::apply_prices`].
    pub cost_usd: Option<f64>,
    /// Where the cost comes from ([`crate::metrics::cost::CostSource`]); 0 lets the
    /// builder say "reported" when there is a cost.
    pub cost_source: u8,
    /// Human feedback in [−1, 1].
    pub feedback: Option<f32>,
    /// Hallucination in [0, 1].
    pub hallucination: Option<f32>,
    /// A flagged output.
    pub safety_violation: Option<bool>,
    /// Relevance in [0, 1].
    pub relevance: Option<f32>,
    /// Coherence in [0, 1].
    pub coherence: Option<f32>,
    /// (byte offset, byte length) of the source line in its file; (0, 0) when the file
    /// cannot be read back by span (compressed, columnar).
    pub span: (u64, u32),
    /// Which file of the import (0-based, in the order read).
    pub file: u16,
}

/// Separates the tags of a tag set in the `tags` column (a byte no label uses).
pub const TAG_SEP: char = '\u{1f}';

/// The tags of a tag set as stored in the `tags` column.
pub fn tags_of(set: &str) -> impl Iterator<Item = &str> {
    set.split(TAG_SEP)
}

/// A dictionary column's builder. Arrow's own hashes each value with aHash, whose 128-bit
/// multiplies wasm32 does in software (6% of a wasm import); FxHash multiplies in 64 bits.
/// The labels are found through a table of our own, compared with the labels where the
/// column keeps them: a map of its own copies compared them with wasm's byte-at-a-time
/// `memcmp` (a third of the lookups' time).
#[derive(Default)]
struct DictBuilder {
    /// Open addressing: each slot is empty (0) or a label's id + 1; at most half are used.
    slots: Vec<u32>,
    values: StringBuilder,
    keys: UInt32Builder,
}
/// A dictionary-encoded string column.
pub type DictColumn = DictionaryArray<UInt32Type>;

/// Appends rows column by column.
#[derive(Default)]
pub struct TableBuilder {
    ts: Lazy<Int64Builder>,
    latency_ms: Lazy<Float64Builder>,
    ttft_ms: Lazy<Float64Builder>,
    status: Lazy<UInt16Builder>,
    error: BooleanBuilder,
    error_type: Lazy<DictBuilder>,
    user_id: Lazy<DictBuilder>,
    application: Lazy<DictBuilder>,
    model: Lazy<DictBuilder>,
    provider: Lazy<DictBuilder>,
    feature: Lazy<DictBuilder>,
    tags: Lazy<DictBuilder>,
    input_tokens: Lazy<UInt32Builder>,
    output_tokens: Lazy<UInt32Builder>,
    cached_input_tokens: Lazy<UInt32Builder>,
    reasoning_tokens: Lazy<UInt32Builder>,
    cost_usd: Lazy<Float64Builder>,
    cost_source: UInt8Builder,
    feedback: Lazy<Float32Builder>,
    hallucination: Lazy<Float32Builder>,
    safety_violation: Lazy<BooleanBuilder>,
    relevance: Lazy<Float32Builder>,
    coherence: Lazy<Float32Builder>,
    span_offset: UInt64Builder,
    span_len: UInt32Builder,
    file: UInt16Builder,
}

/// A column builder that holds nothing until the column's first value. Exports leave many
/// canonical columns empty (no time to first token, no quality signals, no tags), and a
/// builder of nulls would still hold a zeroed value per row: about 40 of the 116 bytes a
/// record of the article's shape took.
struct Lazy<B> {
    /// Rows before the first value (all of them while `b` is `None`).
    nulls: usize,
    b: Option<B>,
}

impl<B> Default for Lazy<B> {
    fn default() -> Self {
        Lazy { nulls: 0, b: None }
    }
}

/// What [`Lazy`] needs of a builder.
trait Column: Default {
    type Value<'a>;
    type Array;
    fn nulls(&mut self, n: usize);
    fn value(&mut self, v: Self::Value<'_>);
    fn finish(&mut self) -> Self::Array;
    /// `len` nulls, their values read from `filler` (at least 8 bytes a row, any bytes: a
    /// null's value means nothing).
    fn all_null(len: usize, filler: &Buffer) -> Self::Array;
    /// Appends every row of `a`, a column of another table.
    fn extend(&mut self, a: &Self::Array);
    /// An empty builder with room for `rows` rows.
    fn with_room(rows: usize) -> Self;
}

/// Makes `b` a builder of the same rows with room for `rows` in all, so it does not grow
/// (by doubling, copying) while they come.
fn reserve_rows<B: Column>(b: &mut B, rows: usize) {
    let rows_so_far = b.finish();
    let mut roomy = B::with_room(rows);
    roomy.extend(&rows_so_far);
    *b = roomy;
}

/// `a` with its values' buffer cut to their length. A builder grows by doubling, so up to
/// half of its buffer is spare; the allocator cuts the block in place and the spare holds
/// what is allocated next (the prepared views) instead of new memory.
fn fit<T: ArrowPrimitiveType>(a: PrimitiveArray<T>) -> PrimitiveArray<T> {
    let (data_type, values, nulls) = a.into_parts();
    let len = values.len();
    let buf = match values.into_inner().into_mutable() {
        Ok(mut m) => {
            m.shrink_to_fit();
            Buffer::from(m)
        }
        Err(b) => b,
    };
    PrimitiveArray::new(ScalarBuffer::new(buf, 0, len), nulls).with_data_type(data_type)
}

impl<T: ArrowPrimitiveType> Column for PrimitiveBuilder<T> {
    type Value<'a> = T::Native;
    type Array = PrimitiveArray<T>;
    fn nulls(&mut self, n: usize) {
        self.append_nulls(n);
    }
    fn value(&mut self, v: T::Native) {
        self.append_value(v);
    }
    fn finish(&mut self) -> PrimitiveArray<T> {
        fit(PrimitiveBuilder::finish(self))
    }
    fn all_null(len: usize, filler: &Buffer) -> PrimitiveArray<T> {
        PrimitiveArray::new(
            ScalarBuffer::new(filler.clone(), 0, len),
            Some(NullBuffer::new_null(len)),
        )
    }
    fn extend(&mut self, a: &PrimitiveArray<T>) {
        self.append_array(a);
    }
    fn with_room(rows: usize) -> Self {
        PrimitiveBuilder::with_capacity(rows)
    }
}

impl Column for BooleanBuilder {
    type Value<'a> = bool;
    type Array = BooleanArray;
    fn nulls(&mut self, n: usize) {
        self.append_nulls(n);
    }
    fn value(&mut self, v: bool) {
        self.append_value(v);
    }
    fn finish(&mut self) -> BooleanArray {
        BooleanBuilder::finish(self)
    }
    fn all_null(len: usize, filler: &Buffer) -> BooleanArray {
        BooleanArray::new(
            BooleanBuffer::new(filler.clone(), 0, len),
            Some(NullBuffer::new_null(len)),
        )
    }
    fn extend(&mut self, a: &BooleanArray) {
        self.append_array(a);
    }
    fn with_room(rows: usize) -> Self {
        BooleanBuilder::with_capacity(rows)
    }
}

impl Column for DictBuilder {
    type Value<'a> = &'a str;
    type Array = DictColumn;
    fn nulls(&mut self, n: usize) {
        self.keys.append_nulls(n);
    }
    fn value(&mut self, v: &str) {
        let id = self.id(v);
        self.keys.append_value(id);
    }
    fn finish(&mut self) -> DictColumn {
        self.slots = Vec::new();
        let values: ArrayRef = std::sync::Arc::new(self.values.finish());
        DictionaryArray::new(fit(self.keys.finish()), values)
    }
    fn all_null(len: usize, filler: &Buffer) -> DictColumn {
        let values: ArrayRef = std::sync::Arc::new(StringArray::from(Vec::<&str>::new()));
        DictionaryArray::new(UInt32Builder::all_null(len, filler), values)
    }
    fn with_room(rows: usize) -> Self {
        DictBuilder {
            keys: UInt32Builder::with_capacity(rows),
            ..DictBuilder::default()
        }
    }
    fn extend(&mut self, a: &DictColumn) {
        // Each of its labels is looked up once, when a row first uses it.
        let values = a.values().as_any().downcast_ref::<StringArray>();
        let mut ids: Vec<Option<u32>> = vec![None; values.map_or(0, |v| v.len())];
        let keys = a.keys();
        for i in 0..a.len() {
            let key = keys.is_valid(i).then(|| keys.value(i) as usize);
            match (key, values) {
                (Some(k), Some(values)) if k < values.len() => {
                    let id = match ids[k] {
                        Some(id) => id,
                        None => {
                            let id = self.id(values.value(k));
                            ids[k] = Some(id);
                            id
                        }
                    };
                    self.keys.append_value(id);
                }
                _ => self.keys.append_null(),
            }
        }
    }
}

impl DictBuilder {
    /// The id of label `v`, added to the dictionary when new.
    fn id(&mut self, v: &str) -> u32 {
        if self.slots.is_empty() {
            self.slots = vec![0; 16];
        }
        let mask = self.slots.len() - 1;
        let mut at = Self::hash(v.as_bytes()) & mask;
        loop {
            match self.slots[at] {
                0 => break,
                s if crate::ingest::find::same(self.label(s - 1), v.as_bytes()) => return s - 1,
                _ => at = (at + 1) & mask,
            }
        }
        let id = self.values.len() as u32;
        self.values.append_value(v);
        self.slots[at] = id + 1;
        if 2 * self.values.len() > self.slots.len() {
            self.grow();
        }
        id
    }

    /// Label `id`'s bytes.
    fn label(&self, id: u32) -> &[u8] {
        let offsets = self.values.offsets_slice();
        let id = id as usize;
        &self.values.values_slice()[offsets[id] as usize..offsets[id + 1] as usize]
    }

    fn hash(bytes: &[u8]) -> usize {
        use std::hash::BuildHasher;
        rustc_hash::FxBuildHasher.hash_one(bytes) as usize
    }

    /// Twice the slots, every label placed again.
    fn grow(&mut self) {
        let mut slots = vec![0u32; self.slots.len() * 2];
        let mask = slots.len() - 1;
        for id in 0..self.values.len() as u32 {
            let mut at = Self::hash(self.label(id)) & mask;
            while slots[at] != 0 {
                at = (at + 1) & mask;
            }
            slots[at] = id + 1;
        }
        self.slots = slots;
    }
}

impl<B: Column> Lazy<B> {
    fn reserve(&mut self, rows: usize) {
        if let Some(b) = &mut self.b {
            reserve_rows(b, rows);
        }
    }

    fn push(&mut self, v: Option<B::Value<'_>>) {
        match (v, &mut self.b) {
            (None, Some(b)) => b.nulls(1),
            (None, None) => self.nulls += 1,
            (Some(v), b) => {
                let nulls = self.nulls;
                b.get_or_insert_with(|| {
                    let mut b = B::default();
                    b.nulls(nulls);
                    b
                })
                .value(v);
            }
        }
    }

    /// Appends every row of `a`, a column of another table; a column without a value
    /// stays empty.
    fn extend(&mut self, a: &B::Array)
    where
        B::Array: Array,
    {
        if a.null_count() == a.len() {
            match &mut self.b {
                Some(b) => b.nulls(a.len()),
                None => self.nulls += a.len(),
            }
            return;
        }
        let nulls = self.nulls;
        self.b
            .get_or_insert_with(|| {
                let mut b = B::default();
                b.nulls(nulls);
                b
            })
            .extend(a);
    }

    /// The column, `len` rows; an empty column's values are `filler`, shared by all of them.
    fn finish(&mut self, len: usize, filler: &Buffer) -> B::Array {
        self.nulls = 0;
        match &mut self.b.take() {
            Some(b) => b.finish(),
            None => B::all_null(len, filler),
        }
    }
}

impl TableBuilder {
    /// Appends one row.
    pub fn push(&mut self, r: &Row<'_>) {
        self.ts.push(r.ts);
        self.latency_ms.push(r.latency_ms);
        self.ttft_ms.push(r.ttft_ms);
        self.status.push(r.status);
        self.error.append_value(r.error);
        self.error_type.push(r.error_type);
        self.user_id.push(r.user_id);
        self.application.push(r.application);
        self.model.push(r.model);
        self.provider.push(r.provider);
        self.feature.push(r.feature);
        self.tags.push(r.tags);
        self.input_tokens.push(r.input_tokens);
        self.output_tokens.push(r.output_tokens);
        self.cached_input_tokens.push(r.cached_input_tokens);
        self.reasoning_tokens.push(r.reasoning_tokens);
        self.cost_usd.push(r.cost_usd);
        self.cost_source
            .append_value(match (r.cost_source, r.cost_usd) {
                (0, Some(_)) => CostSource::Reported as u8,
                (s, _) => s,
            });
        self.feedback.push(r.feedback);
        self.hallucination.push(r.hallucination);
        self.safety_violation.push(r.safety_violation);
        self.relevance.push(r.relevance);
        self.coherence.push(r.coherence);
        self.span_offset.append_value(r.span.0);
        self.span_len.append_value(r.span.1);
        self.file.append_value(r.file);
    }

    /// Makes room for `rows` rows in all in the columns that have values so far (a column
    /// whose first value comes later grows as it goes). For a reader that knows about how
    /// many rows will come (from the file's size): its columns then never grow by
    /// doubling, which copies them and, in wasm, leaves the old buffers' memory behind.
    pub fn reserve(&mut self, rows: usize) {
        if rows <= self.len() {
            return;
        }
        self.ts.reserve(rows);
        self.latency_ms.reserve(rows);
        self.ttft_ms.reserve(rows);
        self.status.reserve(rows);
        reserve_rows(&mut self.error, rows);
        self.error_type.reserve(rows);
        self.user_id.reserve(rows);
        self.application.reserve(rows);
        self.model.reserve(rows);
        self.provider.reserve(rows);
        self.feature.reserve(rows);
        self.tags.reserve(rows);
        self.input_tokens.reserve(rows);
        self.output_tokens.reserve(rows);
        self.cached_input_tokens.reserve(rows);
        self.reasoning_tokens.reserve(rows);
        self.cost_usd.reserve(rows);
        reserve_rows(&mut self.cost_source, rows);
        self.feedback.reserve(rows);
        self.hallucination.reserve(rows);
        self.safety_violation.reserve(rows);
        self.relevance.reserve(rows);
        self.coherence.reserve(rows);
        reserve_rows(&mut self.span_offset, rows);
        reserve_rows(&mut self.span_len, rows);
        reserve_rows(&mut self.file, rows);
    }

    /// Appends every row of `t` (re-encoding its strings in this builder's dictionaries);
    /// its file numbers are shifted by `file_shift` (the files already appended).
    pub fn append(&mut self, t: &Table, file_shift: u16) {
        self.ts.extend(&t.ts);
        self.latency_ms.extend(&t.latency_ms);
        self.ttft_ms.extend(&t.ttft_ms);
        self.status.extend(&t.status);
        self.error.append_array(&t.error);
        self.error_type.extend(&t.error_type);
        self.user_id.extend(&t.user_id);
        self.application.extend(&t.application);
        self.model.extend(&t.model);
        self.provider.extend(&t.provider);
        self.feature.extend(&t.feature);
        self.tags.extend(&t.tags);
        self.input_tokens.extend(&t.input_tokens);
        self.output_tokens.extend(&t.output_tokens);
        self.cached_input_tokens.extend(&t.cached_input_tokens);
        self.reasoning_tokens.extend(&t.reasoning_tokens);
        self.cost_usd.extend(&t.cost_usd);
        self.cost_source.append_array(&t.cost_source);
        self.feedback.extend(&t.feedback);
        self.hallucination.extend(&t.hallucination);
        self.safety_violation.extend(&t.safety_violation);
        self.relevance.extend(&t.relevance);
        self.coherence.extend(&t.coherence);
        self.span_offset.append_array(&t.span_offset);
        self.span_len.append_array(&t.span_len);
        for f in t.file.values().iter() {
            self.file.append_value(f.saturating_add(file_shift));
        }
    }

    /// Rows appended so far.
    pub fn len(&self) -> usize {
        arrow::array::ArrayBuilder::len(&self.error)
    }

    /// Whether no row was appended.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The finished table; the builder is left empty.
    pub fn finish(&mut self) -> Table {
        let len = arrow::array::ArrayBuilder::len(&self.error);
        // The values of the columns that got none (they are all null, so any bytes do) are
        // those of the byte offsets, 8 a row: a zeroed buffer of their own, 8 bytes a record,
        // was memory touched for nothing at the end of every load.
        let span_offset = fit(self.span_offset.finish());
        let filler = span_offset.values().inner().clone();
        Table {
            ts: self.ts.finish(len, &filler),
            latency_ms: self.latency_ms.finish(len, &filler),
            ttft_ms: self.ttft_ms.finish(len, &filler),
            status: self.status.finish(len, &filler),
            error: self.error.finish(),
            error_type: self.error_type.finish(len, &filler),
            user_id: self.user_id.finish(len, &filler),
            application: self.application.finish(len, &filler),
            model: self.model.finish(len, &filler),
            provider: self.provider.finish(len, &filler),
            feature: self.feature.finish(len, &filler),
            tags: self.tags.finish(len, &filler),
            input_tokens: self.input_tokens.finish(len, &filler),
            output_tokens: self.output_tokens.finish(len, &filler),
            cached_input_tokens: self.cached_input_tokens.finish(len, &filler),
            reasoning_tokens: self.reasoning_tokens.finish(len, &filler),
            cost_usd: self.cost_usd.finish(len, &filler),
            cost_source: fit(self.cost_source.finish()),
            cost_mismatch: Vec::new(),
            feedback: self.feedback.finish(len, &filler),
            hallucination: self.hallucination.finish(len, &filler),
            safety_violation: self.safety_violation.finish(len, &filler),
            relevance: self.relevance.finish(len, &filler),
            coherence: self.coherence.finish(len, &filler),
            span_offset,
            span_len: fit(self.span_len.finish()),
            file: fit(self.file.finish()),
        }
    }
}

/// The loaded records, column by column (see [`crate::schema`] for meanings and units).
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Table {
    pub ts: Int64Array,
    pub latency_ms: Float64Array,
    pub ttft_ms: Float64Array,
    pub status: UInt16Array,
    pub error: BooleanArray,
    pub error_type: DictColumn,
    pub user_id: DictColumn,
    pub application: DictColumn,
    pub model: DictColumn,
    pub provider: DictColumn,
    pub feature: DictColumn,
    /// Tag sets (see [`Row::tags`]).
    pub tags: DictColumn,
    pub input_tokens: UInt32Array,
    pub output_tokens: UInt32Array,
    pub cached_input_tokens: UInt32Array,
    pub reasoning_tokens: UInt32Array,
    pub cost_usd: Float64Array,
    pub cost_source: UInt8Array,
    /// (row, cost computed from the price table) of rows whose reported cost differs.
    pub cost_mismatch: Vec<(u32, f64)>,
    pub feedback: Float32Array,
    pub hallucination: Float32Array,
    pub safety_violation: BooleanArray,
    pub relevance: Float32Array,
    pub coherence: Float32Array,
    pub span_offset: UInt64Array,
    pub span_len: UInt32Array,
    pub file: UInt16Array,
}

impl Default for Table {
    fn default() -> Self {
        TableBuilder::default().finish()
    }
}

impl Table {
    /// Number of records.
    pub fn len(&self) -> usize {
        self.ts.len()
    }

    /// True when no record was loaded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The table as one Arrow record batch in the canonical schema.
    pub fn to_record_batch(&self) -> Result<RecordBatch, ArrowError> {
        let cols: Vec<ArrayRef> = vec![
            std::sync::Arc::new(self.ts.clone()),
            std::sync::Arc::new(self.latency_ms.clone()),
            std::sync::Arc::new(self.ttft_ms.clone()),
            std::sync::Arc::new(self.status.clone()),
            std::sync::Arc::new(self.error.clone()),
            std::sync::Arc::new(self.error_type.clone()),
            std::sync::Arc::new(self.user_id.clone()),
            std::sync::Arc::new(self.application.clone()),
            std::sync::Arc::new(self.model.clone()),
            std::sync::Arc::new(self.provider.clone()),
            std::sync::Arc::new(self.feature.clone()),
            std::sync::Arc::new(self.tags.clone()),
            std::sync::Arc::new(self.input_tokens.clone()),
            std::sync::Arc::new(self.output_tokens.clone()),
            std::sync::Arc::new(self.cached_input_tokens.clone()),
            std::sync::Arc::new(self.reasoning_tokens.clone()),
            std::sync::Arc::new(self.cost_usd.clone()),
            std::sync::Arc::new(self.cost_source.clone()),
            std::sync::Arc::new(self.feedback.clone()),
            std::sync::Arc::new(self.hallucination.clone()),
            std::sync::Arc::new(self.safety_violation.clone()),
            std::sync::Arc::new(self.relevance.clone()),
            std::sync::Arc::new(self.coherence.clone()),
            std::sync::Arc::new(self.span_offset.clone()),
            std::sync::Arc::new(self.span_len.clone()),
            std::sync::Arc::new(self.file.clone()),
        ];
        RecordBatch::try_new(arrow_schema(), cols)
    }
}

/// Bits of a boolean or validity buffer, read without Arrow's checks at each call.
#[derive(Clone, Copy)]
pub struct Bits<'a> {
    bytes: &'a [u8],
    offset: usize,
}

impl<'a> Bits<'a> {
    fn of(b: &'a BooleanBuffer) -> Bits<'a> {
        Bits {
            bytes: b.values(),
            offset: b.offset(),
        }
    }

    /// Bit `i`.
    #[inline(always)]
    pub fn get(&self, i: usize) -> bool {
        let j = i + self.offset;
        (self.bytes[j >> 3] >> (j & 7)) & 1 != 0
    }
}

/// A column's values, and which are valid when some are null.
#[derive(Clone, Copy)]
pub struct Col<'a, T> {
    /// Every row's value (a null row's is whatever the buffer holds).
    pub values: &'a [T],
    valid: Option<Bits<'a>>,
}

impl<'a, T: arrow::datatypes::ArrowNativeType> Col<'a, T> {
    /// The column `a` as slices.
    pub fn of<P: ArrowPrimitiveType<Native = T>>(a: &'a PrimitiveArray<P>) -> Col<'a, T> {
        Col {
            values: a.values().as_ref(),
            valid: a
                .nulls()
                .filter(|n| n.null_count() > 0)
                .map(|n| Bits::of(n.inner())),
        }
    }

    /// Row `i`'s value; `None` when it is null.
    #[inline(always)]
    pub fn get(&self, i: usize) -> Option<T> {
        match self.valid {
            Some(v) if !v.get(i) => None,
            _ => Some(self.values[i]),
        }
    }
}

/// The columns a pass over rows reads, as slices and bits: Arrow's accessors check the
/// index (and the null buffer's) at every call, and a row pass calls them a dozen times a
/// row.
#[derive(Clone, Copy)]
#[allow(missing_docs)]
pub struct Cols<'a> {
    /// The table, for what is read rarely.
    pub t: &'a Table,
    pub ts: Col<'a, i64>,
    pub latency_ms: Col<'a, f64>,
    pub ttft_ms: Col<'a, f64>,
    pub error: Bits<'a>,
    /// Dictionary keys.
    pub error_type: Col<'a, u32>,
    pub user_id: Col<'a, u32>,
    pub feature: Col<'a, u32>,
    pub tags: Col<'a, u32>,
    pub input_tokens: Col<'a, u32>,
    pub output_tokens: Col<'a, u32>,
    pub cached_input_tokens: Col<'a, u32>,
    pub reasoning_tokens: Col<'a, u32>,
    pub cost_usd: Col<'a, f64>,
    pub cost_source: &'a [u8],
    pub feedback: Col<'a, f32>,
    pub hallucination: Col<'a, f32>,
    pub relevance: Col<'a, f32>,
    pub coherence: Col<'a, f32>,
    /// Whether a row was flagged, and (below) whether it says.
    pub safety_violation: Bits<'a>,
    pub safety_known: Option<Bits<'a>>,
}

impl Table {
    /// The columns of row passes (see [`Cols`]).
    pub fn cols(&self) -> Cols<'_> {
        Cols {
            t: self,
            ts: Col::of(&self.ts),
            latency_ms: Col::of(&self.latency_ms),
            ttft_ms: Col::of(&self.ttft_ms),
            error: Bits::of(self.error.values()),
            error_type: Col::of(self.error_type.keys()),
            user_id: Col::of(self.user_id.keys()),
            feature: Col::of(self.feature.keys()),
            tags: Col::of(self.tags.keys()),
            input_tokens: Col::of(&self.input_tokens),
            output_tokens: Col::of(&self.output_tokens),
            cached_input_tokens: Col::of(&self.cached_input_tokens),
            reasoning_tokens: Col::of(&self.reasoning_tokens),
            cost_usd: Col::of(&self.cost_usd),
            cost_source: self.cost_source.values(),
            feedback: Col::of(&self.feedback),
            hallucination: Col::of(&self.hallucination),
            relevance: Col::of(&self.relevance),
            coherence: Col::of(&self.coherence),
            safety_violation: Bits::of(self.safety_violation.values()),
            safety_known: self
                .safety_violation
                .nulls()
                .filter(|n| n.null_count() > 0)
                .map(|n| Bits::of(n.inner())),
        }
    }
}

impl Cols<'_> {
    /// Whether row `i` failed.
    #[inline(always)]
    pub fn error(&self, i: usize) -> bool {
        self.error.get(i)
    }

    /// Row `i`'s safety flag; `None` when it has none.
    #[inline(always)]
    pub fn safety(&self, i: usize) -> Option<bool> {
        match self.safety_known {
            Some(v) if !v.get(i) => None,
            _ => Some(self.safety_violation.get(i)),
        }
    }
}

/// The text of row `i` of a dictionary column; `None` when the row has none.
pub fn dict_value(col: &DictColumn, i: usize) -> Option<&str> {
    if !col.is_valid(i) {
        return None;
    }
    // Every dictionary here is built by StringDictionaryBuilder: values are strings.
    let values = col.values().as_any().downcast_ref::<StringArray>()?;
    Some(values.value(col.keys().value(i) as usize))
}

/// A dictionary column seen as groups: a label per group and a group index per row (its
/// key, read from the column: no index per row is kept, which would cost 4 bytes a row).
/// Rows without a value form the last group, labelled [`NONE_LABEL`].
pub struct Groups<'a> {
    /// One label per group; the last one is [`NONE_LABEL`].
    pub labels: Vec<String>,
    keys: Col<'a, u32>,
    none: u32,
}

impl<'a> Groups<'a> {
    /// The groups of a dictionary column.
    pub fn of(col: &'a DictColumn) -> Self {
        let labels = Groups::labels_of(col);
        let none = labels.len() as u32 - 1;
        Groups {
            labels,
            keys: Col::of(col.keys()),
            none,
        }
    }

    /// Group index of row `i`.
    #[inline(always)]
    pub fn of_row(&self, i: usize) -> u32 {
        self.keys.get(i).unwrap_or(self.none)
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.keys.values.len()
    }

    /// The labels of [`Groups::of`] alone (no index per row).
    pub fn labels_of(col: &DictColumn) -> Vec<String> {
        let mut labels: Vec<String> = match col.values().as_any().downcast_ref::<StringArray>() {
            Some(values) => values
                .iter()
                .map(|v| v.unwrap_or(NONE_LABEL).to_string())
                .collect(),
            // Every dictionary here is built by StringDictionaryBuilder: values are strings.
            None => Vec::new(),
        };
        labels.push(NONE_LABEL.to_string());
        labels
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dictionary_ids_are_first_seen_order_through_growth() {
        let mut b = DictBuilder::default();
        // Labels of every length up to past a word, many sharing prefixes; each seen twice.
        let labels: Vec<String> = (0..5_000)
            .map(|i| format!("{}{i}", "m".repeat(i % 19)))
            .collect();
        for round in 0..2 {
            for (i, l) in labels.iter().enumerate() {
                assert_eq!(b.id(l), i as u32, "round {round}: {l}");
            }
        }
        assert_eq!(b.id(""), 5_000);
        assert_eq!(b.id(""), 5_000);
        b.value("m1");
        b.nulls(1);
        let col = b.finish();
        let values = col.values().as_any().downcast_ref::<StringArray>().unwrap();
        assert_eq!(values.len(), 5_001);
        assert_eq!(values.value(4_999), labels[4_999]);
        assert_eq!(col.keys().value(0), 1);
        assert!(col.keys().is_null(1));
    }

    #[test]
    fn builds_and_groups() {
        let mut b = TableBuilder::default();
        b.push(&Row {
            model: Some("a"),
            ts: Some(1),
            ..Row::default()
        });
        b.push(&Row {
            model: None,
            ..Row::default()
        });
        b.push(&Row {
            model: Some("b"),
            ..Row::default()
        });
        b.push(&Row {
            model: Some("a"),
            ..Row::default()
        });
        let t = b.finish();
        assert_eq!(t.len(), 4);
        let g = Groups::of(&t.model);
        assert_eq!(g.labels, ["a", "b", NONE_LABEL]);
        assert_eq!(
            (0..4).map(|i| g.of_row(i)).collect::<Vec<_>>(),
            [0, 2, 1, 0]
        );
        assert_eq!(t.to_record_batch().map(|b| b.num_rows()).ok(), Some(4));
    }
}
