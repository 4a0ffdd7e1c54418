//! Data shared by every version: sixteen f32 lanes per value (one Monte Carlo run per lane),
//! the inputs of the two kernels, and the scalar reference.

pub const W: usize = 16;

/// Sixteen lanes in memory, aligned to a cache line (as entente's `Lanes32`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[repr(C, align(64))]
pub struct L32(pub [f32; W]);

/// Widest column block (as entente's `MAX_BLOCK`).
pub const MAX_BLOCK: usize = 24;

/// K1: `out[j] = Σ_k t[k] · x[k·n + j]`, each term fused (`acc = fma(t[k], x, acc)`), k in
/// order from 0, one row (R = 1) of entente's `product_rows`.
pub struct K1In {
    pub n: usize,
    pub t: Vec<L32>,
    pub x: Vec<L32>,
}

/// K2: the partner-value loop of `LaneWorld::decide` (one state `i`, all partners `k`).
pub struct K2In {
    pub n: usize,
    pub shared: Vec<L32>,
    pub inv_kappa: Vec<L32>,
    pub power: Vec<L32>,
    pub e: Vec<L32>,
    pub f: Vec<L32>,
    pub t: Vec<L32>,
    pub m: Vec<L32>,
    pub need_s: L32,
    pub need_p: L32,
    pub power_i: L32,
    pub autonomy: L32,
    /// Principal threat per lane, an integer-valued float in 0..n.
    pub h: L32,
    pub be: f32,
    pub bf: f32,
    pub bt: f32,
    pub bm: f32,
}

pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Uniform in [lo, hi).
    pub fn f(&mut self, lo: f32, hi: f32) -> f32 {
        let u = (self.next() >> 40) as f32 / (1u64 << 24) as f32;
        lo + (hi - lo) * u
    }
    pub fn lanes(&mut self, lo: f32, hi: f32) -> L32 {
        L32(std::array::from_fn(|_| self.f(lo, hi)))
    }
    pub fn vec(&mut self, len: usize, lo: f32, hi: f32) -> Vec<L32> {
        (0..len).map(|_| self.lanes(lo, hi)).collect()
    }
}

pub fn k1_input(n: usize, seed: u64) -> K1In {
    let mut r = Rng(seed);
    K1In { n, t: r.vec(n, -1.0, 1.0), x: r.vec(n * n, -1.0, 1.0) }
}

pub fn k2_input(n: usize, seed: u64) -> K2In {
    let mut r = Rng(seed);
    let h = L32(std::array::from_fn(|_| (r.next() % n as u64) as f32));
    K2In {
        n,
        shared: r.vec(n, 0.0, 2.0),
        inv_kappa: r.vec(n, 0.1, 3.0),
        power: r.vec(n, 0.05, 2.0),
        e: r.vec(n, -1.0, 1.0),
        f: r.vec(n, -1.0, 1.0),
        t: r.vec(n, -1.0, 1.0),
        m: r.vec(n, 0.0, 1.0),
        need_s: r.lanes(0.0, 1.0),
        need_p: r.lanes(0.0, 1.0),
        power_i: r.lanes(0.05, 2.0),
        autonomy: r.lanes(-0.5, 0.0),
        h,
        be: r.f(0.0, 1.0),
        bf: r.f(0.0, 1.0),
        bt: -r.f(0.0, 1.0),
        bm: -r.f(0.0, 1.0),
    }
}

/// Scalar reference of K1, lane by lane (`f32::mul_add`: correctly rounded).
pub fn k1_ref(d: &K1In, out: &mut [L32]) {
    let n = d.n;
    for l in 0..W {
        for j in 0..n {
            let mut acc = 0.0f32;
            for k in 0..n {
                acc = d.t[k].0[l].mul_add(d.x[k * n + j].0[l], acc);
            }
            out[j].0[l] = acc;
        }
    }
}

/// Scalar reference of K2, lane by lane, the operations in the order of the vector code.
pub fn k2_ref(d: &K2In, row: &mut [L32], alpha: &mut L32) {
    for l in 0..W {
        let mut a = 0.0f32;
        for k in 0..d.n {
            let pk = d.power[k].0[l];
            let inv = 1.0 / (d.power_i.0[l] + pk);
            let mut v = d.need_s.0[l] * d.shared[k].0[l] * d.inv_kappa[k].0[l];
            v += d.need_p.0[l] * pk * inv;
            v += d.be * d.e[k].0[l];
            v += d.bf * d.f[k].0[l];
            v += d.bt * d.t[k].0[l];
            v += d.bm * d.m[k].0[l];
            v += d.autonomy.0[l];
            if d.h.0[l] == k as f32 {
                v = 0.0;
            }
            row[k].0[l] = v;
            a = f32::max(f32::max(0.0, a), v);
        }
        alpha.0[l] = a;
    }
}

/// Splits `0..n` into the column blocks of entente's `product_columns` (R = 1): at most
/// `acc` (clamped to 1..=MAX_BLOCK) accumulators per block, widths as even as possible.
#[inline(always)]
pub fn blocks(n: usize, acc: usize) -> impl Iterator<Item = (usize, usize)> {
    let nb = n.div_ceil(acc.clamp(1, MAX_BLOCK));
    let mut j0 = 0;
    (0..nb).map(move |b| {
        let width = (n - j0) / (nb - b);
        let r = (j0, width);
        j0 += width;
        r
    })
}

/// `match width { 1 => f::<1>(..), …, 24 => f::<24>(..) }` for a const-generic block function.
#[macro_export]
macro_rules! by_width {
    ($width:expr, $f:ident :: <$($g:ty,)* @>($($arg:expr),*)) => {
        by_width!(@ $width, $f, [$($g,)*], ($($arg),*), 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24)
    };
    (@ $width:expr, $f:ident, $gs:tt, $args:tt, $($w:literal)*) => {
        match $width {
            $($w => by_width!(@call $f, $gs, $w, $args),)*
            _ => unreachable!(),
        }
    };
    (@call $f:ident, [$($g:ty,)*], $w:literal, ($($arg:expr),*)) => {
        $f::<$($g,)* $w>($($arg),*)
    };
}
