//! [`Script`]: a Lua script called by its SHA1 (`EVALSHA`), sent in full
//! (`EVAL`) only when the server does not know it yet; and the SHA1 it
//! needs.

use vireo_resp::Frame;

use crate::command::{cmd, Command, ToArgs};

/// A Lua script, identified by the SHA1 of its source.
///
/// Adapters call it with `EVALSHA` and, when the server answers
/// `NOSCRIPT` (a restarted server, `SCRIPT FLUSH`), once more with `EVAL`,
/// which also caches it on the server.
///
/// ```
/// use vireo_client::Script;
/// let script = Script::new("return 1");
/// assert_eq!(script.sha1(), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    code: String,
    sha1: String,
}

impl Script {
    /// A script with this source.
    pub fn new(code: &str) -> Script {
        Script {
            code: code.to_string(),
            sha1: hex(&sha1(code.as_bytes())),
        }
    }

    /// The lowercase hex SHA1 of the source, as `SCRIPT LOAD` returns it.
    pub fn sha1(&self) -> &str {
        &self.sha1
    }

    /// The source.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// `EVALSHA sha1 numkeys keys... args...`.
    pub fn evalsha<K: ToArgs + ?Sized, A: ToArgs + ?Sized>(&self, keys: &K, args: &A) -> Command {
        with_keys_and_args(cmd("EVALSHA").arg(self.sha1.as_str()), keys, args)
    }

    /// `EVAL source numkeys keys... args...`.
    pub fn eval<K: ToArgs + ?Sized, A: ToArgs + ?Sized>(&self, keys: &K, args: &A) -> Command {
        with_keys_and_args(cmd("EVAL").arg(self.code.as_str()), keys, args)
    }

    /// True when `reply` is the server saying it does not know the script.
    pub fn is_noscript(reply: &Frame) -> bool {
        match reply {
            Frame::Error(m) | Frame::BulkError(m) => m.starts_with(b"NOSCRIPT"),
            _ => false,
        }
    }
}

fn with_keys_and_args<K: ToArgs + ?Sized, A: ToArgs + ?Sized>(
    head: Command,
    keys: &K,
    args: &A,
) -> Command {
    let mut counted = cmd("X");
    keys.write_args(&mut counted);
    let numkeys = counted.len() - 1;
    head.arg(numkeys).arg(keys).arg(args)
}

fn hex(digest: &[u8; 20]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(40);
    for byte in digest {
        out.push(DIGITS[usize::from(byte >> 4)] as char);
        out.push(DIGITS[usize::from(byte & 15)] as char);
    }
    out
}

/// SHA-1 (FIPS 180-4), only to name scripts as Redis does.
fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [
        0x6745_2301,
        0xefcd_ab89,
        0x98ba_dcfe,
        0x1032_5476,
        0xc3d2_e1f0,
    ];
    let bit_len = (data.len() as u64).wrapping_mul(8);
    let mut message = data.to_vec();
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&bit_len.to_be_bytes());
    for block in message.chunks_exact(64) {
        let mut w = [0u32; 80];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, &word) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5a82_7999),
                20..=39 => (b ^ c ^ d, 0x6ed9_eba1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8f1b_bcdc),
                _ => (b ^ c ^ d, 0xca62_c1d6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(word);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (slot, v) in h.iter_mut().zip([a, b, c, d, e]) {
            *slot = slot.wrapping_add(v);
        }
    }
    let mut out = [0u8; 20];
    for (chunk, v) in out.chunks_exact_mut(4).zip(h) {
        chunk.copy_from_slice(&v.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_known_answers() {
        assert_eq!(hex(&sha1(b"")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(
            hex(&sha1(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        let long = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        assert_eq!(hex(&sha1(long)), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    }

    #[test]
    fn commands_count_keys() {
        let script = Script::new("return redis.call('GET', KEYS[1])");
        let command = script.evalsha(&["k1", "k2"][..], &[7][..]);
        let args: Vec<&[u8]> = command.args().collect();
        assert_eq!(args[0], b"EVALSHA");
        assert_eq!(args[1], script.sha1().as_bytes());
        assert_eq!(&args[2..], [&b"2"[..], b"k1", b"k2", b"7"]);
        assert!(Script::is_noscript(&Frame::Error(
            "NOSCRIPT No matching script".into()
        )));
        assert!(!Script::is_noscript(&Frame::Error("ERR".into())));
    }
}
