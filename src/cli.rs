//! Argument parsing and output for the `overturn` binary. clap types stay here; the library
//! gets plain values.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

/// Exit code: the input was read and reported.
const OK: u8 = 0;
/// Exit code: the input could not be read or parsed (missing, empty, damaged, encrypted,
/// unsupported, needs OCR).
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
    },
    /// Print the text overturn reads from a document, page by page (to check a result).
    Text {
        /// The document.
        file: PathBuf,
    },
    /// Print the JSON Schema of the report.
    Schema,
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

fn input_of(file: &std::path::Path) -> overturn::Input {
    if file.as_os_str() == "-" {
        overturn::Input::Stdin
    } else {
        overturn::Input::Path(file.to_path_buf())
    }
}

fn run(args: Args) -> anyhow::Result<u8> {
    let mut out = std::io::stdout().lock();
    match args.command {
        Command::Parse { file, compact } => match overturn::parse(&input_of(&file)) {
            Ok(report) => {
                let json = if compact {
                    serde_json::to_string(&report)
                } else {
                    serde_json::to_string_pretty(&report)
                }
                .context("serialising the report")?;
                writeln!(out, "{json}").context("writing to stdout")?;
                Ok(OK)
            }
            Err(e) => {
                eprintln!("overturn: {e}");
                Ok(INPUT_ERROR)
            }
        },
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
            for page in &doc.pages {
                writeln!(out, "--- page {} ---", page.number)?;
                for line in &page.lines {
                    writeln!(out, "{line}")?;
                }
            }
            for w in &doc.warnings {
                eprintln!("overturn: {}: {w}", file.display());
            }
            Ok(OK)
        }
        Command::Schema => {
            let schema = serde_json::to_string_pretty(&overturn::report::json_schema())?;
            writeln!(out, "{schema}")?;
            Ok(OK)
        }
    }
}
