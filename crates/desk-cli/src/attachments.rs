//! Files from the command line: `desk reply --attach`, `desk attachment SHA256 --out F`, and
//! the line `desk show` prints under a message for each file it carries.

use std::io::Write;
use std::path::{Path, PathBuf};

use desk_core::{ApiError, Attachment, ErrorCode};
use desk_sync::Client;

/// The line under a message for one of its files:
/// `  [file] 提币截图.png  image/png  12.3 KB  9f86d0…`.
pub fn line(file: &Attachment) -> String {
    format!(
        "  [file] {}  {}  {}  {}",
        file.file_name,
        file.content_type,
        size(file.size),
        file.sha256
    )
}

/// Bytes as people read them: `812 B`, `12.3 KB`, `4.2 MB` (units of 1024).
pub fn size(bytes: u64) -> String {
    const K: f64 = 1024.0;
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} B")
    } else if b < K * K {
        format!("{:.1} KB", b / K)
    } else {
        format!("{:.1} MB", b / K / K)
    }
}

/// The files given with `--attach`, as (name, bytes): the name is the path's last part.
pub fn read_files(paths: &[PathBuf]) -> Result<Vec<(String, Vec<u8>)>, ApiError> {
    paths
        .iter()
        .map(|path| {
            let bytes = std::fs::read(path).map_err(|e| {
                ApiError::new(
                    ErrorCode::BadRequest,
                    format!("read {}: {e}", path.display()),
                )
            })?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            Ok((name, bytes))
        })
        .collect()
}

/// `desk attachment SHA256 --out FILE`: the file from the cache, or fetched and cached;
/// written to `out` (`-`: standard output). Returns how many bytes were written.
pub async fn fetch(
    client: &Client,
    sha256: &str,
    ticket: Option<&str>,
    out: &Path,
) -> Result<usize, ApiError> {
    let bytes = client.attachment(sha256, ticket).await?;
    let written = if out.as_os_str() == "-" {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(&bytes).and_then(|()| stdout.flush())
    } else {
        std::fs::write(out, &bytes)
    };
    written
        .map_err(|e| ApiError::new(ErrorCode::Storage, format!("write {}: {e}", out.display())))?;
    Ok(bytes.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_reads_as_one_line_with_name_type_size_and_address() {
        let file = Attachment {
            sha256: "ab".repeat(32),
            file_name: "提币截图.png".into(),
            content_type: "image/png".into(),
            size: 12_595,
        };
        assert_eq!(
            line(&file),
            format!(
                "  [file] 提币截图.png  image/png  12.3 KB  {}",
                "ab".repeat(32)
            ),
            "everything `desk attachment` needs is on the line"
        );
        assert_eq!(size(812), "812 B");
        assert_eq!(size(4 * 1024 * 1024 + 200_000), "4.2 MB");
    }
}
