//! Ctrl-C and SIGTERM during `nh reproduce`: finished units are already on disk, so the process
//! says which run to resume and exits with status 130 (units in progress are redone on resume).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

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
