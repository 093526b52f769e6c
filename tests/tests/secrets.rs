//! Secrets never reach the log: after a busy session at debug level (links,
//! joins, commands, sockets, refused tokens, a revoked invite, a backup), the
//! server's stderr holds neither the admin token, nor the token signing key
//! in any common spelling, nor any invite or personal token. The admin link
//! is printed once, on stdout, at start. Both log formats (`--log-format
//! text` and `json`) are checked.

use base64::Engine;
use casebook_e2e::{Client, Process, ADMIN_TOKEN};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn the_text_log_holds_no_token_and_no_signing_key() {
    let log = the_log_holds_no_secret("text").await;
    assert!(
        log.lines().all(|l| !l.starts_with('{')),
        "the log is text: {log}"
    );
}

#[tokio::test]
async fn the_json_log_holds_no_token_and_no_signing_key() {
    let log = the_log_holds_no_secret("json").await;
    for line in log.lines() {
        let line: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        assert!(line["level"].is_string(), "{line}");
    }
}

/// Runs the busy session with `--log-format FORMAT`, checks the log for
/// secrets and returns it.
async fn the_log_holds_no_secret(format: &str) -> String {
    let mut server = Process::start_with(&["--log-format", format])
        .await
        .unwrap();
    let pm = server.create_postmortem("secret keeping").await.unwrap();
    let mut tokens: Vec<String> = pm.tokens.values().cloned().collect();
    let (status, joined) = server
        .call(
            reqwest::Method::POST,
            &format!("/api/postmortems/{}/join", pm.id),
            pm.token("facilitator"),
            Some(json!({"name": "SRE 佐藤"})),
        )
        .await;
    assert_eq!(status, 200, "{joined}");
    let personal = joined["token"].as_str().unwrap().to_owned();
    tokens.push(personal.clone());
    for (i, body) in [
        json!({"type": "move_phase", "to": "silent_reading"}),
        json!({"type": "move_phase", "to": "nowhere"}),
    ]
    .into_iter()
    .enumerate()
    {
        let mut body = body;
        body["command_id"] = json!(format!("c{i}"));
        server
            .call(
                reqwest::Method::POST,
                &format!("/api/postmortems/{}/commands", pm.id),
                &personal,
                Some(body),
            )
            .await;
    }
    let (status, invite) = server
        .call(
            reqwest::Method::POST,
            &format!("/api/postmortems/{}/invites", pm.id),
            ADMIN_TOKEN,
            Some(json!({"role": "participant"})),
        )
        .await;
    assert_eq!(status, 201, "{invite}");
    let invite_token = invite["token"].as_str().unwrap().to_owned();
    tokens.push(invite_token.clone());
    let writer = Client::connect(&server.ws_url(&pm.id, &invite_token))
        .await
        .unwrap();
    writer.push("本文");
    let _room = Client::connect(&server.meeting_url(&pm.id, pm.token("viewer")))
        .await
        .unwrap();
    server
        .call(
            reqwest::Method::DELETE,
            &format!(
                "/api/postmortems/{}/invites/{}",
                pm.id,
                invite["id"].as_str().unwrap()
            ),
            ADMIN_TOKEN,
            None,
        )
        .await;
    writer.wait_closed(Duration::from_secs(10)).await.unwrap();
    // Refused tokens: a tampered one, the admin token on a wrong path.
    let tampered = format!("{}x", pm.token("author"));
    assert!(Client::connect(&server.ws_url(&pm.id, &tampered))
        .await
        .is_err());
    server
        .call(
            reqwest::Method::GET,
            "/api/postmortems/nope",
            ADMIN_TOKEN,
            None,
        )
        .await;
    let (status, _) = server
        .call(reqwest::Method::GET, "/api/admin/backup", ADMIN_TOKEN, None)
        .await;
    assert_eq!(status, 200);
    server.stop();

    let log = server.log();
    assert!(log.contains("DEBUG"), "the log ran at debug level: {log}");
    assert!(!log.contains(ADMIN_TOKEN), "the admin token is in the log");
    for token in &tokens {
        assert!(
            !log.contains(token.as_str()),
            "a token is in the log: {token}"
        );
        // Not even its signature alone.
        let signature = token.rsplit('.').next().unwrap();
        assert!(!log.contains(signature), "a token signature is in the log");
    }
    let key = {
        let db = sled::open(&server.data_dir).unwrap();
        let secrets = db.open_tree("secrets").unwrap();
        secrets.get("token-signing-key").unwrap().unwrap().to_vec()
    };
    let spellings = [
        key.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        key.iter().map(|b| format!("{b:02X}")).collect::<String>(),
        base64::engine::general_purpose::STANDARD.encode(&key),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&key),
        format!("{:?}", &key[..8]).trim_end_matches(']').to_owned(),
    ];
    for spelling in spellings {
        assert!(
            !log.contains(&spelling),
            "the signing key is in the log as {spelling}"
        );
    }
    // The admin link: once, on stdout.
    let stdout = server.stdout();
    assert_eq!(
        stdout.matches(&format!("?token={ADMIN_TOKEN}")).count(),
        1,
        "{stdout}"
    );
    log
}
