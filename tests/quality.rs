//! Quality signals, hand-computed: feedback (thumbs and ratings), hallucination, safety,
//! relevance and coherence, each over the requests that carry it, with its coverage; and
//! the same signals read from the exports that carry them.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)]

use tokenlens::metrics::totals::Quality;
use tokenlens::{Ingest, SummaryReport};

fn report(name: &str, bytes: &[u8]) -> SummaryReport {
    let mut ingest = Ingest::new();
    ingest.start_file(name);
    ingest.feed(bytes);
    let (table, import) = ingest.finish();
    SummaryReport::new(&table, import)
}

fn close(a: Option<f64>, b: f64) -> bool {
    // Scores are stored as f32: 0.9 comes back as 0.8999999761581421.
    a.is_some_and(|a| (a - b).abs() < 1e-6)
}

#[test]
fn quality_rates_by_hand() {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/quality.jsonl"
    ))
    .unwrap();
    let r = report("quality.jsonl", &bytes);
    let t = &r.summary.totals;
    assert_eq!(t.requests, 6);
    // The 7th line's hallucination of 3 is not a score.
    assert_eq!(r.import.errors.len(), 1);
    assert_eq!(r.import.errors[0].line, 7);
    assert!(r.import.errors[0].reason.starts_with(
        "field `hallucination`: expected a score from 0 to 1 (or true/false), found `3`"
    ));
    let q: &Quality = &t.quality;
    // Feedback: +1 (true), −1 (false), +1 (rating 5), −1 ("down"), +1 (1): 5 of 6 requests.
    assert_eq!(q.feedback_count, 5);
    assert!(close(q.feedback_coverage, 5.0 / 6.0));
    assert!(close(q.thumbs_up_rate, 3.0 / 5.0));
    assert!(close(q.feedback_mean, 1.0 / 5.0));
    // Hallucination: 0, 1, 0.5.
    assert_eq!(q.hallucination_count, 3);
    assert!(close(q.hallucination_rate, 0.5));
    assert!(close(q.hallucination_coverage, 0.5));
    // Safety: false, content_filter, flagged.
    assert_eq!(q.safety_count, 3);
    assert!(close(q.safety_violation_rate, 2.0 / 3.0));
    // Relevance 0.9 and 0.5; coherence 0.8 and 0.6.
    assert_eq!((q.relevance_count, q.coherence_count), (2, 2));
    assert!(close(q.relevance_mean, 0.7));
    assert!(close(q.coherence_mean, 0.7));
    // Per 5-minute bucket: 10:00 holds the first five requests, 10:05 the sixth.
    let mut ingest = Ingest::new();
    ingest.start_file("quality.jsonl");
    ingest.feed(&bytes);
    let (table, _) = ingest.finish();
    let view = tokenlens::View {
        bucket: "5m".into(),
        ..tokenlens::View::default()
    };
    let d = tokenlens::dashboard(&table, &view).unwrap();
    assert_eq!(d.series.requests, [5, 1]);
    let (a, b) = (&d.series.quality[0], &d.series.quality[1]);
    // 10:00: feedback +1, −1, +1, −1; hallucination 0, 1, 0.5; safety false and
    // content_filter; relevance 0.9 and 0.5; coherence 0.8.
    assert_eq!(
        (a.feedback_count, a.hallucination_count, a.safety_count),
        (4, 3, 2)
    );
    assert!(close(a.feedback_coverage, 0.8) && close(a.thumbs_up_rate, 0.5));
    assert!(close(a.hallucination_rate, 0.5) && close(a.hallucination_coverage, 0.6));
    assert!(close(a.safety_violation_rate, 0.5));
    assert!(close(a.relevance_mean, 0.7) && close(a.coherence_mean, 0.8));
    // 10:05: thumbs up, flagged, coherence 0.6, no hallucination verdict.
    assert!(close(b.thumbs_up_rate, 1.0) && close(b.feedback_coverage, 1.0));
    assert!(close(b.safety_violation_rate, 1.0) && close(b.coherence_mean, 0.6));
    assert_eq!(b.hallucination_rate, None);
    assert!(close(b.hallucination_coverage, 0.0));
    // Per model: gpt-4o has the first three.
    let m = &r.by_model[0];
    assert_eq!(m.model, "gpt-4o");
    assert_eq!(m.totals.quality.feedback_count, 3);
    assert!(close(m.totals.quality.feedback_mean, 1.0 / 3.0));
    // No signal: no rate, not zero.
    let mini = &r.by_model[1].totals.quality;
    assert_eq!(mini.hallucination_count, 0);
    assert_eq!(mini.hallucination_rate, None);
}

#[test]
fn exports_carry_their_signals() {
    let helicone = br#"{"request_created_at":"2026-11-09 10:00:00","delay_ms":10,"model":"gpt-4o","feedback_rating":true,"scores":{"hallucination":0.25}}
{"request_created_at":"2026-11-09 10:01:00","delay_ms":10,"model":"gpt-4o","feedback_rating":false,"scores":{}}
"#;
    let q = report("h.jsonl", helicone).summary.totals.quality;
    assert_eq!((q.feedback_count, q.hallucination_count), (2, 1));
    assert!(close(q.thumbs_up_rate, 0.5));
    assert!(close(q.hallucination_rate, 0.25));

    let langsmith = br#"{"run_type":"llm","start_time":"2026-11-09T10:00:00","end_time":"2026-11-09T10:00:01","feedback_stats":{"hallucination":{"n":2,"avg":0.5},"user_score":{"n":1,"avg":1}}}
"#;
    let q = report("ls.jsonl", langsmith).summary.totals.quality;
    assert!(close(q.hallucination_rate, 0.5));
    assert!(close(q.feedback_mean, 1.0));

    let batch = br#"{"id":"b1","custom_id":"r1","response":{"status_code":200,"body":{"created":1794182400,"model":"gpt-4o","choices":[{"index":0,"finish_reason":"content_filter"}],"usage":{"prompt_tokens":5,"completion_tokens":0}}},"error":null}
{"id":"b2","custom_id":"r2","response":{"status_code":200,"body":{"created":1794182401,"model":"gpt-4o","choices":[{"index":0,"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":3}}},"error":null}
"#;
    let q = report("batch.jsonl", batch).summary.totals.quality;
    assert_eq!(q.safety_count, 2);
    assert!(close(q.safety_violation_rate, 0.5));

    let otlp = br#"{"resourceSpans":[{"resource":{"attributes":[]},"scopeSpans":[{"spans":[{"startTimeUnixNano":"1794182400000000000","endTimeUnixNano":"1794182401000000000","attributes":[{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},{"key":"gen_ai.response.finish_reasons","value":{"arrayValue":{"values":[{"stringValue":"content_filter"}]}}}]}]}]}]}
"#;
    let q = report("otlp.jsonl", otlp).summary.totals.quality;
    assert_eq!(q.safety_count, 1);
    assert!(close(q.safety_violation_rate, 1.0));
}
