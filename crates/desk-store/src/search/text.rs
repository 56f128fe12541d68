//! The searchable text of each document, one definition shared by the indexer and the
//! query side: what is indexed is exactly what a hit is checked against and what its
//! snippet shows. Also the character classes (CJK) and case folding both sides agree on.
//!
//! Reads the record tables only; knows nothing of the FTS tables.

use desk_core::KbArticle;
use desk_core::search::{HIGHLIGHT_END, HIGHLIGHT_START};
use rusqlite::{Connection, OptionalExtension};

use crate::Result;

/// Longest text indexed per document, in chars. A pasted 1 MB log would cost the trigram
/// index ~500 bytes per 100 chars for no benefit; matches past this point are not found.
pub(crate) const MAX_DOC_CHARS: usize = 32_768;

/// Between customer fields (name, each email, each handle). A control character, which
/// [`normalize`] removes from queries, so no search term can match across two fields.
pub(crate) const FIELD_SEP: char = '\u{1F}';

/// What kind of record a full-text document stands for. Stored as an integer in
/// `search_docs.kind` and `search_pending.kind`; the numbers are part of the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum DocKind {
    /// `tickets.subject`; the source id is the ticket id.
    Subject = 1,
    /// A message's `body_text` (system events are not indexed: every ticket has the same
    /// ones, so they would only add noise).
    Message = 2,
    /// A customer's name, emails and messenger handles.
    Customer = 3,
    /// A wallet transaction's tx hash.
    Transaction = 4,
    /// One translation of a KB article (DESIGN.md §11): its title and body. The source
    /// id is the article id and the language tag joined by [`FIELD_SEP`] (which neither
    /// holds); the document id lies at or above [`KB_DOCS`].
    Kb = 5,
}

impl DocKind {
    pub(crate) fn from_i64(v: i64) -> Option<Self> {
        Some(match v {
            1 => Self::Subject,
            2 => Self::Message,
            3 => Self::Customer,
            4 => Self::Transaction,
            5 => Self::Kb,
            _ => return None,
        })
    }
}

/// A document's live text, read from its record.
/// KB documents take ids from here up, apart from the record documents below (whose ids
/// are creation times shifted 20 bits: below 2^62 until the year 2109). A ticket search
/// never reads them and a KB search reads nothing else.
pub(crate) const KB_DOCS: i64 = 1 << 62;

/// One translation of a KB article, as searched.
pub(crate) struct KbDoc {
    pub article_id: String,
    pub language: String,
    pub title: String,
    /// Title and body, normalized and joined by [`FIELD_SEP`]: the indexed text.
    pub text: String,
    pub updated_at: i64,
}

/// Reads one translation of a KB article (source id: see [`DocKind::Kb`]); `None` when
/// the article or the translation is gone.
pub(crate) fn kb_doc(conn: &Connection, source_id: &str) -> Result<Option<KbDoc>> {
    let Some((article_id, language)) = source_id.split_once(FIELD_SEP) else {
        return Ok(None);
    };
    let Some(body) = conn
        .prepare_cached("SELECT body FROM kb_articles WHERE id = ?1")?
        .query_row([article_id], |r| r.get::<_, String>(0))
        .optional()?
    else {
        return Ok(None);
    };
    let article: KbArticle = crate::records::parse("KB article", article_id, &body)?;
    Ok(article.translations.get(language).map(|t| KbDoc {
        article_id: article_id.to_owned(),
        language: language.to_owned(),
        title: t.title.clone(),
        text: join_fields(&[t.title.clone(), t.body.clone()]),
        updated_at: article.updated_at,
    }))
}

#[derive(Debug, Clone)]
pub(crate) struct DocSource {
    /// Normalized (see [`normalize`]), at most [`MAX_DOC_CHARS`] chars.
    pub text: String,
    /// When the record was made, for the document's place in recency order.
    pub created_at: i64,
}

/// Reads a document's current text from its record; `None` when the record is gone (or
/// is a kind that is not indexed, such as a system event).
pub(crate) fn doc_source(
    conn: &Connection,
    kind: DocKind,
    source_id: &str,
) -> Result<Option<DocSource>> {
    let row = match kind {
        DocKind::Subject => conn
            .prepare_cached("SELECT subject, created_at FROM tickets WHERE id = ?1")?
            .query_row([source_id], |r| {
                Ok(DocSource {
                    text: normalize(&r.get::<_, String>(0)?),
                    created_at: r.get::<_, Option<i64>>(1)?.unwrap_or(0),
                })
            })
            .optional()?,
        DocKind::Message => conn
            .prepare_cached(concat!(
                "SELECT ",
                crate::records::message_text_sql!(),
                ", m.created_at FROM messages m WHERE m.id = ?1 AND m.kind != 'system_event'"
            ))?
            .query_row([source_id], |r| {
                Ok(DocSource {
                    text: normalize(&r.get::<_, Option<String>>(0)?.unwrap_or_default()),
                    created_at: r.get(1)?,
                })
            })
            .optional()?,
        DocKind::Customer => {
            let row = conn
                .prepare_cached(
                    "SELECT name, json_extract(body, '$.emails'), json_extract(body, '$.handles'),
                         json_extract(body, '$.created_at')
                     FROM customers WHERE id = ?1",
                )?
                .query_row([source_id], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, Option<i64>>(3)?,
                    ))
                })
                .optional()?;
            row.map(|(name, emails, handles, created_at)| {
                let mut fields = vec![name];
                for list in [emails, handles].into_iter().flatten() {
                    // A damaged list only loses its own field: the name stays searchable.
                    fields.extend(serde_json::from_str::<Vec<String>>(&list).unwrap_or_default());
                }
                DocSource {
                    text: join_fields(&fields),
                    created_at: created_at.unwrap_or(0),
                }
            })
        }
        DocKind::Transaction => conn
            .prepare_cached(
                "SELECT json_extract(body, '$.tx_hash'), created_at FROM wallet_transactions
                 WHERE id = ?1",
            )?
            .query_row([source_id], |r| {
                Ok(DocSource {
                    text: normalize(&r.get::<_, Option<String>>(0)?.unwrap_or_default()),
                    created_at: r.get(1)?,
                })
            })
            .optional()?,
        DocKind::Kb => kb_doc(conn, source_id)?.map(|d| DocSource {
            text: d.text,
            created_at: d.updated_at,
        }),
    };
    Ok(row)
}

fn join_fields(fields: &[String]) -> String {
    let mut out = String::new();
    for f in fields
        .iter()
        .map(|f| normalize(f))
        .filter(|f| !f.is_empty())
    {
        if !out.is_empty() {
            out.push(FIELD_SEP);
        }
        out.push_str(&f);
    }
    out.chars().take(MAX_DOC_CHARS).collect()
}

/// The one text form both documents and queries are put in: whitespace runs (and control
/// characters, NUL included) become one space, the ends are trimmed, the highlight markers
/// are removed (so a snippet's markers are always ours), and the length is capped.
/// A phrase typed with one space then matches text that had a line break there.
pub(crate) fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(MAX_DOC_CHARS * 3));
    let mut pending_space = false;
    let mut n = 0;
    for c in s.chars() {
        if c == HIGHLIGHT_START || c == HIGHLIGHT_END {
            continue;
        }
        if c.is_whitespace() || c.is_control() {
            pending_space = !out.is_empty();
            continue;
        }
        if n >= MAX_DOC_CHARS {
            break;
        }
        if pending_space {
            out.push(' ');
            n += 1;
            pending_space = false;
            if n >= MAX_DOC_CHARS {
                break;
            }
        }
        out.push(c);
        n += 1;
    }
    out
}

/// Characters written without spaces between words (terms of one or two of these go to
/// the gram index, which the trigram index cannot answer), and case folding as both sides
/// apply it: one char to one char, so positions in folded text are positions in the
/// original (needed for highlights). The same as the console's suggestions use.
pub(crate) use desk_core::keywords::{fold, is_cjk};

/// The gram index's tokens for a text: every CJK char and every pair of adjacent CJK
/// chars, each once, space-separated. A 1–2 char CJK query is then a single token lookup,
/// and it is exact: a pair is only emitted where the two chars touch in the text.
pub(crate) fn grams(text: &str) -> String {
    let mut seen = std::collections::HashSet::new();
    let mut out = String::new();
    let mut prev: Option<char> = None;
    let mut push = |g: &str, out: &mut String| {
        if seen.insert(g.to_owned()) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(g);
        }
    };
    for c in text.chars() {
        if is_cjk(c) {
            let mut buf = [0u8; 8];
            push(c.encode_utf8(&mut buf), &mut out);
            if let Some(p) = prev {
                let pair: String = [p, c].iter().collect();
                push(&pair, &mut out);
            }
            prev = Some(c);
        } else {
            prev = None;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_collapses_whitespace_and_drops_markers_and_controls() {
        assert_eq!(
            normalize("  funds\n\tnot \0 arrived "),
            "funds not arrived",
            "a phrase typed with single spaces must match text broken across lines"
        );
        assert_eq!(
            normalize("a\u{E000}b\u{E001}c"),
            "abc",
            "markers in content must never reach a snippet"
        );
        let long = "确".repeat(MAX_DOC_CHARS + 10);
        assert_eq!(normalize(&long).chars().count(), MAX_DOC_CHARS, "capped");
    }

    #[test]
    fn grams_are_unigrams_and_touching_pairs_only() {
        assert_eq!(
            grams("确认，退款 ok"),
            "确 认 确认 退 款 退款",
            "no pair across the comma: 认退 is not in the text"
        );
        assert_eq!(grams("锁锁锁"), "锁 锁锁", "each gram once");
        assert_eq!(grams("no chinese"), "", "latin text has no grams");
    }

    #[test]
    fn fold_is_one_char_to_one_char() {
        assert_eq!(fold('A'), 'a', "ASCII is case-insensitive");
        assert_eq!(fold('Ä'), 'ä', "so is simple Unicode case");
        assert_eq!(fold('确'), '确', "CJK has no case");
        assert_eq!(fold('İ'), 'İ', "multi-char lowercase is left alone");
    }
}
