//! Ctrl-C and SIGTERM: `nh reproduce` says which run to resume and exits with status 130 (its
//! finished units are on disk; units in progress are redone on resume); `nh train` with
//! checkpoints finishes the current iteration, writes a checkpoint and exits with status 75.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The exit status after an interruption (128 + SIGINT, as shells report Ctrl-C).
pub const INTERRUPTED: i32 = 130;

static CURRENT_RUN: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Installs the handler once; later calls do nothing.
pub fn install() {
    // An error means a handler is already installed, which is fine.
    let _ = ctrlc::set_handler(|| {
        let run = CURRENT_RUN.lock().ok().and_then(|r| r.clone());
        match run {
            Some(dir) => eprintln!(
                "\ninterrupted: finished units are kept in {0}\nresume with: nh reproduce --resume {0}",
                dir.display()
            ),
            None => eprintln!("\ninterrupted before a run was planned; nothing was written"),
        }
        std::process::exit(INTERRUPTED);
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
            std::process::exit(INTERRUPTED);
        }
        eprintln!("\nstopping after this iteration, with a checkpoint (again to stop at once)");
    });
}
