//! The step of the model, written once: several runs at once, one per SIMD lane.
//!
//! A [`LaneWorld`] holds [`W`] = 16 worlds in lane-major form: every quantity of a run's
//! [`World`] becomes a [`Lanes`] (sixteen `f32`), lane `l` belonging to run `first + l`. The
//! step is the same arithmetic for every run, so it is written once with the vector
//! operations of [`crate::simd::Simd32`] (and those of [`Simd64`] for what stays in double
//! precision: the random numbers and the power update); where runs take different branches
//! (each state's principal threat, its strategy, an event firing) each lane selects its own
//! value. Every lane performs the same IEEE operations in the same order, so a run's result
//! depends neither on its lane, nor on how many lanes are active, nor on the instruction set
//! (AVX-512, AVX2 and portable builds are compiled, the best the CPU supports chosen at run
//! time). The engine runs sixteen runs per group; a single run ([`super::Simulator`], which
//! `explain` uses) is this step with one active lane. The scalar formulas of
//! [`super::formulas`] are the readable specification the tests hold the step to.

use rand_chacha::ChaCha8Rng;

use super::camps::camps;
use super::chacha_lanes::{ChaChaLanes, U64Lanes};
use super::formulas::{
    Strategy, ThreatSources, interdependence, pow, proximity, reach, reference_scale, threat_scaled,
};
use super::random::{Normals, side_rng, uniform_from};
use super::world::{FiredEvent, MAX_POWER, MIN_POWER, RunOutcome, World, narrow_to};
use crate::params::{Params, Params32, ThreatForm};
use crate::scenario::{Effect, Scenario, Target, Trigger};
use crate::simd::{Kernel, Portable};
pub use crate::simd::{Lanes32 as Lanes, Simd32 as Simd, W32 as W};
pub use crate::simd::{Lanes64, Simd64, VectorUnits, W64};

/// Receives the lane worlds of a group of runs at each observation step.
pub trait LaneObserver {
    /// Whether the step keeps what explains each decision (partner values, availability,
    /// bandwagon and self-help values; [`LaneWorld::snapshot`] then copies them). Asked once
    /// per group of runs.
    fn detail(&self) -> bool {
        false
    }

    /// Event `index` fired in lane `lane` at the start of `step`.
    fn event(&mut self, _lane: usize, _step: usize, _index: usize) {}

    /// The worlds at `step` (`0..=steps`) after decisions were computed on them; only the
    /// first `active` lanes hold runs that count. `units`: the vector units of the step,
    /// which an observer may use too ([`crate::simd::dispatch`]). The step is compiled once
    /// per instruction set and calls observers through `dyn`: one call per step and group.
    fn observe(&mut self, units: VectorUnits, step: usize, world: &LaneWorld, active: usize);

    /// The worlds after the updates that end at `step` (before that step's events).
    fn updated(&mut self, _step: usize, _world: &LaneWorld) {}
}

/// [`W`] worlds side by side: `x[e].0[l]` is quantity `x`, element `e`, of lane `l`.
/// Matrices are row-major `n × n` as in [`World`], except the intents, which are stored
/// transposed so that the loops over `j` for a fixed perceiver `i` read memory in order:
/// `intent[i * n + j] = I_ji` (how aggressive `j` looks to `i`; [`World`] has it at `j * n + i`).
#[derive(Debug, Clone)]
pub struct LaneWorld {
    /// Number of states.
    pub n: usize,
    /// `P_i`.
    pub power: Vec<Lanes>,
    offense: Vec<Lanes>,
    growth: Vec<Lanes>,
    volatility: Vec<Lanes>,
    autonomy: Vec<Lanes>,
    gdp: Vec<Option<f64>>,
    /// `prox_ij` (static, the same in every lane).
    proximity: Vec<f32>,
    /// `prox_ij^wD` (static).
    proximity_w: Vec<f32>,
    /// `L_kh`, the reach of `k` at `h` (row `k`; changes only when an event changes `O_k`).
    reach: Vec<Lanes>,
    /// `d_ij` and `b_ij` (static: what reach is recomputed from).
    distance: Vec<f64>,
    border: Vec<bool>,
    trade: Vec<Lanes>,
    /// `τ_ij`, the treaty of a pair.
    treaty: Vec<Lanes>,
    mistrust: Vec<Lanes>,
    affinity: Vec<Lanes>,
    /// `a_ij`.
    pub alignment: Vec<Lanes>,
    intent: Vec<Lanes>,
    intent0: Vec<Lanes>,
    interdependence: Vec<Lanes>,
    relative_power: Vec<Lanes>,
    source_factor: Vec<Lanes>,
    threat: Vec<Lanes>,
    /// `Tx` (in [`LaneWorld::threats`]); its first two rows hold rows of `a⁻` in
    /// [`LaneWorld::update_intent`].
    tx: Vec<Lanes>,
    camp_threat: Vec<Lanes>,
    /// `X_ij = Tx_ij + γe Σ_k a⁺_ik Tx_kj`: the threat from `j` to `i` and its allies, which
    /// breeds hostility (without `j`'s allies, which `K` adds).
    threat_e: Vec<Lanes>,
    /// `h(i)` of each lane.
    pub principal: Vec<[usize; W]>,
    /// `κ_i`.
    pub kappa: Vec<Lanes>,
    /// Strategy of each state in each lane.
    pub strategy: Vec<[Strategy; W]>,
    desire: Vec<Lanes>,
    /// `V_ik`.
    partner_value: Vec<Lanes>,
    /// `α_i`, `B_i`, `S_i`: kept only for observers that explain decisions
    /// ([`LaneObserver::detail`]); empty otherwise.
    availability: Vec<Lanes>,
    bandwagon: Vec<Lanes>,
    self_help: Vec<Lanes>,
    pos: Vec<Lanes>,
    /// Two rows of `n` (matrix products; the first for partner values).
    row: Vec<Lanes>,
    /// Two rows of `n` (the extended-deterrence product; `Q_kh` in partner values).
    row_e: Vec<Lanes>,
    /// Scratch for [`product_rows`].
    ks: Vec<usize>,
    /// `P_h / (P_h + G_i)` of each state (see `formulas::PartnerInputs`).
    shortfall: Vec<Lanes>,
    /// `α_i` (scratch of [`LaneWorld::decide`]).
    alpha: Vec<Lanes>,
    /// Pairs `(i, j)` and lanes whose trade changed since interdependence was computed.
    trade_changed: Vec<(usize, usize, usize)>,
}

impl LaneWorld {
    /// [`W`] copies of the world at `t = 0` of `s` under `p`: every scenario value rounded
    /// to single precision within its field's range ([`narrow_to`]), static quantities
    /// computed, and interdependence derived (relative power, threats and decisions are
    /// computed by each step before they are read).
    pub fn new(s: &Scenario, p: &Params32) -> Self {
        use crate::scenario::{PairField as PF, StateField as SF};
        let n = s.n();
        let mut prox = vec![0.0; n * n];
        for (q, (i, j)) in (0..n).flat_map(|i| (0..n).map(move |j| (i, j))).enumerate() {
            if i != j {
                let (d0, b) = (f64::from(p.d0), f64::from(p.border_factor));
                prox[q] = proximity(s.border[q], s.distance[q], d0, b) as f32;
            }
        }
        let col = |f: fn(&crate::scenario::State) -> f64, field: SF| -> Vec<Lanes> {
            let range = field.range();
            s.states
                .iter()
                .map(|x| Lanes::splat(narrow_to(f(x), range)))
                .collect()
        };
        let pairs = |m: &[f64], field: PF| -> Vec<Lanes> {
            let range = field.range();
            m.iter()
                .map(|&x| Lanes::splat(narrow_to(x, range)))
                .collect()
        };
        // Intents transposed: `intent[i * n + j] = I_ji`, the scenario's `intent[j * n + i]`.
        let range = Target::Intent { from: 0, to: 0 }.range();
        let intent: Vec<Lanes> = (0..n * n)
            .map(|k| Lanes::splat(narrow_to(s.intent[k % n * n + k / n], range)))
            .collect();
        let zeros = |len: usize| vec![Lanes::default(); len];
        let mut w = Self {
            n,
            power: col(|x| x.power, SF::Power),
            offense: col(|x| x.offense, SF::Offense),
            growth: col(|x| x.growth, SF::Growth),
            volatility: col(|x| x.volatility, SF::Volatility),
            autonomy: col(|x| x.autonomy, SF::Autonomy),
            gdp: s.states.iter().map(|x| x.gdp).collect(),
            proximity_w: prox.iter().map(|&x| pow(x, p.w_d)).collect(),
            proximity: prox,
            reach: zeros(n * n),
            distance: s.distance.clone(),
            border: s.border.clone(),
            trade: pairs(&s.trade, PF::Trade),
            mistrust: pairs(&s.mistrust, PF::Mistrust),
            affinity: pairs(&s.affinity, PF::Affinity),
            alignment: pairs(&s.alignment, PF::Alignment),
            treaty: pairs(&s.treaty, PF::Treaty),
            intent0: intent.clone(),
            intent,
            interdependence: zeros(n * n),
            relative_power: zeros(n),
            source_factor: zeros(n),
            threat: zeros(n * n),
            tx: zeros(n * n),
            camp_threat: zeros(n * n),
            threat_e: zeros(n * n),
            principal: vec![[0; W]; n],
            kappa: zeros(n),
            strategy: vec![[Strategy::Secure; W]; n],
            desire: zeros(n * n),
            partner_value: zeros(n * n),
            availability: Vec::new(),
            bandwagon: Vec::new(),
            self_help: Vec::new(),
            pos: zeros(n * n),
            row: zeros(2 * n),
            row_e: zeros(2 * n),
            ks: vec![0; n],
            shortfall: zeros(n),
            alpha: zeros(n),
            // Every pair's interdependence, computed by the first `derive` (below).
            trade_changed: (0..n)
                .flat_map(|i| (i + 1..n).flat_map(move |j| (0..W).map(move |l| (i, j, l))))
                .collect(),
        };
        for k in 0..n {
            for l in 0..W {
                w.reach_row(k, l, p);
            }
        }
        w.derive(Portable, p);
        w
    }

    /// Row `k` of the reach `L_kh` in lane `l`, from `O_k` (`formulas::reach`).
    fn reach_row(&mut self, k: usize, l: usize, p: &Params32) {
        let n = self.n;
        let o = f64::from(self.offense[k].0[l]);
        let scale = (
            f64::from(p.d0),
            f64::from(p.omega),
            f64::from(p.border_factor),
        );
        for h in 0..n {
            let q = k * n + h;
            self.reach[q].0[l] = if h == k {
                0.0
            } else {
                reach(self.border[q], self.distance[q], o, scale) as f32
            };
        }
    }

    /// The threats and decisions of the world as it is, with what explains them (for
    /// [`World::start`]).
    pub(super) fn first_decisions(&mut self, p: &Params32) {
        self.keep_detail();
        self.derive(Portable, p);
        self.threats(Portable, p);
        self.decide(Portable, p, true);
    }

    /// Keep what explains decisions from now on (see [`LaneObserver::detail`]).
    fn keep_detail(&mut self) {
        let n = self.n;
        self.availability = vec![Lanes::default(); n];
        self.bandwagon = vec![Lanes::default(); n];
        self.self_help = vec![Lanes::default(); n];
    }

    /// Lane `l` as a [`World`] (`out` is resized to fit): the state and what the step
    /// derived from it. Partner values, availability, bandwagon and self-help values are
    /// those of the last step only for observers with [`LaneObserver::detail`] (zero
    /// otherwise).
    pub fn snapshot(&self, l: usize, out: &mut World) {
        let n = self.n;
        let lane = |v: &[Lanes], to: &mut Vec<f32>| {
            to.clear();
            to.extend(v.iter().map(|x| x.0[l]));
        };
        out.n = n;
        lane(&self.power, &mut out.power);
        lane(&self.offense, &mut out.offense);
        lane(&self.growth, &mut out.growth);
        lane(&self.volatility, &mut out.volatility);
        lane(&self.autonomy, &mut out.autonomy);
        out.gdp.clone_from(&self.gdp);
        out.proximity.clone_from(&self.proximity);
        lane(&self.reach, &mut out.reach);
        lane(&self.trade, &mut out.trade);
        lane(&self.mistrust, &mut out.mistrust);
        lane(&self.affinity, &mut out.affinity);
        lane(&self.alignment, &mut out.alignment);
        lane(&self.treaty, &mut out.treaty);
        let transposed = |v: &[Lanes], to: &mut Vec<f32>| {
            to.clear();
            to.extend((0..n * n).map(|k| v[k % n * n + k / n].0[l]));
        };
        transposed(&self.intent, &mut out.intent);
        transposed(&self.intent0, &mut out.intent0);
        lane(&self.interdependence, &mut out.interdependence);
        lane(&self.shortfall, &mut out.shortfall);
        lane(&self.relative_power, &mut out.relative_power);
        lane(&self.threat, &mut out.threat);
        lane(&self.threat_e, &mut out.extended_threat);
        lane(&self.camp_threat, &mut out.camp_threat);
        out.principal.clear();
        out.principal.extend(self.principal.iter().map(|h| h[l]));
        lane(&self.kappa, &mut out.kappa);
        out.strategy.clear();
        out.strategy.extend(self.strategy.iter().map(|st| st[l]));
        lane(&self.desire, &mut out.desire);
        let detail = |v: &[Lanes], len: usize, to: &mut Vec<f32>| {
            if v.is_empty() {
                to.clear();
                to.resize(len, 0.0);
            } else {
                lane(v, to);
            }
        };
        detail(&self.partner_value, n * n, &mut out.partner_value);
        detail(&self.availability, n, &mut out.availability);
        detail(&self.bandwagon, n, &mut out.bandwagon);
        detail(&self.self_help, n, &mut out.self_help);
    }

    /// Back to `initial`'s state. Only what the step reads before writing is copied: the
    /// state, what events can change, and interdependence (recomputed only when trade
    /// changes); the quantities derived each step are overwritten before they are read.
    fn reset_from(&mut self, initial: &Self) {
        let copies = [
            (&mut self.power, &initial.power),
            (&mut self.offense, &initial.offense),
            (&mut self.growth, &initial.growth),
            (&mut self.volatility, &initial.volatility),
            (&mut self.autonomy, &initial.autonomy),
            (&mut self.trade, &initial.trade),
            (&mut self.reach, &initial.reach),
            (&mut self.mistrust, &initial.mistrust),
            (&mut self.affinity, &initial.affinity),
            (&mut self.alignment, &initial.alignment),
            (&mut self.treaty, &initial.treaty),
            (&mut self.intent, &initial.intent),
            (&mut self.intent0, &initial.intent0),
            (&mut self.interdependence, &initial.interdependence),
        ];
        for (to, from) in copies {
            to.copy_from_slice(from);
        }
        self.trade_changed.clone_from(&initial.trade_changed);
    }

    /// Lane `l`'s values of a lane vector, in double precision (exactly).
    fn lane(v: &[Lanes], l: usize) -> Vec<f64> {
        v.iter().map(|x| f64::from(x.0[l])).collect()
    }

    /// Apply one event effect in lane `l`, rounding the result to single precision within
    /// the field's range ([`narrow_to`]); a pair field changes both of its entries.
    fn apply_effect(&mut self, e: &Effect, l: usize, p: &Params32) {
        let n = self.n;
        let range = e.target.range();
        let apply = |x: &mut Lanes| {
            x.0[l] = narrow_to(e.op.apply(f64::from(x.0[l]), e.value, range), range)
        };
        match e.target {
            Target::State { i, field } => {
                use crate::scenario::StateField::*;
                match field {
                    Power => apply(&mut self.power[i]),
                    Offense => {
                        apply(&mut self.offense[i]);
                        self.reach_row(i, l, p);
                    }
                    Growth => apply(&mut self.growth[i]),
                    Volatility => apply(&mut self.volatility[i]),
                    Autonomy => apply(&mut self.autonomy[i]),
                }
            }
            Target::Pair { i, j, field } => {
                use crate::scenario::PairField::*;
                let m = match field {
                    Trade => {
                        self.trade_changed.push((i, j, l));
                        &mut self.trade
                    }
                    Mistrust => &mut self.mistrust,
                    Affinity => &mut self.affinity,
                    Alignment => &mut self.alignment,
                    Treaty => &mut self.treaty,
                };
                apply(&mut m[i * n + j]);
                m[j * n + i].0[l] = m[i * n + j].0[l];
            }
            Target::Intent { from, to } => apply(&mut self.intent[to * n + from]),
            Target::Baseline { from, to } => apply(&mut self.intent0[to * n + from]),
        }
    }

    /// Derived quantities in every lane: relative power `Phat_j = P_j / max_k P_k`, and the
    /// trade dependences (both directions) of the pairs whose trade an event changed.
    #[inline(always)]
    fn derive<S: Simd>(&mut self, s: S, p: &Params32) {
        let n = self.n;
        // max_k P_k, folded from MIN_POSITIVE; Phat_j = P_j / max.
        let mut max = s.splat(f32::MIN_POSITIVE);
        for pw in &self.power {
            max = s.max(max, s.load(pw));
        }
        for (rp, pw) in self.relative_power.iter_mut().zip(&self.power) {
            s.store(rp, s.div(s.load(pw), max));
        }
        // Interdependence of the pairs and lanes whose trade an event changed (not the whole
        // matrix: one `exp` per pair and lane).
        for (i, j, l) in self.trade_changed.drain(..) {
            if i == j {
                continue; // e_ii stays 0 (scenarios have no such pairs)
            }
            let (t, e0) = (f64::from(self.trade[i * n + j].0[l]), f64::from(p.e0));
            self.interdependence[i * n + j].0[l] = interdependence(t, self.gdp[i], e0) as f32;
            self.interdependence[j * n + i].0[l] = interdependence(t, self.gdp[j], e0) as f32;
        }
    }

    /// `x^w` in every lane of `x` (vector when `w` is 0 or 1).
    #[inline(always)]
    fn pow_lanes<S: Simd>(s: S, x: &Lanes, w: f32) -> S::V {
        if w == 0.0 {
            s.splat(1.0)
        } else if w == 1.0 {
            s.load(x)
        } else {
            s.load(&Lanes(std::array::from_fn(|l| pow(x.0[l], w))))
        }
    }

    /// Threats `T`, allied-discounted threats `Tx = T (1 − a⁺)`, camp threats `K` (with
    /// extended deterrence), and each state's principal threat `h(i) = argmax_j K_ij` (ties: lowest index) with `κ_i`, in
    /// every lane.
    #[inline(always)]
    fn threats<S: Simd>(&mut self, s: S, p: &Params32) {
        let n = self.n;
        let zero = s.splat(0.0);
        for (a, pos) in self.alignment.iter().zip(&mut self.pos) {
            s.store(pos, s.max(s.load(a), zero));
        }
        if p.threat_form == ThreatForm::Product {
            // T_ij = [Phat_j^wP · O_j^wO / scale] · prox_ij^wD · I_ji^wI · (1 − λ·e_ij),
            // evaluated left to right; the bracket once per source j.
            let inv_scale = s.splat(1.0 / reference_scale(p));
            for j in 0..n {
                let a = Self::pow_lanes(s, &self.relative_power[j], p.w_p);
                let b = Self::pow_lanes(s, &self.offense[j], p.w_o);
                s.store(&mut self.source_factor[j], s.mul(s.mul(a, b), inv_scale));
            }
        }
        // T_i· and Tx_i· of every row first (extended deterrence reads Tx by column).
        for i in 0..n {
            self.threat_row(s, p, i);
        }
        // Then, two rows at a time, the camp threats and their argmax.
        let (gamma, gamma_e) = (s.splat(p.gamma), s.splat(p.gamma_e));
        let extended = p.gamma_e != 0.0;
        let mut i = 0;
        while i < n {
            let rows = rows_at::<S>(i, n);
            // Σ_k Tx_ik a⁺_kj (Tx_ik is zero only where T_ik = 0 or a⁺_ik = 1, rare: not
            // worth looking for), and Σ_k a⁺_ik Tx_kj (rows of a⁺ are mostly zero).
            let tx_rows = &self.tx[i * n..][..rows * n];
            product_first_rows(s, rows, &mut self.row, tx_rows, &self.pos, n, None);
            if extended {
                let (pos_rows, zeros) = (&self.pos[i * n..][..rows * n], Some(&mut self.ks[..]));
                product_first_rows(s, rows, &mut self.row_e, pos_rows, &self.tx, n, zeros);
            }
            for q in 0..rows {
                let i = i + q;
                let (tx, row) = (&self.tx[i * n..][..n], &self.row[q * n..][..n]);
                let row_e = &self.row_e[q * n..][..n];
                // X_ij = Tx_ij + γe Σ_k a⁺_ik Tx_kj, K_ij = X_ij + γ Σ_k a⁺_jk Tx_ik
                // (`formulas::extended_threat`, `formulas::camp_threat`).
                let crow = &mut self.camp_threat[i * n..(i + 1) * n];
                let xrow = &mut self.threat_e[i * n..(i + 1) * n];
                let rows = crow.iter_mut().zip(xrow).zip(tx.iter().zip(row).zip(row_e));
                for ((c, x), ((t, r), e)) in rows {
                    let t = s.load(t);
                    let xv = if extended {
                        s.add(t, s.mul(gamma_e, s.load(e)))
                    } else {
                        t
                    };
                    s.store(x, xv);
                    s.store(c, s.add(xv, s.mul(gamma, s.load(r))));
                }
                // The argmax over j ≠ i (ties: lowest index), κ_i = max(K_{i,h}, 0); K_ii is
                // −∞ for the argmax (never chosen), then 0.
                crow[i] = Lanes::splat(f32::NEG_INFINITY);
                let (best, best_j) = argmax(s, crow);
                crow[i] = Lanes::default();
                s.store(&mut self.kappa[i], s.max(best, zero));
                self.principal[i] = if n <= 256 {
                    // Indices below 256: converted in vector registers.
                    s.to_u8s(best_j).map(usize::from)
                } else {
                    let mut h = Lanes::default();
                    s.store(&mut h, best_j);
                    h.0.map(|x| x as usize)
                };
            }
            i += rows;
        }
    }

    /// Row `i` of [`LaneWorld::threats`]: `T_ij` into `threat`, `Tx_ij = T_ij · (1 − a⁺_ij)`
    /// into `tx`.
    #[inline(always)]
    fn threat_row<S: Simd>(&mut self, s: S, p: &Params32, i: usize) {
        let n = self.n;
        let r = i * n..(i + 1) * n;
        let (pos, intent, e) = (
            &self.pos[r.clone()],
            &self.intent[r.clone()],
            &self.interdependence[r.clone()],
        );
        let (threat, tx) = (&mut self.threat[r.clone()], &mut self.tx[r.clone()]);
        let one = s.splat(1.0);
        match p.threat_form {
            ThreatForm::Product => {
                let (sf, prox) = (&self.source_factor[..n], &self.proximity_w[r]);
                // Each branch the same arithmetic; the factors that are exactly 1 (a weight
                // of 0 or 1 gives I^w = 1 or I; λ = 0 gives 1 − λ·e = 1 for e ∈ [0, 1]) are
                // left out, which changes no bit.
                // (Macros, not closures: closures are not always inlined into the
                // instruction-set wrappers, and outside them vector operations become calls.)
                let (w_i, lambda) = (p.w_i, s.splat(p.lambda));
                macro_rules! damped {
                    (keep, $t:ident, $k:ident) => {
                        $t
                    };
                    (damp, $t:ident, $k:ident) => {
                        s.mul($t, s.sub(one, s.mul(lambda, s.load(&e[$k]))))
                    };
                }
                macro_rules! row {
                    (|$k:ident| $intent:expr, $damp:ident) => {{
                        // The states before i, then after i (no test of k = i per element).
                        for range in [0..i, i + 1..n] {
                            for $k in range {
                                let t0 = s.mul(s.mul(s.load(&sf[$k]), s.splat(prox[$k])), $intent);
                                let t = damped!($damp, t0, $k);
                                s.store(&mut threat[$k], t);
                                s.store(&mut tx[$k], s.mul(t, s.sub(one, s.load(&pos[$k]))));
                            }
                        }
                        threat[i] = Lanes::default();
                        tx[i] = Lanes::default();
                    }};
                }
                match (p.w_i == 1.0, p.lambda == 0.0) {
                    (true, true) => row!(|k| s.load(&intent[k]), keep),
                    (true, false) => row!(|k| s.load(&intent[k]), damp),
                    (false, true) => row!(|k| Self::pow_lanes(s, &intent[k], w_i), keep),
                    (false, false) => row!(|k| Self::pow_lanes(s, &intent[k], w_i), damp),
                }
            }
            ThreatForm::Sum => {
                let scale = reference_scale(p);
                for j in 0..n {
                    for l in 0..W {
                        let t = if i == j {
                            0.0
                        } else {
                            let src = ThreatSources {
                                power: self.relative_power[j].0[l],
                                proximity: self.proximity[i * n + j],
                                offense: self.offense[j].0[l],
                                intent: intent[j].0[l],
                            };
                            threat_scaled(src, e[j].0[l], p, scale)
                        };
                        threat[j].0[l] = t;
                        tx[j].0[l] = t * (1.0 - pos[j].0[l]);
                    }
                }
            }
        }
    }

    /// Partner values, availability, bandwagon values, strategies and desires of every
    /// state, all from the same snapshot, in every lane: first every state's partner values,
    /// then each state's choice (availability reads the values partners have of it). With
    /// `detail` (constant where inlined), what explains each decision is kept.
    #[inline(always)]
    fn decide<S: Simd>(&mut self, s: S, p: &Params32, detail: bool) {
        let n = self.n;
        // Slices up front: the loops below then keep their bases in registers.
        let (power, autonomy, proximity) =
            (&self.power[..], &self.autonomy[..], &self.proximity[..]);
        let kappas = &self.kappa[..];
        let wts = Weights::new(s, p);
        let (kref, bb, bself) = (wts.kref, wts.bb, wts.bself);
        let (zero, one) = (s.splat(0.0), s.splat(1.0));
        for i in 0..n {
            let h = self.principal[i];
            let r = i * n..(i + 1) * n;
            let rows = PartnerRows {
                i,
                h,
                power,
                reach: &self.reach,
                pos: &self.pos[r.clone()],
                e: &self.interdependence[r.clone()],
                f: &self.affinity[r.clone()],
                treaty: &self.treaty[r.clone()],
                mistrust: &self.mistrust[r.clone()],
            };
            // need_i = min(1, κ_i / κ_ref)
            let need = s.min(s.div(s.load(&kappas[i]), kref), one);
            let autonomy = s.neg(s.load(&autonomy[i]));
            let power_h = s.load(&Lanes(std::array::from_fn(|l| power[h[l]].0[l])));
            let inputs = [need, autonomy, s.load(&power[i]), power_h];
            let (q_row, row) = (&mut self.row_e[..n], &mut self.partner_value[r.clone()]);
            let shortfall = partner_values(s, &rows, &wts, inputs, q_row, row);
            s.store(&mut self.shortfall[i], shortfall);
            // W_ik = max(V_ik, 0) − βt · X_ik (`formulas::desire`, `formulas::hostility`).
            let (drow, xrow) = (&mut self.desire[r.clone()], &self.threat_e[r]);
            for ((d, v), x) in drow.iter_mut().zip(&*row).zip(xrow) {
                let hostility = s.mul(wts.bt, s.load(x));
                s.store(d, s.sub(s.max(s.load(v), zero), hostility));
            }
            drow[i] = Lanes::default();
        }
        // α_i = max(0, max_{k ≠ h} min(W_ik, W_ki)) (`formulas::availability`): an ally is
        // available only where the wish is mutual (W_ii = 0); every α before any choice
        // (a bandwagoning state's choice changes its row of desires).
        let desire = &self.desire[..];
        for (i, a) in self.alpha.iter_mut().enumerate() {
            let hv = s.load(&Lanes(self.principal[i].map(|x| x as f32)));
            let (mut alpha, mut kv) = (zero, s.splat(-1.0));
            for (k, v) in desire[i * n..(i + 1) * n].iter().enumerate() {
                kv = s.add(kv, one);
                let mutual = s.min(s.load(v), s.load(&desire[k * n + i]));
                alpha = s.max(alpha, s.select(s.eq(hv, kv), zero, mutual));
            }
            s.store(a, alpha);
        }
        for i in 0..n {
            let h = self.principal[i];
            let hv = s.load(&Lanes(h.map(|x| x as f32)));
            let kappa = s.load(&kappas[i]);
            let r = i * n..(i + 1) * n;
            let alpha = s.load(&self.alpha[i]);
            // `formulas::bandwagon_value`, `self_help_value` and `strategy` on every lane,
            // with the same operations in the same order.
            let power_i = s.load(&power[i]);
            let power_h = s.load(&Lanes(std::array::from_fn(|l| power[h[l]].0[l])));
            let prox = s.load(&Lanes(h.map(|x| proximity[i * n + x])));
            let sum = s.add(power_i, power_h);
            let b = s.mul(s.mul(bb, s.div(power_h, sum)), prox);
            let b = s.mul(b, s.sub(one, s.min(alpha, one)));
            let sh = s.div(s.mul(bself, power_i), sum);
            if detail {
                s.store(&mut self.availability[i], alpha);
                s.store(&mut self.bandwagon[i], b);
                s.store(&mut self.self_help[i], sh);
            }
            let choice = Choice {
                secure: s.lt(kappa, s.splat(p.theta_secure)),
                h: hv,
                b,
                alpha,
                self_help: sh,
            };
            self.strategy[i] = choose(s, &choice, &mut self.desire[r]);
        }
    }

    /// The perceived-intent update (the security-dilemma spiral) in every lane, from the
    /// snapshot `a⁺`, `a⁻`:
    /// `I_ji ← clamp(I_ji + dt·(ζ·(a⁻_ij + Σ_k a⁺_jk·a⁻_ik) − ξ·(I_ji − I0_ji)), 0, 1)`.
    #[inline(always)]
    fn update_intent<S: Simd>(&mut self, s: S, dt: f32, p: &Params32) {
        let n = self.n;
        let (zeta, xi, dt) = (s.splat(p.zeta), s.splat(p.xi), s.splat(dt));
        let (pos, alignment, intent0) = (&self.pos[..], &self.alignment[..], &self.intent0[..]);
        let intent = &mut self.intent[..];
        let zero = s.splat(0.0);
        // Two rows at a time: a⁻_i· (rows of `alignment_neg`, from the snapshot) into `tx`,
        // the sums Σ_k a⁺_jk·a⁻_ik into `row`, then the intents.
        let mut i = 0;
        while i < n {
            let rows = rows_at::<S>(i, n);
            for (q, neg_row) in self.tx.chunks_exact_mut(n).take(rows).enumerate() {
                let a_row = &alignment[(i + q) * n..][..n];
                for (neg, a) in neg_row.iter_mut().zip(a_row) {
                    s.store(neg, s.max(s.neg(s.load(a)), zero));
                }
            }
            // Rows of a⁻ are zero wherever alignment is ≥ 0: skip those terms.
            let zeros = Some(&mut self.ks[..]);
            product_first_rows(s, rows, &mut self.row, &self.tx, pos, n, zeros);
            for q in 0..rows {
                let i = i + q;
                let (neg_i, row) = (&self.tx[q * n..][..n], &self.row[q * n..][..n]);
                let (v_row, v0_row) = (&mut intent[i * n..][..n], &intent0[i * n..][..n]);
                // The states before i, then after i (no test of j = i per element).
                for range in [0..i, i + 1..n] {
                    for j in range {
                        let spiral = s.mul(zeta, s.add(s.load(&neg_i[j]), s.load(&row[j])));
                        let v = s.load(&v_row[j]);
                        let relax = s.mul(xi, s.sub(v, s.load(&v0_row[j])));
                        let v = s.add(v, s.mul(dt, s.sub(spiral, relax)));
                        s.store(&mut v_row[j], s.clamp(v, 0.0, 1.0));
                    }
                }
            }
            i += rows;
        }
    }

    /// The alignment update in every lane (`formulas::alignment_step`); `z[q]` holds the
    /// normals of pair `q`: with `m = min(D_ik, D_ki)`,
    /// `a_ik ← clamp(a_ik + η·dt·(1 − τ·τ_ik if m < a_ik else 1)·(m − a_ik) + σd·√dt·z, −1, 1)`.
    #[inline(always)]
    fn update_alignment<S: Simd>(&mut self, s: S, z: [&[Lanes64]; 2], dt: f32, p: &Params32) {
        let n = self.n;
        let (eta_dt, noise, tau) = (
            s.splat(p.eta * dt),
            s.splat(p.sigma_d * dt.sqrt()),
            s.splat(p.tau),
        );
        let (desire, treaty) = (&self.desire[..n * n], &self.treaty[..n * n]);
        let [mut z0, mut z1] = z.map(|z| &z[..n * (n - 1) / 2]);
        let (zero, one) = (s.splat(0.0), s.splat(1.0));
        for i in 0..n {
            // Row i (k > i) and, below it, rows k > i whose element i mirrors (k, i): iterators
            // rather than indices, so the loop has no bounds checks.
            let (upper, lower) = self.alignment[..n * n].split_at_mut((i + 1) * n);
            let (a_row, d_row, t_row) = (
                &mut upper[i * n + i + 1..],
                &desire[i * n + i + 1..][..n - i - 1],
                &treaty[i * n + i + 1..][..n - i - 1],
            );
            let below = lower
                .chunks_exact_mut(n)
                .zip(desire[(i + 1) * n..].chunks_exact(n));
            // The normals of pairs (i, k > i), in that order (double precision as drawn,
            // rounded to single precision).
            let ((z0_row, rest0), (z1_row, rest1)) =
                (z0.split_at(n - i - 1), z1.split_at(n - i - 1));
            (z0, z1) = (rest0, rest1);
            let row = a_row
                .iter_mut()
                .zip(d_row.iter().zip(t_row))
                .zip(below)
                .zip(z0_row.iter().zip(z1_row));
            for (((a_ik, (d_ik, t_ik)), (a_k, d_k)), (zlo, zhi)) in row {
                let m = s.min(s.load(d_ik), s.load(&d_k[i]));
                let a = s.load(a_ik);
                let gap = s.sub(m, a);
                let slowed = s.mul(eta_dt, s.sub(one, s.mul(tau, s.load(t_ik))));
                let rate = s.select(s.lt(gap, zero), slowed, eta_dt);
                let moved = s.add(a, s.mul(rate, gap));
                let new = s.clamp(s.add(moved, s.mul(noise, s.narrow(zlo, zhi))), -1.0, 1.0);
                s.store(a_ik, new);
                s.store(&mut a_k[i], new);
            }
        }
    }

    /// The power update, geometric Brownian motion, in every lane:
    /// `P_i ← P_i · exp((μ_i − σ_i²/2)·dt + σ_i·√dt·z)`, in double precision (the state widened exactly, [`super::vexp::exp`] giving the bits of
    /// `libm::exp`), eight lanes at a time, then rounded to single precision; `z[g][i]`
    /// holds the normals of state `i` in lanes `8g .. 8g + 8`.
    #[inline(always)]
    fn update_power<S: Simd64>(&mut self, s: S, z: [&[Lanes64]; 2], dt: f64) {
        let (half, dt_v, sq) = (s.splat(0.5), s.splat(dt), s.splat(dt.sqrt()));
        let (floor, ceiling) = (s.splat(MIN_POWER), s.splat(MAX_POWER));
        let (growth, volatility) = (&self.growth[..], &self.volatility[..]);
        // Lanes `8g .. 8g + 8` of `x`, widened in registers.
        macro_rules! part {
            ($x:expr, $g:expr) => {
                s.load_f32(&($x).0.as_chunks::<W64>().0[$g])
            };
        }
        for (i, pw) in self.power.iter_mut().enumerate() {
            let mut out = Lanes::default();
            for (g, z) in z.iter().enumerate() {
                // (μ − 0.5·σ·σ)·dt + σ·√dt·z, evaluated in this order.
                let sigma = part!(volatility[i], g);
                let drift = s.sub(part!(growth[i], g), s.mul(s.mul(half, sigma), sigma));
                let shock = s.mul(s.mul(sigma, sq), s.load(&z[i]));
                let x = s.add(s.mul(drift, dt_v), shock);
                let grown = s.mul(part!(pw, g), super::vexp::exp(s, x));
                let mut wide = Lanes64::default();
                s.store(&mut wide, s.min(s.max(grown, floor), ceiling));
                for (o, w) in out.0[g * W64..][..W64].iter_mut().zip(wide.0) {
                    *o = w as f32;
                }
            }
            *pw = out;
        }
    }
}

/// The events of a group of runs: which fired in each lane so far, and when.
struct Events<'a> {
    fired: &'a mut [[bool; W]],
    events: &'a mut [Vec<FiredEvent>; W],
}

impl Events<'_> {
    /// The events at the start of `step`, in event order, in every lane: a hazard event draws
    /// one uniform per lane from the main streams (whether or not it can still fire), a
    /// scheduled one fires once its time has come; the effects of those that fire apply to
    /// their lane.
    fn fire(
        self,
        (sc, p): (&Scenario, &Params32),
        hazard_p: &[f64],
        step: usize,
        main: &mut [ChaChaLanes; 2],
        w: &mut LaneWorld,
        obs: &mut dyn LaneObserver,
    ) {
        let year = sc.year(step);
        for (e, ev) in sc.events.iter().enumerate() {
            let u = match ev.trigger {
                Trigger::Hazard(_) => main.each_mut().map(|m| m.next_u64s()),
                Trigger::At(_) => [U64Lanes::default(); 2],
            };
            for l in 0..W {
                let fire = match ev.trigger {
                    Trigger::At(at) => !self.fired[e][l] && year >= at - 1e-9 * sc.dt,
                    Trigger::Hazard(_) => {
                        uniform_from(u[l / W64].0[l % W64]) < hazard_p[e]
                            && !(ev.once && self.fired[e][l])
                    }
                };
                if fire {
                    self.fired[e][l] = true;
                    for eff in &ev.effects {
                        w.apply_effect(eff, l, p);
                    }
                    self.events[l].push(FiredEvent { step, event: e });
                    obs.event(l, step, e);
                }
            }
        }
    }
}

/// Each pair's first alliance in every lane: `step` where its alignment reaches
/// `threshold` for the first time (`allied`: bit `l` of pair `q` once lane `l` was allied).
#[inline(always)]
fn first_alliances<S: Simd>(
    s: S,
    w: &LaneWorld,
    threshold: S::V,
    step: usize,
    allied: &mut [u32],
    first_alliance: &mut [[Option<u32>; W]],
) {
    let n = w.n;
    let mut q = 0;
    for i in 0..n {
        for a in &w.alignment[i * n + i + 1..(i + 1) * n] {
            let new = s.bits(s.ge(s.load(a), threshold)) & !allied[q];
            if new != 0 {
                allied[q] |= new;
                for (l, f) in first_alliance[q].iter_mut().enumerate() {
                    if new >> l & 1 == 1 {
                        *f = Some(step as u32);
                    }
                }
            }
            q += 1;
        }
    }
}

/// What the partner values of state `i` read (rows `i` of the pair matrices).
struct PartnerRows<'a> {
    i: usize,
    /// `h(i)` in every lane (each below `n`).
    h: [usize; W],
    power: &'a [Lanes],
    /// `L` (all rows).
    reach: &'a [Lanes],
    pos: &'a [Lanes],
    e: &'a [Lanes],
    f: &'a [Lanes],
    treaty: &'a [Lanes],
    mistrust: &'a [Lanes],
}

/// The partner values `V_ik` of state `i` in every lane into `row` (0 at `k = i`; the
/// principal threat brings nothing against itself, `L_hh = 0`, but its other terms count) (`formulas::partner_terms`, summed in the order of `PartnerTerms::value`),
/// from `need_i`, `−c_i`, `P_i` and `P_h` in every lane, with
/// `Q_kh = P_k · L_kh` in `q_row`. Returns the shortfall `P_h / (P_h + G_i)`.
#[inline(always)]
fn partner_values<S: Simd>(
    s: S,
    x: &PartnerRows<'_>,
    wts: &Weights<S::V>,
    [need, autonomy, power_i, power_h]: [S::V; 4],
    q_row: &mut [Lanes],
    row: &mut [Lanes],
) -> S::V {
    let (i, h, n) = (x.i, x.h, x.power.len());
    let (power, reach, pos) = (x.power, x.reach, x.pos);
    // The gather of `L_{k,h}` below reads without bounds checks: this makes it valid.
    assert!(
        h.iter().all(|&x| x < n) && reach.len() >= n * n,
        "principal threats are states"
    );
    // Q_kh = P_k · L_kh (0 at k = h, where L is 0), and the coalition i has against h,
    // G_i = P_i + Σ_k a⁺_ik · Q_kh, summed in index order (a⁺_ii = 0).
    let mut g = power_i;
    // (Macros, not closures: closures are not always inlined into the instruction-set
    // wrappers, and outside them vector operations become calls.)
    macro_rules! projected {
        (|$k:ident| $reach:expr) => {
            for $k in 0..n {
                let q = s.mul(s.load(&power[$k]), $reach);
                s.store(&mut q_row[$k], q);
                g = s.add(g, s.mul(s.load(&pos[$k]), q));
            }
        };
    }
    if h.iter().all(|&x| x == h[0]) {
        // The same principal threat in every lane (the common case): L_kh is a load.
        let h0 = h[0];
        projected!(|k| s.load(&reach[k * n + h0]));
    } else {
        projected!(|k| {
            let lk = &reach[k * n..][..n];
            // SAFETY: every h[l] < n (asserted above) and `lk` has n elements.
            s.load(&Lanes(std::array::from_fn(|l| unsafe {
                lk.get_unchecked(h[l]).0[l]
            })))
        });
    }
    let shortfall = s.div(power_h, s.add(power_h, g));
    let need_p = s.mul(need, wts.bp);
    let (e, f, treaty, m) = (x.e, x.f, x.treaty, x.mistrust);
    for k in 0..n {
        if k == i {
            row[k] = Lanes::default();
            continue;
        }
        // `formulas::partner_terms`, summed in the order of `PartnerTerms::value`.
        let q = s.load(&q_row[k]);
        let v = s.mul(s.mul(need_p, s.div(q, s.add(power_i, q))), shortfall);
        let v = s.add(v, s.mul(wts.be, s.load(&e[k])));
        let v = s.add(v, s.mul(wts.bf, s.load(&f[k])));
        let v = s.add(v, s.mul(wts.bc, s.load(&treaty[k])));
        let v = s.add(v, s.mul(wts.bm, s.load(&m[k])));
        let v = s.add(v, autonomy);
        s.store(&mut row[k], v);
    }
    shortfall
}

/// The parameters the decisions read, in every lane: the partner-value weights `βp`, `βe`,
/// `βf`, `βc`, `−βm`, the hostility weight `βt`, `κ_ref`, `βb` and `βself`.
struct Weights<V> {
    bp: V,
    be: V,
    bf: V,
    bc: V,
    bt: V,
    bm: V,
    kref: V,
    bb: V,
    bself: V,
}

impl<V> Weights<V> {
    #[inline(always)]
    fn new<S: Simd<V = V>>(s: S, p: &Params32) -> Self {
        Self {
            bp: s.splat(p.beta_p),
            be: s.splat(p.beta_e),
            bf: s.splat(p.beta_f),
            bc: s.splat(p.beta_c),
            bt: s.splat(p.beta_t),
            bm: s.splat(-p.beta_m),
            kref: s.splat(p.kappa_ref),
            bb: s.splat(p.beta_b),
            bself: s.splat(p.beta_self),
        }
    }
}

/// What a state's choice in every lane rests on (see [`choose`]).
struct Choice<S: Simd> {
    /// Lanes where the state is secure (`κ_i < θ_secure`).
    secure: S::M,
    /// `h(i)` (as a number), `B_i`, `α_i`, `S_i`.
    h: S::V,
    b: S::V,
    alpha: S::V,
    self_help: S::V,
}

/// The strategy of a state in every lane (`formulas::strategy`), and its desires: `drow`
/// holds `W_ik = max(V_ik, 0) − H_ik` (`formulas::desire`), which stays the desire except
/// toward the principal threat of a bandwagoning state, `D_ih = +B_i`.
#[inline(always)]
fn choose<S: Simd>(s: S, c: &Choice<S>, drow: &mut [Lanes]) -> [Strategy; W] {
    let (zero, one, two) = (s.splat(0.0), s.splat(1.0), s.splat(2.0));
    // Strategy codes (`Strategy as usize`): secure 0, balance 1, bandwagon 2.
    let band = s.select(s.gt(c.b, s.max(c.alpha, c.self_help)), two, one);
    let code = s.select(c.secure, zero, band);
    let bandwagon = s.eq(code, two);
    if s.bits(bandwagon) != 0 {
        let mut kv = s.splat(-1.0);
        for d in drow.iter_mut() {
            kv = s.add(kv, one);
            let toward = s.eq(c.h, kv);
            s.store(
                d,
                s.select(toward, s.select(bandwagon, c.b, s.load(d)), s.load(d)),
            );
        }
    }
    s.to_u8s(code).map(|c| match c {
        0 => Strategy::Secure,
        1 => Strategy::Balance,
        _ => Strategy::Bandwagon,
    })
}

/// In every lane, the largest `v[j]` and its index (the lowest among equals; `−∞` and 0 when
/// every element is `−∞`: an element set to `−∞` is never chosen, which is how callers leave
/// one out). Where registers allow, two halves of `v` are scanned side by side, so that the
/// two chains of comparisons overlap, and then combined: the first half's indices are the
/// lower, so it wins ties, and the result is that of one scan in index order.
#[inline(always)]
fn argmax<S: Simd>(s: S, v: &[Lanes]) -> (S::V, S::V) {
    let half = if S::MANY_REGISTERS {
        v.len().div_ceil(2)
    } else {
        v.len()
    };
    let (first, second) = v.split_at(half);
    let one = s.splat(1.0);
    let mut best = [s.splat(f32::NEG_INFINITY); 2];
    let mut best_j = [s.splat(0.0); 2];
    // The indices as vectors, counted up (exact) rather than converted each time.
    let mut j = [s.splat(0.0), s.splat(half as f32)];
    // (Loops and a macro, not closures: see `threat_row`.)
    macro_rules! scan {
        ($c:literal, $x:expr) => {
            let x = s.load($x);
            let better = s.gt(x, best[$c]);
            best[$c] = s.select(better, x, best[$c]);
            best_j[$c] = s.select(better, j[$c], best_j[$c]);
            j[$c] = s.add(j[$c], one);
        };
    }
    for (x, y) in first.iter().zip(second) {
        scan!(0, x);
        scan!(1, y);
    }
    // The first half's last element, when it is the longer.
    for x in &first[second.len()..] {
        scan!(0, x);
    }
    let later = s.gt(best[1], best[0]);
    (
        s.select(later, best[1], best[0]),
        s.select(later, best_j[1], best_j[0]),
    )
}

/// How many rows of a matrix product to compute together from row `i` of `n`: two where
/// the registers hold both rows' sums ([`crate::simd::Backend::MANY_REGISTERS`]) and a
/// second row remains.
#[inline(always)]
fn rows_at<S: Simd>(i: usize, n: usize) -> usize {
    if S::MANY_REGISTERS && i + 1 < n { 2 } else { 1 }
}

/// [`product_rows`] of the first `rows` (1 or 2) rows of `t` into those of `out` (rows of
/// `n` elements, one after the other); `zeros`: scratch to skip zero terms, if wanted.
#[inline(always)]
fn product_first_rows<S: Simd>(
    s: S,
    rows: usize,
    out: &mut [Lanes],
    t: &[Lanes],
    x: &[Lanes],
    n: usize,
    zeros: Option<&mut [usize]>,
) {
    let ((t0, t1), (out0, out1)) = (t.split_at(n), out.split_at_mut(n));
    if rows == 2 {
        product_rows(s, &mut [out0, &mut out1[..n]], [t0, &t1[..n]], x, n, zeros);
    } else {
        product_rows(s, &mut [out0], [t0], x, n, zeros);
    }
}

/// `rows[r][j] = Σ_k t[r][k] · x[k·n + j]` in every lane, for `R` rows at once (rows of a
/// matrix product whose left factor's rows are `t[r]`), each sum accumulated over `k` in
/// index order with fused multiply-adds (one rounding per term). With `zeros`
/// (scratch of `n` indices), a `k` whose `t` is zero in every lane of every row is skipped:
/// as every term is ≥ 0 and the sums start at +0, skipping or adding a zero product gives
/// the same sum (so a row may add the zero products
/// of another row's `k`, and a product whose factors are seldom zero need not look for them).
///
/// The columns are split into as few blocks as the backend's registers allow
/// ([`crate::simd::Backend::ACCUMULATORS`] sums), of nearly equal widths, each computed with
/// its sums held in registers: a sum over `k` is a chain of dependent additions, and many
/// independent chains side by side keep the arithmetic units busy; with two rows, each
/// element of `x` loaded serves both.
#[inline(always)]
fn product_rows<S: Simd, const R: usize>(
    s: S,
    rows: &mut [&mut [Lanes]; R],
    t: [&[Lanes]; R],
    x: &[Lanes],
    n: usize,
    zeros: Option<&mut [usize]>,
) {
    // `product_block` indexes without bounds checks (its inner loop is the hottest of the
    // step): every `k` in `ks` is below `n`, and these lengths make every index valid.
    assert!(
        x.len() >= n * n && t.iter().all(|t| t.len() >= n) && rows.iter().all(|r| r.len() >= n),
        "product_rows: operands of {n} × {n}"
    );
    match zeros {
        Some(ks) => {
            let mut m = 0;
            for k in 0..n {
                let mut zero = true;
                for t in &t {
                    zero &= s.all_zero(s.load(&t[k]));
                }
                // Kept or not without a branch (which would often be mispredicted).
                ks[m] = k;
                m += usize::from(!zero);
            }
            product_columns(s, rows, t, x, n, ks[..m].iter().copied());
        }
        None => product_columns(s, rows, t, x, n, 0..n),
    }
}

/// The column blocks of [`product_rows`], over the terms `ks` (each below `n`).
#[inline(always)]
fn product_columns<S: Simd, const R: usize, I: Iterator<Item = usize> + Clone>(
    s: S,
    rows: &mut [&mut [Lanes]; R],
    t: [&[Lanes]; R],
    x: &[Lanes],
    n: usize,
    ks: I,
) {
    // Per row, its share of the sums the registers hold, less one for each further row's
    // factor `t[r][k]` (AVX2 has 16 registers: two rows of three sums would spill).
    let per_row = (S::ACCUMULATORS + 1 - R) / R;
    let blocks = n.div_ceil(per_row.clamp(1, MAX_BLOCK));
    let mut j0 = 0;
    for b in 0..blocks {
        let width = (n - j0) / (blocks - b);
        macro_rules! widths {
            ($($w:literal)*) => {
                match width {
                    $($w => product_block::<S, R, $w, I>(s, rows, t, x, n, ks.clone(), j0),)*
                    _ => unreachable!("block widths are 1..={MAX_BLOCK}"),
                }
            };
        }
        widths!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24);
        j0 += width;
    }
}

/// The widest block of [`product_rows`].
const MAX_BLOCK: usize = 24;

/// Columns `j0 .. j0 + B` of [`product_rows`], the `R × B` sums in registers.
#[inline(always)]
fn product_block<S: Simd, const R: usize, const B: usize, I: Iterator<Item = usize>>(
    s: S,
    rows: &mut [&mut [Lanes]; R],
    t: [&[Lanes]; R],
    x: &[Lanes],
    n: usize,
    ks: I,
    j0: usize,
) {
    let mut acc = [[s.splat(0.0); B]; R];
    for k in ks {
        // (Loops, not closures: closures are not always inlined into the instruction-set
        // wrappers, and outside them the vector operations become calls.)
        debug_assert!(k < n && j0 + B <= n);
        let mut tk = [s.splat(0.0); R];
        for (tk, t) in tk.iter_mut().zip(t) {
            // SAFETY: k < n ≤ t.len() (see `product_rows`).
            *tk = s.load(unsafe { t.get_unchecked(k) });
        }
        // SAFETY: k·n + j0 + B ≤ n·n ≤ x.len(), as k < n and j0 + B ≤ n (see `product_rows`).
        let xk = unsafe { x.get_unchecked(k * n + j0..k * n + j0 + B) };
        for (c, xv) in xk.iter().enumerate() {
            let xv = s.load(xv);
            for (acc, tk) in acc.iter_mut().zip(tk) {
                acc[c] = s.fma(tk, xv, acc[c]);
            }
        }
    }
    for (row, acc) in rows.iter_mut().zip(acc) {
        for (r, a) in row[j0..j0 + B].iter_mut().zip(acc) {
            s.store(r, a);
        }
    }
}

/// Simulates [`W`] runs at once (see the module docs). Reusable: the initial worlds are
/// built once, each group of runs starts from a copy.
#[derive(Debug, Clone)]
pub struct LaneSimulator<'s> {
    scenario: &'s Scenario,
    /// The parameters in single precision, as the step reads them.
    params: Params32,
    initial: LaneWorld,
    world: LaneWorld,
    /// Per-step firing probability of each event (0 for scheduled ones).
    hazard_p: Vec<f64>,
    /// Normals of one step, `[pair, then state]`, in double precision as drawn: lanes
    /// `0..8` in `z[0]`, lanes `8..16` in `z[1]` (one random-number group each).
    z: [Vec<Lanes64>; 2],
    /// The main draws of the step's normals, per half as `z`.
    bits: [Vec<U64Lanes>; 2],
    units: VectorUnits,
}

impl<'s> LaneSimulator<'s> {
    /// Prepare runs of `s` under `p`, with the widest vector units this CPU has.
    pub fn new(s: &'s Scenario, p: &Params) -> Self {
        Self::with_units(s, p, VectorUnits::best())
    }

    /// As [`LaneSimulator::new`] with the given units (one of [`VectorUnits::available`]).
    pub fn with_units(s: &'s Scenario, p: &Params, units: VectorUnits) -> Self {
        let p = &Params32::from(p);
        let initial = LaneWorld::new(s, p);
        let hazard_p = s
            .events
            .iter()
            .map(|e| match e.trigger {
                Trigger::Hazard(h) => 1.0 - libm::exp(-h * s.dt),
                Trigger::At(_) => 0.0,
            })
            .collect();
        let n = s.n();
        let units = if VectorUnits::available().contains(&units) {
            units
        } else {
            VectorUnits::Portable
        };
        Self {
            scenario: s,
            params: p.clone(),
            world: initial.clone(),
            initial,
            hazard_p,
            z: std::array::from_fn(|_| vec![Lanes64::default(); n * (n - 1) / 2 + n]),
            bits: std::array::from_fn(|_| vec![U64Lanes::default(); n * (n - 1) / 2 + n]),
            units,
        }
    }

    /// The build of the step in use.
    pub fn units(&self) -> VectorUnits {
        self.units
    }

    /// The parameters in single precision, as the step reads them.
    pub fn params32(&self) -> &Params32 {
        &self.params
    }

    /// The worlds at `t = 0`, before any event.
    pub fn initial(&self) -> &LaneWorld {
        &self.initial
    }

    /// Simulate runs `first .. first + active` (`1 ≤ active ≤ W`) with master `seed`; lanes
    /// past `active` repeat run `first` and are discarded. Returns one outcome per run, in
    /// run order, each equal to what [`super::Simulator::run`] returns for that run.
    pub fn run(
        &mut self,
        first: u64,
        active: usize,
        seed: u64,
        obs: &mut dyn LaneObserver,
    ) -> Vec<RunOutcome> {
        assert!((1..=W).contains(&active), "1 ≤ active ≤ {W}");
        let units = self.units;
        let runs = Runs {
            sim: self,
            first,
            active,
            seed,
            obs,
        };
        crate::simd::dispatch(units, runs)
    }

    /// The run loop: the same order of draws and updates as [`super::Simulator::run`].
    #[inline(always)]
    fn run_with<S: Simd + Simd64>(
        &mut self,
        s: S,
        first: u64,
        active: usize,
        seed: u64,
        obs: &mut dyn LaneObserver,
    ) -> Vec<RunOutcome> {
        let sc = self.scenario;
        let units = self.units;
        let p = &self.params;
        let n = sc.n();
        let pairs = n * (n - 1) / 2;
        let steps = sc.steps;
        let dt = sc.dt as f32;
        let index = |l: usize| if l < active { first + l as u64 } else { first };
        // Two groups of eight random streams (`chacha_lanes` computes eight at once): lanes
        // `0..8` and `8..16`.
        let mut main: [ChaChaLanes; 2] = std::array::from_fn(|g| {
            ChaChaLanes::new(seed, std::array::from_fn(|l| index(g * W64 + l)))
        });
        let mut side: [[ChaCha8Rng; W64]; 2] =
            std::array::from_fn(|g| std::array::from_fn(|l| side_rng(seed, index(g * W64 + l))));
        let mut normals = Normals::new();
        let w = &mut self.world;
        w.reset_from(&self.initial);
        let detail = obs.detail();
        if detail && w.availability.is_empty() {
            w.keep_detail();
        }

        let mut first_alliance: Vec<[Option<u32>; W]> = vec![[None; W]; pairs];
        // Lanes already allied once, per pair (bit l = lane l).
        let mut allied = vec![0u32; pairs];
        let threshold = Simd::splat(s, p.alliance_threshold);
        let mut decisions = vec![[[0u32; 3]; W]; n];
        let mut fired = vec![[false; W]; sc.events.len()];
        let mut events: [Vec<FiredEvent>; W] = std::array::from_fn(|_| Vec::new());

        for step in 0..=steps {
            if step < steps {
                let events = Events {
                    fired: &mut fired,
                    events: &mut events,
                };
                events.fire((sc, p), &self.hazard_p, step, &mut main, w, obs);
            }
            w.derive(s, p);
            w.threats(s, p);
            w.decide(s, p, detail);
            first_alliances(s, w, threshold, step, &mut allied, &mut first_alliance);
            obs.observe(units, step, w, active);
            if step == steps {
                break;
            }
            for (d, st) in decisions.iter_mut().zip(&w.strategy) {
                for l in 0..W {
                    d[l][st[l] as usize] += 1;
                }
            }
            // Each run's normals of the step, as `Simulator::run` draws them.
            for g in 0..2 {
                main[g].fill(&mut self.bits[g]);
                normals.fill_lanes(s, &self.bits[g], &mut side[g], &mut self.z[g]);
            }
            w.update_intent(s, dt, p);
            let [z0, z1] = &self.z;
            w.update_alignment(s, [&z0[..pairs], &z1[..pairs]], dt, p);
            w.update_power(s, [&z0[pairs..], &z1[pairs..]], sc.dt);
            obs.updated(step + 1, w);
        }
        let mut out = Vec::with_capacity(active);
        for (l, events) in events.into_iter().enumerate().take(active) {
            let power = LaneWorld::lane(&w.power, l);
            let alignment = LaneWorld::lane(&w.alignment, l);
            out.push(RunOutcome {
                run_index: first + l as u64,
                camps: camps(&power, &alignment),
                alignment,
                intent: (0..n * n)
                    .map(|k| f64::from(w.intent[k % n * n + k / n].0[l]))
                    .collect(),
                power,
                first_alliance: first_alliance.iter().map(|f| f[l]).collect(),
                decisions: decisions.iter().map(|d| d[l]).collect(),
                principal: w.principal.iter().map(|h| h[l]).collect(),
                strategy: w.strategy.iter().map(|st| st[l]).collect(),
                events,
            });
        }
        out
    }
}

/// [`LaneSimulator::run`] as a [`Kernel`]: the run loop, inlined whole into the function
/// that enables the instruction set of the vector units in use.
struct Runs<'a, 's> {
    sim: &'a mut LaneSimulator<'s>,
    first: u64,
    active: usize,
    seed: u64,
    obs: &'a mut dyn LaneObserver,
}

impl Kernel for Runs<'_, '_> {
    type Output = Vec<RunOutcome>;

    #[inline(always)]
    fn run<S: Simd + Simd64>(self, s: S) -> Vec<RunOutcome> {
        let Self {
            sim,
            first,
            active,
            seed,
            obs,
        } = self;
        sim.run_with(s, first, active, seed, obs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f32, expected: f64) {
        assert!(
            (f64::from(got) - expected).abs() < 1e-6,
            "got {got}, expected {expected}"
        );
    }

    /// A world of three states (the scenario's values do not matter: the tests set them).
    fn three() -> LaneWorld {
        let s = crate::model::world::tests::three();
        LaneWorld::new(&s, &Params32::from(&s.params))
    }

    #[test]
    fn intent_spiral_by_hand() {
        // a_AB = −.5 (A and B hostile), a_BC = +.4 (B allied with C); ζ = .05, ξ = .2, dt = 1.
        // I_BA: A sees B hostile: a⁻_AB = .5; Σ_k a⁺_Bk a⁻_Ak = a⁺_BC·a⁻_AC = 0 -> +.05·.5 = +.025.
        // I_CA: C is allied with A's enemy B: a⁺_CB·a⁻_AB = .4·.5 = .2 -> +.05·.2 = +.01.
        // Relaxation: I = .6 over a baseline of .5 loses .2·.1 = .02.
        let n = 3;
        let mut w = three();
        #[rustfmt::skip]
        let a = [
            0.0, -0.5, 0.0,
            -0.5, 0.0, 0.4,
            0.0, 0.4, 0.0,
        ];
        for (k, &a) in a.iter().enumerate() {
            w.alignment[k] = Lanes::splat(a);
            w.pos[k] = Lanes::splat(a.max(0.0));
            w.intent[k] = Lanes::splat(if k % 4 == 0 { 0.0 } else { 0.5 });
            w.intent0[k] = w.intent[k];
        }
        // Lane layout: `intent[i * n + j] = I_ji`.
        w.intent[2] = Lanes::splat(0.6); // I_CA
        let p = Params32::from(&Params::walt());
        w.update_intent(Portable, 1.0, &p);
        close(w.intent[1].0[0], 0.5 + 0.025); // I_BA
        close(w.intent[2].0[5], 0.6 + 0.01 - 0.02); // I_CA
        close(w.intent[n].0[15], 0.5 + 0.025); // I_AB: B sees A hostile too
    }

    /// The power update on lanes of states `[2, 1, 1]` with normals `z` (the same in every
    /// lane), growth `growth` and volatility `vol`, over `dt`.
    fn grow(power: [f32; 3], growth: [f32; 3], vol: [f32; 3], dt: f64, z: [f64; 3]) -> [f32; 3] {
        let mut w = three();
        for i in 0..3 {
            (w.power[i], w.growth[i]) = (Lanes::splat(power[i]), Lanes::splat(growth[i]));
            w.volatility[i] = Lanes::splat(vol[i]);
        }
        let z: Vec<Lanes64> = z.iter().map(|&x| Lanes64::splat(x)).collect();
        w.update_power(Portable, [&z, &z], dt);
        std::array::from_fn(|i| {
            assert!(w.power[i].0.iter().all(|&x| x == w.power[i].0[0]));
            w.power[i].0[0]
        })
    }

    #[test]
    fn power_grows_deterministically_without_volatility() {
        let p = grow(
            [2.0, 1.0, 1.0],
            [0.04, 0.0, 0.0],
            [0.0; 3],
            0.25,
            [1.5, -0.7, 0.0],
        );
        close(p[0], 2.0 * libm::exp(0.01));
        close(p[1], 1.0);
    }

    /// Growth and shocks stop at the floor and the ceiling (so powers stay finite and
    /// positive in single precision); in between, the exact update rounded once.
    #[test]
    fn power_stays_between_its_floor_and_ceiling() {
        let p = grow(
            [1e29, 1e-29, 1.0],
            [1.0, -1.0, 0.0],
            [2.0, 2.0, 0.5],
            1.0,
            [8.0, -8.0, 0.2],
        );
        assert_eq!(p[0], MAX_POWER as f32);
        assert_eq!(p[1], MIN_POWER as f32);
        let want = (libm::exp((0.0 - 0.5 * 0.5 * 0.5) * 1.0 + 0.5 * 1.0 * 0.2)) as f32;
        assert_eq!(p[2], want);
    }

    /// `argmax` of `v` on backend `s` against one scan in index order, lane by lane.
    fn check_argmax<S: Simd>(s: S, v: &[Lanes]) {
        let (best, best_j) = argmax(s, v);
        let (mut got, mut got_j) = (Lanes::default(), Lanes::default());
        s.store(&mut got, best);
        s.store(&mut got_j, best_j);
        for l in 0..W {
            let (mut want, mut want_j) = (f32::NEG_INFINITY, 0);
            for (j, x) in v.iter().enumerate() {
                if x.0[l] > want {
                    (want, want_j) = (x.0[l], j);
                }
            }
            assert_eq!(
                (got.0[l], got_j.0[l]),
                (want, want_j as f32),
                "lane {l} of {v:?}"
            );
        }
    }

    /// Ties (many: four distinct values) go to the lowest index, whichever half of the scan
    /// holds it, and an element set to −∞ is never chosen; on every backend.
    #[test]
    fn argmax_is_one_scan_in_index_order() {
        for len in 1..=11 {
            let v: Vec<Lanes> = (0..len)
                .map(|j| Lanes(std::array::from_fn(|l| ((j * 7 + l * 3) % 4) as f32)))
                .collect();
            for skip in 0..len {
                let mut v = v.clone();
                v[skip] = Lanes::splat(f32::NEG_INFINITY);
                check_argmax(Portable, &v);
                #[cfg(target_arch = "x86_64")]
                {
                    if let Some(s) = crate::simd::Avx2::detect() {
                        check_argmax(s, &v);
                    }
                    if let Some(s) = crate::simd::Avx512::detect() {
                        check_argmax(s, &v);
                    }
                }
            }
        }
    }
}
