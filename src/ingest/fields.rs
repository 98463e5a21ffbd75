//! Source field names -> canonical columns, with the unit each one is written in. Every
//! conversion to the canonical unit is named here (as a [`Unit`]) and carried out in
//! [`super::record`]; nowhere else.
//!
//! Each known export is a [`Profile`]: the keys that identify it and a list of [`Rule`]s.
//! For one canonical field the first rule whose source field is present wins, so rules are
//! listed from the most to the least precise source. The README's field table is printed
//! from these lists (`tokenlens fields`), so it cannot drift from the code.

/// What a source field means for the canonical record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Request start.
    Timestamp,
    /// End-to-end latency in milliseconds.
    LatencyMs,
    /// Time to first token in milliseconds.
    TtftMs,
    /// HTTP status code.
    Status,
    /// Whether the request failed (flags and failure statuses).
    Error,
    /// An error message; non-empty means the request failed.
    ErrorMessage,
    /// The exporter's own error class (e.g. OpenTelemetry `error.type`).
    ErrorType,
    /// Model name.
    Model,
    /// Provider (openai, anthropic, …).
    Provider,
    /// Application name.
    Application,
    /// User id.
    UserId,
    /// The product feature that made the request.
    Feature,
    /// Free labels (a list, JSON text of a list, or comma-separated text).
    Tags,
    /// Request id: not resident (read back from the line on drill-down), only validated.
    RequestId,
    /// Prompt tokens (cached ones included).
    InputTokens,
    /// Completion tokens (reasoning ones included).
    OutputTokens,
    /// Prompt + completion tokens: used only when the parts are missing.
    TotalTokens,
    /// Prompt tokens read from the provider's cache.
    CachedInputTokens,
    /// Reasoning tokens (billed as output).
    ReasoningTokens,
    /// Cost in US dollars as reported by the exporting tool.
    CostUsd,
    /// Human feedback in [-1, 1]: thumbs down −1, up +1, ratings scaled.
    Feedback,
    /// Hallucination in [0, 1]: 1 hallucinated, 0 not, or a judge's score.
    Hallucination,
    /// The output was flagged (a safety flag, or finish reason `content_filter`).
    SafetyViolation,
    /// Relevance score in [0, 1].
    Relevance,
    /// Coherence score in [0, 1].
    Coherence,
    /// Which records are LLM calls; see [`Unit::Only`] and [`Unit::Required`]. (Keep it
    /// the last variant: the mapper sizes a per-field table by it.)
    Keep,
}

impl Field {
    /// The canonical column name (as in the README and `--map`).
    pub fn column(self) -> &'static str {
        match self {
            Field::Timestamp => "ts",
            Field::LatencyMs => "latency_ms",
            Field::TtftMs => "ttft_ms",
            Field::Status => "status",
            Field::Error => "error",
            Field::ErrorMessage => "error_message",
            Field::ErrorType => "error_type",
            Field::Model => "model",
            Field::Provider => "provider",
            Field::Application => "application",
            Field::UserId => "user_id",
            Field::Feature => "feature",
            Field::Tags => "tags",
            Field::RequestId => "request_id",
            Field::InputTokens => "input_tokens",
            Field::OutputTokens => "output_tokens",
            Field::TotalTokens => "total_tokens",
            Field::CachedInputTokens => "cached_input_tokens",
            Field::ReasoningTokens => "reasoning_tokens",
            Field::CostUsd => "cost_usd",
            Field::Feedback => "feedback",
            Field::Hallucination => "hallucination",
            Field::SafetyViolation => "safety_violation",
            Field::Relevance => "relevance",
            Field::Coherence => "coherence",
            Field::Keep => "(which records)",
        }
    }

    /// The field named `name` in `--map` and the mapping dialog, with its default unit.
    pub fn from_column(name: &str) -> Option<(Field, Unit)> {
        Some(match name {
            "ts" | "timestamp" => (Field::Timestamp, Unit::Time),
            "latency_ms" => (Field::LatencyMs, Unit::Ms),
            "latency_s" => (Field::LatencyMs, Unit::Seconds),
            "end_ts" | "end_time" => (Field::LatencyMs, Unit::SinceStart),
            "ttft_ms" => (Field::TtftMs, Unit::Ms),
            "status" => (Field::Status, Unit::Status),
            "error" | "error_message" => (Field::ErrorMessage, Unit::Text),
            "error_type" => (Field::ErrorType, Unit::Text),
            "model" => (Field::Model, Unit::Text),
            "provider" => (Field::Provider, Unit::Text),
            "application" => (Field::Application, Unit::Text),
            "user_id" => (Field::UserId, Unit::Text),
            "feature" => (Field::Feature, Unit::Text),
            "tags" => (Field::Tags, Unit::Tags),
            "input_tokens" => (Field::InputTokens, Unit::Count),
            "output_tokens" => (Field::OutputTokens, Unit::Count),
            "total_tokens" => (Field::TotalTokens, Unit::Count),
            "cached_input_tokens" => (Field::CachedInputTokens, Unit::Count),
            "reasoning_tokens" => (Field::ReasoningTokens, Unit::Count),
            "cost_usd" => (Field::CostUsd, Unit::Usd),
            "cost_cents" => (Field::CostUsd, Unit::Cents),
            "feedback" => (Field::Feedback, Unit::Thumbs),
            "rating_1_5" => (Field::Feedback, Unit::Rating5),
            "hallucination" => (Field::Hallucination, Unit::Score01),
            "safety_violation" => (Field::SafetyViolation, Unit::Flag),
            "relevance" => (Field::Relevance, Unit::Score01),
            "coherence" => (Field::Coherence, Unit::Score01),
            _ => return None,
        })
    }
}

/// The names `--map` and the mapping dialog accept, in the order the dialog lists them.
pub const MAPPABLE: &[&str] = &[
    "ts",
    "latency_ms",
    "latency_s",
    "end_ts",
    "ttft_ms",
    "status",
    "error",
    "error_type",
    "model",
    "provider",
    "application",
    "user_id",
    "feature",
    "tags",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "cached_input_tokens",
    "reasoning_tokens",
    "cost_usd",
    "cost_cents",
    "feedback",
    "rating_1_5",
    "hallucination",
    "safety_violation",
    "relevance",
    "coherence",
];

/// How a source value is written, and so how it converts to the canonical unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A point in time: ISO 8601 text, or an epoch number (or numeric text) whose unit —
    /// s, ms, µs or ns — is inferred from its magnitude.
    Time,
    /// Milliseconds.
    Ms,
    /// Seconds (× 1000 to ms).
    Seconds,
    /// A point in time (as [`Unit::Time`]); the field is its distance from the request
    /// start, in ms (end time -> latency, first-token time -> TTFT).
    SinceStart,
    /// A whole number ≥ 0.
    Count,
    /// An HTTP status code.
    Status,
    /// US dollars.
    Usd,
    /// US cents (÷ 100 to dollars).
    Cents,
    /// US dollars, one part of the cost (input, output): the parts are summed when no
    /// whole-cost rule has a value.
    UsdPart,
    /// Text, kept as written (numbers become their text).
    Text,
    /// Labels: a list, a JSON list written as text, or comma-separated text.
    Tags,
    /// A failure when the value (as text, case-insensitively) is one of these.
    FailedIf(&'static [&'static str]),
    /// A success flag: false means the request failed.
    SuccessFlag,
    /// Thumbs: true / positive numbers = +1, false / 0 / negative = −1 (`"up"`/`"down"`
    /// too); a fraction in between is kept as a score in [−1, 1].
    Thumbs,
    /// A 1–5 rating, scaled to [−1, 1] as (x − 3) / 2.
    Rating5,
    /// A score in [0, 1] (true = 1, false = 0).
    Score01,
    /// A flag: true, 1 or "true" = yes.
    Flag,
    /// A finish reason (or a list of them): `content_filter` = flagged.
    ContentFilter,
    /// Keep: the record is an LLM call when this field is absent or one of these values.
    Only(&'static [&'static str]),
    /// Keep: the record is an LLM call only when one of the profile's `Required` fields
    /// is present.
    Required,
}

impl Unit {
    /// How the README names the unit.
    pub fn describe(self) -> String {
        match self {
            Unit::Time => "ISO 8601 or epoch s/ms/µs/ns".into(),
            Unit::Ms => "ms".into(),
            Unit::Seconds => "s (× 1000)".into(),
            Unit::SinceStart => "end time − start, in ms".into(),
            Unit::Count => "count".into(),
            Unit::Status => "HTTP status".into(),
            Unit::Usd => "USD".into(),
            Unit::Cents => "US cents (÷ 100)".into(),
            Unit::UsdPart => "USD, summed with the other parts".into(),
            Unit::Text => "text".into(),
            Unit::Tags => "labels: a list, JSON list text, or `a,b` text".into(),
            Unit::FailedIf(v) => format!("failed when {}", v.join(" or ")),
            Unit::SuccessFlag => "false = failed".into(),
            Unit::Thumbs => "thumbs: true/up = +1, false/down = −1".into(),
            Unit::Rating5 => "rating 1–5, scaled to −1…+1".into(),
            Unit::Score01 => "score 0…1 (true = 1)".into(),
            Unit::Flag => "true = flagged".into(),
            Unit::ContentFilter => "flagged when `content_filter`".into(),
            Unit::Only(v) => format!("kept when absent or {}", v.join(" or ")),
            Unit::Required => "kept only when one of these is present".into(),
        }
    }
}

/// One source field of a profile.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The canonical field it fills.
    pub field: Field,
    /// Where it is: object keys from the record's top level (a CSV column of a dotted name
    /// or holding JSON text serves too).
    pub path: &'static [&'static str],
    /// How it is written.
    pub unit: Unit,
}

/// A known export format's fields.
#[derive(Debug)]
pub struct Profile {
    /// Short name (`--format`, the import report).
    pub name: &'static str,
    /// Human name.
    pub title: &'static str,
    /// Top-level keys that identify it: the profile with most of them present wins.
    pub signature: &'static [&'static str],
    /// Its fields.
    pub rules: &'static [Rule],
}

const fn r(field: Field, path: &'static [&'static str], unit: Unit) -> Rule {
    Rule { field, path, unit }
}

use Field as F;
use Unit as U;

/// The source article's `log_entry` record, and the obvious synonyms of its names; also
/// the fallback for any JSON or CSV whose fields have these names.
pub static ARTICLE: Profile = Profile {
    name: "article",
    title: "The article's log record (and plain logs)",
    signature: &[
        "latency_ms",
        "model_name",
        "estimated_cost_usd",
        "status_code",
        "error_message",
        "input_prompt",
        "llm_output",
    ],
    rules: &[
        r(F::Timestamp, &["timestamp"], U::Time),
        r(F::Timestamp, &["ts"], U::Time),
        r(F::Timestamp, &["time"], U::Time),
        r(F::Timestamp, &["created_at"], U::Time),
        r(F::LatencyMs, &["latency_ms"], U::Ms),
        r(F::LatencyMs, &["duration_ms"], U::Ms),
        r(F::TtftMs, &["ttft_ms"], U::Ms),
        r(F::TtftMs, &["time_to_first_token_ms"], U::Ms),
        r(F::Status, &["status_code"], U::Status),
        r(F::Status, &["status"], U::Status),
        r(F::ErrorMessage, &["error_message"], U::Text),
        r(F::ErrorMessage, &["error"], U::Text),
        r(F::Model, &["model_name"], U::Text),
        r(F::Model, &["model"], U::Text),
        r(F::Provider, &["provider"], U::Text),
        r(F::Application, &["application"], U::Text),
        r(F::Application, &["app"], U::Text),
        r(F::UserId, &["user_id"], U::Text),
        r(F::UserId, &["user"], U::Text),
        r(F::Feature, &["feature"], U::Text),
        r(F::Tags, &["tags"], U::Tags),
        r(F::RequestId, &["request_id"], U::Text),
        r(F::RequestId, &["id"], U::Text),
        r(F::InputTokens, &["prompt_tokens"], U::Count),
        r(F::InputTokens, &["input_tokens"], U::Count),
        r(F::OutputTokens, &["completion_tokens"], U::Count),
        r(F::OutputTokens, &["output_tokens"], U::Count),
        r(F::TotalTokens, &["total_tokens"], U::Count),
        r(F::CachedInputTokens, &["cached_input_tokens"], U::Count),
        r(F::CachedInputTokens, &["cached_tokens"], U::Count),
        r(F::ReasoningTokens, &["reasoning_tokens"], U::Count),
        r(F::CostUsd, &["estimated_cost_usd"], U::Usd),
        r(F::CostUsd, &["cost_usd"], U::Usd),
        r(F::CostUsd, &["cost"], U::Usd),
        r(F::Feedback, &["feedback"], U::Thumbs),
        r(F::Feedback, &["thumbs_up"], U::Thumbs),
        r(F::Feedback, &["user_rating"], U::Rating5),
        r(F::Hallucination, &["hallucination"], U::Score01),
        r(F::Hallucination, &["is_hallucination"], U::Score01),
        r(F::SafetyViolation, &["safety_violation"], U::Flag),
        r(F::SafetyViolation, &["flagged"], U::Flag),
        r(F::SafetyViolation, &["finish_reason"], U::ContentFilter),
        r(F::Relevance, &["relevance"], U::Score01),
        r(F::Coherence, &["coherence"], U::Score01),
    ],
};

/// Langfuse trace and observation exports (UI export and public API, JSON or CSV).
pub static LANGFUSE: Profile = Profile {
    name: "langfuse",
    title: "Langfuse traces and observations",
    signature: &[
        "traceId",
        "startTime",
        "completionStartTime",
        "calculatedTotalCost",
        "usageDetails",
        "costDetails",
        "level",
        "statusMessage",
        "timeToFirstToken",
        "latencyMs",
        "promptTokens",
        "htmlPath",
    ],
    rules: &[
        r(F::Keep, &["type"], U::Only(&["GENERATION", "EMBEDDING"])),
        r(F::Timestamp, &["startTime"], U::Time),
        r(F::Timestamp, &["timestamp"], U::Time),
        r(F::LatencyMs, &["latencyMs"], U::Ms),
        r(F::LatencyMs, &["latency"], U::Seconds),
        r(F::LatencyMs, &["endTime"], U::SinceStart),
        r(F::TtftMs, &["timeToFirstToken"], U::Seconds),
        r(F::TtftMs, &["completionStartTime"], U::SinceStart),
        r(F::Error, &["level"], U::FailedIf(&["ERROR"])),
        r(F::ErrorType, &["statusMessage"], U::Text),
        r(F::Model, &["model"], U::Text),
        r(F::Model, &["providedModelName"], U::Text),
        r(F::Application, &["name"], U::Text),
        r(F::UserId, &["userId"], U::Text),
        r(F::Feature, &["metadata", "feature"], U::Text),
        r(F::Tags, &["tags"], U::Tags),
        r(F::RequestId, &["id"], U::Text),
        r(F::InputTokens, &["usageDetails", "input"], U::Count),
        r(F::InputTokens, &["usage", "input"], U::Count),
        r(F::InputTokens, &["usage", "promptTokens"], U::Count),
        r(F::InputTokens, &["promptTokens"], U::Count),
        r(F::InputTokens, &["inputUsage"], U::Count),
        r(F::OutputTokens, &["usageDetails", "output"], U::Count),
        r(F::OutputTokens, &["usage", "output"], U::Count),
        r(F::OutputTokens, &["usage", "completionTokens"], U::Count),
        r(F::OutputTokens, &["completionTokens"], U::Count),
        r(F::OutputTokens, &["outputUsage"], U::Count),
        r(F::TotalTokens, &["usageDetails", "total"], U::Count),
        r(F::TotalTokens, &["usage", "total"], U::Count),
        r(F::TotalTokens, &["usage", "totalTokens"], U::Count),
        r(F::TotalTokens, &["totalTokens"], U::Count),
        r(F::TotalTokens, &["totalUsage"], U::Count),
        r(
            F::CachedInputTokens,
            &["usageDetails", "input_cached_tokens"],
            U::Count,
        ),
        r(
            F::CachedInputTokens,
            &["usageDetails", "cache_read_input_tokens"],
            U::Count,
        ),
        r(
            F::ReasoningTokens,
            &["usageDetails", "output_reasoning_tokens"],
            U::Count,
        ),
        r(F::CostUsd, &["calculatedTotalCost"], U::Usd),
        r(F::CostUsd, &["totalCost"], U::Usd),
        r(F::CostUsd, &["costDetails", "total"], U::Usd),
        r(F::CostUsd, &["inputCost"], U::UsdPart),
        r(F::CostUsd, &["outputCost"], U::UsdPart),
        r(F::Feedback, &["user-feedback"], U::Thumbs),
        r(F::Feedback, &["user_feedback"], U::Thumbs),
        r(F::Feedback, &["scores", "user-feedback"], U::Thumbs),
        r(F::Hallucination, &["hallucination"], U::Score01),
        r(F::Hallucination, &["scores", "hallucination"], U::Score01),
        r(F::SafetyViolation, &["toxicity"], U::Flag),
        r(F::SafetyViolation, &["scores", "toxicity"], U::Flag),
        r(F::Relevance, &["relevance"], U::Score01),
        r(F::Relevance, &["scores", "relevance"], U::Score01),
        r(F::Coherence, &["coherence"], U::Score01),
        r(F::Coherence, &["scores", "coherence"], U::Score01),
    ],
};

/// Helicone request exports.
pub static HELICONE: Profile = Profile {
    name: "helicone",
    title: "Helicone requests",
    signature: &[
        "request_created_at",
        "delay_ms",
        "response_status",
        "request_user_id",
        "request_properties",
        "prompt_cache_read_tokens",
        "time_to_first_token",
        "feedback_rating",
    ],
    rules: &[
        r(F::Timestamp, &["request_created_at"], U::Time),
        r(F::LatencyMs, &["delay_ms"], U::Ms),
        r(F::LatencyMs, &["response_created_at"], U::SinceStart),
        r(F::TtftMs, &["time_to_first_token"], U::Ms),
        r(F::Status, &["response_status"], U::Status),
        r(F::Model, &["model"], U::Text),
        r(F::Model, &["request_model"], U::Text),
        r(F::Provider, &["provider"], U::Text),
        r(F::Application, &["request_properties", "app"], U::Text),
        r(
            F::Application,
            &["request_properties", "application"],
            U::Text,
        ),
        r(
            F::Application,
            &["request_properties", "Helicone-Property-App"],
            U::Text,
        ),
        r(F::UserId, &["request_user_id"], U::Text),
        r(F::Feature, &["request_properties", "feature"], U::Text),
        r(
            F::Feature,
            &["request_properties", "Helicone-Property-Feature"],
            U::Text,
        ),
        r(F::RequestId, &["request_id"], U::Text),
        r(F::InputTokens, &["prompt_tokens"], U::Count),
        r(F::OutputTokens, &["completion_tokens"], U::Count),
        r(F::TotalTokens, &["total_tokens"], U::Count),
        r(
            F::CachedInputTokens,
            &["prompt_cache_read_tokens"],
            U::Count,
        ),
        r(F::ReasoningTokens, &["reasoning_tokens"], U::Count),
        r(F::CostUsd, &["cost"], U::Usd),
        r(F::CostUsd, &["cost_usd"], U::Usd),
        r(F::Feedback, &["feedback_rating"], U::Thumbs),
        r(F::Hallucination, &["scores", "hallucination"], U::Score01),
        r(F::Relevance, &["scores", "relevance"], U::Score01),
        r(F::Coherence, &["scores", "coherence"], U::Score01),
    ],
};

/// LangSmith runs (`list_runs` / export): only `llm` runs are calls; chains and tools
/// would count their children's tokens twice.
pub static LANGSMITH: Profile = Profile {
    name: "langsmith",
    title: "LangSmith runs",
    signature: &[
        "run_type",
        "start_time",
        "end_time",
        "first_token_time",
        "feedback_stats",
        "trace_id",
        "prompt_cost",
        "completion_cost",
        "parent_run_id",
        "dotted_order",
    ],
    rules: &[
        r(F::Keep, &["run_type"], U::Only(&["llm"])),
        r(F::Timestamp, &["start_time"], U::Time),
        r(F::LatencyMs, &["end_time"], U::SinceStart),
        r(F::TtftMs, &["first_token_time"], U::SinceStart),
        r(F::ErrorMessage, &["error"], U::Text),
        r(F::Error, &["status"], U::FailedIf(&["error"])),
        r(F::Model, &["extra", "metadata", "ls_model_name"], U::Text),
        r(
            F::Model,
            &["extra", "invocation_params", "model_name"],
            U::Text,
        ),
        r(F::Model, &["extra", "invocation_params", "model"], U::Text),
        r(F::Provider, &["extra", "metadata", "ls_provider"], U::Text),
        r(F::Application, &["session_name"], U::Text),
        r(F::Application, &["session_id"], U::Text),
        r(F::UserId, &["extra", "metadata", "user_id"], U::Text),
        r(F::Feature, &["extra", "metadata", "feature"], U::Text),
        r(F::Tags, &["tags"], U::Tags),
        r(F::RequestId, &["id"], U::Text),
        r(F::InputTokens, &["prompt_tokens"], U::Count),
        r(F::OutputTokens, &["completion_tokens"], U::Count),
        r(F::TotalTokens, &["total_tokens"], U::Count),
        r(
            F::CachedInputTokens,
            &["prompt_token_details", "cache_read"],
            U::Count,
        ),
        r(
            F::ReasoningTokens,
            &["completion_token_details", "reasoning"],
            U::Count,
        ),
        r(F::CostUsd, &["total_cost"], U::Usd),
        r(F::CostUsd, &["prompt_cost"], U::UsdPart),
        r(F::CostUsd, &["completion_cost"], U::UsdPart),
        r(
            F::Feedback,
            &["feedback_stats", "user_score", "avg"],
            U::Thumbs,
        ),
        r(
            F::Feedback,
            &["feedback_stats", "thumbs_up", "avg"],
            U::Thumbs,
        ),
        r(
            F::Hallucination,
            &["feedback_stats", "hallucination", "avg"],
            U::Score01,
        ),
        r(
            F::Relevance,
            &["feedback_stats", "relevance", "avg"],
            U::Score01,
        ),
        r(
            F::Coherence,
            &["feedback_stats", "coherence", "avg"],
            U::Score01,
        ),
    ],
};

/// LiteLLM spend logs (`LiteLLM_SpendLogs`, `/spend/logs`).
pub static LITELLM: Profile = Profile {
    name: "litellm",
    title: "LiteLLM spend logs",
    signature: &[
        "spend",
        "model_group",
        "custom_llm_provider",
        "request_duration_ms",
        "api_key",
        "call_type",
        "cache_hit",
        "request_tags",
        "end_user",
    ],
    rules: &[
        r(F::Timestamp, &["startTime"], U::Time),
        r(F::LatencyMs, &["request_duration_ms"], U::Ms),
        r(F::LatencyMs, &["endTime"], U::SinceStart),
        r(F::TtftMs, &["completionStartTime"], U::SinceStart),
        r(F::Error, &["status"], U::FailedIf(&["failure"])),
        r(
            F::ErrorMessage,
            &["metadata", "error_information", "error_message"],
            U::Text,
        ),
        r(F::Model, &["model"], U::Text),
        r(F::Model, &["model_group"], U::Text),
        r(F::Provider, &["custom_llm_provider"], U::Text),
        r(F::Application, &["team_alias"], U::Text),
        r(F::Application, &["team_id"], U::Text),
        r(F::UserId, &["end_user"], U::Text),
        r(F::UserId, &["user"], U::Text),
        r(F::Feature, &["metadata", "feature"], U::Text),
        r(F::Tags, &["request_tags"], U::Tags),
        r(F::RequestId, &["request_id"], U::Text),
        r(F::InputTokens, &["prompt_tokens"], U::Count),
        r(F::OutputTokens, &["completion_tokens"], U::Count),
        r(F::TotalTokens, &["total_tokens"], U::Count),
        r(F::CostUsd, &["spend"], U::Usd),
    ],
};

/// Portkey logs export.
pub static PORTKEY: Profile = Profile {
    name: "portkey",
    title: "Portkey logs",
    signature: &[
        "ai_model",
        "req_units",
        "res_units",
        "response_time",
        "is_success",
        "cache_status",
        "ai_org",
        "ai_provider",
    ],
    rules: &[
        r(F::Timestamp, &["created_at"], U::Time),
        r(F::LatencyMs, &["response_time"], U::Ms),
        r(F::Status, &["response_status_code"], U::Status),
        r(F::Status, &["status_code"], U::Status),
        r(F::Error, &["is_success"], U::SuccessFlag),
        r(F::Model, &["ai_model"], U::Text),
        r(F::Provider, &["ai_org"], U::Text),
        r(F::Provider, &["ai_provider"], U::Text),
        r(F::Application, &["metadata", "app"], U::Text),
        r(F::UserId, &["metadata", "_user"], U::Text),
        r(F::Feature, &["metadata", "feature"], U::Text),
        r(F::RequestId, &["id"], U::Text),
        r(F::InputTokens, &["req_units"], U::Count),
        r(F::OutputTokens, &["res_units"], U::Count),
        r(F::TotalTokens, &["total_units"], U::Count),
        r(F::CostUsd, &["cost"], U::Cents),
    ],
};

/// OpenAI Batch API output lines. They carry no latency (the page says so); the time is
/// the response's `created` (when the batch answered it).
pub static OPENAI_BATCH: Profile = Profile {
    name: "openai_batch",
    title: "OpenAI Batch output",
    signature: &["custom_id", "response"],
    rules: &[
        r(F::Timestamp, &["response", "body", "created"], U::Time),
        r(F::Status, &["response", "status_code"], U::Status),
        r(F::ErrorMessage, &["error", "message"], U::Text),
        r(
            F::ErrorMessage,
            &["response", "body", "error", "message"],
            U::Text,
        ),
        r(F::ErrorType, &["error", "code"], U::Text),
        r(F::Model, &["response", "body", "model"], U::Text),
        r(F::RequestId, &["custom_id"], U::Text),
        r(
            F::InputTokens,
            &["response", "body", "usage", "prompt_tokens"],
            U::Count,
        ),
        r(
            F::OutputTokens,
            &["response", "body", "usage", "completion_tokens"],
            U::Count,
        ),
        r(
            F::TotalTokens,
            &["response", "body", "usage", "total_tokens"],
            U::Count,
        ),
        r(
            F::CachedInputTokens,
            &[
                "response",
                "body",
                "usage",
                "prompt_tokens_details",
                "cached_tokens",
            ],
            U::Count,
        ),
        r(
            F::ReasoningTokens,
            &[
                "response",
                "body",
                "usage",
                "completion_tokens_details",
                "reasoning_tokens",
            ],
            U::Count,
        ),
        r(
            F::SafetyViolation,
            &["response", "body", "choices", "0", "finish_reason"],
            U::ContentFilter,
        ),
    ],
};

/// OpenTelemetry GenAI spans (OTLP JSON), flattened by [`super::otlp`]: each span's
/// attributes and its resource's attributes become top-level keys. Only spans with a
/// model or token attribute are LLM calls.
pub static OTLP: Profile = Profile {
    name: "otlp",
    title: "OpenTelemetry GenAI spans (OTLP JSON)",
    signature: &["startTimeUnixNano", "spanId", "traceId", "resourceSpans"],
    rules: &[
        r(F::Keep, &["gen_ai.request.model"], U::Required),
        r(F::Keep, &["gen_ai.response.model"], U::Required),
        r(F::Keep, &["gen_ai.usage.input_tokens"], U::Required),
        r(F::Keep, &["gen_ai.usage.prompt_tokens"], U::Required),
        r(F::Keep, &["llm.model_name"], U::Required),
        r(F::Keep, &["llm.token_count.prompt"], U::Required),
        r(F::Timestamp, &["startTimeUnixNano"], U::Time),
        r(F::LatencyMs, &["endTimeUnixNano"], U::SinceStart),
        r(
            F::Error,
            &["status", "code"],
            U::FailedIf(&["2", "STATUS_CODE_ERROR"]),
        ),
        r(F::ErrorMessage, &["status", "message"], U::Text),
        r(F::ErrorType, &["error.type"], U::Text),
        r(F::Model, &["gen_ai.response.model"], U::Text),
        r(F::Model, &["gen_ai.request.model"], U::Text),
        r(F::Model, &["llm.model_name"], U::Text),
        r(F::Provider, &["gen_ai.provider.name"], U::Text),
        r(F::Provider, &["gen_ai.system"], U::Text),
        r(F::Provider, &["llm.provider"], U::Text),
        r(F::Application, &["service.name"], U::Text),
        r(F::UserId, &["user.id"], U::Text),
        r(F::UserId, &["enduser.id"], U::Text),
        r(F::Tags, &["tag.tags"], U::Tags),
        r(F::Tags, &["langfuse.trace.tags"], U::Tags),
        r(F::RequestId, &["spanId"], U::Text),
        r(F::InputTokens, &["gen_ai.usage.input_tokens"], U::Count),
        r(F::InputTokens, &["gen_ai.usage.prompt_tokens"], U::Count),
        r(F::InputTokens, &["llm.token_count.prompt"], U::Count),
        r(F::OutputTokens, &["gen_ai.usage.output_tokens"], U::Count),
        r(
            F::OutputTokens,
            &["gen_ai.usage.completion_tokens"],
            U::Count,
        ),
        r(F::OutputTokens, &["llm.token_count.completion"], U::Count),
        r(F::TotalTokens, &["llm.token_count.total"], U::Count),
        r(
            F::CachedInputTokens,
            &["gen_ai.usage.cache_read.input_tokens"],
            U::Count,
        ),
        r(
            F::CachedInputTokens,
            &["gen_ai.usage.cache_read_input_tokens"],
            U::Count,
        ),
        r(
            F::CachedInputTokens,
            &["llm.token_count.prompt_details.cache_read"],
            U::Count,
        ),
        r(
            F::ReasoningTokens,
            &["gen_ai.usage.reasoning.output_tokens"],
            U::Count,
        ),
        r(
            F::ReasoningTokens,
            &["gen_ai.usage.reasoning_tokens"],
            U::Count,
        ),
        r(
            F::ReasoningTokens,
            &["llm.token_count.completion_details.reasoning"],
            U::Count,
        ),
        r(
            F::SafetyViolation,
            &["gen_ai.response.finish_reasons"],
            U::ContentFilter,
        ),
    ],
};

/// Every known profile, in the order ties are broken.
pub static PROFILES: &[&Profile] = &[
    &OTLP,
    &OPENAI_BATCH,
    &LANGSMITH,
    &LITELLM,
    &HELICONE,
    &PORTKEY,
    &LANGFUSE,
    &ARTICLE,
];

/// The profile named `name` (`--format`).
pub fn profile(name: &str) -> Option<&'static Profile> {
    PROFILES.iter().copied().find(|p| p.name == name)
}

/// The profile whose signature keys are most present among a record's top-level `keys`;
/// the article's (the generic fallback) when none is.
pub fn detect<'k>(keys: impl IntoIterator<Item = &'k str> + Clone) -> &'static Profile {
    let mut best: (&Profile, usize) = (&ARTICLE, 0);
    for p in PROFILES {
        let n = keys
            .clone()
            .into_iter()
            .filter(|k| p.signature.contains(k))
            .count();
        if n > best.1 {
            best = (p, n);
        }
    }
    best.0
}

/// The README's table: every source field -> canonical column and unit, per profile.
pub fn markdown_table() -> String {
    let mut s = String::from("| source | field | canonical column | unit |\n|---|---|---|---|\n");
    // The article first, OpenTelemetry last: the reverse of the tie-break order.
    for p in PROFILES.iter().rev() {
        for rule in p.rules {
            let path = format!("`{}`", rule.path.join("."));
            s.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                p.title,
                path,
                rule.field.column(),
                rule.unit.describe()
            ));
        }
    }
    s
}

/// The article's field for a top-level key, for the JSONL fast path (keys as bytes).
pub fn article_field(key: &[u8]) -> Option<Field> {
    article_rule(key).map(|r| r.field)
}

/// The article's rule for a top-level key.
pub fn article_rule(key: &[u8]) -> Option<&'static Rule> {
    ARTICLE
        .rules
        .iter()
        .find(|r| r.path.len() == 1 && r.path[0].as_bytes() == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn article_names_map() {
        assert_eq!(article_field(b"model_name"), Some(Field::Model));
        assert_eq!(article_field(b"estimated_cost_usd"), Some(Field::CostUsd));
        assert_eq!(article_field(b"input_prompt"), None);
        assert_eq!(article_field(b"llm_output"), None);
    }

    #[test]
    fn detects_each_profile_from_its_keys() {
        let cases: &[(&[&str], &str)] = &[
            (&["timestamp", "latency_ms", "model_name"], "article"),
            (
                &["id", "traceId", "startTime", "latency", "usage"],
                "langfuse",
            ),
            (&["request_created_at", "delay_ms", "model"], "helicone"),
            (&["id", "run_type", "start_time", "end_time"], "langsmith"),
            (&["startTime", "endTime", "spend", "model_group"], "litellm"),
            (&["created_at", "ai_model", "req_units"], "portkey"),
            (&["id", "custom_id", "response", "error"], "openai_batch"),
            (&["resourceSpans"], "otlp"),
            (&["when", "how_long"], "article"),
        ];
        for (keys, want) in cases {
            assert_eq!(detect(keys.iter().copied()).name, *want, "{keys:?}");
        }
    }

    #[test]
    fn every_profile_has_a_time_and_a_model() {
        for p in PROFILES {
            let has = |f| p.rules.iter().any(|r| r.field == f);
            assert!(has(Field::Timestamp), "{}", p.name);
            assert!(has(Field::Model), "{}", p.name);
            assert!(profile(p.name).is_some());
        }
    }
}
