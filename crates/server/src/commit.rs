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
//!
//! A flush costs the same for one update as for a hundred (about 0.1 ms of
//! CPU here, most of it the disk's virtualisation), so while updates come
//! faster than one per two `--commit-wait-ms`, the committer holds a batch
//! until its first update has waited that long, and flushes what came
//! meanwhile with it ([`Pacing`]). A lone typist is never held. Nothing is
//! sent to anyone before its flush either way.
//!
//! The continuations run on one task of the runtime that started the
//! committer, batch after batch in order: the committer hands each flushed
//! batch over with one wake-up, and the socket tasks a broadcast wakes are
//! then woken from inside the runtime (its own run queue) instead of one
//! cross-thread wake-up each from the committer thread. Without a runtime
//! (unit tests) they run on the committer thread.
//! Measured in docs/performance-2026-12-07-wakeups.md.

use crate::metrics::Metrics;
use crate::store::{LogEntry, Store, StoreError};
use std::sync::Arc;
use std::time::{Duration, Instant};
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
    /// `wait`: how long a batch may be held for company (`--commit-wait-ms`;
    /// zero never holds one).
    pub fn start(store: Arc<dyn Store>, metrics: Arc<Metrics>, wait: Duration) -> Self {
        let (queue, mut incoming) = mpsc::unbounded_channel::<(Instant, Pending)>();
        let done = match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                let (done, mut flushed) = mpsc::unbounded_channel::<Flushed>();
                let metrics = Arc::clone(&metrics);
                runtime.spawn(async move {
                    while let Some(flushed) = flushed.recv().await {
                        flushed.run(&metrics);
                    }
                });
                Some(done)
            }
            Err(_) => None,
        };
        std::thread::Builder::new()
            .name("casebook-commit".into())
            .spawn(move || {
                let mut batch = Vec::new();
                let mut pacing = Pacing::new(wait);
                while let Some(first) = incoming.blocking_recv() {
                    let held_from = first.0;
                    pacing.submitted(first.0);
                    batch.push(first);
                    take_queued(&mut incoming, &mut pacing, &mut batch);
                    let updates = batch.iter().any(|(_, p)| p.entry.is_some());
                    if let Some(until) = pacing.hold_until(held_from).filter(|_| updates) {
                        let now = Instant::now();
                        if until > now && batch.len() < MAX_BATCH {
                            std::thread::sleep(until - now);
                            take_queued(&mut incoming, &mut pacing, &mut batch);
                        }
                    }
                    let flushed = commit(&*store, &metrics, &mut batch);
                    match &done {
                        Some(done) => {
                            if let Err(mpsc::error::SendError(flushed)) = done.send(flushed) {
                                // The runtime is shutting down: run them here.
                                flushed.run(&metrics);
                            }
                        }
                        None => flushed.run(&metrics),
                    }
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

/// Adds what is queued to the batch, without waiting (up to [`MAX_BATCH`]).
fn take_queued(
    incoming: &mut mpsc::UnboundedReceiver<(Instant, Pending)>,
    pacing: &mut Pacing,
    batch: &mut Vec<(Instant, Pending)>,
) {
    while batch.len() < MAX_BATCH {
        match incoming.try_recv() {
            Ok(item) => {
                pacing.submitted(item.0);
                batch.push(item);
            }
            Err(_) => break,
        }
    }
}

/// When to hold a batch for company: while the average gap between
/// submissions (a moving average of the last few) is below twice the wait,
/// another update is likely within the wait, and one flush serves both.
#[derive(Debug)]
struct Pacing {
    wait: Duration,
    last: Option<Instant>,
    gap: Option<Duration>,
}

impl Pacing {
    fn new(wait: Duration) -> Self {
        Pacing {
            wait,
            last: None,
            gap: None,
        }
    }

    /// Notes an item submitted at `at`.
    fn submitted(&mut self, at: Instant) {
        if let Some(last) = self.last {
            // Submissions come from several threads: nearly, not exactly, in order.
            let gap = at.saturating_duration_since(last);
            self.gap = Some(match self.gap {
                Some(average) => (average * 7 + gap) / 8,
                None => gap,
            });
        }
        self.last = Some(self.last.map_or(at, |last| last.max(at)));
    }

    /// Until when a batch whose oldest item was submitted at `first` is
    /// held, if it is.
    fn hold_until(&self, first: Instant) -> Option<Instant> {
        let gap = self.gap?;
        (!self.wait.is_zero() && gap < self.wait * 2).then(|| first + self.wait)
    }
}

/// A flushed batch: its items and how the flush went, for the continuations.
struct Flushed {
    items: Vec<(Instant, Pending)>,
    /// When each update of the batch was submitted.
    submitted: Vec<Instant>,
    result: Result<(), Arc<StoreError>>,
}

impl Flushed {
    /// Runs every continuation in arrival order, then their deferred work.
    fn run(self, metrics: &Metrics) {
        let mut after = AfterBatch::default();
        for (_, item) in self.items {
            (item.then)(self.result.clone(), &mut after);
        }
        after.run();
        if self.result.is_ok() {
            let now = Instant::now();
            for at in self.submitted {
                metrics.edit_broadcast(now.saturating_duration_since(at));
            }
        }
    }
}

/// Appends the batch's updates and flushes once.
fn commit(store: &dyn Store, metrics: &Metrics, batch: &mut Vec<(Instant, Pending)>) -> Flushed {
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
    Flushed {
        items: std::mem::take(batch),
        submitted,
        result,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WAIT: Duration = Duration::from_millis(2);

    fn paced(gaps_ms: &[u64]) -> (Pacing, Instant) {
        let mut pacing = Pacing::new(WAIT);
        let mut at = Instant::now();
        pacing.submitted(at);
        for gap in gaps_ms {
            at += Duration::from_millis(*gap);
            pacing.submitted(at);
        }
        (pacing, at)
    }

    #[test]
    fn a_lone_typist_is_never_held() {
        // Ten keystrokes a second.
        let (pacing, at) = paced(&[100; 20]);
        assert_eq!(pacing.hold_until(at), None);
        // Nor the very first update, with nothing to go by.
        assert_eq!(Pacing::new(WAIT).hold_until(at), None);
    }

    #[test]
    fn a_busy_room_is_held_for_the_wait_from_its_oldest_update() {
        // A meeting: 500 updates a second, a gap of 2 ms on average.
        let (pacing, at) = paced(&[1, 3, 2, 2, 1, 3, 2, 2]);
        assert_eq!(pacing.hold_until(at), Some(at + WAIT));
    }

    #[test]
    fn holding_stops_when_the_room_quietens_and_a_zero_wait_never_holds() {
        let (mut pacing, mut at) = paced(&[1; 10]);
        assert!(pacing.hold_until(at).is_some());
        for _ in 0..20 {
            at += Duration::from_millis(50);
            pacing.submitted(at);
        }
        assert_eq!(pacing.hold_until(at), None);
        let mut never = Pacing::new(Duration::ZERO);
        never.submitted(at);
        never.submitted(at);
        assert_eq!(never.hold_until(at), None);
    }

    #[test]
    fn submissions_slightly_out_of_order_do_not_panic_or_count_as_long_gaps() {
        let mut pacing = Pacing::new(WAIT);
        let at = Instant::now() + Duration::from_millis(10);
        pacing.submitted(at);
        pacing.submitted(at - Duration::from_micros(300));
        assert_eq!(pacing.gap, Some(Duration::ZERO));
        assert_eq!(pacing.last, Some(at));
    }
}
