//! Answers folded into the text: an answer given in the meeting lives in
//! the Q&A entry, but a reader who was not there reads the section the
//! question was about. Each answered question whose section was not edited
//! after the answer is advice ([`Rule::AnswerNotFolded`]): fold the answer
//! into the text, or dismiss the finding because the Q&A entry is enough
//! (the meeting's `dismiss_finding` command, as for any finding).
//!
//! Whether a section changed after an answer is the server's to say, from
//! the version it kept when the question was answered
//! ([`crate::versions::edited_since_answer`]); a question it cannot tell
//! about (answered before versions were kept) gives no finding.

use super::{finding, Finding, Rule};
use crate::comment::CommentKind;
use crate::meeting::Meeting;

/// The findings for answers not folded into their sections. `edited` says,
/// for a question's id, whether its section was edited after the answer.
pub fn check_answers_folded(
    meeting: &Meeting,
    edited: &dyn Fn(&str) -> Option<bool>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for comment in meeting
        .comments
        .iter()
        .filter(|c| c.kind == CommentKind::Question && c.answer.is_some() && !c.is_deleted())
    {
        if edited(&comment.id) != Some(false) {
            continue;
        }
        let quote: String = comment.text.chars().take(40).collect();
        let section = comment
            .anchor
            .section
            .strip_prefix("section:")
            .unwrap_or(&comment.anchor.section);
        let mut f = finding(
            section,
            Rule::AnswerNotFolded,
            Some(comment.id.clone()),
            format!("The answer to “{quote}” is only in the Q&A: fold it into this section, or mark that the Q&A entry is enough."),
            format!("質問「{quote}」への回答が質疑応答にしかありません。本文に反映するか、質疑応答の記録で十分であることを記録してください。"),
        );
        f.dismissed = meeting
            .dismissal(f.rule, &f.section, f.subject.as_deref())
            .cloned();
        findings.push(f);
    }
    findings
}
