//! The question being answered, in a strip that stays at the top of a
//! phone's screen during Q&A (the spotlight panel is far below the text
//! there); a tap on it goes to the spotlight panel. On wider screens the
//! panel is beside the text and style.css hides the strip.

use super::Session;
use crate::i18n::Key;
use casebook_core::phase::Phase;
use leptos::prelude::*;

#[component]
pub fn QuestionStrip(session: Session) -> impl IntoView {
    let question = Memo::new(move |_| {
        session.room.with(|room| {
            let id = room.spotlight.as_deref()?;
            let comment = room.comments.iter().find(|c| c.id == id)?;
            Some((comment.id.clone(), comment.text.clone()))
        })
    });
    view! {
        <Show when=move || session.phase() == Phase::QAndA && question.with(Option::is_some)>
            <a
                class="question-strip"
                id="question-strip"
                href="#spotlight"
                data-question=move || question.get().map(|(id, _)| id).unwrap_or_default()
            >
                <span class="strip-label">{move || session.t(Key::CurrentQuestion)}</span>
                " "
                <span class="strip-text">{move || question.get().map(|(_, text)| text).unwrap_or_default()}</span>
            </a>
        </Show>
    }
}
