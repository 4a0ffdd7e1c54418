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

/// Proximity `prox_ij = 1` if the two share a land border, else `1 / (1 + d_ij / d0)`.
#[inline]
pub fn proximity(border: bool, distance_km: f64, d0: f64) -> f64 {
    if border {
        1.0
    } else {
        1.0 / (1.0 + distance_km / d0)
    }
}

/// Interdependence `e_ij = 1 − exp(−(trade_ij / min(gdp_i, gdp_j)) / e0)`; 0 when a GDP is unknown.
#[inline]
pub fn interdependence(trade: f64, gdp_i: Option<f64>, gdp_j: Option<f64>, e0: f64) -> f64 {
    match (gdp_i, gdp_j) {
        (Some(a), Some(b)) if a > 0.0 && b > 0.0 => 1.0 - libm::exp(-(trade / a.min(b)) / e0),
        _ => 0.0,
    }
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

/// Camp threat: the threat from `j` together with `j`'s allies,
/// `K_ij = Tx_ij + γ · Σ_{k ≠ i, j} a⁺_jk · Tx_ik`, given `allied_threat = Σ_k a⁺_jk · Tx_ik`.
#[inline]
pub fn camp_threat(tx_ij: f32, allied_threat: f32, gamma: f32) -> f32 {
    tx_ij + gamma * allied_threat
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
    /// `K_{k,h}`: the camp threat `k` itself perceives from `h`.
    pub shared_threat: f32,
    /// `κ_k`: the size of `k`'s own principal threat.
    pub kappa_k: f32,
    /// `P_i`.
    pub power_i: f32,
    /// `P_k`.
    pub power_k: f32,
    /// `e_ik`.
    pub interdependence: f32,
    /// `f_ik`.
    pub affinity: f32,
    /// `T_ik`: the threat `k` itself poses to `i`.
    pub threat: f32,
    /// `m_ik`.
    pub mistrust: f32,
    /// `c_i`.
    pub autonomy: f32,
}

/// The terms of a partner value, for explanations (they sum to the value).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PartnerTerms {
    /// `need_i · βs · K_{k,h} / max(κ_k, κ_ref)`: k fears the same threat.
    pub shared: f32,
    /// `need_i · βp · P_k / (P_i + P_k)`: what k brings.
    pub brings: f32,
    /// `βe · e_ik`: trade ties.
    pub trade: f32,
    /// `βf · f_ik`: affinity.
    pub affinity: f32,
    /// `−βt · T_ik`: k itself threatens i.
    pub threat: f32,
    /// `−βm · m_ik`: historical mistrust.
    pub mistrust: f32,
    /// `−c_i`: the cost of commitment.
    pub autonomy: f32,
}

impl PartnerTerms {
    /// The partner value: the sum of the terms.
    #[inline]
    pub fn value(&self) -> f32 {
        self.shared
            + self.brings
            + self.trade
            + self.affinity
            + self.threat
            + self.mistrust
            + self.autonomy
    }
}

/// Partner value of `k` for `i` balancing against `h`:
///
/// `V_ik = need_i · (βs · K_{k,h} / max(κ_k, κ_ref) + βp · P_k / (P_i + P_k))
///        + βe · e_ik + βf · f_ik − βt · T_ik − βm · m_ik − c_i`
#[inline]
pub fn partner_value(x: &PartnerInputs, p: &Params32) -> f32 {
    partner_terms(x, p).value()
}

/// The terms of [`partner_value`], one by one.
#[inline(always)]
pub fn partner_terms(x: &PartnerInputs, p: &Params32) -> PartnerTerms {
    // The two divisions are written as multiplications by reciprocals: the engine computes
    // 1 / max(κ_k, κ_ref) once per state and 1 / (P_i + P_k) once per pair and step, and
    // this reference must round exactly as it does.
    PartnerTerms {
        shared: x.need * p.beta_s * x.shared_threat * (1.0 / x.kappa_k.max(p.kappa_ref)),
        brings: x.need * p.beta_p * x.power_k * (1.0 / (x.power_i + x.power_k)),
        trade: p.beta_e * x.interdependence,
        affinity: p.beta_f * x.affinity,
        threat: -p.beta_t * x.threat,
        mistrust: -p.beta_m * x.mistrust,
        autonomy: -x.autonomy,
    }
}

/// Availability of allies `α_i = max(0, max_k V_ik)`.
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
        let check = |border, d, d0, expected| close64(proximity(border, d, d0), expected);
        check(true, 5000.0, 1000.0, 1.0); // a land border is maximal proximity
        check(false, 0.0, 1000.0, 1.0);
        check(false, 1000.0, 1000.0, 0.5); // halves at d0
        check(false, 3000.0, 1000.0, 0.25);
        check(false, 600.0, 600.0, 0.5);
    }

    #[test]
    fn interdependence_by_hand() {
        let check = |t, gi, gj, expected| close64(interdependence(t, gi, gj, 0.05), expected);
        // trade 10 / min(100, 200) = 0.1; 1 − exp(−0.1 / 0.05) = 1 − e^−2
        check(10.0, Some(100.0), Some(200.0), 1.0 - (-2.0f64).exp());
        check(0.0, Some(100.0), Some(200.0), 0.0);
        check(10.0, None, Some(200.0), 0.0); // unknown GDP: no interdependence
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
        close(camp_threat(0.4, 0.6, 0.5), 0.7);
        close(need(0.5, 1.0), 0.5);
        close(need(3.0, 1.0), 1.0);
    }

    #[test]
    fn partner_value_by_hand() {
        let p = p32(&Theory::Walt.params());
        let x = PartnerInputs {
            need: 1.0,
            shared_threat: 0.8,
            kappa_k: 0.5,
            power_i: 1.0,
            power_k: 2.0,
            interdependence: 0.2,
            affinity: 0.5,
            threat: 0.3,
            mistrust: 0.2,
            autonomy: 0.1,
        };
        // 1·(1.0·0.8/max(0.5,1) + 0.5·2/3) + 0.5·0.2 + 0.3·0.5 − 1.0·0.3 − 1.0·0.2 − 0.1
        let expected: f64 = 0.8 + 1.0 / 3.0 + 0.1 + 0.15 - 0.3 - 0.2 - 0.1;
        close(partner_value(&x, &p), expected);
        let t = partner_terms(&x, &p);
        close(t.shared, 0.8);
        close(t.brings, 1.0 / 3.0);
        // Need scales only the first two terms.
        let half = PartnerInputs { need: 0.5, ..x };
        close(partner_value(&half, &p), expected - 0.5 * (0.8 + 1.0 / 3.0));
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
