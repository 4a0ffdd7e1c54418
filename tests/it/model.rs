//! The model's behaviour: invariants over random scenarios (property tests) and Walt's
//! regularities on the tutorial and flagship scenarios, with fixed seeds.
//!
//! Tolerances: a probability estimated from `R` runs has standard error at most
//! `0.5 / sqrt(R)`; thresholds below leave at least four standard errors of room.

use entente::model::{NoObserver, Observer, Params, Simulator, Strategy as Choice, Theory, World};
use entente::params::Params32;
use entente::scenario::{self, Scenario};
use proptest::prelude::*;

use super::repo;

fn load(rel: &str) -> Scenario {
    scenario::load(&repo(rel)).unwrap_or_else(|e| panic!("{e}"))
}

fn with_theory(s: &Scenario, t: Theory) -> Params {
    let mut p = t.params();
    p.threat_form = s.params.threat_form;
    p
}

/// Aggregates over runs that the behaviour tests need.
struct Summary {
    n: usize,
    runs: u64,
    /// Runs in which each ordered pair (i, k) ends allied (a ≥ alliance threshold).
    allied_end: Vec<u64>,
    /// Runs in which each ordered pair ends rivals (a ≤ rivalry threshold).
    rival_end: Vec<u64>,
    /// Sum of final alignments per ordered pair.
    alignment_sum: Vec<f64>,
    /// Decision counts per state: [secure, balance, bandwagon].
    decisions: Vec<[u64; 3]>,
    /// (state, step) counts of each principal threat: principal[i * n + j].
    principal: Vec<u64>,
}

impl Summary {
    fn mean_alignment(&self, s: &Scenario, a: &str, b: &str) -> f64 {
        let (i, k) = (s.index(a).unwrap(), s.index(b).unwrap());
        self.alignment_sum[i * self.n + k] / self.runs as f64
    }

    fn decisions_of(&self, s: &Scenario, a: &str) -> [u64; 3] {
        self.decisions[s.index(a).unwrap()]
    }

    fn principal_share(&self, s: &Scenario, a: &str, target: &str) -> f64 {
        let (i, j) = (s.index(a).unwrap(), s.index(target).unwrap());
        let row = &self.principal[i * self.n..(i + 1) * self.n];
        row[j] as f64 / row.iter().sum::<u64>() as f64
    }

    fn total(&self, st: Choice) -> u64 {
        self.decisions.iter().map(|d| d[st as usize]).sum()
    }
}

/// Counts principal threats at every decision step.
struct PrincipalCounter<'a>(&'a mut Vec<u64>);

impl Observer for PrincipalCounter<'_> {
    fn observe(&mut self, _step: usize, _year: f64, w: &World) {
        for (i, &h) in w.principal.iter().enumerate() {
            self.0[i * w.n + h] += 1;
        }
    }
}

fn summarise(s: &Scenario, p: &Params, runs: u64, seed: u64) -> Summary {
    let n = s.n();
    let mut sum = Summary {
        n,
        runs,
        allied_end: vec![0; n * n],
        rival_end: vec![0; n * n],
        alignment_sum: vec![0.0; n * n],
        decisions: vec![[0; 3]; n],
        principal: vec![0; n * n],
    };
    let mut sim = Simulator::new(s, p);
    for r in 0..runs {
        let out = sim.run(r, seed, &mut PrincipalCounter(&mut sum.principal));
        for (k, &a) in out.alignment.iter().enumerate() {
            if a >= p.alliance_threshold && k / n != k % n {
                sum.allied_end[k] += 1;
            }
            if a <= p.rivalry_threshold && k / n != k % n {
                sum.rival_end[k] += 1;
            }
            sum.alignment_sum[k] += a;
        }
        for (total, d) in sum.decisions.iter_mut().zip(&out.decisions) {
            for (t, x) in total.iter_mut().zip(d) {
                *t += u64::from(*x);
            }
        }
    }
    sum
}

// ---------------------------------------------------------------------------------------
// Invariants over random valid scenarios.

/// A random valid scenario as TOML text, with extremes: tiny and huge powers, coincident
/// capitals, zero and huge trade, saturated alignments and intents.
pub(crate) fn arb_scenario() -> impl Strategy<Value = String> {
    use proptest::sample::select;
    let n = 2usize..6;
    n.prop_flat_map(|n| {
        let states = proptest::collection::vec(
            (
                select(vec![1e-6, 0.01, 1.0, 3.0, 1e6]),
                0.001f64..=1.0,
                0.0f64..=1.0,
                select(vec![0.0, 10.0, -45.0]),
                select(vec![0.0, 10.0, 170.0]),
                -0.1f64..0.1,
                0.0f64..0.5,
                0.0f64..1.0,
            ),
            n,
        );
        let pairs = proptest::collection::vec(
            (any::<bool>(), select(vec![0.0, 1.0, 1e5]), 0.0f64..=1.0, -1.0f64..=1.0, select(vec![-1.0, -0.5, 0.0, 0.7, 1.0])),
            n * (n - 1) / 2,
        );
        let intents = proptest::collection::vec(select(vec![0.0, 0.3, 1.0]), n * n);
        let theory = select(vec!["walt", "waltz", "bandwagon", "liberal"]);
        let extra = (0.0f64..3.0, 0.0f64..1.0, 0.0f64..1.0, select(vec!["product", "sum"]), 0.0f64..2.0);
        (Just(n), states, pairs, intents, theory, extra)
    })
    .prop_map(|(n, states, pairs, intents, theory, (eta, tau, sigma_d, form, hazard))| {
        let mut t = format!(
            "[scenario]\nname = \"prop\"\nstart_year = 2000\nhorizon = 5\ndt = 0.25\ntheory = \"{theory}\"\n\
             [params]\neta = {eta}\ntau = {tau}\nsigma_d = {sigma_d}\nthreat_form = \"{form}\"\n"
        );
        for (k, (power, offense, aggression, lat, lon, growth, vol, autonomy)) in states.iter().enumerate() {
            t += &format!(
                "[[state]]\nid = \"S{k}\"\npower = {power:e}\ngdp = {power:e}\noffense = {offense}\naggression = {aggression}\n\
                 lat = {lat}\nlon = {lon}\ngrowth = {growth}\nvolatility = {vol}\nautonomy = {autonomy}\n"
            );
        }
        let mut q = 0;
        for i in 0..n {
            for k in i + 1..n {
                let (border, trade, mistrust, affinity, alignment) = pairs[q];
                q += 1;
                t += &format!(
                    "[[pair]]\nstates = [\"S{i}\", \"S{k}\"]\nborder = {border}\ntrade = {trade}\nmistrust = {mistrust}\n\
                     affinity = {affinity}\nalignment = {alignment}\n"
                );
            }
        }
        for j in 0..n {
            for i in 0..n {
                if i != j {
                    t += &format!("[[intent]]\nfrom = \"S{j}\"\nto = \"S{i}\"\nvalue = {}\n", intents[j * n + i]);
                }
            }
        }
        t += &format!(
            "[[event]]\nname = \"shock\"\nhazard = {hazard}\nonce = false\neffects = [\
             {{ target = \"pair.S0-S1.alignment\", op = \"add\", value = -0.7 }}, \
             {{ target = \"state.S1.power\", op = \"mul\", value = 3 }}, \
             {{ target = \"intent.S0-S1\", op = \"add\", value = 0.5 }}, \
             {{ target = \"pair.S0-S1.trade\", op = \"mul\", value = 0 }}]\n"
        );
        t
    })
}

/// Checks the invariants at every observed step.
struct Invariants {
    violations: Vec<String>,
}

impl Observer for Invariants {
    fn observe(&mut self, step: usize, _year: f64, w: &World) {
        let n = w.n;
        let mut bad = |what: String| self.violations.push(format!("step {step}: {what}"));
        for i in 0..n {
            if w.alignment[i * n + i] != 0.0
                || w.intent[i * n + i] != 0.0
                || w.threat[i * n + i] != 0.0
            {
                bad(format!("non-zero diagonal at {i}"));
            }
            if !(w.power[i].is_finite() && w.power[i] > 0.0) {
                bad(format!("power[{i}] = {}", w.power[i]));
            }
            if !w.kappa[i].is_finite()
                || !w.availability[i].is_finite()
                || !w.bandwagon[i].is_finite()
            {
                bad(format!("non-finite decision quantity of {i}"));
            }
            for k in 0..n {
                let a = w.alignment[i * n + k];
                if !(-1.0..=1.0).contains(&a) || a != w.alignment[k * n + i] {
                    bad(format!("alignment[{i},{k}] = {a}"));
                }
                let v = w.intent[i * n + k];
                if !(0.0..=1.0).contains(&v) {
                    bad(format!("intent[{i},{k}] = {v}"));
                }
                let t = w.threat[i * n + k];
                let finite = t.is_finite()
                    && w.camp_threat[i * n + k].is_finite()
                    && w.desire[i * n + k].is_finite();
                if !finite || t < 0.0 {
                    bad(format!("threat quantities at [{i},{k}]: T = {t}"));
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    #[test]
    fn invariants_hold_for_random_scenarios(text in arb_scenario(), seed in 0u64..1000, run in 0u64..1000) {
        let s = scenario::parse(&text, "prop.toml").map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let mut inv = Invariants { violations: Vec::new() };
        let out = Simulator::new(&s, &s.params).run(run, seed, &mut inv);
        prop_assert!(inv.violations.is_empty(), "{:?}\n{}", &inv.violations[..inv.violations.len().min(5)], text);
        prop_assert_eq!(out.camps.side.len(), s.n());
        prop_assert!(out.alignment.iter().all(|a| (-1.0..=1.0).contains(a)));
    }

    #[test]
    fn a_run_depends_only_on_seed_and_index(text in arb_scenario(), seed in 0u64..1000, run in 0u64..1000) {
        let s = scenario::parse(&text, "prop.toml").map_err(|e| TestCaseError::fail(format!("{e}")))?;
        let mut sim = Simulator::new(&s, &s.params);
        let first = sim.run(run, seed, &mut NoObserver);
        let _other = sim.run(run + 1, seed, &mut NoObserver);
        let again = sim.run(run, seed, &mut NoObserver);
        prop_assert_eq!(first, again);
    }

    /// More capability of a state never lowers the threat any other state perceives from it,
    /// nor the threat to it and its allies that breeds hostility toward it (`X`, hostility
    /// `βt·X`): balancing against a stronger state is never weaker.
    #[test]
    fn more_capability_of_a_threat_never_lowers_balancing_against_it(
        text in arb_scenario(), pick in 0usize..6, factor in 1.0f64..20.0,
    ) {
        let s = scenario::parse(&text, "prop.toml").map_err(|e| TestCaseError::fail(format!("{e}")))?;
        let n = s.n();
        let j = pick % n;
        let mut stronger = s.clone();
        stronger.states[j].power = (s.states[j].power * factor).min(1e12);
        let p = Params32::from(&s.params);
        let (before, after) = (World::start(&s, &p), World::start(&stronger, &p));
        for i in (0..n).filter(|&i| i != j) {
            let q = i * n + j;
            prop_assert!(after.threat[q] >= before.threat[q], "T[{i},{j}]: {} -> {}", before.threat[q], after.threat[q]);
            prop_assert!(
                after.extended_threat[q] >= before.extended_threat[q],
                "X[{i},{j}]: {} -> {}\n{text}", before.extended_threat[q], after.extended_threat[q]
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Walt's regularities.

#[test]
fn with_no_threats_rivalries_fade_and_nobody_balances() {
    // Offence near zero and no aggression: every threat is below θ_secure.
    let text = r#"
[scenario]
name = "calm"
start_year = 2000
horizon = 30
[[state]]
id = "AAA"
power = 1
offense = 0.001
aggression = 0
lat = 0
lon = 0
[[state]]
id = "BBB"
power = 1
offense = 0.001
aggression = 0
lat = 0
lon = 5
[[state]]
id = "CCC"
power = 1
offense = 0.001
aggression = 0
lat = 5
lon = 0
[[pair]]
states = ["AAA", "BBB"]
alignment = -0.8
[[pair]]
states = ["AAA", "CCC"]
alignment = -0.5
[[pair]]
states = ["BBB", "CCC"]
alignment = 0.7
treaty = 1
[[pair]]
states = ["AAA", "DDD"]
alignment = 0.7
"#;
    let text = text.replace(
        "[[pair]]\nstates = [\"AAA\", \"BBB\"]",
        "[[state]]\nid = \"DDD\"\npower = 1\noffense = 0.001\naggression = 0\nlat = 5\nlon = 5\n[[pair]]\nstates = [\"AAA\", \"BBB\"]",
    );
    // With the hand-set parameters (params::HAND_SET: η = 0.4, τ = 0.8, βc = 0.5), the
    // numbers the reasoning below uses; 30 years reach the destination at that rate.
    let mut s = scenario::parse(&text, "calm.toml").unwrap();
    s.params = entente::params::Params::hand_set();
    let sum = summarise(&s, &s.params, 300, 11);
    assert_eq!(sum.total(Choice::Balance), 0);
    assert_eq!(sum.total(Choice::Bandwagon), 0);
    // Toward a desire of 0 at rate η: −0.8 · exp(−η·30) ≈ 0; noise σd·√(1/(2η)) ≈ 0.1.
    let ab = sum.mean_alignment(&s, "AAA", "BBB");
    let ac = sum.mean_alignment(&s, "AAA", "CCC");
    assert!(ab > -0.15 && ac > -0.15, "rivalries should fade: {ab} {ac}");
    // Secure states keep an alliance whose value is high (a treaty worth βc = 0.5), and let
    // one without value fade.
    let bc = sum.mean_alignment(&s, "BBB", "CCC");
    let ad = sum.mean_alignment(&s, "AAA", "DDD");
    assert!(ad < 0.15, "an alliance without value fades: {ad}");
    // Its desire is βc · 1 = 0.5; it falls toward it at η·(1 − τ) = 0.08 a year
    // (0.5 + 0.2 · exp(−2.4) ≈ 0.52 without noise), and rises at η = 0.4: noise that lifts it
    // is kept longer than noise that lowers it, so it ends a little above (0.60 measured).
    assert!(
        (0.5..0.7).contains(&bc),
        "peacetime alliances persist: {bc}"
    );
}

#[test]
fn far_strongest_near_weaker_separates_walt_from_waltz() {
    let s = load("scenarios/tutorial/far-strongest-near-weaker.toml");
    let (small, near, far) = tutorial_roles(&s);
    let walt = summarise(&s, &with_theory(&s, Theory::Walt), 300, 3);
    let waltz = summarise(&s, &with_theory(&s, Theory::Waltz), 300, 3);
    // Balance of threat: the neighbour is the principal threat; balance of power: the strongest.
    assert!(
        walt.principal_share(&s, small, near) > 0.9,
        "walt: {}",
        walt.principal_share(&s, small, near)
    );
    assert!(
        waltz.principal_share(&s, small, far) > 0.9,
        "waltz: {}",
        waltz.principal_share(&s, small, far)
    );
    // And the small state balances against that target: its alignment with it turns hostile,
    // more than with the other.
    let d = walt.decisions_of(&s, small);
    assert!(d[Choice::Balance as usize] > d[Choice::Bandwagon as usize]);
    assert!(walt.mean_alignment(&s, small, near) < walt.mean_alignment(&s, small, far));
    assert!(waltz.mean_alignment(&s, small, far) < waltz.mean_alignment(&s, small, near));
}

/// (smallest, near neighbour, far strongest) of the far-strongest tutorial, found from the data.
fn tutorial_roles(s: &Scenario) -> (&str, &str, &str) {
    let n = s.n();
    assert_eq!(n, 3, "the tutorial has three states");
    let by_power = {
        let mut v: Vec<usize> = (0..n).collect();
        v.sort_by(|&a, &b| s.states[a].power.total_cmp(&s.states[b].power));
        v
    };
    let (small, mid, big) = (by_power[0], by_power[1], by_power[2]);
    assert!(
        s.border[small * n + mid]
            || s.distance[small * n + mid] < s.distance[small * n + big] / 3.0
    );
    (&s.states[small].id, &s.states[mid].id, &s.states[big].id)
}

#[test]
fn the_weak_state_bandwagons_when_no_ally_is_in_reach() {
    let s = load("scenarios/tutorial/bandwagon.toml");
    let n = s.n();
    let weak = (0..n)
        .min_by(|&a, &b| s.states[a].power.total_cmp(&s.states[b].power))
        .unwrap();
    let strong = (0..n)
        .max_by(|&a, &b| s.states[a].power.total_cmp(&s.states[b].power))
        .unwrap();
    let sum = summarise(&s, &s.params, 300, 5);
    let d = sum.decisions[weak];
    assert!(
        d[Choice::Bandwagon as usize] > d[Choice::Balance as usize],
        "the weak state should bandwagon: {d:?}"
    );
    let toward = sum.alignment_sum[weak * n + strong] / 300.0;
    assert!(
        toward > s.alignment[weak * n + strong],
        "it should move toward the threat: {toward}"
    );
}

#[test]
fn more_aggressive_intentions_draw_more_balancing_h3() {
    let s = load("scenarios/vostok-2018.toml");
    let n = s.n();
    let chn = s.index("CHN").unwrap();
    let mut hot = s.clone();
    for i in 0..n {
        if i != chn {
            let v = &mut hot.intent[chn * n + i];
            *v = (*v + 0.3).min(1.0);
        }
    }
    let runs = 200;
    let base = summarise(&s, &s.params, runs, 9);
    let more = summarise(&hot, &hot.params, runs, 9);
    let targeted = |sum: &Summary| {
        (0..n)
            .filter(|&i| i != chn)
            .map(|i| sum.principal[i * n + chn])
            .sum::<u64>()
    };
    assert!(
        targeted(&more) > targeted(&base),
        "{} vs {}",
        targeted(&more),
        targeted(&base)
    );
    let mean_toward = |sum: &Summary| {
        (0..n)
            .filter(|&i| i != chn)
            .map(|i| sum.alignment_sum[i * n + chn])
            .sum::<f64>()
    };
    assert!(mean_toward(&more) < mean_toward(&base));
}

#[test]
fn the_flagship_is_not_degenerate() {
    let s = load("scenarios/vostok-2018.toml");
    let runs = 600;
    let sum = summarise(&s, &s.params, runs, s.seed);
    let n = s.n();
    // 2018 defence pacts (treaty 1) mostly hold twelve years: aligned or allied on average.
    let pacts: Vec<(usize, usize)> = (0..n)
        .flat_map(|i| (i + 1..n).map(move |k| (i, k)))
        .filter(|&(i, k)| s.treaty[i * n + k] == 1.0)
        .collect();
    assert!(pacts.len() >= 10, "{} pacts", pacts.len());
    let held = pacts
        .iter()
        .filter(|&&(i, k)| sum.alignment_sum[i * n + k] / runs as f64 >= 0.4)
        .count();
    assert!(
        held * 4 >= pacts.len() * 3,
        "{held} of {} pacts held",
        pacts.len()
    );
    // H1: balancing far outnumbers bandwagoning.
    let (bal, band) = (sum.total(Choice::Balance), sum.total(Choice::Bandwagon));
    assert!(bal > 10 * band, "balance {bal} vs bandwagon {band}");
    // Fewer than a third of all pairs end as alliances, and no more than a third of pairs
    // have one outcome (alliance, rivalry, neither) in 99 % of runs: the Monte Carlo is not
    // a formality (v1: 124 of 136).
    let pairs: Vec<(usize, usize)> = (0..n)
        .flat_map(|i| (i + 1..n).map(move |k| (i, k)))
        .collect();
    let allied: u64 = pairs.iter().map(|&(i, k)| sum.allied_end[i * n + k]).sum();
    let frac = allied as f64 / (runs as f64 * pairs.len() as f64);
    assert!(frac < 1.0 / 3.0, "{frac:.2} of pairs allied");
    let sure = pairs
        .iter()
        .filter(|&&(i, k)| {
            let (a, r) = (sum.allied_end[i * n + k], sum.rival_end[i * n + k]);
            let p = [a, r, runs - a - r].map(|c| c as f64 / runs as f64);
            p.iter().any(|&x| x >= 0.99)
        })
        .count();
    assert!(
        sure * 3 <= pairs.len(),
        "{sure} of {} pairs near-certain",
        pairs.len()
    );
}

/// The scenario's parameters at the tutorials' teaching rate η = 0.4: the direction of a
/// mechanism shows within the flagship's 12 years (at the calibrated rate the same moves take
/// about twenty times longer).
fn teaching_speed(s: &scenario::Scenario) -> entente::params::Params {
    let mut p = s.params.clone();
    p.eta = 0.4;
    p
}

/// Mean final CHN–RUS alignment with U.S. intent toward both set to `us`, and
/// China–Russia mistrust set to `mistrust` (None: as in the scenario).
fn china_russia(us: Option<f64>, mistrust: Option<f64>, runs: u64) -> f64 {
    let mut s = load("scenarios/vostok-2018.toml");
    let n = s.n();
    let (usa, chn, rus) = (
        s.index("USA").unwrap(),
        s.index("CHN").unwrap(),
        s.index("RUS").unwrap(),
    );
    if let Some(v) = us {
        s.intent[usa * n + chn] = v;
        s.intent[usa * n + rus] = v;
    }
    if let Some(m) = mistrust {
        s.mistrust[chn * n + rus] = m;
        s.mistrust[rus * n + chn] = m;
    }
    summarise(&s, &teaching_speed(&s), runs, 77).mean_alignment(&s, "CHN", "RUS")
}

#[test]
fn china_russia_responds_to_mistrust_and_us_pressure_to_hostility() {
    // Mean alignments over 300 runs: their standard errors are below 0.02 (run-to-run
    // spread ≤ 0.3), the differences required are at least 0.1.
    let runs = 300;
    // U.S. pressure (intent toward both 0.3 -> 1.0) makes China and Russia hostile to the
    // United States (H3). In model v2 it barely moves China–Russia (docs/validation.md):
    // what Russia brings China against the distant United States is small.
    let pressure = |us: f64| {
        let mut s = load("scenarios/vostok-2018.toml");
        let n = s.n();
        let usa = s.index("USA").unwrap();
        for id in ["CHN", "RUS"] {
            let j = s.index(id).unwrap();
            s.intent[usa * n + j] = us;
        }
        let sum = summarise(&s, &teaching_speed(&s), runs, 77);
        sum.mean_alignment(&s, "USA", "CHN") + sum.mean_alignment(&s, "USA", "RUS")
    };
    let (low, high) = (pressure(0.3), pressure(1.0));
    assert!(high < low - 0.1, "U.S. intent 0.3 -> {low}, 1.0 -> {high}");
    let (trusting, wary) = (
        china_russia(None, Some(0.0), runs),
        china_russia(None, Some(0.6), runs),
    );
    // Measured: +0.08 with mistrust 0, −0.12 with 0.6.
    assert!(
        trusting > wary + 0.12,
        "mistrust 0.0 -> {trusting}, 0.6 -> {wary}"
    );
}

#[test]
fn ideology_matters_less_than_threat_h5() {
    // Walt's H5: ideological affinity drives alignment less than threat. Remove each motive
    // in turn (common random numbers: same seed and runs) and compare how far the final
    // mean alignments move, averaged over all pairs: affinity (βf = 0) against threat
    // (βp = 0, what partners bring against it, and βt = 0, the hostility it breeds).
    let s = load("scenarios/vostok-2018.toml");
    let runs = 200;
    let base = summarise(&s, &s.params, runs, 21);
    let shift = |p: Params| {
        let other = summarise(&s, &p, runs, 21);
        let n = s.n();
        let (mut total, mut pairs) = (0.0, 0);
        for i in 0..n {
            for k in i + 1..n {
                total += (other.alignment_sum[i * n + k] - base.alignment_sum[i * n + k]).abs()
                    / runs as f64;
                pairs += 1;
            }
        }
        total / pairs as f64
    };
    let no_ideology = shift(Params {
        beta_f: 0.0,
        ..s.params.clone()
    });
    let no_threat = shift(Params {
        beta_p: 0.0,
        beta_t: 0.0,
        ..s.params.clone()
    });
    assert!(
        no_ideology < 0.5 * no_threat,
        "removing affinity moved alignments by {no_ideology:.3}, removing threat by {no_threat:.3}"
    );
}

/// The treaty of one pair at every step, as the observer sees it.
struct TreatyOf(usize, Vec<f32>);

impl Observer for TreatyOf {
    fn observe(&mut self, _step: usize, _year: f64, w: &World) {
        self.1.push(w.treaty[self.0]);
    }
}

/// `treaty` is carried from the file into the run, and event effects on `pair.A-B.treaty`
/// change it (clamped to [0, 1]) in both orders of the pair; a new run starts from the file's
/// value again.
#[test]
fn treaty_events_change_the_pairs_treaty() {
    let t = r#"
[scenario]
name = "treaty"
start_year = 2000
horizon = 3
dt = 1

[[state]]
id = "AAA"
power = 2
offense = 0.5
lat = 0
lon = 0
aggression = 0.3

[[state]]
id = "BBB"
power = 1
offense = 0.5
lat = 0
lon = 10
aggression = 0.3

[[pair]]
states = ["AAA", "BBB"]
treaty = 0.5

[[event]]
name = "pact"
at = 2001
effects = [{ target = "pair.BBB-AAA.treaty", op = "add", value = 0.8 }]

[[event]]
name = "lapse"
at = 2002
effects = [{ target = "pair.AAA-BBB.treaty", op = "mul", value = 0.25 }]
"#;
    let s = scenario::parse(t, "treaty.toml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((s.treaty[1], s.treaty[2]), (0.5, 0.5));
    let mut sim = Simulator::new(&s, &s.params);
    for run in 0..2 {
        for (k, seen) in [1, 2].into_iter().enumerate() {
            let mut obs = TreatyOf(seen, Vec::new());
            sim.run(run * 2 + k as u64, 1, &mut obs);
            // Steps 0..=3: the file's 0.5; 0.5 + 0.8 clamped to 1 from 2001; 1 x 0.25 from 2002.
            assert_eq!(obs.1, [0.5, 1.0, 0.25, 0.25], "entry {seen}, run {run}");
        }
    }
}

/// Ranks of `x` (1-based, ties get their mean rank).
fn ranks(x: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut r = vec![0.0; x.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && x[order[j + 1]] == x[order[i]] {
            j += 1;
        }
        for &k in &order[i..=j] {
            r[k] = (i + j) as f64 / 2.0 + 1.0;
        }
        i = j + 1;
    }
    r
}

/// Spearman's rank correlation of `a` and `b`.
fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let (ra, rb) = (ranks(a), ranks(b));
    let n = a.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = ra.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = rb.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

#[test]
fn spearman_by_hand() {
    assert!((spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]) + 1.0).abs() < 1e-12);
    // Ranks (1, 2, 3) against (1.5, 1.5, 3): deviations (−1, 0, 1) and (−.5, −.5, 1),
    // covariance 1.5, sums of squares 2 and 1.5: 1.5 / √3.
    let r = spearman(&[1.0, 2.0, 3.0], &[0.0, 0.0, 5.0]);
    assert!((r - 1.5 / 3.0f64.sqrt()).abs() < 1e-12, "{r}");
}

#[test]
fn weak_states_bandwagon_more_h2() {
    // Walt's H2 in the 1904 Europe of the history data (seven great powers): the weaker a
    // state, the more often it bandwagons, and several states do. Measured with 2000 runs
    // (seed 2018): Spearman −0.93, four states bandwagoning in more than 1 % of their
    // decisions; 300 runs leave a wide margin.
    let s = load("scenarios/history/europe-1904.toml");
    let sum = summarise(&s, &s.params, 300, 1904);
    let power: Vec<f64> = s.states.iter().map(|x| x.power).collect();
    let share: Vec<f64> = sum
        .decisions
        .iter()
        .map(|d| d[Choice::Bandwagon as usize] as f64 / d.iter().sum::<u64>() as f64)
        .collect();
    let rho = spearman(&power, &share);
    assert!(
        rho < -0.6,
        "Spearman(power, bandwagoning) = {rho:.2}: {share:?}"
    );
    let several = share.iter().filter(|&&x| x > 0.01).count();
    assert!(several >= 3, "{several} states bandwagon: {share:?}");
    // H1 holds there too.
    let (bal, band) = (sum.total(Choice::Balance), sum.total(Choice::Bandwagon));
    assert!(bal > 3 * band, "balance {bal} vs bandwagon {band}");
}
