//! This process's id without a syscall per question: getpid() is a real syscall
//! (glibc no longer caches it) and the driver asks on every call to tell a forked
//! child from the process that opened a session.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Once;

/// 0 until first asked; refreshed in every child fork() makes.
static PID: AtomicU32 = AtomicU32::new(0);
static HOOKED: Once = Once::new();

extern "C" fn refresh() {
    PID.store(std::process::id(), Ordering::Relaxed);
}

/// The id of the calling process, as `std::process::id()`.
pub fn id() -> u32 {
    HOOKED.call_once(|| {
        refresh();
        // SAFETY: `refresh` is an extern "C" fn with no arguments that only calls
        // getpid() (async-signal-safe) and stores an atomic, as a fork child
        // handler must; registering it has no other precondition.
        unsafe {
            nix::libc::pthread_atfork(None, None, Some(refresh));
        }
    });
    PID.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::id;

    #[test]
    fn matches_getpid_and_follows_fork() {
        assert_eq!(id(), std::process::id());
        // SAFETY: the child only asks for ids and exits without unwinding.
        match unsafe { libc::fork() } {
            0 => {
                let ok = id() == std::process::id();
                unsafe { libc::_exit(if ok { 0 } else { 1 }) };
            }
            child => {
                assert!(child > 0, "fork failed");
                let mut status = 0;
                // SAFETY: waits for the child just forked; `status` is a valid out pointer.
                assert_eq!(unsafe { libc::waitpid(child, &mut status, 0) }, child);
                assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
                assert_eq!(id(), std::process::id());
            }
        }
    }
}
