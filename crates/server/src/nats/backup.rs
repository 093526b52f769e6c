//! Cluster mode: `casebook backup` and `restore` (issue 14).
//!
//! A cluster's backup is the same stream as a single node's
//! ([`crate::backup::encode`]): the trees of a sled data directory, so
//! `casebook backup` against any node writes a data directory that
//! `casebook serve --data-dir` runs on, and a single node's backup restores
//! into a cluster ([`restore_into`]).
//!
//! **Consistency.** There is no gate across nodes, so [`dump`] reads the
//! cluster in an order that follows how writes depend on each other: the
//! set of postmortems first (a postmortem made after that is left out
//! whole), then each document's log (through [`Store::load_doc`], so
//! whatever it reads, snapshots included, is what is backed up), then the
//! meeting logs, versions, images, invites and, last, the postmortem
//! records. Whatever a backed-up write depended on was stored before it and
//! is read after it, so it is in the backup: an image a document shows, the
//! meeting event a Q&A entry comes from (an event whose entry is not in the
//! document yet is written when the restored meeting loads, as after a
//! crash). Each document is one moment of its log: a run of updates with no
//! gap. What differs from a single node's gated dump: two documents are not
//! read at the same instant, and the meeting log may hold a command or two
//! more than the document shows.

use super::{token, untoken, NatsStore};
use crate::room::meeting_doc_id;
use crate::store::{DumpedTree, InviteRecord, LogEntry, PostmortemRecord, Store, StoreError};
use futures_util::StreamExt;
use std::collections::BTreeMap;

/// Meeting events per message when restoring (well under `max_payload`).
const EVENTS_PER_MESSAGE: usize = 256;
/// Document updates published before waiting for their acknowledgements.
const UPDATES_PER_FLUSH: usize = 256;

/// A sled key: `prefix`, a 0 byte, then `rest` (the layout of `store.rs`).
fn sled_key(prefix: &str, rest: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(prefix.len() + 1 + rest.len());
    key.extend_from_slice(prefix.as_bytes());
    key.push(0);
    key.extend_from_slice(rest);
    key
}

/// Splits a sled key at its first 0 byte.
fn split_key(key: &[u8]) -> Option<(String, &[u8])> {
    let at = key.iter().position(|b| *b == 0)?;
    let prefix = String::from_utf8(key[..at].to_vec()).ok()?;
    Some((prefix, &key[at + 1..]))
}

fn tree(name: &str, entries: Vec<(Vec<u8>, Vec<u8>)>) -> DumpedTree {
    DumpedTree {
        name: name.as_bytes().to_vec(),
        entries,
    }
}

fn corrupt(key: impl Into<String>, reason: impl ToString) -> StoreError {
    StoreError::Corrupt {
        key: key.into(),
        reason: reason.to_string(),
    }
}

/// The whole cluster as sled trees, in the order described above.
pub(super) fn dump(store: &NatsStore) -> Result<Vec<DumpedTree>, StoreError> {
    let ids: Vec<String> = store
        .kv_values(&store.postmortems)?
        .into_iter()
        .filter_map(|(key, _)| untoken(&key))
        .collect();
    let wanted: std::collections::HashSet<&str> = ids.iter().map(String::as_str).collect();

    let (mut log, mut snapshots) = (Vec::new(), Vec::new());
    for id in &ids {
        for doc in [id.clone(), meeting_doc_id(id)] {
            // Reading a document must not end a refusal after a failed write
            // (see `poisoned`): that is for a room's own reload.
            let was_poisoned = store.poisoned().contains(&doc);
            let stored = store.load_doc(&doc);
            if was_poisoned {
                store.poisoned().insert(doc.clone());
            }
            let stored = stored?;
            if let Some(snapshot) = stored.snapshot {
                let mut value = snapshot.upto.to_be_bytes().to_vec();
                value.extend_from_slice(&snapshot.state);
                snapshots.push((doc.as_bytes().to_vec(), value));
            }
            for (seq, update) in stored.tail {
                log.push((sled_key(&doc, &seq.to_be_bytes()), update));
            }
        }
    }

    let mut events = Vec::new();
    for id in &ids {
        for (seq, event) in store.meeting_events(id)?.into_iter().enumerate() {
            events.push((sled_key(id, &(seq as u64).to_be_bytes()), event));
        }
    }

    let mut versions = Vec::new();
    for (key, value) in store.kv_values(&store.versions)? {
        let Some((pm, seq)) = key.split_once('.') else {
            continue;
        };
        let (Some(pm), Ok(seq)) = (untoken(pm), seq.parse::<u64>()) else {
            return Err(corrupt(format!("version {key}"), "not <postmortem>.<seq>"));
        };
        if wanted.contains(pm.as_str()) {
            versions.push((sled_key(&pm, &seq.to_be_bytes()), value.to_vec()));
        }
    }

    let images_bucket = store.images.clone();
    let wanted_tokens: std::collections::HashMap<String, String> =
        ids.iter().map(|id| (token(id), id.clone())).collect();
    let images = store.run(async move {
        use tokio::io::AsyncReadExt;
        let mut names = Vec::new();
        let mut list = images_bucket
            .list()
            .await
            .map_err(|e| super::nats_error("listing images", e))?;
        while let Some(info) = list.next().await {
            let info = info.map_err(|e| super::nats_error("listing images", e))?;
            if !info.deleted {
                names.push(info.name);
            }
        }
        let mut all = Vec::new();
        for name in names {
            let Some((pm_token, id)) = name.split_once('.') else {
                continue;
            };
            let Some(pm) = wanted_tokens.get(pm_token) else {
                continue;
            };
            let mut object = images_bucket
                .get(name.as_str())
                .await
                .map_err(|e| super::nats_error("reading an image", e))?;
            let mut bytes = Vec::new();
            object
                .read_to_end(&mut bytes)
                .await
                .map_err(|e| super::nats_error("reading an image", e))?;
            all.push((sled_key(pm, id.as_bytes()), bytes));
        }
        Ok(all)
    })?;

    let mut invites = Vec::new();
    for (key, raw) in store.kv_values(&store.invites)? {
        let invite: InviteRecord =
            serde_json::from_slice(&raw).map_err(|e| corrupt(format!("invite {key}"), e))?;
        if wanted.contains(invite.postmortem.as_str()) {
            invites.push((
                sled_key(&invite.postmortem, invite.id.as_bytes()),
                raw.to_vec(),
            ));
        }
    }

    // Last, each record as it is now (its incident time may have changed).
    let mut postmortems = Vec::new();
    for id in &ids {
        if let Some(raw) = store.kv_get(&store.postmortems, token(id))? {
            postmortems.push((id.as_bytes().to_vec(), raw.to_vec()));
        }
    }

    let mut secrets = Vec::new();
    for (key, value) in store.kv_values(&store.secrets)? {
        if let Some(name) = untoken(&key) {
            secrets.push((name.into_bytes(), value.to_vec()));
        }
    }

    let mut trees = vec![
        tree("postmortems", postmortems),
        tree("doc_log", log),
        tree("doc_snapshots", snapshots),
        tree("secrets", secrets),
        tree("invites", invites),
        tree("meeting_events", events),
        tree("versions", versions),
        tree("images", images),
    ];
    // In key order, as sled dumps them.
    for tree in &mut trees {
        tree.entries.sort_by(|a, b| a.0.cmp(&b.0));
    }
    Ok(trees)
}

/// What [`restore_into`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Restored {
    pub postmortems: usize,
    pub records: usize,
}

/// Writes a backup's trees (a single node's or a cluster's) into a cluster
/// that holds no postmortem yet. The backup's signing key and admin token
/// replace the cluster's, so every link of the backup works; nodes already
/// running on the cluster keep the keys they read at start until they are
/// restarted. Blocking.
pub fn restore_into(store: &NatsStore, trees: &[DumpedTree]) -> Result<Restored, StoreError> {
    if !store.postmortems()?.is_empty() {
        return Err(StoreError::Nats(
            "the cluster already holds postmortems; restore into a new cluster (new streams and buckets)"
                .into(),
        ));
    }
    let entries = |name: &str| -> &[(Vec<u8>, Vec<u8>)] {
        trees
            .iter()
            .find(|t| t.name == name.as_bytes())
            .map_or(&[], |t| t.entries.as_slice())
    };
    let mut restored = Restored::default();

    for (name, value) in entries("secrets") {
        let name = String::from_utf8(name.clone()).map_err(|e| corrupt("a secret's name", e))?;
        store.kv_put(&store.secrets, token(&name), value.clone())?;
        restored.records += 1;
    }

    // Documents before their postmortem records: a node never lists a
    // postmortem whose document is still being written.
    let mut docs: BTreeMap<String, Vec<Vec<u8>>> = BTreeMap::new();
    for (doc, value) in entries("doc_snapshots") {
        let doc = String::from_utf8(doc.clone()).map_err(|e| corrupt("a snapshot's key", e))?;
        let state = value
            .get(8..)
            .ok_or_else(|| corrupt(format!("snapshot of {doc}"), "shorter than its header"))?;
        docs.entry(doc).or_default().push(state.to_vec());
    }
    for (key, update) in entries("doc_log") {
        let (doc, _) = split_key(key).ok_or_else(|| corrupt("a log key", "no 0 byte"))?;
        docs.entry(doc).or_default().push(update.clone());
    }
    let mut batch = Vec::new();
    for (doc, updates) in docs {
        for update in updates {
            batch.push(LogEntry {
                doc_id: doc.clone(),
                seq: 0,
                update,
            });
            restored.records += 1;
            if batch.len() == UPDATES_PER_FLUSH {
                store.append_updates(&std::mem::take(&mut batch))?;
                store.flush()?;
            }
        }
    }
    store.append_updates(&batch)?;
    store.flush()?;

    let mut meetings: BTreeMap<String, Vec<Vec<u8>>> = BTreeMap::new();
    for (key, event) in entries("meeting_events") {
        let (pm, _) = split_key(key).ok_or_else(|| corrupt("a meeting key", "no 0 byte"))?;
        meetings.entry(pm).or_default().push(event.clone());
    }
    for (pm, events) in meetings {
        store.meeting_events(&pm)?;
        for (i, chunk) in events.chunks(EVENTS_PER_MESSAGE).enumerate() {
            store.append_meeting_events(&pm, (i * EVENTS_PER_MESSAGE) as u64, chunk)?;
        }
        restored.records += events.len();
    }

    for (key, version) in entries("versions") {
        let (pm, seq) = split_key(key).ok_or_else(|| corrupt("a version key", "no 0 byte"))?;
        let seq: [u8; 8] = seq
            .try_into()
            .map_err(|_| corrupt(format!("version of {pm}"), "bad key length"))?;
        store.append_version(&pm, u64::from_be_bytes(seq), version)?;
        restored.records += 1;
    }
    for (key, bytes) in entries("images") {
        let (pm, id) = split_key(key).ok_or_else(|| corrupt("an image key", "no 0 byte"))?;
        let id = String::from_utf8(id.to_vec()).map_err(|e| corrupt("an image id", e))?;
        store.put_image(&pm, &id, bytes, 0)?;
        restored.records += 1;
    }
    for (key, raw) in entries("invites") {
        let invite: InviteRecord =
            serde_json::from_slice(raw).map_err(|e| corrupt(String::from_utf8_lossy(key), e))?;
        store.put_invite(&invite)?;
        restored.records += 1;
    }
    for (key, raw) in entries("postmortems") {
        let record: PostmortemRecord =
            serde_json::from_slice(raw).map_err(|e| corrupt(String::from_utf8_lossy(key), e))?;
        store.create_postmortem(&record)?;
        restored.postmortems += 1;
        restored.records += 1;
    }
    Ok(restored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sled_keys_split_back() {
        let key = sled_key("pm/meeting", &7u64.to_be_bytes());
        let (prefix, rest) = split_key(&key).unwrap();
        assert_eq!(prefix, "pm/meeting");
        assert_eq!(rest, 7u64.to_be_bytes());
        assert!(split_key(b"no zero").is_none());
    }
}
