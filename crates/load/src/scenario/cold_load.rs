//! "Cold load": the `automerge-paper` editing trace (259,778 operations)
//! replayed into a yrs document, stored through the server, compacted and
//! unloaded (`--idle-unload-secs 1`); then a client joins the cold document.
//! Measured: connect → sync step 2 received, which includes the token check,
//! reading snapshot + log tail from sled, applying them, and encoding step 2.
//!
//! The document reaches the server as one update (its full state), which is
//! exactly what compaction of the 259,778-entry log would store as snapshot.
//! Casebook only: the reference server keeps nothing on disk.

use super::Scale;
use crate::client::Observer;
use crate::report::{histogram, record, CpuWindow, Report, Value};
use crate::target::{Kind, Target};
use crate::trace;
use anyhow::Result;
use std::time::Duration;
use tokio::time::Instant;
use yrs::{ReadTxn, StateVector, Transact};

pub async fn run(kind: &Kind, scale: Scale) -> Result<Option<Report>> {
    if !kind.is_casebook() {
        return Ok(None);
    }
    let mut report = Report::new("cold-load", kind.name());
    if trace::traces_dir().is_none() {
        println!("cold-load: editing traces not found (set CASEBOOK_TRACES to the editing-traces folder); skipped");
        report.push(
            "trace",
            Value::Text("absent: set CASEBOOK_TRACES; skipped".into()),
        );
        return Ok(Some(report));
    }
    let replayed = tokio::task::spawn_blocking(|| trace::replay("automerge-paper")).await??;
    let state = replayed
        .doc
        .transact()
        .encode_state_as_update_v1(&StateVector::default());
    let target = Target::start(kind, &["--idle-unload-secs", "1"]).await?;
    let room = target.create_room("cold-load").await?;
    let url = target.ws_url(&room);
    let mut seed = Observer::join(&url, Duration::from_secs(30)).await?;
    seed.send_update(state.clone()).await?;
    // Wait until a second client sees it, then let everyone leave.
    Observer::wait_for_size(&url, state.len() / 2, Duration::from_secs(60)).await?;
    drop(seed);
    let rounds = scale.pick(5, 1);
    let mut loads = histogram();
    let cpu = CpuWindow::start(target.pid());
    for _ in 0..rounds {
        // Unload: 1 s grace, snapshot, out of memory.
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let started = Instant::now();
        let observer = Observer::join(&url, Duration::from_secs(30)).await?;
        record(&mut loads, started.elapsed());
        drop(observer);
    }
    let used = cpu.stop();
    report.push(
        "trace",
        Value::Text(format!(
            "automerge-paper, {} operations (CC BY 4.0, J. Gentle / M. Kleppmann)",
            replayed.operations
        )),
    );
    report.push(
        "document state",
        Value::number(state.len() as f64 / 1024.0, "KiB"),
    );
    report.push("cold join (connect → synced)", Value::latency(&loads));
    report.push_resources(used, target.pid());
    Ok(Some(report))
}
