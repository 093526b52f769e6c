//! Shared by the targets: a live document like a room's, and yrs panics
//! treated as the server treats them.

use casebook_core::document::BODY;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;
use yrs::updates::decoder::Decode;
use yrs::{Doc, GetString, ReadTxn, StateVector, Text, Transact, Update};

/// A document with some history, as a room holds it (the same client id
/// every time, so the same update lands the same way on two copies).
pub fn live_doc() -> Doc {
    let doc = casebook_core::document::new_doc_with_client_id(7);
    let body = doc.get_or_insert_text(BODY);
    body.insert(&mut doc.transact_mut(), 0, "障害の概要 summary 😀");
    body.remove_range(&mut doc.transact_mut(), 2, 3);
    body.insert(&mut doc.transact_mut(), 5, "checkout");
    doc
}

/// Lets `catch_unwind` see panics inside yrs, as the server's does (it
/// catches them around yrs calls); any other panic still aborts, as
/// libFuzzer's hook does. Call first in every target.
pub fn init() {
    static QUIET: Once = Once::new();
    QUIET.call_once(|| {
        let abort = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // yrs from crates.io, or the patched copy in vendor/yrs.
            let inside_yrs = info.location().is_some_and(|l| {
                l.file().contains("/yrs-") || l.file().contains("vendor/yrs/")
            });
            if !inside_yrs {
                abort(info);
            }
        }));
    });
}

/// The document's whole state encodes to an update that decodes again and
/// rebuilds the same text on a fresh replica: what every joiner's sync step 2
/// and every snapshot rely on. A split surrogate pair that left invalid
/// UTF-8 behind, or blocks that do not encode back, fail here.
pub fn assert_state_round_trips(doc: &Doc) {
    let text = |d: &Doc| d.get_or_insert_text(BODY).get_string(&d.transact());
    let state = doc.transact().encode_state_as_update_v1(&StateVector::default());
    let update = Update::decode_v1(&state).expect("the document's state decodes");
    let copy = casebook_core::document::new_doc_with_client_id(8);
    copy.transact_mut()
        .apply_update(update)
        .expect("the document's state applies to a fresh replica");
    assert_eq!(text(&copy), text(doc));
}

/// Whether the server refuses `update_v1` for holding a Yjs subdocument
/// before applying anything (`casebook_core::scope`): yrs never frees a
/// document that took one in, which the leak checker reports.
pub fn holds_a_subdocument(doc: &Doc, update_v1: &[u8]) -> bool {
    matches!(
        casebook_core::scope::touched(&doc.transact(), &[update_v1]),
        Err(casebook_core::scope::Refusal::Subdocument)
    )
}

/// Applies an update the way the server does: a panic inside yrs is caught
/// (the server then reloads the room from disk) and reported as `None`, and
/// so is an update that leaves changes pending (the server refuses it and
/// reloads). A panic anywhere else is still a crash.
pub fn apply(doc: &Doc, update: Update) -> Option<Result<(), yrs::error::UpdateError>> {
    let applied = catch_unwind(AssertUnwindSafe(|| doc.transact_mut().apply_update(update))).ok()?;
    if doc.transact().has_missing_updates() {
        return None;
    }
    Some(applied)
}
