//! Reading Markdown the way the rules need it: prose lines outside code,
//! headings, list items, labels in the forms people write them
//! (`Purpose: …`, `**Purpose** — …`, `【目的】…`, `| Purpose | … |`),
//! tables, and what does not count as content (placeholders, vague words).

/// Lines outside fenced code blocks.
pub fn prose_lines(markdown: &str) -> Vec<&str> {
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

/// A heading line's level and text.
pub fn heading(line: &str) -> Option<(usize, &str)> {
    let t = line.trim_start();
    let level = t.len() - t.trim_start_matches('#').len();
    if level == 0 || level > 6 {
        return None;
    }
    let rest = &t[level..];
    (rest.is_empty() || rest.starts_with(' '))
        .then(|| (level, rest.trim().trim_end_matches('#').trim()))
}

pub fn heading_text(line: &str) -> Option<&str> {
    heading(line).map(|(_, text)| text)
}

pub fn strip_list_marker(line: &str) -> &str {
    for marker in ["- ", "* ", "+ ", "・", "• "] {
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

/// A list item at the top level (indented less than two spaces).
pub fn is_top_level_item(line: &str) -> bool {
    let indent = line.len() - line.trim_start_matches(' ').len();
    indent < 2 && strip_list_marker(line.trim_start()).len() != line.trim_start().len()
}

/// The cells of a table row (`| a | b |`), or `None` for other lines.
pub fn table_cells(line: &str) -> Option<Vec<&str>> {
    let t = line.trim();
    let inner = t.strip_prefix('|')?;
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    Some(inner.split('|').map(str::trim).collect())
}

/// A table's separator row (`| --- | :-: |`).
pub fn is_table_separator(line: &str) -> bool {
    table_cells(line).is_some_and(|cells| {
        cells
            .iter()
            .all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')))
    })
}

/// Text without Markdown emphasis markers.
pub fn plain(text: &str) -> String {
    text.replace("**", "").replace("__", "")
}

/// If `line` starts with one of `labels` written as a label — followed by a
/// colon, a dash or a table bar, or alone on a heading, in bold or in
/// 【】 — the text after it (empty when it stands alone).
pub fn label_value(line: &str, labels: &[&str]) -> Option<String> {
    let raw = line.trim_start();
    let is_heading = raw.starts_with('#');
    let bold_alone = {
        let t = strip_list_marker(raw.trim_start_matches('#').trim_start()).trim();
        (t.starts_with("**") && t.ends_with("**")) || (t.starts_with("__") && t.ends_with("__"))
    };
    let text = plain(raw);
    let text = text.trim_start_matches('#').trim_start();
    let text = strip_list_marker(text);
    let text = text.strip_prefix('|').unwrap_or(text).trim_start();
    let (text, bracketed) = match text.strip_prefix('【') {
        Some(rest) => (rest, true),
        None => (text, false),
    };
    for label in labels {
        if !starts_with_ignoring_case(text, label) {
            continue;
        }
        let after = &text[label.len()..];
        if bracketed {
            if let Some(rest) = after.strip_prefix('】') {
                return Some(rest.trim().to_owned());
            }
            continue;
        }
        let after_trim = after.trim_start();
        for sep in [":", "：", "—", "–", "- ", "|", "="] {
            if let Some(rest) = after_trim.strip_prefix(sep) {
                if sep == "- " && after_trim.len() == after.len() {
                    continue;
                }
                let rest = rest.trim().trim_end_matches('|').trim();
                return Some(rest.to_owned());
            }
        }
        if after.trim().trim_end_matches([':', '：']).is_empty() && (is_heading || bold_alone) {
            return Some(String::new());
        }
    }
    None
}

/// Whether `text` starts with `lower` (a lower-case word), ignoring case.
pub fn starts_with_ignoring_case(text: &str, lower: &str) -> bool {
    text.get(..lower.len())
        .is_some_and(|prefix| prefix.to_lowercase() == lower)
}

/// Values of `labels` written anywhere in `text`, also mid-line and in
/// brackets: `(cause: stale cache)`, `（原因：全件再実行）`. Each value runs
/// to the end of its sentence or bracket.
pub fn inline_label_values(text: &str, labels: &[&str]) -> Vec<String> {
    let text = plain(text);
    let mut values = Vec::new();
    for label in labels {
        for (at, _) in text.char_indices() {
            if !starts_with_ignoring_case(&text[at..], label) {
                continue;
            }
            let before = text[..at].chars().next_back();
            if before.is_some_and(|c| c.is_ascii_alphanumeric()) {
                continue;
            }
            let after = &text[at + label.len()..];
            let after_trim = after.trim_start();
            let Some(rest) = after_trim
                .strip_prefix(':')
                .or_else(|| after_trim.strip_prefix('：'))
            else {
                continue;
            };
            let end = rest
                .find(['\n', ')', '）', '。', '|', ';', '；'])
                .unwrap_or(rest.len());
            let mut value = rest[..end].trim();
            // A sentence ends at ". " (not at "1.5" or "e.g.").
            if let Some(stop) = value.find(". ") {
                value = &value[..stop];
            }
            values.push(value.trim().trim_end_matches('.').trim().to_owned());
        }
    }
    values
}

const PLACEHOLDERS: [&str; 24] = [
    "tbd",
    "todo",
    "tba",
    "na",
    "n a",
    "xxx",
    "fixme",
    "wip",
    "tk",
    "lorem ipsum",
    "coming soon",
    "to be written",
    "to be decided",
    "未定",
    "未記入",
    "記入中",
    "あとで",
    "後で",
    "準備中",
    "検討中",
    "後日記入",
    "別途",
    "省略",
    "調査中",
];

/// Empty, a known placeholder, a pointer elsewhere instead of content
/// ("see the wiki", 「Wikiを参照」), or text wholly in `<…>` or `(…)`.
pub fn is_placeholder(text: &str) -> bool {
    let t = text.trim();
    let bracketed = |open: char, close: char| t.starts_with(open) && t.ends_with(close);
    if bracketed('<', '>') || bracketed('(', ')') || bracketed('（', '）') || bracketed('[', ']')
    {
        return true;
    }
    let words: String = t
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .to_lowercase();
    let words = words.split_whitespace().collect::<Vec<_>>().join(" ");
    if words.chars().count() < 2 || PLACEHOLDERS.contains(&words.as_str()) {
        return true;
    }
    // "see the wiki", "see Confluence", "refer to the design doc".
    let pointer = ["see ", "refer to ", "check "]
        .iter()
        .any(|p| words.starts_with(p) && words.split(' ').count() <= 5);
    // 「Wikiを参照」「設計書参照」「別紙のとおり」.
    let pointer_ja = (t.ends_with("参照") || t.ends_with("参照。") || t.contains("別紙"))
        && t.chars().count() <= 16;
    pointer || pointer_ja
}

const VAGUE: [&str; 28] = [
    "none",
    "nothing",
    "no",
    "yes",
    "mistake",
    "a mistake",
    "human error",
    "error",
    "bug",
    "a bug",
    "issue",
    "problem",
    "because",
    "unknown",
    "various",
    "misc",
    "same as above",
    "see above",
    "なし",
    "特になし",
    "無し",
    "ミス",
    "人的ミス",
    "ヒューマンエラー",
    "不明",
    "不注意",
    "同上",
    "バグ",
];

/// A label's value that says nothing: a placeholder or a vague word
/// ("Cause: mistake", "Why: because", 「代替案: なし」).
pub fn is_vague(value: &str) -> bool {
    if is_placeholder(value) {
        return true;
    }
    let v: String = value
        .trim()
        .trim_end_matches(['.', '。', '!', '！'])
        .to_lowercase();
    VAGUE.contains(&v.trim())
}

/// Whether `text` has one of the English words (at a word start,
/// case-insensitive: "cause" is not found in "because") or Japanese words.
pub fn mentions(text: &str, en: &[&str], ja: &[&str]) -> bool {
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

/// Prose without fenced code blocks and inline code spans.
pub fn prose(markdown: &str) -> String {
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
