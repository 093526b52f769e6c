//! Versions of the document: kept by the server at phase changes and after
//! answers, saved on demand, listed, read whole and compared word by word;
//! refused to tokens that may not read the document; kept across restarts
//! and carried by backups.

use casebook_core::document::section_text_name;
use casebook_e2e::{Client, Created, Person, Server, ADMIN_TOKEN};
use serde_json::{json, Value};
use std::time::Duration;
use yrs::{GetString, Text, Transact};

const WAIT: Duration = Duration::from_secs(10);

/// A postmortem with its facilitator and author.
async fn meeting(server: &Server) -> (Created, Person, Person) {
    let pm = server.create_postmortem("Versions").await.unwrap();
    let facilitator = server.person(&pm.id, pm.token("facilitator"));
    let author = server.person(&pm.id, pm.token("author"));
    (pm, facilitator, author)
}

/// Appends `words` to the Summary through `who`'s document socket and waits
/// until the server has them.
async fn write_summary(server: &Server, pm: &Created, who: &Person, words: &str) {
    let doc = Client::connect(&who.ws_url()).await.unwrap();
    let summary = doc
        .doc
        .get_or_insert_text(section_text_name("summary").as_str());
    let expected = {
        let mut txn = doc.doc.transact_mut();
        let end = summary.len(&txn);
        summary.insert(&mut txn, end, words);
        summary.get_string(&txn)
    };
    server_has_summary(server, pm, &expected).await;
}

/// Waits until the server's document has `expected` as the Summary.
async fn server_has_summary(server: &Server, pm: &Created, expected: &str) {
    let viewer = Client::connect(&server.ws_url(&pm.id, pm.token("viewer")))
        .await
        .unwrap();
    let name = section_text_name("summary");
    viewer
        .wait_until(WAIT, |c| {
            let text = c.doc.get_or_insert_text(name.as_str());
            text.get_string(&c.doc.transact()) == expected
        })
        .await
        .unwrap();
}

async fn versions(who: &Person) -> Vec<Value> {
    let (status, list) = who.get("/versions").await;
    assert_eq!(status, 200, "{list}");
    list["versions"].as_array().unwrap().clone()
}

async fn save(server: &Server, who: &Person, label: &str) -> (u16, Value) {
    server
        .post(
            &format!("/api/postmortems/{}/versions", who.pm),
            &who.token,
            json!({ "label": label }),
        )
        .await
}

/// The Summary section of a version or diff answer.
fn summary_of(answer: &Value) -> &Value {
    answer["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .find(|s| s["id"] == "summary")
        .expect("the summary")
}

/// The Summary's diff pieces as `[-removed-]{+added+}` text.
fn summary_diff(diff: &Value) -> String {
    let summary = summary_of(diff);
    summary["pieces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let text = p["text"].as_str().unwrap();
            match p["kind"].as_str().unwrap() {
                "added" => format!("{{+{text}+}}"),
                "removed" => format!("[-{text}-]"),
                _ => text.to_owned(),
            }
        })
        .collect()
}

fn reasons(list: &[Value]) -> Vec<(u64, &str, &str)> {
    list.iter()
        .map(|v| {
            (
                v["id"].as_u64().unwrap(),
                v["reason"].as_str().unwrap(),
                v["phase"].as_str().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_meeting_keeps_a_version_as_reading_and_revision_start_and_at_publication() {
    let server = Server::start().await.unwrap();
    let (pm, facilitator, author) = meeting(&server).await;
    assert!(versions(&author).await.is_empty());
    write_summary(&server, &pm, &author, "データベースが停止した。").await;
    facilitator
        .ok(json!({"type": "move_phase", "to": "silent_reading"}))
        .await;
    write_summary(&server, &pm, &author, "\nThe primary failed over.").await;
    for to in ["q_and_a", "proposals", "kudos", "revision"] {
        facilitator
            .ok(json!({"type": "move_phase", "to": to}))
            .await;
    }
    facilitator
        .ok(json!({"type": "move_phase", "to": "published", "override_reason": "a test"}))
        .await;
    let list = versions(&facilitator).await;
    assert_eq!(
        reasons(&list),
        vec![
            (0, "silent_reading_started", "silent_reading"),
            (1, "revision_started", "revision"),
            (2, "published", "published"),
        ]
    );
    assert_eq!(list[0]["label"], "Silent reading started");
    assert!(list[0]["at_ms"].as_u64().unwrap() > 0);

    let (status, diff) = author.get("/versions/0/diff?to=1").await;
    assert_eq!(status, 200, "{diff}");
    assert_eq!(
        summary_diff(&diff),
        "データベースが停止した。{+\nThe primary failed over.+}"
    );
    assert_eq!(diff["to"]["id"], 1);
    let (_, old) = author.get("/versions/0").await;
    let summary = summary_of(&old);
    assert_eq!(summary["markdown"], "データベースが停止した。");
}

#[tokio::test]
async fn an_author_saves_a_labelled_version_and_compares_it_with_the_document_now() {
    let server = Server::start().await.unwrap();
    let (pm, _facilitator, author) = meeting(&server).await;
    write_summary(&server, &pm, &author, "We run MySQL.").await;
    let (status, saved) = save(&server, &author, "  First draft  ").await;
    assert_eq!(status, 201, "{saved}");
    assert_eq!(
        (
            &saved["id"],
            &saved["label"],
            &saved["reason"],
            &saved["phase"]
        ),
        (
            &json!(0),
            &json!("First draft"),
            &json!("saved"),
            &json!("drafting")
        )
    );
    assert_eq!(saved["by"], "author");
    write_summary(&server, &pm, &author, " On EC2 😀.").await;
    let (status, diff) = author.get("/versions/0/diff?to=current").await;
    assert_eq!(status, 200, "{diff}");
    assert_eq!(summary_diff(&diff), "We run MySQL.{+ On EC2 😀.+}");
    assert!(diff.get("to").is_none(), "{diff}");
    let summary = summary_of(&diff);
    assert_eq!(
        (
            &summary["change"],
            &summary["added_chars"],
            &summary["removed_chars"]
        ),
        (&json!("changed"), &json!(7), &json!(0))
    );
    // Without `to`, the diff is to the document now.
    let (_, default) = author.get("/versions/0/diff").await;
    assert_eq!(default, diff);
}

#[tokio::test]
async fn an_answer_keeps_a_version_naming_its_question() {
    let server = Server::start().await.unwrap();
    let (pm, facilitator, author) = meeting(&server).await;
    let participant = server.person(&pm.id, pm.token("participant"));
    let (_doc, anchor) = author.anchored_summary().await;
    server_has_summary(&server, &pm, "We run MySQL on EC2.").await;
    facilitator
        .ok(json!({"type": "move_phase", "to": "silent_reading"}))
        .await;
    let asked = participant
        .ok(json!({"type": "post_comment", "kind": "question", "text": "Why not RDS?", "anchor": anchor}))
        .await;
    let question = asked["events"][0]["comment_id"]
        .as_str()
        .map(str::to_owned)
        .expect("the question's id");
    facilitator
        .ok(json!({"type": "move_phase", "to": "q_and_a"}))
        .await;
    facilitator
        .ok(json!({"type": "answer_question", "comment_id": question, "text": "Cost."}))
        .await;
    let list = versions(&author).await;
    assert_eq!(
        reasons(&list),
        vec![
            (0, "silent_reading_started", "silent_reading"),
            (1, "answered", "q_and_a"),
        ]
    );
    assert_eq!(list[1]["comment_id"], json!(question));
}

#[tokio::test]
async fn versions_are_read_with_any_token_of_the_case_and_saved_only_by_writers_who_may() {
    let server = Server::start().await.unwrap();
    let (pm, facilitator, author) = meeting(&server).await;
    let other = server.create_postmortem("Another").await.unwrap();
    assert_eq!(
        save(&server, &facilitator, "by the facilitator").await.0,
        201
    );

    for role in ["viewer", "participant", "author", "facilitator"] {
        let who = server.person(&pm.id, pm.token(role));
        assert_eq!(who.get("/versions").await.0, 200, "{role}");
        assert_eq!(who.get("/versions/0").await.0, 200, "{role}");
        assert_eq!(who.get("/versions/0/diff").await.0, 200, "{role}");
    }
    // A token that is no token, and one of another postmortem.
    for (token, refused) in [("not-a-token", 401), (other.token("facilitator"), 403)] {
        let stranger = server.person(&pm.id, token);
        for path in ["/versions", "/versions/0", "/versions/0/diff"] {
            let (status, body) = stranger.get(path).await;
            assert_eq!(status, refused, "{path}: {body}");
            assert!(body.get("versions").is_none() && body.get("sections").is_none());
        }
        assert_eq!(save(&server, &stranger, "no").await.0, refused);
    }
    for role in ["viewer", "participant"] {
        let who = server.person(&pm.id, pm.token(role));
        let (status, body) = save(&server, &who, "mine").await;
        assert_eq!(status, 403, "{role}: {body}");
    }
    assert_eq!(save(&server, &author, "   ").await.0, 400);
    assert_eq!(save(&server, &author, &"x".repeat(121)).await.0, 400);
    assert_eq!(author.get("/versions/7").await.0, 404);
    assert_eq!(author.get("/versions/7/diff").await.0, 404);
    assert_eq!(author.get("/versions/0/diff?to=7").await.0, 404);
    assert_eq!(author.get("/versions/0/diff?to=latest").await.0, 400);
    assert_eq!(versions(&author).await.len(), 1, "refusals kept nothing");

    facilitator.publish_overriding("a test").await;
    let (status, body) = save(&server, &author, "after publication").await;
    assert_eq!(status, 403, "{body}");
}

#[tokio::test]
async fn versions_survive_a_restart_and_only_changed_sections_are_stored() {
    // The data directory outlives the first server (whose own goes with it).
    let temp = tempfile::tempdir().unwrap();
    let data_dir = temp.path().join("data");
    let server = Server::start_in(&data_dir, &[]).await.unwrap();
    let (pm, _facilitator, author) = meeting(&server).await;
    let long = "A long paragraph about the incident. ".repeat(100);
    write_summary(&server, &pm, &author, &long).await;
    assert_eq!(save(&server, &author, "one").await.0, 201);
    assert_eq!(save(&server, &author, "two, nothing changed").await.0, 201);
    let before = versions(&author).await;
    drop(server);

    let server = Server::start_in(&data_dir, &[]).await.unwrap();
    let author = server.person(&pm.id, pm.token("author"));
    assert_eq!(versions(&author).await, before);
    let (status, diff) = author.get("/versions/0/diff?to=1").await;
    assert_eq!(status, 200, "{diff}");
    assert!(diff["sections"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["change"] == "same"));

    let trees = casebook_server::backup::fetch(&server.url(""), ADMIN_TOKEN)
        .await
        .unwrap();
    let stored = trees
        .iter()
        .find(|t| t.name == b"versions")
        .expect("a versions tree in the backup");
    let sizes: Vec<usize> = stored.entries.iter().map(|(_, v)| v.len()).collect();
    casebook_e2e::report(&format!("stored version sizes in bytes: {sizes:?}"));
    assert!(sizes[0] > long.len(), "{sizes:?}");
    assert!(
        sizes[1] < 1_000,
        "an unchanged version stores no text: {sizes:?}"
    );
}

#[tokio::test]
async fn a_backup_restored_into_a_new_directory_carries_the_versions() {
    let server = Server::start().await.unwrap();
    let (pm, facilitator, author) = meeting(&server).await;
    write_summary(&server, &pm, &author, "復元される本文").await;
    facilitator
        .ok(json!({"type": "move_phase", "to": "silent_reading"}))
        .await;
    assert_eq!(save(&server, &author, "保存した版").await.0, 201);
    let before = versions(&author).await;
    let trees = casebook_server::backup::fetch(&server.url(""), ADMIN_TOKEN)
        .await
        .unwrap();
    drop(server);
    let temp = tempfile::tempdir().unwrap();
    let restored = temp.path().join("restored");
    casebook_server::backup::write_data_dir(&trees, &restored).unwrap();

    let server = Server::start_in(&restored, &[]).await.unwrap();
    let author = server.person(&pm.id, pm.token("author"));
    let after = versions(&author).await;
    assert_eq!(after, before);
    assert_eq!(after[1]["label"], "保存した版");
    let (_, old) = author.get("/versions/0").await;
    assert!(old["sections"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["markdown"] == "復元される本文"));
}

/// The readiness findings of one rule, as `GET …/readiness` gives them.
async fn findings_of(who: &Person, rule: &str) -> Vec<Value> {
    let (status, readiness) = who.get("/readiness").await;
    assert_eq!(status, 200, "{readiness}");
    readiness["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .cloned()
        .collect()
}

#[tokio::test]
async fn an_answer_left_out_of_its_section_is_advice_until_the_section_changes_or_the_qa_entry_is_enough(
) {
    let server = Server::start().await.unwrap();
    let (pm, facilitator, author) = meeting(&server).await;
    let participant = server.person(&pm.id, pm.token("participant"));
    let (_doc, anchor) = author.anchored_summary().await;
    server_has_summary(&server, &pm, "We run MySQL on EC2.").await;
    facilitator
        .ok(json!({"type": "move_phase", "to": "silent_reading"}))
        .await;
    let ask = |text: &'static str| {
        let anchor = anchor.clone();
        let participant = &participant;
        async move {
            let asked = participant
                .ok(json!({"type": "post_comment", "kind": "question", "text": text, "anchor": anchor}))
                .await;
            asked["events"][0]["comment_id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let (first, second) = (ask("Why not RDS?").await, ask("Which version?").await);
    facilitator
        .ok(json!({"type": "move_phase", "to": "q_and_a"}))
        .await;
    for q in [&first, &second] {
        facilitator
            .ok(json!({"type": "answer_question", "comment_id": q, "text": "Said out loud."}))
            .await;
    }
    let left = findings_of(&author, "answer_not_folded").await;
    let subjects: Vec<&Value> = left.iter().map(|f| &f["subject"]).collect();
    assert_eq!(subjects, vec![&json!(first), &json!(second)], "{left:?}");
    assert_eq!(
        (&left[0]["section"], &left[0]["level"]),
        (&json!("summary"), &json!("advice"))
    );
    assert!(left[0]["reason_ja"].as_str().unwrap().contains("質疑応答"));

    // The facilitator says the first one's Q&A entry is enough.
    facilitator
        .ok(
            json!({"type": "dismiss_finding", "rule": "answer_not_folded", "section": "summary",
                   "subject": first, "reason": "The Q&A entry is enough"}),
        )
        .await;
    let left = findings_of(&author, "answer_not_folded").await;
    assert_eq!(left[0]["dismissed"]["reason"], "The Q&A entry is enough");
    assert!(left[1].get("dismissed").is_none());

    // The author folds the answers into the summary: nothing is left.
    write_summary(&server, &pm, &author, " RDS lacked a plugin we need.").await;
    assert!(findings_of(&author, "answer_not_folded").await.is_empty());
}

#[tokio::test]
async fn the_export_says_what_the_meeting_changed() {
    let server = Server::start().await.unwrap();
    let (pm, facilitator, author) = meeting(&server).await;
    write_summary(&server, &pm, &author, "Payments failed.").await;
    let export = |path: &'static str| {
        let url = server.url(&format!("/api/postmortems/{}/{path}?lang=en", pm.id));
        let token = pm.token("viewer").to_owned();
        async move {
            reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    assert!(!export("export.md")
        .await
        .contains("What the meeting changed"));
    facilitator
        .ok(json!({"type": "move_phase", "to": "silent_reading"}))
        .await;
    write_summary(&server, &pm, &author, " For forty minutes.").await;
    let markdown = export("export.md").await;
    assert!(
        markdown.contains("### What the meeting changed"),
        "{markdown}"
    );
    assert!(
        markdown.contains("- **Summary:** +16 / −0\n  - added: “For forty minutes.”\n"),
        "{markdown}"
    );
    let html = export("export.html").await;
    assert!(html.contains("What the meeting changed"), "{html}");

    // The read page is for anyone with the link: the case as published,
    // without the words its authors removed.
    for to in ["q_and_a", "proposals", "kudos", "revision"] {
        facilitator
            .ok(json!({"type": "move_phase", "to": to}))
            .await;
    }
    facilitator
        .ok(json!({"type": "move_phase", "to": "published", "override_reason": "a test"}))
        .await;
    let read = reqwest::get(server.url(&format!("/read/{}", pm.id)))
        .await
        .unwrap();
    assert_eq!(read.status(), 200);
    let read = read.text().await.unwrap();
    assert!(read.contains("For forty minutes."), "{read}");
    assert!(!read.contains("What the meeting changed"), "{read}");
}

/// The meeting room's `versions` count as a client reads it.
fn room_versions(room: &Client) -> u64 {
    room.map_json(casebook_core::meeting_room::MEETING, "versions")
        .and_then(|v| v.as_u64())
        .unwrap_or(0)
}

#[tokio::test]
async fn the_meeting_room_counts_the_versions_kept_so_open_lists_refresh() {
    let server = Server::start().await.unwrap();
    let (pm, facilitator, author) = meeting(&server).await;
    let room = Client::connect(&server.meeting_url(&pm.id, pm.token("viewer")))
        .await
        .unwrap();
    facilitator
        .ok(json!({"type": "move_phase", "to": "silent_reading"}))
        .await;
    room.wait_until(WAIT, |r| room_versions(r) == 1)
        .await
        .unwrap();
    assert_eq!(save(&server, &author, "during reading").await.0, 201);
    room.wait_until(WAIT, |r| room_versions(r) == 2)
        .await
        .unwrap();
    assert_eq!(versions(&author).await.len(), 2);
}

#[tokio::test]
async fn a_version_lost_between_its_event_and_its_keeping_is_kept_once_on_the_next_load() {
    let temp = tempfile::tempdir().unwrap();
    let data_dir = temp.path().join("data");
    let server = Server::start_in(&data_dir, &[]).await.unwrap();
    let (pm, facilitator, author) = meeting(&server).await;
    write_summary(&server, &pm, &author, "The disk filled.").await;
    assert_eq!(save(&server, &author, "before the meeting").await.0, 201);
    facilitator
        .ok(json!({"type": "move_phase", "to": "silent_reading"}))
        .await;
    let before = versions(&author).await;
    assert_eq!(
        reasons(&before),
        vec![
            (0, "saved", "drafting"),
            (1, "silent_reading_started", "silent_reading")
        ]
    );
    assert_eq!(before[1]["event"], 0, "the version names its event");
    drop(server);

    // The store as a stop between the event and its version leaves it: the
    // phase move is stored, its version is not.
    {
        // The stopped server lets go of sled's lock a moment after it stops.
        let deadline = std::time::Instant::now() + WAIT;
        let db = loop {
            match sled::open(&data_dir) {
                Ok(db) => break db,
                Err(e)
                    if std::time::Instant::now() < deadline && e.to_string().contains("lock") =>
                {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("{e}"),
            }
        };
        let tree = db.open_tree("versions").unwrap();
        let (last, _) = tree.last().unwrap().expect("a version");
        tree.remove(last).unwrap();
        assert_eq!(tree.len(), 1);
        db.flush().unwrap();
    }

    for _ in 0..2 {
        let server = Server::start_in(&data_dir, &[]).await.unwrap();
        let author = server.person(&pm.id, pm.token("author"));
        // Loading the meeting (any request that needs it) keeps what is due.
        let (status, _) = author.get("/meeting").await;
        assert_eq!(status, 200);
        let list = versions(&author).await;
        assert_eq!(
            reasons(&list),
            vec![
                (0, "saved", "drafting"),
                (1, "silent_reading_started", "silent_reading")
            ],
            "kept once, however often the server starts"
        );
        assert_eq!(list[1]["event"], 0);
        let (_, version) = author.get("/versions/1").await;
        let summary = summary_of(&version);
        assert_eq!(summary["markdown"], "The disk filled.");
    }
}

#[tokio::test]
async fn insights_count_how_much_the_meeting_changed_the_published_draft() {
    let server = Server::start().await.unwrap();
    let (pm, facilitator, author) = meeting(&server).await;
    write_summary(&server, &pm, &author, "The disk filled.").await;
    facilitator
        .ok(json!({"type": "move_phase", "to": "silent_reading"}))
        .await;
    write_summary(&server, &pm, &author, " Logs were not rotated.").await;
    let (_, insights) = facilitator.get("/insights").await;
    assert!(
        insights.get("meeting_change").is_none(),
        "not published: {insights}"
    );
    for to in ["q_and_a", "proposals", "kudos", "revision"] {
        facilitator
            .ok(json!({"type": "move_phase", "to": to}))
            .await;
    }
    facilitator
        .ok(json!({"type": "move_phase", "to": "published", "override_reason": "a test"}))
        .await;
    let (status, insights) = facilitator.get("/insights").await;
    assert_eq!(status, 200, "{insights}");
    assert_eq!(
        insights["meeting_change"],
        json!({
            "added_chars": 19,
            "removed_chars": 0,
            "sections_changed": 1,
            "draft_chars": 14
        })
    );
    let (_, all) = server.get("/api/insights", ADMIN_TOKEN).await;
    assert_eq!(all["meetings"][0]["meeting_change"]["added_chars"], 19);
}
