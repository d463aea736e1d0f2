//! Argument parsing and output for the `overturn` binary. clap types stay here; the library
//! gets plain values.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use overturn::recommend::Context;
use overturn::rules::Rules;

/// Exit code: the input was read and reported.
const OK: u8 = 0;
/// Exit code: the input could not be read or parsed (missing, empty, damaged, encrypted,
/// unsupported, needs OCR, not a report).
const INPUT_ERROR: u8 = 1;
/// Exit code: usage or output error, or an internal error.
const USAGE_ERROR: u8 = 2;

/// Reads health-insurance denial letters and EOBs and prints what they say as JSON.
#[derive(Parser)]
#[command(name = "overturn", version, about, long_about = None)]
struct Args {
    #[command(subcommand)]
    command: Command,
    /// OCR languages for scans and photos, tesseract names joined by `+` (e.g. `eng+spa`).
    #[arg(long, global = true, default_value = "eng", value_name = "LANGS")]
    lang: String,
}

#[derive(Subcommand)]
enum Command {
    /// Parse one document (PDF or text; `-` for stdin) and print its report as JSON.
    Parse {
        /// The document; several files are read as its pages, in the order given (a letter
        /// photographed page by page: page1.jpg page2.jpg ...).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// One line of JSON instead of pretty-printed.
        #[arg(long)]
        compact: bool,
        /// Output: the report (`json`) or a FHIR R4 Bundle with an ExplanationOfBenefit per
        /// claim (`fhir`).
        #[arg(long, value_enum, default_value = "json")]
        format: ParseFormat,
        /// Replace names, member, group, claim and reference numbers, addresses, phone
        /// numbers, e-mail addresses and birth dates with placeholders (`[NAME_1]`), in
        /// every field and evidence line, so the result can be shared.
        #[arg(long)]
        redact: bool,
        /// Your state (two letters), for the state's consumer assistance contacts.
        #[arg(long, value_name = "XX", value_parser = parse_state)]
        state: Option<String>,
        /// Also write the deadlines as an iCalendar file (reminders 14, 7 and 1 day before).
        #[arg(long, value_name = "FILE")]
        ics: Option<PathBuf>,
    },
    /// Recompute the deadline and next steps of a report (as `parse` wrote it, possibly
    /// corrected by hand) and print the updated report.
    Next {
        /// The report JSON (`-` for stdin).
        #[arg(default_value = "-")]
        report: PathBuf,
        /// One line of JSON instead of pretty-printed.
        #[arg(long)]
        compact: bool,
        /// Your state (two letters), for the state's consumer assistance contacts.
        #[arg(long, value_name = "XX", value_parser = parse_state)]
        state: Option<String>,
    },
    /// Draft an appeal letter from a document or a report.
    Appeal {
        /// The document, or its report JSON (`-` for stdin); several files are read as the
        /// pages of one document, in the order given.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Write the letter here instead of stdout.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Markdown instead of plain text.
        #[arg(long)]
        markdown: bool,
    },
    /// Write the deadlines of documents or reports (JSON or batch JSON Lines) as an
    /// iCalendar (.ics) file with reminders 14, 7 and 1 day before.
    Calendar {
        /// Documents or report files.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Read the files as the pages of one document, in the order given.
        #[arg(long)]
        pages: bool,
        /// Write the calendar here instead of stdout.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Parse many documents (files, directories, or `-` for a list of paths on stdin) into
    /// JSON Lines or CSV, in parallel; failures become error records and the batch goes on.
    Batch(BatchArgs),
    /// Print the text overturn reads from a document, page by page (to check a result).
    Text {
        /// The document.
        file: PathBuf,
        /// Print the lines as they sit on the page, cells separated by ` | ` (what the
        /// layout stage reads).
        #[arg(long)]
        layout: bool,
        /// Replace personal values with placeholders, as `parse --redact` does.
        #[arg(long)]
        redact: bool,
    },
    /// Print the JSON Schema of the report.
    Schema,
}

#[derive(clap::Args)]
struct BatchArgs {
    /// Files and directories (searched recursively), or `-` to read paths from stdin.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Write records here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Record format.
    #[arg(long, value_enum, default_value = "jsonl")]
    format: BatchFormat,
    /// Each folder below a given one is one document, its files the pages in name order
    /// (page-2 before page-10): a letter photographed page by page, a folder per letter.
    #[arg(long)]
    group_by_folder: bool,
    /// Documents parsed at once (default: all cores).
    #[arg(short, long, value_name = "N")]
    jobs: Option<usize>,
    /// Write records as they finish instead of in input order.
    #[arg(long)]
    unordered: bool,
    /// Skip inputs already in the output file (same path and sha256) and append the rest.
    #[arg(long, requires = "output")]
    resume: bool,
    /// Longest a document may take, in seconds (0: no limit).
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    timeout: u64,
    /// No progress bar and no summary.
    #[arg(short, long)]
    quiet: bool,
    /// Replace personal values with placeholders in every record, as `parse --redact` does.
    #[arg(long)]
    redact: bool,
    /// Your state (two letters), for the state's consumer assistance contacts.
    #[arg(long, value_name = "XX", value_parser = parse_state)]
    state: Option<String>,
    /// Also write every deadline as an iCalendar file.
    #[arg(long, value_name = "FILE")]
    ics: Option<PathBuf>,
    /// The day the summary counts deadlines from (default: today).
    #[arg(long, value_name = "YYYY-MM-DD", hide = true)]
    today: Option<jiff::civil::Date>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum BatchFormat {
    Jsonl,
    Csv,
    /// One row per service line (document, claim, line).
    CsvLines,
    /// One FHIR R4 Bundle per line (an OperationOutcome for an input that failed).
    FhirNdjson,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ParseFormat {
    /// The report (schema_version 1).
    Json,
    /// A FHIR R4 Bundle: ExplanationOfBenefit per claim, Patient, Organization, Coverage.
    Fhir,
}

fn parse_state(s: &str) -> Result<String, String> {
    let up = s.to_uppercase();
    let rules = Rules::bundled().map_err(|e| e.to_string())?;
    if rules.states.contains_key(&up) {
        Ok(up)
    } else {
        Err(format!("`{s}` is not a US state or DC two-letter code"))
    }
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    // pdf-extract panics on some damaged files; the library catches those. Keep the default
    // hook from printing them (and any document text in their messages) to stderr.
    std::panic::set_hook(Box::new(|_| {}));
    limit_ocr_threads();
    let args = match Args::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { USAGE_ERROR } else { OK });
        }
    };
    match std::panic::catch_unwind(|| run(args)) {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(e)) => {
            if is_broken_pipe(&e) {
                return ExitCode::from(OK);
            }
            eprintln!("overturn: {e:#}");
            ExitCode::from(USAGE_ERROR)
        }
        Err(_) => {
            eprintln!(
                "overturn: internal error (this is a bug; please report it without the document)"
            );
            ExitCode::from(USAGE_ERROR)
        }
    }
}

/// libtesseract's OpenMP starts more threads than there are cores and runs several times
/// slower for it. On Linux the library turns that off itself (`ocr`); elsewhere only
/// `OMP_THREAD_LIMIT` set before the process starts helps, so the binary starts itself again
/// once with it set. Parallelism comes from `batch --jobs` instead.
fn limit_ocr_threads() {
    #[cfg(all(unix, not(target_os = "linux")))]
    if std::env::var_os("OMP_THREAD_LIMIT").is_none() {
        use std::os::unix::process::CommandExt;
        if let Ok(exe) = std::env::current_exe() {
            // `exec` returns only if it failed; then this process carries on as it is.
            let _ = std::process::Command::new(exe)
                .args(std::env::args_os().skip(1))
                .env("OMP_THREAD_LIMIT", "1")
                .exec();
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn input_of(file: &Path) -> overturn::Input {
    if file.as_os_str() == "-" {
        overturn::Input::Stdin
    } else {
        overturn::Input::Path(file.to_path_buf())
    }
}

fn to_json(report: &impl serde::Serialize, compact: bool) -> anyhow::Result<String> {
    if compact {
        serde_json::to_string(report)
    } else {
        serde_json::to_string_pretty(report)
    }
    .context("serialising the report")
}

/// Writes to a file (created or replaced) or to stdout.
fn emit(output: Option<&Path>, text: &str) -> anyhow::Result<()> {
    match output {
        Some(p) => std::fs::write(p, text).with_context(|| format!("writing {}", p.display())),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .context("writing to stdout")?;
            out.flush().context("writing to stdout")
        }
    }
}

fn now_stamp() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn run(args: Args) -> anyhow::Result<u8> {
    // Compiled when a command first needs them: `text` (without `--redact`) and `schema` never
    // do, and a scanned page's `text` is then the OCR alone, as the tesseract CLI's is.
    let rules = Rules::bundled;
    overturn::ocr::set_language(&args.lang);
    match args.command {
        Command::Parse {
            files,
            compact,
            format,
            redact,
            state,
            ics,
        } => {
            let inputs: Vec<overturn::Input> = files.iter().map(|f| input_of(f)).collect();
            let parsed = if redact {
                overturn::parse_pages_redacted(&inputs)
            } else {
                overturn::parse_pages(&inputs)
            };
            let mut report = match parsed {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("overturn: {e}");
                    return Ok(INPUT_ERROR);
                }
            };
            if state.is_some() {
                overturn::refresh(&mut report, rules()?, &Context { state });
            }
            if let Some(path) = ics {
                emit(
                    Some(&path),
                    &overturn::calendar::ics(std::slice::from_ref(&report), now_stamp()),
                )?;
            }
            let out = match format {
                ParseFormat::Json => to_json(&report, compact)?,
                ParseFormat::Fhir => to_json(&overturn::fhir::bundle(&report), compact)?,
            };
            emit(None, &(out + "\n"))?;
            Ok(OK)
        }
        Command::Next {
            report,
            compact,
            state,
        } => {
            let mut reports = match overturn::reports_from(&input_of(&report)) {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("overturn: {e}");
                    return Ok(INPUT_ERROR);
                }
            };
            let ctx = Context { state };
            let mut out = String::new();
            let many = reports.len() > 1;
            for r in &mut reports {
                overturn::refresh(r, rules()?, &ctx);
                // JSON Lines in, JSON Lines out.
                out.push_str(&to_json(r, compact || many)?);
                out.push('\n');
            }
            emit(None, &out)?;
            Ok(OK)
        }
        Command::Appeal {
            inputs,
            output,
            markdown,
        } => {
            let read = match inputs.as_slice() {
                [one] => overturn::reports_from(&input_of(one)),
                several => {
                    overturn::parse_pages(&several.iter().map(|f| input_of(f)).collect::<Vec<_>>())
                        .map(|r| vec![r])
                }
            };
            let input = inputs.first().cloned().unwrap_or_default();
            let reports = match read {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("overturn: {e}");
                    return Ok(INPUT_ERROR);
                }
            };
            let format = if markdown {
                overturn::appeal::Format::Markdown
            } else {
                overturn::appeal::Format::Text
            };
            let rules = rules()?;
            let letters: Vec<String> = reports
                .iter()
                .map(|r| overturn::appeal::draft(r, rules, format))
                .collect();
            if reports.iter().all(|r| r.denial.is_none()) {
                eprintln!(
                    "overturn: {}: the document denies nothing; the letter is a generic draft",
                    input.display()
                );
            }
            emit(output.as_deref(), &letters.join("\n\u{c}\n"))?;
            Ok(OK)
        }
        Command::Calendar {
            inputs,
            pages,
            output,
        } => {
            let mut all = Vec::new();
            let mut failed = false;
            if pages {
                match overturn::parse_pages(&inputs.iter().map(|f| input_of(f)).collect::<Vec<_>>())
                {
                    Ok(r) => all.push(r),
                    Err(e) => {
                        eprintln!("overturn: {e}");
                        failed = true;
                    }
                }
            }
            for i in inputs.iter().filter(|_| !pages) {
                match overturn::reports_from(&input_of(i)) {
                    Ok(r) => all.extend(r),
                    Err(e) => {
                        eprintln!("overturn: {e}");
                        failed = true;
                    }
                }
            }
            emit(
                output.as_deref(),
                &overturn::calendar::ics(&all, now_stamp()),
            )?;
            Ok(if failed { INPUT_ERROR } else { OK })
        }
        Command::Batch(b) => batch(b, rules()?),
        Command::Text {
            file,
            layout,
            redact,
        } => {
            let (source, doc) = match overturn::ingest::load(&input_of(&file)).and_then(|d| {
                let text = overturn::text::extract(&d)?;
                Ok((d, text))
            }) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("overturn: {e}");
                    return Ok(INPUT_ERROR);
                }
            };
            let mut lines = Vec::new();
            for page in &doc.pages {
                lines.push(format!("--- page {} ---", page.number));
                if layout {
                    for line in &page.layout {
                        let cells: Vec<&str> = line.cells.iter().map(|c| c.text.as_str()).collect();
                        lines.push(cells.join(" | "));
                    }
                    continue;
                }
                lines.extend(page.lines.iter().cloned());
            }
            if redact {
                // The values to hide are those the report reads from this text; without a
                // report nothing is printed (never the text unredacted).
                let mut report = match overturn::report_of_text(&source, &doc, rules()?) {
                    Ok(r) => r,
                    Err(e) => {
                        eprintln!("overturn: {e}");
                        return Ok(INPUT_ERROR);
                    }
                };
                overturn::redact::redact(&mut report, &mut lines);
            }
            let mut out = String::new();
            for l in &lines {
                out.push_str(l);
                out.push('\n');
            }
            for w in &doc.warnings {
                eprintln!("overturn: {}: {w}", file.display());
            }
            emit(None, &out)?;
            Ok(OK)
        }
        Command::Schema => {
            emit(
                None,
                &(serde_json::to_string_pretty(&overturn::report::json_schema())? + "\n"),
            )?;
            Ok(OK)
        }
    }
}

/// Where batch records go: a file (flushed per record) or stdout.
enum Sink {
    File(std::fs::File),
    Stdout(std::io::Stdout),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::File(f) => f.write(buf),
            Sink::Stdout(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::File(f) => f.flush(),
            Sink::Stdout(s) => s.flush(),
        }
    }
}

fn batch(b: BatchArgs, rules: &'static Rules) -> anyhow::Result<u8> {
    use overturn::batch::{self, Format, Record};
    use std::io::IsTerminal;

    let paths: Vec<PathBuf> = if b.paths.len() == 1 && b.paths[0].as_os_str() == "-" {
        let mut list = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut list)
            .context("reading the list of paths from stdin")?;
        list.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(PathBuf::from)
            .collect()
    } else {
        b.paths.clone()
    };
    let inputs = batch::collect(&paths);
    let docs: Vec<batch::Pages> = if b.group_by_folder {
        batch::group_by_folder(&paths, inputs.files)
    } else {
        inputs.files.into_iter().map(|f| vec![f]).collect()
    };
    let format = match b.format {
        BatchFormat::Jsonl => Format::Jsonl,
        BatchFormat::Csv => Format::Csv,
        BatchFormat::CsvLines => Format::CsvLines,
        BatchFormat::FhirNdjson => Format::FhirNdjson,
    };
    if b.resume && format == Format::FhirNdjson {
        anyhow::bail!(
            "--resume works with --format jsonl, csv and csv-lines (FHIR Bundles do not record the input's path)"
        );
    }

    // Output: a resumed file keeps its complete records; a line cut off by a kill is dropped.
    let mut done = std::collections::HashSet::new();
    let mut need_header = matches!(format, Format::Csv | Format::CsvLines);
    let sink = match &b.output {
        Some(path) => {
            let mut file = if b.resume && path.exists() {
                let bytes =
                    std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
                let (seen, complete) = batch::already_done(&bytes, format);
                done = seen;
                need_header = need_header && complete == 0;
                let f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .with_context(|| format!("opening {}", path.display()))?;
                f.set_len(complete as u64)
                    .with_context(|| format!("truncating {}", path.display()))?;
                f
            } else {
                std::fs::File::create(path)
                    .with_context(|| format!("creating {}", path.display()))?
            };
            std::io::Seek::seek(&mut file, std::io::SeekFrom::End(0))?;
            Sink::File(file)
        }
        None => Sink::Stdout(std::io::stdout()),
    };
    let mut sink = sink;
    if need_header {
        let columns = match format {
            Format::CsvLines => batch::CSV_LINE_COLUMNS,
            _ => batch::CSV_COLUMNS,
        };
        sink.write_all(&csv_line(columns.iter().map(|c| c.to_string()).collect())?)?;
        sink.flush()?;
    }

    let jobs = b
        .jobs
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
        .max(1);
    let opts = batch::Options {
        jobs,
        ordered: !b.unordered,
        timeout: (b.timeout > 0).then(|| std::time::Duration::from_secs(b.timeout)),
        done,
        context: Context {
            state: b.state.clone(),
        },
        redact: b.redact,
        lang: None, // the process's: `run` sets `--lang` for every thread
    };
    let bar = (!b.quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(docs.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} documents, {per_sec}, ETA {eta} {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let mut tally = batch::Tally::default();
    let mut ics_reports = Vec::new();
    let mut write = |_: usize, r: &Record| -> std::io::Result<()> {
        tally.add(r);
        if b.ics.is_some()
            && let Record::Report(rep) = r
            && rep.next_steps.iter().any(|s| s.due.is_some())
        {
            ics_reports.push((**rep).clone());
        }
        let line = match format {
            Format::Csv => csv_line(batch::csv_row(r))?,
            Format::CsvLines => {
                let mut all = Vec::new();
                for row in batch::csv_line_rows(r) {
                    all.extend(csv_line(row)?);
                }
                all
            }
            Format::Jsonl => {
                let mut l = serde_json::to_vec(r).map_err(std::io::Error::other)?;
                l.push(b'\n');
                l
            }
            Format::FhirNdjson => {
                let mut l =
                    serde_json::to_vec(&batch::fhir_record(r)).map_err(std::io::Error::other)?;
                l.push(b'\n');
                l
            }
        };
        // One complete line per write, flushed, so a killed run leaves whole records.
        sink.write_all(&line)?;
        sink.flush()
    };
    let mut on_progress = |p: batch::Progress| {
        if let Some(bar) = &bar {
            bar.set_position(p.done as u64);
            if p.failed > 0 {
                bar.set_message(format!("({} failed)", p.failed));
            }
        }
    };
    let result = batch::run_documents(&docs, rules, &opts, &mut write, &mut on_progress);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let progress = match result {
        Ok(p) => p,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(OK),
        Err(e) => return Err(anyhow::Error::new(e).context("writing records")),
    };
    if let Some(path) = &b.ics {
        emit(
            Some(path),
            &overturn::calendar::ics(&ics_reports, now_stamp()),
        )?;
    }
    if !b.quiet {
        let today = b.today.unwrap_or_else(|| jiff::Zoned::now().date());
        eprint!(
            "{}",
            summary(&tally, &inputs.skipped, progress, today, opts.done.len())
        );
    }
    Ok(if progress.failed > 0 { INPUT_ERROR } else { OK })
}

fn summary(
    t: &overturn::batch::Tally,
    skipped: &[(PathBuf, String)],
    p: overturn::batch::Progress,
    today: jiff::civil::Date,
    resumed: usize,
) -> String {
    let mut s = String::new();
    let parsed: usize = t.by_type.values().sum();
    s.push_str(&format!(
        "overturn: {} inputs, {parsed} parsed, {} failed",
        p.total, p.failed
    ));
    if resumed > 0 {
        s.push_str(&format!(
            ", {} already in the output",
            p.done - parsed - p.failed
        ));
    }
    s.push('\n');
    let list = |m: &std::collections::BTreeMap<String, usize>| {
        m.iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !t.by_type.is_empty() {
        s.push_str(&format!("  documents: {}\n", list(&t.by_type)));
    }
    if !t.by_category.is_empty() {
        s.push_str(&format!("  denials: {}\n", list(&t.by_category)));
    }
    if !t.failures.is_empty() {
        s.push_str(&format!("  failures: {}\n", list(&t.failures)));
    }
    if !skipped.is_empty() {
        s.push_str(&format!(
            "  skipped {} file(s) that are not documents, e.g. {}\n",
            skipped.len(),
            skipped[0].0.display()
        ));
    }
    let overdue = t.overdue(today);
    if overdue > 0 {
        s.push_str(&format!(
            "  {overdue} deadline(s) already passed: check them first\n"
        ));
    }
    for (days, label) in [(14, "14"), (30, "30")] {
        let due = t.due_within(today, days);
        s.push_str(&format!(
            "  deadlines in the next {label} days: {}\n",
            due.len()
        ));
        if days == 14 {
            for (d, path, action) in due {
                s.push_str(&format!("    {d}  {action}  {path}\n"));
            }
        }
    }
    s
}

/// One CSV record, quoted as needed, with its line end.
fn csv_line(fields: Vec<String>) -> std::io::Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.write_record(&fields)?;
    w.into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))
}
