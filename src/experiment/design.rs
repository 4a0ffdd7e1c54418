//! Factors and designs of experiments: which points of the factor space a sweep runs.
//!
//! A [`Factor`] is a `--set` path (or `theory`) with its levels: a numeric range
//! `PATH=LOW:HIGH` or a list `PATH=v1,v2,...` ([`Factor::parse`]). A [`Design`] says how
//! points are chosen (`grid:K`, `lhs:N`, `sobol:N`, `morris:R:L`, `oat:K`;
//! [`Design::parse`]) and [`generate`] turns both into [`DesignPoints`]: one row per point,
//! the same rows scaled to [0, 1] for the sensitivity estimators, and the [`Layout`] the
//! estimators rely on.
//!
//! # The designs
//!
//! - **grid** (full factorial): every combination of the factors' levels, the *last* factor
//!   varying fastest (like nested loops in the order the factors were given). A range takes
//!   K evenly spaced levels from LOW to HIGH inclusive; a list takes its listed values.
//! - **lhs** (Latin hypercube): N points; each factor's range is cut into N equal strata and
//!   every stratum holds exactly one point, at a uniform random position within it, the
//!   strata being matched across factors by independent random permutations (as SALib's
//!   `latin.sample`).
//! - **sobol** (Saltelli): two N × k base matrices A and B, taken as the first k and the last
//!   k coordinates of an Owen-scrambled Sobol' sequence in 2k dimensions (what SALib's
//!   `sobol.sample` does with SciPy's scrambled Sobol' generator; here the `sobol_burley`
//!   crate, seeded from `seed`), laid out as SALib does without second-order terms: for each
//!   base sample j, A_j, then AB_j^(i) for i = 1..k (A_j with column i taken from B_j),
//!   then B_j; N (k + 2) points. N a power of two keeps the balance of the Sobol' points.
//! - **morris** (elementary effects; Morris 1991, Campolongo et al. 2007): R trajectories of
//!   k + 1 points on the grid {0, 1/(L−1), …, 1} of L levels, built as SALib's
//!   `morris.sample` builds them (matrix B* of Morris 1991): a random base point x* on the
//!   levels in [0, 1 − Δ], a random direction per factor and a random order of the factors;
//!   the trajectory starts at x*_i for a factor moving up and at x*_i + Δ for one moving
//!   down, then moves each factor once, in that order, by +Δ or −Δ, with
//!   Δ = L / (2 (L − 1)). L must be even, so that Δ is a whole number of grid steps.
//! - **oat** (one at a time): the base point (every factor at its scenario value), then for
//!   each factor in order each of its levels (K evenly spaced from LOW to HIGH for a range,
//!   the listed values for a list) with the other factors at their base values.
//!
//! Numeric points are scaled from the unit cube linearly, `u (HIGH − LOW) + LOW` (SALib's
//! `scale_samples`), with u = 0 and u = 1 giving LOW and HIGH exactly.
//!
//! # Reproducibility
//!
//! The random designs (lhs, sobol, morris) draw from ChaCha8 seeded with `seed` on a stream
//! of its own (so a sweep may reuse its simulation seed without the design and the runs
//! sharing random numbers). Integers in a range and uniform reals are derived from the raw
//! 64-bit words here (not through `rand`'s distributions), so the points depend only on the
//! inputs and the seed, not on the version of `rand`: same inputs + seed = same points.

use std::fmt;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::model::Theory;

/// The most points a design may have.
pub const MAX_POINTS: usize = 1_000_000;

/// The most base samples of a `sobol:N` design (the length of the Sobol' sequence used).
pub const MAX_SOBOL_SAMPLES: usize = 1 << 16;

/// Morris levels when `morris:R` does not give them.
pub const DEFAULT_MORRIS_LEVELS: usize = 4;

/// Levels per range factor when `oat` does not give them.
pub const DEFAULT_OAT_LEVELS: usize = 5;

/// The ChaCha8 stream the random designs draw from ("design" in ASCII), apart from the
/// streams of the simulation's runs.
const DESIGN_STREAM: u64 = 0x6465_7369_676e;

const DESIGN_SHAPES: &str = "grid, grid:K, lhs:N, sobol:N, morris:R, morris:R:L, oat or oat:K";

/// A factor's value at a design point.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A number (every level of a range; a list item that reads as a number).
    Number(f64),
    /// Text (a theory preset or another categorical level).
    Text(String),
}

impl Value {
    /// As written after `PATH=` in a `--set` (numbers in Rust's shortest round-trip form, `{}`).
    pub fn text(&self) -> String {
        match self {
            Value::Number(x) => format!("{x}"),
            Value::Text(s) => s.clone(),
        }
    }

    /// The number, if the value is one.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(x) => Some(*x),
            Value::Text(_) => None,
        }
    }

    /// Read a list item: a number if it reads as one (it must then be finite), else text.
    fn read(item: &str) -> Result<Value, String> {
        match item.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Value::Number(x)),
            Ok(_) => Err(format!(
                "value `{item}` is not finite; expected a finite number"
            )),
            Err(_) => Ok(Value::Text(item.to_string())),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

/// The levels a factor may take.
#[derive(Debug, Clone, PartialEq)]
pub enum Levels {
    /// Any number from `low` to `high` (`low < high`, both finite).
    Range {
        /// The lower bound.
        low: f64,
        /// The upper bound.
        high: f64,
    },
    /// The listed values (at least two, all different).
    List(Vec<Value>),
}

/// One factor: a `--set` path (or `theory`) and its levels.
#[derive(Debug, Clone, PartialEq)]
pub struct Factor {
    /// The `--set` path (e.g. `eta`, `pair.CHN-RUS.mistrust`) or `theory`.
    pub path: String,
    /// The levels the factor takes.
    pub levels: Levels,
}

impl Factor {
    /// Parse `PATH=LOW:HIGH` or `PATH=v1,v2,...` (a `--vary` argument).
    ///
    /// Only the syntax is checked here (numbers finite, LOW < HIGH, at least two distinct
    /// listed values, `theory` with preset names only); whether the path exists in the
    /// scenario is for the caller to check. Errors name the argument, what was found and
    /// what was expected.
    pub fn parse(spec: &str) -> Result<Factor, String> {
        let err = |m: String| format!("--vary `{spec}`: {m}");
        let Some((path, rhs)) = spec.split_once('=') else {
            return Err(err("no `=`; expected PATH=LOW:HIGH or PATH=v1,v2,... \
                 (e.g. eta=0.1:0.5 or theory=walt,waltz)"
                .into()));
        };
        let (path, rhs) = (path.trim(), rhs.trim());
        check_path(path).map_err(err)?;
        if rhs.contains('=') {
            return Err(err(
                "more than one `=`; expected one, between the path and the levels".into(),
            ));
        }
        if rhs.is_empty() {
            return Err(err(
                "no levels after `=`; expected LOW:HIGH or v1,v2,...".into()
            ));
        }
        let levels = if rhs.contains(',') {
            let mut values = Vec::new();
            for (i, item) in rhs.split(',').map(str::trim).enumerate() {
                if item.is_empty() {
                    return Err(err(format!(
                        "value {} of the list is empty; expected v1,v2,... with no empty values",
                        i + 1
                    )));
                }
                if item.contains(':') {
                    return Err(err(format!(
                        "value `{item}` mixes a range and a list; expected either LOW:HIGH or \
                         v1,v2,..."
                    )));
                }
                values.push(Value::read(item).map_err(err)?);
            }
            Levels::List(values)
        } else if let Some((low, high)) = rhs.split_once(':') {
            if high.contains(':') {
                return Err(err(format!(
                    "`{rhs}` has more than one `:`; expected LOW:HIGH"
                )));
            }
            Levels::Range {
                low: bound("low", low.trim()).map_err(err)?,
                high: bound("high", high.trim()).map_err(err)?,
            }
        } else {
            return Err(err(format!(
                "one value `{rhs}`; a factor needs at least two levels: expected LOW:HIGH or \
                 v1,v2,..."
            )));
        };
        check_levels(path, &levels).map_err(err)?;
        Ok(Factor {
            path: path.to_string(),
            levels,
        })
    }

    /// A factor from its parts, checked as [`Factor::parse`] checks them (for factors read
    /// from an experiment file).
    pub fn new(path: &str, levels: Levels) -> Result<Factor, String> {
        let factor = Factor {
            path: path.trim().to_string(),
            levels,
        };
        factor.validate()?;
        Ok(factor)
    }

    /// Check the rules [`Factor::parse`] enforces (the fields are public, so a factor may
    /// have been built by hand); the error names the factor.
    pub fn validate(&self) -> Result<(), String> {
        let err = |m: String| format!("factor `{}`: {m}", self.path);
        check_path(&self.path).map_err(err)?;
        if let Levels::List(values) = &self.levels {
            for v in values {
                match v {
                    Value::Number(x) if !x.is_finite() => {
                        return Err(err(format!(
                            "value {x} is not finite; expected a finite number"
                        )));
                    }
                    Value::Text(s) if s.trim().is_empty() || s.contains([',', ':', '=']) => {
                        return Err(err(format!(
                            "value `{s}` is empty or contains `,`, `:` or `=`; expected a \
                             number or a name"
                        )));
                    }
                    _ => {}
                }
            }
        }
        check_levels(&self.path, &self.levels).map_err(err)
    }

    /// Whether every level is a number (ranges always are).
    pub fn is_numeric(&self) -> bool {
        match &self.levels {
            Levels::Range { .. } => true,
            Levels::List(values) => values.iter().all(|v| matches!(v, Value::Number(_))),
        }
    }

    /// The bounds that scale the factor to [0, 1]: a range's LOW and HIGH, a numeric list's
    /// smallest and largest values; `None` for a list with text.
    pub fn bounds(&self) -> Option<(f64, f64)> {
        match &self.levels {
            Levels::Range { low, high } => Some((*low, *high)),
            Levels::List(values) => {
                let mut numbers = values.iter().map(Value::as_number);
                let first = numbers.next()??;
                numbers.try_fold((first, first), |(lo, hi), x| {
                    x.map(|x| (lo.min(x), hi.max(x)))
                })
            }
        }
    }
}

impl fmt::Display for Factor {
    /// The factor as a `--vary` argument, `PATH=LOW:HIGH` or `PATH=v1,v2,...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.levels {
            Levels::Range { low, high } => write!(f, "{}={low}:{high}", self.path),
            Levels::List(values) => {
                let texts: Vec<String> = values.iter().map(Value::text).collect();
                write!(f, "{}={}", self.path, texts.join(","))
            }
        }
    }
}

/// A path is a `--set` path (checked against the scenario elsewhere) or `theory`.
fn check_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err(
            "empty path; expected PATH=... with a --set path (e.g. eta or \
                    pair.CHN-RUS.mistrust) or theory"
                .into(),
        );
    }
    if path.contains('=') || path.chars().any(char::is_whitespace) {
        return Err(format!(
            "path `{path}` contains `=` or a space; expected a --set path (e.g. eta or \
             pair.CHN-RUS.mistrust) or theory"
        ));
    }
    Ok(())
}

/// Read one bound of a range.
fn bound(which: &str, s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        Ok(_) => Err(format!(
            "{which} `{s}` is not finite; expected a finite number"
        )),
        Err(_) if s.is_empty() => Err(format!(
            "no {which} bound; expected LOW:HIGH with two numbers"
        )),
        Err(_) => Err(format!(
            "{which} `{s}` is not a number; expected LOW:HIGH with two numbers"
        )),
    }
}

/// The rules on levels shared by [`Factor::parse`] and [`Factor::validate`].
fn check_levels(path: &str, levels: &Levels) -> Result<(), String> {
    let presets = || Theory::ALL.map(Theory::name).join(", ");
    match levels {
        Levels::Range { low, high } => {
            if path == "theory" {
                return Err(format!(
                    "theory takes a list of preset names (e.g. theory=walt,waltz); found the \
                     range {low}:{high}; expected some of {}",
                    presets()
                ));
            }
            if !low.is_finite() || !high.is_finite() {
                return Err(format!(
                    "the range {low}:{high} has a bound that is not finite; expected finite \
                     numbers"
                ));
            }
            if low == high {
                return Err(format!("low and high are both {low}; expected LOW < HIGH"));
            }
            if low > high {
                return Err(format!(
                    "low {low} is above high {high}; expected LOW < HIGH"
                ));
            }
            if !(high - low).is_finite() {
                return Err(format!(
                    "the range {low}:{high} is too wide to scale (HIGH − LOW overflows); \
                     expected a narrower range"
                ));
            }
        }
        Levels::List(values) => {
            if values.len() < 2 {
                return Err(format!(
                    "{} value(s) listed; expected at least two (v1,v2,...)",
                    values.len()
                ));
            }
            for (i, v) in values.iter().enumerate() {
                if values[..i].iter().any(|w| same(v, w)) {
                    return Err(format!(
                        "value `{v}` is listed twice; expected distinct values"
                    ));
                }
            }
            if path == "theory" {
                for v in values {
                    let known = matches!(v, Value::Text(s) if Theory::parse(s).is_some());
                    if !known {
                        return Err(format!(
                            "`{v}` is not a theory preset; expected names among {}",
                            presets()
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Whether two listed values are the same level (numbers by value: `0.5` and `.5` are one).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::Text(s), Value::Text(t)) => s == t,
        _ => false,
    }
}

/// How points are chosen.
#[derive(Debug, Clone, PartialEq)]
pub enum Design {
    /// `grid:K` (K levels per range factor, the listed values for a list factor), or `grid`
    /// (`None`) when every factor is a list.
    Grid(Option<usize>),
    /// `lhs:N`: a Latin hypercube of N points.
    Lhs(usize),
    /// `sobol:N`: Saltelli's design for Sobol' indices with N base samples.
    Sobol(usize),
    /// `morris:R` or `morris:R:L`: R Morris trajectories on L levels (default
    /// [`DEFAULT_MORRIS_LEVELS`]).
    Morris {
        /// The number of trajectories.
        r: usize,
        /// The number of levels of the Morris grid (even).
        levels: usize,
    },
    /// `oat` or `oat:K`: one factor at a time around the base point, K levels per range
    /// factor (default [`DEFAULT_OAT_LEVELS`]).
    Oat(usize),
}

impl Design {
    /// Parse a `--design` argument: `grid`, `grid:K`, `lhs:N`, `sobol:N`, `morris:R`,
    /// `morris:R:L`, `oat` or `oat:K`.
    pub fn parse(s: &str) -> Result<Design, String> {
        let err = |m: String| format!("--design `{s}`: {m}");
        let mut parts = s.trim().split(':');
        let name = parts.next().unwrap_or_default().trim();
        let args: Vec<&str> = parts.map(str::trim).collect();
        let too_many = |shape: &str| err(format!("too many `:` parts; expected {shape}"));
        let design = match name {
            "grid" => match args[..] {
                [] => Design::Grid(None),
                [k] => Design::Grid(Some(count(k, "K", "levels per factor").map_err(err)?)),
                _ => return Err(too_many("grid or grid:K")),
            },
            "lhs" | "sobol" => {
                let n = match args[..] {
                    [] => {
                        return Err(err(format!(
                            "no number of samples; expected {name}:N (e.g. {name}:64)"
                        )));
                    }
                    [n] => count(n, "N", "samples").map_err(err)?,
                    _ => return Err(too_many(&format!("{name}:N"))),
                };
                if name == "lhs" {
                    Design::Lhs(n)
                } else {
                    Design::Sobol(n)
                }
            }
            "morris" => match args[..] {
                [] => {
                    return Err(err(
                        "no number of trajectories; expected morris:R or morris:R:L (e.g. \
                         morris:10 or morris:10:4)"
                            .into(),
                    ));
                }
                [r] => Design::Morris {
                    r: count(r, "R", "trajectories").map_err(err)?,
                    levels: DEFAULT_MORRIS_LEVELS,
                },
                [r, l] => Design::Morris {
                    r: count(r, "R", "trajectories").map_err(err)?,
                    levels: count(l, "L", "levels").map_err(err)?,
                },
                _ => return Err(too_many("morris:R or morris:R:L")),
            },
            "oat" => match args[..] {
                [] => Design::Oat(DEFAULT_OAT_LEVELS),
                [k] => Design::Oat(count(k, "K", "levels per factor").map_err(err)?),
                _ => return Err(too_many("oat or oat:K")),
            },
            "" => return Err(err(format!("no design; expected one of {DESIGN_SHAPES}"))),
            other => {
                return Err(err(format!(
                    "unknown design `{other}`; expected one of {DESIGN_SHAPES}"
                )));
            }
        };
        design.check().map_err(err)?;
        Ok(design)
    }

    /// The design as [`Design::parse`] reads it, with defaults written out (`oat:5`,
    /// `morris:10:4`), e.g. for the manifest.
    pub fn name(&self) -> String {
        match self {
            Design::Grid(None) => "grid".into(),
            Design::Grid(Some(k)) => format!("grid:{k}"),
            Design::Lhs(n) => format!("lhs:{n}"),
            Design::Sobol(n) => format!("sobol:{n}"),
            Design::Morris { r, levels } => format!("morris:{r}:{levels}"),
            Design::Oat(k) => format!("oat:{k}"),
        }
    }

    /// The rules on counts that do not depend on the factors (the variants are public, so a
    /// design may have been built by hand).
    fn check(&self) -> Result<(), String> {
        let at_least_two = |n: usize, what: &str| {
            if n < 2 {
                Err(format!("{what} = {n} is too small; expected {what} ≥ 2"))
            } else {
                Ok(())
            }
        };
        match *self {
            Design::Grid(None) => Ok(()),
            Design::Grid(Some(k)) | Design::Oat(k) => at_least_two(k, "K"),
            Design::Lhs(n) => at_least_two(n, "N"),
            Design::Sobol(n) => {
                at_least_two(n, "N")?;
                if n > MAX_SOBOL_SAMPLES {
                    return Err(format!(
                        "N = {n} base samples; expected at most {MAX_SOBOL_SAMPLES}, the \
                         length of the Sobol' sequence used"
                    ));
                }
                Ok(())
            }
            Design::Morris { r, levels } => {
                at_least_two(r, "R")?;
                at_least_two(levels, "L")?;
                if levels % 2 != 0 {
                    return Err(format!(
                        "L = {levels} levels; expected an even L (the Morris step \
                         Δ = L / (2 (L − 1)) falls on the grid of L levels only when L is even)"
                    ));
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for Design {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// Read a count of a design (`letter` as in the syntax, `what` it counts).
fn count(s: &str, letter: &str, what: &str) -> Result<usize, String> {
    if s.is_empty() {
        return Err(format!(
            "no {letter} after `:`; expected a whole number of {what}, {letter} ≥ 2"
        ));
    }
    s.parse::<usize>().map_err(|_| {
        format!("{letter} `{s}` is not a whole number; expected a number of {what}, {letter} ≥ 2")
    })
}

/// Where the points of a design sit, for the estimators.
#[derive(Debug, Clone, PartialEq)]
pub enum Layout {
    /// No structure the estimators use (grid, lhs, oat).
    Plain,
    /// SALib's Saltelli layout without second-order terms: for each base sample j, A_j, then
    /// AB_j^(i) for each factor i, then B_j: n (k + 2) points.
    Saltelli {
        /// The number of base samples.
        n: usize,
        /// The number of factors.
        k: usize,
    },
    /// r trajectories of k + 1 points each, one after the other; `levels` Morris levels.
    Morris {
        /// The number of trajectories.
        r: usize,
        /// The number of factors.
        k: usize,
        /// The number of levels of the Morris grid.
        levels: usize,
    },
}

/// The points of a design.
#[derive(Debug, Clone, PartialEq)]
pub struct DesignPoints {
    /// The factors, in the order of the columns.
    pub factors: Vec<Factor>,
    /// One row per point, one value per factor.
    pub points: Vec<Vec<Value>>,
    /// The same points scaled to [0, 1] by each factor's bounds (numeric designs only;
    /// what the Morris and Sobol estimators read). Every factor and every value must be
    /// numeric, else `None`. A range scales by LOW and HIGH, a numeric list by its smallest
    /// and largest values; in an `oat` design the base point may lie outside [0, 1] when a
    /// base value lies outside the factor's bounds.
    pub unit: Option<Vec<Vec<f64>>>,
    /// Where the points sit, for the estimators.
    pub layout: Layout,
}

impl DesignPoints {
    /// The number of points.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Whether there are no points (never, for a generated design).
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
}

/// Generate the points. `base` is each factor's value in the scenario (for `oat`; the other
/// designs ignore it); `seed` makes random designs (lhs, sobol, morris) reproducible: same
/// inputs + seed = same points.
///
/// Errors (naming the design and the factor) when the design does not fit the factors:
/// lhs, sobol and morris need every factor a numeric range; `grid` without K needs every
/// factor a list; no design may have more than [`MAX_POINTS`] points.
pub fn generate(
    design: &Design,
    factors: &[Factor],
    base: &[Value],
    seed: u64,
) -> Result<DesignPoints, String> {
    let name = design.name();
    let err = |m: String| format!("--design {name}: {m}");
    design.check().map_err(err)?;
    if factors.is_empty() {
        return Err(err(
            "no factors; expected at least one --vary PATH=LOW:HIGH or PATH=v1,v2,...".into(),
        ));
    }
    for (i, f) in factors.iter().enumerate() {
        f.validate()?;
        if factors[..i].iter().any(|g| g.path == f.path) {
            return Err(format!(
                "factor `{}` is varied twice; expected each path at most once",
                f.path
            ));
        }
    }
    let k = factors.len();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(DESIGN_STREAM);
    let (points, unit, layout) = match *design {
        Design::Grid(levels) => {
            let columns = factors
                .iter()
                .map(|f| match (&f.levels, levels) {
                    (Levels::Range { low, high }, Some(k)) => Ok(spaced(*low, *high, k)),
                    (Levels::Range { low, high }, None) => Err(err(format!(
                        "factor `{}` is a range ({low}:{high}); expected grid:K to say how \
                         many levels it takes, or a list of values",
                        f.path
                    ))),
                    (Levels::List(_), _) => Ok(listed(f)),
                })
                .collect::<Result<Vec<_>, _>>()?;
            let sizes: Vec<usize> = columns.iter().map(Vec::len).collect();
            let total = sizes.iter().try_fold(1usize, |acc, &s| acc.checked_mul(s));
            let sizes_text: Vec<String> = sizes.iter().map(|s| s.to_string()).collect();
            limit(total, &sizes_text.join(" × ")).map_err(err)?;
            let (points, unit) = grid(&columns);
            (points, unit, Layout::Plain)
        }
        Design::Lhs(n) => {
            let ranges = ranges(factors, "lhs").map_err(err)?;
            limit(Some(n), &format!("{n}")).map_err(err)?;
            let unit = latin(n, k, &mut rng);
            let points = scale_rows(&unit, &ranges);
            (points, Some(unit), Layout::Plain)
        }
        Design::Sobol(n) => {
            let ranges = ranges(factors, "sobol").map_err(err)?;
            let total = k.checked_add(2).and_then(|c| c.checked_mul(n));
            limit(total, &format!("{n} × ({k} + 2)")).map_err(err)?;
            let unit = saltelli(n, k, rng.next_u32());
            let points = scale_rows(&unit, &ranges);
            (points, Some(unit), Layout::Saltelli { n, k })
        }
        Design::Morris { r, levels } => {
            let ranges = ranges(factors, "morris").map_err(err)?;
            let total = k.checked_add(1).and_then(|c| c.checked_mul(r));
            limit(total, &format!("{r} × ({k} + 1)")).map_err(err)?;
            let unit = morris(r, k, levels, &mut rng);
            let points = scale_rows(&unit, &ranges);
            (points, Some(unit), Layout::Morris { r, k, levels })
        }
        Design::Oat(levels) => {
            if base.len() != k {
                return Err(err(format!(
                    "{} base value(s) for {k} factor(s); expected one base value per factor",
                    base.len()
                )));
            }
            let columns: Vec<Vec<(Value, Option<f64>)>> = factors
                .iter()
                .map(|f| match &f.levels {
                    Levels::Range { low, high } => spaced(*low, *high, levels),
                    Levels::List(_) => listed(f),
                })
                .collect();
            let total = columns
                .iter()
                .try_fold(1usize, |acc, c| acc.checked_add(c.len()));
            let sizes_text: Vec<String> = columns.iter().map(|c| c.len().to_string()).collect();
            limit(total, &format!("1 + {}", sizes_text.join(" + "))).map_err(err)?;
            let base: Vec<(Value, Option<f64>)> = factors
                .iter()
                .zip(base)
                .map(|(f, b)| (b.clone(), unit_of(f, b)))
                .collect();
            let (points, unit) = one_at_a_time(&base, &columns);
            (points, unit, Layout::Plain)
        }
    };
    Ok(DesignPoints {
        factors: factors.to_vec(),
        points,
        unit,
        layout,
    })
}

/// Check a number of points against [`MAX_POINTS`] (`None`: it overflowed).
fn limit(total: Option<usize>, how: &str) -> Result<usize, String> {
    match total {
        Some(t) if t <= MAX_POINTS => Ok(t),
        Some(t) => Err(format!(
            "{t} points ({how}); expected at most {MAX_POINTS}: use fewer levels or samples"
        )),
        None => Err(format!(
            "more points than can be counted ({how}); expected at most {MAX_POINTS}: use \
             fewer levels or samples"
        )),
    }
}

/// The bounds of every factor, which must all be numeric ranges for `method`.
fn ranges(factors: &[Factor], method: &str) -> Result<Vec<(f64, f64)>, String> {
    factors
        .iter()
        .map(|f| match &f.levels {
            Levels::Range { low, high } => Ok((*low, *high)),
            Levels::List(values) => {
                let kind = if f.is_numeric() {
                    "a list of values"
                } else {
                    "categorical (a list with names)"
                };
                let texts: Vec<String> = values.iter().map(Value::text).collect();
                Err(format!(
                    "factor `{}` is {kind} ({}); expected every factor a numeric range \
                     LOW:HIGH for {method} (lists are allowed in grid and oat designs)",
                    f.path,
                    texts.join(",")
                ))
            }
        })
        .collect()
}

/// A unit coordinate scaled to [low, high]: `u (high − low) + low` as SALib's
/// `scale_samples`, with the ends exact.
fn scale(u: f64, low: f64, high: f64) -> f64 {
    if u == 0.0 {
        low
    } else if u == 1.0 {
        high
    } else {
        u * (high - low) + low
    }
}

fn scale_rows(unit: &[Vec<f64>], ranges: &[(f64, f64)]) -> Vec<Vec<Value>> {
    unit.iter()
        .map(|row| {
            row.iter()
                .zip(ranges)
                .map(|(&u, &(low, high))| Value::Number(scale(u, low, high)))
                .collect()
        })
        .collect()
}

/// The unit coordinate of a value of a factor, if both are numeric.
fn unit_of(f: &Factor, v: &Value) -> Option<f64> {
    let (low, high) = f.bounds()?;
    Some((v.as_number()? - low) / (high - low))
}

/// `k` evenly spaced levels from `low` to `high` inclusive, with their unit coordinates.
fn spaced(low: f64, high: f64, k: usize) -> Vec<(Value, Option<f64>)> {
    (0..k)
        .map(|i| {
            let u = if i + 1 == k {
                1.0
            } else {
                i as f64 / (k - 1) as f64
            };
            (Value::Number(tidy(scale(u, low, high))), Some(u))
        })
        .collect()
}

/// A level rounded to 12 significant digits, so that evenly spaced levels of decimal bounds
/// read as written (0.3, not 0.30000000000000004); the rounded value is the one used.
fn tidy(x: f64) -> f64 {
    format!("{x:.11e}").parse().unwrap_or(x)
}

/// A list factor's values, with their unit coordinates if it is numeric.
fn listed(f: &Factor) -> Vec<(Value, Option<f64>)> {
    match &f.levels {
        Levels::List(values) => values.iter().map(|v| (v.clone(), unit_of(f, v))).collect(),
        Levels::Range { .. } => Vec::new(),
    }
}

/// Split rows of (value, unit coordinate) into the points and, if every coordinate is
/// known, the unit rows.
fn split(rows: Vec<Vec<(Value, Option<f64>)>>) -> (Vec<Vec<Value>>, Option<Vec<Vec<f64>>>) {
    let unit: Option<Vec<Vec<f64>>> = rows
        .iter()
        .map(|row| row.iter().map(|(_, u)| *u).collect())
        .collect();
    let points = rows
        .into_iter()
        .map(|row| row.into_iter().map(|(v, _)| v).collect())
        .collect();
    (points, unit)
}

/// The full factorial of the columns, the last column varying fastest.
fn grid(columns: &[Vec<(Value, Option<f64>)>]) -> (Vec<Vec<Value>>, Option<Vec<Vec<f64>>>) {
    if columns.iter().any(Vec::is_empty) {
        return (Vec::new(), None);
    }
    let mut rows: Vec<Vec<(Value, Option<f64>)>> = Vec::new();
    let mut index = vec![0usize; columns.len()];
    loop {
        rows.push(
            index
                .iter()
                .zip(columns)
                .map(|(&i, c)| c[i].clone())
                .collect(),
        );
        // Advance the mixed-radix counter, last digit first.
        let mut j = columns.len();
        loop {
            if j == 0 {
                return split(rows);
            }
            j -= 1;
            index[j] += 1;
            if index[j] < columns[j].len() {
                break;
            }
            index[j] = 0;
        }
    }
}

/// The base point, then each factor's levels in turn with the others at base.
fn one_at_a_time(
    base: &[(Value, Option<f64>)],
    columns: &[Vec<(Value, Option<f64>)>],
) -> (Vec<Vec<Value>>, Option<Vec<Vec<f64>>>) {
    let mut rows = vec![base.to_vec()];
    for (j, column) in columns.iter().enumerate() {
        for level in column {
            let mut row = base.to_vec();
            row[j] = level.clone();
            rows.push(row);
        }
    }
    split(rows)
}

/// A uniform integer in `0..n` (`n ≥ 1`), unbiased (Lemire's multiply-and-reject on
/// `next_u64`, so the sequence depends only on ChaCha8's, not on `rand`'s sampling). Also
/// the bootstrap's draw ([`super::sensitivity`]).
pub(crate) fn below(rng: &mut ChaCha8Rng, n: usize) -> usize {
    let n = n as u64;
    let threshold = n.wrapping_neg() % n;
    loop {
        let m = u128::from(rng.next_u64()) * u128::from(n);
        if m as u64 >= threshold {
            return (m >> 64) as usize;
        }
    }
}

/// A uniform real in [0, 1) with 53 random bits.
fn uniform(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform random permutation of `0..n` (Fisher–Yates).
fn permutation(n: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let mut p: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = below(rng, i + 1);
        p.swap(i, j);
    }
    p
}

/// A Latin hypercube of `n` points in [0, 1)^k: for each factor, point i lies in stratum
/// `perm[i]` of n, at a uniform position within it.
fn latin(n: usize, k: usize, rng: &mut ChaCha8Rng) -> Vec<Vec<f64>> {
    let mut unit = vec![vec![0.0; k]; n];
    let size = n as f64;
    for j in 0..k {
        let strata = permutation(n, rng);
        for (row, &s) in unit.iter_mut().zip(&strata) {
            let u = (s as f64 + uniform(rng)) / size;
            // Rounding must not carry the point into the next stratum.
            let top = (s + 1) as f64 / size;
            row[j] = if u < top { u } else { top.next_down() };
        }
    }
    unit
}

/// Saltelli's design in SALib's layout without second-order terms: for each base sample j,
/// A_j, AB_j^(1..k), B_j; A and B are the first and last k coordinates of an Owen-scrambled
/// Sobol' sequence in 2k dimensions (`sobol_burley`, whose 256 dimensions are extended by
/// reseeding each further block of 256).
fn saltelli(n: usize, k: usize, scramble: u32) -> Vec<Vec<f64>> {
    const DIMS: usize = sobol_burley::NUM_DIMENSIONS as usize;
    let coordinate = |i: usize, d: usize| -> f64 {
        // `n ≤ MAX_SOBOL_SAMPLES = 2^16` was checked, so `i` fits the sequence.
        let seed = scramble.wrapping_add((d / DIMS) as u32);
        f64::from(sobol_burley::sample(i as u32, (d % DIMS) as u32, seed))
    };
    let mut unit = Vec::with_capacity(n * (k + 2));
    for i in 0..n {
        let a: Vec<f64> = (0..k).map(|d| coordinate(i, d)).collect();
        let b: Vec<f64> = (0..k).map(|d| coordinate(i, k + d)).collect();
        unit.push(a.clone());
        for c in 0..k {
            let mut ab = a.clone();
            ab[c] = b[c];
            unit.push(ab);
        }
        unit.push(b);
    }
    unit
}

/// `r` Morris trajectories of k + 1 points on the grid of `levels` (even) levels, as SALib
/// builds them: base levels x* in 0..L/2 (unit coordinates in [0, 1 − Δ]), a random
/// direction per factor, a random order; Δ = L/2 grid steps = L / (2 (L − 1)).
fn morris(r: usize, k: usize, levels: usize, rng: &mut ChaCha8Rng) -> Vec<Vec<f64>> {
    let step = levels / 2;
    let last = (levels - 1) as f64;
    let mut unit = Vec::with_capacity(r * (k + 1));
    for _ in 0..r {
        let start: Vec<usize> = (0..k).map(|_| below(rng, levels / 2)).collect();
        let up: Vec<bool> = (0..k).map(|_| below(rng, 2) == 1).collect();
        let order = permutation(k, rng);
        let mut at: Vec<usize> = (0..k)
            .map(|j| if up[j] { start[j] } else { start[j] + step })
            .collect();
        let to_unit = |at: &[usize]| at.iter().map(|&l| l as f64 / last).collect::<Vec<f64>>();
        unit.push(to_unit(&at));
        for &j in &order {
            if up[j] {
                at[j] += step;
            } else {
                at[j] -= step;
            }
            unit.push(to_unit(&at));
        }
    }
    unit
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(path: &str, low: f64, high: f64) -> Factor {
        Factor {
            path: path.into(),
            levels: Levels::Range { low, high },
        }
    }

    fn num(x: f64) -> Value {
        Value::Number(x)
    }

    fn text(s: &str) -> Value {
        Value::Text(s.into())
    }

    fn parse_err(spec: &str) -> String {
        Factor::parse(spec).expect_err(spec)
    }

    fn design_err(spec: &str) -> String {
        Design::parse(spec).expect_err(spec)
    }

    fn three_ranges() -> Vec<Factor> {
        vec![
            range("eta", 0.1, 0.5),
            range("pair.CHN-RUS.mistrust", 0.2, 0.8),
            range("d0", -3.0, 7.0),
        ]
    }

    #[test]
    fn value_text_and_number() {
        assert_eq!(num(0.1).text(), "0.1");
        assert_eq!(num(1.0).text(), "1");
        assert_eq!(num(-2.5).text(), "-2.5");
        assert_eq!(text("walt").text(), "walt");
        assert_eq!(num(0.3).as_number(), Some(0.3));
        assert_eq!(text("walt").as_number(), None);
    }

    #[test]
    fn parses_ranges_and_lists() {
        assert_eq!(
            Factor::parse("eta=0.1:0.5").unwrap(),
            range("eta", 0.1, 0.5)
        );
        assert_eq!(
            Factor::parse(" pair.CHN-RUS.mistrust = -1e-1 : 2 ").unwrap(),
            range("pair.CHN-RUS.mistrust", -0.1, 2.0)
        );
        let f = Factor::parse("eta=0.1, 0.2,0.4").unwrap();
        assert_eq!(f.levels, Levels::List(vec![num(0.1), num(0.2), num(0.4)]));
        assert!(f.is_numeric());
        assert_eq!(f.bounds(), Some((0.1, 0.4)));
        let t = Factor::parse("theory=walt,waltz,bandwagon,liberal").unwrap();
        assert_eq!(t.path, "theory");
        assert_eq!(
            t.levels,
            Levels::List(vec![
                text("walt"),
                text("waltz"),
                text("bandwagon"),
                text("liberal")
            ])
        );
        assert!(!t.is_numeric());
        assert_eq!(t.bounds(), None);
        let c = Factor::parse("threat_form=product,sum").unwrap();
        assert!(!c.is_numeric());
        assert!(range("x", 0.0, 1.0).is_numeric());
        assert_eq!(format!("{f}"), "eta=0.1,0.2,0.4");
        assert_eq!(format!("{}", range("eta", 0.1, 0.5)), "eta=0.1:0.5");
        assert_eq!(
            Factor::new(
                "eta",
                Levels::Range {
                    low: 0.0,
                    high: 1.0
                }
            )
            .unwrap()
            .path,
            "eta"
        );
    }

    #[test]
    fn rejects_bad_factors() {
        let cases: &[(&str, &str)] = &[
            ("eta", "no `=`"),
            ("=0:1", "empty path"),
            ("  =0:1", "empty path"),
            ("my eta=0:1", "contains `=` or a space"),
            ("eta==0:1", "more than one `=`"),
            ("eta=0:1=2", "more than one `=`"),
            ("eta=", "no levels"),
            ("eta=0.5", "one value `0.5`"),
            ("eta=0:1:2", "more than one `:`"),
            ("eta=:1", "no low bound"),
            ("eta=0:", "no high bound"),
            ("eta=a:1", "low `a` is not a number"),
            ("eta=0:b", "high `b` is not a number"),
            ("eta=0:inf", "high `inf` is not finite"),
            ("eta=NaN:1", "low `NaN` is not finite"),
            (
                "eta=0.5:0.5",
                "low and high are both 0.5; expected LOW < HIGH",
            ),
            ("eta=-1e308:1e308", "too wide"),
            ("eta=0.1,,0.2", "value 2 of the list is empty"),
            ("eta=0.1,0.2,", "value 3 of the list is empty"),
            ("eta=0.1,inf", "value `inf` is not finite"),
            ("eta=0.5,.5", "value `0.5` is listed twice"),
            ("threat_form=sum,sum", "value `sum` is listed twice"),
            ("eta=0:1,2", "mixes a range and a list"),
            ("theory=0:1", "theory takes a list of preset names"),
            ("theory=walt,realist", "`realist` is not a theory preset"),
            ("theory=walt,1", "`1` is not a theory preset"),
        ];
        for (spec, needle) in cases {
            let e = parse_err(spec);
            assert!(e.starts_with(&format!("--vary `{spec}`: ")), "{spec}: {e}");
            assert!(e.contains(needle), "{spec}: expected `{needle}` in `{e}`");
        }
        assert_eq!(
            parse_err("eta=0.5:0.1"),
            "--vary `eta=0.5:0.1`: low 0.5 is above high 0.1; expected LOW < HIGH"
        );
        // Built by hand: the same rules, naming the factor.
        let bad = [
            range("eta", 1.0, 0.0),
            range("eta", f64::NAN, 1.0),
            range("", 0.0, 1.0),
            Factor {
                path: "eta".into(),
                levels: Levels::List(vec![num(1.0)]),
            },
            Factor {
                path: "eta".into(),
                levels: Levels::List(vec![num(1.0), num(f64::INFINITY)]),
            },
            Factor {
                path: "x".into(),
                levels: Levels::List(vec![text("a"), text("")]),
            },
        ];
        for f in &bad {
            let e = f.validate().expect_err(&f.path);
            assert!(e.starts_with(&format!("factor `{}`: ", f.path)), "{e}");
            assert!(generate(&Design::Grid(Some(3)), std::slice::from_ref(f), &[], 1).is_err());
        }
        assert!(
            Factor::new(
                "eta",
                Levels::Range {
                    low: 1.0,
                    high: 0.0
                }
            )
            .is_err()
        );
    }

    #[test]
    fn parses_designs_and_names_them() {
        let cases = [
            ("grid", Design::Grid(None), "grid"),
            ("grid:7", Design::Grid(Some(7)), "grid:7"),
            ("lhs:100", Design::Lhs(100), "lhs:100"),
            ("sobol:64", Design::Sobol(64), "sobol:64"),
            (
                "morris:10",
                Design::Morris { r: 10, levels: 4 },
                "morris:10:4",
            ),
            (
                "morris:10:6",
                Design::Morris { r: 10, levels: 6 },
                "morris:10:6",
            ),
            ("oat", Design::Oat(5), "oat:5"),
            (" oat:3 ", Design::Oat(3), "oat:3"),
        ];
        for (spec, design, name) in cases {
            let d = Design::parse(spec).unwrap();
            assert_eq!(d, design, "{spec}");
            assert_eq!(d.name(), name);
            assert_eq!(Design::parse(&d.name()).unwrap(), d);
            assert_eq!(format!("{d}"), name);
        }
    }

    #[test]
    fn rejects_bad_designs() {
        let cases: &[(&str, &str)] = &[
            ("", "no design"),
            ("latin:10", "unknown design `latin`"),
            ("Grid:3", "unknown design `Grid`"),
            ("grid:", "no K after `:`"),
            ("grid:0", "K = 0 is too small; expected K ≥ 2"),
            ("grid:1", "K = 1 is too small"),
            ("grid:x", "K `x` is not a whole number"),
            ("grid:-3", "K `-3` is not a whole number"),
            ("grid:3:3", "too many `:` parts"),
            ("lhs", "no number of samples; expected lhs:N"),
            ("lhs:0", "N = 0 is too small"),
            ("lhs:1", "N = 1 is too small"),
            ("lhs:2.5", "N `2.5` is not a whole number"),
            ("lhs:99999999999999999999999", "is not a whole number"),
            ("lhs:5:5", "too many `:` parts; expected lhs:N"),
            ("sobol", "no number of samples; expected sobol:N"),
            ("sobol:0", "N = 0 is too small"),
            ("sobol:1", "N = 1 is too small"),
            ("sobol:65537", "expected at most 65536"),
            ("morris", "no number of trajectories"),
            ("morris:0", "R = 0 is too small"),
            ("morris:1", "R = 1 is too small"),
            ("morris:10:1", "L = 1 is too small"),
            ("morris:10:0", "L = 0 is too small"),
            ("morris:10:3", "expected an even L"),
            ("morris:10:4:2", "too many `:` parts"),
            ("morris::4", "no R after `:`"),
            ("oat:1", "K = 1 is too small"),
            ("oat:0", "K = 0 is too small"),
            ("oat:k", "K `k` is not a whole number"),
        ];
        for (spec, needle) in cases {
            let e = design_err(spec);
            assert!(
                e.starts_with(&format!("--design `{spec}`: ")),
                "{spec}: {e}"
            );
            assert!(e.contains(needle), "{spec}: expected `{needle}` in `{e}`");
        }
        // Built by hand: checked by `generate` too.
        for d in [
            Design::Lhs(1),
            Design::Sobol(MAX_SOBOL_SAMPLES + 1),
            Design::Morris { r: 4, levels: 5 },
            Design::Grid(Some(0)),
            Design::Oat(1),
        ] {
            assert!(
                generate(&d, &three_ranges(), &vec![num(0.2); 3], 1).is_err(),
                "{d}"
            );
        }
    }

    #[test]
    fn grid_is_full_factorial_last_factor_fastest() {
        let factors = vec![
            Factor::parse("theory=walt,liberal").unwrap(),
            range("eta", 0.0, 1.0),
            Factor::parse("d0=10,20").unwrap(),
        ];
        let d = generate(&Design::Grid(Some(3)), &factors, &[], 7).unwrap();
        assert_eq!(d.len(), 2 * 3 * 2);
        assert_eq!(d.layout, Layout::Plain);
        assert_eq!(d.unit, None, "a categorical factor: no unit coordinates");
        assert_eq!(d.factors, factors);
        let mut expected = Vec::new();
        for t in ["walt", "liberal"] {
            for e in [0.0, 0.5, 1.0] {
                for d0 in [10.0, 20.0] {
                    expected.push(vec![text(t), num(e), num(d0)]);
                }
            }
        }
        assert_eq!(d.points, expected);

        // `grid` alone: every factor a list, its values used.
        let lists = vec![
            Factor::parse("a=1,2,3").unwrap(),
            Factor::parse("b=0.5,0.25").unwrap(),
        ];
        let d = generate(&Design::Grid(None), &lists, &[], 0).unwrap();
        let rows: Vec<Vec<f64>> = d
            .points
            .iter()
            .map(|r| r.iter().map(|v| v.as_number().unwrap()).collect())
            .collect();
        assert_eq!(
            rows,
            vec![
                vec![1.0, 0.5],
                vec![1.0, 0.25],
                vec![2.0, 0.5],
                vec![2.0, 0.25],
                vec![3.0, 0.5],
                vec![3.0, 0.25]
            ]
        );
        // Numeric lists scale by their smallest and largest values.
        assert_eq!(
            d.unit.unwrap()[1],
            vec![0.0, 0.0],
            "a = 1 is a's minimum, b = 0.25 is b's"
        );
        // grid:K with lists only: K does not change the listed values.
        let d4 = generate(&Design::Grid(Some(4)), &lists, &[], 0).unwrap();
        assert_eq!(d4.len(), 6);

        let e = generate(&Design::Grid(None), &three_ranges(), &[], 0).unwrap_err();
        assert!(
            e.contains("factor `eta` is a range (0.1:0.5); expected grid:K"),
            "{e}"
        );

        // Range levels: evenly spaced, ends exact, unit coordinates i / (K − 1).
        let d = generate(&Design::Grid(Some(5)), &[range("x", 0.1, 0.7)], &[], 0).unwrap();
        let xs: Vec<f64> = d.points.iter().map(|r| r[0].as_number().unwrap()).collect();
        assert_eq!(xs[0], 0.1);
        assert_eq!(xs[4], 0.7);
        assert!((xs[2] - 0.4).abs() < 1e-15);
        let us: Vec<f64> = d.unit.unwrap().iter().map(|r| r[0]).collect();
        assert_eq!(us, vec![0.0, 0.25, 0.5, 0.75, 1.0]);
    }

    #[test]
    fn limits_the_number_of_points() {
        let many: Vec<Factor> = (0..7).map(|i| range(&format!("x{i}"), 0.0, 1.0)).collect();
        let e = generate(&Design::Grid(Some(10)), &many, &[], 0).unwrap_err();
        assert!(e.contains("10000000 points"), "{e}");
        assert!(e.contains("expected at most 1000000"), "{e}");
        let huge: Vec<Factor> = (0..40).map(|i| range(&format!("x{i}"), 0.0, 1.0)).collect();
        let e = generate(&Design::Grid(Some(1000)), &huge, &[], 0).unwrap_err();
        assert!(e.contains("more points than can be counted"), "{e}");
        assert!(generate(&Design::Lhs(MAX_POINTS + 1), &many, &[], 0).is_err());
        assert!(generate(&Design::Sobol(65536), &huge[..20], &[], 0).is_err());
        assert!(
            generate(
                &Design::Morris {
                    r: 200_000,
                    levels: 4
                },
                &many,
                &[],
                0
            )
            .is_err()
        );
        assert!(generate(&Design::Oat(MAX_POINTS), &many, &vec![num(0.5); 7], 0).is_err());
        assert!(
            generate(
                &Design::Morris {
                    r: usize::MAX,
                    levels: 4
                },
                &many,
                &[],
                0
            )
            .is_err()
        );
    }

    #[test]
    fn rejects_designs_that_do_not_fit_the_factors() {
        let mut factors = three_ranges();
        factors.push(Factor::parse("theory=walt,waltz").unwrap());
        for d in [
            Design::Lhs(10),
            Design::Sobol(8),
            Design::Morris { r: 4, levels: 4 },
        ] {
            let e = generate(&d, &factors, &[], 0).unwrap_err();
            assert!(e.starts_with(&format!("--design {}: ", d.name())), "{e}");
            assert!(e.contains("factor `theory` is categorical"), "{e}");
        }
        let listed = vec![range("eta", 0.0, 1.0), Factor::parse("d0=1,2,4").unwrap()];
        let e = generate(&Design::Sobol(8), &listed, &[], 0).unwrap_err();
        assert!(e.contains("factor `d0` is a list of values (1,2,4)"), "{e}");
        assert!(e.contains("numeric range LOW:HIGH for sobol"), "{e}");

        let e = generate(&Design::Lhs(4), &[], &[], 0).unwrap_err();
        assert!(e.contains("no factors"), "{e}");
        let twice = vec![range("eta", 0.0, 1.0), range("eta", 0.0, 2.0)];
        let e = generate(&Design::Lhs(4), &twice, &[], 0).unwrap_err();
        assert!(e.contains("factor `eta` is varied twice"), "{e}");
        let e = generate(&Design::Oat(3), &three_ranges(), &[num(0.2)], 0).unwrap_err();
        assert!(e.contains("1 base value(s) for 3 factor(s)"), "{e}");
    }

    #[test]
    fn lhs_uses_each_stratum_once_per_factor() {
        for n in [2, 10, 97] {
            let factors = three_ranges();
            let d = generate(&Design::Lhs(n), &factors, &[], 11).unwrap();
            assert_eq!(d.len(), n);
            assert_eq!(d.layout, Layout::Plain);
            let unit = d.unit.as_ref().unwrap();
            for j in 0..factors.len() {
                let mut used = vec![0; n];
                for row in unit {
                    let u = row[j];
                    let s = (0..n)
                        .find(|&s| u >= s as f64 / n as f64 && u < (s + 1) as f64 / n as f64)
                        .expect("in [0, 1)");
                    used[s] += 1;
                }
                assert!(used.iter().all(|&c| c == 1), "factor {j}: {used:?}");
            }
            check_scaling(&d);
        }
    }

    /// Every numeric point is its unit coordinate scaled to the factor's range.
    fn check_scaling(d: &DesignPoints) {
        let unit = d.unit.as_ref().unwrap();
        for (row, urow) in d.points.iter().zip(unit) {
            for ((v, &u), f) in row.iter().zip(urow).zip(&d.factors) {
                let (low, high) = f.bounds().unwrap();
                let x = v.as_number().unwrap();
                assert!((0.0..=1.0).contains(&u), "{u}");
                assert!(low <= x && x <= high, "{x} outside {low}:{high}");
                assert!((x - (low + u * (high - low))).abs() <= 1e-12 * (high - low));
            }
        }
    }

    #[test]
    fn saltelli_layout() {
        let (n, k) = (16, 3);
        let d = generate(&Design::Sobol(n), &three_ranges(), &[], 5).unwrap();
        assert_eq!(d.layout, Layout::Saltelli { n, k });
        assert_eq!(d.len(), n * (k + 2));
        let unit = d.unit.as_ref().unwrap();
        let mut a_cols = vec![Vec::new(); k];
        let mut b_cols = vec![Vec::new(); k];
        for block in unit.chunks(k + 2) {
            let (a, b) = (&block[0], &block[k + 1]);
            for i in 0..k {
                let ab = &block[1 + i];
                for c in 0..k {
                    let want = if c == i { b[c] } else { a[c] };
                    assert_eq!(ab[c], want, "AB^({i}) column {c}");
                }
                a_cols[i].push(a[i]);
                b_cols[i].push(b[i]);
            }
            assert_ne!(a, b);
        }
        // A and B are the two halves of a Sobol' sequence: with n a power of two, each
        // column has exactly one value in each of the n strata.
        for col in a_cols.iter().chain(&b_cols) {
            let mut strata: Vec<usize> = col.iter().map(|u| (u * n as f64) as usize).collect();
            strata.sort_unstable();
            assert_eq!(strata, (0..n).collect::<Vec<_>>());
        }
        check_scaling(&d);
    }

    #[test]
    fn morris_trajectories() {
        for levels in [2, 4, 6] {
            let (r, k) = (20, 3);
            let d = generate(&Design::Morris { r, levels }, &three_ranges(), &[], 3).unwrap();
            assert_eq!(d.layout, Layout::Morris { r, k, levels });
            assert_eq!(d.len(), r * (k + 1));
            let delta = levels as f64 / (2.0 * (levels - 1) as f64);
            let unit = d.unit.as_ref().unwrap();
            for traj in unit.chunks(k + 1) {
                for row in traj {
                    for &u in row {
                        let l = u * (levels - 1) as f64;
                        assert!((l - l.round()).abs() < 1e-12, "{u} off the grid");
                        assert!((0.0..=1.0).contains(&u));
                    }
                }
                let mut moved = vec![0; k];
                for w in traj.windows(2) {
                    let changed: Vec<usize> = (0..k).filter(|&j| w[0][j] != w[1][j]).collect();
                    assert_eq!(changed.len(), 1, "{w:?}");
                    let j = changed[0];
                    assert!(((w[1][j] - w[0][j]).abs() - delta).abs() < 1e-12);
                    moved[j] += 1;
                }
                assert_eq!(moved, vec![1; k]);
            }
            check_scaling(&d);
        }
        // Both directions and several orders occur.
        let d = generate(
            &Design::Morris { r: 50, levels: 4 },
            &three_ranges(),
            &[],
            9,
        )
        .unwrap();
        let unit = d.unit.unwrap();
        let (mut ups, mut downs) = (0, 0);
        let mut firsts = [0; 3];
        for traj in unit.chunks(4) {
            let j = (0..3).find(|&j| traj[0][j] != traj[1][j]).unwrap();
            firsts[j] += 1;
            for w in traj.windows(2) {
                for (after, before) in w[1].iter().zip(&w[0]) {
                    if after > before {
                        ups += 1;
                    } else if after < before {
                        downs += 1;
                    }
                }
            }
        }
        assert!(ups > 0 && downs > 0);
        assert!(firsts.iter().all(|&c| c > 0), "{firsts:?}");
    }

    #[test]
    fn oat_structure() {
        let factors = vec![
            range("eta", 0.0, 1.0),
            Factor::parse("theory=walt,waltz,liberal").unwrap(),
            Factor::parse("d0=2,4").unwrap(),
        ];
        let base = vec![num(0.3), text("walt"), num(3.0)];
        let d = generate(&Design::Oat(3), &factors, &base, 0).unwrap();
        assert_eq!(d.layout, Layout::Plain);
        assert_eq!(d.unit, None);
        let expected = vec![
            base.clone(),
            vec![num(0.0), text("walt"), num(3.0)],
            vec![num(0.5), text("walt"), num(3.0)],
            vec![num(1.0), text("walt"), num(3.0)],
            vec![num(0.3), text("walt"), num(3.0)],
            vec![num(0.3), text("waltz"), num(3.0)],
            vec![num(0.3), text("liberal"), num(3.0)],
            vec![num(0.3), text("walt"), num(2.0)],
            vec![num(0.3), text("walt"), num(4.0)],
        ];
        assert_eq!(d.points, expected);

        // Numeric: unit coordinates, the base's by the factor's bounds (may leave [0, 1]).
        let factors = vec![range("eta", 0.0, 2.0), range("d0", 10.0, 20.0)];
        let d = generate(&Design::Oat(5), &factors, &[num(1.0), num(25.0)], 0).unwrap();
        assert_eq!(d.len(), 1 + 5 + 5);
        let unit = d.unit.unwrap();
        assert_eq!(unit[0], vec![0.5, 1.5]);
        assert_eq!(unit[1], vec![0.0, 1.5]);
        assert_eq!(unit[10], vec![0.5, 1.0]);
        assert_eq!(d.points[10], vec![num(1.0), num(20.0)]);
    }

    #[test]
    fn random_designs_are_deterministic() {
        let factors = three_ranges();
        for design in [
            Design::Lhs(20),
            Design::Sobol(16),
            Design::Morris { r: 10, levels: 4 },
        ] {
            let a = generate(&design, &factors, &[], 42).unwrap();
            let b = generate(&design, &factors, &[], 42).unwrap();
            let c = generate(&design, &factors, &[], 43).unwrap();
            assert_eq!(a, b, "{design}: same seed, same points");
            assert_ne!(a.points, c.points, "{design}: another seed, other points");
        }
        for design in [Design::Grid(Some(3)), Design::Oat(4)] {
            let base = [num(0.3), num(0.5), num(0.0)];
            let a = generate(&design, &factors, &base, 1).unwrap();
            let b = generate(&design, &factors, &base, 2).unwrap();
            assert_eq!(a, b, "{design} does not depend on the seed");
        }
    }

    #[test]
    fn scales_to_the_bounds() {
        let factors = vec![range("a", -5.0, -1.0), range("b", 100.0, 300.0)];
        for design in [
            Design::Lhs(50),
            Design::Sobol(32),
            Design::Morris { r: 8, levels: 4 },
        ] {
            let d = generate(&design, &factors, &[], 1).unwrap();
            check_scaling(&d);
        }
        // Morris points on the ends of the grid are the bounds exactly.
        let d = generate(&Design::Morris { r: 30, levels: 2 }, &factors, &[], 1).unwrap();
        for row in &d.points {
            let a = row[0].as_number().unwrap();
            let b = row[1].as_number().unwrap();
            assert!(a == -5.0 || a == -1.0, "{a}");
            assert!(b == 100.0 || b == 300.0, "{b}");
        }
    }

    #[test]
    fn integer_helpers_are_uniform_enough() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut counts = [0usize; 3];
        for _ in 0..3000 {
            counts[below(&mut rng, 3)] += 1;
        }
        assert!(
            counts.iter().all(|&c| (800..1200).contains(&c)),
            "{counts:?}"
        );
        let mut p = permutation(10, &mut rng);
        p.sort_unstable();
        assert_eq!(p, (0..10).collect::<Vec<_>>());
        assert_eq!(permutation(0, &mut rng), Vec::<usize>::new());
        let u = uniform(&mut rng);
        assert!((0.0..1.0).contains(&u));
    }
    /// The random designs' points for one seed, pinned: a change here (of the generators or
    /// of a dependency) changes every sweep's design and must be deliberate.
    #[test]
    fn random_points_are_pinned() {
        let f = vec![range("x", 0.0, 1.0), range("y", 0.0, 1.0)];
        let unit = |d: Design| generate(&d, &f, &[], 2024).unwrap().unit.unwrap();
        assert_eq!(
            unit(Design::Lhs(3)),
            vec![
                vec![0.7564785944231515, 0.4214314638444647],
                vec![0.05554091240978528, 0.7525653267619274],
                vec![0.423386195147421, 0.051135885997739626]
            ]
        );
        assert_eq!(
            unit(Design::Sobol(2)),
            vec![
                vec![0.2343761920928955, 0.5890132188796997],
                vec![0.5367802381515503, 0.5890132188796997],
                vec![0.2343761920928955, 0.5101801156997681],
                vec![0.5367802381515503, 0.5101801156997681],
                vec![0.893372654914856, 0.4265403747558594],
                vec![0.10874748229980469, 0.4265403747558594],
                vec![0.893372654914856, 0.18709254264831543],
                vec![0.10874748229980469, 0.18709254264831543]
            ]
        );
        let (third, two_thirds) = (1.0 / 3.0, 2.0 / 3.0);
        assert_eq!(
            unit(Design::Morris { r: 2, levels: 4 }),
            vec![
                vec![1.0, two_thirds],
                vec![1.0, 0.0],
                vec![third, 0.0],
                vec![two_thirds, two_thirds],
                vec![two_thirds, 0.0],
                vec![0.0, 0.0]
            ]
        );
    }
}
