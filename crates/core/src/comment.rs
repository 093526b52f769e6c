//! Comments and what happens to them: threads, answers, decisions,
//! resolutions; and the kudos wall's cards.
//!
//! A comment is a question or a suggestion anchored to the text. A question
//! gets an answer (in Q&A), a suggestion a decision (in proposals); during
//! revision every comment is resolved. Nothing here deletes a comment.

use crate::anchor::Anchor;
use serde::{Deserialize, Serialize};

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
}

impl Comment {
    /// A question nobody has answered or resolved yet.
    pub fn is_open_question(&self) -> bool {
        self.kind == CommentKind::Question && self.answer.is_none() && self.resolution.is_none()
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
}

/// The recorded answer to a question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Answer {
    pub text: String,
    pub by: Person,
    pub at_ms: u64,
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
