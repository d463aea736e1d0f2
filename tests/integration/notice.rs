//! The notice check's table (`tests/data/notice.toml`): complete notices of every program
//! pass with nothing missing, each notice with one element removed is flagged with that
//! element and its rule, late decisions are reported with their numbers, and documents the
//! check does not apply to get none. Every failing case is reported at once.

use serde::Deserialize;
use serde_json::Value;

use crate::util::{fixture_input, root};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    notice: Vec<Notice>,
    removal: Vec<Removal>,
    late: Vec<Late>,
    unchecked: Vec<Unchecked>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Notice {
    name: String,
    program: String,
    stage: String,
    text: String,
    checked: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Removal {
    notice: String,
    remove: Vec<String>,
    missing: String,
    rule: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Late {
    name: String,
    notice: String,
    replace: Vec<[String; 2]>,
    #[serde(default)]
    late: Option<bool>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    days: Option<i64>,
    #[serde(default)]
    late_even_with_extension: Option<bool>,
    #[serde(default)]
    late_rule: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Unchecked {
    fixture: String,
}

fn table() -> Table {
    let s = std::fs::read_to_string(root().join("tests/data/notice.toml")).expect("table");
    toml::from_str(&s).expect("the table parses")
}

fn check_of(text: &str) -> Value {
    let report = overturn::parse_bytes("notice.txt", text.as_bytes().to_vec()).expect("parses");
    serde_json::to_value(&report).expect("serialises")["notice_check"].clone()
}

fn names(v: &Value, key: &str, field: Option<&str>) -> Vec<String> {
    v[key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| match field {
                    Some(f) => x[f].as_str(),
                    None => x.as_str(),
                })
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The notice without the lines that contain any of `remove`.
fn without(text: &str, remove: &[String]) -> String {
    text.lines()
        .filter(|l| !remove.iter().any(|x| l.contains(x.as_str())))
        .map(|l| format!("{l}\n"))
        .collect()
}

fn no_failures(fails: &[String]) {
    assert!(
        fails.is_empty(),
        "{} failures:\n{}",
        fails.len(),
        fails.join("\n")
    );
}

fn notice<'a>(t: &'a Table, name: &str) -> &'a Notice {
    t.notice
        .iter()
        .find(|n| n.name == name)
        .unwrap_or_else(|| panic!("no notice {name}"))
}

#[test]
fn complete_notices_pass_and_removed_elements_are_flagged() {
    let t = table();
    let mut fails = Vec::new();
    for n in &t.notice {
        let c = check_of(&n.text);
        if c["program"] != n.program.as_str() || c["stage"] != n.stage.as_str() {
            fails.push(format!(
                "{}: checked as {} {}",
                n.name, c["program"], c["stage"]
            ));
        }
        let missing = names(&c, "missing", Some("element"));
        if !missing.is_empty() {
            fails.push(format!("{}: complete notice flagged {missing:?}", n.name));
        }
        if names(&c, "checked", None) != n.checked {
            fails.push(format!(
                "{}: checked {:?}, want {:?}",
                n.name,
                names(&c, "checked", None),
                n.checked
            ));
        }
        if !c["late_decision"].is_null() {
            fails.push(format!("{}: on time, reported late", n.name));
        }
    }
    for r in &t.removal {
        let base = notice(&t, &r.notice);
        let text = without(&base.text, &r.remove);
        assert_ne!(
            text.len(),
            base.text.len(),
            "{}: {:?} removes nothing",
            r.notice,
            r.remove
        );
        let c = check_of(&text);
        let missing: Vec<(String, String)> = c["missing"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|m| {
                        (
                            m["element"].as_str().unwrap_or("").to_string(),
                            m["rule"].as_str().unwrap_or("").to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        if missing != [(r.missing.clone(), r.rule.clone())] {
            fails.push(format!(
                "{} without {:?}: missing {missing:?}, want [{} {}]",
                r.notice, r.remove, r.missing, r.rule
            ));
        }
        // The argument cites the rule and the evidence says what was looked for.
        if let Some(m) = c["missing"].get(0)
            && (!m["argument"].as_str().unwrap_or("").contains(&r.rule)
                || m["looked_for"].as_str().unwrap_or("").is_empty())
        {
            fails.push(format!("{} without {:?}: argument {m}", r.notice, r.remove));
        }
    }
    no_failures(&fails);
}

#[test]
fn late_decisions_are_reported_with_their_numbers() {
    let t = table();
    let mut fails = Vec::new();
    for l in &t.late {
        let mut text = notice(&t, &l.notice).text.clone();
        for [from, to] in &l.replace {
            assert!(text.contains(from.as_str()), "{}: no {from:?}", l.name);
            text = text.replace(from.as_str(), to);
        }
        let c = check_of(&text);
        let got = &c["late_decision"];
        if l.late == Some(false) {
            if !got.is_null() {
                fails.push(format!("{}: reported late {got}", l.name));
            }
            continue;
        }
        let want_kind = l.kind.as_deref().unwrap_or("");
        if got["kind"] != want_kind
            || got["days"].as_i64() != l.days
            || got["late_even_with_extension"].as_bool() != l.late_even_with_extension
            || got["rule"].as_str() != l.late_rule.as_deref()
        {
            fails.push(format!("{}: got {got}", l.name));
        }
    }
    no_failures(&fails);
}

#[test]
fn documents_that_are_not_denial_notices_are_not_checked() {
    for u in table().unchecked {
        let input = fixture_input(&root().join("fixtures").join(&u.fixture));
        let report = overturn::parse(&overturn::ingest::Input::Path(input)).expect("parses");
        assert!(
            report.notice_check.is_none(),
            "{}: {:?}",
            u.fixture,
            report.notice_check
        );
    }
}

#[test]
fn defects_become_arguments_in_the_next_steps_and_the_appeal_letter() {
    let t = table();
    let base = notice(&t, "employer_initial");
    let text = without(&base.text, &["Summary Plan Description".to_string()]);
    let report = overturn::parse_bytes("notice.txt", text.into_bytes()).expect("parses");
    let step = report
        .next_steps
        .iter()
        .find(|s| s.action == overturn::report::Action::CiteNoticeDefects)
        .expect("a step citing the defect");
    assert!(
        step.checklist
            .iter()
            .any(|c| c.contains("29 CFR 2560.503-1(g)(1)(ii)"))
    );
    assert!(step.why.contains("deemed exhaustion"), "{}", step.why);
    assert!(step.why.contains("not legal advice"), "{}", step.why);
    let rules = overturn::rules::Rules::bundled().expect("rules");
    let letter = overturn::appeal::draft(&report, rules, overturn::appeal::Format::Text);
    assert!(
        letter.contains("which plan provision it relies on, as 29 CFR 2560.503-1(g)(1)(ii)"),
        "{letter}"
    );
    // A complete notice gets no such step, and its letter no such paragraph.
    let report =
        overturn::parse_bytes("notice.txt", base.text.clone().into_bytes()).expect("parses");
    assert!(
        !report
            .next_steps
            .iter()
            .any(|s| s.action == overturn::report::Action::CiteNoticeDefects)
    );
    let letter = overturn::appeal::draft(&report, rules, overturn::appeal::Format::Text);
    assert!(
        !letter.contains("does not meet the requirements"),
        "{letter}"
    );
}

/// The element patterns are mostly English: a part a Spanish notice seems to lack is not
/// reported as missing (no argument built on it), but as not checked, with the reason.
#[test]
fn what_a_spanish_notice_seems_to_lack_is_not_checked_rather_than_missing() {
    let t = table();
    let n = notice(&t, "medicaid_plan_reduction_spanish");
    let c = check_of(&without(&n.text, &["audiencia imparcial".to_string()]));
    assert_eq!(names(&c, "missing", Some("element")), Vec::<String>::new());
    assert!(!names(&c, "checked", None).contains(&"fair_hearing".to_string()));
    let unchecked = c["not_checked"].as_array().expect("not_checked");
    assert!(
        unchecked.iter().any(|u| u["element"] == "fair_hearing"
            && u["reason"].as_str().unwrap_or("").contains("Spanish")),
        "{unchecked:?}"
    );
    // An English notice without the same part is still flagged.
    let en = notice(&t, "medicaid_plan_reduction");
    let c = check_of(&without(&en.text, &["State Fair Hearing".to_string()]));
    assert_eq!(names(&c, "missing", Some("element")), vec!["fair_hearing"]);
}
