//! The search: every configuration (exact), or steepest descents from random starts
//! (approximate), in exact integer arithmetic.
//!
//! **Integer energies.** Each weight `w_ij = s_i · s_j · p_ij` is multiplied by a power of two
//! `2^k` (exact in floating point) and rounded to an integer `W_ij`, `k` chosen so that the
//! largest `|W_ij|` is below `2^(60 − ⌈log2 n²⌉)`: every sum of weights then fits an `i64`,
//! and weights that are integers or binary fractions (such as 0.5 or 0.25) are kept exactly.
//! Other weights are rounded at about `2^-50` of the largest one. All the search's
//! arithmetic is on these integers, so the energy of a configuration is the same whatever path
//! reached it (incremental updates along a Gray code, in any chunk on any thread), ties are
//! exact, and the results do not depend on the number of threads. The energies and
//! frustrations reported are then computed from the sizes and propensities by the direct
//! double sum (`Landscape::energy`).
//!
//! **Moves.** With signs `σ_i = +1` (camp A) or `−1` (camp B), the local field
//! `f_i = Σ_j W_ij σ_j` gives the change of energy when `i` switches: `ΔE = 2 h_i` with
//! `h_i = σ_i f_i`. A configuration is a local minimum when every `h_i ≥ 0` (no single switch
//! strictly lowers `E`); a switch of `k` adds `−2 σ_k W_kj` to every `f_j`, `O(n)`.
//!
//! **Steepest descent** switches, at each step, the actor whose switch lowers `E` most, the
//! lowest index among equals, until none lowers it. Switching actor 0 gives the mirror of
//! switching all the others, which is how it is recorded (actor 0 stays in camp A).
//!
//! **Configurations.** Index `c < 2^(n−1)`: bit `i − 1` of `c` is actor `i`'s camp (1: B),
//! actor 0 in A. Ties of energy are ranked by this index (for more than 64 actors, the bits
//! read as one number, the last actor most significant).

use std::cmp::Ordering;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::{EXACT_MAX, Landscape};
use crate::engine::interrupt;

/// The error of a search stopped by a signal (`engine::interrupt`).
pub const INTERRUPTED: &str = "interrupted";

fn stopped() -> bool {
    interrupt::STOP.load(std::sync::atomic::Ordering::Relaxed)
}

/// Configurations per chunk of the exact enumeration: `2^CHUNK_BITS` (a Gray code over the
/// low bits; chunks are claimed by threads and merged in order).
const CHUNK_BITS: usize = 16;

/// The weights as integers, with the rows the moves add.
#[derive(Debug, Clone)]
pub struct Weights {
    n: usize,
    /// `W_ij`, `n × n`.
    w: Vec<i64>,
    /// `−2 W_k` (switching `k` from camp A), row by row.
    from_a: Vec<i64>,
    /// The power of two the weights were multiplied by.
    pub scale_exp: i32,
}

impl Weights {
    /// The integer weights of `l` (see the module docs).
    pub fn new(l: &Landscape) -> Self {
        let n = l.n();
        let mut wf = vec![0.0f64; n * n];
        for i in 0..n {
            for j in i + 1..n {
                let w = l.actors[i].size * l.actors[j].size * l.p[i * n + j];
                wf[i * n + j] = w;
                wf[j * n + i] = w;
            }
        }
        let max = wf.iter().fold(0.0f64, |m, w| m.max(w.abs()));
        let scale_exp = if max > 0.0 && max.is_finite() {
            let (_, e) = libm::frexp(max); // max < 2^e
            let room = 60 - ((n * n).max(2).next_power_of_two().trailing_zeros() as i32);
            room - e
        } else {
            0
        };
        let w: Vec<i64> = wf
            .iter()
            .map(|&x| {
                let y = libm::ldexp(x, scale_exp).round();
                if y.is_finite() { y as i64 } else { 0 }
            })
            .collect();
        let from_a = w.iter().map(|&x| -2 * x).collect();
        Self {
            n,
            w,
            from_a,
            scale_exp,
        }
    }

    /// Number of actors.
    pub fn n(&self) -> usize {
        self.n
    }

    fn row(&self, k: usize) -> &[i64] {
        &self.w[k * self.n..(k + 1) * self.n]
    }

    /// The local fields `f` and the half energy `Σ_{i<j} W_ij d_ij` of `side` (bit `i` of
    /// the words: actor `i` in camp B).
    fn fields(&self, words: &[u64]) -> (Vec<i64>, i64) {
        let n = self.n;
        let sigma = |i: usize| if bit(words, i) { -1i64 } else { 1 };
        let mut f = vec![0i64; n];
        let mut half = 0i64;
        for (i, fi) in f.iter_mut().enumerate() {
            let row = self.row(i);
            for (j, &w) in row.iter().enumerate() {
                *fi += w * sigma(j);
                if j > i && bit(words, i) != bit(words, j) {
                    half += w;
                }
            }
        }
        (f, half)
    }

    /// The half energy of a configuration, by the direct sum (integers).
    pub fn half_energy(&self, side: &[bool]) -> i64 {
        let n = self.n;
        let mut half = 0;
        for i in 0..n {
            for j in i + 1..n {
                if side[i] != side[j] {
                    half += self.w[i * n + j];
                }
            }
        }
        half
    }
}

fn bit(words: &[u64], i: usize) -> bool {
    (words[i / 64] >> (i % 64)) & 1 == 1
}

/// A local minimum found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Minimum {
    /// The configuration: bit `i` (of word `i / 64`) set when actor `i` is in camp B; actor 0
    /// is in camp A.
    pub words: Vec<u64>,
    /// `Σ_{i<j} W_ij d_ij`: half the energy, in the integer units of [`Weights`] (for
    /// ranking; the energy reported is `Landscape::energy`).
    pub half_energy: i64,
    /// Exact search with basins: the configurations whose steepest descent ends here.
    /// Approximate search: the random starts whose descent ended here. 0 otherwise.
    pub count: u64,
}

impl Minimum {
    /// `side[i]`: whether actor `i` is in camp B.
    pub fn side(&self, n: usize) -> Vec<bool> {
        (0..n).map(|i| bit(&self.words, i)).collect()
    }

    /// Rank order: energy, then configuration bits.
    fn order(&self, other: &Self) -> Ordering {
        self.half_energy
            .cmp(&other.half_energy)
            .then_with(|| self.words.iter().rev().cmp(other.words.iter().rev()))
    }
}

/// What the basin counts of a search mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basins {
    /// Not computed.
    None,
    /// Exact: counts of configurations, out of `configurations`.
    Exact {
        /// `2^(n−1)`.
        configurations: u64,
    },
    /// Estimated: counts of random starts, out of `starts`.
    Starts {
        /// The number of starts.
        starts: u64,
    },
}

/// The result of a search.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// The lowest minima (at most the `keep` asked for), ranked by energy then configuration.
    pub minima: Vec<Minimum>,
    /// How many distinct local minima were found (all of them, for an exact search).
    pub total: u64,
    /// What the counts of [`Minimum::count`] mean.
    pub basins: Basins,
}

/// The minima of one chunk: how many, and the lowest `keep` as (half energy, index).
#[derive(Debug, Default)]
struct Part {
    count: u64,
    kept: Vec<(i64, u32)>,
}

impl Part {
    fn push(&mut self, half: i64, c: u32, keep: usize) {
        self.count += 1;
        self.kept.push((half, c));
        if self.kept.len() >= keep.max(1).saturating_mul(2) {
            self.trim(keep);
        }
    }

    fn trim(&mut self, keep: usize) {
        self.kept.sort_unstable();
        self.kept.truncate(keep);
    }
}

/// Every configuration of `wt` (at most [`EXACT_MAX`] actors, at least 2): the local minima
/// (all counted, the lowest `keep` kept) and, with `basins`, each one's basin. `Err` when the
/// landscape is too large.
pub fn exact(wt: &Weights, basins: bool, keep: usize) -> Result<Found, String> {
    let n = wt.n;
    if !(2..=EXACT_MAX).contains(&n) {
        return Err(format!(
            "{n} actors: the exact enumeration takes 2 to {EXACT_MAX} actors"
        ));
    }
    let m = n - 1;
    let total = 1u64 << m;
    let b = m.min(CHUNK_BITS);
    let chunk_len = 1usize << b;
    let (parts, counts) = if basins {
        let mut succ = vec![0u32; total as usize];
        let parts: Vec<Part> = succ
            .par_chunks_mut(chunk_len)
            .enumerate()
            .map(|(hi, s)| scan(wt, hi as u64, b, Some(s), keep))
            .collect();
        if stopped() {
            // Skipped chunks left no successors: the descents cannot be followed.
            return Err(INTERRUPTED.into());
        }
        resolve(&mut succ);
        let mut counts = vec![0u32; total as usize];
        for &r in &succ {
            counts[r as usize] += 1;
        }
        drop(succ);
        (parts, Some(counts))
    } else {
        let parts: Vec<Part> = (0..total >> b)
            .into_par_iter()
            .map(|hi| scan(wt, hi, b, None, keep))
            .collect();
        (parts, None)
    };
    if stopped() {
        return Err(INTERRUPTED.into());
    }
    let mut all = Part::default();
    for p in parts {
        all.count += p.count;
        all.kept.extend(p.kept);
    }
    all.trim(keep);
    let minima = all
        .kept
        .iter()
        .map(|&(half, c)| Minimum {
            words: vec![u64::from(c) << 1],
            half_energy: half,
            count: counts.as_ref().map_or(0, |k| u64::from(k[c as usize])),
        })
        .collect();
    Ok(Found {
        minima,
        total: all.count,
        basins: if basins {
            Basins::Exact {
                configurations: total,
            }
        } else {
            Basins::None
        },
    })
}

/// One chunk of configurations: those whose high bits are `hi`, the low `b` bits in Gray-code
/// order. With `succ` (the chunk's slice, by index), each configuration's steepest-descent
/// successor (itself for a minimum) is written.
fn scan(wt: &Weights, hi: u64, b: usize, mut succ: Option<&mut [u32]>, keep: usize) -> Part {
    let n = wt.n;
    if stopped() {
        return Part::default();
    }
    let mirror = ((1u64 << (n - 1)) - 1) as u32;
    let low = (1u64 << b) - 1;
    let mut x: u64 = (hi << b) << 1;
    let (mut f, mut half) = wt.fields(&[x]);
    let mut part = Part::default();
    for t in 0..=low {
        if t > 0 {
            let k = t.trailing_zeros() as usize + 1;
            let in_b = (x >> k) & 1 == 1;
            half += if in_b { -f[k] } else { f[k] };
            let row = &wt.from_a[k * n..(k + 1) * n];
            if in_b {
                for (fj, d) in f.iter_mut().zip(row) {
                    *fj -= d;
                }
            } else {
                for (fj, d) in f.iter_mut().zip(row) {
                    *fj += d;
                }
            }
            x ^= 1 << k;
        }
        let c = (x >> 1) as u32;
        match succ.as_deref_mut() {
            Some(s) => {
                let (mut best, mut who) = (0i64, usize::MAX);
                for (j, &fj) in f.iter().enumerate() {
                    let h = if (x >> j) & 1 == 1 { -fj } else { fj };
                    if h < best {
                        best = h;
                        who = j;
                    }
                }
                s[(c as u64 & low) as usize] = match who {
                    usize::MAX => {
                        part.push(half, c, keep);
                        c
                    }
                    0 => c ^ mirror,
                    j => c ^ (1 << (j - 1)),
                };
            }
            None => {
                let minimum = f.iter().enumerate().all(|(j, &fj)| {
                    let h = if (x >> j) & 1 == 1 { -fj } else { fj };
                    h >= 0
                });
                if minimum {
                    part.push(half, c, keep);
                }
            }
        }
    }
    part
}

/// Replace each successor by the end of its descent (a minimum, its own successor),
/// compressing paths as they are followed. Every descent ends: each step lowers the integer
/// energy.
fn resolve(succ: &mut [u32]) {
    for c in 0..succ.len() {
        let mut r = succ[c] as usize;
        while succ[r] as usize != r {
            r = succ[r] as usize;
        }
        let mut x = c;
        while succ[x] as usize != r {
            let next = succ[x] as usize;
            succ[x] = r as u32;
            x = next;
        }
    }
}

/// The random start of descent `start` under `seed`: ChaCha8 keyed by `seed_from_u64(seed)`,
/// stream `start` (as a run's stream in the model); actor `i`'s camp is bit `i` of the
/// `i / 64`-th 64-bit output (actor 0 in camp A).
pub fn random_start(seed: u64, start: u64, n: usize) -> Vec<u64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(start);
    let mut words: Vec<u64> = (0..n.div_ceil(64)).map(|_| rng.next_u64()).collect();
    words[0] &= !1;
    if !n.is_multiple_of(64) {
        let last = words.len() - 1;
        words[last] &= (1u64 << (n % 64)) - 1;
    }
    words
}

/// Steepest descent from `words` to a local minimum: (half energy, configuration with actor
/// 0 in camp A).
pub fn descend(wt: &Weights, mut words: Vec<u64>) -> (i64, Vec<u64>) {
    let n = wt.n;
    let (mut f, mut half) = wt.fields(&words);
    loop {
        let (mut best, mut who) = (0i64, usize::MAX);
        for (j, &fj) in f.iter().enumerate() {
            let h = if bit(&words, j) { -fj } else { fj };
            if h < best {
                best = h;
                who = j;
            }
        }
        if who == usize::MAX {
            break;
        }
        half += best;
        let row = &wt.from_a[who * n..(who + 1) * n];
        let in_b = bit(&words, who);
        for (fj, d) in f.iter_mut().zip(row) {
            if in_b {
                *fj -= d;
            } else {
                *fj += d;
            }
        }
        words[who / 64] ^= 1 << (who % 64);
    }
    if bit(&words, 0) {
        for i in 0..n {
            words[i / 64] ^= 1 << (i % 64);
        }
    }
    (half, words)
}

/// Steepest descents from `starts` random configurations ([`random_start`]): the distinct
/// minima reached (the lowest `keep`), each with the number of starts that reached it.
pub fn approximate(wt: &Weights, seed: u64, starts: u64, keep: usize) -> Result<Found, String> {
    if wt.n < 2 {
        return Err("a landscape needs at least 2 actors".into());
    }
    let mut ends: Vec<(i64, Vec<u64>)> = (0..starts)
        .into_par_iter()
        .map(|s| {
            if stopped() {
                (0, Vec::new())
            } else {
                descend(wt, random_start(seed, s, wt.n))
            }
        })
        .collect();
    if stopped() {
        return Err(INTERRUPTED.into());
    }
    ends.sort_unstable_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| a.1.iter().rev().cmp(b.1.iter().rev()))
    });
    let mut minima: Vec<Minimum> = Vec::new();
    for (half, words) in ends {
        match minima.last_mut() {
            Some(m) if m.half_energy == half && m.words == words => m.count += 1,
            _ => minima.push(Minimum {
                words,
                half_energy: half,
                count: 1,
            }),
        }
    }
    debug_assert!(minima.windows(2).all(|w| w[0].order(&w[1]).is_lt()));
    let total = minima.len() as u64;
    minima.truncate(keep);
    Ok(Found {
        minima,
        total,
        basins: Basins::Starts { starts },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::landscape::Actor;
    use proptest::prelude::*;

    pub(crate) fn landscape(sizes: &[f64], p: &[f64]) -> Landscape {
        Landscape {
            name: "t".into(),
            title: String::new(),
            actors: sizes
                .iter()
                .enumerate()
                .map(|(i, &s)| Actor {
                    id: format!("a{i}"),
                    name: format!("a{i}"),
                    size: s,
                    source: None,
                    note: None,
                })
                .collect(),
            p: p.to_vec(),
            defaulted: 0,
        }
    }

    fn side_of(c: u32, n: usize) -> Vec<bool> {
        (0..n).map(|i| i > 0 && (c >> (i - 1)) & 1 == 1).collect()
    }

    /// Brute force: every configuration's energy by the direct sum, its neighbours' too.
    fn brute(wt: &Weights, n: usize) -> (Vec<(i64, u32)>, Vec<u64>) {
        let total = 1u32 << (n - 1);
        let e: Vec<i64> = (0..total).map(|c| wt.half_energy(&side_of(c, n))).collect();
        let flip = |c: u32, i: usize| {
            if i == 0 {
                c ^ (total - 1)
            } else {
                c ^ (1 << (i - 1))
            }
        };
        let minima: Vec<(i64, u32)> = (0..total)
            .filter(|&c| (0..n).all(|i| e[flip(c, i) as usize] >= e[c as usize]))
            .map(|c| (e[c as usize], c))
            .collect();
        let mut basin = vec![0u64; total as usize];
        for c in 0..total {
            let mut x = c;
            loop {
                // The lowest neighbour, the lowest index among equals.
                let mut best = (e[x as usize], usize::MAX);
                for i in 0..n {
                    let y = e[flip(x, i) as usize];
                    if y < best.0 {
                        best = (y, i);
                    }
                }
                if best.1 == usize::MAX {
                    break;
                }
                x = flip(x, best.1);
            }
            basin[x as usize] += 1;
        }
        let mut minima = minima;
        minima.sort_unstable();
        (minima, basin)
    }

    fn random_landscape(n: usize, seed: u64, integers: bool) -> Landscape {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let u = |rng: &mut ChaCha8Rng| (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let sizes: Vec<f64> = (0..n)
            .map(|_| {
                if integers {
                    1.0 + (rng.next_u64() % 5) as f64
                } else {
                    0.05 + u(&mut rng)
                }
            })
            .collect();
        let mut p = vec![0.0; n * n];
        for i in 0..n {
            for j in i + 1..n {
                let v = if integers {
                    (rng.next_u64() % 5) as f64 - 2.0
                } else {
                    2.0 * u(&mut rng) - 1.0
                };
                p[i * n + j] = v;
                p[j * n + i] = v;
            }
        }
        landscape(&sizes, &p)
    }

    #[test]
    fn enumeration_equals_brute_force() {
        for n in 2..=14 {
            for (seed, integers) in [(n as u64, false), (100 + n as u64, true)] {
                let l = random_landscape(n, seed, integers);
                let wt = Weights::new(&l);
                let (minima, basin) = brute(&wt, n);
                let found = exact(&wt, true, usize::MAX).unwrap();
                assert_eq!(found.total as usize, minima.len(), "n {n}");
                let got: Vec<(i64, u32)> = found
                    .minima
                    .iter()
                    .map(|m| (m.half_energy, (m.words[0] >> 1) as u32))
                    .collect();
                assert_eq!(got, minima, "n {n} seed {seed}");
                for m in &found.minima {
                    assert_eq!(m.count, basin[(m.words[0] >> 1) as usize], "n {n}");
                }
                // Basins cover every configuration exactly once.
                let sum: u64 = found.minima.iter().map(|m| m.count).sum();
                assert_eq!(sum, 1 << (n - 1));
                // Without basins: the same minima.
                let plain = exact(&wt, false, usize::MAX).unwrap();
                assert_eq!(plain.total, found.total);
                assert!(
                    plain
                        .minima
                        .iter()
                        .zip(&found.minima)
                        .all(|(a, b)| a.words == b.words && a.half_energy == b.half_energy)
                );
            }
        }
    }

    #[test]
    fn chunks_of_the_gray_code_agree_with_one_run() {
        // 20 actors: 2^19 configurations in 8 chunks of 2^16.
        let l = random_landscape(20, 7, false);
        let wt = Weights::new(&l);
        let found = exact(&wt, true, 50).unwrap();
        for m in &found.minima {
            let side = m.side(20);
            assert_eq!(m.half_energy, wt.half_energy(&side));
            let (f, half) = wt.fields(&m.words);
            assert_eq!(half, m.half_energy);
            assert!(f.iter().enumerate().all(|(j, &fj)| {
                let h = if side[j] { -fj } else { fj };
                h >= 0
            }));
        }
        let sum: u64 = exact(&wt, true, usize::MAX)
            .unwrap()
            .minima
            .iter()
            .map(|m| m.count)
            .sum();
        assert_eq!(sum, 1 << 19);
    }

    #[test]
    fn keep_cuts_the_list_not_the_count() {
        let l = random_landscape(12, 3, true);
        let wt = Weights::new(&l);
        let all = exact(&wt, false, usize::MAX).unwrap();
        let two = exact(&wt, false, 2).unwrap();
        assert_eq!(all.total, two.total);
        assert_eq!(two.minima[..], all.minima[..2.min(all.minima.len())]);
    }

    #[test]
    fn three_actors_by_hand() {
        // a = 1, b = 2, c = 3; p_ab = 1, p_ac = p_bc = −1. Configurations (c index: bit 0 b,
        // bit 1 c): {abc} 0; {a c | b} → b apart: E = 2(2·1 + 6·(−1)) = −8; {a b | c}: 2(−3 −6) = −18;
        // {a | b c}: 2(2·1 + 3·(−1)) = −2.
        let l = landscape(
            &[1.0, 2.0, 3.0],
            &[0.0, 1.0, -1.0, 1.0, 0.0, -1.0, -1.0, -1.0, 0.0],
        );
        let e: Vec<f64> = (0..4).map(|c| l.energy(&side_of(c, 3))).collect();
        assert_eq!(e, vec![0.0, -8.0, -18.0, -2.0]);
        let wt = Weights::new(&l);
        let found = exact(&wt, true, 10).unwrap();
        // Only {a b | c} is a local minimum, and every configuration descends to it.
        assert_eq!(found.total, 1);
        assert_eq!(found.minima[0].side(3), vec![false, false, true]);
        assert_eq!(found.minima[0].count, 4);
        assert_eq!(l.energy(&found.minima[0].side(3)), -18.0);
    }

    #[test]
    fn four_actors_by_hand() {
        // Two pairs of friends, p = 1 within, −1 across, unit sizes except d = 3 who likes
        // everyone a little (p = 0.25 with a, b; 1 with c).
        // a b c d; p_ab = 1, p_cd = 1, p_ac = p_bc = −1, p_ad = p_bd = 0.25.
        #[rustfmt::skip]
        let p = [
            0.0, 1.0, -1.0, 0.25,
            1.0, 0.0, -1.0, 0.25,
            -1.0, -1.0, 0.0, 1.0,
            0.25, 0.25, 1.0, 0.0,
        ];
        let l = landscape(&[1.0, 1.0, 1.0, 3.0], &p);
        // {a b | c d}: apart pairs ac, ad, bc, bd: 2(−1 + 0.75 − 1 + 0.75) = −1.
        assert_eq!(l.energy(&[false, false, true, true]), -1.0);
        // {a b d | c}: apart ac, bc, cd: 2(−1 − 1 + 3) = 2.
        assert_eq!(l.energy(&[false, false, true, false]), 2.0);
        // {a b c d}: 0. {a | b c d}: apart ab, ac, ad: 2(1 − 1 + 0.75) = 1.5.
        assert_eq!(l.energy(&[false, true, true, true]), 1.5);
        let wt = Weights::new(&l);
        let found = exact(&wt, true, 10).unwrap();
        // Minima: {a b | c d} (E −1) and all together (E 0: each single switch raises it:
        // a alone 1.5, b alone 1.5, c alone 2(−1 −1 +3) = 2, d alone 2(0.75+0.75+3) = 9).
        let listed: Vec<(Vec<bool>, f64)> = found
            .minima
            .iter()
            .map(|m| (m.side(4), l.energy(&m.side(4))))
            .collect();
        assert_eq!(
            listed,
            vec![
                (vec![false, false, true, true], -1.0),
                (vec![false, false, false, false], 0.0)
            ]
        );
        let sum: u64 = found.minima.iter().map(|m| m.count).sum();
        assert_eq!(sum, 8);
    }

    #[test]
    fn approximate_finds_the_exact_minima_on_a_small_landscape() {
        let l = random_landscape(10, 11, false);
        let wt = Weights::new(&l);
        let exact = exact(&wt, true, usize::MAX).unwrap();
        let approx = approximate(&wt, 5, 4000, usize::MAX).unwrap();
        // Every minimum reached is an exact minimum; the largest basins are all found.
        for m in &approx.minima {
            assert!(exact.minima.iter().any(|e| e.words == m.words));
        }
        let best = &exact.minima[0];
        assert_eq!(approx.minima[0].words, best.words);
        assert_eq!(approx.minima.iter().map(|m| m.count).sum::<u64>(), 4000);
        // The same seed, the same result; another seed, other starts.
        assert_eq!(approximate(&wt, 5, 4000, usize::MAX).unwrap(), approx);
        assert_ne!(random_start(5, 0, 70), random_start(6, 0, 70));
        assert_ne!(random_start(5, 0, 70), random_start(5, 1, 70));
        assert_eq!(random_start(5, 0, 70)[1] >> 6, 0);
    }

    #[test]
    fn results_do_not_depend_on_threads() {
        let l = random_landscape(19, 21, false);
        let wt = Weights::new(&l);
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| {
                    (
                        exact(&wt, true, 100).unwrap(),
                        approximate(&wt, 9, 500, 100).unwrap(),
                    )
                })
        };
        assert_eq!(run(1), run(2));
        assert_eq!(run(1), run(3));
    }

    #[test]
    fn integer_weights_are_exact() {
        let l = random_landscape(8, 2, true);
        let wt = Weights::new(&l);
        for c in 0..128u32 {
            let side = side_of(c, 8);
            let e = wt.half_energy(&side) as f64 * 2.0;
            assert_eq!(libm::ldexp(e, -wt.scale_exp), l.energy(&side));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// The energy of every configuration is the direct double sum over ordered pairs,
        /// the same for a configuration and its mirror, and `Σ s_i F_i`.
        #[test]
        fn energy_is_the_double_sum(
            n in 2usize..=10,
            seed in any::<u64>(),
        ) {
            let l = random_landscape(n, seed, false);
            let sizes = l.sizes();
            for c in 0..(1u32 << n) {
                let side: Vec<bool> = (0..n).map(|i| (c >> i) & 1 == 1).collect();
                let mirror: Vec<bool> = side.iter().map(|s| !s).collect();
                let mut direct = 0.0;
                for i in 0..n {
                    for j in 0..n {
                        if i != j && side[i] != side[j] {
                            direct += sizes[i] * sizes[j] * l.p[i * n + j];
                        }
                    }
                }
                let e = l.energy(&side);
                prop_assert!((e - direct).abs() <= 1e-12 * (1.0 + direct.abs()));
                prop_assert_eq!(e, l.energy(&mirror));
                let f = l.frustrations(&side);
                let sum: f64 = (0..n).map(|i| sizes[i] * f[i]).sum();
                prop_assert!((e - sum).abs() <= 1e-12 * (1.0 + e.abs()));
                let wt = Weights::new(&l);
                prop_assert_eq!(wt.half_energy(&side), wt.half_energy(&mirror));
            }
        }
    }
}
