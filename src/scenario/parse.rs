//! TOML text -> [`RawScenario`], reporting every shape problem (syntax, unknown
//! or missing fields, wrong types) with the path of the field, e.g.
//! `state.USA.agression`.
//!
//! serde stops at the first error of a document and does not say which entry of
//! an array it was in. So the document is first parsed into a spanned tree, and
//! each table (`[scenario]`, each `[[state]]`, each `[[event]]`, ...) is then
//! deserialized on its own: a mistake in one entry does not hide a mistake in
//! another, and the entry's id (or pair, or name) names it in the message.

use std::ops::Range;

use serde::Deserialize as _;
use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::diag::{Collector, suggestion};
use super::raw::{RawScenario, S};

/// The tables a scenario file may have: key and how it is written.
const TABLES: [(&str, &str); 7] = [
    ("scenario", "[scenario]"),
    ("power", "[power]"),
    ("state", "[[state]]"),
    ("pair", "[[pair]]"),
    ("intent", "[[intent]]"),
    ("event", "[[event]]"),
    ("params", "[params]"),
];

type Tree<'i> = Spanned<DeValue<'i>>;

/// What shape problems dropped from a [`RawScenario`]: the entries that could not be read,
/// so that checking the rest reports their other problems without inventing follow-on ones
/// ("unknown state" for a state whose entry was dropped, "missing the [scenario] table").
#[derive(Debug, Default)]
pub(super) struct Broken {
    /// Any shape problem at all (the file is invalid whatever else holds).
    pub any: bool,
    /// `[scenario]` could not be read.
    pub scenario: bool,
    /// The ids of the `[[state]]` entries that could not be read (`None`: one without a
    /// readable id).
    pub states: Vec<Option<String>>,
}

/// Parse `text` into the raw types: `None` after a syntax error; otherwise the entries that
/// could be read, and what could not ([`Broken`]; its problems recorded in `c`).
pub(super) fn parse_raw(text: &str, c: &mut Collector<'_>) -> Option<(RawScenario, Broken)> {
    let (doc, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        // Recovery after a syntax error can invent follow-on errors; the first one is real.
        syntax_error(c, &errors[0]);
        return None;
    }
    let mut raw = RawScenario {
        scenario: None,
        power: None,
        state: Vec::new(),
        pair: Vec::new(),
        intent: Vec::new(),
        event: Vec::new(),
        params: None,
    };
    let mut ok = true;
    let mut broken = Broken::default();
    let mut dropped = Vec::new();
    for (key, value) in doc.get_ref() {
        let name: &str = key.get_ref();
        match name {
            "scenario" => {
                raw.scenario = table(c, value, "scenario", &mut ok);
                broken.scenario = raw.scenario.is_none();
            }
            "power" => raw.power = table(c, value, "power", &mut ok),
            "params" => raw.params = table(c, value, "params", &mut ok),
            "state" => raw.state = entries(c, value, "state", &["id"], &mut ok, &mut broken.states),
            "pair" => raw.pair = entries(c, value, "pair", &["states"], &mut ok, &mut dropped),
            "intent" => {
                raw.intent = entries(c, value, "intent", &["from", "to"], &mut ok, &mut dropped)
            }
            "event" => raw.event = entries(c, value, "event", &["name"], &mut ok, &mut dropped),
            _ => {
                unknown_table(c, key.span(), name, value);
                ok = false;
            }
        }
    }
    for (key, value) in doc.get_ref() {
        hidden_controls(c, value, key.get_ref(), &mut ok);
    }
    broken.any = !ok;
    Some((raw, broken))
}

/// Report text holding the control character `ch` at `span`, naming `field`.
pub fn control_error(c: &mut Collector<'_>, span: Range<usize>, field: &str, ch: char) {
    c.error(
        span,
        crate::text::printable(field).into_owned(),
        format!(
            "text with the control character U+{:04X}: write text without control \
             characters (tab and newline aside) or bidirectional overrides",
            ch as u32
        ),
    );
}

/// Refuse text holding control characters (tab and newline aside) or bidirectional
/// overrides anywhere in `tree` (keys and string values), naming the field: such text
/// would act on the terminal, or reorder what a reader sees, wherever it is printed.
/// Scenario and landscape files share it.
pub fn hidden_controls(c: &mut Collector<'_>, tree: &Tree<'_>, path: &str, ok: &mut bool) {
    let bad = |s: &str| s.chars().find(|&ch| crate::text::is_hidden_control(ch));
    let report = control_error;
    match tree.get_ref() {
        DeValue::String(s) => {
            if let Some(ch) = bad(s) {
                report(c, tree.span(), path, ch);
                *ok = false;
            }
        }
        DeValue::Table(t) => {
            for (k, v) in t {
                let sub = if path.is_empty() {
                    k.get_ref().to_string()
                } else {
                    format!("{path}.{}", k.get_ref())
                };
                if let Some(ch) = bad(k.get_ref()) {
                    report(c, k.span(), &sub, ch);
                    *ok = false;
                }
                hidden_controls(c, v, &sub, ok);
            }
        }
        DeValue::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                hidden_controls(c, v, &format!("{path}[{i}]"), ok);
            }
        }
        _ => {}
    }
}

fn header(section: &str) -> &'static str {
    TABLES
        .iter()
        .find(|(k, _)| *k == section)
        .map_or("the file", |(_, h)| h)
}

fn unknown_table(c: &mut Collector<'_>, at: Range<usize>, name: &str, value: &Tree<'_>) {
    let hint = suggestion(name, TABLES.iter().map(|(k, _)| *k));
    let valid = TABLES
        .iter()
        .map(|(_, h)| *h)
        .collect::<Vec<_>>()
        .join(", ");
    let msg = if value.get_ref().is_table() || value.get_ref().is_array() {
        format!("unknown table `{name}`{hint} (valid tables: {valid})")
    } else {
        format!(
            "unknown top-level key `{name}`{hint}: every key belongs in a table; keys above the \
             first header are top-level (valid tables: {valid})"
        )
    };
    c.error(at, name, msg);
}

/// A single table such as `[scenario]`.
fn table<T: DeserializeOwned>(
    c: &mut Collector<'_>,
    value: &Tree<'_>,
    section: &str,
    ok: &mut bool,
) -> Option<S<T>> {
    if !value.get_ref().is_table() {
        c.error(
            value.span(),
            section,
            format!(
                "wrong type: expected the table {}, found {}",
                header(section),
                value.get_ref().type_str()
            ),
        );
        *ok = false;
        return None;
    }
    match deserialize(value) {
        Ok(v) => Some(v),
        Err(e) => {
            shape_error(c, &e, value, section, header(section));
            *ok = false;
            None
        }
    }
}

/// An array of tables such as `[[state]]`: each entry on its own.
fn entries<T: DeserializeOwned>(
    c: &mut Collector<'_>,
    value: &Tree<'_>,
    section: &str,
    label_keys: &[&str],
    ok: &mut bool,
    dropped: &mut Vec<Option<String>>,
) -> Vec<S<T>> {
    let Some(items) = value.get_ref().as_array() else {
        c.error(
            value.span(),
            section,
            format!(
                "wrong type: expected {} tables (an array of tables), found {}",
                header(section),
                value.get_ref().type_str()
            ),
        );
        *ok = false;
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, item) in items.iter().enumerate() {
        let prefix = match label(item, label_keys) {
            Some(l) => format!("{section}.{l}"),
            None => format!("{section}[{k}]"),
        };
        match deserialize(item) {
            Ok(v) => out.push(v),
            Err(e) => {
                shape_error(c, &e, item, &prefix, header(section));
                *ok = false;
                dropped.push(label(item, label_keys));
            }
        }
    }
    out
}

/// How an entry is named in field paths: `USA` (state), `CHN-RUS` (pair or intent), the event name.
fn label(item: &Tree<'_>, keys: &[&str]) -> Option<String> {
    let parts: Option<Vec<&str>> = match keys {
        // A pair names its two states in an array.
        ["states"] => item
            .get_ref()
            .get("states")?
            .get_ref()
            .as_array()?
            .iter()
            .map(|v| v.get_ref().as_str())
            .collect(),
        _ => keys
            .iter()
            .map(|k| item.get_ref().get(*k).and_then(|v| v.get_ref().as_str()))
            .collect(),
    };
    let parts = parts?;
    (!parts.is_empty() && parts.iter().all(|p| !p.is_empty())).then(|| parts.join("-"))
}

fn deserialize<T: DeserializeOwned>(value: &Tree<'_>) -> Result<S<T>, toml::de::Error> {
    S::<T>::deserialize(ValueDeserializer::from(value.clone()))
}

/// The path from `tree` down to the innermost value whose span holds `offset`:
/// `.components.gdp`, `.effects[1].value`, or empty when no value inside holds it.
pub fn path_at(tree: &Tree<'_>, offset: usize) -> String {
    let mut path = String::new();
    let mut node = tree;
    'descend: loop {
        match node.get_ref() {
            DeValue::Table(t) => {
                for (k, v) in t {
                    if v.span().contains(&offset) {
                        path.push('.');
                        path.push_str(k.get_ref());
                        node = v;
                        continue 'descend;
                    }
                }
            }
            DeValue::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    if v.span().contains(&offset) {
                        path.push_str(&format!("[{i}]"));
                        node = v;
                        continue 'descend;
                    }
                }
            }
            _ => {}
        }
        return path;
    }
}

/// A serde error in one table -> a diagnostic naming the field.
fn shape_error(
    c: &mut Collector<'_>,
    e: &toml::de::Error,
    tree: &Tree<'_>,
    prefix: &str,
    header: &str,
) {
    let at = e.span().unwrap_or_else(|| tree.span());
    let msg = e.message().trim();
    let mut inner = path_at(tree, at.start);
    let word = msg
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next());
    if let Some(word) = word {
        // A sub-table header `[scenario.extra]` gives `extra` a table value whose span
        // holds the key itself: the path must stop above it.
        if let Some(parent) = inner.strip_suffix(&format!(".{word}")) {
            inner = parent.to_string();
        }
    }
    let place = if inner.is_empty() {
        header.to_string()
    } else {
        format!("`{prefix}{inner}`")
    };
    // serde: "unknown field `x`, expected one of `a`, `b`" (or "expected `a`").
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        let word = rest.split('`').next().unwrap_or("");
        let expected: Vec<&str> = rest.split('`').skip(2).step_by(2).collect();
        let hint = suggestion(word, expected.iter().copied());
        let valid = expected
            .iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ");
        c.error(
            at,
            format!("{prefix}{inner}.{word}"),
            format!("unknown field `{word}` in {place}{hint} (valid fields: {valid})"),
        );
    } else if let Some(rest) = msg.strip_prefix("missing field `") {
        let word = rest.split('`').next().unwrap_or("");
        c.error(
            at,
            format!("{prefix}{inner}.{word}"),
            format!("missing required field `{word}` in {place}"),
        );
    } else {
        c.error(at, format!("{prefix}{inner}"), tidy(msg));
    }
}

/// serde's wording -> the words of the scenario format.
fn tidy(msg: &str) -> String {
    let mut m = msg.replace("invalid type: ", "wrong type: found ");
    for (from, to) in [
        ("expected f64", "expected a number"),
        ("expected i64", "expected an integer"),
        ("expected a sequence", "expected an array"),
        ("expected a map", "expected a table"),
        ("sequence,", "array,"),
        ("map,", "table,"),
    ] {
        m = m.replace(from, to);
    }
    m
}

/// A TOML syntax error: name the key on the offending line when there is one.
fn syntax_error(c: &mut Collector<'_>, e: &toml::de::Error) {
    let at = e.span().unwrap_or(0..0);
    let msg = e.message().trim().to_string();
    let section = c.map.header_before(at.start).unwrap_or("");
    let section = section
        .split('#')
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches(|ch| ch == '[' || ch == ']')
        .trim()
        .to_string();
    let (line, _) = c.map.position(at.start);
    let key = c
        .map
        .line_text(line)
        .split_once('=')
        .map(|(k, _)| k.trim().trim_matches('"').to_string())
        .filter(|k| !k.is_empty() && !k.contains(['[', '{', '#', ' ']))
        .unwrap_or_default();
    let field = match (section.is_empty(), key.is_empty()) {
        (true, true) => "toml".to_string(),
        (true, false) => key,
        (false, true) => section,
        (false, false) => format!("{section}.{key}"),
    };
    c.error(at, field, format!("TOML syntax error: {msg}"));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `TABLES` lists exactly the fields of `RawScenario` (serde names them in its error).
    #[test]
    fn tables_match_the_raw_scenario_fields() {
        let e = toml::from_str::<RawScenario>("[nope]\n").expect_err("unknown table");
        let serde_fields: Vec<&str> = e.message().split('`').skip(3).step_by(2).collect();
        let mut ours: Vec<&str> = TABLES.iter().map(|(k, _)| *k).collect();
        let mut theirs = serde_fields.clone();
        ours.sort_unstable();
        theirs.sort_unstable();
        assert_eq!(ours, theirs, "{}", e.message());
    }

    /// Entry by entry deserialization reads a valid file as serde does in one go.
    #[test]
    fn a_valid_file_reads_as_with_serde() {
        let text = r#"
[scenario]
name = "all-tables"
start_year = 2018
[power]
weights = { gdp = 0.5, milex = 0.5 }
[[state]]
id = "USA"
components = { gdp = 20, milex = 6 }
offense = 0.6
lat = 38.9
lon = -77.0
aggression = 0.4
[[pair]]
states = ["USA", "CHN"]
trade = 600
[[intent]]
from = "USA"
to = "CHN"
value = 0.7
[[event]]
name = "tariffs"
at = 2018.5
effects = [{ target = "pair.USA-CHN.trade", op = "mul", value = 0.85 }]
[params]
eta = 0.3
"#;
        let mut c = Collector::new(text);
        let (ours, broken) = parse_raw(text, &mut c).expect("valid file");
        assert!(!broken.any);
        assert!(c.is_empty());
        let theirs: RawScenario = toml::from_str(text).expect("valid file");
        assert_eq!(format!("{ours:?}"), format!("{theirs:?}"));
    }

    #[test]
    fn paths_descend_into_tables_and_arrays() {
        let text = "a = { b = [1, { c = 2 }] }";
        let (doc, _) = DeTable::parse_recoverable(text);
        let tree = Spanned::new(doc.span(), DeValue::Table(doc.into_inner()));
        let at = text.find('2').expect("the 2");
        assert_eq!(path_at(&tree, at), ".a.b[1].c");
        assert_eq!(path_at(&tree, 0), "");
    }
}
