use std::time::{Duration, Instant};

/// A fixed point in time after which a blocking step fails; `None` means never.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadline(Option<Instant>);

impl Deadline {
    pub const NEVER: Deadline = Deadline(None);

    /// `None` or a zero duration means no deadline (mysqlclient treats 0 as "unset").
    pub fn after(timeout: Option<Duration>) -> Deadline {
        todo!()
    }
    pub fn at(instant: Instant) -> Deadline {
        Deadline(Some(instant))
    }
    /// The earlier of two deadlines.
    pub fn min(self, other: Deadline) -> Deadline {
        todo!()
    }
    pub fn instant(self) -> Option<Instant> {
        self.0
    }
    /// Time left, saturating at zero; `None` when there is no deadline.
    pub fn remaining(self) -> Option<Duration> {
        todo!()
    }
    pub fn expired(self) -> bool {
        todo!()
    }
}
