//! Every chart draws real marks for real data (to SVG here; to a canvas in the browser),
//! and says "No data" when there is none.
#![cfg(not(target_arch = "wasm32"))]
// Helpers of integration tests unwrap too: a panic is a failed test.
#![allow(clippy::unwrap_used)]

use plotters::prelude::*;
use tokenlens::charts::{draw, time_labels, ChartData, Theme, CHART_NAMES};
use tokenlens::generate::{generate, GenOptions};
use tokenlens::metrics::series::Series;
use tokenlens::{dashboard, Ingest, View};

fn svg(name: &str, data: &ChartData) -> String {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (900, 320)).into_drawing_area();
        draw(&root, name, data, &Theme::new(false, 1.0)).unwrap();
    }
    out
}

/// The charts' data for the bytes of one file called `name`.
fn load(name: &str, bytes: &[u8]) -> ChartData {
    let mut ingest = Ingest::new();
    ingest.start_file(name);
    ingest.feed(bytes);
    let (t, _) = ingest.finish();
    ChartData::from(&dashboard(&t, &View::default()).unwrap())
}

fn fixture(name: &str) -> ChartData {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    load(name, &std::fs::read(path).unwrap())
}

/// Two weeks of generated traffic (3,000 requests, the incident), with or without labels.
fn generated(labels: bool) -> tokenlens::Table {
    let mut bytes = Vec::new();
    generate(
        GenOptions {
            records: 3_000,
            seed: 5,
            incident: true,
            labels,
        },
        &mut bytes,
    )
    .unwrap();
    let mut ingest = Ingest::new();
    ingest.feed(&bytes);
    ingest.finish().0
}

fn demo() -> ChartData {
    ChartData::from(&dashboard(&generated(false), &View::default()).unwrap())
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
    let tokens = svg("tokens_histogram", &data);
    assert!(
        tokens.matches("<rect").count() > 20,
        "bars of input and of output tokens"
    );
    assert!(tokens.contains("input") && tokens.contains("output"));
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

/// Whether no two neighbouring labels read the same.
fn distinct_neighbours(labels: &[String]) -> bool {
    labels.windows(2).all(|w| w[0] != w[1])
}

/// Latency of 400 ms in the buckets marked `true`.
fn latency_at(present: &[bool]) -> ChartData {
    let n = present.len();
    let v: Vec<Option<f64>> = present.iter().map(|&p| p.then_some(400.0)).collect();
    ChartData {
        series: Series {
            bucket_secs: 60,
            bucket_label: "1m".into(),
            start_ms: (0..n)
                .map(|k| 1_794_232_800_000.0 + k as f64 * 60e3)
                .collect(),
            requests: vec![1; n],
            errors: vec![0; n],
            throughput_rps: vec![1.0 / 60.0; n],
            p50_ms: v.clone(),
            p95_ms: v.clone(),
            p99_ms: v,
            input_tokens: vec![10; n],
            output_tokens: vec![5; n],
            cost_usd: vec![None; n],
            offset_ms: vec![0.0; n],
            ..Series::default()
        },
        by_model: Vec::new(),
        latency_histogram: Default::default(),
        input_tokens_histogram: Default::default(),
        output_tokens_histogram: Default::default(),
        budget: None,
    }
}

#[test]
fn isolated_points_are_dotted() {
    // Gaps at buckets 1 and 5; p50 has none at 3 and 4 either.
    let data = latency_at(&[true, false, true, true, true, false, true, true]);
    let data = ChartData {
        series: Series {
            p50_ms: {
                let mut v = data.series.p50_ms.clone();
                v[3] = None;
                v[4] = None;
                v
            },
            ..data.series.clone()
        },
        ..data
    };
    // p50: lone at 0 and 2, line 6-7; p95 and p99: lone at 0, lines 2-4 and 6-7.
    let latency = svg("latency", &data);
    assert_eq!(latency.matches("<circle").count(), 2 + 1 + 1, "{latency}");
    // Nothing isolated, no dots.
    let joined = svg("latency", &latency_at(&[true, true, false, true, true]));
    assert_eq!(joined.matches("<circle").count(), 0);
    // The dots are the lines' colours (the light theme's p50 blue, p99 violet).
    assert!(latency.contains(r##"<circle cx="##));
    for color in ["#2563EB", "#7C3AED"] {
        assert!(
            latency.split("<circle").skip(1).any(|c| c
                .split('>')
                .next()
                .unwrap()
                .to_uppercase()
                .contains(color)),
            "no {color} dot: {latency}"
        );
    }
}

#[test]
fn sixteen_second_file_gets_buckets_of_a_second() {
    // An OpenAI Batch output file whose responses were created over 16 seconds; two
    // failed requests carry no time.
    let data = fixture("formats/openai_batch.jsonl");
    let s = &data.series;
    assert_eq!((s.bucket_secs, s.bucket_label.as_str()), (1, "1s"));
    assert_eq!(s.start_ms.len(), 17);
    assert_eq!(s.requests.iter().sum::<u64>(), 10);
    // Throughput is per second of bucket time: a bucket of a second holds its requests.
    for (r, t) in s.requests.iter().zip(&s.throughput_rps) {
        assert_eq!(*r as f64, *t);
    }
    for width in [360.0, 600.0, 1200.0] {
        let labels = time_labels(s, width);
        assert!(labels.len() > 1, "{labels:?}");
        assert!(distinct_neighbours(&labels), "{labels:?}");
        assert!(
            labels
                .iter()
                .all(|l| l.ends_with(|c: char| c.is_ascii_digit()) && l.matches(':').count() == 2),
            "{labels:?}"
        );
    }
    // The charts draw them: several bars, an area, the labels as written.
    let requests = svg("requests", &data);
    for label in time_labels(s, 900.0) {
        assert!(
            requests.contains(&format!("\n{label}\n")),
            "{label} missing"
        );
    }
    let tokens = svg("tokens", &data);
    assert!(tokens.contains("<polygon") || tokens.contains("<path"));
    assert!(!tokens.contains("No data"));
}

#[test]
fn one_record_draws_a_bar_and_dots() {
    let line = br#"{"timestamp": "2026-11-09T16:00:00.250Z", "model": "m", "latency_ms": 900, "prompt_tokens": 40, "completion_tokens": 12, "status_code": 200}"#;
    let data = load("one.jsonl", line);
    let s = &data.series;
    assert_eq!((s.bucket_secs, s.start_ms.len()), (1, 1));
    let labels = time_labels(s, 900.0);
    assert!(
        labels.len() > 1 && distinct_neighbours(&labels),
        "{labels:?}"
    );
    assert!(labels.iter().any(|l| l.ends_with("16:00:00")), "{labels:?}");
    // A dot per percentile, one per token area, a bar narrower than the chart.
    assert_eq!(svg("latency", &data).matches("<circle").count(), 3);
    assert_eq!(svg("tokens", &data).matches("<circle").count(), 2);
    let requests = svg("requests", &data);
    let bar_widths: Vec<f64> = requests
        .split("<rect")
        .skip(1)
        .filter(|r| r.to_uppercase().contains("#2563EB"))
        .filter_map(|r| {
            let w = r.split("width=\"").nth(1)?.split('"').next()?;
            w.parse().ok()
        })
        .collect();
    assert!(
        bar_widths.iter().any(|&w| w > 20.0 && w < 300.0),
        "one bar, neither a sliver nor the whole chart: {bar_widths:?}"
    );
}

/// A budget's status as the page hands it to the chart (its JSON, read as chart data).
fn budget_chart(period: &str, usd: f64) -> (ChartData, serde_json::Value) {
    let t = generated(false);
    let rules = tokenlens::Rules::from_json(&format!(
        r#"{{"budgets": [{{"period": "{period}", "usd": {usd}}}]}}"#
    ))
    .unwrap();
    let zone = tokenlens::calendar::Zone::utc();
    let status = serde_json::to_value(&tokenlens::budgets(&t, &rules.budgets, &zone)[0]).unwrap();
    let data: ChartData = serde_json::from_value(serde_json::json!({ "budget": status })).unwrap();
    (data, status)
}

#[test]
fn burn_down_draws_spend_pace_projection_and_budget() {
    // The generated data ends on 2026-11-22: the month's budget is read in days.
    let (data, status) = budget_chart("month", 400.0);
    let b = data.budget.as_ref().unwrap();
    assert_eq!(b.budget_usd, 400.0);
    assert!(b.burn_down.len() >= 20, "a step per day so far");
    assert_eq!(status["current"]["end_ms"].as_f64(), Some(b.current.end_ms));
    let month = svg("burn_down", &data);
    assert!(
        month.matches("<polyline").count() >= 3,
        "pace, budget, projection"
    );
    assert!(
        month.contains("<polygon") || month.contains("<path"),
        "the spend area"
    );
    for label in [
        "spent",
        "even pace",
        "projection",
        "budget",
        "day 1",
        "$400",
    ] {
        assert!(month.contains(label), "{label}");
    }
    // A day is read in hours.
    let (day, _) = budget_chart("day", 20.0);
    let day = svg("burn_down", &day);
    assert!(day.contains("0h") && !day.contains("day 1"));
    // Without a budget there is nothing to draw.
    assert!(svg("burn_down", &ChartData::default()).contains("No data"));
}

#[test]
fn quality_draws_the_signals_the_data_has() {
    let data = ChartData::from(&dashboard(&generated(true), &View::default()).unwrap());
    assert!(data.series.quality.iter().any(|q| q.feedback_count > 0));
    let quality = svg("quality", &data);
    assert!(quality.matches("<polyline").count() >= 2, "two lines");
    for label in ["thumbs up", "hallucination", "100%"] {
        assert!(quality.contains(label), "{label}");
    }
    // The generator writes no safety flag: neither a line nor a legend entry for it.
    assert!(!quality.contains("safety flags"));
    // Data without any signal has nothing to draw.
    assert!(svg("quality", &demo()).contains("No data"));
}

/// The `<rect>`s of an SVG as (y, height, width), in pixels.
fn rects(svg: &str) -> Vec<(f64, f64, f64)> {
    let attr = |tag: &str, name: &str| -> Option<f64> {
        let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        tag[at..].split('"').next()?.parse().ok()
    };
    svg.split("<rect")
        .skip(1)
        .filter_map(|tag| Some((attr(tag, "y")?, attr(tag, "height")?, attr(tag, "width")?)))
        .collect()
}

#[test]
fn cost_by_model_bars_fill_the_plot_with_no_empty_slot() {
    let data = demo();
    let models = data
        .by_model
        .iter()
        .filter(|m| m.cost_usd.is_some())
        .count();
    assert!(models >= 3, "{models} models with a cost");
    let cost = svg("cost_by_model", &data);
    // The bars: every rect but the background (the whole 900 px wide image).
    let bars: Vec<(f64, f64, f64)> = rects(&cost).into_iter().filter(|r| r.2 < 900.0).collect();
    assert_eq!(bars.len(), models, "{cost}");
    // Each of the n slots holds a bar: above the top one is the chart's margin only, not
    // an empty slot as tall as a bar.
    let top = bars.iter().map(|r| r.0).fold(f64::INFINITY, f64::min);
    assert!(
        top < bars[0].1,
        "top bar at {top} px, bars {} px tall",
        bars[0].1
    );
}
