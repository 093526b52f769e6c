//! The y-websocket wire format: one y-sync [`Message`] per WebSocket frame out,
//! any number per frame in.
//!
//! This is the one place that frames and unframes messages; the server, the
//! browser client, the tests and the load tool all use it. The message types
//! and the lib0 encoding are yrs' own (`yrs::sync`).

use yrs::encoding::read::Cursor;
use yrs::sync::MessageReader;
pub use yrs::sync::{Message, SyncMessage};
use yrs::updates::decoder::{Decode, DecoderV1};
use yrs::updates::encoder::Encode;
use yrs::{ReadTxn, StateVector, Update};

/// How often the server sends an idle socket a ping and a keep-alive
/// message (an empty awareness update); the JS client reconnects after
/// 30 s without a message.
pub const KEEPALIVE_MS: u64 = 10_000;

/// A socket that heard nothing for this long is presumed dead, by the
/// server and by the browser alike: three missed keep-alives, and then some.
pub const SILENT_LIMIT_MS: u64 = 35_000;

/// A frame could not be read as y-sync messages.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("malformed y-sync message: {0}")]
    Malformed(#[from] yrs::encoding::read::Error),
    #[error("empty frame")]
    Empty,
    #[error("frame ends inside a y-sync message")]
    Truncated,
    #[error("a y-sync message declares {declared} entries in {bytes} bytes")]
    Implausible { declared: u64, bytes: usize },
    #[error("undecodable y-sync message (the decoder gave up on it)")]
    Rejected,
}

/// Runs a yrs decoder, turning a panic inside it into an error: yrs asserts
/// on some inputs (a client id over 53 bits, found by the `update` fuzz
/// target), and a socket must not be able to panic its server task.
fn guarded<T>(decode: impl FnOnce() -> Result<T, FrameError>) -> Result<T, FrameError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(decode))
        .unwrap_or(Err(FrameError::Rejected))
}

/// yrs reserves room for as many entries as a message *declares* before it
/// reads them, so four bytes could make it reserve gigabytes (found by the
/// `update` and `sync_message` fuzz targets). Counts that the bytes after
/// them cannot hold are refused first: an update's client entry and an
/// awareness entry take at least 3 bytes, a state vector entry 2.
const MIN_UPDATE_ENTRY: u64 = 3;
const MIN_AWARENESS_ENTRY: u64 = 3;
const MIN_STATE_VECTOR_ENTRY: u64 = 2;

/// Reads a lib0 variable-length unsigned integer at `*pos`.
fn read_var(bytes: &[u8], pos: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *bytes.get(*pos)?;
        *pos += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// Checks the entry count at the start of `payload` against its length.
fn check_count(payload: &[u8], min_entry: u64) -> Result<(), FrameError> {
    let mut pos = 0;
    let Some(declared) = read_var(payload, &mut pos) else {
        return Ok(()); // yrs reports the malformed count itself
    };
    let bytes = payload.len() - pos;
    if declared.saturating_mul(min_entry) > bytes as u64 {
        return Err(FrameError::Implausible { declared, bytes });
    }
    Ok(())
}

/// Walks a frame's messages and checks each declared count before yrs
/// allocates for it. Anything it cannot walk is left to yrs, which refuses it.
fn check_counts(frame: &[u8]) -> Result<(), FrameError> {
    const SYNC: u64 = 0;
    const AWARENESS: u64 = 1;
    const AUTH: u64 = 2;
    const AWARENESS_QUERY: u64 = 3;
    let mut pos = 0;
    while pos < frame.len() {
        let Some(kind) = read_var(frame, &mut pos) else {
            return Ok(());
        };
        let sub = match kind {
            SYNC => match read_var(frame, &mut pos) {
                Some(sub) => Some(sub),
                None => return Ok(()),
            },
            AWARENESS => None,
            AWARENESS_QUERY => continue,
            // Auth: 0 and a reason, or 1 alone.
            AUTH => match read_var(frame, &mut pos) {
                Some(0) => Some(u64::MAX),
                Some(_) => continue,
                None => return Ok(()),
            },
            // Custom messages: one buffer.
            _ => Some(u64::MAX),
        };
        let Some(len) = read_var(frame, &mut pos) else {
            return Ok(());
        };
        let Some(payload) = usize::try_from(len)
            .ok()
            .and_then(|len| frame.get(pos..pos.checked_add(len)?))
        else {
            return Ok(()); // truncated: yrs refuses it
        };
        pos += payload.len();
        match sub {
            Some(0) => check_count(payload, MIN_STATE_VECTOR_ENTRY)?,
            Some(1 | 2) => check_count(payload, MIN_UPDATE_ENTRY)?,
            Some(_) => {}
            None => check_count(payload, MIN_AWARENESS_ENTRY)?,
        }
    }
    Ok(())
}

/// Encodes one message as the payload of one binary frame.
pub fn encode(message: &Message) -> Vec<u8> {
    message.encode_v1()
}

/// Decodes every message of one binary frame. Either all of them decode or the
/// frame is refused as a whole, so a bad frame never half-applies.
pub fn decode_frame(frame: &[u8]) -> Result<Vec<Message>, FrameError> {
    if frame.is_empty() {
        return Err(FrameError::Empty);
    }
    check_counts(frame)?;
    let messages = guarded(|| {
        let mut decoder = DecoderV1::new(Cursor::new(frame));
        Ok(MessageReader::new(&mut decoder).collect::<Result<Vec<_>, _>>()?)
    })?;
    // The reader stops quietly at the end of the buffer, also in the middle of
    // a message; lib0's encoding is canonical, so the lengths of the messages
    // it read tell whether it consumed the whole frame.
    let consumed: usize = messages.iter().map(encoded_len).sum();
    if consumed != frame.len() {
        return Err(FrameError::Truncated);
    }
    Ok(messages)
}

/// Length of a lib0 variable-length unsigned integer.
fn var_len(mut n: usize) -> usize {
    let mut len = 1;
    while n >= 0x80 {
        n >>= 7;
        len += 1;
    }
    len
}

/// Encoded length of a message, without copying update payloads.
fn encoded_len(message: &Message) -> usize {
    let buf = |len: usize| var_len(len) + len;
    match message {
        Message::Sync(SyncMessage::SyncStep2(u)) | Message::Sync(SyncMessage::Update(u)) => {
            2 + buf(u.len())
        }
        Message::Custom(_, data) => 1 + buf(data.len()),
        // Small messages: encoding them is the simplest exact answer.
        other => other.encode_v1().len(),
    }
}

/// Sync step 1 announcing what `txn`'s document already has.
pub fn sync_step1(txn: &impl ReadTxn) -> Message {
    Message::Sync(SyncMessage::SyncStep1(txn.state_vector()))
}

/// Sync step 2: everything in `txn`'s document that `remote` lacks.
pub fn sync_step2(txn: &impl ReadTxn, remote: &StateVector) -> Message {
    Message::Sync(SyncMessage::SyncStep2(
        txn.encode_state_as_update_v1(remote),
    ))
}

/// Wraps an encoded v1 update as an update message.
pub fn update(update_v1: Vec<u8>) -> Message {
    Message::Sync(SyncMessage::Update(update_v1))
}

/// Decodes an update payload; `Ok(None)` for an update that changes nothing
/// (a read-only client answers sync step 1 with one of those).
pub fn decode_update(update_v1: &[u8]) -> Result<Option<Update>, FrameError> {
    check_count(update_v1, MIN_UPDATE_ENTRY)?;
    // The first client's block count too (each block takes a byte at least).
    let mut pos = 0;
    if read_var(update_v1, &mut pos).is_some_and(|clients| clients > 0) {
        check_count(&update_v1[pos..], 1)?;
    }
    let update = guarded(|| {
        let update = Update::decode_v1(update_v1)?;
        // Some malformed blocks decode but do not encode back to anything
        // decodable (found by the `update` fuzz target); once applied, the
        // document's own state — snapshots, every joiner's sync step 2 —
        // would not decode either. Such an update is refused here.
        Update::decode_v1(&update.encode_v1())?;
        Ok(update)
    })?;
    Ok((!update.is_empty()).then_some(update))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{new_doc, BODY};
    use yrs::{Text, Transact};

    /// Found by the `sync_message` fuzz target: a deleted range whose
    /// clock plus length passes `u32::MAX`. yrs added them unchecked, so a
    /// debug build panicked (caught: `Rejected`) and a release build took
    /// an inverted range; both now get yrs' own malformed-update error
    /// (vendor/yrs/PATCHES.md, 7).
    #[test]
    fn a_deleted_range_past_the_last_clock_is_malformed() {
        // No blocks; a delete set of one client (1) with one range: clock
        // u32::MAX - 1, length 5.
        let mut update = vec![0x00, 0x01, 0x01, 0x01];
        update.extend([0xfe, 0xff, 0xff, 0xff, 0x0f, 0x05]);
        let refused = decode_update(&update);
        assert!(
            matches!(
                refused,
                Err(FrameError::Malformed(
                    yrs::encoding::read::Error::Malformed(
                        yrs::encoding::read::MalformedKind::ClockOverflow
                    )
                ))
            ),
            "{refused:?}"
        );
        // The same range ending exactly at u32::MAX is a deletion like any.
        let mut fits = vec![0x00, 0x01, 0x01, 0x01];
        fits.extend([0xfe, 0xff, 0xff, 0xff, 0x0f, 0x01]);
        let kept = decode_update(&fits);
        assert!(matches!(kept, Ok(Some(_))), "{kept:?}");
    }

    /// Regression for the fuzzers' first finds: four bytes declaring ~88
    /// million clients made yrs reserve 5.5 GB before reading any of them.
    #[test]
    fn counts_the_bytes_cannot_hold_are_refused_before_yrs_allocates() {
        let bomb = [0xba, 0xba, 0x84, 0x2a];
        assert!(matches!(
            decode_update(&bomb),
            Err(FrameError::Implausible {
                declared: 88_153_402,
                bytes: 0
            })
        ));
        // The same inside a sync step 2 / update message…
        let frame = [0x00, 0x01, 0x06, 0x81, 0x81, 0x81, 0x2e, 0x24, 0x2f];
        assert!(matches!(
            decode_frame(&frame),
            Err(FrameError::Implausible { .. })
        ));
        // …a state vector…
        let step1 = [0x00, 0x00, 0x04, 0xff, 0xff, 0xff, 0x7a];
        assert!(matches!(
            decode_frame(&step1),
            Err(FrameError::Implausible { .. })
        ));
        // …and an awareness update, also behind an auth message.
        let awareness = [0x01, 0x04, 0xff, 0xff, 0xff, 0x7a];
        assert!(matches!(
            decode_frame(&awareness),
            Err(FrameError::Implausible { .. })
        ));
        let behind_auth = [0x02, 0x01, 0x00, 0x00, 0x04, 0xff, 0xff, 0xff, 0x7a];
        assert!(matches!(
            decode_frame(&behind_auth),
            Err(FrameError::Implausible { .. })
        ));
    }

    /// Regression for the `update` and `sync_message` fuzz targets: a client
    /// id over 53 bits made yrs' decoder panic.
    #[test]
    fn a_decoder_panic_is_an_error() {
        let update = [
            0x01, 0x01, 0x9c, 0xe8, 0x99, 0x99, 0x9c, 0xe8, 0x99, 0x7a, 0x85,
        ];
        assert!(matches!(decode_update(&update), Err(FrameError::Rejected)));
        let frame = [
            0x00, 0x02, 0x0d, 0x83, 0x00, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xb6, 0x25,
            0x00, 0xff,
        ];
        if let Ok(messages) = decode_frame(&frame) {
            for message in messages {
                if let Message::Sync(SyncMessage::Update(raw)) = message {
                    assert!(decode_update(&raw).is_err());
                }
            }
        }
        // A block that decoded but did not encode back to anything decodable:
        // JSON content with no entries, of which yrs 0.28.1 read one
        // (vendor/yrs/PATCHES.md, 3). Now it is read as the empty content it
        // is, which adds nothing; the re-encoding check stays as a guard.
        let block = [
            0x01, 0x01, 0x00, 0x0f, 0x02, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
        ];
        if let Ok(Some(update)) = decode_update(&block) {
            Update::decode_v1(&update.encode_v1()).expect("it encodes back");
        }
        // A state vector with such a client id, in sync step 1.
        let step1 = [
            0x00, 0x00, 0x0b, 0x01, 0x9c, 0xe8, 0x99, 0x99, 0x9c, 0xe8, 0x99, 0x7a, 0x85, 0x01,
        ];
        assert!(decode_frame(&step1).is_err());
    }

    /// The `update` fuzz target's heap use-after-free (ASan, in yrs'
    /// `resolve_conflict`): the update lists client 1 three times, each run at
    /// clock 1. yrs 0.28.1 appended the runs, so the same clock came twice and
    /// integrating the copy freed the live block (vendor/yrs/PATCHES.md, 1).
    /// The patched decoder refuses a repeated client.
    #[test]
    fn an_update_that_lists_a_client_twice_is_refused() {
        let uaf = include_bytes!("../../../fuzz/regressions/update-yrs-heap-use-after-free.bin");
        let Err(FrameError::Malformed(e)) = decode_update(uaf) else {
            panic!("the use-after-free update decoded");
        };
        assert_eq!(
            e.to_string(),
            "malformed update: the same client is listed twice"
        );
        // The smallest such update: client 5 twice, one GC block each.
        // [clients=2] [blocks=1 client=5 clock=0 GC len=1] twice, empty delete set.
        let twice = [2, 1, 5, 0, 0, 1, 1, 5, 0, 0, 1, 0];
        assert!(decode_update(&twice).is_err());
        let once = [1, 1, 5, 0, 0, 1, 0];
        assert!(decode_update(&once).unwrap().is_some());
        // Clocks past u32::MAX would overlap the same way: clock u32::MAX,
        // then two GC blocks.
        let wraps = [1, 2, 5, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 1, 0, 1, 0];
        assert!(decode_update(&wraps).is_err());
    }

    /// Whatever the document holds encodes to an update that decodes again,
    /// and a fresh replica rebuilt from it reads the same text.
    fn assert_state_round_trips(doc: &yrs::Doc) -> String {
        use yrs::GetString;
        let text = doc.get_or_insert_text(BODY).get_string(&doc.transact());
        let state = doc
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        let update = decode_update(&state).expect("the document's state decodes");
        let copy = new_doc();
        if let Some(update) = update {
            copy.transact_mut().apply_update(update).unwrap();
        }
        let copied = copy.get_or_insert_text(BODY).get_string(&copy.transact());
        assert_eq!(copied, text);
        text
    }

    /// The `sync_message` fuzz target's abort: an update with a repeated
    /// client was kept "pending" with overlapping blocks that did not encode
    /// to anything decodable, and yrs unwrapped that when encoding the
    /// document for the next sync step 2 (a panic; in the fuzz harness it
    /// crossed an `extern "C"` frame and aborted). Now such blocks are
    /// refused at decoding, and an encoding never panics on what is pending
    /// (vendor/yrs/PATCHES.md, 1 and 2): every answer decodes and the
    /// document's state round-trips with its text unchanged.
    #[test]
    fn the_frame_that_aborted_the_sync_fuzzer_leaves_an_encodable_document() {
        let frame =
            include_bytes!("../../../fuzz/regressions/sync_message-yrs-panic-cannot-unwind.bin");
        let doc = new_doc();
        doc.get_or_insert_text(BODY)
            .insert(&mut doc.transact_mut(), 0, "障害 summary 😀");
        for message in decode_frame(frame).unwrap() {
            match message {
                Message::Sync(SyncMessage::SyncStep2(raw) | SyncMessage::Update(raw)) => {
                    match decode_update(&raw) {
                        Ok(Some(update)) => {
                            let _ = doc.transact_mut().apply_update(update);
                        }
                        Ok(None) => {}
                        Err(_) => {} // refused: empty, truncated or malformed
                    }
                }
                Message::Sync(SyncMessage::SyncStep1(sv)) => {
                    let answer = encode(&sync_step2(&doc.transact(), &sv));
                    decode_frame(&answer).unwrap();
                }
                _ => {}
            }
        }
        assert_eq!(assert_state_round_trips(&doc), "障害 summary 😀");
    }

    /// Found by the `update` fuzz target once it checked that the state
    /// decodes: yrs 0.28.1 read one string more than a JSON content's count
    /// (the obsolete content type Yjs still reads), so an update could apply
    /// and leave a document whose state did not decode for any joiner.
    /// Counts are now read as written (vendor/yrs/PATCHES.md, 3).
    #[test]
    fn json_content_is_read_with_the_count_it_was_written_with() {
        let found =
            include_bytes!("../../../fuzz/regressions/update-yrs-json-content-off-by-one.bin");
        let doc = crate::document::new_doc_with_client_id(7);
        doc.get_or_insert_text(BODY)
            .insert(&mut doc.transact_mut(), 0, "障害 😀");
        if let Some(update) = decode_update(found).unwrap() {
            doc.transact_mut().apply_update(update).unwrap();
        }
        assert_eq!(assert_state_round_trips(&doc), "障害 😀");
        // Client 5 puts JSON content ["1", "2"] (two entries) into the body.
        let two = [
            1, 1, 5, 0, 2, 1, 4, b'b', b'o', b'd', b'y', 2, 1, b'1', 1, b'2', 0,
        ];
        let update = decode_update(&two).unwrap().unwrap();
        let doc = new_doc();
        doc.transact_mut().apply_update(update).unwrap();
        assert_eq!(
            doc.transact()
                .state_vector()
                .get(&yrs::block::ClientID::new(5)),
            2
        );
        assert_state_round_trips(&doc);
    }

    /// A writer's replica (client 1) with "a😀b": a = 1#0, 😀 = 1#1..1#3,
    /// b = 1#3. `edit` changes a copy of it as client 2, whose update is then
    /// applied to the original. Returns the original's text afterwards.
    fn apply_remote_edit(edit: impl FnOnce(&yrs::TextRef, &mut yrs::TransactionMut)) -> String {
        let doc = crate::document::new_doc_with_client_id(1);
        doc.get_or_insert_text(BODY)
            .insert(&mut doc.transact_mut(), 0, "a😀b");
        let base = doc
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        let other = crate::document::new_doc_with_client_id(2);
        let update = decode_update(&base).unwrap().unwrap();
        other.transact_mut().apply_update(update).unwrap();
        let sv = other.transact().state_vector();
        let body = other.get_or_insert_text(BODY);
        edit(&body, &mut other.transact_mut());
        let change = other.transact().encode_diff_v1(&sv);
        let update = decode_update(&change).unwrap().unwrap();
        doc.transact_mut().apply_update(update).unwrap();
        let text = assert_state_round_trips(&doc);
        assert_eq!(
            text,
            assert_state_round_trips(&other),
            "both replicas agree"
        );
        text
    }

    /// Issue 8's surrogate finding: references into the middle of a UTF-16
    /// surrogate pair (an emoji). yrs 0.28.1 splits the pair as Yjs does
    /// (both halves become U+FFFD, each one unit long, so every clock keeps
    /// its place), and the document stays valid UTF-8 that encodes, decodes
    /// and rebuilds the same text on another replica.
    #[test]
    fn references_into_a_surrogate_pair_split_it_as_yjs_does() {
        // An insertion whose origin is 1#1 (the high half) and whose right
        // origin is 1#2 (the low half).
        let inserted = apply_remote_edit(|body, txn| body.insert(txn, 2, "x"));
        assert_eq!(inserted, "a\u{FFFD}x\u{FFFD}b");
        // A delete range that ends inside the pair (1#1 only)…
        let deleted = apply_remote_edit(|body, txn| body.remove_range(txn, 1, 1));
        assert_eq!(deleted, "a\u{FFFD}b");
        // …and one that starts inside it (1#2 only).
        let deleted = apply_remote_edit(|body, txn| body.remove_range(txn, 2, 1));
        assert_eq!(deleted, "a\u{FFFD}b");
    }

    /// A block the document knows only partly, ending inside the pair: the
    /// document has 1#0..1#2 ("xy"), the update brings 1#0..1#4 ("a😀b");
    /// yrs trims what it knows, splitting the pair.
    #[test]
    fn a_partly_known_block_split_inside_a_surrogate_pair_stays_valid() {
        let doc = new_doc();
        let known = crate::document::new_doc_with_client_id(1);
        known
            .get_or_insert_text(BODY)
            .insert(&mut known.transact_mut(), 0, "xy");
        let longer = crate::document::new_doc_with_client_id(1);
        longer
            .get_or_insert_text(BODY)
            .insert(&mut longer.transact_mut(), 0, "a😀b");
        for source in [known, longer] {
            let state = source
                .transact()
                .encode_state_as_update_v1(&StateVector::default());
            let update = decode_update(&state).unwrap().unwrap();
            doc.transact_mut().apply_update(update).unwrap();
        }
        assert_eq!(assert_state_round_trips(&doc), "xy\u{FFFD}b");
    }

    /// Client 2 inserts "/" with origin `1#origin` and right origin
    /// `1#right_origin` (a hand-made v1 update: one block, string content).
    fn insert_between(origin: u8, right_origin: u8) -> Vec<u8> {
        vec![1, 1, 2, 0, 0xc4, 1, origin, 1, right_origin, 1, b'/', 0]
    }

    /// Found by the `update` fuzz target
    /// (`fuzz/regressions/update-yrs-right-origin-before-origin.bin`): an item
    /// whose right origin is its origin (the first half of the live
    /// document's emoji). yrs placed it by whatever blocks the store happened
    /// to hold: before the emoji on the live document, between its halves on
    /// a replica rebuilt from the state, so every joiner and every reload
    /// diverged. An item whose right origin lies at or before its origin in
    /// one run of the origin's client is now refused before anything is
    /// split, however the run is split into blocks (vendor/yrs/PATCHES.md, 5).
    #[test]
    fn a_right_origin_at_or_before_the_origin_is_refused() {
        let found =
            include_bytes!("../../../fuzz/regressions/update-yrs-right-origin-before-origin.bin");
        let doc = crate::document::new_doc_with_client_id(7);
        let body = doc.get_or_insert_text(BODY);
        body.insert(&mut doc.transact_mut(), 0, "障害の概要 summary 😀");
        body.remove_range(&mut doc.transact_mut(), 2, 3);
        body.insert(&mut doc.transact_mut(), 5, "checkout");
        let update = decode_update(found).unwrap().unwrap();
        let err = doc.transact_mut().apply_update(update).unwrap_err();
        assert_eq!(
            err.to_string(),
            "malformed update: block <2#32> has its right origin at or before its origin"
        );
        assert_eq!(assert_state_round_trips(&doc), "障害 sucheckoutmmary 😀");

        // "ab😀c" by client 1: a = 1#0, b = 1#1, 😀 = 1#2..1#4, c = 1#4.
        let fresh = || {
            let doc = crate::document::new_doc_with_client_id(1);
            doc.get_or_insert_text(BODY)
                .insert(&mut doc.transact_mut(), 0, "ab😀c");
            doc
        };
        let refused = |doc: &yrs::Doc, origin: u8, right_origin: u8| {
            let update = decode_update(&insert_between(origin, right_origin))
                .unwrap()
                .unwrap();
            let before = assert_state_round_trips(doc);
            assert!(doc.transact_mut().apply_update(update).is_err());
            assert_eq!(assert_state_round_trips(doc), before, "unchanged");
        };
        // In one block: the right origin is the origin, or before it.
        refused(&fresh(), 2, 2);
        refused(&fresh(), 3, 0);
        // The same run split into blocks by a concurrent insertion (client 3
        // puts "x" between b and 😀): refused just the same.
        let split = fresh();
        let other = crate::document::new_doc_with_client_id(3);
        let state = split
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        other
            .transact_mut()
            .apply_update(decode_update(&state).unwrap().unwrap())
            .unwrap();
        let sv = other.transact().state_vector();
        other
            .get_or_insert_text(BODY)
            .insert(&mut other.transact_mut(), 2, "x");
        let change = other.transact().encode_diff_v1(&sv);
        split
            .transact_mut()
            .apply_update(decode_update(&change).unwrap().unwrap())
            .unwrap();
        refused(&split, 4, 0);
        refused(&split, 2, 2);
        assert_eq!(assert_state_round_trips(&split), "abx😀c");
        // An honest right origin with a lower clock than the origin: client 1
        // typed "ab", then "X" before it (1#2, no origin); client 2 types
        // between X and a (origin 1#2, right origin 1#0). It applies.
        let doc = crate::document::new_doc_with_client_id(1);
        let body = doc.get_or_insert_text(BODY);
        body.insert(&mut doc.transact_mut(), 0, "ab");
        body.insert(&mut doc.transact_mut(), 0, "X");
        let update = decode_update(&insert_between(2, 0)).unwrap().unwrap();
        doc.transact_mut().apply_update(update).unwrap();
        assert_eq!(assert_state_round_trips(&doc), "X/ab");
    }

    #[test]
    fn real_messages_pass_the_count_check() {
        let doc = new_doc();
        let body = doc.get_or_insert_text(BODY);
        body.insert(&mut doc.transact_mut(), 0, "障害 😀");
        let txn = doc.transact();
        for message in [
            sync_step1(&txn),
            sync_step2(&txn, &StateVector::default()),
            update(txn.encode_state_as_update_v1(&StateVector::default())),
            Message::AwarenessQuery,
        ] {
            assert_eq!(decode_frame(&encode(&message)).unwrap().len(), 1);
        }
    }

    #[test]
    fn several_messages_in_one_frame_are_all_read() {
        let doc = new_doc();
        let body = doc.get_or_insert_text(BODY);
        body.insert(&mut doc.transact_mut(), 0, "ポストモーテム");
        let txn = doc.transact();
        let mut frame = encode(&sync_step1(&txn));
        frame.extend(encode(&sync_step2(&txn, &StateVector::default())));
        let messages = decode_frame(&frame).unwrap();
        assert_eq!(messages.len(), 2);
        assert!(matches!(
            messages[1],
            Message::Sync(SyncMessage::SyncStep2(_))
        ));
    }

    #[test]
    fn a_truncated_frame_is_refused_whole() {
        let doc = new_doc();
        let txn = doc.transact();
        let mut frame = encode(&sync_step1(&txn));
        let full = encode(&sync_step2(&txn, &StateVector::default()));
        frame.extend_from_slice(&full[..full.len() - 1]);
        assert!(decode_frame(&frame).is_err());
        assert!(decode_frame(&[]).is_err());
        assert!(decode_frame(&[0, 7]).is_err());
    }

    #[test]
    fn encoded_lengths_match_the_encoding() {
        let doc = new_doc();
        let body = doc.get_or_insert_text(BODY);
        // Payloads around the one- and two-byte length boundaries.
        for size in [0, 1, 100, 127, 128, 20_000] {
            body.insert(&mut doc.transact_mut(), 0, &"x".repeat(size));
            let txn = doc.transact();
            for message in [
                sync_step1(&txn),
                sync_step2(&txn, &StateVector::default()),
                update(vec![7; size]),
                Message::Custom(9, vec![1; size]),
            ] {
                assert_eq!(encoded_len(&message), message.encode_v1().len(), "{size}");
            }
        }
    }

    #[test]
    fn an_empty_update_is_recognised() {
        let doc = new_doc();
        let empty = doc
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        assert!(decode_update(&empty).unwrap().is_none());
        assert!(decode_update(&[0xff, 0xff, 0xff]).is_err());
    }
}
