//! Runs every fixture in `fixtures/` and compares its report with `expected.json`, field by
//! field. Every mismatch of every fixture is reported at once, with the accuracy.
//!
//! `expected.json` lists the contract fields to check; a field it leaves out is not checked,
//! `null` means "must be null". `denial.codes` is a list of `GROUP-CODE` / `CODE` strings.
//! Set `OVERTURN_FIXTURE=name` to run one.

use serde_json::Value;

use crate::util::{fixture_dirs, fixture_inputs};

fn code_strings(actual: &Value) -> Vec<String> {
    let mut v: Vec<String> = actual
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| match c["group"].as_str() {
                    Some(g) => format!("{g}-{}", c["code"].as_str().unwrap_or("")),
                    None => c["code"].as_str().unwrap_or("").to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn same(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::Number(a), Value::Number(b)) => {
            (a.as_f64().unwrap_or(f64::NAN) - b.as_f64().unwrap_or(f64::NAN)).abs() < 0.005
        }
        _ => expected == actual,
    }
}

/// Compares `expected` into `actual`; returns (fields checked, mismatches).
fn compare(path: &str, expected: &Value, actual: &Value, out: &mut Vec<String>) -> usize {
    match expected {
        Value::Object(map) if !actual.is_null() => map
            .iter()
            .map(|(k, v)| compare(&format!("{path}.{k}"), v, &actual[k.as_str()], out))
            .sum(),
        Value::Object(_) => {
            out.push(format!("{path}: expected an object, got null"));
            1
        }
        // A list of objects (`claims`): same length, each element compared like an object
        // (only the keys the fixture lists).
        Value::Array(items) if items.iter().any(Value::is_object) => {
            let got = actual.as_array().map(Vec::as_slice).unwrap_or(&[]);
            if got.len() != items.len() {
                out.push(format!(
                    "{path}: expected {} entries, got {}",
                    items.len(),
                    got.len()
                ));
                return 1;
            }
            items
                .iter()
                .zip(got)
                .enumerate()
                .map(|(i, (e, a))| compare(&format!("{path}[{i}]"), e, a, out))
                .sum()
        }
        _ if path.ends_with("denial.codes") => {
            let mut want: Vec<String> = expected
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(String::from))
                .collect();
            want.sort();
            let got = code_strings(actual);
            if want != got {
                out.push(format!("{path}: expected {want:?}, got {got:?}"));
            }
            1
        }
        _ => {
            if !same(expected, actual) {
                out.push(format!("{path}: expected {expected}, got {actual}"));
            }
            1
        }
    }
}

/// Every field the report fills has evidence pointing at a real page.
fn evidence_problems(report: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let fields = [
        "payer.name",
        "payer.phone",
        "member.name",
        "member.member_id",
        "member.group_number",
        "claim.claim_number",
        "claim.service_date",
        "claim.provider",
        "claim.billed_amount",
        "claim.patient_responsibility",
        "dates.letter_date",
    ];
    let pages = report["source"]["pages"].as_u64().unwrap_or(0);
    for f in fields {
        let (a, b) = f.split_once('.').unwrap();
        if report[a][b].is_null() {
            continue;
        }
        let ev = &report["evidence"][f];
        if ev.is_null() {
            out.push(format!("{f}: value without evidence"));
        } else if ev["page"].as_u64().is_none_or(|p| p == 0 || p > pages)
            || ev["line"].as_str().is_none_or(str::is_empty)
        {
            out.push(format!("{f}: evidence {ev} is not a line of the document"));
        }
    }
    out
}

/// The next steps, the appeal letter and the calendar use the report's one deadline.
fn one_deadline(r: &overturn::Report) -> Vec<String> {
    use overturn::report::Action;
    let mut out = Vec::new();
    let Some(deadline) = r.dates.appeal_deadline.clone() else {
        return out;
    };
    let filing = [
        Action::InternalAppeal,
        Action::ExpeditedAppeal,
        Action::ExternalReview,
        Action::StateFairHearing,
    ];
    // Every dated filing step is due on the deadline (a step of another level, such as an
    // external review asked for alongside, may carry no date of its own).
    let filing_steps: Vec<_> = r
        .next_steps
        .iter()
        .filter(|s| filing.contains(&s.action))
        .collect();
    for s in &filing_steps {
        if s.due.as_ref().is_some_and(|d| *d != deadline) {
            out.push(format!(
                "step {:?} is due {:?}, the deadline is {deadline}",
                s.action, s.due
            ));
        }
    }
    if !filing_steps.is_empty() && !filing_steps.iter().any(|s| s.due.is_some()) {
        out.push(format!("no filing step is due on the deadline {deadline}"));
    }
    let ics = overturn::calendar::ics(std::slice::from_ref(r), 0);
    if !ics.contains(&deadline.replace('-', "")) {
        out.push(format!("the calendar has no event on {deadline}"));
    }
    let rules = overturn::rules::Rules::bundled().unwrap();
    let letter = overturn::appeal::draft(r, rules, overturn::appeal::Format::Text);
    if r.next_steps.iter().any(|s| filing.contains(&s.action)) && !letter.contains(&deadline) {
        out.push(format!(
            "the appeal letter does not give the deadline {deadline}"
        ));
    }
    out
}

/// Checks fixtures; returns (documents, fields checked, wrong, problems).
fn check(dirs: &[std::path::PathBuf]) -> (usize, usize, usize, Vec<String>) {
    check_with(dirs, &mut |_, _| {})
}

/// [`check`], handing each report to `each` (name, report) as well.
fn check_with(
    dirs: &[std::path::PathBuf],
    each: &mut dyn FnMut(&str, &overturn::Report),
) -> (usize, usize, usize, Vec<String>) {
    let mut failures = Vec::new();
    let (mut checked, mut wrong) = (0, 0);
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap())
                .unwrap_or_else(|e| panic!("{name}/expected.json: {e}"));
        let report = match overturn::parse_pages(&fixture_inputs(dir)) {
            Ok(r) => {
                each(&name, &r);
                failures.extend(one_deadline(&r).into_iter().map(|p| format!("{name}: {p}")));
                serde_json::to_value(r).unwrap()
            }
            Err(e) => {
                failures.push(format!("{name}: failed to parse: {e}"));
                continue;
            }
        };
        let mut problems = Vec::new();
        let n = compare("", &expected, &report, &mut problems);
        checked += n;
        wrong += problems.len();
        problems.extend(evidence_problems(&report));
        if report["schema_version"] != "1" {
            problems.push("schema_version is not \"1\"".into());
        }
        if is_scan(dir) && !matches!(report["text"]["method"].as_str(), Some("ocr" | "mixed")) {
            problems.push(format!(
                "text.method is {}, expected ocr or mixed",
                report["text"]["method"]
            ));
        }
        failures.extend(problems.into_iter().map(|p| format!("{name}: {p}")));
    }
    (dirs.len(), checked, wrong, failures)
}

/// Scanned variants (a `from.txt` names the text fixture they were made from).
fn is_scan(dir: &std::path::Path) -> bool {
    dir.join("from.txt").is_file()
}

#[test]
fn every_fixture_matches_its_expected_json() {
    let dirs: Vec<_> = fixture_dirs().into_iter().filter(|d| !is_scan(d)).collect();
    if dirs.is_empty() {
        return; // filtered to scans only
    }
    let (docs, checked, wrong, failures) = check(&dirs);
    let accuracy = 100.0 * (checked - wrong) as f64 / checked.max(1) as f64;
    eprintln!(
        "fixtures: {docs} documents, {checked} fields checked, {wrong} wrong ({accuracy:.1}% right)"
    );
    assert!(
        failures.is_empty(),
        "{} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Scans, faxes, image-only and mixed PDFs give the same contract fields as their text
/// versions (OCR), at least 95 % of them; every mismatch is reported.
#[test]
fn scanned_fixtures_match_their_text_versions() {
    let dirs: Vec<_> = fixture_dirs().into_iter().filter(|d| is_scan(d)).collect();
    if dirs.is_empty() {
        return;
    }
    if std::env::var("OVERTURN_FIXTURE").is_err() {
        assert!(dirs.len() >= 7, "scanned fixtures are missing");
    }
    // Their FHIR Bundles are validated too, from the reports made here (no second OCR run).
    let py = crate::fhir::python();
    let tmp = tempfile::tempdir().unwrap();
    let mut bundles = Vec::new();
    let (docs, checked, wrong, failures) = check_with(&dirs, &mut |name, r| {
        let path = tmp.path().join(format!("{name}.json"));
        std::fs::write(&path, overturn::fhir::bundle(r).to_string()).unwrap();
        bundles.push(path);
    });
    assert_eq!(bundles.len(), dirs.len(), "a Bundle per scanned fixture");
    crate::fhir::validate(&py, &bundles);
    let accuracy = 100.0 * (checked - wrong) as f64 / checked.max(1) as f64;
    eprintln!(
        "scans: {docs} documents, {checked} fields checked, {wrong} wrong ({accuracy:.1}% right)"
    );
    for f in &failures {
        eprintln!("  {f}");
    }
    assert!(
        failures.iter().all(|f| !f.contains("failed to parse")),
        "{failures:?}"
    );
    assert!(
        accuracy >= 95.0,
        "scans: {accuracy:.1}% of fields right, below 95%:\n{}",
        failures.join("\n")
    );
}

/// The fixture set itself covers what the contract promises.
#[test]
fn fixture_set_covers_every_category_type_and_plan() {
    if std::env::var("OVERTURN_FIXTURE").is_ok() {
        return;
    }
    let expected: Vec<Value> = fixture_dirs()
        .iter()
        .map(|d| {
            serde_json::from_str(&std::fs::read_to_string(d.join("expected.json")).unwrap())
                .unwrap()
        })
        .collect();
    assert!(expected.len() >= 40, "at least 40 fixtures");
    let count = |f: &dyn Fn(&Value) -> bool| expected.iter().filter(|e| f(e)).count();
    for c in [
        "prior_authorization",
        "referral",
        "medical_necessity",
        "missing_documentation",
        "coding_billing_error",
        "out_of_network",
        "not_covered",
        "experimental_investigational",
        "eligibility",
        "timely_filing",
        "duplicate_claim",
        "coordination_of_benefits",
        "benefit_limit",
        "other",
    ] {
        assert!(
            count(&|e| e["denial"]["category"] == c) >= 2,
            "category {c} needs two fixtures"
        );
    }
    for t in ["denial_letter", "eob", "appeal_decision", "other"] {
        assert!(
            count(&|e| e["document_type"] == t) >= 1,
            "document type {t}"
        );
    }
    for p in [
        "hmo",
        "ppo",
        "epo",
        "pos",
        "medicare_advantage",
        "medicare_part_d",
        "medicaid_managed_care",
        "medicaid_fee_for_service",
        "original_medicare",
        "unknown",
    ] {
        assert!(
            count(&|e| e["payer"]["plan_type"] == p) >= 1,
            "plan type {p}"
        );
    }
    // Two PDF producers at least (plus plain text inputs).
    let producers: std::collections::BTreeSet<String> = fixture_dirs()
        .iter()
        .filter_map(|d| std::fs::read(d.join("input.pdf")).ok())
        .map(|b| {
            let s = String::from_utf8_lossy(&b);
            ["Skia/PDF", "Ghostscript", "pdf-writer"]
                .iter()
                .find(|p| s.contains(*p))
                .map(|p| p.to_string())
                .unwrap_or_else(|| "pdf-writer".into())
        })
        .collect();
    assert!(producers.len() >= 2, "fixtures come from {producers:?}");
}
