//! Suggesting mode (a suggestion with replacement words, accepted and
//! undone) and action items, through `decide` and `apply`.

use super::*;
use crate::action_item::ActionStatus;

fn replace(words: &str, replacement: &str) -> CommandKind {
    CommandKind::SuggestReplacement {
        anchor: anchor_on(words),
        text: "say what filled it".into(),
        replacement: replacement.into(),
    }
}

fn accept(id: &str) -> CommandKind {
    CommandKind::AcceptSuggestion {
        comment_id: id.into(),
    }
}

fn undo(id: &str) -> CommandKind {
    CommandKind::UndoAcceptSuggestion {
        comment_id: id.into(),
    }
}

fn add_item(title: &str, owner: &str, due: Option<&str>, from: Option<&str>) -> CommandKind {
    CommandKind::AddActionItem {
        title: title.into(),
        owner: owner.into(),
        due: due.map(str::to_owned),
        comment_id: from.map(str::to_owned),
    }
}

#[test]
fn a_suggestion_can_carry_replacement_words_and_a_plain_one_stays_possible() {
    let mut run = Run::new();
    run.advance_to(Phase::SilentReading);
    let with = run.post(
        &reader(),
        replace("The disk filled up", "The binlog 😀 filled the disk "),
    );
    let plain = run.post(&reader(), suggestion("Add a diagram"));
    let with = run.meeting.comment(&with).expect("posted").clone();
    assert_eq!(with.kind, CommentKind::Suggestion);
    assert_eq!(with.anchor.quote, "The disk filled up");
    // Kept as typed: the trailing space is part of the words.
    assert_eq!(
        with.replacement.as_deref(),
        Some("The binlog 😀 filled the disk ")
    );
    assert_eq!(
        run.meeting.comment(&plain).expect("posted").replacement,
        None
    );
    assert_eq!(run.meeting.counts().suggestions, 2);
    // Empty replacement words suggest deleting the selected ones.
    let deletion = run.post(&reader(), replace("The disk filled up", ""));
    assert_eq!(
        run.meeting
            .comment(&deletion)
            .expect("posted")
            .replacement
            .as_deref(),
        Some("")
    );
}

#[test]
fn replacement_words_must_say_something_new() {
    let mut run = Run::new();
    run.advance_to(Phase::SilentReading);
    for bad in ["  ", "The disk filled up"] {
        assert_eq!(
            run.refused(&reader(), replace("The disk filled up", bad)),
            ErrorKind::BadInput,
            "{bad:?}"
        );
    }
    let long = "字".repeat(crate::limits::MAX_REPLACEMENT_CHARS + 1);
    assert_eq!(
        run.refused(&reader(), replace("The disk filled up", &long)),
        ErrorKind::BadInput
    );
    // Only those who may comment may suggest words.
    assert_eq!(
        run.refused(&viewer(), replace("The disk filled up", "x")),
        ErrorKind::Forbidden
    );
    assert!(run.meeting.comments.is_empty());
}

#[test]
fn an_acceptance_can_be_undone_and_decided_again() {
    let mut run = Run::new();
    run.advance_to(Phase::SilentReading);
    let id = run.post(
        &reader(),
        replace("The disk filled up", "The binlog filled the disk"),
    );
    run.advance_to(Phase::Proposals);
    // Nothing to undo before it is accepted.
    assert_eq!(run.refused(&author(), undo(&id)), ErrorKind::Conflict);
    run.ok(&author(), accept(&id));
    assert!(run.meeting.comment(&id).expect("there").is_accepted());
    // Participants neither decide nor undo.
    assert_eq!(run.refused(&reader(), undo(&id)), ErrorKind::Forbidden);
    let events = run.ok(&author(), undo(&id));
    assert!(matches!(
        events.as_slice(),
        [Event {
            change: Change::SuggestionAcceptUndone { .. },
            ..
        }]
    ));
    let comment = run.meeting.comment(&id).expect("there");
    assert_eq!(comment.decision, None, "undecided again");
    assert_eq!(run.meeting.counts().accepted, 0);
    run.ok(&sre(), accept(&id));
    assert!(run.meeting.comment(&id).expect("there").is_accepted());
    // Once resolved in the revision, the acceptance stays.
    run.advance_to(Phase::Revision);
    run.ok(
        &author(),
        CommandKind::Resolve {
            comment_id: id.clone(),
            note: None,
        },
    );
    assert_eq!(run.refused(&author(), undo(&id)), ErrorKind::Conflict);
    assert_eq!(Meeting::replay(START, &run.log), run.meeting);
}

#[test]
fn undoing_an_acceptance_follows_the_permission_table() {
    for phase in Phase::ALL {
        for who in [sre(), author(), reader(), viewer()] {
            let mut run = Run::new();
            run.advance_to(Phase::SilentReading);
            let id = run.post(
                &reader(),
                replace("The disk filled up", "The binlog filled the disk"),
            );
            run.advance_to(Phase::Proposals);
            run.ok(&author(), accept(&id));
            if phase < Phase::Proposals {
                continue;
            }
            run.advance_to(phase);
            let result = run.send(&who, undo(&id));
            let may = allowed(who.role, phase, crate::permission::Action::DecideSuggestion);
            assert_eq!(result.is_ok(), may, "{} in {phase}", who.role);
        }
    }
}

#[test]
fn an_accepted_suggestion_becomes_an_action_item_with_owner_due_date_and_status() {
    let mut run = Run::new();
    run.advance_to(Phase::SilentReading);
    let id = run.post(
        &reader(),
        replace("The disk filled up", "The binlog filled the disk"),
    );
    run.advance_to(Phase::Proposals);
    run.ok(&author(), accept(&id));
    run.ok(
        &author(),
        add_item(
            " Alert on binlog growth ",
            "佐藤",
            Some("2026-12-24"),
            Some(&id),
        ),
    );
    let item = run.meeting.action_items[0].clone();
    assert_eq!(item.title, "Alert on binlog growth");
    assert_eq!(item.owner, "佐藤");
    assert_eq!(item.due.as_deref(), Some("2026-12-24"));
    assert_eq!(item.status, ActionStatus::Open);
    assert_eq!(item.comment_id.as_deref(), Some(id.as_str()));
    assert_eq!(item.by.participant_id, "aki");
    // A countermeasure decided in the room needs no suggestion.
    run.ok(
        &sre(),
        add_item("Game day for disk full", "Kim", None, None),
    );
    run.advance_to(Phase::Revision);
    run.ok(
        &author(),
        CommandKind::EditActionItem {
            action_item_id: item.id.clone(),
            title: item.title.clone(),
            owner: "佐藤・鈴木".into(),
            due: Some("2027-01-15".into()),
            status: ActionStatus::InProgress,
        },
    );
    let edited = run.meeting.action_item(&item.id).expect("there");
    assert_eq!(edited.owner, "佐藤・鈴木");
    assert_eq!(edited.due.as_deref(), Some("2027-01-15"));
    assert_eq!(edited.status, ActionStatus::InProgress);
    assert_eq!(edited.at_ms, item.at_ms, "added when it was added");
    // The same fields again change nothing and leave no event.
    let same = CommandKind::EditActionItem {
        action_item_id: item.id.clone(),
        title: item.title.clone(),
        owner: "佐藤・鈴木".into(),
        due: Some("2027-01-15".into()),
        status: ActionStatus::InProgress,
    };
    assert!(run.ok(&sre(), same).is_empty());
    assert_eq!(Meeting::replay(START, &run.log), run.meeting);
    assert_eq!(
        run.meeting.public_view().action_items,
        run.meeting.action_items
    );
}

#[test]
fn bad_action_items_are_refused_and_change_nothing() {
    let mut run = Run::new();
    run.advance_to(Phase::SilentReading);
    let id = run.post(&reader(), suggestion("Add a diagram"));
    run.advance_to(Phase::Proposals);
    run.ok(
        &author(),
        CommandKind::DeclineSuggestion {
            comment_id: id.clone(),
            reason: "out of scope".into(),
        },
    );
    for (kind, expected) in [
        (add_item(" ", "Kim", None, None), ErrorKind::BadInput),
        (add_item("Fix it", " ", None, None), ErrorKind::BadInput),
        (
            add_item("Fix it", "Kim", Some("next week"), None),
            ErrorKind::BadInput,
        ),
        (
            add_item("Fix it", "Kim", Some("2026-02-30"), None),
            ErrorKind::BadInput,
        ),
        (
            add_item("Fix it", "Kim", None, Some("nope")),
            ErrorKind::NotFound,
        ),
        (
            add_item("Fix it", "Kim", None, Some(&id)),
            ErrorKind::Conflict,
        ),
    ] {
        assert_eq!(run.refused(&author(), kind.clone()), expected, "{kind:?}");
    }
    let missing = CommandKind::EditActionItem {
        action_item_id: "nope".into(),
        title: "x".into(),
        owner: "y".into(),
        due: None,
        status: ActionStatus::Done,
    };
    assert_eq!(run.refused(&sre(), missing), ErrorKind::NotFound);
    assert!(run.meeting.action_items.is_empty());
}

#[test]
fn action_items_follow_the_permission_table() {
    for phase in Phase::ALL {
        for who in [sre(), author(), reader(), viewer()] {
            let mut run = Run::new();
            run.advance_to(phase);
            let result = run.send(&who, add_item("Fix it", "Kim", None, None));
            let may = allowed(
                who.role,
                phase,
                crate::permission::Action::ManageActionItems,
            );
            assert_eq!(result.is_ok(), may, "{} in {phase}", who.role);
            assert_eq!(run.meeting.action_items.len(), usize::from(may));
        }
    }
}
