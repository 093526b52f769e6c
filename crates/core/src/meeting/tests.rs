//! The meeting's stories, told through `decide` and `apply`.

use super::*;
use crate::anchor::Anchor;
use crate::comment::{qa_entry_markdown, CommentKind, Outcome};
use crate::document::{new_doc_with_client_id, BODY};
use crate::permission::allowed;
use crate::survey::Ratings;
use yrs::{GetString, Text, Transact};

const DRAFT: &str = "## Cause\nWe run MySQL on EC2. The disk filled up at 03:12.\n";

fn actor(id: &str, role: Role) -> Actor {
    Actor {
        participant_id: id.into(),
        role,
        display_name: format!("{id} the {role}"),
    }
}

fn sre() -> Actor {
    actor("sara", Role::Facilitator)
}
fn author() -> Actor {
    actor("aki", Role::Author)
}
fn reader() -> Actor {
    actor("pat", Role::Participant)
}
fn viewer() -> Actor {
    actor("vic", Role::Viewer)
}

fn anchor_on(words: &str) -> Anchor {
    let doc = new_doc_with_client_id(1);
    let body = doc.get_or_insert_text(BODY);
    body.insert(&mut doc.transact_mut(), 0, DRAFT);
    let txn = doc.transact();
    let text = body.get_string(&txn);
    let byte = text.find(words).expect("words in the draft");
    let start = text[..byte].encode_utf16().count() as u32;
    let end = start + words.encode_utf16().count() as u32;
    Anchor::new(&txn, &body, BODY, start..end).expect("anchor")
}

fn question(text: &str) -> CommandKind {
    CommandKind::PostComment {
        kind: CommentKind::Question,
        anchor: anchor_on("MySQL on EC2"),
        text: text.into(),
    }
}

fn suggestion(text: &str) -> CommandKind {
    CommandKind::PostComment {
        kind: CommentKind::Suggestion,
        anchor: anchor_on("The disk filled up"),
        text: text.into(),
    }
}

fn ratings(q: u8, t: u8, d: u8) -> Ratings {
    Ratings {
        questions_easy: q,
        time_enough: t,
        document_clear: d,
    }
}

/// A meeting with its log, a clock that ticks a second per command and
/// counters for ids.
struct Run {
    meeting: Meeting,
    log: Vec<Event>,
    now: u64,
    next_command: u32,
    next_id: u32,
}

const START: u64 = 1_700_000_000_000;

impl Run {
    fn new() -> Run {
        Run {
            meeting: Meeting::new(START),
            log: Vec::new(),
            now: START,
            next_command: 0,
            next_id: 0,
        }
    }

    fn send_as(
        &mut self,
        actor: &Actor,
        command_id: &str,
        kind: CommandKind,
    ) -> Result<Vec<Event>, MeetingError> {
        self.now += 1000;
        let command = Command {
            command_id: command_id.into(),
            kind,
        };
        let next_id = &mut self.next_id;
        let mut new_id = || {
            *next_id += 1;
            format!("id{next_id}")
        };
        let before = self.meeting.clone();
        let events = self
            .meeting
            .decide(actor, &command, self.now, &mut new_id)?;
        assert_eq!(self.meeting, before, "decide never mutates");
        for event in &events {
            self.meeting.apply(event);
        }
        self.log.extend(events.iter().cloned());
        Ok(events)
    }

    fn send(&mut self, actor: &Actor, kind: CommandKind) -> Result<Vec<Event>, MeetingError> {
        self.next_command += 1;
        let id = format!("cmd{}", self.next_command);
        self.send_as(actor, &id, kind)
    }

    fn ok(&mut self, actor: &Actor, kind: CommandKind) -> Vec<Event> {
        match self.send(actor, kind.clone()) {
            Ok(events) => events,
            Err(e) => panic!("{} {kind:?} refused: {e}", actor.role),
        }
    }

    fn refused(&mut self, actor: &Actor, kind: CommandKind) -> ErrorKind {
        match self.send(actor, kind.clone()) {
            Ok(events) => panic!("{} {kind:?} accepted: {events:?}", actor.role),
            Err(e) => e.kind(),
        }
    }

    /// Posts and returns the new comment's id.
    fn post(&mut self, actor: &Actor, kind: CommandKind) -> String {
        match self.ok(actor, kind).as_slice() {
            [Event {
                change: Change::CommentPosted { comment_id, .. },
                ..
            }] => comment_id.clone(),
            other => panic!("expected one comment_posted, got {other:?}"),
        }
    }

    fn move_to(&mut self, to: Phase) {
        self.ok(&sre(), CommandKind::MovePhase { to });
        assert_eq!(self.meeting.phase, to);
    }

    /// Facilitator walks forward until `to`.
    fn advance_to(&mut self, to: Phase) {
        while self.meeting.phase < to {
            let next = self.meeting.phase.next().expect("a next phase");
            self.move_to(next);
        }
    }
}

#[test]
fn a_whole_meeting_from_drafting_to_published() {
    let mut run = Run::new();

    // An early reader comments on the draft before the meeting.
    let why_ec2 = run.post(
        &reader(),
        question("Why not RDS/Aurora instead of MySQL on EC2?"),
    );

    run.move_to(Phase::SilentReading);
    run.ok(&sre(), CommandKind::StartTimer { seconds: None });
    assert!(run.meeting.timer.is_running());
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
    run.ok(&author(), CommandKind::MarkDoneReading);
    let progress = run.meeting.reading_progress(["pat", "aki", "sara", "pat"]);
    assert_eq!(
        progress,
        ReadingProgress {
            done: 2,
            present: 3
        }
    );
    run.ok(&sre(), CommandKind::ExtendTimer { seconds: 120 });
    assert_eq!(run.meeting.timer.duration_ms, Some(17 * 60 * 1000));

    run.move_to(Phase::QAndA);
    assert_eq!(
        run.meeting.timer,
        Timer::for_phase(Phase::QAndA),
        "a fresh timer"
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
    assert_eq!(command.kind, CommandKind::MovePhase { to: Phase::QAndA });
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
        },
    );
    let json = serde_json::to_value(&events[0]).expect("serialises");
    assert_eq!(json["type"], "phase_moved");
    assert_eq!(json["to"], "silent_reading");
    assert_eq!(json["origin"]["participant_id"], "sara");
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
fn only_the_facilitator_moves_the_phase() {
    let mut run = Run::new();
    for someone in [author(), reader(), viewer()] {
        let to = Phase::SilentReading;
        assert_eq!(
            run.refused(&someone, CommandKind::MovePhase { to }),
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
            let result = run.send(&sre(), CommandKind::MovePhase { to });
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
fn every_command_obeys_the_permission_table() {
    for phase in Phase::ALL {
        for someone in [sre(), author(), reader(), viewer()] {
            let commands = [
                CommandKind::MovePhase {
                    to: phase.next().or(phase.prev()).unwrap_or(phase),
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
fn a_survey_is_answered_once_and_anonymously() {
    let mut run = Run::new();
    run.advance_to(Phase::Revision);
    let events = run.ok(
        &reader(),
        CommandKind::AnswerSurvey {
            ratings: ratings(2, 5, 4),
            comment: Some("Hard to get a word in.".into()),
        },
    );
    let answer = events
        .iter()
        .find(|e| matches!(e.change, Change::SurveyAnswered { .. }))
        .expect("an answer event");
    assert_eq!(answer.origin, None, "the answer does not say whose it is");
    let json = serde_json::to_string(answer).expect("serialises");
    assert!(!json.contains("pat"), "{json}");

    let again = CommandKind::AnswerSurvey {
        ratings: ratings(5, 5, 5),
        comment: None,
    };
    assert_eq!(run.refused(&reader(), again), ErrorKind::Conflict);
    run.ok(
        &actor("quinn", Role::Participant),
        CommandKind::AnswerSurvey {
            ratings: ratings(4, 3, 4),
            comment: None,
        },
    );

    let aggregate = run.meeting.survey_aggregate();
    assert_eq!(aggregate.answers, 2);
    assert_eq!(aggregate.questions[0].mean, Some(3.0));
    assert_eq!(aggregate.comments, ["Hard to get a word in."]);
    let public = run.meeting.public_view();
    assert!(
        public.survey.answers.is_empty(),
        "only the facilitator sees answers"
    );
    assert_eq!(public.survey.answered_by.len(), 2);
}

#[test]
fn the_survey_waits_for_revision_and_is_for_participants() {
    let mut run = Run::new();
    run.advance_to(Phase::Kudos);
    let survey = CommandKind::AnswerSurvey {
        ratings: ratings(3, 3, 3),
        comment: None,
    };
    assert_eq!(run.refused(&reader(), survey.clone()), ErrorKind::Forbidden);
    run.move_to(Phase::Revision);
    assert_eq!(run.refused(&sre(), survey.clone()), ErrorKind::Forbidden);
    assert_eq!(run.refused(&author(), survey), ErrorKind::Forbidden);
}

#[test]
fn ratings_outside_one_to_five_are_bad_input() {
    let mut run = Run::new();
    run.advance_to(Phase::Revision);
    for bad in [ratings(0, 3, 3), ratings(3, 6, 3), ratings(3, 3, 255)] {
        let command = CommandKind::AnswerSurvey {
            ratings: bad,
            comment: None,
        };
        assert_eq!(run.refused(&reader(), command), ErrorKind::BadInput);
    }
    assert!(
        run.meeting.survey.answered_by.is_empty(),
        "a bad answer uses up nothing"
    );
}

#[test]
fn empty_or_oversized_text_is_bad_input() {
    let mut run = Run::new();
    assert_eq!(run.refused(&reader(), question("   ")), ErrorKind::BadInput);
    assert_eq!(
        run.refused(
            &reader(),
            question(&"x".repeat(command::MAX_TEXT_CHARS + 1))
        ),
        ErrorKind::BadInput
    );
    run.post(&reader(), question(&"字".repeat(command::MAX_TEXT_CHARS)));
    let q = run.meeting.comments[0].id.clone();
    let empty_reply = CommandKind::Reply {
        comment_id: q,
        text: "\n".into(),
    };
    assert_eq!(run.refused(&reader(), empty_reply), ErrorKind::BadInput);
    let nameless = Actor {
        display_name: " ".into(),
        ..reader()
    };
    assert_eq!(
        run.refused(&nameless, question("Why?")),
        ErrorKind::BadInput
    );
    let no_command_id = run.send_as(&reader(), "", question("Why?"));
    assert_eq!(
        no_command_id.map_err(|e| e.kind()),
        Err(ErrorKind::BadInput)
    );
}

#[test]
fn a_broken_anchor_is_bad_input() {
    let mut run = Run::new();
    let mut anchor = anchor_on("EC2");
    anchor.end = vec![0xff; 9];
    let kind = CommentKind::Question;
    let text = "Why?".to_string();
    let broken = CommandKind::PostComment {
        kind,
        anchor: anchor.clone(),
        text: text.clone(),
    };
    assert_eq!(run.refused(&reader(), broken), ErrorKind::BadInput);
    let unquoted = Anchor {
        quote: String::new(),
        ..anchor_on("EC2")
    };
    let unquoted = CommandKind::PostComment {
        kind,
        anchor: unquoted,
        text,
    };
    assert_eq!(run.refused(&reader(), unquoted), ErrorKind::BadInput);
}

#[test]
fn a_question_is_answered_once_and_a_suggestion_is_not_answered() {
    let mut run = Run::new();
    let q = run.post(&reader(), question("Why EC2?"));
    let s = run.post(&reader(), suggestion("Add a diagram."));
    run.advance_to(Phase::QAndA);
    let answer = |id: &str| CommandKind::AnswerQuestion {
        comment_id: id.into(),
        text: "Cost.".into(),
    };
    assert_eq!(run.refused(&author(), answer(&s)), ErrorKind::BadInput);
    assert_eq!(
        run.refused(
            &sre(),
            CommandKind::Spotlight {
                comment_id: s.clone()
            }
        ),
        ErrorKind::BadInput
    );
    assert_eq!(run.refused(&author(), answer("nope")), ErrorKind::NotFound);
    run.ok(&author(), answer(&q));
    assert_eq!(run.refused(&sre(), answer(&q)), ErrorKind::Conflict);
    run.move_to(Phase::Proposals);
    assert_eq!(
        run.refused(&author(), CommandKind::AcceptSuggestion { comment_id: q }),
        ErrorKind::BadInput
    );
}

#[test]
fn a_suggestion_is_declined_only_with_a_reason_and_decided_once() {
    let mut run = Run::new();
    let s = run.post(&reader(), suggestion("Add a diagram."));
    run.advance_to(Phase::Proposals);
    let decline = |reason: &str| CommandKind::DeclineSuggestion {
        comment_id: s.clone(),
        reason: reason.into(),
    };
    assert_eq!(run.refused(&author(), decline("  ")), ErrorKind::BadInput);
    run.ok(&author(), decline("The timeline already shows it."));
    let decision = run.meeting.comments[0].decision.as_ref().expect("decided");
    assert_eq!(
        decision.outcome,
        Outcome::Declined {
            reason: "The timeline already shows it.".into()
        }
    );
    assert_eq!(
        run.refused(
            &sre(),
            CommandKind::AcceptSuggestion {
                comment_id: s.clone()
            }
        ),
        ErrorKind::Conflict
    );
    assert_eq!(run.refused(&reader(), decline("No.")), ErrorKind::Forbidden);
}

#[test]
fn a_comment_is_resolved_once_with_an_optional_note() {
    let mut run = Run::new();
    let q = run.post(&reader(), question("Why EC2?"));
    run.advance_to(Phase::Revision);
    let resolve = |note: Option<&str>| CommandKind::Resolve {
        comment_id: q.clone(),
        note: note.map(str::to_owned),
    };
    assert_eq!(run.refused(&reader(), resolve(None)), ErrorKind::Forbidden);
    run.ok(&author(), resolve(Some("   ")));
    assert_eq!(
        run.meeting.comments[0]
            .resolution
            .as_ref()
            .map(|r| r.note.clone()),
        Some(None)
    );
    assert_eq!(
        run.refused(&sre(), resolve(Some("again"))),
        ErrorKind::Conflict
    );
    assert_eq!(run.meeting.counts().resolved, 1);
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
                seconds: Some(command::MAX_TIMER_SECS + 1)
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
fn kudos_name_a_person_and_what_they_did() {
    let mut run = Run::new();
    run.advance_to(Phase::Kudos);
    let kudos = |to: &str, text: &str| CommandKind::PostKudos {
        to: to.into(),
        text: text.into(),
    };
    assert_eq!(
        run.refused(&reader(), kudos("", "Calm.")),
        ErrorKind::BadInput
    );
    assert_eq!(
        run.refused(&reader(), kudos("Kenji", "")),
        ErrorKind::BadInput
    );
    run.ok(&reader(), kudos(" Kenji ", "Kept the channel calm."));
    let card = &run.meeting.kudos[0];
    assert_eq!(
        (card.to.as_str(), card.from.display_name.as_str()),
        ("Kenji", "pat the participant")
    );
    run.move_to(Phase::Revision);
    assert_eq!(
        run.refused(&reader(), kudos("Kenji", "Late.")),
        ErrorKind::Forbidden
    );
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
