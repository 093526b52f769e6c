//! "Join storm": a document of about 5 MB (5,000 random 1 KB inserts), then
//! 150 [`Observer`]s join it at once. Measured: connect → sync step 2
//! received and decoded, per joiner and until the last one.

use super::Scale;
use crate::client::{Observer, Tracker};
use crate::report::{histogram, record, CpuWindow, Report, Value};
use crate::target::{Kind, Target};
use anyhow::{Context, Result};
use casebook_core::document::{new_doc, BODY};
use rand::Rng;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use yrs::{ReadTxn, StateVector, Text, Transact};

/// An update that builds a document of about `bytes` of text.
pub fn big_document(bytes: usize) -> Vec<u8> {
    let doc = new_doc();
    let body = doc.get_or_insert_text(BODY);
    let mut rng = rand::rng();
    let chunk: String = (0..1000).map(|i| (b'a' + (i % 26) as u8) as char).collect();
    for _ in 0..bytes / chunk.len() {
        let mut txn = doc.transact_mut();
        let at = rng.random_range(0..=body.len(&txn));
        body.insert(&mut txn, at, &chunk);
    }
    let txn = doc.transact();
    txn.encode_state_as_update_v1(&StateVector::default())
}

pub async fn run(kind: &Kind, scale: Scale) -> Result<Report> {
    let joiners = scale.pick(150, 20);
    let size = scale.pick(5 << 20, 512 << 10);
    let target = Target::start(kind, &[]).await?;
    let room = target.create_room("join-storm").await?;
    let url = target.ws_url(&room);
    let update = big_document(size);
    let update_len = update.len();
    // The seed stays connected: the reference server forgets a room when its
    // last socket leaves.
    let mut seed = Observer::join(&url, Duration::from_secs(30)).await?;
    seed.send_update(update).await?;
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let seed_task = tokio::spawn(seed.run(Arc::new(Tracker::default()), stop.clone()));
    Observer::wait_for_size(&url, update_len / 2, Duration::from_secs(60)).await?;

    let cpu = CpuWindow::start(target.pid());
    let started = Instant::now();
    let tasks: Vec<_> = (0..joiners)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move {
                let begun = Instant::now();
                let observer = Observer::join(&url, Duration::from_secs(60)).await?;
                Ok::<_, anyhow::Error>((begun.elapsed(), observer))
            })
        })
        .collect();
    let mut each = histogram();
    let mut sockets = Vec::new();
    for task in tasks {
        let (took, observer) = task.await.context("joiner task")?.context("a joiner")?;
        record(&mut each, took);
        sockets.push(observer);
    }
    let all = started.elapsed();
    let used = cpu.stop();
    drop(sockets);
    let _ = stop_tx.send(true);
    let _ = seed_task.await;
    let mut report = Report::new("join-storm", kind.name());
    report.push(
        "document",
        Value::number(update_len as f64 / 1048576.0, "MiB as an update"),
    );
    report.push("joiners", Value::number(joiners as f64, "at once"));
    report.push("connect → synced, each", Value::latency(&each));
    report.push(
        "until all synced",
        Value::number(all.as_secs_f64() * 1000.0, "ms"),
    );
    report.push_resources(used, target.pid());
    Ok(report)
}
