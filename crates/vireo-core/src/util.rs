//! Number parsing and formatting with Redis's exact rules.

/// Parses a canonical signed 64-bit decimal integer.
///
/// Redis compat: this is `string2ll`: no leading `+`, no spaces, no leading
/// zeros (except "0" itself), no "-0", at most 20 characters; anything else is
/// not an integer. Canonical form matters because a value stored as an
/// integer must read back as the same bytes.
pub fn parse_i64(bytes: &[u8]) -> Option<i64> {
    let (negative, digits) = match bytes {
        [] => return None,
        [b'0'] => return Some(0),
        [b'-', rest @ ..] => (true, rest),
        _ => (false, bytes),
    };
    match digits {
        [first, ..] if (b'1'..=b'9').contains(first) => {}
        _ => return None,
    }
    if digits.len() > 19 {
        return None;
    }
    let mut magnitude: u64 = 0;
    for &digit in digits {
        if !digit.is_ascii_digit() {
            return None;
        }
        magnitude = magnitude
            .checked_mul(10)?
            .checked_add(u64::from(digit - b'0'))?;
    }
    if negative {
        if magnitude > i64::MAX as u64 + 1 {
            return None;
        }
        Some((magnitude as i64).wrapping_neg())
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Formats `value` in decimal into `buf`, returning the used tail.
pub fn format_i64(buf: &mut [u8; 20], value: i64) -> &[u8] {
    let mut magnitude = value.unsigned_abs();
    let mut start = buf.len();
    loop {
        start -= 1;
        buf[start] = b'0' + (magnitude % 10) as u8;
        magnitude /= 10;
        if magnitude == 0 {
            break;
        }
    }
    if value < 0 {
        start -= 1;
        buf[start] = b'-';
    }
    &buf[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_i64_accepts_only_canonical_integers() {
        let cases: &[(&[u8], Option<i64>)] = &[
            (b"0", Some(0)),
            (b"1", Some(1)),
            (b"-1", Some(-1)),
            (b"9223372036854775807", Some(i64::MAX)),
            (b"-9223372036854775808", Some(i64::MIN)),
            (b"9223372036854775808", None),
            (b"-9223372036854775809", None),
            (b"", None),
            (b"-", None),
            (b"-0", None),
            (b"01", None),
            (b"+1", None),
            (b" 1", None),
            (b"1 ", None),
            (b"1a", None),
            (b"99999999999999999999", None),
        ];
        for (input, expected) in cases {
            assert_eq!(
                parse_i64(input),
                *expected,
                "input {:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn format_i64_round_trips() {
        for value in [0, 1, -1, 10, -10, 12345, i64::MAX, i64::MIN] {
            let mut buf = [0; 20];
            assert_eq!(format_i64(&mut buf, value), value.to_string().as_bytes());
        }
    }
}
