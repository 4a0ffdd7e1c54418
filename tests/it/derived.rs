//! Values that validation derives, against numbers computed by hand.
//!
//! The expected numbers are literals computed outside the crate (Python 3, `math`
//! module, same formulas); each test says how.

use entente::model::proximity;
use entente::scenario::geo::haversine_km;
use entente::scenario::{self, PowerSpec, Scenario};

/// `actual` equals `expected` within `tol`.
fn check_close(what: &str, actual: f64, expected: f64, tol: f64) {
    assert!(
        (actual - expected).abs() <= tol,
        "{what}: expected {expected} ± {tol}, found {actual}"
    );
}

/// Three states with S6 capital coordinates (data/SOURCES.md §3), power from
/// components, and a China-Russia land border.
const THREE_STATES: &str = r#"
[scenario]
name = "three-states"
start_year = 2018

[power]
weights = { gdp = 0.5, milex = 0.5 }
gdp_component = "gdp"

[[state]]
id = "USA"
components = { gdp = 20, milex = 6, population = 330 }
offense = 0.6
lat = 38.8833
lon = -77.0
aggression = 0.4

[[state]]
id = "CHN"
components = { gdp = 14, milex = 2, population = 1400 }
offense = 0.5
lat = 39.9167
lon = 116.3833
aggression = 0.5

[[state]]
id = "RUS"
components = { gdp = 2, milex = 2, population = 145 }
offense = 0.7
lat = 55.75
lon = 37.6
aggression = 0.6

[[pair]]
states = ["CHN", "RUS"]
border = true
"#;

fn three_states() -> Scenario {
    match scenario::parse(THREE_STATES, "three-states.toml") {
        Ok(s) => s,
        Err(e) => panic!("the three-state scenario does not validate:\n{e}"),
    }
}

#[test]
fn power_shares_from_components() {
    let s = three_states();
    assert!(matches!(s.power_spec, PowerSpec::Components { .. }));
    // P_i = 0.5 * gdp_i / 36 + 0.5 * milex_i / 10 (gdp total 20 + 14 + 2 = 36, milex total
    // 6 + 2 + 2 = 10; population has no weight and counts for nothing):
    // USA 0.5*20/36 + 0.5*6/10, CHN 0.5*14/36 + 0.5*2/10, RUS 0.5*2/36 + 0.5*2/10.
    let expected = [
        ("USA", 0.577_777_777_777_777_7),
        ("CHN", 0.294_444_444_444_444_45),
        ("RUS", 0.127_777_777_777_777_77),
    ];
    let shares = s.power_shares();
    for (k, (id, p)) in expected.into_iter().enumerate() {
        assert_eq!(s.states[k].id, id);
        check_close(&format!("power of {id}"), s.states[k].power, p, 1e-12);
        // The weights sum to 1, so the powers are already shares.
        check_close(&format!("share of {id}"), shares[k], p, 1e-12);
    }
    // GDP comes from the component named by gdp_component.
    let gdp: Vec<_> = s.states.iter().map(|st| st.gdp).collect();
    assert_eq!(gdp, [Some(20.0), Some(14.0), Some(2.0)]);
}

#[test]
fn power_shares_with_weights_that_do_not_sum_to_one() {
    let text = THREE_STATES.replace(
        "weights = { gdp = 0.5, milex = 0.5 }",
        "weights = { gdp = 2, milex = 1 }",
    );
    let s = scenario::parse(&text, "weights.toml").expect("valid scenario");
    // P_USA = 2*20/36 + 1*6/10 = 1.7111..., sum of P = 2 + 1 = 3, share = P / 3.
    check_close(
        "power of USA",
        s.states[0].power,
        1.711_111_111_111_111,
        1e-12,
    );
    check_close(
        "share of USA",
        s.power_shares()[0],
        0.570_370_370_370_370_4,
        1e-12,
    );
    let total: f64 = s.power_shares().iter().sum();
    check_close("sum of shares", total, 1.0, 1e-12);
}

#[test]
fn haversine_matches_the_distances_table() {
    // S6 coordinates (SOURCES.md §3) and the distances of SOURCES.md §4, rounded to the km there.
    let table = [
        ((38.8833, -77.0), (39.9167, 116.3833), 11148.0), // USA-CHN
        ((38.8833, -77.0), (55.75, 37.6), 7821.0),        // USA-RUS
        ((39.9167, 116.3833), (55.75, 37.6), 5793.0),     // CHN-RUS
        ((48.8667, 2.3333), (51.5, -0.0833), 340.0),      // FRA-GBR
        ((37.55, 126.9833), (39.0167, 125.75), 195.0),    // KOR-PRK
        ((51.5, -0.0833), (-35.2667, 149.1333), 16978.0), // GBR-AUS
        ((28.6, 77.2), (33.6833, 73.05), 689.0),          // IND-PAK
        ((52.5167, 13.4), (48.8667, 2.3333), 878.0),      // DEU-FRA
        ((35.6833, 139.75), (37.55, 126.9833), 1157.0),   // JPN-KOR
        ((35.7, 51.4167), (39.9333, 32.8667), 1693.0),    // IRN-TUR
    ];
    for ((lat1, lon1), (lat2, lon2), km) in table {
        let what = format!("({lat1}, {lon1}) to ({lat2}, {lon2})");
        check_close(&what, haversine_km(lat1, lon1, lat2, lon2), km, 1.0);
        // Symmetric.
        check_close(&what, haversine_km(lat2, lon2, lat1, lon1), km, 1.0);
    }
    assert_eq!(haversine_km(10.0, 20.0, 10.0, 20.0), 0.0);
    // Antipodes: half the circumference, pi * 6371.
    check_close(
        "antipodes",
        haversine_km(0.0, 0.0, 0.0, 180.0),
        20_015.086_796_020_572,
        1e-6,
    );
}

#[test]
fn proximity_of_three_states() {
    let s = three_states();
    let n = s.n();
    let d0 = s.params.d0;
    assert_eq!(d0, 1000.0);
    // Distances: haversine in Python (R = 6371 km) on the coordinates above.
    // Proximity: 1 / (1 + d / 1000), or 1 across the China-Russia land border.
    let expected = [
        (
            "USA",
            "CHN",
            11_147.792_076_488_92,
            false,
            0.082_319_486_018_814_89,
        ),
        (
            "USA",
            "RUS",
            7_820.984_852_404_385,
            false,
            0.113_366_026_212_756_1,
        ),
        // Across the border the distance counts half (border_factor 0.5).
        (
            "CHN",
            "RUS",
            5_792.595_722_450_185,
            true,
            1.0 / (1.0 + 0.5 * 5_792.595_722_450_185 / 1000.0),
        ),
    ];
    for (a, b, km, border, prox) in expected {
        let (i, j) = (s.index(a).expect("state"), s.index(b).expect("state"));
        for (i, j) in [(i, j), (j, i)] {
            let what = format!("{}-{}", s.states[i].id, s.states[j].id);
            check_close(&format!("distance {what}"), s.distance[i * n + j], km, 1e-6);
            assert!(s.distance_derived[i * n + j], "{what}: distance derived");
            assert_eq!(s.border[i * n + j], border, "{what}: border");
            let p = proximity(s.border[i * n + j], s.distance[i * n + j], d0, 0.5);
            check_close(&format!("proximity {what}"), p, prox, 1e-12);
        }
    }
}

#[test]
fn proximity_halves_at_d0_and_a_border_brings_states_closer() {
    assert_eq!(proximity(false, 0.0, 1000.0, 0.5), 1.0);
    assert_eq!(proximity(false, 1000.0, 1000.0, 0.5), 0.5);
    assert_eq!(proximity(false, 3000.0, 1000.0, 0.5), 0.25);
    assert_eq!(proximity(true, 2000.0, 1000.0, 0.5), 0.5);
    // border_factor 0: a border is contact (model v1's rule).
    assert_eq!(proximity(true, 5000.0, 1000.0, 0.0), 1.0);
}

#[test]
fn a_given_distance_overrides_the_coordinates() {
    let text = THREE_STATES.replace("border = true", "border = true\ndistance_km = 4200");
    let s = scenario::parse(&text, "distance.toml").expect("valid scenario");
    let (i, j, n) = (s.index("CHN").unwrap(), s.index("RUS").unwrap(), s.n());
    assert_eq!(s.distance[i * n + j], 4200.0);
    assert_eq!(s.distance[j * n + i], 4200.0);
    assert!(!s.distance_derived[i * n + j] && !s.distance_derived[j * n + i]);
}
