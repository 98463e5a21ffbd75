//! Metrics on a hand-computed fixture (tests/fixtures/article_tiny.jsonl), and a snapshot of
//! the whole summary of article_small.jsonl (whose figures the DuckDB oracle also checks).
#![cfg(not(target_arch = "wasm32"))]
// Helpers of integration tests unwrap too: a panic is a failed test.
#![allow(clippy::unwrap_used)]

use tokenlens::{dashboard, Ingest, SummaryReport, View};

fn load(name: &str) -> (tokenlens::Table, tokenlens::ImportReport) {
    let bytes = std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut ingest = Ingest::new();
    ingest.start_file(name);
    ingest.feed(&bytes);
    ingest.finish()
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() <= 1e-9 * b.abs().max(1.0))
}

#[test]
fn tiny_fixture_by_hand() {
    let (t, import) = load("article_tiny.jsonl");
    assert_eq!(import.records, 5);
    let d = dashboard(&t, &View::default()).unwrap();
    let s = &d.summary;
    assert_eq!((s.totals.requests, s.totals.errors), (5, 2));
    assert!(close(s.totals.error_rate, 0.4));
    // Latencies 100, 200, 300, 1000 (one record has none).
    let l = &s.totals.latency_ms;
    assert!(close(l.p50, 250.0));
    assert!(close(l.p90, 790.0));
    assert!(close(l.p95, 895.0));
    assert!(close(l.p99, 979.0));
    assert!(close(l.max, 1000.0));
    assert!(close(l.mean, 400.0));
    assert_eq!((s.totals.input_tokens, s.totals.output_tokens), (22, 28));
    assert!(close(s.totals.cost_usd, 0.75));
    assert_eq!(s.first_ts.as_deref(), Some("2026-11-09T00:00:00.000000Z"));
    assert_eq!(s.last_ts.as_deref(), Some("2026-11-09T00:04:00.250000Z"));
    assert!(close(s.throughput_rps, 5.0 / 240.25));
    let types: Vec<(&str, u64)> = s
        .error_types
        .iter()
        .map(|e| (e.error_type.as_str(), e.count))
        .collect();
    assert_eq!(types, [("rate_limit", 1), ("timeout", 1)]);

    let m: Vec<(&str, u64, u64)> = d
        .by_model
        .iter()
        .map(|m| (m.model.as_str(), m.totals.requests, m.totals.errors))
        .collect();
    assert_eq!(m, [("m1", 3, 1), ("m2", 2, 1)]);
    assert!(close(d.by_model[0].totals.latency_ms.p50, 200.0));
    assert!(close(d.by_model[1].totals.latency_ms.p50, 600.0));
    assert!(d.by_model[1].totals.cost_usd == Some(0.25));

    // Four minutes: 25 buckets of 10 s; the records fall one a minute, in buckets 0, 6, ...
    let series = &d.series;
    assert_eq!(
        (series.bucket_label.as_str(), series.bucket_secs),
        ("10s", 10)
    );
    assert_eq!(series.start_ms.len(), 25);
    let at = [0, 6, 12, 18, 24];
    let only_at = |v: &[u64]| {
        v.iter()
            .enumerate()
            .all(|(k, &n)| n == 0 || at.contains(&k))
    };
    assert!(only_at(&series.requests) && only_at(&series.errors));
    assert_eq!(at.map(|k| series.requests[k]), [1, 1, 1, 1, 1]);
    assert_eq!(at.map(|k| series.errors[k]), [0, 1, 0, 1, 0]);
    assert_eq!(
        at.map(|k| series.p50_ms[k]),
        [Some(100.0), Some(300.0), Some(200.0), Some(1000.0), None]
    );
    assert_eq!(
        at.map(|k| series.cost_usd[k]),
        [Some(0.5), Some(0.0), Some(0.25), None, None]
    );
    assert_eq!(series.p50_ms.iter().flatten().count(), 4);
    assert_eq!(series.cost_usd.iter().flatten().count(), 3);
    // Throughput is per second of bucket time.
    assert!(close(Some(series.throughput_rps[6]), 0.1));
    assert_eq!(series.start_ms[0], 1_794_182_400_000.0);
    assert_eq!(series.start_ms[24], 1_794_182_640_000.0);
}

#[test]
fn filters_recompute_everything() {
    let (t, _) = load("article_tiny.jsonl");
    let view = View {
        models: vec!["m2".into()],
        applications: vec![],
        ..View::default()
    };
    let d = dashboard(&t, &view).unwrap();
    assert_eq!(d.summary.totals.requests, 2);
    assert!(close(d.summary.totals.latency_ms.p50, 600.0));
    let nonzero: Vec<(usize, u64)> = d
        .series
        .requests
        .iter()
        .copied()
        .enumerate()
        .filter(|r| r.1 > 0)
        .collect();
    assert_eq!(nonzero, [(12, 1), (18, 1)]);
    assert_eq!(d.series.start_ms.len(), 25);
    // The filter lists still offer everything.
    assert_eq!(d.options.models, ["m1", "m2"]);
    let view = View {
        models: vec![],
        applications: vec!["app-a".into()],
        ..View::default()
    };
    assert_eq!(dashboard(&t, &view).unwrap().summary.totals.requests, 3);
}

#[test]
fn summary_snapshot() {
    let (t, import) = load("article_small.jsonl");
    insta::assert_json_snapshot!(SummaryReport::new(&t, import));
}

#[test]
fn drill_down_lists() {
    use tokenlens::{requests, RequestOrder};
    let (t, _) = load("article_tiny.jsonl");
    let all = View::default();
    let ids = |order, limit| -> Vec<u32> {
        requests(&t, &all, order, limit)
            .iter()
            .map(|r| r.row)
            .collect()
    };
    assert_eq!(ids(RequestOrder::Slowest, 10), [3, 1, 2, 0]); // 1000, 300, 200, 100 ms
    assert_eq!(ids(RequestOrder::Latest, 2), [4, 3]);
    assert_eq!(ids(RequestOrder::Errors, 10), [3, 1]);
    assert_eq!(ids(RequestOrder::Costliest, 10), [0, 2, 1]);
    let r = &requests(&t, &all, RequestOrder::Slowest, 1)[0];
    assert_eq!((r.model.as_str(), r.status, r.error), ("m2", Some(0), true));
    assert_eq!(r.error_type.as_deref(), Some("timeout"));
    assert_eq!(r.ts.as_deref(), Some("2026-11-09T00:03:00.000000Z"));
    // The span is the record's line in the file.
    let bytes = std::fs::read(format!(
        "{}/tests/fixtures/article_tiny.jsonl",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let line = &bytes[r.span_offset as usize..(r.span_offset + u64::from(r.span_len)) as usize];
    let v: serde_json::Value = serde_json::from_slice(line).unwrap();
    assert_eq!(v["request_id"], "d");
    let only_m1 = View {
        models: vec!["m1".into()],
        applications: vec![],
        ..View::default()
    };
    assert_eq!(requests(&t, &only_m1, RequestOrder::Errors, 10).len(), 1);
}
