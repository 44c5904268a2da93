//! Run directories under `results/<figure>/<run-id>/`, and the workspace's one atomic file writer
//! (never overwriting results; replacing a regenerated document only when asked).

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// A freshly created, empty run directory.
#[derive(Debug, Clone)]
pub struct RunDir {
    path: PathBuf,
    id: String,
}

impl RunDir {
    /// Creates `root/<figure>/<figure>__<profile>__<stamp>[_k]/`, taking the first free name.
    ///
    /// `create_dir` (not `create_dir_all`) on the last component makes the claim atomic: two runs
    /// started in the same second get different folders.
    pub fn create(root: &Path, figure: &str, profile: &str, stamp: &str) -> Result<Self> {
        let parent = root.join(figure);
        std::fs::create_dir_all(&parent).map_err(|source| Error::Io {
            path: parent.clone(),
            source,
        })?;
        for k in 0..1000 {
            let id = if k == 0 {
                format!("{figure}__{profile}__{stamp}")
            } else {
                format!("{figure}__{profile}__{stamp}_{k}")
            };
            let path = parent.join(&id);
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok(Self { path, id }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(source) => return Err(Error::Io { path, source }),
            }
        }
        Err(Error::WouldOverwrite(
            parent.join(format!("{figure}__{profile}__{stamp}")),
        ))
    }

    /// An existing run directory (to resume or finish it).
    ///
    /// # Errors
    /// [`Error::Record`] when `path` is not a folder with a plan (`plan.json`).
    pub fn open(path: &Path) -> Result<Self> {
        let plan = path.join(crate::plan::PLAN_FILE);
        if !plan.is_file() {
            return Err(Error::Record {
                path: plan,
                message: "not found: give the folder of a run that `nh reproduce` planned \
                          (results/<figure>/<run-id>)"
                    .into(),
            });
        }
        let id = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Self {
            path: path.to_path_buf(),
            id,
        })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The run id (the folder's name).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Writes the new file `name` inside the run directory atomically; see [`write_file`].
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<PathBuf> {
        let path = self.path.join(name);
        write_file(&path, bytes, Existing::Refuse)?;
        Ok(path)
    }
}

/// Creates the results folder `root` (and its missing parents) when it is not there, and checks
/// that it is a folder that takes new entries (by creating and removing a probe folder in it),
/// so that a run fails before any work rather than after training.
///
/// # Errors
/// [`Error::Io`] naming `root` (or the part of it that is a file, or read-only).
pub fn prepare_results_dir(root: &Path) -> Result<()> {
    let io = |source| Error::Io {
        path: root.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(root).map_err(io)?;
    let probe = root.join(format!(".nh-write-check-{}", std::process::id()));
    std::fs::create_dir(&probe).map_err(io)?;
    std::fs::remove_dir(&probe).map_err(io)
}

/// Whether a write may replace a file that is already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Fail with [`Error::WouldOverwrite`]: results are never overwritten.
    Refuse,
    /// Replace it (a document regenerated on purpose, e.g. docs/PERFORMANCE.md).
    Replace,
}

/// Writes `bytes` to `path` atomically: to a temporary name beside it, synced, then moved into
/// place, so that readers never see a half-written file.
///
/// # Errors
/// [`Error::WouldOverwrite`] when `path` exists and `existing` is [`Existing::Refuse`];
/// [`Error::Io`] naming the file that could not be written.
pub fn write_file(path: &Path, bytes: &[u8], existing: Existing) -> Result<()> {
    if existing == Existing::Refuse && path.exists() {
        return Err(Error::WouldOverwrite(path.to_path_buf()));
    }
    let tmp = partial_name(path);
    let io = |source| Error::Io {
        path: tmp.clone(),
        source,
    };
    let mut file = std::fs::File::create(&tmp).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    drop(file);
    place_file(&tmp, path, existing)
}

/// The temporary name a file is written under before it is moved into place: `.<name>.partial`
/// beside it.
pub fn partial_name(path: &Path) -> PathBuf {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{file_name}.partial"))
}

/// Moves a finished temporary file to `path`; `tmp` is gone afterwards, whatever happens.
///
/// With [`Existing::Refuse`], hard_link + remove refuses to replace a file that appeared
/// meanwhile (rename would not).
pub fn place_file(tmp: &Path, path: &Path, existing: Existing) -> Result<()> {
    let placed = match existing {
        Existing::Refuse => std::fs::hard_link(tmp, path),
        Existing::Replace => std::fs::rename(tmp, path),
    };
    placed.map_err(|source| {
        let _ = std::fs::remove_file(tmp);
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            Error::WouldOverwrite(path.to_path_buf())
        } else {
            Error::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    })?;
    if existing == Existing::Replace {
        return Ok(());
    }
    std::fs::remove_file(tmp).map_err(|source| Error::Io {
        path: tmp.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_dirs_never_collide_and_files_never_overwrite() {
        let root = tempfile::tempdir().unwrap();
        let a = RunDir::create(root.path(), "fig5", "smoke", "t0").unwrap();
        let b = RunDir::create(root.path(), "fig5", "smoke", "t0").unwrap();
        assert_ne!(a.path(), b.path());
        assert_eq!(b.id(), "fig5__smoke__t0_1");
        let p = a.write("x.csv", b"1\n").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"1\n");
        let err = a.write("x.csv", b"2\n").unwrap_err();
        assert!(matches!(err, Error::WouldOverwrite(_)), "{err}");
        assert_eq!(std::fs::read(&p).unwrap(), b"1\n");
        let leftovers: Vec<_> = std::fs::read_dir(a.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(leftovers, vec!["x.csv".to_owned()]);
    }

    #[test]
    fn a_results_folder_is_created_or_refused_before_any_work() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a/b");
        prepare_results_dir(&nested).unwrap();
        assert!(nested.is_dir());
        assert_eq!(
            std::fs::read_dir(&nested).unwrap().count(),
            0,
            "probe removed"
        );
        let file = dir.path().join("file");
        std::fs::write(&file, b"x").unwrap();
        for bad in [file.clone(), file.join("below")] {
            let err = prepare_results_dir(&bad).unwrap_err();
            assert!(
                matches!(&err, Error::Io { path, .. } if *path == bad),
                "{err}"
            );
        }
        assert_eq!(std::fs::read(&file).unwrap(), b"x");
    }

    #[test]
    fn documents_are_replaced_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("PERFORMANCE.md");
        write_file(&path, b"old", Existing::Replace).unwrap();
        write_file(&path, b"new", Existing::Replace).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [std::ffi::OsString::from("PERFORMANCE.md")]);
        let missing = dir.path().join("missing/x.md");
        let err = write_file(&missing, b"x", Existing::Replace).unwrap_err();
        assert!(err.to_string().contains("missing"), "{err}");
    }
}
