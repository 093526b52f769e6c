//! Comment anchors: a range of one section's text that follows its words
//! through concurrent edits.
//!
//! An [`Anchor`] is a pair of encoded yrs `StickyIndex`es plus the text quoted
//! when the comment was made. The start sticks to the first anchored
//! character (`Assoc::After`) and the end to the last one (`Assoc::Before`),
//! so text typed right before or right after the range stays out of it, and
//! text typed inside it grows it. When the anchored words are deleted the
//! range collapses and the anchor is [`AnchorState::Detached`]: the comment
//! stays, shown with its quote. Offsets are UTF-16 code units, as every
//! replica's `Doc` is made by [`crate::document::new_doc`].

use serde::{Deserialize, Serialize};
use std::ops::Range;
use yrs::branch::{Branch, BranchPtr};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{Assoc, GetString, IndexedSequence, ReadTxn, StickyIndex, TextRef};

/// Largest encoded sticky index accepted from a client. Real ones are a few
/// bytes plus, at the very end of a text, the root type's name.
pub const MAX_INDEX_BYTES: usize = 1024;

/// Where a comment points: `start`/`end` are `StickyIndex::encode_v1` bytes
/// into the `Text` of `section` (a template section id, whose root `Text` is
/// [`crate::document::section_text_name`]`(section)`, or [`crate::document::BODY`]);
/// `quote` is the anchored text at creation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Anchor {
    pub section: String,
    pub start: Vec<u8>,
    pub end: Vec<u8>,
    pub quote: String,
}

/// Where an anchor points now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AnchorState {
    /// The anchored words are at `start..end` (UTF-16 offsets).
    Attached { start: u32, end: u32 },
    /// The anchored words were deleted (or the text is not in this document).
    Detached,
}

/// An anchor could not be made or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnchorError {
    #[error("the range {start}..{end} is empty or reversed")]
    EmptyRange { start: u32, end: u32 },
    #[error("the range ends at {end}, past the text's length {len}")]
    OutOfBounds { end: u32, len: u32 },
    #[error("the range splits a character (a UTF-16 surrogate pair)")]
    SplitsCharacter,
    #[error("an anchor index is not an encoded sticky index")]
    BadIndex,
}

impl Anchor {
    /// Anchors `range` (UTF-16 offsets) of `text`, the `Text` of `section`.
    pub fn new<T: ReadTxn>(
        txn: &T,
        text: &TextRef,
        section: &str,
        range: Range<u32>,
    ) -> Result<Anchor, AnchorError> {
        let (start, end) = (range.start, range.end);
        if start >= end {
            return Err(AnchorError::EmptyRange { start, end });
        }
        let units: Vec<u16> = text.get_string(txn).encode_utf16().collect();
        let len = u32::try_from(units.len()).unwrap_or(u32::MAX);
        if end > len {
            return Err(AnchorError::OutOfBounds { end, len });
        }
        let quote = String::from_utf16(&units[start as usize..end as usize])
            .map_err(|_| AnchorError::SplitsCharacter)?;
        let out_of_bounds = AnchorError::OutOfBounds { end, len };
        let start_index = text
            .sticky_index(txn, start, Assoc::After)
            .ok_or_else(|| out_of_bounds.clone())?;
        let end_index = text
            .sticky_index(txn, end, Assoc::Before)
            .ok_or(out_of_bounds)?;
        Ok(Anchor {
            section: section.to_owned(),
            start: start_index.encode_v1(),
            end: end_index.encode_v1(),
            quote,
        })
    }

    /// Anchors the gap at `at` (a UTF-16 offset of `text`) between two
    /// characters: where words were deleted. Its quote is empty; its start
    /// sticks to the character after the gap and its end to the one before,
    /// so text typed into the gap later pulls them apart
    /// ([`Anchor::resolve_gap`]). At the end of the text there is no
    /// character after: both ends stick to the one before (text typed there
    /// later then goes after the gap, and is not noticed).
    pub fn gap<T: ReadTxn>(
        txn: &T,
        text: &TextRef,
        section: &str,
        at: u32,
    ) -> Result<Anchor, AnchorError> {
        let len = u32::try_from(text.get_string(txn).encode_utf16().count()).unwrap_or(u32::MAX);
        let out_of_bounds = AnchorError::OutOfBounds { end: at, len };
        if at > len {
            return Err(out_of_bounds);
        }
        let end = text
            .sticky_index(txn, at, Assoc::Before)
            .ok_or(out_of_bounds)?;
        let start = text
            .sticky_index(txn, at, Assoc::After)
            .unwrap_or_else(|| end.clone());
        Ok(Anchor {
            section: section.to_owned(),
            start: start.encode_v1(),
            end: end.encode_v1(),
            quote: String::new(),
        })
    }

    /// Where a [`Anchor::gap`] is now in `text`: its offset while nothing
    /// was typed into it (both ends still meet), else `None`.
    pub fn resolve_gap<T: ReadTxn>(&self, txn: &T, text: &TextRef) -> Option<u32> {
        let offset = |bytes: &[u8]| {
            let index = StickyIndex::decode_v1(bytes).ok()?;
            let offset = index.get_offset(txn)?;
            let branch: &Branch = text.as_ref();
            (offset.branch == BranchPtr::from(branch)).then_some(offset.index)
        };
        match (offset(&self.start), offset(&self.end)) {
            (Some(start), Some(end)) if start == end => Some(start),
            _ => None,
        }
    }

    /// Checks that both indexes decode, without a document (for validating
    /// client input).
    pub fn check_indexes(&self) -> Result<(), AnchorError> {
        for bytes in [&self.start, &self.end] {
            if bytes.len() > MAX_INDEX_BYTES {
                return Err(AnchorError::BadIndex);
            }
            StickyIndex::decode_v1(bytes).map_err(|_| AnchorError::BadIndex)?;
        }
        Ok(())
    }

    /// Where the anchored words are now in `text` (the `Text` of
    /// `self.section`).
    pub fn resolve<T: ReadTxn>(&self, txn: &T, text: &TextRef) -> AnchorState {
        let offset = |bytes: &[u8]| {
            let index = StickyIndex::decode_v1(bytes).ok()?;
            let offset = index.get_offset(txn)?;
            // The index must point into this very text.
            let branch: &Branch = text.as_ref();
            (offset.branch == BranchPtr::from(branch)).then_some(offset.index)
        };
        match (offset(&self.start), offset(&self.end)) {
            (Some(start), Some(end)) if start < end => AnchorState::Attached { start, end },
            _ => AnchorState::Detached,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{new_doc_with_client_id, BODY};
    use yrs::updates::decoder::Decode;
    use yrs::{Doc, Text, Transact, Update};

    const DRAFT: &str = "We run MySQL on EC2. 障害😀 lasted an hour.";

    /// Sends everything `from` has that `to` lacks.
    fn sync(from: &Doc, to: &Doc) {
        let sv = to.transact().state_vector();
        let update = from.transact().encode_state_as_update_v1(&sv);
        let update = Update::decode_v1(&update).expect("valid update");
        to.transact_mut().apply_update(update).expect("applies");
    }

    /// Two replicas of a document holding the draft.
    fn two_replicas() -> (Doc, Doc) {
        let alice = new_doc_with_client_id(1);
        let bob = new_doc_with_client_id(2);
        alice
            .get_or_insert_text(BODY)
            .insert(&mut alice.transact_mut(), 0, DRAFT);
        sync(&alice, &bob);
        (alice, bob)
    }

    fn utf16_range(haystack: &str, needle: &str) -> Range<u32> {
        let byte = haystack.find(needle).expect("needle in haystack");
        let start = haystack[..byte].encode_utf16().count() as u32;
        start..start + needle.encode_utf16().count() as u32
    }

    /// The text an anchor points at now, or `None` when detached.
    fn anchored_text(doc: &Doc, anchor: &Anchor) -> Option<String> {
        let text = doc.get_or_insert_text(BODY);
        let txn = doc.transact();
        match anchor.resolve(&txn, &text) {
            AnchorState::Attached { start, end } => {
                let units: Vec<u16> = text.get_string(&txn).encode_utf16().collect();
                String::from_utf16(&units[start as usize..end as usize]).ok()
            }
            AnchorState::Detached => None,
        }
    }

    fn anchor(doc: &Doc, words: &str) -> Anchor {
        let text = doc.get_or_insert_text(BODY);
        let txn = doc.transact();
        let range = utf16_range(&text.get_string(&txn), words);
        Anchor::new(&txn, &text, BODY, range).expect("anchors")
    }

    #[test]
    fn an_anchor_quotes_its_words_in_utf16() {
        let (alice, _) = two_replicas();
        let a = anchor(&alice, "障害😀");
        assert_eq!(a.quote, "障害😀");
        assert_eq!(a.section, BODY);
        assert!(a.check_indexes().is_ok());
        assert_eq!(anchored_text(&alice, &a).as_deref(), Some("障害😀"));
    }

    #[test]
    fn an_anchor_follows_its_words_through_concurrent_inserts() {
        let (alice, bob) = two_replicas();
        let a = anchor(&alice, "MySQL on EC2");
        let bob_body = bob.get_or_insert_text(BODY);
        let alice_body = alice.get_or_insert_text(BODY);
        // Bob types before the range, right at its start, right at its end
        // and after it, while Alice types inside it; then they sync.
        {
            let mut txn = bob.transact_mut();
            bob_body.insert(&mut txn, 0, "Today ");
            let s = "Today We run ".encode_utf16().count() as u32;
            bob_body.insert(&mut txn, s, "self-hosted ");
            let e = "Today We run self-hosted MySQL on EC2"
                .encode_utf16()
                .count() as u32;
            bob_body.insert(&mut txn, e, " instances");
            bob_body.push(&mut txn, " 😀 Fixed.");
        }
        {
            let mut txn = alice.transact_mut();
            let inside = "We run MySQL".encode_utf16().count() as u32;
            alice_body.insert(&mut txn, inside, " 8.0");
        }
        sync(&bob, &alice);
        sync(&alice, &bob);
        let expected = Some("MySQL 8.0 on EC2".to_owned());
        assert_eq!(anchored_text(&alice, &a), expected);
        assert_eq!(anchored_text(&bob, &a), expected);
        assert_eq!(
            alice_body.get_string(&alice.transact()),
            "Today We run self-hosted MySQL 8.0 on EC2 instances. 障害😀 lasted an hour. 😀 Fixed."
        );
    }

    #[test]
    fn deleting_the_words_detaches_the_anchor_but_a_partial_delete_does_not() {
        let (alice, bob) = two_replicas();
        let whole = anchor(&alice, "MySQL on EC2");
        let part = anchor(&alice, "lasted an hour");
        let bob_body = bob.get_or_insert_text(BODY);
        {
            let mut txn = bob.transact_mut();
            let r = utf16_range(DRAFT, "lasted an ");
            bob_body.remove_range(&mut txn, r.start, r.end - r.start);
            let r = utf16_range(DRAFT, "MySQL on EC2");
            bob_body.remove_range(&mut txn, r.start, r.end - r.start);
            bob_body.insert(&mut txn, r.start, "Postgres");
        }
        sync(&bob, &alice);
        assert_eq!(anchored_text(&alice, &whole), None);
        assert_eq!(anchored_text(&alice, &part).as_deref(), Some("hour"));
        // The quote keeps what the comment was about.
        assert_eq!(whole.quote, "MySQL on EC2");
    }

    #[test]
    fn bad_ranges_and_bad_bytes_are_refused() {
        let (alice, _) = two_replicas();
        let mut bad = anchor(&alice, "EC2");
        let text = alice.get_or_insert_text(BODY);
        let txn = alice.transact();
        let len = DRAFT.encode_utf16().count() as u32;
        assert!(Anchor::new(&txn, &text, BODY, 3..3).is_err());
        assert!(Anchor::new(&txn, &text, BODY, 0..len + 1).is_err());
        let emoji = utf16_range(DRAFT, "😀");
        let half = emoji.start..emoji.start + 1;
        assert_eq!(
            Anchor::new(&txn, &text, BODY, half),
            Err(AnchorError::SplitsCharacter)
        );
        bad.start = vec![0xff, 0xff, 0xff];
        assert_eq!(bad.check_indexes(), Err(AnchorError::BadIndex));
        assert_eq!(bad.resolve(&txn, &text), AnchorState::Detached);
    }

    #[test]
    fn an_anchor_into_another_text_is_detached() {
        let (alice, _) = two_replicas();
        let a = anchor(&alice, "EC2");
        let other = alice.get_or_insert_text("other");
        other.insert(&mut alice.transact_mut(), 0, DRAFT);
        assert_eq!(a.resolve(&alice.transact(), &other), AnchorState::Detached);
    }

    /// A deleted line, with or without its newline, at the start, middle or
    /// end of the text, detaches the anchor on it, also in a replica loaded
    /// from the encoded state (where the deleted characters are tombstones).
    #[test]
    fn a_deleted_line_detaches_its_anchor_wherever_it_was() {
        let cases = [
            ("one\ntwo words\nthree\n", "two words\n"),
            ("one\ntwo words\nthree\n", "\ntwo words"),
            ("one\ntwo words", "\ntwo words"),
            ("two words\nthree", "two words\n"),
            ("two words", "two words"),
            ("- two words\n- two more\n", "- two words\n"),
        ];
        for (draft, deleted) in cases {
            let doc = new_doc_with_client_id(1);
            let body = doc.get_or_insert_text(BODY);
            body.insert(&mut doc.transact_mut(), 0, draft);
            let a = anchor(&doc, "two words");
            let r = utf16_range(draft, deleted);
            body.remove_range(&mut doc.transact_mut(), r.start, r.end - r.start);
            assert_eq!(
                anchored_text(&doc, &a),
                None,
                "{draft:?} without {deleted:?}"
            );
            let reloaded = new_doc_with_client_id(2);
            sync(&doc, &reloaded);
            assert_eq!(anchored_text(&reloaded, &a), None, "reloaded {draft:?}");
        }
    }
}
