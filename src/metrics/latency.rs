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

impl LatencyStats {
    /// The figures of `values`, which are sorted in place.
    pub fn of(values: &mut [f64]) -> LatencyStats {
        if values.is_empty() {
            return LatencyStats::default();
        }
        values.sort_unstable_by(f64::total_cmp);
        let q = |p| quantile_sorted(values, p);
        LatencyStats {
            p50: q(0.5),
            p90: q(0.9),
            p95: q(0.95),
            p99: q(0.99),
            max: values.last().copied(),
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
    fn empty_is_none_not_zero() {
        assert_eq!(LatencyStats::of(&mut []), LatencyStats::default());
        assert_eq!(LatencyStats::of(&mut [7.0]).p99, Some(7.0));
    }
}
