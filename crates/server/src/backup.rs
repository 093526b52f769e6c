//! Backups: a consistent copy of the data directory while the server runs,
//! and restoring one.
//!
//! - [`GatedStore`] wraps the store: every write takes a shared gate and a
//!   dump takes it alone, so a dump sees the store *between* two writes —
//!   never a snapshot without the log entries it replaced, never half a batch.
//!   (A new `Store` method must be added here too, or the wrapper does not
//!   compile: no write can slip past the gate.)
//! - `GET /api/admin/backup` (admin token) answers the dump as one byte
//!   stream ([`encode`]): a header, every tree with its entries, and an end
//!   record with the counts, so a truncated download is refused.
//! - `casebook backup DIR` downloads it and writes it as a new sled data
//!   directory (into `DIR.partial`, renamed to `DIR` once complete): a backup
//!   *is* a data directory, and `casebook serve --data-dir DIR` could run on it.
//! - `casebook restore BACKUP DATA_DIR` checks that `BACKUP` is a Casebook
//!   data directory and copies it into `DATA_DIR`, which must not hold data.
//!
//! A backup holds the token signing key and the admin token: keep it as
//! private as the data directory. The dump is built in memory.

use crate::error::ApiError;
use crate::invite::Admin;
use crate::store::{
    DumpedTree, InviteRecord, LogEntry, PostmortemRecord, PutImage, SledStore, Store, StoreError,
    StoredDoc,
};
use crate::{blocking, AppState};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// First bytes of a backup stream.
const MAGIC: &[u8] = b"CASEBOOK-BACKUP 1\n";
const TREE: u8 = 1;
const ENTRY: u8 = 2;
const END: u8 = 0;
/// The tree every Casebook data directory has.
const POSTMORTEMS_TREE: &[u8] = b"postmortems";

/// What went wrong with a backup or a restore, and what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("storage: {0}")]
    Sled(#[from] sled::Error),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the backup stream is damaged or incomplete: {0}")]
    Damaged(String),
    #[error("{0} already holds data; restore into a new or empty directory (move the old one away first)")]
    NotEmpty(PathBuf),
    #[error("{0} is not a Casebook backup or data directory (no postmortems in it)")]
    NotCasebook(PathBuf),
    #[error("the server answered {status}: {body}")]
    Server { status: u16, body: String },
    #[error("cannot reach {url}: {reason}")]
    Unreachable { url: String, reason: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_owned(),
        source,
    }
}

/// A store whose writes can be held back while a consistent dump is taken.
pub struct GatedStore<S> {
    inner: S,
    gate: RwLock<()>,
}

impl<S: Store> GatedStore<S> {
    pub fn new(inner: S) -> Self {
        GatedStore {
            inner,
            gate: RwLock::new(()),
        }
    }

    fn writing<T>(&self, write: impl FnOnce(&S) -> T) -> T {
        let _shared = self.gate.read().unwrap_or_else(|p| p.into_inner());
        write(&self.inner)
    }
}

impl<S: Store> Store for GatedStore<S> {
    fn create_postmortem(&self, record: &PostmortemRecord) -> Result<(), StoreError> {
        self.writing(|s| s.create_postmortem(record))
    }
    fn postmortem(&self, id: &str) -> Result<Option<PostmortemRecord>, StoreError> {
        self.inner.postmortem(id)
    }
    fn postmortems(&self) -> Result<Vec<PostmortemRecord>, StoreError> {
        self.inner.postmortems()
    }
    fn load_doc(&self, doc_id: &str) -> Result<StoredDoc, StoreError> {
        self.inner.load_doc(doc_id)
    }
    fn append_updates(&self, entries: &[LogEntry]) -> Result<(), StoreError> {
        self.writing(|s| s.append_updates(entries))
    }
    fn flush(&self) -> Result<(), StoreError> {
        self.writing(|s| s.flush())
    }
    fn write_snapshot(&self, doc_id: &str, upto: u64, state: &[u8]) -> Result<(), StoreError> {
        self.writing(|s| s.write_snapshot(doc_id, upto, state))
    }
    fn put_invite(&self, invite: &InviteRecord) -> Result<(), StoreError> {
        self.writing(|s| s.put_invite(invite))
    }
    fn invite(&self, postmortem: &str, id: &str) -> Result<Option<InviteRecord>, StoreError> {
        self.inner.invite(postmortem, id)
    }
    fn invites(&self, postmortem: &str) -> Result<Vec<InviteRecord>, StoreError> {
        self.inner.invites(postmortem)
    }
    fn append_meeting_events(
        &self,
        postmortem: &str,
        first_seq: u64,
        events: &[Vec<u8>],
    ) -> Result<(), StoreError> {
        self.writing(|s| s.append_meeting_events(postmortem, first_seq, events))
    }
    fn meeting_events(&self, postmortem: &str) -> Result<Vec<Vec<u8>>, StoreError> {
        self.inner.meeting_events(postmortem)
    }
    fn secret(&self, name: &str, make: &dyn Fn() -> Vec<u8>) -> Result<Vec<u8>, StoreError> {
        self.writing(|s| s.secret(name, make))
    }
    fn append_version(&self, postmortem: &str, seq: u64, version: &[u8]) -> Result<(), StoreError> {
        self.writing(|s| s.append_version(postmortem, seq, version))
    }
    fn versions(&self, postmortem: &str) -> Result<Vec<Vec<u8>>, StoreError> {
        self.inner.versions(postmortem)
    }
    fn dump(&self) -> Result<Vec<DumpedTree>, StoreError> {
        let _alone = self.gate.write().unwrap_or_else(|p| p.into_inner());
        self.inner.dump()
    }

    fn claim_entry(&self, postmortem: &str, key: &str) -> Result<bool, StoreError> {
        self.inner.claim_entry(postmortem, key)
    }
    fn put_image(
        &self,
        postmortem: &str,
        id: &str,
        bytes: &[u8],
        max_images: u64,
    ) -> Result<PutImage, StoreError> {
        self.writing(|s| s.put_image(postmortem, id, bytes, max_images))
    }
    fn image(&self, postmortem: &str, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.image(postmortem, id)
    }
    fn image_ids(&self, postmortem: &str) -> Result<Vec<String>, StoreError> {
        self.inner.image_ids(postmortem)
    }
    fn delete_image(&self, postmortem: &str, id: &str) -> Result<(), StoreError> {
        self.writing(|s| s.delete_image(postmortem, id))
    }

    fn checkpoint(&self) -> Result<(), StoreError> {
        self.writing(|s| s.checkpoint())
    }
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// The backup stream of a dump.
pub fn encode(trees: &[DumpedTree]) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    let mut entries = 0u64;
    for tree in trees {
        out.push(TREE);
        put_bytes(&mut out, &tree.name);
        for (key, value) in &tree.entries {
            out.push(ENTRY);
            put_bytes(&mut out, key);
            put_bytes(&mut out, value);
            entries += 1;
        }
    }
    out.push(END);
    out.extend_from_slice(&(trees.len() as u64).to_be_bytes());
    out.extend_from_slice(&entries.to_be_bytes());
    out
}

/// Reads a backup stream back; refuses anything damaged or cut short.
pub fn decode(mut bytes: &[u8]) -> Result<Vec<DumpedTree>, BackupError> {
    let damaged = |what: &str| BackupError::Damaged(what.to_owned());
    bytes = bytes
        .strip_prefix(MAGIC)
        .ok_or_else(|| damaged("it does not start like a Casebook backup"))?;
    fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
        if bytes.len() < n {
            return None;
        }
        let (head, rest) = bytes.split_at(n);
        *bytes = rest;
        Some(head)
    }
    fn number(bytes: &mut &[u8]) -> Option<u64> {
        Some(u64::from_be_bytes(take(bytes, 8)?.try_into().ok()?))
    }
    fn field(bytes: &mut &[u8]) -> Option<Vec<u8>> {
        let len = usize::try_from(number(bytes)?).ok()?;
        take(bytes, len).map(<[u8]>::to_vec)
    }
    let cut = || damaged("it ends in the middle (incomplete download?)");
    let mut trees: Vec<DumpedTree> = Vec::new();
    let mut entries = 0u64;
    loop {
        let tag = take(&mut bytes, 1).ok_or_else(cut)?[0];
        match tag {
            TREE => trees.push(DumpedTree {
                name: field(&mut bytes).ok_or_else(cut)?,
                entries: Vec::new(),
            }),
            ENTRY => {
                let key = field(&mut bytes).ok_or_else(cut)?;
                let value = field(&mut bytes).ok_or_else(cut)?;
                let tree = trees
                    .last_mut()
                    .ok_or_else(|| damaged("an entry before any tree"))?;
                tree.entries.push((key, value));
                entries += 1;
            }
            END => {
                let tree_count = number(&mut bytes).ok_or_else(cut)?;
                let entry_count = number(&mut bytes).ok_or_else(cut)?;
                if tree_count != trees.len() as u64 || entry_count != entries {
                    return Err(damaged("its counts do not match its contents"));
                }
                if !bytes.is_empty() {
                    return Err(damaged("bytes after its end"));
                }
                return Ok(trees);
            }
            other => return Err(BackupError::Damaged(format!("unknown record {other}"))),
        }
    }
}

/// What a backup or restore wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub postmortems: usize,
    pub trees: usize,
    pub entries: usize,
}

fn summary(trees: &[DumpedTree]) -> Result<Summary, BackupError> {
    let postmortems = trees
        .iter()
        .find(|t| t.name == POSTMORTEMS_TREE)
        .map(|t| t.entries.len());
    Ok(Summary {
        postmortems: postmortems
            .ok_or(BackupError::Damaged("it has no postmortems tree".into()))?,
        trees: trees.len(),
        entries: trees.iter().map(|t| t.entries.len()).sum(),
    })
}

/// Whether `dir` is missing or an empty directory.
fn is_free(dir: &Path) -> Result<bool, BackupError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(io(dir)(e)),
    }
}

/// Writes a dump as a new sled data directory at `dir` (which must be
/// missing or empty): into `dir.partial` first, renamed once flushed.
pub fn write_data_dir(trees: &[DumpedTree], dir: &Path) -> Result<Summary, BackupError> {
    let summary = summary(trees)?;
    if !is_free(dir)? {
        return Err(BackupError::NotEmpty(dir.to_owned()));
    }
    let mut partial = dir.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    if partial.exists() {
        std::fs::remove_dir_all(&partial).map_err(io(&partial))?;
    }
    {
        let db = sled::Config::new().path(&partial).open()?;
        for tree in trees {
            let target = db.open_tree(&tree.name)?;
            let mut batch = sled::Batch::default();
            for (key, value) in &tree.entries {
                batch.insert(key.as_slice(), value.as_slice());
            }
            target.apply_batch(batch)?;
        }
        db.flush()?;
    }
    if dir.exists() {
        std::fs::remove_dir(dir).map_err(io(dir))?;
    }
    std::fs::rename(&partial, dir).map_err(io(dir))?;
    Ok(summary)
}

/// Copies the backup at `backup` into a new data directory `data_dir`.
pub fn restore(backup: &Path, data_dir: &Path) -> Result<Summary, BackupError> {
    if !backup.is_dir() {
        return Err(BackupError::NotCasebook(backup.to_owned()));
    }
    if !is_free(data_dir)? {
        return Err(BackupError::NotEmpty(data_dir.to_owned()));
    }
    if is_free(backup)? {
        return Err(BackupError::NotCasebook(backup.to_owned()));
    }
    // Refuses (and leaves alone) anything that is not a Casebook data directory.
    let trees = SledStore::open(backup)?.dump()?;
    write_data_dir(&trees, data_dir)
}

/// The trees of the backup at `backup` (a directory `casebook backup`
/// wrote), refusing anything that is not one; for restoring into a cluster.
pub fn read_backup(backup: &Path) -> Result<Vec<DumpedTree>, BackupError> {
    if !backup.is_dir() || is_free(backup)? {
        return Err(BackupError::NotCasebook(backup.to_owned()));
    }
    let trees = SledStore::open(backup)?.dump()?;
    summary(&trees)?;
    Ok(trees)
}

/// `GET /api/admin/backup`: the whole store as a backup stream (admin only).
#[utoipa::path(
    get,
    operation_id = "download_backup",
    path = "/api/admin/backup",
    tag = "operations",
    security(("admin" = []), ("token_query" = [])),
    responses((
        status = 200,
        description = "A consistent copy of the store, as `casebook backup` reads it",
        content_type = "application/octet-stream",
        body = String,
    ))
)]
pub async fn download(State(app): State<AppState>, _: Admin) -> Result<Response, ApiError> {
    let store = std::sync::Arc::clone(&app.store);
    let trees = blocking(move || store.dump()).await?;
    let entries: usize = trees.iter().map(|t| t.entries.len()).sum();
    tracing::info!(trees = trees.len(), entries, "backup taken");
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        encode(&trees),
    )
        .into_response())
}

/// Downloads a backup from the server at `server` (`http://host:port`).
/// Plain HTTP/1.0: run it on the server's machine or through a tunnel.
pub async fn fetch(server: &str, admin_token: &str) -> Result<Vec<DumpedTree>, BackupError> {
    let unreachable = |reason: String| BackupError::Unreachable {
        url: server.to_owned(),
        reason,
    };
    let authority = server
        .trim_end_matches('/')
        .strip_prefix("http://")
        .ok_or_else(|| unreachable("only http:// server addresses are supported".into()))?;
    let mut tcp = tokio::net::TcpStream::connect(authority)
        .await
        .map_err(|e| unreachable(e.to_string()))?;
    let request = format!(
        "GET /api/admin/backup HTTP/1.0\r\nHost: {authority}\r\nAuthorization: Bearer {admin_token}\r\n\r\n"
    );
    tcp.write_all(request.as_bytes())
        .await
        .map_err(|e| unreachable(e.to_string()))?;
    let mut answer = Vec::new();
    tcp.read_to_end(&mut answer)
        .await
        .map_err(|e| unreachable(e.to_string()))?;
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| unreachable("no HTTP answer".into()))?;
    let head = String::from_utf8_lossy(&answer[..split]).into_owned();
    let body = &answer[split + 4..];
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| unreachable(format!("not an HTTP answer: {head}")))?;
    if status != 200 {
        return Err(BackupError::Server {
            status,
            body: String::from_utf8_lossy(body).into_owned(),
        });
    }
    decode(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<DumpedTree> {
        vec![
            DumpedTree {
                name: b"postmortems".to_vec(),
                entries: vec![(b"id1".to_vec(), "障害 😀".as_bytes().to_vec())],
            },
            DumpedTree {
                name: b"doc_log".to_vec(),
                entries: vec![(vec![0, 1], vec![]), (vec![0, 2], vec![9; 300])],
            },
        ]
    }

    #[test]
    fn a_stream_round_trips() {
        assert_eq!(decode(&encode(&sample())).unwrap(), sample());
    }

    #[test]
    fn a_cut_or_damaged_stream_is_refused() {
        let bytes = encode(&sample());
        for len in 0..bytes.len() {
            assert!(decode(&bytes[..len]).is_err(), "cut at {len} accepted");
        }
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(decode(&extra).is_err());
        let mut wrong_count = bytes.clone();
        let last = wrong_count.len() - 1;
        wrong_count[last] ^= 1;
        assert!(decode(&wrong_count).is_err());
    }
}
