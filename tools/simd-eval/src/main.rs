mod common;
mod mv;
mod ours;
mod pulp_v;
mod wide_v;

use common::*;
use std::hint::black_box;
use std::time::Instant;

type K1Fn = Box<dyn Fn(&K1In, &mut [L32])>;
type K2Fn = Box<dyn Fn(&K2In, &mut [L32], &mut L32)>;

struct Version<F> {
    level: &'static str,
    name: &'static str,
    f: F,
}

fn k1_versions() -> Vec<Version<K1Fn>> {
    use ours::Ours;
    use pulp_v::{arch, P16};
    let mut v: Vec<Version<K1Fn>> = Vec::new();
    for (level, max) in [("avx512", 2u8), ("avx2", 1), ("portable", 0)] {
        let o = Ours::detect(max);
        if o.name() != ["portable", "avx2", "avx512"][max as usize] {
            continue; // this CPU lacks the level
        }
        v.push(Version { level, name: "a ours", f: Box::new(move |d, out| ours::k1_dispatch(o, d, out)) });
        let p = P16::detect(max);
        v.push(Version { level, name: "b pulp 16-lane tokens", f: Box::new(move |d, out| pulp_v::k1_p16(p, d, out)) });
        let a = arch(max);
        v.push(Version { level, name: "b' pulp Arch::dispatch", f: Box::new(move |d, out| pulp_v::k1_arch(a, d, out)) });
        match max {
            2 => {
                v.push(Version { level, name: "c multiversion+arrays", f: Box::new(mv::k1_mv) });
                v.push(Version { level, name: "c' multiversion+wide", f: Box::new(mv::k1_mv_wide) });
            }
            1 => {
                v.push(Version { level, name: "c multiversion+arrays", f: Box::new(mv::k1_mv_avx2) });
                v.push(Version { level, name: "c' multiversion+wide", f: Box::new(mv::k1_mv_wide_avx2) });
            }
            _ => {}
        }
    }
    v.push(Version { level: WIDE_LEVEL, name: "d wide (compile-time)", f: Box::new(wide_v::k1) });
    v
}

fn k2_versions() -> Vec<Version<K2Fn>> {
    use ours::Ours;
    use pulp_v::{arch, P16};
    let mut v: Vec<Version<K2Fn>> = Vec::new();
    for (level, max) in [("avx512", 2u8), ("avx2", 1), ("portable", 0)] {
        let o = Ours::detect(max);
        if o.name() != ["portable", "avx2", "avx512"][max as usize] {
            continue;
        }
        v.push(Version { level, name: "a ours", f: Box::new(move |d, r, a| ours::k2_dispatch(o, d, r, a)) });
        let p = P16::detect(max);
        v.push(Version { level, name: "b pulp 16-lane tokens", f: Box::new(move |d, r, a| pulp_v::k2_p16(p, d, r, a)) });
        let ar = arch(max);
        v.push(Version { level, name: "b' pulp Arch::dispatch", f: Box::new(move |d, r, a| pulp_v::k2_arch(ar, d, r, a)) });
        match max {
            2 => {
                v.push(Version { level, name: "c multiversion+arrays", f: Box::new(mv::k2_mv) });
                v.push(Version { level, name: "c' multiversion+wide", f: Box::new(mv::k2_mv_wide) });
            }
            1 => {
                v.push(Version { level, name: "c multiversion+arrays", f: Box::new(mv::k2_mv_avx2) });
                v.push(Version { level, name: "c' multiversion+wide", f: Box::new(mv::k2_mv_wide_avx2) });
            }
            _ => {}
        }
    }
    v.push(Version { level: WIDE_LEVEL, name: "d wide (compile-time)", f: Box::new(wide_v::k2) });
    v
}

/// The level `wide` was compiled for (its implementation is fixed at compile time).
const WIDE_LEVEL: &str = if cfg!(target_feature = "avx512f") {
    "avx512"
} else if cfg!(all(target_feature = "avx2", target_feature = "fma")) {
    "avx2"
} else {
    "portable"
};

fn bits_diff(a: &[L32], b: &[L32]) -> usize {
    a.iter()
        .zip(b)
        .flat_map(|(x, y)| x.0.iter().zip(&y.0))
        .filter(|(x, y)| x.to_bits() != y.to_bits())
        .count()
}

/// Median and minimum ns per call over `reps` repetitions, each rep running every version
/// in turn, so that drift and load from other processes affect all versions alike. Each
/// version gets its own number of calls per sample, calibrated to about `sample_ns`.
fn time_all(fs: &mut [&mut dyn FnMut()], sample_ns: f64, reps: usize) -> Vec<(f64, f64)> {
    let iters: Vec<u32> = fs
        .iter_mut()
        .map(|f| {
            for _ in 0..10 {
                f();
            }
            let t = Instant::now();
            for _ in 0..20 {
                f();
            }
            let per = t.elapsed().as_nanos() as f64 / 20.0;
            (sample_ns / per).clamp(5.0, 1e6) as u32
        })
        .collect();
    let mut samples = vec![Vec::with_capacity(reps); fs.len()];
    for _ in 0..reps {
        for (i, f) in fs.iter_mut().enumerate() {
            let t = Instant::now();
            for _ in 0..iters[i] {
                f();
            }
            samples[i].push(t.elapsed().as_nanos() as f64 / iters[i] as f64);
        }
    }
    samples
        .into_iter()
        .map(|mut s| {
            s.sort_by(|a, b| a.partial_cmp(b).unwrap());
            (s[s.len() / 2], s[0])
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let reps: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(101);
    let n = 17;
    if args.get(2).map(String::as_str) == Some("explore") {
        let d = k1_input(n, 42);
        let mut out = vec![L32::default(); n];
        let mut r = vec![L32::default(); n];
        k1_ref(&d, &mut r);
        let accs = [4usize, 6, 8, 12, 24];
        let mut fs: Vec<Box<dyn FnMut()>> = accs
            .iter()
            .map(|&a| {
                let (d, o) = (&d, out.as_mut_ptr());
                Box::new(move || {
                    let o = unsafe { std::slice::from_raw_parts_mut(o, n) };
                    mv::k1_mv_acc(black_box(a), black_box(d), black_box(o))
                }) as Box<dyn FnMut()>
            })
            .collect();
        let mut refs: Vec<&mut dyn FnMut()> = fs.iter_mut().map(|b| &mut **b as &mut dyn FnMut()).collect();
        let t = time_all(&mut refs, 1e6, reps);
        for (a, (m, mn)) in accs.iter().zip(t) {
            mv::k1_mv_acc(*a, &d, &mut out);
            println!("multiversion avx512 clone, arrays, {a} accumulators: {m:.1} ns [{mn:.1}], differing lanes {}", bits_diff(&r, &out));
        }
        return;
    }
    println!(
        "cpu: avx2={} fma={} avx512f={}; wide compiled for: {WIDE_LEVEL}; n = {n}; reps = {reps}",
        is_x86_feature_detected!("avx2"),
        is_x86_feature_detected!("fma"),
        is_x86_feature_detected!("avx512f")
    );

    // ---------------------------------------------------------------- correctness
    let (k1v, k2v) = (k1_versions(), k2_versions());
    println!("\n## bit-identity against the scalar reference (100 random inputs, 16 lanes each)");
    println!("| kernel | level | version | lanes differing / total |");
    println!("|---|---|---|---|");
    for v in &k1v {
        let (mut bad, mut total) = (0, 0);
        for seed in 1..=100u64 {
            let d = k1_input(n, seed);
            let (mut r, mut o) = (vec![L32::default(); n], vec![L32::default(); n]);
            k1_ref(&d, &mut r);
            (v.f)(&d, &mut o);
            bad += bits_diff(&r, &o);
            total += n * W;
        }
        println!("| K1 | {} | {} | {bad} / {total} |", v.level, v.name);
    }
    for v in &k2v {
        let (mut bad, mut total) = (0, 0);
        for seed in 1..=100u64 {
            let d = k2_input(n, seed);
            let (mut r, mut o) = (vec![L32::default(); n], vec![L32::default(); n]);
            let (mut ra, mut oa) = (L32::default(), L32::default());
            k2_ref(&d, &mut r, &mut ra);
            (v.f)(&d, &mut o, &mut oa);
            bad += bits_diff(&r, &o) + bits_diff(&[ra], &[oa]);
            total += (n + 1) * W;
        }
        println!("| K2 | {} | {} | {bad} / {total} |", v.level, v.name);
    }

    // ---------------------------------------------------------------- timing
    println!("\n## time per call (ns; median of {reps} reps, min in brackets; ratio = median / median of `a ours` at that level)");
    println!("| kernel | level | version | ns/call | ratio to (a) |");
    println!("|---|---|---|---|---|");
    let d1 = k1_input(n, 42);
    let mut out1 = vec![L32::default(); n];
    let r1 = {
        let mut cl: Vec<Box<dyn FnMut()>> = k1v
            .iter()
            .map(|v| {
                let (f, d, out) = (&v.f, &d1, out1.as_mut_ptr());
                Box::new(move || {
                    // SAFETY: single-threaded; each closure runs alone.
                    let out = unsafe { std::slice::from_raw_parts_mut(out, n) };
                    f(black_box(d), black_box(out));
                }) as Box<dyn FnMut()>
            })
            .collect();
        let mut refs: Vec<&mut dyn FnMut()> = cl.iter_mut().map(|b| &mut **b as &mut dyn FnMut()).collect();
        time_all(&mut refs, 1e6, reps)
    };
    report("K1", &k1v.iter().map(|v| (v.level, v.name)).collect::<Vec<_>>(), &r1);
    black_box(&out1);

    let d2 = k2_input(n, 42);
    let mut out2 = vec![L32::default(); n];
    let mut a2 = L32::default();
    let r2 = {
        let (po, pa) = (out2.as_mut_ptr(), &mut a2 as *mut L32);
        let mut cl: Vec<Box<dyn FnMut()>> = k2v
            .iter()
            .map(|v| {
                let (f, d) = (&v.f, &d2);
                Box::new(move || {
                    // SAFETY: single-threaded; each closure runs alone.
                    let (o, a) = unsafe { (std::slice::from_raw_parts_mut(po, n), &mut *pa) };
                    f(black_box(d), black_box(o), black_box(a));
                }) as Box<dyn FnMut()>
            })
            .collect();
        let mut refs: Vec<&mut dyn FnMut()> = cl.iter_mut().map(|b| &mut **b as &mut dyn FnMut()).collect();
        time_all(&mut refs, 1e6, reps)
    };
    report("K2", &k2v.iter().map(|v| (v.level, v.name)).collect::<Vec<_>>(), &r2);
    black_box((&out2, &a2));
}

fn report(kernel: &str, names: &[(&str, &str)], r: &[(f64, f64)]) {
    for (i, ((level, name), (med, min))) in names.iter().zip(r).enumerate() {
        let base = names
            .iter()
            .zip(r)
            .find(|((l, nm), _)| l == level && *nm == "a ours")
            .map(|(_, (m, _))| *m);
        let ratio = base.map_or("–".to_string(), |b| format!("{:.2}", med / b));
        let _ = i;
        println!("| {kernel} | {level} | {name} | {med:.1} [{min:.1}] | {ratio} |");
    }
}
