//! Experiment files: a sweep written down (`entente sweep EXPERIMENT.toml`).
//!
//! ```toml
//! [experiment]
//! scenario = "../vostok-2018.toml"   # relative to this file; absent: the built-in flagship
//! design = "morris:10"
//! runs = 1000
//! seed = 1
//! pairs = ["CHN-RUS", "USA-CHN"]
//!
//! [[factor]]
//! path = "pair.CHN-RUS.mistrust"
//! low = 0.2
//! high = 0.8
//!
//! [[factor]]
//! path = "theory"
//! values = ["walt", "waltz"]
//! ```
//!
//! Problems are reported like those of scenario files: `FILE:LINE:COL: FIELD: MESSAGE`.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::design::{Design, Factor, Levels, Value};
use crate::scenario::{Collector, Diagnostics};

/// An experiment, read and checked (factor paths are checked against the scenario later).
#[derive(Debug, Clone, PartialEq)]
pub struct Experiment {
    /// The scenario file, resolved against the experiment file's folder; `None`: the flagship.
    pub scenario: Option<PathBuf>,
    /// The design.
    pub design: Design,
    /// The design as written (`morris:10`).
    pub design_text: String,
    /// Runs per point, if given.
    pub runs: Option<u64>,
    /// Seed, if given.
    pub seed: Option<u64>,
    /// Theory preset, if given.
    pub theory: Option<String>,
    /// `--set` assignments applied to every point.
    pub set: Vec<String>,
    /// Pairs recorded (`A-B`); empty: all.
    pub pairs: Vec<String>,
    /// The factors.
    pub factors: Vec<Factor>,
    /// `(line, column)` of each factor's `path`, for located messages.
    pub factor_places: Vec<(usize, usize)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    experiment: Spanned<RawExperiment>,
    #[serde(default)]
    factor: Vec<Spanned<RawFactor>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExperiment {
    scenario: Option<Spanned<String>>,
    design: Spanned<String>,
    runs: Option<Spanned<i64>>,
    seed: Option<Spanned<i64>>,
    theory: Option<Spanned<String>>,
    #[serde(default)]
    set: Vec<Spanned<String>>,
    #[serde(default)]
    pairs: Vec<Spanned<String>>,
    #[allow(dead_code)]
    source: Option<String>,
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFactor {
    path: Spanned<String>,
    low: Option<Spanned<f64>>,
    high: Option<Spanned<f64>>,
    values: Option<Spanned<Vec<toml::Value>>>,
    #[allow(dead_code)]
    source: Option<String>,
    #[allow(dead_code)]
    note: Option<String>,
}

/// Whether TOML text is an experiment file (it has an `[experiment]` table) rather than a
/// scenario.
pub fn is_experiment(text: &str) -> bool {
    text.lines().any(|l| l.trim() == "[experiment]")
}

/// Parse and check an experiment file; `file` names it in messages, `dir` is its folder.
pub fn parse(text: &str, file: &str, dir: &Path) -> Result<Experiment, Diagnostics> {
    let mut c = Collector::new(text);
    let raw: RawFile = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            let msg = e.message().replace('\n', " ");
            c.error(span, "experiment", msg.trim().to_string());
            return Err(c.finish(file));
        }
    };
    // Text that would act on a terminal or reorder what a reader sees is refused anywhere
    // in the file, as in scenario files (notes and sources included).
    if let Ok(doc) = toml::de::DeTable::parse(text) {
        let mut ok = true;
        for (key, value) in doc.get_ref() {
            crate::scenario::hidden_controls(&mut c, value, key.get_ref(), &mut ok);
        }
        if !ok {
            return Err(c.finish(file));
        }
    }
    let x_span = raw.experiment.span();
    let x = raw.experiment.into_inner();
    let design_text = x.design.get_ref().trim().to_string();
    let design = match Design::parse(&design_text) {
        Ok(d) => Some(d),
        Err(e) => {
            c.error(x.design.span(), "experiment.design", e);
            None
        }
    };
    let runs = count(&mut c, &x.runs, "runs", 1);
    let seed = count(&mut c, &x.seed, "seed", 0);
    if raw.factor.is_empty() {
        c.error(
            x_span,
            "factor",
            "no [[factor]]: expected at least one factor to vary",
        );
    }
    let mut factors = Vec::new();
    let mut factor_places = Vec::new();
    for (k, f) in raw.factor.iter().enumerate() {
        if let Some((factor, place)) = read_factor(k, f, &mut c) {
            factors.push(factor);
            factor_places.push(place);
        }
    }
    let strings = |v: &[Spanned<String>]| -> Vec<String> {
        v.iter().map(|s| s.get_ref().trim().to_string()).collect()
    };
    let set = strings(&x.set);
    for s in &x.set {
        if !s.get_ref().contains('=') {
            c.error(
                s.span(),
                "experiment.set",
                format!("expected PATH=VALUE, found `{}`", s.get_ref()),
            );
        }
    }
    let scenario = x.scenario.as_ref().map(|s| dir.join(s.get_ref()));
    if let Some(s) = &x.scenario {
        check_scenario(s, dir, &mut c);
    }
    let Some(design) = design.filter(|_| c.is_empty()) else {
        return Err(c.finish(file));
    };
    Ok(Experiment {
        scenario,
        design,
        design_text,
        runs,
        seed,
        theory: x.theory.map(|t| t.into_inner()),
        set,
        pairs: strings(&x.pairs),
        factors,
        factor_places,
    })
}

/// `experiment.<name>`, a count of at least `min`, if given and valid.
fn count(c: &mut Collector<'_>, v: &Option<Spanned<i64>>, name: &str, min: i64) -> Option<u64> {
    v.as_ref().and_then(|s| {
        if *s.get_ref() < min {
            c.error(
                s.span(),
                format!("experiment.{name}"),
                format!("expected an integer >= {min}, found {}", s.get_ref()),
            );
            None
        } else {
            Some(*s.get_ref() as u64)
        }
    })
}

/// The scenario file named by `experiment.scenario` exists (relative to `dir`).
fn check_scenario(s: &Spanned<String>, dir: &Path, c: &mut Collector<'_>) {
    if dir.join(s.get_ref()).is_file() {
        return;
    }
    c.error(
        s.span(),
        "experiment.scenario",
        format!(
            "no scenario file `{}` (paths are relative to the experiment file's folder, {})",
            s.get_ref(),
            if dir.as_os_str().is_empty() {
                ".".into()
            } else {
                dir.display().to_string()
            }
        ),
    );
}

/// The `k`-th `[[factor]]`, checked, and the `(line, column)` of its path; `None` when it
/// has a problem (recorded).
fn read_factor(
    k: usize,
    f: &Spanned<RawFactor>,
    c: &mut Collector<'_>,
) -> Option<(Factor, (usize, usize))> {
    let span = f.span();
    let f = f.get_ref();
    let path = f.path.get_ref().trim().to_string();
    let field = format!("factor[{k}]");
    let levels = match (&f.low, &f.high, &f.values) {
        (Some(lo), Some(hi), None) => {
            let (l, h) = (*lo.get_ref(), *hi.get_ref());
            if !(l.is_finite() && h.is_finite()) || l >= h {
                c.error(
                    lo.span(),
                    format!("{field}.low"),
                    format!("expected finite numbers with low < high, found low {l}, high {h}"),
                );
                None
            } else {
                Some(Levels::Range { low: l, high: h })
            }
        }
        (None, None, Some(values)) => list_levels(values, &field, c),
        _ => {
            c.error(
                span,
                field.clone(),
                "expected either `low` and `high` (a range) or `values` (a list)",
            );
            None
        }
    }?;
    // The same checks as `--vary`, through its parser.
    let spec = match &levels {
        Levels::Range { low, high } => format!("{path}={low}:{high}"),
        Levels::List(v) => format!(
            "{path}={}",
            v.iter().map(Value::text).collect::<Vec<_>>().join(",")
        ),
    };
    match Factor::parse(&spec) {
        Ok(parsed) => Some((
            Factor {
                path: parsed.path,
                levels,
            },
            c.map.position(f.path.span().start),
        )),
        Err(e) => {
            c.error(f.path.span(), format!("{field}.path"), e);
            None
        }
    }
}

/// The `values` of factor `field`: numbers or strings (booleans as text), at least 2.
fn list_levels(
    values: &Spanned<Vec<toml::Value>>,
    field: &str,
    c: &mut Collector<'_>,
) -> Option<Levels> {
    let mut out = Vec::new();
    let mut ok = true;
    for v in values.get_ref() {
        match v {
            toml::Value::Float(x) if x.is_finite() => out.push(Value::Number(*x)),
            toml::Value::Integer(i) => out.push(Value::Number(*i as f64)),
            toml::Value::String(s) => out.push(Value::Text(s.clone())),
            toml::Value::Boolean(b) => out.push(Value::Text(b.to_string())),
            other => {
                ok = false;
                c.error(
                    values.span(),
                    format!("{field}.values"),
                    format!(
                        "expected numbers or strings, found `{}`",
                        other.to_string().chars().take(40).collect::<String>()
                    ),
                );
            }
        }
    }
    if ok && out.len() < 2 {
        c.error(
            values.span(),
            format!("{field}.values"),
            format!("expected at least 2 values, found {}", out.len()),
        );
        ok = false;
    }
    ok.then_some(Levels::List(out))
}
