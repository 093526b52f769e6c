//! Cluster mode: a revocation is read the same on every node (issue 14), on
//! three real `nats-server` processes (fsync on every write, replicas 3) and
//! two Casebook nodes.
//!
//! The buckets allow direct gets, which any replica answers, and a replica
//! may not have applied the newest write yet: an invite revoked through node
//! A was seen accepted for a moment through node B. Invites and secrets are
//! read from the bucket's stream leader instead (`NatsStore::invite`), so the
//! moment the revocation has answered, every node refuses the link: its
//! join over HTTP and its sockets (document and meeting room).
//!
//! A missing `nats-server` fails these tests (see `casebook_e2e::cluster`).

use anyhow::Result;
use casebook_e2e::cluster::NatsCluster;
use casebook_e2e::{report, Client, Created, Endpoint};
use serde_json::json;
use std::time::{Duration, Instant};

/// Revocations tried, each on a fresh invite.
const ROUNDS: usize = 60;
const WAIT: Duration = Duration::from_secs(20);

/// A new participant invite of `pm` minted through `server`; its id and token.
async fn mint(server: &Endpoint, pm: &Created) -> (String, String) {
    let (status, invite) = server
        .post(
            &format!("/api/postmortems/{}/invites", pm.id),
            pm.token("facilitator"),
            json!({"role": "participant"}),
        )
        .await;
    assert_eq!(status, 201, "{invite}");
    (
        invite["id"].as_str().expect("an id").to_owned(),
        invite["token"].as_str().expect("a token").to_owned(),
    )
}

/// `POST …/join` through `server` with `token`; the status.
async fn join(server: &Endpoint, pm: &Created, token: &str, name: &str) -> u16 {
    server
        .post(
            &format!("/api/postmortems/{}/join", pm.id),
            token,
            json!({"name": name}),
        )
        .await
        .0
}

/// Asserts that a socket opened with `url` is refused at the handshake.
async fn refused(url: &str, round: usize) {
    match Client::connect_unsynced(url).await {
        Ok(client) => {
            // Admitted: it must at least not sync.
            let synced = client.wait_synced().await;
            panic!("round {round}: a revoked invite opened a socket (synced: {synced:?})");
        }
        Err(e) => assert!(
            e.to_string().contains("401"),
            "round {round}: refused, but not as unauthorised: {e}"
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invite_revoked_on_one_node_is_refused_on_the_other_as_soon_as_the_revoke_answered(
) -> Result<()> {
    let nats = NatsCluster::start().await?;
    let (a, b) = tokio::join!(nats.node("a", &[]), nats.node("b", &[]));
    let (a, b) = (a?, b?);
    let pm = a.create_postmortem("revocation 失効の一貫性").await?;
    let mut joins = Vec::new();
    for round in 0..ROUNDS {
        let (id, token) = mint(&a, &pm).await;
        // B accepts the new link (and so has read it once).
        let started = Instant::now();
        loop {
            let began = Instant::now();
            let status = join(&b, &pm, &token, "Kenji 健二").await;
            if status == 200 {
                joins.push(began.elapsed());
                break;
            }
            assert!(
                started.elapsed() < WAIT,
                "round {round}: B never accepted a new invite ({status})"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let (status, revoked) = a
            .call(
                reqwest::Method::DELETE,
                &format!("/api/postmortems/{}/invites/{id}", pm.id),
                pm.token("facilitator"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{revoked}");
        // At once, through B: no join, no document socket, no meeting room.
        let status = join(&b, &pm, &token, "Kenji 健二").await;
        assert_eq!(status, 401, "round {round}: B let a revoked invite join");
        refused(&b.ws_url(&pm.id, &token), round).await;
        refused(&b.meeting_url(&pm.id, &token), round).await;
        // And through A, which revoked it.
        assert_eq!(join(&a, &pm, &token, "Aoki").await, 401);
    }
    joins.sort();
    report(&format!(
        "cluster revocation: {ROUNDS} invites revoked through A, each refused through B at once; \
         a join through B took p50 {:?}, max {:?}",
        joins[joins.len() / 2],
        joins[joins.len() - 1]
    ));
    Ok(())
}
