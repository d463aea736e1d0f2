//! Rules: the data files under `rules/` (embedded at build time) in, compiled [`Rules`] out.
//! Every pattern is compiled once, here, and every file is validated on load: unknown keys,
//! unknown categories, duplicate codes and bad regexes are errors, not silent skips.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::report::{Action, Category, PlanType};

/// The bundled rule files, by name.
pub const BUNDLED: &[(&str, &str)] = &[
    ("codes.toml", include_str!("../rules/codes.toml")),
    ("categories.toml", include_str!("../rules/categories.toml")),
    ("document.toml", include_str!("../rules/document.toml")),
    ("fields.toml", include_str!("../rules/fields.toml")),
    ("programs.toml", include_str!("../rules/programs.toml")),
    ("next_steps.toml", include_str!("../rules/next_steps.toml")),
    ("states.toml", include_str!("../data/states.toml")),
    (
        "fair_hearing.toml",
        include_str!("../data/fair_hearing.toml"),
    ),
    ("payers.toml", include_str!("../rules/payers.toml")),
    ("notice.toml", include_str!("../rules/notice.toml")),
];

/// A code table entry. `category: None` marks codes that are not denials.
#[derive(Debug, Clone)]
pub struct CodeEntry {
    /// The denial category, or `None` for cost sharing and informational codes.
    pub category: Option<Category>,
    /// A short description.
    pub description: String,
    /// What one occurrence adds to its category's score.
    pub weight: f64,
}

/// A weighted phrase pointing at a denial category.
#[derive(Debug, Clone)]
pub struct Phrase {
    /// The category it supports.
    pub category: Category,
    /// How much one match adds.
    pub weight: f64,
    /// The compiled pattern.
    pub re: Regex,
}

/// What a document signal says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalKind {
    /// An explanation of benefits or remittance.
    Eob,
    /// An appeal decision.
    AppealDecision,
    /// A denial letter.
    DenialLetter,
    /// Something was approved.
    Approval,
    /// A bill or collection notice.
    Collection,
    /// A request for more information.
    InfoRequest,
    /// A claim was paid.
    Paid,
    /// An explicit denial statement.
    Denial,
    /// An appeal upheld the denial.
    Upheld,
    /// An appeal overturned the denial.
    Overturned,
    /// The document decides a request for care not yet received.
    PreService,
    /// The document is about care already given (a claim, a payment).
    PostService,
}

/// A weighted document signal.
#[derive(Debug, Clone)]
pub struct Signal {
    /// What it indicates.
    pub signal: SignalKind,
    /// How much one match adds.
    pub weight: f64,
    /// The compiled pattern.
    pub re: Regex,
}

/// A weighted plan-type signal.
#[derive(Debug, Clone)]
pub struct PlanRule {
    /// The plan type it indicates.
    pub plan_type: PlanType,
    /// How much one match adds.
    pub weight: f64,
    /// The compiled pattern.
    pub re: Regex,
    /// Counts only where the document names its own plan (letterhead, a plan label).
    pub identity_only: bool,
}

/// How a field's value is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    /// An identifier: letters, digits, dashes; at least one digit.
    Id,
    /// A person's name.
    Name,
    /// Free text up to the next label.
    Text,
    /// A calendar date.
    Date,
    /// A dollar amount.
    Amount,
    /// A US phone number.
    Phone,
}

/// The fields read by label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldName {
    /// `claim.claim_number`.
    ClaimNumber,
    /// `claim.reference_number`: an authorization, case, appeal or request number.
    ReferenceNumber,
    /// `member.member_id`.
    MemberId,
    /// `member.group_number`.
    GroupNumber,
    /// `member.name`.
    MemberName,
    /// `claim.provider`.
    Provider,
    /// `claim.billed_amount`.
    BilledAmount,
    /// `claim.patient_responsibility`.
    PatientResponsibility,
    /// `claim.service_date`.
    ServiceDate,
    /// `dates.letter_date`.
    LetterDate,
    /// A date of birth: read so that it is not taken for another date; not reported.
    BirthDate,
    /// The first date a decision denies ("Days not approved: 04/10/2026 and after"): the
    /// denial's service date, before an admission or a requested date.
    DeniedDate,
    /// `payer.name`.
    PayerName,
    /// `payer.phone`.
    PayerPhone,
}

/// A field's labels.
#[derive(Debug, Clone)]
pub struct FieldRule {
    /// The field.
    pub name: FieldName,
    /// How its value is read.
    pub kind: ValueKind,
    /// Its labels, in priority order, each compiled case-insensitively; group `l` is the
    /// label itself, which must end a word (the regex tries longer alternatives to get there).
    pub labels: Vec<LazyRegex>,
}

/// A pattern compiled the first time it is needed. Field labels are: `label_set` (compiled
/// up front, so every label's syntax is checked when the rules load) says which labels a line
/// has, and most letters use a fraction of them.
#[derive(Debug, Clone)]
pub struct LazyRegex {
    file: &'static str,
    id: String,
    pattern: String,
    re: std::sync::OnceLock<Option<Regex>>,
}

impl LazyRegex {
    pub(crate) fn new(file: &'static str, id: String, pattern: String) -> LazyRegex {
        LazyRegex {
            file,
            id,
            pattern,
            re: std::sync::OnceLock::new(),
        }
    }

    /// The compiled pattern; `None` only if it does not compile on its own (over the size
    /// limit), which the rule tests rule out for the bundled rules.
    pub fn get(&self) -> Option<&Regex> {
        self.re
            .get_or_init(|| compile(self.file, &self.id, &self.pattern).ok())
            .as_ref()
    }
}

/// What a claim-line table column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    /// Amount billed.
    Billed,
    /// Amount allowed.
    Allowed,
    /// Amount paid by the plan.
    Paid,
    /// Deductible.
    Deductible,
    /// Copay.
    Copay,
    /// Coinsurance.
    Coinsurance,
    /// Amount not covered.
    NotCovered,
    /// What the patient owes.
    Owed,
    /// Other adjustments.
    Other,
    /// Not an amount column, though its header looks like one.
    Ignore,
}

/// A column header pattern.
#[derive(Debug, Clone)]
pub struct Column {
    /// The column kind.
    pub kind: ColumnKind,
    /// The compiled pattern (whole words).
    pub re: Regex,
}

/// One appeal level of a program.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Level {
    /// The next-step action.
    pub action: Action,
    /// What the step is called in this program.
    pub label: String,
    /// The window in days, if counted in days.
    pub days: Option<i64>,
    /// The window in calendar months, if counted in months.
    pub months: Option<i64>,
    /// The regulation.
    pub rule: String,
    /// What a person should know about this level.
    pub note: Option<String>,
    /// The longest window the regulation allows, in days from the notice's date (receipt
    /// presumed 5 days after it where the rule counts from receipt): a longer window read
    /// from the document is replaced by the level's own (a typo or a generic paragraph must
    /// not push the date out). None: no fixed limit (employer and ACA plans).
    #[serde(default)]
    pub cap_days: Option<i64>,
    /// Each state sets the window (`data/fair_hearing.toml`): see [`Rules::level_for`].
    #[serde(default)]
    pub per_state: bool,
    /// The event the window counts from when it is not this notice and has not happened yet
    /// ("the Independent Review Entity's decision", for a plan that forwards upheld denials on
    /// its own): no deadline is counted from this notice, and a warning says what starts it.
    #[serde(default)]
    pub starts_after: Option<String>,
}

/// One state's time limit to ask for a Medicaid fair hearing on the agency's own notice.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FairHearingState {
    /// Two-letter code.
    pub code: String,
    /// The state's name.
    pub name: String,
    /// Days to ask, when sourced.
    pub days: Option<i64>,
    /// What the days count from, as the source says.
    #[serde(default)]
    pub counts_from: String,
    /// Whether the window was read in a primary or official source.
    pub sourced: bool,
    /// The citation.
    #[serde(default)]
    pub source: String,
    /// Where it was read.
    #[serde(default)]
    pub url: String,
    /// Anything a reader should know.
    #[serde(default)]
    pub note: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FairHearingFile {
    state: Vec<FairHearingState>,
}

/// A program's fast appeal for urgent, not-yet-received care.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expedited {
    /// What it is called, with how fast it is decided.
    pub label: String,
    /// The regulation.
    pub rule: String,
}

/// An appeal program (Medicare, Medicaid, employer plans, ...).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Program {
    /// The plan types it covers.
    pub plan_types: Vec<PlanType>,
    /// Its name.
    pub name: String,
    /// The appeal of an initial denial.
    pub first: Level,
    /// The next level after an appeal decision upholds the denial.
    pub after_decision: Level,
    /// The fast appeal, where the program has one.
    pub expedited: Option<Expedited>,
    /// The regulation giving a free copy of the claim (case) file, where there is one.
    pub claim_file_rule: Option<String>,
}

/// The obvious step for a denial category.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryStep {
    /// The category.
    pub category: Category,
    /// The action.
    pub action: Action,
    /// Why, in plain language.
    pub why: String,
    /// What to gather or do.
    pub checklist: Vec<String>,
    /// Who must act: `member` (default) or `provider`.
    #[serde(default)]
    pub who: Who,
}

/// Who must take a step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Who {
    /// The member (or their representative).
    #[default]
    Member,
    /// The provider (a corrected claim, a write-off).
    Provider,
}

/// A step every denial gets.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlwaysStep {
    /// The action.
    pub action: Action,
    /// Why, in plain language.
    pub why: String,
    /// What to gather or do.
    pub checklist: Vec<String>,
    /// The regulation behind the right, if any.
    pub rule: Option<String>,
}

/// A document a letter may ask for.
#[derive(Debug, Clone)]
pub struct DocumentName {
    /// How a checklist names it.
    pub name: String,
    /// How letters mention it.
    pub re: Regex,
}

/// A state's consumer assistance contacts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateInfo {
    /// The state's name.
    pub name: String,
    /// The consumer assistance program (or the insurance department's consumer line).
    pub cap: String,
    /// Its phone number.
    pub cap_phone: String,
    /// Its web address.
    pub cap_url: String,
    /// The insurance department.
    pub doi: String,
    /// Its consumer phone number.
    pub doi_phone: String,
    /// Its web address.
    pub doi_url: String,
}

/// All rules, compiled.
#[derive(Debug, Clone)]
pub struct Rules {
    /// CARC table by code.
    pub carc: HashMap<String, CodeEntry>,
    /// RARC table by code.
    pub rarc: HashMap<String, CodeEntry>,
    /// Category phrases.
    pub phrases: Vec<Phrase>,
    /// Document signals.
    pub signals: Vec<Signal>,
    /// Plan-type signals.
    pub plans: Vec<PlanRule>,
    /// A line that names the document's own plan: "Plan:", "Product", "Your plan", "Coverage".
    pub plan_identity: Regex,
    /// A sentence about other coverage: "primary coverage", "apply for", "other insurance".
    pub plan_other: Regex,
    /// Field labels.
    pub fields: Vec<FieldRule>,
    /// Every field label in one set, to find a line's labels in one pass.
    pub label_set: regex::RegexSet,
    /// (field index, label index) of each pattern of `label_set`.
    pub label_index: Vec<(usize, usize)>,
    /// Words that end a text value.
    pub stop_words: HashSet<String>,
    /// Words that end organisation names, for table cells that wrap.
    pub name_endings: HashSet<String>,
    /// Claim-line table columns.
    pub columns: Vec<Column>,
    /// Any column pattern (one alternation of them all): most lines name no column, and one
    /// pass says so. (A `RegexSet` of them took twice as long to compile.)
    pub column_any: Regex,
    /// Appeal programs.
    pub programs: Vec<Program>,
    /// Category steps.
    pub steps: Vec<CategoryStep>,
    /// Steps every denial gets.
    pub always: Vec<AlwaysStep>,
    /// Documents letters ask for.
    pub documents: Vec<DocumentName>,
    /// Consumer assistance by two-letter state code.
    pub states: std::collections::BTreeMap<String, StateInfo>,
    /// Where the state data comes from, and when it was read.
    pub states_source: String,
    /// Medicaid fair hearing windows by state, for the state's own (fee-for-service) notices.
    pub fair_hearing: Vec<FairHearingState>,
    /// Known insurer names, as one whole-word pattern.
    pub payer_names: Regex,
    /// What a denial notice must contain, per program, and how fast the plan must decide.
    pub notice: crate::notice::NoticeRules,
}

static BUNDLED_RULES: LazyLock<std::result::Result<Rules, String>> = LazyLock::new(|| {
    let rules = Rules::from_sources(BUNDLED).map_err(|e| e.to_string())?;
    rules.compile_lazy();
    Ok(rules)
});

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodesFile {
    carc: Vec<RawCode>,
    rarc: Vec<RawCode>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCode {
    code: String,
    weight: Option<f64>,
    category: String,
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoriesFile {
    phrase: Vec<RawPhrase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPhrase {
    category: Category,
    weight: f64,
    pattern: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DocumentFile {
    signal: Vec<RawSignal>,
    plan: Vec<RawPlan>,
    plan_context: RawPlanContext,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlanContext {
    identity: String,
    other: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSignal {
    signal: SignalKind,
    weight: f64,
    pattern: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlan {
    plan_type: PlanType,
    weight: f64,
    pattern: String,
    #[serde(default)]
    identity_only: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldsFile {
    field: Vec<RawField>,
    stop_words: Vec<String>,
    name_endings: Vec<String>,
    column: Vec<RawColumn>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawColumn {
    kind: ColumnKind,
    pattern: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    name: FieldName,
    kind: ValueKind,
    labels: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProgramsFile {
    program: Vec<Program>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepsFile {
    step: Vec<CategoryStep>,
    always: Vec<AlwaysStep>,
    document: Vec<RawDocument>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDocument {
    name: String,
    pattern: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PayersFile {
    names: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatesFile {
    source: String,
    states: std::collections::BTreeMap<String, StateInfo>,
}

impl Rules {
    /// The rules bundled with overturn, compiled once per process.
    pub fn bundled() -> Result<&'static Rules> {
        BUNDLED_RULES.as_ref().map_err(|reason| Error::Rules {
            file: "bundled".into(),
            id: "load".into(),
            reason: reason.clone(),
        })
    }

    /// Compiles now, on every core, the patterns otherwise compiled when first used: the field
    /// labels, the notice checks and the code's constant patterns on the way from text to a
    /// report (not those of OCR repairs or redaction). On first use a batch's workers wait on
    /// each other's, one pattern at a time, and a one-letter `parse` compiles them on one
    /// core (docs/performance.md). Calling it again compiles nothing.
    pub fn compile_lazy(&self) {
        let mut work: Vec<Box<dyn Fn() + Send + Sync + '_>> = Vec::new();
        for label in self.fields.iter().flat_map(|f| &f.labels) {
            work.push(Box::new(move || {
                label.get();
            }));
        }
        for p in self.notice.lazy_patterns() {
            work.push(Box::new(move || {
                p.get();
            }));
        }
        for p in constant_patterns()
            .into_iter()
            .flat_map(|(_, patterns)| patterns)
        {
            work.push(Box::new(move || {
                LazyLock::force(p);
            }));
        }
        on_cores(&work, |job| job());
    }

    /// Compiles rules from `(file name, contents)` pairs: the files of [`BUNDLED`].
    pub fn from_sources(sources: &[(&str, &str)]) -> Result<Rules> {
        let get = |name: &str| {
            sources
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, s)| *s)
                .ok_or_else(|| Error::Rules {
                    file: name.into(),
                    id: "file".into(),
                    reason: "missing".into(),
                })
        };
        let codes: CodesFile = parse("codes.toml", get("codes.toml")?)?;
        let cats: CategoriesFile = parse("categories.toml", get("categories.toml")?)?;
        let doc: DocumentFile = parse("document.toml", get("document.toml")?)?;
        let fields: FieldsFile = parse("fields.toml", get("fields.toml")?)?;
        let programs: ProgramsFile = parse("programs.toml", get("programs.toml")?)?;
        let steps: StepsFile = parse("next_steps.toml", get("next_steps.toml")?)?;
        let states: StatesFile = parse("states.toml", get("states.toml")?)?;
        let fair: FairHearingFile = parse("fair_hearing.toml", get("fair_hearing.toml")?)?;
        check_fair_hearing(&fair.state)?;
        let payers: PayersFile = parse("payers.toml", get("payers.toml")?)?;
        let notice = crate::notice::NoticeRules::load(parse("notice.toml", get("notice.toml")?)?)?;
        let alternation = payers
            .names
            .iter()
            .map(|n| regex::escape(n))
            .collect::<Vec<_>>()
            .join("|");
        if states.states.len() != 51
            || states
                .states
                .keys()
                .any(|k| k.len() != 2 || k.to_uppercase() != *k)
        {
            return Err(Error::Rules {
                file: "states.toml".into(),
                id: "states".into(),
                reason: "expected the 50 states and DC, keyed by two-letter code".into(),
            });
        }
        for (i, w) in cats.phrase.iter().map(|p| p.weight).enumerate() {
            check_weight("categories.toml", i, w)?;
        }
        for (i, w) in doc.signal.iter().map(|s| s.weight).enumerate() {
            check_weight("document.toml", i, w)?;
        }
        let mut seen = HashSet::new();
        for f in &fields.field {
            let id = format!("{:?}", f.name);
            if !seen.insert(f.name) {
                return Err(Error::Rules {
                    file: "fields.toml".into(),
                    id,
                    reason: "field listed twice".into(),
                });
            }
            if f.labels.is_empty() {
                return Err(Error::Rules {
                    file: "fields.toml".into(),
                    id,
                    reason: "no labels".into(),
                });
            }
        }
        for p in &programs.program {
            for level in [&p.first, &p.after_decision] {
                if level.days.is_some() == level.months.is_some() {
                    return Err(Error::Rules {
                        file: "programs.toml".into(),
                        id: p.name.clone(),
                        reason: "each level needs exactly one of `days` or `months`".into(),
                    });
                }
            }
        }
        for c in ALL_CATEGORIES {
            if !steps.step.iter().any(|s| s.category == c) {
                return Err(Error::Rules {
                    file: "next_steps.toml".into(),
                    id: c.as_str().into(),
                    reason: "no step for this category".into(),
                });
            }
        }
        let carc = code_table("carc", codes.carc)?;
        let rarc = code_table("rarc", codes.rarc)?;

        // Every pattern, in the order they are taken back out below.
        let mut jobs = Jobs::default();
        jobs.one("payers.toml", "names", format!(r"\b(?:{alternation})\b"));
        for d in &steps.document {
            jobs.one("next_steps.toml", &d.name, d.pattern.clone());
        }
        for (i, p) in cats.phrase.iter().enumerate() {
            jobs.one(
                "categories.toml",
                &format!("phrase {}", i + 1),
                p.pattern.clone(),
            );
        }
        for (i, p) in doc.signal.iter().enumerate() {
            jobs.one(
                "document.toml",
                &format!("signal {}", i + 1),
                p.pattern.clone(),
            );
        }
        for (i, p) in doc.plan.iter().enumerate() {
            jobs.one(
                "document.toml",
                &format!("plan {}", i + 1),
                p.pattern.clone(),
            );
        }
        jobs.one(
            "document.toml",
            "plan_context.identity",
            doc.plan_context.identity.clone(),
        );
        jobs.one(
            "document.toml",
            "plan_context.other",
            doc.plan_context.other.clone(),
        );
        let label = |l: &str| format!(r"\b(?P<l>{l})(?:[^\w]|$)");
        let mut label_patterns = Vec::new();
        let mut label_index = Vec::new();
        for (fi, f) in fields.field.iter().enumerate() {
            for (li, l) in f.labels.iter().enumerate() {
                match label_head(l) {
                    // The set holds only the label's head; the whole label, compiled when
                    // first used, is checked here instead.
                    Some(head) => {
                        let id = format!("{:?}", f.name);
                        let full =
                            prepare(&label(l)).map_err(|r| rule_error("fields.toml", &id, r))?;
                        regex_syntax::parse(&full)
                            .map_err(|e| rule_error("fields.toml", &id, e))?;
                        label_patterns.push(format!(r"\b(?:{head})"));
                    }
                    None => label_patterns.push(label(l)),
                }
                label_index.push((fi, li));
            }
        }
        let column_patterns: Vec<String> = (fields.column.iter())
            .map(|c| format!(r"\b(?:{})\b", c.pattern))
            .collect();
        for (c, p) in fields.column.iter().zip(&column_patterns) {
            jobs.one("fields.toml", &format!("column {:?}", c.kind), p.clone());
        }
        jobs.set("fields.toml", "labels", label_patterns);
        jobs.one("fields.toml", "columns", column_patterns.join("|"));
        let mut out = jobs.compile()?.into_iter();

        let payer_names = out.next_one()?;
        let documents = (steps.document.into_iter())
            .map(|d| {
                Ok(DocumentName {
                    name: d.name,
                    re: out.next_one()?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let phrases = (cats.phrase.into_iter())
            .map(|p| {
                Ok(Phrase {
                    category: p.category,
                    weight: p.weight,
                    re: out.next_one()?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let signals = (doc.signal.into_iter())
            .map(|s| {
                Ok(Signal {
                    signal: s.signal,
                    weight: s.weight,
                    re: out.next_one()?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let plans = (doc.plan.into_iter())
            .map(|p| {
                Ok(PlanRule {
                    plan_type: p.plan_type,
                    weight: p.weight,
                    re: out.next_one()?,
                    identity_only: p.identity_only,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let plan_identity = out.next_one()?;
        let plan_other = out.next_one()?;
        let field_rules = (fields.field.into_iter())
            .map(|f| {
                Ok(FieldRule {
                    name: f.name,
                    kind: f.kind,
                    labels: (f.labels.iter())
                        .map(|l| LazyRegex::new("fields.toml", format!("{:?}", f.name), label(l)))
                        .collect(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let columns = (fields.column.iter())
            .map(|c| {
                Ok(Column {
                    kind: c.kind,
                    re: out.next_one()?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let label_set = out.next_set()?;
        let column_any = out.next_one()?;
        Ok(Rules {
            label_set,
            label_index,
            columns,
            column_any,
            carc,
            rarc,
            phrases,
            signals,
            plans,
            plan_identity,
            plan_other,
            fields: field_rules,
            stop_words: fields
                .stop_words
                .into_iter()
                .map(|w| w.to_lowercase())
                .collect(),
            name_endings: fields
                .name_endings
                .into_iter()
                .map(|w| w.to_lowercase())
                .collect(),
            programs: programs.program,
            steps: steps.step,
            always: steps.always,
            documents,
            states: states.states,
            states_source: states.source,
            fair_hearing: fair.state,
            notice,
            payer_names,
        })
    }

    /// A level as it applies in `state`: a per-state level takes the state's sourced window;
    /// with the state unknown or unsourced, the shortest sourced window of any state, and a
    /// warning that says so (never a later deadline than the state's own).
    pub fn level_for(&self, level: &Level, state: Option<&str>) -> (Level, Option<String>) {
        if !level.per_state {
            return (level.clone(), None);
        }
        let mut out = level.clone();
        let own = state.and_then(|c| self.fair_hearing.iter().find(|s| s.code == c));
        if let Some(s) = own.filter(|s| s.sourced)
            && let Some(days) = s.days
        {
            out.days = Some(days);
            out.months = None;
            out.cap_days = Some(days);
            out.rule = format!("{}; {}", s.source, level.rule);
            out.label = format!("{} ({}: {days} days)", level.label, s.name);
            return (out, None);
        }
        let Some(shortest) = self
            .fair_hearing
            .iter()
            .filter(|s| s.sourced)
            .filter_map(|s| s.days.map(|d| (d, s)))
            .min_by_key(|(d, _)| *d)
        else {
            return (out, None);
        };
        out.days = Some(shortest.0);
        out.months = None;
        let whose = match own {
            Some(s) => format!("{}'s time limit could not be sourced here", s.name),
            None => "the state could not be read from the document".to_string(),
        };
        let why = format!(
            "{whose}; the shortest window any state gives ({} days, {}) was counted, so the real deadline may be later",
            shortest.0, shortest.1.name
        );
        out.label = format!("{} (check your state's time limit)", level.label);
        (out, Some(why))
    }

    /// The program for a plan type.
    pub fn program(&self, plan: PlanType) -> Option<&Program> {
        self.programs.iter().find(|p| p.plan_types.contains(&plan))
    }

    /// The labels of one field.
    pub fn field(&self, name: FieldName) -> Option<&FieldRule> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// Every category, in taxonomy order.
pub const ALL_CATEGORIES: [Category; 14] = [
    Category::PriorAuthorization,
    Category::Referral,
    Category::MedicalNecessity,
    Category::MissingDocumentation,
    Category::CodingBillingError,
    Category::OutOfNetwork,
    Category::NotCovered,
    Category::ExperimentalInvestigational,
    Category::Eligibility,
    Category::TimelyFiling,
    Category::DuplicateClaim,
    Category::CoordinationOfBenefits,
    Category::BenefitLimit,
    Category::Other,
];

fn parse<T: serde::de::DeserializeOwned>(file: &str, src: &str) -> Result<T> {
    toml::from_str(src).map_err(|e| Error::Rules {
        file: file.into(),
        id: "syntax".into(),
        reason: e.to_string(),
    })
}

/// Word boundaries and word classes in ASCII. Text is NFKC-normalised before matching, and
/// Unicode word tables make every pattern about ten times slower to compile, which a batch
/// run pays once but a single `parse` pays on every call.
pub(crate) fn ascii_words(p: &str) -> String {
    p.replace(r"\b", r"(?-u:\b)")
        .replace(r"[^\w]", "[^0-9A-Za-z_]")
}

/// The head of a field label that holds a long or unbounded repetition (`claim for
/// [^.:]{0,60}? on`): the part before that repetition (`claim for `), or `None` if the label
/// has no such repetition or nothing before it.
///
/// `label_set` holds the head instead of the label. A label with a gap of up to 60 characters
/// makes the set's lazy DFA count every position of the gap for every place the gap can
/// start: its states never stop growing, the DFA's cache is cleared again and again, and
/// building states was most of the time of finding a line's labels. Every text the label
/// matches starts with a match of its head, so a line whose set match misses the head holds
/// no such label; the label itself (`FieldRule::labels`) then finds where it is, as for any
/// other label the set names.
pub(crate) fn label_head(label: &str) -> Option<String> {
    use regex_syntax::ast::{Ast, GroupKind, RepetitionKind, RepetitionRange};
    /// A repetition of more than a few times, or without a bound.
    fn long(a: &Ast) -> bool {
        match a {
            Ast::Repetition(r) => {
                let many = match &r.op.kind {
                    RepetitionKind::ZeroOrOne => false,
                    RepetitionKind::ZeroOrMore
                    | RepetitionKind::OneOrMore
                    | RepetitionKind::Range(RepetitionRange::AtLeast(_)) => true,
                    RepetitionKind::Range(
                        RepetitionRange::Exactly(n) | RepetitionRange::Bounded(_, n),
                    ) => *n > 3,
                };
                many || long(&r.ast)
            }
            Ast::Group(g) => long(&g.ast),
            Ast::Alternation(x) => x.asts.iter().any(long),
            Ast::Concat(x) => x.asts.iter().any(long),
            _ => false,
        }
    }
    /// A pattern every match of `a` starts with a match of (`None`: only the empty one).
    #[allow(clippy::string_slice)] // Char boundaries: AST spans are offsets of `p`'s own syntax.
    fn head(a: &Ast, p: &str) -> Option<String> {
        let text = |a: &Ast| &p[a.span().start.offset..a.span().end.offset];
        if !long(a) {
            return Some(text(a).to_string());
        }
        match a {
            Ast::Concat(x) => {
                let mut out = String::new();
                for a in &x.asts {
                    if !long(a) {
                        out.push_str(text(a));
                        continue;
                    }
                    if let Some(h) = head(a, p) {
                        out.push_str(&format!("(?:{h})"));
                    }
                    break;
                }
                (!out.is_empty()).then_some(out)
            }
            Ast::Alternation(x) => {
                let heads = x
                    .asts
                    .iter()
                    .map(|a| head(a, p))
                    .collect::<Option<Vec<_>>>()?;
                Some(heads.join("|"))
            }
            Ast::Group(g) => match &g.kind {
                GroupKind::NonCapturing(f) if !f.items.is_empty() => None,
                _ => head(&g.ast, p).map(|h| format!("(?:{h})")),
            },
            Ast::Repetition(r) => {
                let at_least_once = match &r.op.kind {
                    RepetitionKind::OneOrMore => true,
                    RepetitionKind::Range(
                        RepetitionRange::Exactly(n)
                        | RepetitionRange::AtLeast(n)
                        | RepetitionRange::Bounded(n, _),
                    ) => *n >= 1,
                    _ => false,
                };
                if at_least_once { head(&r.ast, p) } else { None }
            }
            _ => None,
        }
    }
    let ast = regex_syntax::ast::parse::Parser::new().parse(label).ok()?;
    if !long(&ast) {
        return None;
    }
    head(&ast, label)
}

/// A pattern written in the code (not a rule file): compiled once, by a `LazyLock`.
#[allow(clippy::expect_used)] // constant patterns, each exercised by the unit tests
pub(crate) fn constant(p: &str) -> Regex {
    Regex::new(&ascii_words(p)).expect("constant regex")
}

/// A rule pattern for text whose ASCII letters are lower-cased (`Text::flat_lower`,
/// `str::to_ascii_lowercase`): its letters lower-cased too. Case-insensitive patterns cost
/// twice as much to compile and over twice as much to run, and rule patterns are ASCII.
/// Patterns that turn case-insensitivity off, or name letter-case classes, are refused: they
/// cannot work on lower-cased text.
fn for_lowercase(pattern: &str) -> std::result::Result<String, String> {
    use regex_syntax::ast::{self, Ast, ClassSet, ClassSetItem};
    fn flags(f: &ast::Flags) -> std::result::Result<(), String> {
        let mut negated = false;
        for item in &f.items {
            match item.kind {
                ast::FlagsItemKind::Negation => negated = true,
                ast::FlagsItemKind::Flag(ast::Flag::CaseInsensitive) if negated => {
                    return Err("case-sensitive matching `(?-i)` is not supported: text is \
                                matched with its letters lower-cased"
                        .into());
                }
                _ => {}
            }
        }
        Ok(())
    }
    fn lower(c: &mut char) {
        *c = c.to_ascii_lowercase();
    }
    fn class_item(item: &mut ClassSetItem) -> std::result::Result<(), String> {
        match item {
            ClassSetItem::Literal(l) => lower(&mut l.c),
            ClassSetItem::Range(r) => {
                let (a, b) = (r.start.c, r.end.c);
                if a.is_ascii_uppercase() != b.is_ascii_uppercase()
                    && (a..=b).any(|c| c.is_ascii_uppercase())
                {
                    return Err(format!("range {a}-{b} mixes upper-case letters and others"));
                }
                lower(&mut r.start.c);
                lower(&mut r.end.c);
            }
            ClassSetItem::Ascii(a)
                if matches!(
                    a.kind,
                    ast::ClassAsciiKind::Upper | ast::ClassAsciiKind::Lower
                ) =>
            {
                return Err("letter-case classes are not supported".into());
            }
            ClassSetItem::Unicode(_) => return Err("Unicode classes are not supported".into()),
            ClassSetItem::Bracketed(b) => class_set(&mut b.kind)?,
            ClassSetItem::Union(u) => {
                for i in &mut u.items {
                    class_item(i)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
    fn class_set(set: &mut ClassSet) -> std::result::Result<(), String> {
        match set {
            ClassSet::Item(i) => class_item(i),
            ClassSet::BinaryOp(op) => {
                class_set(&mut op.lhs)?;
                class_set(&mut op.rhs)
            }
        }
    }
    fn walk(a: &mut Ast) -> std::result::Result<(), String> {
        match a {
            Ast::Literal(l) => lower(&mut l.c),
            Ast::Flags(f) => flags(&f.flags)?,
            Ast::ClassUnicode(_) => return Err("Unicode classes are not supported".into()),
            Ast::ClassBracketed(b) => class_set(&mut b.kind)?,
            Ast::Repetition(r) => walk(&mut r.ast)?,
            Ast::Group(g) => {
                if let ast::GroupKind::NonCapturing(f) = &g.kind {
                    flags(f)?;
                }
                walk(&mut g.ast)?;
            }
            Ast::Alternation(x) => {
                for a in &mut x.asts {
                    walk(a)?;
                }
            }
            Ast::Concat(x) => {
                for a in &mut x.asts {
                    walk(a)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
    let mut tree = ast::parse::Parser::new()
        .parse(pattern)
        .map_err(|e| e.to_string())?;
    walk(&mut tree)?;
    let mut out = String::new();
    ast::print::Printer::new()
        .print(&tree, &mut out)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

/// A rule pattern as it is compiled: ASCII word boundaries, letters lower-cased.
pub(crate) fn prepare(pattern: &str) -> std::result::Result<String, String> {
    for_lowercase(&ascii_words(pattern))
}

/// The fair hearing table: the 50 states and DC once each; a sourced window has its citation
/// and at most the 90 days federal rule allows (42 CFR 431.221(d)).
fn check_fair_hearing(states: &[FairHearingState]) -> Result<()> {
    let bad = |id: &str, reason: &str| Error::Rules {
        file: "fair_hearing.toml".into(),
        id: id.into(),
        reason: reason.into(),
    };
    let codes: HashSet<&str> = states.iter().map(|s| s.code.as_str()).collect();
    if states.len() != 51 || codes.len() != 51 {
        return Err(bad("state", "expected the 50 states and DC once each"));
    }
    for s in states {
        if s.sourced && (s.source.is_empty() || !s.days.is_some_and(|d| (1..=90).contains(&d))) {
            return Err(bad(
                &s.code,
                "a sourced window needs a citation and 1 to 90 days",
            ));
        }
        if !s.sourced && s.days.is_some() {
            return Err(bad(&s.code, "an unsourced state has no days"));
        }
    }
    if !states.iter().any(|s| s.sourced) {
        return Err(bad("state", "no state is sourced"));
    }
    Ok(())
}

/// The error for a rule entry that does not compile.
fn rule_error(file: &str, id: &str, reason: impl ToString) -> Error {
    Error::Rules {
        file: file.into(),
        id: id.into(),
        reason: reason.to_string(),
    }
}

fn compile(file: &str, id: &str, pattern: &str) -> Result<Regex> {
    let pattern = prepare(pattern).map_err(|r| rule_error(file, id, r))?;
    regex::RegexBuilder::new(&pattern)
        .size_limit(1 << 22)
        .build()
        .map_err(|e| rule_error(file, id, e))
}

/// The patterns of the rule files, compiled on every core: compiling is most of a process's
/// start-up, and a one-file `parse` waits for all of it.
#[derive(Default)]
struct Jobs(Vec<Job>);

struct Job {
    file: &'static str,
    id: String,
    patterns: Vec<String>,
    set: bool,
}

enum Compiled {
    One(Regex),
    Set(regex::RegexSet),
}

impl Jobs {
    fn one(&mut self, file: &'static str, id: &str, pattern: String) {
        self.0.push(Job {
            file,
            id: id.to_string(),
            patterns: vec![pattern],
            set: false,
        });
    }

    fn set(&mut self, file: &'static str, id: &str, patterns: Vec<String>) {
        self.0.push(Job {
            file,
            id: id.to_string(),
            patterns,
            set: true,
        });
    }

    /// Compiles every job, in parallel, and returns them in the order they were added (or the
    /// first error, in that order too).
    fn compile(self) -> Result<Vec<Compiled>> {
        let jobs = self.0;
        // The big set first, so no thread is left with it at the end.
        let mut order: Vec<usize> = (0..jobs.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(jobs[i].patterns.len()));
        let compiled = on_cores(&order, |&i| compile_job(&jobs[i]));
        let mut slots: Vec<Option<Result<Compiled>>> = jobs.iter().map(|_| None).collect();
        for (&i, r) in order.iter().zip(compiled) {
            slots[i] = r;
        }
        slots
            .into_iter()
            .zip(&jobs)
            .map(|(r, job)| {
                r.unwrap_or_else(|| {
                    Err(rule_error(
                        job.file,
                        &job.id,
                        "compiling the pattern failed",
                    ))
                })
            })
            .collect()
    }
}

/// The constant patterns [`Rules::compile_lazy`] compiles: each analysis module's `PATTERNS`,
/// by the module's source file (the test checks each list against its file's declarations).
type ConstantPatterns = &'static [&'static LazyLock<Regex>];
fn constant_patterns() -> [(&'static str, ConstantPatterns); 7] {
    [
        ("classify.rs", crate::classify::PATTERNS),
        ("deadlines.rs", crate::deadlines::PATTERNS),
        ("fields.rs", crate::fields::PATTERNS),
        ("fields/claims.rs", crate::fields::claims::PATTERNS),
        ("layout.rs", crate::layout::PATTERNS),
        ("text.rs", crate::text::PATTERNS),
        ("values.rs", crate::values::PATTERNS),
    ]
}

/// `f` of every item on up to four cores, each thread taking the next item left; the results
/// in the items' order, `None` for those of a thread that panicked (not raised again).
fn on_cores<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<Option<R>> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    let done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(k) else { break };
                        done.push((k, f(item)));
                    }
                    done
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    });
    let mut out: Vec<Option<R>> = items.iter().map(|_| None).collect();
    for (k, r) in done {
        out[k] = Some(r);
    }
    out
}

fn compile_job(job: &Job) -> Result<Compiled> {
    if !job.set {
        return compile(job.file, &job.id, &job.patterns[0]).map(Compiled::One);
    }
    let patterns = (job.patterns.iter())
        .map(|p| prepare(p))
        .collect::<std::result::Result<Vec<String>, String>>()
        .map_err(|r| rule_error(job.file, &job.id, r))?;
    regex::RegexSetBuilder::new(&patterns)
        .size_limit(1 << 24)
        .build()
        .map(Compiled::Set)
        .map_err(|e| rule_error(job.file, &job.id, e))
}

/// Takes compiled patterns back out in the order they were added.
trait TakeCompiled {
    fn next_one(&mut self) -> Result<Regex>;
    fn next_set(&mut self) -> Result<regex::RegexSet>;
}

fn out_of_order() -> Error {
    rule_error("rules", "patterns", "compiled patterns taken out of order")
}

impl<I: Iterator<Item = Compiled>> TakeCompiled for I {
    fn next_one(&mut self) -> Result<Regex> {
        match self.next() {
            Some(Compiled::One(re)) => Ok(re),
            _ => Err(out_of_order()),
        }
    }

    fn next_set(&mut self) -> Result<regex::RegexSet> {
        match self.next() {
            Some(Compiled::Set(set)) => Ok(set),
            _ => Err(out_of_order()),
        }
    }
}

fn check_weight(file: &str, i: usize, w: f64) -> Result<()> {
    if w > 0.0 && w <= 10.0 {
        Ok(())
    } else {
        Err(Error::Rules {
            file: file.into(),
            id: format!("entry {}", i + 1),
            reason: "weight must be in (0, 10]".into(),
        })
    }
}

fn code_table(list: &str, raw: Vec<RawCode>) -> Result<HashMap<String, CodeEntry>> {
    let default_weight = if list == "carc" { 5.0 } else { 4.0 };
    let mut out = HashMap::new();
    for c in raw {
        let category = match c.category.as_str() {
            "none" => None,
            other => Some(
                ALL_CATEGORIES
                    .into_iter()
                    .find(|k| k.as_str() == other)
                    .ok_or_else(|| Error::Rules {
                        file: "codes.toml".into(),
                        id: format!("{list} {}", c.code),
                        reason: format!("unknown category `{other}`"),
                    })?,
            ),
        };
        if out
            .insert(
                c.code.clone(),
                CodeEntry {
                    category,
                    description: c.description,
                    weight: c.weight.unwrap_or(default_weight),
                },
            )
            .is_some()
        {
            return Err(Error::Rules {
                file: "codes.toml".into(),
                id: format!("{list} {}", c.code),
                reason: "code listed twice".into(),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Each module's `PATTERNS` lists every constant pattern the module declares (above its
    // tests), so `compile_lazy` leaves none to a document's first use.
    #[test]
    fn compile_lazy_lists_every_constant_pattern() {
        let declared =
            Regex::new(r"(?m)^(?:pub(?:\([a-z]+\))? )?static ([A-Z_0-9]+): *(?:std::sync::)?LazyLock<(?:regex::)?Regex>")
                .unwrap();
        let listed = Regex::new(r"(?s)static PATTERNS: [^=]*=\s*&\[(.*?)\];").unwrap();
        let sources = [
            ("classify.rs", include_str!("classify.rs")),
            ("deadlines.rs", include_str!("deadlines.rs")),
            ("fields.rs", include_str!("fields.rs")),
            ("fields/claims.rs", include_str!("fields/claims.rs")),
            ("layout.rs", include_str!("layout.rs")),
            ("text.rs", include_str!("text.rs")),
            ("values.rs", include_str!("values.rs")),
        ];
        // Every module compile_lazy takes patterns from, and only those.
        let modules = constant_patterns();
        assert_eq!(sources.len(), modules.len());
        for (file, patterns) in modules {
            let src = sources.iter().find(|(f, _)| *f == file).expect(file).1;
            let code = src.split("#[cfg(test)]").next().unwrap();
            let mut names: Vec<&str> = declared
                .captures_iter(code)
                .map(|c| c.get(1).unwrap().as_str())
                .collect();
            let list = listed.captures(code).expect(file).get(1).unwrap().as_str();
            let mut in_list: Vec<&str> = list
                .split(',')
                .map(|n| n.trim().trim_start_matches('&'))
                .filter(|n| !n.is_empty())
                .collect();
            // Patterns compiled on their first need, each behind a cheap test of the text
            // (a translated label starts with a slash).
            let later: &[&str] = match file {
                "fields.rs" => &["TRANSLATED_LABEL"],
                _ => &[],
            };
            assert!(later.iter().all(|n| !in_list.contains(n)), "{file}");
            let listed_here = in_list.len();
            in_list.extend(later);
            names.sort_unstable();
            in_list.sort_unstable();
            assert!(!names.is_empty(), "{file}");
            assert_eq!(names, in_list, "{file}");
            assert_eq!(patterns.len(), listed_here, "{file}");
        }
        // And compiling them all, with every label and notice pattern, works.
        let rules = Rules::bundled().unwrap();
        rules.compile_lazy();
        assert!(
            rules
                .fields
                .iter()
                .flat_map(|f| &f.labels)
                .all(|l| l.get().is_some())
        );
        assert!(rules.notice.compile_all());
    }

    #[test]
    fn bundled_rules_load() {
        let r = Rules::bundled().unwrap();
        assert!(r.carc.len() > 60 && r.rarc.len() > 15);
        assert_eq!(r.carc["197"].category, Some(Category::PriorAuthorization));
        assert_eq!(r.carc["45"].category, None);
        for plan in [
            PlanType::Hmo,
            PlanType::OriginalMedicare,
            PlanType::MedicareAdvantage,
            PlanType::MedicaidManagedCare,
            PlanType::Unknown,
        ] {
            assert!(r.program(plan).is_some(), "{plan:?} has no program");
        }
        // Labels compile when first used: each must compile on its own too, and the set's
        // index must point at it.
        let labels: usize = r.fields.iter().map(|f| f.labels.len()).sum();
        assert_eq!(labels, r.label_index.len());
        assert_eq!(labels, r.label_set.len());
        for f in &r.fields {
            for l in &f.labels {
                assert!(l.get().is_some(), "{:?}: {}", f.name, l.pattern);
            }
        }
    }

    #[test]
    fn a_label_with_a_long_gap_is_found_by_its_head() {
        let h = |l: &str| label_head(l);
        assert_eq!(
            h(r"(claim|bill) for [^.:]{0,60}? from").as_deref(),
            Some("(claim|bill) for ")
        );
        assert_eq!(
            h(r"(visit|stay)( to| at)?[^.:]{0,60}? on|dates? requested").as_deref(),
            Some("(visit|stay)( to| at)?|dates? requested")
        );
        // Inside a group, and a repetition that happens at least once.
        assert_eq!(
            h(r"paid (by ([a-z] )+plan)").as_deref(),
            Some(r"paid (?:(?:by (?:([a-z] ))))")
        );
        // No long repetition, or nothing before it: the whole label goes in the set.
        for l in [
            r"claim (number|no\.?|#)",
            r"dates?( ?\(s\))? of",
            r"[^.:]{0,60} on",
            r"x|.*z",
            "(unclosed",
        ] {
            assert_eq!(h(l), None, "{l}");
        }
        // The bundled labels with gaps are in the set by their heads: no gap is left in it.
        let r = Rules::bundled().unwrap();
        let heads = (r.label_set.patterns().iter())
            .filter(|p| !p.contains("(?P<l>"))
            .count();
        assert!(heads >= 3, "{heads} heads");
        for p in r.label_set.patterns() {
            assert!(
                !p.contains("{0,60") && !p.contains("{0,80") && !p.contains(".*"),
                "{p}"
            );
        }
    }

    #[test]
    fn the_label_set_names_every_label_a_line_holds() {
        // Invented lines; each label the line holds (its own pattern finds it) must be one
        // the set names, or `fields::labels_on` would never look for it.
        let lines = [
            "Your visit to Lakeside Orthopedic Clinic on 03/04/2025 was reviewed.",
            "The claim for physical therapy from Riverbend Rehab on 01/09/2025 was denied.",
            "You received care at Northgate Hospital from 02/01/2025 to 02/03/2025.",
            "Services provided by the facility between 5/1/2025 and 5/3/2025",
            "Bill for an MRI of the knee from Acme Imaging",
            "Stay at St. Elsewhere: admitted on June 2, 2025",
            "Claim Number: 2025-0314-77 Member ID: XZH123456789 Group: 00451",
            "Reference number / Case ID # A-77 Date of service 01/05/2025",
            "Call Member Services at 1-800-555-0100 (TTY 711), toll-free",
            "Patient responsibility $18.00  You may owe $0.00  Amount billed $450.00",
            "Dear Pat Lee, your appointment with Dr. Ruiz on May 4 was not covered",
            "treatment was performed at the center between March 1 and March 3",
        ];
        let r = Rules::bundled().unwrap();
        let mut found = 0;
        for line in lines {
            let lower = line.to_ascii_lowercase();
            let named = r.label_set.matches(&lower);
            for (k, &(fi, li)) in r.label_index.iter().enumerate() {
                let l = &r.fields[fi].labels[li];
                if l.get().unwrap().is_match(&lower) {
                    found += 1;
                    assert!(
                        named.matched(k),
                        "{line:?}: {:?} label {}",
                        r.fields[fi].name,
                        l.pattern
                    );
                }
            }
        }
        assert!(found > 30, "{found}");
    }

    #[test]
    fn rule_patterns_are_lower_cased_for_lower_cased_text() {
        let p = |s: &str| for_lowercase(s).unwrap();
        assert_eq!(
            p(r"\bEPO\b|Exclusive [A-Z]\w+"),
            r"\bepo\b|exclusive [a-z]\w+"
        );
        // Escapes, group names and flags keep their case: `\D` is not `\d`.
        assert_eq!(
            p(r"(?P<Label>ID)\D\S\W\B(?-u:\b)[^A-Z.]"),
            r"(?P<Label>id)\D\S\W\B(?-u:\b)[^a-z.]"
        );
        let re = compile("test", "x", r"\bMember (ID|No\.)\s?#?\d+").unwrap();
        assert!(re.is_match(&"MEMBER ID #12".to_ascii_lowercase()));
        assert!(
            !re.is_match("MEMBER ID #12"),
            "matched against lower-cased text only"
        );
        for bad in [
            r"(?-i:POS) plan",
            r"(?i-i)x",
            r"[0-Z]",
            r"\p{Lu}",
            r"[[:upper:]]",
        ] {
            assert!(for_lowercase(bad).is_err(), "{bad}");
        }
        let err = compile("document.toml", "plan 9", r"(?-i:\bPOS\b) plan").unwrap_err();
        assert!(err.to_string().contains("document.toml"), "{err}");
    }

    #[test]
    fn every_category_has_a_phrase_and_a_code() {
        let r = Rules::bundled().unwrap();
        for c in ALL_CATEGORIES.into_iter().filter(|c| *c != Category::Other) {
            assert!(
                r.phrases.iter().any(|p| p.category == c),
                "{c:?} has no phrase"
            );
            assert!(
                r.carc.values().any(|e| e.category == Some(c)),
                "{c:?} has no CARC"
            );
        }
    }

    #[test]
    fn bad_rules_are_rejected() {
        let with = |name: &str, text: &'static str| -> Vec<(&str, &str)> {
            BUNDLED
                .iter()
                .map(|(n, s)| if *n == name { (*n, text) } else { (*n, *s) })
                .collect()
        };
        let bad_regex = with(
            "categories.toml",
            "[[phrase]]\ncategory = \"referral\"\nweight = 1\npattern = '(unclosed'\n",
        );
        assert!(matches!(
            Rules::from_sources(&bad_regex),
            Err(Error::Rules { .. })
        ));
        let bad_cat = with(
            "categories.toml",
            "[[phrase]]\ncategory = \"nope\"\nweight = 1\npattern = 'x'\n",
        );
        assert!(Rules::from_sources(&bad_cat).is_err());
        let unknown_key = with(
            "categories.toml",
            "[[phrase]]\ncategory = \"referral\"\nweight = 1\npattern = 'x'\nextra = 1\n",
        );
        assert!(Rules::from_sources(&unknown_key).is_err());
        let dup = with(
            "codes.toml",
            "[[carc]]\ncode='1'\ncategory='none'\ndescription='a'\n[[carc]]\ncode='1'\ncategory='none'\ndescription='b'\n[[rarc]]\ncode='M1'\ncategory='none'\ndescription='c'\n",
        );
        assert!(Rules::from_sources(&dup).is_err());
    }
}
