//! Landscape theory (Axelrod & Bennett 1993, "A Landscape Theory of Aggregation", *British
//! Journal of Political Science* 23: 211–233): the static counterpart of the model's final
//! camps (`model::camps`), searched exactly.
//!
//! A landscape is a set of actors with sizes `s_i > 0` and symmetric propensities `p_ij`
//! (positive: they want to be on the same side). A configuration splits the actors into two
//! camps; it and its mirror are one configuration, so actor 0 is always in camp A and there
//! are `2^(n−1)` of them. The energy
//! `E(X) = Σ_{i≠j} s_i · s_j · p_ij · d_ij(X)` (ordered pairs, `d_ij = 1` when `i` and `j` are
//! in different camps) is what the actors' frustrations add up to:
//! `F_i(X) = Σ_{j≠i} s_j · p_ij · d_ij(X)` and `E = Σ_i s_i · F_i`. These are the formulas of
//! [`crate::model::camps::energy`] and [`crate::model::camps::frustration`], which give every
//! energy and frustration this module reports.
//!
//! - [`input`] reads a landscape: a TOML file, or two CSV files (sizes, propensities as pairs
//!   or a matrix), every problem located;
//! - [`build`] makes one from a scenario (the mapping of `model::camps`) or from the historical
//!   data of a year (written as a landscape file, every judgement call an assumption);
//! - [`search`] enumerates every configuration (Gray code, exact integer energies, rayon), or
//!   descends from random starts (`--approximate`), and finds the local minima and their
//!   basins of attraction;
//! - [`write`] writes `minima.csv`, `frustration.csv` and `manifest.json` into an
//!   [`crate::output::OutputDir`].

pub mod build;
pub mod input;
pub mod search;
pub mod write;

use crate::model::camps;

/// The most actors an exact enumeration takes: `2^31` configurations, each a 32-bit index.
pub const EXACT_MAX: usize = 32;
/// The most actors whose basins are computed exactly (one 32-bit successor per
/// configuration: 32 MiB at 24 actors, and as much again to count).
pub const BASINS_MAX: usize = 24;
/// The most actors a landscape may have at all (the approximate search keeps an `n × n`
/// table of weights).
pub const ACTORS_MAX: usize = 2000;
/// The largest size accepted.
pub const SIZE_MAX: f64 = 1e12;
/// The largest propensity (in absolute value) accepted.
pub const PROPENSITY_MAX: f64 = 1e6;

/// One actor of a landscape.
#[derive(Debug, Clone, PartialEq)]
pub struct Actor {
    /// Identifier (letters, digits, `_`, `-`, `.`; starts with a letter).
    pub id: String,
    /// Display name (the id when none is given).
    pub name: String,
    /// Size `s_i > 0`.
    pub size: f64,
    /// Where the size comes from.
    pub source: Option<String>,
    /// A note on the actor or its size.
    pub note: Option<String>,
}

/// A validated landscape: sizes and symmetric propensities.
#[derive(Debug, Clone, PartialEq)]
pub struct Landscape {
    /// Short name (letters, digits, `-`, `_`, `.`), used for the default results folder.
    pub name: String,
    /// Title, free text.
    pub title: String,
    /// The actors, in input order.
    pub actors: Vec<Actor>,
    /// Propensities, `n × n` row-major, symmetric, zero diagonal.
    pub p: Vec<f64>,
    /// How many unordered pairs took the `--default-p` value.
    pub defaulted: usize,
}

impl Landscape {
    /// Number of actors.
    pub fn n(&self) -> usize {
        self.actors.len()
    }

    /// The sizes, in actor order.
    pub fn sizes(&self) -> Vec<f64> {
        self.actors.iter().map(|a| a.size).collect()
    }

    /// Index of an actor id.
    pub fn index(&self, id: &str) -> Option<usize> {
        self.actors.iter().position(|a| a.id == id)
    }

    /// `E(X)`, the direct double sum in a fixed order (`model::camps::energy`); `side[i]`:
    /// whether actor `i` is in camp B.
    pub fn energy(&self, side: &[bool]) -> f64 {
        camps::energy(side, &self.sizes(), &self.p)
    }

    /// `F_i(X)` of every actor (`model::camps::frustration`).
    pub fn frustrations(&self, side: &[bool]) -> Vec<f64> {
        let sizes = self.sizes();
        (0..self.n())
            .map(|i| camps::frustration(i, side, &sizes, &self.p))
            .collect()
    }
}

/// Whether `id` is a valid actor id: 1 to 32 characters, letters (ASCII), digits, `_`, `-` or
/// `.`, starting with a letter (camps are written as ids separated by spaces).
pub fn is_valid_id(id: &str) -> bool {
    (1..=32).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_alphabetic())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Whether `name` is a valid landscape name: 1 to 64 letters, digits, `-`, `_` or `.`, not
/// starting with `.` (it names the default results folder).
pub fn is_valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn abc() -> Landscape {
        let actor = |id: &str, size: f64| Actor {
            id: id.into(),
            name: id.into(),
            size,
            source: None,
            note: None,
        };
        Landscape {
            name: "abc".into(),
            title: String::new(),
            actors: vec![actor("a", 1.0), actor("b", 2.0), actor("c", 3.0)],
            p: vec![0.0, 1.0, -1.0, 1.0, 0.0, -1.0, -1.0, -1.0, 0.0],
            defaulted: 0,
        }
    }

    /// The example: camps {a, b} and {c}.
    #[test]
    fn frustrations_and_energy_of_the_worked_example() {
        let l = abc();
        let side = [false, false, true];
        assert_eq!(l.frustrations(&side), vec![-3.0, -3.0, -3.0]);
        assert_eq!(l.energy(&side), -18.0);
        // E = Σ s_i F_i.
        let f = l.frustrations(&side);
        let sum: f64 = (0..3).map(|i| l.actors[i].size * f[i]).sum();
        assert_eq!(sum, l.energy(&side));
    }

    #[test]
    fn ids_and_names() {
        assert!(is_valid_id("GBR") && is_valid_id("a") && is_valid_id("West-Germany"));
        assert!(!is_valid_id("") && !is_valid_id("1a") && !is_valid_id("a b"));
        assert!(is_valid_name("europe-1936") && !is_valid_name("a/b") && !is_valid_name(".x"));
    }
}
