//! Stage 7, report: the JSON contract, version 1. The earlier stages' results go in, a
//! [`Report`] comes out, serialised as JSON (see `docs/schema.md`; the JSON Schema in
//! `docs/schema.json` is generated from these types and kept in sync by a test).
//!
//! Field names here are the contract: add fields freely, never rename these.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use crate::text::Method;

/// The contract version written to `schema_version`.
pub const SCHEMA_VERSION: &str = "1";

/// Everything overturn read from one document.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Report {
    /// Always "1" for this contract.
    pub schema_version: String,
    /// The input.
    pub source: Source,
    /// How the text was obtained.
    pub text: TextInfo,
    /// What kind of document this is.
    pub document_type: DocumentType,
    /// The insurer.
    pub payer: Payer,
    /// The insured person.
    pub member: Member,
    /// The claim or request the document is about: the first claim denied in whole or in
    /// part (else the only or first claim).
    pub claim: Claim,
    /// Every claim the document lists, in order (a letter about a request has none).
    #[serde(default)]
    pub claims: Vec<ClaimEntry>,
    /// Why it was denied; `null` when the document denies nothing.
    pub denial: Option<Denial>,
    /// Dates and the appeal deadline.
    pub dates: Dates,
    /// What to do next, most urgent first.
    pub next_steps: Vec<Step>,
    /// Where each extracted field came from, keyed by its JSON path (e.g. `claim.claim_number`).
    pub evidence: BTreeMap<String, Evidence>,
    /// Things the reader should know (missing text layers, unsure deadlines, ...).
    pub warnings: Vec<String>,
    /// The notice checked against what the law requires of it: the parts it leaves out and a
    /// decision later than the program allows, each an argument for the appeal. `null` when
    /// the document is not a denial notice of a program the check knows.
    #[serde(default)]
    pub notice_check: Option<NoticeCheck>,
}

/// The notice checked against the content and decision time its program's rules require
/// (`rules/notice.toml`). Information for the appeal, not legal advice.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct NoticeCheck {
    /// The program whose rules were applied: `employer_aca`, `medicare_advantage`,
    /// `medicare_part_d`, `medicaid_managed_care` or `medicaid_fee_for_service`.
    pub program: String,
    /// Which decision the notice gives.
    pub stage: NoticeStage,
    /// Every element the notice was checked for (present or missing).
    pub checked: Vec<NoticeElement>,
    /// The elements the notice does not contain.
    pub missing: Vec<MissingElement>,
    /// Elements of the program's rules that were not checked, and why (a condition the
    /// document does not show, or a part an EOB does not carry).
    pub not_checked: Vec<NotChecked>,
    /// The plan decided later than its program allows, by the dates the notice gives.
    pub late_decision: Option<LateDecision>,
}

/// Which decision a notice gives.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum NoticeStage {
    /// The first decision on a claim or request (a denial letter, or an EOB that denies).
    Initial,
    /// The plan's decision on an appeal, upholding the denial in whole or in part.
    AppealDecision,
}

/// The parts of a denial notice the law requires (which ones apply depends on the program).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum NoticeElement {
    /// The specific reason for the decision.
    SpecificReason,
    /// The plan provision the decision relies on.
    PlanProvision,
    /// The information that would let the claim be approved, and why it is needed.
    InformationNeeded,
    /// How to appeal.
    ReviewProcedures,
    /// The time limits for appealing.
    TimeLimits,
    /// The right to sue under ERISA 502(a) (employer plans).
    RightToSue,
    /// The internal rule, guideline or criteria relied on, or that a copy is free.
    InternalCriteria,
    /// For medical necessity or experimental denials: the clinical judgment, or that an
    /// explanation is free on request.
    ClinicalJudgment,
    /// The claim: date of service, provider, amount.
    ClaimIdentification,
    /// That the diagnosis and treatment codes are available on request.
    CodesAvailable,
    /// The denial code and its meaning.
    DenialCodeMeaning,
    /// The external review process.
    ExternalReview,
    /// The consumer assistance program or ombudsman.
    ConsumerAssistance,
    /// That the documents relevant to the claim are available free on request.
    DocumentsAvailable,
    /// The expedited (fast) appeal and when it applies.
    ExpeditedProcess,
    /// The rest of the appeal process after the plan's own review.
    FurtherAppealLevels,
    /// The right to a state fair hearing (Medicaid).
    FairHearing,
    /// Keeping services during the appeal (Medicaid, when care is reduced or stopped).
    ContinuedBenefits,
    /// The regulation or law supporting the action (a state's Medicaid notice).
    RegulationCited,
    /// The action and the date it takes effect (a state's Medicaid notice).
    ActionEffectiveDate,
}

/// One element the notice leaves out.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct MissingElement {
    /// Which element.
    pub element: NoticeElement,
    /// The regulation that requires it.
    pub rule: String,
    /// Why it matters, in plain language.
    pub why: String,
    /// What overturn looked for and did not find.
    pub looked_for: String,
    /// The sentence to put in the appeal: what is missing, the rule, what to ask for.
    pub argument: String,
}

/// An element of the program's rules that was not checked.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct NotChecked {
    /// Which element.
    pub element: NoticeElement,
    /// Why it was not checked.
    pub reason: String,
}

/// What kind of request a decision time applies to.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// An urgent (expedited) request.
    Urgent,
    /// A request for care not yet received (prior authorization, a service or drug request).
    PreService,
    /// A claim for care already received.
    PostService,
}

/// A decision made later than the program allows.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct LateDecision {
    /// The kind of request the limit applies to.
    pub kind: DecisionKind,
    /// When the notice says the plan received the claim or request, `YYYY-MM-DD`.
    pub received: String,
    /// The notice's date (the decision is no earlier), `YYYY-MM-DD`.
    pub decided: String,
    /// Days from receipt to the notice.
    pub days: i64,
    /// The limit as the rule states it ("30 days", "72 hours").
    pub limit: String,
    /// The most the rule lets the plan extend the limit (after telling you), in days.
    pub extension_days: Option<i64>,
    /// Late even if the plan took the whole extension.
    pub late_even_with_extension: bool,
    /// The regulation.
    pub rule: String,
}

/// The input document.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Source {
    /// The path as given (`-` for stdin).
    pub path: String,
    /// Hex sha256 of the input bytes.
    pub sha256: String,
    /// The media type detected from the content.
    pub media_type: String,
    /// Number of pages (1 for plain text without form feeds).
    pub pages: u32,
}

/// How the text was read.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct TextInfo {
    /// `pdf_text`, `ocr`, `mixed` or `plain_text`.
    pub method: Method,
    /// Characters of text read.
    pub chars: usize,
    /// Mean OCR confidence (0..1) of the pages read by OCR; `null` when none was.
    #[serde(default)]
    pub ocr_confidence: Option<f64>,
    /// OCR confidence of each page read by OCR.
    #[serde(default)]
    pub page_confidence: Vec<PageConfidence>,
}

/// The OCR confidence of one page.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct PageConfidence {
    /// 1-based page number.
    pub page: u32,
    /// Mean word confidence, 0..1.
    pub confidence: f64,
}

/// The kinds of document overturn tells apart.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum DocumentType {
    /// A letter denying a claim or a request for care.
    DenialLetter,
    /// An explanation of benefits, Medicare Summary Notice or provider remittance.
    Eob,
    /// The answer to an appeal (upholding or overturning a denial).
    AppealDecision,
    /// Anything else (approvals, bills, collection notices, requests for information).
    Other,
}

/// The kind of coverage, which decides the appeal rules.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum PlanType {
    /// Health maintenance organization.
    Hmo,
    /// Preferred provider organization.
    Ppo,
    /// Exclusive provider organization.
    Epo,
    /// Point of service plan.
    Pos,
    /// Medicare Advantage (Part C).
    MedicareAdvantage,
    /// Medicare prescription drug coverage (Part D), from a drug plan or a Medicare
    /// Advantage plan's drug benefit: its appeals follow Part D's rules.
    MedicarePartD,
    /// A Medicaid managed care plan.
    MedicaidManagedCare,
    /// A state's own Medicaid program (fee-for-service): the state agency decides, and the
    /// first appeal is the state fair hearing.
    MedicaidFeeForService,
    /// Original (fee-for-service) Medicare.
    OriginalMedicare,
    /// The document does not say.
    Unknown,
}

/// The denial taxonomy.
#[derive(
    Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, Hash, PartialOrd, Ord,
)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Prior authorization (precertification) missing or denied.
    PriorAuthorization,
    /// Referral from the primary care provider missing.
    Referral,
    /// Not medically necessary.
    MedicalNecessity,
    /// Information or records missing.
    MissingDocumentation,
    /// A coding or billing error.
    CodingBillingError,
    /// The provider is out of network.
    OutOfNetwork,
    /// Not a covered benefit (an exclusion).
    NotCovered,
    /// Experimental or investigational treatment.
    ExperimentalInvestigational,
    /// The patient was not eligible or covered.
    Eligibility,
    /// Filed after the filing limit.
    TimelyFiling,
    /// A duplicate of another claim.
    DuplicateClaim,
    /// Another payer is (or may be) primary.
    CoordinationOfBenefits,
    /// A benefit maximum was reached.
    BenefitLimit,
    /// A denial whose reason fits none of the above.
    Other,
}

impl Category {
    /// The snake_case name used in JSON and rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::PriorAuthorization => "prior_authorization",
            Category::Referral => "referral",
            Category::MedicalNecessity => "medical_necessity",
            Category::MissingDocumentation => "missing_documentation",
            Category::CodingBillingError => "coding_billing_error",
            Category::OutOfNetwork => "out_of_network",
            Category::NotCovered => "not_covered",
            Category::ExperimentalInvestigational => "experimental_investigational",
            Category::Eligibility => "eligibility",
            Category::TimelyFiling => "timely_filing",
            Category::DuplicateClaim => "duplicate_claim",
            Category::CoordinationOfBenefits => "coordination_of_benefits",
            Category::BenefitLimit => "benefit_limit",
            Category::Other => "other",
        }
    }
}

/// The insurer.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Payer {
    /// The payer's name as written.
    pub name: Option<String>,
    /// The kind of plan.
    pub plan_type: PlanType,
    /// The phone number for questions, as `NNN-NNN-NNNN`.
    pub phone: Option<String>,
}

/// The insured person.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Member {
    /// The member's (or patient's) name.
    pub name: Option<String>,
    /// Member / subscriber / Medicare / Medicaid ID.
    pub member_id: Option<String>,
    /// Employer group number.
    pub group_number: Option<String>,
    /// Two-letter state of the member's address (else the payer's), for state help.
    #[serde(default)]
    pub state: Option<String>,
}

/// The claim or request.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Claim {
    /// Claim number (claim ID, ICN, DCN); null for a request that is not a claim.
    pub claim_number: Option<String>,
    /// The payer's authorization, case, appeal, request or reference number, when the
    /// document gives one that is not the claim number.
    #[serde(default)]
    pub reference_number: Option<String>,
    /// First date of service of the denied line(s), `YYYY-MM-DD`.
    pub service_date: Option<String>,
    /// The provider who gave the care.
    pub provider: Option<String>,
    /// Amount billed for the claim as a whole, in US dollars.
    pub billed_amount: Option<f64>,
    /// What the patient may owe for the claim as a whole, in US dollars.
    pub patient_responsibility: Option<f64>,
    /// CPT / HCPCS codes.
    pub procedure_codes: Vec<String>,
    /// ICD-10-CM codes.
    pub diagnosis_codes: Vec<String>,
}

/// How a claim was decided.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ClaimStatus {
    /// Paid (cost sharing and contractual write-offs are not denials).
    Paid,
    /// Every line denied.
    Denied,
    /// Some lines denied, some paid.
    PartlyDenied,
    /// Not decided yet (pending, suspended, information requested).
    Pending,
}

/// One claim of the document (an EOB, a Medicare Summary Notice or a remittance lists several).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct ClaimEntry {
    /// Claim number (claim ID, ICN, DCN).
    pub claim_number: Option<String>,
    /// The provider who gave the care.
    pub provider: Option<String>,
    /// First date of service, `YYYY-MM-DD`.
    pub service_date: Option<String>,
    /// Billed for the claim as a whole, in US dollars.
    pub billed_amount: Option<f64>,
    /// Allowed (approved) for the claim as a whole.
    pub allowed_amount: Option<f64>,
    /// Paid by the plan for the claim as a whole.
    pub paid_amount: Option<f64>,
    /// What the patient may owe for the claim as a whole.
    pub patient_responsibility: Option<f64>,
    /// How the claim was decided.
    pub status: ClaimStatus,
    /// CARC (with group) and RARC codes printed with the claim.
    pub codes: Vec<Code>,
    /// The claim's service lines, when the document lists them in a table.
    pub lines: Vec<ServiceLine>,
}

/// One service line of a claim.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct ServiceLine {
    /// Date of service, `YYYY-MM-DD`.
    pub service_date: Option<String>,
    /// CPT / HCPCS code.
    pub procedure_code: Option<String>,
    /// The line as printed, without its amounts.
    pub description: Option<String>,
    /// Billed for the line.
    pub billed_amount: Option<f64>,
    /// Allowed for the line.
    pub allowed_amount: Option<f64>,
    /// Paid for the line.
    pub paid_amount: Option<f64>,
    /// What the patient may owe for the line.
    pub patient_responsibility: Option<f64>,
    /// Whether the line was denied (a denial code, "denied", or nothing allowed or paid).
    pub denied: bool,
    /// Codes printed on the line.
    pub codes: Vec<Code>,
}

/// Why the claim was denied.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Denial {
    /// The taxonomy category.
    pub category: Category,
    /// 0..1: how sure overturn is of the category.
    pub confidence: f64,
    /// The sentence(s) stating the reason, as written.
    pub reason_text: Option<String>,
    /// Denial codes found in the document.
    pub codes: Vec<Code>,
    /// The decision is about care not yet received (a request or prior authorization), which
    /// can be appealed on the fast track when waiting could harm health.
    #[serde(default)]
    pub pre_service: bool,
    /// Documents the letter asks for or says are missing.
    #[serde(default)]
    pub documents_requested: Vec<String>,
}

/// Which code list a code belongs to.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, Hash)]
pub enum CodeSystem {
    /// X12 claim adjustment reason code.
    #[serde(rename = "CARC")]
    Carc,
    /// X12 remittance advice remark code.
    #[serde(rename = "RARC")]
    Rarc,
    /// A payer's own explanation code.
    #[serde(rename = "payer")]
    Payer,
}

/// One denial code.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Code {
    /// The code list.
    pub system: CodeSystem,
    /// CARC group code: CO, PR, OA, PI or CR.
    pub group: Option<String>,
    /// The code itself.
    pub code: String,
    /// What it means (the document's own words when it explains the code).
    pub description: Option<String>,
}

impl Code {
    /// The code as letters print it: `CO-50` with its group, else `N130`.
    pub fn label(&self) -> String {
        match &self.group {
            Some(g) => format!("{g}-{}", self.code),
            None => self.code.clone(),
        }
    }
}

/// How the appeal deadline was found.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineBasis {
    /// The document names the date.
    Stated,
    /// The document states a window; the date is counted from the letter date.
    Computed,
    /// The document states nothing; the program's default window applies.
    Default,
}

/// Dates.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Dates {
    /// The date of the letter or notice.
    pub letter_date: Option<String>,
    /// The last day to file the next appeal the document offers.
    pub appeal_deadline: Option<String>,
    /// How the deadline was found.
    pub appeal_deadline_basis: Option<DeadlineBasis>,
    /// The window as written (e.g. "180 days").
    pub appeal_window: Option<String>,
    /// On a first notice: the window it gives for the next level, counted from that level's
    /// own starting event (e.g. "4 months" after the final internal decision), as written.
    #[serde(default)]
    pub next_level_window: Option<String>,
}

/// The kinds of next step.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Appeal to the plan (redetermination / reconsideration for Medicare).
    InternalAppeal,
    /// A fast appeal because the care is urgent.
    ExpeditedAppeal,
    /// Independent external review.
    ExternalReview,
    /// A Medicaid state fair hearing.
    StateFairHearing,
    /// The provider resubmits a corrected claim.
    CorrectedClaim,
    /// Send the documents the plan asked for.
    SubmitDocumentation,
    /// A letter from the doctor on why the care is needed.
    LetterOfMedicalNecessity,
    /// The doctor talks to the plan's reviewer.
    PeerToPeer,
    /// Ask for authorization after the fact.
    RetroAuthorization,
    /// Get the missing referral.
    ObtainReferral,
    /// Tell the plan about other coverage.
    UpdateOtherInsurance,
    /// Check enrollment and coverage dates.
    VerifyEligibility,
    /// The state's consumer assistance program.
    ContactConsumerAssistance,
    /// Call the plan.
    CallInsurer,
    /// Ask for the claim file and criteria.
    RequestClaimFile,
    /// Point out what the notice leaves out, or that the decision came late: arguments for
    /// the appeal (and, for employer and ACA plans, possibly deemed exhaustion).
    CiteNoticeDefects,
}

/// One next step.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Step {
    /// What to do.
    pub action: Action,
    /// By when (`YYYY-MM-DD`), if there is a deadline.
    pub due: Option<String>,
    /// Why, in plain language.
    pub why: String,
    /// Things to gather or do.
    pub checklist: Vec<String>,
    /// The regulation behind the step's deadline or right, when there is one.
    pub rule: Option<String>,
}

/// Where a field's value came from.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Evidence {
    /// 1-based page number.
    pub page: u32,
    /// The source line, as read.
    pub line: String,
    /// 0..1: how sure overturn is of the value.
    pub confidence: f64,
    /// OCR read a character of the value with low confidence: check it against the page.
    /// Written only when true.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ocr_uncertain: bool,
    /// Where the source line's words sit on the page (PDF and OCR pages; plain text has no
    /// geometry). Written only when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bbox: Option<BBox>,
}

/// A box on a page, in points (1/72 inch) from the page's top-left corner.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct BBox {
    /// Left edge.
    pub x0: f32,
    /// Top edge.
    pub y0: f32,
    /// Right edge.
    pub x1: f32,
    /// Bottom edge.
    pub y1: f32,
}

/// The JSON Schema of [`Report`], as written to `docs/schema.json`.
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Report)).unwrap_or_default()
}
