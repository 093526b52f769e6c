//! The document's socket: opening it, the y-sync handshake, applying the
//! server's updates, sending ours, and reconnecting.

use super::*;

impl Client {
    pub(super) fn open(&self) {
        let inner = &self.0;
        let weak = Rc::downgrade(&**inner);
        let (w1, w2, w3) = (weak.clone(), weak.clone(), weak);
        let Some(socket) = Socket::open(
            &inner.url,
            move || with_client(&w1, |c| c.opened()),
            move |e: MessageEvent| with_client(&w2, |c| c.received(e)),
            move |e: CloseEvent| with_client(&w3, |c| c.closed(e.code())),
        ) else {
            warn("casebook: could not open the WebSocket");
            self.schedule_reconnect(None);
            return;
        };
        let mut link = inner.link.borrow_mut();
        link.last_heard_ms = now_ms();
        link.socket = Some(socket);
        drop(link);
        inner.status.set(Status::Connecting);
    }

    fn opened(&self) {
        let inner = &self.0;
        let step1 = protocol::sync_step1(&inner.doc.transact());
        self.send(&step1);
        self.publish_presence();
        // Edits made offline: send what the server lacked when we last
        // heard from it (its step 1 will ask for the rest anyway).
        let pending = {
            let mut link = inner.link.borrow_mut();
            let offline = std::mem::take(&mut link.offline_edits);
            match &link.server_sv {
                Some(sv) if offline && inner.can_edit => {
                    Some(inner.doc.transact().encode_state_as_update_v1(sv))
                }
                _ => None,
            }
        };
        if let Some(diff) = pending {
            self.send(&protocol::update(diff));
        }
    }

    fn received(&self, event: MessageEvent) {
        self.0.link.borrow_mut().last_heard_ms = now_ms();
        let Ok(buffer) = event.data().dyn_into::<js_sys::ArrayBuffer>() else {
            return;
        };
        let frame = js_sys::Uint8Array::new(&buffer).to_vec();
        match protocol::decode_frame(&frame) {
            Ok(messages) => messages.into_iter().for_each(|m| self.handle(m)),
            Err(e) => warn(&format!("casebook: ignored a frame: {e}")),
        }
    }

    fn handle(&self, message: Message) {
        let inner = &self.0;
        match message {
            Message::Sync(SyncMessage::SyncStep1(sv)) => {
                let reply = if inner.can_edit {
                    protocol::sync_step2(&inner.doc.transact(), &sv)
                } else {
                    // A viewer has nothing to give: an empty update.
                    Message::Sync(SyncMessage::SyncStep2(Update::new().encode_v1()))
                };
                inner.link.borrow_mut().server_sv = Some(sv);
                self.send(&reply);
            }
            Message::Sync(SyncMessage::SyncStep2(update)) => {
                self.apply_remote(&update);
                inner.link.borrow_mut().backoff.reset();
                inner.status.set(Status::Synced);
                self.refresh_peers();
            }
            Message::Sync(SyncMessage::Update(update)) => self.apply_remote(&update),
            Message::Awareness(update) => {
                // An empty update (no clients) is the server's keep-alive.
                if update.clients.is_empty() {
                    return;
                }
                if let Err(e) = inner.awareness.borrow_mut().apply_update(update) {
                    warn(&format!("casebook: bad awareness update: {e}"));
                }
                self.refresh_peers();
            }
            Message::AwarenessQuery => self.send_presence(),
            Message::Auth(Some(reason)) => warn(&format!("casebook: permission denied: {reason}")),
            Message::Auth(None) | Message::Custom(..) => {}
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

    fn closed(&self, code: u16) {
        let inner = &self.0;
        inner.link.borrow_mut().socket = None;
        inner.status.set(Status::Offline);
        self.refresh_peers();
        if code == casebook_core::close::POLICY_VIOLATION {
            warn("casebook: the server refused a write from this read-only link");
        }
        if code == casebook_core::close::INVITE_REVOKED {
            inner.status.set(Status::Revoked);
            return;
        }
        let delay =
            (code == casebook_core::close::FELL_BEHIND).then_some(Duration::from_millis(100));
        self.schedule_reconnect(delay);
    }

    /// Reopens after `delay`, or after an exponential back-off with jitter.
    pub(super) fn schedule_reconnect(&self, delay: Option<Duration>) {
        let backoff = self
            .0
            .link
            .borrow_mut()
            .backoff
            .next_delay(js_sys::Math::random());
        let delay = delay.unwrap_or(backoff);
        let weak = Rc::downgrade(&*self.0);
        set_timeout(move || with_client(&weak, |c| c.open()), delay);
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
        if !self.is_open() {
            inner.link.borrow_mut().offline_edits = true;
            return;
        }
        for update in updates {
            self.send(&protocol::update(update));
        }
    }

    pub(super) fn is_open(&self) -> bool {
        let link = self.0.link.borrow();
        link.socket.as_ref().is_some_and(Socket::is_open)
    }

    pub(super) fn send(&self, message: &Message) {
        if let Some(socket) = self.0.link.borrow().socket.as_ref() {
            socket.send(message);
        }
    }
}
