//! The text of Python's dates, times and durations as the driver's default encoders
//! write them into literals (python/unshaken/times.py), for the core to write them
//! without calling Python. Pure, no Python.

use std::io::Write;

/// `YYYY-MM-DD`: `str(date)`.
pub fn write_date(out: &mut Vec<u8>, year: i32, month: u8, day: u8) {
    let _ = write!(out, "{year:04}-{month:02}-{day:02}");
}

/// `HH:MM:SS[.ffffff]`: `str(time)` of a time without tzinfo, and the time part of
/// `format_TIMESTAMP`.
pub fn write_time(out: &mut Vec<u8>, hour: u8, minute: u8, second: u8, micro: u32) {
    let _ = write!(out, "{hour:02}:{minute:02}:{second:02}");
    if micro != 0 {
        let _ = write!(out, ".{micro:06}");
    }
}

/// `YYYY-MM-DD HH:MM:SS[.ffffff]`: `format_TIMESTAMP` (tzinfo ignored).
pub fn write_datetime(out: &mut Vec<u8>, date: (i32, u8, u8), time: (u8, u8, u8, u32)) {
    write_date(out, date.0, date.1, date.2);
    out.push(b' ');
    write_time(out, time.0, time.1, time.2, time.3);
}

/// `[-]D H:M:S[.ffffff]` of a timedelta's normalized fields (days any sign,
/// 0 <= seconds < 86400, 0 <= micros < 10**6): `format_TIMEDELTA`, the magnitude's
/// fields unpadded with the sign in front.
pub fn write_timedelta(out: &mut Vec<u8>, days: i32, seconds: i32, micros: i32) {
    const MICROS_PER_DAY: i128 = 86_400 * 1_000_000;
    let total =
        i128::from(days) * MICROS_PER_DAY + i128::from(seconds) * 1_000_000 + i128::from(micros);
    if total < 0 {
        out.push(b'-');
    }
    let total = total.unsigned_abs();
    let (days, rest) = (
        total / MICROS_PER_DAY as u128,
        total % MICROS_PER_DAY as u128,
    );
    let (secs, micro) = (rest / 1_000_000, rest % 1_000_000);
    let (hours, minutes, seconds) = (secs / 3600, secs / 60 % 60, secs % 60);
    let _ = write!(out, "{days} {hours}:{minutes}:{seconds}");
    if micro != 0 {
        let _ = write!(out, ".{micro:06}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn dates_and_times_pad_as_python() {
        assert_eq!(text(|o| write_date(o, 5, 1, 9)), "0005-01-09");
        assert_eq!(text(|o| write_date(o, 9999, 12, 31)), "9999-12-31");
        assert_eq!(text(|o| write_time(o, 0, 0, 0, 0)), "00:00:00");
        assert_eq!(text(|o| write_time(o, 23, 5, 9, 1)), "23:05:09.000001");
        assert_eq!(
            text(|o| write_datetime(o, (2024, 1, 1), (0, 0, 0, 120_000))),
            "2024-01-01 00:00:00.120000"
        );
    }

    #[test]
    fn timedelta_sign_goes_in_front_of_the_magnitude() {
        // timedelta(seconds=-1) is days=-1, seconds=86399.
        assert_eq!(text(|o| write_timedelta(o, -1, 86399, 0)), "-0 0:0:1");
        assert_eq!(text(|o| write_timedelta(o, 0, 0, 0)), "0 0:0:0");
        assert_eq!(text(|o| write_timedelta(o, 1, 3723, 5)), "1 1:2:3.000005");
        // timedelta(microseconds=-1): days=-1, seconds=86399, micros=999999.
        assert_eq!(
            text(|o| write_timedelta(o, -1, 86399, 999_999)),
            "-0 0:0:0.000001"
        );
        assert_eq!(
            text(|o| write_timedelta(o, -999_999_999, 0, 0)),
            "-999999999 0:0:0"
        );
        assert_eq!(
            text(|o| write_timedelta(o, 999_999_999, 86399, 999_999)),
            "999999999 23:59:59.999999"
        );
    }
}
