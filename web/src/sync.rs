//! The y-websocket client: one `Doc`, its awareness and one WebSocket that
//! reconnects with back-off.
//!
//! Framing is `casebook_core::protocol`'s: one y-sync message per frame out,
//! any number per frame in. On open we send sync step 1 and our awareness;
//! the server's step 1 is answered with step 2 (an empty one for viewers, who
//! must never write); "synced" means the server's step 2 has arrived. Local
//! updates are collected by an update observer into an outbox that is sent
//! after each local edit; updates applied with the [`REMOTE`] origin are not.

use crate::editor::{Editor, REMOTE};
use crate::presence::{Peer, Presence};
use casebook_core::document::{new_doc, BODY};
use casebook_core::protocol::{self, Message, SyncMessage};
use leptos::prelude::*;
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{BinaryType, CloseEvent, HtmlTextAreaElement, MessageEvent, WebSocket};
use yrs::sync::Awareness;
use yrs::updates::encoder::Encode;
use yrs::{Doc, Origin, ReadTxn, StateVector, TextRef, Transact, Update};

/// What the connection indicator shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Connecting,
    Synced,
    Offline,
}

impl Status {
    /// The `data-state` value of `#connection`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Connecting => "connecting",
            Status::Synced => "synced",
            Status::Offline => "offline",
        }
    }
}

/// Close code: the client fell behind the room's broadcast (README).
const FELL_BEHIND: u16 = 4008;
/// How often our awareness state is renewed.
const RENEW_EVERY: Duration = Duration::from_secs(15);
/// Remote awareness states older than this are dropped (as Yjs does).
const STALE_AFTER_MS: f64 = 30_000.0;
/// A socket silent for this long is presumed dead and reopened.
const SILENT_LIMIT_MS: f64 = 45_000.0;
const BACKOFF_CAP_MS: f64 = 10_000.0;

/// One open (or opening) WebSocket with its handlers.
struct Socket {
    ws: WebSocket,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}

/// Connection bookkeeping.
#[derive(Default)]
struct Link {
    socket: Option<Socket>,
    /// Failed attempts since the last successful sync.
    attempt: u32,
    /// The server's state vector from its last sync step 1.
    server_sv: Option<StateVector>,
    /// Local edits were made while no socket was open.
    offline_edits: bool,
    last_heard_ms: f64,
}

struct Inner {
    doc: Doc,
    body: TextRef,
    awareness: RefCell<Awareness>,
    presence: RefCell<Presence>,
    editor: RefCell<Editor>,
    link: RefCell<Link>,
    /// Encoded v1 updates of local transactions, not yet sent.
    outbox: Arc<Mutex<Vec<Vec<u8>>>>,
    url: String,
    can_edit: bool,
    status: RwSignal<Status>,
    peers: RwSignal<Vec<Peer>>,
}

/// A handle on the postmortem's live document; cheap to clone.
#[derive(Clone)]
pub struct Client(Rc<Inner>);

fn now_ms() -> f64 {
    js_sys::Date::now()
}

fn warn(text: &str) {
    web_sys::console::warn_1(&JsValue::from_str(text));
}

/// `ws(s)://<host>/sync/{id}?token=…` for the page's own origin.
pub fn sync_url(id: &str, token: &str) -> String {
    let location = web_sys::window().map(|w| w.location());
    let host = location
        .as_ref()
        .and_then(|l| l.host().ok())
        .unwrap_or_default();
    let secure = location.and_then(|l| l.protocol().ok()).as_deref() == Some("https:");
    let scheme = if secure { "wss" } else { "ws" };
    let id = js_sys::encode_uri_component(id);
    let token = js_sys::encode_uri_component(token);
    format!("{scheme}://{host}/sync/{id}?token={token}")
}

impl Client {
    /// A client for the document at `url`, showing `presence` to the others.
    /// Call [`Client::connect`] to go live.
    pub fn new(url: String, can_edit: bool, presence: Presence) -> Client {
        let doc = new_doc();
        let body = doc.get_or_insert_text(BODY);
        let outbox: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
        let sink = outbox.clone();
        let remote = Origin::from(REMOTE);
        let observed = doc.observe_update_v1("casebook-web", move |txn, event| {
            if txn.origin() != Some(&remote) {
                if let Ok(mut queue) = sink.lock() {
                    queue.push(event.update.clone());
                }
            }
        });
        if observed.is_err() {
            warn("casebook: could not observe document updates");
        }
        let awareness = Awareness::with_clock(doc.clone(), || now_ms() as u64);
        Client(Rc::new(Inner {
            doc,
            body,
            awareness: RefCell::new(awareness),
            presence: RefCell::new(presence),
            editor: RefCell::default(),
            link: RefCell::default(),
            outbox,
            url,
            can_edit,
            status: RwSignal::new(Status::Connecting),
            peers: RwSignal::new(Vec::new()),
        }))
    }

    pub fn status(&self) -> RwSignal<Status> {
        self.0.status
    }

    pub fn peers(&self) -> RwSignal<Vec<Peer>> {
        self.0.peers
    }

    /// Opens the socket, renews presence every 15 s and says goodbye when
    /// the page goes away.
    pub fn connect(&self) {
        self.publish_presence();
        self.open();
        let weak = Rc::downgrade(&self.0);
        let _ = set_interval_with_handle(
            move || {
                if let Some(inner) = weak.upgrade() {
                    Client(inner).tick();
                }
            },
            RENEW_EVERY,
        );
        let weak = Rc::downgrade(&self.0);
        let handle = window_event_listener(leptos::ev::pagehide, move |_| {
            if let Some(inner) = weak.upgrade() {
                Client(inner).leave();
            }
        });
        // The listener lives as long as the page.
        std::mem::forget(handle);
    }

    /// Binds the textarea (see [`Editor`]).
    pub fn attach(&self, textarea: HtmlTextAreaElement) {
        let inner = &self.0;
        inner
            .editor
            .borrow_mut()
            .attach(textarea, &inner.doc, &inner.body);
    }

    pub fn on_input(&self) {
        let inner = &self.0;
        if !inner.can_edit {
            return;
        }
        let changed = inner
            .editor
            .borrow_mut()
            .local_input(&inner.doc, &inner.body);
        self.after_local_edit(changed);
    }

    pub fn on_composition_start(&self) {
        let inner = &self.0;
        inner
            .editor
            .borrow_mut()
            .composition_start(&inner.doc, &inner.body);
    }

    pub fn on_composition_end(&self) {
        let inner = &self.0;
        if !inner.can_edit {
            return;
        }
        let changed = inner
            .editor
            .borrow_mut()
            .composition_end(&inner.doc, &inner.body);
        self.after_local_edit(changed);
    }

    /// Sends what a local edit changed, then the caret that moved with it.
    fn after_local_edit(&self, changed: bool) {
        if changed {
            self.flush();
        }
        self.selection_changed();
    }

    /// Shares the caret position (anchor, head) with the others.
    pub fn selection_changed(&self) {
        let editor = self.0.editor.borrow();
        if editor.is_composing() {
            return;
        }
        let selection = editor.selection();
        drop(editor);
        let changed = self.0.presence.borrow_mut().set_cursor(selection);
        if changed {
            self.publish_presence();
        }
    }

    /// Renames us (name and colour) for the others.
    pub fn set_user(&self, name: String, color: String) {
        self.0.presence.borrow_mut().set_user(name, color);
        self.publish_presence();
    }

    fn open(&self) {
        let inner = &self.0;
        let ws = match WebSocket::new(&inner.url) {
            Ok(ws) => ws,
            Err(_) => {
                warn("casebook: could not open the WebSocket");
                self.schedule_reconnect(None);
                return;
            }
        };
        ws.set_binary_type(BinaryType::Arraybuffer);
        let weak = Rc::downgrade(inner);
        let on_open = Closure::<dyn FnMut()>::new({
            let weak = weak.clone();
            move || with_client(&weak, |c| c.opened())
        });
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new({
            let weak = weak.clone();
            move |e: MessageEvent| with_client(&weak, |c| c.received(e))
        });
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new({
            let weak = weak.clone();
            move |e: CloseEvent| with_client(&weak, |c| c.closed(e.code()))
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        let mut link = inner.link.borrow_mut();
        link.last_heard_ms = now_ms();
        link.socket = Some(Socket {
            ws,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
        });
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
                inner.link.borrow_mut().attempt = 0;
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
            Ok(Some(update)) => {
                inner
                    .editor
                    .borrow_mut()
                    .remote_update(&inner.doc, &inner.body, update);
            }
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
        if code == 1008 {
            warn("casebook: the server refused a write from this read-only link");
        }
        let delay = (code == FELL_BEHIND).then_some(Duration::from_millis(100));
        self.schedule_reconnect(delay);
    }

    /// Reopens after `delay`, or after an exponential back-off with jitter.
    fn schedule_reconnect(&self, delay: Option<Duration>) {
        let attempt = {
            let mut link = self.0.link.borrow_mut();
            link.attempt += 1;
            link.attempt
        };
        let delay = delay.unwrap_or_else(|| {
            let base = (500.0 * 2f64.powi(attempt.min(10) as i32 - 1)).min(BACKOFF_CAP_MS);
            let jittered = base * (0.5 + 0.5 * js_sys::Math::random());
            Duration::from_millis(jittered as u64)
        });
        let weak = Rc::downgrade(&self.0);
        set_timeout(move || with_client(&weak, |c| c.open()), delay);
    }

    /// Sends the updates of local transactions, or remembers that the
    /// server has to catch up when we are offline.
    fn flush(&self) {
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

    fn is_open(&self) -> bool {
        let link = self.0.link.borrow();
        link.socket
            .as_ref()
            .is_some_and(|s| s.ws.ready_state() == WebSocket::OPEN)
    }

    fn send(&self, message: &Message) {
        let link = self.0.link.borrow();
        let Some(socket) = link.socket.as_ref() else {
            return;
        };
        if socket.ws.ready_state() == WebSocket::OPEN {
            let _ = socket.ws.send_with_u8_array(&protocol::encode(message));
        }
    }

    /// Sets our awareness state from [`Presence`] and sends it.
    fn publish_presence(&self) {
        let state = self.0.presence.borrow().to_json();
        self.0.awareness.borrow_mut().set_local_state_raw(state);
        self.send_presence();
        self.refresh_peers();
    }

    fn send_presence(&self) {
        let awareness = self.0.awareness.borrow();
        let me = awareness.client_id();
        if let Ok(update) = awareness.update_with_clients([me]) {
            drop(awareness);
            self.send(&Message::Awareness(update));
        }
    }

    fn refresh_peers(&self) {
        let awareness = self.0.awareness.borrow();
        let me = awareness.client_id();
        let mut peers = Peer::all(&awareness, me);
        drop(awareness);
        // Offline we cannot know who is still here (y-websocket forgets them
        // too); their states come back, or expire, once we reconnect.
        if self.0.status.get_untracked() == Status::Offline {
            peers.retain(|p| p.me);
        }
        self.0.peers.set(peers);
    }

    /// Every 15 s: renew our presence, forget people not heard of for 30 s,
    /// and reopen a socket that went silent.
    fn tick(&self) {
        let inner = &self.0;
        let now = now_ms();
        {
            let mut awareness = inner.awareness.borrow_mut();
            let me = awareness.client_id();
            let stale: Vec<_> = awareness
                .iter()
                .filter(|(id, state)| {
                    *id != me
                        && state.data.is_some()
                        && now - (state.last_updated as f64) > STALE_AFTER_MS
                })
                .map(|(id, _)| id)
                .collect();
            for id in stale {
                awareness.remove_state(id);
            }
        }
        self.publish_presence();
        let silent = now - inner.link.borrow().last_heard_ms > SILENT_LIMIT_MS;
        if silent && self.is_open() {
            // Dropping the socket closes it without running our close
            // handler, so reconnect here.
            inner.link.borrow_mut().socket = None;
            inner.status.set(Status::Offline);
            self.refresh_peers();
            self.schedule_reconnect(Some(Duration::ZERO));
        }
    }

    /// The page is going away: tell the others we left.
    fn leave(&self) {
        self.0.awareness.borrow_mut().clean_local_state();
        self.send_presence();
    }
}

fn with_client(weak: &Weak<Inner>, f: impl FnOnce(Client)) {
    if let Some(inner) = weak.upgrade() {
        f(Client(inner));
    }
}
