//! The statistics of a study: mergeable exactly (any split of the runs, merged in any
//! order, on any number of threads, gives equal [`StudyStats`]), and equal to what is
//! computed directly from the runs' outcomes; the CSV files report them faithfully.

use std::ops::Range;
use std::sync::LazyLock;

use entente::engine::{self, Study};
use entente::model::world::upper;
use entente::model::{Observer, RunOutcome, Simulator, Theory, World};
use entente::scenario::{self, Scenario};
use entente::stats::{
    ALIGNMENT_BINS, FixedSum, Recorder, StudyStats, Tally, alignment_bin, histogram_quantile,
    wilson95,
};
use proptest::prelude::*;

use super::repo;

const SEED: u64 = 99;

fn load(rel: &str) -> Scenario {
    scenario::load(&repo(rel)).unwrap_or_else(|e| panic!("{e}"))
}

/// The far-strongest tutorial with two events added (one random and repeatable, one
/// scheduled), so that event counts are part of what is merged.
static WITH_EVENTS: LazyLock<Scenario> = LazyLock::new(|| {
    let path = repo("scenarios/tutorial/far-strongest-near-weaker.toml");
    let mut text = std::fs::read_to_string(&path).expect("read the tutorial");
    text.push_str(
        r#"
[[event]]
name = "border clash"
hazard = 0.4
once = false
effects = [{ target = "pair.NEAR-SMALL.mistrust", op = "add", value = 0.05 }]

[[event]]
name = "summit"
at = 2010
effects = [{ target = "intent.NEAR-SMALL", op = "mul", value = 0.5 }]
"#,
    );
    scenario::parse(&text, "far-strongest-with-events").unwrap_or_else(|e| panic!("{e}"))
});

/// The engine's statistics of `runs` on `threads` threads.
fn engine_stats(s: &Scenario, runs: Range<u64>, threads: usize) -> StudyStats {
    let study = Study {
        scenario: s,
        params: s.params.clone(),
        seed: SEED,
        runs,
        threads,
    };
    engine::run(&study, &|_| {}, None).expect("the engine runs")
}

fn empty(s: &Scenario) -> StudyStats {
    StudyStats::new(s.n(), s.steps, s.events.len(), &s.params)
}

/// Number of runs whose single-run statistics are cached for the partition property.
const SINGLES: u64 = 24;

/// The statistics of each run `0..SINGLES` alone, fed through `Simulator` and `Recorder`.
static SINGLE_RUNS: LazyLock<Vec<StudyStats>> = LazyLock::new(|| {
    let s = &*WITH_EVENTS;
    let mut sim = Simulator::new(s, &s.params);
    (0..SINGLES)
        .map(|r| {
            let mut st = empty(s);
            let out = sim.run(r, SEED, &mut Recorder(&mut st));
            st.finish_run(&out);
            st
        })
        .collect()
});

#[test]
fn the_event_scenario_exercises_event_counts() {
    let st = engine_stats(&WITH_EVENTS, 0..SINGLES, 2);
    assert_eq!(
        st.event_runs[1], SINGLES,
        "the scheduled event fires in every run"
    );
    assert_eq!(st.event_firings[1], SINGLES);
    assert!(
        st.event_firings[0] > st.event_runs[0] && st.event_runs[0] > 0,
        "the random event fires, some runs more than once: {:?} {:?}",
        st.event_runs,
        st.event_firings
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// `merge(stats(0..k), stats(k..R)) == stats(0..R)`, each part on its own thread count.
    #[test]
    fn merging_two_shards_gives_the_whole(
        (runs, cut) in (1u64..=40).prop_flat_map(|r| (Just(r), 0..=r)),
        threads in (1usize..=3, 1usize..=3, 1usize..=3),
    ) {
        let s = &*WITH_EVENTS;
        let whole = engine_stats(s, 0..runs, threads.0);
        let mut merged = engine_stats(s, 0..cut, threads.1);
        merged.merge(&engine_stats(s, cut..runs, threads.2));
        prop_assert_eq!(merged.runs, runs);
        prop_assert!(merged == whole, "0..{} + {}..{} != 0..{}", cut, cut, runs, runs);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Any partition of the runs into groups, taken in any order and merged in any order,
    /// gives the statistics of all the runs: merge is exactly associative and commutative.
    #[test]
    fn any_partition_merged_in_any_order_gives_the_whole(
        order in Just((0..SINGLES as usize).collect::<Vec<_>>()).prop_shuffle(),
        cuts in proptest::collection::vec(any::<bool>(), SINGLES as usize),
    ) {
        static WHOLE: LazyLock<StudyStats> =
            LazyLock::new(|| engine_stats(&WITH_EVENTS, 0..SINGLES, 1));
        let s = &*WITH_EVENTS;
        let mut parts = vec![empty(s)];
        for (&r, &cut) in order.iter().zip(&cuts) {
            if cut {
                parts.push(empty(s));
            }
            parts.last_mut().unwrap().merge(&SINGLE_RUNS[r]);
        }
        // Merge the parts back to front, into an empty accumulator.
        let mut all = empty(s);
        for p in parts.iter().rev() {
            all.merge(p);
        }
        prop_assert!(all == *WHOLE, "{} parts", parts.len());
    }
}

/// The engine records groups of lanes and adds its pending bins to the statistics every
/// `PENDING_SLOTS` runs; over several such flushes, with a last partial group of lanes, its
/// statistics must equal those of the scalar simulator recorded run by run.
#[test]
fn the_engine_records_exactly_what_the_scalar_recorder_does() {
    engine_records_as_scalar(&WITH_EVENTS, 2 * entente::stats::PENDING_SLOTS as u64 + 89);
}

/// The engine's statistics of `runs` runs of `s` (one thread) equal the scalar recording.
fn engine_records_as_scalar(s: &Scenario, runs: u64) {
    let mut scalar = empty(s);
    let mut sim = Simulator::new(s, &s.params);
    for r in 0..runs {
        let out = sim.run(r, SEED, &mut Recorder(&mut scalar));
        scalar.finish_run(&out);
    }
    let engine = engine_stats(s, 0..runs, 1);
    assert_eq!(engine.runs, runs);
    assert!(
        engine == scalar,
        "the engine's statistics differ from the scalar recording"
    );
}

/// Past [`entente::stats::RUNS_PER_TRANSFER`] runs the recorder moves its 16-bit histogram
/// counts into the study's histograms mid-study: still exactly the scalar recording.
#[test]
fn the_engine_records_exactly_across_a_histogram_transfer() {
    let s = &load("scenarios/tutorial/security-dilemma.toml");
    engine_records_as_scalar(s, entente::stats::RUNS_PER_TRANSFER as u64 + 300);
}

#[test]
fn one_and_three_threads_give_equal_statistics() {
    // 60 runs on 3 threads are 60 one-run batches, claimed in whatever order.
    for s in [&*WITH_EVENTS, &load("scenarios/tutorial/bandwagon.toml")] {
        let one = engine_stats(s, 0..60, 1);
        assert_eq!(one.runs, 60);
        assert!(engine_stats(s, 0..60, 3) == one, "{}", s.name);
        assert!(engine_stats(s, 0..60, 2) == one, "{}", s.name);
    }
}

// ---------------------------------------------------------------------------------------
// The statistics against direct computation from the runs.

/// What a run showed at each observation, for direct computation: per step and state.
#[derive(Default)]
struct Direct {
    /// `[step][state]` power share.
    share: Vec<Vec<f64>>,
    /// `[step][state]` camp threat of the principal threat (κ).
    kappa: Vec<Vec<f64>>,
    /// `[step][state]` strategy index (secure, balance, bandwagon).
    strategy: Vec<Vec<usize>>,
    /// `[step][state]` principal threat.
    principal: Vec<Vec<usize>>,
    /// `[step][pair]` alignment (upper triangle order).
    alignment: Vec<Vec<f64>>,
}

/// Feeds both the statistics and the direct record.
struct Both<'a>(Recorder<'a>, &'a mut Direct);

impl Observer for Both<'_> {
    fn observe(&mut self, step: usize, year: f64, w: &World) {
        self.0.observe(step, year, w);
        let total: f64 = w.power.iter().map(|&p| f64::from(p)).sum();
        let d = &mut *self.1;
        assert_eq!(d.share.len(), step, "steps observed in order");
        d.share
            .push(w.power.iter().map(|&p| f64::from(p) / total).collect());
        d.kappa
            .push(w.kappa.iter().map(|&k| f64::from(k)).collect());
        d.strategy
            .push(w.strategy.iter().map(|&s| s as usize).collect());
        d.principal.push(w.principal.clone());
        d.alignment.push(
            upper(w.n)
                .map(|(i, k)| f64::from(w.alignment[i * w.n + k]))
                .collect(),
        );
    }
}

/// The empirical `q`-quantile: the smallest value with at least `ceil(q·N)` values ≤ it.
fn empirical_quantile(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    let t = ((q * n as f64).ceil() as usize).clamp(1, n);
    sorted[t - 1]
}

/// Number of (step, pair) cells where the probabilities are neither 0 nor 1, so that the
/// checks are not vacuous.
#[derive(Default, Debug)]
struct Coverage {
    alliance_mixed: usize,
    rivalry_mixed: usize,
    spread: usize,
}

/// Run `runs` runs of `s` under `theory` with `Simulator`, and check every statistic of
/// every step, pair and state against direct computation from the outcomes.
fn check_against_direct(s: &Scenario, runs: u64) -> Coverage {
    let p = &s.params;
    let (n, pairs) = (s.n(), s.n() * (s.n() - 1) / 2);
    let mut stats = StudyStats::new(n, s.steps, s.events.len(), p);
    let mut sim = Simulator::new(s, p);
    let mut outcomes: Vec<RunOutcome> = Vec::new();
    let mut direct: Vec<Direct> = Vec::new();
    for r in 0..runs {
        let mut d = Direct::default();
        let out = sim.run(r, SEED, &mut Both(Recorder(&mut stats), &mut d));
        stats.finish_run(&out);
        outcomes.push(out);
        direct.push(d);
    }
    assert_eq!(stats.runs, runs);
    let mut cover = Coverage::default();

    for step in 0..=s.steps {
        for (q, (i, k)) in upper(n).enumerate() {
            let idx = step * pairs + q;
            let mut values: Vec<f64> = direct.iter().map(|d| d.alignment[step][q]).collect();
            if step == s.steps {
                // The final alignment of each outcome is the last observation.
                for (o, &v) in outcomes.iter().zip(&values) {
                    assert_eq!(o.alignment[i * n + k], v);
                }
            }
            let allied = values
                .iter()
                .filter(|&&a| a >= p.alliance_threshold)
                .count() as u64;
            let rival = values.iter().filter(|&&a| a <= p.rivalry_threshold).count() as u64;
            let at = format!(
                "{} step {step} pair {}-{}",
                s.name, s.states[i].id, s.states[k].id
            );
            assert_eq!(stats.alliance[idx], allied, "P(alliance) {at}");
            assert_eq!(stats.rivalry[idx], rival, "P(rivalry) {at}");
            cover.alliance_mixed += usize::from(allied > 0 && allied < runs);
            cover.rivalry_mixed += usize::from(rival > 0 && rival < runs);

            let mean = values.iter().sum::<f64>() / runs as f64;
            let got = stats.alignment_sum[idx].mean();
            assert!((got - mean).abs() < 1e-6, "mean {at}: {got} vs {mean}");

            values.sort_by(f64::total_cmp);
            let (lo, hi) = (values[0], values[values.len() - 1]);
            cover.spread += usize::from(hi - lo > 0.05);
            for qq in [0.05, 0.5, 0.95] {
                let want = empirical_quantile(&values, qq);
                let got = stats.alignment_quantile(step, q, qq);
                // Within the histogram resolution, and never outside the values seen.
                assert!(
                    (got - want).abs() <= 0.01 + 1e-12 && lo <= got && got <= hi,
                    "q{qq} {at}: {got} vs empirical {want} (range {lo}..{hi})"
                );
                if lo == hi {
                    assert_eq!(got, lo, "q{qq} {at}: one value, exact");
                }
            }
        }
        for i in 0..n {
            let idx = step * n + i;
            let at = format!("{} step {step} state {}", s.name, s.states[i].id);
            let share = direct.iter().map(|d| d.share[step][i]).sum::<f64>() / runs as f64;
            let kappa = direct.iter().map(|d| d.kappa[step][i]).sum::<f64>() / runs as f64;
            assert!(
                (stats.power_share[idx].mean() - share).abs() < 1e-9,
                "share {at}"
            );
            assert!((stats.kappa[idx].mean() - kappa).abs() < 1e-9, "kappa {at}");
            let mut strategy = [0u64; 3];
            let mut principal = vec![0u64; n];
            for d in &direct {
                strategy[d.strategy[step][i]] += 1;
                principal[d.principal[step][i]] += 1;
            }
            assert_eq!(stats.strategy[idx], strategy, "strategies {at}");
            assert_eq!(
                stats.principal[idx * n..(idx + 1) * n],
                principal[..],
                "principal threats {at}"
            );
        }
    }

    // Whole-run statistics.
    for q in 0..pairs {
        let firsts: Vec<u64> = direct
            .iter()
            .filter_map(|d| {
                (0..=s.steps)
                    .find(|&step| d.alignment[step][q] >= p.alliance_threshold)
                    .map(|step| step as u64)
            })
            .collect();
        assert_eq!(
            stats.ever_allied[q],
            firsts.len() as u64,
            "ever allied, pair {q}"
        );
        assert_eq!(stats.first_alliance_step_sum[q], firsts.iter().sum::<u64>());
    }
    let mut camps = Tally::default();
    let mut event_runs = vec![0u64; s.events.len()];
    let mut event_firings = vec![0u64; s.events.len()];
    for o in &outcomes {
        camps.add(&o.camps);
        for e in 0..s.events.len() {
            let fired = o.events.iter().filter(|f| f.event == e).count() as u64;
            event_firings[e] += fired;
            event_runs[e] += u64::from(fired > 0);
        }
    }
    assert_eq!(stats.camps, camps);
    assert_eq!(stats.event_runs, event_runs);
    assert_eq!(stats.event_firings, event_firings);

    check_csv_files(s, &stats, &outcomes, &direct);
    cover
}

/// The CSV writers report the statistics as documented, checked against the outcomes.
fn check_csv_files(s: &Scenario, st: &StudyStats, outcomes: &[RunOutcome], direct: &[Direct]) {
    let p = &s.params;
    let (n, pairs, end) = (s.n(), st.pairs(), s.steps);
    let runs = outcomes.len() as f64;
    let rows = |bytes: Vec<u8>| -> Vec<Vec<String>> {
        csv::Reader::from_reader(&bytes[..])
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect()
    };
    let close = |field: &str, want: f64, tol: f64, what: &str| {
        let got: f64 = field
            .parse()
            .unwrap_or_else(|e| panic!("{what}: {field:?}: {e}"));
        assert!((got - want).abs() <= tol, "{what}: {got} vs {want}");
    };

    let mut bytes = Vec::new();
    entente::output::summary_csv(s, st, &mut bytes).unwrap();
    let summary = rows(bytes);
    assert_eq!(summary.len(), pairs);
    for (q, (i, k)) in upper(n).enumerate() {
        let r = &summary[q];
        assert_eq!((&r[0], &r[1]), (&s.states[i].id, &s.states[k].id));
        let finals: Vec<f64> = outcomes.iter().map(|o| o.alignment[i * n + k]).collect();
        let share = |f: &dyn Fn(f64) -> bool| {
            format!(
                "{:.6}",
                finals.iter().filter(|&&a| f(a)).count() as f64 / runs
            )
        };
        assert_eq!(r[2], share(&|a| a >= p.alliance_threshold), "{r:?}");
        assert_eq!(r[4], share(&|a| a <= p.rivalry_threshold), "{r:?}");
        let firsts: Vec<f64> = outcomes
            .iter()
            .filter_map(|o| o.first_alliance[q])
            .map(f64::from)
            .collect();
        assert_eq!(r[3], format!("{:.6}", firsts.len() as f64 / runs), "{r:?}");
        close(
            &r[5],
            finals.iter().sum::<f64>() / runs,
            1e-6,
            "mean_alignment_end",
        );
        if firsts.is_empty() {
            assert_eq!(r[9], "", "never allied: no first-alliance year");
        } else {
            let year = s.start_year + s.dt * firsts.iter().sum::<f64>() / firsts.len() as f64;
            close(&r[9], year, 1e-6, "mean_first_alliance_year");
        }
    }

    let mut bytes = Vec::new();
    entente::output::states_csv(s, st, &mut bytes).unwrap();
    let states = rows(bytes);
    assert_eq!(states.len(), (end + 1) * n);
    for step in 0..=end {
        for i in 0..n {
            let r = &states[step * n + i];
            let what = format!("states.csv {r:?}");
            close(&r[0], s.year(step), 1e-9, &what);
            assert_eq!(r[1], s.states[i].id);
            let mean = |f: &dyn Fn(&Direct) -> f64| direct.iter().map(f).sum::<f64>() / runs;
            close(&r[2], mean(&|d| d.share[step][i]), 1e-6, &what);
            close(&r[3], mean(&|d| d.kappa[step][i]), 1e-6, &what);
            // Most frequent principal threat, ties to the state listed first.
            let mut count = vec![0usize; n];
            direct.iter().for_each(|d| count[d.principal[step][i]] += 1);
            let top = (0..n).rev().max_by_key(|&j| count[j]).unwrap();
            assert_eq!(r[4], s.states[top].id, "{what}");
            for (c, strategy) in [(5, 0), (6, 1), (7, 2)] {
                let k = direct
                    .iter()
                    .filter(|d| d.strategy[step][i] == strategy)
                    .count();
                assert_eq!(r[c], format!("{:.6}", k as f64 / runs), "{what}");
            }
        }
    }

    let mut bytes = Vec::new();
    entente::output::camps_csv(s, st, &mut bytes).unwrap();
    let camps = rows(bytes);
    let total: u64 = camps.iter().map(|r| r[1].parse::<u64>().unwrap()).sum();
    assert_eq!(total, outcomes.len() as u64);
    for w in camps.windows(2) {
        assert!(w[0][1].parse::<u64>().unwrap() >= w[1][1].parse::<u64>().unwrap());
    }
    for r in &camps {
        assert!(
            r[3].split(' ').next() == Some(s.states[0].id.as_str()),
            "camp_a holds the first state: {r:?}"
        );
    }
}

#[test]
fn statistics_equal_direct_computation_from_the_runs() {
    let tutorial = load("scenarios/tutorial/far-strongest-near-weaker.toml");
    let mut waltz = tutorial.clone();
    waltz.set_theory(Theory::Waltz);
    // Without their quarrel, under a treaty and starting close to the alliance threshold,
    // NEAR and SMALL ally in some runs.
    waltz.apply_set("pair.NEAR-SMALL.mistrust=0").unwrap();
    waltz.apply_set("pair.NEAR-SMALL.treaty=1").unwrap();
    waltz.apply_set("pair.NEAR-SMALL.alignment=0.5").unwrap();
    let mut cover = Coverage::default();
    for s in [&tutorial, &waltz, &*WITH_EVENTS] {
        let c = check_against_direct(s, 400);
        cover.alliance_mixed += c.alliance_mixed;
        cover.rivalry_mixed += c.rivalry_mixed;
        cover.spread += c.spread;
    }
    // Under waltz, NEAR-SMALL crosses the alliance threshold in some runs before others;
    // under walt, it slides into rivalry.
    assert!(
        cover.alliance_mixed >= 5 && cover.rivalry_mixed >= 3 && cover.spread >= 50,
        "the checks saw too few non-trivial distributions: {cover:?}"
    );
}

// ---------------------------------------------------------------------------------------
// The accumulators on hand cases.

fn histogram(values: &[f64]) -> Vec<u64> {
    let mut h = vec![0u64; ALIGNMENT_BINS + 2];
    for &x in values {
        h[alignment_bin(x)] += 1;
    }
    h
}

#[test]
fn alignment_bins_by_hand() {
    assert_eq!(alignment_bin(-1.5), 0, "below −1 is the −1 end bin");
    assert_eq!(alignment_bin(-1.0), 0);
    assert_eq!(
        alignment_bin(-0.995),
        1,
        "[−1, −0.99) is the first regular bin"
    );
    assert_eq!(alignment_bin(-0.985), 2);
    assert_eq!(alignment_bin(0.005), 101);
    assert_eq!(alignment_bin(0.995), ALIGNMENT_BINS);
    assert_eq!(alignment_bin(1.0), ALIGNMENT_BINS + 1);
    assert_eq!(alignment_bin(2.0), ALIGNMENT_BINS + 1);
}

#[test]
fn histogram_quantiles_by_hand() {
    // Four values in [0.1, 0.11), one at exactly −1, one at exactly +1 (N = 6).
    let h = histogram(&[0.101, 0.103, 0.105, 0.107, -1.0, 1.0]);
    let close = |q: f64, want: f64| {
        let got = histogram_quantile(&h, q);
        assert!((got - want).abs() < 1e-12, "q = {q}: {got} vs {want}");
    };
    // ceil(0·6) = 0 is raised to 1: the smallest value, exactly −1.
    close(0.0, -1.0);
    close(1.0 / 6.0, -1.0);
    // Target 2: the 1st of 4 values in [0.1, 0.11): 0.1 + 0.01·1/4.
    close(0.3, 0.1 + 0.01 * 0.25);
    // Target ceil(0.5·6) = 3: the 2nd of 4.
    close(0.5, 0.1 + 0.01 * 0.5);
    // Target 5: the 4th of 4, the top of the bin.
    close(0.8, 0.11);
    // Target 6: exactly +1.
    close(0.95, 1.0);
    close(1.0, 1.0);
    // Empty bins between are skipped; an empty histogram has no quantile.
    assert!(histogram_quantile(&histogram(&[]), 0.5).is_nan());
    // One value in a regular bin: every quantile is the top of its bin (the clamp to the
    // exact range in StudyStats then brings it back to the value itself).
    assert!((histogram_quantile(&histogram(&[-0.5]), 0.05) - (-0.49)).abs() < 1e-12);
}

#[test]
fn wilson_intervals_by_hand() {
    let z: f64 = 1.959_963_984_540_054;
    // k = 0: lower 0, upper z²/(n + z²).
    let (lo, hi) = wilson95(0, 20);
    assert_eq!(lo, 0.0);
    assert!((hi - z * z / (20.0 + z * z)).abs() < 1e-12, "{hi}");
    // k = n mirrors k = 0.
    let (lo, hi) = wilson95(20, 20);
    assert!((lo - 20.0 / (20.0 + z * z)).abs() < 1e-12, "{lo}");
    assert_eq!(hi, 1.0);
    // Symmetry: the interval of k is the mirror of that of n − k.
    let (a, b) = wilson95(3, 40);
    let (c, d) = wilson95(37, 40);
    assert!((a - (1.0 - d)).abs() < 1e-12 && (b - (1.0 - c)).abs() < 1e-12);
    // It holds the estimate and narrows with n.
    let (lo, hi) = wilson95(30, 100);
    assert!(lo < 0.3 && 0.3 < hi);
    let (lo2, hi2) = wilson95(300, 1000);
    assert!(hi2 - lo2 < hi - lo);
    let (lo, hi) = wilson95(0, 0);
    assert!(lo.is_nan() && hi.is_nan(), "no runs, no interval");
}

#[test]
fn fixed_sums_by_hand() {
    let empty = FixedSum::default();
    assert!(empty.mean().is_nan());
    let mut s = FixedSum::default();
    for x in [-1.0, 1.0, 0.25, -0.75] {
        s.add(x);
    }
    // Multiples of 2^-32 are stored exactly.
    assert_eq!(s.sum, -(1i128 << 31));
    assert_eq!(s.count, 4);
    assert_eq!(s.mean(), -0.125);
    // Rounding to the nearest 2^-32, halves away from zero, symmetric in sign.
    let (mut half, mut neg_half) = (FixedSum::default(), FixedSum::default());
    half.add(0.5 / 4_294_967_296.0);
    neg_half.add(-0.5 / 4_294_967_296.0);
    assert_eq!((half.sum, neg_half.sum), (1, -1));
    // Merging is adding: order does not matter, bit for bit.
    let xs: Vec<f64> = (0..1000)
        .map(|k| ((k * 7919) % 2001) as f64 / 1000.0 - 1.0)
        .collect();
    let mut forward = FixedSum::default();
    xs.iter().for_each(|&x| forward.add(x));
    let mut parts = [FixedSum::default(); 3];
    for (k, &x) in xs.iter().rev().enumerate() {
        parts[k % 3].add(x);
    }
    let mut merged = parts[2];
    merged.merge(&parts[0]);
    merged.merge(&parts[1]);
    assert_eq!(merged, forward);
    let exact = xs.iter().sum::<f64>() / xs.len() as f64;
    assert!((forward.mean() - exact).abs() < 1e-9);
}

#[test]
fn tallies_by_hand() {
    let mut a: Tally<&str> = Tally::default();
    for k in ["b", "a", "c", "b", "c", "d"] {
        a.add(&k);
    }
    // b and c twice (tie: key order), then a and d once (tie: key order).
    assert_eq!(
        a.most_frequent(),
        vec![(&"b", 2), (&"c", 2), (&"a", 1), (&"d", 1)]
    );
    let mut b: Tally<&str> = Tally::default();
    b.add(&"d");
    b.add(&"d");
    b.add(&"e");
    let mut ab = a.clone();
    ab.merge(&b);
    let mut ba = b.clone();
    ba.merge(&a);
    assert_eq!(ab, ba);
    assert_eq!(ab.most_frequent()[0], (&"d", 3));
    assert_eq!(ab.counts.values().sum::<u64>(), 9);
    assert!(Tally::<u8>::default().most_frequent().is_empty());
}
