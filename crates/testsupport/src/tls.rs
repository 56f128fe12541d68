//! A private certificate authority, as an organisation runs for its internal servers: a
//! CA certificate its laptops are told to trust, and a server certificate it signed for
//! `localhost` and `127.0.0.1`. Made fresh per test, so no test trusts another's CA.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// PEM files in a directory of the caller's.
pub struct PrivateCa {
    /// The CA's certificate: what clients must trust.
    pub ca_cert: PathBuf,
    /// The server's certificate chain (its certificate, then the CA's).
    pub server_cert: PathBuf,
    /// The server certificate's private key (PKCS#8).
    pub server_key: PathBuf,
    /// Another CA's certificate, trusting which must not help.
    pub other_ca_cert: PathBuf,
    /// A key that does not belong to `server_cert`.
    pub wrong_key: PathBuf,
}

fn ca(name: &str) -> (String, Issuer<'static, KeyPair>) {
    let key = KeyPair::generate().expect("generate a CA key");
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let cert = params.self_signed(&key).expect("self-sign the CA");
    (cert.pem(), Issuer::new(params, key))
}

impl PrivateCa {
    pub fn create(dir: &Path) -> Self {
        let (ca_pem, issuer) = ca("Desk test CA");
        let (other_pem, _) = ca("Some other CA");
        let key = KeyPair::generate().expect("generate the server key");
        let mut params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "desk.internal");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let cert = params
            .signed_by(&key, &issuer)
            .expect("sign the server certificate");
        let write = |name: &str, text: &str| {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        Self {
            ca_cert: write("ca.pem", &ca_pem),
            server_cert: write("server.pem", &format!("{}{ca_pem}", cert.pem())),
            server_key: write("server.key", &key.serialize_pem()),
            other_ca_cert: write("other-ca.pem", &other_pem),
            wrong_key: write("wrong.key", &KeyPair::generate().unwrap().serialize_pem()),
        }
    }

    /// A client that trusts exactly this CA (no built-in or OS roots), as a laptop told
    /// to trust the organisation's CA would.
    pub fn client(&self) -> reqwest::blocking::Client {
        trusting(&self.ca_cert)
    }

    /// A client that trusts only the other CA.
    pub fn other_client(&self) -> reqwest::blocking::Client {
        trusting(&self.other_ca_cert)
    }

    /// The server key's PEM text, to look for in logs.
    pub fn server_key_pem(&self) -> String {
        std::fs::read_to_string(&self.server_key).unwrap()
    }
}

fn trusting(ca: &Path) -> reqwest::blocking::Client {
    let pem = std::fs::read(ca).unwrap();
    reqwest::blocking::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .unwrap()
}
