//! Cluster mode: compacting a document's update log (`cb.doc.<hex id>` in
//! `CB_DOCS`).
//!
//! Without it the subject keeps every update since the document was made,
//! and loading it replays them all. A compaction:
//!
//! 1. reads every message the subject holds, up to its last one `L` (older
//!    snapshots and updates alike: each is a Yjs update);
//! 2. merges them into one document and publishes its whole state to the
//!    same subject, marked with the header `Casebook-Snapshot: L` (and the
//!    `Nats-Msg-Id` `snap-<doc>-<L>`, so two nodes compacting at the same
//!    point store one snapshot), and waits for the quorum's acknowledgement;
//! 3. only then purges the subject's messages up to and including `L`.
//!
//! The snapshot's sequence is above `L`, so the purge never removes it, and
//! every message the purge removes was read in step 1 (sequences only grow:
//! a message at or below `L` existed when the read started), so it is in
//! the snapshot. Updates other nodes stored between steps 1 and 2 sit
//! between `L` and the snapshot and are kept. Loading is unchanged: it
//! applies whatever the subject holds, in order, and applying an update (or
//! a snapshot) whose content a document already has changes nothing. So a
//! crash at any point loses nothing: before the snapshot is acknowledged
//! nothing changed; after it, the old messages are merely still there, and
//! the next compaction removes them. A reader that a purge overtakes (a
//! node loading, or following, the document meanwhile) finds what was
//! purged in the snapshot after it: a snapshot carries no node's instance
//! header, so every node's feed delivers it.
//!
//! A document whose state is larger than the servers' `max_payload` is not
//! compacted (logged): its log keeps growing as before.

use super::{
    doc_subject, nats_error, publish_until_acked, token, NatsStore, PublishFailed, Retries,
    Retrying, DOCS_STREAM, PUBLISH_DEADLINE,
};
use crate::store::StoreError;
use async_nats::jetstream::{self, consumer, stream};
use bytes::Bytes;
use futures_util::StreamExt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;
use yrs::updates::decoder::Decode;
use yrs::{ReadTxn, StateVector, Transact, Update};

/// Header of a snapshot message: the last sequence it covers.
pub const SNAPSHOT_HEADER: &str = "Casebook-Snapshot";

/// One message of a document's subject.
struct Stored {
    seq: u64,
    payload: Bytes,
    /// `Some(covered)` for a snapshot.
    snapshot: Option<u64>,
}

/// What [`NatsStore::publish_snapshot`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Snapshotted {
    /// The subject holds at most one message, a snapshot: nothing to do.
    AlreadyCompact,
    /// A snapshot covering the subject up to and including `upto` was
    /// stored (acknowledged by a quorum).
    Stored { upto: u64 },
    /// The document's state is larger than a NATS message may be.
    TooLarge { bytes: usize },
}

impl NatsStore {
    /// Compacts a document's log: [`Self::publish_snapshot`], then
    /// [`Self::purge_doc_upto`]. Blocking.
    pub fn compact_doc(&self, doc_id: &str) -> Result<(), StoreError> {
        match self.publish_snapshot(doc_id)? {
            Snapshotted::Stored { upto } => self.purge_doc_upto(doc_id, upto),
            Snapshotted::AlreadyCompact => Ok(()),
            Snapshotted::TooLarge { bytes } => {
                tracing::warn!(doc = %doc_id, bytes, "document larger than a NATS message: its log is not compacted");
                Ok(())
            }
        }
    }

    /// Steps 1 and 2 of a compaction (see the module documentation): the
    /// document's whole state, stored as one message after its log.
    /// Blocking.
    pub fn publish_snapshot(&self, doc_id: &str) -> Result<Snapshotted, StoreError> {
        let subject = doc_subject(doc_id);
        let stream = self.docs.clone();
        let messages = self.run(read_with_headers(stream, subject.clone()))?;
        let Some(last) = messages.last().map(|m| m.seq) else {
            return Ok(Snapshotted::AlreadyCompact);
        };
        if messages.len() == 1 && messages[0].snapshot.is_some() {
            return Ok(Snapshotted::AlreadyCompact);
        }
        let state = merge(doc_id, &messages)?;
        let max_payload = self.js.client().server_info().max_payload;
        // Headers and subject need a little room beside the state.
        if max_payload > 0 && state.len() + 1024 > max_payload {
            return Ok(Snapshotted::TooLarge { bytes: state.len() });
        }
        let js = self.js.clone();
        let msg_id = format!("snap-{}-{last}", token(doc_id));
        let payload = Bytes::from(state);
        let reconnect = self.reconnect.clone();
        self.run(async move {
            let header = last.to_string();
            let message = || {
                jetstream::message::PublishMessage::build()
                    .payload(payload.clone())
                    .message_id(&msg_id)
                    .header(SNAPSHOT_HEADER, header.as_str())
            };
            let deadline = Instant::now() + PUBLISH_DEADLINE;
            publish_until_acked(
                &js,
                &subject,
                message,
                None,
                Retrying {
                    deadline,
                    log: Retries::Debug("snapshot"),
                    reconnect: &reconnect,
                },
                |_| false,
            )
            .await
            .map(|_| ())
            .map_err(|e| match e {
                PublishFailed::Refused(e) => nats_error("storing a snapshot", e),
                PublishFailed::GaveUp(e) => nats_error("storing a snapshot", e),
            })
        })?;
        Ok(Snapshotted::Stored { upto: last })
    }

    /// Step 3 of a compaction: removes the document's messages up to and
    /// including `upto`, which a stored snapshot covers. Blocking.
    pub fn purge_doc_upto(&self, doc_id: &str, upto: u64) -> Result<(), StoreError> {
        let stream = self.docs.clone();
        let subject = doc_subject(doc_id);
        self.run(async move {
            stream
                .purge()
                .filter(subject)
                .sequence(upto + 1)
                .await
                .map(|_| ())
                .map_err(|e| nats_error("purging a compacted log", e))
        })
    }

    /// How many messages the document's subject holds (its snapshot and the
    /// updates after it). Blocking.
    pub fn doc_log_len(&self, doc_id: &str) -> Result<usize, StoreError> {
        let stream = self.docs.clone();
        let subject = doc_subject(doc_id);
        Ok(self.run(read_with_headers(stream, subject))?.len())
    }
}

/// Every message of `subject` in `CB_DOCS`, in order, up to the last one
/// when the read started.
async fn read_with_headers(
    stream: stream::Stream,
    subject: String,
) -> Result<Vec<Stored>, StoreError> {
    let what = || format!("reading {DOCS_STREAM} for a snapshot");
    let last = match stream.get_last_raw_message_by_subject(&subject).await {
        Ok(message) => message.sequence,
        Err(e) if e.kind() == stream::LastRawMessageErrorKind::NoMessageFound => {
            return Ok(Vec::new())
        }
        Err(e) => return Err(nats_error(&what(), e)),
    };
    let consumer = stream
        .create_consumer(consumer::pull::OrderedConfig {
            filter_subject: subject,
            deliver_policy: consumer::DeliverPolicy::All,
            ..Default::default()
        })
        .await
        .map_err(|e| nats_error(&what(), e))?;
    let mut messages = consumer
        .messages()
        .await
        .map_err(|e| nats_error(&what(), e))?;
    let mut all = Vec::new();
    while let Some(message) = messages.next().await {
        let message = message.map_err(|e| nats_error(&what(), e))?;
        let seq = message
            .info()
            .map_err(|e| nats_error(&what(), e))?
            .stream_sequence;
        let snapshot = message
            .headers
            .as_ref()
            .and_then(|h| h.get(SNAPSHOT_HEADER))
            .and_then(|v| v.as_str().parse().ok());
        all.push(Stored {
            seq,
            payload: message.payload.clone(),
            snapshot,
        });
        if seq >= last {
            break;
        }
    }
    Ok(all)
}

/// The state of a document made of `messages`: refused (nothing is
/// compacted) if one cannot be applied or the result lacks an update
/// another builds on.
fn merge(doc_id: &str, messages: &[Stored]) -> Result<Vec<u8>, StoreError> {
    let corrupt = |seq: u64, reason: String| StoreError::Corrupt {
        key: format!("update {seq} of {doc_id}"),
        reason,
    };
    let doc = casebook_core::document::new_doc();
    for message in messages {
        let update =
            Update::decode_v1(&message.payload).map_err(|e| corrupt(message.seq, e.to_string()))?;
        let applied = catch_unwind(AssertUnwindSafe(|| doc.transact_mut().apply_update(update)));
        match applied {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(corrupt(message.seq, e.to_string())),
            Err(_) => return Err(corrupt(message.seq, "yrs panicked applying it".into())),
        }
    }
    let txn = doc.transact();
    if txn.has_missing_updates() {
        return Err(corrupt(
            messages.last().map_or(0, |m| m.seq),
            "the log lacks an update another builds on".into(),
        ));
    }
    Ok(txn.encode_state_as_update_v1(&StateVector::default()))
}
