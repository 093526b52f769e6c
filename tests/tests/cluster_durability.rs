//! Cluster mode under failures, on real NATS JetStream (three `nats-server`
//! processes, fsync on every write, replicas 3) and real Casebook nodes:
//!
//! - `kill -9` of a NATS server that does not lead `CB_DOCS` mid-edit: every
//!   edit arrives on both nodes, no socket closes, the server catches up;
//! - rolling restart: SIGTERM each Casebook node in turn while clients on
//!   both edit; every client reconnects through the other node and every
//!   edit anyone typed is kept;
//! - `kill -9` of the node a writer types through, again and again
//!   (`CASEBOOK_CLUSTER_KILLS` cycles; `cargo xtask test --long` runs more):
//!   nothing another client saw is lost, and the time from the kill to the
//!   writer's next edit shown on the other node is printed;
//! - `kill -9` of the `CB_DOCS` leader, again and again (the same cycles):
//!   every edit arrives, the writer's socket stays open (prints the pauses);
//! - compaction of a document's log (`nats::compaction`): after it the
//!   subject holds a snapshot and a short tail, a node following the
//!   document meanwhile and a fresh node both read the same text; a crash
//!   between the snapshot and the purge (the snapshot stored, the old
//!   updates not removed), and two nodes compacting at once, lose nothing.
//!
//! - a Q&A entry is written exactly once across nodes: while another node
//!   holds the claim on it (it is between storing the answer and writing
//!   the entry), neither the node that decided the answer nor a node that
//!   loads the meeting writes it; once the claim is gone, the next node
//!   that loads the meeting writes it, once.
//!
//! A missing `nats-server` fails these tests (see `casebook_e2e::cluster`).

use anyhow::{anyhow, Result};
use casebook_e2e::cluster::NatsCluster;
use casebook_e2e::{type_chunks, Client};
use casebook_server::nats::compaction::Snapshotted;
use casebook_server::nats::{ClusterSettings, NatsStore};
use casebook_server::store::{LogEntry, Store};
use std::time::{Duration, Instant};
use yrs::updates::decoder::Decode;
use yrs::{GetString, ReadTxn, Text, Transact, Update};

const WAIT: Duration = Duration::from_secs(30);

/// The `<…>` chunks a text holds.
fn chunks_of(text: &str) -> Vec<String> {
    text.split_inclusive('>').map(str::to_owned).collect()
}

fn contains_all(text: &str, chunks: &[String]) -> bool {
    chunks.iter().all(|c| text.contains(c.as_str()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_of_a_nats_follower_mid_edit_loses_nothing() -> Result<()> {
    let mut nats = NatsCluster::start().await?;
    let a = nats.node("a", &[]).await?;
    let b = nats.process_node("b").await?;
    let pm = a.create_postmortem("NATS follower loss").await?;
    let writer = Client::connect(&a.ws_url(&pm.id, pm.token("author"))).await?;
    let observer = Client::connect(&b.ws_url(&pm.id, pm.token("viewer"))).await?;
    let before: Vec<String> = (0..20).map(|i| format!("[{i}]")).collect();
    type_chunks(&writer, &before).await;
    observer
        .wait_until(WAIT, |c| contains_all(&c.text(), &before))
        .await?;

    let leader = nats.stream_leader("CB_DOCS").await?;
    let follower = (leader + 1) % 3;
    nats.kill9(follower);
    let killed = Instant::now();
    let after: Vec<String> = (20..60).map(|i| format!("[{i}]")).collect();
    let typing = type_chunks(&writer, &after);
    let first = async {
        let seen = observer
            .wait_until(WAIT, |c| c.text().contains("[20]"))
            .await;
        (seen, killed.elapsed())
    };
    let (_, (seen, pause)) = tokio::join!(typing, first);
    seen?;
    casebook_e2e::report(&format!(
        "cluster: NATS follower n{follower} killed (leader n{leader}); the first edit typed after it was shown on the other node after {} ms",
        pause.as_millis()
    ));
    let everything: String = before.iter().chain(&after).cloned().collect();
    observer.wait_text(&everything, WAIT).await?;
    assert!(writer.closed().is_none(), "{:?}", writer.closed());
    assert!(observer.closed().is_none(), "{:?}", observer.closed());

    // Back, it catches up; with the old leader killed next, the restarted
    // server is part of the new quorum and nothing is missing.
    nats.start_again(follower).await?;
    let more: Vec<String> = (60..70).map(|i| format!("[{i}]")).collect();
    type_chunks(&writer, &more).await;
    let everything = format!("{everything}{}", more.concat());
    observer.wait_text(&everything, WAIT).await?;
    let fresh = Client::connect(&b.ws_url(&pm.id, pm.token("viewer")))
        .await
        .map_err(|e| anyhow!("{e}; log:\n{}", log_tail(&b.log())))?;
    fresh.wait_text(&everything, WAIT).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolling_restart_keeps_every_edit() -> Result<()> {
    let nats = NatsCluster::start().await?;
    let mut nodes = [nats.process_node("a").await?, nats.process_node("b").await?];
    let pm = nodes[0].create_postmortem("rolling restart").await?;
    // Two writers, one on each node to begin with; `on[i]` is writer i's
    // node. Clients replaced on reconnect are kept alive (the replacement
    // shares their document).
    let mut writers = [
        Client::connect(&nodes[0].ws_url(&pm.id, pm.token("author"))).await?,
        Client::connect(&nodes[1].ws_url(&pm.id, pm.token("author"))).await?,
    ];
    let mut on = [0usize, 1];
    let mut retired = Vec::new();
    let mut typed: Vec<String> = Vec::new();
    for (round, stopping) in [0usize, 1].into_iter().enumerate() {
        let staying = 1 - stopping;
        let observer = Client::connect(&nodes[staying].ws_url(&pm.id, pm.token("viewer"))).await?;
        let chunks = |who: usize, part: &str| -> Vec<String> {
            (0..15)
                .map(|i| format!("<r{round}{part}w{who}.{i}>"))
                .collect()
        };
        // Both type; the node stops (SIGTERM) in the middle of it.
        let (w0, w1) = (chunks(0, "a"), chunks(1, "a"));
        let typing =
            async { tokio::join!(type_chunks(&writers[0], &w0), type_chunks(&writers[1], &w1)) };
        let stop = async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let seen = observer.text();
            let victim = &mut nodes[stopping];
            tokio::task::block_in_place(|| victim.stop());
            (seen, Instant::now())
        };
        let (_, (seen, stopped)) = tokio::join!(typing, stop);
        typed.extend(w0);
        typed.extend(w1);
        // What a client on the other node had been shown is stored.
        let fresh = Client::connect(&nodes[staying].ws_url(&pm.id, pm.token("viewer"))).await?;
        // (Chunk by chunk: two writers' concurrent chunks may settle in
        // another order once the last ones arrive.)
        assert!(
            contains_all(&fresh.text(), &chunks_of(&seen)),
            "a rolling restart lost what a client was shown: {seen:?} not all in {:?}",
            fresh.text()
        );
        // The stopped node's writers reconnect through the other node with
        // their replicas and go on typing.
        for who in 0..2 {
            if on[who] != stopping {
                continue;
            }
            let closed = writers[who].wait_closed(WAIT).await?;
            assert_eq!(closed.code, casebook_core::close::RESTARTING, "{closed:?}");
            let back = Client::connect_with_doc(
                &nodes[staying].ws_url(&pm.id, pm.token("author")),
                writers[who].doc.clone(),
            )
            .await?;
            back.wait_synced().await?;
            let next = chunks(who, "b");
            type_chunks(&back, &next).await;
            let first = next[0].clone();
            observer
                .wait_until(WAIT, |c| c.text().contains(&first))
                .await?;
            casebook_e2e::report(&format!(
                "cluster: rolling restart, node {stopping} stopped; writer {who} typed again through the other node, shown there {} ms after the stop",
                stopped.elapsed().as_millis()
            ));
            typed.extend(next);
            retired.push(std::mem::replace(&mut writers[who], back));
            on[who] = staying;
        }
        nodes[stopping].start_again().await?;
    }
    // Every edit anyone typed is in the cluster, on both nodes.
    for server in &nodes {
        let fresh = Client::connect(&server.ws_url(&pm.id, pm.token("viewer"))).await?;
        fresh
            .wait_until(WAIT, |c| contains_all(&c.text(), &typed))
            .await?;
    }
    writers[0].wait_text(&writers[1].text(), WAIT).await?;
    drop(retired);
    Ok(())
}

/// The last lines of a node's log (for a failure's message).
fn log_tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

/// Kill -9 cycles of the repeated-kill test (`cargo xtask test --long` sets
/// more).
fn kill_cycles() -> usize {
    std::env::var("CASEBOOK_CLUSTER_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_of_the_writers_node_again_and_again_loses_no_seen_edit() -> Result<()> {
    let nats = NatsCluster::start().await?;
    let mut nodes = [nats.process_node("a").await?, nats.process_node("b").await?];
    let pm = nodes[0].create_postmortem("repeated kills").await?;
    let mut on = 0usize;
    let mut writer = Client::connect(&nodes[on].ws_url(&pm.id, pm.token("author"))).await?;
    let mut retired = Vec::new();
    let mut typed: Vec<String> = Vec::new();
    let mut failovers = Vec::new();
    for cycle in 0..kill_cycles() {
        let other = 1 - on;
        let observer = Client::connect(&nodes[other].ws_url(&pm.id, pm.token("viewer"))).await?;
        let chunks: Vec<String> = (0..40).map(|i| format!("<k{cycle}.{i}>")).collect();
        let mark = chunks[15].clone();
        let typing = type_chunks(&writer, &chunks);
        let kill = async {
            observer
                .wait_until(WAIT, |c| c.text().contains(&mark))
                .await
                .expect("the observer sees the writer's typing");
            let seen = observer.text();
            nodes[on].kill9();
            (seen, Instant::now())
        };
        let (_, (seen, killed)) = tokio::join!(typing, kill);
        typed.extend(chunks);
        let fresh = Client::connect(&nodes[other].ws_url(&pm.id, pm.token("viewer"))).await?;
        assert!(
            contains_all(&fresh.text(), &chunks_of(&seen)),
            "cycle {cycle}: the cluster lost edits a client was shown: {seen:?} not all in {:?}",
            fresh.text()
        );
        // Failover as a client sees it: the socket drops, it reconnects
        // through the other node and its next edit is shown there.
        writer.wait_closed(WAIT).await?;
        let back = Client::connect_with_doc(
            &nodes[other].ws_url(&pm.id, pm.token("author")),
            writer.doc.clone(),
        )
        .await?;
        // (An edit sent before the handshake would build on ones the node
        // has not had yet: refused, 1003.)
        back.wait_synced().await?;
        let again = format!("<k{cycle}.after>");
        back.push(&again);
        if let Err(e) = observer
            .wait_until(WAIT, |c| c.text().contains(&again))
            .await
        {
            return Err(anyhow!(
                "cycle {cycle}: {e}; observer closed: {:?}, writer closed: {:?}; the node's log ends:\n{}",
                observer.closed(),
                back.closed(),
                log_tail(&nodes[other].log())
            ));
        }
        failovers.push(killed.elapsed().as_millis());
        typed.push(again);
        retired.push(std::mem::replace(&mut writer, back));
        nodes[on].start_again().await?;
        on = other;
    }
    casebook_e2e::report(&format!(
        "cluster: kill -9 of the writer's node, {} times: from the kill to its next edit shown through the other node (ms): {failovers:?}",
        failovers.len()
    ));
    for server in &nodes {
        let fresh = Client::connect(&server.ws_url(&pm.id, pm.token("viewer"))).await?;
        fresh
            .wait_until(WAIT, |c| contains_all(&c.text(), &typed))
            .await?;
    }
    drop(retired);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_of_the_nats_stream_leader_again_and_again_loses_nothing() -> Result<()> {
    let mut nats = NatsCluster::start().await?;
    let a = nats.node("a", &[]).await?;
    let b = nats.node("b", &[]).await?;
    let pm = a.create_postmortem("NATS leader, again and again").await?;
    let writer = Client::connect(&a.ws_url(&pm.id, pm.token("author"))).await?;
    let observer = Client::connect(&b.ws_url(&pm.id, pm.token("viewer"))).await?;
    let mut typed: Vec<String> = Vec::new();
    let mut pauses = Vec::new();
    for cycle in 0..kill_cycles() {
        let before: Vec<String> = (0..10).map(|i| format!("{{l{cycle}.{i}}}")).collect();
        type_chunks(&writer, &before).await;
        typed.extend(before);
        observer
            .wait_until(WAIT, |c| contains_all(&c.text(), &typed))
            .await?;
        let leader = nats.stream_leader("CB_DOCS").await?;
        nats.kill9(leader);
        let killed = Instant::now();
        let after: Vec<String> = (10..20).map(|i| format!("{{l{cycle}.{i}}}")).collect();
        type_chunks(&writer, &after).await;
        typed.extend(after);
        observer
            .wait_until(Duration::from_secs(40), |c| contains_all(&c.text(), &typed))
            .await?;
        pauses.push(killed.elapsed().as_millis());
        nats.start_again(leader).await?;
    }
    casebook_e2e::report(&format!(
        "cluster: kill -9 of the CB_DOCS leader, {} times: from the kill to every edit typed after it shown on the other node (ms): {pauses:?}",
        pauses.len()
    ));
    assert!(writer.closed().is_none(), "{:?}", writer.closed());
    let fresh = Client::connect(&b.ws_url(&pm.id, pm.token("viewer"))).await?;
    fresh
        .wait_until(WAIT, |c| contains_all(&c.text(), &typed))
        .await?;
    assert_eq!(fresh.text(), observer.text());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compacted_log_loads_the_same_text_on_a_fresh_node() -> Result<()> {
    let nats = NatsCluster::start().await?;
    // A compacts every 10 of its updates; B follows meanwhile.
    let a = nats.node("a", &["--snapshot-every", "10"]).await?;
    let b = nats.node("b", &[]).await?;
    let pm = a.create_postmortem("compaction 圧縮").await?;
    let writer = Client::connect(&a.ws_url(&pm.id, pm.token("author"))).await?;
    let follower = Client::connect(&b.ws_url(&pm.id, pm.token("viewer"))).await?;
    let chunks: Vec<String> = (0..80).map(|i| format!("(圧{i})")).collect();
    type_chunks(&writer, &chunks).await;
    let everything = chunks.concat();
    follower.wait_text(&everything, WAIT).await?;

    let settings = store_settings(&nats, "inspector");
    let doc = pm.id.clone();
    let held = tokio::task::spawn_blocking(move || -> Result<usize> {
        let store = NatsStore::connect(&settings)?;
        // Compactions run in the background after every tenth update.
        let started = Instant::now();
        loop {
            let held = store.doc_log_len(&doc)?;
            if held < 20 || started.elapsed() > WAIT {
                return Ok(held);
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    })
    .await??;
    assert!(
        held < 20,
        "80 updates, compacted every 10: the log still holds {held} messages"
    );
    // A node that never had the document loads it from the snapshot and
    // the tail; the node that followed it through the purges agrees.
    let c = nats.node("c", &[]).await?;
    let fresh = Client::connect(&c.ws_url(&pm.id, pm.token("viewer"))).await?;
    fresh.wait_text(&everything, WAIT).await?;
    assert_eq!(follower.text(), everything);
    // Editing goes on after it, on every node.
    writer.push("(後)");
    fresh.wait_text(&format!("{everything}(後)"), WAIT).await?;
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

/// The text a store's log of `doc` holds, loaded as a room does.
fn stored_text(store: &NatsStore, doc: &str) -> Result<String> {
    let stored = store.load_doc(doc)?;
    let rebuilt = yrs::Doc::new();
    for (_, update) in &stored.tail {
        rebuilt
            .transact_mut()
            .apply_update(Update::decode_v1(update)?)
            .map_err(|e| anyhow!("{e}"))?;
    }
    let body = rebuilt.get_or_insert_text("body");
    let text = body.get_string(&rebuilt.transact());
    Ok(text)
}

/// Appends `chunks` to `doc`'s log as updates of one editor, flushed.
fn append(store: &NatsStore, doc: &str, editor: &yrs::Doc, chunks: &[String]) -> Result<()> {
    let body = editor.get_or_insert_text("body");
    let mut entries = Vec::new();
    for chunk in chunks {
        let before = editor.transact().state_vector();
        {
            let mut txn = editor.transact_mut();
            let end = body.len(&txn);
            body.insert(&mut txn, end, chunk);
        }
        let update = editor.transact().encode_state_as_update_v1(&before);
        entries.push(LogEntry {
            doc_id: doc.to_owned(),
            seq: 0,
            update,
        });
    }
    store.append_updates(&entries)?;
    store.flush()?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_snapshot_and_purge_and_two_compactions_at_once_lose_nothing() -> Result<()>
{
    let nats = NatsCluster::start().await?;
    let (one, two) = (store_settings(&nats, "one"), store_settings(&nats, "two"));
    tokio::task::spawn_blocking(move || -> Result<()> {
        let one = NatsStore::connect(&one)?;
        let two = std::sync::Arc::new(NatsStore::connect(&two)?);
        let editor = yrs::Doc::new();
        let first: Vec<String> = (0..30).map(|i| format!("{i}、")).collect();
        append(&one, "d", &editor, &first)?;
        let expected = first.concat();
        assert_eq!(stored_text(&two, "d")?, expected);

        // The snapshot is stored and the node dies before purging: the log
        // holds the old updates and the snapshot; it loads the same text.
        let snapshotted = one.publish_snapshot("d")?;
        let Snapshotted::Stored { upto } = snapshotted else {
            return Err(anyhow!("no snapshot stored: {snapshotted:?}"));
        };
        assert_eq!(one.doc_log_len("d")?, 31);
        assert_eq!(stored_text(&two, "d")?, expected);

        // Updates stored after it, then two nodes compact at once (one of
        // them the crashed compaction's purge, late): nothing is lost.
        let second: Vec<String> = (30..50).map(|i| format!("{i}。")).collect();
        append(&one, "d", &editor, &second)?;
        let expected = format!("{expected}{}", second.concat());
        let other = std::sync::Arc::clone(&two);
        let racing = std::thread::spawn(move || other.compact_doc("d"));
        one.compact_doc("d")?;
        one.purge_doc_upto("d", upto)?;
        racing
            .join()
            .map_err(|_| anyhow!("compaction panicked"))??;
        assert_eq!(stored_text(&two, "d")?, expected);
        assert_eq!(stored_text(&one, "d")?, expected);
        assert!(
            one.doc_log_len("d")? <= 2,
            "compacted twice, the log holds {} messages",
            one.doc_log_len("d")?
        );
        // Compacting a compact log changes nothing.
        let len = one.doc_log_len("d")?;
        if len == 1 {
            assert_eq!(one.publish_snapshot("d")?, Snapshotted::AlreadyCompact);
        }
        one.compact_doc("d")?;
        assert_eq!(stored_text(&two, "d")?, expected);
        assert_eq!(one.doc_log_len("d")?, 1);
        Ok(())
    })
    .await??;
    Ok(())
}

fn qa_section(client: &Client) -> String {
    let text = client.doc.get_or_insert_text(
        casebook_core::document::section_text_name(casebook_core::document::QA_SECTION).as_str(),
    );
    let txn = client.doc.transact();
    text.get_string(&txn)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_qa_entry_is_written_once_across_nodes() -> Result<()> {
    let nats = NatsCluster::start().await?;
    let a = nats.node("a", &[]).await?;
    let pm = a.create_postmortem("entries across nodes").await?;
    let sre = a.join(&pm, "facilitator", "Sara").await;
    let author = a.join(&pm, "author", "Aoki").await;
    let reader = a.join(&pm, "participant", "Pat").await;
    let (doc_on_a, anchor) = author.anchored_summary().await;
    let asked = reader
        .ok(serde_json::json!({ "type": "post_comment", "kind": "question", "anchor": anchor, "text": "Why not RDS?" }))
        .await;
    let q = asked["events"][0]["comment_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    sre.ok(serde_json::json!({ "type": "move_phase", "to": "silent_reading" }))
        .await;
    sre.ok(serde_json::json!({ "type": "move_phase", "to": "q_and_a" }))
        .await;

    // Another node claims the entry of the answer about to be stored (its
    // place in the meeting log), as the node that decides an answer does.
    let settings = store_settings(&nats, "elsewhere");
    let pm_id = pm.id.clone();
    let (store, key) = tokio::task::spawn_blocking(move || -> Result<(NatsStore, String)> {
        let store = NatsStore::connect(&settings)?;
        let key = store.meeting_events(&pm_id)?.len().to_string();
        assert!(store.claim(&pm_id, &key)?, "the first claim wins");
        assert!(store.claim(&pm_id, &key)?, "the same process keeps it");
        Ok((store, key))
    })
    .await??;
    let store = std::sync::Arc::new(store);

    // The answer is decided on A; a node started now loads the meeting.
    let answered = sre
        .ok(serde_json::json!({ "type": "answer_question", "comment_id": q, "text": "Cost." }))
        .await;
    assert_eq!(
        answered["events"].as_array().map(Vec::len),
        Some(1),
        "{answered}"
    );
    let entry = casebook_core::comment::qa_entry_markdown("Why not RDS?", "Cost.");
    let c = nats.node("c", &[]).await?;
    let (status, _) = c
        .get(&format!("/api/postmortems/{}/meeting", pm.id), &sre.token)
        .await;
    assert_eq!(status, 200);
    let doc_on_c = Client::connect(&c.ws_url(&pm.id, pm.token("viewer"))).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    for client in [&doc_on_a, &doc_on_c] {
        assert!(
            !qa_section(client).contains(&entry),
            "an entry claimed by another node was written: {:?}",
            qa_section(client)
        );
    }

    // That node died: its claim is gone. The next node to load the meeting
    // writes the entry, and it is in the document once, on every node.
    let (releasing, pm_id, k) = (std::sync::Arc::clone(&store), pm.id.clone(), key.clone());
    tokio::task::spawn_blocking(move || releasing.release_claim(&pm_id, &k)).await??;
    let d = nats.node("d", &[]).await?;
    let (status, _) = d
        .get(&format!("/api/postmortems/{}/meeting", pm.id), &sre.token)
        .await;
    assert_eq!(status, 200);
    for client in [&doc_on_a, &doc_on_c] {
        client
            .wait_until(WAIT, |c| qa_section(c).contains(&entry))
            .await?;
    }
    // A node loading it now finds it marked and leaves it.
    let e = nats.node("e", &[]).await?;
    let (status, _) = e
        .get(&format!("/api/postmortems/{}/meeting", pm.id), &sre.token)
        .await;
    assert_eq!(status, 200);
    let doc_on_e = Client::connect(&e.ws_url(&pm.id, pm.token("viewer"))).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    for client in [&doc_on_a, &doc_on_c, &doc_on_e] {
        assert_eq!(
            qa_section(client).matches(entry.as_str()).count(),
            1,
            "{:?}",
            qa_section(client)
        );
    }
    Ok(())
}
