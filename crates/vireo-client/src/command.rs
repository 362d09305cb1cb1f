//! [`Command`]: one request's arguments and its per-command options
//! (timeout, idempotence), and [`ToArgs`], the conversion of Rust values
//! into arguments.

use std::cell::RefCell;
use std::time::Duration;

/// A command to send: its arguments (binary safe) and options.
///
/// Arguments are stored already encoded as RESP bulk strings, back to back
/// in one buffer: building a command costs at most one allocation (the
/// buffers of dropped commands are reused on their thread), and sending it
/// is one copy.
///
/// ```
/// use vireo_client::cmd;
/// let set = cmd("SET").arg("greeting").arg("hello").arg("EX").arg(60);
/// assert_eq!(set.len(), 5);
/// assert_eq!(set.name(), b"SET");
/// assert_eq!(set.get(4), Some(&b"60"[..]));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// `$<len>\r\n<bytes>\r\n` for each argument.
    wire: Vec<u8>,
    argc: usize,
    /// Where the name (the first argument) sits in `wire`.
    name: (usize, usize),
    pub(crate) timeout: Option<Duration>,
    pub(crate) idempotent: bool,
    /// The name starts with B, W or X, as every blocking command's does:
    /// known without reading the arguments again (they may have left the
    /// cache by the time the command is submitted).
    may_block: bool,
}

/// Starts a command with its name.
pub fn cmd(name: &str) -> Command {
    Command::new(name)
}

impl Command {
    /// A command with only its name.
    pub fn new(name: &str) -> Command {
        let mut command = Command {
            wire: spare_buffer(),
            argc: 0,
            name: (0, 0),
            timeout: None,
            idempotent: false,
            may_block: false,
        };
        command.push_arg(name.as_bytes());
        command
    }

    /// Appends one or more arguments: anything [`ToArgs`] (strings, bytes,
    /// numbers, slices and vectors of them...).
    pub fn arg<A: ToArgs>(mut self, arg: A) -> Command {
        arg.write_args(&mut self);
        self
    }

    /// Appends one raw argument.
    pub fn push_arg(&mut self, arg: &[u8]) {
        write_header(&mut self.wire, b'$', arg.len());
        if self.argc == 0 {
            self.name = (self.wire.len(), self.wire.len() + arg.len());
            self.may_block = matches!(
                arg.first().map(u8::to_ascii_uppercase),
                Some(b'B' | b'W' | b'X')
            );
        }
        self.wire.extend_from_slice(arg);
        self.wire.extend_from_slice(b"\r\n");
        self.argc += 1;
    }

    /// Appends one integer argument in decimal, written by hand: the
    /// formatting machinery costs more than the digits.
    fn push_integer(&mut self, negative: bool, magnitude: u64) {
        // u64::MAX has 20 digits, and the sign makes 21.
        let mut digits = [0u8; 21];
        let mut i = write_digits(&mut digits, magnitude);
        if negative {
            i -= 1;
            digits[i] = b'-';
        }
        self.push_arg(&digits[i..]);
    }

    /// Appends one argument written with `Display` (floats), without a
    /// temporary `String` for short ones.
    fn push_display(&mut self, value: &dyn std::fmt::Display) {
        let mut buffer = StackText {
            bytes: [0; 40],
            len: 0,
        };
        if std::fmt::write(&mut buffer, format_args!("{value}")).is_ok() {
            let len = buffer.len;
            self.push_arg(&buffer.bytes[..len]);
        } else {
            self.push_arg(value.to_string().as_bytes());
        }
    }

    /// Fails this command with [`Error::Timeout`](crate::Error::Timeout)
    /// when its reply has not arrived `timeout` after it was submitted,
    /// instead of the connection's default.
    pub fn timeout(mut self, timeout: Duration) -> Command {
        self.timeout = Some(timeout);
        self
    }

    /// Marks the command safe to run twice: if the connection breaks while
    /// it is in flight, it is sent again after reconnecting instead of
    /// failing with [`Error::ConnectionLost`](crate::Error::ConnectionLost).
    pub fn idempotent(mut self) -> Command {
        self.idempotent = true;
        self
    }

    /// Number of arguments, the name included.
    pub fn len(&self) -> usize {
        self.argc
    }

    /// Always false: a command has at least its name.
    pub fn is_empty(&self) -> bool {
        self.argc == 0
    }

    /// The `i`th argument (0 is the name).
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        self.args().nth(i)
    }

    /// The command name as given.
    pub fn name(&self) -> &[u8] {
        self.wire.get(self.name.0..self.name.1).unwrap_or_default()
    }

    /// The arguments in order.
    pub fn args(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let mut rest = &self.wire[..];
        std::iter::from_fn(move || {
            // Each argument is `$<len>\r\n<bytes>\r\n`, as `push_arg` wrote it.
            let line_end = rest.iter().position(|&b| b == b'\r')?;
            let len: usize = std::str::from_utf8(rest.get(1..line_end)?)
                .ok()?
                .parse()
                .ok()?;
            let start = line_end + 2;
            let arg = rest.get(start..start + len)?;
            rest = rest.get(start + len + 2..)?;
            Some(arg)
        })
    }

    /// Whether the name is `name`, ignoring ASCII case.
    pub(crate) fn is(&self, name: &str) -> bool {
        self.name().eq_ignore_ascii_case(name.as_bytes())
    }

    /// Appends the RESP multibulk encoding of this command to `out`.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        out.reserve(self.wire.len() + 16);
        write_header(out, b'*', self.argc);
        out.extend_from_slice(&self.wire);
    }

    /// How long the server may legitimately hold this command before
    /// replying, for blocking commands: `Some(None)` when it may block
    /// forever (`BLPOP k 0`), `Some(Some(d))` when it blocks at most `d`,
    /// `None` when it is not a blocking command (or its timeout argument
    /// cannot be read, in which case the server will reject it at once).
    pub(crate) fn blocking_timeout(&self) -> Option<Option<Duration>> {
        if !self.may_block {
            return None;
        }
        let name = self.name();
        let last = self.len().checked_sub(1)?;
        let upper = |s: &str| name.eq_ignore_ascii_case(s.as_bytes());
        if upper("BLPOP")
            || upper("BRPOP")
            || upper("BZPOPMIN")
            || upper("BZPOPMAX")
            || upper("BLMOVE")
            || upper("BRPOPLPUSH")
        {
            seconds(self.get(last)?)
        } else if upper("BLMPOP") || upper("BZMPOP") {
            seconds(self.get(1)?)
        } else if upper("WAIT") || upper("WAITAOF") {
            milliseconds(self.get(last)?)
        } else if upper("XREAD") || upper("XREADGROUP") {
            let at = (1..self.len()).find(|&i| {
                self.get(i)
                    .is_some_and(|a| a.eq_ignore_ascii_case(b"BLOCK"))
            })?;
            milliseconds(self.get(at + 1)?)
        } else {
            None
        }
    }
}

/// Buffers kept per thread for the commands built next.
const SPARE_BUFFERS: usize = 1024;

/// Larger buffers are freed rather than kept.
const SPARE_CAPACITY: usize = 256;

thread_local! {
    /// The emptied buffers of commands dropped on this thread. A client
    /// drops the commands of a whole pipelined batch together, as their
    /// replies arrive: more than the allocator caches per thread, so
    /// without this each of them would go back to its arena and the next
    /// commands would take them out again one by one.
    static SPARE: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
}

fn spare_buffer() -> Vec<u8> {
    SPARE
        .try_with(|spare| spare.try_borrow_mut().ok()?.pop())
        .ok()
        .flatten()
        .unwrap_or_else(|| Vec::with_capacity(64))
}

impl Drop for Command {
    fn drop(&mut self) {
        let capacity = self.wire.capacity();
        if capacity == 0 || capacity > SPARE_CAPACITY {
            return;
        }
        let mut wire = std::mem::take(&mut self.wire);
        wire.clear();
        // During the thread's teardown the buffer is simply freed.
        let _ = SPARE.try_with(|spare| {
            if let Ok(mut spare) = spare.try_borrow_mut() {
                if spare.len() < SPARE_BUFFERS {
                    spare.push(wire);
                }
            }
        });
    }
}

fn seconds(arg: &[u8]) -> Option<Option<Duration>> {
    let value: f64 = std::str::from_utf8(arg).ok()?.parse().ok()?;
    if !value.is_finite() || value < 0.0 {
        return None;
    }
    if value == 0.0 {
        return Some(None);
    }
    Some(Some(Duration::from_secs_f64(value.min(1e9))))
}

fn milliseconds(arg: &[u8]) -> Option<Option<Duration>> {
    let value: u64 = std::str::from_utf8(arg).ok()?.parse().ok()?;
    if value == 0 {
        return Some(None);
    }
    Some(Some(Duration::from_millis(value)))
}

/// Formats short `Display` output on the stack.
struct StackText {
    bytes: [u8; 40],
    len: usize,
}

impl std::fmt::Write for StackText {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        let end = self.len + text.len();
        let slot = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        slot.copy_from_slice(text.as_bytes());
        self.len = end;
        Ok(())
    }
}

fn write_header(out: &mut Vec<u8>, kind: u8, n: usize) {
    // Most arguments are shorter than 100 bytes: one copy each.
    if n < 10 {
        out.extend_from_slice(&[kind, b'0' + n as u8, b'\r', b'\n']);
        return;
    }
    if n < 100 {
        let (tens, units) = (b'0' + (n / 10) as u8, b'0' + (n % 10) as u8);
        out.extend_from_slice(&[kind, tens, units, b'\r', b'\n']);
        return;
    }
    out.push(kind);
    let mut digits = [0u8; 20];
    let start = write_digits(&mut digits, n as u64);
    out.extend_from_slice(&digits[start..]);
    out.extend_from_slice(b"\r\n");
}

/// Writes `n` in decimal at the end of `digits` (which must have room for
/// 20 digits) and returns where it starts.
fn write_digits(digits: &mut [u8], mut n: u64) -> usize {
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return i;
        }
    }
}

/// Values that become command arguments.
///
/// Strings and byte strings (`Vec<u8>`, `&[u8]`, `Bytes`) become one
/// argument each; numbers are written in decimal (floats as Rust's shortest
/// round-trip form, which Redis parses); slices and vectors of those, slices
/// of pairs and tuples become one argument per element.
pub trait ToArgs {
    /// Appends this value's arguments to `command`.
    fn write_args(&self, command: &mut Command);
}

impl ToArgs for [u8] {
    fn write_args(&self, command: &mut Command) {
        command.push_arg(self);
    }
}

impl ToArgs for str {
    fn write_args(&self, command: &mut Command) {
        command.push_arg(self.as_bytes());
    }
}

impl ToArgs for String {
    fn write_args(&self, command: &mut Command) {
        command.push_arg(self.as_bytes());
    }
}

impl ToArgs for bytes::Bytes {
    fn write_args(&self, command: &mut Command) {
        command.push_arg(self);
    }
}

impl<const N: usize> ToArgs for [u8; N] {
    fn write_args(&self, command: &mut Command) {
        command.push_arg(self);
    }
}

macro_rules! unsigned_args {
    ($($t:ty),*) => {$(
        impl ToArgs for $t {
            fn write_args(&self, command: &mut Command) {
                command.push_integer(false, u64::from(*self));
            }
        }
    )*};
}
unsigned_args!(u16, u32, u64);

macro_rules! signed_args {
    ($($t:ty),*) => {$(
        impl ToArgs for $t {
            fn write_args(&self, command: &mut Command) {
                command.push_integer(*self < 0, i64::from(*self).unsigned_abs());
            }
        }
    )*};
}
signed_args!(i8, i16, i32, i64);

impl ToArgs for usize {
    fn write_args(&self, command: &mut Command) {
        match u64::try_from(*self) {
            Ok(n) => command.push_integer(false, n),
            Err(_) => command.push_display(self),
        }
    }
}

impl ToArgs for isize {
    fn write_args(&self, command: &mut Command) {
        match i64::try_from(*self) {
            Ok(n) => n.write_args(command),
            Err(_) => command.push_display(self),
        }
    }
}

macro_rules! float_args {
    ($($t:ty),*) => {$(
        impl ToArgs for $t {
            fn write_args(&self, command: &mut Command) {
                command.push_display(self);
            }
        }
    )*};
}
float_args!(f32, f64);

impl ToArgs for bool {
    fn write_args(&self, command: &mut Command) {
        command.push_arg(if *self { b"1" } else { b"0" });
    }
}

impl ToArgs for Vec<u8> {
    fn write_args(&self, command: &mut Command) {
        command.push_arg(self);
    }
}

macro_rules! sequence_args {
    ($($t:ty),*) => {$(
        impl ToArgs for [$t] {
            fn write_args(&self, command: &mut Command) {
                for item in self {
                    item.write_args(command);
                }
            }
        }
        impl ToArgs for Vec<$t> {
            fn write_args(&self, command: &mut Command) {
                self.as_slice().write_args(command);
            }
        }
    )*};
}
sequence_args!(
    &str,
    String,
    &[u8],
    Vec<u8>,
    bytes::Bytes,
    i16,
    i32,
    i64,
    isize,
    u16,
    u32,
    u64,
    usize,
    f32,
    f64
);

impl<A: ToArgs, B: ToArgs> ToArgs for [(A, B)] {
    fn write_args(&self, command: &mut Command) {
        for (a, b) in self {
            a.write_args(command);
            b.write_args(command);
        }
    }
}

impl<A: ToArgs, B: ToArgs> ToArgs for Vec<(A, B)> {
    fn write_args(&self, command: &mut Command) {
        self.as_slice().write_args(command);
    }
}

impl<T: ToArgs + ?Sized> ToArgs for &T {
    fn write_args(&self, command: &mut Command) {
        (**self).write_args(command);
    }
}

macro_rules! tuple_args {
    ($($name:ident)+) => {
        impl<$($name: ToArgs),+> ToArgs for ($($name,)+) {
            #[allow(non_snake_case)]
            fn write_args(&self, command: &mut Command) {
                let ($($name,)+) = self;
                $($name.write_args(command);)+
            }
        }
    };
}
tuple_args!(A);
tuple_args!(A B);
tuple_args!(A B C);
tuple_args!(A B C D);

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(command: &Command) -> Vec<u8> {
        let mut out = Vec::new();
        command.encode(&mut out);
        out
    }

    #[test]
    fn encodes_as_multibulk() {
        let command = cmd("SET").arg("k").arg(&b"v\r\n"[..]).arg(-12);
        assert_eq!(
            encoded(&command),
            b"*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nv\r\n\r\n$3\r\n-12\r\n"
        );
    }

    #[test]
    fn a_reused_buffer_starts_empty() {
        for _ in 0..3 {
            drop(cmd("SET").arg("a-long-key-name").arg(&[7u8; 100][..]));
            let get = cmd("GET").arg("k");
            assert_eq!(encoded(&get), b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
            assert_eq!(get.name(), b"GET");
        }
    }

    #[test]
    fn numbers_are_written_in_decimal_whatever_their_length() {
        let command = cmd("X").arg(-7).arg(u64::MAX).arg(0.5).arg(1e300);
        let args: Vec<&[u8]> = command.args().collect();
        assert_eq!(
            &args[..4],
            [&b"X"[..], b"-7", b"18446744073709551615", b"0.5"]
        );
        assert_eq!(args[4], 1e300f64.to_string().as_bytes());
        assert_eq!(command.get(5), None);
        let command = cmd("Y")
            .arg(i64::MIN)
            .arg(0u16)
            .arg(-1i8)
            .arg(usize::MAX)
            .arg(isize::MIN)
            .arg(10i32);
        let args: Vec<String> = command
            .args()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let expected = [
            "Y".to_string(),
            i64::MIN.to_string(),
            "0".into(),
            "-1".into(),
            usize::MAX.to_string(),
            isize::MIN.to_string(),
            "10".into(),
        ];
        assert_eq!(args, expected);
    }

    #[test]
    fn collections_expand_to_one_argument_each() {
        let command = cmd("MSET").arg(&[("a", 1), ("b", 2)][..]);
        let args: Vec<&[u8]> = command.args().collect();
        assert_eq!(args, [&b"MSET"[..], b"a", b"1", b"b", b"2"]);
        let empty = cmd("PING").arg(Vec::<String>::new());
        assert_eq!(empty.len(), 1);
    }

    #[test]
    fn blocking_timeouts_come_from_the_right_argument() {
        let secs = |s: f64| Some(Some(Duration::from_secs_f64(s)));
        assert_eq!(
            cmd("BLPOP").arg("a").arg("b").arg(5).blocking_timeout(),
            secs(5.0)
        );
        assert_eq!(cmd("blpop").arg("a").arg(0).blocking_timeout(), Some(None));
        assert_eq!(
            cmd("BRPOP").arg("a").arg("0.5").blocking_timeout(),
            secs(0.5)
        );
        assert_eq!(
            cmd("BLMPOP")
                .arg(2)
                .arg(1)
                .arg("k")
                .arg("LEFT")
                .blocking_timeout(),
            secs(2.0)
        );
        assert_eq!(cmd("WAIT").arg(1).arg(250).blocking_timeout(), secs(0.25));
        assert_eq!(
            cmd("XREAD")
                .arg("BLOCK")
                .arg(100)
                .arg("STREAMS")
                .arg("s")
                .arg("$")
                .blocking_timeout(),
            secs(0.1)
        );
        assert_eq!(
            cmd("XREAD")
                .arg("STREAMS")
                .arg("s")
                .arg("0")
                .blocking_timeout(),
            None
        );
        assert_eq!(cmd("GET").arg("k").blocking_timeout(), None);
        assert_eq!(cmd("BLPOP").arg("k").arg("soon").blocking_timeout(), None);
        assert_eq!(cmd("BLPOP").arg("k").arg("-1").blocking_timeout(), None);
    }
}
