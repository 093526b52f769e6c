//! Leaving a NATS server that answers but can neither store nor read.
//!
//! A node's NATS client moves to another server of `--nats-url` only when
//! its connection drops. A server partitioned from its peers (a minority)
//! keeps the connection up, yet every publish and every read through it
//! fails: without this, the node would refuse every edit until the
//! partition healed, although the majority is one reconnect away. So a call
//! that keeps failing for [`RECONNECT_AFTER`] makes the client drop its
//! connection and connect again ([`Reconnect`]), at most once per
//! [`RECONNECT_AFTER`] for the whole store, and every connection goes to the
//! next server of the list ([`round_robin`]): the client's own choice prefers
//! servers that never failed to connect, which is the minority server
//! itself once the others were unreachable for a while.
//! Publishes are retried with their `Nats-Msg-Id`, so one sent twice across
//! a reconnect is stored once.

use async_nats::{ReconnectToServer, Server, ServerInfo};
use std::future::Ready;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long calls may keep failing before the client connects again: a
/// stream leader election takes about 5 s (measured 4.7 s), and reconnecting
/// meanwhile costs only a round trip on loopback, while a node stuck on a
/// minority server should find the majority well within `PUBLISH_DEADLINE`.
pub const RECONNECT_AFTER: Duration = Duration::from_secs(2);

/// Forces the store's NATS client to reconnect when its calls keep failing.
#[derive(Clone)]
pub struct Reconnect {
    client: async_nats::Client,
    last: Arc<Mutex<Instant>>,
}

impl Reconnect {
    pub fn new(client: async_nats::Client) -> Reconnect {
        Reconnect {
            client,
            last: Arc::new(Mutex::new(Instant::now())),
        }
    }

    /// After a failed attempt of a call that has failed since `since`:
    /// reconnects when it has failed for [`RECONNECT_AFTER`] and no call made
    /// the client reconnect within that time.
    pub async fn failed(&self, since: Instant) {
        if since.elapsed() < RECONNECT_AFTER {
            return;
        }
        {
            let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
            if last.elapsed() < RECONNECT_AFTER {
                return;
            }
            *last = Instant::now();
        }
        tracing::warn!("NATS calls keep failing; connecting to another NATS server");
        // Only queued for the connection's task; bounded all the same.
        let _ = tokio::time::timeout(Duration::from_secs(1), self.client.force_reconnect()).await;
    }
}

/// The client's choice of server for each connection: the servers of its
/// list in turn, so a reconnect never goes back to the server it left.
pub fn round_robin(
) -> impl Fn(Vec<Server>, ServerInfo) -> Ready<Option<ReconnectToServer>> + Send + Sync + 'static {
    let next = AtomicUsize::new(0);
    move |servers, _| {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let server = servers.get(i % servers.len().max(1));
        std::future::ready(server.map(|s| ReconnectToServer {
            addr: s.addr.clone(),
            // The client's own back-off when every server fails.
            delay: None,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_connection_goes_to_the_next_server_in_turn() {
        let servers: Vec<Server> = (1..=3)
            .map(|i| Server {
                addr: format!("nats://127.0.0.1:{i}")
                    .parse()
                    .expect("a server address"),
                failed_attempts: 0,
                did_connect: false,
                is_discovered: false,
                last_error: None,
            })
            .collect();
        let pick = round_robin();
        let picked: Vec<String> = (0..6)
            .map(|_| {
                let choice = pick(servers.clone(), ServerInfo::default()).into_inner();
                choice.expect("a server").addr.as_url_str().to_owned()
            })
            .collect();
        let expected: Vec<String> = [1, 2, 3, 1, 2, 3]
            .iter()
            .map(|i| format!("nats://127.0.0.1:{i}"))
            .collect();
        assert_eq!(picked, expected);
        assert!(pick(Vec::new(), ServerInfo::default())
            .into_inner()
            .is_none());
    }
}
