//! Helpers shared by the fuzz targets: the panic policy and the invariants every report must
//! hold, checked the same way as the property tests (tests/integration/props.rs).

use overturn::report::{DeadlineBasis, Report};
use overturn::text::Text;

/// Panics that overturn catches by design (pdf-extract and the image decoders panic on some
/// damaged files; `text::extract` turns those into errors) are not findings: they are
/// silenced. A panic anywhere else escapes the target and libFuzzer records the input.
pub fn silence_caught_dependency_panics() {
    std::panic::set_hook(Box::new(|info| {
        let file = info.location().map(|l| l.file()).unwrap_or("");
        let dependency = file.contains("vendor/pdf-extract")
            || file.contains(".cargo/registry")
            || file.contains("/rustc/");
        if !dependency {
            eprintln!("panic in overturn: {info}");
        }
    }));
}

/// Checks what every report must hold: evidence on a page of the text and on one of its lines,
/// valid dates, and an appeal deadline not before the letter date unless the document counts
/// it from the date of service.
pub fn check_report(report: &Report, text: &Text) {
    for (field, e) in &report.evidence {
        let page = text
            .pages
            .get((e.page as usize).wrapping_sub(1))
            .unwrap_or_else(|| {
                panic!(
                    "{field}: evidence on page {} of {}",
                    e.page,
                    text.pages.len()
                )
            });
        assert!(
            page.lines.iter().any(|l| *l == e.line) || page.layout.iter().any(|l| l.text == e.line),
            "{field}: evidence line is not a line of page {}",
            e.page
        );
    }
    let date = |s: &Option<String>| {
        s.as_deref().map(|d| {
            d.parse::<jiff::civil::Date>()
                .unwrap_or_else(|_| panic!("invalid date {d}"))
        })
    };
    let letter = date(&report.dates.letter_date);
    let deadline = date(&report.dates.appeal_deadline);
    let service = date(&report.claim.service_date);
    for c in &report.claims {
        let _ = date(&c.service_date);
    }
    if let (Some(l), Some(d)) = (letter, deadline) {
        // Only a window the document counts from the date of service ends before the letter.
        let from_service = report.dates.appeal_deadline_basis == Some(DeadlineBasis::Computed)
            && service.is_some_and(|s| d > s);
        assert!(d > l || from_service, "deadline {d} before letter {l}");
    }
    serde_json::to_string(report).expect("a report serialises");
}
