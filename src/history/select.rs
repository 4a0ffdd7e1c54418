//! Which states a historical scenario holds: `--states SPEC`.
//!
//! A spec is one or more parts joined by `+`; each part is a comma-separated list of COW
//! abbreviations (`UKG,FRN,GMY`), `majors` (the major powers that year), `top:N` (the N
//! largest by CINC that year) or `region:NAME` (every member of a COW region that year). The
//! states are the union, ordered by COW code. A spec is resolved for one year at a time.

use std::fmt;

use super::data::{Code, HistoryData};

/// The default spec: the major powers and the twelve largest states.
pub const DEFAULT_SPEC: &str = "majors+top:12";

/// COW regions by code range (Correlates of War country codes).
pub const REGIONS: [(&str, Code, Code); 5] = [
    ("americas", 2, 165),
    ("europe", 200, 399),
    ("africa", 402, 626),
    ("middle-east", 630, 698),
    ("asia", 700, 990),
];

/// One part of a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Named states, by abbreviation.
    List(Vec<String>),
    /// The major powers of the year.
    Majors,
    /// The N largest by CINC.
    Top(usize),
    /// A COW region.
    Region(String),
}

/// A parsed `--states` spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// The spec as written.
    pub text: String,
    /// Its parts.
    pub parts: Vec<Part>,
}

impl fmt::Display for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// What a spec can get wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SpecError(pub String);

fn region_names() -> String {
    REGIONS.iter().map(|r| r.0).collect::<Vec<_>>().join(", ")
}

impl Spec {
    /// Parse a spec (syntax only; abbreviations are checked when resolved).
    pub fn parse(text: &str) -> Result<Self, SpecError> {
        let mut parts = Vec::new();
        for raw in text.split('+') {
            let p = raw.trim();
            if p.is_empty() {
                return Err(SpecError(format!(
                    "--states `{text}`: an empty part; expected parts joined by `+`, each a list of COW abbreviations (UKG,FRN), `majors`, `top:N` or `region:NAME`"
                )));
            }
            let part = if p == "majors" {
                Part::Majors
            } else if let Some(n) = p.strip_prefix("top:") {
                match n.parse::<usize>() {
                    Ok(n) if n >= 1 => Part::Top(n),
                    _ => {
                        return Err(SpecError(format!(
                            "--states `{text}`: `{p}`: expected top:N with N a whole number of at least 1"
                        )));
                    }
                }
            } else if let Some(r) = p.strip_prefix("region:") {
                if !REGIONS.iter().any(|x| x.0 == r) {
                    return Err(SpecError(format!(
                        "--states `{text}`: unknown region `{r}`; expected one of {}",
                        region_names()
                    )));
                }
                Part::Region(r.to_string())
            } else {
                let ids: Vec<String> = p.split(',').map(|s| s.trim().to_string()).collect();
                if ids.iter().any(|s| s.is_empty()) {
                    return Err(SpecError(format!(
                        "--states `{text}`: an empty name in `{p}`; expected COW abbreviations separated by commas"
                    )));
                }
                Part::List(ids)
            };
            parts.push(part);
        }
        Ok(Self {
            text: text.to_string(),
            parts,
        })
    }

    /// Whether every part can be resolved in any year without error (no named states).
    pub fn is_generic(&self) -> bool {
        !self.parts.iter().any(|p| matches!(p, Part::List(_)))
    }

    /// The states of the spec in `year`, ascending by code.
    ///
    /// A named state that is unknown, or not a state-system member in `year`, is an error
    /// that says what is valid.
    pub fn resolve(&self, d: &HistoryData, year: i32) -> Result<Vec<Code>, SpecError> {
        self.resolve_with(d, year, false)
    }

    /// As [`Spec::resolve`], but a named state that is not a member in `year` is left out
    /// instead of being an error (an unknown abbreviation still is): for specs resolved
    /// again in each year of a backtest.
    pub fn resolve_lenient(&self, d: &HistoryData, year: i32) -> Result<Vec<Code>, SpecError> {
        self.resolve_with(d, year, true)
    }

    fn resolve_with(
        &self,
        d: &HistoryData,
        year: i32,
        lenient: bool,
    ) -> Result<Vec<Code>, SpecError> {
        let members = d.members_in(year);
        let mut out: Vec<Code> = Vec::new();
        for part in &self.parts {
            match part {
                Part::Majors => out.extend(members.iter().filter(|&&c| d.is_major(c, year))),
                Part::Top(n) => {
                    let mut by: Vec<(f64, Code)> = members
                        .iter()
                        .filter_map(|&c| d.nmc.get(&(c, year)).and_then(|x| x.cinc).map(|x| (x, c)))
                        .collect();
                    by.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
                    out.extend(by.iter().take(*n).map(|x| x.1));
                }
                Part::Region(r) => {
                    let Some(&(_, lo, hi)) = REGIONS.iter().find(|x| x.0 == r) else {
                        return Err(SpecError(format!(
                            "--states: unknown region `{r}`; expected one of {}",
                            region_names()
                        )));
                    };
                    out.extend(members.iter().filter(|&&c| (lo..=hi).contains(&c)));
                }
                Part::List(ids) => {
                    for id in ids {
                        let Some(code) = d.code_of(id, year) else {
                            let all: Vec<&str> = d.members.iter().map(|m| m.abb.as_str()).collect();
                            let hint = crate::scenario::closest(id, all.iter().copied())
                                .map(|c| format!("did you mean `{c}`? "))
                                .unwrap_or_default();
                            let mut now: Vec<String> = members
                                .iter()
                                .filter_map(|&c| d.member(c, year).map(|m| m.abb.clone()))
                                .collect();
                            now.sort();
                            return Err(SpecError(format!(
                                "--states: unknown COW abbreviation `{id}`; {hint}(states in {year}: {})",
                                now.join(", ")
                            )));
                        };
                        if d.member(code, year).is_none() {
                            if lenient {
                                continue;
                            }
                            let spells: Vec<String> = d
                                .spells(code)
                                .map(|m| format!("{}–{}", m.span.first, m.span.last))
                                .collect();
                            return Err(SpecError(format!(
                                "--states: {id} was not a member of the state system in {year} (membership in the data: {})",
                                spells.join(", ")
                            )));
                        }
                        out.push(code);
                    }
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn abbs(d: &HistoryData, codes: &[Code], year: i32) -> Vec<String> {
        codes
            .iter()
            .map(|&c| d.member(c, year).unwrap().abb.clone())
            .collect()
    }

    #[test]
    fn majors_of_1913_are_the_eight_great_powers() {
        let d = HistoryData::embedded().unwrap();
        let s = Spec::parse("majors").unwrap();
        let got = abbs(&d, &s.resolve(&d, 1913).unwrap(), 1913);
        assert_eq!(
            got,
            ["USA", "UKG", "FRN", "GMY", "AUH", "ITA", "RUS", "JPN"]
        );
    }

    #[test]
    fn union_sorted_by_code_without_duplicates() {
        let d = HistoryData::embedded().unwrap();
        let s = Spec::parse("RUS,UKG+majors").unwrap();
        let codes = s.resolve(&d, 1913).unwrap();
        assert_eq!(codes.len(), 8);
        assert!(codes.windows(2).all(|w| w[0] < w[1]));
        let s = Spec::parse("top:3").unwrap();
        assert_eq!(s.resolve(&d, 1913).unwrap().len(), 3);
    }

    #[test]
    fn errors_name_the_problem_and_what_is_valid() {
        let d = HistoryData::embedded().unwrap();
        let e = Spec::parse("UKG,GMX")
            .unwrap()
            .resolve(&d, 1913)
            .unwrap_err();
        assert!(e.0.contains("unknown COW abbreviation `GMX`"), "{e}");
        assert!(e.0.contains("did you mean `GMY`?"), "{e}");
        let e = Spec::parse("GMY").unwrap().resolve(&d, 1950).unwrap_err();
        assert!(e.0.contains("GMY was not a member"), "{e}");
        assert!(e.0.contains("1816–1945"), "{e}");
        assert!(Spec::parse("region:mars").unwrap_err().0.contains("europe"));
        assert!(Spec::parse("top:0").is_err());
        assert!(Spec::parse("majors+").is_err());
    }
}
