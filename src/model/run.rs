//! Single runs: [`Simulator`] simulates one run at a time with the engine's step (a
//! [`LaneSimulator`] with one active lane) and hands each observation to an [`Observer`] as
//! a [`World`]; [`World::start`] is the world at `t = 0` with its first decisions.

use super::PairClass;
use super::formulas::pair_class;
use super::lanes::{LaneObserver, LaneSimulator, LaneWorld, Simd64};
use super::world::{Decision, Observer, RunOutcome, World};
use crate::params::{Params, Params32};
use crate::scenario::{Event, Scenario, upper};

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
pub fn simulate<O: Observer>(
    s: &Scenario,
    p: &Params,
    run_index: u64,
    seed: u64,
    observer: &mut O,
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
    pub fn run<O: Observer>(&mut self, run_index: u64, seed: u64, obs: &mut O) -> RunOutcome {
        // The step is compiled for two observers of lane 0 (with and without detail), not
        // once per `Observer` type: it is large, and each copy costs compile time.
        if O::DETAIL {
            self.run_one(
                run_index,
                seed,
                OneRun::<true>::new(self.scenario, obs, &self.lanes),
            )
        } else {
            self.run_one(
                run_index,
                seed,
                OneRun::<false>::new(self.scenario, obs, &self.lanes),
            )
        }
    }

    fn run_one<const D: bool>(
        &mut self,
        run_index: u64,
        seed: u64,
        mut one: OneRun<'_, D>,
    ) -> RunOutcome {
        let mut out = self.lanes.run(run_index, 1, seed, &mut one);
        out.swap_remove(0)
    }
}

/// [`Observer`] without its constant, so that [`OneRun`] can hold any observer.
trait Sink {
    fn event(&mut self, step: usize, year: f64, index: usize, event: &Event);
    fn decision(&mut self, step: usize, year: f64, decision: &Decision);
    #[allow(clippy::too_many_arguments)]
    fn alignment_change(
        &mut self,
        step: usize,
        year: f64,
        i: usize,
        k: usize,
        from: PairClass,
        to: PairClass,
        a: f32,
    );
    fn observe(&mut self, step: usize, year: f64, world: &World);
}

impl<O: Observer> Sink for O {
    fn event(&mut self, step: usize, year: f64, index: usize, event: &Event) {
        Observer::event(self, step, year, index, event);
    }
    fn decision(&mut self, step: usize, year: f64, decision: &Decision) {
        Observer::decision(self, step, year, decision);
    }
    fn alignment_change(
        &mut self,
        step: usize,
        year: f64,
        i: usize,
        k: usize,
        from: PairClass,
        to: PairClass,
        a: f32,
    ) {
        Observer::alignment_change(self, step, year, i, k, from, to, a);
    }
    fn observe(&mut self, step: usize, year: f64, world: &World) {
        Observer::observe(self, step, year, world);
    }
}

/// The [`LaneObserver`] of [`Simulator::run`]: lane 0's observations, handed on to an
/// [`Observer`] (`DETAIL`: its [`Observer::DETAIL`]).
struct OneRun<'a, const DETAIL: bool> {
    scenario: &'a Scenario,
    p: Params32,
    obs: &'a mut dyn Sink,
    /// Lane 0 at the current step.
    world: World,
    /// The class of each pair (upper triangle) after the last update (with `DETAIL`).
    classes: Vec<PairClass>,
}

impl<'a, const DETAIL: bool> OneRun<'a, DETAIL> {
    fn new(scenario: &'a Scenario, obs: &'a mut dyn Sink, lanes: &LaneSimulator<'_>) -> Self {
        let n = scenario.n();
        let p = lanes.params32().clone();
        let classes = if DETAIL {
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
            world: World::default(),
            classes,
        }
    }
}

impl<const DETAIL: bool> LaneObserver for OneRun<'_, DETAIL> {
    const DETAIL: bool = DETAIL;

    fn event(&mut self, lane: usize, step: usize, index: usize) {
        if lane == 0 {
            let s = self.scenario;
            self.obs.event(step, s.year(step), index, &s.events[index]);
        }
    }

    fn observe<S: Simd64>(&mut self, _: S, step: usize, w: &LaneWorld, _active: usize) {
        let year = self.scenario.year(step);
        w.snapshot(0, &mut self.world);
        if DETAIL {
            for i in 0..w.n {
                self.obs
                    .decision(step, year, &self.world.decision(i, &self.p));
            }
        }
        self.obs.observe(step, year, &self.world);
    }

    fn updated(&mut self, step: usize, w: &LaneWorld) {
        if !DETAIL {
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
