//! Threads like a document editor's, as the server enforces them: authors
//! reply; whoever wrote a comment or a reply edits or deletes it (only
//! they, as the token says who they are, and only until it is answered or
//! decided), refusals change nothing; participants +1 questions once each;
//! the meeting room shows all of it, and it survives a restart.

use casebook_core::anchor::Anchor;
use casebook_e2e::{Client, Person, Process, Server};
use serde_json::{json, Value};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

async fn ask(who: &Person, anchor: &Anchor, text: &str) -> String {
    let answer = who
        .ok(json!({ "type": "post_comment", "kind": "question", "anchor": anchor, "text": text }))
        .await;
    answer["events"][0]["comment_id"]
        .as_str()
        .expect("a comment id")
        .to_owned()
}

async fn reply(who: &Person, id: &str, text: &str) -> String {
    let answer = who
        .ok(json!({ "type": "reply", "comment_id": id, "text": text }))
        .await;
    answer["events"][0]["reply_id"]
        .as_str()
        .expect("a reply id")
        .to_owned()
}

/// The comments as `GET …/meeting` shows them.
async fn comments(who: &Person) -> Value {
    let (status, meeting) = who.get("/meeting").await;
    assert_eq!(status, 200);
    meeting["state"]["comments"].clone()
}

fn error(answer: &Value) -> &str {
    answer["error"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn an_author_replies_and_a_participant_edits_their_own_question() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("Checkout latency").await.unwrap();
    let author = server.join(&pm, "author", "Aoki").await;
    let pat = server.join(&pm, "participant", "Pat").await;
    let (_doc, anchor) = author.anchored_summary().await;
    let q = ask(&pat, &anchor, "Why EC2").await;

    reply(&author, &q, "We needed a plugin RDS lacked.").await;
    pat.ok(json!({ "type": "edit_comment", "comment_id": q, "text": "Why EC2, not RDS?" }))
        .await;

    let comments = comments(&author).await;
    assert_eq!(comments[0]["text"], "Why EC2, not RDS?");
    assert!(comments[0]["edited_at_ms"].as_u64().is_some(), "{comments}");
    assert_eq!(comments[0]["replies"][0]["author"]["display_name"], "Aoki");
    // The room everyone watches says the same.
    let room = Client::connect(&pat.meeting_url()).await.unwrap();
    room.wait_until(WAIT, |c| {
        c.map_json("comments", &q)
            .is_some_and(|c| c["text"] == "Why EC2, not RDS?" && c["edited_at_ms"].is_u64())
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn nobody_edits_or_deletes_someone_elses_words_and_a_refusal_changes_nothing() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("Checkout latency").await.unwrap();
    let sre = server.join(&pm, "facilitator", "Sara").await;
    let author = server.join(&pm, "author", "Aoki").await;
    let pat = server.join(&pm, "participant", "Pat").await;
    let (_doc, anchor) = author.anchored_summary().await;
    let q = ask(&pat, &anchor, "Why EC2?").await;
    let r = reply(&author, &q, "Cost.").await;
    let before = comments(&pat).await;

    // Another participant, the facilitator and the author are refused.
    let other_pat = server.join(&pm, "participant", "Kim").await;
    let edit = json!({ "type": "edit_comment", "comment_id": q, "text": "Why not EC2?" });
    for who in [&other_pat, &sre, &author] {
        let (status, answer) = who.command(edit.clone()).await;
        assert_eq!(status, 403, "{answer}");
        assert!(
            error(&answer).contains("only its author may edit it"),
            "{answer}"
        );
        let (status, _) = who
            .command(json!({ "type": "delete_comment", "comment_id": q }))
            .await;
        assert_eq!(status, 403);
    }
    let (status, answer) = pat
        .command(json!({ "type": "delete_comment", "comment_id": q, "reply_id": r }))
        .await;
    assert_eq!(status, 403);
    assert!(error(&answer).contains("this reply is Aoki's"), "{answer}");
    // A viewer may change nothing, and an unknown comment is 404.
    let viewer = server.person(&pm.id, pm.token("viewer"));
    assert_eq!(viewer.command(edit.clone()).await.0, 403);
    let (status, _) = pat
        .command(json!({ "type": "edit_comment", "comment_id": "nope", "text": "x" }))
        .await;
    assert_eq!(status, 404);
    assert_eq!(comments(&pat).await, before, "nothing changed");
}

#[tokio::test]
async fn an_answered_question_stays_as_it_was_answered() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("Checkout latency").await.unwrap();
    let sre = server.join(&pm, "facilitator", "Sara").await;
    let author = server.join(&pm, "author", "Aoki").await;
    let pat = server.join(&pm, "participant", "Pat").await;
    let (_doc, anchor) = author.anchored_summary().await;
    let q = ask(&pat, &anchor, "Why EC2?").await;
    sre.ok(json!({ "type": "move_phase", "to": "silent_reading" }))
        .await;
    sre.ok(json!({ "type": "move_phase", "to": "q_and_a" }))
        .await;
    author
        .ok(json!({ "type": "answer_question", "comment_id": q, "text": "Cost." }))
        .await;
    let before = comments(&pat).await;

    let (status, answer) = pat
        .command(json!({ "type": "edit_comment", "comment_id": q, "text": "Why EC2 really?" }))
        .await;
    assert_eq!(status, 409, "{answer}");
    assert!(
        error(&answer).contains("already answered"),
        "a clear reason: {answer}"
    );
    let (status, _) = pat
        .command(json!({ "type": "delete_comment", "comment_id": q }))
        .await;
    assert_eq!(status, 409);
    let (status, _) = pat
        .command(json!({ "type": "vote", "comment_id": q }))
        .await;
    assert_eq!(status, 409, "an answered question takes no votes");
    assert_eq!(comments(&pat).await, before, "nothing changed");
}

#[tokio::test]
async fn one_vote_per_person_shown_to_everyone() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("Checkout latency").await.unwrap();
    let sre = server.join(&pm, "facilitator", "Sara").await;
    let author = server.join(&pm, "author", "Aoki").await;
    let pat = server.join(&pm, "participant", "Pat").await;
    let kim = server.join(&pm, "participant", "Kim").await;
    let (_doc, anchor) = author.anchored_summary().await;
    let q = ask(&sre, &anchor, "Why EC2?").await;

    let vote = json!({ "command_id": "v1", "type": "vote", "comment_id": q });
    pat.ok(vote.clone()).await;
    // The same command again, and a second +1 from the same person: one vote.
    assert_eq!(pat.ok(vote).await["events"], json!([]));
    let again = pat.ok(json!({ "type": "vote", "comment_id": q })).await;
    assert_eq!(again["events"], json!([]));
    kim.ok(json!({ "type": "vote", "comment_id": q })).await;
    let viewer = server.person(&pm.id, pm.token("viewer"));
    let room = Client::connect(&viewer.meeting_url()).await.unwrap();
    room.wait_until(WAIT, |c| {
        c.map_json("comments", &q)
            .is_some_and(|c| c["votes"].as_array().is_some_and(|v| v.len() == 2))
    })
    .await
    .unwrap();
    // Taking it back; the facilitator and the author do not vote.
    kim.ok(json!({ "type": "unvote", "comment_id": q })).await;
    assert_eq!(
        sre.command(json!({ "type": "vote", "comment_id": q }))
            .await
            .0,
        403
    );
    assert_eq!(
        author
            .command(json!({ "type": "vote", "comment_id": q }))
            .await
            .0,
        403
    );
    let comments = comments(&viewer).await;
    assert_eq!(comments[0]["votes"], json!([pat.id.clone().unwrap()]));
}

#[tokio::test]
async fn deleted_comments_and_edits_survive_a_restart() {
    let mut server = Process::start().await.unwrap();
    let pm = server.create_postmortem("Checkout latency").await.unwrap();
    let author = server.join(&pm, "author", "Aoki").await;
    let pat = server.join(&pm, "participant", "Pat").await;
    let (doc, anchor) = author.anchored_summary().await;
    let gone = ask(&pat, &anchor, "Typo?").await;
    let kept = ask(&pat, &anchor, "Why EC2?").await;
    let r = reply(&author, &kept, "Cost").await;
    author
        .ok(json!({ "type": "edit_comment", "comment_id": kept, "reply_id": r, "text": "Cost." }))
        .await;
    pat.ok(json!({ "type": "delete_comment", "comment_id": gone }))
        .await;
    pat.ok(json!({ "type": "delete_comment", "comment_id": kept }))
        .await;
    let before = comments(&pat).await;
    assert_eq!(before.as_array().map(Vec::len), Some(1), "{before}");
    assert_eq!(before[0]["id"], kept.as_str());
    assert_eq!(before[0]["text"], "", "the placeholder keeps no words");
    assert!(before[0]["deleted_at_ms"].is_u64());
    assert_eq!(before[0]["replies"][0]["text"], "Cost.");
    let (_, meeting) = pat.get("/meeting").await;
    assert_eq!(meeting["counts"]["questions"], 0);
    // Replying to a deleted comment is refused with a reason.
    let (status, answer) = author
        .command(json!({ "type": "reply", "comment_id": kept, "text": "Hello?" }))
        .await;
    assert_eq!(status, 409);
    assert!(error(&answer).contains("deleted"), "{answer}");

    drop(doc);
    server.restart().await.unwrap();
    assert_eq!(comments(&pat).await, before, "the log replays to the same");
}
