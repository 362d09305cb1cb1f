//! x87 80-bit `long double` arithmetic in software, for Redis's float commands.
//!
//! Redis compat: INCRBYFLOAT and HINCRBYFLOAT parse both operands with C's
//! `strtold` (Redis's `string2ld`), add them as `long double`, and reply with
//! the sum printed by `"%.17Lf"` with trailing zeros trimmed (`ld2string` in
//! `LD_STR_HUMAN` mode). On x86-64, where Redis is built and tested,
//! `long double` is the x87 extended format: a 64-bit significand with an
//! explicit integer bit, a 15-bit exponent biased by 16383, subnormals down
//! to 2^-16445, round-to-nearest-even. `f64` gives different bytes: Redis
//! answers `INCRBYFLOAT` of 5000.6 by 5 with `5005.60000000000000009`, where
//! `f64` would print `5005.6`. Clients store and compare those bytes, so
//! Vireo reproduces them exactly, on any host, in safe Rust.
//!
//! Design: every operation computes its exact result and rounds it once.
//! - Parsing (glibc's `strtold` rounds correctly, half to even, on the exact
//!   decimal value) writes the input as `digits * 10^e`; ordinary inputs
//!   (at most 38 digits, `|e| <= 27`) fit `u128` arithmetic, anything else
//!   goes through [`Big`], a small arbitrary-precision unsigned integer.
//!   `10^e` is split into `5^e * 2^e` so only the odd part is ever multiplied
//!   or divided; the power of two is an exponent adjustment.
//! - Addition aligns both significands in a `u128`; when the exponents are
//!   too far apart for that, the smaller operand only matters as a sticky
//!   bit, which is exact for round-to-nearest.
//! - Formatting is exact as well: glibc's `printf` prints the exact binary
//!   value rounded half to even at the last printed digit, and so do we.
//!
//! One rounding routine ([`round_to_precision`]) serves every path, so the
//! `u128` fast paths and the [`Big`] path cannot disagree on ties, subnormals
//! or overflow.

use std::cmp::Ordering;

/// Redis's `MAX_LONG_DOUBLE_CHARS`: `string2ld` copies its input into a
/// buffer of this size with a terminating NUL, so longer inputs are refused.
const MAX_LONG_DOUBLE_CHARS: usize = 5 * 1024;
const EXP_BIAS: i64 = 16383;
/// Biased exponent of infinities and NaNs.
const EXP_SPECIAL: u16 = 0x7FFF;
const SIGN_BIT: u16 = 0x8000;
/// The x87 format stores the leading significand bit explicitly.
const INT_BIT: u64 = 1 << 63;
/// Value of the significand's last bit for subnormals (and the smallest
/// normal binade): the smallest positive value is 2^-16445.
const MIN_QUANTUM: i64 = 1 - EXP_BIAS - 63;
/// The same for `f64`: its smallest subnormal is 2^-1074.
const F64_MIN_QUANTUM: i64 = -1074;
/// Decimal exponents past these bounds overflow or underflow whatever the
/// digits: a value below 10^-4951 is under half the smallest subnormal
/// (about 1.82e-4951) and rounds to zero; a value of at least 10^4933 is
/// above the largest finite value (about 1.19e4932) and rounds to infinity.
const DEC_EXP_MAX: i64 = 4933;
const DEC_EXP_MIN: i64 = -4951;
/// Written exponents are clamped here: far beyond any value that matters, yet
/// small enough that the exponent arithmetic never overflows an `i64`.
const EXP_CLAMP: i64 = 1 << 40;
/// 5^27 is the largest power of five below 2^63, which keeps the `u128` fast
/// path's quotient at 65 bits or more (a guard bit for rounding).
const FAST_POW5_MAX: i64 = 27;
const TEN_POW_16: u64 = 10_000_000_000_000_000;
const TEN_POW_17: u128 = 100_000_000_000_000_000;

/// An x87 80-bit extended-precision value.
///
/// Equality compares the stored bits, so `0 != -0` and a NaN equals itself;
/// compare with care where IEEE semantics matter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LongDouble {
    /// Sign (bit 15) and biased exponent (bits 0..15), as the x87 stores them.
    sign_exp: u16,
    /// Significand with its explicit integer bit (bit 63; clear for zero and
    /// subnormals).
    mantissa: u64,
}

/// A value taken apart for arithmetic.
enum Class {
    Nan,
    Infinite { negative: bool },
    Zero { negative: bool },
    /// `mantissa * 2^exp`, with `mantissa` non-zero.
    Finite {
        negative: bool,
        mantissa: u64,
        exp: i64,
    },
}

impl LongDouble {
    /// The x87 "real indefinite": the NaN an invalid operation produces.
    const DEFAULT_NAN: LongDouble = LongDouble {
        sign_exp: SIGN_BIT | EXP_SPECIAL,
        mantissa: 0xC000_0000_0000_0000,
    };

    const fn from_parts(negative: bool, biased_exp: u16, mantissa: u64) -> LongDouble {
        let sign = if negative { SIGN_BIT } else { 0 };
        LongDouble {
            sign_exp: sign | biased_exp,
            mantissa,
        }
    }

    const fn zero(negative: bool) -> LongDouble {
        LongDouble::from_parts(negative, 0, 0)
    }

    const fn infinity(negative: bool) -> LongDouble {
        LongDouble::from_parts(negative, EXP_SPECIAL, INT_BIT)
    }

    fn is_negative(self) -> bool {
        self.sign_exp & SIGN_BIT != 0
    }

    fn class(self) -> Class {
        let negative = self.is_negative();
        let biased = self.sign_exp & !SIGN_BIT;
        if biased == EXP_SPECIAL {
            // Only the canonical infinity is one; the x87 treats every other
            // pattern with this exponent as a NaN operand.
            if self.mantissa == INT_BIT {
                Class::Infinite { negative }
            } else {
                Class::Nan
            }
        } else if self.mantissa == 0 {
            Class::Zero { negative }
        } else {
            // Biased exponent 0 and 1 share the same scale: subnormals have
            // no implicit offset because the integer bit is explicit.
            let exp = i64::from(biased.max(1)) - EXP_BIAS - 63;
            Class::Finite {
                negative,
                mantissa: self.mantissa,
                exp,
            }
        }
    }

    /// Rounds `(m + f) * 2^exp2` to the nearest value, ties to even, where
    /// `0 <= f < 1` and `f > 0` exactly when `sticky`. Callers passing
    /// `sticky` keep at least one bit of `m` below the rounding point.
    fn round(negative: bool, m: u128, exp2: i64, sticky: bool) -> LongDouble {
        let (kept, quantum) = round_to_precision(m, exp2, sticky, 64, MIN_QUANTUM);
        if kept == 0 {
            return LongDouble::zero(negative);
        }
        if kept < INT_BIT {
            // Subnormal: only possible at the smallest quantum, stored with
            // biased exponent 0.
            return LongDouble::from_parts(negative, 0, kept);
        }
        let biased = quantum + 63 + EXP_BIAS;
        if biased >= i64::from(EXP_SPECIAL) {
            return LongDouble::infinity(negative);
        }
        LongDouble::from_parts(negative, biased as u16, kept)
    }

    /// [`LongDouble::round`] for a significand of any size: bits past the
    /// top 128 only matter as a sticky bit.
    fn round_big(negative: bool, mut m: Big, mut exp2: i64, mut sticky: bool) -> LongDouble {
        let len = m.bit_len();
        if len > 128 {
            let drop = len - 128;
            sticky |= m.shr_sticky(drop);
            exp2 += drop as i64;
        }
        LongDouble::round(negative, m.to_u128(), exp2, sticky)
    }

    /// Redis's string2ld: strtold on the whole input; rejects empty input,
    /// inputs of 5120 bytes or more (Redis's MAX_LONG_DOUBLE_CHARS buffer),
    /// a leading space (isspace), trailing garbage, NaN results, and
    /// out-of-range results (overflow to ±inf, or underflow to zero with
    /// ERANGE) — but accepts "inf"/"-inf"/"infinity" spellings that strtold
    /// accepts, hexadecimal floats ("0x1.8p3"), exponents, leading '+', and
    /// values that underflow to a non-zero subnormal. Returns None when
    /// Redis's string2ld returns 0.
    ///
    /// Redis also requires `strtold` to consume every byte, so an embedded
    /// NUL is trailing garbage too.
    pub fn parse(text: &[u8]) -> Option<LongDouble> {
        let first = *text.first()?;
        if text.len() >= MAX_LONG_DOUBLE_CHARS || is_c_space(first) {
            return None;
        }
        // strtold would skip leading white space, but Redis refuses it
        // above, so the sign is the first byte or absent.
        let (negative, body) = match first {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        if body.len() >= 3 && body[..3].eq_ignore_ascii_case(b"inf") {
            // strtold takes "inf" or "infinity", in any case; anything after
            // them is garbage.
            return if body.len() == 3 || body.eq_ignore_ascii_case(b"infinity") {
                Some(LongDouble::infinity(negative))
            } else {
                None
            };
        }
        // "nan" spellings need no case: a NaN result is refused anyway, and so
        // is trailing garbage, and the grammar below takes no letters.
        let value = match body {
            [b'0', x, hex @ ..] if *x == b'x' || *x == b'X' => parse_hex(negative, hex)?,
            _ => parse_decimal(negative, body)?,
        };
        if value.is_infinite() {
            // Overflow: ERANGE with HUGE_VAL.
            return None;
        }
        Some(value)
    }

    /// Exact x87 addition rounded to nearest-even (including subnormals, and
    /// ±inf, and inf + -inf = NaN).
    ///
    /// With a NaN operand the result is that NaN (the first one if both are):
    /// only this module makes values, and every NaN it makes is the default
    /// one.
    pub fn add(self, other: LongDouble) -> LongDouble {
        let (a, b) = match (self.class(), other.class()) {
            (Class::Nan, _) => return self,
            (_, Class::Nan) => return other,
            (Class::Infinite { negative: x }, Class::Infinite { negative: y }) => {
                return if x == y {
                    self
                } else {
                    LongDouble::DEFAULT_NAN
                };
            }
            (Class::Infinite { .. }, _) => return self,
            (_, Class::Infinite { .. }) => return other,
            // An exact zero sum is +0 when rounding to nearest, except
            // -0 + -0.
            (Class::Zero { negative: x }, Class::Zero { negative: y }) => {
                return LongDouble::zero(x && y);
            }
            (Class::Zero { .. }, _) => return other,
            (_, Class::Zero { .. }) => return self,
            (
                Class::Finite {
                    negative: sa,
                    mantissa: ma,
                    exp: ea,
                },
                Class::Finite {
                    negative: sb,
                    mantissa: mb,
                    exp: eb,
                },
            ) => ((sa, ma, ea), (sb, mb, eb)),
        };
        // Let `big` have the larger exponent.
        let (big, small) = if a.2 >= b.2 { (a, b) } else { (b, a) };
        let distance = big.2 - small.2;
        let (x, y, exp2, sticky) = if distance <= 63 {
            // Both fit a u128 exactly: the sum is exact before rounding.
            (u128::from(big.1) << distance, u128::from(small.1), small.2, false)
        } else {
            // The larger operand is normal here (a subnormal has the
            // smallest exponent), so `x >= 2^126` and the smaller operand
            // sits wholly below `x`'s rounding point, where only whether it
            // is non-zero matters.
            let drop = distance - 63;
            let (y, lost) = if drop >= 64 {
                (0, small.1 != 0)
            } else {
                (small.1 >> drop, small.1 & ((1u64 << drop) - 1) != 0)
            };
            (u128::from(big.1) << 63, u128::from(y), big.2 - 63, lost)
        };
        if big.0 == small.0 {
            return LongDouble::round(big.0, x + y, exp2, sticky);
        }
        match x.cmp(&y) {
            Ordering::Equal if !sticky => LongDouble::zero(false),
            Ordering::Less => LongDouble::round(small.0, y - x, exp2, false),
            // x - (y + f) with 0 < f < 1 is (x - y - 1) + (1 - f): borrow one
            // unit and keep the fraction sticky. `x > y` whenever `sticky`.
            _ if sticky => LongDouble::round(big.0, x - y - 1, exp2, true),
            _ => LongDouble::round(big.0, x - y, exp2, false),
        }
    }

    pub fn is_nan(self) -> bool {
        matches!(self.class(), Class::Nan)
    }

    pub fn is_infinite(self) -> bool {
        matches!(self.class(), Class::Infinite { .. })
    }

    /// Redis's ld2string(..., LD_STR_HUMAN): "%.17Lf" (exact, correctly
    /// rounded as glibc does: round-half-even on the exact binary value),
    /// trailing zeros after '.' removed, then a trailing '.', and "-0" becomes
    /// "0"; infinities as "inf"/"-inf".
    ///
    /// NaN prints as "nan", as `ld2string` does.
    pub fn to_human_string(self) -> Vec<u8> {
        let (negative, mantissa, exp) = match self.class() {
            Class::Nan => return b"nan".to_vec(),
            Class::Infinite { negative } => return infinity_text(negative),
            Class::Zero { negative } => (negative, 0, 0),
            Class::Finite {
                negative,
                mantissa,
                exp,
            } => (negative, mantissa, exp),
        };
        // "%.17Lf": the integer round(|v| * 10^17) with a '.' before its
        // last 17 digits.
        let mut scaled = if exp >= 0 {
            let mut digits = if exp <= 64 {
                u128_decimal(u128::from(mantissa) << exp)
            } else {
                let mut int = Big::from_u128(u128::from(mantissa));
                int.shl(exp as u64);
                int.to_decimal()
            };
            digits.extend_from_slice(&[b'0'; 17]);
            digits
        } else {
            // |v| * 10^17 = mantissa * 10^17 / 2^-exp, and the numerator
            // stays below 2^121, so a u128 holds the whole computation.
            let numerator = u128::from(mantissa) * TEN_POW_17;
            let shift = exp.unsigned_abs();
            let (mut q, half, rest) = if shift > 127 {
                // The numerator is under half of 2^shift: rounds to zero.
                (0, false, true)
            } else {
                let below = numerator & ((1u128 << shift) - 1);
                let half = 1u128 << (shift - 1);
                (numerator >> shift, below >= half, below != half && below != 0)
            };
            if half && (rest || q & 1 == 1) {
                q += 1;
            }
            u128_decimal(q)
        };
        if scaled.len() < 18 {
            let pad = 18 - scaled.len();
            scaled.splice(0..0, std::iter::repeat(b'0').take(pad));
        }
        let int_len = scaled.len() - 17;
        let mut out = Vec::with_capacity(scaled.len() + 2);
        if negative {
            out.push(b'-');
        }
        out.extend_from_slice(&scaled[..int_len]);
        out.push(b'.');
        out.extend_from_slice(&scaled[int_len..]);
        // ld2string's trimming, step by step.
        while out.last() == Some(&b'0') {
            out.pop();
        }
        if out.last() == Some(&b'.') {
            out.pop();
        }
        if out == b"-0" {
            out.remove(0);
        }
        out
    }

    /// "%.17Lg" (Redis's LD_STR_AUTO), for later commands.
    ///
    /// Like `ld2string`, infinities print as "inf"/"-inf" and NaN as "nan";
    /// negative zero keeps its sign ("-0"), as `%g` does.
    pub fn to_auto_string(self) -> Vec<u8> {
        let (negative, digits, x) = match self.class() {
            Class::Nan => return b"nan".to_vec(),
            Class::Infinite { negative } => return infinity_text(negative),
            Class::Zero { negative } => {
                return if negative {
                    b"-0".to_vec()
                } else {
                    b"0".to_vec()
                };
            }
            Class::Finite {
                negative,
                mantissa,
                exp,
            } => {
                let (q, x) = significant_digits(mantissa, exp);
                (negative, u128_decimal(u128::from(q)), x)
            }
        };
        // `digits` has exactly 17 digits; `x` is the decimal exponent of the
        // first one. %g picks the style from the exponent after rounding.
        let mut out = Vec::with_capacity(32);
        if negative {
            out.push(b'-');
        }
        if !(-4..17).contains(&x) {
            out.push(digits[0]);
            out.push(b'.');
            out.extend_from_slice(&digits[1..]);
            trim_fraction(&mut out);
            out.push(b'e');
            out.push(if x < 0 { b'-' } else { b'+' });
            let magnitude = u128_decimal(u128::from(x.unsigned_abs()));
            if magnitude.len() < 2 {
                out.push(b'0');
            }
            out.extend_from_slice(&magnitude);
        } else if x >= 0 {
            let int_len = x as usize + 1;
            out.extend_from_slice(&digits[..int_len]);
            out.push(b'.');
            out.extend_from_slice(&digits[int_len..]);
            trim_fraction(&mut out);
        } else {
            out.extend_from_slice(b"0.");
            out.extend(std::iter::repeat(b'0').take((-x - 1) as usize));
            out.extend_from_slice(&digits);
            trim_fraction(&mut out);
        }
        out
    }

    /// Conversions used elsewhere.
    ///
    /// Exact: every `i64` fits the 64-bit significand.
    pub fn from_i64(v: i64) -> LongDouble {
        let magnitude = v.unsigned_abs();
        if magnitude == 0 {
            return LongDouble::zero(false);
        }
        let lz = magnitude.leading_zeros();
        let biased = (63 - i64::from(lz) + EXP_BIAS) as u16;
        LongDouble::from_parts(v < 0, biased, magnitude << lz)
    }

    /// Rounds to nearest-even, as a C `(double)` cast does; out-of-range
    /// values become infinities or (signed) zeros and subnormals.
    pub fn to_f64(self) -> f64 {
        match self.class() {
            Class::Nan => {
                // The x87 keeps the sign and the top payload bits, quieted.
                let sign = u64::from(self.is_negative()) << 63;
                let payload = (self.mantissa >> 11) & ((1 << 52) - 1);
                f64::from_bits(sign | (0x7FF << 52) | (1 << 51) | payload)
            }
            Class::Infinite { negative } => {
                if negative {
                    f64::NEG_INFINITY
                } else {
                    f64::INFINITY
                }
            }
            Class::Zero { negative } => {
                if negative {
                    -0.0
                } else {
                    0.0
                }
            }
            Class::Finite {
                negative,
                mantissa,
                exp,
            } => {
                let sign = u64::from(negative) << 63;
                let (kept, quantum) =
                    round_to_precision(u128::from(mantissa), exp, false, 53, F64_MIN_QUANTUM);
                let bits = if kept < 1 << 52 {
                    // Subnormal or zero: no implicit bit, biased exponent 0.
                    kept
                } else {
                    let biased = quantum + 52 + 1023;
                    if biased >= 0x7FF {
                        0x7FF << 52
                    } else {
                        ((biased as u64) << 52) | (kept & ((1 << 52) - 1))
                    }
                };
                f64::from_bits(sign | bits)
            }
        }
    }
}

/// Rounds `(m + f) * 2^exp2` (`0 <= f < 1`, `f > 0` exactly when `sticky`)
/// to `precision` significant bits, ties to even, with the last bit worth at
/// least `2^min_quantum` (below that, values lose precision: subnormals).
/// Returns `(significand, quantum)`: the result is `significand * 2^quantum`,
/// with `significand < 2^precision`; it has fewer than `precision` bits only
/// at `min_quantum`. The caller detects overflow from the quantum.
fn round_to_precision(
    m: u128,
    exp2: i64,
    sticky: bool,
    precision: u32,
    min_quantum: i64,
) -> (u64, i64) {
    if m == 0 {
        // Callers keep guard bits whenever `sticky` is set, so a zero `m`
        // means an exact zero.
        return (0, min_quantum);
    }
    let len = i64::from(128 - m.leading_zeros());
    let top = exp2 + len - 1;
    let mut quantum = (top - (i64::from(precision) - 1)).max(min_quantum);
    let shift = quantum - exp2;
    let (mut kept, half, rest) = if shift <= 0 {
        // Representable as is; `-shift` is below 64 because the result
        // has at most `precision` bits.
        (
            m.checked_shl(shift.unsigned_abs() as u32).unwrap_or(0),
            false,
            false,
        )
    } else if shift > 128 {
        // All of `m` lies below half a quantum.
        (0, false, true)
    } else {
        let kept = m.checked_shr(shift as u32).unwrap_or(0);
        let half = (m >> (shift - 1)) & 1 == 1;
        let rest = m & ((1u128 << (shift - 1)) - 1) != 0 || sticky;
        (kept, half, rest)
    };
    if half && (rest || kept & 1 == 1) {
        kept += 1;
        if kept == 1u128 << precision {
            // Carried into a new binade (or from subnormal into normal).
            kept >>= 1;
            quantum += 1;
        }
    }
    (kept as u64, quantum)
}

/// C's `isspace` in the "C" locale, which Redis's number parsing runs in.
fn is_c_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r')
}

fn infinity_text(negative: bool) -> Vec<u8> {
    if negative {
        b"-inf".to_vec()
    } else {
        b"inf".to_vec()
    }
}

/// `%g` without `#`: drop trailing zeros of the fraction, then a bare '.'.
fn trim_fraction(out: &mut Vec<u8>) {
    while out.last() == Some(&b'0') {
        out.pop();
    }
    if out.last() == Some(&b'.') {
        out.pop();
    }
}

/// Parses an optional exponent suffix (`e` or `p` with optional sign and at
/// least one digit) that must end the input; `None` for anything else.
fn parse_exponent(rest: &[u8], letter: u8) -> Option<i64> {
    match rest {
        [] => Some(0),
        [first, tail @ ..] if (first | 0x20) == letter => {
            let (negative, digits) = match tail {
                [b'-', digits @ ..] => (true, digits),
                [b'+', digits @ ..] => (false, digits),
                _ => (false, tail),
            };
            if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let mut value: i64 = 0;
            for &digit in digits {
                value = (value * 10 + i64::from(digit - b'0')).min(EXP_CLAMP);
            }
            Some(if negative { -value } else { value })
        }
        _ => None,
    }
}

/// Splits `digits[.digits]` off the front of `s`, with `is_digit` deciding
/// what a digit is; returns (integer part, fraction part, rest).
fn split_mantissa(s: &[u8], is_digit: fn(&u8) -> bool) -> (&[u8], &[u8], &[u8]) {
    let int_len = s.iter().take_while(|b| is_digit(b)).count();
    let (int_part, rest) = s.split_at(int_len);
    match rest {
        [b'.', tail @ ..] => {
            let frac_len = tail.iter().take_while(|b| is_digit(b)).count();
            let (frac_part, rest) = tail.split_at(frac_len);
            (int_part, frac_part, rest)
        }
        _ => (int_part, &[], rest),
    }
}

/// The value of `s` as a decimal floating constant; `None` for bad syntax
/// and for non-zero values that round to zero (underflow, ERANGE).
fn parse_decimal(negative: bool, s: &[u8]) -> Option<LongDouble> {
    let (int_part, frac_part, rest) = split_mantissa(s, u8::is_ascii_digit);
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let exponent = parse_exponent(rest, b'e')?;
    let digits = || int_part.iter().chain(frac_part).map(|d| d - b'0');
    let total = int_part.len() + frac_part.len();
    let leading = digits().take_while(|&d| d == 0).count();
    if leading == total {
        // A zero mantissa is an exact zero whatever the exponent.
        return Some(LongDouble::zero(negative));
    }
    let trailing = digits().rev().take_while(|&d| d == 0).count();
    let count = total - leading - trailing;
    // value = significant digits * 10^e10, and 10^(decimal_len - 1) <= value
    // < 10^decimal_len.
    let e10 = exponent - frac_part.len() as i64 + trailing as i64;
    let decimal_len = count as i64 + e10;
    if !(DEC_EXP_MIN..=DEC_EXP_MAX).contains(&decimal_len) {
        return None;
    }
    let significant = digits().skip(leading).take(count);
    let value = if count <= 38 && (-FAST_POW5_MAX..=FAST_POW5_MAX).contains(&e10) {
        let n = significant.fold(0u128, |acc, d| acc * 10 + u128::from(d));
        match decimal_fast(negative, n, e10) {
            Some(value) => value,
            None => decimal_exact(negative, Big::from_u128(n), e10),
        }
    } else {
        decimal_exact(negative, Big::from_decimal(significant), e10)
    };
    if value == LongDouble::zero(negative) {
        return None;
    }
    Some(value)
}

/// `n * 10^e10` with `u128` arithmetic when it fits: `|e10| <= 27`.
fn decimal_fast(negative: bool, n: u128, e10: i64) -> Option<LongDouble> {
    let pow5 = 5u128.pow(e10.unsigned_abs() as u32);
    if e10 >= 0 {
        let m = n.checked_mul(pow5)?;
        return Some(LongDouble::round(negative, m, e10, false));
    }
    // n / (5^k * 2^k): top-align `n` so the quotient by 5^k (< 2^63) has at
    // least 65 bits, one more than the significand.
    let shift = n.leading_zeros();
    let numerator = n << shift;
    let q = numerator / pow5;
    let r = numerator % pow5;
    Some(LongDouble::round(
        negative,
        q,
        e10 - i64::from(shift),
        r != 0,
    ))
}

/// `n * 10^e10` exactly, for any size (within the pre-checked range).
fn decimal_exact(negative: bool, mut n: Big, e10: i64) -> LongDouble {
    if e10 >= 0 {
        n.mul_pow5(e10 as u64);
        return LongDouble::round_big(negative, n, e10, false);
    }
    let mut den = Big::pow5(e10.unsigned_abs());
    // Scale so the quotient has 67 or 68 bits: n / den lies in
    // (2^(k-1), 2^(k+1)) with k the difference of bit lengths.
    let k = n.bit_len() as i64 - den.bit_len() as i64;
    let shift = 67 - k;
    if shift >= 0 {
        n.shl(shift as u64);
    } else {
        den.shl(shift.unsigned_abs());
    }
    let (q, r) = n.div_rem(&den);
    LongDouble::round(negative, q.to_u128(), e10 - shift, !r.is_zero())
}

/// The value of `s` (after "0x") as a hexadecimal floating constant.
fn parse_hex(negative: bool, s: &[u8]) -> Option<LongDouble> {
    let (int_part, frac_part, rest) = split_mantissa(s, u8::is_ascii_hexdigit);
    if int_part.is_empty() && frac_part.is_empty() {
        // strtold reads just the "0" and stops at the 'x': garbage follows.
        return None;
    }
    let exponent = parse_exponent(rest, b'p')?;
    let digits = || {
        int_part
            .iter()
            .chain(frac_part)
            .map(|&d| (d as char).to_digit(16).unwrap_or(0))
    };
    let total = int_part.len() + frac_part.len();
    let leading = digits().take_while(|&d| d == 0).count();
    if leading == total {
        return Some(LongDouble::zero(negative));
    }
    let trailing = digits().rev().take_while(|&d| d == 0).count();
    let count = total - leading - trailing;
    let exp2 = exponent - 4 * (frac_part.len() as i64 - trailing as i64);
    let mut n = Big::zero();
    let mut chunk = 0u32;
    let mut chunk_len = 0;
    for digit in digits().skip(leading).take(count) {
        chunk = chunk << 4 | digit;
        chunk_len += 1;
        if chunk_len == 7 {
            n.mul_small_add(1 << 28, chunk);
            chunk = 0;
            chunk_len = 0;
        }
    }
    if chunk_len > 0 {
        n.mul_small_add(1 << (4 * chunk_len), chunk);
    }
    let value = LongDouble::round_big(negative, n, exp2, false);
    if value == LongDouble::zero(negative) {
        return None;
    }
    Some(value)
}

/// The 17 significant digits of `mantissa * 2^exp` (non-zero), rounded half
/// to even, as an integer in `[10^16, 10^17)`, with the decimal exponent of
/// the first digit: what `%.16Le` prints, and what `%.17Lg` is built from.
fn significant_digits(mantissa: u64, exp: i64) -> (u64, i64) {
    let top = exp + 63 - i64::from(mantissa.leading_zeros());
    // floor(top * log10(2)) within one either way; the loop corrects it.
    let mut x = (top * 78_913).div_euclid(1 << 18);
    loop {
        // value * 10^s = mantissa * 5^s * 2^(exp + s)
        let s = 16 - x;
        let mut num = Big::from_u128(u128::from(mantissa));
        let mut den = Big::from_u128(1);
        if s >= 0 {
            num.mul_pow5(s as u64);
        } else {
            den.mul_pow5(s.unsigned_abs());
        }
        let t = exp + s;
        if t >= 0 {
            num.shl(t as u64);
        } else {
            den.shl(t.unsigned_abs());
        }
        let (q, mut r) = num.div_rem(&den);
        if q.bit_len() > 64 || q.to_u128() >= TEN_POW_17 {
            x += 1;
            continue;
        }
        let mut q = q.to_u128() as u64;
        if q < TEN_POW_16 {
            x -= 1;
            continue;
        }
        r.shl(1);
        match r.cmp(&den) {
            Ordering::Greater => q += 1,
            Ordering::Equal if q & 1 == 1 => q += 1,
            _ => {}
        }
        if u128::from(q) == TEN_POW_17 {
            q = TEN_POW_16;
            x += 1;
        }
        return (q, x);
    }
}

/// Decimal digits of `v`, without leading zeros ("0" for zero).
fn u128_decimal(mut v: u128) -> Vec<u8> {
    // Peel 19-digit chunks so most of the work is u64 division.
    const CHUNK: u128 = 10_000_000_000_000_000_000;
    let mut chunks = Vec::with_capacity(3);
    while v >= CHUNK {
        chunks.push((v % CHUNK) as u64);
        v /= CHUNK;
    }
    let mut out = (v as u64).to_string().into_bytes();
    for chunk in chunks.iter().rev() {
        out.extend_from_slice(format!("{chunk:019}").as_bytes());
    }
    out
}

/// A small arbitrary-precision unsigned integer: 32-bit limbs, least
/// significant first, no zero limbs at the top (zero has none).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Big {
    limbs: Vec<u32>,
}

impl Big {
    fn zero() -> Big {
        Big { limbs: Vec::new() }
    }

    fn from_u128(mut v: u128) -> Big {
        let mut limbs = Vec::with_capacity(4);
        while v != 0 {
            limbs.push(v as u32);
            v >>= 32;
        }
        Big { limbs }
    }

    fn pow5(k: u64) -> Big {
        let mut big = Big::from_u128(1);
        big.mul_pow5(k);
        big
    }

    /// The integer written by `digits` (values 0..=9), most significant
    /// first.
    fn from_decimal(digits: impl Iterator<Item = u8>) -> Big {
        let mut big = Big::zero();
        let mut chunk = 0u32;
        let mut chunk_len = 0;
        for digit in digits {
            chunk = chunk * 10 + u32::from(digit);
            chunk_len += 1;
            if chunk_len == 9 {
                big.mul_small_add(1_000_000_000, chunk);
                chunk = 0;
                chunk_len = 0;
            }
        }
        if chunk_len > 0 {
            big.mul_small_add(10u32.pow(chunk_len), chunk);
        }
        big
    }

    fn is_zero(&self) -> bool {
        self.limbs.is_empty()
    }

    fn trim(&mut self) {
        while self.limbs.last() == Some(&0) {
            self.limbs.pop();
        }
    }

    fn bit_len(&self) -> u64 {
        match self.limbs.last() {
            None => 0,
            Some(&top) => self.limbs.len() as u64 * 32 - u64::from(top.leading_zeros()),
        }
    }

    /// The low 128 bits (all of them, where callers use it).
    fn to_u128(&self) -> u128 {
        self.limbs
            .iter()
            .take(4)
            .rev()
            .fold(0u128, |acc, &limb| acc << 32 | u128::from(limb))
    }

    /// `self = self * mul + add`.
    fn mul_small_add(&mut self, mul: u32, add: u32) {
        let mut carry = u64::from(add);
        for limb in &mut self.limbs {
            let product = u64::from(*limb) * u64::from(mul) + carry;
            *limb = product as u32;
            carry = product >> 32;
        }
        if carry != 0 {
            self.limbs.push(carry as u32);
        }
        self.trim();
    }

    fn mul_pow5(&mut self, mut k: u64) {
        // 5^13 is the largest power of five in a u32.
        const POW5_13: u32 = 1_220_703_125;
        while k >= 13 {
            self.mul_small_add(POW5_13, 0);
            k -= 13;
        }
        if k > 0 {
            self.mul_small_add(5u32.pow(k as u32), 0);
        }
    }

    fn shl(&mut self, bits: u64) {
        if self.is_zero() || bits == 0 {
            return;
        }
        let limbs = (bits / 32) as usize;
        let bits = (bits % 32) as u32;
        if bits != 0 {
            let mut carry = 0u32;
            for limb in &mut self.limbs {
                let wide = u64::from(*limb) << bits | u64::from(carry);
                *limb = wide as u32;
                carry = (wide >> 32) as u32;
            }
            if carry != 0 {
                self.limbs.push(carry);
            }
        }
        if limbs != 0 {
            self.limbs.splice(0..0, std::iter::repeat(0).take(limbs));
        }
    }

    /// Shifts right, returning whether any bit shifted out was set.
    fn shr_sticky(&mut self, bits: u64) -> bool {
        let limbs = (bits / 32).min(self.limbs.len() as u64) as usize;
        let mut lost = self.limbs[..limbs].iter().any(|&limb| limb != 0);
        self.limbs.drain(..limbs);
        let bits = if bits / 32 > limbs as u64 {
            0
        } else {
            (bits % 32) as u32
        };
        if bits != 0 {
            let mut carry = 0u32;
            for limb in self.limbs.iter_mut().rev() {
                let value = *limb;
                *limb = value >> bits | carry;
                carry = value << (32 - bits);
            }
            lost |= carry != 0;
        }
        self.trim();
        lost
    }

    fn cmp(&self, other: &Big) -> Ordering {
        self.limbs
            .len()
            .cmp(&other.limbs.len())
            .then_with(|| self.limbs.iter().rev().cmp(other.limbs.iter().rev()))
    }

    /// Divides in place by `divisor` (non-zero), returning the remainder.
    fn div_small(&mut self, divisor: u32) -> u32 {
        let mut rem = 0u64;
        for limb in self.limbs.iter_mut().rev() {
            let cur = rem << 32 | u64::from(*limb);
            *limb = (cur / u64::from(divisor)) as u32;
            rem = cur % u64::from(divisor);
        }
        self.trim();
        rem as u32
    }

    /// Quotient and remainder by a non-zero divisor (Knuth's algorithm D).
    fn div_rem(&self, divisor: &Big) -> (Big, Big) {
        if self.cmp(divisor) == Ordering::Less {
            return (Big::zero(), self.clone());
        }
        let n = divisor.limbs.len();
        if n == 1 {
            let mut q = self.clone();
            let r = q.div_small(divisor.limbs[0]);
            return (q, Big::from_u128(u128::from(r)));
        }
        if n == 0 {
            // Unreachable for callers; answer something rather than panic.
            return (Big::zero(), self.clone());
        }
        // Normalize so the divisor's top limb has its high bit set: the
        // quotient digit estimate is then off by at most two.
        let norm = divisor.limbs[n - 1].leading_zeros();
        let mut v = divisor.clone();
        v.shl(u64::from(norm));
        let mut u = self.clone();
        u.shl(u64::from(norm));
        u.limbs.resize(self.limbs.len() + 1, 0);
        let v = v.limbs;
        let mut u = u.limbs;
        let m = u.len() - n - 1;
        let mut q = vec![0u32; m + 1];
        let base = 1u64 << 32;
        let (v_top, v_next) = (u64::from(v[n - 1]), u64::from(v[n - 2]));
        for j in (0..=m).rev() {
            let num = u64::from(u[j + n]) << 32 | u64::from(u[j + n - 1]);
            let mut qhat = num / v_top;
            let mut rhat = num % v_top;
            while qhat >= base || qhat * v_next > (rhat << 32 | u64::from(u[j + n - 2])) {
                qhat -= 1;
                rhat += v_top;
                if rhat >= base {
                    break;
                }
            }
            // u[j..=j+n] -= qhat * v
            let mut borrow = 0i64;
            let mut carry = 0u64;
            for i in 0..n {
                let product = qhat * u64::from(v[i]) + carry;
                carry = product >> 32;
                let t = i64::from(u[i + j]) - borrow - (product & 0xFFFF_FFFF) as i64;
                u[i + j] = t as u32;
                borrow = i64::from(t < 0);
            }
            let t = i64::from(u[j + n]) - borrow - carry as i64;
            u[j + n] = t as u32;
            if t < 0 {
                // The estimate was one too large: add the divisor back.
                qhat -= 1;
                let mut carry = 0u64;
                for i in 0..n {
                    let sum = u64::from(u[i + j]) + u64::from(v[i]) + carry;
                    u[i + j] = sum as u32;
                    carry = sum >> 32;
                }
                u[j + n] = (u64::from(u[j + n]) + carry) as u32;
            }
            q[j] = qhat as u32;
        }
        let mut quotient = Big { limbs: q };
        quotient.trim();
        u.truncate(n);
        let mut remainder = Big { limbs: u };
        remainder.trim();
        remainder.shr_sticky(u64::from(norm));
        (quotient, remainder)
    }

    fn to_decimal(&self) -> Vec<u8> {
        let mut rest = self.clone();
        let mut chunks = Vec::new();
        while !rest.is_zero() {
            chunks.push(rest.div_small(1_000_000_000));
        }
        let mut out = match chunks.pop() {
            Some(top) => top.to_string().into_bytes(),
            None => return b"0".to_vec(),
        };
        for chunk in chunks.iter().rev() {
            out.extend_from_slice(format!("{chunk:09}").as_bytes());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
}
