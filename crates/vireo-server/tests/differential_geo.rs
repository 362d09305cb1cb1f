//! Differential tests for the GEO commands: the same requests against Vireo
//! and a real `redis-server`, asserting byte-identical replies (errors,
//! RESP3 and COMMAND metadata included), plus randomized searches over a
//! few hundred points.
//!
//! Runs when `redis-server` is on PATH; CI installs it, and there a missing
//! binary fails the test instead of skipping it.

mod support;

use support::{Connection, ServerProcess};

/// Command sequences, one command per line, words separated by spaces.
/// Each sequence runs on a fresh connection after FLUSHALL. HELLO lines are
/// sent to both servers but not compared (they name the server's version).
const SEQUENCES: &[&str] = &[
    "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
     ZRANGE Sicily 0 -1 WITHSCORES
     GEOADD Sicily NX 13.361389 38.115556 Palermo 1 2 Other
     GEOADD Sicily XX CH 13.5 38.1 Palermo 3 4 Third
     GEOADD Sicily CH XX 13.5 38.1 Palermo
     GEOADD Sicily ch nx 13.5 38.1 Palermo 5 6 Fourth
     ZSCORE Sicily Palermo
     OBJECT ENCODING Sicily",
    "GEOADD Sicily NX XX 1 2 a
     GEOADD Sicily CH 1 2
     GEOADD Sicily 1 2 a b
     GEOADD Sicily CH CH CH
     GEOADD Sicily GT 1 2 a
     GEOADD Sicily 200 100 a
     GEOADD Sicily -180.5 0 a
     GEOADD Sicily 0 85.06 a
     GEOADD Sicily abc 1 a
     GEOADD Sicily 1 nan a
     GEOADD Sicily 1 2 a 200 1 b
     EXISTS Sicily
     GEOADD Sicily 180 85.05112878 edge -180 -85.05112878 other
     GEOPOS Sicily edge other
     SET str x
     GEOADD str 1 2 a",
    "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 0 0 origin
     GEOHASH Sicily Palermo Catania origin nosuch
     GEOHASH nokey a
     GEOPOS Sicily Palermo origin nosuch
     GEOPOS nokey a b
     ZADD Sicily -1 negative 5e15 huge
     GEOPOS Sicily negative huge
     GEOHASH Sicily negative huge
     SET str x
     GEOPOS str a
     GEOHASH str a",
    "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
     GEODIST Sicily Palermo Catania
     GEODIST Sicily Palermo Catania km
     GEODIST Sicily Palermo Catania MI
     GEODIST Sicily Palermo Catania ft
     GEODIST Sicily Palermo Catania M
     GEODIST Sicily Palermo Palermo
     GEODIST Sicily Palermo Catania yd
     GEODIST Sicily Palermo Catania km x
     GEODIST Sicily Palermo nosuch
     GEODIST nokey a b
     GEODIST nokey a b parsec
     SET str x
     GEODIST str a b",
    "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 13.583333 37.316667 Agrigento
     GEORADIUS Sicily 15 37 200 km
     GEORADIUS Sicily 15 37 200 km WITHDIST WITHCOORD WITHHASH ASC
     GEORADIUS Sicily 15 37 200 km WITHDIST DESC
     GEORADIUS Sicily 15 37 200 km COUNT 1
     GEORADIUS Sicily 15 37 200 km COUNT 2 DESC
     GEORADIUS Sicily 15 37 200 km COUNT 1 ANY
     GEORADIUS Sicily 15 37 200 km COUNT 3 ANY
     GEORADIUS Sicily 15 37 200 KM WITHDIST
     GEORADIUS Sicily 15 37 200000 m WITHDIST
     GEORADIUS Sicily 15 37 100 mi WITHDIST
     GEORADIUS Sicily 15 37 1 ft
     GEORADIUS_RO Sicily 15 37 200 km WITHDIST
     GEORADIUS nokey 15 37 200 km",
    "GEOADD Sicily 13.361389 38.115556 Palermo
     GEORADIUS Sicily 15 37 200 km ANY
     GEORADIUS Sicily 15 37 200 km COUNT 0
     GEORADIUS Sicily 15 37 200 km COUNT -3
     GEORADIUS Sicily 15 37 200 km COUNT x
     GEORADIUS Sicily 15 37 200 km COUNT
     GEORADIUS Sicily 15 37 -1 km
     GEORADIUS Sicily 15 37 x km
     GEORADIUS Sicily 15 37 1 parsec
     GEORADIUS Sicily 15 91 1 km
     GEORADIUS Sicily y 37 1 km
     GEORADIUS Sicily 15 37 200 km BOGUS
     GEORADIUS Sicily 15 37 200 km STORE
     GEORADIUS Sicily 15 37 200 km STORE dst WITHDIST
     GEORADIUS Sicily 15 37 200 km STOREDIST dst WITHHASH
     GEORADIUS_RO Sicily 15 37 200 km STORE dst
     GEORADIUS Sicily 15 37 200 km FROMMEMBER Palermo
     GEORADIUS Sicily 15 37 200
     SET str x
     GEORADIUS str 15 91 1 km",
    "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 13.583333 37.316667 Agrigento
     GEORADIUSBYMEMBER Sicily Agrigento 100 km WITHDIST
     GEORADIUSBYMEMBER_RO Sicily Agrigento 100 km WITHCOORD
     GEORADIUSBYMEMBER Sicily nosuch 100 km
     GEORADIUSBYMEMBER nokey nosuch -5 parsec
     GEORADIUSBYMEMBER nokey nosuch -5 parsec BOGUS
     GEORADIUSBYMEMBER Sicily Palermo 200 km STORE dst
     ZRANGE dst 0 -1 WITHSCORES
     GEORADIUSBYMEMBER Sicily Palermo 200 km STOREDIST dst
     ZRANGE dst 0 -1 WITHSCORES
     GEORADIUSBYMEMBER Sicily Palermo 200 km STORE a STOREDIST dst COUNT 1
     ZRANGE dst 0 -1 WITHSCORES
     EXISTS a
     GEORADIUS Sicily 15 37 200 km STORE dst DESC COUNT 2
     ZRANGE dst 0 -1 WITHSCORES
     GEORADIUS Sicily 0 0 1 km STORE dst
     EXISTS dst
     GEORADIUS nokey 0 0 1 km STORE Sicily
     EXISTS Sicily",
    "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 13.583333 37.316667 Agrigento
     GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 400 400 km ASC WITHCOORD
     GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 200 400 km ASC WITHDIST WITHHASH
     GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km DESC WITHDIST
     GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km COUNT 2
     GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km COUNT 1 ANY
     GEOSEARCH Sicily frommember Agrigento byradius 100 KM withdist
     GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 0 0 km WITHDIST
     GEOSEARCH nokey FROMMEMBER x BYRADIUS 1 m",
    "GEOADD Sicily 13.361389 38.115556 Palermo
     GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km FROMMEMBER Palermo
     GEOSEARCH Sicily FROMMEMBER Palermo FROMLONLAT 15 37 BYRADIUS 200 km
     GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km BYBOX 1 1 km
     GEOSEARCH Sicily BYRADIUS 200 km DESC COUNT 2
     geosearch Sicily BYRADIUS 200 km DESC COUNT 2
     GEOSEARCH Sicily FROMLONLAT 15 37 ASC DESC
     GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX -1 1 km
     GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX x 1 km
     GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 y km
     GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 1 yd
     GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST
     GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km STORE dst
     GEOSEARCH Sicily FROMMEMBER nosuch BYRADIUS 200 km
     GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km ANY
     GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200
     GEOSEARCH nokey FROMMEMBER x BYRADIUS 1 m ASC
     GEOSEARCH nokey BYRADIUS 1 m ASC WITHDIST",
    "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 13.583333 37.316667 Agrigento
     GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYRADIUS 200 km
     ZRANGE dst 0 -1 WITHSCORES
     GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST DESC COUNT 2
     ZRANGE dst 0 -1 WITHSCORES
     GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYRADIUS 200 km WITHDIST
     GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYRADIUS 200 km STORE x
     GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYRADIUS 1 m
     EXISTS dst
     GEOSEARCHSTORE Sicily nokey FROMMEMBER x BYRADIUS 1 m
     EXISTS Sicily
     SET str x
     GEOSEARCHSTORE dst str FROMLONLAT 1 1 BYRADIUS 1 km",
    "HELLO 3
     GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
     GEOPOS Sicily Palermo nosuch
     GEOHASH Sicily nosuch Catania
     GEODIST Sicily Palermo nosuch
     GEODIST Sicily Palermo Catania
     GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km WITHCOORD WITHDIST WITHHASH",
    "COMMAND GETKEYS GEORADIUS src 1 2 3 km STORE dst
     COMMAND GETKEYS GEORADIUS src 1 2 3 km STORE dst STOREDIST other
     COMMAND GETKEYS GEORADIUS src 1 2 3 km WITHDIST STORE
     COMMAND GETKEYS GEORADIUS src 1 2 3 STORE dst
     COMMAND GETKEYSANDFLAGS GEORADIUSBYMEMBER src m 3 km STOREDIST dst
     COMMAND GETKEYSANDFLAGS GEOSEARCHSTORE dst src FROMMEMBER m BYRADIUS 1 km
     COMMAND GETKEYS GEORADIUS_RO src 1 2 3 km
     COMMAND GETKEYS GEOADD k 1 2 m",
    "GEOADD users -47.271613776683807 -9.9530982021581 user1 -47.271613776683807 -9.9530982021581 user2
     GEORADIUS users -47.271613776683807 -9.9530982021581 50000 km
     GEORADIUS users -47.271613776683807 -9.9530982021581 50000 km WITHDIST ASC
     GEORADIUS users -47.271613776683807 -9.9530982021581 50000 km WITHDIST DESC
     GEORADIUS users 0 0 20000 km WITHDIST",
    "GEOADD points 179.5 36 point_a -179.5 36 point_b 0 89 never
     GEOADD points 0 85 north_a 180 85 north_b 90 85 north_c
     GEOSEARCH points FROMLONLAT 179 37 BYBOX 400 400 km ASC WITHDIST
     GEOSEARCH points FROMLONLAT -179 37 BYBOX 400 400 km ASC WITHCOORD
     GEOSEARCH points FROMLONLAT 180 36 BYRADIUS 100 km WITHDIST
     GEORADIUSBYMEMBER points north_a 5000 km WITHDIST ASC
     GEOSEARCH points FROMLONLAT 0 85 BYBOX 2000 200 km WITHDIST ASC
     GEOSEARCH points FROMLONLAT 0 0 BYRADIUS 0 m
     GEOSEARCH points FROMMEMBER point_a BYRADIUS 0 m WITHDIST",
    "CONFIG SET zset-max-listpack-entries 4
     GEOADD many 1 1 a 1.001 1 b 1.002 1 c 1.003 1 d 1.004 1 e
     OBJECT ENCODING many
     GEOSEARCHSTORE small many FROMMEMBER a BYRADIUS 300 m
     OBJECT ENCODING small
     GEOSEARCHSTORE big many FROMMEMBER a BYRADIUS 1 km STOREDIST
     OBJECT ENCODING big
     ZRANGE big 0 -1 WITHSCORES
     GEORADIUS many 1 1 1 km STORE big COUNT 2
     OBJECT ENCODING big
     GEOADD many 1 1 a-member-name-longer-than-the-sixty-four-byte-listpack-value-limit
     CONFIG SET zset-max-listpack-entries 128
     GEOSEARCHSTORE long many FROMMEMBER a BYRADIUS 1 m
     OBJECT ENCODING long
     CONFIG SET zset-max-listpack-entries 128",
    "SET dst x
     EXPIRE dst 100
     GEOADD src 1 1 a
     GEOSEARCHSTORE dst src FROMMEMBER a BYRADIUS 1 m
     TTL dst
     TYPE dst
     ZADD notgeo 1 one 1e300 big -5 neg inf posinf
     GEOPOS notgeo one big neg posinf
     GEOHASH notgeo one big neg posinf
     GEODIST notgeo one neg
     GEOSEARCH notgeo FROMMEMBER one BYRADIUS 100 km WITHCOORD WITHHASH",
    "GEOADD t 1 1 a 1 1 b 1 1 c 1 1 d 1 1 e 1 1 f 1 1 g 1 1 h 1 1 i 1 1 j 1.1 1 z 1 1.1 y
     GEOSEARCH t FROMLONLAT 1 1 BYRADIUS 100 km COUNT 1
     GEOSEARCH t FROMLONLAT 1 1 BYRADIUS 100 km COUNT 3
     GEOSEARCH t FROMLONLAT 1 1 BYRADIUS 100 km COUNT 5 DESC
     GEOSEARCH t FROMLONLAT 1 1 BYRADIUS 100 km COUNT 11 DESC
     GEOSEARCH t FROMLONLAT 1 1 BYRADIUS 100 km COUNT 12 DESC
     GEOSEARCH t FROMLONLAT 1 1 BYRADIUS 100 km COUNT 9 WITHDIST
     GEORADIUS t 1 1 100 km COUNT 7 STORE seven
     ZRANGE seven 0 -1",
    "GEOADD g 0 0 a 10 10 b -170 -80 c 170 80 d 0 85.05112878 pole
     GEOSEARCH g FROMLONLAT 0 0 BYRADIUS inf m WITHDIST
     GEOSEARCH g FROMLONLAT 0 0 BYRADIUS +inf km ASC
     GEOSEARCH g FROMLONLAT 0 0 BYRADIUS 1e10 km ASC WITHDIST
     GEOSEARCH g FROMLONLAT 0 0 BYBOX inf 10 km ASC
     GEOSEARCH g FROMLONLAT 0 0 BYBOX 40000 40000 km ASC WITHDIST
     GEOSEARCH g FROMLONLAT 0 0 BYRADIUS -0 m WITHDIST
     GEOSEARCH g FROMLONLAT -0 -0 BYRADIUS 0 m WITHCOORD
     GEOSEARCH g FROMLONLAT 1e400 0 BYRADIUS 1 m
     GEOSEARCH g FROMLONLAT 0 0 BYRADIUS 1e400 m
     GEOSEARCH g FROMLONLAT 0x10 0 BYRADIUS 0x10 km
     GEOSEARCH g FROMLONLAT 180 85.05112878 BYRADIUS 20000 km ASC WITHDIST
     GEOSEARCH g FROMLONLAT -180 -85.05112878 BYBOX 1000 1000 km WITHDIST
     GEORADIUS g 0 0 5000 km COUNT 99999999999999 WITHHASH
     GEORADIUS g 0 0 5000 km COUNT 99999999999999999999
     GEORADIUS g 0 0 5000 km COUNT 1 ANY DESC
     GEORADIUSBYMEMBER g pole 1000 km WITHCOORD
     GEODIST g c d mi
     GEOADD g 1 2
     GEOADD g nx
     GEOADD g XX 1 2 x",
    "MULTI
     GEOADD k 1 1 a
     GEORADIUS k 1 1 1 km STORE d
     GEOSEARCH k FROMLONLAT 1 1 BYRADIUS 1 km
     EXEC",
];

fn servers() -> Option<(ServerProcess, ServerProcess)> {
    support::redis_and_vireo(&[])
}

/// Sends `args` to both servers and asserts the replies are the same bytes.
fn same_reply(redis: &mut Connection, vireo: &mut Connection, args: &[&[u8]]) -> Vec<u8> {
    let expected = redis.request(args);
    let actual = vireo.request(args);
    assert_eq!(
        String::from_utf8_lossy(&actual),
        String::from_utf8_lossy(&expected),
        "reply to `{}` differs from Redis",
        args.iter()
            .map(|arg| String::from_utf8_lossy(arg))
            .collect::<Vec<_>>()
            .join(" ")
    );
    expected
}

#[test]
fn geo_sequences_match_redis_byte_for_byte() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    for sequence in SEQUENCES {
        let mut redis_conn = redis.connect();
        let mut vireo_conn = vireo.connect();
        redis_conn.request(&[b"FLUSHALL"]);
        vireo_conn.request(&[b"FLUSHALL"]);
        for line in sequence.lines() {
            let args = support::words(line.trim());
            if line.trim().starts_with("HELLO") {
                redis_conn.request(&args);
                vireo_conn.request(&args);
                continue;
            }
            same_reply(&mut redis_conn, &mut vireo_conn, &args);
        }
    }
}

#[test]
fn geo_command_metadata_matches_redis() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let mut redis_conn = redis.connect();
    let mut vireo_conn = vireo.connect();
    for name in [
        "geoadd",
        "geodist",
        "geohash",
        "geopos",
        "georadius",
        "georadius_ro",
        "georadiusbymember",
        "georadiusbymember_ro",
        "geosearch",
        "geosearchstore",
    ] {
        same_reply(
            &mut redis_conn,
            &mut vireo_conn,
            &[b"COMMAND", b"INFO", name.as_bytes()],
        );
    }
    for line in [
        "COMMAND GETKEYS GEORADIUS src 1 2 3 km STORE dst",
        "COMMAND GETKEYS GEORADIUS src 1 2 3 km STORE dst STOREDIST other",
        "COMMAND GETKEYS GEORADIUS src 1 2 3 km WITHDIST STORE",
        "COMMAND GETKEYS GEORADIUS src 1 2 3 STORE dst",
        "COMMAND GETKEYS GEORADIUS src 1 2 3 km store dst withdist",
        "COMMAND GETKEYSANDFLAGS GEORADIUSBYMEMBER src m 3 km STOREDIST dst",
        "COMMAND GETKEYSANDFLAGS GEORADIUSBYMEMBER src m 3 km STORE a STOREDIST b",
        "COMMAND GETKEYSANDFLAGS GEOSEARCHSTORE dst src FROMMEMBER m BYRADIUS 1 km",
        "COMMAND GETKEYS GEORADIUS_RO src 1 2 3 km",
        "COMMAND GETKEYS GEORADIUSBYMEMBER_RO src m 3 km",
        "COMMAND GETKEYS GEOSEARCH src FROMMEMBER m BYRADIUS 1 km",
        "COMMAND GETKEYS GEOADD k 1 2 m",
        "COMMAND GETKEYS GEODIST k a b",
        "COMMAND GETKEYS GEOHASH k a",
        "COMMAND GETKEYS GEOPOS k a",
        "COMMAND LIST FILTERBY ACLCAT geo",
    ] {
        let args = support::words(line);
        if line.starts_with("COMMAND LIST") {
            // Same commands, in whatever order each server keeps them.
            let sorted = |reply: Vec<u8>| {
                let mut lines: Vec<Vec<u8>> =
                    reply.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
                lines.sort();
                lines
            };
            assert_eq!(
                sorted(vireo_conn.request(&args)),
                sorted(redis_conn.request(&args))
            );
            continue;
        }
        same_reply(&mut redis_conn, &mut vireo_conn, &args);
    }
}

/// A fixed linear congruential sequence: reproducible, no dependency.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 11
    }

    /// Uniform in `low..high`.
    fn between(&mut self, low: f64, high: f64) -> f64 {
        low + (self.next() as f64 / (1u64 << 53) as f64) * (high - low)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }
}

/// Adds `count` random points to `key` on both servers: most in a region
/// around `(longitude, latitude)`, some anywhere in the world.
fn add_random_points(
    redis: &mut Connection,
    vireo: &mut Connection,
    random: &mut Lcg,
    key: &str,
    count: usize,
    (longitude, latitude): (f64, f64),
) {
    for index in 0..count {
        let (lon, lat) = if index % 10 == 0 {
            (random.between(-180.0, 180.0), random.between(-85.0, 85.0))
        } else {
            (
                (longitude + random.between(-6.0, 6.0)).clamp(-180.0, 180.0),
                (latitude + random.between(-4.0, 4.0)).clamp(-85.0, 85.0),
            )
        };
        let (lon, lat, member) = (
            format!("{lon:.6}"),
            format!("{lat:.6}"),
            format!("p{index}"),
        );
        same_reply(
            redis,
            vireo,
            &[
                b"GEOADD",
                key.as_bytes(),
                lon.as_bytes(),
                lat.as_bytes(),
                member.as_bytes(),
            ],
        );
    }
}

#[test]
fn random_searches_match_redis_byte_for_byte() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let mut redis_conn = redis.connect();
    let mut vireo_conn = vireo.connect();
    let mut random = Lcg(0x9e37_79b9_7f4a_7c15);
    // Regions: mid latitudes, the antimeridian, near a pole, the equator.
    let regions = [(12.0, 45.0), (178.0, -20.0), (-40.0, 75.0), (100.0, 0.0)];
    for (region, &center) in regions.iter().enumerate() {
        let key = format!("points{region}");
        add_random_points(
            &mut redis_conn,
            &mut vireo_conn,
            &mut random,
            &key,
            300,
            center,
        );
        for _ in 0..100 {
            let mut request: Vec<String> = Vec::new();
            let store = random.below(8) == 0;
            let from_member = random.below(3) == 0;
            let unit = ["m", "km", "ft", "mi"][random.below(4)];
            let to_meters = [1.0, 1000.0, 0.3048, 1609.34][["m", "km", "ft", "mi"]
                .iter()
                .position(|u| *u == unit)
                .unwrap_or(0)];
            let size = 10f64.powf(random.between(3.5, 6.3)) / to_meters;
            let (lon, lat) = (
                (center.0 + random.between(-6.0, 6.0)).clamp(-180.0, 180.0),
                (center.1 + random.between(-4.0, 4.0)).clamp(-85.0, 85.0),
            );
            let member = format!("p{}", random.below(300));
            let legacy = random.below(3) == 0;
            if legacy {
                let command = match (from_member, store) {
                    (true, true) => "GEORADIUSBYMEMBER",
                    (true, false) => "GEORADIUSBYMEMBER_RO",
                    (false, true) => "GEORADIUS",
                    (false, false) => "GEORADIUS_RO",
                };
                request.push(command.into());
                request.push(key.clone());
                if from_member {
                    request.push(member);
                } else {
                    request.push(format!("{lon:.6}"));
                    request.push(format!("{lat:.6}"));
                }
                request.push(format!("{size:.3}"));
                request.push(unit.into());
            } else {
                if store {
                    request.push("GEOSEARCHSTORE".into());
                    request.push("dest".into());
                } else {
                    request.push("GEOSEARCH".into());
                }
                request.push(key.clone());
                if from_member {
                    request.push("FROMMEMBER".into());
                    request.push(member);
                } else {
                    request.push("FROMLONLAT".into());
                    request.push(format!("{lon:.6}"));
                    request.push(format!("{lat:.6}"));
                }
                if random.below(2) == 0 {
                    request.push("BYRADIUS".into());
                    request.push(format!("{size:.3}"));
                } else {
                    request.push("BYBOX".into());
                    request.push(format!("{:.3}", size * random.between(0.2, 3.0)));
                    request.push(format!("{:.3}", size * random.between(0.2, 3.0)));
                }
                request.push(unit.into());
            }
            match random.below(3) {
                0 => request.push("ASC".into()),
                1 => request.push("DESC".into()),
                _ => {}
            }
            if random.below(3) == 0 {
                request.push("COUNT".into());
                request.push((1 + random.below(20)).to_string());
                if random.below(4) == 0 {
                    request.push("ANY".into());
                }
            }
            if store {
                if random.below(2) == 0 {
                    if legacy {
                        request.push("STOREDIST".into());
                        request.push("dest".into());
                    } else {
                        request.push("STOREDIST".into());
                    }
                } else if legacy {
                    request.push("STORE".into());
                    request.push("dest".into());
                }
            } else {
                for option in ["WITHDIST", "WITHCOORD", "WITHHASH"] {
                    if random.below(2) == 0 {
                        request.push(option.into());
                    }
                }
            }
            let args: Vec<&[u8]> = request.iter().map(String::as_bytes).collect();
            same_reply(&mut redis_conn, &mut vireo_conn, &args);
            if store {
                same_reply(
                    &mut redis_conn,
                    &mut vireo_conn,
                    &[b"ZRANGE", b"dest", b"0", b"-1", b"WITHSCORES"],
                );
            }
        }
        // Every pair's distance and every member's position and hash.
        for _ in 0..50 {
            let (a, b) = (
                format!("p{}", random.below(300)),
                format!("p{}", random.below(300)),
            );
            let key = key.as_bytes();
            same_reply(
                &mut redis_conn,
                &mut vireo_conn,
                &[b"GEODIST", key, a.as_bytes(), b.as_bytes(), b"km"],
            );
            same_reply(
                &mut redis_conn,
                &mut vireo_conn,
                &[b"GEOPOS", key, a.as_bytes(), b.as_bytes()],
            );
            same_reply(
                &mut redis_conn,
                &mut vireo_conn,
                &[b"GEOHASH", key, a.as_bytes(), b.as_bytes()],
            );
        }
    }
}

#[test]
fn searches_with_many_equal_distances_match_redis() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let mut redis_conn = redis.connect();
    let mut vireo_conn = vireo.connect();
    let mut random = Lcg(0x2545_f491_4f6c_dd1d);
    // 250 members on 12 places: most distances are shared by many members,
    // so the order among equals decides the replies.
    let places: Vec<(String, String)> = (0..12)
        .map(|_| {
            (
                format!("{:.4}", random.between(4.0, 6.0)),
                format!("{:.4}", random.between(50.0, 51.0)),
            )
        })
        .collect();
    for index in 0..250 {
        let (lon, lat) = &places[random.below(places.len())];
        let member = format!("m{index}");
        same_reply(
            &mut redis_conn,
            &mut vireo_conn,
            &[
                b"GEOADD",
                b"ties",
                lon.as_bytes(),
                lat.as_bytes(),
                member.as_bytes(),
            ],
        );
    }
    for _ in 0..150 {
        let (lon, lat) = &places[random.below(places.len())];
        let count = (1 + random.below(260)).to_string();
        let radius = format!("{}", 20 + random.below(150));
        let order: &[u8] = if random.below(2) == 0 {
            b"ASC"
        } else {
            b"DESC"
        };
        same_reply(
            &mut redis_conn,
            &mut vireo_conn,
            &[
                b"GEOSEARCH",
                b"ties",
                b"FROMLONLAT",
                lon.as_bytes(),
                lat.as_bytes(),
                b"BYRADIUS",
                radius.as_bytes(),
                b"km",
                order,
                b"COUNT",
                count.as_bytes(),
            ],
        );
    }
}

/// (keyspace_hits, keyspace_misses) from INFO stats.
fn lookup_stats(conn: &mut Connection) -> (u64, u64) {
    let info = String::from_utf8_lossy(&conn.request(&[b"INFO", b"stats"])).into_owned();
    let field = |name: &str| -> u64 {
        info.lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|value| value.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {info}"))
    };
    (field("keyspace_hits:"), field("keyspace_misses:"))
}

#[test]
fn geo_keyspace_hits_and_misses_match_redis() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let mut conns = [redis.connect(), vireo.connect()];
    for conn in &mut conns {
        for setup in [
            "FLUSHALL",
            "GEOADD g 1 1 a 1.001 1 b",
            "SET s v",
            "CONFIG RESETSTAT",
        ] {
            conn.request(&support::words(setup));
        }
    }
    let mut mismatches = Vec::new();
    for line in [
        "GEOADD g 2 2 c",
        "GEOADD none2 2 2 c",
        "GEOPOS g a",
        "GEOPOS none a",
        "GEOHASH g a",
        "GEOHASH none a",
        "GEODIST g a b",
        "GEODIST none a b",
        "GEODIST s a b",
        "GEORADIUS g 1 1 10 km",
        "GEORADIUS none 1 1 10 km",
        "GEORADIUS g 1 1 10 km STORE dst",
        "GEORADIUS none 1 1 10 km STORE dst",
        "GEORADIUS_RO g 1 1 10 km",
        "GEORADIUSBYMEMBER g a 10 km STOREDIST dst",
        "GEORADIUSBYMEMBER_RO none a 10 km",
        "GEOSEARCH g FROMMEMBER a BYRADIUS 10 km",
        "GEOSEARCH none FROMMEMBER a BYRADIUS 10 km",
        "GEOSEARCHSTORE dst g FROMMEMBER a BYBOX 10 10 km",
        "GEOSEARCHSTORE dst none FROMMEMBER a BYBOX 10 10 km",
        "GEOSEARCHSTORE dst s FROMMEMBER a BYBOX 10 10 km",
    ] {
        let deltas: Vec<(u64, u64)> = conns
            .iter_mut()
            .map(|conn| {
                let before = lookup_stats(conn);
                conn.request(&support::words(line));
                let after = lookup_stats(conn);
                (after.0 - before.0, after.1 - before.1)
            })
            .collect();
        if deltas[0] != deltas[1] {
            mismatches.push(format!(
                "{line}: redis {:?}, vireo {:?}",
                deltas[0], deltas[1]
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
