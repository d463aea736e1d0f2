//! Property tests (proptest) over every public function that takes text, and over the whole
//! analysis from text to report: arbitrary Unicode (combining marks, right-to-left and
//! zero-width characters, controls, NUL, emoji, characters that change length when
//! normalised or case-folded), pathological repetitions of labels, dates and amounts, very
//! long lines and very many lines. Invariants: no panic; every offset returned is inside its
//! string and on a character boundary; evidence names a page of the text and one of its
//! lines; every date is valid; no deadline falls before the letter date unless the document
//! counts it from the date of service. Case counts keep the suite to seconds; every failure
//! found is kept below as a plain test with its minimal input.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use overturn::report::{DeadlineBasis, Report};
use overturn::rules::Rules;
use overturn::text::{Method, OcrWord, Text};
use overturn::values::{self, Found};
use proptest::prelude::*;

fn rules() -> &'static Rules {
    Rules::bundled().expect("bundled rules")
}

/// Pieces of letters and of hostile text, to be strung together.
const PIECES: &[&str] = &[
    // Labels, values and sentences the stages look for.
    "Claim number:",
    "Claim #",
    "Member ID:",
    "Group Number:",
    "Reference:",
    "Patient:",
    "Provider:",
    "Date of service:",
    "Dates of Service",
    "Letter date:",
    "Appeal deadline:",
    "Appeal by:",
    "Amount Billed:",
    "You owe:",
    "Billed Allowed Paid",
    "Dear Jane Q. Doe,",
    "QUILLFEATHER, ROWAN T",
    "Blue Harbor Health Plan",
    "EXPLANATION OF BENEFITS",
    "THIS IS NOT A BILL",
    "Medicare Advantage",
    "Medicaid",
    "We denied your claim because",
    "the service was not medically necessary.",
    "Prior authorization was not obtained.",
    "If your claim is denied because",
    "You may appeal within 180 days of the date of this letter.",
    "within sixty (60) calendar days",
    "within one hundred hundred hundred hundred days",
    "within 4 months after you receive our final decision",
    "within 90 days of the date of service",
    "no later than",
    "must be received by",
    "fair hearing",
    "external review",
    "March 3, 2025",
    "03/04/2025",
    "3-4-25",
    "2025-02-30",
    "31 December 9999",
    "Sept 9, 2025",
    "Thu 02/19/2026",
    "$1,234.56",
    "($45.00)",
    "-$0.00",
    "1,020.50",
    "99213",
    "CO-50",
    "PR 204",
    "N130",
    "MA130",
    "D47: Not a covered benefit",
    "(800) 555-0199",
    "1-800-MEDICARE",
    "1-800-\u{17f}\u{17f}\u{17f}\u{17f}\u{17f}\u{17f}\u{17f}",
    "W123456789",
    "LPD 4471 0093 21",
    "PHW402281 196",
    "2O26-0I19",
    "Dr.",
    "e.g.",
    "U.S.",
    "Sincerely,",
    "CA 94110",
    "Los Angeles, CA",
    "|",
    ":",
    ".",
    "-",
    "(",
    ")",
    // Unicode that has broken text code elsewhere.
    "caf\u{e9}.",
    "Pe\u{f1}a",
    "x\u{301}\u{302}\u{303}",
    "\u{200b}",
    "\u{200d}",
    "\u{200e}",
    "\u{200f}",
    "\u{202e}",
    "\u{2066}",
    "\u{feff}",
    "\u{fffd}",
    "\u{0}",
    "\u{7}",
    "\u{1b}[31m",
    "\u{85}",
    "\u{2028}",
    "\u{2029}",
    "\u{a0}",
    "\u{3000}",
    "\t",
    "\r",
    "\u{c}",
    "\u{130}",
    "\u{1e9e}",
    "\u{fdfa}",
    "\u{fb01}",
    "\u{2163}",
    "\u{ff11}\u{ff12}/\u{ff13}\u{ff14}/\u{ff12}\u{ff10}\u{ff12}\u{ff15}",
    "\u{5e9}\u{5dc}\u{5d5}\u{5dd}",
    "\u{645}\u{631}\u{62d}\u{628}\u{627} \u{661}\u{662}\u{663}",
    "\u{65e5}\u{672c}\u{8a9e}",
    "\u{1f642}",
    "\u{1f469}\u{200d}\u{1f469}\u{200d}\u{1f467}",
    "\u{1f1fa}\u{1f1f8}",
    "\u{10ffff}",
];

/// A piece, or a short run of arbitrary characters.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(PIECES).prop_map(str::to_string),
        1 => proptest::collection::vec(any::<char>(), 0..6).prop_map(|c| c.into_iter().collect()),
    ]
}

/// A line: pieces joined by spaces, double spaces (cell gaps), or nothing.
fn line() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        (
            piece(),
            proptest::sample::select(&[" ", "  ", "", " ", "   "][..]),
        ),
        0..10,
    )
    .prop_map(|v| v.into_iter().map(|(p, sep)| p + sep).collect())
}

/// A document of one to three pages.
fn pages() -> impl Strategy<Value = Vec<Vec<String>>> {
    proptest::collection::vec(proptest::collection::vec(line(), 0..25), 1..4)
}

/// The same as raw bytes of a text file (lines, form feeds between pages).
fn document_text(pages: &[Vec<String>]) -> String {
    pages
        .iter()
        .map(|p| p.join("\n"))
        .collect::<Vec<_>>()
        .join("\u{c}")
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn source(pages: usize) -> overturn::report::Source {
    overturn::report::Source {
        path: "props.txt".into(),
        sha256: String::new(),
        media_type: "text/plain".into(),
        pages: pages as u32,
    }
}

/// The invariants every report holds.
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
            page.lines.contains(&e.line) || page.layout.iter().any(|l| l.text == e.line),
            "{field}: evidence {:?} is not a line of page {}",
            e.line,
            e.page
        );
        assert!((0.0..=1.0).contains(&e.confidence), "{field}: confidence");
    }
    let date = |s: &Option<String>| {
        s.as_deref().map(|d| {
            d.parse::<jiff::civil::Date>()
                .unwrap_or_else(|_| panic!("invalid date {d:?}"))
        })
    };
    let letter = date(&report.dates.letter_date);
    let deadline = date(&report.dates.appeal_deadline);
    let service = date(&report.claim.service_date);
    for c in &report.claims {
        date(&c.service_date);
        for l in &c.lines {
            date(&l.service_date);
        }
    }
    for s in &report.next_steps {
        date(&s.due);
    }
    if let (Some(l), Some(d)) = (letter, deadline) {
        // Only a window the document counts from the date of service ends before the letter.
        let from_service = report.dates.appeal_deadline_basis == Some(DeadlineBasis::Computed)
            && service.is_some_and(|s| d > s);
        assert!(d > l || from_service, "deadline {d} before letter {l}");
    }
    if let Some(d) = &report.denial {
        assert!((0.0..=1.0).contains(&d.confidence), "denial confidence");
    }
    serde_json::to_string(report).expect("a report serialises");
}

/// The whole analysis of pages of lines, unguarded (a panic fails the test), checked.
fn analyze_pages(pages: Vec<Vec<String>>) -> (Report, Text) {
    let text = Text::new(Method::PlainText, pages, Vec::new());
    let report = overturn::analyze(&text, source(text.pages.len()), rules());
    check_report(&report, &text);
    (report, text)
}

/// `f` is inside `s`, on character boundaries.
fn within<T>(s: &str, f: &Found<T>) {
    assert!(
        f.start <= f.end && f.end <= s.len(),
        "{}..{} of {}",
        f.start,
        f.end,
        s.len()
    );
    assert!(s.is_char_boundary(f.start) && s.is_char_boundary(f.end));
}

fn stop_words() -> &'static HashSet<String> {
    &rules().stop_words
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn normalising_is_idempotent_and_trimmed(s in line()) {
        let n = overturn::text::normalize_line(&s);
        prop_assert_eq!(overturn::text::normalize_line(&n), n.clone());
        prop_assert!(!n.starts_with(' ') && !n.ends_with(' ') && !n.contains("  "));
    }

    #[test]
    fn values_stay_inside_their_string(s in line()) {
        for f in values::find_dates(&s) {
            within(&s, &f);
            prop_assert!((1900..=2100).contains(&f.value.year()));
        }
        if let Some(f) = values::date_at_start(&s) { within(&s, &f); }
        if let Some(f) = values::amount_at_start(&s) {
            within(&s, &f);
            prop_assert!(f.value.is_finite());
        }
        for f in values::find_amounts(&s) {
            within(&s, &f);
            prop_assert!(f.value.is_finite());
        }
        for f in values::find_phones(&s) {
            within(&s, &f);
            prop_assert_eq!(f.value.len(), 12, "NNN-NNN-NNNN: {}", f.value);
        }
        if let Some(f) = values::id_at_start(&s) {
            within(&s, &f);
            prop_assert!(f.value.len() <= 30);
        }
        if let Some(f) = values::grouped_id(&s) { within(&s, &f); }
        if let Some(f) = values::name_at_start(&s, stop_words()) { within(&s, &f); }
        prop_assert_eq!(values::repair_ocr_digits(&s).chars().count() <= s.chars().count(), true);
    }

    #[test]
    fn sentences_stay_inside_the_text(pages in pages(), at in any::<proptest::sample::Index>()) {
        let text = Text::new(Method::PlainText, pages, Vec::new());
        let full = text.full();
        let at = at.index(full.len() + 1);
        let (s, e) = text.sentence_at(at);
        prop_assert!(s <= e && e <= full.len());
        prop_assert!(full.is_char_boundary(s) && full.is_char_boundary(e));
        let _ = text.sentence_text(at);
        let _ = text.is_conditional(at);
        let r = text.locate(at);
        prop_assert!(r.page >= 1);
        let _ = text.line(r);
        prop_assert!(text.offset_of(r) <= full.len());
        prop_assert_eq!(text.flat().len(), full.len());
        prop_assert_eq!(text.flat_lower().len(), full.len());
    }

    #[test]
    fn lines_know_their_place(pages in pages(), needle in piece()) {
        let text = Text::new(Method::PlainText, pages, Vec::new());
        let n_pages = text.pages.len() as u32;
        for (r, l) in text.lines() {
            prop_assert_eq!(text.line(r), l);
            prop_assert_eq!(&text.full()[text.offset_of(r)..][..l.len()], l);
            prop_assert_eq!(text.locate(text.offset_of(r)), r);
        }
        for page in 0..=n_pages + 1 {
            if let Some(i) = text.line_containing(page, &needle) {
                prop_assert!(text.pages[page as usize - 1].lines[i].contains(&needle));
            }
        }
        let joined = Text::concat(vec![text.clone(), text.clone()]);
        prop_assert_eq!(joined.pages.len(), 2 * text.pages.len());
        prop_assert_eq!(joined.chars(), 2 * text.chars());
    }

    #[test]
    fn positioned_words_make_lines(words in proptest::collection::vec(
        (piece(), -1e4f32..1e4, -1e4f32..1e4, 0f32..50.0, 0f32..50.0), 0..40)) {
        let words: Vec<OcrWord> = words
            .into_iter()
            .map(|(text, x0, y0, w, h)| OcrWord { text, x0, y0, x1: x0 + w, y1: y0 + h, line: None })
            .collect();
        let lines = overturn::text::lines_from_words(words);
        let text = Text::with_layout(
            Method::Ocr,
            vec![(lines.iter().map(|l| l.text()).collect(), lines)],
            Vec::new(),
        );
        let report = overturn::analyze(&text, source(1), rules());
        check_report(&report, &text);
    }

    #[test]
    fn category_of_any_text(s in line()) {
        let _ = overturn::classify::category_of_text(&s, rules());
    }
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn any_text_gives_a_sound_report(pages in pages()) {
        let (report, text) = analyze_pages(pages.clone());
        // The stages one by one, as the analysis calls them.
        let layout = overturn::layout::analyze(&text, rules());
        let class = overturn::classify::classify(&text, &layout, rules());
        prop_assert_eq!(class.document_type, report.document_type);
        let fields = overturn::fields::extract(&text, &layout, rules());
        let known = overturn::deadlines::Known {
            letter_date: fields.letter_date,
            service_date: fields.service_date,
            state: fields.state.clone(),
        };
        let _ = overturn::deadlines::find(&text, &class, &known, rules());
        // Through the public entry, as a file's bytes: never an internal error.
        let bytes = document_text(&pages).into_bytes();
        match overturn::parse_bytes("props.txt", bytes) {
            Ok(r) => prop_assert!(r.source.pages >= 1),
            Err(e) => prop_assert!(
                matches!(e.kind(), "empty" | "unsupported"),
                "{}", e
            ),
        }
        // Redaction and what is made of a report.
        let mut report = report;
        let mut lines: Vec<String> = text.lines().map(|(_, l)| l.to_string()).collect();
        overturn::redact::redact(&mut report, &mut lines);
        let _ = overturn::fhir::bundle(&report);
        let _ = overturn::appeal::draft(&report, rules(), overturn::appeal::Format::Text);
        let _ = overturn::calendar::ics(std::slice::from_ref(&report), 0);
    }

    #[test]
    fn repeated_pieces_give_a_sound_report(p in piece(), q in piece(), n in 1usize..400, per_line in 1usize..30) {
        // One label, date or amount over and over, on lines of a few or many.
        let unit = format!("{p} {q} ");
        let line = unit.repeat(per_line);
        analyze_pages(vec![vec![line; n.div_ceil(per_line).max(1)]]);
    }

    #[test]
    fn a_corrected_report_is_recomputed_soundly(
        letter in proptest::option::of((1900i16..2101, 1i8..13, 1i8..29)),
        window in proptest::option::of(line()),
        basis in proptest::option::of(proptest::sample::select(&[
            DeadlineBasis::Stated, DeadlineBasis::Computed, DeadlineBasis::Default,
        ][..])),
    ) {
        let (mut report, _) = analyze_pages(vec![vec![
            "Blue Harbor Health Plan".into(),
            "March 3, 2025".into(),
            "Claim number: A123456. We denied your claim: not medically necessary.".into(),
        ]]);
        report.dates.letter_date = letter.map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"));
        report.dates.appeal_window = window;
        report.dates.appeal_deadline_basis = basis;
        overturn::refresh(&mut report, rules(), &overturn::recommend::Context::default());
        if let Some(d) = &report.dates.appeal_deadline {
            prop_assert!(d.parse::<jiff::civil::Date>().is_ok(), "{}", d);
        }
    }
}

/// Runs the analysis on a big input and checks it finishes: not a timing test (debug builds
/// on a busy machine are slow), only a guard against running away.
fn analyze_in_time(pages: Vec<Vec<String>>) -> Report {
    let started = Instant::now();
    let (report, _) = analyze_pages(pages);
    // A guard against hanging, not a speed test: a debug build on a loaded 2-core CI machine
    // took 106 s for 100 000 short lines (43 s with one other build beside it).
    assert!(
        started.elapsed() < Duration::from_secs(240),
        "took {:?}",
        started.elapsed()
    );
    report
}

#[test]
fn a_very_long_line() {
    // 200 KB on one line: words, dates and amounts, no line break. (Every label on a line
    // looks at the rest of it: the time grew with the square of the length until long lines
    // were wrapped; 1 MB took minutes.)
    let unit = "Claim number: A123456 denied on 03/04/2025 for $1,234.56 per Dr. Pe\u{f1}a. ";
    let line = unit.repeat(200_000 / unit.len());
    let report = analyze_in_time(vec![vec![line]]);
    assert_eq!(report.claim.claim_number.as_deref(), Some("A123456"));
}

#[test]
fn a_hundred_thousand_short_lines() {
    let lines: Vec<String> = (0..100_000).map(|i| format!("line {i}")).collect();
    analyze_in_time(vec![lines]);
}

#[test]
fn many_lines_of_labels_dates_and_amounts() {
    // Every line holds what several stages look for; each stage must stay near linear. (With
    // a claim number every four lines, reading each claim's block walked the whole document:
    // 10 000 lines took 42 s optimised.)
    let lines: Vec<String> = (0..4_000)
        .map(|i| match i % 4 {
            0 => "Appeal deadline: 04/30/2025".to_string(),
            1 => format!("Claim number: A{i:06} Billed $1{i}.00 Paid $0.00 CO-50"),
            2 => "You may appeal within 180 days of the date of this letter.".to_string(),
            _ => "Member ID: W123456789  Date of service: 03/04/2025".to_string(),
        })
        .collect();
    analyze_in_time(vec![lines]);
}

#[test]
fn many_pages() {
    let page = vec![
        "EXPLANATION OF BENEFITS".to_string(),
        "Claim number: A123456  Date of service: 03/04/2025".to_string(),
        "Billed  Allowed  Paid".to_string(),
        "$100.00  $80.00  $0.00".to_string(),
    ];
    analyze_in_time(vec![page; 2_000]);
}

// Regressions found by the properties above, each with its minimal input.

// `sentences_stay_inside_the_text`: an offset inside a multi-byte character (here the
// right-to-left override, three bytes) made `is_conditional` slice through it.
#[test]
fn an_offset_inside_a_character_is_no_panic() {
    let text = Text::new(
        Method::PlainText,
        vec![vec!["If \u{202e}denied, \u{1f642} appeal.".into()]],
        Vec::new(),
    );
    for at in 0..=text.full().len() + 2 {
        let _ = text.is_conditional(at);
        let _ = text.sentence_text(at);
    }
    assert!(text.is_conditional(8));
    // Page 0 does not exist (pages count from 1): no line, no underflow.
    assert_eq!(text.line(overturn::text::LineRef { page: 0, line: 0 }), "");
}

// `positioned_words_make_lines`: "within one hundred hundred hundred hundred days" is a
// window of 10^8 days, past the dates jiff can count: a panic in the deadline stage.
#[test]
fn an_absurd_window_is_no_deadline() {
    let (report, _) = analyze_pages(vec![vec![
        "March 3, 2025".into(),
        "Claim number: A123456. We denied your claim: not medically necessary.".into(),
        "You may appeal within one hundred hundred hundred hundred days of the date of this letter."
            .into(),
    ]]);
    assert_eq!(
        report.dates.appeal_deadline_basis,
        Some(DeadlineBasis::Default)
    );
}
