//! One simulated world and its step: events → derived quantities → threats →
//! decisions → intent and alignment updates (one snapshot) → power.
//!
//! State is kept in flat arrays (`n × n` matrices row-major in one `Vec`), allocated once
//! per [`Simulator`]; a step allocates nothing. The state and the step are single precision
//! (`f32`, with the parameters as [`Params32`]); what is computed in double precision and
//! rounded (scenario values and effects, static quantities, the power update, the random
//! numbers) is listed in `docs/model.md` §12.

use super::camps::{Camps, camps};
use super::formulas::{
    PairClass, PartnerInputs, PartnerTerms, Strategy, ThreatSources, availability, bandwagon_value,
    camp_threat, interdependence, need, pair_class, partner_terms, pow, proximity, reference_scale,
    relative_power, self_help_value, strategy, threat_scaled,
};
use super::params::{Params, Params32, ThreatForm};
use super::simd32::fused32;
use crate::scenario::{Effect, Event, Scenario, Target, Trigger};

pub use super::random::run_rng;
use super::random::{Normals, side_rng, uniform};

/// `x`, a value in `range` (a field's range, `Target::range`), rounded to single precision
/// and kept in the range as single precision can hold it: a positive lower bound (power,
/// offense: `> 0`) becomes at least `f32::MIN_POSITIVE`, so such a value never rounds to 0;
/// an upper bound beyond `f32::MAX` becomes `f32::MAX`, so none becomes infinite.
pub fn narrow_to(x: f64, (lo, hi): (f64, f64)) -> f32 {
    let lo = if lo > 0.0 {
        (lo as f32).max(f32::MIN_POSITIVE)
    } else {
        lo as f32
    };
    (x as f32).clamp(lo, (hi as f32).min(f32::MAX))
}

/// The values in double precision (exact).
pub fn widen(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| f64::from(x)).collect()
}

/// A single-precision value for people to read: the double nearest the shortest decimal
/// that reads back as `x` (`0.3` for `0.3_f32`, where widening gives `0.30000001192092896`).
/// For explanations and reports only; statistics use the exact value.
pub fn tidy(x: f32) -> f64 {
    format!("{x}").parse().unwrap_or(f64::from(x))
}

/// Up to this many best partners are reported to observers.
pub const TOP_PARTNERS: usize = 3;

/// A best partner of a balancing state, with the terms of its value.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Partner {
    /// Partner index.
    pub k: usize,
    /// Its value `V_ik`.
    pub value: f32,
    /// The terms of the value.
    pub terms: PartnerTerms,
}

/// Why a state decided as it did in one step (for observers).
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The deciding state.
    pub state: usize,
    /// Its principal threat `h(i)`.
    pub principal: usize,
    /// `κ_i = K_{i,h}`: camp threat of the principal threat.
    pub kappa: f32,
    /// `T_{i,h}`: the principal threat's own threat (before alliances).
    pub threat: f32,
    /// The four sources of `T_{i,h}`.
    pub sources: ThreatSources,
    /// `need_i`.
    pub need: f32,
    /// `α_i`.
    pub availability: f32,
    /// `B_i`.
    pub bandwagon: f32,
    /// `S_i`.
    pub self_help: f32,
    /// The decision.
    pub strategy: Strategy,
    /// Best partners, highest value first (at most [`TOP_PARTNERS`], only positive values).
    pub partners: Vec<Partner>,
}

/// Receives what happens in a run. All methods default to doing nothing.
///
/// Set `DETAIL = true` to receive [`Observer::decision`] calls (they cost a little to build);
/// with the default `false` the step computes nothing extra.
pub trait Observer {
    /// Whether [`Observer::decision`] should be called.
    const DETAIL: bool = false;

    /// An event fired at the start of `step` (time `year`).
    fn event(&mut self, _step: usize, _year: f64, _index: usize, _event: &Event) {}

    /// A state's decision at `step` (only when `DETAIL`).
    fn decision(&mut self, _step: usize, _year: f64, _decision: &Decision) {}

    /// The class of pair `{i, k}` changed during the update that ends at `step`.
    #[allow(clippy::too_many_arguments)]
    fn alignment_change(
        &mut self,
        _step: usize,
        _year: f64,
        _i: usize,
        _k: usize,
        _from: PairClass,
        _to: PairClass,
        _alignment: f32,
    ) {
    }

    /// The world at `step` (`0..=steps`) after decisions were computed on it.
    fn observe(&mut self, _step: usize, _year: f64, _world: &World) {}
}

/// The observer that observes nothing (used by the Monte Carlo loop).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoObserver;

impl Observer for NoObserver {}

/// An event that fired in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FiredEvent {
    /// Step at whose start it fired.
    pub step: usize,
    /// Index into the scenario's events.
    pub event: usize,
}

/// What one run produced (MODEL.md, "Outcomes").
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutcome {
    /// Run index.
    pub run_index: u64,
    /// Final alignment matrix (single-precision values, exactly).
    pub alignment: Vec<f64>,
    /// Final perceived intents, `intent[j * n + i] = I_ji`.
    pub intent: Vec<f64>,
    /// Final powers.
    pub power: Vec<f64>,
    /// First step at which each pair (upper triangle order) was an alliance, if ever.
    pub first_alliance: Vec<Option<u32>>,
    /// Decision counts per state over the steps acted on: `[secure, balance, bandwagon]`.
    pub decisions: Vec<[u32; 3]>,
    /// Each state's principal threat at the end.
    pub principal: Vec<usize>,
    /// Each state's strategy at the end.
    pub strategy: Vec<Strategy>,
    /// Events that fired, in order.
    pub events: Vec<FiredEvent>,
    /// The final two-camp partition.
    pub camps: Camps,
}

/// The state of one world during a run, plus the quantities derived from it each step.
#[derive(Debug, Clone)]
pub struct World {
    /// Number of states.
    pub n: usize,
    /// `P_i`.
    pub power: Vec<f32>,
    /// `O_i`.
    pub offense: Vec<f32>,
    /// `μ_i`.
    pub growth: Vec<f32>,
    /// `σ_i`.
    pub volatility: Vec<f32>,
    /// `c_i`.
    pub autonomy: Vec<f32>,
    /// GDP in USD bn (static).
    pub gdp: Vec<Option<f64>>,
    /// `prox_ij` (static).
    pub proximity: Vec<f32>,
    /// `trade_ij`.
    pub trade: Vec<f32>,
    /// `m_ij`.
    pub mistrust: Vec<f32>,
    /// `f_ij`.
    pub affinity: Vec<f32>,
    /// `a_ij`.
    pub alignment: Vec<f32>,
    /// `I_ji` at `[j * n + i]`.
    pub intent: Vec<f32>,
    /// `I0_ji` at `[j * n + i]`.
    pub intent0: Vec<f32>,
    /// `e_ij` (derived).
    pub interdependence: Vec<f32>,
    /// `Phat_j` (derived).
    pub relative_power: Vec<f32>,
    /// `T_ij` (derived).
    pub threat: Vec<f32>,
    /// `Tx_ij = T_ij (1 − a⁺_ij)` (derived).
    pub threat_x: Vec<f32>,
    /// `K_ij` (derived).
    pub camp_threat: Vec<f32>,
    /// `h(i)` (derived).
    pub principal: Vec<usize>,
    /// `κ_i` (derived).
    pub kappa: Vec<f32>,
    /// `α_i` (derived).
    pub availability: Vec<f32>,
    /// `B_i` (derived).
    pub bandwagon: Vec<f32>,
    /// `S_i` (derived).
    pub self_help: Vec<f32>,
    /// Strategy of each state (derived).
    pub strategy: Vec<Strategy>,
    /// `V_ik` (derived; 0 where undefined).
    pub partner_value: Vec<f32>,
    /// `D_ik` (derived, directed).
    pub desire: Vec<f32>,
    /// `a⁺_ij = max(a_ij, 0)` (derived).
    pub alignment_pos: Vec<f32>,
    /// `a⁻_ij = max(−a_ij, 0)` (derived).
    pub alignment_neg: Vec<f32>,
    /// `prox_ij^wD` (static).
    pub(super) proximity_w: Vec<f32>,
    /// `Phat_j^wP · O_j^wO / reference scale` (derived, product form).
    pub(super) source_factor: Vec<f32>,
    /// Scratch for matrix products.
    scratch: Vec<f32>,
    pub(super) trade_dirty: bool,
}

impl World {
    /// The world at `t = 0` of a scenario.
    pub fn new(s: &Scenario, p: &Params32) -> Self {
        let n = s.n();
        let mut prox = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                if i != j {
                    let x = proximity(s.border[i * n + j], s.distance[i * n + j], f64::from(p.d0));
                    prox[i * n + j] = x as f32;
                }
            }
        }
        use crate::scenario::{PairField as PF, StateField as SF};
        let col = |f: fn(&crate::scenario::State) -> f64, field: SF| {
            let range = field.range();
            s.states
                .iter()
                .map(|x| narrow_to(f(x), range))
                .collect::<Vec<_>>()
        };
        let pairs = |m: &[f64], field: PF| {
            let range = field.range();
            m.iter().map(|&x| narrow_to(x, range)).collect::<Vec<_>>()
        };
        let intent_range = Target::Intent { from: 0, to: 0 }.range();
        let intent = s
            .intent
            .iter()
            .map(|&x| narrow_to(x, intent_range))
            .collect::<Vec<_>>();
        Self {
            n,
            power: col(|x| x.power, SF::Power),
            offense: col(|x| x.offense, SF::Offense),
            growth: col(|x| x.growth, SF::Growth),
            volatility: col(|x| x.volatility, SF::Volatility),
            autonomy: col(|x| x.autonomy, SF::Autonomy),
            gdp: s.states.iter().map(|x| x.gdp).collect(),
            proximity: prox.clone(),
            trade: pairs(&s.trade, PF::Trade),
            mistrust: pairs(&s.mistrust, PF::Mistrust),
            affinity: pairs(&s.affinity, PF::Affinity),
            alignment: pairs(&s.alignment, PF::Alignment),
            intent0: intent.clone(),
            intent,
            interdependence: vec![0.0; n * n],
            relative_power: vec![0.0; n],
            threat: vec![0.0; n * n],
            threat_x: vec![0.0; n * n],
            camp_threat: vec![0.0; n * n],
            principal: vec![0; n],
            kappa: vec![0.0; n],
            availability: vec![0.0; n],
            bandwagon: vec![0.0; n],
            self_help: vec![0.0; n],
            strategy: vec![Strategy::Secure; n],
            partner_value: vec![0.0; n * n],
            desire: vec![0.0; n * n],
            alignment_pos: vec![0.0; n * n],
            alignment_neg: vec![0.0; n * n],
            proximity_w: prox.iter().map(|&x| pow(x, p.w_d)).collect(),
            source_factor: vec![0.0; n],
            scratch: vec![0.0; n * n],
            trade_dirty: true,
        }
    }

    /// Apply one event effect, clamping to the field's range.
    pub fn apply_effect(&mut self, e: &Effect) {
        let n = self.n;
        let range = e.target.range();
        let apply = |x: &mut f32| *x = narrow_to(e.op.apply(f64::from(*x), e.value, range), range);
        match e.target {
            Target::State { i, field } => {
                use crate::scenario::StateField::*;
                match field {
                    Power => apply(&mut self.power[i]),
                    Offense => apply(&mut self.offense[i]),
                    Growth => apply(&mut self.growth[i]),
                    Volatility => apply(&mut self.volatility[i]),
                    Autonomy => apply(&mut self.autonomy[i]),
                }
            }
            Target::Pair { i, j, field } => {
                use crate::scenario::PairField::*;
                let m = match field {
                    Trade => {
                        self.trade_dirty = true;
                        &mut self.trade
                    }
                    Mistrust => &mut self.mistrust,
                    Affinity => &mut self.affinity,
                    Alignment => &mut self.alignment,
                };
                apply(&mut m[i * n + j]);
                m[j * n + i] = m[i * n + j];
            }
            Target::Intent { from, to } => apply(&mut self.intent[from * n + to]),
            Target::Baseline { from, to } => apply(&mut self.intent0[from * n + to]),
        }
    }

    /// Derived quantities: relative power and (when trade changed) interdependence.
    pub fn derive(&mut self, p: &Params32) {
        let n = self.n;
        let max = self.power.iter().copied().fold(f32::MIN_POSITIVE, f32::max);
        for j in 0..n {
            self.relative_power[j] = relative_power(self.power[j], max);
        }
        if self.trade_dirty {
            for i in 0..n {
                for j in 0..n {
                    self.interdependence[i * n + j] = if i == j {
                        0.0
                    } else {
                        let (t, e0) = (f64::from(self.trade[i * n + j]), f64::from(p.e0));
                        interdependence(t, self.gdp[i], self.gdp[j], e0) as f32
                    };
                }
            }
            self.trade_dirty = false;
        }
    }

    /// The four threat sources `i` perceives from `j`.
    #[inline]
    pub fn threat_sources(&self, i: usize, j: usize) -> ThreatSources {
        let n = self.n;
        ThreatSources {
            power: self.relative_power[j],
            proximity: self.proximity[i * n + j],
            offense: self.offense[j],
            intent: self.intent[j * n + i],
        }
    }

    /// Threats `T`, allied-discounted threats `Tx`, camp threats `K`, and each state's
    /// principal threat `h(i) = argmax_j K_ij` (ties: lowest index) with its size `κ_i`.
    pub fn threats(&mut self, p: &Params32) {
        let n = self.n;
        for (k, &a) in self.alignment.iter().enumerate() {
            self.alignment_pos[k] = a.max(0.0);
            self.alignment_neg[k] = (-a).max(0.0);
        }
        match p.threat_form {
            ThreatForm::Product => {
                // T_ij = [Phat_j^wP · O_j^wO / scale] · prox_ij^wD · I_ji^wI · (1 − λ·e_ij): the
                // bracket is computed once per source j, prox^wD once per world. Same formula as
                // `formulas::threat`, factored for speed (checked against it in the tests).
                let inv_scale = 1.0 / reference_scale(p);
                for j in 0..n {
                    self.source_factor[j] = pow(self.relative_power[j], p.w_p)
                        * pow(self.offense[j], p.w_o)
                        * inv_scale;
                }
                for i in 0..n {
                    let row = i * n..(i + 1) * n;
                    let (prox_row, e_row) = (
                        &self.proximity_w[row.clone()],
                        &self.interdependence[row.clone()],
                    );
                    let pos_row = &self.alignment_pos[row.clone()];
                    let (t_row, tx_row) = (&mut self.threat[row.clone()], &mut self.threat_x[row]);
                    for j in 0..n {
                        let t = if i == j {
                            0.0
                        } else {
                            let damp = 1.0 - p.lambda * e_row[j];
                            self.source_factor[j]
                                * prox_row[j]
                                * pow(self.intent[j * n + i], p.w_i)
                                * damp
                        };
                        t_row[j] = t;
                        tx_row[j] = t * (1.0 - pos_row[j]);
                    }
                }
            }
            ThreatForm::Sum => {
                let scale = reference_scale(p);
                for i in 0..n {
                    for j in 0..n {
                        let k = i * n + j;
                        let t = if i == j {
                            0.0
                        } else {
                            threat_scaled(
                                self.threat_sources(i, j),
                                self.interdependence[k],
                                p,
                                scale,
                            )
                        };
                        self.threat[k] = t;
                        self.threat_x[k] = t * (1.0 - self.alignment_pos[k]);
                    }
                }
            }
        }
        // K_ij = Tx_ij + γ Σ_k a⁺_jk Tx_ik. The sum is row i of the product Tx · a⁺ (a⁺ is
        // symmetric), accumulated over k in index order into a scratch row; diagonals are
        // zero, so k = i and k = j contribute nothing.
        for i in 0..n {
            let row = &mut self.scratch[i * n..(i + 1) * n];
            let tx_row = &self.threat_x[i * n..(i + 1) * n];
            row.fill(0.0);
            for (k, pos_k) in self.alignment_pos.chunks_exact(n).enumerate() {
                let t = tx_row[k];
                if t != 0.0 {
                    axpy(row, t, pos_k);
                }
            }
            let mut best = 0;
            let mut best_k = f32::NEG_INFINITY;
            let k_row = &mut self.camp_threat[i * n..(i + 1) * n];
            for (j, (&allied, out)) in row.iter().zip(k_row.iter_mut()).enumerate() {
                let kij = if i == j {
                    0.0
                } else {
                    camp_threat(tx_row[j], allied, p.gamma)
                };
                *out = kij;
                if i != j && kij > best_k {
                    best_k = kij;
                    best = j;
                }
            }
            self.principal[i] = best;
            self.kappa[i] = best_k.max(0.0);
        }
    }

    #[inline(always)]
    fn partner_inputs(&self, i: usize, k: usize, h: usize, need_i: f32) -> PartnerInputs {
        let n = self.n;
        PartnerInputs {
            need: need_i,
            shared_threat: self.camp_threat[k * n + h],
            kappa_k: self.kappa[k],
            power_i: self.power[i],
            power_k: self.power[k],
            interdependence: self.interdependence[i * n + k],
            affinity: self.affinity[i * n + k],
            threat: self.threat[i * n + k],
            mistrust: self.mistrust[i * n + k],
            autonomy: self.autonomy[i],
        }
    }

    /// Partner values, availability, bandwagon values, strategies and desires of every state,
    /// all from the same snapshot.
    ///
    /// With `explain` false, a secure state's partner values, availability, bandwagon and
    /// self-help values are not computed (left at 0): its strategy and desires do not depend on
    /// them. Observers that explain decisions (`Observer::DETAIL`) get them all.
    pub fn decide(&mut self, p: &Params32, explain: bool) {
        let n = self.n;
        for i in 0..n {
            let h = self.principal[i];
            let kappa = self.kappa[i];
            if !explain && kappa < p.theta_secure {
                let row = i * n..(i + 1) * n;
                self.partner_value[row.clone()].fill(0.0);
                (self.availability[i], self.bandwagon[i], self.self_help[i]) = (0.0, 0.0, 0.0);
                self.strategy[i] = Strategy::Secure;
                let (desire, alignment) =
                    (&mut self.desire[row.clone()], &self.alignment[row.clone()]);
                desires(
                    desire,
                    &self.partner_value[row],
                    alignment,
                    i,
                    h,
                    Strategy::Secure,
                    kappa,
                    0.0,
                    p,
                );
                continue;
            }
            let need_i = need(kappa, p.kappa_ref);
            let mut alpha = 0.0;
            // Row slices instead of indexed lookups: the same arithmetic as
            // `partner_inputs` + `partner_terms`, without per-element bounds checks.
            let row = i * n..(i + 1) * n;
            let (e_row, f_row) = (
                &self.interdependence[row.clone()],
                &self.affinity[row.clone()],
            );
            let (t_row, m_row) = (&self.threat[row.clone()], &self.mistrust[row.clone()]);
            let (power_i, autonomy_i) = (self.power[i], self.autonomy[i]);
            let values = &mut self.partner_value[row];
            for k in 0..n {
                let v = if k == i || k == h {
                    0.0
                } else {
                    let x = PartnerInputs {
                        need: need_i,
                        shared_threat: self.camp_threat[k * n + h],
                        kappa_k: self.kappa[k],
                        power_i,
                        power_k: self.power[k],
                        interdependence: e_row[k],
                        affinity: f_row[k],
                        threat: t_row[k],
                        mistrust: m_row[k],
                        autonomy: autonomy_i,
                    };
                    partner_terms(&x, p).value()
                };
                values[k] = v;
                alpha = availability([alpha, v]);
            }
            let b = bandwagon_value(
                self.power[i],
                self.power[h],
                self.proximity[i * n + h],
                alpha,
                p.beta_b,
            );
            let sh = self_help_value(self.power[i], self.power[h], p.beta_self);
            let st = strategy(kappa, b, alpha, sh, p.theta_secure);
            self.availability[i] = alpha;
            self.self_help[i] = sh;
            self.bandwagon[i] = b;
            self.strategy[i] = st;
            desires(
                &mut self.desire[i * n..(i + 1) * n],
                &self.partner_value[i * n..(i + 1) * n],
                &self.alignment[i * n..(i + 1) * n],
                i,
                h,
                st,
                kappa,
                b,
                p,
            );
        }
    }

    /// The explanation of state `i`'s current decision.
    pub fn decision(&self, i: usize, p: &Params32) -> Decision {
        let n = self.n;
        let h = self.principal[i];
        let need_i = need(self.kappa[i], p.kappa_ref);
        let mut partners = [Partner::default(); TOP_PARTNERS];
        let mut len = 0;
        for k in 0..n {
            let v = self.partner_value[i * n + k];
            if k == i || k == h || v <= 0.0 {
                continue;
            }
            // Insertion into a short sorted array (highest first; ties keep the lower index).
            let pos = partners[..len]
                .iter()
                .position(|q| v > q.value)
                .unwrap_or(len);
            if pos < TOP_PARTNERS {
                let end = len.min(TOP_PARTNERS - 1);
                partners.copy_within(pos..end, pos + 1);
                partners[pos] = Partner {
                    k,
                    value: v,
                    terms: partner_terms(&self.partner_inputs(i, k, h, need_i), p),
                };
                len = (len + 1).min(TOP_PARTNERS);
            }
        }
        Decision {
            state: i,
            principal: h,
            kappa: self.kappa[i],
            threat: self.threat[i * n + h],
            sources: self.threat_sources(i, h),
            need: need_i,
            availability: self.availability[i],
            bandwagon: self.bandwagon[i],
            self_help: self.self_help[i],
            strategy: self.strategy[i],
            partners: partners[..len].to_vec(),
        }
    }
}

/// `y ← t · x + y`, element by element, with one rounding per element (IEEE 754 fused
/// multiply-add, which is correctly rounded and so gives the same bits on every machine and
/// in every build). Each element accumulates in call order, so sums built from repeated
/// calls have a fixed, data-independent order.
#[inline]
pub fn axpy(y: &mut [f32], t: f32, x: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has FMA.
        return unsafe { axpy_fma(y, t, x) };
    }
    for (y, x) in y.iter_mut().zip(x) {
        *y = fused32(t, *x, *y);
    }
}

/// [`axpy`] with the FMA instruction.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "fma")]
fn axpy_fma(y: &mut [f32], t: f32, x: &[f32]) {
    for (y, x) in y.iter_mut().zip(x) {
        *y = t.mul_add(*x, *y);
    }
}

/// Desires of state `i` (row `i` of `D`):
/// - balance: `D_ik = max(V_ik, 0)` for `k ≠ h`, `D_ih = −κ_i`;
/// - bandwagon: `D_ih = +B_i`, `D_ik = 0` otherwise;
/// - secure: `D_ik = (ρ/η) · a⁺_ik` (offsets the decay of existing alliances; 0 when `η = 0`).
#[allow(clippy::too_many_arguments)]
pub fn desires(
    row: &mut [f32],
    values: &[f32],
    alignment: &[f32],
    i: usize,
    h: usize,
    st: Strategy,
    kappa: f32,
    b: f32,
    p: &Params32,
) {
    match st {
        Strategy::Balance => {
            for (k, d) in row.iter_mut().enumerate() {
                *d = if k == h { -kappa } else { values[k].max(0.0) };
            }
        }
        Strategy::Bandwagon => {
            row.fill(0.0);
            row[h] = b;
        }
        Strategy::Secure => {
            let keep = if p.eta > 0.0 { p.rho / p.eta } else { 0.0 };
            for (d, a) in row.iter_mut().zip(alignment) {
                *d = keep * a.max(0.0);
            }
        }
    }
    row[i] = 0.0;
}

/// Alignment update of every pair, `z[q]` the standard normal of pair `q` (upper-triangle
/// order): `a_ik ← clamp(a_ik + η·dt·(min(D_ik, D_ki) + σd·z) − ρ·dt·a_ik, −1, 1)`.
pub fn update_alignment(
    alignment: &mut [f32],
    desire: &[f32],
    n: usize,
    dt: f32,
    p: &Params32,
    z: &[f64],
) {
    let mut q = 0;
    for i in 0..n {
        for k in i + 1..n {
            let a = alignment[i * n + k];
            let d = desire[i * n + k].min(desire[k * n + i]);
            let new = (a + p.eta * dt * (d + p.sigma_d * (z[q] as f32)) - p.rho * dt * a)
                .clamp(-1.0, 1.0);
            alignment[i * n + k] = new;
            alignment[k * n + i] = new;
            q += 1;
        }
    }
}

/// Perceived-intent update (the security-dilemma spiral), from the same snapshot of `a`
/// (given as its parts `a⁺` and `a⁻`):
/// `I_ji ← clamp(I_ji + dt·(ζ·(a⁻_ij + Σ_k a⁺_jk·a⁻_ik) − ξ·(I_ji − I0_ji)), 0, 1)`.
///
/// The sums `M_ij = Σ_k a⁻_ik · a⁺_kj` are row `i` of `a⁻ · a⁺`, accumulated over `k` in index
/// order into `scratch` (a row of `n`).
#[allow(clippy::too_many_arguments)]
pub fn update_intent(
    intent: &mut [f32],
    intent0: &[f32],
    pos: &[f32],
    neg: &[f32],
    scratch: &mut [f32],
    n: usize,
    dt: f32,
    p: &Params32,
) {
    let row = &mut scratch[..n];
    for (i, neg_i) in neg.chunks_exact(n).enumerate() {
        row.fill(0.0);
        for (&t, pos_k) in neg_i.iter().zip(pos.chunks_exact(n)) {
            if t != 0.0 {
                axpy(row, t, pos_k);
            }
        }
        for (j, (&allied_with_enemies, &hostile)) in row.iter().zip(neg_i).enumerate() {
            if i == j {
                continue;
            }
            let idx = j * n + i;
            let v = intent[idx];
            let spiral = p.zeta * (hostile + allied_with_enemies);
            intent[idx] = (v + dt * (spiral - p.xi * (v - intent0[idx]))).clamp(0.0, 1.0);
        }
    }
}

/// Power update, geometric Brownian motion, `z[i]` the standard normal of state `i`:
/// `P_i ← P_i · exp((μ_i − σ_i²/2)·dt + σ_i·√dt·z)`, computed in double precision (from
/// the single-precision state, exactly widened) and rounded to single precision, kept
/// within [`MIN_POWER`] and [`MAX_POWER`].
pub fn update_power(power: &mut [f32], growth: &[f32], volatility: &[f32], dt: f64, z: &[f64]) {
    let sq = dt.sqrt();
    for i in 0..power.len() {
        let (s, g, pw) = (
            f64::from(volatility[i]),
            f64::from(growth[i]),
            f64::from(power[i]),
        );
        let grown = pw * libm::exp((g - 0.5 * s * s) * dt + s * sq * z[i]);
        power[i] = grown.clamp(MIN_POWER, MAX_POWER) as f32;
    }
}

/// The smallest power a state can reach (a floor that keeps every ratio of powers finite in
/// single precision).
pub const MIN_POWER: f64 = 1e-30;

/// The largest power a state can reach through growth (a ceiling far above any data, which
/// keeps powers, their sums and what multiplies them finite in single precision).
pub const MAX_POWER: f64 = 1e30;

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

/// A reusable simulator: the initial world is built once, each run starts from a copy.
#[derive(Debug, Clone)]
pub struct Simulator<'s> {
    scenario: &'s Scenario,
    params: Params,
    /// `params` in single precision, as the step reads them.
    p32: Params32,
    initial: World,
    world: World,
    /// Per-step firing probability `1 − exp(−hazard·dt)` of each event (0 for scheduled ones).
    hazard_p: Vec<f64>,
}

impl<'s> Simulator<'s> {
    /// Prepare runs of `s` under `p`.
    pub fn new(s: &'s Scenario, p: &Params) -> Self {
        let p32 = Params32::from(p);
        let mut initial = World::new(s, &p32);
        initial.derive(&p32);
        let hazard_p = s
            .events
            .iter()
            .map(|e| match e.trigger {
                Trigger::Hazard(h) => 1.0 - libm::exp(-h * s.dt),
                Trigger::At(_) => 0.0,
            })
            .collect();
        Self {
            scenario: s,
            params: p.clone(),
            p32,
            world: initial.clone(),
            initial,
            hazard_p,
        }
    }

    /// The parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The parameters in single precision, as the step reads them.
    pub fn params32(&self) -> &Params32 {
        &self.p32
    }

    /// Run `run_index` with master `seed`.
    ///
    /// Draws per step, in this order: one uniform per hazard event (in event order, whether
    /// or not it can still fire), then the standard normals of the step ([`Normals::fill`]):
    /// one per pair (upper triangle, row-major) for the alignment noise, then one per state
    /// for power.
    pub fn run<O: Observer>(&mut self, run_index: u64, seed: u64, obs: &mut O) -> RunOutcome {
        let s = self.scenario;
        let p = &self.p32;
        let dt = s.dt as f32;
        let n = s.n();
        let pairs = n * (n - 1) / 2;
        let steps = s.steps;
        let mut rng = run_rng(seed, run_index);
        let mut side = side_rng(seed, run_index);
        let mut normals = Normals::new();
        let mut z = vec![0.0; pairs + n];
        let w = &mut self.world;
        w.clone_from(&self.initial);

        let mut first_alliance = vec![None; pairs];
        let mut decisions = vec![[0u32; 3]; n];
        let mut fired = vec![false; s.events.len()];
        let mut events = Vec::with_capacity(s.events.len().min(64) * 2);
        let mut classes: Vec<PairClass> = Vec::new();
        if O::DETAIL {
            classes = upper(n)
                .map(|(i, k)| pair_class(w.alignment[i * n + k], p))
                .collect();
        }

        for step in 0..=steps {
            let year = s.year(step);
            // Events, at every step that updates the world (not at the final observation).
            if step < steps {
                for (e, ev) in s.events.iter().enumerate() {
                    let fire = match ev.trigger {
                        Trigger::At(at) => !fired[e] && year >= at - 1e-9 * s.dt,
                        Trigger::Hazard(_) => {
                            let u = uniform(&mut rng);
                            u < self.hazard_p[e] && !(ev.once && fired[e])
                        }
                    };
                    if fire {
                        fired[e] = true;
                        for eff in &ev.effects {
                            w.apply_effect(eff);
                        }
                        events.push(FiredEvent { step, event: e });
                        obs.event(step, year, e, ev);
                    }
                }
            }
            // Derived quantities, threats, decisions (one snapshot).
            w.derive(p);
            w.threats(p);
            w.decide(p, O::DETAIL);
            // Record.
            let mut q = 0;
            for i in 0..n {
                for &a in &w.alignment[i * n + i + 1..(i + 1) * n] {
                    if a >= p.alliance_threshold && first_alliance[q].is_none() {
                        first_alliance[q] = Some(step as u32);
                    }
                    q += 1;
                }
            }
            if O::DETAIL {
                for i in 0..n {
                    obs.decision(step, year, &w.decision(i, p));
                }
            }
            obs.observe(step, year, w);
            if step == steps {
                break;
            }
            for (i, st) in w.strategy.iter().enumerate() {
                decisions[i][*st as usize] += 1;
            }
            // Updates from the same snapshot: intents first (they read a), then a, then power.
            update_intent(
                &mut w.intent,
                &w.intent0,
                &w.alignment_pos,
                &w.alignment_neg,
                &mut w.scratch,
                n,
                dt,
                p,
            );
            normals.fill(&mut rng, &mut side, &mut z);
            update_alignment(&mut w.alignment, &w.desire, n, dt, p, &z[..pairs]);
            update_power(&mut w.power, &w.growth, &w.volatility, s.dt, &z[pairs..]);
            if O::DETAIL {
                for (q, (i, k)) in upper(n).enumerate() {
                    let a = w.alignment[i * n + k];
                    let c = pair_class(a, p);
                    if c != classes[q] {
                        obs.alignment_change(step + 1, s.year(step + 1), i, k, classes[q], c, a);
                        classes[q] = c;
                    }
                }
            }
        }
        RunOutcome {
            run_index,
            camps: camps(&widen(&w.power), &widen(&w.alignment)),
            alignment: widen(&w.alignment),
            intent: widen(&w.intent),
            power: widen(&w.power),
            first_alliance,
            decisions,
            principal: w.principal.clone(),
            strategy: w.strategy.clone(),
            events,
        }
    }
}

/// The unordered pairs `(i, k)`, `i < k`, in row-major order.
pub fn upper(n: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..n).flat_map(move |i| (i + 1..n).map(move |k| (i, k)))
}

#[cfg(test)]
mod tests {
    use rand::Rng;

    use super::*;
    use crate::scenario;

    const THREE: &str = r#"
[scenario]
name = "three"
start_year = 2000
horizon = 0.25
dt = 0.25
[params]
sigma_d = 0.0
[[state]]
id = "AAA"
power = 2
offense = 0.5
aggression = 0.5
lat = 0
lon = 0
[[state]]
id = "BBB"
power = 1
offense = 0.5
aggression = 0.5
lat = 0
lon = 1
[[state]]
id = "CCC"
power = 1
offense = 0.5
aggression = 0.5
lat = 0
lon = 2
[[pair]]
states = ["AAA", "BBB"]
border = true
distance_km = 500
[[pair]]
states = ["AAA", "CCC"]
distance_km = 1000
[[pair]]
states = ["BBB", "CCC"]
distance_km = 3000
alignment = 0.5
"#;

    /// The values rounded to single precision.
    fn narrow(v: &[f64]) -> Vec<f32> {
        v.iter().map(|&x| x as f32).collect()
    }

    fn three() -> scenario::Scenario {
        scenario::parse(THREE, "three.toml").expect("valid")
    }

    /// Within a few units in the last place of `f32` (the step computes in single
    /// precision; these values are at most 2 in magnitude).
    fn close(got: f32, expected: f64) {
        assert!(
            (f64::from(got) - expected).abs() < 1e-6,
            "got {got}, expected {expected}"
        );
    }

    fn check_matrix(got: &[f32], expected: &[f64]) {
        assert_eq!(got.len(), expected.len());
        for (g, e) in got.iter().zip(expected) {
            close(*g, *e);
        }
    }

    // By hand: Phat = [1, .5, .5]; prox AB = 1 (border), AC = 1/(1+1) = .5, BC = 1/(1+3) = .25;
    // O = I = .5 everywhere, so T_ij = Phat_j · prox_ij · .25 / .125 = 2 · Phat_j · prox_ij.
    #[test]
    fn threats_of_a_three_state_world_by_hand() {
        let s = three();
        let p = Params32::from(&s.params);
        let mut w = World::new(&s, &p);
        w.derive(&p);
        w.threats(&p);
        #[rustfmt::skip]
        check_matrix(&w.threat, &[
            0.0, 1.0, 0.5,
            2.0, 0.0, 0.25,
            1.0, 0.25, 0.0,
        ]);
        // B and C are half allied: Tx = T · (1 − .5) between them.
        // K_AB = 1 + .5·a⁺_BC·Tx_AC = 1.125; K_AC = .5 + .5·.5·1 = .75; K_BA = 2; K_BC = .125;
        // K_CA = 1; K_CB = .125.
        #[rustfmt::skip]
        check_matrix(&w.camp_threat, &[
            0.0, 1.125, 0.75,
            2.0, 0.0, 0.125,
            1.0, 0.125, 0.0,
        ]);
        assert_eq!(w.principal, vec![1, 0, 0]);
        check_matrix(&w.kappa, &[1.125, 2.0, 1.0]);
    }

    // Decisions by hand (walt defaults):
    // A: h = B; only partner C: V_AC = (.125/1 + .5·1/3) − T_AC(.5) = −.2083 -> α = 0;
    //    B_A = .5 · 1/3 · prox_AB(1) · 1 = 1/6 < S_A = 1 · 2/3 -> balance alone:
    //    D_AB = −κ_A = −1.125, D_AC = max(V_AC, 0) = 0.
    // B: h = A; V_BC = (K_CA/max(κ_C,1) = 1) + .5·1/2 − T_BC(.25) = 1 -> α = 1, B_B = 0 -> balance.
    // C: h = A; V_CB = (K_BA/max(κ_B,1) = 2/2) + .25 − .25 = 1 -> balance.
    // One step (σd = 0, η·dt = .05, ρ·dt = .025):
    //   AB: 0 + .05·min(−1.125, −2) = −.1;  AC: .05·min(0, −1) = −.05;  BC: .5 + .05·1 − .025·.5 = .5375.
    #[test]
    fn one_step_of_a_three_state_world_by_hand() {
        let s = three();
        let p = Params32::from(&s.params);
        let mut w = World::new(&s, &p);
        w.derive(&p);
        w.threats(&p);
        w.decide(&p, true);
        assert_eq!(
            w.strategy,
            vec![Strategy::Balance, Strategy::Balance, Strategy::Balance]
        );
        close(w.partner_value[2], 0.125 + 0.5 / 3.0 - 0.5);
        close(w.partner_value[3 + 2], 1.0);
        close(w.partner_value[6 + 1], 1.0);
        close(w.bandwagon[0], 1.0 / 6.0);
        close(w.self_help[0], 2.0 / 3.0);
        #[rustfmt::skip]
        check_matrix(&w.desire, &[
            0.0, -1.125, 0.0,
            -2.0, 0.0, 1.0,
            -1.0, 1.0, 0.0,
        ]);
        let out = simulate(&s, &s.params, 0, 1, &mut NoObserver);
        #[rustfmt::skip]
        check_matrix(&narrow(&out.alignment), &[
            0.0, -0.1, -0.05,
            -0.1, 0.0, 0.5375,
            -0.05, 0.5375, 0.0,
        ]);
        // No hostility yet at the snapshot, so intents stay at their baselines.
        assert!(out.intent.iter().enumerate().all(|(k, &v)| if k % 4 == 0 {
            v == 0.0
        } else {
            v == 0.5
        }));
        assert_eq!(out.decisions, vec![[0, 1, 0], [0, 1, 0], [0, 1, 0]]);
    }

    /// `World::threats` factors the product form for speed; it must agree with the
    /// reference `formulas::threat` (to rounding) for any weights, λ and inputs.
    #[test]
    fn factored_threat_matches_the_formula() {
        use crate::model::formulas::{ThreatSources, threat};
        let s = three();
        let mut rng = run_rng(99, 0);
        for case in 0..200 {
            let mut p = s.params.clone();
            p.w_p = [0.0, 1.0, 0.5, 2.0][case % 4];
            p.w_d = [1.0, 0.0, 2.5, 0.7][case / 4 % 4];
            p.w_o = [1.0, 0.3, 0.0, 3.0][case / 16 % 4];
            p.w_i = [1.0, 2.0, 0.5, 0.0][case / 64 % 4];
            p.lambda = uniform(&mut rng);
            let p = Params32::from(&p);
            let mut w = World::new(&s, &p);
            for x in w.power.iter_mut().chain(w.offense.iter_mut()) {
                *x = 0.01 + uniform(&mut rng) as f32;
            }
            for k in 0..9 {
                if k % 4 != 0 {
                    w.intent[k] = uniform(&mut rng) as f32;
                    w.trade[k] = 10.0 * uniform(&mut rng) as f32;
                }
            }
            w.gdp = vec![Some(50.0), Some(80.0), Some(20.0)];
            w.trade_dirty = true;
            w.derive(&p);
            w.threats(&p);
            for i in 0..3 {
                for j in 0..3 {
                    let expected = if i == j {
                        0.0
                    } else {
                        let src: ThreatSources = w.threat_sources(i, j);
                        threat(src, w.interdependence[i * 3 + j], &p)
                    };
                    let got = w.threat[i * 3 + j];
                    // The same factors multiplied in another order: a few units in the
                    // last place of f32 (2⁻²³ ≈ 1.2e-7) apart.
                    assert!(
                        (got - expected).abs() <= 2e-6 * expected.abs().max(1e-30),
                        "case {case} ({i},{j}): {got} vs {expected}"
                    );
                }
            }
        }
    }

    #[test]
    fn intent_spiral_by_hand() {
        // a_AB = −.5 (A and B hostile), a_BC = +.4 (B allied with C); ζ = .05, ξ = .2, dt = 1.
        // I_BA: A sees B hostile: a⁻_AB = .5; Σ_k a⁺_Bk a⁻_Ak = a⁺_BC·a⁻_AC = 0 -> +.05·.5 = +.025.
        // I_CA: C is allied with A's enemy B: a⁺_CB·a⁻_AB = .4·.5 = .2 -> +.05·.2 = +.01.
        // Relaxation: I = .6 over a baseline of .5 loses .2·.1 = .02.
        let n = 3;
        #[rustfmt::skip]
        let a = [
            0.0, -0.5, 0.0,
            -0.5, 0.0, 0.4,
            0.0, 0.4, 0.0,
        ];
        let pos: Vec<f32> = a.iter().map(|x: &f32| x.max(0.0)).collect();
        let neg: Vec<f32> = a.iter().map(|x: &f32| (-x).max(0.0)).collect();
        let mut intent = vec![0.5; 9];
        let intent0 = vec![0.5; 9];
        intent[2 * n] = 0.6; // I_CA
        let p = Params32::from(&Params::walt());
        update_intent(&mut intent, &intent0, &pos, &neg, &mut [0.0; 3], n, 1.0, &p);
        close(intent[n], 0.5 + 0.025); // I_BA
        close(intent[2 * n], 0.6 + 0.01 - 0.02); // I_CA
        close(intent[1], 0.5 + 0.025); // I_AB: B sees A hostile too
    }

    /// Values outside what single precision holds stay in their field's range: a positive
    /// power never rounds to 0, a huge trade never becomes infinite; others round to nearest.
    #[test]
    fn narrowing_keeps_values_in_their_range() {
        use crate::scenario::{PairField, StateField};
        let power = StateField::Power.range();
        assert_eq!(narrow_to(1e-50, power), f32::MIN_POSITIVE);
        assert_eq!(narrow_to(f64::MIN_POSITIVE, power), f32::MIN_POSITIVE);
        assert_eq!(narrow_to(0.3, power), 0.3f32);
        assert_eq!(narrow_to(1e12, power), 1e12f32);
        let trade = PairField::Trade.range();
        assert_eq!(narrow_to(1e300, trade), f32::MAX);
        assert_eq!(narrow_to(0.0, trade), 0.0);
        let alignment = PairField::Alignment.range();
        assert_eq!(narrow_to(-1.0, alignment), -1.0);
        assert_eq!(narrow_to(-0.2, alignment), -0.2f32);
    }

    #[test]
    fn power_grows_deterministically_without_volatility() {
        let mut p = vec![2.0, 1.0];
        update_power(&mut p, &[0.04, 0.0], &[0.0, 0.0], 0.25, &[1.5, -0.7]);
        close(p[0], 2.0 * libm::exp(0.01));
        close(p[1], 1.0);
    }

    /// Growth and shocks stop at the floor and the ceiling (so powers stay finite and
    /// positive in single precision); in between, the exact update rounded once.
    #[test]
    fn power_stays_between_its_floor_and_ceiling() {
        let mut p = vec![1e29, 1e-29, 1.0];
        let (growth, vol) = ([1.0, -1.0, 0.0], [2.0, 2.0, 0.5]);
        update_power(&mut p, &growth, &vol, 1.0, &[8.0, -8.0, 0.2]);
        assert_eq!(p[0], MAX_POWER as f32);
        assert_eq!(p[1], MIN_POWER as f32);
        let want = (libm::exp((0.0 - 0.5 * 0.5 * 0.5) * 1.0 + 0.5 * 1.0 * 0.2)) as f32;
        assert_eq!(p[2], want);
    }

    #[test]
    fn camps_stay_consistent_with_alignment_signs() {
        let s = three();
        let out = simulate(&s, &s.params, 0, 1, &mut NoObserver);
        // After the step A is hostile to both B and C, which are allied: A alone.
        assert_eq!(out.camps.side, vec![false, true, true]);
    }

    /// Guards against a dependency bump silently changing results: the first outputs of the
    /// run stream for a fixed seed and run index, and the end of one flagship run. These
    /// are regression pins, not hand-computed values; if this fails, results of every study
    /// change: find out why, and say so in the changelog.
    #[test]
    fn value_stability_of_the_run_stream() {
        let mut rng = run_rng(2018, 0);
        let u: [u64; 3] = [rng.next_u64(), rng.next_u64(), rng.next_u64()];
        let mut rng = run_rng(2018, 5);
        let mut z = Normals::new();
        let z: [f64; 3] = [z.next(&mut rng), z.next(&mut rng), z.next(&mut rng)];
        let s = scenario::parse(scenario::FLAGSHIP_TOML, scenario::FLAGSHIP_NAME).unwrap();
        let out = simulate(&s, &s.params, 0, 2018, &mut NoObserver);
        let n = s.n();
        let (chn, rus) = (s.index("CHN").unwrap(), s.index("RUS").unwrap());
        let end = [out.alignment[chn * n + rus], out.power[chn]];
        assert_eq!(u, STABLE_U64);
        assert_eq!(z, STABLE_NORMAL);
        assert_eq!(end, STABLE_FLAGSHIP_RUN0);
    }

    const STABLE_U64: [u64; 3] = [
        16703894359849285716,
        16727310536421041859,
        830929204571948482,
    ];
    const STABLE_NORMAL: [f64; 3] = [
        -0.8902672240479603,
        0.26448367778545234,
        0.08209976655538993,
    ];
    const STABLE_FLAGSHIP_RUN0: [f64; 2] = [0.5480313897132874, 0.33544135093688965];
}
