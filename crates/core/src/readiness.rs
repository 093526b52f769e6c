//! The readiness check: is this case ready for readers who were not in the
//! room?
//!
//! [`check`] is pure: it takes the outline's sections with their Markdown and
//! the meeting, and returns [`Finding`]s — the section concerned, a [`Rule`]
//! and a one-line reason in English and Japanese. The browser runs it live as
//! people type; the server runs it again when the facilitator publishes.
//!
//! What passes (the template's guides say the same to writers):
//!
//! - **Required sections** — Summary, System overview, Impact, Timeline,
//!   Causes and Countermeasures are not empty ([`Rule::SectionEmpty`]).
//! - **System overview** has three labelled parts, each a line starting with
//!   its label and a colon, or a sub-heading: `Purpose:` / `目的:`,
//!   `Design:` / `設計:` (also `Architecture`, `構成`), `Middleware:` /
//!   `ミドルウェア:` (also `Services`, `Dependencies`, `依存`, `サービス`).
//!   The text after the label (or under the sub-heading, up to the next
//!   label) must not be empty or a placeholder (`TBD`, `TODO`, `N/A`, `xxx`,
//!   `未定`, `未記入`, `検討中`, `…`, or text wholly in `<…>` / `(…)`).
//! - **Impact** states a measure: a number with a unit (`1,200 users`, `45
//!   minutes`, `3%`, `2万件`, `30分`, `500円`) or after a currency sign
//!   (`$3,000`, `¥5万`).
//! - **Timeline** has at least one time: `14:05`, `2026-11-02T14:05`,
//!   `14時5分`, `午後2時`.
//! - **Countermeasures**: each countermeasure — each sub-heading, or else
//!   each top-level list item, or else the whole section — says *why* it was
//!   chosen (`because`, `reason`, `why`, `so that` / `理由`, `なぜ`, `ため`,
//!   `ので`), what *alternatives or constraints* were weighed
//!   (`alternative`, `instead`, `rather than`, `ruled out`, `considered`,
//!   `constraint`, `trade-off` / `代替`, `代わり`, `検討`, `制約`,
//!   `選択肢`, `見送`, `却下`) and which *cause* it addresses (the word
//!   `cause` / `原因` / `要因`, e.g. a `Cause:` line, or the title of one of
//!   the Causes section's sub-headings).
//! - **The meeting**: every question answered, every suggestion accepted or
//!   declined, every comment resolved (one finding per comment, the first
//!   that applies).
//! - **Glossary**: every abbreviation — a word of ASCII letters and digits
//!   whose letters are all upper case, with at least two of them (`RDS`,
//!   `EC2`, `SLO`; a plural `s` is ignored: `APIs`), outside code — and
//!   every term the author marks as `[[term]]` appears in the Glossary
//!   section. A few abbreviations everyone knows are exempt
//!   ([`COMMON_ABBREVIATIONS`]).

use crate::comment::CommentKind;
use crate::meeting::Meeting;
use crate::outline::{outline, section_markdown, Section};
use serde::{Deserialize, Serialize};
use yrs::ReadTxn;

/// Abbreviations the glossary need not explain.
pub const COMMON_ABBREVIATIONS: [&str; 14] = [
    "OK", "ID", "AM", "PM", "UTC", "JST", "GMT", "URL", "HTTP", "HTTPS", "TBD", "TODO", "FAQ", "QA",
];

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
    QuestionUnanswered,
    SuggestionUndecided,
    CommentUnresolved,
    GlossaryMissing,
}

/// One thing that keeps the case from being ready.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The section to fix (a section id; clicking the finding goes there).
    pub section: String,
    pub rule: Rule,
    /// What exactly: the comment id, the glossary term or the
    /// countermeasure's first line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub reason_en: String,
    pub reason_ja: String,
}

impl Finding {
    pub fn reason(&self, japanese: bool) -> &str {
        if japanese {
            &self.reason_ja
        } else {
            &self.reason_en
        }
    }
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

/// Every finding, in outline order, then the meeting's, then the glossary's.
pub fn check(sections: &[SectionText], meeting: &Meeting) -> Vec<Finding> {
    let text_of = |id: &str| {
        sections
            .iter()
            .find(|s| s.section.id == id)
            .map(|s| s.markdown.as_str())
            .unwrap_or("")
    };
    let mut findings = Vec::new();
    for s in sections {
        let id = s.section.id.as_str();
        let blank = s.markdown.trim().is_empty();
        if blank && REQUIRED_SECTIONS.contains(&id) {
            findings.push(finding(
                id,
                Rule::SectionEmpty,
                None,
                format!("“{}” is empty.", s.section.title(false)),
                format!("「{}」が空です。", s.section.title(true)),
            ));
            continue;
        }
        match id {
            "system" => check_system(&s.markdown, &mut findings),
            "impact" if !has_measure(&s.markdown) => findings.push(finding(
                id,
                Rule::ImpactMeasurable,
                None,
                "Impact has nothing measurable (users, duration, errors, money…).".into(),
                "影響に数値（ユーザー数、時間、エラー数、金額など）がありません。".into(),
            )),
            "timeline" if !has_time(&s.markdown) => findings.push(finding(
                id,
                Rule::TimelineTimes,
                None,
                "The timeline has no times (e.g. 14:05).".into(),
                "タイムラインに時刻（例: 14:05）がありません。".into(),
            )),
            "countermeasures" => {
                check_countermeasures(&s.markdown, text_of("causes"), &mut findings)
            }
            _ => {}
        }
    }
    check_comments(meeting, &mut findings);
    check_glossary(sections, &mut findings);
    findings
}

fn finding(section: &str, rule: Rule, subject: Option<String>, en: String, ja: String) -> Finding {
    Finding {
        section: section.to_owned(),
        rule,
        subject,
        reason_en: en,
        reason_ja: ja,
    }
}

// ---------------------------------------------------------------- system

struct Part {
    rule: Rule,
    labels: &'static [&'static str],
    en: &'static str,
    ja: &'static str,
}

const SYSTEM_PARTS: [Part; 3] = [
    Part {
        rule: Rule::SystemPurpose,
        labels: &["purpose", "what it is for", "目的", "用途"],
        en: "The system overview does not say what the system is for (a “Purpose:” line).",
        ja: "システム概要にシステムの目的（「目的:」の行）がありません。",
    },
    Part {
        rule: Rule::SystemDesign,
        labels: &["design", "architecture", "設計", "構成", "アーキテクチャ"],
        en: "The system overview does not say how the system is designed (a “Design:” line).",
        ja: "システム概要に設計（「設計:」の行）がありません。",
    },
    Part {
        rule: Rule::SystemMiddleware,
        labels: &[
            "middleware",
            "services",
            "dependencies",
            "ミドルウェア",
            "依存",
            "サービス",
        ],
        en: "The system overview does not name the middleware and services it uses (a “Middleware:” line).",
        ja: "システム概要に使っているミドルウェアやサービス（「ミドルウェア:」の行）がありません。",
    },
];

/// If `line` is a label line of one of the system parts: the part's index
/// and the text after the label on the same line.
fn label_line(line: &str) -> Option<(usize, String)> {
    let trimmed = line.trim_start();
    let heading = trimmed.starts_with('#');
    let rest = trimmed.trim_start_matches('#').trim_start();
    let rest = strip_list_marker(rest);
    let rest = rest.trim_start_matches(['*', '_']).trim_start();
    for (i, part) in SYSTEM_PARTS.iter().enumerate() {
        for label in part.labels {
            let matches = rest
                .get(..label.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(label));
            if !matches {
                continue;
            }
            let after = &rest[label.len()..];
            let after = after.trim_start_matches(['*', '_']).trim_start();
            if let Some(content) = after.strip_prefix(':').or_else(|| after.strip_prefix('：')) {
                let content = content.trim_start_matches(['*', '_']).trim();
                return Some((i, content.to_owned()));
            }
            if heading && after.trim().is_empty() {
                return Some((i, String::new()));
            }
        }
    }
    None
}

/// The text of the system overview's labelled parts: purpose, design,
/// middleware (`None` when a label is missing).
pub fn system_parts(markdown: &str) -> [Option<String>; 3] {
    let mut contents: [Option<String>; 3] = [None, None, None];
    let mut current: Option<usize> = None;
    for line in markdown.lines() {
        if let Some((i, inline)) = label_line(line) {
            let slot = contents[i].get_or_insert_with(String::new);
            slot.push_str(&inline);
            slot.push('\n');
            current = Some(i);
        } else if line.trim_start().starts_with('#') {
            current = None;
        } else if let Some(i) = current {
            if let Some(slot) = contents[i].as_mut() {
                slot.push_str(line);
                slot.push('\n');
            }
        }
    }
    contents
}

fn check_system(markdown: &str, findings: &mut Vec<Finding>) {
    for (part, content) in SYSTEM_PARTS.iter().zip(system_parts(markdown)) {
        if content.as_deref().is_none_or(is_placeholder) {
            findings.push(finding(
                "system",
                part.rule,
                None,
                part.en.into(),
                part.ja.into(),
            ));
        }
    }
}

const PLACEHOLDERS: [&str; 16] = [
    "tbd",
    "todo",
    "tba",
    "na",
    "xxx",
    "fixme",
    "wip",
    "tk",
    "lorem ipsum",
    "未定",
    "未記入",
    "記入中",
    "あとで",
    "後で",
    "準備中",
    "検討中",
];

/// Empty, a known placeholder word, or text wholly in `<…>` or `(…)`.
pub fn is_placeholder(text: &str) -> bool {
    let t = text.trim();
    let bracketed = |open: char, close: char| t.starts_with(open) && t.ends_with(close);
    if bracketed('<', '>') || bracketed('(', ')') || bracketed('（', '）') || bracketed('[', ']')
    {
        return true;
    }
    let words: String = t
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ')
        .collect::<String>()
        .to_lowercase();
    let words = words.split_whitespace().collect::<Vec<_>>().join(" ");
    words.chars().count() < 2 || PLACEHOLDERS.contains(&words.as_str())
}

fn strip_list_marker(line: &str) -> &str {
    for marker in ["- ", "* ", "+ "] {
        if let Some(rest) = line.strip_prefix(marker) {
            return rest.trim_start();
        }
    }
    let digits = line.len() - line.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits > 0 {
        let rest = &line[digits..];
        if let Some(rest) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
            return rest.trim_start();
        }
    }
    line
}

// ---------------------------------------------------------------- impact, timeline

fn digit_value(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

const JA_UNITS: [&str; 26] = [
    "人",
    "件",
    "名",
    "分",
    "時間",
    "秒",
    "日",
    "円",
    "回",
    "社",
    "店舗",
    "％",
    "%",
    "割",
    "ユーザ",
    "台",
    "リクエスト",
    "エラー",
    "ドル",
    "ヶ月",
    "か月",
    "カ月",
    "週",
    "倍",
    "アカウント",
    "注文",
];

const EN_UNITS: [&str; 56] = [
    "%",
    "percent",
    "users",
    "user",
    "customers",
    "customer",
    "people",
    "persons",
    "requests",
    "request",
    "req",
    "rps",
    "qps",
    "tps",
    "errors",
    "error",
    "orders",
    "order",
    "transactions",
    "sessions",
    "accounts",
    "calls",
    "jobs",
    "messages",
    "emails",
    "pages",
    "minutes",
    "minute",
    "mins",
    "min",
    "hours",
    "hour",
    "hrs",
    "hr",
    "h",
    "seconds",
    "second",
    "secs",
    "sec",
    "s",
    "ms",
    "days",
    "day",
    "weeks",
    "k",
    "m",
    "million",
    "thousand",
    "billion",
    "usd",
    "jpy",
    "eur",
    "yen",
    "dollars",
    "times",
    "x",
];

const CURRENCY: [char; 5] = ['$', '¥', '￥', '€', '£'];

/// A number with a unit, or after a currency sign.
pub fn has_measure(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !digit_value(chars[i]) {
            i += 1;
            continue;
        }
        let before = chars[..i].iter().rev().find(|c| !c.is_whitespace());
        if before.is_some_and(|c| CURRENCY.contains(c)) {
            return true;
        }
        let mut j = i;
        while j < chars.len()
            && (digit_value(chars[j]) || matches!(chars[j], ',' | '.' | '，' | '．'))
        {
            j += 1;
        }
        let rest: String = chars[j..].iter().take(24).collect();
        if unit_follows(rest.trim_start()) {
            return true;
        }
        i = j.max(i + 1);
    }
    false
}

fn unit_follows(rest: &str) -> bool {
    let rest = rest.trim_start_matches(['万', '千', '百', '億']);
    if JA_UNITS.iter().any(|u| rest.starts_with(u)) {
        return true;
    }
    let lower = rest.to_lowercase();
    EN_UNITS.iter().any(|u| {
        lower.strip_prefix(u).is_some_and(|after| {
            u.starts_with('%') || !after.starts_with(|c: char| c.is_ascii_alphanumeric())
        })
    })
}

/// A clock time: `14:05`, `14：05`, `14時`, `午後2時`.
pub fn has_time(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    for i in 0..chars.len() {
        if !digit_value(chars[i]) {
            continue;
        }
        let mut j = i;
        while j < chars.len() && digit_value(chars[j]) {
            j += 1;
        }
        let len = j - i;
        if len > 2 {
            continue;
        }
        match chars.get(j) {
            Some(':' | '：') => {
                let two = chars.get(j + 1..j + 3);
                if two.is_some_and(|d| d.iter().all(|c| digit_value(*c))) {
                    return true;
                }
            }
            Some('時') => return true,
            _ => {}
        }
    }
    false
}

// ---------------------------------------------------------------- countermeasures

const WHY_EN: [&str; 6] = [
    "because",
    "reason",
    "why",
    "so that",
    "in order to",
    "chose",
];
const WHY_JA: [&str; 4] = ["理由", "なぜ", "ため", "ので"];
const ALT_EN: [&str; 9] = [
    "alternative",
    "instead",
    "rather than",
    "ruled out",
    "considered",
    "constraint",
    "trade-off",
    "tradeoff",
    "rejected",
];
const ALT_JA: [&str; 8] = [
    "代替",
    "代わり",
    "代案",
    "検討",
    "制約",
    "選択肢",
    "見送",
    "却下",
];
const CAUSE_EN: [&str; 2] = ["cause", "addresses"];
const CAUSE_JA: [&str; 2] = ["原因", "要因"];

/// Whether `text` has one of the English words (at a word start,
/// case-insensitive: "cause" is not found in "because") or Japanese words.
fn mentions(text: &str, en: &[&str], ja: &[&str]) -> bool {
    let lower = text.to_lowercase();
    let en_hit = en.iter().any(|word| {
        lower.match_indices(word).any(|(at, _)| {
            !lower[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphabetic())
        })
    });
    en_hit || ja.iter().any(|word| text.contains(word))
}

fn heading_text(line: &str) -> Option<&str> {
    let t = line.trim_start();
    let level = t.len() - t.trim_start_matches('#').len();
    if level == 0 || level > 6 {
        return None;
    }
    let rest = &t[level..];
    (rest.is_empty() || rest.starts_with(' ')).then(|| rest.trim())
}

fn is_top_level_item(line: &str) -> bool {
    let indent = line.len() - line.trim_start_matches(' ').len();
    indent < 2 && strip_list_marker(line.trim_start()).len() != line.trim_start().len()
}

/// Lines outside fenced code blocks.
fn prose_lines(markdown: &str) -> Vec<&str> {
    let mut in_fence = false;
    let mut lines = Vec::new();
    for line in markdown.lines() {
        let t = line.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            in_fence = !in_fence;
            continue;
        }
        if !in_fence {
            lines.push(line);
        }
    }
    lines
}

/// The countermeasures in a section: each sub-heading with what follows it,
/// else each top-level list item, else the whole text.
pub fn items(markdown: &str) -> Vec<String> {
    let lines = prose_lines(markdown);
    let split = |starts: &dyn Fn(&str) -> bool| -> Vec<String> {
        let mut items: Vec<String> = Vec::new();
        for line in &lines {
            if starts(line) {
                items.push(String::new());
            }
            if let Some(item) = items.last_mut() {
                item.push_str(line);
                item.push('\n');
            }
        }
        items
    };
    if lines.iter().any(|l| heading_text(l).is_some()) {
        return split(&|l| heading_text(l).is_some());
    }
    if lines.iter().any(|l| is_top_level_item(l)) {
        return split(&|l| is_top_level_item(l));
    }
    if markdown.trim().is_empty() {
        Vec::new()
    } else {
        vec![markdown.to_owned()]
    }
}

fn item_label(item: &str) -> String {
    let first = item.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let first = heading_text(first).unwrap_or(first).trim();
    let first = strip_list_marker(first).trim();
    let mut label: String = first.chars().take(60).collect();
    if first.chars().count() > 60 {
        label.push('…');
    }
    label
}

fn check_countermeasures(markdown: &str, causes: &str, findings: &mut Vec<Finding>) {
    let cause_titles: Vec<String> = prose_lines(causes)
        .into_iter()
        .filter_map(heading_text)
        .map(|t| {
            t.replace(['[', ']', '*', '_', '`'], "")
                .trim()
                .to_lowercase()
        })
        .filter(|t| t.chars().count() >= 2)
        .collect();
    for item in items(markdown) {
        let label = item_label(&item);
        let lower = item.to_lowercase();
        let checks = [
            (
                Rule::CountermeasureWhy,
                mentions(&item, &WHY_EN, &WHY_JA),
                "does not say why it was chosen (because…)",
                "に選んだ理由がありません",
            ),
            (
                Rule::CountermeasureAlternatives,
                mentions(&item, &ALT_EN, &ALT_JA),
                "does not say which alternatives or constraints were weighed",
                "に検討した代替案や制約がありません",
            ),
            (
                Rule::CountermeasureCause,
                mentions(&item, &CAUSE_EN, &CAUSE_JA)
                    || cause_titles.iter().any(|t| lower.contains(t.as_str())),
                "does not name the cause it addresses (Cause: …)",
                "に対応する原因（原因: …）がありません",
            ),
        ];
        for (rule, ok, en, ja) in checks {
            if !ok {
                findings.push(finding(
                    "countermeasures",
                    rule,
                    Some(label.clone()),
                    format!("Countermeasure “{label}” {en}."),
                    format!("対策「{label}」{ja}。"),
                ));
            }
        }
    }
}

// ---------------------------------------------------------------- meeting

fn check_comments(meeting: &Meeting, findings: &mut Vec<Finding>) {
    for comment in &meeting.comments {
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

// ---------------------------------------------------------------- glossary

/// Prose without fenced code blocks and inline code spans.
fn prose(markdown: &str) -> String {
    let mut out = String::new();
    for line in prose_lines(markdown) {
        let mut in_code = false;
        for part in line.split('`') {
            if !in_code {
                out.push_str(part);
            }
            out.push(' ');
            in_code = !in_code;
        }
        out.push('\n');
    }
    out
}

/// Upper-case abbreviations in prose, in order of first use (`RDS`, `EC2`;
/// `APIs` counts as `API`).
pub fn abbreviations(markdown: &str) -> Vec<String> {
    let text = prose(markdown);
    let mut found: Vec<String> = Vec::new();
    for word in text.split(|c: char| !c.is_ascii_alphanumeric()) {
        let word = match word.strip_suffix('s') {
            Some(stem) if stem.len() >= 2 => stem,
            _ => word,
        };
        let upper = word.chars().filter(char::is_ascii_uppercase).count();
        let lower = word.chars().any(|c| c.is_ascii_lowercase());
        if upper >= 2
            && !lower
            && !COMMON_ABBREVIATIONS.contains(&word)
            && !found.iter().any(|f| f == word)
        {
            found.push(word.to_owned());
        }
    }
    found
}

/// Terms the author marked as `[[term]]`, in order of first use.
pub fn marked_terms(markdown: &str) -> Vec<String> {
    let text = prose(markdown);
    let mut found: Vec<String> = Vec::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find("[[") {
        rest = &rest[start + 2..];
        let Some(end) = rest.find("]]") else { break };
        let term = rest[..end].trim();
        if !term.is_empty()
            && term.chars().count() <= 60
            && !term.contains(['\n', '[', ']'])
            && !found.iter().any(|f| f == term)
        {
            found.push(term.to_owned());
        }
        rest = &rest[end + 2..];
    }
    found
}

/// Whether the glossary's text defines `term`: abbreviations as a whole
/// word (case-sensitive), marked terms anywhere (case-insensitive).
fn in_glossary(glossary: &str, term: &str, abbreviation: bool) -> bool {
    if abbreviation {
        glossary
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| w == term || w.strip_suffix('s') == Some(term))
    } else {
        glossary.to_lowercase().contains(&term.to_lowercase())
    }
}

fn check_glossary(sections: &[SectionText], findings: &mut Vec<Finding>) {
    let glossary = sections
        .iter()
        .find(|s| s.section.id == "glossary")
        .map(|s| prose(&s.markdown))
        .unwrap_or_default();
    let mut seen: Vec<String> = Vec::new();
    for s in sections.iter().filter(|s| s.section.id != "glossary") {
        let terms = abbreviations(&s.markdown)
            .into_iter()
            .map(|t| (t, true))
            .chain(marked_terms(&s.markdown).into_iter().map(|t| (t, false)));
        for (term, abbreviation) in terms {
            if seen.contains(&term) || in_glossary(&glossary, &term, abbreviation) {
                continue;
            }
            findings.push(finding(
                "glossary",
                Rule::GlossaryMissing,
                Some(term.clone()),
                format!(
                    "“{term}” (used in {}) is not in the glossary.",
                    s.section.title(false)
                ),
                format!(
                    "「{term}」（{}で使用）が用語集にありません。",
                    s.section.title(true)
                ),
            ));
            seen.push(term);
        }
    }
}

#[cfg(test)]
mod corpus;
#[cfg(test)]
mod tests;
