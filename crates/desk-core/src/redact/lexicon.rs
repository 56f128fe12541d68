//! The ten BIP-39 wordlists as one lookup table, and the mnemonic checksum.
//!
//! Every word maps to the languages it belongs to (a bit mask) and its index in each, so
//! one lookup per token serves all languages. English also accepts the first four letters
//! of each word: BIP-39 guarantees they are unique, and metal backup plates and some
//! wallets store exactly those, so that is what customers type from them.

use std::collections::HashMap;
use std::sync::OnceLock;

use bip39::Language;
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

/// Languages by bit position; the order of [`Language::ALL`].
pub const LANGUAGES: usize = 10;
pub const ENGLISH: usize = 0;
pub const CHINESE_SIMPLIFIED: usize = 1;
pub const CHINESE_TRADITIONAL: usize = 2;

/// Mnemonic lengths BIP-39 defines, longest first (a longer match is preferred).
pub const LENGTHS: [usize; 5] = [24, 21, 18, 15, 12];

/// A word's languages and its index in each of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub mask: u16,
    pub index: [u16; LANGUAGES],
}

impl Entry {
    pub fn is_in(&self, language: usize) -> bool {
        self.mask & (1 << language) != 0
    }
}

fn table() -> &'static HashMap<String, Entry> {
    static TABLE: OnceLock<HashMap<String, Entry>> = OnceLock::new();
    TABLE.get_or_init(|| {
        assert_eq!(
            Language::ALL.len(),
            LANGUAGES,
            "all ten wordlists are built in"
        );
        assert_eq!(
            Language::ALL[CHINESE_SIMPLIFIED],
            Language::SimplifiedChinese
        );
        assert_eq!(
            Language::ALL[CHINESE_TRADITIONAL],
            Language::TraditionalChinese
        );
        let mut table: HashMap<String, Entry> = HashMap::with_capacity(24_000);
        let mut add = |word: String, language: usize, index: usize| {
            let entry = table.entry(word).or_insert(Entry {
                mask: 0,
                index: [0; LANGUAGES],
            });
            entry.mask |= 1 << language;
            entry.index[language] = index as u16;
        };
        for (language, lang) in Language::ALL.iter().enumerate() {
            for (index, word) in lang.word_list().iter().enumerate() {
                // The lists are NFKD already; normalizing again costs nothing and
                // guards against a list that is not.
                add(word.nfkd().collect(), language, index);
                if language == ENGLISH && word.len() > 4 {
                    add(word[..4].to_owned(), language, index);
                }
            }
        }
        table
    })
}

/// The entry of a token as a customer typed it: any case, NFC or NFKD.
pub fn lookup(token: &str) -> Option<Entry> {
    let table = table();
    if token.is_ascii() {
        if token.bytes().all(|b| b.is_ascii_lowercase()) {
            return table.get(token).copied();
        }
        return table.get(&token.to_ascii_lowercase()).copied();
    }
    let key: String = token.to_lowercase().nfkd().collect();
    table.get(&key).copied()
}

/// Whether the word indices form a mnemonic whose BIP-39 checksum holds: the last
/// `len / 3` bits are the first bits of the SHA-256 of the entropy before them.
pub fn checksum_holds(indices: &[u16]) -> bool {
    if !LENGTHS.contains(&indices.len()) {
        return false;
    }
    let total_bits = indices.len() * 11;
    let checksum_bits = indices.len() / 3;
    let entropy_bytes = (total_bits - checksum_bits) / 8;
    let bit = |i: usize| (indices[i / 11] >> (10 - i % 11)) & 1 == 1;
    let mut entropy = [0u8; 32];
    for (byte_index, byte) in entropy.iter_mut().enumerate().take(entropy_bytes) {
        for j in 0..8 {
            if bit(byte_index * 8 + j) {
                *byte |= 1 << (7 - j);
            }
        }
    }
    let hash = Sha256::digest(&entropy[..entropy_bytes]);
    (0..checksum_bits).all(|i| {
        let expected = (hash[i / 8] >> (7 - i % 8)) & 1 == 1;
        bit(entropy_bytes * 8 + i) == expected
    })
}

/// The word of `index` in `language`, for tests that build mnemonics.
#[cfg(test)]
pub fn word(language: usize, index: u16) -> &'static str {
    Language::ALL[language].word_list()[usize::from(index)]
}

/// Indices of a checksum-valid mnemonic of `len` words whose entropy is the SHA-256 of
/// `seed`: tests need real, random-looking mnemonics, reproducible from a seed.
#[cfg(test)]
pub fn valid_mnemonic(len: usize, seed: &[u8]) -> Vec<u16> {
    let entropy_bytes = len * 11 * 32 / 33 / 8;
    let entropy: Vec<u8> = Sha256::digest(seed)[..entropy_bytes].to_vec();
    let hash = Sha256::digest(&entropy);
    let mut bits: Vec<bool> = entropy
        .iter()
        .flat_map(|b| (0..8).map(move |j| (b >> (7 - j)) & 1 == 1))
        .collect();
    bits.extend((0..len / 3).map(|i| (hash[i / 8] >> (7 - i % 8)) & 1 == 1));
    bits.chunks(11)
        .map(|chunk| chunk.iter().fold(0u16, |acc, &b| acc << 1 | u16::from(b)))
        .collect()
}
