use proptest::prelude::*;

use super::lexicon::{
    self, CHINESE_SIMPLIFIED, CHINESE_TRADITIONAL, ENGLISH, LANGUAGES, valid_mnemonic,
};
use super::*;

const FRENCH: usize = 4;
const JAPANESE: usize = 6;
const KOREAN: usize = 7;
const SPANISH: usize = 9;

/// The words of a checksum-valid mnemonic of `len` words in `language`.
fn phrase(language: usize, len: usize, seed: &[u8]) -> Vec<&'static str> {
    valid_mnemonic(len, seed)
        .into_iter()
        .map(|i| lexicon::word(language, i))
        .collect()
}

fn kinds(text: &str) -> Vec<SecretKind> {
    redact(text).findings.iter().map(|f| f.kind).collect()
}

#[track_caller]
fn assert_redacted(text: &str, secret: &str, kind: SecretKind, why: &str) {
    let r = redact(text);
    assert!(
        r.findings.iter().any(|f| f.kind == kind),
        "{why}: expected a {kind} finding in {text:?}, got {:?}",
        r.findings
    );
    assert!(
        !r.text.contains(secret),
        "{why}: the secret must be gone: {:?}",
        r.text
    );
    assert!(
        r.text.contains(kind.marker()),
        "{why}: marked: {:?}",
        r.text
    );
}

#[track_caller]
fn assert_untouched(text: &str, why: &str) {
    let r = redact(text);
    assert!(
        r.is_clean() && r.text == text,
        "{why}: nothing to redact in {text:?}, got {:?} -> {:?}",
        r.findings,
        r.text
    );
}

#[test]
fn english_phrases_are_redacted_whatever_the_separators() {
    let words = phrase(ENGLISH, 12, b"english");
    let spaced = words.join(" ");
    let numbered_dots: String = words
        .iter()
        .enumerate()
        .map(|(i, w)| format!("{}. {w}\n", i + 1))
        .collect();
    let numbered_parens: String = words
        .iter()
        .enumerate()
        .map(|(i, w)| format!("({}){w} ", i + 1))
        .collect();
    let circled: String = words
        .iter()
        .zip('①'..)
        .map(|(w, n)| format!("{n}{w}"))
        .collect();
    let cases = [
        format!("my words are: {spaced} please help"),
        format!("words: {}", words.join(", ")),
        format!("{}\nthanks", words.join("\n")),
        format!("here:\n{numbered_dots}can you restore it?"),
        numbered_parens,
        circled,
        words.join("、"),
        words.join("，"),
        spaced.to_uppercase(),
        words
            .iter()
            .enumerate()
            .map(|(i, w)| format!("{}) {w}", i + 1))
            .collect::<Vec<_>>()
            .join(" "),
    ];
    for text in &cases {
        let r = redact(text);
        assert_eq!(
            r.findings.len(),
            1,
            "one phrase, one finding, in {text:?}: {:?}",
            r.findings
        );
        assert_eq!(r.findings[0].kind, SecretKind::SeedPhrase);
        // Neighbouring wordlist words ("please", "help") join the run and go with it.
        assert!(
            r.findings[0].words >= Some(12),
            "all twelve words counted: {:?}",
            r.findings
        );
        for w in &words {
            assert!(
                !r.text
                    .to_lowercase()
                    .split(|c: char| !c.is_alphabetic())
                    .any(|t| t == *w),
                "no word of the phrase may survive: {w} in {:?}",
                r.text
            );
        }
    }
}

#[test]
fn every_bip39_length_is_redacted_with_or_without_a_valid_checksum() {
    for len in [12, 15, 18, 21, 24] {
        let words = phrase(ENGLISH, len, &[len as u8, 7]);
        assert!(
            lexicon::checksum_holds(&valid_mnemonic(len, &[len as u8, 7])),
            "test phrases are real mnemonics"
        );
        let text = format!("please restore {}", words.join(" "));
        assert_redacted(&text, &words.join(" "), SecretKind::SeedPhrase, "valid");
        assert_eq!(redact(&text).findings[0].words, Some(len as u8));
    }
    // The first 12 words of the list in order: a well-known invalid checksum.
    let invalid =
        "abandon ability able about above absent absorb abstract absurd abuse access accident";
    let indices: Vec<u16> = (0..12).collect();
    assert!(!lexicon::checksum_holds(&indices), "checksum is invalid");
    assert_redacted(
        invalid,
        "absorb",
        SecretKind::SeedPhrase,
        "a mistyped phrase is a secret too",
    );
}

#[test]
fn a_longer_run_is_redacted_whole_and_a_shorter_one_kept() {
    let words = phrase(ENGLISH, 12, b"run");
    // "again" and "also" are wordlist words: ordinary words beside the phrase join the run.
    let text = format!("again {} also", words.join(" "));
    let r = redact(&text);
    assert_eq!(r.text, "[REDACTED:seed]", "13+ words: the whole run goes");
    assert_eq!(r.findings[0].words, Some(14));
    let eleven = words[..11].join(" ");
    assert_untouched(&eleven, "eleven words are not a phrase");
    // A full stop ends the run: two sentences of six wordlist words are prose.
    let two = format!("{}. {}", words[..6].join(" "), words[6..].join(" "));
    assert_untouched(&two, "a sentence break ends a run");
}

#[test]
fn four_letter_prefixes_from_metal_backups_count_as_words() {
    let words = phrase(ENGLISH, 12, b"plate");
    let prefixes: Vec<&str> = words.iter().map(|w| &w[..w.len().min(4)]).collect();
    let text = prefixes.join(" ").to_uppercase();
    assert_redacted(
        &text,
        &text,
        SecretKind::SeedPhrase,
        "plates store 4 letters",
    );
}

#[test]
fn chinese_phrases_with_separators_are_redacted_in_both_scripts() {
    for language in [CHINESE_SIMPLIFIED, CHINESE_TRADITIONAL] {
        let words = phrase(language, 12, b"zh");
        for sep in [" ", "、", "，", "\n", "　"] {
            let text = format!("我的助记词：{}，钱包打不开了", words.join(sep));
            assert_redacted(&text, &words.join(sep), SecretKind::SeedPhrase, sep);
        }
        let numbered: String = words
            .iter()
            .enumerate()
            .map(|(i, w)| format!("{}、{w} ", i + 1))
            .collect();
        assert_redacted(
            &numbered,
            &words[3..6].concat(),
            SecretKind::SeedPhrase,
            "numbered 1、",
        );
    }
}

#[test]
fn unseparated_chinese_needs_a_cue_and_a_valid_checksum() {
    let words = phrase(CHINESE_SIMPLIFIED, 12, b"unseparated").concat();
    for text in [
        format!("我的助记词是{words}，请帮我找回钱包"),
        format!("{words}\n这是我的助记词"),
        format!("seed phrase: {words}"),
        format!("您好，我昨天导入钱包的时候提示错误，我的恢复词{words}"),
    ] {
        assert_redacted(&text, &words, SecretKind::SeedPhrase, "cue and checksum");
    }
    let traditional = phrase(CHINESE_TRADITIONAL, 24, b"trad").concat();
    assert_redacted(
        &format!("助記詞：{traditional}"),
        &traditional,
        SecretKind::SeedPhrase,
        "traditional, 24 characters",
    );
    assert_untouched(&words, "no cue: could be any run of characters");
    let far = format!(
        "我的助记词丢了。{}{words}",
        "请问我还能不能通过别的方式找回我的钱包里面的资产，我非常着急，谢谢你们的帮助。".repeat(2)
    );
    assert_untouched(&far, "a cue far away does not count");
    // The last character changed so that the checksum fails: prose, however suspicious.
    let mut indices = valid_mnemonic(12, b"unseparated");
    while lexicon::checksum_holds(&indices) {
        indices[11] = (indices[11] + 1) % 2048;
    }
    let invalid: String = indices
        .iter()
        .map(|&i| lexicon::word(CHINESE_SIMPLIFIED, i))
        .collect();
    assert_untouched(
        &format!("我的助记词：{invalid}"),
        "an invalid checksum in unbroken characters is not a mnemonic",
    );
}

#[test]
fn other_wordlist_languages_are_redacted() {
    let ja = phrase(JAPANESE, 12, b"ja");
    let ko = phrase(KOREAN, 12, b"ko");
    let es = phrase(SPANISH, 12, b"es");
    let fr = phrase(FRENCH, 12, b"fr");
    for (words, sep) in [(&ja, "\u{3000}"), (&ko, " "), (&es, " "), (&fr, " ")] {
        // The lists are NFKD; customers type NFC.
        let nfc: String =
            unicode_normalization::UnicodeNormalization::nfc(words.join(sep).as_str()).collect();
        assert!(!redact(&nfc).is_clean(), "NFC input is found: {nfc}");
        assert!(!redact(&words.join(sep)).is_clean(), "NFKD input is found");
    }
}

/// A BIP-32 test vector (vector 1, master key).
const XPRV: &str = "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi";
const XPUB: &str = "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8";
const HEX: &str = "e9873d79c6d87dc0fb6a5778633389f4453213303da61f20bd67fc233aa33262";

fn wif(version: u8, compressed: bool) -> String {
    let mut payload = vec![version];
    payload.extend((1..=32u8).map(|b| b.wrapping_mul(7)));
    if compressed {
        payload.push(1);
    }
    bs58::encode(payload).with_check().into_string()
}

#[test]
fn wif_and_extended_private_keys_are_redacted_without_a_label() {
    for (version, compressed) in [(0x80, false), (0x80, true), (0xef, true)] {
        let key = wif(version, compressed);
        assert_redacted(
            &format!("导入这个 {key} 就报错"),
            &key,
            SecretKind::WifKey,
            "a checksum-valid WIF",
        );
    }
    // Known vectors too: the Bitcoin wiki's WIF example.
    assert_redacted(
        "5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ",
        "5HueCGU8",
        SecretKind::WifKey,
        "wiki WIF",
    );
    assert_redacted(
        &format!("xprv:{XPRV}"),
        XPRV,
        SecretKind::ExtendedPrivateKey,
        "xprv",
    );
    let mistyped = XPRV.replace('Q', "R");
    assert_redacted(
        &mistyped,
        &mistyped,
        SecretKind::ExtendedPrivateKey,
        "a mistyped xprv is still most of a key",
    );
    assert_untouched(&format!("my xpub is {XPUB}"), "public keys are not secrets");
    let mut broken = wif(0x80, true);
    broken.replace_range(10..11, if &broken[10..11] == "a" { "b" } else { "a" });
    assert_untouched(
        &format!("ref {broken}"),
        "an unlabelled base58 string with a bad checksum is not a key",
    );
    assert_redacted(
        &format!("私钥 {broken}"),
        &broken,
        SecretKind::WifKey,
        "a labelled WIF with a typo",
    );
}

#[test]
fn labelled_hex_is_a_key_and_unlabelled_hex_a_hash() {
    for text in [
        format!("my private key is {HEX}"),
        format!("Private Key: 0x{HEX}"),
        format!("私钥：{HEX}"),
        format!("私鑰 {HEX}"),
        format!("{HEX} 是我的私钥"),
        format!("privkey={HEX}"),
    ] {
        assert_redacted(&text, HEX, SecretKind::HexPrivateKey, "labelled");
    }
    for text in [
        HEX.to_owned(),
        format!("tx hash: {HEX}"),
        format!("交易哈希 0x{HEX}"),
        format!("我的私钥会不会泄露？交易哈希：{HEX}"),
        format!("txid {HEX} private key is safe"),
        format!("hash {HEX} 私钥"),
    ] {
        assert_untouched(&text, "a transaction hash survives");
    }
}

#[test]
fn addresses_and_hashes_survive() {
    for text in [
        "请帮我查一下 TRON 地址 TJYeasTPa6gpEEfYqmbWKGhNXzJ3z3Ho8r 的充值",
        "withdrawal to bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq is stuck",
        "sent to 0x742d35Cc6634C0532925a3b844Bc454e4438f44e yesterday",
        "legacy 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa and p2sh 3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
        "Solana: 7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV",
    ] {
        assert_untouched(text, "addresses are public");
    }
}

/// Support conversations as customers write them, full of wordlist words ("account",
/// "about", "again", "wallet", "transfer", "confirm"…) and of characters on the Chinese
/// lists, including talk about seed phrases.
const PROSE: &[&str] = &[
    "Hi, I tried to withdraw USDT from my account about an hour ago and it still says \
     pending. I checked again and the amount was already taken from my balance. Can you \
     please check what happened? I also want to know why the fee was so high today.",
    "My wallet app shows the transaction as failed but the funds are gone. I have a \
     screenshot of the error, the network was very slow at the time. Please advise what I \
     should do next, I need this money for rent.",
    "I lost my phone and I have my seed phrase written down on paper. How do I restore my \
     wallet on a new device? I do not want to type it anywhere unsafe.",
    "still waiting, no reply for two days, this is terrible service, I will tell everyone \
     about it",
    "bitcoin ethereum tron solana usdt usdc dai link uni aave comp", // a list of tickers
    "you can say hello to alpha bravo charlie delta echo fox golf hotel india jungle kilo",
    "您好，我昨天在钱包里给朋友转了一笔USDT，到现在还显示等待确认，请问是什么原因？\
     我已经等了十几个小时了，麻烦尽快帮我看一下，谢谢。",
    "我的助记词丢了，手机也换了，现在登录不了钱包，里面还有不少币，请问有没有别的办法可以找回？\
     我记得当时备份在一个本子上，但是找不到了。",
    "客服你好，提币一直没有到账，交易哈希我已经发给你们了，请尽快处理。\
     另外我想问一下，为什么手续费比上个月高了这么多？",
    "请问怎么确认交易？我在应用里没有看到确认按钮，是不是需要更新到最新版本才可以操作？",
    "账户被锁了，提示我的二次验证失败，我没有换过手机，也没有改过密码，请帮我解锁，非常感谢。",
    "注意：任何人向你索要助记词或者私钥都是骗子，请不要告诉任何人，客服也不会问你要这些信息。",
];

#[test]
fn ordinary_prose_in_english_and_chinese_is_kept() {
    for text in PROSE {
        assert_untouched(text, "ordinary prose");
    }
    // Every pair and triple of paragraphs too: joining messages must not make a phrase.
    for a in PROSE {
        for b in PROSE {
            assert_untouched(&format!("{a}\n{b}"), "joined prose");
        }
    }
}

#[test]
fn markers_and_warnings_are_neither_secrets_nor_cues() {
    for kind in SecretKind::ALL {
        let marker = kind.marker();
        assert_untouched(marker, "a marker is not a secret");
        for cue in cues::all() {
            assert!(
                !marker.to_ascii_lowercase().contains(cue),
                "marker {marker} must not contain cue {cue}: a second pass would see a label"
            );
        }
    }
    for language in ["en", "zh-CN", "zh-TW", "und"] {
        assert_untouched(customer_warning(language), "the warning is safe text");
    }
    assert!(customer_warning("zh-CN").contains("助记词"));
    assert!(customer_warning("zh-Hant-TW").contains("助記詞"));
    assert!(customer_warning("zh-HK").contains("私鑰"));
    assert!(customer_warning("fr").contains("never ask"));
}

#[test]
fn findings_point_at_their_markers_and_redaction_is_idempotent() {
    let words = phrase(ENGLISH, 12, b"pos").join(" ");
    let key = wif(0x80, true);
    let zh = phrase(CHINESE_SIMPLIFIED, 12, b"pos").concat();
    let text = format!("a: {words}\nb: 私钥 {HEX}\nc: {key}\nd: 助记词{zh}");
    let r = redact(&text);
    assert_eq!(
        r.findings.iter().map(|f| f.kind).collect::<Vec<_>>(),
        [
            SecretKind::SeedPhrase,
            SecretKind::HexPrivateKey,
            SecretKind::WifKey,
            SecretKind::SeedPhrase
        ],
        "{:?}",
        r.text
    );
    for f in &r.findings {
        assert_eq!(
            &r.text[f.start..f.end],
            f.kind.marker(),
            "offsets are the marker's"
        );
    }
    assert_eq!(redact(&r.text).text, r.text, "idempotent");
    assert!(redact(&r.text).is_clean(), "nothing new to find");
    assert_eq!(
        r.counts(),
        [
            (SecretKind::SeedPhrase, 2),
            (SecretKind::WifKey, 1),
            (SecretKind::HexPrivateKey, 1)
        ]
    );
    let json = serde_json::to_string(&r.findings[0]).unwrap();
    assert_eq!(
        json,
        r#"{"kind":"seed_phrase","start":3,"end":18,"words":12}"#
    );
}

#[test]
fn kinds_of_a_mixed_message() {
    assert_eq!(kinds("nothing here"), []);
    assert_eq!(kinds(XPRV), [SecretKind::ExtendedPrivateKey]);
}

fn any_phrase() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![
            ENGLISH,
            CHINESE_SIMPLIFIED,
            CHINESE_TRADITIONAL,
            FRENCH,
            JAPANESE,
            KOREAN,
            SPANISH,
        ]),
        prop::sample::select(lexicon::LENGTHS.to_vec()),
        prop::collection::vec(any::<u8>(), 1..8),
        prop::sample::select(vec![" ", ", ", "\n", "、", "  "]),
    )
        .prop_map(|(language, len, seed, sep)| {
            let sep = if language == JAPANESE {
                "\u{3000}"
            } else {
                sep
            };
            phrase(language, len, &seed).join(sep)
        })
}

fn any_secret() -> impl Strategy<Value = String> {
    prop_oneof![
        any_phrase(),
        (any::<u8>(), any::<bool>()).prop_map(|(b, c)| {
            let mut payload = vec![0x80];
            payload.extend((0..32u8).map(|i| i.wrapping_mul(b) ^ b));
            if c {
                payload.push(1);
            }
            bs58::encode(payload).with_check().into_string()
        }),
        "[0-9a-f]{64}".prop_map(|h| format!("private key {h}")),
        // Unseparated Chinese mnemonics made mostly of the commonest characters look like
        // prose and are knowingly let through (about 0.4% of them; see mnemonic::COMMON).
        prop::collection::vec(any::<u8>(), 1..8)
            .prop_filter("reads like prose", |seed| !super::mnemonic::too_common(
                &valid_mnemonic(12, seed)
            ))
            .prop_map(|seed| format!("助记词：{}", phrase(CHINESE_SIMPLIFIED, 12, &seed).concat())),
    ]
}

fn any_prose() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(PROSE.to_vec()).prop_map(str::to_owned),
        // Arbitrary text, with wordlist words, CJK, numbering and markers mixed in.
        prop::collection::vec(
            prop_oneof![
                "[a-z]{1,8}",
                "[ ,.、\n0-9()]{1,3}",
                "[\u{4e00}-\u{4e80}]{1,6}",
                prop::sample::select(vec![
                    "abandon",
                    "zoo",
                    "的",
                    "助记词",
                    "私钥",
                    "[REDACTED:seed]"
                ])
                .prop_map(str::to_owned),
                any::<String>(),
            ],
            0..30
        )
        .prop_map(|parts| parts.concat()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn a_secret_put_into_prose_is_always_redacted(
        before in any_prose(),
        secret in any_secret(),
        after in any_prose(),
    ) {
        let text = format!("{before}\n{secret}\n{after}");
        let r = redact(&text);
        prop_assert!(!r.is_clean(), "a secret must be found in {:?}", text);
        // The secret's distinctive core is gone: its longest piece without separators.
        let core = secret
            .split(|c: char| c.is_whitespace() || ",、：".contains(c))
            .max_by_key(|p| p.len())
            .unwrap();
        if core.chars().count() > 8 {
            prop_assert!(!r.text.contains(core), "{:?} left in {:?}", core, r.text);
        }
        let phrase_words: Vec<&str> = secret.split([' ', ',', '\n', '、', '\u{3000}']).filter(|w| !w.is_empty()).collect();
        if phrase_words.len() >= 12 {
            let joined_half = phrase_words[..6].join(" ");
            prop_assert!(!r.text.contains(&joined_half), "half a phrase left in {:?}", r.text);
        }
    }

    #[test]
    fn redaction_is_idempotent_and_never_grows_a_secret(text in any_prose(), secret in prop::option::of(any_secret())) {
        let text = match secret {
            Some(s) => format!("{text} {s} {text}"),
            None => text,
        };
        let once = redact(&text);
        let twice = redact(&once.text);
        prop_assert_eq!(&twice.text, &once.text, "idempotent");
        prop_assert!(twice.is_clean(), "redacted text holds no secret: {:?}", twice.findings);
        for f in &once.findings {
            prop_assert_eq!(&once.text[f.start..f.end], f.kind.marker());
        }
    }

    #[test]
    fn public_identifiers_survive(hash in "[0-9a-f]{64}", addr in "[0-9a-f]{40}", prose in any_prose()) {
        let text = format!("tx hash {hash} to address 0x{addr}");
        let r = redact(&format!("{prose} {text}"));
        prop_assert!(r.text.contains(&hash) && r.text.contains(&addr), "{:?}", r.text);
    }
}

#[test]
fn language_bits_cover_all_lists() {
    for language in 0..LANGUAGES {
        let first = lexicon::word(language, 0);
        let entry = lexicon::lookup(first).expect("every first word is found");
        assert!(entry.is_in(language));
        assert_eq!(entry.index[language], 0);
    }
}
