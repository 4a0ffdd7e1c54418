//! The Monte Carlo engine: runs split into fixed batches, worker threads claiming batches,
//! one random stream per run from `(seed, run_index)` only. A worker simulates sixteen runs
//! at a time, one per SIMD lane ([`crate::model::lanes`]); each lane's result is that of the
//! same run simulated alone, bit for bit.
//!
//! Statistics are exact integer accumulators ([`crate::stats`]), so the result does not
//! depend on the number of threads, on which thread ran which batch, or on how runs are
//! split across processes: it is a function of the scenario, parameters, seed and the set
//! of run indices. The engine knows nothing of files; per-run rows go to an [`OrderedSink`].
//! A study split across processes or cluster tasks runs one [`Shard`] in each ([`shard`]).

use std::collections::BTreeMap;
use std::io::Write;
use std::ops::Range;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

pub mod interrupt;
pub mod memory;
pub mod shard;
pub use shard::{Shard, ShardSpec};

use crate::model::lanes::W as LANES;
use crate::model::{LaneSimulator, Params, RunOutcome};
use crate::scenario::Scenario;
use crate::stats::{LaneRecorder, StudyStats};

/// What to run.
#[derive(Debug, Clone)]
pub struct Study<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// Model parameters.
    pub params: Params,
    /// Master seed.
    pub seed: u64,
    /// Run indices to simulate (all runs: `0..runs`; a shard: a sub-range).
    pub runs: Range<u64>,
    /// Worker threads (≥ 1).
    pub threads: usize,
}

/// Errors of the engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The thread pool could not be built.
    #[error("cannot start {threads} worker threads: {message}")]
    Threads {
        /// Requested threads.
        threads: usize,
        /// Why.
        message: String,
    },
    /// Writing per-run rows failed.
    #[error("cannot write per-run results: {0}")]
    Sink(#[from] std::io::Error),
    /// A stop was requested (SIGINT, SIGTERM): the study did not finish.
    #[error("interrupted: the study stopped before its last run")]
    Interrupted {
        /// The exit status the request asks for (130 SIGINT, 143 SIGTERM).
        status: u8,
    },
    /// The statistics would not fit in memory.
    #[error(
        "this study's statistics need about {gib:.1} GiB ({accumulators} accumulators of {per_gib:.2} GiB: one per worker thread and one for the total), more than {limit}: reduce the number of steps (horizon / dt), of states, or --threads{threads_hint}"
    )]
    TooLarge {
        /// Estimated total, GiB.
        gib: f64,
        /// Estimated size of one accumulator, GiB.
        per_gib: f64,
        /// Number of accumulators.
        accumulators: usize,
        /// The limit that was passed, in words: `the 16 GiB entente allows`, `the 3.2 GiB
        /// left by ulimit -v`.
        limit: String,
        /// ` (--threads 3 would fit)` where fewer threads fit.
        threads_hint: String,
    },
}

/// The most memory the statistics of one study may take, GiB.
pub const MEMORY_LIMIT_GIB: u64 = 16;

/// Share of the available memory the statistics may take (the rest: the scenario, the
/// simulators, buffers, and whatever else the machine runs).
pub const MEMORY_SHARE: f64 = 0.8;

/// Refuse a study whose statistics (`per_gib` GiB per accumulator, one per worker of
/// `threads` and one for the total) take more than [`MEMORY_LIMIT_GIB`] or more than
/// [`MEMORY_SHARE`] of the memory `available` to the process; say how many threads would fit.
pub fn check_memory(
    per_gib: f64,
    threads: usize,
    available: Option<memory::Available>,
) -> Result<(), EngineError> {
    let mut limit_gib = MEMORY_LIMIT_GIB as f64;
    let mut limit = format!("the {MEMORY_LIMIT_GIB} GiB entente allows");
    if let Some(a) = available {
        let gib = a.bytes as f64 / (1u64 << 30) as f64 * MEMORY_SHARE;
        if gib < limit_gib {
            limit_gib = gib;
            limit = format!(
                "the {gib:.1} GiB this process may use ({:.0} % of what {} leaves, {:.1} GiB)",
                MEMORY_SHARE * 100.0,
                a.by,
                a.bytes as f64 / (1u64 << 30) as f64
            );
        }
    }
    let accumulators = threads + 1;
    if per_gib * accumulators as f64 <= limit_gib {
        return Ok(());
    }
    // Results never depend on the threads: fewer may fit.
    let fit = (limit_gib / per_gib).floor() as usize;
    let threads_hint = if fit >= 2 && fit - 1 < threads {
        format!(" (--threads {} would fit)", fit - 1)
    } else {
        String::new()
    };
    Err(EngineError::TooLarge {
        gib: per_gib * accumulators as f64,
        per_gib,
        accumulators,
        limit,
        threads_hint,
    })
}

/// Runs per batch: small enough to balance load and report progress, large enough to keep
/// per-batch overhead negligible, and a whole number of lane groups. Results never depend on it.
pub fn batch_size(runs: u64, threads: usize) -> u64 {
    (runs / (threads as u64 * 16))
        .clamp(1, 256)
        .next_multiple_of(crate::model::lanes::W as u64)
}

/// Writes per-batch byte blocks in batch order, whatever order batches finish in.
pub struct OrderedSink<'w> {
    inner: Mutex<SinkState<'w>>,
}

struct SinkState<'w> {
    next: u64,
    pending: BTreeMap<u64, Vec<u8>>,
    out: Box<dyn Write + Send + 'w>,
    error: Option<std::io::Error>,
}

impl<'w> OrderedSink<'w> {
    /// A sink writing to `out`.
    pub fn new(out: Box<dyn Write + Send + 'w>) -> Self {
        Self {
            inner: Mutex::new(SinkState {
                next: 0,
                pending: BTreeMap::new(),
                out,
                error: None,
            }),
        }
    }

    fn put(&self, batch: u64, bytes: Vec<u8>) {
        let mut s = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        s.pending.insert(batch, bytes);
        loop {
            let next = s.next;
            let Some(b) = s.pending.remove(&next) else {
                break;
            };
            if s.error.is_none()
                && let Err(e) = s.out.write_all(&b)
            {
                s.error = Some(e);
            }
            s.next += 1;
        }
    }

    /// Flush and report the first write error, if any.
    pub fn finish(self) -> std::io::Result<()> {
        let mut s = self.inner.into_inner().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = s.error.take() {
            return Err(e);
        }
        s.out.flush()
    }
}

/// The stack of each worker thread. The vector step is inlined into one function per
/// instruction set; unoptimized builds keep every temporary of it on the stack, about
/// 1.8 MB, near the 2 MiB threads get by default. The memory is reserved, not used.
const WORKER_STACK_BYTES: usize = 32 << 20;

/// How per-run rows are rendered.
pub type RowFormatter<'f> = dyn Fn(&RunOutcome, &mut Vec<u8>) + Sync + 'f;

/// Run a study. `progress` is called with the number of runs just completed (from worker
/// threads); `per_run` (formatter and sink) receives one rendered row per run, in run order.
pub fn run(
    study: &Study<'_>,
    progress: &(dyn Fn(u64) + Sync),
    per_run: Option<(&RowFormatter<'_>, &OrderedSink<'_>)>,
) -> Result<StudyStats, EngineError> {
    let s = study.scenario;
    let total = study.runs.end.saturating_sub(study.runs.start);
    let batch = batch_size(total, study.threads.max(1));
    let batches = total.div_ceil(batch);
    // More workers than batches would only hold empty accumulators.
    let threads = study.threads.max(1).min(batches.max(1) as usize);
    let per = StudyStats::memory_bytes(s.n(), s.steps) as f64 / (1u64 << 30) as f64;
    check_memory(per, threads, memory::available())?;
    let next = AtomicU64::new(0);
    let empty = || StudyStats::new(s.n(), s.steps, s.events.len(), &study.params);

    let worker = || {
        let mut stats = empty();
        let mut rec = LaneRecorder::new(&mut stats);
        let mut sim = LaneSimulator::new(s, &study.params);
        let mut rows = Vec::new();
        'batches: loop {
            let b = next.fetch_add(1, Ordering::Relaxed);
            if b >= batches {
                break;
            }
            let lo = study.runs.start + b * batch;
            let hi = (lo + batch).min(study.runs.end);
            let mut r = lo;
            while r < hi {
                if interrupt::requested().is_some() {
                    break 'batches;
                }
                let active = (hi - r).min(LANES as u64) as usize;
                for out in sim.run(r, active, study.seed, &mut rec) {
                    rec.stats().finish_run(&out);
                    if let Some((fmt, _)) = per_run {
                        fmt(&out, &mut rows);
                    }
                }
                r += active as u64;
            }
            if let Some((_, sink)) = per_run {
                sink.put(b, std::mem::take(&mut rows));
            }
            progress(hi - lo);
        }
        // Dropping the recorder counts its pending histogram bins.
        drop(rec);
        stats
    };

    let parts: Vec<StudyStats> = if threads == 1 {
        vec![worker()]
    } else {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .stack_size(WORKER_STACK_BYTES)
            .build()
            .map_err(|e| EngineError::Threads {
                threads,
                message: e.to_string(),
            })?;
        pool.broadcast(|_| worker())
    };
    if let Some(status) = interrupt::requested() {
        return Err(EngineError::Interrupted { status });
    }
    // One part is the whole (merging it into empty statistics gives the same values).
    let mut parts = parts.into_iter();
    let mut all = parts.next().unwrap_or_else(empty);
    for p in parts {
        all.merge(&p);
    }
    Ok(all)
}
