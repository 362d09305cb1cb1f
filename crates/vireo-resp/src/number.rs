//! Decimal integers on the wire: the strict parser every length and integer
//! goes through (Redis's `string2ll` grammar) and allocation-free formatting
//! for the encoder.

/// Two ASCII digits for every value below 100, so formatting emits two digits
/// per division.
const PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Parses a signed decimal integer exactly as Redis's `string2ll` does.
///
/// Redis compat: the grammar is deliberately narrow. Accepted are `0` and
/// `-?[1-9][0-9]*` of at most 20 bytes that fit an `i64`; rejected are the
/// empty string, a leading `+`, leading zeros, `-0`, spaces and anything of
/// 21 bytes or more, even when numerically valid.
pub(crate) fn parse_i64(s: &[u8]) -> Option<i64> {
    if s.len() >= 21 {
        return None;
    }
    let (negative, digits) = match s {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, s),
    };
    match digits {
        [b'0'] if !negative => return Some(0),
        [b'1'..=b'9', ..] => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(d))?;
    }
    if negative {
        // 2^63 is the magnitude of i64::MIN; wrapping_neg maps it onto itself.
        if v > 1 << 63 {
            None
        } else {
            Some((v as i64).wrapping_neg())
        }
    } else {
        i64::try_from(v).ok()
    }
}

/// Reads the common shape of a length line quickly: `digits` then `\r` then at
/// least one more byte, starting at `at`.
///
/// Returns the value and the index of the `\r`, or `None` whenever the input
/// has any other shape (a sign, too many digits, leading zeros, no `\r` yet).
/// A `Some` answer is always the one [`parse_i64`] would give for the bytes up
/// to the first `\r`, so callers fall back to the general path on `None`
/// without changing behaviour.
#[inline(always)]
pub(crate) fn fast_len(buf: &[u8], at: usize) -> Option<(u64, usize)> {
    let digits = buf.get(at..)?;
    let mut v: u64 = 0;
    let mut n = 0usize;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            if b != b'\r' {
                return None;
            }
            break;
        }
        // Nineteen digits cannot overflow a u64; longer numbers are rare
        // enough to leave to the general path.
        if n == 19 {
            return None;
        }
        v = v * 10 + u64::from(d);
        n += 1;
    }
    if n == 0 || (n > 1 && digits.first() == Some(&b'0')) || v > i64::MAX as u64 {
        return None;
    }
    let cr = at + n;
    // The terminator counts only once the byte after it has arrived.
    if cr + 1 < buf.len() {
        Some((v, cr))
    } else {
        None
    }
}

/// Formats `v` in decimal into the end of `buf` and returns the digits.
///
/// Twenty bytes hold every `u64` (`u64::MAX` has 20 digits).
///
/// # Examples
///
/// ```
/// let mut buf = [0u8; 20];
/// assert_eq!(vireo_resp::encode::fmt_u64(&mut buf, 1234), b"1234");
/// ```
pub fn fmt_u64(buf: &mut [u8; 20], v: u64) -> &[u8] {
    let start = write_digits(buf, v);
    buf.get(start..).unwrap_or(&[])
}

/// Formats `v` in decimal (with a leading `-` when negative) into the end of
/// `buf` and returns the text.
///
/// Twenty bytes hold every `i64` (`i64::MIN` is 19 digits and a sign).
///
/// # Examples
///
/// ```
/// let mut buf = [0u8; 20];
/// assert_eq!(vireo_resp::encode::fmt_i64(&mut buf, -42), b"-42");
/// assert_eq!(vireo_resp::encode::fmt_i64(&mut buf, i64::MIN), b"-9223372036854775808");
/// ```
pub fn fmt_i64(buf: &mut [u8; 20], v: i64) -> &[u8] {
    let mut start = write_digits(buf, v.unsigned_abs());
    if v < 0 {
        // At most 19 digits were written, so there is room for the sign.
        start -= 1;
        if let Some(b) = buf.get_mut(start) {
            *b = b'-';
        }
    }
    buf.get(start..).unwrap_or(&[])
}

/// Writes the digits of `v` right-aligned in `buf`; returns where they start.
#[inline]
fn write_digits(buf: &mut [u8; 20], mut v: u64) -> usize {
    let mut i = buf.len();
    while v >= 100 {
        let pair = (v % 100) as usize * 2;
        v /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    if v >= 10 {
        let pair = v as usize * 2;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    } else {
        i -= 1;
        buf[i] = b'0' + v as u8;
    }
    i
}

/// The two ASCII digits of `v`, which must be below 100.
#[inline]
pub(crate) fn two_digits(v: u64) -> [u8; 2] {
    let pair = (v % 100) as usize * 2;
    [PAIRS[pair], PAIRS[pair + 1]]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Option<i64>) {
        assert_eq!(
            parse_i64(input.as_bytes()),
            expected,
            "parse_i64({input:?})"
        );
    }

    #[test]
    fn parse_i64_follows_string2ll() {
        check("0", Some(0));
        check("1", Some(1));
        check("10", Some(10));
        check("-1", Some(-1));
        check("9223372036854775807", Some(i64::MAX));
        check("-9223372036854775808", Some(i64::MIN));
        check("9223372036854775808", None);
        check("-9223372036854775809", None);
        check("18446744073709551616", None);
        check("99999999999999999999", None);
        check("", None);
        check("-", None);
        check("-0", None);
        check("00", None);
        check("01", None);
        check("+1", None);
        check(" 1", None);
        check("1 ", None);
        check("1a", None);
        check("0x10", None);
        // 21 bytes, numerically fine, still rejected by the length rule.
        check("-00000000000000000001", None);
    }

    #[test]
    fn fast_len_agrees_with_parse_i64() {
        let cases: &[&[u8]] = &[
            b"3\r\n",
            b"0\r\n",
            b"00\r\n",
            b"12\r",
            b"12\rX",
            b"-1\r\n",
            b"\r\n",
            b"9223372036854775807\r\n",
            b"9223372036854775808\r\n",
            b"1234567890123456789\r\n",
            b"12345678901234567890\r\n",
            b"1x\r\n",
            b"12",
        ];
        for case in cases {
            if let Some((v, cr)) = fast_len(case, 0) {
                assert_eq!(case.get(cr), Some(&b'\r'));
                assert!(cr + 1 < case.len());
                assert_eq!(parse_i64(&case[..cr]), Some(v as i64), "{case:?}");
            }
        }
        assert_eq!(fast_len(b"3\r\n", 0), Some((3, 1)));
        assert_eq!(fast_len(b"$42\r\n", 1), Some((42, 3)));
        assert_eq!(fast_len(b"12\r", 0), None);
        assert_eq!(fast_len(b"00\r\n", 0), None);
    }

    #[test]
    fn formatting_matches_std() {
        let mut buf = [0u8; 20];
        for v in [
            0,
            1,
            9,
            10,
            99,
            100,
            101,
            999,
            1000,
            65535,
            u64::MAX,
            u64::MAX - 1,
            1 << 63,
        ] {
            assert_eq!(fmt_u64(&mut buf, v), v.to_string().as_bytes());
        }
        for v in [
            0,
            -1,
            1,
            -9,
            -10,
            42,
            -99,
            -100,
            i64::MIN,
            i64::MAX,
            i64::MIN + 1,
        ] {
            assert_eq!(fmt_i64(&mut buf, v), v.to_string().as_bytes());
        }
        assert_eq!(two_digits(7), *b"07");
        assert_eq!(two_digits(42), *b"42");
    }
}
