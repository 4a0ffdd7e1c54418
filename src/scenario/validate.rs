//! Raw scenario -> validated [`Scenario`], collecting every problem found.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use super::diag::{Collector, Diagnostics, range_text, show, suggestion};
use super::parse::{Broken, parse_raw};
use super::raw::{
    RawEffect, RawEvent, RawIntent, RawMeta, RawPair, RawPower, RawScenario, RawState, S,
};
use super::target::{
    Bounds, INTENT_BOUNDS, Op, PATH_SHAPES, PairField, PathRef, StateField, Target, parse_path,
};
use super::{Doc, Effect, Event, PairDoc, PowerSpec, Scenario, State, Trigger, geo};
use crate::params::{self, Params, Theory};

/// Largest number of steps a scenario may ask for.
const MAX_STEPS: f64 = 100_000.0;
/// Simulated years when `horizon` is not given.
const DEFAULT_HORIZON: f64 = 12.0;
/// Years per step when `dt` is not given.
const DEFAULT_DT: f64 = 0.25;
/// Largest number of states.
const MAX_STATES: usize = 1000;

pub(super) fn parse_and_validate(text: &str, file: &str) -> Result<Scenario, Diagnostics> {
    let mut c = Collector::new(text);
    let Some((raw, broken)) = parse_raw(text, &mut c) else {
        return Err(c.finish(file));
    };
    // The entries that could be read are checked even when others could not: one run of
    // `validate` reports type and range problems together.
    match validate(&raw, &broken, &mut c) {
        Some(s) if c.is_empty() && !broken.any => Ok(s),
        _ => Err(c.finish(file)),
    }
}

fn span<T>(s: &S<T>) -> Range<usize> {
    s.span()
}

fn doc(source: &Option<S<String>>, note: &Option<S<String>>) -> Doc {
    Doc {
        source: source.as_ref().map(|s| s.get_ref().clone()),
        note: note.as_ref().map(|s| s.get_ref().clone()),
    }
}

/// A checked number: finite and within [lo, hi]; records a diagnostic otherwise.
fn num(c: &mut Collector<'_>, v: &S<f64>, field: &str, lo: f64, hi: f64) -> Option<f64> {
    let x = *v.get_ref();
    if !x.is_finite() {
        c.error(
            span(v),
            field,
            format!(
                "expected a finite number{}, found {}",
                range_text(lo, hi),
                show(x)
            ),
        );
        None
    } else if x < lo || x > hi {
        c.error(
            span(v),
            field,
            format!("expected a number{}, found {}", range_text(lo, hi), show(x)),
        );
        None
    } else {
        Some(x)
    }
}

/// Like [`num`] but with a strict lower bound (`x > lo`).
fn num_pos(c: &mut Collector<'_>, v: &S<f64>, field: &str, lo: f64, hi: f64) -> Option<f64> {
    let x = *v.get_ref();
    let what = if hi < f64::MAX {
        format!("in ({}, {}]", show(lo), show(hi))
    } else {
        format!("> {}", show(lo))
    };
    if !x.is_finite() {
        c.error(
            span(v),
            field,
            format!("expected a finite number {what}, found {}", show(x)),
        );
        return None;
    }
    if x <= lo {
        c.error(
            span(v),
            field,
            format!("expected a number {what}, found {}", show(x)),
        );
        return None;
    }
    num(c, v, field, lo, hi)
}

/// A number checked against `bounds` (the table shared with `--set` and event effects);
/// records a diagnostic otherwise.
fn bounded(c: &mut Collector<'_>, v: &S<f64>, field: &str, bounds: Bounds) -> Option<f64> {
    let x = *v.get_ref();
    if bounds.contains(x) {
        return Some(x);
    }
    let finite = if x.is_finite() { "" } else { "finite " };
    c.error(
        span(v),
        field,
        format!(
            "expected a {finite}number{}, found {}",
            bounds.text(),
            show(x)
        ),
    );
    None
}

/// The bounds of a state field the table lists.
fn state_field(name: &str) -> Bounds {
    super::target::listed_state(name)
}

/// The bounds of a pair field the table lists.
fn pair_field(name: &str) -> Bounds {
    super::target::listed_pair(name)
}

/// [`bounded`] for a value that may be left out (`default`).
fn opt_bounded(
    c: &mut Collector<'_>,
    v: &Option<S<f64>>,
    field: &str,
    bounds: Bounds,
    default: f64,
) -> Option<f64> {
    match v {
        Some(v) => bounded(c, v, field, bounds),
        None => Some(default),
    }
}

fn is_valid_id(id: &str) -> bool {
    let mut ch = id.chars();
    (2..=8).contains(&id.len())
        && ch.next().is_some_and(|c| c.is_ascii_uppercase())
        && ch.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.starts_with('.')
}

struct Ids<'r> {
    index: HashMap<&'r str, usize>,
    list: Vec<&'r str>,
    /// Ids of `[[state]]` entries dropped for shape problems: referring to them is no error
    /// of its own.
    dropped: std::collections::HashSet<String>,
}

impl<'r> Ids<'r> {
    /// Resolve an id or record "unknown state".
    fn resolve(
        &self,
        c: &mut Collector<'_>,
        id: &str,
        at: Range<usize>,
        field: &str,
    ) -> Option<usize> {
        match self.index.get(id) {
            Some(&i) => Some(i),
            None if self.dropped.contains(id) => None,
            None => {
                let hint = suggestion(id, self.list.iter().copied());
                c.error(at, field, format!("unknown state `{id}`{hint} (states are declared with [[state]] id = \"...\")"));
                None
            }
        }
    }
}

fn validate(raw: &RawScenario, broken: &Broken, c: &mut Collector<'_>) -> Option<Scenario> {
    let meta = match &raw.scenario {
        Some(m) => Some(validate_meta(m.get_ref(), c)),
        // Its shape problem is reported.
        None if broken.scenario => None,
        None => {
            c.error(
                0..0,
                "scenario",
                "missing the [scenario] table (name, start_year, ...)",
            );
            None
        }
    };
    let params = raw.params.as_ref().map(|p| {
        validate_params(
            p.get_ref(),
            meta.as_ref().map_or(Theory::Walt, |m| m.theory),
            c,
        )
    });
    // Too few states may only be too few read: the count is checked when every entry was.
    if broken.states.is_empty() || raw.state.len() > MAX_STATES {
        check_state_count(&raw.state, c)?;
    }
    // State ids first, so that everything else can refer to them.
    let mut ids = state_ids(&raw.state, c);
    // A state whose entry could not be read is still declared: no "unknown state" for it.
    for id in broken.states.iter().flatten() {
        ids.dropped.insert(id.clone());
    }
    let power = raw
        .power
        .as_ref()
        .map(|p| validate_power(p.get_ref(), &raw.state, c));
    let states: Vec<Option<State>> = raw
        .state
        .iter()
        .map(|s| validate_state(s.get_ref(), power.as_ref(), c))
        .collect();
    let mut pairs = validate_pairs(&raw.pair, &ids, raw.state.len(), c);
    let intents = validate_intents(&raw.intent, &ids, raw.state.len(), c);
    let events = validate_events(&raw.event, meta.as_ref(), &ids, c);
    let key_pairs = raw
        .scenario
        .as_ref()
        .map(|m| validate_key_pairs(m.get_ref(), &ids, c))
        .unwrap_or_default();

    // Everything below needs every state valid; problems in pairs, intents and
    // events have been reported above whatever the states hold.
    if !broken.states.is_empty() {
        return None;
    }
    let mut states: Vec<State> = states.into_iter().collect::<Option<Vec<_>>>()?;
    let power_spec = match power {
        Some(Some(spec @ PowerSpec::Components { .. })) => {
            power_from_components(spec, raw, &mut states, c)?
        }
        Some(None) => return None,
        _ => PowerSpec::Direct,
    };
    let distance_derived = pairs.derive_distances(&states);
    let intent = default_intents(&states, &intents.given);

    let meta = meta?;
    let params = match params {
        Some(p) => p?,
        None => (meta.theory.params(), Vec::new()),
    };
    if !c.is_empty() {
        return None;
    }
    let m = raw.scenario.as_ref()?.get_ref();
    Some(Scenario {
        name: meta.name,
        title: m
            .title
            .as_ref()
            .map_or_else(String::new, |t| t.get_ref().clone()),
        description: m
            .description
            .as_ref()
            .map_or_else(String::new, |t| t.get_ref().clone()),
        start_year: meta.start_year,
        horizon: meta.horizon,
        dt: meta.dt,
        steps: meta.steps,
        seed: meta.seed,
        runs: meta.runs,
        theory: meta.theory,
        key_pairs,
        overrides: params.1,
        params: params.0,
        power_spec,
        states,
        distance: pairs.distance,
        border: pairs.border,
        trade: pairs.trade,
        trade_known: pairs.trade_known,
        mistrust: pairs.mistrust,
        affinity: pairs.affinity,
        alignment: pairs.alignment,
        treaty: pairs.treaty,
        intent,
        distance_derived,
        pair_docs: pairs.docs,
        intent_docs: intents.docs,
        events,
        doc: doc(&m.source, &m.note),
    })
}

/// `[scenario] key_pairs`: each `"A-B"` names two different declared states, once.
fn validate_key_pairs(m: &RawMeta, ids: &Ids<'_>, c: &mut Collector<'_>) -> Vec<(usize, usize)> {
    let Some(list) = &m.key_pairs else {
        return Vec::new();
    };
    let mut out: Vec<(usize, usize)> = Vec::new();
    for entry in list.get_ref() {
        let (text, at) = (entry.get_ref().as_str(), span(entry));
        let field = "scenario.key_pairs";
        let Some((a, b)) = text.split_once('-') else {
            c.error(
                at,
                field,
                format!("expected a pair of state ids as \"A-B\", found \"{text}\""),
            );
            continue;
        };
        let (Some(i), Some(k)) = (
            ids.resolve(c, a, at.clone(), field),
            ids.resolve(c, b, at.clone(), field),
        ) else {
            continue;
        };
        if i == k {
            c.error(
                at,
                field,
                format!("expected two different states, found \"{text}\""),
            );
            continue;
        }
        let pair = (i.min(k), i.max(k));
        if out.contains(&pair) {
            c.error(at, field, format!("the pair \"{text}\" is listed twice"));
            continue;
        }
        out.push(pair);
    }
    out
}

/// At least two states and at most [`MAX_STATES`]; `None` (recorded) otherwise.
fn check_state_count(states: &[S<RawState>], c: &mut Collector<'_>) -> Option<()> {
    if states.is_empty() {
        c.error(
            0..0,
            "state",
            "the scenario declares no states: expected at least two [[state]] tables",
        );
        return None;
    }
    if states.len() == 1 {
        c.error(
            span(&states[0]),
            "state",
            "the scenario declares one state: expected at least two [[state]] tables",
        );
        return None;
    }
    if states.len() > MAX_STATES {
        c.error(
            span(&states[MAX_STATES]),
            "state",
            format!("too many states: at most {MAX_STATES}"),
        );
        return None;
    }
    Some(())
}

/// The state ids, each checked and recorded once (a duplicate is reported, not indexed).
fn state_ids<'r>(states: &'r [S<RawState>], c: &mut Collector<'_>) -> Ids<'r> {
    let mut ids = Ids {
        index: HashMap::new(),
        list: Vec::new(),
        dropped: Default::default(),
    };
    for (k, st) in states.iter().enumerate() {
        let id = st.get_ref().id.get_ref().as_str();
        let at = span(&st.get_ref().id);
        if !is_valid_id(id) {
            c.error(at.clone(), format!("state.{id}.id"), format!("expected an id of 2 to 8 capital letters, digits or `_`, starting with a letter (ISO 3166 alpha-3 for real states), found `{id}`"));
        }
        if ids.index.contains_key(id) {
            let first = ids.index[id];
            let (line, _) = c.map.position(span(&states[first].get_ref().id).start);
            c.error(
                at,
                format!("state.{id}.id"),
                format!("duplicate state id `{id}` (first declared on line {line})"),
            );
        } else {
            // The index into `raw.state` (and `states`), also when an earlier id was a duplicate.
            ids.index.insert(id, k);
            ids.list.push(id);
        }
    }
    ids
}

/// The values of the `[[pair]]` tables as `n × n` matrices (both orders of each pair).
struct PairValues {
    n: usize,
    distance: Vec<f64>,
    /// Whether the file gave the distance (the others are computed from coordinates).
    distance_given: Vec<bool>,
    border: Vec<bool>,
    trade: Vec<f64>,
    /// Whether the file gave the trade (the others are unknown, taken as 0).
    trade_known: Vec<bool>,
    mistrust: Vec<f64>,
    affinity: Vec<f64>,
    alignment: Vec<f64>,
    treaty: Vec<f64>,
    docs: Vec<PairDoc>,
}

impl PairValues {
    fn new(n: usize) -> Self {
        Self {
            n,
            distance: vec![0.0; n * n],
            distance_given: vec![false; n * n],
            border: vec![false; n * n],
            trade: vec![0.0; n * n],
            trade_known: vec![false; n * n],
            mistrust: vec![0.0; n * n],
            affinity: vec![0.0; n * n],
            alignment: vec![0.0; n * n],
            treaty: vec![0.0; n * n],
            docs: Vec::new(),
        }
    }

    /// Record the values of pair `{i, j}` (written `label`) that are valid.
    fn read(&mut self, p: &RawPair, i: usize, j: usize, label: &str, c: &mut Collector<'_>) {
        let n = self.n;
        let f = |name: &str| format!("pair.{label}.{name}");
        let set = |m: &mut Vec<f64>, v: Option<f64>| {
            if let Some(v) = v {
                m[i * n + j] = v;
                m[j * n + i] = v;
            }
        };
        if let Some(d) = &p.distance_km
            && let Some(d) = bounded(c, d, &f("distance_km"), pair_field("distance_km"))
        {
            set(&mut self.distance, Some(d));
            self.distance_given[i * n + j] = true;
            self.distance_given[j * n + i] = true;
        }
        let v = p
            .trade
            .as_ref()
            .and_then(|v| bounded(c, v, &f("trade"), pair_field("trade")));
        if v.is_some() {
            self.trade_known[i * n + j] = true;
            self.trade_known[j * n + i] = true;
        }
        set(&mut self.trade, v);
        let v = p
            .mistrust
            .as_ref()
            .and_then(|v| bounded(c, v, &f("mistrust"), pair_field("mistrust")));
        set(&mut self.mistrust, v);
        let v = p
            .affinity
            .as_ref()
            .and_then(|v| bounded(c, v, &f("affinity"), pair_field("affinity")));
        set(&mut self.affinity, v);
        let v = p
            .alignment
            .as_ref()
            .and_then(|v| bounded(c, v, &f("alignment"), pair_field("alignment")));
        set(&mut self.alignment, v);
        let v = p
            .treaty
            .as_ref()
            .and_then(|v| bounded(c, v, &f("treaty"), pair_field("treaty")));
        set(&mut self.treaty, v);
        if let Some(b) = &p.border {
            self.border[i * n + j] = *b.get_ref();
            self.border[j * n + i] = *b.get_ref();
        }
        self.docs.push(PairDoc {
            i: i.min(j),
            j: i.max(j),
            doc: doc(&p.source, &p.note),
        });
    }

    /// Fill the distances the file did not give from the capitals' coordinates; returns
    /// which ones were computed.
    fn derive_distances(&mut self, states: &[State]) -> Vec<bool> {
        let n = self.n;
        let mut derived = vec![false; n * n];
        for i in 0..n {
            for j in 0..n {
                if i != j && !self.distance_given[i * n + j] {
                    self.distance[i * n + j] = geo::haversine_km(
                        states[i].lat,
                        states[i].lon,
                        states[j].lat,
                        states[j].lon,
                    );
                    derived[i * n + j] = true;
                }
            }
        }
        derived
    }
}

/// Pairs: the values listed; distances not given are computed from coordinates later
/// ([`PairValues::derive_distances`]).
fn validate_pairs(
    pairs: &[S<RawPair>],
    ids: &Ids<'_>,
    n: usize,
    c: &mut Collector<'_>,
) -> PairValues {
    let mut values = PairValues::new(n);
    let mut seen: HashMap<(usize, usize), usize> = HashMap::new();
    for p in pairs {
        let at = span(p);
        let p = p.get_ref();
        if let Some((i, j, label)) = pair_states(p, ids, &seen, c) {
            seen.insert((i.min(j), i.max(j)), at.start);
            values.read(p, i, j, &label, c);
        }
    }
    values
}

/// The two states of a pair and its label `A-B`, if they are two known, different states
/// not paired before (`seen`: the start of each pair listed so far).
fn pair_states(
    p: &RawPair,
    ids: &Ids<'_>,
    seen: &HashMap<(usize, usize), usize>,
    c: &mut Collector<'_>,
) -> Option<(usize, usize, String)> {
    let names = p.states.get_ref();
    if names.len() != 2 {
        c.error(
            span(&p.states),
            "pair.states",
            format!(
                "expected two state ids, e.g. states = [\"CHN\", \"RUS\"], found {}",
                names.len()
            ),
        );
        return None;
    }
    let label = format!("{}-{}", names[0].get_ref(), names[1].get_ref());
    let field = format!("pair.{label}.states");
    let a = ids.resolve(c, names[0].get_ref(), span(&names[0]), &field);
    let b = ids.resolve(c, names[1].get_ref(), span(&names[1]), &field);
    let (i, j) = (a?, b?);
    if i == j {
        c.error(
            span(&p.states),
            field,
            format!(
                "a pair of `{}` with itself: expected two different states",
                names[0].get_ref()
            ),
        );
        return None;
    }
    if let Some(&first) = seen.get(&(i.min(j), i.max(j))) {
        let (line, _) = c.map.position(first);
        c.error(span(&p.states), field, format!("duplicate pair {label} (first listed on line {line}); each unordered pair may be listed once"));
        return None;
    }
    Some((i, j, label))
}

/// The intents a file lists.
struct Intents {
    /// `I_ji` at `j * n + i` when listed and valid (the others default to the aggression of
    /// `j`, [`default_intents`]).
    given: Vec<Option<f64>>,
    /// `(j, i, doc)` of each intent listed.
    docs: Vec<(usize, usize, Doc)>,
}

/// The intents listed, each checked.
fn validate_intents(
    intents: &[S<RawIntent>],
    ids: &Ids<'_>,
    n: usize,
    c: &mut Collector<'_>,
) -> Intents {
    let mut intent_given: Vec<Option<f64>> = vec![None; n * n];
    let mut intent_docs = Vec::new();
    let mut seen_intents: HashMap<(usize, usize), usize> = HashMap::new();
    for it in intents {
        let at = span(it);
        let it = it.get_ref();
        let label = format!("{}-{}", it.from.get_ref(), it.to.get_ref());
        let field = format!("intent.{label}");
        let a = ids.resolve(
            c,
            it.from.get_ref(),
            span(&it.from),
            &format!("{field}.from"),
        );
        let b = ids.resolve(c, it.to.get_ref(), span(&it.to), &format!("{field}.to"));
        let v = bounded(c, &it.value, &format!("{field}.value"), INTENT_BOUNDS);
        let (Some(j), Some(i)) = (a, b) else { continue };
        if i == j {
            c.error(
                span(&it.to),
                format!("{field}.to"),
                "an intent of a state toward itself: expected two different states",
            );
            continue;
        }
        if let Some(&first) = seen_intents.get(&(j, i)) {
            let (line, _) = c.map.position(first);
            c.error(
                at,
                field,
                format!("duplicate intent {label} (first listed on line {line})"),
            );
            continue;
        }
        seen_intents.insert((j, i), at.start);
        intent_given[j * n + i] = v;
        intent_docs.push((j, i, doc(&it.source, &it.note)));
    }
    Intents {
        given: intent_given,
        docs: intent_docs,
    }
}

/// Default intent I_ji = A_j where the file lists none.
fn default_intents(states: &[State], intent_given: &[Option<f64>]) -> Vec<f64> {
    let n = states.len();
    let mut intent = vec![0.0; n * n];
    for j in 0..n {
        for i in 0..n {
            if i != j {
                intent[j * n + i] = intent_given[j * n + i].unwrap_or(states[j].aggression);
            }
        }
    }
    intent
}

/// The events that are valid; every problem recorded, duplicate names included.
fn validate_events(
    raw: &[S<RawEvent>],
    meta: Option<&Meta>,
    ids: &Ids<'_>,
    c: &mut Collector<'_>,
) -> Vec<Event> {
    let mut events = Vec::new();
    let mut event_names: HashMap<&str, usize> = HashMap::new();
    for ev in raw {
        let at = span(ev);
        let name = ev.get_ref().name.get_ref().as_str();
        if let Some(&first) = event_names.get(name) {
            let (line, _) = c.map.position(first);
            c.error(span(&ev.get_ref().name), format!("event.{name}.name"), format!("duplicate event name `{name}` (first on line {line}); names identify events in the outputs"));
        }
        event_names.insert(name, at.start);
        if let Some(e) = validate_event(ev.get_ref(), meta, ids, c) {
            events.push(e);
        }
    }
    events
}

/// Component shares -> power (and GDP from its component): `spec` is the `[power]` table's
/// components; `None` (recorded) when a weighted component is 0 for every state.
fn power_from_components(
    spec: PowerSpec,
    raw: &RawScenario,
    states: &mut [State],
    c: &mut Collector<'_>,
) -> Option<PowerSpec> {
    let PowerSpec::Components {
        weights,
        gdp_component,
    } = &spec
    else {
        return Some(spec);
    };
    for (name, w) in weights {
        if *w == 0.0 {
            continue;
        }
        let total: f64 = states.iter().map(|s| component(s, name)).sum();
        if total <= 0.0 {
            let at = raw
                .power
                .as_ref()
                .and_then(|p| p.get_ref().weights.get_ref().get(name))
                .map_or(0..0, span);
            c.error(
                at,
                format!("power.weights.{name}"),
                format!("component `{name}` is 0 for every state: its share is undefined"),
            );
            return None;
        }
        for s in states.iter_mut() {
            s.power += w * component(s, name) / total;
        }
    }
    for (k, s) in states.iter_mut().enumerate() {
        if let Some(g) = gdp_component {
            s.gdp = Some(component(s, g));
        }
        if s.power <= 0.0 {
            c.error(span(&raw.state[k].get_ref().id), format!("state.{}.components", s.id), "power from components is 0: give the state a positive value for at least one weighted component");
        }
    }
    Some(spec)
}

fn component(s: &State, name: &str) -> f64 {
    s.components
        .iter()
        .find(|(k, _)| k == name)
        .map_or(0.0, |(_, v)| *v)
}

struct Meta {
    name: String,
    /// First and last year of the simulation, when both `start_year` and `horizon` are valid.
    years: Option<(f64, f64)>,
    start_year: f64,
    horizon: f64,
    dt: f64,
    steps: usize,
    seed: u64,
    runs: u64,
    theory: Theory,
}

fn validate_meta(m: &RawMeta, c: &mut Collector<'_>) -> Meta {
    let name = m.name.get_ref().clone();
    if !is_valid_name(&name) {
        c.error(span(&m.name), "scenario.name", format!("expected a short name of letters, digits, `-`, `_` or `.` (at most 64, used for the results folder; put free text in `title`), found `{name}`"));
    }
    let start_year = num(c, &m.start_year, "scenario.start_year", -10_000.0, 10_000.0);
    let horizon = match &m.horizon {
        Some(h) => num_pos(c, h, "scenario.horizon", 0.0, 1000.0),
        None => Some(DEFAULT_HORIZON),
    };
    let dt = match &m.dt {
        Some(d) => num_pos(c, d, "scenario.dt", 0.0, horizon.unwrap_or(f64::INFINITY)),
        None => Some(DEFAULT_DT),
    };
    // Only when both are valid: a bad horizon must not also be reported as a bad dt.
    let mut steps = (DEFAULT_HORIZON / DEFAULT_DT).round();
    if let (Some(horizon), Some(dt)) = (horizon, dt) {
        let ratio = horizon / dt;
        steps = ratio.round();
        if (ratio - steps).abs() > 1e-9 * ratio.max(1.0) {
            let at = m.dt.as_ref().or(m.horizon.as_ref()).map_or(0..0, span);
            c.error(
                at,
                "scenario.dt",
                format!(
                    "horizon ({}) must be a whole number of steps of dt ({}): {} steps is not whole",
                    show(horizon),
                    show(dt),
                    show(ratio)
                ),
            );
        } else if steps > MAX_STEPS {
            let at = m.dt.as_ref().map_or(0..0, span);
            c.error(
                at,
                "scenario.dt",
                format!("horizon / dt = {steps} steps: expected at most {MAX_STEPS}"),
            );
        }
    }
    let seed = match &m.seed {
        Some(s) if *s.get_ref() < 0 => {
            c.error(
                span(s),
                "scenario.seed",
                format!("expected a seed >= 0, found {}", s.get_ref()),
            );
            0
        }
        Some(s) => *s.get_ref() as u64,
        None => 1,
    };
    let runs = match &m.runs {
        Some(r) if *r.get_ref() < 1 => {
            c.error(
                span(r),
                "scenario.runs",
                format!("expected a number of runs >= 1, found {}", r.get_ref()),
            );
            1
        }
        Some(r) => *r.get_ref() as u64,
        None => 1000,
    };
    let theory = match &m.theory {
        Some(t) => match Theory::parse(t.get_ref()) {
            Some(t) => t,
            None => {
                let names = Theory::ALL.map(Theory::name);
                let hint = suggestion(t.get_ref(), names);
                c.error(span(t), "scenario.theory", format!("unknown theory `{}`{hint} (expected one of walt, waltz, bandwagon, liberal)", t.get_ref()));
                Theory::Walt
            }
        },
        None => Theory::Walt,
    };
    Meta {
        name,
        // Events fire at the steps that update the world, t = start + k·dt for k < steps: the
        // last one is computed exactly as `Scenario::year` computes it.
        years: start_year
            .zip(horizon)
            .zip(dt)
            .map(|((s, _), d)| (s, s + (steps.max(1.0) - 1.0) * d)),
        start_year: start_year.unwrap_or(0.0),
        horizon: horizon.unwrap_or(DEFAULT_HORIZON),
        dt: dt.unwrap_or(DEFAULT_DT),
        steps: steps.max(1.0) as usize,
        seed,
        runs,
        theory,
    }
}

/// `[params]`: returns the resolved parameters and the overrides as written.
fn validate_params(
    map: &BTreeMap<String, S<toml::Value>>,
    theory: Theory,
    c: &mut Collector<'_>,
) -> Option<(Params, Vec<(String, String)>)> {
    let mut p = theory.params();
    let mut overrides = Vec::new();
    let mut ok = true;
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_by_key(|(_, v)| v.span().start);
    for (name, v) in entries {
        let field = format!("params.{name}");
        let at = span(v);
        match (name.as_str(), v.get_ref()) {
            ("source" | "note", toml::Value::String(_)) => continue,
            ("source" | "note", _) => {
                c.error(at, field, "expected a string");
                ok = false;
            }
            ("threat_form", toml::Value::String(s)) => match params::ThreatForm::parse(s) {
                Some(f) => {
                    p.threat_form = f;
                    overrides.push((name.clone(), s.clone()));
                }
                None => {
                    c.error(
                        at,
                        field,
                        format!("expected \"product\" or \"sum\", found \"{s}\""),
                    );
                    ok = false;
                }
            },
            ("threat_form", other) => {
                c.error(
                    at,
                    field,
                    format!(
                        "expected \"product\" or \"sum\", found {}",
                        other.type_str()
                    ),
                );
                ok = false;
            }
            (_, value) => {
                if let Some(why) = params::removed_v1(name) {
                    c.error(at, field, format!("`{name}` was a parameter of model v1, removed in v2: {why} (docs/model.md, changes from v1)"));
                    ok = false;
                    continue;
                }
                let Some(spec) = params::spec(name) else {
                    let hint = suggestion(name, params::names());
                    c.error(at, field, format!("unknown model parameter `{name}`{hint} (see docs/model.md for the list)"));
                    ok = false;
                    continue;
                };
                let x = match value {
                    toml::Value::Float(x) => *x,
                    toml::Value::Integer(i) => *i as f64,
                    other => {
                        c.error(
                            at,
                            field,
                            format!(
                                "expected a number{}, found {}",
                                range_text(spec.min, spec.max),
                                other.type_str()
                            ),
                        );
                        ok = false;
                        continue;
                    }
                };
                let sv = S::new(at.clone(), x);
                match num(c, &sv, &field, spec.min, spec.max) {
                    Some(x) => {
                        if let Some(slot) = p.get_mut(name) {
                            *slot = x;
                        }
                        overrides.push((name.clone(), show(x)));
                    }
                    None => ok = false,
                }
            }
        }
    }
    if ok && let Some(msg) = p.threshold_problem() {
        let at = [
            "alliance_threshold",
            "alignment_threshold",
            "rivalry_threshold",
        ]
        .iter()
        .find_map(|k| map.get(*k))
        .map_or(0..0, span);
        c.error(at, "params.alliance_threshold", msg);
        ok = false;
    }
    ok.then_some((p, overrides))
}

/// `[power]`: returns `None` when it is invalid (diagnostics recorded).
fn validate_power(
    p: &RawPower,
    states: &[S<RawState>],
    c: &mut Collector<'_>,
) -> Option<PowerSpec> {
    let mut ok = true;
    let mut weights = Vec::new();
    if p.weights.get_ref().is_empty() {
        c.error(
            span(&p.weights),
            "power.weights",
            "expected at least one component weight, e.g. weights = { gdp = 0.5, milex = 0.5 }",
        );
        return None;
    }
    for (name, w) in p.weights.get_ref() {
        match num(c, w, &format!("power.weights.{name}"), 0.0, 1.0e6) {
            Some(w) => weights.push((name.clone(), w)),
            None => ok = false,
        }
    }
    if ok && weights.iter().all(|(_, w)| *w == 0.0) {
        c.error(
            span(&p.weights),
            "power.weights",
            "every weight is 0: expected at least one positive weight",
        );
        ok = false;
    }
    let gdp_component = match &p.gdp_component {
        Some(g) => {
            let name = g.get_ref();
            let missing = states.iter().find(|s| {
                !s.get_ref()
                    .components
                    .as_ref()
                    .is_some_and(|m| m.get_ref().contains_key(name))
            });
            if let Some(s) = missing {
                c.error(span(g), "power.gdp_component", format!("component `{name}` is named as GDP but state {} has no `{name}` in its components", s.get_ref().id.get_ref()));
                ok = false;
            }
            Some(name.clone())
        }
        None => None,
    };
    ok.then_some(PowerSpec::Components {
        weights,
        gdp_component,
    })
}

fn validate_state(
    s: &RawState,
    power: Option<&Option<PowerSpec>>,
    c: &mut Collector<'_>,
) -> Option<State> {
    let id = s.id.get_ref().clone();
    let f = |name: &str| format!("state.{id}.{name}");
    let mut ok = true;
    let mut components = Vec::new();
    if let Some(m) = &s.components {
        for (k, v) in m.get_ref() {
            match num(c, v, &f(&format!("components.{k}")), 0.0, 1.0e12) {
                Some(x) => components.push((k.clone(), x)),
                None => ok = false,
            }
        }
    }
    let mut state_power = 0.0;
    let mut gdp = None;
    match power {
        Some(spec) => {
            if let Some(pw) = &s.power {
                c.error(span(pw), f("power"), "power is computed from components because the [power] table is present: remove `power` here, or remove [power] and give every state `power`");
                ok = false;
            }
            if let Some(g) = &s.gdp {
                c.error(span(g), f("gdp"), "with a [power] table, GDP comes from a component (power.gdp_component): remove `gdp` here and put it in `components`");
                ok = false;
            }
            if let Some(PowerSpec::Components { weights, .. }) = spec {
                let given = s.components.as_ref().map(|m| m.get_ref());
                for (name, _) in weights {
                    if !given.is_some_and(|m| m.contains_key(name)) {
                        let at = s.components.as_ref().map_or_else(|| span(&s.id), span);
                        c.error(at, f(&format!("components.{name}")), format!("missing component `{name}`: the [power] table weights it, so every state needs a value"));
                        ok = false;
                    }
                }
            }
        }
        None => {
            match &s.power {
                Some(pw) => match bounded(c, pw, &f("power"), state_field("power")) {
                    Some(x) => state_power = x,
                    None => ok = false,
                },
                None => {
                    c.error(span(&s.id), f("power"), "missing `power`: give it directly (> 0), or add a [power] table with component weights and give `components`");
                    ok = false;
                }
            }
            if let Some(m) = &s.components
                && !m.get_ref().is_empty()
            {
                c.error(
                    span(m),
                    f("components"),
                    "components are given but there is no [power] table saying how to weight them",
                );
                ok = false;
            }
            if let Some(g) = &s.gdp {
                gdp = bounded(c, g, &f("gdp"), state_field("gdp"));
                ok &= gdp.is_some();
            }
        }
    }
    let offense = bounded(c, &s.offense, &f("offense"), state_field("offense"));
    let growth = opt_bounded(c, &s.growth, &f("growth"), state_field("growth"), 0.0);
    let volatility = opt_bounded(
        c,
        &s.volatility,
        &f("volatility"),
        state_field("volatility"),
        0.0,
    );
    let lat = bounded(c, &s.lat, &f("lat"), state_field("lat"));
    let lon = bounded(c, &s.lon, &f("lon"), state_field("lon"));
    let aggression = bounded(
        c,
        &s.aggression,
        &f("aggression"),
        state_field("aggression"),
    );
    let autonomy = opt_bounded(c, &s.autonomy, &f("autonomy"), state_field("autonomy"), 0.0);
    if !ok {
        return None;
    }
    Some(State {
        name: s
            .name
            .as_ref()
            .map_or_else(|| id.clone(), |n| n.get_ref().clone()),
        id,
        power: state_power,
        gdp,
        components,
        offense: offense?,
        growth: growth?,
        volatility: volatility?,
        lat: lat?,
        lon: lon?,
        aggression: aggression?,
        autonomy: autonomy?,
        doc: doc(&s.source, &s.note),
    })
}

fn validate_event(
    ev: &RawEvent,
    meta: Option<&Meta>,
    ids: &Ids<'_>,
    c: &mut Collector<'_>,
) -> Option<Event> {
    let name = ev.name.get_ref().clone();
    let f = |k: &str| format!("event.{name}.{k}");
    if name.trim().is_empty() {
        c.error(span(&ev.name), f("name"), "expected a non-empty event name");
    }
    let trigger = match (&ev.at, &ev.hazard) {
        (Some(at), None) => {
            // Events fire at the steps that update the world, the last at start + horizon − dt.
            // Without valid years only finiteness can be checked (the years are reported).
            let (lo, hi) = meta
                .and_then(|m| m.years)
                .unwrap_or((f64::NEG_INFINITY, f64::INFINITY));
            num(c, at, &f("at"), lo, hi).map(Trigger::At)
        }
        (None, Some(h)) => num(c, h, &f("hazard"), 0.0, 100.0).map(Trigger::Hazard),
        (Some(_), Some(h)) => {
            c.error(
                span(h),
                f("hazard"),
                "an event has either `at` (scheduled) or `hazard` (random), not both",
            );
            None
        }
        (None, None) => {
            c.error(span(&ev.name), f("at"), "missing trigger: expected `at = <year>` (scheduled) or `hazard = <rate per year>` (random)");
            None
        }
    };
    let once = ev.once.as_ref().is_none_or(|o| *o.get_ref());
    if let (Some(Trigger::At(_)), Some(o)) = (trigger, &ev.once)
        && !*o.get_ref()
    {
        c.error(
            span(o),
            f("once"),
            "a scheduled event (`at`) fires once; `once = false` needs a `hazard`",
        );
    }
    if ev.effects.get_ref().is_empty() {
        c.error(span(&ev.effects), f("effects"), "expected at least one effect, e.g. { target = \"pair.USA-CHN.trade\", op = \"mul\", value = 0.85 }");
    }
    let mut effects = Vec::new();
    for (k, e) in ev.effects.get_ref().iter().enumerate() {
        if let Some(e) = validate_effect(e.get_ref(), &f(&format!("effects[{k}]")), ids, c) {
            effects.push(e);
        }
    }
    (effects.len() == ev.effects.get_ref().len()).then_some(())?;
    Some(Event {
        name,
        trigger: trigger?,
        once,
        effects,
        doc: doc(&ev.source, &ev.note),
    })
}

/// The target of an effect (`tf` names it in messages): a state, pair, intent or baseline
/// path of known states and fields. `Some(None)`: a problem recorded, the effect's other
/// fields still checked; `None`: a problem recorded that ends the effect's checks.
fn effect_target(
    target: &S<String>,
    tf: &str,
    ids: &Ids<'_>,
    c: &mut Collector<'_>,
) -> Option<Option<Target>> {
    let path = target.get_ref();
    let at = span(target);
    match parse_path(path) {
        Err(e) => {
            c.error(at, tf, e.to_string());
            Some(None)
        }
        Ok(PathRef::Param(_)) => {
            c.error(at, tf, format!("expected a path {PATH_SHAPES}, found `{path}`; model parameters cannot be changed by events"));
            Some(None)
        }
        Ok(PathRef::State(id, name)) => {
            let i = ids.resolve(c, id, at.clone(), tf);
            let fld = StateField::parse(name);
            if fld.is_none() {
                let hint = suggestion(name, StateField::NAMES);
                let extra = if name == "aggression" {
                    "; aggression only sets the default intents at the start: use `intent.<FROM>-<TO>` or `baseline.<FROM>-<TO>`"
                } else {
                    ""
                };
                c.error(
                    at.clone(),
                    tf,
                    format!(
                        "unknown state field `{name}` for events{hint}{extra} (expected one of {})",
                        StateField::NAMES.join(", ")
                    ),
                );
            }
            Some(Some(Target::State { i: i?, field: fld? }))
        }
        Ok(PathRef::Pair(a, b, name)) => {
            let i = ids.resolve(c, a, at.clone(), tf);
            let j = ids.resolve(c, b, at.clone(), tf);
            let fld = PairField::parse(name);
            if fld.is_none() {
                let hint = suggestion(name, PairField::NAMES);
                c.error(
                    at.clone(),
                    tf,
                    format!(
                        "unknown pair field `{name}` for events{hint} (expected one of {})",
                        PairField::NAMES.join(", ")
                    ),
                );
            }
            let (i, j) = (i?, j?);
            if i == j {
                c.error(
                    at,
                    tf,
                    format!("a pair of `{a}` with itself: expected two different states"),
                );
                return None;
            }
            Some(Some(Target::Pair { i, j, field: fld? }))
        }
        Ok(PathRef::Intent(a, b) | PathRef::Baseline(a, b)) => {
            let from = ids.resolve(c, a, at.clone(), tf);
            let to = ids.resolve(c, b, at.clone(), tf);
            let (from, to) = (from?, to?);
            if from == to {
                c.error(
                    at,
                    tf,
                    format!("an intent of `{a}` toward itself: expected two different states"),
                );
                return None;
            }
            Some(Some(if path.starts_with("intent") {
                Target::Intent { from, to }
            } else {
                Target::Baseline { from, to }
            }))
        }
    }
}

fn validate_effect(
    e: &RawEffect,
    field: &str,
    ids: &Ids<'_>,
    c: &mut Collector<'_>,
) -> Option<Effect> {
    let target = effect_target(&e.target, &format!("{field}.target"), ids, c)?;
    let op = match Op::parse(e.op.get_ref()) {
        Some(op) => Some(op),
        None => {
            let hint = suggestion(e.op.get_ref(), ["set", "add", "mul"]);
            c.error(
                span(&e.op),
                format!("{field}.op"),
                format!(
                    "unknown operation `{}`{hint} (expected set, add or mul)",
                    e.op.get_ref()
                ),
            );
            None
        }
    };
    let vf = format!("{field}.value");
    let value = num(c, &e.value, &vf, f64::NEG_INFINITY, f64::INFINITY)?;
    let (target, op) = (target?, op?);
    if op == Op::Set {
        bounded(c, &e.value, &vf, target.bounds())?;
    }
    Some(Effect { target, op, value })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` states with a GDP each (none for the ids in `no_gdp`), then `pairs`.
    fn states(n: usize, no_gdp: &[usize], pairs: &str) -> String {
        let mut t = String::from("[scenario]\nname = \"t\"\nstart_year = 2000\n");
        for i in 0..n {
            let gdp = if no_gdp.contains(&i) {
                String::new()
            } else {
                "gdp = 10\n".into()
            };
            t += &format!(
                "[[state]]\nid = \"S{i}\"\npower = 1\n{gdp}offense = 0.5\nlat = {i}\nlon = 0\naggression = 0.3\n"
            );
        }
        t + pairs
    }

    #[test]
    fn type_and_range_problems_are_reported_together() {
        let text = "[scenario]\nname = \"mixed\"\nstart_year = 2000\nhorizon = 10\ndt = 0.5\n\
            [[state]]\nid = \"AAA\"\npower = \"strong\"\noffense = 0.5\naggression = 0.3\nlat = 0\nlon = 0\n\
            [[state]]\nid = \"BBB\"\npower = 1\noffense = 7\naggression = 0.3\nlat = 0\nlon = 10\n\
            [[intent]]\nfrom = \"AAA\"\nto = \"BBB\"\nvalue = 0.5\n\
            [[intent]]\nfrom = \"BBB\"\nto = \"AAA\"\nvalue = 9\n";
        let d = parse_and_validate(text, "t.toml").unwrap_err();
        let fields: Vec<&str> = d.items.iter().map(|d| d.field.as_str()).collect();
        // The type error, the range errors of the entries that could be read; no "unknown
        // state AAA" and no "one state" for the state whose entry could not be read.
        assert_eq!(
            fields,
            [
                "state.AAA.power",
                "state.BBB.offense",
                "intent.BBB-AAA.value"
            ],
            "{d}"
        );
        // A [scenario] that cannot be read is not also "missing".
        let text = text.replace("horizon = 10", "horizon = \"ten\"");
        let d = parse_and_validate(&text, "t.toml").unwrap_err();
        assert!(
            d.items
                .iter()
                .all(|d| !d.message.contains("missing the [scenario]")),
            "{d}"
        );
        assert_eq!(d.items[0].field, "scenario.horizon", "{d}");
    }

    #[test]
    fn powers_single_precision_cannot_tell_apart_are_named_in_a_warning() {
        let with = |powers: &[&str]| {
            let mut t = states(powers.len(), &[], "");
            for (i, p) in powers.iter().enumerate() {
                t = t.replacen(
                    &format!("id = \"S{i}\"\npower = 1\n"),
                    &format!("id = \"S{i}\"\npower = {p}\n"),
                    1,
                );
            }
            parse_and_validate(&t, "t.toml").unwrap()
        };
        // 1e-39 and 1e-40 are both below f32::MIN_POSITIVE: one value in the model.
        let w = with(&["1e-39", "1e-40", "1"])
            .precision_warning("t.toml")
            .unwrap();
        assert!(
            w.starts_with("t.toml: the model computes in single precision and cannot tell apart the powers of S0 (1e-39) and S1 (1e-40)"),
            "{w}"
        );
        // Distinct doubles that round to one single.
        let w = with(&["1", "1.00000001"])
            .precision_warning("t.toml")
            .unwrap();
        assert!(w.contains("S0 (1) and S1 (1.00000001)"), "{w}");
        // Equal powers, or powers single precision keeps apart: no warning.
        assert_eq!(with(&["1", "1", "2e-30"]).precision_warning("t.toml"), None);
        assert_eq!(with(&["1e-37", "2e-37"]).precision_warning("t.toml"), None);
    }

    #[test]
    fn pairs_without_trade_are_unknown_and_named_in_the_warning() {
        let s = parse_and_validate(&states(8, &[], ""), "t.toml").unwrap();
        assert_eq!(s.unknown_trade().0.len(), 28);
        assert_eq!(
            s.trade_warning("t.toml").unwrap(),
            "t.toml: 28 of 28 pairs have no trade figure (pair.S0-S1, pair.S0-S2, pair.S0-S3, \
             pair.S0-S4, pair.S0-S5, …): their trade is taken as 0; give trade = 0 to state it"
        );
        // Trade matters only where both states have a GDP; a stated 0 is known.
        let t = states(
            3,
            &[2],
            "[[pair]]\nstates = [\"S1\", \"S0\"]\ntrade = 0\ntreaty = 0.5\n",
        );
        let s = parse_and_validate(&t, "t.toml").unwrap();
        assert_eq!(s.unknown_trade(), (vec![], 1));
        assert_eq!(s.trade_warning("t.toml"), None);
        assert!(s.trade_known[1] && s.trade_known[3] && !s.trade_known[2]);
        assert_eq!((s.treaty[1], s.treaty[3], s.treaty[2]), (0.5, 0.5, 0.0));
        let t = states(3, &[2], "");
        let w = parse_and_validate(&t, "t.toml")
            .unwrap()
            .trade_warning("t.toml");
        assert_eq!(
            w.unwrap(),
            "t.toml: 1 of 1 pairs whose states both have a GDP has no trade figure (pair.S0-S1): \
             their trade is taken as 0; give trade = 0 to state it"
        );
    }

    #[test]
    fn numbers_in_messages_are_short() {
        assert_eq!(show(0.5), "0.5");
        assert_eq!(show(-0.1), "-0.1");
        assert_eq!(show(2018.0), "2018");
        assert_eq!(show(1e-12), "1e-12");
        assert_eq!(show(1e12), "1e12");
        assert_eq!(show(0.0), "0");
        assert_eq!(show(f64::NAN), "nan");
        assert_eq!(show(f64::NEG_INFINITY), "-inf");
    }

    #[test]
    fn ranges_without_a_bound_say_so() {
        assert_eq!(range_text(0.0, 1.0), " in [0, 1]");
        assert_eq!(range_text(0.0, f64::MAX), " >= 0");
        assert_eq!(range_text(f64::NEG_INFINITY, 5.0), " <= 5");
        assert_eq!(range_text(f64::MIN, f64::INFINITY), "");
    }
}
