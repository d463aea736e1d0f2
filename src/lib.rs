//! overturn reads US health-insurance denial letters and explanations of benefits (EOBs)
//! and turns each into a structured [`Report`]: the document type, why the claim was denied
//! (a fixed taxonomy), the claim and member identifiers, dates and amounts, the appeal
//! deadline and the next steps, every field with the line it came from.
//!
//! # Overview
//!
//! The pipeline has one module per stage, each with one entry point:
//!
//! ```text
//! ingest::load -> text::extract -> layout::analyze -> classify::classify -> fields::extract
//!              -> deadlines::find -> recommend::next_steps -> Report
//! ```
//!
//! Rules (code tables, phrases, labels, programs) are data files under `rules/`, embedded at
//! build time and compiled once ([`rules::Rules::bundled`]).
//!
//! ```
//! let text = "Blue Harbor Health Plan\nMarch 3, 2025\nDear Jane Doe,\n\
//!             Claim number: A123456. We denied your claim because the service was not \
//!             medically necessary. You may appeal within 180 days of the date of this letter.";
//! let report = overturn::parse_bytes("letter.txt", text.as_bytes().to_vec()).unwrap();
//! assert_eq!(report.denial.unwrap().category, overturn::report::Category::MedicalNecessity);
//! assert_eq!(report.dates.appeal_deadline.as_deref(), Some("2025-08-30"));
//! ```
#![deny(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod appeal;
pub mod batch;
pub mod calendar;
pub mod classify;
pub mod deadlines;
pub mod error;
pub mod fhir;
pub mod fields;
pub mod ingest;
pub mod layout;
pub mod notice;
pub mod ocr;
pub mod recommend;
pub mod redact;
pub mod report;
pub mod rules;
pub mod text;
pub mod values;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use error::{Error, Result};
pub use ingest::Input;
pub use report::Report;

use error::ClassifyName;
use report::{Claim, Dates, Denial, Member, Payer, SCHEMA_VERSION, Source, TextInfo};
use rules::Rules;

/// Reads one input (a file or stdin) and builds its report with the bundled rules.
pub fn parse(input: &Input) -> Result<Report> {
    let doc = ingest::load(input)?;
    parse_document(&doc, Rules::bundled()?)
}

/// Reads several files as the pages of one document, in the order given: a letter
/// photographed or scanned page by page. One file is read as [`parse`] reads it. The report's
/// `source.path` names the files joined by " + ", its `sha256` is that of their sha256s one
/// after another, and its media type is the first file's. A file that cannot be read fails
/// the document, naming that file.
pub fn parse_pages(inputs: &[Input]) -> Result<Report> {
    match inputs {
        [one] => parse(one),
        several => Ok(pages_report(several)?.0),
    }
}

/// [`parse_pages`] with the personal values replaced by placeholders ([`redact::redact`]).
pub fn parse_pages_redacted(inputs: &[Input]) -> Result<Report> {
    let (report, text) = match inputs {
        [one] => return parse_document_redacted(&ingest::load(one)?, Rules::bundled()?),
        several => pages_report(several)?,
    };
    Ok(redacted(report, &text))
}

/// `report` with its personal values replaced by placeholders ([`redact::redact`], given the
/// document's lines to find what their labels name).
fn redacted(mut report: Report, text: &text::Text) -> Report {
    let mut lines: Vec<String> = text
        .pages
        .iter()
        .flat_map(|p| p.lines.iter().cloned())
        .collect();
    redact::redact(&mut report, &mut lines);
    report
}

/// The report of several files read as the pages of one document, and its text.
fn pages_report(inputs: &[Input]) -> Result<(Report, text::Text)> {
    let docs = inputs
        .iter()
        .map(ingest::load)
        .collect::<Result<Vec<_>>>()?;
    documents_report(&docs, Rules::bundled()?)
}

/// Loaded documents read as the pages of one document, in order ([`parse_pages`] once the
/// files are read): `overturn batch --group-by-folder` reads a folder's files through this.
pub fn parse_documents(docs: &[ingest::Document], rules: &Rules) -> Result<Report> {
    Ok(documents_report(docs, rules)?.0)
}

/// [`parse_documents`] with the personal values replaced by placeholders.
pub fn parse_documents_redacted(docs: &[ingest::Document], rules: &Rules) -> Result<Report> {
    let (report, text) = documents_report(docs, rules)?;
    Ok(redacted(report, &text))
}

/// The name of files read as the pages of one document: their paths joined by " + ".
pub fn pages_path<'a>(paths: impl IntoIterator<Item = &'a std::path::Path>) -> String {
    paths
        .into_iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" + ")
}

/// The sha256 of documents read as the pages of one: that of their sha256s one after another.
pub fn pages_sha256(docs: &[ingest::Document]) -> String {
    ingest::sha256_hex(
        docs.iter()
            .map(|d| d.sha256.as_str())
            .collect::<String>()
            .as_bytes(),
    )
}

/// The report and text of loaded documents read as the pages of one document.
fn documents_report(docs: &[ingest::Document], rules: &Rules) -> Result<(Report, text::Text)> {
    let Some(first) = docs.first() else {
        // Nothing given reads as an empty document on stdin.
        return Err(Error::Empty {
            path: PathBuf::from("-"),
        });
    };
    let texts = docs.iter().map(text::extract).collect::<Result<Vec<_>>>()?;
    let text = text::Text::concat(texts);
    let source = Source {
        path: pages_path(docs.iter().map(|d| d.path.as_path())),
        sha256: pages_sha256(docs),
        media_type: first.media_type.mime().to_string(),
        pages: text.pages.len() as u32,
    };
    let mut report = analyze_guarded(&text, source, first.path.clone(), rules)?;
    report
        .warnings
        .extend(docs.iter().filter_map(ingest::name_mismatch));
    Ok((report, text))
}

/// Reads reports: a JSON report (as `parse` writes it, possibly corrected by hand), JSON Lines
/// of reports (as `batch` writes them; error records are skipped), or a document, which is
/// parsed.
pub fn reports_from(input: &Input) -> Result<Vec<Report>> {
    reports_from_document(&ingest::load(input)?)
}

/// [`reports_from`] for a loaded document (`overturn next` reads its input through this).
pub fn reports_from_document(doc: &ingest::Document) -> Result<Vec<Report>> {
    let looks_json = doc.media_type == ingest::MediaType::PlainText
        && doc.bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if !looks_json {
        return Ok(vec![parse_document(doc, Rules::bundled()?)?]);
    }
    let text = String::from_utf8_lossy(&doc.bytes);
    let invalid = |e: serde_json::Error| Error::InvalidReport {
        path: doc.path.clone(),
        reason: format!(
            "line {}, column {}: {}",
            e.line(),
            e.column(),
            e.classify_name()
        ),
    };
    // One pretty-printed report, or one report per line.
    if let Ok(r) = serde_json::from_str::<Report>(&text) {
        return Ok(vec![r]);
    }
    let mut out = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| Error::InvalidReport {
                path: doc.path.clone(),
                reason: format!("line {}: {}", i + 1, serde_json::Error::classify_name(&e)),
            })?;
        if v.get("error").is_some() {
            continue; // a batch error record
        }
        out.push(serde_json::from_value(v).map_err(invalid)?);
    }
    if out.is_empty() {
        return Err(Error::InvalidReport {
            path: doc.path.clone(),
            reason: "no report in it".into(),
        });
    }
    Ok(out)
}

/// Builds the report of in-memory bytes; `name` is used as the source path.
pub fn parse_bytes(name: impl Into<PathBuf>, bytes: Vec<u8>) -> Result<Report> {
    let doc = ingest::from_bytes(name.into(), bytes)?;
    parse_document(&doc, Rules::bundled()?)
}

/// Builds the report of the bytes of a file named `name` that were read elsewhere (an
/// upload, a row of Spark's `binaryFile` source), as [`parse`] reads that file: a `.pdf`
/// that holds a web page or text is [`Error::NotAPdf`] (a failed download), and the size
/// limit is the same ([`ingest::from_file_bytes`]).
pub fn parse_file_bytes(name: impl Into<PathBuf>, bytes: Vec<u8>) -> Result<Report> {
    let doc = ingest::from_file_bytes(name.into(), bytes)?;
    parse_document(&doc, Rules::bundled()?)
}

/// Builds the report of a loaded document.
pub fn parse_document(doc: &ingest::Document, rules: &Rules) -> Result<Report> {
    let text = text::extract(doc)?;
    report_of_text(doc, &text, rules)
}

/// Builds the report of a loaded document with its personal values replaced by placeholders
/// ([`redact::redact`], given the document's lines to find what their labels name).
pub fn parse_document_redacted(doc: &ingest::Document, rules: &Rules) -> Result<Report> {
    let text = text::extract(doc)?;
    Ok(redacted(report_of_text(doc, &text, rules)?, &text))
}

/// Builds the report of a loaded document whose text is already read (`overturn text
/// --redact` prints the text, redacted with what the report finds in it).
pub fn report_of_text(doc: &ingest::Document, text: &text::Text, rules: &Rules) -> Result<Report> {
    let source = Source {
        path: doc.path.display().to_string(),
        sha256: doc.sha256.clone(),
        media_type: doc.media_type.mime().to_string(),
        pages: text.pages.len() as u32,
    };
    let mut report = analyze_guarded(text, source, doc.path.clone(), rules)?;
    report.warnings.extend(ingest::name_mismatch(doc));
    Ok(report)
}

/// [`analyze`], with a panic turned into an error naming `path`: the stages after text
/// extraction are our own code; should one of them meet a case it does not handle, the
/// caller gets an error for this document, never a panic.
fn analyze_guarded(
    text: &text::Text,
    source: Source,
    path: PathBuf,
    rules: &Rules,
) -> Result<Report> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        analyze(text, source, rules)
    }))
    .map_err(|_| Error::Internal { path })
}

/// Recomputes what depends on facts a person may have corrected by hand: the deadline
/// (from the letter date and the window) and the next steps.
pub fn refresh(report: &mut Report, rules: &Rules, ctx: &recommend::Context) {
    deadlines::recompute(report, rules);
    if let Some(state) = &ctx.state {
        report.member.state = Some(state.to_uppercase());
    }
    report.next_steps = recommend::next_steps(report, rules, ctx);
}

/// The entry of `claims` that is the headline claim (same claim number).
fn headline_entry<'a>(
    claims: &'a [report::ClaimEntry],
    claim: &report::Claim,
) -> Option<&'a report::ClaimEntry> {
    claims
        .iter()
        .find(|c| c.claim_number.is_some() && c.claim_number == claim.claim_number)
}

/// A claim whose lines were denied in part: some denied, some paid.
fn partly_denied(c: &report::ClaimEntry) -> bool {
    c.lines.iter().any(|l| l.denied) && c.lines.iter().any(|l| !l.denied)
}

/// The denial's CARCs are those of the headline claim's denied lines when its table prints
/// them: a code column may print them bare ("27"), and the other claims of an EOB or a
/// remittance carry codes of their own that are not this denial's.
fn headline_codes(report: &mut Report) {
    let Some(denial) = report.denial.as_mut() else {
        return;
    };
    let Some(head) = headline_entry(&report.claims, &report.claim) else {
        return;
    };
    let is_denial =
        |c: &&report::Code| c.system == report::CodeSystem::Carc && c.description.is_some();
    let mut own: Vec<report::Code> = head
        .lines
        .iter()
        .filter(|l| l.denied)
        .flat_map(|l| l.codes.iter().filter(is_denial))
        .cloned()
        .collect();
    if head.lines.is_empty() {
        own.extend(head.codes.iter().filter(is_denial).cloned());
    }
    if own.is_empty() {
        return;
    }
    // One claim partly denied (an appeal that overturned some lines): the codes of the lines
    // it paid are not this denial's either.
    if report.claims.len() >= 2 || partly_denied(head) {
        denial.codes.retain(|c| {
            c.system != report::CodeSystem::Carc || own.iter().any(|o| o.code == c.code)
        });
    }
    for c in own {
        if !denial
            .codes
            .iter()
            .any(|d| d.code == c.code && d.system == c.system)
        {
            denial.codes.push(c);
        }
    }
}

/// In a document with several claims (or one claim denied in part), the denial's category is
/// that of the headline claim's own denied lines when their codes say it (a CARC's category, or the category the
/// document's explanation of its own code states): the document's words elsewhere may be
/// about another claim ("already processed on claim ...": a duplicate of the headline).
fn headline_category(
    report: &mut Report,
    text: &text::Text,
    layout: &layout::Layout,
    rules: &Rules,
) {
    let Some(denial) = report.denial.as_mut() else {
        return;
    };
    let Some(head) = headline_entry(&report.claims, &report.claim) else {
        return;
    };
    if report.claims.len() < 2 && !partly_denied(head) {
        return;
    }
    let mut found: Vec<(report::Category, &report::Code)> = Vec::new();
    for c in head
        .lines
        .iter()
        .filter(|l| l.denied)
        .flat_map(|l| &l.codes)
    {
        let category = match c.system {
            report::CodeSystem::Carc => rules.carc.get(&c.code).and_then(|e| e.category),
            report::CodeSystem::Payer => c
                .description
                .as_deref()
                .and_then(|d| classify::category_of_text(d, rules)),
            report::CodeSystem::Rarc => None,
        };
        if let Some(k) = category {
            found.push((k, c));
        }
    }
    let Some((category, _)) = found.first().copied() else {
        return;
    };
    if found.iter().any(|(k, _)| *k == denial.category) {
        return;
    }
    denial.category = category;
    // The reason in the document's words: its explanation of its own code, when it has one
    // (the code of that category, or the one whose explanation cites the CARC).
    let first = found.first().map(|(_, c)| *c);
    let denied_codes = head
        .lines
        .iter()
        .filter(|l| l.denied)
        .flat_map(|l| &l.codes);
    let code = found
        .iter()
        .find(|(k, c)| *k == category && c.system == report::CodeSystem::Payer)
        .map(|(_, c)| *c)
        .or_else(|| {
            let carc = first?;
            denied_codes.clone().find(|c| {
                c.system == report::CodeSystem::Payer
                    && c.description.as_deref().is_some_and(|d| {
                        d.split(|ch: char| !ch.is_ascii_alphanumeric())
                            .any(|w| w == carc.code)
                    })
            })
        })
        .or(first);
    let Some(code) = code else {
        return;
    };
    // The payer's explanation of its code is the reason as the document gives it.
    if code.system == report::CodeSystem::Payer
        && let Some(e) = layout.legend.get(&code.code)
    {
        denial.reason_text = code.description.clone();
        let evidence = &mut report.evidence;
        let line = text
            .pages
            .get((e.page as usize).wrapping_sub(1))
            .and_then(|p| p.layout.get(e.line))
            .map(|l| l.text.clone())
            .unwrap_or_default();
        let ev = report::Evidence {
            page: e.page,
            line,
            confidence: 0.8,
            ocr_uncertain: false,
            bbox: None,
        };
        evidence.insert("denial.category".into(), ev.clone());
        evidence.insert("denial.reason_text".into(), ev);
    }
}

/// Runs the stages after text extraction.
pub fn analyze(text: &text::Text, source: Source, rules: &Rules) -> Report {
    let layout = layout::analyze(text, rules);
    let class = classify::classify(text, &layout, rules);
    let fields = fields::extract(text, &layout, rules);
    let known = deadlines::Known {
        letter_date: fields.letter_date,
        service_date: fields.service_date,
        state: fields.state.clone(),
    };
    let deadline = deadlines::find(text, &class, &known, rules);

    let mut evidence: BTreeMap<String, report::Evidence> = BTreeMap::new();
    for (k, v) in class.evidence.iter().chain(fields.evidence.iter()) {
        evidence.entry(k.clone()).or_insert_with(|| v.clone());
    }
    let mut warnings = text.warnings.clone();
    if text.chars() < 200 {
        warnings.push("the document has very little text; results may be incomplete".into());
    }
    let mut dates = Dates {
        letter_date: fields.letter_date.map(|d| d.to_string()),
        appeal_deadline: None,
        appeal_deadline_basis: None,
        appeal_window: None,
        next_level_window: None,
    };
    if let Some(d) = &deadline {
        dates.appeal_deadline = d.date.map(|x| x.to_string());
        dates.appeal_deadline_basis = d.basis;
        dates.appeal_window = d.window.clone();
        if let Some(e) = &d.evidence {
            evidence.insert("dates.appeal_deadline".into(), e.clone());
        }
        if let Some((window, e)) = &d.next_level {
            dates.next_level_window = Some(window.clone());
            evidence.insert("dates.next_level_window".into(), e.clone());
        }
        warnings.extend(d.warnings.iter().cloned());
    }
    if class.denial.is_some() && fields.claim_number.is_none() && fields.reference_number.is_none()
    {
        warnings.push("no claim or reference number was found".into());
    }
    // Original Medicare notices come from Medicare itself and rarely carry a letterhead.
    let mut fields = fields;
    if fields.payer_name.is_none() && class.plan_type == report::PlanType::OriginalMedicare {
        fields.payer_name = Some("Medicare".into());
        if let Some(e) = evidence.get("payer.plan_type").cloned() {
            evidence.insert("payer.name".into(), e);
        }
    }
    let mut report = Report {
        schema_version: SCHEMA_VERSION.to_string(),
        source,
        text: TextInfo {
            method: text.method,
            chars: text.chars(),
            ocr_confidence: text
                .mean_ocr_confidence()
                .map(|c| (c * 100.0).round() / 100.0),
            page_confidence: text
                .ocr_confidence
                .iter()
                .map(|(page, c)| report::PageConfidence {
                    page: *page,
                    confidence: (c * 100.0).round() / 100.0,
                })
                .collect(),
        },
        document_type: class.document_type,
        payer: Payer {
            name: fields.payer_name,
            plan_type: class.plan_type,
            phone: fields.payer_phone,
        },
        member: Member {
            name: fields.member_name,
            member_id: fields.member_id,
            group_number: fields.group_number,
            state: fields.state,
        },
        claim: Claim {
            claim_number: fields.claim_number,
            reference_number: fields.reference_number,
            service_date: fields.service_date.map(|d| d.to_string()),
            provider: fields.provider,
            billed_amount: fields.billed_amount,
            patient_responsibility: fields.patient_responsibility,
            procedure_codes: fields.procedure_codes,
            diagnosis_codes: fields.diagnosis_codes,
        },
        claims: {
            let mut claims = fields.claims;
            // A claim whose document says nothing of its own status takes the document's.
            for (c, read) in claims.iter_mut().zip(&fields.claim_status_read) {
                if !read && class.denial.is_some() {
                    c.status = report::ClaimStatus::Denied;
                }
            }
            claims
        },
        denial: class.denial.map(|d| Denial {
            category: d.category,
            confidence: d.confidence,
            reason_text: d.reason_text,
            codes: d.codes,
            // A decision with a billed claim is about care already given.
            pre_service: d.pre_service && fields.billed_amount.is_none(),
            documents_requested: d.documents_requested,
        }),
        dates,
        next_steps: Vec::new(),
        evidence,
        warnings,
        notice_check: None,
    };
    headline_codes(&mut report);
    headline_category(&mut report, text, &layout, rules);
    fields::uncertain::mark(&mut report, text);
    if let Some(c) = notice::check(text, &report, rules) {
        report.evidence.extend(c.evidence);
        report.notice_check = Some(c.check);
    }
    report.next_steps = recommend::next_steps(&report, rules, &recommend::Context::default());
    for e in report.evidence.values_mut() {
        e.bbox = layout::box_of(text, e.page, &e.line);
    }
    report
}
