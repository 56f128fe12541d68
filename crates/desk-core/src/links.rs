//! Links in customer content (DESIGN.md §7). The console never follows one itself: the
//! agent sees the real target in a confirmation, and only then does the OS open it, in
//! the agent's browser or mail program, outside the app.
//!
//! [`external_target`] is the one check both sides of that rely on: the UI shows the
//! target it returns, and the shell opens exactly that string.

use crate::error::{ApiError, ErrorCode};

/// Longest link opened: a longer one hides its tail from the confirmation.
pub const MAX_LINK_CHARS: usize = 2048;

/// The URL to open for a customer link, in its WHATWG serialization (what browsers and
/// the console's `new URL()` print), or `bad_request` saying why it is not opened.
///
/// Refused: schemes other than `http`, `https` and `mailto` (no `javascript:`, `file:`,
/// `data:` or app-internal URLs); `http(s)` links with a user name or password, the
/// `https://wallet.example@evil.example` trick that shows one host and opens another;
/// links without a host; links longer than [`MAX_LINK_CHARS`].
pub fn external_target(href: &str) -> Result<String, ApiError> {
    let refuse =
        |why: &str| ApiError::new(ErrorCode::BadRequest, format!("link not opened: {why}"));
    let href = href.trim();
    if href.chars().count() > MAX_LINK_CHARS {
        return Err(refuse("it is too long to show in full"));
    }
    let url = url::Url::parse(href).map_err(|_| refuse("it is not a complete address"))?;
    match url.scheme() {
        "http" | "https" => {
            if !url.username().is_empty() || url.password().is_some() {
                return Err(refuse("it hides its real host behind a user name"));
            }
            if url.host_str().is_none_or(str::is_empty) {
                return Err(refuse("it names no host"));
            }
        }
        "mailto" => {
            if url.path().is_empty() {
                return Err(refuse("it names no address"));
            }
        }
        _ => return Err(refuse("only web and mail links are opened")),
    }
    Ok(url.as_str().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_and_mail_links_open_as_their_normal_form() {
        for (href, opened) in [
            ("https://wallet.example/help", "https://wallet.example/help"),
            ("HTTPS://Wallet.Example", "https://wallet.example/"),
            (
                "  http://wallet.example/a b ",
                "http://wallet.example/a%20b",
            ),
            // A look-alike host shows as what it is.
            ("https://wаllet.example/", "https://xn--wllet-4ve.example/"),
            (
                "https://钱包.example/帮助",
                "https://xn--uir314m.example/%E5%B8%AE%E5%8A%A9",
            ),
            (
                "mailto:support@wallet.example",
                "mailto:support@wallet.example",
            ),
        ] {
            assert_eq!(external_target(href).as_deref(), Ok(opened), "{href}");
        }
    }

    #[test]
    fn other_schemes_hidden_hosts_and_fragments_are_refused() {
        let long = format!("https://wallet.example/{}", "a".repeat(MAX_LINK_CHARS));
        for href in [
            "javascript:alert(1)",
            " JavaScript:alert(1)",
            "data:text/html,<script>1</script>",
            "file:///etc/passwd",
            "tauri://localhost/index.html",
            "ipc://localhost/sign_out",
            "vbscript:msgbox",
            "https://wallet.example@evil.example/",
            "https://user:pw@evil.example/",
            "/relative/path",
            "#top",
            "",
            "mailto:",
            long.as_str(),
        ] {
            let err = external_target(href).expect_err(href);
            assert_eq!(err.code, ErrorCode::BadRequest, "{href}");
            assert!(
                err.message.starts_with("link not opened: "),
                "{}",
                err.message
            );
        }
    }
}
