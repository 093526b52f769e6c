//! The meeting room: everyone with a token reads it live, nobody writes it,
//! and the replica a client holds stays valid across a server restart.

use casebook_core::close;
use casebook_e2e::{Client, Process};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn everyone_reads_the_meeting_room_and_nobody_writes_it() {
    let mut server = Process::start().await.unwrap();
    let pm = server.create_postmortem("会議室 meeting").await.unwrap();
    for role in ["facilitator", "author", "participant", "viewer"] {
        let client = Client::connect(&server.meeting_url(&pm.id, pm.token(role)))
            .await
            .unwrap();
        client
            .wait_until(WAIT, |c| {
                c.map_json("postmortem", "title") == Some("会議室 meeting".into())
            })
            .await
            .unwrap();
        assert_eq!(
            client.map_json("postmortem", "phase"),
            Some("drafting".into())
        );
    }
    // Even the facilitator cannot write into it directly.
    let facilitator = Client::connect(&server.meeting_url(&pm.id, pm.token("facilitator")))
        .await
        .unwrap();
    facilitator.push("hijack");
    let closed = facilitator.wait_closed(WAIT).await.unwrap();
    assert_eq!(closed.code, close::POLICY_VIOLATION, "{closed:?}");
    assert!(closed.reason.contains("commands"), "{closed:?}");
    // The document room is a different document.
    let doc = Client::connect(&server.ws_url(&pm.id, pm.token("author")))
        .await
        .unwrap();
    assert_eq!(doc.text(), "");
    assert!(doc.map_json("postmortem", "title").is_none());

    // A replica kept across a restart reconnects without being refused and
    // without duplicating anything.
    let reader = Client::connect(&server.meeting_url(&pm.id, pm.token("participant")))
        .await
        .unwrap();
    reader
        .wait_until(WAIT, |c| c.map_json("postmortem", "title").is_some())
        .await
        .unwrap();
    let replica = reader.doc.clone();
    drop(reader);
    server.restart().await.unwrap();
    let again = Client::connect_with_doc(
        &server.meeting_url(&pm.id, pm.token("participant")),
        replica,
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(again.closed(), None);
    assert_eq!(
        again.map_json("postmortem", "title"),
        Some("会議室 meeting".into())
    );
}
