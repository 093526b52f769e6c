//! Network partitions between a Casebook node and NATS, on real
//! `nats-server` processes and real nodes, through the fixture's TCP relays
//! (`casebook_e2e::relay`; no network namespaces or iptables needed).
//!
//! Node A joins the cluster through a relay in front of each NATS server;
//! node B joins directly. A writer and a viewer are on each node. The relays
//! are cut (every connection dropped, new ones refused) or blackholed (open,
//! but no byte flows) while both writers type, for longer than a publish is
//! retried (`nats::PUBLISH_DEADLINE`), then healed. Asserted:
//!
//! - nothing typed on A during the partition is shown to anyone (A's viewer
//!   included) while it lasts: A never broadcasts what NATS did not store;
//! - A closes its document sockets (1011) once its writes fail, and answers
//!   HTTP requests with a 500 naming the cluster storage within a bound
//!   (printed), never a hang; it does not panic and does not spin (its CPU
//!   time over the partition is printed and bounded);
//! - B's clients go on editing together meanwhile;
//! - after healing, A's writer reconnects with its replica (its held edits
//!   go out in the handshake), and A, B and a fresh node C hold the identical
//!   text: every chunk typed on either side exactly once, each writer's in
//!   the order typed.
//!
//! Also: a cut shorter than the retries holds A's edits back until the heal
//! and closes no socket; a NATS server partitioned from its peers (every
//! route through a relay) while A is connected to it: A moves to the
//! majority (`nats::reconnect`) and nothing is lost.
//!
//! A missing `nats-server` fails these tests (see `casebook_e2e::cluster`).

use anyhow::{anyhow, bail, Result};
use casebook_e2e::cluster::{NatsCluster, Relays};
use casebook_e2e::{type_chunks, Client, Created, Endpoint, Process};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(30);
/// The longest a cut-off node may take to answer an HTTP request: its reads
/// are retried for `READ_DEADLINE` (10 s) and its writes for
/// `PUBLISH_DEADLINE` (20 s); this leaves room for a loaded machine.
const HTTP_BOUND: Duration = Duration::from_secs(40);

/// The `<…>` chunks a text holds.
fn chunks_of(text: &str) -> Vec<String> {
    text.split_inclusive('>').map(str::to_owned).collect()
}

/// The process's CPU time so far (user + system), from /proc.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at state.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<u64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|f| f.parse().ok())
        .collect();
    // Clock ticks: 100 per second on Linux.
    Duration::from_millis(fields.iter().sum::<u64>() * 10)
}

/// One HTTP request to the cut-off node: its status, its error text and how
/// long it took; an error when no answer came within [`HTTP_BOUND`].
async fn probe(
    node: &Endpoint,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<serde_json::Value>,
) -> Result<(u16, String, Duration)> {
    let started = Instant::now();
    let mut request = node.http.request(method, node.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let answer = tokio::time::timeout(HTTP_BOUND, request.send())
        .await
        .map_err(|_| anyhow!("{path}: no answer within {HTTP_BOUND:?} (a hang)"))??;
    let status = answer.status().as_u16();
    let text = answer.text().await.unwrap_or_default();
    Ok((status, text, started.elapsed()))
}

/// Connects `doc` (a replica, maybe with edits) through `url`, retrying
/// while the node is still getting back to NATS (as the web client does),
/// and waits for the handshake.
async fn reconnect(who: &str, url: &str, doc: yrs::Doc) -> Result<Client> {
    let deadline = Instant::now() + WAIT;
    loop {
        let attempt = async {
            let client = Client::connect_with_doc(url, doc.clone()).await?;
            client.wait_synced().await?;
            Ok::<_, anyhow::Error>(client)
        };
        match attempt.await {
            Ok(client) => return Ok(client),
            Err(e) if Instant::now() < deadline => {
                casebook_e2e::report(&format!(
                    "partition: {who} connects again after the heal: {e}"
                ));
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Every chunk typed, exactly once, and each writer's in the order typed.
fn holds_exactly(text: &str, writers: &[&[String]]) -> Result<()> {
    let mut found = chunks_of(text);
    let mut expected: Vec<String> = writers.iter().flat_map(|w| w.iter().cloned()).collect();
    found.sort();
    expected.sort();
    if found != expected {
        bail!("the text does not hold exactly the chunks typed: {text:?}");
    }
    for typed in writers {
        let positions: Vec<usize> = typed.iter().filter_map(|c| text.find(c.as_str())).collect();
        if !positions.windows(2).all(|w| w[0] < w[1]) {
            bail!("a writer's chunks are out of order in {text:?}");
        }
    }
    Ok(())
}

#[derive(Clone, Copy, Debug)]
enum Partition {
    /// Connections dropped, new ones refused.
    Cut,
    /// Connections open, nothing flows.
    Blackhole,
}

impl Partition {
    fn begin(self, relays: &Relays) {
        match self {
            Partition::Cut => relays.cut(),
            Partition::Blackhole => relays.blackhole(),
        }
    }
}

/// A fresh client on each of `nodes` reads a text that holds every writer's
/// chunks exactly once, in order, and they all read the same text; that
/// text. (A node just back may answer 500 while its NATS server catches up:
/// a browser tries again, and so does this.)
async fn every_node_holds(
    nodes: &[(&str, &Endpoint)],
    pm: &Created,
    writers: &[&[String]],
) -> Result<Vec<String>> {
    let mut texts = Vec::new();
    for (name, node) in nodes {
        let fresh = reconnect(
            &format!("a fresh client on node {name}"),
            &node.ws_url(&pm.id, pm.token("viewer")),
            casebook_core::document::new_doc(),
        )
        .await
        .map_err(|e| anyhow!("node {name}: {e}"))?;
        fresh
            .wait_until(WAIT, |c| holds_exactly(&c.text(), writers).is_ok())
            .await
            .map_err(|e| anyhow!("node {name}: {e}"))?;
        texts.push(fresh.text());
    }
    assert!(texts.windows(2).all(|t| t[0] == t[1]), "{texts:?}");
    Ok(texts)
}

async fn a_node_cut_off_from_nats_loses_nothing(partition: Partition) -> Result<()> {
    let nats = NatsCluster::start().await?;
    let relays = nats.relays().await?;
    let flags = nats.node_flags_through("a", &relays);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let a = Process::start_with(&flags).await?;
    let b = nats.node("b", &[]).await?;
    let pm = b.create_postmortem("partition 分断").await?;
    let writer_a = Client::connect(&a.ws_url(&pm.id, pm.token("author"))).await?;
    let viewer_a = Client::connect(&a.ws_url(&pm.id, pm.token("viewer"))).await?;
    let writer_b = Client::connect(&b.ws_url(&pm.id, pm.token("author"))).await?;
    let viewer_b = Client::connect(&b.ws_url(&pm.id, pm.token("viewer"))).await?;

    let before_a: Vec<String> = (0..5).map(|i| format!("<a{i}>")).collect();
    type_chunks(&writer_a, &before_a).await;
    let before_b: Vec<String> = (0..5).map(|i| format!("<b{i}>")).collect();
    type_chunks(&writer_b, &before_b).await;
    for viewer in [&viewer_a, &viewer_b] {
        viewer
            .wait_until(WAIT, |c| {
                holds_exactly(&c.text(), &[&before_a, &before_b]).is_ok()
            })
            .await?;
    }

    // The partition: both writers type on.
    let pid = a.pid().expect("node A runs");
    let cpu_before = cpu_time(pid);
    partition.begin(&relays);
    let began = Instant::now();
    let during_a: Vec<String> = (0..20).map(|i| format!("<a.cut{i} 切断>")).collect();
    let during_b: Vec<String> = (0..20).map(|i| format!("<b.cut{i}>")).collect();
    let facilitator = casebook_e2e::ADMIN_TOKEN;
    let meeting = serde_json::json!({
        "type": "move_phase", "to": "silent_reading", "command_id": "partitioned-move",
    });
    let record_path = format!("/api/postmortems/{}", pm.id);
    let commands_path = format!("/api/postmortems/{}/commands", pm.id);
    let health = probe(&a, reqwest::Method::GET, "/healthz", facilitator, None);
    let record = probe(&a, reqwest::Method::GET, &record_path, facilitator, None);
    let command = probe(
        &a,
        reqwest::Method::POST,
        &commands_path,
        facilitator,
        Some(meeting.clone()),
    );
    let typing = async {
        tokio::join!(
            type_chunks(&writer_a, &during_a),
            type_chunks(&writer_b, &during_b)
        )
    };
    let (health, record, command, _) = tokio::join!(health, record, command, typing);
    for (what, answer) in [
        ("GET /healthz", health),
        ("GET the postmortem", record),
        ("POST a command", command),
    ] {
        let (status, text, took) = answer?;
        casebook_e2e::report(&format!(
            "partition ({partition:?}): node A answered {what} with {status} after {} ms: {text}",
            took.as_millis()
        ));
        assert_eq!(status, 500, "{what}: {text}");
        assert!(text.contains("cluster storage failed"), "{what}: {text}");
    }
    // A's writer is told, by its socket closing, that its edits were not
    // stored; nobody was shown them meanwhile.
    let closed = writer_a.wait_closed(Duration::from_secs(60)).await?;
    casebook_e2e::report(&format!(
        "partition ({partition:?}): node A closed its writer's socket after {} ms: {closed:?}",
        began.elapsed().as_millis()
    ));
    assert_eq!(
        closed.code,
        casebook_core::close::INTERNAL_ERROR,
        "{closed:?}"
    );
    for (who, viewer) in [("A's viewer", &viewer_a), ("B's viewer", &viewer_b)] {
        let text = viewer.text();
        assert!(
            !during_a.iter().any(|c| text.contains(c.as_str())),
            "{who} was shown an edit that NATS never stored: {text:?}"
        );
    }
    // B's clients edit together meanwhile.
    viewer_b
        .wait_until(WAIT, |c| {
            holds_exactly(
                &c.text(),
                &[&before_a, &[before_b.clone(), during_b.clone()].concat()],
            )
            .is_ok()
        })
        .await?;
    let cpu = cpu_time(pid).saturating_sub(cpu_before);
    let lasted = began.elapsed();
    casebook_e2e::report(&format!(
        "partition ({partition:?}): node A used {} ms of CPU over the {} ms it was cut off",
        cpu.as_millis(),
        lasted.as_millis()
    ));
    // A spinning thread would use about one CPU second per second.
    assert!(
        cpu < lasted / 4,
        "node A spun: {cpu:?} of CPU in {lasted:?}"
    );

    relays.heal();
    let healed = Instant::now();
    // The writer comes back with its replica: what it typed meanwhile goes
    // out in the handshake.
    let writer_a = reconnect(
        "A's writer",
        &a.ws_url(&pm.id, pm.token("author")),
        writer_a.doc.clone(),
    )
    .await?;
    casebook_e2e::report(&format!(
        "partition ({partition:?}): A's writer synced again {} ms after the heal",
        healed.elapsed().as_millis()
    ));
    let more_a: Vec<String> = (0..3).map(|i| format!("<a.after{i}>")).collect();
    type_chunks(&writer_a, &more_a).await;
    // The command that got a 500 is sent again with its command_id: once.
    let (status, answer) = a.post(&commands_path, facilitator, meeting).await;
    assert_eq!(status, 200, "{answer}");

    let typed_a = [before_a.clone(), during_a.clone(), more_a.clone()].concat();
    let typed_b = [before_b.clone(), during_b.clone()].concat();
    let c = nats.node("c", &[]).await?;
    let texts = every_node_holds(
        &[("A", &a), ("B", &b), ("C", &c)],
        &pm,
        &[&typed_a, &typed_b],
    )
    .await?;
    writer_a.wait_text(&texts[0], WAIT).await?;
    writer_b.wait_text(&texts[0], WAIT).await?;
    assert!(
        !a.log().contains("panicked"),
        "node A panicked:\n{}",
        a.log()
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_cut_off_from_every_nats_server_loses_nothing_and_says_so() -> Result<()> {
    a_node_cut_off_from_nats_loses_nothing(Partition::Cut).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_whose_nats_connections_go_silent_loses_nothing_and_says_so() -> Result<()> {
    a_node_cut_off_from_nats_loses_nothing(Partition::Blackhole).await
}

/// A NATS server partitioned from its two peers while node A is connected to
/// it, node B to the majority: A moves to the majority within seconds and
/// its clients go on editing (no socket closes); what A's viewer is shown is
/// on the majority; after the partition heals every node, one connected to
/// the healed server alone included, holds the same text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_on_a_minority_nats_server_loses_nothing() -> Result<()> {
    let nats = NatsCluster::start_partitionable().await?;
    let relays = nats.relays().await?;
    // A starts while only n2 can be reached, so its connection is to n2.
    relays.relay(0).cut();
    relays.relay(1).cut();
    let flags = nats.node_flags_through("a", &relays);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let a = Process::start_with(&flags).await?;
    relays.heal();
    let mut flags = nats.node_flags("b");
    flags[1] = nats.urls_of(&[0, 1]);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let b = casebook_e2e::Server::start_with(&flags).await?;
    let pm = b.create_postmortem("minority 少数派").await?;
    let writer_a = Client::connect(&a.ws_url(&pm.id, pm.token("author"))).await?;
    let viewer_a = Client::connect(&a.ws_url(&pm.id, pm.token("viewer"))).await?;
    let writer_b = Client::connect(&b.ws_url(&pm.id, pm.token("author"))).await?;
    let viewer_b = Client::connect(&b.ws_url(&pm.id, pm.token("viewer"))).await?;
    let before_a: Vec<String> = (0..5).map(|i| format!("<a{i}>")).collect();
    let before_b: Vec<String> = (0..5).map(|i| format!("<b{i}>")).collect();
    type_chunks(&writer_a, &before_a).await;
    type_chunks(&writer_b, &before_b).await;
    for viewer in [&viewer_a, &viewer_b] {
        viewer
            .wait_until(WAIT, |c| {
                holds_exactly(&c.text(), &[&before_a, &before_b]).is_ok()
            })
            .await?;
    }

    let leader = nats.stream_leader("CB_DOCS").await?;
    nats.isolate(2).await?;
    let began = Instant::now();
    let during_a: Vec<String> = (0..20).map(|i| format!("<a.min{i}>")).collect();
    let during_b: Vec<String> = (0..20).map(|i| format!("<b.min{i}>")).collect();
    tokio::join!(
        type_chunks(&writer_a, &during_a),
        type_chunks(&writer_b, &during_b)
    );
    // A leaves the server that cannot store (`nats::reconnect`) and goes
    // on through the majority: its edits reach B, its sockets stay open.
    viewer_b
        .wait_until(Duration::from_secs(45), |c| {
            during_a
                .iter()
                .all(|chunk| c.text().contains(chunk.as_str()))
        })
        .await
        .map_err(|e| anyhow!("A's edits never reached B: {e}; A's log:\n{}", a.log()))?;
    casebook_e2e::report(&format!(
        "partition (minority): n2 isolated (CB_DOCS leader was n{leader}); A's edits typed meanwhile were shown on B after {} ms",
        began.elapsed().as_millis()
    ));
    assert!(writer_a.closed().is_none(), "{:?}", writer_a.closed());
    viewer_a
        .wait_until(WAIT, |c| {
            holds_exactly(
                &c.text(),
                &[
                    &[before_a.clone(), during_a.clone()].concat(),
                    &[before_b.clone(), during_b.clone()].concat(),
                ],
            )
            .is_ok()
        })
        .await
        .map_err(|e| anyhow!("A's viewer: {e}; A's log:\n{}", a.log()))?;
    // Whatever A's viewer was shown is on the majority already: a fresh
    // client on B reads it, with A's writer not reconnected.
    let seen_a = viewer_a.text();
    let on_majority = Client::connect(&b.ws_url(&pm.id, pm.token("viewer"))).await?;
    for chunk in chunks_of(&seen_a) {
        assert!(
            on_majority.text().contains(&chunk),
            "A's viewer was shown {chunk:?}, which the majority does not hold: {:?}",
            on_majority.text()
        );
    }
    nats.rejoin(2);
    let typed_a = [before_a.clone(), during_a.clone()].concat();
    let typed_b = [before_b.clone(), during_b.clone()].concat();
    let c = nats.node("c", &[]).await?;
    // D reaches the healed server alone: it caught up.
    let mut flags = nats.node_flags("d");
    flags[1] = nats.urls_of(&[2]);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let d = casebook_e2e::Server::start_with(&flags).await?;
    let texts = every_node_holds(
        &[("A", &a), ("B", &b), ("C", &c), ("D", &d)],
        &pm,
        &[&typed_a, &typed_b],
    )
    .await?;
    writer_a.wait_text(&texts[0], WAIT).await?;
    writer_b.wait_text(&texts[0], WAIT).await?;
    assert!(
        !a.log().contains("panicked"),
        "node A panicked:\n{}",
        a.log()
    );
    Ok(())
}

/// A cut shorter than a publish is retried (`nats::PUBLISH_DEADLINE`): the
/// edits typed on the cut-off node meanwhile are shown to nobody until NATS
/// stored them after the heal, then to everyone; no socket closes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_cut_holds_edits_back_and_closes_no_socket() -> Result<()> {
    let nats = NatsCluster::start().await?;
    let relays = nats.relays().await?;
    let flags = nats.node_flags_through("a", &relays);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let a = casebook_e2e::Server::start_with(&flags).await?;
    let b = nats.node("b", &[]).await?;
    let pm = b.create_postmortem("blip 瞬断").await?;
    let writer_a = Client::connect(&a.ws_url(&pm.id, pm.token("author"))).await?;
    let viewer_a = Client::connect(&a.ws_url(&pm.id, pm.token("viewer"))).await?;
    let viewer_b = Client::connect(&b.ws_url(&pm.id, pm.token("viewer"))).await?;
    let before: Vec<String> = (0..5).map(|i| format!("<a{i}>")).collect();
    type_chunks(&writer_a, &before).await;
    viewer_b
        .wait_until(WAIT, |c| holds_exactly(&c.text(), &[&before]).is_ok())
        .await?;

    relays.cut();
    let cut = Instant::now();
    let during: Vec<String> = (0..10).map(|i| format!("<a.blip{i}>")).collect();
    type_chunks(&writer_a, &during).await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    for (who, viewer) in [("A's viewer", &viewer_a), ("B's viewer", &viewer_b)] {
        let text = viewer.text();
        assert!(
            !during.iter().any(|c| text.contains(c.as_str())),
            "{who} was shown an edit NATS had not stored: {text:?}"
        );
    }
    relays.heal();
    let lasted = cut.elapsed();
    let typed = [before.clone(), during.clone()].concat();
    for viewer in [&viewer_a, &viewer_b] {
        viewer
            .wait_until(WAIT, |c| holds_exactly(&c.text(), &[&typed]).is_ok())
            .await?;
    }
    casebook_e2e::report(&format!(
        "partition (short cut): the edits typed during a {} ms cut were shown on both nodes {} ms after it began",
        lasted.as_millis(),
        cut.elapsed().as_millis()
    ));
    for client in [&writer_a, &viewer_a, &viewer_b] {
        assert!(client.closed().is_none(), "{:?}", client.closed());
    }
    Ok(())
}
