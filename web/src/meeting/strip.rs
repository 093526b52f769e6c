//! The question being answered, in a strip that stays at the top of the
//! screen during Q&A at every width (the spotlight panel scrolls away with
//! the page once people read on in the text); a tap on it goes to the
//! spotlight panel. On a phone the phase bar scrolls away and the strip is
//! at the very top; wider, the phase bar stays at the top and the strip
//! sits right under it, never over it: it is placed at the bar's measured
//! height (`--bar-height`, read again every second and on resize, as the
//! bar wraps differently with its contents and the window's width).

use super::Session;
use crate::i18n::Key;
use casebook_core::phase::Phase;
use leptos::prelude::*;

/// The phase bar's height in CSS pixels, now; `None` without a bar.
fn bar_height() -> Option<f64> {
    let bar = document().get_element_by_id("phase-bar")?;
    Some(bar.get_bounding_client_rect().height())
}

#[component]
pub fn QuestionStrip(session: Session) -> impl IntoView {
    let question = Memo::new(move |_| {
        session.room.with(|room| {
            let id = room.spotlight.as_deref()?;
            let comment = room.comments.iter().find(|c| c.id == id)?;
            Some((comment.id.clone(), comment.text.clone()))
        })
    });
    let height = RwSignal::new(bar_height());
    let resized = window_event_listener(leptos::ev::resize, move |_| height.set(bar_height()));
    on_cleanup(move || resized.remove());
    Effect::new(move |_| {
        // The clock ticks every second: the bar's height follows its
        // contents (a timer that ran out, "still typing", a wrap).
        session.now_ms.track();
        if session.phase() != Phase::QAndA {
            return;
        }
        let now = bar_height();
        if height.get_untracked() != now {
            height.set(now);
        }
    });
    let top = move || {
        height
            .get()
            .map(|h| format!("--bar-height: {}px", h.ceil()))
            .unwrap_or_default()
    };
    view! {
        <Show when=move || session.phase() == Phase::QAndA && question.with(Option::is_some)>
            <a
                class="question-strip"
                id="question-strip"
                href="#spotlight"
                style=top
                data-question=move || question.get().map(|(id, _)| id).unwrap_or_default()
            >
                <span class="strip-label">{move || session.t(Key::CurrentQuestion)}</span>
                " "
                <span class="strip-text">{move || question.get().map(|(_, text)| text).unwrap_or_default()}</span>
            </a>
        </Show>
    }
}
