//! Arbitrary bytes as a v1 update applied to a live document, as the server
//! does. If it applies, replaying the same bytes on another copy of the
//! document (what the server does when it reloads a room from its log)
//! gives the same text, and the document's whole state still encodes to an
//! update that decodes and rebuilds that text (also when the update refers
//! into the middle of a surrogate pair, which yrs splits into two U+FFFD as
//! Yjs does; `fuzz/regressions/update-origin-inside-surrogate-pair.bin`).
//! An update holding a subdocument is skipped: the server refuses it before
//! yrs sees it (`core::scope`; yrs leaks a document that took one in,
//! `fuzz/regressions/update-yrs-subdocument-leak.bin`).
#![no_main]

#[path = "common.rs"]
mod common;

use casebook_core::document::BODY;
use casebook_core::protocol;
use libfuzzer_sys::fuzz_target;
use yrs::{GetString, Transact};

fuzz_target!(|bytes: &[u8]| {
    common::init();
    let Ok(Some(update)) = protocol::decode_update(bytes) else {
        return;
    };
    let doc = common::live_doc();
    if common::holds_a_subdocument(&doc, bytes) {
        return;
    }
    if !matches!(common::apply(&doc, update), Some(Ok(()))) {
        return;
    }
    let again = common::live_doc();
    let Ok(Some(update)) = protocol::decode_update(bytes) else {
        panic!("the same bytes decoded once and not twice");
    };
    if !matches!(common::apply(&again, update), Some(Ok(()))) {
        panic!("the same update applied once and not on a copy");
    }
    let text = |d: &yrs::Doc| d.get_or_insert_text(BODY).get_string(&d.transact());
    assert_eq!(text(&doc), text(&again));
    common::assert_state_round_trips(&doc);
});
