//! Who may do what in which phase: one table, shared by the server (which
//! enforces it) and the browser (which hides the controls it forbids).
//!
//! The table follows DESIGN.md's roles: the facilitator may do everything
//! that makes sense in a phase; the author edits, answers questions, decides
//! suggestions, resolves comments and replies in their threads; a
//! participant edits, comments, replies, +1s questions, posts kudos and
//! answers the survey; whoever wrote a comment or a reply may edit or delete
//! it; a viewer only reads. Two deliberate
//! readings of the design: the survey rates the facilitation, so only
//! participants answer it (the facilitator reads its aggregate); only
//! participants mark themselves done reading (they are the readers the
//! facilitator waits for); and a published case is read-only until the
//! facilitator reopens it.

use crate::phase::Phase;
use crate::role::Role;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Something a person may try to do. Serialised in snake_case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Leave a question or a suggestion anchored to the text.
    Comment,
    /// Reply in a comment's thread.
    Reply,
    /// Mark oneself done reading (or undo it). Only those who read: the
    /// facilitator runs the room and the author wrote the draft.
    MarkDoneReading,
    /// Move the phase one step, except into or out of `Published`.
    MovePhase,
    /// Start, pause or extend the phase timer.
    ControlTimer,
    /// Put one question in the spotlight (or clear it).
    Spotlight,
    /// Record the answer to a question.
    Answer,
    /// Edit or extend a recorded answer (the author owns the answers; the
    /// facilitator records them).
    EditAnswer,
    /// Accept or decline a suggestion.
    DecideSuggestion,
    /// Mark a comment resolved during revision.
    Resolve,
    /// Post a card on the kudos wall.
    PostKudos,
    /// Answer the facilitation survey.
    AnswerSurvey,
    /// Read the survey's aggregate.
    SeeSurveyAggregate,
    /// Move from revision to published.
    Publish,
    /// Move from published back to revision.
    Reopen,
    /// Create invite links.
    MintInvite,
    /// Write in the shared document's texts (`crate::scope`).
    EditDocument,
    /// Add, rename, move or remove sections of the document: write the
    /// outline's maps (`crate::scope` maps them to this row; the server
    /// enforces it on every update, the browser shows the controls by it).
    ArrangeSections,
    /// Mark one readiness finding "not applicable", with a reason.
    DismissFinding,
    /// Take a dismissal back: the finding counts again.
    RestoreFinding,
    /// Change how the meeting runs (the timer's auto-start).
    ConfigureMeeting,
    /// Add or edit action items (owner, due date, status): from the
    /// proposals on, while decisions are made and carried out.
    ManageActionItems,
    /// Edit one's own comment or reply (only one's own, and only until it
    /// is answered or decided: `Meeting::decide` checks both).
    EditComment,
    /// Delete one's own comment or reply, under the same rule.
    DeleteComment,
    /// +1 a question (or take it back): the readers tell the facilitator
    /// which questions matter most, until Q&A is over.
    Vote,
    /// Save a version of the document with a label (the server also keeps
    /// versions by itself at phase changes: `crate::versions`).
    SaveVersion,
    /// Upload an image (a graph, a screenshot) to insert into the document:
    /// whoever may write in it, in the same phases.
    UploadImage,
}

impl Action {
    /// Every action, in the order of [`TABLE`].
    pub const ALL: [Action; 27] = [
        Action::Comment,
        Action::Reply,
        Action::MarkDoneReading,
        Action::MovePhase,
        Action::ControlTimer,
        Action::Spotlight,
        Action::Answer,
        Action::EditAnswer,
        Action::DecideSuggestion,
        Action::Resolve,
        Action::PostKudos,
        Action::AnswerSurvey,
        Action::SeeSurveyAggregate,
        Action::Publish,
        Action::Reopen,
        Action::MintInvite,
        Action::EditDocument,
        Action::ArrangeSections,
        Action::DismissFinding,
        Action::RestoreFinding,
        Action::ConfigureMeeting,
        Action::ManageActionItems,
        Action::EditComment,
        Action::DeleteComment,
        Action::Vote,
        Action::SaveVersion,
        Action::UploadImage,
    ];

    /// The snake_case name used on the wire and in error messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Comment => "comment",
            Action::Reply => "reply",
            Action::MarkDoneReading => "mark_done_reading",
            Action::MovePhase => "move_phase",
            Action::ControlTimer => "control_timer",
            Action::Spotlight => "spotlight",
            Action::Answer => "answer",
            Action::EditAnswer => "edit_answer",
            Action::DecideSuggestion => "decide_suggestion",
            Action::Resolve => "resolve",
            Action::PostKudos => "post_kudos",
            Action::AnswerSurvey => "answer_survey",
            Action::SeeSurveyAggregate => "see_survey_aggregate",
            Action::Publish => "publish",
            Action::Reopen => "reopen",
            Action::MintInvite => "mint_invite",
            Action::EditDocument => "edit_document",
            Action::ArrangeSections => "arrange_sections",
            Action::DismissFinding => "dismiss_finding",
            Action::RestoreFinding => "restore_finding",
            Action::ConfigureMeeting => "configure_meeting",
            Action::ManageActionItems => "manage_action_items",
            Action::EditComment => "edit_comment",
            Action::DeleteComment => "delete_comment",
            Action::Vote => "vote",
            Action::SaveVersion => "save_version",
            Action::UploadImage => "upload_image",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of roles, as bits.
type Roles = u8;
const F: Roles = 1;
const A: Roles = 2;
const P: Roles = 4;
const FA: Roles = F | A;
const FP: Roles = F | P;
const FAP: Roles = F | A | P;
const NO: Roles = 0;

/// The permission grid: one row per action (in [`Action::ALL`] order), one
/// column per phase (in [`Phase::ALL`] order), each cell the roles allowed.
/// Viewers appear in no cell.
#[rustfmt::skip]
pub const TABLE: [(Action, [Roles; 7]); 27] = [
    //                            drafting silent  q_and_a proposals kudos revision published
    (Action::Comment,            [FP,      FP,     FP,     FP,       FP,   FP,      NO]),
    (Action::Reply,              [FAP,     FAP,    FAP,    FAP,      FAP,  FAP,     NO]),
    (Action::MarkDoneReading,    [NO,      P,      NO,     NO,       NO,   NO,      NO]),
    (Action::MovePhase,          [F,       F,      F,      F,        F,    F,       NO]),
    (Action::ControlTimer,       [NO,      F,      F,      F,        F,    NO,      NO]),
    (Action::Spotlight,          [NO,      NO,     F,      NO,       NO,   NO,      NO]),
    (Action::Answer,             [NO,      NO,     FA,     FA,       FA,   FA,      NO]),
    (Action::EditAnswer,         [NO,      NO,     FA,     FA,       FA,   FA,      NO]),
    (Action::DecideSuggestion,   [NO,      NO,     NO,     FA,       FA,   FA,      NO]),
    (Action::Resolve,            [NO,      NO,     NO,     NO,       NO,   FA,      NO]),
    (Action::PostKudos,          [NO,      NO,     NO,     NO,       FP,   NO,      NO]),
    (Action::AnswerSurvey,       [NO,      NO,     NO,     NO,       NO,   P,       P ]),
    (Action::SeeSurveyAggregate, [F,       F,      F,      F,        F,    F,       F ]),
    (Action::Publish,            [NO,      NO,     NO,     NO,       NO,   F,       NO]),
    (Action::Reopen,             [NO,      NO,     NO,     NO,       NO,   NO,      F ]),
    (Action::MintInvite,         [F,       F,      F,      F,        F,    F,       F ]),
    (Action::EditDocument,       [FAP,     FAP,    FAP,    FAP,      FAP,  FAP,     NO]),
    (Action::ArrangeSections,    [FA,      FA,     FA,     FA,       FA,   FA,      NO]),
    (Action::DismissFinding,     [FA,      FA,     FA,     FA,       FA,   FA,      NO]),
    (Action::RestoreFinding,     [FA,      FA,     FA,     FA,       FA,   FA,      NO]),
    (Action::ConfigureMeeting,   [F,       F,      F,      F,        F,    F,       NO]),
    (Action::ManageActionItems,  [NO,      NO,     NO,     FA,       FA,   FA,      NO]),
    (Action::EditComment,        [FAP,     FAP,    FAP,    FAP,      FAP,  FAP,     NO]),
    (Action::DeleteComment,      [FAP,     FAP,    FAP,    FAP,      FAP,  FAP,     NO]),
    (Action::Vote,               [P,       P,      P,      NO,       NO,   NO,      NO]),
    (Action::SaveVersion,        [FA,      FA,     FA,     FA,       FA,   FA,      NO]),
    (Action::UploadImage,        [FAP,     FAP,    FAP,    FAP,      FAP,  FAP,     NO]),
];

fn bit(role: Role) -> Roles {
    match role {
        Role::Facilitator => F,
        Role::Author => A,
        Role::Participant => P,
        Role::Viewer => 0,
    }
}

/// Whether `role` may do `action` while the meeting is in `phase`.
pub fn allowed(role: Role, phase: Phase, action: Action) -> bool {
    TABLE
        .iter()
        .find(|(a, _)| *a == action)
        .is_some_and(|(_, cells)| cells[phase.index()] & bit(role) != 0)
}

/// Every action `role` may do in `phase`, for a client deciding which
/// controls to show.
pub fn allowed_actions(role: Role, phase: Phase) -> Vec<Action> {
    Action::ALL
        .into_iter()
        .filter(|&action| allowed(role, phase, action))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expected grid, written independently of [`TABLE`]: per action, per
    /// phase (drafting … published), the initials of the roles allowed
    /// (f facilitator, a author, p participant, v viewer), `-` for nobody.
    const EXPECTED: &str = "
        action               dra  sil  qa   pro  kud  rev  pub
        comment              fp   fp   fp   fp   fp   fp   -
        reply                fap  fap  fap  fap  fap  fap  -
        mark_done_reading    -    p    -    -    -    -    -
        move_phase           f    f    f    f    f    f    -
        control_timer        -    f    f    f    f    -    -
        spotlight            -    -    f    -    -    -    -
        answer               -    -    fa   fa   fa   fa   -
        edit_answer          -    -    fa   fa   fa   fa   -
        decide_suggestion    -    -    -    fa   fa   fa   -
        resolve              -    -    -    -    -    fa   -
        post_kudos           -    -    -    -    fp   -    -
        answer_survey        -    -    -    -    -    p    p
        see_survey_aggregate f    f    f    f    f    f    f
        publish              -    -    -    -    -    f    -
        reopen               -    -    -    -    -    -    f
        mint_invite          f    f    f    f    f    f    f
        edit_document        fap  fap  fap  fap  fap  fap  -
        arrange_sections     fa   fa   fa   fa   fa   fa   -
        dismiss_finding      fa   fa   fa   fa   fa   fa   -
        restore_finding      fa   fa   fa   fa   fa   fa   -
        configure_meeting    f    f    f    f    f    f    -
        manage_action_items  -    -    -    fa   fa   fa   -
        edit_comment         fap  fap  fap  fap  fap  fap  -
        delete_comment       fap  fap  fap  fap  fap  fap  -
        vote                 p    p    p    -    -    -    -
        save_version         fa   fa   fa   fa   fa   fa   -
        upload_image         fap  fap  fap  fap  fap  fap  -
    ";

    fn initial(role: Role) -> char {
        match role {
            Role::Facilitator => 'f',
            Role::Author => 'a',
            Role::Participant => 'p',
            Role::Viewer => 'v',
        }
    }

    #[test]
    fn every_cell_of_the_permission_table() {
        let mut rows = EXPECTED.trim().lines().skip(1);
        let mut checked = 0;
        for action in Action::ALL {
            let row = rows.next().expect("a row per action");
            let mut cells = row.split_whitespace();
            assert_eq!(cells.next(), Some(action.as_str()));
            for phase in Phase::ALL {
                let cell = cells.next().expect("a cell per phase");
                for role in Role::ALL {
                    assert_eq!(
                        allowed(role, phase, action),
                        cell.contains(initial(role)),
                        "{role} {action} in {phase}"
                    );
                    checked += 1;
                }
            }
            assert_eq!(cells.next(), None, "extra cell for {action}");
        }
        assert_eq!(rows.next(), None, "extra rows");
        assert_eq!(checked, Action::ALL.len() * 7 * 4);
    }

    #[test]
    fn a_viewer_can_do_nothing_in_any_phase() {
        for phase in Phase::ALL {
            assert!(allowed_actions(Role::Viewer, phase).is_empty(), "{phase}");
        }
    }

    #[test]
    fn a_viewer_cannot_spotlight() {
        assert!(!allowed(Role::Viewer, Phase::QAndA, Action::Spotlight));
        assert!(allowed(Role::Facilitator, Phase::QAndA, Action::Spotlight));
    }

    #[test]
    fn document_editing_agrees_with_roles_until_publication() {
        for phase in Phase::ALL {
            for role in Role::ALL {
                let expected = role.can_edit_document() && phase != Phase::Published;
                assert_eq!(allowed(role, phase, Action::EditDocument), expected);
            }
        }
    }

    #[test]
    fn the_table_lists_every_action_once_in_order() {
        let listed: Vec<Action> = TABLE.iter().map(|(a, _)| *a).collect();
        assert_eq!(listed, Action::ALL.to_vec());
    }
}
