//! Attachments (DESIGN.md §3, §11): content-addressed files on messages. Their bytes are
//! stored once by the server under their SHA-256 and fetched on demand; a message carries
//! only [`crate::Attachment`]s, the metadata.
//!
//! A file's type is read from its first bytes, never taken from the sender: a customer's
//! `invoice.pdf` that is really HTML is stored as text. Only the raster image types a
//! webview shows without running anything are previewed; SVG and HTML never are.

use crate::domain::Attachment;

/// Largest file accepted, in bytes (the big mail services' attachment limit).
pub const MAX_FILE_BYTES: u64 = 25 * 1024 * 1024;
/// Most files on one message.
pub const MAX_FILES_PER_MESSAGE: usize = 20;
/// Most bytes of files on one message.
pub const MAX_MESSAGE_BYTES: u64 = 40 * 1024 * 1024;
/// Longest file name kept, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// The type of `data`, from its first bytes.
pub fn sniff(data: &[u8]) -> &'static str {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"GIF87a", "image/gif"),
        (b"GIF89a", "image/gif"),
        (b"%PDF-", "application/pdf"),
        (b"PK\x03\x04", "application/zip"),
        (b"\x1f\x8b", "application/gzip"),
    ];
    for (magic, kind) in SIGNATURES {
        if data.starts_with(magic) {
            return kind;
        }
    }
    if data.len() >= 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP" {
        return "image/webp";
    }
    // Text of any kind (HTML and SVG included) is served as plain text: shown, never run.
    let head = &data[..data.len().min(4096)];
    let text = match std::str::from_utf8(head) {
        Ok(_) => true,
        // A multi-byte character cut by the 4 KiB window is still text.
        Err(e) => e.error_len().is_none() && e.valid_up_to() + 4 > head.len(),
    };
    if text && !head.contains(&0) {
        "text/plain"
    } else {
        "application/octet-stream"
    }
}

/// Whether the console may show the file as an image inline.
pub fn previewable(content_type: &str) -> bool {
    matches!(
        content_type,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    )
}

/// The SHA-256 of `data`, hex: the file's address.
pub fn address(data: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(data))
}

/// Whether `text` is a file address: 64 lower-case hex digits.
pub fn is_address(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A file name safe to store and show: no path, no control characters, bounded, with any
/// wallet secret in it redacted (customers name screenshots after what they show).
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let printable: String = base.chars().filter(|c| !c.is_control()).collect();
    let redacted = crate::redact::redact(printable.trim()).text;
    let bounded: String = redacted.chars().take(MAX_NAME_CHARS).collect();
    if bounded.trim().is_empty() || bounded == "." || bounded == ".." {
        "attachment".to_owned()
    } else {
        bounded
    }
}

/// An attachment's metadata for `data` named `name`.
pub fn describe(name: &str, data: &[u8]) -> Attachment {
    Attachment {
        sha256: address(data),
        file_name: clean_name(name),
        content_type: sniff(data).to_owned(),
        size: data.len() as u64,
    }
}

/// Checks a message's files against the limits, naming the first one over.
pub fn check(files: &[Attachment]) -> Result<(), String> {
    if files.len() > MAX_FILES_PER_MESSAGE {
        return Err(format!(
            "{} files on one message; at most {MAX_FILES_PER_MESSAGE}",
            files.len()
        ));
    }
    if let Some(f) = files.iter().find(|f| f.size > MAX_FILE_BYTES) {
        return Err(format!(
            "{} is {} bytes; a file may have at most {MAX_FILE_BYTES}",
            f.file_name, f.size
        ));
    }
    let total: u64 = files.iter().map(|f| f.size).sum();
    if total > MAX_MESSAGE_BYTES {
        return Err(format!(
            "the files come to {total} bytes; a message may carry at most {MAX_MESSAGE_BYTES}"
        ));
    }
    if let Some(f) = files.iter().find(|f| !is_address(&f.sha256)) {
        return Err(format!("{:?} is not a file address", f.sha256));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_files_type_comes_from_its_bytes_not_its_name() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), "image/png");
        assert_eq!(sniff(b"\xff\xd8\xff\xe0JFIF"), "image/jpeg");
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), "image/webp");
        assert_eq!(sniff(b"%PDF-1.7"), "application/pdf");
        assert_eq!(
            sniff(b"<html><script>alert(1)</script>"),
            "text/plain",
            "HTML is text to read, never a page to run"
        );
        assert_eq!(
            sniff(b"<svg xmlns='http://www.w3.org/2000/svg' onload='x()'/>"),
            "text/plain",
            "SVG is never an image the webview renders"
        );
        assert_eq!(sniff("交易截图说明".as_bytes()), "text/plain");
        assert_eq!(sniff(b"\x00\x01\x02binary"), "application/octet-stream");
        assert!(previewable("image/png") && !previewable("text/plain"));
    }

    #[test]
    fn names_lose_paths_controls_and_secrets() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\Users\\x\\shot.png"), "shot.png");
        assert_eq!(clean_name("a\u{0}b\n.txt"), "ab.txt");
        assert_eq!(clean_name(""), "attachment");
        let seed = "abandon ability able about above absent absorb abstract absurd abuse access accident.txt";
        let cleaned = clean_name(seed);
        assert!(
            !cleaned.contains("abandon") && cleaned.contains("[REDACTED:seed]"),
            "a recovery phrase in a file name is redacted: {cleaned}"
        );
    }

    #[test]
    fn limits_name_the_file_over_them() {
        let file = |size| Attachment {
            sha256: "a".repeat(64),
            file_name: "big.zip".into(),
            content_type: "application/zip".into(),
            size,
        };
        assert!(check(&[file(1), file(2)]).is_ok());
        assert!(
            check(&[file(MAX_FILE_BYTES + 1)])
                .unwrap_err()
                .contains("big.zip")
        );
        assert!(check(&[file(MAX_FILE_BYTES), file(MAX_FILE_BYTES)]).is_err());
        let mut bad = file(1);
        bad.sha256 = "../x".into();
        assert!(check(&[bad]).is_err(), "an address is a hash, never a path");
    }
}
