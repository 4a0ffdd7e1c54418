//! The `source` and `note` of every entry of a scenario file, and the source keys (`S1`,
//! `S2`, …) that they cite, with their full references from `data/SOURCES.md`.
//!
//! A validated [`Scenario`](crate::scenario::Scenario) keeps the documentation of its
//! `[scenario]`, states, pairs, intents and events; this module reads the others from the
//! file's text (`[power]`, `[params]` and each event's effects), so that the report can show
//! every one of them.

use std::collections::BTreeMap;

use crate::scenario::Doc;

/// `data/SOURCES.md`, whose "Source key" table gives the full reference of each key.
const SOURCES_MD: &str = include_str!("../../data/SOURCES.md");

/// One documented entry of a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Where it is, as a reader finds it: `[power]`, `[[event]] tariffs, effect 1`.
    pub place: String,
    /// Its `source` and `note`.
    pub doc: Doc,
}

/// The documentation of a scenario file that the validated scenario does not keep, and the
/// list of every documented entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileDocs {
    /// `[power]`'s `source` and `note`.
    pub power: Doc,
    /// `[params]`'s `source` and `note`.
    pub params: Doc,
    /// Each effect's `source` and `note`, by event name and the effect's index.
    pub effects: BTreeMap<(String, usize), Doc>,
    /// Every entry of the file that has a `source` or a `note`: `[scenario]`, `[power]`, the
    /// states, pairs, intents, events (each followed by its effects), then `[params]`.
    pub all: Vec<Entry>,
}

fn doc_of(t: &toml::Table) -> Doc {
    let text = |k: &str| t.get(k).and_then(toml::Value::as_str).map(str::to_string);
    Doc {
        source: text("source"),
        note: text("note"),
    }
}

fn documented(d: &Doc) -> bool {
    d.source.is_some() || d.note.is_some()
}

impl FileDocs {
    /// Read the documentation of the scenario file `text`; empty when it is not TOML.
    pub fn of(text: &str) -> Self {
        let Ok(root) = text.parse::<toml::Table>() else {
            return Self::default();
        };
        let mut out = Self::default();
        let mut push = |place: String, doc: Doc| {
            if documented(&doc) {
                out.all.push(Entry { place, doc });
            }
        };
        let table = |k: &str| root.get(k).and_then(toml::Value::as_table);
        let array = |k: &str| {
            root.get(k)
                .and_then(toml::Value::as_array)
                .map_or(&[][..], Vec::as_slice)
        };
        let text_of = |t: &toml::Table, k: &str| {
            t.get(k)
                .and_then(toml::Value::as_str)
                .unwrap_or("?")
                .to_string()
        };
        if let Some(t) = table("scenario") {
            push("[scenario]".into(), doc_of(t));
        }
        let power = table("power").map(doc_of).unwrap_or_default();
        push("[power]".into(), power.clone());
        for t in array("state").iter().filter_map(toml::Value::as_table) {
            push(format!("[[state]] {}", text_of(t, "id")), doc_of(t));
        }
        for t in array("pair").iter().filter_map(toml::Value::as_table) {
            let ids: Vec<&str> = t
                .get("states")
                .and_then(toml::Value::as_array)
                .map_or(Vec::new(), |a| {
                    a.iter().filter_map(|v| v.as_str()).collect()
                });
            push(format!("[[pair]] {}", ids.join("-")), doc_of(t));
        }
        for t in array("intent").iter().filter_map(toml::Value::as_table) {
            push(
                format!("[[intent]] {}-{}", text_of(t, "from"), text_of(t, "to")),
                doc_of(t),
            );
        }
        let mut effects = BTreeMap::new();
        for t in array("event").iter().filter_map(toml::Value::as_table) {
            let name = text_of(t, "name");
            push(format!("[[event]] {name}"), doc_of(t));
            let list = t.get("effects").and_then(toml::Value::as_array);
            for (k, x) in list.map_or(&[][..], Vec::as_slice).iter().enumerate() {
                if let Some(x) = x.as_table() {
                    let d = doc_of(x);
                    push(format!("[[event]] {name}, effect {}", k + 1), d.clone());
                    if documented(&d) {
                        effects.insert((name.clone(), k), d);
                    }
                }
            }
        }
        let params = table("params").map(doc_of).unwrap_or_default();
        push("[params]".into(), params.clone());
        out.power = power;
        out.params = params;
        out.effects = effects;
        out
    }

    /// The source keys that the entries' sources and notes cite, in key order.
    pub fn cited_keys(&self) -> Vec<u32> {
        let texts = self
            .all
            .iter()
            .flat_map(|e| [e.doc.source.as_deref(), e.doc.note.as_deref()])
            .flatten();
        cited_keys(texts)
    }
}

/// The source keys `S<number>` cited in `texts`, in key order, each once. A range written
/// `S1-S13` (or with an en dash) cites every key from the first to the last.
pub fn cited_keys<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<u32> {
    let mut keys = std::collections::BTreeSet::new();
    for text in texts {
        let b = text.as_bytes();
        // Every `S` followed by digits, not inside a word: (start, number, end).
        let mut found: Vec<(usize, u32, usize)> = Vec::new();
        let mut k = 0;
        while k < b.len() {
            let word_before = k > 0 && b[k - 1].is_ascii_alphanumeric();
            if b[k] == b'S' && !word_before {
                let digits = b[k + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
                let end = k + 1 + digits;
                let word_after = b.get(end).is_some_and(|c| c.is_ascii_alphanumeric());
                if digits > 0 && digits < 4 && !word_after {
                    if let Ok(n) = text[k + 1..end].parse::<u32>() {
                        found.push((k, n, end));
                    }
                    k = end;
                    continue;
                }
            }
            k += 1;
        }
        for (w, &(_, n, end)) in found.iter().enumerate() {
            keys.insert(n);
            if let Some(&(start, m, _)) = found.get(w + 1) {
                let between = &text[end..start];
                if (between == "-" || between == "–") && m > n && m - n < 100 {
                    keys.extend(n..=m);
                }
            }
        }
    }
    keys.into_iter().collect()
}

/// A source key of `data/SOURCES.md`, with its full reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceKey {
    /// Its number (`S3` is 3).
    pub number: u32,
    /// What it is.
    pub what: String,
    /// Where it was read: repository, path and commit, or the pages.
    pub place: String,
    /// Its coverage and caveats.
    pub coverage: String,
}

/// The source keys of `data/SOURCES.md` ("Source key"), in file order.
pub fn source_keys() -> Vec<SourceKey> {
    let Some(at) = SOURCES_MD.find("## Source key") else {
        return Vec::new();
    };
    SOURCES_MD[at..]
        .lines()
        .skip(1)
        .take_while(|l| !l.starts_with("## "))
        .filter_map(|l| {
            let cells: Vec<&str> = l.trim().trim_matches('|').split(" | ").collect();
            let number = cells.first()?.trim().strip_prefix('S')?.parse().ok()?;
            let cell = |k: usize| cells.get(k).map_or("", |c| c.trim()).replace("**", "");
            Some(SourceKey {
                number,
                what: cell(1),
                place: cell(2),
                coverage: cell(3),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_as_words_and_ranges() {
        assert_eq!(
            cited_keys(["GDP: World Bank 2018 (S1); milex (S3); SOURCES.md (S10-S12)"]),
            vec![1, 3, 10, 11, 12]
        );
        assert_eq!(
            cited_keys(["US$ 5, NMC, S1x, XS2, SIPRI"]),
            Vec::<u32>::new()
        );
        assert_eq!(cited_keys(["S1–S3, S9"]), vec![1, 2, 3, 9]);
    }

    #[test]
    fn sources_md_gives_every_key_the_flagship_cites() {
        let keys = source_keys();
        assert!(keys.len() >= 13, "{keys:?}");
        let docs = FileDocs::of(crate::scenario::FLAGSHIP_TOML);
        let cited = docs.cited_keys();
        assert_eq!(cited, (1..=13).collect::<Vec<_>>());
        for n in cited {
            let k = keys.iter().find(|k| k.number == n).expect("a key");
            assert!(!k.what.is_empty() && !k.place.is_empty(), "S{n}");
        }
        assert!(docs.power.source.is_some());
        assert_eq!(docs.all[0].place, "[scenario]");
    }

    #[test]
    fn effects_power_and_params_are_read_from_the_text() {
        let text = r#"
[power]
weights = { gdp = 1 }
note = "power note"
[params]
eta = 0.4
source = "params source"
[[event]]
name = "shock"
at = 2001
effects = [{ target = "pair.A-B.trade", op = "mul", value = 0.5, note = "effect note" }]
"#;
        let d = FileDocs::of(text);
        assert_eq!(d.power.note.as_deref(), Some("power note"));
        assert_eq!(d.params.source.as_deref(), Some("params source"));
        assert_eq!(
            d.effects[&("shock".to_string(), 0)].note.as_deref(),
            Some("effect note")
        );
        assert_eq!(d.all.len(), 3);
        assert_eq!(FileDocs::of("not = toml = at all"), FileDocs::default());
    }
}
