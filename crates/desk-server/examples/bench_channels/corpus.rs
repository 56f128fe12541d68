//! The inbound mail: a seeded, realistic mix of what a wallet's support mailbox receives.
//!
//! New conversations; replies that thread by `In-Reply-To`/`References` onto the
//! customer's earlier mail; replies that carry only the ticket's `[#N]` in the subject (as
//! Outlook and some webmail send them); auto-replies, most tagged with a ticket's number
//! (they join it), some answering nothing (dropped). Bodies in Chinese (GBK, GB2312-labelled,
//! UTF-8 base64, UTF-8 quoted-printable) and English (7-bit, UTF-8 quoted-printable),
//! plain, `multipart/alternative` or HTML only (as QQ Mail sends), a few with a small
//! attachment; 1–20 KB, log-uniform. Ticket numbers are predicted: a fresh store numbers
//! tickets 1, 2, … in the order conversations arrive, and mail is fetched in the order it
//! was delivered, so the n-th new conversation is `[#n]`.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::mime::{
    Charset, encode_subject, encode_word, html, multipart, part, rfc2822, wrapped_base64,
};

pub const SUPPORT: &str = "support@wallet.example";

/// What the bench delivers and what ingestion should make of it.
pub struct Corpus {
    pub mails: Vec<Vec<u8>>,
    /// Tickets the mail should open: one per new conversation.
    pub conversations: usize,
    /// Messages it should store: every mail but the auto-replies that answer nothing.
    pub stored: usize,
    pub counts: Counts,
}

#[derive(Debug, Default)]
pub struct Counts {
    pub new: usize,
    pub in_reply_to: usize,
    pub subject_tag: usize,
    pub auto_joined: usize,
    pub auto_dropped: usize,
    pub chinese: usize,
    pub html_only: usize,
    pub alternative: usize,
    pub attachments: usize,
}

impl Corpus {
    pub fn sizes(&self) -> (usize, usize, usize) {
        let total: usize = self.mails.iter().map(Vec::len).sum();
        let min = self.mails.iter().map(Vec::len).min().unwrap_or(0);
        let max = self.mails.iter().map(Vec::len).max().unwrap_or(0);
        (total / self.mails.len().max(1), min, max)
    }
}

const ZH_SUBJECTS: &[&str] = &[
    "提币未到账",
    "充值一直未确认",
    "账户被冻结",
    "手续费问题",
    "谷歌验证器重置",
    "实名认证失败",
    "转错链了怎么办",
    "收到可疑邮件",
    "提现处理中超过24小时",
    "BTC 最低提现金额",
];

const EN_SUBJECTS: &[&str] = &[
    "Withdrawal not received",
    "Deposit pending for hours",
    "Account frozen",
    "Question about fees",
    "2FA reset",
    "KYC verification failed",
    "Sent to the wrong network",
    "Suspicious email asking for my seed",
    "Withdrawal stuck in processing",
    "Minimum BTC withdrawal",
];

const ZH_SENTENCES: &[&str] = &[
    "我昨天从交易所提了 500 USDT 到钱包，到现在还没到账。",
    "区块浏览器显示已经确认了，但是钱包余额没有变化。",
    "请帮我查一下为什么我的充值一直显示待确认。",
    "我的账户被冻结了，无法提币，请尽快处理，我急用这笔钱。",
    "手续费为什么这么高？上次只扣了 1 USDT，这次扣了 15 USDT。",
    "我换了新手机，谷歌验证器丢了，怎么重置二次验证？",
    "实名认证一直审核不通过，身份证照片已经重新上传三次了。",
    "转账地址填错了链，TRC20 转到了 ERC20 地址，还能找回吗？",
    "我收到一封自称是你们客服的邮件，要我提供助记词，是诈骗吗？",
    "提币状态一直是处理中，已经超过 24 小时了，没有任何通知。",
    "请问 BTC 提现最低金额是多少？网络手续费怎么算？",
    "我已经按照你们说的步骤操作了，还是不行，能不能打电话联系我？",
    "附件是转账记录的截图，麻烦你们核实一下。",
    "这已经是我第三次发邮件了，希望这次能得到答复。",
    "谢谢你们的回复，问题已经解决了，辛苦了。",
];

const EN_SENTENCES: &[&str] = &[
    "I withdrew 0.25 BTC to my hardware wallet yesterday and it still hasn't arrived.",
    "The explorer shows the transaction with 3 confirmations, but my balance is unchanged.",
    "My deposit of 1,200 USDT on TRON has been pending for six hours now.",
    "I can't log in after resetting my phone; the 2FA codes are rejected every time.",
    "Why was my account frozen? I need to pay my rent today and cannot withdraw.",
    "I sent ETH to the wrong network by mistake. Is there any way to recover it?",
    "Someone emailed me asking for my recovery phrase. Is that really your team?",
    "The KYC check keeps failing although my passport photo is perfectly clear.",
    "Could you explain the withdrawal fee? It was much lower last month.",
    "I followed every step in your help article and it still does not work.",
    "Please find the screenshot of the transfer attached.",
    "This is the third time I am writing about this, please escalate it.",
    "Thanks, that fixed it. Much appreciated.",
];

const ZH_NAMES: &[&str] = &[
    "王芳", "李伟", "张敏", "刘洋", "陈静", "杨磊", "赵丽", "黄强", "周杰", "吴婷",
];
const EN_NAMES: &[&str] = &[
    "Alice Nguyen",
    "Bob Martin",
    "Carla Rossi",
    "David Kim",
    "Emma Wilson",
    "Farid Haddad",
    "Grace Lee",
    "Hugo Schmidt",
];
const ZH_DOMAINS: &[&str] = &["qq.com", "163.com", "126.com", "sina.com", "example.cn"];
const EN_DOMAINS: &[&str] = &["gmail.com", "outlook.com", "proton.me", "example.com"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    Zh,
    En,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    Plain,
    Alternative,
    HtmlOnly,
}

struct Customer {
    name: String,
    address: String,
    lang: Lang,
}

struct Conversation {
    customer: usize,
    number: usize,
    subject: String,
    /// Every Message-ID of the thread so far, oldest first.
    ids: Vec<String>,
    last_text: String,
}

/// One mail to render.
struct Spec<'a> {
    customer: &'a Customer,
    subject: String,
    message_id: String,
    in_reply_to: Option<String>,
    references: Vec<String>,
    date_secs: i64,
    auto: Option<&'static str>,
    charset: Charset,
    layout: Layout,
    attachment: Option<(&'static str, &'static str, Vec<u8>)>,
    quote: Option<String>,
}

/// `n` mails from `seed`.
pub fn generate(n: usize, seed: u64) -> Corpus {
    let mut rng = StdRng::seed_from_u64(seed);
    let customers: Vec<Customer> = (0..(n / 5).max(1))
        .map(|i| {
            let lang = if rng.gen_bool(0.6) {
                Lang::Zh
            } else {
                Lang::En
            };
            let (names, domains) = match lang {
                Lang::Zh => (ZH_NAMES, ZH_DOMAINS),
                Lang::En => (EN_NAMES, EN_DOMAINS),
            };
            Customer {
                name: names[rng.gen_range(0..names.len())].to_owned(),
                address: format!("user{i}@{}", domains[rng.gen_range(0..domains.len())]),
                lang,
            }
        })
        .collect();
    let mut conversations: Vec<Conversation> = Vec::new();
    let mut counts = Counts::default();
    let mut mails = Vec::with_capacity(n);
    // 2026-12-07 08:00 +0800.
    let start = 1_796_601_600i64;
    for i in 0..n {
        let roll = rng.gen_range(0..100);
        let domain_of = |c: &Customer| c.address.rsplit_once('@').unwrap().1.to_owned();
        let date_secs = start + i as i64 * 7;
        // Pick a thread to answer: mostly a recent one, sometimes an old one.
        let pick = |rng: &mut StdRng, convs: &[Conversation]| {
            if rng.gen_bool(0.7) {
                convs.len() - 1 - rng.gen_range(0..convs.len().min(200))
            } else {
                rng.gen_range(0..convs.len())
            }
        };
        let kind = if conversations.len() < 10 { 0 } else { roll };
        let (spec_customer, subject, in_reply_to, references, auto, conv, quote) = match kind {
            // A new conversation.
            0..=44 => {
                let c = rng.gen_range(0..customers.len());
                let subjects = match customers[c].lang {
                    Lang::Zh => ZH_SUBJECTS,
                    Lang::En => EN_SUBJECTS,
                };
                let subject = subjects[rng.gen_range(0..subjects.len())].to_owned();
                conversations.push(Conversation {
                    customer: c,
                    number: conversations.len() + 1,
                    subject: subject.clone(),
                    ids: Vec::new(),
                    last_text: String::new(),
                });
                counts.new += 1;
                (
                    c,
                    subject,
                    None,
                    vec![],
                    None,
                    conversations.len() - 1,
                    None,
                )
            }
            // A reply from the customer's mail client: In-Reply-To their last mail.
            45..=71 => {
                let k = pick(&mut rng, &conversations);
                let conv = &conversations[k];
                let re = match customers[conv.customer].lang {
                    Lang::Zh if rng.gen_bool(0.5) => "回复：",
                    _ => "Re: ",
                };
                counts.in_reply_to += 1;
                let refs: Vec<String> = conv.ids.iter().rev().take(10).rev().cloned().collect();
                (
                    conv.customer,
                    format!("{re}{}", conv.subject),
                    conv.ids.last().cloned(),
                    refs,
                    None,
                    k,
                    Some(conv.last_text.clone()),
                )
            }
            // A reply with only the ticket's number to thread by.
            72..=91 => {
                let k = pick(&mut rng, &conversations);
                let conv = &conversations[k];
                counts.subject_tag += 1;
                (
                    conv.customer,
                    format!("Re: [#{}] {}", conv.number, conv.subject),
                    None,
                    vec![],
                    None,
                    k,
                    Some(conv.last_text.clone()),
                )
            }
            // An out-of-office answer quoting the ticket's tag: it joins the ticket.
            92..=96 => {
                let k = pick(&mut rng, &conversations);
                let conv = &conversations[k];
                counts.auto_joined += 1;
                let prefix = match customers[conv.customer].lang {
                    Lang::Zh => "自动回复: ",
                    Lang::En => "Automatic reply: ",
                };
                (
                    conv.customer,
                    format!("{prefix}Re: [#{}] {}", conv.number, conv.subject),
                    None,
                    vec![],
                    Some("Auto-Submitted: auto-replied\r\n"),
                    k,
                    None,
                )
            }
            // An auto-reply to nothing the desk knows: dropped.
            _ => {
                let c = rng.gen_range(0..customers.len());
                counts.auto_dropped += 1;
                (
                    c,
                    "Out of Office".to_owned(),
                    None,
                    vec![],
                    Some("X-Autoreply: yes\r\nPrecedence: auto_reply\r\n"),
                    usize::MAX,
                    None,
                )
            }
        };
        let customer = &customers[spec_customer];
        let charset = match customer.lang {
            Lang::Zh => {
                counts.chinese += 1;
                [
                    Charset::GbkBase64,
                    Charset::Gb2312Base64,
                    Charset::Utf8Base64,
                    Charset::Utf8Qp,
                ][rng.gen_range(0..4)]
            }
            Lang::En => [Charset::Ascii7bit, Charset::Utf8Qp][rng.gen_range(0..2)],
        };
        let layout = match rng.gen_range(0..100) {
            _ if auto.is_some() => Layout::Plain,
            0..=11 => Layout::HtmlOnly,
            12..=36 => Layout::Alternative,
            _ => Layout::Plain,
        };
        match layout {
            Layout::HtmlOnly => counts.html_only += 1,
            Layout::Alternative => counts.alternative += 1,
            Layout::Plain => {}
        }
        let attachment = (auto.is_none() && rng.gen_range(0..100) < 3).then(|| {
            counts.attachments += 1;
            let size = rng.gen_range(2_000..9_000);
            let data: Vec<u8> = (0..size).map(|_| rng.r#gen()).collect();
            if rng.gen_bool(0.5) {
                ("transfer.png", "image/png", data)
            } else {
                ("statement.pdf", "application/pdf", data)
            }
        });
        let message_id = format!(
            "{}.{i}@mail.{}",
            uuid::Uuid::from_u128(rng.r#gen()).simple(),
            domain_of(customer)
        );
        let mut spec = Spec {
            customer,
            subject,
            message_id: message_id.clone(),
            in_reply_to,
            references,
            date_secs,
            auto,
            charset,
            layout,
            attachment,
            quote: quote.filter(|q| !q.is_empty()),
        };
        // 1–20 KB, log-uniform; an auto-reply is a few lines.
        let target = if auto.is_some() {
            rng.gen_range(400..1_200)
        } else {
            (1024.0 * 20f64.powf(rng.gen_range(0.0..1.0))) as usize
        };
        let (raw, text) = render_to_size(&mut spec, &mut rng, target);
        if conv != usize::MAX {
            conversations[conv].ids.push(message_id);
            if auto.is_none() {
                conversations[conv].last_text = text;
            }
        }
        mails.push(raw);
    }
    Corpus {
        mails,
        conversations: counts.new,
        stored: n - counts.auto_dropped,
        counts,
    }
}

/// The mail with about `target` bytes: rendered once with a few sentences to learn the
/// cost of one, then with as many as fit. Returns the mail and its text.
fn render_to_size(spec: &mut Spec<'_>, rng: &mut StdRng, target: usize) -> (Vec<u8>, String) {
    let pool = match spec.customer.lang {
        Lang::Zh => ZH_SENTENCES,
        Lang::En => EN_SENTENCES,
    };
    let mut sentences: Vec<&str> = (0..64)
        .map(|_| pool[rng.gen_range(0..pool.len())])
        .collect();
    let tx = format!("0x{:032x}{:032x}", rng.r#gen::<u128>(), rng.r#gen::<u128>());
    let bare = render(spec, &[], &tx).0.len();
    let four = render(spec, &sentences[..4], &tx).0.len();
    let per = ((four.saturating_sub(bare)) / 4).max(1);
    let mut n = (target.saturating_sub(bare) / per).max(1);
    loop {
        while sentences.len() < n {
            sentences.push(pool[rng.gen_range(0..pool.len())]);
        }
        let rendered = render(spec, &sentences[..n], &tx);
        // Sentences differ in length: a mail far over its size is cut down and made again.
        let size = rendered.0.len();
        if size <= target + target / 10 || n == 1 {
            return rendered;
        }
        n = (n * target / size).clamp(1, n - 1);
    }
}

fn render(spec: &Spec<'_>, sentences: &[&str], tx: &str) -> (Vec<u8>, String) {
    let c = spec.customer;
    let mut text = String::new();
    match (spec.auto.is_some(), c.lang) {
        (true, Lang::Zh) => text.push_str("您好，我现在休假中，将于下周一回复您的邮件。\n"),
        (true, Lang::En) => {
            text.push_str("I am out of the office until Monday with limited access to email.\n")
        }
        (false, Lang::Zh) => text.push_str("客服您好：\n\n"),
        (false, Lang::En) => text.push_str("Hello support team,\n\n"),
    }
    for (i, s) in sentences.iter().enumerate() {
        text.push_str(s);
        if i == 1 {
            text.push_str(match c.lang {
                Lang::Zh => " 交易哈希：",
                Lang::En => " Transaction hash: ",
            });
            text.push_str(tx);
        }
        text.push(if i % 4 == 3 { '\n' } else { ' ' });
        if i % 4 == 3 {
            text.push('\n');
        }
    }
    if spec.auto.is_none() {
        text.push_str("\n\n");
        text.push_str(&c.name);
        text.push('\n');
    }
    if let Some(q) = &spec.quote {
        text.push_str(match c.lang {
            Lang::Zh => "\n在 2026年12月7日，钱包客服 写道：\n",
            Lang::En => "\nOn Mon, 7 Dec 2026, Wallet Support wrote:\n",
        });
        // The start of the quoted answer, as far as a reader scrolls.
        let cut = q.char_indices().nth(600).map_or(q.len(), |(at, _)| at);
        for line in q[..cut].lines() {
            text.push_str("> ");
            text.push_str(line);
            text.push('\n');
        }
    }
    let text = text.replace('\n', "\r\n");

    let mut head = String::new();
    head.push_str(&format!(
        "From: {} <{}>\r\nTo: Wallet Support <{SUPPORT}>\r\n",
        encode_word(&c.name, spec.charset),
        c.address
    ));
    head.push_str(&format!(
        "Subject: {}\r\n",
        encode_subject(&spec.subject, spec.charset)
    ));
    head.push_str(&format!("Date: {}\r\n", rfc2822(spec.date_secs)));
    head.push_str(&format!("Message-ID: <{}>\r\n", spec.message_id));
    if let Some(parent) = &spec.in_reply_to {
        head.push_str(&format!("In-Reply-To: <{parent}>\r\n"));
    }
    if !spec.references.is_empty() {
        let refs: Vec<String> = spec.references.iter().map(|r| format!("<{r}>")).collect();
        head.push_str(&format!("References: {}\r\n", refs.join("\r\n ")));
    }
    if let Some(auto) = spec.auto {
        head.push_str(auto);
    }
    head.push_str("MIME-Version: 1.0\r\n");
    head.push_str(match c.lang {
        Lang::Zh => "X-Mailer: Foxmail 7.2.25.228[cn]\r\n",
        Lang::En => "X-Mailer: Apple Mail (2.3774.300.61.1.2)\r\n",
    });

    let text_part = part("text/plain", spec.charset, &text);
    let body = match spec.layout {
        Layout::Plain => text_part,
        Layout::HtmlOnly => part("text/html", spec.charset, &html(&text)),
        Layout::Alternative => multipart(
            "alternative",
            &format!("alt-{}", &spec.message_id[..12]),
            &[text_part, part("text/html", spec.charset, &html(&text))],
        ),
    };
    let body = match &spec.attachment {
        None => body,
        Some((name, ctype, data)) => {
            let attached = format!(
                "Content-Type: {ctype}; name=\"{name}\"\r\nContent-Disposition: attachment; \
                 filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
                wrapped_base64(data)
            );
            multipart(
                "mixed",
                &format!("mix-{}", &spec.message_id[..12]),
                &[body, attached],
            )
        }
    };
    // Every part is ASCII by now: base64, quoted-printable, or English in 7 bits.
    debug_assert!(body.is_ascii());
    let mut raw = head.into_bytes();
    raw.extend_from_slice(body.as_bytes());
    (raw, text.replace("\r\n", "\n"))
}
