//! Fuzz target `set`: `--theory` and `--set PATH=VALUE` applied to the built-in flagship.
//!
//! The input is text, one choice per line: a first line `--theory NAME` chooses a theory
//! preset, every other line is one `--set` assignment. Applying them must succeed or give an
//! error, never panic. After each assignment that succeeds, `value_at` must read back what it
//! wrote; when all succeed, the scenario must still hold what validation promises (every
//! value within the bounds scenario files are checked against, symmetric pair values,
//! distances derived from coordinates consistent with them, consistent thresholds), and
//! applying the same choices at once (`apply_choices`, as the commands do) must give the same
//! scenario.
#![no_main]

use std::sync::LazyLock;

use entente::params::{self, ThreatForm};
use entente::scenario::target::state_bounds;
use entente::scenario::{self, INTENT_BOUNDS, PAIR_BOUNDS, STATE_BOUNDS, Scenario, geo};
use libfuzzer_sys::fuzz_target;

/// The flagship, parsed and validated once.
static FLAGSHIP: LazyLock<Scenario> =
    LazyLock::new(|| scenario::load_or_flagship(None).expect("the built-in flagship is valid"));

/// At most this many assignments are applied (each is cheap; the bound keeps runs short).
const MAX_ASSIGNMENTS: usize = 64;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut lines: Vec<&str> = text.split('\n').collect();
    let theory = match lines.first().and_then(|l| l.strip_prefix("--theory ")) {
        Some(t) => {
            let t = t.to_string();
            lines.remove(0);
            Some(t)
        }
        None => None,
    };
    if lines.len() > MAX_ASSIGNMENTS {
        return;
    }
    let set: Vec<String> = lines.iter().map(|l| l.to_string()).collect();

    // One choice at a time, each read back.
    let mut stepwise = FLAGSHIP.clone();
    let mut all_ok = match &theory {
        Some(t) => stepwise.apply_choices(Some(t), &[]).is_ok(),
        None => true,
    };
    if all_ok {
        for a in &set {
            match stepwise.apply_set(a) {
                Ok(()) => reads_back(&stepwise, a),
                Err(e) => {
                    let _ = e.to_string();
                    all_ok = false;
                    break;
                }
            }
        }
    }

    // All at once, as the commands apply them.
    let mut at_once = FLAGSHIP.clone();
    let result = at_once.apply_choices(theory.as_deref(), &set);
    assert_eq!(
        result.is_ok(),
        all_ok,
        "apply_choices and apply_set disagree"
    );
    if let Err(e) = result {
        let _ = e.to_string();
        return;
    }
    assert!(
        at_once == stepwise,
        "the same choices gave different scenarios"
    );
    holds_bounds(&at_once);
});

/// `value_at` of the assignment's path gives the value it set.
fn reads_back(s: &Scenario, assignment: &str) {
    let Some((path, value)) = assignment.split_once('=') else {
        panic!("`{assignment}` was applied without `=`");
    };
    let (path, value) = (path.trim(), value.trim());
    let got = s
        .value_at(path)
        .unwrap_or_else(|e| panic!("--set {assignment} applied, but value_at fails: {e}"));
    let same = if path.ends_with(".border") {
        let want = matches!(value, "true" | "1");
        got == want.to_string()
    } else if path == "threat_form" {
        ThreatForm::parse(value).map(ThreatForm::name) == Some(got.as_str())
    } else {
        value.parse::<f64>().ok() == got.parse::<f64>().ok()
    };
    assert!(same, "--set {assignment} reads back as {got}");
}

/// Every value within the bounds scenario files are checked against, pair values symmetric,
/// derived distances consistent with the capitals, thresholds in order.
fn holds_bounds(s: &Scenario) {
    let n = s.n();
    let within = |field: &str, x: f64| {
        let b = state_bounds(field).expect("a state field of the bounds table");
        assert!(b.contains(x), "state {field} {x} outside{}", b.text());
    };
    assert_eq!(STATE_BOUNDS.len(), 9);
    for st in &s.states {
        within("power", st.power);
        within("offense", st.offense);
        within("growth", st.growth);
        within("volatility", st.volatility);
        within("autonomy", st.autonomy);
        within("aggression", st.aggression);
        within("lat", st.lat);
        within("lon", st.lon);
        if let Some(g) = st.gdp {
            within("gdp", g);
        }
    }
    for (field, b) in PAIR_BOUNDS {
        let m = match field {
            "trade" => &s.trade,
            "mistrust" => &s.mistrust,
            "affinity" => &s.affinity,
            "alignment" => &s.alignment,
            "treaty" => &s.treaty,
            "distance_km" => &s.distance,
            _ => panic!("pair field {field} not checked"),
        };
        for i in 0..n {
            for k in (0..n).filter(|&k| k != i) {
                let (x, y) = (m[i * n + k], m[k * n + i]);
                assert!(b.contains(x), "pair {field} {x} outside{}", b.text());
                assert!(x == y, "pair {field} not symmetric: {x} / {y}");
            }
        }
    }
    for i in 0..n {
        for k in (0..n).filter(|&k| k != i) {
            let (ik, ki) = (i * n + k, k * n + i);
            assert_eq!(s.border[ik], s.border[ki]);
            assert_eq!(s.trade_known[ik], s.trade_known[ki]);
            assert_eq!(s.distance_derived[ik], s.distance_derived[ki]);
            let x = s.intent[ik];
            assert!(INTENT_BOUNDS.contains(x), "intent {x} outside [0, 1]");
            if s.distance_derived[ik] {
                let (a, c) = (&s.states[i], &s.states[k]);
                let d = geo::haversine_km(a.lat, a.lon, c.lat, c.lon);
                assert!(
                    s.distance[ik] == d,
                    "derived distance {} is not that of the capitals, {d}",
                    s.distance[ik]
                );
            }
        }
    }
    for spec in params::PARAMS {
        let x = s.params.get(spec.name).expect("a listed parameter");
        assert!(
            x.is_finite() && spec.min <= x && x <= spec.max,
            "{} = {x} outside [{}, {}]",
            spec.name,
            spec.min,
            spec.max
        );
    }
    assert!(s.params.threshold_problem().is_none());
}
