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
}

#[derive(Subcommand)]
enum Command {
    /// Parse one document (PDF or text; `-` for stdin) and print its report as JSON.
    Parse {
        /// The document.
        file: PathBuf,
        /// One line of JSON instead of pretty-printed.
        #[arg(long)]
        compact: bool,
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
        /// The document, or its report JSON (`-` for stdin).
        input: PathBuf,
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
        /// Write the calendar here instead of stdout.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Print the text overturn reads from a document, page by page (to check a result).
    Text {
        /// The document.
        file: PathBuf,
    },
    /// Print the JSON Schema of the report.
    Schema,
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

fn to_json(report: &overturn::Report, compact: bool) -> anyhow::Result<String> {
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
    let rules = Rules::bundled()?;
    match args.command {
        Command::Parse {
            file,
            compact,
            state,
            ics,
        } => {
            let mut report = match overturn::parse(&input_of(&file)) {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("overturn: {e}");
                    return Ok(INPUT_ERROR);
                }
            };
            if state.is_some() {
                overturn::refresh(&mut report, rules, &Context { state });
            }
            if let Some(path) = ics {
                emit(
                    Some(&path),
                    &overturn::calendar::ics(std::slice::from_ref(&report), now_stamp()),
                )?;
            }
            emit(None, &(to_json(&report, compact)? + "\n"))?;
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
                overturn::refresh(r, rules, &ctx);
                // JSON Lines in, JSON Lines out.
                out.push_str(&to_json(r, compact || many)?);
                out.push('\n');
            }
            emit(None, &out)?;
            Ok(OK)
        }
        Command::Appeal {
            input,
            output,
            markdown,
        } => {
            let reports = match overturn::reports_from(&input_of(&input)) {
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
        Command::Calendar { inputs, output } => {
            let mut all = Vec::new();
            let mut failed = false;
            for i in &inputs {
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
        Command::Text { file } => {
            let doc = match overturn::ingest::load(&input_of(&file))
                .and_then(|d| overturn::text::extract(&d))
            {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("overturn: {e}");
                    return Ok(INPUT_ERROR);
                }
            };
            let mut out = String::new();
            for page in &doc.pages {
                out.push_str(&format!("--- page {} ---\n", page.number));
                for line in &page.lines {
                    out.push_str(line);
                    out.push('\n');
                }
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
