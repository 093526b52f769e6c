//! What the document does with its [`Connection`]: the status shown on the
//! page, the server's updates applied to the replica (keeping every
//! editor's selection), our local updates sent, and what a writer edited
//! offline sent when the socket opens again. Opening, the handshake and
//! reconnecting are the connection's ([`crate::socket`]).

use super::*;

impl Client {
    /// Everything the connection tells the document.
    pub(super) fn on_event(&self, event: Event) {
        let inner = &self.0;
        match event {
            Event::Connecting => {
                crate::marks::mark(crate::marks::SOCKET_OPENING);
                inner.status.set(Status::Connecting)
            }
            Event::Opened => {
                crate::marks::mark(crate::marks::SOCKET_OPEN);
                let mut check = inner.save_check.get();
                check.reopened(now_ms());
                inner.save_check.set(check);
                self.publish_presence();
                self.send_offline_edits();
            }
            Event::Synced(update) => {
                self.apply_remote(&update);
                let mut check = inner.save_check.get();
                check.answered();
                inner.save_check.set(check);
                if inner.status.get_untracked() != Status::Unsaved {
                    inner.status.set(Status::Synced);
                }
                self.show_saved();
                self.refresh_peers();
                crate::marks::mark(crate::marks::SYNCED);
            }
            Event::Update(update) => self.apply_remote(&update),
            Event::Awareness(Message::Awareness(update)) => {
                // An empty update (no clients) is the server's keep-alive.
                if update.clients.is_empty() {
                    return;
                }
                if let Err(e) = inner.awareness.borrow_mut().apply_update(update) {
                    warn(&format!("casebook: bad awareness update: {e}"));
                }
                self.refresh_peers();
            }
            Event::Awareness(Message::AwarenessQuery) => self.send_presence(),
            Event::Awareness(_) => {}
            Event::Lost(next) => {
                let status = if next == Reconnect::Never {
                    Status::Revoked
                } else {
                    Status::Offline
                };
                inner.status.set(status);
                self.refresh_peers();
            }
        }
    }

    /// Edits made offline: send what the server lacked when we last heard
    /// from it (its step 1 will ask for the rest anyway).
    fn send_offline_edits(&self) {
        let inner = &self.0;
        let offline = inner.offline_edits.take();
        let server = inner.connection.server_state();
        let unsent = inner
            .can_edit
            .then(|| offline::unsent_edits(&inner.doc.transact(), server.as_ref(), offline));
        if let Some(Some(diff)) = unsent {
            self.send(&protocol::update(diff));
            self.sent_edits();
        }
    }

    fn apply_remote(&self, update_v1: &[u8]) {
        let inner = &self.0;
        match protocol::decode_update(update_v1) {
            Ok(Some(update)) => self.change_from_elsewhere(|| {
                if let Err(e) = inner.doc.transact_mut_with(REMOTE).apply_update(update) {
                    warn(&format!("casebook: update not applied: {e}"));
                }
            }),
            Ok(None) => {}
            Err(e) => warn(&format!("casebook: undecodable update: {e}")),
        }
        // The observer ignores remote transactions; nothing should be queued,
        // but an update can complete pending local structure: keep it clean.
        self.flush();
    }

    /// Sends the updates of local transactions, or remembers that the
    /// server has to catch up when we are offline.
    pub(super) fn flush(&self) {
        let inner = &self.0;
        let updates: Vec<Vec<u8>> = match inner.outbox.lock() {
            Ok(mut queue) => std::mem::take(&mut *queue),
            Err(_) => return,
        };
        if updates.is_empty() || !inner.can_edit {
            return;
        }
        if !inner.connection.is_open() {
            inner.offline_edits.set(true);
            return;
        }
        for update in updates {
            self.send(&protocol::update(update));
        }
        self.sent_edits();
    }

    /// Edits went out: the server is asked whether it stored them.
    fn sent_edits(&self) {
        let mut check = self.0.save_check.get();
        check.sent(now_ms());
        self.0.save_check.set(check);
    }

    pub(super) fn send(&self, message: &Message) {
        self.0.connection.send(message);
    }
}
