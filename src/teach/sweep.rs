//! `entente report` on a folder written by `entente sweep`: one self-contained HTML page of
//! how a scenario's outcomes move with the factors a sweep varied, and the "What drives this
//! result" section that the report of a study gains from a sweep of its scenario.
//!
//! The page reads `manifest.json` (`kind` must be `sweep`; `design`, `scenario` and `factors`
//! are required, every other key is shown as it is), `design.csv` (one row per point, one
//! column per factor), `sweep.csv` (one row per point and pair) and, when it exists,
//! `sensitivity.csv` (Morris or Sobol indices). Every row is checked as it is read: a
//! malformed field is an error naming the file, the line, the column, what was found and what
//! was expected ([`SweepError`]).
//!
//! What the page draws depends on the design ([`View`]): for one factor, line charts of
//! P(alliance), P(rivalry) and the mean alignment with its 5–95 % band against the factor; for
//! two factors on a full grid, heat maps of P(alliance) and P(rivalry) over the two factors'
//! levels; for Morris and Sobol designs, bar charts of the sensitivity indices with their
//! intervals, factors sorted by importance; otherwise a table of the factors' ranges and a
//! scatter of P(alliance) against each factor. Each chart comes with a plain reading, a
//! paragraph on how to read it and the numbers behind it. Charts are inline SVG drawn by
//! `plotters` as in [`super::report`]; there is no script, no font, no image and no URL. The
//! same folder gives the same bytes wherever it lies.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::FontTransform;
use plotters::style::text_anchor::{HPos, VPos};

use super::backtest::{fmt_num, opt_num};
use super::charts::{
    Area, ChartError, FONT, GRID, Key, PALETTE, colour_bar, e, legend, legend_height, ramp,
    segments, svg, text_style,
};
use super::csvread::{CsvFile, FileError, Row, json_object, manifest_kind, maybe, number, whole};
use super::html::esc;
use super::report::{manifest_section, page_start};

/// How many pairs the page draws when `--pairs` does not choose them.
pub const CHOSEN_PAIRS: usize = 6;

/// The largest grid (levels of each factor) whose heat-map cells show their values.
pub const CELL_VALUES_UP_TO: usize = 12;

/// How many rows a table of points shows at most (`sweep.csv` has them all).
pub const TABLE_ROWS: usize = 200;

/// Bound on the size of a sensitivity index or its interval's ends.
const BOUND: f64 = 1e7;

/// Bound on the size of a factor's numbers (bounds and values): far beyond any model value,
/// and small enough for the charts' arithmetic to stay finite.
pub const VALUE_LIMIT: f64 = 1e15;

fn within(x: f64) -> bool {
    x.is_finite() && x.abs() <= VALUE_LIMIT
}

/// Errors reading a sweep folder, or using it in a study's report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SweepError {
    /// A file is missing or unreadable, or a line or field of a CSV file is malformed.
    #[error(transparent)]
    File(#[from] FileError),
    /// A file is wrong as a whole (`manifest.json`'s keys, a file without rows).
    #[error("{path}: {message}")]
    Content {
        /// The file.
        path: String,
        /// What is wrong and what was expected.
        message: String,
    },
    /// `--pairs` names a pair that is not in the sweep.
    #[error("--pairs {0}: no such pair in sweep.csv (write pairs as A-B with state ids)")]
    UnknownPair(String),
    /// `--sweep` names a sweep of another scenario than the study's.
    #[error(
        "--sweep {dir}: the sweep is of scenario `{sweep}` (its manifest.json), the study of `{study}`; sweep the study's scenario, e.g. `entente sweep {study_file} --vary ... --out DIR`"
    )]
    OtherScenario {
        /// The sweep folder.
        dir: String,
        /// The sweep's scenario.
        sweep: String,
        /// The study's scenario.
        study: String,
        /// The study's scenario file.
        study_file: String,
    },
    /// A chart could not be drawn.
    #[error(transparent)]
    Chart(#[from] ChartError),
}

// ------------------------------------------------------------------------------------------
// The folder's content

/// An output of `sweep.csv`, in its column order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Output {
    /// `p_alliance_end`: share of runs ending allied.
    PAllianceEnd,
    /// `p_alliance_ever`: share of runs allied at some time.
    PAllianceEver,
    /// `p_rivalry_end`: share of runs ending rivals.
    PRivalryEnd,
    /// `mean_alignment_end`: mean alignment at the horizon.
    MeanAlignmentEnd,
    /// `q05_alignment_end`: 5 % quantile of alignment at the horizon.
    Q05AlignmentEnd,
    /// `q50_alignment_end`: median alignment at the horizon.
    Q50AlignmentEnd,
    /// `q95_alignment_end`: 95 % quantile of alignment at the horizon.
    Q95AlignmentEnd,
}

impl Output {
    /// Every output, in `sweep.csv`'s column order.
    pub const ALL: [Output; 7] = [
        Self::PAllianceEnd,
        Self::PAllianceEver,
        Self::PRivalryEnd,
        Self::MeanAlignmentEnd,
        Self::Q05AlignmentEnd,
        Self::Q50AlignmentEnd,
        Self::Q95AlignmentEnd,
    ];

    /// The column's name.
    pub fn column(self) -> &'static str {
        match self {
            Self::PAllianceEnd => "p_alliance_end",
            Self::PAllianceEver => "p_alliance_ever",
            Self::PRivalryEnd => "p_rivalry_end",
            Self::MeanAlignmentEnd => "mean_alignment_end",
            Self::Q05AlignmentEnd => "q05_alignment_end",
            Self::Q50AlignmentEnd => "q50_alignment_end",
            Self::Q95AlignmentEnd => "q95_alignment_end",
        }
    }

    /// The output in words: `P(alliance)`, `mean alignment`, ….
    pub fn words(self) -> &'static str {
        match self {
            Self::PAllianceEnd => "P(alliance)",
            Self::PAllianceEver => "P(ever allied)",
            Self::PRivalryEnd => "P(rivalry)",
            Self::MeanAlignmentEnd => "mean alignment",
            Self::Q05AlignmentEnd => "5 % quantile of alignment",
            Self::Q50AlignmentEnd => "median alignment",
            Self::Q95AlignmentEnd => "95 % quantile of alignment",
        }
    }

    /// The output of one pair in words: `P(CHN–RUS alliance)`, `mean CHN–RUS alignment`.
    pub fn of_pair(self, pair: &str) -> String {
        match self {
            Self::PAllianceEnd => format!("P({pair} alliance)"),
            Self::PAllianceEver => format!("P({pair} ever allied)"),
            Self::PRivalryEnd => format!("P({pair} rivalry)"),
            Self::MeanAlignmentEnd => format!("the mean {pair} alignment"),
            Self::Q05AlignmentEnd => format!("the 5 % quantile of {pair} alignment"),
            Self::Q50AlignmentEnd => format!("the median {pair} alignment"),
            Self::Q95AlignmentEnd => format!("the 95 % quantile of {pair} alignment"),
        }
    }

    /// Whether the output is a probability (from 0 to 1; else an alignment, from −1 to 1).
    pub fn is_probability(self) -> bool {
        matches!(
            self,
            Self::PAllianceEnd | Self::PAllianceEver | Self::PRivalryEnd
        )
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.column() == s)
    }
}

/// A factor's value at a design point, as `design.csv` writes it.
#[derive(Debug, Clone, PartialEq)]
pub enum Level {
    /// A number.
    Number(f64),
    /// Text (a categorical factor's value, such as a theory's name).
    Text(String),
}

impl Level {
    /// The value as text: numbers in Rust's shortest round-trip form.
    pub fn text(&self) -> String {
        match self {
            Self::Number(x) => format!("{x}"),
            Self::Text(s) => s.clone(),
        }
    }

    /// The value, when it is a number.
    pub fn number(&self) -> Option<f64> {
        match self {
            Self::Number(x) => Some(*x),
            Self::Text(_) => None,
        }
    }

    /// Whether `field` (a field of `design.csv`) is this value: the same text, or the same
    /// number.
    fn matches(&self, field: &str) -> bool {
        match self {
            Self::Number(x) => field.parse::<f64>().is_ok_and(|y| y == *x),
            Self::Text(s) => s == field,
        }
    }
}

/// The levels a factor may take, as the manifest states them.
#[derive(Debug, Clone, PartialEq)]
pub enum Levels {
    /// Any number from `low` to `high`.
    Range {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
    /// One of the listed values.
    List(Vec<Level>),
}

/// A factor of the sweep: a `--set` path (or `theory`) and its levels.
#[derive(Debug, Clone, PartialEq)]
pub struct Factor {
    /// The path, as in `--vary PATH=...`.
    pub path: String,
    /// Its bounds or values.
    pub levels: Levels,
}

impl Factor {
    /// Whether every level is a number (ranges always are).
    pub fn is_numeric(&self) -> bool {
        match &self.levels {
            Levels::Range { .. } => true,
            Levels::List(v) => v.iter().all(|l| l.number().is_some()),
        }
    }

    /// The bounds or values in words: `0.2 to 0.8`, `walt, waltz`.
    pub fn levels_text(&self) -> String {
        match &self.levels {
            Levels::Range { low, high } => format!("{} to {}", num(*low), num(*high)),
            Levels::List(v) => v.iter().map(Level::text).collect::<Vec<_>>().join(", "),
        }
    }
}

/// The family of a design, from the manifest's `design` (`grid:7`, `morris:10:4`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Full factorial.
    Grid,
    /// Latin hypercube.
    Lhs,
    /// Saltelli's design for Sobol indices.
    Sobol,
    /// Morris trajectories.
    Morris,
    /// One factor at a time around the base values.
    Oat,
}

impl Family {
    fn parse(design: &str) -> Option<Self> {
        match design.split(':').next()? {
            "grid" => Some(Self::Grid),
            "lhs" => Some(Self::Lhs),
            "sobol" => Some(Self::Sobol),
            "morris" => Some(Self::Morris),
            "oat" => Some(Self::Oat),
            _ => None,
        }
    }
}

/// How sensitivity indices were estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Method {
    /// Morris elementary effects: `mu`, `mu_star`, `sigma`.
    Morris,
    /// Sobol indices: `S1`, `ST`.
    Sobol,
}

impl Method {
    /// The name `sensitivity.csv` writes.
    pub fn name(self) -> &'static str {
        match self {
            Self::Morris => "morris",
            Self::Sobol => "sobol",
        }
    }

    /// The indices of the method, as `sensitivity.csv` names them.
    pub fn indices(self) -> &'static [&'static str] {
        match self {
            Self::Morris => &["mu", "mu_star", "sigma"],
            Self::Sobol => &["S1", "ST"],
        }
    }

    /// The index that ranks factors: `mu_star` for Morris, `ST` for Sobol.
    pub fn ranking(self) -> &'static str {
        match self {
            Self::Morris => "mu_star",
            Self::Sobol => "ST",
        }
    }

    /// The method's name in prose: `Morris` or `Sobol`.
    fn title(self) -> &'static str {
        match self {
            Self::Morris => "Morris",
            Self::Sobol => "Sobol",
        }
    }

    /// The symbol of the index that ranks factors, as the page writes it: `μ*` or `ST`.
    fn symbol(self) -> &'static str {
        match self {
            Self::Morris => "μ*",
            Self::Sobol => "ST",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "morris" => Some(Self::Morris),
            "sobol" => Some(Self::Sobol),
            _ => None,
        }
    }
}

/// A row of `sweep.csv`: one pair at one point.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRow {
    /// Index of the point in [`Sweep::points`].
    pub point: usize,
    /// Index of the pair in [`Sweep::pairs`].
    pub pair: usize,
    /// The outputs in [`Output::ALL`] order; `None` where the file leaves them empty.
    pub values: [Option<f64>; 7],
}

/// A row of `sensitivity.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct SensitivityRow {
    /// Which output.
    pub output: Output,
    /// Index of the pair in [`Sweep::pairs`].
    pub pair: usize,
    /// Index of the factor in [`Sweep::factors`] (`None`: an empty field, with a note).
    pub factor: Option<usize>,
    /// How it was estimated (`None`: an empty field, with a note).
    pub method: Option<Method>,
    /// The index's name (`mu`, `mu_star`, `sigma`, `S1`, `ST`; `None`: empty, with a note).
    pub index: Option<String>,
    /// The estimate (`None`: empty, with a note saying why).
    pub estimate: Option<f64>,
    /// The interval, when the file gives one.
    pub interval: Option<(f64, f64)>,
    /// Why the row is empty (empty when it is not).
    pub note: String,
}

/// A sweep folder, read and checked.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// `manifest.json`, as it is.
    pub manifest: serde_json::Map<String, serde_json::Value>,
    /// The design as the manifest names it (`grid:7`, `morris:10:4`, …).
    pub design: String,
    /// Its family.
    pub family: Family,
    /// The scenario's name.
    pub scenario: String,
    /// Runs per point, when the manifest says.
    pub runs: Option<u64>,
    /// The seed, when the manifest says.
    pub seed: Option<u64>,
    /// The factors, in `design.csv`'s column order.
    pub factors: Vec<Factor>,
    /// The point numbers of `design.csv`, ascending.
    pub points: Vec<u64>,
    /// Each point's value of each factor (`values[point][factor]`).
    pub values: Vec<Vec<Level>>,
    /// The pairs of `sweep.csv` in order of first appearance, as `(a, b)`.
    pub pairs: Vec<(String, String)>,
    /// `sweep.csv`'s rows, in file order.
    pub rows: Vec<SweepRow>,
    /// `sensitivity.csv`'s rows, in file order (none when the file is absent).
    pub sensitivity: Vec<SensitivityRow>,
    /// `cell[pair][point]`: the index into `rows`, if any.
    cell: Vec<Vec<Option<usize>>>,
}

/// Whether `dir` holds a sweep: its `manifest.json` is a JSON object whose `kind` is `sweep`.
pub fn is_sweep(dir: &Path) -> bool {
    manifest_kind(dir).is_some_and(|k| k == "sweep")
}

/// A manifest value that must be a whole number, if present.
fn manifest_whole(
    m: &serde_json::Map<String, serde_json::Value>,
    key: &str,
    bad: &impl Fn(String) -> SweepError,
) -> Result<Option<u64>, SweepError> {
    match m.get(key) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| bad(format!("{key}: found {v}, expected a whole number"))),
    }
}

/// The factors of the manifest: a non-empty list of `{path, low, high}` or `{path, values}`.
fn manifest_factors(
    v: Option<&serde_json::Value>,
    bad: &impl Fn(String) -> SweepError,
) -> Result<Vec<Factor>, SweepError> {
    let expected = "expected a list of {\"path\", \"low\", \"high\"} or {\"path\", \"values\"}";
    let Some(list) = v.and_then(serde_json::Value::as_array) else {
        return Err(bad(match v {
            None => format!("factors: found no such key, {expected}"),
            Some(v) => format!("factors: found {}, {expected}", short_json(v)),
        }));
    };
    if list.is_empty() {
        return Err(bad(format!("factors: found an empty list, {expected}")));
    }
    let mut factors: Vec<Factor> = Vec::new();
    for (k, item) in list.iter().enumerate() {
        let at = format!("factors[{k}]");
        let path = item
            .get("path")
            .and_then(serde_json::Value::as_str)
            .filter(|p| !p.is_empty())
            .ok_or_else(|| {
                bad(format!(
                    "{at}: found {}, expected an object with a \"path\" (text)",
                    short_json(item)
                ))
            })?;
        if factors.iter().any(|f| f.path == path) {
            return Err(bad(format!(
                "{at}: found `{path}` a second time, expected each factor once"
            )));
        }
        let levels = match (item.get("low"), item.get("high"), item.get("values")) {
            (Some(low_v), Some(high_v), None) => {
                let (Some(low), Some(high)) = (low_v.as_f64(), high_v.as_f64()) else {
                    return Err(bad(format!(
                        "{at} ({path}): found low {} and high {}, expected two numbers",
                        short_json(low_v),
                        short_json(high_v)
                    )));
                };
                if !(within(low) && within(high)) {
                    return Err(bad(format!(
                        "{at} ({path}): found low {low_v} and high {high_v}, expected numbers from −{VALUE_LIMIT:e} to {VALUE_LIMIT:e}"
                    )));
                }
                if low > high {
                    return Err(bad(format!(
                        "{at} ({path}): found low {low_v} above high {high_v}, expected low ≤ high"
                    )));
                }
                Levels::Range { low, high }
            }
            (None, None, Some(serde_json::Value::Array(values))) if !values.is_empty() => {
                let mut out = Vec::new();
                for v in values {
                    out.push(match v {
                        serde_json::Value::Number(n) => Level::Number(
                            n.as_f64().filter(|x| within(*x)).ok_or_else(|| {
                                bad(format!(
                                    "{at} ({path}): found the value {n}, expected a number from −{VALUE_LIMIT:e} to {VALUE_LIMIT:e}"
                                ))
                            })?,
                        ),
                        serde_json::Value::String(s) => match s.parse::<f64>() {
                            Ok(x) if within(x) => Level::Number(x),
                            Ok(_) => {
                                return Err(bad(format!(
                                    "{at} ({path}): found the value \"{s}\", expected a number from −{VALUE_LIMIT:e} to {VALUE_LIMIT:e}, or text"
                                )));
                            }
                            Err(_) => Level::Text(s.clone()),
                        },
                        other => {
                            return Err(bad(format!(
                                "{at} ({path}): found the value {}, expected a number or text",
                                short_json(other)
                            )));
                        }
                    });
                }
                Levels::List(out)
            }
            _ => {
                return Err(bad(format!(
                    "{at} ({path}): found {}, expected \"low\" and \"high\" (numbers) or \"values\" (a non-empty list)",
                    short_json(item)
                )));
            }
        };
        factors.push(Factor {
            path: path.to_string(),
            levels,
        });
    }
    Ok(factors)
}

fn short_json(v: &serde_json::Value) -> String {
    let s = v.to_string();
    let short: String = s.chars().take(60).collect();
    if short.len() < s.len() {
        format!("{short}…")
    } else {
        s
    }
}

impl Sweep {
    /// Read and check the files of a sweep folder.
    pub fn read(dir: &Path) -> Result<Self, SweepError> {
        let head = Head::read(dir)?;
        if head.manifest.get("evaluate").and_then(|v| v.as_str()) == Some("backtest") {
            return Err(SweepError::Content {
                path: head.path,
                message: "a sweep scored by backtest (evaluate = backtest): the report draws sweeps of studies only; its scores are in sweep.csv (one row per point, horizon and group of pairs), and `entente calibrate` searches such scores for the best parameters".into(),
            });
        }
        let (points, values) = read_design(dir, &head.factors)?;
        if let Some(n) = head.points
            && n != points.len() as u64
        {
            return Err(SweepError::Content {
                path: head.path,
                message: format!(
                    "points: found {n}, expected {} (the rows of design.csv)",
                    points.len()
                ),
            });
        }
        let listed: Vec<String> = head
            .manifest
            .get("pairs")
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let (pairs, rows) = read_rows(dir, &points, &listed)?;
        let mut cell = vec![vec![None; points.len()]; pairs.len()];
        for (k, r) in rows.iter().enumerate() {
            cell[r.pair][r.point] = Some(k);
        }
        // sensitivity.csv (optional)
        let sensitivity = if dir.join("sensitivity.csv").exists() {
            read_sensitivity(dir, &head.factors, &pairs)?
        } else {
            Vec::new()
        };
        Ok(Self {
            manifest: head.manifest,
            design: head.design,
            family: head.family,
            scenario: head.scenario,
            runs: head.runs,
            seed: head.seed,
            factors: head.factors,
            points,
            values,
            pairs,
            rows,
            sensitivity,
            cell,
        })
    }

    /// The value of `output` for `pair` at `point` (indices), if `sweep.csv` gives it.
    pub fn value(&self, pair: usize, point: usize, output: Output) -> Option<f64> {
        let k = (*self.cell.get(pair)?.get(point)?)?;
        let o = Output::ALL.iter().position(|x| *x == output)?;
        self.rows[k].values[o]
    }

    /// The runs per point in a sentence ("one study of {} runs"): the number, or "the same
    /// number of" when the manifest does not say.
    fn runs_text(&self) -> String {
        self.runs
            .map_or("the same number of".to_string(), |r| r.to_string())
    }

    /// The pair written `A-B` (either order), as an index into [`Sweep::pairs`].
    pub fn find_pair(&self, name: &str) -> Option<usize> {
        self.pairs
            .iter()
            .position(|(a, b)| name == format!("{a}-{b}") || name == format!("{b}-{a}"))
    }

    /// A pair's name as `A-B`.
    pub fn pair_name(&self, pair: usize) -> String {
        let (a, b) = &self.pairs[pair];
        format!("{a}-{b}")
    }

    /// How much a pair's P(alliance) varies across the points: its largest minus its
    /// smallest value (0 when it is undefined everywhere).
    pub fn variation(&self, pair: usize) -> f64 {
        let v: Vec<f64> = (0..self.points.len())
            .filter_map(|p| self.value(pair, p, Output::PAllianceEnd))
            .collect();
        let hi = v.iter().copied().fold(f64::MIN, f64::max);
        let lo = v.iter().copied().fold(f64::MAX, f64::min);
        if v.is_empty() { 0.0 } else { hi - lo }
    }

    /// The pairs to draw: those of `requested` (names `A-B`, either order, each once), or
    /// when it is empty, up to [`CHOSEN_PAIRS`] pairs whose P(alliance) varies most across the
    /// points (ties in file order; pairs that do not vary only when none does).
    pub fn chosen_pairs(&self, requested: &[String]) -> Result<Vec<usize>, SweepError> {
        if !requested.is_empty() {
            let mut out = Vec::new();
            for name in requested {
                let q = self
                    .find_pair(name.trim())
                    .ok_or_else(|| SweepError::UnknownPair(name.clone()))?;
                if !out.contains(&q) {
                    out.push(q);
                }
            }
            return Ok(out);
        }
        let mut scored: Vec<(usize, f64)> = (0..self.pairs.len())
            .map(|q| (q, self.variation(q)))
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let varying: Vec<usize> = scored
            .iter()
            .filter(|x| x.1 > 0.0)
            .take(CHOSEN_PAIRS)
            .map(|x| x.0)
            .collect();
        Ok(if varying.is_empty() {
            (0..self.pairs.len().min(CHOSEN_PAIRS)).collect()
        } else {
            varying
        })
    }

    /// The method of the indices in `sensitivity.csv` (the design's, else the first named).
    pub fn method(&self) -> Option<Method> {
        let named: Vec<Method> = self.sensitivity.iter().filter_map(|r| r.method).collect();
        let own = match self.family {
            Family::Morris => Some(Method::Morris),
            Family::Sobol => Some(Method::Sobol),
            _ => None,
        };
        own.filter(|m| named.contains(m) || !self.sensitivity.is_empty())
            .or_else(|| named.first().copied())
    }

    /// What the page draws for this sweep.
    pub fn view(&self) -> View {
        let k = self.factors.len();
        if matches!(self.family, Family::Morris | Family::Sobol)
            && !self.sensitivity.is_empty()
            && let Some(m) = self.method()
        {
            return View::Indices(m);
        }
        if k == 1 {
            View::OneFactor
        } else if k == 2 && self.is_full_grid() {
            View::Grid
        } else {
            View::Scatter
        }
    }

    /// The distinct levels of a factor in `design.csv`: numbers ascending, text in order of
    /// first appearance.
    pub fn levels(&self, factor: usize) -> Vec<Level> {
        let mut out: Vec<Level> = Vec::new();
        for row in &self.values {
            if !out.contains(&row[factor]) {
                out.push(row[factor].clone());
            }
        }
        if out.iter().all(|l| l.number().is_some()) {
            out.sort_by(|a, b| {
                a.number()
                    .unwrap_or_default()
                    .total_cmp(&b.number().unwrap_or_default())
            });
        }
        out
    }

    /// Whether the points are every combination of the two factors' levels, each once.
    fn is_full_grid(&self) -> bool {
        if self.factors.len() != 2 {
            return false;
        }
        let (l0, l1) = (self.levels(0), self.levels(1));
        if l0.len() * l1.len() != self.points.len() || l0.len() < 2 || l1.len() < 2 {
            return false;
        }
        let mut seen = vec![false; l0.len() * l1.len()];
        for row in &self.values {
            let (Some(i), Some(j)) = (
                l0.iter().position(|l| *l == row[0]),
                l1.iter().position(|l| *l == row[1]),
            ) else {
                return false;
            };
            if std::mem::replace(&mut seen[j * l0.len() + i], true) {
                return false;
            }
        }
        true
    }

    /// The x axis of a factor: its numbers, or its levels as categories.
    fn axis(&self, factor: usize) -> Axis {
        let levels = self.levels(factor);
        let numbers: Option<Vec<f64>> = levels.iter().map(Level::number).collect();
        match numbers {
            Some(v) if !v.is_empty() => Axis::Numeric {
                low: v.iter().copied().fold(f64::MAX, f64::min),
                high: v.iter().copied().fold(f64::MIN, f64::max),
            },
            _ => Axis::Categories(levels.iter().map(Level::text).collect()),
        }
    }

    /// A point's position on a factor's axis.
    fn x_of(&self, factor: usize, point: usize, axis: &Axis) -> f64 {
        match (&self.values[point][factor], axis) {
            (Level::Number(x), Axis::Numeric { .. }) => *x,
            (l, Axis::Categories(c)) => {
                let t = l.text();
                c.iter().position(|x| *x == t).unwrap_or_default() as f64
            }
            (Level::Text(_), Axis::Numeric { .. }) => 0.0,
        }
    }

    /// Check that the sweep is of the study's scenario (`dir` is the sweep folder as given).
    pub fn check_scenario(
        &self,
        dir: &Path,
        study: &str,
        study_file: &str,
    ) -> Result<(), SweepError> {
        if self.scenario == study {
            return Ok(());
        }
        Err(SweepError::OtherScenario {
            dir: dir.display().to_string(),
            sweep: self.scenario.clone(),
            study: study.to_string(),
            study_file: study_file.to_string(),
        })
    }
}

/// What a sweep's `manifest.json` says.
struct Head {
    /// The manifest's path as messages show it.
    path: String,
    manifest: serde_json::Map<String, serde_json::Value>,
    design: String,
    family: Family,
    scenario: String,
    runs: Option<u64>,
    seed: Option<u64>,
    /// The number of points, when the manifest says.
    points: Option<u64>,
    factors: Vec<Factor>,
}

impl Head {
    /// Read and check `manifest.json`.
    fn read(dir: &Path) -> Result<Self, SweepError> {
        let path = dir.join("manifest.json");
        let bad = |message: String| SweepError::Content {
            path: path.display().to_string(),
            message,
        };
        let manifest = json_object(&path, bad, "an object with \"kind\": \"sweep\"")?;
        match manifest.get("kind") {
            Some(serde_json::Value::String(k)) if k == "sweep" => {}
            Some(k) => return Err(bad(format!("kind: found {k}, expected \"sweep\""))),
            None => return Err(bad("kind: found no such key, expected \"sweep\"".into())),
        }
        let text_key = |key: &str, expected: &str| -> Result<String, SweepError> {
            match manifest.get(key) {
                Some(serde_json::Value::String(s)) if !s.is_empty() => Ok(s.clone()),
                Some(v) => Err(bad(format!("{key}: found {}, {expected}", short_json(v)))),
                None => Err(bad(format!("{key}: found no such key, {expected}"))),
            }
        };
        let design = text_key(
            "design",
            "expected the design as text (grid:K, lhs:N, sobol:N, morris:R, oat, …)",
        )?;
        let family = Family::parse(&design).ok_or_else(|| {
            bad(format!(
                "design: found \"{design}\", expected grid, lhs, sobol, morris or oat (with their numbers)"
            ))
        })?;
        let scenario = text_key("scenario", "expected the scenario's name (text)")?;
        let runs = manifest_whole(&manifest, "runs", &bad)?;
        let seed = manifest_whole(&manifest, "seed", &bad)?;
        let points = manifest_whole(&manifest, "points", &bad)?;
        let factors = manifest_factors(manifest.get("factors"), &bad)?;
        Ok(Self {
            path: path.display().to_string(),
            manifest,
            design,
            family,
            scenario,
            runs,
            seed,
            points,
            factors,
        })
    }
}

/// `design.csv`: the point numbers (ascending, each once, at least one) and each point's
/// level of each factor.
fn read_design(dir: &Path, factors: &[Factor]) -> Result<(Vec<u64>, Vec<Vec<Level>>), SweepError> {
    let (table, records) = CsvFile::read_all(dir, "design.csv")?;
    let expected_header: Vec<&str> = std::iter::once("point")
        .chain(factors.iter().map(|f| f.path.as_str()))
        .collect();
    if !table.header.iter().eq(expected_header.iter().copied()) {
        return Err(table
            .header_error(
                &expected_header,
                " (point, then the factors of manifest.json)",
            )
            .into());
    }
    let mut points: Vec<u64> = Vec::with_capacity(records.len());
    let mut values = Vec::with_capacity(records.len());
    for (line, record) in &records {
        let field = |i: usize| record.get(i).unwrap_or("");
        let p = field(0);
        let point = match (whole::<u64>(p), points.last()) {
            (Some(x), Some(&prev)) if x <= prev => {
                return Err(table
                    .field_error(
                        *line,
                        "point",
                        p,
                        &format!("a point number above the previous one ({prev}): points ascending, each once"),
                    )
                    .into());
            }
            (Some(x), _) => x,
            (None, _) => {
                return Err(table
                    .field_error(*line, "point", p, "a whole number")
                    .into());
            }
        };
        let row = factors
            .iter()
            .enumerate()
            .map(|(k, f)| design_level(&table, *line, f, field(k + 1)))
            .collect::<Result<Vec<_>, _>>()?;
        points.push(point);
        values.push(row);
    }
    if points.is_empty() {
        return Err(SweepError::Content {
            path: table.path,
            message: "found no points, expected a row per design point after the header".into(),
        });
    }
    Ok((points, values))
}

/// The level `s` of factor `f` on line `line` of `design.csv`: a number within the factor's
/// bounds, or one of its values.
fn design_level(table: &CsvFile, line: u64, f: &Factor, s: &str) -> Result<Level, FileError> {
    match &f.levels {
        Levels::Range { low, high } => {
            let tol = 1e-9 * (1.0 + low.abs() + high.abs());
            number(s, low - tol, high + tol)
                .map(Level::Number)
                .ok_or_else(|| {
                    table.field_error(
                        line,
                        &f.path,
                        s,
                        &format!(
                            "a number from {} to {} (the factor's bounds in manifest.json)",
                            num(*low),
                            num(*high)
                        ),
                    )
                })
        }
        Levels::List(list) => list.iter().find(|l| l.matches(s)).cloned().ok_or_else(|| {
            table.field_error(
                line,
                &f.path,
                s,
                &format!(
                    "one of {} (the factor's values in manifest.json)",
                    list.iter()
                        .map(|l| format!("`{}`", l.text()))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        }),
    }
}

/// Pairs as `(a, b)`.
type PairList = Vec<(String, String)>;

/// `sweep.csv`: the pairs in order of first appearance and the rows (one per point of
/// `points` and pair, at least one), each pair one of `listed` (`A-B`, the manifest's
/// `pairs`) when it lists any.
fn read_rows(
    dir: &Path,
    points: &[u64],
    listed: &[String],
) -> Result<(PairList, Vec<SweepRow>), SweepError> {
    let (table, records) = CsvFile::read_all(dir, "sweep.csv")?;
    let mut columns = vec!["point", "a", "b"];
    columns.extend(Output::ALL.iter().map(|o| o.column()));
    let index = table.columns(&columns)?;
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut rows = Vec::with_capacity(records.len());
    let mut first_line: BTreeMap<(usize, usize), u64> = BTreeMap::new();
    for (line, record) in &records {
        let r = Row::new(&table, *line, record, &columns, &index);
        let point = r.get("point", "a point number of design.csv", |p| {
            whole::<u64>(p).and_then(|x| points.binary_search(&x).ok())
        })?;
        let (a, b) = (r.text("a"), r.text("b"));
        for column in ["a", "b"] {
            let id = r.text(column);
            let hidden = |c: char| c.is_whitespace() || crate::text::is_hidden_control(c);
            if id.is_empty() || id.chars().any(hidden) {
                let expected = "a state id (no spaces or control characters)";
                return Err(r.fail(column, expected).into());
            }
        }
        if !listed.is_empty() && !listed.iter().any(|p| *p == format!("{a}-{b}")) {
            let expected = "a pair of the manifest's `pairs` (with the state of column a)";
            return Err(r.fail("b", expected).into());
        }
        if a == b {
            return Err(r.fail("b", "a state other than a").into());
        }
        let pair = match pairs.iter().position(|(x, y)| x == a && y == b) {
            Some(q) => q,
            None => {
                pairs.push((a.to_string(), b.to_string()));
                pairs.len() - 1
            }
        };
        if let Some(first) = first_line.insert((point, pair), *line) {
            let what = format!("point {}, pair {a}-{b}", points[point]);
            return Err(r.duplicate(&what, first).into());
        }
        rows.push(SweepRow {
            point,
            pair,
            values: row_outputs(&r)?,
        });
    }
    if rows.is_empty() {
        return Err(SweepError::Content {
            path: table.path,
            message: "found no rows, expected a row per point and pair after the header".into(),
        });
    }
    Ok((pairs, rows))
}

/// The outputs of a row of `sweep.csv`, in [`Output::ALL`] order.
fn row_outputs(r: &Row<'_>) -> Result<[Option<f64>; 7], FileError> {
    let mut values = [None; 7];
    for (k, o) in Output::ALL.iter().enumerate() {
        let (lo, hi, expected) = if o.is_probability() {
            (
                0.0,
                1.0,
                "a probability from 0 to 1, or an empty field when undefined",
            )
        } else {
            (
                -1.0,
                1.0,
                "an alignment from −1 to 1, or an empty field when undefined",
            )
        };
        values[k] = r.get(o.column(), expected, |s| maybe(s, lo, hi))?;
    }
    Ok(values)
}

fn read_sensitivity(
    dir: &Path,
    factors: &[Factor],
    pairs: &[(String, String)],
) -> Result<Vec<SensitivityRow>, FileError> {
    let (table, records) = CsvFile::read_all(dir, "sensitivity.csv")?;
    let columns = [
        "output", "a", "b", "factor", "method", "index", "estimate", "ci_low", "ci_high", "note",
    ];
    let index = table.columns(&columns)?;
    let mut out = Vec::new();
    let mut first_line: BTreeMap<(Output, usize, usize, Method, String), u64> = BTreeMap::new();
    for (line, record) in &records {
        let r = Row::new(&table, *line, record, &columns, &index);
        let row = sensitivity_row(&r, factors, pairs)?;
        if let (Some(f), Some(m), Some(i)) = (row.factor, row.method, &row.index)
            && let Some(first) = first_line.insert((row.output, row.pair, f, m, i.clone()), *line)
        {
            let what = format!(
                "output {}, pair {}-{}, factor {}, {} index {i}",
                row.output.column(),
                r.text("a"),
                r.text("b"),
                factors[f].path,
                m.name()
            );
            return Err(r.duplicate(&what, first));
        }
        out.push(row);
    }
    Ok(out)
}

/// What a field of `sensitivity.csv` holds: `what`, or empty when the row has a note
/// (`noted`).
fn with_note(noted: bool, what: &str) -> String {
    if noted {
        format!("{what}, or an empty field")
    } else {
        format!("{what} (empty only with a note)")
    }
}

/// One row of `sensitivity.csv`, checked (but for duplicates).
fn sensitivity_row(
    r: &Row<'_>,
    factors: &[Factor],
    pairs: &[(String, String)],
) -> Result<SensitivityRow, FileError> {
    let note = r.text("note").to_string();
    let noted = !note.is_empty();
    let output = r.get(
        "output",
        "an output of sweep.csv (p_alliance_end, p_rivalry_end, mean_alignment_end, …)",
        Output::parse,
    )?;
    let (a, b) = (r.text("a"), r.text("b"));
    let pair = pairs
        .iter()
        .position(|(x, y)| x == a && y == b)
        .ok_or_else(|| {
            r.field_error(
                "a,b",
                &format!("{a},{b}"),
                "a pair of sweep.csv (its a and b)",
            )
        })?;
    // Empty, as a row with a note may leave it.
    let blank = |column: &str| noted && r.text(column).is_empty();
    let factor = if blank("factor") {
        None
    } else {
        Some(r.get(
            "factor",
            &with_note(noted, "a factor of manifest.json and design.csv"),
            |s| factors.iter().position(|f| f.path == s),
        )?)
    };
    let method = if blank("method") {
        None
    } else {
        Some(r.get(
            "method",
            &with_note(noted, "`morris` or `sobol`"),
            Method::parse,
        )?)
    };
    let index = if blank("index") {
        None
    } else {
        Some(index_name(r, method, noted)?)
    };
    let bounded = format!("a number between −{BOUND:e} and {BOUND:e}");
    let estimate = if noted {
        if !r.text("estimate").is_empty() {
            return Err(r.fail(
                "estimate",
                "an empty field (the row has a note saying why it has no estimate)",
            ));
        }
        None
    } else {
        if factor.is_none() || method.is_none() || index.is_none() {
            return Err(r.field_error("note", "", "a note"));
        }
        Some(r.get(
            "estimate",
            &format!("{bounded}, or an empty field with a note saying why"),
            |s| number(s, -BOUND, BOUND),
        )?)
    };
    let interval = interval(r, estimate.is_some(), &bounded)?;
    Ok(SensitivityRow {
        output,
        pair,
        factor,
        method,
        index,
        estimate,
        interval,
        note,
    })
}

/// The `index` of a row of `sensitivity.csv`: an index of `method`, or of either method
/// when the row names none.
fn index_name(r: &Row<'_>, method: Option<Method>, noted: bool) -> Result<String, FileError> {
    let s = r.text("index");
    let ok = match method {
        Some(m) => m.indices().contains(&s),
        None => Method::Morris.indices().contains(&s) || Method::Sobol.indices().contains(&s),
    };
    if !ok {
        let names = match method {
            Some(Method::Morris) => "`mu`, `mu_star` or `sigma` (Morris)",
            Some(Method::Sobol) => "`S1` or `ST` (Sobol)",
            None => "`mu`, `mu_star`, `sigma`, `S1` or `ST`",
        };
        return Err(r.fail("index", &with_note(noted, names)));
    }
    Ok(s.to_string())
}

/// The interval of a row of `sensitivity.csv`: both ends or neither, low ≤ high, and only
/// with an estimate (`estimated`); `bounded` says what an end may be.
fn interval(r: &Row<'_>, estimated: bool, bounded: &str) -> Result<Option<(f64, f64)>, FileError> {
    let bound = |column: &str| {
        r.get(column, &format!("{bounded}, or an empty field"), |s| {
            maybe(s, -BOUND, BOUND)
        })
    };
    let (lo, hi) = (bound("ci_low")?, bound("ci_high")?);
    match (lo, hi) {
        (None, None) => Ok(None),
        (Some(l), Some(h)) if l <= h && estimated => Ok(Some((l, h))),
        (Some(l), Some(_)) if estimated => {
            Err(r.fail("ci_high", &format!("a number at least ci_low ({})", num(l))))
        }
        (Some(_), Some(_)) => Err(r.fail("ci_low", "an empty field (the row has no estimate)")),
        (None, Some(_)) => Err(r.fail("ci_low", "a number (ci_high has one)")),
        (Some(_), None) => Err(r.fail("ci_high", "a number (ci_low has one)")),
    }
}

/// What the page draws for a sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// One factor: line charts against it.
    OneFactor,
    /// Two factors on a full grid: heat maps.
    Grid,
    /// Morris or Sobol indices from `sensitivity.csv`: bar charts.
    Indices(Method),
    /// Anything else: a scatter against each factor.
    Scatter,
}

impl View {
    /// The `id`s of the sections holding the page's charts, in order (one chart each, except
    /// `indices`, which holds one per output with indices).
    pub fn chart_sections(self) -> &'static [&'static str] {
        match self {
            Self::OneFactor => &["lines"],
            Self::Grid => &["heat-alliance", "heat-rivalry"],
            Self::Indices(_) => &["indices"],
            Self::Scatter => &["scatter"],
        }
    }
}

// ------------------------------------------------------------------------------------------
// Words and numbers

/// A number in the fewest digits that show it (at most 4 significant, 6 decimals), with a
/// true minus sign: axis ticks, factor values and bounds.
fn num(x: f64) -> String {
    if !x.is_finite() {
        return "—".to_string();
    }
    if x == x.round() && x.abs() < 1e9 {
        return fmt_num(x, 0);
    }
    let magnitude = if x == 0.0 {
        0
    } else {
        x.abs().log10().floor() as i32
    };
    let decimals = (3 - magnitude).clamp(0, 6) as usize;
    let s = fmt_num(x, decimals);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A pair in prose: `CHN–RUS` (an en dash).
fn pair_words(s: &Sweep, pair: usize) -> String {
    let (a, b) = &s.pairs[pair];
    format!("{}–{}", esc(a), esc(b))
}

fn code(s: &str) -> String {
    format!("<code>{}</code>", esc(s))
}

fn percent(x: f64) -> String {
    format!("{} %", fmt_num(100.0 * x, 0))
}

// ------------------------------------------------------------------------------------------
// Charts

const ALLIANCE: RGBColor = PALETTE[2];
const RIVALRY: RGBColor = PALETTE[5];
const ALIGNMENT: RGBColor = PALETTE[0];
/// The dark end of the heat maps' colour scales.
const ALLIANCE_DARK: RGBColor = RGBColor(0, 90, 60);
const RIVALRY_DARK: RGBColor = RGBColor(165, 15, 21);
const UNDEFINED: RGBColor = RGBColor(225, 225, 225);
/// The lines between heat-map cells (visible on white cells too).
const CELL_EDGE: RGBColor = RGBColor(210, 210, 210);

/// The x axis of a factor.
#[derive(Debug, Clone, PartialEq)]
enum Axis {
    /// Numbers from `low` to `high`.
    Numeric { low: f64, high: f64 },
    /// Categories at 0, 1, 2, …
    Categories(Vec<String>),
}

impl Axis {
    fn range(&self) -> (f64, f64) {
        match self {
            Self::Numeric { low, high } if high > low => {
                let pad = 0.04 * (high - low);
                (low - pad, high + pad)
            }
            Self::Numeric { low, .. } => (low - 0.5, low + 0.5),
            Self::Categories(c) => (-0.5, c.len().max(1) as f64 - 0.5),
        }
    }

    fn label(&self, x: f64) -> String {
        match self {
            Self::Numeric { .. } => num(x),
            Self::Categories(c) => {
                let k = x.round();
                if (x - k).abs() < 1e-6 && k >= 0.0 {
                    c.get(k as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            }
        }
    }

    fn ticks(&self) -> usize {
        match self {
            Self::Numeric { .. } => 6,
            Self::Categories(c) => c.len() + 1,
        }
    }

    fn is_numeric(&self) -> bool {
        matches!(self, Self::Numeric { .. })
    }
}

/// One point of a line chart: the factor's value and the pair's outputs there.
#[derive(Debug, Clone, PartialEq)]
struct LinePoint {
    x: f64,
    alliance: Option<f64>,
    rivalry: Option<f64>,
    mean: Option<f64>,
    q05: Option<f64>,
    q95: Option<f64>,
}

/// One pair's row of the line chart.
#[derive(Debug, Clone, PartialEq)]
struct LinePanel {
    label: String,
    points: Vec<LinePoint>,
}

/// A panel of the line charts, on `area`.
type Panel<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A panel of the line charts on `area`, with its caption and mesh: the factor on x (`axis`,
/// described by `x_desc`), y from `y0` to `y1` with `y_labels` labels written by `y_label`.
fn line_panel<'a, 'b>(
    area: &'a Area<'b>,
    caption: String,
    (axis, x_desc): (&Axis, &str),
    (y0, y1, y_labels): (f64, f64, usize),
    y_label: &dyn Fn(&f64) -> String,
) -> Result<Panel<'a, 'b>, String> {
    let (x0, x1) = axis.range();
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, 15))
        .margin(8)
        .margin_right(20)
        .x_label_area_size(40)
        .y_label_area_size(44)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(e)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .x_labels(axis.ticks())
        .y_labels(y_labels)
        .x_desc(x_desc)
        .x_label_formatter(&|x| axis.label(*x))
        .y_label_formatter(y_label)
        .label_style((FONT, 12))
        .axis_desc_style((FONT, 12))
        .draw()
        .map_err(e)?;
    Ok(chart)
}

/// A series of a line chart panel: a dot per defined value, the dots joined by lines when
/// `join` (a numeric factor) and the line broken where a value is undefined.
fn dots_and_lines(
    chart: &mut Panel<'_, '_>,
    points: &[(f64, Option<f64>)],
    colour: RGBColor,
    join: bool,
) -> Result<(), String> {
    for seg in segments(points) {
        if join {
            chart
                .draw_series(LineSeries::new(seg.iter().copied(), colour.stroke_width(2)))
                .map_err(e)?;
        }
        chart
            .draw_series(seg.iter().map(|&p| Circle::new(p, 3, colour.filled())))
            .map_err(e)?;
    }
    Ok(())
}

/// Line charts against one factor: per pair, P(alliance) and P(rivalry) (left) and the mean
/// alignment with its 5–95 % band (right). Categories are drawn as points, not joined.
fn line_chart(panels: &[LinePanel], axis: &Axis, x_desc: &str) -> Result<String, ChartError> {
    let width = 900;
    let entries = vec![
        (
            "P(alliance)".to_string(),
            vec![Key::Line(ALLIANCE, 2), Key::Dot(ALLIANCE)],
        ),
        (
            "P(rivalry)".to_string(),
            vec![Key::Line(RIVALRY, 2), Key::Dot(RIVALRY)],
        ),
        (
            "mean alignment".to_string(),
            vec![Key::Line(ALIGNMENT, 2), Key::Dot(ALIGNMENT)],
        ),
        (
            "5–95 % of runs".to_string(),
            vec![Key::Block(ramp(ALIGNMENT, 0.22))],
        ),
    ];
    let legend_h = legend_height(entries.len(), width, 200);
    let rows = panels.len().max(1) as u32;
    let join = axis.is_numeric();
    let (x0, x1) = axis.range();
    svg(
        "sweep-lines",
        &format!("P(alliance), P(rivalry) and alignment against {x_desc}, per pair"),
        (width, legend_h + 260 * rows),
        |root| {
            let used = legend(root, &entries, 200)?;
            let (_, plots) = root.split_vertically(used);
            let areas = plots.split_evenly((rows as usize, 2));
            for (k, panel) in panels.iter().enumerate() {
                let (Some(left), Some(right)) = (areas.get(2 * k), areas.get(2 * k + 1)) else {
                    break;
                };
                let mut chart = line_panel(
                    left,
                    format!("{}: probabilities", panel.label),
                    (axis, x_desc),
                    (0.0, 1.0, 6),
                    &|p| format!("{p:.1}"),
                )?;
                for (colour, get) in [
                    (
                        ALLIANCE,
                        (|p: &LinePoint| p.alliance) as fn(&LinePoint) -> Option<f64>,
                    ),
                    (RIVALRY, |p: &LinePoint| p.rivalry),
                ] {
                    let pts: Vec<(f64, Option<f64>)> =
                        panel.points.iter().map(|p| (p.x, get(p))).collect();
                    dots_and_lines(&mut chart, &pts, colour, join)?;
                }
                let mut chart = line_panel(
                    right,
                    format!("{}: alignment at the horizon", panel.label),
                    (axis, x_desc),
                    (-1.0, 1.0, 5),
                    &|a| format!("{a:+.1}"),
                )?;
                chart
                    .draw_series(LineSeries::new(
                        [(x0, 0.0), (x1, 0.0)],
                        RGBColor(150, 150, 150).stroke_width(1),
                    ))
                    .map_err(e)?;
                let banded: Vec<(f64, f64, f64)> = panel
                    .points
                    .iter()
                    .filter_map(|p| Some((p.x, p.q05?, p.q95?)))
                    .collect();
                if join && banded.len() > 1 {
                    let band: Vec<(f64, f64)> = banded
                        .iter()
                        .map(|b| (b.0, b.2))
                        .chain(banded.iter().rev().map(|b| (b.0, b.1)))
                        .collect();
                    chart
                        .draw_series(std::iter::once(Polygon::new(
                            band,
                            ALIGNMENT.mix(0.22).filled(),
                        )))
                        .map_err(e)?;
                } else {
                    // Unjoined points (categories, or a single point): a band 12 pixels wide.
                    for &(x, lo, hi) in &banded {
                        chart
                            .draw_series(std::iter::once(PathElement::new(
                                vec![(x, lo), (x, hi)],
                                ALIGNMENT.mix(0.22).stroke_width(12),
                            )))
                            .map_err(e)?;
                    }
                }
                let pts: Vec<(f64, Option<f64>)> =
                    panel.points.iter().map(|p| (p.x, p.mean)).collect();
                dots_and_lines(&mut chart, &pts, ALIGNMENT, join)?;
            }
            Ok(())
        },
    )
}

/// One pair's heat map: `values[row][column]`, rows the second factor's levels (the first
/// at the bottom), columns the first factor's.
#[derive(Debug, Clone, PartialEq)]
struct HeatPanel {
    label: String,
    values: Vec<Vec<Option<f64>>>,
}

/// Heat maps of a probability over two factors' levels, one panel per pair, with a colour
/// scale from 0 (white) to 1 (`dark`); cell values printed when the grid is at most
/// [`CELL_VALUES_UP_TO`] levels on each side.
#[allow(clippy::too_many_arguments)]
fn heat_chart(
    chart: &'static str,
    what: &str,
    panels: &[HeatPanel],
    xs: &[String],
    ys: &[String],
    descs: (&str, &str),
    dark: RGBColor,
) -> Result<String, ChartError> {
    let l = HeatLayout::new(panels.len(), xs, ys);
    let width = l.panel_w * l.cols as i32;
    let height = l.scale_h + l.panel_h * l.rows as i32;
    svg(chart, what, (width as u32, height as u32), |root| {
        heat_scale(root, what, dark)?;
        for (k, panel) in panels.iter().enumerate() {
            let ox = l.panel_w * (k % l.cols) as i32;
            let oy = l.scale_h + l.panel_h * (k / l.cols) as i32;
            l.cells(root, panel, (ox, oy), dark)?;
            l.axes(root, (ox, oy), xs, ys, descs)?;
        }
        Ok(())
    })
}

/// Where a heat chart puts things: panels of `cols` columns and `rows` rows under the colour
/// scale, each a caption, a grid of `nx × ny` cells right of the y labels, and the x labels.
struct HeatLayout {
    cols: usize,
    rows: usize,
    panel_w: i32,
    panel_h: i32,
    scale_h: i32,
    caption: i32,
    left: i32,
    cell_w: i32,
    cell_h: i32,
    nx: i32,
    ny: i32,
    show_values: bool,
    font: f64,
    /// Label every `x_every`-th column and every `y_every`-th row.
    x_every: usize,
    y_every: usize,
}

impl HeatLayout {
    fn new(panels: usize, xs: &[String], ys: &[String]) -> Self {
        let cols = if panels > 1 { 2 } else { 1 };
        let panel_w: i32 = if cols == 2 { 450 } else { 620 };
        let (nx, ny) = (xs.len().max(1) as i32, ys.len().max(1) as i32);
        let longest_y = ys.iter().map(|s| s.chars().count()).max().unwrap_or(1) as i32;
        let left = 30 + (7 * longest_y + 10).clamp(30, 110);
        let cell_w = ((panel_w - left - 16) / nx).max(4);
        let cell_h = cell_w.min(360 / ny).max(4);
        let (caption, bottom) = (28, 54);
        Self {
            cols,
            rows: panels.div_ceil(cols).max(1),
            panel_w,
            panel_h: caption + cell_h * ny + bottom,
            scale_h: 50,
            caption,
            left,
            cell_w,
            cell_h,
            nx,
            ny,
            show_values: xs.len() <= CELL_VALUES_UP_TO && ys.len() <= CELL_VALUES_UP_TO,
            font: (f64::from(cell_w.min(cell_h)) * 0.34).clamp(8.0, 12.0),
            x_every: xs.len().div_ceil(CELL_VALUES_UP_TO).max(1),
            y_every: ys.len().div_ceil(CELL_VALUES_UP_TO * 2).max(1),
        }
    }

    /// A panel's caption, its cells (with their values when shown) and the cell edges; the
    /// panel's top left corner at `(ox, oy)`.
    fn cells(
        &self,
        root: &Area<'_>,
        panel: &HeatPanel,
        (ox, oy): (i32, i32),
        dark: RGBColor,
    ) -> Result<(), String> {
        let (cell_w, cell_h, nx, ny) = (self.cell_w, self.cell_h, self.nx, self.ny);
        let (gx, gy) = (ox + self.left, oy + self.caption);
        root.draw(&Text::new(
            panel.label.clone(),
            (gx + cell_w * nx / 2, oy + 12),
            text_style(15.0, HPos::Center, VPos::Center),
        ))
        .map_err(e)?;
        for r in 0..ny {
            // Row r of the values is drawn from the bottom up.
            let y = gy + cell_h * (ny - 1 - r);
            for c in 0..nx {
                let x = gx + cell_w * c;
                let v = panel
                    .values
                    .get(r as usize)
                    .and_then(|row| row.get(c as usize))
                    .copied()
                    .flatten();
                let fill = v.map_or(UNDEFINED, |v| ramp(dark, v));
                root.draw(&Rectangle::new(
                    [(x, y), (x + cell_w, y + cell_h)],
                    fill.filled(),
                ))
                .map_err(e)?;
                if self.show_values {
                    let ink = if v.is_some_and(|v| v > 0.55) {
                        WHITE
                    } else {
                        BLACK
                    };
                    root.draw(&Text::new(
                        v.map_or("—".to_string(), |v| format!("{v:.2}")),
                        (x + cell_w / 2, y + cell_h / 2),
                        text_style(self.font, HPos::Center, VPos::Center).color(&ink),
                    ))
                    .map_err(e)?;
                }
            }
        }
        for c in 0..=nx {
            root.draw(&PathElement::new(
                vec![(gx + cell_w * c, gy), (gx + cell_w * c, gy + cell_h * ny)],
                CELL_EDGE.stroke_width(1),
            ))
            .map_err(e)?;
        }
        for r in 0..=ny {
            root.draw(&PathElement::new(
                vec![(gx, gy + cell_h * r), (gx + cell_w * nx, gy + cell_h * r)],
                CELL_EDGE.stroke_width(1),
            ))
            .map_err(e)?;
        }
        Ok(())
    }

    /// A panel's level labels and the factors' descriptions (`x_desc`, `y_desc`).
    fn axes(
        &self,
        root: &Area<'_>,
        (ox, oy): (i32, i32),
        xs: &[String],
        ys: &[String],
        (x_desc, y_desc): (&str, &str),
    ) -> Result<(), String> {
        let (cell_w, cell_h, nx, ny) = (self.cell_w, self.cell_h, self.nx, self.ny);
        let (gx, gy) = (ox + self.left, oy + self.caption);
        for (c, label) in xs.iter().enumerate() {
            if c % self.x_every != 0 {
                continue;
            }
            root.draw(&Text::new(
                label.clone(),
                (gx + cell_w * c as i32 + cell_w / 2, gy + cell_h * ny + 5),
                text_style(11.0, HPos::Center, VPos::Top),
            ))
            .map_err(e)?;
        }
        root.draw(&Text::new(
            x_desc.to_string(),
            (gx + cell_w * nx / 2, gy + cell_h * ny + 30),
            text_style(12.0, HPos::Center, VPos::Top),
        ))
        .map_err(e)?;
        for (r, label) in ys.iter().enumerate() {
            if r % self.y_every != 0 {
                continue;
            }
            let y = gy + cell_h * (ny - 1 - r as i32) + cell_h / 2;
            root.draw(&Text::new(
                label.clone(),
                (gx - 5, y),
                text_style(11.0, HPos::Right, VPos::Center),
            ))
            .map_err(e)?;
        }
        root.draw(&Text::new(
            y_desc.to_string(),
            (ox + 12, gy + cell_h * ny / 2),
            text_style(12.0, HPos::Center, VPos::Center).transform(FontTransform::Rotate270),
        ))
        .map_err(e)?;
        Ok(())
    }
}

/// The colour scale of a heat chart, from 0 (white) to 1 (`dark`), and the colour of
/// undefined cells.
fn heat_scale(root: &Area<'_>, what: &str, dark: RGBColor) -> Result<(), String> {
    let (sx, sy, sw) = (20, 14, 240);
    root.draw(&Text::new(
        format!("{what}:"),
        (sx, sy + 6),
        text_style(12.0, HPos::Left, VPos::Center),
    ))
    .map_err(e)?;
    let bar_x = sx + 130;
    colour_bar(root, (bar_x, sy), sw, |x| ramp(dark, x))?;
    for (k, label) in ["0", "0.25", "0.5", "0.75", "1"].iter().enumerate() {
        let x = bar_x + sw * k as i32 / 4;
        root.draw(&PathElement::new(
            vec![(x, sy + 12), (x, sy + 16)],
            BLACK.stroke_width(1),
        ))
        .map_err(e)?;
        root.draw(&Text::new(
            label.to_string(),
            (x, sy + 18),
            text_style(11.0, HPos::Center, VPos::Top),
        ))
        .map_err(e)?;
    }
    root.draw(&Rectangle::new(
        [(bar_x + sw + 24, sy), (bar_x + sw + 36, sy + 12)],
        UNDEFINED.filled(),
    ))
    .map_err(e)?;
    root.draw(&Text::new(
        "undefined",
        (bar_x + sw + 42, sy + 6),
        text_style(11.0, HPos::Left, VPos::Center),
    ))
    .map_err(e)?;
    Ok(())
}

/// An estimate and its interval, when known.
type Estimate = (Option<f64>, Option<(f64, f64)>);

/// One factor's bars in an index chart: per series, the estimate and its interval.
#[derive(Debug, Clone, PartialEq)]
struct IndexBars {
    factor: String,
    values: Vec<Estimate>,
}

/// One panel of an index chart: a pair and output, factors most important first.
#[derive(Debug, Clone, PartialEq)]
struct IndexPanel {
    label: String,
    bars: Vec<IndexBars>,
}

/// "Nice" ticks covering `lo..hi`, about `n` of them.
fn ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let span = (hi - lo).max(1e-12);
    let raw = span / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// The x range of an index chart, the same for all its panels (one output, so that pairs
/// compare): every estimate and 0, and the intervals as far as half the estimates' span beyond
/// them (a wider interval is cut at the edge), with a margin.
fn index_axis(panels: &[IndexPanel]) -> (f64, f64) {
    let all = || {
        panels
            .iter()
            .flat_map(|p| p.bars.iter().flat_map(|b| b.values.iter()))
    };
    let estimates: Vec<f64> = all().filter_map(|v| v.0).collect();
    let emin = estimates.iter().copied().fold(0.0, f64::min);
    let emax = estimates.iter().copied().fold(0.0, f64::max);
    let span = (emax - emin).max(1e-6);
    let low = all()
        .filter_map(|v| v.1.map(|c| c.0))
        .fold(emin, f64::min)
        .max(emin - 0.5 * span);
    let high = all()
        .filter_map(|v| v.1.map(|c| c.1))
        .fold(emax, f64::max)
        .min(emax + 0.5 * span);
    let (low, mut high) = (low.min(0.0), high.max(0.0));
    if high - low < 1e-6 {
        high = low + 1.0;
    }
    let pad = 0.04 * (high - low);
    (if low < 0.0 { low - pad } else { low }, high + pad)
}

/// Horizontal bar charts of sensitivity indices ("tornado"): one panel per pair, one row per
/// factor (the most important at the top), one thin bar per series (`series`: name and
/// colour) with its interval as a whisker and its value at the end, on one x axis for all
/// panels ([`index_axis`]) described by `x_desc`.
fn index_chart(
    chart: &'static str,
    what: &str,
    panels: &[IndexPanel],
    series: &[(&str, RGBColor)],
    x_desc: &str,
) -> Result<String, ChartError> {
    let l = IndexLayout::new(panels, series.len());
    let mut entries: Vec<(String, Vec<Key>)> = series
        .iter()
        .map(|(name, c)| (name.to_string(), vec![Key::Block(*c)]))
        .collect();
    entries.push(("95 % interval (bootstrap)".to_string(), vec![Key::Whisker]));
    let legend_h = legend_height(entries.len(), l.width as u32, 220) as i32;
    let height = legend_h + panels.iter().map(|p| l.panel_h(p)).sum::<i32>();
    svg(
        chart,
        what,
        (l.width as u32, height.max(60) as u32),
        |root| {
            legend(root, &entries, 220)?;
            let mut oy = legend_h;
            for panel in panels {
                root.draw(&Text::new(
                    panel.label.clone(),
                    (l.x0, oy + 12),
                    text_style(15.0, HPos::Left, VPos::Center),
                ))
                .map_err(e)?;
                let top = oy + l.caption;
                let bottom = top + l.row_h * panel.bars.len().max(1) as i32;
                l.axis(root, top, bottom, x_desc)?;
                for (r, bars) in panel.bars.iter().enumerate() {
                    let y = top + l.row_h * r as i32;
                    root.draw(&Text::new(
                        bars.factor.clone(),
                        (l.x0 - 8, y + l.row_h / 2),
                        text_style(12.0, HPos::Right, VPos::Center),
                    ))
                    .map_err(e)?;
                    for (k, (estimate, (_, colour))) in bars.values.iter().zip(series).enumerate() {
                        l.bar(root, *estimate, *colour, y + 5 + l.bar_h * k as i32)?;
                    }
                }
                oy += l.panel_h(panel);
            }
            Ok(())
        },
    )
}

/// Where an index chart puts things: panels one under the other, each a caption, a row per
/// factor of a bar per series, and the x axis from `lo` to `hi` between `x0` and `x1`.
struct IndexLayout {
    width: i32,
    x0: i32,
    x1: i32,
    bar_h: i32,
    row_h: i32,
    caption: i32,
    axis_h: i32,
    gap: i32,
    lo: f64,
    hi: f64,
}

impl IndexLayout {
    fn new(panels: &[IndexPanel], series: usize) -> Self {
        let width: i32 = 900;
        let longest = panels
            .iter()
            .flat_map(|p| p.bars.iter().map(|b| b.factor.chars().count()))
            .max()
            .unwrap_or(8) as i32;
        let left = (7 * longest + 20).clamp(100, 320);
        let right = 70;
        let bar_h = 11;
        let (lo, hi) = index_axis(panels);
        Self {
            width,
            x0: left,
            x1: width - right,
            bar_h,
            row_h: 10 + bar_h * series.max(1) as i32,
            caption: 26,
            axis_h: 50,
            gap: 14,
            lo,
            hi,
        }
    }

    fn panel_h(&self, p: &IndexPanel) -> i32 {
        self.caption + self.row_h * p.bars.len().max(1) as i32 + self.axis_h + self.gap
    }

    /// The x position of `v`.
    fn px(&self, v: f64) -> i32 {
        (f64::from(self.x0) + (v - self.lo) / (self.hi - self.lo) * f64::from(self.x1 - self.x0))
            .round()
            .clamp(-1e6, 1e6) as i32
    }

    /// A panel's grid lines and ticks from `top` to `bottom`, its x axis described by
    /// `x_desc`, and the line at 0.
    fn axis(&self, root: &Area<'_>, top: i32, bottom: i32, x_desc: &str) -> Result<(), String> {
        let (x0, x1) = (self.x0, self.x1);
        for t in ticks(self.lo, self.hi, 6) {
            let x = self.px(t);
            root.draw(&PathElement::new(
                vec![(x, top), (x, bottom)],
                GRID.stroke_width(1),
            ))
            .map_err(e)?;
            root.draw(&PathElement::new(
                vec![(x, bottom), (x, bottom + 4)],
                BLACK.stroke_width(1),
            ))
            .map_err(e)?;
            root.draw(&Text::new(
                num(t),
                (x, bottom + 6),
                text_style(11.0, HPos::Center, VPos::Top),
            ))
            .map_err(e)?;
        }
        root.draw(&PathElement::new(
            vec![(x0, bottom), (x1, bottom)],
            BLACK.stroke_width(1),
        ))
        .map_err(e)?;
        root.draw(&Text::new(
            x_desc.to_string(),
            ((x0 + x1) / 2, bottom + 24),
            text_style(12.0, HPos::Center, VPos::Top),
        ))
        .map_err(e)?;
        root.draw(&PathElement::new(
            vec![(self.px(0.0), top), (self.px(0.0), bottom)],
            BLACK.stroke_width(1),
        ))
        .map_err(e)?;
        Ok(())
    }

    /// One bar from 0 to the estimate, its interval as a whisker and its value at the end,
    /// at `by` from the top; nothing when there is no estimate.
    fn bar(
        &self,
        root: &Area<'_>,
        (v, ci): Estimate,
        colour: RGBColor,
        by: i32,
    ) -> Result<(), String> {
        let bh = self.bar_h - 2;
        let Some(v) = v else { return Ok(()) };
        let (lo, hi) = (self.lo, self.hi);
        let (a, b) = (self.px(0.0).min(self.px(v)), self.px(0.0).max(self.px(v)));
        root.draw(&Rectangle::new(
            [(a, by), (b.max(a + 1), by + bh)],
            colour.filled(),
        ))
        .map_err(e)?;
        let mut end = b;
        if let Some((l, h)) = ci {
            // Ends beyond the axis are cut at its edge and drawn as arrowheads.
            let mid = by + bh / 2;
            let (pl, ph) = (self.px(l.max(lo)), self.px(h.min(hi)));
            root.draw(&PathElement::new(
                vec![(pl, mid), (ph, mid)],
                BLACK.stroke_width(1),
            ))
            .map_err(e)?;
            for (x, cut, out) in [(pl, l < lo, -1), (ph, h > hi, 1)] {
                if cut {
                    root.draw(&Polygon::new(
                        vec![(x + 5 * out, mid), (x, mid - 4), (x, mid + 4)],
                        BLACK.filled(),
                    ))
                    .map_err(e)?;
                } else {
                    root.draw(&PathElement::new(
                        vec![(x, by), (x, by + bh)],
                        BLACK.stroke_width(1),
                    ))
                    .map_err(e)?;
                }
            }
            end = end.max(ph + if h > hi { 5 } else { 0 });
        }
        root.draw(&Text::new(
            fmt_num(v, 2),
            (end + 4, by + bh / 2),
            text_style(10.0, HPos::Left, VPos::Center),
        ))
        .map_err(e)?;
        Ok(())
    }
}

/// One factor's scatter: per pair, (x, y) points.
#[derive(Debug, Clone, PartialEq)]
struct ScatterPanel {
    factor: String,
    axis: Axis,
    series: Vec<Vec<(f64, f64)>>,
}

/// Small scatter charts of an output against each factor, one colour per pair.
fn scatter_chart(
    panels: &[ScatterPanel],
    pairs: &[String],
    output: Output,
) -> Result<String, ChartError> {
    let width: u32 = 900;
    let cols = panels.len().clamp(1, 3);
    let rows = panels.len().div_ceil(cols).max(1);
    let entries: Vec<(String, Vec<Key>)> = pairs
        .iter()
        .enumerate()
        .map(|(k, p)| (p.clone(), vec![Key::Dot(PALETTE[k % PALETTE.len()])]))
        .collect();
    let legend_h = legend_height(entries.len(), width, 140);
    let y_range = if output.is_probability() {
        0.0..1.0
    } else {
        -1.0..1.0
    };
    svg(
        "sweep-scatter",
        &format!("{} of the chosen pairs against each factor", output.words()),
        (width, legend_h + 280 * rows as u32),
        |root| {
            let used = legend(root, &entries, 140)?;
            let (_, plots) = root.split_vertically(used);
            let areas = plots.split_evenly((rows, cols));
            for (panel, area) in panels.iter().zip(areas.iter()) {
                let (x0, x1) = panel.axis.range();
                let mut chart = ChartBuilder::on(area)
                    .caption(&panel.factor, (FONT, 14))
                    .margin(8)
                    .margin_right(16)
                    .x_label_area_size(30)
                    .y_label_area_size(40)
                    .build_cartesian_2d(x0..x1, y_range.clone())
                    .map_err(e)?;
                chart
                    .configure_mesh()
                    .light_line_style(WHITE)
                    .bold_line_style(GRID)
                    .x_labels(panel.axis.ticks().min(5))
                    .y_labels(5)
                    .x_label_formatter(&|x| panel.axis.label(*x))
                    .y_label_formatter(&|p| format!("{p:.1}"))
                    .label_style((FONT, 11))
                    .draw()
                    .map_err(e)?;
                for (k, pts) in panel.series.iter().enumerate() {
                    let colour = PALETTE[k % PALETTE.len()];
                    chart
                        .draw_series(
                            pts.iter()
                                .map(|&p| Circle::new(p, 3, colour.mix(0.75).filled())),
                        )
                        .map_err(e)?;
                }
            }
            Ok(())
        },
    )
}

// ------------------------------------------------------------------------------------------
// The analyses: charts, readings and tables shared by the page and the study's report

/// The points of a one-factor sweep in the factor's order, each value once.
fn ordered_points(s: &Sweep, axis: &Axis) -> Vec<usize> {
    let mut order: Vec<(f64, usize)> = (0..s.points.len())
        .map(|p| (s.x_of(0, p, axis), p))
        .collect();
    order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    order.dedup_by(|b, a| a.0 == b.0);
    order.into_iter().map(|x| x.1).collect()
}

fn line_panels(s: &Sweep, pairs: &[usize], axis: &Axis, order: &[usize]) -> Vec<LinePanel> {
    pairs
        .iter()
        .map(|&q| LinePanel {
            label: s.pair_name(q),
            points: order
                .iter()
                .map(|&p| LinePoint {
                    x: s.x_of(0, p, axis),
                    alliance: s.value(q, p, Output::PAllianceEnd),
                    rivalry: s.value(q, p, Output::PRivalryEnd),
                    mean: s.value(q, p, Output::MeanAlignmentEnd),
                    q05: s.value(q, p, Output::Q05AlignmentEnd),
                    q95: s.value(q, p, Output::Q95AlignmentEnd),
                })
                .collect(),
        })
        .collect()
}

/// "`f` from A to B takes P(X alliance) from 0.99 to 0.00 …": a one-factor reading of a pair.
fn one_factor_reading(s: &Sweep, q: usize, order: &[usize]) -> String {
    let f = &s.factors[0];
    let pw = pair_words(s, q);
    let series = |o: Output| -> Vec<(usize, f64)> {
        order
            .iter()
            .filter_map(|&p| Some((p, s.value(q, p, o)?)))
            .collect()
    };
    let alliance = series(Output::PAllianceEnd);
    let rivalry = series(Output::PRivalryEnd);
    if !f.is_numeric() {
        let parts: Vec<String> = order
            .iter()
            .map(|&p| {
                format!(
                    "{} {}",
                    code(&s.values[p][0].text()),
                    opt_num(s.value(q, p, Output::PAllianceEnd), 2)
                )
            })
            .collect();
        return format!(
            "{} by {}: {}.",
            Output::PAllianceEnd.of_pair(&pw),
            code(&f.path),
            parts.join(", ")
        );
    }
    let (Some(first), Some(last)) = (alliance.first(), alliance.last()) else {
        return format!(
            "{} is undefined at every point.",
            Output::PAllianceEnd.of_pair(&pw)
        );
    };
    let x = |p: usize| num(s.values[p][0].number().unwrap_or_default());
    let mut text = format!(
        "{} from {} to {} takes {} from {} to {}",
        code(&f.path),
        x(first.0),
        x(last.0),
        Output::PAllianceEnd.of_pair(&pw),
        fmt_num(first.1, 2),
        fmt_num(last.1, 2)
    );
    if let (Some(a), Some(b)) = (rivalry.first(), rivalry.last())
        && fmt_num(a.1, 2) != fmt_num(b.1, 2)
    {
        let _ = write!(
            text,
            " and {} from {} to {}",
            Output::PRivalryEnd.of_pair(&pw),
            fmt_num(a.1, 2),
            fmt_num(b.1, 2)
        );
    }
    text.push('.');
    if let Some(w) = alliance
        .windows(2)
        .find(|w| (w[0].1 - 0.5) * (w[1].1 - 0.5) < 0.0)
    {
        let _ = write!(
            text,
            " P(alliance) crosses one half between {} and {}.",
            x(w[0].0),
            x(w[1].0)
        );
    }
    let (hi, lo) = alliance
        .iter()
        .fold((alliance[0], alliance[0]), |(h, l), &v| {
            (if v.1 > h.1 { v } else { h }, if v.1 < l.1 { v } else { l })
        });
    let ends = |v: (usize, f64)| v.0 == first.0 || v.0 == last.0;
    if !ends(hi) && hi.1 > first.1.max(last.1) + 0.02 {
        let _ = write!(
            text,
            " It is highest in between: {} at {}.",
            fmt_num(hi.1, 2),
            x(hi.0)
        );
    } else if !ends(lo) && lo.1 < first.1.min(last.1) - 0.02 {
        let _ = write!(
            text,
            " It is lowest in between: {} at {}.",
            fmt_num(lo.1, 2),
            x(lo.0)
        );
    }
    text
}

/// The one-factor analysis: chart, readings, how to read it, and (on the page) the table.
fn one_factor(o: &mut String, s: &Sweep, pairs: &[usize], full: bool) -> Result<(), SweepError> {
    let axis = s.axis(0);
    let order = ordered_points(s, &axis);
    let f = &s.factors[0].path;
    let chart = line_chart(&line_panels(s, pairs, &axis, &order), &axis, f)?;
    let id = if full { "lines" } else { "drivers-lines" };
    let _ = writeln!(
        o,
        "<figure id=\"{id}\">{chart}<figcaption>Per pair, against {} ({} values{}): left, the probability of alliance (green) and of rivalry (red) at the horizon; right, the mean alignment at the horizon (blue line) and the band holding 90 % of the runs (5 % to 95 %).</figcaption></figure>",
        code(f),
        order.len(),
        if axis.is_numeric() {
            ""
        } else {
            ", categories"
        }
    );
    if !full {
        return Ok(());
    }
    let _ = writeln!(
        o,
        "<h3>How to read these charts</h3>\n<p>Each point is one study of {} runs with the factor set to the value on the x axis and everything else as in the scenario. The runs use the same random numbers at every point, so a change from one point to the next is the factor's doing, not sampling noise. A steep stretch of a line is where the factor decides the outcome; a flat line means it does not matter in this range. Probabilities are threshold statistics and can jump while the alignment moves gently: read them with the mean alignment and its band on the right.</p>",
        s.runs_text()
    );
    let _ = writeln!(
        o,
        "<table><caption>The numbers behind the charts</caption><tr><th>{}</th><th>pair</th><th>P(alliance)</th><th>P(ever allied)</th><th>P(rivalry)</th><th>mean alignment</th><th>5 %</th><th>median</th><th>95 %</th></tr>",
        esc(f)
    );
    for &q in pairs {
        for &p in &order {
            let v = |out: Output, d: usize| opt_num(s.value(q, p, out), d);
            let _ = writeln!(
                o,
                "<tr><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(&s.values[p][0].text()),
                esc(&s.pair_name(q)),
                v(Output::PAllianceEnd, 3),
                v(Output::PAllianceEver, 3),
                v(Output::PRivalryEnd, 3),
                v(Output::MeanAlignmentEnd, 3),
                v(Output::Q05AlignmentEnd, 3),
                v(Output::Q50AlignmentEnd, 3),
                v(Output::Q95AlignmentEnd, 3)
            );
        }
    }
    let _ = writeln!(o, "</table>");
    Ok(())
}

/// The grid of a two-factor sweep: `index[row][col]` = the point at (level col of the first
/// factor, level row of the second).
fn grid_points(s: &Sweep) -> (Vec<Level>, Vec<Level>, Vec<Vec<Option<usize>>>) {
    let (l0, l1) = (s.levels(0), s.levels(1));
    let mut index = vec![vec![None; l0.len()]; l1.len()];
    for (p, row) in s.values.iter().enumerate() {
        if let (Some(c), Some(r)) = (
            l0.iter().position(|l| *l == row[0]),
            l1.iter().position(|l| *l == row[1]),
        ) {
            index[r][c] = Some(p);
        }
    }
    (l0, l1, index)
}

/// The range of an output's means over each level of each factor (averaged over the other):
/// how far each factor alone moves it.
fn main_effects(s: &Sweep, q: usize, output: Output, index: &[Vec<Option<usize>>]) -> [f64; 2] {
    let mean = |v: Vec<f64>| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    let range = |m: Vec<Option<f64>>| {
        let m: Vec<f64> = m.into_iter().flatten().collect();
        if m.is_empty() {
            0.0
        } else {
            m.iter().copied().fold(f64::MIN, f64::max) - m.iter().copied().fold(f64::MAX, f64::min)
        }
    };
    let cols = index.first().map_or(0, Vec::len);
    let by_col = (0..cols)
        .map(|c| {
            mean(
                index
                    .iter()
                    .filter_map(|row| s.value(q, row[c]?, output))
                    .collect(),
            )
        })
        .collect();
    let by_row = index
        .iter()
        .map(|row| {
            mean(
                row.iter()
                    .filter_map(|p| s.value(q, (*p)?, output))
                    .collect(),
            )
        })
        .collect();
    [range(by_col), range(by_row)]
}

fn grid_reading(s: &Sweep, q: usize, index: &[Vec<Option<usize>>]) -> String {
    let pw = pair_words(s, q);
    let what = Output::PAllianceEnd.of_pair(&pw);
    let cells: Vec<(usize, f64)> = index
        .iter()
        .flatten()
        .filter_map(|p| *p)
        .filter_map(|p| Some((p, s.value(q, p, Output::PAllianceEnd)?)))
        .collect();
    let Some(&first) = cells.first() else {
        return format!("{what} is undefined at every point.");
    };
    let (lo, hi) = cells.iter().fold((first, first), |(l, h), &v| {
        (if v.1 < l.1 { v } else { l }, if v.1 > h.1 { v } else { h })
    });
    let at = |p: usize| {
        format!(
            "{} = {}, {} = {}",
            code(&s.factors[0].path),
            esc(&s.values[p][0].text()),
            code(&s.factors[1].path),
            esc(&s.values[p][1].text())
        )
    };
    let [m0, m1] = main_effects(s, q, Output::PAllianceEnd, index);
    let mut text = format!(
        "{what} ranges from {} ({}) to {} ({}).",
        fmt_num(lo.1, 2),
        at(lo.0),
        fmt_num(hi.1, 2),
        at(hi.0)
    );
    if hi.1 - lo.1 > 0.0 {
        let (big, small) = if m0 >= m1 { (0, 1) } else { (1, 0) };
        let _ = write!(
            text,
            " Averaged over the other factor, {} moves it by {} and {} by {}",
            code(&s.factors[0].path),
            fmt_num(m0, 2),
            code(&s.factors[1].path),
            fmt_num(m1, 2)
        );
        if (m0 - m1).abs() >= 0.01 {
            let _ = write!(text, ": {} matters more.", code(&s.factors[big].path));
        } else {
            let _ = write!(
                text,
                ": {} and {} matter about as much.",
                code(&s.factors[big].path),
                code(&s.factors[small].path)
            );
        }
    }
    text
}

fn grid(o: &mut String, s: &Sweep, pairs: &[usize], full: bool) -> Result<(), SweepError> {
    let (l0, l1, index) = grid_points(s);
    let xs: Vec<String> = l0.iter().map(level_label).collect();
    let ys: Vec<String> = l1.iter().map(level_label).collect();
    let descs = (s.factors[0].path.as_str(), s.factors[1].path.as_str());
    for (output, id, dark) in [
        (Output::PAllianceEnd, "heat-alliance", ALLIANCE_DARK),
        (Output::PRivalryEnd, "heat-rivalry", RIVALRY_DARK),
    ] {
        let panels: Vec<HeatPanel> = pairs
            .iter()
            .map(|&q| HeatPanel {
                label: s.pair_name(q),
                values: index
                    .iter()
                    .map(|row| row.iter().map(|p| s.value(q, (*p)?, output)).collect())
                    .collect(),
            })
            .collect();
        let chart = heat_chart(
            if output == Output::PAllianceEnd {
                "sweep-heat-alliance"
            } else {
                "sweep-heat-rivalry"
            },
            output.words(),
            &panels,
            &xs,
            &ys,
            descs,
            dark,
        )?;
        let (open, close) = if full {
            (
                format!(
                    "<section id=\"{id}\">\n<h2>{} over the two factors</h2>\n",
                    output.words()
                ),
                "</section>\n",
            )
        } else {
            (String::new(), "")
        };
        let _ = writeln!(
            o,
            "{open}<figure id=\"{}{id}\">{chart}<figcaption>{} at the horizon for each combination of {} (columns, {} levels) and {} (rows, {} levels, the lowest at the bottom){}. Darker is more likely; grey cells are undefined.</figcaption></figure>{close}",
            if full { "figure-" } else { "drivers-" },
            output.words(),
            code(descs.0),
            xs.len(),
            code(descs.1),
            ys.len(),
            if xs.len() <= CELL_VALUES_UP_TO && ys.len() <= CELL_VALUES_UP_TO {
                ", the value in each cell"
            } else {
                ""
            }
        );
    }
    if !full {
        return Ok(());
    }
    let _ = writeln!(
        o,
        "<section id=\"grid-numbers\">\n<h2>How to read the heat maps, and their numbers</h2>\n<p>Each cell is one study of {} runs with the two factors at the cell's levels and everything else as in the scenario; the runs use the same random numbers in every cell. Follow a row to see what the first factor does with the second held fixed, a column for the second factor. Colour bands that run parallel to one axis mean only the other factor matters; diagonal bands mean the two factors trade off, and a change of colour along one axis that differs from row to row means they interact.</p>",
        s.runs_text()
    );
    let _ = write!(
        o,
        "<table><caption>The numbers behind the heat maps</caption><tr><th>{}</th><th>{}</th>",
        esc(descs.0),
        esc(descs.1)
    );
    for &q in pairs {
        let _ = write!(
            o,
            "<th>{0} P(alliance)</th><th>{0} P(rivalry)</th>",
            esc(&s.pair_name(q))
        );
    }
    let _ = writeln!(o, "</tr>");
    for row in &index {
        for p in row.iter().flatten() {
            let _ = write!(
                o,
                "<tr><td class=\"num\">{}</td><td class=\"num\">{}</td>",
                esc(&s.values[*p][0].text()),
                esc(&s.values[*p][1].text())
            );
            for &q in pairs {
                let _ = write!(
                    o,
                    "<td class=\"num\">{}</td><td class=\"num\">{}</td>",
                    opt_num(s.value(q, *p, Output::PAllianceEnd), 3),
                    opt_num(s.value(q, *p, Output::PRivalryEnd), 3)
                );
            }
            let _ = writeln!(o, "</tr>");
        }
    }
    let _ = writeln!(o, "</table>\n</section>");
    Ok(())
}

fn level_label(l: &Level) -> String {
    match l {
        Level::Number(x) => num(*x),
        Level::Text(t) => t.clone(),
    }
}

/// One factor's indices for a pair and output.
#[derive(Debug, Clone, Default, PartialEq)]
struct FactorIndices {
    /// By index name: estimate and interval.
    by_name: BTreeMap<String, (f64, Option<(f64, f64)>)>,
}

impl FactorIndices {
    fn get(&self, name: &str) -> Option<(f64, Option<(f64, f64)>)> {
        self.by_name.get(name).copied()
    }
}

/// The indices of a pair and output: per factor (in the factors' order), and the notes of
/// empty rows.
fn indices_of(
    s: &Sweep,
    method: Method,
    q: usize,
    output: Output,
) -> (Vec<Option<FactorIndices>>, Vec<String>) {
    let mut per: Vec<Option<FactorIndices>> = vec![None; s.factors.len()];
    let mut notes: Vec<String> = Vec::new();
    for r in s
        .sensitivity
        .iter()
        .filter(|r| r.pair == q && r.output == output)
    {
        if !r.note.is_empty() {
            if r.method.is_none_or(|m| m == method) && !notes.contains(&r.note) {
                notes.push(r.note.clone());
            }
            continue;
        }
        if r.method != Some(method) {
            continue;
        }
        if let (Some(f), Some(i), Some(v)) = (r.factor, &r.index, r.estimate) {
            per[f]
                .get_or_insert_with(FactorIndices::default)
                .by_name
                .insert(i.clone(), (v, r.interval));
        }
    }
    (per, notes)
}

/// Factors with indices, most important first (by [`Method::ranking`], ties in factor order).
fn ranked(method: Method, per: &[Option<FactorIndices>]) -> Vec<(usize, FactorIndices)> {
    let mut v: Vec<(usize, FactorIndices)> = per
        .iter()
        .enumerate()
        .filter_map(|(f, x)| Some((f, x.clone()?)))
        .collect();
    let key = |x: &FactorIndices| x.get(method.ranking()).map_or(f64::MIN, |v| v.0);
    v.sort_by(|a, b| key(&b.1).total_cmp(&key(&a.1)).then(a.0.cmp(&b.0)));
    v
}

/// The outputs with indices, `p_alliance_end` first, then in `sweep.csv`'s order.
fn index_outputs(s: &Sweep) -> Vec<Output> {
    Output::ALL
        .into_iter()
        .filter(|o| s.sensitivity.iter().any(|r| r.output == *o))
        .collect()
}

fn series_of(method: Method) -> Vec<(&'static str, RGBColor)> {
    match method {
        Method::Morris => vec![
            ("μ* (mean absolute effect)", PALETTE[0]),
            ("σ (spread of the effects)", PALETTE[6]),
        ],
        Method::Sobol => vec![("S1 (first order)", PALETTE[0]), ("ST (total)", PALETTE[1])],
    }
}

fn series_names(method: Method) -> [&'static str; 2] {
    match method {
        Method::Morris => ["mu_star", "sigma"],
        Method::Sobol => ["S1", "ST"],
    }
}

/// The reading of one pair's indices for an output: the most important factors, in words.
fn index_reading(s: &Sweep, method: Method, q: usize, output: Output) -> String {
    let (per, notes) = indices_of(s, method, q, output);
    let what = output.of_pair(&pair_words(s, q));
    let ranked = ranked(method, &per);
    let Some((top, ix)) = ranked.first() else {
        return if notes.is_empty() {
            format!("{what}: no indices in sensitivity.csv.")
        } else {
            format!("{what} has no indices: {}.", esc(&notes.join("; ")))
        };
    };
    let interval = |ci: Option<(f64, f64)>| {
        ci.map_or(String::new(), |(l, h)| {
            format!(", interval {} to {}", fmt_num(l, 2), fmt_num(h, 2))
        })
    };
    let mut text = match method {
        Method::Morris => {
            let (ms, ci) = ix.get("mu_star").unwrap_or((0.0, None));
            let direction = match ix.get("mu") {
                Some((mu, _)) if ms > 0.0 && mu >= 0.8 * ms => "; raising it raises the output",
                Some((mu, _)) if ms > 0.0 && mu <= -0.8 * ms => "; raising it lowers the output",
                Some(_) if ms > 0.0 => "; its effect changes sign across the design",
                _ => "",
            };
            format!(
                "For {what}, {} has the largest effect (μ* = {}{}{direction})",
                code(&s.factors[*top].path),
                fmt_num(ms, 2),
                interval(ci)
            )
        }
        Method::Sobol => {
            let (s1, _) = ix.get("S1").unwrap_or((0.0, None));
            let (st, ci) = ix.get("ST").unwrap_or((0.0, None));
            if st > 1.0 || ci.is_some_and(|(l, h)| h - l > 1.0) {
                return format!(
                    "The Sobol indices of {what} are too uncertain to read: {} has the largest, ST = {}{}, on a scale from 0 to 1. A larger design (sobol:N with a larger N) would narrow the intervals.",
                    code(&s.factors[*top].path),
                    fmt_num(st, 2),
                    interval(ci)
                );
            }
            format!(
                "{} accounts for about {} of the variance of {what} on its own (S1 = {}) and {} with its interactions (ST = {}{})",
                code(&s.factors[*top].path),
                percent(s1.clamp(0.0, 1.0)),
                fmt_num(s1, 2),
                percent(st.clamp(0.0, 1.0)),
                fmt_num(st, 2),
                interval(ci)
            )
        }
    };
    let rest: Vec<String> = ranked
        .iter()
        .skip(1)
        .take(2)
        .map(|(f, x)| {
            format!(
                "{} ({} = {})",
                code(&s.factors[*f].path),
                method.symbol(),
                fmt_num(x.get(method.ranking()).map_or(0.0, |v| v.0), 2)
            )
        })
        .collect();
    if !rest.is_empty() {
        let _ = write!(text, "; then {}", rest.join(", "));
    }
    text.push('.');
    text
}

/// The index charts of `outputs` for `pairs`; outputs and pairs without indices are listed in
/// `not_drawn`.
fn indices(
    o: &mut String,
    s: &Sweep,
    method: Method,
    pairs: &[usize],
    outputs: &[Output],
    full: bool,
) -> Result<(), SweepError> {
    let mut not_drawn: Vec<String> = Vec::new();
    for &output in outputs {
        index_figure(o, s, method, (pairs, output), full, &mut not_drawn)?;
    }
    if !not_drawn.is_empty() {
        let _ = writeln!(
            o,
            "<p>Not drawn, as they have no indices:</p>\n<ul class=\"not-drawn\">{}</ul>",
            not_drawn
                .iter()
                .map(|x| format!("<li>{x}</li>"))
                .collect::<String>()
        );
    }
    if !full {
        return Ok(());
    }
    let how = match method {
        Method::Morris => {
            "<p>The Morris method moves one factor at a time along random trajectories through the factors' ranges and records each move's effect on the output (an <i>elementary effect</i>, per unit of the factor's range scaled to 0–1). <b>μ*</b> is the mean size of these effects: the larger, the more the factor matters. <b>σ</b> is their spread: a large σ next to μ* means the factor's effect depends on where the other factors are (interactions) or is not a straight line. <b>μ</b>, the signed mean (in the table), says the direction: close to +μ*, raising the factor always raises the output; close to −μ*, it always lowers it. Factors with μ* near zero can be fixed at any value in their range without changing the result. Morris ranks factors; it does not split the variance.</p>"
        }
        Method::Sobol => {
            "<p>Sobol indices split the variance of the output over the design into the factors' shares. <b>S1</b>, the first-order index, is the share a factor causes on its own; <b>ST</b>, the total index, adds every interaction it takes part in. ST near zero means the factor can be fixed anywhere in its range; ST well above S1 means the factor matters through interactions with others. The S1 sum to at most 1; what is left is interactions. Estimates from a finite design are noisy: small negative values mean zero, and wide whiskers call for a larger design (sobol:N with a larger N).</p>"
        }
    };
    let _ = writeln!(o, "<h3>How to read these charts</h3>\n{how}");
    for &output in outputs {
        index_table(o, s, method, pairs, output);
    }
    Ok(())
}

/// The index chart of `output` for `pairs` as a figure (none when no pair has indices); the
/// pairs without indices are pushed to `not_drawn`.
fn index_figure(
    o: &mut String,
    s: &Sweep,
    method: Method,
    (pairs, output): (&[usize], Output),
    full: bool,
    not_drawn: &mut Vec<String>,
) -> Result<(), SweepError> {
    let names = series_names(method);
    let mut panels = Vec::new();
    for &q in pairs {
        let (per, notes) = indices_of(s, method, q, output);
        let ranked = ranked(method, &per);
        if ranked.is_empty() {
            not_drawn.push(format!(
                "{}: {}",
                output.of_pair(&pair_words(s, q)),
                if notes.is_empty() {
                    "no indices in sensitivity.csv".to_string()
                } else {
                    esc(&notes.join("; "))
                }
            ));
            continue;
        }
        panels.push(IndexPanel {
            label: format!("{}: {}", s.pair_name(q), output.words()),
            bars: ranked
                .iter()
                .map(|(f, x)| IndexBars {
                    factor: s.factors[*f].path.clone(),
                    values: names
                        .iter()
                        .map(|n| x.get(n).map_or((None, None), |(v, ci)| (Some(v), ci)))
                        .collect(),
                })
                .collect(),
        });
    }
    if panels.is_empty() {
        return Ok(());
    }
    let chart = index_chart(
        "sweep-indices",
        &format!(
            "{} indices of {} per pair, factors by importance",
            method.title(),
            output.words()
        ),
        &panels,
        &series_of(method),
        match method {
            Method::Morris => {
                "change in the output as a factor moves across its whole range (elementary effect)"
            }
            Method::Sobol => "share of the output's variance over the design",
        },
    )?;
    let _ = writeln!(
        o,
        "<figure id=\"{}indices-{}\">{chart}<figcaption>Indices of {} at the horizon, for the chosen pairs: {}, factors sorted by {} (the most important at the top); whiskers: 95 % bootstrap intervals.</figcaption></figure>",
        if full { "" } else { "drivers-" },
        output.column(),
        esc(output.words()),
        match method {
            Method::Morris =>
                "per factor, μ* (the mean size of its elementary effects, blue) and σ (their spread, grey)",
            Method::Sobol =>
                "per factor, S1 (the share of the variance it causes alone, blue) and ST (with its interactions, orange)",
        },
        method.symbol()
    );
    Ok(())
}

/// The table of the indices of `output` behind its chart: per pair, its factors by
/// importance with every index of `method`, and an interval column for the indices that
/// have intervals in the file.
fn index_table(o: &mut String, s: &Sweep, method: Method, pairs: &[usize], output: Output) {
    let with_interval: Vec<bool> = method
        .indices()
        .iter()
        .map(|i| {
            s.sensitivity.iter().any(|r| {
                r.method == Some(method) && r.index.as_deref() == Some(*i) && r.interval.is_some()
            })
        })
        .collect();
    let columns = method.indices().len() + with_interval.iter().filter(|x| **x).count();
    let _ = writeln!(
        o,
        "<table><caption>The numbers behind the chart of {}</caption><tr><th>pair</th><th>factor</th>{}</tr>",
        esc(output.words()),
        method
            .indices()
            .iter()
            .zip(&with_interval)
            .map(|(i, ci)| if *ci {
                format!("<th>{i}</th><th>interval</th>")
            } else {
                format!("<th>{i}</th>")
            })
            .collect::<String>()
    );
    for &q in pairs {
        let (per, notes) = indices_of(s, method, q, output);
        let ranked = ranked(method, &per);
        if ranked.is_empty() {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td colspan=\"{}\">{}</td></tr>",
                esc(&s.pair_name(q)),
                1 + columns,
                if notes.is_empty() {
                    "no indices".to_string()
                } else {
                    esc(&notes.join("; "))
                }
            );
        }
        for (f, x) in &ranked {
            let _ = write!(
                o,
                "<tr><td>{}</td><td><code>{}</code></td>",
                esc(&s.pair_name(q)),
                esc(&s.factors[*f].path)
            );
            for (i, with) in method.indices().iter().zip(&with_interval) {
                let (v, ci) = x.get(i).map_or((None, None), |(v, ci)| (Some(v), ci));
                let _ = write!(o, "<td class=\"num\">{}</td>", opt_num(v, 3));
                if *with {
                    let _ = write!(
                        o,
                        "<td class=\"num\">{}</td>",
                        ci.map_or("—".to_string(), |(l, h)| format!(
                            "{} … {}",
                            fmt_num(l, 3),
                            fmt_num(h, 3)
                        ))
                    );
                }
            }
            let _ = writeln!(o, "</tr>");
        }
    }
    let _ = writeln!(o, "</table>");
}

/// Pearson's correlation of `(x, y)` points; `None` when either does not vary.
fn correlation(points: &[(f64, f64)]) -> Option<f64> {
    let n = points.len() as f64;
    if points.len() < 2 {
        return None;
    }
    let (mx, my) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), p| (a + p.0 / n, b + p.1 / n));
    let (sxy, sxx, syy) = points.iter().fold((0.0, 0.0, 0.0), |(a, b, c), p| {
        let (dx, dy) = (p.0 - mx, p.1 - my);
        (a + dx * dy, b + dx * dx, c + dy * dy)
    });
    (sxx > 1e-300 && syy > 1e-300).then(|| (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0))
}

fn scatter_points(s: &Sweep, q: usize, f: usize, axis: &Axis) -> Vec<(f64, f64)> {
    (0..s.points.len())
        .filter_map(|p| Some((s.x_of(f, p, axis), s.value(q, p, Output::PAllianceEnd)?)))
        .collect()
}

fn scatter_reading(s: &Sweep, q: usize) -> String {
    let what = Output::PAllianceEnd.of_pair(&pair_words(s, q));
    let v: Vec<f64> = (0..s.points.len())
        .filter_map(|p| s.value(q, p, Output::PAllianceEnd))
        .collect();
    if v.is_empty() {
        return format!("{what} is undefined at every point.");
    }
    let lo = v.iter().copied().fold(f64::MAX, f64::min);
    let hi = v.iter().copied().fold(f64::MIN, f64::max);
    let mut text = format!(
        "Over the {} points, {what} ranges from {} to {}",
        s.points.len(),
        fmt_num(lo, 2),
        fmt_num(hi, 2)
    );
    let best = (0..s.factors.len())
        .filter(|&f| s.factors[f].is_numeric())
        .filter_map(|f| {
            let axis = s.axis(f);
            Some((f, correlation(&scatter_points(s, q, f, &axis))?))
        })
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()).then(b.0.cmp(&a.0)));
    if let Some((f, r)) = best {
        let _ = write!(
            text,
            "; it moves most with {} (correlation {} over the points: {})",
            code(&s.factors[f].path),
            fmt_num(r, 2),
            if r > 0.0 {
                "higher values, more alliance"
            } else {
                "higher values, less alliance"
            }
        );
    }
    text.push('.');
    text
}

fn scatter(o: &mut String, s: &Sweep, pairs: &[usize], full: bool) -> Result<(), SweepError> {
    if full {
        let _ = writeln!(
            o,
            "<table><caption>The factors over the design</caption><tr><th>factor</th><th>bounds or values (manifest.json)</th><th>smallest in design.csv</th><th>largest</th><th>distinct values</th></tr>"
        );
        for (f, factor) in s.factors.iter().enumerate() {
            let levels = s.levels(f);
            let (lo, hi) = match (levels.first(), levels.last()) {
                (Some(a), Some(b)) if factor.is_numeric() => (level_label(a), level_label(b)),
                _ => ("—".to_string(), "—".to_string()),
            };
            let _ = writeln!(
                o,
                "<tr><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(&factor.path),
                esc(&factor.levels_text()),
                esc(&lo),
                esc(&hi),
                levels.len()
            );
        }
        let _ = writeln!(o, "</table>");
    }
    let panels: Vec<ScatterPanel> = (0..s.factors.len())
        .map(|f| {
            let axis = s.axis(f);
            ScatterPanel {
                factor: s.factors[f].path.clone(),
                series: pairs
                    .iter()
                    .map(|&q| scatter_points(s, q, f, &axis))
                    .collect(),
                axis,
            }
        })
        .collect();
    let names: Vec<String> = pairs.iter().map(|&q| s.pair_name(q)).collect();
    let chart = scatter_chart(&panels, &names, Output::PAllianceEnd)?;
    let _ = writeln!(
        o,
        "<figure id=\"{}scatter\">{chart}<figcaption>P(alliance) at the horizon at every design point, against each factor in turn (one chart per factor, one colour per pair).</figcaption></figure>",
        if full { "figure-" } else { "drivers-" }
    );
    if !full {
        return Ok(());
    }
    let _ = writeln!(
        o,
        "<h3>How to read these charts</h3>\n<p>Every point is one study of {} runs, placed by the value of one factor; the other factors vary too, so the scatter around a trend is what they do. A clear slope or step means the factor matters; a cloud with no shape means it matters little on its own, or only together with others. The correlation in the reading above measures a straight-line trend only. For indices that separate the factors, use a Morris or Sobol design.</p>",
        s.runs_text()
    );
    let shown = s.points.len().min(TABLE_ROWS);
    let _ = write!(
        o,
        "<table><caption>The numbers behind the charts{}</caption><tr><th>point</th>",
        if shown < s.points.len() {
            format!(
                " (the first {shown} of {} points; sweep.csv has them all)",
                s.points.len()
            )
        } else {
            String::new()
        }
    );
    for f in &s.factors {
        let _ = write!(o, "<th><code>{}</code></th>", esc(&f.path));
    }
    for &q in pairs {
        let _ = write!(o, "<th>{} P(alliance)</th>", esc(&s.pair_name(q)));
    }
    let _ = writeln!(o, "</tr>");
    for p in 0..shown {
        let _ = write!(o, "<tr><td class=\"num\">{}</td>", s.points[p]);
        for v in &s.values[p] {
            let _ = write!(o, "<td class=\"num\">{}</td>", esc(&v.text()));
        }
        for &q in pairs {
            let _ = write!(
                o,
                "<td class=\"num\">{}</td>",
                opt_num(s.value(q, p, Output::PAllianceEnd), 3)
            );
        }
        let _ = writeln!(o, "</tr>");
    }
    let _ = writeln!(o, "</table>");
    Ok(())
}

/// The plain reading of each chosen pair under a view.
fn readings(s: &Sweep, view: View, pairs: &[usize]) -> Vec<String> {
    match view {
        View::OneFactor => {
            let order = ordered_points(s, &s.axis(0));
            pairs
                .iter()
                .map(|&q| one_factor_reading(s, q, &order))
                .collect()
        }
        View::Grid => {
            let (_, _, index) = grid_points(s);
            pairs.iter().map(|&q| grid_reading(s, q, &index)).collect()
        }
        View::Indices(m) => pairs
            .iter()
            .map(|&q| index_reading(s, m, q, Output::PAllianceEnd))
            .collect(),
        View::Scatter => pairs.iter().map(|&q| scatter_reading(s, q)).collect(),
    }
}

// ------------------------------------------------------------------------------------------
// The page

/// Options of the sweep page.
#[derive(Debug, Clone, Default)]
pub struct SweepOptions {
    /// Pairs to draw, as `A-B`; empty: [`Sweep::chosen_pairs`].
    pub pairs: Vec<String>,
}

const STYLE: &str = r#"caption { text-align: left; font-weight: 600; padding: 0.2rem 0; }
#manifest td:last-child { word-break: break-word; }
ul.readings li { margin-bottom: 0.3rem; }
"#;

/// The page of a sweep folder, as one HTML document.
pub fn html(s: &Sweep, opts: &SweepOptions) -> Result<String, SweepError> {
    let pairs = s.chosen_pairs(&opts.pairs)?;
    let view = s.view();
    let mut o = String::new();
    page_header(&mut o, s, view);
    design_section(&mut o, s, view);
    reading_section(&mut o, s, view, &pairs, !opts.pairs.is_empty());
    match view {
        View::OneFactor => {
            let _ = writeln!(
                o,
                "<section id=\"lines\">\n<h2>Outcomes against <code>{}</code></h2>",
                esc(&s.factors[0].path)
            );
            one_factor(&mut o, s, &pairs, true)?;
            let _ = writeln!(o, "</section>");
        }
        View::Grid => grid(&mut o, s, &pairs, true)?,
        View::Indices(m) => {
            let _ = writeln!(
                o,
                "<section id=\"indices\">\n<h2>{} sensitivity indices</h2>",
                m.title()
            );
            indices(&mut o, s, m, &pairs, &index_outputs(s), true)?;
            let _ = writeln!(o, "</section>");
        }
        View::Scatter => {
            let _ = writeln!(
                o,
                "<section id=\"scatter\">\n<h2>Outcomes against each factor</h2>"
            );
            scatter(&mut o, s, &pairs, true)?;
            let _ = writeln!(o, "</section>");
        }
    }
    manifest_section(&mut o, &s.manifest);
    Ok(o)
}

/// The page's start, its header (the sweep in one line, what a sweep is) and its navigation.
fn page_header(o: &mut String, s: &Sweep, view: View) {
    let title = format!("Sweep of {}", s.scenario);
    page_start(o, &esc(&title), STYLE);
    let text = |key: &str| s.manifest.get(key).and_then(serde_json::Value::as_str);
    let _ = writeln!(
        o,
        "<p class=\"meta\">Written by <code>entente sweep</code> · design <code>{}</code> · {} {} · {} points{}{}{}{}</p>",
        esc(&s.design),
        s.factors.len(),
        if s.factors.len() == 1 {
            "factor"
        } else {
            "factors"
        },
        s.points.len(),
        s.runs.map_or(String::new(), |r| format!(" × {r} runs")),
        s.seed.map_or(String::new(), |r| format!(" · seed {r}")),
        text("theory").map_or(String::new(), |t| format!(" · theory <b>{}</b>", esc(t))),
        text("entente_version").map_or(String::new(), |v| format!(" · entente {}", esc(v)))
    );
    let _ = writeln!(
        o,
        "<p><code>entente sweep</code> ran one study of the scenario <code>{}</code> at each point of a design, each point setting the factors below to its values (as <code>--set</code> would) and leaving everything else as in the scenario. Run <i>r</i> of every point draws the same random numbers (common random numbers), so differences between points come from the factors, not from sampling noise.</p>\n</header>",
        esc(&s.scenario)
    );
    let sections: Vec<(&str, String)> = match view {
        View::OneFactor => vec![(
            "lines",
            format!("{} against {}", "Outcomes", s.factors[0].path),
        )],
        View::Grid => vec![
            ("heat-alliance", "P(alliance) over the two factors".into()),
            ("heat-rivalry", "P(rivalry) over the two factors".into()),
            ("grid-numbers", "Reading the heat maps".into()),
        ],
        View::Indices(m) => vec![("indices", format!("{} sensitivity indices", m.title()))],
        View::Scatter => vec![("scatter", "Outcomes against each factor".into())],
    };
    let _ = write!(
        o,
        "<nav><ol><li><a href=\"#design\">The design</a></li><li><a href=\"#reading\">In plain words</a></li>"
    );
    for (id, name) in &sections {
        let _ = write!(o, "<li><a href=\"#{id}\">{}</a></li>", esc(name));
    }
    let _ = writeln!(
        o,
        "<li><a href=\"#manifest\">What produced this folder</a></li></ol></nav>"
    );
}

/// "The design": its size and its factors.
fn design_section(o: &mut String, s: &Sweep, view: View) {
    let _ = writeln!(
        o,
        "<section id=\"design\">\n<h2>The design</h2>\n<table><tr><th>design</th><td><code>{}</code></td></tr><tr><th>points</th><td class=\"num\">{}</td></tr><tr><th>runs per point</th><td class=\"num\">{}</td></tr><tr><th>seed</th><td class=\"num\">{}</td></tr><tr><th>pairs recorded</th><td class=\"num\">{}</td></tr></table>",
        esc(&s.design),
        s.points.len(),
        s.runs.map_or("—".to_string(), |r| r.to_string()),
        s.seed.map_or("—".to_string(), |r| r.to_string()),
        s.pairs.len()
    );
    let _ = writeln!(
        o,
        "<table><caption>Factors</caption><tr><th>factor</th><th>bounds or values</th><th>distinct values in design.csv</th></tr>"
    );
    for (f, factor) in s.factors.iter().enumerate() {
        let _ = writeln!(
            o,
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td></tr>",
            esc(&factor.path),
            esc(&factor.levels_text()),
            s.levels(f).len()
        );
    }
    let _ = writeln!(o, "</table>");
    if matches!(s.family, Family::Morris | Family::Sobol) && !matches!(view, View::Indices(_)) {
        let _ = writeln!(
            o,
            "<p class=\"warning\">This is a {} design, but sensitivity.csv is absent or has no rows: the points are drawn without indices.</p>",
            if s.family == Family::Morris {
                "Morris"
            } else {
                "Sobol"
            }
        );
    }
    let _ = writeln!(o, "</section>");
}

/// "In plain words": the readings of the chosen `pairs` (`chosen`: by `--pairs`).
fn reading_section(o: &mut String, s: &Sweep, view: View, pairs: &[usize], chosen: bool) {
    let _ = writeln!(
        o,
        "<section id=\"reading\">\n<h2>In plain words</h2>\n<p>Pairs shown: {} ({}).</p>\n<ul class=\"readings\">",
        pairs
            .iter()
            .map(|&q| esc(&s.pair_name(q)))
            .collect::<Vec<_>>()
            .join(", "),
        if chosen {
            "chosen with --pairs"
        } else {
            "those whose P(alliance) varies most across the points; choose others with --pairs"
        }
    );
    for r in readings(s, view, pairs) {
        let _ = writeln!(o, "<li>{r}</li>");
    }
    let varying = (0..s.pairs.len()).filter(|&q| s.variation(q) > 0.0).count();
    let _ = writeln!(
        o,
        "</ul>\n<p>Of the {} pairs recorded, {varying} have a P(alliance) that varies across the points{}.</p>\n</section>",
        s.pairs.len(),
        if varying < s.pairs.len() {
            "; the others keep the same probability at every point"
        } else {
            ""
        }
    );
}

// ------------------------------------------------------------------------------------------
// "What drives this result": the section a study's report gains from a sweep

/// The study a "What drives this result" section is added to: its pairs (as `A-B`, the
/// report's key pairs or those of `--pairs`), theory and `--set` assignments.
#[derive(Debug, Clone, Default)]
pub struct Study {
    /// The report's pairs, as `A-B`.
    pub pairs: Vec<String>,
    /// The study's theory.
    pub theory: String,
    /// The study's `--set` assignments.
    pub set: Vec<String>,
}

/// The `<section id="drivers">` that a study's report gains from a sweep of its scenario:
/// the charts of the sweep (index charts of P(alliance) and P(rivalry) for Morris and Sobol
/// sweeps, line charts for one factor, heat maps for two, scatters otherwise) for the
/// report's pairs that the sweep recorded, with a sentence naming the factor that matters
/// most. When the sweep recorded none of them, its own most varying pairs are drawn, and the
/// section says so.
pub fn drivers(s: &Sweep, study: &Study) -> Result<String, SweepError> {
    let mut pairs: Vec<usize> = Vec::new();
    for name in &study.pairs {
        if let Some(q) = s.find_pair(name.trim())
            && !pairs.contains(&q)
        {
            pairs.push(q);
        }
    }
    let fallback = pairs.is_empty();
    if fallback {
        pairs = s.chosen_pairs(&[])?;
    }
    let view = s.view();
    let mut o = String::new();
    let _ = writeln!(
        o,
        "<section id=\"drivers\">\n<h2>What drives this result</h2>\n<p>From a sweep of this scenario (<code>entente sweep</code>, design <code>{}</code>, {} points{}) that varied {}.</p>",
        esc(&s.design),
        s.points.len(),
        s.runs.map_or(String::new(), |r| format!(" × {r} runs")),
        s.factors
            .iter()
            .map(|f| format!("{} ({})", code(&f.path), esc(&f.levels_text())))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let theory = s.manifest.get("theory").and_then(serde_json::Value::as_str);
    let set: Vec<&str> = s
        .manifest
        .get("set")
        .and_then(serde_json::Value::as_array)
        .map(|v| v.iter().filter_map(serde_json::Value::as_str).collect())
        .unwrap_or_default();
    let study_set: Vec<&str> = study.set.iter().map(String::as_str).collect();
    if theory.is_some_and(|t| t != study.theory)
        || (s.manifest.contains_key("set") && set != study_set)
    {
        let _ = writeln!(
            o,
            "<p class=\"warning\">The sweep ran under theory {}{}, this study under {}{}: the sweep describes a neighbouring model, not exactly this one.</p>",
            esc(theory.unwrap_or("(not recorded)")),
            if set.is_empty() {
                String::new()
            } else {
                format!(" with <code>{}</code>", esc(&set.join(" ")))
            },
            esc(&study.theory),
            if study_set.is_empty() {
                String::new()
            } else {
                format!(" with <code>{}</code>", esc(&study_set.join(" ")))
            }
        );
    }
    if fallback {
        let _ = writeln!(
            o,
            "<p>The sweep recorded none of this report's key pairs ({}); shown instead: its pairs whose P(alliance) varies most.</p>",
            esc(&study.pairs.join(", "))
        );
    }
    let _ = writeln!(o, "<p>{}</p>", headline(s, view, &pairs));
    let _ = writeln!(o, "<ul class=\"readings\">");
    for r in readings(s, view, &pairs) {
        let _ = writeln!(o, "<li>{r}</li>");
    }
    let _ = writeln!(o, "</ul>");
    match view {
        View::OneFactor => one_factor(&mut o, s, &pairs, false)?,
        View::Grid => grid(&mut o, s, &pairs, false)?,
        View::Indices(m) => {
            let outputs: Vec<Output> = index_outputs(s)
                .into_iter()
                .filter(|x| matches!(x, Output::PAllianceEnd | Output::PRivalryEnd))
                .collect();
            indices(&mut o, s, m, &pairs, &outputs, false)?;
            let _ = writeln!(
                o,
                "<p>{}</p>",
                match m {
                    Method::Morris =>
                        "μ* is the mean size of a factor's effects as it moves across its range (larger: it matters more); σ their spread (large: the effect depends on the other factors).",
                    Method::Sobol =>
                        "S1 is the share of the variance a factor causes alone, ST the share with its interactions.",
                }
            );
        }
        View::Scatter => scatter(&mut o, s, &pairs, false)?,
    }
    distribution(&mut o, s, &pairs)?;
    let _ = writeln!(
        o,
        "<p class=\"meta\"><code>entente report</code> on the sweep folder draws all of it, with the numbers behind each chart.</p>\n</section>"
    );
    Ok(o)
}

/// The distribution of the report pairs' P(alliance) over the sweep's points: what the
/// answer is across the ranges of the factors, as a histogram and in words (median and the
/// middle 90 % of the points).
fn distribution(o: &mut String, s: &Sweep, pairs: &[usize]) -> Result<(), SweepError> {
    let mut series = Vec::new();
    let mut words = Vec::new();
    for &q in pairs.iter().take(3) {
        let mut v: Vec<f64> = (0..s.points.len())
            .filter_map(|p| s.value(q, p, Output::PAllianceEnd))
            .filter(|x| x.is_finite())
            .collect();
        if v.is_empty() {
            continue;
        }
        v.sort_by(f64::total_cmp);
        let at = |f: f64| v[((f * v.len() as f64) as usize).min(v.len() - 1)];
        words.push(format!(
            "{}: median {}, 90 % of the points between {} and {}, highest {}",
            Output::PAllianceEnd.of_pair(&pair_words(s, q)),
            fmt_num(at(0.5), 2),
            fmt_num(at(0.05), 2),
            fmt_num(at(0.95), 2),
            fmt_num(v[v.len() - 1], 2)
        ));
        series.push((s.pair_name(q), v));
    }
    if series.is_empty() {
        return Ok(());
    }
    let _ = writeln!(
        o,
        "<h3>The answer across the sweep</h3>\n<p>Over the sweep's {} points (every factor across its range): {}.</p>",
        s.points.len(),
        esc(&words.join("; "))
    );
    let chart =
        super::charts::distribution_chart(&series, "P(alliance) at the horizon").map_err(|e| {
            SweepError::Content {
                path: "distribution chart".into(),
                message: e.to_string(),
            }
        })?;
    o.push_str(&chart);
    o.push('\n');
    Ok(())
}

/// The sentence naming the factor that matters most for `pairs`' P(alliance).
fn headline(s: &Sweep, view: View, pairs: &[usize]) -> String {
    match view {
        View::Indices(m) => {
            let mut best: Option<(usize, usize, f64)> = None;
            for &q in pairs {
                let (per, _) = indices_of(s, m, q, Output::PAllianceEnd);
                if let Some((f, x)) = ranked(m, &per).first()
                    && let Some((v, _)) = x.get(m.ranking())
                    && best.is_none_or(|b| v > b.2)
                {
                    best = Some((q, *f, v));
                }
            }
            match best {
                Some((q, f, v)) => format!(
                    "Of the {} factors, {} has the largest index: {} = {} for {}.",
                    s.factors.len(),
                    code(&s.factors[f].path),
                    m.symbol(),
                    fmt_num(v, 2),
                    Output::PAllianceEnd.of_pair(&pair_words(s, q))
                ),
                None => "None of these pairs' P(alliance) varies over the sweep: no factor in it moves them.".to_string(),
            }
        }
        View::OneFactor => {
            let span = pairs
                .iter()
                .map(|&q| (q, s.variation(q)))
                .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
            match span {
                Some((q, v)) if v > 0.0 => format!(
                    "The sweep varies one factor, {}: over its range it moves {} by up to {}.",
                    code(&s.factors[0].path),
                    Output::PAllianceEnd.of_pair(&pair_words(s, q)),
                    fmt_num(v, 2)
                ),
                _ => format!(
                    "The sweep varies one factor, {}: over its range, none of these pairs' P(alliance) moves.",
                    code(&s.factors[0].path)
                ),
            }
        }
        View::Grid => {
            let (_, _, index) = grid_points(s);
            let mut best: Option<(usize, usize, f64)> = None;
            for &q in pairs {
                let m = main_effects(s, q, Output::PAllianceEnd, &index);
                for (f, v) in m.into_iter().enumerate() {
                    if v > 0.0 && best.is_none_or(|b| v > b.2) {
                        best = Some((q, f, v));
                    }
                }
            }
            match best {
                Some((q, f, v)) => format!(
                    "Of the two factors, {} moves P(alliance) most: by {} for {}, averaged over the other factor.",
                    code(&s.factors[f].path),
                    fmt_num(v, 2),
                    pair_words(s, q)
                ),
                None => "Neither factor moves these pairs' P(alliance).".to_string(),
            }
        }
        View::Scatter => "This design gives no sensitivity indices; the readings below give, per pair, the factor P(alliance) follows most closely (a Morris or Sobol design ranks the factors properly).".to_string(),
    }
}

/// `page` (a study's report) with `section` added after its P(alliance) chart (before the
/// final camps; at the end when the page has no such section), and a link to it in the
/// page's navigation.
pub fn insert_drivers(page: &str, section: &str) -> String {
    let at = page
        .find("<section id=\"camps\">")
        .or_else(|| page.rfind("</body>"))
        .unwrap_or(page.len());
    let mut out = String::with_capacity(page.len() + section.len() + 80);
    out.push_str(&page[..at]);
    out.push_str(section);
    out.push_str(&page[at..]);
    let link = "<li><a href=\"#drivers\">What drives this result</a></li>";
    if let Some(nav) = out.find("<li><a href=\"#camps\">") {
        out.insert_str(nav, link);
    } else if let Some(nav) = out.find("</ol></nav>") {
        out.insert_str(nav, link);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A factor of a generated folder: its path, its bounds or values, and each point's value.
    fn factor_strategy(points: usize) -> impl Strategy<Value = (String, Vec<String>)> {
        let edges = prop::sample::select(vec![
            -1e15,
            -1.0,
            -1e-300,
            0.0,
            1e-300,
            0.1,
            0.10000000000000002,
            0.2,
            0.8,
            3000.0,
            1e15,
        ]);
        let range = (
            edges.clone(),
            edges,
            prop::collection::vec(0.0..=1.0f64, points),
        )
            .prop_map(|(a, b, ts): (f64, f64, Vec<f64>)| {
                let (low, high) = (a.min(b), a.max(b));
                let values = ts
                    .iter()
                    .map(|t| format!("{}", (low + t * (high - low)).clamp(low, high)))
                    .collect();
                (format!("\"low\": {low:e}, \"high\": {high:e}"), values)
            });
        let names = ["walt", "waltz", "<b>&", "2"];
        let list = prop::collection::vec(0..names.len(), points).prop_map(move |ks| {
            (
                format!(
                    "\"values\": [{}]",
                    names.map(|n| format!("\"{n}\"")).join(", ")
                ),
                ks.iter().map(|&k| names[k].to_string()).collect(),
            )
        });
        prop_oneof![range, list]
    }

    /// A generated sweep folder: (manifest, design.csv, sweep.csv, sensitivity.csv).
    fn folder_strategy() -> impl Strategy<Value = [String; 4]> {
        (1usize..=3, 1usize..=8, 1usize..=3, 0usize..5).prop_flat_map(|(k, n, pairs, family)| {
            (
                prop::collection::vec(factor_strategy(n), k),
                prop::collection::vec(
                    prop::collection::vec(prop::option::of(0.0..=1.0f64), 7),
                    n * pairs,
                ),
                prop::collection::vec(
                    (prop::option::of(-2.0..2.0f64), -1e7..1e7f64, 0.0..1e7f64),
                    2 * pairs * k * 3,
                ),
                Just((n, pairs, family)),
            )
                .prop_map(|(factors, outputs, indices, (n, pairs, family))| {
                    let design = ["grid:3", "lhs:5", "morris:2", "sobol:2", "oat"][family];
                    let method = ["morris", "sobol"][family % 2];
                    let paths: Vec<String> = (0..factors.len()).map(|f| format!("f{f}")).collect();
                    let manifest = format!(
                        "{{\"kind\": \"sweep\", \"scenario\": \"s\", \"design\": \"{design}\", \"factors\": [{}]}}",
                        factors
                            .iter()
                            .zip(&paths)
                            .map(|((levels, _), p)| format!("{{\"path\": \"{p}\", {levels}}}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                    let mut d = format!("point,{}\n", paths.join(","));
                    for p in 0..n {
                        let row: Vec<&str> = factors.iter().map(|f| f.1[p].as_str()).collect();
                        d += &format!("{p},{}\n", row.join(","));
                    }
                    let mut w = String::from("point,a,b,p_alliance_end,p_alliance_ever,p_rivalry_end,mean_alignment_end,q05_alignment_end,q50_alignment_end,q95_alignment_end\n");
                    for p in 0..n {
                        for q in 0..pairs {
                            let v: Vec<String> = outputs[p * pairs + q]
                                .iter()
                                .map(|x| x.map_or(String::new(), |x| format!("{x:.6}")))
                                .collect();
                            w += &format!("{p},S{q},T{q},{}\n", v.join(","));
                        }
                    }
                    let mut t = String::from("output,a,b,factor,method,index,estimate,ci_low,ci_high,note\n");
                    let mut next = indices.iter();
                    for output in ["p_alliance_end", "p_rivalry_end"] {
                        for q in 0..pairs {
                            for f in &paths {
                                for index in Method::parse(method).map_or(&[][..], Method::indices) {
                                    let Some((v, lo, width)) = next.next() else { continue };
                                    t += &match v {
                                        Some(v) => format!(
                                            "{output},S{q},T{q},{f},{method},{index},{v},{lo},{},\n",
                                            (lo + width).min(1e7)
                                        ),
                                        None => format!(
                                            "{output},S{q},T{q},{f},{method},{index},,,,does not vary\n"
                                        ),
                                    };
                                }
                            }
                        }
                    }
                    [manifest, d, w, t]
                })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Any well-formed folder, however extreme its numbers, gives a page and a section
        /// (no panic, no hang, no chart error).
        #[test]
        fn every_well_formed_folder_gives_a_page(files in folder_strategy()) {
            let dir = tempfile::tempdir().unwrap();
            for (name, text) in ["manifest.json", "design.csv", "sweep.csv", "sensitivity.csv"]
                .iter()
                .zip(&files)
            {
                std::fs::write(dir.path().join(name), text).unwrap();
            }
            let s = Sweep::read(dir.path()).map_err(|e| TestCaseError::fail(format!("{e}\n{files:?}")))?;
            let page = html(&s, &SweepOptions::default()).unwrap();
            prop_assert!(page.ends_with("</html>\n"));
            let study = Study { pairs: vec!["S0-T0".into()], theory: "walt".into(), set: vec![] };
            let section = drivers(&s, &study).unwrap();
            prop_assert!(section.starts_with("<section id=\"drivers\">"));
        }
    }

    #[test]
    fn numbers_are_short_with_a_true_minus() {
        assert_eq!(num(0.30000000000000004), "0.3");
        assert_eq!(num(0.2), "0.2");
        assert_eq!(num(2.0), "2");
        assert_eq!(num(-0.125), "\u{2212}0.125");
        assert_eq!(num(1234.5678), "1235");
        assert_eq!(num(0.000123456), "0.000123");
    }

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(
            ticks(0.0, 1.0, 5),
            vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
        );
        let t = ticks(-0.13, 0.9, 6);
        assert!(t.first().is_some_and(|x| *x >= -0.13) && t.last().is_some_and(|x| *x <= 0.9));
        assert!(t.contains(&0.0));
    }

    #[test]
    fn correlation_is_signed_and_undefined_without_variation() {
        let up = [(0.0, 0.0), (1.0, 0.5), (2.0, 1.0)];
        assert!((correlation(&up).unwrap() - 1.0).abs() < 1e-12);
        let down = [(0.0, 1.0), (1.0, 0.5), (2.0, 0.0)];
        assert!((correlation(&down).unwrap() + 1.0).abs() < 1e-12);
        assert_eq!(correlation(&[(0.0, 1.0), (1.0, 1.0)]), None);
    }

    #[test]
    fn drivers_go_before_the_camps_and_into_the_navigation() {
        let page = "<nav><ol><li><a href=\"#alliance\">A</a></li><li><a href=\"#camps\">C</a></li></ol></nav>\n<section id=\"alliance\"></section>\n<section id=\"camps\"></section>\n</body>";
        let out = insert_drivers(page, "<section id=\"drivers\"></section>\n");
        assert!(out.find("id=\"drivers\"").unwrap() < out.find("<section id=\"camps\"").unwrap());
        assert!(out.find("id=\"alliance\"").unwrap() < out.find("id=\"drivers\"").unwrap());
        assert!(out.contains(
            "<li><a href=\"#drivers\">What drives this result</a></li><li><a href=\"#camps\">"
        ));
        let bare = insert_drivers("<body>\n</body>", "<section id=\"drivers\"></section>");
        assert_eq!(bare, "<body>\n<section id=\"drivers\"></section></body>");
    }
}
