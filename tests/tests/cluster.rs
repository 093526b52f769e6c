//! Cluster mode on real NATS JetStream: three `nats-server` processes
//! (fsync on every write, replicas 3) and two Casebook nodes, in-process
//! where the process is not the point and spawned where `kill -9` is.
//!
//! - a postmortem made on one node is served by the other, and two clients
//!   on two nodes co-edit and converge;
//! - an invite revoked on one node closes its sockets on the other;
//! - `kill -9` of the node a client edited through loses no edit another
//!   client had seen; the client reconnects through the other node;
//! - `kill -9` of the NATS stream leader mid-edit loses nothing;
//! - a meeting command on one node is seen, exactly once, on the other, and
//!   commands sent to both nodes at once are all kept, each once.
//!
//! - two nodes appending to one meeting log with the same view: the second
//!   is refused (the store's optimistic concurrency);
//! - a node refuses to start on servers that do not fsync every write,
//!   unless told to, and then warns;
//! - a log read while its stream elects a new leader (the NATS server
//!   leading it killed) waits for the new leader instead of failing.
//!
//! A missing `nats-server` fails these tests (see `casebook_e2e::cluster`).

use anyhow::Result;
use casebook_e2e::cluster::NatsCluster;
use casebook_e2e::{type_chunks, Client, Endpoint, Process, Server};
use casebook_server::nats::{ClusterSettings, NatsStore};
use casebook_server::store::{Store, StoreError};
use serde_json::json;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_node_serves_any_postmortem_and_two_nodes_co_edit() -> Result<()> {
    let nats = NatsCluster::start().await?;
    // Started at once: both make the streams, buckets and secrets; one
    // signing key wins and both use it.
    let (a, b) = tokio::join!(nats.node("a", &[]), nats.node("b", &[]));
    let (a, b) = (a?, b?);

    // Made on A, read on B, with the same links and the same admin token.
    let pm = a.create_postmortem("DB failover 障害").await?;
    let (status, answer) = b
        .get(
            &format!("/api/postmortems/{}", pm.id),
            pm.token("facilitator"),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["title"], "DB failover 障害");
    let (status, list) = b.get("/api/postmortems", casebook_e2e::ADMIN_TOKEN).await;
    assert_eq!(status, 200);
    assert!(list.to_string().contains(&pm.id), "{list}");

    // One writer on each node; both see both, and a fresh client on either
    // node reads the same text.
    let on_a = Client::connect(&a.ws_url(&pm.id, pm.token("author"))).await?;
    let on_b = Client::connect(&b.ws_url(&pm.id, pm.token("author"))).await?;
    let from_a: Vec<String> = (0..20).map(|i| format!("a{i};")).collect();
    let from_b: Vec<String> = (0..20).map(|i| format!("b{i}。")).collect();
    tokio::join!(type_chunks(&on_a, &from_a), type_chunks(&on_b, &from_b));
    let all_there = |c: &Client| {
        let text = c.text();
        from_a
            .iter()
            .chain(&from_b)
            .all(|chunk| text.contains(chunk.as_str()))
    };
    on_a.wait_until(WAIT, all_there).await?;
    on_b.wait_until(WAIT, all_there).await?;
    assert_eq!(on_a.text(), on_b.text());
    for server in [&*a, &*b] {
        let fresh = Client::connect(&server.ws_url(&pm.id, pm.token("viewer"))).await?;
        fresh.wait_text(&on_a.text(), WAIT).await?;
    }

    // An image uploaded through A is served by B; a version saved on A is
    // listed by B.
    let gif: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x01D\x00;";
    let uploaded = a
        .http
        .post(a.url(&format!("/api/postmortems/{}/images?alt=graph", pm.id)))
        .bearer_auth(pm.token("author"))
        .body(gif.to_vec())
        .send()
        .await?;
    assert_eq!(uploaded.status(), 201);
    let uploaded: serde_json::Value = uploaded.json().await?;
    let url = uploaded["url"].as_str().expect("the image's address");
    let served = b.http.get(b.url(url)).send().await?;
    assert_eq!(served.status(), 200);
    assert_eq!(served.bytes().await?.as_ref(), gif);
    let (status, saved) = a
        .post(
            &format!("/api/postmortems/{}/versions", pm.id),
            pm.token("facilitator"),
            serde_json::json!({"label": "二つのノードで"}),
        )
        .await;
    assert_eq!(status, 201, "{saved}");
    let (status, listed) = b
        .get(
            &format!("/api/postmortems/{}/versions", pm.id),
            pm.token("viewer"),
        )
        .await;
    assert_eq!(status, 200, "{listed}");
    assert!(listed.to_string().contains("二つのノードで"), "{listed}");

    // An invite revoked through B closes the sockets opened with it on A.
    let revoked = b
        .call(
            reqwest::Method::DELETE,
            &format!(
                "/api/postmortems/{}/invites/{}",
                pm.id, pm.invites["author"]
            ),
            pm.token("facilitator"),
            None,
        )
        .await;
    assert_eq!(revoked.0, 200, "{}", revoked.1);
    let closed = on_a.wait_closed(Duration::from_secs(5)).await?;
    assert_eq!(closed.code, casebook_core::close::INVITE_REVOKED);
    let (status, _) = a
        .get(&format!("/api/postmortems/{}", pm.id), pm.token("author"))
        .await;
    assert_eq!(status, 401);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_of_the_node_a_client_typed_through_loses_no_seen_edit() -> Result<()> {
    let nats = NatsCluster::start().await?;
    let mut a = nats.process_node("a").await?;
    let b = nats.process_node("b").await?;
    let pm = a.create_postmortem("node loss").await?;
    let writer = Client::connect(&a.ws_url(&pm.id, pm.token("author"))).await?;
    let observer = Client::connect(&b.ws_url(&pm.id, pm.token("viewer"))).await?;
    let chunks: Vec<String> = (0..200).map(|i| format!("<{i}>")).collect();
    // Typing goes on while the node dies.
    let typing = type_chunks(&writer, &chunks);
    let kill = async {
        observer
            .wait_until(WAIT, |c| c.text().contains("<60>"))
            .await
            .expect("the observer on B sees A's typing");
        a.kill9();
    };
    tokio::join!(typing, kill);
    let seen = observer.text();
    assert!(seen.contains("<60>"));

    // Every edit the observer on B had seen is in the cluster.
    let fresh = Client::connect(&b.ws_url(&pm.id, pm.token("viewer"))).await?;
    assert!(
        fresh.text().starts_with(&seen) || fresh.text().contains(&seen),
        "the cluster lost edits B had shown: saw {seen:?}, stored {:?}",
        fresh.text()
    );

    // The writer reconnects through B with its replica: everything it
    // typed, including what A never acknowledged, ends up there.
    let back =
        Client::connect_with_doc(&b.ws_url(&pm.id, pm.token("author")), writer.doc.clone()).await?;
    back.wait_synced().await?;
    let everything: String = chunks.concat();
    observer.wait_text(&everything, WAIT).await?;
    let fresh = Client::connect(&b.ws_url(&pm.id, pm.token("viewer"))).await?;
    fresh.wait_text(&everything, WAIT).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_of_the_nats_stream_leader_mid_edit_loses_nothing() -> Result<()> {
    let mut nats = NatsCluster::start().await?;
    let a = nats.node("a", &[]).await?;
    let b = nats.node("b", &[]).await?;
    let pm = a.create_postmortem("NATS leader loss").await?;
    let writer = Client::connect(&a.ws_url(&pm.id, pm.token("author"))).await?;
    let observer = Client::connect(&b.ws_url(&pm.id, pm.token("viewer"))).await?;
    let beside = Client::connect(&a.ws_url(&pm.id, pm.token("viewer"))).await?;
    let before: Vec<String> = (0..30).map(|i| format!("[{i}]")).collect();
    type_chunks(&writer, &before).await;
    observer
        .wait_until(WAIT, |c| c.text().contains("[29]"))
        .await?;

    let leader = nats.stream_leader("CB_DOCS").await?;
    nats.kill9(leader);
    let killed = Instant::now();
    let after: Vec<String> = (30..60).map(|i| format!("[{i}]")).collect();
    let typing = type_chunks(&writer, &after);
    let on_a = async {
        let seen = beside
            .wait_until(Duration::from_secs(40), |c| c.text().contains("[30]"))
            .await;
        (seen, killed.elapsed())
    };
    let on_b = async {
        let seen = observer
            .wait_until(Duration::from_secs(40), |c| c.text().contains("[30]"))
            .await;
        (seen, killed.elapsed())
    };
    let (_, (seen_a, pause_a), (seen_b, pause_b)) = tokio::join!(typing, on_a, on_b);
    seen_a?;
    seen_b?;
    casebook_e2e::report(&format!(
        "cluster: NATS stream leader n{leader} killed; the first edit typed after it was shown on the same node after {} ms, on the other node after {} ms",
        pause_a.as_millis(),
        pause_b.as_millis()
    ));
    let everything: String = before.iter().chain(&after).cloned().collect();
    // Broadcasts pause while a new leader is elected, then everything
    // arrives, once, in order.
    observer
        .wait_text(&everything, Duration::from_secs(40))
        .await?;
    assert!(
        writer.closed().is_none(),
        "the writer's socket stayed open: {:?}",
        writer.closed()
    );

    // The killed server comes back and catches up; a fresh client agrees.
    nats.start_again(leader).await?;
    let fresh = Client::connect(&b.ws_url(&pm.id, pm.token("viewer"))).await?;
    fresh.wait_text(&everything, WAIT).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meeting_commands_are_exactly_once_across_nodes() -> Result<()> {
    let nats = NatsCluster::start().await?;
    let a = nats.node("a", &[]).await?;
    let b = nats.node("b", &[]).await?;
    let pm = a.create_postmortem("meeting across nodes").await?;
    let sre = a.join(&pm, "facilitator", "SRE 佐藤").await;
    let sre_on_b = b.person(&pm.id, &sre.token);

    // A command on A; the same command (same command_id) retried on B adds
    // nothing; B shows the new phase.
    let moved = sre
        .ok(json!({"type": "move_phase", "to": "silent_reading", "command_id": "move-1"}))
        .await;
    assert_eq!(moved["events"].as_array().map(Vec::len), Some(1));
    let again = sre_on_b
        .ok(json!({"type": "move_phase", "to": "silent_reading", "command_id": "move-1"}))
        .await;
    assert_eq!(again["events"].as_array().map(Vec::len), Some(0), "{again}");
    let (status, meeting) = sre_on_b.get("/meeting").await;
    assert_eq!(status, 200);
    assert_eq!(meeting["state"]["phase"], "silent_reading", "{meeting}");

    // Participants on both nodes at once: every command kept, each once.
    let mut people = Vec::new();
    for i in 0..4 {
        let joined_on: &Endpoint = if i % 2 == 0 { &a } else { &b };
        people.push(joined_on.join(&pm, "participant", &format!("p{i}")).await);
    }
    let done = people
        .iter()
        .map(|p| p.ok(json!({"type": "mark_done_reading"})));
    futures_util::future::join_all(done).await;
    for server in [&*a, &*b] {
        let (status, meeting) = server
            .get(&format!("/api/postmortems/{}/meeting", pm.id), &sre.token)
            .await;
        assert_eq!(status, 200);
        let done = meeting["state"]["done_reading"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(done.len(), 4, "{meeting}");
    }

    // Published on A: B learns it at once, with no request to B. An
    // author's document socket on B is closed to reconnect with the new
    // rights (4009), and B's meeting room shows the new phase.
    let author = b.join(&pm, "author", "Aoki").await;
    let author_doc = Client::connect(&author.ws_url()).await?;
    let room_on_b = Client::connect(&b.meeting_url(&pm.id, &author.token)).await?;
    sre.publish_overriding("the review happened in the incident channel")
        .await;
    let closed = author_doc.wait_closed(Duration::from_secs(10)).await?;
    assert_eq!(
        closed.code,
        casebook_core::close::RIGHTS_CHANGED,
        "{closed:?}"
    );
    room_on_b
        .wait_until(WAIT, |c| {
            c.map_json("postmortem", "phase") == Some(json!("published"))
        })
        .await?;
    Ok(())
}

fn store_settings(nats: &NatsCluster, name: &str) -> ClusterSettings {
    ClusterSettings {
        nats_url: nats.urls(),
        nats_monitor_urls: Vec::new(),
        allow_unsafe_fsync: false,
        replicas: 3,
        node_name: name.into(),
        advertise_url: format!("http://{name}.invalid"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meeting_append_from_a_stale_view_is_refused() -> Result<()> {
    let nats = NatsCluster::start().await?;
    let (one, two) = (store_settings(&nats, "one"), store_settings(&nats, "two"));
    tokio::task::spawn_blocking(move || -> Result<()> {
        let one = NatsStore::connect(&one)?;
        let two = NatsStore::connect(&two)?;
        // Both have read the (empty) log; the first append wins.
        assert!(one.meeting_events("pm1")?.is_empty());
        assert!(two.meeting_events("pm1")?.is_empty());
        one.append_meeting_events("pm1", 0, &[b"{\"n\":1}".to_vec()])?;
        let refused = two.append_meeting_events("pm1", 0, &[b"{\"n\":2}".to_vec()]);
        assert!(
            matches!(refused, Err(StoreError::Conflict(_))),
            "{refused:?}"
        );
        // Having read the log again, the second node appends after it.
        assert_eq!(two.meeting_events("pm1")?, vec![b"{\"n\":1}".to_vec()]);
        two.append_meeting_events("pm1", 1, &[b"{\"n\":2}".to_vec(), b"{\"n\":3}".to_vec()])?;
        assert_eq!(one.meeting_events("pm1")?.len(), 3);
        // The first node's view is stale now: refused too.
        let refused = one.append_meeting_events("pm1", 1, &[b"{}".to_vec()]);
        assert!(
            matches!(refused, Err(StoreError::Conflict(_))),
            "{refused:?}"
        );
        Ok(())
    })
    .await??;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_refuses_servers_that_do_not_fsync_every_write() -> Result<()> {
    let lazy = NatsCluster::start_syncing("2m").await?;
    let flags = lazy.node_flags("a");
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let refused = Server::start_with(&flags)
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(refused.contains("sync_interval: always"), "{refused}");
    assert!(refused.contains("--nats-allow-unsafe-fsync"), "{refused}");

    // Without monitoring URLs the setting cannot be checked: refused too.
    let refused = Server::start_with(&["--nats-url", &lazy.urls()])
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(refused.contains("--nats-monitor-url"), "{refused}");

    // Told to, it starts, says so in its log, and works.
    let mut told = flags.clone();
    told.push("--nats-allow-unsafe-fsync");
    let node = Process::start_with(&told).await?;
    assert!(
        node.log().contains("--nats-allow-unsafe-fsync"),
        "{}",
        node.log()
    );
    node.create_postmortem("lazy but told").await?;
    Ok(())
}

/// A log read while the stream's leader is being elected (the NATS server
/// leading it was just killed) waits for the new leader instead of failing:
/// a meeting command or page read then answers after a pause, not with a
/// 500 (seen as such by tests/js/cluster.test.mjs before the fix).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_read_during_a_leader_election_waits_for_the_new_leader() -> Result<()> {
    let mut nats = NatsCluster::start().await?;
    let settings = store_settings(&nats, "one");
    let store = tokio::task::spawn_blocking(move || -> Result<NatsStore> {
        let store = NatsStore::connect(&settings)?;
        store.append_meeting_events("pm1", 0, &[b"{\"n\":1}".to_vec(), b"{\"n\":2}".to_vec()])?;
        Ok(store)
    })
    .await??;
    let leader = nats.stream_leader("CB_MEETINGS").await?;
    nats.kill9(leader);
    let read = tokio::task::spawn_blocking(move || store.meeting_events("pm1")).await?;
    assert_eq!(
        read.map_err(|e| anyhow::anyhow!("read refused during the election: {e}"))?,
        vec![b"{\"n\":1}".to_vec(), b"{\"n\":2}".to_vec()]
    );
    Ok(())
}

/// Every call of the store on the buckets and the object store, made right
/// after the NATS server leading that bucket's stream was killed (each
/// bucket is a stream of its own, elected separately): each waits for the
/// new leader and answers, as the logs do. Before, listing the versions
/// bucket answered a page 500 during the election (found by
/// tests/js/cluster.test.mjs on CI), and so did every listing, put and
/// image call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bucket_and_image_call_during_a_leader_election_waits_for_the_new_leader(
) -> Result<()> {
    use casebook_server::store::{InviteRecord, PostmortemRecord, PutImage};
    let mut nats = NatsCluster::start().await?;
    let settings = store_settings(&nats, "one");
    let store = tokio::task::spawn_blocking(move || -> Result<NatsStore> {
        let store = NatsStore::connect(&settings)?;
        // Something in every bucket, so each stream has a leader.
        store.append_version("pm", 0, b"v0")?;
        store.put_image("pm", "img0", b"png 0", 0)?;
        Ok(store)
    })
    .await??;
    let store = std::sync::Arc::new(store);
    let streams = [
        "KV_cb-postmortems",
        "KV_cb-invites",
        "KV_cb-versions",
        "OBJ_cb-images",
    ];
    let mut leaders = Vec::new();
    for stream in streams {
        let leader = nats.stream_leader(stream).await?;
        if !leaders.contains(&leader) {
            leaders.push(leader);
        }
    }
    for (round, leader) in leaders.into_iter().enumerate() {
        nats.kill9(leader);
        let store = std::sync::Arc::clone(&store);
        tokio::task::spawn_blocking(move || -> Result<()> {
            let during = |what: &str, e: StoreError| {
                anyhow::anyhow!("{what} refused during the election (round {round}): {e}")
            };
            let id = format!("pm{round}");
            let record = PostmortemRecord {
                id: id.clone(),
                title: format!("障害 {round} 😀"),
                created_at: 1_700_000_000 + round as u64,
                incident: None,
            };
            store
                .create_postmortem(&record)
                .map_err(|e| during("storing a postmortem", e))?;
            let listed = store
                .postmortems()
                .map_err(|e| during("listing the postmortems", e))?;
            assert!(listed.iter().any(|r| r.id == id), "{listed:?}");
            let invite = InviteRecord {
                id: format!("inv{round}"),
                postmortem: id.clone(),
                role: casebook_core::Role::Participant,
                created_at: 1,
                expires_at: u64::MAX,
                revoked_at: None,
            };
            store
                .put_invite(&invite)
                .map_err(|e| during("storing an invite", e))?;
            let invites = store
                .invites(&id)
                .map_err(|e| during("listing invites", e))?;
            assert_eq!(invites, vec![invite]);
            store
                .append_version("pm", round as u64 + 1, format!("v{}", round + 1).as_bytes())
                .map_err(|e| during("keeping a version", e))?;
            let versions = store
                .versions("pm")
                .map_err(|e| during("listing versions", e))?;
            assert_eq!(versions.len(), round + 2, "{versions:?}");
            let name = format!("img{}", round + 1);
            let put = store
                .put_image("pm", &name, b"png", 0)
                .map_err(|e| during("storing an image", e))?;
            assert!(matches!(put, PutImage::Stored | PutImage::AlreadyStored));
            let read = store
                .image("pm", &name)
                .map_err(|e| during("reading an image", e))?;
            assert_eq!(read.as_deref(), Some(&b"png"[..]));
            let ids = store
                .image_ids("pm")
                .map_err(|e| during("listing images", e))?;
            assert!(ids.contains(&name), "{ids:?}");
            store
                .delete_image("pm", &name)
                .map_err(|e| during("deleting an image", e))?;
            Ok(())
        })
        .await??;
        // Caught up before the next round's kill, so that each round is
        // one election with a quorum left (two failures before a replica
        // caught up leave a stream without one, and its calls fail after
        // the deadline; the full run on a loaded machine did that once).
        nats.start_again(leader).await?;
        nats.wait_caught_up(leader).await?;
    }
    Ok(())
}
