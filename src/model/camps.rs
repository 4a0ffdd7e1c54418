//! Final camps: the two-camp partition of least frustration (Axelrod & Bennett 1993).
//!
//! Sizes are the states' powers `s_i = P_i`, propensities the alignments `p_ij = a_ij`.
//! Frustration of `i` in configuration `X`: `F_i(X) = Σ_{j≠i} s_j · p_ij · d_ij(X)`, where
//! `d_ij = 1` when `i` and `j` are in different camps. Energy
//! `E(X) = Σ_i Σ_{j≠i} s_i · s_j · p_ij · d_ij(X)`.
//!
//! Start (deterministic): every state on the side of the strongest state if its alignment
//! with it is ≥ 0, else on the other side. Then sweep the states in index order, switching
//! any state whose switch strictly lowers its own frustration, until a sweep makes no switch.
//! With symmetric propensities every switch lowers `E`, so this terminates in a local minimum.

/// A two-camp partition.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Camps {
    /// `side[i]`: `false` for the camp of state 0, `true` for the other camp.
    pub side: Vec<bool>,
}

impl Camps {
    /// Indices of the states in camp `s`.
    pub fn members(&self, s: bool) -> impl Iterator<Item = usize> + '_ {
        self.side
            .iter()
            .enumerate()
            .filter(move |&(_, &x)| x == s)
            .map(|(i, _)| i)
    }
}

/// Frustration of `i`: `F_i = Σ_{j≠i} s_j · p_ij · d_ij`.
pub fn frustration(i: usize, side: &[bool], size: &[f64], propensity: &[f64]) -> f64 {
    let n = side.len();
    (0..n)
        .filter(|&j| j != i && side[j] != side[i])
        .map(|j| size[j] * propensity[i * n + j])
        .sum()
}

/// Energy: `E = Σ_i Σ_{j≠i} s_i · s_j · p_ij · d_ij` (ordered pairs: each pair twice).
pub fn energy(side: &[bool], size: &[f64], propensity: &[f64]) -> f64 {
    (0..side.len())
        .map(|i| size[i] * frustration(i, side, size, propensity))
        .sum()
}

/// The local minimum of energy reached from the deterministic start (see the module docs).
///
/// `side` is a scratch buffer of length `n`; the result is normalised so that state 0 is on
/// side `false`.
pub fn camps(size: &[f64], propensity: &[f64]) -> Camps {
    let n = size.len();
    let strongest = (0..n).fold(0, |b, i| if size[i] > size[b] { i } else { b });
    let mut side: Vec<bool> = (0..n)
        .map(|i| i != strongest && propensity[i * n + strongest] < 0.0)
        .collect();
    // Σ_{j≠i} s_j p_ij, which no switch changes: once per state.
    let totals: Vec<f64> = (0..n)
        .map(|i| {
            (0..n)
                .filter(|&j| j != i)
                .map(|j| size[j] * propensity[i * n + j])
                .sum()
        })
        .collect();
    // Each switch strictly lowers E; the bound only guards against float ties.
    for _ in 0..(4 * n * n + 8) {
        let mut switched = false;
        for (i, &total) in totals.iter().enumerate() {
            // Switching flips d_ij for every j: the new frustration is Σ_{j≠i} s_j p_ij (1 − d_ij).
            let here = frustration(i, &side, size, propensity);
            if total - here < here - 1e-12 * here.abs().max(1e-300) {
                side[i] = !side[i];
                switched = true;
            }
        }
        if !switched {
            break;
        }
    }
    if side.first() == Some(&true) {
        side.iter_mut().for_each(|s| *s = !*s);
    }
    Camps { side }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(size: &[f64], p: &[f64], expected: &[bool]) {
        assert_eq!(camps(size, p).side, expected);
    }

    #[test]
    fn two_blocs_with_enmity_between_them_separate() {
        // 0-1 allied, 2-3 allied, cross pairs hostile.
        let p = [
            0.0, 0.8, -0.5, -0.5, //
            0.8, 0.0, -0.5, -0.5, //
            -0.5, -0.5, 0.0, 0.8, //
            -0.5, -0.5, 0.8, 0.0,
        ];
        check(&[1.0, 1.0, 1.0, 1.0], &p, &[false, false, true, true]);
    }

    #[test]
    fn a_state_moves_to_the_side_it_likes_weighted_by_size() {
        // State 2 starts with the strongest (a = +0.1 with state 0) but is strongly drawn
        // to state 1 (size 2) which is hostile to 0: frustration by hand
        // side(0)=side(2)=A, side(1)=B: F_2 = s1·p21 = 2·0.9 = 1.8; after switching F_2 = s0·p20 = 3·0.1 = 0.3.
        let p = [
            0.0, -0.9, 0.1, //
            -0.9, 0.0, 0.9, //
            0.1, 0.9, 0.0,
        ];
        check(&[3.0, 2.0, 1.0], &p, &[false, true, true]);
        let e = energy(&[false, true, true], &[3.0, 2.0, 1.0], &p);
        // E = 2·(s0 s1 p01 + s0 s2 p02) = 2·(6·(−0.9) + 3·0.1) = −10.2
        assert!((e + 10.2).abs() < 1e-12, "{e}");
    }
}
