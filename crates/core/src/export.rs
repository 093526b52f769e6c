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
//! [`crate::import`] reads such a file back into the same sections (the
//! metadata and the meeting record are made from the meeting and are not
//! read back).
//!
//! [`case_html`] renders the same case as a small standalone page with
//! [`crate::markdown::to_safe_html`]: no script, a table of contents, and a
//! print style (header with title and date, wrapped code, no breaks after
//! headings).

pub use crate::import::{import_sections, template_id_for, ImportedCase, ImportedSection};
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
    /// What the meeting changed: per section, from the version kept when
    /// silent reading started to the document exported (empty: none kept).
    pub changes: &'a [crate::versions::SectionDiff],
}

pub(crate) const MARK_METADATA: &str = "<!-- casebook:metadata -->";
pub(crate) const MARK_MEETING: &str = "<!-- casebook:meeting -->";
pub(crate) const MARK_DRAFT: &str = "<!-- casebook:draft -->";

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
/// In the meeting record's tables a word too long for its cell breaks, but the
/// centred cells (the action items' due dates) never wrap, on screen or
/// paper, however narrow the column; on a screen too narrow for a table
/// (a phone), the table scrolls sideways in its place, not the page.
const PAGE_STYLE: &str = "body{font-family:system-ui,'Hiragino Sans','Noto Sans JP',sans-serif;\
max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.7;color:#1d2330}\
h1{font-size:1.8rem;margin-bottom:.2rem}h2{border-bottom:1px solid #dde;padding-bottom:.2rem;margin-top:2rem}\
pre{background:#f4f5f8;padding:.8rem;overflow:auto}code{font-size:.9em}\
table{border-collapse:collapse}td,th{border:1px solid #ccd;padding:.2rem .5rem;vertical-align:top}\
#meeting-record td{overflow-wrap:break-word}#meeting-record td[style*=center]{white-space:nowrap}\
@media screen{table{display:block;max-width:100%;overflow-x:auto}}\
img{max-width:100%;height:auto}figure.diagram{margin:1rem 0;overflow-x:auto}\
.meta{color:#555;font-size:.9rem}.case-date{color:#555;margin:0}\
.toc{background:#f7f8fb;border:1px solid #e3e5ec;padding:.4rem 1rem;margin:1rem 0}\
.toc h2{border:0;margin:.3rem 0;font-size:1rem}.toc ol{margin:.2rem 0;padding-left:1.4rem}\
@media print{body{max-width:none;margin:0;padding:0;font-size:10.5pt;color:#000}\
a{color:inherit;text-decoration:none}pre{overflow:visible;white-space:pre-wrap;overflow-wrap:anywhere}\
pre,table,blockquote,li,img,figure{break-inside:avoid}h2,h3{break-after:avoid}\
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

#[cfg(test)]
mod tests;
