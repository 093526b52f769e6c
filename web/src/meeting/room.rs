//! The meeting room client: a read-only replica of `GET /sync/{id}/meeting`
//! (README "The meeting room") turned into one [`RoomState`] signal.
//!
//! The server writes the room as `casebook_core::meeting_room` lays it out;
//! this client speaks the y-websocket protocol through
//! `casebook_core::protocol` through the one reconnecting
//! [`Connection`] but never writes: it answers the handshake as a replica
//! that may not write, and sends nothing else. After every applied update
//! the room is read again (`meeting_room::read`) into [`RoomState`].

use crate::socket::{Connection, Event, RoomKind};
use casebook_core::comment::Comment;
use casebook_core::document::new_doc;
use casebook_core::meeting::TimerPlan;
use casebook_core::meeting_room::{self, RoomContents};
use casebook_core::protocol;
use casebook_core::timer::Schedule;
use leptos::prelude::*;
use std::ops::Deref;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use yrs::{Doc, ReadTxn, Transact};

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
    connection: Connection,
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
        let doc = new_doc();
        let room = MeetingRoom(Rc::new_cyclic(|weak: &Weak<Inner>| {
            let weak = weak.clone();
            Inner {
                connection: Connection::new(
                    RoomKind::MeetingRoom,
                    url,
                    doc.clone(),
                    false,
                    move |event| {
                        if let Some(inner) = weak.upgrade() {
                            MeetingRoom(inner).on_event(event);
                        }
                    },
                ),
                doc,
                state,
                connected,
            }
        }));
        room.0.connection.open();
        room
    }

    /// Reopens the room at `url` (another token: the server counts who is
    /// here by the token the socket was opened with). The replica is kept.
    pub fn reopen(&self, url: String) {
        self.0.connection.reopen(url);
    }

    fn on_event(&self, event: Event) {
        match event {
            Event::Synced(update) => {
                self.apply(&update);
                self.0.connected.set(true);
                self.publish();
            }
            Event::Update(update) => {
                if self.apply(&update) {
                    self.publish();
                }
            }
            // A revoked link is refused on every retry: the document's
            // connection says so, and nothing reopens.
            Event::Lost(_) => self.0.connected.set(false),
            Event::Connecting | Event::Opened | Event::Awareness(_) => {}
        }
    }

    /// Reads the room again into the page's signal.
    fn publish(&self) {
        let state = RoomState::read(&self.0.doc.transact());
        self.0.state.set(state);
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
}
