//! The `overturn` command line: parses arguments, calls the library, maps the result to an
//! exit code. Nothing else lives here.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
