//! Document rooms: one live yrs document per postmortem with its sockets.
//!
//! A room applies an accepted update to its `Doc`, hands it to the group
//! committer, and broadcasts it only once it is durable. A joiner's sync
//! step 2 goes through the committer as a barrier, so a joiner never sees an
//! update that a crash could still lose. Rooms with no sockets leave memory
//! after a grace period (writing a snapshot first) and load again on the next
//! join from snapshot + log tail.

use crate::commit::{GroupCommit, Pending};
use crate::memory::TrimSoon;
use crate::metrics::Metrics;
use crate::store::{LogEntry, Store, StoreError};
use axum::body::Bytes;
use casebook_core::document::new_doc;
use casebook_core::outline;
use casebook_core::protocol::{self, Message};
use casebook_core::scope::{self, Refusal};
use casebook_core::{Phase, Role};
use std::collections::{HashMap, HashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;
use tokio::sync::OnceCell;
use tokio::sync::{broadcast, OwnedSemaphorePermit};
use yrs::block::ClientID;
use yrs::sync::awareness::AwarenessUpdate;
use yrs::sync::Awareness;
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{ReadTxn, StateVector, Transact, Update};

/// Identifies one socket within the server.
pub type ConnId = u64;

/// A WebSocket close: code and the reason shown to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseReason {
    pub code: u16,
    pub reason: String,
}

impl CloseReason {
    pub fn new(code: u16, reason: impl Into<String>) -> Self {
        CloseReason {
            code,
            reason: reason.into(),
        }
    }
}

/// What a room sends to its sockets, in the order it happened. Events go
/// through the room's broadcast channel behind an `Arc`: tokio allocates
/// every slot of the channel up front, and a pointer-sized slot keeps an
/// idle room's backlog at 8 KiB instead of 20 KiB.
#[derive(Debug)]
pub enum RoomEvent {
    /// A frame for every socket but `from`.
    Frame { from: Option<ConnId>, frame: Bytes },
    /// The updates of one group commit, in order: each frame for every
    /// socket but the one it came from.
    Frames(Vec<(Option<ConnId>, Bytes)>),
    /// A frame for one socket only.
    Direct { to: ConnId, frame: Bytes },
    /// Every socket must close.
    Close(CloseReason),
    /// Sockets opened with this invite must close (it was revoked).
    CloseInvite { invite: String, reason: CloseReason },
}

/// Settings that shape rooms.
#[derive(Debug, Clone)]
pub struct RoomConfig {
    /// How long a room with no sockets stays loaded.
    pub idle_unload: Duration,
    /// Log entries after which the room writes a snapshot.
    pub snapshot_every: u64,
    /// Awareness states not renewed for this long are removed (Yjs: 30 s).
    pub awareness_timeout: Duration,
    /// Events a socket may fall behind before it is closed.
    pub broadcast_capacity: usize,
    /// How long the group commit may hold a batch for company while updates
    /// come fast (`crate::commit`).
    pub commit_wait: Duration,
}

impl Default for RoomConfig {
    fn default() -> Self {
        RoomConfig {
            idle_unload: Duration::from_secs(30),
            snapshot_every: 1000,
            awareness_timeout: Duration::from_secs(30),
            broadcast_capacity: 256,
            commit_wait: Duration::from_millis(2),
        }
    }
}

/// Why a room could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("stored update {seq} of document {doc_id} cannot be applied: {reason}")]
    BadUpdate {
        doc_id: String,
        seq: String,
        reason: String,
    },
    #[error("loading the document was interrupted")]
    Interrupted,
}

/// Why an update from a socket was refused.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("update could not be applied: {0}")]
    Invalid(String),
    #[error("the document is being reloaded after a storage error")]
    Failed,
}

struct RoomState {
    awareness: Awareness,
    next_seq: u64,
    /// Sequence number covered by the newest snapshot (exclusive upper bound).
    snapshot_next_seq: u64,
    /// Sync step 2 for a joiner with an empty document, while unchanged.
    full_state_frame: Option<Bytes>,
    /// Awareness client ids each socket announced.
    clients_of: HashMap<ConnId, HashSet<ClientID>>,
    connections: usize,
    unloaded: bool,
    failed: bool,
    /// Bytes the document takes in storage: its snapshot plus the log since.
    stored_bytes: u64,
}

pub struct Room {
    pub id: String,
    /// No socket may write (the meeting room: only the server writes).
    pub read_only: bool,
    state: Mutex<RoomState>,
    events: broadcast::Sender<Arc<RoomEvent>>,
    /// Durable updates of the current group commit, sent as one
    /// [`RoomEvent::Frames`] when its batch ends (or before a direct answer).
    outbox: Mutex<Vec<(Option<ConnId>, Bytes)>>,
    compacting: AtomicBool,
    snapshot_every: u64,
    rooms: Weak<Rooms>,
    /// Cluster mode: the feed of other nodes' updates (stops when dropped).
    follow: Mutex<Option<crate::store::Following>>,
    /// Cluster mode: other nodes' awareness of this document (`nats/presence.rs`).
    relay: Mutex<Option<crate::store::Following>>,
}

fn awareness_frame(update: AwarenessUpdate) -> Bytes {
    protocol::encode(&Message::Awareness(update)).into()
}

impl Room {
    fn lock(&self) -> MutexGuard<'_, RoomState> {
        // A panic while holding the lock is caught and the room marked failed;
        // the state itself stays usable for reads and for unloading.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Subscribes a socket and returns what it must be sent first (server
    /// sync step 1, and everyone's awareness). Returned with the receiver
    /// under one lock, so no event is missed in between.
    pub fn subscribe(&self) -> (broadcast::Receiver<Arc<RoomEvent>>, Vec<Bytes>) {
        let state = self.lock();
        let receiver = self.events.subscribe();
        let txn = state.awareness.doc().transact();
        let mut first: Vec<Bytes> = vec![protocol::encode(&protocol::sync_step1(&txn)).into()];
        drop(txn);
        if let Ok(update) = state.awareness.update() {
            if !update.clients.is_empty() {
                first.push(awareness_frame(update));
            }
        }
        (receiver, first)
    }

    /// A socket's sync step 1: the answer is queued behind every update that is
    /// not durable yet, and sent to that socket alone once they are.
    pub fn sync_step1(self: &Arc<Self>, conn: ConnId, remote: &StateVector, commit: &GroupCommit) {
        let mut state = self.lock();
        let frame = if remote.is_empty() {
            if state.full_state_frame.is_none() {
                let txn = state.awareness.doc().transact();
                let frame: Bytes = protocol::encode(&protocol::sync_step2(&txn, remote)).into();
                drop(txn);
                state.full_state_frame = Some(frame);
            }
            state.full_state_frame.clone().expect("just filled")
        } else {
            let txn = state.awareness.doc().transact();
            protocol::encode(&protocol::sync_step2(&txn, remote)).into()
        };
        let room = Arc::clone(self);
        commit.submit(Pending {
            entry: None,
            then: Box::new(move |result, _| {
                if result.is_ok() {
                    // Updates made durable before it go out first.
                    room.flush_outbox();
                    room.broadcast(RoomEvent::Direct { to: conn, frame });
                }
            }),
        });
    }

    /// Applies an update from a writer socket, then makes it durable, then
    /// broadcasts it to every other socket. `permit` bounds how many of one
    /// socket's updates may wait for the disk at once.
    pub fn apply_update(
        self: &Arc<Self>,
        conn: ConnId,
        update: Update,
        raw: Vec<u8>,
        commit: &GroupCommit,
        permit: OwnedSemaphorePermit,
    ) -> Result<(), ApplyError> {
        let mut state = self.lock();
        if state.failed {
            return Err(ApplyError::Failed);
        }
        let applied = catch_unwind(AssertUnwindSafe(|| {
            let mut txn = state.awareness.doc().transact_mut_with(conn);
            txn.apply_update(update)
        }));
        // An update that refers to changes the document does not have is
        // kept aside by yrs as "pending", and encoding the document then
        // panics (found by the `update` fuzz target): every later joiner would
        // fail. No client of this server can send one honestly (it only builds
        // on what the server sent it), so the room reloads from the log, which
        // never got the update, and the sender is refused.
        let pending =
            matches!(applied, Ok(Ok(()))) && state.awareness.doc().transact().has_missing_updates();
        if pending {
            state.failed = true;
            drop(state);
            self.fail(CloseReason::new(
                casebook_core::close::INTERNAL_ERROR,
                "document reloaded after an update that refers to missing changes",
            ));
            return Err(ApplyError::Invalid(
                "the update refers to changes the document does not have".into(),
            ));
        }
        match applied {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                // yrs reports an invalid parent part-way through, after the
                // blocks before it were integrated: the in-memory document
                // now holds changes that are not in the log. Reload it.
                state.failed = true;
                drop(state);
                self.fail(CloseReason::new(
                    casebook_core::close::INTERNAL_ERROR,
                    "document reloaded after a bad update",
                ));
                return Err(ApplyError::Invalid(e.to_string()));
            }
            Err(_) => {
                // yrs panicked half-way: the in-memory document cannot be
                // trusted, but nothing of it was stored. Reload from disk.
                state.failed = true;
                drop(state);
                self.fail(CloseReason::new(
                    casebook_core::close::INTERNAL_ERROR,
                    "document reloaded after a bad update",
                ));
                return Err(ApplyError::Invalid("the update broke the document".into()));
            }
        }
        self.log_and_broadcast(state, Some(conn), raw, commit, Some(permit));
        Ok(())
    }

    /// Cluster mode: an update another node made durable (it is in the
    /// shared log). Applied and sent to every socket at once. False when the
    /// room no longer takes updates (it failed and reloads).
    pub fn apply_remote(&self, raw: &[u8]) -> bool {
        // Nothing new (a compacted log's snapshot, mostly): not applied,
        // counted nor broadcast.
        if let Ok(update) = Update::decode_v1(raw) {
            if !self.would_change(&update) {
                return true;
            }
        }
        let mut state = self.lock();
        if state.failed {
            return false;
        }
        let applied = Update::decode_v1(raw).ok().and_then(|update| {
            catch_unwind(AssertUnwindSafe(|| {
                state.awareness.doc().transact_mut().apply_update(update)
            }))
            .ok()
        });
        let broken = !matches!(applied, Some(Ok(())))
            || state.awareness.doc().transact().has_missing_updates();
        if broken {
            drop(state);
            // Following failed, or an update arrived ahead of one it builds
            // on: the room reloads from the log, which has them all.
            self.fail(CloseReason::new(
                casebook_core::close::INTERNAL_ERROR,
                "document reloaded to catch up with another node",
            ));
            return false;
        }
        state.full_state_frame = None;
        state.stored_bytes += raw.len() as u64;
        drop(state);
        let frame: Bytes = protocol::encode(&protocol::update(raw.to_vec())).into();
        self.broadcast(RoomEvent::Frame { from: None, frame });
        true
    }

    /// Reads the document under the room's lock (export, readiness, library).
    pub fn read<R>(&self, f: impl FnOnce(&yrs::Transaction) -> R) -> R {
        let state = self.lock();
        let txn = state.awareness.doc().transact();
        f(&txn)
    }

    /// A change made by the server itself (the meeting room's projection):
    /// applied, logged and broadcast like a client's update. `change` gets a
    /// transaction (root types come from it, never from the `Doc`, whose own
    /// transaction would wait for this one); nothing is sent if it changes
    /// nothing.
    pub fn apply_server_change(
        self: &Arc<Self>,
        commit: &GroupCommit,
        change: impl FnOnce(&mut yrs::TransactionMut),
    ) -> Result<(), ApplyError> {
        self.apply_server_change_as(None, commit, change)
    }

    /// [`Room::apply_server_change`] in a transaction whose origin says on
    /// whose behalf the server writes (an accepted suggestion's author), for
    /// observers of the document; the stored update is the same.
    pub fn apply_server_change_as(
        self: &Arc<Self>,
        origin: Option<&str>,
        commit: &GroupCommit,
        change: impl FnOnce(&mut yrs::TransactionMut),
    ) -> Result<(), ApplyError> {
        let state = self.lock();
        if state.failed {
            return Err(ApplyError::Failed);
        }
        let raw = {
            let mut txn = match origin {
                Some(origin) => state.awareness.doc().transact_mut_with(origin),
                None => state.awareness.doc().transact_mut(),
            };
            change(&mut txn);
            txn.encode_update_v1()
        };
        if protocol::decode_update(&raw).ok().flatten().is_none() {
            return Ok(());
        }
        self.log_and_broadcast(state, None, raw, commit, None);
        Ok(())
    }

    /// Logs an applied update through the group committer; once it is
    /// durable, broadcasts it to every socket but `from`.
    fn log_and_broadcast(
        self: &Arc<Self>,
        mut state: MutexGuard<'_, RoomState>,
        from: Option<ConnId>,
        raw: Vec<u8>,
        commit: &GroupCommit,
        permit: Option<OwnedSemaphorePermit>,
    ) {
        let seq = state.next_seq;
        state.next_seq += 1;
        state.stored_bytes += raw.len() as u64;
        state.full_state_frame = None;
        let due_for_snapshot = seq + 1 - state.snapshot_next_seq >= self.snapshot_every;
        let frame: Bytes = protocol::encode(&protocol::update(raw.clone())).into();
        let room = Arc::clone(self);
        commit.submit(Pending {
            entry: Some(LogEntry {
                doc_id: self.id.clone(),
                seq,
                update: raw,
            }),
            then: Box::new(move |result, after| {
                match result {
                    Ok(()) => {
                        if room.queue_frame(from, frame) {
                            after.defer(move || room.flush_outbox());
                        }
                    }
                    // A failed batch fails each of its updates (thousands
                    // while a cluster has no quorum): closed and logged once.
                    Err(e) if !room.lock().failed => room.fail(CloseReason::new(
                        casebook_core::close::INTERNAL_ERROR,
                        format!("storage error: {e}"),
                    )),
                    Err(_) => {}
                }
                drop(permit);
            }),
        });
        drop(state);
        if due_for_snapshot {
            self.spawn_snapshot();
        }
    }

    fn outbox(&self) -> MutexGuard<'_, Vec<(Option<ConnId>, Bytes)>> {
        self.outbox.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues a durable update for the end of its batch; true when the
    /// outbox was empty (the caller then arranges the flush).
    fn queue_frame(&self, from: Option<ConnId>, frame: Bytes) -> bool {
        let mut outbox = self.outbox();
        outbox.push((from, frame));
        outbox.len() == 1
    }

    /// Broadcasts the queued updates as one event.
    fn flush_outbox(&self) {
        let frames = std::mem::take(&mut *self.outbox());
        if !frames.is_empty() {
            self.broadcast(RoomEvent::Frames(frames));
        }
    }

    /// Bytes the document takes in storage (snapshot plus log since), the
    /// measure of `--max-doc-bytes`.
    pub fn stored_bytes(&self) -> u64 {
        self.lock().stored_bytes
    }

    /// Whether `update` would change the document: a block the room does not
    /// have, or a deletion it has not applied. A read-only client's sync
    /// step 2 repeats the document's whole delete set, which changes nothing.
    pub fn would_change(&self, update: &Update) -> bool {
        let state = self.lock();
        let txn = state.awareness.doc().transact();
        let have = txn.state_vector();
        let new_block = update.insertions(true).iter().any(|(client, ranges)| {
            let known = have.get(client);
            ranges.iter().any(|r| r.end > known)
        });
        if new_block {
            return true;
        }
        let deleted = txn.snapshot().delete_set;
        update.delete_set().iter().any(|(client, ranges)| {
            ranges.iter().any(|r| {
                r.clone()
                    .any(|clock| !deleted.contains(&yrs::ID::new(*client, clock)))
            })
        })
    }

    /// Whether `role` may apply one frame's `updates` (v1, in order) while
    /// the meeting is in `phase`: what they touch, against the permission
    /// table (`casebook_core::scope`). Reads only; the caller applies them
    /// after. (Between the two, other updates only add blocks and
    /// deletions, which never move what these touch into another part.)
    pub fn check_writes(
        &self,
        updates: &[&[u8]],
        role: Role,
        phase: Phase,
    ) -> Result<scope::Allowed, Refusal> {
        let state = self.lock();
        let txn = state.awareness.doc().transact();
        scope::check(&txn, updates, role, phase)
    }

    /// The document's sections now (see [`Room::restore_sections`]).
    pub fn outline(&self) -> Vec<outline::Section> {
        let state = self.lock();
        let txn = state.awareness.doc().transact();
        outline::outline(&txn)
    }

    /// Puts back the sections of `before` that an update took out of the
    /// outline with text still in them (`outline::restore_removed`), as a
    /// server change (durable, then broadcast), and logs it.
    pub fn restore_sections(self: &Arc<Self>, before: &[outline::Section], commit: &GroupCommit) {
        let mut restored = Vec::new();
        let result = self.apply_server_change(commit, |txn| {
            restored = outline::restore_removed(txn, before);
        });
        match result {
            Ok(()) if !restored.is_empty() => {
                tracing::info!(doc = %self.id, sections = ?restored, "put back sections removed with text in them");
            }
            Ok(()) => {}
            Err(e) => tracing::warn!(doc = %self.id, error = %e, "sections not put back"),
        }
    }

    /// Applies a socket's awareness update and relays it to the others.
    pub fn apply_awareness(&self, conn: ConnId, update: AwarenessUpdate) {
        let mut state = self.lock();
        state
            .clients_of
            .entry(conn)
            .or_default()
            .extend(update.clients.keys().copied());
        let frame = awareness_frame(update.clone());
        let relayed = self.presence().map(|bus| (bus, update.encode_v1()));
        if state.awareness.apply_update(update).is_ok() {
            self.broadcast(RoomEvent::Frame {
                from: Some(conn),
                frame,
            });
            if let Some((bus, update)) = relayed {
                bus.publish_awareness(&self.id, update);
            }
        }
    }

    /// Cluster mode: this node's presence relay, when there is one.
    fn presence(&self) -> Option<Arc<crate::nats::presence::PresenceBus>> {
        self.rooms.upgrade()?.presence.get().cloned()
    }

    /// Cluster mode: applies another node's awareness update and relays it
    /// to this room's sockets.
    pub fn apply_remote_awareness(&self, update: &[u8]) {
        let Ok(update) = AwarenessUpdate::decode_v1(update) else {
            return;
        };
        let mut state = self.lock();
        if state.unloaded {
            return;
        }
        let frame = awareness_frame(update.clone());
        if state.awareness.apply_update(update).is_ok() {
            self.broadcast(RoomEvent::Frame { from: None, frame });
        }
    }

    /// Cluster mode: the awareness states of this node's own sockets,
    /// encoded (another node asked), or the removal of `gone`.
    fn local_awareness(&self, gone: Option<Vec<ClientID>>) -> Option<Vec<u8>> {
        let state = self.lock();
        let clients: Vec<ClientID> = match gone {
            Some(gone) => gone,
            None => state.clients_of.values().flatten().copied().collect(),
        };
        let known: Vec<ClientID> = state
            .awareness
            .iter()
            .map(|(id, _)| id)
            .filter(|id| clients.contains(id))
            .collect();
        if known.is_empty() {
            return None;
        }
        let update = state.awareness.update_with_clients(known).ok()?;
        Some(update.encode_v1())
    }

    /// Sends an event to every socket of the room.
    pub fn broadcast(&self, event: RoomEvent) {
        let _ = self.events.send(Arc::new(event));
    }

    /// Sends everyone's awareness to one socket that asked for it.
    pub fn send_awareness_to(&self, conn: ConnId) {
        let state = self.lock();
        let update = state.awareness.update().unwrap_or(AwarenessUpdate {
            clients: HashMap::new(),
        });
        self.broadcast(RoomEvent::Direct {
            to: conn,
            frame: awareness_frame(update),
        });
    }

    /// Removes awareness states and tells everyone.
    fn remove_awareness(&self, state: &mut RoomState, clients: impl IntoIterator<Item = ClientID>) {
        let clients: Vec<ClientID> = clients.into_iter().collect();
        if clients.is_empty() {
            return;
        }
        for client in &clients {
            state.awareness.remove_state(*client);
        }
        if let Ok(update) = state.awareness.update_with_clients(clients) {
            self.broadcast(RoomEvent::Frame {
                from: None,
                frame: awareness_frame(update),
            });
        }
    }

    /// Drops awareness states that were not renewed in time.
    pub fn expire_awareness(&self, timeout: Duration) {
        let now = now_millis();
        let mut state = self.lock();
        let stale: Vec<ClientID> = state
            .awareness
            .iter()
            .filter(|(_, s)| {
                s.data.is_some() && now.saturating_sub(s.last_updated) > timeout.as_millis() as u64
            })
            .map(|(id, _)| id)
            .collect();
        self.remove_awareness(&mut state, stale);
    }

    /// Marks the room failed: every socket closes and the next join reloads
    /// the document from storage. Clients keep their edits and resend them.
    fn fail(&self, reason: CloseReason) {
        let mut state = self.lock();
        state.failed = true;
        state.unloaded = true;
        drop(state);
        tracing::warn!(doc = %self.id, reason = %reason.reason, "room failed; it reloads on the next join");
        self.broadcast(RoomEvent::Close(reason));
        if let Some(rooms) = self.rooms.upgrade() {
            rooms.forget(&self.id, self);
        }
    }

    /// Writes a snapshot in the background unless one is being written.
    fn spawn_snapshot(self: &Arc<Self>) {
        if self.compacting.swap(true, Ordering::AcqRel) {
            return;
        }
        let room = Arc::clone(self);
        tokio::task::spawn_blocking(move || loop {
            let before = room.lock().snapshot_next_seq;
            if let Err(e) = room.write_snapshot() {
                tracing::error!(doc = %room.id, error = %e, "snapshot failed; the log keeps everything");
                room.compacting.store(false, Ordering::Release);
                return;
            }
            room.compacting.store(false, Ordering::Release);
            // Updates that fell due while this one was written found it
            // running and were passed over: write the next one now, or the
            // log would keep them until some later update.
            let due = {
                let state = room.lock();
                !state.failed
                    && state.snapshot_next_seq > before
                    && state.next_seq - state.snapshot_next_seq >= room.snapshot_every
            };
            if !due || room.compacting.swap(true, Ordering::AcqRel) {
                return;
            }
        });
    }

    /// Snapshot of everything applied so far. Blocking.
    fn write_snapshot(&self) -> Result<(), StoreError> {
        let (upto_exclusive, state_bytes, bytes_then) = {
            let state = self.lock();
            if state.failed || state.next_seq == state.snapshot_next_seq {
                return Ok(());
            }
            let txn = state.awareness.doc().transact();
            (
                state.next_seq,
                txn.encode_state_as_update_v1(&StateVector::default()),
                state.stored_bytes,
            )
        };
        let Some(rooms) = self.rooms.upgrade() else {
            return Ok(());
        };
        // Updates below `upto_exclusive` were all applied before we encoded; the
        // ones not yet flushed are in the snapshot, so it may run ahead of the
        // log, never behind it.
        rooms
            .store
            .write_snapshot(&self.id, upto_exclusive - 1, &state_bytes)?;
        let mut state = self.lock();
        state.snapshot_next_seq = upto_exclusive;
        // The snapshot replaced the log up to it; what came after stays.
        state.stored_bytes = state_bytes.len() as u64 + (state.stored_bytes - bytes_then);
        Ok(())
    }
}

fn now_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Suffix of the document id under which a postmortem's meeting room is kept.
const MEETING_SUFFIX: &str = "/meeting";

/// The document id of postmortem `pm`'s meeting room (postmortem ids never
/// contain `/`).
pub fn meeting_doc_id(pm: &str) -> String {
    format!("{pm}{MEETING_SUFFIX}")
}

fn is_meeting_doc(doc_id: &str) -> bool {
    doc_id.ends_with(MEETING_SUFFIX)
}

/// Every loaded room, by document id.
pub struct Rooms {
    store: Arc<dyn Store>,
    commit: GroupCommit,
    config: RoomConfig,
    slots: Mutex<HashMap<String, Arc<OnceCell<Arc<Room>>>>>,
    next_conn: AtomicU64,
    /// Freed memory goes back to the OS after rooms unload.
    trim: TrimSoon,
    metrics: Arc<Metrics>,
    /// Cluster mode: the presence relay (`nats/presence.rs`).
    presence: std::sync::OnceLock<Arc<crate::nats::presence::PresenceBus>>,
}

impl Rooms {
    pub fn new(
        store: Arc<dyn Store>,
        commit: GroupCommit,
        config: RoomConfig,
        metrics: Arc<Metrics>,
    ) -> Arc<Self> {
        Arc::new(Rooms {
            store,
            commit,
            config,
            slots: Mutex::new(HashMap::new()),
            next_conn: AtomicU64::new(1),
            trim: TrimSoon::default(),
            metrics,
            presence: std::sync::OnceLock::new(),
        })
    }

    /// Where sockets and rooms record what happens to them.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    pub fn commit(&self) -> &GroupCommit {
        &self.commit
    }

    /// The store the rooms load from and log to.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    fn slots(&self) -> MutexGuard<'_, HashMap<String, Arc<OnceCell<Arc<Room>>>>> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Cluster mode: relays presence through `bus` from now on.
    pub fn set_presence(&self, bus: Arc<crate::nats::presence::PresenceBus>) {
        let _ = self.presence.set(bus);
    }

    /// Number of rooms in memory.
    pub fn loaded_count(&self) -> usize {
        self.slots().values().filter(|c| c.initialized()).count()
    }

    /// Every room in memory (the metrics sample them).
    pub fn all_loaded(&self) -> Vec<Arc<Room>> {
        self.slots()
            .values()
            .filter_map(|s| s.get().cloned())
            .collect()
    }

    /// The room of a document, if it is in memory.
    pub fn loaded(&self, doc_id: &str) -> Option<Arc<Room>> {
        let slot = self.slots().get(doc_id).cloned();
        slot.and_then(|s| s.get().cloned())
    }

    /// Sockets connected to a document (0 when it is not loaded).
    pub fn connections(&self, doc_id: &str) -> usize {
        let slot = self.slots().get(doc_id).cloned();
        slot.and_then(|s| s.get().map(|room| room.lock().connections))
            .unwrap_or(0)
    }

    /// Joins a socket to a document's room, loading it when needed.
    pub async fn join(self: &Arc<Self>, doc_id: &str) -> Result<(Arc<Room>, ConnId), LoadError> {
        loop {
            let slot = Arc::clone(self.slots().entry(doc_id.to_owned()).or_default());
            let room = slot
                .get_or_try_init(|| async {
                    let rooms = Arc::clone(self);
                    let id = doc_id.to_owned();
                    tokio::task::spawn_blocking(move || rooms.load(&id))
                        .await
                        .map_err(|_| LoadError::Interrupted)?
                })
                .await?;
            let mut state = room.lock();
            if state.unloaded {
                // Lost a race with unloading; the slot is gone, take a new one.
                continue;
            }
            state.connections += 1;
            drop(state);
            let conn = self.next_conn.fetch_add(1, Ordering::Relaxed);
            return Ok((Arc::clone(room), conn));
        }
    }

    /// A socket left: its awareness states go, and an empty room is unloaded
    /// after the grace period.
    pub fn leave(self: &Arc<Self>, room: &Arc<Room>, conn: ConnId) {
        let mut state = room.lock();
        let clients = state.clients_of.remove(&conn).unwrap_or_default();
        let gone: Vec<ClientID> = clients.iter().copied().collect();
        room.remove_awareness(&mut state, clients);
        if let Some(bus) = self.presence.get() {
            drop(state);
            if let Some(removed) = room.local_awareness(Some(gone)) {
                bus.publish_awareness(&room.id, removed);
            }
            state = room.lock();
        }
        state.connections -= 1;
        if state.connections > 0 {
            return;
        }
        drop(state);
        let rooms = Arc::clone(self);
        let room = Arc::clone(room);
        let grace = self.config.idle_unload;
        tokio::spawn(async move {
            tokio::time::sleep(grace).await;
            rooms.unload_if_idle(room).await;
        });
    }

    async fn unload_if_idle(self: &Arc<Self>, room: Arc<Room>) {
        if room.lock().connections > 0 {
            return;
        }
        let writer = Arc::clone(&room);
        let snapshot = tokio::task::spawn_blocking(move || writer.write_snapshot()).await;
        if !matches!(snapshot, Ok(Ok(()))) {
            tracing::warn!(doc = %room.id, "snapshot before unloading failed; keeping the room loaded");
            return;
        }
        let mut slots = self.slots();
        let mut state = room.lock();
        // Someone joined, or wrote, while the snapshot was written.
        if state.connections > 0 || state.unloaded || state.next_seq != state.snapshot_next_seq {
            return;
        }
        state.unloaded = true;
        drop(state);
        slots.remove(&room.id);
        drop(slots);
        tracing::debug!(doc = %room.id, "room unloaded");
        // The room's memory is freed when its last `Arc` goes (usually this one).
        drop(room);
        self.trim.request();
    }

    /// Drops a failed room so the next join reloads it.
    fn forget(&self, doc_id: &str, room: &Room) {
        let mut slots = self.slots();
        let same = slots
            .get(doc_id)
            .and_then(|slot| slot.get())
            .is_some_and(|loaded| std::ptr::eq(Arc::as_ptr(loaded), room));
        if same {
            slots.remove(doc_id);
        }
    }

    /// Tells every socket of every room to close (server shutdown).
    pub fn close_all(&self, reason: CloseReason) {
        for slot in self.slots().values() {
            if let Some(room) = slot.get() {
                room.broadcast(RoomEvent::Close(reason.clone()));
            }
        }
    }

    /// Closes the sockets opened with a revoked invite, if its room is loaded.
    pub fn close_invite(&self, doc_id: &str, invite: &str, reason: CloseReason) {
        // The meeting room's sockets too: it shows the meeting as it happens.
        for doc_id in [doc_id.to_owned(), meeting_doc_id(doc_id)] {
            let room = self
                .slots()
                .get(&doc_id)
                .and_then(|slot| slot.get().cloned());
            if let Some(room) = room {
                room.broadcast(RoomEvent::CloseInvite {
                    invite: invite.to_owned(),
                    reason: reason.clone(),
                });
            }
        }
    }

    /// Drops stale awareness in every loaded room.
    pub fn expire_awareness(&self) {
        let rooms: Vec<Arc<Room>> = self
            .slots()
            .values()
            .filter_map(|s| s.get().cloned())
            .collect();
        for room in rooms {
            room.expire_awareness(self.config.awareness_timeout);
        }
    }

    /// Rebuilds a document from its snapshot and log. Blocking; never writes.
    fn load(self: &Arc<Self>, doc_id: &str) -> Result<Arc<Room>, LoadError> {
        let stored = self.store.load_doc(doc_id)?;
        let doc = new_doc();
        let bad = |seq: String, reason: String| LoadError::BadUpdate {
            doc_id: doc_id.to_owned(),
            seq,
            reason,
        };
        let snapshot = stored
            .snapshot
            .as_ref()
            .map(|s| (format!("snapshot<={}", s.upto), &s.state));
        let tail = stored.tail.iter().map(|(seq, u)| (seq.to_string(), u));
        for (seq, bytes) in snapshot.into_iter().chain(tail) {
            let update = Update::decode_v1(bytes).map_err(|e| bad(seq.clone(), e.to_string()))?;
            let applied =
                catch_unwind(AssertUnwindSafe(|| doc.transact_mut().apply_update(update)));
            match applied {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(bad(seq, e.to_string())),
                Err(_) => return Err(bad(seq, "yrs panicked applying it".into())),
            }
        }
        let next_seq = stored.next_seq();
        let followed_from = stored.tail.last().map_or(0, |(seq, _)| *seq);
        let snapshot_next_seq = stored.snapshot.as_ref().map_or(0, |s| s.upto + 1);
        let stored_bytes = stored.snapshot.as_ref().map_or(0, |s| s.state.len())
            + stored.tail.iter().map(|(_, u)| u.len()).sum::<usize>();
        tracing::debug!(doc = %doc_id, log = stored.tail.len(), "room loaded");
        let (events, _) = broadcast::channel(self.config.broadcast_capacity);
        let room = Arc::new(Room {
            id: doc_id.to_owned(),
            read_only: is_meeting_doc(doc_id),
            state: Mutex::new(RoomState {
                awareness: Awareness::new(doc),
                next_seq,
                snapshot_next_seq,
                full_state_frame: None,
                clients_of: HashMap::new(),
                connections: 0,
                unloaded: false,
                failed: false,
                stored_bytes: stored_bytes as u64,
            }),
            events,
            outbox: Mutex::new(Vec::new()),
            compacting: AtomicBool::new(false),
            snapshot_every: self.config.snapshot_every.max(1),
            rooms: Arc::downgrade(self),
            follow: Mutex::new(None),
            relay: Mutex::new(None),
        });
        let weak = Arc::downgrade(&room);
        let follow = self.store.follow_doc(
            doc_id,
            followed_from,
            Box::new(move |update| weak.upgrade().is_some_and(|room| room.apply_remote(update))),
        );
        *room.follow.lock().unwrap_or_else(|p| p.into_inner()) = follow;
        if let Some(bus) = self.presence.get() {
            let (apply, local) = (Arc::downgrade(&room), Arc::downgrade(&room));
            let relay = bus.follow_awareness(
                doc_id,
                Box::new(move |update| {
                    if let Some(room) = apply.upgrade() {
                        room.apply_remote_awareness(update);
                    }
                }),
                Box::new(move || local.upgrade()?.local_awareness(None)),
            );
            *room.relay.lock().unwrap_or_else(|p| p.into_inner()) = Some(relay);
        }
        Ok(room)
    }
}

#[cfg(test)]
pub(crate) mod tests;
