//! One reconnecting y-sync connection, the type both live replicas use:
//! the postmortem's document ([`crate::sync`], `/sync/{id}`) and its
//! meeting room ([`crate::meeting`], `/sync/{id}/meeting`).
//!
//! A [`Connection`] owns everything about staying connected, once: opening
//! the socket ([`ws::Socket`]), the handshake ([`handshake`]), noticing a
//! socket that went silent, and reopening with the one [`Backoff`] or not at
//! all ([`Reconnect`]). What it hears beyond the handshake it hands to its
//! owner as [`Event`]s; the owner applies updates to its replica and sends
//! its own messages with [`Connection::send`].
//!
//! They are two sockets, not one: the server serves each room at its own
//! path with the plain y-websocket protocol, which has no way to say which
//! room a message is for.

mod backoff;
mod handshake;
mod ws;

pub use backoff::{Backoff, Reconnect};
pub use ws::{discard_early, open_early};

use backoff::{is_silent, SILENCE_CHECK_EVERY};

use casebook_core::protocol::{self, Message, SyncMessage};
use leptos::prelude::{set_interval_with_handle, set_timeout, IntervalHandle};
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CloseEvent, MessageEvent};
use ws::Socket;
use yrs::{Doc, StateVector, Transact};

/// `ws(s)://<host>/sync/{pm}{room}?token=…` on the page's own origin:
/// `room` is `""` for the postmortem's document, `"/meeting"` for its
/// meeting room.
pub fn sync_url(pm: &str, room: &str, token: &str) -> String {
    let location = web_sys::window().map(|w| w.location());
    let host = location
        .as_ref()
        .and_then(|l| l.host().ok())
        .unwrap_or_default();
    let secure = location.and_then(|l| l.protocol().ok()).as_deref() == Some("https:");
    let scheme = if secure { "wss" } else { "ws" };
    let pm = js_sys::encode_uri_component(pm);
    let token = js_sys::encode_uri_component(token);
    format!("{scheme}://{host}/sync/{pm}{room}?token={token}")
}

/// What a connection tells its owner.
#[derive(Debug)]
pub enum Event {
    /// A socket is being opened (the first one or again).
    Connecting,
    /// The socket opened and our sync step 1 went out; the owner may send
    /// what it adds on every connection (presence, edits made offline).
    Opened,
    /// The server's sync step 2: everything it had that we lacked. The
    /// connection counts as synced from here.
    Synced(Vec<u8>),
    /// An update the server broadcast after the handshake.
    Update(Vec<u8>),
    /// Awareness and awareness queries (the meeting room sends none).
    Awareness(Message),
    /// The socket is gone; what happens next.
    Lost(Reconnect),
}

/// Which of the two rooms, for warnings in the console.
#[derive(Debug, Clone, Copy)]
pub enum RoomKind {
    Document,
    MeetingRoom,
}

impl RoomKind {
    fn name(self) -> &'static str {
        match self {
            RoomKind::Document => "document",
            RoomKind::MeetingRoom => "meeting room",
        }
    }
}

struct Shared {
    kind: RoomKind,
    url: RefCell<String>,
    /// The replica the handshake speaks for.
    doc: Doc,
    /// Whether our answer to the server's step 1 carries our state.
    may_write: bool,
    socket: RefCell<Option<Socket>>,
    backoff: Cell<Backoff>,
    last_heard_ms: Cell<f64>,
    /// The server's state vector from its last sync step 1.
    server_state: RefCell<Option<StateVector>>,
    on_event: Box<dyn Fn(Event)>,
    silence_check: Cell<Option<IntervalHandle>>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Some(check) = self.silence_check.take() {
            check.clear();
        }
    }
}

/// A reconnecting socket for one replica; cheap to clone.
#[derive(Clone)]
pub struct Connection(Rc<Shared>);

fn warn(text: &str) {
    web_sys::console::warn_1(&JsValue::from_str(text));
}

impl Connection {
    /// A connection to `url` for the replica `doc`, telling `on_event` what
    /// happens. Nothing is opened until [`Connection::open`].
    pub fn new(
        kind: RoomKind,
        url: String,
        doc: Doc,
        may_write: bool,
        on_event: impl Fn(Event) + 'static,
    ) -> Connection {
        let connection = Connection(Rc::new(Shared {
            kind,
            url: RefCell::new(url),
            doc,
            may_write,
            socket: RefCell::new(None),
            backoff: Cell::new(Backoff::default()),
            last_heard_ms: Cell::new(js_sys::Date::now()),
            server_state: RefCell::new(None),
            on_event: Box::new(on_event),
            silence_check: Cell::new(None),
        }));
        let weak = Rc::downgrade(&connection.0);
        let check = set_interval_with_handle(
            move || with_connection(&weak, |c| c.check_silence()),
            SILENCE_CHECK_EVERY,
        );
        connection.0.silence_check.set(check.ok());
        connection
    }

    /// Opens a socket (replacing one that is open; dropping a socket does
    /// not run its close handler).
    pub fn open(&self) {
        let shared = &self.0;
        let weak = Rc::downgrade(shared);
        let (w1, w2, w3) = (weak.clone(), weak.clone(), weak);
        let url = shared.url.borrow().clone();
        let on_open = move || with_connection(&w1, |c| c.opened());
        let on_message = move |e: MessageEvent| with_connection(&w2, |c| c.received(e));
        let on_close = move |e: CloseEvent| with_connection(&w3, |c| c.closed(e.code()));
        // The page may have opened this address already (`open_early`):
        // then what that socket heard is heard now, after its `open`.
        let adopted = Socket::adopt(&url, on_open.clone(), on_message.clone(), on_close.clone());
        let (socket, open, said_hello, heard) = match adopted {
            Some(early) => (early.socket, early.open, early.said_hello, early.heard),
            None => match Socket::open(&url, on_open, on_message, on_close) {
                Some(socket) => (socket, false, None, Vec::new()),
                None => {
                    warn(&format!(
                        "casebook: could not open the {}",
                        shared.kind.name()
                    ));
                    self.reconnect(Reconnect::Later);
                    return;
                }
            },
        };
        shared.last_heard_ms.set(js_sys::Date::now());
        *shared.socket.borrow_mut() = Some(socket);
        (shared.on_event)(Event::Connecting);
        if open {
            self.opened_having_said(said_hello);
        }
        for message in heard {
            self.received(message);
        }
    }

    /// Opens again at `url` (another token), at once, unless it is the
    /// address already in use.
    pub fn reopen(&self, url: String) {
        if *self.0.url.borrow() == url {
            return;
        }
        *self.0.url.borrow_mut() = url;
        self.reset_backoff();
        self.open();
    }

    pub fn is_open(&self) -> bool {
        self.0.socket.borrow().as_ref().is_some_and(Socket::is_open)
    }

    /// Sends one message, if the socket is open.
    pub fn send(&self, message: &Message) {
        if let Some(socket) = self.0.socket.borrow().as_ref() {
            socket.send(message);
        }
    }

    /// The server's state vector from its last sync step 1: what it had
    /// when we last heard from it.
    pub fn server_state(&self) -> Option<StateVector> {
        self.0.server_state.borrow().clone()
    }

    fn opened(&self) {
        self.opened_having_said(None);
    }

    /// The socket is open; `said`: the state an early hello stated (see
    /// `ws::open_early`). Our hello goes out unless that one stated ours.
    fn opened_having_said(&self, said: Option<StateVector>) {
        let hello = handshake::hello(&self.0.doc.transact());
        let stated = matches!(&hello, Message::Sync(SyncMessage::SyncStep1(ours)) if said.as_ref() == Some(ours));
        if !stated {
            self.send(&hello);
        }
        (self.0.on_event)(Event::Opened);
    }

    fn received(&self, event: MessageEvent) {
        self.0.last_heard_ms.set(js_sys::Date::now());
        let Ok(buffer) = event.data().dyn_into::<js_sys::ArrayBuffer>() else {
            return;
        };
        let frame = js_sys::Uint8Array::new(&buffer).to_vec();
        match protocol::decode_frame(&frame) {
            Ok(messages) => messages.into_iter().for_each(|m| self.handle(m)),
            Err(e) => warn(&format!(
                "casebook: ignored a frame of the {}: {e}",
                self.0.kind.name()
            )),
        }
    }

    fn handle(&self, message: Message) {
        let shared = &self.0;
        match message {
            Message::Sync(SyncMessage::SyncStep1(server)) => {
                let answer = handshake::answer(&shared.doc.transact(), &server, shared.may_write);
                *shared.server_state.borrow_mut() = Some(server);
                self.send(&answer);
            }
            Message::Sync(SyncMessage::SyncStep2(update)) => {
                self.reset_backoff();
                (shared.on_event)(Event::Synced(update));
            }
            Message::Sync(SyncMessage::Update(update)) => (shared.on_event)(Event::Update(update)),
            message @ (Message::Awareness(_) | Message::AwarenessQuery) => {
                (shared.on_event)(Event::Awareness(message))
            }
            Message::Auth(Some(reason)) => warn(&format!("casebook: permission denied: {reason}")),
            Message::Auth(None) | Message::Custom(..) => {}
        }
    }

    /// The socket synced (or a new address is tried): the next failure
    /// starts again from the shortest wait.
    fn reset_backoff(&self) {
        let mut backoff = self.0.backoff.get();
        backoff.reset();
        self.0.backoff.set(backoff);
    }

    fn closed(&self, code: u16) {
        *self.0.socket.borrow_mut() = None;
        if code == casebook_core::close::POLICY_VIOLATION {
            warn("casebook: the server refused a write from this read-only link");
        }
        self.lost(Reconnect::after_close(code));
    }

    /// Every [`SILENCE_CHECK_EVERY`]: a socket that heard nothing for
    /// `backoff::SILENT_LIMIT_MS` is dropped and opened again.
    fn check_silence(&self) {
        let silent = is_silent(self.0.last_heard_ms.get(), js_sys::Date::now());
        if silent && self.0.socket.borrow().is_some() {
            // Dropping the socket does not run our close handler.
            *self.0.socket.borrow_mut() = None;
            self.lost(Reconnect::Soon);
        }
    }

    fn lost(&self, next: Reconnect) {
        self.reconnect(next);
        (self.0.on_event)(Event::Lost(next));
    }

    fn reconnect(&self, next: Reconnect) {
        let mut backoff = self.0.backoff.get();
        let delay = next.delay(&mut backoff, js_sys::Math::random());
        self.0.backoff.set(backoff);
        let Some(delay) = delay else {
            return;
        };
        let weak = Rc::downgrade(&self.0);
        set_timeout(
            move || {
                with_connection(&weak, |c| {
                    // `reopen` may have opened one meanwhile.
                    if c.0.socket.borrow().is_none() {
                        c.open();
                    }
                })
            },
            delay,
        );
    }
}

fn with_connection(weak: &Weak<Shared>, f: impl FnOnce(Connection)) {
    if let Some(shared) = weak.upgrade() {
        f(Connection(shared));
    }
}
