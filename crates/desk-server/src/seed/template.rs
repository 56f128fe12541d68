//! Conversation templates for the demo dataset and their `{placeholder}` rendering.

use desk_core::{Category, Priority, TxDirection, TxStatus};

use super::people::TxSpec;

/// One message of a conversation.
#[derive(Debug, Clone, Copy)]
pub enum Step {
    /// The customer writes.
    C(&'static str),
    /// The customer writes and attaches a screenshot (evidence, error screens).
    F(&'static str),
    /// An agent replies publicly.
    A(&'static str),
    /// An agent leaves an internal note.
    N(&'static str),
    /// The system records an event.
    S(&'static str),
}

impl Step {
    pub fn text(self) -> &'static str {
        match self {
            Step::C(t) | Step::F(t) | Step::A(t) | Step::N(t) | Step::S(t) => t,
        }
    }

    pub fn is_customer(self) -> bool {
        matches!(self, Step::C(_) | Step::F(_))
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Template {
    /// Names the template in tests and when debugging a generated ticket.
    #[allow(dead_code)]
    pub key: &'static str,
    pub category: Category,
    pub priority: Priority,
    pub tags: &'static [&'static str],
    /// The linked transaction, when the conversation is about one.
    pub tx: Option<TxSpec>,
    pub subject: &'static str,
    /// At most five; the first is the customer's.
    pub steps: &'static [Step],
}

const fn spec(status: TxStatus, direction: TxDirection, large: bool) -> TxSpec {
    TxSpec {
        status,
        direction,
        large,
        chain: None,
    }
}

pub const AWAIT_WD: Option<TxSpec> = Some(spec(
    TxStatus::AwaitingCustomerConfirmation,
    TxDirection::Withdrawal,
    false,
));
pub const AWAIT_TRANSFER: Option<TxSpec> = Some(spec(
    TxStatus::AwaitingCustomerConfirmation,
    TxDirection::Transfer,
    false,
));
pub const AWAIT_LARGE: Option<TxSpec> = Some(spec(
    TxStatus::AwaitingCustomerConfirmation,
    TxDirection::Withdrawal,
    true,
));
pub const PENDING_DEP: Option<TxSpec> =
    Some(spec(TxStatus::PendingChain, TxDirection::Deposit, false));
pub const PENDING_WD: Option<TxSpec> =
    Some(spec(TxStatus::PendingChain, TxDirection::Withdrawal, false));
pub const PENDING_BTC: Option<TxSpec> = Some(TxSpec {
    status: TxStatus::PendingChain,
    direction: TxDirection::Withdrawal,
    large: false,
    chain: Some("BTC"),
});
pub const CONFIRMED_DEP: Option<TxSpec> =
    Some(spec(TxStatus::Confirmed, TxDirection::Deposit, false));
pub const CONFIRMED_WD: Option<TxSpec> =
    Some(spec(TxStatus::Confirmed, TxDirection::Withdrawal, false));
pub const CONFIRMED_TRANSFER: Option<TxSpec> =
    Some(spec(TxStatus::Confirmed, TxDirection::Transfer, false));
pub const FAILED_WD: Option<TxSpec> = Some(spec(TxStatus::Failed, TxDirection::Withdrawal, false));
pub const FAILED_TRON: Option<TxSpec> = Some(TxSpec {
    status: TxStatus::Failed,
    direction: TxDirection::Transfer,
    large: false,
    chain: Some("TRON"),
});
pub const FROZEN_WD: Option<TxSpec> = Some(spec(TxStatus::Frozen, TxDirection::Withdrawal, false));
pub const FROZEN_LARGE: Option<TxSpec> =
    Some(spec(TxStatus::Frozen, TxDirection::Withdrawal, true));
pub const REVERSED_DEP: Option<TxSpec> =
    Some(spec(TxStatus::Reversed, TxDirection::Deposit, false));

/// Values substituted for `{name}`-style placeholders.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    pub pairs: Vec<(&'static str, String)>,
}

impl Vars {
    pub fn set(&mut self, key: &'static str, value: impl Into<String>) {
        self.pairs.push((key, value.into()));
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `text` with each known `{key}` replaced; unknown ones are left as written.
    pub fn render(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 64);
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            match after.find('}').map(|close| (&after[..close], close)) {
                Some((key, close)) if self.get(key).is_some() => {
                    out.push_str(self.get(key).unwrap_or_default());
                    rest = &after[close + 1..];
                }
                _ => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }
}

/// Every placeholder the generator fills.
#[cfg(test)]
pub const PLACEHOLDERS: &[&str] = &[
    "name",
    "agent",
    "asset",
    "chain",
    "amount",
    "hash",
    "short",
    "conf",
    "req",
    "addr",
    "eta",
    "hours",
    "uid",
    "phone4",
    "kyc",
    "fake_handle",
];

/// Placeholders that only make sense when the transaction was broadcast.
#[cfg(test)]
pub const NEEDS_BROADCAST: &[&str] = &["hash", "short"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_replaces_known_and_keeps_unknown() {
        let mut vars = Vars::default();
        vars.set("name", "王芳");
        vars.set("amount", "12.50");
        assert_eq!(
            vars.render("{name} 转了 {amount} {asset}{"),
            "王芳 转了 12.50 {asset}{",
            "known placeholders are filled, anything else is kept verbatim"
        );
    }
}
