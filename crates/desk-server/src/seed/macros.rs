//! The demo desk's canned replies: what a wallet support team answers every day, in
//! Chinese and English, with the variables the console fills from the ticket. None asks the
//! customer for a secret (the outgoing guard would refuse it), and the security one says
//! so in as many words.

use std::collections::BTreeMap;

use desk_core::{Category, Macro, MacroAction, TicketStatus};

/// `(id, title, zh-CN body, en body, variables, actions, categories)`.
type Spec = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    fn() -> Vec<MacroAction>,
    &'static [Category],
);

const SPECS: &[Spec] = &[
    (
        "macro-confirm-in-app",
        "Confirm the withdrawal in the app / 请在 App 内确认",
        "{{customer.name}}您好，您的 {{transaction.amount}} {{transaction.asset}} 提币正在等待您在 App 内确认。请打开 App，在「资产 → 提币记录」中点击该笔交易并完成确认，确认后会自动广播上链。如有疑问请直接回复本工单 {{ticket.number}}。",
        "Hi {{customer.name}}, your withdrawal of {{transaction.amount}} {{transaction.asset}} is waiting for your confirmation in the app. Open the app, go to Assets → Withdrawal history, tap the transaction and confirm it; it is broadcast as soon as you do. Reply to ticket {{ticket.number}} if anything is unclear.",
        &[
            "customer.name",
            "transaction.amount",
            "transaction.asset",
            "ticket.number",
        ],
        || {
            vec![MacroAction::SetStatus {
                status: TicketStatus::PendingCustomer,
            }]
        },
        &[Category::TransactionConfirmation],
    ),
    (
        "macro-confirmations",
        "Waiting for network confirmations / 等待区块确认",
        "{{customer.name}}您好，这笔 {{transaction.asset}} 交易已上链，目前 {{transaction.confirmations}}/{{transaction.required_confirmations}} 个确认，达到要求后会自动到账，一般需要 10–30 分钟。交易哈希：{{transaction.hash}}",
        "Hi {{customer.name}}, the {{transaction.asset}} transaction is on chain with {{transaction.confirmations}} of {{transaction.required_confirmations}} confirmations; it is credited automatically once it has them, usually within 10–30 minutes. Transaction hash: {{transaction.hash}}",
        &[
            "customer.name",
            "transaction.asset",
            "transaction.confirmations",
            "transaction.required_confirmations",
            "transaction.hash",
        ],
        Vec::new,
        &[Category::FundsNotArrived, Category::TransactionConfirmation],
    ),
    (
        "macro-security-warning",
        "We never ask for your recovery phrase / 我们绝不会索要助记词",
        "{{customer.name}}您好，请注意：我们的客服绝不会索要您的助记词、私钥、密码或验证码，也不会要求您转账到任何地址。如有人以客服名义索要，请立即停止联系并告诉我们。",
        "Hi {{customer.name}}, please note: our support team will never ask for your recovery phrase, private key, password or verification codes, nor ask you to send funds anywhere. If anyone claiming to be us asks, stop replying and tell us.",
        &["customer.name"],
        || {
            vec![MacroAction::AddTags {
                tags: vec!["security-notice".into()],
            }]
        },
        &[Category::Security, Category::AccountLocked],
    ),
    (
        "macro-account-review",
        "Account under review / 账户安全审核中",
        "{{customer.name}}您好，出于安全原因，您的账户正在进行例行审核，期间提币暂时受限。审核通常在 24 小时内完成，结果会通过本工单 {{ticket.number}} 通知您，无需重复提交。",
        "Hi {{customer.name}}, for your security your account is under a routine review, and withdrawals are paused meanwhile. Reviews usually finish within 24 hours; we will tell you on ticket {{ticket.number}}, so there is no need to write again.",
        &["customer.name", "ticket.number"],
        || {
            vec![MacroAction::SetStatus {
                status: TicketStatus::PendingCustomer,
            }]
        },
        &[Category::AccountLocked, Category::Account],
    ),
    (
        "macro-solved",
        "Solved, anything else? / 已解决，还有其他问题吗",
        "{{customer.name}}您好，问题已经处理完毕。如还有其他问题，直接回复即可，我们会继续为您处理。祝您使用愉快！—— {{agent.name}}",
        "Hi {{customer.name}}, this is sorted now. If anything else comes up, just reply here and we will pick it up. — {{agent.name}}",
        &["customer.name", "agent.name"],
        || {
            vec![MacroAction::SetStatus {
                status: TicketStatus::Solved,
            }]
        },
        &[],
    ),
];

/// The demo macros, dated `now_ms`.
pub fn demo_macros(now_ms: i64) -> Vec<Macro> {
    SPECS
        .iter()
        .map(
            |&(id, title, zh, en, variables, actions, categories)| Macro {
                id: id.to_owned(),
                title: title.to_owned(),
                bodies: BTreeMap::from([
                    ("zh-CN".to_owned(), zh.to_owned()),
                    ("en".to_owned(), en.to_owned()),
                ]),
                variables: variables.iter().map(|v| (*v).to_owned()).collect(),
                actions: actions(),
                categories: categories.to_vec(),
                updated_at: now_ms,
                deleted_at: None,
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_macro_is_bilingual_declares_its_variables_and_asks_for_no_secret() {
        for m in demo_macros(0) {
            assert_eq!(m.bodies.len(), 2, "{}: zh-CN and en", m.id);
            for (language, body) in &m.bodies {
                assert!(
                    desk_core::guard::asks_for_secret(body).is_none(),
                    "{} ({language}) would be blocked by the outgoing guard",
                    m.id
                );
                let mut rest = body.as_str();
                while let Some(open) = rest.find("{{") {
                    let close = rest[open..].find("}}").expect("closed placeholder") + open;
                    let name = rest[open + 2..close].trim();
                    assert!(
                        m.variables.iter().any(|v| v == name),
                        "{} ({language}) uses {name} without declaring it",
                        m.id
                    );
                    rest = &rest[close + 2..];
                }
            }
        }
    }
}
