//! The telling words of a customer's text (DESIGN.md §11): what the console's knowledge
//! suggestions and the help center's suggestions on the web form look up. Words of three or
//! more letters and pairs of adjacent CJK characters (Chinese is written without spaces, and
//! most of its words are two characters), each lower-cased, with the words and pairs common
//! to any support conversation dropped. Pure.

use std::collections::HashMap;

/// One term of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// Lower-cased.
    pub text: String,
    /// A pair of CJK characters rather than a word.
    pub cjk: bool,
}

/// Words too common in a support conversation to tell one article from another.
pub const STOP_WORDS: &[&str] = &[
    "the", "and", "for", "you", "your", "yours", "are", "was", "were", "have", "has", "had", "not",
    "but", "with", "this", "that", "these", "those", "from", "they", "them", "there", "their",
    "what", "when", "where", "which", "who", "why", "how", "can", "could", "would", "should",
    "will", "just", "please", "thanks", "thank", "hello", "dear", "team", "support", "help", "any",
    "all", "our", "out", "about", "into", "been", "being", "does", "did", "doing", "get", "got",
    "still", "yet", "now", "today", "also", "very", "some", "more", "than", "then", "here", "its",
    "it's", "i'm", "don't", "didn't", "can't", "hi", "regards", "best", "sent", "iphone",
    "android", "want", "need", "know", "let", "one", "two", "time",
];

/// Pairs of Chinese characters as common in any message as the words above.
pub const STOP_PAIRS: &[&str] = &[
    "你好", "您好", "谢谢", "请问", "我的", "你们", "我们", "一下", "没有", "什么", "怎么", "可以",
    "这个", "那个", "已经", "还是", "但是", "因为", "所以", "如果", "现在", "今天", "就是", "一个",
    "不是", "时候", "问题", "帮忙", "麻烦", "客服", "是不", "不了", "了吗", "的话", "了一", "好的",
    "感谢", "为什", "一直", "还没", "是什", "么办",
];

/// Characters written without spaces between words: Han ideographs, kana and Hangul
/// syllables.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF     // CJK Extension A
        | 0x4E00..=0x9FFF   // CJK Unified Ideographs
        | 0xF900..=0xFAFF   // CJK Compatibility Ideographs
        | 0x20000..=0x323AF // Extensions B–H
        | 0x3041..=0x3096   // Hiragana letters
        | 0x30A1..=0x30FA   // Katakana letters
        | 0xAC00..=0xD7A3   // Hangul syllables
    )
}

/// Lower case, one char for one (a char whose lower case is several is kept), so positions
/// in folded text are positions in the original.
pub fn fold(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// The terms of `parts` (each text with the weight of where it stands: a subject counts
/// more than a message), most frequent first, ties in order of first appearance; at most
/// `max`.
pub fn key_terms(parts: &[(&str, u32)], max: usize) -> Vec<Term> {
    let mut counts: Vec<(Term, u32)> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    let mut add = |term: Term, weight: u32| match at.get(&term.text) {
        Some(&i) => counts[i].1 += weight,
        None => {
            at.insert(term.text.clone(), counts.len());
            counts.push((term, weight));
        }
    };
    for (text, weight) in parts {
        let folded: String = text.chars().map(fold).collect();
        let mut word = String::new();
        let mut prev_cjk: Option<char> = None;
        let flush = |word: &mut String, add: &mut dyn FnMut(Term, u32)| {
            let n = word.chars().count();
            let keep = (3..=32).contains(&n)
                && !word.chars().all(|c| c.is_ascii_digit())
                && !STOP_WORDS.contains(&word.as_str());
            if keep {
                add(
                    Term {
                        text: word.clone(),
                        cjk: false,
                    },
                    *weight,
                );
            }
            word.clear();
        };
        for c in folded.chars() {
            if is_cjk(c) {
                flush(&mut word, &mut add);
                if let Some(p) = prev_cjk {
                    let pair: String = [p, c].iter().collect();
                    if !STOP_PAIRS.contains(&pair.as_str()) {
                        add(
                            Term {
                                text: pair,
                                cjk: true,
                            },
                            *weight,
                        );
                    }
                }
                prev_cjk = Some(c);
            } else {
                prev_cjk = None;
                // Apostrophes inside English words keep "don't" one (stop) word.
                if c.is_alphanumeric() || (c == '\'' && !word.is_empty()) {
                    word.push(c);
                } else {
                    flush(&mut word, &mut add);
                }
            }
        }
        flush(&mut word, &mut add);
    }
    // Stable: equal counts keep their order of first appearance.
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    counts.into_iter().take(max).map(|(t, _)| t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(parts: &[(&str, u32)], max: usize) -> Vec<String> {
        key_terms(parts, max).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn terms_are_telling_words_and_chinese_pairs_most_frequent_first() {
        let got = texts(
            &[
                ("提币一直未到账", 2),
                (
                    "Hello, my Withdrawal is still pending. Please help! 提币",
                    1,
                ),
            ],
            24,
        );
        assert_eq!(
            got[0], "提币",
            "twice in the subject's weight and once more"
        );
        for kept in ["withdrawal", "pending", "到账", "未到"] {
            assert!(got.contains(&kept.to_owned()), "{kept} missing: {got:?}");
        }
        for stop in ["hello", "please", "help", "still", "一直", "my", "is"] {
            assert!(!got.contains(&stop.to_owned()), "{stop} kept: {got:?}");
        }
        let cjk: Vec<bool> = key_terms(&[("提币 withdrawal", 1)], 5)
            .iter()
            .map(|t| t.cjk)
            .collect();
        assert_eq!(cjk, [true, false]);
    }

    #[test]
    fn terms_are_capped_deduplicated_and_numbers_left_out() {
        let text: String = (0..100).map(|i| format!("word{i:03} 12345 ")).collect();
        let got = texts(&[(&text, 1), (&text, 1)], 24);
        assert_eq!(got.len(), 24);
        let unique: std::collections::HashSet<_> = got.iter().collect();
        assert_eq!(unique.len(), got.len());
        assert_eq!(got[0], "word000", "ties keep their first appearance");
        assert!(!got.contains(&"12345".to_owned()));
    }

    #[test]
    fn nothing_telling_is_no_terms() {
        assert!(key_terms(&[("", 1), ("hi, thanks! 你好 谢谢", 1)], 24).is_empty());
    }
}
