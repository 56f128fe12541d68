//! Demo customers and their wallet transactions: names, contacts, tiers, assets, amounts,
//! hashes and addresses that look real and are not.
//!
//! Emails use reserved example domains and English-speaking phones the fictional 555-01xx
//! and 07700 900xxx ranges, so the demo can never mail or call a real person.

use desk_core::{Customer, CustomerTier, TxDirection, TxStatus, WalletTransaction};

use super::rng::Rng;

pub const ZH: &str = "zh-CN";
pub const EN: &str = "en";

const ZH_SURNAMES: &[(&str, &str)] = &[
    ("王", "wang"),
    ("李", "li"),
    ("张", "zhang"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("黄", "huang"),
    ("赵", "zhao"),
    ("吴", "wu"),
    ("周", "zhou"),
    ("徐", "xu"),
    ("孙", "sun"),
    ("马", "ma"),
    ("朱", "zhu"),
    ("胡", "hu"),
    ("郭", "guo"),
    ("何", "he"),
    ("林", "lin"),
    ("罗", "luo"),
    ("高", "gao"),
    ("郑", "zheng"),
    ("梁", "liang"),
    ("谢", "xie"),
    ("宋", "song"),
    ("唐", "tang"),
];

const ZH_GIVEN: &[(&str, &str)] = &[
    ("伟", "wei"),
    ("芳", "fang"),
    ("娜", "na"),
    ("敏", "min"),
    ("静", "jing"),
    ("磊", "lei"),
    ("洋", "yang"),
    ("艳", "yan"),
    ("勇", "yong"),
    ("军", "jun"),
    ("杰", "jie"),
    ("娟", "juan"),
    ("涛", "tao"),
    ("明", "ming"),
    ("超", "chao"),
    ("秀英", "xiuying"),
    ("晓明", "xiaoming"),
    ("子涵", "zihan"),
    ("浩然", "haoran"),
    ("雨桐", "yutong"),
    ("思远", "siyuan"),
    ("佳怡", "jiayi"),
    ("俊杰", "junjie"),
    ("欣怡", "xinyi"),
    ("志强", "zhiqiang"),
    ("海燕", "haiyan"),
    ("建华", "jianhua"),
];

const EN_FIRST: &[&str] = &[
    "Alice", "James", "Olivia", "Liam", "Emma", "Noah", "Sophia", "Lucas", "Mia", "Ethan",
    "Amelia", "Mason", "Harper", "Logan", "Ava", "Daniel", "Chloe", "Samuel", "Grace", "Henry",
    "Isla", "Jack", "Ruby", "Oscar", "Priya", "Arjun", "Carlos", "Sofia", "Mateo", "Fatima",
    "Omar", "Yuki", "Hana", "Minh", "Linh", "Kwame", "Amara", "Lena", "Tomasz",
];

const EN_LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "Brown",
    "Taylor",
    "Wilson",
    "Martin",
    "Anderson",
    "Clarke",
    "Walker",
    "Wright",
    "Green",
    "Hall",
    "Lewis",
    "Young",
    "King",
    "Patel",
    "Singh",
    "Garcia",
    "Rodriguez",
    "Nguyen",
    "Tanaka",
    "Kim",
    "Mueller",
    "Rossi",
    "Dubois",
    "Silva",
    "Okafor",
    "Mensah",
    "Kowalski",
    "Novak",
    "Haddad",
    "Ito",
];

const ZH_EMAIL_DOMAINS: &[&str] = &["example.cn", "mail.example.cn", "example.com"];
const EN_EMAIL_DOMAINS: &[&str] = &[
    "example.com",
    "example.org",
    "example.net",
    "mail.example.com",
];

/// Asset, chain, confirmations the platform requires, decimals shown, weight.
struct AssetKind {
    asset: &'static str,
    chain: &'static str,
    required: u32,
    decimals: u32,
    /// Typical and large amount ranges, in whole units × 100 (cents of the unit).
    normal: (u64, u64),
    large: (u64, u64),
}

const ASSETS: &[(AssetKind, u32)] = &[
    (
        AssetKind {
            asset: "USDT",
            chain: "TRON",
            required: 19,
            decimals: 2,
            normal: (2_000, 800_000),
            large: (5_000_000, 50_000_000),
        },
        40,
    ),
    (
        AssetKind {
            asset: "USDT",
            chain: "ETH",
            required: 12,
            decimals: 2,
            normal: (5_000, 1_000_000),
            large: (5_000_000, 40_000_000),
        },
        14,
    ),
    (
        AssetKind {
            asset: "ETH",
            chain: "ETH",
            required: 12,
            decimals: 6,
            normal: (2, 800),
            large: (2_000, 30_000),
        },
        12,
    ),
    (
        AssetKind {
            asset: "BTC",
            chain: "BTC",
            required: 3,
            decimals: 8,
            normal: (1, 60),
            large: (150, 2_500),
        },
        12,
    ),
    (
        AssetKind {
            asset: "USDC",
            chain: "ETH",
            required: 12,
            decimals: 2,
            normal: (5_000, 600_000),
            large: (5_000_000, 30_000_000),
        },
        6,
    ),
    (
        AssetKind {
            asset: "TRX",
            chain: "TRON",
            required: 19,
            decimals: 2,
            normal: (10_000, 5_000_000),
            large: (50_000_000, 400_000_000),
        },
        6,
    ),
    (
        AssetKind {
            asset: "BNB",
            chain: "BSC",
            required: 15,
            decimals: 4,
            normal: (5, 2_000),
            large: (10_000, 80_000),
        },
        5,
    ),
    (
        AssetKind {
            asset: "USDT",
            chain: "BSC",
            required: 15,
            decimals: 2,
            normal: (2_000, 500_000),
            large: (5_000_000, 30_000_000),
        },
        5,
    ),
];

/// What a template needs from the transaction it is about.
#[derive(Debug, Clone, Copy)]
pub struct TxSpec {
    pub status: TxStatus,
    pub direction: TxDirection,
    pub large: bool,
    pub chain: Option<&'static str>,
}

/// The details a conversation talks about; a transaction record only when linked.
#[derive(Debug, Clone)]
pub struct TxContext {
    pub asset: &'static str,
    pub chain: &'static str,
    pub amount: String,
    pub hash: String,
    pub address: String,
    pub confirmations: u32,
    pub required: u32,
    /// Confirmations the chain needs, whatever the transaction's state.
    pub chain_required: u32,
}

pub fn customer(rng: &mut Rng, index: u64, now: i64) -> Customer {
    let zh = rng.chance(55);
    let created_at = now - rng.range_i64(30, 900) * 86_400_000 - rng.range_i64(0, 86_400_000);
    let (name, handle_base) = if zh {
        let (surname, s_py) = *rng.pick(ZH_SURNAMES);
        let (given, g_py) = *rng.pick(ZH_GIVEN);
        (format!("{surname}{given}"), format!("{s_py}{g_py}"))
    } else {
        let first = *rng.pick(EN_FIRST);
        let last = *rng.pick(EN_LAST);
        (
            format!("{first} {last}"),
            format!("{}.{}", first.to_lowercase(), last.to_lowercase()),
        )
    };
    let suffix = rng.range(1, 999);
    let mut emails = Vec::new();
    if rng.chance(88) {
        let domain = rng.pick(if zh {
            ZH_EMAIL_DOMAINS
        } else {
            EN_EMAIL_DOMAINS
        });
        emails.push(format!("{handle_base}{suffix}@{domain}"));
        if rng.chance(10) {
            emails.push(format!(
                "{}.work@example.com",
                handle_base.replace('.', "_")
            ));
        }
    }
    let mut phones = Vec::new();
    if rng.chance(75) {
        phones.push(if zh {
            format!(
                "+86 13{} {:04} {:04}",
                rng.range(0, 10),
                rng.range(0, 10_000),
                rng.range(0, 10_000)
            )
        } else if rng.chance(60) {
            format!("+1 202 555 01{:02}", rng.range(0, 100))
        } else {
            format!("+44 7700 900{:03}", rng.range(0, 1000))
        });
    }
    let mut handles = Vec::new();
    if zh && rng.chance(65) {
        handles.push(format!(
            "wechat:wxid_{}",
            rng.string_from("abcdefghijkmnpqrstuvwxyz23456789", 12)
        ));
    }
    if rng.chance(if zh { 30 } else { 55 }) {
        handles.push(format!(
            "telegram:@{}_{}",
            handle_base.replace('.', "_"),
            rng.range(10, 99)
        ));
    }
    let tier = *rng.weighted(&[
        (CustomerTier::Standard, 80),
        (CustomerTier::Vip, 15),
        (CustomerTier::Institutional, 5),
    ]);
    let kyc_level = match tier {
        CustomerTier::Standard => *rng.weighted(&[(0u8, 10), (1, 40), (2, 40), (3, 10)]),
        _ => *rng.weighted(&[(2u8, 40), (3, 60)]),
    };
    let mut risk_flags = Vec::new();
    if rng.chance(4) {
        risk_flags.push("new_device_login".to_owned());
    }
    if rng.chance(3) {
        risk_flags.push("scam_target".to_owned());
    }
    let mut tags = Vec::new();
    match tier {
        CustomerTier::Vip => tags.push("vip".to_owned()),
        CustomerTier::Institutional => tags.push("institutional".to_owned()),
        CustomerTier::Standard => {}
    }
    if rng.chance(8) {
        tags.push(if zh {
            "otc".to_owned()
        } else {
            "high-volume".to_owned()
        });
    }
    let notes = match (zh, rng.range(0, 8)) {
        (true, 0) => "偏好微信联系,工作日晚上回复较快",
        (true, 1) => "老用户,多次咨询手续费问题",
        (true, 2) => "曾遭遇冒充客服诈骗,沟通时请提醒安全事项",
        (false, 0) => "Prefers email; based in UTC+1",
        (false, 1) => "Trades mostly USDT on TRON; sensitive to fees",
        (false, 2) => "Asked twice about large transfers; loop in the VIP desk",
        _ => "",
    }
    .to_owned();
    Customer {
        id: rng.uuid_v7(created_at),
        // Unique by construction (one stride per index), random-looking within it.
        platform_user_id: format!("U{}", 10_483_000 + index * 37 + rng.range(0, 37)),
        name,
        emails,
        phones,
        handles,
        preferred_language: if zh { ZH } else { EN }.to_owned(),
        tier,
        kyc_level,
        risk_flags,
        tags,
        notes,
        created_at,
        updated_at: created_at + rng.range_i64(0, 20) * 86_400_000,
    }
}

fn amount_text(rng: &mut Rng, kind: &AssetKind, large: bool) -> String {
    let (lo, hi) = if large { kind.large } else { kind.normal };
    let hundredths = rng.range(lo, hi + 1);
    let extra_digits = kind.decimals.saturating_sub(2);
    let tail = if extra_digits > 0 {
        format!(
            "{:0width$}",
            rng.range(0, 10u64.pow(extra_digits)),
            width = extra_digits as usize
        )
    } else {
        String::new()
    };
    format!("{}.{:02}{}", hundredths / 100, hundredths % 100, tail)
}

fn hash_for(rng: &mut Rng, chain: &str) -> String {
    match chain {
        "ETH" | "BSC" => format!("0x{}", rng.hex(64)),
        _ => rng.hex(64),
    }
}

fn address_for(rng: &mut Rng, chain: &str) -> String {
    match chain {
        "TRON" => format!(
            "T{}",
            rng.string_from(
                "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz",
                33
            )
        ),
        "BTC" => format!(
            "bc1q{}",
            rng.string_from("qpzry9x8gf2tvdw0s3jn54khce6mua7l", 38)
        ),
        _ => format!("0x{}", rng.hex(40)),
    }
}

/// The transaction a conversation is about, shaped by `spec` (or a plausible one).
pub fn tx_context(rng: &mut Rng, spec: Option<&TxSpec>) -> TxContext {
    let chain_wanted = spec.and_then(|s| s.chain);
    let kind = loop {
        let kind = rng.weighted(ASSETS);
        if chain_wanted.is_none_or(|c| c == kind.chain) {
            break kind;
        }
    };
    let large = spec.is_some_and(|s| s.large);
    let (confirmations, required) = match spec.map(|s| s.status) {
        Some(TxStatus::AwaitingCustomerConfirmation) => (0, 1),
        Some(TxStatus::PendingChain) => {
            (rng.range(1, u64::from(kind.required)) as u32, kind.required)
        }
        Some(TxStatus::Failed | TxStatus::Frozen) => (0, kind.required),
        _ => (kind.required + rng.range(0, 400) as u32, kind.required),
    };
    TxContext {
        asset: kind.asset,
        chain: kind.chain,
        amount: amount_text(rng, kind, large),
        hash: hash_for(rng, kind.chain),
        address: address_for(rng, kind.chain),
        confirmations,
        required,
        chain_required: kind.required,
    }
}

/// The wallet transaction record for a context, created `at` and last changed
/// `updated_at`. A `settled` one (its ticket was resolved) has gone through: whatever was
/// waiting on the customer, the chain or a review is confirmed by now.
pub fn transaction(
    rng: &mut Rng,
    customer_id: &str,
    spec: &TxSpec,
    ctx: &TxContext,
    at: i64,
    updated_at: i64,
    settled: bool,
) -> WalletTransaction {
    let waiting = matches!(
        spec.status,
        TxStatus::AwaitingCustomerConfirmation | TxStatus::PendingChain | TxStatus::Frozen
    );
    let (status, confirmations, required) = if settled && waiting {
        let required = ctx.chain_required;
        (
            TxStatus::Confirmed,
            required + rng.range(0, 300) as u32,
            required,
        )
    } else {
        (spec.status, ctx.confirmations, ctx.required)
    };
    // Not broadcast yet: the customer has not confirmed, or risk control holds it.
    let broadcast = !matches!(
        status,
        TxStatus::AwaitingCustomerConfirmation | TxStatus::Frozen
    );
    WalletTransaction {
        id: rng.uuid_v7(at),
        customer_id: customer_id.to_owned(),
        asset: ctx.asset.to_owned(),
        chain: ctx.chain.to_owned(),
        amount: ctx.amount.clone(),
        direction: spec.direction,
        tx_hash: broadcast.then(|| ctx.hash.clone()),
        status,
        confirmations,
        required_confirmations: required,
        created_at: at,
        updated_at: updated_at.max(at),
    }
}

/// Older, settled transactions that make a customer's history look lived in.
pub fn history(rng: &mut Rng, customer: &Customer, now: i64) -> Vec<WalletTransaction> {
    let count = *rng.weighted(&[(0usize, 30), (1, 45), (2, 25)]);
    (0..count)
        .map(|_| {
            let spec = TxSpec {
                status: TxStatus::Confirmed,
                direction: *rng.pick(&[TxDirection::Deposit, TxDirection::Withdrawal]),
                large: false,
                chain: None,
            };
            let ctx = tx_context(rng, Some(&spec));
            let span = (now - customer.created_at).max(86_400_000);
            let at = customer.created_at + rng.range_i64(0, span - 3_600_000);
            let updated_at = at + rng.range_i64(60_000, 3_600_000);
            transaction(rng, &customer.id, &spec, &ctx, at, updated_at, true)
        })
        .collect()
}
