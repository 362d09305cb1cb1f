//! [`Config`]: where to connect, how to introduce ourselves, whether to use
//! TLS, and the limits and timers of a connection; parsed from `redis://`,
//! `rediss://` and `unix://` URLs.

use std::path::PathBuf;
use std::time::Duration;

use crate::error::Error;

/// Where the server is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    /// A TCP host name or address and a port.
    Tcp {
        /// Host name or IP address (IPv6 without brackets).
        host: String,
        /// Port.
        port: u16,
    },
    /// A Unix domain socket path.
    Unix(PathBuf),
}

/// Which RESP version to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// RESP2: no `HELLO`; a subscribed connection can only run pub/sub
    /// commands and `PING`.
    Resp2,
    /// RESP3 (the default): `HELLO 3` on connect; pub/sub messages arrive as
    /// push frames, so one connection serves commands and subscriptions.
    Resp3,
}

/// TLS settings of a connection ([`Config::tls`]).
///
/// The server's certificate is checked against the trust roots (the CA
/// file, or else the system bundle at `/etc/ssl/certs/ca-certificates.crt`)
/// and against the host name of the address, which is also sent as SNI.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsConfig {
    /// PEM file of the certificate authorities to trust (`None`: the
    /// system bundle).
    pub ca_file: Option<PathBuf>,
    /// PEM file of the client certificate chain, for servers that
    /// authenticate clients (`tls-auth-clients yes`). Needs
    /// [`client_key_file`](Self::client_key_file).
    pub client_cert_file: Option<PathBuf>,
    /// PEM file of the client certificate's private key (PKCS#8, PKCS#1
    /// or SEC1).
    pub client_key_file: Option<PathBuf>,
    /// Name to verify the certificate against and to send as SNI, when it
    /// differs from the host of the address.
    pub server_name: Option<String>,
    /// Accept any server certificate. **Insecure**: anyone on the path can
    /// impersonate the server. Meant for throwaway test set-ups only; the
    /// handshake signatures are still checked.
    pub insecure_skip_verify: bool,
}

/// Reconnection policy: exponential backoff with jitter.
///
/// The `n`th consecutive failed attempt waits a random delay between half
/// and all of `min(initial * 2^n, max)`, so many clients cut off by one
/// server restart do not come back in lock step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Delay before the first reconnection attempt.
    pub initial: Duration,
    /// Largest delay between attempts.
    pub max: Duration,
    /// Give up after this many consecutive failed attempts (`None`: never).
    /// Giving up fails every queued command and closes the client.
    pub max_attempts: Option<u32>,
}

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff {
            initial: Duration::from_millis(50),
            max: Duration::from_secs(5),
            max_attempts: None,
        }
    }
}

impl Backoff {
    /// The delay before attempt `attempt` (0-based), given a random number.
    pub(crate) fn delay(&self, attempt: u32, random: u64) -> Duration {
        let factor = 1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX);
        let ceiling = self.initial.saturating_mul(factor).min(self.max);
        let ceiling_ns = ceiling.as_nanos().min(u64::MAX as u128) as u64;
        let half = ceiling_ns / 2;
        let jitter = if half == 0 { 0 } else { random % (half + 1) };
        Duration::from_nanos(ceiling_ns - half + jitter)
    }
}

/// A connection's configuration.
///
/// Build one with [`Config::from_url`] and adjust the public fields, or
/// start from [`Config::new`].
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to connect.
    pub address: Address,
    /// `AUTH` user name (`None`: the default user).
    pub username: Option<String>,
    /// `AUTH` password (`None`: no authentication).
    pub password: Option<String>,
    /// Database to `SELECT` on connect (0: no `SELECT`).
    pub db: u32,
    /// Name given with `CLIENT SETNAME` (or `HELLO ... SETNAME`).
    pub client_name: Option<String>,
    /// RESP version.
    pub protocol: Protocol,
    /// Default deadline of every command, measured from submission
    /// (`None`: no deadline). A command's own [`Command::timeout`]
    /// overrides it.
    ///
    /// [`Command::timeout`]: crate::Command::timeout
    pub command_timeout: Option<Duration>,
    /// Extra time granted to a blocking command (`BLPOP k 5`) beyond its
    /// own timeout before it fails with [`Error::Timeout`].
    pub blocking_grace: Duration,
    /// How long an adapter waits for a TCP or Unix connection to open.
    pub connect_timeout: Duration,
    /// Reconnection policy (`None`: a broken connection closes the client).
    pub reconnect: Option<Backoff>,
    /// Most commands that may be submitted and not yet answered; beyond it
    /// submission fails with [`Error::QueueFull`] (adapters wait instead).
    pub max_pending: usize,
    /// Messages buffered per subscription before the oldest are dropped
    /// and the subscriber is told how many it lost.
    pub subscription_capacity: usize,
    /// Seed of the jitter's random numbers (adapters set it from the clock).
    pub seed: u64,
    /// TLS (`None`: plain TCP). Set by `rediss://` URLs; every adapter
    /// supports it, over TCP only.
    pub tls: Option<TlsConfig>,
}

impl Config {
    /// A configuration with the defaults, for `address`.
    pub fn new(address: Address) -> Config {
        Config {
            address,
            username: None,
            password: None,
            db: 0,
            client_name: None,
            protocol: Protocol::Resp3,
            command_timeout: None,
            blocking_grace: Duration::from_secs(1),
            connect_timeout: Duration::from_secs(5),
            reconnect: Some(Backoff::default()),
            max_pending: 100_000,
            subscription_capacity: 1024,
            seed: 0x9e37_79b9_7f4a_7c15,
            tls: None,
        }
    }

    /// Turns TLS on (with default [`TlsConfig`] settings unless it was on
    /// already) and trusts the certificate authorities of the PEM file
    /// `path` instead of the system bundle.
    pub fn tls_ca_file(mut self, path: impl Into<PathBuf>) -> Config {
        self.tls.get_or_insert_with(TlsConfig::default).ca_file = Some(path.into());
        self
    }

    /// Turns TLS on and presents the client certificate chain of the PEM
    /// file `cert` with the private key of the PEM file `key`.
    pub fn tls_client_cert(mut self, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Config {
        let tls = self.tls.get_or_insert_with(TlsConfig::default);
        tls.client_cert_file = Some(cert.into());
        tls.client_key_file = Some(key.into());
        self
    }

    /// Turns TLS on and accepts any server certificate. **Insecure**: see
    /// [`TlsConfig::insecure_skip_verify`].
    pub fn tls_insecure_skip_verify(mut self) -> Config {
        self.tls
            .get_or_insert_with(TlsConfig::default)
            .insecure_skip_verify = true;
        self
    }

    /// Parses a connection URL:
    ///
    /// * `redis://[[user]:password@]host[:port][/db][?options]`
    /// * `rediss://...`: the same over TLS ([`Config::tls`] is set)
    /// * `unix://path/to/socket[?db=N&options]` (`unix:///tmp/redis.sock`)
    ///
    /// Options: `db=N`, `protocol=resp2|resp3`, `client_name=NAME`, and
    /// with `rediss://` only: `tls_ca_file=PATH`, `tls_cert_file=PATH`,
    /// `tls_key_file=PATH`, `tls_server_name=NAME` (see [`TlsConfig`];
    /// skipping verification has no URL form).
    /// User name and password may be percent-encoded. An IPv6 host is
    /// written in brackets: `redis://[::1]:6379`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a malformed URL, and for TLS options
    /// without `rediss://`.
    ///
    /// ```
    /// use vireo_client::{Address, Config};
    /// let config = Config::from_url("redis://app:s%40cret@cache.local:7000/2").unwrap();
    /// assert_eq!(config.address, Address::Tcp { host: "cache.local".into(), port: 7000 });
    /// assert_eq!(config.username.as_deref(), Some("app"));
    /// assert_eq!(config.password.as_deref(), Some("s@cret"));
    /// assert_eq!(config.db, 2);
    /// ```
    pub fn from_url(url: &str) -> Result<Config, Error> {
        let invalid = |why: &str| Error::InvalidConfig(format!("{why} in {url:?}").into());
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| invalid("missing scheme"))?;
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let mut config = match scheme.to_ascii_lowercase().as_str() {
            "redis" | "valkey" | "vireo" => parse_tcp(rest).map_err(&invalid)?,
            "rediss" | "valkeys" => {
                let mut config = parse_tcp(rest).map_err(&invalid)?;
                config.tls = Some(TlsConfig::default());
                config
            }
            "unix" | "redis+unix" => {
                if rest.is_empty() {
                    return Err(invalid("empty socket path"));
                }
                Config::new(Address::Unix(PathBuf::from(
                    percent_decode(rest).map_err(&invalid)?,
                )))
            }
            _ => return Err(invalid("unknown scheme")),
        };
        for option in query.unwrap_or("").split('&').filter(|o| !o.is_empty()) {
            let (name, value) = option.split_once('=').unwrap_or((option, ""));
            let value = percent_decode(value).map_err(&invalid)?;
            match name {
                "db" => config.db = value.parse().map_err(|_| invalid("bad db"))?,
                "protocol" => {
                    config.protocol = match value.as_str() {
                        "resp2" | "2" => Protocol::Resp2,
                        "resp3" | "3" => Protocol::Resp3,
                        _ => return Err(invalid("bad protocol")),
                    }
                }
                "client_name" => config.client_name = Some(value),
                "password" => config.password = Some(value),
                "user" | "username" => config.username = Some(value),
                "tls_ca_file" | "tls_cert_file" | "tls_key_file" | "tls_server_name" => {
                    let Some(tls) = config.tls.as_mut() else {
                        return Err(invalid("TLS option without rediss://"));
                    };
                    match name {
                        "tls_ca_file" => tls.ca_file = Some(value.into()),
                        "tls_cert_file" => tls.client_cert_file = Some(value.into()),
                        "tls_key_file" => tls.client_key_file = Some(value.into()),
                        _ => tls.server_name = Some(value),
                    }
                }
                _ => return Err(invalid("unknown option")),
            }
        }
        Ok(config)
    }
}

fn parse_tcp(rest: &str) -> Result<Config, &'static str> {
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    let (credentials, host_port) = match authority.rfind('@') {
        Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
        None => (None, authority),
    };
    let (host, port) = if let Some(bracketed) = host_port.strip_prefix('[') {
        let (host, after) = bracketed.split_once(']').ok_or("unclosed '['")?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| "bad port")?,
            None if after.is_empty() => 6379,
            None => return Err("junk after ']'"),
        };
        (host.to_string(), port)
    } else {
        match host_port.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.parse().map_err(|_| "bad port")?),
            None => (host_port.to_string(), 6379),
        }
    };
    let host = if host.is_empty() {
        "127.0.0.1".to_string()
    } else {
        host
    };
    let mut config = Config::new(Address::Tcp { host, port });
    if let Some(credentials) = credentials {
        let (user, password) = match credentials.split_once(':') {
            Some((u, p)) => (u, Some(p)),
            None => (credentials, None),
        };
        if !user.is_empty() {
            config.username = Some(percent_decode(user)?);
        }
        if let Some(password) = password {
            config.password = Some(percent_decode(password)?);
        }
    }
    if !path.is_empty() {
        config.db = path.parse().map_err(|_| "bad database number")?;
    }
    Ok(config)
}

fn percent_decode(text: &str) -> Result<String, &'static str> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or("truncated percent escape")?;
            let hex = std::str::from_utf8(hex).map_err(|_| "bad percent escape")?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| "bad percent escape")?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "percent escape is not UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(host: &str, port: u16) -> Address {
        Address::Tcp {
            host: host.into(),
            port,
        }
    }

    #[test]
    fn tcp_urls() {
        let c = Config::from_url("redis://localhost").unwrap();
        assert_eq!(c.address, tcp("localhost", 6379));
        assert_eq!((c.username, c.password, c.db), (None, None, 0));
        let c = Config::from_url("redis://:pw@h:1/3?protocol=resp2&client_name=app").unwrap();
        assert_eq!(c.address, tcp("h", 1));
        assert_eq!(c.username, None);
        assert_eq!(c.password.as_deref(), Some("pw"));
        assert_eq!(c.db, 3);
        assert_eq!(c.protocol, Protocol::Resp2);
        assert_eq!(c.client_name.as_deref(), Some("app"));
        let c = Config::from_url("redis://[::1]:7000").unwrap();
        assert_eq!(c.address, tcp("::1", 7000));
    }

    #[test]
    fn unix_urls() {
        let c = Config::from_url("unix:///tmp/r.sock?db=4").unwrap();
        assert_eq!(c.address, Address::Unix("/tmp/r.sock".into()));
        assert_eq!(c.db, 4);
    }

    #[test]
    fn bad_urls_are_rejected_with_a_reason() {
        for url in [
            "localhost:6379",
            "http://x",
            "redis://h:port",
            "redis://h/db",
            "redis://[::1",
            "redis://h?nope=1",
            "redis://u:%zz@h",
            "unix://",
            "redis://h?tls_ca_file=/ca.pem",
        ] {
            assert!(
                matches!(Config::from_url(url), Err(Error::InvalidConfig(_))),
                "{url}"
            );
        }
        let tls = Config::from_url("redis://h?tls_ca_file=x")
            .unwrap_err()
            .to_string();
        assert!(tls.contains("rediss://"), "{tls}");
    }

    #[test]
    fn rediss_urls_turn_tls_on() {
        let c = Config::from_url("rediss://h:6380/1").unwrap();
        assert_eq!(c.address, tcp("h", 6380));
        assert_eq!(c.db, 1);
        assert_eq!(c.tls, Some(TlsConfig::default()));
        let c = Config::from_url(
            "rediss://h?tls_ca_file=%2Fca.pem&tls_cert_file=/c.pem&tls_key_file=/k.pem\
             &tls_server_name=cache.internal",
        )
        .unwrap();
        let tls = c.tls.unwrap();
        assert_eq!(tls.ca_file, Some(PathBuf::from("/ca.pem")));
        assert_eq!(tls.client_cert_file, Some(PathBuf::from("/c.pem")));
        assert_eq!(tls.client_key_file, Some(PathBuf::from("/k.pem")));
        assert_eq!(tls.server_name.as_deref(), Some("cache.internal"));
        assert!(!tls.insecure_skip_verify);
        assert!(Config::from_url("redis://h").unwrap().tls.is_none());
    }

    #[test]
    fn tls_builders_turn_tls_on() {
        let c = Config::from_url("redis://h")
            .unwrap()
            .tls_ca_file("/ca.pem")
            .tls_client_cert("/c.pem", "/k.pem");
        let tls = c.tls.unwrap();
        assert_eq!(tls.ca_file, Some(PathBuf::from("/ca.pem")));
        assert_eq!(tls.client_key_file, Some(PathBuf::from("/k.pem")));
        let c = Config::from_url("redis://h")
            .unwrap()
            .tls_insecure_skip_verify();
        assert!(c.tls.unwrap().insecure_skip_verify);
    }

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let backoff = Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(1),
            max_attempts: None,
        };
        for random in [0, 1, 12345, u64::MAX] {
            for attempt in 0..40 {
                let ceiling = (Duration::from_millis(100) * 2u32.saturating_pow(attempt.min(20)))
                    .min(Duration::from_secs(1));
                let d = backoff.delay(attempt, random);
                assert!(d <= ceiling && d >= ceiling / 2, "{attempt} {d:?}");
            }
        }
        assert_ne!(backoff.delay(3, 1), backoff.delay(3, 99_999_999));
    }
}
