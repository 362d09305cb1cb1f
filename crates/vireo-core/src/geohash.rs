//! Geohash arithmetic for the GEO commands: the 52-bit interleaved scores of
//! geo sets, decoding them back to coordinates, the nine cells a radius or
//! box search visits, and great-circle distances.
//!
//! Redis compat: every formula here is evaluated in the same order and with
//! the same constants as Redis, so that scores, coordinates, distances and
//! the set of visited cells are bit-for-bit the ones Redis computes.

use std::f64::consts::PI;

/// Bits per coordinate in a stored score (2 × 26 = 52 bits).
pub const STEP_MAX: u8 = 26;
/// Southernmost latitude that can be indexed (the Web Mercator limit).
pub const LAT_MIN: f64 = -85.051_128_78;
/// Northernmost latitude that can be indexed.
pub const LAT_MAX: f64 = 85.051_128_78;
/// Westernmost longitude.
pub const LONG_MIN: f64 = -180.0;
/// Easternmost longitude.
pub const LONG_MAX: f64 = 180.0;
/// The quadratic mean radius of the WGS-84 ellipsoid, in meters.
pub const EARTH_RADIUS_IN_METERS: f64 = 6_372_797.560_856;
/// Half the Web Mercator world width, in meters: radius estimates stop here.
const MERCATOR_MAX: f64 = 20_037_726.37;
/// Degrees to radians, computed as Redis computes it.
const DEG_TO_RAD: f64 = PI / 180.0;

/// An interval of one coordinate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// Lower end.
    pub min: f64,
    /// Upper end.
    pub max: f64,
}

/// The longitude range of geo set scores.
pub const WGS84_LONGITUDE: Range = Range {
    min: LONG_MIN,
    max: LONG_MAX,
};
/// The latitude range of geo set scores.
pub const WGS84_LATITUDE: Range = Range {
    min: LAT_MIN,
    max: LAT_MAX,
};
/// The latitude range of standard geohash strings.
pub const STANDARD_LATITUDE: Range = Range {
    min: -90.0,
    max: 90.0,
};

/// A geohash cell: `step` bits per coordinate, interleaved in `bits`
/// (latitude in the even bits, longitude in the odd bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashBits {
    /// The interleaved bits, `2 * step` of them.
    pub bits: u64,
    /// Bits per coordinate.
    pub step: u8,
}

impl HashBits {
    /// The lowest 52-bit score inside this cell.
    pub fn align_52(self) -> u64 {
        self.bits << (52 - u32::from(self.step) * 2)
    }

    /// The scores of the members inside this cell: `min..max`, `max` excluded.
    pub fn score_range(self) -> (u64, u64) {
        let next = HashBits {
            bits: self.bits.wrapping_add(1),
            step: self.step,
        };
        (self.align_52(), next.align_52())
    }
}

/// The rectangle a cell covers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Area {
    /// Longitudes covered.
    pub longitude: Range,
    /// Latitudes covered.
    pub latitude: Range,
}

/// Spreads the 32 bits of `low` over the even bits of the result and those
/// of `high` over the odd bits.
fn interleave(low: u32, high: u32) -> u64 {
    fn spread(value: u32) -> u64 {
        let mut x = u64::from(value);
        x = (x | (x << 16)) & 0x0000_FFFF_0000_FFFF;
        x = (x | (x << 8)) & 0x00FF_00FF_00FF_00FF;
        x = (x | (x << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
        x = (x | (x << 2)) & 0x3333_3333_3333_3333;
        (x | (x << 1)) & 0x5555_5555_5555_5555
    }
    spread(low) | (spread(high) << 1)
}

/// The inverse of [`interleave`]: (even bits, odd bits).
fn deinterleave(bits: u64) -> (u32, u32) {
    fn gather(value: u64) -> u32 {
        let mut x = value & 0x5555_5555_5555_5555;
        x = (x | (x >> 1)) & 0x3333_3333_3333_3333;
        x = (x | (x >> 2)) & 0x0F0F_0F0F_0F0F_0F0F;
        x = (x | (x >> 4)) & 0x00FF_00FF_00FF_00FF;
        x = (x | (x >> 8)) & 0x0000_FFFF_0000_FFFF;
        x = (x | (x >> 16)) & 0x0000_0000_FFFF_FFFF;
        x as u32
    }
    (gather(bits), gather(bits >> 1))
}

/// True if the pair can be stored in a geo set.
pub fn valid_long_lat(longitude: f64, latitude: f64) -> bool {
    (LONG_MIN..=LONG_MAX).contains(&longitude) && (LAT_MIN..=LAT_MAX).contains(&latitude)
}

/// The cell of `step` bits per coordinate holding the point, within the
/// given coordinate ranges; `None` outside them (or outside the indexable
/// world, whatever the ranges).
pub fn encode(
    longitude_range: Range,
    latitude_range: Range,
    longitude: f64,
    latitude: f64,
    step: u8,
) -> Option<HashBits> {
    if step == 0 || step > 32 || !valid_long_lat(longitude, latitude) {
        return None;
    }
    if latitude < latitude_range.min
        || latitude > latitude_range.max
        || longitude < longitude_range.min
        || longitude > longitude_range.max
    {
        return None;
    }
    let cells = (1u64 << step) as f64;
    let lat_offset = (latitude - latitude_range.min) / (latitude_range.max - latitude_range.min);
    let long_offset =
        (longitude - longitude_range.min) / (longitude_range.max - longitude_range.min);
    Some(HashBits {
        bits: interleave((lat_offset * cells) as u32, (long_offset * cells) as u32),
        step,
    })
}

/// The geo-set cell of the point (see [`encode`]).
pub fn encode_wgs84(longitude: f64, latitude: f64, step: u8) -> Option<HashBits> {
    encode(WGS84_LONGITUDE, WGS84_LATITUDE, longitude, latitude, step)
}

/// The 52-bit score Redis stores for the point; `None` outside the world.
pub fn score_of(longitude: f64, latitude: f64) -> Option<u64> {
    encode_wgs84(longitude, latitude, STEP_MAX).map(HashBits::align_52)
}

/// The rectangle covered by `hash` within the given ranges.
pub fn decode(longitude_range: Range, latitude_range: Range, hash: HashBits) -> Area {
    let (lat_cell, long_cell) = deinterleave(hash.bits);
    let cells = (1u64 << hash.step) as f64;
    let lat_scale = latitude_range.max - latitude_range.min;
    let long_scale = longitude_range.max - longitude_range.min;
    let lower = |cell: u32, range: Range, scale: f64| range.min + (f64::from(cell) / cells) * scale;
    Area {
        latitude: Range {
            min: lower(lat_cell, latitude_range, lat_scale),
            max: lower(lat_cell.wrapping_add(1), latitude_range, lat_scale),
        },
        longitude: Range {
            min: lower(long_cell, longitude_range, long_scale),
            max: lower(long_cell.wrapping_add(1), longitude_range, long_scale),
        },
    }
}

/// The geo-set rectangle covered by `hash`.
pub fn decode_wgs84(hash: HashBits) -> Area {
    decode(WGS84_LONGITUDE, WGS84_LATITUDE, hash)
}

/// The centre of `area`, clamped to the indexable world: (longitude, latitude).
pub fn area_center(area: &Area) -> (f64, f64) {
    let longitude = ((area.longitude.min + area.longitude.max) / 2.0).clamp(LONG_MIN, LONG_MAX);
    let latitude = ((area.latitude.min + area.latitude.max) / 2.0).clamp(LAT_MIN, LAT_MAX);
    (longitude, latitude)
}

/// The bits C's `(uint64_t)` cast makes of a score on x86-64.
///
/// Redis compat: geo commands read any sorted set, whose scores need not be
/// geohashes. Below 2^63 the compiler converts through a signed integer (so
/// -1.0 becomes all ones and values below -2^63 the "integer indefinite"
/// 2^63); from 2^63 on it subtracts 2^63 first and flips the top bit back,
/// which makes 2^64 and above wrap to 0.
pub fn score_bits(score: f64) -> u64 {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if score < TWO_63 {
        if score.is_nan() || score < -TWO_63 {
            1 << 63
        } else {
            (score as i64) as u64
        }
    } else {
        let shifted = score - TWO_63;
        let truncated = if shifted < TWO_63 {
            shifted as i64 as u64
        } else {
            1 << 63
        };
        truncated ^ (1 << 63)
    }
}

/// The (longitude, latitude) a geo-set score stands for.
pub fn decode_score(score: f64) -> (f64, f64) {
    area_center(&decode_wgs84(HashBits {
        bits: score_bits(score),
        step: STEP_MAX,
    }))
}

/// The 11-character standard geohash of a point given as a geo-set score.
///
/// Redis compat: geo sets use the latitude range ±85.05°, standard geohashes
/// ±90°, so the point is decoded and encoded again; only 52 bits exist, so
/// the eleventh character is always `0`.
pub fn standard_geohash(score: f64) -> [u8; 11] {
    const ALPHABET: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";
    let (longitude, latitude) = decode_score(score);
    let bits = encode(
        WGS84_LONGITUDE,
        STANDARD_LATITUDE,
        longitude,
        latitude,
        STEP_MAX,
    )
    .map_or(0, |hash| hash.bits);
    let mut text = [b'0'; 11];
    for (index, byte) in text.iter_mut().take(10).enumerate() {
        let shift = 52 - (index + 1) * 5;
        *byte = ALPHABET[((bits >> shift) & 0x1f) as usize];
    }
    text
}

/// Moves a cell one step east (`+1`) or west (`-1`), wrapping around.
fn move_x(hash: &mut HashBits, direction: i8) {
    let used = 64 - u32::from(hash.step) * 2;
    let x = hash.bits & 0xaaaa_aaaa_aaaa_aaaa;
    let y = hash.bits & 0x5555_5555_5555_5555;
    let fill = 0x5555_5555_5555_5555u64 >> used;
    let moved = if direction > 0 {
        x.wrapping_add(fill + 1)
    } else {
        (x | fill).wrapping_sub(fill + 1)
    };
    hash.bits = (moved & (0xaaaa_aaaa_aaaa_aaaa >> used)) | y;
}

/// Moves a cell one step north (`+1`) or south (`-1`), wrapping around.
fn move_y(hash: &mut HashBits, direction: i8) {
    let used = 64 - u32::from(hash.step) * 2;
    let x = hash.bits & 0xaaaa_aaaa_aaaa_aaaa;
    let y = hash.bits & 0x5555_5555_5555_5555;
    let fill = 0xaaaa_aaaa_aaaa_aaaau64 >> used;
    let moved = if direction > 0 {
        y.wrapping_add(fill + 1)
    } else {
        (y | fill).wrapping_sub(fill + 1)
    };
    hash.bits = x | (moved & (0x5555_5555_5555_5555 >> used));
}

/// The eight cells around a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Neighbors {
    /// North.
    pub north: HashBits,
    /// South.
    pub south: HashBits,
    /// East.
    pub east: HashBits,
    /// West.
    pub west: HashBits,
    /// North-east.
    pub north_east: HashBits,
    /// North-west.
    pub north_west: HashBits,
    /// South-east.
    pub south_east: HashBits,
    /// South-west.
    pub south_west: HashBits,
}

/// The cells around `hash`, at the same precision.
pub fn neighbors(hash: HashBits) -> Neighbors {
    let moved = |dx: i8, dy: i8| {
        let mut cell = hash;
        if dx != 0 {
            move_x(&mut cell, dx);
        }
        if dy != 0 {
            move_y(&mut cell, dy);
        }
        cell
    };
    Neighbors {
        north: moved(0, 1),
        south: moved(0, -1),
        east: moved(1, 0),
        west: moved(-1, 0),
        north_east: moved(1, 1),
        north_west: moved(-1, 1),
        south_east: moved(1, -1),
        south_west: moved(-1, -1),
    }
}

fn deg_rad(degrees: f64) -> f64 {
    degrees * DEG_TO_RAD
}

fn rad_deg(radians: f64) -> f64 {
    radians / DEG_TO_RAD
}

/// Meters between two latitudes on the same meridian.
pub fn latitude_distance(lat1: f64, lat2: f64) -> f64 {
    EARTH_RADIUS_IN_METERS * (deg_rad(lat2) - deg_rad(lat1)).abs()
}

/// Great-circle distance in meters (haversine), from (lon1, lat1) to (lon2, lat2).
pub fn distance(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let half_long = ((deg_rad(lon2) - deg_rad(lon1)) / 2.0).sin();
    // Redis compat: on one meridian the shorter formula is used, whose
    // last bits can differ from the general one.
    if half_long == 0.0 {
        return latitude_distance(lat1, lat2);
    }
    let lat1r = deg_rad(lat1);
    let lat2r = deg_rad(lat2);
    let half_lat = ((lat2r - lat1r) / 2.0).sin();
    let a = half_lat * half_lat + lat1r.cos() * lat2r.cos() * half_long * half_long;
    2.0 * EARTH_RADIUS_IN_METERS * a.sqrt().asin()
}

/// The bits per coordinate of the cells a search of `range_meters` around
/// `latitude` uses: cells about as large as the range, larger near the poles.
pub fn estimate_steps_by_radius(range_meters: f64, latitude: f64) -> u8 {
    if range_meters == 0.0 {
        return STEP_MAX;
    }
    let mut range = range_meters;
    let mut step: i32 = 1;
    while range < MERCATOR_MAX {
        range *= 2.0;
        step += 1;
    }
    step -= 2;
    if !(-66.0..=66.0).contains(&latitude) {
        step -= 1;
        if !(-80.0..=80.0).contains(&latitude) {
            step -= 1;
        }
    }
    step.clamp(1, i32::from(STEP_MAX)) as u8
}

/// What a search covers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ShapeKind {
    /// A circle of this radius (in the query's unit).
    Radius(f64),
    /// An axis-aligned box of this width and height (in the query's unit).
    Box {
        /// East-west extent.
        width: f64,
        /// North-south extent.
        height: f64,
    },
}

/// A search area: its centre, its extent, and meters per unit of the extent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    /// Centre longitude.
    pub longitude: f64,
    /// Centre latitude.
    pub latitude: f64,
    /// Meters per unit.
    pub to_meters: f64,
    /// Circle or box.
    pub kind: ShapeKind,
}

/// A search's bounding box in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    /// West edge.
    pub min_longitude: f64,
    /// South edge.
    pub min_latitude: f64,
    /// East edge.
    pub max_longitude: f64,
    /// North edge.
    pub max_latitude: f64,
}

impl Shape {
    /// The box, in degrees, that holds the shape. Meridians converge, so the
    /// longitude extent is taken at the edge nearer to the pole.
    pub fn bounding_box(&self) -> Bounds {
        let (half_height, half_width) = match self.kind {
            ShapeKind::Radius(radius) => (self.to_meters * radius, self.to_meters * radius),
            ShapeKind::Box { width, height } => (
                self.to_meters * (height / 2.0),
                self.to_meters * (width / 2.0),
            ),
        };
        let lat_delta = rad_deg(half_height / EARTH_RADIUS_IN_METERS);
        let long_delta_top =
            rad_deg(half_width / EARTH_RADIUS_IN_METERS / deg_rad(self.latitude + lat_delta).cos());
        let long_delta_bottom =
            rad_deg(half_width / EARTH_RADIUS_IN_METERS / deg_rad(self.latitude - lat_delta).cos());
        let long_delta = if self.latitude < 0.0 {
            long_delta_bottom
        } else {
            long_delta_top
        };
        Bounds {
            min_longitude: self.longitude - long_delta,
            min_latitude: self.latitude - lat_delta,
            max_longitude: self.longitude + long_delta,
            max_latitude: self.latitude + lat_delta,
        }
    }

    /// The distance in meters from the centre to the farthest point of the shape.
    fn reach_meters(&self) -> f64 {
        let reach = match self.kind {
            ShapeKind::Radius(radius) => radius,
            ShapeKind::Box { width, height } => {
                ((width / 2.0) * (width / 2.0) + (height / 2.0) * (height / 2.0)).sqrt()
            }
        };
        reach * self.to_meters
    }

    /// The cells a search visits, in the order it visits them: the centre
    /// cell, then north, south, east, west, north-east, north-west,
    /// south-east and south-west; `None` for cells the bounding box does not
    /// reach.
    pub fn search_cells(&self) -> [Option<HashBits>; 9] {
        let bounds = self.bounding_box();
        let mut steps = estimate_steps_by_radius(self.reach_meters(), self.latitude);
        let cell_at = |steps: u8| {
            // The centre was validated when parsed; a cell always exists.
            encode_wgs84(self.longitude, self.latitude, steps).unwrap_or(HashBits {
                bits: 0,
                step: steps,
            })
        };
        let mut hash = cell_at(steps);
        let mut around = neighbors(hash);
        // Cells picked from the radius alone can be too small when the
        // centre sits near an edge of its cell: then go one level coarser.
        let too_small = decode_wgs84(around.north).latitude.max < bounds.max_latitude
            || decode_wgs84(around.south).latitude.min > bounds.min_latitude
            || decode_wgs84(around.east).longitude.max < bounds.max_longitude
            || decode_wgs84(around.west).longitude.min > bounds.min_longitude;
        if steps > 1 && too_small {
            steps -= 1;
            hash = cell_at(steps);
            around = neighbors(hash);
        }
        let area = decode_wgs84(hash);
        let mut cells = [
            Some(hash),
            Some(around.north),
            Some(around.south),
            Some(around.east),
            Some(around.west),
            Some(around.north_east),
            Some(around.north_west),
            Some(around.south_east),
            Some(around.south_west),
        ];
        if steps >= 2 {
            const NORTH: [usize; 3] = [1, 5, 6];
            const SOUTH: [usize; 3] = [2, 7, 8];
            const EAST: [usize; 3] = [3, 5, 7];
            const WEST: [usize; 3] = [4, 6, 8];
            let mut drop = |sides: [usize; 3]| sides.iter().for_each(|&side| cells[side] = None);
            if area.latitude.min < bounds.min_latitude {
                drop(SOUTH);
            }
            if area.latitude.max > bounds.max_latitude {
                drop(NORTH);
            }
            if area.longitude.min < bounds.min_longitude {
                drop(WEST);
            }
            if area.longitude.max > bounds.max_longitude {
                drop(EAST);
            }
        }
        cells
    }

    /// The distance in meters from the centre to (longitude, latitude) if
    /// that point is inside the shape.
    pub fn distance_if_inside(&self, longitude: f64, latitude: f64) -> Option<f64> {
        match self.kind {
            ShapeKind::Radius(radius) => {
                let meters = distance(self.longitude, self.latitude, longitude, latitude);
                (meters <= radius * self.to_meters).then_some(meters)
            }
            ShapeKind::Box { width, height } => {
                let (width_m, height_m) = (width * self.to_meters, height * self.to_meters);
                if latitude_distance(latitude, self.latitude) > height_m / 2.0 {
                    return None;
                }
                if distance(longitude, latitude, self.longitude, latitude) > width_m / 2.0 {
                    return None;
                }
                Some(distance(self.longitude, self.latitude, longitude, latitude))
            }
        }
    }
}

/// A distance with exactly four decimals, rounded half to even (Redis's
/// `fixedpoint_d2string(..., 4)`, used for GEODIST and WITHDIST).
pub fn format_distance(meters: f64) -> String {
    let scaled = (meters * 10_000.0).round_ties_even() as i64;
    let sign = if scaled < 0 { "-" } else { "" };
    let magnitude = scaled.unsigned_abs();
    format!("{sign}{}.{:04}", magnitude / 10_000, magnitude % 10_000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn scores_match_redis_for_known_places() {
        // Scores Redis 7.0 stores for these GEOADDs.
        assert_eq!(score_of(13.361389, 38.115556), Some(3_479_099_956_230_698));
        assert_eq!(score_of(15.087269, 37.502669), Some(3_479_447_370_796_909));
        assert_eq!(score_of(200.0, 10.0), None);
        assert_eq!(score_of(10.0, 86.0), None);
    }

    #[test]
    fn standard_geohash_matches_redis() {
        let palermo = score_of(13.361389, 38.115556).map(|s| s as f64);
        assert_eq!(palermo.map(standard_geohash), Some(*b"sqc8b49rny0"));
        let catania = score_of(15.087269, 37.502669).map(|s| s as f64);
        assert_eq!(catania.map(standard_geohash), Some(*b"sqdtr74hyu0"));
    }

    #[test]
    fn distance_between_palermo_and_catania() {
        let (lon1, lat1) = decode_score(3_479_099_956_230_698.0);
        let (lon2, lat2) = decode_score(3_479_447_370_796_909.0);
        assert_eq!(
            format_distance(distance(lon1, lat1, lon2, lat2)),
            "166274.1516"
        );
        assert_eq!(
            format_distance(distance(lon1, lat1, lon2, lat2) / 1000.0),
            "166.2742"
        );
    }

    #[test]
    fn distances_print_with_four_decimals() {
        assert_eq!(format_distance(0.0), "0.0000");
        assert_eq!(format_distance(0.00004), "0.0000");
        assert_eq!(format_distance(0.0012), "0.0012");
        assert_eq!(format_distance(12.5), "12.5000");
        // Exact halves round to even, as llrint does.
        assert_eq!(format_distance(0.03125), "0.0312");
        assert_eq!(format_distance(0.09375), "0.0938");
    }

    #[test]
    fn score_bits_follow_the_c_cast() {
        assert_eq!(score_bits(5.9), 5);
        assert_eq!(score_bits(-1.0), u64::MAX);
        assert_eq!(score_bits(-0.5), 0);
        assert_eq!(score_bits(f64::NEG_INFINITY), 1 << 63);
        assert_eq!(score_bits(f64::INFINITY), 0);
        assert_eq!(score_bits(9_223_372_036_854_775_808.0), 1 << 63);
    }

    #[test]
    fn neighbors_wrap_around_the_world() {
        let hash = encode_wgs84(179.9, 0.0, 4).expect("valid point");
        let east = decode_wgs84(neighbors(hash).east);
        assert_eq!(east.longitude.min, -180.0);
    }

    #[test]
    fn steps_shrink_with_the_radius_and_near_the_poles() {
        assert_eq!(estimate_steps_by_radius(0.0, 0.0), 26);
        assert!(estimate_steps_by_radius(100.0, 0.0) > estimate_steps_by_radius(100_000.0, 0.0));
        assert!(estimate_steps_by_radius(1000.0, 70.0) < estimate_steps_by_radius(1000.0, 0.0));
        assert_eq!(estimate_steps_by_radius(1e9, 0.0), 1);
    }

    proptest! {
        #[test]
        fn interleave_round_trips(low: u32, high: u32) {
            prop_assert_eq!(deinterleave(interleave(low, high)), (low, high));
        }

        #[test]
        fn decoded_points_stay_in_their_cell(lon in -180.0f64..=180.0, lat in LAT_MIN..=LAT_MAX) {
            let score = score_of(lon, lat).expect("valid point");
            prop_assert!(score < 1 << 52);
            let (dlon, dlat) = decode_score(score as f64);
            // A 26-bit cell is under 6e-6 degrees wide.
            prop_assert!((dlon - lon).abs() < 1e-5);
            prop_assert!((dlat - lat).abs() < 1e-5);
            prop_assert_eq!(score_of(dlon, dlat), Some(score));
        }

        #[test]
        fn moving_east_then_west_returns(bits in 0u64..(1 << 40), step in 1u8..=20) {
            let hash = HashBits { bits: bits & ((1u64 << (2 * step)) - 1), step };
            let mut moved = hash;
            move_x(&mut moved, 1);
            move_x(&mut moved, -1);
            prop_assert_eq!(moved, hash);
            move_y(&mut moved, -1);
            move_y(&mut moved, 1);
            prop_assert_eq!(moved, hash);
        }

        #[test]
        fn search_cells_hold_every_point_of_the_circle(
            lon in -179.0f64..179.0,
            lat in -80.0f64..80.0,
            radius in 1.0f64..500_000.0,
            bearing in 0.0f64..std::f64::consts::TAU,
            fraction in 0.0f64..1.0,
        ) {
            let shape = Shape { longitude: lon, latitude: lat, to_meters: 1.0, kind: ShapeKind::Radius(radius) };
            // A point inside the circle, roughly along `bearing`.
            let reach = radius * fraction * 0.9;
            let dlat = rad_deg(reach * bearing.cos() / EARTH_RADIUS_IN_METERS);
            let dlon = rad_deg(reach * bearing.sin() / EARTH_RADIUS_IN_METERS / deg_rad(lat).cos());
            let (plon, plat) = (lon + dlon, lat + dlat);
            prop_assume!(valid_long_lat(plon, plat));
            let score = score_of(plon, plat).expect("valid point");
            let (dlon, dlat) = decode_score(score as f64);
            prop_assume!(shape.distance_if_inside(dlon, dlat).is_some());
            let covered = shape.search_cells().iter().flatten().any(|cell| {
                let (min, max) = cell.score_range();
                (min..max).contains(&score)
            });
            prop_assert!(covered);
        }
    }
}
