//! Questions, suggestions and their answers, decisions and resolutions.

use super::*;

#[test]
fn empty_or_oversized_text_is_bad_input() {
    let mut run = Run::new();
    assert_eq!(run.refused(&reader(), question("   ")), ErrorKind::BadInput);
    assert_eq!(
        run.refused(
            &reader(),
            question(&"x".repeat(crate::limits::MAX_TEXT_CHARS + 1))
        ),
        ErrorKind::BadInput
    );
    run.post(
        &reader(),
        question(&"字".repeat(crate::limits::MAX_TEXT_CHARS)),
    );
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

fn edit(id: &str, base: &str, text: &str) -> CommandKind {
    CommandKind::EditAnswer {
        comment_id: id.into(),
        text: text.into(),
        base: base.into(),
    }
}

#[test]
fn the_second_answer_is_refused_and_can_be_added_to_the_first() {
    let mut run = Run::new();
    let q = run.post(&reader(), question("Why EC2?"));
    run.advance_to(Phase::QAndA);
    let answer = |text: &str| CommandKind::AnswerQuestion {
        comment_id: q.clone(),
        text: text.into(),
    };
    // The facilitator's one-liner and the author's long answer, at once.
    run.ok(&sre(), answer("Cost."));
    assert_eq!(
        run.refused(&author(), answer("RDS was 3x the price in 2019.")),
        ErrorKind::Conflict
    );
    // The author appends theirs to what was recorded.
    let events = run.ok(
        &author(),
        edit(&q, "Cost.", "Cost.\n\nRDS was 3x the price in 2019."),
    );
    assert!(matches!(
        &events[0].change,
        Change::AnswerEdited { previous, by, .. }
            if previous == "Cost." && by.participant_id == "aki"
    ));
    let answer = run.meeting.comments[0].answer.as_ref().expect("answered");
    assert_eq!(answer.text, "Cost.\n\nRDS was 3x the price in 2019.");
    assert_eq!(answer.by.participant_id, "sara", "still recorded by sara");
    assert_eq!(
        answer.editors_line().as_deref(),
        Some("aki the author"),
        "and edited by aki"
    );
}

#[test]
fn an_answer_names_each_other_person_who_edited_it_once() {
    let mut run = Run::new();
    let q = run.post(&reader(), question("Why EC2?"));
    run.advance_to(Phase::QAndA);
    run.ok(
        &sre(),
        CommandKind::AnswerQuestion {
            comment_id: q.clone(),
            text: "Cost.".into(),
        },
    );
    run.ok(&sre(), edit(&q, "Cost.", "Cost, in 2019."));
    let answer = |run: &Run| run.meeting.comments[0].answer.clone().expect("answered");
    assert!(
        answer(&run).edited_by.is_empty(),
        "its recorder is no editor"
    );
    assert_eq!(answer(&run).editors_line(), None);
    run.ok(&author(), edit(&q, "Cost, in 2019.", "Cost: RDS was 3x."));
    run.ok(
        &author(),
        edit(&q, "Cost: RDS was 3x.", "Cost: RDS was 3x then."),
    );
    let answer = answer(&run);
    assert_eq!(answer.by.participant_id, "sara");
    let editors: Vec<&str> = answer
        .edited_by
        .iter()
        .map(|p| p.participant_id.as_str())
        .collect();
    assert_eq!(editors, ["aki"], "named once however often they edit");
}

#[test]
fn an_answer_stored_before_editors_were_kept_still_loads() {
    let stored =
        r#"{"text":"Cost.","by":{"participant_id":"sara","display_name":"Sara"},"at_ms":5}"#;
    let answer: crate::comment::Answer = serde_json::from_str(stored).expect("old answers load");
    assert!(answer.edited_by.is_empty());
    let written = serde_json::to_string(&answer).expect("serialises");
    assert!(
        !written.contains("edited_by"),
        "nothing new written for nobody: {written}"
    );
}

#[test]
fn an_edit_based_on_an_old_answer_is_refused_so_nothing_is_overwritten_unseen() {
    let mut run = Run::new();
    let q = run.post(&reader(), question("Why EC2?"));
    run.advance_to(Phase::QAndA);
    assert_eq!(
        run.refused(&author(), edit(&q, "", "Cost.")),
        ErrorKind::Conflict,
        "nothing recorded to edit"
    );
    run.ok(
        &sre(),
        CommandKind::AnswerQuestion {
            comment_id: q.clone(),
            text: "Cost.".into(),
        },
    );
    run.ok(&sre(), edit(&q, "Cost.", "Cost, mostly."));
    assert_eq!(
        run.refused(&author(), edit(&q, "Cost.", "Cost and habit.")),
        ErrorKind::Conflict
    );
    assert_eq!(
        run.refused(&author(), edit(&q, "Cost, mostly.", " ")),
        ErrorKind::BadInput
    );
    assert_eq!(
        run.ok(&author(), edit(&q, "Cost, mostly.", "Cost, mostly.")),
        Vec::new(),
        "the same text changes nothing"
    );
    assert_eq!(
        run.refused(&reader(), edit(&q, "Cost, mostly.", "No.")),
        ErrorKind::Forbidden
    );
    run.advance_to(Phase::Revision);
    run.ok(&author(), edit(&q, "Cost, mostly.", "Cost; see the table."));
    run.move_to(Phase::Published);
    assert_eq!(
        run.refused(&author(), edit(&q, "Cost; see the table.", "x")),
        ErrorKind::Forbidden
    );
    assert_eq!(Meeting::replay(START, &run.log), run.meeting);
}
