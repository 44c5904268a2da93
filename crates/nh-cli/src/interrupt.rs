//! Ctrl-C and SIGTERM: the first one asks training to stop after the current iteration with a
//! checkpoint (`nh train` with checkpoints, and every unit `nh reproduce` trains), which then exit
//! with status 75; a second one exits at once with status 130, saying which run to resume.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The exit status after an interruption (128 + SIGINT, as shells report Ctrl-C).
pub const INTERRUPTED: i32 = 130;

static CURRENT_RUN: Mutex<Option<PathBuf>> = Mutex::new(None);

/// For `nh reproduce`: the first SIGTERM or Ctrl-C sets `stop` (units in training checkpoint
/// after their current iteration, no further unit starts); a second one exits at once with status
/// 130. Installs the handler once; later calls do nothing.
pub fn stop_units_on_signal(stop: Arc<AtomicBool>) {
    // An error means a handler is already installed, which is fine.
    let _ = ctrlc::set_handler(move || {
        let run = CURRENT_RUN.lock().ok().and_then(|r| r.clone());
        if !stop.swap(true, Ordering::SeqCst) && run.is_some() {
            eprintln!(
                "\nstopping: each unit in training writes a checkpoint after its current \
                 iteration (again to stop at once)"
            );
            return;
        }
        match run {
            Some(dir) => eprintln!(
                "\ninterrupted: finished units are kept in {0}\nresume with: nh reproduce --resume {0}",
                dir.display()
            ),
            None => eprintln!("\ninterrupted before a run was planned; nothing was written"),
        }
        exit_at_once();
    });
}

/// Records the run that an interruption would leave unfinished.
pub fn set_current_run(dir: &Path) {
    if let Ok(mut current) = CURRENT_RUN.lock() {
        *current = Some(dir.to_path_buf());
    }
}

/// For `nh train`: the first SIGTERM or Ctrl-C sets `stop` (the trainer checkpoints after the
/// current iteration and stops); a second one exits at once with status 130.
pub fn stop_on_signal(stop: Arc<AtomicBool>) {
    // An error means a handler is already installed, which is fine.
    let _ = ctrlc::set_handler(move || {
        if stop.swap(true, Ordering::SeqCst) {
            eprintln!("\nstopping now, without a checkpoint");
            exit_at_once();
        }
        eprintln!("\nstopping after this iteration, with a checkpoint (again to stop at once)");
    });
}

/// Ends the process now with status 130, from the signal-handling thread while other threads may
/// be inside libtorch. `std::process::exit` would run the C++ static destructors (libtorch's
/// thread pools, allocators) under those threads' feet, which crashed with a segmentation fault
/// or a libtorch panic; `_exit` ends the process without running any of them. Files stay as the
/// last completed write left them: every result and checkpoint is written atomically.
#[allow(unsafe_code)] // the one unsafe call of nh-cli: tests/interrupts.rs
fn exit_at_once() -> ! {
    // SAFETY: `_exit` takes a status and never returns; it touches no Rust state.
    unsafe { libc::_exit(INTERRUPTED) }
}
