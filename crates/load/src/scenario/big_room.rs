//! "Big room": one writer typing 10 edits/s, 1,000 [`Observer`]s. Latency is
//! edit → each observer and edit → the last observer.

use super::{bounded, Scale};
use crate::client::{Observer, Tracker, Typist};
use crate::report::{histogram, record, CpuWindow, Report, Value};
use crate::target::{Kind, Target};
use anyhow::{Context, Result};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

const WRITER_RATE: f64 = 10.0;

pub async fn run(kind: &Kind, scale: Scale) -> Result<Report> {
    let observers = scale.pick(1000, 100);
    let target = Target::start(kind, &[]).await?;
    let room = target.create_room("big-room").await?;
    let url = target.ws_url(&room);
    let writer = Typist::join(&url, Duration::from_secs(30)).await?;
    let mut join_times = histogram();
    let joins = (0..observers)
        .map(|_| {
            let url = url.clone();
            async move {
                let started = Instant::now();
                let observer = Observer::join(&url, Duration::from_secs(60)).await;
                observer.map(|o| (o, started.elapsed()))
            }
        })
        .collect();
    let mut joined = Vec::new();
    for result in bounded(64, joins).await {
        let (observer, took) = result.context("joining an observer")?;
        record(&mut join_times, took);
        joined.push(observer);
    }

    let tracker = Arc::new(Tracker::new(1));
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let tasks: Vec<_> = joined
        .into_iter()
        .map(|o| tokio::spawn(o.run(Arc::clone(&tracker), stop.clone())))
        .collect();
    let cpu = CpuWindow::start(target.pid());
    let until = Instant::now() + scale.window();
    let writer_task = tokio::spawn(writer.run(
        Arc::clone(&tracker),
        observers as u32,
        WRITER_RATE,
        until,
        stop.clone(),
    ));
    tokio::time::sleep_until(until).await;
    let used = cpu.stop();
    tracker.drain(Duration::from_secs(30)).await;
    let _ = stop_tx.send(true);
    let mut failed = 0;
    for task in tasks {
        if !matches!(task.await, Ok(Ok(_))) {
            failed += 1;
        }
    }
    if !matches!(writer_task.await, Ok(Ok(_))) {
        failed += 1;
    }
    let tracked = tracker.finish();
    let mut report = Report::new("big-room", kind.name());
    report.push(
        "clients",
        Value::Text(format!(
            "1 writer × {WRITER_RATE} edits/s, {observers} observers, {:?}",
            scale.window()
        )),
    );
    report.push(
        "observer join (connect → synced)",
        Value::latency(&join_times),
    );
    report.push("edit → each observer", Value::latency(&tracked.each));
    report.push("edit → all observers", Value::latency(&tracked.all));
    report.push(
        "edits sent / seen by all",
        Value::Text(format!(
            "{} / {} ({failed} clients failed)",
            tracked.sent,
            tracked.sent - tracked.incomplete
        )),
    );
    report.push_resources(used, target.pid());
    Ok(report)
}
