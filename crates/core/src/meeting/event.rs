//! Events: what happened, as stored in the meeting's log and replayed.
//!
//! An event is a time, an optional origin (who sent the command and its id,
//! which makes retries idempotent) and a `type` with its fields, all at the
//! top level of its JSON:
//!
//! ```json
//! {"at_ms": 1700000000000, "origin": {"participant_id": "p1", "command_id": "7f3a…"},
//!  "type": "phase_moved", "from": "silent_reading", "to": "q_and_a", "by": {…}}
//! ```
//!
//! Events hold everything [`super::Meeting::apply`] needs (generated ids,
//! trimmed texts), so replaying a log never calls a clock or an id source.
//! The survey's answer is the one event without an origin: who answered is
//! recorded by a separate `survey_taken` event.

use crate::action_item::ActionStatus;
use crate::anchor::Anchor;
use crate::comment::{CommentKind, Person};
use crate::phase::Phase;
use crate::readiness::Rule;
use crate::role::Role;
use crate::survey::Ratings;
use serde::{Deserialize, Serialize};

/// One thing that happened in the meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    pub at_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
    #[serde(flatten)]
    pub change: Change,
}

/// The command an event came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Origin {
    pub participant_id: String,
    pub command_id: String,
    /// The sender's role and name then: who took part, for the published
    /// case (absent from logs written before they were recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The sender's team then, if they gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
}

/// The change an event makes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Change {
    PhaseMoved {
        from: Phase,
        to: Phase,
        by: Person,
        /// Publishing with readiness findings left: the facilitator's reason.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        override_reason: Option<String>,
        /// The new phase's timer started with it (auto-start was on).
        /// Absent in events older than auto-start: those phases began
        /// with a stopped timer.
        #[serde(default, skip_serializing_if = "is_false")]
        timer_started: bool,
    },
    TimerStarted {
        duration_ms: u64,
    },
    TimerResumed,
    TimerPaused,
    TimerExtended {
        by_ms: u64,
    },
    TimerAutoStartSet {
        on: bool,
    },
    DoneReading {
        participant_id: String,
    },
    NotDoneReading {
        participant_id: String,
    },
    CommentPosted {
        comment_id: String,
        kind: CommentKind,
        anchor: Anchor,
        text: String,
        /// Suggesting mode: what the anchored words should become.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        replacement: Option<String>,
        author: Person,
    },
    Replied {
        comment_id: String,
        reply_id: String,
        text: String,
        author: Person,
    },
    Spotlighted {
        comment_id: String,
    },
    SpotlightCleared,
    QuestionAnswered {
        comment_id: String,
        text: String,
        by: Person,
    },
    /// A recorded answer was replaced; `previous` is what it said before,
    /// so the document's Q&A entry can be found and rewritten.
    AnswerEdited {
        comment_id: String,
        text: String,
        previous: String,
        by: Person,
    },
    SuggestionAccepted {
        comment_id: String,
        by: Person,
    },
    SuggestionDeclined {
        comment_id: String,
        reason: String,
        by: Person,
    },
    /// An acceptance taken back: the suggestion is undecided again.
    SuggestionAcceptUndone {
        comment_id: String,
        by: Person,
    },
    ActionItemAdded {
        action_item_id: String,
        title: String,
        owner: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment_id: Option<String>,
        by: Person,
    },
    ActionItemEdited {
        action_item_id: String,
        title: String,
        owner: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due: Option<String>,
        status: ActionStatus,
        by: Person,
    },
    CommentResolved {
        comment_id: String,
        note: Option<String>,
        by: Person,
    },
    KudosPosted {
        kudos_id: String,
        to: String,
        text: String,
        from: Person,
    },
    /// Who answered the survey (so they answer once).
    SurveyTaken {
        participant_id: String,
    },
    /// What was answered, with nobody's name.
    SurveyAnswered {
        ratings: Ratings,
        comment: Option<String>,
    },
    /// A readiness finding marked "not applicable".
    FindingDismissed {
        rule: Rule,
        section: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        subject: Option<String>,
        reason: String,
        by: Person,
    },
    /// A dismissal taken back: the finding counts again.
    FindingRestored {
        rule: Rule,
        section: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        subject: Option<String>,
        by: Person,
    },
    /// Its author anchored a comment whose words were deleted to the same
    /// words written again.
    CommentReanchored {
        comment_id: String,
        anchor: crate::anchor::Anchor,
    },
    /// Its author rewrote a comment's text.
    CommentEdited {
        comment_id: String,
        text: String,
    },
    /// Its author deleted a comment: removed, or a placeholder when it has
    /// replies.
    CommentDeleted {
        comment_id: String,
    },
    /// Its author rewrote a reply.
    ReplyEdited {
        comment_id: String,
        reply_id: String,
        text: String,
    },
    /// Its author deleted a reply.
    ReplyDeleted {
        comment_id: String,
        reply_id: String,
    },
    /// Someone +1'd a question.
    Voted {
        comment_id: String,
        participant_id: String,
    },
    /// Someone took their +1 back.
    Unvoted {
        comment_id: String,
        participant_id: String,
    },
}

fn is_false(value: &bool) -> bool {
    !*value
}
