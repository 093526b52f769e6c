//! Rooms of typists: "one meeting" (1 room × 30 clients × 2 edits/s) and
//! "busy server" (200 rooms × 5 clients × 1 edit/s). Every client is a
//! [`Typist`] with a full `Doc`; latency is edit → each other client of the
//! room, and edit → the last of them. At the end every room must converge.

use super::{bounded, Scale};
use crate::client::{Tracked, Tracker, Typist};
use crate::report::{CpuWindow, Report, Value};
use crate::target::{Kind, Target};
use anyhow::{Context, Result};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

pub async fn run(
    kind: &Kind,
    scale: Scale,
    name: &'static str,
    rooms: usize,
    per_room: usize,
    rate: f64,
) -> Result<Report> {
    let target = Target::start(kind, &[]).await?;
    let created = target.create_rooms(name, rooms).await?;
    let joins = created
        .iter()
        .flat_map(|room| (0..per_room).map(move |_| room))
        .map(|room| {
            let url = target.ws_url(room);
            async move { Typist::join(&url, Duration::from_secs(30)).await }
        })
        .collect();
    let typists = bounded(64, joins)
        .await
        .into_iter()
        .collect::<Result<Vec<_>>>()
        .context("joining typists")?;

    let receivers = (per_room - 1) as u32;
    let cpu = CpuWindow::start(target.pid());
    let (typed, used) = type_until(typists, receivers, rate, scale.window(), || cpu.stop()).await;
    let converged = typed
        .texts
        .chunks(per_room)
        .filter(|room| room.iter().all(|t| t.is_some() && *t == room[0]))
        .count();
    let tracked = &typed.tracked;
    let mut report = Report::new(name, kind.name());
    push_typing(
        &mut report,
        format!(
            "{} rooms × {per_room} × {rate} edits/s for {:?}",
            rooms,
            scale.window()
        ),
        tracked,
        format!(
            "{converged} of {rooms} ({} clients failed)",
            typed.failures()
        ),
    );
    report.push(
        "server CPU s per 1,000 edits",
        Value::number(
            used.server_seconds_per_1k(tracked.sent - tracked.incomplete),
            "s",
        ),
    );
    report.push_resources(used, target.pid());
    Ok(report)
}

/// A window of typing: every typist's latencies and counts, and each one's
/// final text (`None`: that client failed).
pub(super) struct Typed {
    pub tracked: Tracked,
    pub texts: Vec<Option<String>>,
}

impl Typed {
    pub fn failures(&self) -> usize {
        self.texts.iter().filter(|t| t.is_none()).count()
    }
}

/// Every typist types at `rate` edits/s for `window`; `at_end` runs when the
/// window ends (stopping CPU windows) and its answer is returned. Then the
/// last edits may arrive (bounded: 30 s, so that a loaded machine is not
/// mistaken for divergence; it ends as soon as all arrived) and everyone
/// stops. `receivers`: how many others see each edit.
pub(super) async fn type_until<T>(
    typists: Vec<Typist>,
    receivers: u32,
    rate: f64,
    window: Duration,
    at_end: impl FnOnce() -> T,
) -> (Typed, T) {
    let tracker = Arc::new(Tracker::new(typists.len()));
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let until = Instant::now() + window;
    let tasks: Vec<_> = typists
        .into_iter()
        .map(|t| tokio::spawn(t.run(Arc::clone(&tracker), receivers, rate, until, stop.clone())))
        .collect();
    tokio::time::sleep_until(until).await;
    let ended = at_end();
    tracker.drain(Duration::from_secs(30)).await;
    let _ = stop_tx.send(true);
    let mut texts = Vec::new();
    for task in tasks {
        texts.push(match task.await {
            Ok(Ok(text)) => Some(text),
            _ => None,
        });
    }
    let tracked = tracker.finish();
    (Typed { tracked, texts }, ended)
}

/// The rows every typing scenario reports: who typed, both latencies, the
/// edits sent and seen, and whether the rooms converged.
pub(super) fn push_typing(
    report: &mut Report,
    clients: String,
    tracked: &Tracked,
    converged: String,
) {
    report.push("clients", Value::Text(clients));
    report.push("edit → each other client", Value::latency(&tracked.each));
    report.push(
        "edit → all others in the room",
        Value::latency(&tracked.all),
    );
    report.push(
        "edits sent / seen by all",
        Value::Text(format!(
            "{} / {}",
            tracked.sent,
            tracked.sent - tracked.incomplete
        )),
    );
    report.push("rooms converged", Value::Text(converged));
}
