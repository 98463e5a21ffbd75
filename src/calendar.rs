//! Calendar periods in a display time zone: where a bucket, a day, a week or a month starts
//! and ends. Everything is stored in UTC; only these boundaries follow the zone, so a "day"
//! is a local day (23 or 25 hours long across a DST change) and an hour bucket is a local
//! hour (both 01:00 hours of a fall-back night are kept apart).
//!
//! The tz database is compiled in (jiff's `tzdb-bundle-always`), so the wasm build needs
//! nothing from the system or the network.

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

use crate::ingest::time::US_PER_S;

const DAY_S: i64 = 86_400;
const WEEK_S: i64 = 7 * DAY_S;

/// A display time zone: UTC or an IANA name such as `Europe/Paris`.
#[derive(Debug, Clone)]
pub struct Zone {
    tz: TimeZone,
    name: String,
    /// Whether the offset never changes (UTC, `Etc/GMT+5`): then every boundary is plain
    /// arithmetic.
    fixed: Option<i64>,
}

impl PartialEq for Zone {
    fn eq(&self, other: &Zone) -> bool {
        self.name == other.name
    }
}

impl Default for Zone {
    fn default() -> Zone {
        Zone::utc()
    }
}

impl Zone {
    /// Coordinated Universal Time.
    pub fn utc() -> Zone {
        Zone {
            tz: TimeZone::UTC,
            name: "UTC".to_string(),
            fixed: Some(0),
        }
    }

    /// The zone of an IANA name (`UTC`, `Europe/Paris`, `America/New_York`), or an error
    /// that names it.
    pub fn named(name: &str) -> Result<Zone, String> {
        let name = name.trim();
        if name.is_empty() || name.eq_ignore_ascii_case("utc") {
            return Ok(Zone::utc());
        }
        let tz = TimeZone::get(name).map_err(|_| format!("unknown time zone {name:?}"))?;
        let fixed = tz
            .to_fixed_offset()
            .ok()
            .map(|o| i64::from(o.seconds()) * US_PER_S);
        Ok(Zone {
            tz,
            name: name.to_string(),
            fixed,
        })
    }

    /// The name as given (`UTC` for UTC).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Offset from UTC at `ts_us`, µs (positive east of Greenwich).
    pub fn offset_us(&self, ts_us: i64) -> i64 {
        match self.fixed {
            Some(o) => o,
            None => i64::from(self.tz.to_offset(timestamp(ts_us)).seconds()) * US_PER_S,
        }
    }

    /// The local date and time at `ts_us`.
    pub fn civil(&self, ts_us: i64) -> DateTime {
        self.tz.to_datetime(timestamp(ts_us))
    }

    /// The instant of a local date and time; a time skipped by a DST jump means the first
    /// instant after the jump, a repeated one the first of the two.
    fn instant(&self, dt: DateTime) -> i64 {
        self.tz
            .to_timestamp(dt)
            .map_or(i64::MAX, Timestamp::as_microsecond)
    }

    fn day_start(&self, d: Date) -> i64 {
        self.instant(d.to_datetime(jiff::civil::Time::midnight()))
    }
}

fn timestamp(ts_us: i64) -> Timestamp {
    // Out of jiff's range (before year −9999 or after 9999) clamps: such timestamps are
    // rejected at ingest anyway.
    Timestamp::from_microsecond(ts_us).unwrap_or(if ts_us < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}

/// A calendar period: a fixed number of seconds that divides a day (a minute, an hour, six
/// hours) on the local clock, or a local day, week (from Monday) or month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// Seconds on the local clock; divides a day.
    Secs(i64),
    /// A local day, midnight to midnight.
    Day,
    /// A local week, Monday midnight to Monday midnight (ISO 8601).
    Week,
    /// A local calendar month.
    Month,
}

impl Period {
    /// The period of a bucket width in seconds: 86,400 is a day, 604,800 a week, anything
    /// else (a divisor of a day) stays seconds.
    pub fn of_secs(secs: i64) -> Period {
        match secs {
            DAY_S => Period::Day,
            WEEK_S => Period::Week,
            s => Period::Secs(s.max(1)),
        }
    }

    /// Its usual length, µs (a month counts 30.44 days): for guesses, never for boundaries.
    pub fn nominal_us(self) -> i64 {
        US_PER_S
            * match self {
                Period::Secs(s) => s,
                Period::Day => DAY_S,
                Period::Week => WEEK_S,
                Period::Month => 2_629_746,
            }
    }

    /// Start of the period that holds `ts_us`.
    pub fn floor(self, ts_us: i64, z: &Zone) -> i64 {
        if let (Some(off), Some(w)) = (z.fixed, self.fixed_us()) {
            return floor_grid(ts_us, off, w);
        }
        match self {
            Period::Secs(s) => {
                // Boundaries are the instants whose local clock time is a multiple of the
                // width. If the last grid point under the current offset lies before the
                // latest offset change, it was not a boundary under the offset in force
                // then, so the answer is the last boundary before that change.
                let w = s * US_PER_S;
                let mut ts = ts_us;
                loop {
                    let g = floor_grid(ts, z.offset_us(ts), w);
                    match z.tz.preceding(timestamp(ts + 1)).next() {
                        Some(t) if t.timestamp().as_microsecond() > g => {
                            let change = t.timestamp().as_microsecond();
                            if change <= i64::MIN + 1 {
                                return g;
                            }
                            ts = change - 1;
                        }
                        _ => return g,
                    }
                }
            }
            Period::Day | Period::Week | Period::Month => {
                let d = z.civil(ts_us).date();
                let start = match self {
                    Period::Week => d
                        .checked_sub(i64::from(d.weekday().to_monday_zero_offset()).days())
                        .unwrap_or(d),
                    Period::Month => d.first_of_month(),
                    _ => d,
                };
                let s = z.day_start(start);
                // A day whose midnight is skipped starts after the jump; a timestamp before
                // that on the same date cannot exist, but guard the invariant anyway.
                s.min(ts_us)
            }
        }
    }

    /// Start of the period after the one starting at `start_us` (a value [`Period::floor`]
    /// returned).
    pub fn next(self, start_us: i64, z: &Zone) -> i64 {
        if let (Some(_), Some(w)) = (z.fixed, self.fixed_us()) {
            return start_us.saturating_add(w);
        }
        match self {
            Period::Secs(s) => {
                let w = s * US_PER_S;
                // The next grid point under the current offset, unless the offset changes
                // first: then the first grid point under the new one at or after the change.
                let mut from = start_us + 1;
                loop {
                    let g = ceil_grid(from, z.offset_us(from), w);
                    match z.tz.following(timestamp(from)).next() {
                        Some(t) if t.timestamp().as_microsecond() <= g => {
                            from = t.timestamp().as_microsecond();
                        }
                        _ => return g,
                    }
                }
            }
            Period::Day | Period::Week | Period::Month => {
                let d = z.civil(start_us).date();
                let step = match self {
                    Period::Day => 1.day(),
                    Period::Week => 7.days(),
                    _ => 1.month(),
                };
                let next = d.checked_add(step).unwrap_or(Date::MAX);
                z.day_start(next).max(start_us + 1)
            }
        }
    }

    /// Width in µs when the period is the same length everywhere in a fixed-offset zone.
    fn fixed_us(self) -> Option<i64> {
        match self {
            Period::Month => None,
            p => Some(p.nominal_us()),
        }
    }
}

/// The largest instant ≤ `ts` whose clock time at offset `off` is a multiple of `w`; weeks
/// (7 days) are aligned to Mondays (the epoch was a Thursday).
fn floor_grid(ts: i64, off: i64, w: i64) -> i64 {
    let shift = if w == WEEK_S * US_PER_S {
        4 * DAY_S * US_PER_S
    } else {
        0
    };
    let local = ts + off - shift;
    local.div_euclid(w) * w - off + shift
}

/// The smallest such instant ≥ `ts`.
fn ceil_grid(ts: i64, off: i64, w: i64) -> i64 {
    let f = floor_grid(ts, off, w);
    if f == ts {
        f
    } else {
        f + w
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(iso: &str) -> i64 {
        iso.parse::<Timestamp>()
            .map(Timestamp::as_microsecond)
            .unwrap_or(0)
    }

    fn iso(ts_us: i64) -> String {
        timestamp(ts_us).to_string()
    }

    /// Every boundary from `from` while before `to`, as ISO strings.
    fn walk(p: Period, z: &Zone, from: &str, to: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut b = p.floor(us(from), z);
        while b < us(to) {
            out.push(iso(b));
            let n = p.next(b, z);
            assert!(n > b);
            assert_eq!(p.floor(n, z), n, "a boundary is its own floor");
            assert_eq!(
                p.floor(n - 1, z),
                b,
                "the instant before a boundary is in the last period"
            );
            b = n;
        }
        out
    }

    #[test]
    fn utc_is_plain_arithmetic() {
        let z = Zone::utc();
        assert_eq!(
            walk(
                Period::Secs(3_600),
                &z,
                "2026-03-08T00:30:00Z",
                "2026-03-08T03:00:00Z"
            ),
            [
                "2026-03-08T00:00:00Z",
                "2026-03-08T01:00:00Z",
                "2026-03-08T02:00:00Z"
            ]
        );
        // 2026-11-26 is a Thursday; its week starts Monday the 23rd.
        assert_eq!(
            iso(Period::Week.floor(us("2026-11-26T12:00:00Z"), &z)),
            "2026-11-23T00:00:00Z"
        );
        assert_eq!(
            walk(
                Period::Month,
                &z,
                "2026-01-31T23:59:59Z",
                "2026-04-01T00:00:00Z"
            ),
            [
                "2026-01-01T00:00:00Z",
                "2026-02-01T00:00:00Z",
                "2026-03-01T00:00:00Z"
            ]
        );
    }

    #[test]
    fn local_days_across_dst() {
        let z = Zone::named("America/New_York").unwrap_or_default();
        assert_eq!(z.name(), "America/New_York");
        // Spring forward on 2026-03-08: that day has 23 hours; fall back on 2026-11-01: 25.
        assert_eq!(
            walk(
                Period::Day,
                &z,
                "2026-03-07T12:00:00Z",
                "2026-03-10T00:00:00Z"
            ),
            [
                "2026-03-07T05:00:00Z",
                "2026-03-08T05:00:00Z",
                "2026-03-09T04:00:00Z"
            ]
        );
        assert_eq!(
            walk(
                Period::Day,
                &z,
                "2026-10-31T12:00:00Z",
                "2026-11-03T00:00:00Z"
            ),
            [
                "2026-10-31T04:00:00Z",
                "2026-11-01T04:00:00Z",
                "2026-11-02T05:00:00Z"
            ]
        );
        // Weeks start on local Monday midnight; months on the local first.
        assert_eq!(
            iso(Period::Week.floor(us("2026-11-02T03:00:00Z"), &z)),
            "2026-10-26T04:00:00Z"
        );
        assert_eq!(
            iso(Period::Month.floor(us("2026-12-01T04:59:59Z"), &z)),
            "2026-11-01T04:00:00Z"
        );
    }

    #[test]
    fn local_hours_across_dst() {
        let z = Zone::named("America/New_York").unwrap_or_default();
        // Fall back: 01:00 EDT (05:00Z) and 01:00 EST (06:00Z) are two buckets.
        assert_eq!(
            walk(
                Period::Secs(3_600),
                &z,
                "2026-11-01T04:00:00Z",
                "2026-11-01T08:00:00Z"
            ),
            [
                "2026-11-01T04:00:00Z",
                "2026-11-01T05:00:00Z",
                "2026-11-01T06:00:00Z",
                "2026-11-01T07:00:00Z"
            ]
        );
        // Three-hour buckets keep local 00:00, 03:00, 06:00: the first is 4 hours long.
        assert_eq!(
            walk(
                Period::Secs(10_800),
                &z,
                "2026-11-01T04:00:00Z",
                "2026-11-01T12:00:00Z"
            ),
            [
                "2026-11-01T04:00:00Z",
                "2026-11-01T08:00:00Z",
                "2026-11-01T11:00:00Z"
            ]
        );
        // Spring forward: local 00:00 (05:00Z), then 03:00 EDT (07:00Z) is 2 hours later.
        assert_eq!(
            walk(
                Period::Secs(10_800),
                &z,
                "2026-03-08T05:00:00Z",
                "2026-03-08T13:00:00Z"
            ),
            [
                "2026-03-08T05:00:00Z",
                "2026-03-08T07:00:00Z",
                "2026-03-08T10:00:00Z"
            ]
        );
    }

    #[test]
    fn half_hour_zones_align_to_their_clock() {
        let z = Zone::named("Asia/Kolkata").unwrap_or_default();
        assert_eq!(
            iso(Period::Secs(3_600).floor(us("2026-11-28T10:10:00Z"), &z)),
            "2026-11-28T09:30:00Z"
        );
        assert_eq!(
            iso(Period::Day.floor(us("2026-11-28T10:10:00Z"), &z)),
            "2026-11-27T18:30:00Z"
        );
    }

    #[test]
    fn unknown_zone_is_named() {
        assert_eq!(
            Zone::named("Mars/Olympus").err().as_deref(),
            Some("unknown time zone \"Mars/Olympus\"")
        );
        assert_eq!(
            Zone::named("utc")
                .map(|z| z.name().to_string())
                .ok()
                .as_deref(),
            Some("UTC")
        );
    }
}
