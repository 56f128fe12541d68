//! Times on the command line: what `desk admin audit --since/--until` accepts (RFC 3339, a
//! date alone, or milliseconds since the epoch, as the API takes them) and how its rows
//! show theirs (RFC 3339 in UTC). Written out here rather than taking a date library for
//! one fixed shape each way; dates are proleptic Gregorian, as RFC 3339's are.

const MS_PER_DAY: i64 = 86_400_000;

/// Milliseconds since the epoch, from `2025-03-01T08:00:00+08:00` (fractions of a second
/// and `Z` too; a space may stand for the `T`), `2025-03-01` (midnight UTC) or
/// `1740787200000`. `None` for anything else.
pub fn parse(text: &str) -> Option<i64> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    let (date, rest) = text.split_at_checked(10)?;
    let days = days(date)?;
    if rest.is_empty() {
        return Some(days * MS_PER_DAY);
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let (clock, mut zone) = rest.split_at_checked(8)?;
    let [h, m, s] = fields::<3>(clock, b':')?;
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    let mut ms = 0;
    if let Some(fraction) = zone.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        // Milliseconds are all the API keeps: finer digits are dropped.
        let kept = &fraction[..digits.min(3)];
        ms = kept.parse::<i64>().ok()? * 10_i64.pow(3 - kept.len() as u32);
        zone = &fraction[digits..];
    }
    let offset_min = match zone {
        "Z" | "z" => 0,
        _ => {
            let sign = match zone.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let [oh, om] = fields::<2>(zone.get(1..)?, b':')?;
            if oh > 23 || om > 59 {
                return None;
            }
            sign * (oh * 60 + om)
        }
    };
    // A leap second (:60) reads as the next second's start, as the epoch count has no
    // room for it.
    let local = days * MS_PER_DAY + ((h * 60 + m) * 60 + s) * 1000 + ms;
    Some(local - offset_min * 60_000)
}

/// `2025-03-01T00:00:00Z`: milliseconds since the epoch in RFC 3339, to the second, in UTC.
pub fn format(ms: i64) -> String {
    let days = ms.div_euclid(MS_PER_DAY);
    let secs = ms.rem_euclid(MS_PER_DAY) / 1000;
    let (y, mo, d) = civil(days);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// `N` two-digit numbers joined by `sep`, the whole of `text`.
fn fields<const N: usize>(text: &str, sep: u8) -> Option<[i64; N]> {
    let bytes = text.as_bytes();
    if bytes.len() != N * 3 - 1 {
        return None;
    }
    let mut out = [0; N];
    for (i, field) in out.iter_mut().enumerate() {
        let at = i * 3;
        if i > 0 && bytes[at - 1] != sep {
            return None;
        }
        let pair = &bytes[at..at + 2];
        if !pair.iter().all(u8::is_ascii_digit) {
            return None;
        }
        *field = i64::from(pair[0] - b'0') * 10 + i64::from(pair[1] - b'0');
    }
    Some(out)
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date that exists.
fn days(date: &str) -> Option<i64> {
    let b = date.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number = |s: &str| {
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse::<i64>().ok())
            .flatten()
    };
    let (y, m, d) = (
        number(&date[..4])?,
        number(&date[5..7])?,
        number(&date[8..])?,
    );
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let month_days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if !(1..=month_days).contains(&d) {
        return None;
    }
    // Howard Hinnant's days_from_civil: years start in March, so February's length
    // is the last thing in a year.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// The date of a day since 1970-01-01 (Hinnant's civil_from_days).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::{format, parse};

    #[test]
    fn times_read_as_the_api_counts_them() {
        // 2025-03-01T00:00:00Z, as `date -u -d 2025-03-01 +%s` counts it.
        let march = 1_740_787_200_000;
        assert_eq!(
            parse("2025-03-01"),
            Some(march),
            "a date alone is midnight UTC"
        );
        assert_eq!(parse("2025-03-01T00:00:00Z"), Some(march));
        assert_eq!(
            parse("2025-03-01T08:00:00+08:00"),
            Some(march),
            "an offset is taken off: 08:00 in Beijing is midnight UTC"
        );
        assert_eq!(parse("2025-02-28 19:00:00.5-05:00"), Some(march + 500));
        assert_eq!(parse("2025-03-01t00:00:00.123456z"), Some(march + 123));
        assert_eq!(
            parse("1740787200000"),
            Some(march),
            "milliseconds pass as they are"
        );
        assert_eq!(parse("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse("2024-02-29"), Some(1_709_164_800_000), "a leap day");
        for bad in [
            "",
            "2025-02-29",
            "2025-13-01",
            "2025-3-1",
            "2025-03-01T8:00:00Z",
            "2025-03-01T08:00:00",
            "2025-03-01T24:00:00Z",
            "2025-03-01T08:00:00+0800",
            "2025-03-01T08:00:00.Z",
            "yesterday",
            "-5",
        ] {
            assert_eq!(parse(bad), None, "{bad:?} is refused, not guessed at");
        }
    }

    #[test]
    fn a_row_time_shows_in_utc_to_the_second_and_reads_back() {
        assert_eq!(format(1_740_787_200_999), "2025-03-01T00:00:00Z");
        assert_eq!(format(0), "1970-01-01T00:00:00Z");
        assert_eq!(format(-1), "1969-12-31T23:59:59Z");
        for ms in [0, 951_782_400_000, 1_709_164_800_000, 4_102_444_799_000] {
            assert_eq!(parse(&format(ms)), Some(ms), "{ms} round-trips");
        }
    }
}
