//! A whole meeting, its replay, its JSON, and retries.

use super::*;

#[test]
fn a_whole_meeting_from_drafting_to_published() {
    let mut run = Run::new();

    // An early reader comments on the draft before the meeting.
    let why_ec2 = run.post(
        &reader(),
        question("Why not RDS/Aurora instead of MySQL on EC2?"),
    );

    run.move_to(Phase::SilentReading);
    assert!(run.meeting.timer.is_running(), "started with the phase");
    assert_eq!(run.meeting.timer.duration_ms, Some(15 * 60 * 1000));
    let diagram = run.post(
        &sre(),
        suggestion("Add a sequence diagram of the failover."),
    );
    let alerting = run.post(&reader(), suggestion("Alert on disk at 80%."));
    run.ok(
        &reader(),
        CommandKind::Reply {
            comment_id: why_ec2.clone(),
            text: "Same question here.".into(),
        },
    );
    run.ok(&reader(), CommandKind::MarkDoneReading);
    let progress = run
        .meeting
        .reading_progress(&here(&[reader(), author(), sre(), reader()]));
    assert_eq!((progress.done, progress.present), (1, 1));
    run.ok(&sre(), CommandKind::ExtendTimer { seconds: 120 });
    assert_eq!(run.meeting.timer.duration_ms, Some(17 * 60 * 1000));

    run.move_to(Phase::QAndA);
    assert_eq!(
        run.meeting.timer,
        Timer {
            running_since_ms: Some(run.now),
            ..Timer::for_phase(Phase::QAndA)
        },
        "a fresh timer, started with the phase"
    );
    run.ok(
        &sre(),
        CommandKind::Spotlight {
            comment_id: why_ec2.clone(),
        },
    );
    assert_eq!(run.meeting.spotlight.as_deref(), Some(why_ec2.as_str()));
    run.ok(
        &author(),
        CommandKind::AnswerQuestion {
            comment_id: why_ec2.clone(),
            text: "  We needed a storage plugin RDS lacked.  ".into(),
        },
    );
    let answered = run.meeting.comment(&why_ec2).expect("question");
    let answer = answered.answer.as_ref().expect("answer");
    assert_eq!(answer.text, "We needed a storage plugin RDS lacked.");
    assert_eq!(answer.by.display_name, "aki the author");
    assert_eq!(
        qa_entry_markdown(&answered.text, &answer.text),
        "- **Q:** Why not RDS/Aurora instead of MySQL on EC2?\n  **A:** We needed a storage plugin RDS lacked.\n"
    );

    run.move_to(Phase::Proposals);
    assert_eq!(
        run.meeting.spotlight, None,
        "leaving Q&A clears the spotlight"
    );
    run.ok(
        &author(),
        CommandKind::AcceptSuggestion {
            comment_id: diagram.clone(),
        },
    );
    run.ok(
        &sre(),
        CommandKind::DeclineSuggestion {
            comment_id: alerting.clone(),
            reason: "Already alerting at 75%; the alert was muted.".into(),
        },
    );

    run.move_to(Phase::Kudos);
    run.ok(
        &reader(),
        CommandKind::PostKudos {
            to: "Kenji".into(),
            text: "Found the full disk in four minutes.".into(),
        },
    );

    run.move_to(Phase::Revision);
    assert_eq!(run.meeting.revision_todos().len(), 1);
    run.ok(
        &author(),
        CommandKind::Resolve {
            comment_id: diagram.clone(),
            note: Some("Diagram added under Timeline.".into()),
        },
    );
    run.ok(
        &author(),
        CommandKind::Resolve {
            comment_id: why_ec2.clone(),
            note: None,
        },
    );
    assert!(run.meeting.revision_todos().is_empty());
    run.ok(
        &reader(),
        CommandKind::AnswerSurvey {
            ratings: ratings(5, 3, 4),
            comment: Some("More time for Q&A, please.".into()),
        },
    );

    run.move_to(Phase::Published);
    let published = run.meeting.published.as_ref().expect("publication");
    assert_eq!(published.by.participant_id, "sara");

    assert_eq!(
        run.meeting.counts(),
        Counts {
            comments: 3,
            questions: 1,
            open_questions: 0,
            suggestions: 2,
            accepted: 1,
            declined: 1,
            resolved: 2,
            kudos: 1,
            survey_answers: 1,
        }
    );
    let phases: Vec<Phase> = run.meeting.history.iter().map(|e| e.phase).collect();
    assert_eq!(phases, Phase::ALL.to_vec());
    let durations = run.meeting.phase_durations(run.now + 5000);
    assert!(durations.iter().all(|d| d.visits == 1));
    let total: u64 = durations.iter().map(|d| d.total_ms).sum();
    assert_eq!(total, run.now + 5000 - START);
}

#[test]
fn replaying_the_events_rebuilds_the_same_meeting() {
    let mut run = Run::new();
    let q = run.post(&reader(), question("Why EC2?"));
    run.advance_to(Phase::QAndA);
    run.ok(&sre(), CommandKind::StartTimer { seconds: None });
    run.ok(&sre(), CommandKind::PauseTimer);
    run.ok(
        &sre(),
        CommandKind::Spotlight {
            comment_id: q.clone(),
        },
    );
    run.ok(
        &sre(),
        CommandKind::AnswerQuestion {
            comment_id: q,
            text: "Cost.".into(),
        },
    );
    run.advance_to(Phase::Revision);
    run.ok(
        &reader(),
        CommandKind::AnswerSurvey {
            ratings: ratings(4, 4, 4),
            comment: None,
        },
    );

    assert_eq!(Meeting::replay(START, &run.log), run.meeting);

    // Through the JSON the server stores, too.
    let stored: Vec<String> = run
        .log
        .iter()
        .map(|e| serde_json::to_string(e).expect("serialises"))
        .collect();
    let loaded: Vec<Event> = stored
        .iter()
        .map(|s| serde_json::from_str(s).expect("deserialises"))
        .collect();
    assert_eq!(loaded, run.log);
    assert_eq!(Meeting::replay(START, &loaded), run.meeting);
    let state = serde_json::to_string(&run.meeting).expect("state serialises");
    assert_eq!(
        serde_json::from_str::<Meeting>(&state).ok(),
        Some(run.meeting)
    );
}

#[test]
fn commands_and_events_read_as_documented() {
    let command: Command =
        serde_json::from_str(r#"{"command_id":"c1","type":"move_phase","to":"q_and_a"}"#)
            .expect("parses");
    assert_eq!(
        command.kind,
        CommandKind::MovePhase {
            to: Phase::QAndA,
            override_reason: None
        }
    );
    let command: Command = serde_json::from_str(
        r#"{"command_id":"c2","type":"answer_survey","ratings":{"questions_easy":5,"time_enough":2,"document_clear":4}}"#,
    )
    .expect("parses");
    assert!(matches!(
        command.kind,
        CommandKind::AnswerSurvey { comment: None, .. }
    ));
    let command: Command =
        serde_json::from_str(r#"{"command_id":"c3","type":"start_timer"}"#).expect("parses");
    assert_eq!(command.kind, CommandKind::StartTimer { seconds: None });
    assert!(serde_json::from_str::<Command>(r#"{"command_id":"c4","type":"launch"}"#).is_err());
    assert!(serde_json::from_str::<Command>(r#"{"type":"pause_timer"}"#).is_err());

    let mut run = Run::new();
    let events = run.ok(
        &sre(),
        CommandKind::MovePhase {
            to: Phase::SilentReading,
            override_reason: None,
        },
    );
    let json = serde_json::to_value(&events[0]).expect("serialises");
    assert_eq!(json["type"], "phase_moved");
    assert_eq!(json["to"], "silent_reading");
    assert_eq!(json["origin"]["participant_id"], "sara");
}

#[test]
fn a_repeated_command_id_adds_nothing() {
    let mut run = Run::new();
    let first = run
        .send_as(&reader(), "retry-me", question("Why EC2?"))
        .expect("ok");
    assert_eq!(first.len(), 1);
    let retry = run
        .send_as(&reader(), "retry-me", question("Why EC2?"))
        .expect("ok");
    assert!(retry.is_empty());
    assert_eq!(run.meeting.comments.len(), 1);
    // Ids are per participant: someone else's "retry-me" is a new command.
    run.send_as(
        &actor("quinn", Role::Participant),
        "retry-me",
        question("Why?"),
    )
    .expect("ok");
    assert_eq!(run.meeting.comments.len(), 2);
    // A refused command leaves no trace, so it can be retried once allowed.
    run.send_as(&reader(), "early", CommandKind::MarkDoneReading)
        .expect_err("drafting");
    run.move_to(Phase::SilentReading);
    let late = run
        .send_as(&reader(), "early", CommandKind::MarkDoneReading)
        .expect("ok");
    assert_eq!(late.len(), 1);
    // The memory of ids survives a replay.
    let replayed = Meeting::replay(START, &run.log);
    assert!(replayed.has_processed("pat", "retry-me"));
}

#[test]
fn error_kinds_map_to_http_statuses() {
    let statuses: Vec<u16> = [
        ErrorKind::BadInput,
        ErrorKind::Forbidden,
        ErrorKind::NotFound,
        ErrorKind::Conflict,
    ]
    .map(ErrorKind::http_status)
    .to_vec();
    assert_eq!(statuses, [400, 403, 404, 409]);
}
