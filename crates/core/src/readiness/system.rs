//! The system overview's three parts: what the system is for, how it is
//! designed, and the middleware and services it uses — each labelled, with
//! real content after its label.

use super::text::{is_placeholder, label_value};
use super::{finding, Finding, Rule};

struct Part {
    rule: Rule,
    /// Lower-case labels, longest first where one starts another.
    labels: &'static [&'static str],
    en: &'static str,
    ja: &'static str,
}

const SYSTEM_PARTS: [Part; 3] = [
    Part {
        rule: Rule::SystemPurpose,
        labels: &[
            "purpose",
            "what it is for",
            "what it does",
            "role",
            "goal",
            "目的",
            "用途",
            "役割",
        ],
        en: "The system overview does not say what the system is for (a “Purpose:” line).",
        ja: "システム概要にシステムの目的（「目的:」の行）がありません。",
    },
    Part {
        rule: Rule::SystemDesign,
        labels: &[
            "design",
            "architecture",
            "structure",
            "how it works",
            "topology",
            "設計",
            "システム構成",
            "構成",
            "アーキテクチャ",
            "仕組み",
        ],
        en: "The system overview does not say how the system is designed (a “Design:” line).",
        ja: "システム概要に設計（「設計:」の行）がありません。",
    },
    Part {
        rule: Rule::SystemMiddleware,
        labels: &[
            "middleware",
            "services",
            "dependencies",
            "tech stack",
            "technology stack",
            "stack",
            "technologies",
            "infrastructure",
            "ミドルウェア",
            "使用ミドルウェア",
            "依存",
            "利用サービス",
            "サービス",
            "使用技術",
            "利用技術",
            "技術スタック",
            "インフラ",
        ],
        en: "The system overview does not name the middleware and services it uses (a “Middleware:” line).",
        ja: "システム概要に使っているミドルウェアやサービス（「ミドルウェア:」の行）がありません。",
    },
];

/// If `line` is a label line of one of the system parts: the part's index
/// and the text after the label on the same line.
fn label_line(line: &str) -> Option<(usize, String)> {
    SYSTEM_PARTS
        .iter()
        .enumerate()
        .find_map(|(i, part)| label_value(line, part.labels).map(|v| (i, v)))
}

/// `line` cut where a sentence starts with a label of a system part, so
/// that `目的: 決済。設計: モノリス` or `Purpose: pay. Design: one VM.` are two
/// labels. A sentence starts after `。`, `．`, `；`, or `.`, `;`, `!`, `?`
/// and a space, and at a `【`. Table rows are never cut.
fn label_sentences(line: &str) -> Vec<&str> {
    if line.trim_start().starts_with('|') {
        return vec![line];
    }
    let mut pieces = Vec::new();
    let mut start = 0;
    for (at, c) in line.char_indices() {
        let candidate = match (line[..at].chars().next_back(), c) {
            (Some('。' | '．' | '；'), _) => Some(at),
            (Some('.' | ';' | '!' | '?'), ' ') => Some(at + 1),
            (Some(_), '【') => Some(at),
            _ => None,
        };
        let Some(cut) = candidate else { continue };
        let rest = line[cut..].trim_start();
        if cut > start && !rest.is_empty() && label_line(rest).is_some() {
            pieces.push(&line[start..cut]);
            start = line.len() - rest.len();
        }
    }
    pieces.push(&line[start..]);
    pieces
}

/// The text of the system overview's labelled parts: purpose, design,
/// middleware (`None` when a label is missing). A label's text runs on
/// over the following sentences and lines up to the next label or heading;
/// labels count wherever a sentence starts.
pub fn system_parts(markdown: &str) -> [Option<String>; 3] {
    let mut contents: [Option<String>; 3] = [None, None, None];
    let mut current: Option<usize> = None;
    for line in markdown.lines() {
        for (k, sentence) in label_sentences(line).into_iter().enumerate() {
            if let Some((i, inline)) = label_line(sentence) {
                let slot = contents[i].get_or_insert_with(String::new);
                slot.push_str(&inline);
                slot.push('\n');
                current = Some(i);
            } else if k == 0 && line.trim_start().starts_with('#') {
                current = None;
            } else if let Some(i) = current {
                if let Some(slot) = contents[i].as_mut() {
                    slot.push_str(sentence);
                    slot.push('\n');
                }
            }
        }
    }
    contents
}

pub fn check_system(section: &str, markdown: &str, findings: &mut Vec<Finding>) {
    for (part, content) in SYSTEM_PARTS.iter().zip(system_parts(markdown)) {
        if content.as_deref().is_none_or(is_placeholder) {
            findings.push(finding(
                section,
                part.rule,
                None,
                part.en.into(),
                part.ja.into(),
            ));
        }
    }
}
