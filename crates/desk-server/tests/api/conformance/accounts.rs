//! Agents, devices and tokens: what sign-in, refresh and sign-out rely on.

use std::sync::Arc;

use desk_core::wire::Change;
use desk_core::{Agent, Role};
use desk_server::Error;
use desk_server::audit::Actor;
use desk_server::storage::{Credential, NewAgent, NewDevice, RotateOutcome, Rotation, Storage};

use super::everything;

const NOW: i64 = 1_000_000;

/// The operator the audit log names for these admin actions.
fn admin() -> Actor {
    Actor::Operator("root".into())
}
const HOUR: i64 = 3_600_000;

fn new_agent(id: &str, email: &str) -> NewAgent {
    NewAgent {
        id: id.into(),
        email: email.into(),
        name: format!("Agent {id}"),
        role: Role::Agent,
        languages: vec!["zh-CN".into(), "en".into()],
        groups: Vec::new(),
        skills: vec![],
        capacity: None,
        credential: Credential::Password(format!("hash-of-{id}")),
        by: admin(),
    }
}

fn new_device(id: &str, agent_id: &str, refresh: &str, access: &str) -> NewDevice {
    NewDevice {
        id: id.into(),
        agent_id: agent_id.into(),
        name: "test laptop".into(),
        refresh_hash: refresh.into(),
        refresh_expires_at: NOW + 24 * HOUR,
        access_hash: access.into(),
        access_expires_at: NOW + HOUR,
        now: NOW,
    }
}

fn rotation(presented: &str, new_refresh: &str, new_access: &str, now: i64) -> Rotation {
    Rotation {
        presented_refresh_hash: presented.into(),
        new_refresh_hash: new_refresh.into(),
        refresh_expires_at: now + 24 * HOUR,
        new_access_hash: new_access.into(),
        access_expires_at: now + HOUR,
        now,
    }
}

/// An agent with one signed-in device (`d1`, refresh `r1`, access `a1`).
async fn signed_in(storage: &dyn Storage) -> Agent {
    let agent = storage
        .create_agent(new_agent("ag1", "Lin.Wei@desk.test"), NOW)
        .await
        .expect("create agent");
    storage
        .create_device(new_device("d1", "ag1", "r1", "a1"))
        .await
        .expect("create device");
    agent
}

pub async fn agents_are_unique_by_email_case_insensitively(storage: Arc<dyn Storage>) {
    let created = storage
        .create_agent(new_agent("ag1", "  Lin.Wei@desk.test "), NOW)
        .await
        .expect("create the first agent");
    assert_eq!(
        created.email, "Lin.Wei@desk.test",
        "the email is kept as written, trimmed"
    );
    let duplicate = storage
        .create_agent(new_agent("ag2", "lin.wei@DESK.test"), NOW)
        .await
        .unwrap_err();
    assert!(
        matches!(duplicate, Error::Conflict(_)),
        "the same email in other case is taken: {duplicate:?}"
    );
    storage
        .create_agent(new_agent("ag3", "amy@desk.test"), NOW + 1)
        .await
        .expect("a different email is free");

    let info = storage
        .login_info("LIN.WEI@desk.test")
        .await
        .unwrap()
        .expect("login finds the agent in any case");
    assert_eq!(info.agent, created, "login sees the stored agent");
    assert_eq!(
        info.password_hash.as_deref(),
        Some("hash-of-ag1"),
        "the hash is stored as given"
    );
    assert!(!info.disabled, "new agents are enabled");
    assert!(
        storage
            .login_info("nobody@desk.test")
            .await
            .unwrap()
            .is_none(),
        "an unknown email has no login"
    );

    let listed = storage.list_agents().await.unwrap();
    let emails: Vec<_> = listed.iter().map(|a| a.agent.email.as_str()).collect();
    assert_eq!(
        emails,
        ["amy@desk.test", "Lin.Wei@desk.test"],
        "agents are listed by email key, and the refused duplicate is not among them"
    );
    assert_eq!(
        listed[1].agent.languages,
        ["zh-CN", "en"],
        "languages keep their order"
    );
    assert_eq!(
        listed[0].created_at,
        NOW + 1,
        "creation time is the caller's now"
    );
}

pub async fn new_agents_ride_the_feed(storage: Arc<dyn Storage>) {
    let agent = storage
        .create_agent(new_agent("ag1", "lin@desk.test"), NOW)
        .await
        .unwrap();
    let _ = storage
        .create_agent(new_agent("ag2", "LIN@desk.test"), NOW)
        .await
        .unwrap_err();
    assert_eq!(
        everything(storage.as_ref()).await,
        vec![Change::Agent(agent)],
        "clients learn agents' names from the feed; a refused duplicate adds nothing"
    );
}

pub async fn passwords_change_and_disabling_signs_devices_out(storage: Arc<dyn Storage>) {
    signed_in(storage.as_ref()).await;
    let missing = storage
        .set_agent_password("nobody@desk.test", "x".into(), NOW, &admin())
        .await
        .unwrap_err();
    assert!(
        matches!(missing, Error::NotFound(_)),
        "setting an unknown agent's password is not found: {missing:?}"
    );
    let agent = storage
        .set_agent_password("LIN.WEI@desk.test", "new-hash".into(), NOW, &admin())
        .await
        .unwrap();
    assert_eq!(
        agent.id, "ag1",
        "the password is set on the agent with that email"
    );
    let info = storage
        .login_info("lin.wei@desk.test")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        info.password_hash.as_deref(),
        Some("new-hash"),
        "the new hash replaces the old"
    );

    assert!(
        storage
            .session_for_access("a1", NOW)
            .await
            .unwrap()
            .is_some(),
        "the device is signed in before the agent is disabled"
    );
    storage
        .set_agent_disabled("lin.wei@desk.test", true, NOW, &admin())
        .await
        .unwrap();
    assert!(
        storage
            .session_for_access("a1", NOW)
            .await
            .unwrap()
            .is_none(),
        "disabling an agent signs its devices out at once"
    );
    assert_eq!(
        storage
            .rotate_refresh(rotation("r1", "r2", "a2", NOW))
            .await
            .unwrap(),
        RotateOutcome::Revoked {
            device_id: "d1".into()
        },
        "a disabled agent's revoked device cannot refresh, and is known as a revoked device's"
    );
    let listed = storage.list_agents().await.unwrap();
    assert!(listed[0].disabled, "the listing shows the agent disabled");

    storage
        .set_agent_disabled("lin.wei@desk.test", false, NOW, &admin())
        .await
        .unwrap();
    let info = storage
        .login_info("lin.wei@desk.test")
        .await
        .unwrap()
        .unwrap();
    assert!(!info.disabled, "an enabled agent may sign in again");
    let missing = storage
        .set_agent_disabled("nobody@desk.test", true, NOW, &admin())
        .await
        .unwrap_err();
    assert!(
        matches!(missing, Error::NotFound(_)),
        "disabling an unknown agent is not found: {missing:?}"
    );
}

/// A client that never got a rotation's answer (cut connection, killed process) presents
/// the retired token again: a retry, answered with a new pair, as often as answers are
/// lost; once a pair issued since is used, the old token is a reuse again.
pub async fn a_refresh_whose_answer_was_lost_is_retried_until_its_pair_is_used(
    storage: Arc<dyn Storage>,
) {
    let agent = signed_in(storage.as_ref()).await;
    let rotated = RotateOutcome::Rotated {
        agent,
        device_id: "d1".into(),
    };
    let at = |h: i64| NOW + h * HOUR;
    for (new_refresh, new_access, hour) in [("r2", "a2", 1), ("r3", "a3", 2), ("r4", "a4", 3)] {
        assert_eq!(
            storage
                .rotate_refresh(rotation("r1", new_refresh, new_access, at(hour)))
                .await
                .unwrap(),
            rotated,
            "r1 rotates, then, its answers lost and their pairs unused, is retried: {new_refresh}"
        );
    }
    assert!(
        storage
            .session_for_access("a4", at(3))
            .await
            .unwrap()
            .is_some(),
        "the retry's pair works"
    );
    assert_eq!(
        storage
            .rotate_refresh(rotation("r2", "r5", "a5", at(3)))
            .await
            .unwrap(),
        RotateOutcome::Reused {
            device_id: "d1".into()
        },
        "a lost pair's token, presented once a later pair is in use, is a reuse"
    );
    assert!(
        storage
            .session_for_access("a4", at(3))
            .await
            .unwrap()
            .is_none(),
        "the reuse revoked the device"
    );

    // With its successor used, the retired token is no retry (on a fresh device).
    storage
        .create_device(new_device("d2", "ag1", "r10", "a10"))
        .await
        .unwrap();
    storage
        .rotate_refresh(rotation("r10", "r11", "a11", at(5)))
        .await
        .unwrap();
    storage.session_for_access("a11", at(5)).await.unwrap();
    assert_eq!(
        storage
            .rotate_refresh(rotation("r10", "r12", "a12", at(6)))
            .await
            .unwrap(),
        RotateOutcome::Reused {
            device_id: "d2".into()
        },
        "the answer reached the client (its pair was used): the old token again is theft"
    );
}

pub async fn refresh_tokens_rotate_and_a_reused_one_revokes_the_device(storage: Arc<dyn Storage>) {
    let agent = signed_in(storage.as_ref()).await;
    let later = NOW + 10 * HOUR;
    assert_eq!(
        storage
            .rotate_refresh(rotation("r1", "r2", "a2", later))
            .await
            .unwrap(),
        RotateOutcome::Rotated {
            agent,
            device_id: "d1".into()
        },
        "the current refresh token is swapped for a new pair"
    );
    let session = storage
        .session_for_access("a2", later)
        .await
        .unwrap()
        .expect("the new access token works");
    assert_eq!(
        session.device_id, "d1",
        "the new token belongs to the same device"
    );
    assert_eq!(
        storage
            .rotate_refresh(rotation("nope", "r9", "a9", later))
            .await
            .unwrap(),
        RotateOutcome::Invalid,
        "an unknown refresh token is invalid"
    );

    // r1 was already used: whoever presents it again holds a stolen copy.
    assert_eq!(
        storage
            .rotate_refresh(rotation("r1", "r3", "a3", later))
            .await
            .unwrap(),
        RotateOutcome::Reused {
            device_id: "d1".into()
        },
        "a rotated-away refresh token presented again is reuse"
    );
    assert!(
        storage
            .session_for_access("a2", later)
            .await
            .unwrap()
            .is_none(),
        "reuse revokes the device, so even the legitimate access token stops working"
    );
    assert_eq!(
        storage
            .rotate_refresh(rotation("r2", "r4", "a4", later))
            .await
            .unwrap(),
        RotateOutcome::Revoked {
            device_id: "d1".into()
        },
        "the legitimate refresh token of a revoked device is dead too, and is known as a revoked device's"
    );

    // A refresh token past its expiry cannot be rotated.
    storage
        .create_device(new_device("d2", "ag1", "r10", "a10"))
        .await
        .unwrap();
    assert_eq!(
        storage
            .rotate_refresh(rotation("r10", "r11", "a11", NOW + 25 * HOUR))
            .await
            .unwrap(),
        RotateOutcome::Invalid,
        "an expired refresh token is invalid"
    );

    // Disabling revokes every device; one made afterwards (storage allows it, login does
    // not) still must not refresh while its agent is disabled.
    storage
        .set_agent_disabled("lin.wei@desk.test", true, NOW, &admin())
        .await
        .unwrap();
    storage
        .create_device(new_device("d3", "ag1", "r20", "a20"))
        .await
        .unwrap();
    assert_eq!(
        storage
            .rotate_refresh(rotation("r20", "r21", "a21", NOW))
            .await
            .unwrap(),
        RotateOutcome::Disabled,
        "a disabled agent's token never rotates"
    );
    let session = storage
        .session_for_access("a20", NOW)
        .await
        .unwrap()
        .expect("the device's access token is still on record");
    assert!(
        session.agent_disabled,
        "the session says the agent is disabled, so the request is refused"
    );
}

pub async fn access_tokens_expire_and_die_with_their_device(storage: Arc<dyn Storage>) {
    let agent = signed_in(storage.as_ref()).await;
    let session = storage
        .session_for_access("a1", NOW + HOUR - 1)
        .await
        .unwrap()
        .expect("an access token works until it expires");
    assert_eq!(session.agent, agent, "the session names the token's agent");
    assert!(!session.agent_disabled, "the agent is enabled");
    assert!(
        storage
            .session_for_access("a1", NOW + HOUR)
            .await
            .unwrap()
            .is_none(),
        "an access token is dead at its expiry"
    );
    assert!(
        storage
            .session_for_access("r1", NOW)
            .await
            .unwrap()
            .is_none(),
        "a refresh token is not an access token"
    );

    storage.revoke_device("d1", NOW, &admin()).await.unwrap();
    assert!(
        storage
            .session_for_access("a1", NOW)
            .await
            .unwrap()
            .is_none(),
        "signing out kills the device's access tokens"
    );
    storage
        .revoke_device("d1", NOW + 1, &admin())
        .await
        .unwrap();
    storage
        .revoke_device("no-such-device", NOW, &admin())
        .await
        .unwrap();
    assert_eq!(
        storage
            .rotate_refresh(rotation("r1", "r2", "a2", NOW))
            .await
            .unwrap(),
        RotateOutcome::Revoked {
            device_id: "d1".into()
        },
        "a signed-out device cannot refresh, and is known as a revoked device's"
    );
}
