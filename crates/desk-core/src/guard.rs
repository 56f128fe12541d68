//! The outgoing guard (DESIGN.md §7): a public reply or macro that asks the customer for a
//! seed phrase, private key, password or 2FA code is refused. Scammers impersonate
//! support; a customer must be able to trust that real support never asks, so no real
//! agent's reply may either, by mistake or under pressure.
//!
//! Heuristic and deliberately narrow: a clause is refused when a request ("send us",
//! "what is your", 提供, 发给我, 是多少…) comes within a few words of a secret ("seed
//! phrase", 助记词, 私钥, 验证码…) and the clause says nothing that makes it a warning
//! ("never", "do not", 不要, 请勿, 骗子…). Telling a customer to *enter* a code in the app,
//! or to keep their seed phrase safe, passes. Internal notes are not checked: agents
//! discuss these things among themselves.

use crate::error::{ApiError, ErrorCode};

/// What a refused text asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secret {
    SeedPhrase,
    PrivateKey,
    Password,
    TwoFactorCode,
}

impl Secret {
    fn en(self) -> &'static str {
        match self {
            Self::SeedPhrase => "a seed phrase",
            Self::PrivateKey => "a private key",
            Self::Password => "a password",
            Self::TwoFactorCode => "a 2FA or verification code",
        }
    }
}

/// Why a text was refused: the secret it asks for and the clause that asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asks {
    pub secret: Secret,
    pub clause: String,
}

impl Asks {
    /// The `{code, message}` error a caller answers with.
    pub fn to_error(&self, what: &str) -> ApiError {
        ApiError::new(
            ErrorCode::Blocked,
            format!(
                "the {what} asks the customer for {} ({:?}); support never asks for one, \
                 and scammers do: rephrase it, or write an internal note",
                self.secret.en(),
                self.clause
            ),
        )
    }
}

/// Secrets by the words that name them, longest first within a secret so that
/// 谷歌验证码 is found as itself.
const SECRETS: &[(Secret, &[&str])] = &[
    (
        Secret::SeedPhrase,
        &[
            "seed phrase",
            "seed words",
            "recovery phrase",
            "recovery words",
            "secret phrase",
            "backup phrase",
            "mnemonic",
            "12 words",
            "12-word",
            "24 words",
            "24-word",
            "助记词",
            "助記詞",
            "恢复词",
            "恢復詞",
            "种子词",
            "種子詞",
        ],
    ),
    (
        Secret::PrivateKey,
        &[
            "private key",
            "privkey",
            "secret key",
            "keystore",
            "私钥",
            "私鑰",
            "密钥",
            "密鑰",
        ],
    ),
    (
        Secret::TwoFactorCode,
        &[
            "2fa",
            "two-factor",
            "two factor",
            "authenticator",
            "verification code",
            "security code",
            "sms code",
            "otp",
            "one-time code",
            "one time code",
            "谷歌验证码",
            "谷歌驗證碼",
            "验证码",
            "驗證碼",
            "动态码",
            "動態碼",
            "二次验证",
            "二次驗證",
        ],
    ),
    (
        Secret::Password,
        &[
            "password",
            "passcode",
            "passphrase",
            "pin code",
            "pin number",
            "密码",
            "密碼",
        ],
    ),
];

/// Phrases that ask the reader to hand something over. "enter" and 输入 are missing on
/// purpose: telling a customer to enter a code in the app is how verification works.
const REQUESTS_EN: &[&str] = &[
    // Directed at us: "we will send you a password reset link" must pass.
    "send us",
    "send me",
    "send your",
    "send over",
    "send it to us",
    "send it to me",
    "provide your",
    "provide us",
    "provide me",
    "provide the",
    "give us",
    "give me",
    "tell us",
    "tell me",
    "share your",
    "share the",
    "share it with",
    "share with us",
    "share with me",
    "what is your",
    "what's your",
    "what are your",
    "what is the",
    "need your",
    "require your",
    "reply with",
    "respond with",
    "paste your",
    "paste the",
    "submit your",
    "forward your",
    "forward us",
    "forward me",
    "dm us",
    "dm me",
    "read out",
    "read me",
    "let us know your",
    "let me know your",
    "ask for",
    "ask you for",
];

const REQUESTS_ZH: &[&str] = &[
    "提供",
    "发给",
    "發給",
    "发送",
    "發送",
    "发我",
    "發我",
    "发一下",
    "發一下",
    "发过来",
    "發過來",
    "告诉",
    "告訴",
    "给我",
    "給我",
    "给我们",
    "報一下",
    "报一下",
    "回复",
    "回覆",
    "说一下",
    "說一下",
    "是多少",
    "是什么",
    "是什麼",
    "私信",
    "索要",
    "索取",
    "透露",
    "需要您的",
    "需要你的",
];

/// Words that make a clause a warning or a statement about scams rather than a request.
const NEGATIONS: &[&str] = &[
    "never",
    "not ",
    "n't",
    "no one",
    "nobody",
    "no-one",
    "anyone",
    "avoid",
    "beware",
    "scam",
    "phishing",
    "fraud",
    "不要",
    "不會",
    "不会",
    "请勿",
    "請勿",
    "切勿",
    "勿",
    "绝不",
    "絕不",
    "决不",
    "決不",
    "从不",
    "從不",
    "永远不",
    "永遠不",
    "千万别",
    "千萬別",
    "别",
    "別",
    "不能",
    "不可",
    "不得",
    "禁止",
    "严禁",
    "嚴禁",
    "谨防",
    "謹防",
    "骗",
    "騙",
    "任何人",
];

/// How far apart a request and the secret it asks for may be, in bytes either way
/// ("please send us the 12-word seed phrase of your wallet", 把您钱包的私钥发给我).
const NEAR: usize = 36;

fn split_clauses(text: &str) -> impl Iterator<Item = &str> {
    text.split(['.', '!', '?', '\n', ';', '。', '！', '？', '；', ',', '，'])
}

fn positions<'a>(
    hay: &'a str,
    needles: &'a [&'a str],
) -> impl Iterator<Item = (usize, usize)> + 'a {
    needles.iter().flat_map(move |n| {
        hay.match_indices(n)
            .filter(move |(at, _)| is_word_boundary(hay, *at, n.len()))
            .map(move |(at, _)| (at, at + n.len()))
    })
}

/// Latin needles match whole words ("otp" not inside "footprint", "send" not inside
/// "sender"…); Chinese has no spaces, so its needles match anywhere.
fn is_word_boundary(hay: &str, at: usize, len: usize) -> bool {
    let before = hay[..at].chars().next_back();
    let after = hay[at + len..].chars().next();
    let latin = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let needle_latin = hay[at..at + len].starts_with(|c: char| c.is_ascii_alphanumeric());
    // A plural or third-person s still matches: "mnemonics", "asks for".
    let after_ok =
        !latin(after) || (after == Some('s') && !latin(hay[at + len + 1..].chars().next()));
    !needle_latin || (!latin(before) && after_ok)
}

/// The first request for a secret in `text`, if any.
pub fn asks_for_secret(text: &str) -> Option<Asks> {
    let lower = text.to_lowercase();
    for clause in split_clauses(&lower) {
        if NEGATIONS.iter().any(|n| clause.contains(n)) {
            continue;
        }
        let requests: Vec<(usize, usize)> = positions(clause, REQUESTS_EN)
            .chain(positions(clause, REQUESTS_ZH))
            .collect();
        if requests.is_empty() {
            continue;
        }
        for (secret, names) in SECRETS {
            for (s, e) in positions(clause, names) {
                let near = requests
                    .iter()
                    .any(|&(rs, re)| (re <= s && s - re <= NEAR) || (e <= rs && rs - e <= NEAR));
                if near {
                    return Some(Asks {
                        secret: *secret,
                        clause: clause.trim().to_owned(),
                    });
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_for_secrets_are_refused_in_english_and_chinese() {
        for (text, secret) in [
            (
                "Please send us your seed phrase so we can check.",
                Secret::SeedPhrase,
            ),
            (
                "Hi! To restore access, provide the 12 words of your wallet.",
                Secret::SeedPhrase,
            ),
            ("请提供您的助记词，我们帮您恢复。", Secret::SeedPhrase),
            ("您好，麻烦把助记词发给我们核实一下", Secret::SeedPhrase),
            ("把私钥发给我", Secret::PrivateKey),
            (
                "We need your private key to recover the funds",
                Secret::PrivateKey,
            ),
            (
                "Could you share your recovery phrase with me?",
                Secret::SeedPhrase,
            ),
            ("tell me your password", Secret::Password),
            ("为了核实身份，请告诉我您的登录密码", Secret::Password),
            ("What is your 2FA code?", Secret::TwoFactorCode),
            ("你的谷歌验证码是多少？", Secret::TwoFactorCode),
            ("请回复短信验证码", Secret::TwoFactorCode),
            (
                "Reply with the verification code we just sent you",
                Secret::TwoFactorCode,
            ),
            (
                "DM me your Google Authenticator code",
                Secret::TwoFactorCode,
            ),
        ] {
            let asks = asks_for_secret(text);
            assert_eq!(
                asks.as_ref().map(|a| a.secret),
                Some(secret),
                "{text:?} asks for a secret"
            );
        }
    }

    #[test]
    fn warnings_and_instructions_pass() {
        for text in [
            "Never share your seed phrase with anyone.",
            "We will never ask for your private key.",
            "请勿向任何人透露助记词。",
            "客服绝不会索要您的私钥或助记词，谨防诈骗。",
            "Do not send your recovery phrase to anyone who messages you.",
            "Please enter the verification code in the app to confirm the withdrawal.",
            "请在App中输入谷歌验证码完成提币。",
            "You can reset your password from the login page.",
            "Your seed phrase is the only way to restore the wallet, keep it offline.",
            "I have sent the transaction again; please confirm it in your wallet.",
            "We sent a new password reset link to your email address",
            "We will send you a password reset link.",
            "Please send us a screenshot of the error",
            "If anyone asks for your 2FA code, it is a scam.",
            "千万别把助记词发给别人",
            "您可以通过助记词恢复钱包，我们已经把教程发给您了。",
        ] {
            assert_eq!(asks_for_secret(text), None, "{text:?} is not a request");
        }
    }

    #[test]
    fn the_error_names_the_secret_and_the_clause() {
        let err = asks_for_secret("Thanks. Please send us your seed phrase.")
            .unwrap()
            .to_error("reply");
        assert_eq!(err.code, ErrorCode::Blocked);
        assert!(
            err.message.contains("a seed phrase") && err.message.contains("please send us"),
            "the agent sees what to rephrase: {}",
            err.message
        );
    }
}
