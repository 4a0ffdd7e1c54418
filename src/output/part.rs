//! Partial results: what one shard of a study writes (`entente run --shard K/N`) and
//! `entente merge` reads.
//!
//! A partial result is one file, `part-K-of-N.entente` (K zero-padded to the width of N − 1),
//! made of:
//!
//! 1. one line of JSON, the [`PartManifest`] (it begins `{"format":"entente-part/1"`, so
//!    `head -n1 FILE` shows it; then `"kind":"part"` and the study's [`StudyId`]);
//! 2. one line of JSON, the shard's [`StudyStats`] in exact form (integers as they are,
//!    floats as IEEE-754 bit patterns);
//! 3. with `--per-run` only: the shard's rows of `runs.csv`, without the header, exactly
//!    `runs_csv_bytes` bytes.
//!
//! The file is written under a temporary name and renamed when complete, so a partial result
//! that exists is whole.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::manifest::{Head, Kind, ManifestError, StudyId};
use crate::engine::Shard;
use crate::stats::StudyStats;

/// The `format` of partial results written by this version.
pub const PART_FORMAT: &str = "entente-part/1";

/// The file name extension of partial results.
pub const PART_EXTENSION: &str = "entente";

/// The beginning every partial result shares, whatever its format version.
pub const PART_MAGIC: &[u8] = b"{\"format\":\"entente-part/";

/// Longest manifest line read before deciding a file is not a partial result.
const MAX_MANIFEST_BYTES: u64 = 64 << 20;

/// The file name of shard `K` of `N`: `part-K-of-N.entente`, K zero-padded to the width of
/// `N − 1` so that names sort in shard order.
pub fn part_file_name(shard: Shard) -> String {
    let width = (shard.count - 1).to_string().len();
    format!(
        "part-{:0width$}-of-{}.{PART_EXTENSION}",
        shard.index, shard.count
    )
}

/// The manifest of a partial result: the study it belongs to and the shard it holds.
///
/// Its study fields are a [`StudyId`], as in `manifest.json`, which it dereferences to
/// (`part.seed`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartManifest {
    /// [`PART_FORMAT`]; always first in the file (the format version is its number after
    /// `/`).
    pub format: String,
    /// [`Kind::Part`] (absent in partial results of entente 0.1.0: read as `part`).
    #[serde(default = "part_kind")]
    pub kind: Kind,
    /// Which study (`runs`: the runs of the whole study).
    #[serde(flatten)]
    pub study: StudyId,
    /// `K`: this shard's number, `0 ≤ K < N`.
    pub shard: u64,
    /// `N`: the number of shards of the study.
    pub shards: u64,
    /// First run of the shard.
    pub first_run: u64,
    /// One past the last run of the shard.
    pub end_run: u64,
    /// `--theory` as given, if it was.
    pub theory_option: Option<String>,
    /// Whether the file holds the shard's rows of `runs.csv` (`--per-run`).
    pub per_run: bool,
    /// Length of those rows in bytes (0 without `--per-run`).
    pub runs_csv_bytes: u64,
    /// Worker threads (does not affect results).
    pub threads: usize,
    /// Start time, RFC 3339 UTC.
    pub started: String,
    /// End time, RFC 3339 UTC.
    pub finished: String,
    /// Wall-clock seconds.
    pub wall_seconds: f64,
    /// The scenario file's text, so that merging needs no access to it.
    pub scenario_source: String,
}

fn part_kind() -> Kind {
    Kind::Part
}

impl std::ops::Deref for PartManifest {
    type Target = StudyId;

    fn deref(&self) -> &StudyId {
        &self.study
    }
}

impl PartManifest {
    /// The shard this part holds, if `shard < shards`.
    pub fn shard(&self) -> Option<Shard> {
        Shard::new(self.shard, self.shards)
    }
}

/// Errors reading a partial result.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PartError {
    /// The file cannot be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: io::Error,
    },
    /// The file is not a partial result.
    #[error(
        "{path}: not a partial result of entente (expected a file written by \
         `entente run --shard K/N`, named part-K-of-N.{PART_EXTENSION})"
    )]
    NotAPart {
        /// The file.
        path: String,
    },
    /// The file's manifest is of another kind than a partial result of a study.
    #[error(transparent)]
    Kind(#[from] ManifestError),
    /// The file is a partial result but damaged or of another format version.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// Write a partial result: manifest line, statistics line, then `rows` (the shard's
/// `runs.csv` rows, whose length must be `manifest.runs_csv_bytes`).
pub fn write_part(
    w: &mut impl Write,
    manifest: &PartManifest,
    stats: &StudyStats,
    rows: Option<&mut dyn Read>,
) -> io::Result<()> {
    serde_json::to_writer(&mut *w, manifest)?;
    w.write_all(b"\n")?;
    serde_json::to_writer(&mut *w, stats)?;
    w.write_all(b"\n")?;
    if let Some(rows) = rows {
        let copied = io::copy(rows, w)?;
        if copied != manifest.runs_csv_bytes {
            return Err(io::Error::other(format!(
                "per-run rows: wrote {copied} bytes, expected {}",
                manifest.runs_csv_bytes
            )));
        }
    }
    Ok(())
}

/// An open partial result, positioned after its manifest.
#[derive(Debug)]
pub struct PartReader {
    path: PathBuf,
    reader: BufReader<File>,
    /// Its manifest.
    pub manifest: PartManifest,
}

impl PartReader {
    /// Open `path` and read its manifest.
    pub fn open(path: &Path) -> Result<Self, PartError> {
        let shown = path.display().to_string();
        let io_err = |source| PartError::Io {
            path: shown.clone(),
            source,
        };
        let file = File::open(path).map_err(io_err)?;
        let mut reader = BufReader::new(file);
        let mut line = Vec::new();
        (&mut reader)
            .take(MAX_MANIFEST_BYTES)
            .read_until(b'\n', &mut line)
            .map_err(io_err)?;
        if !line.starts_with(PART_MAGIC) {
            return Err(PartError::NotAPart { path: shown });
        }
        let invalid = |message: String| PartError::Invalid {
            path: shown.clone(),
            message,
        };
        // The format is checked before the rest, so that a newer format says so.
        #[derive(Deserialize)]
        struct Format {
            format: String,
            kind: Option<serde_json::Value>,
        }
        let format: Format = serde_json::from_slice(&line)
            .map_err(|e| invalid(format!("damaged partial result (manifest: {e})")))?;
        if format.format != PART_FORMAT {
            return Err(invalid(format!(
                "partial result of format {}, this entente reads {PART_FORMAT}; merge it \
                 with the entente that wrote it",
                format.format
            )));
        }
        Head::kind_of(format.kind.as_ref(), &shown, Kind::Part, &[Kind::Part])?;
        let manifest: PartManifest = serde_json::from_slice(&line)
            .map_err(|e| invalid(format!("damaged partial result (manifest: {e})")))?;
        Ok(Self {
            path: path.to_path_buf(),
            reader,
            manifest,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Read the statistics (call once, after [`open`](Self::open)).
    pub fn read_stats(&mut self) -> Result<StudyStats, PartError> {
        let shown = self.path.display().to_string();
        let mut line = Vec::new();
        self.reader
            .read_until(b'\n', &mut line)
            .map_err(|source| PartError::Io {
                path: shown.clone(),
                source,
            })?;
        serde_json::from_slice(&line).map_err(|e| PartError::Invalid {
            path: shown,
            message: format!("damaged partial result (statistics: {e})"),
        })
    }

    /// Copy the per-run rows to `out` (call after [`read_stats`](Self::read_stats)); checks
    /// that exactly `runs_csv_bytes` bytes follow.
    pub fn copy_rows(&mut self, out: &mut impl Write) -> Result<(), PartError> {
        let shown = self.path.display().to_string();
        let expected = self.manifest.runs_csv_bytes;
        let copied = io::copy(&mut (&mut self.reader).take(expected), out).map_err(|source| {
            PartError::Io {
                path: shown.clone(),
                source,
            }
        })?;
        let mut extra = [0u8; 1];
        let more = self
            .reader
            .read(&mut extra)
            .map_err(|source| PartError::Io {
                path: shown.clone(),
                source,
            })?;
        if copied != expected || more != 0 {
            return Err(PartError::Invalid {
                path: shown,
                message: format!(
                    "damaged partial result: per-run rows are not the {expected} bytes its \
                     manifest records"
                ),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_in_shard_order() {
        let name = |k, n| part_file_name(Shard::new(k, n).unwrap());
        assert_eq!(name(0, 1), "part-0-of-1.entente");
        assert_eq!(name(3, 10), "part-3-of-10.entente");
        assert_eq!(name(3, 11), "part-03-of-11.entente");
        assert_eq!(name(17, 1000), "part-017-of-1000.entente");
    }

    fn manifest() -> PartManifest {
        PartManifest {
            format: PART_FORMAT.into(),
            kind: Kind::Part,
            study: StudyId {
                entente_version: "0.1.0".into(),
                model_version: 2,
                scenario: "x".into(),
                scenario_file: "x.toml".into(),
                scenario_path: None,
                scenario_sha256: "00".into(),
                seed: 1,
                runs: 10,
                theory: "walt".into(),
                params: serde_json::Map::new(),
                set: vec![],
            },
            shard: 1,
            shards: 2,
            first_run: 5,
            end_run: 10,
            theory_option: None,
            per_run: true,
            runs_csv_bytes: 6,
            threads: 1,
            started: "2026-01-01T00:00:00Z".into(),
            finished: "2026-01-01T00:00:01Z".into(),
            wall_seconds: 1.0,
            scenario_source: "name = \"x\"\n".into(),
        }
    }

    fn stats() -> StudyStats {
        let s = crate::scenario::load_or_flagship(None).unwrap();
        let study = crate::engine::Study {
            scenario: &s,
            params: s.params.clone(),
            seed: 3,
            runs: 5..10,
            threads: 1,
        };
        crate::engine::run(&study, &|_| {}, None).unwrap()
    }

    #[test]
    fn a_part_round_trips_exactly() {
        let st = stats();
        let mut bytes = Vec::new();
        write_part(&mut bytes, &manifest(), &st, Some(&mut &b"5,a\n6,b\n"[..6])).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.entente");
        std::fs::write(&path, &bytes).unwrap();
        let mut r = PartReader::open(&path).unwrap();
        assert_eq!(r.manifest, manifest());
        assert_eq!(r.read_stats().unwrap(), st);
        let mut rows = Vec::new();
        r.copy_rows(&mut rows).unwrap();
        assert_eq!(rows, b"5,a\n6,");
    }

    #[test]
    fn a_part_without_kind_is_read_as_a_part() {
        // As entente 0.1.0 wrote it: no `kind`, the study's fields in another order.
        let now = serde_json::to_string(&manifest()).unwrap();
        let text = now.replacen("\"kind\":\"part\",", "", 1);
        assert!(text.starts_with("{\"format\":\"entente-part/1\",\"entente_version\""));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.entente");
        std::fs::write(&path, format!("{text}\n")).unwrap();
        assert_eq!(PartReader::open(&path).unwrap().manifest, manifest());
        // This version writes the kind second, after the format.
        assert!(
            now.starts_with("{\"format\":\"entente-part/1\",\"kind\":\"part\","),
            "{now}"
        );
    }

    #[test]
    fn empty_statistics_round_trip() {
        // An empty shard: ranges start at (+inf, -inf), which JSON numbers cannot hold.
        let s = crate::scenario::load_or_flagship(None).unwrap();
        let st = StudyStats::new(s.n(), s.steps, s.events.len(), &s.params);
        let json = serde_json::to_string(&st).unwrap();
        assert_eq!(serde_json::from_str::<StudyStats>(&json).unwrap(), st);
    }

    #[test]
    fn other_files_are_refused_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.csv");
        std::fs::write(&path, "a,b\n").unwrap();
        assert!(matches!(
            PartReader::open(&path),
            Err(PartError::NotAPart { .. })
        ));
        std::fs::write(&path, "{\"format\":\"entente-part/9\",\"x\":1}\n").unwrap();
        let e = PartReader::open(&path).unwrap_err().to_string();
        assert!(e.contains("format entente-part/9"), "{e}");
        // A part of an unknown kind, or of another kind, is named with what was expected.
        for (kind, says) in [
            ("\"landscape-part\"", "unknown kind \"landscape-part\""),
            (
                "\"sweep-part\"",
                "kind \"sweep-part\" (a partial result of `entente sweep",
            ),
        ] {
            std::fs::write(
                &path,
                format!("{{\"format\":\"entente-part/1\",\"kind\":{kind}}}\n"),
            )
            .unwrap();
            let e = PartReader::open(&path).unwrap_err().to_string();
            assert!(e.starts_with(&format!("{}: ", path.display())), "{e}");
            assert!(
                e.contains(says) && e.contains("expected kind \"part\""),
                "{e}"
            );
        }
        // Truncated rows are detected.
        let mut bytes = Vec::new();
        write_part(
            &mut bytes,
            &manifest(),
            &stats(),
            Some(&mut &b"5,a\n6,"[..]),
        )
        .unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        let mut r = PartReader::open(&path).unwrap();
        r.read_stats().unwrap();
        let e = r.copy_rows(&mut Vec::new()).unwrap_err().to_string();
        assert!(e.contains("not the 6 bytes"), "{e}");
    }
}
