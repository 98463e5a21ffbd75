//! A view (filters) -> the selected rows; time buckets for series.

use arrow::array::Array;
use serde::{Deserialize, Serialize};

use crate::ingest::time::US_PER_S;
use crate::table::{Groups, Table};

/// What the person is looking at. An empty list means "all".
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct View {
    /// Keep only these models (labels as shown, `(none)` for records without one).
    pub models: Vec<String>,
    /// Keep only these applications.
    pub applications: Vec<String>,
}

/// Which groups of a dictionary column a filter keeps; `None` keeps all.
fn allowed(groups: &Groups, wanted: &[String]) -> Option<Vec<bool>> {
    if wanted.is_empty() {
        return None;
    }
    Some(groups.labels.iter().map(|l| wanted.contains(l)).collect())
}

/// The rows of `t` that the view keeps, in ascending order.
pub fn select(t: &Table, view: &View) -> Vec<u32> {
    select_in(&Groups::of(&t.model), &Groups::of(&t.application), view)
}

/// [`select`] for a caller that already has the table's model and application groups.
pub fn select_in(models: &Groups, apps: &Groups, view: &View) -> Vec<u32> {
    let keep_model = allowed(models, &view.models);
    let keep_app = allowed(apps, &view.applications);
    (0..models.of_row.len() as u32)
        .filter(|&i| {
            let i = i as usize;
            keep_model
                .as_ref()
                .is_none_or(|k| k[models.of_row[i] as usize])
                && keep_app.as_ref().is_none_or(|k| k[apps.of_row[i] as usize])
        })
        .collect()
}

/// Bucket widths offered, in seconds, with their labels.
const WIDTHS: [(i64, &str); 13] = [
    (1, "1s"),
    (5, "5s"),
    (10, "10s"),
    (30, "30s"),
    (60, "1m"),
    (300, "5m"),
    (900, "15m"),
    (3_600, "1h"),
    (10_800, "3h"),
    (21_600, "6h"),
    (43_200, "12h"),
    (86_400, "1d"),
    (604_800, "1w"),
];

/// At most this many buckets in an automatically sized series.
pub const MAX_BUCKETS: i64 = 400;

/// At most this many buckets narrower than a minute: those widths are for short files (a
/// batch that ran in seconds, a test run of a few minutes), which are usually sparse, so a
/// few dozen buckets show their shape without hundreds of empty slivers.
pub const MAX_FINE_BUCKETS: i64 = 30;

/// Equal time buckets aligned to their width, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Buckets {
    /// Start of the first bucket, µs since the epoch.
    pub start_us: i64,
    /// Width of each bucket, µs.
    pub width_us: i64,
    /// Number of buckets.
    pub count: usize,
    /// The width as people write it, e.g. "1h".
    pub label: &'static str,
}

impl Buckets {
    /// The smallest width that covers `[min_us, max_us]` in at most [`MAX_BUCKETS`] buckets,
    /// or [`MAX_FINE_BUCKETS`] for widths under a minute. A range of zero (one record) gets
    /// one bucket of a second.
    pub fn auto(min_us: i64, max_us: i64) -> Buckets {
        let span = (max_us - min_us).max(0);
        let &(secs, label) = WIDTHS
            .iter()
            .find(|(s, _)| {
                let cap = if *s < 60 {
                    MAX_FINE_BUCKETS
                } else {
                    MAX_BUCKETS
                };
                span / (s * US_PER_S) < cap
            })
            .unwrap_or(&WIDTHS[WIDTHS.len() - 1]);
        let width_us = secs * US_PER_S;
        // Weeks start on Monday; the epoch was a Thursday.
        let shift = if secs == 604_800 {
            4 * 86_400 * US_PER_S
        } else {
            0
        };
        let start_us = (min_us - shift).div_euclid(width_us) * width_us + shift;
        let count = ((max_us - start_us).div_euclid(width_us) + 1) as usize;
        Buckets {
            start_us,
            width_us,
            count,
            label,
        }
    }

    /// The buckets spanning every timestamp in the table, or `None` when none has one.
    pub fn for_table(t: &Table) -> Option<Buckets> {
        let (min, max) = ts_range(t)?;
        Some(Buckets::auto(min, max))
    }

    /// The bucket of a timestamp, if it falls inside.
    pub fn index(&self, ts_us: i64) -> Option<usize> {
        let b = (ts_us - self.start_us).div_euclid(self.width_us);
        (0..self.count as i64).contains(&b).then_some(b as usize)
    }
}

/// The first and last timestamp in the table.
pub fn ts_range(t: &Table) -> Option<(i64, i64)> {
    range_over(t, 0..t.len())
}

/// The first and last timestamp among the selected rows.
pub fn ts_range_of(t: &Table, rows: &[u32]) -> Option<(i64, i64)> {
    range_over(t, rows.iter().map(|&i| i as usize))
}

fn range_over(t: &Table, rows: impl Iterator<Item = usize>) -> Option<(i64, i64)> {
    let mut range: Option<(i64, i64)> = None;
    for i in rows {
        if t.ts.is_valid(i) {
            let v = t.ts.value(i);
            range = Some(range.map_or((v, v), |(a, b)| (a.min(v), b.max(v))));
        }
    }
    range
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{Row, TableBuilder};

    #[test]
    fn auto_buckets_sized_to_range() {
        let day = 86_400 * US_PER_S;
        let b = Buckets::auto(0, 14 * day - 1);
        assert_eq!((b.label, b.count, b.start_us), ("1h", 336, 0));
        let b = Buckets::auto(90 * US_PER_S, 40 * 60 * US_PER_S);
        assert_eq!((b.label, b.count, b.start_us), ("1m", 40, 60 * US_PER_S));
        assert_eq!(b.index(60 * US_PER_S), Some(0));
        assert_eq!(b.index(59 * US_PER_S), None);
        let b = Buckets::auto(0, 3_000 * day);
        assert_eq!(b.label, "1w");
        assert_eq!(b.start_us, -3 * day); // Monday 1969-12-29.
    }

    #[test]
    fn short_ranges_get_buckets_under_a_minute() {
        let s = US_PER_S;
        // A batch that ran for 16 seconds: one bucket a second.
        let b = Buckets::auto(1_000 * s, 1_016 * s);
        assert_eq!((b.label, b.count, b.start_us), ("1s", 17, 1_000 * s));
        assert_eq!(b.index(1_016 * s + 999_999), Some(16));
        // One record: one bucket of a second, starting on its second.
        let b = Buckets::auto(1_000 * s + 250_000, 1_000 * s + 250_000);
        assert_eq!((b.label, b.count, b.start_us), ("1s", 1, 1_000 * s));
        // Then 5 s, 10 s and 30 s, each at most MAX_FINE_BUCKETS buckets.
        let width = |span_s: i64| Buckets::auto(0, span_s * s).label;
        assert_eq!(width(29), "1s");
        assert_eq!(width(30), "5s");
        assert_eq!(width(149), "5s");
        assert_eq!(width(150), "10s");
        assert_eq!(width(260), "10s");
        assert_eq!(width(300), "30s");
        assert_eq!(width(899), "30s");
        assert_eq!(width(900), "1m");
        for span_s in [0, 1, 16, 59, 60, 299, 899] {
            assert!(Buckets::auto(0, span_s * s).count as i64 <= MAX_FINE_BUCKETS);
        }
    }

    #[test]
    fn filters_by_model_and_app() {
        let mut b = TableBuilder::default();
        for (m, a) in [
            (Some("x"), Some("p")),
            (Some("y"), Some("p")),
            (None, Some("q")),
            (Some("x"), None),
        ] {
            b.push(&Row {
                model: m,
                application: a,
                ..Row::default()
            });
        }
        let t = b.finish();
        let v = |m: &[&str], a: &[&str]| View {
            models: m.iter().map(|s| s.to_string()).collect(),
            applications: a.iter().map(|s| s.to_string()).collect(),
        };
        assert_eq!(select(&t, &v(&[], &[])), [0, 1, 2, 3]);
        assert_eq!(select(&t, &v(&["x"], &[])), [0, 3]);
        assert_eq!(select(&t, &v(&["x"], &["p"])), [0]);
        assert_eq!(select(&t, &v(&["(none)"], &[])), [2]);
        assert_eq!(select(&t, &v(&["nope"], &[])), Vec::<u32>::new());
    }
}
