//! Calibration: the parameter values that score best against history.
//!
//! `entente calibrate` searches the free parameters in two stages. A space-filling start (a
//! Latin hypercube, evaluated as a sweep, so that it shards and resumes like one) finds the
//! region of the best score; a bounded Nelder–Mead simplex ([`nelder_mead`]) then refines the
//! best start point. The search works in the unit cube of the free parameters (each scaled
//! from its `[low, high]` to `[0, 1]`), where one step size suits every parameter.
//!
//! Why a Nelder–Mead of our own rather than a crate's: the objective is a Monte Carlo score
//! with common random numbers (deterministic, but flat in places), every evaluation must be
//! written to the trace as it is made, the search must stay inside the box of every
//! parameter, and the sequence of evaluations must be the same on every machine; the method
//! is forty lines, and each rule below is the textbook one (Nelder and Mead 1965, with the
//! standard coefficients of Lagarias et al. 1998).

/// The settings of the refinement.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// Most evaluations of the objective.
    pub max_evals: usize,
    /// Size of the first simplex in the unit cube: vertex `j` moves coordinate `j` by this
    /// much (toward the inside of the box).
    pub step: f64,
    /// Stop when the simplex's values differ by at most this much and its vertices lie
    /// within this distance (largest coordinate difference) of the best one.
    pub tolerance: f64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_evals: 200,
            step: 0.1,
            tolerance: 1e-4,
        }
    }
}

/// One evaluation of the objective: the point in the unit cube and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// The point, each coordinate in `[0, 1]`.
    pub x: Vec<f64>,
    /// The objective there (lower is better).
    pub f: f64,
}

/// Why the refinement stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The simplex shrank below the tolerance.
    Converged,
    /// `max_evals` evaluations were made.
    Budget,
}

impl Stop {
    /// `converged` or `budget`.
    pub fn name(self) -> &'static str {
        match self {
            Stop::Converged => "converged",
            Stop::Budget => "budget",
        }
    }
}

/// A point of the unit cube, each coordinate clamped to `[0, 1]`.
fn clamp(x: Vec<f64>) -> Vec<f64> {
    x.into_iter().map(|v| v.clamp(0.0, 1.0)).collect()
}

/// Minimise `f` over the unit cube by Nelder–Mead from `x0`, within `o.max_evals`
/// evaluations. Trial points outside the cube are clamped onto it. Every evaluation is handed
/// to `f` in order; the trace of them (the first simplex first) and why the search stopped are
/// returned. An error of `f` stops the search and is returned.
pub fn nelder_mead(
    f: &mut dyn FnMut(&[f64]) -> Result<f64, String>,
    x0: &[f64],
    o: &Options,
) -> Result<(Vec<Evaluation>, Stop), String> {
    let k = x0.len();
    let mut trace: Vec<Evaluation> = Vec::new();
    let mut eval = |x: Vec<f64>, trace: &mut Vec<Evaluation>| -> Result<Evaluation, String> {
        let x = clamp(x);
        let v = f(&x)?;
        // A failed or undefined score counts as the worst possible.
        let v = if v.is_nan() { f64::INFINITY } else { v };
        let e = Evaluation { x, f: v };
        trace.push(e.clone());
        Ok(e)
    };
    if k == 0 || o.max_evals == 0 {
        return Ok((trace, Stop::Budget));
    }
    // The first simplex: x0 and one vertex per coordinate, stepped toward the inside.
    let mut simplex = vec![eval(x0.to_vec(), &mut trace)?];
    for j in 0..k {
        if trace.len() >= o.max_evals {
            return Ok((trace, Stop::Budget));
        }
        let mut x = clamp(x0.to_vec());
        x[j] += if x[j] + o.step <= 1.0 {
            o.step
        } else {
            -o.step
        };
        simplex.push(eval(x, &mut trace)?);
    }
    let (alpha, gamma, rho, sigma) = (1.0, 2.0, 0.5, 0.5);
    loop {
        // Order by value; ties keep the earlier vertex first (a stable sort).
        simplex.sort_by(|a, b| a.f.total_cmp(&b.f));
        let best = &simplex[0];
        let spread = simplex[k].f - best.f;
        let size = simplex[1..]
            .iter()
            .flat_map(|v| v.x.iter().zip(&best.x).map(|(a, b)| (a - b).abs()))
            .fold(0.0, f64::max);
        if spread.abs() <= o.tolerance && size <= o.tolerance {
            return Ok((trace, Stop::Converged));
        }
        if trace.len() >= o.max_evals {
            return Ok((trace, Stop::Budget));
        }
        // Centroid of all vertices but the worst.
        let mut c = vec![0.0; k];
        for v in &simplex[..k] {
            for (ci, xi) in c.iter_mut().zip(&v.x) {
                *ci += xi / k as f64;
            }
        }
        let worst = simplex[k].clone();
        let toward = |t: f64| -> Vec<f64> {
            c.iter()
                .zip(&worst.x)
                .map(|(ci, wi)| ci + t * (ci - wi))
                .collect()
        };
        let r = eval(toward(alpha), &mut trace)?;
        if r.f < simplex[0].f {
            if trace.len() >= o.max_evals {
                simplex[k] = r;
                continue;
            }
            let e = eval(toward(gamma), &mut trace)?;
            simplex[k] = if e.f < r.f { e } else { r };
            continue;
        }
        if r.f < simplex[k - 1].f {
            simplex[k] = r;
            continue;
        }
        if trace.len() >= o.max_evals {
            continue;
        }
        // Contract: outside when the reflection beat the worst, else inside.
        let outside = r.f < worst.f;
        let cx = eval(toward(if outside { rho } else { -rho }), &mut trace)?;
        if (outside && cx.f <= r.f) || (!outside && cx.f < worst.f) {
            simplex[k] = cx;
            continue;
        }
        // Shrink every vertex toward the best.
        let b = simplex[0].x.clone();
        for v in simplex.iter_mut().skip(1) {
            if trace.len() >= o.max_evals {
                break;
            }
            let x: Vec<f64> = b
                .iter()
                .zip(&v.x)
                .map(|(bi, vi)| bi + sigma * (vi - bi))
                .collect();
            *v = eval(x, &mut trace)?;
        }
    }
}

/// The best evaluation of a trace: the lowest value, the earliest among equals.
pub fn best(trace: &[Evaluation]) -> Option<&Evaluation> {
    trace
        .iter()
        .fold(None, |b: Option<&Evaluation>, e| match b {
            Some(b) if b.f <= e.f => Some(b),
            _ => Some(e),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quadratic(target: &[f64]) -> impl FnMut(&[f64]) -> Result<f64, String> + '_ {
        move |x: &[f64]| {
            Ok(x.iter()
                .zip(target)
                .enumerate()
                .map(|(i, (a, b))| (i + 1) as f64 * (a - b) * (a - b))
                .sum())
        }
    }

    #[test]
    fn finds_the_minimum_of_a_quadratic_inside_the_box() {
        let target = [0.3, 0.72, 0.55];
        let mut f = quadratic(&target);
        let (trace, stop) = nelder_mead(
            &mut f,
            &[0.9, 0.1, 0.5],
            &Options {
                max_evals: 500,
                step: 0.1,
                tolerance: 1e-7,
            },
        )
        .unwrap();
        assert_eq!(stop, Stop::Converged);
        let b = best(&trace).unwrap();
        for (x, t) in b.x.iter().zip(target) {
            assert!((x - t).abs() < 1e-3, "{:?}", b.x);
        }
    }

    #[test]
    fn a_minimum_outside_the_box_is_found_on_its_edge() {
        let target = [1.4, -0.2];
        let mut f = quadratic(&target);
        let (trace, _) = nelder_mead(&mut f, &[0.5, 0.5], &Options::default()).unwrap();
        let b = best(&trace).unwrap();
        assert!(
            (b.x[0] - 1.0).abs() < 1e-3 && b.x[1].abs() < 1e-3,
            "{:?}",
            b.x
        );
        assert!(
            trace
                .iter()
                .all(|e| e.x.iter().all(|v| (0.0..=1.0).contains(v)))
        );
    }

    #[test]
    fn the_budget_is_kept_and_the_trace_is_every_evaluation() {
        let target = [0.2, 0.2, 0.2, 0.2];
        let mut calls = 0;
        let mut f = |x: &[f64]| {
            calls += 1;
            quadratic(&target)(x)
        };
        let (trace, stop) = nelder_mead(
            &mut f,
            &[0.9; 4],
            &Options {
                max_evals: 17,
                ..Options::default()
            },
        )
        .unwrap();
        assert_eq!(stop, Stop::Budget);
        assert_eq!(trace.len(), 17);
        assert_eq!(calls, 17);
    }

    #[test]
    fn an_error_stops_the_search() {
        let mut n = 0;
        let mut f = |_: &[f64]| {
            n += 1;
            if n == 3 {
                Err("boom".to_string())
            } else {
                Ok(1.0)
            }
        };
        assert_eq!(
            nelder_mead(&mut f, &[0.5, 0.5], &Options::default()),
            Err("boom".into())
        );
    }

    #[test]
    fn best_takes_the_earliest_of_equal_values() {
        let t = vec![
            Evaluation {
                x: vec![0.1],
                f: 2.0,
            },
            Evaluation {
                x: vec![0.2],
                f: 1.0,
            },
            Evaluation {
                x: vec![0.3],
                f: 1.0,
            },
        ];
        assert_eq!(best(&t).unwrap().x, vec![0.2]);
        assert!(best(&[]).is_none());
    }
}
