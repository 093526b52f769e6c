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
//! thousand.

use crate::store::{LogEntry, Store, StoreError};
use std::sync::Arc;
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
    queue: mpsc::UnboundedSender<Pending>,
}

/// Most items written in one flush; bounds the latency of the first of them.
const MAX_BATCH: usize = 8192;

impl GroupCommit {
    /// Starts the committer thread. It ends when every handle is dropped,
    /// after committing what was queued.
    pub fn start(store: Arc<dyn Store>) -> Self {
        let (queue, mut incoming) = mpsc::unbounded_channel::<Pending>();
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
                    commit(&*store, &mut batch);
                }
            })
            .expect("spawning the commit thread");
        GroupCommit { queue }
    }

    /// Queues an item. Its continuation runs on the committer thread.
    pub fn submit(&self, item: Pending) {
        if let Err(mpsc::error::SendError(item)) = self.queue.send(item) {
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

fn commit(store: &dyn Store, batch: &mut Vec<Pending>) {
    let entries: Vec<LogEntry> = batch.iter_mut().filter_map(|p| p.entry.take()).collect();
    let result = if entries.is_empty() {
        Ok(())
    } else {
        store.append_updates(&entries).and_then(|()| store.flush())
    };
    let result = result.map_err(|e| {
        tracing::error!(error = %e, updates = entries.len(), "group commit failed");
        Arc::new(e)
    });
    let mut after = AfterBatch::default();
    for item in batch.drain(..) {
        (item.then)(result.clone(), &mut after);
    }
    after.run();
}
