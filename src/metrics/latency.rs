//! Exact latency percentiles: linear interpolation between closest ranks, as DuckDB's
//! `quantile_cont` and numpy's default do.

use serde::Serialize;

/// Latency figures over the requests that have a latency; all `None` when none has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct LatencyStats {
    /// Median.
    pub p50: Option<f64>,
    /// 90th percentile.
    pub p90: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
    /// Slowest.
    pub max: Option<f64>,
    /// Arithmetic mean.
    pub mean: Option<f64>,
}

/// The `q` quantile (0..=1) of ascending `sorted` values.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let rank = q.clamp(0.0, 1.0) * (n - 1) as f64;
    let lo = rank.floor() as usize;
    let hi = rank.ceil() as usize;
    let (a, b) = (sorted[lo], sorted[hi.min(n - 1)]);
    Some(if lo == hi {
        a
    } else {
        a + (b - a) * (rank - lo as f64)
    })
}

/// The `qs` quantiles (each 0..=1) of `values`, which are reordered. Exact, like
/// [`quantile_sorted`], but by selection: each needed rank is placed with
/// `select_nth_unstable` on what lies above the previous one, O(n) instead of a sort.
pub fn quantiles(values: &mut [f64], qs: &[f64]) -> Vec<Option<f64>> {
    let n = values.len();
    if n == 0 {
        return vec![None; qs.len()];
    }
    let rank = |q: f64| q.clamp(0.0, 1.0) * (n - 1) as f64;
    let mut ranks: Vec<usize> = qs
        .iter()
        .flat_map(|&q| {
            [
                rank(q).floor() as usize,
                (rank(q).ceil() as usize).min(n - 1),
            ]
        })
        .collect();
    ranks.sort_unstable();
    ranks.dedup();
    // After this loop values[r] holds the r-th smallest for every needed rank r.
    let mut from = 0;
    for &r in &ranks {
        if r >= from {
            values[from..].select_nth_unstable_by(r - from, f64::total_cmp);
            from = r + 1;
        }
    }
    qs.iter()
        .map(|&q| {
            let r = rank(q);
            let (lo, hi) = (r.floor() as usize, (r.ceil() as usize).min(n - 1));
            let (a, b) = (values[lo], values[hi]);
            Some(if lo == hi {
                a
            } else {
                a + (b - a) * (r - lo as f64)
            })
        })
        .collect()
}

impl LatencyStats {
    /// The figures of `values`, which are reordered.
    pub fn of(values: &mut [f64]) -> LatencyStats {
        if values.is_empty() {
            return LatencyStats::default();
        }
        let q = quantiles(values, &[0.5, 0.9, 0.95, 0.99, 1.0]);
        LatencyStats {
            p50: q[0],
            p90: q[1],
            p95: q[2],
            p99: q[3],
            max: q[4],
            mean: Some(values.iter().sum::<f64>() / values.len() as f64),
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
    fn empty_is_none_not_zero() {
        assert_eq!(LatencyStats::of(&mut []), LatencyStats::default());
        assert_eq!(LatencyStats::of(&mut [7.0]).p99, Some(7.0));
    }
}
