//! Exact latency percentiles: linear interpolation between closest ranks, as DuckDB's
//! `quantile_cont` and numpy's default do.

use serde::{Deserialize, Serialize};

/// Latency figures over the requests that have a latency; all `None` when none has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct LatencyStats {
    /// Median.
    pub p50: Option<f64>,
    /// 75th percentile.
    pub p75: Option<f64>,
    /// 90th percentile.
    pub p90: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
    /// 99.9th percentile.
    pub p999: Option<f64>,
    /// Slowest.
    pub max: Option<f64>,
    /// Arithmetic mean.
    pub mean: Option<f64>,
}

/// The ranks linear interpolation reads for quantile `q` of `n` values (n > 0): the two
/// closest ranks and the fractional rank between them.
pub fn rank_of(q: f64, n: usize) -> (usize, usize, f64) {
    let rank = q.clamp(0.0, 1.0) * (n - 1) as f64;
    (
        rank.floor() as usize,
        (rank.ceil() as usize).min(n - 1),
        rank,
    )
}

/// The value at fractional rank `rank` between the values `a` at rank `lo` and `b` at `hi`.
pub fn interpolate(lo: usize, hi: usize, rank: f64, a: f64, b: f64) -> f64 {
    if lo == hi {
        a
    } else {
        a + (b - a) * (rank - lo as f64)
    }
}

/// The `q` quantile (0..=1) of ascending `sorted` values.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let (lo, hi, rank) = rank_of(q, n);
    Some(interpolate(lo, hi, rank, sorted[lo], sorted[hi]))
}

/// The `qs` quantiles (each 0..=1) of `values`, which are reordered. Exact, like
/// [`quantile_sorted`], but by selection: each needed rank is placed with
/// `select_nth_unstable` on what lies above the previous one, O(n) instead of a sort.
pub fn quantiles(values: &mut [f64], qs: &[f64]) -> Vec<Option<f64>> {
    let n = values.len();
    if n == 0 {
        return vec![None; qs.len()];
    }
    let mut ranks: Vec<usize> = qs
        .iter()
        .flat_map(|&q| {
            let (lo, hi, _) = rank_of(q, n);
            [lo, hi]
        })
        .collect();
    ranks.sort_unstable();
    ranks.dedup();
    // After this loop values[r] holds the r-th smallest for every needed rank r. Each
    // selection is a pass over what lies above the previous rank, which shrinks fast for
    // the high quantiles we ask for (0.5, 0.75, 0.9, …): about 5n in all, less than a sort.
    let mut from = 0;
    for &r in &ranks {
        if r >= from {
            values[from..].select_nth_unstable_by(r - from, f64::total_cmp);
            from = r + 1;
        }
    }
    qs.iter()
        .map(|&q| {
            let (lo, hi, rank) = rank_of(q, n);
            Some(interpolate(lo, hi, rank, values[lo], values[hi]))
        })
        .collect()
}

/// The quantiles of [`LatencyStats`], in its field order (the max last).
pub const STATS_QS: [f64; 7] = [0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0];

impl LatencyStats {
    /// The figures of `values`, which are reordered.
    pub fn of(values: &mut [f64]) -> LatencyStats {
        if values.is_empty() {
            return LatencyStats::default();
        }
        let q = quantiles(values, &STATS_QS);
        LatencyStats::from_quantiles(&q, values.iter().sum::<f64>() / values.len() as f64)
    }

    /// The figures from the [`STATS_QS`] quantiles and the mean.
    pub fn from_quantiles(q: &[Option<f64>], mean: f64) -> LatencyStats {
        LatencyStats {
            p50: q[0],
            p75: q[1],
            p90: q[2],
            p95: q[3],
            p99: q[4],
            p999: q[5],
            max: q[6],
            mean: Some(mean),
        }
    }
}

/// Counts of values in log-scale bins: four per doubling from 1 ms (1, 1.25, 1.5, 1.75, 2,
/// 2.5, …), with one bin below 1 ms. A bin is found from the float's exponent and top two
/// mantissa bits, with no logarithm, so a million latencies bin in about a millisecond.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Histogram {
    /// `counts.len() + 1` bin edges, ms, ascending; bin k is `[edges[k], edges[k + 1])`.
    pub edges_ms: Vec<f64>,
    /// Values per bin, from the first non-empty bin to the last.
    pub counts: Vec<u64>,
}

/// Bins per doubling.
const SUB_BINS: u64 = 4;
/// Doublings above 1 ms covered (2^40 ms is 35 years); longer values go in the last bin.
const OCTAVES: u64 = 40;

/// The histogram bin of a value, ms.
pub fn bin_of(x: f64) -> usize {
    if x.is_nan() || x < 1.0 {
        return 0;
    }
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff).saturating_sub(1023).min(OCTAVES - 1);
    let sub = if exp == OCTAVES - 1 && x >= 2f64.powi(OCTAVES as i32) {
        SUB_BINS - 1
    } else {
        (bits >> (52 - 2)) & (SUB_BINS - 1)
    };
    (1 + exp * SUB_BINS + sub) as usize
}

fn lower_edge(bin: usize) -> f64 {
    if bin == 0 {
        return 0.0;
    }
    let b = bin as u64 - 1;
    let (exp, sub) = (b / SUB_BINS, b % SUB_BINS);
    2f64.powi(exp as i32) * (1.0 + sub as f64 / SUB_BINS as f64)
}

impl Histogram {
    /// How many bins [`bin_of`] maps to.
    pub const BINS: usize = 1 + (OCTAVES * SUB_BINS) as usize;

    /// The histogram of `values` (ms); empty without values.
    pub fn of(values: impl Iterator<Item = f64>) -> Histogram {
        let mut counts = vec![0u64; Self::BINS];
        for x in values {
            counts[bin_of(x)] += 1;
        }
        Histogram::from_bins(&counts)
    }

    /// The histogram of counts per [`bin_of`] bin ([`Histogram::BINS`] of them).
    pub fn from_bins(counts: &[u64]) -> Histogram {
        let Some(first) = counts.iter().position(|&c| c > 0) else {
            return Histogram::default();
        };
        let last = counts.iter().rposition(|&c| c > 0).unwrap_or(first);
        Histogram {
            edges_ms: (first..=last + 1).map(lower_edge).collect(),
            counts: counts[first..=last].to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolates_like_quantile_cont() {
        // numpy.quantile([1, 2, 3, 4, 10], [.5, .9, .95, .99]) = 3, 7.6, 8.8, 9.76
        let s = LatencyStats::of(&mut [10.0, 3.0, 1.0, 4.0, 2.0]);
        assert_eq!(s.p50, Some(3.0));
        assert!((s.p90.unwrap_or(0.0) - 7.6).abs() < 1e-12);
        assert!((s.p95.unwrap_or(0.0) - 8.8).abs() < 1e-12);
        assert!((s.p99.unwrap_or(0.0) - 9.76).abs() < 1e-12);
        assert_eq!(s.max, Some(10.0));
        assert_eq!(s.mean, Some(4.0));
    }

    #[test]
    fn selection_equals_sorting() {
        // A fixed pseudo-random set with ties, checked against the sorted definition.
        let mut x: Vec<f64> = (0..1_001u64)
            .map(|i| ((i * 7_919) % 613) as f64 / 7.0)
            .collect();
        let qs = [0.0, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0];
        let mut sorted = x.clone();
        sorted.sort_unstable_by(f64::total_cmp);
        let want: Vec<Option<f64>> = qs.iter().map(|&q| quantile_sorted(&sorted, q)).collect();
        assert_eq!(quantiles(&mut x, &qs), want);
        assert_eq!(quantiles(&mut [], &qs), vec![None; qs.len()]);
    }

    #[test]
    fn histogram_bins_by_quarter_doublings() {
        let h = Histogram::of([0.4, 1.0, 1.24, 1.25, 3.0, 3.49, 3.5, 1000.0].into_iter());
        // Bins from [0, 1) to the one holding 1000 ms: [896, 1024).
        assert_eq!(
            &h.edges_ms[..9],
            &[0.0, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5]
        );
        assert_eq!(&h.counts[..9], &[1, 2, 1, 0, 0, 0, 0, 2, 1]);
        assert_eq!(h.edges_ms[h.counts.len() - 1..], [896.0, 1024.0]);
        assert_eq!(h.counts.iter().sum::<u64>(), 8);
        assert_eq!(h.counts.last(), Some(&1));
        assert_eq!(Histogram::of([].into_iter()), Histogram::default());
        // Absurdly long values stay in the last bin instead of running off the array.
        assert_eq!(Histogram::of([1e300].into_iter()).counts, [1]);
    }

    #[test]
    fn empty_is_none_not_zero() {
        assert_eq!(LatencyStats::of(&mut []), LatencyStats::default());
        assert_eq!(LatencyStats::of(&mut [7.0]).p99, Some(7.0));
    }
}
