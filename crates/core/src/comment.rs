//! Comments and what happens to them: threads, answers, decisions,
//! resolutions; and the kudos wall's cards.
//!
//! A comment is a question or a suggestion anchored to the text. A question
//! gets an answer (in Q&A), a suggestion a decision (in proposals); during
//! revision every comment is resolved. Until then, whoever wrote a comment
//! or a reply may edit or delete it ([`Comment::may_change`],
//! [`Comment::may_change_reply`]): what was answered or decided keeps the
//! words it was answered or decided on. A deleted comment that has replies
//! stays as a placeholder ([`Comment::deleted_at_ms`]) so the thread is not
//! lost. Participants +1 open questions ([`Comment::votes`]).

use crate::anchor::Anchor;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Somebody, as the meeting shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Person {
    pub participant_id: String,
    pub display_name: String,
}

/// What a comment asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CommentKind {
    /// "Why not RDS/Aurora instead of MySQL on EC2?"
    Question,
    /// "Add a sequence diagram."
    Suggestion,
}

/// A comment with its thread and its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Comment {
    pub id: String,
    pub kind: CommentKind,
    pub anchor: Anchor,
    pub text: String,
    /// Suggestions only: the words that should replace the anchored ones
    /// ("suggesting mode"). Accepting the suggestion writes them into the
    /// document (see [`crate::suggestion`]); `None` is a plain suggestion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replacement: Option<String>,
    pub author: Person,
    pub at_ms: u64,
    pub replies: Vec<Reply>,
    /// Questions only.
    pub answer: Option<Answer>,
    /// Suggestions only.
    pub decision: Option<Decision>,
    pub resolution: Option<Resolution>,
    // Threads (edits, deletion, votes): absent from logs and rooms written
    // before they existed, so each defaults to "never happened".
    /// When its author last edited its text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at_ms: Option<u64>,
    /// When its author deleted it. Only a comment with replies stays, as a
    /// placeholder without its text; one without is removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at_ms: Option<u64>,
    /// Person ids of those who +1'd the question, one vote each.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub votes: BTreeSet<String>,
}

impl Comment {
    /// A question nobody has answered, resolved or deleted yet.
    pub fn is_open_question(&self) -> bool {
        self.kind == CommentKind::Question
            && self.answer.is_none()
            && self.resolution.is_none()
            && !self.is_deleted()
    }

    /// Its author deleted it; only its thread is left.
    pub fn is_deleted(&self) -> bool {
        self.deleted_at_ms.is_some()
    }

    /// Answered, decided or resolved: its words are what the answer or the
    /// decision was about, so they no longer change.
    pub fn is_settled(&self) -> bool {
        self.answer.is_some() || self.decision.is_some() || self.resolution.is_some()
    }

    /// Whether its author may still edit or delete it: not settled, not
    /// deleted.
    pub fn may_change(&self) -> bool {
        !self.is_settled() && !self.is_deleted()
    }

    /// Whether the author of `reply` may still edit or delete it: until the
    /// thread is resolved, and unless the comment was answered or decided
    /// after the reply was written (the answer or decision may rest on it).
    pub fn may_change_reply(&self, reply: &Reply) -> bool {
        let settled_after = |at_ms: u64| at_ms >= reply.at_ms;
        self.resolution.is_none()
            && !self.answer.as_ref().is_some_and(|a| settled_after(a.at_ms))
            && !self
                .decision
                .as_ref()
                .is_some_and(|d| settled_after(d.at_ms))
    }

    pub fn reply(&self, reply_id: &str) -> Option<&Reply> {
        self.replies.iter().find(|r| r.id == reply_id)
    }

    /// An accepted suggestion: a to-do for the revision.
    pub fn is_accepted(&self) -> bool {
        matches!(
            self.decision,
            Some(Decision {
                outcome: Outcome::Accepted,
                ..
            })
        )
    }

    /// A declined suggestion.
    pub fn is_declined(&self) -> bool {
        matches!(
            self.decision,
            Some(Decision {
                outcome: Outcome::Declined { .. },
                ..
            })
        )
    }
}

/// One message in a comment's thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reply {
    pub id: String,
    pub author: Person,
    pub text: String,
    pub at_ms: u64,
    /// When its author last edited it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at_ms: Option<u64>,
}

/// The recorded answer to a question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Answer {
    pub text: String,
    /// Who recorded it first.
    pub by: Person,
    pub at_ms: u64,
    /// Everyone else who edited it since, in the order they first did.
    /// Meetings stored before this was kept read as nobody.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub edited_by: Vec<Person>,
}

impl Answer {
    /// Records that `person` edited this answer: named once, and never
    /// when they recorded it themselves.
    pub fn edited(&mut self, person: &Person) {
        let same = |p: &Person| p.participant_id == person.participant_id;
        if !same(&self.by) && !self.edited_by.iter().any(same) {
            self.edited_by.push(person.clone());
        }
    }

    /// The names of those who edited it besides its recorder, joined for
    /// one line ("B, C"); `None` when only its recorder wrote it.
    pub fn editors_line(&self) -> Option<String> {
        (!self.edited_by.is_empty()).then(|| {
            self.edited_by
                .iter()
                .map(|p| p.display_name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        })
    }
}

/// What was decided about a suggestion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Decision {
    pub outcome: Outcome,
    pub by: Person,
    pub at_ms: u64,
}

/// Accepted (it becomes a revision to-do) or declined, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Accepted,
    Declined { reason: String },
}

/// A comment marked done during revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Resolution {
    pub note: Option<String>,
    pub by: Person,
    pub at_ms: u64,
}

/// A card on the kudos wall: who did what well.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Kudos {
    pub id: String,
    /// The person praised, as written (they need not be in the meeting).
    pub to: String,
    pub text: String,
    pub from: Person,
    pub at_ms: u64,
}

/// The Markdown entry the server appends to the document's Q&A section when
/// an answer is recorded: a list item, with every further line indented so
/// it stays inside the item.
pub fn qa_entry_markdown(question: &str, answer: &str) -> String {
    format!(
        "- **Q:** {}\n  **A:** {}\n",
        indent_continuation(question.trim()),
        indent_continuation(answer.trim())
    )
}

/// The Markdown entry the server appends to the document's Kudos section when
/// a card is posted: who is praised, for what, and by whom.
pub fn kudos_entry_markdown(to: &str, text: &str, from: &str) -> String {
    format!(
        "- **{}**: {} ({})\n",
        to.trim(),
        indent_continuation(text.trim()),
        from.trim()
    )
}

fn indent_continuation(text: &str) -> String {
    text.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n  ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kudos_entry_is_one_list_item() {
        assert_eq!(
            kudos_entry_markdown(" 佐藤さん ", "見事な切り戻し\n深夜に", "Aiko"),
            "- **佐藤さん**: 見事な切り戻し\n  深夜に (Aiko)\n"
        );
    }

    #[test]
    fn a_qa_entry_is_one_list_item() {
        assert_eq!(
            qa_entry_markdown(
                " Why not RDS/Aurora instead of MySQL on EC2? ",
                "We needed a plugin RDS lacked.\nAurora was evaluated in 2023."
            ),
            "- **Q:** Why not RDS/Aurora instead of MySQL on EC2?\n  \
             **A:** We needed a plugin RDS lacked.\n  Aurora was evaluated in 2023.\n"
        );
    }
}
