//! Appeal letter: a [`Report`] in, a draft appeal letter (plain text or Markdown) out. Facts
//! come only from the report; a fact it lacks becomes a visible placeholder such as
//! `[DATE OF SERVICE]`, never an invented value. The argument skeleton and the enclosures per
//! category are data (`rules/appeal_letters.toml`).

use std::sync::LazyLock;

use serde::Deserialize;

use crate::report::{Action, Category, DocumentType, Report};
use crate::rules::Rules;

/// The letter's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Plain text.
    #[default]
    Text,
    /// Markdown.
    Markdown,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Letter {
    category: Category,
    argument: String,
    enclose: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LettersFile {
    letter: Vec<Letter>,
}

/// The bundled letter skeletons, checked by a test to cover every category.
static LETTERS: LazyLock<Vec<Letter>> = LazyLock::new(|| {
    toml::from_str::<LettersFile>(include_str!("../rules/appeal_letters.toml"))
        .map(|f| f.letter)
        .unwrap_or_default()
});

fn or_placeholder(v: Option<&str>, placeholder: &str) -> String {
    v.map(str::to_string)
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| format!("[{placeholder}]"))
}

/// Drafts the appeal letter for a report.
pub fn draft(report: &Report, rules: &Rules, format: Format) -> String {
    let md = format == Format::Markdown;
    let name = or_placeholder(report.member.name.as_deref(), "YOUR NAME");
    let payer = or_placeholder(report.payer.name.as_deref(), "INSURER NAME");
    let decision = report.document_type == DocumentType::AppealDecision;
    let category = report
        .denial
        .as_ref()
        .map(|d| d.category)
        .unwrap_or(Category::Other);
    let letter = LETTERS.iter().find(|l| l.category == category);
    let appeal_step = report.next_steps.iter().find(|s| {
        matches!(
            s.action,
            Action::InternalAppeal | Action::ExternalReview | Action::StateFairHearing
        )
    });
    let level = rules
        .program(report.payer.plan_type)
        .map(|p| {
            if decision {
                p.after_decision.label.clone()
            } else {
                p.first.label.clone()
            }
        })
        .unwrap_or_else(|| "appeal".into());
    let urgent = report.denial.as_ref().is_some_and(|d| d.pre_service);

    let mut out = String::new();
    let mut line = |s: &str| {
        out.push_str(s);
        out.push('\n');
    };
    line(&name);
    line("[YOUR ADDRESS]");
    line("[YOUR PHONE]");
    line("");
    line("[DATE]");
    line("");
    line(&payer);
    line("Appeals Department");
    line("[APPEALS ADDRESS OR FAX NUMBER FROM THE NOTICE]");
    line("");
    let subject = if urgent {
        format!("Request for an expedited {level}")
    } else {
        format!("Request for {level}")
    };
    line(&if md {
        format!("## Re: {subject}")
    } else {
        format!("Re: {subject}")
    });
    line("");
    let facts = [
        ("Member", name.clone()),
        (
            "Member ID",
            or_placeholder(report.member.member_id.as_deref(), "MEMBER ID"),
        ),
        (
            "Group number",
            or_placeholder(
                report.member.group_number.as_deref(),
                "GROUP NUMBER, IF ANY",
            ),
        ),
        (
            "Claim or reference number",
            or_placeholder(
                report
                    .claim
                    .claim_number
                    .as_deref()
                    .or(report.claim.reference_number.as_deref()),
                "CLAIM NUMBER",
            ),
        ),
        (
            "Date of service",
            or_placeholder(report.claim.service_date.as_deref(), "DATE OF SERVICE"),
        ),
        (
            "Provider",
            or_placeholder(report.claim.provider.as_deref(), "PROVIDER"),
        ),
        (
            "Date of the notice",
            or_placeholder(
                report.dates.letter_date.as_deref(),
                "DATE OF THE DENIAL NOTICE",
            ),
        ),
    ];
    for (k, v) in &facts {
        line(&if md {
            format!("- **{k}:** {v}")
        } else {
            format!("{k}: {v}")
        });
    }
    line("");
    line("Dear Appeals Reviewer:");
    line("");
    let what = if decision {
        "your decision upholding the denial of"
    } else {
        "the denial of"
    };
    let reason = report.denial.as_ref().and_then(|d| d.reason_text.clone());
    let codes: Vec<String> = report
        .denial
        .as_ref()
        .map(|d| d.codes.iter().map(crate::report::Code::label).collect())
        .unwrap_or_default();
    let reason = reason.unwrap_or_else(|| "[DENIAL REASON AS WRITTEN IN THE NOTICE]".into());
    let mut opening = format!(
        "I am writing to appeal {what} the claim or request described above. The notice dated {} gives this reason: \"{reason}\"",
        facts[6].1,
    );
    if !codes.is_empty() {
        opening.push_str(&format!(" (codes: {})", codes.join(", ")));
    }
    if !reason.ends_with(['.', '!', '?']) || !codes.is_empty() {
        opening.push('.');
    }
    line(&opening);
    line("");
    let rule = appeal_step
        .and_then(|s| s.rule.clone())
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    line(&format!(
        "I request a full and fair review of this decision{rule} by a reviewer who was not involved in the original decision and who has the appropriate clinical expertise. Please consider all the information enclosed with this letter."
    ));
    line("");
    if let Some(l) = letter {
        line(&l.argument);
        line("");
    }
    // The notice's own defects: the law's requirements it leaves out, a late decision.
    if let Some(check) = report
        .notice_check
        .as_ref()
        .filter(|c| !c.missing.is_empty() || c.late_decision.is_some())
    {
        line("The notice itself does not meet the requirements that apply to it:");
        let mut items: Vec<String> = check.missing.iter().map(|m| m.argument.clone()).collect();
        if let Some(late) = &check.late_decision {
            items.push(crate::recommend::late_sentence(late, &rules.notice.advice));
        }
        for item in items {
            line(&format!("- {item}"));
        }
        line("");
    }
    if urgent {
        line(&format!(
            "{}Expedited review:{} this concerns care I have not yet received. My treating provider has stated that waiting for a standard decision could seriously jeopardize my life, health or ability to regain maximum function. I ask that this appeal be decided on the expedited (72-hour) timeline.",
            if md { "**" } else { "" },
            if md { "**" } else { "" }
        ));
        line("");
    }
    line(
        "Please also send me, free of charge, a copy of my complete claim file, including all documents, records and other information relevant to the claim, and the internal rules, guidelines, protocols or clinical criteria relied on in making this decision.",
    );
    line("");
    if let Some(step) = appeal_step
        && let Some(due) = &step.due
    {
        line(&format!(
            "This appeal is filed within the time allowed (the deadline is {due})."
        ));
        line("");
    }
    line(&if md {
        "### Enclosed".to_string()
    } else {
        "Enclosed:".to_string()
    });
    let mut enclosures = vec!["A copy of the denial notice".to_string()];
    if let Some(d) = &report.denial {
        enclosures.extend(d.documents_requested.iter().cloned());
    }
    if let Some(l) = letter {
        enclosures.extend(l.enclose.iter().cloned());
    }
    enclosures.push("Any Explanation of Benefits for this claim".into());
    let mut seen = std::collections::HashSet::new();
    for e in enclosures.into_iter().filter(|e| seen.insert(e.clone())) {
        line(&format!("- {e}"));
    }
    line("");
    line("Sincerely,");
    line("");
    line(&name);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_has_a_letter_skeleton() {
        for c in crate::rules::ALL_CATEGORIES {
            assert!(LETTERS.iter().any(|l| l.category == c), "{c:?}");
        }
    }
}
