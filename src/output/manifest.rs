//! `manifest.json`: what produced a results folder.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::params::PARAMS;
use crate::scenario::Scenario;

/// The manifest of a study. Everything except `started`, `finished`, `wall_seconds`,
/// `threads` and `scenario_path` (where the scenario file was on the machine that ran the
/// study) is a function of the inputs, so two runs of the same study differ only there.
///
/// A study merged from shards (`entente merge`) has the same manifest as a single run, plus
/// `shards` (the number of shards, absent for a single run); its `threads` is the sum over
/// the shards, `started` the earliest shard start, `finished` the latest shard end and
/// `wall_seconds` the sum of the shards' wall-clock seconds (the compute time).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// entente's version.
    pub entente_version: String,
    /// Scenario name.
    pub scenario: String,
    /// Where the scenario came from (a path as given, or the built-in flagship).
    pub scenario_file: String,
    /// The scenario file's absolute path when the study ran (absent for the built-in
    /// flagship): `entente report` finds the file from any folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario_path: Option<String>,
    /// SHA-256 of the resolved scenario (after `--theory` and `--set`).
    pub scenario_sha256: String,
    /// Master seed.
    pub seed: u64,
    /// Number of runs.
    pub runs: u64,
    /// Theory preset.
    pub theory: String,
    /// Every model parameter's value, keyed by name (JSON keys sorted by name).
    pub params: serde_json::Map<String, serde_json::Value>,
    /// `--set` assignments, in command-line order.
    pub set: Vec<String>,
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
