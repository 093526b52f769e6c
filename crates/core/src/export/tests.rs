//! Export and import: what the files say, and the way back.

use super::*;
use crate::anchor::Anchor;
use crate::comment::CommentKind;
use crate::document::TEMPLATE;
use crate::meeting::{Actor, Command, CommandKind};
use crate::outline::{Section, SectionTitle};
use crate::phase::Phase;
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

fn actor(id: &str, role: Role, name: &str) -> Actor {
    Actor {
        participant_id: id.into(),
        role,
        display_name: name.into(),
        team: None,
    }
}

/// A meeting through to publication: Pat asks about MySQL (one reply, one
/// answer), Kim suggests a diagram (accepted, done) and a rewrite
/// (declined), Aoki joins from two browsers, the SRE publishes with a reason.
fn published_meeting() -> Meeting {
    let mut meeting = Meeting::new(1_700_000_000_000);
    let sre = actor("sre", Role::Facilitator, "SRE 佐藤");
    let aoki = actor("aoki-laptop", Role::Author, "Aoki");
    let aoki_phone = actor("aoki-phone", Role::Author, " aoki ");
    let pat = actor("pat", Role::Participant, "Pat 鈴木");
    let kim = actor("kim", Role::Participant, "Kim");
    let anchor = {
        use yrs::{Text, Transact};
        let doc = crate::document::new_doc();
        let text = doc.get_or_insert_text("section:system");
        text.insert(&mut doc.transact_mut(), 0, "Middleware: MySQL 8 on EC2");
        let txn = doc.transact();
        Anchor::new(&txn, &text, "system", 12..26).expect("an anchor")
    };
    let mut now = 1_700_000_000_000;
    let mut n = 0;
    let mut send = |m: &mut Meeting, who: &Actor, kind: CommandKind, now: u64| {
        n += 1;
        let command = Command {
            command_id: format!("c{n}"),
            kind,
        };
        m.execute(who, &command, now, &mut || format!("id{n}"))
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let to = |m: &mut Meeting, phase: Phase, now: u64| {
        let override_reason =
            (phase == Phase::Published).then(|| "glossary\n next week | ok".into());
        m.execute(
            &sre,
            &Command {
                command_id: format!("{phase}"),
                kind: CommandKind::MovePhase {
                    to: phase,
                    override_reason,
                },
            },
            now,
            &mut || "x".into(),
        )
        .expect("the facilitator moves on");
    };
    let comment = |kind, text: &str| CommandKind::PostComment {
        kind,
        anchor: anchor.clone(),
        text: text.into(),
    };
    now += 600_000;
    to(&mut meeting, Phase::SilentReading, now);
    send(
        &mut meeting,
        &pat,
        comment(CommentKind::Question, "Why not RDS?"),
        now,
    );
    send(
        &mut meeting,
        &kim,
        comment(CommentKind::Suggestion, "Add a diagram"),
        now,
    );
    send(
        &mut meeting,
        &kim,
        comment(CommentKind::Suggestion, "Rewrite | all"),
        now,
    );
    send(&mut meeting, &pat, CommandKind::MarkDoneReading, now);
    let [question, diagram, rewrite] = ["id1", "id2", "id3"].map(String::from);
    now += 600_000;
    to(&mut meeting, Phase::QAndA, now);
    let reply = CommandKind::Reply {
        comment_id: question.clone(),
        text: "Aurora too?".into(),
    };
    send(&mut meeting, &kim, reply, now);
    let answer = CommandKind::AnswerQuestion {
        comment_id: question,
        text: "A plugin RDS lacks.".into(),
    };
    send(&mut meeting, &aoki, answer, now);
    now += 600_000;
    to(&mut meeting, Phase::Proposals, now);
    let accept = CommandKind::AcceptSuggestion {
        comment_id: diagram.clone(),
    };
    send(&mut meeting, &aoki, accept, now);
    let decline = CommandKind::DeclineSuggestion {
        comment_id: rewrite,
        reason: "out of scope".into(),
    };
    send(&mut meeting, &aoki, decline, now);
    for phase in [Phase::Kudos, Phase::Revision] {
        now += 600_000;
        to(&mut meeting, phase, now);
    }
    let resolve = CommandKind::Resolve {
        comment_id: diagram,
        note: Some("drawn".into()),
    };
    send(&mut meeting, &aoki_phone, resolve, now);
    now += 600_000;
    to(&mut meeting, Phase::Published, now);
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
        incident_at_ms: Some(1_699_990_000_000),
        utc_offset: 540,
        sections,
        draft,
        meeting,
        japanese,
        changes: &[],
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
    assert!(
        md.contains("- **Incident:** 2023-11-15 04:26 UTC+09:00\n"),
        "in the case's time zone: {md}"
    );
    assert!(
        md.contains("- **Published:** 2023-11-15 08:13 UTC+09:00 (SRE 佐藤)\n"),
        "{md}"
    );
    assert!(md.contains("- **Authors:** Aoki\n"), "{md}");
    assert!(
        md.contains("- **Participants:** 4\n"),
        "one person on two browsers is one: {md}"
    );
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
    assert!(
        md.contains("- **発生日時:** 2023-11-15 04:26 UTC+09:00\n"),
        "{md}"
    );
    assert!(md.contains("- **参加者数:** 4人\n"), "{md}");
    assert!(md.contains("## 下書き\n\nold draft\n"));
}

#[test]
fn the_meeting_bookkeeping_and_the_override_reason_are_not_for_readers() {
    let s = sections(&TEXTS);
    let meeting = published_meeting();
    for japanese in [false, true] {
        let case = export(&s, &meeting, "", japanese);
        for page in [case_markdown(&case), case_html(&case)] {
            assert!(!page.contains("glossary next week"), "{page}");
            assert!(!page.contains("10.0"), "no time per phase: {page}");
            assert!(!page.contains("Time in each phase"), "{page}");
            assert!(!page.contains("各フェーズの時間"), "{page}");
            assert!(
                !page.contains("Created") && !page.contains("作成"),
                "{page}"
            );
        }
    }
}

#[test]
fn the_meeting_record_has_questions_with_threads_decisions_and_people() {
    let s = sections(&TEXTS);
    let meeting = published_meeting();
    let md = case_markdown(&export(&s, &meeting, "", false));
    let record = &md[md
        .find("<!-- casebook:meeting -->")
        .expect("a meeting record")..];
    assert!(record.starts_with("<!-- casebook:meeting -->\n## What the meeting produced\n"));
    assert!(
        record.contains(
            "- **Pat 鈴木** — [System overview](#system) “MySQL 8 on EC2”\\\n  Why not RDS?\n  \
             - **Answer (Aoki):** A plugin RDS lacks.\n  - Kim: Aurora too?\n"
        ),
        "{record}"
    );
    assert!(
        record.contains(
            "| Add a diagram | [System overview](#system) “MySQL 8 on EC2” | Accepted | Aoki | \
             Done in the revision (drawn) |\n"
        ),
        "{record}"
    );
    assert!(
        record.contains("| Rewrite \\| all | [System overview](#system) “MySQL 8 on EC2” | Declined: out of scope | Aoki | — |\n"),
        "{record}"
    );
    assert!(
        record.contains(
            "### Who took part\n\n- **Authors:** Aoki\n- **Facilitation:** SRE 佐藤\n\
             - **Participants:** Kim, Pat 鈴木\n"
        ),
        "{record}"
    );
    let ja = case_markdown(&export(&s, &meeting, "", true));
    for expected in [
        "## 会議の記録\n",
        "### 質疑応答\n",
        "[システム概要](#system) 「MySQL 8 on EC2」",
        "  - **回答 (Aoki):** A plugin RDS lacks.\n",
        "| 採用 | Aoki | 改訂で対応済み (drawn) |",
        "| 不採用：out of scope |",
        "- **参加者:** Kim、Pat 鈴木\n",
    ] {
        assert!(ja.contains(expected), "{expected} in {ja}");
    }
    let html = case_html(&export(&s, &meeting, "", false));
    assert!(
        html.contains("<a href=\"#system\">System overview</a>"),
        "{html}"
    );
    assert!(html.contains("<section id=\"meeting-record\">"), "{html}");
    assert!(html.contains("<td>Declined: out of scope</td>"), "{html}");
}

#[test]
fn the_html_page_has_a_header_a_table_of_contents_and_a_print_style() {
    let s = sections(&TEXTS);
    let meeting = published_meeting();
    let html = case_html(&export(&s, &meeting, "", true));
    assert!(html.contains("<html lang=\"ja\">"));
    assert!(
        html.contains(
            "<header class=\"case-header\">\n<h1>Checkout outage 決済障害</h1>\n\
             <p class=\"case-date\">2023-11-15 04:26 UTC+09:00</p>\n</header>"
        ),
        "{html}"
    );
    let toc = &html[html
        .find("<nav class=\"toc\"")
        .expect("a table of contents")..];
    let toc = &toc[..toc.find("</nav>").expect("closed")];
    assert!(toc.contains("<h2>目次</h2>"));
    assert!(toc.contains("<li><a href=\"#system\">システム概要</a></li>"));
    assert!(toc.contains("<li><a href=\"#custom-notes\">補足メモ</a></li>"));
    assert!(toc.contains("<li><a href=\"#meeting-record\">会議の記録</a></li>"));
    assert!(html.contains("@media print{"));
    assert!(html.contains("white-space:pre-wrap"));
    assert!(!html.contains("<script"));
}

#[test]
fn times_are_shown_in_the_case_time_zone() {
    assert_eq!(format_time(1_700_000_000_000, 0), "2023-11-14 22:13 UTC");
    assert_eq!(
        format_time(1_700_000_000_000, 540),
        "2023-11-15 07:13 UTC+09:00"
    );
    assert_eq!(
        format_time(1_700_000_000_000, -330),
        "2023-11-14 16:43 UTC-05:30"
    );
    assert_eq!(format_time(0, -60), "1969-12-31 23:00 UTC-01:00");
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
}

#[test]
fn participants_are_everyone_who_took_part() {
    let meeting = published_meeting();
    assert_eq!(
        meeting.participants().into_iter().collect::<Vec<_>>(),
        vec!["aoki-laptop", "aoki-phone", "kim", "pat", "sre"]
    );
    let names: Vec<(String, Role)> = meeting
        .attendees()
        .into_iter()
        .map(|a| (a.name, a.role))
        .collect();
    assert_eq!(
        names,
        vec![
            ("SRE 佐藤".to_owned(), Role::Facilitator),
            ("Aoki".to_owned(), Role::Author),
            ("Kim".to_owned(), Role::Participant),
            ("Pat 鈴木".to_owned(), Role::Participant),
        ]
    );
}

/// The published meeting with a suggestion in suggesting mode and two
/// action items, one from that suggestion.
fn meeting_with_action_items() -> Meeting {
    use crate::action_item::{ActionItem, ActionStatus};
    let mut meeting = published_meeting();
    let diagram = meeting
        .comments
        .iter_mut()
        .find(|c| c.text == "Add a diagram")
        .expect("the diagram suggestion");
    diagram.replacement = Some("MySQL 8 on RDS | Aurora".into());
    let (id, by) = (diagram.id.clone(), diagram.author.clone());
    let item =
        |title: &str, owner: &str, due: Option<&str>, status, from: Option<&str>| ActionItem {
            id: title.into(),
            title: title.into(),
            owner: owner.into(),
            due: due.map(str::to_owned),
            status,
            comment_id: from.map(str::to_owned),
            by: by.clone(),
            at_ms: 1,
        };
    meeting.action_items = vec![
        item(
            "Alert on binlog | growth",
            "佐藤",
            Some("2026-12-24"),
            ActionStatus::InProgress,
            Some(&id),
        ),
        item("Game day: disk full", "Kim", None, ActionStatus::Open, None),
    ];
    meeting
}

#[test]
fn the_case_carries_decisions_and_action_items_for_the_all_hands() {
    let s = sections(&TEXTS);
    let meeting = meeting_with_action_items();
    let md = case_markdown(&export(&s, &meeting, "", false));
    assert!(
        md.contains("| Add a diagram — “MySQL 8 on EC2” → “MySQL 8 on RDS \\| Aurora” |"),
        "the replacement words in the decisions: {md}"
    );
    assert!(
        md.contains(
            "### Decisions and action items\n\n| Action item | Owner | Due | Status | Decision |\n\
             |---|---|:---:|---|---|\n\
             | Alert on binlog \\| growth | 佐藤 | 2026-12-24 | In progress | Add a diagram — “MySQL 8 on EC2” → “MySQL 8 on RDS \\| Aurora” |\n\
             | Game day: disk full | Kim | — | Open | — |\n"
        ),
        "{md}"
    );
    let ja = case_markdown(&export(&s, &meeting, "", true));
    for expected in [
        "### 決定事項とアクションアイテム\n",
        "| アクションアイテム | 担当 | 期限 | 状況 | 決定 |",
        "| 佐藤 | 2026-12-24 | 対応中 |",
        "| Kim | — | 未着手 | — |",
        "「MySQL 8 on EC2」 → 「MySQL 8 on RDS \\| Aurora」",
    ] {
        assert!(ja.contains(expected), "{expected} in {ja}");
    }
    let html = case_html(&export(&s, &meeting, "", false));
    assert!(html.contains("<td>Alert on binlog | growth</td>"), "{html}");
    assert!(html.contains("<td>In progress</td>"), "{html}");
    // The due date is one centred cell, kept on one line on the read page
    // and on paper.
    assert!(
        html.contains("<td style=\"text-align: center\">2026-12-24</td>"),
        "{html}"
    );
    assert!(
        PAGE_STYLE.contains("#meeting-record td[style*=center]{white-space:nowrap}"),
        "{PAGE_STYLE}"
    );
    // Without action items there is no such heading.
    let plain = case_markdown(&export(&s, &published_meeting(), "", false));
    assert!(!plain.contains("Decisions and action items"), "{plain}");
}

#[test]
fn the_export_says_what_the_meeting_changed_per_section() {
    use crate::versions::{diff_versions, VersionSection};
    let s = sections(&TEXTS);
    let meeting = published_meeting();
    let section = |id: &str, markdown: &str| VersionSection {
        id: id.into(),
        custom_title: None,
        markdown: markdown.into(),
    };
    let changes = diff_versions(
        &[
            section("summary", "決済が失敗した。"),
            section("impact", "Same."),
        ],
        &[
            section("summary", "決済が40分間失敗した。"),
            section("impact", "Same."),
        ],
    );
    let ja = case_markdown(&CaseExport {
        changes: &changes,
        ..export(&s, &meeting, "", true)
    });
    assert!(ja.contains("### 会議で変わったこと"), "{ja}");
    assert!(
        ja.contains("- **概要:** +4字 / −0字\n  - 追加: “40分間”\n"),
        "{ja}"
    );
    assert!(
        !ja.contains("**影響:**"),
        "unchanged sections are not listed: {ja}"
    );
    let en = case_html(&CaseExport {
        changes: &changes,
        ..export(&s, &meeting, "", false)
    });
    assert!(en.contains("What the meeting changed"), "{en}");
    let none = case_markdown(&export(&s, &meeting, "", false));
    assert!(!none.contains("What the meeting changed"), "{none}");
}

#[test]
fn an_answer_edited_by_someone_else_names_both_in_the_record() {
    let s = sections(&TEXTS);
    let mut meeting = published_meeting();
    let answer = meeting
        .comments
        .iter_mut()
        .find_map(|c| c.answer.as_mut())
        .expect("an answered question");
    answer.edited(&crate::comment::Person {
        participant_id: "sre".into(),
        display_name: "SRE 佐藤".into(),
    });
    let md = case_markdown(&export(&s, &meeting, "", false));
    assert!(
        md.contains("- **Answer (Aoki; edited by SRE 佐藤):** A plugin RDS lacks.\n"),
        "{md}"
    );
    let md = case_markdown(&export(&s, &meeting, "", true));
    assert!(
        md.contains("- **回答 (Aoki、編集: SRE 佐藤):** A plugin RDS lacks.\n"),
        "{md}"
    );
}

#[test]
fn who_took_part_carries_each_persons_team_in_both_exports_and_languages() {
    let mut meeting = published_meeting();
    // Aoki gave the team on the phone only; Pat on the one browser used;
    // Kim gave none. Teams come from the commands, as a join's token carries them.
    let with_team = |id: &str, role, name: &str, team: &str| Actor {
        team: Some(team.into()),
        ..actor(id, role, name)
    };
    for (who, n) in [
        (
            with_team("aoki-phone", Role::Author, " aoki ", "  Payments   core "),
            "a",
        ),
        (
            with_team("pat", Role::Participant, "Pat 鈴木", "決済チーム"),
            "p",
        ),
    ] {
        // Any command they may send in this phase records who sent it.
        let origin = crate::meeting::Origin {
            participant_id: who.participant_id.clone(),
            command_id: format!("team-{n}"),
            role: Some(who.role),
            display_name: Some(who.display_name.clone()),
            team: crate::meeting::team_name(who.team.as_deref().unwrap_or("")).expect("a team"),
        };
        meeting.apply(&crate::meeting::Event {
            at_ms: 1_700_000_000_000,
            origin: Some(origin),
            change: crate::meeting::Change::SurveyTaken {
                participant_id: who.participant_id.clone(),
            },
        });
    }
    let teams: Vec<(String, Option<String>)> = meeting
        .attendees()
        .into_iter()
        .map(|a| (a.name, a.team))
        .collect();
    assert_eq!(
        teams,
        vec![
            ("SRE 佐藤".to_owned(), None),
            ("Aoki".to_owned(), Some("Payments core".to_owned())),
            ("Kim".to_owned(), None),
            ("Pat 鈴木".to_owned(), Some("決済チーム".to_owned())),
        ],
        "one person on two browsers is one, with the team they gave"
    );
    let s = sections(&TEXTS);
    let en = case_markdown(&export(&s, &meeting, "", false));
    assert!(en.contains("- **Authors:** Aoki (Payments core)\n"), "{en}");
    assert!(
        en.contains("- **Participants:** Kim, Pat 鈴木 (決済チーム)\n"),
        "{en}"
    );
    let ja = case_markdown(&export(&s, &meeting, "", true));
    assert!(ja.contains("- **執筆者:** Aoki（Payments core）\n"), "{ja}");
    assert!(
        ja.contains("- **参加者:** Kim、Pat 鈴木（決済チーム）\n"),
        "{ja}"
    );
    let html = case_html(&export(&s, &meeting, "", false));
    assert!(html.contains("Pat 鈴木 (決済チーム)"), "{html}");
}

#[test]
fn a_meeting_stored_before_teams_loads_and_its_people_have_none() {
    let old = r#"{"role":"author","display_name":"Aoki"}"#;
    let member: crate::meeting::Member = serde_json::from_str(old).expect("an old member loads");
    assert_eq!(member.team, None);
    let event = r#"{"at_ms":1,"origin":{"participant_id":"p","command_id":"c","role":"author","display_name":"Aoki"},"type":"survey_taken","participant_id":"p"}"#;
    let event: crate::meeting::Event = serde_json::from_str(event).expect("an old event loads");
    let mut meeting = Meeting::new(0);
    meeting.apply(&event);
    assert_eq!(meeting.attendees()[0].team, None);
    assert_eq!(meeting.attendees()[0].name, "Aoki");
}

#[test]
fn a_command_records_the_senders_team_as_kept() {
    let mut meeting = Meeting::new(0);
    let sre = Actor {
        team: Some("  SRE\u{3000} platform ".into()),
        ..actor("sre", Role::Facilitator, "Sara")
    };
    let events = meeting
        .execute(
            &sre,
            &Command {
                command_id: "c1".into(),
                kind: CommandKind::MovePhase {
                    to: Phase::SilentReading,
                    override_reason: None,
                },
            },
            1,
            &mut || "x".into(),
        )
        .expect("the facilitator moves on");
    let origin = events[0].origin.as_ref().expect("an origin");
    assert_eq!(origin.team.as_deref(), Some("SRE platform"));
    assert_eq!(meeting.attendees()[0].team.as_deref(), Some("SRE platform"));
    // Too long or with a control character: not a team.
    assert!(crate::meeting::team_name(&"x".repeat(crate::limits::MAX_TEAM_CHARS + 1)).is_err());
    assert!(crate::meeting::team_name("a\u{7}b").is_err());
    assert_eq!(crate::meeting::team_name("  "), Ok(None));
}
