//! The JSON contract: the committed schema matches the Rust types, and a report reads back
//! into a mirror of the contract with exactly the documented names and types.

use serde::Deserialize;

use crate::util::root;

#[test]
fn committed_schema_matches_the_types() {
    let generated = serde_json::to_string_pretty(&overturn::report::json_schema()).unwrap() + "\n";
    let path = root().join("docs/schema.json");
    if std::env::var("OVERTURN_BLESS").is_ok() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/schema.json is stale: run `OVERTURN_BLESS=1 cargo test schema` and commit it"
    );
}

// A mirror of contract version 1, written from docs/schema.md, not from the Rust types: a
// renamed or retyped field fails here.
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Report {
    schema_version: String,
    source: Source,
    text: Text,
    document_type: String,
    payer: Payer,
    member: Member,
    claim: Claim,
    claims: Vec<ClaimEntry>,
    denial: Option<Denial>,
    dates: Dates,
    next_steps: Vec<Step>,
    evidence: std::collections::BTreeMap<String, Evidence>,
    warnings: Vec<String>,
    notice_check: Option<NoticeCheck>,
}
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoticeCheck {
    program: String,
    stage: String,
    checked: Vec<String>,
    missing: Vec<MissingElement>,
    not_checked: Vec<NotChecked>,
    late_decision: Option<LateDecision>,
}
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MissingElement {
    element: String,
    rule: String,
    why: String,
    looked_for: String,
    argument: String,
}
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NotChecked {
    element: String,
    reason: String,
}
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LateDecision {
    kind: String,
    received: String,
    decided: String,
    days: i64,
    limit: String,
    extension_days: Option<i64>,
    late_even_with_extension: bool,
    rule: String,
}
#[allow(dead_code)]
#[derive(Deserialize)]
struct Source {
    path: String,
    sha256: String,
    media_type: String,
    pages: u32,
}
#[allow(dead_code)]
#[derive(Deserialize)]
struct Text {
    method: String,
    chars: usize,
}
#[allow(dead_code)]
#[derive(Deserialize)]
struct Payer {
    name: Option<String>,
    plan_type: String,
    phone: Option<String>,
}
#[allow(dead_code)]
#[derive(Deserialize)]
struct Member {
    name: Option<String>,
    member_id: Option<String>,
    group_number: Option<String>,
}
#[allow(dead_code)]
#[derive(Deserialize)]
struct Claim {
    claim_number: Option<String>,
    reference_number: Option<String>,
    service_date: Option<String>,
    provider: Option<String>,
    billed_amount: Option<f64>,
    patient_responsibility: Option<f64>,
    procedure_codes: Vec<String>,
    diagnosis_codes: Vec<String>,
}
#[allow(dead_code)]
#[derive(Deserialize)]
struct ClaimEntry {
    claim_number: Option<String>,
    provider: Option<String>,
    service_date: Option<String>,
    billed_amount: Option<f64>,
    allowed_amount: Option<f64>,
    paid_amount: Option<f64>,
    patient_responsibility: Option<f64>,
    status: String,
    codes: Vec<Code>,
    lines: Vec<ServiceLine>,
}
#[allow(dead_code)]
#[derive(Deserialize)]
struct ServiceLine {
    service_date: Option<String>,
    procedure_code: Option<String>,
    description: Option<String>,
    billed_amount: Option<f64>,
    allowed_amount: Option<f64>,
    paid_amount: Option<f64>,
    patient_responsibility: Option<f64>,
    denied: bool,
    codes: Vec<Code>,
}
#[allow(dead_code)]
#[derive(Deserialize)]
struct Denial {
    category: String,
    confidence: f64,
    reason_text: Option<String>,
    codes: Vec<Code>,
}
#[allow(dead_code)]
#[derive(Deserialize)]
struct Code {
    system: String,
    group: Option<String>,
    code: String,
    description: Option<String>,
}
#[allow(dead_code)]
#[derive(Deserialize)]
struct Dates {
    letter_date: Option<String>,
    appeal_deadline: Option<String>,
    appeal_deadline_basis: Option<String>,
    appeal_window: Option<String>,
    next_level_window: Option<String>,
}
#[allow(dead_code)]
#[derive(Deserialize)]
struct Step {
    action: String,
    due: Option<String>,
    why: String,
    checklist: Vec<String>,
}
#[allow(dead_code)]
#[derive(Deserialize)]
struct Evidence {
    page: u32,
    line: String,
    #[serde(default)]
    bbox: Option<BBox>,
}
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BBox {
    x0: f32,
    y0: f32,
    x1: f32,
    y1: f32,
}

// Evidence boxes: PDF pages give most evidence lines a box on the page (the letterhead's at
// the top), plain text none.
#[test]
fn evidence_boxes_sit_on_their_pages() {
    let (mut boxed, mut all) = (0, 0);
    for dir in crate::util::fixture_dirs() {
        let ext = if dir.join("input.pdf").exists() {
            "pdf"
        } else if dir.join("input.txt").exists() {
            "txt"
        } else {
            continue;
        };
        let report = overturn::parse_pages(&crate::util::fixture_inputs(&dir)).unwrap();
        let back: Report = serde_json::from_str(&serde_json::to_string(&report).unwrap()).unwrap();
        for (path, e) in &back.evidence {
            if ext == "txt" {
                assert!(e.bbox.is_none(), "{}: {path}", dir.display());
                continue;
            }
            all += 1;
            let Some(b) = &e.bbox else { continue };
            boxed += 1;
            assert!(
                0.0 <= b.x0
                    && b.x0 < b.x1
                    && b.x1 <= 1300.0
                    && 0.0 <= b.y0
                    && b.y0 < b.y1
                    && b.y1 <= 1300.0,
                "{}: {path}: {:?}",
                dir.display(),
                (b.x0, b.y0, b.x1, b.y1)
            );
            if path == "payer.name" && e.page == 1 {
                assert!(b.y0 < 250.0, "{}: letterhead at {}", dir.display(), b.y0);
            }
        }
    }
    assert!(
        all > 0 && boxed * 10 >= all * 9,
        "{boxed} of {all} evidence lines boxed"
    );
}

#[test]
fn reports_read_back_into_the_contract() {
    for dir in crate::util::fixture_dirs() {
        let report = overturn::parse_pages(&crate::util::fixture_inputs(&dir)).unwrap();
        let json = serde_json::to_string(&report).unwrap();
        let back: Report =
            serde_json::from_str(&json).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        assert_eq!(back.schema_version, "1");
        assert_eq!(back.source.sha256.len(), 64);
        assert!(
            ["denial_letter", "eob", "appeal_decision", "other"]
                .contains(&back.document_type.as_str())
        );
        for d in [
            &back.dates.letter_date,
            &back.dates.appeal_deadline,
            &back.claim.service_date,
        ]
        .into_iter()
        .flatten()
        {
            assert!(
                jiff::civil::Date::strptime("%Y-%m-%d", d).is_ok(),
                "ISO date: {d}"
            );
        }
        if let Some(d) = &back.denial {
            assert!((0.0..=1.0).contains(&d.confidence));
        }
    }
}
