//! MIME as customers' mail clients write it: base64 and quoted-printable bodies, RFC 2047
//! encoded words, GBK and GB2312-labelled text, `multipart/*` with boundaries, an HTML
//! rendering of plain text, and an RFC 2822 date.

use base64::Engine;

/// How a body's text is written on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    GbkBase64,
    /// Labelled GB2312, as Outlook labels GB18030 text; the reader decodes it as GB18030.
    Gb2312Base64,
    Utf8Base64,
    Utf8Qp,
    Ascii7bit,
}

/// A body part's headers and its content in `charset`, transfer-encoded.
pub fn part(ctype: &str, charset: Charset, content: &str) -> String {
    let (label, cte) = match charset {
        Charset::GbkBase64 => ("gbk", "base64"),
        Charset::Gb2312Base64 => ("gb2312", "base64"),
        Charset::Utf8Base64 => ("utf-8", "base64"),
        Charset::Utf8Qp => ("utf-8", "quoted-printable"),
        Charset::Ascii7bit => ("us-ascii", "7bit"),
    };
    let bytes = match charset {
        Charset::GbkBase64 | Charset::Gb2312Base64 => {
            encoding_rs::GBK.encode(content).0.into_owned()
        }
        _ => content.as_bytes().to_vec(),
    };
    let encoded = match charset {
        Charset::Utf8Qp => quoted_printable(&bytes),
        Charset::Ascii7bit => content.to_owned(),
        _ => wrapped_base64(&bytes),
    };
    format!(
        "Content-Type: {ctype}; charset=\"{label}\"\r\nContent-Transfer-Encoding: {cte}\r\n\r\n{encoded}"
    )
}

pub fn multipart(sub: &str, boundary: &str, parts: &[String]) -> String {
    let mut out = format!("Content-Type: multipart/{sub}; boundary=\"{boundary}\"\r\n\r\n");
    for p in parts {
        out.push_str(&format!("--{boundary}\r\n{p}\r\n"));
    }
    out.push_str(&format!("--{boundary}--\r\n"));
    out
}

pub fn html(text: &str) -> String {
    let mut out = String::from(
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html\"></head><body>\
         <div style=\"font-family:Microsoft YaHei,Arial;font-size:14px\">",
    );
    let mut in_quote = false;
    for line in text.lines() {
        let quoted = line.starts_with("> ");
        if quoted && !in_quote {
            out.push_str("<blockquote style=\"border-left:2px solid #ccc;padding-left:8px\">");
            in_quote = true;
        }
        let line = line.strip_prefix("> ").unwrap_or(line);
        let escaped = line
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        out.push_str(&format!("<p>{escaped}</p>\r\n"));
    }
    if in_quote {
        out.push_str("</blockquote>");
    }
    out.push_str(
        "</div><img src=\"https://track.example.com/o.gif\" width=1 height=1></body></html>",
    );
    out
}

pub fn encode_word(text: &str, charset: Charset) -> String {
    if text.is_ascii() {
        return text.to_owned();
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    match charset {
        Charset::GbkBase64 => format!("=?GBK?B?{}?=", b64.encode(encoding_rs::GBK.encode(text).0)),
        Charset::Gb2312Base64 => {
            format!(
                "=?GB2312?B?{}?=",
                b64.encode(encoding_rs::GBK.encode(text).0)
            )
        }
        _ => format!("=?UTF-8?B?{}?=", b64.encode(text)),
    }
}

/// The ASCII prefix (`Re: [#12] `) as it is, the rest as one encoded word.
pub fn encode_subject(subject: &str, charset: Charset) -> String {
    match subject.char_indices().find(|(_, c)| !c.is_ascii()) {
        None => subject.to_owned(),
        Some((at, _)) => {
            // Start the encoded word at a word boundary before the first non-ASCII char.
            let cut = subject[..at].rfind(' ').map_or(0, |s| s + 1);
            format!(
                "{}{}",
                &subject[..cut],
                encode_word(&subject[cut..], charset)
            )
        }
    }
}

pub fn wrapped_base64(data: &[u8]) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(data);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 76 * 2 + 2);
    for chunk in encoded.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(chunk).unwrap());
        out.push_str("\r\n");
    }
    out
}

/// RFC 2045 quoted-printable: CRLF kept as hard breaks, soft breaks before 76 columns.
fn quoted_printable(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len() * 2);
    let mut column = 0;
    let mut i = 0;
    while i < data.len() {
        let b = data[i];
        if b == b'\r' && data.get(i + 1) == Some(&b'\n') {
            out.push_str("\r\n");
            column = 0;
            i += 2;
            continue;
        }
        let at_line_end = matches!(data.get(i + 1), None | Some(b'\r'));
        let literal = (b == b' ' && !at_line_end) || (33..=126).contains(&b) && b != b'=';
        let width = if literal { 1 } else { 3 };
        if column + width > 75 {
            out.push_str("=\r\n");
            column = 0;
        }
        if literal {
            out.push(b as char);
        } else {
            out.push_str(&format!("={b:02X}"));
        }
        column += width;
        i += 1;
    }
    out.push_str("\r\n");
    out
}

pub fn rfc2822(secs: i64) -> String {
    // Days since the epoch to a civil date (Howard Hinnant's algorithm), in +0800.
    let local = secs + 8 * 3600;
    let days = local.div_euclid(86_400);
    let rem = local.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{weekday}, {day} {} {year} {:02}:{:02}:{:02} +0800",
        months[(month - 1) as usize],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
