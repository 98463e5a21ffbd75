//! Source field names -> canonical columns, with the unit each one is written in. Every
//! conversion to the canonical unit happens here, nowhere else.

/// What a source field means for the canonical record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Request start: epoch number (unit inferred) or ISO 8601 string.
    Timestamp,
    /// End-to-end latency in milliseconds.
    LatencyMs,
    /// HTTP status code.
    Status,
    /// An error message; non-empty means the request failed.
    ErrorMessage,
    /// Model name.
    Model,
    /// Application name.
    Application,
    /// User id.
    UserId,
    /// Request id: not resident (read back from the line on drill-down), only validated.
    RequestId,
    /// Prompt tokens.
    InputTokens,
    /// Completion tokens.
    OutputTokens,
    /// Prompt + completion tokens: used only when the parts are missing.
    TotalTokens,
    /// Cost in US dollars as reported by the exporting tool.
    CostUsd,
}

/// The source article's `log_entry` record (and the obvious synonyms of its names).
pub fn article_field(key: &str) -> Option<Field> {
    Some(match key {
        "timestamp" | "ts" | "time" | "created_at" => Field::Timestamp,
        "latency_ms" => Field::LatencyMs,
        "status_code" | "status" => Field::Status,
        "error_message" | "error" => Field::ErrorMessage,
        "model_name" | "model" => Field::Model,
        "application" | "app" => Field::Application,
        "user_id" | "user" => Field::UserId,
        "request_id" | "id" => Field::RequestId,
        "prompt_tokens" | "input_tokens" => Field::InputTokens,
        "completion_tokens" | "output_tokens" => Field::OutputTokens,
        "total_tokens" => Field::TotalTokens,
        "estimated_cost_usd" | "cost_usd" | "cost" => Field::CostUsd,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn article_names_map() {
        assert_eq!(article_field("model_name"), Some(Field::Model));
        assert_eq!(article_field("estimated_cost_usd"), Some(Field::CostUsd));
        assert_eq!(article_field("input_prompt"), None);
        assert_eq!(article_field("llm_output"), None);
    }
}
