//! Regressions for the patched pdf-extract (vendor/pdf-extract/PATCHES.md), proven on PDFs from
//! the producers that showed the bugs.

use crate::util::root;

fn text_of(fixture: &str) -> String {
    let doc = overturn::ingest::load(&overturn::Input::Path(
        root().join("fixtures").join(fixture).join("input.pdf"),
    ))
    .unwrap();
    let t = overturn::text::extract(&doc).unwrap();
    t.flat().to_string()
}

#[test]
fn chromium_width_ranges_keep_digits_together() {
    // Patch 1: Skia writes CID widths as ranges; misread, digits came out as "$2 ,8 4 0 .0 0".
    let t = text_of("mn-ppo-letter");
    assert!(t.contains("$2,840.00"), "{t}");
    assert!(t.contains("CMW884120573"), "{t}");
    assert!(t.contains("03/02/2025"), "{t}");
}

#[test]
fn ghostscript_quote_operator_lines_are_kept() {
    // Patch 2: ghostscript shows most lines with the `'` operator, which upstream dropped.
    let t = text_of("timely-letter");
    for line in [
        "Member ID: ANX-220-904-117",
        "Group Number: 771204",
        "Amount Billed: $1,340.00",
    ] {
        assert!(t.contains(line), "missing {line:?} in:\n{t}");
    }
    let pdf = std::fs::read(root().join("fixtures/timely-letter/input.pdf")).unwrap();
    assert!(
        String::from_utf8_lossy(&pdf).contains("Ghostscript"),
        "fixture made by ghostscript"
    );
}

#[test]
fn pdf_writer_quote_mode_paragraphs_are_kept() {
    // The fixture maker's quote mode draws paragraphs with `'` too.
    let t = text_of("pa-hmo-letter");
    assert!(t.contains("Prior authorization was not obtained"), "{t}");
}
