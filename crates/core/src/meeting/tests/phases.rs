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
                CommandKind::SetTimerAutoStart { on: false },
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
                CommandKind::EditAnswer {
                    comment_id: "id1".into(),
                    text: "So, and more.".into(),
                    base: "So.".into(),
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
                CommandKind::Vote {
                    comment_id: "id1".into(),
                },
                CommandKind::Unvote {
                    comment_id: "id1".into(),
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
    run.ok(&sre(), CommandKind::SetTimerAutoStart { on: false });
    run.advance_to(Phase::Kudos);
    assert!(!run.meeting.timer.is_running(), "auto-start is off");
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
    let progress = run.meeting.reading_progress(&here(&[reader()]));
    assert_eq!((progress.done, progress.present), (0, 1));
    assert_eq!(
        run.refused(&viewer(), CommandKind::MarkDoneReading),
        ErrorKind::Forbidden
    );
}

/// Readers by name: two browsers of one person count once; the
/// facilitator, the author and viewers are not readers.
#[test]
fn who_has_finished_reading_by_name() {
    let mut run = Run::new();
    run.advance_to(Phase::SilentReading);
    let kenji = actor("kenji", Role::Participant);
    run.ok(&reader(), CommandKind::MarkDoneReading);
    let progress = run.meeting.reading_progress(&here(&[
        sre(),
        author(),
        viewer(),
        kenji.clone(),
        reader(),
        reader(),
    ]));
    let names: Vec<(&str, bool)> = progress
        .readers
        .iter()
        .map(|r| (r.display_name.as_str(), r.done))
        .collect();
    assert_eq!(
        names,
        [
            ("kenji the participant", false),
            ("pat the participant", true)
        ]
    );
    assert_eq!((progress.done, progress.present), (1, 2));
    // Someone done who left is not counted; nobody here is 0 of 0.
    assert_eq!(run.meeting.reading_progress(&here(&[kenji])).done, 0);
    assert_eq!(
        run.meeting.reading_progress(&[]),
        ReadingProgress::default()
    );
}

#[test]
fn only_readers_mark_themselves_done() {
    let mut run = Run::new();
    run.advance_to(Phase::SilentReading);
    for who in [sre(), author(), viewer()] {
        assert_eq!(
            run.refused(&who, CommandKind::MarkDoneReading),
            ErrorKind::Forbidden,
            "{}",
            who.participant_id
        );
    }
}

#[test]
fn a_phase_timer_starts_with_its_phase_unless_auto_start_is_off() {
    let mut run = Run::new();
    assert!(run.meeting.settings.auto_start_timer, "on by default");
    run.move_to(Phase::SilentReading);
    let entered = run.now;
    assert_eq!(run.meeting.timer.running_since_ms, Some(entered));
    run.ok(&sre(), CommandKind::PauseTimer);
    assert!(
        !run.meeting.timer.is_running(),
        "the facilitator can pause it"
    );
    // Turned off: the next phase starts with a stopped timer.
    assert_eq!(
        run.refused(&reader(), CommandKind::SetTimerAutoStart { on: false }),
        ErrorKind::Forbidden
    );
    run.ok(&sre(), CommandKind::SetTimerAutoStart { on: false });
    assert!(
        run.ok(&sre(), CommandKind::SetTimerAutoStart { on: false })
            .is_empty(),
        "already off"
    );
    run.move_to(Phase::QAndA);
    assert!(!run.meeting.timer.is_running());
    run.ok(&sre(), CommandKind::SetTimerAutoStart { on: true });
    run.move_to(Phase::Proposals);
    assert!(run.meeting.timer.is_running());
    // Phases without a timer never start one.
    run.advance_to(Phase::Revision);
    assert_eq!(run.meeting.timer.duration_ms, None);
    assert!(!run.meeting.timer.is_running());
    // The replayed log says the same.
    assert_eq!(Meeting::replay(START, &run.log), run.meeting);
}

#[test]
fn a_phase_move_logged_before_auto_start_replays_with_a_stopped_timer() {
    let old = r#"{"at_ms": 5, "type": "phase_moved", "from": "drafting",
        "to": "silent_reading", "by": {"participant_id": "sara", "display_name": "Sara"}}"#;
    let event: Event = serde_json::from_str(old).expect("an old event parses");
    let meeting = Meeting::replay(0, [&event]);
    assert_eq!(meeting.phase, Phase::SilentReading);
    assert!(!meeting.timer.is_running());
    assert!(
        !serde_json::to_string(&event)
            .unwrap_or_default()
            .contains("timer_started"),
        "and is written back as it was"
    );
}

#[test]
fn the_schedule_follows_the_timer_plans() {
    let mut run = Run::new();
    run.move_to(Phase::SilentReading);
    run.ok(&sre(), CommandKind::ExtendTimer { seconds: 120 });
    let now = run.now;
    let schedule = run.meeting.schedule(now);
    // 17 minutes of reading minus the second the extension took, then 15.
    assert_eq!(schedule.phase_left_ms, Some(17 * 60_000 - 1000));
    assert_eq!(schedule.meeting_left_ms, Some(32 * 60_000 - 1000));
    assert_eq!(schedule.next, Some(Phase::QAndA));
    assert_eq!(schedule.next_planned_ms, Some(8 * 60_000));
    assert!(run.meeting.schedule(now + 17 * 60_000).time_up);
}

#[test]
fn going_back_a_phase_gives_back_its_spotlight_and_the_time_it_had_left() {
    let mut run = Run::new();
    // Auto-start off: these timers run only when the facilitator starts them.
    run.ok(&sre(), CommandKind::SetTimerAutoStart { on: false });
    let q = run.post(&reader(), question("Why EC2?"));
    run.advance_to(Phase::QAndA);
    run.ok(&sre(), CommandKind::StartTimer { seconds: None });
    run.ok(
        &sre(),
        CommandKind::Spotlight {
            comment_id: q.clone(),
        },
    );
    // One second per command: the Q&A timer has run 2 s when the meeting
    // moves on (the spotlight, then the move).
    run.move_to(Phase::Proposals);
    assert_eq!(run.meeting.spotlight, None, "proposals have no spotlight");
    run.now += 60_000;
    run.move_to(Phase::QAndA);
    assert_eq!(run.meeting.spotlight.as_deref(), Some(q.as_str()));
    assert!(run.meeting.timer.is_running(), "it was running when left");
    assert_eq!(
        run.meeting.timer.remaining_ms(run.now),
        Some(8 * 60_000 - 2_000),
        "the minute spent in proposals is not taken from Q&A"
    );
    // Going forward again gives proposals back their own (unstarted) timer.
    run.move_to(Phase::Proposals);
    assert!(!run.meeting.timer.is_running());
    assert_eq!(run.meeting.timer.remaining_ms(run.now), Some(4 * 60_000));
    // A replay rebuilds the same state.
    assert_eq!(Meeting::replay(START, &run.log), run.meeting);
}

#[test]
fn a_phase_left_paused_stays_paused_on_return() {
    let mut run = Run::new();
    // Auto-start off: these timers run only when the facilitator starts them.
    run.ok(&sre(), CommandKind::SetTimerAutoStart { on: false });
    run.advance_to(Phase::SilentReading);
    run.ok(&sre(), CommandKind::StartTimer { seconds: None });
    run.ok(&sre(), CommandKind::PauseTimer);
    run.move_to(Phase::QAndA);
    run.move_to(Phase::SilentReading);
    assert!(!run.meeting.timer.is_running());
    assert_eq!(
        run.meeting.timer.remaining_ms(run.now + 99_000),
        Some(15 * 60_000 - 1_000)
    );
    assert_eq!(run.meeting.spotlight, None);
}
