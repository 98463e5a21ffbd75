//! Anomaly flags measured on generated traffic: every bucket of the injected incident is
//! found (recall), and clean traffic raises at most 1 flag per 1,000 judged buckets.
//! `cargo test --release --test anomaly -- --nocapture` prints the figures BENCHMARKS.md
//! records.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)]

use tokenlens::generate::{generate, incident_us, GenOptions, INCIDENT_MODELS};
use tokenlens::ingest::time::format_iso_micros;
use tokenlens::metrics::anomaly::{anomalies, Anomaly};
use tokenlens::query::{Buckets, View};
use tokenlens::{Ingest, Table};

const RECORDS: u64 = 60_000;

fn traffic(seed: u64, incident: bool) -> Table {
    traffic_with(seed, incident, false)
}

/// With `labels`, requests also carry thumbs-up feedback (worse during the incident).
fn traffic_with(seed: u64, incident: bool, labels: bool) -> Table {
    let mut bytes = Vec::new();
    generate(
        GenOptions {
            records: RECORDS,
            seed,
            incident,
            labels,
        },
        &mut bytes,
    )
    .unwrap();
    let mut ingest = Ingest::new();
    ingest.start_file("generated.jsonl");
    ingest.feed(&bytes);
    ingest.finish().0
}

/// Judged (metric, group, bucket) cells: 5 metrics × (all + models + applications) ×
/// buckets — the denominator of the false-flag rate.
fn judged_cells(t: &Table) -> usize {
    let b = Buckets::for_table(t).unwrap();
    let groups = 1 + 5 + 4; // all, the generator's 5 models and 4 applications
    5 * groups * b.count
}

#[test]
fn the_incident_is_found_in_every_bucket() {
    let t = traffic(1, true);
    let flags = anomalies(&t, &View::default());
    let (start, end) = incident_us();
    let hours: Vec<String> = (0..3)
        .map(|h| format_iso_micros(start + h * 3_600_000_000))
        .collect();
    let mut expected = 0;
    let mut found = 0;
    for model in INCIDENT_MODELS {
        for metric in ["p95_latency_ms", "error_rate"] {
            for hour in &hours {
                expected += 1;
                let hit = flags.iter().any(|a: &Anomaly| {
                    a.metric == metric
                        && a.group == format!("model:{model}")
                        && &a.bucket_start == hour
                });
                if hit {
                    found += 1;
                } else {
                    println!("missed: {metric} {model} {hour}");
                }
            }
        }
    }
    let outside: Vec<&Anomaly> = flags
        .iter()
        .filter(|a| !(start as f64 / 1000.0..end as f64 / 1000.0).contains(&a.bucket_ms))
        .collect();
    println!(
        "incident: {found}/{expected} expected flags found; {} flags in all, {} outside the incident",
        flags.len(),
        outside.len()
    );
    for a in &outside {
        println!("  outside: {}", a.reason);
    }
    assert_eq!(found, expected, "recall must be 100%");
    let gpt4o = flags
        .iter()
        .find(|a| a.metric == "p95_latency_ms" && a.group == "model:gpt-4o")
        .unwrap();
    assert!(gpt4o.reason.starts_with("p95 latency "));
    assert!(
        gpt4o.reason.contains("2026-11-18 14:00 UTC") && gpt4o.reason.ends_with("for model gpt-4o")
    );
    assert!(gpt4o.value > 2.0 * gpt4o.baseline);
}

#[test]
fn clean_traffic_raises_at_most_one_flag_per_thousand_buckets() {
    let mut flags = 0;
    let mut cells = 0;
    for seed in 1..=4 {
        let t = traffic(seed, false);
        let found = anomalies(&t, &View::default());
        for a in &found {
            println!("  false flag (seed {seed}): {}", a.reason);
        }
        flags += found.len();
        cells += judged_cells(&t);
    }
    let per_thousand = 1000.0 * flags as f64 / cells as f64;
    println!(
        "clean traffic: {flags} flags in {cells} judged buckets = {per_thousand:.3} per 1,000"
    );
    assert!(
        per_thousand <= 1.0,
        "{per_thousand} false flags per 1,000 buckets"
    );
}

#[test]
fn a_time_range_shows_the_flags_inside_it_judged_against_all_history() {
    let t = traffic(1, true);
    let all = anomalies(&t, &View::default());
    let (start, _) = incident_us();
    // The six hours from the incident's start: the buckets before them stay the baseline,
    // so the range holds exactly the whole view's flags that fall in it, no more.
    let from_ms = start as f64 / 1000.0;
    let to_ms = from_ms + 6.0 * 3_600_000.0;
    let view = View {
        from_ms: Some(from_ms),
        to_ms: Some(to_ms),
        ..View::default()
    };
    let ranged = anomalies(&t, &view);
    let inside: Vec<&Anomaly> = all
        .iter()
        .filter(|a| (from_ms..to_ms).contains(&a.bucket_ms))
        .collect();
    assert!(inside.len() >= 12, "{}", inside.len());
    assert_eq!(ranged.iter().collect::<Vec<_>>(), inside);
}

#[test]
fn negative_feedback_is_flagged_in_the_incident_and_rarely_else() {
    let t = traffic_with(1, true, true);
    let flags = anomalies(&t, &View::default());
    let (start, end) = incident_us();
    let during = |a: &&Anomaly| (start as f64 / 1000.0..end as f64 / 1000.0).contains(&a.bucket_ms);
    let feedback: Vec<&Anomaly> = flags
        .iter()
        .filter(|a| a.metric == "negative_feedback_rate")
        .collect();
    for a in &feedback {
        println!("  feedback flag: {}", a.reason);
    }
    // Every incident hour, for all requests or one of the failing models.
    let hours: Vec<String> = (0..3)
        .map(|h| format_iso_micros(start + h * 3_600_000_000))
        .collect();
    let found = hours
        .iter()
        .filter(|hour| feedback.iter().any(|a| &a.bucket_start == *hour))
        .count();
    let outside = feedback.iter().filter(|a| !during(a)).count();
    println!(
        "feedback incident: {found}/3 incident hours flagged in negative feedback; {} feedback flags, {outside} outside the incident",
        feedback.len()
    );
    assert_eq!(found, 3, "every incident hour");
    assert_eq!(outside, 0, "feedback flags outside the incident");
    let first = feedback[0];
    assert!(
        first.reason.starts_with("negative feedback "),
        "{}",
        first.reason
    );
    assert!(first.value > first.baseline + 0.1);
    // Clean labelled traffic: at most one false flag per 1,000 judged buckets, with the
    // feedback series judged too.
    let (mut flagged, mut cells) = (0, 0);
    for seed in 1..=4 {
        let t = traffic_with(seed, false, true);
        let found = anomalies(&t, &View::default());
        for a in &found {
            println!("  false flag (labelled, seed {seed}): {}", a.reason);
        }
        flagged += found.len();
        cells += judged_cells(&t) * 6 / 5;
    }
    let per_thousand = 1000.0 * flagged as f64 / cells as f64;
    println!("clean labelled traffic: {flagged} flags in {cells} judged buckets = {per_thousand:.3} per 1,000");
    assert!(
        per_thousand <= 1.0,
        "{per_thousand} false flags per 1,000 buckets"
    );
}

#[test]
fn a_model_filter_flags_as_a_table_of_that_model_alone_would() {
    let mut bytes = Vec::new();
    let options = GenOptions {
        records: RECORDS,
        seed: 5,
        incident: true,
        labels: true,
    };
    generate(options, &mut bytes).unwrap();
    let model = INCIDENT_MODELS[0];
    let needle = format!("\"model_name\":\"{model}\"");
    let only: Vec<u8> = bytes
        .split_inclusive(|&b| b == b'\n')
        .filter(|line| std::str::from_utf8(line).unwrap().contains(&needle))
        .flatten()
        .copied()
        .collect();
    let load = |bytes: &[u8]| {
        let mut ingest = Ingest::new();
        ingest.start_file("generated.jsonl");
        ingest.feed(bytes);
        ingest.finish().0
    };
    let (all, alone) = (load(&bytes), load(&only));
    assert!(alone.len() > 1_000 && alone.len() < all.len() / 2);
    // The same axis: the model has requests in the first and last hour.
    let (a, b) = (
        Buckets::for_table(&all).unwrap(),
        Buckets::for_table(&alone).unwrap(),
    );
    assert_eq!((a.start(0), a.count), (b.start(0), b.count));
    let view = View {
        models: vec![model.to_string()],
        ..View::default()
    };
    let filtered = anomalies(&all, &view);
    assert!(filtered.iter().any(|f| f.group == "all"));
    assert_eq!(filtered, anomalies(&alone, &View::default()));
}
