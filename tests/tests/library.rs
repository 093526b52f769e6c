//! The library through the real server: published cases are found by a
//! Japanese word, an English word, a middleware name and a tag, newest
//! first; an unpublished or reopened case never shows; the index is rebuilt
//! when it is missing at start.

use casebook_core::document::section_text_name;
use casebook_e2e::{Client, Created, Endpoint, Process, ADMIN_TOKEN};
use serde_json::{json, Value};
use std::time::Duration;
use yrs::{GetString, Text, Transact};

const WAIT: Duration = Duration::from_secs(10);

async fn write(server: &Endpoint, pm: &Created, sections: &[(&str, &str)]) {
    let writer = Client::connect(&server.ws_url(&pm.id, pm.token("author")))
        .await
        .unwrap();
    for (id, markdown) in sections {
        let text = writer
            .doc
            .get_or_insert_text(section_text_name(id).as_str());
        text.insert(&mut writer.doc.transact_mut(), 0, markdown);
    }
    let reader = Client::connect(&server.ws_url(&pm.id, pm.token("viewer")))
        .await
        .unwrap();
    let (last_id, last) = sections[sections.len() - 1];
    reader
        .wait_until(WAIT, |c| {
            let text = c
                .doc
                .get_or_insert_text(section_text_name(last_id).as_str());
            let got = text.get_string(&c.doc.transact());
            got == last
        })
        .await
        .unwrap();
}

async fn move_to(server: &Endpoint, pm: &Created, to: &str) {
    let sre = server.person(&pm.id, pm.token("facilitator"));
    sre.ok(json!({"type": "move_phase", "to": to,
        "override_reason": if to == "published" { json!("library test: the glossary is not the point") } else { Value::Null }}))
        .await;
}

async fn publish(server: &Endpoint, pm: &Created) {
    server
        .person(&pm.id, pm.token("facilitator"))
        .publish_overriding("library test: the glossary is not the point")
        .await;
}

async fn search(server: &Endpoint, token: &str, query: &str) -> Vec<String> {
    let (status, answer) = server.get(&format!("/api/library?{query}"), token).await;
    assert_eq!(status, 200, "{query}: {answer}");
    answer["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].as_str().unwrap().to_owned())
        .collect()
}

/// The action items of the first case found, as the library lists them.
async fn action_items(server: &Endpoint, token: &str, query: &str) -> Value {
    let (status, answer) = server.get(&format!("/api/library?{query}"), token).await;
    assert_eq!(status, 200, "{query}: {answer}");
    answer["cases"][0]["action_items"].clone()
}

fn cache_items() -> Value {
    json!([
        {"title": "TTLをずらす", "owner": "インフラ 田中", "due": "2026-12-24", "status": "open"},
        {"title": "Alert on cache hit ratio", "owner": "Okabe", "status": "done"},
    ])
}

fn q(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn the_library_finds_published_cases_only() {
    let mut server = Process::start().await.unwrap();
    let checkout = server.create_postmortem("Checkout outage").await.unwrap();
    write(
        &server,
        &checkout,
        &[
            ("summary", "決済が40分間止まり、切り戻しで復旧した。The failover left stale DNS caches.\n\nTags: database, 決済"),
            ("system", "Purpose: payments\nDesign: three web servers\nMiddleware: MySQL 8 on EC2, Redis"),
        ],
    )
    .await;
    let cache = server.create_postmortem("キャッシュ障害").await.unwrap();
    write(
        &server,
        &cache,
        &[
            (
                "summary",
                "キャッシュの期限切れでログインが遅くなった。\n\nタグ: キャッシュ",
            ),
            (
                "system",
                "目的: ログイン\n設計: 単一リージョン\nミドルウェア: Memcached、Nginx",
            ),
        ],
    )
    .await;
    let draft = server.create_postmortem("Unpublished draft").await.unwrap();
    write(
        &server,
        &draft,
        &[
            (
                "summary",
                "切り戻し failover MySQL database\n\nTags: database",
            ),
            ("system", "Purpose: x\nDesign: y\nMiddleware: MySQL"),
        ],
    )
    .await;
    publish(&server, &checkout).await;
    // The cache case decides two things somebody will do.
    for to in ["silent_reading", "q_and_a", "proposals"] {
        move_to(&server, &cache, to).await;
    }
    let sre = server.person(&cache.id, cache.token("facilitator"));
    sre.ok(json!({"type": "add_action_item", "title": "TTLをずらす", "owner": "インフラ 田中", "due": "2026-12-24"}))
        .await;
    let added = sre
        .ok(json!({"type": "add_action_item", "title": "Alert on cache hit ratio", "owner": "Okabe"}))
        .await;
    let id = added["events"][0]["action_item_id"]
        .as_str()
        .unwrap()
        .to_owned();
    sre.ok(json!({"type": "edit_action_item", "action_item_id": id, "title": "Alert on cache hit ratio",
        "owner": "Okabe", "status": "done"}))
        .await;
    for to in ["kudos", "revision", "published"] {
        move_to(&server, &cache, to).await;
    }
    move_to(&server, &draft, "silent_reading").await;

    // Any valid token of any postmortem may search; newest first.
    let token = draft.token("viewer");
    assert_eq!(
        search(&server, token, "q=").await,
        ["キャッシュ障害", "Checkout outage"]
    );
    assert_eq!(
        search(&server, token, &format!("q={}", q("切り戻し"))).await,
        ["Checkout outage"]
    );
    assert_eq!(
        search(&server, token, &format!("q={}", q("期限切れ"))).await,
        ["キャッシュ障害"]
    );
    assert_eq!(
        search(&server, token, "q=FAILOVER").await,
        ["Checkout outage"]
    );
    assert_eq!(
        search(&server, token, &format!("q={}", q("stale dns"))).await,
        ["Checkout outage"]
    );
    assert_eq!(
        search(&server, token, &format!("q={}", q("stale kubernetes"))).await,
        Vec::<String>::new()
    );
    assert_eq!(
        search(&server, token, "service=mysql").await,
        ["Checkout outage"]
    );
    assert_eq!(
        search(&server, token, "service=Memcached").await,
        ["キャッシュ障害"]
    );
    assert_eq!(
        search(&server, token, &format!("tag={}", q("キャッシュ"))).await,
        ["キャッシュ障害"]
    );
    assert_eq!(
        search(
            &server,
            ADMIN_TOKEN,
            &format!("tag=database&q={}", q("決済"))
        )
        .await,
        ["Checkout outage"]
    );

    let (_, answer) = server
        .call(reqwest::Method::GET, "/api/library", token, None)
        .await;
    let entry = &answer["cases"][1];
    assert_eq!(entry["services"], json!(["MySQL", "EC2", "Redis"]));
    assert_eq!(entry["tags"], json!(["database", "決済"]));
    assert!(entry["read_link"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/read/{}", checkout.id)));
    assert!(answer["services"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["name"] == "Nginx"));
    assert_eq!(answer["total"], 2);

    // Tokens: none, garbage.
    for bad in ["", "garbage"] {
        let (status, _) = server
            .call(reqwest::Method::GET, "/api/library", bad, None)
            .await;
        assert_eq!(status, 401);
    }

    // Reopened: gone from the library at once.
    move_to(&server, &checkout, "revision").await;
    assert_eq!(
        search(&server, token, &format!("q={}", q("切り戻し"))).await,
        Vec::<String>::new()
    );
    assert_eq!(
        search(&server, token, "service=mysql").await,
        Vec::<String>::new()
    );
    assert_eq!(search(&server, token, "q=").await, ["キャッシュ障害"]);

    // A case carries its action items, as published; their words and
    // owners find it.
    assert_eq!(action_items(&server, token, "q=Okabe").await, cache_items());
    assert_eq!(
        search(&server, token, &format!("q={}", q("田中"))).await,
        ["キャッシュ障害"]
    );

    // A missing index is rebuilt from the meeting logs at start, action
    // items included.
    server.stop();
    std::fs::remove_dir_all(server.data_dir.join("library-index")).unwrap();
    server.start_again().await.unwrap();
    assert_eq!(search(&server, token, "q=").await, ["キャッシュ障害"]);
    assert_eq!(action_items(&server, token, "q=").await, cache_items());
    assert_eq!(
        search(&server, token, "service=nginx").await,
        ["キャッシュ障害"]
    );
    // A damaged index is set aside and rebuilt too.
    server.stop();
    std::fs::write(
        server.data_dir.join("library-index").join("meta.json"),
        b"{not json",
    )
    .unwrap();
    server.start_again().await.unwrap();
    assert_eq!(
        search(&server, token, "service=nginx").await,
        ["キャッシュ障害"]
    );
    assert!(
        server.data_dir.join("library-index.broken").is_dir(),
        "the damaged index was set aside"
    );
    publish_again(&server, &checkout).await;
    assert_eq!(
        search(&server, token, "q=failover").await,
        ["Checkout outage"]
    );
    assert_eq!(
        search(&server, token, "q=").await,
        ["Checkout outage", "キャッシュ障害"]
    );
}

async fn publish_again(server: &Endpoint, pm: &Created) {
    move_to(server, pm, "published").await;
}
