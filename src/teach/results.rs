//! A study's results folder, read and checked: `manifest.json`, `summary.csv`,
//! `timeseries.csv`, `states.csv` and `camps.csv`, each value in its range and the files
//! consistent with each other (a results folder may come from anyone: `docs/reliability.md`),
//! for `entente report`, `entente score` and the browser page.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::charts;
use crate::output::Manifest;
use crate::params::PARAMS;
use crate::scenario::Scenario;

/// Errors reading a results folder.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// A file is missing or unreadable.
    #[error("{path}: cannot read: {message}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// A file's content is not what `entente run` writes.
    #[error("{path}: not a file written by `entente run`: {message}")]
    Format {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// `--pairs` names a pair that is not in the results.
    #[error("--pairs {0}: no such pair in summary.csv (write pairs as A-B with state ids)")]
    UnknownPair(String),
    /// A chart could not be drawn.
    #[error(transparent)]
    Chart(#[from] charts::ChartError),
}

/// A row of `summary.csv`.
#[derive(Debug, Clone, Deserialize)]
pub struct SummaryRow {
    /// First state.
    pub a: String,
    /// Second state.
    pub b: String,
    /// P(alliance) at the horizon.
    pub p_alliance_end: f64,
    /// P(rivalry) at the horizon.
    pub p_rivalry_end: f64,
    /// Mean alignment at the horizon.
    pub mean_alignment_end: f64,
    /// 5 % quantile at the horizon.
    pub q05_alignment_end: f64,
    /// 95 % quantile at the horizon.
    pub q95_alignment_end: f64,
}

/// A row of `timeseries.csv`.
#[derive(Debug, Clone, Deserialize)]
pub struct SeriesRow {
    /// Year.
    pub year: f64,
    /// First state.
    pub a: String,
    /// Second state.
    pub b: String,
    /// Mean alignment.
    pub mean_alignment: f64,
    /// 5 % quantile.
    pub q05_alignment: f64,
    /// Median.
    pub q50_alignment: f64,
    /// 95 % quantile.
    pub q95_alignment: f64,
    /// P(alliance).
    pub p_alliance: f64,
    /// P(rivalry).
    pub p_rivalry: f64,
}

/// A row of `states.csv`.
#[derive(Debug, Clone, Deserialize)]
pub struct StateRow {
    /// Year.
    pub year: f64,
    /// State.
    pub state: String,
    /// P(secure).
    pub p_secure: f64,
    /// P(balance).
    pub p_balance: f64,
    /// P(bandwagon).
    pub p_bandwagon: f64,
}

/// A row of `camps.csv`.
#[derive(Debug, Clone, Deserialize)]
pub struct CampsRow {
    /// Runs.
    pub runs: u64,
    /// Share of runs.
    pub frequency: f64,
    /// The first state's camp, ids separated by spaces.
    pub camp_a: String,
    /// The other camp.
    pub camp_b: String,
}

/// A results folder, read.
#[derive(Debug, Clone)]
pub struct Results {
    /// The folder.
    pub dir: PathBuf,
    /// `manifest.json`.
    pub manifest: Manifest,
    /// `summary.csv`.
    pub summary: Vec<SummaryRow>,
    /// `timeseries.csv`.
    pub timeseries: Vec<SeriesRow>,
    /// `states.csv`.
    pub states: Vec<StateRow>,
    /// `camps.csv`.
    pub camps: Vec<CampsRow>,
}

/// What a row of a results file holds beyond its types: its values within their ranges.
trait Ranged {
    /// The first value out of its range, as its column, the value and what was expected.
    fn out_of_range(&self) -> Option<(&'static str, f64, &'static str)>;
}

const PROBABILITY: &str = "a probability in [0, 1]";
const ALIGNMENT: &str = "an alignment in [-1, 1]";
const YEAR: &str = "a year (a finite number)";
const ORDERED: &str = "quantiles in order (5 % ≤ median ≤ 95 %)";
const EXCLUSIVE: &str = "at most 1 with the P(alliance) of its row (exclusive classes)";
/// How far a sum of two probabilities printed to 6 decimals may pass 1.
const ROUNDING: f64 = 2e-6;

/// The first of `values` (`(column, value, low, high, expected)`) out of `low..=high` (NaN
/// always is).
fn outside(
    values: &[(&'static str, f64, f64, f64, &'static str)],
) -> Option<(&'static str, f64, &'static str)> {
    values
        .iter()
        .find(|(_, x, lo, hi, _)| !(lo..=hi).contains(&x))
        .map(|&(c, x, _, _, e)| (c, x, e))
}

impl Ranged for SummaryRow {
    fn out_of_range(&self) -> Option<(&'static str, f64, &'static str)> {
        outside(&[
            ("p_alliance_end", self.p_alliance_end, 0.0, 1.0, PROBABILITY),
            ("p_rivalry_end", self.p_rivalry_end, 0.0, 1.0, PROBABILITY),
            (
                "mean_alignment_end",
                self.mean_alignment_end,
                -1.0,
                1.0,
                ALIGNMENT,
            ),
            (
                "q05_alignment_end",
                self.q05_alignment_end,
                -1.0,
                1.0,
                ALIGNMENT,
            ),
            (
                "q95_alignment_end",
                self.q95_alignment_end,
                -1.0,
                1.0,
                ALIGNMENT,
            ),
        ])
        .or_else(|| {
            let (q05, q95, p) = (
                self.q05_alignment_end,
                self.q95_alignment_end,
                self.p_alliance_end,
            );
            outside(&[
                ("q95_alignment_end", q95, q05, 1.0, ORDERED),
                (
                    "p_rivalry_end",
                    self.p_rivalry_end,
                    0.0,
                    1.0 - p + ROUNDING,
                    EXCLUSIVE,
                ),
            ])
        })
    }
}

impl Ranged for SeriesRow {
    fn out_of_range(&self) -> Option<(&'static str, f64, &'static str)> {
        let (q05, q50) = (self.q05_alignment, self.q50_alignment);
        outside(&[
            ("year", self.year, -1e6, 1e6, YEAR),
            ("mean_alignment", self.mean_alignment, -1.0, 1.0, ALIGNMENT),
            ("q05_alignment", q05, -1.0, 1.0, ALIGNMENT),
            ("q50_alignment", q50, -1.0, 1.0, ALIGNMENT),
            ("q95_alignment", self.q95_alignment, -1.0, 1.0, ALIGNMENT),
            ("q50_alignment", q50, q05, 1.0, ORDERED),
            ("q95_alignment", self.q95_alignment, q50, 1.0, ORDERED),
            ("p_alliance", self.p_alliance, 0.0, 1.0, PROBABILITY),
            ("p_rivalry", self.p_rivalry, 0.0, 1.0, PROBABILITY),
            (
                "p_rivalry",
                self.p_rivalry,
                0.0,
                1.0 - self.p_alliance + ROUNDING,
                EXCLUSIVE,
            ),
        ])
    }
}

impl Ranged for StateRow {
    fn out_of_range(&self) -> Option<(&'static str, f64, &'static str)> {
        outside(&[
            ("year", self.year, -1e6, 1e6, YEAR),
            ("p_secure", self.p_secure, 0.0, 1.0, PROBABILITY),
            ("p_balance", self.p_balance, 0.0, 1.0, PROBABILITY),
            ("p_bandwagon", self.p_bandwagon, 0.0, 1.0, PROBABILITY),
        ])
    }
}

impl Ranged for CampsRow {
    fn out_of_range(&self) -> Option<(&'static str, f64, &'static str)> {
        outside(&[(
            "frequency",
            self.frequency,
            0.0,
            1.0,
            "a share of runs in [0, 1]",
        )])
    }
}

/// The rows of the CSV file `name` of a results folder, read from `source` (the path shown
/// in messages is `dir/name`), each checked for its ranges ([`Ranged`]), with the line of
/// each row.
fn read_csv<T: for<'de> Deserialize<'de> + Ranged>(
    dir: &Path,
    name: &str,
    source: impl std::io::Read,
) -> Result<(Vec<T>, Vec<u64>), ReportError> {
    let shown = dir.join(name).display().to_string();
    let format = |path: String, message: String| ReportError::Format { path, message };
    let mut reader = csv::Reader::from_reader(source);
    let header = reader
        .headers()
        .map_err(|e| format(shown.clone(), e.to_string()))?
        .clone();
    let (mut rows, mut lines) = (Vec::new(), Vec::new());
    for record in reader.records() {
        let record = record.map_err(|e| format(shown.clone(), e.to_string()))?;
        let line = record.position().map_or(0, csv::Position::line);
        let at = format!("{shown}:{line}");
        let row: T = record
            .deserialize(Some(&header))
            .map_err(|e| format(at.clone(), e.to_string()))?;
        if let Some((column, x, expected)) = row.out_of_range() {
            return Err(format(
                at,
                format!("{column}: found {x}, expected {expected}"),
            ));
        }
        rows.push(row);
        lines.push(line);
    }
    Ok((rows, lines))
}

/// The line of each row of the four CSV files of a results folder, for messages.
struct Lines {
    summary: Vec<u64>,
    timeseries: Vec<u64>,
    states: Vec<u64>,
    camps: Vec<u64>,
}

impl Results {
    /// Read the files of a results folder.
    pub fn read(dir: &Path) -> Result<Self, ReportError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|e| ReportError::Read {
                path: path.display().to_string(),
                message: e.to_string(),
            })
        };
        Self::from_files(dir, |name| read(name))
    }

    /// The results of a study held in memory (the browser's, which has no folder): `file`
    /// gives the bytes of each file by its name (`manifest.json`, `summary.csv`, …); `dir`
    /// is the folder shown in messages.
    pub fn from_files(
        dir: &Path,
        mut file: impl FnMut(&str) -> Result<Vec<u8>, ReportError>,
    ) -> Result<Self, ReportError> {
        let text = file("manifest.json")?;
        let manifest: Manifest =
            serde_json::from_slice(&text).map_err(|e| ReportError::Format {
                path: dir.join("manifest.json").display().to_string(),
                message: e.to_string(),
            })?;
        let (summary, summary_lines) =
            read_csv(dir, "summary.csv", file("summary.csv")?.as_slice())?;
        let (timeseries, timeseries_lines) =
            read_csv(dir, "timeseries.csv", file("timeseries.csv")?.as_slice())?;
        let (states, states_lines) = read_csv(dir, "states.csv", file("states.csv")?.as_slice())?;
        let (camps, camps_lines) = read_csv(dir, "camps.csv", file("camps.csv")?.as_slice())?;
        let results = Self {
            dir: dir.to_path_buf(),
            manifest,
            summary,
            timeseries,
            states,
            camps,
        };
        let lines = Lines {
            summary: summary_lines,
            timeseries: timeseries_lines,
            states: states_lines,
            camps: camps_lines,
        };
        results.check_together(&lines)?;
        Ok(results)
    }

    /// The manifest's parameters are numbers in their ranges, and the files agree with each
    /// other and with the manifest: state ids without spaces or control characters, each
    /// state once a year; every pair of `summary.csv` two different states, once; every row
    /// of `timeseries.csv` a pair of `summary.csv`, once a year; the camps of `camps.csv` made
    /// of those states, their runs at most the study's.
    fn check_together(&self, lines: &Lines) -> Result<(), ReportError> {
        use std::collections::HashSet;
        let bad = |name: &str, line: u64, message: String| ReportError::Format {
            path: format!("{}:{line}", self.dir.join(name).display()),
            message,
        };
        for spec in PARAMS {
            let Some(v) = self.manifest.params.get(spec.name) else {
                continue;
            };
            if !v
                .as_f64()
                .is_some_and(|x| (spec.min..=spec.max).contains(&x))
            {
                return Err(ReportError::Format {
                    path: self.dir.join("manifest.json").display().to_string(),
                    message: format!(
                        "params.{}: found {}, expected a number in [{}, {}]",
                        spec.name,
                        crate::text::printable(&v.to_string()),
                        spec.min,
                        spec.max
                    ),
                });
            }
        }
        let id_ok = |id: &str| {
            !id.is_empty()
                && !id
                    .chars()
                    .any(|c| c.is_whitespace() || crate::text::is_hidden_control(c))
        };
        let mut ids = HashSet::new();
        let mut state_years = HashSet::new();
        for (r, &line) in self.states.iter().zip(&lines.states) {
            if !id_ok(&r.state) {
                let found = crate::text::printable(&r.state).into_owned();
                let message = format!(
                    "state: found `{found}`, expected a state id (no spaces or control characters)"
                );
                return Err(bad("states.csv", line, message));
            }
            if !state_years.insert((r.year.to_bits(), r.state.as_str())) {
                let message = format!("{} in {} is on an earlier line too", r.state, r.year);
                return Err(bad("states.csv", line, message));
            }
            ids.insert(r.state.as_str());
        }
        let known = |id: &str| ids.contains(id);
        let mut pairs = HashSet::new();
        for (r, &line) in self.summary.iter().zip(&lines.summary) {
            let what = format!(
                "pair {}-{}",
                crate::text::printable(&r.a),
                crate::text::printable(&r.b)
            );
            if !known(&r.a) || !known(&r.b) || r.a == r.b {
                let message = format!("{what}: expected two different states of states.csv");
                return Err(bad("summary.csv", line, message));
            }
            if !pairs.insert((r.a.as_str(), r.b.as_str())) {
                return Err(bad(
                    "summary.csv",
                    line,
                    format!("{what} is on an earlier line too"),
                ));
            }
        }
        let mut pair_years = HashSet::new();
        for (r, &line) in self.timeseries.iter().zip(&lines.timeseries) {
            let what = format!(
                "pair {}-{}",
                crate::text::printable(&r.a),
                crate::text::printable(&r.b)
            );
            if !pairs.contains(&(r.a.as_str(), r.b.as_str())) {
                let message = format!("{what}: expected a pair of summary.csv");
                return Err(bad("timeseries.csv", line, message));
            }
            if !pair_years.insert((r.year.to_bits(), r.a.as_str(), r.b.as_str())) {
                let message = format!("{what} in {} is on an earlier line too", r.year);
                return Err(bad("timeseries.csv", line, message));
            }
        }
        for (r, &line) in self.camps.iter().zip(&lines.camps) {
            if r.runs > self.manifest.runs {
                let message = format!(
                    "runs: found {}, expected at most the study's {} runs",
                    r.runs, self.manifest.runs
                );
                return Err(bad("camps.csv", line, message));
            }
            if let Some(id) = r
                .camp_a
                .split_whitespace()
                .chain(r.camp_b.split_whitespace())
                .find(|id| !known(id))
            {
                let id = crate::text::printable(id);
                let message = format!("camps: found `{id}`, expected states of states.csv");
                return Err(bad("camps.csv", line, message));
            }
        }
        Ok(())
    }

    /// State ids in file order.
    pub fn state_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for r in &self.states {
            if !ids.contains(&r.state) {
                ids.push(r.state.clone());
            }
        }
        ids
    }

    /// Index into `summary` of a pair written `A-B` (either order).
    pub fn find_pair(&self, name: &str) -> Option<usize> {
        self.summary.iter().position(|r| {
            let ab = format!("{}-{}", r.a, r.b);
            let ba = format!("{}-{}", r.b, r.a);
            name == ab || name == ba
        })
    }

    /// The scenario's own key pairs (`[scenario] key_pairs`) that the results hold, at most
    /// `max`, in the scenario's order; empty when it names none.
    pub fn scenario_key_pairs(&self, scenario: &Scenario, max: usize) -> Vec<usize> {
        scenario
            .key_pairs
            .iter()
            .filter_map(|&(i, k)| {
                let (a, b) = (&scenario.states.get(i)?.id, &scenario.states.get(k)?.id);
                self.find_pair(&format!("{a}-{b}"))
            })
            .take(max)
            .collect()
    }

    /// Up to `max` pairs (indices into `summary`) that tell the most: those whose outcome at
    /// the horizon is most uncertain across runs. The score adds `4p(1 − p)` for P(alliance)
    /// and for P(rivalry) (1 for a coin toss, 0 for a sure outcome), half the width of the
    /// 5–95 % band of alignment at the horizon, and a quarter of how far the mean alignment
    /// moves from the start. Ties in file order.
    pub fn key_pairs(&self, max: usize) -> Vec<usize> {
        let start: BTreeMap<(&str, &str), f64> = self
            .timeseries
            .iter()
            .rev()
            .map(|r| ((r.a.as_str(), r.b.as_str()), r.mean_alignment))
            .collect();
        let mut scored: Vec<(usize, f64)> = self
            .summary
            .iter()
            .enumerate()
            .map(|(q, r)| {
                let a0 = start
                    .get(&(r.a.as_str(), r.b.as_str()))
                    .copied()
                    .unwrap_or(0.0);
                let coin = |p: f64| 4.0 * p * (1.0 - p);
                let score = coin(r.p_alliance_end)
                    + coin(r.p_rivalry_end)
                    + 0.5 * (r.q95_alignment_end - r.q05_alignment_end)
                    + 0.25 * (r.mean_alignment_end - a0).abs();
                (q, score)
            })
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scored.into_iter().take(max).map(|x| x.0).collect()
    }

    /// The rows of `timeseries.csv` of pair `q` (an index into `summary`), in file order.
    pub(crate) fn series(&self, q: usize) -> impl Iterator<Item = &SeriesRow> {
        let r = &self.summary[q];
        self.timeseries
            .iter()
            .filter(move |x| x.a == r.a && x.b == r.b)
    }
}
