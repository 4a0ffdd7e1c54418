//! Model parameters, their defaults and ranges, and the theory presets.
//!
//! One list ([`PARAMS`]) drives the struct, the lookup by name used by
//! scenario files and `--set`, the range checks and the documentation table,
//! so the four cannot drift apart.

use std::fmt;

/// How the four threat sources are combined (MODEL.md, "Threat").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreatForm {
    /// `Phat^wP · prox^wD · O^wO · I^wI`, scaled to a reference level.
    Product,
    /// Weighted mean of the four sources.
    Sum,
}

impl ThreatForm {
    /// Parse `product` or `sum`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "product" => Some(Self::Product),
            "sum" => Some(Self::Sum),
            _ => None,
        }
    }

    /// The name used in files.
    pub fn name(self) -> &'static str {
        match self {
            Self::Product => "product",
            Self::Sum => "sum",
        }
    }
}

/// Description of one numeric parameter.
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    /// Name in scenario files and on the command line.
    pub name: &'static str,
    /// Default under the `walt` preset.
    pub default: f64,
    /// Smallest allowed value (inclusive).
    pub min: f64,
    /// Largest allowed value (inclusive).
    pub max: f64,
    /// Unit, or `-` for a dimensionless number.
    pub unit: &'static str,
    /// Symbol in `docs/model.md`'s formulas (empty for the thresholds, which have none).
    pub symbol: &'static str,
    /// A plain-language name, for readers who do not know the symbol (the report's table).
    pub label: &'static str,
    /// One-line meaning.
    pub meaning: &'static str,
}

impl ParamSpec {
    /// The unit in words: `dimensionless` for a pure number (`-` in the list).
    pub fn unit_words(&self) -> &'static str {
        if self.unit == "-" {
            "dimensionless"
        } else {
            self.unit
        }
    }
}

/// The plain-language name of `threat_form`, the one parameter that is not a number (the
/// report's table; see [`ParamSpec::label`]).
pub const THREAT_FORM_LABEL: &str = "form of threat";
/// What `threat_form` means (see [`ParamSpec::meaning`]).
pub const THREAT_FORM_MEANING: &str = "How the four threat sources combine: product (each source scales the others) or sum (a weighted mean).";

macro_rules! params {
    ($( $field:ident = $default:expr, [$min:expr, $max:expr], $unit:expr, $symbol:expr, $label:expr,
       $meaning:expr; )*) => {
        /// All numeric model parameters (see `docs/model.md` for each formula).
        #[derive(Debug, Clone, PartialEq)]
        pub struct Params {
            $( #[doc = $meaning] pub $field: f64, )*
            /// Product or sum form of threat.
            pub threat_form: ThreatForm,
        }

        /// The numeric parameters rounded to single precision, as the step uses them (the
        /// engine computes in `f32`; see `docs/model.md`, "Precision"). Made from [`Params`]
        /// with [`Params32::from`]; every comparison and formula of a run reads these.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Params32 {
            $( #[doc = $meaning] pub $field: f32, )*
            /// Product or sum form of threat.
            pub threat_form: ThreatForm,
        }

        impl From<&Params> for Params32 {
            fn from(p: &Params) -> Self {
                Self { $( $field: p.$field as f32, )* threat_form: p.threat_form }
            }
        }

        /// Every numeric parameter, in documentation order.
        pub const PARAMS: &[ParamSpec] = &[
            $( ParamSpec { name: stringify!($field), default: $default, min: $min, max: $max,
                           unit: $unit, symbol: $symbol, label: $label, meaning: $meaning }, )*
        ];

        impl Params {
            /// The `walt` defaults.
            pub fn walt() -> Self {
                Self { $( $field: $default, )* threat_form: ThreatForm::Product }
            }

            /// Mutable access by name; `None` for an unknown name.
            pub fn get_mut(&mut self, name: &str) -> Option<&mut f64> {
                match name {
                    $( stringify!($field) => Some(&mut self.$field), )*
                    _ => None,
                }
            }

            /// Value by name; `None` for an unknown name.
            pub fn get(&self, name: &str) -> Option<f64> {
                match name {
                    $( stringify!($field) => Some(self.$field), )*
                    _ => None,
                }
            }
        }
    };
}

params! {
    w_p = 1.0, [0.0, 10.0], "-", "wP", "power weight of threat",
        "Threat weight of aggregate (relative) power.";
    w_d = 1.0, [0.0, 10.0], "-", "wD", "proximity weight of threat",
        "Threat weight of geographic proximity.";
    w_o = 1.0, [0.0, 10.0], "-", "wO", "offence weight of threat",
        "Threat weight of offensive capability.";
    w_i = 1.0, [0.0, 10.0], "-", "wI", "intentions weight of threat",
        "Threat weight of perceived intentions.";
    lambda = 0.0, [0.0, 1.0], "-", "λ", "trade dampening of threat",
        "Liberal dampening of threat by trade dependence.";
    d0 = 1000.0, [1.0, 1.0e5], "km", "d0", "half-proximity distance",
        "Distance at which proximity halves.";
    border_factor = 0.5, [0.0, 1.0], "-", "b", "border shortening",
        "A shared land border shortens the distance between capitals by this factor (0: a border is contact, model v1's rule).";
    omega = 0.00479, [0.0, 100.0], "-", "ω", "reach of offence",
        "Reach: how far offensive capability stretches the distance over which a partner's capability halves (d0·(1 + omega·O)).";
    e0 = 0.05, [1.0e-6, 10.0], "-", "e0", "trade-dependence scale",
        "Trade/GDP ratio scale of trade dependence.";
    gamma = 0.5, [0.0, 10.0], "-", "γ", "weight of allies in camp threat",
        "Weight of a camp's allies in camp threat.";
    gamma_e = 0.727, [0.0, 10.0], "-", "γe", "extended deterrence",
        "Extended deterrence: weight of the threats to a state's allies in its own camp threat.";
    kappa_ref = 1.0, [1.0e-6, 100.0], "-", "κ_ref", "reference threat",
        "Reference threat for need.";
    theta_secure = 0.3, [0.0, 100.0], "-", "θ_secure", "security threshold",
        "Camp threat below which a state is secure.";
    eta = 0.0216, [0.0, 100.0], "1/year", "η", "speed of alignment",
        "Rate at which alignment moves toward the pair's common desire.";
    sigma_d = 0.105, [0.0, 100.0], "1/sqrt(year)", "σd", "noise of alignment",
        "Noise of alignment: standard deviation of its change over one year.";
    tau = 0.247, [0.0, 1.0], "-", "τ", "treaty stickiness",
        "Treaty stickiness: the fraction by which a binding treaty slows the fall of alignment.";
    beta_p = 2.02, [0.0, 100.0], "-", "βp", "value of a partner's capability",
        "Partner value: weight of the capability the partner brings against the threat.";
    beta_e = 2.0, [0.0, 100.0], "-", "βe", "value of trade ties",
        "Partner value: weight of trade dependence on the partner.";
    beta_f = 0.15, [0.0, 100.0], "-", "βf", "value of shared ideology",
        "Partner value: weight of ideological affinity.";
    beta_c = 0.156, [0.0, 100.0], "-", "βc", "value of a treaty",
        "Partner value: weight of a treaty commitment (the cost of breaking it).";
    beta_t = 0.445, [0.0, 100.0], "-", "βt", "hostility toward a threat",
        "Hostility: weight of the threat a state poses to another and its allies in the other's desire toward it.";
    beta_m = 2.04, [0.0, 100.0], "-", "βm", "cost of mistrust",
        "Partner value: penalty for historical mistrust.";
    beta_b = 0.5, [0.0, 100.0], "-", "βb", "pull of bandwagoning",
        "Weight of the bandwagon value.";
    beta_self = 1.0, [0.0, 100.0], "-", "βself", "pull of self-help",
        "Weight of self-help (arming alone), the alternative to bandwagoning when no ally is available.";
    zeta = 0.05, [0.0, 100.0], "1/year", "ζ", "gain of the intent spiral",
        "Gain of the intent spiral (hostility raises perceived intent).";
    xi = 0.2, [0.0, 100.0], "1/year", "ξ", "relaxation of intent",
        "Relaxation of perceived intent toward its baseline.";
    alliance_threshold = 0.6, [-1.0, 1.0], "-", "", "alliance threshold",
        "Alignment at or above which a pair counts as an alliance.";
    alignment_threshold = 0.2, [-1.0, 1.0], "-", "", "alignment threshold",
        "Alignment at or above which a pair counts as aligned.";
    rivalry_threshold = -0.2, [-1.0, 1.0], "-", "", "rivalry threshold",
        "Alignment at or below which a pair counts as a rivalry.";
}

/// The values of version 2's ten free parameters as they were set by hand, before the
/// calibration (docs/validation.md compares the two; hand-computed tests use them). Every
/// other parameter has its default.
pub const HAND_SET: [(&str, f64); 10] = [
    ("eta", 0.4),
    ("sigma_d", 0.1),
    ("tau", 0.8),
    ("beta_p", 1.0),
    ("beta_t", 0.5),
    ("beta_m", 1.0),
    ("beta_c", 0.5),
    ("beta_e", 0.5),
    ("gamma_e", 0.25),
    ("omega", 4.0),
];

/// The model version these parameters and the step implement (manifests record it).
pub const MODEL_VERSION: u32 = 2;

/// Parameters of model version 1 that version 2 no longer has, with what replaced them
/// (named in the error a v1 scenario or `--set` gets).
pub const REMOVED_V1: &[(&str, &str)] = &[
    (
        "rho",
        "alignment now moves toward the pair's desire at rate eta (no separate decay)",
    ),
    (
        "beta_s",
        "a shared threat no longer has a value of its own; what a partner brings against the threat (beta_p) replaced it",
    ),
];

/// A named theory preset (MODEL.md, "Theory presets").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Theory {
    /// Balance of threat (Walt 1987): the default.
    Walt,
    /// Balance of power (Waltz 1979): only aggregate power threatens.
    Waltz,
    /// Weak states join the threat more readily.
    Bandwagon,
    /// Interdependence dampens threat and attracts partners.
    Liberal,
}

impl Theory {
    /// All presets, in documentation order.
    pub const ALL: [Theory; 4] = [
        Theory::Walt,
        Theory::Waltz,
        Theory::Bandwagon,
        Theory::Liberal,
    ];

    /// Parse a preset name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == s)
    }

    /// The preset's name.
    pub fn name(self) -> &'static str {
        match self {
            Theory::Walt => "walt",
            Theory::Waltz => "waltz",
            Theory::Bandwagon => "bandwagon",
            Theory::Liberal => "liberal",
        }
    }

    /// One line for students.
    pub fn summary(self) -> &'static str {
        match self {
            Theory::Walt => {
                "balance of threat: power, proximity, offence and intentions all threaten"
            }
            Theory::Waltz => "balance of power: states balance the strongest, wherever it is",
            Theory::Bandwagon => {
                "bandwagoning: weak states join the threat instead of resisting it"
            }
            Theory::Liberal => {
                "liberal interdependence: trade dampens threat and attracts partners"
            }
        }
    }

    /// The preset's parameter values.
    pub fn params(self) -> Params {
        let mut p = Params::walt();
        match self {
            Theory::Walt => {}
            Theory::Waltz => {
                p.w_d = 0.0;
                p.w_o = 0.0;
                p.w_i = 0.0;
            }
            Theory::Bandwagon => p.beta_b = 2.0,
            Theory::Liberal => {
                p.lambda = 0.8;
                // Twice the calibrated weight of trade ties.
                p.beta_e *= 2.0;
            }
        }
        p
    }
}

impl fmt::Display for Theory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Params {
    /// Why the pair-class thresholds are inconsistent, if they are: they must satisfy
    /// `rivalry_threshold < alignment_threshold ≤ alliance_threshold`.
    pub fn threshold_problem(&self) -> Option<String> {
        let (al, ag, rv) = (
            self.alliance_threshold,
            self.alignment_threshold,
            self.rivalry_threshold,
        );
        (!(rv < ag && ag <= al)).then(|| {
            format!(
                "expected rivalry_threshold < alignment_threshold <= alliance_threshold, found {rv} / {ag} / {al}"
            )
        })
    }
}

impl Params {
    /// The `walt` defaults with the hand-set values of [`HAND_SET`] instead of the calibrated
    /// ones.
    pub fn hand_set() -> Self {
        let mut p = Self::walt();
        for (name, v) in HAND_SET {
            if let Some(x) = p.get_mut(name) {
                *x = v;
            }
        }
        p
    }
}

impl Default for Params {
    fn default() -> Self {
        Self::walt()
    }
}

/// Look up the spec of a numeric parameter.
pub fn spec(name: &str) -> Option<&'static ParamSpec> {
    PARAMS.iter().find(|s| s.name == name)
}

/// What replaced `name`, if it was a parameter of model v1 that v2 no longer has.
pub fn removed_v1(name: &str) -> Option<&'static str> {
    REMOVED_V1
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, why)| *why)
}

/// Every parameter name that `[params]` and `--set` accept.
pub fn names() -> impl Iterator<Item = &'static str> {
    PARAMS
        .iter()
        .map(|s| s.name)
        .chain(std::iter::once("threat_form"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_lie_in_their_ranges() {
        for s in PARAMS {
            assert!(s.min <= s.default && s.default <= s.max, "{}", s.name);
        }
    }

    #[test]
    fn presets_differ_only_where_the_spec_says() {
        let w = Theory::Walt.params();
        let z = Theory::Waltz.params();
        assert_eq!((z.w_p, z.w_d, z.w_o, z.w_i), (1.0, 0.0, 0.0, 0.0));
        assert_eq!(Theory::Bandwagon.params().beta_b, 2.0);
        let l = Theory::Liberal.params();
        assert_eq!((l.lambda, l.beta_e), (0.8, 2.0 * w.beta_e));
        assert_eq!(w, Params::walt());
        assert_eq!(w.get("eta"), Some(0.0216));
        let h = Params::hand_set();
        assert_eq!((h.eta, h.omega, h.w_d), (0.4, 4.0, w.w_d));
        assert!(w.get("nope").is_none());
    }

    /// docs/model.md's parameter table copies this list: the same names, in the same order,
    /// with the same symbol, unit and meaning (the report reads them from here).
    #[test]
    fn the_model_documents_every_parameter_as_listed() {
        let text = include_str!("../docs/model.md");
        let at = text.find("## 8. Parameters").expect("section 8");
        let rows: Vec<Vec<&str>> = text[at..]
            .lines()
            .skip_while(|l| !l.starts_with("| name | symbol |"))
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .map(|l| l.trim_matches('|').split(" | ").map(str::trim).collect())
            .filter(|r: &Vec<&str>| r[0] != "`threat_form`")
            .collect();
        assert_eq!(rows.len(), PARAMS.len(), "one row per parameter");
        for (row, spec) in rows.iter().zip(PARAMS) {
            assert_eq!(row[0], format!("`{}`", spec.name));
            assert_eq!(row[1], spec.symbol, "{}: symbol", spec.name);
            assert_eq!(row[4], spec.unit, "{}: unit", spec.name);
            assert_eq!(row[5], spec.meaning, "{}: meaning", spec.name);
            let num = |t: &str| -> f64 {
                t.trim()
                    .parse()
                    .unwrap_or_else(|_| panic!("{}: not a number: {t}", spec.name))
            };
            assert_eq!(num(row[2]), spec.default, "{}: default", spec.name);
            let range = row[3].trim_start_matches('[').trim_end_matches(']');
            let (lo, hi) = range.split_once(',').expect("a range [lo, hi]");
            assert_eq!(
                (num(lo), num(hi)),
                (spec.min, spec.max),
                "{}: range",
                spec.name
            );
        }
        for spec in PARAMS {
            assert!(
                !spec.label.is_empty() && !spec.meaning.is_empty(),
                "{}",
                spec.name
            );
        }
    }

    #[test]
    fn theory_names_round_trip() {
        for t in Theory::ALL {
            assert_eq!(Theory::parse(t.name()), Some(t));
        }
        assert_eq!(Theory::parse("realism"), None);
    }
}
