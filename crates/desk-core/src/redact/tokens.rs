//! Splits text into the pieces the detectors reason about: words (Latin, kana, Hangul
//! runs), single Han characters (each Chinese BIP-39 word is one character), numbers
//! that may be list numbering, separators and everything else. Offsets are byte offsets
//! into the text, so detectors can cut exactly what they found.

use super::lexicon::{self, Entry};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A run of letters of one script, with its wordlist entry if it is a BIP-39 word.
    Word(Option<Entry>),
    /// One Han character; `touching` when another Han character is right beside it
    /// (then it belongs to unseparated prose or an unseparated mnemonic).
    Han {
        entry: Option<Entry>,
        touching: bool,
    },
    /// One or two digits: a list number such as the `3` of `3.` or `(3)`.
    Number,
    /// Letters and digits mixed, or a longer number: keys, hashes, addresses, amounts.
    Alnum,
    /// Between the words of a typed-out phrase: white space, commas, `、`, `;`, `|`, `/`,
    /// dashes, and circled numbers such as `①`.
    Separator,
    /// Punctuation that separates words only as part of list numbering: `1.` `1)` `(1)`
    /// `1:` — a full stop after a word ends a sentence, and so a run.
    NumberPunct,
    /// Anything else; it ends a run.
    Break,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Token<'t> {
    pub start: usize,
    pub end: usize,
    pub text: &'t str,
    pub kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Han,
    Kana,
    Hangul,
    /// Latin, Cyrillic, digits…: `char::is_alphanumeric` outside the CJK scripts.
    Alpha,
    Separator,
    NumberPunct,
    Break,
}

pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F)
}

fn class(c: char) -> Class {
    let u = c as u32;
    if is_han(c) {
        return Class::Han;
    }
    match u {
        // Hiragana, katakana (with the combining sound marks and ー), halfwidth katakana.
        0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F => return Class::Kana,
        0x1100..=0x11FF | 0x3130..=0x318F | 0xA960..=0xA97F | 0xAC00..=0xD7FF => {
            return Class::Hangul;
        }
        // Circled and parenthesized numbers: ① ⑴ ⒈ ❶ ㉑.
        0x2460..=0x24FF | 0x2776..=0x2793 | 0x3251..=0x325F | 0x32B1..=0x32BF => {
            return Class::Separator;
        }
        // Combining marks continue the word they follow (NFKD input: é as e + ◌́).
        0x0300..=0x036F => return Class::Alpha,
        _ => {}
    }
    if c.is_whitespace()
        || matches!(
            c,
            ',' | '，' | '、' | ';' | '；' | '|' | '/' | '-' | '–' | '—' | '·' | '・'
        )
    {
        return Class::Separator;
    }
    if matches!(
        c,
        '.' | '．' | ')' | '）' | '(' | '（' | ':' | '：' | '#' | '。'
    ) {
        return Class::NumberPunct;
    }
    if c.is_alphanumeric() {
        return Class::Alpha;
    }
    Class::Break
}

fn alpha_kind(text: &str) -> Kind {
    let digits = text.chars().filter(|c| c.is_numeric()).count();
    if digits == 0 {
        Kind::Word(lexicon::lookup(text))
    } else if digits == text.chars().count() && digits <= 2 {
        Kind::Number
    } else {
        Kind::Alnum
    }
}

pub fn tokenize(text: &str) -> Vec<Token<'_>> {
    let mut tokens: Vec<Token<'_>> = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        let cls = class(c);
        let mut end = start + c.len_utf8();
        // Runs of one script make one token; Han characters, separators and
        // punctuation are one token each.
        if matches!(cls, Class::Alpha | Class::Kana | Class::Hangul) {
            while let Some(&(i, next)) = chars.peek() {
                if class(next) != cls {
                    break;
                }
                end = i + next.len_utf8();
                chars.next();
            }
        }
        let piece = &text[start..end];
        let kind = match cls {
            Class::Han => {
                let touching = tokens
                    .last()
                    .is_some_and(|prev| prev.end == start && matches!(prev.kind, Kind::Han { .. }));
                if touching
                    && let Some(Token {
                        kind: Kind::Han { touching: t, .. },
                        ..
                    }) = tokens.last_mut()
                {
                    *t = true;
                }
                Kind::Han {
                    entry: lexicon::lookup(piece),
                    touching,
                }
            }
            Class::Kana | Class::Hangul => Kind::Word(lexicon::lookup(piece)),
            Class::Alpha => alpha_kind(piece),
            Class::Separator => Kind::Separator,
            Class::NumberPunct => Kind::NumberPunct,
            Class::Break => Kind::Break,
        };
        tokens.push(Token {
            start,
            end,
            text: piece,
            kind,
        });
    }
    tokens
}
