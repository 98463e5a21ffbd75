//! OpenTelemetry traces as OTLP JSON (`TracesData`: `resourceSpans` -> `scopeSpans` ->
//! `spans`) flattened to one JSON object per span: the span's own fields, then each of its
//! attributes as a top-level key with a plain value, then its resource's attributes
//! (`service.name`, …) where the span has no key of that name. The OTLP profile in
//! [`super::fields`] reads these objects.

use serde_json::{Map, Value};

/// The spans of one `ResourceSpans` object, flattened.
pub fn resource_spans(rs: &Value) -> Vec<Value> {
    let resource = attributes(rs.pointer("/resource/attributes"));
    let mut out = Vec::new();
    let scopes = rs
        .get("scopeSpans")
        .or_else(|| rs.get("instrumentationLibrarySpans"))
        .and_then(Value::as_array);
    for scope in scopes.into_iter().flatten() {
        for span in scope
            .get("spans")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(fields) = span.as_object() else {
                continue;
            };
            let mut flat: Map<String, Value> = fields
                .iter()
                .filter(|(k, _)| k.as_str() != "attributes")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            for (k, v) in attributes(span.get("attributes")) {
                flat.insert(k, v);
            }
            for (k, v) in &resource {
                flat.entry(k.clone()).or_insert_with(|| v.clone());
            }
            out.push(Value::Object(flat));
        }
    }
    out
}

/// The spans of a whole `TracesData` object.
pub fn traces_data(doc: &Value) -> Vec<Value> {
    doc.get("resourceSpans")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(resource_spans)
        .collect()
}

/// OTLP `KeyValue` list -> (key, plain value) pairs.
fn attributes(list: Option<&Value>) -> Vec<(String, Value)> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|kv| {
            let key = kv.get("key")?.as_str()?;
            Some((key.to_string(), any_value(kv.get("value")?)))
        })
        .collect()
}

/// OTLP `AnyValue` -> a plain JSON value. `intValue` is a string in proto3 JSON (64-bit);
/// it becomes a number when it fits.
fn any_value(v: &Value) -> Value {
    if let Some(s) = v.get("stringValue") {
        return s.clone();
    }
    if let Some(i) = v.get("intValue") {
        return match i {
            Value::String(s) => s.parse::<i64>().map_or(i.clone(), Value::from),
            _ => i.clone(),
        };
    }
    if let Some(d) = v.get("doubleValue") {
        return match d {
            Value::String(s) => s.parse::<f64>().map_or(d.clone(), Value::from),
            _ => d.clone(),
        };
    }
    if let Some(b) = v.get("boolValue") {
        return b.clone();
    }
    if let Some(a) = v.pointer("/arrayValue/values").and_then(Value::as_array) {
        return Value::Array(a.iter().map(any_value).collect());
    }
    if let Some(kv) = v.pointer("/kvlistValue/values") {
        return Value::Object(attributes(Some(kv)).into_iter().collect());
    }
    Value::Null
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattens_spans_with_resource_attributes() {
        let doc: Value = serde_json::from_str(
            r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"chat"}}]},
                "scopeSpans":[{"spans":[{"spanId":"ab","startTimeUnixNano":"1","attributes":[
                  {"key":"gen_ai.usage.input_tokens","value":{"intValue":"12"}},
                  {"key":"gen_ai.response.finish_reasons","value":{"arrayValue":{"values":[{"stringValue":"stop"}]}}},
                  {"key":"x","value":{"doubleValue":0.5}},{"key":"ok","value":{"boolValue":true}}]}]}]}]}"#,
        )
        .unwrap_or_default();
        let spans = traces_data(&doc);
        assert_eq!(spans.len(), 1);
        let s = &spans[0];
        assert_eq!(s["service.name"], "chat");
        assert_eq!(s["gen_ai.usage.input_tokens"], 12);
        assert_eq!(s["gen_ai.response.finish_reasons"][0], "stop");
        assert_eq!(s["x"], 0.5);
        assert_eq!(s["ok"], true);
        assert_eq!(s["spanId"], "ab");
        assert!(s.get("attributes").is_none());
    }
}
