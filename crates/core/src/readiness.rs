//! The readiness check: is this case ready for readers who were not in the
//! room? It reads a case the way an experienced SRE reviewer would: it
//! trusts good writing in the forms people use, and is not fooled by
//! keywords with nothing behind them.
//!
//! [`check`] is pure: it takes the outline's sections with their Markdown and
//! the meeting, and returns [`Finding`]s — the section concerned, a [`Rule`]
//! and a one-line reason in English and Japanese. The browser runs it live as
//! people type; the server runs it again when the facilitator publishes.
//!
//! **Which text is which section.** Each template section, plus any custom
//! section whose title names it in a common way (a section "Root causes"
//! or 再発防止策 is read as the Causes or Countermeasures; the synonyms are
//! [`crate::headings`], shared with the Markdown import).
//!
//! What passes (the template's guides say the same to writers):
//!
//! - **Required sections** — Summary, System overview, Impact, Timeline,
//!   Causes and Countermeasures hold more than a placeholder
//!   ([`Rule::SectionEmpty`]).
//! - **System overview** ([`system`]) has three labelled parts: purpose
//!   (`Purpose`, `目的`, `役割`…), design (`Design`, `Architecture`,
//!   `設計`, `アーキテクチャ`…) and middleware (`Middleware`, `Stack`,
//!   `Services`, `ミドルウェア`, `使用技術`…). A label may be written
//!   `Purpose: …`, `**Purpose** — …`, `【目的】…`, as a table row or as a
//!   sub-heading; the text after it must not be a placeholder (`TBD`, `未定`,
//!   `see the wiki`, `Wikiを参照`, text wholly in `<…>`).
//! - **Impact** states a measure, **Timeline** has times ([`measure`]):
//!   `1,200 users`, `約千二百人`, `数百万円規模`, `forty minutes`; `14:05`,
//!   `14時5分`, `T+42m`.
//! - **Countermeasures** ([`countermeasures`]): each permanent countermeasure,
//!   read on its own, names the cause it addresses, says why it was chosen
//!   and what alternatives or constraints were weighed. Immediate
//!   mitigations (暫定対策) are not held to this, but they alone are not
//!   enough: at least one permanent countermeasure; "Not chosen" /
//!   採用しなかった案 entries are rejected alternatives. A label with
//!   nothing real after it (`Cause: mistake`, an empty table cell) counts
//!   as missing.
//! - **The meeting** ([`comments`]): every question answered, every
//!   suggestion accepted or declined, every comment resolved; and
//!   ([`answers`], advice, from the server's versions) each answer folded
//!   into the section its question was about.
//! - **Glossary** ([`glossary`]): abbreviations and `[[terms]]` explained,
//!   except well-known abbreviations and ticket ids. A system-specific term
//!   explained nowhere blocks (a reader who was not in the room cannot
//!   follow the case); one spelled out where it is used (`OEX (order export
//!   share)`) but not in the Glossary is advice.
//!
//! **Levels.** Each finding is [`Level::Blocking`] or [`Level::Advice`]
//! ([`Rule::level`]); a case is [`ready`] when no blocking finding is left.
//! An author or the facilitator may dismiss one finding as "not applicable"
//! with a reason (the meeting's `dismiss_finding` command): it stays listed,
//! with the reason, and no longer blocks.

use crate::headings::section_for_heading;
use crate::meeting::{Dismissal, Meeting};
use crate::outline::{outline, section_markdown, Section, SectionTitle};
use serde::{Deserialize, Serialize};
use yrs::ReadTxn;

pub mod answers;
pub mod comments;
pub mod countermeasures;
pub mod glossary;
pub mod measure;
pub mod system;
pub mod text;

pub use glossary::{abbreviations, marked_terms, COMMON_ABBREVIATIONS};
pub use measure::{has_measure, has_time};
pub use system::system_parts;
pub use text::is_placeholder;

/// The sections that must not be empty.
pub const REQUIRED_SECTIONS: [&str; 6] = [
    "summary",
    "system",
    "impact",
    "timeline",
    "causes",
    "countermeasures",
];

/// Which readiness rule a finding breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    SectionEmpty,
    SystemPurpose,
    SystemDesign,
    SystemMiddleware,
    ImpactMeasurable,
    TimelineTimes,
    CountermeasureWhy,
    CountermeasureAlternatives,
    CountermeasureCause,
    /// Countermeasures hold only mitigations and rejected options.
    CountermeasurePermanent,
    QuestionUnanswered,
    SuggestionUndecided,
    CommentUnresolved,
    /// A system-specific term is explained nowhere.
    GlossaryMissing,
    /// A term is spelled out where it is used, but not in the Glossary.
    GlossaryInline,
    /// A question was answered, and its section not edited since.
    AnswerNotFolded,
}

/// Whether a finding keeps the case from being published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// A reader would be lost or misled: publishing is refused until it is
    /// fixed (or the facilitator publishes with a stated reason).
    Blocking,
    /// The case would read better: shown to the authors, never blocks.
    Advice,
}

impl Rule {
    /// Missing content a reader needs blocks: a required section, a part
    /// of the system overview, a measure of the impact, times, the cause a
    /// countermeasure addresses (the leap from problem to fix), an open
    /// question, an undecided suggestion, a system-specific term explained
    /// nowhere. How a countermeasure's reasons are phrased, a term explained
    /// in the text rather than the Glossary and tidying resolved comments
    /// are advice.
    pub fn level(self) -> Level {
        match self {
            Rule::SectionEmpty
            | Rule::SystemPurpose
            | Rule::SystemDesign
            | Rule::SystemMiddleware
            | Rule::ImpactMeasurable
            | Rule::TimelineTimes
            | Rule::CountermeasureCause
            | Rule::CountermeasurePermanent
            | Rule::QuestionUnanswered
            | Rule::SuggestionUndecided
            | Rule::GlossaryMissing => Level::Blocking,
            Rule::CountermeasureWhy
            | Rule::CountermeasureAlternatives
            | Rule::CommentUnresolved
            | Rule::GlossaryInline
            | Rule::AnswerNotFolded => Level::Advice,
        }
    }
}

/// One thing the case lacks for a reader who was not in the room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Finding {
    /// The section to fix (a section id; clicking the finding goes there).
    pub section: String,
    pub rule: Rule,
    /// Whether it blocks publishing ([`Rule::level`]) — unless dismissed.
    pub level: Level,
    /// Marked "not applicable" by an author or the facilitator: it no
    /// longer blocks, and says who and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dismissed: Option<Dismissal>,
    /// What exactly: the comment id, the glossary term or the
    /// countermeasure's first line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub reason_en: String,
    pub reason_ja: String,
}

impl Finding {
    /// Whether this finding keeps the case from being published.
    pub fn blocks(&self) -> bool {
        self.level == Level::Blocking && self.dismissed.is_none()
    }

    pub fn reason(&self, japanese: bool) -> &str {
        if japanese {
            &self.reason_ja
        } else {
            &self.reason_en
        }
    }
}

/// The answer to "is this case ready?": `GET …/readiness` sends it, the
/// browser's checklist shows the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Readiness {
    /// No blocking finding is left.
    pub ready: bool,
    /// Every finding, blocking and advice.
    pub findings: Vec<Finding>,
}

impl Readiness {
    pub fn of(findings: Vec<Finding>) -> Readiness {
        Readiness {
            ready: ready(&findings),
            findings,
        }
    }
}

/// Whether findings leave the case publishable: none of them blocks.
pub fn ready(findings: &[Finding]) -> bool {
    !findings.iter().any(Finding::blocks)
}

/// One section of the document with its Markdown.
#[derive(Debug, Clone, PartialEq)]
pub struct SectionText {
    pub section: Section,
    pub markdown: String,
}

/// Every section of a document, in outline order, with its Markdown.
pub fn section_texts<T: ReadTxn>(txn: &T) -> Vec<SectionText> {
    outline(txn)
        .into_iter()
        .map(|section| {
            let markdown = section_markdown(txn, &section.id);
            SectionText { section, markdown }
        })
        .collect()
}

/// Checks a document as stored in a yrs transaction.
pub fn check_document<T: ReadTxn>(txn: &T, meeting: &Meeting) -> Vec<Finding> {
    check(&section_texts(txn), meeting)
}

/// Whether `section` is template section `id` or a custom section titled
/// as it for sure ("Root causes" reads as the Causes; "Action items", which
/// only probably means the Countermeasures, is left as the author kept it).
fn reads_as(section: &Section, id: &str) -> bool {
    section.id == id
        || matches!(&section.title, SectionTitle::Custom(title)
            if section_for_heading(title).is_some_and(|n| n.certain && n.id == id))
}

/// The text a template section holds: its own, then that of custom
/// sections titled as it (see the module docs), and the section where a
/// finding about it is best fixed (the first of them that has text).
fn gathered<'a>(sections: &'a [SectionText], id: &str) -> (String, &'a str) {
    let mut text = String::new();
    let mut home: Option<&str> = None;
    for s in sections {
        if !reads_as(&s.section, id) {
            continue;
        }
        if !s.markdown.trim().is_empty() {
            home.get_or_insert(&s.section.id);
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(&s.markdown);
        }
    }
    (
        text,
        home.unwrap_or_else(|| {
            sections
                .iter()
                .find(|s| s.section.id == id)
                .map_or("", |s| s.section.id.as_str())
        }),
    )
}

/// Whether a section's text is nothing but a placeholder: blank, `TBD`,
/// `- 未定`, `see the wiki`.
fn blank(markdown: &str) -> bool {
    let words: Vec<&str> = markdown
        .lines()
        .map(|l| text::strip_list_marker(l.trim_start().trim_start_matches('#').trim()))
        .filter(|l| !l.trim().is_empty())
        .collect();
    words.is_empty() || is_placeholder(&words.join(" "))
}

/// Every finding, in outline order, then the meeting's, then the glossary's.
pub fn check(sections: &[SectionText], meeting: &Meeting) -> Vec<Finding> {
    let mut findings = Vec::new();
    for s in sections {
        let id = s.section.id.as_str();
        if !REQUIRED_SECTIONS.contains(&id) && !matches!(id, "glossary") {
            continue;
        }
        let (markdown, home) = gathered(sections, id);
        if blank(&markdown) {
            if REQUIRED_SECTIONS.contains(&id) {
                findings.push(finding(
                    id,
                    Rule::SectionEmpty,
                    None,
                    format!("“{}” is empty.", s.section.title(false)),
                    format!("「{}」が空です。", s.section.title(true)),
                ));
            }
            continue;
        }
        match id {
            "system" => system::check_system(home, &markdown, &mut findings),
            "impact" if !has_measure(&markdown) => findings.push(finding(
                home,
                Rule::ImpactMeasurable,
                None,
                "Impact has nothing measurable (users, duration, errors, money…).".into(),
                "影響に数値（ユーザー数、時間、エラー数、金額など）がありません。".into(),
            )),
            "timeline" if !has_time(&markdown) => findings.push(finding(
                home,
                Rule::TimelineTimes,
                None,
                "The timeline has no times (e.g. 14:05).".into(),
                "タイムラインに時刻（例: 14:05）がありません。".into(),
            )),
            "countermeasures" => countermeasures::check_countermeasures(
                home,
                &markdown,
                &gathered(sections, "causes").0,
                &mut findings,
            ),
            _ => {}
        }
    }
    comments::check_comments(meeting, &mut findings);
    glossary::check_glossary(sections, &mut findings);
    for f in &mut findings {
        f.dismissed = meeting
            .dismissal(f.rule, &f.section, f.subject.as_deref())
            .cloned();
    }
    findings
}

fn finding(section: &str, rule: Rule, subject: Option<String>, en: String, ja: String) -> Finding {
    Finding {
        section: section.to_owned(),
        rule,
        level: rule.level(),
        dismissed: None,
        subject,
        reason_en: en,
        reason_ja: ja,
    }
}

#[cfg(test)]
mod corpus;
#[cfg(test)]
mod tests;
