//! A whole case as one Markdown file or one standalone HTML page, and the
//! way back: a Markdown file into sections.
//!
//! [`case_markdown`] writes the title, a metadata list (the incident's date,
//! publication, authors, how many took part; see `record`), every section in
//! outline order with its Markdown exactly as the document holds it (the
//! Q&A and Kudos sections hold the meeting's answers and cards, which the
//! server writes into them), then the meeting record: questions with their
//! threads, proposals and decisions, who took part. Times are in the case's
//! time zone; labels in the case's language as the caller chose. Each part
//! starts with an HTML comment marker that Markdown viewers do not show:
//!
//! ```text
//! # Checkout outage
//! <!-- casebook:metadata -->
//! - **Incident:** 2026-11-02 23:05 UTC+09:00
//! …
//! <!-- casebook:section id="system" -->
//! ## System overview
//! Purpose: …
//! ```
//!
//! [`import_sections`] reads such a file back into the same sections (the
//! markers decide, so headings inside a section stay in it; the metadata and
//! the meeting record are made from the meeting and are not read back). A file written
//! elsewhere has no markers; then headings decide: the heading level of the
//! first heading that names a template section (its id or its English or
//! Japanese title, case-insensitive) is the *section level*. Every heading
//! at that level starts a section: the template section it names, or else a
//! new custom section with that title. Deeper headings stay inside the
//! current section. Text before the first section goes to the Summary, and
//! a level-1 heading before it is the case's title.
//!
//! [`case_html`] renders the same case as a small standalone page with
//! [`crate::markdown::to_safe_html`]: no script, a table of contents, and a
//! print style (header with title and date, wrapped code, no breaks after
//! headings).

use crate::document::{template_section, TEMPLATE};
use crate::markdown::to_safe_html;
use crate::meeting::Meeting;
use crate::readiness::SectionText;

mod record;

pub use record::{format_time, zone_name, UtcOffset};

/// Everything an export shows.
#[derive(Debug, Clone, Copy)]
pub struct CaseExport<'a> {
    pub title: &'a str,
    /// When the incident began, if the case says.
    pub incident_at_ms: Option<u64>,
    /// The case's time zone: every time is shown in it.
    pub utc_offset: UtcOffset,
    /// Every section in outline order.
    pub sections: &'a [SectionText],
    /// The old free draft area; exported as "Draft" only when not empty.
    pub draft: &'a str,
    pub meeting: &'a Meeting,
    /// Section titles and labels in Japanese.
    pub japanese: bool,
}

const MARK_METADATA: &str = "<!-- casebook:metadata -->";
const MARK_MEETING: &str = "<!-- casebook:meeting -->";
const MARK_DRAFT: &str = "<!-- casebook:draft -->";

fn section_marker(id: &str) -> String {
    format!("<!-- casebook:section id=\"{id}\" -->")
}

fn meeting_heading(japanese: bool) -> &'static str {
    if japanese {
        "会議の記録"
    } else {
        "What the meeting produced"
    }
}

fn draft_heading(japanese: bool) -> &'static str {
    if japanese {
        "下書き"
    } else {
        "Draft"
    }
}

/// The whole case as one Markdown file (see the module docs).
pub fn case_markdown(case: &CaseExport) -> String {
    let mut out = format!("# {}\n\n{MARK_METADATA}\n", case.title.trim());
    out.push_str(&record::metadata(case));
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
    let record = record::meeting_record(case);
    if !record.is_empty() {
        out.push_str(&format!(
            "\n{MARK_MEETING}\n## {}\n\n{}",
            meeting_heading(case.japanese),
            record
        ));
    }
    if !case.draft.trim().is_empty() {
        out.push_str(&format!(
            "\n{MARK_DRAFT}\n## {}\n\n{}\n",
            draft_heading(case.japanese),
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

/// On screen a readable column; on paper no link colours, no page break
/// right after a heading, and code that wraps instead of running off the page.
const PAGE_STYLE: &str = "body{font-family:system-ui,'Hiragino Sans','Noto Sans JP',sans-serif;\
max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.7;color:#1d2330}\
h1{font-size:1.8rem;margin-bottom:.2rem}h2{border-bottom:1px solid #dde;padding-bottom:.2rem;margin-top:2rem}\
pre{background:#f4f5f8;padding:.8rem;overflow:auto}code{font-size:.9em}\
table{border-collapse:collapse}td,th{border:1px solid #ccd;padding:.2rem .5rem;vertical-align:top}\
.meta{color:#555;font-size:.9rem}.case-date{color:#555;margin:0}\
.toc{background:#f7f8fb;border:1px solid #e3e5ec;padding:.4rem 1rem;margin:1rem 0}\
.toc h2{border:0;margin:.3rem 0;font-size:1rem}.toc ol{margin:.2rem 0;padding-left:1.4rem}\
@media print{body{max-width:none;margin:0;padding:0;font-size:10.5pt;color:#000}\
a{color:inherit;text-decoration:none}pre{overflow:visible;white-space:pre-wrap;overflow-wrap:anywhere}\
pre,table,blockquote,li{break-inside:avoid}h2,h3{break-after:avoid}\
.case-header{border-bottom:2px solid #000;margin-bottom:.6rem}.toc{break-after:page;background:none}}";

/// The whole case as a standalone HTML page without any script: a header
/// with the title and the date, the metadata, a table of contents, every
/// section rendered with [`to_safe_html`], then the meeting record.
pub fn case_html(case: &CaseExport) -> String {
    let ja = case.japanese;
    let lang = if ja { "ja" } else { "en" };
    let title = escape_html(case.title.trim());
    let date = case
        .incident_at_ms
        .or(case.meeting.published.as_ref().map(|p| p.at_ms))
        .map(|ms| {
            format!(
                "<p class=\"case-date\">{}</p>\n",
                escape_html(&format_time(ms, case.utc_offset))
            )
        })
        .unwrap_or_default();
    let record = record::meeting_record(case);
    let mut parts: Vec<(String, String, String)> = case
        .sections
        .iter()
        .map(|s| {
            let title = s.section.title(ja).to_owned();
            (s.section.id.clone(), title, s.markdown.clone())
        })
        .collect();
    if !record.is_empty() {
        parts.push(("meeting-record".into(), meeting_heading(ja).into(), record));
    }
    if !case.draft.trim().is_empty() {
        parts.push(("draft".into(), draft_heading(ja).into(), case.draft.into()));
    }
    let toc: String = parts
        .iter()
        .map(|(id, heading, _)| {
            format!(
                "<li><a href=\"#{}\">{}</a></li>",
                escape_html(id),
                escape_html(heading)
            )
        })
        .collect();
    let mut out = format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{PAGE_STYLE}</style>\n</head>\n<body>\n<article>\n\
         <header class=\"case-header\">\n<h1>{title}</h1>\n{date}</header>\n\
         <div class=\"meta\">\n{}</div>\n\
         <nav class=\"toc\" aria-label=\"{contents}\">\n<h2>{contents}</h2>\n<ol>{toc}</ol>\n</nav>\n",
        to_safe_html(&record::metadata(case)),
        contents = if ja { "目次" } else { "Contents" },
    );
    for (id, heading, markdown) in &parts {
        out.push_str(&format!(
            "<section id=\"{}\">\n<h2>{}</h2>\n{}</section>\n",
            escape_html(id),
            escape_html(heading),
            to_safe_html(markdown)
        ));
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
        /// The metadata and the meeting record: made from the meeting, not
        /// part of the document.
        Generated,
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
            Part::Preamble | Part::Generated => {}
        };
    for (line, code) in lines.iter().copied() {
        let next = if code {
            None
        } else if let Some(id) = marker_id(line) {
            Some(Part::Section(id.to_owned()))
        } else if line.trim() == MARK_METADATA || line.trim() == MARK_MEETING {
            Some(Part::Generated)
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
            Part::Generated => {}
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
