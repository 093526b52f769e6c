//! Suggesting mode and action items, end to end: a suggestion with
//! replacement words, accepted by the author, changes every replica's
//! document exactly (Japanese and emoji), durably across a restart; words
//! changed since the suggestion are never overwritten (the acceptance is
//! refused); an acceptance is undone in one step; action items reach the
//! export and the read page.

use casebook_core::anchor::Anchor;
use casebook_core::document::section_text_name;
use casebook_e2e::{Client, Created, Endpoint, Person, Process, Server};
use serde_json::{json, Value};
use std::time::Duration;
use yrs::{GetString, Text, Transact};

const WAIT: Duration = Duration::from_secs(10);
const SUMMARY: &str = "We run MySQL on EC2. 障害😀は一時間続いた。";

fn summary(client: &Client) -> String {
    let text = client
        .doc
        .get_or_insert_text(section_text_name("summary").as_str());
    let txn = client.doc.transact();
    text.get_string(&txn)
}

fn utf16(text: &str) -> u32 {
    text.encode_utf16().count() as u32
}

/// An anchor on `words` of the summary as `client` has it.
fn anchor_on(client: &Client, words: &str) -> Anchor {
    let text = client
        .doc
        .get_or_insert_text(section_text_name("summary").as_str());
    let txn = client.doc.transact();
    let all = text.get_string(&txn);
    let byte = all.find(words).expect("words in the summary");
    let start = utf16(&all[..byte]);
    Anchor::new(&txn, &text, "summary", start..start + utf16(words)).expect("anchor")
}

/// The people of a new postmortem and the author's document socket, with
/// the summary written.
struct Meeting {
    pm: Created,
    sre: Person,
    author: Person,
    reader: Person,
    doc: Client,
}

async fn meeting(server: &Endpoint) -> Meeting {
    let pm = server
        .create_postmortem("Checkout outage 決済障害")
        .await
        .expect("created");
    let sre = server.join(&pm, "facilitator", "SRE 佐藤").await;
    let author = server.join(&pm, "author", "Aoki").await;
    let reader = server.join(&pm, "participant", "Pat 鈴木").await;
    let doc = Client::connect(&author.ws_url()).await.expect("document");
    doc.doc
        .get_or_insert_text(section_text_name("summary").as_str())
        .insert(&mut doc.doc.transact_mut(), 0, SUMMARY);
    let echo = Client::connect(&reader.ws_url()).await.expect("document");
    echo.wait_until(WAIT, |c| summary(c) == SUMMARY)
        .await
        .expect("the server has the summary");
    echo.close();
    Meeting {
        pm,
        sre,
        author,
        reader,
        doc,
    }
}

async fn move_to(sre: &Person, to: &str) {
    let reason = (to == "published").then_some("suggesting test: readiness is not the point");
    sre.ok(json!({"type": "move_phase", "to": to, "override_reason": reason}))
        .await;
}

/// The reader suggests `replacement` for `words`; returns the comment id.
async fn suggest(m: &Meeting, words: &str, replacement: &str) -> String {
    let answer = m
        .reader
        .ok(json!({
            "type": "suggest_replacement",
            "anchor": anchor_on(&m.doc, words),
            "text": "say what failed",
            "replacement": replacement,
        }))
        .await;
    answer["events"][0]["comment_id"]
        .as_str()
        .expect("a comment id")
        .to_owned()
}

/// The case's Markdown export as the viewer gets it (`query`: `?lang=…` or "").
async fn export_md(server: &Endpoint, m: &Meeting, query: &str) -> String {
    server
        .http
        .get(server.url(&format!("/api/postmortems/{}/export.md{query}", m.pm.id)))
        .bearer_auth(m.pm.token("viewer"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

fn comment<'a>(answer: &'a Value, id: &str) -> &'a Value {
    answer["meeting"]["state"]["comments"]
        .as_array()
        .and_then(|all| all.iter().find(|c| c["id"] == id))
        .expect("the comment")
}

#[tokio::test]
async fn an_accepted_suggestion_changes_every_document_exactly_and_undo_restores_it() {
    let server = Server::start().await.unwrap();
    let m = meeting(&server).await;
    move_to(&m.sre, "silent_reading").await;
    let id = suggest(&m, "障害😀", "DB障害🔥").await;
    let (_, view) = m.reader.get("/meeting").await;
    let posted = &view["state"]["comments"][0];
    assert_eq!(posted["replacement"], "DB障害🔥");
    assert_eq!(posted["kind"], "suggestion");
    move_to(&m.sre, "q_and_a").await;
    move_to(&m.sre, "proposals").await;
    let other = Client::connect(&m.reader.ws_url()).await.unwrap();
    other.wait_synced().await.unwrap();

    // A participant may not decide; the author may.
    let (status, _) = m
        .reader
        .command(json!({"type": "accept_suggestion", "comment_id": id}))
        .await;
    assert_eq!(status, 403);
    let accepted = m
        .author
        .ok(json!({"type": "accept_suggestion", "comment_id": id}))
        .await;
    assert_eq!(
        comment(&accepted, &id)["decision"]["outcome"]["outcome"],
        "accepted"
    );
    let new = "We run MySQL on EC2. DB障害🔥は一時間続いた。";
    for client in [&m.doc, &other] {
        client
            .wait_until(WAIT, |c| summary(c) == new)
            .await
            .expect("the new words in every replica");
    }

    // Undo: one step back to the old words, the suggestion undecided.
    let undone = m
        .author
        .ok(json!({"type": "undo_accept_suggestion", "comment_id": id}))
        .await;
    assert!(comment(&undone, &id)["decision"].is_null(), "{undone}");
    for client in [&m.doc, &other] {
        client
            .wait_until(WAIT, |c| summary(c) == SUMMARY)
            .await
            .expect("the old words back");
    }
    // Decided again, it applies again, on the restored words.
    m.sre
        .ok(json!({"type": "accept_suggestion", "comment_id": id}))
        .await;
    other
        .wait_until(WAIT, |c| summary(c) == new)
        .await
        .expect("applied again");
    // A plain suggestion is still possible and changes no text.
    move_to(&m.sre, "kudos").await;
    let plain = m
        .reader
        .ok(json!({"type": "post_comment", "kind": "suggestion",
            "anchor": anchor_on(&m.doc, "MySQL"), "text": "Add a diagram"}))
        .await;
    let plain_id = plain["events"][0]["comment_id"].as_str().unwrap();
    m.author
        .ok(json!({"type": "accept_suggestion", "comment_id": plain_id}))
        .await;
    let fresh = Client::connect(&m.reader.ws_url()).await.unwrap();
    fresh.wait_synced().await.unwrap();
    assert_eq!(summary(&fresh), new);
}

/// A suggestion to delete words (empty replacement): accepting removes
/// exactly those words in every replica, undo puts them back, and the
/// export says "delete".
#[tokio::test]
async fn a_deletion_suggestion_removes_the_words_and_undo_puts_them_back() {
    let server = Server::start().await.unwrap();
    let m = meeting(&server).await;
    move_to(&m.sre, "silent_reading").await;
    let id = suggest(&m, " 障害😀は一時間続いた。", "").await;
    for to in ["q_and_a", "proposals"] {
        move_to(&m.sre, to).await;
    }
    let other = Client::connect(&m.reader.ws_url()).await.unwrap();
    other.wait_synced().await.unwrap();
    m.author
        .ok(json!({"type": "accept_suggestion", "comment_id": id}))
        .await;
    for client in [&m.doc, &other] {
        client
            .wait_until(WAIT, |c| summary(c) == "We run MySQL on EC2.")
            .await
            .expect("the words deleted in every replica");
    }
    let export = export_md(&server, &m, "").await;
    assert!(
        export.contains("say what failed — delete “障害😀は一時間続いた。”"),
        "{export}"
    );

    m.author
        .ok(json!({"type": "undo_accept_suggestion", "comment_id": id}))
        .await;
    for client in [&m.doc, &other] {
        client
            .wait_until(WAIT, |c| summary(c) == SUMMARY)
            .await
            .expect("the words back");
    }
}

#[tokio::test]
async fn words_changed_since_the_suggestion_are_never_overwritten() {
    let server = Server::start().await.unwrap();
    let m = meeting(&server).await;
    move_to(&m.sre, "silent_reading").await;
    let stale = suggest(&m, "MySQL on EC2", "Aurora").await;
    let kept = suggest(&m, "障害😀", "DB障害").await;
    for to in ["q_and_a", "proposals"] {
        move_to(&m.sre, to).await;
    }
    // Someone edits inside the suggested words meanwhile.
    let at = utf16("We run MySQL");
    m.doc
        .doc
        .get_or_insert_text(section_text_name("summary").as_str())
        .insert(&mut m.doc.doc.transact_mut(), at, " 8");
    let edited = "We run MySQL 8 on EC2. 障害😀は一時間続いた。";
    let probe = Client::connect(&m.sre.ws_url()).await.unwrap();
    probe
        .wait_until(WAIT, |c| summary(c) == edited)
        .await
        .unwrap();
    let (status, refused) = m
        .author
        .command(json!({"type": "accept_suggestion", "comment_id": stale}))
        .await;
    assert_eq!(status, 409, "{refused}");
    let message = refused["error"].as_str().unwrap_or_default();
    assert!(message.contains("MySQL 8 on EC2"), "{message}");
    assert!(message.contains("edit the text by hand"), "{message}");
    let (_, view) = m.author.get("/meeting").await;
    let still = view["state"]["comments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == stale)
        .unwrap();
    assert!(still["decision"].is_null(), "still undecided: {still}");
    // It can still be declined.
    m.author
        .ok(json!({"type": "decline_suggestion", "comment_id": stale, "reason": "already says 8"}))
        .await;

    // An accepted replacement edited since is not undone over the edit.
    m.author
        .ok(json!({"type": "accept_suggestion", "comment_id": kept}))
        .await;
    let applied = "We run MySQL 8 on EC2. DB障害は一時間続いた。";
    for client in [&probe, &m.doc] {
        client
            .wait_until(WAIT, |c| summary(c) == applied)
            .await
            .unwrap();
    }
    let at = utf16("We run MySQL 8 on EC2. DB");
    m.doc
        .doc
        .get_or_insert_text(section_text_name("summary").as_str())
        .insert(&mut m.doc.doc.transact_mut(), at, "の");
    let by_hand = "We run MySQL 8 on EC2. DBの障害は一時間続いた。";
    probe
        .wait_until(WAIT, |c| summary(c) == by_hand)
        .await
        .unwrap();
    let (status, refused) = m
        .author
        .command(json!({"type": "undo_accept_suggestion", "comment_id": kept}))
        .await;
    assert_eq!(status, 409, "{refused}");
    let (_, view) = m.author.get("/meeting").await;
    assert_eq!(
        view["state"]["comments"][1]["decision"]["outcome"]["outcome"],
        "accepted"
    );
    let fresh = Client::connect(&m.sre.ws_url()).await.unwrap();
    fresh.wait_synced().await.unwrap();
    assert_eq!(summary(&fresh), by_hand, "nothing overwritten");
}

#[tokio::test]
async fn an_accepted_replacement_is_durable_across_a_restart_and_undone_after_it() {
    let mut server = Process::start().await.unwrap();
    let m = meeting(&server).await;
    move_to(&m.sre, "silent_reading").await;
    let id = suggest(&m, "障害😀", "DB障害🔥").await;
    for to in ["q_and_a", "proposals"] {
        move_to(&m.sre, to).await;
    }
    m.author
        .ok(json!({"type": "accept_suggestion", "comment_id": id}))
        .await;
    let new = "We run MySQL on EC2. DB障害🔥は一時間続いた。";
    m.doc.wait_until(WAIT, |c| summary(c) == new).await.unwrap();
    m.doc.close();
    server.restart().await.unwrap();
    let after = Client::connect(&m.reader.ws_url()).await.unwrap();
    after.wait_synced().await.unwrap();
    assert_eq!(summary(&after), new, "the replacement survived the restart");
    // Written once: replaying the log on load does not apply it again.
    let (_, view) = m.author.get("/meeting").await;
    assert_eq!(
        view["state"]["comments"][0]["decision"]["outcome"]["outcome"],
        "accepted"
    );
    m.author
        .ok(json!({"type": "undo_accept_suggestion", "comment_id": id}))
        .await;
    after
        .wait_until(WAIT, |c| summary(c) == SUMMARY)
        .await
        .expect("undone after the restart");
}

#[tokio::test]
async fn action_items_are_in_the_export_and_on_the_read_page() {
    let server = Server::start().await.unwrap();
    let m = meeting(&server).await;
    move_to(&m.sre, "silent_reading").await;
    let id = suggest(&m, "障害😀", "DB障害🔥").await;
    for to in ["q_and_a", "proposals"] {
        move_to(&m.sre, to).await;
    }
    m.author
        .ok(json!({"type": "accept_suggestion", "comment_id": id}))
        .await;
    let (status, _) = m
        .reader
        .command(json!({"type": "add_action_item", "title": "x", "owner": "y"}))
        .await;
    assert_eq!(status, 403, "participants do not manage action items");
    let (status, refused) = m
        .author
        .command(json!({"type": "add_action_item", "title": "x", "owner": "y", "due": "来週"}))
        .await;
    assert_eq!(status, 400, "{refused}");
    let added = m
        .author
        .ok(
            json!({"type": "add_action_item", "title": "Alert on binlog growth",
            "owner": "佐藤", "due": "2026-12-24", "comment_id": id}),
        )
        .await;
    let item = added["meeting"]["state"]["action_items"][0].clone();
    assert_eq!(item["owner"], "佐藤");
    assert_eq!(item["status"], "open");
    for to in ["kudos", "revision"] {
        move_to(&m.sre, to).await;
    }
    m.sre
        .ok(
            json!({"type": "edit_action_item", "action_item_id": item["id"],
            "title": "Alert on binlog growth", "owner": "佐藤", "due": "2026-12-24",
            "status": "in_progress"}),
        )
        .await;
    move_to(&m.sre, "published").await;

    let export = export_md(&server, &m, "?lang=en").await;
    assert!(
        export.contains(
            "| Alert on binlog growth | 佐藤 | 2026-12-24 | In progress | say what failed — “障害😀” → “DB障害🔥” |"
        ),
        "{export}"
    );
    let read = server
        .http
        .get(server.url(&format!("/read/{}?lang=ja", m.pm.id)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for expected in [
        "決定事項とアクションアイテム",
        "<td>Alert on binlog growth</td>",
        "<td>佐藤</td>",
        "<td style=\"text-align: center\">2026-12-24</td>",
        "<td>対応中</td>",
    ] {
        assert!(read.contains(expected), "{expected} in {read}");
    }
}

/// Re-anchoring (issue 18): a comment whose words were deleted ("text
/// deleted") moves to the same words written again in its section, and
/// only there: not while its words are still in the document, not to other
/// words passed off as its quote, and only by its author.
#[tokio::test]
async fn a_comment_whose_words_were_deleted_is_reanchored_to_the_same_words_only() {
    let server = Server::start().await.unwrap();
    let m = meeting(&server).await;
    let asked = m
        .reader
        .ok(json!({
            "type": "post_comment",
            "kind": "question",
            "anchor": anchor_on(&m.doc, "障害😀"),
            "text": "どの障害？",
        }))
        .await;
    let id = asked["events"][0]["comment_id"]
        .as_str()
        .expect("a comment id")
        .to_owned();
    let text = m
        .doc
        .doc
        .get_or_insert_text(section_text_name("summary").as_str());
    // The same words once more, at the end.
    let end = utf16(&summary(&m.doc));
    text.insert(&mut m.doc.doc.transact_mut(), end, " 障害😀 again.");
    let again = || {
        let all = summary(&m.doc);
        let byte = all.rfind("障害😀").expect("the words again");
        let start = utf16(&all[..byte]);
        let txn = m.doc.doc.transact();
        Anchor::new(&txn, &text, "summary", start..start + utf16("障害😀")).expect("anchor")
    };
    let reanchor =
        |anchor: Anchor| json!({"type": "reanchor_comment", "comment_id": id, "anchor": anchor});
    let settled = |want: String| {
        let reader = m.reader.ws_url();
        async move {
            let echo = Client::connect(&reader).await.expect("document");
            echo.wait_until(WAIT, |c| summary(c) == want)
                .await
                .expect("the server has the edit");
            echo.close();
        }
    };
    settled(summary(&m.doc)).await;

    // Its words are still there: refused, nothing changes.
    let (status, refused) = m.reader.command(reanchor(again())).await;
    assert_eq!(status, 409, "{refused}");
    assert!(
        refused["error"]
            .as_str()
            .unwrap_or_default()
            .contains("still in the document"),
        "{refused}"
    );

    // The author deletes the first 障害😀.
    let all = summary(&m.doc);
    let first = utf16(&all[..all.find("障害😀").unwrap()]);
    text.remove_range(&mut m.doc.doc.transact_mut(), first, utf16("障害😀"));
    settled(summary(&m.doc)).await;

    // Other words passed off as its quote: refused.
    let mut other = anchor_on(&m.doc, "MySQL");
    other.quote = "障害😀".to_owned();
    let (status, refused) = m.reader.command(reanchor(other)).await;
    assert_eq!(status, 409, "{refused}");
    assert!(
        refused["error"]
            .as_str()
            .unwrap_or_default()
            .contains("“MySQL”"),
        "{refused}"
    );
    // Another quote: refused before the document is read.
    let (status, refused) = m.reader.command(reanchor(anchor_on(&m.doc, "MySQL"))).await;
    assert_eq!(status, 400, "{refused}");
    // Someone else's comment: refused.
    let (status, refused) = m.author.command(reanchor(again())).await;
    assert_eq!(status, 403, "{refused}");

    // The same words again, by its author: anchored there.
    let new = again();
    let answer = m.reader.ok(reanchor(new.clone())).await;
    assert_eq!(
        answer["events"][0]["type"], "comment_reanchored",
        "{answer}"
    );
    let kept: Anchor = serde_json::from_value(comment(&answer, &id)["anchor"].clone()).unwrap();
    assert_eq!(kept, new);
    let (_, view) = m.sre.get("/meeting").await;
    let seen: Anchor = serde_json::from_value(
        view["state"]["comments"]
            .as_array()
            .and_then(|all| all.iter().find(|c| c["id"] == id.as_str()))
            .expect("the comment")["anchor"]
            .clone(),
    )
    .unwrap();
    assert_eq!(seen, new, "every role sees the new anchor");
}
