//! The automatic warning a customer gets when they sent a secret, in their language.

/// The warning for a conversation in `language` (BCP 47). Chinese in the script the
/// customer reads (`zh-TW`, `zh-HK`, `zh-Hant` get traditional characters), English for
/// every other language until more translations exist.
pub fn customer_warning(language: &str) -> &'static str {
    let tag = language.to_ascii_lowercase();
    if tag == "zh" || tag.starts_with("zh-") || tag.starts_with("zh_") {
        let traditional = ["hant", "tw", "hk", "mo"]
            .iter()
            .any(|t| tag.split(['-', '_']).skip(1).any(|part| part == *t));
        return if traditional { ZH_HANT } else { ZH_HANS };
    }
    EN
}

const EN: &str = "Security notice (automatic): your message contained what looks like a wallet \
recovery phrase or private key. We removed it before it was stored, but treat it as exposed. \
We will never ask for your recovery phrase, private key, password or 2FA codes: anyone who does \
is a scammer. Please create a new wallet and move your funds to it as soon as possible.";

const ZH_HANS: &str = "安全提醒（自动发送）：您的消息中似乎包含钱包助记词或私钥。我们已在保存前将其删除，\
但请视其为已泄露。我们绝不会向您索要助记词、私钥、密码或二次验证码，任何索要这些信息的人都是骗子。\
请尽快创建新钱包，并将资产转入新钱包。";

const ZH_HANT: &str = "安全提醒（自動發送）：您的訊息中似乎包含錢包助記詞或私鑰。我們已在儲存前將其刪除，\
但請視其為已洩露。我們絕不會向您索取助記詞、私鑰、密碼或二次驗證碼，任何索取這些資訊的人都是騙子。\
請盡快建立新錢包，並將資產轉入新錢包。";
