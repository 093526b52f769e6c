//! Write scopes on the document's CRDT, with a raw yrs client (any Yjs
//! client can send any update): an update into a part the permission table
//! keeps from the socket's role in the current phase closes that socket
//! with a clear reason, applies nothing, and leaves the room to the others.

use casebook_core::close;
use casebook_core::document::{section_text_name, TEMPLATE};
use casebook_core::outline::{self, add_section, move_section};
use casebook_e2e::{Client, Created, Endpoint, Server};
use serde_json::json;
use std::time::Duration;
use yrs::{GetString, Map, ReadTxn, Text, Transact, TransactionMut, WriteTxn};

const WAIT: Duration = Duration::from_secs(10);

/// A socket of `role` on the document of `pm`.
async fn open(server: &Endpoint, pm: &Created, role: &str) -> Client {
    Client::connect(&server.ws_url(&pm.id, pm.token(role)))
        .await
        .unwrap()
}

/// One change on a client's replica, sent as the browser sends it.
fn edit(client: &Client, f: impl FnOnce(&mut TransactionMut)) {
    f(&mut client.doc.transact_mut());
}

fn type_into<'a>(section: &str, text: &'a str) -> impl FnOnce(&mut TransactionMut) + 'a {
    let name = section_text_name(section);
    move |txn| {
        let section = txn.get_or_insert_text(name.as_str());
        let end = section.len(txn);
        section.insert(txn, end, text);
    }
}

fn section(client: &Client, id: &str) -> String {
    let txn = client.doc.transact();
    outline::section_markdown(&txn, id)
}

fn section_ids(client: &Client) -> Vec<String> {
    outline::outline(&client.doc.transact())
        .into_iter()
        .map(|s| s.id)
        .collect()
}

/// What a fresh socket gets: the server's document.
async fn fresh(server: &Endpoint, pm: &Created) -> Client {
    open(server, pm, "viewer").await
}

#[tokio::test]
async fn a_participants_change_to_the_sections_is_refused_and_nothing_of_it_is_applied() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("outline").await.unwrap();
    let author = open(&server, &pm, "author").await;
    edit(&author, type_into("summary", "概要"));
    let participant = open(&server, &pm, "participant").await;
    participant
        .wait_until(WAIT, |c| section(c, "summary") == "概要")
        .await
        .unwrap();

    // One update that types and adds a section: refused whole.
    edit(&participant, |txn| {
        type_into("summary", " + 追記")(txn);
        add_section(txn, "custom-mine", "Mine", None).unwrap();
    });
    let closed = participant.wait_closed(WAIT).await.unwrap();
    assert_eq!(closed.code, close::POLICY_VIOLATION, "{closed:?}");
    assert!(
        closed.reason.contains(
            "participants may not add, rename, move or remove sections in the drafting phase"
        ),
        "{closed:?}"
    );

    // The author's socket stays open and keeps writing; nobody ever sees
    // the participant's update.
    edit(&author, type_into("summary", "。"));
    let probe = fresh(&server, &pm).await;
    probe
        .wait_until(WAIT, |c| section(c, "summary") == "概要。")
        .await
        .unwrap();
    assert_eq!(section_ids(&probe).len(), TEMPLATE.len());
    assert_eq!(author.closed(), None);
    assert_eq!(section(&author, "summary"), "概要。");
}

#[tokio::test]
async fn a_participant_moving_a_section_is_refused_but_the_author_moves_it() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("order").await.unwrap();
    let participant = open(&server, &pm, "participant").await;
    edit(&participant, |txn| {
        move_section(txn, "glossary", 0).unwrap()
    });
    let closed = participant.wait_closed(WAIT).await.unwrap();
    assert_eq!(closed.code, close::POLICY_VIOLATION, "{closed:?}");
    assert_eq!(section_ids(&fresh(&server, &pm).await)[0], "summary");

    let author = open(&server, &pm, "author").await;
    edit(&author, |txn| move_section(txn, "glossary", 0).unwrap());
    let probe = fresh(&server, &pm).await;
    probe
        .wait_until(WAIT, |c| section_ids(c)[0] == "glossary")
        .await
        .unwrap();
    assert_eq!(author.closed(), None);
}

#[tokio::test]
async fn a_participant_writes_into_a_section_the_author_added() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("custom").await.unwrap();
    let author = open(&server, &pm, "author").await;
    edit(&author, |txn| {
        add_section(txn, "custom-db", "Database", Some("system")).unwrap();
    });
    let participant = open(&server, &pm, "participant").await;
    participant
        .wait_until(WAIT, |c| section_ids(c).contains(&"custom-db".to_owned()))
        .await
        .unwrap();
    edit(&participant, type_into("custom-db", "MySQL on EC2"));
    author
        .wait_until(WAIT, |c| section(c, "custom-db") == "MySQL on EC2")
        .await
        .unwrap();
    assert_eq!(participant.closed(), None);
}

#[tokio::test]
async fn no_client_writes_what_only_the_server_writes() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("marks").await.unwrap();
    let sre = open(&server, &pm, "facilitator").await;
    // The marks of the meeting entries written into the document.
    edit(&sre, |txn| {
        txn.get_or_insert_map("server_entries")
            .insert(txn, "0", true);
    });
    let closed = sre.wait_closed(WAIT).await.unwrap();
    assert_eq!(closed.code, close::POLICY_VIOLATION, "{closed:?}");
    assert!(
        closed
            .reason
            .contains("only the server writes `server_entries`"),
        "{closed:?}"
    );
    let probe = fresh(&server, &pm).await;
    let txn = probe.doc.transact();
    assert!(txn.get_map("server_entries").is_none());
}

#[tokio::test]
async fn an_update_refused_by_its_scope_leaves_the_writers_of_the_room_connected() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("neighbours").await.unwrap();
    let writers = [
        open(&server, &pm, "author").await,
        open(&server, &pm, "participant").await,
    ];
    let attacker = open(&server, &pm, "participant").await;
    edit(&attacker, |txn| {
        txn.get_or_insert_map(outline::SECTION_TITLES)
            .insert(txn, "custom-x", "X");
    });
    attacker.wait_closed(WAIT).await.unwrap();
    for (i, writer) in writers.iter().enumerate() {
        edit(writer, type_into("impact", &format!("[{i}]")));
    }
    let probe = fresh(&server, &pm).await;
    probe
        .wait_until(WAIT, |c| section(c, "impact").len() == 6)
        .await
        .unwrap();
    for writer in &writers {
        assert_eq!(writer.closed(), None);
    }
}

#[tokio::test]
async fn after_publishing_every_role_is_read_only_and_after_reopening_writes_again() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("published").await.unwrap();
    let sre = server.join(&pm, "facilitator", "SRE").await;
    for phase in [
        "silent_reading",
        "q_and_a",
        "proposals",
        "kudos",
        "revision",
    ] {
        sre.ok(json!({"type": "move_phase", "to": phase})).await;
    }
    sre.ok(json!({"type": "move_phase", "to": "published", "override_reason": "a test case"}))
        .await;
    let author = open(&server, &pm, "author").await;
    edit(&author, type_into("summary", "late"));
    let closed = author.wait_closed(WAIT).await.unwrap();
    assert_eq!(closed.code, close::POLICY_VIOLATION, "{closed:?}");
    assert!(
        closed
            .reason
            .contains("read-only: authors may not change the document in the published phase"),
        "{closed:?}"
    );

    sre.ok(json!({"type": "move_phase", "to": "revision"}))
        .await;
    let author = open(&server, &pm, "author").await;
    edit(&author, type_into("summary", "revised"));
    let probe = fresh(&server, &pm).await;
    probe
        .wait_until(WAIT, |c| {
            let txn = c.doc.transact();
            txn.get_text(section_text_name("summary").as_str())
                .is_some_and(|t| t.get_string(&txn) == "revised")
        })
        .await
        .unwrap();
}

/// The browser removes only sections it sees empty; a client that takes a
/// section with text out of the outline (a raw client, or a browser that
/// had not yet seen someone's typing) is not refused but repaired: the
/// server puts the section back where it was, for everyone, and the
/// remover stays connected. Emptied, the same removal goes through.
#[tokio::test]
async fn a_section_removed_with_text_in_it_is_put_back_for_everyone() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("removal").await.unwrap();
    let author = open(&server, &pm, "author").await;
    edit(&author, |txn| {
        add_section(txn, "custom-notes", "メモ", Some("summary")).unwrap();
    });
    edit(&author, type_into("custom-notes", "大事なメモ 📝"));
    let facilitator = open(&server, &pm, "facilitator").await;
    facilitator
        .wait_until(WAIT, |c| section(c, "custom-notes") == "大事なメモ 📝")
        .await
        .unwrap();
    let order = section_ids(&facilitator);

    let remove = |txn: &mut TransactionMut| {
        txn.get_or_insert_map(outline::SECTION_TITLES)
            .remove(txn, "custom-notes");
        txn.get_or_insert_map(outline::SECTION_ORDER)
            .remove(txn, "custom-notes");
    };
    edit(&facilitator, remove);
    assert!(!section_ids(&facilitator).contains(&"custom-notes".to_owned()));
    // The remover gets the section back too, in its place.
    facilitator
        .wait_until(WAIT, |c| section_ids(c) == order)
        .await
        .unwrap();
    let probe = fresh(&server, &pm).await;
    assert_eq!(section_ids(&probe), order);
    assert_eq!(section(&probe, "custom-notes"), "大事なメモ 📝");
    assert_eq!(author.closed(), None);
    assert_eq!(facilitator.closed(), None);

    // Emptied by its author, the section may go.
    edit(&author, |txn| {
        let text = txn.get_or_insert_text(section_text_name("custom-notes").as_str());
        let len = text.len(txn);
        text.remove_range(txn, 0, len);
    });
    edit(&author, remove);
    let probe = fresh(&server, &pm).await;
    probe
        .wait_until(WAIT, |c| {
            !section_ids(c).contains(&"custom-notes".to_owned())
        })
        .await
        .unwrap();
    assert_eq!(author.closed(), None);
}
