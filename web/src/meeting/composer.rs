//! Writing a comment: select words in a section editor, press "Question" or
//! "Suggestion" (or Alt+Q / Alt+S), write, post. A suggestion may say what
//! the selected words should become ("suggesting mode").
//!
//! The anchor is taken the moment the button is pressed, so it follows its
//! words while the comment is written. The draft lives in the session, not
//! in a phase's view, and is kept in localStorage with the other drafts
//! (see [`super::drafts`]): a phase change, a reload or a closed tab never
//! throws it away.

use super::{scroll_to, Session};
use crate::i18n::Key;
use casebook_core::anchor::Anchor;
use casebook_core::comment::CommentKind;
use casebook_core::document::section_text_name;
use casebook_core::permission::Action;
use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use yrs::{ReadTxn, Transact};

/// A comment being written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub kind: CommentKind,
    pub anchor: Anchor,
    pub text: String,
    /// Suggestions only: what the selected words should become (empty for
    /// a plain suggestion).
    #[serde(default)]
    pub replacement: String,
    /// Suggestions only: suggest deleting the selected words (the
    /// replacement is then ignored).
    #[serde(default)]
    pub delete: bool,
    /// The selection ran past its section and was shortened to it (see
    /// `crate::reading::was_shortened`).
    #[serde(default)]
    pub shortened: bool,
}

/// The comment's thing among the drafts.
pub const THING: &str = "comment";

/// The comment draft kept under `key`, if any.
pub fn restore(key: &str) -> Option<Draft> {
    serde_json::from_str(&crate::storage::load(key)?).ok()
}

fn save(key: &str, draft: Option<&Draft>) {
    match draft.and_then(|d| serde_json::to_string(d).ok()) {
        Some(text) => crate::storage::save(key, &text),
        None => crate::storage::remove(key),
    }
}

/// Follows the editors' selection, saves the draft, and listens for the
/// keyboard shortcuts.
pub fn track(session: Session) {
    let selection = session.client().selection();
    Effect::new(move |_| match selection.get() {
        Some(sel) if sel.start < sel.end => session.selection.set(Some(sel)),
        // A collapsed caret: nothing selected any more. (None, when the
        // editor lost focus to one of our buttons, keeps the last one.)
        Some(_) => session.selection.set(None),
        None => {}
    });
    Effect::new(move |_| {
        session
            .draft
            .with(|d| save(&session.draft_key(THING), d.as_ref()))
    });
    let handle = window_event_listener(leptos::ev::keydown, move |ev: KeyboardEvent| {
        if !ev.alt_key() || ev.ctrl_key() || ev.meta_key() {
            return;
        }
        let kind = match ev.code().as_str() {
            "KeyQ" => CommentKind::Question,
            "KeyS" => CommentKind::Suggestion,
            _ => return,
        };
        ev.prevent_default();
        start(session, kind);
    });
    std::mem::forget(handle);
}

/// Starts a comment of `kind` on the selected words. A draft with text in it
/// is kept (only its kind changes), never replaced.
pub fn start(session: Session, kind: CommentKind) {
    if !session.can(Action::Comment) {
        return;
    }
    if let Some(mut draft) = session.draft.get_untracked() {
        if !draft.text.trim().is_empty() {
            draft.kind = kind;
            session.draft.set(Some(draft));
            focus_composer();
            return;
        }
    }
    let Some(sel) = session.selection.get_untracked() else {
        session
            .error
            .set(Some(session.t(Key::SelectTextFirst).to_owned()));
        return;
    };
    let doc = session.client().doc();
    let txn = doc.transact();
    let anchor = txn
        .get_text(section_text_name(&sel.section).as_str())
        .ok_or_else(|| "no such section".to_owned())
        .and_then(|text| {
            Anchor::new(&txn, &text, &sel.section, sel.start..sel.end).map_err(|e| e.to_string())
        });
    drop(txn);
    match anchor {
        Ok(anchor) => {
            session.error.set(None);
            session.draft.set(Some(Draft {
                kind,
                anchor,
                text: String::new(),
                replacement: String::new(),
                delete: false,
                shortened: crate::reading::was_shortened(&sel),
            }));
            focus_composer();
        }
        Err(e) => session.error.set(Some(e)),
    }
}

fn focus_composer() {
    scroll_to("#comment-text".to_owned(), false);
    set_timeout(
        || {
            let element = document()
                .get_element_by_id("comment-text")
                .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok());
            if let Some(element) = element {
                let _ = element.focus();
            }
        },
        std::time::Duration::from_millis(30),
    );
}

fn kind_class(kind: CommentKind) -> &'static str {
    match kind {
        CommentKind::Question => "kind-question",
        CommentKind::Suggestion => "kind-suggestion",
    }
}

/// "Question" / "Suggestion" buttons and, while writing, the composer.
#[component]
pub fn Composer(session: Session) -> impl IntoView {
    let has_selection = move || session.selection.with(Option::is_some);
    let quote = move || {
        let sel = session.selection.get()?;
        let doc = session.client().doc();
        let txn = doc.transact();
        let text = txn.get_text(section_text_name(&sel.section).as_str())?;
        let whole = yrs::GetString::get_string(&text, &txn);
        let units: Vec<u16> = whole.encode_utf16().collect();
        let words = units.get(sel.start as usize..sel.end as usize)?;
        Some(String::from_utf16_lossy(words))
    };
    // The buttons must not take the focus (and the selection) from the editor.
    let keep_focus = |ev: leptos::ev::MouseEvent| ev.prevent_default();
    let post = move || {
        let Some(draft) = session.draft.get_untracked() else {
            return;
        };
        let text = draft.text.trim().to_owned();
        if text.is_empty() {
            return;
        }
        // Suggesting mode: a suggestion with replacement words, or with
        // none at all to delete the selected words.
        let replacement = match (draft.kind, draft.delete) {
            (CommentKind::Suggestion, true) => Some(String::new()),
            (CommentKind::Suggestion, false) if !draft.replacement.trim().is_empty() => {
                Some(draft.replacement.clone())
            }
            _ => None,
        };
        let command = if let Some(replacement) = replacement {
            serde_json::json!({
                "type": "suggest_replacement",
                "anchor": draft.anchor,
                "text": text,
                "replacement": replacement,
            })
        } else {
            serde_json::json!({
                "type": "post_comment",
                "kind": draft.kind,
                "anchor": draft.anchor,
                "text": text,
            })
        };
        session.send(command, move |ok| {
            if ok && session.draft.get_untracked().as_ref() == Some(&draft) {
                session.draft.set(None);
                session.typed_in(THING, false);
            }
        });
    };
    let on_key = move |ev: KeyboardEvent| {
        if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
            ev.prevent_default();
            post();
        } else if ev.key() == "Escape" {
            session.draft.set(None);
            session.typed_in(THING, false);
        }
    };
    view! {
        <Show when=move || session.can(Action::Comment) || session.draft.with(Option::is_some)>
            <section class="composer" aria-label=move || session.t(Key::NewComment)>
                <div class="composer-buttons">
                    <button
                        type="button"
                        id="ask-question"
                        class="kind-question"
                        aria-keyshortcuts="Alt+Q"
                        disabled=move || !has_selection() || !session.can(Action::Comment)
                        on:mousedown=keep_focus
                        on:click=move |_| start(session, CommentKind::Question)
                    >
                        {move || session.t(Key::KindQuestion)} <kbd>"Alt+Q"</kbd>
                    </button>
                    <button
                        type="button"
                        id="make-suggestion"
                        class="kind-suggestion"
                        aria-keyshortcuts="Alt+S"
                        disabled=move || !has_selection() || !session.can(Action::Comment)
                        on:mousedown=keep_focus
                        on:click=move |_| start(session, CommentKind::Suggestion)
                    >
                        {move || session.t(Key::KindSuggestion)} <kbd>"Alt+S"</kbd>
                    </button>
                </div>
                <Show
                    when=move || session.draft.with(Option::is_some)
                    fallback=move || view! {
                        <p class="muted composer-hint">
                            {move || match quote() {
                                Some(words) => format!("“{}”", shorten(&words, 80)),
                                None => session.t(Key::SelectTextFirst).to_owned(),
                            }}
                            {move || session.selection.get().filter(crate::reading::was_shortened).map(|_| view! {
                                <span class="selection-shortened">" " {move || session.t(Key::SelectionShortened)}</span>
                            })}
                        </p>
                    }
                >
                    <div class=move || {
                        let kind = session.draft.with(|d| d.as_ref().map(|d| d.kind));
                        format!("composer-form {}", kind.map(kind_class).unwrap_or(""))
                    }>
                        <blockquote class="quote">
                            {move || session.draft.with(|d| d.as_ref().map(|d| d.anchor.quote.clone()).unwrap_or_default())}
                        </blockquote>
                        <Show when=move || session.draft.with(|d| d.as_ref().is_some_and(|d| d.shortened))>
                            <p class="selection-shortened" id="selection-shortened" role="status">
                                {move || session.t(Key::SelectionShortened)}
                            </p>
                        </Show>
                        <label for="comment-text" class="composer-label">
                            {move || match session.draft.with(|d| d.as_ref().map(|d| d.kind)) {
                                Some(CommentKind::Suggestion) => session.t(Key::KindSuggestion),
                                _ => session.t(Key::KindQuestion),
                            }}
                        </label>
                        <textarea
                            id="comment-text"
                            rows="3"
                            maxlength=casebook_core::limits::MAX_TEXT_CHARS
                            placeholder=move || match session.draft.with(|d| d.as_ref().map(|d| d.kind)) {
                                Some(CommentKind::Suggestion) => session.t(Key::SuggestionPlaceholder),
                                _ => session.t(Key::QuestionPlaceholder),
                            }
                            prop:value=move || session.draft.with(|d| d.as_ref().map(|d| d.text.clone()).unwrap_or_default())
                            on:input=move |ev| {
                                let text = event_target_value(&ev);
                                session.typed_in(THING, !text.trim().is_empty());
                                session.draft.update(|d| {
                                    if let Some(d) = d {
                                        d.text = text;
                                    }
                                });
                            }
                            on:keydown=on_key
                        ></textarea>
                        <Show when=move || session.draft.with(|d| d.as_ref().map(|d| d.kind)) == Some(CommentKind::Suggestion)>
                            <label for="suggestion-replacement" class="composer-label">
                                {move || session.t(Key::ReplaceWith)}
                            </label>
                            <textarea
                                id="suggestion-replacement"
                                rows="2"
                                disabled=move || session.draft.with(|d| d.as_ref().is_some_and(|d| d.delete))
                                maxlength=casebook_core::limits::MAX_REPLACEMENT_CHARS
                                placeholder=move || session.t(Key::ReplacementPlaceholder)
                                prop:value=move || session.draft.with(|d| d.as_ref().map(|d| d.replacement.clone()).unwrap_or_default())
                                on:input=move |ev| {
                                    let words = event_target_value(&ev);
                                    session.draft.update(|d| {
                                        if let Some(d) = d {
                                            d.replacement = words;
                                        }
                                    });
                                }
                                on:keydown=on_key
                            ></textarea>
                            <label class="composer-check">
                                <input
                                    type="checkbox"
                                    id="suggest-deletion"
                                    prop:checked=move || session.draft.with(|d| d.as_ref().is_some_and(|d| d.delete))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        session.draft.update(|d| {
                                            if let Some(d) = d {
                                                d.delete = on;
                                            }
                                        });
                                    }
                                />
                                " " {move || session.t(Key::SuggestDeletion)}
                            </label>
                        </Show>
                        <div class="composer-actions">
                            <button
                                type="button"
                                id="post-comment"
                                disabled=move || {
                                    !session.can(Action::Comment)
                                        || session.draft.with(|d| d.as_ref().is_none_or(|d| d.text.trim().is_empty()))
                                }
                                on:click=move |_| post()
                            >
                                {move || session.t(Key::Post)}
                            </button>
                            <button type="button" class="secondary" on:click=move |_| {
                                session.draft.set(None);
                                session.typed_in(THING, false);
                            }>
                                {move || session.t(Key::Cancel)}
                            </button>
                        </div>
                    </div>
                </Show>
            </section>
        </Show>
    }
}

/// At most `max` characters of `text`, with an ellipsis when cut.
pub fn shorten(text: &str, max: usize) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(max).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}
