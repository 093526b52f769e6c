//! Keeps each postmortem's local replica in this browser, so that edits made
//! while offline survive a reload and are merged (sync step 2) once the
//! socket is back.
//!
//! The replica is the document's full state as a v1 update, base64 in
//! localStorage under `casebook.doc.{id}`. It is a cache: a missing or
//! unreadable entry just means the page starts from what the server sends.

use crate::storage;

fn key(pm_id: &str) -> String {
    format!("casebook.doc.{pm_id}")
}

/// The replica kept for `pm_id`, if any.
pub fn load(pm_id: &str) -> Option<Vec<u8>> {
    decode(&storage::load(&key(pm_id))?)
}

/// Keeps `state` for `pm_id` (silently nothing without storage or room).
pub fn save(pm_id: &str, state: &[u8]) {
    if !storage::try_save(&key(pm_id), &encode(state)) {
        web_sys::console::warn_1(&"casebook: could not keep the document in this browser".into());
    }
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The bytes of standard base64 text, or `None` if it is not base64.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_length_and_byte() {
        let bytes: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
        for len in 0..40 {
            assert_eq!(
                decode(&encode(&bytes[..len])).as_deref(),
                Some(&bytes[..len])
            );
        }
        assert_eq!(decode(&encode(&bytes)).as_deref(), Some(&bytes[..]));
    }

    #[test]
    fn matches_the_standard_alphabet() {
        assert_eq!(encode(b""), "");
        assert_eq!(encode(b"f"), "Zg==");
        assert_eq!(encode(b"fo"), "Zm8=");
        assert_eq!(encode(b"foo"), "Zm9v");
        assert_eq!(encode("障害".as_bytes()), "6Zqc5a6z");
        assert_eq!(decode("6Zqc5a6z").as_deref(), Some("障害".as_bytes()));
    }

    #[test]
    fn refuses_what_is_not_base64() {
        assert_eq!(decode("ab$d"), None);
        assert_eq!(decode("日本"), None);
    }
}
