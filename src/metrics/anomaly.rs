//! Anomaly flags on the bucketed series (requests, error rate, p95 latency, tokens, cost,
//! and the share of negative feedback where there is feedback), overall and per model and
//! application. Each bucket is compared with a baseline: the
//! same time of day on previous days once three days of history exist (traffic has a daily
//! rhythm), else the trailing window's median; the spread is 1.4826 × the MAD of those
//! values, floored by the noise a bucket of that size must have (Poisson for counts,
//! binomial for rates, long-tailed for latency and tokens), so a quiet series does not flag
//! every wobble. A flag needs a robust z-score of at least [`Z_THRESHOLD`] *and* an effect
//! a person would call one (latency twice the usual, error rate up 3 points, …), and says
//! what, when, how much and compared with what.

use serde::Serialize;

use super::series::{series_for_flags, Series};
use crate::ingest::time::{format_iso_micros, US_PER_S};
use crate::query::{select_in, Buckets, View};
use crate::table::{Groups, Table};

/// The robust z-score a bucket must reach.
pub const Z_THRESHOLD: f64 = 5.0;
/// Buckets of history needed before a bucket is judged.
pub const MIN_HISTORY: usize = 8;
/// Requests a bucket needs before its rates and percentiles are judged.
pub const MIN_SAMPLES: u64 = 20;
/// Models and applications looked at (the busiest).
pub const MAX_GROUPS: usize = 8;

/// One flagged bucket.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Anomaly {
    /// `requests`, `error_rate`, `p95_latency_ms`, `tokens` or `cost_usd`.
    pub metric: &'static str,
    /// `all`, `model:<name>` or `application:<name>`.
    pub group: String,
    /// Bucket start, ISO 8601 UTC.
    pub bucket_start: String,
    /// Bucket start, ms since the epoch (for charts).
    pub bucket_ms: f64,
    /// The bucket's value.
    pub value: f64,
    /// What was expected.
    pub baseline: f64,
    /// Robust z-score (how many spreads away).
    pub score: f64,
    /// The flag in words.
    pub reason: String,
}

/// How a metric is judged.
#[derive(Clone, Copy)]
struct Metric {
    name: &'static str,
    /// Low values are anomalies too (a traffic drop); else only high ones.
    two_sided: bool,
}

const METRICS: [Metric; 6] = [
    Metric {
        name: "requests",
        two_sided: true,
    },
    Metric {
        name: "error_rate",
        two_sided: false,
    },
    Metric {
        name: "p95_latency_ms",
        two_sided: false,
    },
    Metric {
        name: "tokens",
        two_sided: false,
    },
    Metric {
        name: "cost_usd",
        two_sided: false,
    },
    Metric {
        name: "negative_feedback_rate",
        two_sided: false,
    },
];

/// Feedback a bucket needs before its negative share is judged.
pub const MIN_FEEDBACK: u64 = 10;

/// Every flag for `view`: overall, and for its busiest models and applications.
pub fn anomalies(t: &Table, view: &View) -> Vec<Anomaly> {
    // Flags are judged on UTC buckets whatever the display zone: the seasonal baseline
    // counts a day as 24 hours of buckets.
    let Some(b) = Buckets::for_table(t) else {
        return Vec::new();
    };
    let models = Groups::of(&t.model);
    let apps = Groups::of(&t.application);
    // A time range narrows the flags shown, not the history they are judged against: the
    // buckets before the range are the baseline of those inside it.
    let whole = View {
        from_ms: None,
        to_ms: None,
        ..view.clone()
    };
    // Every row when the view keeps every model and application: no list of them (4 bytes a
    // row at the peak of memory).
    let unfiltered = view.models.is_empty() && view.applications.is_empty();
    let rows = if unfiltered {
        Vec::new()
    } else {
        select_in(t, &models, &apps, &whole)
    };
    let (all, selected_len) = if unfiltered {
        (series_for_flags(t, 0..t.len() as u32, &b), t.len())
    } else {
        (series_for_flags(t, rows.iter().copied(), &b), rows.len())
    };
    let mut out = judge_series(&all, &b, "all");
    for (kind, groups) in [("model", &models), ("application", &apps)] {
        // Each group's rows, in a buffer of its exact size (counted first): buffers grown by
        // doubling would leave the peak of wasm memory higher.
        let each = |f: &mut dyn FnMut(u32)| {
            if unfiltered {
                (0..t.len() as u32).for_each(f);
            } else {
                rows.iter().copied().for_each(f);
            }
        };
        let mut sizes = vec![0usize; groups.labels.len()];
        each(&mut |i| sizes[groups.of_row(i as usize) as usize] += 1);
        let mut members: Vec<Vec<u32>> = sizes.iter().map(|&n| Vec::with_capacity(n)).collect();
        each(&mut |i| members[groups.of_row(i as usize) as usize].push(i));
        let mut order: Vec<usize> = (0..members.len()).collect();
        order.sort_by_key(|&g| std::cmp::Reverse(members[g].len()));
        // One group is everything: its flags are the overall ones.
        let busiest: Vec<usize> = order
            .into_iter()
            .filter(|&g| !members[g].is_empty() && members[g].len() < selected_len)
            .take(MAX_GROUPS)
            .collect();
        for g in busiest {
            let name = format!("{kind}:{}", groups.labels[g]);
            out.extend(judge_series(
                &series_for_flags(t, members[g].iter().copied(), &b),
                &b,
                &name,
            ));
        }
    }
    let from = view.from_ms.unwrap_or(f64::NEG_INFINITY);
    let to = view.to_ms.unwrap_or(f64::INFINITY);
    let width_ms = (b.width_us / 1000) as f64;
    out.retain(|a| a.bucket_ms + width_ms > from && a.bucket_ms < to);
    out.sort_by(|a, b| {
        a.bucket_ms
            .total_cmp(&b.bucket_ms)
            .then_with(|| a.group.cmp(&b.group))
            .then_with(|| a.metric.cmp(b.metric))
    });
    out
}

/// The flags of one group's series.
fn judge_series(s: &Series, b: &Buckets, group: &str) -> Vec<Anomaly> {
    let n = s.requests.len();
    let enough = |k: usize| s.requests[k] >= MIN_SAMPLES;
    // The group's error rate over the whole range: the least a bucket's rate is expected
    // to wander by (most hours of a quiet model have no error at all).
    let total: u64 = s.requests.iter().sum();
    let group_rate = s.errors.iter().sum::<u64>() as f64 / total.max(1) as f64;
    // Feedback per bucket, and the negative part of it (thumbs down, low ratings).
    let feedback: Vec<u64> = s.quality.iter().map(|q| q.feedback_count).collect();
    let negative: Vec<u64> = s
        .quality
        .iter()
        .map(|q| {
            let up = q.thumbs_up_rate.unwrap_or(0.0) * q.feedback_count as f64;
            q.feedback_count - up.round() as u64
        })
        .collect();
    let group_negative =
        negative.iter().sum::<u64>() as f64 / feedback.iter().sum::<u64>().max(1) as f64;
    let mut out = Vec::new();
    for m in METRICS {
        let values: Vec<Option<f64>> = (0..n)
            .map(|k| match m.name {
                "requests" => Some(s.requests[k] as f64),
                "error_rate" => enough(k).then(|| s.errors[k] as f64 / s.requests[k] as f64),
                "p95_latency_ms" => s.p95_ms[k].filter(|_| enough(k)),
                "tokens" => enough(k).then(|| (s.input_tokens[k] + s.output_tokens[k]) as f64),
                "negative_feedback_rate" => (feedback.get(k).copied().unwrap_or(0) >= MIN_FEEDBACK)
                    .then(|| negative[k] as f64 / feedback[k] as f64),
                _ => enough(k).then(|| s.cost_usd[k].unwrap_or(0.0)),
            })
            .collect();
        // The sample size behind a bucket's value, its failures, and the group's usual rate.
        let (samples, failures, rate): (&[u64], &[u64], f64) = match m.name {
            "negative_feedback_rate" => (&feedback, &negative, group_negative),
            _ => (&s.requests, &s.errors, group_rate),
        };
        for k in 0..n {
            let Some(x) = values[k] else { continue };
            let Some((baseline, spread)) = baseline(&values, k, b) else {
                continue;
            };
            let spread = spread.max(noise_floor(m.name, baseline, samples[k], rate));
            let z = (x - baseline) / spread;
            let flagged = (z >= Z_THRESHOLD || (m.two_sided && z <= -Z_THRESHOLD))
                && big_enough(m.name, x, baseline, failures[k], rate);
            if flagged {
                let start_us = b.start_us + k as i64 * b.width_us;
                out.push(Anomaly {
                    metric: m.name,
                    group: group.to_string(),
                    bucket_start: format_iso_micros(start_us),
                    bucket_ms: start_us as f64 / 1000.0,
                    value: x,
                    baseline,
                    score: z,
                    reason: reason(m.name, group, start_us, x, baseline),
                });
            }
        }
    }
    out
}

/// (baseline, spread) for bucket `k` from earlier buckets: the same time on previous days
/// when three or more exist (hourly or finer buckets), else the trailing window.
fn baseline(values: &[Option<f64>], k: usize, b: &Buckets) -> Option<(f64, f64)> {
    let day = 86_400 * US_PER_S;
    let per_day = if b.width_us <= 3_600 * US_PER_S && day % b.width_us == 0 {
        (day / b.width_us) as usize
    } else {
        0
    };
    if per_day > 0 {
        let same_time: Vec<f64> = (1..=7)
            .filter_map(|d| k.checked_sub(d * per_day))
            .filter_map(|j| values[j])
            .collect();
        if same_time.len() >= 3 {
            return Some(median_and_spread(same_time));
        }
        // Data that will have a daily baseline waits for it: a trailing day mixes night
        // and day, and every morning would look like a surge.
        if values.len() > 3 * per_day {
            return None;
        }
    }
    let window = if per_day > 0 { per_day } else { 14 };
    let trailing: Vec<f64> = values[k.saturating_sub(window)..k]
        .iter()
        .filter_map(|v| *v)
        .collect();
    (trailing.len() >= MIN_HISTORY).then(|| median_and_spread(trailing))
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Median and 1.4826 × median absolute deviation.
fn median_and_spread(mut v: Vec<f64>) -> (f64, f64) {
    let m = median(&mut v);
    let mut dev: Vec<f64> = v.iter().map(|x| (x - m).abs()).collect();
    (m, 1.4826 * median(&mut dev))
}

/// The spread a bucket has by chance alone: a few values cannot estimate it, and a flat
/// history would make every wobble infinitely unusual.
fn noise_floor(metric: &str, baseline: f64, requests: u64, group_rate: f64) -> f64 {
    let root_n = (requests.max(1) as f64).sqrt();
    let floor = match metric {
        // Poisson, and traffic that varies from day to day by a sixth or so.
        "requests" => baseline.max(1.0).sqrt().max(0.15 * baseline),
        // Binomial, at the group's usual rate (at least 1%).
        "error_rate" | "negative_feedback_rate" => {
            let p = baseline.max(group_rate).max(0.01);
            (p * (1.0 - p) / requests.max(1) as f64).sqrt()
        }
        // The 95th percentile of a few dozen requests is nearly their maximum: long-tailed.
        // (At least 10 ms: a usual of 0 ms is no yardstick.)
        "p95_latency_ms" => (baseline * (3.0 / root_n).max(0.1)).max(10.0),
        // Sums of long-tailed token counts (at least 100 tokens).
        "tokens" => (baseline * (2.0 / root_n).max(0.15)).max(100.0),
        // The same for cost (at least a cent).
        _ => (baseline * (2.0 / root_n).max(0.15)).max(0.01),
    };
    floor.max(f64::MIN_POSITIVE)
}

/// Whether the change matters to a person, whatever its score.
fn big_enough(metric: &str, x: f64, baseline: f64, errors: u64, group_rate: f64) -> bool {
    match metric {
        "requests" => x >= 2.0 * baseline + 5.0 || x <= 0.5 * baseline - 5.0,
        "error_rate" => x >= baseline + 0.03 && x >= 2.0 * group_rate && errors >= 3,
        // Errors here are the negative feedback.
        "negative_feedback_rate" => x >= baseline + 0.1 && x >= 1.5 * group_rate && errors >= 3,
        "p95_latency_ms" => x >= 2.0 * baseline,
        _ => x >= 3.0 * baseline,
    }
}

fn reason(metric: &str, group: &str, start_us: i64, x: f64, base: f64) -> String {
    let when = format_iso_micros(start_us);
    let when = format!("{} {} UTC", &when[..10], &when[11..16]);
    let whom = match group.split_once(':') {
        Some((kind, name)) => format!("{kind} {name}"),
        None => "all requests".to_string(),
    };
    let times = |x: f64, base: f64| {
        if base > 0.0 {
            format!("{:.1}× the usual", x / base)
        } else {
            "against the usual".to_string()
        }
    };
    match metric {
        "requests" => format!(
            "requests {} at {when}, {} {} for {whom}",
            grouped(x),
            times(x, base),
            grouped(base)
        ),
        "error_rate" => format!(
            "error rate {:.1}% at {when}, against the usual {:.1}% for {whom}",
            100.0 * x,
            100.0 * base
        ),
        "negative_feedback_rate" => format!(
            "negative feedback {:.1}% at {when}, against the usual {:.1}% for {whom}",
            100.0 * x,
            100.0 * base
        ),
        "p95_latency_ms" => format!(
            "p95 latency {} ms at {when}, {} {} ms for {whom}",
            grouped(x),
            times(x, base),
            grouped(base)
        ),
        "tokens" => format!(
            "tokens {} at {when}, {} {} for {whom}",
            grouped(x),
            times(x, base),
            grouped(base)
        ),
        _ => format!(
            "cost ${x:.2} at {when}, {} ${base:.2} for {whom}",
            times(x, base)
        ),
    }
}

/// 3812.4 -> "3,812".
fn grouped(x: f64) -> String {
    let digits = format!("{:.0}", x.abs());
    let mut s = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            s.push(',');
        }
        s.push(c);
    }
    if x < 0.0 {
        s.insert(0, '-');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_mad() {
        let (m, s) = median_and_spread(vec![1.0, 2.0, 3.0, 4.0, 100.0]);
        assert_eq!(m, 3.0);
        assert!((s - 1.4826).abs() < 1e-12);
    }

    #[test]
    fn words() {
        assert_eq!(grouped(3812.4), "3,812");
        assert_eq!(grouped(930.0), "930");
        let us = 1_795_010_400_000_000; // 2026-11-18T14:00:00Z
        assert_eq!(
            reason("p95_latency_ms", "model:gpt-4o", us, 3812.0, 930.0),
            "p95 latency 3,812 ms at 2026-11-18 14:00 UTC, 4.1× the usual 930 ms for model gpt-4o"
        );
        assert_eq!(
            reason("error_rate", "all", us, 0.224, 0.011),
            "error rate 22.4% at 2026-11-18 14:00 UTC, against the usual 1.1% for all requests"
        );
    }

    #[test]
    fn a_spike_in_a_steady_series_is_flagged_and_noise_is_not() {
        let b = Buckets {
            start_us: 0,
            width_us: 3_600 * US_PER_S,
            count: 100,
            label: "1h",
            edges: None,
        };
        let mut v: Vec<Option<f64>> = (0..100)
            .map(|k| Some(100.0 + if k % 2 == 0 { 3.0 } else { -3.0 }))
            .collect();
        v[80] = Some(400.0);
        let (base, spread) = baseline(&v, 80, &b).unwrap();
        assert_eq!(base, 103.0);
        let z = (400.0 - base) / spread.max(noise_floor("p95_latency_ms", base, 100, 0.0));
        assert!(z > Z_THRESHOLD);
        let (base, spread) = baseline(&v, 81, &b).unwrap();
        let z = (97.0 - base) / spread.max(noise_floor("p95_latency_ms", base, 100, 0.0));
        assert!(z.abs() < Z_THRESHOLD);
    }
}
