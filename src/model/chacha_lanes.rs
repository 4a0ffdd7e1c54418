//! Eight ChaCha8 streams computed side by side, one per lane.
//!
//! Run `r` of a study draws from `run_rng(seed, r)` ([`super::random::run_rng`]): ChaCha8
//! keyed by `seed_from_u64(seed)`, stream number `r`. The engine simulates sixteen runs at
//! once (two groups of eight streams) and, at every step, draws the same number of 64-bit
//! outputs in every lane, so the eight streams of a group are always at the same position: their block counters are equal and only
//! their stream numbers differ. [`ChaChaLanes`] relies on that lockstep: it computes the
//! ChaCha blocks of the eight streams together, each arithmetic operation acting on one word
//! of many blocks at once, and hands out one [`U64Lanes`] per draw. Lane `l` is, bit for
//! bit, the `next_u64` sequence of `run_rng(seed, streams[l])`.
//!
//! # The ChaCha state, as rand_chacha lays it out
//!
//! A block is computed from sixteen 32-bit words:
//!
//! ```text
//! words  0..4    "expand 32-byte k" (0x61707865 0x3320646e 0x79622d32 0x6b206574)
//! words  4..12   the key: the 32 bytes of `get_seed()`, read as little-endian u32
//! words 12, 13   the block counter, a u64: low half in word 12, high half in word 13
//! words 14, 15   the stream number, a u64: low half in word 14, high half in word 15
//! ```
//!
//! The block function is 8 rounds (4 double rounds: a column round, then a diagonal round)
//! of the RFC 8439 quarter round, then the input words are added back. The counter starts
//! at 0 and advances as one 64-bit number (a carry out of word 12 goes into word 13; after
//! 2⁶⁴ − 1 it wraps to 0 without touching the stream). The 32-bit output is the words of
//! block 0, then of block 1, and so on; `next_u64` joins two consecutive words, the first
//! as the low half (`lo | hi << 32`). Since only `u64`s are drawn, a draw never straddles
//! two blocks: draw `k` is words `2(k mod 8)` (low) and `2(k mod 8) + 1` (high) of block
//! `k / 8`.
//!
//! # Layout and vectorization
//!
//! A refill computes [`BLOCKS`] consecutive blocks of each of the eight streams, 16 blocks
//! in all; block `j` (`0 ≤ j < 16`) belongs to stream `j mod 8` at counter
//! `counter + j / 8`. The block function is written as a loop over `j` whose body is the
//! plain scalar ChaCha8 block. Inlined into a function compiled with `avx512f`, LLVM's loop
//! vectorizer turns that loop into straight-line code in which each of the sixteen state
//! words is one 512-bit register holding that word of all 16 blocks, and a quarter round
//! is twelve instructions (`vpaddd`, `vpxord`, `vprold`); in `avx2` and plain (SSE2) builds
//! the same loop becomes 256-bit and 128-bit code. Three details keep it that way:
//!
//! - the rounds are written out, not looped, because only innermost loops are vectorized;
//! - the loop handles `u32` only: LLVM sizes the vectors by the widest type in the loop, so
//!   forming the `u64` draws there would halve the width;
//! - the words are stored as `res[word][j]`, and a second loop over the lanes joins word
//!   pairs into the draws: draw `8h + i` of a refill is, in lane `l`, words `2i` and
//!   `2i + 1` of block `8h + l`.
//!
//! Two blocks per stream (16 blocks, one AVX-512 register per word) was measured against
//! one (8 blocks): 1.7 times faster in the `avx512f` build, the same within 5 % in the
//! `avx2` and plain builds (see `benches/random.rs`).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::simd::W64 as W;

/// Eight `u64` lanes, aligned to a cache line: one output of each of eight streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(C, align(64))]
pub struct U64Lanes(pub [u64; W]);

/// Consecutive blocks of each stream computed per refill.
pub const BLOCKS: usize = 2;

/// Blocks computed per refill, side by side.
const LANES: usize = W * BLOCKS;

/// Draws (`U64Lanes`) produced per refill: a block holds eight `u64`s.
pub const BATCH: usize = 8 * BLOCKS;

/// The constant words 0..4: "expand 32-byte k" as little-endian `u32`.
const SIGMA: [u32; 4] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574];

/// The quarter round of RFC 8439 (§2.1) on words `a`, `b`, `c`, `d` of `x`.
#[inline(always)]
fn quarter(x: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
    x[a] = x[a].wrapping_add(x[b]);
    x[d] = (x[d] ^ x[a]).rotate_left(16);
    x[c] = x[c].wrapping_add(x[d]);
    x[b] = (x[b] ^ x[c]).rotate_left(12);
    x[a] = x[a].wrapping_add(x[b]);
    x[d] = (x[d] ^ x[a]).rotate_left(8);
    x[c] = x[c].wrapping_add(x[d]);
    x[b] = (x[b] ^ x[c]).rotate_left(7);
}

/// A column round then a diagonal round.
#[inline(always)]
fn double_round(x: &mut [u32; 16]) {
    quarter(x, 0, 4, 8, 12);
    quarter(x, 1, 5, 9, 13);
    quarter(x, 2, 6, 10, 14);
    quarter(x, 3, 7, 11, 15);
    quarter(x, 0, 5, 10, 15);
    quarter(x, 1, 6, 11, 12);
    quarter(x, 2, 7, 8, 13);
    quarter(x, 3, 4, 9, 14);
}

/// What determines the blocks: key, streams, and the position of the next refill.
#[derive(Clone, Debug)]
struct Core {
    /// The key, words 4..12 (the same for every stream).
    key: [u32; 8],
    /// Word 14 (low half of the stream number) of block `j`.
    stream_lo: [u32; LANES],
    /// Word 15 (high half of the stream number) of block `j`.
    stream_hi: [u32; LANES],
    /// Counter of the next refill's first block of each stream.
    block: u64,
}

impl Core {
    /// Computes the next `BLOCKS` blocks of every stream into `out` (draws in order) and
    /// advances the counter.
    // `j` indexes several arrays and gives the counter: a counted loop is the clearest form,
    // and the one the vectorizer is known to handle here.
    #[allow(clippy::needless_range_loop)]
    #[inline(always)]
    fn refill(&mut self, out: &mut [U64Lanes; BATCH]) {
        // res[w][j]: word w of block j.
        let mut res = [[0u32; LANES]; 16];
        let k = self.key;
        for j in 0..LANES {
            let c = self.block.wrapping_add((j / W) as u64);
            let input = [
                SIGMA[0],
                SIGMA[1],
                SIGMA[2],
                SIGMA[3],
                k[0],
                k[1],
                k[2],
                k[3],
                k[4],
                k[5],
                k[6],
                k[7],
                c as u32,
                (c >> 32) as u32,
                self.stream_lo[j],
                self.stream_hi[j],
            ];
            let mut x = input;
            // Written out, not looped: the loop over `j` must be innermost to vectorize.
            double_round(&mut x);
            double_round(&mut x);
            double_round(&mut x);
            double_round(&mut x);
            for w in 0..16 {
                res[w][j] = x[w].wrapping_add(input[w]);
            }
        }
        // Lanes innermost but one: the loop over `l` is the one vectorized (contiguous
        // loads and stores); the loop over `i` is unrolled.
        for h in 0..BLOCKS {
            for l in 0..W {
                for i in 0..8 {
                    let (lo, hi) = (res[2 * i][W * h + l], res[2 * i + 1][W * h + l]);
                    out[8 * h + i].0[l] = u64::from(lo) | (u64::from(hi) << 32);
                }
            }
        }
        self.block = self.block.wrapping_add(BLOCKS as u64);
    }
}

/// Eight ChaCha8 streams in lockstep: lane `l` is the stream of
/// `run_rng(seed, streams[l])`, and all lanes advance together.
///
/// The methods are `#[inline(always)]`: they become vector code of the width of the
/// function they are inlined into (see the module documentation).
#[derive(Clone, Debug)]
pub struct ChaChaLanes {
    core: Core,
    /// Draws of the last refill.
    buf: [U64Lanes; BATCH],
    /// Index of the next unread draw in `buf` (`BATCH`: none left).
    pos: usize,
}

impl ChaChaLanes {
    /// The eight streams `run_rng(seed, streams[l])`, at their start.
    pub fn new(seed: u64, streams: [u64; W]) -> Self {
        let seed_bytes = ChaCha8Rng::seed_from_u64(seed).get_seed();
        let mut key = [0u32; 8];
        for (k, b) in key.iter_mut().zip(seed_bytes.chunks_exact(4)) {
            *k = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        }
        let mut stream_lo = [0u32; LANES];
        let mut stream_hi = [0u32; LANES];
        for j in 0..LANES {
            let s = streams[j % W];
            stream_lo[j] = s as u32;
            stream_hi[j] = (s >> 32) as u32;
        }
        Self {
            core: Core {
                key,
                stream_lo,
                stream_hi,
                block: 0,
            },
            buf: [U64Lanes::default(); BATCH],
            pos: BATCH,
        }
    }

    /// The same streams positioned at the start of block `block` (tests of the counter).
    #[cfg(test)]
    fn at_block(seed: u64, streams: [u64; W], block: u64) -> Self {
        let mut g = Self::new(seed, streams);
        g.core.block = block;
        g
    }

    /// The next 64-bit output of every lane: lane `l` is what the `l`-th `run_rng` would
    /// return from `next_u64()` at the same position.
    #[inline(always)]
    pub fn next_u64s(&mut self) -> U64Lanes {
        if self.pos >= BATCH {
            self.core.refill(&mut self.buf);
            self.pos = 0;
        }
        let v = self.buf[self.pos];
        self.pos += 1;
        v
    }

    /// The next `out.len()` outputs of every lane, in order: the same as calling
    /// [`Self::next_u64s`] `out.len()` times.
    #[inline(always)]
    pub fn fill(&mut self, out: &mut [U64Lanes]) {
        // What is left of the last refill first.
        let left = (BATCH - self.pos).min(out.len());
        let (head, rest) = out.split_at_mut(left);
        head.copy_from_slice(&self.buf[self.pos..self.pos + left]);
        self.pos += left;
        // Whole refills straight into `out`.
        let (whole, tail) = rest.as_chunks_mut::<BATCH>();
        for chunk in whole {
            self.core.refill(chunk);
        }
        // The rest from one more refill, keeping what is not used for later.
        if !tail.is_empty() {
            self.core.refill(&mut self.buf);
            tail.copy_from_slice(&self.buf[..tail.len()]);
            self.pos = tail.len();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::random::run_rng;
    use crate::simd::{Kernel, Simd32, Simd64, VectorUnits, dispatch};
    use proptest::prelude::*;
    use rand::Rng;

    /// Stream sets to try: ordinary, equal, extreme, and high halves non-zero.
    fn stream_sets() -> Vec<[u64; W]> {
        vec![
            [0, 1, 2, 3, 4, 5, 6, 7],
            [7, 7, 7, 7, 7, 7, 7, 7],
            [
                u64::MAX,
                0,
                u64::MAX - 1,
                1 << 32,
                (1 << 32) - 1,
                3,
                u64::MAX,
                42,
            ],
            [
                0x0123_4567_89ab_cdef,
                0xfedc_ba98_7654_3210,
                1_000_000,
                1_000_001,
                5,
                5,
                u64::MAX >> 1,
                1 << 63,
            ],
        ]
    }

    /// The eight reference generators.
    fn refs(seed: u64, streams: [u64; W]) -> Vec<ChaCha8Rng> {
        streams.iter().map(|&s| run_rng(seed, s)).collect()
    }

    /// The first draw (index) and lane where `got` differs from the reference generators,
    /// which are advanced by `got.len()` draws.
    fn first_mismatch(got: &[U64Lanes], refs: &mut [ChaCha8Rng]) -> Option<(usize, usize)> {
        let mut first = None;
        for (k, v) in got.iter().enumerate() {
            for (l, r) in refs.iter_mut().enumerate() {
                let want = r.next_u64();
                if v.0[l] != want && first.is_none() {
                    first = Some((k, l));
                }
            }
        }
        first
    }

    #[test]
    fn next_u64s_matches_rand_chacha() {
        for seed in [0, 1, 2018, 0xdead_beef_cafe_f00d, u64::MAX] {
            for streams in stream_sets() {
                let mut g = ChaChaLanes::new(seed, streams);
                let got: Vec<U64Lanes> = (0..2000).map(|_| g.next_u64s()).collect();
                let mut r = refs(seed, streams);
                assert_eq!(
                    first_mismatch(&got, &mut r),
                    None,
                    "seed {seed} {streams:?}"
                );
            }
        }
    }

    #[test]
    fn fill_matches_rand_chacha_for_every_length() {
        let streams = stream_sets()[2];
        for n in 0..=3 * BATCH + 1 {
            let mut g = ChaChaLanes::new(99, streams);
            let mut got = vec![U64Lanes::default(); n];
            g.fill(&mut got);
            // And the draws after it continue the same streams.
            got.extend((0..BATCH + 3).map(|_| g.next_u64s()));
            let mut r = refs(99, streams);
            assert_eq!(first_mismatch(&got, &mut r), None, "fill of {n}");
        }
    }

    #[test]
    fn mixed_next_and_fill_match_rand_chacha() {
        let streams = stream_sets()[3];
        let mut g = ChaChaLanes::new(7, streams);
        let mut got = Vec::new();
        // Odd lengths, so fills start and end at every position of a refill.
        for (i, n) in [1usize, 3, 17, 31, 0, 5, 64, 7, 33, 2, 15, 49, 9, 100, 1, 13]
            .iter()
            .cycle()
            .take(90)
            .enumerate()
        {
            if i % 3 == 1 {
                for _ in 0..*n {
                    got.push(g.next_u64s());
                }
            } else {
                let mut part = vec![U64Lanes::default(); *n];
                g.fill(&mut part);
                got.extend(part);
            }
        }
        assert!(got.len() > 1800);
        let mut r = refs(7, streams);
        assert_eq!(first_mismatch(&got, &mut r), None);
    }

    /// Draws into `out` by a mix of `fill` and `next_u64s`, inlined into the caller so that
    /// it is compiled with the caller's target features.
    #[inline(always)]
    fn draw_mixed(g: &mut ChaChaLanes, out: &mut [U64Lanes]) {
        let mut rest = out;
        for n in [5usize, 1, 40, 3, 16, 77, 2, 31].iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (part, tail) = rest.split_at_mut((*n).min(rest.len()));
            if n % 2 == 0 {
                part.iter_mut().for_each(|v| *v = g.next_u64s());
            } else {
                g.fill(part);
            }
            rest = tail;
        }
    }

    /// [`draw_mixed`] in a function compiled for `units` (as the engine's step).
    fn draw_mixed_with(units: VectorUnits, g: &mut ChaChaLanes, out: &mut [U64Lanes]) {
        struct Draw<'a>(&'a mut ChaChaLanes, &'a mut [U64Lanes]);
        impl Kernel for Draw<'_> {
            type Output = ();
            #[inline(always)]
            fn run<S: Simd64 + Simd32>(self, _: S) {
                draw_mixed(self.0, self.1);
            }
        }
        dispatch(units, Draw(g, out));
    }

    /// The vector code every build the CPU runs compiles to gives the same draws.
    #[test]
    fn every_vector_build_matches_rand_chacha() {
        let streams = stream_sets()[2];
        for units in VectorUnits::available() {
            let mut g = ChaChaLanes::new(1234, streams);
            let mut got = vec![U64Lanes::default(); 1000];
            draw_mixed_with(units, &mut g, &mut got);
            let mut r = refs(1234, streams);
            assert_eq!(first_mismatch(&got, &mut r), None, "{} build", units.name());
        }
    }

    /// The check above notices a lane that is one 32-bit word or one draw off.
    #[test]
    fn a_lane_off_by_one_word_is_caught() {
        let streams = stream_sets()[0];
        let mut g = ChaChaLanes::new(3, streams);
        let got: Vec<U64Lanes> = (0..41).map(|_| g.next_u64s()).collect();
        let mut r = refs(3, streams);
        assert_eq!(first_mismatch(&got, &mut r), None);

        // Reference lane 5 one word ahead.
        let mut r = refs(3, streams);
        let _ = r[5].next_u32();
        assert_eq!(first_mismatch(&got, &mut r), Some((0, 5)));

        // Reference lane 2 one draw ahead.
        let mut r = refs(3, streams);
        let _ = r[2].next_u64();
        assert_eq!(first_mismatch(&got, &mut r), Some((0, 2)));

        // Our lane 6 one word ahead: each draw takes the high word of its draw and the low
        // word of the next.
        let shifted: Vec<U64Lanes> = got
            .windows(2)
            .map(|w| {
                let mut v = w[0];
                v.0[6] = (w[0].0[6] >> 32) | (w[1].0[6] << 32);
                v
            })
            .collect();
        let mut r = refs(3, streams);
        assert_eq!(first_mismatch(&shifted, &mut r), Some((0, 6)));
    }

    /// Lanes with different streams differ, lanes with equal streams agree.
    #[test]
    fn lanes_follow_their_own_stream() {
        let mut g = ChaChaLanes::new(11, [4, 9, 4, 0, 1, 2, 3, 5]);
        for _ in 0..100 {
            let v = g.next_u64s().0;
            assert_eq!(v[0], v[2]);
            assert_ne!(v[0], v[1]);
            assert_ne!(v[3], v[4]);
        }
    }

    /// The counter is one u64 over words 12 and 13: the carry out of word 12 after block
    /// 2³² − 1, and the wrap after block 2⁶⁴ − 1, as in rand_chacha.
    #[test]
    fn counter_carries_and_wraps_like_rand_chacha() {
        let streams = stream_sets()[2];
        for start in [(1u64 << 32) - 1, (1 << 32) - 2, u64::MAX, u64::MAX - 2] {
            let mut g = ChaChaLanes::at_block(5, streams, start);
            let got: Vec<U64Lanes> = (0..5 * BATCH).map(|_| g.next_u64s()).collect();
            let mut r = refs(5, streams);
            for rr in &mut r {
                rr.set_word_pos(u128::from(start) * 16);
            }
            assert_eq!(first_mismatch(&got, &mut r), None, "block {start}");
        }
    }

    /// First outputs of stream 0 and stream 1 of seed 0, pinned so that a change of the
    /// generator (ours or rand_chacha's) is noticed even if both changed together.
    #[test]
    fn known_answers() {
        let mut g = ChaChaLanes::new(0, [0, 1, 0, 1, 0, 1, 0, 1]);
        let v = g.next_u64s().0;
        let mut r0 = run_rng(0, 0);
        let mut r1 = run_rng(0, 1);
        assert_eq!([v[0], v[1]], [r0.next_u64(), r1.next_u64()]);
        assert_eq!([v[0], v[1]], KNOWN);
    }

    const KNOWN: [u64; 2] = [0xb585_f767_a79a_3b6c, 0xc16a_7b0f_c8d4_8f13];

    proptest! {
        #[test]
        fn any_seed_streams_and_chunks_match(
            seed in any::<u64>(),
            streams in any::<[u64; W]>(),
            chunks in proptest::collection::vec((any::<bool>(), 0usize..70), 1..30),
        ) {
            let mut g = ChaChaLanes::new(seed, streams);
            let mut got = Vec::new();
            for (use_fill, n) in chunks {
                if use_fill {
                    let mut part = vec![U64Lanes::default(); n];
                    g.fill(&mut part);
                    got.extend(part);
                } else {
                    got.extend((0..n).map(|_| g.next_u64s()));
                }
            }
            let mut r = refs(seed, streams);
            prop_assert_eq!(first_mismatch(&got, &mut r), None);
        }
    }
}
