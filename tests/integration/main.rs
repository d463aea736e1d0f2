//! The one integration-test binary: fixtures (every document beside its expected JSON),
//! the command line (exit codes, bad input), and the JSON contract and schema.

mod batch;
mod cli;
mod contract;
mod fhir;
mod fixtures;
mod hostile;
mod next;
mod notice;
mod pdf;
mod props;
mod redact;
mod util;
