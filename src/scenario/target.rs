//! Paths that name one value of a scenario: `state.CHN.offense`, `pair.CHN-RUS.mistrust`,
//! `intent.USA-CHN`, `baseline.USA-CHN`. Event effects use them; so does `--set`.

use std::fmt;

use super::diag::{range_text, show};

/// The values a scenario value may hold: finite, above `low` (inclusive, or exclusive when
/// `low_open`) and at most `high`. One table of these ([`STATE_BOUNDS`], [`PAIR_BOUNDS`],
/// [`INTENT_BOUNDS`]) is what scenario files, `--set` and event effects all check against.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    /// Lowest value (allowed unless `low_open`).
    pub low: f64,
    /// Whether `low` itself is refused (a value that must be positive).
    pub low_open: bool,
    /// Highest value allowed.
    pub high: f64,
}

impl Bounds {
    /// `[low, high]`.
    pub const fn closed(low: f64, high: f64) -> Self {
        Self {
            low,
            low_open: false,
            high,
        }
    }

    /// `(0, high]`: a value that must be positive.
    pub const fn positive(high: f64) -> Self {
        Self {
            low: 0.0,
            low_open: true,
            high,
        }
    }

    /// Whether `x` is finite and within the bounds.
    pub fn contains(self, x: f64) -> bool {
        x.is_finite()
            && (if self.low_open {
                x > self.low
            } else {
                x >= self.low
            })
            && x <= self.high
    }

    /// The closed range values are clamped to after an event effect: an open lower bound
    /// becomes the smallest value above it (`f64::MIN_POSITIVE` above 0, the smallest normal
    /// number, so that products stay meaningful).
    pub fn clamp_range(self) -> (f64, f64) {
        let low = match (self.low_open, self.low == 0.0) {
            (false, _) => self.low,
            (true, true) => f64::MIN_POSITIVE,
            (true, false) => self.low.next_up(),
        };
        (low, self.high)
    }

    /// ` in [lo, hi]`, ` in (0, hi]`, ` >= lo`, ` > 0`...: the bounds for messages, numbers
    /// written short ([`show`]).
    pub fn text(self) -> String {
        if !self.low_open {
            return range_text(self.low, self.high);
        }
        if self.high < f64::MAX {
            format!(" in ({}, {}]", show(self.low), show(self.high))
        } else {
            format!(" > {}", show(self.low))
        }
    }
}

/// The bounds of every state value a scenario file gives and `--set` changes, by field name.
pub const STATE_BOUNDS: [(&str, Bounds); 9] = [
    ("power", Bounds::positive(1.0e12)),
    ("offense", Bounds::positive(1.0)),
    ("growth", Bounds::closed(-1.0, 1.0)),
    ("volatility", Bounds::closed(0.0, 2.0)),
    ("autonomy", Bounds::closed(0.0, 10.0)),
    ("aggression", Bounds::closed(0.0, 1.0)),
    ("lat", Bounds::closed(-90.0, 90.0)),
    ("lon", Bounds::closed(-180.0, 180.0)),
    ("gdp", Bounds::positive(1.0e9)),
];

/// The bounds of every numeric pair value a scenario file gives and `--set` changes, by field
/// name (`border` is true or false).
pub const PAIR_BOUNDS: [(&str, Bounds); 6] = [
    ("trade", Bounds::closed(0.0, 1.0e6)),
    ("mistrust", Bounds::closed(0.0, 1.0)),
    ("affinity", Bounds::closed(-1.0, 1.0)),
    ("alignment", Bounds::closed(-1.0, 1.0)),
    ("treaty", Bounds::closed(0.0, 1.0)),
    ("distance_km", Bounds::closed(0.0, 25_000.0)),
];

/// The bounds of an intent (and of its baseline).
pub const INTENT_BOUNDS: Bounds = Bounds::closed(0.0, 1.0);

/// The bounds of the state field `name` in [`STATE_BOUNDS`].
pub fn state_bounds(name: &str) -> Option<Bounds> {
    STATE_BOUNDS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, b)| b)
}

/// The bounds of the pair field `name` in [`PAIR_BOUNDS`].
pub fn pair_bounds(name: &str) -> Option<Bounds> {
    PAIR_BOUNDS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, b)| b)
}

/// [`state_bounds`] of a field listed in the table (what the code names by a literal).
pub(super) fn listed_state(name: &str) -> Bounds {
    match state_bounds(name) {
        Some(b) => b,
        None => unreachable!("state field {name} has no bounds"),
    }
}

/// [`pair_bounds`] of a field listed in the table (what the code names by a literal).
pub(super) fn listed_pair(name: &str) -> Bounds {
    match pair_bounds(name) {
        Some(b) => b,
        None => unreachable!("pair field {name} has no bounds"),
    }
}

/// A state field that events may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateField {
    /// Aggregate power `P_i` (> 0).
    Power,
    /// Offensive capability `O_i` in (0, 1].
    Offense,
    /// Annual log-growth `μ_i`.
    Growth,
    /// Annual volatility `σ_i` (≥ 0).
    Volatility,
    /// Autonomy cost `c_i` (≥ 0).
    Autonomy,
}

/// A pair field that events may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairField {
    /// Bilateral trade, USD bn per year (≥ 0).
    Trade,
    /// Historical mistrust in [0, 1].
    Mistrust,
    /// Ideological affinity in [-1, 1].
    Affinity,
    /// Alignment in [-1, 1].
    Alignment,
    /// How binding a formal alliance commitment the pair has, in [0, 1] (1 = defence pact).
    Treaty,
}

impl StateField {
    /// Names accepted in paths.
    pub const NAMES: [&'static str; 5] = ["power", "offense", "growth", "volatility", "autonomy"];

    /// Parse a field name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "power" => Self::Power,
            "offense" => Self::Offense,
            "growth" => Self::Growth,
            "volatility" => Self::Volatility,
            "autonomy" => Self::Autonomy,
            _ => return None,
        })
    }

    /// The field's name.
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// The field's bounds ([`STATE_BOUNDS`]).
    pub fn bounds(self) -> Bounds {
        listed_state(self.name())
    }

    /// The range values are clamped to after an effect ([`Bounds::clamp_range`]).
    pub fn range(self) -> (f64, f64) {
        self.bounds().clamp_range()
    }
}

impl PairField {
    /// Names accepted in paths.
    pub const NAMES: [&'static str; 5] = ["trade", "mistrust", "affinity", "alignment", "treaty"];

    /// Parse a field name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "trade" => Self::Trade,
            "mistrust" => Self::Mistrust,
            "affinity" => Self::Affinity,
            "alignment" => Self::Alignment,
            "treaty" => Self::Treaty,
            _ => return None,
        })
    }

    /// The field's name.
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// The field's bounds ([`PAIR_BOUNDS`]).
    pub fn bounds(self) -> Bounds {
        listed_pair(self.name())
    }

    /// The range values are clamped to after an effect ([`Bounds::clamp_range`]).
    pub fn range(self) -> (f64, f64) {
        self.bounds().clamp_range()
    }
}

/// One value of the simulated world, by state index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A field of state `i`.
    State {
        /// State index.
        i: usize,
        /// Which field.
        field: StateField,
    },
    /// A field of the unordered pair `{i, j}`.
    Pair {
        /// First state index.
        i: usize,
        /// Second state index.
        j: usize,
        /// Which field.
        field: PairField,
    },
    /// Current perceived intent `I_ji`: how aggressive `from` looks to `to`.
    Intent {
        /// The state whose intentions are perceived.
        from: usize,
        /// The perceiving state.
        to: usize,
    },
    /// Baseline `I0_ji` toward which the intent relaxes.
    Baseline {
        /// The state whose intentions are perceived.
        from: usize,
        /// The perceiving state.
        to: usize,
    },
}

impl Target {
    /// The values the target may hold.
    pub fn bounds(self) -> Bounds {
        match self {
            Target::State { field, .. } => field.bounds(),
            Target::Pair { field, .. } => field.bounds(),
            Target::Intent { .. } | Target::Baseline { .. } => INTENT_BOUNDS,
        }
    }

    /// The range values are clamped to ([`Bounds::clamp_range`]).
    pub fn range(self) -> (f64, f64) {
        self.bounds().clamp_range()
    }
}

/// An arithmetic operation of an effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Replace the value.
    Set,
    /// Add to the value.
    Add,
    /// Multiply the value.
    Mul,
}

impl Op {
    /// Parse `set`, `add` or `mul`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "set" => Self::Set,
            "add" => Self::Add,
            "mul" => Self::Mul,
            _ => return None,
        })
    }

    /// Apply to `old` and clamp to `range`.
    pub fn apply(self, old: f64, value: f64, range: (f64, f64)) -> f64 {
        let new = match self {
            Op::Set => value,
            Op::Add => old + value,
            Op::Mul => old * value,
        };
        new.clamp(range.0, range.1)
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::Set => "set",
            Op::Add => "add",
            Op::Mul => "mul",
        })
    }
}

/// A parsed path before state ids are resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathRef<'a> {
    /// `state.<ID>.<field>`
    State(&'a str, &'a str),
    /// `pair.<A>-<B>.<field>`
    Pair(&'a str, &'a str, &'a str),
    /// `intent.<FROM>-<TO>`
    Intent(&'a str, &'a str),
    /// `baseline.<FROM>-<TO>`
    Baseline(&'a str, &'a str),
    /// A model parameter name (only for `--set`).
    Param(&'a str),
}

/// The shapes of paths, for error messages.
pub const PATH_SHAPES: &str =
    "`state.<ID>.<field>`, `pair.<A>-<B>.<field>`, `intent.<FROM>-<TO>` or `baseline.<FROM>-<TO>`";

/// A path of none of the shapes of [`PATH_SHAPES`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a path {PATH_SHAPES}, found `{path}`")]
pub struct PathError {
    /// The path as written.
    pub path: String,
}

/// Split a path into its parts; `Err` says what shape was expected.
pub fn parse_path(path: &str) -> Result<PathRef<'_>, PathError> {
    let parts: Vec<&str> = path.split('.').collect();
    let dyad = |s: &'_ str| -> Option<(usize, usize)> {
        let k = s.find('-')?;
        (k > 0 && k + 1 < s.len() && !s[k + 1..].contains('-')).then_some((k, k + 1))
    };
    let bad = || PathError {
        path: path.to_string(),
    };
    match parts.as_slice() {
        ["state", id, field] if !id.is_empty() && !field.is_empty() => {
            Ok(PathRef::State(id, field))
        }
        ["pair", ab, field] if !field.is_empty() => {
            let (k, l) = dyad(ab).ok_or_else(bad)?;
            Ok(PathRef::Pair(&ab[..k], &ab[l..], field))
        }
        [kind @ ("intent" | "baseline"), ab] => {
            let (k, l) = dyad(ab).ok_or_else(bad)?;
            let (a, b) = (&ab[..k], &ab[l..]);
            Ok(if *kind == "intent" {
                PathRef::Intent(a, b)
            } else {
                PathRef::Baseline(a, b)
            })
        }
        [name] if !name.is_empty() => Ok(PathRef::Param(name)),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse_into_their_parts() {
        assert_eq!(
            parse_path("state.CHN.offense"),
            Ok(PathRef::State("CHN", "offense"))
        );
        assert_eq!(
            parse_path("pair.CHN-RUS.mistrust"),
            Ok(PathRef::Pair("CHN", "RUS", "mistrust"))
        );
        assert_eq!(
            parse_path("intent.USA-CHN"),
            Ok(PathRef::Intent("USA", "CHN"))
        );
        assert_eq!(
            parse_path("baseline.USA-CHN"),
            Ok(PathRef::Baseline("USA", "CHN"))
        );
        assert_eq!(parse_path("eta"), Ok(PathRef::Param("eta")));
        for bad in [
            "pair.CHN.mistrust",
            "intent.USA",
            "pair.-RUS.x",
            "state..x",
            "a.b.c.d",
            "intent.A-B-C",
        ] {
            assert!(parse_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ops_clamp_to_the_field_range() {
        assert_eq!(Op::Add.apply(0.9, 0.2, (0.0, 1.0)), 1.0);
        assert_eq!(Op::Mul.apply(10.0, 0.85, PairField::Trade.range()), 8.5);
        assert_eq!(Op::Set.apply(0.1, -3.0, (-1.0, 1.0)), -1.0);
    }
}
