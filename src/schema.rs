//! The canonical record every source maps onto: column names, Arrow types and units.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema};

/// Column names of the canonical record (see DESIGN.md, "The canonical record").
pub mod col {
    /// Request start, microseconds since the Unix epoch, UTC.
    pub const TS: &str = "ts";
    /// End-to-end duration in milliseconds.
    pub const LATENCY_MS: &str = "latency_ms";
    /// Time to first token in milliseconds (streaming).
    pub const TTFT_MS: &str = "ttft_ms";
    /// HTTP status code.
    pub const STATUS: &str = "status";
    /// True when the request failed (see [`crate::ingest::is_error`]).
    pub const ERROR: &str = "error";
    /// rate_limit, timeout, server_error, client_error, other.
    pub const ERROR_TYPE: &str = "error_type";
    /// Who sent the request.
    pub const USER_ID: &str = "user_id";
    /// Which application sent it.
    pub const APPLICATION: &str = "application";
    /// Model name as logged, e.g. gpt-4o.
    pub const MODEL: &str = "model";
    /// Provider, e.g. openai.
    pub const PROVIDER: &str = "provider";
    /// Which product feature made the request, e.g. summarize.
    pub const FEATURE: &str = "feature";
    /// Free labels: a tag set, its tags sorted and joined by [`crate::table::TAG_SEP`].
    pub const TAGS: &str = "tags";
    /// Prompt tokens.
    pub const INPUT_TOKENS: &str = "input_tokens";
    /// Completion tokens.
    pub const OUTPUT_TOKENS: &str = "output_tokens";
    /// Prompt tokens read from the provider's cache (part of the input).
    pub const CACHED_INPUT_TOKENS: &str = "cached_input_tokens";
    /// Reasoning tokens (part of the output).
    pub const REASONING_TOKENS: &str = "reasoning_tokens";
    /// Cost in USD: reported by the log, else computed from the price table.
    pub const COST_USD: &str = "cost_usd";
    /// Where the cost comes from: 0 none, 1 reported, 2 computed, 3 reported but more
    /// than 1% from the price table, 4 unpriced.
    pub const COST_SOURCE: &str = "cost_source";
    /// Human feedback in [−1, 1] (thumbs down −1, up +1, ratings scaled).
    pub const FEEDBACK: &str = "feedback";
    /// Hallucination: 1 hallucinated, 0 not, or a judge's score in [0, 1].
    pub const HALLUCINATION: &str = "hallucination";
    /// A flagged output (a safety flag, or finish reason content_filter).
    pub const SAFETY_VIOLATION: &str = "safety_violation";
    /// Relevance in [0, 1].
    pub const RELEVANCE: &str = "relevance";
    /// Coherence in [0, 1].
    pub const COHERENCE: &str = "coherence";
    /// Byte offset of the record's source line in its file.
    pub const SPAN_OFFSET: &str = "span_offset";
    /// Byte length of the record's source line.
    pub const SPAN_LEN: &str = "span_len";
    /// Which file of the import the record came from (0-based).
    pub const FILE: &str = "file";
}

/// The label shown for a missing dimension value (a record without a model, say).
pub const NONE_LABEL: &str = "(none)";

/// The Arrow schema of [`crate::Table::to_record_batch`].
pub fn arrow_schema() -> Arc<Schema> {
    let dict = || DataType::Dictionary(Box::new(DataType::UInt32), Box::new(DataType::Utf8));
    Arc::new(Schema::new(vec![
        Field::new(col::TS, DataType::Int64, true),
        Field::new(col::LATENCY_MS, DataType::Float64, true),
        Field::new(col::TTFT_MS, DataType::Float64, true),
        Field::new(col::STATUS, DataType::UInt16, true),
        Field::new(col::ERROR, DataType::Boolean, false),
        Field::new(col::ERROR_TYPE, dict(), true),
        Field::new(col::USER_ID, dict(), true),
        Field::new(col::APPLICATION, dict(), true),
        Field::new(col::MODEL, dict(), true),
        Field::new(col::PROVIDER, dict(), true),
        Field::new(col::FEATURE, dict(), true),
        Field::new(col::TAGS, dict(), true),
        Field::new(col::INPUT_TOKENS, DataType::UInt32, true),
        Field::new(col::OUTPUT_TOKENS, DataType::UInt32, true),
        Field::new(col::CACHED_INPUT_TOKENS, DataType::UInt32, true),
        Field::new(col::REASONING_TOKENS, DataType::UInt32, true),
        Field::new(col::COST_USD, DataType::Float64, true),
        Field::new(col::COST_SOURCE, DataType::UInt8, false),
        Field::new(col::FEEDBACK, DataType::Float32, true),
        Field::new(col::HALLUCINATION, DataType::Float32, true),
        Field::new(col::SAFETY_VIOLATION, DataType::Boolean, true),
        Field::new(col::RELEVANCE, DataType::Float32, true),
        Field::new(col::COHERENCE, DataType::Float32, true),
        Field::new(col::SPAN_OFFSET, DataType::UInt64, false),
        Field::new(col::SPAN_LEN, DataType::UInt32, false),
        Field::new(col::FILE, DataType::UInt16, false),
    ]))
}
