//! "Durability": 4 writers in one room send one-character updates as fast as
//! the server takes them, each with at most 256 updates not yet seen by the
//! observer (the server's own per-socket bound); one observer counts what it
//! receives. Casebook broadcasts an update only after the group commit
//! flushed it, so the observer's count is durable updates. (The reference
//! server keeps documents in memory only; its figure is plain relay
//! throughput.)

use super::Scale;
use crate::client::{connect, edit_keys, next_messages, send, Observer};
use crate::report::{histogram, record, CpuWindow, Report, Value};
use crate::target::{Kind, Target};
use anyhow::{Context, Result};
use casebook_core::document::{new_doc, BODY};
use casebook_core::protocol::{self, Message, SyncMessage};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::time::Instant;
use yrs::block::ClientID;
use yrs::{Doc, Text, Transact};

const WRITERS: usize = 4;
/// Updates one writer may have in flight (sent, not yet seen by the observer).
const WINDOW: usize = 256;
/// Traffic bound: updates one writer may send in a run.
const MAX_PER_WRITER: u64 = 2_000_000;

async fn write(url: String, doc: Doc, window: Arc<Semaphore>, until: Instant) -> Result<u64> {
    let mut socket = connect(&url, Duration::from_secs(30)).await?;
    let body = doc.get_or_insert_text(BODY);
    send(&mut socket, &protocol::sync_step1(&doc.transact())).await?;
    'sync: loop {
        let messages = next_messages(&mut socket)
            .await?
            .context("socket ended before sync")?;
        for message in messages {
            match message {
                Message::Sync(SyncMessage::SyncStep1(sv)) => {
                    send(&mut socket, &protocol::sync_step2(&doc.transact(), &sv)).await?;
                }
                Message::Sync(SyncMessage::SyncStep2(_)) => break 'sync,
                _ => {}
            }
        }
    }
    let (mut sink, mut stream) = socket.split();
    // The other writers' updates come back to us; drain them.
    let drain = tokio::spawn(async move { while let Some(Ok(_)) = stream.next().await {} });
    let mut sent = 0;
    while Instant::now() < until && sent < MAX_PER_WRITER {
        let Ok(Ok(permit)) = tokio::time::timeout_at(until, window.acquire()).await else {
            break;
        };
        permit.forget();
        let update = {
            let mut txn = doc.transact_mut();
            body.push(&mut txn, "x");
            txn.encode_update_v1()
        };
        let frame = protocol::encode(&protocol::update(update));
        futures_util::SinkExt::send(&mut sink, frame.into())
            .await
            .context("sending")?;
        sent += 1;
    }
    drain.abort();
    Ok(sent)
}

pub async fn run(kind: &Kind, scale: Scale) -> Result<Report> {
    let target = Target::start(kind, &[]).await?;
    let room = target.create_room("durability").await?;
    let url = target.ws_url(&room);
    let mut observer = Observer::join(&url, Duration::from_secs(30)).await?;
    let docs: Vec<Doc> = (0..WRITERS).map(|_| new_doc()).collect();
    let windows: HashMap<ClientID, Arc<Semaphore>> = docs
        .iter()
        .map(|d| (d.client_id(), Arc::new(Semaphore::new(WINDOW))))
        .collect();
    let seen = Arc::new(AtomicU64::new(0));
    let (stop_tx, mut stop) = tokio::sync::watch::channel(false);
    let observing = {
        let (windows, seen) = (windows.clone(), Arc::clone(&seen));
        tokio::spawn(async move {
            loop {
                let updates = tokio::select! {
                    _ = stop.changed() => return Ok(()),
                    updates = observer.next_updates() => updates?,
                };
                let Some(updates) = updates else {
                    return Ok(());
                };
                for update in updates {
                    for (client, _) in edit_keys(&update) {
                        if let Some(window) = windows.get(&client) {
                            window.add_permits(1);
                            seen.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }
        })
    };
    let cpu = CpuWindow::start(target.pid());
    let started = Instant::now();
    let until = started + scale.window();
    let writers: Vec<_> = docs
        .into_iter()
        .map(|doc| {
            let window = Arc::clone(&windows[&doc.client_id()]);
            tokio::spawn(write(url.clone(), doc, window, until))
        })
        .collect();
    // Throughput per second of the window, to see whether it holds up.
    let mut per_second = histogram();
    let mut last = 0;
    while Instant::now() + Duration::from_millis(500) < until {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = seen.load(Ordering::Relaxed);
        record(&mut per_second, Duration::from_micros(now - last));
        last = now;
    }
    tokio::time::sleep_until(until).await;
    let seen_in_window = seen.load(Ordering::Relaxed);
    let window = started.elapsed();
    let used = cpu.stop();
    let mut sent = 0;
    for writer in writers {
        sent += writer.await.context("writer task")?.context("a writer")?;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _ = stop_tx.send(true);
    let observed: Result<()> = observing.await.context("observer task")?;
    let mut report = Report::new("durability", kind.name());
    report.push(
        "writers",
        Value::Text(format!("{WRITERS}, window {WINDOW} each, {window:.1?}")),
    );
    report.push(
        "updates/s seen (casebook: flushed)",
        Value::number(seen_in_window as f64 / window.as_secs_f64(), "updates/s"),
    );
    if !per_second.is_empty() {
        report.push(
            "slowest / fastest second",
            Value::Text(format!(
                "{} / {} updates",
                per_second.min(),
                per_second.max()
            )),
        );
    }
    report.push(
        "updates sent / seen by the observer",
        Value::Text(format!(
            "{sent} / {} ({})",
            seen.load(Ordering::Relaxed),
            match observed {
                Ok(()) => "observer ok".to_owned(),
                Err(e) => format!("observer failed: {e:#}"),
            }
        )),
    );
    report.push_resources(used, target.pid());
    Ok(report)
}
