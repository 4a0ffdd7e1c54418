//! The scalar formulas of MODEL.md, one function each, named as in the spec.
//!
//! Each doc comment states the formula. These functions are pure and small so
//! that tests can check them against hand-computed values; the step in
//! [`super::world`] calls them inside its loops. The formulas of the step are single
//! precision (`f32`, parameters as [`Params32`]); proximity and interdependence, computed
//! once per world or per trade change, are double precision.

use crate::params::{Params32, ThreatForm};

/// Relative power `Phat_j = P_j / max_k P_k`.
#[inline]
pub fn relative_power(power_j: f32, max_power: f32) -> f32 {
    power_j / max_power
}

/// Proximity `prox_ij = 1 / (1 + d'_ij / d0)`, where `d'_ij = b · d_ij` if the two share a
/// land border (`b` = `border_factor`), else `d_ij`: a border brings capitals closer, and
/// with `b = 0` it is contact (proximity 1, model v1's rule).
#[inline]
pub fn proximity(border: bool, distance_km: f64, d0: f64, border_factor: f64) -> f64 {
    1.0 / (1.0 + effective_distance(border, distance_km, border_factor) / d0)
}

/// `b · d` across a land border, else `d` (see [`proximity`]).
#[inline]
pub fn effective_distance(border: bool, distance_km: f64, border_factor: f64) -> f64 {
    if border {
        border_factor * distance_km
    } else {
        distance_km
    }
}

/// Trade dependence of `i` on `j`, `e_ij = 1 − exp(−(trade_ij / gdp_i) / e0)`: the share of
/// `i`'s economy its trade with `j` is, on a saturating scale (directed: a small economy
/// depends on a large partner more than the partner on it); 0 when `i`'s GDP is unknown or
/// not positive.
#[inline]
pub fn interdependence(trade: f64, gdp_i: Option<f64>, e0: f64) -> f64 {
    match gdp_i {
        Some(g) if g > 0.0 => 1.0 - libm::exp(-(trade / g) / e0),
        _ => 0.0,
    }
}

/// Reach of `k` at `h` (Boulding's loss-of-strength gradient, stretched by offensive
/// capability): `L_kh = 1 / (1 + d'_kh / (d0 · (1 + ω · O_k)))`, with `d'` the distance
/// shortened across a land border as in [`proximity`]. The share of its capability `k` can
/// bring to bear at `h`.
#[inline]
pub fn reach(
    border: bool,
    distance_km: f64,
    offense_k: f64,
    (d0, omega, border_factor): (f64, f64, f64),
) -> f64 {
    let d = effective_distance(border, distance_km, border_factor);
    1.0 / (1.0 + d / (d0 * (1.0 + omega * offense_k)))
}

/// The four sources of the threat `i` perceives from `j`, before weighting.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ThreatSources {
    /// Relative power `Phat_j`.
    pub power: f32,
    /// Proximity `prox_ij`.
    pub proximity: f32,
    /// Offensive capability `O_j`.
    pub offense: f32,
    /// Perceived intent `I_ji`.
    pub intent: f32,
}

/// Threat `i` perceives from `j` (Walt's four sources).
///
/// Product form, scaled so that 1 is "the strongest state, `d0` away, with
/// middling offence and intent":
/// `T_ij = Phat^wP · prox^wD · O^wO · I^wI / (0.5^wD · 0.5^wO · 0.5^wI) · (1 − λ·e_ij)`.
///
/// Sum form: `(wP·Phat + wD·prox + wO·O + wI·I) / (wP + wD + wO + wI) · (1 − λ·e_ij)`.
#[inline]
pub fn threat(s: ThreatSources, interdependence: f32, p: &Params32) -> f32 {
    threat_scaled(s, interdependence, p, reference_scale(p))
}

/// The reference level of the product form, `0.5^wD · 0.5^wO · 0.5^wI`.
#[inline]
pub fn reference_scale(p: &Params32) -> f32 {
    pow(0.5, p.w_d) * pow(0.5, p.w_o) * pow(0.5, p.w_i)
}

/// [`threat`] with the reference scale already computed (the hot loop computes it once).
#[inline]
pub fn threat_scaled(s: ThreatSources, interdependence: f32, p: &Params32, scale: f32) -> f32 {
    let damp = 1.0 - p.lambda * interdependence;
    match p.threat_form {
        ThreatForm::Product => {
            let raw = pow(s.power, p.w_p)
                * pow(s.proximity, p.w_d)
                * pow(s.offense, p.w_o)
                * pow(s.intent, p.w_i);
            raw / scale * damp
        }
        ThreatForm::Sum => {
            let w = p.w_p + p.w_d + p.w_o + p.w_i;
            if w <= 0.0 {
                return 0.0;
            }
            (p.w_p * s.power + p.w_d * s.proximity + p.w_o * s.offense + p.w_i * s.intent) / w
                * damp
        }
    }
}

/// `x^w` with `x^0 = 1` even for `x = 0` (a zero weight switches a source off).
#[inline]
pub fn pow(x: f32, w: f32) -> f32 {
    if w == 0.0 {
        1.0
    } else if w == 1.0 {
        x
    } else {
        libm::pow(f64::from(x), f64::from(w)) as f32
    }
}

/// The threat from `j` to `i` and to `i`'s allies (extended deterrence: a threat to an ally
/// is a threat to its patron), `X_ij = Tx_ij + γe · Σ_k a⁺_ik · Tx_kj`, given
/// `extended = Σ_k a⁺_ik · Tx_kj`. It breeds hostility ([`hostility`]).
#[inline]
pub fn extended_threat(tx_ij: f32, extended: f32, p: &Params32) -> f32 {
    tx_ij + p.gamma_e * extended
}

/// Camp threat: the threat from `j` to `i` and its allies, together with `j`'s allies,
/// `K_ij = X_ij + γ · Σ_k a⁺_jk · Tx_ik`, given `allied_threat = Σ_k a⁺_jk · Tx_ik`. Its
/// largest gives the principal threat.
#[inline]
pub fn camp_threat(x_ij: f32, allied_threat: f32, p: &Params32) -> f32 {
    x_ij + p.gamma * allied_threat
}

/// Need to find partners: `need_i = min(1, κ_i / κ_ref)`.
#[inline]
pub fn need(kappa_i: f32, kappa_ref: f32) -> f32 {
    (kappa_i / kappa_ref).min(1.0)
}

/// What `i` knows about a candidate partner `k` when balancing against its principal threat `h`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PartnerInputs {
    /// `need_i`.
    pub need: f32,
    /// `Q_kh = P_k · L_kh`: the capability `k` brings to bear at `h`.
    pub projected: f32,
    /// `P_i`.
    pub power_i: f32,
    /// `P_h / (P_h + G_i)`, `G_i = P_i + Σ_k a⁺_ik · Q_kh`: how far `i` and the coalition it
    /// already has fall short of the threat (1: alone and tiny; ½: level with it).
    pub shortfall: f32,
    /// `e_ik`.
    pub interdependence: f32,
    /// `f_ik`.
    pub affinity: f32,
    /// `τ_ik`: the treaty of the pair.
    pub treaty: f32,
    /// `m_ik`.
    pub mistrust: f32,
    /// `c_i`.
    pub autonomy: f32,
}

/// The terms of a partner value, for explanations (they sum to the value).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PartnerTerms {
    /// `need_i · βp · Q_kh / (P_i + Q_kh) · P_h / (P_h + G_i)`: what k's capability at the
    /// threat adds to i's own, with diminishing returns once i's coalition matches the threat.
    pub brings: f32,
    /// `βe · e_ik`: trade dependence.
    pub trade: f32,
    /// `βf · f_ik`: affinity.
    pub affinity: f32,
    /// `βc · τ_ik`: a treaty to keep.
    pub treaty: f32,
    /// `−βm · m_ik`: historical mistrust.
    pub mistrust: f32,
    /// `−c_i`: the cost of commitment.
    pub autonomy: f32,
}

impl PartnerTerms {
    /// The partner value: the sum of the terms, in this order.
    #[inline]
    pub fn value(&self) -> f32 {
        self.brings + self.trade + self.affinity + self.treaty + self.mistrust + self.autonomy
    }
}

/// Partner value of `k` for `i` balancing against `h`:
///
/// `V_ik = need_i · βp · Q_kh / (P_i + Q_kh) · P_h / (P_h + G_i) + βe · e_ik + βf · f_ik
///        + βc · τ_ik − βm · m_ik − c_i`
///
/// What `k` threatens does not enter the value: it enters the desire once, as hostility
/// ([`desire`]).
#[inline]
pub fn partner_value(x: &PartnerInputs, p: &Params32) -> f32 {
    partner_terms(x, p).value()
}

/// The terms of [`partner_value`], one by one.
#[inline(always)]
pub fn partner_terms(x: &PartnerInputs, p: &Params32) -> PartnerTerms {
    PartnerTerms {
        brings: x.need * p.beta_p * (x.projected / (x.power_i + x.projected)) * x.shortfall,
        trade: p.beta_e * x.interdependence,
        affinity: p.beta_f * x.affinity,
        treaty: p.beta_c * x.treaty,
        mistrust: -p.beta_m * x.mistrust,
        autonomy: -x.autonomy,
    }
}

/// Hostility of `i` toward `k`: `H_ik = βt · X_ik`, toward every state in proportion to
/// the threat it poses to `i` and `i`'s allies (not only the principal threat, and not
/// toward a threat's allies for being its allies).
#[inline]
pub fn hostility(threat_ik: f32, p: &Params32) -> f32 {
    p.beta_t * threat_ik
}

/// Desire of `i` for its alignment with `k`: `W_ik = max(V_ik, 0) − H_ik` (a poor partner is
/// indifference, a threat is hostility, and ties can offset a threat), except toward the
/// principal threat of a bandwagoning state, `D_ih = +B_i`.
#[inline]
pub fn desire(value: f32, hostility: f32, bandwagon_toward: Option<f32>) -> f32 {
    match bandwagon_toward {
        Some(b) => b,
        None => value.max(0.0) - hostility,
    }
}

/// One alignment update of a pair: `a` moves toward the smaller of the two desires `m`
/// (it takes two to ally and one to make an enemy) at rate `η`, slowed by the treaty when
/// it falls, plus noise `σd·√dt·z`:
/// `a ← clamp(a + η·dt·(1 − τ·τ_ik if m < a else 1)·(m − a) + σd·√dt·z, −1, 1)`,
/// with `eta_dt = η·dt` and `noise = σd·√dt` computed once.
#[inline]
pub fn alignment_step(
    a: f32,
    m: f32,
    treaty: f32,
    z: f32,
    eta_dt: f32,
    noise: f32,
    tau: f32,
) -> f32 {
    let gap = m - a;
    let rate = if gap < 0.0 {
        eta_dt * (1.0 - tau * treaty)
    } else {
        eta_dt
    };
    (a + rate * gap + noise * z).clamp(-1.0, 1.0)
}

/// Availability of allies `α_i = max(0, max_{k ≠ h(i)} min(W_ik, W_ki))`, given the mutual
/// desires `min(W_ik, W_ki)` ([`desire`] before bandwagoning): an ally is available only if
/// it wants `i` too.
#[inline]
pub fn availability(values: impl IntoIterator<Item = f32>) -> f32 {
    values.into_iter().fold(0.0, f32::max)
}

/// Bandwagon value `B_i = βb · (P_h / (P_i + P_h)) · prox_ih · (1 − min(1, α_i))`.
#[inline]
pub fn bandwagon_value(
    power_i: f32,
    power_h: f32,
    proximity_ih: f32,
    availability: f32,
    beta_b: f32,
) -> f32 {
    beta_b * (power_h / (power_i + power_h)) * proximity_ih * (1.0 - availability.min(1.0))
}

/// A state's decision in one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Strategy {
    /// Camp threat below `θ_secure`: keep peacetime alliances, seek nothing.
    #[default]
    Secure,
    /// Ally with partners against the principal threat.
    Balance,
    /// Align with the principal threat.
    Bandwagon,
}

impl Strategy {
    /// All strategies, in output order.
    pub const ALL: [Strategy; 3] = [Strategy::Secure, Strategy::Balance, Strategy::Bandwagon];

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Secure => "secure",
            Strategy::Balance => "balance",
            Strategy::Bandwagon => "bandwagon",
        }
    }
}

/// Self-help value `S_i = βself · P_i / (P_i + P_h)`: what standing alone against the
/// principal threat `h` offers (internal balancing). Not in MODEL.md; see `docs/model.md`.
#[inline]
pub fn self_help_value(power_i: f32, power_h: f32, beta_self: f32) -> f32 {
    beta_self * power_i / (power_i + power_h)
}

/// Strategy: `secure` if `κ_i < θ_secure`; else `bandwagon` if `B_i > max(α_i, S_i)`;
/// else `balance` (with allies when `α_i > 0`, alone otherwise).
#[inline]
pub fn strategy(
    kappa_i: f32,
    bandwagon_value: f32,
    availability: f32,
    self_help: f32,
    theta_secure: f32,
) -> Strategy {
    if kappa_i < theta_secure {
        Strategy::Secure
    } else if bandwagon_value > availability.max(self_help) {
        Strategy::Bandwagon
    } else {
        Strategy::Balance
    }
}

/// Class of a pair by its alignment (thresholds are parameters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PairClass {
    /// `a ≤ rivalry_threshold`.
    Rivalry,
    /// Between rivalry and alignment thresholds.
    Neutral,
    /// `alignment_threshold ≤ a < alliance_threshold`.
    Aligned,
    /// `a ≥ alliance_threshold`.
    Alliance,
}

impl PairClass {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            PairClass::Rivalry => "rivalry",
            PairClass::Neutral => "neutral",
            PairClass::Aligned => "aligned",
            PairClass::Alliance => "alliance",
        }
    }
}

/// Classify an alignment value.
#[inline]
pub fn pair_class(a: f32, p: &Params32) -> PairClass {
    classify(
        a,
        p.alliance_threshold,
        p.alignment_threshold,
        p.rivalry_threshold,
    )
}

/// [`pair_class`] with the thresholds given one by one.
#[inline]
pub fn classify(a: f32, alliance: f32, aligned: f32, rivalry: f32) -> PairClass {
    if a >= alliance {
        PairClass::Alliance
    } else if a >= aligned {
        PairClass::Aligned
    } else if a <= rivalry {
        PairClass::Rivalry
    } else {
        PairClass::Neutral
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{Params, Theory};

    /// Double-precision formulas (the static ones) to 1e-12.
    fn close64(got: f64, expected: f64) {
        assert!(
            (got - expected).abs() < 1e-12 * expected.abs().max(1.0),
            "got {got}, expected {expected}"
        );
    }

    /// Single-precision formulas to a few units in the last place of `f32` (2⁻²³ ≈ 1.2e-7):
    /// each computes a handful of correctly rounded operations.
    fn close(got: f32, expected: f64) {
        let got = f64::from(got);
        assert!(
            (got - expected).abs() < 1e-6 * expected.abs().max(1.0),
            "got {got}, expected {expected}"
        );
    }

    /// The parameters of a preset, as the step reads them.
    fn p32(p: &Params) -> Params32 {
        Params32::from(p)
    }

    #[test]
    fn proximity_by_hand() {
        let check = |border, d, d0, b, expected| close64(proximity(border, d, d0, b), expected);
        check(true, 5000.0, 1000.0, 0.0, 1.0); // b = 0: a land border is contact (v1)
        check(true, 5000.0, 1000.0, 0.5, 1.0 / 3.5); // 2500 km across the border
        check(false, 0.0, 1000.0, 0.5, 1.0);
        check(false, 1000.0, 1000.0, 0.5, 0.5); // halves at d0
        check(false, 3000.0, 1000.0, 0.5, 0.25);
        check(false, 600.0, 600.0, 0.5, 0.5);
    }

    #[test]
    fn interdependence_by_hand() {
        let check = |t, gi, expected| close64(interdependence(t, gi, 0.05), expected);
        // trade 10 / gdp_i 100 = 0.1; 1 − exp(−0.1 / 0.05) = 1 − e^−2
        check(10.0, Some(100.0), 1.0 - (-2.0f64).exp());
        // the larger partner depends less: 10 / 200 = 0.05 -> 1 − e^−1
        check(10.0, Some(200.0), 1.0 - (-1.0f64).exp());
        check(0.0, Some(100.0), 0.0);
        check(10.0, None, 0.0); // unknown GDP: no dependence
        check(10.0, Some(0.0), 0.0);
    }

    #[test]
    fn reach_by_hand() {
        let check = |b, d, o, expected| close64(reach(b, d, o, (1000.0, 4.0, 0.5)), expected);
        // Across a border, O = 0.1: 0.5 · 4000 / (1000 · 1.4) = 1.4286; 1 / 2.4286
        check(true, 4000.0, 0.1, 1.0 / (1.0 + 2000.0 / 1400.0));
        check(false, 1000.0, 0.0, 0.5); // no offence: halves at d0
        // O = 1: the scale is 1000 · (1 + 4) = 5000 km; 1 / (1 + 10000 / 5000) = 1/3
        check(false, 10000.0, 1.0, 1.0 / 3.0);
        // O = 0.5: 3000 km; 1 / (1 + 3000 / 3000) = 0.5
        check(false, 3000.0, 0.5, 0.5);
        // More offence never lowers reach.
        let at = |o| reach(false, 8000.0, o, (1000.0, 4.0, 0.5));
        assert!(at(0.6) > at(0.5));
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
    fn threat_by_hand() {
        let walt = Theory::Walt.params();
        let check = |s, e, p: &Params, expected| close(threat(s, e, &p32(p)), expected);
        // The reference case: strongest state, d0 away, middling offence and intent -> 1.
        check(src(1.0, 0.5, 0.5, 0.5), 0.0, &walt, 1.0);
        // 0.5 · 1 · 0.8 · 0.6 / 0.125 = 1.92
        check(src(0.5, 1.0, 0.8, 0.6), 0.0, &walt, 1.92);
        // Liberal dampening: λ = 0.8, e = 0.5 -> × (1 − 0.4)
        let liberal = Theory::Liberal.params();
        check(src(0.5, 1.0, 0.8, 0.6), 0.5, &liberal, 1.92 * 0.6);
        // Waltz: only relative power counts, wherever the state is.
        let waltz = Theory::Waltz.params();
        check(src(0.5, 0.01, 0.1, 0.0), 0.0, &waltz, 0.5);
        // Sum form: (0.5 + 1 + 0.8 + 0.6) / 4 = 0.725
        let mut sum = walt.clone();
        sum.threat_form = ThreatForm::Sum;
        check(src(0.5, 1.0, 0.8, 0.6), 0.0, &sum, 0.725);
        // A weight of 2 squares a source and the reference scale: 0.5² · 1 · 0.8 · 0.6 / (1 · 0.5 · 0.5 · 0.5)... with wD=2:
        // raw = 0.5 · 1² · 0.8 · 0.6 = 0.24, scale = 0.25 · 0.5 · 0.5 = 0.0625 -> 3.84
        let mut w2 = walt;
        w2.w_d = 2.0;
        check(src(0.5, 1.0, 0.8, 0.6), 0.0, &w2, 3.84);
    }

    #[test]
    fn camp_threat_and_need_by_hand() {
        let p = p32(&Params::hand_set());
        // X = 0.4 + 0.25 · 0.2; K = X + 0.5 · 0.6
        close(extended_threat(0.4, 0.2, &p), 0.45);
        close(camp_threat(0.45, 0.6, &p), 0.75);
        close(need(0.5, 1.0), 0.5);
        close(need(3.0, 1.0), 1.0);
    }

    #[test]
    fn partner_value_by_hand() {
        let p = p32(&Params::hand_set());
        let x = PartnerInputs {
            need: 1.0,
            projected: 0.8,
            power_i: 0.2,
            shortfall: 0.5,
            interdependence: 0.2,
            affinity: 0.5,
            treaty: 1.0,
            mistrust: 0.2,
            autonomy: 0.1,
        };
        // 1·1.0·(0.8 / (0.2 + 0.8))·0.5 + 0.5·0.2 + 0.15·0.5 + 0.5·1 − 1.0·0.2 − 0.1
        let expected: f64 = 0.4 + 0.1 + 0.075 + 0.5 - 0.2 - 0.1;
        close(partner_value(&x, &p), expected);
        let t = partner_terms(&x, &p);
        close(t.brings, 0.4);
        close(t.treaty, 0.5);
        // Need scales only what the partner brings.
        let half = PartnerInputs { need: 0.5, ..x };
        close(partner_value(&half, &p), expected - 0.2);
        // A stronger coalition already in place (a smaller shortfall): less to bring.
        let balanced = PartnerInputs {
            shortfall: 0.25,
            ..x
        };
        close(partner_value(&balanced, &p), expected - 0.2);
    }

    #[test]
    fn hostility_and_desire_by_hand() {
        let p = p32(&Params::hand_set());
        close(hostility(0.0, &p), 0.0);
        close(hostility(0.8, &p), 0.4); // βt = 0.5
        close(desire(0.4, 0.5, None), -0.1); // ties offset part of a threat
        close(desire(-0.4, 0.5, None), -0.5); // a poor partner is not a worse enemy
        close(desire(-0.4, 0.0, None), 0.0);
        close(desire(0.4, 0.5, Some(0.3)), 0.3); // bandwagoning toward the threat
    }

    #[test]
    fn alignment_step_by_hand() {
        // η·dt = 0.1, no noise: 0.2 + 0.1 · (0.6 − 0.2) = 0.24
        close(alignment_step(0.2, 0.6, 1.0, 0.0, 0.1, 0.0, 0.8), 0.24);
        // Falling without a treaty: 0.8 + 0.1 · (0 − 0.8) = 0.72
        close(alignment_step(0.8, 0.0, 0.0, 0.0, 0.1, 0.0, 0.8), 0.72);
        // Falling under a full treaty, τ = 0.8: 0.8 + 0.02 · (−0.8) = 0.784
        close(alignment_step(0.8, 0.0, 1.0, 0.0, 0.1, 0.0, 0.8), 0.784);
        // Noise σd·√dt·z = 0.05 · 2, clamped at 1.
        close(alignment_step(0.5, 0.5, 0.0, 2.0, 0.1, 0.05, 0.8), 0.6);
        close(alignment_step(0.99, 1.0, 0.0, 3.0, 0.1, 0.05, 0.8), 1.0);
    }

    #[test]
    fn availability_and_bandwagon_by_hand() {
        close(availability([-0.2, 0.3, 0.1]), 0.3);
        close(availability([-0.2, -0.1]), 0.0);
        close(availability([]), 0.0);
        // 0.5 · 3/3.1 · 1 · (1 − 0.2)
        close(
            bandwagon_value(0.1, 3.0, 1.0, 0.2, 0.5),
            0.5 * 3.0 / 3.1 * 0.8,
        );
        // Allies available (α ≥ 1): no bandwagoning.
        close(bandwagon_value(0.1, 3.0, 1.0, 1.5, 0.5), 0.0);
    }

    #[test]
    fn strategy_by_hand() {
        let check = |k, b, a, sh, expected| assert_eq!(strategy(k, b, a, sh, 0.3), expected);
        check(0.2, 5.0, 0.0, 0.0, Strategy::Secure);
        check(1.0, 0.4, 0.2, 0.1, Strategy::Bandwagon);
        check(1.0, 0.1, 0.2, 0.0, Strategy::Balance);
        check(1.0, 0.2, 0.2, 0.0, Strategy::Balance); // ties go to balancing
        check(1.0, 0.4, 0.0, 0.5, Strategy::Balance); // strong enough to stand alone
    }

    #[test]
    fn self_help_by_hand() {
        // 1.0 · 1 / (1 + 3)
        close(self_help_value(1.0, 3.0, 1.0), 0.25);
        // Equal states: self-help 0.5 beats the default bandwagon value 0.5 · 0.5 · prox · 1 ≤ 0.25.
        assert!(self_help_value(1.0, 1.0, 1.0) > bandwagon_value(1.0, 1.0, 1.0, 0.0, 0.5));
    }

    #[test]
    fn pair_classes_follow_the_thresholds() {
        let p = p32(&Params::walt());
        let check = |a, expected| assert_eq!(pair_class(a, &p), expected);
        check(0.6, PairClass::Alliance);
        check(0.59, PairClass::Aligned);
        check(0.2, PairClass::Aligned);
        check(0.0, PairClass::Neutral);
        check(-0.2, PairClass::Rivalry);
        check(-0.19, PairClass::Neutral);
    }
}
