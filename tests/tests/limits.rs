//! Limits: going over one refuses only the client that went over, with a
//! clear close code or status, and never affects anyone else. Slow clients
//! (slowloris) cannot hold a connection by never finishing their request.

use casebook_core::close;
use casebook_e2e::{server_text, Client, Server};
use serde_json::json;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Error as WsError;

const WAIT: Duration = Duration::from_secs(10);

/// The status and body of a refused WebSocket upgrade.
async fn refused(url: &str) -> (u16, String) {
    match tokio_tungstenite::connect_async(url).await {
        Err(WsError::Http(response)) => (
            response.status().as_u16(),
            String::from_utf8_lossy(response.body().as_deref().unwrap_or_default()).into_owned(),
        ),
        Err(e) => panic!("expected an HTTP refusal, got {e}"),
        Ok(_) => panic!("the upgrade was accepted"),
    }
}

#[tokio::test]
async fn an_edit_past_the_document_size_limit_closes_only_its_socket_unapplied() {
    let server = Server::start_with(&["--max-doc-bytes", "4000"])
        .await
        .unwrap();
    let big = server.create_postmortem("big").await.unwrap();
    let small = server.create_postmortem("small").await.unwrap();
    let writer = Client::connect(&server.ws_url(&big.id, big.token("author")))
        .await
        .unwrap();
    let reader = Client::connect(&server.ws_url(&big.id, big.token("viewer")))
        .await
        .unwrap();
    let elsewhere = Client::connect(&server.ws_url(&small.id, small.token("author")))
        .await
        .unwrap();
    // 300-byte paragraphs: the document passes 4,000 bytes at the 14th or so.
    let paragraph = "障害の経過 timeline ".repeat(12);
    let mut accepted = String::new();
    for _ in 0..40 {
        if writer.closed().is_some() {
            break;
        }
        writer.push(&paragraph);
        // Wait for each one to reach the reader (or for the close).
        let want = format!("{accepted}{paragraph}");
        if reader
            .wait_text(&want, Duration::from_secs(2))
            .await
            .is_ok()
        {
            accepted = want;
        }
    }
    let closed = writer.wait_closed(WAIT).await.unwrap();
    assert_eq!(closed.code, close::DOC_TOO_LARGE, "{closed:?}");
    assert!(closed.reason.contains("size limit"), "{closed:?}");
    assert!(!accepted.is_empty() && accepted.len() < 4000);
    // Nothing of the refused edit was applied; the reader is still there.
    assert_eq!(server_text(&server, &big).await.unwrap(), accepted);
    assert!(reader.closed().is_none(), "{:?}", reader.closed());
    // Other documents go on.
    elsewhere.push("別の文書 fine");
    let watcher = Client::connect(&server.ws_url(&small.id, small.token("viewer")))
        .await
        .unwrap();
    watcher.wait_text("別の文書 fine", WAIT).await.unwrap();
}

#[tokio::test]
async fn sockets_over_the_per_document_and_per_server_limits_get_503() {
    let server = Server::start_with(&["--max-sockets-per-doc", "2", "--max-sockets", "3"])
        .await
        .unwrap();
    let a = server.create_postmortem("a").await.unwrap();
    let b = server.create_postmortem("b").await.unwrap();
    let url_a = server.ws_url(&a.id, a.token("participant"));
    let url_b = server.ws_url(&b.id, b.token("participant"));
    let first = Client::connect(&url_a).await.unwrap();
    let second = Client::connect(&url_a).await.unwrap();
    let (status, body) = refused(&url_a).await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("--max-sockets-per-doc"), "{body}");
    let on_b = Client::connect(&url_b).await.unwrap();
    let (status, body) = refused(&url_b).await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("--max-sockets"), "{body}");
    // The sockets that got in work as ever.
    first.push("まだ動く");
    second.wait_text("まだ動く", WAIT).await.unwrap();
    assert!(on_b.closed().is_none());
    // A socket that leaves frees its place.
    drop(first);
    let mut again = None;
    for _ in 0..100 {
        if let Ok(client) = Client::connect(&url_a).await {
            again = Some(client);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let again = again.expect("a freed place is taken again");
    assert_eq!(again.text(), "まだ動く");
}

#[tokio::test]
async fn a_socket_over_the_message_rate_is_closed_and_others_go_on() {
    let server = Server::start_with(&["--max-messages-per-sec", "20"])
        .await
        .unwrap();
    let pm = server.create_postmortem("flood").await.unwrap();
    let url = server.ws_url(&pm.id, pm.token("participant"));
    let flooder = Client::connect(&url).await.unwrap();
    let calm = Client::connect(&url).await.unwrap();
    for i in 0..200 {
        flooder.push(&format!("{i} "));
    }
    let closed = flooder.wait_closed(WAIT).await.unwrap();
    assert_eq!(closed.code, close::TOO_MANY_MESSAGES, "{closed:?}");
    assert!(closed.reason.contains("20 messages a second"), "{closed:?}");
    // The calm socket was not touched, and still edits.
    calm.push("落ち着いて calm");
    let probe = Client::connect(&server.ws_url(&pm.id, pm.token("viewer")))
        .await
        .unwrap();
    probe
        .wait_until(WAIT, |c| c.text().contains("落ち着いて calm"))
        .await
        .unwrap();
    assert!(calm.closed().is_none(), "{:?}", calm.closed());
    // The flooder's replica kept every edit: reconnecting sends them in one
    // message, and every replica converges.
    let doc = flooder.doc.clone();
    drop(flooder);
    let back = Client::connect_with_doc(&url, doc).await.unwrap();
    back.wait_synced().await.unwrap();
    for client in [&back, &probe, &calm] {
        client
            .wait_until(WAIT, |c| {
                (0..200).all(|i| c.text().contains(&format!("{i} ")))
                    && c.text().contains("落ち着いて calm")
            })
            .await
            .unwrap();
    }
    assert_eq!(probe.text(), back.text());
    assert_eq!(calm.text(), back.text());
}

#[tokio::test]
async fn a_presence_state_over_the_size_limit_closes_its_socket_and_is_not_relayed() {
    let server = Server::start_with(&["--max-awareness-bytes", "1000"])
        .await
        .unwrap();
    let pm = server.create_postmortem("presence").await.unwrap();
    let url = server.ws_url(&pm.id, pm.token("participant"));
    let watcher = Client::connect(&url).await.unwrap();
    let normal = Client::connect(&url).await.unwrap();
    let bloated = Client::connect(&url).await.unwrap();
    normal
        .announce(json!({"user": {"name": "佐藤", "color": "#336699"}}))
        .unwrap();
    watcher
        .wait_until(WAIT, |c| c.names_present() == ["佐藤"])
        .await
        .unwrap();
    bloated
        .announce(json!({"user": {"name": "x".repeat(2000), "color": "#000000"}}))
        .unwrap();
    let closed = bloated.wait_closed(WAIT).await.unwrap();
    assert_eq!(closed.code, close::AWARENESS_TOO_LARGE, "{closed:?}");
    // Not relayed: the watcher, told something after it, still sees only 佐藤.
    normal
        .announce(json!({"user": {"name": "佐藤", "color": "#112233"}}))
        .unwrap();
    watcher
        .wait_until(WAIT, |c| {
            c.awareness
                .lock()
                .unwrap()
                .iter()
                .any(|(_, s)| s.data.as_deref().is_some_and(|d| d.contains("#112233")))
        })
        .await
        .unwrap();
    assert_eq!(watcher.names_present(), ["佐藤"]);
    assert!(normal.closed().is_none() && watcher.closed().is_none());
}

/// Whether the server closes `tcp` within `within` (reads to the end).
async fn closed_by_server(tcp: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, tcp.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn slow_or_silent_clients_cannot_hold_a_connection_by_never_finishing_their_request() {
    let server = Server::start_with(&["--header-read-timeout-secs", "1"])
        .await
        .unwrap();
    let pm = server.create_postmortem("slowloris").await.unwrap();
    let addr = format!("127.0.0.1:{}", server.port);

    // Connects and says nothing.
    let mut silent = TcpStream::connect(&addr).await.unwrap();
    // Sends a WebSocket upgrade's headers a byte at a time and never ends them.
    let mut dribbler = TcpStream::connect(&addr).await.unwrap();
    let request = format!(
        "GET /sync/{}?token={} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nX-Slow: ",
        pm.id,
        pm.token("viewer")
    );
    let dribble = tokio::spawn(async move {
        for byte in request.bytes().chain(std::iter::repeat(b'a')) {
            if dribbler.write_all(&[byte]).await.is_err() {
                return (dribbler, true);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            if let Ok(Ok(0)) =
                tokio::time::timeout(Duration::from_millis(1), dribbler.read(&mut [0u8; 64])).await
            {
                return (dribbler, true);
            }
        }
        (dribbler, false)
    });
    // Meanwhile the server answers everyone else.
    let (status, _) = server
        .call(reqwest::Method::GET, "/healthz", "", None)
        .await;
    assert_eq!(status, 200);
    let viewer = Client::connect(&server.ws_url(&pm.id, pm.token("viewer")))
        .await
        .unwrap();

    assert!(
        closed_by_server(&mut silent, Duration::from_secs(10)).await,
        "a connection that never sent a request is still open"
    );
    let (_, dropped) = tokio::time::timeout(Duration::from_secs(10), dribble)
        .await
        .expect("a connection dribbling its headers is still open after 10 s")
        .unwrap();
    assert!(dropped);
    // A finished request on a kept-alive connection that then goes quiet is
    // closed too.
    let mut idle = TcpStream::connect(&addr).await.unwrap();
    idle.write_all(format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    assert!(closed_by_server(&mut idle, Duration::from_secs(10)).await);
    // The WebSocket that completed its upgrade is not affected by the timeout.
    assert!(viewer.closed().is_none(), "{:?}", viewer.closed());
}
