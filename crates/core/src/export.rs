//! A whole case as one Markdown file or one standalone HTML page, and the
//! way back: a Markdown file into sections.
//!
//! [`case_markdown`] writes the title, a metadata list (dates, participants,
//! time in each phase, the publishing override reason) and every section in
//! outline order with its Markdown exactly as the document holds it (the
//! Q&A and Kudos sections hold the meeting's answers and cards, which the
//! server writes into them). Each part starts with an HTML comment marker
//! that Markdown viewers do not show:
//!
//! ```text
//! # Checkout outage
//! <!-- casebook:metadata -->
//! - **Created:** 2026-11-02 14:05 UTC
//! …
//! <!-- casebook:section id="system" -->
//! ## System overview
//! Purpose: …
//! ```
//!
//! [`import_sections`] reads such a file back into the same sections (the
//! markers decide, so headings inside a section stay in it). A file written
//! elsewhere has no markers; then headings decide: the heading level of the
//! first heading that names a template section (its id or its English or
//! Japanese title, case-insensitive) is the *section level*. Every heading
//! at that level starts a section: the template section it names, or else a
//! new custom section with that title. Deeper headings stay inside the
//! current section. Text before the first section goes to the Summary, and
//! a level-1 heading before it is the case's title.
//!
//! [`case_html`] renders the same case as a small standalone page with
//! [`crate::markdown::to_safe_html`].

use crate::document::{template_section, TEMPLATE};
use crate::markdown::to_safe_html;
use crate::meeting::Meeting;
use crate::phase::Phase;
use crate::readiness::SectionText;

/// Everything an export shows.
#[derive(Debug, Clone, Copy)]
pub struct CaseExport<'a> {
    pub title: &'a str,
    pub created_at_ms: u64,
    /// Every section in outline order.
    pub sections: &'a [SectionText],
    /// The old free draft area; exported as "Draft" only when not empty.
    pub draft: &'a str,
    pub meeting: &'a Meeting,
    pub now_ms: u64,
    /// Section titles and labels in Japanese.
    pub japanese: bool,
}

const MARK_METADATA: &str = "<!-- casebook:metadata -->";
const MARK_DRAFT: &str = "<!-- casebook:draft -->";

fn section_marker(id: &str) -> String {
    format!("<!-- casebook:section id=\"{id}\" -->")
}

/// `2026-11-02 14:05 UTC` for milliseconds since the Unix epoch.
pub fn format_utc(ms: u64) -> String {
    let secs = ms / 1000;
    let days = (secs / 86_400) as i64;
    let (h, m) = ((secs % 86_400) / 3600, (secs % 3600) / 60);
    // Howard Hinnant's days → civil date.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{d:02} {h:02}:{m:02} UTC")
}

/// A phase's name, the same on the read page, in the export and in the
/// browser's phase bar.
pub fn phase_label(phase: Phase, japanese: bool) -> &'static str {
    match (phase, japanese) {
        (Phase::Drafting, false) => "Drafting",
        (Phase::SilentReading, false) => "Silent reading",
        (Phase::QAndA, false) => "Q&A",
        (Phase::Proposals, false) => "Proposals",
        (Phase::Kudos, false) => "Kudos",
        (Phase::Revision, false) => "Revision",
        (Phase::Published, false) => "Published",
        (Phase::Drafting, true) => "下書き",
        (Phase::SilentReading, true) => "黙読",
        (Phase::QAndA, true) => "質疑応答",
        (Phase::Proposals, true) => "提案",
        (Phase::Kudos, true) => "称賛",
        (Phase::Revision, true) => "修正",
        (Phase::Published, true) => "公開",
    }
}

fn minutes(ms: u64, japanese: bool) -> String {
    let tenths = (ms + 3_000) / 6_000;
    let unit = if japanese { "分" } else { " min" };
    format!("{}.{}{unit}", tenths / 10, tenths % 10)
}

/// The metadata list, in Markdown.
fn metadata(case: &CaseExport) -> String {
    let ja = case.japanese;
    let label = |en: &'static str, jp: &'static str| if ja { jp } else { en };
    let one_line = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let meeting = case.meeting;
    let mut out = String::new();
    out.push_str(&format!(
        "- **{}:** {}\n",
        label("Created", "作成"),
        format_utc(case.created_at_ms)
    ));
    match &meeting.published {
        Some(p) => {
            out.push_str(&format!(
                "- **{}:** {} ({})\n",
                label("Published", "公開"),
                format_utc(p.at_ms),
                one_line(&p.by.display_name)
            ));
            if let Some(reason) = &p.override_reason {
                out.push_str(&format!(
                    "- **{}:** {}\n",
                    label(
                        "Published despite readiness findings, because",
                        "準備チェックの指摘を残したまま公開した理由"
                    ),
                    one_line(reason)
                ));
            }
        }
        None => out.push_str(&format!(
            "- **{}:** {}\n",
            label("Phase", "フェーズ"),
            phase_label(meeting.phase, ja)
        )),
    }
    out.push_str(&format!(
        "- **{}:** {}\n",
        label("Participants", "参加者数"),
        meeting.participants().len()
    ));
    let durations: Vec<String> = meeting
        .phase_durations(case.now_ms)
        .into_iter()
        .filter(|d| d.visits > 0 && d.phase != Phase::Drafting && d.phase != Phase::Published)
        .map(|d| format!("{} {}", phase_label(d.phase, ja), minutes(d.total_ms, ja)))
        .collect();
    if !durations.is_empty() {
        out.push_str(&format!(
            "- **{}:** {}\n",
            label("Time in each phase", "各フェーズの時間"),
            durations.join(if ja { "、" } else { ", " })
        ));
    }
    out
}

/// The whole case as one Markdown file (see the module docs).
pub fn case_markdown(case: &CaseExport) -> String {
    let mut out = format!("# {}\n\n{MARK_METADATA}\n", case.title.trim());
    out.push_str(&metadata(case));
    for s in case.sections {
        out.push('\n');
        out.push_str(&section_marker(&s.section.id));
        out.push_str(&format!("\n## {}\n\n", s.section.title(case.japanese)));
        let body = s.markdown.trim_end();
        if !body.trim().is_empty() {
            out.push_str(body);
            out.push('\n');
        }
    }
    if !case.draft.trim().is_empty() {
        out.push_str(&format!(
            "\n{MARK_DRAFT}\n## {}\n\n{}\n",
            if case.japanese { "下書き" } else { "Draft" },
            case.draft.trim_end()
        ));
    }
    out
}

/// Escapes text for HTML content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const PAGE_STYLE: &str = "body{font-family:system-ui,'Hiragino Sans','Noto Sans JP',sans-serif;\
max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.7;color:#1d2330}\
h1{font-size:1.8rem}h2{border-bottom:1px solid #dde;padding-bottom:.2rem;margin-top:2rem}\
pre{background:#f4f5f8;padding:.8rem;overflow:auto}code{font-size:.9em}\
table{border-collapse:collapse}td,th{border:1px solid #ccd;padding:.2rem .5rem}\
.meta{color:#555;font-size:.9rem}";

/// The whole case as a standalone HTML page, every section rendered with
/// [`to_safe_html`].
pub fn case_html(case: &CaseExport) -> String {
    let lang = if case.japanese { "ja" } else { "en" };
    let title = escape_html(case.title.trim());
    let mut out = format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{PAGE_STYLE}</style>\n</head>\n<body>\n<article>\n\
         <h1>{title}</h1>\n<div class=\"meta\">\n{}</div>\n",
        to_safe_html(&metadata(case))
    );
    let mut part = |id: &str, heading: &str, markdown: &str| {
        out.push_str(&format!(
            "<section id=\"{}\">\n<h2>{}</h2>\n{}</section>\n",
            escape_html(id),
            escape_html(heading),
            to_safe_html(markdown)
        ));
    };
    for s in case.sections {
        part(&s.section.id, s.section.title(case.japanese), &s.markdown);
    }
    if !case.draft.trim().is_empty() {
        part(
            "draft",
            if case.japanese { "下書き" } else { "Draft" },
            case.draft,
        );
    }
    out.push_str("</article>\n</body>\n</html>\n");
    out
}

/// One section read from a Markdown file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedSection {
    /// A template section id, a custom id from a Casebook export, or `None`
    /// for a new custom section.
    pub id: Option<String>,
    /// The heading as written.
    pub title: String,
    pub markdown: String,
}

/// A Markdown file read into sections.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportedCase {
    /// The file's level-1 heading before any section, if any.
    pub title: Option<String>,
    /// In file order; a template section appears at most once (text under
    /// two headings naming the same section is joined).
    pub sections: Vec<ImportedSection>,
    /// A Casebook export's draft part.
    pub draft: Option<String>,
}

/// The template section a heading names: its id or its title in either
/// language, case-insensitive.
pub fn template_id_for(heading: &str) -> Option<&'static str> {
    let h = heading.trim().trim_matches(['*', '_', '`']).trim();
    TEMPLATE
        .iter()
        .find(|t| {
            h.eq_ignore_ascii_case(t.id)
                || h.eq_ignore_ascii_case(t.title_en)
                || h.to_lowercase() == t.title_ja.to_lowercase()
        })
        .map(|t| t.id)
}

/// A heading line's level and text (ATX headings only, outside code).
fn heading(line: &str) -> Option<(usize, &str)> {
    let t = line
        .strip_prefix("   ")
        .or_else(|| line.strip_prefix("  "))
        .or_else(|| line.strip_prefix(' '))
        .unwrap_or(line);
    let level = t.len() - t.trim_start_matches('#').len();
    if !(1..=6).contains(&level) {
        return None;
    }
    let rest = &t[level..];
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    let text = rest.trim().trim_end_matches('#').trim();
    Some((level, text))
}

/// Lines with a flag: inside a fenced code block.
fn lines_with_fences(markdown: &str) -> Vec<(&str, bool)> {
    let mut fence: Option<&str> = None;
    markdown
        .lines()
        .map(|line| {
            let t = line.trim_start();
            let marker = ["```", "~~~"].into_iter().find(|m| t.starts_with(m));
            match (fence, marker) {
                (None, Some(m)) => {
                    fence = Some(m);
                    (line, true)
                }
                (Some(f), Some(m)) if f == m => {
                    fence = None;
                    (line, true)
                }
                (Some(_), _) => (line, true),
                (None, None) => (line, false),
            }
        })
        .collect()
}

fn tidy(lines: &[&str]) -> String {
    let start = lines.iter().position(|l| !l.trim().is_empty());
    let end = lines.iter().rposition(|l| !l.trim().is_empty());
    match (start, end) {
        (Some(s), Some(e)) => {
            let mut text = lines[s..=e].join("\n");
            text.push('\n');
            text
        }
        _ => String::new(),
    }
}

fn marker_id(line: &str) -> Option<&str> {
    line.trim()
        .strip_prefix("<!-- casebook:section id=\"")?
        .strip_suffix("\" -->")
}

/// Reads a Markdown file into sections (see the module docs).
pub fn import_sections(markdown: &str) -> ImportedCase {
    let lines = lines_with_fences(markdown);
    let has_markers = lines
        .iter()
        .any(|(l, code)| !code && marker_id(l).is_some());
    if has_markers {
        import_marked(&lines)
    } else {
        import_by_headings(&lines)
    }
}

fn push_section(case: &mut ImportedCase, id: Option<String>, title: String, body: &[&str]) {
    let markdown = tidy(body);
    if let Some(id) = id.as_deref().filter(|id| template_section(id).is_some()) {
        if let Some(existing) = case
            .sections
            .iter_mut()
            .find(|s| s.id.as_deref() == Some(id))
        {
            if !markdown.is_empty() {
                if !existing.markdown.is_empty() {
                    existing.markdown.push('\n');
                }
                existing.markdown.push_str(&markdown);
            }
            return;
        }
    }
    case.sections.push(ImportedSection {
        id,
        title,
        markdown,
    });
}

fn import_marked(lines: &[(&str, bool)]) -> ImportedCase {
    enum Part {
        Preamble,
        Metadata,
        Section(String),
        Draft,
    }
    let mut case = ImportedCase::default();
    let mut part = Part::Preamble;
    let mut title: Option<String> = None;
    let mut body: Vec<&str> = Vec::new();
    let flush =
        |case: &mut ImportedCase, part: &Part, title: &Option<String>, body: &[&str]| match part {
            Part::Section(id) => push_section(
                case,
                Some(id.clone()),
                title.clone().unwrap_or_default(),
                body,
            ),
            Part::Draft => {
                let text = tidy(body);
                if !text.is_empty() {
                    case.draft = Some(text);
                }
            }
            Part::Preamble | Part::Metadata => {}
        };
    for (line, code) in lines.iter().copied() {
        let next = if code {
            None
        } else if let Some(id) = marker_id(line) {
            Some(Part::Section(id.to_owned()))
        } else if line.trim() == MARK_METADATA {
            Some(Part::Metadata)
        } else if line.trim() == MARK_DRAFT {
            Some(Part::Draft)
        } else {
            None
        };
        if let Some(next) = next {
            flush(&mut case, &part, &title, &body);
            part = next;
            title = None;
            body.clear();
            continue;
        }
        match &part {
            Part::Preamble => {
                if let (Some((1, text)), false, None) = (heading(line), code, &case.title) {
                    case.title = Some(text.to_owned());
                }
            }
            Part::Metadata => {}
            Part::Section(_) | Part::Draft => {
                if title.is_none() && body.iter().all(|l| l.trim().is_empty()) {
                    if let (Some((_, text)), false) = (heading(line), code) {
                        title = Some(text.to_owned());
                        body.clear();
                        continue;
                    }
                }
                body.push(line);
            }
        }
    }
    flush(&mut case, &part, &title, &body);
    case
}

fn import_by_headings(lines: &[(&str, bool)]) -> ImportedCase {
    let mut case = ImportedCase::default();
    let section_level = lines.iter().find_map(|(line, code)| {
        let (level, text) = heading(line).filter(|_| !code)?;
        template_id_for(text).map(|_| level)
    });
    let mut current: Option<(Option<String>, String)> = None;
    let mut body: Vec<&str> = Vec::new();
    let mut preamble: Vec<&str> = Vec::new();
    for (line, code) in lines.iter().copied() {
        let starts = if code {
            None
        } else {
            heading(line).filter(|(level, _)| Some(*level) == section_level)
        };
        if let Some((_, text)) = starts {
            if let Some((id, title)) = current.take() {
                push_section(&mut case, id, title, &body);
            }
            body.clear();
            current = Some((template_id_for(text).map(str::to_owned), text.to_owned()));
            continue;
        }
        if current.is_some() {
            body.push(line);
            continue;
        }
        match heading(line) {
            Some((1, text))
                if !code
                    && case.title.is_none()
                    && preamble.iter().all(|l| l.trim().is_empty()) =>
            {
                case.title = Some(text.to_owned());
            }
            _ => preamble.push(line),
        }
    }
    if let Some((id, title)) = current.take() {
        push_section(&mut case, id, title, &body);
    }
    if !tidy(&preamble).is_empty() {
        // Text before the first section belongs to the nearest one, the summary.
        let summary = TEMPLATE[0];
        let mut rest = std::mem::take(&mut case.sections);
        push_section(
            &mut case,
            Some(summary.id.into()),
            summary.title_en.into(),
            &preamble,
        );
        for s in rest.drain(..) {
            let body: Vec<&str> = s.markdown.lines().collect();
            push_section(&mut case, s.id, s.title, &body);
        }
    }
    case
}

#[cfg(test)]
mod tests;
