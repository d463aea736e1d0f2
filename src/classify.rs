//! Stage 4, classify: [`Text`], its [`Layout`] and [`Rules`] in, a [`Classification`] out: the
//! document type, the plan type, the denial codes found, and (when the document denies
//! something) the denial category with its confidence and the sentence that states the reason.
//!
//! Scores are sums of weighted evidence from `rules/`: phrase rules, document signals and the
//! CARC/RARC tables. A pattern counts once per document; inside a conditional sentence
//! (appeal-rights boilerplate: "If your claim is denied because ...") it counts for a fifth.
// Byte-index slicing of text panics off a character boundary: each slice here is proven
// on one (an `allow` with the reason) or made with `get`.
#![deny(clippy::string_slice)]

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use crate::layout::Layout;
use crate::report::{Category, Code, CodeSystem, DocumentType, Evidence, PlanType};
use crate::rules::{PlanRule, Rules, SignalKind};
use crate::text::Text;

/// Weight kept by a match inside a conditional sentence.
const CONDITIONAL: f64 = 0.2;
/// Lines at the top of page 1 where a title counts double.
const TITLE_LINES: usize = 25;

/// What the document is and why it denies.
#[derive(Debug, Clone)]
pub struct Classification {
    /// The document type.
    pub document_type: DocumentType,
    /// The plan type.
    pub plan_type: PlanType,
    /// The denial, if the document denies something.
    pub denial: Option<DenialClass>,
    /// Evidence for `document_type`, `payer.plan_type`, `denial.category`, `denial.reason_text`.
    pub evidence: Vec<(String, Evidence)>,
}

/// The denial's category, reason and codes.
#[derive(Debug, Clone)]
pub struct DenialClass {
    /// The category.
    pub category: Category,
    /// 0..1.
    pub confidence: f64,
    /// The sentence(s) stating the reason, as written.
    pub reason_text: Option<String>,
    /// Denial codes (cost-sharing and informational codes left out).
    pub codes: Vec<Code>,
    /// The decision is about care not yet received.
    pub pre_service: bool,
    /// Documents the letter asks for or says are missing.
    pub documents_requested: Vec<String>,
}

use crate::rules::constant as re;

// CARC with a group code: `CO-50`, `PR 204`, `OA:18`, `CO-\n197` (straddling a line break).
pub(crate) static GROUP_CODE: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(CO|PR|OA|PI|CR)\s?[-:\u{2013}]?\s?(\d{1,3}|[A-Z]\d{1,2})\b"));
// A code after a label: `reason code 50`, `CARC: 197`, `Remark code N130`, `Explanation code D47`.
static LABELLED_CODE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(carc|rarc|(?:claim )?adjustment reason|reason|remark|denial|explanation|message|eob|adj(?:ustment)?|payment)\s?(?:codes?|cd\.?)(?:\s?\((?:s|carc|rarc)\))?(?:\s?on (?:your|the|this) (?:eob|statement|explanation of benefits|remittance))?\s?(?:[:#]|\.{2,})?\s?((?:(?:CO|PR|OA|PI|CR)[- ]?)?[A-Z]{0,3}\d{1,4}[A-Z]?)\b",
    )
});
// A legend line that names its code with the bare word: `Code 22: This care may be ...`.
static CODE_LEGEND: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)(?:^|\.\s)\s*code\s(\d{1,3})\s?[:\-\u{2013}]\s?[A-Za-z]"));
// A bare remark code token.
static RARC_TOKEN: LazyLock<Regex> = LazyLock::new(|| re(r"\b(MA\d{2,3}|M\d{1,3}|N\d{1,4})\b"));
// A legend line: `CO-50 - These are non-covered services ...`, `D47: Not a covered benefit`.
static LEGEND: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^\(?((?:(?:CO|PR|OA|PI|CR)[- ]?)?[A-Z]{0,3}\d{1,4}[A-Z]?)\)?\s?(?:[-:=\u{2013}\u{2014}]|\s{1})\s?([A-Za-z].{8,})$",
    )
});

/// Classifies a document. The layout tells which values name the document's own plan (the
/// value under a "Plan" label).
pub fn classify(text: &Text, layout: &Layout, rules: &Rules) -> Classification {
    let title_end = text.pages.first().map(|p| {
        let n = p.lines.len().min(TITLE_LINES);
        if n == 0 {
            0
        } else {
            text.offset_of(crate::text::LineRef {
                page: 1,
                line: n - 1,
            }) + p.lines[n - 1].len()
        }
    });
    let title_end = title_end.unwrap_or(0);

    // Document signals.
    let mut sig: HashMap<SignalKind, f64> = HashMap::new();
    let mut sig_at: HashMap<SignalKind, (f64, usize)> = HashMap::new();
    for s in &rules.signals {
        if let Some((w, at)) = best_match(text, &s.re, s.weight) {
            // A title: a short line near the top of page 1.
            let line_words = text.line(text.locate(at)).split_whitespace().count();
            let title_bonus = matches!(
                s.signal,
                SignalKind::Eob | SignalKind::AppealDecision | SignalKind::DenialLetter
            ) && at < title_end
                && line_words <= 9;
            let w = if title_bonus { w * 2.0 } else { w };
            *sig.entry(s.signal).or_default() += w;
            let e = sig_at.entry(s.signal).or_insert((0.0, at));
            if w > e.0 {
                *e = (w, at);
            }
        }
    }
    let score = |k: SignalKind| sig.get(&k).copied().unwrap_or(0.0);

    // Codes and category scores.
    let codes = find_codes(text, rules);
    let mut cat: HashMap<Category, f64> = HashMap::new();
    let mut cat_best: HashMap<Category, (f64, usize)> = HashMap::new();
    for p in &rules.phrases {
        if let Some((w, at)) = best_match(text, &p.re, p.weight) {
            *cat.entry(p.category).or_default() += w;
            let e = cat_best.entry(p.category).or_insert((0.0, at));
            if w > e.0 || (w == e.0 && at < e.1) {
                *e = (w, at);
            }
        }
    }
    let mut code_at: HashMap<Category, usize> = HashMap::new();
    for c in &codes {
        if let Some((category, weight)) = code_category(rules, c.code.system, &c.code.code) {
            *cat.entry(category).or_default() += weight;
            code_at.entry(category).or_insert(c.at);
        }
    }
    // A line the plan did not pay whose code the document explains in words of a category.
    let unpaid = unpaid_line_reasons(layout, rules);
    for (category, weight) in &unpaid {
        *cat.entry(*category).or_default() += weight;
    }
    let denial_codes: Vec<&FoundCode> = codes
        .iter()
        .filter(|c| {
            code_category(rules, c.code.system, &c.code.code).is_some()
                || c.code.system == CodeSystem::Payer
        })
        .collect();
    // A payer's own code counts when the document's legend says it denies something.
    let has_denial_code = denial_codes.iter().any(|c| {
        c.code.system != CodeSystem::Payer
            || c.code.description.as_deref().is_some_and(|d| {
                let d = &d.to_ascii_lowercase();
                rules.phrases.iter().any(|p| p.re.is_match(d))
                    || rules
                        .signals
                        .iter()
                        .any(|s| s.signal == SignalKind::Denial && s.re.is_match(d))
            })
    });
    let top_phrase = cat
        .iter()
        .filter(|(c, _)| **c != Category::Other)
        .map(|(_, v)| *v)
        .fold(0.0, f64::max);
    // Statements and EOBs rarely say "denied": a line's note explains why it was not paid.
    let eob_like = score(SignalKind::Eob) >= 7.0;
    let denies = score(SignalKind::Denial) >= 3.0
        || has_denial_code
        || !unpaid.is_empty()
        || (top_phrase >= 5.0 && (score(SignalKind::Denial) >= 2.0 || eob_like));

    // Document type.
    let mut evidence = Vec::new();
    // An outcome statement ("we are upholding our decision") is itself evidence of an appeal
    // decision.
    let appeal_score = score(SignalKind::AppealDecision)
        + 0.5 * (score(SignalKind::Upheld) + score(SignalKind::Overturned));
    let (document_type, denies, type_signal) = if appeal_score >= 4.0 {
        let upheld = score(SignalKind::Upheld) + if denies { 1.0 } else { 0.0 };
        (
            DocumentType::AppealDecision,
            score(SignalKind::Overturned) < upheld,
            Some(SignalKind::AppealDecision),
        )
    } else if score(SignalKind::Collection) >= 5.0
        && score(SignalKind::Collection) >= score(SignalKind::Eob)
        && !has_denial_code
    {
        (DocumentType::Other, false, Some(SignalKind::Collection))
    } else if score(SignalKind::Eob) >= 7.0
        && score(SignalKind::Eob) >= score(SignalKind::DenialLetter)
    {
        (DocumentType::Eob, denies, Some(SignalKind::Eob))
    } else if denies
        && !(score(SignalKind::InfoRequest) >= 5.0
            && score(SignalKind::Denial) < 4.0
            && !has_denial_code)
    {
        (
            DocumentType::DenialLetter,
            true,
            Some(if score(SignalKind::DenialLetter) > 0.0 {
                SignalKind::DenialLetter
            } else {
                SignalKind::Denial
            }),
        )
    } else {
        let why = [
            SignalKind::Approval,
            SignalKind::InfoRequest,
            SignalKind::Paid,
            SignalKind::Collection,
        ]
        .into_iter()
        .max_by(|a, b| score(*a).total_cmp(&score(*b)))
        .filter(|k| score(*k) > 0.0);
        (DocumentType::Other, false, why)
    };
    if let Some((_, at)) = type_signal.and_then(|k| sig_at.get(&k)) {
        let conf = if document_type == DocumentType::Other {
            0.6
        } else {
            0.9
        };
        evidence.push(("document_type".to_string(), evidence_at(text, *at, conf)));
    }

    // Plan type.
    let mut plan_scores: Vec<(PlanType, f64, usize)> = Vec::new();
    // Values printed under a label that names the plan ("PLAN" over "Acme Select POS").
    let own_values: Vec<(u32, String)> = layout
        .pairs
        .iter()
        .filter(|p| rules.plan_identity.is_match(&p.label.to_ascii_lowercase()))
        .map(|p| (p.page, p.value.to_ascii_lowercase()))
        .collect();
    for p in &rules.plans {
        if let Some((w, at)) = best_plan_match(text, p, rules, &own_values) {
            match plan_scores.iter_mut().find(|(t, _, _)| *t == p.plan_type) {
                Some(e) => e.1 += w,
                None => plan_scores.push((p.plan_type, w, at)),
            }
        }
    }
    // A state agency's letterhead makes a Medicaid notice fee-for-service; without Medicaid
    // named at all it is some other agency's letter.
    if !plan_scores
        .iter()
        .any(|(t, _, _)| *t == PlanType::MedicaidManagedCare)
    {
        plan_scores.retain(|(t, _, _)| *t != PlanType::MedicaidFeeForService);
    }
    // A public program decides the appeal route; the product type (HMO, PPO) only says how the
    // network works, and programs' plans are often HMOs or PPOs. So a program found at all
    // outranks a product type.
    let is_program = |t: PlanType| {
        !matches!(
            t,
            PlanType::Hmo | PlanType::Ppo | PlanType::Epo | PlanType::Pos | PlanType::Unknown
        )
    };
    let best_of = |program: bool| {
        plan_scores
            .iter()
            .filter(|(t, w, _)| *w >= 3.0 && is_program(*t) == program)
            .fold(None::<&(PlanType, f64, usize)>, |best, x| match best {
                Some(b) if b.1 >= x.1 => Some(b),
                _ => Some(x),
            })
    };
    let plan = best_of(true).or_else(|| best_of(false));
    let plan_type = plan.map(|p| p.0).unwrap_or(PlanType::Unknown);
    if let Some((_, w, at)) = plan {
        evidence.push((
            "payer.plan_type".to_string(),
            evidence_at(text, *at, (w / 8.0).min(0.95)),
        ));
    }

    // Denial category.
    let denial = denies.then(|| {
        let mut ranked: Vec<(Category, f64)> = cat.iter().map(|(c, v)| (*c, *v)).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let (top, top_score) = ranked.first().copied().unwrap_or((Category::Other, 0.0));
        let second = ranked.get(1).map(|r| r.1).unwrap_or(0.0);
        let (category, confidence) = if top_score < 2.0 {
            (Category::Other, 0.4)
        } else {
            let strength = (top_score / 8.0).min(1.0);
            let margin = ((top_score - second) / top_score).max(0.0);
            (
                top,
                (0.35 + 0.6 * strength * margin.sqrt()).clamp(0.3, 0.97),
            )
        };
        let reason_at = cat_best
            .get(&category)
            .map(|(_, at)| *at)
            .or_else(|| code_at.get(&category).copied());
        let reason_text = reason_at
            .map(|at| text.sentence_text(at))
            .filter(|s| !s.is_empty());
        if let Some(at) = reason_at {
            evidence.push((
                "denial.category".to_string(),
                evidence_at(text, at, round2(confidence)),
            ));
            evidence.push((
                "denial.reason_text".to_string(),
                evidence_at(text, at, round2(confidence)),
            ));
        }
        let mut out_codes: Vec<Code> = Vec::new();
        for c in &denial_codes {
            if !out_codes.iter().any(|o| {
                o.code == c.code.code && o.group == c.code.group && o.system == c.code.system
            }) {
                out_codes.push(c.code.clone());
            }
        }
        if let Some(first) = denial_codes.first() {
            evidence.push(("denial.codes".to_string(), evidence_at(text, first.at, 0.9)));
        }
        DenialClass {
            category,
            confidence: round2(confidence),
            reason_text,
            codes: out_codes,
            pre_service: score(SignalKind::PreService) >= 4.0
                && score(SignalKind::PreService) > score(SignalKind::PostService),
            documents_requested: documents_requested(text, rules),
        }
    });

    Classification {
        document_type,
        plan_type,
        denial,
        evidence,
    }
}

/// What a code explanation tied to an unpaid line adds to its category's score, over the
/// explanation's own phrase weight: as much as a denial code (rules/codes.toml's default).
const UNPAID_LINE_CODE: f64 = 5.0;

/// The categories that the document's own explanations of its codes give the table rows the
/// plan did not pay (paid nothing of a charge, or the whole charge not covered), with their
/// weights. Such a row is denied whatever the letter's prose says: a dental or vision
/// statement often explains its one denied line only in a remark legend. A row the plan paid
/// is not read: a paid statement's legend may state limits ("covered once a year") that deny
/// nothing.
fn unpaid_line_reasons(layout: &Layout, rules: &Rules) -> Vec<(Category, f64)> {
    let mut out: Vec<(Category, f64)> = Vec::new();
    for t in &layout.tables {
        for r in t.rows.iter().filter(|r| t.unpaid(r)) {
            for (_, e) in t.explained_codes(r, &layout.legend) {
                let said = e.text.to_lowercase();
                for p in rules.phrases.iter().filter(|p| p.re.is_match(&said)) {
                    if !out.iter().any(|(c, _)| *c == p.category) {
                        out.push((p.category, p.weight + UNPAID_LINE_CODE));
                    }
                }
            }
        }
    }
    out
}

// A sentence that asks for a document or says it is missing.
static ASKS_FOR: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(request(ed)?|need(ed)?|send|submit|provide|missing|did not receive|not received|was not received|were not received|return|complete|asked)\b",
    )
});

/// Documents the letter asks for, by the names in `rules/next_steps.toml`, in order.
fn documents_requested(text: &Text, rules: &Rules) -> Vec<String> {
    let mut found: Vec<(usize, String)> = Vec::new();
    for d in &rules.documents {
        for m in d.re.find_iter(text.flat_lower()) {
            if !text.is_conditional(m.start()) && ASKS_FOR.is_match(&text.sentence_text(m.start()))
            {
                found.push((m.start(), d.name.clone()));
                break;
            }
        }
    }
    found.sort();
    found.into_iter().map(|(_, n)| n).collect()
}

/// Whether a group-code match is part of a longer identifier ("CR26-00481377", "MV-CO-45"):
/// a hyphen and more digits run on after it, or a hyphen joins it to the word before.
pub(crate) fn inside_identifier(s: &str, start: usize, end: usize) -> bool {
    let after = &s.as_bytes()[end.min(s.len())..];
    let before = &s.as_bytes()[..start.min(s.len())];
    let runs_on = after.len() >= 2 && after[0] == b'-' && after[1].is_ascii_digit();
    let joined_before = before.len() >= 2
        && before[before.len() - 1] == b'-'
        && before[before.len() - 2].is_ascii_alphanumeric();
    runs_on || joined_before
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Evidence pointing at the line that holds byte `at`.
pub(crate) fn evidence_at(text: &Text, at: usize, confidence: f64) -> Evidence {
    let r = text.locate(at);
    Evidence {
        page: r.page,
        line: text.line(r).to_string(),
        confidence,
        ocr_uncertain: false,
        bbox: None,
    }
}

/// The weight of a pattern's best match (full weight if any match is not conditional) and
/// where it is.
fn best_match(text: &Text, re: &Regex, weight: f64) -> Option<(f64, usize)> {
    let mut best: Option<(f64, usize)> = None;
    for m in re.find_iter(text.flat_lower()) {
        let w = if text.is_conditional(m.start()) {
            weight * CONDITIONAL
        } else {
            weight
        };
        if best.is_none_or(|b| w > b.0) {
            best = Some((w, m.start()));
        }
        if w == weight {
            break;
        }
    }
    best
}

/// Lines at the top of the first page that hold the letterhead.
const LETTERHEAD_LINES: usize = 6;

/// The weight of a plan pattern's best match, by where it stands: on a line that names the
/// document's own plan it counts double, in a sentence about other coverage (or a list of
/// programs, as on a form) a quarter, in a conditional sentence a fifth.
fn best_plan_match(
    text: &Text,
    p: &PlanRule,
    rules: &Rules,
    own_values: &[(u32, String)],
) -> Option<(f64, usize)> {
    let mut best: Option<(f64, usize)> = None;
    for m in p.re.find_iter(text.flat_lower()) {
        let r = text.locate(m.start());
        let line = text.line(r).to_ascii_lowercase();
        let start = text.offset_of(r);
        let before = line.get(..m.start().saturating_sub(start)).unwrap_or("");
        let sentence = text.sentence_text(m.start()).to_ascii_lowercase();
        let own = (r.page == 1 && r.line < LETTERHEAD_LINES)
            || rules.plan_identity.is_match(before)
            || own_values
                .iter()
                .any(|(page, v)| *page == r.page && line.contains(v.as_str()) && p.re.is_match(v));
        if p.identity_only && !own {
            continue;
        }
        let other =
            rules.plan_other.is_match(&sentence) || PROGRAMS.find_iter(&sentence).count() >= 3;
        let mut w = p.weight;
        if other {
            w *= 0.25;
        } else if own {
            w *= 2.0;
        }
        if text.is_conditional(m.start()) {
            w *= CONDITIONAL;
        }
        if best.is_none_or(|b| w > b.0) {
            best = Some((w, m.start()));
        }
    }
    best
}

// Program names, to tell a list of them (a form's "other coverage" boxes) from a plan's name.
// The names no word ends in are found after anything: OCR joins a box to the word beside it
// ("OJCHAMPVA").
static PROGRAMS: LazyLock<Regex> = LazyLock::new(|| {
    re(r"\b(medicare|medicaid|chip|cobra|marketplace|workers'? comp\w*)\b|(tricare|champva)\b")
});

/// The denial category a short explanation (a code's legend line) states, by the category
/// phrases; `None` when none reaches the weight a category needs.
pub fn category_of_text(s: &str, rules: &Rules) -> Option<Category> {
    let lower = s.to_ascii_lowercase();
    let mut scores: HashMap<Category, f64> = HashMap::new();
    for p in &rules.phrases {
        if p.re.is_match(&lower) {
            *scores.entry(p.category).or_default() += p.weight;
        }
    }
    scores
        .into_iter()
        .filter(|(_, w)| *w >= 2.0)
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(c, _)| c)
}

/// The category and weight of a code, if it is a denial code.
fn code_category(rules: &Rules, system: CodeSystem, code: &str) -> Option<(Category, f64)> {
    let table = match system {
        CodeSystem::Carc => &rules.carc,
        CodeSystem::Rarc => &rules.rarc,
        CodeSystem::Payer => return None,
    };
    let e = table.get(code)?;
    e.category.map(|c| (c, e.weight))
}

/// A code and where it was found.
#[derive(Debug, Clone)]
struct FoundCode {
    code: Code,
    at: usize,
}

/// Finds CARC, RARC and payer codes; descriptions come from the document's own legend when
/// it has one, else from the code tables.
fn find_codes(text: &Text, rules: &Rules) -> Vec<FoundCode> {
    let flat = text.flat();
    let mut found: Vec<FoundCode> = Vec::new();
    let mut push = |system: CodeSystem, group: Option<String>, code: String, at: usize| {
        if !found
            .iter()
            .any(|f| f.code.system == system && f.code.code == code && f.code.group == group)
        {
            found.push(FoundCode {
                code: Code {
                    system,
                    group,
                    code,
                    description: None,
                },
                at,
            });
        }
    };
    for c in GROUP_CODE.captures_iter(flat) {
        let (Some(g), Some(code), Some(m)) = (c.get(1), c.get(2), c.get(0)) else {
            continue;
        };
        if inside_identifier(flat, m.start(), m.end()) {
            continue;
        }
        if rules.carc.contains_key(code.as_str())
            || code.as_str().chars().all(|ch| ch.is_ascii_digit())
        {
            push(
                CodeSystem::Carc,
                Some(g.as_str().to_string()),
                code.as_str().to_string(),
                m.start(),
            );
        }
    }
    for c in LABELLED_CODE.captures_iter(flat) {
        let (Some(label), Some(raw), Some(m)) = (c.get(1), c.get(2), c.get(0)) else {
            continue;
        };
        let raw = raw.as_str();
        if GROUP_CODE.is_match(raw) {
            continue; // already found with its group
        }
        let label = label.as_str().to_ascii_lowercase();
        let at = m.start();
        if rules.rarc.contains_key(raw)
            && (label.contains("remark") || label == "rarc" || !rules.carc.contains_key(raw))
        {
            push(CodeSystem::Rarc, None, raw.to_string(), at);
        } else if rules.carc.contains_key(raw)
            && (label.contains("reason")
                || label.contains("adj")
                || label == "carc"
                || label == "denial")
        {
            push(CodeSystem::Carc, None, raw.to_string(), at);
        } else if raw.chars().any(|ch| ch.is_ascii_alphabetic()) || !rules.carc.contains_key(raw) {
            push(CodeSystem::Payer, None, raw.to_string(), at);
        }
    }
    for (r, line) in text.lines() {
        let has_context = line.to_ascii_lowercase().contains("remark")
            || GROUP_CODE.is_match(line)
            || LEGEND.is_match(line);
        if !has_context {
            continue;
        }
        let base = text.offset_of(r);
        for m in RARC_TOKEN.find_iter(line) {
            if rules.rarc.contains_key(m.as_str()) {
                push(
                    CodeSystem::Rarc,
                    None,
                    m.as_str().to_string(),
                    base + m.start(),
                );
            }
        }
    }
    // Last: a legend naming its code with the bare word ("Code 22: ...") when nothing else
    // names a CARC. A legend of several codes lists the document's codes, denied or not (an
    // appeal decision's overturned line too): only a legend of one code is the denial's.
    if !found.iter().any(|f| f.code.system == CodeSystem::Carc) {
        let legend: Vec<(String, usize)> = text
            .lines()
            .flat_map(|(r, line)| {
                let base = text.offset_of(r);
                CODE_LEGEND
                    .captures_iter(line)
                    .filter_map(|c| c.get(1))
                    .map(move |c| (c.as_str().to_string(), base + c.start()))
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut codes: Vec<&String> = legend.iter().map(|(c, _)| c).collect();
        codes.sort();
        codes.dedup();
        if let ([code], Some((_, at))) = (codes.as_slice(), legend.first())
            && rules.carc.contains_key(code.as_str())
        {
            found.push(FoundCode {
                code: Code {
                    system: CodeSystem::Carc,
                    group: None,
                    code: code.to_string(),
                    description: None,
                },
                at: *at,
            });
        }
    }
    // Descriptions: the document's legend first, then the tables.
    let legend: HashMap<String, String> = text
        .lines()
        .filter_map(|(_, l)| {
            let c = LEGEND.captures(l)?;
            let key = c.get(1)?.as_str().replace([' ', '-'], "");
            Some((key, c.get(2)?.as_str().trim().to_string()))
        })
        .collect();
    for f in &mut found {
        let key = format!(
            "{}{}",
            f.code.group.clone().unwrap_or_default(),
            f.code.code
        );
        let from_doc = legend.get(&key).or_else(|| legend.get(&f.code.code));
        let from_table = match f.code.system {
            CodeSystem::Carc => rules.carc.get(&f.code.code),
            CodeSystem::Rarc => rules.rarc.get(&f.code.code),
            CodeSystem::Payer => None,
        };
        f.code.description = from_doc
            .cloned()
            .or_else(|| from_table.map(|e| e.description.clone()));
    }
    // Payer codes only count when the document explains them.
    found.retain(|f| f.code.system != CodeSystem::Payer || f.code.description.is_some());
    found
}

/// This module's constant patterns, compiled up front by
/// [`crate::rules::Rules::compile_lazy`] (each is compiled on first use otherwise).
pub(crate) static PATTERNS: &[&std::sync::LazyLock<regex::Regex>] = &[
    &LABELLED_CODE,
    &CODE_LEGEND,
    &RARC_TOKEN,
    &LEGEND,
    &ASKS_FOR,
    &PROGRAMS,
    &GROUP_CODE,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Method;

    fn classify_str(s: &str) -> Classification {
        let t = Text::new(
            Method::PlainText,
            vec![s.lines().map(String::from).collect()],
            vec![],
        );
        let rules = Rules::bundled().unwrap();
        classify(&t, &crate::layout::analyze(&t, rules), rules)
    }

    // Regression: a product abbreviation in the value under a "PLAN" label (not on the
    // label's own line, not in the letterhead) was not read as the document's own plan.
    #[test]
    fn the_plan_under_a_plan_label_names_the_plan_type() {
        let doc = [
            "Birchway Health",
            "PO Box 100, Springfield",
            "Member Services 1-800-555-0100",
            "ROBIN SAMPLE",
            "12 ELM ST",
            "SPRINGFIELD",
            "MEMBER                  PLAN                       GROUP",
            "Robin Sample            Birchway Select POS        55120",
            "We denied your claim because the service was not medically necessary.",
        ]
        .join("\n");
        assert_eq!(classify_str(&doc).plan_type, PlanType::Pos);
        // Under another label (a place of service) it names no plan.
        let other = doc.replace(
            "MEMBER                  PLAN  ",
            "MEMBER                  PLACE ",
        );
        assert_eq!(classify_str(&other).plan_type, PlanType::Unknown);
    }

    #[test]
    fn conditional_boilerplate_does_not_decide_the_category() {
        let c = classify_str(
            "Dear Member,\nWe denied your claim because you did not have a referral from your primary care provider.\nIf the denial was based on a finding that the treatment is experimental or investigational, you may ask for expedited external review.",
        );
        let d = c.denial.unwrap();
        assert_eq!(d.category, Category::Referral);
        assert!(d.reason_text.unwrap().starts_with("We denied your claim"));
    }

    #[test]
    fn cost_sharing_codes_are_not_denials() {
        let c = classify_str(
            "EXPLANATION OF BENEFITS\nThis is not a bill.\n99213 $150.00 $90.00 PR-2 $18.00 CO-45 $60.00\nPR-2 Coinsurance amount\nCO-45 Charge exceeds fee schedule",
        );
        assert_eq!(c.document_type, DocumentType::Eob);
        assert!(c.denial.is_none());
    }

    #[test]
    fn code_straddling_a_line_break() {
        let c = classify_str(
            "EXPLANATION OF BENEFITS\nThis is not a bill.\nLine 1 denied: CO-\n197 $400.00",
        );
        let d = c.denial.unwrap();
        assert_eq!(d.category, Category::PriorAuthorization);
        assert_eq!(d.codes[0].group.as_deref(), Some("CO"));
        assert_eq!(d.codes[0].code, "197");
    }

    // Regression: a first denial's external-review paragraph names the final adverse
    // determination a person may receive later; that made the denial an appeal decision.
    #[test]
    fn a_later_final_decision_named_in_appeal_rights_is_not_this_document() {
        let c = classify_str(
            "Acme PPO\nWe denied your claim for an MRI because it was not medically necessary.\nYou may appeal within 180 days. You may ask for an external review within 4 months after you receive our final internal adverse\ndetermination.",
        );
        assert_eq!(c.document_type, DocumentType::DenialLetter);
        let d = classify_str(
            "Acme PPO\nThis is our final internal adverse determination on your appeal. We upheld the denial of your claim.",
        );
        assert_eq!(d.document_type, DocumentType::AppealDecision);
    }

    // A summary notice answers its own questions: "Did Medicare approve all claims? NO".
    #[test]
    fn codes_after_leaders_on_your_eob_and_in_a_one_code_legend() {
        let carcs = |body: &str| -> Vec<String> {
            classify_str(&format!(
                "Acme PPO\nDate: 03/01/2026\nWe denied your claim.\n{body}"
            ))
            .denial
            .map(|d| {
                d.codes
                    .into_iter()
                    .filter(|c| c.system == CodeSystem::Carc)
                    .map(|c| c.code)
                    .collect()
            })
            .unwrap_or_default()
        };
        assert_eq!(
            carcs("Reason code ........ 29 - The time limit for filing has expired."),
            ["29"]
        );
        assert_eq!(
            carcs("Reason code on your EOB: 288 - Referral absent"),
            ["288"]
        );
        assert_eq!(
            carcs(
                "Date Billed Paid Code\n02/02/2026 120.00 0.00 22\nCode 22: Another payer may be primary."
            ),
            ["22"]
        );
        // A legend of several codes lists codes that were not denied too: not read alone.
        assert!(carcs("Code 50: not medically necessary. Code 55: experimental.").is_empty());
    }

    #[test]
    fn a_summary_notice_that_answers_no_denies() {
        let c = classify_str(
            "Medicare Summary Notice for Part A\nYour Claims & Costs This Period\nDid Medicare approve all claims?\nNO\nNumber of claims Medicare denied: 1\nTotal You May Be Billed $812.00",
        );
        assert!(c.denial.is_some());
        let paid = classify_str(
            "Medicare Summary Notice for Part A\nDid Medicare approve all claims?\nYES\nNumber of claims Medicare denied: 0",
        );
        assert!(paid.denial.is_none());
    }

    // Regression: OCR read a form's box and the word beside it as one word ("OJCHAMPVA"),
    // the list of other coverage counted two programs, and Medicaid named in it made an
    // employer HMO's letter a Medicaid notice.
    #[test]
    fn a_forms_coverage_boxes_read_by_ocr_name_no_plan() {
        let c = classify_str(
            "Acme Valley Health Plan\nAcme Valley HMO\nTell us about any other insurance you have.\nCheck each box that applies: [] Medicare Part B [] disabled [] over 65 with kidney failure\no Medicaid number ______ OJCHAMPVA [] Something else:",
        );
        assert_eq!(c.plan_type, PlanType::Hmo);
    }

    #[test]
    fn approval_is_not_a_denial() {
        let c = classify_str(
            "Dear Ana Ruiz,\nYour request for an MRI has been approved. If we deny a future request, you can appeal.",
        );
        assert_eq!(c.document_type, DocumentType::Other);
        assert!(c.denial.is_none());
    }

    // A statement whose only reason for an unpaid line is its remark legend: the line the
    // plan paid nothing on, with a code the legend explains as a limit, is a denial; the same
    // statement with every line paid states its limits and denies nothing.
    #[test]
    fn an_unpaid_line_explained_by_its_remark_code_is_a_denial() {
        let table = |frames: &str| {
            format!(
                "Sunfield Eye Plan\n\
                 Explanation of Benefits - This is not a bill\n\
                 Statement date: 06/01/2026\n\
                 Date        Service              Charged    Plan Paid    You Owe   Remark\n\
                 05/02/2026  V2020 frames         $180.00    {frames}   K4\n\
                 05/02/2026  92014 eye exam       $120.00      $120.00      $0.00   K9\n\
                 K4  Frames are covered once every 24 months.\n\
                 K9  Routine eye exams are covered once every 12 months."
            )
        };
        let denied = classify_str(&table("    $0.00    $180.00"));
        assert_eq!(denied.document_type, DocumentType::Eob);
        assert_eq!(
            denied.denial.map(|d| d.category),
            Some(Category::BenefitLimit)
        );
        let paid = classify_str(&table("  $180.00      $0.00"));
        assert_eq!(paid.document_type, DocumentType::Eob);
        assert!(paid.denial.is_none());
    }
}

#[cfg(test)]
mod identifier_tests {
    // Regression: the claim number "CR26-00481377" was reported as the group code CR-26.
    #[test]
    fn a_group_code_inside_an_identifier_is_not_a_code() {
        let at = |s: &str| {
            let m = super::GROUP_CODE.find(s).unwrap();
            super::inside_identifier(s, m.start(), m.end())
        };
        assert!(at("Claim CR26-00481377"));
        assert!(at("Ref MV-CO-45"));
        assert!(!at("Adjustment CO-45 applied"));
        assert!(!at("CO-45/N130"));
        assert!(!at("PR-2 122.50"));
    }
}
