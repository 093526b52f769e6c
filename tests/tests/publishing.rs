//! From meeting to casebook through the real server: the readiness check
//! refuses publishing until the case is ready or the facilitator states a
//! reason (the refusal carries the typed findings); the reason is kept for
//! the SRE team, not printed for readers; the export carries what the
//! meeting produced (questions with their threads, decisions, who took
//! part) in the case's language and time zone; a published case has a read
//! link that closes when it is reopened; the export of a whole meeting
//! round-trips through import into the same sections.

use casebook_core::anchor::Anchor;
use casebook_core::case::PublishRefused;
use casebook_core::document::{section_text_name, TEMPLATE};
use casebook_e2e::{Client, Endpoint, Process, Server, ADMIN_TOKEN};
use serde_json::{json, Value};
use std::time::Duration;
use yrs::{GetString, Text, Transact};

const WAIT: Duration = Duration::from_secs(10);

/// A case that passes every text rule (the glossary lacks RDS, which the
/// meeting's Q&A brings in and the author then adds).
const SECTIONS: [(&str, &str); 10] = [
    ("summary", "Checkout failed for 40 minutes after a database failover. 決済が40分間失敗した。"),
    (
        "system",
        "Purpose: lets customers pay for their carts.\n\n## 設計\nロードバランサーの後ろにWebサーバー3台。\n\nMiddleware: MySQL 8 on EC2, Redis.",
    ),
    ("impact", "1,200 users could not pay for 40 minutes 😞"),
    ("timeline", "- 14:05 failover starts\n- 14:45 checkout recovers"),
    ("causes", "### Stale DNS cache\nThe web servers kept the old primary's address."),
    (
        "countermeasures",
        "- Lower the DNS TTL to 5 s. Cause: stale DNS cache. Chosen because it needs no code change; a proxy was the alternative, ruled out for its cost.",
    ),
    ("lessons", "Test failovers in staging. 切り替えは事前に試す。"),
    ("qa", ""),
    ("kudos", ""),
    ("glossary", "- EC2: Amazon's virtual machines.\n- DNS: domain name system.\n- TTL: time to live."),
];

fn section(client: &Client, id: &str) -> String {
    let text = client
        .doc
        .get_or_insert_text(section_text_name(id).as_str());
    let txn = client.doc.transact();
    text.get_string(&txn)
}

fn append(client: &Client, id: &str, markdown: &str) {
    let text = client
        .doc
        .get_or_insert_text(section_text_name(id).as_str());
    let mut txn = client.doc.transact_mut();
    let end = text.len(&txn);
    text.insert(&mut txn, end, markdown);
}

async fn text_of(server: &Endpoint, path: &str, token: Option<&str>) -> (u16, String, String) {
    let mut request = reqwest::Client::new().get(server.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, kind, response.text().await.unwrap_or_default())
}

fn rules(findings: &Value) -> Vec<String> {
    findings
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            format!(
                "{}:{}",
                f["rule"].as_str().unwrap(),
                f["subject"].as_str().unwrap_or("")
            )
        })
        .collect()
}

#[tokio::test]
async fn publishing_waits_for_readiness_or_a_reason_that_the_export_keeps() {
    let server = Server::start().await.unwrap();
    let pm = server
        .create_postmortem("Checkout outage 決済障害")
        .await
        .unwrap();
    let id = pm.id.clone();
    let sre = server.join(&pm, "facilitator", "SRE 佐藤").await;
    let author = server.join(&pm, "author", "Aoki").await;
    let reader = server
        .join_in_team(&pm, "participant", "Pat 鈴木", " 決済チーム ")
        .await;

    let writer = Client::connect(&author.ws_url()).await.unwrap();
    for (section_id, markdown) in SECTIONS {
        append(&writer, section_id, markdown);
    }
    let watcher = Client::connect(&reader.ws_url()).await.unwrap();
    watcher
        .wait_until(WAIT, |c| section(c, "glossary").contains("TTL"))
        .await
        .unwrap();

    // Before the meeting the text rules pass.
    let (status, readiness) = reader.get("/readiness").await;
    assert_eq!(status, 200);
    assert_eq!(readiness, json!({"ready": true, "findings": []}));

    // The meeting: a question about RDS, a suggestion, kudos.
    sre.ok(json!({"type": "move_phase", "to": "silent_reading"}))
        .await;
    let anchor = {
        let text = watcher
            .doc
            .get_or_insert_text(section_text_name("system").as_str());
        let txn = watcher.doc.transact();
        Anchor::new(&txn, &text, "system", 0..7).unwrap()
    };
    let asked = reader.ok(json!({"type": "post_comment", "kind": "question", "anchor": anchor, "text": "Why not RDS?"})).await;
    let question = asked["events"][0]["comment_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let suggested = reader.ok(json!({"type": "post_comment", "kind": "suggestion", "anchor": anchor, "text": "Add a diagram"})).await;
    let suggestion = suggested["events"][0]["comment_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let (_, readiness) = sre.get("/readiness").await;
    assert_eq!(
        rules(&readiness["findings"]),
        vec![
            format!("question_unanswered:{question}"),
            format!("suggestion_undecided:{suggestion}")
        ]
    );
    assert_eq!(readiness["findings"][0]["section"], "system");
    assert!(readiness["findings"][0]["reason_ja"]
        .as_str()
        .unwrap()
        .contains("回答がありません"));

    sre.ok(json!({"type": "move_phase", "to": "q_and_a"})).await;
    let answer = "Aurora was ruled out: our plugin needs MySQL 8 features.";
    author
        .ok(json!({"type": "answer_question", "comment_id": question, "text": answer}))
        .await;
    sre.ok(json!({"type": "move_phase", "to": "proposals"}))
        .await;
    author
        .ok(json!({"type": "accept_suggestion", "comment_id": suggestion}))
        .await;
    sre.ok(json!({"type": "move_phase", "to": "kudos"})).await;
    reader
        .ok(json!({"type": "post_kudos", "to": "佐藤さん", "text": "深夜の切り戻し 🎉"}))
        .await;
    reader
        .ok(json!({"type": "post_kudos", "to": "Aoki", "text": "clear timeline"}))
        .await;
    sre.ok(json!({"type": "move_phase", "to": "revision"}))
        .await;
    for comment in [&question, &suggestion] {
        author
            .ok(json!({"type": "resolve", "comment_id": comment}))
            .await;
    }
    reader.ok(json!({"type": "answer_survey", "ratings": {"questions_easy": 5, "time_enough": 4, "document_clear": 4}})).await;
    // The author folds the answer into the section the question was about
    // (otherwise `answer_not_folded` advises it).
    append(&writer, "system", &format!("\n\n{answer}"));
    watcher
        .wait_until(WAIT, |c| {
            section(c, "kudos").contains("Aoki")
                && section(c, "qa").contains("Aurora")
                && section(c, "system").contains(answer)
        })
        .await
        .unwrap();

    // The Q&A entry brought "RDS" into the text and nothing explains it: a
    // reader who was not in the room would be lost, so it blocks until the
    // author adds it to the glossary.
    let (_, readiness) = sre.get("/readiness").await;
    assert_eq!(rules(&readiness["findings"]), vec!["glossary_missing:RDS"]);
    assert_eq!(readiness["findings"][0]["level"], "blocking");
    assert_eq!(readiness["ready"], false);
    append(&writer, "glossary", "\n- RDS: Amazon's managed databases.");
    watcher
        .wait_until(WAIT, |c| section(c, "glossary").contains("RDS"))
        .await
        .unwrap();
    let (_, readiness) = sre.get("/readiness").await;
    assert_eq!(readiness, json!({"ready": true, "findings": []}));

    // A countermeasure with no cause (the leap from problem to fix) blocks.
    append(
        &writer,
        "countermeasures",
        "\n- Read replica, so reads survive; sharding was ruled out.",
    );
    watcher
        .wait_until(WAIT, |c| section(c, "countermeasures").contains("sharding"))
        .await
        .unwrap();
    let (_, readiness) = sre.get("/readiness").await;
    assert_eq!(
        rules(&readiness["findings"]),
        vec!["countermeasure_cause:Read replica, so reads survive; sharding was ruled out."]
    );
    assert_eq!(readiness["findings"][0]["level"], "blocking");
    assert_eq!(readiness["ready"], false);

    // Refused without a reason (409 with the blocking findings only), and
    // only the facilitator may publish at all.
    let (status, refused) = reader
        .command(json!({"type": "move_phase", "to": "published", "override_reason": "x"}))
        .await;
    assert_eq!(status, 403, "{refused}");
    let (status, refused) = sre
        .command(json!({"type": "move_phase", "to": "published"}))
        .await;
    assert_eq!(status, 409, "{refused}");
    assert!(
        refused["error"].as_str().unwrap().contains("not ready"),
        "{refused}"
    );
    assert_eq!(
        rules(&refused["findings"]),
        vec!["countermeasure_cause:Read replica, so reads survive; sharding was ruled out."]
    );
    let typed: PublishRefused = serde_json::from_value(refused.clone()).unwrap();
    assert_eq!(typed.findings[0].section, "countermeasures");
    assert!(!typed.findings[0].reason_ja.is_empty(), "{refused}");
    let (_, meeting) = sre.get("/meeting").await;
    assert_eq!(meeting["state"]["phase"], "revision");
    let (status, _, _) = text_of(&server, &format!("/read/{id}"), None).await;
    assert_eq!(status, 404, "not published, no read link");

    // Published with a reason; the reason is kept for the SRE team.
    let reason = "the replica's cause is in the linked runbook | 原因は来週追記";
    sre.ok(json!({"type": "move_phase", "to": "published", "override_reason": reason}))
        .await;
    let (_, meeting) = reader.get("/meeting").await;
    assert_eq!(meeting["state"]["published"]["override_reason"], reason);
    let (_, insights) = sre.get("/insights").await;
    assert_eq!(insights["insights"]["override_reason"], reason);

    let (status, kind, markdown) = text_of(
        &server,
        &format!("/api/postmortems/{id}/export.md"),
        Some(pm.token("viewer")),
    )
    .await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/markdown"), "{kind}");
    assert!(
        markdown.starts_with("# Checkout outage 決済障害\n"),
        "{markdown}"
    );
    for t in TEMPLATE {
        assert!(
            markdown.contains(&format!("\n## {}\n", t.title_en)),
            "{} in {markdown}",
            t.title_en
        );
    }
    for (_, text) in SECTIONS {
        assert!(markdown.contains(text.trim_end()), "{text} in export");
    }
    for expected in [
        answer,
        "佐藤さん",
        "深夜の切り戻し 🎉",
        "**Aoki**: clear timeline",
        "- **Authors:** Aoki\n",
        "- **Participants:** 3\n",
        "\n## What the meeting produced\n",
        "- **Pat 鈴木** — [System overview](#system) “Purpose”\\\n  Why not RDS?\n  - **Answer (Aoki):** Aurora",
        "| Add a diagram | [System overview](#system) “Purpose” | Accepted | Aoki | Done in the revision |",
        "- **Facilitation:** SRE 佐藤\n",
        "- **Participants:** Pat 鈴木 (決済チーム)\n",
    ] {
        assert!(markdown.contains(expected), "{expected} in {markdown}");
    }
    for absent in [reason, "Silent reading ", "Created"] {
        assert!(!markdown.contains(absent), "{absent} in {markdown}");
    }
    let (_, _, japanese) = text_of(
        &server,
        &format!("/api/postmortems/{id}/export.md?lang=ja"),
        Some(&reader.token),
    )
    .await;
    assert!(
        japanese.contains("\n## システム概要\n") && japanese.contains("参加者数"),
        "{japanese}"
    );
    assert!(
        japanese.contains("- **参加者:** Pat 鈴木（決済チーム）\n"),
        "{japanese}"
    );

    let (status, kind, html) = text_of(
        &server,
        &format!("/api/postmortems/{id}/export.html"),
        Some(&author.token),
    )
    .await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/html"), "{kind}");
    assert!(html.contains("<title>Checkout outage 決済障害</title>"));
    assert!(
        html.contains("<strong>佐藤さん</strong>: 深夜の切り戻し 🎉"),
        "{html}"
    );
    assert!(!html.contains("原因は来週追記"), "{html}");
    assert!(html.contains("<nav class=\"toc\""), "{html}");
    assert!(html.contains("Pat 鈴木 (決済チーム)"), "{html}");

    // The read link: no token needed while published.
    let (_, link) = reader.get("/read-link").await;
    assert_eq!(link["published"], true);
    let path = link["link"]
        .as_str()
        .unwrap()
        .split_once("/read/")
        .map(|(_, p)| format!("/read/{p}"))
        .unwrap();
    let (status, _, page) = text_of(&server, &path, None).await;
    assert_eq!(status, 200);
    assert!(page.contains(answer));
    assert!(
        page.contains("Pat 鈴木 (決済チーム)"),
        "who took part, with teams: {page}"
    );
    let (status, _, _) = text_of(
        &server,
        &format!("/api/postmortems/{id}/export.md"),
        Some("garbage"),
    )
    .await;
    assert_eq!(status, 401);

    // Reopened: the read link closes; fixed and published again without a
    // reason, the old reason is gone.
    sre.ok(json!({"type": "move_phase", "to": "revision"}))
        .await;
    let (status, _, _) = text_of(&server, &path, None).await;
    assert_eq!(status, 404);
    let fixer = Client::connect(&author.ws_url()).await.unwrap();
    fixer
        .wait_until(WAIT, |c| section(c, "glossary").contains("RDS"))
        .await
        .unwrap();
    append(
        &fixer,
        "countermeasures",
        " Cause: stale DNS cache, as the primary moves.",
    );
    // Publishing closed the old sockets (4009); read through a new one.
    let watcher = Client::connect(&reader.ws_url()).await.unwrap();
    watcher
        .wait_until(WAIT, |c| {
            section(c, "countermeasures").contains("as the primary moves")
        })
        .await
        .unwrap();
    sre.ok(json!({"type": "move_phase", "to": "published"}))
        .await;
    let (_, meeting) = reader.get("/meeting").await;
    assert!(
        meeting["state"]["published"]
            .get("override_reason")
            .is_none(),
        "{meeting}"
    );
    let (status, _, page) = text_of(&server, &path, None).await;
    assert_eq!(status, 200);
    assert!(!page.contains(reason));

    // Export → import: a new postmortem with the same sections.
    let (_, _, markdown) = text_of(
        &server,
        &format!("/api/postmortems/{id}/export.md"),
        Some(&reader.token),
    )
    .await;
    let (status, imported) = server
        .post(
            "/api/postmortems/import",
            ADMIN_TOKEN,
            json!({"markdown": markdown}),
        )
        .await;
    assert_eq!(status, 201, "{imported}");
    assert_eq!(imported["title"], "Checkout outage 決済障害");
    let copy_id = imported["id"].as_str().unwrap();
    let copy_token = imported["tokens"]["viewer"].as_str().unwrap();
    let copy = Client::connect(&server.ws_url(copy_id, copy_token))
        .await
        .unwrap();
    copy.wait_until(WAIT, |c| section(c, "glossary").contains("RDS"))
        .await
        .unwrap();
    for t in TEMPLATE {
        assert_eq!(
            section(&copy, t.id).trim_end(),
            section(&watcher, t.id).trim_end(),
            "section {}",
            t.id
        );
    }
    let (_, copy_meeting) = server
        .get(&format!("/api/postmortems/{copy_id}/meeting"), copy_token)
        .await;
    assert_eq!(copy_meeting["state"]["phase"], "drafting");
}

#[tokio::test]
async fn the_export_speaks_the_case_language_and_time_zone() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("決済障害").await.unwrap();
    let author = pm.token("author");
    let writer = Client::connect(&server.ws_url(&pm.id, author))
        .await
        .unwrap();
    append(&writer, "summary", "決済が40分間失敗した。");
    append(
        &writer,
        "system",
        "目的: 決済。\nミドルウェア: EC2上のMySQL 8",
    );
    let reader = Client::connect(&server.ws_url(&pm.id, pm.token("viewer")))
        .await
        .unwrap();
    reader
        .wait_until(WAIT, |c| section(c, "system").contains("MySQL"))
        .await
        .unwrap();

    let path = format!("/api/postmortems/{}/incident", pm.id);
    let viewer = pm.token("viewer");
    let incident = json!({"started_at_ms": 1_793_595_900_000_u64, "utc_offset_minutes": 540});
    let put = reqwest::Method::PUT;
    let (status, _) = server
        .call(put.clone(), &path, viewer, Some(incident.clone()))
        .await;
    assert_eq!(status, 403, "a viewer changes nothing");
    let bad = json!({"started_at_ms": 0, "utc_offset_minutes": 541});
    let (status, _) = server.call(put.clone(), &path, author, Some(bad)).await;
    assert_eq!(status, 400);
    let (status, saved) = server
        .call(put, &path, author, Some(incident.clone()))
        .await;
    assert_eq!((status, saved), (200, incident.clone()));
    let (_, details) = server
        .get(&format!("/api/postmortems/{}", pm.id), viewer)
        .await;
    assert_eq!(details["incident"], incident);

    let export = format!("/api/postmortems/{}/export.md", pm.id);
    let (_, _, markdown) = text_of(&server, &export, Some(viewer)).await;
    assert!(markdown.contains("\n## システム概要\n"), "{markdown}");
    assert!(
        markdown.contains("- **発生日時:** 2026-11-02 14:05 UTC+09:00\n"),
        "{markdown}"
    );
    assert!(markdown.contains("- **フェーズ:** 下書き\n"), "{markdown}");
    let (_, _, english) = text_of(&server, &format!("{export}?lang=en"), Some(viewer)).await;
    assert!(english.contains("\n## System overview\n"), "{english}");
    assert!(english.contains("- **Incident:** 2026-11-02 14:05 UTC+09:00\n"));
}

#[tokio::test]
async fn import_maps_a_foreign_file_and_refuses_bad_requests() {
    let server = Server::start().await.unwrap();
    let file = "# 決済障害の振り返り\n\n前置き。\n\n## 概要\nDBが落ちた。\n\n## Timeline\n- 14:05 発生\n\n## 社内メモ\n自由記述 😀\n";
    let (status, created) = server
        .post(
            "/api/postmortems/import",
            ADMIN_TOKEN,
            json!({"markdown": file}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["title"], "決済障害の振り返り");
    assert_eq!(
        created["sections"],
        json!(["summary", "timeline", "custom-1"])
    );
    let id = created["id"].as_str().unwrap();
    let token = created["tokens"]["author"].as_str().unwrap();
    let doc = Client::connect(&server.ws_url(id, token)).await.unwrap();
    doc.wait_until(WAIT, |c| section(c, "custom-1").contains("😀"))
        .await
        .unwrap();
    assert_eq!(section(&doc, "summary"), "前置き。\n\nDBが落ちた。\n");
    assert_eq!(section(&doc, "timeline"), "- 14:05 発生\n");
    let (_, _, export) = text_of(
        &server,
        &format!("/api/postmortems/{id}/export.md"),
        Some(token),
    )
    .await;
    assert!(export.contains("## 社内メモ\n\n自由記述 😀\n"), "{export}");
    // The custom section follows the timeline, where the file put it; the
    // case is written in Japanese, so its export is too.
    assert!(
        export.find("## 社内メモ").unwrap() < export.find("## 原因").unwrap(),
        "{export}"
    );

    let (status, _) = server
        .post(
            "/api/postmortems/import",
            ADMIN_TOKEN,
            json!({"title": "override", "markdown": "  "}),
        )
        .await;
    assert_eq!(status, 400);
    let long = format!("# {}\n\n## Summary\nx\n", "長".repeat(300));
    let (status, created) = server
        .post(
            "/api/postmortems/import",
            ADMIN_TOKEN,
            json!({"markdown": long}),
        )
        .await;
    assert_eq!(status, 201, "a long heading is cut to a title: {created}");
    assert_eq!(created["title"].as_str().unwrap().chars().count(), 200);
    let (status, _) = server
        .post("/api/postmortems/import", ADMIN_TOKEN, json!({"text": "x"}))
        .await;
    assert_eq!(status, 400);
    let pm = server.create_postmortem("other").await.unwrap();
    let (status, _) = server
        .post(
            "/api/postmortems/import",
            pm.token("facilitator"),
            json!({"markdown": "# x"}),
        )
        .await;
    assert_eq!(status, 401, "import needs the admin token");
    let (status, list) = server.get("/api/postmortems", ADMIN_TOKEN).await;
    assert_eq!(status, 200);
    assert_eq!(
        list.as_array().unwrap().len(),
        3,
        "refused imports created nothing: {list}"
    );
}

#[tokio::test]
async fn a_dismissed_finding_keeps_its_reason_no_longer_blocks_and_can_be_taken_back() {
    let mut server = Process::start().await.unwrap();
    let pm = server.create_postmortem("Dismissal 対象外").await.unwrap();
    let sre = server.join(&pm, "facilitator", "SRE 佐藤").await;
    let author = server.join(&pm, "author", "Aoki").await;
    let reader = server.join(&pm, "participant", "Pat").await;
    let writer = Client::connect(&author.ws_url()).await.unwrap();
    for (section_id, markdown) in SECTIONS {
        append(&writer, section_id, markdown);
    }
    let item = "Page the database team on failover, so they join early.";
    append(&writer, "countermeasures", &format!("\n- {item}"));
    writer
        .wait_until(WAIT, |c| {
            section(c, "countermeasures").contains("database team")
        })
        .await
        .unwrap();
    // The server has the new item once its readiness reports it.
    let readiness = tokio::time::timeout(WAIT, async {
        loop {
            let (_, r) = sre.get("/readiness").await;
            let rules = r["findings"].as_array().map(|f| {
                f.iter()
                    .map(|f| f["rule"].as_str().unwrap_or_default().to_owned())
                    .collect::<Vec<_>>()
            });
            if rules.is_some_and(|r| r.contains(&"countermeasure_cause".to_owned())) {
                break r;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the server sees the new countermeasure");
    let blocking: Vec<&Value> = readiness["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["level"] == "blocking")
        .collect();
    assert_eq!(blocking.len(), 1, "{readiness}");
    assert_eq!(blocking[0]["rule"], "countermeasure_cause");
    assert_eq!(blocking[0]["subject"], item);
    let dismiss = json!({
        "type": "dismiss_finding",
        "rule": "countermeasure_cause",
        "section": "countermeasures",
        "subject": item,
        "reason": "A staffing step, not a fix for a cause | 原因への対策ではない"
    });

    // A participant may not; an author may, once.
    let (status, _) = reader.command(dismiss.clone()).await;
    assert_eq!(status, 403);
    author.ok(dismiss.clone()).await;
    let (status, _) = sre.command(dismiss.clone()).await;
    assert_eq!(status, 409);

    // Kept across a restart: the meeting replays its log.
    server.restart().await.unwrap();
    let (_, readiness) = reader.get("/readiness").await;
    assert_eq!(readiness["ready"], true, "{readiness}");
    let dismissed = readiness["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "countermeasure_cause")
        .expect("still listed");
    assert_eq!(dismissed["level"], "blocking");
    assert_eq!(dismissed["dismissed"]["by"]["display_name"], "Aoki");
    assert!(dismissed["dismissed"]["reason"]
        .as_str()
        .unwrap()
        .contains("原因への対策ではない"));

    // Taken back: a participant may not; the facilitator may, once, and the
    // finding blocks again (publishing is refused) until it is dismissed anew.
    let restore = json!({
        "type": "restore_finding",
        "rule": "countermeasure_cause",
        "section": "countermeasures",
        "subject": item,
    });
    let (status, _) = reader.command(restore.clone()).await;
    assert_eq!(status, 403);
    sre.ok(restore.clone()).await;
    let (status, _) = author.command(restore.clone()).await;
    assert_eq!(status, 409);
    let (_, readiness) = reader.get("/readiness").await;
    assert_eq!(readiness["ready"], false, "{readiness}");
    let restored = readiness["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "countermeasure_cause")
        .expect("listed");
    assert!(restored.get("dismissed").is_none(), "{restored}");
    let (_, meeting) = reader.get("/meeting").await;
    assert_eq!(meeting["state"]["dismissals"], json!([]));
    server.restart().await.unwrap();
    let (_, readiness) = reader.get("/readiness").await;
    assert_eq!(
        readiness["ready"], false,
        "restored across a restart: {readiness}"
    );
    author.ok(dismiss.clone()).await;

    // Publishing goes through without an override reason.
    for phase in [
        "silent_reading",
        "q_and_a",
        "proposals",
        "kudos",
        "revision",
        "published",
    ] {
        sre.ok(json!({"type": "move_phase", "to": phase})).await;
    }
    let (_, meeting) = reader.get("/meeting").await;
    assert!(meeting["state"]["published"]
        .get("override_reason")
        .is_none());
    assert_eq!(meeting["state"]["dismissals"][0]["subject"], item);
}

#[tokio::test]
async fn an_import_maps_the_headings_people_use_and_keeps_the_ones_declined_as_written() {
    let server = Server::start().await.unwrap();
    let markdown = "# 決済の遅延\n\n## 概要\n決済が55分間遅くなった。\n\n## システム構成\n\
                    **役割**：注文確定時のカード決済。\n**アーキテクチャ**：API サーバー 4 台と MySQL 1 台。\n\
                    **使用技術**：MySQL 8.0、Java 17。\n\n## 影響範囲\n約千二百人のお客様が注文できなかった。\n\n\
                    ## 時系列\n- 18:10 警告\n- 19:05 回復\n\n## 根本原因\n### バッチの全件再実行\n\
                    失敗分だけを再実行する手順がなかった。\n\n## 再発防止策\n\
                    - 失敗分だけを再実行できるようにする（原因：バッチの全件再実行）。全件再実行を避けるため。\
                    レプリカで実行する案も検討したが、更新処理のため採用できない。\n\n\
                    ## Action items\n- 手順書を直す（担当: 青木）\n";
    let (status, imported) = server
        .call(
            reqwest::Method::POST,
            "/api/postmortems/import",
            ADMIN_TOKEN,
            Some(json!({"markdown": markdown, "keep_as_written": ["Action items"]})),
        )
        .await;
    assert_eq!(status, 201, "{imported}");
    assert_eq!(
        imported["sections"],
        json!([
            "summary",
            "system",
            "impact",
            "timeline",
            "causes",
            "countermeasures",
            "custom-1"
        ])
    );
    let viewer = imported["tokens"]["viewer"].as_str().unwrap();
    let id = imported["id"].as_str().unwrap();
    let (_, readiness) = server
        .get(&format!("/api/postmortems/{id}/readiness"), viewer)
        .await;
    assert_eq!(readiness, json!({"ready": true, "findings": []}));
}
