//! [`Sensitive`]: a value that must never reach a log, a panic message or an error text
//! (passwords, tokens, keys: DESIGN.md §7). Its `Debug` prints a placeholder, so deriving
//! `Debug` on a request that carries one is safe. It has no `Display` on purpose: code that
//! formats a value to send it (a bearer header) must not compile against a placeholder. The
//! value itself is reached only through [`Sensitive::expose`], which makes every use
//! greppable.
//!
//! On the wire it is the bare value (`serde(transparent)`): the format does not change.

use serde::{Deserialize, Serialize};

#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The value, for the one place that needs it (hashing, a request header, the keyring).
    pub fn expose(&self) -> &T {
        &self.0
    }

    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> From<T> for Sensitive<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

impl From<&str> for Sensitive<String> {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl<T> std::fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Serialize, Deserialize)]
    struct Login {
        email: String,
        password: Sensitive<String>,
    }

    #[test]
    fn never_prints_but_serializes_as_the_bare_value() {
        let login = Login {
            email: "amy@desk.test".into(),
            password: "hunter2 密码".into(),
        };
        for shown in [format!("{login:?}"), format!("{login:#?}")] {
            assert!(!shown.contains("hunter2"), "printed: {shown}");
        }
        assert!(format!("{login:?}").contains("amy@desk.test"));
        let json = serde_json::to_string(&login).unwrap();
        assert_eq!(
            json,
            r#"{"email":"amy@desk.test","password":"hunter2 密码"}"#
        );
        let back: Login = serde_json::from_str(&json).unwrap();
        assert_eq!(back.password.expose(), "hunter2 密码");
    }
}
