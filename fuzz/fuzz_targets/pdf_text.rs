//! Fuzz target: PDF bytes -> text (the text layer, the glyph layout, and rendering of pages
//! without text; OCR itself is off in a fuzzing build), then the analysis of that text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use overturn::ingest::{self, MediaType};

fuzz_target!(
    init: overturn_fuzz::silence_caught_dependency_panics(),
    |data: &[u8]| {
        let Ok(doc) = ingest::from_bytes("fuzz.pdf".into(), data.to_vec()) else {
            return;
        };
        if doc.media_type != MediaType::Pdf {
            return;
        }
        let Ok(text) = overturn::text::extract(&doc) else {
            return;
        };
        // The analysis unguarded: a panic in it is a finding (parse_* would catch it).
        let rules = overturn::rules::Rules::bundled().expect("bundled rules");
        let source = overturn::report::Source {
            path: "fuzz.pdf".into(),
            sha256: doc.sha256.clone(),
            media_type: "application/pdf".into(),
            pages: text.pages.len() as u32,
        };
        let report = overturn::analyze(&text, source, rules);
        overturn_fuzz::check_report(&report, &text);
    }
);
