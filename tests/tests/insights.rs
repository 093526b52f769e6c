//! Facilitator insights through the real server: one meeting's figures for
//! its facilitator only, every meeting's for the admin, oldest first.

use casebook_core::anchor::Anchor;
use casebook_core::document::section_text_name;
use casebook_e2e::{Client, Created, Endpoint, Server, ADMIN_TOKEN};
use serde_json::json;
use std::time::Duration;
use yrs::{Text, Transact};

async fn anchor(server: &Endpoint, pm: &Created) -> Anchor {
    let client = Client::connect(&server.ws_url(&pm.id, pm.token("author")))
        .await
        .unwrap();
    let text = client
        .doc
        .get_or_insert_text(section_text_name("summary").as_str());
    text.insert(
        &mut client.doc.transact_mut(),
        0,
        "The disk filled up. ディスク満杯",
    );
    let txn = client.doc.transact();
    Anchor::new(&txn, &text, "summary", 4..8).unwrap()
}

#[tokio::test]
async fn insights_show_a_meeting_in_figures_to_its_facilitator() {
    let server = Server::start().await.unwrap();
    let first = server.create_postmortem("First meeting").await.unwrap();
    let second = server.create_postmortem("二回目").await.unwrap();
    let sre = server.join(&first, "facilitator", "SRE").await;
    let author = server.join(&first, "author", "Aoki").await;
    let pat = server.join(&first, "participant", "Pat").await;
    let kim = server.join(&first, "participant", "Kim 金").await;
    let at = anchor(&server, &first).await;
    let comment = |kind: &str, text: &str| json!({"type": "post_comment", "kind": kind, "anchor": at, "text": text});

    // Pat asks before the meeting; Kim and the facilitator during it.
    let early = pat.ok(comment("question", "Why?")).await;
    let early = early["events"][0]["comment_id"].clone();
    sre.ok(json!({"type": "move_phase", "to": "silent_reading"}))
        .await;
    let s = kim.ok(comment("suggestion", "図を追加")).await;
    let s = s["events"][0]["comment_id"].clone();
    sre.ok(comment("question", "Who?")).await;
    sre.ok(json!({"type": "move_phase", "to": "q_and_a"})).await;
    author
        .ok(json!({"type": "answer_question", "comment_id": early, "text": "Because."}))
        .await;
    sre.ok(json!({"type": "move_phase", "to": "proposals"}))
        .await;
    author
        .ok(json!({"type": "accept_suggestion", "comment_id": s}))
        .await;
    sre.ok(json!({"type": "move_phase", "to": "kudos"})).await;
    sre.ok(json!({"type": "move_phase", "to": "revision"}))
        .await;
    author.ok(json!({"type": "resolve", "comment_id": s})).await;
    kim.ok(json!({"type": "answer_survey", "ratings": {"questions_easy": 5, "time_enough": 3, "document_clear": 4}, "comment": "よかった"})).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let sre2 = server.join(&second, "facilitator", "SRE").await;
    sre2.ok(json!({"type": "move_phase", "to": "silent_reading"}))
        .await;

    let path = format!("/api/postmortems/{}/insights", first.id);
    let (status, answer) = server
        .call(reqwest::Method::GET, &path, &sre.token, None)
        .await;
    assert_eq!(status, 200, "{answer}");
    let i = &answer["insights"];
    assert_eq!(
        (i["questions"].as_u64(), i["suggestions"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(i["commenters"], 3);
    assert_eq!(i["commenters_from_other_teams"], 2, "{i}");
    assert_eq!(i["comments_before_meeting"], 1);
    assert_eq!(
        (
            i["answered"].as_u64(),
            i["accepted"].as_u64(),
            i["resolved"].as_u64()
        ),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(i["phases"].as_array().unwrap().len(), 4);
    assert_eq!(i["phases"][0]["phase"], "silent_reading");
    assert_eq!(i["phases"][0]["planned_ms"], 15 * 60 * 1000);
    assert_eq!(i["phases"][0]["visits"], 1);
    assert_eq!(i["survey"]["answers"], 1);
    assert_eq!(i["survey"]["comments"], json!(["よかった"]));
    assert!(
        !answer.to_string().contains("Kim"),
        "the survey names nobody: {answer}"
    );

    for token in [&pat.token, &author.token, first.token("viewer")] {
        let (status, _) = server.call(reqwest::Method::GET, &path, token, None).await;
        assert_eq!(status, 403);
    }
    let (status, _) = server
        .call(reqwest::Method::GET, &path, ADMIN_TOKEN, None)
        .await;
    assert_eq!(status, 200);

    let (status, all) = server
        .call(reqwest::Method::GET, "/api/insights", ADMIN_TOKEN, None)
        .await;
    assert_eq!(status, 200);
    let titles: Vec<&str> = all["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["First meeting", "二回目"]);
    assert_eq!(all["meetings"][1]["insights"]["questions"], 0);
    let (status, _) = server
        .call(reqwest::Method::GET, "/api/insights", &sre.token, None)
        .await;
    assert_eq!(status, 401, "across meetings is for the admin");
}

/// Runs a new postmortem's meeting from silent reading to revision.
async fn a_finished_meeting(server: &Server, title: &str) {
    let pm = server.create_postmortem(title).await.unwrap();
    let sre = server.person(&pm.id, pm.token("facilitator"));
    for to in [
        "silent_reading",
        "q_and_a",
        "proposals",
        "kudos",
        "revision",
    ] {
        sre.ok(json!({"type": "move_phase", "to": to})).await;
    }
}

#[tokio::test]
async fn timers_are_suggested_to_the_facilitator_once_three_meetings_finished() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("Next meeting").await.unwrap();
    let sre = server.person(&pm.id, pm.token("facilitator"));
    let participant = server.person(&pm.id, pm.token("participant"));
    a_finished_meeting(&server, "First").await;
    a_finished_meeting(&server, "Second").await;
    let (status, answer) = sre.get("/timer-suggestions").await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer, json!({"suggestions": [], "min_meetings": 3}));

    a_finished_meeting(&server, "Third").await;
    let (status, answer) = sre.get("/timer-suggestions").await;
    assert_eq!(status, 200, "{answer}");
    let suggested: Vec<(String, u64, u64)> = answer["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["phase"].as_str().unwrap().to_owned(),
                s["seconds"].as_u64().unwrap(),
                s["meetings"].as_u64().unwrap(),
            )
        })
        .collect();
    // Each meeting spent moments in each phase: a minute, the shortest.
    let expected: Vec<(String, u64, u64)> = ["silent_reading", "q_and_a", "proposals", "kudos"]
        .iter()
        .map(|p| (p.to_string(), 60, 3))
        .collect();
    assert_eq!(suggested, expected);

    let (status, _) = participant.get("/timer-suggestions").await;
    assert_eq!(status, 403, "only the facilitator plans the timer");
}
