use super::Waiter;

/// The hook asked to stop; whoever installed it holds the reason (e.g. a Python exception).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stop;

/// Called by the wait loop after every EINTR and between wait slices.
/// `Ok(())` means "keep waiting", `Err(Stop)` means "give up now".
pub trait Interrupt {
    fn check(&mut self) -> Result<(), Stop>;

    /// The event loop that waits instead of poll(), if one is installed.
    fn waiter(&mut self) -> Option<&mut dyn Waiter> {
        None
    }
}

/// A hook that never stops (pure Rust callers, tests).
pub struct NoInterrupt;

impl Interrupt for NoInterrupt {
    fn check(&mut self) -> Result<(), Stop> {
        Ok(())
    }
}

/// Waits through another hook's event loop but never stops for a signal: the cancel
/// path, whose caller already has its exception and whose deadlines bound it.
pub struct WaitOnly<'a>(pub &'a mut dyn Interrupt);

impl Interrupt for WaitOnly<'_> {
    fn check(&mut self) -> Result<(), Stop> {
        Ok(())
    }

    fn waiter(&mut self) -> Option<&mut dyn Waiter> {
        self.0.waiter()
    }
}
