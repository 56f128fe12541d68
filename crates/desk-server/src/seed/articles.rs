//! The demo desk's knowledge base: the help-center articles a wallet's support team writes
//! first, in Chinese and English, about what its customers ask every day (DESIGN.md §1,
//! §11). One is a draft, so the help center can be seen leaving it out.

use std::collections::BTreeMap;

use desk_core::{Category, KbArticle, KbStatus, KbTranslation};

/// `(id, categories, (zh-CN title, body), (en title, body), published)`.
type Spec = (
    &'static str,
    &'static [Category],
    (&'static str, &'static str),
    (&'static str, &'static str),
    bool,
);

const SPECS: &[Spec] = &[
    (
        "kb-confirm-withdrawal",
        &[Category::TransactionConfirmation],
        (
            "提币一直显示“等待确认”怎么办？",
            "提币提交后，**需要您本人在 App 内确认**才会广播上链，系统不会自动确认。\n\n1. 打开 App，进入「资产 → 提币记录」。\n2. 点击显示“等待确认”的那笔交易。\n3. 核对地址和金额，点击**确认**并完成身份验证。\n\n确认后通常几分钟内上链。超过 24 小时未确认的提币会自动取消，资金退回余额。",
        ),
        (
            "My withdrawal says “awaiting confirmation”",
            "After you submit a withdrawal, **you confirm it in the app** before it is broadcast; it is never confirmed for you.\n\n1. Open the app and go to Assets → Withdrawal history.\n2. Tap the transaction marked “awaiting confirmation”.\n3. Check the address and amount, tap **Confirm** and verify it is you.\n\nIt is usually on chain within minutes. A withdrawal left unconfirmed for 24 hours is cancelled and the funds return to your balance.",
        ),
        true,
    ),
    (
        "kb-network-confirmations",
        &[Category::FundsNotArrived, Category::TransactionConfirmation],
        (
            "交易已上链但还没到账：区块确认数说明",
            "交易上链后，需要达到网络规定的**区块确认数**才会到账：BTC 通常 2 个，ETH 和 USDT-ERC20 约 12 个，TRON 约 20 个。\n\n网络拥堵时确认会变慢。您可以用交易哈希（TxID）在区块浏览器中查看当前确认数，达到要求后会自动到账，无需操作。",
        ),
        (
            "On chain but not credited yet: network confirmations",
            "Once on chain, a transaction is credited after the network's **required confirmations**: usually 2 for BTC, about 12 for ETH and USDT-ERC20, about 20 for TRON.\n\nConfirmations are slower when the network is congested. Look the transaction hash (TxID) up in a block explorer to see how many it has; it is credited automatically once it has enough.",
        ),
        true,
    ),
    (
        "kb-deposit-not-arrived",
        &[Category::FundsNotArrived],
        (
            "充值未到账怎么查？",
            "请先确认以下几点：\n\n- 充值地址和网络是否与 App 中显示的一致（例如 USDT 要区分 TRC20 和 ERC20）；\n- 交易在区块浏览器中是否成功，确认数是否足够；\n- 需要备注（Memo/Tag）的币种是否填写了备注。\n\n如果以上都没有问题仍未到账，请回复交易哈希（TxID）、币种和金额，我们会为您查询。",
        ),
        (
            "My deposit has not arrived",
            "Please check:\n\n- the deposit address and network match the app's (USDT on TRC20 and on ERC20 are different);\n- the transaction succeeded in a block explorer and has enough confirmations;\n- for coins that need a memo or tag, that you included it.\n\nIf all of this is right and the deposit is still missing, reply with the transaction hash (TxID), the coin and the amount, and we will look into it.",
        ),
        true,
    ),
    (
        "kb-wrong-network",
        &[Category::FundsNotArrived],
        (
            "提币地址或网络选错了还能追回吗？",
            "区块链交易一旦上链**无法撤回**。如果选错了网络，资金可能仍在同一地址的另一条链上：\n\n- 若接收方是您自己的钱包，可在该钱包中添加对应网络查看；\n- 若接收方是交易所，请联系对方平台，部分平台可以人工找回。\n\n我们无法替您修改已上链的交易，但可以提供交易证明协助您找回。",
        ),
        (
            "I sent to the wrong address or network",
            "A transaction on chain **cannot be reversed**. If the network was wrong, the funds may be at the same address on another chain:\n\n- if it is your own wallet, add that network in it to see them;\n- if it is an exchange, contact them: some can recover such deposits by hand.\n\nWe cannot change a transaction already on chain, but we can give you proof of it to help the recovery.",
        ),
        true,
    ),
    (
        "kb-account-locked",
        &[Category::AccountLocked, Category::Security],
        (
            "账户被锁定怎么办？",
            "为保护资产，系统在检测到异常登录、多次输错密码或大额异常交易时会临时锁定账户。\n\n请在 App 中按提示完成**身份验证**，审核通过后即可解锁，一般在 24 小时内完成。解锁前资金安全，不会被转出。",
        ),
        (
            "My account is locked",
            "To protect your assets, an account is locked for a while after an unusual sign-in, repeated wrong passwords or an unusual large transaction.\n\nComplete the **identity verification** the app asks for; once it is reviewed the account is unlocked, usually within 24 hours. Your funds are safe meanwhile and cannot be sent out.",
        ),
        true,
    ),
    (
        "kb-reset-2fa",
        &[Category::Account],
        (
            "换手机后谷歌验证器丢失，如何重置二次验证？",
            "在登录页点击「无法使用验证器」，按提示上传身份证件并进行人脸识别。审核通过后，二次验证会被重置，您可以重新绑定新的验证器。\n\n为安全起见，重置后 24 小时内不能提币。",
        ),
        (
            "I lost my authenticator: resetting two-factor authentication",
            "On the sign-in page tap “Can't use my authenticator” and follow the steps: an ID document and a face check. Once reviewed, two-factor authentication is reset and you can set up a new authenticator.\n\nFor your safety, withdrawals are paused for 24 hours after a reset.",
        ),
        true,
    ),
    (
        "kb-never-share-phrase",
        &[Category::Security],
        (
            "谨防诈骗：我们绝不会索要您的助记词",
            "我们的客服**绝不会**通过任何渠道索要您的助记词、私钥、密码或验证码，也不会要求您转账到任何“安全账户”。\n\n如有人冒充客服向您索要，请立即停止联系，并通过 App 内的客服入口告诉我们。",
        ),
        (
            "Beware of scams: we never ask for your recovery phrase",
            "Our support team will **never** ask for your recovery phrase, private key, password or verification codes, on any channel, nor ask you to move funds to a “safe account”.\n\nIf someone claiming to be us asks, stop replying and tell us through the support page in the app.",
        ),
        true,
    ),
    (
        "kb-fees",
        &[Category::Complaint, Category::UsageHelp],
        (
            "提币手续费是怎么计算的？",
            "提币手续费是支付给区块链网络的**矿工费**，按网络实时拥堵程度浮动，不由我们收取。提交提币前，App 会显示本次的预估手续费。\n\n网络空闲时（例如凌晨）手续费通常更低。",
        ),
        (
            "How are withdrawal fees calculated?",
            "A withdrawal fee is the **network fee** paid to the blockchain; it follows how busy the network is and does not go to us. The app shows the estimate before you submit.\n\nFees are usually lower when the network is quiet.",
        ),
        true,
    ),
    (
        "kb-large-withdrawal",
        &[Category::LargeTransaction],
        (
            "大额提币为什么需要审核？",
            "为防止盗号和诈骗，超过单笔限额的提币会进入**人工审核**，通常在 2 小时内完成。审核期间可能会电话联系您核实身份。\n\n如需转出大额资金，建议提前告知客服，我们会协助您尽快完成。",
        ),
        (
            "Why are large withdrawals reviewed?",
            "To stop account takeovers and scams, a withdrawal above the single-transaction limit goes to a **manual review**, usually done within 2 hours. We may call you to confirm it is you.\n\nIf you plan to move a large amount, tell support beforehand and we will help it through quickly.",
        ),
        true,
    ),
    (
        "kb-memo-tag",
        &[Category::FundsNotArrived],
        (
            "充值忘记填写备注（Memo/Tag）",
            "XRP、EOS 等币种充值到交易所时需要填写**备注（Memo/Tag）**，否则对方无法识别是谁的充值。\n\n请联系接收平台的客服，提供交易哈希和充值地址申请人工入账。",
        ),
        (
            "I forgot the memo or tag on a deposit",
            "Coins such as XRP and EOS need a **memo or tag** when deposited to an exchange, or the exchange cannot tell whose deposit it is.\n\nContact the receiving platform's support with the transaction hash and deposit address to have it credited by hand.",
        ),
        true,
    ),
    (
        "kb-draft-new-chain",
        &[Category::UsageHelp],
        (
            "（草稿）即将支持的新网络",
            "内部草稿：上线日期确定前不要对外发布。",
        ),
        (
            "(Draft) Networks coming soon",
            "Internal draft: not for customers until the launch date is set.",
        ),
        false,
    ),
];

/// The demo's articles, updated at `now_ms`.
pub fn demo_articles(now_ms: i64) -> Vec<KbArticle> {
    SPECS
        .iter()
        .enumerate()
        .map(|(i, &(id, categories, zh, en, published))| KbArticle {
            id: id.to_owned(),
            translations: BTreeMap::from([
                (
                    "zh-CN".to_owned(),
                    KbTranslation {
                        title: zh.0.to_owned(),
                        body: zh.1.to_owned(),
                    },
                ),
                (
                    "en".to_owned(),
                    KbTranslation {
                        title: en.0.to_owned(),
                        body: en.1.to_owned(),
                    },
                ),
            ]),
            tags: vec![],
            categories: categories.to_vec(),
            // A minute apart, the first newest: the help center lists newest first.
            updated_at: now_ms - i as i64 * 60_000,
            status: if published {
                KbStatus::Published
            } else {
                KbStatus::Draft
            },
            deleted_at: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_article_is_bilingual_and_would_pass_the_api() {
        let articles = demo_articles(1_000_000);
        assert!(articles.iter().any(|a| a.status == KbStatus::Draft));
        for a in articles {
            assert_eq!(a.translations.len(), 2, "{}", a.id);
            // What `PUT /kb/{id}` accepts, so the demo shows nothing a supervisor could not
            // write.
            let input = desk_core::admin::ArticleInput {
                translations: a.translations.clone(),
                tags: a.tags.clone(),
                categories: a.categories.clone(),
                status: a.status,
            };
            desk_core::admin::article_from(&a.id, input, a.updated_at)
                .unwrap_or_else(|e| panic!("{}: {e}", a.id));
        }
    }
}
