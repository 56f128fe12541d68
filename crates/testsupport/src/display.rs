use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::terminate;

/// A private X display (Xvfb) for the real app window.
pub struct Xvfb {
    child: Child,
    pub display: String,
}

impl Xvfb {
    pub fn start() -> Self {
        // Xvfb picks a free display itself and reports its number on the given fd; with
        // -displayfd 1 that is our stdout.
        let mut child = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1440x900x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (apt package xvfb) must be installed");
        let mut out = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::Read;
            let mut buf = [0u8; 16];
            let mut got = String::new();
            while let Ok(n) = out.read(&mut buf) {
                if n == 0 {
                    break;
                }
                got.push_str(&String::from_utf8_lossy(&buf[..n]));
                if got.contains('\n') {
                    break;
                }
            }
            let _ = tx.send(got);
        });
        let n = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("Xvfb reported no display in 20 s");
        let display = format!(":{}", n.trim());
        Self { child, display }
    }

    pub fn apply<'a>(&self, cmd: &'a mut Command) -> &'a mut Command {
        cmd.env("DISPLAY", &self.display)
            .env_remove("WAYLAND_DISPLAY")
    }

    /// A PNG of the whole screen (ImageMagick `import`).
    pub fn screenshot(&self, path: &std::path::Path) -> bool {
        Command::new("import")
            .args(["-window", "root"])
            .arg(path)
            .env("DISPLAY", &self.display)
            .status()
            .is_ok_and(|s| s.success())
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        terminate(&mut self.child);
    }
}
