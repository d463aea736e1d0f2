//! Stage 6, recommend: a [`Report`] (as parsed, or corrected by hand) and a [`Context`] in,
//! its ordered `next_steps` out. The program's appeal with its due date and rule comes first
//! (a fast appeal first of all when the care is not yet received), then what the denial's
//! category calls for (`rules/next_steps.toml`), then the steps every denial gets: the claim
//! file, a call to the plan, the state's consumer assistance. When the member owes nothing
//! and the fix is the provider's, that comes first and says so.

use crate::report::{Action, DeadlineBasis, DocumentType, Report, Step};
use crate::rules::{Rules, Who};

/// What the document may not say but the user can: the state for state help.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Two-letter state code; overrides the state read from the document.
    pub state: Option<String>,
}

/// The next steps for a report, most urgent first. A document that denies nothing has none.
pub fn next_steps(report: &Report, rules: &Rules, ctx: &Context) -> Vec<Step> {
    let Some(denial) = &report.denial else {
        return Vec::new();
    };
    let mut steps: Vec<Step> = Vec::new();
    let decision = report.document_type == DocumentType::AppealDecision;
    let category_steps: Vec<&crate::rules::CategoryStep> = rules
        .steps
        .iter()
        .filter(|s| s.category == denial.category)
        .collect();
    // The member owes nothing and the fix is the provider's: say so first.
    let owes_nothing = report
        .claim
        .patient_responsibility
        .is_some_and(|p| p == 0.0);
    let provider_fix = owes_nothing && category_steps.iter().any(|s| s.who == Who::Provider);
    if provider_fix {
        for s in category_steps.iter().filter(|s| s.who == Who::Provider) {
            steps.push(Step {
                action: s.action,
                due: None,
                why: format!(
                    "This is for the provider to fix, and you owe nothing on this claim. {}",
                    s.why
                ),
                checklist: s.checklist.clone(),
                rule: None,
            });
        }
    }

    let due = report.dates.appeal_deadline.clone();
    let program = rules
        .program(report.payer.plan_type)
        .or_else(|| rules.programs.last());
    if let Some(program) = program {
        let (level, _) = rules.level_for(
            if decision {
                &program.after_decision
            } else {
                &program.first
            },
            report.member.state.as_deref(),
        );
        let level = &level;
        let when = match (&due, report.dates.appeal_deadline_basis) {
            (Some(d), Some(DeadlineBasis::Default)) => format!(
                " by {d} (the document states no deadline; this is the {} default, counted from the letter date)",
                program.name
            ),
            (Some(d), _) => format!(" by {d}"),
            (None, _) => match &level.starts_after {
                Some(event) => {
                    format!("; nothing to file now: the time for it starts with {event}")
                }
                None => " as soon as possible (the deadline could not be determined)".to_string(),
            },
        };
        if denial.pre_service
            && !decision
            && let Some(fast) = &program.expedited
        {
            steps.push(Step {
                    action: Action::ExpeditedAppeal,
                    due: due.clone(),
                    why: format!(
                        "This decision is about care you have not received yet. If waiting for a standard decision could seriously harm your health, ask for {}; a doctor's statement that it is urgent is usually enough.",
                        with_article(&fast.label)
                    ),
                    checklist: vec![
                        "A statement from your doctor that waiting could seriously harm your health".into(),
                        "Call the plan to start the fast appeal, then send the documents".into(),
                    ],
                    rule: Some(fast.rule.clone()),
                });
        }
        let mut why = if decision {
            format!(
                "The plan upheld its denial. Next step: {}{when}.",
                level.label
            )
        } else {
            format!(
                "Appeal the denial ({}){when}. Many denials are overturned when appealed with the right documents.",
                level.label
            )
        };
        if let Some(note) = &level.note {
            why = format!("{why} {note}");
        }
        // What the document itself says about the level after this one.
        if !decision && let Some(window) = &report.dates.next_level_window {
            why = format!(
                "{why} This document gives {window} for the next level ({}), counted from the plan's decision on your appeal, not from this notice.",
                program.after_decision.label
            );
        }
        if provider_fix {
            why = format!(
                "{why} You owe nothing on this claim, so appeal only if the provider bills you."
            );
        }
        let mut checklist = vec![
            "A copy of this notice".to_string(),
            "The claim or reference number and member ID".to_string(),
            "A letter explaining why the decision is wrong (overturn appeal drafts one)"
                .to_string(),
            "Medical records and a letter from the treating provider".to_string(),
        ];
        checklist.extend(denial.documents_requested.iter().cloned());
        steps.push(Step {
            action: level.action,
            due,
            why,
            checklist,
            rule: Some(level.rule.clone()),
        });
    }
    if let Some(step) = notice_step(report, rules) {
        steps.push(step);
    }

    for s in category_steps
        .iter()
        .filter(|s| !(provider_fix && s.who == Who::Provider))
    {
        if steps.iter().any(|x| x.action == s.action) {
            continue;
        }
        let mut checklist = s.checklist.clone();
        if s.action == Action::SubmitDocumentation {
            // What this letter asked for, by name, before the general advice.
            let mut named = denial.documents_requested.clone();
            named.extend(checklist);
            checklist = named;
        }
        let why = match s.who {
            Who::Provider => format!("{} Ask the provider's billing office to do this.", s.why),
            Who::Member => s.why.clone(),
        };
        steps.push(Step {
            action: s.action,
            due: None,
            why,
            checklist,
            rule: None,
        });
    }

    let state = ctx.state.clone().or_else(|| report.member.state.clone());
    for a in &rules.always {
        if steps.iter().any(|x| x.action == a.action) {
            continue;
        }
        let mut why = a.why.clone();
        let mut checklist = a.checklist.clone();
        if a.action == Action::CallInsurer
            && let Some(phone) = &report.payer.phone
        {
            why = format!("{why} The number on the notice is {phone}.");
        }
        if a.action == Action::ContactConsumerAssistance {
            match state.as_deref().and_then(|s| rules.states.get(&s.to_uppercase()).map(|i| (s, i))) {
                Some((code, info)) => {
                    why = format!(
                        "{why} In {}: {} ({}, {}); insurance department: {} ({}).",
                        info.name, info.cap, info.cap_phone, info.cap_url, info.doi, info.doi_phone
                    );
                    checklist.push(format!("State contacts for {code} come from {}", rules.states_source));
                }
                None => checklist.push("Find your state's consumer assistance program (run `overturn next --state XX` with your state)".into()),
            }
            if matches!(
                report.payer.plan_type,
                crate::report::PlanType::OriginalMedicare
                    | crate::report::PlanType::MedicareAdvantage
                    | crate::report::PlanType::MedicarePartD
            ) {
                why = format!(
                    "{why} For Medicare, your State Health Insurance Assistance Program (SHIP) counsels for free; 1-800-MEDICARE (1-800-633-4227) can connect you."
                );
            }
        }
        let rule = match a.action {
            Action::RequestClaimFile => program.and_then(|p| p.claim_file_rule.clone()),
            _ => a.rule.clone(),
        };
        steps.push(Step {
            action: a.action,
            due: None,
            why,
            checklist,
            rule,
        });
    }
    steps
}

/// The notice's own defects as an argument: each missing element and a late decision, with
/// deemed exhaustion where the program has it. `None` when the check found nothing.
fn notice_step(report: &Report, rules: &Rules) -> Option<Step> {
    let check = report.notice_check.as_ref()?;
    if check.missing.is_empty() && check.late_decision.is_none() {
        return None;
    }
    let advice = &rules.notice.advice;
    let program = rules
        .notice
        .program_name(&check.program)
        .unwrap_or(&check.program);
    let mut why = advice.intro.replace("{program}", program);
    let mut checklist: Vec<String> = check.missing.iter().map(|m| m.argument.clone()).collect();
    let mut cites: Vec<String> = check.missing.iter().map(|m| m.rule.clone()).collect();
    if let Some(late) = &check.late_decision {
        checklist.push(late_sentence(late, advice));
        cites.push(late.rule.clone());
    }
    if advice.deemed_exhaustion_programs.contains(&check.program) {
        why = format!("{why} {}", advice.deemed_exhaustion);
        cites.push(advice.deemed_exhaustion_rule.clone());
    }
    why = format!("{why} {}", advice.disclaimer);
    let mut seen = std::collections::HashSet::new();
    cites.retain(|c| seen.insert(c.clone()));
    Some(Step {
        action: Action::CiteNoticeDefects,
        // The arguments go into the appeal, which carries the deadline.
        due: None,
        why,
        checklist,
        rule: Some(cites.join("; ")),
    })
}

/// A late decision in plain words.
pub fn late_sentence(late: &crate::report::LateDecision, advice: &crate::notice::Advice) -> String {
    let extension = match late.extension_days {
        Some(d) if late.late_even_with_extension => advice
            .late_extension
            .replace("{extension_days}", &d.to_string()),
        Some(d) => advice
            .late_within_extension
            .replace("{extension_days}", &d.to_string()),
        None => String::new(),
    };
    advice
        .late
        .replace("{received}", &late.received)
        .replace("{decided}", &late.decided)
        .replace("{days}", &late.days.to_string())
        .replace("{limit}", &late.limit)
        .replace("{rule}", &late.rule)
        .replace("{extension}", &extension)
}

/// "a fast appeal", "an expedited appeal".
fn with_article(label: &str) -> String {
    let vowel = label
        .chars()
        .next()
        .is_some_and(|c| "aeiouAEIOU".contains(c));
    format!("{} {label}", if vowel { "an" } else { "a" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn articles_fit_the_label() {
        assert_eq!(with_article("expedited appeal"), "an expedited appeal");
        assert_eq!(with_article("fast appeal"), "a fast appeal");
    }
    use crate::report::Category;

    fn report_of(s: &str) -> Report {
        crate::parse_bytes("t.txt", s.as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn coding_error_the_member_does_not_owe_is_the_providers_to_fix() {
        let r = report_of(
            "Acme PPO\nDate: 03/01/2025\nClaim number: A123456\nWe denied the claim because the procedure code is inconsistent with the modifier used.\nYour responsibility: $0.00",
        );
        assert_eq!(
            r.denial.as_ref().unwrap().category,
            Category::CodingBillingError
        );
        assert_eq!(r.next_steps[0].action, Action::CorrectedClaim);
        assert!(
            r.next_steps[0].why.contains("provider to fix"),
            "{}",
            r.next_steps[0].why
        );
        let appeal = r
            .next_steps
            .iter()
            .find(|s| s.action == Action::InternalAppeal)
            .unwrap();
        assert_eq!(appeal.due.as_deref(), Some("2025-08-28"));
        assert!(appeal.why.contains("appeal only if the provider bills you"));
    }

    #[test]
    fn upheld_appeal_points_to_external_review_not_another_appeal() {
        let r = report_of(
            "Acme Health Plan\nDate: 07/30/2025\nWe have reviewed your appeal and are upholding our decision. The service was not medically necessary.",
        );
        assert_eq!(r.next_steps[0].action, Action::ExternalReview);
        assert_eq!(r.next_steps[0].rule.as_deref(), Some("45 CFR 147.136(d)"));
        assert!(
            !r.next_steps
                .iter()
                .any(|s| s.action == Action::InternalAppeal)
        );
    }

    #[test]
    fn nothing_denied_nothing_to_do() {
        let r = report_of(
            "Acme Health Plan\nDate: 07/30/2025\nDear Ana Ruiz,\nYour request for physical therapy has been approved.",
        );
        assert!(r.denial.is_none());
        assert!(r.next_steps.is_empty());
    }

    #[test]
    fn every_category_gets_its_steps_and_the_always_steps() {
        let rules = Rules::bundled().unwrap();
        for c in crate::rules::ALL_CATEGORIES {
            let mut r = report_of("Acme PPO\nDate: 03/01/2025\nWe denied your claim.");
            r.denial.as_mut().unwrap().category = c;
            let steps = next_steps(&r, rules, &Context::default());
            for want in rules.steps.iter().filter(|s| s.category == c) {
                assert!(
                    steps.iter().any(|s| s.action == want.action),
                    "{c:?}: {:?}",
                    want.action
                );
            }
            for a in [
                Action::RequestClaimFile,
                Action::CallInsurer,
                Action::ContactConsumerAssistance,
            ] {
                assert!(steps.iter().any(|s| s.action == a), "{c:?}: {a:?}");
            }
        }
    }

    #[test]
    fn state_override_names_the_states_program() {
        let rules = Rules::bundled().unwrap();
        let r = report_of("Acme PPO\nDate: 03/01/2025\nWe denied your claim.");
        let steps = next_steps(
            &r,
            rules,
            &Context {
                state: Some("ct".into()),
            },
        );
        let cap = steps
            .iter()
            .find(|s| s.action == Action::ContactConsumerAssistance)
            .unwrap();
        assert!(
            cap.why.contains("Office of the Healthcare Advocate"),
            "{}",
            cap.why
        );
    }
}
