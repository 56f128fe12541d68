//! An HTTPS server with an organisation's private CA: `desk` trusts it through
//! `DESK_CA_FILE` or the OS trust store (`SSL_CERT_FILE` stands in for the store here),
//! and without either refuses it with `untrusted_server`, which is not "offline".

use std::path::Path;
use std::process::Output;

use testsupport::{KeyringSession, PrivateCa, ServerProcess, seed_data_dir};

use super::{EMAIL, PASSWORD, desk_command, err_code, login_command, ok_json, with_stdin};

fn login_with(keyring: &KeyringSession, home: &Path, url: &str, env: &[(&str, &Path)]) -> Output {
    let mut cmd = login_command(keyring, home, url, EMAIL);
    // Only what the case sets decides trust, not the machine's environment.
    cmd.env_remove("DESK_CA_FILE")
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR");
    for (name, value) in env {
        cmd.env(name, value);
    }
    with_stdin(cmd, &format!("{PASSWORD}\n"))
}

#[test]
fn a_private_ca_is_trusted_when_configured_and_refused_otherwise() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = PrivateCa::create(tmp.path());
    let data = tmp.path().join("server");
    seed_data_dir(&data, 5, EMAIL, PASSWORD);
    let server = ServerProcess::start_https(&data, &ca, &[], None);
    let keyring = KeyringSession::start(tmp.path());

    let untrusted = login_with(&keyring, &tmp.path().join("a"), &server.url, &[]);
    assert_eq!(err_code(&untrusted), "untrusted_server");
    let stderr = String::from_utf8_lossy(&untrusted.stderr);
    assert!(
        stderr.contains(&server.url) && stderr.contains("certificate"),
        "the error names the server and the certificate: {stderr}"
    );
    let other = login_with(
        &keyring,
        &tmp.path().join("b"),
        &server.url,
        &[("DESK_CA_FILE", &ca.other_ca_cert)],
    );
    assert_eq!(
        err_code(&other),
        "untrusted_server",
        "trusting another CA does not help"
    );
    let missing = login_with(
        &keyring,
        &tmp.path().join("c"),
        &server.url,
        &[("DESK_CA_FILE", &tmp.path().join("nowhere.pem"))],
    );
    assert_eq!(err_code(&missing), "bad_request");
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("DESK_CA_FILE"),
        "a CA file that cannot be read is named"
    );

    let home = tmp.path().join("amy");
    let agent = ok_json(&login_with(
        &keyring,
        &home,
        &server.url,
        &[("DESK_CA_FILE", &ca.ca_cert)],
    ));
    assert_eq!(agent["email"], EMAIL);
    let mut sync = desk_command(&keyring, &home, &["--json", "sync"]);
    sync.env("DESK_CA_FILE", &ca.ca_cert);
    let report = ok_json(&with_stdin(sync, ""));
    assert!(
        report["changes"].as_u64().unwrap() >= 5,
        "the first sync over HTTPS pulls the seeded tickets: {report}"
    );

    // The OS trust store, where an organisation installs its CA on managed laptops.
    let agent = ok_json(&login_with(
        &keyring,
        &tmp.path().join("store"),
        &server.url,
        &[("SSL_CERT_FILE", &ca.ca_cert)],
    ));
    assert_eq!(agent["email"], EMAIL);
    server.stop();
}
