//! Per-time-bucket series: requests, errors, tokens, cost, throughput and latency percentiles.

use serde::{Deserialize, Serialize};

use super::latency::quantiles;
use super::totals::{Quality, QualitySums};
use crate::calendar::Zone;
use crate::ingest::time::US_PER_S;
use crate::query::{Buckets, Finder};
use crate::table::{Col, Table};

/// One value per bucket for each figure. Latency is `None` in a bucket without latencies;
/// cost is `None` in a bucket where no request reports one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Usual bucket width in seconds (a local day across a DST change is an hour off).
    pub bucket_secs: i64,
    /// Bucket width as people write it, e.g. "1h".
    pub bucket_label: String,
    /// The display time zone the buckets follow.
    pub tz: String,
    /// Bucket starts, milliseconds since the epoch (what JS Date takes).
    pub start_ms: Vec<f64>,
    /// The zone's offset from UTC at each bucket start, ms (0 in UTC).
    pub offset_ms: Vec<f64>,
    /// Requests per bucket.
    pub requests: Vec<u64>,
    /// Failed requests per bucket.
    pub errors: Vec<u64>,
    /// Requests per second of bucket time.
    pub throughput_rps: Vec<f64>,
    /// Input plus output tokens per second of bucket time.
    pub tokens_per_s: Vec<f64>,
    /// Mean requests in flight over the bucket: the time requests spent running inside it
    /// over its length (Little's law; from start time and latency).
    pub concurrency: Vec<f64>,
    /// Median latency per bucket.
    pub p50_ms: Vec<Option<f64>>,
    /// 75th percentile latency per bucket.
    pub p75_ms: Vec<Option<f64>>,
    /// 90th percentile latency per bucket.
    pub p90_ms: Vec<Option<f64>>,
    /// 95th percentile latency per bucket.
    pub p95_ms: Vec<Option<f64>>,
    /// 99th percentile latency per bucket.
    pub p99_ms: Vec<Option<f64>>,
    /// 99.9th percentile latency per bucket.
    pub p999_ms: Vec<Option<f64>>,
    /// Mean latency per bucket.
    pub mean_ms: Vec<Option<f64>>,
    /// Slowest request per bucket.
    pub max_ms: Vec<Option<f64>>,
    /// Median time to first token per bucket.
    pub ttft_p50_ms: Vec<Option<f64>>,
    /// 95th percentile time to first token per bucket.
    pub ttft_p95_ms: Vec<Option<f64>>,
    /// Prompt tokens per bucket.
    pub input_tokens: Vec<u64>,
    /// Completion tokens per bucket.
    pub output_tokens: Vec<u64>,
    /// Reported cost per bucket, USD.
    pub cost_usd: Vec<Option<f64>>,
    /// Quality signals per bucket, each with its coverage; empty when no request of the
    /// table carries one (most exports: no per-bucket objects to hand to the page).
    pub quality: Vec<Quality>,
}

/// Latency quantiles drawn per bucket, in the order of the `p*_ms` fields.
const QS: [f64; 7] = super::latency::STATS_QS;
/// Where the 95th percentile is in `QS`.
const P95: usize = 3;

/// Spreads a request's running time (from `ts`, µs, for `latency_ms`) over the buckets it
/// overlaps, from its own (`k`) to the end of the axis: `add(bucket, µs)` for each.
pub(crate) fn spread(
    b: &Buckets,
    k: usize,
    ts: i64,
    latency_ms: f64,
    mut add: impl FnMut(usize, f64),
) {
    let (mut from, end) = (ts, ts as f64 + latency_ms * 1000.0);
    let mut j = k;
    while j < b.count && (from as f64) < end {
        let edge = b.start(j) + b.width(j);
        add(j, end.min(edge as f64) - from as f64);
        from = edge;
        j += 1;
    }
}

impl Series {
    /// The axis of buckets `b` in `zone`, every count zero and no figure yet: they are
    /// added up, then [`Series::push_bucket`] finishes each bucket in turn.
    pub(crate) fn axis(b: &Buckets, zone: &Zone) -> Series {
        let n = b.count;
        Series {
            bucket_secs: b.width_us / US_PER_S,
            bucket_label: b.label.to_string(),
            tz: zone.name().to_string(),
            start_ms: (0..n).map(|k| b.start(k) as f64 / 1000.0).collect(),
            offset_ms: (0..n)
                .map(|k| zone.offset_us(b.start(k)) as f64 / 1000.0)
                .collect(),
            requests: vec![0; n],
            errors: vec![0; n],
            input_tokens: vec![0; n],
            output_tokens: vec![0; n],
            cost_usd: vec![None; n],
            ..Series::default()
        }
    }

    /// Bucket `k`'s latency quantiles (in `QS` order), mean, TTFT p50 and p95, and its
    /// rates from its counts and the running time inside it.
    pub(crate) fn push_bucket(
        &mut self,
        b: &Buckets,
        k: usize,
        latency: Vec<Option<f64>>,
        mean: Option<f64>,
        ttft: &[Option<f64>],
        busy_us: f64,
    ) {
        for (col, v) in [
            &mut self.p50_ms,
            &mut self.p75_ms,
            &mut self.p90_ms,
            &mut self.p95_ms,
            &mut self.p99_ms,
            &mut self.p999_ms,
            &mut self.max_ms,
        ]
        .into_iter()
        .zip(latency)
        {
            col.push(v);
        }
        self.mean_ms.push(mean);
        self.ttft_p50_ms.push(ttft[0]);
        self.ttft_p95_ms.push(ttft[1]);
        let secs = b.width(k) as f64 / US_PER_S as f64;
        self.throughput_rps.push(self.requests[k] as f64 / secs);
        self.tokens_per_s
            .push((self.input_tokens[k] + self.output_tokens[k]) as f64 / secs);
        self.concurrency.push(busy_us / b.width(k) as f64);
    }

    /// Bucket `k`'s quality figures from its signals' sums (after its counts are in).
    pub(crate) fn push_quality(&mut self, k: usize, quality: &QualitySums) {
        self.quality.push(quality.finish(self.requests[k]));
    }
}

/// The values of column `col` among `rows`, by bucket: `counts[k]` is how many valid values
/// bucket `k` has; `bucket` gives a row's bucket again (found from its time twice rather
/// than kept: 4 bytes a row at the peak of memory). Each bucket's values get a buffer of
/// their exact size rather than one for all: in wasm, memory grows to its peak and never
/// shrinks, and small buffers fit the gaps left by what was freed before.
fn scatter(
    col: Col<f64>,
    rows: impl Iterator<Item = u32>,
    counts: &[usize],
    bucket: impl Fn(usize) -> Option<usize>,
) -> Vec<Vec<f64>> {
    let mut values: Vec<Vec<f64>> = counts.iter().map(|&n| Vec::with_capacity(n)).collect();
    // A column this export does not have (no TTFT) costs nothing.
    if counts.iter().all(|&n| n == 0) {
        return values;
    }
    for i in rows {
        let i = i as usize;
        if let (Some(v), Some(k)) = (col.get(i), bucket(i)) {
            values[k].push(v);
        }
    }
    values
}

/// The series of the selected rows over `b` in zone `zone`. Rows without a timestamp are
/// left out.
pub fn series(t: &Table, rows: &[u32], b: &Buckets, zone: &Zone) -> Series {
    series_of(t, rows.iter().copied(), b, zone, true)
}

/// What anomaly flags judge of [`series`]: requests, errors, tokens, cost, quality and the
/// p95 latency; the other latency figures, TTFT and concurrency are left `None` and zero
/// (they cost most of the pass, for up to 17 series a load).
pub(crate) fn series_for_flags(
    t: &Table,
    rows: impl Iterator<Item = u32> + Clone,
    b: &Buckets,
) -> Series {
    series_of(t, rows, b, &Zone::utc(), false)
}

fn series_of(
    t: &Table,
    rows: impl Iterator<Item = u32> + Clone,
    b: &Buckets,
    zone: &Zone,
    full: bool,
) -> Series {
    let n = b.count;
    let mut s = Series::axis(b, zone);
    let mut busy_us = vec![0f64; n];
    let mut quality = vec![QualitySums::default(); n];
    let has_quality = QualitySums::any(t);
    // Valid latencies (and TTFTs) per bucket, for `scatter`.
    let mut lat_n = vec![0usize; n];
    let mut ttft_n = vec![0usize; n];
    let c = t.cols();
    let finder = Finder::new(b);
    let bucket = |i: usize| c.ts.get(i).and_then(|ts| finder.index(ts));
    for i in rows.clone() {
        let i = i as usize;
        let Some(k) = bucket(i) else {
            continue;
        };
        s.requests[k] += 1;
        s.errors[k] += u64::from(c.error.get(i));
        if let Some(v) = c.input_tokens.get(i) {
            s.input_tokens[k] += u64::from(v);
        }
        if let Some(v) = c.output_tokens.get(i) {
            s.output_tokens[k] += u64::from(v);
        }
        if let Some(v) = c.cost_usd.get(i) {
            *s.cost_usd[k].get_or_insert(0.0) += v;
        }
        if has_quality {
            quality[k].add_row(&c, i);
        }
        if let Some(latency) = c.latency_ms.get(i) {
            lat_n[k] += 1;
            if full {
                spread(b, k, c.ts.values[i], latency, |j, us| busy_us[j] += us);
            }
        }
        if full && c.ttft_ms.get(i).is_some() {
            ttft_n[k] += 1;
        }
    }
    let mut lat = scatter(c.latency_ms, rows.clone(), &lat_n, bucket);
    let mut ttft = scatter(c.ttft_ms, rows, &ttft_n, bucket);
    for k in 0..n {
        let slice = &mut lat[k];
        let (q, mean) = if full {
            let mean = (!slice.is_empty()).then(|| slice.iter().sum::<f64>() / slice.len() as f64);
            (quantiles(slice, &QS), mean)
        } else {
            let mut q = vec![None; QS.len()];
            q[P95] = quantiles(slice, &[QS[P95]])[0];
            (q, None)
        };
        let ttft_q = quantiles(&mut ttft[k], &[0.5, 0.95]);
        s.push_bucket(b, k, q, mean, &ttft_q, busy_us[k]);
        if has_quality {
            s.push_quality(k, &quality[k]);
        }
    }
    s
}
