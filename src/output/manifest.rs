//! `manifest.json`: what produced a results folder, and the study identity it shares with the
//! header of a partial result.
//!
//! Every manifest says what wrote it (`kind`: [`Kind`]) and in which version of that kind's
//! format (`format`): a reader dispatches on the two ([`Head`]) and refuses a kind it does not
//! know, or a format newer than it reads, naming the file. Manifests written before these
//! keys existed are read as kind `run`, format 1 (or the kind their file implies).

use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::params::PARAMS;
use crate::scenario::Scenario;

/// What wrote a manifest (its `kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// The results of `entente run` (or of `entente merge` of its shards).
    Run,
    /// A partial result: one shard of a study (`entente run --shard`).
    Part,
    /// The results of `entente sweep` (or of `entente merge` of its shards).
    Sweep,
    /// One shard of a sweep (`entente sweep --shard`).
    SweepPart,
    /// The results of `entente backtest`.
    Backtest,
    /// The results of `entente score`.
    Score,
    /// The results of `entente calibrate`.
    Calibration,
    /// The results of `entente landscape`.
    Landscape,
    /// The results of `entente compare`.
    Compare,
}

impl Kind {
    /// Every kind, in the order messages list them.
    pub const ALL: [Kind; 9] = [
        Kind::Run,
        Kind::Part,
        Kind::Sweep,
        Kind::SweepPart,
        Kind::Backtest,
        Kind::Score,
        Kind::Calibration,
        Kind::Landscape,
        Kind::Compare,
    ];

    /// The `kind` value in a manifest.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Run => "run",
            Kind::Part => "part",
            Kind::Sweep => "sweep",
            Kind::SweepPart => "sweep-part",
            Kind::Backtest => "backtest",
            Kind::Score => "score",
            Kind::Calibration => "calibration",
            Kind::Landscape => "landscape",
            Kind::Compare => "compare",
        }
    }

    /// The kind named `name`, if this entente knows it.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The newest version of this kind's format: the one this entente writes, and the newest
    /// it reads.
    pub fn format(self) -> u32 {
        match self {
            // `entente-part/2`: parts carry a digest (format 1, entente 0.1, is refused).
            Kind::Part => 2,
            // Format 2: sweep parts carry a digest (format 1 is refused).
            Kind::SweepPart => 2,
            Kind::Run
            | Kind::Sweep
            | Kind::Backtest
            | Kind::Score
            | Kind::Calibration
            | Kind::Landscape
            | Kind::Compare => 1,
        }
    }

    /// What a manifest of this kind describes, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Run => "the results of `entente run`",
            Kind::Part => "a partial result of `entente run --shard`",
            Kind::Sweep => "the results of `entente sweep`",
            Kind::SweepPart => "a partial result of `entente sweep --shard`",
            Kind::Backtest => "the results of `entente backtest`",
            Kind::Score => "the results of `entente score`",
            Kind::Calibration => "the results of `entente calibrate`",
            Kind::Landscape => "the results of `entente landscape`",
            Kind::Compare => "the results of `entente compare`",
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// `"a", "b" or "c"`: kinds as a message lists them.
fn kind_list(kinds: &[Kind]) -> String {
    let names: Vec<String> = kinds.iter().map(|k| format!("\"{k}\"")).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// Why a manifest cannot be read by this entente, or not by this command.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestError {
    /// The manifest's `kind` is not one this entente knows.
    #[error(
        "{path}: unknown kind {found}, expected kind {expected}; a newer entente may have \
         written it: read it with that version"
    )]
    UnknownKind {
        /// The file.
        path: String,
        /// The `kind` found, as JSON.
        found: String,
        /// The kinds the reader takes, as listed in the message.
        expected: String,
    },
    /// A known kind, but not one this command reads.
    #[error("{path}: kind \"{found}\" ({}), expected kind {expected}", found.describe())]
    WrongKind {
        /// The file.
        path: String,
        /// The `kind` found.
        found: Kind,
        /// The kinds the reader takes, as listed in the message.
        expected: String,
    },
    /// The manifest's `format` is newer than this entente reads.
    #[error(
        "{path}: format {found} of kind \"{kind}\", this entente reads format {known} at most; \
         a newer entente wrote it: read it with that version"
    )]
    NewerFormat {
        /// The file.
        path: String,
        /// The manifest's kind.
        kind: Kind,
        /// The `format` found.
        found: u64,
        /// The newest format this entente reads.
        known: u32,
    },
    /// The manifest's `format` is not a format version.
    #[error("{path}: format: found {found}, expected a whole number from 1")]
    BadFormat {
        /// The file.
        path: String,
        /// The `format` found, as JSON.
        found: String,
    },
}

/// The kind and format version a manifest declares, checked: what a reader dispatches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// `kind` (`legacy` when the manifest has none).
    pub kind: Kind,
    /// `format` (1 when the manifest has none).
    pub format: u32,
}

impl Head {
    /// The head of a manifest read as a JSON object from `path`. `legacy` is the kind of a
    /// manifest without `kind` (written before manifests had one); `expected` the kinds the
    /// reader takes. An unknown kind, a kind not expected and a format newer than
    /// [`Kind::format`] are errors naming `path`.
    pub fn of_object(
        manifest: &serde_json::Map<String, serde_json::Value>,
        path: &str,
        legacy: Kind,
        expected: &[Kind],
    ) -> Result<Head, ManifestError> {
        let kind = Self::kind_of(manifest.get("kind"), path, legacy, expected)?;
        let format = match manifest.get("format") {
            None => 1,
            Some(v) => match v.as_u64() {
                Some(f) if f >= 1 => f,
                _ => {
                    return Err(ManifestError::BadFormat {
                        path: path.into(),
                        found: v.to_string(),
                    });
                }
            },
        };
        if format > u64::from(kind.format()) {
            return Err(ManifestError::NewerFormat {
                path: path.into(),
                kind,
                found: format,
                known: kind.format(),
            });
        }
        Ok(Head {
            kind,
            format: format as u32,
        })
    }

    /// The kind alone, from a manifest's `kind` value (for a header whose `format` is not a
    /// version number, as a partial result's `entente-part/2`), checked as in
    /// [`Head::of_object`].
    pub fn kind_of(
        kind: Option<&serde_json::Value>,
        path: &str,
        legacy: Kind,
        expected: &[Kind],
    ) -> Result<Kind, ManifestError> {
        let kind = match kind {
            None => legacy,
            Some(v) => {
                v.as_str()
                    .and_then(Kind::parse)
                    .ok_or_else(|| ManifestError::UnknownKind {
                        path: path.into(),
                        found: v.to_string(),
                        expected: kind_list(expected),
                    })?
            }
        };
        if !expected.contains(&kind) {
            return Err(ManifestError::WrongKind {
                path: path.into(),
                found: kind,
                expected: kind_list(expected),
            });
        }
        Ok(kind)
    }

    /// The head of `dir/manifest.json`, read as in [`Head::of_object`] with legacy kind
    /// `run`; `None` when the file is missing, unreadable or not a JSON object (the caller
    /// then reports what it reports for such a folder).
    pub fn of_folder(dir: &Path, expected: &[Kind]) -> Result<Option<Head>, ManifestError> {
        let path = dir.join("manifest.json");
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Ok(None);
        };
        let Ok(serde_json::Value::Object(m)) = serde_json::from_str(&text) else {
            return Ok(None);
        };
        Self::of_object(&m, &path.display().to_string(), Kind::Run, expected).map(Some)
    }
}

/// The model version of manifests written before it was recorded.
fn model_v1() -> u32 {
    1
}

/// Which study a results folder or a partial result holds: everything that decides its
/// numbers, shared by [`Manifest`] and [`super::PartManifest`]. Two studies with equal
/// identities (the same entente version) give the same bytes in every CSV file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudyId {
    /// entente's version.
    pub entente_version: String,
    /// The model version (`params::MODEL_VERSION`; 1 in manifests written before it was
    /// recorded).
    #[serde(default = "model_v1")]
    pub model_version: u32,
    /// Scenario name.
    pub scenario: String,
    /// Where the scenario came from (a path as given, or the built-in flagship).
    pub scenario_file: String,
    /// The scenario file's absolute path when the study ran (absent for the built-in
    /// flagship): `entente report` finds the file from any folder. Not part of the identity
    /// proper: it depends on where the files are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario_path: Option<String>,
    /// SHA-256 of the resolved scenario (after `--theory` and `--set`).
    pub scenario_sha256: String,
    /// Master seed.
    pub seed: u64,
    /// Number of runs of the whole study (runs `0..runs`).
    pub runs: u64,
    /// Theory preset (resolved).
    pub theory: String,
    /// Every model parameter's value, keyed by name (JSON keys sorted by name).
    pub params: serde_json::Map<String, serde_json::Value>,
    /// `--set` assignments, in command-line order.
    pub set: Vec<String>,
}

impl StudyId {
    /// The identity of a study of the resolved scenario `s` (`scenario_file` and
    /// `scenario_path` as [`crate::study::scenario_file_shown`] and
    /// [`crate::study::scenario_path_absolute`] give them) by this entente.
    pub fn new(
        s: &Scenario,
        scenario_file: String,
        scenario_path: Option<String>,
        seed: u64,
        runs: u64,
        set: Vec<String>,
    ) -> Self {
        Self {
            entente_version: env!("CARGO_PKG_VERSION").into(),
            model_version: crate::params::MODEL_VERSION,
            scenario: s.name.clone(),
            scenario_file,
            scenario_path,
            scenario_sha256: scenario_sha256(s),
            seed,
            runs,
            theory: s.theory.name().into(),
            params: Manifest::params_of(s),
            set,
        }
    }
}

fn run_kind() -> Kind {
    Kind::Run
}

fn first_format() -> u32 {
    1
}

/// The manifest of a study. Everything except `started`, `finished`, `wall_seconds`,
/// `threads` and `scenario_path` (where the
/// scenario file was on the machine that ran the study) is a function of the inputs, so two
/// runs of the same study differ only there.
///
/// A study merged from shards (`entente merge`) has the same manifest as a single run, plus
/// `shards` (the number of shards, absent for a single run); its `threads` is the sum over
/// the shards, `started` the earliest shard start, `finished` the latest shard end and
/// `wall_seconds` the sum of the shards' wall-clock seconds (the compute time).
///
/// The study's fields are those of its [`StudyId`], which the manifest dereferences to
/// (`manifest.seed`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// [`Kind::Run`] (absent in manifests of entente 0.1.0: read as `run`).
    #[serde(default = "run_kind")]
    pub kind: Kind,
    /// The format version, [`Kind::format`] (absent in manifests of entente 0.1.0: read as 1).
    #[serde(default = "first_format")]
    pub format: u32,
    /// Which study.
    #[serde(flatten)]
    pub study: StudyId,
    /// Files written.
    pub files: Vec<String>,
    /// Number of shards merged (`entente merge`); absent for a single run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shards: Option<u64>,
    /// Worker threads (does not affect results).
    pub threads: usize,
    /// Start time, RFC 3339 UTC.
    pub started: String,
    /// End time, RFC 3339 UTC.
    pub finished: String,
    /// Wall-clock seconds.
    pub wall_seconds: f64,
}

impl std::ops::Deref for Manifest {
    type Target = StudyId;

    fn deref(&self) -> &StudyId {
        &self.study
    }
}

impl Manifest {
    /// A numeric parameter's value as recorded, or `default` when absent.
    pub fn param(&self, name: &str, default: f64) -> f64 {
        self.params
            .get(name)
            .and_then(serde_json::Value::as_f64)
            .unwrap_or(default)
    }

    /// The parameter block of a scenario's resolved parameters.
    pub fn params_of(s: &Scenario) -> serde_json::Map<String, serde_json::Value> {
        let mut m = serde_json::Map::new();
        for spec in PARAMS {
            let v = s.params.get(spec.name).unwrap_or(f64::NAN);
            m.insert(spec.name.to_string(), serde_json::json!(v));
        }
        m.insert(
            "threat_form".into(),
            serde_json::json!(s.params.threat_form.name()),
        );
        m
    }
}

/// SHA-256 (hex) of the resolved scenario in entente's canonical form (its `Debug`
/// rendering: every value, default and parameter after overrides, floats in shortest
/// round-trip form). Equal hashes mean the same study inputs for this entente version.
pub fn scenario_sha256(s: &Scenario) -> String {
    let digest = Sha256::digest(format!("{s:?}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A manifest as entente 0.1.0 wrote it: no `kind`, no `format`.
    const OLD: &str = r#"{
  "entente_version": "0.1.0",
  "scenario": "far-strongest-near-weaker",
  "scenario_file": "scenarios/tutorial/far-strongest-near-weaker.toml",
  "scenario_sha256": "8329b4b912e93eaeb631bed281af7ec4eeaf852b3a8d96134b7a792d166a1241",
  "seed": 42,
  "runs": 200,
  "theory": "walt",
  "params": { "eta": 0.2, "threat_form": "product" },
  "set": [],
  "files": ["summary.csv", "timeseries.csv", "states.csv", "camps.csv", "manifest.json"],
  "threads": 2,
  "started": "2026-01-01T00:00:00Z",
  "finished": "2026-01-01T00:00:01Z",
  "wall_seconds": 1
}"#;

    fn object(text: &str) -> serde_json::Map<String, serde_json::Value> {
        match serde_json::from_str(text).unwrap() {
            serde_json::Value::Object(m) => m,
            _ => panic!("not an object"),
        }
    }

    const READABLE: [Kind; 4] = [Kind::Run, Kind::Sweep, Kind::Backtest, Kind::Score];

    #[test]
    fn an_old_manifest_is_a_run_of_format_1() {
        let m: Manifest = serde_json::from_str(OLD).unwrap();
        assert_eq!((m.kind, m.format), (Kind::Run, 1));
        assert_eq!((m.seed, m.runs, m.shards), (42, 200, None));
        assert_eq!(m.scenario_path, None);
        assert_eq!(m.wall_seconds, 1.0);
        assert_eq!(m.param("eta", 0.0), 0.2);
        let head = Head::of_object(&object(OLD), "m.json", Kind::Run, &READABLE).unwrap();
        assert_eq!(
            head,
            Head {
                kind: Kind::Run,
                format: 1
            }
        );
    }

    #[test]
    fn a_manifest_round_trips_with_kind_and_format_first() {
        let old: Manifest = serde_json::from_str(OLD).unwrap();
        let m = Manifest {
            kind: Kind::Run,
            format: Kind::Run.format(),
            shards: Some(3),
            ..old.clone()
        };
        let text = serde_json::to_string_pretty(&m).unwrap();
        assert!(
            text.starts_with("{\n  \"kind\": \"run\",\n  \"format\": 1,\n  \"entente_version\""),
            "{text}"
        );
        let back: Manifest = serde_json::from_str(&text).unwrap();
        assert_eq!(back.study, m.study);
        assert_eq!(back.wall_seconds, m.wall_seconds);
        assert_eq!(back.shards, Some(3));
    }

    #[test]
    fn unknown_kinds_and_newer_formats_are_refused_naming_the_file() {
        let head =
            |text: &str| Head::of_object(&object(text), "x/manifest.json", Kind::Run, &READABLE);
        let e = head(r#"{"kind": "constellation"}"#)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("x/manifest.json: unknown kind \"constellation\""),
            "{e}"
        );
        assert!(
            e.contains("expected kind \"run\", \"sweep\", \"backtest\" or \"score\""),
            "{e}"
        );
        let e = head(r#"{"kind": 3}"#).unwrap_err().to_string();
        assert!(e.contains("unknown kind 3"), "{e}");
        let e = head(r#"{"kind": "sweep", "format": 2}"#)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("x/manifest.json: format 2 of kind \"sweep\""),
            "{e}"
        );
        let e = head(r#"{"format": "2"}"#).unwrap_err().to_string();
        assert!(
            e.contains("format: found \"2\", expected a whole number"),
            "{e}"
        );
        let e = head(r#"{"kind": "part"}"#).unwrap_err().to_string();
        assert!(
            e.contains("kind \"part\" (a partial result of `entente run --shard`)"),
            "{e}"
        );
        assert_eq!(
            head(r#"{"kind": "backtest", "format": 1}"#).unwrap(),
            Head {
                kind: Kind::Backtest,
                format: 1
            }
        );
    }

    #[test]
    fn kinds_have_one_name_each() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.name()), Some(k));
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{k}\""));
            assert!(k.format() >= 1);
        }
        assert_eq!(
            kind_list(&[Kind::Part, Kind::SweepPart]),
            "\"part\" or \"sweep-part\""
        );
    }
}
