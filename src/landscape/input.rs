//! Reading a landscape: a TOML file (`docs/landscape.md`), or a CSV file of sizes with a CSV
//! file of propensities (pairs `a,b,p` or a matrix). Every problem is reported with its file,
//! line, column and field, as for scenario files; nothing is trusted until [`Landscape`] is
//! built.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::{ACTORS_MAX, Actor, Landscape, PROPENSITY_MAX, SIZE_MAX, is_valid_id, is_valid_name};
use crate::scenario::{Collector, Diagnostics, closest, control_error, hidden_controls, path_at};
use crate::text::is_hidden_control;

/// The largest input file read, in bytes.
pub const MAX_FILE_BYTES: u64 = 16 << 20;

/// Why a landscape could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// A file could not be read.
    #[error("{path}: cannot read: {message}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// The files were read and hold problems, each located.
    #[error("{}", problems_text(.0))]
    Invalid(Vec<Diagnostics>),
}

fn problems_text(all: &[Diagnostics]) -> String {
    all.iter()
        .filter(|d| !d.items.is_empty())
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

impl InputError {
    /// How many problems were found.
    pub fn count(&self) -> usize {
        match self {
            InputError::Read { .. } => 1,
            InputError::Invalid(d) => d.iter().map(|d| d.items.len()).sum(),
        }
    }
}

/// Read a whole text file (a regular file of at most [`MAX_FILE_BYTES`], UTF-8): its text and
/// its name for messages.
pub fn read_text(path: &Path) -> Result<(String, String), InputError> {
    use std::io::Read as _;
    let name = path.display().to_string();
    let fail = |message: String| InputError::Read {
        path: name.clone(),
        message,
    };
    let meta = std::fs::metadata(path).map_err(|e| fail(e.to_string()))?;
    if !meta.is_file() {
        return Err(fail(
            "not a regular file (a folder, a device or a pipe): give a file".into(),
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| fail(e.to_string()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(fail(format!(
            "larger than {} MiB: a landscape file is text of at most that size",
            MAX_FILE_BYTES >> 20
        )));
    }
    let text = String::from_utf8(bytes).map_err(|e| fail(format!("not UTF-8 text: {e}")))?;
    Ok((text, name))
}

type S<T> = Spanned<T>;
type Tree<'i> = Spanned<DeValue<'i>>;

/// `[landscape]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeta {
    name: S<String>,
    title: Option<S<String>>,
    description: Option<S<String>>,
    source: Option<S<String>>,
    note: Option<S<String>>,
}

/// `[[actor]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawActor {
    id: S<String>,
    name: Option<S<String>>,
    size: S<f64>,
    source: Option<S<String>>,
    note: Option<S<String>>,
}

/// `[[pair]]` (`source` and `note` document the file; they are read, not kept).
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPair {
    actors: S<Vec<S<String>>>,
    p: S<f64>,
    source: Option<S<String>>,
    note: Option<S<String>>,
}

/// `[matrix]` (`source` and `note` as for a pair).
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMatrix {
    rows: S<Vec<S<Vec<S<f64>>>>>,
    source: Option<S<String>>,
    note: Option<S<String>>,
}

/// The tables of a landscape file.
const TABLES: [(&str, &str); 4] = [
    ("landscape", "[landscape]"),
    ("actor", "[[actor]]"),
    ("pair", "[[pair]]"),
    ("matrix", "[matrix]"),
];

/// Parse and check a landscape file's text; `file` names it in messages. `default_p` is the
/// propensity of pairs the file does not give (`--default-p`); without it every pair must be
/// given.
pub fn parse_toml(text: &str, file: &str, default_p: Option<f64>) -> Result<Landscape, InputError> {
    let mut c = Collector::new(text);
    let built = parse_into(text, &mut c, default_p);
    match built {
        Some(l) if c.is_empty() => Ok(l),
        _ => Err(InputError::Invalid(vec![c.finish(file)])),
    }
}

/// The tables of a landscape file, each deserialized but not yet checked.
#[derive(Default)]
struct RawTables {
    meta: Option<S<RawMeta>>,
    actors: Vec<S<RawActor>>,
    pairs: Vec<S<RawPair>>,
    matrix: Option<S<RawMatrix>>,
}

/// The `[[actor]]` entries as checked: the actors, each id's index among them, and where
/// each id is written.
struct TomlActors {
    list: Vec<Actor>,
    seen: HashMap<String, usize>,
    id_spans: Vec<Range<usize>>,
}

/// The propensities being filled in: `p` (`n × n`, row-major), and for each pair `i < j`
/// where it was given (`None` while it was not).
struct Grid<T> {
    n: usize,
    p: Vec<f64>,
    given: Vec<Option<T>>,
}

impl<T: Copy> Grid<T> {
    /// A grid for `n` actors: every propensity 0, none given.
    fn new(n: usize) -> Self {
        Self {
            n,
            p: vec![0.0; n * n],
            given: vec![None; n * n],
        }
    }

    /// Where the pair `i < j` was given, if it was.
    fn given(&self, i: usize, j: usize) -> Option<T> {
        self.given[i * self.n + j]
    }

    /// The propensity of `i` and `j`.
    fn value(&self, i: usize, j: usize) -> f64 {
        self.p[i * self.n + j]
    }

    /// Give the pair `i < j` the propensity `x` (both ways), given at `at`.
    fn set(&mut self, i: usize, j: usize, x: f64, at: T) {
        self.given[i * self.n + j] = Some(at);
        self.p[i * self.n + j] = x;
        self.p[j * self.n + i] = x;
    }

    /// Give every pair not given `default_p`, or without it call `missing` with each such
    /// pair `i < j` (the first 20 only): how many pairs were defaulted, and how many miss a
    /// propensity.
    fn fill(
        &mut self,
        default_p: Option<f64>,
        mut missing: impl FnMut(usize, usize),
    ) -> (usize, usize) {
        let n = self.n;
        let mut defaulted = 0;
        let mut count = 0;
        for i in 0..n {
            for j in i + 1..n {
                if self.given[i * n + j].is_some() {
                    continue;
                }
                match default_p {
                    Some(d) => {
                        self.p[i * n + j] = d;
                        self.p[j * n + i] = d;
                        defaulted += 1;
                    }
                    None => {
                        count += 1;
                        if count <= 20 {
                            missing(i, j);
                        }
                    }
                }
            }
        }
        (defaulted, count)
    }
}

/// Check a landscape file's text, reporting every problem to `c`: the landscape, or `None`
/// when anything is wrong.
fn parse_into(text: &str, c: &mut Collector<'_>, default_p: Option<f64>) -> Option<Landscape> {
    let mut ok = true;
    let tables = read_tables(text, c, &mut ok)?;
    let Some(meta) = tables.meta else {
        if ok {
            c.error(
                0..0,
                "landscape",
                "missing the [landscape] table (with at least `name = \"...\"`)",
            );
        }
        return None;
    };
    let (name, title) = name_and_title(c, meta.get_ref());
    let actors = toml_actors(c, &tables.actors, &mut ok);
    let n = actors.list.len();
    if !actor_count(c, meta.span(), n, ok) {
        return None;
    }
    let ids: Vec<&str> = actors.list.iter().map(|a| a.id.as_str()).collect();
    let mut grid = Grid::new(n);
    if let Some(m) = &tables.matrix {
        if !tables.pairs.is_empty() {
            c.error(
                m.span(),
                "matrix",
                "found both [[pair]] entries and a [matrix]; expected one way of giving the propensities",
            );
            return None;
        }
        if !matrix_shape(c, m.get_ref(), &ids, &mut ok) {
            return None;
        }
        matrix_values(c, m.get_ref().rows.get_ref(), &ids, &mut grid);
    } else {
        toml_pairs(c, &tables.pairs, &actors.seen, &ids, &mut grid);
    }
    // Every pair given, or the default.
    let (defaulted, missing) = grid.fill(default_p, |i, j| {
        c.error(
            actors.id_spans[j].clone(),
            format!("pair.{}-{}", ids[i], ids[j]),
            format!(
                "missing: no propensity for {} and {}; expected a [[pair]] with actors = [\"{}\", \"{}\"] (or --default-p to give every missing pair one value)",
                ids[i], ids[j], ids[i], ids[j]
            ),
        );
    });
    if missing > 20 {
        c.error(
            meta.span(),
            "pair",
            format!(
                "{missing} pairs have no propensity in all (the first 20 are listed); expected every pair of actors, or --default-p"
            ),
        );
    }
    (ok && c.is_empty()).then_some(Landscape {
        name,
        title,
        actors: actors.list,
        p: grid.p,
        defaulted,
    })
}

/// Parse the text and deserialize its tables. A TOML syntax error is reported alone (then
/// `None`); control characters, unknown tables and tables of the wrong shape are reported and
/// clear `ok`.
fn read_tables(text: &str, c: &mut Collector<'_>, ok: &mut bool) -> Option<RawTables> {
    let (doc, errors) = DeTable::parse_recoverable(text);
    if let Some(e) = errors.first() {
        let at = e.span().unwrap_or(0..0);
        c.error(
            at,
            "toml",
            format!("TOML syntax error: {}", e.message().trim()),
        );
        return None;
    }
    let mut tables = RawTables::default();
    for (key, value) in doc.get_ref() {
        let name: &str = key.get_ref();
        hidden_controls(c, value, name, ok);
        if let Some(ch) = name.chars().find(|&ch| is_hidden_control(ch)) {
            control_error(c, key.span(), name, ch);
            *ok = false;
            continue;
        }
        match name {
            "landscape" => tables.meta = table(c, value, name, ok),
            "matrix" => tables.matrix = table(c, value, name, ok),
            "actor" => tables.actors = entries(c, value, name, "id", ok),
            "pair" => tables.pairs = entries(c, value, name, "actors", ok),
            _ => {
                let hint = closest(name, TABLES.iter().map(|(k, _)| *k))
                    .map_or(String::new(), |k| format!("; did you mean `{k}`?"));
                let valid: Vec<&str> = TABLES.iter().map(|(_, h)| *h).collect();
                c.error(
                    key.span(),
                    name,
                    format!(
                        "unknown table `{name}`{hint} (valid tables: {})",
                        valid.join(", ")
                    ),
                );
                *ok = false;
            }
        }
    }
    Some(tables)
}

/// The landscape's name (reported when it is not a valid one) and its title (the name when
/// the file gives none).
fn name_and_title(c: &mut Collector<'_>, meta: &RawMeta) -> (String, String) {
    let name = meta.name.get_ref().clone();
    if !is_valid_name(&name) {
        c.error(
            meta.name.span(),
            "landscape.name",
            format!(
                "expected a short name of letters, digits, `-`, `_` or `.` (at most 64, used for the results folder; put free text in `title`), found `{name}`"
            ),
        );
    }
    let title = meta
        .title
        .as_ref()
        .map_or_else(|| name.clone(), |t| t.get_ref().clone());
    let _ = (&meta.description, &meta.source, &meta.note);
    (name, title)
}

/// Check the `[[actor]]` entries: a bad id or a duplicate is reported and the entry left out;
/// a bad size is reported. Each problem clears `ok`.
fn toml_actors(c: &mut Collector<'_>, actors: &[S<RawActor>], ok: &mut bool) -> TomlActors {
    let mut list: Vec<Actor> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut id_spans: Vec<Range<usize>> = Vec::new();
    for a in actors {
        let a = a.get_ref();
        let id = a.id.get_ref().clone();
        if !is_valid_id(&id) {
            c.error(
                a.id.span(),
                format!("actor.{id}.id"),
                format!(
                    "expected an id of 1 to 32 letters, digits, `_`, `-` or `.`, starting with a letter, found `{id}`"
                ),
            );
            *ok = false;
            continue;
        }
        if let Some(&first) = seen.get(&id) {
            let (line, _) = c.map.position(id_spans[first].start);
            c.error(
                a.id.span(),
                format!("actor.{id}.id"),
                format!("duplicate actor id `{id}` (first declared on line {line})"),
            );
            *ok = false;
            continue;
        }
        let size = *a.size.get_ref();
        if !(size.is_finite() && size > 0.0 && size <= SIZE_MAX) {
            c.error(
                a.size.span(),
                format!("actor.{id}.size"),
                format!(
                    "expected a finite number > 0 and at most {SIZE_MAX:e}, found {}",
                    show(size)
                ),
            );
            *ok = false;
        }
        seen.insert(id.clone(), list.len());
        id_spans.push(a.id.span());
        list.push(Actor {
            name: a
                .name
                .as_ref()
                .map_or_else(|| id.clone(), |n| n.get_ref().clone()),
            id,
            size,
            source: a.source.as_ref().map(|s| s.get_ref().clone()),
            note: a.note.as_ref().map(|s| s.get_ref().clone()),
        });
    }
    TomlActors {
        list,
        seen,
        id_spans,
    }
}

/// Report too few actors (only when nothing else is wrong) or too many, at `at`: whether the
/// reading goes on.
fn actor_count(c: &mut Collector<'_>, at: Range<usize>, n: usize, ok: bool) -> bool {
    if ok && n < 2 {
        c.error(
            at,
            "actor",
            format!("found {n} [[actor]] entries, expected at least 2"),
        );
        return false;
    }
    if n > ACTORS_MAX {
        c.error(
            at,
            "actor",
            format!("found {n} [[actor]] entries, expected at most {ACTORS_MAX}"),
        );
        return false;
    }
    true
}

/// Check that the `[matrix]` has one row per actor, each of one value per actor (a row of the
/// wrong length clears `ok`): whether the reading goes on (not after any problem so far).
fn matrix_shape(c: &mut Collector<'_>, m: &RawMatrix, ids: &[&str], ok: &mut bool) -> bool {
    let n = ids.len();
    let rows = m.rows.get_ref();
    if rows.len() != n {
        c.error(
            m.rows.span(),
            "matrix.rows",
            format!(
                "found {} rows, expected {n} (one per [[actor]], in their order)",
                rows.len()
            ),
        );
        return false;
    }
    for (i, row) in rows.iter().enumerate() {
        if row.get_ref().len() != n {
            c.error(
                row.span(),
                format!("matrix.rows[{i}]"),
                format!(
                    "found {} values, expected {n} (row of `{}`)",
                    row.get_ref().len(),
                    ids[i]
                ),
            );
            *ok = false;
        }
    }
    *ok
}

/// Check the values of a `[matrix]` of the right shape (a zero diagonal, propensities in
/// range, symmetric) and put those of the upper triangle in `grid`.
fn matrix_values(
    c: &mut Collector<'_>,
    rows: &[S<Vec<S<f64>>>],
    ids: &[&str],
    grid: &mut Grid<usize>,
) {
    for (i, row) in rows.iter().enumerate() {
        for (j, v) in row.get_ref().iter().enumerate() {
            let x = *v.get_ref();
            let field = format!("matrix.{}.{}", ids[i], ids[j]);
            if i == j {
                if x != 0.0 {
                    c.error(
                        v.span(),
                        field,
                        format!(
                            "found {}, expected 0 on the diagonal (an actor has no propensity with itself)",
                            show(x)
                        ),
                    );
                }
                continue;
            }
            if !check_p(c, v.span(), &field, x) {
                continue;
            }
            if j < i {
                let other = *rows[j].get_ref()[i].get_ref();
                if other.to_bits() != x.to_bits() && other.is_finite() {
                    c.error(
                        v.span(),
                        field,
                        format!(
                            "asymmetric matrix: found {} for ({}, {}) but {} for ({}, {}); expected p_ij = p_ji",
                            show(x),
                            ids[i],
                            ids[j],
                            show(other),
                            ids[j],
                            ids[i]
                        ),
                    );
                }
                continue;
            }
            grid.set(i, j, x, i);
        }
    }
}

/// Check the `[[pair]]` entries (two known, different actors, a propensity in range, each
/// pair once) and put their propensities in `grid`, each noted with its entry's index.
fn toml_pairs(
    c: &mut Collector<'_>,
    pairs: &[S<RawPair>],
    seen: &HashMap<String, usize>,
    ids: &[&str],
    grid: &mut Grid<usize>,
) {
    for (k, pair) in pairs.iter().enumerate() {
        let pr = pair.get_ref();
        let names = pr.actors.get_ref();
        let label = names
            .iter()
            .map(|s| s.get_ref().as_str())
            .collect::<Vec<_>>()
            .join("-");
        let field = format!("pair.{label}");
        if names.len() != 2 {
            c.error(
                pr.actors.span(),
                format!("{field}.actors"),
                format!(
                    "found {} actor ids, expected two, e.g. actors = [\"GBR\", \"FRN\"]",
                    names.len()
                ),
            );
            continue;
        }
        let Some(idx) = pair_actors(c, names, &field, seen, ids) else {
            continue;
        };
        let (i, j) = (idx[0].min(idx[1]), idx[0].max(idx[1]));
        if i == j {
            c.error(
                pr.actors.span(),
                format!("{field}.actors"),
                "found the same actor twice, expected two different actors",
            );
            continue;
        }
        let x = *pr.p.get_ref();
        if !check_p(c, pr.p.span(), &format!("{field}.p"), x) {
            continue;
        }
        if let Some(first) = grid.given(i, j) {
            let (line, _) = c.map.position(pairs[first].get_ref().actors.span().start);
            c.error(
                pr.actors.span(),
                format!("{field}.actors"),
                format!(
                    "duplicate pair {}-{} (first given on line {line}); expected each pair once, in either order",
                    ids[i], ids[j]
                ),
            );
            continue;
        }
        grid.set(i, j, x, k);
    }
}

/// The indices of a pair's two actor ids; each unknown one is reported (then `None`).
fn pair_actors(
    c: &mut Collector<'_>,
    names: &[S<String>],
    field: &str,
    seen: &HashMap<String, usize>,
    ids: &[&str],
) -> Option<[usize; 2]> {
    let mut idx = [0usize; 2];
    let mut known = true;
    for (slot, name) in idx.iter_mut().zip(names) {
        match seen.get(name.get_ref()) {
            Some(&i) => *slot = i,
            None => {
                let hint = closest(name.get_ref(), ids.iter().copied())
                    .map_or(String::new(), |k| format!("; did you mean `{k}`?"));
                c.error(
                    name.span(),
                    format!("{field}.actors"),
                    format!(
                        "unknown actor `{}`{hint} (actors are declared by [[actor]] id)",
                        name.get_ref()
                    ),
                );
                known = false;
            }
        }
    }
    known.then_some(idx)
}

/// A propensity: finite, at most [`PROPENSITY_MAX`] in absolute value.
fn check_p(c: &mut Collector<'_>, span: Range<usize>, field: &str, x: f64) -> bool {
    if x.is_finite() && x.abs() <= PROPENSITY_MAX {
        return true;
    }
    c.error(
        span,
        field,
        format!(
            "expected a finite number from -{PROPENSITY_MAX:e} to {PROPENSITY_MAX:e}, found {}",
            show(x)
        ),
    );
    false
}

fn deserialize<T: DeserializeOwned>(value: &Tree<'_>) -> Result<S<T>, toml::de::Error> {
    S::<T>::deserialize(ValueDeserializer::from(value.clone()))
}

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
                "wrong type: expected the table [{section}], found {}",
                value.get_ref().type_str()
            ),
        );
        *ok = false;
        return None;
    }
    match deserialize(value) {
        Ok(v) => Some(v),
        Err(e) => {
            shape_error(c, &e, value, section);
            *ok = false;
            None
        }
    }
}

fn entries<T: DeserializeOwned>(
    c: &mut Collector<'_>,
    value: &Tree<'_>,
    section: &str,
    label_key: &str,
    ok: &mut bool,
) -> Vec<S<T>> {
    let Some(items) = value.get_ref().as_array() else {
        c.error(
            value.span(),
            section,
            format!(
                "wrong type: expected [[{section}]] tables (an array of tables), found {}",
                value.get_ref().type_str()
            ),
        );
        *ok = false;
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, item) in items.iter().enumerate() {
        let label = item
            .get_ref()
            .get(label_key)
            .and_then(|v| match v.get_ref() {
                DeValue::String(s) => Some(s.to_string()),
                DeValue::Array(a) => a
                    .iter()
                    .map(|x| x.get_ref().as_str())
                    .collect::<Option<Vec<_>>>()
                    .map(|v| v.join("-")),
                _ => None,
            });
        let prefix = match label {
            Some(l) if !l.is_empty() => format!("{section}.{l}"),
            _ => format!("{section}[{k}]"),
        };
        match deserialize(item) {
            Ok(v) => out.push(v),
            Err(e) => {
                shape_error(c, &e, item, &prefix);
                *ok = false;
            }
        }
    }
    out
}

/// A serde error in one table, as a diagnostic in the words of the file format.
fn shape_error(c: &mut Collector<'_>, e: &toml::de::Error, tree: &Tree<'_>, prefix: &str) {
    let at = e.span().unwrap_or_else(|| tree.span());
    let msg = e.message().trim();
    let inner = path_at(tree, at.start);
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        let word = rest.split('`').next().unwrap_or("");
        let expected: Vec<&str> = rest.split('`').skip(2).step_by(2).collect();
        let hint = closest(word, expected.iter().copied())
            .map_or(String::new(), |k| format!("; did you mean `{k}`?"));
        let inner = inner
            .strip_suffix(&format!(".{word}"))
            .unwrap_or(&inner)
            .to_string();
        c.error(
            at,
            format!("{prefix}{inner}.{word}"),
            format!(
                "unknown field `{word}`{hint} (valid fields: {})",
                expected
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    } else if let Some(rest) = msg.strip_prefix("missing field `") {
        let word = rest.split('`').next().unwrap_or("");
        c.error(
            at,
            format!("{prefix}{inner}.{word}"),
            format!("missing required field `{word}`"),
        );
    } else {
        let mut m = msg.replace("invalid type: ", "wrong type: found ");
        for (from, to) in [
            ("expected f64", "expected a number"),
            ("expected a sequence", "expected an array"),
            ("expected a map", "expected a table"),
        ] {
            m = m.replace(from, to);
        }
        c.error(at, format!("{prefix}{inner}"), m);
    }
}

// ---------------------------------------------------------------------------------------
// CSV

/// A CSV file being checked: its text, name and collector.
struct CsvText<'a> {
    text: &'a str,
    c: Collector<'a>,
}

impl<'a> CsvText<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            c: Collector::new(text),
        }
    }

    /// Byte offset of field `k` of the record starting at byte `start`.
    fn field_offset(&self, start: usize, k: usize) -> usize {
        let bytes = self.text.as_bytes();
        let mut at = start;
        let mut field = 0;
        let mut quoted = false;
        while at < bytes.len() && field < k {
            match bytes[at] {
                b'"' => quoted = !quoted,
                b',' if !quoted => field += 1,
                b'\n' if !quoted => break,
                _ => {}
            }
            at += 1;
        }
        at
    }

    fn error(
        &mut self,
        rec: &csv::StringRecord,
        k: usize,
        field: &str,
        message: impl Into<String>,
    ) {
        let start = rec.position().map_or(0, |p| p.byte() as usize);
        let at = self.field_offset(start, k);
        self.c.error(at..at, field, message);
    }
}

/// The records of a CSV text (fields trimmed, `#` comment lines and blank lines skipped),
/// with its header; a malformed line is reported and ends the reading.
fn records(t: &mut CsvText<'_>) -> Option<(csv::StringRecord, Vec<csv::StringRecord>)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .flexible(true)
        .from_reader(t.text.as_bytes());
    let header = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            t.c.error(0..0, "header", format!("cannot read the header: {e}"));
            return None;
        }
    };
    let mut out = Vec::new();
    for r in reader.records() {
        match r {
            Ok(r) => {
                if let Some(k) = r.iter().position(|f| f.chars().any(is_hidden_control)) {
                    let name = header.get(k).unwrap_or("field").to_string();
                    let ch = r[k]
                        .chars()
                        .find(|&ch| is_hidden_control(ch))
                        .unwrap_or(' ');
                    t.error(
                        &r,
                        k,
                        &name,
                        format!(
                            "text with the control character U+{:04X}: write text without control characters",
                            ch as u32
                        ),
                    );
                    continue;
                }
                if r.len() != header.len() {
                    t.error(
                        &r,
                        0,
                        "line",
                        format!(
                            "found {} fields, expected {} (as the header)",
                            r.len(),
                            header.len()
                        ),
                    );
                    continue;
                }
                out.push(r);
            }
            Err(e) => {
                let at = match e.position() {
                    Some(p) => p.byte() as usize,
                    None => t.text.len(),
                };
                t.c.error(at..at, "line", format!("malformed CSV: {e}"));
                return None;
            }
        }
    }
    Some((header, out))
}

/// A number as messages show it.
fn show(x: f64) -> String {
    format!("{x}")
}

/// A number field.
fn number(s: &str) -> Option<f64> {
    s.parse::<f64>().ok()
}

/// Read `--sizes` (`actor,size`, optional `name`, `source`, `note`) and `--propensities`
/// (`a,b,p`, optional `source`, `note`; or a matrix whose header is an empty cell, or
/// `actor`, then the actor ids, each row an actor id and its propensities). `name` names the
/// landscape.
pub fn parse_csv(
    sizes: (&str, &str),
    props: (&str, &str),
    name: &str,
    default_p: Option<f64>,
) -> Result<Landscape, InputError> {
    let (list, seen) = read_sizes(sizes)?;
    let ids: Vec<String> = list.iter().map(|a| a.id.clone()).collect();
    let (p, defaulted) = read_propensities(props, &seen, &ids, default_p)?;
    Ok(Landscape {
        name: name.to_string(),
        title: name.to_string(),
        actors: list,
        p,
        defaulted,
    })
}

/// The columns of a sizes file.
struct SizeColumns {
    actor: usize,
    size: usize,
    name: Option<usize>,
    source: Option<usize>,
    note: Option<usize>,
}

/// Read and check the sizes file (text, name): its actors and each id's index among them.
fn read_sizes(
    (sizes, sizes_file): (&str, &str),
) -> Result<(Vec<Actor>, HashMap<String, usize>), InputError> {
    let mut st = CsvText::new(sizes);
    let mut list: Vec<Actor> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    if let Some((header, recs)) = records(&mut st) {
        let col = |n: &str| header.iter().position(|h| h == n);
        match (col("actor"), col("size")) {
            (Some(actor), Some(size)) => {
                let cols = SizeColumns {
                    actor,
                    size,
                    name: col("name"),
                    source: col("source"),
                    note: col("note"),
                };
                (list, seen) = size_rows(&mut st, &recs, &cols);
            }
            _ => st.c.error(
                0..0,
                "header",
                format!(
                    "found the columns {:?}, expected `actor` and `size` (and optionally `name`, `source`, `note`)",
                    header.iter().collect::<Vec<_>>()
                ),
            ),
        }
    }
    let n = list.len();
    if st.c.is_empty() && n < 2 {
        st.c.error(
            sizes.len()..sizes.len(),
            "actor",
            format!("found {n} actors, expected at least 2"),
        );
    }
    if n > ACTORS_MAX {
        st.c.error(
            0..0,
            "actor",
            format!("found {n} actors, expected at most {ACTORS_MAX}"),
        );
    }
    if !st.c.is_empty() {
        return Err(InputError::Invalid(vec![st.c.finish(sizes_file)]));
    }
    Ok((list, seen))
}

/// The actors of the rows of a sizes file, and each id's index among them; a row with a bad
/// or repeated id or a bad size is reported and left out.
fn size_rows(
    st: &mut CsvText<'_>,
    recs: &[csv::StringRecord],
    cols: &SizeColumns,
) -> (Vec<Actor>, HashMap<String, usize>) {
    let mut list: Vec<Actor> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut lines: Vec<u64> = Vec::new();
    let (ia, is) = (cols.actor, cols.size);
    for r in recs {
        let id = r[ia].to_string();
        if !is_valid_id(&id) {
            st.error(r, ia, "actor", format!("expected an id of 1 to 32 letters, digits, `_`, `-` or `.`, starting with a letter, found `{id}`"));
            continue;
        }
        if let Some(&first) = seen.get(&id) {
            st.error(
                r,
                ia,
                "actor",
                format!(
                    "duplicate actor `{id}` (first on line {}); expected each actor once",
                    lines[first]
                ),
            );
            continue;
        }
        let size = match number(&r[is]) {
            Some(x) if x.is_finite() && x > 0.0 && x <= SIZE_MAX => x,
            _ => {
                st.error(
                    r,
                    is,
                    "size",
                    format!(
                        "expected a finite number > 0 and at most {SIZE_MAX:e}, found `{}`",
                        &r[is]
                    ),
                );
                continue;
            }
        };
        let opt = |k: Option<usize>| k.map(|k| r[k].to_string()).filter(|s| !s.is_empty());
        seen.insert(id.clone(), list.len());
        lines.push(r.position().map_or(0, |p| p.line()));
        list.push(Actor {
            name: opt(cols.name).unwrap_or_else(|| id.clone()),
            id,
            size,
            source: opt(cols.source),
            note: opt(cols.note),
        });
    }
    (list, seen)
}

/// The propensities of a CSV file being read: the actors of the sizes file (each id's index,
/// and the ids in order) and the propensities given so far, each with the line giving it.
struct CsvProps<'a> {
    seen: &'a HashMap<String, usize>,
    ids: &'a [String],
    grid: Grid<u64>,
}

impl CsvProps<'_> {
    /// The message for an actor id that is not one of the sizes file.
    fn unknown(&self, id: &str) -> String {
        let hint = closest(id, self.ids.iter().map(String::as_str))
            .map_or(String::new(), |k| format!("; did you mean `{k}`?"));
        format!("unknown actor `{id}`{hint} (the actors are those of the sizes file)")
    }
}

/// Read and check the propensities file (text, name), as pairs or as a matrix, for the
/// actors of the sizes file: the propensities (`n × n`) and how many pairs took `default_p`.
fn read_propensities(
    (props, props_file): (&str, &str),
    seen: &HashMap<String, usize>,
    ids: &[String],
    default_p: Option<f64>,
) -> Result<(Vec<f64>, usize), InputError> {
    let mut pt = CsvText::new(props);
    let mut g = CsvProps {
        seen,
        ids,
        grid: Grid::new(ids.len()),
    };
    let mut last_pos = 0..0;
    if let Some((header, recs)) = records(&mut pt) {
        let col = |n: &str| header.iter().position(|h| h == n);
        if let (Some(ia), Some(ib), Some(ip)) = (col("a"), col("b"), col("p")) {
            pairs_csv(&mut pt, &recs, [ia, ib, ip], &mut g);
        } else if header.get(0).is_some_and(|h| h.is_empty() || h == "actor") {
            matrix_csv(&mut pt, &header, &recs, &mut g);
        } else {
            pt.c.error(
                0..0,
                "header",
                format!(
                    "found the columns {:?}, expected `a,b,p` (one row per pair) or a matrix whose header starts with an empty cell or `actor`, then the actor ids",
                    header.iter().collect::<Vec<_>>()
                ),
            );
        }
        last_pos = props.len()..props.len();
    }
    let mut defaulted = 0;
    if pt.c.is_empty() {
        let (d, missing) = g.grid.fill(default_p, |i, j| {
            pt.c.error(
                last_pos.clone(),
                format!("{}-{}", ids[i], ids[j]),
                format!(
                    "missing: no propensity for {} and {}; expected a row `{},{},P` (or --default-p to give every missing pair one value)",
                    ids[i], ids[j], ids[i], ids[j]
                ),
            );
        });
        defaulted = d;
        if missing > 20 {
            pt.c.error(
                last_pos,
                "pairs",
                format!("{missing} pairs have no propensity in all (the first 20 are listed)"),
            );
        }
    }
    if !pt.c.is_empty() {
        return Err(InputError::Invalid(vec![pt.c.finish(props_file)]));
    }
    Ok((g.grid.p, defaulted))
}

/// Field `k` of `r` as a propensity (finite, at most [`PROPENSITY_MAX`] in absolute value),
/// or `None` once reported under `field`.
fn csv_propensity(
    pt: &mut CsvText<'_>,
    r: &csv::StringRecord,
    k: usize,
    field: &str,
) -> Option<f64> {
    match number(&r[k]) {
        Some(x) if x.is_finite() && x.abs() <= PROPENSITY_MAX => Some(x),
        _ => {
            pt.error(
                r,
                k,
                field,
                format!(
                    "expected a finite number from -{PROPENSITY_MAX:e} to {PROPENSITY_MAX:e}, found `{}`",
                    &r[k]
                ),
            );
            None
        }
    }
}

/// The propensities of a pairs CSV, whose columns `a`, `b` and `p` are at `cols`: two known,
/// different actors and a propensity in range per row, each pair once.
fn pairs_csv(
    pt: &mut CsvText<'_>,
    recs: &[csv::StringRecord],
    [ia, ib, ip]: [usize; 3],
    g: &mut CsvProps<'_>,
) {
    for r in recs {
        let line = r.position().map_or(0, |q| q.line());
        let mut idx = [0usize; 2];
        let mut known = true;
        for (slot, (k, colname)) in idx.iter_mut().zip([(ia, "a"), (ib, "b")]) {
            match g.seen.get(&r[k]) {
                Some(&i) => *slot = i,
                None => {
                    pt.error(r, k, colname, g.unknown(&r[k]));
                    known = false;
                }
            }
        }
        if !known {
            continue;
        }
        let (i, j) = (idx[0].min(idx[1]), idx[0].max(idx[1]));
        if i == j {
            pt.error(
                r,
                ib,
                "b",
                "found the same actor as `a`, expected two different actors",
            );
            continue;
        }
        let Some(x) = csv_propensity(pt, r, ip, "p") else {
            continue;
        };
        if let Some(first) = g.grid.given(i, j) {
            pt.error(
                r,
                ia,
                "a",
                format!(
                    "duplicate pair {}-{} (first on line {first}); expected each pair once, in either order",
                    g.ids[i], g.ids[j]
                ),
            );
            continue;
        }
        g.grid.set(i, j, x, line);
    }
}

/// The propensities of a matrix CSV.
fn matrix_csv(
    pt: &mut CsvText<'_>,
    header: &csv::StringRecord,
    recs: &[csv::StringRecord],
    g: &mut CsvProps<'_>,
) {
    let Some(cols) = matrix_columns(pt, header, g) else {
        return;
    };
    let rows = matrix_rows(pt, recs, g);
    if !pt.c.is_empty() {
        return;
    }
    matrix_cells(pt, &cols, &rows, g);
}

/// The actor each column of a matrix CSV holds (`None` for the first column and for a
/// column reported as unknown or repeated); `None` once reported when there is not one
/// column per actor.
fn matrix_columns(
    pt: &mut CsvText<'_>,
    header: &csv::StringRecord,
    g: &CsvProps<'_>,
) -> Option<Vec<Option<usize>>> {
    let mut cols: Vec<Option<usize>> = vec![None];
    for (k, h) in header.iter().enumerate().skip(1) {
        match g.seen.get(h) {
            Some(&i) if !cols.contains(&Some(i)) => cols.push(Some(i)),
            Some(_) => {
                let at = pt.field_offset(0, k);
                pt.c.error(
                    at..at,
                    h,
                    format!("actor `{h}` heads two columns; expected each once"),
                );
                cols.push(None);
            }
            None => {
                let at = pt.field_offset(0, k);
                pt.c.error(at..at, h, g.unknown(h));
                cols.push(None);
            }
        }
    }
    let n = g.ids.len();
    if cols.len() != n + 1 {
        pt.c.error(
            0..0,
            "header",
            format!(
                "found {} actor columns, expected {n} (every actor of the sizes file)",
                cols.len() - 1
            ),
        );
        return None;
    }
    Some(cols)
}

/// The row of each actor in a matrix CSV, with its line; a row of an unknown actor or a
/// second row of one is reported.
fn matrix_rows<'r>(
    pt: &mut CsvText<'_>,
    recs: &'r [csv::StringRecord],
    g: &CsvProps<'_>,
) -> Vec<Option<(u64, &'r csv::StringRecord)>> {
    let mut rows: Vec<Option<(u64, &csv::StringRecord)>> = vec![None; g.ids.len()];
    for r in recs {
        let line = r.position().map_or(0, |q| q.line());
        let id = &r[0];
        match g.seen.get(id) {
            Some(&i) => {
                if let Some((first, _)) = rows[i] {
                    pt.error(
                        r,
                        0,
                        "actor",
                        format!("a second row for `{id}` (the first is line {first}); expected one row per actor"),
                    );
                    continue;
                }
                rows[i] = Some((line, r));
            }
            None => pt.error(r, 0, "actor", g.unknown(id)),
        }
    }
    rows
}

/// Check the cells of a matrix CSV (a row per actor, propensities in range, a zero diagonal,
/// symmetric) and put them in `g`.
fn matrix_cells(
    pt: &mut CsvText<'_>,
    cols: &[Option<usize>],
    rows: &[Option<(u64, &csv::StringRecord)>],
    g: &mut CsvProps<'_>,
) {
    let ids = g.ids;
    for (i, row) in rows.iter().enumerate() {
        let Some((line, r)) = *row else {
            pt.c.error(
                pt.text.len()..pt.text.len(),
                "actor",
                format!("no row for `{}`; expected one row per actor", ids[i]),
            );
            continue;
        };
        for (k, col) in cols.iter().enumerate().skip(1) {
            let Some(j) = *col else { continue };
            let field = ids[j].clone();
            let Some(x) = csv_propensity(pt, r, k, &field) else {
                continue;
            };
            if i == j {
                if x != 0.0 {
                    pt.error(
                        r,
                        k,
                        &field,
                        format!("found `{}`, expected 0 on the diagonal", &r[k]),
                    );
                }
                continue;
            }
            let (a, b) = (i.min(j), i.max(j));
            match g.grid.given(a, b) {
                None => g.grid.set(a, b, x, line),
                Some(first) => {
                    let other = g.grid.value(a, b);
                    if other.to_bits() != x.to_bits() {
                        pt.error(
                            r,
                            k,
                            &field,
                            format!(
                                "asymmetric matrix: found {} for ({}, {}) but {} for ({}, {}) on line {first}; expected p_ij = p_ji",
                                &r[k], ids[i], ids[j], other, ids[j], ids[i]
                            ),
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ABC: &str = r#"[landscape]
name = "abc"

[[actor]]
id = "a"
size = 1

[[actor]]
id = "b"
size = 2

[[actor]]
id = "c"
size = 3

[[pair]]
actors = ["a", "b"]
p = 1

[[pair]]
actors = ["a", "c"]
p = -1

[[pair]]
actors = ["c", "b"]
p = -1
"#;

    fn problems(text: &str) -> String {
        match parse_toml(text, "f.toml", None) {
            Ok(_) => panic!("accepted:\n{text}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_valid_file_reads() {
        let l = parse_toml(ABC, "f.toml", None).unwrap();
        assert_eq!(l.n(), 3);
        assert_eq!(l.p, vec![0.0, 1.0, -1.0, 1.0, 0.0, -1.0, -1.0, -1.0, 0.0]);
        assert_eq!(l.energy(&[false, false, true]), -18.0);
    }

    #[test]
    fn the_matrix_form_reads_the_same() {
        let text = ABC.split("[[pair]]").next().unwrap().to_string()
            + "[matrix]\nrows = [[0, 1, -1], [1, 0, -1], [-1, -1, 0]]\n";
        assert_eq!(
            parse_toml(&text, "f.toml", None).unwrap(),
            parse_toml(ABC, "f.toml", None).unwrap()
        );
        let bad = text.replace("[1, 0, -1]", "[0.5, 0, -1]");
        let e = problems(&bad);
        assert!(
            e.contains(
                "f.toml:17:22: matrix.b.a: asymmetric matrix: found 0.5 for (b, a) but 1 for (a, b)"
            ),
            "{e}"
        );
    }

    #[test]
    fn problems_are_located() {
        let e = problems(&ABC.replace("actors = [\"c\", \"b\"]", "actors = [\"c\", \"bb\"]"));
        assert!(
            e.contains("f.toml:25:16: pair.c-bb.actors: unknown actor `bb`; did you mean `b`?"),
            "{e}"
        );
        assert!(e.contains("f.toml:13:6: pair.b-c: missing"), "{e}");
        let e = problems(&ABC.replace("size = 2", "size = 0"));
        assert!(
            e.contains("f.toml:10:8: actor.b.size: expected a finite number > 0"),
            "{e}"
        );
        let e = problems(&ABC.replace("p = 1\n", "p = nan\n"));
        assert!(e.contains("pair.a-b.p: expected a finite number"), "{e}");
        let e = problems(&ABC.replace("actors = [\"c\", \"b\"]", "actors = [\"b\", \"a\"]"));
        assert!(
            e.contains(
                "f.toml:25:10: pair.b-a.actors: duplicate pair a-b (first given on line 17)"
            ),
            "{e}"
        );
        let e = problems(&ABC.replace("size = 3", "sise = 3"));
        assert!(
            e.contains("actor.c.sise: unknown field `sise`; did you mean `size`?"),
            "{e}"
        );
        let e = problems(&ABC.replace("name = \"abc\"", "name = \"a\\u001b[2J\""));
        assert!(e.contains("control character U+001B"), "{e}");
        let with_default = parse_toml(
            &ABC.replace("[[pair]]\nactors = [\"c\", \"b\"]\np = -1\n", ""),
            "f.toml",
            Some(0.5),
        )
        .unwrap();
        assert_eq!((with_default.defaulted, with_default.p[5]), (1, 0.5));
    }

    #[test]
    fn csv_pairs_and_matrix() {
        let sizes = "actor,size\na,1\nb,2\nc,3\n";
        let pairs = "a,b,p\na,b,1\nc,a,-1\nb,c,-1\n";
        let matrix = ",a,b,c\na,0,1,-1\nb,1,0,-1\nc,-1,-1,0\n";
        let l1 = parse_csv((sizes, "s.csv"), (pairs, "p.csv"), "abc", None).unwrap();
        let l2 = parse_csv((sizes, "s.csv"), (matrix, "m.csv"), "abc", None).unwrap();
        assert_eq!(l1, l2);
        assert_eq!(l1.energy(&[false, false, true]), -18.0);
        let err = |s: &str, p: &str| {
            parse_csv((s, "s.csv"), (p, "p.csv"), "abc", None)
                .unwrap_err()
                .to_string()
        };
        assert!(err(sizes, "a,b,p\na,b,1\nc,a,-1\n").contains("p.csv:4:1: b-c: missing"));
        let e = err(sizes, "a,b,p\na,b,1\nc,a,NaN\nb,c,-1\n");
        assert!(e.contains("p.csv:3:5: p: expected a finite number"), "{e}");
        let e = err(sizes, "a,b,p\na,b,1\nc,a,-1\nb,c,-1\nb,a,2\n");
        assert!(
            e.contains("p.csv:5:1: a: duplicate pair a-b (first on line 2)"),
            "{e}"
        );
        let e = err("actor,size\na,1\nb,0\n", pairs);
        assert!(
            e.contains("s.csv:3:3: size: expected a finite number > 0"),
            "{e}"
        );
        let e = err(sizes, &matrix.replace("b,1,0,-1", "b,1,0,-2"));
        assert!(
            e.contains(
                "p.csv:4:6: b: asymmetric matrix: found -1 for (c, b) but -2 for (b, c) on line 3"
            ),
            "{e}"
        );
        let e = err(sizes, "a,b,p\na,d,1\n");
        assert!(e.contains("p.csv:2:3: b: unknown actor `d`"), "{e}");
    }
}
