//! Stage 5b, notice check: the text and the report the earlier stages built (document type,
//! program, denial, claim, dates) in, a [`NoticeCheck`] out: which parts the law requires of
//! this notice it leaves out, and whether the plan decided later than its program allows.
//! What is required, where it is written and how a notice shows it are data
//! (`rules/notice.toml`); this is the engine. Detection is generous: a notice that says a
//! thing in substance, in any words the patterns or the other stages recognise, passes.

use std::collections::HashSet;

use jiff::civil::Date;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::report::{
    Category, CodeSystem, DeadlineBasis, DecisionKind, DocumentType, Evidence, LateDecision,
    MissingElement, NotChecked, NoticeCheck, NoticeElement, NoticeStage, PlanType, Report,
};
use crate::rules::LazyRegex;
use crate::text::Text;

const FILE: &str = "notice.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoticeFile {
    program: Vec<RawProgram>,
    conditions: RawConditions,
    element: Vec<RawElement>,
    decision_time: Vec<DecisionTime>,
    advice: Advice,
}

/// The wording of the advice built from the check.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Advice {
    /// Opens the step; `{program}` is the program's name.
    pub intro: String,
    /// Closes it.
    pub disclaimer: String,
    /// A late decision; `{received}`, `{decided}`, `{days}`, `{limit}`, `{rule}`, `{extension}`.
    pub late: String,
    /// `{extension}` when late even with the longest extension; `{extension_days}`.
    pub late_extension: String,
    /// `{extension}` when an extension the document does not mention would cover it.
    pub late_within_extension: String,
    /// Programs where failing the claims rules can mean deemed exhaustion.
    pub deemed_exhaustion_programs: Vec<String>,
    /// What deemed exhaustion means for the person.
    pub deemed_exhaustion: String,
    /// Its regulations.
    pub deemed_exhaustion_rule: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProgram {
    id: String,
    name: String,
    plan_types: Vec<PlanType>,
    checked_stages: Vec<NoticeStage>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConditions {
    employer_plan: String,
    grandfathered: String,
    not_grandfathered: String,
    reduction: String,
    remittance: String,
    received: String,
    urgent: String,
    extension: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawElement {
    id: NoticeElement,
    explain: String,
    looked_for: String,
    ask: String,
    eob: bool,
    patterns: Vec<String>,
    rule: Vec<ElementRule>,
}

/// Where one element is required: a program's stage, its citation, and a condition.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ElementRule {
    program: String,
    stage: NoticeStage,
    cite: String,
    #[serde(default)]
    when: Option<Condition>,
}

/// A fact a requirement depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Condition {
    /// An employer (ERISA) plan: the right to sue under 502(a).
    EmployerPlan,
    /// A plan the ACA's additions apply to (not grandfathered).
    Aca,
    /// A medical necessity or experimental-treatment denial.
    MedicalJudgment,
    /// A denial of a kind decided by clinical criteria or guidelines (medical necessity,
    /// experimental treatment, prior authorisation): the rule applies "if" one was relied on.
    CriteriaRelied,
    /// A denial that more information could change (not a duplicate or a used-up benefit):
    /// the rule asks for "any" information needed.
    InformationCouldHelp,
    /// A denial of care not yet received (not of payment).
    ServiceRequest,
    /// Care already authorised is reduced, suspended or stopped.
    Reduction,
}

/// How fast a program must decide one kind of request.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionTime {
    program: String,
    stage: NoticeStage,
    kind: DecisionKind,
    #[serde(default)]
    hours: Option<i64>,
    #[serde(default)]
    days: Option<i64>,
    #[serde(default)]
    extension_days: Option<i64>,
    /// The limit applies to requests received on or after this date (`YYYY-MM-DD`).
    #[serde(default)]
    from: Option<String>,
    #[serde(skip)]
    from_date: Option<Date>,
    cite: String,
}

impl DecisionTime {
    /// The limit in whole days that dates alone can prove exceeded: 72 hours are 3 days
    /// (a request received late on day 0 and decided on day 4 took more than 72 hours).
    fn limit_days(&self) -> i64 {
        self.days.or(self.hours.map(|h| h / 24)).unwrap_or(0)
    }

    fn limit_text(&self) -> String {
        match (self.days, self.hours) {
            (Some(d), _) => format!("{d} days"),
            (None, Some(h)) => format!("{h} hours"),
            (None, None) => String::new(),
        }
    }
}

#[derive(Clone)]
struct Element {
    id: NoticeElement,
    explain: String,
    looked_for: String,
    ask: String,
    eob: bool,
    pattern: Option<LazyRegex>,
    rules: Vec<ElementRule>,
}

#[derive(Clone)]
struct Program {
    id: String,
    name: String,
    plan_types: Vec<PlanType>,
    checked_stages: Vec<NoticeStage>,
}

/// The compiled notice rules (patterns compile the first time a notice is checked).
#[derive(Clone)]
pub struct NoticeRules {
    programs: Vec<Program>,
    elements: Vec<Element>,
    times: Vec<DecisionTime>,
    /// The wording of the advice.
    pub advice: Advice,
    employer_plan: LazyRegex,
    grandfathered: LazyRegex,
    not_grandfathered: LazyRegex,
    reduction: LazyRegex,
    remittance: LazyRegex,
    received: LazyRegex,
    urgent: LazyRegex,
    extension: LazyRegex,
}

impl std::fmt::Debug for NoticeRules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NoticeRules")
            .field("programs", &self.programs.len())
            .field("elements", &self.elements.len())
            .finish()
    }
}

fn bad(id: &str, reason: impl Into<String>) -> Error {
    Error::Rules {
        file: FILE.into(),
        id: id.into(),
        reason: reason.into(),
    }
}

/// A pattern checked for syntax now, compiled when first used.
fn lazy(id: &str, pattern: &str) -> Result<LazyRegex> {
    crate::rules::prepare(pattern).map_err(|r| bad(id, r))?;
    Ok(LazyRegex::new(FILE, id.to_string(), pattern.to_string()))
}

impl NoticeRules {
    /// Every pattern of the notice checks (each compiled when first used).
    pub(crate) fn lazy_patterns(&self) -> Vec<&LazyRegex> {
        let own = [
            &self.employer_plan,
            &self.grandfathered,
            &self.not_grandfathered,
            &self.reduction,
            &self.remittance,
            &self.received,
            &self.urgent,
            &self.extension,
        ];
        let elements = self.elements.iter().filter_map(|e| e.pattern.as_ref());
        own.into_iter().chain(elements).collect()
    }

    /// Checks and prepares the rule file: every program known and checked at some stage,
    /// every element required somewhere by a known program with a citation, every pattern
    /// well-formed, every decision time with exactly one of hours and days.
    pub(crate) fn load(file: NoticeFile) -> Result<NoticeRules> {
        let mut ids = HashSet::new();
        for p in &file.program {
            if !ids.insert(p.id.as_str()) || p.name.is_empty() {
                return Err(bad(&p.id, "program listed twice or without a name"));
            }
            if p.plan_types.is_empty() || p.checked_stages.is_empty() {
                return Err(bad(&p.id, "a program needs plan types and a checked stage"));
            }
        }
        let mut seen = HashSet::new();
        let mut elements = Vec::new();
        for e in file.element {
            let id = format!("{:?}", e.id);
            if !seen.insert(e.id) {
                return Err(bad(&id, "element listed twice"));
            }
            if e.rule.is_empty() || e.explain.is_empty() || e.looked_for.is_empty() {
                return Err(bad(
                    &id,
                    "an element needs a rule, an explanation and what to look for",
                ));
            }
            if !e.ask.contains("{rule}") {
                return Err(bad(&id, "`ask` must cite the rule with {rule}"));
            }
            for r in &e.rule {
                if !ids.contains(r.program.as_str()) || !r.cite.contains("CFR") {
                    return Err(bad(
                        &id,
                        format!("unknown program {} or no CFR citation", r.program),
                    ));
                }
            }
            for p in &e.patterns {
                crate::rules::prepare(p).map_err(|r| bad(&id, r))?;
            }
            let pattern = (!e.patterns.is_empty())
                .then(|| LazyRegex::new(FILE, id.clone(), e.patterns.join("|")));
            elements.push(Element {
                id: e.id,
                explain: e.explain,
                looked_for: e.looked_for,
                ask: e.ask,
                eob: e.eob,
                pattern,
                rules: e.rule,
            });
        }
        let mut times = file.decision_time;
        for t in &mut times {
            if let Some(f) = &t.from {
                t.from_date = Some(
                    f.parse()
                        .map_err(|_| bad(&t.cite, "`from` is not a date"))?,
                );
            }
            if !ids.contains(t.program.as_str())
                || t.hours.is_some() == t.days.is_some()
                || t.limit_days() < 1
            {
                return Err(bad(
                    &t.cite,
                    "a decision time needs a known program and hours or days",
                ));
            }
        }
        let c = &file.conditions;
        for t in [
            &file.advice.intro,
            &file.advice.late,
            &file.advice.deemed_exhaustion,
        ] {
            if t.trim().is_empty() {
                return Err(bad("advice", "empty advice text"));
            }
        }
        Ok(NoticeRules {
            advice: file.advice,
            employer_plan: lazy("conditions.employer_plan", &c.employer_plan)?,
            grandfathered: lazy("conditions.grandfathered", &c.grandfathered)?,
            not_grandfathered: lazy("conditions.not_grandfathered", &c.not_grandfathered)?,
            reduction: lazy("conditions.reduction", &c.reduction)?,
            remittance: lazy("conditions.remittance", &c.remittance)?,
            received: lazy("conditions.received", &c.received)?,
            urgent: lazy("conditions.urgent", &c.urgent)?,
            extension: lazy("conditions.extension", &c.extension)?,
            programs: file
                .program
                .into_iter()
                .map(|p| Program {
                    id: p.id,
                    name: p.name,
                    plan_types: p.plan_types,
                    checked_stages: p.checked_stages,
                })
                .collect(),
            elements,
            times,
        })
    }

    /// The name of a program, by id.
    pub fn program_name(&self, id: &str) -> Option<&str> {
        self.programs
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.name.as_str())
    }

    /// Every pattern of the file, compiled (the rule tests call this).
    pub fn compile_all(&self) -> bool {
        self.lazy_patterns().iter().all(|p| p.get().is_some())
    }
}

fn found(re: &LazyRegex, s: &str) -> Option<usize> {
    re.get()?.find(s).map(|m| m.start())
}

/// The result of the check and the evidence of each element found.
pub struct Checked {
    /// The check.
    pub check: NoticeCheck,
    /// Evidence keyed `notice_check.<element>`.
    pub evidence: Vec<(String, Evidence)>,
}

/// Checks the notice. `None` when the document is not a denial notice of a program the rules
/// know (an approval, a bill, a provider's remittance, an Original Medicare notice), or the
/// program's rules are not checked at this stage.
pub fn check(text: &Text, report: &Report, rules: &crate::rules::Rules) -> Option<Checked> {
    let nr = &rules.notice;
    let denial = report.denial.as_ref()?;
    let lower = text.flat_lower();
    let (stage, eob) = match report.document_type {
        DocumentType::DenialLetter => (NoticeStage::Initial, false),
        DocumentType::Eob => (NoticeStage::Initial, true),
        DocumentType::AppealDecision => (NoticeStage::AppealDecision, false),
        DocumentType::Other => return None,
    };
    // A remittance goes to the provider; the member's notice rules are not about it.
    if eob && found(&nr.remittance, lower).is_some() {
        return None;
    }
    let program = nr
        .programs
        .iter()
        .find(|p| p.plan_types.contains(&report.payer.plan_type))?;
    if !program.checked_stages.contains(&stage) {
        return None;
    }

    let employer = found(&nr.employer_plan, lower).is_some();
    let grandfathered =
        found(&nr.grandfathered, lower).is_some() && found(&nr.not_grandfathered, lower).is_none();
    let reduction = found(&nr.reduction, lower).is_some();
    let holds = |c: Condition| -> std::result::Result<(), &'static str> {
        let (ok, why) = match c {
            Condition::EmployerPlan => (
                employer,
                "the notice does not show that this is an employer plan, and the right to sue under ERISA 502(a) applies to those",
            ),
            Condition::Aca => (
                !grandfathered,
                "the notice says the plan is grandfathered, and the ACA's additions to the notice rules do not apply to grandfathered plans",
            ),
            Condition::MedicalJudgment => (
                matches!(
                    denial.category,
                    Category::MedicalNecessity | Category::ExperimentalInvestigational
                ),
                "required only for medical necessity or experimental-treatment denials",
            ),
            Condition::CriteriaRelied => (
                matches!(
                    denial.category,
                    Category::MedicalNecessity
                        | Category::ExperimentalInvestigational
                        | Category::PriorAuthorization
                ),
                "required when the plan relied on an internal rule, guideline or criteria, as medical necessity, experimental-treatment and prior authorization decisions do; for this kind of denial, ask for any that were used",
            ),
            Condition::InformationCouldHelp => (
                !matches!(
                    denial.category,
                    Category::DuplicateClaim | Category::BenefitLimit
                ),
                "required when more information could change the decision, which a duplicate or a used-up benefit rarely allows",
            ),
            Condition::ServiceRequest => (
                denial.pre_service,
                "required for denials of care not yet received; this one is about payment",
            ),
            Condition::Reduction => (
                reduction,
                "required when care already approved is reduced or stopped, which the notice does not show",
            ),
        };
        if ok { Ok(()) } else { Err(why) }
    };

    // Element patterns are mostly English: what a Spanish notice seems to lack is reported
    // as not checked, never as missing.
    let spanish = text.mostly_spanish();
    let mut checked = Vec::new();
    let mut missing = Vec::new();
    let mut not_checked = Vec::new();
    let mut evidence = Vec::new();
    for e in &nr.elements {
        let Some(rule) = e
            .rules
            .iter()
            .find(|r| r.program == program.id && r.stage == stage)
        else {
            continue;
        };
        if eob && !e.eob {
            not_checked.push(NotChecked {
                element: e.id,
                reason: "an EOB is checked for what a claim statement carries; this part usually comes in the plan's own denial letter".into(),
            });
            continue;
        }
        if let Some(c) = rule.when
            && let Err(reason) = holds(c)
        {
            not_checked.push(NotChecked {
                element: e.id,
                reason: reason.into(),
            });
            continue;
        }
        checked.push(e.id);
        let shown = shown_by_fields(e.id, report, reduction).or_else(|| {
            let at = found(e.pattern.as_ref()?, lower)?;
            let r = text.locate(at);
            Some(Some(Evidence {
                page: r.page,
                line: text.line(r).to_string(),
                confidence: 0.7,
                ocr_uncertain: false,
                bbox: None,
            }))
        });
        match shown {
            Some(ev) => {
                if let Some(ev) = ev {
                    evidence.push((format!("notice_check.{}", element_name(e.id)), ev));
                }
            }
            None if spanish => {
                checked.pop(); // this element, pushed above: not checked after all
                not_checked.push(NotChecked {
                    element: e.id,
                    reason: "the notice is in Spanish and overturn did not recognise this part in it; check it by hand".into(),
                });
            }
            None => {
                let mut looked_for = e.looked_for.clone();
                if e.id == NoticeElement::ClaimIdentification {
                    let parts = claim_parts_missing(report).join(", ");
                    looked_for = format!("{looked_for} ({parts} not found)");
                }
                missing.push(MissingElement {
                    element: e.id,
                    rule: rule.cite.clone(),
                    why: e.explain.clone(),
                    looked_for,
                    argument: e.ask.replace("{rule}", &rule.cite),
                })
            }
        }
    }
    // An EOB's dates are of its claims and its statement run, not of one decision.
    let late_decision = (!eob)
        .then(|| late(text, report, nr, &program.id, stage, denial.pre_service))
        .flatten();
    Some(Checked {
        check: NoticeCheck {
            program: program.id.clone(),
            stage,
            checked,
            missing,
            not_checked,
            late_decision,
        },
        evidence,
    })
}

/// The element's JSON name.
pub fn element_name(e: NoticeElement) -> String {
    serde_json::to_value(e)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// What the other stages read that shows an element: the denial's reason, a deadline the
/// document states, the claim's identification, a denial code with its meaning, documents
/// the letter asks for. `Some(None)`: shown, by a value read without a line of its own.
fn shown_by_fields(e: NoticeElement, report: &Report, reduction: bool) -> Option<Option<Evidence>> {
    let denial = report.denial.as_ref()?;
    let ev = |keys: &[&str]| keys.iter().find_map(|k| report.evidence.get(*k).cloned());
    let shown = match e {
        NoticeElement::SpecificReason => {
            denial.reason_text.is_some()
                || denial.codes.iter().any(|c| c.system == CodeSystem::Carc)
        }
        NoticeElement::TimeLimits => matches!(
            report.dates.appeal_deadline_basis,
            Some(DeadlineBasis::Stated | DeadlineBasis::Computed)
        ),
        NoticeElement::ClaimIdentification => claim_parts_missing(report).is_empty(),
        NoticeElement::DenialCodeMeaning => denial.codes.iter().any(|c| c.description.is_some()),
        NoticeElement::InformationNeeded => !denial.documents_requested.is_empty(),
        // Codes the notice prints itself need no offer to send them.
        NoticeElement::CodesAvailable => {
            !report.claim.diagnosis_codes.is_empty() && !report.claim.procedure_codes.is_empty()
        }
        // A request denied outright takes effect on the notice's date.
        NoticeElement::ActionEffectiveDate => !reduction && report.dates.letter_date.is_some(),
        _ => false,
    };
    shown.then(|| match e {
        NoticeElement::SpecificReason => ev(&["denial.reason_text", "denial.category"]),
        NoticeElement::TimeLimits => ev(&["dates.appeal_deadline"]),
        NoticeElement::ClaimIdentification => ev(&[
            "claim.service_date",
            "claim.provider",
            "claim.billed_amount",
            "claim.claim_number",
        ]),
        NoticeElement::DenialCodeMeaning => ev(&["denial.codes", "denial.category"]),
        NoticeElement::CodesAvailable => ev(&["claim.diagnosis_codes", "claim.procedure_codes"]),
        NoticeElement::ActionEffectiveDate => ev(&["dates.letter_date"]),
        _ => ev(&["denial.documents_requested", "denial.reason_text"]),
    })
}

/// The parts of the claim's identification the report lacks: the date of service and the
/// amount (for care already received), and the provider.
fn claim_parts_missing(report: &Report) -> Vec<&'static str> {
    let pre = report.denial.as_ref().is_some_and(|d| d.pre_service);
    let c = &report.claim;
    let entry = |f: fn(&crate::report::ClaimEntry) -> bool| report.claims.iter().any(f);
    let mut out = Vec::new();
    if c.service_date.is_none() && !entry(|e| e.service_date.is_some()) && !pre {
        out.push("the date of service");
    }
    if c.provider.is_none() && !entry(|e| e.provider.is_some()) {
        out.push("the provider");
    }
    if !pre && c.billed_amount.is_none() && !entry(|e| e.billed_amount.is_some()) {
        out.push("the amount claimed");
    }
    out
}

/// The date the notice says the plan received the claim or request, and whether it says
/// the request was urgent.
fn received(text: &Text, nr: &NoticeRules) -> Option<(Date, bool)> {
    let re = nr.received.get()?;
    let lower = text.flat_lower();
    for m in re.find_iter(lower) {
        let tail = lower.get(m.end()..)?;
        let window = tail
            .char_indices()
            .take_while(|(i, _)| *i < 80)
            .map(|(i, c)| i + c.len_utf8())
            .last()
            .unwrap_or(0);
        let Some(d) = crate::values::find_dates(tail.get(..window)?)
            .first()
            .map(|f| f.value)
        else {
            continue;
        };
        let (s, e) = text.sentence_at(m.start());
        let sentence = lower.get(s..e).unwrap_or("");
        return Some((d, found(&nr.urgent, sentence).is_some()));
    }
    None
}

/// A decision later than the program allows, by the notice's own dates.
fn late(
    text: &Text,
    report: &Report,
    nr: &NoticeRules,
    program: &str,
    stage: NoticeStage,
    pre_service: bool,
) -> Option<LateDecision> {
    let decided: Date = report.dates.letter_date.as_deref()?.parse().ok()?;
    let (received, urgent) = received(text, nr)?;
    let kind = if urgent {
        DecisionKind::Urgent
    } else if pre_service {
        DecisionKind::PreService
    } else if report.claim.claim_number.is_some() || report.claim.billed_amount.is_some() {
        DecisionKind::PostService
    } else {
        return None;
    };
    // The limit in force when the request came in: the latest whose `from` has passed.
    let time = nr
        .times
        .iter()
        .filter(|t| t.program == program && t.stage == stage && t.kind == kind)
        .filter(|t| t.from_date.is_none_or(|f| received >= f))
        .max_by_key(|t| t.from_date)?;
    let days = i64::from((decided - received).get_days());
    let limit = time.limit_days();
    let with_extension = limit + time.extension_days.unwrap_or(0);
    let extended = found(&nr.extension, text.flat_lower()).is_some();
    let late = if extended {
        days > with_extension
    } else {
        days > limit
    };
    late.then(|| LateDecision {
        kind,
        received: received.to_string(),
        decided: decided.to_string(),
        days,
        limit: time.limit_text(),
        extension_days: time.extension_days,
        late_even_with_extension: days > with_extension,
        rule: time.cite.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> String {
        include_str!("../rules/notice.toml").to_string()
    }

    fn load(src: &str) -> Result<NoticeRules> {
        let file: NoticeFile = toml::from_str(src).map_err(|e| bad("syntax", e.to_string()))?;
        NoticeRules::load(file)
    }

    #[test]
    fn bundled_rules_load_and_every_pattern_compiles() {
        let rules = load(&bundled()).unwrap();
        assert!(rules.compile_all());
        // Every element the schema names is required somewhere.
        assert_eq!(rules.elements.len(), 20);
        for p in ["employer_aca", "medicare_advantage", "medicare_part_d"] {
            assert!(rules.program_name(p).is_some(), "{p}");
        }
    }

    #[test]
    fn a_broken_rule_file_is_refused_with_the_entry_named() {
        let cases = [
            // An argument that does not cite its rule.
            (
                "ask = \"The notice does not state the specific reason for the decision, as {rule} requires; please state it.\"",
                "ask = \"Please state the reason.\"",
                "{rule}",
            ),
            // A requirement of a program the file does not define.
            (
                "program = \"medicaid_fee_for_service\"\nstage = \"initial\"\ncite = \"42 CFR 431.210(b)\"",
                "program = \"tricare\"\nstage = \"initial\"\ncite = \"42 CFR 431.210(b)\"",
                "tricare",
            ),
            // A decision time with both hours and days.
            (
                "kind = \"urgent\"\nhours = 72\ncite = \"29 CFR 2560.503-1(f)(2)(i)\"",
                "kind = \"urgent\"\nhours = 72\ndays = 3\ncite = \"29 CFR 2560.503-1(f)(2)(i)\"",
                "decision time",
            ),
            // A pattern that does not parse.
            ("'\\bexpedit',", "'\\bexpedit(',", "expedited"),
        ];
        for (from, to, want) in cases {
            let src = bundled();
            assert!(src.contains(from), "{from}");
            let err = load(&src.replacen(from, to, 1)).unwrap_err().to_string();
            assert!(
                err.contains(want) || err.to_lowercase().contains(&want.to_lowercase()),
                "{err}"
            );
        }
    }

    #[test]
    fn a_limit_in_hours_counts_whole_days_that_prove_it_exceeded() {
        let t = |hours: Option<i64>, days: Option<i64>| DecisionTime {
            program: "p".into(),
            stage: NoticeStage::Initial,
            kind: DecisionKind::Urgent,
            hours,
            days,
            extension_days: None,
            from: None,
            from_date: None,
            cite: "c".into(),
        };
        assert_eq!(t(Some(72), None).limit_days(), 3);
        assert_eq!(t(Some(24), None).limit_days(), 1);
        assert_eq!(t(None, Some(15)).limit_days(), 15);
        assert_eq!(t(Some(72), None).limit_text(), "72 hours");
    }
}
