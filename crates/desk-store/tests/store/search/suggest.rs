//! Knowledge suggested for the open ticket: found by the ticket's own words in Chinese and
//! English, offered in the ticket's language, raised by its category, never a draft.

use std::collections::BTreeMap;

use desk_core::search::KnowledgeSuggestions;
use desk_core::wire::Change;
use desk_core::*;
use desk_store::Store;

use super::{index_all, open_store};

fn article(id: &str, categories: &[Category], translations: &[(&str, &str, &str)]) -> KbArticle {
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
        categories: categories.to_vec(),
        updated_at: 1_000,
        status: KbStatus::Published,
        deleted_at: None,
    }
}

fn a_macro(id: &str, title: &str, categories: &[Category], bodies: &[(&str, &str)]) -> Macro {
    Macro {
        id: id.into(),
        title: title.into(),
        bodies: bodies
            .iter()
            .map(|(l, b)| (l.to_string(), b.to_string()))
            .collect(),
        variables: vec![],
        actions: vec![],
        categories: categories.to_vec(),
        updated_at: 1_000,
        deleted_at: None,
    }
}

fn ticket(id: &str, subject: &str, category: Category, language: &str) -> Ticket {
    let mut t = super::super::ticket(id, 1, "c1", TicketStatus::Open, None, 1_000);
    t.subject = subject.into();
    t.category = category;
    t.language = language.into();
    t
}

fn customer_says(id: &str, ticket_id: &str, text: &str, at: i64) -> Message {
    super::super::message(id, ticket_id, text, MessageKind::PublicReply, at)
}

fn knowledge() -> Vec<Change> {
    use Category::*;
    let mut draft = article(
        "kb-draft",
        &[FundsNotArrived],
        &[(
            "zh-CN",
            "提币未到账（草稿）",
            "提币 到账 提币 到账 区块确认",
        )],
    );
    draft.status = KbStatus::Draft;
    vec![
        Change::KbArticle(article(
            "kb-arrival",
            &[FundsNotArrived],
            &[
                (
                    "zh-CN",
                    "提币未到账怎么办",
                    "提币后需要等待区块确认。请在区块浏览器查询交易哈希。",
                ),
                (
                    "en",
                    "Withdrawal not arrived",
                    "After a withdrawal the chain needs confirmations. Look the hash up in a block explorer.",
                ),
            ],
        )),
        Change::KbArticle(article(
            "kb-confirm",
            &[TransactionConfirmation],
            &[
                (
                    "zh-CN",
                    "如何确认交易",
                    "打开钱包，进入交易详情，点击确认按钮。提币需要您本人确认。",
                ),
                (
                    "en",
                    "How to confirm a transaction",
                    "Open the wallet, go to the transaction, press Confirm. A withdrawal waits for you.",
                ),
            ],
        )),
        Change::KbArticle(article(
            "kb-lock",
            &[AccountLocked],
            &[
                (
                    "zh-CN",
                    "账户被锁定",
                    "完成身份验证后解锁。不要泄露助记词。",
                ),
                (
                    "en",
                    "Account locked",
                    "Unlock after identity verification. Never share your seed phrase.",
                ),
            ],
        )),
        Change::KbArticle(article(
            "kb-fees",
            &[],
            &[(
                "en",
                "Network fees",
                "Every withdrawal pays the chain's network fee.",
            )],
        )),
        Change::KbArticle(draft),
        Change::Macro(a_macro(
            "m-arrival",
            "Funds on their way",
            &[FundsNotArrived],
            &[
                ("zh-CN", "您的提币已在链上，请等待区块确认。"),
                (
                    "en",
                    "Your withdrawal is on chain; please wait for confirmations.",
                ),
            ],
        )),
        Change::Macro(a_macro(
            "m-lock",
            "Unlock steps",
            &[AccountLocked],
            &[
                ("zh-CN", "请完成身份验证。"),
                ("en", "Please verify your identity."),
            ],
        )),
        Change::Macro(a_macro(
            "m-thanks",
            "Thanks",
            &[],
            &[
                ("zh-CN", "感谢您的耐心。"),
                ("en", "Thanks for your patience."),
            ],
        )),
        Change::Ticket(ticket(
            "t-zh",
            "提币未到账",
            Category::FundsNotArrived,
            "zh-CN",
        )),
        Change::Message(customer_says(
            "m1",
            "t-zh",
            "你好，我昨天提币到交易所，区块浏览器显示成功，但是一直没到账。",
            1_100,
        )),
        Change::Ticket(ticket("t-en", "Withdrawal missing", Category::Other, "en")),
        Change::Message(customer_says(
            "m2",
            "t-en",
            "Hi, my withdrawal has not arrived. The explorer shows the hash but nothing came.",
            1_200,
        )),
        Change::Ticket(ticket("t-lock", "账户被锁", Category::AccountLocked, "und")),
        Change::Message(customer_says(
            "m3",
            "t-lock",
            "账户被锁定了，怎么解锁？",
            1_300,
        )),
        Change::Ticket(ticket("t-none", "???", Category::Other, "en")),
    ]
}

fn suggested() -> (tempfile::TempDir, Store) {
    let (dir, mut store) = open_store();
    store.apply_pull_page(&knowledge(), "1").unwrap();
    index_all(&mut store);
    (dir, store)
}

fn article_ids(s: &KnowledgeSuggestions) -> Vec<&str> {
    s.articles.iter().map(|a| a.article_id.as_str()).collect()
}

#[test]
fn a_chinese_ticket_gets_the_chinese_translation_of_the_article_about_it() {
    let (_dir, store) = suggested();
    let s = store.suggest_knowledge("t-zh", "en").unwrap();
    assert_eq!(article_ids(&s)[0], "kb-arrival", "{s:#?}");
    let first = &s.articles[0];
    assert_eq!(first.language, "zh-CN");
    assert_eq!(first.title, "提币未到账怎么办");
    assert!(first.body.contains("区块浏览器"));
    assert!(first.same_category);
    assert!(
        first.matched.iter().any(|t| t == "到账"),
        "{:?}",
        first.matched
    );
    assert!(
        !article_ids(&s).contains(&"kb-draft"),
        "a draft is never suggested, however well it matches: {s:#?}"
    );
    assert_eq!(s.macros[0].macro_id, "m-arrival", "{s:#?}");
    assert!(
        !s.macros.iter().any(|m| m.macro_id == "m-lock"),
        "a macro for another category is not offered: {s:#?}"
    );
}

#[test]
fn an_english_ticket_gets_the_english_translation_found_by_its_words() {
    let (_dir, store) = suggested();
    let s = store.suggest_knowledge("t-en", "zh-CN").unwrap();
    assert_eq!(article_ids(&s)[0], "kb-arrival", "{s:#?}");
    assert_eq!(s.articles[0].language, "en");
    assert_eq!(s.articles[0].title, "Withdrawal not arrived");
    assert!(!s.articles[0].same_category, "the ticket is `other`");
    assert!(s.macros.iter().any(|m| m.macro_id == "m-arrival"), "{s:#?}");
}

#[test]
fn an_unknown_language_is_the_agents_and_the_category_raises_its_articles() {
    let (_dir, store) = suggested();
    let s = store.suggest_knowledge("t-lock", "zh-CN").unwrap();
    assert_eq!(article_ids(&s)[0], "kb-lock", "{s:#?}");
    assert_eq!(s.articles[0].language, "zh-CN");
    let en = store.suggest_knowledge("t-lock", "en").unwrap();
    assert_eq!(en.articles[0].article_id, "kb-lock");
    assert_eq!(
        en.articles[0].language, "en",
        "offered in the agent's language when the ticket's is unknown"
    );
}

#[test]
fn nothing_to_go_on_is_an_empty_answer_and_a_missing_ticket_an_error() {
    let (_dir, store) = suggested();
    let s = store.suggest_knowledge("t-none", "en").unwrap();
    assert!(s.articles.is_empty(), "{s:#?}");
    assert!(s.macros.is_empty(), "{s:#?}");
    assert!(matches!(
        store.suggest_knowledge("t-gone", "en"),
        Err(desk_store::Error::TicketNotFound(_))
    ));
}

#[test]
fn an_article_edited_or_deleted_is_suggested_as_it_is_now() {
    let (_dir, mut store) = suggested();
    let mut gone = article("kb-arrival", &[], &[("en", "x", "y")]);
    gone.deleted_at = Some(2_000);
    // A deleted article leaves the cache; the index follows in the background, and the
    // suggestion reads the live record meanwhile.
    store
        .apply_pull_page(&[Change::KbArticle(gone)], "2")
        .unwrap();
    let s = store.suggest_knowledge("t-zh", "en").unwrap();
    assert!(!article_ids(&s).contains(&"kb-arrival"), "{s:#?}");
    index_all(&mut store);
    let s = store.suggest_knowledge("t-zh", "en").unwrap();
    assert!(!article_ids(&s).contains(&"kb-arrival"), "{s:#?}");
    assert!(
        article_ids(&s).contains(&"kb-confirm"),
        "the next best stays: {s:#?}"
    );
}
