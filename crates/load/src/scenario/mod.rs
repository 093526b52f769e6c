//! The scenarios, one module each. Every scenario starts its own server (so
//! peak RSS and CPU belong to it), is bounded in time and traffic, and returns
//! a [`Report`]. `quick` shrinks every scenario to a smoke run of about 1 s.

mod big_room;
mod cluster;
mod cold_load;
mod durability;
mod join_storm;
mod memory;
mod rooms;

use crate::report::Report;
use crate::target::Kind;
use anyhow::{bail, Result};
use std::time::Duration;

/// How big and how long.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub quick: bool,
}

impl Scale {
    /// The measured window of a timed scenario.
    pub fn window(&self) -> Duration {
        if self.quick {
            Duration::from_secs(1)
        } else {
            Duration::from_secs(15)
        }
    }

    /// `full` normally, `quick` for a smoke run.
    pub fn pick(&self, full: usize, quick: usize) -> usize {
        if self.quick {
            quick
        } else {
            full
        }
    }
}

/// Every scenario, in the order `cargo xtask bench` runs them.
pub const ALL: &[&str] = &[
    "meeting",
    "meeting-cluster",
    "meetings",
    "big-room",
    "busy",
    "join-storm",
    "durability",
    "memory",
    "cold-load",
];

/// Runs one scenario against a fresh server. `Ok(None)` when the scenario
/// does not apply to this server (cold load needs storage).
pub async fn run(name: &str, kind: &Kind, scale: Scale) -> Result<Option<Report>> {
    let report = match name {
        "meeting" => rooms::run(kind, scale, "meeting", 1, 30, 2.0).await?,
        // Issue 15's setup, the same as the `yjs-meeting` scenario's
        // JavaScript clients: ten meetings at once, typing faster.
        "meetings" => rooms::run(kind, scale, "meetings", scale.pick(10, 4), 10, 5.0).await?,
        "busy" => rooms::run(kind, scale, "busy", scale.pick(200, 20), 5, 1.0).await?,
        "big-room" => big_room::run(kind, scale).await?,
        "join-storm" => join_storm::run(kind, scale).await?,
        "durability" => durability::run(kind, scale).await?,
        "memory" => memory::run(kind, scale).await?,
        "cold-load" => return cold_load::run(kind, scale).await,
        // Cluster mode (issue 14): needs the pinned nats-server.
        "meeting-cluster" => return cluster::run(kind, scale).await,
        other => bail!("unknown scenario {other:?}; known: {}", ALL.join(", ")),
    };
    Ok(Some(report))
}

/// Runs futures with at most `limit` of them at once (connecting thousands of
/// sockets all at once only measures the accept queue).
pub(crate) async fn bounded<T, F>(limit: usize, futures: Vec<F>) -> Vec<T>
where
    F: std::future::Future<Output = T>,
{
    use futures_util::StreamExt;
    futures_util::stream::iter(futures)
        .buffered(limit)
        .collect()
        .await
}
