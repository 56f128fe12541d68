//! The sanitizer on any HTML: it never panics, what it keeps holds no element or attribute
//! that can run script, load a resource or restyle the page, and the ingestion rule
//! (`customer_html`) keeps exactly the sanitized HTML or nothing.
#![no_main]

use desk_core::sanitize::{customer_html, plain_text, sanitize, unescape};
use libfuzzer_sys::fuzz_target;

/// Elements that may never survive (the allowlist has none of them).
const FORBIDDEN_TAGS: &[&str] = &[
    "script", "style", "iframe", "frame", "object", "embed", "svg", "math", "form", "input",
    "button", "img", "video", "audio", "link", "meta", "base", "template", "textarea",
];

/// The tags of sanitized output: `<` only opens a tag there (text has `&lt;`), and
/// attribute values are quoted, so a small scanner reads them exactly.
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        let end = match rest.find('>') {
            Some(end) => end,
            None => panic!("an unclosed tag in sanitized output: {html:?}"),
        };
        let inside = &rest[..end];
        rest = &rest[end + 1..];
        if inside.starts_with('/') {
            continue;
        }
        let (name, mut attrs) = inside.split_once(' ').unwrap_or((inside, ""));
        let mut parsed = Vec::new();
        loop {
            attrs = attrs.trim_start();
            if attrs.is_empty() || attrs == "/" {
                break;
            }
            let eq = attrs.find('=').unwrap_or(attrs.len());
            let attr = attrs[..eq].to_ascii_lowercase();
            attrs = &attrs[eq..];
            let value = if let Some(quoted) = attrs.strip_prefix("=\"") {
                let close = quoted.find('"').expect("attribute values are quoted");
                let value = &quoted[..close];
                attrs = &quoted[close + 1..];
                value.to_owned()
            } else {
                attrs = "";
                String::new()
            };
            parsed.push((attr, value));
        }
        out.push((name.to_ascii_lowercase(), parsed));
    }
    out
}

/// The text of sanitized output with every tag read as a space: a secret split across
/// inline tags (`<b>abandon</b><b>ability</b>…`) shows as separate words here.
fn spaced_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        out.push(' ');
        rest = rest[open..].split_once('>').map_or("", |(_, after)| after);
    }
    out.push_str(rest);
    unescape(&out)
}

fuzz_target!(|html: &str| {
    let clean = sanitize(html);
    for (name, attrs) in tags(&clean) {
        assert!(
            !FORBIDDEN_TAGS.contains(&name.as_str()),
            "<{name}> survived: {clean:?}"
        );
        for (attr, value) in attrs {
            assert!(
                !attr.starts_with("on") && attr != "style" && attr != "srcdoc",
                "attribute {attr} survived: {clean:?}"
            );
            let value = value.to_ascii_lowercase();
            for scheme in ["javascript:", "vbscript:", "data:"] {
                assert!(
                    !value.trim_start().starts_with(scheme),
                    "{scheme} survived: {clean:?}"
                );
            }
        }
    }
    match customer_html(html) {
        Some(kept) => assert_eq!(kept, clean, "ingestion keeps the sanitized HTML"),
        None => assert!(
            desk_core::redact::holds_secret(&clean)
                || desk_core::redact::holds_secret(&plain_text(html))
                || desk_core::redact::holds_secret(&spaced_text(&clean)),
            "HTML is dropped only for a secret"
        ),
    }
    let _ = plain_text(html);
});
