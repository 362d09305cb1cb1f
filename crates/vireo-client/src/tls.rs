//! TLS set-up shared by the adapters: trust roots and client certificates
//! read from PEM files, and the `rustls` client configuration built from a
//! [`TlsConfig`]. The protocol core never sees TLS; each adapter moves
//! ciphertext between its socket and a [`rustls::ClientConnection`].

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer,
    ServerName, UnixTime,
};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore};

use crate::config::{Address, Config, TlsConfig};
use crate::error::Error;

/// Where the trust roots come from when no CA file is configured.
pub(crate) const SYSTEM_CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// What an adapter needs to start TLS on a fresh socket.
#[derive(Clone)]
pub(crate) struct Connector {
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connector")
            .field("server_name", &self.server_name)
            .finish()
    }
}

impl Connector {
    /// The connector for `config`, or `None` when it asks for no TLS.
    /// Files are read here, once, so a missing or malformed one is
    /// reported when the client is created rather than at every attempt.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for unreadable or malformed PEM files, a
    /// Unix socket address, or a host that is no valid server name.
    pub(crate) fn from_config(config: &Config) -> Result<Option<Connector>, Error> {
        let Some(tls) = &config.tls else {
            return Ok(None);
        };
        let host = match &config.address {
            Address::Tcp { host, .. } => host,
            Address::Unix(_) => return Err(invalid("TLS needs a TCP address".into())),
        };
        let name = tls.server_name.clone().unwrap_or_else(|| host.clone());
        let server_name = ServerName::try_from(name.clone())
            .map_err(|_| invalid(format!("{name:?} is not a valid TLS server name")))?;
        Ok(Some(Connector {
            config: Arc::new(client_config(tls)?),
            server_name,
        }))
    }

    /// A client-side TLS session for one connection attempt.
    pub(crate) fn start(&self) -> std::io::Result<ClientConnection> {
        ClientConnection::new(self.config.clone(), self.server_name.clone())
            .map_err(std::io::Error::other)
    }
}

fn invalid(why: String) -> Error {
    Error::InvalidConfig(why.into())
}

fn client_config(tls: &TlsConfig) -> Result<ClientConfig, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid(format!("TLS protocol versions: {e}")))?;
    let builder = if tls.insecure_skip_verify {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyServer { provider }))
    } else {
        builder.with_root_certificates(trust_roots(tls)?)
    };
    match (&tls.client_cert_file, &tls.client_key_file) {
        (Some(cert_file), Some(key_file)) => {
            let chain = read_certificates(cert_file)?;
            let key = read_private_key(key_file)?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| invalid(format!("client certificate {cert_file:?}: {e}")))
        }
        (None, None) => Ok(builder.with_no_client_auth()),
        _ => Err(invalid(
            "a client certificate needs both a certificate file and a key file".into(),
        )),
    }
}

fn trust_roots(tls: &TlsConfig) -> Result<RootCertStore, Error> {
    let mut roots = RootCertStore::empty();
    match &tls.ca_file {
        Some(ca_file) => {
            for certificate in read_certificates(ca_file)? {
                roots
                    .add(certificate)
                    .map_err(|e| invalid(format!("CA file {ca_file:?}: {e}")))?;
            }
        }
        None => {
            let bundle = Path::new(SYSTEM_CA_BUNDLE);
            if !bundle.exists() {
                return Err(invalid(format!(
                    "no CA file configured and no system bundle at {SYSTEM_CA_BUNDLE}"
                )));
            }
            // A system bundle may hold certificates webpki cannot use; the
            // others are still worth trusting.
            let (added, _ignored) = roots.add_parsable_certificates(read_certificates(bundle)?);
            if added == 0 {
                return Err(invalid(format!(
                    "the system bundle {SYSTEM_CA_BUNDLE} holds no usable certificate"
                )));
            }
        }
    }
    Ok(roots)
}

fn read_pem(path: &Path) -> Result<Vec<PemBlock>, Error> {
    let text =
        std::fs::read_to_string(path).map_err(|e| invalid(format!("cannot read {path:?}: {e}")))?;
    parse_pem(&text).map_err(|why| invalid(format!("{path:?}: {why}")))
}

fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, Error> {
    let certificates: Vec<_> = read_pem(path)?
        .into_iter()
        .filter(|block| block.label == "CERTIFICATE")
        .map(|block| CertificateDer::from(block.der))
        .collect();
    if certificates.is_empty() {
        return Err(invalid(format!("{path:?} holds no PEM certificate")));
    }
    Ok(certificates)
}

fn read_private_key(path: &Path) -> Result<PrivateKeyDer<'static>, Error> {
    for block in read_pem(path)? {
        let key = match block.label.as_str() {
            "PRIVATE KEY" => PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(block.der)),
            "RSA PRIVATE KEY" => PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(block.der)),
            "EC PRIVATE KEY" => PrivateKeyDer::Sec1(PrivateSec1KeyDer::from(block.der)),
            _ => continue,
        };
        return Ok(key);
    }
    Err(invalid(format!(
        "{path:?} holds no PEM private key (PKCS#8, PKCS#1 or SEC1)"
    )))
}

/// One `-----BEGIN label-----` ... `-----END label-----` section.
#[derive(Debug, PartialEq, Eq)]
struct PemBlock {
    label: String,
    der: Vec<u8>,
}

/// Reads every PEM block of `text`; text outside blocks (comments that
/// bundles carry) is skipped.
fn parse_pem(text: &str) -> Result<Vec<PemBlock>, String> {
    let mut blocks = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in text.lines().map(str::trim) {
        match &mut open {
            None => {
                if let Some(label) = pem_marker(line, "BEGIN") {
                    open = Some((label.to_string(), String::new()));
                }
            }
            Some((label, body)) => {
                if let Some(end) = pem_marker(line, "END") {
                    if end != label {
                        return Err(format!("PEM block {label:?} ends as {end:?}"));
                    }
                    let der = base64_decode(body)
                        .ok_or_else(|| format!("PEM block {label:?} is not valid base64"))?;
                    blocks.push(PemBlock {
                        label: std::mem::take(label),
                        der,
                    });
                    open = None;
                } else if !line.contains(':') {
                    // Lines with a colon are RFC 1421 headers
                    // (`Proc-Type: ...`), not base64.
                    body.push_str(line);
                }
            }
        }
    }
    match open {
        Some((label, _)) => Err(format!("PEM block {label:?} has no END line")),
        None => Ok(blocks),
    }
}

fn pem_marker<'a>(line: &'a str, which: &str) -> Option<&'a str> {
    line.strip_prefix("-----")?
        .strip_prefix(which)?
        .strip_prefix(' ')?
        .strip_suffix("-----")
}

/// Standard base64 with padding; whitespace is ignored.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let symbols: Vec<u8> = text.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    if symbols.len() % 4 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(symbols.len() / 4 * 3);
    let quads = symbols.chunks(4);
    let last = quads.len().saturating_sub(1);
    for (index, quad) in quads.enumerate() {
        let padding = quad.iter().rev().take_while(|&&c| c == b'=').count();
        if padding > 2 || (padding > 0 && index != last) {
            return None;
        }
        let mut bits = 0u32;
        for &c in &quad[..4 - padding] {
            bits = bits << 6 | value(c)?;
        }
        bits <<= 6 * padding as u32;
        let bytes = bits.to_be_bytes();
        out.extend_from_slice(&bytes[1..4 - padding]);
    }
    Some(out)
}

/// The verifier of [`TlsConfig::insecure_skip_verify`]: any certificate is
/// accepted, but the handshake signatures are still checked, so the peer
/// must at least hold the key of the certificate it shows.
#[derive(Debug)]
struct AcceptAnyServer {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for AcceptAnyServer {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_known_vectors() {
        for (text, bytes) in [
            ("", &b""[..]),
            ("Zg==", b"f"),
            ("Zm8=", b"fo"),
            ("Zm9v", b"foo"),
            ("Zm9vYg==", b"foob"),
            ("Zm9v\nYmFy", b"foobar"),
        ] {
            assert_eq!(base64_decode(text).as_deref(), Some(bytes), "{text:?}");
        }
        for bad in ["Zg=", "Z===", "Zg==Zm9v", "Zm9*"] {
            assert_eq!(base64_decode(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn pem_blocks_are_read_and_surrounding_text_skipped() {
        let text = "# bundle comment\n-----BEGIN CERTIFICATE-----\nZm9v\nYmFy\n\
                    -----END CERTIFICATE-----\nnoise\n-----BEGIN EC PRIVATE KEY-----\n\
                    Zg==\n-----END EC PRIVATE KEY-----\n";
        let blocks = parse_pem(text).unwrap();
        assert_eq!(
            blocks,
            vec![
                PemBlock {
                    label: "CERTIFICATE".into(),
                    der: b"foobar".to_vec()
                },
                PemBlock {
                    label: "EC PRIVATE KEY".into(),
                    der: b"f".to_vec()
                },
            ]
        );
        assert!(parse_pem("-----BEGIN CERTIFICATE-----\nZm9v\n").is_err());
        assert!(parse_pem("-----BEGIN CERTIFICATE-----\nZm9v\n-----END X-----\n").is_err());
        assert!(
            parse_pem("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n").is_err()
        );
    }
}
