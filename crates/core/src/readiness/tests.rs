//! Each rule on a document that passes it and one that fails it, in English
//! and in Japanese.

use super::*;
use crate::anchor::Anchor;
use crate::comment::CommentKind;
use crate::comment::{Answer, Comment, Decision, Outcome, Person, Resolution};
use crate::document::TEMPLATE;
use crate::outline::SectionTitle;

const GOOD_EN: [(&str, &str); 10] = [
    ("summary", "Checkout failed for 40 minutes after a database failover."),
    (
        "system",
        "Purpose: lets customers pay for their carts.\n\nDesign: three stateless web servers behind a load balancer, one primary database.\n\nMiddleware: MySQL 8 on EC2, Redis for sessions.",
    ),
    ("impact", "1,200 users could not pay for 40 minutes; about $3,000 in lost orders."),
    ("timeline", "- 14:05 failover starts\n- 14:45 checkout recovers"),
    ("causes", "### Stale DNS cache\nThe web servers cached the old primary's address."),
    (
        "countermeasures",
        "- Lower the DNS TTL to 5 s. Cause: stale DNS cache. We chose it because it needs no code change; \
         a proxy was the alternative, ruled out for its cost.",
    ),
    ("lessons", "Test failovers in staging."),
    ("qa", ""),
    ("kudos", ""),
    ("glossary", "- EC2: Amazon's virtual machines.\n- TTL: time to live.\n- DNS: domain name system."),
];

const GOOD_JA: [(&str, &str); 10] = [
    ("summary", "データベースの切り替え後、40分間決済が失敗した。"),
    (
        "system",
        "## 目的\nお客様がカートの代金を支払うためのシステム。\n\n## 設計\nロードバランサーの後ろにステートレスなWebサーバー3台、プライマリDB 1台。\n\n## ミドルウェア\nMySQL 8 と Redis。",
    ),
    ("impact", "約1200人が40分間決済できず、損失は約50万円。"),
    ("timeline", "- 14時05分 切り替え開始\n- 14：45 決済が回復"),
    ("causes", "### [[古いキャッシュ]]\nWebサーバーが旧プライマリのアドレスを保持していた。"),
    (
        "countermeasures",
        "### TTLを短くする\n原因: 古いキャッシュ。コード変更が不要なため採用。代替案としてプロキシを検討したが、費用の制約で見送った。",
    ),
    ("lessons", "ステージングで切り替えを試す。"),
    ("qa", ""),
    ("kudos", "- **佐藤さん**: 見事な切り戻し 🎉"),
    ("glossary", "- TTL: 有効期間\n- DB: データベース\n- 古いキャッシュ: 切り替え前の情報"),
];

fn sections(texts: &[(&str, &str)]) -> Vec<SectionText> {
    TEMPLATE
        .iter()
        .enumerate()
        .map(|(i, t)| SectionText {
            section: Section {
                id: t.id.to_owned(),
                title: SectionTitle::Template(t),
                position: i as f64,
            },
            markdown: texts
                .iter()
                .find(|(id, _)| *id == t.id)
                .map(|(_, md)| (*md).to_owned())
                .unwrap_or_default(),
        })
        .collect()
}

fn with(good: &[(&str, &str)], id: &str, markdown: &str) -> Vec<SectionText> {
    let mut s = sections(good);
    s.iter_mut()
        .find(|s| s.section.id == id)
        .expect("a template section")
        .markdown = markdown.to_owned();
    s
}

fn rules(sections: &[SectionText]) -> Vec<Rule> {
    check(sections, &Meeting::new(0))
        .into_iter()
        .map(|f| f.rule)
        .collect()
}

#[test]
fn a_complete_case_has_no_findings_in_either_language() {
    assert_eq!(check(&sections(&GOOD_EN), &Meeting::new(0)), vec![]);
    assert_eq!(check(&sections(&GOOD_JA), &Meeting::new(0)), vec![]);
}

#[test]
fn required_sections_must_not_be_empty() {
    for good in [&GOOD_EN, &GOOD_JA] {
        for id in REQUIRED_SECTIONS {
            let findings = check(&with(good, id, "  \n"), &Meeting::new(0));
            assert_eq!(findings.len(), 1, "{id}: {findings:?}");
            assert_eq!(findings[0].rule, Rule::SectionEmpty);
            assert_eq!(findings[0].section, id);
        }
    }
    let findings = check(&sections(&[]), &Meeting::new(0));
    assert!(findings[0].reason_en.contains("“Summary” is empty"));
    assert!(findings[0].reason_ja.contains("「概要」が空です"));
}

#[test]
fn the_system_overview_needs_purpose_design_and_middleware() {
    for (good, text, missing) in [
        (
            &GOOD_EN,
            "Design: a monolith.\nMiddleware: MySQL.",
            Rule::SystemPurpose,
        ),
        (
            &GOOD_EN,
            "Purpose: payments.\nDesign: TBD\nMiddleware: MySQL.",
            Rule::SystemDesign,
        ),
        (
            &GOOD_EN,
            "**Purpose:** payments.\n**Design:** a monolith.\n**Middleware:** <fill in>",
            Rule::SystemMiddleware,
        ),
        (
            &GOOD_JA,
            "設計: モノリス\nミドルウェア: MySQL",
            Rule::SystemPurpose,
        ),
        (
            &GOOD_JA,
            "目的：決済\n設計：未定\nミドルウェア：MySQL",
            Rule::SystemDesign,
        ),
        (
            &GOOD_JA,
            "## 目的\n決済\n## 設計\nモノリス\n## ミドルウェア\n\n",
            Rule::SystemMiddleware,
        ),
    ] {
        assert_eq!(rules(&with(good, "system", text)), vec![missing], "{text}");
    }
    // A text that mentions the words without labelling them does not pass.
    assert_eq!(
        rules(&with(
            &GOOD_EN,
            "system",
            "The purpose and design are obvious."
        )),
        vec![
            Rule::SystemPurpose,
            Rule::SystemDesign,
            Rule::SystemMiddleware
        ]
    );
    // Labels may sit in list items; content may follow on the next lines.
    assert_eq!(
        rules(&with(
            &GOOD_EN,
            "system",
            "- Purpose: payments\n- Architecture:\n  one primary, two replicas\n- Services: Stripe"
        )),
        vec![]
    );
}

#[test]
fn impact_needs_something_measurable() {
    for (good, text) in [
        (&GOOD_EN, "Many customers were unhappy."),
        (&GOOD_EN, "It happened in 2024 on server 3."),
        (&GOOD_JA, "多くのお客様に影響した。"),
    ] {
        assert_eq!(
            rules(&with(good, "impact", text)),
            vec![Rule::ImpactMeasurable],
            "{text}"
        );
    }
    for (good, text) in [
        (&GOOD_EN, "3% of requests failed"),
        (&GOOD_EN, "Down for 2h."),
        (&GOOD_EN, "Refunds cost €400"),
        (&GOOD_EN, "12 errors per second"),
        (&GOOD_JA, "２万件の注文が失敗"),
        (&GOOD_JA, "30分停止"),
        (&GOOD_JA, "エラー率は5％"),
    ] {
        assert_eq!(rules(&with(good, "impact", text)), vec![], "{text}");
    }
}

#[test]
fn the_timeline_needs_times() {
    for (good, text) in [
        (&GOOD_EN, "- failover\n- recovery"),
        (&GOOD_JA, "- 切り替え\n- 回復"),
    ] {
        assert_eq!(
            rules(&with(good, "timeline", text)),
            vec![Rule::TimelineTimes]
        );
    }
    for (good, text) in [
        (&GOOD_EN, "2026-11-02T14:05Z failover"),
        (&GOOD_EN, "| 9:30 | page |"),
        (&GOOD_JA, "午後2時 切り替え"),
        (&GOOD_JA, "１４：０５ 切り替え"),
    ] {
        assert_eq!(rules(&with(good, "timeline", text)), vec![], "{text}");
    }
}

#[test]
fn each_countermeasure_says_why_what_else_and_which_cause() {
    let text = "- Add a proxy. Cause: stale DNS cache. Because it hides failovers; DNS TTL was the alternative.\n\
                - Add alerts.\n";
    let findings = check(&with(&GOOD_EN, "countermeasures", text), &Meeting::new(0));
    let got: Vec<(Rule, Option<&str>)> = findings
        .iter()
        .map(|f| (f.rule, f.subject.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            (Rule::CountermeasureWhy, Some("Add alerts.")),
            (Rule::CountermeasureAlternatives, Some("Add alerts.")),
            (Rule::CountermeasureCause, Some("Add alerts.")),
        ]
    );
    assert!(findings[0].reason_en.contains("“Add alerts.”"));
    // "because" does not count as naming a cause.
    let text = "Use a proxy because it is simple, rather than lowering the TTL.";
    assert_eq!(
        rules(&with(&GOOD_EN, "countermeasures", text)),
        vec![Rule::CountermeasureCause]
    );
    // Naming a Causes sub-heading counts as naming the cause.
    let text = "Use a proxy against the stale DNS cache, because it is simple, rather than a TTL.";
    assert_eq!(rules(&with(&GOOD_EN, "countermeasures", text)), vec![]);

    let text = "### プロキシ導入\n古いキャッシュへの対策。\n\n### アラート追加\n原因: 検知の遅れ。早く気付くため。";
    let findings = check(&with(&GOOD_JA, "countermeasures", text), &Meeting::new(0));
    let got: Vec<(Rule, Option<&str>)> = findings
        .iter()
        .map(|f| (f.rule, f.subject.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            (Rule::CountermeasureWhy, Some("プロキシ導入")),
            (Rule::CountermeasureAlternatives, Some("プロキシ導入")),
            (Rule::CountermeasureAlternatives, Some("アラート追加")),
        ]
    );
    assert_eq!(
        findings[0].reason_ja,
        "対策「プロキシ導入」に選んだ理由がありません。"
    );
}

fn person(id: &str) -> Person {
    Person {
        participant_id: id.into(),
        display_name: id.into(),
    }
}

fn comment(id: &str, kind: CommentKind, section: &str) -> Comment {
    Comment {
        id: id.into(),
        kind,
        anchor: Anchor {
            section: section.into(),
            start: vec![],
            end: vec![],
            quote: String::new(),
        },
        text: "なぜ RDS ではなく EC2 上の MySQL?".into(),
        replacement: None,
        author: person("p1"),
        at_ms: 1,
        replies: vec![],
        answer: None,
        decision: None,
        resolution: None,
        edited_at_ms: None,
        deleted_at_ms: None,
        votes: Default::default(),
    }
}

#[test]
fn every_question_answered_every_suggestion_decided_every_comment_resolved() {
    let good = sections(&GOOD_JA);
    let mut meeting = Meeting::new(0);
    meeting.comments = vec![
        comment("q1", CommentKind::Question, "system"),
        comment("s1", CommentKind::Suggestion, "timeline"),
        comment("q2", CommentKind::Question, "impact"),
    ];
    meeting.comments[2].answer = Some(Answer {
        text: "plugin".into(),
        by: person("a"),
        at_ms: 2,
        edited_by: Vec::new(),
    });
    let findings = check(&good, &meeting);
    let got: Vec<(&str, Rule, Option<&str>)> = findings
        .iter()
        .map(|f| (f.section.as_str(), f.rule, f.subject.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("system", Rule::QuestionUnanswered, Some("q1")),
            ("timeline", Rule::SuggestionUndecided, Some("s1")),
            ("impact", Rule::CommentUnresolved, Some("q2")),
        ]
    );
    assert!(findings[0].reason_ja.starts_with("質問「なぜ RDS"));
    assert!(findings[1].reason_en.starts_with("Suggestion “"));

    let resolved = Some(Resolution {
        note: None,
        by: person("a"),
        at_ms: 3,
    });
    meeting.comments[1].decision = Some(Decision {
        outcome: Outcome::Declined {
            reason: "no".into(),
        },
        by: person("a"),
        at_ms: 3,
    });
    for c in &mut meeting.comments {
        c.resolution = resolved.clone();
    }
    assert_eq!(check(&good, &meeting), vec![]);
}

#[test]
fn abbreviations_and_marked_terms_belong_in_the_glossary() {
    let text = "Purpose: payments\nDesign: one RDS primary; see [[blue deck]]\nMiddleware: SQS queues, `SELECT NOW()` in code, APIs, OK";
    let findings = check(&with(&GOOD_EN, "system", text), &Meeting::new(0));
    let got: Vec<(&str, Option<&str>)> = findings
        .iter()
        .map(|f| (f.section.as_str(), f.subject.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("glossary", Some("RDS")),
            ("glossary", Some("SQS")),
            ("glossary", Some("blue deck")),
        ]
    );
    // Explained nowhere: a reader who was not in the room is lost.
    assert!(findings
        .iter()
        .all(|f| f.rule == Rule::GlossaryMissing && f.blocks()));
    assert!(!ready(&findings));
    assert_eq!(
        findings[0].reason_en,
        "“RDS” (used in System overview) is explained nowhere; add it to the glossary."
    );
    assert_eq!(
        findings[0].reason_ja,
        "「RDS」（システム概要で使用）の説明がどこにもありません。用語集に追加してください。"
    );
    let glossary =
        "- RDS: managed MySQL\n- SQS: a queue\n- APIs: interfaces\n- **Blue deck**: the runbook";
    let mut s = with(&GOOD_EN, "system", text);
    s.iter_mut()
        .find(|s| s.section.id == "glossary")
        .expect("glossary")
        .markdown = format!("{}\n{glossary}", GOOD_EN[9].1);
    assert_eq!(check(&s, &Meeting::new(0)), vec![]);

    // Japanese: a marked term missing from the glossary.
    let findings = check(
        &with(&GOOD_JA, "lessons", "[[切り戻し手順書]]を整備する。"),
        &Meeting::new(0),
    );
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].subject.as_deref(), Some("切り戻し手順書"));
    assert_eq!(
        findings[0].reason_ja,
        "「切り戻し手順書」（教訓で使用）の説明がどこにもありません。用語集に追加してください。"
    );
    assert!(!ready(&findings));
}

#[test]
fn a_term_spelled_out_where_it_is_used_is_advice_to_move_it_to_the_glossary() {
    for (section, text, term) in [
        (
            "lessons",
            "Ask the SRT (site reliability team) first.",
            "SRT",
        ),
        (
            "lessons",
            "Ask the site reliability team (SRT) first.",
            "SRT",
        ),
        ("lessons", "OEX stands for the order export share.", "OEX"),
        (
            "lessons",
            "OEXは注文エクスポート用共有フォルダの略。",
            "OEX",
        ),
        (
            "lessons",
            "注文エクスポート用の共有フォルダ（OEX）を監視する。",
            "OEX",
        ),
        (
            "lessons",
            "[[blue deck]] (the failover runbook) is printed.",
            "blue deck",
        ),
    ] {
        let findings = check(&with(&GOOD_EN, section, text), &Meeting::new(0));
        assert_eq!(findings.len(), 1, "{text}: {findings:?}");
        assert_eq!(findings[0].rule, Rule::GlossaryInline, "{text}");
        assert_eq!(findings[0].subject.as_deref(), Some(term), "{text}");
        assert_eq!(findings[0].level, Level::Advice, "{text}");
        assert!(ready(&findings), "{text}");
    }
    // Spelled out in one section, used bare in another: still explained.
    let mut s = with(&GOOD_EN, "lessons", "Watch OEX disk use.");
    s.iter_mut()
        .find(|s| s.section.id == "system")
        .expect("system")
        .markdown = GOOD_EN[1]
        .1
        .replace("Purpose:", "Purpose: the order export share (OEX) and");
    let findings = check(&s, &Meeting::new(0));
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].rule, Rule::GlossaryInline);
    assert_eq!(
        findings[0].reason_ja,
        "「OEX」（システム概要で使用）は本文でしか説明されていません。読み手は用語集で調べます。"
    );
    // Not an explanation: an empty or bare parenthesis, the term elsewhere
    // in a word, a number in brackets.
    for text in [
        "Ask the SRT () first.",
        "Ask the SRT (42) first.",
        "The SRTQ (shard router task queue) and SRT.",
    ] {
        let findings = check(&with(&GOOD_EN, "lessons", text), &Meeting::new(0));
        assert_eq!(
            findings.iter().map(|f| f.rule).collect::<Vec<_>>(),
            if text.contains("SRTQ") {
                vec![Rule::GlossaryInline, Rule::GlossaryMissing]
            } else {
                vec![Rule::GlossaryMissing]
            },
            "{text}: {findings:?}"
        );
        assert!(!ready(&findings), "{text}");
    }
}

#[test]
fn an_inline_spelling_must_be_a_plausible_expansion_of_the_letters() {
    use super::glossary::expands;
    // Initials of the words before the parenthesis, small words optional,
    // inner capitals allowed; inside it, any run of words.
    for (said, term, before) in [
        ("Service Recovery Time", "SRT", true),
        ("we watch the service recovery time", "SRT", true),
        ("Bureau of Labor Statistics", "BLS", true),
        ("Department of Justice", "DOJ", true),
        ("PagerDuty Bridge", "PDB", true),
        ("Elastic Compute Cloud", "EC2", true),
        ("order-export share", "OEX", false),
        ("the order export share", "OEX", true),
        ("our order export share", "OEX", false),
        ("注文エクスポート用の共有フォルダ", "OEX", true),
        ("サービス復旧時間", "SRT", true),
        ("注文出力共有", "OEX", false),
        ("社内の注文エクスポート共有", "OEX", false),
    ] {
        assert!(expands(said, term, before), "{said} ({term})");
    }
    // A word before it, or words that do not spell it, explain nothing.
    for (said, term, before) in [
        ("Ask", "SRT", true),
        ("Ask the", "SRT", true),
        ("Sort", "SRT", true),
        ("Service Status", "SRT", true),
        ("Recovery Service", "SRT", true),
        ("see below", "OEX", false),
        ("the old one", "OEX", false),
        ("確認", "OEX", true),
        ("を確認する", "OEX", true),
        ("共有フォルダに書く", "OEX", true),
        ("後述", "OEX", false),
        ("", "OEX", false),
    ] {
        assert!(!expands(said, term, before), "{said} ({term})");
    }
    // In a case: the loophole is closed in both languages and both orders.
    for text in [
        "Ask (SRT) first.",
        "Ask the SRT (see below) first.",
        "まず確認（SRT）する。",
        "SRT（後述）に聞く。",
    ] {
        let findings = check(&with(&GOOD_EN, "lessons", text), &Meeting::new(0));
        assert_eq!(
            findings.iter().map(|f| f.rule).collect::<Vec<_>>(),
            vec![Rule::GlossaryMissing],
            "{text}: {findings:?}"
        );
        assert!(!ready(&findings), "{text}");
    }
}

#[test]
fn placeholders_and_detectors() {
    for p in [
        "",
        "TBD",
        "todo.",
        "N/A",
        "未定",
        "<purpose>",
        "（あとで書く）",
        "…",
        "x",
    ] {
        assert!(is_placeholder(p), "{p}");
    }
    for p in ["決済", "Payments for carts", "None needed"] {
        assert!(!is_placeholder(p), "{p}");
    }
    assert_eq!(
        abbreviations("EC2 and S3, MySQL, HTTP, `AWS`\n```\nSELECT FROM\n```\nSLOs"),
        vec!["EC2"]
    );
    // Ticket ids are references, not terms; well-known abbreviations need
    // no entry.
    assert_eq!(
        abbreviations("INC-1234 and OPS-7: API, CPU, DNS, TLS, DB, AWS; the OEX share"),
        vec!["OEX"]
    );
    assert_eq!(marked_terms("[[a]] [[ b ]] [[a]] [[]]"), vec!["a", "b"]);
    let entries = |md| countermeasures::entries(md).len();
    assert_eq!(entries("intro\n- one\n  more\n- two\n"), 2);
    assert_eq!(entries("# A\nx\n- y\n# B\n"), 2);
}

#[test]
fn a_yrs_document_is_checked_section_by_section_in_outline_order() {
    use yrs::{Text, Transact, WriteTxn};
    let doc = crate::document::new_doc();
    {
        let mut txn = doc.transact_mut();
        for (id, md) in GOOD_EN {
            let text = txn.get_or_insert_text(crate::document::section_text_name(id).as_str());
            text.insert(&mut txn, 0, md);
        }
        crate::outline::add_section(&mut txn, "custom-notes", "Notes", Some("lessons"))
            .expect("add a section");
        let notes = txn.get_or_insert_text("section:custom-notes");
        notes.insert(&mut txn, 0, "We moved to GKE.");
    }
    let txn = doc.transact();
    let findings = check_document(&txn, &Meeting::new(0));
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].subject.as_deref(), Some("GKE"));
    assert_eq!(
        findings[0].reason_en,
        "“GKE” (used in Notes) is explained nowhere; add it to the glossary."
    );
}

#[test]
fn labels_numbers_and_times_are_read_in_the_forms_people_write_them() {
    for text in [
        "**Purpose** — payments\n**Architecture** — a monolith\n**Stack** — MySQL",
        "役割：決済\nアーキテクチャ：モノリス\n使用技術：MySQL",
        "【目的】決済\n【設計】モノリス\n【ミドルウェア】MySQL",
        "| Purpose | payments |\n| Design | a monolith |\n| Tech stack | MySQL |",
        "**Purpose**\npayments\n\n**Design**\na monolith\n\n**Dependencies**\nStripe",
        // Labels wherever a sentence starts, also several on one line.
        "目的: 決済。設計: モノリス。ミドルウェア: MySQL",
        "目的：決済のためのシステム。 設計：モノリス\n使用技術：MySQL",
        "【目的】決済【設計】モノリス【ミドルウェア】MySQL",
        "Purpose: payments. Design: a monolith on one VM. Stack: MySQL 8.",
        "Purpose: payments (e.g. cards). Design: a monolith; Stack: MySQL",
    ] {
        assert_eq!(rules(&with(&GOOD_EN, "system", text)), vec![], "{text}");
    }
    for (text, missing) in [
        (
            "Purpose: payments\nDesign: see the wiki\nStack: MySQL",
            Rule::SystemDesign,
        ),
        (
            "目的：決済\n設計：Wikiを参照\n使用技術：MySQL",
            Rule::SystemDesign,
        ),
        (
            "Purpose: payments\nDesign: a monolith\nStack: TBD",
            Rule::SystemMiddleware,
        ),
        // A second label on the line still needs content of its own.
        (
            "目的: 決済。設計: 未定。ミドルウェア: MySQL",
            Rule::SystemDesign,
        ),
        // Words that are not at a sentence start are not labels.
        (
            "Purpose: payments, design: a monolith\nStack: MySQL",
            Rule::SystemDesign,
        ),
        // "Design-time" is not a label.
        (
            "Purpose: payments\nDesign-time checks: none\nStack: MySQL",
            Rule::SystemDesign,
        ),
    ] {
        assert_eq!(
            rules(&with(&GOOD_EN, "system", text)),
            vec![missing],
            "{text}"
        );
    }
    for text in [
        "約千二百人のお客様が注文できなかった。",
        "損失は数百万円規模。",
        "成功率が六割まで下がった。",
        "For about forty minutes checkout failed.",
        "Twelve hundred customers saw errors.",
        "Thousands of orders were late.",
        "Down for an hour.",
    ] {
        assert!(has_measure(text), "{text}");
    }
    for text in [
        "数人が困った。",
        "一部のお客様",
        "A customer was unhappy.",
        "one in the morning",
    ] {
        assert!(!has_measure(text), "{text}");
    }
    for text in ["T+42m on-call joins", "- T+0 failover", "T＋1h 復旧"] {
        assert!(has_time(text), "{text}");
    }
    for text in ["AT+5 was the model", "the T-shirt"] {
        assert!(!has_time(text), "{text}");
    }
}

#[test]
fn mitigations_and_rejected_options_are_not_held_to_a_countermeasures_rules() {
    let text = "### 暫定対策\n- 手動でフェイルオーバーした。\n\n### 恒久対策\n\
                - 接続を自動で張り直す（原因：古いキャッシュ）。切り替えを数秒で済ませるため。\n\n\
                ### 採用しなかった案\n- プロキシ：運用する部品が増える。";
    assert_eq!(rules(&with(&GOOD_JA, "countermeasures", text)), vec![]);
    // Without the rejected option, the permanent one lacks alternatives;
    // the mitigation is still not checked.
    let text = "### 暫定対策\n- 手動でフェイルオーバーした。\n\n### 恒久対策\n\
                - 接続を自動で張り直す（原因：古いキャッシュ）。切り替えを数秒で済ませるため。";
    let findings = check(&with(&GOOD_JA, "countermeasures", text), &Meeting::new(0));
    let got: Vec<(Rule, Option<&str>)> = findings
        .iter()
        .map(|f| (f.rule, f.subject.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![(
            Rule::CountermeasureAlternatives,
            Some("接続を自動で張り直す（原因：古いキャッシュ）。切り替えを数秒で済ませるため。")
        )]
    );
    // A "Not chosen:" item among the others is a rejected option too.
    let text = "- Lower the TTL (cause: stale DNS cache) so failovers take seconds.\n\
                - Not chosen: a proxy, one more thing to run.";
    assert_eq!(rules(&with(&GOOD_EN, "countermeasures", text)), vec![]);
}

#[test]
fn a_label_with_nothing_real_after_it_counts_as_missing() {
    let text = "- Be careful. Cause: human error. Why: because. Alternatives: none.";
    assert_eq!(
        rules(&with(&GOOD_EN, "countermeasures", text)),
        vec![
            Rule::CountermeasureWhy,
            Rule::CountermeasureAlternatives,
            Rule::CountermeasureCause
        ]
    );
    let text = "| 対策 | 原因 | 理由 | 代替案 |\n| --- | --- | --- | --- |\n| 監視を増やす | 未定 | なし | - |";
    assert_eq!(
        rules(&with(&GOOD_JA, "countermeasures", text)),
        vec![
            Rule::CountermeasureWhy,
            Rule::CountermeasureAlternatives,
            Rule::CountermeasureCause
        ]
    );
    // A cause by its number counts; the bare word names nothing.
    for (good, text, want) in [
        (
            &GOOD_EN,
            "- Add alerts for root cause #2, so we notice sooner; paging was considered.",
            vec![],
        ),
        (
            &GOOD_JA,
            "- 原因②への対策として監視を足す。早く気付くため。通知先の変更も検討した。",
            vec![],
        ),
        (
            &GOOD_EN,
            "- Add alerts; this fixes the cause, so we notice sooner; paging was considered.",
            vec![Rule::CountermeasureCause],
        ),
    ] {
        assert_eq!(rules(&with(good, "countermeasures", text)), want, "{text}");
    }
    // A section holding only a placeholder is empty.
    assert_eq!(
        rules(&with(&GOOD_EN, "countermeasures", "- TBD")),
        vec![Rule::SectionEmpty]
    );
}

#[test]
fn a_custom_section_titled_as_a_template_section_is_read_as_it() {
    let mut s = with(&GOOD_EN, "causes", "");
    s.push(SectionText {
        section: Section {
            id: "custom-1".into(),
            title: SectionTitle::Custom("Root cause(s)".into()),
            position: 20.0,
        },
        markdown: "### Stale DNS cache\nThe web servers kept the old address.".into(),
    });
    assert_eq!(check(&s, &Meeting::new(0)), vec![]);
    let mut s = with(&GOOD_EN, "countermeasures", "");
    s.push(SectionText {
        section: Section {
            id: "custom-2".into(),
            title: SectionTitle::Custom("再発防止策".into()),
            position: 20.0,
        },
        markdown: "- Add alerts.".into(),
    });
    let findings = check(&s, &Meeting::new(0));
    assert_eq!(findings.len(), 3, "{findings:?}");
    assert!(findings.iter().all(|f| f.section == "custom-2"));
    // A title that only probably names it stays a section of its own.
    let mut s = sections(&GOOD_EN);
    s.push(SectionText {
        section: Section {
            id: "custom-3".into(),
            title: SectionTitle::Custom("Action items".into()),
            position: 20.0,
        },
        markdown: "- Update the wiki.".into(),
    });
    assert_eq!(check(&s, &Meeting::new(0)), vec![]);
}

#[test]
fn missing_content_blocks_and_phrasing_is_advice() {
    use Level::{Advice, Blocking};
    let expected = [
        (Rule::SectionEmpty, Blocking),
        (Rule::SystemPurpose, Blocking),
        (Rule::SystemDesign, Blocking),
        (Rule::SystemMiddleware, Blocking),
        (Rule::ImpactMeasurable, Blocking),
        (Rule::TimelineTimes, Blocking),
        (Rule::CountermeasureWhy, Advice),
        (Rule::CountermeasureAlternatives, Advice),
        (Rule::CountermeasureCause, Blocking),
        (Rule::CountermeasurePermanent, Blocking),
        (Rule::QuestionUnanswered, Blocking),
        (Rule::SuggestionUndecided, Blocking),
        (Rule::CommentUnresolved, Advice),
        (Rule::GlossaryMissing, Blocking),
        (Rule::GlossaryInline, Advice),
    ];
    for (rule, level) in expected {
        assert_eq!(rule.level(), level, "{rule:?}");
    }
    // On the wire: "level": "blocking" / "advice"; ready counts blocking only.
    let findings = check(
        &with(&GOOD_EN, "lessons", "Ask the SRT (site reliability team)."),
        &Meeting::new(0),
    );
    let json = serde_json::to_value(Readiness::of(findings)).expect("json");
    assert_eq!(json["ready"], true);
    assert_eq!(json["findings"][0]["level"], "advice");
    let findings = check(&with(&GOOD_EN, "impact", "Many."), &Meeting::new(0));
    let json = serde_json::to_value(Readiness::of(findings)).expect("json");
    assert_eq!(json["ready"], false);
    assert_eq!(json["findings"][0]["level"], "blocking");
}
