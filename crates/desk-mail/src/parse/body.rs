//! The body's text: plain text parts (`format=flowed` joined again), or text made from the
//! HTML when a mail has no plain part, with the quoted history that HTML clients mark
//! (Gmail's `gmail_quote`, Thunderbird's `moz-cite-prefix`, Apple's `<blockquote
//! type="cite">`, Outlook's `divRplyFwdMsg`) cut off before the conversion.

use mail_parser::{Message, MimeHeaders, PartType};

pub(crate) struct Body {
    /// Text as the mail gives it; history the HTML marked is already cut off.
    pub text: String,
    /// The history cut off the HTML, as text.
    pub html_history: Option<String>,
    /// The HTML parts as sent.
    pub html: Option<String>,
}

pub(crate) fn extract(message: &Message<'_>) -> Body {
    let mut text = String::new();
    let mut history = String::new();
    for &id in &message.text_body {
        let Some(part) = message.parts.get(id as usize) else {
            continue;
        };
        let piece = match &part.body {
            PartType::Text(t) => {
                let flowed = part.content_type().is_some_and(|ct| {
                    ct.attribute("format")
                        .is_some_and(|f| f.eq_ignore_ascii_case("flowed"))
                });
                if flowed {
                    let delsp = part.content_type().is_some_and(|ct| {
                        ct.attribute("delsp")
                            .is_some_and(|d| d.eq_ignore_ascii_case("yes"))
                    });
                    unflow(t, delsp)
                } else {
                    normalize_newlines(t)
                }
            }
            PartType::Html(h) => {
                let (new, old) = split_html_history(h);
                if let Some(old) = old {
                    push_paragraph(&mut history, &html_to_text(old));
                }
                html_to_text(new)
            }
            _ => continue,
        };
        push_paragraph(&mut text, &piece);
    }
    if text.trim().is_empty() {
        // A body part whose transfer encoding could not be undone is handed over as an
        // attachment; its raw text is still the best there is of what was written.
        if let Some(raw) = undecodable_body(message) {
            text = normalize_newlines(raw.trim());
        }
    }
    let html: Vec<&str> = message
        .html_body
        .iter()
        .filter_map(|&id| match &message.parts.get(id as usize)?.body {
            PartType::Html(h) => Some(h.as_ref()),
            _ => None,
        })
        .collect();
    Body {
        text,
        html_history: (!history.trim().is_empty()).then_some(history),
        html: (!html.is_empty()).then(|| html.join("\n")),
    }
}

/// The first text part that is no declared attachment and failed to decode.
fn undecodable_body<'a>(message: &'a Message<'_>) -> Option<&'a str> {
    message.attachments.iter().find_map(|&id| {
        let part = message.parts.get(id as usize)?;
        let declared = part.attachment_name().is_some()
            || part
                .content_disposition()
                .is_some_and(|d| d.is_attachment());
        match &part.body {
            PartType::Text(t) if part.is_encoding_problem && !declared => Some(t.as_ref()),
            _ => None,
        }
    })
}

fn push_paragraph(out: &mut String, piece: &str) {
    let piece = piece.trim_end();
    if piece.trim().is_empty() {
        return;
    }
    if !out.is_empty() {
        out.push_str("\n\n");
    }
    out.push_str(piece);
}

fn normalize_newlines(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// RFC 3676: a line ending in a space continues on the next one (the space dropped too
/// when `DelSp=yes`); quote depth (`>`) and space-stuffing are kept apart from that, and
/// the signature separator `-- ` is never joined.
pub(crate) fn unflow(text: &str, delsp: bool) -> String {
    let text = normalize_newlines(text);
    let mut out = String::with_capacity(text.len());
    let mut open: Option<usize> = None; // quote depth of a paragraph still being joined
    for raw in text.split('\n') {
        let depth = raw.bytes().take_while(|&b| b == b'>').count();
        let mut line = &raw[depth..];
        if let Some(stuffed) = line.strip_prefix(' ') {
            line = stuffed;
        }
        if open.is_some_and(|d| d != depth) {
            out.push('\n');
            open = None;
        }
        if open.is_none() && depth > 0 {
            out.push_str(&">".repeat(depth));
            out.push(' ');
        }
        let soft = line.ends_with(' ') && line != "-- ";
        if soft {
            out.push_str(if delsp { &line[..line.len() - 1] } else { line });
            open = Some(depth);
        } else {
            out.push_str(line);
            out.push('\n');
            open = None;
        }
    }
    while out.ends_with('\n') {
        out.pop();
    }
    out
}

/// Class or id values that mark the start of the quoted history in HTML replies.
const HISTORY_MARKERS: &[&str] = &[
    "gmail_quote",
    "yahoo_quoted",
    "moz-cite-prefix",
    "divRplyFwdMsg",
    "appendonsend",
    "mail-editor-reference-message-container",
    "OLK_SRC_BODY_SECTION",
];

/// The HTML before the quoted history, and the history, split at the start of the tag
/// that marks it.
pub(crate) fn split_html_history(html: &str) -> (&str, Option<&str>) {
    let lower = html.to_ascii_lowercase();
    let mut cut: Option<usize> = None;
    for marker in HISTORY_MARKERS {
        let marker = marker.to_ascii_lowercase();
        let mut from = 0;
        while let Some(pos) = lower[from..].find(&marker) {
            let at = from + pos;
            if let Some(start) = enclosing_tag_start(&lower, at) {
                cut = Some(cut.map_or(start, |c| c.min(start)));
                break;
            }
            from = at + marker.len();
        }
    }
    let mut from = 0;
    while let Some(pos) = lower[from..].find("<blockquote") {
        let at = from + pos;
        let tag_end = lower[at..].find('>').map_or(lower.len(), |e| at + e);
        if lower[at..tag_end].contains("cite") {
            cut = Some(cut.map_or(at, |c| c.min(at)));
            break;
        }
        from = at + 1;
    }
    match cut {
        Some(at) => (&html[..at], Some(&html[at..])),
        None => (html, None),
    }
}

/// The `<` of the tag `at` lies inside, if it lies inside one.
fn enclosing_tag_start(html: &str, at: usize) -> Option<usize> {
    let before = &html[..at];
    let open = before.rfind('<')?;
    (!before[open..].contains('>')).then_some(open)
}

/// Elements that end a line of text.
const BLOCK: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tr",
    "ul",
];
/// Elements whose content is not text for people.
const HIDDEN: &[&str] = &["head", "script", "style", "template", "title"];

/// Plain text of an HTML body: block elements end lines, whitespace collapses, entities
/// decode, scripts and styles vanish. Not a renderer, a reading aid: the server keeps the
/// sanitized HTML for display.
pub(crate) fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut hidden: Option<&str> = None;
    let mut pending_space = false;
    let mut rest = html;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |e| &after[e + 3..]);
            continue;
        }
        if rest.starts_with('<') {
            let end = rest.find('>').map_or(rest.len(), |e| e + 1);
            let tag = rest[1..end].strip_suffix('>').unwrap_or(&rest[1..end]);
            rest = &rest[end..];
            let closing = tag.starts_with('/');
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            if let Some(h) = hidden {
                if closing && name == h {
                    hidden = None;
                }
                continue;
            }
            if !closing && let Some(h) = HIDDEN.iter().find(|h| **h == name) {
                hidden = Some(h);
                continue;
            }
            if BLOCK.contains(&name.as_str()) {
                if name == "br" || !out.ends_with('\n') {
                    out.push('\n');
                }
                pending_space = false;
            } else if matches!(name.as_str(), "td" | "th") && !closing {
                pending_space = true;
            }
            continue;
        }
        let end = rest.find('<').unwrap_or(rest.len());
        let chunk = &rest[..end];
        rest = &rest[end..];
        if hidden.is_some() {
            continue;
        }
        let decoded = decode_entities(chunk);
        // Runs of whitespace collapse to one space; a no-break space is kept as a space.
        for (n, word) in decoded
            .split(|c: char| c.is_whitespace() && c != '\u{a0}')
            .enumerate()
        {
            if n > 0 {
                pending_space = true;
            }
            if word.is_empty() {
                continue;
            }
            if pending_space && !out.is_empty() && !out.ends_with(['\n', ' ']) {
                out.push(' ');
            }
            out.push_str(&word.replace('\u{a0}', " "));
            pending_space = false;
        }
    }
    tidy_lines(&out)
}

fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let entity_len = rest[1..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
            .map(|n| n + 1);
        match entity_len {
            Some(n) if n > 1 && n <= 33 && rest[n..].starts_with(';') => {
                mail_parser::decoders::html::add_html_token(
                    &mut out,
                    &rest.as_bytes()[..=n],
                    false,
                );
                rest = &rest[n + 1..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Trailing spaces off each line, at most one blank line in a row, none at either end.
fn tidy_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.trim().is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(line.trim_start_matches(' '));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flowed_lines_join_and_keep_quotes_apart() {
        let text = "This is a long \r\nparagraph.\r\n> quoted \r\n> more\r\n-- \r\nsig";
        assert_eq!(
            unflow(text, false),
            "This is a long paragraph.\n> quoted more\n-- \nsig"
        );
        assert_eq!(
            unflow("ab \r\ncd", true),
            "abcd",
            "DelSp=yes drops the soft space"
        );
        assert_eq!(
            unflow("  stuffed", false),
            " stuffed",
            "one stuffing space goes"
        );
    }

    #[test]
    fn html_becomes_readable_text() {
        let html = "<html><head><style>p{}</style><title>t</title></head><body>\
            <p>Hello&nbsp;<b>there</b>,</p><div>line&amp;two<br>three</div>\
            <script>alert(1)</script><!-- note --><ul><li>a</li><li>b</li></ul>\
            <table><tr><td>x</td><td>y</td></tr></table>中文&#x4e2d;&unknown;</body></html>";
        assert_eq!(
            html_to_text(html),
            "Hello there,\nline&two\nthree\na\nb\nx y\n中文中&unknown;"
        );
    }

    #[test]
    fn html_history_is_cut_at_its_marker() {
        let html = "<div>new</div><div class=\"gmail_quote\"><div class=\"gmail_attr\">On x wrote:</div><blockquote>old</blockquote></div>";
        let (new, old) = split_html_history(html);
        assert_eq!(new, "<div>new</div>");
        assert!(old.unwrap().contains("old"));
        let (new, old) = split_html_history("<p>hi</p><blockquote type=\"cite\">old</blockquote>");
        assert_eq!((new, old.is_some()), ("<p>hi</p>", true));
        let (new, old) = split_html_history("<p>gmail_quote is just a word</p>");
        assert!(
            old.is_none() && new.contains("word"),
            "text is not a marker"
        );
    }
}
