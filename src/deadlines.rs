//! Stage 5, deadlines: [`Text`], the [`Classification`] and the letter date in, a
//! [`Deadline`] out: the last day to file the next appeal the document offers.
//!
//! A calendar date the document names wins ("stated"); else a window it states is counted
//! from the letter date ("computed": receipt is taken as the letter date, the earliest
//! plausible start); else the program's default window applies ("default", see
//! `rules/programs.toml`). When in doubt the earlier date is taken, and a warning says why.
// Byte-index slicing of text panics off a character boundary: each slice here is proven
// on one (an `allow` with the reason) or made with `get`.
#![deny(clippy::string_slice)]

use std::sync::LazyLock;

use jiff::civil::Date;
use regex::Regex;

use crate::classify::{Classification, evidence_at};
use crate::report::{Action, DeadlineBasis, DocumentType, Evidence};
use crate::rules::{Level, Rules};
use crate::text::{LineRef, Text};
use crate::values;

/// The appeal deadline and how it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct Deadline {
    /// The last day to file.
    pub date: Option<Date>,
    /// How it was found.
    pub basis: Option<DeadlineBasis>,
    /// The window as written.
    pub window: Option<String>,
    /// The action it is the deadline of.
    pub action: Action,
    /// What the step is called in this program.
    pub label: String,
    /// The regulation behind the default window (or the program's rule).
    pub rule: Option<String>,
    /// Where it came from.
    pub evidence: Option<Evidence>,
    /// Why the reader should double-check.
    pub warnings: Vec<String>,
    /// A first notice's window for the next level, counted from a later event ("within 4
    /// months after our final decision"), and where it is.
    pub next_level: Option<(String, Evidence)>,
}

use crate::rules::constant as re;

const NUMBER_WORDS: &str = r"(?:(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|forty-five|fifty|sixty|sixty-five|seventy|eighty|ninety|hundred|and)[\s-]*)+";

static WINDOW: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?i)\b(?P<n>\d{{1,3}}|{NUMBER_WORDS}(?:\s*\(\d{{1,3}}\))?)[\s-]+(?P<kind>calendar[\s-]|business[\s-]|working[\s-])?(?P<unit>days?|months?|weeks?|d[ií]as?|mes(?:es)?|semanas?)\b(?:\s+(?P<kind_es>calendario|naturales|h[aá]biles|laborables)\b)?"
    ))
});
static APPEAL_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(appeal|appeals|reconsiderations?|reconsider|redeterminations?|reviews?|hearings?|grievances?|disputes?|reopenings?)\b|\b(apelaci[oó]n|apelaciones|apelar|reconsideraci[oó]n|audiencia|queja|revisi[oó]n)",
    )
});
static MEMBER_ACTS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(you|your|member|enrollee|patient|representative|must|may|can|requests?|file|filed|submit|ask|send|write|mail|fax|call|received by|postmarked|usted|debe|puede|pedir|pida|solicitar|solicite|presentar|presente)\b",
    )
});
static PAYER_ACTS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(we|the plan|the reviewer|the (independent )?review organi[sz]ation|IRO|they|it) (will|must|shall|have to|has to|should|usually|generally|typically)( \w+)? (decide|make|send|respond|notify|give|complete|issue|tell|reach|process|answer|review|mail|pay|cover|approve|reimburse|refund|forward|authori[sz]e|resolve)|\bwe (decide|respond|answer|reply|rule|resolve)\b|\b(will|shall) (decide|resolve|respond to|answer|process|complete|issue a decision)\b|\byou(\'ll| will| should| can expect to)?( usually| generally| normally| typically)? (get|receive|hear)( back)?( from us)? (a|our|the|its|their|your) (decision|answer|response|reply|determination)\b|\bwithin \S+ (calendar |business |working )?days of receipt\s*[.;,]|\b(the )?(IRE|independent review entity|IRO|QIC|qualified independent contractor|reviewer|review organi[sz]ation|plan) (reviews|decides|makes|sends|issues|answers|responds|completes|must decide|will decide)\b|\b(a|our|the|written|your) (decision|response|answer|resolution)s? (will( \w+)? be|is|are) (made|sent|given|mailed|issued)[^.]{0,30}\bwithin\b|\bnotify you[^.]{0,20}\bwithin\b|\bwithin\b[^.]{0,60}\b(of (receiving|receipt of|getting) your (appeal|request)|after we (get|receive))|\bhave \d+ days to (decide|make)|\b(daremos|enviaremos|decidiremos|responderemos|tomaremos|notificaremos|comunicaremos|resolveremos)\b|\b(despu[eé]s de|tras) recibir su (apelaci[oó]n|solicitud|queja)",
    )
});
// What the plan does, said in the passive: "appeals are decided within 30 days".
static PASSIVE_PAYER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(is|are|will be|would be|can be|should be|usually|generally|typically)( \w+)? (decided|reviewed|processed|answered|resolved|completed|made|sent|issued|mailed|paid|handled|considered)\b",
    )
});
static LATER_REVIEWER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(after|once|of|from) (you (receive|get)|receiving|getting|receipt of) (the|its) (IRE|independent review entity|QIC|qualified independent contractor|IRO|independent review organi[sz]ation|independent reviewer|administrative law judge|ALJ|judge|hearing officer)('s|s)? (decision|reconsideration|ruling)",
    )
});
static NEXT_LEVEL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(external review|independent review|\bIRO\b|fair hearing|state hearing|administrative law judge|\bALJ\b|\bQIC\b|qualified independent contractor|independent review entity|second[- ]level|level 2|department of (insurance|health|managed health care)|insurance commissioner)\b|\baudiencia (imparcial|estatal|justa)|\brevisi[oó]n (externa|independiente)|\bsegundo nivel\b",
    )
});
static AFTER_FINAL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(after|once|following) (you (receive|get)|we (make|send|issue)|receiving|receipt of|exhausting)\b|\b(of|after|from) (getting|receiving|receipt of|the date of) (the|that) (decision|redetermination|reconsideration|determination)\b|\bfinal (internal )?(adverse|decision|determination)\b|\binternal appeals? (process )?(is|are|has been) (complete|exhausted)|\b(receive|get|receipt of|receiving|getting) (our|the|that|a|your) (final |written )?(internal |plan |first[- ]level )?(appeal|grievance|reconsideration|redetermination) (decision|determination|resolution|notice|response)|\bdecision on (your|the) (appeal|grievance|reconsideration|redetermination)\b|\bif (we|the plan) (uphold|upholds|keep|keeps|maintain|maintains|still den(y|ies)|den(y|ies) your appeal)\b|\bif (your|the) (appeal|reconsideration|redetermination) is (denied|upheld|not (approved|decided in your favou?r))|\bdecisi[oó]n (sobre|de) (su|la) (apelaci[oó]n|queja)|\b(despu[eé]s de|tras) (recibir|que reciba) (nuestra|la) decisi[oó]n",
    )
});
// What anchors a window to this document: "of the date of this notice", "after you receive
// this letter".
static THIS_NOTICE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\bthis (notice|letter|statement|explanation of benefits|eob|summary notice|denial|determination|decision|notification)\b|\b(este|esta) (aviso|carta|notificaci[oó]n|decisi[oó]n|determinaci[oó]n|explicaci[oó]n de beneficios)",
    )
});
// Deadlines that are not for filing an appeal: keeping services during an appeal.
static NOT_FILING: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(keep (getting|receiving)|continue (to get|to receive|getting|receiving)|services? (to |may |will |can |could |would )?continue|benefits? (to |may |will |can |could |would )?continue|continuation of (benefits|services)|aid paid pending)\b|\b(seguir|continuar|siga|sigan) (recibiendo|obteniendo)|\bservicios? contin[uú]en?\b|\bcontinuaci[oó]n de (los )?(beneficios|servicios)",
    )
});
// A window counted from the date of service: "within 365 days of the date of service".
static SERVICE_ANCHOR: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^[^.;]{0,12}\b(of|from|after) (the )?(date|day)s? (of|you received the) (service|care|treatment)|^[^.;]{0,20}\bde la fecha (del|de) (servicio|atenci[oó]n)",
    )
});
// A provider's own dispute or reconsideration process (remittances).
static PROVIDER_DISPUTE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\bprovider(s|'s)? (claim )?(dispute|reconsideration|appeal|payment dispute|inquiry)\b|\b(remittance advice|remittance)\b",
    )
});
// What may stand before a filing window: "within 60 days", "no later than 180 days",
// "you have 65 days", "the time limit ... is 60 days".
static WINDOW_LEAD: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(within|than|have|has|in|allowed|given|is|are|dentro de( los)?|plazo de( los)?|tiene|tienen)\s*$",
    )
});
// A window counted from this notice, straight after the window: "after the date of this
// letter", "from the date on this notice", "of this notice".
static FROM_THIS_NOTICE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\s+(after|from|of)( the (date|day)( printed)? (of|on))? (this|the) (notice|letter|statement|explanation of benefits|eob|summary notice|denial|determination|decision|notification)\b",
    )
});
// A label for how long the plan takes ("Decision time frame:", "We respond in:").
static LABEL_FOR_PAYER: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)\b(decision|decide|respon|answer|resolution|turnaround|processing|review time|we )")
});
static DEADLINE_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(by|before|no later than|not later than|on or before|until|deadline|last day|due|must be (received|filed|postmarked|submitted))\b|\b(antes del?|a m[aá]s tardar|fecha l[ií]mite|vence|hasta el)\b",
    )
});
static BIRTH_OR_SERVICE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)\b(birth|dob|service|received on|dated|nacimiento|servicio|fechad[oa])\b")
});

/// What the deadline is counted from, as read from the document by the other stages.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// The letter's date (receipt is taken as this date: the earliest plausible).
    pub letter_date: Option<Date>,
    /// The (first) date of service, for windows counted from it.
    pub service_date: Option<Date>,
    /// The state, for programs whose window each state sets.
    pub state: Option<String>,
}

/// A deadline read from one sentence.
#[derive(Debug, Clone)]
struct Candidate {
    date: Date,
    basis: DeadlineBasis,
    window: Option<String>,
    at: usize,
    /// Length of the window or date as written, from `at`.
    len: usize,
    business_days: bool,
}

/// Finds the appeal deadline of a document that denies something (or decides an appeal).
#[allow(clippy::string_slice)] // Char boundaries: offsets are those of AFTER_FINAL's matches in `s` itself.
pub fn find(text: &Text, class: &Classification, known: &Known, rules: &Rules) -> Option<Deadline> {
    let (letter_date, state) = (known.letter_date, known.state.as_deref());
    let decision = class.document_type == DocumentType::AppealDecision;
    class.denial.as_ref()?;
    let program = rules
        .program(class.plan_type)
        .or_else(|| rules.programs.last())?;
    let own_level = if decision {
        &program.after_decision
    } else {
        &program.first
    };
    let (level, state_warning) = rules.level_for(own_level, state);
    let level = &level;
    // A window read from the document is capped at the state's own limit when it is known,
    // else at the program's (the federal limit), not at the shortest state's.
    let cap_level = if state_warning.is_some() {
        own_level
    } else {
        level
    };
    let mut warnings: Vec<String> = Vec::new();

    let warned = warnings.len();
    let mut cands = candidates(text, letter_date, known.service_date, &mut warnings);
    // A window counted from a date of service that was not found: its deadline is earlier
    // than any count from the letter, so no default may stand in for it.
    let service_unknown = warnings.len() > warned;
    // An appeal decision offers the next level; an initial denial offers the first.
    let mut next_level: Vec<bool> = cands
        .iter()
        .map(|c| {
            let s = text.sentence_text(c.at);
            if decision {
                return NEXT_LEVEL.is_match(&s);
            }
            // Counted from a later event ("after the final decision", "of getting the
            // decision"), not from receiving this notice.
            let later_event = AFTER_FINAL.find_iter(&s).any(|m| {
                !s[m.end()..]
                    .trim_start()
                    .to_ascii_lowercase()
                    .starts_with("this")
            });
            // A window counted from this notice is this notice's, whatever level it names.
            later_event || (NEXT_LEVEL.is_match(&s) && !THIS_NOTICE.is_match(&s))
        })
        .collect();
    // A first notice's deadline is never a window counted from a later event (the plan's
    // appeal decision, a final denial): those describe the next levels. An appeal decision's
    // is the next level's, when it states one.
    // The first window for the next level, to tell the person what follows.
    let next_window = (!decision)
        .then(|| {
            cands
                .iter()
                .zip(&next_level)
                .filter(|(c, next)| **next && c.basis == DeadlineBasis::Computed)
                .min_by_key(|(c, _)| c.at)
                .and_then(|(c, _)| Some((c.window.clone()?, evidence_at(text, c.at, 0.8))))
        })
        .flatten();
    // On an appeal decision, a window counted from another reviewer's decision still to come
    // ("within 60 days after you receive the IRE's decision") is that later level's.
    if decision {
        (cands, next_level) = cands
            .into_iter()
            .zip(next_level)
            .filter(|(c, _)| !LATER_REVIEWER.is_match(&text.sentence_text(c.at)))
            .unzip();
    }
    if !decision || next_level.contains(&decision) {
        cands = cands
            .into_iter()
            .zip(next_level)
            .filter(|(_, next)| *next == decision)
            .map(|(c, _)| c)
            .collect();
    }

    let stated = cands
        .iter()
        .filter(|c| c.basis == DeadlineBasis::Stated)
        .min_by_key(|c| c.date);
    let computed = cands
        .iter()
        .filter(|c| c.basis == DeadlineBasis::Computed)
        .min_by_key(|c| c.date);
    let chosen = match (stated, computed) {
        (Some(s), Some(c)) => {
            if c.date < s.date {
                warnings.push(format!(
                    "the letter names {} as the deadline but its stated window ends {}; the earlier date is safer",
                    s.date, c.date
                ));
            }
            Some(s)
        }
        (Some(s), None) => Some(s),
        (None, Some(c)) => Some(c),
        (None, None) => None,
    };
    if let Some(c) = chosen {
        // A computed window longer than the program's fixed one gives way to the program's.
        let over = |limit: i64| {
            letter_date
                .and_then(|d| add_window(d, Some(limit), None))
                .is_some_and(|most| most < c.date)
        };
        // A provider's dispute window is the plan's contract, not the member appeal's rule.
        let provider_dispute = PROVIDER_DISPUTE.is_match(&text.sentence_text(c.at));
        let capped = cap_level
            .cap_days
            .filter(|limit| c.basis == DeadlineBasis::Computed && !provider_dispute && over(*limit))
            .and_then(|_| {
                letter_date.and_then(|d| add_window(d, cap_level.days, cap_level.months))
            });
        // What is taken: the candidate as read, the program's window when the read one is
        // too long, or the earliest reading of figures OCR was unsure of.
        let (mut date, mut basis, mut window) = (c.date, c.basis, c.window.clone());
        let mut confidence = if c.basis == DeadlineBasis::Stated {
            0.9
        } else {
            0.85
        };
        if let Some(cap) = capped {
            let program_window = level_window(cap_level);
            warnings.push(format!(
                "the document gives a window of {} but {} allows {program_window} ({}); the program's window was counted instead",
                c.window.as_deref().unwrap_or("more"),
                program.name,
                level.rule
            ));
            (date, basis, window, confidence) =
                (cap, DeadlineBasis::Default, Some(program_window), 0.6);
        } else if let Some(earlier) =
            uncertain_reading(text, c, letter_date).filter(|earlier| *earlier < c.date)
        {
            warnings.push(format!(
                "OCR read the figures of the deadline ({}) with low confidence; they could read as {earlier}, the earlier date, which was taken: check the document",
                c.date
            ));
            (date, confidence) = (earlier, 0.5);
        } else {
            if c.business_days {
                warnings.push("the window is in business days; it was counted as calendar days, which gives an earlier date".into());
            }
            let distinct: std::collections::BTreeSet<Date> = cands
                .iter()
                .filter(|x| x.basis == c.basis)
                .map(|x| x.date)
                .collect();
            if distinct.len() > 1 {
                warnings.push(
                    "the document states more than one appeal window; the earliest deadline was taken"
                        .into(),
                );
            }
        }
        return Some(Deadline {
            date: Some(date),
            basis: Some(basis),
            window,
            action: level.action,
            label: level.label.clone(),
            rule: Some(level.rule.clone()),
            evidence: Some(evidence_at(text, c.at, confidence)),
            warnings,
            next_level: next_window,
        });
    }

    // Nothing stated: the program's default window, unless a window counted from an unknown
    // date of service rules every default out.
    let window = level_window(level);
    // A level whose window starts with a later event (the reviewer the plan forwards the case
    // to decides) has nothing to count from this notice.
    let later = level.starts_after.as_ref();
    let countable = !service_unknown && later.is_none();
    let date = letter_date
        .filter(|_| countable)
        .and_then(|d| add_window(d, level.days, level.months));
    if let Some(event) = later {
        warnings.push(format!(
            "no deadline runs from this notice: the {window} for the next step ({}) count from {event}",
            level.rule
        ));
    } else if !service_unknown {
        warnings.extend(state_warning);
        if letter_date.is_none() {
            warnings.push("no letter date was found, so the appeal deadline could not be counted; assume it is soon".into());
        } else {
            warnings.push(format!(
                "the document states no appeal deadline; the {} default of {window} ({}) was counted from the letter date",
                program.name, level.rule
            ));
        }
    }
    Some(Deadline {
        date,
        basis: date.map(|_| DeadlineBasis::Default),
        window: countable.then_some(window),
        action: level.action,
        label: level.label.clone(),
        rule: Some(level.rule.clone()),
        evidence: None,
        warnings,
        next_level: next_window,
    })
}

/// Digits OCR often reads in place of another: the smaller digit each may really be.
const SMALLER_LOOKALIKES: [(char, &[char]); 4] = [
    ('8', &['3', '6']),
    ('6', &['5']),
    ('7', &['1']),
    ('9', &['4']),
];

/// When OCR read a figure of the candidate's window or date with low confidence, the
/// earliest date any one look-alike digit would give (never before the letter date).
#[allow(clippy::string_slice)] // Char boundaries: `i` comes from `span.char_indices()` and the character there is stepped over whole.
fn uncertain_reading(text: &Text, c: &Candidate, letter_date: Option<Date>) -> Option<Date> {
    let flat = text.flat();
    let span = flat.get(c.at..c.at + c.len)?;
    let page = text.locate(c.at).page;
    let unsure = text.uncertain.iter().any(|(p, w)| {
        *p == page && w.chars().any(|ch| ch.is_ascii_digit()) && {
            let w: String = w.chars().filter(|ch| ch.is_ascii_alphanumeric()).collect();
            !w.is_empty() && span.contains(&w)
        }
    });
    if !unsure {
        return None;
    }
    let read = |s: &str| -> Option<Date> {
        match c.basis {
            DeadlineBasis::Computed => {
                let (days, months) = parse_window(s)?;
                add_window(letter_date?, days, months)
            }
            _ => values::find_dates(s).first().map(|d| d.value),
        }
    };
    let mut best: Option<Date> = None;
    for (i, ch) in span.char_indices() {
        let Some((_, alts)) = SMALLER_LOOKALIKES.iter().find(|(d, _)| *d == ch) else {
            continue;
        };
        for alt in *alts {
            let variant = format!("{}{alt}{}", &span[..i], &span[i + ch.len_utf8()..]);
            if let Some(d) = read(&variant)
                && letter_date.is_none_or(|l| d > l)
                && best.is_none_or(|b| d < b)
            {
                best = Some(d);
            }
        }
    }
    best
}

/// A level's window as words: "65 days", "4 months".
fn level_window(level: &Level) -> String {
    match (level.days, level.months) {
        (Some(d), _) => format!("{d} days"),
        (_, Some(m)) => format!("{m} months"),
        _ => String::new(),
    }
}

/// Recounts the deadline of a report that may have been corrected by hand: a `computed` or
/// `default` deadline is counted again from `dates.letter_date` and `dates.appeal_window`; a
/// `stated` one is kept; a denial without a deadline gets the program's default.
pub fn recompute(report: &mut crate::report::Report, rules: &Rules) {
    if report.denial.is_none() {
        return;
    }
    let Some(letter) = report
        .dates
        .letter_date
        .as_deref()
        .and_then(|d| d.parse::<Date>().ok())
    else {
        return;
    };
    let decision = report.document_type == DocumentType::AppealDecision;
    let window = report.dates.appeal_window.as_deref().and_then(parse_window);
    match (report.dates.appeal_deadline_basis, window) {
        (Some(DeadlineBasis::Stated), _) if report.dates.appeal_deadline.is_some() => {}
        (Some(DeadlineBasis::Computed | DeadlineBasis::Default), Some((days, months))) => {
            report.dates.appeal_deadline = add_window(letter, days, months).map(|d| d.to_string());
        }
        _ => {
            let Some(p) = rules
                .program(report.payer.plan_type)
                .or_else(|| rules.programs.last())
            else {
                return;
            };
            let (level, _) = rules.level_for(
                if decision {
                    &p.after_decision
                } else {
                    &p.first
                },
                report.member.state.as_deref(),
            );
            let level = &level;
            if level.starts_after.is_some() {
                // Nothing runs from this notice (see `find`).
                report.dates.appeal_deadline = None;
                report.dates.appeal_deadline_basis = None;
                return;
            }
            report.dates.appeal_deadline =
                add_window(letter, level.days, level.months).map(|d| d.to_string());
            report.dates.appeal_deadline_basis = Some(DeadlineBasis::Default);
            report.dates.appeal_window = Some(level_window(level));
        }
    }
}

/// "180 days", "sixty (60) calendar days", "four months", "2 weeks" as (days, months).
fn parse_window(s: &str) -> Option<(Option<i64>, Option<i64>)> {
    let c = WINDOW.captures(s)?;
    let n = parse_number(c.get(1)?.as_str())?;
    let unit = c.name("unit")?.as_str().to_ascii_lowercase();
    Some(if unit.starts_with("month") || unit.starts_with("mes") {
        (None, Some(n))
    } else if unit.starts_with("week") || unit.starts_with("semana") {
        (Some(n.checked_mul(7)?), None)
    } else {
        (Some(n), None)
    })
}

/// `d` plus a window in days or calendar months (clamped to the end of a shorter month).
/// A window too long for a date (a misread "hundred hundred days", a hand-edited report) gives
/// `None`.
pub fn add_window(d: Date, days: Option<i64>, months: Option<i64>) -> Option<Date> {
    let span = match (days, months) {
        (Some(n), _) => jiff::Span::new().try_days(n).ok()?,
        (_, Some(m)) => jiff::Span::new().try_months(m).ok()?,
        _ => return None,
    };
    d.checked_add(span).ok()
}

/// Every deadline a sentence about filing an appeal states. A window counted from the date of
/// service is counted from it (earlier than the letter); without that date it is left out,
/// with a warning.
#[allow(clippy::string_slice)] // Char boundaries: every offset is a regex match or a date found in `flat`, a sentence bound from `Text::sentence_at` (a char boundary, at or before the offset it is asked about), or from `flat.char_indices()`.
fn candidates(
    text: &Text,
    letter_date: Option<Date>,
    service_date: Option<Date>,
    warnings: &mut Vec<String>,
) -> Vec<Candidate> {
    let flat = text.flat();
    let mut out = Vec::new();
    // A filing sentence talks about an appeal (itself or the sentence before it: "... file an
    // appeal. You have 180 days from the date you receive this statement to file.").
    let is_filing_sentence = |at: usize| -> Option<String> {
        let s = text.sentence_text(at);
        let (start, _) = text.sentence_at(at);
        let prev = if start > 1 {
            text.sentence_text(start - 2)
        } else {
            String::new()
        };
        let about_appeal = APPEAL_WORDS.is_match(&s)
            || (APPEAL_WORDS.is_match(&prev) && s.len() < 160)
            || heading_above(text, start);
        // Without a word for what the member does ("Appeals are accepted within 60 days",
        // "Requests for review are due within 60 days") a window in a sentence about an
        // appeal is still the filing window, unless it says what the plan does ("appeals are
        // decided within 30 days"): missing it counts a longer default.
        let member = MEMBER_ACTS.is_match(&s) || !PASSIVE_PAYER.is_match(&s);
        (about_appeal && member && !NOT_FILING.is_match(&s)).then_some(s)
    };
    for c in WINDOW.captures_iter(flat) {
        let (Some(m), Some(n), Some(unit)) = (c.get(0), c.get(1), c.name("unit")) else {
            continue;
        };
        let Some(s) = is_filing_sentence(m.start()) else {
            continue;
        };
        let lead_start = flat[..m.start()]
            .char_indices()
            .rev()
            .nth(24)
            .map(|(i, _)| i)
            .unwrap_or(0);
        let lead = &flat[lead_start..m.start()];
        // Or a label's colon ("Appeal rights: 60 days from the date of this notice"), unless
        // the label is the plan's time to answer ("Decision time frame: 30 days").
        let labelled = lead.trim_end().ends_with(':') && !LABEL_FOR_PAYER.is_match(lead);
        // Or any window counted from this notice ("for up to 60 days after the date of this
        // letter", "You have until 60 days after ...", "closes 60 days after ..."), not a
        // wait ("waiting up to 7 days for a decision").
        let anchored = FROM_THIS_NOTICE.is_match(flat.get(m.end()..).unwrap_or(""));
        if !WINDOW_LEAD.is_match(lead) && !labelled && !anchored {
            continue;
        }
        // Skip how long the payer takes to decide; keep what the member must do.
        let (ss, _) = text.sentence_at(m.start());
        let clause_start = clause_start(flat, ss, m.start());
        if PAYER_ACTS.is_match(&flat[clause_start..m.end()])
            || PAYER_ACTS.is_match(&s) && !addresses_member(&s)
        {
            continue;
        }
        let Some(n) = parse_number(n.as_str()) else {
            continue;
        };
        let after = flat.get(m.end()..).unwrap_or("");
        let after = after.get(..after.len().min(60)).unwrap_or(after);
        let from_service = SERVICE_ANCHOR.is_match(after);
        let start = if from_service {
            match service_date {
                Some(d) => d,
                None => {
                    warnings.push("the document counts a window from the date of service, which was not found; check that deadline by hand".into());
                    continue;
                }
            }
        } else {
            match letter_date {
                Some(d) => d,
                None => continue,
            }
        };
        let unit = unit.as_str().to_ascii_lowercase();
        let unit = if unit.starts_with("mes") {
            "month".to_string()
        } else if unit.starts_with("semana") {
            "week".to_string()
        } else {
            unit
        };
        let date = if unit.starts_with("month") {
            add_window(start, None, Some(n))
        } else if unit.starts_with("week") {
            add_window(start, n.checked_mul(7), None)
        } else {
            add_window(start, Some(n), None)
        };
        let Some(date) = date else { continue };
        if n == 0 || n > 400 && !unit.starts_with("month") {
            continue;
        }
        out.push(Candidate {
            date,
            basis: DeadlineBasis::Computed,
            window: Some(m.as_str().to_string()),
            at: m.start(),
            len: m.len(),
            business_days: c
                .name("kind")
                .is_some_and(|k| !k.as_str().to_ascii_lowercase().starts_with("calendar"))
                || c.name("kind_es").is_some_and(|k| {
                    let k = k.as_str().to_ascii_lowercase();
                    k.starts_with('h') || k.starts_with('l')
                }),
        });
    }
    for d in values::find_dates(flat) {
        let (mut ss, _) = text.sentence_at(d.start);
        // A date alone on its line under "... appeal by:" reads with that line.
        let lead_in = flat[..ss].trim_end().ends_with(':') && flat[ss..d.start].trim().is_empty();
        let at = if lead_in {
            ss = text
                .sentence_at(flat[..ss].trim_end().len().saturating_sub(1))
                .0;
            ss
        } else {
            d.start
        };
        let Some(s) = is_filing_sentence(at) else {
            continue;
        };
        let before = &flat[ss..d.start];
        let tail: String = before
            .chars()
            .rev()
            .take(40)
            .collect::<String>()
            .chars()
            .rev()
            .collect();
        if !DEADLINE_WORDS.is_match(&tail)
            || BIRTH_OR_SERVICE.is_match(&tail)
            || PAYER_ACTS.is_match(&s) && !addresses_member(&s)
        {
            continue;
        }
        if letter_date.is_some_and(|l| d.value <= l) {
            continue; // a deadline is after the letter
        }
        out.push(Candidate {
            date: d.value,
            basis: DeadlineBasis::Stated,
            window: None,
            at: d.start,
            len: d.end - d.start,
            business_days: false,
        });
    }
    // Label-style deadlines ("Appeal deadline: 04/30/2025", "Appeal by: ...") in summary boxes.
    for (r, line) in text.lines() {
        let lower = line.to_ascii_lowercase();
        if !(lower.contains("deadline")
            || lower.contains("appeal by")
            || lower.contains("file by")
            || lower.contains("last day"))
        {
            continue;
        }
        let base = text.offset_of(r);
        for d in values::find_dates(line) {
            if out.iter().any(|c: &Candidate| c.at == base + d.start)
                || letter_date.is_some_and(|l| d.value <= l)
            {
                continue;
            }
            out.push(Candidate {
                date: d.value,
                basis: DeadlineBasis::Stated,
                window: None,
                at: base + d.start,
                len: d.end - d.start,
                business_days: false,
            });
        }
    }
    out
}

/// Whether a sentence speaks to the member ("you", "usted").
fn addresses_member(s: &str) -> bool {
    let s = s.to_ascii_lowercase();
    s.contains("you") || s.contains("usted")
}

/// Where the clause holding `at` starts, within the sentence starting at `ss`: after the last
/// comma or semicolon, unless that clause goes on from the one before it without a subject of
/// its own ("we will decide within 30 days ..., or within 60 days for ..."): then that one's.
#[allow(clippy::string_slice)] // Char boundaries: `ss` and `at` are char boundaries of `flat` (a sentence start, a match start) and `i` is the index of an ASCII ';' or ','.
fn clause_start(flat: &str, ss: usize, at: usize) -> usize {
    let mut start = at;
    while let Some(i) = flat[ss..start].rfind([';', ',']).map(|i| ss + i) {
        let rest = flat[i + 1..at].trim_start().to_ascii_lowercase();
        let continues = ["or ", "and ", "but ", "within ", "in "]
            .iter()
            .any(|w| rest.starts_with(w))
            && !rest.contains(" you ");
        if !continues {
            return i;
        }
        start = i;
    }
    ss
}

/// Whether the section holding `at` is headed by an appeal heading ("HOW TO ASK FOR AN
/// APPEAL"): a short line without a full stop, at most six lines up on the same page.
fn heading_above(text: &Text, at: usize) -> bool {
    let r = text.locate(at);
    (r.line.saturating_sub(6)..r.line).rev().any(|i| {
        let l = text.line(LineRef {
            page: r.page,
            line: i,
        });
        l.split_whitespace().count() <= 8
            && !l.trim_end().ends_with('.')
            && APPEAL_WORDS.is_match(l)
    })
}

/// Largest window figure read: longer than any appeal window, small enough that no count
/// overflows ("one hundred hundred hundred ..." is not a number).
const MAX_WINDOW_NUMBER: i64 = 100_000;

/// `180`, `sixty (60)`, `one hundred twenty`, `sixty-five`; at most [`MAX_WINDOW_NUMBER`].
#[allow(clippy::string_slice)] // Char boundaries: `open` is the index of an ASCII '('.
fn parse_number(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Some(open) = s.find('(') {
        let inner: String = s[open..].chars().filter(char::is_ascii_digit).collect();
        if let Ok(n) = inner.parse() {
            return Some(n);
        }
    }
    if let Ok(n) = s.parse() {
        return Some(n);
    }
    let mut total = 0i64;
    let mut current = 0i64;
    for w in s
        .to_ascii_lowercase()
        .split([' ', '-'])
        .filter(|w| !w.is_empty())
    {
        let v = match w {
            "one" => 1,
            "two" => 2,
            "three" => 3,
            "four" => 4,
            "five" => 5,
            "six" => 6,
            "seven" => 7,
            "eight" => 8,
            "nine" => 9,
            "ten" => 10,
            "eleven" => 11,
            "twelve" => 12,
            "fifteen" => 15,
            "twenty" => 20,
            "thirty" => 30,
            "forty" => 40,
            "fifty" => 50,
            "sixty" => 60,
            "seventy" => 70,
            "eighty" => 80,
            "ninety" => 90,
            "hundred" => {
                current = current.max(1) * 100;
                if current > MAX_WINDOW_NUMBER {
                    return None;
                }
                continue;
            }
            "and" => continue,
            _ => return None,
        };
        current += v;
        if current > MAX_WINDOW_NUMBER {
            return None;
        }
    }
    total += current;
    (total > 0).then_some(total)
}

/// This module's constant patterns, compiled up front by
/// [`crate::rules::Rules::compile_lazy`] (each is compiled on first use otherwise).
pub(crate) static PATTERNS: &[&std::sync::LazyLock<regex::Regex>] = &[
    &WINDOW,
    &APPEAL_WORDS,
    &MEMBER_ACTS,
    &PAYER_ACTS,
    &PASSIVE_PAYER,
    &LATER_REVIEWER,
    &NEXT_LEVEL,
    &AFTER_FINAL,
    &THIS_NOTICE,
    &NOT_FILING,
    &SERVICE_ANCHOR,
    &PROVIDER_DISPUTE,
    &WINDOW_LEAD,
    &LABEL_FOR_PAYER,
    &FROM_THIS_NOTICE,
    &DEADLINE_WORDS,
    &BIRTH_OR_SERVICE,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Method;

    fn d(y: i16, m: i8, day: i8) -> Date {
        Date::new(y, m, day).unwrap()
    }

    fn cands(s: &str, letter: Date) -> Vec<(Date, DeadlineBasis)> {
        let t = Text::new(
            Method::PlainText,
            vec![s.lines().map(String::from).collect()],
            vec![],
        );
        candidates(&t, Some(letter), None, &mut Vec::new())
            .into_iter()
            .map(|c| (c.date, c.basis))
            .collect()
    }

    #[test]
    fn number_words() {
        assert_eq!(parse_number("sixty (60)"), Some(60));
        assert_eq!(parse_number("one hundred eighty"), Some(180));
        assert_eq!(parse_number("one hundred and twenty"), Some(120));
        assert_eq!(parse_number("sixty-five"), Some(65));
        assert_eq!(parse_number("four"), Some(4));
    }

    // Regression (property tests): "one hundred hundred hundred hundred days" overflowed the
    // day count that jiff accepts, a panic in the middle of the analysis.
    #[test]
    fn absurd_windows_are_no_windows() {
        assert_eq!(parse_number("one hundred hundred hundred hundred"), None);
        assert_eq!(parse_number(&"ninety ".repeat(5000)), None);
        assert_eq!(parse_window("hundred hundred hundred weeks"), None);
        assert_eq!(add_window(d(2025, 3, 3), Some(i64::MAX), None), None);
        assert_eq!(add_window(d(2025, 3, 3), None, Some(10_000_000)), None);
        assert_eq!(add_window(d(2025, 3, 3), Some(-i64::MAX), None), None);
    }

    #[test]
    fn months_clamp_to_month_end() {
        assert_eq!(
            add_window(d(2025, 10, 31), None, Some(4)),
            Some(d(2026, 2, 28))
        );
        assert_eq!(
            add_window(d(2024, 1, 31), None, Some(1)),
            Some(d(2024, 2, 29))
        );
    }

    #[test]
    fn decision_times_are_not_deadlines() {
        let got = cands(
            "You must file your appeal within 180 days of the date of this letter. We will decide your appeal within 30 days of receiving it.",
            d(2025, 3, 3),
        );
        assert_eq!(got, vec![(d(2025, 8, 30), DeadlineBasis::Computed)]);
    }

    #[test]
    fn stated_date_and_label() {
        let got = cands(
            "To appeal, your request must be received by April 30, 2025.\nAppeal deadline: 05/02/2025",
            d(2025, 3, 1),
        );
        assert!(got.contains(&(d(2025, 4, 30), DeadlineBasis::Stated)));
        assert!(got.contains(&(d(2025, 5, 2), DeadlineBasis::Stated)));
    }
}

/// The deadline cases of `tests/data/deadlines.toml`, each run through the whole analysis up
/// to this stage.
#[cfg(test)]
mod table {
    use super::*;
    use crate::text::Method;

    #[derive(serde::Deserialize)]
    struct Case {
        name: String,
        text: String,
        want: String,
        basis: Option<DeadlineBasis>,
        action: Option<Action>,
        warns: Option<String>,
        plan: Option<crate::report::PlanType>,
        /// Words OCR read with low confidence (page 1).
        #[serde(default)]
        uncertain: Vec<String>,
        /// The next level's window the document gives ("none": it gives none).
        next_window: Option<String>,
    }

    #[derive(serde::Deserialize)]
    struct Table {
        case: Vec<Case>,
    }

    fn deadline(s: &str, uncertain: &[String]) -> (Option<Deadline>, crate::report::PlanType) {
        let mut t = Text::new(
            Method::PlainText,
            vec![s.lines().map(String::from).collect()],
            vec![],
        );
        t.uncertain = uncertain.iter().map(|w| (1, w.clone())).collect();
        let rules = Rules::bundled().unwrap();
        let layout = crate::layout::analyze(&t, rules);
        let class = crate::classify::classify(&t, &layout, rules);
        let fields = crate::fields::extract(&t, &layout, rules);
        let known = Known {
            letter_date: fields.letter_date,
            service_date: fields.service_date,
            state: fields.state.clone(),
        };
        (find(&t, &class, &known, rules), class.plan_type)
    }

    #[test]
    fn cases() {
        let table: Table =
            toml::from_str(include_str!("../tests/data/deadlines.toml")).expect("deadlines.toml");
        assert!(table.case.len() >= 20);
        let mut failures = Vec::new();
        for c in &table.case {
            let (d, plan) = deadline(&c.text, &c.uncertain);
            if c.plan.is_some_and(|p| p != plan) {
                failures.push(format!("{}: plan {plan:?}, want {:?}", c.name, c.plan));
            }
            let Some(d) = d else {
                failures.push(format!("{}: no deadline", c.name));
                continue;
            };
            let got = d.date.map(|x| x.to_string()).unwrap_or("none".into());
            if got != c.want {
                failures.push(format!(
                    "{}: want {}, got {got} ({:?})",
                    c.name, c.want, d.evidence
                ));
            }
            if c.basis.is_some() && d.basis != c.basis {
                failures.push(format!(
                    "{}: basis {:?}, want {:?}",
                    c.name, d.basis, c.basis
                ));
            }
            if c.action.is_some_and(|a| a != d.action) {
                failures.push(format!(
                    "{}: action {:?}, want {:?}",
                    c.name, d.action, c.action
                ));
            }
            if let Some(want) = &c.next_window {
                let got = d
                    .next_level
                    .as_ref()
                    .map(|(w, _)| w.as_str())
                    .unwrap_or("none");
                if got != want {
                    failures.push(format!(
                        "{}: next level window {got:?}, want {want:?}",
                        c.name
                    ));
                }
            }
            if let Some(w) = &c.warns
                && !d.warnings.iter().any(|x| x.contains(w.as_str()))
            {
                failures.push(format!(
                    "{}: no warning with {w:?} in {:?}",
                    c.name, d.warnings
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
