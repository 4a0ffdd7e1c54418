//! `--set PATH=VALUE`: change one model parameter or one scenario value before a study.
//!
//! Paths: a parameter name (`eta`, `threat_form`), `state.<ID>.<field>`,
//! `pair.<A>-<B>.<field>` or `intent.<FROM>-<TO>` (see `docs/scenario-format.md`).
//! Values are checked against the same ranges as in scenario files.

use super::diag::{closest, did_you_mean};
use super::target::{
    Bounds, INTENT_BOUNDS, PATH_SHAPES, PairField, PathError, PathRef, StateField, pair_bounds,
    parse_path, state_bounds,
};
use super::{Scenario, geo};
use crate::params::{self, Params, Theory, ThreatForm};

/// State fields `--set` accepts (those of [`super::STATE_BOUNDS`], in its order).
pub const STATE_FIELDS: [&str; 9] = [
    "power",
    "offense",
    "growth",
    "volatility",
    "autonomy",
    "aggression",
    "lat",
    "lon",
    "gdp",
];
/// Pair fields `--set` accepts (those of [`super::PAIR_BOUNDS`], in its order, and `border`).
pub const PAIR_FIELDS: [&str; 7] = [
    "trade",
    "mistrust",
    "affinity",
    "alignment",
    "treaty",
    "distance_km",
    "border",
];

/// Why `--theory` or a `--set PATH=VALUE` assignment could not be applied.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SetError {
    /// The assignment has no `=`.
    #[error("expected PATH=VALUE (e.g. eta=0.3 or pair.CHN-RUS.mistrust=0.6), found `{0}`")]
    NotAnAssignment(String),
    /// `--theory` names no theory preset.
    #[error("--theory {0}: unknown theory (expected one of {names})", names = theory_names())]
    UnknownTheory(String),
    /// The path or the value of an assignment is wrong.
    #[error("--set {path}={value}: {problem}")]
    Invalid {
        /// The path as written (trimmed).
        path: String,
        /// The value as written (trimmed).
        value: String,
        /// What is wrong and what was expected.
        problem: SetProblem,
    },
}

/// What is wrong with the path or the value of one `--set PATH=VALUE` assignment.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SetProblem {
    /// The path has none of the shapes of [`PATH_SHAPES`].
    #[error(transparent)]
    Path(#[from] PathError),
    /// A one-word path that names no model parameter.
    #[error("unknown model parameter `{name}`{}; scenario values use {PATH_SHAPES}", did_you_mean(.suggestion.as_deref()))]
    UnknownParameter {
        /// The name as written.
        name: String,
        /// The closest parameter name, if close enough to be a likely typo.
        suggestion: Option<String>,
    },
    /// A parameter of model v1 that model v2 no longer has.
    #[error(
        "`{name}` was a parameter of model v1, removed in v2: {why} (docs/model.md, changes from v1)"
    )]
    RemovedParameter {
        /// The name as written.
        name: String,
        /// What replaced it.
        why: &'static str,
    },
    /// A state id that is not in the scenario.
    #[error("unknown state `{id}`{}", did_you_mean(.suggestion.as_deref()))]
    UnknownState {
        /// The id as written.
        id: String,
        /// The closest state id, if close enough to be a likely typo.
        suggestion: Option<String>,
    },
    /// A state field that `--set` does not know.
    #[error("unknown state field `{field}`{} (expected one of {})", did_you_mean(.suggestion.as_deref()), STATE_FIELDS.join(", "))]
    UnknownStateField {
        /// The field as written.
        field: String,
        /// The closest field name, if close enough to be a likely typo.
        suggestion: Option<String>,
    },
    /// A pair field that `--set` does not know.
    #[error("unknown pair field `{field}`{} (expected one of {})", did_you_mean(.suggestion.as_deref()), PAIR_FIELDS.join(", "))]
    UnknownPairField {
        /// The field as written.
        field: String,
        /// The closest field name, if close enough to be a likely typo.
        suggestion: Option<String>,
    },
    /// `pair.<A>-<A>.<field>`.
    #[error("a pair of `{0}` with itself: expected two different states")]
    PairWithItself(String),
    /// `intent.<A>-<A>`.
    #[error("an intent of `{0}` toward itself: expected two different states")]
    IntentTowardItself(String),
    /// `baseline.<FROM>-<TO>`: not a value `--set` can change.
    #[error("the baseline of an intent is its initial value: set `intent.<FROM>-<TO>` instead")]
    Baseline,
    /// A value that is not a number where one is expected.
    #[error("expected a number, found `{0}`")]
    NotANumber(String),
    /// A number that is not finite or lies outside the value's bounds (the same as in
    /// scenario files: [`super::STATE_BOUNDS`], [`super::PAIR_BOUNDS`], the parameters').
    #[error("expected a finite number{}, found `{value}`", .bounds.text())]
    OutOfRange {
        /// The value as written.
        value: String,
        /// The values allowed.
        bounds: Bounds,
    },
    /// `threat_form` set to something else than `product` or `sum`.
    #[error("expected product or sum, found `{0}`")]
    NotAThreatForm(String),
    /// `border` set to something else than `true`, `false`, `1` or `0`.
    #[error("expected true or false, found `{0}`")]
    NotABoolean(String),
    /// A threshold parameter set out of order with the others (the model's message).
    #[error("{0}")]
    Thresholds(String),
}

/// The names of the theory presets, for messages.
fn theory_names() -> String {
    Theory::ALL.map(Theory::name).join(", ")
}

impl Scenario {
    /// The parameters of `theory` with this scenario's `[params]` overrides applied on top.
    pub fn params_for(&self, theory: Theory) -> Params {
        let mut p = theory.params();
        for (name, value) in &self.overrides {
            if name == "threat_form" {
                if let Some(f) = ThreatForm::parse(value) {
                    p.threat_form = f;
                }
            } else if let (Some(slot), Ok(x)) = (p.get_mut(name), value.parse::<f64>()) {
                *slot = x;
            }
        }
        p
    }

    /// Switch to another theory preset, keeping the file's parameter overrides.
    pub fn set_theory(&mut self, theory: Theory) {
        self.params = self.params_for(theory);
        self.theory = theory;
    }

    /// Switch to the theory named `theory`, if given, then apply each `PATH=VALUE` assignment
    /// in order: what `--theory` and `--set` do on the command line.
    pub fn apply_choices(&mut self, theory: Option<&str>, set: &[String]) -> Result<(), SetError> {
        if let Some(t) = theory {
            let parsed = Theory::parse(t).ok_or_else(|| SetError::UnknownTheory(t.to_string()))?;
            self.set_theory(parsed);
        }
        for a in set {
            self.apply_set(a)?;
        }
        Ok(())
    }

    /// The current value at a `--set` path (or `theory`), as `--set` would write it: what a
    /// sweep varies "around" (`entente sweep --design oat`).
    pub fn value_at(&self, path: &str) -> Result<String, String> {
        let ctx = |m: String| format!("{path}: {m}");
        if path == "theory" {
            return Ok(self.theory.name().to_string());
        }
        let n = self.n();
        let at = |e: SetProblem| ctx(e.to_string());
        match parse_path(path).map_err(|e| ctx(e.to_string()))? {
            PathRef::Param(name) => {
                if name == "threat_form" {
                    return Ok(self.params.threat_form.name().to_string());
                }
                let mut p = self.params.clone();
                p.get_mut(name)
                    .map(|x| format!("{x}"))
                    .ok_or_else(|| ctx(format!("unknown parameter `{name}`")))
            }
            PathRef::State(id, field) => {
                let st = &self.states[self.state_index(id).map_err(at)?];
                let x = match field {
                    "power" => st.power,
                    "offense" => st.offense,
                    "growth" => st.growth,
                    "volatility" => st.volatility,
                    "autonomy" => st.autonomy,
                    "aggression" => st.aggression,
                    "lat" => st.lat,
                    "lon" => st.lon,
                    "gdp" => st.gdp.unwrap_or(0.0),
                    _ => return Err(ctx(format!("unknown state field `{field}`"))),
                };
                Ok(format!("{x}"))
            }
            PathRef::Pair(a, b, field) => {
                let i = self.state_index(a).map_err(at)?;
                let j = self.state_index(b).map_err(at)?;
                let m = i * n + j;
                Ok(match field {
                    "trade" => format!("{}", self.trade[m]),
                    "mistrust" => format!("{}", self.mistrust[m]),
                    "affinity" => format!("{}", self.affinity[m]),
                    "alignment" => format!("{}", self.alignment[m]),
                    "treaty" => format!("{}", self.treaty[m]),
                    "distance_km" => format!("{}", self.distance[m]),
                    "border" => format!("{}", self.border[m]),
                    _ => return Err(ctx(format!("unknown pair field `{field}`"))),
                })
            }
            PathRef::Intent(a, b) => {
                let j = self.state_index(a).map_err(at)?;
                let i = self.state_index(b).map_err(at)?;
                Ok(format!("{}", self.intent[j * n + i]))
            }
            PathRef::Baseline(..) => Err(ctx(
                "the baseline of an intent is its initial value: use `intent.<FROM>-<TO>`".into(),
            )),
        }
    }

    /// Apply one `PATH=VALUE` assignment; the error says what was expected.
    pub fn apply_set(&mut self, assignment: &str) -> Result<(), SetError> {
        let (path, value) = assignment
            .split_once('=')
            .ok_or_else(|| SetError::NotAnAssignment(assignment.to_string()))?;
        let (path, value) = (path.trim(), value.trim());
        self.set_path(path, value)
            .map_err(|problem| SetError::Invalid {
                path: path.to_string(),
                value: value.to_string(),
                problem,
            })
    }

    /// Set the value at `path` to `value`.
    fn set_path(&mut self, path: &str, value: &str) -> Result<(), SetProblem> {
        match parse_path(path)? {
            PathRef::Param(name) => self.set_param(name, value),
            PathRef::State(id, field) => {
                let i = self.state_index(id)?;
                self.set_state(i, field, value)
            }
            PathRef::Pair(a, b, field) => {
                let (i, j) = (self.state_index(a)?, self.state_index(b)?);
                if i == j {
                    return Err(SetProblem::PairWithItself(a.to_string()));
                }
                self.set_pair(i, j, field, value)
            }
            PathRef::Intent(a, b) => {
                let (j, i) = (self.state_index(a)?, self.state_index(b)?);
                if i == j {
                    return Err(SetProblem::IntentTowardItself(a.to_string()));
                }
                let v = number(value, INTENT_BOUNDS)?;
                let n = self.n();
                self.intent[j * n + i] = v;
                Ok(())
            }
            PathRef::Baseline(..) => Err(SetProblem::Baseline),
        }
    }

    fn state_index(&self, id: &str) -> Result<usize, SetProblem> {
        self.index(id).ok_or_else(|| SetProblem::UnknownState {
            id: id.to_string(),
            suggestion: closest(id, self.states.iter().map(|s| s.id.as_str())).map(str::to_string),
        })
    }

    fn set_param(&mut self, name: &str, value: &str) -> Result<(), SetProblem> {
        if name == "threat_form" {
            self.params.threat_form = ThreatForm::parse(value)
                .ok_or_else(|| SetProblem::NotAThreatForm(value.to_string()))?;
            return Ok(());
        }
        if let Some(why) = params::removed_v1(name) {
            return Err(SetProblem::RemovedParameter {
                name: name.to_string(),
                why,
            });
        }
        let Some(spec) = params::spec(name) else {
            return Err(SetProblem::UnknownParameter {
                name: name.to_string(),
                suggestion: closest(name, params::names()).map(str::to_string),
            });
        };
        let x = number(value, Bounds::closed(spec.min, spec.max))?;
        let mut p = self.params.clone();
        if let Some(slot) = p.get_mut(name) {
            *slot = x;
        }
        if let Some(problem) = p.threshold_problem() {
            return Err(SetProblem::Thresholds(problem));
        }
        self.params = p;
        Ok(())
    }

    fn set_state(&mut self, i: usize, field: &str, value: &str) -> Result<(), SetProblem> {
        let unknown = || SetProblem::UnknownStateField {
            field: field.to_string(),
            suggestion: closest(field, STATE_FIELDS).map(str::to_string),
        };
        let x = number(value, state_bounds(field).ok_or_else(unknown)?)?;
        let n = self.n();
        if let Some(f) = StateField::parse(field) {
            let st = &mut self.states[i];
            match f {
                StateField::Power => st.power = x,
                StateField::Offense => st.offense = x,
                StateField::Growth => st.growth = x,
                StateField::Volatility => st.volatility = x,
                StateField::Autonomy => st.autonomy = x,
            }
            return Ok(());
        }
        match field {
            "aggression" => {
                self.states[i].aggression = x;
                // Intents from this state that the file did not list default to its aggression.
                for k in 0..n {
                    let listed = self.intent_docs.iter().any(|(j, t, _)| *j == i && *t == k);
                    if k != i && !listed {
                        self.intent[i * n + k] = x;
                    }
                }
            }
            "lat" | "lon" => {
                if field == "lat" {
                    self.states[i].lat = x;
                } else {
                    self.states[i].lon = x;
                }
                for k in (0..n).filter(|&k| k != i && self.distance_derived[i * n + k]) {
                    let (a, b) = (&self.states[i], &self.states[k]);
                    let d = geo::haversine_km(a.lat, a.lon, b.lat, b.lon);
                    self.distance[i * n + k] = d;
                    self.distance[k * n + i] = d;
                }
            }
            "gdp" => self.states[i].gdp = Some(x),
            _ => return Err(unknown()),
        }
        Ok(())
    }

    fn set_pair(&mut self, i: usize, j: usize, field: &str, value: &str) -> Result<(), SetProblem> {
        let n = self.n();
        let (ij, ji) = (i * n + j, j * n + i);
        if field == "border" {
            let b = match value {
                "true" | "1" => true,
                "false" | "0" => false,
                _ => return Err(SetProblem::NotABoolean(value.to_string())),
            };
            self.border[ij] = b;
            self.border[ji] = b;
            return Ok(());
        }
        let unknown = || SetProblem::UnknownPairField {
            field: field.to_string(),
            suggestion: closest(field, PAIR_FIELDS).map(str::to_string),
        };
        let x = number(value, pair_bounds(field).ok_or_else(unknown)?)?;
        let m = match PairField::parse(field) {
            Some(PairField::Trade) => {
                self.trade_known[ij] = true;
                self.trade_known[ji] = true;
                &mut self.trade
            }
            Some(PairField::Mistrust) => &mut self.mistrust,
            Some(PairField::Affinity) => &mut self.affinity,
            Some(PairField::Alignment) => &mut self.alignment,
            Some(PairField::Treaty) => &mut self.treaty,
            None if field == "distance_km" => {
                self.distance_derived[ij] = false;
                self.distance_derived[ji] = false;
                &mut self.distance
            }
            None => return Err(unknown()),
        };
        m[ij] = x;
        m[ji] = x;
        Ok(())
    }
}

/// `value` as a number within `bounds`.
fn number(value: &str, bounds: Bounds) -> Result<f64, SetProblem> {
    let x: f64 = value
        .parse()
        .map_err(|_| SetProblem::NotANumber(value.to_string()))?;
    if !bounds.contains(x) {
        return Err(SetProblem::OutOfRange {
            value: value.to_string(),
            bounds,
        });
    }
    Ok(x)
}

#[cfg(test)]
mod tests {
    use super::{PAIR_FIELDS, STATE_FIELDS, SetError, SetProblem};
    use crate::model::Theory;
    use crate::scenario::target::PathError;
    use crate::scenario::target::{Bounds, PAIR_BOUNDS, STATE_BOUNDS};
    use crate::scenario::{FLAGSHIP_NAME, FLAGSHIP_TOML, parse};

    /// The error of `--set PATH=VALUE` with `problem`.
    fn invalid(path: &str, value: &str, problem: SetProblem) -> SetError {
        SetError::Invalid {
            path: path.into(),
            value: value.into(),
            problem,
        }
    }

    #[test]
    fn the_assignment_errors_say_what_was_expected() {
        let cases = [
            (
                SetError::NotAnAssignment("eta".into()),
                "expected PATH=VALUE (e.g. eta=0.3 or pair.CHN-RUS.mistrust=0.6), found `eta`",
            ),
            (
                SetError::UnknownTheory("waltzz".into()),
                "--theory waltzz: unknown theory (expected one of walt, waltz, bandwagon, liberal)",
            ),
            (
                invalid(
                    "pair.CHN",
                    "0.5",
                    PathError {
                        path: "pair.CHN".into(),
                    }
                    .into(),
                ),
                "--set pair.CHN=0.5: expected a path `state.<ID>.<field>`, `pair.<A>-<B>.<field>`, `intent.<FROM>-<TO>` or `baseline.<FROM>-<TO>`, found `pair.CHN`",
            ),
        ];
        for (error, message) in cases {
            assert_eq!(error.to_string(), message);
        }
        // Bounds read as people write them: a positive field says `(0, …]`, not the
        // smallest float, and large bounds use an exponent.
        let mut s = parse(FLAGSHIP_TOML, FLAGSHIP_NAME).unwrap();
        let mut message = |a: &str| match s.apply_set(a) {
            Err(e) => e.to_string(),
            Ok(()) => panic!("{a} was accepted"),
        };
        assert_eq!(
            message("state.USA.power=0"),
            "--set state.USA.power=0: expected a finite number in (0, 1e12], found `0`"
        );
        assert_eq!(
            message("pair.CHN-RUS.trade=-1"),
            "--set pair.CHN-RUS.trade=-1: expected a finite number in [0, 1000000], found `-1`"
        );
        assert_eq!(
            message("state.USA.gdp=1e308"),
            "--set state.USA.gdp=1e308: expected a finite number in (0, 1e9], found `1e308`"
        );
    }

    #[test]
    fn unknown_names_and_wrong_paths_say_what_was_expected() {
        let cases = [
            (
                invalid(
                    "etaa",
                    "0.3",
                    SetProblem::UnknownParameter {
                        name: "etaa".into(),
                        suggestion: Some("eta".into()),
                    },
                ),
                "--set etaa=0.3: unknown model parameter `etaa`; did you mean `eta`?; scenario values use `state.<ID>.<field>`, `pair.<A>-<B>.<field>`, `intent.<FROM>-<TO>` or `baseline.<FROM>-<TO>`",
            ),
            (
                invalid(
                    "zzz",
                    "1",
                    SetProblem::UnknownParameter {
                        name: "zzz".into(),
                        suggestion: None,
                    },
                ),
                "--set zzz=1: unknown model parameter `zzz`; scenario values use `state.<ID>.<field>`, `pair.<A>-<B>.<field>`, `intent.<FROM>-<TO>` or `baseline.<FROM>-<TO>`",
            ),
            (
                invalid(
                    "state.CHM.offense",
                    "0.5",
                    SetProblem::UnknownState {
                        id: "CHM".into(),
                        suggestion: Some("CHN".into()),
                    },
                ),
                "--set state.CHM.offense=0.5: unknown state `CHM`; did you mean `CHN`?",
            ),
            (
                invalid(
                    "intent.XXX-CHN",
                    "0.5",
                    SetProblem::UnknownState {
                        id: "XXX".into(),
                        suggestion: None,
                    },
                ),
                "--set intent.XXX-CHN=0.5: unknown state `XXX`",
            ),
            (
                invalid(
                    "state.CHN.agression",
                    "0.5",
                    SetProblem::UnknownStateField {
                        field: "agression".into(),
                        suggestion: Some("aggression".into()),
                    },
                ),
                "--set state.CHN.agression=0.5: unknown state field `agression`; did you mean `aggression`? (expected one of power, offense, growth, volatility, autonomy, aggression, lat, lon, gdp)",
            ),
            (
                invalid(
                    "pair.CHN-RUS.colour",
                    "0.5",
                    SetProblem::UnknownPairField {
                        field: "colour".into(),
                        suggestion: None,
                    },
                ),
                "--set pair.CHN-RUS.colour=0.5: unknown pair field `colour` (expected one of trade, mistrust, affinity, alignment, treaty, distance_km, border)",
            ),
            (
                invalid(
                    "pair.CHN-CHN.mistrust",
                    "0.5",
                    SetProblem::PairWithItself("CHN".into()),
                ),
                "--set pair.CHN-CHN.mistrust=0.5: a pair of `CHN` with itself: expected two different states",
            ),
            (
                invalid(
                    "intent.USA-USA",
                    "0.5",
                    SetProblem::IntentTowardItself("USA".into()),
                ),
                "--set intent.USA-USA=0.5: an intent of `USA` toward itself: expected two different states",
            ),
            (
                invalid("baseline.USA-CHN", "0.5", SetProblem::Baseline),
                "--set baseline.USA-CHN=0.5: the baseline of an intent is its initial value: set `intent.<FROM>-<TO>` instead",
            ),
        ];
        for (error, message) in cases {
            assert_eq!(error.to_string(), message);
        }
    }

    #[test]
    fn wrong_values_say_what_was_expected() {
        let cases = [
            (
                invalid("eta", "fast", SetProblem::NotANumber("fast".into())),
                "--set eta=fast: expected a number, found `fast`",
            ),
            (
                invalid(
                    "eta",
                    "-1",
                    SetProblem::OutOfRange {
                        value: "-1".into(),
                        bounds: Bounds::closed(0.0, 100.0),
                    },
                ),
                "--set eta=-1: expected a finite number in [0, 100], found `-1`",
            ),
            (
                invalid(
                    "pair.CHN-RUS.trade",
                    "-1",
                    SetProblem::OutOfRange {
                        value: "-1".into(),
                        bounds: Bounds::closed(0.0, f64::MAX),
                    },
                ),
                "--set pair.CHN-RUS.trade=-1: expected a finite number >= 0, found `-1`",
            ),
            (
                invalid(
                    "state.CHN.gdp",
                    "0",
                    SetProblem::OutOfRange {
                        value: "0".into(),
                        bounds: Bounds::positive(1e9),
                    },
                ),
                "--set state.CHN.gdp=0: expected a finite number in (0, 1e9], found `0`",
            ),
            (
                invalid(
                    "threat_form",
                    "maybe",
                    SetProblem::NotAThreatForm("maybe".into()),
                ),
                "--set threat_form=maybe: expected product or sum, found `maybe`",
            ),
            (
                invalid(
                    "pair.CHN-RUS.border",
                    "maybe",
                    SetProblem::NotABoolean("maybe".into()),
                ),
                "--set pair.CHN-RUS.border=maybe: expected true or false, found `maybe`",
            ),
            (
                invalid(
                    "rivalry_threshold",
                    "0.3",
                    SetProblem::Thresholds("the thresholds are out of order".into()),
                ),
                "--set rivalry_threshold=0.3: the thresholds are out of order",
            ),
        ];
        for (error, message) in cases {
            assert_eq!(error.to_string(), message);
        }
    }

    #[test]
    fn each_mistake_gives_its_own_variant() {
        let mut s = parse(FLAGSHIP_TOML, FLAGSHIP_NAME).unwrap();
        let problem = |s: &mut crate::scenario::Scenario, a: &str| match s.apply_set(a) {
            Err(SetError::Invalid { problem, .. }) => problem,
            other => panic!("{a}: {other:?}"),
        };
        assert_eq!(
            s.apply_set(" eta = 0.3x"),
            Err(invalid(
                "eta",
                "0.3x",
                SetProblem::NotANumber("0.3x".into())
            ))
        );
        assert_eq!(
            s.apply_set("eta"),
            Err(SetError::NotAnAssignment("eta".into()))
        );
        assert_eq!(
            s.apply_choices(Some("nope"), &[]),
            Err(SetError::UnknownTheory("nope".into()))
        );
        assert_eq!(
            problem(&mut s, "state..power=1"),
            SetProblem::Path(PathError {
                path: "state..power".into()
            })
        );
        assert_eq!(
            problem(&mut s, "etaa=0.3"),
            SetProblem::UnknownParameter {
                name: "etaa".into(),
                suggestion: Some("eta".into())
            }
        );
        assert_eq!(
            problem(&mut s, "pair.CHN-RUX.mistrust=0.5"),
            SetProblem::UnknownState {
                id: "RUX".into(),
                suggestion: Some("RUS".into())
            }
        );
        assert_eq!(
            problem(&mut s, "state.CHN.colour=1"),
            SetProblem::UnknownStateField {
                field: "colour".into(),
                suggestion: None
            }
        );
        assert_eq!(
            problem(&mut s, "pair.CHN-RUS.mistrus=0.5"),
            SetProblem::UnknownPairField {
                field: "mistrus".into(),
                suggestion: Some("mistrust".into())
            }
        );
        assert_eq!(
            problem(&mut s, "pair.CHN-CHN.mistrust=0.5"),
            SetProblem::PairWithItself("CHN".into())
        );
        assert_eq!(
            problem(&mut s, "intent.USA-USA=0.5"),
            SetProblem::IntentTowardItself("USA".into())
        );
        assert_eq!(
            problem(&mut s, "baseline.USA-CHN=0.5"),
            SetProblem::Baseline
        );
        assert_eq!(
            problem(&mut s, "state.CHN.lat=100"),
            SetProblem::OutOfRange {
                value: "100".into(),
                bounds: Bounds::closed(-90.0, 90.0)
            }
        );
        assert_eq!(
            problem(&mut s, "eta=nan"),
            SetProblem::OutOfRange {
                value: "nan".into(),
                bounds: Bounds::closed(0.0, 100.0)
            }
        );
        assert_eq!(
            problem(&mut s, "state.CHN.gdp=0"),
            SetProblem::OutOfRange {
                value: "0".into(),
                bounds: Bounds::positive(1e9)
            }
        );
        assert_eq!(
            problem(&mut s, "threat_form=maybe"),
            SetProblem::NotAThreatForm("maybe".into())
        );
        assert_eq!(
            problem(&mut s, "pair.CHN-RUS.border=2"),
            SetProblem::NotABoolean("2".into())
        );
        assert!(matches!(
            problem(&mut s, "rivalry_threshold=0.3"),
            SetProblem::Thresholds(m) if m.contains("rivalry_threshold < alignment_threshold")
        ));
    }

    /// `--set` knows exactly the fields of the bounds table (and `border`), in its order.
    #[test]
    fn set_fields_are_those_of_the_bounds_table() {
        assert_eq!(STATE_FIELDS.to_vec(), STATE_BOUNDS.map(|(n, _)| n).to_vec());
        let mut pairs = PAIR_BOUNDS.map(|(n, _)| n).to_vec();
        pairs.push("border");
        assert_eq!(PAIR_FIELDS.to_vec(), pairs);
    }

    #[test]
    fn value_at_reads_what_set_writes() {
        let mut s = parse(FLAGSHIP_TOML, FLAGSHIP_NAME).unwrap();
        for (path, value) in [
            ("eta", "0.3"),
            ("pair.RUS-CHN.mistrust", "0.6"),
            ("pair.CHN-RUS.border", "false"),
            ("intent.USA-CHN", "0.9"),
            ("state.CHN.aggression", "0.25"),
            ("state.JPN.gdp", "1234.5"),
            ("threat_form", "sum"),
        ] {
            s.apply_set(&format!("{path}={value}")).unwrap();
            assert_eq!(s.value_at(path).unwrap(), value, "{path}");
        }
        assert_eq!(s.value_at("theory").unwrap(), "walt");
        assert!(s.value_at("state.XXX.power").is_err());
        assert!(s.value_at("pair.CHN-RUS.colour").is_err());
    }

    #[test]
    fn sets_change_exactly_their_target() {
        let mut s = parse(FLAGSHIP_TOML, FLAGSHIP_NAME).unwrap();
        let n = s.n();
        let (chn, rus, usa) = (
            s.index("CHN").unwrap(),
            s.index("RUS").unwrap(),
            s.index("USA").unwrap(),
        );
        s.apply_set("eta=0.3").unwrap();
        s.apply_set("pair.RUS-CHN.mistrust=0.6").unwrap();
        s.apply_set("intent.USA-CHN=0.9").unwrap();
        s.apply_set("threat_form=sum").unwrap();
        assert_eq!(s.params.eta, 0.3);
        assert_eq!(
            (s.mistrust[chn * n + rus], s.mistrust[rus * n + chn]),
            (0.6, 0.6)
        );
        assert_eq!(s.intent[usa * n + chn], 0.9);
        assert_eq!(s.params.threat_form, crate::params::ThreatForm::Sum);
        // A theory switch keeps file overrides and resets --set parameters to the preset.
        s.set_theory(Theory::Waltz);
        assert_eq!(
            (s.params.w_d, s.params.eta),
            (0.0, crate::params::Params::walt().eta)
        );
    }

    #[test]
    fn set_treaty_changes_both_entries_within_zero_one() {
        let mut s = parse(FLAGSHIP_TOML, FLAGSHIP_NAME).unwrap();
        let n = s.n();
        let (chn, rus) = (s.index("CHN").unwrap(), s.index("RUS").unwrap());
        // ATOP 2018 codes no defence pledge for China-Russia, only non-aggression and
        // consultation: treaty 0.5 in the flagship.
        assert_eq!(s.treaty[chn * n + rus], 0.5);
        s.apply_set("pair.RUS-CHN.treaty=1").unwrap();
        assert_eq!(
            (s.treaty[chn * n + rus], s.treaty[rus * n + chn]),
            (1.0, 1.0)
        );
        assert_eq!(s.value_at("pair.CHN-RUS.treaty").unwrap(), "1");
        assert_eq!(
            s.apply_set("pair.CHN-RUS.treaty=1.5")
                .unwrap_err()
                .to_string(),
            "--set pair.CHN-RUS.treaty=1.5: expected a finite number in [0, 1], found `1.5`"
        );
        assert!(
            s.apply_set("pair.CHN-RUS.treat=1")
                .unwrap_err()
                .to_string()
                .contains("did you mean `treaty`")
        );
    }

    #[test]
    fn set_trade_makes_the_figure_known() {
        let t = FLAGSHIP_TOML.replacen("trade = 42.419\n", "", 1);
        let mut s = parse(&t, "x.toml").unwrap();
        let n = s.n();
        let (usa, rus) = (s.index("USA").unwrap(), s.index("RUS").unwrap());
        assert!(!s.trade_known[usa * n + rus]);
        assert_eq!(s.unknown_trade().0, vec![(usa.min(rus), usa.max(rus))]);
        s.apply_set("pair.RUS-USA.trade=0").unwrap();
        assert!(s.trade_known[usa * n + rus] && s.trade_known[rus * n + usa]);
        assert_eq!(s.trade_warning("x.toml"), None);
    }

    #[test]
    fn aggression_moves_only_unlisted_intents() {
        let mut s = parse(FLAGSHIP_TOML, FLAGSHIP_NAME).unwrap();
        let n = s.n();
        let (chn, mng, jpn) = (
            s.index("CHN").unwrap(),
            s.index("MNG").unwrap(),
            s.index("JPN").unwrap(),
        );
        let listed = s.intent_docs.iter().any(|(j, i, _)| *j == chn && *i == jpn);
        let before_jpn = s.intent[chn * n + jpn];
        s.apply_set("state.CHN.aggression=0.9").unwrap();
        assert_eq!(s.states[chn].aggression, 0.9);
        let unlisted = !s.intent_docs.iter().any(|(j, i, _)| *j == chn && *i == mng);
        if unlisted {
            assert_eq!(s.intent[chn * n + mng], 0.9);
        }
        if listed {
            assert_eq!(s.intent[chn * n + jpn], before_jpn);
        }
    }

    #[test]
    fn wrong_paths_and_values_say_what_was_expected() {
        let mut s = parse(FLAGSHIP_TOML, FLAGSHIP_NAME).unwrap();
        let err =
            |s: &mut crate::scenario::Scenario, a: &str| s.apply_set(a).unwrap_err().to_string();
        assert!(err(&mut s, "etaa=0.3").contains("did you mean `eta`"));
        assert!(err(&mut s, "eta").contains("PATH=VALUE"));
        assert!(err(&mut s, "eta=fast").contains("expected a number"));
        assert!(err(&mut s, "eta=-1").contains("in [0, 100]"));
        assert!(err(&mut s, "state.CHM.offense=0.5").contains("did you mean `CHN`"));
        assert!(err(&mut s, "state.CHN.agression=0.5").contains("did you mean `aggression`"));
        assert!(err(&mut s, "pair.CHN-RUS.mistrus=0.5").contains("did you mean `mistrust`"));
        assert!(err(&mut s, "pair.CHN-RUS.mistrust=1.5").contains("in [0, 1]"));
        assert!(err(&mut s, "intent.USA-USA=0.5").contains("itself"));
        assert!(err(&mut s, "pair.CHN.mistrust=0.5").contains("expected a path"));
        assert!(
            err(&mut s, "rivalry_threshold=0.3")
                .contains("rivalry_threshold < alignment_threshold")
        );
    }
}
