//! An accepted suggestion whose words were not replaced: someone changed
//! them in the instant between the server's check and its write, so the
//! document records the acceptance as not applied
//! (`casebook_core::suggestion::Words::NotApplied`) and left the text as it
//! was. The card says so, and what can be done: apply the replacement by
//! hand, or undo the acceptance (the card's *Undo accept*, for those who
//! decide suggestions).
//!
//! Read from this browser's replica of the document, where the server
//! wrote the record in the same transaction as it would have written the
//! words; this module decides nothing.

use super::Session;
use crate::i18n::Key;
use casebook_core::comment::Comment;
use casebook_core::suggestion::{self, Words};
use leptos::prelude::*;
use yrs::{ReadTxn, Transact};

/// Whether `comment` is accepted and its acceptance was recorded as not
/// applied in `txn`'s document.
pub fn not_applied(txn: &impl ReadTxn, comment: &Comment) -> bool {
    comment.is_accepted()
        && comment.replacement.is_some()
        && suggestion::words(txn, &comment.id) == Some(Words::NotApplied)
}

/// The card's notice for an acceptance that was not applied; nothing
/// otherwise.
#[component]
pub fn NotAppliedNotice(session: Session, comment: Comment) -> impl IntoView {
    let version = session.client().version();
    let shown = move || {
        version.track();
        not_applied(&session.client().doc().transact(), &comment)
    };
    view! {
        <Show when=shown>
            <div class="not-applied" role="status">
                <p class="not-applied-what">{move || session.t(Key::AcceptedNotApplied)}</p>
                <p class="muted">{move || session.t(Key::AcceptedNotAppliedWhat)}</p>
            </div>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use casebook_core::anchor::Anchor;
    use casebook_core::document::{new_doc, section_text_name};
    use yrs::Text;

    /// A suggestion to replace "MySQL" in the system section, decided as
    /// `decision` (JSON), as the meeting room carries it.
    fn suggestion_on(doc: &yrs::Doc, decision: &str) -> Comment {
        let text = doc.get_or_insert_text(section_text_name("system").as_str());
        text.insert(&mut doc.transact_mut(), 0, "We run MySQL on EC2.");
        let anchor = Anchor::new(&doc.transact(), &text, "system", 7..12).expect("anchored");
        let json = serde_json::json!({
            "id": "s1", "kind": "suggestion", "anchor": anchor, "text": "Aurora?",
            "replacement": "Aurora", "author": {"participant_id": "kim", "display_name": "Kim"},
            "at_ms": 1, "replies": [], "answer": null, "resolution": null,
            "decision": serde_json::from_str::<serde_json::Value>(decision).expect("json"),
        });
        serde_json::from_value(json).expect("a comment")
    }

    const ACCEPTED: &str = r#"{"outcome":{"outcome":"accepted"},"by":{"participant_id":"aki","display_name":"Aki"},"at_ms":2}"#;

    #[test]
    fn an_acceptance_whose_words_changed_first_shows_as_not_applied() {
        let doc = new_doc();
        let comment = suggestion_on(&doc, ACCEPTED);
        // The words change before the acceptance is written.
        let text = doc.get_or_insert_text(section_text_name("system").as_str());
        text.insert(&mut doc.transact_mut(), 9, "X");
        assert!(suggestion::accept(&mut doc.transact_mut(), &comment).is_err());
        assert!(not_applied(&doc.transact(), &comment));
    }

    #[test]
    fn an_applied_or_undecided_suggestion_is_not_flagged() {
        let doc = new_doc();
        let comment = suggestion_on(&doc, ACCEPTED);
        suggestion::accept(&mut doc.transact_mut(), &comment).expect("applied");
        assert!(!not_applied(&doc.transact(), &comment));
        let doc = new_doc();
        let undecided = suggestion_on(&doc, "null");
        assert!(!not_applied(&doc.transact(), &undecided));
    }
}
