//! `entente explain`: the story of one run, year by year, in plain language.
//!
//! An [`Observer`] with `DETAIL = true` records every decision of the focused states (their
//! principal threat, its four sources, the strategy and the values that decided it, the best
//! partners and the terms of their value), the class crossings of their pairs, and the events;
//! [`explain`] then keeps what a student needs to follow the run: every focused state's
//! decision at the start, then only changes (a new strategy or a new principal threat),
//! alliances and rivalries that form or lapse, events as they fire, a short summary every
//! `every` years, and the final state. The same [`Story`] renders as text, Markdown or JSON.

use serde::Serialize;

use crate::model::Simulator;
use crate::model::Strategy;
use crate::model::formulas::{PairClass, ThreatSources};
use crate::model::world::{Decision, Observer, RunOutcome, World, tidy};
use crate::output::format_year;
use crate::params::{Params, Params32, ThreatForm};
use crate::scenario::{Event, Scenario, upper};

mod render;

/// With this many states or fewer, every state is followed by default.
pub const FOCUS_ALL_UP_TO: usize = 5;
/// Otherwise, this many of the most powerful states are followed by default.
pub const FOCUS_DEFAULT: usize = 3;

/// What to explain.
#[derive(Debug, Clone)]
pub struct ExplainOptions {
    /// Run index (selects the run's random stream, as in `entente run`).
    pub run: u64,
    /// Master seed.
    pub seed: u64,
    /// State ids to follow; `None`: every state when there are at most
    /// [`FOCUS_ALL_UP_TO`], else the [`FOCUS_DEFAULT`] most powerful at the start.
    pub focus: Option<Vec<String>>,
    /// Years between summary lines (> 0).
    pub every: f64,
    /// Years a pair's new class must last to be told (≥ 0): a crossing the pair reverses
    /// sooner is noise around a threshold and is left out with its reversal; 0 tells every
    /// crossing ([`DEFAULT_SETTLE`]).
    pub settle: f64,
}

/// Errors in the options of [`explain`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExplainError {
    /// A `--focus` id is not a state of the scenario.
    #[error("--focus {id}: no such state in the scenario (states: {known}){hint}")]
    UnknownState {
        /// The id given.
        id: String,
        /// The scenario's ids.
        known: String,
        /// A suggestion, or empty.
        hint: String,
    },
    /// `--every` is not a positive number of years.
    #[error("--every {0}: expected a positive number of years")]
    Every(f64),
    /// `--settle` is not a number of years ≥ 0.
    #[error("--settle {0}: expected a number of years, 0 or more")]
    Settle(f64),
}

/// The story of one run.
#[derive(Debug, Clone, Serialize)]
pub struct Story {
    /// Scenario name.
    pub scenario: String,
    /// Scenario title.
    pub title: String,
    /// Theory preset.
    pub theory: String,
    /// The theory in one line.
    pub theory_summary: String,
    /// `product` or `sum`.
    pub threat_form: String,
    /// The weights of the four threat sources under this theory (0: the source is ignored).
    pub threat_weights: Sources,
    /// Master seed.
    pub seed: u64,
    /// Run index.
    pub run: u64,
    /// First year.
    pub start_year: f64,
    /// Last year (the horizon).
    pub end_year: f64,
    /// Years per step.
    pub dt: f64,
    /// Years between summaries.
    pub every: f64,
    /// The states followed, in scenario order.
    pub focus: Vec<String>,
    /// How they were chosen.
    pub focus_rule: String,
    /// Camp threat below which a state is secure.
    pub theta_secure: f64,
    /// Alignment at or above which a pair is an alliance.
    pub alliance_threshold: f64,
    /// Alignment at or above which a pair is aligned.
    pub alignment_threshold: f64,
    /// Alignment at or below which a pair is a rivalry.
    pub rivalry_threshold: f64,
    /// Distance (km) at which proximity halves.
    pub d0: f64,
    /// Years a new class must last to be told (0: every crossing is).
    pub settle: f64,
    /// Crossings of focused pairs left out because they were reversed within `settle` years
    /// (each reversal counted too).
    pub brief_crossings: usize,
    /// What happened, in order.
    pub entries: Vec<Entry>,
}

/// One thing that happened.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Entry {
    /// A focused state's decision: at the start, and whenever its strategy or principal
    /// threat changes.
    Decision(DecisionEntry),
    /// A pair with a focused state crossed a class boundary (e.g. became an alliance).
    Alignment(AlignmentEntry),
    /// An event fired.
    Event(EventEntry),
    /// Where the focused states stand (every `every` years).
    Summary(SummaryEntry),
    /// Where the run ends.
    Final(FinalEntry),
}

impl Entry {
    /// The year of the entry.
    pub fn year(&self) -> f64 {
        match self {
            Entry::Decision(e) => e.year,
            Entry::Alignment(e) => e.year,
            Entry::Event(e) => e.year,
            Entry::Summary(e) => e.year,
            Entry::Final(e) => e.year,
        }
    }
}

/// Why a decision is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reported {
    /// The first step.
    Start,
    /// The strategy changed (the principal threat may have changed too).
    StrategyChanged,
    /// The principal threat changed, the strategy did not.
    ThreatChanged,
}

/// The four sources of a threat, as numbers (or their weights).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Sources {
    /// Relative power of the threatening state, `Phat_h` (1 = the strongest).
    pub power: f64,
    /// Proximity `prox_ih` (0.5 at `d0`; a land border halves the distance).
    pub proximity: f64,
    /// Offensive capability `O_h`.
    pub offense: f64,
    /// Perceived intent `I_hi`: how aggressive `h` looks to `i`.
    pub intent: f64,
}

/// How much each source multiplies the threat relative to the reference level (product
/// form: the strongest state, `d0` away, offence and intent 0.5 give 1), or its share of the
/// weighted mean (sum form). A source whose weight is 0 has factor 1 (product) or share 0.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Factors {
    /// Power: `Phat^wP` (product) or `wP·Phat / Σw` (sum).
    pub power: f64,
    /// Proximity: `(prox / 0.5)^wD` or `wD·prox / Σw`.
    pub proximity: f64,
    /// Offence: `(O / 0.5)^wO` or `wO·O / Σw`.
    pub offense: f64,
    /// Intent: `(I / 0.5)^wI` or `wI·I / Σw`.
    pub intent: f64,
    /// Liberal dampening by trade, `1 − λ·e` (1 when trade does not dampen).
    pub dampening: f64,
}

/// One partner and the terms of its value (they add up to `value`).
#[derive(Debug, Clone, Serialize)]
pub struct PartnerEntry {
    /// The partner.
    pub state: String,
    /// Its value `V_ik`.
    pub value: f64,
    /// What its capability, projected to the threat, brings against it.
    pub power_brought: f64,
    /// Trade dependence on the partner.
    pub trade: f64,
    /// Ideological affinity.
    pub affinity: f64,
    /// A treaty to keep.
    pub treaty: f64,
    /// Minus historical mistrust.
    pub mistrust: f64,
    /// Minus the cost of commitment.
    pub autonomy: f64,
}

/// A focused state's decision and its reasons.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionEntry {
    /// Year.
    pub year: f64,
    /// Step.
    pub step: usize,
    /// The deciding state.
    pub state: String,
    /// Why this decision is reported.
    pub reported: Reported,
    /// `secure`, `balance` or `bandwagon`.
    pub strategy: String,
    /// The principal threat.
    pub principal: String,
    /// Strategy at the previous step, when reported for a change.
    pub previous_strategy: Option<String>,
    /// Principal threat at the previous step, when reported for a change.
    pub previous_principal: Option<String>,
    /// Camp threat of the principal threat, `κ`.
    pub kappa: f64,
    /// The principal threat's own threat `T` (before alliances).
    pub threat: f64,
    /// The four sources of `T`.
    pub sources: Sources,
    /// Capital distance to the principal threat, km.
    pub distance_km: f64,
    /// Whether they share a land border.
    pub border: bool,
    /// What each source contributes.
    pub factors: Factors,
    /// The source that raises the threat most: `power`, `proximity`, `offense` or `intent`.
    pub biggest_source: String,
    /// `need = min(1, κ / κ_ref)`.
    pub need: f64,
    /// Availability of allies `α`: the best partner's value, or 0.
    pub availability: f64,
    /// Bandwagon value `B`.
    pub bandwagon: f64,
    /// Self-help value `S`.
    pub self_help: f64,
    /// The threshold of security, `θ_secure`.
    pub theta_secure: f64,
    /// The reason, in one sentence.
    pub why: String,
    /// Best partners (at most three, positive values only), best first.
    pub partners: Vec<PartnerEntry>,
}

/// A pair crossing a class boundary.
#[derive(Debug, Clone, Serialize)]
pub struct AlignmentEntry {
    /// Year at which the new class is first observed.
    pub year: f64,
    /// Step.
    pub step: usize,
    /// First state (scenario order).
    pub a: String,
    /// Second state.
    pub b: String,
    /// Class before: `rivalry`, `neutral`, `aligned` or `alliance`.
    pub from: String,
    /// Class after.
    pub to: String,
    /// Alignment after.
    pub alignment: f64,
    /// What it means, in words (`a new alliance`, ...).
    pub meaning: String,
}

/// An event that fired.
#[derive(Debug, Clone, Serialize)]
pub struct EventEntry {
    /// Year.
    pub year: f64,
    /// Step.
    pub step: usize,
    /// Event name.
    pub name: String,
    /// Its effects, as `op path value`.
    pub effects: Vec<String>,
    /// The scenario's note on the event, if any.
    pub note: Option<String>,
}

/// A state's position in a summary.
#[derive(Debug, Clone, Serialize)]
pub struct StateLine {
    /// The state.
    pub state: String,
    /// Its strategy.
    pub strategy: String,
    /// Its principal threat.
    pub principal: String,
    /// Camp threat of the principal threat.
    pub kappa: f64,
    /// How aggressive the principal threat looks to the state (perceived intent `I_hi`).
    pub intent: f64,
}

/// A pair's alignment in a summary.
#[derive(Debug, Clone, Serialize)]
pub struct PairLine {
    /// First state.
    pub a: String,
    /// Second state.
    pub b: String,
    /// Alignment.
    pub alignment: f64,
    /// Its class.
    pub class: String,
}

/// Where the focused states stand.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryEntry {
    /// Year.
    pub year: f64,
    /// Step.
    pub step: usize,
    /// Each focused state.
    pub states: Vec<StateLine>,
    /// Each pair of focused states.
    pub pairs: Vec<PairLine>,
}

/// Where the run ends.
#[derive(Debug, Clone, Serialize)]
pub struct FinalEntry {
    /// Year (the horizon).
    pub year: f64,
    /// Step.
    pub step: usize,
    /// Each focused state.
    pub states: Vec<StateLine>,
    /// Each pair of focused states.
    pub pairs: Vec<PairLine>,
    /// Every pair (of all states) that ends as an alliance.
    pub alliances: Vec<PairLine>,
    /// Every pair that ends as a rivalry.
    pub rivalries: Vec<PairLine>,
    /// The final two camps (least frustration): the camp of the first state, then the other.
    pub camps: [Vec<String>; 2],
}

/// A pair's change of class: (step, i, k, from, to, alignment after).
type Change = (usize, usize, usize, PairClass, PairClass, f32);

/// The changes worth telling, in order, and how many were left out: a pair's crossing that
/// it reverses less than `settle` years later (`year` of a step) is noise around a threshold,
/// and is left out with its reversal. A pair's kept changes still chain (each starts in the
/// class the previous one ended in).
fn settled(changes: &[Change], year: impl Fn(usize) -> f64, settle: f64) -> (Vec<Change>, usize) {
    let mut kept: Vec<Option<Change>> = Vec::with_capacity(changes.len());
    // Per pair, the indices into `kept` of its changes still kept.
    let mut open: std::collections::HashMap<(usize, usize), Vec<usize>> = Default::default();
    let mut left_out = 0;
    for &c in changes {
        let (step, i, k, from, to, _) = c;
        let stack = open.entry((i, k)).or_default();
        let reverses = stack
            .last()
            .and_then(|&t| kept[t])
            .is_some_and(|(s0, .., f0, t0, _)| {
                from == t0 && to == f0 && year(step) - year(s0) < settle
            });
        if reverses {
            if let Some(t) = stack.pop() {
                kept[t] = None;
            }
            left_out += 2;
        } else {
            stack.push(kept.len());
            kept.push(Some(c));
        }
    }
    (kept.into_iter().flatten().collect(), left_out)
}

/// Records what the story needs.
struct Recorder<'a> {
    focus: &'a [bool],
    n: usize,
    /// Decisions of focused states per step.
    decisions: Vec<Vec<Decision>>,
    /// (step, event index).
    events: Vec<(usize, usize)>,
    /// The class changes of focused pairs, in step order.
    changes: Vec<Change>,
    /// Alignment matrix per step.
    alignment: Vec<Vec<f32>>,
}

impl Observer for Recorder<'_> {
    fn detail(&self) -> bool {
        true
    }

    fn event(&mut self, step: usize, _year: f64, index: usize, _event: &Event) {
        self.events.push((step, index));
    }

    fn decision(&mut self, step: usize, _year: f64, d: &Decision) {
        if self.focus[d.state] {
            if self.decisions.len() <= step {
                self.decisions.resize_with(step + 1, Vec::new);
            }
            self.decisions[step].push(d.clone());
        }
    }

    fn alignment_change(
        &mut self,
        step: usize,
        _year: f64,
        i: usize,
        k: usize,
        from: PairClass,
        to: PairClass,
        a: f32,
    ) {
        if self.focus[i] || self.focus[k] {
            self.changes.push((step, i, k, from, to, a));
        }
    }

    fn observe(&mut self, step: usize, _year: f64, w: &World) {
        debug_assert_eq!(w.n, self.n);
        if self.alignment.len() <= step {
            self.alignment.resize_with(step + 1, Vec::new);
        }
        self.alignment[step] = w.alignment.clone();
    }
}

/// The states to follow: those named, or the default rule. Returns flags and the rule.
fn focus_of(s: &Scenario, focus: Option<&[String]>) -> Result<(Vec<bool>, String), ExplainError> {
    let n = s.n();
    let mut flags = vec![false; n];
    match focus {
        Some(ids) if !ids.is_empty() => {
            for id in ids {
                let id = id.trim();
                // Ids are capitals; `usa` means USA (ids never differ only by case).
                let found = s.index(id).or_else(|| s.index(&id.to_ascii_uppercase()));
                let Some(i) = found else {
                    let ids: Vec<&str> = s.states.iter().map(|x| x.id.as_str()).collect();
                    let hint = crate::scenario::closest(id, ids.iter().copied())
                        .map_or(String::new(), |c| format!("; did you mean `{c}`?"));
                    return Err(ExplainError::UnknownState {
                        id: id.to_string(),
                        known: ids.join(", "),
                        hint,
                    });
                };
                flags[i] = true;
            }
            Ok((flags, "chosen with --focus".into()))
        }
        _ if n <= FOCUS_ALL_UP_TO => Ok((vec![true; n], "every state".into())),
        _ => {
            let mut order: Vec<usize> = (0..n).collect();
            // Most powerful first; equal powers in scenario order (the sort is stable).
            order.sort_by(|&a, &b| s.states[b].power.total_cmp(&s.states[a].power));
            for &i in order.iter().take(FOCUS_DEFAULT) {
                flags[i] = true;
            }
            Ok((
                flags,
                format!(
                    "the {FOCUS_DEFAULT} most powerful states at the start; choose others with --focus"
                ),
            ))
        }
    }
}

/// Simulate run `opts.run` of `s` (with `s.params`) and tell its story.
pub fn explain(s: &Scenario, opts: &ExplainOptions) -> Result<Story, ExplainError> {
    if !(opts.every > 0.0 && opts.every.is_finite()) {
        return Err(ExplainError::Every(opts.every));
    }
    if !(opts.settle >= 0.0 && opts.settle.is_finite()) {
        return Err(ExplainError::Settle(opts.settle));
    }
    let (focus, focus_rule) = focus_of(s, opts.focus.as_deref())?;
    let n = s.n();
    let mut rec = Recorder {
        focus: &focus,
        n,
        decisions: Vec::new(),
        events: Vec::new(),
        changes: Vec::new(),
        alignment: Vec::new(),
    };
    let mut sim = Simulator::new(s, &s.params);
    let outcome = sim.run(opts.run, opts.seed, &mut rec);
    let (changes, brief_crossings) = settled(&rec.changes, |step| s.year(step), opts.settle);
    rec.changes = changes;
    let focused: Vec<usize> = (0..n).filter(|&i| focus[i]).collect();
    let teller = Teller {
        s,
        p32: sim.params32(),
        rec: &rec,
        outcome: &outcome,
        focus_pairs: focused
            .iter()
            .enumerate()
            .flat_map(|(x, &i)| focused[x + 1..].iter().map(move |&k| (i, k)))
            .collect(),
    };
    let entries = teller.entries(opts.every);
    let mut story = story(
        s,
        opts,
        focused.iter().map(|&i| teller.id(i)).collect(),
        focus_rule,
        entries,
    );
    story.brief_crossings = brief_crossings;
    Ok(story)
}

/// What the story of one run is told from: the run's records and outcome.
struct Teller<'a> {
    s: &'a Scenario,
    p32: &'a Params32,
    rec: &'a Recorder<'a>,
    outcome: &'a RunOutcome,
    /// The pairs of focused states.
    focus_pairs: Vec<(usize, usize)>,
}

impl Teller<'_> {
    fn id(&self, i: usize) -> String {
        self.s.states[i].id.clone()
    }

    fn pair_line(&self, a: &[f32], i: usize, k: usize) -> PairLine {
        let n = self.s.n();
        PairLine {
            a: self.id(i),
            b: self.id(k),
            alignment: tidy(a[i * n + k]),
            class: crate::model::formulas::pair_class(a[i * n + k], self.p32)
                .name()
                .into(),
        }
    }

    fn state_line(&self, d: &Decision) -> StateLine {
        StateLine {
            state: self.id(d.state),
            strategy: d.strategy.name().into(),
            principal: self.id(d.principal),
            kappa: tidy(d.kappa),
            intent: tidy(d.sources.intent),
        }
    }

    /// Every entry of the story, step by step: alignment changes, events, decisions that
    /// changed, a summary every `every` years, the end.
    fn entries(&self, every: f64) -> Vec<Entry> {
        let s = self.s;
        let mut entries = Vec::new();
        let mut previous: Vec<Option<(Strategy, usize)>> = vec![None; s.n()];
        let mut next_summary = s.start_year + every;
        let eps = 1e-9 * s.dt;
        for step in 0..=s.steps {
            let year = s.year(step);
            self.changes(step, &mut entries);
            self.events(step, &mut entries);
            let decisions = self.rec.decisions.get(step).map_or(&[][..], Vec::as_slice);
            self.decisions(step, decisions, &mut previous, &mut entries);
            let alignment = self.rec.alignment.get(step).map_or(&[][..], Vec::as_slice);
            if step == s.steps {
                entries.push(self.last(step, decisions, alignment));
            } else if step > 0 && year >= next_summary - eps {
                while next_summary <= year + eps {
                    next_summary += every;
                }
                entries.push(Entry::Summary(SummaryEntry {
                    year,
                    step,
                    states: decisions.iter().map(|d| self.state_line(d)).collect(),
                    pairs: self.focus_pairs(alignment),
                }));
            }
        }
        entries
    }

    /// The alignments of the focused pairs.
    fn focus_pairs(&self, alignment: &[f32]) -> Vec<PairLine> {
        self.focus_pairs
            .iter()
            .map(|&(i, k)| self.pair_line(alignment, i, k))
            .collect()
    }

    /// The changes of class of focused pairs in the update that ends at `step`.
    fn changes(&self, step: usize, entries: &mut Vec<Entry>) {
        let year = self.s.year(step);
        for &(st, i, k, from, to, a) in self.rec.changes.iter().filter(|c| c.0 == step) {
            entries.push(Entry::Alignment(AlignmentEntry {
                year,
                step: st,
                a: self.id(i),
                b: self.id(k),
                from: from.name().into(),
                to: to.name().into(),
                alignment: tidy(a),
                meaning: class_change_meaning(from, to).into(),
            }));
        }
    }

    /// The events that fired at the start of `step`.
    fn events(&self, step: usize, entries: &mut Vec<Entry>) {
        let s = self.s;
        for &(_, e) in self.rec.events.iter().filter(|x| x.0 == step) {
            let ev = &s.events[e];
            entries.push(Entry::Event(EventEntry {
                year: s.year(step),
                step,
                name: ev.name.clone(),
                effects: ev
                    .effects
                    .iter()
                    .map(|x| super::effect_text(s, x))
                    .collect(),
                note: ev.doc.note.clone(),
            }));
        }
    }

    /// The decisions of focused states at `step` that differ from their previous ones (all
    /// of them at the start).
    fn decisions(
        &self,
        step: usize,
        decisions: &[Decision],
        previous: &mut [Option<(Strategy, usize)>],
        entries: &mut Vec<Entry>,
    ) {
        for d in decisions {
            let now = (d.strategy, d.principal);
            let reported = match previous[d.state] {
                None => Some(Reported::Start),
                Some((st, _)) if st != d.strategy => Some(Reported::StrategyChanged),
                Some((_, h)) if h != d.principal => Some(Reported::ThreatChanged),
                _ => None,
            };
            if let Some(reported) = reported {
                let entry =
                    decision_entry(self.s, &self.s.params, step, d, reported, previous[d.state]);
                entries.push(Entry::Decision(entry));
            }
            previous[d.state] = Some(now);
        }
    }

    /// The end of the run: states, focused pairs, every alliance and rivalry, the camps.
    fn last(&self, step: usize, decisions: &[Decision], alignment: &[f32]) -> Entry {
        let n = self.s.n();
        let (mut alliances, mut rivalries) = (Vec::new(), Vec::new());
        for (i, k) in upper(n) {
            let a = alignment[i * n + k];
            if a >= self.p32.alliance_threshold {
                alliances.push(self.pair_line(alignment, i, k));
            } else if a <= self.p32.rivalry_threshold {
                rivalries.push(self.pair_line(alignment, i, k));
            }
        }
        let camp = |side: bool| {
            self.outcome
                .camps
                .members(side)
                .map(|i| self.id(i))
                .collect()
        };
        Entry::Final(FinalEntry {
            year: self.s.year(step),
            step,
            states: decisions.iter().map(|d| self.state_line(d)).collect(),
            pairs: self.focus_pairs(alignment),
            alliances,
            rivalries,
            camps: [camp(false), camp(true)],
        })
    }
}

/// The story of run `opts.run` of `s`: its settings and `entries`.
fn story(
    s: &Scenario,
    opts: &ExplainOptions,
    focus: Vec<String>,
    focus_rule: String,
    entries: Vec<Entry>,
) -> Story {
    let p = &s.params;
    Story {
        scenario: s.name.clone(),
        title: s.title.clone(),
        theory: s.theory.name().into(),
        theory_summary: s.theory.summary().into(),
        threat_form: p.threat_form.name().into(),
        threat_weights: Sources {
            power: p.w_p,
            proximity: p.w_d,
            offense: p.w_o,
            intent: p.w_i,
        },
        seed: opts.seed,
        run: opts.run,
        start_year: s.start_year,
        end_year: s.year(s.steps),
        dt: s.dt,
        every: opts.every,
        focus,
        focus_rule,
        theta_secure: p.theta_secure,
        alliance_threshold: p.alliance_threshold,
        alignment_threshold: p.alignment_threshold,
        rivalry_threshold: p.rivalry_threshold,
        d0: p.d0,
        settle: opts.settle,
        brief_crossings: 0,
        entries,
    }
}

/// A class crossing in words.
pub fn class_change_meaning(from: PairClass, to: PairClass) -> &'static str {
    use PairClass::*;
    match (from, to) {
        (_, Alliance) => "a new alliance",
        (Alliance, _) => "the alliance lapses",
        (_, Rivalry) => "a new rivalry",
        (Rivalry, Neutral) => "the rivalry eases",
        (Rivalry, Aligned) => "from rivalry to alignment",
        (Neutral, Aligned) => "they align",
        (Aligned, Neutral) => "the alignment fades",
        _ => "no change",
    }
}

/// The factors of a threat and its biggest source.
pub fn threat_factors(src: &ThreatSources, threat: f32, p: &Params) -> (Factors, &'static str) {
    let weights = [p.w_p, p.w_d, p.w_o, p.w_i];
    let values = [src.power, src.proximity, src.offense, src.intent].map(tidy);
    let src = Sources {
        power: values[0],
        proximity: values[1],
        offense: values[2],
        intent: values[3],
    };
    let threat = tidy(threat);
    let pow = |x: f64, w: f64| {
        if w == 0.0 {
            1.0
        } else if w == 1.0 {
            x
        } else {
            libm::pow(x, w)
        }
    };
    let f: [f64; 4] = match p.threat_form {
        ThreatForm::Product => [
            pow(src.power, p.w_p),
            pow(src.proximity / 0.5, p.w_d),
            pow(src.offense / 0.5, p.w_o),
            pow(src.intent / 0.5, p.w_i),
        ],
        ThreatForm::Sum => {
            let total: f64 = weights.iter().sum();
            std::array::from_fn(|k| {
                if total > 0.0 {
                    weights[k] * values[k] / total
                } else {
                    0.0
                }
            })
        }
    };
    let raw = match p.threat_form {
        ThreatForm::Product => f.iter().product::<f64>(),
        ThreatForm::Sum => f.iter().sum::<f64>(),
    };
    let dampening = if raw > 0.0 {
        (threat / raw).clamp(0.0, 1.0)
    } else {
        1.0
    };
    let mut biggest = None;
    for k in 0..4 {
        if weights[k] > 0.0 && biggest.is_none_or(|b: usize| f[k] > f[b]) {
            biggest = Some(k);
        }
    }
    let name = biggest.map_or("none", |k| SOURCE_NAMES[k]);
    (
        Factors {
            power: f[0],
            proximity: f[1],
            offense: f[2],
            intent: f[3],
            dampening,
        },
        name,
    )
}

/// The four sources, in the order of the formula.
pub const SOURCE_NAMES: [&str; 4] = ["power", "proximity", "offense", "intent"];

fn decision_entry(
    s: &Scenario,
    p: &Params,
    step: usize,
    d: &Decision,
    reported: Reported,
    previous: Option<(Strategy, usize)>,
) -> DecisionEntry {
    let n = s.n();
    let id = |i: usize| s.states[i].id.clone();
    let (factors, biggest) = threat_factors(&d.sources, d.threat, p);
    let partners: Vec<PartnerEntry> = d
        .partners
        .iter()
        .map(|q| PartnerEntry {
            state: id(q.k),
            value: tidy(q.value),
            power_brought: tidy(q.terms.brings),
            trade: tidy(q.terms.trade),
            affinity: tidy(q.terms.affinity),
            treaty: tidy(q.terms.treaty),
            mistrust: tidy(q.terms.mistrust),
            autonomy: tidy(q.terms.autonomy),
        })
        .collect();
    let h = &s.states[d.principal].id;
    let why = match d.strategy {
        Strategy::Secure => format!(
            "its largest threat, {:.2} from {h}, is below θ_secure = {}: it needs no partner against it and keeps only the ties worth keeping for their own sake",
            d.kappa, p.theta_secure
        ),
        Strategy::Bandwagon => format!(
            "bandwagoning with {h} is worth B = {:.2}, more than the allies available to it ({:.2}: a wish both sides share) and self-help {:.2}: it aligns with the threat instead of resisting it",
            d.bandwagon, d.availability, d.self_help
        ),
        Strategy::Balance => {
            let best = partners.first().map(|q| q.state.as_str());
            match best {
                Some(k) if d.availability >= d.bandwagon => format!(
                    "the allies available to it are worth {:.2} (a wish both sides share), at least as much as bandwagoning with {h} (B = {:.2}): it courts partners, {k} first, and opposes {h}",
                    d.availability, d.bandwagon
                ),
                Some(k) => format!(
                    "self-help S = {:.2} is worth at least as much as bandwagoning with {h} (B = {:.2}), though the allies available to it are worth only {:.2} (a wish both sides share; its own best partner is {k}): it arms, courts partners and opposes {h}",
                    d.self_help, d.bandwagon, d.availability
                ),
                None => format!(
                    "no partner is worth having (best value 0), and self-help S = {:.2} is worth at least as much as bandwagoning with {h} (B = {:.2}): it arms alone and opposes {h}",
                    d.self_help, d.bandwagon
                ),
            }
        }
    };
    DecisionEntry {
        year: s.year(step),
        step,
        state: id(d.state),
        reported,
        strategy: d.strategy.name().into(),
        principal: h.clone(),
        previous_strategy: (reported != Reported::Start)
            .then(|| previous.map(|x| x.0.name().to_string()))
            .flatten(),
        previous_principal: (reported != Reported::Start)
            .then(|| previous.map(|x| id(x.1)))
            .flatten(),
        kappa: tidy(d.kappa),
        threat: tidy(d.threat),
        sources: Sources {
            power: tidy(d.sources.power),
            proximity: tidy(d.sources.proximity),
            offense: tidy(d.sources.offense),
            intent: tidy(d.sources.intent),
        },
        distance_km: s.distance[d.state * n + d.principal],
        border: s.border[d.state * n + d.principal],
        factors,
        biggest_source: biggest.into(),
        need: tidy(d.need),
        availability: tidy(d.availability),
        bandwagon: tidy(d.bandwagon),
        self_help: tidy(d.self_help),
        theta_secure: p.theta_secure,
        why,
        partners,
    }
}

// ---------------------------------------------------------------------------------------
/// The default summary interval in years.
pub const DEFAULT_EVERY: f64 = 1.0;

/// Years a pair's new class must last to be told, unless chosen (see
/// [`ExplainOptions::settle`]): alignment is noisy, and a pair near a threshold crosses it
/// back and forth.
pub const DEFAULT_SETTLE: f64 = 1.0;

#[cfg(test)]
mod tests {
    use super::render::{WIDTH, wrap};
    use super::*;
    use crate::params::Params32;

    /// `formulas::threat` under `p` (the step reads the parameters in single precision).
    fn threat(s: ThreatSources, e: f32, p: &Params) -> f32 {
        crate::model::formulas::threat(s, e, &Params32::from(p))
    }

    fn src(power: f32, proximity: f32, offense: f32, intent: f32) -> ThreatSources {
        ThreatSources {
            power,
            proximity,
            offense,
            intent,
        }
    }

    #[test]
    fn crossings_reversed_within_the_settling_time_are_left_out() {
        use PairClass::*;
        // Steps of a quarter year.
        let year = |step: usize| 2000.0 + 0.25 * step as f64;
        let c = |step, i, k, from, to| (step, i, k, from, to, 0.0_f32);
        let changes = [
            c(1, 0, 1, Aligned, Alliance),
            c(2, 0, 2, Neutral, Rivalry),
            // Pair 0-1 falls back after half a year: noise, both left out.
            c(3, 0, 1, Alliance, Aligned),
            // Pair 0-2's rivalry lasts exactly a year before it eases: told.
            c(6, 0, 2, Rivalry, Neutral),
            // Pair 0-1 becomes an alliance again, and this one holds.
            c(7, 0, 1, Aligned, Alliance),
            // Pair 1-2 goes neutral → aligned → alliance, back to neutral and up again, all
            // within a year: the first rise was reversed (nested: 9 by 10, then 8 by 11), so
            // only the last rise is told.
            c(8, 1, 2, Neutral, Aligned),
            c(9, 1, 2, Aligned, Alliance),
            c(10, 1, 2, Alliance, Aligned),
            c(11, 1, 2, Aligned, Neutral),
            c(12, 1, 2, Neutral, Aligned),
            c(13, 1, 2, Aligned, Alliance),
        ];
        let (kept, left_out) = settled(&changes, year, 1.0);
        let steps: Vec<usize> = kept.iter().map(|x| x.0).collect();
        assert_eq!(steps, [2, 6, 7, 12, 13]);
        assert_eq!(left_out, 6);
        // Every pair's kept changes chain.
        for pair in [(0, 1), (0, 2), (1, 2)] {
            let mine: Vec<_> = kept.iter().filter(|x| (x.1, x.2) == pair).collect();
            for w in mine.windows(2) {
                assert_eq!(w[0].4, w[1].3, "{pair:?}");
            }
        }
        // Settling time 0: every crossing is told.
        let (all, none) = settled(&changes, year, 0.0);
        assert_eq!((all.len(), none), (changes.len(), 0));
    }

    #[test]
    fn product_factors_multiply_to_the_threat() {
        let p = Params::walt();
        // SMALL's threat from NEAR in the tutorial: 0.5 · 1 · 0.6 · 0.7 / 0.125 = 1.68.
        let s = src(0.5, 1.0, 0.6, 0.7);
        let t = threat(s, 0.0, &p);
        let (f, biggest) = threat_factors(&s, t, &p);
        assert!((f.power * f.proximity * f.offense * f.intent - f64::from(t)).abs() < 1e-6);
        assert_eq!((f.power, f.proximity), (0.5, 2.0));
        assert_eq!(biggest, "proximity");
        assert_eq!(f.dampening, 1.0);
        // Liberal dampening shows as its own factor.
        let mut lib = p.clone();
        lib.lambda = 0.5;
        let t = threat(s, 0.4, &lib);
        let (f, _) = threat_factors(&s, t, &lib);
        assert!((f.dampening - 0.8).abs() < 1e-6);
    }

    #[test]
    fn ignored_sources_are_never_the_biggest() {
        let waltz = crate::model::Theory::Waltz.params();
        let s = src(0.2, 1.0, 1.0, 1.0);
        let (f, biggest) = threat_factors(&s, threat(s, 0.0, &waltz), &waltz);
        assert_eq!(biggest, "power");
        assert_eq!((f.proximity, f.offense, f.intent), (1.0, 1.0, 1.0));
    }

    #[test]
    fn sum_form_factors_are_shares_of_the_mean() {
        let mut p = Params::walt();
        p.threat_form = ThreatForm::Sum;
        let s = src(0.5, 1.0, 0.8, 0.6);
        let t = threat(s, 0.0, &p);
        let (f, biggest) = threat_factors(&s, t, &p);
        assert!((f.power + f.proximity + f.offense + f.intent - f64::from(t)).abs() < 1e-6);
        assert_eq!(biggest, "proximity");
    }

    #[test]
    fn class_crossings_in_words() {
        use PairClass::*;
        assert_eq!(class_change_meaning(Aligned, Alliance), "a new alliance");
        assert_eq!(
            class_change_meaning(Alliance, Aligned),
            "the alliance lapses"
        );
        assert_eq!(class_change_meaning(Neutral, Rivalry), "a new rivalry");
        assert_eq!(class_change_meaning(Rivalry, Neutral), "the rivalry eases");
    }

    #[test]
    fn wrapping_keeps_words_and_indents() {
        let mut out = String::new();
        let text = "word ".repeat(40);
        wrap(&mut out, "2000     ", 11, &text);
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.chars().count() <= WIDTH));
        assert!(lines[1].starts_with(&" ".repeat(11)));
        assert_eq!(out.split_whitespace().filter(|w| *w == "word").count(), 40);
    }
}
