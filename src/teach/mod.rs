//! Teaching tools: the story of one run in plain language ([`explain`]), the same runs
//! under several theories side by side ([`compare`]), and a self-contained HTML report of a
//! results folder with its charts ([`report`], drawn by [`charts`], its sources read by
//! [`sources`]; backtest, score and sweep folders get pages of their own, [`backtest`] and
//! [`sweep`], which read their files with [`csvread`]; so do landscape folders, [`landscape`]).
//!
//! Everything here builds text or bytes; the command-line layer prints and writes them.

pub mod backtest;
pub mod charts;
pub mod compare;
pub mod csvread;
pub mod explain;
pub mod html;
pub mod landscape;
pub mod report;
pub mod results;
pub mod sources;
pub mod sweep;

use crate::scenario::{Effect, Scenario, Target};

/// A path like `state.CHN.offense` or `pair.CHN-RUS.mistrust` for an event's target, as in
/// scenario files and `--set`.
pub fn target_path(s: &Scenario, t: Target) -> String {
    let id = |i: usize| s.states[i].id.as_str();
    match t {
        Target::State { i, field } => format!("state.{}.{}", id(i), field.name()),
        Target::Pair { i, j, field } => format!("pair.{}-{}.{}", id(i), id(j), field.name()),
        Target::Intent { from, to } => format!("intent.{}-{}", id(from), id(to)),
        Target::Baseline { from, to } => format!("baseline.{}-{}", id(from), id(to)),
    }
}

/// An event effect in words: `mul pair.USA-CHN.trade 0.85`.
pub fn effect_text(s: &Scenario, e: &Effect) -> String {
    format!("{} {} {}", e.op, target_path(s, e.target), e.value)
}

/// Indices of the two states of a pair named `A-B` (either order), if both exist.
pub fn pair_index(s: &Scenario, name: &str) -> Option<(usize, usize)> {
    // State ids may themselves contain `-`: try every split point.
    name.match_indices('-').find_map(|(k, _)| {
        let (a, b) = (&name[..k], &name[k + 1..]);
        match (s.index(a), s.index(b)) {
            (Some(i), Some(j)) if i != j => Some((i.min(j), i.max(j))),
            _ => None,
        }
    })
}
