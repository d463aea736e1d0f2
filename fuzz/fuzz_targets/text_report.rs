//! Fuzz target: text -> report. Any bytes, read as plain text is read (lossy UTF-8, form
//! feeds between pages), through the whole analysis unguarded, then redaction; the report must
//! hold the invariants of `overturn_fuzz::check_report`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use overturn::text::{Method, Text};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let pages: Vec<Vec<String>> = s
        .split('\u{c}')
        .map(|p| p.lines().map(str::to_string).collect())
        .collect();
    let text = Text::new(Method::PlainText, pages, Vec::new());
    let rules = overturn::rules::Rules::bundled().expect("bundled rules");
    let source = overturn::report::Source {
        path: "fuzz.txt".into(),
        sha256: String::new(),
        media_type: "text/plain".into(),
        pages: text.pages.len() as u32,
    };
    let mut report = overturn::analyze(&text, source, rules);
    overturn_fuzz::check_report(&report, &text);
    let mut lines: Vec<String> = text.lines().map(|(_, l)| l.to_string()).collect();
    overturn::redact::redact(&mut report, &mut lines);
});
