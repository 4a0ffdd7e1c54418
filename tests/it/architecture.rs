//! The module graph has no cycle: between the library's top-level modules (folders and
//! files under `src/`), and between the files of one folder. Read from the `use` lines and
//! paths of the sources (code only: comments and `#[cfg(test)]` modules are left out), so
//! that ARCHITECTURE.md's layering stays literally true. And no function outside test
//! modules is longer than [`LONGEST_FUNCTION`] lines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, recursively, in name order.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            out.extend(sources(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out
}

/// The code of a source file: lines before its first `#[cfg(test)]`, without comments.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .take_while(|l| l.trim() != "#[cfg(test)]")
        .filter(|l| !l.trim_start().starts_with("//"))
        .map(|l| l.split(" //").next().unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The identifiers that follow `prefix` in `text` (`crate::model::x` → `model`).
fn after<'a>(text: &'a str, prefix: &str) -> BTreeSet<&'a str> {
    text.match_indices(prefix)
        .filter(|(i, _)| {
            // A whole path segment: not `xcrate::` or `a_super::`.
            !text[..*i].ends_with(|c: char| c.is_alphanumeric() || c == '_')
        })
        .map(|(i, _)| {
            let rest = &text[i + prefix.len()..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .filter(|m| !m.is_empty())
        .collect()
}

/// A cycle of `graph`, if any (depth-first search).
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match state.get(node) {
            Some(2) => return None,
            Some(1) => {
                let start = path.iter().position(|p| p == node).unwrap_or(0);
                let mut c = path[start..].to_vec();
                c.push(node.to_string());
                return Some(c);
            }
            _ => {}
        }
        state.insert(node.to_string(), 1);
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, state, path) {
                return Some(c);
            }
        }
        path.pop();
        state.insert(node.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if let Some(c) = visit(node, graph, &mut state, &mut Vec::new()) {
            return Some(c);
        }
    }
    None
}

fn show(graph: &BTreeMap<String, BTreeSet<String>>) -> String {
    graph
        .iter()
        .map(|(k, v)| {
            format!(
                "  {k} -> {}",
                v.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_module_graph_has_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut top: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut files: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let files_of = |folder: &str| -> BTreeSet<String> {
        sources(&src.join(folder))
            .iter()
            .filter_map(|p| p.file_stem()?.to_str().map(str::to_string))
            .filter(|s| s != "mod")
            .collect()
    };
    for path in sources(&src) {
        let rel = path.strip_prefix(&src).expect("under src");
        let parts: Vec<String> = rel
            .components()
            .map(|c| {
                c.as_os_str()
                    .to_string_lossy()
                    .trim_end_matches(".rs")
                    .to_string()
            })
            .collect();
        let module = parts[0].clone();
        if module == "main" || module == "lib" || module == "cli" {
            continue; // the binary and the crate root sit above every module
        }
        let text = code(&path);
        let node = top.entry(module.clone()).or_default();
        for m in after(&text, "crate::") {
            if m != module {
                node.insert(m.to_string());
            }
        }
        // Files of one folder: a sibling named by `super::x::` or `crate::folder::x::`
        // (not the folder's `mod.rs`, which declares its children).
        if parts.len() == 2 && parts[1] != "mod" {
            let siblings = files_of(&module);
            let me = format!("{module}/{}", parts[1]);
            let mut refs = after(&text, "super::");
            refs.extend(after(&text, &format!("crate::{module}::")));
            let node = files.entry(me).or_default();
            for r in refs
                .into_iter()
                .filter(|r| siblings.contains(*r) && *r != parts[1])
            {
                node.insert(format!("{module}/{r}"));
            }
        }
    }
    assert!(top.len() >= 8, "found the modules: {top:?}");
    if let Some(c) = cycle(&top) {
        panic!(
            "the modules depend on each other in a circle: {}\n{}",
            c.join(" -> "),
            show(&top)
        );
    }
    if let Some(c) = cycle(&files) {
        panic!(
            "files of one folder depend on each other in a circle: {}",
            c.join(" -> ")
        );
    }
}

/// The check itself finds a circle where there is one.
#[test]
fn the_cycle_check_finds_a_circle() {
    let g = |edges: &[(&str, &str)]| {
        let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (a, b) in edges {
            g.entry(a.to_string()).or_default().insert(b.to_string());
        }
        g
    };
    assert_eq!(cycle(&g(&[("a", "b"), ("b", "c")])), None);
    let c = cycle(&g(&[("a", "b"), ("b", "c"), ("c", "a")])).expect("a circle");
    assert_eq!(c.first(), c.last());
    assert_eq!(c.len(), 4);
    assert_eq!(
        after(
            "use crate::model::x; crate::stats::y; notcrate::z",
            "crate::"
        ),
        BTreeSet::from(["model", "stats"])
    );
}

/// The longest a function may be outside test modules, every line from its `fn` to its
/// closing brace counted: longer ones are split by phase or section.
const LONGEST_FUNCTION: usize = 120;

/// `text` with the contents of comments, string and character literals blanked (newlines
/// kept), so that the braces left are the code's.
fn blank_literals(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    // Copy `c[i..j]` blanked (newlines kept), and continue at `j`.
    let blank = |out: &mut String, from: usize, to: usize| {
        out.extend(
            c[from..to]
                .iter()
                .map(|&x| if x == '\n' { '\n' } else { ' ' }),
        );
    };
    while i < c.len() {
        let rest = |k: usize| c.get(i + k).copied();
        let end = if c[i] == '/' && rest(1) == Some('/') {
            (i..c.len()).find(|&k| c[k] == '\n').unwrap_or(c.len())
        } else if c[i] == '/' && rest(1) == Some('*') {
            let (mut k, mut depth) = (i + 2, 1);
            while k < c.len() && depth > 0 {
                if c[k] == '/' && c.get(k + 1) == Some(&'*') {
                    depth += 1;
                    k += 1;
                } else if c[k] == '*' && c.get(k + 1) == Some(&'/') {
                    depth -= 1;
                    k += 1;
                }
                k += 1;
            }
            k
        } else if c[i] == 'r'
            && matches!(rest(1), Some('"' | '#'))
            && !(i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_'))
        {
            // A raw string: r"…", r#"…"#, …
            let hashes = (i + 1..c.len()).take_while(|&k| c[k] == '#').count();
            if c.get(i + 1 + hashes) != Some(&'"') {
                out.push(c[i]);
                i += 1;
                continue;
            }
            let close: Vec<char> = std::iter::once('"')
                .chain((0..hashes).map(|_| '#'))
                .collect();
            let start = i + 2 + hashes;
            (start..c.len())
                .find(|&k| c[k..].starts_with(&close))
                .map_or(c.len(), |k| k + close.len())
        } else if c[i] == '"' {
            let mut k = i + 1;
            while k < c.len() && c[k] != '"' {
                k += if c[k] == '\\' { 2 } else { 1 };
            }
            k + 1
        } else if c[i] == '\'' && (rest(2) == Some('\'') || rest(1) == Some('\\')) {
            // A character literal ('x' or '\n', '\u{…}'), not a lifetime.
            let mut k = i + 2;
            while k < c.len() && c[k] != '\'' {
                k += 1;
            }
            k + 1
        } else {
            out.push(c[i]);
            i += 1;
            continue;
        };
        let end = end.min(c.len());
        blank(&mut out, i, end);
        i = end;
    }
    out
}

/// Every function of `text` (its code before `#[cfg(test)]`): name, first line (1-based) and
/// length in lines, from the `fn` line to the line of its closing brace.
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let text: String = text
        .lines()
        .take_while(|l| l.trim() != "#[cfg(test)]")
        .collect::<Vec<_>>()
        .join("\n");
    let code = blank_literals(&text);
    let lines: Vec<&str> = code.lines().collect();
    let mut out = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some(at) = words.iter().position(|w| *w == "fn") else {
            continue;
        };
        let before_ok = words[..at].iter().all(|w| {
            w.starts_with("pub")
                || matches!(*w, "const" | "async" | "unsafe" | "extern" | "\"C\"" | "\"")
                || w.trim().is_empty()
        });
        let Some(name) = words.get(at + 1) else {
            continue;
        };
        if !before_ok {
            continue;
        }
        let name: String = name
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        // From the `fn` on: its body's braces, or a `;` first (a declaration).
        let (mut depth, mut opened) = (0usize, false);
        let mut end = None;
        'scan: for (k, l) in lines.iter().enumerate().skip(start) {
            let from = if k == start {
                l.find("fn ").unwrap_or(0)
            } else {
                0
            };
            for ch in l[from..].chars() {
                match ch {
                    ';' if !opened => break 'scan,
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' if opened => {
                        depth -= 1;
                        if depth == 0 {
                            end = Some(k);
                            break 'scan;
                        }
                    }
                    _ => {}
                }
            }
        }
        if let Some(end) = end {
            out.push((name, start + 1, end - start + 1));
        }
    }
    out
}

#[test]
fn no_function_is_longer_than_the_limit() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut long = Vec::new();
    let mut count = 0;
    for dir in ["src", "web/src"] {
        for path in sources(&root.join(dir)) {
            let text = std::fs::read_to_string(&path).expect("a source file");
            for (name, line, len) in functions(&text) {
                count += 1;
                if len > LONGEST_FUNCTION {
                    let rel = path.strip_prefix(root).unwrap_or(&path).display();
                    long.push(format!("  {rel}:{line}: {name}, {len} lines"));
                }
            }
        }
    }
    assert!(count > 1000, "found only {count} functions");
    assert!(
        long.is_empty(),
        "functions over {LONGEST_FUNCTION} lines (split them by phase or section):\n{}",
        long.join("\n")
    );
}

/// The function finder measures what it should, braces in literals and comments aside.
#[test]
fn functions_are_measured_from_fn_to_their_closing_brace() {
    let text = r##"
/// Doc { with a brace.
pub(crate) fn one(x: u32) -> u32 {
    let s = "}}} not code"; // nor this }
    let r = r#"a raw "}" string"#;
    let c = '}';
    let _l: &'static str = "{";
    /* a block { comment */
    if x > 0 { x } else { 0 }
}

fn declared(x: u32) -> u32;

pub fn two<'a>(a: &'a str) -> &'a str {
    a
}

#[cfg(test)]
fn in_tests() {
}
"##;
    assert_eq!(
        functions(text),
        vec![("one".to_string(), 3, 8), ("two".to_string(), 14, 3)]
    );
}
