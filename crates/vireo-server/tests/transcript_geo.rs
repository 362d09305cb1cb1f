//! Transcript tests for the GEO commands: exact reply bytes, errors
//! included, as Redis 7.0 sends them.

use vireo_server::testing::{check, connected as setup, words};

#[test]
fn geoadd_stores_geohash_scores_and_honours_nx_xx_ch() {
    let (mut t, c) = setup();
    check(
        &mut t,
        c,
        "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania",
        ":2\r\n",
    );
    check(&mut t, c, "ZRANGE Sicily 0 -1 WITHSCORES", "*4\r\n$7\r\nPalermo\r\n$16\r\n3479099956230698\r\n$7\r\nCatania\r\n$16\r\n3479447370796909\r\n");
    check(
        &mut t,
        c,
        "GEOADD Sicily NX 13.361389 38.115556 Palermo 1 2 Other",
        ":1\r\n",
    );
    check(
        &mut t,
        c,
        "GEOADD Sicily XX CH 13.5 38.1 Palermo 3 4 Third",
        ":1\r\n",
    );
    check(&mut t, c, "GEOADD Sicily CH XX 13.5 38.1 Palermo", ":0\r\n");
    check(
        &mut t,
        c,
        "GEOADD Sicily ch nx 13.5 38.1 Palermo 5 6 Fourth",
        ":1\r\n",
    );
    check(
        &mut t,
        c,
        "ZSCORE Sicily Palermo",
        "$16\r\n3479100566894653\r\n",
    );
    check(&mut t, c, "OBJECT ENCODING Sicily", "$8\r\nlistpack\r\n");
}

#[test]
fn geoadd_rejects_bad_arguments_like_redis() {
    let (mut t, c) = setup();
    check(
        &mut t,
        c,
        "GEOADD Sicily NX XX 1 2 a",
        "-ERR syntax error\r\n",
    );
    check(&mut t, c, "GEOADD Sicily CH 1 2", "-ERR syntax error\r\n");
    check(&mut t, c, "GEOADD Sicily 1 2 a b", "-ERR syntax error\r\n");
    check(&mut t, c, "GEOADD Sicily CH CH CH", "-ERR syntax error\r\n");
    check(&mut t, c, "GEOADD Sicily GT 1 2 a", "-ERR syntax error\r\n");
    check(
        &mut t,
        c,
        "GEOADD Sicily 200 100 a",
        "-ERR invalid longitude,latitude pair 200.000000,100.000000\r\n",
    );
    check(
        &mut t,
        c,
        "GEOADD Sicily -180.5 0 a",
        "-ERR invalid longitude,latitude pair -180.500000,0.000000\r\n",
    );
    check(
        &mut t,
        c,
        "GEOADD Sicily 0 85.06 a",
        "-ERR invalid longitude,latitude pair 0.000000,85.060000\r\n",
    );
    check(
        &mut t,
        c,
        "GEOADD Sicily abc 1 a",
        "-ERR value is not a valid float\r\n",
    );
    check(
        &mut t,
        c,
        "GEOADD Sicily 1 nan a",
        "-ERR value is not a valid float\r\n",
    );
    check(
        &mut t,
        c,
        "GEOADD Sicily 1 2 a 200 1 b",
        "-ERR invalid longitude,latitude pair 200.000000,1.000000\r\n",
    );
    check(&mut t, c, "EXISTS Sicily", ":0\r\n");
    check(
        &mut t,
        c,
        "GEOADD Sicily 180 85.05112878 edge -180 -85.05112878 other",
        ":2\r\n",
    );
    check(&mut t, c, "GEOPOS Sicily edge other", "*2\r\n*2\r\n$3\r\n180\r\n$19\r\n85.0511287799999991\r\n*2\r\n$22\r\n-179.99999731779098511\r\n$21\r\n-85.05112751263942528\r\n");
    check(&mut t, c, "SET str x", "+OK\r\n");
    check(
        &mut t,
        c,
        "GEOADD str 1 2 a",
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
}

#[test]
fn geohash_and_geopos_decode_scores() {
    let (mut t, c) = setup();
    check(
        &mut t,
        c,
        "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 0 0 origin",
        ":3\r\n",
    );
    check(
        &mut t,
        c,
        "GEOHASH Sicily Palermo Catania origin nosuch",
        "*4\r\n$11\r\nsqc8b49rny0\r\n$11\r\nsqdtr74hyu0\r\n$11\r\ns0000000000\r\n$-1\r\n",
    );
    check(&mut t, c, "GEOHASH nokey a", "*1\r\n$-1\r\n");
    check(&mut t, c, "GEOPOS Sicily Palermo origin nosuch", "*3\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n*2\r\n$19\r\n0.00000268220901489\r\n$19\r\n0.00000126736058093\r\n*-1\r\n");
    check(&mut t, c, "GEOPOS nokey a b", "*2\r\n*-1\r\n*-1\r\n");
    check(&mut t, c, "ZADD Sicily -1 negative 5e15 huge", ":2\r\n");
    check(&mut t, c, "GEOPOS Sicily negative huge", "*2\r\n*2\r\n$3\r\n180\r\n$19\r\n85.0511287799999991\r\n*2\r\n$22\r\n-127.13859289884567261\r\n$19\r\n85.0511287799999991\r\n");
    check(
        &mut t,
        c,
        "GEOHASH Sicily negative huge",
        "*2\r\n$11\r\nbp05b5048p0\r\n$11\r\ncpjefghd8p0\r\n",
    );
    check(&mut t, c, "SET str x", "+OK\r\n");
    check(
        &mut t,
        c,
        "GEOPOS str a",
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(
        &mut t,
        c,
        "GEOHASH str a",
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
}

#[test]
fn geodist_in_every_unit() {
    let (mut t, c) = setup();
    check(
        &mut t,
        c,
        "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania",
        ":2\r\n",
    );
    check(
        &mut t,
        c,
        "GEODIST Sicily Palermo Catania",
        "$11\r\n166274.1516\r\n",
    );
    check(
        &mut t,
        c,
        "GEODIST Sicily Palermo Catania km",
        "$8\r\n166.2742\r\n",
    );
    check(
        &mut t,
        c,
        "GEODIST Sicily Palermo Catania MI",
        "$8\r\n103.3182\r\n",
    );
    check(
        &mut t,
        c,
        "GEODIST Sicily Palermo Catania ft",
        "$11\r\n545518.8700\r\n",
    );
    check(
        &mut t,
        c,
        "GEODIST Sicily Palermo Catania M",
        "$11\r\n166274.1516\r\n",
    );
    check(
        &mut t,
        c,
        "GEODIST Sicily Palermo Palermo",
        "$6\r\n0.0000\r\n",
    );
    check(
        &mut t,
        c,
        "GEODIST Sicily Palermo Catania yd",
        "-ERR unsupported unit provided. please use M, KM, FT, MI\r\n",
    );
    check(
        &mut t,
        c,
        "GEODIST Sicily Palermo Catania km x",
        "-ERR syntax error\r\n",
    );
    check(&mut t, c, "GEODIST Sicily Palermo nosuch", "$-1\r\n");
    check(&mut t, c, "GEODIST nokey a b", "$-1\r\n");
    check(
        &mut t,
        c,
        "GEODIST nokey a b parsec",
        "-ERR unsupported unit provided. please use M, KM, FT, MI\r\n",
    );
    check(&mut t, c, "SET str x", "+OK\r\n");
    check(
        &mut t,
        c,
        "GEODIST str a b",
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
}

#[test]
fn georadius_options_and_ordering() {
    let (mut t, c) = setup();
    check(&mut t, c, "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 13.583333 37.316667 Agrigento", ":3\r\n");
    check(
        &mut t,
        c,
        "GEORADIUS Sicily 15 37 200 km",
        "*3\r\n$9\r\nAgrigento\r\n$7\r\nPalermo\r\n$7\r\nCatania\r\n",
    );
    check(&mut t, c, "GEORADIUS Sicily 15 37 200 km WITHDIST WITHCOORD WITHHASH ASC", "*3\r\n*4\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n:3479447370796909\r\n*2\r\n$20\r\n15.08726745843887329\r\n$20\r\n37.50266842333162032\r\n*4\r\n$9\r\nAgrigento\r\n$8\r\n130.4235\r\n:3479030013248308\r\n*2\r\n$19\r\n13.5833314061164856\r\n$20\r\n37.31666804993816555\r\n*4\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n:3479099956230698\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n");
    check(&mut t, c, "GEORADIUS Sicily 15 37 200 km WITHDIST DESC", "*3\r\n*2\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n*2\r\n$9\r\nAgrigento\r\n$8\r\n130.4235\r\n*2\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n");
    check(
        &mut t,
        c,
        "GEORADIUS Sicily 15 37 200 km COUNT 1",
        "*1\r\n$7\r\nCatania\r\n",
    );
    check(
        &mut t,
        c,
        "GEORADIUS Sicily 15 37 200 km COUNT 2 DESC",
        "*2\r\n$7\r\nPalermo\r\n$9\r\nAgrigento\r\n",
    );
    check(
        &mut t,
        c,
        "GEORADIUS Sicily 15 37 200 km COUNT 1 ANY",
        "*1\r\n$9\r\nAgrigento\r\n",
    );
    check(
        &mut t,
        c,
        "GEORADIUS Sicily 15 37 200 km COUNT 3 ANY",
        "*3\r\n$9\r\nAgrigento\r\n$7\r\nPalermo\r\n$7\r\nCatania\r\n",
    );
    check(&mut t, c, "GEORADIUS Sicily 15 37 200 KM WITHDIST", "*3\r\n*2\r\n$9\r\nAgrigento\r\n$8\r\n130.4235\r\n*2\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n*2\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n");
    check(&mut t, c, "GEORADIUS Sicily 15 37 200000 m WITHDIST", "*3\r\n*2\r\n$9\r\nAgrigento\r\n$11\r\n130423.4871\r\n*2\r\n$7\r\nPalermo\r\n$11\r\n190442.4298\r\n*2\r\n$7\r\nCatania\r\n$10\r\n56441.2579\r\n");
    check(
        &mut t,
        c,
        "GEORADIUS Sicily 15 37 100 mi WITHDIST",
        "*2\r\n*2\r\n$9\r\nAgrigento\r\n$7\r\n81.0416\r\n*2\r\n$7\r\nCatania\r\n$7\r\n35.0711\r\n",
    );
    check(&mut t, c, "GEORADIUS Sicily 15 37 1 ft", "*0\r\n");
    check(&mut t, c, "GEORADIUS_RO Sicily 15 37 200 km WITHDIST", "*3\r\n*2\r\n$9\r\nAgrigento\r\n$8\r\n130.4235\r\n*2\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n*2\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n");
    check(&mut t, c, "GEORADIUS nokey 15 37 200 km", "*0\r\n");
}

#[test]
fn georadius_errors() {
    let (mut t, c) = setup();
    check(
        &mut t,
        c,
        "GEOADD Sicily 13.361389 38.115556 Palermo",
        ":1\r\n",
    );
    check(
        &mut t,
        c,
        "GEORADIUS Sicily 15 37 200 km ANY",
        "-ERR the ANY argument requires COUNT argument\r\n",
    );
    check(
        &mut t,
        c,
        "GEORADIUS Sicily 15 37 200 km COUNT 0",
        "-ERR COUNT must be > 0\r\n",
    );
    check(
        &mut t,
        c,
        "GEORADIUS Sicily 15 37 200 km COUNT -3",
        "-ERR COUNT must be > 0\r\n",
    );
    check(
        &mut t,
        c,
        "GEORADIUS Sicily 15 37 200 km COUNT x",
        "-ERR value is not an integer or out of range\r\n",
    );
    check(
        &mut t,
        c,
        "GEORADIUS Sicily 15 37 200 km COUNT",
        "-ERR syntax error\r\n",
    );
    check(
        &mut t,
        c,
        "GEORADIUS Sicily 15 37 -1 km",
        "-ERR radius cannot be negative\r\n",
    );
    check(
        &mut t,
        c,
        "GEORADIUS Sicily 15 37 x km",
        "-ERR need numeric radius\r\n",
    );
    check(
        &mut t,
        c,
        "GEORADIUS Sicily 15 37 1 parsec",
        "-ERR unsupported unit provided. please use M, KM, FT, MI\r\n",
    );
    check(
        &mut t,
        c,
        "GEORADIUS Sicily 15 91 1 km",
        "-ERR invalid longitude,latitude pair 15.000000,91.000000\r\n",
    );
    check(
        &mut t,
        c,
        "GEORADIUS Sicily y 37 1 km",
        "-ERR value is not a valid float\r\n",
    );
    check(
        &mut t,
        c,
        "GEORADIUS Sicily 15 37 200 km BOGUS",
        "-ERR syntax error\r\n",
    );
    check(
        &mut t,
        c,
        "GEORADIUS Sicily 15 37 200 km STORE",
        "-ERR syntax error\r\n",
    );
    check(&mut t, c, "GEORADIUS Sicily 15 37 200 km STORE dst WITHDIST", "-ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options\r\n");
    check(&mut t, c, "GEORADIUS Sicily 15 37 200 km STOREDIST dst WITHHASH", "-ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options\r\n");
    check(
        &mut t,
        c,
        "GEORADIUS_RO Sicily 15 37 200 km STORE dst",
        "-ERR syntax error\r\n",
    );
    check(
        &mut t,
        c,
        "GEORADIUS Sicily 15 37 200 km FROMMEMBER Palermo",
        "-ERR syntax error\r\n",
    );
    check(
        &mut t,
        c,
        "GEORADIUS Sicily 15 37 200",
        "-ERR wrong number of arguments for 'georadius' command\r\n",
    );
    check(&mut t, c, "SET str x", "+OK\r\n");
    check(
        &mut t,
        c,
        "GEORADIUS str 15 91 1 km",
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
}

#[test]
fn georadiusbymember_and_store() {
    let (mut t, c) = setup();
    check(&mut t, c, "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 13.583333 37.316667 Agrigento", ":3\r\n");
    check(
        &mut t,
        c,
        "GEORADIUSBYMEMBER Sicily Agrigento 100 km WITHDIST",
        "*2\r\n*2\r\n$9\r\nAgrigento\r\n$6\r\n0.0000\r\n*2\r\n$7\r\nPalermo\r\n$7\r\n90.9778\r\n",
    );
    check(&mut t, c, "GEORADIUSBYMEMBER_RO Sicily Agrigento 100 km WITHCOORD", "*2\r\n*2\r\n$9\r\nAgrigento\r\n*2\r\n$19\r\n13.5833314061164856\r\n$20\r\n37.31666804993816555\r\n*2\r\n$7\r\nPalermo\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n");
    check(
        &mut t,
        c,
        "GEORADIUSBYMEMBER Sicily nosuch 100 km",
        "-ERR could not decode requested zset member\r\n",
    );
    check(
        &mut t,
        c,
        "GEORADIUSBYMEMBER nokey nosuch -5 parsec",
        "*0\r\n",
    );
    check(
        &mut t,
        c,
        "GEORADIUSBYMEMBER nokey nosuch -5 parsec BOGUS",
        "-ERR syntax error\r\n",
    );
    check(
        &mut t,
        c,
        "GEORADIUSBYMEMBER Sicily Palermo 200 km STORE dst",
        ":3\r\n",
    );
    check(&mut t, c, "ZRANGE dst 0 -1 WITHSCORES", "*6\r\n$9\r\nAgrigento\r\n$16\r\n3479030013248308\r\n$7\r\nPalermo\r\n$16\r\n3479099956230698\r\n$7\r\nCatania\r\n$16\r\n3479447370796909\r\n");
    check(
        &mut t,
        c,
        "GEORADIUSBYMEMBER Sicily Palermo 200 km STOREDIST dst",
        ":3\r\n",
    );
    check(&mut t, c, "ZRANGE dst 0 -1 WITHSCORES", "*6\r\n$7\r\nPalermo\r\n$1\r\n0\r\n$9\r\nAgrigento\r\n$18\r\n90.977753537996037\r\n$7\r\nCatania\r\n$18\r\n166.27415156960032\r\n");
    check(
        &mut t,
        c,
        "GEORADIUSBYMEMBER Sicily Palermo 200 km STORE a STOREDIST dst COUNT 1",
        ":1\r\n",
    );
    check(
        &mut t,
        c,
        "ZRANGE dst 0 -1 WITHSCORES",
        "*2\r\n$7\r\nPalermo\r\n$1\r\n0\r\n",
    );
    check(&mut t, c, "EXISTS a", ":0\r\n");
    check(
        &mut t,
        c,
        "GEORADIUS Sicily 15 37 200 km STORE dst DESC COUNT 2",
        ":2\r\n",
    );
    check(&mut t, c, "ZRANGE dst 0 -1 WITHSCORES", "*4\r\n$9\r\nAgrigento\r\n$16\r\n3479030013248308\r\n$7\r\nPalermo\r\n$16\r\n3479099956230698\r\n");
    check(&mut t, c, "GEORADIUS Sicily 0 0 1 km STORE dst", ":0\r\n");
    check(&mut t, c, "EXISTS dst", ":0\r\n");
    check(&mut t, c, "GEORADIUS nokey 0 0 1 km STORE Sicily", ":0\r\n");
    check(&mut t, c, "EXISTS Sicily", ":0\r\n");
}

#[test]
fn geosearch_options() {
    let (mut t, c) = setup();
    check(&mut t, c, "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 13.583333 37.316667 Agrigento", ":3\r\n");
    check(&mut t, c, "GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 400 400 km ASC WITHCOORD", "*3\r\n*2\r\n$7\r\nPalermo\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n*2\r\n$9\r\nAgrigento\r\n*2\r\n$19\r\n13.5833314061164856\r\n$20\r\n37.31666804993816555\r\n*2\r\n$7\r\nCatania\r\n*2\r\n$20\r\n15.08726745843887329\r\n$20\r\n37.50266842333162032\r\n");
    check(&mut t, c, "GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 200 400 km ASC WITHDIST WITHHASH", "*2\r\n*3\r\n$7\r\nPalermo\r\n$6\r\n0.0000\r\n:3479099956230698\r\n*3\r\n$9\r\nAgrigento\r\n$7\r\n90.9778\r\n:3479030013248308\r\n");
    check(&mut t, c, "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km DESC WITHDIST", "*3\r\n*2\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n*2\r\n$9\r\nAgrigento\r\n$8\r\n130.4235\r\n*2\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n");
    check(
        &mut t,
        c,
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km COUNT 2",
        "*2\r\n$7\r\nCatania\r\n$9\r\nAgrigento\r\n",
    );
    check(
        &mut t,
        c,
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km COUNT 1 ANY",
        "*1\r\n$9\r\nAgrigento\r\n",
    );
    check(
        &mut t,
        c,
        "GEOSEARCH Sicily frommember Agrigento byradius 100 KM withdist",
        "*2\r\n*2\r\n$9\r\nAgrigento\r\n$6\r\n0.0000\r\n*2\r\n$7\r\nPalermo\r\n$7\r\n90.9778\r\n",
    );
    check(
        &mut t,
        c,
        "GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 0 0 km WITHDIST",
        "*1\r\n*2\r\n$7\r\nPalermo\r\n$6\r\n0.0000\r\n",
    );
    check(
        &mut t,
        c,
        "GEOSEARCH nokey FROMMEMBER x BYRADIUS 1 m",
        "*0\r\n",
    );
}

#[test]
fn geosearch_errors() {
    let (mut t, c) = setup();
    check(
        &mut t,
        c,
        "GEOADD Sicily 13.361389 38.115556 Palermo",
        ":1\r\n",
    );
    check(
        &mut t,
        c,
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km FROMMEMBER Palermo",
        "-ERR syntax error\r\n",
    );
    check(
        &mut t,
        c,
        "GEOSEARCH Sicily FROMMEMBER Palermo FROMLONLAT 15 37 BYRADIUS 200 km",
        "-ERR syntax error\r\n",
    );
    check(
        &mut t,
        c,
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km BYBOX 1 1 km",
        "-ERR syntax error\r\n",
    );
    check(
        &mut t,
        c,
        "GEOSEARCH Sicily BYRADIUS 200 km DESC COUNT 2",
        "-ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCH\r\n",
    );
    check(
        &mut t,
        c,
        "geosearch Sicily BYRADIUS 200 km DESC COUNT 2",
        "-ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for geosearch\r\n",
    );
    check(
        &mut t,
        c,
        "GEOSEARCH Sicily FROMLONLAT 15 37 ASC DESC",
        "-ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH\r\n",
    );
    check(
        &mut t,
        c,
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX -1 1 km",
        "-ERR height or width cannot be negative\r\n",
    );
    check(
        &mut t,
        c,
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX x 1 km",
        "-ERR need numeric width\r\n",
    );
    check(
        &mut t,
        c,
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 y km",
        "-ERR need numeric height\r\n",
    );
    check(
        &mut t,
        c,
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 1 yd",
        "-ERR unsupported unit provided. please use M, KM, FT, MI\r\n",
    );
    check(
        &mut t,
        c,
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST",
        "-ERR syntax error\r\n",
    );
    check(
        &mut t,
        c,
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km STORE dst",
        "-ERR syntax error\r\n",
    );
    check(
        &mut t,
        c,
        "GEOSEARCH Sicily FROMMEMBER nosuch BYRADIUS 200 km",
        "-ERR could not decode requested zset member\r\n",
    );
    check(
        &mut t,
        c,
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km ANY",
        "-ERR the ANY argument requires COUNT argument\r\n",
    );
    check(
        &mut t,
        c,
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200",
        "-ERR syntax error\r\n",
    );
    check(
        &mut t,
        c,
        "GEOSEARCH nokey FROMMEMBER x BYRADIUS 1 m ASC",
        "*0\r\n",
    );
    check(
        &mut t,
        c,
        "GEOSEARCH nokey BYRADIUS 1 m ASC WITHDIST",
        "-ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCH\r\n",
    );
}

#[test]
fn geosearchstore_stores_members_or_distances() {
    let (mut t, c) = setup();
    check(&mut t, c, "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 13.583333 37.316667 Agrigento", ":3\r\n");
    check(
        &mut t,
        c,
        "GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYRADIUS 200 km",
        ":3\r\n",
    );
    check(&mut t, c, "ZRANGE dst 0 -1 WITHSCORES", "*6\r\n$9\r\nAgrigento\r\n$16\r\n3479030013248308\r\n$7\r\nPalermo\r\n$16\r\n3479099956230698\r\n$7\r\nCatania\r\n$16\r\n3479447370796909\r\n");
    check(
        &mut t,
        c,
        "GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST DESC COUNT 2",
        ":2\r\n",
    );
    check(&mut t, c, "ZRANGE dst 0 -1 WITHSCORES", "*4\r\n$9\r\nAgrigento\r\n$18\r\n130.42348706714702\r\n$7\r\nPalermo\r\n$18\r\n190.44242984775784\r\n");
    check(
        &mut t,
        c,
        "GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYRADIUS 200 km WITHDIST",
        "-ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options\r\n",
    );
    check(
        &mut t,
        c,
        "GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYRADIUS 200 km STORE x",
        "-ERR syntax error\r\n",
    );
    check(
        &mut t,
        c,
        "GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYRADIUS 1 m",
        ":0\r\n",
    );
    check(&mut t, c, "EXISTS dst", ":0\r\n");
    check(
        &mut t,
        c,
        "GEOSEARCHSTORE Sicily nokey FROMMEMBER x BYRADIUS 1 m",
        ":0\r\n",
    );
    check(&mut t, c, "EXISTS Sicily", ":0\r\n");
    check(&mut t, c, "SET str x", "+OK\r\n");
    check(
        &mut t,
        c,
        "GEOSEARCHSTORE dst str FROMLONLAT 1 1 BYRADIUS 1 km",
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
}

#[test]
fn resp3_replies() {
    let (mut t, c) = setup();
    // The HELLO reply itself is covered elsewhere; only RESP3 matters here.
    t.command(c, &words("HELLO 3"));
    check(
        &mut t,
        c,
        "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania",
        ":2\r\n",
    );
    check(
        &mut t,
        c,
        "GEOPOS Sicily Palermo nosuch",
        "*2\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n_\r\n",
    );
    check(
        &mut t,
        c,
        "GEOHASH Sicily nosuch Catania",
        "*2\r\n_\r\n$11\r\nsqdtr74hyu0\r\n",
    );
    check(&mut t, c, "GEODIST Sicily Palermo nosuch", "_\r\n");
    check(
        &mut t,
        c,
        "GEODIST Sicily Palermo Catania",
        "$11\r\n166274.1516\r\n",
    );
    check(&mut t, c, "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km WITHCOORD WITHDIST WITHHASH", "*2\r\n*4\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n:3479099956230698\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n*4\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n:3479447370796909\r\n*2\r\n,15.08726745843887329\r\n,37.50266842333162032\r\n");
}

#[test]
fn geo_command_keys() {
    let (mut t, c) = setup();
    check(
        &mut t,
        c,
        "COMMAND GETKEYS GEORADIUS src 1 2 3 km STORE dst",
        "*2\r\n$3\r\nsrc\r\n$3\r\ndst\r\n",
    );
    check(
        &mut t,
        c,
        "COMMAND GETKEYS GEORADIUS src 1 2 3 km STORE dst STOREDIST other",
        "*3\r\n$3\r\nsrc\r\n$3\r\ndst\r\n$5\r\nother\r\n",
    );
    check(
        &mut t,
        c,
        "COMMAND GETKEYS GEORADIUS src 1 2 3 km WITHDIST STORE",
        "*1\r\n$3\r\nsrc\r\n",
    );
    check(
        &mut t,
        c,
        "COMMAND GETKEYS GEORADIUS src 1 2 3 STORE dst",
        "*1\r\n$3\r\nsrc\r\n",
    );
    check(&mut t, c, "COMMAND GETKEYSANDFLAGS GEORADIUSBYMEMBER src m 3 km STOREDIST dst", "*2\r\n*2\r\n$3\r\nsrc\r\n*2\r\n+RO\r\n+access\r\n*2\r\n$3\r\ndst\r\n*2\r\n+OW\r\n+update\r\n");
    check(&mut t, c, "COMMAND GETKEYSANDFLAGS GEOSEARCHSTORE dst src FROMMEMBER m BYRADIUS 1 km", "*2\r\n*2\r\n$3\r\ndst\r\n*2\r\n+OW\r\n+update\r\n*2\r\n$3\r\nsrc\r\n*2\r\n+RO\r\n+access\r\n");
    check(
        &mut t,
        c,
        "COMMAND GETKEYS GEORADIUS_RO src 1 2 3 km",
        "*1\r\n$3\r\nsrc\r\n",
    );
    check(
        &mut t,
        c,
        "COMMAND GETKEYS GEOADD k 1 2 m",
        "*1\r\n$1\r\nk\r\n",
    );
}
