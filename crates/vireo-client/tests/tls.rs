//! TLS end to end with the tokio, blocking and reactor clients: a
//! throwaway CA and certificates made with the `openssl` command line, and
//! a `redis-server` listening for TLS on loopback.
//! Skipped (with a message) when `openssl` or `redis-server` is missing;
//! with `CI=true` (where both are installed) either one missing is a
//! failure.

mod support;

use std::cell::RefCell;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::rc::Rc;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

use vireo_client::reactor::{self, SubscriptionEvent};
use vireo_client::tokio::Client;
use vireo_client::{
    blocking, cmd, Config, Delivery, Error, Event, Frame, FromReply, Pipeline, State,
};
use vireo_reactor::{Event as FileEvent, Handler, Reactor, TimerId, TimerNext};

/// Ports the TLS servers of these tests listen on.
const TLS_PORTS: std::ops::Range<u16> = 21300..21400;

/// A directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static NEXT: AtomicU16 = AtomicU16::new(0);
        let path = std::env::temp_dir().join(format!(
            "vireo-client-tls-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&path).expect("create a temporary directory");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let output = Process::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl");
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The certificates of one test: two unrelated CAs, a server certificate
/// for 127.0.0.1 signed by the first, and a client certificate signed by
/// it too.
struct Pki {
    dir: TempDir,
}

impl Pki {
    /// `None` (after saying why) when `openssl` is not installed.
    fn generate() -> Option<Pki> {
        if Process::new("openssl").arg("version").output().is_err() {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must install openssl for the TLS tests"
            );
            eprintln!("openssl not installed: skipping");
            return None;
        }
        let dir = TempDir::new();
        let path = dir.0.as_path();
        for ca in ["ca", "other-ca"] {
            openssl(
                path,
                &[
                    "req",
                    "-x509",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:prime256v1",
                    "-nodes",
                    "-days",
                    "2",
                    "-subj",
                    &format!("/CN=Vireo test {ca}"),
                    "-addext",
                    "basicConstraints=critical,CA:TRUE",
                    "-addext",
                    "keyUsage=critical,keyCertSign,cRLSign",
                    "-keyout",
                    &format!("{ca}.key"),
                    "-out",
                    &format!("{ca}.crt"),
                ],
            );
        }
        for (leaf, usage) in [("server", "serverAuth"), ("client", "clientAuth")] {
            openssl(
                path,
                &[
                    "req",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:prime256v1",
                    "-nodes",
                    "-subj",
                    &format!("/CN=vireo {leaf}"),
                    "-keyout",
                    &format!("{leaf}.key"),
                    "-out",
                    &format!("{leaf}.csr"),
                ],
            );
            std::fs::write(
                path.join(format!("{leaf}.ext")),
                format!(
                    "subjectAltName=IP:127.0.0.1,DNS:localhost\n\
                     basicConstraints=CA:FALSE\nextendedKeyUsage={usage}\n"
                ),
            )
            .expect("write the extensions file");
            openssl(
                path,
                &[
                    "x509",
                    "-req",
                    "-in",
                    &format!("{leaf}.csr"),
                    "-CA",
                    "ca.crt",
                    "-CAkey",
                    "ca.key",
                    "-CAcreateserial",
                    "-days",
                    "2",
                    "-extfile",
                    &format!("{leaf}.ext"),
                    "-out",
                    &format!("{leaf}.crt"),
                ],
            );
        }
        Some(Pki { dir })
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.0.join(name)
    }
}

/// A `redis-server` serving TLS only, killed (by its PID, through its
/// handle) on drop.
struct TlsServer {
    child: Child,
    port: u16,
}

impl TlsServer {
    /// `None` (after saying why) when `redis-server` is not installed and
    /// CI is not set.
    fn start(pki: &Pki, auth_clients: bool) -> Option<TlsServer> {
        if Process::new("redis-server")
            .arg("--version")
            .output()
            .is_err()
        {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "redis-server is required when CI=true"
            );
            eprintln!("redis-server not installed: skipping");
            return None;
        }
        let port = free_tls_port();
        let file = |name: &str| pki.file(name).to_string_lossy().into_owned();
        let child = Process::new("redis-server")
            .args([
                "--port",
                "0",
                "--tls-port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--tls-cert-file",
                &file("server.crt"),
                "--tls-key-file",
                &file("server.key"),
                "--tls-ca-cert-file",
                &file("ca.crt"),
                "--tls-auth-clients",
                if auth_clients { "yes" } else { "no" },
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                &pki.dir.0.to_string_lossy(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        let server = TlsServer { child, port };
        support::wait_for_port(port);
        Some(server)
    }

    fn url(&self) -> String {
        format!("rediss://127.0.0.1:{}", self.port)
    }

    fn config(&self, pki: &Pki, ca: &str) -> Config {
        let mut config = Config::from_url(&self.url())
            .unwrap()
            .tls_ca_file(pki.file(ca));
        config.reconnect = None;
        config
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free loopback port in [`TLS_PORTS`]; tests running at once start from
/// different places in the range.
fn free_tls_port() -> u16 {
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let span = TLS_PORTS.end - TLS_PORTS.start;
    let start = (std::process::id() as u16).wrapping_mul(7) % span;
    for _ in 0..span {
        let offset = (start + NEXT.fetch_add(1, Ordering::SeqCst)) % span;
        let port = TLS_PORTS.start + offset;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port in {TLS_PORTS:?}");
}

async fn bounded<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .expect("test took too long")
}

fn is_certificate_failure(error: &Error) -> bool {
    matches!(error, Error::Connect { reason } if reason.contains("certificate"))
}

#[tokio::test]
async fn tokio_client_runs_commands_pipelines_and_pubsub_over_tls() {
    let Some(pki) = Pki::generate() else { return };
    let Some(server) = TlsServer::start(&pki, false) else {
        return;
    };
    bounded(async {
        // The URL form of the CA file, percent-encoded.
        let ca = pki.file("ca.crt").to_string_lossy().replace('/', "%2F");
        let client = Client::connect(&format!("{}?tls_ca_file={ca}", server.url()))
            .await
            .unwrap();
        client
            .query::<()>(cmd("SET").arg("tls:greeting").arg("hello"))
            .await
            .unwrap();
        let value: Option<String> = client.query(cmd("GET").arg("tls:greeting")).await.unwrap();
        assert_eq!(value.as_deref(), Some("hello"));

        // Large enough to span many TLS records in both directions and to fill
        // the socket buffers, so writes wait for room mid-record.
        let big = "x".repeat(4_000_000);
        let mut pipeline = Pipeline::new();
        pipeline
            .add(cmd("SET").arg("tls:big").arg(&big))
            .add(cmd("INCR").arg("tls:counter"))
            .add(cmd("INCR").arg("tls:counter"))
            .add(cmd("GET").arg("tls:big"));
        let ((), one, two, back): ((), i64, i64, String) =
            client.pipeline(&pipeline).await.unwrap();
        assert_eq!((one, two), (1, 2));
        assert_eq!(back, big);

        // Many tasks at once share the TLS connection.
        let tasks: Vec<_> = (0..50)
            .map(|i| {
                let client = client.clone();
                tokio::spawn(async move {
                    client
                        .query::<i64>(cmd("INCRBY").arg("tls:sum").arg(i))
                        .await
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        let sum: i64 = client.query(cmd("GET").arg("tls:sum")).await.unwrap();
        assert_eq!(sum, (0..50).sum::<i64>());

        let subscriber = Client::with_config(server.config(&pki, "ca.crt")).unwrap();
        let mut news = subscriber.subscribe("tls:news").await.unwrap();
        let receivers: i64 = client
            .query(cmd("PUBLISH").arg("tls:news").arg("encrypted"))
            .await
            .unwrap();
        assert_eq!(receivers, 1);
        match tokio::time::timeout(Duration::from_secs(5), news.next()).await {
            Ok(Delivery::Message(message)) => {
                assert_eq!(&message.channel[..], b"tls:news");
                assert_eq!(&message.payload[..], b"encrypted");
            }
            other => panic!("expected a message, got {other:?}"),
        }
        client.close().await;
    })
    .await;
}

#[test]
fn blocking_client_runs_commands_over_tls() {
    let Some(pki) = Pki::generate() else { return };
    let Some(server) = TlsServer::start(&pki, false) else {
        return;
    };
    let mut config = server.config(&pki, "ca.crt");
    config.command_timeout = Some(Duration::from_secs(10));
    let mut client = blocking::Client::with_config(config).unwrap();
    client
        .query::<()>(cmd("SET").arg("tls:blocking").arg("yes"))
        .unwrap();
    let mut pipeline = Pipeline::new();
    pipeline
        .add(cmd("GET").arg("tls:blocking"))
        .add(cmd("STRLEN").arg("tls:blocking"));
    let (value, length): (String, i64) = client.pipeline(&pipeline).unwrap();
    assert_eq!((value.as_str(), length), ("yes", 3));
    client.close();
}

#[tokio::test]
async fn a_server_certificate_from_an_unknown_ca_is_refused_with_the_reason() {
    let Some(pki) = Pki::generate() else { return };
    let Some(server) = TlsServer::start(&pki, false) else {
        return;
    };
    let ca = pki.file("other-ca.crt").to_string_lossy().into_owned();
    let error = bounded(Client::connect(&format!(
        "{}?tls_ca_file={ca}",
        server.url()
    )))
    .await
    .unwrap_err();
    assert!(is_certificate_failure(&error), "{error}");
    assert!(error.to_string().contains("UnknownIssuer"), "{error}");

    let error = blocking::Client::with_config(server.config(&pki, "other-ca.crt")).unwrap_err();
    assert!(is_certificate_failure(&error), "{error}");

    // Checking the name matters too: the certificate is for 127.0.0.1 and
    // localhost only.
    let mut config = server.config(&pki, "ca.crt");
    config.tls.as_mut().unwrap().server_name = Some("elsewhere.example".into());
    let error = blocking::Client::with_config(config).unwrap_err();
    assert!(is_certificate_failure(&error), "{error}");

    // Unless verification is explicitly turned off.
    let mut config = Config::from_url(&server.url())
        .unwrap()
        .tls_insecure_skip_verify();
    config.reconnect = None;
    let mut client = blocking::Client::with_config(config).unwrap();
    assert_eq!(client.query::<String>(cmd("PING")).unwrap(), "PONG");
}

#[tokio::test]
async fn a_server_that_authenticates_clients_accepts_only_a_client_certificate() {
    let Some(pki) = Pki::generate() else { return };
    let Some(server) = TlsServer::start(&pki, true) else {
        return;
    };
    let config = server
        .config(&pki, "ca.crt")
        .tls_client_cert(pki.file("client.crt"), pki.file("client.key"));
    let client = Client::with_config(config.clone()).unwrap();
    let pong: String = bounded(client.query(cmd("PING"))).await.unwrap();
    assert_eq!(pong, "PONG");
    let mut blocking_client = blocking::Client::with_config(config.clone()).unwrap();
    assert_eq!(
        blocking_client.query::<String>(cmd("PING")).unwrap(),
        "PONG"
    );
    let mut reactor = Reactor::new().unwrap();
    let client =
        reactor::Client::with_config(config, &mut reactor, vireo_reactor::Token(1)).unwrap();
    let mut app = App { client };
    let replies: Replies = Rc::default();
    app.client
        .send(&mut reactor, cmd("PING"), recorder(&replies))
        .unwrap();
    run_until(&mut reactor, &mut app, |_| !replies.borrow().is_empty());
    assert!(
        matches!(&replies.borrow()[..], [Ok(Frame::Simple(pong))] if &pong[..] == b"PONG"),
        "{:?}",
        replies.borrow()
    );

    // Without a certificate the server ends the handshake (TLS 1.3 reports
    // it with the first reply instead), so no command goes through.
    let anonymous = Client::with_config(server.config(&pki, "ca.crt")).unwrap();
    let refused = bounded(anonymous.query::<String>(cmd("PING"))).await;
    assert!(
        matches!(
            &refused,
            Err(Error::NotConnected { reason } | Error::ConnectionLost { reason })
                if reason.contains("CertificateRequired")
        ),
        "{refused:?}"
    );
}

#[test]
fn unusable_tls_settings_are_refused_when_the_client_is_made() {
    let missing = Config::from_url("rediss://127.0.0.1:1?tls_ca_file=/nonexistent/ca.pem").unwrap();
    let error = blocking::Client::with_config(missing.clone()).unwrap_err();
    assert!(
        matches!(&error, Error::InvalidConfig(why) if why.contains("/nonexistent/ca.pem")),
        "{error}"
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        assert!(matches!(
            Client::with_config(missing.clone()),
            Err(Error::InvalidConfig(_))
        ));
    });
    let mut half = Config::from_url("rediss://127.0.0.1:1")
        .unwrap()
        .tls_insecure_skip_verify();
    half.tls.as_mut().unwrap().client_cert_file = Some("/c.pem".into());
    let error = blocking::Client::with_config(half).unwrap_err();
    assert!(
        matches!(&error, Error::InvalidConfig(why) if why.contains("key file")),
        "{error}"
    );

    let mut reactor = Reactor::new().unwrap();
    let error =
        reactor::Client::with_config(missing, &mut reactor, vireo_reactor::Token(1)).unwrap_err();
    assert!(matches!(error, Error::InvalidConfig(_)), "{error}");
    let unix =
        Config::new(vireo_client::Address::Unix("/tmp/x.sock".into())).tls_insecure_skip_verify();
    let error = blocking::Client::with_config(unix).unwrap_err();
    assert!(
        matches!(&error, Error::InvalidConfig(why) if why.contains("TCP")),
        "{error}"
    );
}

/// The application side of a reactor loop with one client.
struct App {
    client: reactor::Client,
}

impl Handler for App {
    fn on_event(&mut self, reactor: &mut Reactor, event: FileEvent, now: Instant) {
        assert!(self.client.handle_event(reactor, event, now));
    }

    fn on_timer(&mut self, reactor: &mut Reactor, timer: TimerId, now: Instant) -> TimerNext {
        self.client
            .handle_timer(reactor, timer, now)
            .expect("only the client arms timers")
    }
}

fn run_until(reactor: &mut Reactor, app: &mut App, mut done: impl FnMut(&App) -> bool) {
    let give_up = Instant::now() + Duration::from_secs(20);
    while !done(app) {
        assert!(
            Instant::now() < give_up,
            "test took too long: {:?}",
            app.client
        );
        reactor
            .run_once(app, Some(Duration::from_millis(50)))
            .expect("reactor iteration");
    }
}

type Replies = Rc<RefCell<Vec<Result<Frame, Error>>>>;

fn recorder(
    replies: &Replies,
) -> impl FnOnce(&mut reactor::Client, &mut Reactor, Result<Frame, Error>) {
    let replies = replies.clone();
    move |_, _, reply| replies.borrow_mut().push(reply)
}

#[test]
fn reactor_client_runs_commands_pipelines_and_pubsub_over_tls() {
    let Some(pki) = Pki::generate() else { return };
    let Some(server) = TlsServer::start(&pki, false) else {
        return;
    };
    let mut reactor = Reactor::new().unwrap();
    let client = reactor::Client::with_config(
        server.config(&pki, "ca.crt"),
        &mut reactor,
        vireo_reactor::Token(1),
    )
    .unwrap();
    let mut app = App { client };
    let replies: Replies = Rc::default();
    let big = "y".repeat(4_000_000);
    app.client
        .send(
            &mut reactor,
            cmd("SET").arg("tls:reactor").arg(&big),
            recorder(&replies),
        )
        .unwrap();
    let mut pipeline = Pipeline::new();
    for _ in 0..100 {
        pipeline.add(cmd("INCR").arg("tls:reactor:n"));
    }
    app.client
        .send_pipeline(&mut reactor, &pipeline, recorder(&replies))
        .unwrap();
    app.client
        .send(
            &mut reactor,
            cmd("GET").arg("tls:reactor"),
            recorder(&replies),
        )
        .unwrap();
    run_until(&mut reactor, &mut app, |_| replies.borrow().len() == 3);
    {
        let replies = replies.borrow();
        let counts: Vec<i64> = FromReply::from_reply(replies[1].clone().unwrap()).unwrap();
        assert_eq!(counts, (1..=100).collect::<Vec<i64>>());
        let back: String = FromReply::from_reply(replies[2].clone().unwrap()).unwrap();
        assert_eq!(back, big);
    }

    let seen = Rc::new(RefCell::new(Vec::new()));
    let log = seen.clone();
    app.client
        .subscribe(&mut reactor, "tls:reactor:news", move |_, _, event| {
            log.borrow_mut().push(event)
        })
        .unwrap();
    run_until(&mut reactor, &mut app, |_| !seen.borrow().is_empty());
    assert!(matches!(seen.borrow()[0], SubscriptionEvent::Confirmed));
    app.client
        .send(
            &mut reactor,
            cmd("PUBLISH").arg("tls:reactor:news").arg("sealed"),
            recorder(&replies),
        )
        .unwrap();
    run_until(&mut reactor, &mut app, |_| seen.borrow().len() == 2);
    match &seen.borrow()[1] {
        SubscriptionEvent::Delivery(Delivery::Message(message)) => {
            assert_eq!(&message.payload[..], b"sealed")
        }
        other => panic!("expected a message, got {other:?}"),
    }
    app.client.close(&mut reactor);
    run_until(&mut reactor, &mut app, |app| {
        app.client.state() == State::Closed
    });
}

#[test]
fn reactor_client_refuses_a_server_certificate_from_an_unknown_ca() {
    let Some(pki) = Pki::generate() else { return };
    let Some(server) = TlsServer::start(&pki, false) else {
        return;
    };
    let mut reactor = Reactor::new().unwrap();
    let client = reactor::Client::with_config(
        server.config(&pki, "other-ca.crt"),
        &mut reactor,
        vireo_reactor::Token(1),
    )
    .unwrap();
    let mut app = App { client };
    let events = Rc::new(RefCell::new(Vec::new()));
    let log = events.clone();
    app.client
        .on_event(move |event| log.borrow_mut().push(event.clone()));
    let replies: Replies = Rc::default();
    app.client
        .send(&mut reactor, cmd("PING"), recorder(&replies))
        .unwrap();
    run_until(&mut reactor, &mut app, |app| {
        app.client.state() == State::Closed
    });
    assert!(
        events.borrow().iter().any(|event| matches!(
            event,
            Event::Disconnected(error) if is_certificate_failure(error)
        )),
        "{:?}",
        events.borrow()
    );
    assert!(
        matches!(&replies.borrow()[..], [Err(Error::NotConnected { reason })] if reason.contains("UnknownIssuer")),
        "{:?}",
        replies.borrow()
    );
}
