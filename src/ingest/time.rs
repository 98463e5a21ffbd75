//! Timestamps in the forms exports use -> microseconds since the Unix epoch, UTC; and back
//! to ISO 8601 for output. Civil-date arithmetic is Howard Hinnant's days-from-civil.

use std::fmt::Write;

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The (year, month, day) of a count of days since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// Microseconds per second.
pub const US_PER_S: i64 = 1_000_000;

/// An epoch number -> microseconds. The unit is inferred from the magnitude, which is
/// unambiguous for dates between 1973 and 5138: seconds < 1e11 <= ms < 1e14 <= µs < 1e17 <= ns.
pub fn epoch_to_micros(x: f64) -> Option<i64> {
    if !x.is_finite() {
        return None;
    }
    let a = x.abs();
    let us = if a < 1e11 {
        x * 1e6
    } else if a < 1e14 {
        x * 1e3
    } else if a < 1e17 {
        x
    } else {
        x / 1e3
    };
    // Rounded, as DuckDB's to_timestamp(double) does.
    let us = us.round();
    (us.abs() < 9.0e18).then_some(us as i64)
}

/// Parses an ISO 8601 / RFC 3339 timestamp (`2026-11-09T14:03:07.123456Z`, a space instead
/// of `T`, a fraction of up to 9 digits, `Z`, `+hh:mm`, `+hhmm` or no zone = UTC), or an epoch
/// number written as a string.
pub fn parse_timestamp(s: &str) -> Result<i64, String> {
    let t = s.trim();
    if let Some(x) = super::scan::parse_f64(t) {
        return epoch_to_micros(x).ok_or_else(|| format!("timestamp {t:?} is out of range"));
    }
    parse_iso(t.as_bytes()).ok_or_else(|| format!("cannot read {t:?} as a timestamp"))
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<i64> {
    let part = b.get(at..at + n)?;
    part.iter().try_fold(0i64, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
    })
}

fn parse_iso(b: &[u8]) -> Option<i64> {
    let year = digits(b, 0, 4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let month = digits(b, 5, 2)? as u32;
    let day = digits(b, 8, 2)? as u32;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let mut us = days_from_civil(year, month, day) * 86_400 * US_PER_S;
    if b.len() == 10 {
        return Some(us);
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) || b.get(13) != Some(&b':') {
        return None;
    }
    let (h, mi) = (digits(b, 11, 2)?, digits(b, 14, 2)?);
    let mut i = 16;
    let mut sec = 0;
    if b.get(16) == Some(&b':') {
        sec = digits(b, 17, 2)?;
        i = 19;
    }
    // A leap second (60) is accepted and lands on the next second, as most tools do.
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    us += (h * 3600 + mi * 60 + sec) * US_PER_S;
    if matches!(b.get(i), Some(b'.' | b',')) {
        i += 1;
        let start = i;
        let mut frac = 0i64;
        while let Some(c) = b.get(i).filter(|c| c.is_ascii_digit()) {
            if i - start < 6 {
                frac = frac * 10 + i64::from(c - b'0');
            }
            i += 1;
        }
        let n = i - start;
        if n == 0 || n > 9 {
            return None;
        }
        us += frac * 10i64.pow(6u32.saturating_sub(n as u32));
    }
    match b.get(i) {
        None => Some(us),
        Some(b'Z' | b'z') if i + 1 == b.len() => Some(us),
        Some(&sign @ (b'+' | b'-')) => {
            let oh = digits(b, i + 1, 2)?;
            let rest = &b[i + 3..];
            let om = match rest {
                [] => 0,
                [b':', ..] if rest.len() == 3 => digits(rest, 1, 2)?,
                _ if rest.len() == 2 => digits(rest, 0, 2)?,
                _ => return None,
            };
            let off = (oh * 3600 + om * 60) * US_PER_S;
            Some(if sign == b'+' { us - off } else { us + off })
        }
        _ => None,
    }
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `2026-11-09T14:03:07.123456Z`: always six fraction digits, always UTC.
pub fn format_iso_micros(us: i64) -> String {
    let days = us.div_euclid(86_400 * US_PER_S);
    let rem = us.rem_euclid(86_400 * US_PER_S);
    let (y, m, d) = civil_from_days(days);
    let secs = rem / US_PER_S;
    let mut s = String::with_capacity(27);
    let _ = write!(
        s,
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:06}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        rem % US_PER_S
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for z in [-800_000, -1, 0, 1, 59, 60, 10_957, 20_401, 2_932_896] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn iso_forms() {
        let base = 1_762_696_987_000_000; // 2025-11-09T14:03:07Z
        assert_eq!(parse_timestamp("2025-11-09T14:03:07Z"), Ok(base));
        assert_eq!(parse_timestamp("2025-11-09 14:03:07"), Ok(base));
        assert_eq!(
            parse_timestamp("2025-11-09T14:03:07.5Z"),
            Ok(base + 500_000)
        );
        assert_eq!(
            parse_timestamp("2025-11-09T14:03:07.123456789Z"),
            Ok(base + 123_456)
        );
        assert_eq!(parse_timestamp("2025-11-09T15:03:07+01:00"), Ok(base));
        assert_eq!(parse_timestamp("2025-11-09T09:03:07-0500"), Ok(base));
        assert_eq!(parse_timestamp("2025-11-09T14:03Z"), Ok(base - 7_000_000));
        assert_eq!(parse_timestamp("2025-11-09"), Ok(base - 50_587_000_000));
        assert!(parse_timestamp("2025-02-30T00:00:00Z").is_err());
        assert!(parse_timestamp("yesterday").is_err());
        assert!(parse_timestamp("2025-11-09T14:03:07.1234567890Z").is_err());
    }

    #[test]
    fn epoch_units_inferred() {
        let us = 1_762_696_987_250_000;
        assert_eq!(epoch_to_micros(1_762_696_987.25), Some(us));
        assert_eq!(epoch_to_micros(1_762_696_987_250.0), Some(us));
        assert_eq!(epoch_to_micros(1_762_696_987_250_000.0), Some(us));
        assert_eq!(epoch_to_micros(1.76269698725e18), Some(us));
        assert_eq!(parse_timestamp("1762696987.25"), Ok(us));
        assert_eq!(epoch_to_micros(f64::NAN), None);
    }

    #[test]
    fn formats_iso() {
        assert_eq!(
            format_iso_micros(1_762_696_987_000_042),
            "2025-11-09T14:03:07.000042Z"
        );
        assert_eq!(format_iso_micros(-1), "1969-12-31T23:59:59.999999Z");
    }
}
