//! Every learner file in `experiments/params/` (`<algo>-<name>.toml`) is accepted by `nh train`
//! for its learner: a one-iteration run on a handful of words succeeds.

use std::path::Path;
use std::process::Command;

#[test]
fn every_params_file_trains_its_learner() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../experiments/params");
    let out = tempfile::tempdir().expect("temp dir");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("experiments/params") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let stem = path
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        let algo = stem.split('-').next().expect("a learner prefix");
        let output = Command::new(env!("CARGO_BIN_EXE_nh"))
            .args([
                "train", "--algo", algo, "--fixed", "--words", "24", "--bins", "24",
            ])
            .args(["--iterations", "1", "--device", "cpu", "--params"])
            .arg(&path)
            .arg("--out")
            .arg(out.path().join(&stem))
            .output()
            .expect("nh runs");
        assert!(
            output.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        checked += 1;
    }
    assert!(checked >= 2, "expected the learner files, found {checked}");
}
