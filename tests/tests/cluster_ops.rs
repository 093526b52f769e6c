//! Cluster mode, the operations side (issue 14), on three real `nats-server`
//! processes (fsync on every write, replicas 3) and two Casebook nodes:
//!
//! - a single node's backup restores into a cluster, and a backup of the
//!   cluster taken through one node while a client types on the other
//!   restores into a single node: one moment of every document, with the
//!   meeting, versions, images and the same links;
//! - presence is cluster-wide: people on node A see people on node B in the
//!   document's presence list and the meeting room's readers, and stop
//!   seeing them when they leave;
//! - an invite revoked on one node closes its sockets on the other within
//!   a second;
//! - a case published through one node is found by the library of the
//!   other, which never had the meeting loaded.
//!
//! A missing `nats-server` fails these tests (see `casebook_e2e::cluster`).

use anyhow::Result;
use casebook_e2e::cluster::NatsCluster;
use casebook_e2e::images;
use casebook_e2e::{
    gap_free_chunks, printed, report, run_casebook, server_text, Client, Created, Endpoint, Server,
    Typing,
};
use serde_json::json;
use std::ffi::OsStr;
use std::process::Output;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(20);

/// Runs the `casebook` binary off the runtime.
async fn casebook(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
        run_casebook(&args)
    })
    .await
    .expect("casebook ran")
}

/// Uploads a GIF into `pm`; its address.
async fn upload(server: &Endpoint, pm: &Created) -> Result<String> {
    let (status, uploaded) =
        images::upload(server, &pm.id, pm.token("author"), None, images::gif()).await;
    assert_eq!(status, 201, "{uploaded}");
    Ok(uploaded["url"].as_str().expect("an address").to_owned())
}

/// What a restored copy must still hold of `pm`: its phase, a version with
/// `label`, the image at `image`, and the old links.
async fn holds(server: &Endpoint, pm: &Created, phase: &str, label: &str, image: &str) {
    let sre = server.person(&pm.id, pm.token("facilitator"));
    let (status, meeting) = sre.get("/meeting").await;
    assert_eq!(status, 200, "{meeting}");
    assert_eq!(meeting["state"]["phase"], phase, "{meeting}");
    let (status, versions) = sre.get("/versions").await;
    assert_eq!(status, 200, "{versions}");
    assert!(versions.to_string().contains(label), "{versions}");
    let served = server.http.get(server.url(image)).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.bytes().await.unwrap().as_ref(), images::gif());
    let (status, invites) = sre.get("/invites").await;
    assert_eq!(status, 200, "{invites}");
    assert!(
        invites.to_string().contains(&pm.invites["author"]),
        "{invites}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backups_go_from_a_single_node_into_a_cluster_and_back() -> Result<()> {
    let temp = tempfile::tempdir()?;

    // A single node with a postmortem in its meeting, a version and an image.
    let single = Server::start().await?;
    let first = single.create_postmortem("単一ノード single").await?;
    let writer = Client::connect(&single.ws_url(&first.id, first.token("author"))).await?;
    writer.push("一台目の本文 😀");
    // Stored before anything below reads it (the push only sends it).
    let reader = Client::connect(&single.ws_url(&first.id, first.token("viewer"))).await?;
    reader.wait_text("一台目の本文 😀", WAIT).await?;
    let sre = single.person(&first.id, first.token("facilitator"));
    sre.ok(json!({"type": "move_phase", "to": "silent_reading"}))
        .await;
    let (status, saved) = single
        .post(
            &format!("/api/postmortems/{}/versions", first.id),
            first.token("facilitator"),
            json!({"label": "版 one"}),
        )
        .await;
    assert_eq!(status, 201, "{saved}");
    let image = upload(&single, &first).await?;
    let text = server_text(&single, &first).await?;
    assert_eq!(text, "一台目の本文 😀");

    let one = temp.path().join("one");
    let output = casebook(vec![
        "backup".into(),
        one.display().to_string(),
        "--server".into(),
        single.url(""),
    ])
    .await;
    assert!(output.status.success(), "{}", printed(&output));

    // Into a cluster no node runs on yet; a second restore is refused.
    let nats = NatsCluster::start().await?;
    let restore = |from: &std::path::Path| {
        casebook(vec![
            "restore".into(),
            from.display().to_string(),
            "--nats-url".into(),
            nats.urls(),
        ])
    };
    let output = restore(&one).await;
    assert!(output.status.success(), "{}", printed(&output));
    assert!(
        printed(&output).contains("1 postmortems"),
        "{}",
        printed(&output)
    );
    let again = restore(&one).await;
    assert!(!again.status.success());
    assert!(
        printed(&again).contains("already holds postmortems"),
        "{}",
        printed(&again)
    );

    // Both nodes serve it with the old links: text, meeting, version, image.
    let (a, b) = tokio::join!(nats.node("a", &[]), nats.node("b", &[]));
    let (a, b) = (a?, b?);
    for server in [&*a, &*b] {
        assert_eq!(server_text(server, &first).await?, text);
        holds(server, &first, "silent_reading", "版 one", &image).await;
    }

    // A backup through B while a writer types through A: one moment of the
    // document, with no gap, holding at least what a reader had seen.
    let second = a.create_postmortem("クラスタ cluster").await?;
    let watcher = Client::connect(&b.ws_url(&second.id, second.token("viewer"))).await?;
    let typist = Client::connect(&a.ws_url(&second.id, second.token("author"))).await?;
    let typing = Typing::start(typist, Duration::from_millis(10));
    watcher.wait_until(WAIT, |c| c.text().len() > 100).await?;
    let seen_before = gap_free_chunks(&watcher.text());
    let two = temp.path().join("two");
    let output = casebook(vec![
        "backup".into(),
        two.display().to_string(),
        "--server".into(),
        b.url(""),
    ])
    .await;
    let typist = typing.stop().await;
    assert!(output.status.success(), "{}", printed(&output));
    let final_text = typist.text();
    watcher.wait_text(&final_text, WAIT).await?;

    // Into a single node's data directory.
    let data_dir = temp.path().join("restored");
    let output = casebook(vec![
        "restore".into(),
        two.display().to_string(),
        data_dir.display().to_string(),
    ])
    .await;
    assert!(output.status.success(), "{}", printed(&output));
    let restored = Server::start_in(&data_dir, &[]).await?;
    assert_eq!(server_text(&restored, &first).await?, text);
    holds(&restored, &first, "silent_reading", "版 one", &image).await;
    let then = server_text(&restored, &second).await?;
    let restored_chunks = gap_free_chunks(&then);
    assert!(final_text.starts_with(&then));
    assert!(
        restored_chunks >= seen_before,
        "the backup lacks chunks a reader saw before it started: {restored_chunks} < {seen_before}"
    );
    report(&format!(
        "cluster backup: {restored_chunks} of {} chunks typed through the other node in the backup (a reader had seen {seen_before} when it started)",
        gap_free_chunks(&final_text)
    ));
    Ok(())
}

/// The readers a meeting room shows, by name, sorted.
fn readers(room: &Client) -> Vec<String> {
    let mut names: Vec<String> = room
        .map_json("meeting", "reading")
        .and_then(|reading| {
            reading["readers"].as_array().map(|all| {
                all.iter()
                    .filter_map(|r| r["display_name"].as_str().map(str::to_owned))
                    .collect()
            })
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_is_shared_by_every_node() -> Result<()> {
    let nats = NatsCluster::start().await?;
    let (a, b) = tokio::join!(nats.node("a", &[]), nats.node("b", &[]));
    let (a, b) = (a?, b?);
    let pm = a.create_postmortem("presence 在席").await?;

    // The document: Aoki announces on A before anyone opens it on B; B's
    // room asks A when it loads, so Sato sees Aoki without Aoki saying
    // anything again, and Aoki sees Sato.
    let aoki = Client::connect(&a.ws_url(&pm.id, pm.token("author"))).await?;
    aoki.announce(json!({"user": {"name": "Aoki"}, "typing": ["answer:c1"]}))?;
    let sato = Client::connect(&b.ws_url(&pm.id, pm.token("author"))).await?;
    sato.announce(json!({"user": {"name": "佐藤"}}))?;
    // (A client's list holds its own name too.)
    sato.wait_until(WAIT, |c| c.names_present() == ["Aoki", "佐藤"])
        .await?;
    aoki.wait_until(WAIT, |c| c.names_present() == ["Aoki", "佐藤"])
        .await?;
    // A third person on B, who says nothing, sees both, one from each node.
    let third = Client::connect(&b.ws_url(&pm.id, pm.token("viewer"))).await?;
    third
        .wait_until(WAIT, |c| c.names_present() == ["Aoki", "佐藤"])
        .await?;
    // Leaving on A takes Aoki out of the list on B.
    aoki.close();
    sato.wait_until(WAIT, |c| c.names_present() == ["佐藤"])
        .await?;

    // The meeting room: readers on both nodes are counted on both.
    let pat = a.join(&pm, "participant", "Pat 鈴木").await;
    let kenji = b.join(&pm, "participant", "Kenji").await;
    let pat_room = Client::connect(&pat.meeting_url()).await?;
    let kenji_room = Client::connect(&kenji.meeting_url()).await?;
    let both = vec!["Kenji".to_owned(), "Pat 鈴木".to_owned()];
    pat_room.wait_until(WAIT, |c| readers(c) == both).await?;
    kenji_room.wait_until(WAIT, |c| readers(c) == both).await?;
    // Kenji leaves B: A's meeting room shows only Pat again.
    kenji_room.close();
    pat_room
        .wait_until(WAIT, |c| readers(c) == ["Pat 鈴木"])
        .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invite_revoked_on_one_node_closes_its_sockets_on_the_other_within_a_second(
) -> Result<()> {
    let nats = NatsCluster::start().await?;
    let (a, b) = tokio::join!(nats.node("a", &[]), nats.node("b", &[]));
    let (a, b) = (a?, b?);
    let pm = a.create_postmortem("revoked 失効").await?;
    let mut took = Vec::new();
    for role in ["author", "participant", "viewer"] {
        let on_a = Client::connect(&a.ws_url(&pm.id, pm.token(role))).await?;
        let room_on_a = Client::connect(&a.meeting_url(&pm.id, pm.token(role))).await?;
        let revoked_at = Instant::now();
        let (status, answer) = b
            .call(
                reqwest::Method::DELETE,
                &format!("/api/postmortems/{}/invites/{}", pm.id, pm.invites[role]),
                pm.token("facilitator"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{answer}");
        // The guarantee: within a second of the revocation's answer.
        let closed = on_a.wait_closed(Duration::from_secs(1)).await?;
        took.push(revoked_at.elapsed());
        assert_eq!(closed.code, casebook_core::close::INVITE_REVOKED);
        let closed = room_on_a.wait_closed(Duration::from_secs(1)).await?;
        assert_eq!(closed.code, casebook_core::close::INVITE_REVOKED);
    }
    report(&format!(
        "cluster: a revocation through B closed the socket on A after {:?}",
        took
    ));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_library_finds_a_case_published_on_another_node() -> Result<()> {
    let nats = NatsCluster::start().await?;
    let (a, b) = tokio::join!(nats.node("a", &[]), nats.node("b", &[]));
    let (a, b) = (a?, b?);
    let pm = a.create_postmortem("キャッシュ障害 cache stampede").await?;
    let writer = Client::connect(&a.ws_url(&pm.id, pm.token("author"))).await?;
    writer.push("TTL が揃っていた");
    let search = |server: &Endpoint| {
        let url = "/api/library?q=stampede".to_owned();
        let server = server.clone();
        async move {
            let (status, answer) = server.get(&url, casebook_e2e::ADMIN_TOKEN).await;
            assert_eq!(status, 200, "{answer}");
            answer["cases"]
                .as_array()
                .map(|cases| cases.len())
                .unwrap_or_default()
        }
    };
    assert_eq!(search(&b).await, 0);
    a.person(&pm.id, pm.token("facilitator"))
        .publish_overriding("cluster test: readiness is not the point")
        .await;
    assert_eq!(search(&a).await, 1);
    // B never loaded this meeting; it follows the publication anyway.
    let started = Instant::now();
    while search(&b).await == 0 {
        assert!(started.elapsed() < WAIT, "B's library never found the case");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Reopened through B: gone from A's library too.
    b.person(&pm.id, pm.token("facilitator"))
        .ok(json!({"type": "move_phase", "to": "revision"}))
        .await;
    let started = Instant::now();
    while search(&a).await != 0 {
        assert!(started.elapsed() < WAIT, "A's library kept a reopened case");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}
