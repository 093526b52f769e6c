//! [`Meeting::decide`]: checks a command against the permission table and
//! the meeting's state, and says what happens, without changing anything.

use super::command::*;
use super::{Actor, Change, Event, Meeting, MeetingError, Origin};
use crate::action_item::due_date;
use crate::comment::{Comment, CommentKind, Person};
use crate::limits::*;
use crate::permission::allowed;

impl Meeting {
    /// The events `command` from `actor` at `now_ms` produces, or why it is
    /// refused. `new_id` names new comments, replies and kudos cards. Never
    /// changes `self`; see the module docs for idempotency and error order.
    pub fn decide(
        &self,
        actor: &Actor,
        command: &Command,
        now_ms: u64,
        new_id: &mut impl FnMut() -> String,
    ) -> Result<Vec<Event>, MeetingError> {
        if self.has_processed(&actor.participant_id, &command.command_id) {
            return Ok(Vec::new());
        }
        check_id("command_id", &command.command_id)?;
        check_id("participant_id", &actor.participant_id)?;
        let person = Person {
            participant_id: actor.participant_id.clone(),
            display_name: text("display name", &actor.display_name, MAX_NAME_CHARS)?,
        };
        let action = command.kind.action(self.phase);
        if !allowed(actor.role, self.phase, action) {
            return Err(MeetingError::Forbidden(format!(
                "a {} may not {} during {}",
                actor.role,
                action.as_str().replace('_', " "),
                self.phase.as_str().replace('_', " ")
            )));
        }
        let display_name = person.display_name.clone();
        let changes = self.changes(person, &command.kind, new_id)?;
        let origin = Origin {
            participant_id: actor.participant_id.clone(),
            command_id: command.command_id.clone(),
            role: Some(actor.role),
            display_name: Some(display_name),
            team: actor
                .team
                .as_deref()
                .and_then(|t| super::team_name(t).ok().flatten()),
        };
        Ok(changes
            .into_iter()
            .map(|change| Event {
                at_ms: now_ms,
                // The survey's answer must not say whose it is.
                origin: (!matches!(change, Change::SurveyAnswered { .. })).then(|| origin.clone()),
                change,
            })
            .collect())
    }

    fn changes(
        &self,
        person: Person,
        kind: &CommandKind,
        new_id: &mut impl FnMut() -> String,
    ) -> Result<Vec<Change>, MeetingError> {
        let change = match kind {
            CommandKind::MovePhase {
                to,
                override_reason,
            } => {
                if *to == self.phase {
                    return Ok(Vec::new());
                }
                let override_reason = match override_reason {
                    Some(_) if *to != crate::phase::Phase::Published => {
                        return Err(MeetingError::BadInput(
                            "an override reason is only for publishing".into(),
                        ))
                    }
                    reason => {
                        optional_text("override reason", reason.as_deref(), MAX_REASON_CHARS)?
                    }
                };
                if !self.phase.can_move_to(*to) {
                    return Err(MeetingError::Conflict(format!(
                        "the meeting is in {} and moves one step at a time; it cannot go to {}",
                        self.phase, to
                    )));
                }
                Change::PhaseMoved {
                    from: self.phase,
                    to: *to,
                    by: person,
                    override_reason,
                    timer_started: self.settings.auto_start_timer
                        && to.default_timer_secs().is_some(),
                }
            }
            CommandKind::StartTimer { seconds: Some(s) } => Change::TimerStarted {
                duration_ms: timer_ms(*s)?,
            },
            CommandKind::StartTimer { seconds: None } => {
                if self.timer.duration_ms.is_none() {
                    return Err(MeetingError::BadInput(format!(
                        "{} has no timer; say how many seconds to set",
                        self.phase
                    )));
                }
                if self.timer.is_running() {
                    return Ok(Vec::new());
                }
                Change::TimerResumed
            }
            CommandKind::PauseTimer => {
                if !self.timer.is_running() {
                    return Ok(Vec::new());
                }
                Change::TimerPaused
            }
            CommandKind::ExtendTimer { seconds } => {
                let by_ms = timer_ms(*seconds)?;
                if self.timer.duration_ms.is_none() {
                    return Err(MeetingError::Conflict(
                        "there is no timer to extend; start one first".into(),
                    ));
                }
                Change::TimerExtended { by_ms }
            }
            CommandKind::SetTimerAutoStart { on } => {
                if self.settings.auto_start_timer == *on {
                    return Ok(Vec::new());
                }
                Change::TimerAutoStartSet { on: *on }
            }
            CommandKind::MarkDoneReading => {
                if self.done_reading.contains(&person.participant_id) {
                    return Ok(Vec::new());
                }
                Change::DoneReading {
                    participant_id: person.participant_id,
                }
            }
            CommandKind::UndoDoneReading => {
                if !self.done_reading.contains(&person.participant_id) {
                    return Ok(Vec::new());
                }
                Change::NotDoneReading {
                    participant_id: person.participant_id,
                }
            }
            CommandKind::PostComment {
                kind,
                anchor,
                text: body,
            } => {
                let text = text("comment", body, MAX_TEXT_CHARS)?;
                check_anchor(anchor)?;
                Change::CommentPosted {
                    comment_id: new_id(),
                    kind: *kind,
                    anchor: anchor.clone(),
                    text,
                    replacement: None,
                    author: person,
                }
            }
            CommandKind::SuggestReplacement {
                anchor,
                text: body,
                replacement,
            } => {
                let text = text("suggestion", body, MAX_TEXT_CHARS)?;
                check_anchor(anchor)?;
                // Kept as typed: spaces at its ends are part of the words.
                // Empty suggests deleting the words; only spaces is a slip.
                if !replacement.is_empty() && replacement.trim().is_empty() {
                    return Err(bad(
                        "the replacement text is only spaces; leave it empty to suggest deleting the words".into(),
                    ));
                }
                if replacement.chars().count() > MAX_REPLACEMENT_CHARS {
                    return Err(bad(format!(
                        "the replacement text is longer than {MAX_REPLACEMENT_CHARS} characters"
                    )));
                }
                if *replacement == anchor.quote {
                    return Err(bad(
                        "the replacement text is the same as the selected words".into(),
                    ));
                }
                Change::CommentPosted {
                    comment_id: new_id(),
                    kind: CommentKind::Suggestion,
                    anchor: anchor.clone(),
                    text,
                    replacement: Some(replacement.clone()),
                    author: person,
                }
            }
            CommandKind::UndoAcceptSuggestion { comment_id } => {
                let comment = self.find_kind(comment_id, CommentKind::Suggestion)?;
                if !comment.is_accepted() {
                    return Err(MeetingError::Conflict(format!(
                        "suggestion {} is not accepted, so there is no acceptance to undo",
                        comment.id
                    )));
                }
                if comment.resolution.is_some() {
                    return Err(MeetingError::Conflict(format!(
                        "suggestion {} is resolved; its acceptance can no longer be undone",
                        comment.id
                    )));
                }
                Change::SuggestionAcceptUndone {
                    comment_id: comment.id.clone(),
                    by: person,
                }
            }
            CommandKind::AddActionItem {
                title,
                owner,
                due,
                comment_id,
            } => {
                let title = text("action item", title, MAX_ACTION_TITLE_CHARS)?;
                let owner = text("owner", owner, MAX_NAME_CHARS)?;
                let due = due_date(due.as_deref()).map_err(|e| bad(e.to_string()))?;
                let comment_id = match comment_id.as_deref().map(str::trim) {
                    None | Some("") => None,
                    Some(id) => {
                        let comment = self.find(id)?;
                        if comment.is_declined() {
                            return Err(MeetingError::Conflict(format!(
                                "suggestion {} was declined; an action item needs an accepted one",
                                comment.id
                            )));
                        }
                        Some(comment.id.clone())
                    }
                };
                Change::ActionItemAdded {
                    action_item_id: new_id(),
                    title,
                    owner,
                    due,
                    comment_id,
                    by: person,
                }
            }
            CommandKind::EditActionItem {
                action_item_id,
                title,
                owner,
                due,
                status,
            } => {
                let Some(item) = self.action_item(action_item_id) else {
                    return Err(MeetingError::NotFound(format!(
                        "no action item {action_item_id:?}"
                    )));
                };
                let title = text("action item", title, MAX_ACTION_TITLE_CHARS)?;
                let owner = text("owner", owner, MAX_NAME_CHARS)?;
                let due = due_date(due.as_deref()).map_err(|e| bad(e.to_string()))?;
                if item.title == title
                    && item.owner == owner
                    && item.due == due
                    && item.status == *status
                {
                    return Ok(Vec::new());
                }
                Change::ActionItemEdited {
                    action_item_id: item.id.clone(),
                    title,
                    owner,
                    due,
                    status: *status,
                    by: person,
                }
            }
            CommandKind::Reply {
                comment_id,
                text: body,
            } => {
                let comment = self.find(comment_id)?;
                Change::Replied {
                    comment_id: comment.id.clone(),
                    text: text("reply", body, MAX_TEXT_CHARS)?,
                    reply_id: new_id(),
                    author: person,
                }
            }
            CommandKind::Spotlight { comment_id } => {
                let comment = self.find_kind(comment_id, CommentKind::Question)?;
                if self.spotlight.as_deref() == Some(comment.id.as_str()) {
                    return Ok(Vec::new());
                }
                Change::Spotlighted {
                    comment_id: comment.id.clone(),
                }
            }
            CommandKind::ClearSpotlight => {
                if self.spotlight.is_none() {
                    return Ok(Vec::new());
                }
                Change::SpotlightCleared
            }
            CommandKind::AnswerQuestion {
                comment_id,
                text: body,
            } => {
                let comment = self.find_kind(comment_id, CommentKind::Question)?;
                let text = text("answer", body, MAX_ANSWER_CHARS)?;
                if comment.answer.is_some() {
                    return Err(MeetingError::Conflict(format!(
                        "question {} was answered meanwhile; your text is kept, and you can add it to the recorded answer",
                        comment.id
                    )));
                }
                Change::QuestionAnswered {
                    comment_id: comment.id.clone(),
                    text,
                    by: person,
                }
            }
            CommandKind::EditAnswer {
                comment_id,
                text: body,
                base,
            } => {
                let comment = self.find_kind(comment_id, CommentKind::Question)?;
                let text = text("answer", body, MAX_ANSWER_CHARS)?;
                let Some(answer) = &comment.answer else {
                    return Err(MeetingError::Conflict(format!(
                        "question {} has no recorded answer yet; record one first",
                        comment.id
                    )));
                };
                if answer.text != base.trim() {
                    return Err(MeetingError::Conflict(format!(
                        "the answer to question {} changed while you were editing it; your text is kept, look at the new answer and try again",
                        comment.id
                    )));
                }
                if answer.text == text {
                    return Ok(Vec::new());
                }
                Change::AnswerEdited {
                    comment_id: comment.id.clone(),
                    text,
                    previous: answer.text.clone(),
                    by: person,
                }
            }
            CommandKind::AcceptSuggestion { comment_id } => {
                let comment = self.find_kind(comment_id, CommentKind::Suggestion)?;
                ensure_undecided(comment)?;
                Change::SuggestionAccepted {
                    comment_id: comment.id.clone(),
                    by: person,
                }
            }
            CommandKind::DeclineSuggestion { comment_id, reason } => {
                let comment = self.find_kind(comment_id, CommentKind::Suggestion)?;
                let reason = text("reason for declining", reason, MAX_REASON_CHARS)?;
                ensure_undecided(comment)?;
                Change::SuggestionDeclined {
                    comment_id: comment.id.clone(),
                    reason,
                    by: person,
                }
            }
            CommandKind::Resolve { comment_id, note } => {
                let comment = self.find(comment_id)?;
                let note = optional_text("note", note.as_deref(), MAX_REASON_CHARS)?;
                if comment.resolution.is_some() {
                    return Err(MeetingError::Conflict(format!(
                        "comment {} is already resolved",
                        comment.id
                    )));
                }
                Change::CommentResolved {
                    comment_id: comment.id.clone(),
                    note,
                    by: person,
                }
            }
            CommandKind::DismissFinding {
                rule,
                section,
                subject,
                reason,
            } => {
                let section = text("section", section, MAX_SECTION_CHARS)?;
                let subject = optional_text("subject", subject.as_deref(), MAX_SECTION_CHARS)?;
                let reason = text("reason for dismissing", reason, MAX_REASON_CHARS)?;
                if self
                    .dismissal(*rule, &section, subject.as_deref())
                    .is_some()
                {
                    return Err(MeetingError::Conflict(
                        "this finding is already dismissed".into(),
                    ));
                }
                Change::FindingDismissed {
                    rule: *rule,
                    section,
                    subject,
                    reason,
                    by: person,
                }
            }
            CommandKind::RestoreFinding {
                rule,
                section,
                subject,
            } => {
                let section = text("section", section, MAX_SECTION_CHARS)?;
                let subject = optional_text("subject", subject.as_deref(), MAX_SECTION_CHARS)?;
                if self
                    .dismissal(*rule, &section, subject.as_deref())
                    .is_none()
                {
                    return Err(MeetingError::Conflict(
                        "this finding is not dismissed".into(),
                    ));
                }
                Change::FindingRestored {
                    rule: *rule,
                    section,
                    subject,
                    by: person,
                }
            }
            CommandKind::PostKudos { to, text: body } => Change::KudosPosted {
                to: text("name on the card", to, MAX_KUDOS_TO_CHARS)?,
                text: text("kudos", body, MAX_KUDOS_CHARS)?,
                kudos_id: new_id(),
                from: person,
            },
            CommandKind::EditComment {
                comment_id,
                reply_id,
                text: body,
            } => return self.decide_edit(&person, comment_id, reply_id.as_deref(), body),
            CommandKind::DeleteComment {
                comment_id,
                reply_id,
            } => return self.decide_delete(&person, comment_id, reply_id.as_deref()),
            CommandKind::ReanchorComment { comment_id, anchor } => {
                return self.decide_reanchor(&person, comment_id, anchor)
            }
            CommandKind::Vote { comment_id } => return self.decide_vote(&person, comment_id, true),
            CommandKind::Unvote { comment_id } => {
                return self.decide_vote(&person, comment_id, false)
            }
            CommandKind::AnswerSurvey { ratings, comment } => {
                if let Some(question) = ratings.out_of_range() {
                    return Err(bad(format!(
                        "the rating for \"{}\" must be 1 to 5",
                        question.prompt()
                    )));
                }
                let comment = optional_text("survey comment", comment.as_deref(), MAX_TEXT_CHARS)?;
                if self.survey.answered_by.contains(&person.participant_id) {
                    return Err(MeetingError::Conflict(
                        "you have already answered the survey".into(),
                    ));
                }
                return Ok(vec![
                    Change::SurveyTaken {
                        participant_id: person.participant_id,
                    },
                    Change::SurveyAnswered {
                        ratings: *ratings,
                        comment,
                    },
                ]);
            }
        };
        Ok(vec![change])
    }

    /// A comment, deleted or not.
    pub(super) fn find_any(&self, comment_id: &str) -> Result<&Comment, MeetingError> {
        self.comment(comment_id)
            .ok_or_else(|| MeetingError::NotFound(format!("no comment {comment_id:?}")))
    }

    /// A comment that was not deleted: only its thread is left of a deleted
    /// one, and nothing more happens to it.
    fn find(&self, comment_id: &str) -> Result<&Comment, MeetingError> {
        let comment = self.find_any(comment_id)?;
        if comment.is_deleted() {
            return Err(MeetingError::Conflict(format!(
                "comment {comment_id} was deleted by its author"
            )));
        }
        Ok(comment)
    }

    pub(super) fn find_kind(
        &self,
        comment_id: &str,
        kind: CommentKind,
    ) -> Result<&Comment, MeetingError> {
        let comment = self.find(comment_id)?;
        if comment.kind != kind {
            let (is, wanted) = match kind {
                CommentKind::Question => ("a suggestion", "a question"),
                CommentKind::Suggestion => ("a question", "a suggestion"),
            };
            return Err(bad(format!(
                "comment {comment_id} is {is}; this needs {wanted}"
            )));
        }
        Ok(comment)
    }
}

fn ensure_undecided(comment: &Comment) -> Result<(), MeetingError> {
    if comment.decision.is_some() {
        return Err(MeetingError::Conflict(format!(
            "suggestion {} is already decided",
            comment.id
        )));
    }
    Ok(())
}

/// A comment's anchor as a client sent it: a section, a quote and two
/// indexes that decode.
pub(super) fn check_anchor(anchor: &crate::anchor::Anchor) -> Result<(), MeetingError> {
    if anchor.section.is_empty() || anchor.section.chars().count() > MAX_SECTION_CHARS {
        return Err(bad(format!(
            "the anchor's section must be 1 to {MAX_SECTION_CHARS} characters"
        )));
    }
    if anchor.quote.is_empty() || anchor.quote.chars().count() > MAX_QUOTE_CHARS {
        return Err(bad(format!(
            "the anchor's quote must be 1 to {MAX_QUOTE_CHARS} characters"
        )));
    }
    anchor
        .check_indexes()
        .map_err(|e| bad(format!("bad anchor: {e}")))
}

fn bad(message: String) -> MeetingError {
    MeetingError::BadInput(message)
}

fn check_id(what: &str, id: &str) -> Result<(), MeetingError> {
    if id.is_empty() || id.chars().count() > MAX_ID_CHARS {
        return Err(bad(format!(
            "{what} must be 1 to {MAX_ID_CHARS} characters"
        )));
    }
    Ok(())
}

/// Trimmed, non-empty, at most `max` characters.
pub(super) fn text(what: &str, value: &str, max: usize) -> Result<String, MeetingError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(bad(format!("the {what} is empty")));
    }
    if value.chars().count() > max {
        return Err(bad(format!("the {what} is longer than {max} characters")));
    }
    Ok(value.to_owned())
}

/// Like [`text`], but empty or missing is `None`.
fn optional_text(
    what: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, MeetingError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => text(what, value, max).map(Some),
    }
}

fn timer_ms(seconds: u64) -> Result<u64, MeetingError> {
    if seconds == 0 || seconds > MAX_TIMER_SECS {
        return Err(bad(format!(
            "a timer is 1 to {MAX_TIMER_SECS} seconds, not {seconds}"
        )));
    }
    Ok(seconds * 1000)
}
