//! Attachments (DESIGN.md §11): files both ways, offline too.
//!
//! **Out:** a reply's files are described here (type sniffed from the bytes, name
//! cleaned, limits checked) and queued with the reply in one cache transaction
//! ([`Client::reply_with_files`]); the bytes wait in the encrypted cache, flagged for
//! upload. Before a sync pushes, it uploads every such file its batch's replies carry
//! (`POST /attachments`), and a reply is never pushed before its files are on the server:
//! offline both wait, a failed upload stops the push at that reply (those before it go),
//! and a file the server refuses (anything but a failure of the moment or of the sign-in,
//! [`Error::refuses_pushed_actions`]) rejects its reply here, with the reason, for the
//! agent to read, then retry or discard.
//!
//! **In:** a message's file opens from the cache, or is fetched (`GET /attachments/…`)
//! and kept there, so it opens offline afterwards ([`Client::attachment`]);
//! [`Client::save_attachment`] writes one into a folder under a name that clobbers
//! nothing.

use std::io::Write;
use std::path::{Path, PathBuf};

use desk_core::attachment::{self, MAX_FILE_BYTES, MAX_MESSAGE_BYTES};
use desk_core::wire::Acknowledgement;
use desk_core::{ApiError, Attachment, Mutation, MutationOp, MutationResult};

use super::{Bump, lock, new_id, now_ms};
use crate::api::{Api, is_unauthorized};
use crate::{Client, Error, Result};

/// What the files of a push batch allow.
pub(super) enum FilesReady {
    /// Every file the batch's replies carry is on the server.
    All,
    /// Only the first `n` mutations may be pushed: the next one's file could not be
    /// uploaded now, for this reason.
    First(usize, Error),
    /// A reply's file was refused for good, so the reply was rejected here: its answer.
    /// The batch must be taken again.
    Rejected(Acknowledgement),
}

/// Describes a file an agent attaches, refusing an empty one or one over the size limit
/// before anything is queued.
pub fn describe_file(name: &str, bytes: &[u8]) -> Result<Attachment> {
    let described = attachment::describe(name, bytes);
    if bytes.is_empty() {
        return Err(Error::BadInput(format!(
            "{} is empty: there is nothing to send",
            described.file_name
        )));
    }
    if described.size > MAX_FILE_BYTES {
        return Err(Error::TooLarge(format!(
            "{} is {}; a file may have at most {}",
            described.file_name,
            human_size(described.size),
            human_size(MAX_FILE_BYTES)
        )));
    }
    Ok(described)
}

/// The files of one reply, described and checked against the per-message limits.
pub fn describe_files(files: &[(String, Vec<u8>)]) -> Result<Vec<Attachment>> {
    let described = files
        .iter()
        .map(|(name, bytes)| describe_file(name, bytes))
        .collect::<Result<Vec<_>>>()?;
    let total: u64 = described.iter().map(|a| a.size).sum();
    if total > MAX_MESSAGE_BYTES {
        return Err(Error::TooLarge(format!(
            "the files come to {}; one reply may carry at most {}",
            human_size(total),
            human_size(MAX_MESSAGE_BYTES)
        )));
    }
    // The count, and anything else the rules hold a reply's files to.
    attachment::check(&described).map_err(Error::BadInput)?;
    Ok(described)
}

fn human_size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB {
        format!("{:.1} MiB", bytes as f64 / MIB as f64)
    } else {
        format!("{bytes} bytes")
    }
}

impl Client {
    /// A public reply carrying `files` (name, bytes): described, checked, and queued with
    /// their bytes in one cache transaction. Works offline; the sync uploads the files,
    /// then pushes the reply. Without files it is [`Client::reply`].
    pub fn reply_with_files(
        &self,
        ticket_id: &str,
        body_text: &str,
        files: Vec<(String, Vec<u8>)>,
    ) -> Result<Mutation> {
        if files.is_empty() {
            return self.reply(ticket_id, body_text, false);
        }
        let attachments = describe_files(&files)?;
        let account = self.account()?.ok_or(Error::NotSignedIn)?;
        let _bump = Bump(&self.revision);
        let mut store = lock(&self.store);
        let op = MutationOp::Reply {
            ticket_id: ticket_id.to_owned(),
            message_id: new_id(),
            body_text: body_text.to_owned(),
            last_seen_message_id: store.latest_confirmed_message(ticket_id)?,
            attachments,
        };
        let bytes: Vec<&[u8]> = files.iter().map(|(_, b)| b.as_slice()).collect();
        Ok(store.apply_local_with_files(&account.agent, op, &bytes, now_ms(), new_id)?)
    }

    /// A reply (or with `internal`, a note) with its files and the edit its macro makes
    /// (`TicketEdit::from_macro_actions`: status, priority, category, tags), queued
    /// together in one transaction, offline too: all of it, or at the first refusal
    /// nothing. The reply goes first, so the customer is answered before the status says
    /// the desk waits on them.
    pub fn reply_and_edit(
        &self,
        ticket_id: &str,
        body_text: &str,
        internal: bool,
        files: Vec<(String, Vec<u8>)>,
        edit: &desk_core::view::TicketEdit,
    ) -> Result<Vec<Mutation>> {
        if internal && !files.is_empty() {
            return Err(Error::BadInput(
                "files go with a public reply, not an internal note".into(),
            ));
        }
        let attachments = if files.is_empty() {
            vec![]
        } else {
            describe_files(&files)?
        };
        let account = self.account()?.ok_or(Error::NotSignedIn)?;
        let _bump = Bump(&self.revision);
        let mut store = lock(&self.store);
        let (ticket, message_id, body) = (ticket_id.to_owned(), new_id(), body_text.to_owned());
        let first = if internal {
            MutationOp::Note {
                ticket_id: ticket,
                message_id,
                body_text: body,
            }
        } else {
            MutationOp::Reply {
                last_seen_message_id: store.latest_confirmed_message(&ticket)?,
                ticket_id: ticket,
                message_id,
                body_text: body,
                attachments,
            }
        };
        let mut ops = vec![first];
        ops.extend(edit.ops(ticket_id));
        let bytes: Vec<&[u8]> = files.iter().map(|(_, b)| b.as_slice()).collect();
        Ok(store.apply_local_all(&account.agent, ops, &bytes, now_ms(), new_id)?)
    }

    /// A file's bytes by its address: from the cache, else fetched from the server and
    /// kept for the conversation of `ticket_id` (when not given, of the cached messages
    /// carrying it), so it opens offline next time. Offline and not cached: `offline`.
    pub async fn attachment(&self, sha256: &str, ticket_id: Option<&str>) -> Result<Vec<u8>> {
        if !attachment::is_address(sha256) {
            return Err(Error::BadInput(format!(
                "{sha256:?} is not a file address (64 hex digits)"
            )));
        }
        if let Some(bytes) = lock(&self.store).file(sha256)? {
            return Ok(bytes);
        }
        let not_cached = |e: Error| match e {
            Error::Offline { .. } => Error::FileOffline(sha256.to_owned()),
            e => e,
        };
        let mut retried_auth = false;
        let bytes = loop {
            let (api, access) = self.api_and_access().await.map_err(not_cached)?;
            match api.attachment(&access, sha256, MAX_FILE_BYTES).await {
                Ok(bytes) => break bytes,
                Err(e) if is_unauthorized(&e) && !retried_auth => {
                    retried_auth = true;
                    self.forget_access();
                }
                Err(e) => return Err(not_cached(e)),
            }
        };
        // Bound first: the arms below lock the store again.
        let kept = lock(&self.store).keep_fetched_file(sha256, &bytes, ticket_id, now_ms());
        match kept {
            Ok(()) => Ok(bytes),
            Err(desk_store::Error::BadFile(detail)) => Err(Error::Protocol {
                url: self.account()?.map(|a| a.server_url).unwrap_or_default(),
                detail,
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// Writes a message's file into `dir` (made if missing) as `file_name`, or as
    /// `name (1).ext`, `name (2).ext`… when taken: nothing already there is overwritten.
    /// Returns where it went. The name is cleaned again (no path, no characters a file
    /// system refuses), and a text file named as a page or script (`.html`, `.svg`, `.js`…)
    /// gets `.txt` added, so opening it shows the text instead of running it.
    pub async fn save_attachment(
        &self,
        sha256: &str,
        file_name: &str,
        ticket_id: Option<&str>,
        dir: &Path,
    ) -> Result<PathBuf> {
        let bytes = self.attachment(sha256, ticket_id).await?;
        save_into(dir, file_name, &bytes)
    }

    /// Uploads the files the replies in `batch` (the next mutations to push, in order)
    /// carry that the server does not hold yet. See [`FilesReady`].
    pub(super) async fn upload_files_for(
        &self,
        api: &Api,
        agent_id: &str,
        batch: &[Mutation],
    ) -> Result<FilesReady> {
        let waiting = lock(&self.store).files_to_upload(agent_id)?;
        for file in waiting {
            // Listed in push order: past the batch, the rest waits for a later batch.
            let Some(position) = batch.iter().position(|m| m.id == file.mutation_id) else {
                break;
            };
            let a = &file.attachment;
            let Some(bytes) = lock(&self.store).file(&a.sha256)? else {
                // Dropped since it was listed; the server decides on the reply.
                continue;
            };
            let mut retried_auth = false;
            let uploaded = loop {
                let access = self.access_token(api).await?;
                match api
                    .upload_attachment(&access, &a.file_name, bytes.clone())
                    .await
                {
                    Err(e) if is_unauthorized(&e) && !retried_auth => {
                        retried_auth = true;
                        self.forget_access();
                    }
                    other => break other,
                }
            };
            match uploaded {
                Ok(held) if held.sha256 == a.sha256 => {
                    lock(&self.store).mark_uploaded(&a.sha256)?;
                }
                Ok(held) => {
                    let e = Error::Protocol {
                        url: api.base().to_owned(),
                        detail: format!("uploaded file {} came back as {}", a.sha256, held.sha256),
                    };
                    return Ok(FilesReady::First(position, e));
                }
                // A refusal is final, as a push's is: the reply is rejected with it.
                Err(e) if e.refuses_pushed_actions() => {
                    let refused = ApiError::from(&e);
                    let result = MutationResult::Rejected {
                        code: refused.code,
                        reason: format!(
                            "the file {} was not accepted: {}",
                            a.file_name, refused.message
                        ),
                    };
                    let _bump = Bump(&self.revision);
                    lock(&self.store).acknowledge(&file.mutation_id, &result)?;
                    return Ok(FilesReady::Rejected(Acknowledgement {
                        mutation_id: file.mutation_id,
                        result,
                    }));
                }
                Err(e) => return Ok(FilesReady::First(position, e)),
            }
        }
        Ok(FilesReady::All)
    }
}

/// Extensions a text file must not keep: opened, they would run as a page or a script.
const ACTIVE_EXTENSIONS: &[&str] = &[
    "htm", "html", "xhtml", "shtml", "mht", "mhtml", "svg", "svgz", "xml", "xsl", "js", "mjs",
    "hta", "url", "desktop", "bat", "cmd", "ps1", "vbs", "sh",
];

/// Names Windows reserves for devices, whatever the extension.
const RESERVED_STEMS: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// The name a file is saved under: cleaned as desk-core cleans names, with what file
/// systems refuse replaced, never hidden, and text that would run made plain text.
pub fn saved_name(file_name: &str, bytes: &[u8]) -> String {
    let cleaned = attachment::clean_name(file_name);
    let mut name: String = cleaned
        .chars()
        .map(|c| if r#"<>:"/\|?*"#.contains(c) { '_' } else { c })
        .collect();
    // Windows drops trailing dots and spaces, which could join two names into one.
    let trimmed = name.trim_end_matches(['.', ' ']).len();
    name.truncate(trimmed);
    if name.is_empty() {
        name = "attachment".into();
    }
    let path = Path::new(&name);
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if name.starts_with('.') || RESERVED_STEMS.contains(&stem.as_str()) {
        name.insert(0, '_');
    }
    let extension = Path::new(&name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if attachment::sniff(bytes) == "text/plain"
        && extension.is_some_and(|e| ACTIVE_EXTENSIONS.contains(&e.as_str()))
    {
        name.push_str(".txt");
    }
    name
}

/// Writes `bytes` into `dir` under [`saved_name`], or the first `stem (n).ext` not taken.
/// Created with `create_new`, so a file that appears meanwhile is never overwritten.
pub fn save_into(dir: &Path, file_name: &str, bytes: &[u8]) -> Result<PathBuf> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| Error::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let name = saved_name(file_name, bytes);
    let (stem, extension) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem.to_owned(), format!(".{ext}")),
        _ => (name.clone(), String::new()),
    };
    for n in 0..10_000u32 {
        let candidate = if n == 0 {
            dir.join(&name)
        } else {
            dir.join(format!("{stem} ({n}){extension}"))
        };
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(mut file) => {
                file.write_all(bytes).map_err(io(&candidate))?;
                file.sync_all().map_err(io(&candidate))?;
                return Ok(candidate);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io(&candidate)(e)),
        }
    }
    Err(Error::BadInput(format!(
        "{} and 10,000 numbered copies already exist in {}",
        name,
        dir.display()
    )))
}

#[cfg(test)]
mod tests {
    use desk_core::ErrorCode;

    use super::*;

    #[test]
    fn saved_names_cannot_escape_hide_or_run() {
        let text = b"<html><script>alert(1)</script>";
        assert_eq!(
            saved_name("../../.bashrc", b"x"),
            "_.bashrc",
            "no path, never a hidden file"
        );
        assert_eq!(
            saved_name("invoice.html", text),
            "invoice.html.txt",
            "HTML was sniffed as text; opening the saved file shows it, never runs it"
        );
        assert_eq!(
            saved_name("qr.svg", b"<svg onload='x()'/>"),
            "qr.svg.txt",
            "SVG is a page too"
        );
        assert_eq!(
            saved_name("notes.txt", b"plain"),
            "notes.txt",
            "plain text keeps its name"
        );
        assert_eq!(
            saved_name("shot.png", b"\x89PNG\r\n\x1a\n"),
            "shot.png",
            "a real image keeps its name"
        );
        assert_eq!(saved_name("a:b?c*.pdf", b"%PDF-"), "a_b_c_.pdf");
        assert_eq!(
            saved_name("CON.txt", b"x"),
            "_CON.txt",
            "a device name Windows reserves"
        );
        assert_eq!(saved_name("trailing. . ", b"x"), "trailing");
    }

    #[test]
    fn saving_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let first = save_into(dir.path(), "提币截图.png", b"one").unwrap();
        let second = save_into(dir.path(), "提币截图.png", b"two").unwrap();
        let third = save_into(dir.path(), "提币截图.png", b"three").unwrap();
        assert_eq!(first, dir.path().join("提币截图.png"));
        assert_eq!(
            second,
            dir.path().join("提币截图 (1).png"),
            "a taken name gets a number before its extension"
        );
        assert_eq!(third, dir.path().join("提币截图 (2).png"));
        assert_eq!(
            std::fs::read(&first).unwrap(),
            b"one",
            "the first file is untouched"
        );
        let bare = save_into(dir.path(), "README", b"x").unwrap();
        let again = save_into(dir.path(), "README", b"y").unwrap();
        assert_eq!(
            (bare, again),
            (dir.path().join("README"), dir.path().join("README (1)"))
        );
    }

    #[test]
    fn files_over_the_limits_are_refused_with_their_names() {
        let empty = describe_files(&[("blank.txt".into(), vec![])]).unwrap_err();
        assert_eq!(empty.code(), ErrorCode::BadRequest, "{empty}");
        assert!(empty.to_string().contains("blank.txt"), "{empty}");

        let big = vec![0u8; MAX_FILE_BYTES as usize + 1];
        let err = describe_files(&[("录屏.mp4".into(), big)]).unwrap_err();
        assert_eq!(
            err.code(),
            ErrorCode::PayloadTooLarge,
            "the UI branches on the code: {err}"
        );
        assert!(
            err.to_string().contains("录屏.mp4") && err.to_string().contains("25.0 MiB"),
            "the message names the file and the limit: {err}"
        );

        let part = vec![1u8; 15 * 1024 * 1024];
        let three: Vec<(String, Vec<u8>)> = (0..3)
            .map(|i| (format!("part{i}.bin"), part.clone()))
            .collect();
        let err = describe_files(&three).unwrap_err();
        assert_eq!(
            err.code(),
            ErrorCode::PayloadTooLarge,
            "45 MiB together is over a reply's 40: {err}"
        );

        let many: Vec<(String, Vec<u8>)> =
            (0..21).map(|i| (format!("{i}.txt"), vec![b'a'])).collect();
        assert_eq!(
            describe_files(&many).unwrap_err().code(),
            ErrorCode::BadRequest,
            "at most 20 files on one message"
        );
        let ok = describe_files(&[("地址.txt".into(), b"TXYZ".to_vec())]).unwrap();
        assert_eq!(ok[0].content_type, "text/plain", "sniffed from the bytes");
    }
}
