//! Per-time-bucket series: requests, errors, tokens, cost, throughput and latency percentiles.

use arrow::array::Array;
use serde::{Deserialize, Serialize};

use super::latency::quantiles;
use crate::ingest::time::US_PER_S;
use crate::query::Buckets;
use crate::table::Table;

/// One value per bucket for each figure. Latency is `None` in a bucket without latencies;
/// cost is `None` in a bucket where no request reports one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Bucket width in seconds.
    pub bucket_secs: i64,
    /// Bucket width as people write it, e.g. "1h".
    pub bucket_label: String,
    /// Bucket starts, milliseconds since the epoch (what JS Date takes).
    pub start_ms: Vec<f64>,
    /// Requests per bucket.
    pub requests: Vec<u64>,
    /// Failed requests per bucket.
    pub errors: Vec<u64>,
    /// Requests per second of bucket time.
    pub throughput_rps: Vec<f64>,
    /// Median latency per bucket.
    pub p50_ms: Vec<Option<f64>>,
    /// 95th percentile latency per bucket.
    pub p95_ms: Vec<Option<f64>>,
    /// 99th percentile latency per bucket.
    pub p99_ms: Vec<Option<f64>>,
    /// Prompt tokens per bucket.
    pub input_tokens: Vec<u64>,
    /// Completion tokens per bucket.
    pub output_tokens: Vec<u64>,
    /// Reported cost per bucket, USD.
    pub cost_usd: Vec<Option<f64>>,
}

/// The series of the selected rows over `b`. Rows without a timestamp are left out.
pub fn series(t: &Table, rows: &[u32], b: &Buckets) -> Series {
    let n = b.count;
    let mut s = Series {
        bucket_secs: b.width_us / US_PER_S,
        bucket_label: b.label.to_string(),
        start_ms: (0..n)
            .map(|k| (b.start_us + k as i64 * b.width_us) as f64 / 1000.0)
            .collect(),
        requests: vec![0; n],
        errors: vec![0; n],
        input_tokens: vec![0; n],
        output_tokens: vec![0; n],
        cost_usd: vec![None; n],
        ..Series::default()
    };
    // Latencies are scattered into one buffer, bucket after bucket, then each bucket's
    // slice is sorted on its own: a counting sort by bucket, no per-bucket allocation.
    let mut lat_count = vec![0usize; n + 1];
    let mut bucket_of = Vec::with_capacity(rows.len());
    for &i in rows {
        let i = i as usize;
        let k = if t.ts.is_valid(i) {
            b.index(t.ts.value(i))
        } else {
            None
        };
        bucket_of.push(k);
        let Some(k) = k else { continue };
        s.requests[k] += 1;
        s.errors[k] += u64::from(t.error.value(i));
        if t.input_tokens.is_valid(i) {
            s.input_tokens[k] += u64::from(t.input_tokens.value(i));
        }
        if t.output_tokens.is_valid(i) {
            s.output_tokens[k] += u64::from(t.output_tokens.value(i));
        }
        if t.cost_usd.is_valid(i) {
            *s.cost_usd[k].get_or_insert(0.0) += t.cost_usd.value(i);
        }
        if t.latency_ms.is_valid(i) {
            lat_count[k + 1] += 1;
        }
    }
    for k in 0..n {
        lat_count[k + 1] += lat_count[k];
    }
    let mut next = lat_count.clone();
    let mut lat = vec![0.0; lat_count[n]];
    for (&i, k) in rows.iter().zip(&bucket_of) {
        let i = i as usize;
        if let Some(k) = *k {
            if t.latency_ms.is_valid(i) {
                lat[next[k]] = t.latency_ms.value(i);
                next[k] += 1;
            }
        }
    }
    for k in 0..n {
        let q = quantiles(&mut lat[lat_count[k]..lat_count[k + 1]], &[0.5, 0.95, 0.99]);
        s.p50_ms.push(q[0]);
        s.p95_ms.push(q[1]);
        s.p99_ms.push(q[2]);
    }
    let secs = (b.width_us / US_PER_S) as f64;
    s.throughput_rps = s.requests.iter().map(|&r| r as f64 / secs).collect();
    s
}
