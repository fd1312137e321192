/// The hook asked to stop; whoever installed it holds the reason (e.g. a Python exception).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stop;

/// Called by the wait loop after every EINTR and between wait slices.
/// `Ok(())` means "keep waiting", `Err(Stop)` means "give up now".
pub trait Interrupt {
    fn check(&mut self) -> Result<(), Stop>;
}

/// A hook that never stops (pure Rust callers, tests).
pub struct NoInterrupt;

impl Interrupt for NoInterrupt {
    fn check(&mut self) -> Result<(), Stop> {
        Ok(())
    }
}
