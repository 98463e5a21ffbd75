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

/// The source article's `log_entry` record (and the obvious synonyms of its names). Names
/// are matched as bytes, as they appear in the file.
pub fn article_field(key: &[u8]) -> Option<Field> {
    Some(match key {
        b"timestamp" | b"ts" | b"time" | b"created_at" => Field::Timestamp,
        b"latency_ms" => Field::LatencyMs,
        b"status_code" | b"status" => Field::Status,
        b"error_message" | b"error" => Field::ErrorMessage,
        b"model_name" | b"model" => Field::Model,
        b"application" | b"app" => Field::Application,
        b"user_id" | b"user" => Field::UserId,
        b"request_id" | b"id" => Field::RequestId,
        b"prompt_tokens" | b"input_tokens" => Field::InputTokens,
        b"completion_tokens" | b"output_tokens" => Field::OutputTokens,
        b"total_tokens" => Field::TotalTokens,
        b"estimated_cost_usd" | b"cost_usd" | b"cost" => Field::CostUsd,
        _ => return None,
    })
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
}
