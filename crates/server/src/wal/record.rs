//! The write-ahead log's record format, and its decoder (which the
//! `wal_record` fuzz target runs on arbitrary bytes; this file needs nothing
//! but `std` and `crc32fast`, so the fuzz crate includes it by path).
//!
//! A record is one document update:
//!
//! ```text
//! body length  u32 LE   (length of everything after the checksum)
//! checksum     u32 LE   (CRC-32 of the body)
//! body:  batch u64 LE | seq u64 LE | doc id length u16 LE | doc id (UTF-8) | update bytes
//! ```
//!
//! `batch` numbers the writes made durable together (one group commit: one
//! write, one `fdatasync`); it grows by one per batch. Records follow one
//! another with nothing in between. [`decode`] reads whole, valid records
//! from the start and stops at the first one that is cut short, shorter
//! than a body can be, fails its checksum or holds a doc id that is not
//! UTF-8. [`tail_is_torn`] says whether what follows can be a write cut
//! short by a crash (only the last batch, never synced, can be: every
//! earlier one was synced before the next was written) or is damage to
//! records that were acknowledged.

/// Bytes before a record's body: its length and its checksum.
pub const HEADER: usize = 8;
/// The smallest body: a batch and a sequence number, a doc id length.
const MIN_BODY: usize = 18;

/// One update as stored in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    pub batch: u64,
    pub doc_id: &'a str,
    pub seq: u64,
    pub update: &'a [u8],
}

/// What [`decode`] found: every valid record, and how many bytes they take
/// from the start. Anything after `valid_len` is a torn tail.
#[derive(Debug, Default)]
pub struct Decoded<'a> {
    pub records: Vec<Record<'a>>,
    pub valid_len: usize,
}

/// Why a record cannot be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TooLong {
    /// A doc id over 65,535 bytes.
    DocId,
    /// A record over 4 GiB.
    Update,
}

/// Appends one record to `out`.
pub fn encode(
    out: &mut Vec<u8>,
    batch: u64,
    doc_id: &str,
    seq: u64,
    update: &[u8],
) -> Result<(), TooLong> {
    let id_len = u16::try_from(doc_id.len()).map_err(|_| TooLong::DocId)?;
    let body_len = MIN_BODY + doc_id.len() + update.len();
    let body_len = u32::try_from(body_len).map_err(|_| TooLong::Update)?;
    out.reserve(HEADER + body_len as usize);
    let start = out.len();
    out.extend_from_slice(&body_len.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&batch.to_le_bytes());
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(&id_len.to_le_bytes());
    out.extend_from_slice(doc_id.as_bytes());
    out.extend_from_slice(update);
    let crc = crc32fast::hash(&out[start + HEADER..]);
    out[start + 4..start + HEADER].copy_from_slice(&crc.to_le_bytes());
    Ok(())
}

/// The valid records at the start of `bytes` (see the module's doc).
pub fn decode(bytes: &[u8]) -> Decoded<'_> {
    let mut decoded = Decoded::default();
    while let Some((record, len)) = one(&bytes[decoded.valid_len..]) {
        decoded.records.push(record);
        decoded.valid_len += len;
    }
    decoded
}

/// The record at the start of `bytes` and its length, if it is whole and valid.
fn one(bytes: &[u8]) -> Option<(Record<'_>, usize)> {
    let header = bytes.get(..HEADER)?;
    let body_len = u32::from_le_bytes(header[..4].try_into().ok()?) as usize;
    let crc = u32::from_le_bytes(header[4..].try_into().ok()?);
    if body_len < MIN_BODY {
        return None;
    }
    let body = bytes.get(HEADER..HEADER.checked_add(body_len)?)?;
    if crc32fast::hash(body) != crc {
        return None;
    }
    let batch = u64::from_le_bytes(body[..8].try_into().ok()?);
    let seq = u64::from_le_bytes(body[8..16].try_into().ok()?);
    let id_len = u16::from_le_bytes(body[16..18].try_into().ok()?) as usize;
    let doc_id = std::str::from_utf8(body.get(MIN_BODY..MIN_BODY + id_len)?).ok()?;
    let update = &body[MIN_BODY + id_len..];
    Some((
        Record {
            batch,
            doc_id,
            seq,
            update,
        },
        HEADER + body_len,
    ))
}

/// Whether the bytes after `decoded`'s valid records can be a torn write:
/// every valid record found anywhere in them belongs to one batch, and that
/// batch is the last valid record's or the next one. Valid records of
/// another batch after a bad one mean that acknowledged records are
/// damaged. (A torn write's records may survive after a hole: the disk may
/// persist a write's later pages before its earlier ones.)
pub fn tail_is_torn(bytes: &[u8], decoded: &Decoded<'_>) -> bool {
    let last = decoded.records.last().map(|r| r.batch);
    let mut seen: Option<u64> = None;
    let mut at = decoded.valid_len;
    while at < bytes.len() {
        match one(&bytes[at..]) {
            Some((record, len)) => {
                if seen.is_some_and(|b| b != record.batch) {
                    return false;
                }
                if last.is_some_and(|l| record.batch != l && Some(record.batch) != l.checked_add(1))
                {
                    return false;
                }
                seen = Some(record.batch);
                at += len;
            }
            None => at += 1,
        }
    }
    true
}
