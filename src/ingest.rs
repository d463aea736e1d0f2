//! Stage 1, ingest: a path (or stdin) in, a [`Document`] out: the bytes, their sha256 and
//! the media type detected from the content (magic bytes), never from the file name.
//! This is the only stage that touches the filesystem.

use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Largest input read, in bytes. Real letters are well under this; anything larger is
/// refused before it is read into memory.
pub const MAX_INPUT_BYTES: u64 = 256 * 1024 * 1024;

/// Where a document comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file on disk.
    Path(PathBuf),
    /// Standard input (written `-` on the command line).
    Stdin,
}

impl Input {
    /// The name used in reports and error messages: the path, or `-` for stdin.
    pub fn display_path(&self) -> PathBuf {
        match self {
            Input::Path(p) => p.clone(),
            Input::Stdin => PathBuf::from("-"),
        }
    }
}

/// What kind of content a document holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaType {
    /// `application/pdf`.
    Pdf,
    /// `text/plain` (UTF-8).
    PlainText,
    /// `text/html` (a letter saved from a web portal or an email).
    Html,
    /// An image format (its MIME type), which needs OCR.
    Image(String),
}

impl MediaType {
    /// The MIME type string.
    pub fn mime(&self) -> &str {
        match self {
            MediaType::Pdf => "application/pdf",
            MediaType::PlainText => "text/plain",
            MediaType::Html => "text/html",
            MediaType::Image(m) => m,
        }
    }
}

/// One input document, read and identified.
#[derive(Debug, Clone)]
pub struct Document {
    /// The path as given (`-` for stdin).
    pub path: PathBuf,
    /// The raw bytes.
    pub bytes: Vec<u8>,
    /// Lower-case hex sha256 of the bytes.
    pub sha256: String,
    /// The detected media type.
    pub media_type: MediaType,
}

/// Reads an input and identifies its content.
pub fn load(input: &Input) -> Result<Document> {
    let path = input.display_path();
    let bytes = match input {
        Input::Path(p) => return from_file_bytes(path, read_file(p)?),
        Input::Stdin => {
            let mut buf = Vec::new();
            std::io::stdin()
                .take(MAX_INPUT_BYTES + 1)
                .read_to_end(&mut buf)
                .map_err(|source| Error::Io {
                    path: path.clone(),
                    source,
                })?;
            if buf.len() as u64 > MAX_INPUT_BYTES {
                return Err(Error::TooLarge {
                    path,
                    size: buf.len() as u64,
                    limit: MAX_INPUT_BYTES,
                });
            }
            buf
        }
    };
    from_bytes(path, bytes)
}

/// A file named `.pdf` must hold a PDF: an HTML page or plain text under that name is what a
/// failed portal download leaves, and reading it as a letter would tell the user the letter
/// was read. (Other mismatches, such as a PDF named `.txt`, are read by their content.)
fn named_pdf_holds_pdf(doc: Document) -> Result<Document> {
    let named_pdf = doc
        .path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("pdf"));
    let holds = match doc.media_type {
        MediaType::Html => "an HTML page",
        MediaType::PlainText => "plain text",
        _ => return Ok(doc),
    };
    if named_pdf {
        return Err(Error::NotAPdf {
            path: doc.path,
            holds: holds.into(),
        });
    }
    Ok(doc)
}

/// Identifies the bytes of a file named `path` that were read elsewhere (an upload, a row of
/// Spark's `binaryFile` source) as [`load`] identifies that file: by their content, within
/// the same size limit, and a name ending `.pdf` must hold a PDF.
pub fn from_file_bytes(path: PathBuf, bytes: Vec<u8>) -> Result<Document> {
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(Error::TooLarge {
            path,
            size: bytes.len() as u64,
            limit: MAX_INPUT_BYTES,
        });
    }
    named_pdf_holds_pdf(from_bytes(path, bytes)?)
}

/// A warning when the file's name says one kind of document and its bytes another (a PDF
/// named `.jpg`): it is read by its content, and the user should know the name misled.
/// Names only the kinds, never content.
pub fn name_mismatch(doc: &Document) -> Option<String> {
    let ext = doc.path.extension()?.to_str()?.to_ascii_lowercase();
    let named = match ext.as_str() {
        "pdf" => "a PDF",
        "jpg" | "jpeg" | "png" | "tif" | "tiff" | "bmp" | "webp" | "gif" => "an image",
        "txt" | "text" | "htm" | "html" | "eml" => "text",
        _ => return None,
    };
    let holds = match &doc.media_type {
        MediaType::Pdf => "a PDF",
        MediaType::Image(_) => "an image",
        MediaType::PlainText | MediaType::Html => "text",
    };
    (named != holds)
        .then(|| format!("the file is named .{ext} but holds {holds}; it was read as {holds}"))
}

/// Identifies an in-memory document (used for stdin and by library callers).
pub fn from_bytes(path: PathBuf, bytes: Vec<u8>) -> Result<Document> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::Empty { path });
    }
    let media_type = detect(&bytes).map_err(|media_type| Error::Unsupported {
        path: path.clone(),
        media_type,
    })?;
    let sha256 = sha256_hex(&bytes);
    Ok(Document {
        path,
        bytes,
        sha256,
        media_type,
    })
}

fn read_file(p: &Path) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(p).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => Error::NotFound {
            path: p.to_path_buf(),
        },
        _ => Error::Io {
            path: p.to_path_buf(),
            source,
        },
    })?;
    if meta.is_dir() {
        return Err(Error::Unsupported {
            path: p.to_path_buf(),
            media_type: "a directory".into(),
        });
    }
    if meta.len() > MAX_INPUT_BYTES {
        return Err(Error::TooLarge {
            path: p.to_path_buf(),
            size: meta.len(),
            limit: MAX_INPUT_BYTES,
        });
    }
    std::fs::read(p).map_err(|source| Error::Io {
        path: p.to_path_buf(),
        source,
    })
}

/// Detects the media type from magic bytes (a file's first KiB is enough); for content
/// overturn cannot read, says what it looks like instead.
pub(crate) fn detect(bytes: &[u8]) -> std::result::Result<MediaType, String> {
    detect_readable(bytes).ok_or_else(|| {
        infer::get(bytes)
            .map(|t| t.mime_type().to_string())
            .unwrap_or_else(|| "binary data".to_string())
    })
}

fn detect_readable(bytes: &[u8]) -> Option<MediaType> {
    // PDF readers accept a header anywhere in the first KiB (some scanners prepend junk).
    let head = &bytes[..bytes.len().min(1024)];
    if head.windows(5).any(|w| w == b"%PDF-") {
        return Some(MediaType::Pdf);
    }
    if let Some(kind) = infer::get(bytes) {
        return match kind.matcher_type() {
            infer::MatcherType::Image => Some(MediaType::Image(kind.mime_type().to_string())),
            infer::MatcherType::Text if kind.mime_type() == "text/html" => {
                looks_like_text(bytes).then_some(MediaType::Html)
            }
            infer::MatcherType::Text => looks_like_text(bytes).then_some(MediaType::PlainText),
            _ => None,
        };
    }
    looks_like_text(bytes).then_some(MediaType::PlainText)
}

/// UTF-8 with almost no control characters. A BOM is allowed.
fn looks_like_text(bytes: &[u8]) -> bool {
    // A sample cut mid-character (the first KiB of a file) is still text.
    let s = match std::str::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) if e.error_len().is_none() => match std::str::from_utf8(&bytes[..e.valid_up_to()]) {
            Ok(s) => s,
            Err(_) => return false,
        },
        Err(_) => return false,
    };
    let total = s.chars().count().max(1);
    let control = s
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}'))
        .count();
    control * 100 / total < 2
}

/// Lower-case hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_content_not_name() {
        let pdf = from_bytes("letter.txt".into(), b"%PDF-1.7\n...".to_vec()).unwrap();
        assert_eq!(pdf.media_type, MediaType::Pdf);
        let txt = from_bytes("scan.pdf".into(), b"Dear member,\nYour claim".to_vec()).unwrap();
        assert_eq!(txt.media_type, MediaType::PlainText);
        let png = from_bytes("x".into(), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec()).unwrap();
        assert_eq!(png.media_type, MediaType::Image("image/png".into()));
    }

    #[test]
    fn rejects_empty_and_binary() {
        assert!(matches!(
            from_bytes("e".into(), b" \n".to_vec()),
            Err(Error::Empty { .. })
        ));
        let zip = b"PK\x03\x04\x14\0\0\0\x08\0".to_vec();
        assert!(matches!(
            from_bytes("z".into(), zip),
            Err(Error::Unsupported { .. })
        ));
        let junk: Vec<u8> = (0u8..=255).cycle().take(2000).collect();
        assert!(matches!(
            from_bytes("j".into(), junk),
            Err(Error::Unsupported { .. })
        ));
    }

    #[test]
    fn a_files_bytes_are_identified_as_the_file_is() {
        let page = b"<!DOCTYPE html><html><body>Session expired</body></html>".to_vec();
        assert!(matches!(
            from_file_bytes("letter.PDF".into(), page.clone()),
            Err(Error::NotAPdf { .. })
        ));
        let html = from_file_bytes("letter.html".into(), page.clone()).unwrap();
        assert_eq!(html.media_type, MediaType::Html);
        // In-memory bytes without a file's name are read by their content alone.
        assert_eq!(
            from_bytes("letter.pdf".into(), page).unwrap().media_type,
            MediaType::Html
        );
        let pdf = from_file_bytes("scan.pdf".into(), b"%PDF-1.7\n...".to_vec()).unwrap();
        assert_eq!(pdf.media_type, MediaType::Pdf);
        let big = vec![b' '; MAX_INPUT_BYTES as usize + 1];
        assert!(matches!(
            from_file_bytes("big.txt".into(), big),
            Err(Error::TooLarge { .. })
        ));
    }

    #[test]
    fn sha256_is_hex_of_content() {
        let d = from_bytes("a".into(), b"abc".to_vec()).unwrap();
        assert_eq!(
            d.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}

#[cfg(test)]
mod sample_tests {
    use super::*;

    #[test]
    fn text_cut_mid_character_is_still_text() {
        let mut b = "Résumé of benefits ".repeat(10).into_bytes();
        b.push(0xC3); // first byte of a two-byte character, cut off
        assert_eq!(
            from_bytes("t".into(), b).unwrap().media_type,
            MediaType::PlainText
        );
    }
}
