//! HTTPS straight from the binary: an operator's certificate served to clients that trust
//! its CA, refused by those that do not, plain HTTP turned away, a silent socket unable to
//! hold up others, and a bad certificate or key stopping the server at start with an error
//! that names the file and never shows the key.

use std::io::Read;
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use testsupport::{PrivateCa, ServerProcess};

const BIN: &str = env!("CARGO_BIN_EXE_desk-server");

fn chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}

#[test]
fn https_is_served_to_clients_that_trust_the_ca_and_only_to_them() {
    let dir = tempfile::tempdir().unwrap();
    let ca = PrivateCa::create(dir.path());
    let data = dir.path().join("data");
    let server = ServerProcess::start_https(&data, &ca, &[], None);
    assert!(
        server.url.starts_with("https://127.0.0.1:"),
        "the listening line says https: {}",
        server.url
    );

    // A socket that connects and never speaks must not hold up anyone else's handshake.
    let address = server.url.trim_start_matches("https://").to_owned();
    let _silent = TcpStream::connect(&address).unwrap();

    let trusting = ca.client();
    let health = trusting
        .get(format!("{}/healthz", server.url))
        .send()
        .unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.version(), reqwest::Version::HTTP_11);
    // The API itself answers over TLS, with its usual errors.
    let login = trusting
        .post(format!("{}/api/v1/auth/login", server.url))
        .json(
            &serde_json::json!({"email": "nobody@desk.test", "password": "x", "device_name": "t"}),
        )
        .send()
        .unwrap();
    assert_eq!(login.status(), 401);
    let localhost = server.url.replace("127.0.0.1", "localhost");
    assert_eq!(
        trusting
            .get(format!("{localhost}/healthz"))
            .send()
            .unwrap()
            .status(),
        200,
        "the certificate names localhost too"
    );

    let untrusting = ca.other_client();
    let refused = untrusting
        .get(format!("{}/healthz", server.url))
        .send()
        .expect_err("a client trusting another CA must not connect");
    let why = chain(&refused);
    assert!(
        why.contains("certificate"),
        "the refusal is about the certificate: {why}"
    );

    // Plain HTTP to the TLS port gets no API answer.
    let plain = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
        .get(format!("http://{address}/healthz"))
        .send();
    assert!(
        plain.as_ref().map_or(true, |r| !r.status().is_success()),
        "plain HTTP must not be served: {:?}",
        plain.map(|r| r.status())
    );
    // The server is still well after all that.
    assert_eq!(
        trusting
            .get(format!("{}/healthz", server.url))
            .send()
            .unwrap()
            .status(),
        200
    );
    server.stop();
}

/// Runs `desk-server serve` with `args`, expecting it to refuse within 30 s; its stderr.
fn refused(args: &[&str]) -> String {
    let mut child = Command::new(BIN)
        .arg("serve")
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .env_remove("DESK_DATA_DIR")
        .env_remove("DESK_DATABASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("desk-server serve {args:?} kept running: it must refuse");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stdout = String::new();
    let mut stderr = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(!status.success(), "{args:?} must be refused");
    assert!(
        !stdout.contains("listening"),
        "nothing was served for {args:?}: {stdout}"
    );
    stderr
}

#[test]
fn a_bad_certificate_or_key_stops_the_server_naming_the_file_never_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let ca = PrivateCa::create(dir.path());
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let cert = ca.server_cert.to_str().unwrap();
    let key = ca.server_key.to_str().unwrap();
    let wrong_key = ca.wrong_key.to_str().unwrap();
    // A file that is not a key but holds text an operator would not want in a log.
    let garbage = dir.path().join("garbage.key");
    let garbage_text = "not-a-key but a secret-looking 9f8e7d6c5b4a";
    std::fs::write(&garbage, garbage_text).unwrap();
    let garbage = garbage.to_str().unwrap();
    let missing = dir.path().join("missing.pem");
    let missing = missing.to_str().unwrap();

    let cases: &[(&[&str], &[&str])] = &[
        (&["--tls-cert", cert], &["tls_key", "set too"]),
        (&["--tls-key", key], &["tls_cert", "set too"]),
        (
            &["--tls-cert", cert, "--tls-key", wrong_key],
            &["tls_cert and tls_key do not go together"],
        ),
        (
            &["--tls-cert", cert, "--tls-key", garbage],
            &["tls_key", "garbage.key", "no PEM private key"],
        ),
        (
            &["--tls-cert", missing, "--tls-key", key],
            &["tls_cert", "missing.pem", "cannot read"],
        ),
        // A key where the certificate should be: no CERTIFICATE section.
        (
            &["--tls-cert", key, "--tls-key", key],
            &["tls_cert", "server.key"],
        ),
    ];
    let key_pem = ca.server_key_pem();
    let wrong_pem = std::fs::read_to_string(&ca.wrong_key).unwrap();
    // The base64 body of each key, one line of it being enough to leak.
    let key_lines: Vec<&str> = key_pem
        .lines()
        .chain(wrong_pem.lines())
        .filter(|l| !l.starts_with("-----") && l.len() > 20)
        .collect();
    for (args, expected) in cases {
        let mut full = vec!["--data-dir", data];
        full.extend_from_slice(args);
        let stderr = refused(&full);
        for part in *expected {
            assert!(
                stderr.contains(part),
                "{args:?}: stderr should mention {part:?}:\n{stderr}"
            );
        }
        for line in &key_lines {
            assert!(
                !stderr.contains(line),
                "{args:?}: key material reached stderr:\n{stderr}"
            );
        }
        assert!(
            !stderr.contains(garbage_text),
            "{args:?}: the key file's content reached stderr:\n{stderr}"
        );
    }
}
