//! Partial results: what one shard of a study writes (`entente run --shard K/N`) and
//! `entente merge` reads.
//!
//! A partial result is one file, `part-K-of-N.entente` (K zero-padded to the width of N − 1),
//! made of:
//!
//! 1. one line of JSON, the [`PartManifest`] (it begins `{"format":"entente-part/2"`, so
//!    `head -n1 FILE` shows it; then `"kind":"part"` and the study's [`StudyId`]), whose last
//!    member is the file's digest, `"digest":"sha256:HEX"`;
//! 2. one line of JSON, the shard's [`StudyStats`] in exact form (integers as they are,
//!    floats as IEEE-754 bit patterns);
//! 3. with `--per-run` only: the shard's rows of `runs.csv`, without the header, exactly
//!    `runs_csv_bytes` bytes.
//!
//! The digest is the SHA-256 of the file as it would be without its digest member (the
//! manifest line ending `}` where it ends `,"digest":"sha256:HEX"}`): it covers the manifest
//! (the study's identity, the shard, its runs), the statistics and the rows, and tells a
//! damaged file (a flipped bit, an edited count, a truncation) from a whole one. It is a
//! checksum, not a signature: whoever can write the file can write a matching digest, which
//! is why the reader also checks every invariant of the statistics and rows
//! ([`StudyStats::from_untrusted_json`]).
//!
//! Parts of format `entente-part/1` (entente 0.1, without digest) are refused, naming their
//! format.
//!
//! The file is written under a temporary name and renamed when complete, so a partial result
//! that exists is whole.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::manifest::{Head, Kind, ManifestError, StudyId};
use crate::engine::Shard;
use crate::stats::{ExpectedStats, StudyStats};

/// The `format` of partial results written by this version.
pub const PART_FORMAT: &str = "entente-part/2";

/// The format of partial results of entente 0.1, which had no digest (refused).
const PART_FORMAT_1: &str = "entente-part/1";

/// How the digest member, always the last of the manifest line, begins.
const DIGEST_MEMBER: &[u8] = b",\"digest\":\"sha256:";

/// The digest as written: 64 lowercase hexadecimal digits.
const DIGEST_HEX: usize = 64;

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

/// Write a partial result: manifest line (ending with the file's digest), statistics line,
/// then `rows` (the shard's `runs.csv` rows, whose length must be
/// `manifest.runs_csv_bytes`), which are read twice: once for the digest, once to copy
/// them.
pub fn write_part<R: Read + Seek>(
    w: &mut impl Write,
    manifest: &PartManifest,
    stats: &StudyStats,
    rows: Option<&mut R>,
) -> io::Result<()> {
    let m = serde_json::to_vec(manifest)?;
    let st = serde_json::to_vec(stats)?;
    let mut hasher = Sha256::new();
    hasher.update(&m);
    hasher.update(b"\n");
    hasher.update(&st);
    hasher.update(b"\n");
    let mut rows = rows;
    if let Some(rows) = &mut rows {
        let start = rows.stream_position()?;
        let mut hashed = 0u64;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let k = rows.read(&mut buf)?;
            if k == 0 {
                break;
            }
            hasher.update(&buf[..k]);
            hashed += k as u64;
        }
        if hashed != manifest.runs_csv_bytes {
            return Err(io::Error::other(format!(
                "per-run rows: {hashed} bytes, expected {}",
                manifest.runs_csv_bytes
            )));
        }
        rows.seek(io::SeekFrom::Start(start))?;
    }
    let digest = hex(&hasher.finalize());
    // The manifest's JSON ends with `}`: the digest goes in before it, as its last member.
    let (body, close) = m.split_at(m.len() - 1);
    debug_assert_eq!(close, b"}");
    w.write_all(body)?;
    w.write_all(DIGEST_MEMBER)?;
    w.write_all(digest.as_bytes())?;
    w.write_all(b"\"}\n")?;
    w.write_all(&st)?;
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

/// Lowercase hexadecimal, two digits a byte (how digests are written).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A reader that hashes every byte it hands on (read or consumed).
struct Hashed {
    inner: BufReader<Box<dyn Read + Send>>,
    hasher: Sha256,
}

impl std::fmt::Debug for Hashed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hashed").finish_non_exhaustive()
    }
}

impl Read for Hashed {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let buf = self.inner.fill_buf()?;
        let k = buf.len().min(out.len());
        out[..k].copy_from_slice(&buf[..k]);
        self.consume(k);
        Ok(k)
    }
}

impl BufRead for Hashed {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        let buffered = self.inner.buffer();
        self.hasher.update(&buffered[..amt.min(buffered.len())]);
        self.inner.consume(amt);
    }
}

/// An open partial result, positioned after its manifest; what is read from it is hashed,
/// and [`verify`](Self::verify) or [`finish`](Self::finish) compare the hash with its digest.
#[derive(Debug)]
pub struct PartReader {
    path: PathBuf,
    reader: Hashed,
    digest: String,
    /// Its manifest.
    pub manifest: PartManifest,
}

impl PartReader {
    /// Open `path` and read its manifest and digest (not yet checked: see
    /// [`verify`](Self::verify)).
    pub fn open(path: &Path) -> Result<Self, PartError> {
        let file = File::open(path).map_err(|source| PartError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_reader(path, Box::new(file))
    }

    /// Read a partial result from `source` as [`open`](Self::open) reads a file; `path`
    /// names it in messages (for tests and fuzzing, which need no file).
    pub fn from_reader(path: &Path, source: Box<dyn Read + Send>) -> Result<Self, PartError> {
        let shown = path.display().to_string();
        let io_err = |source| PartError::Io {
            path: shown.clone(),
            source,
        };
        let mut reader = BufReader::new(source);
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
        if format.format == PART_FORMAT_1 {
            return Err(invalid(format!(
                "partial result of format {PART_FORMAT_1} (entente 0.1), which has no digest \
                 to check it by; this entente reads {PART_FORMAT}: rerun the shard with this \
                 entente, or merge it with the entente that wrote it"
            )));
        }
        if format.format != PART_FORMAT {
            return Err(invalid(format!(
                "partial result of format {}, this entente reads {PART_FORMAT}; merge it \
                 with the entente that wrote it",
                format.format
            )));
        }
        Head::kind_of(format.kind.as_ref(), &shown, Kind::Part, &[Kind::Part])?;
        // `{…,"digest":"sha256:HEX"}\n`: the manifest is `{…}`, the digest HEX.
        let Some(body) = line.strip_suffix(b"\"}\n") else {
            return Err(invalid(
                "damaged partial result: its first line is cut short or does not end with its \
                 digest"
                    .into(),
            ));
        };
        let Some(at) = body.len().checked_sub(DIGEST_MEMBER.len() + DIGEST_HEX) else {
            return Err(invalid("damaged partial result: no digest".into()));
        };
        let (manifest_body, member) = body.split_at(at);
        let (key, digest) = member.split_at(DIGEST_MEMBER.len());
        if key != DIGEST_MEMBER
            || !digest
                .iter()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(invalid(
                "damaged partial result: its first line does not end with its digest \
                 (\"digest\":\"sha256:…\")"
                    .into(),
            ));
        }
        let digest = String::from_utf8_lossy(digest).into_owned();
        let mut json = manifest_body.to_vec();
        json.push(b'}');
        let manifest: PartManifest = serde_json::from_slice(&json)
            .map_err(|e| invalid(format!("damaged partial result (manifest: {e})")))?;
        let mut hasher = Sha256::new();
        hasher.update(&json);
        hasher.update(b"\n");
        Ok(Self {
            path: path.to_path_buf(),
            reader: Hashed {
                inner: reader,
                hasher,
            },
            digest,
            manifest,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The digest its manifest line records (64 hexadecimal digits).
    pub fn digest(&self) -> &str {
        &self.digest
    }

    fn invalid(&self, message: String) -> PartError {
        PartError::Invalid {
            path: self.path.display().to_string(),
            message,
        }
    }

    fn io_err(&self, source: io::Error) -> PartError {
        PartError::Io {
            path: self.path.display().to_string(),
            source,
        }
    }

    /// Read the rest of the file and check its digest (call right after
    /// [`open`](Self::open); reads without keeping anything).
    pub fn verify(mut self) -> Result<PartManifest, PartError> {
        self.read_to_digest()?;
        Ok(self.manifest)
    }

    /// Read what is left of the file and compare the digest of everything read with the one
    /// the manifest records; the bytes that were left.
    fn read_to_digest(&mut self) -> Result<u64, PartError> {
        let left = io::copy(&mut self.reader, &mut io::sink()).map_err(|e| self.io_err(e))?;
        let hash = hex(&self.reader.hasher.clone().finalize());
        if hash != self.digest {
            return Err(
                self.invalid("digest mismatch: the file was changed after it was written".into())
            );
        }
        Ok(left)
    }

    /// Read what is left of the file and compare the digest of everything read with the one
    /// the manifest records; then check that nothing followed what was read before.
    pub fn finish(&mut self) -> Result<(), PartError> {
        let left = self.read_to_digest()?;
        if left != 0 {
            return Err(self.invalid(format!(
                "damaged partial result: {left} bytes after what its manifest records"
            )));
        }
        Ok(())
    }

    /// Read the statistics (call once, after [`open`](Self::open)), checked against the
    /// study: their shape, runs and every invariant (see
    /// [`StudyStats::from_untrusted_json`]); at most as many bytes as such statistics take
    /// are read.
    pub fn read_stats(&mut self, expected: &ExpectedStats<'_>) -> Result<StudyStats, PartError> {
        let bound = StudyStats::json_bytes_bound(expected.template, expected.runs);
        let mut line = Vec::new();
        (&mut self.reader)
            .take(bound)
            .read_until(b'\n', &mut line)
            .map_err(|e| self.io_err(e))?;
        if line.pop() != Some(b'\n') {
            return Err(self.invalid(if line.len() as u64 >= bound {
                format!(
                    "damaged partial result: its statistics are longer than the {bound} bytes \
                     those of this study can take"
                )
            } else {
                "damaged partial result: its statistics are cut short".into()
            }));
        }
        StudyStats::from_untrusted_json(&line, expected)
            .map_err(|e| self.invalid(format!("damaged partial result: {e}")))
    }

    /// Copy the per-run rows to `out` (call after [`read_stats`](Self::read_stats)); checks
    /// that exactly `runs_csv_bytes` bytes follow, and that they are one row per run of the
    /// shard, in order (each row begins with its run index). Then [`finish`](Self::finish).
    pub fn copy_rows(&mut self, out: &mut impl Write) -> Result<(), PartError> {
        let expected = self.manifest.runs_csv_bytes;
        let (first, end) = (self.manifest.first_run, self.manifest.end_run);
        let mut check = RowCheck::new(first, end);
        let shown = self.path.display().to_string();
        let io_err = |source| PartError::Io {
            path: shown.clone(),
            source,
        };
        let mut left = expected;
        while left > 0 {
            let buf = self.reader.fill_buf().map_err(io_err)?;
            if buf.is_empty() {
                break;
            }
            let k = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            let chunk = &buf[..k];
            let row_error = check.feed(chunk).err();
            out.write_all(chunk).map_err(io_err)?;
            self.reader.consume(k);
            left -= k as u64;
            if let Some(e) = row_error {
                return Err(self.invalid(format!("damaged partial result: {e}")));
            }
        }
        if left != 0 {
            return Err(self.invalid(format!(
                "damaged partial result: per-run rows are not the {expected} bytes its \
                 manifest records"
            )));
        }
        let ended = check.end();
        self.finish()?;
        ended.map_err(|e| self.invalid(format!("damaged partial result: {e}")))
    }
}

/// The check of per-run rows as they stream past: each row begins with its run index, the
/// indices are `first..end` in order, and the last row ends.
struct RowCheck {
    next: u64,
    first: u64,
    end: u64,
    /// At the beginning of a row.
    at_start: bool,
    /// Inside the run index: its value so far and its digits.
    index: Option<(u64, u32)>,
    /// Inside a quoted CSV field.
    quoted: bool,
}

impl RowCheck {
    fn new(first: u64, end: u64) -> Self {
        Self {
            next: first,
            first,
            end,
            at_start: true,
            index: None,
            quoted: false,
        }
    }

    fn feed(&mut self, bytes: &[u8]) -> Result<(), String> {
        let row = |next: u64, first: u64| next - first + 1;
        for &b in bytes {
            if self.at_start {
                self.at_start = false;
                self.index = Some((0, 0));
            }
            if let Some((value, digits)) = self.index {
                match b {
                    b'0'..=b'9' => {
                        let v = value
                            .checked_mul(10)
                            .and_then(|v| v.checked_add(u64::from(b - b'0')))
                            .ok_or_else(|| {
                                format!(
                                    "per-run row {}: run index too large",
                                    row(self.next, self.first)
                                )
                            })?;
                        self.index = Some((v, digits + 1));
                    }
                    b',' if digits > 0 => {
                        if self.next >= self.end || value != self.next {
                            return Err(format!(
                                "per-run row {} holds run {value}, expected run {} (the shard \
                                 holds runs {}..{})",
                                row(self.next, self.first),
                                if self.next >= self.end {
                                    "none".to_string()
                                } else {
                                    self.next.to_string()
                                },
                                self.first,
                                self.end
                            ));
                        }
                        self.next += 1;
                        self.index = None;
                    }
                    _ => {
                        return Err(format!(
                            "per-run row {} does not begin with its run index",
                            row(self.next, self.first)
                        ));
                    }
                }
                continue;
            }
            match b {
                b'"' => self.quoted = !self.quoted,
                b'\n' if !self.quoted => self.at_start = true,
                _ => {}
            }
        }
        Ok(())
    }

    fn end(&self) -> Result<(), String> {
        if !self.at_start {
            return Err("the last per-run row is cut short".into());
        }
        if self.next != self.end {
            return Err(format!(
                "per-run rows for runs {}..{}, the shard holds runs {}..{}",
                self.first, self.next, self.first, self.end
            ));
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

    const ROWS: &[u8] = b"5,a\n6,\"b\nc\"\n7,a\n8,a\n9,a\n";

    fn template() -> (crate::scenario::Scenario, StudyStats, Vec<String>) {
        let s = crate::scenario::load_or_flagship(None).unwrap();
        let t = StudyStats::new(s.n(), s.steps, s.events.len(), &s.params);
        let ids = s.states.iter().map(|x| x.id.clone()).collect();
        (s, t, ids)
    }

    /// A whole part of `manifest()` in `dir`, and its bytes.
    fn part_file(dir: &Path) -> (PathBuf, Vec<u8>) {
        let mut m = manifest();
        m.runs_csv_bytes = ROWS.len() as u64;
        let mut bytes = Vec::new();
        write_part(&mut bytes, &m, &stats(), Some(&mut io::Cursor::new(ROWS))).unwrap();
        let path = dir.join("p.entente");
        std::fs::write(&path, &bytes).unwrap();
        (path, bytes)
    }

    #[test]
    fn a_part_round_trips_exactly() {
        let st = stats();
        let dir = tempfile::tempdir().unwrap();
        let (path, _) = part_file(dir.path());
        let mut m = manifest();
        m.runs_csv_bytes = ROWS.len() as u64;
        assert_eq!(PartReader::open(&path).unwrap().verify().unwrap(), m);
        let mut r = PartReader::open(&path).unwrap();
        assert_eq!(r.manifest, m);
        let (_, t, ids) = template();
        let expected = ExpectedStats {
            template: &t,
            runs: 5,
            state_ids: &ids,
        };
        assert_eq!(r.read_stats(&expected).unwrap(), st);
        let mut rows = Vec::new();
        r.copy_rows(&mut rows).unwrap();
        assert_eq!(rows, ROWS);
    }

    #[test]
    fn the_digest_is_the_hash_of_the_file_without_it() {
        let dir = tempfile::tempdir().unwrap();
        let (path, bytes) = part_file(dir.path());
        let text = String::from_utf8(bytes).unwrap();
        let (first, rest) = text.split_once('\n').unwrap();
        assert!(first.starts_with("{\"format\":\"entente-part/2\",\"kind\":\"part\","));
        let at = first.rfind(",\"digest\":\"sha256:").unwrap();
        let digest = &first[at + 18..first.len() - 2];
        assert_eq!(digest.len(), 64);
        let without = format!("{}}}\n{rest}", &first[..at]);
        assert_eq!(hex(&Sha256::digest(without.as_bytes())), digest);
        assert_eq!(PartReader::open(&path).unwrap().digest(), digest);
    }

    #[test]
    fn a_changed_byte_is_a_digest_mismatch() {
        let dir = tempfile::tempdir().unwrap();
        let (path, bytes) = part_file(dir.path());
        let first_line = bytes.iter().position(|&b| b == b'\n').unwrap();
        // In the statistics and in the rows.
        for at in [first_line + 10, bytes.len() - 3] {
            let mut b = bytes.clone();
            b[at] ^= 0x04;
            std::fs::write(&path, &b).unwrap();
            let e = PartReader::open(&path).unwrap().verify().unwrap_err();
            assert_eq!(
                e.to_string(),
                format!(
                    "{}: digest mismatch: the file was changed after it was written",
                    path.display()
                )
            );
        }
        // Bytes added at the end, or cut off.
        let mut b = bytes.clone();
        b.extend_from_slice(b"10,a\n");
        std::fs::write(&path, &b).unwrap();
        let e = PartReader::open(&path).unwrap().verify().unwrap_err();
        assert!(e.to_string().contains("digest mismatch"), "{e}");
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        let e = PartReader::open(&path).unwrap().verify().unwrap_err();
        assert!(e.to_string().contains("digest mismatch"), "{e}");
        // The digest itself damaged.
        let mut b = bytes.clone();
        b[first_line - 3] = b'X';
        std::fs::write(&path, &b).unwrap();
        let e = PartReader::open(&path).unwrap_err();
        assert!(
            e.to_string().contains("does not end with its digest"),
            "{e}"
        );
    }

    #[test]
    fn rows_must_be_the_shards_runs_in_order() {
        let check = |rows: &[u8]| {
            let mut c = RowCheck::new(5, 8);
            // Fed in pieces, as they stream past.
            for piece in rows.chunks(3) {
                c.feed(piece)?;
            }
            c.end()
        };
        assert_eq!(check(b"5,a\n6,\"x\ny\"\n7,\n"), Ok(()));
        let e = check(b"5,a\n7,a\n8,a\n").unwrap_err();
        assert!(e.contains("row 2 holds run 7, expected run 6"), "{e}");
        let e = check(b"5,a\n6,a\n").unwrap_err();
        assert!(
            e.contains("rows for runs 5..7, the shard holds runs 5..8"),
            "{e}"
        );
        let e = check(b"5,a\n6,a\n7,a\n8,a\n").unwrap_err();
        assert!(e.contains("holds run 8, expected run none"), "{e}");
        let e = check(b"5,a\n6,a\n7,a").unwrap_err();
        assert!(e.contains("cut short"), "{e}");
        let e = check(b"5,a\nx6,a\n").unwrap_err();
        assert!(e.contains("row 2 does not begin with its run index"), "{e}");
        let e = check(b"99999999999999999999999,a\n").unwrap_err();
        assert!(e.contains("too large"), "{e}");
    }

    #[test]
    fn parts_of_format_1_are_refused_naming_it() {
        // As entente 0.1 wrote them: with or without `kind`, no digest.
        let now = serde_json::to_string(&manifest()).unwrap();
        let v1 = now.replacen(PART_FORMAT, PART_FORMAT_1, 1);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.entente");
        for text in [v1.clone(), v1.replacen("\"kind\":\"part\",", "", 1)] {
            std::fs::write(&path, format!("{text}\n{{}}\n")).unwrap();
            let e = PartReader::open(&path).unwrap_err().to_string();
            assert!(
                e.contains("format entente-part/1 (entente 0.1), which has no digest")
                    && e.contains("this entente reads entente-part/2"),
                "{e}"
            );
        }
        // The format's number is the kind's.
        assert_eq!(PART_FORMAT, format!("entente-part/{}", Kind::Part.format()));
        // This version writes the kind second, after the format.
        assert!(
            now.starts_with("{\"format\":\"entente-part/2\",\"kind\":\"part\","),
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
                format!("{{\"format\":\"entente-part/2\",\"kind\":{kind}}}\n"),
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
        let (path, bytes) = part_file(dir.path());
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        let mut r = PartReader::open(&path).unwrap();
        let (_, t, ids) = template();
        r.read_stats(&ExpectedStats {
            template: &t,
            runs: 5,
            state_ids: &ids,
        })
        .unwrap();
        let e = r.copy_rows(&mut Vec::new()).unwrap_err().to_string();
        assert!(e.contains(&format!("not the {} bytes", ROWS.len())), "{e}");
    }
}
