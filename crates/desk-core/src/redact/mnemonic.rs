//! Seed phrases: BIP-39 words typed out with separators, in any wordlist language, and
//! Chinese mnemonics typed as one unbroken run of characters.

use super::cues::Cue;
use super::lexicon::{self, CHINESE_SIMPLIFIED, CHINESE_TRADITIONAL, Entry, LANGUAGES, LENGTHS};
use super::tokens::{Kind, Token};
use super::{SecretKind, Span};

/// Fewest words that count as a typed-out phrase. Every run this long is redacted whole,
/// not only runs of exactly 12, 15, 18, 21 or 24 words: a longer run is a phrase plus a
/// neighbouring word that happens to be on the list (English has "about", "again", "also"),
/// or a phrase with a repeated word, and cutting out a guessed part would leak the rest.
pub const MIN_WORDS: usize = 12;

/// How far a cue may be from an unseparated Chinese mnemonic, in bytes (about 40 Chinese
/// characters, or a sentence or two).
const CUE_DISTANCE: usize = 120;

/// Characters an unseparated Chinese candidate may carry beyond the mnemonic itself at
/// either end, such as the 是 of 助记词是…: they are wordlist characters too.
const SLACK: usize = 2;

/// The Chinese lists are ordered by how common a character is: the first hundred (的 一
/// 是 在 不 了 有 和 人 这…) make up much of any sentence. Twelve characters picked at
/// random from 2048 rarely include more than a few of them (more than three: about 0.4%
/// of real 12-word mnemonics; 24 words, more than four: about 1%), while a Chinese clause
/// nearly always does. Without this test one clause in sixteen of the right length near
/// a cue would pass the 4-bit checksum of a 12-word mnemonic by chance.
const COMMON: u16 = 100;

fn common_allowed(len: usize) -> usize {
    2 + len / 12
}

/// Whether the characters are too common for a random mnemonic: prose (see [`COMMON`]).
pub fn too_common(indices: &[u16]) -> bool {
    indices.iter().filter(|&&i| i < COMMON).count() > common_allowed(indices.len())
}

/// A wordlist word and whether only separators and list numbering lie between it and the
/// word before it.
struct Word {
    start: usize,
    end: usize,
    entry: Entry,
    joined: bool,
}

/// The words a typed-out phrase could consist of, in order.
fn words(tokens: &[Token<'_>]) -> Vec<Word> {
    let mut out = Vec::new();
    let (mut separated, mut numbered, mut numbering_punct, mut broken) =
        (false, false, false, false);
    for t in tokens {
        let entry = match t.kind {
            Kind::Word(entry) => entry,
            Kind::Han {
                entry,
                touching: false,
            } => entry,
            Kind::Separator => {
                separated = true;
                continue;
            }
            Kind::Number => {
                numbered = true;
                continue;
            }
            Kind::NumberPunct => {
                numbering_punct = true;
                continue;
            }
            Kind::Han { touching: true, .. } | Kind::Alnum | Kind::Break => {
                broken = true;
                continue;
            }
        };
        let Some(entry) = entry else {
            // An ordinary word ends any run.
            broken = true;
            continue;
        };
        out.push(Word {
            start: t.start,
            end: t.end,
            entry,
            joined: !broken && (separated || numbered) && (numbered || !numbering_punct),
        });
        (separated, numbered, numbering_punct, broken) = (false, false, false, false);
    }
    out
}

/// Runs of [`MIN_WORDS`] or more separated words of one wordlist language.
pub fn separated(tokens: &[Token<'_>], out: &mut Vec<Span>) {
    let words = words(tokens);
    for language in 0..LANGUAGES {
        let mut run_start = 0;
        for i in 0..=words.len() {
            let continues = i < words.len()
                && words[i].entry.is_in(language)
                && (i == run_start || words[i].joined);
            if continues {
                continue;
            }
            if i - run_start >= MIN_WORDS {
                out.push(Span {
                    start: words[run_start].start,
                    end: words[i - 1].end,
                    kind: SecretKind::SeedPhrase,
                    words: Some((i - run_start).min(usize::from(u8::MAX)) as u8),
                });
            }
            // The word that ended the run may start the next one.
            run_start = if i < words.len() && words[i].entry.is_in(language) {
                i
            } else {
                i + 1
            };
        }
    }
}

/// A Han character of an unbroken run.
#[derive(Clone, Copy)]
struct Char {
    start: usize,
    end: usize,
    entry: Option<Entry>,
}

/// Unbroken runs of Chinese wordlist characters that form a checksum-valid mnemonic of
/// 12–24 characters with a cue near. Without the cue and the checksum every Chinese
/// sentence would be suspect: nearly every common character is on the lists.
pub fn unseparated(tokens: &[Token<'_>], cues: &[(usize, usize, Cue)], out: &mut Vec<Span>) {
    let mnemonic_cues: Vec<(usize, usize)> = cues
        .iter()
        .filter(|c| c.2 == Cue::Mnemonic)
        .map(|&(s, e, _)| (s, e))
        .collect();
    if mnemonic_cues.is_empty() {
        return;
    }
    let in_cue = |at: usize| mnemonic_cues.iter().any(|&(s, e)| s <= at && at < e);
    let mut segment: Vec<Char> = Vec::new();
    let mut flush = |segment: &mut Vec<Char>| {
        for language in [CHINESE_SIMPLIFIED, CHINESE_TRADITIONAL] {
            candidates(segment, language, &mnemonic_cues, out);
        }
        segment.clear();
    };
    let mut last_end = None;
    for t in tokens {
        let han = match t.kind {
            Kind::Han { entry, .. } if !in_cue(t.start) => Some(entry),
            _ => None,
        };
        if han.is_none() || last_end != Some(t.start) {
            flush(&mut segment);
        }
        last_end = han.map(|_| t.end);
        if let Some(entry) = han {
            segment.push(Char {
                start: t.start,
                end: t.end,
                entry,
            });
        }
    }
    flush(&mut segment);
}

/// Checks the pieces of `segment` whose characters are all in `language`.
fn candidates(segment: &[Char], language: usize, cues: &[(usize, usize)], out: &mut Vec<Span>) {
    for piece in segment.split(|c| !c.entry.is_some_and(|e| e.is_in(language))) {
        let n = piece.len();
        'lengths: for len in LENGTHS {
            if len > n || n - len > SLACK * 2 {
                continue;
            }
            for offset in 0..=(n - len) {
                // At most SLACK characters on each side.
                if offset > SLACK || n - len - offset > SLACK {
                    continue;
                }
                let window = &piece[offset..offset + len];
                let indices: Vec<u16> = window
                    .iter()
                    .map(|c| c.entry.map_or(0, |e| e.index[language]))
                    .collect();
                let (start, end) = (window[0].start, window[len - 1].end);
                let cue_near = cues.iter().any(|&(s, e)| {
                    (e <= start && start - e <= CUE_DISTANCE)
                        || (s >= end && s - end <= CUE_DISTANCE)
                });
                if cue_near && !too_common(&indices) && lexicon::checksum_holds(&indices) {
                    out.push(Span {
                        start,
                        end,
                        kind: SecretKind::SeedPhrase,
                        words: Some(len as u8),
                    });
                    break 'lengths;
                }
            }
        }
    }
}
