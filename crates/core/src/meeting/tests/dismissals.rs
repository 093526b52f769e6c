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
    let sections = blocked_case();
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

fn restore(subject: Option<&str>) -> CommandKind {
    CommandKind::RestoreFinding {
        rule: Rule::CountermeasureCause,
        section: "countermeasures".into(),
        subject: subject.map(str::to_owned),
    }
}

#[test]
fn a_dismissal_can_be_taken_back_and_the_finding_counts_again() {
    let mut run = Run::new();
    // Nothing to take back yet.
    assert_eq!(
        run.refused(&author(), restore(Some("Add alerts."))),
        ErrorKind::Conflict
    );
    run.ok(&author(), dismiss(Some("Add alerts."), "a follow-up"));
    run.ok(&author(), dismiss(Some("Page on-call."), "a mitigation"));
    // A participant may not; the facilitator may take back the author's.
    assert_eq!(
        run.refused(&reader(), restore(Some("Add alerts."))),
        ErrorKind::Forbidden
    );
    let events = run.ok(&sre(), restore(Some("Add alerts.")));
    assert!(matches!(
        &events[0].change,
        Change::FindingRestored { subject: Some(s), by, .. }
            if s == "Add alerts." && by.display_name == sre().display_name
    ));
    // Only that one: the other dismissal stays.
    assert!(run
        .meeting
        .dismissal(
            Rule::CountermeasureCause,
            "countermeasures",
            Some("Add alerts.")
        )
        .is_none());
    assert_eq!(run.meeting.dismissals.len(), 1);
    assert_eq!(
        run.meeting.dismissals[0].subject.as_deref(),
        Some("Page on-call.")
    );
    // Taken back once; it may be dismissed again, with a new reason.
    assert_eq!(
        run.refused(&author(), restore(Some("Add alerts."))),
        ErrorKind::Conflict
    );
    run.ok(
        &author(),
        dismiss(Some("Add alerts."), "on second thought, n/a"),
    );
    let replayed = Meeting::replay(0, &run.log);
    assert_eq!(replayed.dismissals, run.meeting.dismissals);
    assert_eq!(replayed.dismissals[1].reason, "on second thought, n/a");
}

#[test]
fn a_restored_finding_blocks_publishing_again() {
    let sections = blocked_case();
    let mut run = Run::new();
    let findings = check(&sections, &run.meeting);
    let (rule, section, subject) = (
        findings[0].rule,
        findings[0].section.clone(),
        findings[0].subject.clone(),
    );
    run.ok(
        &author(),
        CommandKind::DismissFinding {
            rule,
            section: section.clone(),
            subject: subject.clone(),
            reason: "n/a".into(),
        },
    );
    assert!(ready(&check(&sections, &run.meeting)));
    run.ok(
        &author(),
        CommandKind::RestoreFinding {
            rule,
            section,
            subject,
        },
    );
    let findings = check(&sections, &run.meeting);
    assert_eq!(findings[0].dismissed, None);
    assert!(findings[0].blocks());
    assert!(!ready(&findings));
}

/// A case whose only finding is a countermeasure naming no cause.
fn blocked_case() -> Vec<SectionText> {
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
    TEMPLATE
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
        .collect()
}
