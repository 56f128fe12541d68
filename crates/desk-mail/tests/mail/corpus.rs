//! Each mail of `tests/corpus/` parses to what a ticket needs, or is refused with a reason.

use desk_mail::{Error, Limits, MailKind};

use crate::{corpus, corpus_dir, parsed};

#[test]
fn gb2312_labelled_mail_decodes_as_gb18030() {
    let m = parsed("gb2312-labelled-gb18030.eml");
    for word in ["朱镕基", "𠀀", "€5 手续费"] {
        assert!(
            m.text.contains(word),
            "Outlook labels GB18030 text GB2312; {word:?} exists only in GB18030: {:?}",
            m.text
        );
    }
    assert!(
        m.text
            .contains("0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060"),
        "a transaction hash must survive decoding whole"
    );
    assert_eq!(
        m.subject, "提现未到账（镕）",
        "an encoded-word labelled GB2312 decodes as GB18030 too"
    );
    assert_eq!(
        m.from.name.as_deref(),
        Some("李镕"),
        "the sender's name is decoded the same way"
    );
    assert_eq!(
        m.date,
        Some(1_709_258_400_000),
        "Date +0800 becomes UTC milliseconds"
    );
}

#[test]
fn a_seed_phrase_in_gbk_reaches_the_redactor_decoded() {
    let m = parsed("gbk-seed-phrase.eml");
    let english =
        "abandon ability able about above absent absorb abstract absurd abuse access accident";
    assert!(
        m.text.contains(english),
        "the redactor must see the English seed words: {:?}",
        m.text
    );
    assert!(
        m.text.contains("的 一 是 在 不 了 有 和 人 这 中 大"),
        "the redactor must see the Chinese seed words decoded from GBK"
    );
    assert_eq!(m.subject, "钱包恢复");
    let [attachment] = m.attachments.as_slice() else {
        panic!("one attachment expected, got {:?}", m.attachments);
    };
    assert!(
        attachment.file_name.starts_with("助记词 ") && attachment.file_name.contains(english),
        "an RFC 2231 GBK file name is decoded so its seed words can be redacted: {:?}",
        attachment.file_name
    );
    let (gbk, _, _) = encoding_rs::GBK.encode("备份：的 一 是 在 不 了 有 和 人 这 中 大\n");
    assert_eq!(
        attachment.data,
        gbk.as_ref(),
        "a text attachment is handed over in its own charset, byte for byte"
    );
}

#[test]
fn big5_mail_decodes() {
    let m = parsed("big5.eml");
    assert!(
        m.text.contains("我的錢包無法提現"),
        "Big5 body: {:?}",
        m.text
    );
    assert_eq!(m.subject, "錢包無法提現", "Big5 encoded-word subject");
    assert_eq!(m.from.name.as_deref(), Some("陳大文"));
}

#[test]
fn quoted_printable_and_base64_bodies_decode() {
    let m = parsed("utf8-qp.eml");
    assert!(
        m.text
            .contains("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq")
            && m.text.contains("我的提现已经等了三天了"),
        "soft line breaks of quoted-printable must not split an address or a character: {:?}",
        m.text
    );
    assert_eq!(m.subject, "Withdrawal pending 提现");
    assert_eq!(
        m.from.name.as_deref(),
        Some("Zhang, Wei"),
        "a quoted display name keeps its comma"
    );
    let m = parsed("utf8-base64.eml");
    assert_eq!(m.text, "账户被冻结了，怎么解冻？\nMy account is frozen.");
    assert_eq!(m.subject, "账户冻结");
}

#[test]
fn subjects_mixing_encodings_decode_whole() {
    let m = parsed("rfc2047-mixed.eml");
    assert_eq!(
        m.subject, "订单提现 plain ASCII 錢包",
        "UTF-8, GB2312 and Big5 encoded words in one subject; space between adjacent ones drops"
    );
    assert_eq!(m.from.name.as_deref(), Some("林小姐"));
    assert_eq!(m.to[0].name.as_deref(), Some("Desk 客服"));
}

#[test]
fn html_only_mail_gets_text_from_its_html() {
    let m = parsed("html-only.eml");
    assert_eq!(
        m.text,
        "Hello support,\nMy deposit to bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq is missing.\n谢谢 & regards\nTom",
        "paragraphs end lines, entities decode, styles and scripts are not text"
    );
    let html = m.html.expect("the HTML is kept for the server to sanitize");
    assert!(
        html.contains("<script>"),
        "the HTML is handed over as sent, unsanitized"
    );
}

#[test]
fn inline_images_keep_their_content_id() {
    let m = parsed("related-cid.eml");
    assert_eq!(
        m.text, "See the screenshot: [image: error.png]",
        "the plain alternative is the text"
    );
    assert!(
        m.html
            .as_deref()
            .is_some_and(|h| h.contains("cid:error-shot@example.com"))
    );
    let [image, pdf] = m.attachments.as_slice() else {
        panic!("an image and a PDF expected, got {:?}", m.attachments);
    };
    assert_eq!(image.file_name, "error.png");
    assert_eq!(image.declared_type, "image/png");
    assert_eq!(
        image.content_id.as_deref(),
        Some("error-shot@example.com"),
        "the HTML's cid: link must find its image"
    );
    assert!(
        image.inline,
        "an image in multipart/related is shown inline"
    );
    use base64::Engine;
    let png = base64::engine::general_purpose::STANDARD
        .decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
        .unwrap();
    assert_eq!(image.data, png, "the image's bytes are exactly those sent");
    assert_eq!(
        (pdf.file_name.as_str(), pdf.inline),
        ("statement.pdf", false)
    );
    let mut sent =
        b"%PDF-1.4\n% fake but byte-exact\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    sent.extend(0..=255u8);
    assert_eq!(
        pdf.data, sent,
        "binary attachment bytes (all 256 values) survive exactly"
    );
}

#[test]
fn format_flowed_lines_are_joined() {
    let m = parsed("format-flowed.eml");
    assert!(
        m.text.starts_with(
            "This paragraph was wrapped by the mail client because it is long and the client uses format=flowed with DelSp=yes, so each soft break ends in an added space that goes when the lines are joined again.\n"
        ),
        "soft breaks join, DelSp removes the added space: {:?}",
        m.text
    );
    assert!(
        m.text.contains("折行了，请把这两行连起来。"),
        "CJK lines join without a space"
    );
    assert!(
        m.text
            .contains("Second paragraph with a hard break.\nNext line."),
        "hard breaks stay"
    );
    assert!(
        m.text.contains("> Quoted text that was also wrapped."),
        "quoted lines join at their depth"
    );
    assert!(
        m.text.ends_with("-- \nSent from my phone"),
        "the signature separator is not joined"
    );
}

#[test]
fn outlook_reply_folds_its_history() {
    let m = parsed("outlook-reply.eml");
    assert_eq!(
        m.text, "Hi,\n\nIt arrived this morning, thank you.\n\nBob",
        "only the new text"
    );
    let quoted = m.quoted.clone().expect("the history is kept, folded");
    assert!(
        quoted.contains("Dear Bob, we have resent the withdrawal"),
        "{quoted}"
    );
    let html = m.html.as_deref().expect("the HTML's new part is kept");
    assert!(
        html.contains("It arrived this morning") && !html.contains("resent the withdrawal"),
        "the HTML is cut where Outlook marks the history: {html}"
    );
    assert_eq!(
        m.in_reply_to,
        ["0190a7d2-1042-7000-8000-000000000001@desk.example"]
    );
    assert_eq!(
        m.references,
        [
            "0190a7d2-1041-7000-8000-000000000000@desk.example",
            "0190a7d2-1042-7000-8000-000000000001@desk.example"
        ],
        "threading ids without <>, in order"
    );
    assert_eq!(
        m.subject_ticket_number(),
        Some(1042),
        "the [#1042] tag threads it too"
    );
    assert_eq!(m.kind, MailKind::Normal);
}

#[test]
fn gmail_reply_folds_its_history() {
    let m = parsed("gmail-reply.eml");
    assert_eq!(m.text, "The reset link worked, I'm in again. 谢谢!");
    let quoted = m.quoted.expect("history kept");
    assert!(
        quoted.starts_with("On Sat, Mar 9, 2024") && quoted.contains("> Please use the reset link"),
        "the wrapped attribution and the quote are the history: {quoted}"
    );
    assert_eq!(
        m.message_id.as_deref(),
        Some("CAJz5XYZ=abc123@mail.gmail.com")
    );
}

#[test]
fn chinese_client_replies_fold_their_history() {
    let m = parsed("chinese-client-reply.eml");
    assert_eq!(m.text, "收到了，谢谢！", "在…写道： starts the history");
    assert!(
        m.quoted
            .as_deref()
            .is_some_and(|q| q.contains("您好，您的提现已经处理。"))
    );
    assert_eq!(m.subject_ticket_number(), Some(88));

    let m = parsed("qq-reply-html-only.eml");
    assert_eq!(
        m.text, "好的，我明天再试一下。",
        "QQ Mail's 原始邮件 block is history"
    );
    let quoted = m.quoted.expect("history kept");
    assert!(
        quoted.contains("原始邮件") && quoted.contains("请稍后再试"),
        "{quoted}"
    );
    assert_eq!(
        m.html, None,
        "QQ Mail's HTML holds the history unmarked: the folded text is shown instead"
    );
    assert_eq!(
        m.from.name.as_deref(),
        Some("小王"),
        "GB18030 encoded-word name"
    );
}

#[test]
fn huge_headers_parse_and_references_are_bounded() {
    let mut raw = String::new();
    for i in 0..2000 {
        raw.push_str(&format!(
            "Received: from relay{i}.example.net by mx.example.net with ESMTPS id {i:08x}; Tue, 12 Mar 2024 10:00:00 +0000\r\n"
        ));
    }
    let refs: Vec<String> = (0..500).map(|i| format!("<ref-{i}@example.net>")).collect();
    raw.push_str("From: Big Headers <big@example.net>\r\n");
    raw.push_str(&format!("Subject: Long subject {}\r\n", "x".repeat(5000)));
    raw.push_str(&format!("X-Long: {}\r\n", "y".repeat(100_000)));
    raw.push_str(&format!("References: {}\r\n", refs.join("\r\n ")));
    raw.push_str("Message-ID: <huge@example.net>\r\n\r\nBody after huge headers.\r\n");
    let m =
        desk_mail::parse(raw.as_bytes(), &Limits::default()).expect("big headers are still mail");
    assert_eq!(m.text, "Body after huge headers.");
    assert_eq!(
        m.references.len(),
        100,
        "the server looks up at most 100 references"
    );
    assert_eq!(
        m.references[0], "ref-0@example.net",
        "the thread root is kept"
    );
    assert_eq!(
        m.references[99], "ref-499@example.net",
        "the newest reference is kept"
    );
    assert!(m.subject.starts_with("Long subject xxx"));
}

#[test]
fn malformed_and_undecodable_mail_keeps_what_can_be_read() {
    let m = parsed("malformed-headers.eml");
    assert_eq!(
        m.from.email, "mallory@example.com",
        "an unclosed quote in From still yields the address"
    );
    assert_eq!(
        m.date, None,
        "a Date that is no date is absent, not a guess"
    );
    assert_eq!(
        m.message_id.as_deref(),
        Some("no-brackets-here@example.com")
    );
    assert!(
        m.text.starts_with("Body 你好 with a broken =ZZ escape"),
        "{:?}",
        m.text
    );

    let m = parsed("bad-base64.eml");
    assert!(
        m.text.contains("not*base64"),
        "a body whose base64 is broken is shown raw rather than lost: {:?}",
        m.text
    );
    assert!(
        m.attachments.iter().any(|a| a.file_name == "junk.bin"),
        "a broken attachment is still offered"
    );

    let m = parsed("unknown-charset.eml");
    assert!(
        m.text.starts_with("Plain words survive. 中文也在"),
        "an unknown charset falls back to UTF-8: {:?}",
        m.text
    );
    assert!(
        m.text.contains('\u{fffd}'),
        "bytes that are not UTF-8 become replacement characters"
    );
}

#[test]
fn automatic_replies_of_each_kind_are_recognised() {
    for (name, reason) in [
        (
            "auto-submitted.eml",
            "Auto-Submitted: auto-replied (vacation)",
        ),
        ("auto-x-autoreply.eml", "X-Autoreply: yes"),
        ("auto-x-autorespond.eml", "X-Autorespond: Out of office"),
        ("auto-precedence.eml", "Precedence: auto_reply"),
        ("auto-exchange-oof.eml", "X-Auto-Response-Suppress: All"),
        (
            "auto-subject-only-zh.eml",
            "subject \"自动回复：[#17] 提现\"",
        ),
        (
            "auto-read-receipt.eml",
            "read receipt (disposition notification)",
        ),
    ] {
        assert_eq!(
            parsed(name).kind,
            MailKind::AutoReply {
                reason: reason.to_owned()
            },
            "{name} must never open a ticket or get an answer"
        );
    }
    assert_eq!(
        parsed("auto-submitted-no.eml").kind,
        MailKind::Normal,
        "Auto-Submitted: no is a person writing"
    );
}

#[test]
fn bounces_name_the_original_and_the_recipient() {
    let m = parsed("bounce-postfix.eml");
    assert_eq!(
        m.kind,
        MailKind::Bounce {
            original_message_id: Some("0190a7d2-1200-7000-8000-000000000006@desk.example".into()),
            recipient: Some("gone@example.org".into()),
            reason: "failed 5.1.1: 550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown".into(),
        },
        "a Postfix DSN is read field by field; its Auto-Submitted does not make it an auto-reply"
    );
    let m = parsed("bounce-exchange.eml");
    let MailKind::Bounce {
        original_message_id,
        recipient,
        reason,
    } = m.kind
    else {
        panic!("an Exchange NDR is a bounce: {:?}", m.kind);
    };
    assert_eq!(
        original_message_id.as_deref(),
        Some("0190a7d2-1300-7000-8000-000000000007@desk.example"),
        "the original's id comes from its text/rfc822-headers part"
    );
    assert_eq!(recipient.as_deref(), Some("nobody@contoso.example"));
    assert!(
        reason.contains("5.1.10") && reason.contains("RecipientNotFound"),
        "{reason}"
    );

    let m = parsed("bounce-classic.eml");
    assert_eq!(
        m.kind,
        MailKind::Bounce {
            original_message_id: Some("0190a7d2-1400-7000-8000-000000000008@desk.example".into()),
            recipient: Some("olduser@old.example.net".into()),
            reason: "Sorry, no mailbox here by that name. (#5.1.1)".into(),
        },
        "a prose bounce from MAILER-DAEMON is read from its text"
    );
}

#[test]
fn refusals_say_why() {
    let refused = |name: &str| {
        desk_mail::parse(&corpus(name), &Limits::default())
            .expect_err(&format!("{name} must be refused"))
    };
    assert!(matches!(refused("empty.eml"), Error::Empty));
    assert!(matches!(refused("no-from.eml"), Error::NoFrom));
    let deep = refused("deep-nesting.eml");
    assert!(
        matches!(deep, Error::TooDeep { limit: 10, .. }),
        "15 nested multiparts exceed the default depth of 10: {deep}"
    );
    assert_eq!(
        deep.to_string(),
        "mail nests MIME parts 11 deep, deeper than the limit of 10"
    );
    let deep_ok = Limits {
        max_depth: 20,
        ..Limits::default()
    };
    let m = desk_mail::parse(&corpus("deep-nesting.eml"), &deep_ok).expect("within a raised limit");
    assert_eq!(m.text, "bottom", "the innermost text is found");
}

#[test]
fn every_corpus_mail_parses_or_is_refused_clearly() {
    let mut names: Vec<String> = std::fs::read_dir(corpus_dir())
        .expect("read the corpus")
        .map(|e| {
            e.expect("corpus entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.ends_with(".eml"))
        .collect();
    names.sort();
    assert!(names.len() >= 30, "the corpus is all there: {names:?}");
    for name in names {
        match desk_mail::parse(&corpus(&name), &Limits::default()) {
            Ok(m) => {
                assert!(
                    m.from.email.contains('@'),
                    "{name}: a parsed mail has a sender address"
                );
                for a in &m.attachments {
                    assert!(
                        !a.file_name.is_empty() && !a.file_name.contains(['/', '\\']),
                        "{name}: attachment names are safe file names: {:?}",
                        a.file_name
                    );
                }
            }
            Err(e) => {
                let message = e.to_string();
                assert!(
                    message.starts_with(|c: char| c.is_lowercase()) && !message.ends_with('.'),
                    "{name}: refusals read as the house style asks: {message}"
                );
            }
        }
    }
}

/// An encoded word the customer's mail held undecoded (glued to a bracket, form feeds in
/// it) stays text in the answer's subject: read back, it names no other ticket. The
/// fuzzer's input, kept as a seed.
#[test]
fn a_subjects_undecoded_encoded_word_stays_text_in_the_reply() {
    let raw = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fuzz/seeds/mail/subject-control-characters.eml"
    ))
    .unwrap();
    let mail = desk_mail::parse(&raw, &desk_mail::Limits::default()).unwrap();
    assert_eq!(
        mail.subject_ticket_number(),
        None,
        "the word was not decoded: {:?}",
        mail.subject
    );
    let reply = desk_mail::Outgoing {
        from: desk_mail::Address {
            name: None,
            email: "support@desk.example".into(),
        },
        to: mail.from.clone(),
        subject: desk_mail::subject_with_tag(&mail.subject, 7),
        message_id: "r1@desk.example".into(),
        in_reply_to: None,
        references: vec![],
        text: "ok".into(),
        html: None,
        attachments: vec![],
        auto_submitted: false,
        date: 0,
    };
    let back = desk_mail::parse(
        &desk_mail::build(&reply).unwrap(),
        &desk_mail::Limits::default(),
    )
    .unwrap();
    assert_eq!(
        back.subject_ticket_number(),
        Some(7),
        "only our tag is read back: {:?}",
        back.subject
    );
}
