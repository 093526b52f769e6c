//! Limits that keep one client from hurting the others: sockets per document
//! and per server, messages per second per socket, awareness state size and
//! document size (frame size is `--max-frame-bytes`, enforced by the
//! WebSocket codec). Each is a `casebook serve` flag; 0 turns it off.
//!
//! Going over a limit refuses only the client that went over: a socket over
//! the connection limits gets `503` before the upgrade, and an open socket
//! that goes over closes with its own code (`close::DOC_TOO_LARGE`,
//! `AWARENESS_TOO_LARGE`, `TOO_MANY_MESSAGES` in `casebook_core::close`) before anything of the
//! offending frame is applied; its replica keeps the edit, so nothing is
//! silently dropped.

use crate::error::ApiError;
use axum::http::StatusCode;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::Notify;
use yrs::sync::awareness::AwarenessUpdate;

/// The configured limits (0 = no limit).
#[derive(Debug, Clone, Default)]
pub struct LimitSettings {
    pub max_doc_bytes: u64,
    pub max_sockets_per_doc: usize,
    pub max_sockets: usize,
    pub max_messages_per_sec: u32,
    pub max_awareness_bytes: usize,
    /// Seconds one message to a socket may take to go out before the
    /// socket counts as not reading and is closed (4008).
    pub send_timeout_secs: u64,
}

/// The limits and the sockets counted against them.
#[derive(Debug, Default)]
pub struct Limits {
    pub settings: LimitSettings,
    sockets: Mutex<SocketCounts>,
    /// Socket tasks still running (until their closing handshake is over),
    /// which a graceful shutdown waits for.
    running: AtomicUsize,
    /// Woken when `running` falls to zero.
    all_done: Notify,
}

/// A running socket task, counted until it is dropped at the very end of
/// the task, after its close frame went out.
#[derive(Debug)]
pub struct SocketTask {
    limits: Arc<Limits>,
}

impl Drop for SocketTask {
    fn drop(&mut self) {
        if self.limits.running.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.limits.all_done.notify_waiters();
        }
    }
}

#[derive(Debug, Default)]
struct SocketCounts {
    total: usize,
    per_doc: HashMap<String, usize>,
}

/// A socket's place under the connection limits; freed when dropped.
#[derive(Debug)]
pub struct SocketSlot {
    limits: Arc<Limits>,
    doc_id: String,
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        let mut counts = self.limits.counts();
        counts.total = counts.total.saturating_sub(1);
        if let Some(n) = counts.per_doc.get_mut(&self.doc_id) {
            *n -= 1;
            if *n == 0 {
                counts.per_doc.remove(&self.doc_id);
            }
        }
    }
}

fn over(limit: usize, count: usize) -> bool {
    limit > 0 && count >= limit
}

impl Limits {
    pub fn new(settings: LimitSettings) -> Arc<Self> {
        Arc::new(Limits {
            settings,
            sockets: Mutex::default(),
            running: AtomicUsize::new(0),
            all_done: Notify::new(),
        })
    }

    /// Counts a socket task as running until the returned guard drops.
    pub fn socket_task(self: &Arc<Self>) -> SocketTask {
        self.running.fetch_add(1, Ordering::AcqRel);
        SocketTask {
            limits: Arc::clone(self),
        }
    }

    /// Resolves once no socket task is running (at once when none is): a
    /// graceful shutdown waits here so every socket's close frame is sent
    /// before the process exits.
    pub async fn all_socket_tasks_done(&self) {
        loop {
            let done = self.all_done.notified();
            tokio::pin!(done);
            done.as_mut().enable();
            if self.running.load(Ordering::Acquire) == 0 {
                return;
            }
            done.await;
        }
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, SocketCounts> {
        self.sockets.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes a place for one more socket on `doc_id`, or refuses with 503.
    pub fn admit_socket(self: &Arc<Self>, doc_id: &str) -> Result<SocketSlot, ApiError> {
        let mut counts = self.counts();
        if over(self.settings.max_sockets, counts.total) {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "the server has its maximum of {} sockets (--max-sockets); try again later",
                    self.settings.max_sockets
                ),
            ));
        }
        let on_doc = counts.per_doc.get(doc_id).copied().unwrap_or(0);
        if over(self.settings.max_sockets_per_doc, on_doc) {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "this document has its maximum of {} sockets (--max-sockets-per-doc); try again later",
                    self.settings.max_sockets_per_doc
                ),
            ));
        }
        counts.total += 1;
        *counts.per_doc.entry(doc_id.to_owned()).or_default() += 1;
        Ok(SocketSlot {
            limits: Arc::clone(self),
            doc_id: doc_id.to_owned(),
        })
    }

    /// Whether a document of `stored` bytes may take `more`.
    pub fn doc_fits(&self, stored: u64, more: u64) -> bool {
        self.settings.max_doc_bytes == 0 || stored + more <= self.settings.max_doc_bytes
    }

    /// Whether an awareness update's states are within the size limit.
    pub fn awareness_fits(&self, update: &AwarenessUpdate) -> bool {
        let max = self.settings.max_awareness_bytes;
        max == 0 || update.clients.values().all(|entry| entry.json.len() <= max)
    }

    /// How long one message to a socket may take to go out, if limited.
    pub fn send_timeout(&self) -> Option<std::time::Duration> {
        (self.settings.send_timeout_secs > 0)
            .then(|| std::time::Duration::from_secs(self.settings.send_timeout_secs))
    }

    /// A fresh message budget for one socket.
    pub fn message_budget(&self) -> MessageBudget {
        MessageBudget::new(self.settings.max_messages_per_sec)
    }
}

/// A token bucket: `per_sec` messages a second, with a burst of one second's
/// worth. Unlimited when `per_sec` is 0.
#[derive(Debug)]
pub struct MessageBudget {
    per_sec: f64,
    tokens: f64,
    last: Instant,
}

impl MessageBudget {
    pub fn new(per_sec: u32) -> Self {
        MessageBudget {
            per_sec: f64::from(per_sec),
            tokens: f64::from(per_sec),
            last: Instant::now(),
        }
    }

    /// Takes one message from the budget; false when it is spent.
    pub fn take(&mut self) -> bool {
        self.take_at(Instant::now())
    }

    fn take_at(&mut self, now: Instant) -> bool {
        if self.per_sec == 0.0 {
            return true;
        }
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.per_sec).min(self.per_sec);
        if self.tokens < 1.0 {
            return false;
        }
        self.tokens -= 1.0;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn shutdown_waits_for_every_socket_task_and_no_longer() {
        let limits = Limits::new(LimitSettings::default());
        // None running: done at once.
        limits.all_socket_tasks_done().await;
        let first = limits.socket_task();
        let second = limits.socket_task();
        let waiter = tokio::spawn({
            let limits = Arc::clone(&limits);
            async move { limits.all_socket_tasks_done().await }
        });
        drop(first);
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished(), "one task is still running");
        drop(second);
        tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("done once the last task ended")
            .unwrap();
    }

    #[test]
    fn a_budget_allows_a_burst_of_one_second_then_refills() {
        let start = Instant::now();
        let mut budget = MessageBudget::new(10);
        budget.last = start;
        assert!((0..10).all(|_| budget.take_at(start)));
        assert!(!budget.take_at(start));
        assert!(budget.take_at(start + Duration::from_millis(150)));
        assert!(!budget.take_at(start + Duration::from_millis(150)));
    }

    #[test]
    fn zero_means_no_limit() {
        let mut budget = MessageBudget::new(0);
        assert!((0..100_000).all(|_| budget.take()));
        let limits = Limits::new(LimitSettings::default());
        let slots: Vec<_> = (0..1000)
            .map(|_| limits.admit_socket("d").unwrap())
            .collect();
        assert_eq!(slots.len(), 1000);
        assert!(limits.doc_fits(u64::MAX / 2, 1));
    }

    #[test]
    fn sockets_are_counted_per_document_and_per_server_and_freed() {
        let limits = Limits::new(LimitSettings {
            max_sockets_per_doc: 2,
            max_sockets: 3,
            ..LimitSettings::default()
        });
        let a1 = limits.admit_socket("a").unwrap();
        let _a2 = limits.admit_socket("a").unwrap();
        assert_eq!(limits.admit_socket("a").unwrap_err().status, 503);
        let _b1 = limits.admit_socket("b").unwrap();
        assert_eq!(limits.admit_socket("b").unwrap_err().status, 503);
        drop(a1);
        let _b2 = limits.admit_socket("b").unwrap();
    }
}
