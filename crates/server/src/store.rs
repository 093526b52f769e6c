//! Durable storage: postmortem records, each document's update log and
//! snapshot, and the server's secrets.
//!
//! [`Store`] is the seam where a shared store could be added; [`SledStore`] is
//! the embedded default (one data directory, nothing else to run). Writes of
//! document updates are *not* durable until [`Store::flush`]: the group
//! committer in `commit` batches them so one flush serves many updates.
//! `SledStore` appends them to its write-ahead log (`wal`: one `fdatasync`
//! per flush) and moves them into sled's `doc_log` tree in bulk; everything
//! else is in sled.

use crate::wal::{Wal, WalError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

/// What went wrong in storage. Never silent: every write that fails is
/// refused to its sender.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("storage failed: {0}")]
    Sled(#[from] sled::Error),
    #[error(transparent)]
    Wal(#[from] WalError),
    #[error("stored record {key} is corrupt: {reason}")]
    Corrupt { key: String, reason: String },
    /// Cluster mode: NATS refused or did not answer in time.
    #[error("cluster storage failed: {0}")]
    Nats(String),
    /// Cluster mode: another node appended first; read again and retry.
    #[error("another node wrote first: {0}")]
    Conflict(String),
    #[error("{dir} is not a readable Casebook data directory: {reason}; refusing to start so that nothing in it is overwritten (restore a backup into a new directory, or point --data-dir elsewhere)")]
    Unreadable { dir: String, reason: String },
}

/// A postmortem as stored (the document itself lives in the update log).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PostmortemRecord {
    pub id: String,
    pub title: String,
    /// Unix seconds.
    pub created_at: u64,
    /// When the incident began and the case's time zone, once someone said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<casebook_core::case::Incident>,
}

/// An invite link: a role in one postmortem, until it expires or is revoked.
/// The token itself is not stored; it is re-signed from these fields.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct InviteRecord {
    pub id: String,
    pub postmortem: String,
    pub role: casebook_core::Role,
    /// Unix seconds.
    pub created_at: u64,
    /// Unix seconds.
    pub expires_at: u64,
    /// Unix seconds, once revoked.
    pub revoked_at: Option<u64>,
}

/// One document update in the log, numbered per document.
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub doc_id: String,
    pub seq: u64,
    pub update: Vec<u8>,
}

/// Everything needed to rebuild a document: the newest snapshot (covering log
/// entries up to and including `upto`) and the log entries after it, in order.
#[derive(Debug, Default)]
pub struct StoredDoc {
    pub snapshot: Option<Snapshot>,
    pub tail: Vec<(u64, Vec<u8>)>,
}

#[derive(Debug)]
pub struct Snapshot {
    pub upto: u64,
    pub state: Vec<u8>,
}

impl StoredDoc {
    /// The sequence number the next update of this document gets.
    pub fn next_seq(&self) -> u64 {
        let snap = self.snapshot.as_ref().map_or(0, |s| s.upto + 1);
        let tail = self.tail.last().map_or(0, |(seq, _)| seq + 1);
        snap.max(tail)
    }
}

/// Storage behind the server. Every method is blocking; callers on the async
/// runtime use `spawn_blocking` or the group-commit thread.
pub trait Store: Send + Sync + 'static {
    /// Stores a new postmortem durably (flushed before returning); a record
    /// with a known id replaces the stored one.
    fn create_postmortem(&self, record: &PostmortemRecord) -> Result<(), StoreError>;
    fn postmortem(&self, id: &str) -> Result<Option<PostmortemRecord>, StoreError>;
    /// Every postmortem, newest first.
    fn postmortems(&self) -> Result<Vec<PostmortemRecord>, StoreError>;
    /// Reads a document's snapshot and log tail. Never writes.
    fn load_doc(&self, doc_id: &str) -> Result<StoredDoc, StoreError>;
    /// Appends updates to their documents' logs; durable after [`Store::flush`].
    fn append_updates(&self, entries: &[LogEntry]) -> Result<(), StoreError>;
    /// Makes every write so far durable.
    fn flush(&self) -> Result<(), StoreError>;
    /// Durably stores a snapshot that covers the log up to `upto`, then drops
    /// those log entries. A snapshot older than the stored one is ignored.
    fn write_snapshot(&self, doc_id: &str, upto: u64, state: &[u8]) -> Result<(), StoreError>;
    /// Stores (or replaces) an invite durably.
    fn put_invite(&self, invite: &InviteRecord) -> Result<(), StoreError>;
    fn invite(&self, postmortem: &str, id: &str) -> Result<Option<InviteRecord>, StoreError>;
    /// A postmortem's invites, oldest first.
    fn invites(&self, postmortem: &str) -> Result<Vec<InviteRecord>, StoreError>;
    /// Appends a postmortem's meeting events (JSON) durably, numbered from
    /// `first_seq`. The caller numbers them from [`Store::meeting_events`]'s
    /// length and serialises appends per postmortem.
    fn append_meeting_events(
        &self,
        postmortem: &str,
        first_seq: u64,
        events: &[Vec<u8>],
    ) -> Result<(), StoreError>;
    /// A postmortem's meeting events, in order.
    fn meeting_events(&self, postmortem: &str) -> Result<Vec<Vec<u8>>, StoreError>;
    /// A secret by name, created with `make` (and stored durably) on first use.
    fn secret(&self, name: &str, make: &dyn Fn() -> Vec<u8>) -> Result<Vec<u8>, StoreError>;
    /// Appends one version of a postmortem's document (a JSON
    /// `casebook_core::versions::StoredVersion`) durably, as number `seq`.
    /// The caller numbers versions from [`Store::versions`]'s length and
    /// serialises appends per postmortem (under the meeting's lock).
    fn append_version(&self, postmortem: &str, seq: u64, version: &[u8]) -> Result<(), StoreError>;
    /// A postmortem's stored versions, in order.
    fn versions(&self, postmortem: &str) -> Result<Vec<Vec<u8>>, StoreError>;
    /// Everything stored, tree by tree (for backups; see `backup.rs`, whose
    /// `GatedStore` makes it a consistent point in time).
    fn dump(&self) -> Result<Vec<DumpedTree>, StoreError>;
    /// Stores image `id` (the hex SHA-256 of `bytes`) of `postmortem`
    /// durably (flushed before returning), unless the postmortem already
    /// holds `max_images` other images (0: no limit). Storing an image the
    /// postmortem already holds changes nothing and is not refused. Calls
    /// for one postmortem are serialised, so concurrent uploads cannot pass
    /// the limit together.
    fn put_image(
        &self,
        postmortem: &str,
        id: &str,
        bytes: &[u8],
        max_images: u64,
    ) -> Result<PutImage, StoreError>;
    /// The bytes of image `id` of `postmortem`, if stored.
    fn image(&self, postmortem: &str, id: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// The ids of the images `postmortem` holds.
    fn image_ids(&self, postmortem: &str) -> Result<Vec<String>, StoreError>;
    /// Deletes image `id` of `postmortem` durably (for the unused-image
    /// sweep, `images/gc.rs`); deleting an image not stored changes
    /// nothing. Serialised with [`Store::put_image`] for the postmortem.
    fn delete_image(&self, postmortem: &str, id: &str) -> Result<(), StoreError>;

    /// Whether other processes write to this store too (cluster mode): then
    /// meetings read the newest events before deciding a command, and rooms
    /// follow other nodes' updates. False for the embedded store.
    fn shared(&self) -> bool {
        false
    }

    /// Claims the document entry (Q&A, Kudos) marked `key` of `postmortem`
    /// for this process before it writes it: false when another node holds
    /// the claim (cluster mode, `nats/entries.rs`). The embedded store has
    /// one process, whose own check of the document's marks suffices.
    fn claim_entry(&self, _postmortem: &str, _key: &str) -> Result<bool, StoreError> {
        Ok(true)
    }

    /// Cluster mode: calls `deliver` with each update that another node
    /// appends to `doc_id` after log position `after` (the last `seq` that
    /// [`Store::load_doc`] returned, or 0), in log order, until `deliver`
    /// returns false or the returned handle is dropped. An empty update
    /// means following failed (the room should reload). `None`: nobody else
    /// writes (the embedded store).
    fn follow_doc(&self, _doc_id: &str, _after: u64, _deliver: Deliver) -> Option<Following> {
        None
    }

    /// Cluster mode: calls `revoked(postmortem, invite)` each time any node
    /// stores a revoked invite (this one included), until the handle is
    /// dropped, so every node closes the sockets opened with it. `None`:
    /// nobody else revokes (the embedded store).
    fn watch_revocations(&self, _revoked: Revoked) -> Option<Following> {
        None
    }

    /// Cluster mode: calls `moved(postmortem)` each time another node
    /// appends meeting events, until the handle is dropped, so this node
    /// catches up at once (phase, write rights, meeting room). `None` for
    /// the embedded store.
    fn watch_meetings(&self, _moved: Moved) -> Option<Following> {
        None
    }

    /// Called once on a graceful shutdown, after the sockets closed: moves
    /// whatever the store keeps in a side log into its main structure
    /// (`SledStore`: the update log into sled's `doc_log`), so a stopped
    /// server's data directory is sled alone. Durability never depends on
    /// it (a crash skips it and the next open does the same). A store
    /// without such a log keeps this default, which does nothing.
    fn checkpoint(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

/// What [`Store::put_image`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutImage {
    /// Stored now.
    Stored,
    /// The postmortem already held these bytes.
    AlreadyStored,
    /// Not stored: the postmortem holds its most images.
    Full,
}

/// Receives another node's update ([`Store::follow_doc`]); false: stop.
pub type Deliver = Box<dyn Fn(&[u8]) -> bool + Send + Sync>;

/// Told of a revoked invite ([`Store::watch_revocations`]).
pub type Revoked = Box<dyn Fn(&str, &str) + Send + Sync>;

/// Told of another node's meeting events ([`Store::watch_meetings`]).
pub type Moved = Box<dyn Fn(&str) + Send + Sync>;

/// Following a document ([`Store::follow_doc`]) stops when this is dropped.
pub type Following = Box<dyn std::any::Any + Send + Sync>;

/// One tree of the store with all its entries, in key order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DumpedTree {
    pub name: Vec<u8>,
    pub entries: Vec<(Vec<u8>, Vec<u8>)>,
}

/// The embedded sled store.
pub struct SledStore {
    db: sled::Db,
    postmortems: sled::Tree,
    log: sled::Tree,
    snapshots: sled::Tree,
    secrets: sled::Tree,
    invites: sled::Tree,
    meeting_events: sled::Tree,
    versions: sled::Tree,
    /// `postmortem\0sha256-hex` → the image's bytes.
    images: sled::Tree,
    /// Serialises `put_image`'s count and insert.
    image_writes: std::sync::Mutex<()>,
    /// Document updates not yet moved into `log` (see `wal`).
    wal: Mutex<Wal>,
}

/// Log entries a snapshot removes per sled batch (see `write_snapshot`).
const SNAPSHOT_REMOVALS_PER_BATCH: usize = 64;

/// Log keys are `doc_id`, a 0 byte, then the big-endian sequence number, so a
/// prefix scan returns one document's log in order. Invite keys use the same
/// prefix followed by the invite id.
fn log_prefix(doc_id: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(doc_id.len() + 9);
    key.extend_from_slice(doc_id.as_bytes());
    key.push(0);
    key
}

fn log_key(doc_id: &str, seq: u64) -> Vec<u8> {
    let mut key = log_prefix(doc_id);
    key.extend_from_slice(&seq.to_be_bytes());
    key
}

fn corrupt(key: impl Into<String>, reason: impl ToString) -> StoreError {
    StoreError::Corrupt {
        key: key.into(),
        reason: reason.to_string(),
    }
}

impl SledStore {
    /// Opens (or creates) the data directory. Fails with a clear error when
    /// the directory cannot be read or is not a Casebook database: sled
    /// itself would silently start afresh over a damaged configuration file,
    /// so a directory that holds anything must hold sled's configuration and
    /// Casebook's trees.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        let unreadable = |reason: String| StoreError::Unreadable {
            dir: dir.display().to_string(),
            reason,
        };
        let existing = match std::fs::read_dir(dir) {
            Ok(mut entries) => entries.next().is_some(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(unreadable(e.to_string())),
        };
        if existing {
            let conf = std::fs::read(dir.join("conf"))
                .map_err(|e| unreadable(format!("its sled configuration file `conf`: {e}")))?;
            if !conf.starts_with(b"segment_size: ") {
                return Err(unreadable(
                    "its sled configuration file `conf` is damaged".into(),
                ));
            }
        }
        let db = sled::Config::new().path(dir).open()?;
        if existing && !db.tree_names().iter().any(|n| n == b"postmortems") {
            return Err(unreadable("it holds no Casebook data".into()));
        }
        // Opened once sled holds the directory's lock.
        let (wal, records, torn) = Wal::open(dir)?;
        if torn > 0 {
            tracing::warn!(
                bytes = torn,
                "dropped the torn end of the update log (a write cut short by a crash, never acknowledged)"
            );
        }
        let store = SledStore {
            postmortems: db.open_tree("postmortems")?,
            log: db.open_tree("doc_log")?,
            snapshots: db.open_tree("doc_snapshots")?,
            secrets: db.open_tree("secrets")?,
            invites: db.open_tree("invites")?,
            meeting_events: db.open_tree("meeting_events")?,
            versions: db.open_tree("versions")?,
            images: db.open_tree("images")?,
            image_writes: std::sync::Mutex::new(()),
            wal: Mutex::new(wal),
            db,
        };
        if !records.is_empty() {
            let mut wal = store.wal();
            store.move_into_sled(&mut wal, records)?;
        }
        Ok(store)
    }

    fn wal(&self) -> MutexGuard<'_, Wal> {
        self.wal.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Compaction: moves the log's records into sled's `doc_log` (leaving
    /// out what a snapshot covers), flushes sled, then empties the log.
    fn move_into_sled(
        &self,
        wal: &mut Wal,
        records: Vec<crate::wal::OwnedRecord>,
    ) -> Result<(), StoreError> {
        let mut covered: HashMap<String, Option<u64>> = HashMap::new();
        let mut batch = sled::Batch::default();
        let mut moved = 0usize;
        for record in &records {
            let upto = match covered.get(&record.doc_id) {
                Some(upto) => *upto,
                None => {
                    let upto = match self.snapshots.get(record.doc_id.as_bytes())? {
                        Some(raw) => Some(Self::decode_snapshot(&record.doc_id, &raw)?.upto),
                        None => None,
                    };
                    covered.insert(record.doc_id.clone(), upto);
                    upto
                }
            };
            if upto.is_some_and(|upto| record.seq <= upto) {
                continue;
            }
            batch.insert(
                log_key(&record.doc_id, record.seq),
                record.update.as_slice(),
            );
            moved += 1;
        }
        self.log.apply_batch(batch)?;
        self.db.flush()?;
        wal.clear()?;
        tracing::debug!(
            records = records.len(),
            moved,
            "update log compacted into the store"
        );
        Ok(())
    }

    /// Compacts the log if it holds anything.
    fn compact(&self, wal: &mut Wal) -> Result<(), StoreError> {
        if wal.is_empty() {
            return Ok(());
        }
        let records = wal.records()?;
        self.move_into_sled(wal, records)
    }

    fn decode_snapshot(doc_id: &str, raw: &[u8]) -> Result<Snapshot, StoreError> {
        if raw.len() < 8 {
            return Err(corrupt(
                format!("snapshot {doc_id}"),
                "shorter than its header",
            ));
        }
        let (upto, state) = raw.split_at(8);
        let upto = u64::from_be_bytes(upto.try_into().expect("split at 8"));
        Ok(Snapshot {
            upto,
            state: state.to_vec(),
        })
    }
}

impl Store for SledStore {
    fn create_postmortem(&self, record: &PostmortemRecord) -> Result<(), StoreError> {
        let value = serde_json::to_vec(record).expect("a record always serialises");
        self.postmortems.insert(record.id.as_bytes(), value)?;
        self.db.flush()?;
        Ok(())
    }

    fn postmortem(&self, id: &str) -> Result<Option<PostmortemRecord>, StoreError> {
        let Some(raw) = self.postmortems.get(id.as_bytes())? else {
            return Ok(None);
        };
        serde_json::from_slice(&raw)
            .map(Some)
            .map_err(|e| corrupt(format!("postmortem {id}"), e))
    }

    fn postmortems(&self) -> Result<Vec<PostmortemRecord>, StoreError> {
        let mut all = Vec::new();
        for item in self.postmortems.iter() {
            let (key, raw) = item?;
            let record: PostmortemRecord = serde_json::from_slice(&raw)
                .map_err(|e| corrupt(String::from_utf8_lossy(&key), e))?;
            all.push(record);
        }
        all.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id)));
        Ok(all)
    }

    fn load_doc(&self, doc_id: &str) -> Result<StoredDoc, StoreError> {
        // The log first: a compaction after this moved its records into
        // sled, where the scan below finds them.
        let logged = self.wal().doc_records(doc_id)?;
        let snapshot = match self.snapshots.get(doc_id.as_bytes())? {
            Some(raw) => Some(Self::decode_snapshot(doc_id, &raw)?),
            None => None,
        };
        let prefix = log_prefix(doc_id);
        let after = snapshot.as_ref().map(|s| s.upto);
        let mut tail = Vec::new();
        for item in self.log.scan_prefix(&prefix) {
            let (key, value) = item?;
            let seq_bytes: [u8; 8] = key[prefix.len()..]
                .try_into()
                .map_err(|_| corrupt(format!("log of {doc_id}"), "bad key length"))?;
            let seq = u64::from_be_bytes(seq_bytes);
            if after.is_some_and(|upto| seq <= upto) {
                continue;
            }
            tail.push((seq, value.to_vec()));
        }
        if !logged.is_empty() {
            // Both may hold a record when a compaction was cut short.
            let mut merged: BTreeMap<u64, Vec<u8>> = tail.into_iter().collect();
            for (seq, update) in logged {
                if after.is_some_and(|upto| seq <= upto) {
                    continue;
                }
                merged.insert(seq, update);
            }
            tail = merged.into_iter().collect();
        }
        Ok(StoredDoc { snapshot, tail })
    }

    fn append_updates(&self, entries: &[LogEntry]) -> Result<(), StoreError> {
        self.wal().append(
            entries
                .iter()
                .map(|e| (e.doc_id.as_str(), e.seq, e.update.as_slice())),
        )?;
        Ok(())
    }

    fn flush(&self) -> Result<(), StoreError> {
        let mut wal = self.wal();
        wal.sync()?;
        if wal.len() > crate::wal::COMPACT_AT {
            self.compact(&mut wal)?;
        }
        Ok(())
    }

    fn write_snapshot(&self, doc_id: &str, upto: u64, state: &[u8]) -> Result<(), StoreError> {
        if let Some(old) = self.snapshots.get(doc_id.as_bytes())? {
            if Self::decode_snapshot(doc_id, &old)?.upto >= upto {
                return Ok(());
            }
        }
        let mut value = Vec::with_capacity(8 + state.len());
        value.extend_from_slice(&upto.to_be_bytes());
        value.extend_from_slice(state);
        self.snapshots.insert(doc_id.as_bytes(), value)?;
        // The snapshot is durable before any log entry it replaces goes away.
        self.db.flush()?;
        // Removed a few at a time: sled copies a leaf for every removal and
        // frees the old copies only when the batch ends, so one batch of
        // thousands of removals held that many copies of a leaf at once (the
        // largest part of the durability scenario's peak RSS). A crash
        // between batches is harmless: `load_doc` skips entries the snapshot
        // covers, and the next snapshot removes them.
        let mut batch = sled::Batch::default();
        let mut in_batch = 0;
        for item in self
            .log
            .range(log_key(doc_id, 0)..=log_key(doc_id, upto))
            .keys()
        {
            batch.remove(item?);
            in_batch += 1;
            if in_batch == SNAPSHOT_REMOVALS_PER_BATCH {
                self.log.apply_batch(std::mem::take(&mut batch))?;
                in_batch = 0;
            }
        }
        if in_batch > 0 {
            self.log.apply_batch(batch)?;
        }
        Ok(())
    }

    fn put_invite(&self, invite: &InviteRecord) -> Result<(), StoreError> {
        let key = log_prefix(&invite.postmortem)
            .into_iter()
            .chain(invite.id.bytes())
            .collect::<Vec<u8>>();
        let value = serde_json::to_vec(invite).expect("an invite always serialises");
        self.invites.insert(key, value)?;
        self.db.flush()?;
        Ok(())
    }

    fn invite(&self, postmortem: &str, id: &str) -> Result<Option<InviteRecord>, StoreError> {
        let mut key = log_prefix(postmortem);
        key.extend_from_slice(id.as_bytes());
        let Some(raw) = self.invites.get(key)? else {
            return Ok(None);
        };
        serde_json::from_slice(&raw)
            .map(Some)
            .map_err(|e| corrupt(format!("invite {id}"), e))
    }

    fn invites(&self, postmortem: &str) -> Result<Vec<InviteRecord>, StoreError> {
        let mut all = Vec::new();
        for item in self.invites.scan_prefix(log_prefix(postmortem)) {
            let (key, raw) = item?;
            let invite: InviteRecord = serde_json::from_slice(&raw)
                .map_err(|e| corrupt(String::from_utf8_lossy(&key), e))?;
            all.push(invite);
        }
        all.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(all)
    }

    fn append_meeting_events(
        &self,
        postmortem: &str,
        first_seq: u64,
        events: &[Vec<u8>],
    ) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for (seq, event) in (first_seq..).zip(events) {
            batch.insert(log_key(postmortem, seq), event.as_slice());
        }
        self.meeting_events.apply_batch(batch)?;
        self.db.flush()?;
        Ok(())
    }

    fn meeting_events(&self, postmortem: &str) -> Result<Vec<Vec<u8>>, StoreError> {
        self.meeting_events
            .scan_prefix(log_prefix(postmortem))
            .values()
            .map(|v| Ok(v?.to_vec()))
            .collect()
    }

    fn secret(&self, name: &str, make: &dyn Fn() -> Vec<u8>) -> Result<Vec<u8>, StoreError> {
        if let Some(value) = self.secrets.get(name.as_bytes())? {
            return Ok(value.to_vec());
        }
        let value = make();
        self.secrets.insert(name.as_bytes(), value.as_slice())?;
        self.db.flush()?;
        Ok(value)
    }

    fn append_version(&self, postmortem: &str, seq: u64, version: &[u8]) -> Result<(), StoreError> {
        self.versions.insert(log_key(postmortem, seq), version)?;
        self.db.flush()?;
        Ok(())
    }

    fn versions(&self, postmortem: &str) -> Result<Vec<Vec<u8>>, StoreError> {
        self.versions
            .scan_prefix(log_prefix(postmortem))
            .values()
            .map(|v| Ok(v?.to_vec()))
            .collect()
    }

    fn dump(&self) -> Result<Vec<DumpedTree>, StoreError> {
        // Held through the dump, so no update lands in the log meanwhile.
        let mut wal = self.wal();
        self.compact(&mut wal)?;
        dump_sled(&self.db)
    }

    fn put_image(
        &self,
        postmortem: &str,
        id: &str,
        bytes: &[u8],
        max_images: u64,
    ) -> Result<PutImage, StoreError> {
        let mut key = log_prefix(postmortem);
        key.extend_from_slice(id.as_bytes());
        // A poisoned lock only means another upload panicked; the count
        // below is read afresh.
        let _serial = self
            .image_writes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if self.images.contains_key(&key)? {
            return Ok(PutImage::AlreadyStored);
        }
        if max_images > 0 {
            let held = self
                .images
                .scan_prefix(log_prefix(postmortem))
                .keys()
                .count() as u64;
            if held >= max_images {
                return Ok(PutImage::Full);
            }
        }
        self.images.insert(key, bytes)?;
        self.db.flush()?;
        Ok(PutImage::Stored)
    }

    fn image(&self, postmortem: &str, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let mut key = log_prefix(postmortem);
        key.extend_from_slice(id.as_bytes());
        Ok(self.images.get(key)?.map(|v| v.to_vec()))
    }

    fn image_ids(&self, postmortem: &str) -> Result<Vec<String>, StoreError> {
        let prefix = log_prefix(postmortem);
        self.images
            .scan_prefix(&prefix)
            .keys()
            .map(|key| Ok(String::from_utf8_lossy(&key?[prefix.len()..]).into_owned()))
            .collect()
    }

    fn delete_image(&self, postmortem: &str, id: &str) -> Result<(), StoreError> {
        let mut key = log_prefix(postmortem);
        key.extend_from_slice(id.as_bytes());
        let _serial = self
            .image_writes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if self.images.remove(key)?.is_some() {
            self.db.flush()?;
        }
        Ok(())
    }

    fn checkpoint(&self) -> Result<(), StoreError> {
        self.compact(&mut self.wal())
    }
}

/// Every tree of a sled database with all its entries.
pub fn dump_sled(db: &sled::Db) -> Result<Vec<DumpedTree>, StoreError> {
    let mut trees = Vec::new();
    for name in db.tree_names() {
        let tree = db.open_tree(&name)?;
        let entries = tree
            .iter()
            .map(|item| item.map(|(k, v)| (k.to_vec(), v.to_vec())))
            .collect::<Result<_, _>>()?;
        trees.push(DumpedTree {
            name: name.to_vec(),
            entries,
        });
    }
    Ok(trees)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Opens a store that was just dropped: sled's background flusher lets go
    /// of the directory lock a moment after the last handle is dropped.
    fn reopen(dir: &Path) -> SledStore {
        for _ in 0..100 {
            if let Ok(store) = SledStore::open(dir) {
                return store;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        SledStore::open(dir).expect("the store reopens")
    }

    fn entry(doc: &str, seq: u64, byte: u8) -> LogEntry {
        LogEntry {
            doc_id: doc.into(),
            seq,
            update: vec![byte],
        }
    }

    #[test]
    fn a_document_loads_from_its_snapshot_and_log_tail() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        store
            .append_updates(&[entry("a", 0, 1), entry("a", 1, 2), entry("ab", 0, 9)])
            .unwrap();
        store.write_snapshot("a", 0, b"snap").unwrap();
        store.append_updates(&[entry("a", 2, 3)]).unwrap();
        store.flush().unwrap();
        drop(store);

        let store = reopen(dir.path());
        let doc = store.load_doc("a").unwrap();
        let snapshot = doc.snapshot.as_ref().unwrap();
        assert_eq!(
            (snapshot.upto, snapshot.state.as_slice()),
            (0, &b"snap"[..])
        );
        assert_eq!(doc.tail, vec![(1, vec![2]), (2, vec![3])]);
        assert_eq!(doc.next_seq(), 3);
        // "ab" shares a prefix with "a" but is another document.
        assert_eq!(store.load_doc("ab").unwrap().tail, vec![(0, vec![9])]);
    }

    #[test]
    fn a_snapshot_removes_every_log_entry_it_covers_across_batches() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        let entries: Vec<LogEntry> = (0..200).map(|seq| entry("a", seq, seq as u8)).collect();
        store.append_updates(&entries).unwrap();
        store.append_updates(&[entry("ab", 0, 9)]).unwrap();
        // Moved from the update log into sled's `doc_log`, where a snapshot removes them.
        store.compact(&mut store.wal()).unwrap();
        // 150 entries: more than two batches of removals and a partial one.
        store.write_snapshot("a", 149, b"snap").unwrap();
        let left: Vec<u64> = store
            .log
            .scan_prefix(log_prefix("a"))
            .keys()
            .map(|k| {
                let k = k.unwrap();
                u64::from_be_bytes(k[k.len() - 8..].try_into().unwrap())
            })
            .collect();
        assert_eq!(left, (150..200).collect::<Vec<u64>>());
        let doc = store.load_doc("a").unwrap();
        assert_eq!(doc.tail.len(), 50);
        assert_eq!(doc.next_seq(), 200);
        assert_eq!(store.load_doc("ab").unwrap().tail, vec![(0, vec![9])]);
    }

    #[test]
    fn an_older_snapshot_never_replaces_a_newer_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        store.write_snapshot("a", 5, b"new").unwrap();
        store.write_snapshot("a", 3, b"old").unwrap();
        let snapshot = store.load_doc("a").unwrap().snapshot.unwrap();
        assert_eq!((snapshot.upto, snapshot.state.as_slice()), (5, &b"new"[..]));
    }

    #[test]
    fn meeting_events_come_back_in_order_per_postmortem() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        store
            .append_meeting_events("a", 0, &[b"one".to_vec(), b"two".to_vec()])
            .unwrap();
        store
            .append_meeting_events("ab", 0, &[b"x".to_vec()])
            .unwrap();
        store
            .append_meeting_events("a", 2, &[b"three".to_vec()])
            .unwrap();
        drop(store);
        let store = reopen(dir.path());
        assert_eq!(
            store.meeting_events("a").unwrap(),
            vec![b"one".to_vec(), b"two".to_vec(), b"three".to_vec()]
        );
        assert_eq!(store.meeting_events("ab").unwrap(), vec![b"x".to_vec()]);
    }

    #[test]
    fn images_are_kept_per_postmortem_once_each_up_to_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        assert_eq!(
            store.put_image("a", "1", b"one", 2).unwrap(),
            PutImage::Stored
        );
        assert_eq!(
            store.put_image("a", "1", b"one", 2).unwrap(),
            PutImage::AlreadyStored
        );
        assert_eq!(
            store.put_image("a", "2", b"two", 2).unwrap(),
            PutImage::Stored
        );
        assert_eq!(
            store.put_image("a", "3", b"three", 2).unwrap(),
            PutImage::Full
        );
        // "ab" shares a prefix with "a" but is another postmortem.
        assert_eq!(
            store.put_image("ab", "3", b"three", 2).unwrap(),
            PutImage::Stored
        );
        drop(store);
        let store = reopen(dir.path());
        assert_eq!(store.image("a", "2").unwrap(), Some(b"two".to_vec()));
        assert_eq!(store.image("a", "3").unwrap(), None);
        assert_eq!(store.image("ab", "3").unwrap(), Some(b"three".to_vec()));
    }

    #[test]
    fn flushed_updates_come_back_from_the_log_before_and_after_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        store
            .append_updates(&[entry("a", 0, 1), entry("a", 1, 2), entry("b", 0, 7)])
            .unwrap();
        store.flush().unwrap();
        // Read from the log while the server runs.
        assert_eq!(
            store.load_doc("a").unwrap().tail,
            vec![(0, vec![1]), (1, vec![2])]
        );
        store.write_snapshot("a", 0, b"snap").unwrap();
        store.append_updates(&[entry("a", 2, 3)]).unwrap();
        store.flush().unwrap();
        let doc = store.load_doc("a").unwrap();
        assert_eq!(doc.tail, vec![(1, vec![2]), (2, vec![3])]);
        drop(store);
        // Reopening moves the log into sled (leaving out what the snapshot
        // covers) and empties it; the documents read the same.
        let store = reopen(dir.path());
        assert!(store.wal().is_empty());
        let doc = store.load_doc("a").unwrap();
        assert_eq!(doc.tail, vec![(1, vec![2]), (2, vec![3])]);
        assert_eq!(doc.next_seq(), 3);
        assert_eq!(store.load_doc("b").unwrap().tail, vec![(0, vec![7])]);
        assert!(store.log.get(log_key("a", 0)).unwrap().is_none());
    }

    #[test]
    fn a_dump_carries_the_updates_still_in_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        store.append_updates(&[entry("a", 0, 1)]).unwrap();
        store.flush().unwrap();
        assert!(!store.wal().is_empty());
        let trees = store.dump().unwrap();
        let log = trees.iter().find(|t| t.name == b"doc_log").unwrap();
        assert_eq!(log.entries, vec![(log_key("a", 0), vec![1])]);
        assert!(store.wal().is_empty());
    }

    #[test]
    fn a_torn_write_at_the_end_of_the_log_is_dropped_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        store.append_updates(&[entry("a", 0, 1)]).unwrap();
        store.flush().unwrap();
        drop(store);
        // Half a record, as a crash in the middle of a write leaves it.
        let mut half = Vec::new();
        crate::wal::record::encode(&mut half, 1, "a", 1, b"never acknowledged").unwrap();
        half.truncate(half.len() / 2);
        let path = dir.path().join(crate::wal::FILE_NAME);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend_from_slice(&half);
        std::fs::write(&path, bytes).unwrap();
        let store = reopen(dir.path());
        assert_eq!(store.load_doc("a").unwrap().tail, vec![(0, vec![1])]);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
    }

    #[test]
    fn secrets_are_made_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        let first = store.secret("k", &|| vec![1, 2, 3]).unwrap();
        let second = store.secret("k", &|| vec![4]).unwrap();
        assert_eq!(first, second);
    }
}
