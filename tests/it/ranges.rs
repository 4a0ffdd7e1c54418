//! One table of bounds for every state, pair and intent value: a scenario file, `--set` and an
//! event effect's `set` accept or refuse the same values, just inside and just outside each
//! bound (`scenario::STATE_BOUNDS`, `PAIR_BOUNDS`, `INTENT_BOUNDS`).

use entente::scenario::{
    self, Bounds, INTENT_BOUNDS, PAIR_BOUNDS, PairField, STATE_BOUNDS, StateField,
};

/// A two-state scenario; `state`, `pair` and `intent` are extra lines of the first state, of
/// the pair and of the intent AAA→BBB, `events` whole tables.
fn scenario(state: &str, pair: &str, intent: &str, events: &str) -> String {
    let field = |line: &str, key: &str, default: &str| {
        if line.starts_with(&format!("{key} =")) {
            String::new()
        } else {
            format!("{key} = {default}\n")
        }
    };
    // The first state's required fields, unless the line under test gives one of them.
    let required: String = [
        ("power", "1.0"),
        ("offense", "0.5"),
        ("lat", "10.0"),
        ("lon", "20.0"),
        ("aggression", "0.3"),
    ]
    .iter()
    .map(|(k, v)| field(state, k, v))
    .collect();
    format!(
        "[scenario]\nname = \"bounds\"\nstart_year = 2000\n\n\
         [[state]]\nid = \"AAA\"\n{required}{state}\n\n\
         [[state]]\nid = \"BBB\"\npower = 2.0\noffense = 0.5\nlat = 0.0\nlon = 0.0\naggression = 0.2\n\n\
         [[pair]]\nstates = [\"AAA\", \"BBB\"]\n{pair}\n\n\
         [[intent]]\nfrom = \"AAA\"\nto = \"BBB\"\n{intent}\n\n{events}"
    )
}

/// Values just inside and just outside each bound, with whether the bounds hold them.
fn probes(b: Bounds) -> Vec<(f64, bool)> {
    let mut v = vec![
        (b.low, !b.low_open),
        (b.low.next_up(), true),
        (b.low.next_down(), false),
        (b.high, true),
        (b.high.next_down(), true),
        (b.high.next_up(), false),
        (f64::MAX, b.high == f64::MAX),
        (-f64::MAX, false),
    ];
    if b.low == 0.0 {
        // The smallest positive number (subnormal): positive, so inside `(0, hi]` too.
        v.push((5e-324, true));
    }
    v
}

/// The number as TOML and as `--set` read it back exactly.
fn text(x: f64) -> String {
    let t = format!("{x:?}");
    assert_eq!(t.parse::<f64>().unwrap(), x);
    t
}

fn file_accepts(text: &str) -> bool {
    scenario::parse(text, "bounds.toml").is_ok()
}

fn set_accepts(path: &str, value: &str) -> bool {
    let mut s = scenario::parse(&scenario("", "", "value = 0.5", ""), "base.toml").expect("base");
    s.apply_set(&format!("{path}={value}")).is_ok()
}

/// An event setting `target` to `value` (the file's other values valid).
fn effect(target: &str, value: &str) -> String {
    format!(
        "[[event]]\nname = \"e\"\nat = 2001.0\neffects = [{{ target = \"{target}\", op = \"set\", value = {value} }}]\n"
    )
}

#[test]
fn the_base_scenario_is_valid() {
    let base = scenario("", "", "value = 0.5", "");
    scenario::parse(&base, "base.toml").unwrap_or_else(|e| panic!("{e}\n{base}"));
}

#[test]
fn files_set_and_effects_accept_the_same_state_values() {
    for (name, b) in STATE_BOUNDS {
        for (x, inside) in probes(b) {
            let v = text(x);
            let file = file_accepts(&scenario(&format!("{name} = {v}"), "", "value = 0.5", ""));
            let set = set_accepts(&format!("state.AAA.{name}"), &v);
            assert_eq!(
                (file, set),
                (inside, inside),
                "state.{name} = {v}: (file, --set) accept, expected {inside}"
            );
            if StateField::parse(name).is_some() {
                let ev = effect(&format!("state.AAA.{name}"), &v);
                let accepted = file_accepts(&scenario("", "", "value = 0.5", &ev));
                assert_eq!(accepted, inside, "effect set state.AAA.{name} = {v}");
            }
        }
    }
}

#[test]
fn files_set_and_effects_accept_the_same_pair_and_intent_values() {
    for (name, b) in PAIR_BOUNDS {
        for (x, inside) in probes(b) {
            let v = text(x);
            let file = file_accepts(&scenario("", &format!("{name} = {v}"), "value = 0.5", ""));
            let set = set_accepts(&format!("pair.AAA-BBB.{name}"), &v);
            assert_eq!(
                (file, set),
                (inside, inside),
                "pair.{name} = {v}: (file, --set) accept, expected {inside}"
            );
            if PairField::parse(name).is_some() {
                let ev = effect(&format!("pair.AAA-BBB.{name}"), &v);
                let accepted = file_accepts(&scenario("", "", "value = 0.5", &ev));
                assert_eq!(accepted, inside, "effect set pair.AAA-BBB.{name} = {v}");
            }
        }
    }
    for (x, inside) in probes(INTENT_BOUNDS) {
        let v = text(x);
        let file = file_accepts(&scenario("", "", &format!("value = {v}"), ""));
        let set = set_accepts("intent.AAA-BBB", &v);
        assert_eq!((file, set), (inside, inside), "intent = {v}");
        for target in ["intent.AAA-BBB", "baseline.AAA-BBB"] {
            let accepted = file_accepts(&scenario("", "", "value = 0.5", &effect(target, &v)));
            assert_eq!(accepted, inside, "effect set {target} = {v}");
        }
    }
}

/// The cases of the issue, and how both paths word the bounds.
#[test]
fn the_reported_disagreements_are_gone() {
    assert!(!set_accepts("state.AAA.gdp", "1e308"));
    assert!(!set_accepts("pair.AAA-BBB.trade", "1e308"));
    assert!(set_accepts("state.AAA.power", "5e-324"));
    assert!(file_accepts(&scenario(
        "power = 5e-324",
        "",
        "value = 0.5",
        ""
    )));
    let mut s = scenario::parse(&scenario("", "", "value = 0.5", ""), "base.toml").unwrap();
    let e = s.apply_set("state.AAA.gdp=1e308").unwrap_err().to_string();
    assert!(e.contains("in (0, 1e9]"), "{e}");
    let e = scenario::parse(&scenario("gdp = 1e308", "", "value = 0.5", ""), "f.toml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("in (0, 1e9], found 1e308"), "{e}");
}
