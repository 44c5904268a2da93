//! Run directories under `results/<figure>/<run-id>/` and atomic, never-overwriting file writes.

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

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The run id (the folder's name).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Writes `name` inside the run directory atomically; see [`write_new_file`].
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<PathBuf> {
        let path = self.path.join(name);
        write_new_file(&path, bytes)?;
        Ok(path)
    }
}

/// Writes a new file atomically: to a temporary name beside it, then a rename. Fails when the
/// file already exists, so earlier results are never overwritten.
pub fn write_new_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if path.exists() {
        return Err(Error::WouldOverwrite(path.to_path_buf()));
    }
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{file_name}.partial"));
    let io = |source| Error::Io {
        path: tmp.clone(),
        source,
    };
    let mut file = std::fs::File::create(&tmp).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    drop(file);
    place_new_file(&tmp, path)
}

/// Moves a finished temporary file to `path`, failing (and removing `tmp`) when `path` exists.
///
/// hard_link + remove refuses to replace a file that appeared meanwhile (rename would not).
pub fn place_new_file(tmp: &Path, path: &Path) -> Result<()> {
    std::fs::hard_link(tmp, path).map_err(|source| {
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
}
