//! A second Ctrl-C ends `nh train` at once, cleanly, however often it is tried (issue #33, class
//! 2): status 130 and the documented message, never a crash, and the checkpoint on disk stays a
//! complete one. (A first Ctrl-C alone stops with a checkpoint and status 75: train_resume.rs.)

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Trials of the double interrupt.
const TRIALS: usize = 4;

fn start_training(dir: &Path, params: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_nh"))
        .args([
            "train", "--algo", "cem", "--fixed", "--words", "3000", "--bins", "3000",
        ])
        .args([
            "--iterations",
            "1000000",
            "--checkpoint-every",
            "1",
            "--device",
            "cpu",
        ])
        .arg("--params")
        .arg(params)
        .arg("--out")
        .arg(dir.join("run"))
        .env_remove("NH_CORPUS")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nh starts")
}

fn interrupt(child: &Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

#[test]
fn a_second_ctrl_c_exits_at_once_with_status_130_and_a_complete_checkpoint() {
    let tmp = tempfile::tempdir().expect("temp dir");
    // A learning rate too small to finish: the run lasts until the signals.
    let params = tmp.path().join("slow.toml");
    std::fs::write(&params, "learning_rate = 1e-7\n").expect("params");
    let mut at_once = 0;
    for trial in 0..TRIALS {
        let dir = tmp.path().join(format!("trial{trial}"));
        std::fs::create_dir(&dir).expect("trial folder");
        let child = start_training(&dir, &params);
        let state = dir.join("run/checkpoint/state.json");
        let started = Instant::now();
        while !state.is_file() {
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "no checkpoint"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        interrupt(&child);
        std::thread::sleep(Duration::from_millis(50));
        interrupt(&child);
        let output = child.wait_with_output().expect("reaped");
        let stderr = String::from_utf8_lossy(&output.stderr);
        match output.status.code() {
            Some(130) => {
                at_once += 1;
                assert!(
                    stderr.contains("stopping now, without a checkpoint"),
                    "{stderr}"
                );
            }
            // The iteration ended between the two signals: the first one's checkpoint and exit.
            Some(75) => {}
            other => panic!("trial {trial}: status {other:?} (a crash?):\n{stderr}"),
        }
        assert!(!stderr.contains("panicked"), "{stderr}");
        let text = std::fs::read_to_string(&state).expect("the checkpoint stays");
        serde_json::from_str::<serde_json::Value>(&text).expect("a complete checkpoint");
    }
    assert!(
        at_once > 0,
        "no trial caught the process between the two signals"
    );
}
