//! Batch: many inputs in, one record per input out, streamed as each finishes. Documents are
//! parsed in parallel (rayon, `jobs` workers); in input order by default through a bounded
//! reorder window, or as they finish. Every input is accounted for: a document that fails,
//! panics or runs past its time limit becomes an error record and the batch goes on.
//!
//! The caller writes records (JSON Lines, CSV) and shows progress; this module does neither,
//! so it never prints health information.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::time::Duration;

use serde::Serialize;

use crate::error::Error;
use crate::ingest::{self, Input};
use crate::recommend::Context;
use crate::report::Report;
use crate::rules::Rules;

/// How to run a batch.
#[derive(Debug, Clone)]
pub struct Options {
    /// Worker threads (at least 1).
    pub jobs: usize,
    /// Write records in input order (bounded reorder buffer) rather than as they finish.
    pub ordered: bool,
    /// Longest a document may take; past it the document gets a `timeout` error record.
    pub timeout: Option<Duration>,
    /// Inputs already done, by (path, sha256): skipped (for `--resume`).
    pub done: HashSet<(String, String)>,
    /// Next-step context (state).
    pub context: Context,
    /// Replace personal values with placeholders ([`crate::redact::redact`]).
    pub redact: bool,
    /// OCR languages for this batch's documents ([`crate::ocr::with_language`]); `None`:
    /// the process's ([`crate::ocr::set_language`]).
    pub lang: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            jobs: 1,
            ordered: true,
            timeout: Some(Duration::from_secs(120)),
            done: HashSet::new(),
            context: Context::default(),
            redact: false,
            lang: None,
        }
    }
}

/// The record of one input.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Record {
    /// The report (the same contract as `parse`).
    Report(Box<Report>),
    /// The input could not be read.
    Error(ErrorRecord),
}

/// An input that failed: where, and why (never document content).
#[derive(Debug, Clone, Serialize)]
pub struct ErrorRecord {
    /// The input.
    pub source: ErrorSource,
    /// What went wrong.
    pub error: ErrorInfo,
}

/// The input of an error record.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorSource {
    /// The path as given.
    pub path: String,
    /// sha256 of the bytes, when they could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// The error of an error record.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorInfo {
    /// A stable name: `not_found`, `damaged_pdf`, `encrypted_pdf`, `timeout`, `panic`, ...
    pub kind: String,
    /// One line naming the file and the reason.
    pub message: String,
}

impl Record {
    fn error(path: &Path, sha256: Option<String>, kind: &str, message: String) -> Record {
        Record::Error(ErrorRecord {
            source: ErrorSource {
                path: path.display().to_string(),
                sha256,
            },
            error: ErrorInfo {
                kind: kind.to_string(),
                message,
            },
        })
    }

    fn from_error(e: &Error, path: &Path, sha256: Option<String>) -> Record {
        Record::error(path, sha256, e.kind(), e.to_string())
    }

    /// Whether this is an error record.
    pub fn is_error(&self) -> bool {
        matches!(self, Record::Error(_))
    }
}

/// What happened to one input.
#[derive(Debug)]
pub enum Outcome {
    /// A record to write.
    Record(Record),
    /// Already in the output (resume): nothing to write.
    AlreadyDone,
}

/// Inputs found under the given paths, and what was skipped.
#[derive(Debug, Default)]
pub struct Inputs {
    /// Files to process, in order.
    pub files: Vec<PathBuf>,
    /// Files passed over, with why (not a kind of document overturn reads).
    pub skipped: Vec<(PathBuf, String)>,
}

/// Expands files and directories (recursively, sorted by name, hidden entries left out) into
/// inputs. Files named directly are always inputs (a bad one gets an error record); files
/// found in directories are inputs only when their content looks like a PDF, an image or text.
pub fn collect(paths: &[PathBuf]) -> Inputs {
    let mut out = Inputs::default();
    for p in paths {
        if !p.is_dir() {
            out.files.push(p.clone());
            continue;
        }
        let walk = walkdir::WalkDir::new(p)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
        for entry in walk {
            match entry {
                Ok(e) if e.file_type().is_file() => match sniff(e.path()) {
                    Ok(()) => out.files.push(e.path().to_path_buf()),
                    Err(why) => out.skipped.push((e.path().to_path_buf(), why)),
                },
                // A link is read as what it points to (links are not followed into
                // directories); one that leads nowhere or in a loop is skipped, and counted.
                Ok(e) if e.file_type().is_symlink() => match std::fs::metadata(e.path()) {
                    Ok(m) if m.is_file() => match sniff(e.path()) {
                        Ok(()) => out.files.push(e.path().to_path_buf()),
                        Err(why) => out.skipped.push((e.path().to_path_buf(), why)),
                    },
                    Ok(_) => {}
                    Err(_) => out.skipped.push((
                        e.path().to_path_buf(),
                        "a symbolic link that leads nowhere (or in a loop)".into(),
                    )),
                },
                Ok(_) => {}
                Err(e) => {
                    let path = e.path().map(Path::to_path_buf).unwrap_or_else(|| p.clone());
                    out.skipped.push((path, "cannot be read".into()));
                }
            }
        }
    }
    out
}

/// One document of a batch: a file, or several files read as its pages, in order.
pub type Pages = Vec<PathBuf>;

/// `--group-by-folder`: every folder below one of `roots` is one document, the files directly
/// in it its pages in natural name order (`page-2` before `page-10`): a letter photographed or
/// scanned page by page, a folder per letter. Files directly in a root, and files named
/// directly, stay one document each. Documents keep the order their first file has in `files`.
pub fn group_by_folder(roots: &[PathBuf], files: Vec<PathBuf>) -> Vec<Pages> {
    let mut out: Vec<Pages> = Vec::new();
    // Where each folder's document is in `out`.
    let mut folders: std::collections::HashMap<PathBuf, usize> = std::collections::HashMap::new();
    // Asked of the file system once, not once per file.
    let roots: Vec<&PathBuf> = roots.iter().filter(|r| r.is_dir()).collect();
    for f in files {
        let folder = f.parent().map(Path::to_path_buf).unwrap_or_default();
        let below_a_root = roots.iter().any(|r| folder != **r && folder.starts_with(r));
        if !below_a_root {
            out.push(vec![f]);
            continue;
        }
        match folders.get(&folder) {
            Some(&i) => out[i].push(f),
            None => {
                folders.insert(folder, out.len());
                out.push(vec![f]);
            }
        }
    }
    for pages in &mut out {
        pages.sort_by(|a, b| natural_order(&name_of(a), &name_of(b)));
    }
    out
}

fn name_of(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Names compared with their runs of digits as numbers: "page-2" before "page-10".
fn natural_order(a: &str, b: &str) -> std::cmp::Ordering {
    fn runs(s: &str) -> Vec<(bool, &str)> {
        let mut out = Vec::new();
        let mut start = 0;
        for (i, c) in s.char_indices().skip(1) {
            let prev = s[..i]
                .chars()
                .next_back()
                .is_some_and(|p| p.is_ascii_digit());
            if c.is_ascii_digit() != prev {
                out.push((prev, &s[start..i]));
                start = i;
            }
        }
        if !s.is_empty() {
            out.push((
                s[start..].starts_with(|c: char| c.is_ascii_digit()),
                &s[start..],
            ));
        }
        out
    }
    let (ra, rb) = (runs(a), runs(b));
    for (x, y) in ra.iter().zip(&rb) {
        let o = match (x, y) {
            ((true, x), (true, y)) => {
                let (x, y) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
                x.len().cmp(&y.len()).then_with(|| x.cmp(y))
            }
            ((_, x), (_, y)) => x.cmp(y),
        };
        if o != std::cmp::Ordering::Equal {
            return o;
        }
    }
    ra.len().cmp(&rb.len()).then_with(|| a.cmp(b))
}

/// The name of a document in records and messages: its file, or its pages' joined by " + "
/// (as the report's `source.path` names them).
fn name_of_pages(pages: &[PathBuf]) -> PathBuf {
    match pages {
        [one] => one.clone(),
        several => PathBuf::from(crate::pages_path(several.iter().map(PathBuf::as_path))),
    }
}

/// Whether a file's first bytes look like something overturn reads.
fn sniff(path: &Path) -> Result<(), String> {
    use std::io::Read;
    let mut head = Vec::with_capacity(4096);
    std::fs::File::open(path)
        .and_then(|f| f.take(4096).read_to_end(&mut head))
        .map_err(|_| "cannot be read".to_string())?;
    if head.is_empty() {
        // Named in the batch so the user hears of it: an empty file is an error record.
        return Ok(());
    }
    // Only the kind matters here; the bytes are read and hashed when the file is processed.
    ingest::detect(&head)
        .map(|_| ())
        .map_err(|kind| format!("not a document ({kind})"))
}

/// Progress, reported after each input.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    /// Inputs finished (including skipped as already done).
    pub done: usize,
    /// Inputs in all.
    pub total: usize,
    /// Error records so far.
    pub failed: usize,
}

/// Parses one input into a record (or notes it is already done), in the batch's OCR
/// languages when it names some. Panics become records.
fn process_one(pages: &[PathBuf], rules: &Rules, opts: &Options) -> Outcome {
    match &opts.lang {
        Some(lang) => crate::ocr::with_language(lang, || process_in(pages, rules, opts)),
        None => process_in(pages, rules, opts),
    }
}

fn process_in(pages: &[PathBuf], rules: &Rules, opts: &Options) -> Outcome {
    let name = name_of_pages(pages);
    let mut docs = Vec::with_capacity(pages.len());
    for path in pages {
        match ingest::load(&Input::Path(path.clone())) {
            Ok(d) => docs.push(d),
            // A page that cannot be read fails the document, naming that file.
            Err(e) => return Outcome::Record(Record::from_error(&e, &name, None)),
        }
    }
    // The key a record of this document has (its `source`), as `--resume` read them.
    let sha = match docs.as_slice() {
        [one] => one.sha256.clone(),
        several => crate::pages_sha256(several),
    };
    if opts
        .done
        .contains(&(name.display().to_string(), sha.clone()))
    {
        return Outcome::AlreadyDone;
    }
    Outcome::Record(guarded(&name, &sha, || {
        test_delay();
        let parsed = match (docs.as_slice(), opts.redact) {
            ([one], false) => crate::parse_document(one, rules),
            ([one], true) => crate::parse_document_redacted(one, rules),
            (several, false) => crate::parse_documents(several, rules),
            (several, true) => crate::parse_documents_redacted(several, rules),
        };
        match parsed {
            Ok(mut r) => {
                if opts.context.state.is_some() {
                    crate::refresh(&mut r, rules, &opts.context);
                }
                Record::Report(Box::new(r))
            }
            Err(e) => Record::from_error(&e, &name, Some(sha.clone())),
        }
    }))
}

/// A worker's helper thread, so a document can be given up on after its time limit: the
/// worker waits for the helper's answer, and abandons a helper that does not answer in time
/// (a thread cannot be stopped from outside) for a fresh one. Threads start only then.
struct Helper {
    jobs: mpsc::Sender<Pages>,
    results: mpsc::Receiver<Outcome>,
}

impl Helper {
    fn start(rules: &'static Rules, opts: Arc<Options>) -> std::io::Result<Helper> {
        let (jobs, job_rx) = mpsc::channel::<Pages>();
        let (res_tx, results) = mpsc::channel();
        std::thread::Builder::new()
            .name("overturn-doc".into())
            .spawn(move || {
                for pages in job_rx {
                    if res_tx.send(process_one(&pages, rules, &opts)).is_err() {
                        break;
                    }
                }
            })?;
        Ok(Helper { jobs, results })
    }
}

/// One document under a time limit, on the worker's helper thread.
fn process_with_limit(
    pages: &[PathBuf],
    rules: &'static Rules,
    opts: &Arc<Options>,
    limit: Duration,
    helper: &mut Option<Helper>,
) -> Outcome {
    let name = name_of_pages(pages);
    let path = name.as_path();
    if helper.is_none() {
        match Helper::start(rules, Arc::clone(opts)) {
            Ok(h) => *helper = Some(h),
            Err(_) => {
                return Outcome::Record(Record::error(
                    path,
                    None,
                    "internal",
                    format!("{}: could not start a worker thread", path.display()),
                ));
            }
        }
    }
    let answer = helper.as_ref().and_then(|h| {
        h.jobs
            .send(pages.to_vec())
            .ok()
            .and_then(|_| h.results.recv_timeout(limit).ok())
    });
    match answer {
        Some(o) => o,
        None => {
            *helper = None; // stuck (or gone): the next document gets a fresh helper
            Outcome::Record(Record::error(
                path,
                None,
                "timeout",
                format!(
                    "{}: took longer than the {} s limit; skipped",
                    path.display(),
                    limit.as_secs()
                ),
            ))
        }
    }
}

/// Runs `f`, turning a panic into an error record.
fn guarded(path: &Path, sha: &str, f: impl FnOnce() -> Record) -> Record {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Record::error(
            path,
            Some(sha.to_string()),
            "panic",
            format!(
                "{}: internal error while reading the document",
                path.display()
            ),
        )
    })
}

/// Test hook: `OVERTURN_TEST_DELAY_MS` slows every document down, so tests can interrupt a
/// batch in the middle or exceed the time limit. Not for normal use.
fn test_delay() {
    if let Some(ms) = std::env::var("OVERTURN_TEST_DELAY_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        std::thread::sleep(Duration::from_millis(ms));
    }
}

/// Runs the batch. `write` gets each record as it is ready (in input order when
/// `opts.ordered`); an error it returns (a full disk, a closed pipe) stops the batch.
/// `progress` is called after each input.
pub fn run(
    files: &[PathBuf],
    rules: &'static Rules,
    opts: &Options,
    write: &mut dyn FnMut(usize, &Record) -> std::io::Result<()>,
    progress: &mut dyn FnMut(Progress),
) -> std::io::Result<Progress> {
    let docs: Vec<Pages> = files.iter().map(|f| vec![f.clone()]).collect();
    run_documents(&docs, rules, opts, write, progress)
}

/// [`run`] over documents of one or more files each ([`group_by_folder`]): one record per
/// document.
pub fn run_documents(
    docs: &[Pages],
    rules: &'static Rules,
    opts: &Options,
    write: &mut dyn FnMut(usize, &Record) -> std::io::Result<()>,
    progress: &mut dyn FnMut(Progress),
) -> std::io::Result<Progress> {
    let jobs = opts.jobs.max(1);
    let total = docs.len();
    let window = jobs * 4;
    let next_job = AtomicUsize::new(0);
    // Index of the next record to write, so workers wait instead of filling memory.
    let written = (Mutex::new(0usize), Condvar::new());
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<(usize, Outcome)>();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .thread_name(|i| format!("overturn-batch-{i}"))
        .build()
        .map_err(std::io::Error::other)?;
    let mut state = Progress {
        done: 0,
        total,
        failed: 0,
    };
    let mut result = Ok(());
    let shared = Arc::new(opts.clone());
    pool.in_place_scope(|s| {
        for _ in 0..jobs {
            let tx = tx.clone();
            let (next_job, written, stop) = (&next_job, &written, &stop);
            let shared = Arc::clone(&shared);
            s.spawn(move |_| {
                let mut helper: Option<Helper> = None;
                loop {
                    let i = next_job.fetch_add(1, Ordering::SeqCst);
                    if i >= total || stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if opts.ordered {
                        let (lock, cv) = written;
                        let mut w = lock.lock().unwrap_or_else(|p| p.into_inner());
                        while i >= *w + window && !stop.load(Ordering::SeqCst) {
                            w = cv.wait(w).unwrap_or_else(|p| p.into_inner());
                        }
                    }
                    let outcome = match opts.timeout {
                        Some(limit) => {
                            process_with_limit(&docs[i], rules, &shared, limit, &mut helper)
                        }
                        None => process_one(&docs[i], rules, opts),
                    };
                    if tx.send((i, outcome)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        // The writer: this thread, while the workers run in the pool.
        let mut pending: BTreeMap<usize, Outcome> = BTreeMap::new();
        let mut next = 0usize;
        let mut emit = |i: usize, o: Outcome, state: &mut Progress| -> std::io::Result<()> {
            state.done += 1;
            if let Outcome::Record(r) = &o {
                if r.is_error() {
                    state.failed += 1;
                }
                write(i, r)?;
            }
            Ok(())
        };
        for (i, outcome) in rx.iter() {
            if result.is_err() {
                continue; // drain so workers finish
            }
            if opts.ordered {
                pending.insert(i, outcome);
                while let Some(o) = pending.remove(&next) {
                    if let Err(e) = emit(next, o, &mut state) {
                        result = Err(e);
                        stop.store(true, Ordering::SeqCst);
                        break;
                    }
                    next += 1;
                }
                let (lock, cv) = &written;
                *lock.lock().unwrap_or_else(|p| p.into_inner()) = next;
                cv.notify_all();
            } else if let Err(e) = emit(i, outcome, &mut state) {
                result = Err(e);
                stop.store(true, Ordering::SeqCst);
            }
            progress(state);
            if result.is_err() {
                let (_, cv) = &written;
                cv.notify_all();
            }
        }
    });
    result.map(|_| state)
}

/// The columns of `--format csv`, one row per input (documented in docs/batch.md).
pub const CSV_COLUMNS: &[&str] = &[
    "path",
    "sha256",
    "error_kind",
    "error_message",
    "document_type",
    "payer_name",
    "plan_type",
    "payer_phone",
    "member_name",
    "member_id",
    "group_number",
    "state",
    "claim_number",
    "service_date",
    "provider",
    "billed_amount",
    "patient_responsibility",
    "procedure_codes",
    "diagnosis_codes",
    "denial_category",
    "denial_confidence",
    "denial_codes",
    "reason_text",
    "letter_date",
    "appeal_deadline",
    "appeal_deadline_basis",
    "appeal_window",
    "next_action",
    "next_due",
    "warnings",
    "reference_number",
    "claims",
];

/// The columns of `--format csv-lines`, one row per service line (a claim without lines is
/// one row, a document without claims or an error one row too).
pub const CSV_LINE_COLUMNS: &[&str] = &[
    "path",
    "sha256",
    "error_kind",
    "error_message",
    "document_type",
    "payer_name",
    "member_name",
    "member_id",
    "letter_date",
    "appeal_deadline",
    "claim",
    "claim_number",
    "claim_status",
    "line",
    "service_date",
    "procedure_code",
    "description",
    "billed_amount",
    "allowed_amount",
    "paid_amount",
    "patient_responsibility",
    "denied",
    "codes",
];

/// A CSV row for an error record: where it came from and why, the other columns empty.
fn error_row(e: &ErrorRecord, width: usize) -> Vec<String> {
    let mut row = vec![
        e.source.path.clone(),
        e.source.sha256.clone().unwrap_or_default(),
        e.error.kind.clone(),
        e.error.message.clone(),
    ];
    row.resize(width, String::new());
    row
}

/// The `--format csv-lines` rows of a record, in [`CSV_LINE_COLUMNS`] order.
pub fn csv_line_rows(record: &Record) -> Vec<Vec<String>> {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let n = |v: Option<f64>| v.map(|x| format!("{x:.2}")).unwrap_or_default();
    let codes = |c: &[crate::report::Code]| {
        c.iter()
            .map(crate::report::Code::label)
            .collect::<Vec<_>>()
            .join("; ")
    };
    let r = match record {
        Record::Error(e) => return vec![error_row(e, CSV_LINE_COLUMNS.len())],
        Record::Report(r) => r,
    };
    use erased::Name;
    let head = vec![
        r.source.path.clone(),
        r.source.sha256.clone(),
        String::new(),
        String::new(),
        r.document_type.name(),
        o(&r.payer.name),
        o(&r.member.name),
        o(&r.member.member_id),
        o(&r.dates.letter_date),
        o(&r.dates.appeal_deadline),
    ];
    let mut rows = Vec::new();
    for (ci, c) in r.claims.iter().enumerate() {
        let claim = [(ci + 1).to_string(), o(&c.claim_number), c.status.name()];
        if c.lines.is_empty() {
            let mut row = head.clone();
            row.extend(claim.iter().cloned());
            row.extend([
                String::new(),
                o(&c.service_date),
                String::new(),
                String::new(),
                n(c.billed_amount),
                n(c.allowed_amount),
                n(c.paid_amount),
                n(c.patient_responsibility),
                String::new(),
                codes(&c.codes),
            ]);
            rows.push(row);
        }
        for (li, l) in c.lines.iter().enumerate() {
            let mut row = head.clone();
            row.extend(claim.iter().cloned());
            row.extend([
                (li + 1).to_string(),
                o(&l.service_date),
                o(&l.procedure_code),
                o(&l.description),
                n(l.billed_amount),
                n(l.allowed_amount),
                n(l.paid_amount),
                n(l.patient_responsibility),
                l.denied.to_string(),
                codes(&l.codes),
            ]);
            rows.push(row);
        }
    }
    if rows.is_empty() {
        let mut row = head;
        row.resize(CSV_LINE_COLUMNS.len(), String::new());
        rows.push(row);
    }
    rows
}

/// One CSV row for a record, in [`CSV_COLUMNS`] order. Lists are joined with `; `.
pub fn csv_row(record: &Record) -> Vec<String> {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let n = |v: Option<f64>| v.map(|x| format!("{x:.2}")).unwrap_or_default();
    match record {
        Record::Error(e) => error_row(e, CSV_COLUMNS.len()),
        Record::Report(r) => {
            let name = |v: &dyn erased::Name| v.name();
            let d = r.denial.as_ref();
            let first = r.next_steps.first();
            vec![
                r.source.path.clone(),
                r.source.sha256.clone(),
                String::new(),
                String::new(),
                name(&r.document_type),
                o(&r.payer.name),
                name(&r.payer.plan_type),
                o(&r.payer.phone),
                o(&r.member.name),
                o(&r.member.member_id),
                o(&r.member.group_number),
                o(&r.member.state),
                o(&r.claim.claim_number),
                o(&r.claim.service_date),
                o(&r.claim.provider),
                n(r.claim.billed_amount),
                n(r.claim.patient_responsibility),
                r.claim.procedure_codes.join("; "),
                r.claim.diagnosis_codes.join("; "),
                d.map(|d| name(&d.category)).unwrap_or_default(),
                d.map(|d| format!("{:.2}", d.confidence))
                    .unwrap_or_default(),
                d.map(|d| {
                    d.codes
                        .iter()
                        .map(crate::report::Code::label)
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .unwrap_or_default(),
                d.and_then(|d| d.reason_text.clone()).unwrap_or_default(),
                o(&r.dates.letter_date),
                o(&r.dates.appeal_deadline),
                r.dates
                    .appeal_deadline_basis
                    .map(|b| name(&b))
                    .unwrap_or_default(),
                o(&r.dates.appeal_window),
                first.map(|s| name(&s.action)).unwrap_or_default(),
                first.and_then(|s| s.due.clone()).unwrap_or_default(),
                r.warnings.join("; "),
                o(&r.claim.reference_number),
                r.claims.len().to_string(),
            ]
        }
    }
}

mod erased {
    /// The snake_case JSON name of a unit enum value.
    pub trait Name {
        fn name(&self) -> String;
    }
    impl<T: serde::Serialize> Name for T {
        fn name(&self) -> String {
            serde_json::to_value(self)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        }
    }
}

/// The FHIR form of a record: the report's Bundle, or an OperationOutcome for an error.
pub fn fhir_record(record: &Record) -> serde_json::Value {
    match record {
        Record::Report(r) => crate::fhir::bundle(r),
        Record::Error(e) => crate::fhir::error_outcome(&e.error.kind, &e.error.message),
    }
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON Lines: one record per line.
    Jsonl,
    /// CSV with [`CSV_COLUMNS`].
    Csv,
    /// CSV with [`CSV_LINE_COLUMNS`]: one row per service line.
    CsvLines,
    /// FHIR NDJSON: one FHIR R4 Bundle per document ([`crate::fhir::bundle`]), an
    /// OperationOutcome per error.
    FhirNdjson,
}

/// What an earlier, possibly killed, run left in an output file: the (path, sha256) pairs of
/// its records, and the length of its complete lines (a line cut off by a kill is dropped).
pub fn already_done(bytes: &[u8], format: Format) -> (HashSet<(String, String)>, usize) {
    let complete = bytes
        .iter()
        .rposition(|b| *b == b'\n')
        .map(|i| i + 1)
        .unwrap_or(0);
    let text = String::from_utf8_lossy(&bytes[..complete]);
    let mut done = HashSet::new();
    match format {
        Format::Jsonl => {
            for line in text.lines() {
                let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
                    continue;
                };
                let (Some(p), Some(s)) =
                    (v["source"]["path"].as_str(), v["source"]["sha256"].as_str())
                else {
                    continue;
                };
                done.insert((p.to_string(), s.to_string()));
            }
        }
        // Bundles do not carry the input's path; `--resume` is refused for this format.
        Format::FhirNdjson => {}
        Format::Csv | Format::CsvLines => {
            let mut rd = csv::ReaderBuilder::new()
                .has_headers(true)
                .flexible(true)
                .from_reader(text.as_bytes());
            for row in rd.records().flatten() {
                if let (Some(p), Some(s)) = (row.get(0), row.get(1))
                    && !s.is_empty()
                {
                    done.insert((p.to_string(), s.to_string()));
                }
            }
        }
    }
    (done, complete)
}

/// Counts for the end-of-batch summary, gathered as records stream by (a few bytes per
/// document, so memory stays flat).
#[derive(Debug, Default)]
pub struct Tally {
    /// Documents by type.
    pub by_type: BTreeMap<String, usize>,
    /// Denials by category.
    pub by_category: BTreeMap<String, usize>,
    /// Error records by kind.
    pub failures: BTreeMap<String, usize>,
    /// (deadline, path, action) of every dated first step.
    pub deadlines: Vec<(String, String, String)>,
}

impl Tally {
    /// Counts one record.
    pub fn add(&mut self, record: &Record) {
        use erased::Name;
        match record {
            Record::Error(e) => *self.failures.entry(e.error.kind.clone()).or_default() += 1,
            Record::Report(r) => {
                *self.by_type.entry(r.document_type.name()).or_default() += 1;
                if let Some(d) = &r.denial {
                    *self.by_category.entry(d.category.name()).or_default() += 1;
                }
                if let Some(s) = r.next_steps.iter().find(|s| s.due.is_some()) {
                    self.deadlines.push((
                        s.due.clone().unwrap_or_default(),
                        r.source.path.clone(),
                        s.action.name(),
                    ));
                }
            }
        }
    }

    /// The deadlines from `today` through `today + days`, earliest first.
    pub fn due_within(
        &self,
        today: jiff::civil::Date,
        days: i64,
    ) -> Vec<&(String, String, String)> {
        let end = today.checked_add(jiff::ToSpan::days(days)).unwrap_or(today);
        let mut v: Vec<_> = self
            .deadlines
            .iter()
            .filter(|(d, _, _)| {
                d.parse::<jiff::civil::Date>()
                    .is_ok_and(|d| d >= today && d <= end)
            })
            .collect();
        v.sort();
        v
    }

    /// Deadlines already past on `today`.
    pub fn overdue(&self, today: jiff::civil::Date) -> usize {
        self.deadlines
            .iter()
            .filter(|(d, _, _)| d.parse::<jiff::civil::Date>().is_ok_and(|d| d < today))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_ordered_with_their_numbers_as_numbers() {
        let mut names = vec![
            "page-10.jpg",
            "page-2.jpg",
            "page-1.jpg",
            "page-02b.jpg",
            "cover.jpg",
            "page-9.jpg",
            "page.jpg",
        ];
        names.sort_by(|a, b| natural_order(a, b));
        assert_eq!(
            names,
            [
                "cover.jpg",
                "page-1.jpg",
                "page-2.jpg",
                "page-02b.jpg",
                "page-9.jpg",
                "page-10.jpg",
                "page.jpg"
            ]
        );
    }

    #[test]
    fn each_folder_below_a_root_is_one_document() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        for sub in ["a", "b", "b/inner"] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        let p = |s: &str| root.join(s);
        let files = vec![
            p("a/page-10.jpg"),
            p("a/page-2.jpg"),
            p("b/inner/x.pdf"),
            p("b/one.png"),
            p("loose.pdf"),
        ];
        let named = PathBuf::from("elsewhere/named.pdf");
        let mut all = files.clone();
        all.push(named.clone());
        let docs = group_by_folder(std::slice::from_ref(&root), all);
        assert_eq!(
            docs,
            vec![
                vec![p("a/page-2.jpg"), p("a/page-10.jpg")],
                vec![p("b/inner/x.pdf")],
                vec![p("b/one.png")],
                vec![p("loose.pdf")],
                vec![named],
            ]
        );
        // A folder named itself is the pile, not a letter: its files stay apart.
        let a = vec![p("a/page-10.jpg"), p("a/page-2.jpg")];
        let docs = group_by_folder(&[p("a")], a);
        assert_eq!(docs.len(), 2);
    }

    /// The batch's OCR languages reach the threads that read its documents: the pool's
    /// workers without a time limit, their helper threads with one.
    #[test]
    fn a_batch_reads_in_its_own_ocr_languages() {
        let scan =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/fax-coding-remit/input.tif");
        for timeout in [None, Some(Duration::from_secs(60))] {
            let opts = Options {
                lang: Some("zzz".into()), // no such language data: OCR cannot start
                timeout,
                ..Options::default()
            };
            let mut records = Vec::new();
            let rules = Rules::bundled().unwrap();
            let mut write = |_: usize, r: &Record| {
                records.push(r.clone());
                Ok(())
            };
            run(
                std::slice::from_ref(&scan),
                rules,
                &opts,
                &mut write,
                &mut |_| {},
            )
            .unwrap();
            match &records[..] {
                [Record::Error(e)] => {
                    assert_eq!(e.error.kind, "no_text");
                    assert!(e.error.message.contains("(zzz)"), "{}", e.error.message);
                }
                other => panic!("timeout {timeout:?}: {other:?}"),
            }
        }
    }
}
