//! Threads like a document editor's, both halves: deciding (whoever wrote a
//! comment or a reply edits or deletes it while it may change, see
//! [`Comment::may_change`]; participants +1 open questions, once each) and
//! applying the events that follow. Whose words they are is the actor's
//! participant id, as the server knows it from the token, never a name.

use super::decide::{check_anchor, text};
use super::{Change, Meeting, MeetingError};
use crate::anchor::Anchor;
use crate::comment::{Comment, CommentKind, Person, Reply};
use crate::limits::MAX_TEXT_CHARS;

impl Meeting {
    /// Editing one's own comment or reply, while it may change.
    pub(super) fn decide_edit(
        &self,
        person: &Person,
        comment_id: &str,
        reply_id: Option<&str>,
        body: &str,
    ) -> Result<Vec<Change>, MeetingError> {
        let comment = self.find_any(comment_id)?;
        let reply = owned(person, comment, reply_id, "edit")?;
        let text = text(
            if reply.is_some() { "reply" } else { "comment" },
            body,
            MAX_TEXT_CHARS,
        )?;
        ensure_changeable(comment, reply)?;
        Ok(match reply {
            Some(reply) if reply.text == text => Vec::new(),
            Some(reply) => vec![Change::ReplyEdited {
                comment_id: comment.id.clone(),
                reply_id: reply.id.clone(),
                text,
            }],
            None if comment.text == text => Vec::new(),
            None => vec![Change::CommentEdited {
                comment_id: comment.id.clone(),
                text,
            }],
        })
    }

    /// Anchoring one's own comment to the same words written again in the
    /// same section (its quote unchanged). Whether its old words are really
    /// gone and the new anchor holds the quote is the document's to say:
    /// the server checks that (`suggestion::check_reanchor`).
    pub(super) fn decide_reanchor(
        &self,
        person: &Person,
        comment_id: &str,
        anchor: &Anchor,
    ) -> Result<Vec<Change>, MeetingError> {
        let comment = self.find_any(comment_id)?;
        let kind = kind_name(comment);
        owned(person, comment, None, "re-anchor")?;
        if comment.is_deleted() {
            return Err(MeetingError::Conflict(format!("this {kind} was deleted")));
        }
        check_anchor(anchor)?;
        if anchor.section != comment.anchor.section {
            return Err(MeetingError::BadInput(format!(
                "a {kind} is re-anchored in its own section ({:?})",
                comment.anchor.section
            )));
        }
        if anchor.quote != comment.anchor.quote {
            return Err(MeetingError::BadInput(format!(
                "a {kind} is re-anchored to the same words: {:?}",
                comment.anchor.quote
            )));
        }
        if *anchor == comment.anchor {
            return Ok(Vec::new());
        }
        Ok(vec![Change::CommentReanchored {
            comment_id: comment.id.clone(),
            anchor: anchor.clone(),
        }])
    }

    /// Deleting one's own comment or reply, while it may change. Deleting
    /// a deleted comment again changes nothing.
    pub(super) fn decide_delete(
        &self,
        person: &Person,
        comment_id: &str,
        reply_id: Option<&str>,
    ) -> Result<Vec<Change>, MeetingError> {
        let comment = self.find_any(comment_id)?;
        let reply = owned(person, comment, reply_id, "delete")?;
        if reply.is_none() && comment.is_deleted() {
            return Ok(Vec::new());
        }
        ensure_changeable(comment, reply)?;
        Ok(vec![match reply {
            Some(reply) => Change::ReplyDeleted {
                comment_id: comment.id.clone(),
                reply_id: reply.id.clone(),
            },
            None => Change::CommentDeleted {
                comment_id: comment.id.clone(),
            },
        }])
    }

    /// +1 (`on`) an open question, or take one's +1 back. Either twice
    /// changes nothing.
    pub(super) fn decide_vote(
        &self,
        person: &Person,
        comment_id: &str,
        on: bool,
    ) -> Result<Vec<Change>, MeetingError> {
        let comment = self.find_kind(comment_id, CommentKind::Question)?;
        let voted = comment.votes.contains(&person.participant_id);
        if on && !comment.is_open_question() {
            return Err(MeetingError::Conflict(format!(
                "question {} is already answered or resolved; votes order the open questions",
                comment.id
            )));
        }
        if on == voted {
            return Ok(Vec::new());
        }
        let (comment_id, participant_id) = (comment.id.clone(), person.participant_id.clone());
        Ok(vec![if on {
            Change::Voted {
                comment_id,
                participant_id,
            }
        } else {
            Change::Unvoted {
                comment_id,
                participant_id,
            }
        }])
    }

    /// Applies an edit, a deletion or a vote; other changes are not its.
    pub(super) fn apply_thread(&mut self, change: &Change, at_ms: u64) {
        match change {
            Change::CommentEdited { comment_id, text } => {
                if let Some(comment) = self.comment_mut(comment_id) {
                    comment.text = text.clone();
                    comment.edited_at_ms = Some(at_ms);
                }
            }
            Change::CommentReanchored { comment_id, anchor } => {
                if let Some(comment) = self.comment_mut(comment_id) {
                    comment.anchor = anchor.clone();
                }
            }
            Change::CommentDeleted { comment_id } => self.delete_comment(comment_id, at_ms),
            Change::ReplyEdited {
                comment_id,
                reply_id,
                text,
            } => {
                let reply = self
                    .comment_mut(comment_id)
                    .and_then(|c| c.replies.iter_mut().find(|r| r.id == *reply_id));
                if let Some(reply) = reply {
                    reply.text = text.clone();
                    reply.edited_at_ms = Some(at_ms);
                }
            }
            Change::ReplyDeleted {
                comment_id,
                reply_id,
            } => {
                if let Some(comment) = self.comment_mut(comment_id) {
                    comment.replies.retain(|r| r.id != *reply_id);
                    if comment.is_deleted() && comment.replies.is_empty() {
                        // The placeholder kept nothing but this thread.
                        self.comments.retain(|c| c.id != *comment_id);
                    }
                }
            }
            Change::Voted {
                comment_id,
                participant_id,
            } => {
                if let Some(comment) = self.comment_mut(comment_id) {
                    comment.votes.insert(participant_id.clone());
                }
            }
            Change::Unvoted {
                comment_id,
                participant_id,
            } => {
                if let Some(comment) = self.comment_mut(comment_id) {
                    comment.votes.remove(participant_id);
                }
            }
            _ => {}
        }
    }

    /// A deleted comment leaves a placeholder (without its text and votes)
    /// when it has replies and goes otherwise; it leaves the spotlight.
    fn delete_comment(&mut self, comment_id: &str, at_ms: u64) {
        let Some(comment) = self.comment_mut(comment_id) else {
            return;
        };
        if comment.replies.is_empty() {
            self.comments.retain(|c| c.id != comment_id);
        } else {
            comment.text = String::new();
            comment.votes.clear();
            comment.deleted_at_ms = Some(at_ms);
        }
        for spotlight in [&mut self.spotlight, &mut self.left_spotlight] {
            if spotlight.as_deref() == Some(comment_id) {
                *spotlight = None;
            }
        }
    }
}

/// What a comment is called in a refusal.
fn kind_name(comment: &Comment) -> &'static str {
    match comment.kind {
        CommentKind::Question => "question",
        CommentKind::Suggestion => "suggestion",
    }
}

/// The reply `reply_id` of `comment` (or, without one, the comment itself)
/// if `person` wrote it: only its author may change what someone wrote.
fn owned<'c>(
    person: &Person,
    comment: &'c Comment,
    reply_id: Option<&str>,
    verb: &str,
) -> Result<Option<&'c Reply>, MeetingError> {
    let (what, author, reply) = match reply_id {
        Some(reply_id) => {
            let Some(reply) = comment.reply(reply_id) else {
                return Err(MeetingError::NotFound(format!(
                    "no reply {reply_id:?} in comment {}",
                    comment.id
                )));
            };
            ("reply", &reply.author, Some(reply))
        }
        None => (kind_name(comment), &comment.author, None),
    };
    if author.participant_id != person.participant_id {
        return Err(MeetingError::Forbidden(format!(
            "this {what} is {}'s; only its author may {verb} it",
            author.display_name
        )));
    }
    Ok(reply)
}

/// Refuses changing a comment (or one reply in its thread) that must stay
/// as it is (see [`Comment::may_change`] and [`Comment::may_change_reply`]).
fn ensure_changeable(comment: &Comment, reply: Option<&Reply>) -> Result<(), MeetingError> {
    let kind = kind_name(comment);
    match reply {
        Some(reply) if !comment.may_change_reply(reply) => Err(MeetingError::Conflict(format!(
            "the {kind} this reply is in was answered, decided or resolved since it was written, so it stays as it was"
        ))),
        Some(_) => Ok(()),
        None if comment.is_deleted() => Err(MeetingError::Conflict(format!(
            "this {kind} was deleted"
        ))),
        None if !comment.may_change() => Err(MeetingError::Conflict(format!(
            "this {kind} is already {}, so it stays as it was; reply in its thread instead",
            if comment.answer.is_some() {
                "answered"
            } else if comment.decision.is_some() {
                "decided"
            } else {
                "resolved"
            }
        ))),
        None => Ok(()),
    }
}
