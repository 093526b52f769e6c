//! Group commit: one flush makes every update that arrived meanwhile durable.
//!
//! Rooms hand each accepted update (and each "barrier", a message that must
//! not be sent before everything ahead of it is durable) to one committer
//! thread. It takes whatever has queued up, appends it to the log, flushes
//! once, and then runs each item's continuation in arrival order — that is
//! where rooms broadcast, so nothing is broadcast before it is durable.
//! Continuations may defer work to the end of the batch ([`AfterBatch`]):
//! rooms send all of one batch's updates as one broadcast event, so a burst
//! of a thousand durable updates is one slot of a socket's backlog, not a
//! thousand. Each batch is measured ([`Metrics::group_committed`]), and so
//! is each update's wait from its submission (just after the room applied
//! it) to the end of its batch, when it has been broadcast
//! ([`Metrics::edit_broadcast`]).

use crate::metrics::Metrics;
use crate::store::{LogEntry, Store, StoreError};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc;

/// What to do once an item is durable (or failed to become so).
pub type Then = Box<dyn FnOnce(Result<(), Arc<StoreError>>, &mut AfterBatch) + Send>;

/// Work continuations defer until every continuation of the batch has run.
#[derive(Default)]
pub struct AfterBatch(Vec<Box<dyn FnOnce() + Send>>);

impl AfterBatch {
    /// Runs `work` once the batch's continuations are done.
    pub fn defer(&mut self, work: impl FnOnce() + Send + 'static) {
        self.0.push(Box::new(work));
    }

    fn run(self) {
        for work in self.0 {
            work();
        }
    }
}

/// One queued item: an update for the log, or `None` for a barrier.
pub struct Pending {
    pub entry: Option<LogEntry>,
    pub then: Then,
}

/// Handle to the committer thread.
#[derive(Clone)]
pub struct GroupCommit {
    queue: mpsc::UnboundedSender<(Instant, Pending)>,
}

/// Most items written in one flush; bounds the latency of the first of them.
const MAX_BATCH: usize = 8192;

impl GroupCommit {
    /// Starts the committer thread. It ends when every handle is dropped,
    /// after committing what was queued.
    pub fn start(store: Arc<dyn Store>, metrics: Arc<Metrics>) -> Self {
        let (queue, mut incoming) = mpsc::unbounded_channel::<(Instant, Pending)>();
        std::thread::Builder::new()
            .name("casebook-commit".into())
            .spawn(move || {
                let mut batch = Vec::new();
                while let Some(first) = incoming.blocking_recv() {
                    batch.push(first);
                    while batch.len() < MAX_BATCH {
                        match incoming.try_recv() {
                            Ok(item) => batch.push(item),
                            Err(_) => break,
                        }
                    }
                    commit(&*store, &metrics, &mut batch);
                }
            })
            .expect("spawning the commit thread");
        GroupCommit { queue }
    }

    /// Queues an item. Its continuation runs on the committer thread.
    pub fn submit(&self, item: Pending) {
        if let Err(mpsc::error::SendError((_, item))) = self.queue.send((Instant::now(), item)) {
            // Only after shutdown: nothing can be made durable any more.
            let gone = StoreError::Corrupt {
                key: "commit queue".into(),
                reason: "the server is shutting down".into(),
            };
            let mut after = AfterBatch::default();
            (item.then)(Err(Arc::new(gone)), &mut after);
            after.run();
        }
    }
}

fn commit(store: &dyn Store, metrics: &Metrics, batch: &mut Vec<(Instant, Pending)>) {
    let mut submitted = Vec::new();
    let entries: Vec<LogEntry> = batch
        .iter_mut()
        .filter_map(|(at, p)| {
            let entry = p.entry.take()?;
            submitted.push(*at);
            Some(entry)
        })
        .collect();
    let result = if entries.is_empty() {
        Ok(())
    } else {
        let started = Instant::now();
        let result = store.append_updates(&entries).and_then(|()| store.flush());
        metrics.group_committed(entries.len(), started.elapsed(), result.is_ok());
        result
    };
    let result = result.map_err(|e| {
        tracing::error!(error = %e, updates = entries.len(), "group commit failed");
        Arc::new(e)
    });
    let mut after = AfterBatch::default();
    for (_, item) in batch.drain(..) {
        (item.then)(result.clone(), &mut after);
    }
    after.run();
    if result.is_ok() {
        let now = Instant::now();
        for at in submitted {
            metrics.edit_broadcast(now.saturating_duration_since(at));
        }
    }
}
