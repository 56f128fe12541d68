//! KB search: each translation found on its own, in the agent's language first, apart
//! from ticket search, following edits.

use std::collections::BTreeMap;

use desk_core::search::{HIGHLIGHT_END, HIGHLIGHT_START, KbHit, KbSearchQuery};
use desk_core::wire::Change;
use desk_core::{KbArticle, KbTranslation};
use desk_store::Store;

use super::{index_all, indexed_desk, search};

fn article(id: &str, updated_at: i64, translations: &[(&str, &str, &str)]) -> KbArticle {
    KbArticle {
        id: id.into(),
        translations: translations
            .iter()
            .map(|(lang, title, body)| {
                (
                    lang.to_string(),
                    KbTranslation {
                        title: title.to_string(),
                        body: body.to_string(),
                    },
                )
            })
            .collect::<BTreeMap<_, _>>(),
        tags: vec![],
        categories: vec![],
        updated_at,
        status: desk_core::ops::KbStatus::Published,
        deleted_at: None,
    }
}

fn kb() -> Vec<Change> {
    vec![
        Change::KbArticle(article(
            "kb-confirm",
            2_000,
            &[
                (
                    "zh-CN",
                    "提币等待确认怎么办",
                    "在钱包里打开交易详情，点击**确认**按钮。大额提币需要人工审核。",
                ),
                (
                    "en",
                    "Withdrawal awaiting confirmation",
                    "Open the transaction in the wallet and press **Confirm**. Large withdrawals are reviewed.",
                ),
            ],
        )),
        Change::KbArticle(article(
            "kb-lock",
            1_000,
            &[
                (
                    "zh-CN",
                    "账户被锁定",
                    "风控锁定后请完成身份验证，不要向任何人提供助记词。",
                ),
                (
                    "en",
                    "Account locked",
                    "Complete identity verification. Never share your seed phrase.",
                ),
            ],
        )),
        Change::KbArticle(article(
            "kb-fees",
            3_000,
            &[(
                "en",
                "Network fees",
                "Fees depend on the chain; a confirmation takes minutes.",
            )],
        )),
    ]
}

fn kb_search(store: &Store, text: &str, language: Option<&str>) -> Vec<KbHit> {
    store
        .search_kb(&KbSearchQuery {
            text: text.into(),
            language: language.map(Into::into),
            limit: 20,
        })
        .unwrap()
}

fn found(hits: &[KbHit]) -> Vec<(&str, &str)> {
    hits.iter()
        .map(|h| (h.article_id.as_str(), h.language.as_str()))
        .collect()
}

fn with_kb() -> (tempfile::TempDir, Store) {
    let (dir, mut store) = indexed_desk();
    store.apply_pull_page(&kb(), "2").unwrap();
    index_all(&mut store);
    (dir, store)
}

#[test]
fn chinese_and_english_find_their_translation_with_title_and_highlight() {
    let (_dir, store) = with_kb();
    let hits = kb_search(&store, "确认", None);
    assert_eq!(
        found(&hits),
        [("kb-confirm", "zh-CN")],
        "a 2-char Chinese query"
    );
    assert_eq!(hits[0].title, "提币等待确认怎么办");
    assert!(
        hits[0]
            .snippet
            .contains(&format!("{HIGHLIGHT_START}确认{HIGHLIGHT_END}")),
        "{}",
        hits[0].snippet
    );
    assert_eq!(
        found(&kb_search(&store, "锁", None)),
        [("kb-lock", "zh-CN")],
        "1 char"
    );
    assert_eq!(
        found(&kb_search(&store, "seed phrase", None)),
        [("kb-lock", "en")],
        "English words"
    );
    assert_eq!(
        found(&kb_search(&store, "\"identity verification\"", None)),
        [("kb-lock", "en")],
        "a phrase"
    );
    assert!(
        kb_search(&store, "退款", None).is_empty(),
        "no article mentions it"
    );
}

#[test]
fn exact_phrase_then_the_asked_language_then_recency() {
    let (_dir, mut store) = with_kb();
    store
        .apply_pull_page(
            &[Change::KbArticle(article(
                "kb-usdt",
                500,
                &[
                    (
                        "zh-CN",
                        "USDT 提币",
                        "TRON 链上的 USDT 提币需要 19 个区块确认（withdrawals of USDT）。",
                    ),
                    (
                        "en",
                        "USDT withdrawals",
                        "USDT on TRON needs 19 block confirmations.",
                    ),
                ],
            ))],
            "3",
        )
        .unwrap();
    index_all(&mut store);
    assert_eq!(
        found(&kb_search(&store, "usdt", Some("zh-CN"))),
        [("kb-usdt", "zh-CN"), ("kb-usdt", "en")],
        "the customer's language first"
    );
    assert_eq!(
        found(&kb_search(&store, "usdt", Some("en"))),
        [("kb-usdt", "en"), ("kb-usdt", "zh-CN")]
    );
    // "confirmation" is in kb-confirm's en title, kb-fees' body and kb-usdt's en body.
    assert_eq!(
        found(&kb_search(&store, "confirmation", None)),
        [("kb-fees", "en"), ("kb-confirm", "en"), ("kb-usdt", "en")],
        "most recently updated first among equals"
    );
    assert_eq!(
        found(&kb_search(&store, "block confirmation", None)),
        [("kb-usdt", "en")],
        "every word must match"
    );
    assert_eq!(
        found(&kb_search(&store, "usdt withdrawals", Some("zh-CN"))),
        [("kb-usdt", "en"), ("kb-usdt", "zh-CN")],
        "the words as typed, together, outrank the asked language"
    );
}

#[test]
fn kb_and_ticket_searches_stay_apart() {
    let (_dir, store) = with_kb();
    assert!(
        search(&store, "助记词")
            .iter()
            .all(|h| !h.ticket.id.starts_with("kb-")),
        "ticket search returns tickets only"
    );
    assert!(
        kb_search(&store, "refund", None).is_empty(),
        "ticket messages are not KB articles"
    );
}

#[test]
fn edits_and_removed_translations_follow_and_hostile_input_never_errors() {
    let (_dir, mut store) = with_kb();
    let mut a = article(
        "kb-lock",
        4_000,
        &[("en", "Account locked", "Verify your identity.")],
    );
    store
        .apply_pull_page(&[Change::KbArticle(a.clone())], "3")
        .unwrap();
    // Checked against the live article even before reindexing.
    assert!(
        kb_search(&store, "锁", None).is_empty(),
        "the zh translation is gone"
    );
    assert!(
        kb_search(&store, "seed phrase", None).is_empty(),
        "the old en text is gone"
    );
    index_all(&mut store);
    assert_eq!(
        found(&kb_search(&store, "identity", None)),
        [("kb-lock", "en")]
    );
    a.translations.clear();
    store.apply_pull_page(&[Change::KbArticle(a)], "4").unwrap();
    index_all(&mut store);
    assert!(kb_search(&store, "identity", None).is_empty());
    for q in [
        "\"",
        "*",
        "AND OR NOT",
        "NEAR(a b)",
        "'; DROP TABLE kb_articles; --",
        "\u{0}",
        "确\u{E000}认",
    ] {
        let _ = kb_search(&store, q, Some("zh-CN"));
    }
    assert_eq!(
        found(&kb_search(&store, "确认", None)),
        [("kb-confirm", "zh-CN")]
    );
}
