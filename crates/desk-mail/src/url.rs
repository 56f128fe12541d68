//! Mailbox settings as one URL: `imap://user:pass@host:port/INBOX`, `imaps://…`,
//! `smtp://user:pass@host:port`, `smtps://…`.
//!
//! The user and password are percent-decoded (a `@` in a login is written `%40`). Default
//! ports: imap 143, imaps 993, smtps 465, and smtp 587 (submission) when a user is given,
//! else 25 (a local relay that takes mail without a login). The folder, IMAP only, defaults
//! to `INBOX`. `imaps` and `smtps` speak TLS from the first byte; plain `smtp` upgrades with
//! STARTTLS when the server offers it and goes on in the clear when it does not (a relay on
//! the same host); plain `imap` stays in the clear.
//!
//! The password may be left out of the URL and given with [`MailboxUrl::with_password`]
//! (the server keeps it apart from the settings). `Debug` and `Display` never show it.

use std::fmt;

use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Imap,
    Imaps,
    Smtp,
    Smtps,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Imap => "imap",
            Scheme::Imaps => "imaps",
            Scheme::Smtp => "smtp",
            Scheme::Smtps => "smtps",
        }
    }

    /// Whether the connection is TLS from its first byte.
    pub fn is_tls(self) -> bool {
        matches!(self, Scheme::Imaps | Scheme::Smtps)
    }

    pub fn is_imap(self) -> bool {
        matches!(self, Scheme::Imap | Scheme::Imaps)
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct MailboxUrl {
    scheme: Scheme,
    host: String,
    port: u16,
    user: Option<String>,
    password: Option<String>,
    folder: String,
}

/// What a user name is percent-encoded with when the URL is shown again.
const USERINFO: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'@')
    .add(b':')
    .add(b'/')
    .add(b'%')
    .add(b'?')
    .add(b'#');
const PATH: &AsciiSet = &CONTROLS.add(b' ').add(b'%').add(b'?').add(b'#');

impl MailboxUrl {
    pub fn parse(input: &str) -> Result<MailboxUrl> {
        let input = input.trim();
        let invalid = |reason: &str| Error::InvalidUrl {
            url: redact(input),
            reason: reason.to_owned(),
        };
        let (scheme, rest) = input
            .split_once("://")
            .ok_or_else(|| invalid("expected scheme://host"))?;
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "imap" => Scheme::Imap,
            "imaps" => Scheme::Imaps,
            "smtp" => Scheme::Smtp,
            "smtps" => Scheme::Smtps,
            _ => return Err(invalid("the scheme must be imap, imaps, smtp or smtps")),
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let path = tail.split(['?', '#']).next().unwrap_or("");
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((userinfo, hostport)) => (Some(userinfo), hostport),
            None => (None, authority),
        };
        let decode = |s: &str, what: &str| -> Result<String> {
            percent_decode_str(s)
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| invalid(&format!("the {what} is not valid UTF-8 once decoded")))
        };
        let (user, password) = match userinfo {
            None => (None, None),
            Some(info) => {
                let (user, password) = match info.split_once(':') {
                    Some((u, p)) => (u, Some(p)),
                    None => (info, None),
                };
                let user = decode(user, "user")?;
                if user.is_empty() {
                    return Err(invalid("the user is empty"));
                }
                let password = password.map(|p| decode(p, "password")).transpose()?;
                (Some(user), password)
            }
        };
        let (host, port) = split_host_port(hostport).ok_or_else(|| invalid("bad host or port"))?;
        if host.is_empty() {
            return Err(invalid("the host is empty"));
        }
        let port = match port {
            Some(p) => p,
            None => match scheme {
                Scheme::Imap => 143,
                Scheme::Imaps => 993,
                Scheme::Smtps => 465,
                Scheme::Smtp if user.is_some() => 587,
                Scheme::Smtp => 25,
            },
        };
        let folder = if scheme.is_imap() {
            let folder = decode(path.trim_start_matches('/'), "folder")?;
            if folder.is_empty() {
                "INBOX".to_owned()
            } else {
                folder
            }
        } else {
            String::new()
        };
        Ok(MailboxUrl {
            scheme,
            host: host.to_owned(),
            port,
            user,
            password,
            folder,
        })
    }

    /// The same settings with the password given apart from the URL.
    pub fn with_password(mut self, password: impl Into<String>) -> MailboxUrl {
        self.password = Some(password.into());
        self
    }

    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The host name or IP address (IPv6 without its brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    pub fn password(&self) -> Option<&str> {
        self.password.as_deref()
    }

    /// The IMAP folder (`INBOX` unless the URL names another); empty for SMTP.
    pub fn folder(&self) -> &str {
        &self.folder
    }
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`.
fn split_host_port(s: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':')?)),
        }
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    let port = match port {
        Some(p) => Some(p.parse::<u16>().ok().filter(|&p| p != 0)?),
        None => None,
    };
    if host.contains(['/', '@', ' ']) {
        return None;
    }
    Some((host, port))
}

/// The input as it can be shown in an error: the password, if any, replaced.
fn redact(input: &str) -> String {
    let Some((scheme, rest)) = input.split_once("://") else {
        // Not a URL at all; it may still be a password pasted in the wrong field.
        return "(not a url)".to_owned();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    match authority.rsplit_once('@') {
        Some((info, hostport)) => {
            let user = info.split_once(':').map_or(info, |(u, _)| u);
            let hidden = if info.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{hidden}@{hostport}{tail}")
        }
        None => input.to_owned(),
    }
}

impl fmt::Display for MailboxUrl {
    /// The URL without its password (a `***` marks that one is set).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", self.scheme.as_str())?;
        if let Some(user) = &self.user {
            write!(f, "{}", utf8_percent_encode(user, USERINFO))?;
            if self.password.is_some() {
                write!(f, ":***")?;
            }
            write!(f, "@")?;
        }
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)?;
        } else {
            write!(f, "{}:{}", self.host, self.port)?;
        }
        if self.scheme.is_imap() {
            write!(f, "/{}", utf8_percent_encode(&self.folder, PATH))?;
        }
        Ok(())
    }
}

impl fmt::Debug for MailboxUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailboxUrl")
            .field("scheme", &self.scheme)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("folder", &self.folder)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_scheme_with_defaults() {
        let u = MailboxUrl::parse("imaps://support%40example.com:p%3Ass@mail.example.com").unwrap();
        assert_eq!(u.scheme(), Scheme::Imaps);
        assert_eq!(
            u.user(),
            Some("support@example.com"),
            "user is percent-decoded"
        );
        assert_eq!(u.password(), Some("p:ss"), "password is percent-decoded");
        assert_eq!((u.port(), u.folder()), (993, "INBOX"), "imaps defaults");
        let u = MailboxUrl::parse("imap://u:p@h/Support%20Queue").unwrap();
        assert_eq!((u.port(), u.folder()), (143, "Support Queue"));
        let u = MailboxUrl::parse("smtp://127.0.0.1:2525").unwrap();
        assert_eq!((u.port(), u.user()), (2525, None));
        assert_eq!(MailboxUrl::parse("smtp://h").unwrap().port(), 25);
        assert_eq!(MailboxUrl::parse("smtp://u@h").unwrap().port(), 587);
        assert_eq!(MailboxUrl::parse("smtps://u:p@h").unwrap().port(), 465);
        let u = MailboxUrl::parse("imap://u@[::1]:1143").unwrap();
        assert_eq!((u.host(), u.port()), ("::1", 1143));
    }

    #[test]
    fn never_shows_the_password() {
        let u = MailboxUrl::parse("imap://me:hunter2@h:1/INBOX").unwrap();
        for shown in [format!("{u}"), format!("{u:?}")] {
            assert!(!shown.contains("hunter2"), "password leaked in {shown}");
        }
        assert_eq!(u.to_string(), "imap://me:***@h:1/INBOX");
        let err = MailboxUrl::parse("imap://me:hunter2@h:99999/").unwrap_err();
        assert!(
            !err.to_string().contains("hunter2"),
            "error leaks it: {err}"
        );
        let u = MailboxUrl::parse("smtp://me@h")
            .unwrap()
            .with_password("s3cret");
        assert_eq!(u.password(), Some("s3cret"));
        assert!(!format!("{u:?}").contains("s3cret"));
    }

    #[test]
    fn refuses_what_it_cannot_use() {
        for bad in [
            "",
            "mail.example.com",
            "pop3://h",
            "imap://",
            "imap://h:x",
            "imap://@h",
        ] {
            assert!(MailboxUrl::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
