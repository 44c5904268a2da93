//! The shell code of a Slurm array task: it runs one unit, passes Slurm's early SIGTERM on to it,
//! and requeues the task when the unit stops with a checkpoint, so that a unit longer than the time
//! limit continues where it stopped.
//!
//! Slurm sends SIGTERM `lead` seconds before the time limit to the batch shell only
//! (`--signal=B:TERM@lead`); the shell forwards it to `nh`, which writes the unit's checkpoint after
//! its current iteration and exits with [`STOPPED_WITH_CHECKPOINT`]. The task then runs
//! `scontrol requeue` on itself (never on the whole array), at most `max_requeues` times, counted
//! by Slurm's `SLURM_RESTART_COUNT`. The finish job's `afterany` dependency waits for the requeued
//! task.

use nh_agents::CheckpointEvery;

/// The exit status of `nh train` and `nh reproduce` when they stopped on request (SIGTERM,
/// Ctrl-C) after writing checkpoints: 75, `EX_TEMPFAIL` ("try again"), so a job script can
/// requeue itself.
pub const STOPPED_WITH_CHECKPOINT: u8 = 75;

/// How array tasks checkpoint and requeue themselves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Requeue {
    /// Seconds before the time limit at which Slurm asks the unit to stop with a checkpoint.
    pub lead_seconds: u32,
    /// Requeues of one task before it gives up (its unit stays pending for `--resume --slurm`).
    pub max_requeues: u32,
    /// How often units checkpoint while they train.
    pub checkpoint_every: CheckpointEvery,
}

impl Default for Requeue {
    /// Five minutes of lead (an iteration of the largest learner files takes about two on two CPU
    /// cores), ten requeues, a checkpoint every ten minutes.
    fn default() -> Requeue {
        Requeue {
            lead_seconds: 300,
            max_requeues: 10,
            checkpoint_every: crate::UnitCheckpoints::DEFAULT_EVERY,
        }
    }
}

impl Requeue {
    /// The `#SBATCH` options the units' array needs.
    pub(crate) fn directives(&self) -> [String; 2] {
        [
            "--requeue".to_owned(),
            format!("--signal=B:TERM@{}", self.lead_seconds),
        ]
    }

    /// The task's shell code around `unit_command` (which must train `$SLURM_ARRAY_TASK_ID` and
    /// take `--checkpoint-every`); `resume_hint` is what to run when the task gives up.
    pub(crate) fn task_code(&self, unit_command: &str, resume_hint: &str) -> String {
        let max = self.max_requeues;
        format!(
            "\
# Slurm's SIGTERM, {lead} s before the time limit, goes to nh: it checkpoints after its current
# iteration and exits {stopped}; the task then requeues itself (at most {max} times).
nh_pid=
stopping=0
trap 'stopping=1; kill -TERM \"$nh_pid\" 2>/dev/null || true' TERM
{unit_command} --checkpoint-every {every} &
nh_pid=$!
status=0
wait \"$nh_pid\" || status=$?
if [ \"$stopping\" -eq 1 ] && [ \"$status\" -gt 128 ]; then
  # The trap cut `wait` short: nh is still writing its checkpoint.
  status=0
  wait \"$nh_pid\" || status=$?
fi
if [ \"$status\" -eq {stopped} ]; then
  task=\"${{SLURM_ARRAY_JOB_ID}}_${{SLURM_ARRAY_TASK_ID}}\"
  if [ \"${{SLURM_RESTART_COUNT:-0}}\" -lt {max} ]; then
    echo \"nh: unit $SLURM_ARRAY_TASK_ID checkpointed; requeueing task $task\"
    scontrol requeue \"$task\"
    exit 0
  fi
  echo \"nh: unit $SLURM_ARRAY_TASK_ID checkpointed but was requeued {max} times already; continue with: {resume_hint}\" >&2
fi
exit \"$status\"",
            lead = self.lead_seconds,
            stopped = STOPPED_WITH_CHECKPOINT,
            every = self.checkpoint_every,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use std::process::Command;

    /// The task code in bash, with `nh` replaced by `fake_nh` (shell code) and `scontrol` by a
    /// script that records its arguments in `<dir>/calls`.
    fn task(dir: &Path, fake_nh: &str, restarts: u32) -> Command {
        let scontrol = dir.join("scontrol");
        let calls = dir.join("calls");
        std::fs::write(
            &scontrol,
            format!("#!/bin/sh\necho \"$@\" >> '{}'\n", calls.display()),
        )
        .expect("write");
        let nh = dir.join("nh");
        std::fs::write(&nh, format!("#!/bin/bash\n{fake_nh}\n")).expect("write");
        for path in [&scontrol, &nh] {
            let status = Command::new("chmod")
                .arg("+x")
                .arg(path)
                .status()
                .expect("chmod");
            assert!(status.success());
        }
        let code = Requeue::default().task_code(&nh.display().to_string(), "nh reproduce");
        let path = std::env::var("PATH").unwrap_or_default();
        let mut bash = Command::new("bash");
        bash.args(["-euo", "pipefail", "-c", &code])
            .env("PATH", format!("{}:{path}", dir.display()))
            .env("SLURM_ARRAY_JOB_ID", "41")
            .env("SLURM_ARRAY_TASK_ID", "3")
            .env("SLURM_RESTART_COUNT", restarts.to_string());
        bash
    }

    /// Runs the task with an `nh` that exits with `status`; returns (exit status, scontrol calls).
    fn run_task(status: i32, restarts: u32) -> (i32, String) {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = task(dir.path(), &format!("exit {status}"), restarts)
            .output()
            .expect("bash runs");
        let calls = std::fs::read_to_string(dir.path().join("calls")).unwrap_or_default();
        (out.status.code().expect("exit code"), calls)
    }

    #[test]
    fn slurms_sigterm_reaches_nh_and_its_checkpointed_exit_requeues_the_task() {
        let dir = tempfile::tempdir().expect("temp dir");
        let started = dir.path().join("started");
        // Like nh: on SIGTERM, finish the current "iteration", then exit 75; unsignalled, it
        // ends normally after 10 s (and the test fails).
        let fake = format!(
            "trap 'sleep 0.3; exit 75' TERM\ntouch '{}'\nfor _ in $(seq 200); do sleep 0.05; done",
            started.display()
        );
        let mut child = task(dir.path(), &fake, 0).spawn().expect("bash starts");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !started.exists() {
            assert!(
                std::time::Instant::now() < deadline,
                "the fake nh never started"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let killed = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(killed.success());
        let status = child.wait().expect("bash ends");
        let calls = std::fs::read_to_string(dir.path().join("calls")).unwrap_or_default();
        assert_eq!((status.code(), calls.as_str()), (Some(0), "requeue 41_3\n"));
    }

    #[test]
    fn a_checkpointed_unit_requeues_only_its_own_task_until_the_limit() {
        assert_eq!(run_task(75, 0), (0, "requeue 41_3\n".to_owned()));
        assert_eq!(run_task(75, 9), (0, "requeue 41_3\n".to_owned()));
        assert_eq!(run_task(75, 10), (75, String::new()));
    }

    #[test]
    fn other_endings_pass_through_without_a_requeue() {
        assert_eq!(run_task(0, 0), (0, String::new()));
        assert_eq!(run_task(1, 0), (1, String::new()));
    }

    #[test]
    fn directives_ask_for_the_early_signal_and_allow_requeues() {
        let r = Requeue {
            lead_seconds: 120,
            ..Requeue::default()
        };
        assert_eq!(r.directives(), ["--requeue", "--signal=B:TERM@120"]);
        assert!(
            r.task_code("nh", "x")
                .contains("nh --checkpoint-every 600s &")
        );
    }
}
