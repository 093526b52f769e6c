//! The shape of a postmortem's shared yrs document.
//!
//! Every replica creates its `Doc` through [`new_doc`] so that text offsets are
//! UTF-16 code units everywhere, as in Yjs and in the browser's textarea.

use yrs::{Doc, OffsetKind, Options};

/// Name of the root `Text` that holds the postmortem body (Markdown).
pub const BODY: &str = "body";

/// A document with UTF-16 offsets and a fresh random client id.
pub fn new_doc() -> Doc {
    Doc::with_options(Options {
        offset_kind: OffsetKind::Utf16,
        ..Options::default()
    })
}

/// Same as [`new_doc`] with a chosen client id (tests use this for
/// reproducible runs).
pub fn new_doc_with_client_id(client_id: u64) -> Doc {
    Doc::with_options(Options {
        offset_kind: OffsetKind::Utf16,
        client_id: yrs::block::ClientID::new(client_id),
        ..Options::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use yrs::{GetString, Text, Transact};

    #[test]
    fn offsets_count_utf16_code_units() {
        let doc = new_doc();
        let body = doc.get_or_insert_text(BODY);
        let mut txn = doc.transact_mut();
        body.insert(&mut txn, 0, "障害😀");
        // "障" and "害" are one unit each, the emoji two: insert after it at 4.
        body.insert(&mut txn, 4, "!");
        assert_eq!(body.get_string(&txn), "障害😀!");
    }
}
