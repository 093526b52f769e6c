//! The meeting's stories, told through `decide` and `apply`; this file
//! holds the fixtures (people, a draft, a `Run` with a log and a clock).

mod comments;
mod dismissals;
mod phases;
mod story;
mod suggesting;
mod survey;
mod threads;

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
        team: None,
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

/// The people in the meeting room, as the server reports them.
fn here(actors: &[Actor]) -> Vec<Present> {
    actors
        .iter()
        .map(|a| Present {
            participant_id: a.participant_id.clone(),
            display_name: a.display_name.clone(),
            role: a.role,
            team: a.team.clone(),
        })
        .collect()
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
        self.ok(
            &sre(),
            CommandKind::MovePhase {
                to,
                override_reason: None,
            },
        );
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
