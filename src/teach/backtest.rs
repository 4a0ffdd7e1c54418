//! `entente report` on a folder written by `entente backtest` or `entente score`: one
//! self-contained HTML page of how the model's forecasts scored against what happened.
//!
//! The page reads `manifest.json` (only its `kind` is required: `backtest` or `score`; every
//! other key is shown as it is), `scores.csv`, `reliability.csv` and `forecasts.csv`. Every
//! row is checked as it is read: a malformed field is an error naming the file, the line, the
//! column, what was found and what was expected ([`BacktestError`]). The page holds the
//! overall scores with a plain-language reading, the reliability diagram per horizon, the
//! model's skill by start year and the pairs whose class changed. Charts are inline SVG drawn
//! by `plotters` as in [`super::report`]; there is no script, no font, no image and no URL.
//! The same folder gives the same bytes wherever it lies.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::charts::{
    ChartError, FONT, GRID, Key, PALETTE, e, legend, legend_height, segments, svg, text_style,
};
use super::csvread::{
    FileError, Row, json_object, manifest_kind, maybe, number, read_table, whole,
};
use super::html::esc;
use super::report::{manifest_section, page_start};
use crate::history::score::{
    Class, FORECASTS_COLUMNS, Method, Probs, RELIABILITY_COLUMNS, ReliabilityRow, SCORES_COLUMNS,
    ScoreRow, Subset,
};

/// The charts the page draws, in order, by the `id` of their section.
pub const CHARTS: [&str; 2] = ["reliability", "skill"];

/// How many pairs that changed class the page lists.
pub const CHANGED_ROWS: usize = 20;

/// How far from 1 the three class probabilities of a forecast may sum (they are written with
/// 6 decimals).
pub const SUM_TOLERANCE: f64 = 1e-3;

/// Errors reading a backtest or score folder.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BacktestError {
    /// A file is missing or unreadable, or a line or field of a CSV file is malformed.
    #[error(transparent)]
    File(#[from] FileError),
    /// `manifest.json` is not a JSON object with a `kind` of `backtest` or `score`.
    #[error("{path}: {message}")]
    Manifest {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A chart could not be drawn.
    #[error(transparent)]
    Chart(#[from] ChartError),
}

/// Which command wrote the folder (its manifest's `kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FolderKind {
    /// `entente backtest`: forecasts from many start years, built from historical data.
    Backtest,
    /// `entente score`: one study's forecasts scored against a table of outcomes.
    Score,
}

impl FolderKind {
    /// The manifest's `kind` value (`backtest` or `score`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Backtest => "backtest",
            Self::Score => "score",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "backtest" => Some(Self::Backtest),
            "score" => Some(Self::Score),
            _ => None,
        }
    }
}

/// The kind of the folder `dir` when its `manifest.json` is a JSON object whose `kind` is
/// `backtest` or `score`; `None` otherwise (no manifest, another kind, or not JSON: the folder
/// is then read as the results of `entente run`).
pub fn folder_kind(dir: &Path) -> Option<FolderKind> {
    FolderKind::parse(&manifest_kind(dir)?)
}

/// A row of `forecasts.csv`: one pair, start year and horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastRow {
    /// Start year.
    pub start_year: i64,
    /// Years ahead.
    pub horizon: u32,
    /// First state.
    pub a: String,
    /// Second state.
    pub b: String,
    /// The model's probability of each class, in [`Class::ALL`] order.
    pub p: Probs,
    /// What happened at start year + horizon.
    pub observed: Class,
    /// The class at the start year (persistence's forecast).
    pub persistence: Class,
}

impl ForecastRow {
    /// The model's probability of `class`.
    pub fn p_of(&self, class: Class) -> f64 {
        self.p[class.index()]
    }
}

/// A backtest or score folder, read and checked.
#[derive(Debug, Clone)]
pub struct Backtest {
    /// Which command wrote it.
    pub kind: FolderKind,
    /// `manifest.json`, as it is.
    pub manifest: serde_json::Map<String, serde_json::Value>,
    /// `scores.csv`; a `start_year` of `None` is all start years pooled (`all`), a score of
    /// `None` a field the file leaves empty (undefined).
    pub scores: Vec<ScoreRow>,
    /// `reliability.csv`.
    pub reliability: Vec<ReliabilityRow>,
    /// `forecasts.csv`.
    pub forecasts: Vec<ForecastRow>,
}

// ------------------------------------------------------------------------------------------
// Reading

/// The largest start year the files may hold (and the smallest, negated).
const YEAR_LIMIT: i64 = 9999;

/// Bound on the size of a log score or a skill. A Brier skill is at least `1 − 2 / B` for a
/// baseline's score `B`, which the file writes with 6 decimals: at least about −2 × 10⁶.
const BOUND: f64 = 1e7;

fn year(s: &str) -> Option<i64> {
    whole::<i64>(s).filter(|y| y.abs() <= YEAR_LIMIT)
}

/// The value of `all` whose name is `s` (the subsets and methods as the files write them).
fn named<T: Copy>(all: &[T], name: fn(T) -> &'static str, s: &str) -> Option<T> {
    all.iter().copied().find(|x| name(*x) == s)
}

fn horizon(r: &Row<'_>) -> Result<u32, FileError> {
    r.get("horizon", "a whole number of years, at least 1", |s| {
        whole::<u32>(s).filter(|h| *h >= 1)
    })
}

fn class(r: &Row<'_>, column: &str) -> Result<Class, FileError> {
    r.get(column, "`ally`, `neutral` or `rival`", Class::parse)
}

fn score_row(r: &Row<'_>) -> Result<ScoreRow, FileError> {
    let start_year = r.get(
        "start_year",
        "a whole year from −9999 to 9999, or `all`",
        |s| {
            if s == "all" {
                Some(None)
            } else {
                year(s).map(Some)
            }
        },
    )?;
    let horizon = horizon(r)?;
    let subset = r.get(
        "subset",
        "`all`, `changed`, `from_ally`, `from_neutral` or `from_rival`",
        |s| named(&Subset::ALL, Subset::name, s),
    )?;
    let method = r.get("method", "`model`, `persistence` or `climatology`", |s| {
        named(&Method::ALL, Method::name, s)
    })?;
    let undefined = ", or an empty field when undefined";
    Ok(ScoreRow {
        start_year,
        horizon,
        subset,
        method,
        brier: r.get("brier", &format!("a number from 0 to 2{undefined}"), |s| {
            maybe(s, 0.0, 2.0)
        })?,
        log_score: r.get(
            "log_score",
            &format!("a number between −{BOUND:e} and {BOUND:e}{undefined}"),
            |s| maybe(s, -BOUND, BOUND),
        )?,
        skill_vs_persistence: r.get(
            "skill_vs_persistence",
            &format!("a number from −{BOUND:e} to 1{undefined}"),
            |s| maybe(s, -BOUND, 1.0),
        )?,
        skill_vs_climatology: r.get(
            "skill_vs_climatology",
            &format!("a number from −{BOUND:e} to 1{undefined}"),
            |s| maybe(s, -BOUND, 1.0),
        )?,
        accuracy: r.get(
            "accuracy",
            &format!("a number from 0 to 1{undefined}"),
            |s| maybe(s, 0.0, 1.0),
        )?,
        pairs: r.get("pairs", "a whole number", whole::<usize>)?,
    })
}

fn reliability_row(r: &Row<'_>) -> Result<ReliabilityRow, FileError> {
    let horizon = horizon(r)?;
    let class = r.get("class", "`all`, `ally`, `neutral` or `rival`", |s| {
        if s == "all" {
            Some(None)
        } else {
            Class::parse(s).map(Some)
        }
    })?;
    let bin = r.get("bin", "a bin number from 0 to 9", |s| {
        whole::<usize>(s).filter(|b| *b <= 9)
    })?;
    let p_lo = r.get("p_lo", "a number from 0 to 1", |s| number(s, 0.0, 1.0))?;
    let p_hi = r.get("p_hi", "a number from 0 to 1", |s| number(s, 0.0, 1.0))?;
    let forecasts = r.get("forecasts", "a whole number", whole::<u64>)?;
    let value = |column: &str| -> Result<Option<f64>, FileError> {
        let v = r.get(
            column,
            "a number from 0 to 1, or an empty field when the bin has no forecasts",
            |s| maybe(s, 0.0, 1.0),
        )?;
        if v.is_none() && forecasts > 0 {
            return Err(r.fail(
                column,
                &format!("a number from 0 to 1 (the bin has {forecasts} forecasts)"),
            ));
        }
        Ok(v.filter(|_| forecasts > 0))
    };
    let mean_forecast = value("mean_forecast")?;
    let observed_frequency = value("observed_frequency")?;
    Ok(ReliabilityRow {
        horizon,
        class,
        bin,
        p_lo,
        p_hi,
        forecasts,
        mean_forecast,
        observed_frequency,
    })
}

fn forecast_row(r: &Row<'_>) -> Result<ForecastRow, FileError> {
    let start_year = r.get("start_year", "a whole year from −9999 to 9999", year)?;
    let horizon = horizon(r)?;
    let id = |column: &str| {
        r.get(column, "a state id", |s| {
            (!s.is_empty()).then(|| s.to_string())
        })
    };
    let (a, b) = (id("a")?, id("b")?);
    let mut p = [0.0; 3];
    for (k, column) in ["p_ally", "p_neutral", "p_rival"].into_iter().enumerate() {
        p[k] = r.get(column, "a probability from 0 to 1", |s| number(s, 0.0, 1.0))?;
    }
    let sum = p[0] + p[1] + p[2];
    if (sum - 1.0).abs() > SUM_TOLERANCE {
        return Err(r.error(
            "p_ally+p_neutral+p_rival",
            format!("a sum of {sum:.6}"),
            &format!("1 (within {SUM_TOLERANCE})"),
        ));
    }
    Ok(ForecastRow {
        start_year,
        horizon,
        a,
        b,
        p,
        observed: class(r, "observed")?,
        persistence: class(r, "persistence")?,
    })
}

impl Backtest {
    /// Read and check the four files of a backtest or score folder.
    pub fn read(dir: &Path) -> Result<Self, BacktestError> {
        let path = dir.join("manifest.json");
        let bad = |message: String| BacktestError::Manifest {
            path: path.display().to_string(),
            message,
        };
        let manifest = json_object(&path, bad, "an object with a `kind` key")?;
        let kind = match manifest.get("kind") {
            None => {
                return Err(bad(
                    "kind: found no such key, expected `backtest` or `score`".into(),
                ));
            }
            Some(k) => k.as_str().and_then(FolderKind::parse).ok_or_else(|| {
                bad(format!(
                    "kind: found {k}, expected \"backtest\" or \"score\""
                ))
            })?,
        };

        let mut seen = BTreeMap::new();
        let scores = read_table(dir, "scores.csv", &SCORES_COLUMNS, |r| {
            let row = score_row(r)?;
            let key = (row.start_year, row.horizon, row.subset, row.method);
            if let Some(first) = seen.insert(key, r.line) {
                let year = row
                    .start_year
                    .map_or_else(|| "all".to_string(), |y| y.to_string());
                return Err(r.duplicate(
                    &format!(
                        "start_year {year}, horizon {}, subset {}, method {}",
                        row.horizon,
                        row.subset.name(),
                        row.method.name()
                    ),
                    first,
                ));
            }
            Ok(row)
        })?;
        let mut seen = BTreeMap::new();
        let reliability = read_table(dir, "reliability.csv", &RELIABILITY_COLUMNS, |r| {
            let row = reliability_row(r)?;
            if let Some(first) = seen.insert((row.horizon, row.class, row.bin), r.line) {
                return Err(r.duplicate(
                    &format!(
                        "horizon {}, class {}, bin {}",
                        row.horizon,
                        row.class.map_or("all", Class::name),
                        row.bin
                    ),
                    first,
                ));
            }
            Ok(row)
        })?;
        let forecasts = read_table(dir, "forecasts.csv", &FORECASTS_COLUMNS, forecast_row)?;
        Ok(Self {
            kind,
            manifest,
            scores,
            reliability,
            forecasts,
        })
    }

    /// The score of `method` over `subset` for a start year (`None`: all of them) and horizon,
    /// if the file has it.
    pub fn score(
        &self,
        start_year: Option<i64>,
        horizon: u32,
        subset: Subset,
        method: Method,
    ) -> Option<&ScoreRow> {
        self.scores.iter().find(|r| {
            r.start_year == start_year
                && r.horizon == horizon
                && r.subset == subset
                && r.method == method
        })
    }

    /// The horizons of the scores, reliability table and forecasts, in increasing order.
    pub fn horizons(&self) -> Vec<u32> {
        let set: BTreeSet<u32> = self
            .scores
            .iter()
            .map(|r| r.horizon)
            .chain(self.reliability.iter().map(|r| r.horizon))
            .chain(self.forecasts.iter().map(|r| r.horizon))
            .collect();
        set.into_iter().collect()
    }

    /// The start years of the scores and forecasts, in increasing order.
    pub fn start_years(&self) -> Vec<i64> {
        let set: BTreeSet<i64> = self
            .scores
            .iter()
            .filter_map(|r| r.start_year)
            .chain(self.forecasts.iter().map(|r| r.start_year))
            .collect();
        set.into_iter().collect()
    }

    /// The forecasts of pairs whose class changed between the start year and the horizon,
    /// ordered by start year and horizon, in file order within them.
    pub fn changed(&self) -> Vec<&ForecastRow> {
        let mut rows: Vec<&ForecastRow> = self
            .forecasts
            .iter()
            .filter(|r| r.observed != r.persistence)
            .collect();
        rows.sort_by_key(|r| (r.start_year, r.horizon));
        rows
    }
}

// ------------------------------------------------------------------------------------------
// Words and numbers

/// `x` with `decimals` decimals and a true minus sign; never `−0.00`.
pub fn fmt_num(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    match s.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        Some(rest) => format!("\u{2212}{rest}"),
        None => s,
    }
}

/// `x` as [`fmt_num`] writes it, or `—` when it is `None`.
pub(crate) fn opt_num(x: Option<f64>, decimals: usize) -> String {
    x.map_or_else(|| "—".to_string(), |v| fmt_num(v, decimals))
}

fn percent(x: Option<f64>) -> String {
    x.map_or_else(
        || "—".to_string(),
        |v| format!("{} %", fmt_num(100.0 * v, 1)),
    )
}

fn years(h: u32) -> String {
    if h == 1 {
        "1 year".to_string()
    } else {
        format!("{h} years")
    }
}

/// A Brier skill in words against a baseline described as `baseline` ("assuming nothing
/// changes"): `−0.85: worse than assuming nothing changes`. Skills are compared at the two
/// decimals shown.
pub fn skill_reading(skill: Option<f64>, baseline: &str) -> String {
    match skill {
        None => "undefined: the baseline's score is perfect, so nothing can beat it".to_string(),
        Some(s) => {
            let shown = fmt_num(s, 2);
            let hundredths = (s * 100.0).round();
            let verdict = if hundredths > 0.0 {
                "better than"
            } else if hundredths < 0.0 {
                "worse than"
            } else {
                "no better and no worse than"
            };
            format!("{shown}: {verdict} {baseline}")
        }
    }
}

const PERSISTENCE_WORDS: &str = "assuming nothing changes";

fn climatology_words(kind: FolderKind) -> &'static str {
    match kind {
        FolderKind::Backtest => {
            "forecasting every pair with how often each class occurred before the start year"
        }
        FolderKind::Score => "forecasting every pair with the frequencies of the starting classes",
    }
}

// ------------------------------------------------------------------------------------------
// Charts

const DIAGONAL: RGBColor = RGBColor(150, 150, 150);

/// The colour and legend of a reliability series (`None`: all classes pooled).
fn class_style(class: Option<Class>) -> (RGBColor, &'static str) {
    match class {
        None => (PALETTE[7], "all classes (count labelled)"),
        Some(Class::Ally) => (PALETTE[2], "ally"),
        Some(Class::Neutral) => (PALETTE[6], "neutral"),
        Some(Class::Rival) => (PALETTE[5], "rival"),
    }
}

/// One point of a reliability diagram: mean forecast, observed frequency, forecasts.
type ReliabilityPoint = (f64, f64, u64);

/// The series of a reliability panel, in drawing order: the classes, then all pooled.
const RELIABILITY_SERIES: [Option<Class>; 4] = [
    Some(Class::Ally),
    Some(Class::Neutral),
    Some(Class::Rival),
    None,
];

/// The reliability diagram: one panel per horizon (mean forecast probability on x, observed
/// frequency on y, the diagonal of perfect reliability dashed), one series per class and one
/// for all classes pooled ([`RELIABILITY_SERIES`] order); a point's area grows with its number
/// of forecasts, and the pooled points are labelled with it. Empty bins are left out.
fn reliability_chart(
    panels: &[(String, [Vec<ReliabilityPoint>; 4])],
) -> Result<String, ChartError> {
    let cols = if panels.len() > 1 { 2 } else { 1 };
    let rows = panels.len().div_ceil(cols).max(1);
    let (w, h) = if cols == 1 { (620, 540) } else { (450, 430) };
    let mut entries = vec![(
        "perfect reliability".to_string(),
        vec![Key::Dashed(DIAGONAL, 1)],
    )];
    for class in [
        None,
        Some(Class::Ally),
        Some(Class::Neutral),
        Some(Class::Rival),
    ] {
        let (colour, name) = class_style(class);
        let width = if class.is_none() { 2 } else { 1 };
        entries.push((
            name.to_string(),
            vec![Key::Line(colour, width), Key::Dot(colour)],
        ));
    }
    let legend_h = legend_height(entries.len(), (w * cols) as u32, 200);
    svg(
        "reliability",
        "Reliability diagram: mean forecast probability against observed frequency, per horizon",
        ((w * cols) as u32, (h * rows) as u32 + legend_h),
        |root| {
            let used = legend(root, &entries, 200)?;
            let (_, plots) = root.split_vertically(used);
            let areas = plots.split_evenly((rows, cols));
            for ((title, series), area) in panels.iter().zip(areas.iter()) {
                let biggest = series
                    .iter()
                    .flatten()
                    .map(|p| p.2)
                    .max()
                    .unwrap_or(1)
                    .max(1) as f64;
                let radius = |n: u64| (2.5 + 8.0 * (n as f64 / biggest).sqrt()).round() as i32;
                let mut chart = ChartBuilder::on(area)
                    .caption(title, (FONT, 16))
                    .margin(10)
                    .margin_right(24)
                    .x_label_area_size(40)
                    .y_label_area_size(52)
                    .build_cartesian_2d(0.0..1.0, 0.0..1.0)
                    .map_err(e)?;
                chart
                    .configure_mesh()
                    .light_line_style(WHITE)
                    .bold_line_style(GRID)
                    .x_labels(6)
                    .y_labels(6)
                    .x_desc("mean forecast probability")
                    .y_desc("observed frequency")
                    .x_label_formatter(&|p| format!("{p:.1}"))
                    .y_label_formatter(&|p| format!("{p:.1}"))
                    .label_style((FONT, 12))
                    .axis_desc_style((FONT, 13))
                    .draw()
                    .map_err(e)?;
                chart
                    .draw_series(DashedLineSeries::new(
                        [(0.0, 0.0), (1.0, 1.0)],
                        6,
                        4,
                        DIAGONAL.stroke_width(1),
                    ))
                    .map_err(e)?;
                for (class, points) in RELIABILITY_SERIES.into_iter().zip(series.iter()) {
                    let (colour, _) = class_style(class);
                    let pooled = class.is_none();
                    chart
                        .draw_series(LineSeries::new(
                            points.iter().map(|p| (p.0, p.1)),
                            colour.mix(0.8).stroke_width(if pooled { 2 } else { 1 }),
                        ))
                        .map_err(e)?;
                    let fill = if pooled {
                        colour.filled()
                    } else {
                        colour.mix(0.55).filled()
                    };
                    chart
                        .draw_series(
                            points
                                .iter()
                                .map(|p| Circle::new((p.0, p.1), radius(p.2), fill)),
                        )
                        .map_err(e)?;
                    if pooled {
                        chart
                            .draw_series(points.iter().map(|p| {
                                let r = radius(p.2);
                                EmptyElement::at((p.0, p.1))
                                    + Text::new(
                                        p.2.to_string(),
                                        (r + 1, -r),
                                        text_style(11.0, HPos::Left, VPos::Bottom),
                                    )
                            }))
                            .map_err(e)?;
                    }
                }
            }
            Ok(())
        },
    )
}

/// One horizon's skill by start year: (year, against persistence, against climatology).
type SkillSeries = (u32, Vec<(i64, Option<f64>, Option<f64>)>);

/// Skill by start year: per horizon, the model's Brier skill against persistence (solid,
/// filled points) and against climatology (dashed, open points), with the zero line.
fn skill_chart(series: &[SkillSeries]) -> Result<String, ChartError> {
    let xs: Vec<i64> = series
        .iter()
        .flat_map(|s| s.1.iter().map(|p| p.0))
        .collect();
    let (lo, hi) = (
        xs.iter().copied().min().unwrap_or(0),
        xs.iter().copied().max().unwrap_or(0),
    );
    let pad = ((hi - lo) / 20).max(1);
    let values: Vec<f64> = series
        .iter()
        .flat_map(|s| s.1.iter().flat_map(|p| [p.1, p.2]))
        .flatten()
        .collect();
    let y_lo = values.iter().copied().fold(-0.5, f64::min);
    let y_hi = values.iter().copied().fold(0.5, f64::max);
    let margin = 0.08 * (y_hi - y_lo);
    let (y_lo, y_hi) = (y_lo - margin, y_hi + margin);
    let mut entries = vec![(
        "0: no better than the baseline".to_string(),
        vec![Key::Line(BLACK, 1)],
    )];
    for (k, (h, _)) in series.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        entries.push((
            format!("{}: against persistence", years(*h)),
            vec![Key::Line(colour, 2), Key::Dot(colour)],
        ));
        entries.push((
            format!("{}: against climatology", years(*h)),
            vec![Key::Dashed(colour, 2), Key::Ring(colour)],
        ));
    }
    let (width, column) = (900, 290);
    let legend_h = legend_height(entries.len(), width as u32, column as u32);
    svg(
        "skill",
        "Brier skill of the model by start year, against persistence and climatology",
        (width as u32, 400 + legend_h),
        |root| {
            let used = legend(root, &entries, column)?;
            let (_, plot) = root.split_vertically(used);
            let mut chart = ChartBuilder::on(&plot)
                .margin(12)
                .margin_right(24)
                .x_label_area_size(40)
                .y_label_area_size(56)
                .build_cartesian_2d((lo - pad)..(hi + pad), y_lo..y_hi)
                .map_err(e)?;
            chart
                .configure_mesh()
                .light_line_style(WHITE)
                .bold_line_style(GRID)
                .x_labels(10)
                .y_labels(8)
                .x_desc("start year")
                .y_desc("Brier skill of the model")
                .x_label_formatter(&|y| y.to_string())
                .y_label_formatter(&|s| fmt_num(*s, 1))
                .label_style((FONT, 12))
                .axis_desc_style((FONT, 13))
                .draw()
                .map_err(e)?;
            chart
                .draw_series(LineSeries::new(
                    [(lo - pad, 0.0), (hi + pad, 0.0)],
                    BLACK.stroke_width(1),
                ))
                .map_err(e)?;
            for (k, (_, points)) in series.iter().enumerate() {
                let colour = PALETTE[k % PALETTE.len()];
                let vs_p: Vec<(i64, Option<f64>)> = points.iter().map(|p| (p.0, p.1)).collect();
                let vs_c: Vec<(i64, Option<f64>)> = points.iter().map(|p| (p.0, p.2)).collect();
                for seg in segments(&vs_p) {
                    chart
                        .draw_series(LineSeries::new(seg.iter().copied(), colour.stroke_width(2)))
                        .map_err(e)?;
                    chart
                        .draw_series(seg.iter().map(|&p| Circle::new(p, 4, colour.filled())))
                        .map_err(e)?;
                }
                for seg in segments(&vs_c) {
                    chart
                        .draw_series(DashedLineSeries::new(
                            seg.iter().copied(),
                            7,
                            5,
                            colour.stroke_width(2),
                        ))
                        .map_err(e)?;
                    chart
                        .draw_series(seg.iter().map(|&p| Circle::new(p, 4, WHITE.filled())))
                        .map_err(e)?;
                    chart
                        .draw_series(
                            seg.iter()
                                .map(|&p| Circle::new(p, 4, colour.stroke_width(2))),
                        )
                        .map_err(e)?;
                }
            }
            Ok(())
        },
    )
}

// ------------------------------------------------------------------------------------------
// The page

/// The page's own style rules, after the report's [`STYLE`](super::report::STYLE): table
/// captions, the model's rows of the score table in bold, long manifest values wrapped.
const STYLE: &str = r#"caption { text-align: left; font-weight: 600; padding: 0.2rem 0; }
tr.model td { font-weight: 600; }
#manifest td:last-child { word-break: break-word; }
"#;

/// The page of a backtest or score folder, as one HTML document.
pub fn html(b: &Backtest) -> Result<String, BacktestError> {
    let horizons = b.horizons();
    let start_years = b.start_years();
    let title = match b.kind {
        FolderKind::Backtest => "Backtest: the model's forecasts against what happened",
        FolderKind::Score => "Score: a study's forecasts against what happened",
    };
    let mut o = String::new();
    page_start(&mut o, title, STYLE);
    let span = match (start_years.first(), start_years.last()) {
        (Some(a), Some(z)) if a == z => format!("start year {a}"),
        (Some(a), Some(z)) => format!("{} start years, {a} to {z}", start_years.len()),
        _ => "no start year".to_string(),
    };
    let _ = writeln!(
        o,
        "<p class=\"meta\">Written by <code>entente {}</code> · {span} · {} {} · {} forecasts (pair × start year × horizon){}</p>",
        b.kind.name(),
        if horizons.len() == 1 {
            "horizon"
        } else {
            "horizons"
        },
        if horizons.is_empty() {
            "none".to_string()
        } else {
            horizons
                .iter()
                .map(|h| years(*h))
                .collect::<Vec<_>>()
                .join(", ")
        },
        b.forecasts.len(),
        b.manifest
            .get("entente_version")
            .and_then(|v| v.as_str())
            .map_or(String::new(), |v| format!(" · entente {}", esc(v)))
    );
    let what = match b.kind {
        FolderKind::Backtest => {
            "For each start year, <code>entente backtest</code> built the world of that year from historical data, simulated it forward and forecast each pair's class (ally, neutral or rival) some years ahead, the horizon. The forecasts are scored against what happened, next to two baselines that need no model: <b>persistence</b> (every pair keeps its class of the start year) and <b>climatology</b> (every pair gets the frequencies of the three classes over all pairs and years before the start year)."
        }
        FolderKind::Score => {
            "<code>entente score</code> took the class probabilities of a study's pairs at its horizon (ally, neutral or rival) and scored them against a table of what happened, next to two baselines that need no model: <b>persistence</b> (every pair keeps its class at the study's start) and <b>climatology</b> (every pair gets the frequencies of the starting classes)."
        }
    };
    let _ = writeln!(o, "<p>{what}</p>\n</header>");
    let _ = writeln!(
        o,
        "<nav><ol><li><a href=\"#headline\">Overall scores</a></li><li><a href=\"#reliability\">Reliability diagram</a></li><li><a href=\"#skill\">Skill by start year</a></li><li><a href=\"#changed\">Pairs that changed class</a></li><li><a href=\"#manifest\">What produced this folder</a></li></ol></nav>"
    );

    headline(&mut o, b, &horizons);
    reliability(&mut o, b, &horizons)?;
    skill(&mut o, b, &horizons)?;
    changed(&mut o, b);

    manifest_section(&mut o, &b.manifest);
    Ok(o)
}

/// The overall scores (start year `all`) and what they mean.
fn headline(o: &mut String, b: &Backtest, horizons: &[u32]) {
    let floor = b
        .manifest
        .get("log_floor")
        .and_then(serde_json::Value::as_f64)
        .map_or(String::new(), |f| {
            format!(" (probabilities below {f} count as {f})")
        });
    let _ = writeln!(
        o,
        "<section id=\"headline\">\n<h2>Overall scores</h2>\n<p>All start years together. The <b>Brier score</b> adds, over the three classes, the squared gap between the probability forecast and what happened (1 for the class that happened, 0 for the others), averaged over pairs: 0 is perfect, 2 the worst. The <b>log score</b> is −ln of the probability given to what happened, averaged over pairs{floor}: 0 is perfect, lower is better. <b>Brier skill</b> against a baseline is 1 − Brier(model) / Brier(baseline): 1 is perfect, 0 no better than the baseline, below 0 worse. <b>Accuracy</b> is the share of pairs whose most likely class happened. <i>Changed</i>: only the pairs whose class at the horizon differs from that at the start, where persistence is always wrong.</p>"
    );
    let overall: Vec<&ScoreRow> = {
        let mut rows: Vec<&ScoreRow> = b.scores.iter().filter(|r| r.start_year.is_none()).collect();
        rows.sort_by_key(|r| (r.horizon, r.subset, r.method));
        rows
    };
    if overall.is_empty() {
        let _ = writeln!(
            o,
            "<p>scores.csv has no overall rows (start_year <code>all</code>).</p>\n</section>"
        );
        return;
    }
    let _ = writeln!(
        o,
        "<table><tr><th>horizon</th><th>pairs scored</th><th>method</th><th>Brier</th><th>log score</th><th>skill vs persistence</th><th>skill vs climatology</th><th>accuracy</th><th>pairs</th></tr>"
    );
    for r in &overall {
        let _ = writeln!(
            o,
            "<tr{}><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            if r.method == Method::Model {
                " class=\"model\""
            } else {
                ""
            },
            years(r.horizon),
            r.subset.name(),
            r.method.name(),
            opt_num(r.brier, 3),
            opt_num(r.log_score, 3),
            opt_num(r.skill_vs_persistence, 3),
            opt_num(r.skill_vs_climatology, 3),
            percent(r.accuracy),
            r.pairs
        );
    }
    let _ = writeln!(o, "</table>\n<h3>In plain words</h3>\n<ul>");
    for &h in horizons {
        for subset in Subset::ALL {
            let Some(m) = b.score(None, h, subset, Method::Model) else {
                continue;
            };
            let p = b.score(None, h, subset, Method::Persistence);
            let c = b.score(None, h, subset, Method::Climatology);
            let who = match subset {
                Subset::All => format!("all {} pairs scored", m.pairs),
                s => format!("the {} {}", m.pairs, s.words()),
            };
            let _ = write!(
                o,
                "<li><b>{} ahead, {who}.</b> The model's Brier score is {} (persistence {}, climatology {}). The model's Brier skill against persistence is {}; against climatology it is {}.",
                years(h),
                opt_num(m.brier, 3),
                opt_num(p.and_then(|r| r.brier), 3),
                opt_num(c.and_then(|r| r.brier), 3),
                skill_reading(m.skill_vs_persistence, PERSISTENCE_WORDS),
                skill_reading(m.skill_vs_climatology, climatology_words(b.kind)),
            );
            if m.accuracy.is_some() {
                let _ = write!(
                    o,
                    " Its most likely class happened for {} of them (persistence {}, climatology {}).",
                    percent(m.accuracy),
                    percent(p.and_then(|r| r.accuracy)),
                    percent(c.and_then(|r| r.accuracy)),
                );
            }
            let _ = writeln!(o, "</li>");
        }
    }
    let _ = writeln!(o, "</ul>\n</section>");
}

/// The reliability diagram and its table of pooled bins.
fn reliability(o: &mut String, b: &Backtest, horizons: &[u32]) -> Result<(), BacktestError> {
    let rel_horizons: Vec<u32> = horizons
        .iter()
        .copied()
        .filter(|h| b.reliability.iter().any(|r| r.horizon == *h))
        .collect();
    let mut panels: Vec<(String, [Vec<ReliabilityPoint>; 4])> = rel_horizons
        .iter()
        .map(|&h| {
            let series = RELIABILITY_SERIES.map(|class| {
                let mut rows: Vec<&ReliabilityRow> = b
                    .reliability
                    .iter()
                    .filter(|r| r.horizon == h && r.class == class)
                    .collect();
                rows.sort_by_key(|r| r.bin);
                rows.iter()
                    .filter_map(|r| Some((r.mean_forecast?, r.observed_frequency?, r.forecasts)))
                    .collect()
            });
            (format!("horizon {}", years(h)), series)
        })
        .collect();
    if panels.is_empty() {
        panels.push((
            "no forecasts in reliability.csv".to_string(),
            Default::default(),
        ));
    }
    let _ = writeln!(
        o,
        "<section id=\"reliability\">\n<h2>Reliability diagram</h2>\n<figure>{}<figcaption>The model's forecast probabilities, sorted into ten bins (0–0.1, …, 0.9–1): for each bin, the mean probability forecast (x) against how often the forecast class happened (y). Black: the three classes pooled, each point labelled with its number of forecasts; colours: one class at a time. A point's area grows with its number of forecasts; empty bins are left out. Dashed: the diagonal of perfect reliability.</figcaption></figure>",
        reliability_chart(&panels)?
    );
    let _ = writeln!(
        o,
        "<h3>How to read a reliability diagram</h3>\n<p>If the model is reliable, things it calls 30 % likely happen about 30 % of the time: its points lie on the diagonal. Points <b>below</b> the diagonal mean the model is <b>overconfident</b> in that range (what it forecast happened less often than it said); points <b>above</b> mean it is <b>underconfident</b> (it happened more often). A flat line means the forecasts carry little information: whatever the model says, the outcome happens at about the same rate. Bins with few forecasts are noisy, so weigh each point by its count. Reliability is only half of a good forecast: always saying the base rate is perfectly reliable and useless; the Brier score above rewards both reliability and sharpness.</p>"
    );
    for &h in &rel_horizons {
        let mut rows: Vec<&ReliabilityRow> = b
            .reliability
            .iter()
            .filter(|r| r.horizon == h && r.class.is_none())
            .collect();
        if rows.is_empty() {
            continue;
        }
        rows.sort_by_key(|r| r.bin);
        let _ = writeln!(
            o,
            "<table><caption>Horizon {}, all classes pooled</caption><tr><th>bin</th><th>probabilities</th><th>forecasts</th><th>mean forecast</th><th>observed frequency</th><th>observed − forecast</th></tr>",
            years(h)
        );
        for r in rows {
            let gap = match (r.mean_forecast, r.observed_frequency) {
                (Some(m), Some(f)) => Some(f - m),
                _ => None,
            };
            let _ = writeln!(
                o,
                "<tr><td class=\"num\">{}</td><td class=\"num\">{}–{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                r.bin,
                fmt_num(r.p_lo, 1),
                fmt_num(r.p_hi, 1),
                r.forecasts,
                opt_num(r.mean_forecast, 3),
                opt_num(r.observed_frequency, 3),
                gap.map_or_else(
                    || "—".to_string(),
                    |g| if g > 0.0 {
                        format!("+{}", fmt_num(g, 3))
                    } else {
                        fmt_num(g, 3)
                    }
                )
            );
        }
        let _ = writeln!(o, "</table>");
    }
    let _ = writeln!(o, "</section>");
    Ok(())
}

/// The model's skill by start year: chart and table.
fn skill(o: &mut String, b: &Backtest, horizons: &[u32]) -> Result<(), BacktestError> {
    let by_year = |h: u32, method: Method| -> Vec<&ScoreRow> {
        let mut rows: Vec<&ScoreRow> = b
            .scores
            .iter()
            .filter(|r| {
                r.horizon == h
                    && r.subset == Subset::All
                    && r.method == method
                    && r.start_year.is_some()
            })
            .collect();
        rows.sort_by_key(|r| r.start_year);
        rows
    };
    let year_of = |r: &ScoreRow| r.start_year.unwrap_or_default();
    let series: Vec<SkillSeries> = horizons
        .iter()
        .map(|&h| {
            (
                h,
                by_year(h, Method::Model)
                    .iter()
                    .map(|r| (year_of(r), r.skill_vs_persistence, r.skill_vs_climatology))
                    .collect(),
            )
        })
        .filter(|s: &SkillSeries| !s.1.is_empty())
        .collect();
    let single = b.start_years().len() == 1;
    let _ = writeln!(
        o,
        "<section id=\"skill\">\n<h2>Skill by start year</h2>\n<figure>{}<figcaption>The model's Brier skill over all pairs of each start year{}, one colour per horizon: against persistence (solid line, filled points) and against climatology (dashed line, open points). Above the black zero line the model beat the baseline that year; below, the baseline was better. A gap in a line is a start year whose skill is undefined.</figcaption></figure>",
        skill_chart(&series)?,
        if single {
            " (a single start year: one point per horizon and baseline)"
        } else {
            ""
        }
    );
    let _ = writeln!(
        o,
        "<table><tr><th>start year</th><th>horizon</th><th>pairs</th><th>Brier: model</th><th>persistence</th><th>climatology</th><th>skill vs persistence</th><th>skill vs climatology</th></tr>"
    );
    let mut shown = 0;
    for &h in horizons {
        let persistence = by_year(h, Method::Persistence);
        let climatology = by_year(h, Method::Climatology);
        let brier_of = |rows: &[&ScoreRow], y: Option<i64>| {
            rows.iter()
                .find(|r| r.start_year == y)
                .and_then(|r| r.brier)
        };
        for m in by_year(h, Method::Model) {
            shown += 1;
            let _ = writeln!(
                o,
                "<tr><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                year_of(m),
                years(h),
                m.pairs,
                opt_num(m.brier, 3),
                opt_num(brier_of(&persistence, m.start_year), 3),
                opt_num(brier_of(&climatology, m.start_year), 3),
                opt_num(m.skill_vs_persistence, 3),
                opt_num(m.skill_vs_climatology, 3)
            );
        }
    }
    if shown == 0 {
        let _ = writeln!(
            o,
            "<tr><td colspan=\"8\">scores.csv has no rows for single start years</td></tr>"
        );
    }
    let _ = writeln!(o, "</table>\n</section>");
    Ok(())
}

/// The pairs whose class changed, with the model's probability for what happened.
fn changed(o: &mut String, b: &Backtest) {
    let rows = b.changed();
    let _ = writeln!(
        o,
        "<section id=\"changed\">\n<h2>Pairs that changed class</h2>"
    );
    if rows.is_empty() {
        let _ = writeln!(
            o,
            "<p>No pair in forecasts.csv changed class: persistence was right every time.</p>\n</section>"
        );
        return;
    }
    let mean = rows.iter().map(|r| r.p_of(r.observed)).sum::<f64>() / rows.len() as f64;
    let top = rows
        .iter()
        .filter(|r| Class::ALL.iter().all(|&c| r.p_of(r.observed) >= r.p_of(c)))
        .count();
    let _ = writeln!(
        o,
        "<p>{} of {} forecasts ({}) are of pairs whose class at the horizon differs from that at the start: persistence gave what happened a probability of 0 for each. The model gave it {} on average, and made it its most likely class {} times.{}</p>",
        rows.len(),
        b.forecasts.len(),
        percent(Some(rows.len() as f64 / b.forecasts.len().max(1) as f64)),
        fmt_num(mean, 3),
        top,
        if rows.len() > CHANGED_ROWS {
            format!(
                " The first {CHANGED_ROWS} by start year are listed; forecasts.csv has them all."
            )
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        o,
        "<table><tr><th>start year</th><th>horizon</th><th>pair</th><th>class at the start</th><th>what happened</th><th>model's P(what happened)</th><th>model's P(no change)</th></tr>"
    );
    for r in rows.iter().take(CHANGED_ROWS) {
        let _ = writeln!(
            o,
            "<tr><td class=\"num\">{}</td><td>{}</td><td>{}-{}</td><td>{}</td><td>{} in {}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            r.start_year,
            years(r.horizon),
            esc(&r.a),
            esc(&r.b),
            r.persistence.name(),
            r.observed.name(),
            r.start_year + i64::from(r.horizon),
            fmt_num(r.p_of(r.observed), 3),
            fmt_num(r.p_of(r.persistence), 3)
        );
    }
    let _ = writeln!(o, "</table>\n</section>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_have_a_true_minus_and_no_negative_zero() {
        assert_eq!(fmt_num(-0.849, 2), "\u{2212}0.85");
        assert_eq!(fmt_num(-0.0001, 3), "0.000");
        assert_eq!(fmt_num(0.5, 3), "0.500");
        assert_eq!(opt_num(None, 3), "—");
        assert_eq!(percent(Some(0.7125)), "71.2 %");
    }

    #[test]
    fn skill_reads_as_better_worse_or_even() {
        assert_eq!(
            skill_reading(Some(-0.85), PERSISTENCE_WORDS),
            "\u{2212}0.85: worse than assuming nothing changes"
        );
        assert!(skill_reading(Some(0.2), "x").ends_with("better than x"));
        assert!(skill_reading(Some(0.004), "x").contains("no better and no worse than x"));
        assert!(skill_reading(None, "x").starts_with("undefined"));
    }

    #[test]
    fn charts_are_one_inline_svg_each() {
        let panel = (
            "horizon 10 years".to_string(),
            [
                vec![(0.15, 0.1, 3)],
                vec![],
                vec![(0.8, 0.6, 2)],
                vec![(0.15, 0.1, 3), (0.8, 0.6, 2)],
            ],
        );
        let svg = reliability_chart(&[panel.clone(), panel]).unwrap();
        let skill = skill_chart(&[(
            10,
            vec![(1900, Some(-0.5), None), (1905, Some(0.25), Some(0.1))],
        )])
        .unwrap();
        for (chart, text) in [(&svg, "horizon 10 years"), (&skill, "against climatology")] {
            assert!(chart.starts_with("<svg class=\"chart\" role=\"img\""));
            assert_eq!(chart.matches("<svg").count(), 1);
            assert!(!chart.contains("http"));
            assert!(chart.contains(text), "{text}");
        }
    }
}
