//! Arbitrary bytes as the server's update log (`casebook-wal`), as it reads
//! it when it opens: the decoder never panics, never reads past the input,
//! and what it accepts is exactly what the encoder writes — re-encoding the
//! records gives back the accepted bytes, which decode to the same records
//! again, so a torn tail is the only thing ever dropped; telling a torn
//! tail from damage (`tail_is_torn`) never panics either.
#![no_main]

// The record format on its own (it needs only std and crc32fast), rather
// than the whole server crate.
#[path = "../../crates/server/src/wal/record.rs"]
#[allow(dead_code)]
mod record;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let decoded = record::decode(bytes);
    assert!(decoded.valid_len <= bytes.len());
    let mut again = Vec::new();
    for r in &decoded.records {
        record::encode(&mut again, r.batch, r.doc_id, r.seq, r.update)
            .expect("a decoded record fits");
    }
    assert_eq!(again.as_slice(), &bytes[..decoded.valid_len]);
    let redecoded = record::decode(&again);
    assert_eq!(redecoded.records, decoded.records);
    assert_eq!(redecoded.valid_len, again.len());
    let _ = record::tail_is_torn(bytes, &decoded);
});
