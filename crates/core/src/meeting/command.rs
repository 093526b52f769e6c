//! Commands: what a client asks the meeting to do, as JSON.
//!
//! A command is a client-chosen `command_id` plus a `type` and its fields,
//! all at the top level:
//!
//! ```json
//! {"command_id": "7f3a…", "type": "move_phase", "to": "q_and_a"}
//! {"command_id": "7f3b…", "type": "decline_suggestion", "comment_id": "c9", "reason": "out of scope"}
//! ```
//!
//! Commands are client input: nothing about them is trusted until
//! [`super::Meeting::decide`] has checked it.

use crate::action_item::ActionStatus;
use crate::anchor::Anchor;
use crate::comment::CommentKind;
use crate::permission::Action;
use crate::phase::Phase;
use crate::readiness::Rule;
use crate::survey::Ratings;
use serde::{Deserialize, Serialize};

/// A client's request, identified by its `command_id` for retries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Command {
    pub command_id: String,
    #[serde(flatten)]
    pub kind: CommandKind,
}

/// What the command asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CommandKind {
    /// Move one step forward or back; into `published` is publishing, out of
    /// it is reopening. `override_reason` (publishing only) is why the case
    /// is published although the readiness check still has findings; it is
    /// kept with the publication.
    MovePhase {
        to: Phase,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        override_reason: Option<String>,
    },
    /// With `seconds`: restart the timer with that duration. Without: start
    /// or resume the current phase's timer.
    StartTimer {
        #[serde(default)]
        seconds: Option<u64>,
    },
    PauseTimer,
    ExtendTimer {
        seconds: u64,
    },
    /// Whether a phase's timer starts by itself when the phase starts (on
    /// unless the facilitator turns it off).
    SetTimerAutoStart {
        on: bool,
    },
    MarkDoneReading,
    UndoDoneReading,
    PostComment {
        kind: CommentKind,
        anchor: Anchor,
        text: String,
    },
    Reply {
        comment_id: String,
        text: String,
    },
    /// A suggestion in suggesting mode: `text` says why, `replacement` is
    /// what the anchored words should become (empty: delete them). Accepting
    /// it writes the replacement into the document.
    SuggestReplacement {
        anchor: Anchor,
        text: String,
        replacement: String,
    },
    Spotlight {
        comment_id: String,
    },
    ClearSpotlight,
    AnswerQuestion {
        comment_id: String,
        text: String,
    },
    /// Replace a recorded answer with `text` (to correct or extend it).
    /// `base` is the recorded answer the edit started from: if someone
    /// changed it meanwhile the edit is refused (409) and the client keeps
    /// its text, so nobody's words are overwritten unseen.
    EditAnswer {
        comment_id: String,
        text: String,
        base: String,
    },
    AcceptSuggestion {
        comment_id: String,
    },
    DeclineSuggestion {
        comment_id: String,
        reason: String,
    },
    /// Take back the acceptance of a suggestion: it is undecided again, and
    /// replacement words it wrote into the document give way to the old
    /// ones (refused if someone changed the new words since).
    UndoAcceptSuggestion {
        comment_id: String,
    },
    /// Add an action item: what will be done, by whom, by when; optionally
    /// the comment (accepted suggestion, answered question) it comes from.
    AddActionItem {
        title: String,
        owner: String,
        #[serde(default)]
        due: Option<String>,
        #[serde(default)]
        comment_id: Option<String>,
    },
    /// Rewrite an action item: all its fields at once, as the form shows them.
    EditActionItem {
        action_item_id: String,
        title: String,
        owner: String,
        #[serde(default)]
        due: Option<String>,
        status: ActionStatus,
    },
    Resolve {
        comment_id: String,
        #[serde(default)]
        note: Option<String>,
    },
    PostKudos {
        to: String,
        text: String,
    },
    AnswerSurvey {
        ratings: Ratings,
        #[serde(default)]
        comment: Option<String>,
    },
    /// Mark one readiness finding (its rule, section and subject, as the
    /// check reported it) "not applicable": it stops blocking, and the
    /// reason is kept and shown with it.
    DismissFinding {
        rule: Rule,
        section: String,
        #[serde(default)]
        subject: Option<String>,
        reason: String,
    },
    /// Take back the dismissal of one finding (its rule, section and
    /// subject): the author or facilitator changed their mind, and the
    /// finding counts again.
    RestoreFinding {
        rule: Rule,
        section: String,
        #[serde(default)]
        subject: Option<String>,
    },
    /// Replace the text of one's own comment or, with `reply_id`, of one's
    /// own reply in its thread, while it may still change
    /// ([`crate::comment::Comment::may_change`], `may_change_reply`).
    EditComment {
        comment_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_id: Option<String>,
        text: String,
    },
    /// Delete one's own comment or, with `reply_id`, one's own reply, under
    /// the same rule as editing. A comment with replies leaves a placeholder.
    DeleteComment {
        comment_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_id: Option<String>,
    },
    /// +1 an open question: one vote per person; voting twice changes nothing.
    Vote {
        comment_id: String,
    },
    /// Take one's +1 back.
    Unvote {
        comment_id: String,
    },
    /// Anchor one's own comment whose words were deleted ("text deleted")
    /// to `anchor`: the same words, written again in the same section. The
    /// server checks against the document that the old words are gone and
    /// that `anchor` holds exactly the comment's quote (409 otherwise).
    ReanchorComment {
        comment_id: String,
        anchor: Anchor,
    },
}

impl CommandKind {
    /// The permission this command needs when the meeting is in `phase`.
    pub fn action(&self, phase: Phase) -> Action {
        match self {
            CommandKind::MovePhase { .. } if phase == Phase::Published => Action::Reopen,
            CommandKind::MovePhase {
                to: Phase::Published,
                ..
            } => Action::Publish,
            CommandKind::MovePhase { .. } => Action::MovePhase,
            CommandKind::StartTimer { .. }
            | CommandKind::PauseTimer
            | CommandKind::ExtendTimer { .. } => Action::ControlTimer,
            CommandKind::SetTimerAutoStart { .. } => Action::ConfigureMeeting,
            CommandKind::MarkDoneReading | CommandKind::UndoDoneReading => Action::MarkDoneReading,
            CommandKind::PostComment { .. } | CommandKind::SuggestReplacement { .. } => {
                Action::Comment
            }
            CommandKind::Reply { .. } => Action::Reply,
            CommandKind::Spotlight { .. } | CommandKind::ClearSpotlight => Action::Spotlight,
            CommandKind::AnswerQuestion { .. } => Action::Answer,
            CommandKind::EditAnswer { .. } => Action::EditAnswer,
            CommandKind::AcceptSuggestion { .. }
            | CommandKind::DeclineSuggestion { .. }
            | CommandKind::UndoAcceptSuggestion { .. } => Action::DecideSuggestion,
            CommandKind::AddActionItem { .. } | CommandKind::EditActionItem { .. } => {
                Action::ManageActionItems
            }
            CommandKind::Resolve { .. } => Action::Resolve,
            CommandKind::PostKudos { .. } => Action::PostKudos,
            CommandKind::AnswerSurvey { .. } => Action::AnswerSurvey,
            CommandKind::DismissFinding { .. } => Action::DismissFinding,
            CommandKind::RestoreFinding { .. } => Action::RestoreFinding,
            CommandKind::EditComment { .. } | CommandKind::ReanchorComment { .. } => {
                Action::EditComment
            }
            CommandKind::DeleteComment { .. } => Action::DeleteComment,
            CommandKind::Vote { .. } | CommandKind::Unvote { .. } => Action::Vote,
        }
    }
}
