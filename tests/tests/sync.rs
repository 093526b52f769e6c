//! Rust y-websocket clients against the real server: convergence, Japanese
//! and emoji, presence, and the durability of what was broadcast.

use casebook_core::close;
use casebook_e2e::{server_text, Client, Process, Server};
use rand::{Rng, SeedableRng};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

#[tokio::test]
async fn clients_converge_after_concurrent_random_edits_in_japanese_and_emoji() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("DB 障害").await.unwrap();
    let url = server.ws_url(&pm.id, pm.token("participant"));
    let mut clients = Vec::new();
    for _ in 0..4 {
        clients.push(Client::connect(&url).await.unwrap());
    }
    let words = [
        "障害",
        "😀",
        "ポストモーテム",
        "cause ",
        "🇯🇵",
        "é",
        "\n",
        "対策",
    ];
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for round in 0..60 {
        for client in &clients {
            let len = client.len();
            if len > 20 && rng.random_bool(0.25) {
                // Delete whole characters only: find a char boundary by text.
                let text = client.text();
                let chars: Vec<char> = text.chars().collect();
                let at = rng.random_range(0..chars.len() - 1);
                let start: u32 = chars[..at].iter().map(|c| c.len_utf16() as u32).sum();
                let width = chars[at].len_utf16() as u32;
                client.delete(start, width);
            } else {
                let text = client.text();
                let chars: Vec<char> = text.chars().collect();
                let at = rng.random_range(0..=chars.len());
                let index: u32 = chars[..at].iter().map(|c| c.len_utf16() as u32).sum();
                client.insert(index, words[rng.random_range(0..words.len())]);
            }
        }
        if round % 10 == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    let expected_len = clients[0].len();
    assert!(expected_len > 0);
    // Everyone ends with the same text, and so does the server.
    let first = &clients[0];
    for client in &clients {
        client
            .wait_until(WAIT, |c| c.text() == first.text())
            .await
            .unwrap();
    }
    for client in &clients[1..] {
        first
            .wait_until(WAIT, |c| c.text() == client.text())
            .await
            .unwrap();
    }
    let final_text = first.text();
    assert!(
        final_text.chars().all(|c| c != '\u{FFFD}'),
        "no broken surrogate: {final_text:?}"
    );
    assert_eq!(server_text(&server, &pm).await.unwrap(), final_text);
}

#[tokio::test]
async fn a_late_joiner_gets_the_whole_document() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("late").await.unwrap();
    let url = server.ws_url(&pm.id, pm.token("author"));
    let writer = Client::connect(&url).await.unwrap();
    for i in 0..200 {
        writer.push(&format!("line {i} 行\n"));
    }
    let expected = writer.text();
    let late = Client::connect(&url).await.unwrap();
    late.wait_text(&expected, WAIT).await.unwrap();
}

/// A joiner's sync step 2 larger than one frame (64 KiB) goes out as a
/// fragmented WebSocket message; every joiner reassembles the exact text.
#[tokio::test]
async fn joiners_get_a_document_larger_than_one_frame_exactly() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("large").await.unwrap();
    let url = server.ws_url(&pm.id, pm.token("author"));
    let writer = Client::connect(&url).await.unwrap();
    for i in 0..5 {
        let line = format!("{i}: 障害の経緯 🚒 timeline and causes, line after line\n");
        writer.push(&line.repeat(100_000 / line.len()));
    }
    let expected = writer.text();
    assert!(
        expected.len() > 400_000,
        "the document spans several frames"
    );
    // Several joiners at once share the cached step 2 and each gets all of it.
    let joiners = futures_util::future::join_all((0..3).map(|_| Client::connect(&url))).await;
    let joiners: Vec<Client> = joiners.into_iter().map(|j| j.unwrap()).collect();
    for joiner in &joiners {
        joiner.wait_text(&expected, WAIT).await.unwrap();
    }
    // The sockets stay usable after the fragmented message.
    for joiner in &joiners {
        joiner.push("✓");
    }
    writer
        .wait_text(&format!("{expected}✓✓✓"), WAIT)
        .await
        .unwrap();
}

#[tokio::test]
async fn presence_is_shared_and_leaves_when_the_socket_closes() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("presence").await.unwrap();
    let url = server.ws_url(&pm.id, pm.token("participant"));
    let alice = Client::connect(&url).await.unwrap();
    let bob = Client::connect(&url).await.unwrap();
    alice
        .announce(serde_json::json!({"user": {"name": "Alice 有紀", "color": "#ff0000"}}))
        .unwrap();
    bob.wait_until(WAIT, |c| c.names_present() == ["Alice 有紀"])
        .await
        .unwrap();
    // A newcomer learns who is here on joining.
    let carol = Client::connect(&url).await.unwrap();
    carol
        .wait_until(WAIT, |c| c.names_present() == ["Alice 有紀"])
        .await
        .unwrap();
    alice.close();
    bob.wait_until(WAIT, |c| c.names_present().is_empty())
        .await
        .unwrap();
}

#[tokio::test]
async fn presence_that_is_not_renewed_expires() {
    let server = Server::start_with(&["--awareness-timeout-secs", "2"])
        .await
        .unwrap();
    let pm = server.create_postmortem("stale presence").await.unwrap();
    let url = server.ws_url(&pm.id, pm.token("participant"));
    let quiet = Client::connect(&url).await.unwrap();
    let watcher = Client::connect(&url).await.unwrap();
    quiet
        .announce(serde_json::json!({"user": {"name": "Quiet 静か"}}))
        .unwrap();
    watcher
        .wait_until(WAIT, |c| c.names_present() == ["Quiet 静か"])
        .await
        .unwrap();
    // Still connected, but it never renews its state: it goes after ~2 s.
    watcher
        .wait_until(WAIT, |c| c.names_present().is_empty())
        .await
        .unwrap();
    assert!(quiet.closed().is_none());
}

#[tokio::test]
async fn edits_survive_a_graceful_restart() {
    let mut server = Process::start().await.unwrap();
    let pm = server.create_postmortem("restart").await.unwrap();
    let url = server.ws_url(&pm.id, pm.token("author"));
    let author = Client::connect(&url).await.unwrap();
    author.push("原因: ");
    author.push("設定ミス 🙈");
    let expected = author.text();
    let reader = Client::connect(&url).await.unwrap();
    reader.wait_text(&expected, WAIT).await.unwrap();
    server.restart().await.unwrap();
    assert_eq!(server_text(&server, &pm).await.unwrap(), expected);
}

#[tokio::test]
async fn kill_9_right_after_a_broadcast_loses_nothing_that_was_seen() {
    let mut server = Process::start().await.unwrap();
    let pm = server.create_postmortem("crash").await.unwrap();
    let url = server.ws_url(&pm.id, pm.token("participant"));
    let writer = Client::connect(&url).await.unwrap();
    let observer = Client::connect(&url).await.unwrap();
    for i in 0..300 {
        writer.push(&format!("{i}:影響 "));
    }
    // The moment the observer has seen everything, the server dies.
    let expected = writer.text();
    observer.wait_text(&expected, WAIT).await.unwrap();
    server.kill9();
    server.start_again().await.unwrap();
    assert_eq!(server_text(&server, &pm).await.unwrap(), expected);
}

#[tokio::test]
async fn a_document_unloaded_from_memory_comes_back_from_its_snapshot_and_log() {
    // Unload after 1 s idle; snapshot every 50 updates so both paths are used.
    let mut server = Process::start_with(&["--idle-unload-secs", "1", "--snapshot-every", "50"])
        .await
        .unwrap();
    let pm = server.create_postmortem("unload").await.unwrap();
    let url = server.ws_url(&pm.id, pm.token("author"));
    let author = Client::connect(&url).await.unwrap();
    for i in 0..175 {
        author.push(&format!("{i},"));
    }
    let expected = author.text();
    let observer = Client::connect(&url).await.unwrap();
    observer.wait_text(&expected, WAIT).await.unwrap();
    author.close();
    observer.close();
    // Wait until the room left memory.
    let mut unloaded = false;
    for _ in 0..100 {
        let health: serde_json::Value = server
            .http
            .get(server.url("/healthz"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if health["rooms_loaded"] == 0 {
            unloaded = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        unloaded,
        "the idle room never left memory; log:\n{}",
        server.log()
    );
    assert_eq!(server_text(&server, &pm).await.unwrap(), expected);
    // And after a crash on top of it.
    server.kill9();
    server.start_again().await.unwrap();
    assert_eq!(server_text(&server, &pm).await.unwrap(), expected);
}

#[tokio::test]
async fn a_client_that_falls_behind_is_closed_and_resyncs_without_slowing_the_room() {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;

    // The writer bursts 2,000 messages: no message rate limit here. A socket
    // that takes no message for 2 s counts as not reading.
    let server = Process::start_with(&[
        "--socket-backlog",
        "512",
        "--max-messages-per-sec",
        "0",
        "--send-timeout-secs",
        "2",
    ])
    .await
    .unwrap();
    let pm = server.create_postmortem("slow reader").await.unwrap();
    let url = server.ws_url(&pm.id, pm.token("participant"));
    // A reader that stops reading: its TCP buffers fill, then its backlog.
    // A fixed small receive buffer stops the kernel from growing it to 32 MB.
    let tcp = tokio::net::TcpSocket::new_v4().unwrap();
    tcp.set_recv_buffer_size(8192).unwrap();
    let stream = tcp
        .connect(format!("127.0.0.1:{}", server.port).parse().unwrap())
        .await
        .unwrap();
    let (mut stalled, _) = tokio_tungstenite::client_async(url.as_str(), stream)
        .await
        .unwrap();
    let writer = Client::connect(&url).await.unwrap();
    let observer = Client::connect(&url).await.unwrap();
    // ~9 MB in 2,000 frames: more than the server's send buffer (4 MB at
    // most) and the stalled reader's receive buffer hold, and more frames than
    // its backlog (512, above the 256 updates a writer may have in flight).
    // (Prepended: appending walks the whole UTF-16 text each time.)
    let paragraph = "遅延 lag ".repeat(400);
    for _ in 0..2000 {
        writer.insert(0, &paragraph);
    }
    // The room kept going for everyone else.
    let expected = writer.text();
    let expected_len = writer.len();
    observer
        .wait_until(Duration::from_secs(60), |c| c.len() == expected_len)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "{e}; expected {expected_len}; log:\n{}",
                tail(&server.log())
            )
        });
    assert_eq!(observer.text(), expected);
    // The stalled reader stays stalled past the send timeout (the room sends
    // one group commit's updates as one event, so 2,000 updates need not
    // overrun the backlog: not reading is what gets it closed), then, once it
    // reads again, finds it was closed as fallen behind.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let frame = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(message) = stalled.next().await {
            if let Ok(Message::Close(frame)) = message {
                return frame;
            }
        }
        None
    })
    .await
    .expect("the stalled socket is closed")
    .expect("with a close frame");
    assert_eq!(u16::from(frame.code), close::FELL_BEHIND, "{frame:?}");
    // Reconnecting resyncs it.
    let again = Client::connect(&url).await.unwrap();
    assert_eq!(again.text(), expected);
}
