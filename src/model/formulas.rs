//! The scalar formulas of MODEL.md, one function each, named as in the spec.
//!
//! Each doc comment states the formula. These functions are pure and small so
//! that tests can check them against hand-computed values; the step in
//! [`super::world`] calls them inside its loops.

use super::params::{Params, ThreatForm};

/// Relative power `Phat_j = P_j / max_k P_k`.
#[inline]
pub fn relative_power(power_j: f64, max_power: f64) -> f64 {
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
        (Some(a), Some(b)) if a > 0.0 && b > 0.0 => 1.0 - (-(trade / a.min(b)) / e0).exp(),
        _ => 0.0,
    }
}

/// The four sources of the threat `i` perceives from `j`, before weighting.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ThreatSources {
    /// Relative power `Phat_j`.
    pub power: f64,
    /// Proximity `prox_ij`.
    pub proximity: f64,
    /// Offensive capability `O_j`.
    pub offense: f64,
    /// Perceived intent `I_ji`.
    pub intent: f64,
}

/// Threat `i` perceives from `j` (Walt's four sources).
///
/// Product form, scaled so that 1 is "the strongest state, `d0` away, with
/// middling offence and intent":
/// `T_ij = Phat^wP · prox^wD · O^wO · I^wI / (0.5^wD · 0.5^wO · 0.5^wI) · (1 − λ·e_ij)`.
///
/// Sum form: `(wP·Phat + wD·prox + wO·O + wI·I) / (wP + wD + wO + wI) · (1 − λ·e_ij)`.
#[inline]
pub fn threat(s: ThreatSources, interdependence: f64, p: &Params) -> f64 {
    let damp = 1.0 - p.lambda * interdependence;
    match p.threat_form {
        ThreatForm::Product => {
            let raw = pow(s.power, p.w_p)
                * pow(s.proximity, p.w_d)
                * pow(s.offense, p.w_o)
                * pow(s.intent, p.w_i);
            raw / (0.5f64.powf(p.w_d) * 0.5f64.powf(p.w_o) * 0.5f64.powf(p.w_i)) * damp
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
fn pow(x: f64, w: f64) -> f64 {
    if w == 0.0 {
        1.0
    } else if w == 1.0 {
        x
    } else {
        x.powf(w)
    }
}
