//! The vector substrate: lanes of numbers, the few operations the lane step needs on them,
//! and three builds of those operations chosen at run time ([`VectorUnits`]): AVX-512 (one
//! 512-bit register per vector), AVX2 (two 256-bit registers) and portable Rust (plain
//! arrays). Two precisions: [`Simd32`] on sixteen `f32` lanes ([`Lanes32`]: the state and
//! the step) and [`Simd64`] on eight `f64` lanes ([`Lanes64`]: what stays in double
//! precision, the random numbers, the power update and the recorder's sums). Every `unsafe`
//! of the SIMD path (intrinsics, calls into functions compiled for an instruction set) is in
//! this module.
//!
//! **Bit for bit.** Every operation is an IEEE operation applied lane by lane (add, subtract,
//! multiply, divide, fused multiply-add, compare, select), so all three builds give the bits
//! the scalar code gives. Fused multiply-add rounds once where a multiplication and an
//! addition round twice, so it is used only where the scalar reference fuses too
//! (explicitly, through [`fused`] or [`fused32`]); since IEEE 754 defines it as correctly
//! rounded, the instruction and the software routine agree to the bit. `min` and `max` are
//! only applied to numbers (never NaN) and agree with `f64::min`/`f64::max` on them up to the
//! sign of a zero result, which no output can see (a signed zero only ever meets
//! multiplications and additions of non-zero numbers). Compares are ordered and quiet: false
//! wherever a lane holds NaN, and no exception is signalled. [`Simd32::narrow`] rounds
//! doubles to singles under the MXCSR rounding mode, which Rust code never changes from its
//! default, round to nearest even (what `as f32` does); the other way, [`Simd64::load_f32`],
//! is exact.
//!
//! **Written once.** The operations both precisions have are written once per backend, by a
//! macro of the backend's file parameterised by the element, lane and register types and the
//! intrinsics' names (`_pd` or `_ps`); the few that one precision alone has follow them.
//!
//! **Tokens.** A backend is a zero-sized token ([`Portable`], `Avx2`, `Avx512`); the SIMD
//! ones can only be obtained from `detect`, after the CPU has been checked, which is what
//! makes their safe methods sound.
//!
//! **Inlined whole.** Every method is `#[inline(always)]`: the intrinsics only become single
//! instructions inside a function compiled with the backend's features. [`dispatch`] runs a
//! [`Kernel`] inside such a function, the kernel and everything it calls with vector values
//! inlined into it. So vector values never pass through closures, which the compiler may
//! leave out of line, compiled without the features, each operation in them then a call
//! (ARCHITECTURE.md): loops or macros instead.

/// Trait methods that apply one intrinsic `$f` (with its constant `$c`, if any) to their
/// vector operands, through the backend's macro `$on` (on one register, or on each of two):
/// `name(a, b) -> V: f` returns a vector, `-> M` a mask.
#[cfg(target_arch = "x86_64")]
macro_rules! intrinsic_ops {
    ($on:ident; $($name:ident($($x:ident),+) -> $out:ident: $f:ident $(::<$c:ident>)?),+ $(,)?) => {
        $(
            #[inline(always)]
            fn $name(self, $($x: Self::V),+) -> Self::$out {
                $on!($f $(::<$c>)? ($($x),+))
            }
        )+
    };
}

/// An x86-64 backend's token `$name` (`$doc`): its `detect` (the CPU has every feature of
/// `$detect`), its `Backend` constants, and its `dispatch`, which runs a kernel inside the
/// function `$run`, compiled with the instruction sets `$features` (and the kernel inlined
/// whole into it).
#[cfg(target_arch = "x86_64")]
macro_rules! x86_token {
    (
        $(#[$doc:meta])* $name:ident: $run:ident, $features:literal, [$($detect:tt),+],
        accumulators: $acc:literal, many_registers: $many:literal
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name(());

        impl $name {
            /// The token, if this CPU has the instruction sets.
            pub fn detect() -> Option<Self> {
                ($(is_x86_feature_detected!($detect))&&+).then_some(Self(()))
            }

            /// `k` run inside the function compiled for the instruction sets.
            pub(super) fn dispatch<K: Kernel>(self, k: K) -> K::Output {
                // SAFETY: the token exists, so the CPU has the features.
                unsafe { $run(self, k) }
            }
        }

        impl Backend for $name {
            const ACCUMULATORS: usize = $acc;
            const MANY_REGISTERS: bool = $many;
        }

        /// The kernel `k` on this backend, compiled with its instruction sets.
        #[target_feature(enable = $features)]
        fn $run<K: Kernel>(s: $name, k: K) -> K::Output {
            k.run(s)
        }
    };
}

mod portable;
pub use portable::Portable;

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(target_arch = "x86_64")]
pub use {avx2::Avx2, avx512::Avx512};

/// `a · b + c` rounded once: IEEE 754 fused multiply-add. The FMA instruction where the
/// build has it, else the correctly rounded software routine of the `libm` crate (the same
/// bits either way, and never the platform's `fma`, whose quality we cannot vouch for).
#[inline(always)]
pub fn fused(a: f64, b: f64, c: f64) -> f64 {
    #[cfg(any(target_feature = "fma", target_arch = "aarch64"))]
    {
        a.mul_add(b, c)
    }
    #[cfg(not(any(target_feature = "fma", target_arch = "aarch64")))]
    {
        libm::fma(a, b, c)
    }
}

/// [`fused`] for `f32`.
#[inline(always)]
pub fn fused32(a: f32, b: f32, c: f32) -> f32 {
    #[cfg(any(target_feature = "fma", target_arch = "aarch64"))]
    {
        a.mul_add(b, c)
    }
    #[cfg(not(any(target_feature = "fma", target_arch = "aarch64")))]
    {
        fmaf_soft(a, b, c)
    }
}

/// Whether `r` lies exactly halfway between two `f32` (its 29 bits below `f32` precision are
/// `1000…0`): there [`fmaf_soft`] leaves the rounding to `libm::fmaf`.
#[inline(always)]
pub fn fmaf_halfway(r: f64) -> bool {
    const EXCESS: u64 = (1 << 29) - 1;
    const HALFWAY: u64 = 1 << 28;
    r.to_bits() & EXCESS == HALFWAY
}

/// `libm::fmaf`, bit for bit, with its common case inlined (the browser's build has no fused
/// instruction, and a call per lane cost it a fifth of its time). The product of two `f32` is
/// exact in `f64`, so `r = a·b + c` in `f64` is rounded once; rounding `r` to `f32` rounds
/// twice, which can differ from one rounding only when `r` lies exactly halfway between two
/// `f32`. `libm::fmaf` returns `r as f32` whenever the 29 bits below `f32` precision are not
/// that halfway pattern; only then is it called here.
#[inline(always)]
pub fn fmaf_soft(a: f32, b: f32, c: f32) -> f32 {
    let r = f64::from(a) * f64::from(b) + f64::from(c);
    if !fmaf_halfway(r) {
        r as f32
    } else {
        libm::fmaf(a, b, c)
    }
}

/// Lanes of a double-precision vector.
pub const W64: usize = 8;

/// Lanes of a single-precision vector: runs simulated together.
pub const W32: usize = 16;

/// Eight `f64` lanes in memory, aligned to a cache line.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[repr(C, align(64))]
pub struct Lanes64(pub [f64; W64]);

/// Sixteen `f32` lanes in memory, aligned to a cache line.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[repr(C, align(64))]
pub struct Lanes32(pub [f32; W32]);

impl Lanes64 {
    /// The same value in every lane.
    pub const fn splat(x: f64) -> Self {
        Self([x; W64])
    }
}

impl Lanes32 {
    /// The same value in every lane.
    pub const fn splat(x: f32) -> Self {
        Self([x; W32])
    }
}

/// `2^52 + 1023`: added to an integer `k` with `|k| < 2^51`, gives a number whose low
/// mantissa bits are `k + 1023`, the biased exponent of `2^k` ([`Simd64::pow2i`]).
const POW2I_MAGIC: f64 = 4_503_599_627_371_519.0;

/// [`Simd64::pow2i`] for one lane: every backend computes exactly this.
#[inline(always)]
pub fn pow2i_bits(k: f64) -> f64 {
    f64::from_bits((k + POW2I_MAGIC).to_bits() << 52)
}

/// The bits of `1.0`: or-ed with 52 random bits, a number in `[1, 2)`.
const ONE_BITS: u64 = 0x3ff0_0000_0000_0000;

/// Entries of the table of [`Simd64::ziggurat_common`]: the bounds of 256 layers.
pub const ZIGGURAT_TABLE: usize = 257;

/// Slots of eight bytes that `Avx2::count_bytes` counts at once.
pub const COUNT_SLOTS: usize = 32;

/// What a backend tells the loops that use it, in either precision.
pub trait Backend: Copy {
    /// How many vectors a loop can keep as running sums in registers (with room for its
    /// operands): 24 of AVX-512's 32 registers, 6 of AVX2's 16 (two registers each).
    const ACCUMULATORS: usize;
    /// Whether the registers are many enough (AVX-512's 32) for loops to keep a second set
    /// of running values: two rows of a matrix product, two chains of maxima. With AVX2's 16
    /// (two per vector) they would spill to memory.
    const MANY_REGISTERS: bool;
}

/// A vector trait: the operations both precisions have (element `$t`, lanes `$lanes` of
/// `$w`), then `$extra`, those of one precision.
macro_rules! vector_trait {
    (
        $(#[$attr:meta])*
        pub trait $name:ident: $t:ty, $lanes:ident, $w:ident;
        $($extra:tt)*
    ) => {
        $(#[$attr])*
        pub trait $name: Backend {
            /// The lanes in registers.
            type V: Copy;
            /// A per-lane truth value.
            type M: Copy;
            /// Load the lanes.
            fn load(self, x: &$lanes) -> Self::V;
            /// Store the lanes.
            fn store(self, x: &mut $lanes, v: Self::V);
            /// The same value in every lane.
            fn splat(self, x: $t) -> Self::V;
            /// `a + b`.
            fn add(self, a: Self::V, b: Self::V) -> Self::V;
            /// `a − b`.
            fn sub(self, a: Self::V, b: Self::V) -> Self::V;
            /// `a · b`.
            fn mul(self, a: Self::V, b: Self::V) -> Self::V;
            /// `a / b`.
            fn div(self, a: Self::V, b: Self::V) -> Self::V;
            /// `a · b + c`, rounded once ([`fused`] or [`fused32`] in every lane).
            fn fma(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
            /// The larger of `a` and `b` (numbers only).
            fn max(self, a: Self::V, b: Self::V) -> Self::V;
            /// The smaller of `a` and `b` (numbers only).
            fn min(self, a: Self::V, b: Self::V) -> Self::V;
            /// `a < b` (false where either is NaN).
            fn lt(self, a: Self::V, b: Self::V) -> Self::M;
            /// `a > b` (false where either is NaN).
            fn gt(self, a: Self::V, b: Self::V) -> Self::M;
            /// `a == b` (false where either is NaN; `+0 == −0`).
            fn eq(self, a: Self::V, b: Self::V) -> Self::M;
            /// `a ≥ b` (false where either is NaN).
            fn ge(self, a: Self::V, b: Self::V) -> Self::M;
            /// `a ≤ b` (false where either is NaN).
            fn le(self, a: Self::V, b: Self::V) -> Self::M;
            /// Bit `l` set where lane `l` of `m` is true, and no other bit.
            fn bits(self, m: Self::M) -> u32;
            /// The lanes as bytes; every lane must hold an integer in `0..=255`.
            fn to_u8s(self, a: Self::V) -> [u8; $w];
            /// `a` where `m`, else `b`, lane by lane.
            fn select(self, m: Self::M, a: Self::V, b: Self::V) -> Self::V;
            /// Whether every lane is zero (`+0` or `−0`).
            fn all_zero(self, a: Self::V) -> bool;

            $($extra)*

            /// `−a`, exactly (`−0 − a`).
            #[inline(always)]
            fn neg(self, a: Self::V) -> Self::V {
                self.sub(self.splat(-0.0), a)
            }

            /// `clamp` of the element type: `lo` where `x < lo`, `hi` where `x > hi`, else `x`.
            #[inline(always)]
            fn clamp(self, x: Self::V, lo: $t, hi: $t) -> Self::V {
                let (lo, hi) = (self.splat(lo), self.splat(hi));
                let x = self.select(self.lt(x, lo), lo, x);
                self.select(self.gt(x, hi), hi, x)
            }
        }
    };
}

vector_trait! {
    /// The double-precision operations of a backend, on [`W64`] lanes.
    pub trait Simd64: f64, Lanes64, W64;

    /// Rounded toward zero to an integer value (`f64::trunc`).
    fn trunc(self, a: Self::V) -> Self::V;
    /// The smallest lane (numbers only).
    fn hmin(self, a: Self::V) -> f64;
    /// The largest lane (numbers only).
    fn hmax(self, a: Self::V) -> f64;
    /// The sum of the lanes, in an unspecified order: use it only where every order gives
    /// the same result (integers below 2^53, say).
    fn hsum(self, a: Self::V) -> f64;
    /// `acc[l] += a[l] + a[l + 4]` for `l < 4`: the lanes folded to four and added to `acc`
    /// (the recorder's running sums of integers below 2^53, where the order does not matter).
    fn add_halves(self, acc: &mut [f64; 4], a: Self::V);
    /// `|a|` (`f64::abs`: the sign bit cleared, NaN included).
    fn abs(self, a: Self::V) -> Self::V;
    /// `2^k` for lanes holding an integer `k` in `−1022..=1023`, made from bits rather than
    /// arithmetic: `k + (2^52 + 1023)` is exact and leaves `k + 1023` in the low mantissa
    /// bits, which a 52-bit left shift moves into the exponent field (see [`pow2i_bits`]).
    /// Any other lane gets a meaningless value (and nothing panics); for a number that is
    /// not NaN it is the bits of [`pow2i_bits`], in every backend.
    fn pow2i(self, k: Self::V) -> Self::V;
    /// Eight single-precision numbers, widened (exactly) to eight lanes: how the recorder
    /// and the power update read the single-precision state, in registers.
    fn load_f32(self, x: &[f32; W64]) -> Self::V;
    /// The common path of the ziggurat's attempts (`model::random::Normals`), one per lane.
    /// For lane `l`'s 64 random bits `b = bits[l]`: the layer `i = b & 0xff`, the uniform
    /// `u` in `[0, 1)` (bits 12–63 of `b` as the fraction of a number in `[1, 2)`, minus 1,
    /// exactly) and the point `v = u·x[i]`. Where `v < x[i + 1]`, lane `l` of `out` is `v`,
    /// negated when bit 8 of `b` is set (its sign bit flipped); elsewhere the attempt missed
    /// its layer's rectangle, `out.0[l]` is meaningless and bit `l` of the result is set.
    fn ziggurat_common(
        self,
        x: &[f64; ZIGGURAT_TABLE],
        bits: &[u64; W64],
        out: &mut Lanes64,
    ) -> u32;
}

vector_trait! {
    /// The single-precision operations of a backend, on [`W32`] lanes.
    pub trait Simd32: f32, Lanes32, W32;

    /// Lanes 0..8 are `lo.0[l] as f32`, lanes 8..16 `hi.0[l - 8] as f32` (IEEE round to
    /// nearest even, exactly Rust's `as f32`: overflow gives an infinity, underflow a
    /// subnormal or a signed zero).
    fn narrow(self, lo: &Lanes64, hi: &Lanes64) -> Self::V;
}

/// Which build of the vector operations runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VectorUnits {
    /// Plain Rust (any CPU).
    Portable,
    /// Two 256-bit AVX2 registers per quantity.
    Avx2,
    /// One 512-bit AVX-512 register per quantity.
    Avx512,
}

impl VectorUnits {
    /// The widest units this CPU has.
    pub fn best() -> Self {
        Self::available().pop().unwrap_or(Self::Portable)
    }

    /// Its lower-case name (`portable`, `avx2`, `avx512`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Portable => "portable",
            Self::Avx2 => "avx2",
            Self::Avx512 => "avx512",
        }
    }

    /// The units named `name` (as [`VectorUnits::name`] writes it), if any.
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Portable, Self::Avx2, Self::Avx512]
            .into_iter()
            .find(|u| u.name() == name)
    }

    /// The names of [`VectorUnits::available`] (the benchmarks' arguments).
    pub fn available_names() -> Vec<&'static str> {
        Self::available().into_iter().map(Self::name).collect()
    }

    /// Every build this CPU can run, narrowest first (tests compare them).
    pub fn available() -> Vec<Self> {
        #[allow(unused_mut)]
        let mut units = vec![Self::Portable];
        #[cfg(target_arch = "x86_64")]
        {
            if Avx2::detect().is_some() {
                units.push(Self::Avx2);
            }
            if Avx512::detect().is_some() {
                units.push(Self::Avx512);
            }
        }
        units
    }
}

/// Code generic over the backend, run by [`dispatch`] on the one chosen. Implementations
/// mark `run` `#[inline(always)]`, so that the kernel, and everything it calls with vector
/// values, is compiled into the function that enables the backend's instruction set.
pub trait Kernel {
    /// What the kernel returns.
    type Output;
    /// Run on the backend `s`.
    fn run<S: Simd64 + Simd32>(self, s: S) -> Self::Output;
}

/// Run `k` on the backend of `units` (the portable one where this CPU lacks them), inside a
/// function compiled for its instruction set: AVX-512F, FMA and POPCNT, or AVX2, FMA and
/// POPCNT.
pub fn dispatch<K: Kernel>(units: VectorUnits, k: K) -> K::Output {
    #[cfg(target_arch = "x86_64")]
    match units {
        VectorUnits::Avx512 => {
            if let Some(s) = Avx512::detect() {
                return s.dispatch(k);
            }
        }
        VectorUnits::Avx2 => {
            if let Some(s) = Avx2::detect() {
                return s.dispatch(k);
            }
        }
        VectorUnits::Portable => {}
    }
    let _ = units;
    run_portable(k)
}

/// The kernel `k` on the portable backend, in a function of its own: inlined into
/// [`dispatch`], the portable kernel's frame would add to the frame of the instruction-set
/// function `dispatch` calls (several megabytes each in unoptimized builds, where every
/// temporary of the inlined step has its own stack slot).
#[inline(never)]
fn run_portable<K: Kernel>(k: K) -> K::Output {
    k.run(Portable)
}

/// Ask the CPU to bring the cache line that holds `x` into its caches: a hint, with no
/// effect on memory (and none at all on CPUs other than x86-64).
#[inline(always)]
pub fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: prefetching has no effect on memory; `x` is a valid reference.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(x).cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Double-precision values that exercise rounding, signs and ordering.
    fn samples64() -> [Lanes64; 4] {
        [
            Lanes64([0.1, -0.3, 1.0 / 3.0, 2.5e-300, -7.0, 0.0, 1e300, 0.6]),
            Lanes64([0.7, -0.3, 3.0, 1e10, 2.0, -1.0, 1e-300, 0.6000000000000001]),
            Lanes64([-1.5, 0.2, 0.9, -0.0, 0.5, 1.5, -2.0, 1.0]),
            Lanes64([1.0; W64]),
        ]
    }

    /// Single-precision values that exercise rounding, signs, ordering, subnormals (1e-40,
    /// 5e-39 and the smallest, 1e-45), the largest magnitudes (3e38, whose products
    /// overflow) and zeros of both signs, with equal lanes across samples so that `eq` is
    /// sometimes true.
    fn samples32() -> [Lanes32; 4] {
        [
            Lanes32([
                0.1,
                -0.3,
                1.0 / 3.0,
                1e-40,
                -7.0,
                0.0,
                3e38,
                0.6,
                -2.5,
                1e-45,
                100.0,
                -3e38,
                0.75,
                5e-39,
                2.0,
                -0.0,
            ]),
            Lanes32([
                0.7,
                -0.3,
                3.0,
                1e10,
                2.0,
                -1.0,
                1e-38,
                0.600_000_1, // the successor of 0.6
                3e38,
                -1e-40,
                100.0,
                0.5,
                -0.0,
                1e-40,
                1.5,
                0.0,
            ]),
            Lanes32([
                -1.5, 0.2, 0.9, -0.0, 0.5, 1.5, -2.0, 1.0, 1e-40, 4.0, -3e38, 1e20, 0.3, -0.25,
                255.0, 7.0,
            ]),
            Lanes32([1.0; W32]),
        ]
    }

    /// `$check`: every operation of the trait `$simd` that both precisions have, on lanes
    /// `$lanes` of `$w` elements `$t`, against the scalar operation, bit for bit (`$fma`:
    /// the correctly rounded reference of `$fused`).
    macro_rules! check_common {
        ($check:ident, $simd:ident, $t:ident, $lanes:ident, $w:ident, $fma:path, $fused:ident) => {
            fn $check<S: $simd>(s: S, xs: &[$lanes]) {
                // Bit for bit, or both NaN: Rust, like IEEE 754, leaves the sign and payload
                // of a NaN produced by arithmetic unspecified, and the scalar reference may be
                // folded at compile time.
                let same = |got: $t, want: $t| {
                    got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan())
                };
                type Op = fn($t, $t) -> $t;
                type Cmp = fn($t, $t) -> bool;
                let mut out = $lanes::default();
                for a in xs {
                    for b in xs {
                        let (va, vb) = (s.load(a), s.load(b));
                        let ops: [(&str, S::V, Op); 7] = [
                            ("add", s.add(va, vb), |x, y| x + y),
                            ("sub", s.sub(va, vb), |x, y| x - y),
                            ("mul", s.mul(va, vb), |x, y| x * y),
                            ("div", s.div(va, vb), |x, y| x / y),
                            ("max", s.max(va, vb), $t::max),
                            ("min", s.min(va, vb), $t::min),
                            ("select lt", s.select(s.lt(va, vb), va, vb), |x, y| {
                                if x < y { x } else { y }
                            }),
                        ];
                        for (name, v, f) in ops {
                            s.store(&mut out, v);
                            for l in 0..$w {
                                let e = f(a.0[l], b.0[l]);
                                // max/min may differ on the sign of a zero (see the module
                                // docs); only `div` can make a NaN here (0 / 0).
                                let ok = same(out.0[l], e)
                                    || (out.0[l] == 0.0 && e == 0.0 && name.starts_with('m'));
                                assert!(ok, "{name} lane {l}: {} vs {e}", out.0[l]);
                            }
                        }
                        // Fused multiply-add: one rounding, as the correctly rounded reference.
                        for (c, vc) in [(b, vb), (a, va)] {
                            s.store(&mut out, s.fma(va, vb, vc));
                            for l in 0..$w {
                                let e = $fma(a.0[l], b.0[l], c.0[l]);
                                assert!(same(out.0[l], e), "fma lane {l}: {} vs {e}", out.0[l]);
                                assert!(same($fused(a.0[l], b.0[l], c.0[l]), e));
                            }
                        }
                        let masks: [(&str, S::M, Cmp); 5] = [
                            ("lt", s.lt(va, vb), |x, y| x < y),
                            ("gt", s.gt(va, vb), |x, y| x > y),
                            ("eq", s.eq(va, vb), |x, y| x == y),
                            ("ge", s.ge(va, vb), |x, y| x >= y),
                            ("le", s.le(va, vb), |x, y| x <= y),
                        ];
                        for (name, m, f) in masks {
                            let bits = s.bits(m);
                            assert!(bits < 1 << $w, "{name}: stray bits {bits:#x}");
                            s.store(&mut out, s.select(m, s.splat(1.0), s.splat(0.0)));
                            for l in 0..$w {
                                let e = f(a.0[l], b.0[l]);
                                assert_eq!(out.0[l] == 1.0, e, "{name} select lane {l}");
                                assert_eq!(bits >> l & 1 == 1, e, "{name} bits lane {l}");
                            }
                        }
                    }
                    let va = s.load(a);
                    s.store(&mut out, s.neg(va));
                    for l in 0..$w {
                        assert_eq!(out.0[l].to_bits(), (-a.0[l]).to_bits(), "neg lane {l}");
                    }
                    s.store(&mut out, s.clamp(va, -1.0, 1.0));
                    for l in 0..$w {
                        let e = a.0[l].clamp(-1.0, 1.0);
                        assert_eq!(out.0[l].to_bits(), e.to_bits(), "clamp lane {l}");
                    }
                    assert!(!s.all_zero(va));
                    let bytes = $lanes(a.0.map(|x| (x.abs() * 10.0).trunc().min(255.0)));
                    let want = bytes.0.map(|x| x as u8);
                    assert_eq!(s.to_u8s(s.load(&bytes)), want);
                }
                // Every byte value, in every lane position.
                for k in 0..256 / $w {
                    let lanes = $lanes(std::array::from_fn(|l| (k * $w + l) as $t));
                    let want: [u8; $w] = std::array::from_fn(|l| (k * $w + l) as u8);
                    assert_eq!(s.to_u8s(s.load(&lanes)), want, "to_u8s {k}");
                }
                let mut zeros = $lanes::splat(0.0);
                zeros.0[1] = -0.0;
                zeros.0[$w - 2] = -0.0;
                assert!(s.all_zero(s.load(&zeros)));
                for l in 0..$w {
                    let mut one = zeros;
                    one.0[l] = $t::from_bits(1); // the smallest subnormal
                    assert!(!s.all_zero(s.load(&one)), "all_zero with lane {l} set");
                }
                // Ordered, quiet compares: false wherever a NaN meets anything.
                let nan = s.splat($t::NAN);
                for v in [nan, s.splat(1.0), s.load(&xs[0])] {
                    for m in [
                        s.lt(nan, v),
                        s.gt(nan, v),
                        s.eq(nan, v),
                        s.ge(nan, v),
                        s.le(v, nan),
                        s.lt(v, nan),
                        s.ge(v, nan),
                    ] {
                        assert_eq!(s.bits(m), 0);
                    }
                }
            }
        };
    }

    check_common!(check64, Simd64, f64, Lanes64, W64, libm::fma, fused);
    check_common!(check32, Simd32, f32, Lanes32, W32, libm::fmaf, fused32);

    /// The double-precision reductions and `trunc` against their scalar definitions.
    fn check_reductions<S: Simd64>(s: S) {
        let mut out = Lanes64::default();
        for a in &samples64() {
            let va = s.load(a);
            let scaled = s.mul(va, s.splat(1e3));
            s.store(&mut out, s.trunc(scaled));
            for l in 0..W64 {
                assert_eq!(out.0[l].to_bits(), (a.0[l] * 1e3).trunc().to_bits());
            }
            let fold = |f: fn(f64, f64) -> f64, init| a.0.iter().copied().fold(init, f);
            assert_eq!(s.hmin(va), fold(f64::min, f64::INFINITY));
            assert_eq!(s.hmax(va), fold(f64::max, f64::NEG_INFINITY));
            let ints = s.trunc(s.mul(va, s.splat(1e6)));
            s.store(&mut out, ints);
            let exact: f64 = out.0.iter().filter(|x| x.abs() < 1e12).sum();
            let small = s.select(s.lt(s.neg(s.splat(1e12)), ints), ints, s.splat(0.0));
            let small = s.select(s.lt(small, s.splat(1e12)), small, s.splat(0.0));
            assert_eq!(s.hsum(small), exact);
            let start = [0.5, -2.0, 1e15, 3.0];
            let mut acc = start;
            s.add_halves(&mut acc, small);
            s.store(&mut out, small);
            let want: [f64; 4] = std::array::from_fn(|l| start[l] + (out.0[l] + out.0[l + 4]));
            assert_eq!(acc.map(f64::to_bits), want.map(f64::to_bits));
        }
    }

    /// `abs`, `pow2i` and `load_f32` against their scalar definitions, bit for bit.
    fn check_exponent_ops<S: Simd64>(s: S) {
        let mut out = Lanes64::default();
        let mut xs: Vec<f64> = samples64().iter().flat_map(|l| l.0).collect();
        xs.extend([
            f64::NAN,
            -f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -0.0,
            0.0,
        ]);
        xs.extend([
            f64::MIN_POSITIVE / 4.0,
            -5e-324,
            f64::MAX,
            -f64::MAX,
            0.5,
            -1e-308,
        ]);
        for a in xs.chunks_exact(W64) {
            let a = Lanes64(std::array::from_fn(|l| a[l]));
            s.store(&mut out, s.abs(s.load(&a)));
            for l in 0..W64 {
                assert_eq!(out.0[l].to_bits(), a.0[l].abs().to_bits(), "abs lane {l}");
            }
        }
        // Every valid exponent, in every lane position, against the exact power of two.
        let ks: Vec<i32> = (-1022..=1023).collect();
        for (i, c) in ks.chunks(W64).enumerate() {
            let k = Lanes64(std::array::from_fn(|l| f64::from(c[(l + i) % c.len()])));
            s.store(&mut out, s.pow2i(s.load(&k)));
            for l in 0..W64 {
                let e = f64::from_bits(((k.0[l] as i64 + 1023) as u64) << 52);
                assert_eq!(
                    out.0[l].to_bits(),
                    e.to_bits(),
                    "pow2i({}) lane {l}",
                    k.0[l]
                );
                assert_eq!(out.0[l].to_bits(), pow2i_bits(k.0[l]).to_bits());
            }
        }
        // Outside the valid range: no panic, and the scalar definition's bits (NaN aside).
        let wild = Lanes64([
            f64::NAN,
            f64::INFINITY,
            -1e300,
            1e300,
            0.5,
            -1023.0,
            1024.0,
            -0.0,
        ]);
        s.store(&mut out, s.pow2i(s.load(&wild)));
        for l in 1..W64 {
            assert_eq!(
                out.0[l].to_bits(),
                pow2i_bits(wild.0[l]).to_bits(),
                "lane {l}"
            );
        }
        assert_eq!(pow2i_bits(-0.0), 1.0);
        // Widening single precision: exact, every lane in place (NaN aside).
        let narrow = [
            0.1,
            -0.3,
            1e-40,
            -0.0,
            f32::MAX,
            f32::INFINITY,
            3.0,
            f32::NAN,
        ];
        s.store(&mut out, s.load_f32(&narrow));
        for (l, (&got, &x)) in out.0.iter().zip(&narrow).enumerate() {
            let want = f64::from(x);
            let same = got.to_bits() == want.to_bits() || (want.is_nan() && got.is_nan());
            assert!(same, "load_f32 lane {l}: {got} vs {want}");
        }
    }

    /// Doubles that the narrowing must round: inexact ones, ties (to even, both ways),
    /// values that overflow to infinity or underflow to a subnormal or to zero, and a few
    /// exact ones.
    fn doubles() -> Vec<f64> {
        let p = |k: i32| 2f64.powi(k);
        vec![
            0.1,
            -0.1,
            1.0 + p(-30),
            1.0 + p(-24),       // halfway between 1 and its successor: to 1 (even)
            1.0 + 3.0 * p(-24), // halfway the other way: up to 1 + 2⁻²² (even)
            -(1.0 + p(-24)),
            1.0 + p(-24) + p(-50), // just above halfway: up
            1.0 / 3.0,
            1e-50, // below the smallest subnormal: +0
            -1e-50,
            1e300, // beyond f32::MAX: +∞
            -1e300,
            f64::from(f32::MAX),
            f64::from(f32::MAX) + p(103), // halfway to 2¹²⁸, ties to even: ∞
            f64::from(f32::MAX) + p(102), // below halfway: MAX
            1e-40,                        // a subnormal single
            p(-149),                      // the smallest subnormal single
            p(-150),                      // half of it: ties to even, +0
            p(-150) * (1.0 + p(-40)),     // just above half: the smallest subnormal
            -1.5 * p(-149),               // halfway between two subnormals: to even
            f64::from(f32::MIN_POSITIVE),
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            255.0,
            -7.0,
            3e38,
            1e39,
            0.6,
            16_777_217.0, // 2²⁴ + 1: halfway, to 2²⁴
        ]
    }

    /// Singles that must survive a round trip through a double: every kind of `f32`.
    fn singles() -> Vec<f32> {
        let mut v: Vec<f32> = samples32().iter().flat_map(|l| l.0).collect();
        v.extend([
            f32::MAX,
            f32::MIN,
            f32::MIN_POSITIVE,
            f32::EPSILON,
            1e-45,
            -1e-45,
            f32::from_bits(0x007f_ffff), // the largest subnormal
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            1.0 + f32::EPSILON,
            16_777_216.0,
            -0.1,
            0.2,
            9.9e37,
            -1.0,
        ]);
        v
    }

    /// `narrow` against `as f32`, every value in every lane of both halves, and on doubles
    /// widened from singles (which it must give back).
    fn check_conversions<S: Simd32>(s: S) {
        let same = |got: f32, want: f32| {
            got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan())
        };
        let ds = doubles();
        let mut out = Lanes32::default();
        for shift in 0..ds.len() {
            let d = |l: usize| ds[(l + shift) % ds.len()];
            let lo = Lanes64(std::array::from_fn(d));
            let hi = Lanes64(std::array::from_fn(|l| d(l + W64)));
            s.store(&mut out, s.narrow(&lo, &hi));
            for l in 0..W32 {
                let e = d(l) as f32;
                let (x, got) = (d(l), out.0[l]);
                assert!(same(got, e), "narrow({x:e}) lane {l}: {got:e} vs {e:e}");
            }
        }
        let fs = singles();
        for shift in 0..fs.len() {
            let f = |l: usize| fs[(l + shift) % fs.len()];
            let x = Lanes32(std::array::from_fn(f));
            let lo = Lanes64(std::array::from_fn(|l| f64::from(f(l))));
            let hi = Lanes64(std::array::from_fn(|l| f64::from(f(l + W64))));
            // Every single survives the round trip through a double.
            s.store(&mut out, s.narrow(&lo, &hi));
            for l in 0..W32 {
                assert!(same(out.0[l], x.0[l]), "round trip lane {l}");
            }
        }
    }

    /// `ziggurat_common` against the portable backend's (whose scalar code
    /// `model::random`'s tests check against the scalar ziggurat), on random bits with a
    /// table that makes half of the attempts miss (each bound half the one before).
    fn check_ziggurat<S: Simd64>(s: S) {
        let x: [f64; ZIGGURAT_TABLE] = std::array::from_fn(|i| 2f64.powi(-(i as i32)));
        let mut state = 2018u64;
        let (mut hits, mut misses) = (0, 0);
        for _ in 0..500 {
            let bits: [u64; W64] = std::array::from_fn(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                state
            });
            let (mut got, mut want) = (Lanes64::default(), Lanes64::default());
            let miss = s.ziggurat_common(&x, &bits, &mut got);
            assert_eq!(miss, Portable.ziggurat_common(&x, &bits, &mut want));
            for l in (0..W64).filter(|l| miss >> l & 1 == 0) {
                assert_eq!(got.0[l].to_bits(), want.0[l].to_bits(), "lane {l}");
            }
            misses += miss.count_ones();
            hits += W64 as u32 - miss.count_ones();
        }
        assert!(hits > 1000 && misses > 1000, "{hits} hits, {misses} misses");
    }

    /// Every check, on the backend it is dispatched to.
    struct Checks;

    impl Kernel for Checks {
        type Output = ();
        #[inline(always)]
        fn run<S: Simd64 + Simd32>(self, s: S) {
            check64(s, &samples64());
            check32(s, &samples32());
            check_reductions(s);
            check_exponent_ops(s);
            check_conversions(s);
            check_ziggurat(s);
        }
    }

    /// [`Checks`] on `units`, if this CPU has them.
    fn check_units(units: VectorUnits) {
        if VectorUnits::available().contains(&units) {
            dispatch(units, Checks);
        } else {
            eprintln!("no {} units on this CPU: skipped", units.name());
        }
    }

    #[test]
    fn portable_operations_are_the_scalar_ones() {
        check_units(VectorUnits::Portable);
    }

    #[test]
    fn avx2_operations_are_the_scalar_ones() {
        check_units(VectorUnits::Avx2);
    }

    #[test]
    fn avx512_operations_are_the_scalar_ones() {
        check_units(VectorUnits::Avx512);
    }

    /// The rounding cases of [`doubles`], worked out by hand, so that the scalar reference
    /// itself is checked.
    #[test]
    fn narrowing_rounds_to_nearest_even() {
        let p = |k: i32| 2f64.powi(k);
        assert_eq!((1.0 + p(-24)) as f32, 1.0);
        assert_eq!((1.0 + 3.0 * p(-24)) as f32, 1.0 + 2f32.powi(-22));
        assert_eq!((1.0 + p(-24) + p(-50)) as f32, 1.0 + f32::EPSILON);
        assert_eq!((f64::from(f32::MAX) + p(103)) as f32, f32::INFINITY);
        assert_eq!((f64::from(f32::MAX) + p(102)) as f32, f32::MAX);
        assert_eq!((p(-150) as f32).to_bits(), 0);
        assert_eq!((p(-150) * (1.0 + p(-40))) as f32, f32::from_bits(1));
        assert_eq!((-1.5 * p(-149)) as f32, -f32::from_bits(2));
        assert_eq!((-1e-50f64 as f32).to_bits(), (-0.0f32).to_bits());
        assert_eq!(16_777_217.0f64 as f32, 16_777_216.0);
    }

    /// `fused` rounds once: `(1 + 2⁻³⁰)(1 − 2⁻³⁰) − 1` is `−2⁻⁶⁰` exactly, where a
    /// multiplication then an addition give 0; `fused32` likewise with `2⁻¹³`.
    #[test]
    fn fused_rounds_once() {
        let e = 2f64.powi(-30);
        let (a, b) = (std::hint::black_box(1.0 + e), std::hint::black_box(1.0 - e));
        assert_eq!(fused(a, b, -1.0), -(e * e));
        assert_eq!(a * b - 1.0, 0.0);
        assert_eq!(libm::fma(a, b, -1.0), -(e * e));
        let e = 2f32.powi(-13);
        let (a, b) = (std::hint::black_box(1.0 + e), std::hint::black_box(1.0 - e));
        assert_eq!(fused32(a, b, -1.0), -(e * e));
        assert_eq!(a * b - 1.0, 0.0);
        assert_eq!(libm::fmaf(a, b, -1.0), -(e * e));
    }

    /// The inlined common case of `fmaf_soft` gives `libm::fmaf`'s bits: on random bit
    /// patterns (every class: normal, subnormal, zero, infinite, NaN), on operands of close
    /// exponents (where sums cancel), and on sums that fall exactly or nearly halfway between
    /// two `f32` (the case handed to `libm`).
    #[test]
    fn fmaf_soft_is_libm_fmaf_bit_for_bit() {
        use rand::{Rng, SeedableRng};
        let same = |a: f32, b: f32, c: f32| {
            let (x, y) = (fmaf_soft(a, b, c), libm::fmaf(a, b, c));
            assert!(
                x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
                "fmaf({a:e}, {b:e}, {c:e}): {x:e} vs libm {y:e}"
            );
        };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for _ in 0..2_000_000 {
            let (a, b, c) = (rng.next_u32(), rng.next_u32(), rng.next_u32());
            same(f32::from_bits(a), f32::from_bits(b), f32::from_bits(c));
            // Close exponents: the values the step multiplies and adds.
            let near =
                |x: u32| f32::from_bits((x & 0x807f_ffff) | (0x7c << 23) | ((x >> 4) & (3 << 23)));
            same(near(a), near(b), near(c));
            same(near(a), near(b), -(near(a) * near(b)));
        }
        let h = 2f32.powi(-12);
        for (a, b, c) in [
            (h, h, 1.0),                        // exactly halfway: 1 + 2⁻²⁴
            (h, h * (1.0 + f32::EPSILON), 1.0), // just above halfway
            (-h, h, 1.0),
            (h, h, -1.0),
            (3.0, 2f32.powi(-26), 1.0),
            (f32::MIN_POSITIVE, 0.5, f32::from_bits(1)),
            (1e-30, 1e-30, 1e-45),
            (f32::MAX, 2.0, -f32::MAX),
            (0.0, -0.0, 0.0),
        ] {
            same(a, b, c);
        }
        // a·b = 64 − 2⁻⁴⁰: the sum rounds in f64 to the halfway point c + 64, which a second
        // rounding takes to the even neighbour c + 128, while the exact sum rounds to c.
        let (a, b, c) = (
            8.0 + 2f32.powi(-20),
            8.0 - 2f32.powi(-20),
            2f32.powi(30) + 128.0,
        );
        assert_eq!(
            (f64::from(a) * f64::from(b) + f64::from(c)) as f32,
            c + 128.0
        );
        assert_eq!(fmaf_soft(a, b, c), c);
    }
}
