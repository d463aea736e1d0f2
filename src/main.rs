//! The `overturn` command line: parses arguments, calls the library, maps the result to an
//! exit code. Nothing else lives here.

mod cli;

use std::process::ExitCode;

// A batch allocates and frees many small strings per document on every core; glibc's malloc
// spent about 15 % of a text-PDF batch in its own bookkeeping.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    cli::main()
}
