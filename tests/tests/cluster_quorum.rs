//! Cluster mode without a quorum (issue 14), on three real `nats-server`
//! processes (fsync on every write, replicas 3) and two Casebook nodes run
//! as processes of their own.
//!
//! Two of the three NATS servers are killed (`kill -9`, the `CB_DOCS`
//! leader among them) while a writer types. Nothing can be stored, so:
//!
//! - nobody else is shown any of it: readers on the writer's node and on the
//!   other node keep the text from before the loss;
//! - the writer's node gives up on the batch after `PUBLISH_DEADLINE` and
//!   closes the writer's socket with 1011 (the web client then shows
//!   "offline — your edits are kept" and reconnects with back-off); neither
//!   node panics, nor spins (their CPU time over the outage is bounded);
//! - the writer keeps typing offline, as a browser keeps its replica;
//! - once the servers are back, the writer reconnects with its replica and
//!   the y-sync handshake sends what the server lacks, as y-websocket does:
//!   the text is then exactly what was typed, on both nodes and on a fresh
//!   node that never had the document loaded.
//!
//! A missing `nats-server` fails these tests (see `casebook_e2e::cluster`).

use anyhow::{anyhow, Result};
use casebook_e2e::cluster::NatsCluster;
use casebook_e2e::{report, server_text, type_chunks, Client, Process};
use casebook_server::nats::PUBLISH_DEADLINE;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(30);

fn chunks(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("[{i} 定足数]")).collect()
}

/// CPU time (user + system) a process has used so far.
fn cpu_time(process: &Process) -> Result<Duration> {
    let pid = process.pid().ok_or_else(|| anyhow!("not running"))?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The fields after the command's closing parenthesis; utime and stime
    // are the 14th and 15th of the line, in clock ticks (100 a second).
    let rest = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .ok_or_else(|| anyhow!("odd stat: {stat}"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>()? + fields[12].parse::<u64>()?;
    Ok(Duration::from_millis(ticks * 10))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_two_of_three_nats_servers_down_nothing_is_shown_as_saved_and_nothing_typed_is_lost(
) -> Result<()> {
    let mut nats = NatsCluster::start().await?;
    let a = nats.process_node("a").await?;
    let b = nats.process_node("b").await?;
    let pm = a.create_postmortem("quorum lost 定足数割れ").await?;
    let writer = Client::connect(&a.ws_url(&pm.id, pm.token("author"))).await?;
    let reader_a = Client::connect(&a.ws_url(&pm.id, pm.token("viewer"))).await?;
    let reader_b = Client::connect(&b.ws_url(&pm.id, pm.token("viewer"))).await?;
    let before = chunks(0..20);
    type_chunks(&writer, &before).await;
    let saved = before.concat();
    reader_a.wait_text(&saved, WAIT).await?;
    reader_b.wait_text(&saved, WAIT).await?;

    // Two of three down: no quorum for any stream or bucket.
    let leader = nats.stream_leader("CB_DOCS").await?;
    let other = (leader + 1) % 3;
    nats.kill9(leader);
    nats.kill9(other);
    let down_at = Instant::now();
    let cpu_before = (cpu_time(&a)?, cpu_time(&b)?);
    let during = chunks(20..40);
    type_chunks(&writer, &during).await;

    // The writer's node gives up on the batch and says so.
    let closed = writer
        .wait_closed(PUBLISH_DEADLINE + Duration::from_secs(15))
        .await?;
    let closed_after = down_at.elapsed();
    assert_eq!(
        closed.code,
        casebook_core::close::INTERNAL_ERROR,
        "{closed:?}"
    );
    assert!(closed.reason.contains("storage"), "{closed:?}");
    // Meanwhile nobody was shown any of it.
    assert_eq!(reader_a.text(), saved, "shown on the writer's node unsaved");
    assert_eq!(reader_b.text(), saved, "shown on the other node unsaved");
    // Typed while the socket is closed: kept in the writer's replica.
    let offline = chunks(40..50);
    type_chunks(&writer, &offline).await;
    // A node without a quorum waits; it does not spin.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let outage = down_at.elapsed();
    let used = (cpu_time(&a)? - cpu_before.0, cpu_time(&b)? - cpu_before.1);
    for (node, used) in [("a", used.0), ("b", used.1)] {
        assert!(
            used < outage / 2,
            "node {node} used {used:?} of CPU in {outage:?} without a quorum"
        );
    }
    assert_eq!(reader_b.text(), saved, "shown on the other node unsaved");

    // Back: the writer reconnects with its replica (as a browser does, with
    // back-off, until its node can load the document again).
    nats.start_again(leader).await?;
    nats.start_again(other).await?;
    let back_at = Instant::now();
    let doc = writer.doc.clone();
    drop(writer);
    let writer = loop {
        let attempt = async {
            let client =
                Client::connect_with_doc(&a.ws_url(&pm.id, pm.token("author")), doc.clone())
                    .await?;
            client.wait_synced().await?;
            Ok::<_, anyhow::Error>(client)
        };
        match attempt.await {
            Ok(client) => break client,
            Err(e) if back_at.elapsed() < WAIT => {
                tracing_free_note(&e);
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => return Err(e.context("the writer never got back in")),
        }
    };
    let reconnected_after = back_at.elapsed();
    let after = chunks(50..60);
    type_chunks(&writer, &after).await;
    let expected = [before, during, offline, after].concat().concat();
    assert_eq!(writer.text(), expected);

    // Everything typed is stored once, in order, on every node.
    for (name, node) in [("a", &a), ("b", &b)] {
        let reader = Client::connect(&node.ws_url(&pm.id, pm.token("viewer"))).await?;
        reader
            .wait_text(&expected, WAIT)
            .await
            .map_err(|e| e.context(format!("node {name}")))?;
    }
    reader_b.wait_text(&expected, WAIT).await?;
    let fresh = nats.node("c", &[]).await?;
    assert_eq!(server_text(&fresh, &pm).await?, expected);
    for (name, node) in [("a", &a), ("b", &b)] {
        assert!(
            !node.log().contains("panicked"),
            "node {name} panicked: {}",
            node.log()
        );
    }
    report(&format!(
        "cluster: two of three NATS servers killed; the writer's socket closed (1011) after {} ms, \
         nobody was shown an unsaved edit; nodes used {} ms and {} ms of CPU over {} ms without a quorum; \
         after the restart the writer was back in after {} ms and every edit was kept",
        closed_after.as_millis(),
        used.0.as_millis(),
        used.1.as_millis(),
        outage.as_millis(),
        reconnected_after.as_millis()
    ));
    Ok(())
}

/// Says why a reconnect attempt failed (printed with the test's output).
fn tracing_free_note(e: &anyhow::Error) {
    eprintln!("reconnecting: {e:#}");
}
