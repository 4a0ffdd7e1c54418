//! Fuzz target `landscape`: any text through the landscape readers (`entente landscape
//! FILE.toml`, or `--sizes` with `--propensities`), then, for a landscape the readers accept
//! with at most 10 actors, the exact search with basins and the approximate one. Readers must
//! return a landscape or located problems, never panic; the searches must not overflow (the
//! build has overflow checks) and must agree on the lowest energy.
//!
//! Input: the first byte chooses the reader (even: TOML; odd: CSV, with the sizes and the
//! propensities separated by the first form feed, and `--default-p 0` when bit 1 is set).
#![no_main]

use entente::landscape::{input, search};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let read = if mode % 2 == 0 {
        input::parse_toml(text, "fuzz.toml", None)
    } else {
        let (sizes, props) = text.split_once('\u{c}').unwrap_or((text, ""));
        let default_p = (mode & 2 != 0).then_some(0.0);
        input::parse_csv((sizes, "sizes.csv"), (props, "p.csv"), "fuzz", default_p)
    };
    let l = match read {
        Ok(l) => l,
        Err(e) => {
            assert!(e.count() > 0, "a refusal without a problem");
            let _ = e.to_string();
            return;
        }
    };
    let n = l.n();
    assert_eq!(l.p.len(), n * n);
    if !(2..=10).contains(&n) {
        return;
    }
    let wt = search::Weights::new(&l);
    let exact = search::exact(&wt, true, 4).expect("2 to 10 actors are searched exactly");
    let approx = search::approximate(&wt, 1, 64, 4).expect("2 to 10 actors");
    assert!(exact.total >= 1, "the global minimum is a local minimum");
    let (e, a) = (&exact.minima[0], &approx.minima[0]);
    assert!(
        e.half_energy <= a.half_energy,
        "a descent went below the global minimum"
    );
});
