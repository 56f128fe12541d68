//! Customer HTML, made safe to store and show (DESIGN.md §7: customer content is hostile).
//!
//! [`sanitize`] keeps a strict allowlist (ammonia): text structure, lists, tables, quotes,
//! code, and links to `http`, `https` and `mailto` only, each with `rel="noopener
//! noreferrer nofollow"`. Gone: scripts, styles (with their content), iframes, forms,
//! SVG, objects, embeds, every attribute but `href`, `colspan`, `rowspan` and `start`
//! (so no event handlers, no `style`, no `class`), `javascript:` and `data:` URLs,
//! comments. Images are dropped too: a remote image is a tracking pixel and remote
//! content the console's CSP refuses anyway; inline `cid:` images belong to
//! attachments, which are stored and shown as attachments.
//!
//! [`customer_html`] is what ingestion stores: if the HTML holds a secret anywhere — in
//! its text, split across tags (`<b>abandon</b> ability …`), or in an attribute — the HTML
//! is dropped whole and only the redacted plain text is kept. Redacting inside a markup
//! tree would need every split and attribute to be right; dropping is never wrong, and an
//! email with a seed phrase in it does not need its formatting.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use crate::redact;

const TAGS: &[&str] = &[
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "code",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "ins",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
];

/// Elements whose content goes with them, not only their tags.
const CLEAN_CONTENT: &[&str] = &[
    "script", "style", "iframe", "object", "embed", "svg", "math", "template", "noscript",
    "textarea", "select", "title", "head",
];

fn builder() -> &'static ammonia::Builder<'static> {
    static BUILDER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let mut b = ammonia::Builder::empty();
        b.tags(TAGS.iter().copied().collect())
            .clean_content_tags(CLEAN_CONTENT.iter().copied().collect())
            .tag_attributes(HashMap::from([
                ("a", HashSet::from(["href"])),
                ("td", HashSet::from(["colspan", "rowspan"])),
                ("th", HashSet::from(["colspan", "rowspan"])),
                ("ol", HashSet::from(["start"])),
            ]))
            .url_schemes(HashSet::from(["http", "https", "mailto"]))
            // A relative link has no base in the console; it would point into the app.
            .url_relative(ammonia::UrlRelative::Deny)
            .link_rel(Some("noopener noreferrer nofollow"))
            .strip_comments(true);
        b
    })
}

/// The HTML with only the allowlist left.
pub fn sanitize(html: &str) -> String {
    builder().clean(html).to_string()
}

/// Elements that start a new line of text (with the headings `h1`–`h6`); the rest are
/// inline.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "tr",
    "td",
    "th",
    "hr",
    "blockquote",
    "pre",
    "dd",
    "dt",
    "ul",
    "ol",
    "table",
    "caption",
];

fn is_block(name: &str) -> bool {
    BLOCKS.contains(&name)
        || (name.len() == 2
            && name.starts_with('h')
            && name[1..].bytes().all(|b| b.is_ascii_digit()))
}

/// The text of sanitized HTML: tags out, entities in, a line break per block. With
/// `inline_space`, inline tags become a space too, so `<b>abandon</b>ability` is seen
/// both as one word and as two.
fn text_of(sanitized: &str, inline_space: bool) -> String {
    let mut out = String::with_capacity(sanitized.len());
    let mut rest = sanitized;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            rest = "";
            break;
        };
        let tag = &rest[open + 1..open + close];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if is_block(&name) {
            out.push('\n');
        } else if inline_space {
            out.push(' ');
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    unescape(&out)
}

/// Text of sanitized HTML with its entities read: the serializer escapes only these.
pub fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// The plain text of customer HTML, for a channel that sent HTML only.
pub fn plain_text(html: &str) -> String {
    text_of(&sanitize(html), false)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// What may be stored of a customer's HTML: the sanitized HTML, or nothing when a secret
/// is anywhere in it (the redacted plain text then stands alone).
pub fn customer_html(html: &str) -> Option<String> {
    let clean = sanitize(html);
    let holds_secret = redact::holds_secret(&clean)
        || redact::holds_secret(&text_of(&clean, false))
        || redact::holds_secret(&text_of(&clean, true));
    (!holds_secret).then_some(clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_markup_is_removed() {
        let dirty = r#"<p onclick="steal()">Hi <b>there</b><script>alert(1)</script>
<style>body{display:none}</style><iframe src="https://evil"></iframe>
<img src="https://tracker/pixel.gif" onerror="x()"><svg><script>1</script></svg>
<a href="javascript:alert(1)">a</a> <a href="data:text/html,x">b</a>
<a href="https://wallet.example/help" target="_blank" style="color:red">help</a>
<form action="https://evil"><input name="seed"></form><!-- comment -->
<div class="x" id="y">end</div></p>"#;
        let clean = sanitize(dirty);
        for gone in [
            "onclick",
            "script",
            "alert",
            "style",
            "display",
            "iframe",
            "img",
            "tracker",
            "onerror",
            "svg",
            "javascript",
            "data:",
            "form",
            "input",
            "comment",
            "class",
            "id=",
            "target",
        ] {
            assert!(!clean.contains(gone), "{gone} must be removed: {clean}");
        }
        assert!(
            clean.contains(
                r#"<a href="https://wallet.example/help" rel="noopener noreferrer nofollow">help</a>"#
            ),
            "safe links stay, with rel: {clean}"
        );
        assert!(clean.contains("<b>there</b>") && clean.contains("end"));
    }

    #[test]
    fn a_secret_anywhere_in_the_html_drops_it() {
        let words =
            "abandon ability able about above absent absorb abstract absurd abuse access accident";
        let split: String = words
            .split(' ')
            .map(|w| format!("<p><b>{w}</b></p>"))
            .collect();
        let xprv = "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi";
        for html in [
            format!("<p>my words: {words}</p>"),
            split,
            format!(r#"<a href="https://x.example/?k={xprv}">link</a>"#),
            format!("<p>私钥</p><p>{}</p>", "e9873d79c6d87dc0fb6a5778633389f4453213303da61f20bd67fc233aa33262"),
            // Each word its own inline element, with no space between them (Chinese
            // needs none): read with the tags as spaces, they are twelve words.
            "的一是在不了有和人这中大".chars().map(|w| format!("<b>{w}</b>")).collect(),
            format!("<p>{}</p>", "请<b>".repeat(12)),
            // Entities do not hide a word.
            "<p>&#97;bandon ability able about above absent absorb abstract absurd abuse access accident</p>".into(),
        ] {
            assert_eq!(customer_html(&html), None, "the HTML must be dropped: {html}");
        }
        let fine = "<p>Hi, my withdrawal is <b>stuck</b>. Tx hash: e9873d79c6d87dc0fb6a5778633389f4453213303da61f20bd67fc233aa33262</p>";
        assert_eq!(
            customer_html(fine).as_deref(),
            Some(fine),
            "ordinary HTML is kept as it was"
        );
    }

    #[test]
    fn plain_text_keeps_lines_and_entities() {
        assert_eq!(
            plain_text("<p>a &lt;b&gt; &amp; c</p><p>第二行<br>third</p><script>x</script>"),
            "a <b> & c\n第二行\nthird"
        );
    }
}
