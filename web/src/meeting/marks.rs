//! Comment highlights in the section editors: every comment's anchor is
//! resolved against the live document whenever the document or the comments
//! change, and drawn as a `Mark` in the colour of its kind (the spotlighted
//! or focused one stands out). Anchors that no longer resolve are
//! *detached*: their cards keep the quote. A suggestion whose replacement
//! was accepted is drawn on its new words (and on the old words again after
//! the acceptance is undone), as the document records them.

use super::Session;
use crate::backdrop::Mark;
use casebook_core::anchor::{Anchor, AnchorState};
use casebook_core::comment::{Comment, CommentKind};
use casebook_core::document::section_text_name;
use casebook_core::suggestion;
use leptos::prelude::*;
use std::collections::BTreeMap;
use yrs::{ReadTxn, Transact};

/// Where `anchor`'s words are in `txn`'s document.
pub fn resolve(txn: &impl ReadTxn, anchor: &Anchor) -> AnchorState {
    match txn.get_text(section_text_name(&anchor.section).as_str()) {
        Some(text) => anchor.resolve(txn, &text),
        None => AnchorState::Detached,
    }
}

fn class(comment: &Comment, highlighted: bool) -> &'static str {
    if highlighted {
        "mark-spotlight"
    } else if comment.resolution.is_some() || comment.is_declined() {
        "mark-resolved"
    } else {
        match comment.kind {
            CommentKind::Question => "mark-question",
            CommentKind::Suggestion => "mark-suggestion",
        }
    }
}

/// Keeps `session.anchors` and the editors' marks up to date.
pub fn track(session: Session) {
    let client = session.client();
    let version = client.version();
    Effect::new(move |_| {
        version.track();
        let highlighted = session
            .room
            .with(|r| r.spotlight.clone())
            .or_else(|| session.focus.get());
        let doc = session.client().doc();
        let txn = doc.transact();
        let mut anchors = BTreeMap::new();
        let mut marks = Vec::new();
        session.room.with(|room| {
            for comment in &room.comments {
                // An accepted replacement is highlighted on its new words.
                let state = resolve(&txn, &suggestion::words_anchor(&txn, comment));
                if let AnchorState::Attached { start, end } = state {
                    let lit = highlighted.as_deref() == Some(comment.id.as_str());
                    marks.push(Mark {
                        section: comment.anchor.section.clone(),
                        start,
                        end,
                        class: class(comment, lit),
                        comment_id: comment.id.clone(),
                    });
                }
                anchors.insert(comment.id.clone(), state);
            }
        });
        session.draft.with(|draft| {
            if let Some(draft) = draft {
                if let AnchorState::Attached { start, end } = resolve(&txn, &draft.anchor) {
                    marks.push(Mark {
                        section: draft.anchor.section.clone(),
                        start,
                        end,
                        class: "mark-draft",
                        comment_id: "draft".to_owned(),
                    });
                }
            }
        });
        drop(txn);
        session.anchors.set(anchors);
        session.client().set_marks(marks);
    });
}
