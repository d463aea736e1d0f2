//! Fuzz target: report JSON (or JSON Lines) -> `overturn next`: the reports read back, their
//! deadline and next steps recomputed, then what the other report commands make of them (an
//! appeal letter, a calendar, a FHIR Bundle, redaction).
#![no_main]

use libfuzzer_sys::fuzz_target;
use overturn::recommend::Context;

fuzz_target!(|data: &[u8]| {
    // Keep to JSON: any other input is parsed as a document (the text_report target's job).
    if data.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return;
    }
    let Ok(doc) = overturn::ingest::from_bytes("fuzz.json".into(), data.to_vec()) else {
        return;
    };
    let Ok(mut reports) = overturn::reports_from_document(&doc) else {
        return;
    };
    let rules = overturn::rules::Rules::bundled().expect("bundled rules");
    for (i, r) in reports.iter_mut().enumerate() {
        let state = ["CA", "NY", "TX"].get(i % 4).map(|s| s.to_string());
        overturn::refresh(r, rules, &Context { state });
        let _ = overturn::appeal::draft(r, rules, overturn::appeal::Format::Markdown);
        let _ = overturn::fhir::bundle(r);
        let mut lines = Vec::new();
        overturn::redact::redact(r, &mut lines);
        serde_json::to_string(r).expect("a report serialises");
    }
    let _ = overturn::calendar::ics(&reports, 0);
});
