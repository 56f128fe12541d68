//! How `desk show` tells where a public reply went and how far it got: one line under the
//! reply, `→ email li@example.cn: sent`.

use desk_core::{Delivery, DeliveryState};

/// The line shown under a reply with a delivery, `now_ms` reading a retry's time as a
/// wait: `→ email li@example.cn: failed: 550 user unknown`.
pub fn line(d: &Delivery, now_ms: i64) -> String {
    let to = match &d.recipient {
        Some(r) => format!("{} {r}", d.channel),
        None => d.channel.to_string(),
    };
    let state = match d.state {
        DeliveryState::Queued => {
            let mut s = String::from("queued");
            if let Some(at) = d.next_attempt_at.filter(|at| *at > now_ms) {
                s.push_str(&format!(
                    ", next attempt in {} s",
                    (at - now_ms + 999) / 1000
                ));
            }
            if let Some(e) = &d.error {
                s.push_str(&format!(" (last error: {e})"));
            }
            s
        }
        DeliveryState::Sending => "sending".to_owned(),
        DeliveryState::Sent => "sent".to_owned(),
        DeliveryState::Failed => match &d.error {
            Some(e) => format!("failed: {e}"),
            None => "failed".to_owned(),
        },
    };
    format!("→ {to}: {state}")
}

#[cfg(test)]
mod tests {
    use desk_core::Channel;

    use super::*;

    fn delivery(state: DeliveryState) -> Delivery {
        Delivery {
            id: "r1".into(),
            ticket_id: "t1".into(),
            channel: Channel::Email,
            recipient: Some("li@example.cn".into()),
            mailbox: None,
            state,
            attempts: 1,
            error: None,
            created_at: 0,
            updated_at: 0,
            sent_at: None,
            next_attempt_at: None,
        }
    }

    #[test]
    fn each_state_reads_as_one_line_naming_channel_and_address() {
        assert_eq!(
            line(&delivery(DeliveryState::Sent), 0),
            "→ email li@example.cn: sent",
            "an email names its address"
        );
        let failed = Delivery {
            error: Some("550 5.1.1 user unknown".into()),
            ..delivery(DeliveryState::Failed)
        };
        assert_eq!(
            line(&failed, 0),
            "→ email li@example.cn: failed: 550 5.1.1 user unknown",
            "a failure says why, so the agent can correct the address"
        );
        let waiting = Delivery {
            error: Some("421 try later".into()),
            next_attempt_at: Some(45_000),
            ..delivery(DeliveryState::Queued)
        };
        assert_eq!(
            line(&waiting, 1_000),
            "→ email li@example.cn: queued, next attempt in 44 s (last error: 421 try later)",
            "a queued retry says when and why it waits"
        );
        let nowhere = Delivery {
            channel: Channel::Telegram,
            recipient: None,
            ..delivery(DeliveryState::Sending)
        };
        assert_eq!(
            line(&nowhere, 0),
            "→ telegram: sending",
            "without an address only the channel is named"
        );
    }
}
