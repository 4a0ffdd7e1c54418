//! The portable backend: plain Rust arrays, any CPU.

use super::{
    Backend, Lanes32, Lanes64, ONE_BITS, Simd32, Simd64, W32, W64, ZIGGURAT_TABLE, fused, fused32,
    pow2i_bits,
};

/// Plain Rust arrays: any CPU.
#[derive(Debug, Clone, Copy)]
pub struct Portable;

impl Backend for Portable {
    const ACCUMULATORS: usize = 8;
    const MANY_REGISTERS: bool = false;
}

/// An array whose lane `l` is `e`: a plain loop, which the compiler unrolls and inlines
/// (`std::array::from_fn`, whose closure WebAssembly builds left out of line, cost the browser
/// build an eighth of its time).
macro_rules! each_lane {
    ($w:expr, |$l:ident| $e:expr) => {{
        let mut out = [Default::default(); $w];
        for $l in 0..$w {
            out[$l] = $e;
        }
        out
    }};
}

/// [`fused`] lane by lane.
#[inline(always)]
fn fma64(a: [f64; W64], b: [f64; W64], c: [f64; W64]) -> [f64; W64] {
    each_lane!(W64, |l| fused(a[l], b[l], c[l]))
}

/// [`fused32`] lane by lane. Without a fused instruction, the common case of
/// [`super::fmaf_soft`] for all lanes at once (a loop the compiler can vectorise), and
/// `fused32` lane by lane only when a lane's sum lies halfway between two `f32`.
#[inline(always)]
fn fma32(a: [f32; W32], b: [f32; W32], c: [f32; W32]) -> [f32; W32] {
    #[cfg(not(any(target_feature = "fma", target_arch = "aarch64")))]
    {
        let r: [f64; W32] =
            each_lane!(W32, |l| f64::from(a[l]) * f64::from(b[l]) + f64::from(c[l]));
        let halfway = r.iter().fold(false, |h, x| h | super::fmaf_halfway(*x));
        if !halfway {
            return each_lane!(W32, |l| r[l] as f32);
        }
    }
    each_lane!(W32, |l| fused32(a[l], b[l], c[l]))
}

/// Trait methods `name(a, b)` that apply `|x, y| e` to the lanes of `a` and `b` pairwise,
/// returning a vector (`-> V`) or a mask (`-> M`).
macro_rules! lanewise_ops {
    ($w:ident; $($name:ident -> $out:ident: |$x:ident, $y:ident| $e:expr),+ $(,)?) => {
        $(
            #[inline(always)]
            fn $name(self, a: Self::V, b: Self::V) -> Self::$out {
                each_lane!($w, |l| {
                    let ($x, $y) = (a[l], b[l]);
                    $e
                })
            }
        )+
    };
}

/// The operations both precisions have, on arrays of `$w` elements `$t` (`$fused`: the
/// fused multiply-add of that type).
macro_rules! portable_ops {
    ($t:ty, $lanes:ident, $w:ident, $fused:ident) => {
        type V = [$t; $w];
        type M = [bool; $w];
        #[inline(always)]
        fn load(self, x: &$lanes) -> Self::V {
            x.0
        }
        #[inline(always)]
        fn store(self, x: &mut $lanes, v: Self::V) {
            x.0 = v;
        }
        #[inline(always)]
        fn splat(self, x: $t) -> Self::V {
            [x; $w]
        }
        #[inline(always)]
        fn fma(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V {
            $fused(a, b, c)
        }
        lanewise_ops! {
            $w;
            add -> V: |x, y| x + y, sub -> V: |x, y| x - y, mul -> V: |x, y| x * y,
            div -> V: |x, y| x / y,
            // As the x86 instructions: `b` where `a` is not larger (equal zeros of either sign).
            max -> V: |x, y| if x > y { x } else { y },
            min -> V: |x, y| if x < y { x } else { y },
            lt -> M: |x, y| x < y, gt -> M: |x, y| x > y, eq -> M: |x, y| x == y,
            ge -> M: |x, y| x >= y, le -> M: |x, y| x <= y,
        }
        #[inline(always)]
        fn bits(self, m: Self::M) -> u32 {
            m.iter().rev().fold(0, |acc, &b| (acc << 1) | u32::from(b))
        }
        #[inline(always)]
        fn to_u8s(self, a: Self::V) -> [u8; $w] {
            each_lane!($w, |l| a[l] as u8)
        }
        #[inline(always)]
        fn select(self, m: Self::M, a: Self::V, b: Self::V) -> Self::V {
            each_lane!($w, |l| if m[l] { a[l] } else { b[l] })
        }
        #[inline(always)]
        fn all_zero(self, a: Self::V) -> bool {
            a.iter().all(|&x| x == 0.0)
        }
    };
}

impl Simd64 for Portable {
    portable_ops!(f64, Lanes64, W64, fma64);

    #[inline(always)]
    fn trunc(self, a: Self::V) -> Self::V {
        each_lane!(W64, |l| a[l].trunc())
    }
    #[inline(always)]
    fn hmin(self, a: Self::V) -> f64 {
        a.into_iter().fold(f64::INFINITY, f64::min)
    }
    #[inline(always)]
    fn hmax(self, a: Self::V) -> f64 {
        a.into_iter().fold(f64::NEG_INFINITY, f64::max)
    }
    #[inline(always)]
    fn hsum(self, a: Self::V) -> f64 {
        a.into_iter().sum()
    }
    #[inline(always)]
    fn add_halves(self, acc: &mut [f64; 4], a: Self::V) {
        for (l, x) in acc.iter_mut().enumerate() {
            *x += a[l] + a[l + 4];
        }
    }
    #[inline(always)]
    fn abs(self, a: Self::V) -> Self::V {
        each_lane!(W64, |l| a[l].abs())
    }
    #[inline(always)]
    fn pow2i(self, k: Self::V) -> Self::V {
        each_lane!(W64, |l| pow2i_bits(k[l]))
    }
    #[inline(always)]
    fn load_f32(self, x: &[f32; W64]) -> Self::V {
        each_lane!(W64, |l| f64::from(x[l]))
    }
    #[inline(always)]
    fn ziggurat_common(
        self,
        x: &[f64; ZIGGURAT_TABLE],
        bits: &[u64; W64],
        out: &mut Lanes64,
    ) -> u32 {
        let mut miss = 0;
        for (l, (o, &b)) in out.0.iter_mut().zip(bits).enumerate() {
            let i = (b & 0xff) as usize;
            let v = (f64::from_bits(b >> 12 | ONE_BITS) - 1.0) * x[i];
            if v < x[i + 1] {
                *o = f64::from_bits(v.to_bits() ^ (b & 0x100) << 55);
            } else {
                miss |= 1 << l;
            }
        }
        miss
    }
}

impl Simd32 for Portable {
    portable_ops!(f32, Lanes32, W32, fma32);

    #[inline(always)]
    fn narrow(self, lo: &Lanes64, hi: &Lanes64) -> Self::V {
        each_lane!(W32, |l| {
            let x = if l < W64 { lo.0[l] } else { hi.0[l - W64] };
            x as f32
        })
    }
}
