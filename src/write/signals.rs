//! Ctrl-C, `kill` and a closed terminal wait until the write is done.
//!
//! Killed between two `write` calls, an in-place write leaves a file that
//! is half new and half old, and a rename write leaves its temporary copy
//! behind. While [`Deferred`] is alive, SIGINT, SIGTERM, SIGHUP and
//! SIGQUIT only record that they came (the handler is process-wide, so it
//! does not matter which thread the kernel picks); the writer looks at
//! [`Deferred::caught`] at its safe points, and the caller ends the process
//! with the same signal once everything is in order ([`die_of`]). SIGKILL
//! cannot be deferred: what it leaves is swept on the next run
//! (`recovery::sweep`).

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Mutex;

const DEFERRED: [libc::c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];

/// The first deferred signal that arrived, 0 if none.
static CAUGHT: AtomicI32 = AtomicI32::new(0);

/// How many guards are alive, and the handlers they replaced (restored by
/// the last one: tests write from several threads at once).
static INSTALLED: Mutex<(usize, Vec<(libc::c_int, libc::sigaction)>)> = Mutex::new((0, Vec::new()));

extern "C" fn record(signal: libc::c_int) {
    if CAUGHT
        .compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst)
        .is_ok()
    {
        let message = b"ngxfix: finishing the write in progress before stopping\n";
        // SAFETY: write(2) is async-signal-safe; the buffer is static.
        unsafe { libc::write(2, message.as_ptr().cast(), message.len()) };
    }
}

/// While alive, the deferred signals are recorded instead of acted on.
pub(super) struct Deferred(());

impl Deferred {
    /// Start deferring. A signal the process ignores (`nohup`) stays
    /// ignored.
    pub(super) fn install() -> Deferred {
        let mut installed = INSTALLED.lock().unwrap_or_else(|e| e.into_inner());
        if installed.0 == 0 {
            CAUGHT.store(0, Ordering::SeqCst);
            for signal in DEFERRED {
                // SAFETY: zeroed sigaction is valid; sigaction with a valid
                // handler address and out-pointer.
                unsafe {
                    let mut old: libc::sigaction = std::mem::zeroed();
                    libc::sigaction(signal, std::ptr::null(), &mut old);
                    if old.sa_sigaction == libc::SIG_IGN {
                        continue;
                    }
                    let mut new: libc::sigaction = std::mem::zeroed();
                    new.sa_sigaction = record as extern "C" fn(libc::c_int) as usize;
                    new.sa_flags = libc::SA_RESTART;
                    libc::sigemptyset(&mut new.sa_mask);
                    if libc::sigaction(signal, &new, &mut old) == 0 {
                        installed.1.push((signal, old));
                    }
                }
            }
        }
        installed.0 += 1;
        Deferred(())
    }

    /// The signal that arrived since the guard was installed, if any.
    pub(super) fn caught(&self) -> Option<i32> {
        match CAUGHT.load(Ordering::SeqCst) {
            0 => None,
            signal => Some(signal),
        }
    }
}

impl Drop for Deferred {
    fn drop(&mut self) {
        let mut installed = INSTALLED.lock().unwrap_or_else(|e| e.into_inner());
        installed.0 -= 1;
        if installed.0 == 0 {
            for (signal, old) in installed.1.drain(..) {
                // SAFETY: restoring a handler read by sigaction earlier.
                unsafe { libc::sigaction(signal, &old, std::ptr::null_mut()) };
            }
        }
    }
}

/// The name of a deferred signal, for messages.
pub fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGINT => "SIGINT",
        libc::SIGTERM => "SIGTERM",
        libc::SIGHUP => "SIGHUP",
        libc::SIGQUIT => "SIGQUIT",
        _ => "a signal",
    }
}

/// End the process as `signal` would have, once the write it waited for is
/// over: the shell then sees the usual status (130 for Ctrl-C).
pub fn die_of(signal: i32) -> ! {
    // SAFETY: resetting a handler to its default and raising the signal.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
        libc::raise(signal);
    }
    std::process::exit(128 + signal)
}
