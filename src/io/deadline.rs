use std::time::{Duration, Instant};

/// A fixed point in time after which a blocking step fails; `None` means never.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadline(Option<Instant>);

impl Deadline {
    pub const NEVER: Deadline = Deadline(None);

    /// `timeout` from now; `None` means no deadline. (What a user's 0 means is
    /// decided in config/timeout.rs: here zero is simply "now".)
    pub fn after(timeout: Option<Duration>) -> Deadline {
        match timeout {
            None => Deadline::NEVER,
            // A timeout too large to represent is as good as none (and must not panic).
            Some(d) => Deadline(Instant::now().checked_add(d)),
        }
    }
    pub fn at(instant: Instant) -> Deadline {
        Deadline(Some(instant))
    }
    /// The earlier of two deadlines.
    pub fn min(self, other: Deadline) -> Deadline {
        match (self.0, other.0) {
            (Some(a), Some(b)) => Deadline(Some(a.min(b))),
            (a, b) => Deadline(a.or(b)),
        }
    }
    pub fn instant(self) -> Option<Instant> {
        self.0
    }
    /// Time left, saturating at zero; `None` when there is no deadline.
    pub fn remaining(self) -> Option<Duration> {
        self.0.map(|t| t.saturating_duration_since(Instant::now()))
    }
    pub fn expired(self) -> bool {
        self.0.is_some_and(|t| Instant::now() >= t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread::sleep;

    #[test]
    fn none_means_never() {
        assert_eq!(Deadline::after(None), Deadline::NEVER);
        assert_eq!(Deadline::NEVER.remaining(), None);
        assert_eq!(Deadline::NEVER.instant(), None);
        assert!(!Deadline::NEVER.expired());
    }

    #[test]
    fn zero_is_expired_at_once() {
        let d = Deadline::after(Some(Duration::ZERO));
        assert_ne!(d, Deadline::NEVER);
        assert_eq!(d.remaining(), Some(Duration::ZERO));
        assert!(d.expired());
    }

    #[test]
    fn huge_timeout_is_never_not_a_panic() {
        assert_eq!(Deadline::after(Some(Duration::MAX)), Deadline::NEVER);
    }

    #[test]
    fn remaining_counts_down_and_saturates() {
        let d = Deadline::after(Some(Duration::from_millis(30)));
        let r = d.remaining().expect("finite deadline");
        assert!(
            r > Duration::ZERO && r <= Duration::from_millis(30),
            "{r:?}"
        );
        assert!(!d.expired());
        sleep(Duration::from_millis(40));
        assert_eq!(d.remaining(), Some(Duration::ZERO));
        assert!(d.expired());
    }

    #[test]
    fn past_instant_is_expired_with_zero_remaining() {
        let past = Instant::now();
        sleep(Duration::from_millis(1));
        let d = Deadline::at(past);
        assert_eq!(d.instant(), Some(past));
        assert_eq!(d.remaining(), Some(Duration::ZERO));
        assert!(d.expired());
    }

    #[test]
    fn min_picks_the_earlier_and_ignores_never() {
        let now = Instant::now();
        let early = Deadline::at(now + Duration::from_millis(10));
        let late = Deadline::at(now + Duration::from_secs(10));
        assert_eq!(early.min(late), early);
        assert_eq!(late.min(early), early);
        assert_eq!(late.min(Deadline::NEVER), late);
        assert_eq!(Deadline::NEVER.min(early), early);
        assert_eq!(Deadline::NEVER.min(Deadline::NEVER), Deadline::NEVER);
    }
}
