//! Fields stage, every claim: the labelled candidates and claim-line tables in, one
//! [`ClaimEntry`] per claim out (EOBs, Medicare Summary Notices and remittances list several).
//!
//! A claim's block runs from the first line that names its number to the line that names the
//! next claim's. Inside it: the claim-line table (its header may be printed once above all
//! the claims), the labelled amounts, dates, provider and patient, and the codes.

use std::collections::HashMap;

use crate::report::{ClaimEntry, ClaimStatus, Code, CodeSystem, ServiceLine};
use crate::rules::{ColumnKind, FieldName, Rules};
use crate::text::{LineRef, Text};

use super::{Candidate, ClaimTable, DENIED_WORDS, PROCEDURE, Value, claim_table_between};

/// A claim read from its block, with what the headline needs.
#[derive(Debug, Clone)]
pub(super) struct Block {
    pub entry: ClaimEntry,
    /// Whether the status was read from the document (a table, a code, a word), not assumed.
    pub status_read: bool,
    /// Where the claim's number is first printed.
    pub at: LineRef,
    /// First service date of the denied lines (else of all lines), with its line.
    pub denied_date: Option<(jiff::civil::Date, LineRef)>,
    /// The patient named in the block (remittances list many patients).
    pub member_name: Option<(String, LineRef)>,
    /// The patient's ID named in the block.
    pub member_id: Option<(String, LineRef)>,
    /// Evidence line of the billed amount and patient responsibility.
    pub billed_at: Option<LineRef>,
    /// Evidence line of the patient responsibility.
    pub owed_at: Option<LineRef>,
}

static PENDING: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    crate::rules::constant(
        r"(?i)\b(pending|suspended|in process|under review|additional information (is )?(needed|required|requested))\b",
    )
});

fn key(id: &str) -> String {
    id.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase()
}

fn pos(r: LineRef) -> (u32, usize) {
    (r.page, r.line)
}

/// Reads every claim. `not_claims` are identifiers that are something else (the member ID,
/// the reference number).
pub(super) fn blocks(
    text: &Text,
    rules: &Rules,
    cands: &HashMap<FieldName, Vec<Candidate>>,
    not_claims: &[&str],
) -> Vec<Block> {
    let skip: Vec<String> = not_claims.iter().map(|s| key(s)).collect();
    // The first line that names each distinct claim number, in document order.
    let mut starts: Vec<(String, LineRef)> = Vec::new();
    let mut numbers: Vec<&Candidate> = cands
        .get(&FieldName::ClaimNumber)
        .map(|v| v.iter().collect())
        .unwrap_or_default();
    numbers.sort_by_key(|c| pos(c.at));
    for c in numbers {
        let Value::Str(s) = &c.value else { continue };
        let k = key(s);
        if k.is_empty() || skip.contains(&k) || starts.iter().any(|(n, _)| key(n) == k) {
            continue;
        }
        starts.push((s.clone(), c.at));
    }
    let Some(last) = text.pages.last() else {
        return Vec::new();
    };
    let doc_end = LineRef {
        page: last.number,
        line: last.lines.len(),
    };
    let mut out = Vec::new();
    for (i, (number, at)) in starts.iter().enumerate() {
        let end = starts.get(i + 1).map(|(_, a)| *a).unwrap_or(doc_end);
        out.push(block(text, rules, cands, number, *at, end));
    }
    out
}

fn block(
    text: &Text,
    rules: &Rules,
    cands: &HashMap<FieldName, Vec<Candidate>>,
    number: &str,
    start: LineRef,
    end: LineRef,
) -> Block {
    let inside = |r: LineRef| pos(r) >= pos(start) && pos(r) < pos(end);
    let in_block = |name: FieldName| -> Vec<&Candidate> {
        cands
            .get(&name)
            .map(|v| v.iter().filter(|c| inside(c.at)).collect())
            .unwrap_or_default()
    };
    let str_of = |c: &Candidate| match &c.value {
        Value::Str(s) => Some((s.clone(), c.at)),
        _ => None,
    };
    let amount_of = |name: FieldName| -> Option<(f64, LineRef)> {
        let v = in_block(name);
        let c = v.iter().find(|c| c.total).or(v.first())?;
        match c.value {
            Value::Amount(a) => Some((a, c.at)),
            _ => None,
        }
    };
    let table = claim_table_between(text, rules, start, end);
    let block_lines: Vec<&str> = text
        .lines()
        .filter(|(r, _)| inside(*r))
        .map(|(_, l)| l)
        .collect();
    let codes = codes_in(&block_lines.join("\n"), rules);

    let from_table = |k: ColumnKind| table.as_ref().and_then(|t| t.amounts.get(&k).copied());
    // A labelled total beats the table; the table beats another labelled amount.
    let labelled_total = |name: FieldName| {
        in_block(name)
            .into_iter()
            .find(|c| c.total)
            .and_then(|c| match c.value {
                Value::Amount(a) => Some((a, c.at)),
                _ => None,
            })
    };
    let billed = labelled_total(FieldName::BilledAmount)
        .or(from_table(ColumnKind::Billed))
        .or_else(|| amount_of(FieldName::BilledAmount));
    let owed = labelled_total(FieldName::PatientResponsibility)
        .or(from_table(ColumnKind::Owed))
        .or_else(|| amount_of(FieldName::PatientResponsibility));

    let (status, status_read) = status_of(table.as_ref(), &block_lines, &codes);
    let labelled_date = in_block(FieldName::ServiceDate)
        .first()
        .and_then(|c| match c.value {
            Value::Date(d) => Some((d, c.at)),
            _ => None,
        });
    let denied_date = table
        .as_ref()
        .and_then(|t| t.service_date)
        .or(labelled_date);
    let first_date = table
        .as_ref()
        .and_then(|t| t.lines.iter().filter_map(|l| l.date).min())
        .or(labelled_date.map(|(d, _)| d));
    let lines = table
        .as_ref()
        .map(|t| t.lines.iter().map(|r| service_line(r, rules)).collect())
        .unwrap_or_default();
    Block {
        entry: ClaimEntry {
            claim_number: Some(number.to_string()),
            provider: in_block(FieldName::Provider)
                .first()
                .and_then(|c| str_of(c))
                .map(|(s, _)| super::without_network_note(s)),
            service_date: first_date.map(|d| d.to_string()),
            billed_amount: billed.map(|(a, _)| a),
            allowed_amount: from_table(ColumnKind::Allowed).map(|(a, _)| a),
            paid_amount: from_table(ColumnKind::Paid).map(|(a, _)| a),
            patient_responsibility: owed.map(|(a, _)| a),
            status,
            codes,
            lines,
        },
        status_read,
        at: start,
        denied_date,
        member_name: in_block(FieldName::MemberName)
            .first()
            .and_then(|c| str_of(c)),
        member_id: in_block(FieldName::MemberId)
            .first()
            .and_then(|c| str_of(c)),
        billed_at: billed.map(|(_, r)| r),
        owed_at: owed.map(|(_, r)| r),
    }
}

/// The claim's status: from its table's lines when it has one, else from its words and codes.
fn status_of(table: Option<&ClaimTable>, lines: &[&str], codes: &[Code]) -> (ClaimStatus, bool) {
    if let Some(t) = table.filter(|t| !t.lines.is_empty()) {
        let denied = t.lines.iter().filter(|l| l.denied).count();
        return match denied {
            0 => (ClaimStatus::Paid, true),
            n if n == t.lines.len() => (ClaimStatus::Denied, true),
            _ => (ClaimStatus::PartlyDenied, true),
        };
    }
    let words = lines.join(" ");
    let denial_code = codes
        .iter()
        .any(|c| c.system == CodeSystem::Carc && c.description.is_some());
    if DENIED_WORDS.is_match(&words) || denial_code {
        (ClaimStatus::Denied, true)
    } else if PENDING.is_match(&words) {
        (ClaimStatus::Pending, true)
    } else {
        (ClaimStatus::Paid, false)
    }
}

/// CARC codes with their group (`CO-197`) in a block; a code is kept with its description
/// only when it is a denial (cost sharing and contractual write-offs carry none).
fn codes_in(s: &str, rules: &Rules) -> Vec<Code> {
    let mut out: Vec<Code> = Vec::new();
    for c in crate::classify::GROUP_CODE.captures_iter(s) {
        let (Some(g), Some(code), Some(m)) = (c.get(1), c.get(2), c.get(0)) else {
            continue;
        };
        if crate::classify::inside_identifier(s, m.start(), m.end()) {
            continue;
        }
        let entry = rules.carc.get(code.as_str());
        let code = Code {
            system: CodeSystem::Carc,
            group: Some(g.as_str().to_string()),
            code: code.as_str().to_string(),
            description: entry
                .filter(|e| e.category.is_some())
                .map(|e| e.description.clone()),
        };
        if !out.iter().any(|o| o.label() == code.label()) {
            out.push(code);
        }
    }
    out
}

fn service_line(r: &super::TableRow, rules: &Rules) -> ServiceLine {
    let amount = |k: ColumnKind| r.amounts.iter().find(|(kk, _)| *kk == k).map(|(_, a)| *a);
    let mut description = r.text.clone();
    for a in crate::values::find_amounts(&r.text).iter().rev() {
        description.replace_range(a.start..a.end, "");
    }
    let description = description.split_whitespace().collect::<Vec<_>>().join(" ");
    ServiceLine {
        service_date: r.date.map(|d| d.to_string()),
        procedure_code: PROCEDURE
            .captures(&r.text)
            .and_then(|c| c.get(1))
            .map(|m| m.as_str().to_string()),
        description: (!description.is_empty()).then_some(description),
        billed_amount: amount(ColumnKind::Billed),
        allowed_amount: amount(ColumnKind::Allowed),
        paid_amount: amount(ColumnKind::Paid),
        patient_responsibility: amount(ColumnKind::Owed),
        denied: r.denied,
        codes: codes_in(&r.text, rules),
    }
}

#[cfg(test)]
mod tests {
    use crate::report::ClaimStatus;
    use crate::rules::Rules;
    use crate::text::{Method, Text};

    fn doc(s: &str) -> Text {
        Text::new(
            Method::PlainText,
            vec![s.lines().map(str::to_string).collect()],
            Vec::new(),
        )
    }

    // An EOB whose header is printed once, above claims that each start with their number:
    // the headline is the denied claim, with its own total, date and patient share.
    #[test]
    fn the_headline_is_the_first_denied_claim() {
        let rules = Rules::bundled().unwrap();
        let t = doc("Harbor Ridge Health Plan\n\
             Explanation of Benefits    Statement date: 05/04/2026\n\
             Member: Tomas R. Lindqvist    Member ID: HRH55102938\n\
             Date of service   Service   Amount billed   Plan paid   You owe   Code\n\
             Claim number: 7731-0001   Provider: Alder Street Clinic\n\
             04/02/2026   Office visit   $180.00   $140.00   $40.00   PR-3\n\
             Claim total   $180.00   $140.00   $40.00\n\
             Claim number: 7731-0002   Provider: Bayview Imaging\n\
             04/09/2026   CT abdomen   $1,250.00   $0.00   $0.00   CO-197\n\
             04/09/2026   Contrast   $95.00   $0.00   $0.00   CO-197\n\
             Claim total   $1,345.00   $0.00   $0.00\n");
        let f = super::super::extract(&t, rules);
        let numbers: Vec<_> = f.claims.iter().map(|c| c.claim_number.clone()).collect();
        assert_eq!(
            numbers,
            [Some("7731-0001".to_string()), Some("7731-0002".to_string())]
        );
        assert_eq!(f.claims[0].status, ClaimStatus::Paid);
        assert_eq!(f.claims[1].status, ClaimStatus::Denied);
        assert_eq!(f.claims[1].lines.len(), 2);
        assert_eq!(f.claim_number.as_deref(), Some("7731-0002"));
        assert_eq!(f.billed_amount, Some(1345.0));
        assert_eq!(f.patient_responsibility, Some(0.0));
        assert_eq!(
            f.service_date.map(|d| d.to_string()).as_deref(),
            Some("2026-04-09")
        );
        assert_eq!(f.provider.as_deref(), Some("Bayview Imaging"));
    }

    // A pre-service letter: the authorization number is a reference, not a claim.
    #[test]
    fn an_authorization_number_is_a_reference_not_a_claim() {
        let rules = Rules::bundled().unwrap();
        let t = doc("Authorization request number: UMX-44190\n\
             We denied your request for a knee MRI.");
        let f = super::super::extract(&t, rules);
        assert_eq!(f.claim_number, None);
        assert_eq!(f.reference_number.as_deref(), Some("UMX-44190"));
        assert!(f.claims.is_empty());
    }
}
