//! The public help center's articles (DESIGN.md §11, "FAQ first, then a person"): the
//! published knowledge-base articles, rendered once and searched in memory.
//!
//! Each instance keeps a snapshot of the published translations, taken from storage at
//! most every [`FRESH_MS`]: a few thousand articles are a few megabytes, read in one query,
//! and every instance sees an edit within seconds without a shared cache. Search is by
//! substring over lower-cased text, every term required: a one- or two-character Chinese
//! query (提币, 手续费) finds what a word index would not, and 5,000 articles are scanned
//! in milliseconds (`cargo xtask bench server` measures it).

use std::sync::{Arc, Mutex};

use desk_core::ops::{KbArticle, KbStatus};

use crate::error::Result;
use crate::storage::Storage;

/// How long a snapshot serves before the next request reads storage again.
pub const FRESH_MS: i64 = 5_000;
/// Most results a search shows.
pub const MAX_RESULTS: usize = 20;
/// Longest query kept, in characters.
pub const MAX_QUERY_CHARS: usize = 100;
/// Most articles suggested on the web form.
pub const MAX_SUGGESTIONS: usize = 5;
/// How much of the message being typed is read for suggestions, in characters.
pub const MAX_SUGGEST_CHARS: usize = 1_000;
/// Most of its words looked for.
const SUGGEST_TERMS: usize = 12;

/// One published translation, ready to search; rendered when it is shown.
#[derive(Debug, Clone)]
pub struct HelpArticle {
    pub id: String,
    pub language: String,
    pub title: String,
    /// As written (Markdown): rendering every article through the allowlist took 2.5 s
    /// for 10,000 translations, a price a snapshot every few seconds cannot pay; a page
    /// renders its one article ([`HelpArticle::html`]).
    markdown: String,
    pub updated_at: i64,
    title_folded: String,
    /// The Markdown lower-cased: its few marks (`**`, `#`, `[…](…)`) sit beside words,
    /// so a substring search finds the same words as in the rendered text.
    text_folded: String,
    /// The first words of the text, marks left out, for result lists.
    pub summary: String,
}

impl HelpArticle {
    /// The article's HTML, through the allowlist (`desk_core::markdown`).
    pub fn html(&self) -> String {
        desk_core::markdown::to_html(&self.markdown)
    }
}

/// The published articles at one moment.
#[derive(Debug, Default)]
pub struct HelpIndex {
    articles: Vec<HelpArticle>,
}

impl HelpIndex {
    /// From stored `kb_article` records: published and not deleted, each translation.
    pub fn build(records: &[String]) -> Self {
        let mut articles = Vec::new();
        for text in records {
            let Ok(a) = serde_json::from_str::<KbArticle>(text) else {
                tracing::warn!("a stored KB article does not decode; left out of the help center");
                continue;
            };
            if a.status != KbStatus::Published || a.deleted_at.is_some() {
                continue;
            }
            for (language, t) in &a.translations {
                articles.push(HelpArticle {
                    id: a.id.clone(),
                    language: language.clone(),
                    title: t.title.clone(),
                    markdown: t.body.clone(),
                    updated_at: a.updated_at,
                    title_folded: t.title.to_lowercase(),
                    text_folded: t.body.to_lowercase(),
                    summary: summary(&t.body),
                });
            }
        }
        // Newest first, as a list without a query shows them.
        articles.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(a.id.cmp(&b.id)));
        Self { articles }
    }

    /// The translation of `id` in `language`, else in another language.
    pub fn article(&self, id: &str, language: &str) -> Option<&HelpArticle> {
        let all: Vec<&HelpArticle> = self.articles.iter().filter(|a| a.id == id).collect();
        all.iter()
            .find(|a| same_language(&a.language, language))
            .or_else(|| all.first())
            .copied()
    }

    /// Articles for `language` (one translation per article, the reader's when there is
    /// one), matching every term of `query` when it has any; best first: terms in the
    /// title before terms only in the text, then the newest.
    pub fn search(&self, query: &str, language: &str) -> Vec<&HelpArticle> {
        let query: String = query.chars().take(MAX_QUERY_CHARS).collect();
        let terms: Vec<String> = query
            .to_lowercase()
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        let mut hits: Vec<(usize, &HelpArticle)> = Vec::new();
        // The reader's language first, so each article is shown in it when it can be.
        let ordered = self
            .articles
            .iter()
            .filter(|a| same_language(&a.language, language))
            .chain(
                self.articles
                    .iter()
                    .filter(|a| !same_language(&a.language, language)),
            );
        for a in ordered {
            if seen.contains(a.id.as_str()) {
                continue;
            }
            let mut in_title = 0;
            let all = terms.iter().all(|t| {
                let title = a.title_folded.contains(t.as_str());
                in_title += usize::from(title);
                title || a.text_folded.contains(t.as_str())
            });
            if all {
                seen.insert(&a.id);
                hits.push((in_title, a));
            }
        }
        // Stable: within a score, the order above (language, then newest) stands.
        hits.sort_by_key(|h| std::cmp::Reverse(h.0));
        hits.into_iter().take(MAX_RESULTS).map(|(_, a)| a).collect()
    }

    /// Articles that may answer what a customer is typing on the web form, before they
    /// send it ("FAQ first, then a person"): the telling words of `subject` and `message`
    /// (`desk_core::keywords`), each weighted by how rare it is among the translations in
    /// the reader's language (else all), a word in the title counting double. At most
    /// [`MAX_SUGGESTIONS`], best first; none when no rare enough word matches, so a
    /// "hello" suggests nothing.
    pub fn suggest(&self, subject: &str, message: &str, language: &str) -> Vec<&HelpArticle> {
        let subject: String = subject.chars().take(MAX_QUERY_CHARS).collect();
        let message: String = message.chars().take(MAX_SUGGEST_CHARS).collect();
        let terms = desk_core::keywords::key_terms(&[(&subject, 2), (&message, 1)], SUGGEST_TERMS);
        if terms.is_empty() {
            return Vec::new();
        }
        let mut pool: Vec<&HelpArticle> = self
            .articles
            .iter()
            .filter(|a| same_language(&a.language, language))
            .collect();
        if pool.is_empty() {
            pool = self.articles.iter().collect();
        }
        // Which terms each translation holds (in its title: counted twice), and in how
        // many translations each term is.
        let mut df = vec![0usize; terms.len()];
        let held: Vec<Vec<(usize, bool)>> = pool
            .iter()
            .map(|a| {
                let mut found = Vec::new();
                for (i, t) in terms.iter().enumerate() {
                    let in_title = a.title_folded.contains(&t.text);
                    if in_title || a.text_folded.contains(&t.text) {
                        df[i] += 1;
                        found.push((i, in_title));
                    }
                }
                found
            })
            .collect();
        let n = pool.len() as f64;
        // A word in half the articles or more tells nothing about any one of them.
        let weight: Vec<f64> = df
            .iter()
            .map(|&d| {
                if d == 0 || d as f64 * 2.0 >= n {
                    0.0
                } else {
                    (n / d as f64).ln()
                }
            })
            .collect();
        let mut scored: Vec<(f64, &HelpArticle)> = pool
            .iter()
            .zip(&held)
            .filter_map(|(a, found)| {
                let score: f64 = found
                    .iter()
                    .map(|&(i, in_title)| weight[i] * if in_title { 2.0 } else { 1.0 })
                    .sum();
                (score > 0.0).then_some((score, *a))
            })
            .collect();
        // Stable: within a score the snapshot's order (newest first) stands.
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut seen = std::collections::HashSet::new();
        scored
            .into_iter()
            .filter(|(_, a)| seen.insert(a.id.as_str()))
            .take(MAX_SUGGESTIONS)
            .map(|(_, a)| a)
            .collect()
    }

    pub fn len(&self) -> usize {
        self.articles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.articles.is_empty()
    }
}

fn same_language(a: &str, b: &str) -> bool {
    let base = |t: &str| t.split('-').next().unwrap_or("").to_ascii_lowercase();
    base(a) == base(b)
}

/// The first 140 characters of the words, Markdown's marks and link targets left out
/// (a rough cut: the summary is a hint, the page shows the real thing).
fn summary(markdown: &str) -> String {
    let mut plain = String::with_capacity(markdown.len().min(1024));
    let mut in_target = false;
    let mut prev = ' ';
    for c in markdown.chars().take(2000) {
        match c {
            '(' if prev == ']' => in_target = true,
            ')' if in_target => in_target = false,
            _ if in_target => {}
            '*' | '_' | '#' | '`' | '[' | ']' | '>' | '|' | '<' => {}
            c => plain.push(c),
        }
        prev = c;
    }
    let flat = plain.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(140) {
        Some((at, _)) => format!("{}…", &flat[..at]),
        None => flat,
    }
}

/// This instance's snapshot, read again from storage once it is older than [`FRESH_MS`].
/// Only the first request waits for it; after that a stale snapshot is answered while one
/// background task reads the next (a snapshot of 5,000 articles takes ~0.2 s).
#[derive(Default)]
pub struct HelpCache {
    snapshot: Mutex<Option<(i64, Arc<HelpIndex>)>>,
    refreshing: std::sync::atomic::AtomicBool,
}

impl HelpCache {
    pub async fn get(&self, state: &crate::state::AppState) -> Result<Arc<HelpIndex>> {
        use std::sync::atomic::Ordering;
        let now = state.now_ms();
        let current = self.snapshot.lock().expect("help cache").clone();
        match current {
            Some((at, index)) if now - at < FRESH_MS => Ok(index),
            Some((_, index)) => {
                if !self.refreshing.swap(true, Ordering::AcqRel) {
                    let state = state.clone();
                    tokio::spawn(async move {
                        let cache = state.help();
                        if let Err(e) = cache.refresh(state.storage(), state.now_ms()).await {
                            tracing::warn!(error = %e, "help center: articles could not be read again");
                        }
                        cache.refreshing.store(false, Ordering::Release);
                    });
                }
                Ok(index)
            }
            None => self.refresh(state.storage(), now).await,
        }
    }

    async fn refresh(&self, storage: &dyn Storage, now: i64) -> Result<Arc<HelpIndex>> {
        let records = storage.stored_records("kb_article").await?;
        let index = Arc::new(HelpIndex::build(&records));
        *self.snapshot.lock().expect("help cache") = Some((now, index.clone()));
        Ok(index)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use desk_core::ops::KbTranslation;

    use super::*;

    fn article(id: &str, at: i64, status: KbStatus, translations: &[(&str, &str, &str)]) -> String {
        serde_json::to_string(&KbArticle {
            id: id.into(),
            translations: translations
                .iter()
                .map(|(l, t, b)| {
                    (
                        (*l).to_owned(),
                        KbTranslation {
                            title: (*t).into(),
                            body: (*b).into(),
                        },
                    )
                })
                .collect::<BTreeMap<_, _>>(),
            tags: vec![],
            categories: vec![],
            updated_at: at,
            status,
            deleted_at: None,
        })
        .unwrap()
    }

    #[test]
    fn short_chinese_queries_find_articles_in_the_readers_language_first() {
        let index = HelpIndex::build(&[
            article(
                "confirm",
                1,
                KbStatus::Published,
                &[
                    (
                        "zh-CN",
                        "如何确认提币",
                        "打开 App，在**提币记录**中点击确认。",
                    ),
                    (
                        "en",
                        "Confirming a withdrawal",
                        "Open the app and tap **Confirm**.",
                    ),
                ],
            ),
            article(
                "fees",
                2,
                KbStatus::Published,
                &[("zh-CN", "手续费说明", "提币手续费按网络收取。")],
            ),
            article(
                "draft",
                3,
                KbStatus::Draft,
                &[("zh-CN", "草稿：提币", "未发布")],
            ),
        ]);
        assert_eq!(index.len(), 3, "the draft is not in the help center");
        let ids = |hits: Vec<&HelpArticle>| -> Vec<(String, String)> {
            hits.iter()
                .map(|a| (a.id.clone(), a.language.clone()))
                .collect()
        };
        assert_eq!(
            ids(index.search("提币", "zh-CN")),
            [
                ("confirm".to_owned(), "zh-CN".to_owned()),
                ("fees".to_owned(), "zh-CN".to_owned())
            ],
            "a two-character query; the title match first"
        );
        assert_eq!(
            ids(index.search("费", "zh-CN")),
            [("fees".to_owned(), "zh-CN".to_owned())]
        );
        assert_eq!(
            ids(index.search("confirm", "en")),
            [("confirm".to_owned(), "en".to_owned())],
            "one translation per article, the reader's"
        );
        assert!(
            index.search("提币 比特币", "zh-CN").is_empty(),
            "every term is required"
        );
        assert_eq!(
            index.search("", "en").len(),
            2,
            "no query lists every article"
        );
        assert_eq!(index.article("fees", "en").unwrap().language, "zh-CN");
        assert!(index.article("draft", "zh-CN").is_none());
    }

    #[test]
    fn what_a_customer_types_suggests_the_articles_its_rare_words_point_to() {
        let index = HelpIndex::build(&[
            article(
                "confirm",
                1,
                KbStatus::Published,
                &[
                    ("zh-CN", "提币等待确认", "打开钱包，在提币记录中点击确认。"),
                    (
                        "en",
                        "Withdrawal awaiting confirmation",
                        "Open the wallet and tap Confirm.",
                    ),
                ],
            ),
            article(
                "arrival",
                2,
                KbStatus::Published,
                &[
                    ("zh-CN", "充值未到账", "打开钱包，查询交易哈希。"),
                    (
                        "en",
                        "Deposit not arrived",
                        "Open the wallet and look the hash up.",
                    ),
                ],
            ),
            article(
                "lock",
                3,
                KbStatus::Published,
                &[
                    ("zh-CN", "账户被锁定", "打开钱包，完成身份验证。"),
                    (
                        "en",
                        "Account locked",
                        "Open the wallet and verify your identity.",
                    ),
                ],
            ),
            article(
                "draft",
                4,
                KbStatus::Draft,
                &[("zh-CN", "充值未到账（草稿）", "充值 未到账")],
            ),
        ]);
        let ids = |hits: Vec<&HelpArticle>| -> Vec<String> {
            hits.iter()
                .map(|a| format!("{}/{}", a.id, a.language))
                .collect()
        };
        let zh = ids(index.suggest(
            "充值一直没到账",
            "你好，昨天充值的USDT还没有到账，怎么办？",
            "zh-CN",
        ));
        assert_eq!(
            zh.first().map(String::as_str),
            Some("arrival/zh-CN"),
            "{zh:?}"
        );
        assert!(
            !zh.iter().any(|h| h.starts_with("draft")),
            "never a draft: {zh:?}"
        );
        let en = ids(index.suggest("", "My deposit has not arrived yet", "en"));
        assert_eq!(en.first().map(String::as_str), Some("arrival/en"), "{en:?}");
        assert!(
            index
                .suggest("Hello", "thanks, please help", "en")
                .is_empty(),
            "nothing telling, nothing suggested"
        );
        assert!(
            index.suggest("wallet", "open the wallet", "en").is_empty(),
            "a word in every article tells nothing"
        );
        assert_eq!(
            ids(index.suggest("", "账户被锁定了", "fr"))
                .first()
                .map(String::as_str),
            Some("lock/zh-CN"),
            "no translation in the reader's language: every one is looked at"
        );
    }
}
