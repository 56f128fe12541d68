//! Properties over generated inputs: no query string can make search fail, and over
//! small generated desks a search returns exactly the tickets that contain the term.

use proptest::prelude::*;

use super::*;

/// Letters chosen to collide a lot: Chinese chars that form the words above, Latin with
/// case, a space.
const ALPHABET: &[char] = &['确', '认', '退', '款', '锁', '交', '易', 'a', 'B', 'c', ' '];

fn text_of(len: std::ops::Range<usize>) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(ALPHABET), len).prop_map(|v| v.into_iter().collect())
}

fn fold(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A term the index can look up by its documented rules: 3+ chars, or 1–2 CJK chars.
fn searchable(term: &str) -> bool {
    let n = term.chars().count();
    n >= 3 || (n > 0 && term.chars().all(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn any_input_is_a_valid_query(q in any::<String>(), q2 in "[\"*()^:\\- a-zA-Z确认锁]{0,40}") {
        let (_dir, mut store) = open_store();
        store.apply_pull_page(&desk(), "1").unwrap();
        store.index_pending(1000).unwrap();
        for q in [q.as_str(), q2.as_str()] {
            let r = store.search(&query(q));
            prop_assert!(r.is_ok(), "{:?} must not error: {:?}", q, r);
        }
    }

    #[test]
    fn hits_contain_the_term_and_every_container_is_hit(
        subjects in prop::collection::vec(text_of(0..8), 1..6),
        bodies in prop::collection::vec((0usize..6, text_of(0..14)), 0..10),
        names in prop::collection::vec(text_of(0..5), 2),
        term in text_of(1..5),
    ) {
        let (_dir, mut store) = open_store();
        let mut changes = vec![
            Change::Customer(customer("c0", &names[0], "", "")),
            Change::Customer(customer("c1", &names[1], "", "")),
        ];
        for (i, s) in subjects.iter().enumerate() {
            let c = format!("c{}", i % 2);
            changes.push(Change::Ticket(ticket(&format!("t{i}"), &c, s, TicketStatus::Open, i as i64)));
        }
        for (j, (t, b)) in bodies.iter().enumerate() {
            let t = t % subjects.len();
            changes.push(Change::Message(message(&format!("m{j}"), &format!("t{t}"), b, j as i64)));
        }
        store.apply_pull_page(&changes, "1").unwrap();
        while store.index_pending(7).unwrap() > 0 {}

        // Who really contains the term (as one word: no quotes or spaces in the query).
        let term = term.split_whitespace().next().unwrap_or("").to_owned();
        let needle = fold(&term);
        let contains = |i: usize| {
            fold(&subjects[i]).contains(&needle)
                || fold(&names[i % 2]).contains(&needle)
                || bodies.iter().any(|(t, b)| t % subjects.len() == i && fold(b).contains(&needle))
        };
        let mut q = query(&term);
        q.limit = 200;
        let hits = store.search(&q).unwrap();
        for h in &hits {
            let i: usize = h.ticket.id[1..].parse().unwrap();
            prop_assert!(contains(i), "{} returned for {:?} but does not contain it", h.ticket.id, term);
        }
        if searchable(&term) {
            let expected = (0..subjects.len()).filter(|&i| contains(i)).count();
            prop_assert_eq!(hits.len(), expected, "every ticket containing {:?} is found", term);
        } else {
            prop_assert!(hits.is_empty(), "an unsearchable term {:?} finds nothing", term);
        }
    }
}
