//! Re-anchoring (issue 18): a comment whose words were deleted ("text
//! deleted") offers its author, once the same words are in its section
//! again, to anchor it there (`reanchor_comment`; the server checks the
//! document: the old words are gone and the new anchor holds the quote).

use super::Session;
use crate::i18n::Key;
use casebook_core::anchor::Anchor;
use casebook_core::comment::Comment;
use casebook_core::document::section_text_name;
use casebook_core::permission::Action;
use leptos::prelude::*;
use yrs::{GetString, ReadTxn, Transact};

/// The first place `quote` is written in `section` now, anchored.
fn anchor_again(session: Session, section: &str, quote: &str) -> Option<Anchor> {
    let doc = session.client().doc();
    let txn = doc.transact();
    let text = txn.get_text(section_text_name(section).as_str())?;
    let all = text.get_string(&txn);
    let byte = all.find(quote)?;
    let units = |s: &str| u32::try_from(s.encode_utf16().count()).ok();
    let start = units(&all[..byte])?;
    let end = start.checked_add(units(quote)?)?;
    Anchor::new(&txn, &text, section, start..end).ok()
}

/// The "Anchor here again" button of a card: shown to the comment's author
/// while its words are detached and the same words are in its section.
#[component]
pub fn Reanchor(
    session: Session,
    comment: Comment,
    detached: impl Fn() -> bool + Send + Sync + Clone + 'static,
) -> impl IntoView {
    let version = session.client().version();
    let mine = session.my_id().as_deref() == Some(comment.author.participant_id.as_str());
    let (id, section, quote) = (comment.id, comment.anchor.section, comment.anchor.quote);
    let found = {
        let (section, quote) = (section.clone(), quote.clone());
        move || {
            version.track();
            anchor_again(session, &section, &quote).is_some()
        }
    };
    let shown = move || mine && session.can(Action::EditComment) && detached() && found();
    let reanchor = move |_| {
        if let Some(anchor) = anchor_again(session, &section, &quote) {
            session.send(
                serde_json::json!({ "type": "reanchor_comment", "comment_id": id, "anchor": anchor }),
                |_| {},
            );
        }
    };
    view! {
        <Show when=shown>
            <button
                type="button"
                class="secondary reanchor"
                title=move || session.t(Key::ReanchorLabel)
                aria-label=move || session.t(Key::ReanchorLabel)
                on:click=reanchor.clone()
            >
                {move || session.t(Key::Reanchor)}
            </button>
        </Show>
    }
}
