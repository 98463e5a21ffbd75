//! Every chart draws real marks for real data (to SVG here; to a canvas in the browser),
//! and says "No data" when there is none.
#![cfg(not(target_arch = "wasm32"))]
// Helpers of integration tests unwrap too: a panic is a failed test.
#![allow(clippy::unwrap_used)]

use plotters::prelude::*;
use tokenlens::charts::{draw, ChartData, Theme, CHART_NAMES};
use tokenlens::generate::{generate, GenOptions};
use tokenlens::{dashboard, Ingest, View};

fn svg(name: &str, data: &ChartData) -> String {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (900, 320)).into_drawing_area();
        draw(&root, name, data, &Theme::new(false, 1.0)).unwrap();
    }
    out
}

fn demo() -> ChartData {
    let mut bytes = Vec::new();
    generate(
        GenOptions {
            records: 3_000,
            seed: 5,
        },
        &mut bytes,
    )
    .unwrap();
    let mut ingest = Ingest::new();
    ingest.feed(&bytes);
    let (t, _) = ingest.finish();
    ChartData::from(&dashboard(&t, &View::default()))
}

#[test]
fn charts_draw_marks() {
    let data = demo();
    let buckets = data.series.start_ms.len();
    assert_eq!(buckets, 336); // Two weeks of hours.
    let latency = svg("latency", &data);
    assert!(
        latency.matches("<polyline").count() >= 3,
        "three percentile lines"
    );
    assert!(latency.contains("p95") && latency.contains("Nov 9"));
    let requests = svg("requests", &data);
    assert!(
        requests.matches("<rect").count() >= buckets,
        "a bar per bucket"
    );
    let tokens = svg("tokens", &data);
    assert!(tokens.contains("<polygon") || tokens.contains("<path"));
    let cost = svg("cost_by_model", &data);
    for m in [
        "gpt-4o",
        "claude-3-5-sonnet-20241022",
        "llama-3.1-70b-instruct",
    ] {
        assert!(cost.contains(m), "{m} labelled");
    }
}

#[test]
fn empty_charts_say_no_data() {
    for name in CHART_NAMES {
        assert!(
            svg(name, &ChartData::default()).contains("No data"),
            "{name}"
        );
    }
}

#[test]
fn unknown_chart_is_an_error() {
    let mut out = String::new();
    let root = SVGBackend::with_string(&mut out, (10, 10)).into_drawing_area();
    assert!(draw(&root, "pie", &ChartData::default(), &Theme::new(true, 2.0)).is_err());
}
