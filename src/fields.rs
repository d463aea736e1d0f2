//! Stage 4, extract fields: [`Text`], its [`Layout`] and [`Rules`] in, [`Fields`] out: payer, member, claim
//! identifiers, dates, amounts and codes, each with the line it came from.
//!
//! Values are read after the labels in `rules/fields.toml` (same line, next line, or a table
//! header above a row of values), and from claim-line tables whose column headers are listed
//! there too. Nothing is guessed: a field without a label or table cell stays empty.
// Byte-index slicing of text panics off a character boundary: each slice here is proven
// on one (an `allow` with the reason) or made with `get`.
#![deny(clippy::string_slice)]

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use jiff::civil::Date;
use regex::Regex;

pub(crate) mod claims;
pub(crate) mod uncertain;

use crate::layout::Layout;
use crate::report::Evidence;
use crate::rules::{ColumnKind, FieldName, Rules, ValueKind};
use crate::text::{LineRef, Method, Text};
use crate::values;

/// The fields read from a document.
#[derive(Debug, Clone, Default)]
pub struct Fields {
    /// `payer.name`.
    pub payer_name: Option<String>,
    /// `payer.phone`.
    pub payer_phone: Option<String>,
    /// `member.name`.
    pub member_name: Option<String>,
    /// `member.member_id`.
    pub member_id: Option<String>,
    /// `member.group_number`.
    pub group_number: Option<String>,
    /// `claim.claim_number`.
    pub claim_number: Option<String>,
    /// `claim.reference_number`.
    pub reference_number: Option<String>,
    /// `claim.service_date`.
    pub service_date: Option<Date>,
    /// `claim.provider`.
    pub provider: Option<String>,
    /// `claim.billed_amount`.
    pub billed_amount: Option<f64>,
    /// `claim.patient_responsibility`.
    pub patient_responsibility: Option<f64>,
    /// `claim.procedure_codes`.
    pub procedure_codes: Vec<String>,
    /// `claim.diagnosis_codes`.
    pub diagnosis_codes: Vec<String>,
    /// `dates.letter_date`.
    pub letter_date: Option<Date>,
    /// `member.state`.
    pub state: Option<String>,
    /// Every claim of the document, in order; the headline (`claim_number` ...) is the
    /// first one denied in whole or in part.
    pub claims: Vec<crate::report::ClaimEntry>,
    /// Per claim: whether its status was read from the document rather than assumed.
    pub claim_status_read: Vec<bool>,
    /// Evidence per JSON path.
    pub evidence: Vec<(String, Evidence)>,
}

/// A value read for a field, with where and how it was read.
#[derive(Debug, Clone)]
struct Candidate {
    value: Value,
    at: LineRef,
    confidence: f64,
    /// The label said "total" (for amounts).
    total: bool,
    /// The label stands inside a sentence ("... met with claim X", "(claim X)"): another
    /// claim the document refers to, not one it lists.
    reference: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Value {
    Str(String),
    Date(Date),
    Amount(f64),
}

use crate::rules::constant as re;

static PROCEDURE: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(\d{4}[0-9FTU]|[A-V]\d{4})(?:-[0-9A-Z]{2})?\b"));
static DIAGNOSIS: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b([A-TV-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?)\b"));
// A code alone in parentheses after a service's description: "dental crowns (D2740)".
static PAREN_PROCEDURE: LazyLock<Regex> =
    LazyLock::new(|| re(r"\((?:CPT |HCPCS |code )?(\d{4}[0-9FTU]|[A-V]\d{4})\)"));
static PROCEDURE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)\b(CPT|HCPCS|procedure( codes?)?|service codes?|proc(\.|edure)? code|billing code)\b")
});
static DIAGNOSIS_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)\b(diagnos[ie]s( codes?)?|ICD-?(10)?(-CM)?( codes?)?|dx( codes?)?)\b")
});
// "/ Numero de miembro:" after a label: the same label in a second language.
// Without a colon, one to three words before the value ("Group / Grupo 77031-B" in a
// two-cell row); the value must then hold a figure. Not in `PATTERNS`: compiled on first
// need, behind a test for the slash.
static TRANSLATED_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^/ ?[^\d/:]{2,40}?(:|#)|^/ ?\p{L}[\p{L}.\x{ba}]*( \p{L}[\p{L}.\x{ba}]*){0,2} (\S*\d)")
});
static ORG_WORD: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(health|insur|plan\b|care|medic|assur|benefit|mutual|blue|\bhmo\b|\bppo\b|administrators|\blife\b|shield|\bcross\b|casualty|indemnity|\bgroup\b|wellness|\bfamily\b|community|dental|vision|\brx\b|\bpdp\b|pharmac|prescription|\bscripts\b)",
    )
});
static NOT_LETTERHEAD: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(explanation of|notice of|notice for|summary notice|this is not a bill|important|page \d|date|re:|dear|member id|number|claims?|p\.?o\.? box|suite|street|avenue|\bst\.|\bave\b|road|drive|boulevard|attn|www\.|\.com|\.org|\.gov|department|unit|(member|customer|provider|participant) services|management|review|division|office|center|a medicaid|a medicare|offered by)\b|\d{5}|\d{3}-\d{4}",
    )
});
// A state agency names itself as a department ("Department of Health Services", "Human
// Services Department"): on a state's own notice that is the payer, though "department" is
// otherwise no letterhead ("Claims Department").
static STATE_AGENCY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(department|division|office|agency|bureau|cabinet|executive office) (of|for) ([a-z,&]+ ){0,4}(health|human|social|family|medical|medicaid|welfare|children|aging)\b|^([a-z]+ ){0,3}(health|human|social) services department\b",
    )
});
// A jurisdiction alone ("STATE OF", "STATE OF WYOMING", a seal's words) is not the sender.
static JURISDICTION: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)^(the )?(state|commonwealth|district|territory) of( [a-z]+){0,2}$|^(state )?seal$")
});
// A slogan under a logo ("Here when you need us", "Our members come first."), not a name.
static TAGLINE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\b(your|our|we|you|since|su|sus|tu|nuestro|nuestra)\b|\.\s|[.!]$"));
// Titles printed large at the top of a letter, never the sender's name.
static DOC_TITLE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(determination|request for|decision|denial|approval|reconsideration|redetermination|appeal|grievance|important|attention|confidential)\b",
    )
});
static FAX_OR_MEMO: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)\b(to|from|fax|re|subject|sent|attn)\s?:|\bfax\b|\btransmittal\b|\bcover sheet\b")
});
// A label that ends in a preposition reads as part of a sentence ("your visit to", "provided
// by", "notice for"): its value needs no colon.
static PHRASE_LABEL: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\b(to|with|at|by|for|from|on)$"));
// A heading in capitals ("PROVIDER REMITTANCE ADVICE") is not a label and its value.
fn is_heading(line: &str) -> bool {
    let letters: Vec<char> = line.chars().filter(|c| c.is_alphabetic()).collect();
    letters.len() >= 6 && letters.iter().all(|c| c.is_uppercase()) && !line.contains(':')
}
static STREET: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^(\d+[A-Z]? [A-Za-z0-9 .'-]+|p\.?\s?o\.? box \d+)"));
static CITY_STATE_ZIP: LazyLock<Regex> =
    LazyLock::new(|| re(r"[A-Za-z .'-]+,? (?P<st>[A-Z]{2}),? \d{5}(-\d{4})?\b"));
// Words of document titles, never a provider's or payer's name.
static TITLE_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(remittance|advice|explanation|statement|summary|notice|portal|directory|message center|this is not a bill)\b",
    )
});
static OWED_WORD: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)\b(responsibility|you owe|owes|you pay|patient pays|may be billed)\b")
});
static TOTAL: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\btotals?\b|\bclaim total\b|\bsubtotal\b"));
static LETTER_DATE_NOT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(birth|dob|born|service|services|received|receipt|effective|through|thru|from|period|due|paid|admission|admitted|discharge|plan year|coverage|expires?|valid|until|visit|appointment|filed|submitted|injury|accident|incident|loss)\b",
    )
});
static DENIED_WORDS: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\b(denied|rejected|no payment)\b"));

/// Reads the fields of a document.
pub fn extract(text: &Text, layout: &Layout, rules: &Rules) -> Fields {
    let mut cands: HashMap<FieldName, Vec<Candidate>> = HashMap::new();
    labelled(text, rules, &mut cands);
    under_labels(text, layout, rules, &mut cands);
    // Page numbers, running headers and footers, language taglines: no field is read there
    // while the document gives it anywhere else (a footer that alone names the member's ID
    // is still read, with less confidence).
    for v in cands.values_mut() {
        if v.iter().any(|c| !layout.is_furniture(c.at)) {
            v.retain(|c| !layout.is_furniture(c.at));
        } else {
            for c in v.iter_mut() {
                c.confidence = c.confidence.min(0.5);
            }
        }
    }
    // A number the letter gives for someone else (the state's insurance department, an
    // ombudsman, a consumer advocate) is not the payer's, while the payer's own is given.
    if let Some(v) = cands.get_mut(&FieldName::PayerPhone) {
        let own = |c: &Candidate| !others_number(text, c);
        if v.iter().any(own) {
            v.retain(own);
        }
    }
    // "Small Group" or "Medical Group" ending the cell before a value names a product or a
    // practice; the word labels nothing there.
    if let Some(v) = cands.get_mut(&FieldName::GroupNumber) {
        v.retain(|c| !group_ends_a_name(text, c));
    }
    let table = claim_table(text, rules);

    let mut f = Fields::default();
    let mut ev: Vec<(String, Evidence)> = Vec::new();
    let take_str =
        |name: FieldName, path: &str, ev: &mut Vec<(String, Evidence)>| -> Option<String> {
            let c = cands.get(&name)?.first()?;
            ev.push((path.to_string(), evidence(text, c)));
            match &c.value {
                Value::Str(s) => Some(s.clone()),
                _ => None,
            }
        };
    // OCR confuses O/0, I/1, S/5, B/8: identifiers read by OCR get their digits back.
    let ocr_pages: Vec<u32> = text.ocr_confidence.iter().map(|(p, _)| *p).collect();
    let repair = |v: Option<String>, path: &str, ev: &[(String, Evidence)]| -> Option<String> {
        let on_ocr_page = ev
            .iter()
            .any(|(p, e)| p == path && ocr_pages.contains(&e.page));
        v.map(|s| {
            if on_ocr_page {
                values::repair_ocr_digits(&s)
            } else {
                s
            }
        })
    };
    f.claim_number = take_str(FieldName::ClaimNumber, "claim.claim_number", &mut ev);
    f.claim_number = repair(f.claim_number.take(), "claim.claim_number", &ev);
    f.reference_number = take_str(
        FieldName::ReferenceNumber,
        "claim.reference_number",
        &mut ev,
    );
    f.reference_number = repair(f.reference_number.take(), "claim.reference_number", &ev);
    if f.reference_number.is_some() && f.reference_number == f.claim_number {
        f.reference_number = None;
        ev.retain(|(p, _)| p != "claim.reference_number");
    }
    f.member_id = take_str(FieldName::MemberId, "member.member_id", &mut ev);
    f.member_id = repair(f.member_id.take(), "member.member_id", &ev);
    f.group_number = take_str(FieldName::GroupNumber, "member.group_number", &mut ev);
    f.group_number = repair(f.group_number.take(), "member.group_number", &ev);
    f.member_name = take_str(FieldName::MemberName, "member.name", &mut ev);
    f.provider = take_str(FieldName::Provider, "claim.provider", &mut ev).map(without_network_note);
    f.payer_phone = take_str(FieldName::PayerPhone, "payer.phone", &mut ev);
    f.payer_name = take_str(FieldName::PayerName, "payer.name", &mut ev);
    // Same value for member ID and claim number means one label was misread: keep the claim.
    if f.member_id.is_some() && f.member_id == f.claim_number {
        f.member_id = None;
        ev.retain(|(p, _)| p != "member.member_id");
    }
    if f.payer_phone.is_none()
        && let Some((phone, at)) = letterhead_phone(text)
    {
        ev.push(("payer.phone".into(), line_evidence(text, at, 0.6)));
        f.payer_phone = Some(phone);
    }
    if f.member_name.is_none()
        && let Some((name, at)) = addressee(text, rules)
    {
        ev.push(("member.name".into(), line_evidence(text, at, 0.6)));
        f.member_name = Some(name);
    }
    if let Some((st, at)) = state_of(text, rules) {
        ev.push(("member.state".into(), line_evidence(text, at, 0.7)));
        f.state = Some(st);
    }
    // The member's name in large type (an address block set big) is not the sender's.
    let payer_from_letterhead = f.payer_name.is_none();
    if f.payer_name.is_none()
        && let Some((name, at)) = letterhead(text, rules)
        && f.member_name
            .as_deref()
            .is_none_or(|m| values::key_of(m) != values::key_of(&name))
    {
        ev.push((
            "payer.name".into(),
            Evidence {
                page: at.page,
                line: text.line(at).to_string(),
                confidence: 0.6,
                ocr_uncertain: false,
                bbox: None,
            },
        ));
        f.payer_name = Some(name);
    }
    // A letterhead read by OCR (a logo, type set large, light or letter-spaced) is the part of
    // the page OCR reads worst; the body names the plan again in plain type.
    if payer_from_letterhead
        && page_one_ocr(text)
        && let Some((name, at)) = clearer_payer_name(text, f.payer_name.as_deref())
    {
        ev.retain(|(p, _)| p != "payer.name");
        ev.push(("payer.name".into(), line_evidence(text, at, 0.6)));
        f.payer_name = Some(name);
    }

    // Dates.
    let date_of = |c: &Candidate| match c.value {
        Value::Date(d) => Some(d),
        _ => None,
    };
    if let Some(c) = cands.get(&FieldName::LetterDate).and_then(|v| v.first()) {
        f.letter_date = date_of(c);
        ev.push(("dates.letter_date".into(), evidence(text, c)));
    } else if let Some((d, page, line)) = unlabelled_letter_date(text) {
        f.letter_date = Some(d);
        ev.push((
            "dates.letter_date".into(),
            Evidence {
                page,
                line,
                confidence: 0.6,
                ocr_uncertain: false,
                bbox: None,
            },
        ));
    }
    let labelled_service = cands
        .get(&FieldName::DeniedDate)
        .and_then(|v| v.first())
        .or_else(|| cands.get(&FieldName::ServiceDate).and_then(|v| v.first()));
    match (&table, labelled_service) {
        (Some(t), _) if t.service_date.is_some() => {
            f.service_date = t.service_date.map(|(d, _)| d);
            if let Some((_, at)) = t.service_date {
                ev.push(("claim.service_date".into(), line_evidence(text, at, 0.8)));
            }
        }
        (_, Some(c)) => {
            f.service_date = date_of(c);
            ev.push(("claim.service_date".into(), evidence(text, c)));
        }
        _ => {}
    }

    // Amounts: a labelled total beats a table, a table beats another labelled amount.
    // (Which amounts came from a table read line by line: the layout's reading beats those.)
    let mut by_line_table = [false; 2];
    for (k, (name, path, col)) in [
        (
            FieldName::BilledAmount,
            "claim.billed_amount",
            ColumnKind::Billed,
        ),
        (
            FieldName::PatientResponsibility,
            "claim.patient_responsibility",
            ColumnKind::Owed,
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let labelled = cands.get(&name).map(|v| v.as_slice()).unwrap_or(&[]);
        let total = labelled.iter().find(|c| c.total);
        let from_table = table.as_ref().and_then(|t| t.amounts.get(&col));
        let pick: Option<(f64, Evidence)> = if let Some(c) = total {
            amount(c).map(|v| (v, evidence(text, c)))
        } else if let Some((v, at)) = from_table {
            by_line_table[k] = true;
            Some((*v, line_evidence(text, *at, 0.8)))
        } else {
            labelled
                .first()
                .and_then(|c| amount(c).map(|v| (v, evidence(text, c))))
        };
        if let Some((v, e)) = pick {
            ev.push((path.to_string(), e));
            match col {
                ColumnKind::Billed => f.billed_amount = Some(v),
                _ => f.patient_responsibility = Some(v),
            }
        }
    }

    // Codes.
    let rows = table.as_ref().map(|t| t.rows.as_slice()).unwrap_or(&[]);
    let (procs, proc_at) = codes_near(
        text,
        &PROCEDURE_LABEL,
        &PROCEDURE,
        rows,
        Some(&PAREN_PROCEDURE),
    );
    f.procedure_codes = procs;
    if let Some(at) = proc_at {
        ev.push(("claim.procedure_codes".into(), line_evidence(text, at, 0.8)));
    }
    let (dx, dx_at) = codes_near(text, &DIAGNOSIS_LABEL, &DIAGNOSIS, &[], None);
    f.diagnosis_codes = dx;
    if let Some(at) = dx_at {
        ev.push(("claim.diagnosis_codes".into(), line_evidence(text, at, 0.8)));
    }
    every_claim(text, layout, rules, &cands, by_line_table, &mut f, &mut ev);
    // The member's share said only in words: "you owe nothing", "may bill you for the whole
    // amount".
    if f.patient_responsibility.is_none()
        && let Some((share, at)) = share_in_words(text, f.billed_amount)
    {
        ev.push((
            "claim.patient_responsibility".into(),
            line_evidence(text, text.locate(at), 0.7),
        ));
        f.patient_responsibility = Some(share);
        if let [only] = f.claims.as_mut_slice()
            && only.patient_responsibility.is_none()
        {
            only.patient_responsibility = Some(share);
        }
    }
    f.evidence = ev;
    f
}

static OWES_NOTHING: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\byou (do not|don't|will not|won't|should not) (owe|have to pay|need to pay) (anything|any amount|any part|the provider anything)|\byou owe (nothing|\$0(\.00)?\b)|\byou are not (responsible|liable) for (any part of |paying )?(this|the) (amount|charges?|bill|balance|claim)",
    )
});
static OWES_ALL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(may|can|will|could) (bill|charge) you (for )?(the )?(whole|full|entire|total) (amount|charges?|bill|cost)|\byou (may|will|could) (be|remain) (responsible|liable) for (paying )?(the )?(whole|full|entire|total) (amount|charges?|bill|cost)",
    )
});

/// The member's share stated only in a sentence, not in a conditional one: nothing, or the
/// whole amount (the figure printed right after it, else the billed amount).
fn share_in_words(text: &Text, billed: Option<f64>) -> Option<(f64, usize)> {
    let flat = text.flat();
    if let Some(m) = OWES_NOTHING
        .find_iter(flat)
        .find(|m| !text.is_conditional(m.start()))
    {
        return Some((0.0, m.start()));
    }
    let m = OWES_ALL
        .find_iter(flat)
        .find(|m| !text.is_conditional(m.start()))?;
    let after = flat.get(m.end()..).unwrap_or("");
    let after = after.get(..after.len().min(16)).unwrap_or(after);
    let printed = values::find_amounts(after).first().map(|a| a.value);
    printed.or(billed).map(|v| (v, m.start()))
}

/// Fills `claims`; when the document lists several, the headline becomes the first claim
/// denied in whole or in part, with that claim's own dates, amounts, provider and patient.
fn every_claim(
    text: &Text,
    layout: &Layout,
    rules: &Rules,
    cands: &HashMap<FieldName, Vec<Candidate>>,
    by_line_table: [bool; 2],
    f: &mut Fields,
    ev: &mut Vec<(String, Evidence)>,
) {
    let not_claims: Vec<&str> = [&f.member_id, &f.reference_number, &f.group_number]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    let mut blocks = claims::blocks(text, layout, rules, cands, &not_claims);
    // A claim number OCR read gets its digits back, as the headline's does (O/0, I/1).
    for b in &mut blocks {
        if text.ocr_confidence.iter().any(|(p, _)| *p == b.at.page)
            && let Some(n) = b.entry.claim_number.as_mut()
        {
            *n = values::repair_ocr_digits(n);
        }
    }
    if blocks.len() >= 2 {
        let denied = |b: &claims::Block| {
            b.status_read
                && matches!(
                    b.entry.status,
                    crate::report::ClaimStatus::Denied | crate::report::ClaimStatus::PartlyDenied
                )
        };
        let head = blocks.iter().position(denied).unwrap_or(0);
        let b = &blocks[head];
        let mut set = |path: &str, at: LineRef, conf: f64| {
            ev.retain(|(p, _)| p != path);
            ev.push((path.to_string(), line_evidence(text, at, conf)));
        };
        f.claim_number = b.entry.claim_number.clone();
        set("claim.claim_number", b.at, 0.85);
        // The headline's date is its own: another claim's date is worse than none.
        match b.denied_date {
            Some((d, at)) => {
                f.service_date = Some(d);
                set("claim.service_date", at, 0.8);
            }
            None => f.service_date = None,
        }
        if let (Some(a), Some(at)) = (b.entry.billed_amount, b.billed_at) {
            f.billed_amount = Some(a);
            set("claim.billed_amount", at, 0.8);
        }
        if let (Some(a), Some(at)) = (b.entry.patient_responsibility, b.owed_at) {
            f.patient_responsibility = Some(a);
            set("claim.patient_responsibility", at, 0.8);
        }
        if let Some(p) = &b.entry.provider {
            f.provider = Some(p.clone());
        }
        // The headline's codes are its own lines' codes when its table lists them.
        let codes: Vec<String> = b
            .entry
            .lines
            .iter()
            .filter_map(|l| l.procedure_code.clone())
            .fold(Vec::new(), |mut v, c| {
                if !v.contains(&c) {
                    v.push(c);
                }
                v
            });
        if !codes.is_empty() {
            f.procedure_codes = codes;
        }
        // A remittance's claim heading starts with its patient, surname first.
        let heading = || claims::heading_name(text.line(b.at), rules).map(|n| (n, b.at));
        if let Some((name, at)) = b.member_name.clone().or_else(heading) {
            f.member_name = Some(name);
            set("member.name", at, 0.8);
        }
        if let Some((id, at)) = &b.member_id {
            f.member_id = Some(id.clone());
            set("member.member_id", *at, 0.8);
        }
    } else {
        // One claim or none numbered: what the lines did not give, its table gives.
        let from_layout = match blocks.first() {
            Some(b) if !b.entry.lines.is_empty() => Some(b.clone()),
            Some(_) => None,
            None => claims::unnumbered(text, layout, rules),
        };
        if let Some(b) = from_layout {
            if f.service_date.is_none()
                && let Some((d, at)) = b.denied_date
            {
                f.service_date = Some(d);
                ev.push(("claim.service_date".into(), line_evidence(text, at, 0.75)));
            }
            // The table's rows read by column beat the same table read line by line, when
            // each amount cell held one amount.
            if (f.billed_amount.is_none() || by_line_table[0] && b.columns_clean)
                && let (Some(a), Some(at)) = (b.entry.billed_amount, b.billed_at)
            {
                f.billed_amount = Some(a);
                ev.retain(|(p, _)| p != "claim.billed_amount");
                ev.push(("claim.billed_amount".into(), line_evidence(text, at, 0.75)));
            }
            if (f.patient_responsibility.is_none() || by_line_table[1] && b.columns_clean)
                && let (Some(a), Some(at)) = (b.entry.patient_responsibility, b.owed_at)
            {
                f.patient_responsibility = Some(a);
                ev.retain(|(p, _)| p != "claim.patient_responsibility");
                ev.push((
                    "claim.patient_responsibility".into(),
                    line_evidence(text, at, 0.75),
                ));
            }
        }
    }
    if blocks.len() == 1
        && let Some(b) = blocks.first_mut()
    {
        // One claim: the headline fields, read from the whole document, are the claim's; a
        // number only its table gave (the column under "Claim number") is the headline's.
        if f.claim_number.is_none()
            && let Some(n) = &b.entry.claim_number
        {
            f.claim_number = Some(n.clone());
            ev.retain(|(p, _)| p != "claim.claim_number");
            ev.push(("claim.claim_number".into(), line_evidence(text, b.at, 0.75)));
        }
        b.entry.claim_number = f.claim_number.clone().or(b.entry.claim_number.take());
        b.entry.provider = f.provider.clone().or(b.entry.provider.take());
        b.entry.billed_amount = f.billed_amount.or(b.entry.billed_amount);
        b.entry.patient_responsibility =
            f.patient_responsibility.or(b.entry.patient_responsibility);
        if b.entry.service_date.is_none() {
            b.entry.service_date = f.service_date.map(|d| d.to_string());
        }
    }
    if f.service_date.is_none() {
        ev.retain(|(p, _)| p != "claim.service_date");
    }
    f.claim_status_read = blocks.iter().map(|b| b.status_read).collect();
    f.claims = blocks.into_iter().map(|b| b.entry).collect();
}

/// A provider's name without the network note printed after it ("(in network)").
#[allow(clippy::string_slice)] // Char boundaries: `m` is a match in `name` itself.
fn without_network_note(name: String) -> String {
    static NOTE: LazyLock<Regex> =
        LazyLock::new(|| re(r"(?i)\s*[(\[](in|out[ -]of|non)[ -]?network( provider)?[)\]]$"));
    match NOTE.find(&name) {
        Some(m) if m.start() > 0 => name[..m.start()].to_string(),
        _ => name,
    }
}

fn amount(c: &Candidate) -> Option<f64> {
    match c.value {
        Value::Amount(a) => Some(a),
        _ => None,
    }
}

fn evidence(text: &Text, c: &Candidate) -> Evidence {
    line_evidence(text, c.at, c.confidence)
}

fn line_evidence(text: &Text, at: LineRef, confidence: f64) -> Evidence {
    Evidence {
        page: at.page,
        line: text.line(at).to_string(),
        confidence,
        ocr_uncertain: false,
        bbox: None,
    }
}

static OTHER_ORG: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(department of (insurance|health|human|managed health care|financial|banking)|insurance (department|division|commissioner|bureau)|(division|bureau|office) of insurance|ombuds(man|person)?|(healthcare|health care|consumer|patient) advocate|consumer (assistance|services|affairs)|attorney general|legal (aid|services))\b",
    )
});

/// Whether a phone number stands in a sentence that names another organisation (a state
/// department, an ombudsman, a consumer advocate).
fn others_number(text: &Text, c: &Candidate) -> bool {
    let Value::Str(v) = &c.value else {
        return false;
    };
    let line = text.line(c.at);
    let tail: String = v
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let Some(i) = line.find(&tail) else {
        return false;
    };
    OTHER_ORG.is_match(&text.sentence_text(text.offset_of(c.at) + i))
}

/// Whether a group number was read after "Group" ending a name in the cell before it
/// ("Acme Choice POS - Small Group | APL-2026-0001"), as the page's cells show.
fn group_ends_a_name(text: &Text, c: &Candidate) -> bool {
    let Value::Str(v) = &c.value else {
        return false;
    };
    let Some(page) = text.pages.get((c.at.page as usize).wrapping_sub(1)) else {
        return false;
    };
    page.layout.iter().any(|l| {
        let Some(k) = l
            .cells
            .iter()
            .position(|cell| cell.text.contains(v.as_str()))
        else {
            return false;
        };
        let Some(before) = k.checked_sub(1).and_then(|j| l.cells.get(j)) else {
            return false;
        };
        let lower = before.text.to_lowercase();
        let words: Vec<&str> = lower.split_whitespace().collect();
        !l.cells[k].text.to_lowercase().contains("group")
            && words.len() >= 2
            && words.last() == Some(&"group")
            && !matches!(words.first(), Some(&"group"))
            && !words
                .iter()
                .any(|w| ["member", "employer", "plan"].contains(w))
    })
}

/// A label found on a line. Where labels of several fields match the same words
/// ("Member:" introduces a name or an ID), all are kept and the value decides.
#[derive(Debug, Clone)]
struct Label {
    start: usize,
    end: usize,
    alts: Vec<(FieldName, ValueKind)>,
}

/// Finds every label on a line: longest wins where two overlap; equal spans are merged.
#[allow(clippy::string_slice)] // Char boundaries: label offsets are regex matches in the ASCII-lower-cased copy of `line`, whose bytes sit where `line`'s do.
fn labels_on(line: &str, rules: &Rules) -> Vec<Label> {
    let mut all: Vec<Label> = Vec::new();
    // Where each span is in `all` (a long line can hold thousands of labels).
    let mut index: HashMap<(usize, usize), usize> = HashMap::new();
    // Rule patterns match lower-cased text; offsets are the same.
    let lower = values::lower(line);
    // One pass over the line finds which labels occur; only those are run for positions.
    for hit in rules.label_set.matches(&lower).iter() {
        let Some(&(fi, li)) = rules.label_index.get(hit) else {
            continue;
        };
        let (Some(f), Some(re)) = (
            rules.fields.get(fi),
            rules
                .fields
                .get(fi)
                .and_then(|f| f.labels.get(li))
                .and_then(|l| l.get()),
        ) else {
            continue;
        };
        {
            for found in re.find_iter(&lower) {
                let Some((start, end)) = label_span(re, &lower, found) else {
                    continue;
                };
                match index.get(&(start, end)).and_then(|&i| all.get_mut(i)) {
                    Some(l) => {
                        if !l.alts.iter().any(|(n, _)| *n == f.name) {
                            l.alts.push((f.name, f.kind));
                        }
                    }
                    None => {
                        index.insert((start, end), all.len());
                        all.push(Label {
                            start,
                            end,
                            alts: vec![(f.name, f.kind)],
                        })
                    }
                }
            }
        }
    }
    all.sort_by(|a, b| {
        a.start
            .cmp(&b.start)
            .then((b.end - b.start).cmp(&(a.end - a.start)))
    });
    let mut out: Vec<Label> = Vec::new();
    for l in all {
        match out.last() {
            // Two phrase labels can share words ("your visit to X on <date>"): keep both.
            Some(p)
                if l.start < p.end
                    && PHRASE_LABEL.is_match(&line[l.start..l.end])
                    && PHRASE_LABEL.is_match(&line[p.start..p.end]) =>
            {
                out.push(l)
            }
            Some(p) if l.start < p.end => {
                if l.end - l.start > p.end - p.start {
                    out.pop();
                    out.push(l);
                }
            }
            _ => out.push(l),
        }
    }
    if only_labels(line, &out) {
        return out;
    }
    // A word that is only a label when it acts as one: followed by `:`/`#`, at the start of a
    // line, ending in a preposition ("visit to"), or followed by a value of its kind.
    // "Children's Hospital" and "Anesthesia Group" are not labels.
    out.retain(|l| {
        let rest = line[l.end..].trim_start();
        rest.starts_with([':', ';', '#'])
            || line[..l.start].trim().is_empty()
            || PHRASE_LABEL.is_match(&line[l.start..l.end])
            || l.alts.iter().any(|(_, k)| {
                *k != ValueKind::Text
                    && *k != ValueKind::Name
                    && parse_value(*k, &line[l.end..], rules, true).is_some()
            })
            || l.alts.iter().any(|(_, k)| *k == ValueKind::Name)
    });
    out
}

/// The label (group `l`) of a field label pattern's match `m` in `hay`. The pattern is
/// `\b(?P<l>label)(?:[^0-9a-z_]|$)` (`rules.rs`, lower-cased): the match is the label and the
/// one character after it, except at the end of the text, where it may be the label alone; only
/// there, and only after a character that could be either, does it take the captures engine
/// (a third of `labels_on`'s time when every match did).
#[allow(clippy::string_slice)] // Char boundaries: `m` is a match in `hay`.
fn label_span(re: &Regex, hay: &str, m: regex::Match<'_>) -> Option<(usize, usize)> {
    let last = hay[m.start()..m.end()].chars().next_back()?;
    if m.end() < hay.len() {
        // `$` matches only at the end: the class took the last character.
        return Some((m.start(), m.end() - last.len_utf8()));
    }
    if last.is_ascii_digit() || last.is_ascii_lowercase() || last == '_' {
        // The class never takes a word character: `$` matched.
        return Some((m.start(), m.end()));
    }
    let l = re.captures_at(hay, m.start())?.name("l")?;
    Some((l.start(), l.end()))
}

/// Whether a line holds nothing but labels (a table header, or a label whose value is on
/// the next line).
#[allow(clippy::string_slice)] // Char boundaries: label offsets come from `labels_on(line)`: char boundaries of `line`.
fn only_labels(line: &str, labels: &[Label]) -> bool {
    let mut rest = String::new();
    let mut pos = 0;
    for l in labels {
        if l.start > pos {
            rest.push_str(&line[pos..l.start]);
        }
        pos = pos.max(l.end);
    }
    rest.push_str(&line[pos..]);
    // A bracket closed that the line did not open, then punctuation, ends a parenthesis
    // wrapped from the line before ("... (the primary" / "payer)."): the end of a sentence,
    // not a header row. (A lone bracket without the punctuation may be an OCR speck.)
    let closed_before_opened = line.matches(')').count() > line.matches('(').count()
        && [").", "),", ");"].iter().any(|p| line.contains(p));
    !closed_before_opened && rest.chars().all(|c| !c.is_alphanumeric())
}

/// Parses a value of `kind` at the start of `s`; returns it and the bytes used.
fn parse_value(kind: ValueKind, s: &str, rules: &Rules, same_line: bool) -> Option<(Value, usize)> {
    parse_value_with(kind, s, rules, same_line, false)
}

/// Bytes of separators (spaces, `:`, `#`, `-`, ...) between a label and its value, and of the
/// label's translation in a bilingual notice ("Member ID / Numero de miembro: ...").
#[allow(clippy::string_slice)] // Char boundaries: `lead` follows ASCII separators and `m` is a match in `s[lead..]`.
fn separator_len(s: &str) -> usize {
    // OCR reads a label's colon as a semicolon.
    let seps = [' ', ':', ';', '#', '-', '.', '='];
    let lead = s.len() - s.trim_start_matches(seps).len();
    // A translation starts with a slash; without one the pattern is not run (nor compiled:
    // it is one of the costliest, and most documents have no bilingual label).
    if !s[lead..].starts_with('/') {
        return lead;
    }
    match TRANSLATED_LABEL.captures(&s[lead..]) {
        // The value starts at its figure-holding word.
        Some(c) if c.get(3).is_some() => lead + c.get(3).map_or(0, |m| m.start()),
        Some(c) => {
            let end = c.get(0).map_or(0, |m| m.end());
            let after = &s[lead + end..];
            lead + end + (after.len() - after.trim_start_matches(seps).len())
        }
        None => lead,
    }
}

#[allow(clippy::string_slice)] // Char boundaries: `lead` is from `separator_len`, `. ` is found by `find`, and `a` and `p` are found in `window` itself.
fn parse_value_with(
    kind: ValueKind,
    s: &str,
    rules: &Rules,
    same_line: bool,
    phrase_or_start: bool,
) -> Option<(Value, usize)> {
    let lead = separator_len(s);
    let rest = &s[lead..];
    let (v, used) = match kind {
        ValueKind::Id => values::id_at_start(rest).map(|f| (Value::Str(f.value), f.end))?,
        ValueKind::Date => values::date_at_start(rest).map(|f| (Value::Date(f.value), f.end))?,
        ValueKind::Amount => match values::amount_at_start(rest) {
            // An amount in brackets straight after a label's words, with no colon or mark
            // between them ("the same charges ($285.00)"), is the amount named again in a
            // sentence, not an accounting negative, which stands as a value of its own.
            Some(f) if f.value < 0.0 && s[..lead].trim().is_empty() && rest.starts_with('(') => {
                (Value::Amount(-f.value), f.end)
            }
            Some(f) => (Value::Amount(f.value), f.end),
            // "You may owe the provider up to $2,840.00", "Your share for this visit will be
            // your copayment of $250.00": words, then the amount, in the same sentence.
            None if same_line => {
                let sentence = rest.find(". ").map_or(rest, |e| &rest[..e]);
                let window: String = sentence.chars().take(80).collect();
                let a = values::find_amounts(&window).into_iter().next()?;
                if window[..a.start].chars().any(|c| c.is_ascii_digit()) {
                    return None;
                }
                (Value::Amount(a.value), a.end)
            }
            None => return None,
        },
        ValueKind::Name => {
            values::name_at_start(rest, &rules.stop_words).map(|f| (Value::Str(f.value), f.end))?
        }
        ValueKind::Phone => {
            // The number may follow a few words ("Call Member Services at ...").
            let window: String = rest.chars().take(70).collect();
            let p = values::find_phones(&window)
                .into_iter()
                .find(|p| !is_fax_or_tty(&window[..p.start]))?;
            (Value::Str(p.value), p.end)
        }
        ValueKind::Text => {
            // On the label's own line free text needs a `:` or `#` after the label, unless the
            // label reads as part of a sentence or starts a line that is not a heading.
            if same_line && !s.trim_start().starts_with([':', '#', '-']) && !phrase_or_start {
                return None;
            }
            let v = text_value(rest, rules)?;
            let n = v.len();
            (Value::Str(v), n)
        }
    };
    Some((v, lead + used))
}

fn is_fax_or_tty(before: &str) -> bool {
    let b = before.to_ascii_lowercase();
    let tail: String = b
        .chars()
        .rev()
        .take(14)
        .collect::<String>()
        .chars()
        .rev()
        .collect();
    tail.contains("fax") || tail.contains("tty") || tail.contains("tdd")
}

/// Free text up to the next stop word, digits-only token or end; 2..=80 chars.
fn text_value(s: &str, rules: &Rules) -> Option<String> {
    let mut words = Vec::new();
    for w in s.split(' ') {
        let bare = w
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase();
        if words.len() >= 10 || (!words.is_empty() && rules.stop_words.contains(&bare)) {
            break;
        }
        if words.is_empty() && (rules.stop_words.contains(&bare) || bare.is_empty()) {
            return None;
        }
        // A bullet or bar between parts of a line ends the value ("Payment Services • PO Box").
        if matches!(w, "\u{2022}" | "\u{b7}" | "|") {
            break;
        }
        if !values::find_dates(w).is_empty()
            || w.starts_with('$')
            || (w.chars().all(|c| c.is_ascii_digit() || c == '-') && w.len() > 3)
        {
            break;
        }
        // In a sentence the name ends before "on <date>", "at", "in", "from", "during".
        if !words.is_empty()
            && matches!(
                w,
                "on" | "at"
                    | "in"
                    | "from"
                    | "during"
                    | "dated"
                    | "was"
                    | "is"
                    | "were"
                    | "has"
                    | "had"
            )
        {
            break;
        }
        words.push(w);
        if w.ends_with([',', ';']) && words.len() >= 2 {
            break;
        }
    }
    let v = words.join(" ");
    let v = v
        .trim_end_matches([',', ';', ':', '.', '-', ' '])
        .trim()
        .to_string();
    let letters = v.chars().filter(|c| c.is_alphabetic()).count();
    // A department ("Payment Services", "Member Services Department") names no one.
    let department = v.split(' ').all(|w| {
        matches!(
            w.to_ascii_lowercase()
                .trim_matches(|c: char| !c.is_alphanumeric()),
            "payment"
                | "payments"
                | "service"
                | "services"
                | "claims"
                | "claim"
                | "member"
                | "members"
                | "provider"
                | "providers"
                | "customer"
                | "relations"
                | "department"
                | "dept"
                | "unit"
                | "center"
                | "operations"
                | "&"
                | "and"
        )
    });
    (v.len() >= 2
        && !department
        && !TITLE_WORDS.is_match(&v)
        && letters * 2 >= v.len()
        && v.chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit()))
    .then_some(v)
}

/// Reads every labelled value: same line, next line, or table header above a value row.
#[allow(clippy::string_slice)] // Char boundaries: label offsets come from `labels_on` (char boundaries of `scan`, or of `line` for a line's own labels); `line` is a prefix of `scan` followed by an ASCII space, so `line.len()` is a boundary of `scan` and of every region cut from it.
fn labelled(text: &Text, rules: &Rules, cands: &mut HashMap<FieldName, Vec<Candidate>>) {
    for page in &text.pages {
        for (i, line) in page.lines.iter().enumerate() {
            let own = labels_on(line, rules);
            if own.is_empty() && page.lines.get(i + 1).is_none() {
                continue;
            }
            let at = LineRef {
                page: page.number,
                line: i,
            };
            let header = !own.is_empty() && only_labels(line, &own);
            // A sentence may wrap between a label and its value ("your visit to" / "Acme
            // Clinic on ..."): scan this line joined with the next, for labels on this line.
            let scan: String = match page.lines.get(i + 1) {
                Some(next) if !header => format!("{line} {next}"),
                _ => line.clone(),
            };
            // Labels of the joined text end the values before them, even on the next line.
            let all_labels: Vec<Label> = if header {
                own.clone()
            } else {
                labels_on(&scan, rules)
            };
            let labels: Vec<Label> = all_labels
                .iter()
                .filter(|l| l.start < line.len())
                .cloned()
                .collect();
            if labels.is_empty() {
                continue;
            }
            let heading = is_heading(line);
            let mut pending = Vec::new();
            for l in labels.iter() {
                // A phrase label's value runs on (text values end themselves at a stop word).
                let region_end = if PHRASE_LABEL.is_match(&scan[l.start..l.end]) {
                    // ...but not into a next line that is a row of its own: one whose first
                    // words hold a label ("Requested by Acme Clinic" / "Requested date of
                    // service ...").
                    let next_row = all_labels.iter().any(|n| {
                        n.start > line.len()
                            && scan
                                .get(line.len()..n.start)
                                .is_some_and(|h| h.split_whitespace().count() <= 2)
                    });
                    if next_row { line.len() } else { scan.len() }
                } else {
                    all_labels
                        .iter()
                        .find(|n| n.start >= l.end)
                        .map(|n| n.start)
                        .unwrap_or(scan.len())
                };
                let region = &scan[l.end..region_end.max(l.end)];
                let total = TOTAL.is_match(&scan[l.start..l.end])
                    || TOTAL.is_match(&line[..l.start.min(line.len())]);
                let phrase_or_start = PHRASE_LABEL.is_match(&scan[l.start..l.end])
                    || (scan[..l.start].trim().is_empty() && !heading);
                let mut found = false;
                let phrase = PHRASE_LABEL.is_match(&scan[l.start..l.end]);
                for (field, kind) in &l.alts {
                    // Phones may sit after words that contain other labels ("call Member Services").
                    let region = if *kind == ValueKind::Phone {
                        &scan[l.end..]
                    } else {
                        region
                    };
                    // An identifier printed in groups fills the rest of the label's line (or
                    // runs to the next label on it): "Member ID: LPD 4471 0093 21".
                    let grouped = (*kind == ValueKind::Id && l.end <= line.len())
                        .then(|| {
                            let on_line = &region[..region.len().min(line.len() - l.end)];
                            let lead = separator_len(on_line);
                            values::grouped_id(&on_line[lead..])
                                .map(|id| (Value::Str(id.value), lead + id.end))
                        })
                        .flatten();
                    // Names and free text stay on the label's line, unless the label is part of
                    // a sentence that wraps.
                    let region = if matches!(kind, ValueKind::Text | ValueKind::Name)
                        && !phrase
                        && l.end <= line.len()
                    {
                        &region[..region.len().min(line.len().saturating_sub(l.end))]
                    } else {
                        region
                    };
                    if let Some((value, used)) = grouped
                        .or_else(|| parse_value_with(*kind, region, rules, true, phrase_or_start))
                    {
                        // A table cell that wrapped: the value ran to the end of the line and
                        // the next line starts with its last word(s) before the next label.
                        let value = match (&value, kind) {
                            (Value::Str(s), ValueKind::Text)
                                if !phrase
                                    && region.get(used..).is_none_or(|r| r.trim().is_empty()) =>
                            {
                                // The line after the one the value ends on (a label may wrap too).
                                let after = if l.end > line.len() { i + 2 } else { i + 1 };
                                Value::Str(
                                    match page.lines.get(after).and_then(|n| wrapped_tail(n, rules))
                                    {
                                        Some(tail) => format!("{s} {tail}"),
                                        None => s.clone(),
                                    },
                                )
                            }
                            _ => value,
                        };
                        // "your claim", "the claim", "regarding claim" introduce the
                        // document's own; "met with claim", "separate from claim" another.
                        let before = scan[..l.start].trim_end();
                        let reference = before.ends_with('(')
                            || before.rsplit(' ').next().is_some_and(|w| {
                                w.len() >= 2
                                    && w.chars().all(|c| c.is_ascii_lowercase())
                                    && !matches!(
                                        w,
                                        "your"
                                            | "the"
                                            | "this"
                                            | "our"
                                            | "for"
                                            | "about"
                                            | "re"
                                            | "regarding"
                                            | "on"
                                            | "of"
                                    )
                            });
                        cands.entry(*field).or_default().push(Candidate {
                            value,
                            at,
                            confidence: 0.9,
                            total,
                            reference,
                        });
                        found = true;
                        break;
                    }
                }
                if !found && header {
                    pending.push(l.clone());
                }
            }
            if pending.is_empty() {
                continue;
            }
            // Values on the next line: one per pending label, read left to right.
            let Some(next) = page.lines.get(i + 1) else {
                continue;
            };
            let next_labels = labels_on(next, rules);
            if !next_labels.is_empty() && (pending.len() == 1 || only_labels(next, &next_labels)) {
                continue;
            }
            let next_at = LineRef {
                page: page.number,
                line: i + 1,
            };
            let mut rest: &str = next;
            for l in &pending {
                let total = TOTAL.is_match(&line[l.start..l.end]);
                let conf = if pending.len() > 1 { 0.8 } else { 0.85 };
                let parsed = l.alts.iter().find_map(|(field, kind)| {
                    parse_value(*kind, rest, rules, false).map(|v| (*field, v))
                });
                let Some((field, (value, used))) = parsed else {
                    break;
                };
                cands.entry(field).or_default().push(Candidate {
                    value,
                    at: next_at,
                    reference: false,
                    confidence: conf,
                    total,
                });
                rest = rest.get(used..).unwrap_or("");
            }
        }
    }
}

/// Values printed under their labels (the layout's pairs, read by column): the label cell
/// starts with a field's label (its translation may follow: "MEMBER ID / NO. DE MIEMBRO") and
/// the whole cell under it is the value, so an identifier printed in groups is read whole.
/// These go before the line-by-line readings of the same line, which split such rows by
/// guesswork.
#[allow(clippy::string_slice)] // Char boundaries: label offsets come from `labels_on(&p.label)`.
fn under_labels(
    text: &Text,
    layout: &Layout,
    rules: &Rules,
    cands: &mut HashMap<FieldName, Vec<Candidate>>,
) {
    let mut found: Vec<(FieldName, Candidate)> = Vec::new();
    for p in &layout.pairs {
        let labels = labels_on(&p.label, rules);
        let Some(l) = labels.first() else { continue };
        let rest = p.label[l.end..].trim_start_matches([' ', ':', '#']);
        if !p.label[..l.start].trim().is_empty()
            || !(rest.is_empty() || rest.starts_with(['/', '(']))
        {
            continue;
        }
        let probe: String = p.value.chars().take(24).collect();
        // A value stacked from several lines is found by its first words.
        let head: String = p.value.split(' ').take(2).collect::<Vec<_>>().join(" ");
        let Some(line) = text
            .line_containing(p.page, &probe)
            .or_else(|| text.line_containing(p.page, &head))
        else {
            continue;
        };
        let at = LineRef { page: p.page, line };
        // A bare "Date" over a column of dates (payments, visits) names no field.
        let one_word = !p.label[l.start..l.end].trim().contains(' ');
        for (field, kind) in &l.alts {
            if one_word && *kind == ValueKind::Date {
                continue;
            }
            let v = match kind {
                ValueKind::Id => values::grouped_id(&p.value)
                    .map(|f| (Value::Str(f.value), f.end))
                    .or_else(|| parse_value(*kind, &p.value, rules, false)),
                _ => parse_value(*kind, &p.value, rules, false),
            };
            if let Some((value, _)) = v {
                found.push((
                    *field,
                    Candidate {
                        value,
                        at,
                        confidence: 0.9,
                        total: TOTAL.is_match(&p.label),
                        reference: false,
                    },
                ));
                break;
            }
        }
    }
    for (field, c) in found.into_iter().rev() {
        cands.entry(field).or_default().insert(0, c);
    }
    for v in cands.values_mut() {
        v.sort_by_key(|c| (c.at.page, c.at.line));
    }
}

/// The start of a line that continues a wrapped cell: one to three capitalised words, no digits,
/// directly followed by the next label ("Physicians Visit date: ...").
#[allow(clippy::string_slice)] // Char boundaries: `first` comes from `labels_on(next)`.
fn wrapped_tail(next: &str, rules: &Rules) -> Option<String> {
    let first = labels_on(next, rules).into_iter().next()?;
    let head = next[..first.start].trim();
    let words: Vec<&str> = head.split_whitespace().collect();
    // Only the words that end organisation names ("Physicians", "Associates", "Group") count:
    // a capitalised word before a label is otherwise that label's own ("Planned Date of ...").
    let ok = (1..=3).contains(&words.len())
        && words.iter().all(|w| {
            w.chars().next().is_some_and(char::is_uppercase)
                && !w.chars().any(|c| c.is_ascii_digit())
        })
        && words.last().is_some_and(|w| {
            rules
                .name_endings
                .contains(&w.trim_end_matches([',', '.']).to_lowercase())
        });
    ok.then(|| head.to_string())
}

/// The payer's name from the letterhead, among the first lines of a page (page 1, or page 2
/// after a fax cover): a line naming a known insurer, else one that names an organisation and
/// is not an address, a date or a title, else a short title-case first line. A line with
/// several parts ("Secure Message Center - Acme Health", "Acme (administrator for ...)",
/// "Acme Date Issued: ...") gives the part that names the organisation.
fn letterhead(text: &Text, rules: &Rules) -> Option<(String, LineRef)> {
    let (name, at) = letterhead_name(text, rules)?;
    let name = stacked_name(&name, at, text).unwrap_or(name);
    let name = mend_letter_spacing(&name, text, rules).unwrap_or(name);
    let (name, at) = product_owner(&name, text).unwrap_or((name, at));
    // A state agency is named with its state ("STATE OF WYOMING" over "Department of Health
    // Services"), as people and other agencies name it.
    if STATE_AGENCY.is_match(&name) {
        let page = text.pages.first()?;
        let state = page.lines.iter().take(8).find_map(|l| {
            let c = STATE_NAME.captures(l)?;
            Some(c.get(1)?.as_str().trim().to_string())
        });
        if let Some(st) = state
            && !name.to_ascii_lowercase().contains(&st.to_ascii_lowercase())
        {
            let caps = name.chars().all(|c| !c.is_lowercase());
            let st = if caps {
                st.to_ascii_uppercase()
            } else {
                st.split(' ').map(title_case).collect::<Vec<_>>().join(" ")
            };
            return Some((format!("{st} {name}"), at));
        }
    }
    Some((name, at))
}

/// Whether the first page was read by OCR.
fn page_one_ocr(text: &Text) -> bool {
    text.method == Method::Ocr || text.ocr_confidence.iter().any(|(p, _)| *p == 1)
}

/// Words a payer's name ends with when the letter names it in a sentence ("Acme Health Plan
/// received your request", "Acme Health Assurance Company").
const PAYER_ENDINGS: &[&str] = &[
    "health",
    "healthcare",
    "plan",
    "plans",
    "insurance",
    "company",
    "assurance",
    "mutual",
    "medicaid",
];

/// Words that open a sentence or a phrase before a name ("The", "Your", "Call").
const BEFORE_NAME: &[&str] = &[
    "the",
    "your",
    "our",
    "this",
    "that",
    "a",
    "an",
    "at",
    "by",
    "call",
    "contact",
    "from",
    "to",
    "if",
    "dear",
    "sincerely",
    "with",
    "for",
    "in",
    "on",
    "and",
    "or",
    "of",
    "as",
    "all",
    "why",
    "what",
    "when",
    "how",
    "who",
];

/// Runs of capitalised words ("Acme Health Plan", "ACME HEALTH PLAN"), "of" and "&" inside.
static CAPITALISED_RUN: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?:^|[^A-Za-z'&-])((?:[A-Z][A-Za-z'&-]*)(?: (?:[A-Z][A-Za-z'&-]*|of|&))*)")
});

/// The payer's name as the document's own sentences give it, when OCR's reading of the
/// letterhead found none or a reading of it that nothing else in the document repeats
/// ("Ba ou Crescent" over a body that says "Bayou Crescent Health Plan" three times): the
/// name, ending in a word payers' names end with, that the text repeats most (at least
/// twice), and the line it is first read on. A letterhead name the text repeats, or that
/// shares no word with that name, stands.
fn clearer_payer_name(text: &Text, letterhead: Option<&str>) -> Option<(String, LineRef)> {
    let key = values::key_of;
    // Each name's count, first line and the form it is read in most often.
    type Name = (String, usize, LineRef, Vec<(String, usize)>);
    let mut names: Vec<Name> = Vec::new();
    for page in &text.pages {
        for (i, line) in page.lines.iter().enumerate() {
            for c in CAPITALISED_RUN.captures_iter(line) {
                let Some(run) = c.get(1) else { continue };
                let words: Vec<&str> = run.as_str().split(' ').collect();
                let start = words
                    .iter()
                    .position(|w| !BEFORE_NAME.contains(&key(w).as_str()))
                    .unwrap_or(words.len());
                // The name ends at its last payer ending ("Acme Health Plan Member Services").
                let Some(end) = words
                    .iter()
                    .rposition(|w| PAYER_ENDINGS.contains(&key(w).as_str()))
                    .map(|e| e + 1)
                else {
                    continue;
                };
                if end <= start + 1 || end - start > 6 {
                    continue;
                }
                let name = words[start..end].join(" ");
                if generic_only(&name) || !ORG_WORD.is_match(&name) {
                    continue;
                }
                let k = key(&name);
                let at = LineRef {
                    page: page.number,
                    line: i,
                };
                match names.iter_mut().find(|n| n.0 == k) {
                    Some(n) => {
                        n.1 += 1;
                        match n.3.iter_mut().find(|f| f.0 == name) {
                            Some(f) => f.1 += 1,
                            None => n.3.push((name, 1)),
                        }
                    }
                    None => names.push((k, 1, at, vec![(name, 1)])),
                }
            }
        }
    }
    // The most repeated name; the first read on a tie.
    let best = names
        .iter()
        .filter(|n| n.1 >= 2)
        .fold(None::<&Name>, |b, n| match b {
            Some(b) if b.1 >= n.1 => Some(b),
            _ => Some(n),
        })?;
    // Its form read most often; the first on a tie.
    let (form, _) = best
        .3
        .iter()
        .fold(None::<&(String, usize)>, |b, f| match b {
            Some(b) if b.1 >= f.1 => Some(b),
            _ => Some(f),
        })?;
    if let Some(l) = letterhead {
        let lk = key(l);
        if lk == best.0 || best.0.contains(&lk) {
            return None;
        }
        // The letterhead name is read again elsewhere: it is what the document calls itself.
        let again = text
            .pages
            .iter()
            .flat_map(|p| &p.lines)
            .filter(|line| key(line).contains(&lk))
            .count();
        if again >= 2 {
            return None;
        }
        // Another organisation altogether (a provider's letterhead, a department): not this.
        let words = |s: &str| -> HashSet<String> {
            s.split_whitespace()
                .map(key)
                .filter(|w| w.chars().count() >= 4)
                .collect()
        };
        let (lw, bw) = (words(l), words(form));
        let shared: Vec<&String> = lw.intersection(&bw).collect();
        let distinctive = shared.iter().any(|w| {
            !NAME_TAIL_WORDS.contains(&w.as_str()) && !PAYER_ENDINGS.contains(&w.as_str())
        });
        // Or the letterhead's letters are the name's, in order, but for a few OCR slips
        // ("Quil moor" for "Quillmoor").
        let misread = 5 * common_letters(&lk, &best.0) >= 4 * lk.chars().count();
        if !distinctive && shared.len() < 2 && !misread {
            return None;
        }
    }
    Some((form.clone(), best.2))
}

/// How many letters of `a` are found in `b` in the same order (their longest common
/// subsequence).
fn common_letters(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row = vec![0usize; b.len() + 1];
    for ca in a.chars() {
        let mut diagonal = 0;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == *cb {
                diagonal + 1
            } else {
                above.max(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// "WASHINGTON" or "washington" as "Washington".
fn title_case(w: &str) -> String {
    let mut cs = w.chars();
    cs.next()
        .map(|f| f.to_uppercase().collect::<String>() + &cs.as_str().to_lowercase())
        .unwrap_or_default()
}

/// The words OCR was unsure of on the pages `on` accepts (a logo's specks among them).
fn uncertain_words(text: &Text, on: impl Fn(u32) -> bool) -> HashSet<&str> {
    text.uncertain
        .iter()
        .filter(|(p, _)| on(*p))
        .map(|(_, w)| w.as_str())
        .collect()
}

/// Words that finish a brand's name ("Acme" + "Community Health Plan"); a letterhead made
/// only of them names no one.
const NAME_TAIL_WORDS: &[&str] = &[
    "health",
    "healthcare",
    "plan",
    "plans",
    "insurance",
    "company",
    "community",
    "care",
    "mutual",
    "medical",
    "assurance",
    "benefits",
    "of",
    "the",
];

fn generic_only(p: &str) -> bool {
    p.split_whitespace()
        .all(|w| NAME_TAIL_WORDS.contains(&values::key_of(w).as_str()))
}

/// A logo that sets the brand over the rest of the name ("Acme" over "COMMUNITY HEALTH
/// PLAN", each word in its own cell when letter-spaced): the brand, alone on its line and
/// naming no organisation, is finished by the words that open the next line, as long as
/// they are only such words. `None` when the name is whole or the next line does not
/// finish it.
fn stacked_name(name: &str, at: LineRef, text: &Text) -> Option<String> {
    if ORG_WORD.is_match(name) || name.split_whitespace().count() > 3 {
        return None;
    }
    let page = text.pages.iter().find(|p| p.number == at.page)?;
    let next = page.lines.get(at.line + 1)?;
    let cells: Vec<&str> = match under_brand(page, name) {
        Some(cells) => cells,
        None => match page.layout.get(at.line + 1) {
            Some(row) if row.text == *next => {
                row.cells.iter().flat_map(|c| c.text.split(" | ")).collect()
            }
            _ => next.split(" | ").collect(),
        },
    };
    let specks = uncertain_words(text, |p| p == at.page);
    let mut tail: Vec<&str> = Vec::new();
    'cells: for (i, cell) in cells.iter().enumerate() {
        for (j, w) in cell.split_whitespace().enumerate() {
            let speck = i == 0 && j == 0 && specks.contains(w) && w.chars().count() <= 3;
            if speck {
                continue;
            }
            if !NAME_TAIL_WORDS.contains(&values::key_of(w).as_str()) {
                // The name's words fill their cell: one that goes on is no name's end.
                if j > 0 || tail.is_empty() {
                    return None;
                }
                break 'cells;
            }
            tail.push(w);
        }
    }
    if !tail.iter().any(|w| ORG_WORD.is_match(w)) {
        return None;
    }
    let capitals = |s: &str| !s.chars().any(char::is_lowercase);
    let tail: Vec<String> = tail
        .iter()
        .map(|w| {
            if capitals(w) && !capitals(name) {
                title_case(w)
            } else {
                (*w).to_string()
            }
        })
        .collect();
    Some(format!("{name} {}", tail.join(" ")))
}

/// The cells under a brand printed large (a logo's name over "HEALTH PLAN"), from the first
/// that stands under it: lines beside the logo (an address in a column to its right, whose
/// small lines sit between the brand's baseline and the line under it) are passed over. The
/// brand is found among the page's first lines as they sit on the page, whatever order the
/// text layer wrote them in. `None` without positions, or with nothing under the brand
/// within two of its type sizes.
fn under_brand<'p>(page: &'p crate::text::Page, name: &str) -> Option<Vec<&'p str>> {
    let (line, row, brand) = page.layout.iter().take(12).enumerate().find_map(|(i, r)| {
        let c = r.cells.iter().find(|c| c.text.starts_with(name))?;
        Some((i, r, c))
    })?;
    for below in page.layout.iter().skip(line + 1).take(3) {
        if below.y - row.y > 2.0 * row.size.max(below.size) {
            return None;
        }
        if let Some(k) = below
            .cells
            .iter()
            .position(|c| c.x0 < brand.x1 && c.x1 > brand.x0)
        {
            return Some(
                below.cells[k..]
                    .iter()
                    .flat_map(|c| c.text.split(" | "))
                    .collect(),
            );
        }
    }
    None
}

/// Words of a plan's product name after its brand ("Acme Advantage", "Acme Choice PPO • Large
/// Group"): a letterhead made only of these names a product, not the company.
const PRODUCT_WORDS: &[&str] = &[
    "advantage",
    "hmo",
    "ppo",
    "epo",
    "pos",
    "choice",
    "select",
    "core",
    "gold",
    "silver",
    "bronze",
    "platinum",
    "plus",
    "premier",
    "value",
    "essential",
    "essentials",
    "large",
    "small",
    "group",
    "individual",
    "medicare",
    "dual",
    "complete",
    "standard",
    "basic",
    "classic",
    "prime",
    "elite",
    "saver",
    "access",
    "",
];

/// Words that end a company's name after its brand ("Acme Senior Health", "Acme Rx").
const COMPANY_ENDINGS: &[&str] = &["health", "healthcare", "rx", "inc", "llc", "plans"];

/// The company behind a letterhead that names only a product ("Acme Advantage" over "Acme
/// Senior Health has denied ..."): the brand followed by capitalised words that end as a
/// company's name, printed elsewhere in the document; the reading printed most often, and in
/// mixed case before capitals. `None` when the letterhead is not a product line or the
/// company is not named.
fn product_owner(name: &str, text: &Text) -> Option<(String, LineRef)> {
    let key = values::key_of; // lower-cased already
    let words: Vec<&str> = name.split_whitespace().collect();
    let brand = key(words.first()?);
    let product = |ws: &[&str]| ws.iter().all(|w| PRODUCT_WORDS.contains(&key(w).as_str()));
    if words.len() < 2 || brand.len() < 3 || !product(&words[1..]) {
        return None;
    }
    let mut found: Vec<(String, LineRef, usize)> = Vec::new();
    for page in &text.pages {
        for (i, line) in page.lines.iter().enumerate() {
            let ws: Vec<&str> = line.split_whitespace().collect();
            for start in 0..ws.len() {
                if key(ws[start]) != brand || ws[start].chars().any(|c| !c.is_alphanumeric()) {
                    continue;
                }
                // Up to four capitalised words after the brand; the name ends at the last
                // company ending among them.
                let mut end = None;
                for (k, w) in ws.iter().enumerate().skip(start + 1).take(4) {
                    if !w.chars().next().is_some_and(char::is_uppercase) {
                        break;
                    }
                    let bare = w.trim_end_matches([',', '.', ':', ';']);
                    let k_w = key(bare);
                    if COMPANY_ENDINGS.contains(&k_w.as_str())
                        || ORG_ENDINGS.contains(&k_w.as_str())
                    {
                        end = Some(k);
                    }
                    if bare.len() != w.len() {
                        break;
                    }
                }
                let Some(mut end) = end else { continue };
                // "... Health Plan of Arizona": the state or region the company is of.
                if ws.get(end + 1) == Some(&"of")
                    && ws.get(end + 2).is_some_and(|w| {
                        w.chars().next().is_some_and(char::is_uppercase)
                            && w.trim_end_matches([',', '.'])
                                .chars()
                                .all(char::is_alphabetic)
                    })
                {
                    end += 2;
                }
                let cand: Vec<&str> = ws[start..=end]
                    .iter()
                    .map(|w| w.trim_end_matches([',', '.', ':', ';']))
                    .collect();
                if product(&cand[1..]) {
                    continue;
                }
                let cand = cand.join(" ");
                let at = LineRef {
                    page: page.number,
                    line: i,
                };
                match found.iter_mut().find(|(c, _, _)| key(c) == key(&cand)) {
                    Some(f) => {
                        f.2 += 1;
                        // Mixed case is how the company writes its name in sentences.
                        if f.0.chars().all(|c| !c.is_lowercase())
                            && cand.chars().any(char::is_lowercase)
                        {
                            (f.0, f.1) = (cand, at);
                        }
                    }
                    None => found.push((cand, at, 1)),
                }
            }
        }
    }
    let (company, at, n) = found.into_iter().max_by_key(|(_, _, n)| *n)?;
    // A letter that speaks as the product ("ask Acme Advantage PPO to review ...") is the
    // product's: the company must be named more often than the product outside the letterhead.
    let product_name = key(name);
    let product_mentions = text
        .pages
        .iter()
        .flat_map(|p| p.lines.iter())
        .filter(|l| key(l).contains(&product_name))
        .count()
        .saturating_sub(1);
    (n > product_mentions).then_some((company, at))
}

// A logo beside the brand, read by OCR as a letter or two ("e Cobalt Ridge Health Plan",
// "vd Juniper ..."): lower case or symbols, then a capitalised word.
static LOGO_SPECK: LazyLock<Regex> =
    LazyLock::new(|| re(r"^[^\sA-Za-z0-9]{0,2}[a-z]{0,2}[^\sA-Za-z0-9]{0,2}\s+([A-Z].*)$"));

/// A brand set in wide letter-spacing that OCR read in pieces ("Wi llow mere Valley",
/// "B R I A R"): the same letters printed as whole words elsewhere at the top of page 1 (the
/// name beside the logo, a return address, a footer) give its spelling, carried on to the
/// word that ends the organisation's name there ("Willowmere Valley Health Plan"). `None` when
/// the name has no such pieces or is not printed whole anywhere.
fn mend_letter_spacing(name: &str, text: &Text, rules: &Rules) -> Option<String> {
    const SHORT_WORDS: &[&str] = &[
        "of", "the", "and", "for", "inc", "llc", "co", "rx", "hmo", "ppo", "pdp", "usa", "us", "my",
    ];
    let key = values::key_of;
    let words: Vec<&str> = name.split_whitespace().collect();
    let pieces = words
        .iter()
        .filter(|w| {
            let k = key(w);
            k.chars().count() <= 3 && !SHORT_WORDS.contains(&k.as_str())
        })
        .count();
    if pieces == 0 {
        return None;
    }
    let whole = key(name);
    let page = text.pages.first()?;
    let sources = page.lines.iter().take(40).map(String::as_str).chain(
        page.layout
            .iter()
            .take(40)
            .flat_map(|l| l.cells.iter().map(|c| c.text.as_str())),
    );
    for source in sources {
        let ws: Vec<&str> = source.split_whitespace().collect();
        for start in 0..ws.len() {
            // The fewest whole words that spell the name, from `start`.
            let mut spelled = String::new();
            let mut end = start;
            while end < ws.len() && spelled.len() < whole.len() {
                spelled.push_str(&key(ws[end]));
                end += 1;
            }
            if spelled != whole || end - start >= words.len() {
                continue;
            }
            // Carried on to the last word that ends an organisation's name, within a few.
            let org_end = (end..ws.len().min(end + 4))
                .take_while(|&i| ws[i].chars().next().is_some_and(char::is_uppercase))
                .filter(|&i| {
                    let w = key(ws[i]);
                    ORG_ENDINGS.contains(&w.as_str())
                        || rules.name_endings.contains(&w)
                        || ORG_WORD.is_match(ws[i])
                })
                .last()
                .map_or(end, |i| i + 1);
            return Some(ws[start..org_end].join(" "));
        }
    }
    None
}

// "STATE OF WYOMING", "Commonwealth of Pennsylvania": the state's name.
static STATE_NAME: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)\b(?:state|commonwealth) of ([a-z]+(?: [a-z]+)?)(?:\s*$|\s{2,}|\s*\|)")
});

/// Words that end an insurer's or a plan's name, beyond the providers' `name_endings`.
const ORG_ENDINGS: &[&str] = &[
    "trust",
    "fund",
    "plan",
    "company",
    "insurance",
    "administrators",
    "benefits",
    "corporation",
    "association",
    "cooperative",
];

#[allow(clippy::string_slice)] // Char boundaries: `cut` is `line.len()` or where a label, date or phone number found in `line` starts.
fn letterhead_name(text: &Text, rules: &Rules) -> Option<(String, LineRef)> {
    let specks = uncertain_words(text, |p| p <= 2);
    let parts_of = |line: &str| -> Vec<String> {
        // Cut where a label, a date or a phone number starts.
        let mut cut = line.len();
        if let Some(d) = values::find_dates(line).first() {
            cut = cut.min(d.start);
        }
        if let Some(p) = values::find_phones(line).first() {
            cut = cut.min(p.start);
        }
        // A label word inside an organisation's name ("Employee Benefit Trust") does not cut
        // it: the part up to the date or phone ends with a word organisations end with.
        let org = line[..cut]
            .split_whitespace()
            .last()
            .map(|w| w.trim_end_matches([',', '.']).to_lowercase())
            .is_some_and(|w| rules.name_endings.contains(&w) || ORG_ENDINGS.contains(&w.as_str()));
        if !org && let Some(l) = labels_on(line, rules).first() {
            cut = cut.min(l.start);
        }
        line[..cut]
            .split(" - ")
            .flat_map(|p| p.split(" | "))
            .flat_map(|p| p.split(" \u{b7} "))
            .flat_map(split_long_parenthetical)
            .map(|p| {
                let p = p.trim().trim_end_matches([',', '.', ':', '\u{b7}']).trim();
                let p = LOGO_SPECK.replace(p, "$1");
                // A logo OCR read as a short word it was unsure of ("Cg Acme Health").
                match p.split_once(' ') {
                    Some((w, rest))
                        if w.chars().count() <= 3
                            && specks.contains(w)
                            && rest.starts_with(|c: char| c.is_uppercase()) =>
                    {
                        rest.to_string()
                    }
                    _ => p.to_string(),
                }
            })
            .filter(|p| {
                p.chars()
                    .next()
                    .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
            })
            .collect()
    };
    let plausible = |p: &str| {
        let words = p.split_whitespace().count();
        // The second line of a wrapped title ("Insurance)") is no name.
        let unbalanced = p.matches('(').count() != p.matches(')').count();
        !unbalanced
            && !JURISDICTION.is_match(p)
            && (!NOT_LETTERHEAD.is_match(p) || STATE_AGENCY.is_match(p))
            && !TITLE_WORDS.is_match(p)
            && !TAGLINE.is_match(p)
            && !generic_only(p)
            // OCR's reading of a picture or a smudge: words it was unsure of, mostly.
            && 2 * p.split_whitespace().filter(|w| specks.contains(w)).count() <= words
            // A name has a word ("7QX4-HJ2-RT58" is an identifier in large type).
            && p.split(|c: char| !c.is_alphabetic()).any(|w| w.chars().count() >= 3)
            && (1..=8).contains(&words)
    };
    // Page 2 only after a fax or memo cover page.
    let cover = text
        .pages
        .first()
        .is_some_and(|p| p.lines.iter().take(3).any(|l| FAX_OR_MEMO.is_match(l)));
    // Plain text in fixed-width columns ("ACME HEALTH CO      PROVIDER REMITTANCE ADVICE")
    // and OCR's rows of word boxes ("Acme Health Plan    PO Box 12, Springfield") join a
    // letterhead to what stands beside it: the two or three cells the layout split the line
    // into are its parts.
    let by_rows = matches!(text.method, Method::PlainText | Method::Ocr);
    let tops: Vec<(LineRef, String)> = text
        .pages
        .iter()
        .take(if cover { 2 } else { 1 })
        .flat_map(|page| {
            let columns = by_rows && page.layout.len() == page.lines.len();
            page.lines.iter().take(8).enumerate().map(move |(i, l)| {
                let line = match page.layout.get(i).filter(|_| columns) {
                    // A menu bar's many cells are no letterhead.
                    Some(p) if p.text == *l && (2..=3).contains(&p.cells.len()) => p
                        .cells
                        .iter()
                        .map(|c| c.text.as_str())
                        .collect::<Vec<_>>()
                        .join(" | "),
                    _ => l.clone(),
                };
                (
                    LineRef {
                        page: page.number,
                        line: i,
                    },
                    line,
                )
            })
        })
        .filter(|(_, l)| !FAX_OR_MEMO.is_match(l))
        .collect();
    for (at, line) in &tops {
        if let Some(p) = parts_of(line)
            .into_iter()
            .find(|p| rules.payer_names.is_match(&p.to_ascii_lowercase()) && plausible(p))
        {
            return Some((p, *at));
        }
    }
    // The brand is usually printed in the largest type at the top of the first page (not
    // on a fax cover sheet).
    let big_plausible = |p: &str| plausible(p) && !DOC_TITLE.is_match(p);
    if !cover && let Some((name, at)) = largest_type(text, &parts_of, &big_plausible) {
        return Some((name, at));
    }
    for (k, (at, line)) in tops.iter().enumerate().filter(|(_, (at, _))| at.line < 6) {
        let parts = parts_of(line);
        if let Some(p) = parts
            .iter()
            .find(|p| (ORG_WORD.is_match(p) || STATE_AGENCY.is_match(p)) && plausible(p))
        {
            return Some((p.clone(), *at));
        }
        // The rest of a logo's name under its brand ("Acme" over "HEALTH PLAN"): the brand,
        // which the caller finishes with this line.
        let brand = k
            .checked_sub(1)
            .and_then(|j| tops.get(j))
            .and_then(|(above, l)| {
                let first = parts_of(l).into_iter().next()?;
                let short = first.split_whitespace().count() <= 2;
                (above.page == at.page && above.line + 1 == at.line && short)
                    .then_some((first, *above))
            });
        if parts
            .first()
            .is_some_and(|p| generic_only(p) && ORG_WORD.is_match(p))
            && let Some((first, above)) = brand
            && plausible(&first)
            && !ORG_WORD.is_match(&first)
        {
            return Some((first, above));
        }
    }
    // An e-mail's sender: "From: Acme Health Member Care Team <care@...>".
    if let Some((name, at)) = email_sender(text, &plausible) {
        return Some((name, at));
    }
    // A short name in title case alone on the first line is a letterhead too.
    let (at, first) = tops.first()?;
    let p = parts_of(first).into_iter().next()?;
    let title_case = p
        .split_whitespace()
        .all(|w| w.chars().next().is_some_and(char::is_uppercase));
    (at.line == 0
        && at.page == 1
        && title_case
        && p.split_whitespace().count() <= 5
        && plausible(&p)
        && !p.chars().any(|c| c.is_ascii_digit()))
    .then_some((p, *at))
}

/// The organisation in an e-mail's `From:` header, without the team that wrote ("Claims
/// Team", "Member Services") and the address.
fn email_sender(text: &Text, plausible: &dyn Fn(&str) -> bool) -> Option<(String, LineRef)> {
    static TEAM: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"(?i)\s+(claims?|support|team|department|dept\.?|services?|resolution|customer|member|appeals?|care|unit|desk|center|no-?reply)\b.*$",
        )
    });
    let page = text.pages.first()?;
    page.lines.iter().take(8).enumerate().find_map(|(i, l)| {
        let rest = l.strip_prefix("From:")?.trim();
        let display = rest.split('<').next()?.trim().trim_matches('"');
        let name = TEAM.replace(display, "").trim().to_string();
        (ORG_WORD.is_match(&name) && plausible(&name) && name.split(' ').count() >= 2).then_some((
            name,
            LineRef {
                page: page.number,
                line: i,
            },
        ))
    })
}

/// The plausible name printed in the largest type among the first lines of page 1, when that
/// type is clearly larger than the page's body text (PDFs only: plain text has no sizes).
fn largest_type(
    text: &Text,
    parts_of: &dyn Fn(&str) -> Vec<String>,
    plausible: &dyn Fn(&str) -> bool,
) -> Option<(String, LineRef)> {
    let page = text.pages.first()?;
    let mut sizes: Vec<f32> = page
        .layout
        .iter()
        .map(|l| l.size)
        .filter(|s| *s > 0.0)
        .collect();
    if sizes.len() < 5 {
        return None;
    }
    sizes.sort_by(f32::total_cmp);
    let body = sizes[sizes.len() / 2];
    let mut top: Vec<(usize, &crate::text::PositionedLine)> = page
        .layout
        .iter()
        .take(12)
        .enumerate()
        .filter(|(_, l)| l.size >= 1.25 * body)
        .collect();
    top.sort_by(|a, b| b.1.size.total_cmp(&a.1.size));
    // Sizes within a tenth of each other are one size (OCR's word boxes vary that much):
    // among them the line higher on the page comes first, as a logo's brand sits above the
    // rest of its name.
    let mut ordered = Vec::with_capacity(top.len());
    while let Some((_, first)) = top.first() {
        let cut = 0.9 * first.size;
        let (mut same, rest): (Vec<_>, Vec<_>) = top.into_iter().partition(|(_, l)| l.size >= cut);
        same.sort_by_key(|(i, _)| *i);
        ordered.extend(same.into_iter().map(|(_, l)| l));
        top = rest;
    }
    for l in ordered {
        // A line's cells are read apart: a logo beside an address block is not one name.
        let Some(name) = l
            .cells
            .iter()
            .filter(|c| !FAX_OR_MEMO.is_match(&c.text))
            .flat_map(|c| {
                // After a title ("Coverage Determination - Specialty Drugs") comes what the
                // title is about, not who sends it, unless it ends as a payer's name does
                // ("Appeal Decision - Acme Health Plan").
                let parts = parts_of(&c.text);
                let title = parts.iter().position(|p| DOC_TITLE.is_match(p));
                let payer_like = |p: &str| {
                    p.split_whitespace()
                        .last()
                        .is_some_and(|w| PAYER_ENDINGS.contains(&values::key_of(w).as_str()))
                };
                parts
                    .into_iter()
                    .enumerate()
                    .filter(move |(i, p)| title.is_none_or(|t| *i < t) || payer_like(p))
                    .map(|(_, p)| p)
            })
            .find(|p| {
                // An acronym logo ("ACHP") says less than the name printed elsewhere.
                let acronym = !p.contains(' ') && p.len() <= 5;
                plausible(p) && !acronym && p.chars().filter(|c| c.is_alphabetic()).count() >= 4
            })
        else {
            continue;
        };
        // The line it is printed on, not a sentence naming it again: a text layer can write
        // the logo last, and a logo's shadow twice ("AcmeAcme").
        let logo = page
            .lines
            .iter()
            .enumerate()
            .filter(|(_, x)| x.starts_with(&name) && x.len() <= 3 * name.len())
            .min_by_key(|(_, x)| x.len())
            .map(|(i, _)| i);
        let at = logo
            .or_else(|| page.lines.iter().position(|x| x.contains(&name)))
            .unwrap_or(0);
        return Some((
            name,
            LineRef {
                page: page.number,
                line: at,
            },
        ));
    }
    None
}

/// "Acme Benefits (administrator for the Hillside Plan)" splits before the parenthesis; a
/// short one stays: "Acme Medicare Advantage (HMO)".
#[allow(clippy::string_slice)] // Char boundaries: `i` is the index of the ASCII " (".
fn split_long_parenthetical(p: &str) -> Vec<&str> {
    match p.find(" (") {
        Some(i) if p[i..].split_whitespace().count() > 3 => vec![&p[..i], &p[i + 2..]],
        _ => vec![p],
    }
}

/// The first phone number in the letterhead (the first lines of page 1) that is not a fax
/// or TTY line: the payer's number when no line labels one.
#[allow(clippy::string_slice)] // Char boundaries: `p` is found in `line` itself.
fn letterhead_phone(text: &Text) -> Option<(String, LineRef)> {
    let page = text.pages.first()?;
    page.lines.iter().take(8).enumerate().find_map(|(i, line)| {
        let p = values::find_phones(line)
            .into_iter()
            .find(|p| !is_fax_or_tty(&line[..p.start]))?;
        Some((
            p.value,
            LineRef {
                page: page.number,
                line: i,
            },
        ))
    })
}

/// The state for state help: from the addressee's "City, ST 12345" line, else the first
/// such line on page 1 (the payer's address). Only the 50 states and DC count.
fn state_of(text: &Text, rules: &Rules) -> Option<(String, LineRef)> {
    let page = text.pages.first()?;
    let state_on = |j: usize| -> Option<String> {
        let c = CITY_STATE_ZIP.captures(page.lines.get(j)?)?;
        let st = c.name("st")?.as_str();
        rules.states.contains_key(st).then(|| st.to_string())
    };
    if let Some((_, at)) = addressee(text, rules) {
        for j in at.line + 2..at.line + 4 {
            if let Some(st) = state_on(j) {
                return Some((
                    st,
                    LineRef {
                        page: page.number,
                        line: j,
                    },
                ));
            }
        }
    }
    (0..page.lines.len()).find_map(|j| {
        state_on(j).map(|st| {
            (
                st,
                LineRef {
                    page: page.number,
                    line: j,
                },
            )
        })
    })
}

/// The addressee of a letter: a line that is only a person's name, followed by a street
/// (or PO box) line and a "City, ST 12345" line, near the top of page 1.
fn addressee(text: &Text, rules: &Rules) -> Option<(String, LineRef)> {
    let page = text.pages.first()?;
    let lines = &page.lines;
    for i in 0..lines.len().min(35) {
        let Some(name) = values::name_at_start(&lines[i], &rules.stop_words) else {
            continue;
        };
        if name.end < lines[i].trim_end().len() {
            continue;
        }
        let street = lines.get(i + 1).is_some_and(|l| STREET.is_match(l));
        let city = (i + 2..(i + 4).min(lines.len())).any(|j| CITY_STATE_ZIP.is_match(&lines[j]));
        if street && city {
            return Some((
                name.value,
                LineRef {
                    page: page.number,
                    line: i,
                },
            ));
        }
    }
    None
}

/// A letter date without a label: a line near the top of page 1 that is (almost) only a
/// date, else a line there that starts with a cell holding only a date (OCR reads a date
/// beside a two-column header's key-value box as one line: "April 2, 2026 | Member | ...").
/// Returns the date, the page and the source line.
#[allow(clippy::string_slice)] // Char boundaries: `d` is found in `line` itself.
fn unlabelled_letter_date(text: &Text) -> Option<(Date, u32, String)> {
    let page = text.pages.first()?;
    let alone = |s: &str| -> Option<Date> {
        let dates = values::find_dates(s);
        let d = dates.first()?;
        let rest = format!("{}{}", &s[..d.start], &s[d.end..]);
        let others = rest.chars().filter(|c| c.is_alphanumeric()).count();
        (others <= 12).then_some(d.value)
    };
    // OCR's and plain text's lines are the layout's rows, which join the columns beside
    // each other: a row is read whole or by its first cell, top to bottom, so the date
    // that opens the letter's left column comes before a labelled date lower down; then by
    // its last cell (a date printed at the right of the letterhead).
    let rows = matches!(text.method, Method::Ocr | Method::PlainText)
        && page.layout.len() == page.lines.len();
    if rows {
        return page.layout.iter().take(25).find_map(|l| {
            let split = l.cells.len() > 1;
            let first = l.cells.first().filter(|_| split);
            let last = l.cells.last().filter(|_| split);
            let d = alone(&l.text)
                .or_else(|| first.and_then(|c| alone(&c.text)))
                .or_else(|| last.and_then(|c| alone(&c.text)))
                .filter(|_| !LETTER_DATE_NOT.is_match(&l.text))?;
            Some((d, page.number, l.text.clone()))
        });
    }
    for line in page.lines.iter().take(25) {
        if let Some(d) = alone(line).filter(|_| !LETTER_DATE_NOT.is_match(line)) {
            return Some((d, page.number, line.clone()));
        }
    }
    page.layout.iter().take(25).find_map(|l| {
        let first = l.cells.first().filter(|_| l.cells.len() > 1)?;
        let d = alone(&first.text).filter(|_| !LETTER_DATE_NOT.is_match(&l.text))?;
        Some((d, page.number, l.text.clone()))
    })
}

/// A claim-line table: its rows, the amounts of the claim as a whole, and the first service
/// date of its denied lines.
#[derive(Debug, Clone)]
struct ClaimTable {
    rows: Vec<LineRef>,
    amounts: HashMap<ColumnKind, (f64, LineRef)>,
    service_date: Option<(Date, LineRef)>,
    /// Every service line read (the total row aside).
    lines: Vec<TableRow>,
}

/// One service line of a claim-line table.
#[derive(Debug, Clone)]
struct TableRow {
    /// The row with the cells that wrapped onto the lines above it.
    text: String,
    date: Option<Date>,
    amounts: Vec<(ColumnKind, f64)>,
    denied: bool,
}

fn columns_on(line: &str, rules: &Rules) -> Vec<(usize, usize, ColumnKind)> {
    let mut all: Vec<(usize, usize, ColumnKind)> = Vec::new();
    let lower = values::lower(line);
    for c in &rules.columns {
        for m in c.re.find_iter(&lower) {
            all.push((m.start(), m.end(), c.kind));
        }
    }
    all.sort_by(|a, b| a.0.cmp(&b.0).then((b.1 - b.0).cmp(&(a.1 - a.0))));
    let mut out: Vec<(usize, usize, ColumnKind)> = Vec::new();
    for c in all {
        // A header inside a longer one ("Billed" in "Maximum You May Be Billed") is not a
        // column; two that share a word ("Billed Amount" / "Amount Allowed") both are.
        match out.last() {
            Some(p) if c.0 < p.1 && c.1 <= p.1 => {}
            Some(p) if c.0 == p.0 => {
                out.pop();
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Whether `columns_on(line)` finds any column: one pass, not one per column.
fn names_a_column(line: &str, rules: &Rules) -> bool {
    rules.column_any.is_match(&values::lower(line))
}

/// The amount columns of a header, left to right; `None` unless it is a claim-line header.
fn amount_columns(header: &str, rules: &Rules) -> Option<Vec<ColumnKind>> {
    let kinds: Vec<ColumnKind> = columns_on(header, rules)
        .into_iter()
        .map(|c| c.2)
        .filter(|k| *k != ColumnKind::Ignore)
        .collect();
    (kinds.len() >= 2 && (kinds.contains(&ColumnKind::Billed) || kinds.contains(&ColumnKind::Owed)))
        .then_some(kinds)
}

/// Finds the first claim-line table.
fn claim_table(text: &Text, rules: &Rules) -> Option<ClaimTable> {
    let last = text.pages.last()?;
    claim_table_between(
        text,
        rules,
        LineRef { page: 1, line: 0 },
        LineRef {
            page: last.number,
            line: last.lines.len(),
        },
        &Headers::default(),
    )
}

/// The lines that could head a claim-line table printed once above several claims (column
/// headers, no amounts), with their amount columns: found once per document, when a claim's
/// block has no table of its own, rather than once per claim (a remittance names thousands).
#[derive(Default)]
struct Headers(std::cell::OnceCell<Vec<(LineRef, Vec<ColumnKind>)>>);

impl Headers {
    /// The amount columns of the last header before `from`.
    fn last_before(&self, text: &Text, rules: &Rules, from: LineRef) -> Option<&[ColumnKind]> {
        let all = self.0.get_or_init(|| {
            text.lines()
                .filter_map(|(r, l)| {
                    if !names_a_column(l, rules) || !values::find_amounts(l).is_empty() {
                        return None;
                    }
                    amount_columns(l, rules).map(|k| (r, k))
                })
                .collect()
        });
        let n = all.partition_point(|(r, _)| (r.page, r.line) < (from.page, from.line));
        n.checked_sub(1).map(|i| all[i].1.as_slice())
    }
}

/// The first claim-line table whose rows lie between `from` and `to` (exclusive). Its header
/// may sit in that range or, for a document that prints the header once above several claims,
/// anywhere before it.
fn claim_table_between(
    text: &Text,
    rules: &Rules,
    from: LineRef,
    to: LineRef,
    headers: &Headers,
) -> Option<ClaimTable> {
    for page in &text.pages {
        if page.number < from.page || page.number > to.page {
            continue;
        }
        let limit = if page.number == to.page {
            to.line.min(page.lines.len())
        } else {
            page.lines.len()
        };
        let lines = &page.lines[..limit];
        let mut i = if page.number == from.page {
            from.line
        } else {
            0
        };
        while i < lines.len() {
            if let Some(t) = table_at(text, rules, page.number, lines, i) {
                return Some(t);
            }
            i += 1;
        }
    }
    // A header printed once above all the claims.
    let page = text.pages.get((from.page as usize).checked_sub(1)?)?;
    let limit = if page.number == to.page {
        to.line.min(page.lines.len())
    } else {
        page.lines.len()
    };
    let kinds = headers.last_before(text, rules, from)?;
    table_rows(
        text,
        page.number,
        &page.lines[..limit],
        from.line.min(limit),
        kinds,
        rules,
    )
}

/// The claim-line table whose header starts on line `i`, if it is one.
fn table_at(
    text: &Text,
    rules: &Rules,
    page: u32,
    lines: &[String],
    i: usize,
) -> Option<ClaimTable> {
    if !names_a_column(&lines[i], rules) || !values::find_amounts(&lines[i]).is_empty() {
        return None;
    }
    // The header block: this line and the amount-free lines after it (at most 14).
    let mut end = i + 1;
    while end < lines.len()
        && end - i < 14
        && values::find_amounts(&lines[end]).is_empty()
        && values::find_dates(&lines[end]).is_empty()
    {
        end += 1;
    }
    let header = lines[i..end].join(" ");
    let kinds = amount_columns(&header, rules).or_else(|| amount_columns(&lines[i], rules))?;
    if let Some(t) = table_rows(text, page, lines, end, &kinds, rules) {
        return Some(t);
    }
    // Headers that wrap badly (OCR) can hide a column. Statements put the billed amount
    // first and what the patient owes last: read the total row's amounts that way.
    if kinds.contains(&ColumnKind::Billed) && OWED_WORD.is_match(&header) {
        let total_count = lines[end..]
            .iter()
            .take(12)
            .find(|l| TOTAL.is_match(l))
            .map(|l| values::find_amounts(l).len());
        if let Some(n) = total_count.filter(|n| *n >= 2) {
            let mut guess = vec![ColumnKind::Other; n];
            guess[0] = ColumnKind::Billed;
            guess[n - 1] = ColumnKind::Owed;
            return table_rows(text, page, lines, end, &guess, rules);
        }
    }
    None
}

/// Whether a claim line says it was denied: in words, or with a CARC that is a denial
/// (cost sharing such as PR-3 and contractual CO-45 are not).
fn row_denies(row: &str, rules: &Rules) -> bool {
    DENIED_WORDS.is_match(row)
        || crate::classify::GROUP_CODE.captures_iter(row).any(|c| {
            c.get(2)
                .and_then(|m| rules.carc.get(m.as_str()))
                .is_some_and(|e| e.category.is_some())
        })
}

fn table_rows(
    text: &Text,
    page: u32,
    lines: &[String],
    first: usize,
    kinds: &[ColumnKind],
    rules: &Rules,
) -> Option<ClaimTable> {
    let mut rows = Vec::new();
    let mut total_row = None;
    let mut sums: HashMap<ColumnKind, f64> = HashMap::new();
    let mut denied_dates = Vec::new();
    let mut all_dates = Vec::new();
    let mut details = Vec::new();
    let mut misses = 0;
    let mut prev_row_end = first;
    for (j, row) in lines.iter().enumerate().skip(first) {
        let amounts = values::find_amounts(row);
        if amounts.len() != kinds.len() {
            misses += 1;
            if misses > 4 {
                break;
            }
            continue;
        }
        misses = 0;
        let at = LineRef { page, line: j };
        // The row's cells that wrapped onto the lines above its amounts.
        let context: Vec<&str> = lines[prev_row_end.max(j.saturating_sub(3))..j]
            .iter()
            .map(String::as_str)
            .collect();
        prev_row_end = j + 1;
        if TOTAL.is_match(row) {
            total_row = Some((amounts, at));
            break;
        }
        rows.push(at);
        for (k, a) in kinds.iter().zip(&amounts) {
            *sums.entry(*k).or_default() += a.value;
        }
        let whole = format!("{} {row}", context.join(" "));
        let paid_zero = kinds
            .iter()
            .zip(&amounts)
            .any(|(k, a)| *k == ColumnKind::Paid && a.value == 0.0);
        let denied = row_denies(&whole, rules) || paid_zero;
        let date = values::find_dates(&whole).first().map(|d| d.value);
        if let Some(d) = date {
            all_dates.push((d, at));
            if denied {
                denied_dates.push((d, at));
            }
        }
        details.push(TableRow {
            text: whole.trim().to_string(),
            date,
            amounts: kinds
                .iter()
                .zip(&amounts)
                .map(|(k, a)| (*k, a.value))
                .collect(),
            denied,
        });
    }
    if rows.is_empty() && total_row.is_none() {
        return None;
    }
    let mut amounts = HashMap::new();
    if let Some((vals, at)) = &total_row {
        for (k, a) in kinds.iter().zip(vals) {
            amounts.insert(*k, (a.value, *at));
        }
    } else if let Some(first) = rows.first() {
        for (k, v) in sums {
            amounts.insert(k, ((v * 100.0).round() / 100.0, *first));
        }
    }
    // Codes and dates of wrapped rows sit on the lines just above the amounts.
    let mut code_lines = Vec::new();
    for r in &rows {
        for back in 0..=2 {
            if r.line >= back && r.line - back >= first {
                let l = LineRef {
                    page,
                    line: r.line - back,
                };
                if back == 0 || values::find_amounts(text.line(l)).is_empty() {
                    code_lines.push(l);
                } else {
                    break;
                }
            }
        }
    }
    code_lines.sort_by_key(|l| l.line);
    code_lines.dedup();
    let dates = if denied_dates.is_empty() {
        all_dates
    } else {
        denied_dates
    };
    let service_date = dates.into_iter().min_by_key(|(d, _)| *d);
    Some(ClaimTable {
        rows: code_lines,
        amounts,
        service_date,
        lines: details,
    })
}

/// Codes on lines with their label (and the line after a label that ends its line), plus
/// codes in claim-table rows. In order of first appearance, without repeats.
#[allow(clippy::string_slice)] // Char boundaries: `m` is a match in the string it slices (`s`, `line`).
fn codes_near(
    text: &Text,
    label: &Regex,
    code: &Regex,
    rows: &[LineRef],
    paren: Option<&Regex>,
) -> (Vec<String>, Option<LineRef>) {
    let mut out: Vec<String> = Vec::new();
    let mut first = None;
    let mut add = |s: &str, at: LineRef, out: &mut Vec<String>| {
        for c in code.captures_iter(s) {
            let Some(m) = c.get(1) else { continue };
            // Amount-like or zip-like context is not a code.
            let before = &s[..m.start()];
            if before.ends_with('$')
                || before.ends_with(',')
                || before.trim_end().ends_with(|ch: char| {
                    ch.is_ascii_uppercase()
                        && before.trim_end().len() >= 2
                        && is_state_abbrev(before)
                })
            {
                continue;
            }
            if !out.iter().any(|o| o == m.as_str()) {
                out.push(m.as_str().to_string());
                first.get_or_insert(at);
            }
        }
    };
    for page in &text.pages {
        for (i, line) in page.lines.iter().enumerate() {
            let Some(m) = label.find(line) else { continue };
            let at = LineRef {
                page: page.number,
                line: i,
            };
            let after = &line[m.end()..];
            add(after, at, &mut out);
            if after.trim_matches([' ', ':', '(', ')', 's']).is_empty()
                && let Some(next) = page.lines.get(i + 1)
            {
                add(
                    next,
                    LineRef {
                        page: page.number,
                        line: i + 1,
                    },
                    &mut out,
                );
            }
        }
    }
    for r in rows {
        add(text.line(*r), *r, &mut out);
    }
    if let Some(paren) = paren {
        for (r, line) in text.lines() {
            for c in paren.captures_iter(line) {
                if let Some(m) = c.get(1)
                    && !out.iter().any(|o| o == m.as_str())
                {
                    out.push(m.as_str().to_string());
                    first.get_or_insert(r);
                }
            }
        }
    }
    (out, first)
}

/// Whether `before` ends in a two-letter capital word after a space or comma ("Austin, TX").
fn is_state_abbrev(before: &str) -> bool {
    // By characters: the one before the capitals may be several bytes long ("ÉA").
    let mut rev = before.trim_end().chars().rev();
    matches!(
        (rev.next(), rev.next(), rev.next()),
        (Some(a), Some(b), Some(' ' | ',')) if a.is_ascii_uppercase() && b.is_ascii_uppercase()
    )
}

/// The fields of a text, with its layout read first (as the pipeline does).
/// This module's constant patterns, compiled up front by
/// [`crate::rules::Rules::compile_lazy`] (each is compiled on first use otherwise).
pub(crate) static PATTERNS: &[&std::sync::LazyLock<regex::Regex>] = &[
    &PROCEDURE,
    &DIAGNOSIS,
    &PAREN_PROCEDURE,
    &PROCEDURE_LABEL,
    &DIAGNOSIS_LABEL,
    &ORG_WORD,
    &NOT_LETTERHEAD,
    &STATE_AGENCY,
    &JURISDICTION,
    &TAGLINE,
    &DOC_TITLE,
    &FAX_OR_MEMO,
    &PHRASE_LABEL,
    &STREET,
    &CITY_STATE_ZIP,
    &TITLE_WORDS,
    &OWED_WORD,
    &TOTAL,
    &LETTER_DATE_NOT,
    &DENIED_WORDS,
    &OWES_NOTHING,
    &OWES_ALL,
    &OTHER_ORG,
    &LOGO_SPECK,
    &STATE_NAME,
    &CAPITALISED_RUN,
];

#[cfg(test)]
fn extract_all(t: &Text, rules: &Rules) -> Fields {
    extract(t, &crate::layout::analyze(t, rules), rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) use super::extract_all;
    use crate::text::Method;

    // Regression (found by the string_slice lint): the two capitals before a code were read
    // by bytes, and a letter of several bytes before them ("ÉA N130") was sliced through.
    #[test]
    fn state_abbreviations_are_read_by_characters() {
        assert!(is_state_abbrev("Austin, TX "));
        assert!(is_state_abbrev("Salem OR"));
        assert!(!is_state_abbrev("\u{c9}A"));
        assert!(!is_state_abbrev("x\u{c9}A"));
        assert!(!is_state_abbrev("TX"));
        let rules = Rules::bundled().unwrap();
        let t = Text::new(
            Method::PlainText,
            vec![vec!["Remark codes: \u{c9}A N130 MA130".into()]],
            vec![],
        );
        let _ = extract_all(&t, rules);
    }

    // Page furniture: a form's reference in the footer is not the letter's reference
    // number; a member ID that only a running footer prints is still read, with less
    // confidence.
    #[test]
    fn fields_are_not_read_from_page_furniture_while_the_body_gives_them() {
        let rules = Rules::bundled().unwrap();
        let page = |body: &[&str], footer: &str| -> Vec<String> {
            let mut v: Vec<String> = body.iter().map(|s| s.to_string()).collect();
            v.push(footer.to_string());
            v
        };
        let t = Text::new(
            Method::PlainText,
            vec![
                page(
                    &[
                        "Acme Health",
                        "Dear Pat Lee,",
                        "We denied your request for a knee brace.",
                        "It is not medically necessary.",
                    ],
                    "Reference number: FORM-2210   Page 1 of 2",
                ),
                page(
                    &[
                        "Reference number: RQ-58213",
                        "You may appeal within 180 days.",
                        "Call us at 1-800-555-0100.",
                        "Sincerely, Appeals Unit",
                    ],
                    "Member ID QX4410229 - Page 2 of 2",
                ),
            ],
            vec![],
        );
        let f = extract_all(&t, rules);
        assert_eq!(f.reference_number.as_deref(), Some("RQ-58213"));
        assert_eq!(f.member_id.as_deref(), Some("QX4410229"));
        let (_, e) = f
            .evidence
            .iter()
            .find(|(p, _)| p == "member.member_id")
            .unwrap();
        assert!(e.confidence <= 0.5, "{e:?}");
    }

    // Regression: "Small Group" ending a plan's name was read as the group label, and the
    // appeal reference in the next cell as the group number; a bilingual label without a
    // colon ("Group / Grupo | value") was not read.
    #[test]
    fn group_labels_in_cells() {
        let f = fields_of(
            "Acme Health\nPLAN                               APPEAL REFERENCE\nAcme Choice POS - Small Group      APL-2026-0001\nWe upheld the denial.",
        );
        assert_eq!(f.group_number, None);
        let f = fields_of(
            "Acme Health\nMember ID / N.\u{ba} de miembro:  QX4410229\nGroup / Grupo        77031-B\nWe denied the claim.",
        );
        assert_eq!(f.group_number.as_deref(), Some("77031-B"));
        assert_eq!(f.member_id.as_deref(), Some("QX4410229"));
    }

    // Regression: the first "call" in the letter was the state insurance department's
    // number, and it was taken for the payer's.
    #[test]
    fn another_organisations_number_is_not_the_payers() {
        let f = fields_of(
            "Acme Health\nWe upheld the denial.\nYou may ask the State Department of Insurance for an external review, or call 1-800-555-0190.\nIf you have questions, call Member Services at 1-888-555-0147.",
        );
        assert_eq!(f.payer_phone.as_deref(), Some("888-555-0147"));
        // The only number given stays, whoever's it is.
        let f = fields_of(
            "Acme Health\nWe upheld the denial.\nYou may ask the State Department of Insurance for an external review, or call 1-800-555-0190.",
        );
        assert_eq!(f.payer_phone.as_deref(), Some("800-555-0190"));
    }

    // Regression: a hospital stay approved in part took its admission date for the denial's
    // service date; the first day not approved is the one the denial is about.
    #[test]
    fn the_first_denied_day_is_the_service_date() {
        let f = fields_of(
            "Acme Health\nAdmission date: 03/02/2026\nDays approved: 03/02/2026 through 03/04/2026\nDays not approved: 03/05/2026 and after\nFurther days are not medically necessary.",
        );
        assert_eq!(
            f.service_date.map(|d| d.to_string()).as_deref(),
            Some("2026-03-05")
        );
        let f = fields_of(
            "Acme Health\nAdmission date: 03/02/2026\nThe stay is not medically necessary.",
        );
        assert_eq!(
            f.service_date.map(|d| d.to_string()).as_deref(),
            Some("2026-03-02")
        );
    }

    fn fields_of(s: &str) -> Fields {
        let t = Text::new(
            Method::PlainText,
            vec![s.lines().map(String::from).collect()],
            vec![],
        );
        extract_all(&t, Rules::bundled().unwrap())
    }

    // A claim named inside a sentence ("... already paid under claim X") is another the
    // letter refers to, not a claim of its own.
    #[test]
    fn claims_named_in_sentences_are_references() {
        let f = fields_of(
            "Acme Health\nClaim number: RT-55012\nAmount billed: $210.00\nWe denied this claim. The same visit was already paid under claim RT-54987 on your last statement.",
        );
        let numbers: Vec<_> = f
            .claims
            .iter()
            .filter_map(|c| c.claim_number.clone())
            .collect();
        assert_eq!(numbers, ["RT-55012"]);
        assert_eq!(f.claim_number.as_deref(), Some("RT-55012"));
    }

    // The member's share said only in words; a conditional sentence says nothing of this claim.
    #[test]
    fn the_share_in_words() {
        let f = fields_of(
            "Acme Health\nClaim number: QX-44120\nAmount billed: $640.00\nThe provider is not in our network, so it may bill you for the full amount.",
        );
        assert_eq!(f.patient_responsibility, Some(640.0));
        let g = fields_of(
            "Acme Health\nClaim number: QX-44120\nAmount billed: $640.00\nWe denied the claim. Because the provider is in our network, you owe nothing for this claim.",
        );
        assert_eq!(g.patient_responsibility, Some(0.0));
        let h = fields_of(
            "Acme Health\nClaim number: QX-44120\nAmount billed: $640.00\nIf you see a provider outside our network, it may bill you for the full amount.",
        );
        assert_eq!(h.patient_responsibility, None);
    }

    // What the member owes, said in a sentence: the amount comes later in the same sentence,
    // never from the next one.
    #[test]
    fn the_share_a_sentence_names() {
        let f = fields_of(
            "Acme Health\nWe reversed our decision. Your share for this visit is now the emergency room copay of $150.00. Thank you.",
        );
        assert_eq!(f.patient_responsibility, Some(150.0));
        let g = fields_of(
            "Acme Health\nYour share for this visit is being reviewed again. We paid $900.00 to the hospital.",
        );
        assert_eq!(g.patient_responsibility, None);
    }

    // A grid of labels over values: the value under "MEMBER ID / ..." is read whole (an
    // identifier printed in groups), and a bare "Date" over a column of dates names nothing.
    #[test]
    fn values_under_their_labels_are_read_by_column() {
        let f = fields_of(
            &[
                "MEMBER NAME          MEMBER ID / NO. DE MIEMBRO    DATE OF NOTICE",
                "Rosa M. Quintero     KTH 4410 2288 7               03/02/2026",
                "",
                "Payee                Date          Amount",
                "Pine Clinic          04/28/2026    $12.00",
            ]
            .join("\n"),
        );
        assert_eq!(f.member_id.as_deref(), Some("KTH441022887"));
        assert_eq!(f.member_name.as_deref(), Some("Rosa M. Quintero"));
        assert_eq!(
            f.letter_date.map(|d| d.to_string()).as_deref(),
            Some("2026-03-02")
        );
    }

    #[test]
    fn an_emails_sender_is_the_payer() {
        let f = fields_of(
            "From: Larkspur Mutual Health Member Care Team <care@larkspur.example>\n\
             To: Jo Ames <jo@example.net>\nDate: Fri, 6 Mar 2026 08:11:52 +0000\n\
             Subject: RE: your claim\n\nHi Jo, your claim was denied as a duplicate.",
        );
        assert_eq!(f.payer_name.as_deref(), Some("Larkspur Mutual Health"));
        assert_eq!(
            f.letter_date.map(|d| d.to_string()).as_deref(),
            Some("2026-03-06")
        );
    }

    // A banner, a department and a slogan sit above or beside the brand; the brand is the
    // name printed in the largest type.
    #[test]
    fn the_letterhead_is_the_largest_type_not_a_banner_or_slogan() {
        use crate::text::{Cell, RawLine};
        let line = |t: &str, y: f32, size: f32| RawLine {
            cells: vec![Cell {
                text: t.into(),
                x0: 72.0,
                x1: 300.0,
            }],
            words: vec![],
            y,
            size,
        };
        let mut layout = vec![
            line(
                "CONFIDENTIAL: this letter holds health information",
                30.0,
                8.0,
            ),
            line("Clinical Review Department", 42.0, 9.0),
            line("Tallgrass Mutual Health", 64.0, 20.0),
            line("Care that stays close to you", 80.0, 11.0),
        ];
        for i in 0..8 {
            layout.push(line(
                "We reviewed the request your doctor sent us for this care.",
                120.0 + 14.0 * i as f32,
                10.0,
            ));
        }
        let lines: Vec<String> = layout.iter().map(RawLine::text).collect();
        let t = Text::with_layout(Method::PdfText, vec![(lines, layout)], vec![]);
        let f = extract_all(&t, Rules::bundled().unwrap());
        assert_eq!(f.payer_name.as_deref(), Some("Tallgrass Mutual Health"));
    }

    // A logo's brand over the rest of its name, an address column beside it whose small
    // lines fall between the two: the name is finished by the line under the brand.
    #[test]
    fn a_brand_is_finished_by_the_line_under_it_not_the_column_beside_it() {
        use crate::text::{Cell, RawLine};
        let line = |cells: &[(&str, f32, f32)], y: f32, size: f32| RawLine {
            cells: cells
                .iter()
                .map(|&(t, x0, x1)| Cell {
                    text: t.into(),
                    x0,
                    x1,
                })
                .collect(),
            words: vec![],
            y,
            size,
        };
        let mut layout = vec![
            line(&[("Claims Review Unit", 400.0, 540.0)], 30.0, 8.0),
            line(&[("Fernhollow", 72.0, 230.0)], 52.0, 30.0),
            line(
                &[("Member Services 1-800-555-0100", 400.0, 540.0)],
                56.0,
                8.0,
            ),
            line(&[("HEALTH PLAN", 78.0, 170.0)], 68.0, 7.0),
        ];
        for i in 0..8 {
            layout.push(line(
                &[(
                    "We reviewed the claim your doctor sent us for this care.",
                    72.0,
                    400.0,
                )],
                120.0 + 14.0 * i as f32,
                10.0,
            ));
        }
        let lines: Vec<String> = layout.iter().map(RawLine::text).collect();
        let t = Text::with_layout(Method::PdfText, vec![(lines, layout.clone())], vec![]);
        let f = extract_all(&t, Rules::bundled().unwrap());
        assert_eq!(f.payer_name.as_deref(), Some("Fernhollow Health Plan"));
        // Nothing under the brand within two of its sizes: the brand alone.
        layout[3].y = 140.0;
        layout.swap(3, 4);
        let lines: Vec<String> = layout.iter().map(RawLine::text).collect();
        let t = Text::with_layout(Method::PdfText, vec![(lines, layout)], vec![]);
        let f = extract_all(&t, Rules::bundled().unwrap());
        assert_eq!(f.payer_name.as_deref(), Some("Fernhollow"));
    }

    // A title in large type ("... Determination - Specialty Drugs") names what the letter is
    // about: the part after the title is no sender, unless it ends as a payer's name does.
    #[test]
    fn the_part_after_a_title_is_no_payer_unless_it_ends_like_one() {
        use crate::text::{Cell, RawLine};
        let payer = |title: &str| {
            let line = |t: &str, y: f32, size: f32| RawLine {
                cells: vec![Cell {
                    text: t.into(),
                    x0: 72.0,
                    x1: 400.0,
                }],
                words: vec![],
                y,
                size,
            };
            let mut layout = vec![
                line("PO Box 4410, Tucson, AZ 85701", 40.0, 9.0),
                line(title, 90.0, 15.0),
            ];
            for i in 0..8 {
                layout.push(line(
                    "We reviewed the request your doctor sent us for this drug.",
                    120.0 + 14.0 * i as f32,
                    10.0,
                ));
            }
            let lines: Vec<String> = layout.iter().map(RawLine::text).collect();
            let t = Text::with_layout(Method::PdfText, vec![(lines, layout)], vec![]);
            extract_all(&t, Rules::bundled().unwrap()).payer_name
        };
        assert_eq!(payer("Coverage Determination - Specialty Drugs"), None);
        assert_eq!(
            payer("Appeal Decision - Fernhollow Health Plan").as_deref(),
            Some("Fernhollow Health Plan")
        );
        assert_eq!(
            payer("Fernhollow Benefits - Coverage Determination").as_deref(),
            Some("Fernhollow Benefits")
        );
    }

    // The label spans read from matches are the captures' `l` group, for every label pattern
    // on every line of the text fixtures, each line also cut short after every label it holds
    // (a label at the very end of a line, after a `.` or `#`, is where they could differ).
    #[test]
    #[allow(clippy::string_slice)] // Char boundaries: cuts end where a capture group or a char ends.
    fn label_spans_are_the_captured_labels() {
        let rules = Rules::bundled().unwrap();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut lines: Vec<String> = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let Ok(text) = std::fs::read_to_string(entry.unwrap().path().join("input.txt")) else {
                continue;
            };
            lines.extend(text.lines().map(values::lower));
        }
        lines.push("claim no.".into());
        lines.push("member id #".into());
        lines.push("acct. no. é".into());
        assert!(lines.len() > 500);
        let mut compared = 0;
        for re in rules
            .fields
            .iter()
            .flat_map(|f| &f.labels)
            .filter_map(|l| l.get())
        {
            for line in &lines {
                let mut cuts = vec![line.as_str()];
                for c in re.captures_iter(line) {
                    let l = c.name("l").unwrap();
                    cuts.push(&line[..l.end()]);
                    if let Some(next) = line[l.end()..].chars().next() {
                        cuts.push(&line[..l.end() + next.len_utf8()]);
                    }
                }
                for hay in cuts {
                    let by_captures: Vec<(usize, usize)> = re
                        .captures_iter(hay)
                        .filter_map(|c| c.name("l").map(|l| (l.start(), l.end())))
                        .collect();
                    let by_matches: Vec<(usize, usize)> = re
                        .find_iter(hay)
                        .filter_map(|m| label_span(re, hay, m))
                        .collect();
                    assert_eq!(by_captures, by_matches, "{} on {hay:?}", re.as_str());
                    compared += by_captures.len();
                }
            }
        }
        assert!(compared > 1000, "{compared}");
    }

    #[test]
    fn labels_on_one_line_with_several_cells() {
        let f = fields_of(
            "Claim Number: 2025-0314-77 Member ID: XZH123456789 Group: 00451\nPatient: Jane Q. Doe Provider: Lakeside Orthopedics",
        );
        assert_eq!(f.claim_number.as_deref(), Some("2025-0314-77"));
        assert_eq!(f.member_id.as_deref(), Some("XZH123456789"));
        assert_eq!(f.group_number.as_deref(), Some("00451"));
        assert_eq!(f.member_name.as_deref(), Some("Jane Q. Doe"));
        assert_eq!(f.provider.as_deref(), Some("Lakeside Orthopedics"));
    }

    // Regression: OCR read a fax's colons as semicolons, and the claim number beside its
    // label was not read.
    #[test]
    fn a_label_with_a_semicolon_for_its_colon() {
        let f = fields_of("Case number; APL-31-009921     Claim number; 4417730092018");
        assert_eq!(f.claim_number.as_deref(), Some("4417730092018"));
        assert_eq!(f.reference_number.as_deref(), Some("APL-31-009921"));
    }

    #[test]
    fn bilingual_labels_are_skipped_to_the_value() {
        let f = fields_of(
            "Member ID / Numero de miembro: SMH-330-551-902\nClaim number / Numero de reclamo # 27-0219-55810",
        );
        assert_eq!(f.member_id.as_deref(), Some("SMH-330-551-902"));
        assert_eq!(f.claim_number.as_deref(), Some("27-0219-55810"));
        // A slash that is part of a value is not a label's translation.
        assert_eq!(separator_len(": 12/14/2025"), 2);
    }

    // `names_a_column` is `columns_on` in one pass: they agree on every line of the
    // fixtures' text inputs and on lines written for the purpose.
    #[test]
    fn names_a_column_agrees_with_columns_on() {
        let rules = Rules::bundled().unwrap();
        let mut lines: Vec<String> = [
            "Date of Service  Billed  Allowed  Plan Paid  You Owe",
            "Charges Deductible Co-Ins. Pt. Resp.",
            "MAXIMUM YOU MAY BE BILLED",
            "Your claim was denied.",
            "Service Approved? Amount Not Covered",
            "",
            "NÚMERO DE RECLAMO  Cargos",
        ]
        .iter()
        .map(|l| l.to_string())
        .collect();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        for entry in std::fs::read_dir(dir).unwrap() {
            if let Ok(t) = std::fs::read_to_string(entry.unwrap().path().join("input.txt")) {
                lines.extend(t.lines().map(String::from));
            }
        }
        assert!(lines.len() > 500);
        let mut headers = 0;
        for l in &lines {
            let named = names_a_column(l, rules);
            assert_eq!(named, !columns_on(l, rules).is_empty(), "{l}");
            headers += usize::from(named);
        }
        assert!(headers >= 20, "{headers}");
    }

    #[test]
    fn header_row_above_values() {
        let f = fields_of("Claim Number Member ID Date of Service\nA77812 W90021 02/14/2025");
        assert_eq!(f.claim_number.as_deref(), Some("A77812"));
        assert_eq!(f.member_id.as_deref(), Some("W90021"));
        assert_eq!(f.service_date, Date::new(2025, 2, 14).ok());
    }

    #[test]
    fn claim_table_totals_and_denied_line_date() {
        let f = fields_of(
            "Service Date Procedure Billed Allowed Plan Paid You Owe\n01/05/2025 99213 $150.00 $90.00 $72.00 $18.00\n01/09/2025 97110 $300.00 $0.00 $0.00 $0.00 CO-197\nTotal $450.00 $90.00 $72.00 $18.00",
        );
        assert_eq!(f.billed_amount, Some(450.0));
        assert_eq!(f.patient_responsibility, Some(18.0));
        assert_eq!(f.service_date, Date::new(2025, 1, 9).ok());
        assert_eq!(f.procedure_codes, vec!["99213", "97110"]);
    }

    #[test]
    fn letter_date_ignores_birth_and_service_dates() {
        let f =
            fields_of("Acme Health Plan\nDate of birth: 01/02/1980\nJune 2, 2025\nDear Sam Lee,");
        assert_eq!(f.letter_date, Date::new(2025, 6, 2).ok());
        assert_eq!(f.payer_name.as_deref(), Some("Acme Health Plan"));
    }

    /// One page of OCR text made of these lines.
    fn ocr_text(lines: &[&str]) -> Text {
        Text::new(
            Method::Ocr,
            vec![lines.iter().map(|l| l.to_string()).collect()],
            vec![],
        )
    }

    // Regression: with the member's name box unreadable, "send ... your request to: <the
    // plan>" gave the plan's name as the member's (here a coordinator's). "To:" names an
    // addressee at a line's start.
    #[test]
    fn to_names_the_member_only_at_the_start_of_a_line() {
        let t = |lines: &[&str]| {
            let t = Text::new(
                Method::PlainText,
                vec![lines.iter().map(|l| l.to_string()).collect()],
                vec![],
            );
            extract_all(&t, Rules::bundled().unwrap()).member_name
        };
        let mid = [
            "Acme Health Plan",
            "Send a letter that explains why you disagree with your request to: Dana Ruiz,",
            "Appeals Coordinator, PO Box 100, Springfield IL 62701.",
        ];
        assert_eq!(t(&mid), None);
        let start = ["Acme Health Plan", "To: Jordan Q. Sample", "Re: your claim"];
        assert_eq!(t(&start).as_deref(), Some("Jordan Q. Sample"));
    }

    // Regression: a scanned statement's only claim number stood in its one-row claims table
    // ("CLAIM NUMBER | PROVIDER | ... " over the values); OCR's cells did not pair the label
    // with its value, and the claim listed in `claims` had its number while the headline had
    // none. Here the pairs are taken away to stand for that reading.
    #[test]
    fn the_only_claims_number_from_its_table_is_the_headlines() {
        let lines = [
            "Pinecrest Health Plan            Explanation of Benefits",
            "Date prepared    04/02/2026",
            "CLAIM NUMBER     PROVIDER             PATIENT      RECEIVED / PROCESSED      YOUR TOTAL COST",
            "7734100288       Larkspur Imaging     Ana Quist    03/24/2026 - 03/31/2026   $0.00",
            "Service date   Service          Billed     Plan paid   Your cost   Codes",
            "03/18/2026     MRI lumbar       $900.00    $0.00       $0.00       CO-197",
        ];
        let t = ocr_text(&lines);
        let rules = Rules::bundled().unwrap();
        let mut layout = crate::layout::analyze(&t, rules);
        layout.pairs.clear();
        let f = extract(&t, &layout, rules);
        let listed: Vec<_> = f.claims.iter().map(|c| c.claim_number.clone()).collect();
        assert_eq!(listed, [Some("7734100288".to_string())]);
        assert_eq!(f.claim_number.as_deref(), Some("7734100288"));
    }

    #[test]
    fn an_ocr_letter_date_opens_the_left_column_above_other_dates() {
        let lines = [
            "Acme Health Plan",
            "05/12/2026          Member:    Patricia Okonkwo-Lee",
            "Reviewed on:        04/30/2026",
            "Date of injury:     01/07/2026",
            "Dear Ms. Okonkwo-Lee,",
        ];
        let t = ocr_text(&lines);
        let f = extract_all(&t, Rules::bundled().unwrap());
        assert_eq!(
            f.letter_date.map(|d| d.to_string()).as_deref(),
            Some("2026-05-12")
        );
    }

    // Regression: a claim number in a scanned EOB's list of claims kept OCR's letter O for a
    // zero, which the headline's own reading had had mended.
    #[test]
    fn ocr_claim_numbers_in_a_list_get_their_digits_back() {
        let lines = [
            "Acme Health Plan",
            "Dear Sam Lee, the claims below were processed.",
            "Claim number    Date of service    Provider          Billed     Result    Code    You may owe",
            "31QA0482210     02/03/2026         Elm Clinic        $140.00    Paid      -       $20.00",
            "31QBO517734     02/19/2026         Birch Imaging     $620.00    Denied    27      $620.00",
        ];
        let mut t = ocr_text(&lines);
        t.ocr_confidence = vec![(1, 0.9)];
        let f = extract_all(&t, Rules::bundled().unwrap());
        let numbers: Vec<_> = f
            .claims
            .iter()
            .filter_map(|c| c.claim_number.clone())
            .collect();
        assert_eq!(numbers, ["31QA0482210", "31QB0517734"]);
        assert_eq!(f.claim_number.as_deref(), Some("31QB0517734"));
    }

    // Regression: a date printed at the right of the letterhead shares its OCR row with the
    // sender's name; a balance's "as of" date lower down became the letter's date.
    #[test]
    fn an_ocr_letter_date_at_the_right_of_the_letterhead() {
        let lines = [
            "NORTHGATE RECOVERY PARTNERS, LLC                 06/02/2026",
            "PO Box 1200, Springfield, IL 62701",
            "Dear Sam Lee,",
            "As of March 31, 2026, you owed:        $512.40",
        ];
        let t = ocr_text(&lines);
        let f = extract_all(&t, Rules::bundled().unwrap());
        assert_eq!(
            f.letter_date.map(|d| d.to_string()).as_deref(),
            Some("2026-06-02")
        );
    }

    #[test]
    fn letter_date_in_the_first_cell_of_a_header_row() {
        // OCR reads the date beside a key-value box as one line; its first cell is the date.
        let f = fields_of(
            "Acme Health Plan\nMay 4, 2026     Member name     Patricia Okonkwo-Lee\nDate of birth     01/02/1980\nDear Ms. Okonkwo-Lee,",
        );
        assert_eq!(f.letter_date, Date::new(2026, 5, 4).ok());
        // A date that is a labelled value is not the letter's.
        let f = fields_of(
            "Acme Health Plan\nDate received     May 4, 2026     Member     Patricia Okonkwo-Lee\nDear Ms. Okonkwo-Lee,",
        );
        assert_eq!(f.letter_date, None);
    }

    // Regression: a portal message's date is its "Sent:" header; the date of a statement it
    // quotes later ("EOB date:") had been taken for it.
    #[test]
    fn a_messages_sent_header_is_its_date() {
        let f = fields_of(
            "From: Member Services\nSent: 05/12/2026 9:02 AM\nHello Pat,\nYour claim was denied.\nEOB date: 04/01/2026",
        );
        assert_eq!(f.letter_date, Date::new(2026, 5, 12).ok());
        // "sent" in a sentence is no label.
        let f =
            fields_of("We sent your provider a letter about this claim.\nNotice date: 04/01/2026");
        assert_eq!(f.letter_date, Date::new(2026, 4, 1).ok());
    }

    // Regression: "the same charges ($90.00)" in a sentence was read as an accounting
    // negative, a billed amount of -90.
    #[test]
    fn an_amount_in_brackets_after_a_labels_words_is_not_negative() {
        let f = fields_of(
            "Dear Pat Lee,\nA second claim arrived for the same visit and the same charges ($90.00), so we\ndenied it as a duplicate.",
        );
        assert_eq!(f.billed_amount, Some(90.0));
        // After a colon, brackets are the accounting sign.
        let f = fields_of("Dear Pat Lee,\nTotal charges: ($90.00)\nThis claim was reversed.");
        assert_eq!(f.billed_amount, Some(-90.0));
    }

    // Regression: a parenthesis wrapped onto a line of its own ("...or the secondary" /
    // "payer).") made that line a header naming the payer, and the next sentence the payer.
    #[test]
    fn a_label_ending_a_wrapped_parenthesis_is_no_header() {
        let f = fields_of(
            "HARBOR LANE HEALTH PLAN\nPROVIDER PAYMENT NOTICE\nM12 PLEASE ATTACH THE OTHER PLAN STATEMENT (THE PRIMARY\nPAYER).\nLINES DENIED CO-22: BILL THE OTHER PLAN FIRST, THEN RESUBMIT TO US WITH THE\nOTHER PLAN STATEMENT.",
        );
        assert_eq!(f.payer_name.as_deref(), Some("HARBOR LANE HEALTH PLAN"));
        // A header row of labels is still one, also with a speck OCR read as a bracket.
        let f = fields_of("Harbor Lane Health Plan\nPayer )\nBluefin Casualty Mutual");
        assert_eq!(f.payer_name.as_deref(), Some("Bluefin Casualty Mutual"));
        let f = fields_of("Harbor Lane Health Plan\nPayer (name)\nBluefin Casualty Mutual");
        assert_eq!(f.payer_name.as_deref(), Some("Bluefin Casualty Mutual"));
    }

    #[test]
    fn a_logo_read_as_a_letter_before_the_brand_is_dropped() {
        let payer = |s: &str| fields_of(s).payer_name;
        assert_eq!(
            payer("e Cobalt Ridge Health Plan\nClaims Review Unit\nDear Pat Lee,").as_deref(),
            Some("Cobalt Ridge Health Plan")
        );
        assert_eq!(
            payer("& Tidewell Health\nDear Pat Lee,").as_deref(),
            Some("Tidewell Health")
        );
    }

    #[test]
    fn a_logo_speck_ocr_was_unsure_of_is_dropped() {
        let lines = "Qx Fenwater Valley Health Plan\nDear Pat Lee,";
        let mut t = Text::new(
            Method::Ocr,
            vec![lines.lines().map(String::from).collect()],
            vec![],
        );
        let payer = |t: &Text| extract_all(t, Rules::bundled().unwrap()).payer_name;
        // A word OCR was sure of stays part of the name.
        assert_eq!(payer(&t).as_deref(), Some("Qx Fenwater Valley Health Plan"));
        t.uncertain.push((1, "Qx".to_string()));
        assert_eq!(payer(&t).as_deref(), Some("Fenwater Valley Health Plan"));
    }

    #[test]
    fn common_letters_counts_letters_in_order() {
        assert_eq!(common_letters("quilmoorhealth", "quillmoorhealthplan"), 14);
        assert_eq!(common_letters("abc", "cba"), 1);
        assert_eq!(common_letters("", "abc"), 0);
        assert_eq!(common_letters("banxo", "banio"), 4);
    }

    // OCR's reading of a letterhead (a logo, large or light type) is checked against the
    // names the letter's sentences use; a text layer's letterhead is taken as read.
    #[test]
    fn a_scanned_letterhead_is_read_again_in_the_body() {
        let body = "Dear Pat Lee:\n\
                    Quillmoor Health Plan received a request from your doctor on 03/02/2026.\n\
                    We reviewed it and cannot approve it.\n\
                    You may appeal. Write to QUILLMOOR HEALTH PLAN, Appeals, PO Box 40, Reno NV.";
        let payer = |method: Method, head: &str| {
            let t = Text::new(
                method,
                vec![
                    format!("{head}\n{body}")
                        .lines()
                        .map(String::from)
                        .collect(),
                ],
                vec![],
            );
            extract_all(&t, Rules::bundled().unwrap()).payer_name
        };
        // A logo OCR could not read: the name the letter repeats.
        assert_eq!(
            payer(Method::Ocr, "Cf /; ~~\nUtilization Management").as_deref(),
            Some("Quillmoor Health Plan")
        );
        // A reading of the logo with a letter lost, nowhere else in the letter.
        assert_eq!(
            payer(Method::Ocr, "Quil moor Health\nPO Box 40, Reno NV 89501").as_deref(),
            Some("Quillmoor Health Plan")
        );
        assert_eq!(
            payer(
                Method::Ocr,
                "QuILlrnoar HEALTH PLAN\nPO Box 40, Reno NV 89501"
            )
            .as_deref(),
            Some("Quillmoor Health Plan")
        );
        // Another organisation's letterhead (no word in common) stands, as does one the
        // letter names again.
        assert_eq!(
            payer(
                Method::Ocr,
                "Larchfield Benefit Administrators\nPO Box 9, Reno NV 89501"
            )
            .as_deref(),
            Some("Larchfield Benefit Administrators")
        );
        let again = format!("Quillmoor Health\n{body}\nQuillmoor Health, Reno NV");
        let t = Text::new(
            Method::Ocr,
            vec![again.lines().map(String::from).collect()],
            vec![],
        );
        assert_eq!(
            extract_all(&t, Rules::bundled().unwrap())
                .payer_name
                .as_deref(),
            Some("Quillmoor Health")
        );
        // Read from a text layer, the letterhead is as printed.
        assert_eq!(
            payer(
                Method::PdfText,
                "Quil moor Health\nPO Box 40, Reno NV 89501"
            )
            .as_deref(),
            Some("Quil moor Health")
        );
        // A name the letter gives once is not enough: the letterhead is read as it would be
        // from a text layer.
        let once = "Cf /; ~~\nPO Box 40, Reno NV 89501\nDear Pat Lee:\n\
                    Quillmoor Health Plan received a request.";
        let read = |method| {
            let t = Text::new(
                method,
                vec![once.lines().map(String::from).collect()],
                vec![],
            );
            extract_all(&t, Rules::bundled().unwrap()).payer_name
        };
        assert_eq!(read(Method::Ocr), read(Method::PdfText));
        assert_ne!(read(Method::Ocr).as_deref(), Some("Quillmoor Health Plan"));
    }

    #[test]
    fn a_logo_that_stacks_its_name_is_read_whole() {
        let payer = |s: &str| fields_of(s).payer_name;
        // The brand over the rest of the name, in capitals or in cells of their own.
        assert_eq!(
            payer("Fenwater\nCommunity Health Plan\nPO Box 12, Salem OR 97301\nDear Pat Lee,")
                .as_deref(),
            Some("Fenwater Community Health Plan")
        );
        assert_eq!(
            payer("Utilization Review Department\nFenwater | PO Box 12\nHEALTH | PLAN | Salem, OR 97301\nDear Pat Lee,")
                .as_deref(),
            Some("Fenwater Health Plan")
        );
        // A line that goes on after such words is no part of the name; nor are those words
        // alone a name.
        assert_ne!(
            payer("Fenwater\nHealth plans for every family\nDear Pat Lee,").as_deref(),
            Some("Fenwater Health")
        );
        assert_eq!(payer("HEALTH PLAN\nDear Pat Lee,"), None);
    }

    #[test]
    fn an_identifier_or_the_members_name_in_large_type_is_no_payer() {
        let payer = |s: &str| fields_of(s).payer_name;
        assert_eq!(payer("7QX4-HJ2-RT58\nDear Pat Lee,"), None);
        let member = "ODALYS R FENWICK\nMember: Odalys R. Fenwick\nDear Ms. Fenwick,";
        assert_eq!(
            fields_of(member).member_name.as_deref(),
            Some("Odalys R. Fenwick")
        );
        assert_eq!(payer(member), None);
    }

    #[test]
    fn letter_spaced_brand_read_in_pieces_takes_its_whole_spelling() {
        let payer = |s: &str| fields_of(s).payer_name;
        assert_eq!(
            payer("Wi llow mere Valley Health\nPO Box 12, Spokane WA 99201\nQuestions? Call Willowmere Valley Health Plan at 1-800-555-0100.\nDear Pat Lee,")
                .as_deref(),
            Some("Willowmere Valley Health Plan")
        );
        // Nothing to mend from: the name stays as read.
        assert_eq!(
            payer("Wi llow mere Valley Health Plan\nDear Pat Lee,").as_deref(),
            Some("Wi llow mere Valley Health Plan")
        );
        // A name without pieces is never respelled.
        assert_eq!(
            payer("Harbor Mutual\nHarbor Mutual Insurance Company of the West\nDear Pat Lee,")
                .as_deref(),
            Some("Harbor Mutual")
        );
    }

    #[test]
    fn a_product_letterhead_gives_way_to_the_company_named_in_the_letter() {
        let payer = |s: &str| fields_of(s).payer_name;
        // The product over the company; the company acts in the letter, in mixed case.
        assert_eq!(
            payer("Bramblecrest Advantage HMO\nBRAMBLECREST SENIOR HEALTH \u{b7} PLANS FOR MEDICARE\nDate: 03/02/2026\nBramblecrest Senior Health has denied the request below.").as_deref(),
            Some("Bramblecrest Senior Health")
        );
        // "... of <state>" belongs to the name.
        assert_eq!(
            payer("Quillon Choice PPO \u{2022} Large Group\nDate: 03/02/2026\nWrite to: Quillon Health Plan of Nevada, Appeals Unit, PO Box 1.").as_deref(),
            Some("Quillon Health Plan of Nevada")
        );
        // Without the company named, the product stays; a company's own letterhead stays.
        assert_eq!(
            payer("Quillon Choice PPO\nDate: 03/02/2026\nQuillon paid $40.00.").as_deref(),
            Some("Quillon Choice PPO")
        );
        assert_eq!(
            payer("Quillon Health Plan\nDate: 03/02/2026\nQuillon Dental Insurance Company is a subsidiary.").as_deref(),
            Some("Quillon Health Plan")
        );
        // A letter that speaks as the product is the product's.
        assert_eq!(
            payer("Quillon Advantage PPO\nA plan offered by Quillon Health Plans\nDate: 03/02/2026\nYou may ask Quillon Advantage PPO to review our decision.\nWrite to Quillon Advantage PPO, Appeals.").as_deref(),
            Some("Quillon Advantage PPO")
        );
        // A state's program is not a product line.
        assert_eq!(
            payer(
                "OREGON MEDICAID\nDate: 03/02/2026\nFree legal help: Oregon Legal Aid Association."
            )
            .as_deref(),
            Some("OREGON MEDICAID")
        );
    }

    #[test]
    fn letterhead_names() {
        let payer = |s: &str| fields_of(s).payer_name;
        // A known insurer without a generic word, in a line with other parts.
        assert_eq!(
            payer("Aetna | PO Box 981106 El Paso TX 79998\nDear Pat Lee,").as_deref(),
            Some("Aetna")
        );
        // A short parenthetical stays; a long one is cut off.
        assert_eq!(
            payer("Acme Medicare Advantage (HMO)\nDate: 01/02/2025").as_deref(),
            Some("Acme Medicare Advantage (HMO)")
        );
        assert_eq!(
            payer("Tri-County Benefit Services (administrator for the Hillside Plan)\nHello")
                .as_deref(),
            Some("Tri-County Benefit Services")
        );
        // A brand in one word, alone on the first line, cut before its date.
        assert_eq!(
            payer("Cedar Valley BlueCare Date Issued: 12/15/2025\nStatement").as_deref(),
            Some("Cedar Valley BlueCare")
        );
        // Titles are not payers.
        assert_eq!(
            payer("Explanation of Benefits\nThis is not a bill").as_deref(),
            None
        );
        // A state's own notice: the agency, named with its state; the jurisdiction alone is
        // no sender.
        assert_eq!(
            payer("STATE OF IDAHO\nDepartment of Health and Welfare - Medicaid Division\nNotice date: 05/01/2026")
                .as_deref(),
            Some("Idaho Department of Health and Welfare")
        );
        // Regression: the wrapped end of a title was taken for the payer.
        assert_eq!(
            payer(
                "Summary Notice for Part B (Medical\nInsurance)\nDate of This Notice May 1, 2026"
            )
            .as_deref(),
            None
        );
    }

    #[test]
    fn phone_skips_fax_and_tty() {
        let f = fields_of(
            "Fax: 800-555-0100\nQuestions? Call Member Services at 1-800-555-0142 (TTY 711).",
        );
        assert_eq!(f.payer_phone.as_deref(), Some("800-555-0142"));
    }
}
#[cfg(test)]
mod ocr_split_tests {
    use super::tests::extract_all;
    use super::*;
    use crate::text::Method;

    #[test]
    fn id_split_by_ocr_is_joined() {
        let t = Text::new(
            Method::Ocr,
            vec![vec![
                "Subscriber ID: PHW402281 196".into(),
                "Group: 88120".into(),
            ]],
            vec![],
        );
        let f = extract_all(&t, Rules::bundled().unwrap());
        assert_eq!(f.member_id.as_deref(), Some("PHW402281196"));
        assert_eq!(f.group_number.as_deref(), Some("88120"));
    }
}
#[cfg(test)]
mod wrap_tests {
    use super::*;
    use crate::text::Method;

    #[test]
    fn wrapped_cells_are_joined_but_next_labels_are_not() {
        let lines = |v: &[&str]| {
            Text::new(
                Method::PlainText,
                vec![v.iter().map(|s| s.to_string()).collect()],
                vec![],
            )
        };
        let f = extract_all(
            &lines(&[
                "Treating",
                "provider: Snake River Emergency",
                "Physicians Visit date: 12/19/2025",
            ]),
            Rules::bundled().unwrap(),
        );
        assert_eq!(
            f.provider.as_deref(),
            Some("Snake River Emergency Physicians")
        );
        let f = extract_all(
            &lines(&[
                "Ordering Provider: Peachtree Neurology Associates",
                "Planned Date of Service: 03/27/2026",
            ]),
            Rules::bundled().unwrap(),
        );
        assert_eq!(
            f.provider.as_deref(),
            Some("Peachtree Neurology Associates")
        );
    }
}

/// Property tests of the private readers behind labels and values (the public stages are
/// covered in tests/integration/props.rs): lines as the text stage gives them, normalised.
#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    const PIECES: &[&str] = &[
        "Claim number:",
        "Member ID",
        "Patient:",
        "Provider",
        "Date of service",
        "Billed",
        "Allowed",
        "Paid",
        "You owe",
        "Total",
        "Group #",
        "Reference",
        "your visit to",
        "Numero de miembro",
        "/",
        ":",
        "#",
        "-",
        "|",
        "$1,234.56",
        "03/04/2025",
        "A123456",
        "LPD 4471 0093 21",
        "Jane Q. Doe",
        "(800) 555-0199",
        "fax",
        "caf\u{e9}",
        "\u{c9}A",
        "x\u{301}",
        "\u{200f}",
        "\u{fffd}",
        "\u{1f642}",
        "\u{5e9}\u{5dc}",
        "\u{130}",
        "\u{0}",
    ];

    fn line() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                3 => proptest::sample::select(PIECES).prop_map(str::to_string),
                1 => proptest::collection::vec(any::<char>(), 0..4)
                    .prop_map(|c| c.into_iter().collect::<String>()),
            ],
            0..12,
        )
        .prop_map(|v| crate::text::normalize_line(&v.join(" ")))
    }

    fn kind() -> impl Strategy<Value = ValueKind> {
        proptest::sample::select(
            &[
                ValueKind::Id,
                ValueKind::Name,
                ValueKind::Text,
                ValueKind::Date,
                ValueKind::Amount,
                ValueKind::Phone,
            ][..],
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn labels_lie_on_their_line_in_order(line in line()) {
            let rules = Rules::bundled().unwrap();
            let labels = labels_on(&line, rules);
            for w in labels.windows(2) {
                prop_assert!(w[0].start <= w[1].start);
            }
            for l in &labels {
                prop_assert!(l.start < l.end && l.end <= line.len());
                prop_assert!(line.is_char_boundary(l.start) && line.is_char_boundary(l.end));
                prop_assert!(!l.alts.is_empty());
            }
            let _ = only_labels(&line, &labels);
            for (a, b, _) in columns_on(&line, rules) {
                prop_assert!(a < b && b <= line.len());
            }
            let _ = amount_columns(&line, rules);
            let _ = is_heading(&line);
        }

        #[test]
        fn values_use_what_they_read(line in line(), kind in kind(), same_line in any::<bool>()) {
            let rules = Rules::bundled().unwrap();
            let lead = separator_len(&line);
            prop_assert!(lead <= line.len() && line.is_char_boundary(lead));
            for start in [true, false] {
                if let Some((_, used)) = parse_value_with(kind, &line, rules, same_line, start) {
                    prop_assert!(used <= line.len(), "{used} of {}", line.len());
                    prop_assert!(line.is_char_boundary(used));
                }
            }
            if let Some(v) = text_value(&line, rules) {
                prop_assert!(v.len() >= 2 && line.contains(v.as_str()));
            }
        }
    }
}
