//! Knowledge-base articles are Markdown (DESIGN.md §11). They are rendered to HTML here,
//! once for the help center and the console alike, and the HTML then passes the same
//! allowlist as customer mail (`crate::sanitize`): an article is written by a supervisor,
//! but copied from anywhere, and a help center page is public.
//!
//! HTML written inside the Markdown is shown as the text it is, never passed through: the
//! allowlist would keep its harmless tags, but an article that looks different in the
//! editor than on the page is a trap for its writer.

use pulldown_cmark::{Event, Options, Parser, html};

/// The article's HTML, safe to show: CommonMark with tables and strikethrough; raw HTML
/// escaped; links only `http`, `https` and `mailto`, with `rel="noopener noreferrer
/// nofollow"`; no images from anywhere (their only source would be outside the app).
pub fn to_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    crate::sanitize::sanitize(&out)
}

/// The article as plain text (for snippets and search).
pub fn to_text(markdown: &str) -> String {
    crate::sanitize::plain_text(&to_html(markdown))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_renders_and_hostile_content_stays_inert() {
        let html = to_html(
            "# 确认提币\n\n打开 **App** → [指南](https://help.wallet.example/confirm)\n\n- 一\n- 二",
        );
        assert!(html.contains("<h1>确认提币</h1>"), "{html}");
        assert!(html.contains("<strong>App</strong>"), "{html}");
        assert!(
            html.contains(r#"<a href="https://help.wallet.example/confirm" rel="noopener noreferrer nofollow">指南</a>"#),
            "{html}"
        );
        for hostile in [
            "<script>alert(1)</script>",
            "[x](javascript:alert(1))",
            "<img src=x onerror=alert(1)>",
            "![pic](https://evil.example/track.png)",
            "<a href=\"https://evil.example\" onclick=\"x()\">y</a>",
            "[rel](/internal/path)",
        ] {
            let html = to_html(hostile);
            // Only real tags matter: escaped text may say anything.
            let tags: Vec<String> = html
                .split('<')
                .skip(1)
                .map(|t| t.split('>').next().unwrap_or("").to_lowercase())
                .collect();
            for tag in &tags {
                assert!(
                    !tag.starts_with("script")
                        && !tag.starts_with("img")
                        && !tag.contains("javascript:")
                        && !tag.contains(" on")
                        && !tag.contains("href=\"/"),
                    "{hostile:?} rendered as {html}"
                );
            }
        }
        assert!(
            to_html("<b>bold?</b>").contains("&lt;b&gt;bold?&lt;/b&gt;"),
            "raw HTML shows as text"
        );
        assert_eq!(
            to_text("**粗体** 和 [链接](https://a.example)").trim(),
            "粗体 和 链接"
        );
    }
}
