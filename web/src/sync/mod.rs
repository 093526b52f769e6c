//! The y-websocket client: one `Doc`, its awareness and one WebSocket that
//! reconnects with back-off.
//!
//! Framing is `casebook_core::protocol`'s: one y-sync message per frame out,
//! any number per frame in. On open we send sync step 1 and our awareness;
//! the server's step 1 is answered with step 2 (an empty one for viewers, who
//! must never write); "synced" means the server's step 2 has arrived. Local
//! updates are collected by an update observer into an outbox that is sent
//! after each local edit; updates applied with the [`REMOTE`] origin are not.
//!
//! The client also owns the page's section editors ([`SectionEditor`]): a
//! remote update (or undo/redo) keeps every editor's selection on its
//! characters and redraws their backdrops (comment marks, other people's
//! carets). Undo is a yrs `UndoManager` tracking only the [`LOCAL`] origin,
//! so it never takes back someone else's words. Writers keep their replica
//! in this browser ([`crate::persist`]) so that edits made offline survive a
//! reload and merge when the socket comes back.

mod awareness;
mod connection;
mod editors;
mod offline;
mod saving;

pub use offline::kept_state;

use crate::backdrop::{Mark, RemoteCursor};
use crate::editor::{SectionEditor, LOCAL, REMOTE};
use crate::persist;
use crate::presence::{self, Cursor, Peer, Presence};
use crate::socket::{Connection, Event, Reconnect, RoomKind};
use casebook_core::document::{new_doc, section_text_name, TEMPLATE};
use casebook_core::outline::{self, OutlineError, Section};
use casebook_core::protocol::{self, Message};
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::rc::{Rc, Weak};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wasm_bindgen::prelude::*;
use web_sys::{Element, HtmlTextAreaElement};
use yrs::sync::Awareness;
use yrs::undo::Options as UndoOptions;
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{
    Assoc, Doc, IndexedSequence, Origin, ReadTxn, StateVector, StickyIndex, Transact,
    TransactionMut, UndoManager, Update,
};

/// What the connection indicator shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Connecting,
    Synced,
    Offline,
    /// The facilitator revoked the link this page was opened with: the
    /// server closed the socket (4003) and will refuse it; no reconnecting.
    Revoked,
    /// Connected, but edits sent a while ago are not confirmed stored yet
    /// (see [`saving`]).
    Unsaved,
}

impl Status {
    /// The `data-state` value of `#connection`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Connecting => "connecting",
            Status::Synced => "synced",
            Status::Offline => "offline",
            Status::Revoked => "revoked",
            Status::Unsaved => "unsaved",
        }
    }
}

/// How often our awareness state is renewed.
const RENEW_EVERY: Duration = Duration::from_secs(15);
/// Remote awareness states older than this are dropped (as Yjs does).
const STALE_AFTER_MS: f64 = 30_000.0;

struct Inner {
    pm_id: String,
    doc: Doc,
    awareness: RefCell<Awareness>,
    presence: RefCell<Presence>,
    /// The section editors on the page (one per section shown).
    editors: RefCell<Vec<SectionEditor>>,
    undo: RefCell<UndoManager>,
    marks: RwSignal<Vec<Mark>>,
    /// The socket, its handshake and reconnecting.
    connection: Connection,
    /// Local edits were made while no socket was open.
    offline_edits: Cell<bool>,
    /// Encoded v1 updates of local transactions, not yet sent.
    outbox: Arc<Mutex<Vec<Vec<u8>>>>,
    /// A save of the local replica is scheduled.
    save_scheduled: Cell<bool>,
    /// Whether the server confirmed storing what we sent ([`saving`]).
    save_check: Cell<saving::SaveCheck>,
    can_edit: bool,
    status: RwSignal<Status>,
    peers: RwSignal<Vec<Peer>>,
    version: RwSignal<u64>,
    selection: RwSignal<Option<TextSelection>>,
    editable: RwSignal<bool>,
    /// Whether pasting or dropping an image uploads it (the page sets it
    /// from the permission table).
    images_allowed: RwSignal<bool>,
    rendered: RwSignal<bool>,
    outline: RwSignal<Vec<Section>>,
    can_undo: RwSignal<bool>,
    can_redo: RwSignal<bool>,
}

/// The selection in the section editor that has (or last had) the focus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextSelection {
    pub section: String,
    /// UTF-16 units of the section's text, `start <= end`.
    pub start: u32,
    pub end: u32,
}

/// A handle on the postmortem's live document; cheap to clone. (The
/// browser is single-threaded: the `SendWrapper` only satisfies leptos.)
#[derive(Clone)]
pub struct Client(SendWrapper<Rc<Inner>>);

fn now_ms() -> f64 {
    js_sys::Date::now()
}

fn clock() -> u64 {
    now_ms() as u64
}

fn warn(text: &str) {
    web_sys::console::warn_1(&JsValue::from_str(text));
}

impl Client {
    /// A client for postmortem `pm_id`'s document at `url`, showing
    /// `presence` to the others. Edits kept in this browser from an earlier
    /// visit are loaded first (see [`crate::persist`]). Call
    /// [`Client::connect`] to go live.
    pub fn new(pm_id: String, url: String, can_edit: bool, presence: Presence) -> Client {
        let doc = new_doc();
        if can_edit {
            offline::restore_kept(&doc, &pm_id);
        }
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
        let mut undo = UndoManager::with_options(UndoOptions {
            capture_timeout_millis: 600,
            tracked_origins: HashSet::from([Origin::from(LOCAL)]),
            capture_transaction: None,
            timestamp: Arc::new(clock),
            init_undo_stack: Vec::new(),
            init_redo_stack: Vec::new(),
        });
        for section in TEMPLATE {
            let text = doc.get_or_insert_text(section_text_name(section.id).as_str());
            undo.expand_scope(&doc, &text);
        }
        let awareness = Awareness::with_clock(doc.clone(), clock);
        let outline = outline::outline(&doc.transact());
        let connection_doc = doc.clone();
        Client(SendWrapper::new(Rc::new_cyclic(|weak: &Weak<Inner>| {
            let weak = weak.clone();
            let on_event = move |event| with_client(&weak, |c| c.on_event(event));
            Inner {
                pm_id,
                doc,
                awareness: RefCell::new(awareness),
                presence: RefCell::new(presence),
                editors: RefCell::default(),
                undo: RefCell::new(undo),
                marks: RwSignal::new(Vec::new()),
                connection: Connection::new(
                    RoomKind::Document,
                    url,
                    connection_doc,
                    can_edit,
                    on_event,
                ),
                offline_edits: Cell::new(false),
                outbox,
                save_scheduled: Cell::new(false),
                save_check: Cell::default(),
                can_edit,
                status: RwSignal::new(Status::Connecting),
                peers: RwSignal::new(Vec::new()),
                version: RwSignal::new(0),
                selection: RwSignal::new(None),
                editable: RwSignal::new(can_edit),
                images_allowed: RwSignal::new(false),
                rendered: RwSignal::new(false),
                outline: RwSignal::new(outline),
                can_undo: RwSignal::new(false),
                can_redo: RwSignal::new(false),
            }
        })))
    }

    pub fn status(&self) -> RwSignal<Status> {
        self.0.status
    }

    pub fn peers(&self) -> RwSignal<Vec<Peer>> {
        self.0.peers
    }

    /// The live document, to read (anchors, previews, checks). Writes go
    /// through the editors and [`Client::edit_outline`].
    pub fn doc(&self) -> Doc {
        self.0.doc.clone()
    }

    /// Bumped after every change of the document, local or remote.
    pub fn version(&self) -> RwSignal<u64> {
        self.0.version
    }

    pub fn selection(&self) -> RwSignal<Option<TextSelection>> {
        self.0.selection
    }

    /// Whether the textareas take input. Starts as the role allows; the
    /// page may narrow it (e.g. during silent reading).
    pub fn editable(&self) -> RwSignal<bool> {
        self.0.editable
    }

    /// Whether an image pasted or dropped into a section is uploaded.
    pub fn images_allowed(&self) -> RwSignal<bool> {
        self.0.images_allowed
    }

    /// The postmortem this document belongs to.
    pub fn pm_id(&self) -> &str {
        &self.0.pm_id
    }

    /// Whether the sections show their rendered text (rather than their
    /// editors) unless a section was switched on its own. The page sets it
    /// for the phase; the reader switches it.
    pub fn rendered(&self) -> RwSignal<bool> {
        self.0.rendered
    }

    /// The comment highlights (tracked), for the rendered sections.
    pub fn marks(&self) -> RwSignal<Vec<Mark>> {
        self.0.marks
    }

    /// The sections, in reading order, kept up to date.
    pub fn outline(&self) -> RwSignal<Vec<Section>> {
        self.0.outline
    }

    pub fn can_undo(&self) -> RwSignal<bool> {
        self.0.can_undo
    }

    pub fn can_redo(&self) -> RwSignal<bool> {
        self.0.can_redo
    }

    /// Comment highlights to draw in the section editors.
    pub fn set_marks(&self, marks: Vec<Mark>) {
        if self.0.marks.with_untracked(|m| *m == marks) {
            return;
        }
        self.0.marks.set(marks);
        self.decorate_all();
    }

    /// A section's Markdown as it is now.
    pub fn section_markdown(&self, section: &str) -> String {
        outline::section_markdown(&self.0.doc.transact(), section)
    }

    /// Opens the socket, renews presence every 15 s and says goodbye when
    /// the page goes away.
    pub fn connect(&self) {
        self.publish_presence();
        self.0.connection.open();
        let weak = Rc::downgrade(&*self.0);
        let _ = set_interval_with_handle(
            move || {
                if let Some(inner) = weak.upgrade() {
                    Client(SendWrapper::new(inner)).tick();
                }
            },
            RENEW_EVERY,
        );
        let weak = Rc::downgrade(&*self.0);
        let _ = set_interval_with_handle(
            move || with_client(&weak, |c| c.check_saved()),
            saving::CHECK_EVERY,
        );
        let weak = Rc::downgrade(&*self.0);
        let handle = window_event_listener(leptos::ev::pagehide, move |_| {
            if let Some(inner) = weak.upgrade() {
                let client = Client(SendWrapper::new(inner));
                client.save_now();
                client.leave();
            }
        });
        // The listener lives as long as the page.
        std::mem::forget(handle);
    }
}

fn with_client(weak: &Weak<Inner>, f: impl FnOnce(Client)) {
    if let Some(inner) = weak.upgrade() {
        f(Client(SendWrapper::new(inner)));
    }
}
