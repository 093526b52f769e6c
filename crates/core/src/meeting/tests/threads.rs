//! Threads like a document editor's: everyone edits or deletes what they
//! wrote until it is answered or decided, authors reply, readers +1
//! questions.

use super::*;
use crate::permission::Action;

fn edit(id: &str, text: &str) -> CommandKind {
    CommandKind::EditComment {
        comment_id: id.into(),
        reply_id: None,
        text: text.into(),
    }
}

fn edit_reply(id: &str, reply: &str, text: &str) -> CommandKind {
    CommandKind::EditComment {
        comment_id: id.into(),
        reply_id: Some(reply.into()),
        text: text.into(),
    }
}

fn delete(id: &str) -> CommandKind {
    CommandKind::DeleteComment {
        comment_id: id.into(),
        reply_id: None,
    }
}

fn delete_reply(id: &str, reply: &str) -> CommandKind {
    CommandKind::DeleteComment {
        comment_id: id.into(),
        reply_id: Some(reply.into()),
    }
}

fn reply(id: &str, text: &str) -> CommandKind {
    CommandKind::Reply {
        comment_id: id.into(),
        text: text.into(),
    }
}

fn vote(id: &str) -> CommandKind {
    CommandKind::Vote {
        comment_id: id.into(),
    }
}

fn unvote(id: &str) -> CommandKind {
    CommandKind::Unvote {
        comment_id: id.into(),
    }
}

fn answer(id: &str, text: &str) -> CommandKind {
    CommandKind::AnswerQuestion {
        comment_id: id.into(),
        text: text.into(),
    }
}

impl Run {
    /// Replies and returns the new reply's id.
    fn reply(&mut self, actor: &Actor, id: &str, text: &str) -> String {
        match self.ok(actor, reply(id, text)).as_slice() {
            [Event {
                change: Change::Replied { reply_id, .. },
                ..
            }] => reply_id.clone(),
            other => panic!("expected one replied, got {other:?}"),
        }
    }
}

/// Who may change what they wrote, and +1 questions, in which phase, as
/// `decide` enforces it (f facilitator, a author, p participant, v viewer;
/// `-` nobody). Written independently of the permission table.
const WHO_MAY: &str = "
    what     dra  sil  qa   pro  kud  rev  pub
    reply    fap  fap  fap  fap  fap  fap  -
    edit     fap  fap  fap  fap  fap  fap  -
    delete   fap  fap  fap  fap  fap  fap  -
    vote     p    p    p    -    -    -    -
";

/// Whether `who` may do `what` in `phase`: each try on a fresh meeting
/// where `who` wrote something of their own while drafting (a question, or
/// for the author who only replies, a reply to Pat's question).
fn may(what: &str, who: &Actor, phase: Phase) -> bool {
    let mut run = Run::new();
    let pats = run.post(&reader(), question("Why EC2?"));
    let sara = actor("sara2", Role::Facilitator);
    let other = run.post(&sara, question("Why MySQL?"));
    let (comment, reply_id) = if allowed(who.role, Phase::Drafting, Action::Comment) {
        (run.post(who, question("Is the disk monitored?")), None)
    } else if allowed(who.role, Phase::Drafting, Action::Reply) {
        let id = run.reply(who, &pats, "Yes, since 2023.");
        (pats.clone(), Some(id))
    } else {
        (pats.clone(), None)
    };
    run.advance_to(phase);
    let kind = match (what, reply_id) {
        ("reply", _) => reply(&pats, "Good point."),
        ("edit", Some(r)) => edit_reply(&comment, &r, "Yes, since March 2023."),
        ("edit", None) => edit(&comment, "Is the disk space monitored?"),
        ("delete", Some(r)) => delete_reply(&comment, &r),
        ("delete", None) => delete(&comment),
        ("vote", _) => vote(&other),
        _ => unreachable!("{what}"),
    };
    match run.send(who, kind) {
        Ok(events) => {
            assert_eq!(events.len(), 1, "{what} by {} in {phase}", who.role);
            true
        }
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::Forbidden, "{what} {e}");
            false
        }
    }
}

#[test]
fn who_may_reply_edit_delete_and_vote_in_each_phase() {
    let mut rows = WHO_MAY.trim().lines().skip(1);
    for what in ["reply", "edit", "delete", "vote"] {
        let row = rows.next().expect("a row");
        let mut cells = row.split_whitespace();
        assert_eq!(cells.next(), Some(what));
        for phase in Phase::ALL {
            let cell = cells.next().expect("a cell per phase");
            for (who, initial) in [
                (sre(), 'f'),
                (author(), 'a'),
                (reader(), 'p'),
                (viewer(), 'v'),
            ] {
                assert_eq!(
                    may(what, &who, phase),
                    cell.contains(initial),
                    "{} {what} in {phase}",
                    who.role
                );
            }
        }
    }
    assert_eq!(rows.next(), None);
}

#[test]
fn an_author_replies_in_a_thread() {
    let mut run = Run::new();
    let q = run.post(&reader(), question("Why EC2?"));
    run.advance_to(Phase::SilentReading);
    run.reply(&author(), &q, "We wanted a MySQL plugin RDS lacked.");
    let thread = &run.meeting.comment(&q).expect("question").replies;
    assert_eq!(thread.len(), 1);
    assert_eq!(thread[0].author.participant_id, "aki");
}

#[test]
fn an_edit_replaces_the_text_and_is_marked_with_its_time() {
    let mut run = Run::new();
    let q = run.post(&reader(), question("Why EC2"));
    assert_eq!(run.meeting.comments[0].edited_at_ms, None);
    let events = run.ok(&reader(), edit(&q, "  Why EC2 and not RDS?  "));
    let comment = run.meeting.comment(&q).expect("question");
    assert_eq!(comment.text, "Why EC2 and not RDS?");
    assert_eq!(comment.edited_at_ms, Some(events[0].at_ms));
    // The same text again is no change, and no event.
    assert!(run
        .ok(&reader(), edit(&q, "Why EC2 and not RDS?"))
        .is_empty());
    assert_eq!(run.refused(&reader(), edit(&q, " ")), ErrorKind::BadInput);

    let r = run.reply(&reader(), &q, "I mean Aurora too");
    run.ok(&reader(), edit_reply(&q, &r, "I mean Aurora too."));
    let reply = &run.meeting.comment(&q).expect("question").replies[0];
    assert_eq!(reply.text, "I mean Aurora too.");
    assert!(reply.edited_at_ms.is_some());
}

#[test]
fn nobody_edits_or_deletes_what_someone_else_wrote() {
    let mut run = Run::new();
    let q = run.post(&reader(), question("Why EC2?"));
    let r = run.reply(&sre(), &q, "Good question.");
    let before = run.meeting.clone();
    // Another participant, the facilitator and the author are all refused.
    let kim = actor("kim", Role::Participant);
    for who in [&kim, &sre(), &author()] {
        assert_eq!(
            run.refused(who, edit(&q, "Why not EC2?")),
            ErrorKind::Forbidden
        );
        assert_eq!(run.refused(who, delete(&q)), ErrorKind::Forbidden);
    }
    assert_eq!(
        run.refused(&reader(), edit_reply(&q, &r, "Bad question.")),
        ErrorKind::Forbidden
    );
    assert_eq!(
        run.refused(&reader(), delete_reply(&q, &r)),
        ErrorKind::Forbidden
    );
    // A name is not an identity: the same display name, another person.
    let impostor = Actor {
        participant_id: "not-pat".into(),
        ..reader()
    };
    assert_eq!(run.refused(&impostor, delete(&q)), ErrorKind::Forbidden);
    assert_eq!(
        run.refused(&reader(), edit_reply(&q, "no-such-reply", "x")),
        ErrorKind::NotFound
    );
    assert_eq!(
        run.refused(&reader(), edit("no-such-comment", "x")),
        ErrorKind::NotFound
    );
    assert_eq!(run.meeting.comments, before.comments, "nothing changed");
}

#[test]
fn an_answered_question_or_a_decided_suggestion_stays_as_it_was() {
    let mut run = Run::new();
    let q = run.post(&reader(), question("Why EC2?"));
    let s = run.post(&reader(), suggestion("Add a diagram."));
    let early = run.reply(&sre(), &q, "Good question.");
    run.advance_to(Phase::QAndA);
    run.ok(&author(), answer(&q, "Cost."));
    let late = run.reply(&sre(), &q, "Thanks, that helps.");
    run.advance_to(Phase::Proposals);
    run.ok(
        &author(),
        CommandKind::AcceptSuggestion {
            comment_id: s.clone(),
        },
    );
    let before = run.meeting.comments.clone();
    for kind in [
        edit(&q, "Why EC2 really?"),
        delete(&q),
        edit(&s, "Add two diagrams."),
        delete(&s),
    ] {
        assert_eq!(run.refused(&reader(), kind), ErrorKind::Conflict);
    }
    // The reply the answer may rest on stays; one written after it may change.
    assert_eq!(
        run.refused(&sre(), edit_reply(&q, &early, "Bad question.")),
        ErrorKind::Conflict
    );
    assert_eq!(run.meeting.comments, before, "nothing changed");
    run.ok(&sre(), edit_reply(&q, &late, "Thanks, that helps a lot."));
    // Once resolved, the whole thread stays as it is.
    run.advance_to(Phase::Revision);
    run.ok(
        &author(),
        CommandKind::Resolve {
            comment_id: q.clone(),
            note: None,
        },
    );
    assert_eq!(
        run.refused(&sre(), delete_reply(&q, &late)),
        ErrorKind::Conflict
    );
}

#[test]
fn a_deleted_comment_goes_or_leaves_its_thread_behind() {
    let mut run = Run::new();
    let alone = run.post(&reader(), question("Typo?"));
    let q = run.post(&reader(), question("Why EC2?"));
    let r = run.reply(&sre(), &q, "Good question.");
    run.ok(&reader(), delete(&alone));
    assert!(run.meeting.comment(&alone).is_none(), "removed");

    run.ok(&reader(), delete(&q));
    let placeholder = run.meeting.comment(&q).expect("kept for its thread");
    assert!(placeholder.is_deleted());
    assert_eq!(placeholder.text, "", "its words are gone");
    assert_eq!(placeholder.replies.len(), 1);
    assert_eq!(run.meeting.counts().questions, 0);
    assert_eq!(run.meeting.counts().open_questions, 0);
    // Deleting it again changes nothing; nothing else happens to it.
    assert!(run.ok(&reader(), delete(&q)).is_empty());
    assert_eq!(
        run.refused(&reader(), edit(&q, "Back")),
        ErrorKind::Conflict
    );
    assert_eq!(
        run.refused(&sre(), reply(&q, "Hello?")),
        ErrorKind::Conflict
    );
    // Its replies are still their authors'; the last one takes the
    // placeholder with it.
    run.ok(&sre(), edit_reply(&q, &r, "It was a good question."));
    run.ok(&sre(), delete_reply(&q, &r));
    assert!(run.meeting.comments.is_empty());
    assert_eq!(Meeting::replay(START, &run.log), run.meeting);
}

#[test]
fn a_deleted_question_leaves_the_spotlight() {
    let mut run = Run::new();
    let q = run.post(&reader(), question("Why EC2?"));
    run.advance_to(Phase::QAndA);
    run.ok(
        &sre(),
        CommandKind::Spotlight {
            comment_id: q.clone(),
        },
    );
    run.ok(&reader(), delete(&q));
    assert_eq!(run.meeting.spotlight, None);
    assert_eq!(Meeting::replay(START, &run.log), run.meeting);
}

#[test]
fn one_vote_per_person_and_it_can_be_taken_back() {
    let mut run = Run::new();
    let q = run.post(&sre(), question("Why EC2?"));
    let s = run.post(&reader(), suggestion("Add a diagram."));
    let kim = actor("kim", Role::Participant);
    run.ok(&reader(), vote(&q));
    assert!(
        run.ok(&reader(), vote(&q)).is_empty(),
        "a second +1 is none"
    );
    run.ok(&kim, vote(&q));
    let votes = |run: &Run| run.meeting.comment(&q).expect("question").votes.len();
    assert_eq!(votes(&run), 2);
    run.ok(&kim, unvote(&q));
    assert!(run.ok(&kim, unvote(&q)).is_empty(), "nothing to take back");
    assert_eq!(votes(&run), 1);
    assert_eq!(run.refused(&reader(), vote(&s)), ErrorKind::BadInput);
    assert_eq!(run.refused(&reader(), vote("nope")), ErrorKind::NotFound);
    // An answered question takes no more votes.
    run.advance_to(Phase::QAndA);
    run.ok(&author(), answer(&q, "Cost."));
    assert_eq!(run.refused(&kim, vote(&q)), ErrorKind::Conflict);
    assert_eq!(votes(&run), 1);
    assert_eq!(Meeting::replay(START, &run.log), run.meeting);
}

#[test]
fn logs_and_rooms_written_before_threads_still_load() {
    // A comment and a reply as logs held them before edits and votes.
    let posted = serde_json::json!({
        "at_ms": 5, "origin": {"participant_id": "pat", "command_id": "c1"},
        "type": "comment_posted", "comment_id": "q1", "kind": "question",
        "anchor": anchor_on("EC2"), "text": "Why?",
        "author": {"participant_id": "pat", "display_name": "Pat"}
    });
    let replied = serde_json::json!({
        "at_ms": 6, "type": "replied", "comment_id": "q1", "reply_id": "r1",
        "text": "Cost.", "author": {"participant_id": "aki", "display_name": "Aki"}
    });
    let events: Vec<Event> = [posted, replied]
        .into_iter()
        .map(|e| serde_json::from_value(e).expect("an old event"))
        .collect();
    let meeting = Meeting::replay(START, &events);
    let comment = meeting.comment("q1").expect("the comment");
    assert_eq!(comment.edited_at_ms, None);
    assert!(comment.votes.is_empty() && !comment.is_deleted());
    assert_eq!(comment.replies[0].edited_at_ms, None);
    // A room entry written before threads reads too, and a comment nobody
    // edited or voted on is written as it was.
    let mut old = serde_json::to_value(comment).expect("json");
    assert!(old.get("votes").is_none() && old.get("edited_at_ms").is_none());
    old.as_object_mut().expect("object").remove("votes");
    let read: crate::comment::Comment = serde_json::from_value(old).expect("old room entry");
    assert_eq!(&read, comment);
}

#[test]
fn the_new_events_round_trip_through_json() {
    let mut run = Run::new();
    let q = run.post(&reader(), question("Why EC2?"));
    let r = run.reply(&sre(), &q, "Good question.");
    run.ok(&reader(), edit(&q, "Why EC2, not RDS?"));
    run.ok(&sre(), edit_reply(&q, &r, "A good question."));
    run.ok(&reader(), vote(&q));
    run.ok(&actor("kim", Role::Participant), vote(&q));
    run.ok(&actor("kim", Role::Participant), unvote(&q));
    run.ok(&sre(), delete_reply(&q, &r));
    run.ok(&reader(), delete(&q));
    let json = serde_json::to_string(&run.log).expect("json");
    let back: Vec<Event> = serde_json::from_str(&json).expect("events");
    assert_eq!(back, run.log);
    assert_eq!(Meeting::replay(START, &back), run.meeting);
}
