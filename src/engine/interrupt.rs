//! Interrupts: a request to stop, set from a signal handler, that long work polls.
//!
//! The library never installs a handler: the `entente` binary registers SIGINT and SIGTERM to
//! set [`STOP`] and [`EXIT_STATUS`] (`cli::interrupts`). The engine's workers poll
//! [`requested`] between groups of runs and stop with [`EngineError::Interrupted`]
//! (super::EngineError), so that every command unwinds normally: its results folder removes its
//! temporary files and the folder it created, and the process exits with the status the signal
//! asks for (130 for SIGINT, 143 for SIGTERM).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Set when a stop is requested (the first signal; a second one ends the process at once).
pub static STOP: AtomicBool = AtomicBool::new(false);

/// The exit status the request asks for: 128 + the signal's number (0: none yet).
pub static EXIT_STATUS: AtomicUsize = AtomicUsize::new(0);

/// The exit status of a requested stop, if one was requested.
pub fn requested() -> Option<u8> {
    if STOP.load(Ordering::Relaxed) {
        let s = EXIT_STATUS.load(Ordering::SeqCst);
        Some(u8::try_from(s).ok().filter(|&s| s != 0).unwrap_or(130))
    } else {
        None
    }
}

/// Request a stop as a signal would, with exit status `status` (tests and embedders).
pub fn request(status: u8) {
    EXIT_STATUS.store(usize::from(status), Ordering::SeqCst);
    STOP.store(true, Ordering::SeqCst);
}

/// Withdraw a request (tests: the flag is global to the process).
pub fn clear() {
    STOP.store(false, Ordering::SeqCst);
    EXIT_STATUS.store(0, Ordering::SeqCst);
}
