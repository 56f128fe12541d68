use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::terminate;

/// A private D-Bus session bus with gnome-keyring's Secret Service, unlocked, storing its
/// keyrings under a temp directory. Children started with [`KeyringSession::apply`] see it
/// as their session bus; the developer's real keyring is never touched.
pub struct KeyringSession {
    bus: Child,
    pub address: String,
    pub xdg_data_home: PathBuf,
    pub xdg_runtime_dir: PathBuf,
}

impl KeyringSession {
    pub fn start(root: &Path) -> Self {
        let xdg_data_home = root.join("xdg-data");
        let xdg_runtime_dir = root.join("xdg-run");
        for d in [&xdg_data_home, &xdg_runtime_dir] {
            std::fs::create_dir_all(d).unwrap();
        }
        // gnome-keyring refuses a runtime dir others can read.
        let _ = Command::new("chmod")
            .arg("700")
            .arg(&xdg_runtime_dir)
            .status();

        let mut bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon (apt package dbus) must be installed");
        let mut address = String::new();
        BufReader::new(bus.stdout.take().unwrap())
            .read_line(&mut address)
            .unwrap();
        let address = address.trim().to_owned();
        assert!(!address.is_empty(), "dbus-daemon printed no address");

        let mut keyring = Command::new("gnome-keyring-daemon")
            .args(["--unlock", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("XDG_DATA_HOME", &xdg_data_home)
            .env("XDG_RUNTIME_DIR", &xdg_runtime_dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon (apt package gnome-keyring) must be installed");
        // The login keyring's password; a fresh XDG_DATA_HOME makes a fresh keyring.
        keyring
            .stdin
            .take()
            .unwrap()
            .write_all(b"desk-test")
            .unwrap();
        // It daemonizes: the parent exits once the daemon is up.
        let status = keyring.wait().unwrap();
        assert!(status.success(), "gnome-keyring-daemon failed to start");

        let session = Self {
            bus,
            address,
            xdg_data_home,
            xdg_runtime_dir,
        };
        session.wait_for_secret_service();
        session
    }

    fn wait_for_secret_service(&self) {
        // Nothing may ask the Secret Service anything before our unlocked daemon owns its
        // bus name: the bus would start another gnome-keyring-daemon by D-Bus activation,
        // a locked one without the login keyring's default collection, and every store
        // would then fail ("no result found"; a sign-in right after start was flaky).
        // Asking the bus itself who owns the name activates nothing.
        for _ in 0..100 {
            let mut cmd = Command::new("dbus-send");
            self.apply(&mut cmd);
            let owned = cmd
                .args([
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.secrets",
                ])
                .stderr(Stdio::null())
                .output()
                .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).contains("boolean true"));
            if owned {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        for _ in 0..50 {
            let mut cmd = Command::new("secret-tool");
            self.apply(&mut cmd);
            let ok = cmd
                .args(["search", "--all", "desk-probe", "x"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success() || s.code() == Some(1));
            if ok {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the Secret Service never came up on the private bus");
    }

    /// Points a child at this session.
    pub fn apply<'a>(&self, cmd: &'a mut Command) -> &'a mut Command {
        cmd.env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("XDG_DATA_HOME", &self.xdg_data_home)
            .env("XDG_RUNTIME_DIR", &self.xdg_runtime_dir)
    }

    /// What the keyring holds for Desk's `account` (e.g. a profile's cache key account).
    pub fn desk_entry(&self, account: &str) -> Option<String> {
        self.lookup(&[("service", "desk"), ("username", account)])
    }

    /// `secret-tool lookup` from outside the app: what the OS keyring really holds.
    pub fn lookup(&self, attributes: &[(&str, &str)]) -> Option<String> {
        let mut cmd = Command::new("secret-tool");
        self.apply(&mut cmd).arg("lookup");
        for (k, v) in attributes {
            cmd.arg(k).arg(v);
        }
        let out = cmd
            .output()
            .expect("secret-tool (apt package libsecret-tools) must be installed");
        (out.status.success() && !out.stdout.is_empty())
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

impl Drop for KeyringSession {
    fn drop(&mut self) {
        // gnome-keyring-daemon leaves when its session bus goes away.
        terminate(&mut self.bus);
    }
}
