//! Commenting on the rendered text: words selected in a rendered section
//! become the selection the composer anchors (the same Markdown range a
//! selection in the editor gives, see [`crate::reading`]), and floating
//! Question / Suggestion buttons appear right under them, where a thumb
//! can reach them on a phone.
//!
//! A tap on a floating button may take the browser's selection away before
//! the button's click arrives; a collapse that follows a press on one of our
//! comment buttons therefore keeps the words selected.

use super::composer;
use super::Session;
use crate::i18n::Key;
use crate::reading::{self, Selected};
use crate::sync::TextSelection;
use casebook_core::comment::CommentKind;
use casebook_core::permission::Action;
use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// The elements whose press keeps the selection (ours).
const COMMENT_BUTTONS: &str = ".floating-comment, .composer-buttons";

/// Roughly how wide the floating buttons are, to keep them on screen.
const FLOAT_WIDTH_PX: f64 = 230.0;

/// Follows the window's selection in the rendered sections.
pub fn track(session: Session) {
    // Once a comment is being written, the floating buttons have done
    // their work.
    Effect::new(move |_| {
        if session.draft.with(Option::is_some) {
            session.selection_box.set(None);
        }
    });
    let pressed_ours = StoredValue::new(false);
    let press = window_event_listener(leptos::ev::pointerdown, move |ev| {
        let ours = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest(COMMENT_BUTTONS).ok().flatten())
            .is_some();
        pressed_ours.set_value(ours);
    });
    std::mem::forget(press);
    let changed = Closure::<dyn Fn()>::new(move || {
        let client = session.client();
        match reading::current(|section| client.section_markdown(section)) {
            Selected::Words(selection, at) => {
                pressed_ours.set_value(false);
                if client
                    .selection()
                    .with_untracked(|s| s.as_ref() != Some(&selection))
                {
                    client.selection().set(Some(selection));
                }
                if session.selection_box.get_untracked() != Some(at) {
                    session.selection_box.set(Some(at));
                }
            }
            Selected::Caret if !pressed_ours.get_value() => {
                // A tap in the text: nothing selected any more.
                client.selection().set(Some(TextSelection {
                    section: String::new(),
                    start: 0,
                    end: 0,
                }));
                session.selection_box.set(None);
            }
            Selected::Elsewhere if !pressed_ours.get_value() => {
                if session.selection_box.get_untracked().is_some() {
                    session.selection_box.set(None);
                }
            }
            Selected::Caret | Selected::Elsewhere => {}
        }
    });
    if let Some(document) = web_sys::window().and_then(|w| w.document()) {
        let _ = document
            .add_event_listener_with_callback("selectionchange", changed.as_ref().unchecked_ref());
    }
    // The listener lives as long as the page.
    changed.forget();
}

/// The floating Question / Suggestion buttons under the selected words.
#[component]
pub fn FloatingComment(session: Session) -> impl IntoView {
    let shown = move || {
        session.selection_box.with(Option::is_some)
            && session.draft.with(Option::is_none)
            && session.selection.with(Option::is_some)
            && session.can(Action::Comment)
    };
    let position = move || {
        let [left, _, _, bottom] = session.selection_box.get().unwrap_or_default();
        let width = window()
            .inner_width()
            .ok()
            .and_then(|w| w.as_f64())
            .unwrap_or(1024.0);
        let scroll_x = window().scroll_x().unwrap_or(0.0);
        let left = left
            .min(scroll_x + width - FLOAT_WIDTH_PX)
            .max(scroll_x + 4.0);
        format!("left: {left:.0}px; top: {:.0}px", bottom + 8.0)
    };
    let begin = move |kind: CommentKind| {
        session.selection_box.set(None);
        composer::start(session, kind);
    };
    // Pressing must not take the selection away (on a laptop).
    let keep = |ev: leptos::ev::MouseEvent| ev.prevent_default();
    view! {
        <Show when=shown>
            <div
                class="floating-comment"
                id="floating-comment"
                role="group"
                aria-label=move || session.t(Key::CommentOnSelection)
                style=position
            >
                <button type="button" id="float-question" class="kind-question"
                    on:mousedown=keep on:click=move |_| begin(CommentKind::Question)>
                    {move || session.t(Key::KindQuestion)}
                </button>
                <button type="button" id="float-suggestion" class="kind-suggestion"
                    on:mousedown=keep on:click=move |_| begin(CommentKind::Suggestion)>
                    {move || session.t(Key::KindSuggestion)}
                </button>
            </div>
        </Show>
    }
}
