//! FHIR output, after the report stage: a [`Report`] in, a FHIR R4 `Bundle` (type
//! `collection`, as a `serde_json::Value`) out. Each claim of the report becomes an
//! ExplanationOfBenefit shaped on the CARIN Blue Button (C4BB) profiles; the Patient, the
//! payer and provider resources and the Coverage they reference are entries of the same
//! Bundle, with `urn:uuid:` full URLs derived from the document's sha256 so the output is
//! reproducible. Codes and slices follow C4BB STU2 (2.x, on FHIR 4.0.1).
//!
//! The EOBs follow C4BB's codes and slices where the report knows the value, but claim no
//! C4BB profile in `meta.profile`: a letter does not carry everything C4BB requires (payer
//! and provider identifiers, network status, every adjudication slice). They are valid
//! R4: every element R4 requires is present, or carries the `data-absent-reason` extension
//! when the document does not give it (the letter date, an unnamed provider or payer).
// Byte-index slicing of text panics off a character boundary: each slice here is proven
// on one (an `allow` with the reason) or made with `get`.
#![deny(clippy::string_slice)]

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::report::{ClaimEntry, ClaimStatus, Code, CodeSystem, PlanType, Report, ServiceLine};

const CLAIM_TYPE: &str = "http://terminology.hl7.org/CodeSystem/claim-type";
const ADJUDICATION: &str = "http://terminology.hl7.org/CodeSystem/adjudication";
const C4BB_ADJUDICATION: &str = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudication";
const C4BB_DISCRIMINATOR: &str =
    "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudicationDiscriminator";
const C4BB_IDENTIFIER: &str = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBIdentifierType";
const C4BB_PAYER_STATUS: &str =
    "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBPayerAdjudicationStatus";
const CARC: &str = "https://x12.org/codes/claim-adjustment-reason-codes";
const RARC: &str = "https://x12.org/codes/remittance-advice-remark-codes";
const CPT: &str = "http://www.ama-assn.org/go/cpt";
const HCPCS: &str = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets";
const ICD10CM: &str = "http://hl7.org/fhir/sid/icd-10-cm";
const V2_0203: &str = "http://terminology.hl7.org/CodeSystem/v2-0203";
const COVERAGE_CLASS: &str = "http://terminology.hl7.org/CodeSystem/coverage-class";
const DATA_ABSENT: &str = "http://hl7.org/fhir/StructureDefinition/data-absent-reason";

/// The FHIR Bundle of one report.
pub fn bundle(report: &Report) -> Value {
    let sha = report.source.sha256.as_str();
    let mut entries = Vec::new();
    let mut entry = |label: &str, resource: Value| -> String {
        let url = format!("urn:uuid:{}", uuid(sha, label));
        entries.push(json!({ "fullUrl": url, "resource": resource }));
        url
    };

    let patient_url = entry("patient", patient(report));
    let payer = match &report.payer.name {
        Some(name) => {
            let mut org = json!({ "resourceType": "Organization", "active": true, "name": name });
            if let Some(phone) = &report.payer.phone {
                org["telecom"] = json!([{ "system": "phone", "value": phone, "use": "work" }]);
            }
            let url = entry("payer", org);
            json!({ "reference": url, "display": name })
        }
        None => absent("unknown"),
    };
    let coverage_url = entry("coverage", coverage(report, &patient_url, &payer));

    let claims = claim_views(report);
    // One resource per provider name, shared by the claims that name it.
    let mut providers: Vec<(String, Value)> = Vec::new();
    for c in &claims {
        if let Some(name) = &c.entry.provider
            && !providers.iter().any(|(n, _)| n == name)
        {
            let label = format!("provider-{}", providers.len() + 1);
            let url = entry(&label, provider_resource(name));
            providers.push((name.clone(), json!({ "reference": url, "display": name })));
        }
    }
    for (i, c) in claims.iter().enumerate() {
        let provider = c
            .entry
            .provider
            .as_ref()
            .and_then(|n| providers.iter().find(|(p, _)| p == n))
            .map(|(_, r)| r.clone())
            .unwrap_or_else(|| absent("unknown"));
        let eob = eob(report, c, &patient_url, &payer, provider, &coverage_url);
        entry(&format!("eob-{}", i + 1), eob);
    }

    json!({
        "resourceType": "Bundle",
        "id": uuid(sha, "bundle"),
        "type": "collection",
        "entry": entries,
    })
}

/// A batch error record as FHIR: an OperationOutcome naming the file and the reason.
pub fn error_outcome(kind: &str, message: &str) -> Value {
    let code = match kind {
        "not_found" => "not-found",
        "timeout" => "timeout",
        "too_large" => "too-long",
        _ => "processing",
    };
    json!({
        "resourceType": "OperationOutcome",
        "issue": [{
            "severity": "error",
            "code": code,
            "details": { "text": kind },
            "diagnostics": message,
        }],
    })
}

/// A stable UUID for one resource of one document: the sha256 of the document's hash and
/// the resource's label, shaped as an RFC 9562 version-8 (custom) UUID.
#[allow(clippy::string_slice)] // Char boundaries: `h` is 32 ASCII hex digits.
fn uuid(sha: &str, label: &str) -> String {
    let digest = Sha256::digest(format!("{sha}/{label}").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// A reference (or primitive) the document does not give, which R4 requires.
fn absent(reason: &str) -> Value {
    json!({ "extension": [{ "url": DATA_ABSENT, "valueCode": reason }] })
}

fn coding(system: &str, code: &str) -> Value {
    json!({ "coding": [{ "system": system, "code": code }] })
}

fn money(v: f64) -> Value {
    json!({ "value": v, "currency": "USD" })
}

fn member_id_type() -> Value {
    json!({ "coding": [{ "system": V2_0203, "code": "MB" }], "text": "Member ID" })
}

fn patient(report: &Report) -> Value {
    let mut p = json!({ "resourceType": "Patient" });
    if let Some(id) = &report.member.member_id {
        p["identifier"] = json!([{ "type": member_id_type(), "value": id }]);
    }
    if let Some(name) = &report.member.name {
        p["name"] = json!([{ "text": name }]);
    }
    p
}

fn coverage(report: &Report, patient_url: &str, payer: &Value) -> Value {
    let mut c = json!({
        "resourceType": "Coverage",
        "status": "active",
        "beneficiary": { "reference": patient_url },
        "payor": [payer],
    });
    if let Some(id) = &report.member.member_id {
        c["identifier"] = json!([{ "type": member_id_type(), "value": id }]);
        c["subscriberId"] = json!(id);
    }
    if let Some(group) = &report.member.group_number {
        c["class"] = json!([{ "type": coding(COVERAGE_CLASS, "group"), "value": group }]);
    }
    c
}

/// A person (a title or a clinical degree) is a Practitioner; anything else an Organization.
fn provider_resource(name: &str) -> Value {
    if is_person(name) {
        json!({ "resourceType": "Practitioner", "name": [{ "text": name }] })
    } else {
        json!({ "resourceType": "Organization", "active": true, "name": name })
    }
}

/// Whether a provider's name is a person's: "Dr. ..." or a name followed by a clinical
/// degree ("..., MD").
pub fn is_person(name: &str) -> bool {
    const DEGREES: &[&str] = &[
        "md", "do", "np", "pa", "pa-c", "dds", "dmd", "dpm", "dc", "od", "phd", "psyd", "lcsw",
        "lpc", "rn", "aprn", "crna", "pt", "dpt", "fnp", "fnp-c", "mft", "lmft",
    ];
    let lower = name.trim().to_lowercase();
    if lower.starts_with("dr. ") || lower.starts_with("dr ") {
        return true;
    }
    let words: Vec<&str> = lower
        .split([' ', ','])
        .map(|w| w.trim_matches('.'))
        .filter(|w| !w.is_empty())
        .collect();
    words.len() >= 2
        && words
            .iter()
            .skip(1)
            .any(|w| DEGREES.contains(&w.replace('.', "").as_str()))
}

/// A claim as the FHIR mapping sees it: one entry of `claims` (or the headline claim when
/// the report lists none), and whether it is the claim the denial is about.
struct ClaimView {
    entry: ClaimEntry,
    headline: bool,
}

fn claim_views(report: &Report) -> Vec<ClaimView> {
    if !report.claims.is_empty() {
        let only = report.claims.len() == 1;
        return report
            .claims
            .iter()
            .map(|c| {
                let headline = only
                    || (c.claim_number.is_some() && c.claim_number == report.claim.claim_number);
                let mut entry = c.clone();
                // The headline claim's provider and date may be read from the letter's labels
                // rather than its table.
                if headline {
                    entry.provider = entry.provider.or_else(|| report.claim.provider.clone());
                    entry.service_date = entry
                        .service_date
                        .or_else(|| report.claim.service_date.clone());
                }
                ClaimView { entry, headline }
            })
            .collect();
    }
    let h = &report.claim;
    let about_a_claim = h.claim_number.is_some()
        || h.reference_number.is_some()
        || h.service_date.is_some()
        || h.billed_amount.is_some()
        || report.denial.is_some();
    if !about_a_claim {
        return Vec::new();
    }
    let status = if report.denial.is_some() {
        ClaimStatus::Denied
    } else {
        ClaimStatus::Paid
    };
    vec![ClaimView {
        entry: ClaimEntry {
            claim_number: h.claim_number.clone(),
            provider: h.provider.clone(),
            service_date: h.service_date.clone(),
            billed_amount: h.billed_amount,
            allowed_amount: None,
            paid_amount: None,
            patient_responsibility: h.patient_responsibility,
            status,
            codes: Vec::new(),
            lines: Vec::new(),
        },
        headline: true,
    }]
}

/// The claim type from what the report knows: a Part D plan's claims are pharmacy claims, a
/// dental plan's or provider's oral, a hospital's institutional, the rest professional.
fn claim_type(report: &Report, c: &ClaimEntry) -> &'static str {
    let has =
        |s: &Option<String>, w: &str| s.as_deref().is_some_and(|s| s.to_lowercase().contains(w));
    if report.payer.plan_type == PlanType::MedicarePartD {
        "pharmacy"
    } else if has(&report.payer.name, "dental") || has(&c.provider, "dental") {
        "oral"
    } else if has(&c.provider, "hospital") {
        "institutional"
    } else {
        "professional"
    }
}

fn procedure(code: &str, text: Option<&str>) -> Value {
    // CPT codes are five digits (Category II and III end in F or T); HCPCS Level II codes
    // are a letter and four digits.
    let system = if code.starts_with(|c: char| c.is_ascii_alphabetic()) {
        HCPCS
    } else {
        CPT
    };
    let mut v = json!({ "coding": [{ "system": system, "code": code }] });
    if let Some(t) = text {
        v["text"] = json!(t);
    }
    v
}

/// The reason coding of a denial code: X12 CARC or RARC; a payer's own code has no system
/// and goes as text.
fn reason(code: &Code) -> Value {
    let text = match &code.description {
        Some(d) => format!("{}: {d}", code.label()),
        None => code.label(),
    };
    match code.system {
        CodeSystem::Carc => {
            json!({ "coding": [{ "system": CARC, "code": code.code }], "text": text })
        }
        CodeSystem::Rarc => {
            json!({ "coding": [{ "system": RARC, "code": code.code }], "text": text })
        }
        CodeSystem::Payer => json!({ "text": format!("payer code {text}") }),
    }
}

/// A code as an adjudication: C4BB STU2's `adjustmentreason` slice (STU1 called it
/// `denialreason`), one entry per code (CARC and RARC are not synonyms of one concept).
fn adjustment_reason(code: &Code) -> Value {
    json!({
        "category": coding(C4BB_DISCRIMINATOR, "adjustmentreason"),
        "reason": reason(code),
    })
}

/// The amounts of a claim or a line as adjudication (or total) entries, C4BB categories.
fn amounts(
    billed: Option<f64>,
    allowed: Option<f64>,
    paid: Option<f64>,
    patient: Option<f64>,
) -> Vec<Value> {
    [
        (ADJUDICATION, "submitted", billed),
        (ADJUDICATION, "eligible", allowed),
        (C4BB_ADJUDICATION, "paidtoprovider", paid),
        (C4BB_ADJUDICATION, "memberliability", patient),
    ]
    .into_iter()
    .filter_map(|(system, code, v)| {
        v.map(|v| json!({ "category": coding(system, code), "amount": money(v) }))
    })
    .collect()
}

fn item(sequence: usize, line: &ServiceLine) -> Value {
    let product = match &line.procedure_code {
        Some(code) => procedure(code, line.description.as_deref()),
        None => match &line.description {
            Some(d) => json!({ "text": d }),
            None => coding(
                "http://terminology.hl7.org/CodeSystem/data-absent-reason",
                "unknown",
            ),
        },
    };
    let mut adjudication = amounts(
        line.billed_amount,
        line.allowed_amount,
        line.paid_amount,
        line.patient_responsibility,
    );
    adjudication.extend(line.codes.iter().map(adjustment_reason));
    let mut v = json!({ "sequence": sequence, "productOrService": product });
    if let Some(d) = &line.service_date {
        v["servicedDate"] = json!(d);
    }
    if !adjudication.is_empty() {
        v["adjudication"] = json!(adjudication);
    }
    v
}

fn eob(
    report: &Report,
    c: &ClaimView,
    patient_url: &str,
    payer: &Value,
    provider: Value,
    coverage_url: &str,
) -> Value {
    let e = &c.entry;
    let mut identifiers = Vec::new();
    let unique =
        json!({ "coding": [{ "system": C4BB_IDENTIFIER, "code": "uc" }], "text": "Claim number" });
    if let Some(n) = &e.claim_number {
        identifiers.push(json!({ "type": unique, "value": n }));
    }
    let reference = report
        .claim
        .reference_number
        .as_ref()
        .filter(|_| c.headline);
    if let Some(r) = reference {
        // A request decided before any claim (a prior authorization) is known by its
        // reference number alone: then that is the unique identifier.
        let ty = if identifiers.is_empty() {
            json!({ "coding": [{ "system": C4BB_IDENTIFIER, "code": "uc" }], "text": "Reference number" })
        } else {
            json!({ "text": "Reference number" })
        };
        identifiers.push(json!({ "type": ty, "value": r }));
    }

    // A decision on care not yet given, with no claim, answers a request for authorization:
    // R4's `preauthorization` use (C4BB, for adjudicated claims only, fixes `claim`).
    let request = c.headline
        && e.claim_number.is_none()
        && report.denial.as_ref().is_some_and(|d| d.pre_service);
    let mut v = json!({
        "resourceType": "ExplanationOfBenefit",
        "status": "active",
        "type": coding(CLAIM_TYPE, claim_type(report, e)),
        "use": if request { "preauthorization" } else { "claim" },
        "patient": { "reference": patient_url },
        "insurer": payer,
        "provider": provider,
        "outcome": if e.status == ClaimStatus::Pending { "partial" } else { "complete" },
        "insurance": [{ "focal": true, "coverage": { "reference": coverage_url } }],
    });
    if !identifiers.is_empty() {
        v["identifier"] = json!(identifiers);
    }
    match &report.dates.letter_date {
        Some(d) => v["created"] = json!(d),
        // R4 requires `created`; a letter without a date gets the reason instead of a guess.
        None => v["_created"] = absent("unknown"),
    }
    if let Some(start) = &e.service_date {
        let end = e
            .lines
            .iter()
            .filter_map(|l| l.service_date.as_deref())
            .chain([start.as_str()])
            .max()
            .unwrap_or(start);
        v["billablePeriod"] = json!({ "start": start, "end": end });
    }
    let denied = matches!(e.status, ClaimStatus::Denied | ClaimStatus::PartlyDenied);
    let denial = report.denial.as_ref().filter(|_| c.headline && denied);
    v["disposition"] = json!(match e.status {
        ClaimStatus::Paid => "Paid".to_string(),
        ClaimStatus::Pending => "Pending".to_string(),
        ClaimStatus::Denied | ClaimStatus::PartlyDenied => {
            let what = if e.status == ClaimStatus::Denied {
                "Denied"
            } else {
                "Partly denied"
            };
            match denial {
                Some(d) => format!("{what}: {}", d.category.as_str().replace('_', " ")),
                None => what.to_string(),
            }
        }
    });
    if let Some(r) = reference
        && report.denial.as_ref().is_some_and(|d| d.pre_service)
    {
        v["preAuthRef"] = json!([r]);
    }

    let mut items: Vec<Value> = e
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| item(i + 1, l))
        .collect();
    if items.is_empty() && c.headline {
        // No table of lines: one item per procedure code the letter names.
        for (i, code) in report.claim.procedure_codes.iter().enumerate() {
            let mut it = json!({ "sequence": i + 1, "productOrService": procedure(code, None) });
            if let Some(d) = &e.service_date {
                it["servicedDate"] = json!(d);
            }
            items.push(it);
        }
    }
    if c.headline && !report.claim.diagnosis_codes.is_empty() {
        v["diagnosis"] = json!(
            report
                .claim
                .diagnosis_codes
                .iter()
                .enumerate()
                .map(|(i, d)| json!({
                    "sequence": i + 1,
                    "diagnosisCodeableConcept": coding(ICD10CM, d),
                }))
                .collect::<Vec<_>>()
        );
        let seqs: Vec<usize> = (1..=report.claim.diagnosis_codes.len()).collect();
        for it in &mut items {
            it["diagnosisSequence"] = json!(seqs);
        }
    }
    if !items.is_empty() {
        v["item"] = json!(items);
    }

    // Header adjudication: the network status when the denial is about it, and the claim's
    // denial codes that no line carries.
    let mut header = Vec::new();
    if denial.is_some_and(|d| d.category == crate::report::Category::OutOfNetwork) {
        header.push(json!({
            "category": coding(C4BB_DISCRIMINATOR, "benefitpaymentstatus"),
            "reason": coding(C4BB_PAYER_STATUS, "outofnetwork"),
        }));
    }
    let on_lines = |code: &Code| {
        e.lines.iter().any(|l| {
            l.codes
                .iter()
                .any(|x| x.code == code.code && x.system == code.system)
        })
    };
    let mut header_codes: Vec<&Code> = e.codes.iter().filter(|x| !on_lines(x)).collect();
    if let Some(d) = denial {
        for code in &d.codes {
            if !on_lines(code)
                && !header_codes
                    .iter()
                    .any(|x| x.code == code.code && x.system == code.system)
            {
                header_codes.push(code);
            }
        }
    }
    header.extend(header_codes.into_iter().map(adjustment_reason));
    if !header.is_empty() {
        v["adjudication"] = json!(header);
    }

    let total = amounts(
        e.billed_amount,
        e.allowed_amount,
        e.paid_amount,
        e.patient_responsibility,
    );
    if !total.is_empty() {
        v["total"] = json!(total);
    }
    let payment_type = match e.status {
        _ if request => None,
        ClaimStatus::Paid => Some("paid"),
        ClaimStatus::Denied => Some("denied"),
        ClaimStatus::PartlyDenied => Some("partiallypaid"),
        ClaimStatus::Pending => None,
    };
    if let Some(t) = payment_type {
        let mut p = json!({ "type": coding(C4BB_PAYER_STATUS, t) });
        if let Some(paid) = e.paid_amount {
            p["amount"] = money(paid);
        }
        v["payment"] = p;
    }
    if let Some(text) = denial.and_then(|d| d.reason_text.as_deref()) {
        v["processNote"] = json!([{ "number": 1, "type": "display", "text": text }]);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report from the JSON fields a test cares about, over a minimal document.
    fn report(fields: Value) -> Report {
        let mut base = json!({
            "schema_version": "1",
            "source": { "path": "t.txt", "sha256": "ab12", "media_type": "text/plain", "pages": 1 },
            "text": { "method": "plain_text", "chars": 500 },
            "document_type": "eob",
            "payer": { "name": "Example Health Plan", "plan_type": "ppo", "phone": "800-555-0100" },
            "member": { "name": "Pat Example", "member_id": "XZ100200300", "group_number": "G-7" },
            "claim": {
                "claim_number": null, "service_date": null, "provider": null,
                "billed_amount": null, "patient_responsibility": null,
                "procedure_codes": [], "diagnosis_codes": []
            },
            "denial": null,
            "dates": { "letter_date": "2026-03-14", "appeal_deadline": null,
                       "appeal_deadline_basis": null, "appeal_window": null },
            "next_steps": [], "evidence": {}, "warnings": []
        });
        for (k, v) in fields.as_object().unwrap() {
            base[k] = v.clone();
        }
        serde_json::from_value(base).unwrap()
    }

    fn resources<'a>(b: &'a Value, kind: &str) -> Vec<&'a Value> {
        b["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["resource"])
            .filter(|r| r["resourceType"] == kind)
            .collect()
    }

    fn adjudication(v: &Value, code: &str) -> Option<f64> {
        v["adjudication"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(v["total"].as_array().into_iter().flatten())
            .find(|a| a["category"]["coding"][0]["code"] == code)
            .and_then(|a| a["amount"]["value"].as_f64())
    }

    fn line(date: &str, code: &str, billed: f64, paid: f64, carc: Option<&str>) -> Value {
        json!({
            "service_date": date, "procedure_code": code, "description": null,
            "billed_amount": billed, "allowed_amount": paid, "paid_amount": paid,
            "patient_responsibility": 0.0, "denied": carc.is_some(),
            "codes": carc.map(|c| vec![json!({ "system": "CARC", "group": "CO", "code": c,
                                               "description": "Authorization absent" })])
                         .unwrap_or_default(),
        })
    }

    fn claim(number: &str, provider: &str, status: &str, lines: Vec<Value>) -> Value {
        json!({
            "claim_number": number, "provider": provider, "service_date": lines[0]["service_date"],
            "billed_amount": 100.0, "allowed_amount": 80.0, "paid_amount": 50.0,
            "patient_responsibility": 30.0, "status": status, "codes": [], "lines": lines,
        })
    }

    fn multi_claim() -> Report {
        report(json!({
            "claim": {
                "claim_number": "C-2", "service_date": "2026-02-17", "provider": "Dr. Lee Example",
                "billed_amount": 100.0, "patient_responsibility": 0.0,
                "procedure_codes": ["72158"], "diagnosis_codes": ["M54.50"]
            },
            "claims": [
                claim("C-1", "Example Imaging", "paid", vec![line("2026-02-03", "99213", 100.0, 50.0, None)]),
                claim("C-2", "Dr. Lee Example", "partly_denied", vec![
                    line("2026-02-17", "72158", 90.0, 0.0, Some("197")),
                    line("2026-02-18", "A9579", 10.0, 10.0, None),
                ]),
            ],
            "denial": {
                "category": "prior_authorization", "confidence": 0.9,
                "reason_text": "No authorization was on file.",
                "codes": [{ "system": "CARC", "group": "CO", "code": "197", "description": null },
                          { "system": "RARC", "group": null, "code": "N54", "description": null }]
            },
        }))
    }

    #[test]
    fn several_claims_give_several_eobs_with_their_amounts_and_codes() {
        let b = bundle(&multi_claim());
        assert_eq!(b["resourceType"], "Bundle");
        assert_eq!(b["type"], "collection");
        let eobs = resources(&b, "ExplanationOfBenefit");
        assert_eq!(eobs.len(), 2);
        let ids: Vec<&Value> = eobs.iter().map(|e| &e["identifier"][0]["value"]).collect();
        assert_eq!(ids, ["C-1", "C-2"]);
        assert_eq!(eobs[0]["identifier"][0]["type"]["coding"][0]["code"], "uc");

        let (paid, denied) = (eobs[0], eobs[1]);
        assert_eq!(adjudication(paid, "submitted"), Some(100.0));
        assert_eq!(adjudication(paid, "eligible"), Some(80.0));
        assert_eq!(adjudication(paid, "paidtoprovider"), Some(50.0));
        assert_eq!(adjudication(paid, "memberliability"), Some(30.0));
        assert_eq!(paid["payment"]["type"]["coding"][0]["code"], "paid");
        assert!(
            paid["processNote"].is_null(),
            "only the denied claim explains a denial"
        );

        assert_eq!(
            denied["payment"]["type"]["coding"][0]["code"],
            "partiallypaid"
        );
        assert_eq!(denied["outcome"], "complete");
        assert_eq!(denied["use"], "claim");
        assert_eq!(
            denied["processNote"][0]["text"],
            "No authorization was on file."
        );
        assert_eq!(denied["billablePeriod"]["start"], "2026-02-17");
        assert_eq!(denied["billablePeriod"]["end"], "2026-02-18");
        let items = denied["item"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0]["sequence"], 1);
        assert_eq!(items[0]["servicedDate"], "2026-02-17");
        assert_eq!(items[0]["productOrService"]["coding"][0]["system"], CPT);
        assert_eq!(items[1]["productOrService"]["coding"][0]["system"], HCPCS);
        assert_eq!(adjudication(&items[0], "submitted"), Some(90.0));
        assert_eq!(adjudication(&items[1], "paidtoprovider"), Some(10.0));
        // The line's CARC is a denial reason on the line; the RARC only the letter names goes
        // on the claim, and the line's CARC is not repeated there.
        let reason = items[0]["adjudication"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["category"]["coding"][0]["code"] == "adjustmentreason")
            .unwrap();
        assert_eq!(
            reason["reason"]["coding"][0],
            json!({ "system": CARC, "code": "197" })
        );
        assert_eq!(reason["reason"]["text"], "CO-197: Authorization absent");
        let header = denied["adjudication"].as_array().unwrap();
        assert_eq!(header.len(), 1);
        assert_eq!(
            header[0]["reason"]["coding"][0],
            json!({ "system": RARC, "code": "N54" })
        );
        assert_eq!(
            denied["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0]["code"],
            "M54.50"
        );

        // A person is a Practitioner, a practice an Organization; references resolve.
        assert_eq!(denied["provider"]["display"], "Dr. Lee Example");
        assert_eq!(resources(&b, "Practitioner").len(), 1);
        let urls: Vec<&str> = b["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["fullUrl"].as_str().unwrap())
            .collect();
        for eob in &eobs {
            for k in ["patient", "insurer", "provider"] {
                assert!(urls.contains(&eob[k]["reference"].as_str().unwrap()), "{k}");
            }
            let cov = eob["insurance"][0]["coverage"]["reference"]
                .as_str()
                .unwrap();
            assert!(urls.contains(&cov));
            assert_eq!(eob["insurance"][0]["focal"], true);
        }
        let coverage = resources(&b, "Coverage");
        assert_eq!(coverage[0]["subscriberId"], "XZ100200300");
        assert_eq!(coverage[0]["class"][0]["value"], "G-7");
    }

    #[test]
    fn pre_service_denial_without_claim_number_is_known_by_its_reference_number() {
        let r = report(json!({
            "document_type": "denial_letter",
            "claim": {
                "claim_number": null, "reference_number": "PA-778899", "service_date": null,
                "provider": "Example Surgical Group", "billed_amount": null,
                "patient_responsibility": null, "procedure_codes": ["27447"], "diagnosis_codes": []
            },
            "denial": {
                "category": "medical_necessity", "confidence": 0.8, "reason_text": "Not needed.",
                "codes": [], "pre_service": true
            },
            "dates": { "letter_date": null, "appeal_deadline": null,
                       "appeal_deadline_basis": null, "appeal_window": null },
        }));
        let b = bundle(&r);
        let eobs = resources(&b, "ExplanationOfBenefit");
        assert_eq!(eobs.len(), 1);
        let eob = eobs[0];
        assert_eq!(eob["identifier"].as_array().unwrap().len(), 1);
        assert_eq!(eob["identifier"][0]["value"], "PA-778899");
        assert_eq!(eob["identifier"][0]["type"]["coding"][0]["code"], "uc");
        assert_eq!(eob["preAuthRef"], json!(["PA-778899"]));
        assert_eq!(eob["use"], "preauthorization");
        assert!(eob["payment"].is_null(), "nothing was billed");
        assert_eq!(
            eob["item"][0]["productOrService"]["coding"][0]["code"],
            "27447"
        );
        // No letter date: `created` carries why it is missing instead of a guessed date.
        assert!(eob["created"].is_null());
        assert_eq!(eob["_created"]["extension"][0]["valueCode"], "unknown");
    }

    #[test]
    fn claim_and_reference_numbers_are_both_identifiers() {
        let mut r = multi_claim();
        r.claim.reference_number = Some("REF-1".into());
        let b = bundle(&r);
        let eobs = resources(&b, "ExplanationOfBenefit");
        let ids: Vec<&Value> = eobs[1]["identifier"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| &i["value"])
            .collect();
        assert_eq!(ids, ["C-2", "REF-1"]);
        assert_eq!(eobs[0]["identifier"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn output_is_reproducible_and_urls_come_from_the_document_hash() {
        let r = multi_claim();
        assert_eq!(bundle(&r), bundle(&r));
        let mut other = r.clone();
        other.source.sha256 = "cd34".into();
        assert_ne!(
            bundle(&r)["entry"][0]["fullUrl"],
            bundle(&other)["entry"][0]["fullUrl"]
        );
        let u = uuid("ab12", "patient");
        assert_eq!(u.len(), 36);
        assert_eq!(u.get(14..15), Some("8"), "version 8");
    }

    #[test]
    fn unknown_payer_and_provider_are_marked_absent() {
        let mut r = multi_claim();
        r.payer.name = None;
        for c in &mut r.claims {
            c.provider = None;
        }
        let b = bundle(&r);
        let eob = resources(&b, "ExplanationOfBenefit")[0];
        for k in ["insurer", "provider"] {
            assert_eq!(eob[k]["extension"][0]["url"], DATA_ABSENT, "{k}");
        }
        assert!(resources(&b, "Organization").is_empty());
    }

    #[test]
    fn persons_are_told_from_organizations() {
        assert!(is_person("Dr. Maria Lopez"));
        assert!(is_person("Maria Lopez, MD"));
        assert!(is_person("Sam Ortiz PA-C"));
        assert!(!is_person("Puget Sound Imaging Center"));
        assert!(!is_person("MD Anderson Cancer Center"));
    }
}
