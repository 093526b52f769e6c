//! The headings people actually write, and the template section each one
//! means: defined once here, used by the Markdown import (which section a
//! heading starts) and by the readiness check (a custom section titled
//! "Root causes" is read as the Causes).
//!
//! A heading names a section *for sure* (its id, its title in either
//! language, or a common synonym such as 再発防止策, Root cause(s),
//! 時系列, Customer impact) or *probably* (Action items, Background, Next
//! steps: often meant that way, sometimes not). The import maps both; its
//! preview asks about the probable ones.
//!
//! Inside the Countermeasures, a heading may also say what kind of entries
//! follow ([`MeasureKind`]): immediate mitigations (暫定対策) and rejected
//! options (採用しなかった案, Not chosen) are not countermeasures to be held
//! to a countermeasure's rules.
//!
//! Matching ignores case, emphasis, leading numbering (`2.`, `1)`,
//! `第3章`, `２．`), a trailing colon and a trailing parenthesis
//! (`Timeline (JST)`, `Root cause(s)`).

use crate::document::TEMPLATE;

/// The template section a heading names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SectionName {
    pub id: &'static str,
    /// `false` for headings that usually, but not always, mean the section.
    pub certain: bool,
}

struct Synonyms {
    id: &'static str,
    certain: &'static [&'static str],
    probable: &'static [&'static str],
}

/// Headings people use for each template section, besides its id and
/// titles (all lower case, as [`normalise`] leaves them).
const SYNONYMS: [Synonyms; 10] = [
    Synonyms {
        id: "summary",
        certain: &[
            "executive summary",
            "incident summary",
            "tl;dr",
            "tldr",
            "サマリー",
            "サマリ",
            "要約",
            "事象概要",
            "障害概要",
            "インシデント概要",
            "発生事象",
        ],
        probable: &["overview", "what happened", "description", "事象"],
    },
    Synonyms {
        id: "system",
        certain: &[
            "system",
            "system overview",
            "system description",
            "about the system",
            "architecture",
            "システム構成",
            "対象システム",
            "システムの概要",
            "アーキテクチャ",
            "構成",
        ],
        probable: &["background", "context", "背景", "前提"],
    },
    Synonyms {
        id: "impact",
        certain: &[
            "customer impact",
            "user impact",
            "business impact",
            "impact assessment",
            "影響範囲",
            "影響度",
            "被害",
            "ユーザー影響",
            "ユーザーへの影響",
            "顧客影響",
            "お客様への影響",
        ],
        probable: &[],
    },
    Synonyms {
        id: "timeline",
        certain: &[
            "incident timeline",
            "timeline of events",
            "sequence of events",
            "chronology",
            "時系列",
            "経緯",
            "対応経緯",
            "発生から復旧までの経緯",
            "対応履歴",
        ],
        probable: &[],
    },
    Synonyms {
        id: "causes",
        certain: &[
            "cause",
            "root cause",
            "root causes",
            "root cause analysis",
            "contributing factors",
            "why it happened",
            "根本原因",
            "発生原因",
            "原因分析",
            "要因",
            "直接原因",
        ],
        probable: &[],
    },
    Synonyms {
        id: "countermeasures",
        certain: &[
            "countermeasure",
            "remediation",
            "remediations",
            "corrective actions",
            "preventive measures",
            "prevention",
            "再発防止策",
            "恒久対策",
            "暫定対策",
            "根本対策",
            "今後の対策",
            "改善策",
            "対応策",
        ],
        probable: &[
            "action items",
            "next steps",
            "follow-ups",
            "follow-up actions",
            "follow ups",
            "todo",
            "今後の対応",
            "アクションアイテム",
        ],
    },
    Synonyms {
        id: "lessons",
        certain: &[
            "lessons",
            "learnings",
            "what we learned",
            "what we learnt",
            "学び",
            "得られた知見",
            "教訓と学び",
        ],
        probable: &["takeaways", "振り返り"],
    },
    Synonyms {
        id: "qa",
        certain: &["questions and answers", "質疑応答", "質疑"],
        probable: &[],
    },
    Synonyms {
        id: "kudos",
        certain: &[
            "thanks",
            "acknowledgements",
            "acknowledgments",
            "謝辞",
            "感謝",
        ],
        probable: &[],
    },
    Synonyms {
        id: "glossary",
        certain: &["terms", "terminology", "definitions", "用語", "用語解説"],
        probable: &[],
    },
];

/// What kind of entries follow a heading inside the Countermeasures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeasureKind {
    /// Permanent countermeasures (恒久対策): held to every rule.
    Permanent,
    /// Immediate mitigations (暫定対策): what stopped the bleeding.
    Mitigation,
    /// Options weighed and rejected (採用しなかった案).
    NotChosen,
}

const MITIGATION: [&str; 16] = [
    "暫定対策",
    "暫定対応",
    "応急処置",
    "応急対応",
    "初動対応",
    "一次対応",
    "mitigation",
    "mitigations",
    "immediate mitigation",
    "immediate mitigations",
    "immediate actions",
    "short-term",
    "short term",
    "short-term fixes",
    "workaround",
    "workarounds",
];

const NOT_CHOSEN: [&str; 14] = [
    "not chosen",
    "options not chosen",
    "rejected",
    "rejected options",
    "rejected alternatives",
    "alternatives considered",
    "considered but rejected",
    "採用しなかった案",
    "不採用",
    "不採用の案",
    "見送った案",
    "却下した案",
    "検討した代替案",
    "代替案",
];

const PERMANENT: [&str; 7] = [
    "恒久対策",
    "根本対策",
    "再発防止策",
    "permanent",
    "permanent fixes",
    "long-term",
    "long term",
];

/// A heading as compared: lower case, without emphasis, numbering, a
/// trailing colon or a trailing parenthesis.
pub fn normalise(heading: &str) -> String {
    let mut h: String = heading
        .chars()
        .filter(|c| !matches!(c, '*' | '_' | '`'))
        .collect();
    h = h.trim().to_lowercase();
    // Leading numbering: "2.", "1)", "2.1", "(3)", "２．", "第3章", "①".
    let numbering = |c: char| {
        c.is_ascii_digit()
            || ('０'..='９').contains(&c)
            || ('①'..='⑳').contains(&c)
            || matches!(c, '.' | '．' | ')' | '）' | '(' | '（' | '、')
    };
    let stripped = h.trim_start_matches(numbering);
    let removed = &h[..h.len() - stripped.len()];
    let separated = removed
        .chars()
        .any(|c| !c.is_ascii_digit() && !('０'..='９').contains(&c));
    if !removed.is_empty() && (separated || stripped.starts_with(char::is_whitespace)) {
        h = stripped.trim_start().to_owned();
    }
    if let Some(rest) = h.strip_prefix('第') {
        if let Some(at) = rest.find(['章', '節']) {
            h = rest[at + '章'.len_utf8()..].trim_start().to_owned();
        }
    }
    let mut h = h.trim_end_matches([':', '：']).trim().to_owned();
    for (open, close) in [('(', ')'), ('（', '）')] {
        if h.ends_with(close) {
            if let Some(at) = h.rfind(open).filter(|at| *at > 0) {
                h = h[..at].trim_end().to_owned();
            }
        }
    }
    h.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The template section a heading names, if any.
pub fn section_for_heading(heading: &str) -> Option<SectionName> {
    let h = normalise(heading);
    if h.is_empty() {
        return None;
    }
    if let Some(t) = TEMPLATE
        .iter()
        .find(|t| h == t.id || h == t.title_en.to_lowercase() || h == t.title_ja.to_lowercase())
    {
        return Some(SectionName {
            id: t.id,
            certain: true,
        });
    }
    SYNONYMS.iter().find_map(|s| {
        if s.certain.contains(&h.as_str()) {
            Some(SectionName {
                id: s.id,
                certain: true,
            })
        } else if s.probable.contains(&h.as_str()) {
            Some(SectionName {
                id: s.id,
                certain: false,
            })
        } else {
            None
        }
    })
}

/// What kind of countermeasures a heading inside the Countermeasures
/// introduces, if it says.
pub fn measure_kind(heading: &str) -> Option<MeasureKind> {
    let h = normalise(heading);
    if MITIGATION.contains(&h.as_str()) {
        Some(MeasureKind::Mitigation)
    } else if NOT_CHOSEN.contains(&h.as_str()) {
        Some(MeasureKind::NotChosen)
    } else if PERMANENT.contains(&h.as_str()) {
        Some(MeasureKind::Permanent)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_people_use_name_template_sections_in_both_languages() {
        let sure = |id| Some(SectionName { id, certain: true });
        let asks = |id| Some(SectionName { id, certain: false });
        for (heading, want) in [
            ("Summary", sure("summary")),
            ("概要", sure("summary")),
            ("システム構成", sure("system")),
            ("Background", asks("system")),
            ("**Customer impact**", sure("impact")),
            ("影響範囲", sure("impact")),
            ("Incident timeline (JST)", sure("timeline")),
            ("時系列", sure("timeline")),
            ("Root cause(s)", sure("causes")),
            ("3. 根本原因", sure("causes")),
            ("再発防止策", sure("countermeasures")),
            ("恒久対策", sure("countermeasures")),
            ("Remediation:", sure("countermeasures")),
            ("Action items", asks("countermeasures")),
            ("学び", sure("lessons")),
            ("What we learned", sure("lessons")),
            ("第5章 用語集", sure("glossary")),
            ("Our notes", None),
        ] {
            assert_eq!(section_for_heading(heading), want, "{heading}");
        }
    }

    #[test]
    fn headings_inside_countermeasures_say_what_kind_of_entries_follow() {
        assert_eq!(measure_kind("暫定対策"), Some(MeasureKind::Mitigation));
        assert_eq!(
            measure_kind("Immediate mitigation"),
            Some(MeasureKind::Mitigation)
        );
        assert_eq!(measure_kind("Not chosen"), Some(MeasureKind::NotChosen));
        assert_eq!(
            measure_kind("採用しなかった案"),
            Some(MeasureKind::NotChosen)
        );
        assert_eq!(measure_kind("恒久対策"), Some(MeasureKind::Permanent));
        assert_eq!(measure_kind("Reconnect on errors"), None);
    }
}
