//! Dismissing one readiness finding as "not applicable": who may, what is
//! kept, and how the check reads it.

use super::*;
use crate::readiness::{check, ready, Level, Rule, SectionText};

fn dismiss(subject: Option<&str>, reason: &str) -> CommandKind {
    CommandKind::DismissFinding {
        rule: Rule::CountermeasureCause,
        section: "countermeasures".into(),
        subject: subject.map(str::to_owned),
        reason: reason.into(),
    }
}

#[test]
fn an_author_or_the_facilitator_dismisses_a_finding_with_a_reason() {
    let mut run = Run::new();
    assert_eq!(
        run.refused(&reader(), dismiss(Some("Add alerts."), "n/a")),
        ErrorKind::Forbidden
    );
    assert_eq!(
        run.refused(&author(), dismiss(Some("Add alerts."), "  ")),
        ErrorKind::BadInput
    );
    let events = run.ok(
        &author(),
        dismiss(Some("Add alerts."), " Alerts are a follow-up, not a fix. "),
    );
    assert!(matches!(
        &events[0].change,
        Change::FindingDismissed { reason, .. } if reason == "Alerts are a follow-up, not a fix."
    ));
    let kept = run
        .meeting
        .dismissal(
            Rule::CountermeasureCause,
            "countermeasures",
            Some("Add alerts."),
        )
        .expect("kept");
    assert_eq!(kept.by.display_name, author().display_name);
    // Once is enough; another finding is another dismissal.
    assert_eq!(
        run.refused(&sre(), dismiss(Some("Add alerts."), "again")),
        ErrorKind::Conflict
    );
    run.ok(&sre(), dismiss(Some("Page on-call."), "a mitigation"));
    assert_eq!(run.meeting.dismissals.len(), 2);
    // The log replays to the same dismissals.
    let replayed = Meeting::replay(0, &run.log);
    assert_eq!(replayed.dismissals, run.meeting.dismissals);
}

#[test]
fn a_dismissed_finding_stays_listed_with_its_reason_and_stops_blocking() {
    use crate::document::TEMPLATE;
    use crate::outline::{Section, SectionTitle};
    let texts = [
        ("summary", "Checkout failed for 40 minutes."),
        (
            "system",
            "Purpose: pay.\nDesign: a monolith.\nMiddleware: MySQL.",
        ),
        ("impact", "1,200 users for 40 minutes."),
        ("timeline", "- 14:05 failover"),
        ("causes", "### Stale DNS cache\nOld address kept."),
        (
            "countermeasures",
            "- Add alerts, so we notice sooner; paging was considered.",
        ),
    ];
    let sections: Vec<SectionText> = TEMPLATE
        .iter()
        .enumerate()
        .map(|(i, t)| SectionText {
            section: Section {
                id: t.id.into(),
                title: SectionTitle::Template(t),
                position: i as f64,
            },
            markdown: texts
                .iter()
                .find(|(id, _)| *id == t.id)
                .map_or(String::new(), |(_, md)| (*md).to_owned()),
        })
        .collect();
    let mut run = Run::new();
    let findings = check(&sections, &run.meeting);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].level, Level::Blocking);
    assert!(!ready(&findings));
    let subject = findings[0].subject.clone();
    run.ok(
        &author(),
        CommandKind::DismissFinding {
            rule: findings[0].rule,
            section: findings[0].section.clone(),
            subject,
            reason: "Alerts answer the detection delay, which the timeline shows.".into(),
        },
    );
    let findings = check(&sections, &run.meeting);
    assert_eq!(findings.len(), 1);
    let dismissed = findings[0].dismissed.as_ref().expect("dismissed");
    assert!(dismissed.reason.starts_with("Alerts answer"));
    assert!(!findings[0].blocks());
    assert!(ready(&findings));
}
