//! Scenario files: TOML text -> [`raw::RawScenario`] -> validated [`Scenario`].
//!
//! Parsing is done by serde (`deny_unknown_fields`), one table at a time so that
//! a mistake in one `[[state]]` does not hide one in another; validation checks
//! every value, resolves defaults and derived values (power shares, distances,
//! default intents) and reports every problem it finds with file, line,
//! column and field. Code downstream of [`Scenario`] never re-checks ranges.

mod diag;
pub mod geo;
mod overrides;
mod parse;
pub mod raw;
pub mod target;
mod validate;

use std::path::Path;

pub use diag::{Collector, Diagnostic, Diagnostics, SourceMap, closest, range_text};
pub use overrides::{SetError, SetProblem};
pub use parse::{control_error, hidden_controls, path_at};
pub use target::{
    Bounds, INTENT_BOUNDS, Op, PAIR_BOUNDS, PairField, STATE_BOUNDS, StateField, Target,
};

use crate::params::{Params, Theory};

/// The flagship scenario (Vostok-2018), embedded in the binary.
pub const FLAGSHIP_TOML: &str = include_str!("../../scenarios/vostok-2018.toml");
/// The name under which the embedded flagship is reported.
pub const FLAGSHIP_NAME: &str = "<built-in>/vostok-2018.toml";

/// Errors from loading a scenario.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{path}: cannot read the scenario file: {source}")]
    Io {
        /// The path as given.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file was read but is not a valid scenario.
    #[error("{0}")]
    Invalid(Diagnostics),
}

/// How aggregate power was given.
#[derive(Debug, Clone, PartialEq)]
pub enum PowerSpec {
    /// Each state gave `power` directly.
    Direct,
    /// `P_i = Σ_c w_c · x_ic / Σ_k x_kc` over named components.
    Components {
        /// Component name and weight, sorted by name.
        weights: Vec<(String, f64)>,
        /// Component that holds GDP in USD bn, if any.
        gdp_component: Option<String>,
    },
}

/// One state, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// Identifier (ISO 3166 alpha-3 for real states).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Initial aggregate power `P_i` (> 0).
    pub power: f64,
    /// GDP in USD bn, when known (for interdependence).
    pub gdp: Option<f64>,
    /// Raw power components as given (name, value), sorted by name.
    pub components: Vec<(String, f64)>,
    /// Offensive capability `O_i` in (0, 1].
    pub offense: f64,
    /// Annual log-growth of power `μ_i`.
    pub growth: f64,
    /// Annual volatility of power `σ_i`.
    pub volatility: f64,
    /// Capital latitude, degrees.
    pub lat: f64,
    /// Capital longitude, degrees.
    pub lon: f64,
    /// Baseline perceived aggressiveness `A_i` in [0, 1] (default for its intents).
    pub aggression: f64,
    /// Autonomy cost `c_i` (≥ 0).
    pub autonomy: f64,
    /// Provenance and remarks.
    pub doc: Doc,
}

/// `source` and `note` of an entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Doc {
    /// Where the figures come from.
    pub source: Option<String>,
    /// Remarks, assumptions and their reasons.
    pub note: Option<String>,
}

/// The documentation of one listed pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairDoc {
    /// First state index.
    pub i: usize,
    /// Second state index.
    pub j: usize,
    /// Provenance and remarks.
    pub doc: Doc,
}

/// One event effect, resolved.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Effect {
    /// What it changes.
    pub target: Target,
    /// How.
    pub op: Op,
    /// By how much.
    pub value: f64,
}

/// When an event fires.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trigger {
    /// At the first step whose time is at or after this year.
    At(f64),
    /// Randomly, with this rate per year: probability `1 − exp(−hazard·dt)` per step.
    Hazard(f64),
}

/// One event, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Name (unique within the scenario).
    pub name: String,
    /// When it fires.
    pub trigger: Trigger,
    /// Whether it can fire only once.
    pub once: bool,
    /// What it does, applied in order.
    pub effects: Vec<Effect>,
    /// Provenance and remarks.
    pub doc: Doc,
}

/// A validated scenario: every value in range, every reference resolved.
///
/// Matrices are `n × n`, row-major, in one `Vec` (`m[i * n + j]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Short identifier (used for the results folder).
    pub name: String,
    /// Human title.
    pub title: String,
    /// Longer description.
    pub description: String,
    /// Year at `t = 0`.
    pub start_year: f64,
    /// Simulated years.
    pub horizon: f64,
    /// Years per step.
    pub dt: f64,
    /// Number of steps (`horizon / dt`).
    pub steps: usize,
    /// Default master seed.
    pub seed: u64,
    /// Default number of Monte Carlo runs.
    pub runs: u64,
    /// Theory preset.
    pub theory: Theory,
    /// The pairs the scenario's question is about (`[scenario] key_pairs`), `(i, k)` with
    /// `i < k`, in file order: a study's summary prints them first.
    pub key_pairs: Vec<(usize, usize)>,
    /// Parameter overrides from `[params]`, in file order (name, value as written).
    pub overrides: Vec<(String, String)>,
    /// Resolved parameters: the preset, then the overrides.
    pub params: Params,
    /// How power was given.
    pub power_spec: PowerSpec,
    /// The states.
    pub states: Vec<State>,
    /// Capital distance, km (symmetric).
    pub distance: Vec<f64>,
    /// Shared land border (symmetric).
    pub border: Vec<bool>,
    /// Bilateral trade, USD bn / year (symmetric; 0 where no figure is given).
    pub trade: Vec<f64>,
    /// Whether the scenario gives the pair's trade (symmetric): a pair without a figure has
    /// trade 0, but unknown, not stated ([`Scenario::unknown_trade`]).
    pub trade_known: Vec<bool>,
    /// Historical mistrust (symmetric).
    pub mistrust: Vec<f64>,
    /// Affinity (symmetric).
    pub affinity: Vec<f64>,
    /// Initial alignment (symmetric, zero diagonal).
    pub alignment: Vec<f64>,
    /// How binding a formal alliance commitment each pair has, in [0, 1] (symmetric): 1 a
    /// mutual defence pact, 0.5 an offence, neutrality or consultation pledge, 0 none.
    pub treaty: Vec<f64>,
    /// Initial perceived intent, `intent[j * n + i] = I_ji`: how aggressive `j` looks to `i`.
    pub intent: Vec<f64>,
    /// Whether the distance of a pair was computed from coordinates.
    pub distance_derived: Vec<bool>,
    /// Documentation of listed pairs.
    pub pair_docs: Vec<PairDoc>,
    /// Documentation of listed intents, as (from, to, doc).
    pub intent_docs: Vec<(usize, usize, Doc)>,
    /// Events.
    pub events: Vec<Event>,
    /// Scenario-level documentation.
    pub doc: Doc,
}

impl Scenario {
    /// Number of states.
    pub fn n(&self) -> usize {
        self.states.len()
    }

    /// Index of a state id.
    pub fn index(&self, id: &str) -> Option<usize> {
        self.states.iter().position(|s| s.id == id)
    }

    /// Share of each state in total initial power.
    pub fn power_shares(&self) -> Vec<f64> {
        let total: f64 = self.states.iter().map(|s| s.power).sum();
        self.states.iter().map(|s| s.power / total).collect()
    }

    /// Year at step `k`.
    pub fn year(&self, step: usize) -> f64 {
        self.start_year + step as f64 * self.dt
    }

    /// The pairs `(i, k)`, `i < k`, whose trade matters (both states have a GDP, so
    /// interdependence is computed), as (those without a trade figure, how many matter).
    pub fn unknown_trade(&self) -> (Vec<(usize, usize)>, usize) {
        let n = self.n();
        let has_gdp = |i: usize| self.states[i].gdp.is_some_and(|g| g > 0.0);
        let mut matter = 0;
        let mut unknown = Vec::new();
        for (i, k) in upper(n).filter(|&(i, k)| has_gdp(i) && has_gdp(k)) {
            matter += 1;
            if !self.trade_known[i * n + k] {
                unknown.push((i, k));
            }
        }
        (unknown, matter)
    }

    /// The warning to give when pairs whose trade matters have no trade figure (their trade
    /// is taken as 0); `file` names the scenario. `None` when every such pair has one.
    pub fn trade_warning(&self, file: &str) -> Option<String> {
        const LISTED: usize = 5;
        let (unknown, matter) = self.unknown_trade();
        if unknown.is_empty() {
            return None;
        }
        let n = self.n();
        let of = if matter == n * (n - 1) / 2 {
            format!("{matter} pairs")
        } else {
            format!("{matter} pairs whose states both have a GDP")
        };
        let mut names: Vec<String> = unknown
            .iter()
            .take(LISTED)
            .map(|&(i, k)| format!("pair.{}-{}", self.states[i].id, self.states[k].id))
            .collect();
        if unknown.len() > LISTED {
            names.push("…".into());
        }
        Some(format!(
            "{file}: {} of {of} {} no trade figure ({}): their trade is taken as 0; give trade = 0 to state it",
            unknown.len(),
            if unknown.len() == 1 { "has" } else { "have" },
            names.join(", ")
        ))
    }
}

impl Scenario {
    /// The warning to give when the model, which computes in single precision, cannot tell
    /// apart initial powers that differ: powers below `f32::MIN_POSITIVE` (about 1.2e-38,
    /// simulated as that value) or distinct powers that round to the same single-precision
    /// value. `file` names the scenario. `None` when every distinct power stays distinct.
    pub fn precision_warning(&self, file: &str) -> Option<String> {
        let narrow = |p: f64| (p as f32).max(f32::MIN_POSITIVE);
        let mut merged: Vec<String> = Vec::new();
        for (i, a) in self.states.iter().enumerate() {
            for b in &self.states[i + 1..] {
                if a.power != b.power && narrow(a.power) == narrow(b.power) {
                    merged.push(format!(
                        "{} ({}) and {} ({})",
                        a.id,
                        diag::show(a.power),
                        b.id,
                        diag::show(b.power)
                    ));
                }
            }
        }
        if merged.is_empty() {
            return None;
        }
        let more = merged.len().saturating_sub(3);
        merged.truncate(3);
        Some(format!(
            "{file}: the model computes in single precision and cannot tell apart the powers of {}{}: they are simulated as equal; scale every power by the same factor (only shares matter), e.g. to 1 for the strongest",
            merged.join(", "),
            if more > 0 {
                format!(" and {more} more pairs")
            } else {
                String::new()
            }
        ))
    }
}

/// Parse and validate scenario text; `file` names it in messages.
pub fn parse(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    validate::parse_and_validate(text, file).map_err(ScenarioError::Invalid)
}

/// Read, parse and validate a scenario file.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let (text, name) = read(path)?;
    parse(&text, &name)
}

/// The largest scenario (or experiment) file read, in bytes: the flagship is about 100 KB; a
/// file this large is a mistake or an attack, and is refused before it is read.
pub const MAX_FILE_BYTES: u64 = 16 << 20;

/// Read a scenario file into text, with the name to use in messages. Only a regular file of
/// at most [`MAX_FILE_BYTES`] is read: a folder, a device (`/dev/zero`) or a pipe (which would
/// block) is refused first.
pub fn read(path: &Path) -> Result<(String, String), ScenarioError> {
    use std::io::Read as _;
    let name = path.display().to_string();
    let io = |source: std::io::Error| ScenarioError::Io {
        path: name.clone(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file (a folder, a device or a pipe): give a scenario file (.toml)",
        )));
    }
    let too_large = || {
        io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "larger than {} MiB: a scenario file is text of at most that size",
                MAX_FILE_BYTES >> 20
            ),
        ))
    };
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large());
    }
    let text = String::from_utf8(bytes).map_err(|e| ScenarioError::Io {
        path: name.clone(),
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not UTF-8 text: {e}"),
        ),
    })?;
    Ok((text, name))
}

/// Load `path`, or the embedded flagship when `None`.
pub fn load_or_flagship(path: Option<&Path>) -> Result<Scenario, ScenarioError> {
    match path {
        Some(p) => load(p),
        None => parse(FLAGSHIP_TOML, FLAGSHIP_NAME),
    }
}

/// The unordered pairs `(i, k)`, `i < k`, in row-major order.
pub fn upper(n: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..n).flat_map(move |i| (i + 1..n).map(move |k| (i, k)))
}
