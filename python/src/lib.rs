//! The Python package `overturn` (PyO3): `parse` reads one document (a path or bytes) into
//! its report as a `dict`; `parse_many` reads many files in parallel in Rust (the batch
//! module's workers, rayon) and yields one `dict` per input, in input order, an error record
//! for a file that fails. The GIL is released while documents are read. The library's errors
//! become exceptions: `OverturnError` with `.kind` and `.path`, one subclass per kind.
//!
//! Reports and error records cross over as JSON, the CLI's own bytes, read by Python's
//! `json.loads`: a `dict` is exactly what `overturn parse` and `overturn batch` print.

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use overturn::batch::{self, Record};
use overturn::rules::Rules;
use overturn::{Error, Input};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString, PyType};

create_exception!(
    overturn,
    OverturnError,
    PyException,
    "A document could not be read. `kind` names why (the kind of batch's error records: \
     `not_found`, `damaged_pdf`, ...), `path` the input (the path, or the name given for \
     bytes; None for a rule error); str(error) is one line naming the input and the reason, \
     never document content."
);

/// Declares one exception class per error kind, and the table that maps kinds to them.
macro_rules! kinds {
    ($($kind:literal => $name:ident: $doc:literal,)*) => {
        $(create_exception!(overturn, $name, OverturnError, $doc);)*

        /// (kind, exception class) of every kind.
        fn kinds(py: Python<'_>) -> Vec<(&'static str, Bound<'_, PyType>)> {
            vec![$(($kind, py.get_type::<$name>()),)*]
        }
    };
}

kinds! {
    "not_found" => NotFoundError: "The input path does not exist.",
    "io" => IoError: "The input could not be read (permissions, a directory, a disk error).",
    "empty" => EmptyError: "The input holds no bytes (or only whitespace).",
    "too_large" => TooLargeError: "The input is larger than overturn reads.",
    "unsupported" => UnsupportedError: "The bytes are not a kind of document overturn reads.",
    "no_text" => NoTextError: "No text could be read, not even by OCR.",
    "bad_image" => BadImageError: "The image cannot be decoded or is beyond the limits.",
    "damaged_pdf" => DamagedPdfError: "The PDF is truncated or malformed.",
    "not_a_pdf" => NotAPdfError: "A file named .pdf holds something else (a web page, text).",
    "encrypted_pdf" => EncryptedPdfError: "The PDF needs a password to open.",
    "invalid_report" => InvalidReportError: "A JSON input is not an overturn report.",
    "internal" => InternalError: "A bug in overturn met this document.",
    "panic" => PanicError: "A bug in overturn met this document (a panic, caught).",
    "timeout" => ParseTimeoutError: "The document took longer than parse_many's time limit.",
    "rules" => RulesError: "A bundled rule file is invalid (a broken build).",
}

/// The exception for an error of `kind` about `path`, saying `message`.
fn exception(py: Python<'_>, kind: &str, path: Option<String>, message: String) -> PyErr {
    let class = kinds(py)
        .into_iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, class)| class)
        .unwrap_or_else(|| py.get_type::<OverturnError>());
    let err = PyErr::from_type(class, message);
    let value = err.value(py);
    // Plain attributes of a fresh exception object: setting them does not fail.
    let _ = value.setattr("kind", kind);
    let _ = value.setattr("path", path);
    err
}

fn library_error(py: Python<'_>, e: &Error) -> PyErr {
    let path = e.path().map(|p| p.display().to_string());
    exception(py, e.kind(), path, e.to_string())
}

/// `json.loads(text)`.
fn loads<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.call_method1("loads", (text,))
}

/// What `parse` reads: a file, the bytes of a file named so, or bytes without a name.
enum Source {
    Path(PathBuf),
    FileBytes(PathBuf, Vec<u8>),
    Bytes(PathBuf, Vec<u8>),
}

impl Source {
    fn of(source: &Bound<'_, PyAny>, name: Option<PathBuf>) -> PyResult<Source> {
        let bytes = if let Ok(b) = source.cast::<PyBytes>() {
            Some(b.as_bytes().to_vec())
        } else if let Ok(b) = source.cast::<PyByteArray>() {
            Some(b.to_vec())
        } else {
            None
        };
        match (bytes, name) {
            (Some(b), Some(name)) => Ok(Source::FileBytes(name, b)),
            (Some(b), None) => Ok(Source::Bytes(PathBuf::from("<bytes>"), b)),
            (None, Some(_)) => Err(PyTypeError::new_err(
                "name= is for bytes; a path names itself",
            )),
            (None, None) => source
                .extract::<PathBuf>()
                .map(Source::Path)
                .map_err(|_| PyTypeError::new_err("expected a path (str or os.PathLike) or bytes")),
        }
    }

    fn path(&self) -> &PathBuf {
        match self {
            Source::Path(p) | Source::FileBytes(p, _) | Source::Bytes(p, _) => p,
        }
    }
}

/// Reads one document and returns its report as a dict (the JSON `overturn parse` prints).
///
/// `source` is a path (str or os.PathLike) or the document's bytes (bytes or bytearray),
/// which are read by their content. `name` is then the file name they came from: the
/// report's `source.path` and the name in error messages (`<bytes>` without one); as for a
/// file, a name ending `.pdf` must hold a PDF (`NotAPdfError`: a failed download saved under
/// the letter's name). `lang` is the OCR languages for scans and photos,
/// tesseract names joined by `+` (`eng+spa`). Raises an `OverturnError` subclass when the
/// document cannot be read. The GIL is released while the document is read.
#[pyfunction]
#[pyo3(signature = (source, lang = "eng", *, name = None))]
fn parse<'py>(
    py: Python<'py>,
    source: &Bound<'py, PyAny>,
    lang: &str,
    name: Option<PathBuf>,
) -> PyResult<Bound<'py, PyAny>> {
    let source = Source::of(source, name)?;
    let path = source.path().display().to_string();
    let lang = lang.to_string();
    let read = py.detach(move || {
        std::panic::catch_unwind(AssertUnwindSafe(|| {
            overturn::ocr::with_language(&lang, || {
                let report = match source {
                    Source::Path(p) => overturn::parse(&Input::Path(p)),
                    Source::FileBytes(name, bytes) => overturn::parse_file_bytes(name, bytes),
                    Source::Bytes(name, bytes) => overturn::parse_bytes(name, bytes),
                }?;
                // A report always serialises; were it not to, that is a bug.
                serde_json::to_string(&report).map_err(|_| Error::Internal {
                    path: PathBuf::from(&report.source.path),
                })
            })
        }))
    });
    match read {
        Ok(Ok(json)) => loads(py, &json),
        Ok(Err(e)) => Err(library_error(py, &e)),
        Err(_) => Err(exception(
            py,
            "panic",
            Some(path.clone()),
            format!("{path}: internal error while reading the document"),
        )),
    }
}

/// What a `parse_many` iterator reads from: the batch's records, as JSON, in input order.
struct Feed {
    records: mpsc::Receiver<String>,
    batch: Option<JoinHandle<std::io::Result<batch::Progress>>>,
}

/// The records of `parse_many`, one dict per input, in input order.
#[pyclass(module = "overturn")]
struct Records {
    feed: Arc<Mutex<Feed>>,
    total: usize,
}

#[pymethods]
impl Records {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        loop {
            // Waits without the GIL, a tenth of a second at a time, so Ctrl-C is heard.
            let feed = Arc::clone(&self.feed);
            let next = py.detach(move || {
                let feed = feed.lock().unwrap_or_else(|p| p.into_inner());
                feed.records.recv_timeout(Duration::from_millis(100))
            });
            match next {
                Ok(json) => return loads(py, &json).map(Some),
                Err(RecvTimeoutError::Timeout) => py.check_signals()?,
                Err(RecvTimeoutError::Disconnected) => {
                    let batch = self
                        .feed
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .batch
                        .take();
                    let finished = match batch {
                        Some(b) => py.detach(move || b.join()),
                        None => return Ok(None),
                    };
                    return match finished {
                        Ok(Ok(_)) => Ok(None),
                        Ok(Err(e)) => Err(exception(py, "io", None, format!("batch: {e}"))),
                        Err(_) => Err(exception(py, "panic", None, "batch: internal error".into())),
                    };
                }
            }
        }
    }

    /// How many inputs (records) the batch has in all.
    #[getter]
    fn total(&self) -> usize {
        self.total
    }
}

/// Reads many files in parallel and yields one dict per input, in input order: the report
/// (as `parse` returns it), or for a file that fails an error record like `overturn batch`
/// writes, `{"source": {"path": ..., "sha256": ...}, "error": {"kind": ..., "message": ...}}`
/// (`sha256` when the bytes could be read). A failure never stops the iteration.
///
/// `jobs` is the number of worker threads (0: one per core). `timeout` is the most seconds
/// one document may take (None: no limit); past it the document gets a `timeout` record.
/// The files are read in Rust without the GIL; at most 4 x jobs finished records wait for
/// the consumer. Dropping the iterator stops the batch after the documents in progress.
#[pyfunction]
#[pyo3(signature = (paths, jobs = 0, lang = "eng", timeout = Some(120.0)))]
fn parse_many(
    py: Python<'_>,
    paths: &Bound<'_, PyAny>,
    jobs: usize,
    lang: &str,
    timeout: Option<f64>,
) -> PyResult<Records> {
    if paths.is_instance_of::<PyString>() || paths.is_instance_of::<PyBytes>() {
        return Err(PyTypeError::new_err(
            "paths is an iterable of paths; for one document use parse()",
        ));
    }
    let files = paths
        .try_iter()?
        .map(|p| p?.extract::<PathBuf>())
        .collect::<PyResult<Vec<PathBuf>>>()
        .map_err(|_| PyTypeError::new_err("paths must be str or os.PathLike"))?;
    let timeout = match timeout {
        None => None,
        Some(t) if t.is_finite() && t > 0.0 => Some(Duration::from_secs_f64(t)),
        Some(_) => {
            return Err(PyValueError::new_err(
                "timeout must be positive seconds or None",
            ));
        }
    };
    let jobs = match jobs {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let rules = py
        .detach(Rules::bundled)
        .map_err(|e| library_error(py, &e))?;
    let opts = batch::Options {
        jobs,
        timeout,
        lang: Some(lang.to_string()),
        ..batch::Options::default()
    };
    let total = files.len();
    let (send, records) = mpsc::sync_channel::<String>(jobs * 4);
    let run = move || {
        let mut write = |_: usize, r: &Record| {
            let json = serde_json::to_string(r).map_err(std::io::Error::other)?;
            // The iterator is gone: stop the batch.
            send.send(json)
                .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))
        };
        match batch::run(&files, rules, &opts, &mut write, &mut |_| {}) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(batch::Progress::default()),
            other => other,
        }
    };
    let handle = std::thread::Builder::new()
        .name("overturn-parse-many".into())
        .spawn(run)
        .map_err(|e| exception(py, "io", None, format!("batch: cannot start a thread: {e}")))?;
    Ok(Records {
        feed: Arc::new(Mutex::new(Feed {
            records,
            batch: Some(handle),
        })),
        total,
    })
}

/// overturn reads US health-insurance denial letters and EOBs (PDF, scans, photos, text)
/// and turns each into a structured report: `parse` for one document, `parse_many` for many
/// in parallel. Reports are dicts with the JSON contract of the `overturn` CLI.
#[pymodule(name = "overturn")]
fn overturn_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // The PDF parser panics on some damaged files; the library catches those. Keep the
    // default hook from printing them (and any document text in their messages) to stderr,
    // as the CLI does.
    std::panic::set_hook(Box::new(|_| {}));
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(parse, m)?)?;
    m.add_function(wrap_pyfunction!(parse_many, m)?)?;
    m.add_class::<Records>()?;
    let base = py.get_type::<OverturnError>();
    base.setattr("kind", py.None())?;
    base.setattr("path", py.None())?;
    m.add("OverturnError", &base)?;
    let errors = pyo3::types::PyDict::new(py);
    for (kind, class) in kinds(py) {
        class.setattr("kind", kind)?;
        m.add(class.name()?, &class)?;
        errors.set_item(kind, &class)?;
    }
    m.add("ERRORS", errors)?;
    Ok(())
}
