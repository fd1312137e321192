//! What a timeout in seconds means: the one rule for connect_timeout, read_timeout,
//! write_timeout and the per-statement query timeout.

use std::time::Duration;

use crate::error::{Error, Result};

/// `seconds` as a limit (`None`: no limit).
///
/// - `None` or `0`: no limit. mysqlclient's rule: 0 leaves the option unset.
/// - a positive number: that long, fractions included (MySQLdb takes whole seconds).
/// - longer than a `Duration` can hold: no limit, as good as one that never ends.
/// - negative, NaN or infinite: refused as a bad value (ValueError), where
///   libmysqlclient would wrap -1 into a huge unsigned timeout.
pub fn timeout_limit(name: &str, seconds: Option<f64>) -> Result<Option<Duration>> {
    match seconds {
        None => Ok(None),
        Some(s) if s.is_finite() && s >= 0.0 => {
            Ok(Duration::try_from_secs_f64(s).ok().filter(|d| !d.is_zero()))
        }
        Some(s) => Err(Error::bad_value(format!(
            "{name} must be a non-negative number of seconds, not {s}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ErrorKind, Usage};

    #[test]
    fn none_and_zero_mean_no_limit() {
        assert_eq!(timeout_limit("t", None), Ok(None));
        assert_eq!(timeout_limit("t", Some(0.0)), Ok(None));
        assert_eq!(timeout_limit("t", Some(-0.0)), Ok(None));
    }

    #[test]
    fn positive_seconds_keep_their_fraction() {
        assert_eq!(
            timeout_limit("t", Some(1.5)),
            Ok(Some(Duration::from_millis(1500)))
        );
        // Below a nanosecond rounds to zero, which is no limit, never "expired at once".
        assert_eq!(timeout_limit("t", Some(1e-12)), Ok(None));
    }

    #[test]
    fn too_long_for_a_duration_is_no_limit() {
        assert_eq!(timeout_limit("t", Some(1e30)), Ok(None));
        assert_eq!(timeout_limit("t", Some(f64::MAX)), Ok(None));
        let year = 365.0 * 86400.0;
        assert_eq!(
            timeout_limit("t", Some(1000.0 * year)),
            Ok(Some(Duration::from_secs_f64(1000.0 * year)))
        );
    }

    #[test]
    fn negative_nan_and_infinite_are_bad_values() {
        for s in [-1.0, -1e-9, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let e = timeout_limit("read_timeout", Some(s)).unwrap_err();
            assert_eq!(e.kind(), &ErrorKind::Usage(Usage::BadValue), "{s}");
            assert!(e.message().starts_with("read_timeout must be"), "{e}");
        }
    }
}
