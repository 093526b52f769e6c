//! The facilitator mints and revokes invite links; a revoked link stops
//! working everywhere at once, including sockets already open with it.

use casebook_core::close;
use casebook_e2e::{Client, Server, ADMIN_TOKEN};
use serde_json::json;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn the_facilitator_mints_a_link_and_revoking_it_closes_its_sockets() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("invites").await.unwrap();
    let invites = format!("/api/postmortems/{}/invites", pm.id);
    let facilitator = pm.token("facilitator");

    let (status, minted) = server
        .call(
            reqwest::Method::POST,
            &invites,
            facilitator,
            Some(json!({"role": "participant", "expires_in_days": 2})),
        )
        .await;
    assert_eq!(status, 201, "{minted}");
    assert_eq!(minted["role"], "participant");
    let token = minted["token"].as_str().unwrap().to_owned();
    let invite_id = minted["id"].as_str().unwrap().to_owned();
    let lifetime = minted["expires_at"].as_u64().unwrap() - minted["created_at"].as_u64().unwrap();
    assert_eq!(lifetime, 2 * 86_400);
    assert!(minted["link"].as_str().unwrap().ends_with(&token));

    // The new link works, for the socket and the API.
    let url = server.ws_url(&pm.id, &token);
    let guest = Client::connect(&url).await.unwrap();
    let guest_in_room = Client::connect(&server.meeting_url(&pm.id, &token))
        .await
        .unwrap();
    let author = Client::connect(&server.ws_url(&pm.id, pm.token("author")))
        .await
        .unwrap();
    guest.push("ゲスト");
    author.wait_text("ゲスト", WAIT).await.unwrap();
    let info = server
        .call(
            reqwest::Method::GET,
            &format!("/api/postmortems/{}", pm.id),
            &token,
            None,
        )
        .await;
    assert_eq!(info.0, 200);
    assert_eq!(info.1["role"], "participant");

    // The four links made with the postmortem plus the new one are listed.
    let (_, list) = server
        .call(reqwest::Method::GET, &invites, facilitator, None)
        .await;
    assert_eq!(list.as_array().unwrap().len(), 5);

    // Revoke: the open socket closes, the link no longer opens anything.
    let (status, revoked) = server
        .call(
            reqwest::Method::DELETE,
            &format!("{invites}/{invite_id}"),
            facilitator,
            None,
        )
        .await;
    assert_eq!(status, 200, "{revoked}");
    assert!(revoked["revoked_at"].is_u64());
    assert!(
        revoked["token"].is_null(),
        "a revoked invite no longer shows its token"
    );
    let closed = guest.wait_closed(WAIT).await.unwrap();
    assert_eq!(closed.code, close::INVITE_REVOKED, "{closed:?}");
    // The meeting room too: it shows the meeting as it happens.
    let closed = guest_in_room.wait_closed(WAIT).await.unwrap();
    assert_eq!(closed.code, close::INVITE_REVOKED, "{closed:?}");
    assert!(author.closed().is_none(), "others stay connected");
    let info = server
        .call(
            reqwest::Method::GET,
            &format!("/api/postmortems/{}", pm.id),
            &token,
            None,
        )
        .await;
    assert_eq!(info.0, 401);
    assert!(info.1["error"].as_str().unwrap().contains("revoked"));
    match tokio_tungstenite::connect_async(&url).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status(), 401),
        other => panic!("a revoked link must be refused: {other:?}"),
    }
    // Revoking again answers the same; an unknown invite is 404.
    let again = server
        .call(
            reqwest::Method::DELETE,
            &format!("{invites}/{invite_id}"),
            facilitator,
            None,
        )
        .await;
    assert_eq!(
        (again.0, &again.1["revoked_at"]),
        (200, &revoked["revoked_at"])
    );
    let unknown = server
        .call(
            reqwest::Method::DELETE,
            &format!("{invites}/nope"),
            facilitator,
            None,
        )
        .await;
    assert_eq!(unknown.0, 404);
    // What the guest wrote before stays.
    assert_eq!(author.text(), "ゲスト");
}

#[tokio::test]
async fn only_the_facilitator_and_the_admin_manage_invites() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("who mints").await.unwrap();
    let other = server.create_postmortem("other").await.unwrap();
    let invites = format!("/api/postmortems/{}/invites", pm.id);
    let body = json!({"role": "facilitator"});
    for role in ["author", "participant", "viewer"] {
        let (status, _) = server
            .call(
                reqwest::Method::POST,
                &invites,
                pm.token(role),
                Some(body.clone()),
            )
            .await;
        assert_eq!(status, 403, "{role} minted a link");
        let (status, _) = server
            .call(reqwest::Method::GET, &invites, pm.token(role), None)
            .await;
        assert_eq!(status, 403, "{role} listed links");
        let revoke = format!("{invites}/{}", pm.invites["facilitator"]);
        let (status, _) = server
            .call(reqwest::Method::DELETE, &revoke, pm.token(role), None)
            .await;
        assert_eq!(status, 403, "{role} revoked a link");
    }
    // Another postmortem's facilitator is a stranger here.
    let (status, _) = server
        .call(
            reqwest::Method::POST,
            &invites,
            other.token("facilitator"),
            Some(body.clone()),
        )
        .await;
    assert_eq!(status, 403);
    // Bad input is refused and mints nothing.
    for bad in [
        json!({"role": "admin"}),
        json!({"role": "viewer", "expires_in_days": 0}),
        json!({"role": "viewer", "expires_in_days": 9999}),
    ] {
        let (status, _) = server
            .call(
                reqwest::Method::POST,
                &invites,
                pm.token("facilitator"),
                Some(bad.clone()),
            )
            .await;
        assert_eq!(status, 400, "{bad}");
    }
    let (_, list) = server
        .call(reqwest::Method::GET, &invites, ADMIN_TOKEN, None)
        .await;
    assert_eq!(list.as_array().unwrap().len(), 4, "nothing was minted");
    // The admin may.
    let (status, _) = server
        .call(reqwest::Method::POST, &invites, ADMIN_TOKEN, Some(body))
        .await;
    assert_eq!(status, 201);
    let (status, _) = server
        .call(
            reqwest::Method::POST,
            "/api/postmortems/missing/invites",
            ADMIN_TOKEN,
            Some(json!({"role": "viewer"})),
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn joining_with_a_name_gives_a_personal_token_that_revocation_still_reaches() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("join").await.unwrap();
    let join = format!("/api/postmortems/{}/join", pm.id);
    let shared = pm.token("participant");

    let (status, aiko) = server
        .call(
            reqwest::Method::POST,
            &join,
            shared,
            Some(json!({"name": " Aiko 藍子 "})),
        )
        .await;
    assert_eq!(status, 200, "{aiko}");
    assert_eq!(aiko["role"], "participant");
    assert_eq!(aiko["person"]["name"], "Aiko 藍子");
    let (_, ben) = server
        .call(
            reqwest::Method::POST,
            &join,
            shared,
            Some(json!({"name": "Ben"})),
        )
        .await;
    assert_ne!(
        aiko["person"]["id"], ben["person"]["id"],
        "one link, two people"
    );
    let personal = aiko["token"].as_str().unwrap();

    // The personal token opens what the shared one opens.
    let info = server
        .call(
            reqwest::Method::GET,
            &format!("/api/postmortems/{}", pm.id),
            personal,
            None,
        )
        .await;
    assert_eq!((info.0, &info.1["role"]), (200, &json!("participant")));
    Client::connect(&server.ws_url(&pm.id, personal))
        .await
        .unwrap();

    // Renaming keeps the person.
    let (status, renamed) = server
        .call(
            reqwest::Method::POST,
            &join,
            personal,
            Some(json!({"name": "藍子"})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(renamed["person"]["id"], aiko["person"]["id"]);
    assert_eq!(renamed["person"]["name"], "藍子");
    assert_eq!(
        renamed["person"].get("team"),
        None,
        "no team given, none kept"
    );

    // A team next to the name: kept trimmed; blank is none.
    let (status, in_team) = server
        .call(
            reqwest::Method::POST,
            &join,
            personal,
            Some(json!({"name": "藍子", "team": "  決済  チーム "})),
        )
        .await;
    assert_eq!(status, 200, "{in_team}");
    assert_eq!(in_team["person"]["id"], aiko["person"]["id"]);
    assert_eq!(in_team["person"]["team"], "決済 チーム");
    let (status, blank) = server
        .call(
            reqwest::Method::POST,
            &join,
            shared,
            Some(json!({"name": "Cai", "team": " "})),
        )
        .await;
    assert_eq!(status, 200, "{blank}");
    assert_eq!(blank["person"].get("team"), None, "{blank}");

    // Bad names and the admin are refused.
    for bad in [
        json!({"name": "  "}),
        json!({"name": "x".repeat(61)}),
        json!({"name": "a\u{7}b"}),
        json!({}),
        json!({"name": "Ben", "team": "x".repeat(41)}),
        json!({"name": "Ben", "team": "a\u{7}b"}),
        json!({"name": "Ben", "team": 7}),
    ] {
        let (status, _) = server
            .call(reqwest::Method::POST, &join, shared, Some(bad.clone()))
            .await;
        assert_eq!(status, 400, "{bad}");
    }
    let (status, _) = server
        .call(
            reqwest::Method::POST,
            &join,
            ADMIN_TOKEN,
            Some(json!({"name": "root"})),
        )
        .await;
    assert_eq!(status, 403);

    // Revoking the shared link revokes every personal token made from it.
    let revoke = format!(
        "/api/postmortems/{}/invites/{}",
        pm.id, pm.invites["participant"]
    );
    let (status, _) = server
        .call(
            reqwest::Method::DELETE,
            &revoke,
            pm.token("facilitator"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let info = server
        .call(
            reqwest::Method::GET,
            &format!("/api/postmortems/{}", pm.id),
            personal,
            None,
        )
        .await;
    assert_eq!(info.0, 401);
    let (status, _) = server
        .call(
            reqwest::Method::POST,
            &join,
            shared,
            Some(json!({"name": "late"})),
        )
        .await;
    assert_eq!(status, 401);
}

/// The meeting page lists the links with the facilitator's own marked, and
/// the server will not let a facilitator revoke the link they are using
/// (they would lock themselves out mid-meeting); another facilitator link or
/// the admin may.
#[tokio::test]
async fn a_facilitator_cannot_revoke_their_own_link_but_the_admin_can() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("own link").await.unwrap();
    let invites = format!("/api/postmortems/{}/invites", pm.id);
    let own = pm.invites["facilitator"].clone();
    let sre = server.join(&pm, "facilitator", "SRE 佐藤").await;

    for token in [pm.token("facilitator"), sre.token.as_str()] {
        let (status, list) = server
            .call(reqwest::Method::GET, &invites, token, None)
            .await;
        assert_eq!(status, 200, "{list}");
        let yours: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["yours"] == true)
            .map(|i| i["id"].as_str().unwrap())
            .collect();
        assert_eq!(yours, [own.as_str()], "{list}");

        let (status, refused) = server
            .call(
                reqwest::Method::DELETE,
                &format!("{invites}/{own}"),
                token,
                None,
            )
            .await;
        assert_eq!(status, 409, "{refused}");
        assert!(refused["error"].as_str().unwrap().contains("lock you out"));
    }
    // Nothing changed: the link still opens the postmortem.
    let (status, _) = server
        .get(
            &format!("/api/postmortems/{}", pm.id),
            pm.token("facilitator"),
        )
        .await;
    assert_eq!(status, 200);

    let (_, list) = server
        .call(reqwest::Method::GET, &invites, ADMIN_TOKEN, None)
        .await;
    assert!(
        list.as_array().unwrap().iter().all(|i| i["yours"] == false),
        "{list}"
    );
    let (status, revoked) = server
        .call(
            reqwest::Method::DELETE,
            &format!("{invites}/{own}"),
            ADMIN_TOKEN,
            None,
        )
        .await;
    assert_eq!(status, 200, "{revoked}");
    let (status, _) = server
        .get(
            &format!("/api/postmortems/{}", pm.id),
            pm.token("facilitator"),
        )
        .await;
    assert_eq!(status, 401);
}
