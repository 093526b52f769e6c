//! Tokens, roles and bad input: everything refused is refused clearly, changes
//! nothing, and never disturbs other sockets.

use casebook_core::close;
use casebook_e2e::{server_text, standalone_insert, update_frame, Client, Server, ADMIN_TOKEN};
use std::time::Duration;
use tokio_tungstenite::tungstenite::http::StatusCode;

const WAIT: Duration = Duration::from_secs(10);

/// Sends one kind of bad input on a socket.
type BadInput = Box<dyn Fn(&Client)>;

/// The HTTP status with which a WebSocket upgrade was refused.
async fn refused_status(url: &str) -> u16 {
    match tokio_tungstenite::connect_async(url).await {
        Ok(_) => panic!("{url} was accepted"),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(e) => panic!("{url}: unexpected error {e}"),
    }
}

#[tokio::test]
async fn sockets_without_a_valid_token_for_that_postmortem_are_refused_before_the_upgrade() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("one").await.unwrap();
    let other = server.create_postmortem("two").await.unwrap();
    let base = format!("ws://127.0.0.1:{}/sync/{}", server.port, pm.id);
    assert_eq!(refused_status(&base).await, 401);
    assert_eq!(refused_status(&format!("{base}?token=garbage")).await, 401);
    // A real token, for another postmortem.
    assert_eq!(
        refused_status(&server.ws_url(&pm.id, other.token("facilitator"))).await,
        403
    );
    // A tampered token: the claims of one postmortem with the signature of another.
    let (_, signature) = other.token("viewer").split_once('.').unwrap();
    let (claims, _) = pm.token("facilitator").split_once('.').unwrap();
    assert_eq!(
        refused_status(&server.ws_url(&pm.id, &format!("{claims}.{signature}"))).await,
        401
    );
    // Unknown postmortem with the admin token.
    assert_eq!(
        refused_status(&server.ws_url("nosuchthing", ADMIN_TOKEN)).await,
        404
    );
}

#[tokio::test]
async fn an_expired_link_is_refused() {
    let server = Server::start_with(&["--token-ttl-secs", "1"])
        .await
        .unwrap();
    let pm = server.create_postmortem("short-lived").await.unwrap();
    let url = server.ws_url(&pm.id, pm.token("participant"));
    Client::connect(&url).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(refused_status(&url).await, 401);
    let api = server
        .http
        .get(server.url(&format!("/api/postmortems/{}", pm.id)))
        .bearer_auth(pm.token("participant"))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = api.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("expired"),
        "{body}"
    );
}

#[tokio::test]
async fn a_viewer_socket_is_read_only() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("read only").await.unwrap();
    let author = Client::connect(&server.ws_url(&pm.id, pm.token("author")))
        .await
        .unwrap();
    author.push("事実のみ");
    let viewer = Client::connect(&server.ws_url(&pm.id, pm.token("viewer")))
        .await
        .unwrap();
    viewer.wait_text("事実のみ", WAIT).await.unwrap();
    // A viewer still receives live edits.
    author.push("。");
    viewer.wait_text("事実のみ。", WAIT).await.unwrap();
    viewer.push(" vandalism");
    let closed = viewer.wait_closed(WAIT).await.unwrap();
    assert_eq!(closed.code, close::POLICY_VIOLATION, "{closed:?}");
    assert!(closed.reason.contains("read-only"), "{closed:?}");
    // Nothing of it reached the document or the author.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(author.text(), "事実のみ。");
    assert_eq!(server_text(&server, &pm).await.unwrap(), "事実のみ。");
}

#[tokio::test]
async fn a_viewer_reconnecting_with_a_document_that_has_deletions_stays_connected() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("viewer reconnect").await.unwrap();
    let author = Client::connect(&server.ws_url(&pm.id, pm.token("author")))
        .await
        .unwrap();
    author.push("原因は設定ミスではない");
    author.delete(5, 2);
    let url = server.ws_url(&pm.id, pm.token("viewer"));
    let viewer = Client::connect(&url).await.unwrap();
    viewer.wait_text("原因は設定ではない", WAIT).await.unwrap();
    let replica = viewer.doc.clone();
    viewer.close();
    drop(viewer);
    // Its sync step 2 now repeats the delete set: nothing new, so no write.
    let again = Client::connect_with_doc(&url, replica).await.unwrap();
    author.push("。");
    again.wait_text("原因は設定ではない。", WAIT).await.unwrap();
    assert_eq!(again.closed(), None);
    // A real write still closes it.
    again.delete(0, 1);
    assert_eq!(
        again.wait_closed(WAIT).await.unwrap().code,
        close::POLICY_VIOLATION
    );
    assert_eq!(
        server_text(&server, &pm).await.unwrap(),
        "原因は設定ではない。"
    );
}

#[tokio::test]
async fn malformed_and_oversized_frames_close_only_that_socket() {
    let server = Server::start_with(&["--max-frame-bytes", "65536"])
        .await
        .unwrap();
    let pm = server.create_postmortem("bad input").await.unwrap();
    let url = server.ws_url(&pm.id, pm.token("participant"));
    let good = Client::connect(&url).await.unwrap();
    good.push("before");

    let cases: Vec<(&str, BadInput, u16)> = vec![
        (
            "garbage bytes",
            Box::new(|c| c.send_raw(vec![0x00, 0x02, 0xff, 0xff, 0xff]).unwrap()),
            close::UNSUPPORTED_DATA,
        ),
        (
            "unknown sync type",
            Box::new(|c| c.send_raw(vec![0x00, 0x09, 0x00]).unwrap()),
            close::UNSUPPORTED_DATA,
        ),
        (
            "empty frame",
            Box::new(|c| c.send_raw(vec![]).unwrap()),
            close::UNSUPPORTED_DATA,
        ),
        (
            "undecodable update",
            Box::new(|c| c.send_raw(update_frame(vec![0x05, 0x80, 0x80])).unwrap()),
            close::UNSUPPORTED_DATA,
        ),
        (
            "text frame",
            Box::new(|c| c.send_text("hello").unwrap()),
            close::UNSUPPORTED_DATA,
        ),
        (
            "oversized frame",
            Box::new(|c| {
                c.send_raw(update_frame(standalone_insert(&"x".repeat(100_000))))
                    .unwrap()
            }),
            close::MESSAGE_TOO_BIG,
        ),
    ];
    for (name, send_bad, code) in cases {
        let bad = Client::connect(&url).await.unwrap();
        send_bad(&bad);
        let closed = bad.wait_closed(WAIT).await.unwrap();
        assert_eq!(closed.code, code, "{name}: {closed:?}");
        assert!(!closed.reason.is_empty(), "{name}: a close reason is given");
        // The good socket keeps working throughout.
        good.push(".");
        let expected = good.text();
        let check = Client::connect(&url).await.unwrap();
        check.wait_text(&expected, WAIT).await.unwrap();
        assert!(good.closed().is_none(), "{name} closed an innocent socket");
    }
    // A bad frame that starts with a valid update applies nothing.
    let sneaky = Client::connect(&url).await.unwrap();
    let mut frame = update_frame(standalone_insert("injected"));
    frame.extend_from_slice(&[0x00, 0x02, 0xff]);
    sneaky.send_raw(frame).unwrap();
    assert_eq!(
        sneaky.wait_closed(WAIT).await.unwrap().code,
        close::UNSUPPORTED_DATA
    );
    let expected = good.text();
    assert!(!expected.contains("injected"));
    assert_eq!(server_text(&server, &pm).await.unwrap(), expected);
}

#[tokio::test]
async fn the_api_answers_json_errors_and_checks_the_token_first() {
    let server = Server::start().await.unwrap();
    let http = &server.http;
    let create = server.url("/api/postmortems");

    let no_token = http.post(&create).body("{not json").send().await.unwrap();
    assert_eq!(no_token.status(), 401);
    let body: serde_json::Value = no_token.json().await.unwrap();
    assert!(body["error"].is_string());

    let bad_json = http
        .post(&create)
        .bearer_auth(ADMIN_TOKEN)
        .body("{\"title\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_json.status(), 400);
    assert!(bad_json.json::<serde_json::Value>().await.unwrap()["error"].is_string());

    let empty_title = http
        .post(&create)
        .bearer_auth(ADMIN_TOKEN)
        .json(&serde_json::json!({"title": "   "}))
        .send()
        .await
        .unwrap();
    assert_eq!(empty_title.status(), 400);

    // On its own connection: the server drops a connection whose body it
    // refused unread, and a pooled client would reuse it.
    let too_large = reqwest::Client::new()
        .post(&create)
        .bearer_auth(ADMIN_TOKEN)
        .body(format!("{{\"title\": \"{}\"}}", "x".repeat(2 << 20)))
        .send()
        .await
        .unwrap();
    assert_eq!(too_large.status(), 413);

    let pm = server
        .create_postmortem("インシデント #42 🔥")
        .await
        .unwrap();
    assert_eq!(pm.title, "インシデント #42 🔥");
    assert!(
        pm.id.chars().all(|c| c.is_ascii_alphanumeric()),
        "{}",
        pm.id
    );
    for role in ["facilitator", "author", "participant", "viewer"] {
        assert!(pm.links[role].contains(&format!("/p/{}?token=", pm.id)));
    }
    // Invite tokens cannot create or list postmortems.
    let as_facilitator = http
        .post(&create)
        .bearer_auth(pm.token("facilitator"))
        .json(&serde_json::json!({"title": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(as_facilitator.status(), 401);
    let list = http
        .get(&create)
        .bearer_auth(pm.token("author"))
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), 401);

    let get = |token: String, id: String| {
        let url = server.url(&format!("/api/postmortems/{id}"));
        async move { http.get(url).bearer_auth(token).send().await.unwrap() }
    };
    let info: serde_json::Value = get(pm.token("viewer").into(), pm.id.clone())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(info["title"], "インシデント #42 🔥");
    assert_eq!(info["role"], "viewer");
    assert_eq!(
        get(ADMIN_TOKEN.into(), "missing".into()).await.status(),
        404
    );

    // Only the one postmortem exists after all of that.
    let all: Vec<serde_json::Value> = http
        .get(&create)
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
}

/// Inputs the fuzzers found (see `fuzz/`): a 4-byte update declaring 88
/// million clients, a client id over 53 bits that made yrs' decoder panic,
/// a state vector with one in sync step 1: each closes only its socket; the
/// document stays whole and every later joiner syncs. And a 12-byte update
/// that yrs 0.28.1 misread (one JSON entry more than its count), kept
/// "pending" and then could not encode: read as written it changes nothing.
#[tokio::test]
async fn inputs_the_fuzzers_found_close_only_their_socket_and_leave_the_document_whole() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("fuzzed").await.unwrap();
    let url = server.ws_url(&pm.id, pm.token("participant"));
    let author = Client::connect(&url).await.unwrap();
    author.push("無事な本文 intact");
    let reader = Client::connect(&server.ws_url(&pm.id, pm.token("viewer")))
        .await
        .unwrap();
    reader.wait_text("無事な本文 intact", WAIT).await.unwrap();
    let frames: [Vec<u8>; 3] = [
        update_frame(vec![0xba, 0xba, 0x84, 0x2a]),
        update_frame(vec![
            0x01, 0x01, 0x9c, 0xe8, 0x99, 0x99, 0x9c, 0xe8, 0x99, 0x7a, 0x85,
        ]),
        vec![
            0x00, 0x00, 0x0b, 0x01, 0x9c, 0xe8, 0x99, 0x99, 0x9c, 0xe8, 0x99, 0x7a, 0x85, 0x01,
        ],
    ];
    for frame in frames {
        let attacker = Client::connect(&url).await.unwrap();
        attacker.send_raw(frame.clone()).unwrap();
        let closed = attacker.wait_closed(WAIT).await.unwrap();
        assert_eq!(
            closed.code,
            close::UNSUPPORTED_DATA,
            "{frame:02x?}: {closed:?}"
        );
        // Whoever joins next gets the whole document.
        let text = server_text(&server, &pm).await.unwrap();
        assert_eq!(text, "無事な本文 intact", "after {frame:02x?}");
    }
    // JSON content with no entries, of which yrs 0.28.1 read one, so the
    // update applied a block that did not encode back (it used to be
    // refused for that); read as written (vendor/yrs/PATCHES.md, 3) it adds
    // nothing, and the socket stays open.
    let attacker = Client::connect(&url).await.unwrap();
    attacker
        .send_raw(update_frame(vec![
            0x01, 0x01, 0x01, 0x11, 0x72, 0, 0, 0, 0, 0, 0, 0,
        ]))
        .unwrap();
    attacker.push(" 次");
    reader
        .wait_text("無事な本文 intact 次", WAIT)
        .await
        .unwrap();
    assert!(attacker.closed().is_none(), "{:?}", attacker.closed());
    attacker.delete("無事な本文 intact".chars().count() as u32, 2);
    reader.wait_text("無事な本文 intact", WAIT).await.unwrap();
    // The author (reconnecting if the room reloaded) still edits.
    let author = Client::connect_with_doc(&url, author.doc.clone())
        .await
        .unwrap();
    author.wait_synced().await.unwrap();
    author.push(" 続き");
    let probe = Client::connect(&server.ws_url(&pm.id, pm.token("viewer")))
        .await
        .unwrap();
    probe
        .wait_text("無事な本文 intact 続き", WAIT)
        .await
        .unwrap();
}
