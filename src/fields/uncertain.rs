//! Fields stage, OCR confidence: the finished report and the text's low-confidence words in;
//! the report out with each field read from such a word marked in its evidence (and its
//! confidence lowered), and an identifier OCR was unsure of replaced by a clear reading of
//! it printed elsewhere in the document.

use std::collections::HashMap;

use crate::report::Report;
use crate::text::Text;
use crate::values::key_of;

/// Highest confidence of a field read from a word OCR was unsure of.
const UNSURE_CONFIDENCE: f64 = 0.4;
/// Identifiers that are printed more than once in a letter (a header box, a reply slip, a
/// running header) and so may have a clearer reading elsewhere.
const IDENTIFIERS: &[&str] = &[
    "member.member_id",
    "member.group_number",
    "claim.claim_number",
    "claim.reference_number",
];

/// Fields whose value is a name from overturn's own vocabulary, not text read off the page.
const NAMED: &[&str] = &[
    "document_type",
    "payer.plan_type",
    "denial.category",
    "denial.reason_text",
];

/// Marks the fields read from uncertain words, after replacing an unsure identifier by a
/// clear reading of it.
pub fn mark(report: &mut Report, text: &Text) {
    if text.uncertain.is_empty() {
        return;
    }
    for key in IDENTIFIERS {
        clearest_reading(report, text, key);
    }
    let Ok(values) = serde_json::to_value(&*report) else {
        return;
    };
    let mut unsure = Vec::new();
    for (key, ev) in report.evidence.iter_mut() {
        // Values overturn names itself (a plan type, a category) are not read character by
        // character.
        if NAMED.contains(&key.as_str()) || key.starts_with("notice_check.") {
            continue;
        }
        let Some(value) = value_at(&values, key) else {
            continue;
        };
        let forms = forms_of(&value);
        let hit = text.uncertain.iter().any(|(page, word)| {
            *page == ev.page && ev.line.contains(word.as_str()) && overlaps(word, &forms)
        });
        if hit {
            ev.ocr_uncertain = true;
            ev.confidence = ev.confidence.min(UNSURE_CONFIDENCE);
            unsure.push(key.clone());
        }
    }
    if !unsure.is_empty() {
        report.warnings.push(format!(
            "OCR was unsure of characters in {}: check them against the page",
            unsure.join(", ")
        ));
    }
}

/// The value of a report field by its evidence key ("claim.claim_number"), as text.
fn value_at(report: &serde_json::Value, key: &str) -> Option<String> {
    let v = key.split('.').try_fold(report, |v, part| v.get(part))?;
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The ways a value may be printed, reduced to letters and digits: a date as the letter
/// prints it (month/day/year, with a two-digit year, or ISO), an amount with its cents.
fn forms_of(value: &str) -> Vec<String> {
    let mut forms = vec![key_of(value)];
    if let Some((y, rest)) = value.split_once('-')
        && let Some((m, d)) = rest.split_once('-')
        && y.len() == 4
    {
        forms.push(format!("{m}{d}{y}"));
        forms.push(format!("{m}{d}{}", y.get(2..).unwrap_or(y)));
    }
    if let Ok(amount) = value.parse::<f64>() {
        forms.push(format!("{:.0}", amount * 100.0));
    }
    forms
}

/// The word's letters and digits (two or more) are part of one of the value's forms, or the
/// value is part of the word.
fn overlaps(word: &str, forms: &[String]) -> bool {
    let w = key_of(word);
    w.chars().count() >= 2
        && forms
            .iter()
            .any(|f| f.contains(&w) || (f.chars().count() >= 2 && w.contains(f.as_str())))
}

/// Replaces an identifier OCR was unsure of by the reading of it printed elsewhere in the
/// document with full confidence: a token of the same length that differs in at most two
/// characters (OCR's confusions), the most frequent if several.
fn clearest_reading(report: &mut Report, text: &Text, key: &str) {
    let Some(ev) = report.evidence.get(key) else {
        return;
    };
    let current = match key {
        "member.member_id" => report.member.member_id.clone(),
        "member.group_number" => report.member.group_number.clone(),
        "claim.claim_number" => report.claim.claim_number.clone(),
        "claim.reference_number" => report.claim.reference_number.clone(),
        _ => None,
    };
    let Some(current) = current else {
        return;
    };
    let page = ev.page;
    let unsure_words: Vec<&str> = text
        .uncertain
        .iter()
        .filter(|(p, _)| *p == page)
        .map(|(_, w)| w.as_str())
        .collect();
    let unsure = unsure_words
        .iter()
        .any(|w| ev.line.contains(w) && overlaps(w, &[key_of(&current)]));
    // Only a value printed as one token can be compared token by token.
    if !unsure || current.contains(' ') {
        return;
    }
    let all_unsure: Vec<&str> = text.uncertain.iter().map(|(_, w)| w.as_str()).collect();
    // Another field's value is not a reading of this one. (Another claim's number may be:
    // the misreading itself listed as a claim; neighbouring claim numbers are not confusable.)
    let others: Vec<String> = report
        .member
        .member_id
        .clone()
        .into_iter()
        .chain(report.member.group_number.clone())
        .chain(report.claim.reference_number.clone())
        .chain(report.claim.claim_number.clone())
        .filter(|v| *v != current)
        .collect();
    let mut seen: HashMap<String, (usize, u32, String)> = HashMap::new();
    for p in &text.pages {
        for line in &p.lines {
            for tok in line.split_whitespace() {
                let tok = tok.trim_matches(|c: char| !c.is_alphanumeric());
                if tok == current
                    || tok.chars().count() != current.chars().count()
                    || all_unsure.contains(&tok)
                    || others.iter().any(|o| o == tok)
                    || !confusable(tok, &current)
                    || !tok.chars().any(|c| c.is_ascii_digit())
                {
                    continue;
                }
                let e = seen
                    .entry(tok.to_string())
                    .or_insert((0, p.number, line.clone()));
                e.0 += 1;
            }
        }
    }
    let Some((clear, (_, page, line))) = seen.into_iter().max_by(|a, b| {
        a.1.0.cmp(&b.1.0).then_with(|| b.0.cmp(&a.0)) // most frequent; ties: the smaller
    }) else {
        return;
    };
    match key {
        "member.member_id" => report.member.member_id = Some(clear.clone()),
        "member.group_number" => report.member.group_number = Some(clear.clone()),
        "claim.claim_number" => {
            for c in report.claims.iter_mut() {
                if c.claim_number.as_deref() == Some(current.as_str()) {
                    c.claim_number = Some(clear.clone());
                }
            }
            // The two readings listed as two claims are one: a later entry with nothing of
            // its own (no service lines, no amounts) goes.
            let mut seen_clear = false;
            report.claims.retain(|c| {
                if c.claim_number.as_deref() != Some(clear.as_str()) {
                    return true;
                }
                let empty = c.lines.is_empty() && c.billed_amount.is_none();
                let keep = !seen_clear || !empty;
                seen_clear = true;
                keep
            });
            report.claim.claim_number = Some(clear.clone());
        }
        "claim.reference_number" => report.claim.reference_number = Some(clear.clone()),
        _ => return,
    }
    if let Some(ev) = report.evidence.get_mut(key) {
        ev.page = page;
        ev.line = line;
    }
    report.warnings.push(format!(
        "{key}: OCR was unsure of one reading; taken from a clearer one elsewhere in the document"
    ));
}

/// Two readings of one printed identifier: the same length, at most two characters apart,
/// each pair of differing characters one that OCR confuses (8 and 6, 0 and O, 1 and l...).
/// Neighbouring numbers (4418 and 4419) are not confused.
fn confusable(a: &str, b: &str) -> bool {
    const GROUPS: &[&str] = &["0OoDQ", "1lIi7|", "5Ss", "8B36", "2Zz", "6Gb", "9gq", "4A"];
    let pairs: Vec<(char, char)> = a.chars().zip(b.chars()).filter(|(x, y)| x != y).collect();
    a.chars().count() == b.chars().count()
        && (1..=2).contains(&pairs.len())
        && pairs
            .iter()
            .all(|(x, y)| GROUPS.iter().any(|g| g.contains(*x) && g.contains(*y)))
}

#[cfg(test)]
mod tests {
    use crate::report::{Report, Source};
    use crate::rules::Rules;
    use crate::text::{Method, Text};

    const LETTER: &str = "Acme Health Plan\nMay 4, 2026\nMember ID: XKQ4471902\nClaim number: 2026A81734\nDear Pat Lee,\nWe denied your claim for services on 04/01/2026. The amount billed was $1,286.00.\nThis service is not covered by your plan.\nReply slip - Member ID XKQ4471902 - Claim 2026A61734";

    fn report(uncertain: &[&str]) -> Report {
        let mut t = Text::new(
            Method::PlainText,
            vec![LETTER.lines().map(String::from).collect()],
            vec![],
        );
        t.uncertain = uncertain.iter().map(|w| (1, w.to_string())).collect();
        let source = Source {
            path: "-".into(),
            sha256: String::new(),
            media_type: "text/plain".into(),
            pages: 1,
        };
        crate::analyze(&t, source, Rules::bundled().unwrap())
    }

    #[test]
    fn a_field_read_from_an_unsure_word_says_so() {
        let r = report(&["$1,286.00"]);
        let ev = &r.evidence["claim.billed_amount"];
        assert!(ev.ocr_uncertain);
        assert!(ev.confidence <= 0.4);
        assert!(!r.evidence["member.member_id"].ocr_uncertain);
        assert!(r.warnings.iter().any(|w| w.contains("claim.billed_amount")));
        // Nothing unsure: nothing marked, nothing written.
        let r = report(&[]);
        assert!(r.evidence.values().all(|e| !e.ocr_uncertain));
        let json = serde_json::to_string(&r).unwrap();
        assert!(!json.contains("ocr_uncertain"));
    }

    #[test]
    fn an_unsure_identifier_takes_its_clear_reading_from_elsewhere() {
        // The header's claim number was read unsure; the reply slip prints it clearly with one
        // character different (OCR's 8 for 6).
        let r = report(&["2026A81734"]);
        assert_eq!(r.claim.claim_number.as_deref(), Some("2026A61734"));
        assert!(r.evidence["claim.claim_number"].line.contains("Reply slip"));
        assert!(
            r.warnings
                .iter()
                .any(|w| w.starts_with("claim.claim_number"))
        );
        // A neighbouring number is another claim, not a reading of this one.
        assert!(!super::confusable("E2606104418", "E2606104419"));
        assert!(super::confusable("E26O6104418", "E2606104418"));
        // A sure reading is kept as read.
        let r = report(&[]);
        assert_eq!(r.claim.claim_number.as_deref(), Some("2026A81734"));
    }
}
