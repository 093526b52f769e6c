//! What the export says about the case beyond its sections: the metadata
//! list under the title, and the record of what the meeting produced.
//!
//! The metadata says when the incident happened (in the case's time zone),
//! when and by whom the case was published, and who took part. It leaves out
//! what only the SRE team needs (the publishing override reason, the time
//! spent in each phase): those stay in the meeting's data, shown by the API
//! and the insights page.
//!
//! The meeting record ([`meeting_record`]) has the questions with who asked,
//! the words they pointed at and a link to that section, the recorded answer
//! and the reply thread; then the decisions on every suggestion (accepted or
//! declined, why, by whom, and whether the revision carried it out, with a
//! suggestion's replacement words); then the decisions and action items
//! (owner, due date, status) for the all-hands share meeting; then who took
//! part, by role. User text is Markdown the renderer makes safe;
//! what goes into one line or one table cell is flattened first.

use super::CaseExport;
use crate::anchor::Anchor;
use crate::comment::{Comment, CommentKind, Outcome};
use crate::meeting::Attendee;
use crate::role::Role;

/// A time zone as a fixed offset from UTC, in minutes (`540` for JST).
/// A case happens at one moment, so one offset is enough to show it.
pub type UtcOffset = i32;

/// `2026-11-02 14:05` for milliseconds since the Unix epoch, shifted by
/// `offset` minutes, followed by the zone (`UTC`, `UTC+09:00`).
pub fn format_time(ms: u64, offset: UtcOffset) -> String {
    format!(
        "{} {}",
        crate::case::local_time(ms, offset).replace('T', " "),
        zone_name(offset)
    )
}

/// `UTC`, `UTC+09:00`, `UTC-05:30`.
pub fn zone_name(offset: UtcOffset) -> String {
    if offset == 0 {
        return "UTC".to_owned();
    }
    let sign = if offset < 0 { '-' } else { '+' };
    let abs = offset.unsigned_abs();
    format!("UTC{sign}{:02}:{:02}", abs / 60, abs % 60)
}

/// Text on one line: every run of whitespace becomes one space.
pub(super) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Text for one table cell: one line, with its pipes escaped.
fn cell(text: &str) -> String {
    one_line(text).replace('|', "\\|")
}

/// Text inside a list item: further lines indented to stay in the item.
fn indented(text: &str, by: &str) -> String {
    text.trim()
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join(&format!("\n{by}"))
}

fn label(case: &CaseExport, en: &'static str, ja: &'static str) -> &'static str {
    if case.japanese {
        ja
    } else {
        en
    }
}

/// The metadata list, in Markdown.
pub(super) fn metadata(case: &CaseExport) -> String {
    let offset = case.utc_offset;
    let mut out = String::new();
    if let Some(at) = case.incident_at_ms {
        out.push_str(&format!(
            "- **{}:** {}\n",
            label(case, "Incident", "発生日時"),
            format_time(at, offset)
        ));
    }
    match &case.meeting.published {
        Some(p) => out.push_str(&format!(
            "- **{}:** {} ({})\n",
            label(case, "Published", "公開"),
            format_time(p.at_ms, offset),
            one_line(&p.by.display_name)
        )),
        None => out.push_str(&format!(
            "- **{}:** {}\n",
            label(case, "Phase", "フェーズ"),
            case.meeting.phase.label(case.japanese)
        )),
    }
    let attendees = case.meeting.attendees();
    let authors = names(case, &attendees, Role::Author);
    if !authors.is_empty() {
        out.push_str(&format!(
            "- **{}:** {authors}\n",
            label(case, "Authors", "執筆者")
        ));
    }
    out.push_str(&format!(
        "- **{}:** {}\n",
        label(case, "Participants", "参加者数"),
        if case.japanese {
            format!("{}人", attendees.len())
        } else {
            attendees.len().to_string()
        }
    ));
    out
}

/// The names of those with `role`, each with their team if they gave one
/// (`Aki (Payments)`, `アキ（決済チーム）`), as a list in the case's language.
fn names(case: &CaseExport, attendees: &[Attendee], role: Role) -> String {
    attendees
        .iter()
        .filter(|a| a.role == role)
        .map(|a| match &a.team {
            Some(team) if case.japanese => format!("{}（{}）", one_line(&a.name), one_line(team)),
            Some(team) => format!("{} ({})", one_line(&a.name), one_line(team)),
            None => one_line(&a.name),
        })
        .collect::<Vec<_>>()
        .join(label(case, ", ", "、"))
}

/// `[System overview](#system) “quoted words”`: where a comment points.
fn place(case: &CaseExport, anchor: &Anchor) -> String {
    let title = case
        .sections
        .iter()
        .find(|s| s.section.id == anchor.section)
        .map(|s| s.section.title(case.japanese).to_owned());
    let quote = one_line(&anchor.quote);
    let quote = if quote.is_empty() {
        String::new()
    } else if case.japanese {
        format!(" 「{quote}」")
    } else {
        format!(" “{quote}”")
    };
    match title {
        Some(title) => format!(
            "[{}](#{}){quote}",
            one_line(&title).replace(['[', ']'], ""),
            anchor.section
        ),
        None => quote.trim_start().to_owned(),
    }
}

/// Who wrote an answer: its recorder, then anyone who edited it
/// ("Sara; edited by Aki").
fn answer_writers(case: &CaseExport, a: &crate::comment::Answer) -> String {
    match a.editors_line() {
        Some(editors) => format!(
            "{}{}{}",
            one_line(&a.by.display_name),
            label(case, "; edited by ", "、編集: "),
            one_line(&editors)
        ),
        None => one_line(&a.by.display_name),
    }
}

fn question(case: &CaseExport, c: &Comment) -> String {
    // The backslash is a hard line break: the question under its place.
    let mut out = format!(
        "- **{}** — {}\\\n  {}\n",
        one_line(&c.author.display_name),
        place(case, &c.anchor),
        indented(&c.text, "  ")
    );
    match (&c.answer, &c.resolution) {
        (Some(a), _) => out.push_str(&format!(
            "  - **{} ({}):** {}\n",
            label(case, "Answer", "回答"),
            answer_writers(case, a),
            indented(&a.text, "    ")
        )),
        (None, Some(_)) => out.push_str(&format!(
            "  - *{}*\n",
            label(
                case,
                "Resolved without a recorded answer",
                "回答の記録なしで解決済み"
            )
        )),
        (None, None) => out.push_str(&format!(
            "  - *{}*\n",
            label(case, "Not answered", "未回答")
        )),
    }
    for r in &c.replies {
        out.push_str(&format!(
            "  - {}: {}\n",
            one_line(&r.author.display_name),
            indented(&r.text, "    ")
        ));
    }
    out
}

fn decision_row(case: &CaseExport, c: &Comment) -> String {
    let (decision, by) = match &c.decision {
        Some(d) => {
            let what = match &d.outcome {
                Outcome::Accepted => label(case, "Accepted", "採用").to_owned(),
                Outcome::Declined { reason } => {
                    format!("{}{}", label(case, "Declined: ", "不採用："), cell(reason))
                }
            };
            (what, cell(&d.by.display_name))
        }
        None => (
            label(case, "Not decided", "未決定").to_owned(),
            String::new(),
        ),
    };
    let status = match (&c.decision, &c.resolution) {
        (Some(d), Some(r)) if d.outcome == Outcome::Accepted => {
            let done = label(case, "Done in the revision", "改訂で対応済み");
            match &r.note {
                Some(note) if !note.trim().is_empty() => format!("{done} ({})", cell(note)),
                _ => done.to_owned(),
            }
        }
        (Some(d), None) if d.outcome == Outcome::Accepted => {
            label(case, "Open", "未対応").to_owned()
        }
        _ => "—".to_owned(),
    };
    format!(
        "| {}{} | {} | {decision} | {by} | {status} |\n",
        cell(&c.text),
        replacement(case, c),
        place(case, &c.anchor).replace('|', "\\|")
    )
}

/// ` — “old” → “new”`: the words a suggestion in suggesting mode replaces
/// (` — delete “old”` when it removes them).
fn replacement(case: &CaseExport, c: &Comment) -> String {
    let Some(new) = &c.replacement else {
        return String::new();
    };
    let (open, close) = if case.japanese {
        ("「", "」")
    } else {
        ("“", "”")
    };
    if new.is_empty() {
        let old = cell(&c.anchor.quote);
        return if case.japanese {
            format!(" — {open}{old}{close}を削除")
        } else {
            format!(" — delete {open}{old}{close}")
        };
    }
    format!(
        " — {open}{}{close} → {open}{}{close}",
        cell(&c.anchor.quote),
        cell(new)
    )
}

/// The summary for the all-hands share meeting: every action item with its
/// owner, due date and status, and the decision it carries out.
fn action_items(case: &CaseExport) -> String {
    let meeting = case.meeting;
    if meeting.action_items.is_empty() {
        return String::new();
    }
    // The due date's column is centred, which is also how the read page
    // keeps a date on one line in a narrow column (see `PAGE_STYLE`).
    let mut out = format!(
        "### {}\n\n| {} | {} | {} | {} | {} |\n|---|---|:---:|---|---|\n",
        label(
            case,
            "Decisions and action items",
            "決定事項とアクションアイテム"
        ),
        label(case, "Action item", "アクションアイテム"),
        label(case, "Owner", "担当"),
        label(case, "Due", "期限"),
        label(case, "Status", "状況"),
        label(case, "Decision", "決定"),
    );
    for item in &meeting.action_items {
        let from = item
            .comment_id
            .as_deref()
            .and_then(|id| meeting.comment(id))
            .map(|c| format!("{}{}", cell(&c.text), replacement(case, c)))
            .unwrap_or_else(|| "—".to_owned());
        out.push_str(&format!(
            "| {} | {} | {} | {} | {from} |\n",
            cell(&item.title),
            cell(&item.owner),
            item.due.as_deref().unwrap_or("—"),
            item.status.label(case.japanese),
        ));
    }
    out.push('\n');
    out
}

/// The meeting record in Markdown, headed by level-3 headings; empty when
/// the meeting produced nothing yet.
pub(super) fn meeting_record(case: &CaseExport) -> String {
    let meeting = case.meeting;
    let mut out = String::new();
    let questions: Vec<&Comment> = meeting
        .comments
        .iter()
        .filter(|c| c.kind == CommentKind::Question && !c.is_deleted())
        .collect();
    if !questions.is_empty() {
        out.push_str(&format!(
            "### {}\n\n",
            label(case, "Questions and answers", "質疑応答")
        ));
        for c in questions {
            out.push_str(&question(case, c));
        }
        out.push('\n');
    }
    let suggestions: Vec<&Comment> = meeting
        .comments
        .iter()
        .filter(|c| c.kind == CommentKind::Suggestion && !c.is_deleted())
        .collect();
    if !suggestions.is_empty() {
        out.push_str(&format!(
            "### {}\n\n| {} | {} | {} | {} | {} |\n|---|---|---|---|---|\n",
            label(case, "Proposals and decisions", "提案と決定事項"),
            label(case, "Proposal", "提案"),
            label(case, "Where", "箇所"),
            label(case, "Decision", "決定"),
            label(case, "Decided by", "決定者"),
            label(case, "Follow-up", "対応状況"),
        ));
        for c in suggestions {
            out.push_str(&decision_row(case, c));
        }
        out.push('\n');
    }
    out.push_str(&action_items(case));
    out.push_str(&meeting_changes(case));
    let attendees = meeting.attendees();
    if !attendees.is_empty() {
        out.push_str(&format!(
            "### {}\n\n",
            label(case, "Who took part", "参加者")
        ));
        for (role, en, ja) in [
            (Role::Author, "Authors", "執筆者"),
            (Role::Facilitator, "Facilitation", "ファシリテーター"),
            (Role::Participant, "Participants", "参加者"),
            (Role::Viewer, "Viewers", "閲覧者"),
        ] {
            let list = names(case, &attendees, role);
            if !list.is_empty() {
                out.push_str(&format!("- **{}:** {list}\n", label(case, en, ja)));
            }
        }
    }
    out
}

/// The longest excerpt of added or removed text a section's line quotes.
const CHANGE_EXCERPT_CHARS: usize = 160;

/// The text of one kind of change in a section, on one line, shortened.
fn excerpt(diff: &crate::versions::SectionDiff, kind: crate::versions::PieceKind) -> String {
    let joined = diff
        .pieces
        .iter()
        .filter(|p| p.kind == kind && !p.text.trim().is_empty())
        .map(|p| p.text.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(" … ");
    if joined.chars().count() > CHANGE_EXCERPT_CHARS {
        let cut: String = joined.chars().take(CHANGE_EXCERPT_CHARS).collect();
        format!("{cut}…")
    } else {
        joined
    }
}

/// "What the meeting changed": per changed section, the characters added
/// and removed since silent reading started, with excerpts.
fn meeting_changes(case: &CaseExport) -> String {
    use crate::versions::{section_title, PieceKind, SectionChange};
    let changed: Vec<_> = case
        .changes
        .iter()
        .filter(|d| d.change != SectionChange::Same)
        .collect();
    if changed.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "### {}\n\n{}\n\n",
        label(case, "What the meeting changed", "会議で変わったこと"),
        label(
            case,
            "Since silent reading started (characters, white space not counted):",
            "黙読の開始からの変更（文字数、空白を除く）："
        )
    );
    for diff in changed {
        let title = section_title(&diff.id, diff.custom_title.as_deref(), case.japanese);
        let counts = if case.japanese {
            format!("+{}字 / −{}字", diff.added_chars, diff.removed_chars)
        } else {
            format!("+{} / −{}", diff.added_chars, diff.removed_chars)
        };
        out.push_str(&format!("- **{title}:** {counts}\n"));
        for (kind, en, ja) in [
            (PieceKind::Added, "added", "追加"),
            (PieceKind::Removed, "removed", "削除"),
        ] {
            let text = excerpt(diff, kind);
            if !text.is_empty() {
                out.push_str(&format!("  - {}: “{text}”\n", label(case, en, ja)));
            }
        }
    }
    out.push('\n');
    out
}
