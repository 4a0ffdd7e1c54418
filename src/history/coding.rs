//! What happened: the observed alignment class of a pair in a year.
//!
//! - **ally**: an ATOP defence or offence obligation in force that year;
//! - **rival**: a Thompson–Dreyer strategic rivalry in force, or a militarized dispute of
//!   hostility at least `min_hostility` (4, use of force) in that year or the `window − 1`
//!   years before;
//! - **neutral**: neither.
//!
//! A pair can be both (about 1,500 pair-years in the shipped data, e.g. Austria–Prussia in
//! the German Confederation, Austria-Hungary–Italy in the Triple Alliance, Greece–Turkey in
//! NATO). By default **rival takes precedence**: a treaty between rivals is usually a pact
//! of restraint that manages a hostile relationship (Schroeder 1976; Weitsman, *Dangerous
//! Alliances*, 2004), not an alignment against a common threat, which is what the model's
//! alliance class means. `--precedence ally` codes such pairs as allies instead.

use std::str::FromStr;

use super::data::{Code, HistoryData};
use super::score::Class;

/// Which class wins when a pair is both allied and rivals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precedence {
    /// Rival (the default).
    Rival,
    /// Ally.
    Ally,
}

impl Precedence {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Precedence::Rival => "rival",
            Precedence::Ally => "ally",
        }
    }
}

impl FromStr for Precedence {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "rival" => Ok(Precedence::Rival),
            "ally" => Ok(Precedence::Ally),
            _ => Err(format!("found `{s}`, expected `rival` or `ally`")),
        }
    }
}

/// How observed classes are coded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coding {
    /// Years of disputes that make a rivalry: the year itself and the `window − 1` before (≥ 1).
    pub window: u32,
    /// Lowest dispute hostility that counts (1 none … 4 use of force, 5 war).
    pub min_hostility: u8,
    /// Which class wins when both hold.
    pub precedence: Precedence,
}

impl Default for Coding {
    fn default() -> Self {
        Self {
            window: 3,
            min_hostility: 4,
            precedence: Precedence::Rival,
        }
    }
}

/// The evidence for a pair's class in one year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Evidence {
    /// A defence or offence obligation in force.
    pub pact: bool,
    /// A strategic rivalry in force.
    pub rivalry: bool,
    /// A dispute of at least the coding's hostility in the window.
    pub dispute: bool,
}

impl Evidence {
    /// Whether the pair counts as allied.
    pub fn ally(&self) -> bool {
        self.pact
    }

    /// Whether the pair counts as rivals.
    pub fn rival(&self) -> bool {
        self.rivalry || self.dispute
    }

    /// The class, applying the precedence when both hold.
    pub fn class(&self, precedence: Precedence) -> Class {
        match (self.ally(), self.rival(), precedence) {
            (true, true, Precedence::Rival) => Class::Rival,
            (true, true, Precedence::Ally) => Class::Ally,
            (true, false, _) => Class::Ally,
            (false, true, _) => Class::Rival,
            (false, false, _) => Class::Neutral,
        }
    }
}

impl Coding {
    /// The evidence for `a`–`b` in `year`.
    pub fn evidence(&self, d: &HistoryData, a: Code, b: Code, year: i32) -> Evidence {
        let pact = d
            .obligations(a, b, year)
            .is_some_and(|o| o.defense || o.offense);
        let rivalry = d.rivalry(a, b, year).is_some();
        let from = year - self.window.max(1) as i32 + 1;
        let dispute = d
            .max_hostility(a, b, from, year)
            .is_some_and(|h| h >= self.min_hostility);
        Evidence {
            pact,
            rivalry,
            dispute,
        }
    }

    /// The observed class of `a`–`b` in `year`.
    pub fn class(&self, d: &HistoryData, a: Code, b: Code, year: i32) -> Class {
        self.evidence(d, a, b, year).class(self.precedence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_decides_only_when_both_hold() {
        let both = Evidence {
            pact: true,
            rivalry: true,
            dispute: false,
        };
        assert_eq!(both.class(Precedence::Rival), Class::Rival);
        assert_eq!(both.class(Precedence::Ally), Class::Ally);
        let ally = Evidence {
            pact: true,
            ..Default::default()
        };
        assert_eq!(ally.class(Precedence::Rival), Class::Ally);
        let dispute = Evidence {
            dispute: true,
            ..Default::default()
        };
        assert_eq!(dispute.class(Precedence::Ally), Class::Rival);
        assert_eq!(Evidence::default().class(Precedence::Ally), Class::Neutral);
    }

    #[test]
    fn shipped_data_codes_1913_as_the_data_has_it() {
        let d = HistoryData::embedded().unwrap();
        let c = Coding::default();
        // Franco-Russian alliance; Dual Alliance (Germany, Austria-Hungary).
        assert_eq!(c.class(&d, 220, 365, 1913), Class::Ally);
        assert_eq!(c.class(&d, 255, 300, 1913), Class::Ally);
        // Anglo-German naval rivalry.
        assert_eq!(c.class(&d, 200, 255, 1913), Class::Rival);
        // Austria and Prussia in 1850: German Confederation and rivalry at once.
        let e = c.evidence(&d, 255, 300, 1850);
        assert!(e.pact && e.rivalry, "{e:?}");
        assert_eq!(c.class(&d, 255, 300, 1850), Class::Rival);
        let ally_first = Coding {
            precedence: Precedence::Ally,
            ..c
        };
        assert_eq!(ally_first.class(&d, 255, 300, 1850), Class::Ally);
    }

    #[test]
    fn the_dispute_window_is_the_year_and_the_ones_before() {
        let mut d = HistoryData::embedded().unwrap();
        d.disputes.clear();
        d.rivalries.clear();
        d.obligations.clear();
        d.disputes.insert((2, 20, 1900), 4);
        let c = Coding::default();
        assert_eq!(c.class(&d, 2, 20, 1899), Class::Neutral);
        assert_eq!(c.class(&d, 2, 20, 1900), Class::Rival);
        assert_eq!(c.class(&d, 20, 2, 1902), Class::Rival);
        assert_eq!(c.class(&d, 2, 20, 1903), Class::Neutral);
        let one = Coding { window: 1, ..c };
        assert_eq!(one.class(&d, 2, 20, 1901), Class::Neutral);
        let hostile = Coding {
            min_hostility: 5,
            ..c
        };
        assert_eq!(hostile.class(&d, 2, 20, 1900), Class::Neutral);
    }
}
