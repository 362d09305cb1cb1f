//! Glob-style pattern matching with Redis's exact rules (`KEYS`, `SCAN
//! MATCH`, `PSUBSCRIBE`, `CONFIG GET`, `COMMAND LIST FILTERBY PATTERN`).
//!
//! Supported: `*`, `?`, `[abc]`, `[^abc]`, `[a-z]` (reversed ranges too),
//! and `\` to escape. Malformed patterns (an unclosed `[`, a trailing `\`)
//! behave as Redis's matcher does rather than being rejected.
//!
//! Redis compat: after a `*` fails to match the rest of the string from
//! every position, no earlier `*` can succeed either, so the search stops
//! there. This keeps patterns like `a*a*a*a*b` from taking exponential time.

/// True if `string` matches `pattern`.
pub fn matches(pattern: &[u8], string: &[u8], nocase: bool) -> bool {
    let mut give_up = false;
    match_from(pattern, string, nocase, &mut give_up)
}

/// The byte at `index`, or 0 past the end: the C matcher reads the string
/// terminator there, and its behaviour on malformed patterns relies on it.
#[inline]
fn at(bytes: &[u8], index: usize) -> u8 {
    bytes.get(index).copied().unwrap_or(0)
}

#[inline]
fn fold(byte: u8, nocase: bool) -> u8 {
    if nocase {
        byte.to_ascii_lowercase()
    } else {
        byte
    }
}

fn match_from(mut pattern: &[u8], mut string: &[u8], nocase: bool, give_up: &mut bool) -> bool {
    while !pattern.is_empty() && !string.is_empty() {
        match pattern[0] {
            b'*' => {
                while pattern.len() > 1 && pattern[1] == b'*' {
                    pattern = &pattern[1..];
                }
                if pattern.len() == 1 {
                    return true;
                }
                while !string.is_empty() {
                    if match_from(&pattern[1..], string, nocase, give_up) {
                        return true;
                    }
                    if *give_up {
                        return false;
                    }
                    string = &string[1..];
                }
                *give_up = true;
                return false;
            }
            b'?' => string = &string[1..],
            b'[' => {
                pattern = &pattern[1..];
                let negate = at(pattern, 0) == b'^';
                if negate {
                    pattern = &pattern[1..];
                }
                let target = string[0];
                let mut matched = false;
                // `pos` walks the class; it may point one past the end, as
                // the C code's pointer does when the class is unclosed.
                let mut pos = 0usize;
                loop {
                    let current = at(pattern, pos);
                    let remaining = pattern.len().saturating_sub(pos);
                    if current == b'\\' && remaining >= 2 {
                        pos += 1;
                        if at(pattern, pos) == target {
                            matched = true;
                        }
                    } else if current == b']' && remaining > 0 {
                        break;
                    } else if remaining == 0 {
                        // Unclosed class: step back so the outer advance
                        // lands exactly on the end of the pattern.
                        pos = pos.saturating_sub(1);
                        break;
                    } else if remaining >= 3 && at(pattern, pos + 1) == b'-' {
                        let (mut start, mut end) = (current, at(pattern, pos + 2));
                        if start > end {
                            std::mem::swap(&mut start, &mut end);
                        }
                        let c = fold(target, nocase);
                        if (fold(start, nocase)..=fold(end, nocase)).contains(&c) {
                            matched = true;
                        }
                        pos += 2;
                    } else if fold(current, nocase) == fold(target, nocase) {
                        matched = true;
                    }
                    pos += 1;
                }
                if matched == negate {
                    return false;
                }
                string = &string[1..];
                // Leave `pattern[0]` on the class's last byte; the shared
                // advance below steps past it.
                pattern = &pattern[pos.min(pattern.len().saturating_sub(1))..];
                if pattern.is_empty() {
                    return string.is_empty();
                }
            }
            first => {
                let literal = if first == b'\\' && pattern.len() >= 2 {
                    pattern = &pattern[1..];
                    pattern[0]
                } else {
                    first
                };
                if fold(literal, nocase) != fold(string[0], nocase) {
                    return false;
                }
                string = &string[1..];
            }
        }
        pattern = &pattern[1..];
        if string.is_empty() {
            while at(pattern, 0) == b'*' {
                pattern = &pattern[1..];
            }
            break;
        }
    }
    pattern.is_empty() && string.is_empty()
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn glob_cases() {
        let cases: &[(&str, &str, bool)] = &[
            // Redis compat: the matcher never matches an empty string, not even with "*"
            // (KEYS special-cases a lone "*" before calling it).
            ("*", "", false),
            ("*", "anything", true),
            ("", "", true),
            ("", "a", false),
            ("a", "", false),
            ("h?llo", "hello", true),
            ("h?llo", "hllo", false),
            ("h*llo", "heeeello", true),
            ("h*llo", "hllo", true),
            ("h[ae]llo", "hallo", true),
            ("h[ae]llo", "hillo", false),
            ("h[^e]llo", "hallo", true),
            ("h[^e]llo", "hello", false),
            ("h[a-b]llo", "hbllo", true),
            ("h[b-a]llo", "hallo", true),
            ("h[a-b]llo", "hcllo", false),
            ("h\\*llo", "h*llo", true),
            ("h\\*llo", "hello", false),
            ("a*", "a", true),
            ("a**", "a", true),
            ("*a", "ba", true),
            ("*a", "ab", false),
            ("[abc", "a", true),
            ("[abc", "d", false),
            ("a[", "a", false),
            ("\\", "\\", true),
            ("[\\]]", "]", true),
            ("ge*", "get", true),
            ("ge*", "set", false),
            ("a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac", false),
        ];
        for (pattern, string, expected) in cases {
            assert_eq!(
                matches(pattern.as_bytes(), string.as_bytes(), false),
                *expected,
                "{pattern:?} vs {string:?}"
            );
        }
        assert!(matches(b"HeLLo", b"hello", true));
        assert!(matches(b"[A-C]x", b"bX", true));
    }
}
