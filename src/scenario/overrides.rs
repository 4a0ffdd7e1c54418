//! `--set PATH=VALUE`: change one model parameter or one scenario value before a study.
//!
//! Paths: a parameter name (`eta`, `threat_form`), `state.<ID>.<field>`,
//! `pair.<A>-<B>.<field>` or `intent.<FROM>-<TO>` (see `docs/scenario-format.md`).
//! Values are checked against the same ranges as in scenario files.

use super::diag::suggestion;
use super::target::{PATH_SHAPES, PairField, PathRef, StateField, parse_path};
use super::{Scenario, geo};
use crate::params::{self, Params, Theory, ThreatForm};

/// State fields `--set` accepts.
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
/// Pair fields `--set` accepts.
pub const PAIR_FIELDS: [&str; 6] = [
    "trade",
    "mistrust",
    "affinity",
    "alignment",
    "distance_km",
    "border",
];

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
    pub fn apply_choices(&mut self, theory: Option<&str>, set: &[String]) -> Result<(), String> {
        if let Some(t) = theory {
            let Some(parsed) = Theory::parse(t) else {
                let names = Theory::ALL.map(Theory::name);
                return Err(format!(
                    "--theory {t}: unknown theory (expected one of {})",
                    names.join(", ")
                ));
            };
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
        match parse_path(path).map_err(ctx)? {
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
                let st = &self.states[self.state_index(id).map_err(ctx)?];
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
                let i = self.state_index(a).map_err(ctx)?;
                let j = self.state_index(b).map_err(ctx)?;
                let m = i * n + j;
                Ok(match field {
                    "trade" => format!("{}", self.trade[m]),
                    "mistrust" => format!("{}", self.mistrust[m]),
                    "affinity" => format!("{}", self.affinity[m]),
                    "alignment" => format!("{}", self.alignment[m]),
                    "distance_km" => format!("{}", self.distance[m]),
                    "border" => format!("{}", self.border[m]),
                    _ => return Err(ctx(format!("unknown pair field `{field}`"))),
                })
            }
            PathRef::Intent(a, b) => {
                let j = self.state_index(a).map_err(ctx)?;
                let i = self.state_index(b).map_err(ctx)?;
                Ok(format!("{}", self.intent[j * n + i]))
            }
            PathRef::Baseline(..) => Err(ctx(
                "the baseline of an intent is its initial value: use `intent.<FROM>-<TO>`".into(),
            )),
        }
    }

    /// Apply one `PATH=VALUE` assignment; the error says what was expected.
    pub fn apply_set(&mut self, assignment: &str) -> Result<(), String> {
        let (path, value) = assignment
            .split_once('=')
            .ok_or_else(|| format!("expected PATH=VALUE (e.g. eta=0.3 or pair.CHN-RUS.mistrust=0.6), found `{assignment}`"))?;
        let (path, value) = (path.trim(), value.trim());
        let ctx = |m: String| format!("--set {path}={value}: {m}");
        match parse_path(path).map_err(ctx)? {
            PathRef::Param(name) => self.set_param(name, value).map_err(ctx),
            PathRef::State(id, field) => {
                let i = self.state_index(id).map_err(ctx)?;
                self.set_state(i, field, value).map_err(ctx)
            }
            PathRef::Pair(a, b, field) => {
                let (i, j) = (
                    self.state_index(a).map_err(ctx)?,
                    self.state_index(b).map_err(ctx)?,
                );
                if i == j {
                    return Err(ctx(format!(
                        "a pair of `{a}` with itself: expected two different states"
                    )));
                }
                self.set_pair(i, j, field, value).map_err(ctx)
            }
            PathRef::Intent(a, b) => {
                let (j, i) = (
                    self.state_index(a).map_err(ctx)?,
                    self.state_index(b).map_err(ctx)?,
                );
                if i == j {
                    return Err(ctx(format!(
                        "an intent of `{a}` toward itself: expected two different states"
                    )));
                }
                let v = number(value, 0.0, 1.0).map_err(ctx)?;
                let n = self.n();
                self.intent[j * n + i] = v;
                Ok(())
            }
            PathRef::Baseline(..) => Err(ctx(
                "the baseline of an intent is its initial value: set `intent.<FROM>-<TO>` instead"
                    .into(),
            )),
        }
    }

    fn state_index(&self, id: &str) -> Result<usize, String> {
        self.index(id).ok_or_else(|| {
            let hint = suggestion(id, self.states.iter().map(|s| s.id.as_str()));
            format!("unknown state `{id}`{hint}")
        })
    }

    fn set_param(&mut self, name: &str, value: &str) -> Result<(), String> {
        if name == "threat_form" {
            self.params.threat_form = ThreatForm::parse(value)
                .ok_or_else(|| format!("expected product or sum, found `{value}`"))?;
            return Ok(());
        }
        let Some(spec) = params::spec(name) else {
            let hint = suggestion(name, params::names());
            return Err(format!(
                "unknown model parameter `{name}`{hint}; scenario values use {PATH_SHAPES}"
            ));
        };
        let x = number(value, spec.min, spec.max)?;
        let mut p = self.params.clone();
        if let Some(slot) = p.get_mut(name) {
            *slot = x;
        }
        if let Some(problem) = p.threshold_problem() {
            return Err(problem);
        }
        self.params = p;
        Ok(())
    }

    fn set_state(&mut self, i: usize, field: &str, value: &str) -> Result<(), String> {
        let n = self.n();
        if let Some(f) = StateField::parse(field) {
            let (lo, hi) = f.range();
            let x = number(value, lo, hi)?;
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
                let x = number(value, 0.0, 1.0)?;
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
                let x = if field == "lat" {
                    number(value, -90.0, 90.0)?
                } else {
                    number(value, -180.0, 180.0)?
                };
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
            "gdp" => self.states[i].gdp = Some(positive(value)?),
            _ => {
                let hint = suggestion(field, STATE_FIELDS);
                return Err(format!(
                    "unknown state field `{field}`{hint} (expected one of {})",
                    STATE_FIELDS.join(", ")
                ));
            }
        }
        Ok(())
    }

    fn set_pair(&mut self, i: usize, j: usize, field: &str, value: &str) -> Result<(), String> {
        let n = self.n();
        let (ij, ji) = (i * n + j, j * n + i);
        if let Some(f) = PairField::parse(field) {
            let (lo, hi) = f.range();
            let x = number(value, lo, hi)?;
            let m = match f {
                PairField::Trade => &mut self.trade,
                PairField::Mistrust => &mut self.mistrust,
                PairField::Affinity => &mut self.affinity,
                PairField::Alignment => &mut self.alignment,
            };
            m[ij] = x;
            m[ji] = x;
            return Ok(());
        }
        match field {
            "distance_km" => {
                let x = number(value, 0.0, 25_000.0)?;
                self.distance[ij] = x;
                self.distance[ji] = x;
                self.distance_derived[ij] = false;
                self.distance_derived[ji] = false;
            }
            "border" => {
                let b = match value {
                    "true" | "1" => true,
                    "false" | "0" => false,
                    _ => return Err(format!("expected true or false, found `{value}`")),
                };
                self.border[ij] = b;
                self.border[ji] = b;
            }
            _ => {
                let hint = suggestion(field, PAIR_FIELDS);
                return Err(format!(
                    "unknown pair field `{field}`{hint} (expected one of {})",
                    PAIR_FIELDS.join(", ")
                ));
            }
        }
        Ok(())
    }
}

fn number(value: &str, lo: f64, hi: f64) -> Result<f64, String> {
    let x: f64 = value
        .parse()
        .map_err(|_| format!("expected a number, found `{value}`"))?;
    if !x.is_finite() || x < lo || x > hi {
        let range = if hi >= f64::MAX {
            format!(">= {lo}")
        } else {
            format!("in [{lo}, {hi}]")
        };
        return Err(format!("expected a finite number {range}, found `{value}`"));
    }
    Ok(x)
}

fn positive(value: &str) -> Result<f64, String> {
    let x = number(value, 0.0, f64::MAX)?;
    if x == 0.0 {
        return Err(format!("expected a number > 0, found `{value}`"));
    }
    Ok(x)
}

#[cfg(test)]
mod tests {
    use crate::model::Theory;
    use crate::scenario::{FLAGSHIP_NAME, FLAGSHIP_TOML, parse};

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
        assert_eq!((s.params.w_d, s.params.eta), (0.0, 0.2));
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
        let err = |s: &mut crate::scenario::Scenario, a: &str| s.apply_set(a).unwrap_err();
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
