//! Mail fetched from a real IMAP server (Dovecot) by UID.

use std::time::{Duration, Instant};

use desk_mail::{Error, ImapSource, Limits, MailboxUrl};
use testsupport::mail::Dovecot;

use crate::corpus;

async fn source(dovecot: &Dovecot) -> ImapSource {
    ImapSource::connect(&MailboxUrl::parse(&dovecot.url()).expect("dovecot's url"))
        .await
        .unwrap_or_else(|e| panic!("connect to dovecot: {e}\n{}", dovecot.log()))
}

#[tokio::test]
async fn fetches_by_uid_in_order_and_only_once() {
    let dovecot = Dovecot::start();
    let mails = [
        corpus("gb2312-labelled-gb18030.eml"),
        corpus("outlook-reply.eml"),
        corpus("related-cid.eml"),
    ];
    for mail in &mails {
        dovecot.deliver(mail);
    }
    let mut source = source(&dovecot).await;
    let folder = source.folder();
    assert!(
        folder.uid_validity > 0,
        "UIDVALIDITY is reported: {folder:?}"
    );

    let fetched = source.fetch_after(0, 10).await.expect("fetch all");
    assert_eq!(fetched.len(), 3, "every delivered mail is fetched");
    assert!(
        fetched.windows(2).all(|w| w[0].uid < w[1].uid),
        "ascending UIDs: {:?}",
        fetched.iter().map(|f| f.uid).collect::<Vec<_>>()
    );
    for (f, mail) in fetched.iter().zip(&mails) {
        assert!(
            f.raw == *mail,
            "uid {}: the raw mail comes back as delivered",
            f.uid
        );
        assert_eq!(f.size, mail.len() as u64, "the server's size is the mail's");
        desk_mail::parse(&f.raw, &Limits::default()).expect("a fetched mail parses");
    }
    let last = fetched[2].uid;
    assert!(
        source
            .fetch_after(last, 10)
            .await
            .expect("fetch again")
            .is_empty(),
        "nothing after the last UID, though `N:*` names the last mail on the server"
    );

    let first_two = source.fetch_after(0, 2).await.expect("a bounded batch");
    assert_eq!(first_two.len(), 2, "a batch holds at most `max` mails");
    let rest = source
        .fetch_after(first_two[1].uid, 2)
        .await
        .expect("the next batch");
    assert_eq!(
        rest.iter().map(|f| f.uid).collect::<Vec<_>>(),
        [last],
        "the next batch starts after the previous one"
    );
    source.mark_seen(last).await.expect("mark a mail seen");
    assert_eq!(source.folder().uid_validity, folder.uid_validity);
}

#[tokio::test]
async fn new_mail_ends_a_wait_with_idle() {
    let dovecot = Dovecot::start();
    dovecot.deliver(&corpus("utf8-qp.eml"));
    let mut source = source(&dovecot).await;
    assert!(source.supports_idle(), "Dovecot offers IDLE");
    let first = source.fetch_after(0, 10).await.expect("fetch");
    let last = first.last().expect("one mail").uid;

    let started = Instant::now();
    assert!(
        !source
            .wait_for_new(Duration::from_millis(800))
            .await
            .expect("idle"),
        "no new mail: the wait times out"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(700),
        "the wait lasted its timeout"
    );

    let started = Instant::now();
    // Waits far longer than IDLE takes on any machine, so the check below tells IDLE
    // from a timeout even on a busy one.
    let (woke, ()) = tokio::join!(source.wait_for_new(Duration::from_secs(120)), async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        dovecot.deliver(&corpus("big5.eml"));
    });
    assert!(woke.expect("idle"), "a delivered mail ends the wait");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "IDLE reports the mail as it arrives, not at the timeout ({:?})",
        started.elapsed()
    );
    let new = source
        .fetch_after(last, 10)
        .await
        .expect("the session works after IDLE");
    assert_eq!(new.len(), 1, "exactly the new mail");
    assert_eq!(
        desk_mail::parse(&new[0].raw, &Limits::default())
            .unwrap()
            .subject,
        "錢包無法提現"
    );

    // Mail that arrived before the wait began is not waited for.
    dovecot.deliver(&corpus("utf8-base64.eml"));
    let started = Instant::now();
    assert!(
        source
            .wait_for_new(Duration::from_secs(120))
            .await
            .expect("wait"),
        "mail already there ends the wait at once"
    );
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "without waiting for the timeout"
    );
}

#[tokio::test]
async fn the_source_recovers_after_the_server_restarts() {
    let mut dovecot = Dovecot::start();
    dovecot.deliver(&corpus("big5.eml"));
    let mut source = source(&dovecot).await;
    let first = source.fetch_after(0, 10).await.expect("fetch");
    let validity = source.folder().uid_validity;

    dovecot.restart();
    dovecot.deliver(&corpus("utf8-qp.eml"));
    // The first call may find the old connection dead; the next one logs in again.
    let mut result = source.fetch_after(first[0].uid, 10).await;
    if let Err(e) = &result {
        assert!(
            matches!(e, Error::Imap { .. } | Error::Timeout { .. }),
            "a dropped connection is an IMAP error: {e}"
        );
        result = source.fetch_after(first[0].uid, 10).await;
    }
    let after = result.expect("fetch after the restart");
    assert_eq!(
        after.len(),
        1,
        "the mail delivered during the outage arrives once"
    );
    assert_eq!(
        source.folder().uid_validity,
        validity,
        "same folder, same UIDVALIDITY"
    );
}

#[tokio::test]
async fn a_recreated_folder_is_reported_not_papered_over() {
    let mut dovecot = Dovecot::start();
    dovecot.deliver(&corpus("big5.eml"));
    let mut source = source(&dovecot).await;
    let old = source.folder().uid_validity;
    source.fetch_after(0, 10).await.expect("fetch");

    dovecot.recreate_inbox();
    dovecot.deliver(&corpus("utf8-qp.eml"));
    let mut changed = None;
    for _ in 0..3 {
        match source.fetch_after(1, 10).await {
            Err(Error::UidValidityChanged { old: o, new, .. }) => {
                changed = Some((o, new));
                break;
            }
            Err(_) => continue, // the old connection died first
            Ok(f) => panic!("stored UIDs mean nothing in a recreated folder, yet got {f:?}"),
        }
    }
    let (o, new) = changed.expect("the UIDVALIDITY change is reported");
    assert_eq!(o, old);
    assert_ne!(new, old, "Dovecot gave the new folder another UIDVALIDITY");
    assert_eq!(
        source.folder().uid_validity,
        new,
        "the source now reports the new value"
    );
    let fresh = source
        .fetch_after(0, 10)
        .await
        .expect("start over from the new folder");
    assert_eq!(fresh.len(), 1, "the new folder's mail");
}

#[tokio::test]
async fn a_wrong_password_is_refused_without_showing_it() {
    let dovecot = Dovecot::start();
    let url = MailboxUrl::parse(&dovecot.url())
        .unwrap()
        .with_password("not-the-password");
    let error = ImapSource::connect(&url).await.expect_err("wrong password");
    let message = error.to_string();
    assert!(
        matches!(error, Error::Login { .. }),
        "a login refusal: {message}"
    );
    assert!(
        message.contains(Dovecot::USER),
        "it names the user: {message}"
    );
    assert!(
        !message.contains("not-the-password"),
        "never the password: {message}"
    );
}

#[tokio::test]
async fn an_oversized_mail_is_fetched_only_up_to_the_limit() {
    let dovecot = Dovecot::start();
    let big = corpus("related-cid.eml");
    dovecot.deliver(&big);
    let mut source = source(&dovecot).await.with_max_bytes(1000);
    let fetched = source.fetch_after(0, 10).await.expect("fetch");
    let [mail] = fetched.as_slice() else {
        panic!("one mail expected, got {}", fetched.len());
    };
    assert_eq!(
        mail.size,
        big.len() as u64,
        "the server reports the full size"
    );
    assert_eq!(
        mail.raw.len(),
        1001,
        "only the limit and one byte more are transferred"
    );
    let limits = Limits {
        max_bytes: 1000,
        ..Limits::default()
    };
    assert!(
        matches!(
            desk_mail::parse(&mail.raw, &limits),
            Err(Error::TooLarge { .. })
        ),
        "the cut mail is refused as too large, not parsed half"
    );
}
