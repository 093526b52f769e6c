//! A socket forwards every room event queued for it in one write (issue 15:
//! fewer `sendto`s per delivered edit). What that must not change: every
//! other socket gets every update once, in the order the room applied them,
//! each one its own intact y-sync message (a message longer than one frame
//! still arrives whole), never the sender's own; and nothing is shown to
//! anyone before it is on disk, at whatever moment the server dies.

use casebook_core::document::{new_doc, BODY};
use casebook_core::protocol::{self, Message, SyncMessage};
use casebook_e2e::{server_text, Client, Process, Server};
use futures_util::{SinkExt, StreamExt};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use yrs::{GetString, Text, Transact, TransactionMut};

const WAIT: Duration = Duration::from_secs(20);
/// Below the room's broadcast capacity (256), so no socket can lag behind
/// and be closed, however the updates are batched.
const BURST: usize = 200;

/// A raw socket that records the payload of every y-sync update it receives,
/// in the order the server sent them.
async fn recording(url: &str) -> (watch::Receiver<Vec<Vec<u8>>>, tokio::task::JoinHandle<()>) {
    let (socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let (_sink, mut stream) = socket.split();
    let (seen_tx, seen) = watch::channel(Vec::new());
    let reader = tokio::spawn(async move {
        let _sink = _sink;
        while let Some(Ok(message)) = stream.next().await {
            let WsMessage::Binary(frame) = message else {
                continue;
            };
            let messages = protocol::decode_frame(&frame).expect("the server sends valid y-sync");
            for message in messages {
                if let Message::Sync(SyncMessage::Update(update)) = message {
                    seen_tx.send_modify(|seen| seen.push(update));
                }
            }
        }
    });
    (seen, reader)
}

#[tokio::test]
async fn a_burst_reaches_every_other_socket_once_in_order_and_intact() {
    let server = Server::start_with(&["--max-messages-per-sec", "0"])
        .await
        .unwrap();
    let pm = server.create_postmortem("coalescing").await.unwrap();
    let url = server.ws_url(&pm.id, pm.token("author"));
    let (first, first_reader) = recording(&url).await;
    let (second, second_reader) = recording(&url).await;

    // The writer's updates, made on one replica so each builds on the last.
    let doc = new_doc();
    let body = doc.get_or_insert_text(BODY);
    let sent: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
    let recorder = Arc::clone(&sent);
    doc.observe_update_v1("sent", move |_: &TransactionMut, event| {
        recorder.lock().unwrap().push(event.update.clone())
    })
    .unwrap();
    for i in 0..BURST {
        let len = body.len(&doc.transact());
        let chunk = if i == BURST / 2 {
            // Longer than one frame (64 KiB): sent in fragments between
            // small updates, it must still arrive whole and in its place.
            "大きな段落 large paragraph ".repeat(12_000)
        } else {
            format!("{i:03}:原因 ")
        };
        body.insert(&mut doc.transact_mut(), len, &chunk);
    }
    let sent = sent.lock().unwrap().clone();
    assert_eq!(sent.len(), BURST);
    assert!(sent[BURST / 2].len() > 3 * 64 * 1024);

    // All of them at once: the server reads, commits and broadcasts them in
    // batches, and each socket forwards what piled up for it together.
    let (socket, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let (mut sink, mut stream) = socket.split();
    let (echoed_tx, echoed) = watch::channel(0usize);
    let writer_reader = tokio::spawn(async move {
        while let Some(Ok(message)) = stream.next().await {
            if let WsMessage::Binary(frame) = message {
                let updates = protocol::decode_frame(&frame)
                    .unwrap()
                    .into_iter()
                    .filter(|m| matches!(m, Message::Sync(SyncMessage::Update(_))))
                    .count();
                echoed_tx.send_modify(|n| *n += updates);
            }
        }
    });
    for update in &sent {
        let frame = protocol::encode(&protocol::update(update.clone()));
        sink.feed(WsMessage::Binary(frame.into())).await.unwrap();
    }
    sink.flush().await.unwrap();

    for mut seen in [first, second] {
        let got = tokio::time::timeout(WAIT, seen.wait_for(|s| s.len() >= BURST))
            .await
            .expect("every update arrives")
            .unwrap()
            .clone();
        assert_eq!(got.len(), BURST, "each update once");
        for (i, (got, sent)) in got.iter().zip(&sent).enumerate() {
            assert!(got == sent, "update {i} arrived changed or out of order");
        }
    }
    // The sender is never sent its own updates.
    assert_eq!(*echoed.borrow(), 0);
    // And the room holds them all, in that order.
    let expected = body.get_string(&doc.transact());
    assert_eq!(server_text(&server, &pm).await.unwrap(), expected);
    for task in [first_reader, second_reader, writer_reader] {
        task.abort();
    }
}

#[tokio::test]
async fn kill_9_in_the_middle_of_a_burst_loses_nothing_anyone_was_shown() {
    let mut server = Process::start_with(&["--max-messages-per-sec", "0"])
        .await
        .unwrap();
    let pm = server.create_postmortem("burst crash").await.unwrap();
    let url = server.ws_url(&pm.id, pm.token("participant"));
    let writer = Client::connect(&url).await.unwrap();
    let observer = Client::connect(&url).await.unwrap();
    for i in 0..2_000 {
        writer.push(&format!("{i:04}:影響 "));
    }
    // The server dies while the burst is still being committed and sent.
    observer
        .wait_until(WAIT, |c| c.text().contains("0300:"))
        .await
        .unwrap();
    server.kill9();
    // Everything the observer had been shown when the server died…
    let shown = observer.text();
    assert!(shown.starts_with("0000:影響 0001:影響 "));
    server.start_again().await.unwrap();
    // …was on disk: the document comes back with at least that.
    let recovered = server_text(&server, &pm).await.unwrap();
    assert!(
        recovered.starts_with(&shown),
        "shown before the kill but lost: shown {} chars, recovered {} chars",
        shown.chars().count(),
        recovered.chars().count()
    );
    casebook_e2e::report(&format!(
        "coalescing: killed with {} of 2,000 updates shown, {} recovered",
        shown.matches(':').count(),
        recovered.matches(':').count()
    ));
}
