//! Hostile input: FTS5 syntax, SQL, NUL, emoji and huge strings as queries, and markup or
//! forged highlight markers inside indexed content.

use super::*;

#[test]
fn markup_and_markers_in_content_never_reach_a_snippet() {
    let (_dir, mut store) = open_store();
    store
        .apply_pull_page(
            &[
                Change::Ticket(ticket("t", "c", "hi", TicketStatus::Open, 1)),
                Change::Message(message(
                    "m",
                    "t",
                    "<script>x</script> fake \u{E000}mark\u{E001} 退款",
                    1,
                )),
            ],
            "1",
        )
        .unwrap();
    index_all(&mut store);
    let hits = search(&store, "退款");
    let s = &hits[0].snippet;
    assert_eq!(
        s.matches(HIGHLIGHT_START).count(),
        1,
        "only our own marker: content cannot forge a highlight: {s:?}"
    );
    assert!(
        s.contains("<script>"),
        "the snippet is plain text; the UI renders it as text, so no escaping here"
    );
}

const HOSTILE: &[&str] = &[
    "\"",
    "\"\"\"",
    "*",
    "**",
    "NEAR(",
    "NEAR(a b",
    "a OR b",
    "OR",
    "AND NOT",
    "-",
    "-funds",
    "^funds",
    "text:funds",
    "search_text:x",
    ":",
    "(",
    ")",
    "{a b}",
    "funds\"",
    "\"funds",
    "fun\"ds not\" arri",
    "\0",
    "a\0b\0c",
    "💸💸💸",
    "🔒",
    "确认💸",
    "'; DROP TABLE tickets; --",
    "1' OR '1'='1",
    "%",
    "_",
    "\\",
    "\u{E000}确认\u{E001}",
    "\u{FEFF}\u{200B}",
    "\r\n\t",
    "   ",
    "ǅ İ ß ﬁ",
];

#[test]
fn hostile_queries_never_error() {
    let (_dir, store) = indexed_desk();
    let long = "确认 funds \" NEAR( * ".repeat(600);
    for q in HOSTILE.iter().copied().chain([long.as_str()]) {
        let r = store.search(&query(q));
        assert!(
            r.is_ok(),
            "user input must never break the query: {q:?} gave {r:?}"
        );
    }
    assert_eq!(
        store.ticket_count().unwrap(),
        5,
        "and no SQL fragment did anything"
    );
    assert!(
        search(&store, "\u{E000}确认\u{E001}").len() == 2,
        "markers pasted from a snippet are ignored, the word still searched"
    );
}
