//! FHIR output checked by an independent library: every text fixture's `parse --format fhir`
//! Bundle, and a `batch --format fhir-ndjson` run with a failing input, go through
//! `tests/fhir/validate.py` (fhir.resources, FHIR R4 models, installed by scripts/setup.sh).
//! Scanned variants' Bundles are validated by the scanned-fixture harness (fixtures.rs), from
//! the reports it makes anyway, so OCR runs once.

use std::path::PathBuf;

use serde_json::Value;

use crate::util::{fixture_dirs, fixture_input, overturn, root};

/// The Python that has fhir.resources: `OVERTURN_FHIR_PYTHON`, else `.venv/bin/python`.
/// Missing is a failure, never a skip: the check would silently not happen.
pub(crate) fn python() -> PathBuf {
    let py = std::env::var_os("OVERTURN_FHIR_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".venv/bin/python"));
    let ok = std::process::Command::new(&py)
        .args(["-c", "import fhir.resources"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "{} cannot import fhir.resources: run scripts/setup.sh (it installs the FHIR \
         validator into .venv/), or set OVERTURN_FHIR_PYTHON to a Python that has it",
        py.display()
    );
    py
}

fn is_scan(dir: &std::path::Path) -> bool {
    dir.join("from.txt").is_file()
}

pub(crate) fn validate(py: &std::path::Path, files: &[PathBuf]) {
    let out = std::process::Command::new(py)
        .arg(root().join("tests/fhir/validate.py"))
        .args(files)
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "FHIR validation failed:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(", 0 problems"), "{stdout}");
}

#[test]
fn every_fixture_gives_a_valid_fhir_r4_bundle() {
    let py = python();
    let dirs: Vec<PathBuf> = fixture_dirs().into_iter().filter(|d| !is_scan(d)).collect();
    let tmp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let out = overturn()
            .args(["parse", "--format", "fhir", "--compact"])
            .arg(fixture_input(dir))
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let bundle: Value = serde_json::from_slice(&out).unwrap();
        // One ExplanationOfBenefit per claim the fixture lists.
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap())
                .unwrap();
        if let Some(claims) = expected["claims"].as_array() {
            let eob_ids: Vec<&str> = bundle["entry"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| &e["resource"])
                .filter(|r| r["resourceType"] == "ExplanationOfBenefit")
                .map(|r| r["identifier"][0]["value"].as_str().unwrap_or(""))
                .collect();
            let want: Vec<&str> = claims
                .iter()
                .map(|c| c["claim_number"].as_str().unwrap_or(""))
                .collect();
            assert_eq!(eob_ids, want, "{name}: one EOB per claim");
        }
        let path = tmp.path().join(format!("{name}.json"));
        std::fs::write(&path, &out).unwrap();
        files.push(path);
    }
    assert!(!files.is_empty());
    validate(&py, &files);
}

#[test]
fn batch_fhir_ndjson_is_valid_redacted_or_not_with_an_operation_outcome_per_failure() {
    let py = python();
    let tmp = tempfile::tempdir().unwrap();
    let docs = tmp.path().join("docs");
    std::fs::create_dir(&docs).unwrap();
    for name in ["multi-claim-ppo-eob", "pa-hmo-letter", "paid-eob"] {
        let input = fixture_input(&root().join("fixtures").join(name));
        let ext = input.extension().unwrap().to_string_lossy().to_string();
        std::fs::copy(&input, docs.join(format!("{name}.{ext}"))).unwrap();
    }
    std::fs::write(docs.join("broken.pdf"), b"%PDF-1.7\n1 0 obj\n").unwrap();
    let out = crate::util::batch_with_failures(&["--format", "fhir-ndjson", "-q"], &docs);
    let text = String::from_utf8(out).unwrap();
    let kinds: Vec<String> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["resourceType"].to_string())
        .collect();
    assert_eq!(
        kinds,
        [
            "\"OperationOutcome\"",
            "\"Bundle\"",
            "\"Bundle\"",
            "\"Bundle\""
        ]
    );
    let path = tmp.path().join("out.ndjson");
    std::fs::write(&path, &text).unwrap();
    // Redacted Bundles are still valid FHIR.
    let redacted =
        crate::util::batch_with_failures(&["--format", "fhir-ndjson", "-q", "--redact"], &docs);
    assert!(String::from_utf8_lossy(&redacted).contains("[MEMBER_ID_1]"));
    let redacted_path = tmp.path().join("redacted.ndjson");
    std::fs::write(&redacted_path, &redacted).unwrap();
    validate(&py, &[path, redacted_path]);
}

#[test]
fn fhir_ndjson_refuses_resume() {
    let tmp = tempfile::tempdir().unwrap();
    overturn()
        .args(["batch", "--format", "fhir-ndjson", "--resume", "-o"])
        .arg(tmp.path().join("out.ndjson"))
        .arg(root().join("fixtures/paid-eob"))
        .assert()
        .code(2);
}
