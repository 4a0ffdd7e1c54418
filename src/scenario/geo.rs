//! Geography: great-circle distances between capitals.

/// Mean Earth radius used for distances, km (the value used in `data/`).
pub const EARTH_RADIUS_KM: f64 = 6371.0;

/// Great-circle distance in km between two points given in degrees (haversine formula).
///
/// `d = 2 R asin( sqrt( sin²(Δφ/2) + cos φ1 cos φ2 sin²(Δλ/2) ) )`
pub fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    // libm, not the platform's math library: identical bits on every machine.
    let (sp, sl) = (libm::sin(dp / 2.0), libm::sin(dl / 2.0));
    let h = sp * sp + libm::cos(p1) * libm::cos(p2) * sl * sl;
    2.0 * EARTH_RADIUS_KM * libm::asin(h.sqrt().min(1.0))
}
