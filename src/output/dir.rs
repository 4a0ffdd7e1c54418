//! The results folder: checked and locked before work, files committed all together at the
//! end, `manifest.json` last, and the previous study's files that the new one does not
//! replace removed.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// The lock file of a results folder: an exclusive advisory lock on it ([`File::try_lock`])
/// is held by the command writing there. The lock dies with the process (the file may stay;
/// it is empty and harmless).
pub const LOCK_FILE: &str = ".entente.lock";

/// The manifest, renamed into place last: its presence marks a complete study.
const MANIFEST: &str = "manifest.json";

/// How many names a temporary file tries before giving up (the first is `…-<pid>`, then
/// `…-<pid>-1`, …).
const TEMP_TRIES: u32 = 8;

/// The most of a previous `manifest.json` read to find its files (manifests are a few KiB).
const MANIFEST_LIMIT: u64 = 1 << 20;

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
    /// Another process holds the folder's lock.
    #[error(
        "{path}: another entente command is writing its results here (lock {LOCK_FILE} held); wait for it or give another --out"
    )]
    Busy {
        /// The folder.
        path: String,
    },
    /// The lock file's name is taken by something that is not a regular file.
    #[error(
        "{path}: expected entente's lock file (an empty regular file), found a link or a special file; remove it"
    )]
    NotALockFile {
        /// The lock file.
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
    /// Every name tried for a temporary file exists.
    #[error(
        "{path}: cannot create a temporary file: this name and {others} others with other suffixes exist; remove the leftover files"
    )]
    TempNameTaken {
        /// The first name tried.
        path: String,
        /// How many more names were tried.
        others: u32,
    },
    /// Renaming a finished file into place failed.
    #[error(
        "{path}: cannot put the finished file in place: {source} (the folder has no manifest.json until a study is committed whole)"
    )]
    Commit {
        /// The file's final name.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Removing a file of the previous study failed (after the new study was committed).
    #[error(
        "{path}: cannot remove this file of the previous study (the new results are in place and manifest.json lists them): {source}"
    )]
    Remove {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// What a [`commit`](OutputDir::commit) did.
#[derive(Debug, Default)]
pub struct Committed {
    /// The files renamed into place, `manifest.json` last when written.
    pub files: Vec<PathBuf>,
    /// The previous study's files (listed in its `manifest.json`) that the new study did not
    /// write, removed.
    pub removed: Vec<PathBuf>,
}

/// The folder's lock.
#[derive(Debug)]
enum Lock {
    /// Not taken: a shared folder ([`OutputDir::prepare_shared`]), or not yet.
    None,
    /// Held until this file is closed.
    Held {
        /// Open only for its lock.
        _file: File,
    },
    /// The file system has no advisory locks: the command goes on without.
    Unsupported,
}

/// A results folder being written.
#[derive(Debug)]
pub struct OutputDir {
    path: PathBuf,
    /// The folders this command created, the results folder first, then its missing parents
    /// up the path: removed again, when empty, if the command fails.
    created: Vec<PathBuf>,
    /// Written by several commands at once, each file under its own name: no lock taken, and
    /// nothing of a previous study removed.
    shared: bool,
    /// (temporary path, final path) of files written so far.
    pending: Vec<(PathBuf, PathBuf)>,
    /// Scratch files, removed when done (committed or not).
    scratch: Vec<PathBuf>,
    committed: bool,
    /// Dropped last (fields drop in order), so held until the folder is cleaned up.
    lock: Lock,
}

impl OutputDir {
    /// Check that `path` is (or can be made) a writable folder, and take its lock for the
    /// life of the returned value: one command writes a folder at a time. Creates the folder
    /// if missing; if the study later fails, a folder created here is removed again when
    /// empty. Fails at once, with [`OutputError::Busy`], if another process holds the lock.
    pub fn prepare(path: &Path) -> Result<Self, OutputError> {
        Self::open(path, false)
    }

    /// A folder that several commands write at once, each its own files (the partial results
    /// of shards): checked like [`prepare`](Self::prepare), but no lock is taken, and
    /// [`commit`](Self::commit) removes nothing.
    pub fn prepare_shared(path: &Path) -> Result<Self, OutputError> {
        Self::open(path, true)
    }

    fn open(path: &Path, shared: bool) -> Result<Self, OutputError> {
        let shown = path.display().to_string();
        if path.exists() && !path.is_dir() {
            return Err(OutputError::NotADirectory { path: shown });
        }
        let mut created = Vec::new();
        let mut missing = Some(path);
        while let Some(p) = missing.filter(|p| !p.as_os_str().is_empty() && !p.exists()) {
            created.push(p.to_path_buf());
            missing = p.parent();
        }
        fs::create_dir_all(path).map_err(|source| OutputError::Unwritable {
            path: shown.clone(),
            source,
        })?;
        // Built before the checks below, so that dropping it on failure removes a folder
        // created here.
        let mut me = Self {
            path: path.to_path_buf(),
            created,
            shared,
            pending: Vec::new(),
            scratch: Vec::new(),
            committed: false,
            lock: Lock::None,
        };
        if !shared {
            me.lock = lock(path)?;
        }
        let (mut f, probe) = create_new(path, ".entente-probe", false).map_err(|e| match e {
            TempError::Io(_, source) => OutputError::Unwritable {
                path: shown.clone(),
                source,
            },
            TempError::Taken(p) => taken(&p),
        })?;
        let written = f.write_all(b"probe");
        drop(f);
        let _ = fs::remove_file(&probe);
        written.map_err(|source| OutputError::Unwritable {
            path: shown,
            source,
        })?;
        Ok(me)
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Open `name` for writing under a temporary name; it appears under `name` at [`commit`](Self::commit).
    pub fn create(&mut self, name: &str) -> Result<BufWriter<File>, OutputError> {
        let final_path = self.path.join(name);
        let (f, tmp) = create_new(&self.path, &format!(".{name}.tmp"), false).map_err(write_err)?;
        self.pending.push((tmp, final_path));
        Ok(BufWriter::new(f))
    }

    /// A scratch file `name` (opened for reading and writing) that never appears in the
    /// results: it is removed when this folder is committed or dropped.
    pub fn scratch(&mut self, name: &str) -> Result<(File, PathBuf), OutputError> {
        let (f, path) =
            create_new(&self.path, &format!(".{name}.scratch"), true).map_err(write_err)?;
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

    /// Rename every file into place, `manifest.json` last: its presence marks a complete
    /// study. When this commit writes a `manifest.json` (and the folder is not shared), the
    /// previous one is removed first, so that a commit cut short leaves no manifest beside
    /// the new files; and once the new manifest is in place, the files the previous manifest
    /// listed (`files`) that this commit did not write are removed. No other file is touched.
    pub fn commit(mut self) -> Result<Committed, OutputError> {
        self.commit_and_hold()
    }

    /// [`commit`](Self::commit), keeping the folder and its lock for more files (a report of
    /// the results just committed, written before another study can commit there); a later
    /// commit puts them in place, and removes nothing. Dropped without that commit, the
    /// files written since are removed.
    pub fn commit_and_hold(&mut self) -> Result<Committed, OutputError> {
        for f in std::mem::take(&mut self.scratch) {
            let _ = fs::remove_file(f);
        }
        let mut pending = std::mem::take(&mut self.pending);
        if let Some(i) = pending
            .iter()
            .position(|(_, fin)| fin.file_name().is_some_and(|n| n == MANIFEST))
        {
            let manifest = pending.remove(i);
            pending.push(manifest);
        }
        let new_study = !self.shared
            && pending
                .last()
                .is_some_and(|(_, fin)| fin.file_name().is_some_and(|n| n == MANIFEST));
        let previous = if new_study {
            let mut listed = previous_files(&self.path);
            // A report entente drew from the previous results is stale with them.
            if is_entente_report(&self.path.join(REPORT)) {
                listed.push(REPORT.to_string());
            }
            let manifest = self.path.join(MANIFEST);
            if let Err(source) = fs::remove_file(&manifest)
                && source.kind() != std::io::ErrorKind::NotFound
            {
                self.pending = pending;
                return Err(OutputError::Commit {
                    path: manifest.display().to_string(),
                    source,
                });
            }
            listed
        } else {
            Vec::new()
        };
        let mut done = Vec::new();
        let mut left = pending.into_iter();
        while let Some((tmp, fin)) = left.next() {
            if let Err(source) = fs::rename(&tmp, &fin) {
                // Dropping `self` removes the temporary files not renamed.
                self.pending = std::iter::once((tmp, fin.clone())).chain(left).collect();
                return Err(OutputError::Commit {
                    path: fin.display().to_string(),
                    source,
                });
            }
            done.push(fin);
        }
        self.committed = true;
        let mut removed = Vec::new();
        let mut failed = None;
        for name in previous {
            let p = self.path.join(&name);
            if done.contains(&p) {
                continue;
            }
            // A folder of that name is not a file of the study: kept.
            let Ok(meta) = fs::symlink_metadata(&p) else {
                continue;
            };
            if meta.is_dir() {
                continue;
            }
            match fs::remove_file(&p) {
                Ok(()) => removed.push(p),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => {
                    failed.get_or_insert(OutputError::Remove {
                        path: p.display().to_string(),
                        source,
                    });
                }
            }
        }
        match failed {
            Some(e) => Err(e),
            None => Ok(Committed {
                files: done,
                removed,
            }),
        }
    }
}

impl Drop for OutputDir {
    /// On failure (not committed): remove temporary files, and the folder if created here
    /// and now empty, so that no half-written output is left behind. The lock is released
    /// last, when its file closes.
    fn drop(&mut self) {
        for f in &self.scratch {
            let _ = fs::remove_file(f);
        }
        // Files written after the last commit (none once committed whole).
        for (tmp, _) in &self.pending {
            let _ = fs::remove_file(tmp);
        }
        if self.committed {
            return;
        }
        if !self.created.is_empty() {
            // Only a lock file this command took (never one another process holds).
            if !matches!(self.lock, Lock::None) {
                let _ = fs::remove_file(self.path.join(LOCK_FILE));
            }
            // The results folder, then the parents created for it, each only when empty.
            for dir in &self.created {
                if fs::remove_dir(dir).is_err() {
                    break;
                }
            }
        }
    }
}

/// Open (or create) the lock file of the folder `dir` and take its exclusive lock without
/// waiting. The lock file is created with `create_new`, or, when it exists, opened for
/// reading only after checking that it is a regular file: a planted link or special file is
/// refused, and nothing is written through it.
fn lock(dir: &Path) -> Result<Lock, OutputError> {
    let path = dir.join(LOCK_FILE);
    let unwritable = |source| OutputError::Unwritable {
        path: dir.display().to_string(),
        source,
    };
    let file = match OpenOptions::new().write(true).create_new(true).open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let meta = fs::symlink_metadata(&path).map_err(unwritable)?;
            if !meta.is_file() {
                return Err(OutputError::NotALockFile {
                    path: path.display().to_string(),
                });
            }
            File::open(&path).map_err(unwritable)?
        }
        Err(e) => return Err(unwritable(e)),
    };
    match file.try_lock() {
        Ok(()) => Ok(Lock::Held { _file: file }),
        Err(std::fs::TryLockError::WouldBlock) => Err(OutputError::Busy {
            path: dir.display().to_string(),
        }),
        // A file system without advisory locks (some network file systems): no lock to
        // take, as before locks existed.
        Err(std::fs::TryLockError::Error(_)) => Ok(Lock::Unsupported),
    }
}

/// Why a new file could not be created.
enum TempError {
    /// Every name tried exists (the first is given).
    Taken(PathBuf),
    /// Another I/O error, on this path.
    Io(PathBuf, std::io::Error),
}

/// Create a new file `<stem>-<pid>` in `dir` (then `<stem>-<pid>-1`, … if the name exists)
/// with `create_new`, which never follows a link planted at the name.
fn create_new(dir: &Path, stem: &str, read: bool) -> Result<(File, PathBuf), TempError> {
    let pid = std::process::id();
    let first = dir.join(format!("{stem}-{pid}"));
    for k in 0..TEMP_TRIES {
        let path = if k == 0 {
            first.clone()
        } else {
            dir.join(format!("{stem}-{pid}-{k}"))
        };
        match OpenOptions::new()
            .read(read)
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(f) => return Ok((f, path)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(TempError::Io(path, e)),
        }
    }
    Err(TempError::Taken(first))
}

fn taken(first: &Path) -> OutputError {
    OutputError::TempNameTaken {
        path: first.display().to_string(),
        others: TEMP_TRIES - 1,
    }
}

fn write_err(e: TempError) -> OutputError {
    match e {
        TempError::Io(path, source) => OutputError::Write {
            path: path.display().to_string(),
            source,
        },
        TempError::Taken(p) => taken(&p),
    }
}

/// The report's default name in a results folder (`entente report`, `run --report`).
pub const REPORT: &str = "report.html";

/// Whether `path` is a report entente wrote: a regular file whose head names entente as its
/// generator (a user's own `report.html` is never removed).
fn is_entente_report(path: &Path) -> bool {
    let Ok(meta) = fs::symlink_metadata(path) else {
        return false;
    };
    if !meta.is_file() {
        return false;
    }
    let mut head = Vec::new();
    if File::open(path)
        .and_then(|f| f.take(1024).read_to_end(&mut head))
        .is_err()
    {
        return false;
    }
    head.windows(GENERATOR.len()).any(|w| w == GENERATOR)
}

/// How a report entente writes names its generator in its head.
const GENERATOR: &[u8] = b"<meta name=\"generator\" content=\"entente ";

/// The files that the folder's `manifest.json` lists under `files`: plain names of files in
/// the folder, never `manifest.json` itself, a hidden name or a path that leads elsewhere.
/// None when there is no manifest, or it cannot be read or has no such list.
fn previous_files(dir: &Path) -> Vec<String> {
    let mut text = Vec::new();
    let read =
        File::open(dir.join(MANIFEST)).and_then(|f| f.take(MANIFEST_LIMIT).read_to_end(&mut text));
    if read.is_err() {
        return Vec::new();
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(&text) else {
        return Vec::new();
    };
    let Some(files) = value.get("files").and_then(|f| f.as_array()) else {
        return Vec::new();
    };
    files
        .iter()
        .filter_map(|f| f.as_str())
        .filter(|name| plain_name(name) && *name != MANIFEST)
        .map(String::from)
        .collect()
}

/// A name of a visible file directly in the folder: one normal path component, not hidden.
fn plain_name(name: &str) -> bool {
    let mut parts = Path::new(name).components();
    matches!(
        (parts.next(), parts.next()),
        (Some(std::path::Component::Normal(_)), None)
    ) && !name.starts_with('.')
        && !name.contains(['/', '\\'])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names in `dir`, sorted.
    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    /// Commit `files` (name, text) into `dir`; what the commit did.
    fn commit_files(dir: &Path, files: &[(&str, &str)]) -> Committed {
        let mut out = OutputDir::prepare(dir).unwrap();
        for (name, text) in files {
            out.write(name, |w| w.write_all(text.as_bytes())).unwrap();
        }
        out.commit().unwrap()
    }

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
            "a folder created for a failed study is removed, lock file included"
        );
        let mut out = OutputDir::prepare(&dir).unwrap();
        out.write("a.csv", |w| w.write_all(b"x\n")).unwrap();
        out.commit().unwrap();
        assert_eq!(fs::read_to_string(dir.join("a.csv")).unwrap(), "x\n");
        assert_eq!(
            names(&dir),
            [LOCK_FILE, "a.csv"],
            "no temporary files remain; the empty lock file stays"
        );
        assert_eq!(fs::read(dir.join(LOCK_FILE)).unwrap(), b"");
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
        assert_eq!(names(root.path()), [LOCK_FILE, "a.csv"]);
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

    /// Two opens of the lock file are two open file descriptions, whose `flock` locks
    /// conflict even in one process: a second `OutputDir` of the folder stands for another
    /// process.
    #[test]
    fn a_second_writer_is_refused_while_the_first_holds_the_lock() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        fs::create_dir(&dir).unwrap();
        let first = OutputDir::prepare(&dir).unwrap();
        let e = OutputDir::prepare(&dir).unwrap_err();
        assert!(matches!(e, OutputError::Busy { .. }), "{e:?}");
        let text = e.to_string();
        for part in [
            dir.display().to_string().as_str(),
            "another entente command is writing its results here",
            LOCK_FILE,
            "--out",
        ] {
            assert!(text.contains(part), "{text}");
        }
        assert!(dir.is_dir(), "the refused writer removes nothing");
        // Shards write their own files into a shared folder: no lock, so no refusal.
        let mut shard = OutputDir::prepare_shared(&dir).unwrap();
        shard.write("part-0.csv", |w| w.write_all(b"p")).unwrap();
        shard.commit().unwrap();
        drop(first);
        // The lock died with its holder, although the lock file stays.
        assert!(dir.join(LOCK_FILE).is_file());
        let again = OutputDir::prepare(&dir).unwrap();
        assert!(matches!(
            OutputDir::prepare(&dir),
            Err(OutputError::Busy { .. })
        ));
        drop(again);
    }

    #[test]
    fn the_manifest_is_renamed_last_and_a_failed_rename_names_its_file() {
        let root = tempfile::tempdir().unwrap();
        // Written first, committed last.
        let done = commit_files(
            root.path(),
            &[
                (
                    MANIFEST,
                    r#"{"files": ["a.csv", "b.csv", "manifest.json"]}"#,
                ),
                ("a.csv", "a1"),
                ("b.csv", "b1"),
            ],
        );
        let order: Vec<_> = done
            .files
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(order, ["a.csv", "b.csv", MANIFEST]);

        // b.csv cannot be replaced (a non-empty folder stands in its way): the commit stops
        // there, naming it, before the new manifest; the old one is gone, so the folder is
        // not taken for a complete study.
        fs::remove_file(root.path().join("b.csv")).unwrap();
        fs::create_dir(root.path().join("b.csv")).unwrap();
        fs::write(root.path().join("b.csv").join("x"), "x").unwrap();
        let mut out = OutputDir::prepare(root.path()).unwrap();
        out.write(MANIFEST, |w| w.write_all(b"{}")).unwrap();
        out.write("a.csv", |w| w.write_all(b"a2")).unwrap();
        out.write("b.csv", |w| w.write_all(b"b2")).unwrap();
        let e = out.commit().unwrap_err();
        assert!(matches!(e, OutputError::Commit { .. }), "{e:?}");
        assert!(
            e.to_string()
                .starts_with(&root.path().join("b.csv").display().to_string()),
            "{e}"
        );
        assert!(!root.path().join(MANIFEST).exists());
        assert_eq!(names(root.path()), [LOCK_FILE, "a.csv", "b.csv"]);
    }

    #[test]
    fn the_previous_studys_unreplaced_files_are_removed_and_others_kept() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        fs::create_dir(&dir).unwrap();
        fs::write(root.path().join("outside.csv"), "keep").unwrap();
        fs::create_dir(dir.join("parts")).unwrap();
        fs::write(dir.join("parts").join("part-0.entente"), "keep").unwrap();
        fs::write(dir.join("notes.txt"), "keep").unwrap();
        fs::write(dir.join(".hidden"), "keep").unwrap();
        let listed = r#"{"files": ["a.csv", "runs.csv", "report.html", "gone.csv",
            "parts", "../outside.csv", ".hidden", "/etc/passwd", 7, "manifest.json"]}"#;
        let first = commit_files(
            &dir,
            &[
                ("a.csv", "a1"),
                ("runs.csv", "r1"),
                ("report.html", "h1"),
                (MANIFEST, listed),
            ],
        );
        assert!(first.removed.is_empty());

        // A commit without a manifest (a report, scripts) replaces no study.
        let report = commit_files(&dir, &[("report.html", "h2")]);
        assert!(report.removed.is_empty());
        assert!(dir.join("runs.csv").exists());
        // Nor does a shared folder's commit.
        let mut shared = OutputDir::prepare_shared(&dir).unwrap();
        shared
            .write(MANIFEST, |w| w.write_all(listed.as_bytes()))
            .unwrap();
        assert!(shared.commit().unwrap().removed.is_empty());

        let second = commit_files(
            &dir,
            &[
                ("a.csv", "a2"),
                (MANIFEST, r#"{"files": ["a.csv", "manifest.json"]}"#),
            ],
        );
        assert_eq!(
            second.removed,
            [dir.join("runs.csv"), dir.join("report.html")],
            "the listed files the new study did not write"
        );
        assert_eq!(
            names(&dir),
            [
                ".entente.lock",
                ".hidden",
                "a.csv",
                MANIFEST,
                "notes.txt",
                "parts"
            ]
        );
        assert_eq!(fs::read_to_string(dir.join("a.csv")).unwrap(), "a2");
        assert_eq!(
            fs::read_to_string(dir.join("parts").join("part-0.entente")).unwrap(),
            "keep"
        );
        assert_eq!(
            fs::read_to_string(root.path().join("outside.csv")).unwrap(),
            "keep"
        );

        // A manifest that is not JSON, or lists no files, removes nothing.
        for previous in ["not json", r#"{"files": "a.csv"}"#, r#"{"kind": "run"}"#] {
            fs::write(dir.join("a.csv"), "a").unwrap();
            fs::write(dir.join(MANIFEST), previous).unwrap();
            let c = commit_files(&dir, &[(MANIFEST, "{}")]);
            assert!(c.removed.is_empty(), "{previous}");
            assert!(dir.join("a.csv").exists(), "{previous}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_link_planted_at_a_temporary_name_is_not_followed() {
        use std::os::unix::fs::symlink;
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        fs::create_dir(&dir).unwrap();
        let victim = root.path().join("victim");
        fs::write(&victim, "precious").unwrap();
        let pid = std::process::id();
        let planted = [
            format!(".entente-probe-{pid}"),
            format!(".a.csv.tmp-{pid}"),
            format!(".rows.scratch-{pid}"),
        ];
        for name in &planted {
            symlink(&victim, dir.join(name)).unwrap();
        }
        let mut out = OutputDir::prepare(&dir).unwrap();
        let (mut f, scratch) = out.scratch("rows").unwrap();
        assert_ne!(scratch, dir.join(&planted[2]));
        f.write_all(b"rows").unwrap();
        out.write("a.csv", |w| w.write_all(b"new")).unwrap();
        out.commit().unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
        assert_eq!(fs::read_to_string(dir.join("a.csv")).unwrap(), "new");
        for name in &planted {
            let p = dir.join(name);
            assert!(fs::symlink_metadata(&p).unwrap().is_symlink(), "{name}");
            assert_eq!(fs::read_link(&p).unwrap(), victim, "{name}");
        }

        // A link at the lock file's name is refused, not opened.
        let other = root.path().join("other");
        fs::create_dir(&other).unwrap();
        symlink(&victim, other.join(LOCK_FILE)).unwrap();
        let e = OutputDir::prepare(&other).unwrap_err();
        assert!(matches!(e, OutputError::NotALockFile { .. }), "{e:?}");
        assert!(e.to_string().contains(LOCK_FILE), "{e}");
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
    }

    #[test]
    fn a_temporary_name_taken_under_every_suffix_is_a_clear_error() {
        let root = tempfile::tempdir().unwrap();
        let pid = std::process::id();
        fs::write(root.path().join(format!(".a.csv.tmp-{pid}")), "x").unwrap();
        for k in 1..TEMP_TRIES {
            fs::write(root.path().join(format!(".a.csv.tmp-{pid}-{k}")), "x").unwrap();
        }
        let mut out = OutputDir::prepare(root.path()).unwrap();
        let e = out.write("a.csv", |w| w.write_all(b"x")).unwrap_err();
        assert!(matches!(e, OutputError::TempNameTaken { .. }), "{e:?}");
        assert!(e.to_string().contains(&format!(".a.csv.tmp-{pid}")), "{e}");
        // One more name free: it is used.
        fs::remove_file(root.path().join(format!(".a.csv.tmp-{pid}-3"))).unwrap();
        out.write("a.csv", |w| w.write_all(b"y")).unwrap();
        out.commit().unwrap();
        assert_eq!(fs::read_to_string(root.path().join("a.csv")).unwrap(), "y");
    }
}
