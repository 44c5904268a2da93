//! libtorch provisioning: a project-local Python venv with PyPI's `torch==2.11.0` (what tch 0.24 needs).
//!
//! The venv is trusted only when its marker file exists; the marker is written last, after the
//! install and an import check succeeded, so a half-finished install is never trusted: it is
//! deleted and made again.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

/// The torch release that `tch = "=0.24.0"` is built against.
pub const TORCH_VERSION: &str = "2.11.0";

/// What the build needs to know about the provisioned torch.
pub struct Torch {
    /// The venv folder (`VIRTUAL_ENV`).
    pub venv: PathBuf,
    /// The folder with `libtorch*.so`.
    pub lib_dir: PathBuf,
}

impl Torch {
    /// Environment variables for cargo so that torch-sys finds this torch.
    pub fn cargo_env(&self) -> Vec<(String, String)> {
        let path = std::env::var("PATH").unwrap_or_default();
        vec![
            ("VIRTUAL_ENV".into(), self.venv.display().to_string()),
            (
                "PATH".into(),
                format!("{}:{path}", self.venv.join("bin").display()),
            ),
            ("LIBTORCH_USE_PYTORCH".into(), "1".into()),
        ]
    }
}

/// The repository root (xtask lives one level below it).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask has a parent folder")
        .to_path_buf()
}

fn marker_path(venv: &Path) -> PathBuf {
    venv.join("nh-torch-ready")
}

/// Makes sure `.venv/` holds torch 2.11.0; installs it when missing or wrong.
pub fn ensure_torch() -> Result<Torch> {
    let venv = repo_root().join(".venv");
    if let Some(torch) = read_marker(&venv) {
        return Ok(torch);
    }
    let started = Instant::now();
    if venv.exists() {
        eprintln!(
            "xtask setup: {} exists but is not a finished torch {TORCH_VERSION} install; recreating it",
            venv.display()
        );
        std::fs::remove_dir_all(&venv)
            .with_context(|| format!("cannot remove the unfinished venv {}", venv.display()))?;
    }
    eprintln!(
        "xtask setup: installing torch=={TORCH_VERSION} from PyPI into {} (first time only; about 4 GB \
         with its CUDA libraries)",
        venv.display()
    );
    check_python()?;
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv)).context(
        "`python3 -m venv` failed: install the venv module (Debian/Ubuntu: `apt-get install python3-venv`)",
    )?;
    let pip = venv.join("bin").join("pip");
    let install = run(Command::new(&pip).args([
        "install",
        "--disable-pip-version-check",
        "--no-input",
        &format!("torch=={TORCH_VERSION}"),
    ]));
    if let Err(err) = install {
        let _ = std::fs::remove_dir_all(&venv);
        bail!(
            "installing torch=={TORCH_VERSION} from PyPI failed ({err:#}); the partial venv was removed. \
             Check that PyPI is reachable (pip's proxy settings) and that the disk has ~6 GB free, then rerun"
        );
    }
    let torch = probe(&venv).inspect_err(|_| {
        let _ = std::fs::remove_dir_all(&venv);
    })?;
    std::fs::write(
        marker_path(&venv),
        format!("{TORCH_VERSION}\n{}\n", torch.lib_dir.display()),
    )
    .context("cannot write the venv marker")?;
    eprintln!(
        "xtask setup: torch {TORCH_VERSION} ready in {:.0} s (libtorch at {})",
        started.elapsed().as_secs_f64(),
        torch.lib_dir.display()
    );
    Ok(torch)
}

fn read_marker(venv: &Path) -> Option<Torch> {
    let text = std::fs::read_to_string(marker_path(venv)).ok()?;
    let mut lines = text.lines();
    let version = lines.next()?;
    let lib_dir = PathBuf::from(lines.next()?);
    (version == TORCH_VERSION && lib_dir.join("libtorch_cpu.so").exists()).then(|| Torch {
        venv: venv.to_path_buf(),
        lib_dir,
    })
}

fn check_python() -> Result<()> {
    match Command::new("python3").arg("--version").output() {
        Ok(out) if out.status.success() => Ok(()),
        _ => bail!(
            "python3 was not found: it is needed once, to install PyPI's torch=={TORCH_VERSION} (libtorch) \
             into .venv/. Install Python 3.9+ with venv and pip (Debian/Ubuntu: `apt-get install python3 \
             python3-venv`) and rerun"
        ),
    }
}

/// Imports torch in the venv, checks its version and finds its lib folder.
fn probe(venv: &Path) -> Result<Torch> {
    let out = Command::new(venv.join("bin").join("python"))
        .args([
            "-c",
            "import torch, os; print(torch.__version__); print(os.path.join(os.path.dirname(torch.__file__), 'lib'))",
        ])
        .output()
        .context("cannot run the venv's python")?;
    if !out.status.success() {
        bail!(
            "`import torch` failed in the new venv: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    let version = lines.next().unwrap_or_default();
    if version.split('+').next() != Some(TORCH_VERSION) {
        bail!("the venv has torch {version}, expected {TORCH_VERSION}");
    }
    let lib_dir = PathBuf::from(lines.next().unwrap_or_default());
    Ok(Torch {
        venv: venv.to_path_buf(),
        lib_dir,
    })
}

/// Runs a command, echoing it, and fails on a non-zero exit.
pub fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("$ {}", describe(cmd));
    let status = cmd
        .status()
        .with_context(|| format!("cannot start `{}`", describe(cmd)))?;
    if !status.success() {
        bail!("`{}` failed with {status}", describe(cmd));
    }
    Ok(())
}

fn describe(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|s| s.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}
