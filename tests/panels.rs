//! The dashboard's fast path (per-cell and per-slot sums prepared at load, percentiles from
//! walks over value-sorted rows: src/metrics/panels.rs) against the plain definitions: the
//! rows a view selects, each figure computed from them directly with `totals`, `series`
//! and the drill-down list. Random tables and views: filters, time ranges, zones with DST
//! and half-hour offsets, every bucket width, requests running for hours.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)]

use arrow::array::Array;
use proptest::prelude::*;
use serde_json::{json, Value};
use tokenlens::metrics::latency::Histogram;
use tokenlens::metrics::series::series;
use tokenlens::metrics::totals::totals;
use tokenlens::query::{select, Buckets};
use tokenlens::{dashboard, requests, Groups, Ingest, RequestOrder, View, TAG_SEP};

/// One generated request.
#[derive(Debug, Clone)]
struct Req {
    ts_s: Option<f64>,
    latency_ms: Option<f64>,
    ttft_ms: Option<f64>,
    model: u8,
    app: u8,
    user: Option<u32>,
    status: u16,
    tokens: (u32, u32),
    cost: Option<f64>,
    feature: Option<u8>,
    /// Thumbs up or down, and a hallucination judge's score.
    feedback: Option<bool>,
    hallucination: Option<f64>,
    /// Tags by number, repeats included (a request's tags count once each).
    tags: Vec<u8>,
}

/// 2026-10-31 00:00 UTC: a day before New York leaves DST.
const T0: f64 = 1_793_404_800.0;

fn req(span_s: f64) -> impl Strategy<Value = Req> {
    (
        (prop::option::weighted(0.95, 0.0..span_s), 0u32..1000),
        prop::option::weighted(0.9, prop_oneof![8 => 1.0..5_000.0f64, 1 => 1.0..1e8f64]),
        prop::option::weighted(0.6, 0.5..800.0f64),
        (0u8..3, 0u8..3, prop::option::weighted(0.8, 0u32..6)),
        prop_oneof![6 => Just(200u16), 1 => Just(429u16), 1 => Just(500u16)],
        (0u32..2000, 0u32..2000),
        (
            prop::option::weighted(0.8, 0.0..0.05f64),
            prop::option::weighted(0.8, 0u8..4),
            prop::collection::vec(0u8..4, 0..4),
            prop::option::weighted(0.3, any::<bool>()),
            prop::option::weighted(0.3, 0.0..=1.0f64),
        ),
    )
        .prop_map(
            |(
                (ts, frac),
                latency_ms,
                ttft_ms,
                (model, app, user),
                status,
                tokens,
                (cost, feature, tags, feedback, hallucination),
            )| Req {
                // Whole milliseconds plus a fraction, so some land on bucket edges.
                ts_s: ts.map(|s| T0 + (s.floor() + f64::from(frac % 4) * 0.25)),
                latency_ms: latency_ms.map(|l| l.round()),
                ttft_ms,
                model,
                app,
                user,
                status,
                tokens,
                cost,
                feature,
                tags,
                feedback,
                hallucination,
            },
        )
}

fn jsonl(reqs: &[Req]) -> String {
    let mut out = String::new();
    for (k, r) in reqs.iter().enumerate() {
        let mut v = json!({
            "request_id": format!("r{k}"),
            "model_name": format!("m{}", r.model),
            "application": format!("app-{}", r.app),
            "status_code": r.status,
            "prompt_tokens": r.tokens.0,
            "completion_tokens": r.tokens.1,
        });
        let o = v.as_object_mut().unwrap();
        if let Some(ts) = r.ts_s {
            o.insert("timestamp".into(), json!(ts));
        }
        if let Some(l) = r.latency_ms {
            o.insert("latency_ms".into(), json!(l));
        }
        if let Some(f) = r.ttft_ms {
            o.insert("ttft_ms".into(), json!(f));
        }
        if let Some(u) = r.user {
            o.insert("user_id".into(), json!(format!("u{u}")));
        }
        if let Some(c) = r.cost {
            o.insert("estimated_cost_usd".into(), json!(c));
        }
        if let Some(f) = r.feedback {
            o.insert("feedback".into(), json!(f));
        }
        if let Some(h) = r.hallucination {
            o.insert("hallucination".into(), json!(h));
        }
        if let Some(f) = r.feature {
            o.insert("feature".into(), json!(format!("f{f}")));
        }
        let tags: Vec<String> = r.tags.iter().map(|k| format!("t{k}")).collect();
        o.insert("tags".into(), json!(tags));
        if r.status != 200 {
            o.insert("error_message".into(), json!(format!("HTTP {}", r.status)));
        }
        out.push_str(&v.to_string());
        out.push('\n');
    }
    out
}

fn view() -> impl Strategy<Value = View> {
    (
        prop::collection::vec(0u8..4, 0..3),
        prop::collection::vec(0u8..4, 0..2),
        prop::option::weighted(0.4, (0.0..3.0 * 86_400.0f64, 0.0..3.0 * 86_400.0f64)),
        0usize..3,
        0usize..7,
    )
        .prop_map(|(models, apps, range, zone, width)| View {
            models: models.iter().map(|m| format!("m{m}")).collect(),
            applications: apps.iter().map(|a| format!("app-{a}")).collect(),
            from_ms: range.map(|(a, _)| (T0 + a) * 1000.0),
            to_ms: range.map(|(a, b)| (T0 + a + b) * 1000.0),
            tz: ZONES[zone].to_string(),
            bucket: WIDTHS[width].to_string(),
        })
}

const ZONES: [&str; 3] = ["UTC", "America/New_York", "Asia/Kolkata"];
const WIDTHS: [&str; 7] = ["", "1m", "15m", "1h", "1d", "1w", "1mo"];

/// Equal, floats to 1e-9 relative (sums add in another order on the fast path).
fn same(path: &str, a: &Value, b: &Value) -> Result<(), TestCaseError> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            prop_assert!(
                (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1e-6),
                "{path}: {x} != {y}"
            );
        }
        (Value::Array(x), Value::Array(y)) => {
            prop_assert_eq!(x.len(), y.len(), "{} length", path);
            for (k, (x, y)) in x.iter().zip(y).enumerate() {
                same(&format!("{path}[{k}]"), x, y)?;
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            let keys: Vec<&String> = x.keys().collect();
            prop_assert_eq!(keys, y.keys().collect::<Vec<_>>(), "{} keys", path);
            for (k, v) in x {
                same(&format!("{path}.{k}"), v, &y[k])?;
            }
        }
        _ => prop_assert_eq!(a, b, "{}", path),
    }
    Ok(())
}

fn check(reqs: &[Req], v: View) -> Result<(), TestCaseError> {
    let mut ingest = Ingest::new();
    ingest.start_file("gen.jsonl");
    ingest.feed(jsonl(reqs).as_bytes());
    let (t, _) = ingest.finish();
    let d = dashboard(&t, &v).unwrap();

    // The plain definitions over the selected rows.
    let rows = select(&t, &v);
    let zone = v.zone().unwrap();
    let b = Buckets::for_view(&t, &v).unwrap();
    let want_series = b
        .as_ref()
        .map(|b| series(&t, &rows, b, &zone))
        .unwrap_or_default();
    same("series", &json!(d.series), &json!(want_series))?;
    same(
        "summary.totals",
        &json!(d.summary.totals),
        &json!(totals(&t, &rows)),
    )?;
    for m in &d.by_model {
        let only = View {
            models: vec![m.model.clone()],
            ..v.clone()
        };
        same(
            &m.model,
            &json!(m.totals),
            &json!(totals(&t, &select(&t, &only))),
        )?;
    }
    for a in &d.by_application {
        let only = View {
            applications: vec![a.application.clone()],
            ..v.clone()
        };
        let want = totals(&t, &select(&t, &only));
        same(&a.application, &json!(a.totals), &json!(want))?;
    }
    let listed: u64 = d.by_model.iter().map(|m| m.totals.requests).sum();
    prop_assert_eq!(listed, rows.len() as u64);

    // Features and tags: the totals of the selected rows that have each, latency and TTFT
    // with their mean only; costliest first.
    let features = Groups::of(&t.feature);
    let tag_sets = Groups::of(&t.tags);
    let has_tag = |i: u32, tag: &str| {
        let set = &tag_sets.labels[tag_sets.of_row(i as usize) as usize];
        if tag == "(none)" {
            set == "(none)"
        } else {
            set != "(none)" && set.split(TAG_SEP).any(|x| x == tag)
        }
    };
    let mut names: Vec<(String, bool)> = rows
        .iter()
        .map(|&i| {
            (
                features.labels[features.of_row(i as usize) as usize].clone(),
                true,
            )
        })
        .chain(rows.iter().flat_map(|&i| {
            let set = &tag_sets.labels[tag_sets.of_row(i as usize) as usize];
            set.split(TAG_SEP)
                .map(|x| (x.to_string(), false))
                .collect::<Vec<_>>()
        }))
        .collect();
    names.sort();
    names.dedup();
    let mut listed: Vec<(String, bool)> = d
        .by_feature
        .iter()
        .map(|g| (g.name.clone(), true))
        .chain(d.by_tag.iter().map(|g| (g.name.clone(), false)))
        .collect();
    listed.sort();
    prop_assert_eq!(listed, names);
    for (groups, is_feature) in [(&d.by_feature, true), (&d.by_tag, false)] {
        for g in groups.iter() {
            let of: Vec<u32> = rows
                .iter()
                .copied()
                .filter(|&i| match is_feature {
                    true => features.labels[features.of_row(i as usize) as usize] == g.name,
                    false => has_tag(i, &g.name),
                })
                .collect();
            let mut want = json!(totals(&t, &of));
            for stats in ["latency_ms", "ttft_ms"] {
                for q in ["p50", "p75", "p90", "p95", "p99", "p999", "max"] {
                    want[stats][q] = Value::Null;
                }
            }
            same(&g.name, &json!(g.totals), &want)?;
        }
        let cost = |g: &tokenlens::GroupTotals| g.totals.cost_usd.unwrap_or(f64::NEG_INFINITY);
        prop_assert!(groups.windows(2).all(|w| cost(&w[0]) >= cost(&w[1])));
    }

    // Users, time range, running time and histograms from the drill-down list of every
    // selected request.
    let all = requests(&t, &v, RequestOrder::Latest, usize::MAX);
    prop_assert_eq!(all.len(), rows.len());
    let mut users: Vec<&str> = all.iter().filter_map(|r| r.user_id.as_deref()).collect();
    users.sort_unstable();
    users.dedup();
    prop_assert_eq!(d.summary.users, users.len() as u64);
    let first = all.iter().filter_map(|r| r.ts.clone()).min();
    let last = all.iter().filter_map(|r| r.ts.clone()).max();
    prop_assert_eq!(&d.summary.first_ts, &first);
    prop_assert_eq!(&d.summary.last_ts, &last);
    prop_assert_eq!(
        json!(d.latency_histogram),
        json!(Histogram::of(all.iter().filter_map(|r| r.latency_ms)))
    );
    prop_assert_eq!(
        json!(d.ttft_histogram),
        json!(Histogram::of(all.iter().filter_map(|r| r.ttft_ms)))
    );
    for (got, col) in [
        (&d.input_tokens_histogram, &t.input_tokens),
        (&d.output_tokens_histogram, &t.output_tokens),
    ] {
        let values = rows
            .iter()
            .filter(|&&i| col.is_valid(i as usize))
            .map(|&i| f64::from(col.value(i as usize)));
        prop_assert_eq!(json!(got), json!(Histogram::of(values)));
    }
    let us = |iso: &str| tokenlens::ingest::time::parse_timestamp(iso).unwrap();
    if let (Some(first), Some(last)) = (&first, &last) {
        let (first, last) = (us(first), us(last));
        let busy_ms: f64 = all
            .iter()
            .filter_map(|r| Some((us(r.ts.as_deref()?), r.latency_ms?)))
            .map(|(ts, l)| l.min((last - ts) as f64 / 1000.0))
            .sum();
        let secs = (last - first) as f64 / 1e6;
        let want = (secs > 0.0).then(|| busy_ms / 1000.0 / secs);
        same("concurrency", &json!(d.summary.concurrency), &json!(want))?;
    }
    // The top spenders: cost, then requests, then the first seen user id.
    let mut spend: Vec<(String, f64, u64)> = Vec::new();
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for r in &all {
        let Some(u) = &r.user_id else { continue };
        let at = *seen.entry(u.clone()).or_insert_with(|| {
            spend.push((u.clone(), 0.0, 0));
            spend.len() - 1
        });
        spend[at].1 += r.cost_usd.unwrap_or(0.0);
        spend[at].2 += 1;
    }
    for u in &d.top_users {
        let mut rows: Vec<u32> = all
            .iter()
            .filter(|r| r.user_id.as_ref() == Some(&u.user_id))
            .map(|r| r.row)
            .collect();
        rows.sort_unstable();
        same(&u.user_id, &json!(u.totals), &json!(totals(&t, &rows)))?;
    }
    let got: Vec<(String, u64)> = d
        .top_users
        .iter()
        .map(|u| (u.user_id.clone(), u.totals.requests))
        .collect();
    let mut want: Vec<(String, f64, u64)> = spend;
    want.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.2.cmp(&a.2)));
    let want: Vec<(String, u64)> = want.into_iter().take(10).map(|u| (u.0, u.2)).collect();
    let mut got_sorted = got.clone();
    let mut want_sorted = want.clone();
    got_sorted.sort();
    want_sorted.sort();
    prop_assert_eq!(got_sorted, want_sorted);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Three days: minute slots, requests running past the last one and over hours.
    #[test]
    fn fast_path_equals_definitions_over_days(
        reqs in prop::collection::vec(req(3.0 * 86_400.0), 0..120),
        v in view(),
    ) {
        check(&reqs, v)?;
    }

    /// Rows in time order (or newest first), every one with a time: a time range is then
    /// one run of rows, found by binary search, and a short one walks its own order.
    #[test]
    fn fast_path_equals_definitions_in_time_order(
        mut reqs in prop::collection::vec(req(3.0 * 86_400.0), 1..120),
        newest_first in any::<bool>(),
        mut v in view(),
        edges in (any::<prop::sample::Index>(), any::<prop::sample::Index>()),
    ) {
        for r in &mut reqs {
            r.ts_s.get_or_insert(T0);
        }
        reqs.sort_by(|a, b| a.ts_s.partial_cmp(&b.ts_s).unwrap());
        if newest_first {
            reqs.reverse();
        }
        // A range that starts or ends on a request's time (whole ms: exact in µs).
        if v.from_ms.is_some() {
            let at = |i: &prop::sample::Index| reqs[i.index(reqs.len())].ts_s.unwrap() * 1000.0;
            let (a, b) = (at(&edges.0), at(&edges.1));
            (v.from_ms, v.to_ms) = (Some(a.min(b)), Some(a.max(b)));
        }
        check(&reqs, v)?;
    }

    /// Two months: hour slots, so Kolkata's half-hour buckets take the row pass.
    #[test]
    fn fast_path_equals_definitions_over_months(
        reqs in prop::collection::vec(req(60.0 * 86_400.0), 1..120),
        v in view(),
    ) {
        check(&reqs, v)?;
    }
}

/// So many users that the cube's table of (cell, user) sums would be too big: each user's
/// rows are summed on their own, to the same figures.
#[test]
fn fast_path_equals_definitions_with_many_users() {
    let reqs: Vec<Req> = (0..70_000u32)
        .map(|k| Req {
            ts_s: Some(T0 + f64::from(k) * 3.0),
            latency_ms: Some(f64::from(100 + k % 900)),
            ttft_ms: None,
            model: (k % 2) as u8,
            app: 0,
            user: Some(k),
            status: 200,
            tokens: (k % 50, k % 70),
            // Distinct, so the top spenders have no ties at the cut.
            cost: Some(f64::from(k % 9_973) * 1e-5 + f64::from(k) * 1e-9),
            feature: None,
            feedback: None,
            hallucination: None,
            tags: Vec::new(),
        })
        .collect();
    for v in [
        View::default(),
        View {
            models: vec!["m1".into()],
            ..View::default()
        },
    ] {
        check(&reqs, v).unwrap();
    }
}
