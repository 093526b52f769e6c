//! Nothing anyone types is lost, as the server enforces it: two answers to
//! one question at once (the second is refused, then added to the first),
//! editing a recorded answer (only those the permission table lets, never
//! over an edit they have not seen, with the document's Q&A entry
//! following), going back a phase (the spotlight and the timer come back),
//! and one person joining from two browsers (one identity).

use casebook_core::comment::qa_entry_markdown;
use casebook_core::document::{section_text_name, QA_SECTION};
use casebook_e2e::{Client, Person, Server};
use serde_json::json;
use std::time::Duration;
use yrs::{GetString, Transact};

const WAIT: Duration = Duration::from_secs(10);

fn qa_section(client: &Client) -> String {
    let text = client
        .doc
        .get_or_insert_text(section_text_name(QA_SECTION).as_str());
    let txn = client.doc.transact();
    text.get_string(&txn)
}

/// A question on "MySQL on EC2" in the summary, asked by `reader`.
async fn ask(author: &Person, reader: &Person) -> (Client, String) {
    let (doc, anchor) = author.anchored_summary().await;
    let asked = reader
        .ok(json!({ "type": "post_comment", "kind": "question", "anchor": anchor, "text": "Why not RDS?" }))
        .await;
    let id = asked["events"][0]["comment_id"]
        .as_str()
        .unwrap_or_default();
    (doc, id.to_owned())
}

#[tokio::test]
async fn a_second_answer_is_refused_kept_by_its_writer_and_added_to_the_first() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("Checkout latency").await.unwrap();
    let sre = server.join(&pm, "facilitator", "Sara").await;
    let author = server.join(&pm, "author", "Aoki").await;
    let reader = server.join(&pm, "participant", "Pat").await;
    let (doc, q) = ask(&author, &reader).await;
    sre.ok(json!({ "type": "move_phase", "to": "silent_reading" }))
        .await;
    sre.ok(json!({ "type": "move_phase", "to": "q_and_a" }))
        .await;

    let answer = |text: &str| json!({ "type": "answer_question", "comment_id": q, "text": text });
    sre.ok(answer("Cost.")).await;
    let long = "RDS was three times the price in 2019.";
    assert_eq!(author.command(answer(long)).await.0, 409);
    doc.wait_until(WAIT, |c| {
        qa_section(c).contains(&qa_entry_markdown("Why not RDS?", "Cost."))
    })
    .await
    .unwrap();

    // The author adds theirs to the recorded answer: the entry is rewritten
    // in place, not appended a second time.
    let both = format!("Cost.\n\n{long}");
    let edit = |base: &str, text: &str| json!({ "type": "edit_answer", "comment_id": q, "base": base, "text": text });
    author.ok(edit("Cost.", &both)).await;
    let expected = qa_entry_markdown("Why not RDS?", &both);
    doc.wait_until(WAIT, |c| qa_section(c).contains(&expected))
        .await
        .unwrap();
    assert_eq!(qa_section(&doc), expected, "one entry, rewritten in place");

    // An edit based on what is no longer recorded overwrites nothing.
    assert_eq!(sre.command(edit("Cost.", "Cost only.")).await.0, 409);
    // A participant may not edit answers; the table says so, the server too.
    assert_eq!(reader.command(edit(&both, "No.")).await.0, 403);
    let (_, view) = server
        .call(
            reqwest::Method::GET,
            &format!("/api/postmortems/{}/meeting", pm.id),
            &author.token,
            None,
        )
        .await;
    assert_eq!(view["state"]["comments"][0]["answer"]["text"], json!(both));
    assert_eq!(
        view["state"]["comments"][0]["answer"]["by"]["display_name"],
        "Sara"
    );
    // Both who wrote it are named: in the meeting's state and in the export.
    let editors = &view["state"]["comments"][0]["answer"]["edited_by"];
    assert_eq!(editors[0]["display_name"], "Aoki", "{editors}");
    assert_eq!(editors.as_array().map(Vec::len), Some(1));
    let export = server
        .http
        .get(server.url(&format!("/api/postmortems/{}/export.md", pm.id)))
        .bearer_auth(&author.token)
        .send()
        .await
        .expect("the server answers")
        .text()
        .await
        .expect("an export");
    assert!(
        export.contains("- **Answer (Sara; edited by Aoki):** Cost."),
        "{export}"
    );
}

#[tokio::test]
async fn going_back_a_phase_gives_back_the_spotlight_and_the_time_left() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("Checkout latency").await.unwrap();
    let sre = server.join(&pm, "facilitator", "Sara").await;
    let author = server.join(&pm, "author", "Aoki").await;
    let reader = server.join(&pm, "participant", "Pat").await;
    let (_doc, q) = ask(&author, &reader).await;
    sre.ok(json!({ "type": "move_phase", "to": "silent_reading" }))
        .await;
    sre.ok(json!({ "type": "move_phase", "to": "q_and_a" }))
        .await;
    sre.ok(json!({ "type": "start_timer", "seconds": 300 }))
        .await;
    sre.ok(json!({ "type": "spotlight", "comment_id": q }))
        .await;
    sre.ok(json!({ "type": "move_phase", "to": "proposals" }))
        .await;
    let moved = sre
        .ok(json!({ "type": "move_phase", "to": "q_and_a" }))
        .await;
    let state = &moved["meeting"]["state"];
    assert_eq!(state["spotlight"], json!(q));
    let timer = &state["timer"];
    assert_eq!(
        timer["duration_ms"], 300_000,
        "the timer set, not the default"
    );
    let elapsed = timer["elapsed_ms"].as_u64().unwrap_or(u64::MAX);
    assert!(
        elapsed < 60_000,
        "only the time spent in Q&A counts: {timer}"
    );
    assert!(timer["running_since_ms"].is_u64(), "it runs again: {timer}");
}

#[tokio::test]
async fn one_person_joining_from_two_browsers_is_one_person() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("Checkout latency").await.unwrap();
    let sre = server.join(&pm, "facilitator", "Sara").await;
    let laptop = server.join(&pm, "participant", "Ken Tanaka").await;
    let phone = server.join(&pm, "participant", " ken  TANAKA ").await;
    let other = server.join(&pm, "participant", "Aiko").await;
    let author = server.join(&pm, "author", "Ken Tanaka").await;
    assert_eq!(laptop.id, phone.id);
    assert_ne!(laptop.id, other.id);
    assert_ne!(laptop.id, author.id, "another link is another person");
    sre.ok(json!({ "type": "move_phase", "to": "silent_reading" }))
        .await;
    laptop.ok(json!({ "type": "mark_done_reading" })).await;
    let answer = phone.ok(json!({ "type": "mark_done_reading" })).await;
    assert_eq!(answer["events"], json!([]), "already done, from the laptop");
    assert_eq!(
        answer["meeting"]["state"]["done_reading"],
        json!([laptop.id]),
        "counted once"
    );
}
