//! Export and import: what the files say, and the way back.

use super::*;
use crate::document::TEMPLATE;
use crate::meeting::{Actor, Command, CommandKind};
use crate::outline::{Section, SectionTitle};
use crate::role::Role;

fn sections(texts: &[(&str, &str)]) -> Vec<SectionText> {
    let mut out: Vec<SectionText> = TEMPLATE
        .iter()
        .enumerate()
        .map(|(i, t)| SectionText {
            section: Section {
                id: t.id.into(),
                title: SectionTitle::Template(t),
                position: i as f64,
            },
            markdown: texts
                .iter()
                .find(|(id, _)| *id == t.id)
                .map(|(_, m)| (*m).to_owned())
                .unwrap_or_default(),
        })
        .collect();
    out.insert(
        7,
        SectionText {
            section: Section {
                id: "custom-notes".into(),
                title: SectionTitle::Custom("補足メモ".into()),
                position: 6.5,
            },
            markdown: "## 目的\nこれは補足です 😀\n".into(),
        },
    );
    out
}

const TEXTS: [(&str, &str); 4] = [
    ("summary", "Checkout failed for 40 minutes."),
    (
        "system",
        "## 目的\n決済。\n\n## 設計\n```\n## not a heading\n<!-- casebook:section id=\"qa\" -->\n```\n",
    ),
    ("qa", "- **Q:** Why MySQL?\n  **A:** A plugin.\n"),
    ("kudos", "- **佐藤さん**: 見事な切り戻し (Aiko)\n"),
];

fn published_meeting() -> Meeting {
    let mut meeting = Meeting::new(1_700_000_000_000);
    let sre = Actor {
        participant_id: "sre".into(),
        role: Role::Facilitator,
        display_name: "SRE 佐藤".into(),
    };
    let mut now = 1_700_000_000_000;
    for to in [
        Phase::SilentReading,
        Phase::QAndA,
        Phase::Proposals,
        Phase::Kudos,
        Phase::Revision,
        Phase::Published,
    ] {
        now += 600_000;
        let override_reason = (to == Phase::Published).then(|| "glossary\n next week | ok".into());
        let command = Command {
            command_id: format!("{to}"),
            kind: CommandKind::MovePhase {
                to,
                override_reason,
            },
        };
        meeting
            .execute(&sre, &command, now, &mut || "x".into())
            .expect("the facilitator moves on");
    }
    meeting
}

fn export<'a>(
    sections: &'a [SectionText],
    meeting: &'a Meeting,
    draft: &'a str,
    japanese: bool,
) -> CaseExport<'a> {
    CaseExport {
        title: "Checkout outage 決済障害",
        created_at_ms: 1_700_000_000_000,
        sections,
        draft,
        meeting,
        now_ms: 1_700_009_000_000,
        japanese,
    }
}

#[test]
fn the_markdown_export_has_metadata_and_every_section_in_order() {
    let s = sections(&TEXTS);
    let meeting = published_meeting();
    let md = case_markdown(&export(&s, &meeting, "", false));
    assert!(
        md.starts_with("# Checkout outage 決済障害\n\n<!-- casebook:metadata -->\n"),
        "{md}"
    );
    assert!(md.contains("- **Created:** 2023-11-14 22:13 UTC\n"), "{md}");
    assert!(
        md.contains("- **Published:** 2023-11-14 23:13 UTC (SRE 佐藤)\n"),
        "{md}"
    );
    assert!(md.contains("because:** glossary next week | ok\n"), "{md}");
    assert!(md.contains("- **Participants:** 1\n"), "{md}");
    assert!(md.contains("Silent reading 10.0 min, Q&A 10.0 min"), "{md}");
    let mut at = 0;
    for s in &s {
        let heading = format!("## {}\n", s.section.title(false));
        let found = md[at..]
            .find(&heading)
            .unwrap_or_else(|| panic!("{heading} in order"));
        at += found + heading.len();
        assert!(md.contains(s.markdown.trim_end()));
    }
    assert!(!md.contains("Draft"));
    let md = case_markdown(&export(&s, &meeting, "old draft", true));
    assert!(md.contains("## システム概要\n"));
    assert!(md.contains("- **作成:** 2023-11-14 22:13 UTC\n"));
    // Minutes as 分, phase names as in the browser's phase bar.
    assert!(md.contains("黙読 10.0分、質疑応答 10.0分"), "{md}");
    assert!(md.contains("## 下書き\n\nold draft\n"));
}

#[test]
fn export_then_import_gives_back_the_same_sections() {
    let s = sections(&TEXTS);
    let meeting = published_meeting();
    for japanese in [false, true] {
        let md = case_markdown(&export(&s, &meeting, "下書き 🚧", japanese));
        let imported = import_sections(&md);
        assert_eq!(imported.title.as_deref(), Some("Checkout outage 決済障害"));
        assert_eq!(imported.draft.as_deref(), Some("下書き 🚧\n"));
        let got: Vec<(Option<&str>, &str)> = imported
            .sections
            .iter()
            .map(|i| (i.id.as_deref(), i.markdown.trim_end()))
            .collect();
        let want: Vec<(Option<&str>, &str)> = s
            .iter()
            .map(|t| (Some(t.section.id.as_str()), t.markdown.trim_end()))
            .collect();
        assert_eq!(got, want);
        assert_eq!(imported.sections[7].title, "補足メモ");
    }
}

#[test]
fn a_foreign_file_maps_headings_to_sections_in_both_languages() {
    let md = "# Payment outage\n\nIntro line.\n\n## 概要\nDB failed.\n\n## SYSTEM OVERVIEW\n### Purpose\nPay.\n\n\
              ## Our notes\nfree text\n\n## impact\n1,000 users\n\n## Summary\nMore summary.\n";
    let case = import_sections(md);
    assert_eq!(case.title.as_deref(), Some("Payment outage"));
    let got: Vec<(Option<&str>, &str, &str)> = case
        .sections
        .iter()
        .map(|s| (s.id.as_deref(), s.title.as_str(), s.markdown.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                Some("summary"),
                "Summary",
                "Intro line.\n\nDB failed.\n\nMore summary.\n"
            ),
            (Some("system"), "SYSTEM OVERVIEW", "### Purpose\nPay.\n"),
            (None, "Our notes", "free text\n"),
            (Some("impact"), "impact", "1,000 users\n"),
        ]
    );
    // No recognisable heading at all: everything is the summary.
    let case = import_sections("just text\n\n### a note\n");
    assert_eq!(case.sections.len(), 1);
    assert_eq!(case.sections[0].id.as_deref(), Some("summary"));
    assert_eq!(case.sections[0].markdown, "just text\n\n### a note\n");
    assert_eq!(import_sections(""), ImportedCase::default());
    // Windows line endings read the same.
    let case = import_sections("# T\r\n\r\n## Impact\r\n3 users\r\n");
    assert_eq!(case.sections[0].id.as_deref(), Some("impact"));
    assert_eq!(case.sections[0].markdown, "3 users\n");
}

#[test]
fn the_html_export_is_a_safe_standalone_page() {
    let mut s = sections(&TEXTS);
    s[0].markdown = "<script>alert(1)</script>\n\n[x](javascript:alert(1))".into();
    let meeting = published_meeting();
    let mut case = export(&s, &meeting, "", false);
    case.title = "<b>Outage</b> 障害";
    let html = case_html(&case);
    assert!(html.starts_with("<!doctype html>"));
    assert!(
        html.contains("<title>&lt;b&gt;Outage&lt;/b&gt; 障害</title>"),
        "{html}"
    );
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("javascript:"), "{html}");
    assert!(html.contains("<p>x</p>"), "{html}");
    assert!(html.contains("<h2>System overview</h2>"));
    assert!(html.contains("<h2>目的</h2>"));
    assert!(html.contains("<strong>佐藤さん</strong>"));
    assert!(html.contains("glossary next week | ok"));
}

#[test]
fn participants_are_everyone_who_took_part() {
    let meeting = published_meeting();
    assert_eq!(
        meeting.participants().into_iter().collect::<Vec<_>>(),
        vec!["sre"]
    );
}
