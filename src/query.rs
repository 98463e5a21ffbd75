//! A view (filters, time range, time zone) -> the selected rows; time buckets for series.

use arrow::array::Array;
use serde::{Deserialize, Serialize};

use crate::calendar::{Period, Zone};
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
    /// Keep requests that start at or after this time, ms since the epoch.
    pub from_ms: Option<f64>,
    /// Keep requests that start before this time, ms since the epoch.
    pub to_ms: Option<f64>,
    /// Display time zone for buckets (an IANA name; empty or `UTC` for UTC).
    pub tz: String,
    /// Bucket width (`1m`, `5m`, `15m`, `1h`, `3h`, `6h`, `12h`, `1d`, `1w`, `1mo`); empty
    /// sizes it to the range.
    pub bucket: String,
}

impl View {
    /// The view's time zone; an unknown name is an error that names it.
    pub fn zone(&self) -> Result<Zone, String> {
        Zone::named(&self.tz)
    }

    /// The time range as µs, `[from, to)`; `None` when the view has none.
    pub(crate) fn range_us(&self) -> Option<(i64, i64)> {
        if self.from_ms.is_none() && self.to_ms.is_none() {
            return None;
        }
        let us = |ms: f64| (ms * 1000.0).round() as i64;
        Some((
            self.from_ms.map_or(i64::MIN, us),
            self.to_ms.map_or(i64::MAX, us),
        ))
    }
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
    select_in(t, &Groups::of(&t.model), &Groups::of(&t.application), view)
}

/// [`select`] for a caller that already has the table's model and application groups.
pub fn select_in(t: &Table, models: &Groups, apps: &Groups, view: &View) -> Vec<u32> {
    let keep_model = allowed(models, &view.models);
    let keep_app = allowed(apps, &view.applications);
    let range = view.range_us();
    if keep_model.is_none() && keep_app.is_none() && range.is_none() {
        return (0..models.rows() as u32).collect();
    }
    (0..models.rows() as u32)
        .filter(|&i| {
            let i = i as usize;
            keep_model
                .as_ref()
                .is_none_or(|k| k[models.of_row(i) as usize])
                && keep_app.as_ref().is_none_or(|k| k[apps.of_row(i) as usize])
                // A time range leaves out requests without a time.
                && range.is_none_or(|(a, b)| {
                    t.ts.is_valid(i) && (a..b).contains(&t.ts.value(i))
                })
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

/// At most this many buckets in a series of a chosen width: a minute over a year would be
/// half a million points, so a width too fine for the range is widened.
pub const MAX_CHOSEN_BUCKETS: i64 = 2_000;

/// At most this many buckets narrower than a minute: those widths are for short files (a
/// batch that ran in seconds, a test run of a few minutes), which are usually sparse, so a
/// few dozen buckets show their shape without hundreds of empty slivers.
pub const MAX_FINE_BUCKETS: i64 = 30;

/// Consecutive time buckets: equal widths on the clock of a display time zone, so in a zone
/// with DST a day bucket may be 23 or 25 hours long. In a fixed-offset zone (UTC) every
/// bucket is `width_us` long and finding a timestamp's bucket is a division.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buckets {
    /// Start of the first bucket, µs since the epoch.
    pub start_us: i64,
    /// Usual width of each bucket, µs (each one's exact width is in `edges`).
    pub width_us: i64,
    /// Number of buckets.
    pub count: usize,
    /// The width as people write it, e.g. "1h".
    pub label: &'static str,
    /// The `count + 1` bucket boundaries when the buckets are not all `width_us` long.
    pub edges: Option<Vec<i64>>,
}

impl Buckets {
    /// The smallest width that covers `[min_us, max_us]` in at most [`MAX_BUCKETS`] buckets,
    /// or [`MAX_FINE_BUCKETS`] for widths under a minute, in UTC. A range of zero (one
    /// record) gets one bucket of a second.
    pub fn auto(min_us: i64, max_us: i64) -> Buckets {
        Buckets::auto_in(min_us, max_us, &Zone::utc())
    }

    /// [`Buckets::auto`] on the clock of `zone`.
    pub fn auto_in(min_us: i64, max_us: i64, zone: &Zone) -> Buckets {
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
        Buckets::of_period(min_us, max_us, Period::of_secs(secs), label, zone)
    }

    /// Buckets of a named width (`5m`, `1d`, `1mo`, …) over `[min_us, max_us]` in `zone`,
    /// widened to the next offered width while there would be more than
    /// [`MAX_CHOSEN_BUCKETS`]; `None` for a name not offered.
    pub fn named(min_us: i64, max_us: i64, name: &str, zone: &Zone) -> Option<Buckets> {
        if name == "1mo" {
            return Some(Buckets::of_period(
                min_us,
                max_us,
                Period::Month,
                "1mo",
                zone,
            ));
        }
        let at = WIDTHS.iter().position(|w| w.1 == name)?;
        let span = (max_us - min_us).max(0);
        let &(secs, label) = WIDTHS[at..]
            .iter()
            .find(|(s, _)| span / (s * US_PER_S) < MAX_CHOSEN_BUCKETS)
            .unwrap_or(&WIDTHS[WIDTHS.len() - 1]);
        Some(Buckets::of_period(
            min_us,
            max_us,
            Period::of_secs(secs),
            label,
            zone,
        ))
    }

    fn of_period(min_us: i64, max_us: i64, p: Period, label: &'static str, z: &Zone) -> Buckets {
        let start_us = p.floor(min_us, z);
        let mut edges = vec![start_us];
        let mut uniform = true;
        while *edges.last().unwrap_or(&start_us) <= max_us {
            let last = *edges.last().unwrap_or(&start_us);
            let next = p.next(last, z);
            uniform &= next - last == p.nominal_us();
            edges.push(next);
        }
        Buckets {
            start_us,
            width_us: p.nominal_us(),
            count: edges.len() - 1,
            label,
            edges: (!uniform).then_some(edges),
        }
    }

    /// The buckets spanning every timestamp in the table, in UTC, or `None` when none has
    /// one.
    pub fn for_table(t: &Table) -> Option<Buckets> {
        let (min, max) = ts_range(t)?;
        Some(Buckets::auto(min, max))
    }

    /// The buckets of a view's axis: its time range (or the whole table's, so that model
    /// filters keep the axis) in its zone and width. `None` without timestamps; an error
    /// names an unknown zone or width.
    pub fn for_view(t: &Table, view: &View) -> Result<Option<Buckets>, String> {
        Buckets::for_range(ts_range(t), view)
    }

    /// [`Buckets::for_view`] for a table whose first and last timestamps are `range`.
    pub fn for_range(range: Option<(i64, i64)>, view: &View) -> Result<Option<Buckets>, String> {
        let zone = view.zone()?;
        let Some((min, max)) = range else {
            return Ok(None);
        };
        let (min, max) = match view.range_us() {
            Some((a, b)) => (a.max(min), b.saturating_sub(1).min(max)),
            None => (min, max),
        };
        if min > max {
            return Ok(None);
        }
        if view.bucket.is_empty() {
            return Ok(Some(Buckets::auto_in(min, max, &zone)));
        }
        Buckets::named(min, max, &view.bucket, &zone)
            .map(Some)
            .ok_or_else(|| format!("unknown bucket width {:?}", view.bucket))
    }

    /// The bucket of a timestamp, if it falls inside. (A pass over many rows makes its
    /// [`Finder`] once.)
    pub fn index(&self, ts_us: i64) -> Option<usize> {
        Finder::new(self).index(ts_us)
    }

    /// Start of bucket `k`, µs.
    pub fn start(&self, k: usize) -> i64 {
        match &self.edges {
            Some(e) => e[k],
            None => self.start_us + k as i64 * self.width_us,
        }
    }

    /// Width of bucket `k`, µs.
    pub fn width(&self, k: usize) -> i64 {
        match &self.edges {
            Some(e) => e[k + 1] - e[k],
            None => self.width_us,
        }
    }
}

/// Finds a timestamp's bucket ([`Buckets::index`]), guessing with the width's reciprocal:
/// a 64-bit division per row costs more than the rest of a walk's step.
pub(crate) struct Finder<'a> {
    start: i64,
    span: i64,
    width: i64,
    per_us: f64,
    /// Bucket edges when they are not uniform (local days, weeks, months).
    edges: Option<&'a [i64]>,
}

impl<'a> Finder<'a> {
    pub(crate) fn new(b: &'a Buckets) -> Finder<'a> {
        Finder {
            start: b.start(0),
            span: b.start(b.count) - b.start(0),
            width: b.width_us,
            per_us: 1.0 / b.width_us as f64,
            edges: b.edges.as_deref(),
        }
    }

    #[inline(always)]
    pub(crate) fn index(&self, ts: i64) -> Option<usize> {
        let d = ts.wrapping_sub(self.start);
        if !(0..self.span).contains(&d) {
            return None;
        }
        // The guess is off by one at most from rounding (by a bucket or two for local
        // days, whose width varies).
        let mut k = (d as f64 * self.per_us) as i64;
        match self.edges {
            None => {
                let lo = k * self.width;
                if d < lo {
                    k -= 1;
                } else if d >= lo + self.width {
                    k += 1;
                }
                Some(k as usize)
            }
            Some(e) => {
                let mut k = (k as usize).min(e.len() - 2);
                while ts < e[k] {
                    k -= 1;
                }
                while ts >= e[k + 1] {
                    k += 1;
                }
                Some(k)
            }
        }
    }
}

/// The first and last timestamp in the table.
pub fn ts_range(t: &Table) -> Option<(i64, i64)> {
    range_over(t, 0..t.len())
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
            ..View::default()
        };
        assert_eq!(select(&t, &v(&[], &[])), [0, 1, 2, 3]);
        assert_eq!(select(&t, &v(&["x"], &[])), [0, 3]);
        assert_eq!(select(&t, &v(&["x"], &["p"])), [0]);
        assert_eq!(select(&t, &v(&["(none)"], &[])), [2]);
        assert_eq!(select(&t, &v(&["nope"], &[])), Vec::<u32>::new());
    }
}
