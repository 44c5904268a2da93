//! Progress for `nh reproduce`: bars per task and overall (with ETA) on a terminal, log lines
//! otherwise (stderr), nothing with `--quiet`.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use nh_exp::Progress;

/// How progress is shown.
pub enum Reporter {
    /// Progress bars on stderr.
    Bars(Bars),
    /// One log line per finished task and figure.
    Log,
    /// Nothing.
    Quiet,
}

/// Terminal progress bars.
pub struct Bars {
    multi: MultiProgress,
    overall: Mutex<Option<ProgressBar>>,
    tasks: Mutex<HashMap<(String, u64), ProgressBar>>,
}

impl Reporter {
    /// Bars on a terminal, log lines otherwise, nothing when `quiet`.
    pub fn new(quiet: bool) -> Self {
        if quiet {
            Reporter::Quiet
        } else if std::io::stderr().is_terminal() {
            Reporter::Bars(Bars {
                multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
                overall: Mutex::new(None),
                tasks: Mutex::new(HashMap::new()),
            })
        } else {
            Reporter::Log
        }
    }
}

impl Progress for Reporter {
    fn figure_planned(&self, figure: &str, dir: &Path) {
        crate::interrupt::set_current_run(dir);
        if let Reporter::Log = self {
            eprintln!("{figure}: run directory {}", dir.display());
        }
    }

    fn figure_started(&self, figure: &str, about: &str, tasks: &[(String, u64, usize)]) {
        let total: usize = tasks.iter().map(|t| t.2).sum();
        match self {
            Reporter::Bars(bars) => {
                let overall = bars.multi.add(ProgressBar::new(total as u64));
                overall.set_style(
                    ProgressStyle::with_template(
                        "{prefix:>12} [{bar:40}] {pos}/{len} iterations, ETA {eta}",
                    )
                    .expect("valid template")
                    .progress_chars("=> "),
                );
                overall.set_prefix(figure.to_owned());
                let mut map = bars.tasks.lock().expect("progress lock");
                for (panel, seed, iterations) in tasks {
                    let bar = bars.multi.add(ProgressBar::new(*iterations as u64));
                    bar.set_style(
                        ProgressStyle::with_template(
                            "{prefix:>24} [{bar:30}] {pos}/{len} {elapsed}",
                        )
                        .expect("valid template")
                        .progress_chars("=> "),
                    );
                    bar.set_prefix(format!("{panel} seed {seed}"));
                    map.insert((panel.clone(), *seed), bar);
                }
                *bars.overall.lock().expect("progress lock") = Some(overall);
                bars.multi.println(format!("{figure}: {about}")).ok();
            }
            Reporter::Log => {
                eprintln!(
                    "{figure}: {about}; {} tasks, {total} iterations in all",
                    tasks.len()
                );
            }
            Reporter::Quiet => {}
        }
    }

    fn iteration(&self, _figure: &str, panel: &str, seed: u64, done: usize) {
        if let Reporter::Bars(bars) = self {
            if let Some(bar) = bars
                .tasks
                .lock()
                .expect("progress lock")
                .get(&(panel.to_owned(), seed))
            {
                bar.set_position(done as u64);
            }
            if let Some(overall) = bars.overall.lock().expect("progress lock").as_ref() {
                overall.inc(1);
            }
        }
    }

    fn task_finished(&self, figure: &str, panel: &str, seed: u64, seconds: f64) {
        match self {
            Reporter::Bars(bars) => {
                if let Some(bar) = bars
                    .tasks
                    .lock()
                    .expect("progress lock")
                    .get(&(panel.to_owned(), seed))
                {
                    bar.finish();
                }
            }
            Reporter::Log => {
                eprintln!("{figure}: {panel} seed {seed} finished in {seconds:.1} s");
            }
            Reporter::Quiet => {}
        }
    }

    fn figure_finished(&self, figure: &str, dir: &Path) {
        match self {
            Reporter::Bars(bars) => {
                if let Some(overall) = bars.overall.lock().expect("progress lock").take() {
                    overall.finish();
                }
                bars.tasks.lock().expect("progress lock").clear();
                bars.multi.clear().ok();
            }
            Reporter::Log => {
                eprintln!("{figure}: results in {}", dir.display());
            }
            Reporter::Quiet => {}
        }
    }
}
