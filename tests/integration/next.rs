//! Next steps on fixtures, one case per program and per denial category
//! (`tests/data/next_steps.toml`), plus the `next`, `appeal` and `calendar` commands.

use serde::Deserialize;
use serde_json::Value;

use crate::util::{fixture_input, overturn, root};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    case: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    fixture: String,
    first: Option<String>,
    appeal: Option<Appeal>,
    #[serde(default)]
    actions: Vec<String>,
    #[serde(default)]
    absent: Vec<String>,
    #[serde(default)]
    why: Vec<(String, String)>,
    #[serde(default)]
    checklist: Vec<(String, String)>,
    #[serde(default)]
    rules: Vec<(String, String)>,
    #[serde(default)]
    none: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Appeal {
    action: String,
    rule: String,
    due: String,
}

fn report(fixture: &str) -> Value {
    let r = overturn::parse(&overturn::Input::Path(fixture_input(
        &root().join("fixtures").join(fixture),
    )))
    .unwrap();
    serde_json::to_value(r).unwrap()
}

fn step<'a>(steps: &'a [Value], action: &str) -> Option<&'a Value> {
    steps.iter().find(|s| s["action"] == action)
}

#[test]
fn next_step_paths_by_program_and_category() {
    let table: Table = toml::from_str(
        &std::fs::read_to_string(root().join("tests/data/next_steps.toml")).unwrap(),
    )
    .unwrap();
    let mut failures = Vec::new();
    for c in &table.case {
        let r = report(&c.fixture);
        let steps = r["next_steps"].as_array().cloned().unwrap_or_default();
        let mut fail = |m: String| failures.push(format!("{}: {m}", c.fixture));
        if c.none {
            if !steps.is_empty() {
                fail(format!("expected no steps, got {}", steps.len()));
            }
            continue;
        }
        for a in [
            "request_claim_file",
            "call_insurer",
            "contact_consumer_assistance",
        ] {
            if step(&steps, a).is_none() {
                fail(format!("missing the always step {a}"));
            }
        }
        if let Some(first) = &c.first
            && steps.first().map(|s| &s["action"]) != Some(&Value::from(first.as_str()))
        {
            fail(format!(
                "first step is {:?}, expected {first}",
                steps.first().map(|s| &s["action"])
            ));
        }
        if let Some(a) = &c.appeal {
            match step(&steps, &a.action) {
                None => fail(format!("no {} step", a.action)),
                Some(s) => {
                    if s["rule"] != a.rule.as_str() {
                        fail(format!(
                            "{} rule {}, expected {}",
                            a.action, s["rule"], a.rule
                        ));
                    }
                    if s["due"] != a.due.as_str() {
                        fail(format!("{} due {}, expected {}", a.action, s["due"], a.due));
                    }
                }
            }
        }
        for a in &c.actions {
            if step(&steps, a).is_none() {
                fail(format!("missing step {a}"));
            }
        }
        for a in &c.absent {
            if step(&steps, a).is_some() {
                fail(format!("unexpected step {a}"));
            }
        }
        for (a, text) in &c.why {
            let why = step(&steps, a)
                .and_then(|s| s["why"].as_str())
                .unwrap_or("");
            if !why.contains(text.as_str()) {
                fail(format!("{a}.why lacks {text:?}: {why:?}"));
            }
        }
        for (a, rule) in &c.rules {
            let got = step(&steps, a)
                .map(|s| s["rule"].clone())
                .unwrap_or_default();
            let want = if rule.is_empty() {
                Value::Null
            } else {
                Value::from(rule.as_str())
            };
            if got != want {
                fail(format!("{a}.rule is {got}, expected {rule}"));
            }
        }
        for (a, item) in &c.checklist {
            let list = step(&steps, a)
                .map(|s| s["checklist"].to_string())
                .unwrap_or_default();
            if !list.contains(item.as_str()) {
                fail(format!("{a}.checklist lacks {item:?}: {list}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn next_recomputes_a_hand_corrected_report() {
    let mut r = report("mn-ppo-letter");
    // A person corrects the letter date; the computed deadline follows it.
    r["dates"]["letter_date"] = "2025-05-01".into();
    let out = overturn()
        .args(["next", "-", "--state", "ny", "--compact"])
        .write_stdin(r.to_string())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["dates"]["appeal_deadline"], "2025-10-28");
    assert_eq!(v["next_steps"][0]["due"], "2025-10-28");
    assert_eq!(v["member"]["state"], "NY");
    let cap = step(
        v["next_steps"].as_array().unwrap(),
        "contact_consumer_assistance",
    )
    .unwrap();
    assert!(
        cap["why"]
            .as_str()
            .unwrap()
            .contains("Community Health Advocates"),
        "{cap}"
    );
    // A corrected category changes the advice.
    let mut r2 = report("mn-ppo-letter");
    r2["denial"]["category"] = "referral".into();
    let out = overturn()
        .args(["next", "--compact"])
        .write_stdin(r2.to_string())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert!(step(v["next_steps"].as_array().unwrap(), "obtain_referral").is_some());
}

#[test]
fn next_rejects_what_is_not_a_report() {
    overturn()
        .arg("next")
        .write_stdin("{\"hello\": 1}")
        .assert()
        .code(1)
        .stdout("");
    overturn()
        .args(["next", "--state", "ZZ"])
        .write_stdin("{}")
        .assert()
        .code(2);
}

#[test]
fn appeal_letter_has_the_facts_and_placeholders_for_the_rest() {
    let input = fixture_input(&root().join("fixtures/mn-ppo-letter"));
    let out = overturn()
        .arg("appeal")
        .arg(&input)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let letter = String::from_utf8(out).unwrap();
    for want in [
        "Jordan A. Ellison",
        "Member ID: CMW884120573",
        "Claim or reference number: 25A0392217",
        "Date of service: 2025-03-02",
        "Provider: Puget Sound Imaging Center",
        "\"The service is not medically necessary because",
        "full and fair review",
        "letter of medical necessity",
        "copy of my complete claim file",
        "[YOUR ADDRESS]",
        "the deadline is 2025-10-11",
    ] {
        assert!(letter.contains(want), "letter lacks {want:?}:\n{letter}");
    }
    assert!(
        !letter.contains("Expedited review"),
        "a post-service denial is not urgent"
    );

    // A pre-service Medicare Advantage denial without a claim number: placeholder and urgency.
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("appeal.md");
    overturn()
        .args(["appeal", "--markdown", "-o"])
        .arg(&out_file)
        .arg(fixture_input(&root().join("fixtures/mn-ma-idn")))
        .assert()
        .success()
        .stdout("");
    let md = std::fs::read_to_string(&out_file).unwrap();
    for want in [
        "**Claim or reference number:** [CLAIM NUMBER]",
        "**Expedited review:**",
        "Request for an expedited reconsideration by the plan",
        "### Enclosed",
    ] {
        assert!(md.contains(want), "letter lacks {want:?}:\n{md}");
    }
}

#[test]
fn appeal_from_a_report_with_missing_facts_uses_placeholders() {
    let mut r = report("eligibility-portal");
    r["member"]["name"] = Value::Null;
    r["claim"]["service_date"] = Value::Null;
    let out = overturn()
        .args(["appeal", "-"])
        .write_stdin(r.to_string())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let letter = String::from_utf8(out).unwrap();
    assert!(letter.starts_with("[YOUR NAME]"), "{letter}");
    assert!(
        letter.contains("Date of service: [DATE OF SERVICE]"),
        "{letter}"
    );
    assert!(
        letter.contains("Claim or reference number: 2510-7731-0042"),
        "{letter}"
    );
}

/// Splits an .ics into unfolded content lines, checking the RFC 5545 line rules on the way.
fn ics_lines(ics: &str) -> Vec<String> {
    assert!(ics.ends_with("\r\n"), "CRLF line ends");
    let mut out: Vec<String> = Vec::new();
    for raw in ics.split("\r\n").filter(|l| !l.is_empty()) {
        assert!(raw.len() <= 75, "folded at 75 octets: {raw:?}");
        assert!(!raw.contains('\n'), "bare LF in {raw:?}");
        match raw.strip_prefix(' ') {
            Some(cont) => out.last_mut().unwrap().push_str(cont),
            None => out.push(raw.to_string()),
        }
    }
    out
}

#[test]
fn calendar_is_valid_icalendar_with_three_reminders_per_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let ics_path = dir.path().join("deadlines.ics");
    let inputs = ["mn-ppo-letter", "medicaid-appeal-decision", "paid-eob"]
        .map(|f| fixture_input(&root().join("fixtures").join(f)));
    overturn()
        .arg("calendar")
        .args(&inputs)
        .arg("-o")
        .arg(&ics_path)
        .assert()
        .success();
    let ics = std::fs::read_to_string(&ics_path).unwrap();

    // A parser reads it back.
    let unfolded = icalendar::parser::unfold(&ics);
    let parsed = icalendar::parser::read_calendar(&unfolded).expect("valid iCalendar");
    let events: Vec<_> = parsed
        .components
        .iter()
        .filter(|c| c.name == "VEVENT")
        .collect();
    assert_eq!(
        events.len(),
        2,
        "one deadline each for the two denials; the paid EOB has none"
    );
    for e in &events {
        let alarms: Vec<_> = e.components.iter().filter(|c| c.name == "VALARM").collect();
        assert_eq!(alarms.len(), 3);
        let triggers: Vec<String> = alarms
            .iter()
            .filter_map(|a| {
                a.properties
                    .iter()
                    .find(|p| p.name == "TRIGGER")
                    .map(|p| p.val.to_string())
            })
            .collect();
        // 14, 7 and 1 day before the start (written in seconds: -PT1209600S is -P14D).
        let want: Vec<String> = overturn::calendar::REMINDER_DAYS
            .iter()
            .map(|d| format!("-PT{}S", d * 86_400))
            .collect();
        assert_eq!(triggers, want);
        assert_eq!(overturn::calendar::REMINDER_DAYS, [14, 7, 1]);
        for required in ["UID", "DTSTAMP", "DTSTART", "SUMMARY"] {
            assert!(
                e.properties.iter().any(|p| p.name == required),
                "event lacks {required}"
            );
        }
    }
    let lines = ics_lines(&ics);
    assert!(
        lines.iter().any(|l| l == "DTSTART;VALUE=DATE:20251011"),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l == "DTSTART;VALUE=DATE:20260626"),
        "{lines:?}"
    );
    assert_eq!(lines.iter().filter(|l| *l == "BEGIN:VCALENDAR").count(), 1);
    assert!(lines.iter().any(|l| l.starts_with("VERSION:2.0")));
    assert!(lines.iter().any(|l| l.starts_with("PRODID:")));
}

#[test]
fn parse_writes_ics_alongside_the_json() {
    let dir = tempfile::tempdir().unwrap();
    let ics = dir.path().join("one.ics");
    overturn()
        .args(["parse", "--compact", "--ics"])
        .arg(&ics)
        .arg(fixture_input(&root().join("fixtures/mn-ma-idn")))
        .assert()
        .success();
    let text = std::fs::read_to_string(&ics).unwrap();
    assert!(text.contains("DTSTART;VALUE=DATE:20250813"), "{text}");
}
