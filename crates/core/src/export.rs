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
//! [`crate::import`] reads such a file back into the same sections.
//!
//! [`case_html`] renders the same case as a small standalone page with
//! [`crate::markdown::to_safe_html`].

pub use crate::import::{import_sections, template_id_for, ImportedCase, ImportedSection};
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

pub(crate) const MARK_METADATA: &str = "<!-- casebook:metadata -->";
pub(crate) const MARK_DRAFT: &str = "<!-- casebook:draft -->";

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

#[cfg(test)]
mod tests;
