//! Geo commands over sorted sets whose scores are 52-bit geohashes: GEOADD,
//! GEODIST, GEOHASH, GEOPOS, GEORADIUS, GEORADIUSBYMEMBER (and their `_RO`
//! forms), GEOSEARCH and GEOSEARCHSTORE.

use std::cmp::Ordering;
use vireo_core::db::NO_EXPIRY;

use vireo_core::geohash::{self, Shape, ShapeKind};
use vireo_core::partial_sort::partial_sort;
use vireo_core::t_zset::{parse_score, ScoreRange, ZSet};
use vireo_core::Value;
use vireo_resp::Argv;

use super::zset::{add_scored_members, ZaddOptions};
use crate::client::Client;
use crate::command::{
    acl, flags, keys_from_1, Arg, ArgKind, BeginSearch, CommandSpec, Doc, FindKeys, KeySpec,
    KEY_RO_ACCESS,
};
use crate::errors;
use crate::notify;
use crate::server::Server;

const UNITS: &[Arg] = &[
    Arg::token("m", "m"),
    Arg::token("km", "km"),
    Arg::token("ft", "ft"),
    Arg::token("mi", "mi"),
];

const ORDER: Arg = Arg::new("order", ArgKind::OneOf)
    .optional()
    .of(&[Arg::token("asc", "ASC"), Arg::token("desc", "DESC")]);

const COUNT_ANY: Arg = Arg::new("count", ArgKind::Block).optional().of(&[
    Arg::new("count", ArgKind::Integer).with_token("COUNT"),
    Arg::token("any", "ANY").optional().since("6.2.0"),
]);

const WITH_OPTIONS: [Arg; 3] = [
    Arg::token("withcoord", "WITHCOORD").optional(),
    Arg::token("withdist", "WITHDIST").optional(),
    Arg::token("withhash", "WITHHASH").optional(),
];

const SEARCH_FROM: Arg = Arg::new("from", ArgKind::OneOf).of(&[
    Arg::new("member", ArgKind::String).with_token("FROMMEMBER"),
    Arg::new("longitude_latitude", ArgKind::Block)
        .with_token("FROMLONLAT")
        .of(&[
            Arg::new("longitude", ArgKind::Double),
            Arg::new("latitude", ArgKind::Double),
        ]),
]);

const SEARCH_BY: Arg = Arg::new("by", ArgKind::OneOf).of(&[
    Arg::new("circle", ArgKind::Block).of(&[
        Arg::new("radius", ArgKind::Double).with_token("BYRADIUS"),
        Arg::new("unit", ArgKind::OneOf).of(UNITS),
    ]),
    Arg::new("box", ArgKind::Block).of(&[
        Arg::new("width", ArgKind::Double).with_token("BYBOX"),
        Arg::new("height", ArgKind::Double),
        Arg::new("unit", ArgKind::OneOf).of(UNITS),
    ]),
]);

const GEO_RADIUS_COMPLEXITY: &str = "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.";
const GEO_SEARCH_COMPLEXITY: &str = "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape";

/// A STORE or STOREDIST destination of GEORADIUS and GEORADIUSBYMEMBER,
/// searched from `start_from`, after the fixed arguments.
const fn store_destination(keyword: &'static str, start_from: i32) -> KeySpec {
    KeySpec {
        flags: &["OW", "update"],
        begin_search: BeginSearch::Keyword {
            keyword,
            start_from,
        },
        find_keys: FindKeys::Range {
            last_key: 0,
            key_step: 1,
            limit: 0,
        },
    }
}

/// The key specs of GEORADIUS and GEORADIUSBYMEMBER: the source, then the
/// STORE and STOREDIST destinations.
const fn radius_store_specs(start_from: i32) -> [KeySpec; 3] {
    [
        keys_from_1(&["RO", "access"], 0, 1),
        store_destination("STORE", start_from),
        store_destination("STOREDIST", start_from),
    ]
}

const GEORADIUS_KEY_SPECS: [KeySpec; 3] = radius_store_specs(6);
const GEORADIUSBYMEMBER_KEY_SPECS: [KeySpec; 3] = radius_store_specs(5);

/// GEOADD
pub const GEOADD: CommandSpec = CommandSpec {
    name: "geoadd",
    arity: -5,
    flags: flags::WRITE | flags::DENYOOM,
    acl: acl::GEO,
    tips: &[],
    key_specs: &[keys_from_1(&["RW", "update"], 0, 1)],
    doc: Doc {
        summary: "Add one or more geospatial items in the geospatial index represented using a sorted set",
        since: "3.2.0",
        group: "geo",
        complexity: "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
        args: &[
            Arg::key("key", 0),
            Arg::new("condition", ArgKind::OneOf)
                .optional()
                .since("6.2.0")
                .of(&[Arg::token("nx", "NX"), Arg::token("xx", "XX")]),
            Arg::token("change", "CH").optional().since("6.2.0"),
            Arg::new("longitude_latitude_member", ArgKind::Block)
                .multiple()
                .of(&[
                    Arg::new("longitude", ArgKind::Double),
                    Arg::new("latitude", ArgKind::Double),
                    Arg::new("member", ArgKind::String),
                ]),
        ],
    },
    subcommands: &[],
    handler: Some(geoadd),
};

/// GEODIST
pub const GEODIST: CommandSpec = CommandSpec {
    name: "geodist",
    arity: -4,
    flags: flags::READONLY,
    acl: acl::GEO,
    tips: &[],
    key_specs: KEY_RO_ACCESS,
    doc: Doc {
        summary: "Returns the distance between two members of a geospatial index",
        since: "3.2.0",
        group: "geo",
        complexity: "O(log(N))",
        args: &[
            Arg::key("key", 0),
            Arg::new("member1", ArgKind::String),
            Arg::new("member2", ArgKind::String),
            Arg::new("unit", ArgKind::OneOf).optional().of(UNITS),
        ],
    },
    subcommands: &[],
    handler: Some(geodist),
};

/// GEOHASH
pub const GEOHASH: CommandSpec = CommandSpec {
    name: "geohash",
    arity: -2,
    flags: flags::READONLY,
    acl: acl::GEO,
    tips: &[],
    key_specs: KEY_RO_ACCESS,
    doc: Doc {
        summary: "Returns members of a geospatial index as standard geohash strings",
        since: "3.2.0",
        group: "geo",
        complexity: "O(log(N)) for each member requested, where N is the number of elements in the sorted set.",
        args: &[
            Arg::key("key", 0),
            Arg::new("member", ArgKind::String).multiple(),
        ],
    },
    subcommands: &[],
    handler: Some(geohash_command),
};

/// GEOPOS
pub const GEOPOS: CommandSpec = CommandSpec {
    name: "geopos",
    arity: -2,
    flags: flags::READONLY,
    acl: acl::GEO,
    tips: &[],
    key_specs: KEY_RO_ACCESS,
    doc: Doc {
        summary: "Returns longitude and latitude of members of a geospatial index",
        since: "3.2.0",
        group: "geo",
        complexity: "O(N) where N is the number of members requested.",
        args: &[
            Arg::key("key", 0),
            Arg::new("member", ArgKind::String).multiple(),
        ],
    },
    subcommands: &[],
    handler: Some(geopos),
};

/// GEORADIUS
pub const GEORADIUS: CommandSpec = CommandSpec {
    name: "georadius",
    arity: -6,
    flags: flags::WRITE | flags::DENYOOM | flags::MOVABLEKEYS,
    acl: acl::GEO,
    tips: &[],
    key_specs: &GEORADIUS_KEY_SPECS,
    doc: Doc {
        summary: "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point",
        since: "3.2.0",
        group: "geo",
        complexity: GEO_RADIUS_COMPLEXITY,
        args: &[
            Arg::key("key", 0),
            Arg::new("longitude", ArgKind::Double),
            Arg::new("latitude", ArgKind::Double),
            Arg::new("radius", ArgKind::Double),
            Arg::new("unit", ArgKind::OneOf).of(UNITS),
            WITH_OPTIONS[0],
            WITH_OPTIONS[1],
            WITH_OPTIONS[2],
            COUNT_ANY,
            ORDER,
            Arg::key("key", 1).with_token("STORE").optional(),
            Arg::key("key", 2).with_token("STOREDIST").optional(),
        ],
    },
    subcommands: &[],
    handler: Some(georadius),
};

/// GEORADIUS_RO
pub const GEORADIUS_RO: CommandSpec = CommandSpec {
    name: "georadius_ro",
    arity: -6,
    flags: flags::READONLY,
    acl: acl::GEO,
    tips: &[],
    key_specs: KEY_RO_ACCESS,
    doc: Doc {
        summary: "A read-only variant for GEORADIUS",
        since: "3.2.10",
        group: "geo",
        complexity: GEO_RADIUS_COMPLEXITY,
        args: &[
            Arg::key("key", 0),
            Arg::new("longitude", ArgKind::Double),
            Arg::new("latitude", ArgKind::Double),
            Arg::new("radius", ArgKind::Double),
            Arg::new("unit", ArgKind::OneOf).of(UNITS),
            WITH_OPTIONS[0],
            WITH_OPTIONS[1],
            WITH_OPTIONS[2],
            COUNT_ANY,
            ORDER,
        ],
    },
    subcommands: &[],
    handler: Some(georadius_ro),
};

/// GEORADIUSBYMEMBER
pub const GEORADIUSBYMEMBER: CommandSpec = CommandSpec {
    name: "georadiusbymember",
    arity: -5,
    flags: flags::WRITE | flags::DENYOOM | flags::MOVABLEKEYS,
    acl: acl::GEO,
    tips: &[],
    key_specs: &GEORADIUSBYMEMBER_KEY_SPECS,
    doc: Doc {
        summary: "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member",
        since: "3.2.0",
        group: "geo",
        complexity: GEO_RADIUS_COMPLEXITY,
        args: &[
            Arg::key("key", 0),
            Arg::new("member", ArgKind::String),
            Arg::new("radius", ArgKind::Double),
            Arg::new("unit", ArgKind::OneOf).of(UNITS),
            WITH_OPTIONS[0],
            WITH_OPTIONS[1],
            WITH_OPTIONS[2],
            COUNT_ANY,
            ORDER,
            Arg::key("key", 1).with_token("STORE").optional(),
            Arg::key("key", 2).with_token("STOREDIST").optional(),
        ],
    },
    subcommands: &[],
    handler: Some(georadiusbymember),
};

/// GEORADIUSBYMEMBER_RO
pub const GEORADIUSBYMEMBER_RO: CommandSpec = CommandSpec {
    name: "georadiusbymember_ro",
    arity: -5,
    flags: flags::READONLY,
    acl: acl::GEO,
    tips: &[],
    key_specs: KEY_RO_ACCESS,
    doc: Doc {
        summary: "A read-only variant for GEORADIUSBYMEMBER",
        since: "3.2.10",
        group: "geo",
        complexity: GEO_RADIUS_COMPLEXITY,
        args: &[
            Arg::key("key", 0),
            Arg::new("member", ArgKind::String),
            Arg::new("radius", ArgKind::Double),
            Arg::new("unit", ArgKind::OneOf).of(UNITS),
            WITH_OPTIONS[0],
            WITH_OPTIONS[1],
            WITH_OPTIONS[2],
            COUNT_ANY,
            ORDER,
        ],
    },
    subcommands: &[],
    handler: Some(georadiusbymember_ro),
};

/// GEOSEARCH
pub const GEOSEARCH: CommandSpec = CommandSpec {
    name: "geosearch",
    arity: -7,
    flags: flags::READONLY,
    acl: acl::GEO,
    tips: &[],
    key_specs: KEY_RO_ACCESS,
    doc: Doc {
        summary: "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.",
        since: "6.2.0",
        group: "geo",
        complexity: GEO_SEARCH_COMPLEXITY,
        args: &[
            Arg::key("key", 0),
            SEARCH_FROM,
            SEARCH_BY,
            ORDER,
            COUNT_ANY,
            WITH_OPTIONS[0],
            WITH_OPTIONS[1],
            WITH_OPTIONS[2],
        ],
    },
    subcommands: &[],
    handler: Some(geosearch),
};

/// GEOSEARCHSTORE
pub const GEOSEARCHSTORE: CommandSpec = CommandSpec {
    name: "geosearchstore",
    arity: -8,
    flags: flags::WRITE | flags::DENYOOM,
    acl: acl::GEO,
    tips: &[],
    key_specs: &[
        keys_from_1(&["OW", "update"], 0, 1),
        KeySpec {
            flags: &["RO", "access"],
            begin_search: BeginSearch::Index(2),
            find_keys: FindKeys::Range {
                last_key: 0,
                key_step: 1,
                limit: 0,
            },
        },
    ],
    doc: Doc {
        summary: "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key.",
        since: "6.2.0",
        group: "geo",
        complexity: GEO_SEARCH_COMPLEXITY,
        args: &[
            Arg::key("destination", 0),
            Arg::key("source", 1),
            SEARCH_FROM,
            SEARCH_BY,
            ORDER,
            COUNT_ANY,
            Arg::token("storedist", "STOREDIST").optional(),
        ],
    },
    subcommands: &[],
    handler: Some(geosearchstore),
};

/// Parses a coordinate, radius or size the way Redis's
/// `getDoubleFromObject` does; replies `error` when it does not parse.
fn parse_double_or_reply(client: &mut Client, text: &[u8], error: &str) -> Option<f64> {
    let parsed = parse_score(text);
    if parsed.is_none() {
        client.reply_error(error);
    }
    parsed
}

/// A longitude and a latitude from two arguments, checked against the
/// indexable world.
fn parse_long_lat_or_reply(
    client: &mut Client,
    longitude: &[u8],
    latitude: &[u8],
) -> Option<(f64, f64)> {
    let longitude = parse_double_or_reply(client, longitude, errors::NOT_A_FLOAT)?;
    let latitude = parse_double_or_reply(client, latitude, errors::NOT_A_FLOAT)?;
    if !geohash::valid_long_lat(longitude, latitude) {
        client.reply_error(errors::geo_invalid_pair(longitude, latitude));
        return None;
    }
    Some((longitude, latitude))
}

/// Meters per `unit` (m, km, ft or mi, any case).
fn parse_unit_or_reply(client: &mut Client, unit: &[u8]) -> Option<f64> {
    let meters = match unit.to_ascii_lowercase().as_slice() {
        b"m" => 1.0,
        b"km" => 1000.0,
        b"ft" => 0.3048,
        b"mi" => 1609.34,
        _ => {
            client.reply_error(errors::GEO_UNSUPPORTED_UNIT);
            return None;
        }
    };
    Some(meters)
}

/// `<radius> <unit>`: (radius, meters per unit).
fn parse_radius_or_reply(client: &mut Client, radius: &[u8], unit: &[u8]) -> Option<(f64, f64)> {
    let radius = parse_double_or_reply(client, radius, errors::GEO_RADIUS_NOT_NUMERIC)?;
    if radius < 0.0 {
        client.reply_error(errors::GEO_RADIUS_NEGATIVE);
        return None;
    }
    Some((radius, parse_unit_or_reply(client, unit)?))
}

/// `<width> <height> <unit>`: (width, height, meters per unit).
fn parse_box_or_reply(
    client: &mut Client,
    width: &[u8],
    height: &[u8],
    unit: &[u8],
) -> Option<(f64, f64, f64)> {
    let width = parse_double_or_reply(client, width, errors::GEO_WIDTH_NOT_NUMERIC)?;
    let height = parse_double_or_reply(client, height, errors::GEO_HEIGHT_NOT_NUMERIC)?;
    if height < 0.0 || width < 0.0 {
        client.reply_error(errors::GEO_BOX_NEGATIVE);
        return None;
    }
    Some((width, height, parse_unit_or_reply(client, unit)?))
}

/// A coordinate as Redis prints one (`"%.17Lf"` of the exact value, trailing
/// zeros and a trailing dot removed).
fn human_coordinate(value: f64) -> Vec<u8> {
    let mut text = format!("{value:.17}").into_bytes();
    while text.last() == Some(&b'0') {
        text.pop();
    }
    if text.last() == Some(&b'.') {
        text.pop();
    }
    if text == b"-0" {
        text.remove(0);
    }
    text
}

/// The sorted set at `key` for a read: `Ok(None)` if absent, `Err(())`
/// after replying WRONGTYPE.
fn geo_set<'a>(
    server: &'a mut Server,
    client: &mut Client,
    key: &[u8],
) -> Result<Option<&'a ZSet>, ()> {
    let now = server.now_ms;
    match server.dbs[client.db].get(key, now) {
        None => Ok(None),
        Some(Value::ZSet(zset)) => Ok(Some(zset)),
        Some(_) => {
            client.reply_error(errors::WRONGTYPE);
            Err(())
        }
    }
}

fn geoadd(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let mut options = ZaddOptions::default();
    let mut first = 2;
    while first < argv.len() {
        let option = &argv[first];
        if option.eq_ignore_ascii_case(b"nx") {
            options.nx = true;
        } else if option.eq_ignore_ascii_case(b"xx") {
            options.xx = true;
        } else if option.eq_ignore_ascii_case(b"ch") {
            options.ch = true;
        } else {
            break;
        }
        first += 1;
    }
    let remaining = argv.len() - first;
    // Redis compat: NX with XX is a plain syntax error here, not ZADD's message.
    if remaining % 3 != 0 || remaining == 0 || (options.nx && options.xx) {
        return client.reply_error(errors::SYNTAX);
    }
    let mut pairs = Vec::with_capacity(remaining / 3);
    for triple in (first..argv.len()).step_by(3) {
        let Some((longitude, latitude)) =
            parse_long_lat_or_reply(client, &argv[triple], &argv[triple + 1])
        else {
            return;
        };
        // The pair was validated, so it always has a score.
        let score = geohash::score_of(longitude, latitude).unwrap_or(0);
        pairs.push((score as f64, &argv[triple + 2]));
    }
    add_scored_members(server, client, &argv[1], options, &pairs);
}

fn geodist(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let mut to_meters = 1.0;
    if argv.len() == 5 {
        let Some(unit) = parse_unit_or_reply(client, &argv[4]) else {
            return;
        };
        to_meters = unit;
    } else if argv.len() > 5 {
        return client.reply_error(errors::SYNTAX);
    }
    let Ok(zset) = geo_set(server, client, &argv[1]) else {
        return;
    };
    let scores = zset.and_then(|zset| Some((zset.score(&argv[2])?, zset.score(&argv[3])?)));
    let Some((first, second)) = scores else {
        return client.reply_null();
    };
    let (lon1, lat1) = geohash::decode_score(first);
    let (lon2, lat2) = geohash::decode_score(second);
    let meters = geohash::distance(lon1, lat1, lon2, lat2);
    client.reply_bulk(geohash::format_distance(meters / to_meters).as_bytes());
}

fn geohash_command(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let Ok(zset) = geo_set(server, client, &argv[1]) else {
        return;
    };
    client.reply_array_len(argv.len() - 2);
    for member in argv.iter().skip(2) {
        match zset.and_then(|zset| zset.score(member)) {
            Some(score) => client.reply_bulk(&geohash::standard_geohash(score)),
            None => client.reply_null(),
        }
    }
}

fn geopos(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let Ok(zset) = geo_set(server, client, &argv[1]) else {
        return;
    };
    client.reply_array_len(argv.len() - 2);
    for member in argv.iter().skip(2) {
        match zset.and_then(|zset| zset.score(member)) {
            Some(score) => {
                let (longitude, latitude) = geohash::decode_score(score);
                client.reply_array_len(2);
                client.reply_double_text(&human_coordinate(longitude));
                client.reply_double_text(&human_coordinate(latitude));
            }
            None => client.reply_null_array(),
        }
    }
}

/// Which search command is running: they share one body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SearchCommand {
    /// GEORADIUS (`store` false for GEORADIUS_RO).
    Radius { store: bool },
    /// GEORADIUSBYMEMBER (`store` false for its `_RO` form).
    RadiusByMember { store: bool },
    /// GEOSEARCH.
    GeoSearch,
    /// GEOSEARCHSTORE.
    GeoSearchStore,
}

impl SearchCommand {
    fn is_geosearch(self) -> bool {
        matches!(
            self,
            SearchCommand::GeoSearch | SearchCommand::GeoSearchStore
        )
    }

    fn accepts_store_key(self) -> bool {
        matches!(
            self,
            SearchCommand::Radius { store: true } | SearchCommand::RadiusByMember { store: true }
        )
    }
}

/// The order results are sorted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sort {
    None,
    Ascending,
    Descending,
}

/// A member found by a search.
struct Found {
    member: Box<[u8]>,
    score: f64,
    longitude: f64,
    latitude: f64,
    /// Meters from the centre until replied, then in the query's unit.
    distance: f64,
}

/// Appends the members inside `shape` whose scores fall in `cell`, in set
/// order, stopping once `limit` (if not 0) members have been found.
fn members_in_cell(
    zset: &ZSet,
    cell: geohash::HashBits,
    shape: &Shape,
    found: &mut Vec<Found>,
    limit: usize,
) {
    let (min, max) = cell.score_range();
    let range = ScoreRange {
        min: min as f64,
        max: max as f64,
        min_exclusive: false,
        max_exclusive: true,
    };
    let Some((first, last)) = zset.score_range_ranks(&range) else {
        return;
    };
    let mut full = false;
    zset.for_each_in_ranks(first, last, false, |member, score| {
        if full {
            return;
        }
        let (longitude, latitude) = geohash::decode_score(score);
        if let Some(distance) = shape.distance_if_inside(longitude, latitude) {
            found.push(Found {
                member: member.into(),
                score,
                longitude,
                latitude,
                distance,
            });
        }
        full = limit > 0 && found.len() >= limit;
    });
}

/// Every member inside `shape`, cell by cell; with a `limit` (COUNT ANY),
/// stops as soon as that many are found.
fn members_in_shape(zset: &ZSet, shape: &Shape, limit: usize) -> Vec<Found> {
    let cells = shape.search_cells();
    let mut found = Vec::new();
    // Redis compat: a cell equal to the last one searched is skipped (huge
    // radii make neighbours coincide), but the centre cell never counts as
    // the last one searched.
    let mut last_searched = 0;
    for (index, cell) in cells.iter().enumerate() {
        let Some(cell) = *cell else {
            continue;
        };
        if last_searched != 0 && cells[last_searched] == Some(cell) {
            continue;
        }
        if limit > 0 && found.len() >= limit {
            break;
        }
        members_in_cell(zset, cell, shape, &mut found, limit);
        last_searched = index;
    }
    found
}

fn georadius(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    search_generic(server, client, argv, SearchCommand::Radius { store: true });
}

fn georadius_ro(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    search_generic(server, client, argv, SearchCommand::Radius { store: false });
}

fn georadiusbymember(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    search_generic(
        server,
        client,
        argv,
        SearchCommand::RadiusByMember { store: true },
    );
}

fn georadiusbymember_ro(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    search_generic(
        server,
        client,
        argv,
        SearchCommand::RadiusByMember { store: false },
    );
}

fn geosearch(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    search_generic(server, client, argv, SearchCommand::GeoSearch);
}

fn geosearchstore(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    search_generic(server, client, argv, SearchCommand::GeoSearchStore);
}

/// What a search asked for, once its arguments are parsed.
struct Request<'a> {
    shape: Shape,
    store: Option<&'a [u8]>,
    store_distance: bool,
    with_distance: bool,
    with_hash: bool,
    with_coordinates: bool,
    sort: Sort,
    count: usize,
    any: bool,
}

/// Parses a search's arguments against the source set (needed to resolve
/// FROMMEMBER and GEORADIUSBYMEMBER's member); `None` after replying an error.
///
/// Redis compat: errors come in Redis's order, and with an absent source
/// the centre member and GEORADIUSBYMEMBER's radius are never checked.
fn parse_search<'a>(
    client: &mut Client,
    argv: &Argv<'a>,
    zset: Option<&ZSet>,
    search: SearchCommand,
) -> Option<Request<'a>> {
    let mut shape = Shape {
        longitude: 0.0,
        latitude: 0.0,
        to_meters: 0.0,
        kind: ShapeKind::Radius(0.0),
    };
    let mut store: Option<&'a [u8]> = None;
    let base = match search {
        SearchCommand::Radius { .. } => {
            (shape.longitude, shape.latitude) =
                parse_long_lat_or_reply(client, &argv[2], &argv[3])?;
            let (radius, to_meters) = parse_radius_or_reply(client, &argv[4], &argv[5])?;
            shape.kind = ShapeKind::Radius(radius);
            shape.to_meters = to_meters;
            6
        }
        SearchCommand::RadiusByMember { .. } => {
            if let Some(zset) = zset {
                let Some(score) = zset.score(&argv[2]) else {
                    client.reply_error(errors::GEO_MEMBER_NOT_FOUND);
                    return None;
                };
                (shape.longitude, shape.latitude) = geohash::decode_score(score);
                let (radius, to_meters) = parse_radius_or_reply(client, &argv[3], &argv[4])?;
                shape.kind = ShapeKind::Radius(radius);
                shape.to_meters = to_meters;
            }
            5
        }
        SearchCommand::GeoSearch => 2,
        SearchCommand::GeoSearchStore => {
            store = argv.get(1);
            3
        }
    };
    let mut request = Request {
        shape,
        store,
        store_distance: false,
        with_distance: false,
        with_hash: false,
        with_coordinates: false,
        sort: Sort::None,
        count: 0,
        any: false,
    };
    let (mut from_member, mut from_lonlat, mut by_radius, mut by_box) =
        (false, false, false, false);
    let geosearch = search.is_geosearch();
    let mut index = base;
    while index < argv.len() {
        let option = argv.get(index).unwrap_or_default();
        let left = argv.len() - index - 1;
        let is = |name: &str| option.eq_ignore_ascii_case(name.as_bytes());
        if is("withdist") {
            request.with_distance = true;
        } else if is("withhash") {
            request.with_hash = true;
        } else if is("withcoord") {
            request.with_coordinates = true;
        } else if is("any") {
            request.any = true;
        } else if is("asc") {
            request.sort = Sort::Ascending;
        } else if is("desc") {
            request.sort = Sort::Descending;
        } else if is("count") && left >= 1 {
            let Some(count) = super::parse_i64(&argv[index + 1]) else {
                client.reply_error(errors::NOT_INTEGER);
                return None;
            };
            if count <= 0 {
                client.reply_error(errors::GEO_COUNT_POSITIVE);
                return None;
            }
            request.count = usize::try_from(count).unwrap_or(usize::MAX);
            index += 1;
        } else if (is("store") || is("storedist")) && left >= 1 && search.accepts_store_key() {
            request.store = argv.get(index + 1);
            request.store_distance = is("storedist");
            index += 1;
        } else if is("storedist") && search == SearchCommand::GeoSearchStore {
            request.store_distance = true;
        } else if is("frommember") && left >= 1 && geosearch && !from_lonlat {
            if let Some(zset) = zset {
                let Some(score) = zset.score(&argv[index + 1]) else {
                    client.reply_error(errors::GEO_MEMBER_NOT_FOUND);
                    return None;
                };
                (request.shape.longitude, request.shape.latitude) = geohash::decode_score(score);
            }
            from_member = true;
            index += 1;
        } else if is("fromlonlat") && left >= 2 && geosearch && !from_member {
            (request.shape.longitude, request.shape.latitude) =
                parse_long_lat_or_reply(client, &argv[index + 1], &argv[index + 2])?;
            from_lonlat = true;
            index += 2;
        } else if is("byradius") && left >= 2 && geosearch && !by_box {
            let (radius, to_meters) =
                parse_radius_or_reply(client, &argv[index + 1], &argv[index + 2])?;
            request.shape.kind = ShapeKind::Radius(radius);
            request.shape.to_meters = to_meters;
            by_radius = true;
            index += 2;
        } else if is("bybox") && left >= 3 && geosearch && !by_radius {
            let (width, height, to_meters) =
                parse_box_or_reply(client, &argv[index + 1], &argv[index + 2], &argv[index + 3])?;
            request.shape.kind = ShapeKind::Box { width, height };
            request.shape.to_meters = to_meters;
            by_box = true;
            index += 3;
        } else {
            client.reply_error(errors::SYNTAX);
            return None;
        }
        index += 1;
    }
    if request.store.is_some()
        && (request.with_distance || request.with_hash || request.with_coordinates)
    {
        let what = if search == SearchCommand::GeoSearchStore {
            "GEOSEARCHSTORE"
        } else {
            "STORE option in GEORADIUS"
        };
        client.reply_error(errors::geo_store_with_options(what));
        return None;
    }
    if geosearch && !(from_member || from_lonlat) {
        client.reply_error(errors::geo_search_needs_from(&argv[0]));
        return None;
    }
    if geosearch && !(by_radius || by_box) {
        client.reply_error(errors::geo_search_needs_by(&argv[0]));
        return None;
    }
    if request.any && request.count == 0 {
        client.reply_error(errors::GEO_ANY_WITHOUT_COUNT);
        return None;
    }
    Some(request)
}

/// The body of every search command (Redis's `georadiusGeneric`).
fn search_generic(server: &mut Server, client: &mut Client, argv: Argv<'_>, search: SearchCommand) {
    // Redis compat: the source is read with lookupKeyRead, counted as a hit
    // or miss even by the storing forms.
    super::count_reads(server, client, true);
    let source = if search == SearchCommand::GeoSearchStore {
        2
    } else {
        1
    };
    let Ok(zset) = geo_set(server, client, &argv[source]) else {
        return;
    };
    let Some(mut request) = parse_search(client, &argv, zset, search) else {
        return;
    };
    let Some(zset) = zset else {
        match request.store {
            Some(destination) => {
                let now = server.now_ms;
                if server.dbs[client.db].remove(destination, now) {
                    server.dirty += 1;
                    server.notify(client, notify::GENERIC, "del", destination);
                }
                client.reply_integer(0);
            }
            None => client.reply_array_len(0),
        }
        return;
    };
    // COUNT without an order means the nearest ones (but ANY takes any).
    if request.count > 0 && request.sort == Sort::None && !request.any {
        request.sort = Sort::Ascending;
    }
    let limit = if request.any { request.count } else { 0 };
    let mut found = members_in_shape(zset, &request.shape, limit);
    let returned = if request.count == 0 {
        found.len()
    } else {
        found.len().min(request.count)
    };
    if request.sort != Sort::None {
        let descending = request.sort == Sort::Descending;
        let by_distance = |a: &Found, b: &Found| {
            let order = if a.distance > b.distance {
                Ordering::Greater
            } else if a.distance == b.distance {
                Ordering::Equal
            } else {
                Ordering::Less
            };
            if descending {
                order.reverse()
            } else {
                order
            }
        };
        // Redis compat: a full sort is glibc's qsort, a stable merge sort;
        // a partial one is Redis's own pqsort. Members at equal distances
        // come out in the order each of them leaves them.
        if returned == found.len() {
            found.sort_by(by_distance);
        } else if returned > 0 {
            partial_sort(&mut found, by_distance, 0, returned - 1);
        }
    }
    found.truncate(returned);
    for point in &mut found {
        point.distance /= request.shape.to_meters;
    }
    match request.store {
        None => reply_found(client, &request, &found),
        Some(destination) => {
            let event = if search == SearchCommand::GeoSearchStore {
                "geosearchstore"
            } else {
                "georadiusstore"
            };
            store_found(server, client, destination, &request, &found, event)
        }
    }
}

fn reply_found(client: &mut Client, request: &Request<'_>, found: &[Found]) {
    let extras = usize::from(request.with_distance)
        + usize::from(request.with_hash)
        + usize::from(request.with_coordinates);
    client.reply_array_len(found.len());
    for point in found {
        if extras > 0 {
            client.reply_array_len(extras + 1);
        }
        client.reply_bulk(&point.member);
        if request.with_distance {
            client.reply_bulk(geohash::format_distance(point.distance).as_bytes());
        }
        if request.with_hash {
            client.reply_integer(point.score as i64);
        }
        if request.with_coordinates {
            client.reply_array_len(2);
            client.reply_double_text(&human_coordinate(point.longitude));
            client.reply_double_text(&human_coordinate(point.latitude));
        }
    }
}

fn store_found(
    server: &mut Server,
    client: &mut Client,
    destination: &[u8],
    request: &Request<'_>,
    found: &[Found],
    event: &str,
) {
    let now = server.now_ms;
    let db = &mut server.dbs[client.db];
    if found.is_empty() {
        if db.remove(destination, now) {
            server.dirty += 1;
            server.notify(client, notify::GENERIC, "del", destination);
        }
        return client.reply_integer(0);
    }
    let limits = server.config.zset_limits;
    let longest = found
        .iter()
        .map(|point| point.member.len())
        .max()
        .unwrap_or(0);
    let mut zset = ZSet::new(found.len(), longest, limits);
    for point in found {
        let score = if request.store_distance {
            point.distance
        } else {
            point.score
        };
        if zset.score(&point.member).is_none() {
            zset.insert(&point.member, score, limits);
        }
    }
    db.insert(destination, Value::ZSet(Box::new(zset)), NO_EXPIRY);
    server.dirty += found.len() as u64;
    server.notify(client, notify::ZSET, event, destination);
    client.reply_integer(found.len() as i64);
}
