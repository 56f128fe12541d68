//! Where a profile lives: its directory (cache, non-secret account record) and the name of
//! its keyring entry. Two agents on one machine use two profiles and never share either.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// The keyring service name for every Desk secret.
pub const KEYRING_SERVICE: &str = "desk";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The profile's data directory.
    pub dir: PathBuf,
    /// Names this profile's entries in the OS keyring.
    pub key: String,
}

impl Profile {
    /// Resolves the profile the way the console and the CLI both do:
    /// `home` (from `DESK_HOME`) wins and is keyed by its path; otherwise the named profile
    /// (`default` when none) under the OS data directory.
    pub fn resolve(home: Option<&Path>, name: Option<&str>) -> Result<Self> {
        if let Some(home) = home {
            return Ok(Self::at(home));
        }
        let name = name.unwrap_or("default");
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(Error::BadInput(format!(
                "profile name {name:?} must be letters, digits, '-' or '_'"
            )));
        }
        let base = directories::ProjectDirs::from("com", "Desk", "Desk")
            .ok_or_else(|| Error::BadInput("no home directory to keep the profile in".into()))?;
        Ok(Self {
            dir: base.data_dir().join("profiles").join(name),
            key: format!("profile:{name}"),
        })
    }

    /// A profile rooted at an explicit directory (`DESK_HOME`).
    pub fn at(dir: &Path) -> Self {
        let absolute = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        let digest = Sha256::digest(absolute.to_string_lossy().as_bytes());
        Self {
            dir: absolute,
            key: format!("home:{}", &hex::encode(digest)[..16]),
        }
    }

    pub fn cache_path(&self) -> PathBuf {
        self.dir.join(desk_store::CACHE_FILE)
    }

    /// The keyring account (user) name holding this profile's refresh token.
    pub fn refresh_token_account(&self) -> String {
        format!("{}/refresh-token", self.key)
    }

    /// The keyring account (user) name holding this profile's cache encryption key.
    pub fn cache_key_account(&self) -> String {
        format!("{}/cache-key", self.key)
    }

    /// Waits for, and holds until dropped, this profile's refresh lock: an advisory lock
    /// on a file in the profile directory, which every process using the profile takes
    /// before it reads and rotates the refresh token. The OS drops it if the process dies.
    pub async fn lock_refresh(&self) -> Result<std::fs::File> {
        let path = self.dir.join("refresh.lock");
        let io = |source| Error::Io {
            path: path.display().to_string(),
            source,
        };
        std::fs::create_dir_all(&self.dir).map_err(io)?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io)?;
        // A refresh is one HTTP round trip (30 s at most): waiting longer means a stuck
        // process holds it.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(45);
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(file),
                Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(io(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "another Desk process holds the refresh lock",
                    )));
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_refresh_lock_is_held_until_dropped_across_handles() {
        let dir = tempfile::tempdir().unwrap();
        let p = Profile::at(dir.path());
        let held = p.lock_refresh().await.unwrap();
        // A second open file description, as another process has: it must wait.
        let other = std::fs::File::open(dir.path().join("refresh.lock")).unwrap();
        assert!(matches!(
            other.try_lock(),
            Err(std::fs::TryLockError::WouldBlock)
        ));
        drop(held);
        other.try_lock().expect("free once the holder drops it");
    }

    #[test]
    fn explicit_home_wins_and_distinct_homes_get_distinct_keys() {
        let a = Profile::resolve(Some(Path::new("/tmp/desk-a")), Some("ignored")).unwrap();
        let b = Profile::resolve(Some(Path::new("/tmp/desk-b")), None).unwrap();
        assert_eq!(a.dir, PathBuf::from("/tmp/desk-a"));
        assert_ne!(a.key, b.key, "two homes must never share a keyring entry");
        assert_eq!(
            a,
            Profile::at(Path::new("/tmp/desk-a")),
            "the key is stable for a path"
        );
    }

    #[test]
    fn profile_names_cannot_escape_the_profiles_directory() {
        for bad in ["../x", "a/b", "", "名字"] {
            assert!(
                Profile::resolve(None, Some(bad)).is_err(),
                "{bad:?} must be refused"
            );
        }
        let p = Profile::resolve(None, Some("alice")).unwrap();
        assert!(p.dir.ends_with("profiles/alice"));
        assert_eq!(p.key, "profile:alice");
    }
}
