//! Q&A: the facilitator picks the next question; it is spotlighted on every
//! screen with its words scrolled into view; the author (or facilitator)
//! records the answer, which the server writes into the Q&A section.

use super::cards::{kind_class, CommentCard};
use super::{attr_selector, scroll_to, Session};
use crate::i18n::Key;
use casebook_core::comment::{Comment, CommentKind};
use casebook_core::permission::Action;
use leptos::prelude::*;

/// The next question to spotlight: the first unanswered one after the
/// current, wrapping around.
fn next_question(comments: &[Comment], current: Option<&str>) -> Option<String> {
    let open: Vec<&Comment> = comments
        .iter()
        .filter(|c| c.kind == CommentKind::Question && c.answer.is_none() && c.resolution.is_none())
        .collect();
    let after = current
        .and_then(|id| comments.iter().position(|c| c.id == id))
        .unwrap_or(0);
    let position = |c: &&Comment| comments.iter().position(|x| x.id == c.id).unwrap_or(0);
    open.iter()
        .find(|c| position(c) > after || current.is_none())
        .or_else(|| open.iter().find(|c| Some(c.id.as_str()) != current))
        .map(|c| c.id.clone())
}

/// Scrolls every page to the spotlighted words when the spotlight moves.
pub fn follow(session: Session) {
    Effect::new(move |previous: Option<Option<String>>| {
        let current = session.room.with(|r| r.spotlight.clone());
        if let Some(id) = &current {
            if previous.as_ref() != Some(&current) {
                // The spotlight panel shows the card; the window goes to the words.
                scroll_to(attr_selector("data-comment", id), true);
            }
        }
        current
    });
}

#[component]
pub fn SpotlightPanel(session: Session) -> impl IntoView {
    let answer = RwSignal::new(String::new());
    let current = Memo::new(move |_| session.room.with(|r| r.spotlight.clone()));
    let next = Memo::new(move |_| {
        session
            .room
            .with(|r| next_question(&r.comments, r.spotlight.as_deref()))
    });
    let answered = move || {
        let id = current.get();
        session.room.with(|r| {
            id.and_then(|id| r.comment(&id).map(|c| c.answer.is_some()))
                .unwrap_or(false)
        })
    };
    let open_count = move || session.room.with(|r| r.counts.open_questions);
    // A new question in the spotlight starts with an empty answer box.
    Effect::new(move |_| {
        current.track();
        answer.set(String::new());
    });
    let record = move || {
        let Some(id) = current.get_untracked() else {
            return;
        };
        let text = answer.get_untracked().trim().to_owned();
        if text.is_empty() {
            return;
        }
        let command =
            serde_json::json!({ "type": "answer_question", "comment_id": id, "text": text });
        session.send(command, move |ok| {
            if ok {
                answer.set(String::new());
            }
        });
    };
    view! {
        <section class="stage-panel spotlight-panel" id="spotlight" aria-live="polite">
            <h2 class="sidebar-heading">
                {move || session.t(Key::QaHeading)}
                " "
                <span class="count">{move || format!("{} {}", open_count(), session.t(Key::OpenQuestions))}</span>
            </h2>
            <Show when=move || session.is_facilitator() && session.can(Action::Spotlight)>
                <div class="panel-actions">
                    <button
                        type="button"
                        id="next-question"
                        disabled=move || next.get().is_none()
                        on:click=move |_| {
                            if let Some(id) = next.get_untracked() {
                                session.send(serde_json::json!({ "type": "spotlight", "comment_id": id }), |_| {});
                            }
                        }
                    >
                        {move || session.t(Key::NextQuestion)}
                    </button>
                    <Show when=move || current.get().is_some()>
                        <button
                            type="button"
                            class="secondary"
                            on:click=move |_| session.send(serde_json::json!({ "type": "clear_spotlight" }), |_| {})
                        >
                            {move || session.t(Key::ClearSpotlight)}
                        </button>
                    </Show>
                </div>
            </Show>
            {move || match current.get() {
                None => view! {
                    <p class="muted">
                        {move || if open_count() == 0 { session.t(Key::NoOpenQuestions) } else { session.t(Key::NoSpotlight) }}
                    </p>
                }.into_any(),
                Some(id) => view! {
                    <div class=format!("spotlight-card {}", kind_class(CommentKind::Question))>
                        <CommentCard session id/>
                    </div>
                }.into_any(),
            }}
            <Show when=move || current.get().is_some() && !answered() && session.can(Action::Answer)>
                <form class="answer-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    record();
                }>
                    <label for="answer-text">{move || session.t(Key::AnswerLabel)}</label>
                    <textarea
                        id="answer-text"
                        rows="3"
                        maxlength=casebook_core::limits::MAX_ANSWER_CHARS
                        placeholder=move || session.t(Key::AnswerPlaceholder)
                        prop:value=move || answer.get()
                        on:input=move |ev| answer.set(event_target_value(&ev))
                    ></textarea>
                    <div class="composer-actions">
                        <button type="submit" id="record-answer" disabled=move || answer.with(|a| a.trim().is_empty())>
                            {move || session.t(Key::RecordAnswer)}
                        </button>
                        <span class="muted">{move || session.t(Key::AnswerGoesToQa)}</span>
                    </div>
                </form>
            </Show>
        </section>
    }
}
