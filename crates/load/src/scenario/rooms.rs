//! Rooms of typists: "one meeting" (1 room × 30 clients × 2 edits/s) and
//! "busy server" (200 rooms × 5 clients × 1 edit/s). Every client is a
//! [`Typist`] with a full `Doc`; latency is edit → each other client of the
//! room, and edit → the last of them. At the end every room must converge.

use super::{bounded, Scale};
use crate::client::{Tracker, Typist};
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

    let tracker = Arc::new(Tracker::new(typists.len()));
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let cpu = CpuWindow::start(target.pid());
    let until = Instant::now() + scale.window();
    let receivers = (per_room - 1) as u32;
    let tasks: Vec<_> = typists
        .into_iter()
        .map(|t| tokio::spawn(t.run(Arc::clone(&tracker), receivers, rate, until, stop.clone())))
        .collect();
    tokio::time::sleep_until(until).await;
    let used = cpu.stop();
    // Let the last edits arrive (bounded: 30 s, so that a loaded machine
    // is not mistaken for divergence; it ends as soon as all arrived),
    // then stop everyone.
    tracker.drain(Duration::from_secs(30)).await;
    let _ = stop_tx.send(true);
    let mut texts = Vec::new();
    let mut failures = 0;
    for task in tasks {
        match task.await {
            Ok(Ok(text)) => texts.push(Some(text)),
            _ => {
                failures += 1;
                texts.push(None);
            }
        }
    }
    let converged = texts
        .chunks(per_room)
        .filter(|room| room.iter().all(|t| t.is_some() && *t == room[0]))
        .count();
    let tracked = tracker.finish();
    let mut report = Report::new(name, kind.name());
    report.push(
        "clients",
        Value::Text(format!(
            "{} rooms × {per_room} × {rate} edits/s for {:?}",
            rooms,
            scale.window()
        )),
    );
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
    report.push(
        "rooms converged",
        Value::Text(format!(
            "{converged} of {rooms} ({failures} clients failed)"
        )),
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
