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

/// A frame could not be read as y-sync messages.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("malformed y-sync message: {0}")]
    Malformed(#[from] yrs::encoding::read::Error),
    #[error("empty frame")]
    Empty,
    #[error("frame ends inside a y-sync message")]
    Truncated,
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
    let mut decoder = DecoderV1::new(Cursor::new(frame));
    let messages = MessageReader::new(&mut decoder).collect::<Result<Vec<_>, _>>()?;
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
pub fn decode_update(update_v1: &[u8]) -> Result<Option<Update>, yrs::encoding::read::Error> {
    let update = Update::decode_v1(update_v1)?;
    Ok((!update.is_empty()).then_some(update))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{new_doc, BODY};
    use yrs::{Text, Transact};

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
