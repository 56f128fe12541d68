//! Words near a candidate that say what it is. An unseparated run of Chinese characters
//! is only a mnemonic when the customer says so nearby; a 64-digit hex string is a
//! private key when labelled as one and a transaction hash otherwise.

/// What a cue says about the text near it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cue {
    /// A seed phrase is being talked about.
    Mnemonic,
    /// A private key is being talked about.
    PrivateKey,
    /// Something public: a transaction hash, an address, a public key.
    Public,
}

const MNEMONIC: &[&str] = &[
    "助记词",
    "助記詞",
    "助记码",
    "助記碼",
    "恢复词",
    "恢復詞",
    "恢复短语",
    "恢復短語",
    "种子词",
    "種子詞",
    "种子短语",
    "種子短語",
    "备份词",
    "備份詞",
    "mnemonic",
    "seed phrase",
    "seed-phrase",
    "seedphrase",
    "seed words",
    "recovery phrase",
    "recovery words",
    "secret phrase",
    "backup phrase",
];

const PRIVATE_KEY: &[&str] = &[
    "私钥",
    "私鑰",
    "密钥",
    "密鑰",
    "秘钥",
    "秘鑰",
    "private key",
    "private-key",
    "private_key",
    "privatekey",
    "priv key",
    "privkey",
    "prv key",
    "secret key",
    "secret-key",
    "secret_key",
    "secretkey",
];

const PUBLIC: &[&str] = &[
    "txid",
    "tx id",
    "tx hash",
    "txhash",
    "tx_hash",
    "transaction hash",
    "transaction id",
    "hash",
    "哈希",
    "交易号",
    "交易id",
    "交易单号",
    "地址",
    "address",
    "公钥",
    "公鑰",
    "public key",
    "pubkey",
];

/// Every cue in `text`, as byte ranges, in order of their start. Latin cues match in any
/// case; `lower` keeps byte offsets because only ASCII letters are lowered.
pub fn find(text: &str) -> Vec<(usize, usize, Cue)> {
    let lower = text.to_ascii_lowercase();
    let mut found = Vec::new();
    for (list, cue) in [
        (MNEMONIC, Cue::Mnemonic),
        (PRIVATE_KEY, Cue::PrivateKey),
        (PUBLIC, Cue::Public),
    ] {
        for word in list {
            found.extend(
                lower
                    .match_indices(word)
                    .map(|(at, _)| (at, at + word.len(), cue)),
            );
        }
    }
    // "tx hash" also contains "hash": the longer cue is the one meant, and both are
    // public anyway; overlapping cues of different kinds are both kept.
    found.sort_by_key(|&(start, end, _)| (start, std::cmp::Reverse(end)));
    found
}

/// All cue words, for tests that check markers and warnings are not cues themselves.
#[cfg(test)]
pub fn all() -> impl Iterator<Item = &'static str> {
    MNEMONIC.iter().chain(PRIVATE_KEY).chain(PUBLIC).copied()
}
