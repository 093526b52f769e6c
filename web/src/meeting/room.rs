//! The meeting room client: a read-only replica of `GET /sync/{id}/meeting`
//! (README "The meeting room") turned into one [`RoomState`] signal.
//!
//! The server writes the room as `casebook_core::meeting_room` lays it out;
//! this client speaks the y-websocket protocol through
//! `casebook_core::protocol` but never writes: the server's sync step 1 is
//! answered with an empty step 2 and nothing else is sent. After every
//! applied update the room is read again (`meeting_room::read`) into
//! [`RoomState`].
//! The socket reopens with the shared back-off (`socket::Backoff`) when it
//! closes or goes silent.

use crate::socket::{is_silent, Backoff, Socket};
use casebook_core::comment::Comment;
use casebook_core::document::new_doc;
use casebook_core::meeting::TimerPlan;
use casebook_core::meeting_room::{self, RoomContents};
use casebook_core::protocol::{self, Message, SyncMessage};
use casebook_core::timer::Schedule;
use leptos::prelude::*;
use std::cell::RefCell;
use std::ops::Deref;
use std::rc::{Rc, Weak};
use std::time::Duration;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CloseEvent, MessageEvent};
use yrs::updates::encoder::Encode;
use yrs::{Doc, ReadTxn, Transact, Update};

/// Everything the meeting room shows, parsed: the room's contents as
/// `casebook_core::meeting_room` reads them (fields are reached through
/// `Deref`), and whether the room has synced yet.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RoomState {
    /// The room has synced at least once.
    pub loaded: bool,
    pub contents: RoomContents,
}

impl Deref for RoomState {
    type Target = RoomContents;

    fn deref(&self) -> &RoomContents {
        &self.contents
    }
}

impl RoomState {
    /// Reads the room (`casebook_core::meeting_room`: what does not parse
    /// reads as its default).
    fn read<T: ReadTxn>(txn: &T) -> RoomState {
        RoomState {
            loaded: true,
            contents: meeting_room::read(txn),
        }
    }

    /// Time left in the phase and the meeting at `now_ms`, and what is next.
    pub fn schedule(&self, now_ms: u64) -> Schedule {
        Schedule::at(
            self.phase,
            &self.timer,
            |phase| TimerPlan::planned_ms(&self.timer_plans, phase),
            now_ms,
        )
    }

    pub fn comment(&self, id: &str) -> Option<&Comment> {
        self.comments.iter().find(|c| c.id == id)
    }
}

struct Inner {
    doc: Doc,
    url: RefCell<String>,
    socket: RefCell<Option<Socket>>,
    backoff: RefCell<Backoff>,
    last_heard_ms: RefCell<f64>,
    state: RwSignal<RoomState>,
    connected: RwSignal<bool>,
}

/// A live, read-only replica of one meeting room. Lives as long as the page.
#[derive(Clone)]
pub struct MeetingRoom(Rc<Inner>);

fn warn(text: &str) {
    web_sys::console::warn_1(&JsValue::from_str(text));
}

impl MeetingRoom {
    /// Opens the room at `url`, publishing what it holds into `state`.
    pub fn open(url: String, state: RwSignal<RoomState>, connected: RwSignal<bool>) -> MeetingRoom {
        let room = MeetingRoom(Rc::new(Inner {
            doc: new_doc(),
            url: RefCell::new(url),
            socket: RefCell::new(None),
            backoff: RefCell::new(Backoff::default()),
            last_heard_ms: RefCell::new(js_sys::Date::now()),
            state,
            connected,
        }));
        room.connect();
        let weak = Rc::downgrade(&room.0);
        let _ = set_interval_with_handle(
            move || with_room(&weak, |r| r.check_silence()),
            Duration::from_secs(10),
        );
        room
    }

    fn connect(&self) {
        let inner = &self.0;
        let weak = Rc::downgrade(inner);
        let (w1, w2, w3) = (weak.clone(), weak.clone(), weak);
        let url = inner.url.borrow().clone();
        let Some(socket) = Socket::open(
            &url,
            move || with_room(&w1, |r| r.opened()),
            move |e: MessageEvent| with_room(&w2, |r| r.received(e)),
            move |e: CloseEvent| with_room(&w3, |r| r.closed(e.code())),
        ) else {
            warn("casebook: could not open the meeting room");
            self.reconnect_later();
            return;
        };
        *inner.last_heard_ms.borrow_mut() = js_sys::Date::now();
        *inner.socket.borrow_mut() = Some(socket);
    }

    /// Reopens the room at `url` (another token: the server counts who is
    /// here by the token the socket was opened with). The replica is kept.
    pub fn reopen(&self, url: String) {
        if *self.0.url.borrow() == url {
            return;
        }
        *self.0.url.borrow_mut() = url;
        // Dropping the socket does not run our close handler.
        *self.0.socket.borrow_mut() = None;
        self.0.backoff.borrow_mut().reset();
        self.connect();
    }

    fn opened(&self) {
        let step1 = protocol::sync_step1(&self.0.doc.transact());
        self.send(&step1);
    }

    fn received(&self, event: MessageEvent) {
        *self.0.last_heard_ms.borrow_mut() = js_sys::Date::now();
        let Ok(buffer) = event.data().dyn_into::<js_sys::ArrayBuffer>() else {
            return;
        };
        let frame = js_sys::Uint8Array::new(&buffer).to_vec();
        let messages = match protocol::decode_frame(&frame) {
            Ok(messages) => messages,
            Err(e) => {
                warn(&format!("casebook: ignored a meeting room frame: {e}"));
                return;
            }
        };
        let mut changed = false;
        for message in messages {
            match message {
                // We never write: our answer to the server's step 1 is empty.
                Message::Sync(SyncMessage::SyncStep1(_)) => {
                    self.send(&Message::Sync(SyncMessage::SyncStep2(
                        Update::new().encode_v1(),
                    )));
                }
                Message::Sync(SyncMessage::SyncStep2(update)) => {
                    self.apply(&update);
                    self.0.backoff.borrow_mut().reset();
                    self.0.connected.set(true);
                    changed = true;
                }
                Message::Sync(SyncMessage::Update(update)) => changed |= self.apply(&update),
                _ => {}
            }
        }
        if changed {
            let state = RoomState::read(&self.0.doc.transact());
            self.0.state.set(state);
        }
    }

    fn apply(&self, update_v1: &[u8]) -> bool {
        match protocol::decode_update(update_v1) {
            Ok(Some(update)) => match self.0.doc.transact_mut().apply_update(update) {
                Ok(()) => true,
                Err(e) => {
                    warn(&format!("casebook: meeting room update not applied: {e}"));
                    false
                }
            },
            Ok(None) => false,
            Err(e) => {
                warn(&format!("casebook: undecodable meeting room update: {e}"));
                false
            }
        }
    }

    fn closed(&self, code: u16) {
        *self.0.socket.borrow_mut() = None;
        self.0.connected.set(false);
        // A revoked link is refused on every retry: the document's
        // connection says so, and nothing reopens.
        if code != casebook_core::close::INVITE_REVOKED {
            self.reconnect_later();
        }
    }

    fn reconnect_later(&self) {
        let delay = self
            .0
            .backoff
            .borrow_mut()
            .next_delay(js_sys::Math::random());
        let weak = Rc::downgrade(&self.0);
        set_timeout(move || with_room(&weak, |r| r.connect()), delay);
    }

    fn check_silence(&self) {
        let silent = is_silent(*self.0.last_heard_ms.borrow(), js_sys::Date::now());
        let open = self.0.socket.borrow().is_some();
        if silent && open {
            // Dropping the socket does not run our close handler.
            *self.0.socket.borrow_mut() = None;
            self.0.connected.set(false);
            self.reconnect_later();
        }
    }

    fn send(&self, message: &Message) {
        if let Some(socket) = self.0.socket.borrow().as_ref() {
            socket.send(message);
        }
    }
}

fn with_room(weak: &Weak<Inner>, f: impl FnOnce(MeetingRoom)) {
    if let Some(inner) = weak.upgrade() {
        f(MeetingRoom(inner));
    }
}
