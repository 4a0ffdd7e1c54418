//! Single runs: [`Simulator`] simulates one run at a time with the engine's step (a
//! [`LaneSimulator`] with one active lane) and hands each observation to an [`Observer`] as
//! a [`World`]; [`World::start`] is the world at `t = 0` with its first decisions.

use super::PairClass;
use super::formulas::pair_class;
use super::lanes::{LaneObserver, LaneSimulator, LaneWorld, VectorUnits};
use super::world::{Observer, RunOutcome, World};
use crate::params::{Params, Params32};
use crate::scenario::{Scenario, upper};

impl World {
    /// The world at `t = 0` of `s` under `p` (before any event), with the threats and
    /// decisions of the first step and what explains them.
    pub fn start(s: &Scenario, p: &Params32) -> Self {
        let mut w = LaneWorld::new(s, p);
        w.first_decisions(p);
        let mut out = Self::default();
        w.snapshot(0, &mut out);
        out
    }
}

/// Simulate one run. The random stream depends only on `(seed, run_index)`.
pub fn simulate(
    s: &Scenario,
    p: &Params,
    run_index: u64,
    seed: u64,
    observer: &mut dyn Observer,
) -> RunOutcome {
    Simulator::new(s, p).run(run_index, seed, observer)
}

/// A reusable simulator of single runs: the engine's [`LaneSimulator`] with one active lane,
/// whose observations it hands to an [`Observer`] as [`World`]s.
#[derive(Debug, Clone)]
pub struct Simulator<'s> {
    scenario: &'s Scenario,
    params: Params,
    lanes: LaneSimulator<'s>,
}

impl<'s> Simulator<'s> {
    /// Prepare runs of `s` under `p`.
    pub fn new(s: &'s Scenario, p: &Params) -> Self {
        Self {
            scenario: s,
            params: p.clone(),
            lanes: LaneSimulator::new(s, p),
        }
    }

    /// The parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The parameters in single precision, as the step reads them.
    pub fn params32(&self) -> &Params32 {
        self.lanes.params32()
    }

    /// Run `run_index` with master `seed`.
    ///
    /// Draws per step, in this order: one uniform per hazard event (in event order, whether
    /// or not it can still fire), then the standard normals of the step
    /// ([`super::random::Normals`]): one per pair (upper triangle, row-major) for the
    /// alignment noise, then one per state for power.
    pub fn run(&mut self, run_index: u64, seed: u64, obs: &mut dyn Observer) -> RunOutcome {
        let mut one = OneRun::new(self.scenario, obs, &self.lanes);
        let mut out = self.lanes.run(run_index, 1, seed, &mut one);
        out.swap_remove(0)
    }
}

/// The [`LaneObserver`] of [`Simulator::run`]: lane 0's observations, handed on to an
/// [`Observer`].
struct OneRun<'a> {
    scenario: &'a Scenario,
    p: Params32,
    obs: &'a mut dyn Observer,
    detail: bool,
    /// Lane 0 at the current step.
    world: World,
    /// The class of each pair (upper triangle) after the last update (with `detail`).
    classes: Vec<PairClass>,
}

impl<'a> OneRun<'a> {
    fn new(scenario: &'a Scenario, obs: &'a mut dyn Observer, lanes: &LaneSimulator<'_>) -> Self {
        let n = scenario.n();
        let p = lanes.params32().clone();
        let detail = obs.detail();
        let classes = if detail {
            let a = &lanes.initial().alignment;
            upper(n)
                .map(|(i, k)| pair_class(a[i * n + k].0[0], &p))
                .collect()
        } else {
            Vec::new()
        };
        Self {
            scenario,
            p,
            obs,
            detail,
            world: World::default(),
            classes,
        }
    }
}

impl LaneObserver for OneRun<'_> {
    fn detail(&self) -> bool {
        self.detail
    }

    fn event(&mut self, lane: usize, step: usize, index: usize) {
        if lane == 0 {
            let s = self.scenario;
            self.obs.event(step, s.year(step), index, &s.events[index]);
        }
    }

    fn observe(&mut self, _: VectorUnits, step: usize, w: &LaneWorld, _active: usize) {
        let year = self.scenario.year(step);
        w.snapshot(0, &mut self.world);
        if self.detail {
            for i in 0..w.n {
                self.obs
                    .decision(step, year, &self.world.decision(i, &self.p));
            }
        }
        self.obs.observe(step, year, &self.world);
    }

    fn updated(&mut self, step: usize, w: &LaneWorld) {
        if !self.detail {
            return;
        }
        let (n, year) = (w.n, self.scenario.year(step));
        for (q, (i, k)) in upper(n).enumerate() {
            let a = w.alignment[i * n + k].0[0];
            let c = pair_class(a, &self.p);
            if c != self.classes[q] {
                self.obs
                    .alignment_change(step, year, i, k, self.classes[q], c, a);
                self.classes[q] = c;
            }
        }
    }
}
