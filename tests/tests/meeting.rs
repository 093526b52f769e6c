//! A whole writing meeting driven through the API by a facilitator, an author
//! and a participant, from drafting to published, with a restart in the
//! middle, watched through the meeting room as a Yjs-protocol client sees it.

use casebook_core::anchor::Anchor;
use casebook_core::close;
use casebook_core::document::section_text_name;
use casebook_e2e::{Client, Process, Server};
use serde_json::json;
use std::time::Duration;
use yrs::{GetString, Text, Transact};

const WAIT: Duration = Duration::from_secs(10);

fn section(client: &Client, id: &str) -> String {
    let text = client
        .doc
        .get_or_insert_text(section_text_name(id).as_str());
    let txn = client.doc.transact();
    text.get_string(&txn)
}

#[tokio::test]
async fn a_whole_meeting_from_drafting_to_published_survives_a_restart() {
    let mut server = Process::start().await.unwrap();
    let pm = server
        .create_postmortem("決済遅延 checkout latency")
        .await
        .unwrap();
    let sre = server.join(&pm, "facilitator", "SRE 佐藤").await;
    let author = server.join(&pm, "author", "Aoki").await;
    let reader = server.join(&pm, "participant", "Pat 鈴木").await;
    let viewer = server.person(&pm.id, pm.token("viewer"));

    // The author's draft, in the Summary section.
    let draft = Client::connect(&author.ws_url()).await.unwrap();
    let summary = draft
        .doc
        .get_or_insert_text(section_text_name("summary").as_str());
    summary.insert(
        &mut draft.doc.transact_mut(),
        0,
        "We run MySQL on EC2 😀; it was overloaded.",
    );
    let participant_doc = Client::connect(&reader.ws_url()).await.unwrap();
    participant_doc
        .wait_until(WAIT, |c| section(c, "summary").contains("overloaded"))
        .await
        .unwrap();
    let room = Client::connect(&reader.meeting_url()).await.unwrap();

    // Silent reading: a question anchored to "MySQL on EC2", a suggestion.
    sre.ok(json!({"type": "move_phase", "to": "silent_reading"}))
        .await;
    let anchor = {
        let text = participant_doc
            .doc
            .get_or_insert_text(section_text_name("summary").as_str());
        let txn = participant_doc.doc.transact();
        Anchor::new(&txn, &text, "summary", 7..19).unwrap()
    };
    assert_eq!(anchor.quote, "MySQL on EC2");
    let asked = reader.ok(json!({"type": "post_comment", "kind": "question", "anchor": anchor, "text": "Why not RDS/Aurora?"})).await;
    let question = asked["events"][0]["comment_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let suggested = reader.ok(json!({"type": "post_comment", "kind": "suggestion", "anchor": anchor, "text": "Add a sequence diagram"})).await;
    let suggestion = suggested["events"][0]["comment_id"]
        .as_str()
        .unwrap()
        .to_owned();
    reader.ok(json!({"type": "mark_done_reading"})).await;

    // Roles are enforced by the server whatever the page shows.
    for (who, body) in [
        (&reader, json!({"type": "move_phase", "to": "q_and_a"})),
        (&viewer, json!({"type": "move_phase", "to": "q_and_a"})),
        (&author, json!({"type": "move_phase", "to": "q_and_a"})),
        (
            &viewer,
            json!({"type": "post_comment", "kind": "question", "anchor": anchor, "text": "x"}),
        ),
    ] {
        let (status, answer) = who.command(body.clone()).await;
        assert_eq!(status, 403, "{body} → {answer}");
    }
    let (status, _) = reader.command(json!({"type": "answer_survey", "ratings": {"questions_easy": 5, "time_enough": 5, "document_clear": 5}})).await;
    assert_eq!(status, 403, "no survey before revision");

    // Q&A: the spotlight shows in the meeting room.
    sre.ok(json!({"type": "move_phase", "to": "q_and_a"})).await;
    sre.ok(json!({"type": "spotlight", "comment_id": question}))
        .await;
    room.wait_until(WAIT, |c| {
        c.map_json("meeting", "spotlight") == Some(json!(question))
    })
    .await
    .unwrap();

    // Restart in the middle of the meeting: everything is still there.
    drop((draft, participant_doc, room));
    server.restart().await.unwrap();
    let (_, meeting) = sre.get("/meeting").await;
    assert_eq!(meeting["state"]["phase"], "q_and_a");
    assert_eq!(meeting["state"]["spotlight"], json!(question));
    assert_eq!(meeting["state"]["comments"].as_array().unwrap().len(), 2);
    let room = Client::connect(&reader.meeting_url()).await.unwrap();
    room.wait_until(WAIT, |c| {
        c.map_json("meeting", "phase") == Some(json!("q_and_a"))
    })
    .await
    .unwrap();

    // The author answers; the answer is written into the Q&A section.
    let answer_text = "Aurora was ruled out: the licence of our middleware needs MySQL 5.7.";
    author
        .ok(json!({"type": "answer_question", "comment_id": question, "text": answer_text}))
        .await;
    let (status, _) = author
        .command(json!({"type": "answer_question", "comment_id": question, "text": "again"}))
        .await;
    assert_eq!(status, 409, "a question is answered once");
    let doc = Client::connect(&reader.ws_url()).await.unwrap();
    doc.wait_until(WAIT, |c| section(c, "qa").contains(answer_text))
        .await
        .unwrap();
    assert!(section(&doc, "qa").contains("Why not RDS/Aurora?"));

    // Proposals, kudos (into the Kudos section), revision.
    sre.ok(json!({"type": "move_phase", "to": "proposals"}))
        .await;
    author
        .ok(json!({"type": "accept_suggestion", "comment_id": suggestion}))
        .await;
    sre.ok(json!({"type": "move_phase", "to": "kudos"})).await;
    reader
        .ok(json!({"type": "post_kudos", "to": "佐藤さん", "text": "深夜の切り戻し"}))
        .await;
    doc.wait_until(WAIT, |c| section(c, "kudos").contains("佐藤さん"))
        .await
        .unwrap();
    room.wait_until(WAIT, |c| {
        let kudos = c.doc.get_or_insert_map("kudos");
        yrs::Map::len(&kudos, &c.doc.transact()) == 1
    })
    .await
    .unwrap();
    sre.ok(json!({"type": "move_phase", "to": "revision"}))
        .await;
    for id in [&question, &suggestion] {
        author
            .ok(json!({"type": "resolve", "comment_id": id, "note": "rewritten"}))
            .await;
    }

    // The survey: once per person, aggregate for the facilitator only.
    let ratings = json!({"type": "answer_survey", "ratings": {"questions_easy": 5, "time_enough": 3, "document_clear": 4}, "comment": "良い会でした"});
    reader.ok(ratings.clone()).await;
    let (status, _) = reader.command(ratings.clone()).await;
    assert_eq!(status, 409, "a second answer is refused");
    let (_, for_sre) = sre.get("/meeting").await;
    assert!(for_sre["survey"].is_object(), "{for_sre}");
    let aggregate = for_sre["survey"].to_string();
    assert!(aggregate.contains("良い会でした"), "{aggregate}");
    assert!(
        !aggregate.contains("Pat") && !aggregate.contains("participant"),
        "the aggregate names nobody: {aggregate}"
    );
    let (_, for_reader) = reader.get("/meeting").await;
    assert!(for_reader.get("survey").is_none(), "{for_reader}");
    assert!(
        !for_reader.to_string().contains("Pat 鈴木\",\"ratings"),
        "answers carry no names"
    );

    // A retried command changes nothing.
    let (status, _) = sre.command(json!({"command_id": "retry-1", "type": "reply", "comment_id": question, "text": "thanks"}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, again) = sre.command(json!({"command_id": "retry-1", "type": "reply", "comment_id": question, "text": "thanks"}),
    )
    .await;
    assert_eq!(
        (status, again["events"].as_array().unwrap().len()),
        (200, 0)
    );

    // Publish: the document becomes read-only for everyone.
    let writer = Client::connect(&author.ws_url()).await.unwrap();
    sre.ok(json!({"type": "move_phase", "to": "published", "override_reason": "the draft is only a summary"}),
    )
    .await;
    assert_eq!(
        writer.wait_closed(WAIT).await.unwrap().code,
        close::RIGHTS_CHANGED
    );
    room.wait_until(WAIT, |c| {
        c.map_json("meeting", "phase") == Some(json!("published"))
    })
    .await
    .unwrap();
    let late = Client::connect(&author.ws_url()).await.unwrap();
    late.push("edit after publishing");
    assert_eq!(
        late.wait_closed(WAIT).await.unwrap().code,
        close::POLICY_VIOLATION
    );
    let (_, info) = server
        .get(&format!("/api/postmortems/{}", pm.id), &viewer.token)
        .await;
    assert_eq!(info["phase"], "published");
}

#[tokio::test]
async fn viewers_and_participants_are_refused_every_facilitator_action() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("who drives").await.unwrap();
    let sre = server.join(&pm, "facilitator", "SRE").await;
    let reader = server.join(&pm, "participant", "Pat").await;
    let viewer = server.person(&pm.id, pm.token("viewer"));
    sre.ok(json!({"type": "move_phase", "to": "silent_reading"}))
        .await;
    sre.ok(json!({"type": "move_phase", "to": "q_and_a"})).await;
    let before = sre.get("/meeting").await.1;
    let facilitator_only = [
        json!({"type": "move_phase", "to": "proposals"}),
        json!({"type": "move_phase", "to": "silent_reading"}),
        json!({"type": "start_timer", "seconds": 60}),
        json!({"type": "pause_timer"}),
        json!({"type": "extend_timer", "seconds": 60}),
        json!({"type": "spotlight", "comment_id": "nope"}),
        json!({"type": "clear_spotlight"}),
    ];
    for who in [&reader, &viewer] {
        for body in &facilitator_only {
            let (status, answer) = who.command(body.clone()).await;
            assert_eq!(status, 403, "{body} → {answer}");
        }
        let invites = format!("/api/postmortems/{}/invites", pm.id);
        let (status, _) = server
            .post(&invites, &who.token, json!({"role": "facilitator"}))
            .await;
        assert_eq!(status, 403);
    }
    let after = sre.get("/meeting").await.1;
    assert_eq!(
        before["state"], after["state"],
        "refused commands changed nothing"
    );
}

#[tokio::test]
async fn an_anchor_follows_its_words_through_concurrent_edits_of_two_clients() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("anchors").await.unwrap();
    let url = server.ws_url(&pm.id, pm.token("participant"));
    let alice = Client::connect(&url).await.unwrap();
    let bob = Client::connect(&url).await.unwrap();
    let name = section_text_name("causes");
    let text_a = alice.doc.get_or_insert_text(name.as_str());
    text_a.insert(
        &mut alice.doc.transact_mut(),
        0,
        "The cache 🧊 expired early.",
    );
    bob.wait_until(WAIT, |c| {
        section(c, "causes") == "The cache 🧊 expired early."
    })
    .await
    .unwrap();
    // "cache 🧊" is UTF-16 4..12.
    let anchor = Anchor::new(&alice.doc.transact(), &text_a, "causes", 4..12).unwrap();
    assert_eq!(anchor.quote, "cache 🧊");
    // Concurrent: Alice inserts before and after, Bob inside.
    text_a.insert(&mut alice.doc.transact_mut(), 0, "先に: ");
    let end = text_a.len(&alice.doc.transact());
    text_a.insert(&mut alice.doc.transact_mut(), end, " (again)");
    let text_b = bob.doc.get_or_insert_text(name.as_str());
    text_b.insert(&mut bob.doc.transact_mut(), 9, "d");
    for client in [&alice, &bob] {
        client
            .wait_until(WAIT, |c| {
                section(c, "causes") == "先に: The cached 🧊 expired early. (again)"
            })
            .await
            .unwrap();
    }
    for client in [&alice, &bob] {
        let text = client.doc.get_or_insert_text(name.as_str());
        let txn = client.doc.transact();
        match anchor.resolve(&txn, &text) {
            casebook_core::anchor::AnchorState::Attached { start, end } => {
                let all: Vec<u16> = text.get_string(&txn).encode_utf16().collect();
                let words = String::from_utf16(&all[start as usize..end as usize]).unwrap();
                assert_eq!(words, "cached 🧊");
            }
            other => panic!("anchor lost: {other:?}"),
        }
    }
    // Deleting the words detaches the comment; it is not lost.
    let start = "先に: The ".encode_utf16().count() as u32;
    text_b.remove_range(
        &mut bob.doc.transact_mut(),
        start,
        "cached 🧊".encode_utf16().count() as u32,
    );
    alice
        .wait_until(WAIT, |c| {
            section(c, "causes") == "先に: The  expired early. (again)"
        })
        .await
        .unwrap();
    let txn = alice.doc.transact();
    assert_eq!(
        anchor.resolve(&txn, &text_a),
        casebook_core::anchor::AnchorState::Detached
    );
}
