//! Stage 6, recommend: a [`Report`] (as parsed, or corrected by hand) in, its ordered
//! `next_steps` out: the appeal the document offers with its due date, the denial
//! category's obvious step (`rules/next_steps.toml`), and the claim-file request.

use crate::report::{Action, Category, DocumentType, Report, Step};
use crate::rules::Rules;

/// The next steps for a report, most urgent first. A document that denies nothing has none.
pub fn next_steps(report: &Report, rules: &Rules) -> Vec<Step> {
    let Some(denial) = &report.denial else {
        return Vec::new();
    };
    let mut steps = Vec::new();
    let decision = report.document_type == DocumentType::AppealDecision;
    if let Some(program) = rules
        .program(report.payer.plan_type)
        .or_else(|| rules.programs.last())
    {
        let level = if decision {
            &program.after_decision
        } else {
            &program.first
        };
        let due = report.dates.appeal_deadline.clone();
        let when = match (&due, report.dates.appeal_deadline_basis) {
            (Some(d), Some(crate::report::DeadlineBasis::Default)) => {
                format!(
                    " by {d} (the document states no deadline; this is the {} default, counted from the letter date)",
                    program.name
                )
            }
            (Some(d), _) => format!(" by {d}"),
            (None, _) => " as soon as possible (the deadline could not be determined)".to_string(),
        };
        let why = if decision {
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
        let mut checklist = vec![
            "A copy of this notice".to_string(),
            "The claim number and member ID".to_string(),
            "A letter explaining why the decision is wrong".to_string(),
            "Medical records and a letter from the treating provider".to_string(),
        ];
        if level.action == Action::InternalAppeal {
            checklist.push(
                "If waiting could seriously harm your health, ask for an expedited (fast) appeal"
                    .to_string(),
            );
        }
        steps.push(Step {
            action: level.action,
            due,
            why,
            checklist,
            rule: Some(level.rule.clone()),
        });
    }
    if let Some(cs) = rules.steps.iter().find(|s| s.category == denial.category) {
        let provider_fix = denial.category == Category::CodingBillingError
            && report
                .claim
                .patient_responsibility
                .is_some_and(|p| p == 0.0);
        let why = if provider_fix {
            format!(
                "{} You owe nothing on this claim, so this is the provider's to fix; you should not be billed.",
                cs.why
            )
        } else {
            cs.why.clone()
        };
        if !steps.iter().any(|s| s.action == cs.action) {
            steps.push(Step {
                action: cs.action,
                due: None,
                why,
                checklist: cs.checklist.clone(),
                rule: None,
            });
        }
    }
    if !steps.iter().any(|s| s.action == Action::RequestClaimFile) {
        steps.push(Step {
            action: Action::RequestClaimFile,
            due: None,
            why: "You have the right to a free copy of your claim file and of the rules and criteria used to deny the claim. Ask for it early; it shows what to answer in the appeal.".into(),
            checklist: vec!["Ask in writing and keep a copy of the request".into()],
            rule: Some("29 CFR 2560.503-1(h)(2)(iii)".into()),
        });
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let step = r
            .next_steps
            .iter()
            .find(|s| s.action == Action::CorrectedClaim)
            .unwrap();
        assert!(step.why.contains("provider's to fix"), "{}", step.why);
        assert_eq!(r.next_steps[0].action, Action::InternalAppeal);
        assert_eq!(r.next_steps[0].due.as_deref(), Some("2025-08-28"));
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
    fn every_category_gets_its_step() {
        let rules = Rules::bundled().unwrap();
        for c in crate::rules::ALL_CATEGORIES {
            let mut r = report_of("Acme PPO\nDate: 03/01/2025\nWe denied your claim.");
            r.denial.as_mut().unwrap().category = c;
            let steps = next_steps(&r, rules);
            let want = rules.steps.iter().find(|s| s.category == c).unwrap().action;
            assert!(steps.iter().any(|s| s.action == want), "{c:?}");
        }
    }
}
