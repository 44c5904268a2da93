//! Planned runs on a Slurm cluster: one array task per unit (the task id is the unit's index in the
//! plan), and a finish job that runs after the array, both submitted with `sbatch --parsable`.
//!
//! The scripts call the same `nh` binary by its absolute path and never build anything: a node
//! needs the binary, its libtorch and the shared results folder. Each submission `k` writes
//! `slurm/units-k.sh`, `slurm/finish-k.sh` and, once submitted, `slurm/submission-k.json`.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

use crate::finish::is_finished;
use crate::metadata::{json_bytes, utc_stamps};
use crate::plan::Plan;
use crate::requeue::Requeue;
use crate::rundir::{Existing, write_file};
use crate::unit::is_done;
use crate::{Error, Result};

/// How the units and the finish step of a run are submitted.
#[derive(Debug, Clone, Default)]
pub struct SlurmOptions {
    /// The `nh` binary the scripts call (absolute path).
    pub nh: PathBuf,
    /// `--partition`.
    pub partition: Option<String>,
    /// `--time` of each array task and of the finish job (Slurm's formats, e.g. `02:00:00`).
    pub time: Option<String>,
    /// `--cpus-per-task`: also the libtorch threads of each unit.
    pub cpus_per_task: usize,
    /// `--gpus-per-task`; above 0 the units train with `--device cuda`.
    pub gpus_per_task: usize,
    /// At most this many array tasks at once (`--array=...%K`).
    pub max_parallel: Option<usize>,
    /// `--account`.
    pub account: Option<String>,
    /// Extra `#SBATCH` lines, each one argument as `sbatch` takes it (e.g. `--qos=long`).
    pub sbatch_args: Vec<String>,
    /// A script template replacing ours (see [`TEMPLATE_PLACEHOLDERS`]).
    pub template: Option<PathBuf>,
    /// Write the scripts, submit nothing.
    pub dry_run: bool,
    /// How array tasks checkpoint and requeue themselves before their time limit.
    pub requeue: Requeue,
}

/// The placeholders a user's script template may contain; `{{command}}` is required.
///
/// - `{{directives}}`: our `#SBATCH` lines (job name, output log, array, resources, requeue).
/// - `{{command}}`: the job's shell code: for the finish job one `nh` command line, for the units'
///   array several lines that run the unit, pass Slurm's SIGTERM on to it and requeue the task
///   (see [`Requeue`]).
/// - `{{job_name}}`, `{{run_dir}}`, `{{nh}}`: the job's name, the run folder and the binary.
pub const TEMPLATE_PLACEHOLDERS: [&str; 5] = ["directives", "command", "job_name", "run_dir", "nh"];

/// One submission of a run's pending units, as recorded in `slurm/submission-k.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    /// `k`: the submission's number within the run.
    pub number: usize,
    /// The run directory.
    pub run_dir: PathBuf,
    /// The units submitted (array task ids).
    pub units: Vec<usize>,
    /// The array's job id (`None` without pending units, or in a dry run).
    pub array_job: Option<String>,
    /// The finish job's id (`None` in a dry run).
    pub finish_job: Option<String>,
    /// The units' script.
    pub units_script: PathBuf,
    /// The finish script.
    pub finish_script: PathBuf,
    /// Where the jobs' logs go.
    pub logs: PathBuf,
    /// When it was submitted (RFC 3339, UTC).
    pub submitted_at: String,
    /// Whether nothing was submitted.
    pub dry_run: bool,
}

/// Writes the scripts for the units of the run in `run_dir` that are not done and, unless a dry
/// run, submits them as an array and the finish step after it (`afterany`, so the finish step runs
/// and reports failed units by name instead of waiting forever).
///
/// # Errors
/// Bad options or template (before anything is written), a finished run, `sbatch` missing or
/// refusing, a write failure.
pub fn submit(run_dir: &Path, opts: &SlurmOptions) -> Result<Submission> {
    check_slurm_options(opts)?;
    let template = opts.template.as_deref().map(read_template).transpose()?;
    let plan = Plan::read(run_dir)?;
    if is_finished(run_dir) {
        return Err(Error::Option {
            option: "--resume",
            message: format!(
                "{} is already finished; nothing to submit",
                run_dir.display()
            ),
        });
    }
    let units: Vec<usize> = plan
        .units
        .iter()
        .filter(|u| !is_done(run_dir, u))
        .map(|u| u.index)
        .collect();
    let slurm_dir = run_dir.join("slurm");
    let logs = slurm_dir.join("logs");
    std::fs::create_dir_all(&logs).map_err(|source| Error::Io {
        path: logs.clone(),
        source,
    })?;
    let number = (1..)
        .find(|k| !slurm_dir.join(format!("units-{k:03}.sh")).exists())
        .expect("a free submission number");
    let units_script = slurm_dir.join(format!("units-{number:03}.sh"));
    let finish_script = slurm_dir.join(format!("finish-{number:03}.sh"));
    let run = absolute(run_dir);
    let scripts = Scripts {
        plan: &plan,
        run: &run,
        opts,
        template: template.as_ref(),
    };
    if !units.is_empty() {
        write_script(&units_script, &scripts.units(&units, &logs))?;
    }
    write_script(&finish_script, &scripts.finish(&logs))?;
    let mut submission = Submission {
        number,
        run_dir: run.clone(),
        units: units.clone(),
        array_job: None,
        finish_job: None,
        units_script: units_script.clone(),
        finish_script: finish_script.clone(),
        logs,
        submitted_at: utc_stamps().1,
        dry_run: opts.dry_run,
    };
    if opts.dry_run {
        return Ok(submission);
    }
    if !units.is_empty() {
        submission.array_job = Some(sbatch(&[], &units_script)?);
    }
    let dependency = submission
        .array_job
        .as_ref()
        .map(|id| vec![format!("--dependency=afterany:{id}")])
        .unwrap_or_default();
    submission.finish_job = Some(sbatch(&dependency, &finish_script)?);
    write_file(
        &slurm_dir.join(format!("submission-{number:03}.json")),
        &json_bytes(&submission),
        Existing::Refuse,
    )?;
    Ok(submission)
}

/// Everything a script of this run needs.
struct Scripts<'a> {
    plan: &'a Plan,
    run: &'a Path,
    opts: &'a SlurmOptions,
    template: Option<&'a Template>,
}

impl Scripts<'_> {
    fn units(&self, units: &[usize], logs: &Path) -> String {
        let list = array_list(units);
        let array = match self.opts.max_parallel {
            Some(k) => format!("{list}%{k}"),
            None => list,
        };
        let job_name = format!("nh-{}-units", self.plan.figure);
        let mut directives = vec![
            format!("--job-name={job_name}"),
            format!("--array={array}"),
            format!("--output={}", logs.join("unit-%a.out").display()),
            "--open-mode=append".to_owned(),
            format!("--cpus-per-task={}", self.opts.cpus_per_task),
        ];
        directives.extend(self.opts.requeue.directives());
        if self.opts.gpus_per_task > 0 {
            directives.push(format!("--gpus-per-task={}", self.opts.gpus_per_task));
        }
        directives.extend(self.shared_directives());
        let unit_command = format!(
            "{} reproduce --resume {} --unit \"$SLURM_ARRAY_TASK_ID\" --quiet",
            shell_quote(&self.opts.nh),
            shell_quote(self.run)
        );
        let resume_hint = format!("nh reproduce --resume {} --slurm", shell_quote(self.run));
        let code = self.opts.requeue.task_code(&unit_command, &resume_hint);
        let about = format!(
            "{} run {}: one unit (panel x seed) per array task; the task id is the unit's index \
             in plan.json.",
            self.plan.figure, self.plan.run_id
        );
        self.render(&about, &job_name, &directives, &code)
    }

    fn finish(&self, logs: &Path) -> String {
        let job_name = format!("nh-{}-finish", self.plan.figure);
        let mut directives = vec![
            format!("--job-name={job_name}"),
            format!("--output={}", logs.join("finish-%j.out").display()),
            "--cpus-per-task=1".to_owned(),
        ];
        directives.extend(self.shared_directives());
        let command = format!(
            "{} reproduce --resume {} --finish --quiet",
            shell_quote(&self.opts.nh),
            shell_quote(self.run)
        );
        let code = match self.template {
            Some(_) => command,
            None => format!("exec {command}"),
        };
        let about = format!(
            "{} run {}: aggregates, summary and figure from the units' records; submitted with \
             --dependency=afterany on the units' array, it fails listing any unit that is not \
             done.",
            self.plan.figure, self.plan.run_id
        );
        self.render(&about, &job_name, &directives, &code)
    }

    fn shared_directives(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(p) = &self.opts.partition {
            out.push(format!("--partition={p}"));
        }
        if let Some(t) = &self.opts.time {
            out.push(format!("--time={t}"));
        }
        if let Some(a) = &self.opts.account {
            out.push(format!("--account={a}"));
        }
        out.extend(self.opts.sbatch_args.iter().cloned());
        out
    }

    /// The script: our header, the directives and `code`, or the user's template filled in.
    fn render(&self, about: &str, job_name: &str, directives: &[String], code: &str) -> String {
        let directive_lines: String = directives
            .iter()
            .map(|d| format!("#SBATCH {d}\n"))
            .collect();
        match self.template {
            Some(template) => template.fill(&[
                ("directives", directive_lines.trim_end()),
                ("command", code),
                ("job_name", job_name),
                ("run_dir", &shell_quote(self.run)),
                ("nh", &shell_quote(&self.opts.nh)),
            ]),
            None => format!(
                "#!/bin/bash\n# neural-hash, {about}\n# Written by `nh reproduce --slurm`; the \
                 nodes need only the nh binary (and its libtorch) and this folder.\n\
                 {directive_lines}set -euo pipefail\n{code}\n"
            ),
        }
    }
}

/// A user's script template, checked when read.
struct Template {
    text: String,
}

impl Template {
    fn fill(&self, values: &[(&str, &str)]) -> String {
        values
            .iter()
            .fold(self.text.clone(), |text, (name, value)| {
                text.replace(&format!("{{{{{name}}}}}"), value)
            })
    }
}

fn read_template(path: &Path) -> Result<Template> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let bad = |line: usize, message: String| Error::Config {
        path: path.to_path_buf(),
        message: format!("line {line}: {message}"),
    };
    for (i, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(start) = rest.find("{{") {
            let after = &rest[start + 2..];
            let end = after
                .find("}}")
                .ok_or_else(|| bad(i + 1, "`{{` without a closing `}}`".to_owned()))?;
            let name = &after[..end];
            if !TEMPLATE_PLACEHOLDERS.contains(&name) {
                return Err(bad(
                    i + 1,
                    format!(
                        "unknown placeholder `{{{{{name}}}}}` (known: {})",
                        TEMPLATE_PLACEHOLDERS
                            .map(|p| format!("{{{{{p}}}}}"))
                            .join(", ")
                    ),
                ));
            }
            rest = &after[end + 2..];
        }
    }
    if !text.contains("{{command}}") {
        return Err(Error::Config {
            path: path.to_path_buf(),
            message: "the template has no `{{command}}`: the job would not run nh".into(),
        });
    }
    Ok(Template { text })
}

/// Refuses options and templates that would write a broken script.
///
/// # Errors
/// [`Error::Option`] naming the option, [`Error::Config`] naming the template's line.
pub fn check_slurm_options(opts: &SlurmOptions) -> Result<()> {
    if let Some(template) = &opts.template {
        read_template(template)?;
    }
    let one_word = |option: &'static str, value: &Option<String>| match value {
        Some(v) if v.is_empty() || v.chars().any(char::is_whitespace) => Err(Error::Option {
            option,
            message: format!("`{v}` must be one word without spaces"),
        }),
        _ => Ok(()),
    };
    one_word("--partition", &opts.partition)?;
    one_word("--account", &opts.account)?;
    let is_slurm_time = |t: &str| {
        !t.is_empty()
            && t.chars()
                .all(|c| c.is_ascii_digit() || c == ':' || c == '-')
    };
    if let Some(t) = opts.time.as_deref().filter(|t| !is_slurm_time(t)) {
        return Err(Error::Option {
            option: "--time",
            message: format!("`{t}` is not a Slurm time (e.g. 02:00:00 or 1-12:00:00)"),
        });
    }
    if opts.cpus_per_task == 0 {
        return Err(Error::Option {
            option: "--cpus-per-task",
            message: "must be at least 1".into(),
        });
    }
    if opts.max_parallel == Some(0) {
        return Err(Error::Option {
            option: "--max-parallel",
            message: "must be at least 1".into(),
        });
    }
    if let Some(arg) = opts
        .sbatch_args
        .iter()
        .find(|a| !a.starts_with('-') || a.contains('\n'))
    {
        return Err(Error::Option {
            option: "--sbatch-arg",
            message: format!("`{arg}` is not one sbatch option (e.g. --qos=long)"),
        });
    }
    if !opts.nh.is_absolute() {
        return Err(Error::Option {
            option: "--slurm",
            message: format!("the nh binary's path {} is not absolute", opts.nh.display()),
        });
    }
    Ok(())
}

fn write_script(path: &Path, text: &str) -> Result<()> {
    write_file(path, text.as_bytes(), Existing::Refuse)
}

/// Runs `sbatch --parsable <args> <script>` and returns the job id.
fn sbatch(args: &[String], script: &Path) -> Result<String> {
    let described = format!("sbatch --parsable {} {}", args.join(" "), script.display());
    let output = Command::new("sbatch")
        .arg("--parsable")
        .args(args)
        .arg(script)
        .output()
        .map_err(|e| Error::Slurm {
            command: described.clone(),
            message: format!("cannot run sbatch ({e}); is this a Slurm login node?"),
        })?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    // `--parsable` prints `<job id>` or `<job id>;<cluster>`.
    let id = stdout
        .trim()
        .split(';')
        .next()
        .unwrap_or_default()
        .to_owned();
    if !output.status.success() || id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
        return Err(Error::Slurm {
            command: described,
            message: format!(
                "{}; {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        });
    }
    Ok(id)
}

/// Sorted task ids in Slurm's `--array` form, runs as ranges: `[0, 1, 2, 5]` -> `0-2,5`.
fn array_list(ids: &[usize]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < ids.len() {
        let start = ids[i];
        while i + 1 < ids.len() && ids[i + 1] == ids[i] + 1 {
            i += 1;
        }
        parts.push(if ids[i] == start {
            start.to_string()
        } else {
            format!("{start}-{}", ids[i])
        });
        i += 1;
    }
    parts.join(",")
}

/// `path` quoted for bash.
fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_lists_are_ranges() {
        assert_eq!(array_list(&[0, 1, 2, 5]), "0-2,5");
        assert_eq!(array_list(&[3]), "3");
        assert_eq!(array_list(&[0, 2, 3, 7, 8, 9]), "0,2-3,7-9");
    }

    #[test]
    fn templates_with_unknown_placeholders_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("site.sh");
        std::fs::write(
            &path,
            "#!/bin/bash\nmodule load cuda\n{{directivs}}\n{{command}}\n",
        )
        .unwrap();
        let err = read_template(&path).err().unwrap().to_string();
        assert!(
            err.contains("line 3") && err.contains("{{directivs}}"),
            "{err}"
        );
        std::fs::write(&path, "#!/bin/bash\n{{directives}}\n").unwrap();
        let err = read_template(&path).err().unwrap().to_string();
        assert!(err.contains("{{command}}"), "{err}");
        std::fs::write(
            &path,
            "#!/bin/bash\n{{directives}}\nsource env.sh\n{{command}}\n",
        )
        .unwrap();
        let t = read_template(&path).unwrap();
        assert_eq!(
            t.fill(&[("directives", "#SBATCH --x"), ("command", "nh")]),
            "#!/bin/bash\n#SBATCH --x\nsource env.sh\nnh\n"
        );
    }
}
