//! The module graph has no cycle: between the library's top-level modules (folders and
//! files under `src/`), and between the files of one folder. Read from the `use` lines and
//! paths of the sources (code only: comments and `#[cfg(test)]` modules are left out), so
//! that ARCHITECTURE.md's layering stays literally true.

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
