//! Suggesting mode: a suggestion's replacement words, written into the
//! document when it is accepted and taken back when the acceptance is undone.
//! An empty replacement suggests deleting the words: accepting it removes
//! them and records the gap they leave ([`Anchor::gap`]); undoing puts them
//! back there, unless somebody typed into the gap since.
//!
//! A suggestion with a replacement (`Comment::replacement`) points at words
//! of a section (its anchor) and says what they should become. Accepting it
//! replaces exactly those words, in one yrs transaction; undoing the
//! acceptance puts the old words back, in one transaction too. Both are
//! refused ([`StaleWords`]) when the words are no longer what the change
//! expects (somebody edited or deleted them since): nobody's later edit is
//! overwritten unseen, and the person deciding is told to edit by hand.
//!
//! Where the suggestion's words are after each step is kept in the document
//! itself, in the root map [`SUGGESTION_WORDS`] (comment id → [`Words`]),
//! written in the same transaction as the text: the new words' range after
//! an acceptance, the old words' range after an undo. So the text and the
//! record of where it came from are durable together, and a second
//! acceptance after an undo finds the restored words.
//!
//! This module changes a document given to it; it does no I/O and decides
//! nothing about who may accept (that is the permission table and
//! [`crate::meeting::Meeting::decide`]).

use crate::anchor::{Anchor, AnchorState};
use crate::comment::Comment;
use crate::document::{section_text_name, BODY};
use std::collections::HashMap;
use yrs::{Any, GetString, Map, Out, ReadTxn, Text, TextRef, TransactionMut, WriteTxn};

/// Root map of the document: comment id → where that suggestion's words are
/// after it was accepted or its acceptance undone.
pub const SUGGESTION_WORDS: &str = "suggestion_words";

/// Where a suggestion's words stand in the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Words {
    /// Accepted: the replacement is in the document at this range.
    Applied(Anchor),
    /// The acceptance was undone: the old words are back at this range.
    Restored(Anchor),
    /// Accepted, but the words had changed before they could be replaced;
    /// nothing was written (edit by hand).
    NotApplied,
}

/// The words a change expected are no longer there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StaleWords {
    #[error("the suggested words “{expected}” were deleted since the suggestion was made; decline it or edit the text by hand")]
    Deleted { expected: String },
    #[error("the suggested words were changed since the suggestion was made (“{expected}” is now “{now}”); decline it or edit the text by hand")]
    Changed { expected: String, now: String },
    #[error("this suggestion has no replacement text to apply")]
    NoReplacement,
    #[error("the accepted replacement was not written into the document, so there is nothing to take back")]
    NothingToUndo,
}

/// Why a comment cannot be re-anchored (see [`check_reanchor`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReanchorRefused {
    #[error("the words “{quote}” this comment is anchored to are still in the document")]
    StillThere { quote: String },
    #[error("the new anchor holds “{now}”, not this comment's words “{quote}”")]
    OtherWords { quote: String, now: String },
    #[error("the new anchor points at no words of the section")]
    Nowhere,
}

/// Whether a comment anchored to `old` may move to `new` (a
/// `CommentReanchored` change): its old words are gone from the document
/// ("text deleted") and `new` holds exactly its quote, now.
pub fn check_reanchor<T: ReadTxn>(
    txn: &T,
    old: &Anchor,
    new: &Anchor,
) -> Result<(), ReanchorRefused> {
    let still_there = section_text(txn, &old.section)
        .is_some_and(|text| matches!(old.resolve(txn, &text), AnchorState::Attached { .. }));
    if still_there {
        return Err(ReanchorRefused::StillThere {
            quote: old.quote.clone(),
        });
    }
    let text = section_text(txn, &new.section).ok_or(ReanchorRefused::Nowhere)?;
    match anchored(txn, &text, new) {
        None => Err(ReanchorRefused::Nowhere),
        Some((_, _, now)) if now != old.quote => Err(ReanchorRefused::OtherWords {
            quote: old.quote.clone(),
            now,
        }),
        Some(_) => Ok(()),
    }
}

/// The root `Text` an anchor's section lives in, if the document has it.
fn section_text<T: ReadTxn>(txn: &T, section: &str) -> Option<TextRef> {
    if section == BODY {
        txn.get_text(BODY)
    } else {
        txn.get_text(section_text_name(section).as_str())
    }
}

/// Where the words of `comment` are recorded to be, if it was ever accepted.
pub fn words<T: ReadTxn>(txn: &T, comment_id: &str) -> Option<Words> {
    let map = txn.get_map(SUGGESTION_WORDS)?;
    let Out::Any(Any::Map(entry)) = map.get(txn, comment_id)? else {
        return None;
    };
    let buffer = |key: &str| match entry.get(key) {
        Some(Any::Buffer(bytes)) => Some(bytes.to_vec()),
        _ => None,
    };
    let string = |key: &str| match entry.get(key) {
        Some(Any::String(s)) => Some(s.to_string()),
        _ => None,
    };
    let anchor = || {
        Some(Anchor {
            section: string("section")?,
            start: buffer("start")?,
            end: buffer("end")?,
            quote: string("quote")?,
        })
    };
    match string("state")?.as_str() {
        "applied" => Some(Words::Applied(anchor()?)),
        "restored" => Some(Words::Restored(anchor()?)),
        "not_applied" => Some(Words::NotApplied),
        _ => None,
    }
}

fn set_words(txn: &mut TransactionMut, comment: &Comment, words: &Words) {
    let map = txn.get_or_insert_map(SUGGESTION_WORDS);
    let mut entry: HashMap<String, Any> = HashMap::new();
    let (state, anchor) = match words {
        Words::Applied(a) => ("applied", Some(a)),
        Words::Restored(a) => ("restored", Some(a)),
        Words::NotApplied => ("not_applied", None),
    };
    entry.insert("state".into(), Any::from(state));
    // Who the words are from: the suggestion's author.
    entry.insert(
        "author".into(),
        Any::from(comment.author.display_name.as_str()),
    );
    if let Some(anchor) = anchor {
        entry.insert("section".into(), Any::from(anchor.section.as_str()));
        entry.insert("start".into(), Any::from(anchor.start.clone()));
        entry.insert("end".into(), Any::from(anchor.end.clone()));
        entry.insert("quote".into(), Any::from(anchor.quote.as_str()));
    }
    map.insert(txn, comment.id.as_str(), Any::from(entry));
}

/// The text at `anchor` now, if it is attached; for the gap a deletion left
/// (an empty quote), its offset while nothing was typed into it.
fn anchored<T: ReadTxn>(txn: &T, text: &TextRef, anchor: &Anchor) -> Option<(u32, u32, String)> {
    if anchor.quote.is_empty() {
        let at = anchor.resolve_gap(txn, text)?;
        return Some((at, at, String::new()));
    }
    let AnchorState::Attached { start, end } = anchor.resolve(txn, text) else {
        return None;
    };
    let units: Vec<u16> = text.get_string(txn).encode_utf16().collect();
    let words = String::from_utf16(units.get(start as usize..end as usize)?).ok()?;
    Some((start, end, words))
}

/// The range a change expects to find `expected` at: where the words are
/// now, in UTF-16 offsets of the section's text.
fn expect_words<T: ReadTxn>(
    txn: &T,
    anchor: &Anchor,
    expected: &str,
) -> Result<(TextRef, u32, u32), StaleWords> {
    let deleted = || StaleWords::Deleted {
        expected: expected.to_owned(),
    };
    let text = section_text(txn, &anchor.section).ok_or_else(deleted)?;
    match anchored(txn, &text, anchor) {
        None => Err(StaleWords::Deleted {
            expected: expected.to_owned(),
        }),
        Some((_, _, now)) if now != expected => Err(StaleWords::Changed {
            expected: expected.to_owned(),
            now,
        }),
        Some((start, end, _)) => Ok((text, start, end)),
    }
}

/// Replaces `start..end` of `text` with `words` and anchors the new words
/// (or, when `words` is empty, the gap they leave).
fn replace(
    txn: &mut TransactionMut,
    text: &TextRef,
    section: &str,
    (start, end): (u32, u32),
    words: &str,
) -> Option<Anchor> {
    text.remove_range(txn, start, end - start);
    if words.is_empty() {
        return Anchor::gap(txn, text, section, start).ok();
    }
    text.insert(txn, start, words);
    let len = words.encode_utf16().count() as u32;
    Anchor::new(txn, text, section, start..start + len).ok()
}

/// The words an acceptance of `comment` would replace, where they are now:
/// the restored old words after an undo, else the suggestion's own anchor.
fn old_words_anchor<T: ReadTxn>(txn: &T, comment: &Comment) -> Anchor {
    match words(txn, &comment.id) {
        Some(Words::Restored(anchor)) => anchor,
        _ => comment.anchor.clone(),
    }
}

/// Where a comment's words are in the document now: for a suggestion, the
/// new words after its acceptance and the restored old words after an
/// undo; else (and for every other comment) its own anchor. What a
/// highlight is drawn on.
pub fn words_anchor<T: ReadTxn>(txn: &T, comment: &Comment) -> Anchor {
    match words(txn, &comment.id) {
        Some(Words::Applied(anchor) | Words::Restored(anchor)) => anchor,
        _ => comment.anchor.clone(),
    }
}

/// Whether accepting `comment` can replace its words now (they are still
/// exactly the quoted words).
pub fn check_accept<T: ReadTxn>(txn: &T, comment: &Comment) -> Result<(), StaleWords> {
    if comment.replacement.is_none() {
        return Err(StaleWords::NoReplacement);
    }
    let anchor = old_words_anchor(txn, comment);
    expect_words(txn, &anchor, &comment.anchor.quote).map(|_| ())
}

/// Applies the accepted suggestion `comment`: its anchored words become its
/// replacement, and [`SUGGESTION_WORDS`] records the new words' range. When
/// the words changed meanwhile nothing is replaced, the record says
/// [`Words::NotApplied`], and the error says why.
pub fn accept(txn: &mut TransactionMut, comment: &Comment) -> Result<(), StaleWords> {
    let Some(replacement) = comment.replacement.as_deref() else {
        return Err(StaleWords::NoReplacement);
    };
    let anchor = old_words_anchor(txn, comment);
    match expect_words(txn, &anchor, &comment.anchor.quote) {
        Ok((text, start, end)) => {
            let words = match replace(txn, &text, &anchor.section, (start, end), replacement) {
                Some(new) => Words::Applied(new),
                None => Words::NotApplied,
            };
            set_words(txn, comment, &words);
            Ok(())
        }
        Err(stale) => {
            set_words(txn, comment, &Words::NotApplied);
            Err(stale)
        }
    }
}

/// Whether undoing the acceptance of `comment` can put its old words back
/// now (the replacement is still there, untouched). An acceptance that
/// wrote nothing has nothing to check.
pub fn check_undo<T: ReadTxn>(txn: &T, comment: &Comment) -> Result<(), StaleWords> {
    match words(txn, &comment.id) {
        Some(Words::Applied(anchor)) => {
            let expected = anchor.quote.clone();
            expect_words(txn, &anchor, &expected).map(|_| ())
        }
        _ => Ok(()),
    }
}

/// Undoes the acceptance of `comment`: the replacement goes, the old words
/// come back, and [`SUGGESTION_WORDS`] records their range. An acceptance
/// that wrote nothing is left alone.
pub fn undo(txn: &mut TransactionMut, comment: &Comment) -> Result<(), StaleWords> {
    let Some(Words::Applied(anchor)) = words(txn, &comment.id) else {
        return Ok(());
    };
    let expected = anchor.quote.clone();
    let (text, start, end) = expect_words(txn, &anchor, &expected)?;
    if let Some(old) = replace(
        txn,
        &text,
        &anchor.section,
        (start, end),
        &comment.anchor.quote,
    ) {
        set_words(txn, comment, &Words::Restored(old));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comment::{CommentKind, Person};
    use crate::document::new_doc_with_client_id;
    use yrs::{Doc, Transact};

    const DRAFT: &str = "We run MySQL on EC2. 障害😀は一時間続いた。";

    fn doc() -> Doc {
        let doc = new_doc_with_client_id(1);
        let body = doc.get_or_insert_text(BODY);
        body.insert(&mut doc.transact_mut(), 0, DRAFT);
        doc
    }

    fn body(doc: &Doc) -> String {
        doc.get_or_insert_text(BODY).get_string(&doc.transact())
    }

    fn suggestion(doc: &Doc, words: &str, replacement: Option<&str>) -> Comment {
        let text = doc.get_or_insert_text(BODY);
        let txn = doc.transact();
        let all = text.get_string(&txn);
        let byte = all.find(words).expect("words in the draft");
        let start = all[..byte].encode_utf16().count() as u32;
        let end = start + words.encode_utf16().count() as u32;
        Comment {
            id: "c1".into(),
            kind: CommentKind::Suggestion,
            anchor: Anchor::new(&txn, &text, BODY, start..end).expect("anchors"),
            text: "say what it is".into(),
            replacement: replacement.map(str::to_owned),
            author: Person {
                participant_id: "pat".into(),
                display_name: "Pat".into(),
            },
            at_ms: 0,
            replies: Vec::new(),
            answer: None,
            decision: None,
            resolution: None,
            edited_at_ms: None,
            deleted_at_ms: None,
            votes: Default::default(),
        }
    }

    #[test]
    fn accepting_replaces_exactly_the_anchored_words_and_undo_restores_them() {
        let doc = doc();
        let c = suggestion(&doc, "障害😀", Some("DB障害🔥"));
        check_accept(&doc.transact(), &c).expect("words are there");
        assert_eq!(words_anchor(&doc.transact(), &c), c.anchor);
        accept(&mut doc.transact_mut(), &c).expect("applies");
        assert_eq!(body(&doc), "We run MySQL on EC2. DB障害🔥は一時間続いた。");
        assert!(
            matches!(words(&doc.transact(), "c1"), Some(Words::Applied(a)) if a.quote == "DB障害🔥")
        );
        // The highlight follows the new words.
        let now = words_anchor(&doc.transact(), &c);
        let text = doc.get_or_insert_text(BODY);
        let at = "We run MySQL on EC2. ".encode_utf16().count() as u32;
        assert_eq!(
            now.resolve(&doc.transact(), &text),
            AnchorState::Attached {
                start: at,
                end: at + "DB障害🔥".encode_utf16().count() as u32
            }
        );
        check_undo(&doc.transact(), &c).expect("replacement untouched");
        undo(&mut doc.transact_mut(), &c).expect("undoes");
        assert_eq!(body(&doc), DRAFT);
        // Accepting again after the undo finds the restored words.
        accept(&mut doc.transact_mut(), &c).expect("applies again");
        assert_eq!(body(&doc), "We run MySQL on EC2. DB障害🔥は一時間続いた。");
    }

    #[test]
    fn changed_or_deleted_words_are_not_overwritten() {
        let doc = doc();
        let c = suggestion(&doc, "MySQL on EC2", Some("Aurora"));
        let text = doc.get_or_insert_text(BODY);
        text.insert(&mut doc.transact_mut(), 9, "X");
        let err = check_accept(&doc.transact(), &c).expect_err("changed");
        assert!(matches!(err, StaleWords::Changed { ref now, .. } if now == "MyXSQL on EC2"));
        assert!(err.to_string().contains("edit the text by hand"));
        text.remove_range(&mut doc.transact_mut(), 7, 13);
        assert!(matches!(
            check_accept(&doc.transact(), &c),
            Err(StaleWords::Deleted { .. })
        ));
        let before = body(&doc);
        assert!(accept(&mut doc.transact_mut(), &c).is_err());
        assert_eq!(body(&doc), before, "nothing written");
        assert_eq!(words(&doc.transact(), "c1"), Some(Words::NotApplied));
        // Nothing was written, so undoing has nothing to restore.
        undo(&mut doc.transact_mut(), &c).expect("no-op");
        assert_eq!(body(&doc), before);
    }

    #[test]
    fn an_edited_replacement_is_not_undone() {
        let doc = doc();
        let c = suggestion(&doc, "EC2", Some("ECS"));
        accept(&mut doc.transact_mut(), &c).expect("applies");
        let text = doc.get_or_insert_text(BODY);
        let at = "We run MySQL on EC".encode_utf16().count() as u32;
        text.insert(&mut doc.transact_mut(), at, " Fargate on ");
        assert!(check_undo(&doc.transact(), &c).is_err());
        let before = body(&doc);
        assert!(undo(&mut doc.transact_mut(), &c).is_err());
        assert_eq!(body(&doc), before);
    }

    /// An empty replacement deletes the words; undo puts them back in the
    /// gap, exactly, and the acceptance survives a round trip through
    /// another replica.
    #[test]
    fn a_deletion_removes_the_words_and_undo_puts_them_back() {
        let doc = doc();
        let c = suggestion(&doc, "障害😀は", Some(""));
        accept(&mut doc.transact_mut(), &c).expect("applies");
        assert_eq!(body(&doc), "We run MySQL on EC2. 一時間続いた。");
        let Some(Words::Applied(gap)) = words(&doc.transact(), "c1") else {
            panic!("recorded as applied");
        };
        assert_eq!(gap.quote, "");
        // Typing elsewhere does not disturb the gap.
        let text = doc.get_or_insert_text(BODY);
        text.insert(&mut doc.transact_mut(), 0, "Today ");
        check_undo(&doc.transact(), &c).expect("the gap is intact");
        undo(&mut doc.transact_mut(), &c).expect("undoes");
        assert_eq!(body(&doc), format!("Today {DRAFT}"));
        assert!(matches!(
            words(&doc.transact(), "c1"),
            Some(Words::Restored(_))
        ));
        // A second acceptance finds the restored words and deletes them again.
        accept(&mut doc.transact_mut(), &c).expect("applies again");
        assert_eq!(body(&doc), "Today We run MySQL on EC2. 一時間続いた。");
    }

    /// Deleting the last words leaves a gap at the end of the text.
    #[test]
    fn a_deletion_at_the_end_is_undone_too() {
        let doc = doc();
        let c = suggestion(&doc, " 障害😀は一時間続いた。", Some(""));
        accept(&mut doc.transact_mut(), &c).expect("applies");
        assert_eq!(body(&doc), "We run MySQL on EC2.");
        check_undo(&doc.transact(), &c).expect("the gap is intact");
        undo(&mut doc.transact_mut(), &c).expect("undoes");
        assert_eq!(body(&doc), DRAFT);
    }

    /// Words typed into the gap since the deletion are somebody's: undo is
    /// refused and changes nothing.
    #[test]
    fn a_deletion_whose_gap_was_written_into_is_not_undone() {
        let doc = doc();
        let c = suggestion(&doc, " MySQL", Some(""));
        accept(&mut doc.transact_mut(), &c).expect("applies");
        assert_eq!(body(&doc), "We run on EC2. 障害😀は一時間続いた。");
        let text = doc.get_or_insert_text(BODY);
        let at = "We run".encode_utf16().count() as u32;
        text.insert(&mut doc.transact_mut(), at, " Postgres");
        assert!(check_undo(&doc.transact(), &c).is_err());
        let before = body(&doc);
        assert!(undo(&mut doc.transact_mut(), &c).is_err());
        assert_eq!(body(&doc), before);
    }

    #[test]
    fn a_plain_suggestion_has_nothing_to_apply() {
        let doc = doc();
        let c = suggestion(&doc, "EC2", None);
        assert_eq!(
            check_accept(&doc.transact(), &c),
            Err(StaleWords::NoReplacement)
        );
    }
}
