//! Whether the server has stored what we sent, so that "synced" is never
//! shown over edits that are not saved (a cluster that lost its storage
//! quorum keeps the socket open while it retries, for up to 20 s).
//!
//! y-sync has no acknowledgement, but the server answers a sync step 1 with
//! its step 2 only once everything it received before that step 1 is
//! durable (the answer waits behind the group commit). So, at most once a
//! [`CHECK_EVERY`] while a writer has unconfirmed edits, the client asks
//! again with a step 1; the answering step 2 confirms every edit sent
//! before the question. Edits unconfirmed for longer than
//! [`UNSAVED_AFTER_MS`] show as "not saved yet" until an answer comes (or
//! the socket closes and the page shows "offline").

use super::*;

/// How often an unconfirmed writer asks the server again.
pub(super) const CHECK_EVERY: Duration = Duration::from_secs(1);
/// Edits unconfirmed for this long are shown as not saved.
pub(super) const UNSAVED_AFTER_MS: f64 = 3_000.0;

/// The bookkeeping of [`Client`]'s save checks, on times in milliseconds.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub(super) struct SaveCheck {
    /// When the oldest edit not confirmed yet was sent.
    unconfirmed_since: Option<f64>,
    /// A question is out.
    asking: bool,
    /// When the first edit sent after the question went out was sent (the
    /// answer does not cover it).
    sent_after_ask: Option<f64>,
}

impl SaveCheck {
    /// Edits were sent at `now`.
    pub(super) fn sent(&mut self, now: f64) {
        if self.asking {
            self.sent_after_ask.get_or_insert(now);
        } else {
            self.unconfirmed_since.get_or_insert(now);
        }
    }

    /// Whether to ask now (then a question is out).
    pub(super) fn ask(&mut self) -> bool {
        if self.asking || self.unconfirmed_since.is_none() {
            return false;
        }
        self.asking = true;
        true
    }

    /// The server's step 2 arrived: what was sent before the question is
    /// stored.
    pub(super) fn answered(&mut self) {
        if !self.asking {
            return;
        }
        self.asking = false;
        self.unconfirmed_since = self.sent_after_ask.take();
    }

    /// A socket opened again at `now`: a question on the old one gets no
    /// answer; what was unconfirmed goes again in the handshake (the
    /// server's step 1 asks for all it lacks) and is asked about afresh.
    pub(super) fn reopened(&mut self, now: f64) {
        let pending = self.unconfirmed_since.is_some() || self.sent_after_ask.is_some();
        *self = SaveCheck::default();
        if pending {
            self.unconfirmed_since = Some(now);
        }
    }

    /// Whether some edit has waited too long for its confirmation.
    pub(super) fn unsaved(&self, now: f64) -> bool {
        self.unconfirmed_since
            .is_some_and(|since| now - since > UNSAVED_AFTER_MS)
    }
}

impl Client {
    /// Every [`CHECK_EVERY`]: asks the server about unconfirmed edits, and
    /// shows "not saved yet" while some wait too long.
    pub(super) fn check_saved(&self) {
        let inner = &self.0;
        let connected = matches!(
            inner.status.get_untracked(),
            Status::Synced | Status::Unsaved
        );
        if !inner.can_edit || !connected || !inner.connection.is_open() {
            return;
        }
        let mut check = inner.save_check.get();
        if check.ask() {
            self.send(&protocol::sync_step1(&inner.doc.transact()));
        }
        inner.save_check.set(check);
        self.show_saved();
    }

    /// Sets "synced" or "not saved yet" from the checks, while connected.
    pub(super) fn show_saved(&self) {
        let inner = &self.0;
        let unsaved = inner.save_check.get().unsaved(now_ms());
        match (inner.status.get_untracked(), unsaved) {
            (Status::Synced, true) => inner.status.set(Status::Unsaved),
            (Status::Unsaved, false) => inner.status.set(Status::Synced),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_confirms_what_was_sent_before_the_question() {
        let mut check = SaveCheck::default();
        assert!(!check.ask(), "nothing sent, nothing to ask");
        check.sent(0.0);
        check.sent(100.0);
        assert!(check.ask());
        assert!(!check.ask(), "one question at a time");
        check.answered();
        assert!(!check.unsaved(10_000.0));
        assert!(!check.ask());
    }

    #[test]
    fn edits_sent_after_the_question_wait_for_the_next_answer() {
        let mut check = SaveCheck::default();
        check.sent(0.0);
        assert!(check.ask());
        check.sent(500.0);
        check.sent(900.0);
        check.answered();
        assert!(!check.unsaved(500.0 + UNSAVED_AFTER_MS));
        assert!(check.unsaved(501.0 + UNSAVED_AFTER_MS));
        assert!(check.ask());
        check.answered();
        assert!(!check.unsaved(100_000.0));
    }

    #[test]
    fn no_answer_shows_unsaved_after_the_limit() {
        let mut check = SaveCheck::default();
        check.sent(1_000.0);
        assert!(check.ask());
        assert!(!check.unsaved(1_000.0 + UNSAVED_AFTER_MS));
        assert!(check.unsaved(1_001.0 + UNSAVED_AFTER_MS));
        // The handshake's own step 2 is no answer to a question never asked.
        let mut fresh = SaveCheck::default();
        fresh.answered();
        assert_eq!(fresh, SaveCheck::default());
        // A new socket re-sends it: asked about again, timed afresh.
        check.reopened(50_000.0);
        assert!(!check.unsaved(50_000.0 + UNSAVED_AFTER_MS));
        assert!(check.ask());
        check.answered();
        assert!(!check.unsaved(1_000_000.0));
        // Nothing pending: nothing to ask after a reconnect.
        check.reopened(60_000.0);
        assert!(!check.ask());
    }
}
