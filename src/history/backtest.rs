//! Backtests: the model's forecasts from many start years, scored against what happened.
//!
//! For each start year the states of the spec are resolved again, a scenario is built from
//! the data ([`super::build`]), the study is simulated, and each pair's class probabilities at
//! `start + horizon` are set beside the observed class that year ([`super::coding`]), the
//! observed class at the start (persistence) and the class frequencies of earlier years
//! (climatology). A pair one of whose states has left the state system by then is dropped and
//! counted.

use super::build::{self, Assumptions, BuildOptions};
use super::coding::Coding;
use super::data::HistoryData;
use super::score::{Forecast, Probs};
use super::select::Spec;
use crate::engine::{self, Study};
use crate::model::world::upper;

/// What to backtest.
#[derive(Debug, Clone)]
pub struct BacktestOptions {
    /// Start years, ascending.
    pub years: Vec<i32>,
    /// Horizons in years, ascending.
    pub horizons: Vec<u32>,
    /// Which states, resolved again in each start year.
    pub spec: Spec,
    /// Monte Carlo runs per start year.
    pub runs: u64,
    /// Master seed (the same for every start year: common random numbers).
    pub seed: u64,
    /// `--theory`, applied to every scenario.
    pub theory: Option<String>,
    /// `--set`, applied to every scenario.
    pub set: Vec<String>,
    /// Outcome coding.
    pub coding: Coding,
    /// Judgement calls of the built scenarios.
    pub assumptions: Assumptions,
    /// Worker threads (results do not depend on it).
    pub threads: usize,
}

/// What one start year contributed.
#[derive(Debug, Clone, PartialEq)]
pub struct StartYear {
    /// The year.
    pub year: i32,
    /// COW abbreviations of its states.
    pub states: Vec<String>,
    /// Pairs dropped per horizon (a state left the system), in the order of the horizons.
    pub dropped: Vec<usize>,
    /// Climatology used: [ally, neutral, rival] frequencies.
    pub climatology: Probs,
    /// Pair-years the climatology was counted from.
    pub climatology_pairs: u64,
}

/// A backtest's results.
#[derive(Debug, Clone, PartialEq)]
pub struct Backtest {
    /// Every scored forecast, by start year, horizon, then pair.
    pub forecasts: Vec<Forecast>,
    /// What each start year contributed.
    pub starts: Vec<StartYear>,
}

/// Class frequencies of every pair of the spec in each year `from..to`, with the number of
/// pair-years: the climatology of a start year `to` counts the years before it.
pub fn class_counts(
    d: &HistoryData,
    spec: &Spec,
    coding: &Coding,
    from: i32,
    to: i32,
) -> Result<Vec<(i32, [u64; 3])>, String> {
    let mut out = Vec::new();
    for y in from..to {
        let codes = spec.resolve_lenient(d, y).map_err(|e| e.0)?;
        let mut c = [0u64; 3];
        for (i, k) in upper(codes.len()) {
            c[coding.class(d, codes[i], codes[k], y).index()] += 1;
        }
        out.push((y, c));
    }
    Ok(out)
}

/// Frequencies from counts; uniform when there are none.
pub fn frequencies(c: [u64; 3]) -> Probs {
    let n: u64 = c.iter().sum();
    if n == 0 {
        [1.0 / 3.0; 3]
    } else {
        c.map(|k| k as f64 / n as f64)
    }
}

/// One start year, built from the data once: its scenario (before `--theory` and `--set`),
/// codes, classes at the start and climatology.
#[derive(Debug, Clone)]
pub struct PreparedYear {
    /// The year.
    pub year: i32,
    /// The scenario built from the data.
    pub built: build::Built,
    /// The climatology of the year and the pair-years it was counted from.
    pub climatology: Probs,
    /// Pair-years the climatology was counted from.
    pub climatology_pairs: u64,
}

/// A backtest's start years, built once, so that many parameter sets can be scored
/// (`sweep --evaluate backtest`, `calibrate`) without building the scenarios again.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The start years in ascending order.
    pub years: Vec<PreparedYear>,
}

/// Build the scenario of every start year of `o` and count its climatology.
pub fn prepare(d: &HistoryData, o: &BacktestOptions) -> Result<Prepared, String> {
    let Some(&hmax) = o.horizons.iter().max() else {
        return Err("no horizon: expected at least one".into());
    };
    let last = o.years.iter().copied().max().unwrap_or(d.first_year);
    // Climatology: counts of every year from the start of the data to the last start year.
    let counts = class_counts(d, &o.spec, &o.coding, d.first_year, last)?;
    let mut years = Vec::new();
    for &year in &o.years {
        let codes = o.spec.resolve_lenient(d, year).map_err(|e| e.0)?;
        let mut clim = [0u64; 3];
        for (_, c) in counts.iter().filter(|(y, _)| *y < year) {
            for k in 0..3 {
                clim[k] += c[k];
            }
        }
        let built = build::build(
            d,
            &codes,
            &BuildOptions {
                year,
                horizon: f64::from(hmax),
                name: Some(format!("backtest-{year}")),
                spec: o.spec.text.clone(),
                coding: o.coding,
                assumptions: o.assumptions.clone(),
                command: format!("entente history {year} --states {}", o.spec.text),
            },
        )
        .map_err(|e| format!("start year {year}: {e}"))?;
        years.push(PreparedYear {
            year,
            built,
            climatology: frequencies(clim),
            climatology_pairs: clim.iter().sum(),
        });
    }
    Ok(Prepared { years })
}

/// Run a backtest. `progress` gets the number of runs just done.
pub fn run(
    d: &HistoryData,
    o: &BacktestOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Backtest, String> {
    let prepared = prepare(d, o)?;
    simulate(d, o, &prepared, &o.set, progress)
}

/// Simulate the prepared start years of `o` with `set` (instead of `o.set`) applied after the
/// theory, and score every pair at every horizon.
pub fn simulate(
    d: &HistoryData,
    o: &BacktestOptions,
    prepared: &Prepared,
    set: &[String],
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Backtest, String> {
    let mut forecasts = Vec::new();
    let mut starts = Vec::new();
    for py in &prepared.years {
        let (year, built, climatology) = (py.year, &py.built, py.climatology);
        let mut s = built.scenario.clone();
        s.apply_choices(o.theory.as_deref(), set)
            .map_err(|e| format!("start year {year}: {e}"))?;
        let params = s.params.clone();
        let stats = engine::run(
            &Study {
                scenario: &s,
                params,
                seed: o.seed,
                runs: 0..o.runs,
                threads: o.threads,
            },
            progress,
            None,
        )
        .map_err(|e| format!("start year {year}: {e}"))?;
        let pairs = stats.pairs();
        let runs = stats.runs.max(1) as f64;
        let mut dropped = Vec::new();
        for &h in &o.horizons {
            let target = year + h as i32;
            let step = ((f64::from(h) / s.dt).round() as usize).min(s.steps);
            let mut gone = 0;
            for (q, (i, k)) in upper(built.codes.len()).enumerate() {
                let (a, b) = (built.codes[i], built.codes[k]);
                if d.member(a, target).is_none() || d.member(b, target).is_none() {
                    gone += 1;
                    continue;
                }
                let idx = step * pairs + q;
                let p_ally = stats.alliance[idx] as f64 / runs;
                let p_rival = stats.rivalry[idx] as f64 / runs;
                let p_neutral = (1.0 - p_ally - p_rival).max(0.0);
                forecasts.push(Forecast {
                    start_year: i64::from(year),
                    horizon: h,
                    a: s.states[i].id.clone(),
                    b: s.states[k].id.clone(),
                    model: [p_ally, p_neutral, p_rival],
                    climatology,
                    observed: o.coding.class(d, a, b, target),
                    persistence: built.start_classes[q],
                });
            }
            dropped.push(gone);
        }
        starts.push(StartYear {
            year,
            states: s.states.iter().map(|x| x.id.clone()).collect(),
            dropped,
            climatology,
            climatology_pairs: py.climatology_pairs,
        });
    }
    Ok(Backtest { forecasts, starts })
}

/// Parse `--years`: items separated by commas, each `FROM:TO:STEP`, `FROM:TO` (every year)
/// or one year (`1816:1914,1919:1939`, `1904,1913`); sorted, each year once.
pub fn parse_years(text: &str) -> Result<Vec<i32>, String> {
    let bad = || {
        format!(
            "--years `{text}`: expected FROM:TO:STEP (1870:1980:5), FROM:TO, or years, separated by commas (1904,1913 or 1816:1914,1919:1939)"
        )
    };
    let mut years: Vec<i32> = Vec::new();
    for item in text.split(',').map(str::trim) {
        let num = |s: &str| s.trim().parse::<i32>().map_err(|_| bad());
        let parts: Vec<&str> = item.split(':').collect();
        let (from, to, step) = match parts.as_slice() {
            [a] => (num(a)?, num(a)?, 1),
            [a, b] => (num(a)?, num(b)?, 1),
            [a, b, c] => (num(a)?, num(b)?, num(c)?),
            _ => return Err(bad()),
        };
        if step < 1 || to < from {
            return Err(format!(
                "--years `{text}`: `{item}`: expected FROM <= TO and a STEP of at least 1"
            ));
        }
        if i64::from(to) - i64::from(from) > 100_000 {
            return Err(format!("--years `{text}`: more than 10000 start years"));
        }
        years.extend((from..=to).step_by(step as usize));
        if years.len() > 10_000 {
            return Err(format!("--years `{text}`: more than 10000 start years"));
        }
    }
    years.sort_unstable();
    years.dedup();
    if years.is_empty() {
        return Err(bad());
    }
    Ok(years)
}

/// Parse `--horizon`: whole years separated by commas (`5,10`).
pub fn parse_horizons(text: &str) -> Result<Vec<u32>, String> {
    let mut h: Vec<u32> = text
        .split(',')
        .map(|s| match s.trim().parse::<u32>() {
            Ok(v) if (1..=200).contains(&v) => Ok(v),
            _ => Err(format!(
                "--horizon `{text}`: found `{}`, expected whole years in [1, 200], separated by commas (5,10)",
                s.trim()
            )),
        })
        .collect::<Result<_, _>>()?;
    h.sort_unstable();
    h.dedup();
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_and_horizons_parse() {
        assert_eq!(parse_years("1880:1890:5").unwrap(), [1880, 1885, 1890]);
        assert_eq!(parse_years("1913,1904").unwrap(), [1904, 1913]);
        assert_eq!(parse_years("1900:1902").unwrap(), [1900, 1901, 1902]);
        assert_eq!(
            parse_years("1816:1818,1919:1920, 1817").unwrap(),
            [1816, 1817, 1818, 1919, 1920]
        );
        assert!(parse_years("1816:1818,").is_err());
        assert!(parse_years("1:2:3:4").is_err());
        assert!(parse_years("1890:1880:5").is_err());
        assert!(parse_years("1880:1890:0").is_err());
        assert!(parse_years("18x0").is_err());
        assert_eq!(parse_horizons("10,5,10").unwrap(), [5, 10]);
        assert!(parse_horizons("0").is_err());
        assert!(parse_horizons("5,x").is_err());
    }

    #[test]
    fn frequencies_are_uniform_without_counts() {
        assert_eq!(frequencies([0, 0, 0]), [1.0 / 3.0; 3]);
        assert_eq!(frequencies([1, 2, 1]), [0.25, 0.5, 0.25]);
    }
}
