//! Folding the quoted history out of a reply's plain text, so a ticket shows what the
//! customer wrote this time.
//!
//! The history starts at the first of: an attribution (`On … wrote:`, `在 … 写道：`) and
//! the `>` block after it; Outlook's `-----Original Message-----` or QQ Mail's `原始邮件`
//! separator; a header block (`From:`/`发件人:` followed by `Sent:`/`To:`/`Subject:` or
//! their Chinese forms) that Outlook puts under a line of underscores; a `>` block that
//! runs to the end. Text after an attribution's `>` block (a reply written below the
//! quote) stays. A `>` block followed by more text stays too: an inline answer is new
//! text that cannot be told apart from the history without losing some of it.

pub(crate) struct Folded {
    pub text: String,
    pub quoted: Option<String>,
}

pub(crate) fn fold(text: &str) -> Folded {
    let lines: Vec<&str> = text.lines().collect();
    let Some((start, end)) = history_span(&lines) else {
        return unfolded(text);
    };
    let mut new: Vec<&str> = lines[..start].to_vec();
    let after = &lines[end..];
    if after.iter().any(|l| !l.trim().is_empty()) {
        new.push("");
        new.extend_from_slice(after);
    }
    let new = new.join("\n");
    let new = new.trim();
    if new.is_empty() {
        // Nothing but history (a bare forward): all of it is what the sender sent.
        return unfolded(text);
    }
    Folded {
        text: new.to_owned(),
        quoted: Some(lines[start..end].join("\n").trim().to_owned()).filter(|q| !q.is_empty()),
    }
}

fn unfolded(text: &str) -> Folded {
    Folded {
        text: text.trim().to_owned(),
        quoted: None,
    }
}

/// Where the history starts and ends (exclusive), in lines.
fn history_span(lines: &[&str]) -> Option<(usize, usize)> {
    for i in 0..lines.len() {
        let line = lines[i].trim();
        if line.is_empty() {
            continue;
        }
        if let Some(last) = attribution_end(lines, i) {
            // The attribution and the `>` block that follows it (blank lines within).
            let mut end = last + 1;
            let mut j = end;
            while j < lines.len() {
                let l = lines[j].trim_start();
                if l.starts_with('>') {
                    end = j + 1;
                } else if !l.is_empty() {
                    break;
                }
                j += 1;
            }
            let quoted_follows = lines[last + 1..end]
                .iter()
                .any(|l| l.trim_start().starts_with('>'));
            return Some((i, if quoted_follows { end } else { lines.len() }));
        }
        if is_separator(line) || is_header_block(lines, i) {
            return Some((i, lines.len()));
        }
        if is_rule(line) && next_nonblank(lines, i + 1).is_some_and(|n| is_header_block(lines, n)) {
            return Some((i, lines.len()));
        }
        if line.starts_with('>')
            && lines[i..]
                .iter()
                .all(|l| l.trim().is_empty() || l.trim_start().starts_with('>'))
        {
            return Some((i, lines.len()));
        }
    }
    None
}

/// The last line of an attribution starting at line `i` (clients wrap a long one over up
/// to three lines).
fn attribution_end(lines: &[&str], i: usize) -> Option<usize> {
    let first = lines[i].trim();
    let english = first.starts_with("On ");
    let chinese = first.starts_with('在') || first.starts_with("於") || first.starts_with('于');
    if !english && !chinese {
        return None;
    }
    let mut joined = String::new();
    for (j, line) in lines.iter().enumerate().skip(i).take(3) {
        let line = line.trim();
        if line.is_empty() || (j > i && line.starts_with('>')) {
            return None;
        }
        joined.push_str(line);
        let ends = if english {
            joined.ends_with("wrote:")
        } else {
            ["写道：", "写道:", "寫道：", "寫道:"]
                .iter()
                .any(|e| joined.ends_with(e))
        };
        if ends {
            return Some(j);
        }
        joined.push(' ');
    }
    None
}

fn is_separator(line: &str) -> bool {
    let l = line.to_lowercase();
    let dashed = l.starts_with("---") || l.starts_with("___");
    dashed
        && [
            "original message",
            "原始邮件",
            "原始郵件",
            "原始信件",
            "回复的原邮件",
        ]
        .iter()
        .any(|m| l.contains(m))
}

/// A line of underscores or dashes that Outlook puts above the quoted headers.
fn is_rule(line: &str) -> bool {
    line.len() >= 10 && line.chars().all(|c| c == '_' || c == '-')
}

fn next_nonblank(lines: &[&str], from: usize) -> Option<usize> {
    (from..lines.len()).find(|&j| !lines[j].trim().is_empty())
}

const FROM_KEYS: &[&str] = &["from", "发件人", "寄件者", "寄件人"];
const OTHER_KEYS: &[&str] = &[
    "sent",
    "date",
    "to",
    "cc",
    "subject",
    "发送时间",
    "日期",
    "时间",
    "收件人",
    "抄送",
    "主题",
    "寄件日期",
    "收件者",
    "副本",
    "主旨",
];

/// A quoted header block: `From:` and, within the next six lines, two of `Sent:`, `To:`,
/// `Subject:` and the like.
fn is_header_block(lines: &[&str], i: usize) -> bool {
    if !header_key(lines[i]).is_some_and(|k| FROM_KEYS.contains(&k.as_str())) {
        return false;
    }
    let others = lines[i + 1..]
        .iter()
        .take(6)
        .filter(|l| header_key(l).is_some_and(|k| OTHER_KEYS.contains(&k.as_str())))
        .count();
    others >= 2
}

/// The lowercase key of a `Key: value` line (bold `*Key:*` as Gmail renders Outlook's
/// headers, a full-width colon as Chinese clients write it).
fn header_key(line: &str) -> Option<String> {
    let line = line.trim().trim_start_matches('*');
    let colon = line.find([':', '：'])?;
    let key = line[..colon].trim().trim_end_matches('*').trim();
    (!key.is_empty() && key.chars().count() <= 12).then(|| key.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> (String, Option<String>) {
        let f = fold(text);
        (f.text, f.quoted)
    }

    #[test]
    fn gmail_attribution_and_quote() {
        let (new, old) = split(
            "Thanks, that worked.\n\nOn Mon, 1 Jan 2024 at 10:00, Desk Support <\nsupport@desk.example> wrote:\n\n> Please try again.\n> Regards\n",
        );
        assert_eq!(new, "Thanks, that worked.");
        assert!(
            old.unwrap().starts_with("On Mon"),
            "the attribution belongs to the history"
        );
    }

    #[test]
    fn chinese_attribution() {
        let (new, old) = split(
            "好的，谢谢\n\n在 2024年1月1日 10:00，客服 <support@desk.example> 写道：\n> 请重试\n",
        );
        assert_eq!(new, "好的，谢谢");
        assert_eq!(
            old.as_deref(),
            Some("在 2024年1月1日 10:00，客服 <support@desk.example> 写道：\n> 请重试")
        );
    }

    #[test]
    fn outlook_headers_under_a_rule() {
        let (new, old) = split(
            "See attached.\n\n________________________________\nFrom: Desk Support <support@desk.example>\nSent: Monday, January 1, 2024 10:00 AM\nTo: Alice\nSubject: RE: [#12] help\n\nOld text",
        );
        assert_eq!(new, "See attached.");
        assert!(old.unwrap().contains("Old text"));
        let (new, _) = split(
            "回复内容\n\n发件人: 客服\n发送时间: 2024年1月1日\n收件人: 我\n主题: 回复\n\n旧内容",
        );
        assert_eq!(new, "回复内容");
    }

    #[test]
    fn bottom_posting_and_inline_answers_keep_new_text() {
        let (new, old) = split("On Mon, Bob wrote:\n> question?\n\nMy answer below.");
        assert_eq!(new, "My answer below.");
        assert!(old.is_some());
        let inline = "> first question\nanswer one\n> second question\nanswer two";
        assert_eq!(
            split(inline),
            (inline.to_owned(), None),
            "inline answers are not cut"
        );
    }

    #[test]
    fn a_bare_forward_stays_whole() {
        let text = "-----Original Message-----\nFrom: x\nSent: y\nTo: z\n\nbody";
        assert_eq!(split(text), (text.to_owned(), None));
    }
}
