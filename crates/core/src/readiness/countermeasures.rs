//! Countermeasures, each read on its own: the cause it addresses, why it
//! was chosen, and the alternatives or constraints weighed.
//!
//! **Which entries.** The section is split at its headings. A heading that
//! says what kind of entries follow (暫定対策, 恒久対策, Not chosen — see
//! [`crate::headings::measure_kind`]), or no heading, holds entries: each
//! table row, else each top-level list item, else its text. Any other
//! heading *is* an entry, with everything under it. Entries under a
//! mitigation heading (暫定対策, Immediate mitigation) are not held to these
//! rules; entries under a "Not chosen" heading, or labelled `Not chosen:` /
//! `採用しなかった案:`, are rejected alternatives, which count as the
//! alternatives weighed for every countermeasure.
//!
//! **Labels decide when present.** `Cause:` / `原因:` (also mid-line, in
//! brackets: `(cause: …)`), `Why:` / `理由:`, `Alternatives:` / `代替案:`,
//! or a table column with such a header. A label with nothing real after it
//! (`Cause: mistake`, `Why: because`, `Alternatives: none`, an empty cell, a
//! placeholder) counts as missing, whatever the rest of the entry says.
//!
//! **Otherwise the prose.** Cause: a cause by its number (`原因1への対策`,
//! `addresses root cause 2`, `RC1`; the bare word "the cause" names nothing),
//! the title of one of the Causes
//! section's headings or list items, or a distinctive word shared with one
//! of them ("Plug the file descriptor leak" for "a resource leak"). Why: because, since, so (that), to avoid / to catch / …,
//! 「ため」「ように」「ので」. Alternatives: instead, rather than,
//! considered, chose, a constraint in a sentence (cannot, needs a, only) /
//! 代替, 検討, 見送, ではなく, できない….

use super::text::{
    heading, inline_label_values, is_table_separator, is_top_level_item, is_vague, mentions, plain,
    prose_lines, strip_list_marker, table_cells,
};
use super::{finding, Finding, Rule};
use crate::headings::{measure_kind, MeasureKind};

const CAUSE_LABELS: [&str; 12] = [
    "root cause",
    "cause",
    "causes",
    "addresses",
    "fixes",
    "原因",
    "根本原因",
    "対応する原因",
    "対象の原因",
    "要因",
    "対処する原因",
    "related cause",
];
const WHY_LABELS: [&str; 8] = [
    "why",
    "reason",
    "rationale",
    "because",
    "理由",
    "なぜ",
    "狙い",
    "選定理由",
];
const ALT_LABELS: [&str; 12] = [
    "alternatives / constraints",
    "alternatives",
    "alternative",
    "alternatives considered",
    "constraints",
    "constraint",
    "options considered",
    "代替案",
    "代替",
    "制約",
    "検討した案",
    "比較した案",
];
const NOT_CHOSEN_LABELS: [&str; 6] = [
    "not chosen",
    "rejected",
    "採用しなかった案",
    "不採用",
    "見送った案",
    "却下",
];

/// Words that point at a cause by its number: "cause 2", "RC1",
/// "root cause #3", 「原因1」「要因②」.
const CAUSE_REFS: [&str; 5] = ["cause", "rc", "原因", "要因", "根本原因"];
const WHY_EN: [&str; 32] = [
    "because",
    "since ",
    "so that",
    "so ",
    "in order to",
    "to avoid",
    "to prevent",
    "to stop",
    "to catch",
    "to detect",
    "to notice",
    "to make",
    "to keep",
    "to ensure",
    "to reduce",
    "to limit",
    "to protect",
    "to give",
    "to let",
    "to allow",
    "to shorten",
    "to speed",
    "to cut",
    "to find",
    "to remove",
    "this means",
    "which means",
    "ensures",
    "prevents",
    "reason",
    "why",
    "chose",
];
const WHY_JA: [&str; 9] = [
    "ため",
    "ように",
    "ので",
    "理由",
    "なぜ",
    "防ぐ",
    "避ける",
    "防止",
    "狙い",
];
const ALT_EN: [&str; 25] = [
    "alternative",
    "instead",
    "rather than",
    "ruled out",
    "considered",
    "constraint",
    "trade-off",
    "tradeoff",
    "rejected",
    "chose",
    "chosen",
    "picked",
    "preferred",
    "opted",
    "cannot",
    "can't",
    "could not",
    "would need",
    "would require",
    "needs a",
    "requires",
    "not possible",
    "too expensive",
    "too slow",
    "budget",
];
const ALT_JA: [&str; 17] = [
    "代替",
    "代わり",
    "代案",
    "検討",
    "制約",
    "選択肢",
    "見送",
    "却下",
    "採用しなかった",
    "不採用",
    "ではなく",
    "案もあった",
    "できない",
    "難しい",
    "予算",
    "採らなかった",
    "比較",
];

/// One entry of the Countermeasures section.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub kind: MeasureKind,
    /// Its text; a table row reads as `Header: cell` lines.
    pub text: String,
}

fn is_not_chosen_item(text: &str) -> bool {
    let first = text.lines().next().unwrap_or("");
    let first = plain(strip_list_marker(first.trim_start()));
    NOT_CHOSEN_LABELS.iter().any(|l| {
        first.to_lowercase().starts_with(l)
            && first[l.len()..]
                .trim_start()
                .starts_with([':', '：', '—', '-'])
    })
}

/// The entries of a block of lines under one heading (or none).
fn block_entries(lines: &[&str], kind: MeasureKind, out: &mut Vec<Entry>) {
    let mut push = |text: String| {
        if text.trim().is_empty() {
            return;
        }
        let kind = if is_not_chosen_item(&text) {
            MeasureKind::NotChosen
        } else {
            kind
        };
        out.push(Entry { kind, text });
    };
    // A table: each row an entry, its cells under their headers.
    if let Some(at) = lines.iter().position(|l| is_table_separator(l)) {
        if let Some(header) = at.checked_sub(1).and_then(|h| table_cells(lines[h])) {
            for row in lines[at + 1..].iter().map_while(|l| table_cells(l)) {
                // The first cell names the entry; the others read as labels.
                let mut text = format!("{}\n", row.first().copied().unwrap_or(""));
                for (h, cell) in header
                    .iter()
                    .zip(row.iter().chain(std::iter::repeat(&"")))
                    .skip(1)
                {
                    text.push_str(&format!("{}: {cell}\n", plain(h)));
                }
                push(text);
            }
            return;
        }
    }
    if lines.iter().any(|l| is_top_level_item(l)) {
        let mut item: Option<String> = None;
        for line in lines {
            if is_top_level_item(line) {
                if let Some(done) = item.take() {
                    push(done);
                }
                item = Some(String::new());
            }
            if let Some(item) = item.as_mut() {
                item.push_str(line);
                item.push('\n');
            }
        }
        if let Some(done) = item {
            push(done);
        }
        return;
    }
    push(lines.join("\n"));
}

/// The section's entries (see the module docs).
pub fn entries(markdown: &str) -> Vec<Entry> {
    let lines = prose_lines(markdown);
    let mut out = Vec::new();
    // The kind set by the nearest heading that says one, and its level.
    let mut kind: Option<(MeasureKind, usize)> = None;
    let mut block: Vec<&str> = Vec::new();
    // The current heading when it is itself an entry.
    let mut titled: Option<Vec<&str>> = None;
    let flush = |block: &mut Vec<&str>,
                 titled: &mut Option<Vec<&str>>,
                 kind: Option<(MeasureKind, usize)>,
                 out: &mut Vec<Entry>| {
        let k = kind.map_or(MeasureKind::Permanent, |(k, _)| k);
        match titled.take() {
            Some(entry) => out.push(Entry {
                kind: k,
                text: entry.join("\n"),
            }),
            None => block_entries(block, k, out),
        }
        block.clear();
    };
    let has_headings = lines.iter().any(|l| heading(l).is_some());
    let mut seen_heading = false;
    for line in &lines {
        if let Some((level, text)) = heading(line) {
            // Plain text before the first heading introduces the entries.
            let intro = has_headings
                && !seen_heading
                && !block
                    .iter()
                    .any(|l| is_top_level_item(l) || is_table_separator(l));
            if intro {
                block.clear();
            }
            seen_heading = true;
            flush(&mut block, &mut titled, kind, &mut out);
            if kind.is_some_and(|(_, at)| level <= at) {
                kind = None;
            }
            match measure_kind(text) {
                Some(k) => kind = Some((k, level)),
                None => titled = Some(vec![line]),
            }
            continue;
        }
        match titled.as_mut() {
            Some(entry) => entry.push(line),
            None => block.push(line),
        }
    }
    flush(&mut block, &mut titled, kind, &mut out);
    out
}

/// A short name for an entry: its first line without Markdown.
pub fn entry_label(entry: &str) -> String {
    let first = entry.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let first = heading(first).map_or(first, |(_, t)| t).trim();
    let first = plain(strip_list_marker(first));
    let first = first.trim();
    let mut label: String = first.chars().take(60).collect();
    if first.chars().count() > 60 {
        label.push('…');
    }
    label
}

/// Whether `entry` answers a question: a label with content decides;
/// a label with nothing real counts as no answer; else the prose.
fn answers(entry: &str, labels: &[&str], en: &[&str], ja: &[&str]) -> bool {
    let values: Vec<String> = inline_label_values(entry, labels);
    if !values.is_empty() {
        return values.iter().any(|v| !is_vague(v));
    }
    // The prose, with vague label-like words removed ("because." alone).
    let words = plain(entry);
    mentions(&words, en, ja)
}

/// Distinctive words of a text: Latin words of four letters or more, cut
/// to a rough stem (`searches`, `searched` → `search`; `cached`, `cache` →
/// `cach`), and runs of two or more kanji or katakana; common words left out.
fn key_terms(text: &str) -> Vec<String> {
    let mut terms = Vec::new();
    let lower = text.to_lowercase();
    for word in lower.split(|c: char| !c.is_ascii_alphanumeric()) {
        let stem = stem(word);
        if stem.len() >= 4 && !COMMON_WORDS.contains(&stem) {
            terms.push(stem.to_owned());
        }
    }
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        let cjk = ('\u{4E00}'..='\u{9FFF}').contains(&c) || ('\u{30A0}'..='\u{30FF}').contains(&c);
        if cjk {
            run.push(c);
        } else {
            if run.chars().count() >= 2 && !COMMON_JA.contains(&run.as_str()) {
                terms.push(std::mem::take(&mut run));
            }
            run.clear();
        }
    }
    terms.sort();
    terms.dedup();
    terms
}

fn stem(word: &str) -> &str {
    let mut w = word;
    for (suffix, min) in [("ing", 7), ("ed", 6), ("es", 6), ("s", 5)] {
        if w.len() >= min && !w.ends_with("ss") {
            if let Some(rest) = w.strip_suffix(suffix) {
                w = rest;
                break;
            }
        }
    }
    w.strip_suffix('e').filter(|r| r.len() >= 4).unwrap_or(w)
}

/// Words too common to link a countermeasure to a cause (as stems).
const COMMON_WORDS: [&str; 72] = [
    "about", "after", "again", "becaus", "befor", "being", "could", "every", "first", "other",
    "their", "there", "thes", "thing", "thos", "under", "until", "wher", "which", "whil", "would",
    "should", "sinc", "caus", "with", "from", "that", "this", "have", "will", "into", "each",
    "also", "only", "make", "sure", "more", "when", "what", "then", "than", "them", "they", "were",
    "been", "some", "such", "very", "much", "most", "many", "time", "user", "team", "system",
    "servic", "data", "issu", "problem", "incident", "outag", "chang", "work", "need", "does",
    "done", "able", "just", "like", "over", "down", "same",
];
const COMMON_JA: [&str; 20] = [
    "対策",
    "原因",
    "対応",
    "場合",
    "必要",
    "今回",
    "実施",
    "発生",
    "確認",
    "設定",
    "追加",
    "変更",
    "障害",
    "影響",
    "システム",
    "サービス",
    "サーバー",
    "ユーザー",
    "問題",
    "作業",
];

/// The causes a countermeasure may name: each heading's or list item's
/// title in the Causes section, with its text.
fn cause_entries(causes: &str) -> Vec<(String, String)> {
    entries(causes)
        .into_iter()
        .map(|e| {
            let title = entry_label(&e.text).replace(['[', ']', '*', '_', '`'], "");
            (title.trim().to_lowercase(), e.text)
        })
        .collect()
}

/// "cause 2", "RC1", "root cause #3", 「原因1への対策」「要因②」: the word
/// alone ("this addresses the cause") names nothing.
fn refers_to_a_numbered_cause(text: &str) -> bool {
    let lower = text.to_lowercase();
    CAUSE_REFS.iter().any(|word| {
        lower.match_indices(word).any(|(at, _)| {
            let before = lower[..at].chars().next_back();
            let after = lower[at + word.len()..].trim_start_matches([' ', '#', '№', '-']);
            !before.is_some_and(|c| c.is_ascii_alphabetic())
                && after.starts_with(|c: char| {
                    c.is_ascii_digit() || ('０'..='９').contains(&c) || ('①'..='⑳').contains(&c)
                })
        })
    })
}

fn addresses_a_cause(entry: &str, causes: &[(String, String)]) -> bool {
    let values = inline_label_values(entry, &CAUSE_LABELS);
    if !values.is_empty() {
        return values.iter().any(|v| !is_vague(v));
    }
    if refers_to_a_numbered_cause(&plain(entry)) {
        return true;
    }
    let lower = plain(entry).to_lowercase();
    let mine = key_terms(entry);
    causes.iter().any(|(title, text)| {
        let title = title.trim_end_matches(['.', '。']);
        (title.chars().count() >= 4 && lower.contains(title))
            || key_terms(text).iter().any(|t| mine.contains(t))
    })
}

pub fn check_countermeasures(
    section: &str,
    markdown: &str,
    causes: &str,
    findings: &mut Vec<Finding>,
) {
    let all = entries(markdown);
    let causes = cause_entries(causes);
    let rejected_listed = all.iter().any(|e| e.kind == MeasureKind::NotChosen);
    if !all.is_empty() && !all.iter().any(|e| e.kind == MeasureKind::Permanent) {
        findings.push(finding(
            section,
            Rule::CountermeasurePermanent,
            None,
            "There are only immediate mitigations and rejected options: what keeps this from happening again?".into(),
            "暫定対策と採用しなかった案しかありません。再発を防ぐ恒久対策を書いてください。".into(),
        ));
    }
    for entry in all.iter().filter(|e| e.kind == MeasureKind::Permanent) {
        let text = &entry.text;
        let label = entry_label(text);
        let checks = [
            (
                Rule::CountermeasureWhy,
                answers(text, &WHY_LABELS, &WHY_EN, &WHY_JA),
                "does not say why it was chosen (because…)",
                "に選んだ理由がありません",
            ),
            (
                Rule::CountermeasureAlternatives,
                rejected_listed || answers(text, &ALT_LABELS, &ALT_EN, &ALT_JA),
                "does not say which alternatives or constraints were weighed",
                "に検討した代替案や制約がありません",
            ),
            (
                Rule::CountermeasureCause,
                addresses_a_cause(text, &causes),
                "does not name the cause it addresses (Cause: …)",
                "に対応する原因（原因: …）がありません",
            ),
        ];
        for (rule, ok, en, ja) in checks {
            if !ok {
                findings.push(finding(
                    section,
                    rule,
                    Some(label.clone()),
                    format!("Countermeasure “{label}” {en}."),
                    format!("対策「{label}」{ja}。"),
                ));
            }
        }
    }
}
