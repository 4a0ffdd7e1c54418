//! The engine's recorder: observations of groups of runs simulated in SIMD lanes
//! ([`crate::model::lanes`]), accumulated worker-side and added to [`StudyStats`] in bulk.
//!
//! A study's per-(step, pair) statistics are large: for the flagship, 6,664 observations
//! with a 202-bin histogram each (10.7 MB), far more than a CPU cache holds. Updating them
//! run by run would fetch them from memory again and again. So the recorder keeps, per
//! observation, a small accumulator of one cache line (the fixed-point sums folded to four
//! lanes, the range of the values so far, two counts and a sum for values too large for the
//! fast path) and the histogram bins of the last [`PENDING_SLOTS`] runs (one byte each), and
//! adds them to the statistics every [`PENDING_SLOTS`] runs and when it is dropped: the
//! histogram bins first to 16-bit counts of its own (counted per bin with vector compares,
//! [`BinCounter`]), which it adds to the study's 64-bit histograms every
//! [`RUNS_PER_TRANSFER`] runs and when it is dropped. Everything is integer counts and
//! sums, minima and maxima, so the statistics are exactly those of
//! [`StudyStats::observe`](super::StudyStats::observe) run by run (tested).

use super::study::{PENDING_SLOTS, StudyStats};
use super::{ALIGNMENT_BINS, FIXED_SCALE, FixedSum, alignment_bin};
use crate::model::LaneObserver;
use crate::model::lanes::LaneWorld;
use crate::simd::{
    Kernel, Lanes32, Lanes64 as Lanes, Simd32, Simd64 as Simd, VectorUnits, W64 as W,
};

/// Lanes `8g .. 8g + 8` of a lane world's sixteen, in double precision (exactly): the
/// recorder handles a group of sixteen runs as two groups of eight.
#[inline(always)]
fn half<S: Simd>(s: S, x: &Lanes32, g: usize) -> S::V {
    s.load_f32(&x.0.as_chunks::<W>().0[g])
}

/// Groups of [`W`] runs pending at most.
const PENDING_GROUPS: usize = PENDING_SLOTS / W;

/// Flushes between two transfers of the recorder's 16-bit histogram counts into the study's:
/// each flush adds at most [`PENDING_SLOTS`] to a count, so 255 of them fit 16 bits.
const FLUSHES_PER_TRANSFER: usize = (u16::MAX as usize) / PENDING_SLOTS;

/// Runs between two transfers of the recorder's histogram counts (tests cross one).
pub const RUNS_PER_TRANSFER: usize = FLUSHES_PER_TRANSFER * PENDING_SLOTS;

const H: usize = ALIGNMENT_BINS + 2;

/// The pending byte of a lane without a run (or of a slot without a group): no bin.
const NO_BIN: u8 = u8::MAX;
const _: () = assert!(H <= NO_BIN as usize);

/// What the pending runs showed at one (step, pair) observation: one cache line, so that
/// recording an observation touches one line (and its pending bins) rather than two or three.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(64))]
struct PairAcc {
    /// Σ of `FixedSum::fixed(alignment)` over the fast path's values, lane `l` holding lanes
    /// `l` and `l + 4` ([`Simd::add_halves`]): integers, exact in `f64` (at most 64 values
    /// below [`PAIR_FAST_LIMIT`] = 2^33 in magnitude, so below 2^39), added up at the flush.
    lanes: [f64; 4],
    /// Σ of `FixedSum::fixed(alignment)` of the other values: |each| ≤ 2^32 + 1, so 256 runs
    /// fit an i64.
    sum: i64,
    /// The smallest and largest value of every run recorded so far (not only the pending
    /// ones): the bins between theirs hold the pending runs.
    lo: f64,
    hi: f64,
    /// Runs allied (low 16 bits) and rivals (high 16 bits): at most 256 each.
    classes: u32,
}

const _: () = assert!(std::mem::size_of::<PairAcc>() == 64);

const EMPTY: PairAcc = PairAcc {
    lanes: [0.0; 4],
    sum: 0,
    lo: f64::INFINITY,
    hi: f64::NEG_INFINITY,
    classes: 0,
};

/// [`PairAcc::classes`] counts rivals from this bit.
const RIVAL_SHIFT: u32 = 16;
const _: () = assert!(PENDING_SLOTS < 1 << RIVAL_SHIFT);

/// The observer that feeds groups of lanes into [`StudyStats`] (the engine's recorder).
///
/// Pair statistics are complete only once the recorder is dropped (see the module docs);
/// state statistics are recorded at once. Use [`LaneRecorder::stats`] to record what only
/// the whole run knows ([`StudyStats::finish_run`]).
pub struct LaneRecorder<'a> {
    stats: &'a mut StudyStats,
    acc: Vec<PairAcc>,
    /// `[group * stride + observation]`: histogram bins of the pending groups of runs, one
    /// byte per lane. A group's observations are contiguous, so recording writes memory in
    /// order.
    bins: Vec<[u8; W]>,
    /// Observations and padding per group: an odd number of cache lines, so that the groups'
    /// bins of one observation, which the flush reads together, do not all compete for the
    /// same few sets of the first-level cache.
    stride: usize,
    /// `[observation * H + bin]`: histogram counts since the last transfer into the study's
    /// (64-bit) histograms; a quarter of their size, so the flushes touch less memory.
    counts: Vec<u16>,
    /// Flushes since the last transfer.
    flushes: usize,
    /// Lanes that hold runs, per pending group.
    active: [usize; PENDING_GROUPS],
    /// Pending groups (complete runs).
    groups: usize,
    /// How the flush counts the pending runs per bin.
    counter: BinCounter,
}

impl<'a> LaneRecorder<'a> {
    /// A recorder into `stats`.
    pub fn new(stats: &'a mut StudyStats) -> Self {
        let observations = (stats.steps + 1) * stats.pairs();
        // Eight observations (of eight bytes) per cache line.
        let lines = observations.div_ceil(8);
        let stride = 8 * (lines | 1);
        Self {
            stats,
            acc: vec![EMPTY; observations],
            bins: vec![[0; W]; stride * PENDING_GROUPS],
            stride,
            counts: vec![0; observations * H],
            flushes: 0,
            active: [0; PENDING_GROUPS],
            groups: 0,
            counter: BinCounter::best(),
        }
    }

    /// The statistics (pair statistics not yet complete, everything else up to date).
    pub fn stats(&mut self) -> &mut StudyStats {
        self.stats
    }

    /// Add the pending runs' pair statistics to the study's.
    ///
    /// Only the bins between those of an observation's smallest and largest value so far can
    /// hold its pending runs, so the flush counts, for each of those bins, the pending bytes
    /// equal to it ([`BinCounter`]; the AVX2 counter narrows the range to the pending bytes'
    /// own, about 19 of the 202 bins on average in the flagship), adds the counts to the
    /// recorder's 16-bit counts, and every [`FLUSHES_PER_TRANSFER`] flushes adds those to the
    /// study's histograms.
    fn flush(&mut self) {
        let groups = self.groups;
        if groups == 0 {
            return;
        }
        let runs: usize = self.active[..groups].iter().sum();
        let observations = self.acc.len();
        // The counters read every slot: those of groups not pending hold no bin.
        for g in groups..PENDING_GROUPS {
            self.bins[g * self.stride..][..observations].fill([NO_BIN; W]);
        }
        let st = &mut *self.stats;
        for idx in 0..observations {
            prefetch_bins(&self.counts, &self.acc, idx + PREFETCH_AHEAD);
            let acc = &mut self.acc[idx];
            let (first, last) = (alignment_bin(acc.lo), alignment_bin(acc.hi));
            let hist = &mut self.counts[idx * H..(idx + 1) * H];
            self.counter
                .count(&self.bins, self.stride, idx, &mut hist[first..=last], first);
            st.alignment_sum[idx].merge(&FixedSum {
                sum: i128::from(acc.sum)
                    + acc.lanes.iter().map(|&x| x as i64 as i128).sum::<i128>(),
                count: runs as u64,
            });
            let r = &mut st.alignment_range[idx];
            *r = (r.0.min(acc.lo), r.1.max(acc.hi));
            st.alliance[idx] += u64::from(acc.classes & ((1 << RIVAL_SHIFT) - 1));
            st.rivalry[idx] += u64::from(acc.classes >> RIVAL_SHIFT);
            // The range is kept: once a few runs are in it seldom changes, so the test
            // that guards its update in `observe_lanes` is rarely true and well predicted.
            *acc = PairAcc {
                lo: acc.lo,
                hi: acc.hi,
                ..EMPTY
            };
        }
        self.groups = 0;
        self.flushes += 1;
        if self.flushes == FLUSHES_PER_TRANSFER {
            self.transfer();
        }
    }

    /// Add the histogram counts to the study's histograms, and clear them.
    fn transfer(&mut self) {
        let hist = &mut self.stats.alignment_hist;
        for (h, c) in hist.iter_mut().zip(self.counts.iter_mut()) {
            *h += u64::from(std::mem::take(c));
        }
        self.flushes = 0;
    }

    /// Record the first `active` lanes (of sixteen) of `w` at `step`: what
    /// [`StudyStats::observe`] records for each lane's world. The pairs' observations of both
    /// groups of eight in one pass (each observation's accumulator is read once), then the
    /// states' of each group. `FULL` (`active` = 16, all groups but a study's last one): the
    /// masks of live lanes are constants, so their selections compile away.
    #[inline(always)]
    fn observe_lanes<S: Simd, const FULL: bool>(
        &mut self,
        s: S,
        step: usize,
        w: &LaneWorld,
        active: usize,
    ) {
        let n = w.n;
        let pairs = n * (n - 1) / 2;
        // Runs in each group of eight (the second may hold none: its lanes are not live).
        let halves = if FULL {
            [W, W]
        } else {
            [active.min(W), active.saturating_sub(W).min(W)]
        };
        // The live lanes of each group (a macro, not a closure: see ARCHITECTURE.md, vector
        // values never pass through closures).
        let lane_no = s.load(&Lanes(std::array::from_fn(|l| l as f64)));
        macro_rules! live {
            ($a:expr) => {
                if FULL {
                    s.lt(s.splat(-1.0), s.splat(0.0))
                } else {
                    s.lt(lane_no, s.splat($a as f64))
                }
            };
        }
        let live = [live!(halves[0]), live!(halves[1])];
        let c = PairConsts::new(s, self.stats, live, halves.map(|a| (1u32 << a) - 1));
        // The two groups' pending bins of this step: rows `groups` and `groups + 1`.
        let (first, second) = self.bins[self.groups * self.stride..].split_at_mut(self.stride);
        let (bins0, bins1) = (
            &mut first[step * pairs..(step + 1) * pairs],
            &mut second[step * pairs..(step + 1) * pairs],
        );
        let accs = &mut self.acc[step * pairs..(step + 1) * pairs];
        // Row by row (pairs (i, k > i)), so that the loop over a row has no other bookkeeping.
        let (mut accs, mut bins0, mut bins1) = (accs, bins0, bins1);
        for i in 0..n {
            let row = &w.alignment[i * n + i + 1..(i + 1) * n];
            let len = row.len();
            let (acc_row, acc_rest) = accs.split_at_mut(len);
            let (b0_row, b0_rest) = bins0.split_at_mut(len);
            let (b1_row, b1_rest) = bins1.split_at_mut(len);
            (accs, bins0, bins1) = (acc_rest, b0_rest, b1_rest);
            let outs = b0_row.iter_mut().zip(b1_row);
            for ((a, acc), (b0, b1)) in row.iter().zip(acc_row).zip(outs) {
                record_pair::<S, FULL>(s, &c, a, acc, [b0, b1]);
            }
        }
        for (g, &active) in halves.iter().enumerate() {
            if active > 0 {
                self.observe_states(s, step, w, g, active, live[g]);
            }
        }
    }

    /// The states' observations of group `g` (lanes `8g .. 8g + 8`) of `w`, of which the
    /// first `active` hold runs (`live`).
    #[inline(always)]
    fn observe_states<S: Simd>(
        &mut self,
        s: S,
        step: usize,
        w: &LaneWorld,
        g: usize,
        active: usize,
        live: S::M,
    ) {
        let n = w.n;
        let st = &mut *self.stats;
        // States: Σ_i P_i in index order, as `Iterator::sum` does (from −0).
        let mut total = s.splat(-0.0);
        for pw in &w.power {
            total = s.add(total, half(s, pw, g));
        }
        for i in 0..n {
            let idx = step * n + i;
            let share = s.div(half(s, &w.power[i], g), total);
            st.power_share[idx].add_fixed(fixed_lanes(s, share, live), active);
            let kappa = half(s, &w.kappa[i], g);
            st.kappa[idx].add_fixed(fixed_lanes(s, kappa, live), active);
            // Counts by lane, or at once where every lane agrees (the common case).
            let (strategy, principal) =
                (&w.strategy[i][g * W..][..W], &w.principal[i][g * W..][..W]);
            if active == W && strategy.iter().all(|&x| x == strategy[0]) {
                st.strategy[idx][strategy[0] as usize] += W as u64;
            } else {
                for st_l in &strategy[..active] {
                    st.strategy[idx][*st_l as usize] += 1;
                }
            }
            if active == W && principal.iter().all(|&h| h == principal[0]) {
                st.principal[idx * n + principal[0]] += W as u64;
            } else {
                for &h in &principal[..active] {
                    st.principal[idx * n + h] += 1;
                }
            }
        }
    }
}

impl Drop for LaneRecorder<'_> {
    fn drop(&mut self) {
        self.flush();
        self.transfer();
    }
}

impl LaneObserver for LaneRecorder<'_> {
    fn observe(&mut self, units: VectorUnits, step: usize, w: &LaneWorld, active: usize) {
        crate::simd::dispatch(
            units,
            Observation {
                rec: self,
                step,
                w,
                active,
            },
        );
    }
}

/// [`LaneRecorder`]'s observation of one step as a [`Kernel`], compiled for each
/// instruction set.
struct Observation<'r, 'a, 'w> {
    rec: &'r mut LaneRecorder<'a>,
    step: usize,
    w: &'w LaneWorld,
    active: usize,
}

impl Kernel for Observation<'_, '_, '_> {
    type Output = ();

    #[inline(always)]
    fn run<S: Simd + Simd32>(self, s: S) {
        let Self {
            rec,
            step,
            w,
            active,
        } = self;
        if active == 2 * W {
            rec.observe_lanes::<S, true>(s, step, w, active);
        } else {
            rec.observe_lanes::<S, false>(s, step, w, active);
        }
        if step == rec.stats.steps {
            // The lane world's sixteen runs as two groups of eight (the second may be empty).
            let halves = [active.min(W), active.saturating_sub(W).min(W)];
            // The runs are complete.
            for active in halves.into_iter().filter(|&a| a > 0) {
                rec.active[rec.groups] = active;
                rec.groups += 1;
            }
            // Room for the next two groups of eight, or flush.
            if rec.groups + 2 > PENDING_GROUPS {
                rec.flush();
            }
        }
    }
}

/// The constants of [`record_pair`] in one group of sixteen runs.
struct PairConsts<S: Simd> {
    /// The live lanes of each group of eight, as masks and as bits.
    live: [S::M; 2],
    lanes: [u32; 2],
    alliance: S::V,
    rivalry: S::V,
    zero: S::V,
    one: S::V,
    minus_one: S::V,
    inf: S::V,
    neg_inf: S::V,
    half_bins: S::V,
    last: S::V,
    top: S::V,
    no_bin: S::V,
}

impl<S: Simd> PairConsts<S> {
    #[inline(always)]
    fn new(s: S, st: &StudyStats, live: [S::M; 2], lanes: [u32; 2]) -> Self {
        Self {
            live,
            lanes,
            alliance: s.splat(st.alliance_threshold),
            rivalry: s.splat(st.rivalry_threshold),
            zero: s.splat(0.0),
            one: s.splat(1.0),
            minus_one: s.splat(-1.0),
            inf: s.splat(f64::INFINITY),
            neg_inf: s.splat(f64::NEG_INFINITY),
            half_bins: s.splat(0.5 * ALIGNMENT_BINS as f64),
            last: s.splat((ALIGNMENT_BINS - 1) as f64),
            top: s.splat((ALIGNMENT_BINS + 1) as f64),
            no_bin: s.splat(f64::from(NO_BIN)),
        }
    }
}

/// `alignment_bin` on every lane of `a` (eight runs): 0 at −1, ALIGNMENT_BINS + 1 at +1, else
/// 1 + min(⌊(a + 1)·0.5·ALIGNMENT_BINS⌋, ALIGNMENT_BINS − 1); lanes without a run get a byte
/// that is no bin (see `BinCounter`). ((a + 1)·0.5 is exact, so multiplying by
/// 0.5·ALIGNMENT_BINS at once rounds alike.)
#[inline(always)]
fn bins<S: Simd, const FULL: bool>(s: S, c: &PairConsts<S>, a: S::V, live: S::M) -> [u8; W] {
    let regular = s.trunc(s.mul(s.add(a, c.one), c.half_bins));
    let regular = s.add(s.min(regular, c.last), c.one);
    let bin = s.select(
        s.le(a, c.minus_one),
        c.zero,
        s.select(s.ge(a, c.one), c.top, regular),
    );
    let bin = if FULL {
        bin
    } else {
        s.select(live, bin, c.no_bin)
    };
    // Integers in 0..=ALIGNMENT_BINS + 1 or NO_BIN (< 256), as `to_u8s` requires.
    s.to_u8s(bin)
}

/// One pair's observation in sixteen runs (`a`, two groups of eight): its pending bins, its
/// range, its fixed-point sum and its classes.
#[inline(always)]
fn record_pair<S: Simd, const FULL: bool>(
    s: S,
    c: &PairConsts<S>,
    a: &Lanes32,
    acc: &mut PairAcc,
    [b0, b1]: [&mut [u8; W]; 2],
) {
    let (a0, a1) = (half(s, a, 0), half(s, a, 1));
    let (live, lanes) = (c.live, c.lanes);
    *b0 = bins::<S, FULL>(s, c, a0, live[0]);
    *b1 = bins::<S, FULL>(s, c, a1, live[1]);
    // The range changes rarely once a few groups are in: test before reducing (both ends and
    // both groups at once: a minimum or maximum that does not change is rewritten as it is).
    let (lo, hi) = (s.splat(acc.lo), s.splat(acc.hi));
    let out0 = (s.bits(s.lt(a0, lo)) | s.bits(s.gt(a0, hi))) & lanes[0];
    let out1 = (s.bits(s.lt(a1, lo)) | s.bits(s.gt(a1, hi))) & lanes[1];
    if out0 | out1 != 0 {
        let lo = s.min(s.select(live[0], a0, c.inf), s.select(live[1], a1, c.inf));
        let hi = s.max(
            s.select(live[0], a0, c.neg_inf),
            s.select(live[1], a1, c.neg_inf),
        );
        acc.lo = acc.lo.min(s.hmin(lo));
        acc.hi = acc.hi.max(s.hmax(hi));
    }
    // Σ `FixedSum::fixed(a)`: |each| ≤ 2^32 + 1 for an alignment in [−1, 1], so each of the
    // four lanes' sums (4 values per group of sixteen runs, 64 per 256 runs) stays below
    // 2^39, and 256 runs' sum fits an i64.
    let fast = (
        fixed_vector(s, a0, live[0], PAIR_FAST_LIMIT),
        fixed_vector(s, a1, live[1], PAIR_FAST_LIMIT),
    );
    match fast {
        (Some(t0), Some(t1)) => s.add_halves(&mut acc.lanes, s.add(t0, t1)),
        _ => {
            let sum = fixed_lanes(s, a0, live[0]) + fixed_lanes(s, a1, live[1]);
            acc.sum += sum as i64;
        }
    }
    let allied = [
        s.bits(s.ge(a0, c.alliance)) & lanes[0],
        s.bits(s.ge(a1, c.alliance)) & lanes[1],
    ];
    let rival = [
        s.bits(s.le(a0, c.rivalry)) & !allied[0] & lanes[0],
        s.bits(s.le(a1, c.rivalry)) & !allied[1] & lanes[1],
    ];
    let (allied, rival) = (allied[0] | allied[1] << W, rival[0] | rival[1] << W);
    acc.classes += allied.count_ones() | rival.count_ones() << RIVAL_SHIFT;
}

/// The sum of the eight bytes of `x`, each at most [`PENDING_GROUPS`] (so pairs of them
/// fit a byte, and the whole sum 16 bits).
#[inline(always)]
fn byte_sum(x: u64) -> u16 {
    const _: () = assert!(2 * PENDING_GROUPS < 256);
    // Adjacent bytes summed into 16-bit fields, then the four fields into the top one.
    let pairs = (x & 0x00ff_00ff_00ff_00ff) + (x >> 8 & 0x00ff_00ff_00ff_00ff);
    (pairs.wrapping_mul(0x0001_0001_0001_0001) >> 48) as u16
}

/// How [`LaneRecorder::flush`] counts, for each bin `first + j` of an observation's range,
/// its pending bytes equal to it (one per pending slot and lane: [`PENDING_SLOTS`] in all, a
/// slot without a run holding [`NO_BIN`]), adding the count to `hist[j]`.
enum BinCounter {
    /// Byte by byte: a count per bin and lane first (consecutive runs often fall in the same
    /// bin, and counting them all in one counter would make each increment wait for the
    /// previous one), then the lanes' counts added up. The scratch holds those counts
    /// (at most [`PENDING_GROUPS`] each), all zero between calls; indexed by any byte.
    Scalar(Box<[[u8; W]; 256]>),
    /// With AVX2: the observation's [`PENDING_SLOTS`] bytes in eight registers, compared
    /// with each bin between their smallest and largest at once (32 bytes per instruction;
    /// [`crate::simd::Avx2::count_bytes`]).
    #[cfg(target_arch = "x86_64")]
    Avx2(crate::simd::Avx2),
}

// The AVX2 counter reads the pending slots of one observation at once.
const _: () = assert!(PENDING_GROUPS == crate::simd::COUNT_SLOTS && W == 8);

impl BinCounter {
    /// The fastest counter this CPU runs.
    fn best() -> Self {
        #[cfg(target_arch = "x86_64")]
        if let Some(s) = crate::simd::Avx2::detect() {
            return Self::Avx2(s);
        }
        Self::scalar()
    }

    /// [`BinCounter::Scalar`].
    fn scalar() -> Self {
        Self::Scalar(Box::new([[0; W]; 256]))
    }

    /// Count observation `idx`'s pending bytes (`bins[g * stride + idx]` for every slot `g`)
    /// equal to each bin `first + j`, into `hist[j]`.
    #[inline(always)]
    fn count(
        &mut self,
        bins: &[[u8; W]],
        stride: usize,
        idx: usize,
        hist: &mut [u16],
        first: usize,
    ) {
        match self {
            Self::Scalar(local) => count_scalar(local, bins, stride, idx, hist, first),
            #[cfg(target_arch = "x86_64")]
            Self::Avx2(s) => s.count_bytes(&bins[idx..], stride, hist, first),
        }
    }
}

/// [`BinCounter::Scalar`], with its scratch `local`.
fn count_scalar(
    local: &mut [[u8; W]; 256],
    bins: &[[u8; W]],
    stride: usize,
    idx: usize,
    hist: &mut [u16],
    first: usize,
) {
    for g in 0..PENDING_GROUPS {
        for (l, &b) in bins[g * stride + idx].iter().enumerate() {
            local[usize::from(b)][l] += 1;
        }
    }
    // Every byte is in the range or no bin: those are all the counts to clear.
    for (h, counts) in hist.iter_mut().zip(&mut local[first..]) {
        *h += byte_sum(u64::from_le_bytes(std::mem::take(counts)));
    }
    local[usize::from(NO_BIN)] = [0; W];
}

/// Observations ahead whose histogram bins [`LaneRecorder::flush`] asks the CPU to fetch.
const PREFETCH_AHEAD: usize = 4;

/// Fixed-point values (in magnitude) below which [`fixed_lanes`] sums eight in `f64`: their
/// sum stays below 2^52, exact.
const FIXED_LANES_LIMIT: f64 = 562_949_953_421_312.0; // 2^49

/// Fixed-point values (in magnitude) below which the recorder sums alignments in
/// [`PairAcc::lanes`]: 64 of them stay below 2^39, exact (alignments in [−1, 1] give at most
/// 2^32 + 1).
const PAIR_FAST_LIMIT: f64 = 8_589_934_592.0; // 2^33

/// Ask the CPU to bring into cache the histogram counts that observation `idx`'s pending
/// runs will update (those between the bins of its extremes): the counts are larger than
/// the caches, and the flush would otherwise wait for them one cache line at a time.
#[inline(always)]
fn prefetch_bins(counts: &[u16], acc: &[PairAcc], idx: usize) {
    if let Some(a) = acc.get(idx) {
        let (first, last) = (alignment_bin(a.lo), alignment_bin(a.hi));
        // One bin per cache line (32 counts), and the last.
        let last = last.min(H - 1);
        for b in (first..=last).step_by(32).chain([last]) {
            if let Some(x) = counts.get(idx * H + b) {
                crate::simd::prefetch(x);
            }
        }
    }
}

/// `FixedSum::fixed(x)` of every lane of `v` where `live` holds (0 elsewhere), as integers
/// in `f64` (the scaling and the rounding, half away from zero, on all lanes at once).
#[inline(always)]
fn fixed_parts<S: Simd>(s: S, v: S::V, live: S::M) -> S::V {
    let zero = s.splat(0.0);
    let y = s.mul(v, s.splat(FIXED_SCALE));
    let half = s.select(s.ge(y, zero), s.splat(0.5), s.splat(-0.5));
    // `trunc(y ± 0.5)` is what `(y ± 0.5) as i64` truncates.
    s.select(live, s.trunc(s.add(y, half)), zero)
}

/// [`fixed_parts`] when all lanes are below `limit` in magnitude (so that sums of many stay
/// exact in `f64`); `None` otherwise (large or non-finite values: see [`fixed_lanes`]).
#[inline(always)]
fn fixed_vector<S: Simd>(s: S, v: S::V, live: S::M, limit: f64) -> Option<S::V> {
    let t = fixed_parts(s, v, live);
    let limit = s.splat(limit);
    (s.bits(s.lt(s.max(t, s.neg(t)), limit)) == (1 << W) - 1).then_some(t)
}

/// `Σ FixedSum::fixed(x)` over the lanes of `v` where `live` holds (the runs that count):
/// the scaling and the rounding (half away from zero) on all lanes at once, then the exact
/// integer sum.
#[inline(always)]
pub fn fixed_lanes<S: Simd>(s: S, v: S::V, live: S::M) -> i128 {
    // Integers below 2^49 in magnitude: their sum, in any order, is exact in f64.
    if let Some(t) = fixed_vector(s, v, live, FIXED_LANES_LIMIT) {
        return i128::from(s.hsum(t) as i64);
    }
    // Large or non-finite values: lane by lane, as `FixedSum::fixed`.
    let t = fixed_parts(s, v, live);
    let mut lanes = Lanes::default();
    s.store(&mut lanes, t);
    lanes
        .0
        .iter()
        .map(|&x| {
            if x.is_finite() {
                i128::from(x as i64)
            } else {
                0
            }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every counter adds, for each bin of the range, the number of an observation's pending
    /// bytes equal to it, ignoring slots without a run, and leaves the range's other bins as
    /// they are; the scalar counter's scratch is clear again after each observation (the
    /// observations are counted one after the other).
    #[test]
    fn bin_counters_count_the_bytes_of_each_bin() {
        let stride = 24;
        let mut bins = vec![[0u8; W]; stride * PENDING_GROUPS];
        // Bins 40..=63 and some slots without a run, from a fixed linear congruential sequence.
        let mut x = 12_345u64;
        for b in bins.iter_mut().flatten() {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let r = (x >> 33) % 25;
            *b = if r == 24 { NO_BIN } else { 40 + r as u8 };
        }
        let mut counters = vec![BinCounter::scalar()];
        #[cfg(target_arch = "x86_64")]
        if let Some(s) = crate::simd::Avx2::detect() {
            counters.push(BinCounter::Avx2(s));
        }
        for idx in 0..stride {
            let mut want = vec![0u16; H];
            for g in 0..PENDING_GROUPS {
                for &b in &bins[g * stride + idx] {
                    if b != NO_BIN {
                        want[usize::from(b)] += 1;
                    }
                }
            }
            assert!(
                want[40..=63].iter().sum::<u16>() > 200,
                "most slots hold runs"
            );
            for c in &mut counters {
                // Counts are added to what the histogram holds; the range given may be wider
                // than the bytes' (as the range of every run so far is).
                let mut hist = vec![7u16; H];
                c.count(&bins, stride, idx, &mut hist[30..=70], 30);
                for (b, (&h, &w)) in hist.iter().zip(&want).enumerate() {
                    assert_eq!(h, 7 + w, "observation {idx}, bin {b}");
                }
            }
        }
    }
}
