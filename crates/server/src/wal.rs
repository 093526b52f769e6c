//! The document updates' write-ahead log: one append-only file in the data
//! directory (`casebook-wal`) that the group committer appends each batch to
//! and makes durable with one `fdatasync`.
//!
//! Why not sled for this: a sled flush hands its write to sled's IO thread
//! pool and wakes all of its threads, so per batch it cost more CPU than the
//! whole network path (issue 15; figures in `docs/`). Here a batch is one
//! `pwrite` and one `fdatasync` on the committer's own thread.
//!
//! - **Format**: records as `wal/record.rs` describes (length, CRC-32,
//!   sequence number, doc id, update), appended in commit order.
//! - **Torn tail**: batches are written one after another and each is synced
//!   before its updates are shown to anyone (and before the next batch is
//!   written), so only the last, unacknowledged batch can be cut short by a
//!   crash. On open, everything from the first record that is incomplete or
//!   fails its checksum is that torn tail: it is dropped (logged with its
//!   size) — unless valid records of an earlier-synced batch follow it
//!   (`record::tail_is_torn`): then acknowledged updates are damaged, and
//!   the store refuses to open, saying where, and changes nothing. A failed
//!   write is cut off at once, so nothing is ever appended after a partial
//!   record while running.
//! - **Compaction**: the records move into sled's `doc_log` tree (one batch,
//!   one sled flush; records a snapshot already covers are left out), then
//!   the file is emptied. It happens when the store opens, when the file
//!   grows past [`COMPACT_AT`], and before a backup dump, so a dump is sled
//!   alone and carries everything. A crash between the sled flush and the
//!   emptying only means the same records are moved again.
//! - **Reads**: loading a document reads its records from the file, only if
//!   the document has any there (the set of doc ids in the file is kept).

pub mod record;

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// The log's file name inside the data directory.
pub const FILE_NAME: &str = "casebook-wal";
/// The log is compacted into sled when it grows past this many bytes.
pub const COMPACT_AT: u64 = 4 << 20;

/// What went wrong with the log file.
#[derive(Debug, thiserror::Error)]
pub enum WalError {
    #[error("the update log {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("an update of {doc_id} is too large for the update log")]
    TooLong { doc_id: String },
    #[error("the update log {0} failed to write or sync earlier; refusing further writes until the server restarts")]
    Broken(String),
    #[error("the update log {path} is damaged at byte {offset}: a record there fails its checksum and acknowledged records follow it; refusing to start so that nothing is lost (restore a backup, or move the file aside to start without the updates it holds from that point)")]
    Damaged { path: String, offset: usize },
}

/// One record read back, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedRecord {
    pub doc_id: String,
    pub seq: u64,
    pub update: Vec<u8>,
}

/// The open log.
pub struct Wal {
    dir: PathBuf,
    path: PathBuf,
    /// Created on the first append, so opening a store writes nothing.
    file: Option<File>,
    /// Bytes of whole records in the file.
    len: u64,
    /// Whether something was written since the last sync.
    unsynced: bool,
    /// A write or sync failed: what is on disk is unknown, so no more writes.
    broken: bool,
    /// Documents with records in the file.
    docs: HashSet<String>,
    /// The batch number of the records appended until the next sync.
    batch: u64,
    buf: Vec<u8>,
}

impl Wal {
    /// Opens the log in `dir` and returns it with the records it holds (to
    /// be compacted by the caller, then [`Wal::clear`]) and the number of
    /// bytes of torn tail dropped after them.
    pub fn open(dir: &Path) -> Result<(Wal, Vec<OwnedRecord>, u64), WalError> {
        let path = dir.join(FILE_NAME);
        let mut wal = Wal {
            dir: dir.to_owned(),
            path,
            file: None,
            len: 0,
            unsynced: false,
            broken: false,
            docs: HashSet::new(),
            batch: 0,
            buf: Vec::new(),
        };
        let mut file = match OpenOptions::new().read(true).write(true).open(&wal.path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((wal, Vec::new(), 0)),
            Err(e) => return Err(wal.io(e)),
        };
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(|e| wal.io(e))?;
        let decoded = record::decode(&bytes);
        let torn = (bytes.len() - decoded.valid_len) as u64;
        if torn > 0 && !record::tail_is_torn(&bytes, &decoded) {
            return Err(WalError::Damaged {
                path: wal.path.display().to_string(),
                offset: decoded.valid_len,
            });
        }
        wal.batch = decoded
            .records
            .last()
            .map_or(0, |r| r.batch.wrapping_add(1));
        let records: Vec<OwnedRecord> = decoded
            .records
            .iter()
            .map(|r| OwnedRecord {
                doc_id: r.doc_id.to_owned(),
                seq: r.seq,
                update: r.update.to_vec(),
            })
            .collect();
        wal.len = decoded.valid_len as u64;
        wal.docs = records.iter().map(|r| r.doc_id.clone()).collect();
        if torn > 0 {
            // Cut the torn tail off now, so that appends follow whole records.
            file.set_len(wal.len).map_err(|e| wal.io(e))?;
            file.sync_data().map_err(|e| wal.io(e))?;
        }
        wal.file = Some(file);
        Ok((wal, records, torn))
    }

    fn io(&self, source: std::io::Error) -> WalError {
        WalError::Io {
            path: self.path.display().to_string(),
            source,
        }
    }

    /// Bytes of records in the file.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file holds no record.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn check(&self) -> Result<(), WalError> {
        if self.broken {
            return Err(WalError::Broken(self.path.display().to_string()));
        }
        Ok(())
    }

    /// Appends records (written, not yet durable: see [`Wal::sync`]).
    pub fn append<'a>(
        &mut self,
        records: impl IntoIterator<Item = (&'a str, u64, &'a [u8])>,
    ) -> Result<(), WalError> {
        self.check()?;
        self.buf.clear();
        let mut docs = Vec::new();
        for (doc_id, seq, update) in records {
            record::encode(&mut self.buf, self.batch, doc_id, seq, update).map_err(|_| {
                WalError::TooLong {
                    doc_id: doc_id.to_owned(),
                }
            })?;
            if !self.docs.contains(doc_id) {
                docs.push(doc_id.to_owned());
            }
        }
        if self.buf.is_empty() {
            return Ok(());
        }
        if self.file.is_none() {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&self.path)
                .map_err(|e| self.io(e))?;
            // The new file's name is durable before anything in it is.
            File::open(&self.dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| self.io(e))?;
            self.file = Some(file);
        }
        let file = self.file.as_ref().expect("opened above");
        if let Err(e) = file.write_all_at(&self.buf, self.len) {
            // Cut off whatever part was written; if that fails too, the
            // file's end is unknown and nothing more may be appended.
            if file.set_len(self.len).is_err() {
                self.broken = true;
            }
            return Err(self.io(e));
        }
        self.len += self.buf.len() as u64;
        self.unsynced = true;
        self.docs.extend(docs);
        if self.buf.capacity() > 1 << 20 {
            self.buf = Vec::new();
        }
        Ok(())
    }

    /// Makes every append so far durable (`fdatasync`).
    pub fn sync(&mut self) -> Result<(), WalError> {
        self.check()?;
        if !self.unsynced {
            return Ok(());
        }
        let file = self.file.as_ref().expect("an append opened the file");
        if let Err(e) = file.sync_data() {
            // After a failed fsync the kernel may have dropped the dirty
            // pages: what is on disk is unknown.
            self.broken = true;
            return Err(self.io(e));
        }
        self.unsynced = false;
        self.batch = self.batch.wrapping_add(1);
        Ok(())
    }

    /// Whether `doc_id` has records in the file.
    pub fn holds(&self, doc_id: &str) -> bool {
        self.docs.contains(doc_id)
    }

    /// Every record in the file, in order.
    pub fn records(&self) -> Result<Vec<OwnedRecord>, WalError> {
        let Some(file) = &self.file else {
            return Ok(Vec::new());
        };
        let mut bytes = vec![0; self.len as usize];
        file.read_exact_at(&mut bytes, 0).map_err(|e| self.io(e))?;
        Ok(record::decode(&bytes)
            .records
            .into_iter()
            .map(|r| OwnedRecord {
                doc_id: r.doc_id.to_owned(),
                seq: r.seq,
                update: r.update.to_vec(),
            })
            .collect())
    }

    /// A document's records in the file, in order.
    pub fn doc_records(&self, doc_id: &str) -> Result<Vec<(u64, Vec<u8>)>, WalError> {
        if !self.holds(doc_id) {
            return Ok(Vec::new());
        }
        Ok(self
            .records()?
            .into_iter()
            .filter(|r| r.doc_id == doc_id)
            .map(|r| (r.seq, r.update))
            .collect())
    }

    /// Empties the file (durably), once its records are stored elsewhere.
    pub fn clear(&mut self) -> Result<(), WalError> {
        self.check()?;
        let Some(file) = &self.file else {
            return Ok(());
        };
        if self.len == 0 {
            return Ok(());
        }
        if let Err(e) = file.set_len(0).and_then(|()| file.sync_data()) {
            self.broken = true;
            return Err(self.io(e));
        }
        self.len = 0;
        self.unsynced = false;
        self.docs.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn append(wal: &mut Wal, records: &[(&str, u64, &[u8])]) {
        wal.append(records.iter().copied()).unwrap();
        wal.sync().unwrap();
    }

    #[test]
    fn records_come_back_in_order_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let (mut wal, records, torn) = Wal::open(dir.path()).unwrap();
        assert!(records.is_empty() && torn == 0);
        assert!(
            !dir.path().join(FILE_NAME).exists(),
            "opening writes nothing"
        );
        append(&mut wal, &[("a", 0, b"one"), ("b", 0, b"x")]);
        append(&mut wal, &[("a", 1, b"two")]);
        assert_eq!(
            wal.doc_records("a").unwrap(),
            vec![(0, b"one".to_vec()), (1, b"two".to_vec())]
        );
        assert!(wal.doc_records("c").unwrap().is_empty());
        drop(wal);
        let (wal, records, torn) = Wal::open(dir.path()).unwrap();
        assert_eq!(torn, 0);
        let seen: Vec<(&str, u64)> = records.iter().map(|r| (r.doc_id.as_str(), r.seq)).collect();
        assert_eq!(seen, vec![("a", 0), ("b", 0), ("a", 1)]);
        assert!(wal.holds("b"));
    }

    #[test]
    fn a_torn_tail_is_dropped_and_the_next_append_follows_the_whole_records() {
        let dir = tempfile::tempdir().unwrap();
        let (mut wal, _, _) = Wal::open(dir.path()).unwrap();
        append(&mut wal, &[("a", 0, b"kept")]);
        let first_len = wal.len() as usize;
        append(&mut wal, &[("a", 1, b"torn away")]);
        drop(wal);
        let path = dir.path().join(FILE_NAME);
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(record::decode(&bytes).records.len(), 2);
        // Every cut inside the second record drops exactly it.
        for cut in first_len..bytes.len() {
            std::fs::write(&path, &bytes[..cut]).unwrap();
            let (wal, records, torn) = Wal::open(dir.path()).unwrap();
            assert_eq!(records.len(), 1, "cut at {cut}");
            assert_eq!(records[0].update, b"kept");
            assert_eq!(torn, (cut - first_len) as u64);
            assert_eq!(wal.len(), first_len as u64);
            assert_eq!(std::fs::metadata(&path).unwrap().len(), first_len as u64);
        }
        // After a torn tail, new records follow the whole ones.
        let (mut wal, _, _) = Wal::open(dir.path()).unwrap();
        append(&mut wal, &[("a", 1, b"again")]);
        drop(wal);
        let (_, records, torn) = Wal::open(dir.path()).unwrap();
        assert_eq!(torn, 0);
        assert_eq!(
            records
                .iter()
                .map(|r| r.update.as_slice())
                .collect::<Vec<_>>(),
            vec![&b"kept"[..], &b"again"[..]]
        );
    }

    #[test]
    fn damage_followed_by_acknowledged_records_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let (mut wal, _, _) = Wal::open(dir.path()).unwrap();
        append(&mut wal, &[("a", 0, b"first")]);
        append(&mut wal, &[("a", 1, b"second")]);
        append(&mut wal, &[("a", 2, b"third")]);
        drop(wal);
        let path = dir.path().join(FILE_NAME);
        let mut bytes = std::fs::read(&path).unwrap();
        // The second batch is damaged; the third, synced after it, follows.
        let second = bytes.windows(6).position(|w| w == b"second").unwrap();
        bytes[second] ^= 0x20;
        std::fs::write(&path, &bytes).unwrap();
        let refused = Wal::open(dir.path()).err().expect("damage is refused");
        assert!(matches!(refused, WalError::Damaged { .. }), "{refused}");
        assert!(
            refused.to_string().contains("refusing to start"),
            "{refused}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "nothing was changed");
    }

    #[test]
    fn a_torn_batch_whose_later_records_reached_the_disk_is_still_torn() {
        let dir = tempfile::tempdir().unwrap();
        let (mut wal, _, _) = Wal::open(dir.path()).unwrap();
        append(&mut wal, &[("a", 0, b"kept")]);
        let kept = wal.len() as usize;
        append(&mut wal, &[("a", 1, b"lost"), ("a", 2, b"also lost")]);
        drop(wal);
        let path = dir.path().join(FILE_NAME);
        let mut bytes = std::fs::read(&path).unwrap();
        // The last batch's first page never reached the disk, its second did.
        bytes[kept..kept + 12].fill(0);
        std::fs::write(&path, &bytes).unwrap();
        let (wal, records, torn) = Wal::open(dir.path()).unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(torn as usize, bytes.len() - kept);
        assert_eq!(wal.len() as usize, kept);
        // A batch number continues after the kept record.
        drop(wal);
        let (mut wal, _, _) = Wal::open(dir.path()).unwrap();
        append(&mut wal, &[("a", 1, b"again")]);
        drop(wal);
        let (_, records, torn) = Wal::open(dir.path()).unwrap();
        assert_eq!(torn, 0);
        assert_eq!(records.len(), 2);
    }

    #[test]
    fn a_record_that_fails_its_checksum_ends_the_log_there() {
        let dir = tempfile::tempdir().unwrap();
        let (mut wal, _, _) = Wal::open(dir.path()).unwrap();
        append(
            &mut wal,
            &[("a", 0, b"first"), ("a", 1, b"second"), ("a", 2, b"third")],
        );
        drop(wal);
        let path = dir.path().join(FILE_NAME);
        let mut bytes = std::fs::read(&path).unwrap();
        // Flip one byte of the second record's update.
        let second = bytes.windows(6).position(|w| w == b"second").unwrap();
        bytes[second] ^= 0x20;
        std::fs::write(&path, &bytes).unwrap();
        let (_, records, torn) = Wal::open(dir.path()).unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].update, b"first");
        assert!(torn > 0);
        // Zeros (a file extended but never written) are no record either.
        std::fs::write(&path, vec![0u8; 64]).unwrap();
        let (_, records, torn) = Wal::open(dir.path()).unwrap();
        assert!(records.is_empty());
        assert_eq!(torn, 64);
    }

    #[test]
    fn clearing_empties_the_file_durably() {
        let dir = tempfile::tempdir().unwrap();
        let (mut wal, _, _) = Wal::open(dir.path()).unwrap();
        append(&mut wal, &[("a", 0, b"one")]);
        wal.clear().unwrap();
        assert!(wal.is_empty() && !wal.holds("a"));
        append(&mut wal, &[("b", 0, b"two")]);
        drop(wal);
        let (_, records, _) = Wal::open(dir.path()).unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].doc_id, "b");
    }

    #[test]
    fn encode_and_decode_agree_and_refuse_what_does_not_fit() {
        let mut out = Vec::new();
        record::encode(&mut out, 3, "日本", 7, &[1, 2, 3]).unwrap();
        record::encode(&mut out, 4, "", u64::MAX, &[]).unwrap();
        let decoded = record::decode(&out);
        assert_eq!(decoded.valid_len, out.len());
        assert_eq!(
            decoded.records,
            vec![
                record::Record {
                    batch: 3,
                    doc_id: "日本",
                    seq: 7,
                    update: &[1, 2, 3]
                },
                record::Record {
                    batch: 4,
                    doc_id: "",
                    seq: u64::MAX,
                    update: &[]
                },
            ]
        );
        let long = "x".repeat(70_000);
        assert_eq!(
            record::encode(&mut Vec::new(), 0, &long, 0, &[]),
            Err(record::TooLong::DocId)
        );
    }
}
