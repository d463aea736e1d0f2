//! Errors: the one public error type of the library. Every variant names the input it
//! concerns and the reason, and never quotes document content (it is health information).

use std::path::PathBuf;

/// Everything that can go wrong while reading one document or loading rules.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input path does not exist.
    #[error("{path}: no such file")]
    NotFound {
        /// The input as given.
        path: PathBuf,
    },
    /// The input could not be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The input as given.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The input holds no bytes (or only whitespace).
    #[error("{path}: file is empty")]
    Empty {
        /// The input as given.
        path: PathBuf,
    },
    /// The input is larger than overturn reads.
    #[error("{path}: file is too large ({size} bytes; the limit is {limit})")]
    TooLarge {
        /// The input as given.
        path: PathBuf,
        /// Its size in bytes (or decompressed size for PDF streams).
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// The bytes are not a kind of document overturn reads.
    #[error("{path}: not a document overturn can read (detected {media_type})")]
    Unsupported {
        /// The input as given.
        path: PathBuf,
        /// What the content looked like.
        media_type: String,
    },
    /// No text could be read: no usable text layer, and OCR found nothing (or failed).
    #[error("{path}: no text could be read ({reason})")]
    NoText {
        /// The input as given.
        path: PathBuf,
        /// Why the text could not be read directly.
        reason: String,
    },
    /// The image cannot be decoded or is beyond the limits.
    #[error("{path}: unreadable image: {reason}")]
    BadImage {
        /// The input as given.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The PDF is truncated or malformed.
    #[error("{path}: damaged PDF: {reason}")]
    DamagedPdf {
        /// The input as given.
        path: PathBuf,
        /// What the parser reported.
        reason: String,
    },
    /// A file named `.pdf` holds something else (typically a portal's HTML error page saved
    /// by a failed download): reading it as a letter would hide that the letter is missing.
    #[error("{path}: not a PDF: the file holds {holds}")]
    NotAPdf {
        /// The input as given.
        path: PathBuf,
        /// What the file really holds ("an HTML page", "plain text").
        holds: String,
    },
    /// The PDF is encrypted with a password.
    #[error("{path}: encrypted PDF: it needs a password to open")]
    EncryptedPdf {
        /// The input as given.
        path: PathBuf,
    },
    /// A JSON input is not an overturn report.
    #[error("{path}: not an overturn report: {reason}")]
    InvalidReport {
        /// The input as given.
        path: PathBuf,
        /// What is wrong (a JSON error position, never content).
        reason: String,
    },
    /// A bug in overturn met this document (caught, so a batch can go on).
    #[error(
        "{path}: internal error while reading the document (a bug; please report it without the document)"
    )]
    Internal {
        /// The input as given.
        path: PathBuf,
    },
    /// A bundled or user-supplied rule file is invalid.
    #[error("rules {file}: {id}: {reason}")]
    Rules {
        /// The rule file.
        file: String,
        /// The rule (or entry) that is wrong.
        id: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl Error {
    /// A stable, machine-readable name for the kind of error (used in batch error records).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::NotFound { .. } => "not_found",
            Error::Io { .. } => "io",
            Error::Empty { .. } => "empty",
            Error::TooLarge { .. } => "too_large",
            Error::Unsupported { .. } => "unsupported",
            Error::NoText { .. } => "no_text",
            Error::DamagedPdf { .. } => "damaged_pdf",
            Error::NotAPdf { .. } => "not_a_pdf",
            Error::BadImage { .. } => "bad_image",
            Error::EncryptedPdf { .. } => "encrypted_pdf",
            Error::Internal { .. } => "internal",
            Error::InvalidReport { .. } => "invalid_report",
            Error::Rules { .. } => "rules",
        }
    }

    /// The input the error concerns, as given (`None` for a rule file's error).
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            Error::NotFound { path }
            | Error::Io { path, .. }
            | Error::Empty { path }
            | Error::TooLarge { path, .. }
            | Error::Unsupported { path, .. }
            | Error::NoText { path, .. }
            | Error::BadImage { path, .. }
            | Error::DamagedPdf { path, .. }
            | Error::NotAPdf { path, .. }
            | Error::EncryptedPdf { path }
            | Error::InvalidReport { path, .. }
            | Error::Internal { path } => Some(path),
            Error::Rules { .. } => None,
        }
    }
}

/// The library's result type.
pub type Result<T> = std::result::Result<T, Error>;

/// Names serde_json error kinds without quoting the input.
pub(crate) trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "read error",
            serde_json::error::Category::Syntax => "invalid JSON",
            serde_json::error::Category::Data => "JSON does not match the report contract",
            serde_json::error::Category::Eof => "JSON ends early",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_names_its_input() {
        let e = crate::parse_bytes("scan.pdf", Vec::new()).unwrap_err();
        assert_eq!(e.kind(), "empty");
        assert_eq!(e.path(), Some(std::path::Path::new("scan.pdf")));
        let rules = Error::Rules {
            file: "carc.toml".into(),
            id: "27".into(),
            reason: "bad".into(),
        };
        assert_eq!(rules.path(), None);
    }
}
