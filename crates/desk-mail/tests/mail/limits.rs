//! The parser's bounds, and hostile input: what is too big is refused by name, and no
//! mutation of a real mail makes it panic.

use std::cell::Cell;
use std::sync::Once;

use desk_mail::{Address, Error, Limits, Outgoing, OutgoingAttachment};

use crate::{corpus, corpus_dir};

/// Deterministic bytes and choices, so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n + 8);
        while out.len() < n {
            out.extend_from_slice(&self.next().to_le_bytes());
        }
        out.truncate(n);
        out
    }
}

fn mail_with_attachment(data: Vec<u8>) -> Vec<u8> {
    desk_mail::build(&Outgoing {
        from: Address {
            name: Some("Customer".into()),
            email: "customer@example.com".into(),
        },
        to: Address {
            name: None,
            email: "support@desk.example".into(),
        },
        subject: "wallet backup".into(),
        message_id: "big-attachment@example.com".into(),
        in_reply_to: None,
        references: Vec::new(),
        text: "the backup is attached".into(),
        html: None,
        attachments: vec![OutgoingAttachment {
            file_name: "wallet-backup.bin".into(),
            content_type: "application/octet-stream".into(),
            data,
        }],
        auto_submitted: false,
        date: 1_710_000_000_000,
    })
    .expect("build a mail with a big attachment")
}

#[test]
fn a_twenty_megabyte_attachment_is_refused_by_default_and_exact_when_allowed() {
    let data = Rng(20).bytes(20_000_000);
    let raw = mail_with_attachment(data.clone());
    assert!(
        raw.len() > 25 * 1024 * 1024,
        "20 MB in base64 is about 27 MB of mail ({} bytes)",
        raw.len()
    );
    let refused = desk_mail::parse(&raw, &Limits::default()).expect_err("over the 25 MiB default");
    assert!(
        matches!(refused, Error::TooLarge { size, limit } if size == raw.len() && limit == 25 * 1024 * 1024),
        "the refusal names the size and the limit: {refused}"
    );

    let roomy = Limits {
        max_bytes: 40 * 1024 * 1024,
        max_attachment_bytes: 40 * 1024 * 1024,
        ..Limits::default()
    };
    let m = desk_mail::parse(&raw, &roomy).expect("within raised limits");
    let [attachment] = m.attachments.as_slice() else {
        panic!("one attachment expected");
    };
    assert_eq!(attachment.file_name, "wallet-backup.bin");
    assert!(attachment.data == data, "all 20 MB come back byte for byte");

    let strict = Limits {
        max_attachment_bytes: 10 * 1024 * 1024,
        ..roomy
    };
    let refused = desk_mail::parse(&raw, &strict).expect_err("over the attachment limit");
    assert_eq!(
        refused.to_string(),
        "attachment \"wallet-backup.bin\" of 20000000 bytes is larger than the limit of 10485760 bytes",
        "the refusal names the attachment"
    );
}

#[test]
fn too_many_parts_are_refused_before_they_are_built() {
    let multipart = |parts: usize| {
        let mut raw = String::from(
            "From: a@example.com\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"p\"\r\n\r\n",
        );
        for i in 0..parts {
            raw.push_str(&format!(
                "--p\r\nContent-Type: text/plain; name=\"f{i}.txt\"\r\nContent-Disposition: attachment\r\n\r\npart {i}\r\n"
            ));
        }
        raw.push_str("--p--\r\n");
        raw.into_bytes()
    };
    let m = desk_mail::parse(&multipart(150), &Limits::default()).expect("150 parts are fine");
    assert_eq!(m.attachments.len(), 150, "every part is an attachment");
    assert_eq!(
        m.attachments[149].data, b"part 149",
        "a text attachment has no trailing line end"
    );
    let refused = desk_mail::parse(&multipart(300), &Limits::default()).expect_err("300 > 200");
    assert!(
        matches!(refused, Error::TooManyParts { limit: 200 }),
        "{refused}"
    );

    // 20 MiB of delimiters would be millions of parts: refused by counting lines.
    let mut flood =
        b"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n".to_vec();
    while flood.len() < 20 * 1024 * 1024 {
        flood.extend_from_slice(b"--a\r\n\r\n");
    }
    let refused = desk_mail::parse(&flood, &Limits::default()).expect_err("a delimiter flood");
    assert!(matches!(refused, Error::TooManyParts { .. }), "{refused}");
}

thread_local! {
    /// Panics on this thread, except mail-parser's debug assertions (see below).
    static PANICS: Cell<usize> = const { Cell::new(0) };
    static DEBUG_ASSERTIONS: Cell<usize> = const { Cell::new(0) };
}

/// mail-parser checks its own invariants with `debug_assert!(false, …)` where a release
/// build recovers and parses on; corrupt mail reaches those lines, so in a debug build
/// they panic (and `parse` refuses the mail). They are not bugs of a release build.
const MAIL_PARSER_DEBUG_ASSERTIONS: &[&str] = &[
    "Invalid part ID, could not find message.",
    "Failed to restore parent message. Aborting.",
    "Invalid part ID, could not find multipart.",
    "This should not have happened.",
];

/// Counts panics on the current thread, even those `parse` catches, while still printing
/// them: a caught panic is a bug in the parser to know about.
fn count_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_mail_parser = info
                .location()
                .is_some_and(|l| l.file().contains("mail-parser"));
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| info.payload().downcast_ref::<String>().map(String::as_str))
                .unwrap_or("");
            if in_mail_parser && MAIL_PARSER_DEBUG_ASSERTIONS.contains(&message) {
                DEBUG_ASSERTIONS.with(|p| p.set(p.get() + 1));
                return;
            }
            PANICS.with(|p| p.set(p.get() + 1));
            previous(info);
        }));
    });
}

fn mutate(rng: &mut Rng, mail: &[u8]) -> Vec<u8> {
    const SNIPPETS: &[&[u8]] = &[
        b"\r\n--",
        b"\r\n\r\n",
        b"Content-Type: multipart/mixed; boundary=\"x\"\r\n",
        b"Content-Type: message/rfc822\r\n\r\n",
        b"Content-Transfer-Encoding: base64\r\n",
        b"=?UTF-8?B?5L2g5aW9?=",
        b"=?GB2312?Q?=D6=D0?=",
        b"charset=\"gb2312\"",
        b"format=flowed; delsp=yes",
        b"<div class=\"gmail_quote\">",
        b"&#x10FFFF;&#0;&amp",
        b"\xff\xfe\x80",
        b"=\r\n",
        b"Content-Disposition: attachment; filename*=UTF-8''%E4%BD%A0/../..",
    ];
    let mut out = mail.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(6) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
            1 => out.truncate(at),
            2 => {
                let end = (at + rng.below(64)).min(out.len());
                out.drain(at..end);
            }
            3 => {
                let end = (at + rng.below(256)).min(out.len());
                let copy = out[at..end].to_vec();
                out.splice(at..at, copy);
            }
            _ => {
                let snippet = SNIPPETS[rng.below(SNIPPETS.len())];
                out.splice(at..at, snippet.iter().copied());
            }
        }
    }
    out
}

#[test]
fn mutated_mail_never_panics_and_results_stay_within_limits() {
    count_panics();
    let tight = Limits {
        max_bytes: 64 * 1024,
        max_parts: 8,
        max_depth: 4,
        max_attachment_bytes: 200,
    };
    let mut names: Vec<String> = std::fs::read_dir(corpus_dir())
        .expect("read the corpus")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut rng = Rng(0x5eed);
    let mut parsed = 0;
    let mut tries = 0;
    for name in &names {
        let original = corpus(name);
        for _ in 0..400 {
            let input = mutate(&mut rng, &original);
            for limits in [Limits::default(), tight.clone()] {
                tries += 1;
                let Ok(m) = desk_mail::parse(&input, &limits) else {
                    continue;
                };
                parsed += 1;
                assert!(m.from.email.contains('@'), "{name}: a sender address");
                assert!(
                    m.message_id
                        .as_deref()
                        .is_none_or(|id| !id.contains(['<', '>', ' '])),
                    "{name}: message ids come without brackets or spaces"
                );
                for a in &m.attachments {
                    assert!(
                        a.data.len() <= limits.max_attachment_bytes,
                        "{name}: attachments stay within the limit"
                    );
                    assert!(
                        !a.file_name.is_empty() && !a.file_name.contains(['/', '\\']),
                        "{name}: attachment names are safe: {:?}",
                        a.file_name
                    );
                }
            }
        }
    }
    assert_eq!(
        PANICS.with(Cell::get),
        0,
        "parsing panicked on a mutated mail (see the panic printed above)"
    );
    assert!(
        parsed > tries / 4,
        "most mutations still parse ({parsed} of {tries}), so the checks above ran"
    );
    println!(
        "{parsed} of {tries} mutated mails parsed; {} hit a mail-parser debug assertion",
        DEBUG_ASSERTIONS.with(Cell::get)
    );
}
