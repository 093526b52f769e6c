//! The shape of a postmortem's shared yrs document.
//!
//! Every replica creates its `Doc` through [`new_doc`] so that text offsets are
//! UTF-16 code units everywhere, as in Yjs and in the browser's textarea.
//!
//! The postmortem is a template of sections ([`TEMPLATE`]), each the root
//! `Text` named [`section_text_name`]`(id)` holding Markdown. The template is
//! what a reader who was not in the room needs, in order: what happened, the
//! system (purpose, design, middleware), impact, timeline, causes,
//! countermeasures with their constraints, lessons, the Q&A written down in
//! the meeting, kudos and a glossary. (The single root `Text` [`BODY`] is the
//! draft area the first browser page edits.)

use yrs::{Doc, OffsetKind, Options};

/// Name of the root `Text` that holds the free draft body (Markdown).
pub const BODY: &str = "body";

/// One section of the postmortem template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SectionTemplate {
    /// Stable id; the section's text is `section_text_name(id)`.
    pub id: &'static str,
    pub title_en: &'static str,
    pub title_ja: &'static str,
    /// What the section must let a reader understand.
    pub guide_en: &'static str,
    pub guide_ja: &'static str,
}

/// The postmortem template, in reading order.
pub const TEMPLATE: [SectionTemplate; 10] = [
    SectionTemplate {
        id: "summary",
        title_en: "Summary",
        title_ja: "概要",
        guide_en: "What happened, in a few sentences a newcomer understands.",
        guide_ja: "何が起きたかを、初めて読む人にも分かる数文で。",
    },
    SectionTemplate {
        id: "system",
        title_en: "System overview",
        title_ja: "システム概要",
        guide_en: "What the system is for, how it is designed, and the middleware and services it depends on. Write each on a line starting “Purpose:”, “Design:” and “Middleware:” (or as sub-headings).",
        guide_ja: "システムの目的、設計、依存するミドルウェアやサービス。「目的:」「設計:」「ミドルウェア:」で始まる行（または小見出し）にそれぞれ書く。",
    },
    SectionTemplate {
        id: "impact",
        title_en: "Impact",
        title_ja: "影響",
        guide_en: "Who was affected and how much, with numbers: users, duration, errors, money (e.g. “1,200 users for 40 minutes”).",
        guide_ja: "誰にどれだけ影響したかを数値で（ユーザー数、時間、エラー数、金額など。例:「1200人が40分間」）。",
    },
    SectionTemplate {
        id: "timeline",
        title_en: "Timeline",
        title_ja: "タイムライン",
        guide_en: "What happened when, with times and time zone (e.g. “14:05 JST”).",
        guide_ja: "いつ何が起きたか（時刻とタイムゾーン付き。例:「14:05 JST」）。",
    },
    SectionTemplate {
        id: "causes",
        title_en: "Causes",
        title_ja: "原因",
        guide_en: "The causes, technical and organisational, and how they were found.",
        guide_ja: "技術的・組織的な原因と、その特定方法。",
    },
    SectionTemplate {
        id: "countermeasures",
        title_en: "Countermeasures",
        title_ja: "対策",
        guide_en: "One list item or sub-heading per countermeasure, each with the cause it addresses (“Cause: …”), why it was chosen (“because …”), and the alternatives or constraints ruled out (“instead of …”, “alternative …”). Immediate mitigations may go under a “Mitigation” heading, rejected options under “Not chosen”.",
        guide_ja: "対策ごとに箇条書きか小見出しを一つ。それぞれに対応する原因（「原因: …」）、選んだ理由（「理由: …」「…ため」）、検討して退けた代替案や制約（「代替案: …」「検討した…」）を書く。応急の対応は「暫定対策」、採らなかった案は「採用しなかった案」の見出しの下に書ける。",
    },
    SectionTemplate {
        id: "lessons",
        title_en: "Lessons learned",
        title_ja: "教訓",
        guide_en: "What others can take from this case.",
        guide_ja: "他のチームがこの事例から学べること。",
    },
    SectionTemplate {
        id: "qa",
        title_en: "Q&A",
        title_ja: "Q&A",
        guide_en: "Questions asked in the meeting and their answers, written down.",
        guide_ja: "会議で出た質問と回答の記録。",
    },
    SectionTemplate {
        id: "kudos",
        title_en: "Kudos",
        title_ja: "称賛",
        guide_en: "People who did great during the incident, and what they did.",
        guide_ja: "インシデント対応で活躍した人と、その行動。",
    },
    SectionTemplate {
        id: "glossary",
        title_en: "Glossary",
        title_ja: "用語集",
        guide_en: "Every upper-case abbreviation used above (RDS, EC2…) and every in-house term marked [[like this]], one per line: “- RDS: …”.",
        guide_ja: "本文で使った大文字の略語（RDS、EC2 など）と [[このように]] 印を付けた社内用語を一行ずつ:「- RDS: …」。",
    },
];

/// Id of the section that collects the meeting's questions and answers.
pub const QA_SECTION: &str = "qa";
/// Id of the section that collects kudos.
pub const KUDOS_SECTION: &str = "kudos";

/// Every section's root `Text` is named this prefix and the section's id.
pub const SECTION_TEXT_PREFIX: &str = "section:";

/// Name of the root `Text` that holds section `id`.
pub fn section_text_name(id: &str) -> String {
    format!("{SECTION_TEXT_PREFIX}{id}")
}

/// The template section with this id.
pub fn template_section(id: &str) -> Option<&'static SectionTemplate> {
    TEMPLATE.iter().find(|s| s.id == id)
}

/// A document with UTF-16 offsets and a fresh random client id.
pub fn new_doc() -> Doc {
    Doc::with_options(Options {
        offset_kind: OffsetKind::Utf16,
        ..Options::default()
    })
}

/// Same as [`new_doc`] with a chosen client id (tests use this for
/// reproducible runs).
pub fn new_doc_with_client_id(client_id: u64) -> Doc {
    Doc::with_options(Options {
        offset_kind: OffsetKind::Utf16,
        client_id: yrs::block::ClientID::new(client_id),
        ..Options::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_has_unique_ids_and_both_languages() {
        for (i, section) in TEMPLATE.iter().enumerate() {
            assert!(
                TEMPLATE[..i].iter().all(|s| s.id != section.id),
                "{}",
                section.id
            );
            for text in [
                section.title_en,
                section.title_ja,
                section.guide_en,
                section.guide_ja,
            ] {
                assert!(!text.trim().is_empty(), "{}", section.id);
            }
        }
        assert!(template_section(QA_SECTION).is_some());
        assert!(template_section(KUDOS_SECTION).is_some());
        assert_eq!(section_text_name("qa"), "section:qa");
    }
    use yrs::{GetString, Text, Transact};

    #[test]
    fn offsets_count_utf16_code_units() {
        let doc = new_doc();
        let body = doc.get_or_insert_text(BODY);
        let mut txn = doc.transact_mut();
        body.insert(&mut txn, 0, "障害😀");
        // "障" and "害" are one unit each, the emoji two: insert after it at 4.
        body.insert(&mut txn, 4, "!");
        assert_eq!(body.get_string(&txn), "障害😀!");
    }
}
