//! "Memory": server RSS per idle loaded document and per connected client,
//! and what unloaded documents keep.
//!
//! 1. fresh server, `D` documents created: baseline RSS;
//! 2. one client per document writes 1 KB and stays: (RSS − baseline) / D is
//!    one loaded document with one connection;
//! 3. `C` more clients join document 0: ΔRSS / C per connection;
//! 4. everyone leaves; casebook unloads after `--idle-unload-secs 1`: RSS
//!    then, against the baseline (the allocator may keep freed pages), and
//!    how much of the growth is anonymous memory (heap) and how much
//!    file-backed (program code run since the baseline was taken).

use super::{bounded, Scale};
use crate::client::{Observer, Tracker};
use crate::report::{status_bytes, CpuWindow, Report, Value};
use crate::target::{Kind, Target};
use anyhow::{Context, Result};
use casebook_core::document::{new_doc, BODY};
use std::sync::Arc;
use std::time::Duration;
use yrs::{ReadTxn, StateVector, Text, Transact};

fn rss(target: &Target) -> Result<f64> {
    status_bytes(target.pid(), "VmRSS")
        .map(|b| b as f64)
        .context("cannot read the server's VmRSS")
}

/// `RssAnon` and `RssFile` of the server, in bytes.
fn rss_parts(target: &Target) -> Result<(f64, f64)> {
    let anon = status_bytes(target.pid(), "RssAnon").context("cannot read RssAnon")?;
    let file = status_bytes(target.pid(), "RssFile").context("cannot read RssFile")?;
    Ok((anon as f64, file as f64))
}

async fn settle() {
    tokio::time::sleep(Duration::from_millis(1500)).await;
}

fn kilobyte_update() -> Vec<u8> {
    let doc = new_doc();
    let body = doc.get_or_insert_text(BODY);
    body.insert(&mut doc.transact_mut(), 0, &"postmortem ".repeat(93));
    let txn = doc.transact();
    txn.encode_state_as_update_v1(&StateVector::default())
}

pub async fn run(kind: &Kind, scale: Scale) -> Result<Report> {
    let docs = scale.pick(200, 10);
    let extra = scale.pick(1000, 50);
    let target = Target::start(kind, &["--idle-unload-secs", "1"]).await?;
    let rooms = target.create_rooms("memory", docs).await?;
    let cpu = CpuWindow::start(target.pid());
    settle().await;
    let baseline = rss(&target)?;
    let baseline_parts = rss_parts(&target)?;

    let joins = rooms
        .iter()
        .map(|room| {
            let url = target.ws_url(room);
            async move {
                let mut observer = Observer::join(&url, Duration::from_secs(30)).await?;
                observer.send_update(kilobyte_update()).await?;
                Ok::<_, anyhow::Error>(observer)
            }
        })
        .collect();
    let owners = bounded(64, joins)
        .await
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let tracker = Arc::new(Tracker::default());
    let mut tasks: Vec<_> = owners
        .into_iter()
        .map(|o| tokio::spawn(o.run(Arc::clone(&tracker), stop.clone())))
        .collect();
    settle().await;
    let loaded = rss(&target)?;

    let url = target.ws_url(&rooms[0]);
    let joins = (0..extra)
        .map(|_| Observer::join(&url, Duration::from_secs(30)))
        .collect();
    let more = bounded(64, joins)
        .await
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
    tasks.extend(
        more.into_iter()
            .map(|o| tokio::spawn(o.run(Arc::clone(&tracker), stop.clone()))),
    );
    settle().await;
    let connected = rss(&target)?;

    let _ = stop_tx.send(true);
    for task in tasks {
        let _ = task.await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let unloaded = rss(&target)?;
    let unloaded_parts = rss_parts(&target)?;
    let used = cpu.stop();

    let per_connection = (connected - loaded) / extra as f64;
    let per_doc_and_socket = (loaded - baseline) / docs as f64;
    let mut report = Report::new("memory", kind.name());
    report.push(
        "setup",
        Value::Text(format!(
            "{docs} documents of 1 KB, then {extra} more clients on one"
        )),
    );
    report.push("baseline RSS", Value::number(baseline / 1048576.0, "MiB"));
    report.push(
        "per connection",
        Value::number(per_connection / 1024.0, "KiB"),
    );
    report.push(
        "per loaded document (+1 socket)",
        Value::number(per_doc_and_socket / 1024.0, "KiB"),
    );
    report.push(
        "per loaded document (socket taken off)",
        Value::number((per_doc_and_socket - per_connection) / 1024.0, "KiB"),
    );
    report.push(
        "RSS after all left (+ unload)",
        Value::number(unloaded / 1048576.0, "MiB"),
    );
    report.push(
        "kept per document after leaving",
        Value::number((unloaded - baseline) / docs as f64 / 1024.0, "KiB"),
    );
    report.push(
        "  of it anonymous (heap)",
        Value::number(
            (unloaded_parts.0 - baseline_parts.0) / docs as f64 / 1024.0,
            "KiB",
        ),
    );
    report.push(
        "  of it file-backed (code)",
        Value::number(
            (unloaded_parts.1 - baseline_parts.1) / docs as f64 / 1024.0,
            "KiB",
        ),
    );
    report.push_resources(used, target.pid());
    Ok(report)
}
