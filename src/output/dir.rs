//! The results folder: checked before work, files committed all together at the end.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Errors about the results folder.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutputError {
    /// The folder cannot be created or written.
    #[error("{path}: cannot write results here: {source}")]
    Unwritable {
        /// The folder.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The path exists and is not a folder.
    #[error("{path}: exists and is not a folder; give --out a folder path")]
    NotADirectory {
        /// The path.
        path: String,
    },
    /// Writing a file failed.
    #[error("{path}: cannot write: {source}")]
    Write {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// A results folder being written.
#[derive(Debug)]
pub struct OutputDir {
    path: PathBuf,
    created: bool,
    /// (temporary path, final path) of files written so far.
    pending: Vec<(PathBuf, PathBuf)>,
    /// Scratch files, removed when done (committed or not).
    scratch: Vec<PathBuf>,
    committed: bool,
}

impl OutputDir {
    /// Check that `path` is (or can be made) a writable folder. Creates it if missing; if the
    /// study later fails, a folder created here is removed again when empty.
    pub fn prepare(path: &Path) -> Result<Self, OutputError> {
        let shown = path.display().to_string();
        if path.exists() && !path.is_dir() {
            return Err(OutputError::NotADirectory { path: shown });
        }
        let created = !path.exists();
        fs::create_dir_all(path).map_err(|source| OutputError::Unwritable {
            path: shown.clone(),
            source,
        })?;
        let me = Self {
            path: path.to_path_buf(),
            created,
            pending: Vec::new(),
            scratch: Vec::new(),
            committed: false,
        };
        let probe = path.join(format!(".entente-probe-{}", std::process::id()));
        File::create(&probe)
            .and_then(|mut f| f.write_all(b"probe"))
            .map_err(|source| OutputError::Unwritable {
                path: shown.clone(),
                source,
            })?;
        let _ = fs::remove_file(&probe);
        Ok(me)
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Open `name` for writing under a temporary name; it appears under `name` at [`commit`](Self::commit).
    pub fn create(&mut self, name: &str) -> Result<BufWriter<File>, OutputError> {
        let final_path = self.path.join(name);
        let tmp = self
            .path
            .join(format!(".{name}.tmp-{}", std::process::id()));
        let f = File::create(&tmp).map_err(|source| OutputError::Write {
            path: tmp.display().to_string(),
            source,
        })?;
        self.pending.push((tmp, final_path));
        Ok(BufWriter::new(f))
    }

    /// A scratch file `name` (opened for reading and writing) that never appears in the
    /// results: it is removed when this folder is committed or dropped.
    pub fn scratch(&mut self, name: &str) -> Result<(File, PathBuf), OutputError> {
        let path = self
            .path
            .join(format!(".{name}.scratch-{}", std::process::id()));
        let f = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .map_err(|source| OutputError::Write {
                path: path.display().to_string(),
                source,
            })?;
        self.scratch.push(path.clone());
        Ok((f, path))
    }

    /// Write a whole file with `fill`.
    pub fn write(
        &mut self,
        name: &str,
        fill: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
    ) -> Result<(), OutputError> {
        let mut w = self.create(name)?;
        let path = self.path.join(name).display().to_string();
        fill(&mut w)
            .and_then(|()| w.flush())
            .map_err(|source| OutputError::Write {
                path: path.clone(),
                source,
            })?;
        w.into_inner()
            .map_err(|e| e.into_error())
            .and_then(|f| f.sync_all())
            .map_err(|source| OutputError::Write { path, source })
    }

    /// Rename every file into place.
    pub fn commit(mut self) -> Result<Vec<PathBuf>, OutputError> {
        for f in std::mem::take(&mut self.scratch) {
            let _ = fs::remove_file(f);
        }
        let mut done = Vec::new();
        for (tmp, fin) in std::mem::take(&mut self.pending) {
            fs::rename(&tmp, &fin).map_err(|source| OutputError::Write {
                path: fin.display().to_string(),
                source,
            })?;
            done.push(fin);
        }
        self.committed = true;
        Ok(done)
    }
}

impl Drop for OutputDir {
    /// On failure (not committed): remove temporary files, and the folder if created here
    /// and now empty, so that no half-written output is left behind.
    fn drop(&mut self) {
        for f in &self.scratch {
            let _ = fs::remove_file(f);
        }
        if self.committed {
            return;
        }
        for (tmp, _) in &self.pending {
            let _ = fs::remove_file(tmp);
        }
        if self.created {
            let _ = fs::remove_dir(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_appear_only_on_commit_and_failures_leave_nothing() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("new");
        {
            let mut out = OutputDir::prepare(&dir).unwrap();
            out.write("a.csv", |w| w.write_all(b"x\n")).unwrap();
            assert!(!dir.join("a.csv").exists());
            // dropped without commit
        }
        assert!(
            !dir.exists(),
            "a folder created for a failed study is removed"
        );
        let mut out = OutputDir::prepare(&dir).unwrap();
        out.write("a.csv", |w| w.write_all(b"x\n")).unwrap();
        out.commit().unwrap();
        assert_eq!(fs::read_to_string(dir.join("a.csv")).unwrap(), "x\n");
        assert_eq!(
            fs::read_dir(&dir).unwrap().count(),
            1,
            "no temporary files remain"
        );
    }

    #[test]
    fn scratch_files_never_remain() {
        let root = tempfile::tempdir().unwrap();
        let mut out = OutputDir::prepare(root.path()).unwrap();
        let (mut f, path) = out.scratch("rows").unwrap();
        f.write_all(b"x").unwrap();
        out.write("a.csv", |w| w.write_all(b"x\n")).unwrap();
        assert!(path.exists());
        out.commit().unwrap();
        let names: Vec<_> = fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["a.csv"]);
    }

    #[test]
    fn a_file_in_the_way_is_a_clear_error() {
        let root = tempfile::tempdir().unwrap();
        let f = root.path().join("file");
        fs::write(&f, "x").unwrap();
        assert!(matches!(
            OutputDir::prepare(&f),
            Err(OutputError::NotADirectory { .. })
        ));
    }
}
