//! Redaction: for every text fixture, every output format with `--redact` holds none of the
//! fixture's personal values. The values come from the fixture's `expected.json` (member
//! name, member ID, group number, claim and reference numbers, a provider who is a person)
//! and from its text (phone numbers other than the plan's, e-mail addresses), so a new
//! fixture is checked without a line of test code.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::{fixture_dirs, fixture_input, overturn};

fn is_scan(dir: &Path) -> bool {
    dir.join("from.txt").is_file()
}

/// One personal value and how it may be printed.
struct Personal {
    what: String,
    value: String,
    name: bool,
}

/// `payer_phone`: the number of the plan (or whoever sent the document), which is kept.
fn personal_values(dir: &Path, payer_phone: Option<&str>) -> Vec<Personal> {
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let mut out = Vec::new();
    let mut add = |what: &str, v: &Value, name: bool| {
        if let Some(s) = v.as_str().filter(|s| !s.is_empty()) {
            out.push(Personal {
                what: what.to_string(),
                value: s.to_string(),
                name,
            });
        }
    };
    add("member.name", &expected["member"]["name"], true);
    add("member.member_id", &expected["member"]["member_id"], false);
    add(
        "member.group_number",
        &expected["member"]["group_number"],
        false,
    );
    add(
        "claim.claim_number",
        &expected["claim"]["claim_number"],
        false,
    );
    add(
        "claim.reference_number",
        &expected["claim"]["reference_number"],
        false,
    );
    for c in expected["claims"].as_array().into_iter().flatten() {
        add("claims.claim_number", &c["claim_number"], false);
    }
    for p in std::iter::once(&expected["claim"]["provider"]).chain(
        expected["claims"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| &c["provider"]),
    ) {
        if p.as_str().is_some_and(overturn::fhir::is_person) {
            add("provider (a person)", p, true);
        }
    }
    // Phones and e-mail addresses printed in the document, but the plan's own number.
    let doc = overturn::ingest::load(&overturn::Input::Path(fixture_input(dir))).unwrap();
    let text = overturn::text::extract(&doc).unwrap();
    let full: String = text
        .pages
        .iter()
        .flat_map(|p| p.lines.iter().map(|l| l.clone() + "\n"))
        .collect();
    for ph in overturn::values::find_phones(&full) {
        if Some(ph.value.as_str()) != payer_phone {
            out.push(Personal {
                what: "phone".into(),
                value: ph.value.clone(),
                name: false,
            });
        }
    }
    // Dates of birth: the dates on a line naming one, or on the line under it, that are none
    // of the report's own dates.
    let known: Vec<String> = [
        &expected["dates"]["letter_date"],
        &expected["dates"]["appeal_deadline"],
        &expected["claim"]["service_date"],
    ]
    .into_iter()
    .filter_map(|v| v.as_str().map(str::to_string))
    .collect();
    let lines: Vec<&str> = full.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let lower = line.to_lowercase();
        if !["date of birth", "birth date", "birthdate", "dob"]
            .iter()
            .any(|l| lower.contains(l))
        {
            continue;
        }
        for l in [line, lines.get(i + 1).unwrap_or(&"")] {
            for d in overturn::values::find_dates(l) {
                if !known.contains(&d.value.to_string()) {
                    for form in [l[d.start..d.end].trim().to_string(), d.value.to_string()] {
                        out.push(Personal {
                            what: "date of birth".into(),
                            value: form,
                            name: false,
                        });
                    }
                }
            }
        }
    }
    for w in full
        .split_whitespace()
        .filter(|w| w.contains('@') && w.contains('.'))
    {
        let w = w.trim_matches(|c: char| !c.is_alphanumeric());
        out.push(Personal {
            what: "e-mail".into(),
            value: w.to_string(),
            name: false,
        });
    }
    out
}

/// The forms a value may be printed in that the output must not hold.
fn leaks(output: &str, p: &Personal) -> Vec<String> {
    let lower = output.to_lowercase();
    let mut found = Vec::new();
    if lower.contains(&p.value.to_lowercase()) {
        found.push(p.value.clone());
    }
    if p.name {
        // Each name word of three letters or more, as a word printed with a capital.
        // (and each part of a hyphenated one).
        let words = p.value.split([' ', ',', '.']);
        let parts = words
            .clone()
            .filter(|w| w.contains('-'))
            .flat_map(|w| w.split('-'));
        for w in words.chain(parts).filter(|w| w.len() >= 3) {
            let hit = output
                .split(|c: char| !(c.is_alphabetic() || c == '-'))
                .flat_map(|x| std::iter::once(x).chain(x.split('-')))
                .any(|x| x.eq_ignore_ascii_case(w) && x.starts_with(char::is_uppercase));
            if hit {
                found.push(w.to_string());
            }
        }
    } else if p.what == "phone" {
        let digits: String = p.value.chars().filter(char::is_ascii_digit).collect();
        let out_digits: String = output
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
            .collect();
        if out_digits.contains(&digits) {
            found.push(p.value.clone());
        }
    } else {
        // An identifier without its separators.
        let bare: String = p.value.chars().filter(|c| c.is_alphanumeric()).collect();
        if bare.len() >= 5 && bare != p.value && lower.contains(&bare.to_lowercase()) {
            found.push(bare);
        }
        // A part of it printed alone (an identifier wrapped over two lines): each part of
        // five characters or more with a digit, as a whole word.
        let tokens: Vec<&str> = output.split(|c: char| !c.is_alphanumeric()).collect();
        for part in p.value.split(|c: char| !c.is_alphanumeric()) {
            if part.len() >= 5
                && part != p.value
                && part.contains(|c: char| c.is_ascii_digit())
                && tokens.iter().any(|t| t.eq_ignore_ascii_case(part))
            {
                found.push(part.to_string());
            }
        }
    }
    found
}

/// A fixture's name, personal values, and its outputs (command, what it printed).
type FixtureOutputs = (String, Vec<Personal>, Vec<(String, String)>);

fn run(args: &[&str], input: &Path) -> String {
    let out = overturn()
        .args(args)
        .arg(input)
        .assert()
        .get_output()
        .clone();
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "overturn {args:?} {} failed",
        input.display()
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn redacted_outputs_hold_no_personal_value_of_any_fixture() {
    let dirs: Vec<PathBuf> = fixture_dirs().into_iter().filter(|d| !is_scan(d)).collect();
    let mut problems = Vec::new();
    let mut checked = 0;
    // Two workers: each fixture's own outputs (parse as JSON and as FHIR, text).
    let per_fixture: Vec<FixtureOutputs> = std::thread::scope(|s| {
        let chunks: Vec<&[PathBuf]> = dirs.chunks(dirs.len().div_ceil(2).max(1)).collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|dir| {
                            let name = dir.file_name().unwrap().to_string_lossy().to_string();
                            let input = fixture_input(dir);
                            let outputs: Vec<(String, String)> = [
                                vec!["parse", "--redact"],
                                vec!["parse", "--redact", "--format", "fhir"],
                                vec!["text", "--redact"],
                            ]
                            .into_iter()
                            .map(|args| (args.join(" "), run(&args, &input)))
                            .collect();
                            let report: Value = serde_json::from_str(&outputs[0].1).unwrap();
                            let phone = report["payer"]["phone"].as_str();
                            (name, personal_values(dir, phone), outputs)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let mut all: Vec<(String, Personal)> = Vec::new();
    for (name, values, outputs) in per_fixture {
        for (label, out) in &outputs {
            assert!(!out.trim().is_empty(), "{name}: {label} printed nothing");
            for p in &values {
                checked += 1;
                for leak in leaks(out, p) {
                    problems.push(format!("{name}: {label}: {} {leak:?}", p.what));
                }
            }
        }
        all.extend(values.into_iter().map(|v| (name.clone(), v)));
    }

    // The batch formats over every fixture at once, each record checked against its own
    // document's values: JSON Lines and CSV rows name their file, Bundles come in the same
    // (input) order as JSON Lines.
    let tmp = tempfile::tempdir().unwrap();
    let docs = tmp.path().join("docs");
    std::fs::create_dir(&docs).unwrap();
    for dir in &dirs {
        let input = fixture_input(dir);
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let ext = input.extension().unwrap().to_string_lossy().to_string();
        std::fs::copy(&input, docs.join(format!("{name}.{ext}"))).unwrap();
    }
    let stem = |path: &str| {
        Path::new(path)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .to_string()
    };
    let jsonl = run(&["batch", "--redact", "-q"], &docs);
    let order: Vec<String> = jsonl
        .lines()
        .map(|l| {
            stem(
                serde_json::from_str::<Value>(l).unwrap()["source"]["path"]
                    .as_str()
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(order.len(), dirs.len());
    let mut records: Vec<(String, String, String)> = Vec::new();
    for (name, line) in order.iter().zip(jsonl.lines()) {
        records.push(("jsonl".into(), name.clone(), line.to_string()));
    }
    let ndjson = run(
        &["batch", "--redact", "-q", "--format", "fhir-ndjson"],
        &docs,
    );
    assert_eq!(ndjson.lines().count(), dirs.len());
    for (name, line) in order.iter().zip(ndjson.lines()) {
        records.push(("fhir-ndjson".into(), name.clone(), line.to_string()));
    }
    for format in ["csv", "csv-lines"] {
        let out = run(&["batch", "--redact", "-q", "--format", format], &docs);
        let mut rd = csv::Reader::from_reader(out.as_bytes());
        for row in rd.records() {
            let row = row.unwrap();
            records.push((
                format.into(),
                stem(&row[0]),
                row.iter().collect::<Vec<_>>().join(","),
            ));
        }
    }
    for (format, name, record) in &records {
        for (_, p) in all.iter().filter(|(n, _)| n == name) {
            checked += 1;
            for leak in leaks(record, p) {
                problems.push(format!(
                    "{name}: batch --format {format}: {} {leak:?}",
                    p.what
                ));
            }
        }
    }
    eprintln!(
        "redaction: {checked} value checks, {} leaks",
        problems.len()
    );
    assert!(
        problems.is_empty(),
        "{} personal value(s) survived --redact:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn redaction_keeps_what_the_report_is_for() {
    let input = crate::util::root().join("fixtures/multi-claim-ppo-eob/input.pdf");
    let plain: Value = serde_json::from_str(&run(&["parse"], &input)).unwrap();
    let red: Value = serde_json::from_str(&run(&["parse", "--redact"], &input)).unwrap();
    for path in [
        "/document_type",
        "/payer/name",
        "/payer/phone",
        "/payer/plan_type",
        "/denial/category",
        "/denial/codes",
        "/dates",
        "/claim/service_date",
        "/claim/billed_amount",
        "/claim/procedure_codes",
        "/claims/1/lines",
        "/next_steps/0/due",
    ] {
        assert_eq!(plain.pointer(path), red.pointer(path), "{path} is kept");
    }
    assert_eq!(red["member"]["name"], "[NAME_1]");
    assert_eq!(red["member"]["member_id"], "[MEMBER_ID_1]");
    // The same claim number is the same placeholder in the headline claim and in claims[].
    assert_eq!(
        red["claim"]["claim_number"],
        red["claims"][1]["claim_number"]
    );
    assert_ne!(
        red["claims"][0]["claim_number"],
        red["claims"][1]["claim_number"]
    );
}
