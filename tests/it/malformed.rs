//! `entente validate` on broken scenario files (`tests/it/malformed/`, one mistake each).
//!
//! Each test names a fixture and lists every diagnostic expected from it, as
//! (line, field path, phrase of the message). The check runs the binary and
//! requires exit status 2 and exactly those diagnostics: a fixture that also
//! produced a spurious follow-on error fails.

use std::path::Path;
use std::process::Command;

use super::repo;

/// One expected diagnostic: line, exact field path, a phrase its message contains.
type Expect<'a> = (usize, &'a str, &'a str);

/// Run `entente validate` on `fixture` and compare its diagnostics with `expected`.
fn check(fixture: &str, expected: &[Expect<'_>]) {
    let path = repo("tests/it/malformed").join(fixture);
    assert!(path.is_file(), "no fixture {}", path.display());
    let out = Command::new(env!("CARGO_BIN_EXE_entente"))
        .arg("validate")
        .arg(&path)
        .output()
        .expect("run entente");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{fixture}: expected exit status 2\nstderr:\n{stderr}"
    );
    let found = diagnostics(&stderr, &path);
    for &(line, field, phrase) in expected {
        assert!(
            found
                .iter()
                .any(|d| d.0 == line && d.1 == field && d.2.contains(phrase)),
            "{fixture}: expected `:{line}:` with field `{field}` and a message containing \
             {phrase:?}\nstderr:\n{stderr}"
        );
    }
    assert_eq!(
        found.len(),
        expected.len(),
        "{fixture}: expected {} diagnostics, found {}\nstderr:\n{stderr}",
        expected.len(),
        found.len()
    );
}

/// The `FILE:LINE:COL: FIELD: MESSAGE` lines of `stderr` as (line, field, message).
fn diagnostics<'s>(stderr: &'s str, path: &Path) -> Vec<(usize, &'s str, &'s str)> {
    let prefix = format!("{}:", path.display());
    stderr
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix(&prefix)?;
            let (line, rest) = rest.split_once(':')?;
            let (column, rest) = rest.split_once(": ")?;
            let (field, message) = rest.split_once(": ")?;
            column.parse::<usize>().ok()?;
            Some((line.parse().ok()?, field, message))
        })
        .collect()
}

// Shape: syntax, unknown and missing fields, types.

#[test]
fn toml_syntax_error() {
    check(
        "syntax-error.toml",
        &[(3, "scenario.name", "TOML syntax error")],
    );
}

#[test]
fn unknown_state_field_suggests_the_right_one() {
    check(
        "state-field-typo.toml",
        &[(14, "state.USA.agression", "did you mean `aggression`?")],
    );
}

#[test]
fn unknown_scenario_field() {
    check(
        "scenario-unknown-field.toml",
        &[(
            7,
            "scenario.seeed",
            "unknown field `seeed` in [scenario]; did you mean `seed`?",
        )],
    );
}

#[test]
fn unknown_top_level_table() {
    check(
        "unknown-table.toml",
        &[(24, "alliances", "unknown table `alliances`")],
    );
}

#[test]
fn key_above_the_first_header() {
    check(
        "top-level-key.toml",
        &[(2, "title", "unknown top-level key `title`")],
    );
}

#[test]
fn missing_offense() {
    check(
        "missing-offense.toml",
        &[(16, "state.CHN.offense", "missing required field `offense`")],
    );
}

#[test]
fn missing_lat() {
    check(
        "missing-lat.toml",
        &[(8, "state.USA.lat", "missing required field `lat`")],
    );
}

#[test]
fn missing_scenario_table() {
    check(
        "missing-scenario.toml",
        &[(1, "scenario", "missing the [scenario] table")],
    );
}

#[test]
fn wrong_type() {
    check(
        "wrong-type.toml",
        &[(
            14,
            "state.USA.aggression",
            "wrong type: found string \"high\", expected a number",
        )],
    );
}

#[test]
fn shape_mistakes_in_two_entries_are_both_reported() {
    check(
        "typos-in-two-states.toml",
        &[
            (14, "state.USA.agression", "did you mean `aggression`?"),
            (19, "state.CHN.offence", "did you mean `offense`?"),
        ],
    );
}

// States.

#[test]
fn no_states() {
    check(
        "no-states.toml",
        &[(1, "state", "declares no states: expected at least two")],
    );
}

#[test]
fn one_state() {
    check(
        "one-state.toml",
        &[(8, "state", "declares one state: expected at least two")],
    );
}

#[test]
fn duplicate_state_id() {
    check(
        "duplicate-state-id.toml",
        &[(
            25,
            "state.USA.id",
            "duplicate state id `USA` (first declared on line 9)",
        )],
    );
}

#[test]
fn each_duplicate_names_its_own_first_declaration() {
    check(
        "duplicate-state-ids-twice.toml",
        &[
            (
                25,
                "state.USA.id",
                "duplicate state id `USA` (first declared on line 9)",
            ),
            (
                41,
                "state.RUS.id",
                "duplicate state id `RUS` (first declared on line 33)",
            ),
        ],
    );
}

#[test]
fn aggression_above_one() {
    check(
        "aggression-out-of-range.toml",
        &[(14, "state.USA.aggression", "in [0, 1], found 1.5")],
    );
}

#[test]
fn latitude_beyond_the_pole() {
    check(
        "lat-out-of-range.toml",
        &[(20, "state.CHN.lat", "in [-90, 90], found 100")],
    );
}

#[test]
fn nan_value() {
    check(
        "nan-value.toml",
        &[(
            11,
            "state.USA.offense",
            "expected a finite number in (0, 1], found nan",
        )],
    );
}

#[test]
fn inf_value() {
    check(
        "inf-value.toml",
        &[(
            18,
            "state.CHN.power",
            "expected a finite number in (0, 1e12], found inf",
        )],
    );
}

// Pairs.

#[test]
fn pair_with_an_unknown_state_suggests_the_right_one() {
    check(
        "pair-unknown-state.toml",
        &[(
            25,
            "pair.USA-CHM.states",
            "unknown state `CHM`; did you mean `CHN`?",
        )],
    );
}

#[test]
fn duplicate_pair() {
    check(
        "duplicate-pair.toml",
        &[(
            29,
            "pair.USA-CHN.states",
            "duplicate pair USA-CHN (first listed on line 24)",
        )],
    );
}

#[test]
fn duplicate_pair_in_reverse_order() {
    check(
        "duplicate-pair-reversed.toml",
        &[(
            29,
            "pair.CHN-USA.states",
            "duplicate pair CHN-USA (first listed on line 24)",
        )],
    );
}

#[test]
fn pair_of_a_state_with_itself() {
    check(
        "pair-with-itself.toml",
        &[(25, "pair.CHN-CHN.states", "with itself")],
    );
}

#[test]
fn negative_mistrust() {
    check(
        "mistrust-negative.toml",
        &[(26, "pair.USA-CHN.mistrust", "in [0, 1], found -0.1")],
    );
}

#[test]
fn treaty_outside_zero_one_in_the_file_and_in_a_set_effect() {
    check(
        "treaty-out-of-range.toml",
        &[
            (
                26,
                "pair.USA-CHN.treaty",
                "expected a number in [0, 1], found 1.5",
            ),
            (
                32,
                "event.pact.effects[0].value",
                "expected a number in [0, 1], found 2",
            ),
        ],
    );
}

#[test]
fn affinity_above_one() {
    check(
        "affinity-out-of-range.toml",
        &[(26, "pair.USA-CHN.affinity", "in [-1, 1], found 2")],
    );
}

// Intents.

#[test]
fn duplicate_intent() {
    check(
        "duplicate-intent.toml",
        &[(
            29,
            "intent.USA-CHN",
            "duplicate intent USA-CHN (first listed on line 24)",
        )],
    );
}

#[test]
fn intent_toward_itself() {
    check(
        "intent-toward-itself.toml",
        &[(26, "intent.CHN-CHN.to", "toward itself")],
    );
}

// Events.

#[test]
fn event_naming_an_unknown_state() {
    check(
        "event-unknown-state.toml",
        &[(
            28,
            "event.sanctions.effects[0].target",
            "unknown state `IRN`",
        )],
    );
}

#[test]
fn effect_on_an_unknown_field() {
    check(
        "effect-unknown-field.toml",
        &[(
            28,
            "event.tariffs.effects[0].target",
            "unknown pair field `trades` for events; did you mean `trade`?",
        )],
    );
}

#[test]
fn effect_on_aggression_points_to_intents() {
    check(
        "effect-aggression.toml",
        &[(
            28,
            "event.hawks.effects[0].target",
            "use `intent.<FROM>-<TO>`",
        )],
    );
}

#[test]
fn effect_with_an_unknown_op() {
    check(
        "effect-unknown-op.toml",
        &[(
            28,
            "event.tariffs.effects[0].op",
            "unknown operation `multiply` (expected set, add or mul)",
        )],
    );
}

#[test]
fn set_effect_outside_the_target_range() {
    check(
        "effect-set-out-of-range.toml",
        &[(
            28,
            "event.collapse.effects[0].value",
            "expected a number in (0, 1e12], found -1",
        )],
    );
}

#[test]
fn event_with_both_at_and_hazard() {
    check(
        "event-at-and-hazard.toml",
        &[(27, "event.crisis.hazard", "not both")],
    );
}

#[test]
fn event_with_neither_at_nor_hazard() {
    check(
        "event-no-trigger.toml",
        &[(25, "event.crisis.at", "missing trigger")],
    );
}

#[test]
fn event_after_the_horizon() {
    check(
        "event-at-outside-horizon.toml",
        &[(26, "event.late crisis.at", "in [2018, 2027.5], found 2030")],
    );
}

#[test]
fn event_before_the_start() {
    check(
        "event-at-before-start.toml",
        &[(
            26,
            "event.early crisis.at",
            "in [2018, 2027.5], found 2017.5",
        )],
    );
}

// Scenario settings, parameters, power.

#[test]
fn thresholds_out_of_order_are_rejected() {
    check(
        "thresholds-out-of-order.toml",
        &[(
            25,
            "params.alliance_threshold",
            "expected rivalry_threshold < alignment_threshold",
        )],
    );
}

#[test]
fn unknown_parameter_suggests_the_right_one() {
    check(
        "param-unknown.toml",
        &[(
            25,
            "params.etaa",
            "unknown model parameter `etaa`; did you mean `eta`?",
        )],
    );
}

#[test]
fn unknown_theory() {
    check(
        "theory-unknown.toml",
        &[(7, "scenario.theory", "unknown theory `realism`")],
    );
}

#[test]
fn dt_that_does_not_divide_the_horizon() {
    check(
        "dt-not-dividing-horizon.toml",
        &[(
            6,
            "scenario.dt",
            "must be a whole number of steps of dt (0.3)",
        )],
    );
}

#[test]
fn bad_years_are_not_blamed_on_dt_or_events() {
    check(
        "bad-years-no-cascade.toml",
        &[
            (4, "scenario.start_year", "in [-10000, 10000], found 1e9"),
            (5, "scenario.horizon", "in (0, 1000], found -5"),
        ],
    );
}

#[test]
fn weighted_component_missing_in_a_state() {
    check(
        "power-missing-component.toml",
        &[(
            21,
            "state.CHN.components.milex",
            "missing component `milex`",
        )],
    );
}

#[test]
fn power_given_with_a_power_table() {
    check(
        "power-and-power-table.toml",
        &[(
            21,
            "state.CHN.power",
            "computed from components because the [power] table is present",
        )],
    );
}

// Several independent problems: all of them, not only the first.

#[test]
fn every_independent_problem_is_reported() {
    check(
        "several-problems.toml",
        &[
            (7, "scenario.theory", "unknown theory `realist`"),
            (15, "state.USA.aggression", "in [0, 1], found 1.5"),
            (36, "pair.CHN-RUS.mistrust", "in [0, 1], found -0.1"),
            (39, "pair.USA-IRN.states", "unknown state `IRN`"),
            (
                46,
                "intent.USA-RUS",
                "duplicate intent USA-RUS (first listed on line 41)",
            ),
            (53, "event.late crisis.at", "in [2018, 2027.5], found 2040"),
            (59, "params.etaa", "did you mean `eta`?"),
        ],
    );
}

/// Every fixture has a test above: a new file without one would check nothing.
#[test]
fn every_fixture_is_checked() {
    let this = std::fs::read_to_string(repo("tests/it/malformed.rs")).expect("read malformed.rs");
    let dir = repo("tests/it/malformed");
    let mut unchecked = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("read the fixtures folder") {
        let name = entry.expect("fixture entry").file_name();
        let name = name.to_string_lossy().into_owned();
        if !this.contains(&format!("\"{name}\"")) {
            unchecked.push(name);
        }
    }
    assert!(unchecked.is_empty(), "fixtures with no test: {unchecked:?}");
}

/// Only a regular file of at most 16 MiB is read as a scenario: a device, a folder, a pipe
/// (which would block the reader forever) and a huge file are refused at once, naming the path.
#[test]
fn non_files_and_huge_files_are_refused_before_reading() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().display().to_string();
    super::fails(
        "a folder",
        &["validate", &dir],
        &format!("{dir}: cannot read the scenario file: not a regular file"),
    );
    #[cfg(unix)]
    {
        super::fails(
            "a device",
            &["validate", "/dev/zero"],
            "/dev/zero: cannot read the scenario file: not a regular file",
        );
        let fifo = home.path().join("pipe.toml");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo");
        assert!(made.success());
        super::fails(
            "a pipe",
            &["run", fifo.to_str().unwrap(), "--runs", "1"],
            "pipe.toml: cannot read the scenario file: not a regular file",
        );
    }
    let big = home.path().join("big.toml");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(entente::scenario::MAX_FILE_BYTES + 1).unwrap();
    super::fails(
        "a huge file",
        &["validate", big.to_str().unwrap()],
        "big.toml: cannot read the scenario file: larger than 16 MiB",
    );
}

/// Terminal control characters never reach stderr raw: not from a scenario's text (refused,
/// naming the field), a path, a flag or a `--set` value (shown as `\u{1b}`).
#[test]
fn control_characters_are_refused_or_shown_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let flagship = std::fs::read_to_string(repo("scenarios/tutorial/security-dilemma.toml"))
        .expect("tutorial scenario");
    // A TOML escape puts ESC [2J (clear the screen) into the scenario's title.
    let evil = flagship.replacen(
        "title = \"Two-state security dilemma\"",
        "title = \"a\\u001b[2Jb\"",
        1,
    );
    assert_ne!(evil, flagship);
    let bad = t.join("evil.toml");
    std::fs::write(&bad, &evil).unwrap();
    let esc = "\u{1b}";
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["validate".into(), bad.display().to_string()],
            "scenario.title: text with the control character U+001B",
        ),
        (
            vec!["validate".into(), format!("x{esc}[2Jy.toml")],
            "x\\u{1b}[2Jy.toml",
        ),
        (
            // clap drops escape sequences from what it echoes.
            vec!["run".into(), "--runs".into(), format!("5{esc}[31m")],
            "invalid value '5",
        ),
        (
            vec!["explain".into(), "--set".into(), format!("eta=0.{esc}[2J")],
            "\\u{1b}[2J",
        ),
        (
            vec![
                "explain".into(),
                "--set".into(),
                format!("state.X{esc}]0;pwned\u{7}.power=1"),
            ],
            "\\u{1b}]0;pwned\\u{7}",
        ),
    ];
    for (args, expected) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = Command::new(env!("CARGO_BIN_EXE_entente"))
            .current_dir(t)
            .args(&args)
            .output()
            .unwrap();
        let e = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {e}");
        assert!(
            !e.contains(esc) && !e.contains('\u{7}'),
            "{args:?}: raw control bytes:\n{e:?}"
        );
        assert!(
            e.contains(expected),
            "{args:?}: expected {expected:?} in\n{e}"
        );
    }
}
