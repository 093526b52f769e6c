//! The phase bar, the permission table through `decide`, the timer, done reading.

use super::*;

#[test]
fn only_the_facilitator_moves_the_phase() {
    let mut run = Run::new();
    for someone in [author(), reader(), viewer()] {
        let to = Phase::SilentReading;
        assert_eq!(
            run.refused(
                &someone,
                CommandKind::MovePhase {
                    to,
                    override_reason: None
                }
            ),
            ErrorKind::Forbidden
        );
    }
    assert_eq!(run.meeting.phase, Phase::Drafting);
}

#[test]
fn every_phase_move_legal_and_illegal() {
    for from in Phase::ALL {
        for to in Phase::ALL {
            let mut run = Run::new();
            run.advance_to(from);
            let result = run.send(
                &sre(),
                CommandKind::MovePhase {
                    to,
                    override_reason: None,
                },
            );
            if to == from {
                assert_eq!(result, Ok(Vec::new()), "{from} -> {to} changes nothing");
            } else if from.can_move_to(to) {
                assert!(result.is_ok(), "{from} -> {to}");
                assert_eq!(run.meeting.phase, to);
                assert_eq!(run.meeting.history.last().map(|e| e.phase), Some(to));
            } else {
                let kind = result.err().map(|e| e.kind());
                // Skipping to published is publishing outside revision.
                let expected = if to == Phase::Published {
                    ErrorKind::Forbidden
                } else {
                    ErrorKind::Conflict
                };
                assert_eq!(kind, Some(expected), "{from} -> {to}");
                assert_eq!(run.meeting.phase, from);
            }
        }
    }
}

#[test]
fn a_published_case_is_reopened_into_revision() {
    let mut run = Run::new();
    run.advance_to(Phase::Published);
    assert!(run.meeting.published.is_some());
    assert_eq!(
        run.refused(&reader(), question("Late?")),
        ErrorKind::Forbidden
    );
    run.move_to(Phase::Revision);
    assert_eq!(run.meeting.published, None);
    run.post(&reader(), question("Late?"));
    let durations = run.meeting.phase_durations(run.now);
    assert_eq!(durations[Phase::Revision.index()].visits, 2);
}

#[test]
fn an_override_reason_is_kept_with_the_publication_and_only_for_publishing() {
    let mut run = Run::new();
    run.advance_to(Phase::Revision);
    let publish = |reason: &str| CommandKind::MovePhase {
        to: Phase::Published,
        override_reason: Some(reason.into()),
    };
    let back = CommandKind::MovePhase {
        to: Phase::Kudos,
        override_reason: Some("because".into()),
    };
    assert_eq!(run.refused(&sre(), back), ErrorKind::BadInput);
    let too_long = "x".repeat(crate::limits::MAX_REASON_CHARS + 1);
    assert_eq!(run.refused(&sre(), publish(&too_long)), ErrorKind::BadInput);
    assert_eq!(run.meeting.phase, Phase::Revision);
    let events = run.ok(&sre(), publish("  用語集は来週追加 📚 "));
    let json = serde_json::to_value(&events[0]).expect("serialises");
    assert_eq!(json["override_reason"], "用語集は来週追加 📚");
    let published = run.meeting.published.clone().expect("published");
    assert_eq!(
        published.override_reason.as_deref(),
        Some("用語集は来週追加 📚")
    );
    assert_eq!(Meeting::replay(START, &run.log).published, Some(published));
    // Reopen, then publish without a reason: the old reason is gone.
    run.move_to(Phase::Revision);
    run.ok(&sre(), publish("   "));
    assert_eq!(
        run.meeting
            .published
            .as_ref()
            .map(|p| p.override_reason.clone()),
        Some(None)
    );
}

#[test]
fn every_command_obeys_the_permission_table() {
    for phase in Phase::ALL {
        for someone in [sre(), author(), reader(), viewer()] {
            let commands = [
                CommandKind::MovePhase {
                    to: phase.next().or(phase.prev()).unwrap_or(phase),
                    override_reason: None,
                },
                CommandKind::StartTimer { seconds: Some(60) },
                CommandKind::MarkDoneReading,
                question("Why?"),
                CommandKind::Reply {
                    comment_id: "id1".into(),
                    text: "Yes.".into(),
                },
                CommandKind::Spotlight {
                    comment_id: "id1".into(),
                },
                CommandKind::AnswerQuestion {
                    comment_id: "id1".into(),
                    text: "So.".into(),
                },
                CommandKind::AcceptSuggestion {
                    comment_id: "id2".into(),
                },
                CommandKind::Resolve {
                    comment_id: "id1".into(),
                    note: None,
                },
                CommandKind::PostKudos {
                    to: "Kenji".into(),
                    text: "Calm.".into(),
                },
                CommandKind::AnswerSurvey {
                    ratings: ratings(3, 3, 3),
                    comment: None,
                },
            ];
            for command in commands {
                let mut run = Run::new();
                run.post(&reader(), question("Why EC2?")); // id1
                run.post(&reader(), suggestion("Add a diagram.")); // id2
                run.advance_to(phase);
                let action = command.action(phase);
                let result = run.send(&someone, command.clone());
                let forbidden = matches!(result, Err(MeetingError::Forbidden(_)));
                assert_eq!(
                    forbidden,
                    !allowed(someone.role, phase, action),
                    "{} {command:?} in {phase}: {result:?}",
                    someone.role
                );
            }
        }
    }
}

#[test]
fn a_viewer_cannot_spotlight_or_comment() {
    let mut run = Run::new();
    let q = run.post(&reader(), question("Why EC2?"));
    assert_eq!(
        run.refused(&viewer(), question("Me too?")),
        ErrorKind::Forbidden
    );
    run.advance_to(Phase::QAndA);
    assert_eq!(
        run.refused(
            &viewer(),
            CommandKind::Spotlight {
                comment_id: q.clone()
            }
        ),
        ErrorKind::Forbidden
    );
    assert_eq!(
        run.refused(&reader(), CommandKind::Spotlight { comment_id: q }),
        ErrorKind::Forbidden
    );
}

#[test]
fn the_facilitator_starts_pauses_and_extends_the_timer() {
    let mut run = Run::new();
    assert_eq!(
        run.refused(&sre(), CommandKind::StartTimer { seconds: None }),
        ErrorKind::Forbidden,
        "no timer in drafting"
    );
    run.advance_to(Phase::Kudos);
    run.ok(&sre(), CommandKind::StartTimer { seconds: None });
    let started = run.now;
    assert!(
        run.ok(&sre(), CommandKind::StartTimer { seconds: None })
            .is_empty(),
        "running"
    );
    run.ok(&sre(), CommandKind::PauseTimer);
    let paused = run.now;
    assert!(run.ok(&sre(), CommandKind::PauseTimer).is_empty(), "paused");
    let remaining = 180_000 - (paused - started) as i64;
    assert_eq!(
        run.meeting.timer.remaining_ms(paused + 60_000),
        Some(remaining)
    );
    run.ok(&sre(), CommandKind::ExtendTimer { seconds: 60 });
    assert_eq!(
        run.meeting.timer.remaining_ms(paused),
        Some(remaining + 60_000)
    );
    assert_eq!(
        run.refused(&sre(), CommandKind::ExtendTimer { seconds: 0 }),
        ErrorKind::BadInput
    );
    assert_eq!(
        run.refused(
            &sre(),
            CommandKind::StartTimer {
                seconds: Some(crate::limits::MAX_TIMER_SECS + 1)
            }
        ),
        ErrorKind::BadInput
    );
    run.ok(&sre(), CommandKind::StartTimer { seconds: Some(300) });
    assert_eq!(run.meeting.timer.remaining_ms(run.now), Some(300_000));
    assert_eq!(
        run.refused(&author(), CommandKind::PauseTimer),
        ErrorKind::Forbidden
    );
}

#[test]
fn done_reading_can_be_undone() {
    let mut run = Run::new();
    run.advance_to(Phase::SilentReading);
    run.ok(&reader(), CommandKind::MarkDoneReading);
    assert!(
        run.ok(&reader(), CommandKind::MarkDoneReading).is_empty(),
        "already done"
    );
    run.ok(&reader(), CommandKind::UndoDoneReading);
    assert_eq!(
        run.meeting.reading_progress(["pat"]),
        ReadingProgress {
            done: 0,
            present: 1
        }
    );
    assert_eq!(
        run.refused(&viewer(), CommandKind::MarkDoneReading),
        ErrorKind::Forbidden
    );
}
