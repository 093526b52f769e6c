//! The meeting's part: every question answered, every suggestion accepted
//! or declined, every comment resolved (one finding per comment, the first
//! that applies). A comment its author deleted asks for nothing.

use super::{finding, Finding, Rule};
use crate::comment::CommentKind;
use crate::meeting::Meeting;

pub fn check_comments(meeting: &Meeting, findings: &mut Vec<Finding>) {
    for comment in meeting.comments.iter().filter(|c| !c.is_deleted()) {
        let quote: String = comment.text.chars().take(40).collect();
        let (rule, en, ja) = if comment.is_open_question() {
            (
                Rule::QuestionUnanswered,
                format!("Question “{quote}” is not answered."),
                format!("質問「{quote}」に回答がありません。"),
            )
        } else if comment.kind == CommentKind::Suggestion
            && comment.decision.is_none()
            && comment.resolution.is_none()
        {
            (
                Rule::SuggestionUndecided,
                format!("Suggestion “{quote}” is neither accepted nor declined."),
                format!("提案「{quote}」が採否未決定です。"),
            )
        } else if comment.resolution.is_none() {
            (
                Rule::CommentUnresolved,
                format!("Comment “{quote}” is not resolved."),
                format!("コメント「{quote}」が未解決です。"),
            )
        } else {
            continue;
        };
        let section = comment
            .anchor
            .section
            .strip_prefix("section:")
            .unwrap_or(&comment.anchor.section);
        findings.push(finding(section, rule, Some(comment.id.clone()), en, ja));
    }
}
