//! `desk redact` and `desk sanitize`: the server's content filters over standard input, so
//! what ingestion would store of a customer's text or HTML can be checked from outside.
//! The same desk-core functions ingestion runs; no profile or server is needed.

use std::io::Read;

use desk_core::redact::{self, Redacted};
use desk_core::sanitize;
use desk_core::{ApiError, ErrorCode};
use serde_json::json;

fn stdin() -> Result<String, ApiError> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).map_err(|e| {
        ApiError::new(
            ErrorCode::BadRequest,
            format!("read standard input (UTF-8 text): {e}"),
        )
    })?;
    Ok(text)
}

/// `kind ×n, …`: what was taken out, for a person reading stderr.
fn summary(r: &Redacted) -> String {
    r.counts()
        .iter()
        .map(|(kind, n)| format!("{} ×{n}", kind.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Prints the text with every wallet secret replaced by its marker; with `--json`, the
/// text and the findings (kind and marker position, never the secret).
pub fn redact(json: bool) -> Result<(), ApiError> {
    let redacted = redact::redact(&stdin()?);
    if json {
        crate::print_json(&json!({ "text": redacted.text, "findings": redacted.findings }));
    } else {
        print!("{}", redacted.text);
        if !redacted.is_clean() {
            eprintln!("redacted: {}", summary(&redacted));
        }
    }
    Ok(())
}

/// Prints what ingestion keeps of an HTML message: the sanitized HTML, or nothing when a
/// secret is anywhere in it (stderr says so; the redacted plain text is then all that is
/// stored). With `--json`: `{html, text, dropped}`, `text` being the redacted plain text.
pub fn sanitize(json: bool) -> Result<(), ApiError> {
    let html = stdin()?;
    let kept = sanitize::customer_html(&html);
    if json {
        let text = redact::redact(&sanitize::plain_text(&html)).text;
        crate::print_json(&json!({ "html": kept, "text": text, "dropped": kept.is_none() }));
    } else {
        match kept {
            Some(clean) => println!("{clean}"),
            None => eprintln!(
                "dropped: this HTML holds a wallet secret; only its redacted text would be stored"
            ),
        }
    }
    Ok(())
}
