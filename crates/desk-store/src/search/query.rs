//! The search box's language, parsed by hand into terms and then into FTS5 expressions in
//! which every term is a double-quoted string (inner `"` doubled). FTS5 operators typed by
//! the agent (`OR`, `NEAR(`, `-`, `^`, `col:`, `*` mid-word) are therefore plain text, and
//! no input can make the expression invalid.
//!
//! Pure: no SQLite, no I/O.

use super::text::{fold, is_cjk, normalize};

/// Longest query read, in chars; the rest is ignored (a pasted 10k-char text is not a
/// useful query, and each char of a term is a trigram the index must intersect).
pub(crate) const MAX_QUERY_CHARS: usize = 256;
/// Most terms used; later ones are ignored.
pub(crate) const MAX_TERMS: usize = 16;
/// Longest part of a term the trigram index is asked for. A pasted tx hash is 64+ chars:
/// a phrase of 62 trigrams whose doc lists all grow with the number of transactions.
/// The first 32 chars already single it out; the whole term is still checked against
/// each document's text before it counts as a hit.
const MAX_INDEXED_TERM_CHARS: usize = 32;

/// How a term is looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TermKind {
    /// Three or more chars: the trigram index, which matches any substring.
    Substring,
    /// One or two CJK chars: a single token of the gram index.
    Gram,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Term {
    /// Normalized, as typed (case kept), without a trailing `*`.
    pub text: String,
    /// `text` case-folded, for checking and highlighting.
    pub folded: String,
    pub kind: TermKind,
}

/// A parsed query: the terms that take part (all must match one document).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    pub terms: Vec<Term>,
    /// The used terms joined by a space, folded: a document containing it verbatim is an
    /// exact phrase match and ranks first.
    pub phrase: String,
}

impl Plan {
    pub(crate) fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The FTS5 expression for the trigram table, or `None` when no term needs it.
    pub(crate) fn text_expr(&self) -> Option<String> {
        expr(self.terms.iter().filter(|t| t.kind == TermKind::Substring))
    }

    /// The FTS5 expression for the gram table, or `None` when no term needs it.
    pub(crate) fn gram_expr(&self) -> Option<String> {
        expr(self.terms.iter().filter(|t| t.kind == TermKind::Gram))
    }
}

fn expr<'a>(terms: impl Iterator<Item = &'a Term>) -> Option<String> {
    let parts: Vec<String> = terms
        .map(|t| {
            let head: String = t.text.chars().take(MAX_INDEXED_TERM_CHARS).collect();
            quote(&head)
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" AND "))
}

/// An FTS5 string literal: the only escape FTS5 strings have is a doubled quote.
pub(crate) fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Punctuation trimmed from the ends of an unquoted word: what sentences put around words
/// ("withdrawal," "（退款）"), never what identifiers end with (emails, hashes, handles).
fn is_edge_punct(c: char) -> bool {
    matches!(
        c,
        ',' | ';'
            | ':'
            | '!'
            | '?'
            | '.'
            | '('
            | ')'
            | '['
            | ']'
            | '{'
            | '}'
            | '<'
            | '>'
            | '\''
            | '*'
            | '，'
            | '。'
            | '；'
            | '：'
            | '！'
            | '？'
            | '、'
            | '（'
            | '）'
            | '【'
            | '】'
            | '《'
            | '》'
            | '「'
            | '」'
            | '“'
            | '”'
            | '‘'
            | '’'
    )
}

/// Splits the box's text into raw terms: `"..."` is one phrase (an unclosed quote runs to
/// the end), anything else splits on whitespace. A trailing `*` (prefix) is dropped: the
/// trigram index matches substrings, so `withdr*` and `withdr` both find "withdrawal".
fn split(input: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut phrase = String::new();
            for c in chars.by_ref() {
                if c == '"' {
                    break;
                }
                phrase.push(c);
            }
            out.push(phrase);
        } else {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == '"' {
                    break;
                }
                word.push(c);
                chars.next();
            }
            out.push(word.trim_matches(is_edge_punct).to_owned());
        }
    }
    out
}

/// Parses what the agent typed. Never fails: what cannot be looked up is skipped.
///
/// - 3+ chars: a substring term (any script; spaces inside a phrase count).
/// - 1–2 chars, all CJK: a gram term (确认, 锁).
/// - 1–2 chars otherwise ("to", "ID", "U盾"): skipped. The trigram index cannot look
///   them up, a scan is too slow at millions of messages (DESIGN.md §5), and English
///   words that short narrow nothing.
pub(crate) fn parse(input: &str) -> Plan {
    let head: String = input.chars().take(MAX_QUERY_CHARS).collect();
    let mut plan = Plan::default();
    for raw in split(&head) {
        let text = normalize(&raw);
        let n = text.chars().count();
        let kind = if n >= 3 {
            TermKind::Substring
        } else if n > 0 && text.chars().all(is_cjk) {
            TermKind::Gram
        } else {
            continue;
        };
        let folded: String = text.chars().map(fold).collect();
        if plan.terms.iter().any(|t| t.folded == folded) {
            continue;
        }
        plan.terms.push(Term { text, folded, kind });
        if plan.terms.len() == MAX_TERMS {
            break;
        }
    }
    plan.phrase = plan
        .terms
        .iter()
        .map(|t| t.folded.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(q: &str) -> Vec<(String, TermKind)> {
        parse(q)
            .terms
            .into_iter()
            .map(|t| (t.text, t.kind))
            .collect()
    }

    #[test]
    fn words_phrases_prefixes_and_chinese() {
        use TermKind::*;
        assert_eq!(
            terms(r#"withdr* "funds  not arrived" 确认 锁 交易未确认"#),
            vec![
                ("withdr".into(), Substring),
                ("funds not arrived".into(), Substring),
                ("确认".into(), Gram),
                ("锁".into(), Gram),
                ("交易未确认".into(), Substring),
            ],
            "each kind of term the box understands, in order"
        );
    }

    #[test]
    fn short_latin_terms_are_skipped_and_duplicates_dropped() {
        assert!(
            parse("to be or").terms.is_empty(),
            "1–2 letter words skipped"
        );
        assert_eq!(parse("USDT usdt").terms.len(), 1, "case-insensitive dedupe");
        assert!(
            parse("").is_empty() && parse("   \"\"  ").is_empty(),
            "nothing typed, nothing searched"
        );
    }

    #[test]
    fn identifiers_keep_their_punctuation_sentences_lose_theirs() {
        let first = |q| terms(q)[0].0.clone();
        assert_eq!(
            first("alice@example.com"),
            "alice@example.com",
            "emails as-is"
        );
        assert_eq!(first("telegram:@alice"), "telegram:@alice", "handles as-is");
        assert_eq!(
            first("withdrawal,"),
            "withdrawal",
            "a sentence comma is not searched"
        );
        assert_eq!(first("（退款）"), "退款", "nor full-width brackets");
    }

    #[test]
    fn fts_operators_become_quoted_text() {
        let p = parse(r#"NEAR( a"b OR -x ^col: "un"balanced"#);
        let e = p.text_expr().unwrap();
        assert!(e.starts_with("\"NEAR\""), "operators are strings: {e}");
        assert!(
            p.terms.iter().all(|t| !t.text.contains('"')),
            "quotes delimit phrases"
        );
        assert_eq!(quote(r#"a"b"#), r#""a""b""#, "the only FTS5 escape");
    }

    #[test]
    fn long_terms_ask_the_index_for_their_head_only() {
        let hash = format!("0x{}", "ab".repeat(32));
        let p = parse(&hash);
        assert_eq!(
            p.terms[0].text, hash,
            "the whole hash is what hits are checked for"
        );
        assert_eq!(
            p.text_expr().unwrap(),
            format!("\"{}\"", &hash[..MAX_INDEXED_TERM_CHARS]),
            "the index only narrows"
        );
    }

    #[test]
    fn huge_queries_are_cut() {
        let p = parse(&"x".repeat(10_000));
        assert_eq!(
            p.terms[0].text.chars().count(),
            MAX_QUERY_CHARS,
            "a pasted wall of text is cut, not an error"
        );
        let many: String = (0..100).map(|i| format!("term{i} ")).collect();
        assert_eq!(
            parse(&many).terms.len(),
            MAX_TERMS,
            "so is a flood of words"
        );
    }
}
