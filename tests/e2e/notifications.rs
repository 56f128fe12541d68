//! The console's OS notifications, seen from outside the app: `dbus-monitor` on the
//! session bus watches for `org.freedesktop.Notifications.Notify` calls, which is how
//! the notification plugin reaches the desktop on Linux. The private bus has no
//! notification daemon, so the call fails after the monitor has seen it; the app only
//! logs that, as it would on a desktop without one.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use testsupport::KeyringSession;

pub struct NotificationMonitor {
    child: Child,
    seen: Arc<Mutex<String>>,
}

impl NotificationMonitor {
    pub fn start(keyring: &KeyringSession) -> Self {
        let mut child = Command::new("dbus-monitor")
            .arg("--address")
            .arg(&keyring.address)
            .arg("type='method_call',interface='org.freedesktop.Notifications',member='Notify'")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-monitor (apt package dbus) must be installed");
        let seen = Arc::new(Mutex::new(String::new()));
        let out = child.stdout.take().unwrap();
        let sink = seen.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let mut text = sink.lock().unwrap();
                text.push_str(&line);
                text.push('\n');
            }
        });
        // Becoming a monitor costs dbus-monitor its name: the NameLost signal says it
        // listens.
        let monitor = Self { child, seen };
        monitor.wait_for("the monitor is listening", Duration::from_secs(10), |t| {
            t.contains("NameLost")
        });
        monitor
    }

    /// Waits until what was seen satisfies `done`; panics with it after `within`.
    pub fn wait_for(&self, what: &str, within: Duration, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + within;
        loop {
            let text = self.seen.lock().unwrap().clone();
            if done(&text) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; the session bus carried:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for NotificationMonitor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
