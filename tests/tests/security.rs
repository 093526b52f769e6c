//! Every per-postmortem endpoint and both sockets refuse an empty, garbage,
//! foreign, tampered or revoked token (missing and expired tokens: guard.rs),
//! and the admin endpoints refuse every invite token; nothing that was
//! refused changed anything.

use casebook_e2e::{Client, Server, ADMIN_TOKEN};
use reqwest::Method;
use serde_json::{json, Value};

/// Every per-postmortem HTTP endpoint, with a body that would be valid.
fn endpoints(pm: &str, invite: &str) -> Vec<(Method, String, Option<Value>)> {
    vec![
        (Method::GET, format!("/api/postmortems/{pm}"), None),
        (Method::GET, format!("/api/postmortems/{pm}/meeting"), None),
        (
            Method::POST,
            format!("/api/postmortems/{pm}/commands"),
            Some(json!({"command_id": "x1", "type": "move_phase", "to": "silent_reading"})),
        ),
        (
            Method::POST,
            format!("/api/postmortems/{pm}/join"),
            Some(json!({"name": "x"})),
        ),
        (Method::GET, format!("/api/postmortems/{pm}/invites"), None),
        (
            Method::POST,
            format!("/api/postmortems/{pm}/invites"),
            Some(json!({"role": "facilitator"})),
        ),
        (
            Method::DELETE,
            format!("/api/postmortems/{pm}/invites/{invite}"),
            None,
        ),
    ]
}

async fn socket_status(url: &str) -> u16 {
    match tokio_tungstenite::connect_async(url).await {
        Ok(_) => 101,
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => r.status().as_u16(),
        Err(e) => panic!("{url}: {e}"),
    }
}

#[tokio::test]
async fn bad_tokens_are_refused_everywhere_and_change_nothing() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("target").await.unwrap();
    let other = server.create_postmortem("other").await.unwrap();
    let facilitator = pm.token("facilitator");
    // A tampered token: this postmortem's claims, another one's signature.
    let (claims, _) = facilitator.split_once('.').unwrap();
    let (_, signature) = other.token("facilitator").split_once('.').unwrap();
    let tampered = format!("{claims}.{signature}");
    // A revoked link.
    let minted = server
        .call(
            Method::POST,
            &format!("/api/postmortems/{}/invites", pm.id),
            facilitator,
            Some(json!({"role": "facilitator"})),
        )
        .await
        .1;
    let revoked = minted["token"].as_str().unwrap().to_owned();
    let (status, _) = server
        .call(
            Method::DELETE,
            &format!(
                "/api/postmortems/{}/invites/{}",
                pm.id,
                minted["id"].as_str().unwrap()
            ),
            facilitator,
            None,
        )
        .await;
    assert_eq!(status, 200);

    let before_meeting = server
        .call(
            Method::GET,
            &format!("/api/postmortems/{}/meeting", pm.id),
            ADMIN_TOKEN,
            None,
        )
        .await
        .1;
    let before_invites = server
        .call(
            Method::GET,
            &format!("/api/postmortems/{}/invites", pm.id),
            ADMIN_TOKEN,
            None,
        )
        .await
        .1;

    let bad: [(&str, &str, u16); 5] = [
        ("empty", "", 401),
        ("garbage", "not-a-token", 401),
        ("another postmortem's", other.token("facilitator"), 403),
        ("tampered", &tampered, 401),
        ("revoked", &revoked, 401),
    ];
    for (what, token, expected) in bad {
        for (method, path, body) in endpoints(&pm.id, &pm.invites["viewer"]) {
            let (status, answer) = server.call(method.clone(), &path, token, body).await;
            assert_eq!(status, expected, "{what} token, {method} {path}: {answer}");
            assert!(answer["error"].is_string(), "{what}, {path}: a JSON error");
        }
        for url in [
            server.ws_url(&pm.id, token),
            server.meeting_url(&pm.id, token),
        ] {
            assert_eq!(socket_status(&url).await, expected, "{what} token, {url}");
        }
    }
    // Admin-only endpoints refuse every invite token.
    for role in ["facilitator", "author", "participant", "viewer"] {
        let (status, _) = server
            .call(Method::GET, "/api/postmortems", pm.token(role), None)
            .await;
        assert_eq!(status, 401, "{role} listed postmortems");
        let (status, _) = server
            .call(
                Method::POST,
                "/api/postmortems",
                pm.token(role),
                Some(json!({"title": "x"})),
            )
            .await;
        assert_eq!(status, 401, "{role} created a postmortem");
    }

    // Nothing that was refused changed anything.
    let after_meeting = server
        .call(
            Method::GET,
            &format!("/api/postmortems/{}/meeting", pm.id),
            ADMIN_TOKEN,
            None,
        )
        .await
        .1;
    let after_invites = server
        .call(
            Method::GET,
            &format!("/api/postmortems/{}/invites", pm.id),
            ADMIN_TOKEN,
            None,
        )
        .await
        .1;
    assert_eq!(before_meeting["state"], after_meeting["state"]);
    assert_eq!(before_invites, after_invites);
    let listed = server
        .call(Method::GET, "/api/postmortems", ADMIN_TOKEN, None)
        .await
        .1;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    // And the real tokens still work.
    Client::connect(&server.ws_url(&pm.id, facilitator))
        .await
        .unwrap();
}
