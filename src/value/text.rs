//! Parsing of text-protocol cells into plain Rust values. Invalid or zero temporal
//! values parse to `None`, which the Python layer turns into `None` as MySQLdb does.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    pub date: Date,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub micro: u32,
}

/// A TIME value as a signed duration (MySQL TIME spans -838:59:59 to 838:59:59).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duration {
    pub negative: bool,
    pub hours: u32,
    pub minutes: u8,
    pub seconds: u8,
    pub micro: u32,
}

pub fn parse_i64(cell: &[u8]) -> Option<i64> {
    std::str::from_utf8(cell).ok()?.parse().ok()
}

pub fn parse_u64(cell: &[u8]) -> Option<u64> {
    std::str::from_utf8(cell).ok()?.parse().ok()
}

/// Same result as Python's `float(cell)` for everything the server sends
/// (including "inf"/"nan" spellings, which MySQL never produces).
pub fn parse_f64(cell: &[u8]) -> Option<f64> {
    std::str::from_utf8(cell).ok()?.trim().parse().ok()
}

/// Digits only, at most 9 of them.
fn digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || s.len() > 9 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
}

/// ".ffffff" with 1..=6 digits -> microseconds; empty -> 0.
fn fraction(s: &[u8]) -> Option<u32> {
    match s {
        [] => Some(0),
        [b'.', rest @ ..] if !rest.is_empty() && rest.len() <= 6 => {
            Some(digits(rest)? * 10u32.pow(6 - rest.len() as u32))
        }
        _ => None,
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// "YYYY-MM-DD"; `None` for zero dates and dates Python's `date` cannot hold.
pub fn parse_date(cell: &[u8]) -> Option<Date> {
    let mut parts = cell.splitn(3, |&b| b == b'-');
    let year = digits(parts.next()?)?;
    let month = digits(parts.next()?)?;
    let day = digits(parts.next()?)?;
    if !(1..=9999).contains(&year) || !(1..=12).contains(&month) {
        return None;
    }
    let (year, month, day) = (year as u16, month as u8, day as u8);
    if day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(Date { year, month, day })
}

/// "HH:MM:SS[.ffffff]" within a day.
fn parse_clock(cell: &[u8]) -> Option<(u8, u8, u8, u32)> {
    let (hms, frac) = split_fraction(cell);
    let mut parts = hms.splitn(3, |&b| b == b':');
    let h = digits(parts.next()?)?;
    let m = digits(parts.next()?)?;
    let s = digits(parts.next()?)?;
    if h > 23 || m > 59 || s > 59 {
        return None;
    }
    Some((h as u8, m as u8, s as u8, fraction(frac)?))
}

fn split_fraction(cell: &[u8]) -> (&[u8], &[u8]) {
    match cell.iter().position(|&b| b == b'.') {
        Some(i) => cell.split_at(i),
        None => (cell, &[]),
    }
}

/// "YYYY-MM-DD HH:MM:SS[.ffffff]" (also 'T' as separator). A bare date gives
/// midnight, as MySQLdb's DateTime_or_None does.
pub fn parse_datetime(cell: &[u8]) -> Option<DateTime> {
    let (date, clock) = match cell.iter().position(|&b| b == b' ' || b == b'T') {
        Some(i) => (&cell[..i], &cell[i + 1..]),
        None => (cell, &b"00:00:00"[..]),
    };
    let date = parse_date(date)?;
    let (hour, minute, second, micro) = parse_clock(clock)?;
    Some(DateTime {
        date,
        hour,
        minute,
        second,
        micro,
    })
}

/// "[-]H+:MM:SS[.ffffff]" (TIME may exceed 24 hours and be negative).
pub fn parse_duration(cell: &[u8]) -> Option<Duration> {
    let (negative, rest) = match cell {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, cell),
    };
    let (hms, frac) = split_fraction(rest);
    let mut parts = hms.splitn(3, |&b| b == b':');
    let hours = digits(parts.next()?)?;
    let minutes = digits(parts.next()?)?;
    let seconds = digits(parts.next()?)?;
    if minutes > 59 || seconds > 59 {
        return None;
    }
    Some(Duration {
        negative,
        hours,
        minutes: minutes as u8,
        seconds: seconds as u8,
        micro: fraction(frac)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_u64(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_i64(b"12x"), None);
        assert_eq!(parse_i64(b""), None);
    }

    #[test]
    fn floats() {
        assert_eq!(parse_f64(b"1.5e-3"), Some(0.0015));
        assert_eq!(parse_f64(b"-0"), Some(-0.0));
        assert_eq!(parse_f64(b"abc"), None);
    }

    #[test]
    fn dates() {
        assert_eq!(
            parse_date(b"2024-02-29"),
            Some(Date {
                year: 2024,
                month: 2,
                day: 29
            })
        );
        assert_eq!(parse_date(b"2023-02-29"), None);
        assert_eq!(parse_date(b"0000-00-00"), None);
        assert_eq!(parse_date(b"2024-00-10"), None);
        assert_eq!(parse_date(b"9999-12-31").map(|d| d.year), Some(9999));
    }

    #[test]
    fn datetimes() {
        let dt = parse_datetime(b"2024-05-06 07:08:09.5").unwrap();
        assert_eq!(
            (dt.hour, dt.minute, dt.second, dt.micro),
            (7, 8, 9, 500_000)
        );
        assert_eq!(
            parse_datetime(b"2024-05-06 07:08:09.000001").unwrap().micro,
            1
        );
        assert_eq!(parse_datetime(b"0000-00-00 00:00:00"), None);
        assert_eq!(parse_datetime(b"2024-05-06 24:00:00"), None);
        assert_eq!(parse_datetime(b"2024-05-06 07:08:09.1234567"), None);
        assert_eq!(parse_datetime(b"2024-05-06").unwrap().hour, 0);
    }

    #[test]
    fn durations() {
        let t = parse_duration(b"-838:59:59.000001").unwrap();
        assert!(t.negative);
        assert_eq!((t.hours, t.minutes, t.seconds, t.micro), (838, 59, 59, 1));
        assert_eq!(parse_duration(b"00:00:00").unwrap().hours, 0);
        assert_eq!(parse_duration(b"12:60:00"), None);
        assert_eq!(parse_duration(b"nonsense"), None);
    }
}
