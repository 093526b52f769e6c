//! Q&A: the facilitator picks the next question; it is spotlighted on every
//! screen with its words scrolled into view; the author (or facilitator)
//! records the answer, which the server writes into the Q&A section.
//!
//! The answer box is a draft ([`super::drafts`]) per question: it survives a
//! phase change, a reload and a closed tab. Who else is typing an answer is
//! shown under it. When someone else recorded an answer first, the text of
//! whoever came second stays, with the offer to add it to the recorded one.

use super::cards::{kind_class, CommentCard};
use super::drafts::Draft;
use super::{highlight_selector, scroll_to, Session};
use crate::i18n::{answered_first, typing_answer, Key};
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
                scroll_to(highlight_selector(id), true);
            }
        }
        current
    });
}

#[component]
pub fn SpotlightPanel(session: Session) -> impl IntoView {
    let current = Memo::new(move |_| session.room.with(|r| r.spotlight.clone()));
    let next = Memo::new(move |_| {
        session
            .room
            .with(|r| next_question(&r.comments, r.spotlight.as_deref()))
    });
    let open_count = move || session.room.with(|r| r.counts.open_questions);
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
            {move || current.get().map(|id| view! { <AnswerBox session id/> })}
        </section>
    }
}

/// Recording the answer to question `id`, or what is left of an answer that
/// came second.
#[component]
fn AnswerBox(session: Session, id: String) -> impl IntoView {
    let draft = Draft::of(session, format!("answer:{id}"));
    let recorded = {
        let id = id.clone();
        Memo::new(move |_| {
            session
                .room
                .with(|r| r.comment(&id).and_then(|c| c.answer.clone()))
        })
    };
    let typing = {
        let things = [format!("answer:{id}"), format!("edit:{id}")];
        Memo::new(move |_| session.typing_in(&things))
    };
    let record = {
        let id = id.clone();
        move || {
            let text = draft.get_untracked().trim().to_owned();
            if text.is_empty() {
                return;
            }
            let command = serde_json::json!({ "type": "answer_question", "comment_id": id.clone(), "text": text.clone() });
            session.send(command, move |ok| {
                if ok {
                    draft.sent(&text);
                } else if recorded.try_with_untracked(Option::is_some) == Some(true) {
                    // Answered first by someone else: the box below says so.
                    session.error.set(None);
                }
            });
        }
    };
    // What is left of this box once an answer is recorded: nothing when it
    // is this very text (ours, recorded before the command's answer came
    // back), else the text that came second.
    let left_over = move || {
        recorded.with(|answer| {
            answer.as_ref().is_some_and(|answer| {
                draft.text_with(|text| !text.trim().is_empty() && text.trim() != answer.text)
            })
        })
    };
    Effect::new(move |_| {
        let ours = recorded.with(|answer| {
            answer
                .as_ref()
                .is_some_and(|answer| draft.text_with(|text| text.trim() == answer.text))
        });
        if ours {
            draft.sent(&draft.get_untracked());
        } else if left_over() {
            // The answer that came first arrived after the refusal: the box
            // below says so, not the error line.
            session.error.set(None);
        }
    });
    let question = StoredValue::new(id.clone());
    let append = {
        move |_| {
            let Some(answer) = recorded.get_untracked() else {
                return;
            };
            let mine = draft.get_untracked().trim().to_owned();
            let command = serde_json::json!({
                "type": "edit_answer",
                "comment_id": question.get_value(),
                "base": answer.text,
                "text": format!("{}\n\n{mine}", answer.text),
            });
            session.send(command, move |ok| {
                if ok {
                    draft.sent(&mine);
                }
            });
        }
    };
    view! {
        <Show when=move || typing.with(|names| !names.is_empty())>
            <p class="typing-note" id="answer-typing" aria-live="polite">
                {move || typing.with(|names| typing_answer(session.lang.get(), names))}
            </p>
        </Show>
        <Show when=move || recorded.with(Option::is_none) && session.can(Action::Answer)>
            <form class="answer-form" on:submit={
                let record = record.clone();
                move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    record();
                }
            }>
                <label for="answer-text">{move || session.t(Key::AnswerLabel)}</label>
                <textarea
                    id="answer-text"
                    rows="3"
                    maxlength=casebook_core::limits::MAX_ANSWER_CHARS
                    placeholder=move || session.t(Key::AnswerPlaceholder)
                    prop:value=move || draft.get()
                    on:input=move |ev| draft.set(event_target_value(&ev))
                ></textarea>
                <div class="composer-actions">
                    <button type="submit" id="record-answer" disabled=move || draft.is_blank()>
                        {move || session.t(Key::RecordAnswer)}
                    </button>
                    <span class="muted">{move || session.t(Key::AnswerGoesToQa)}</span>
                </div>
            </form>
        </Show>
        // Someone else's answer was recorded while this one was written.
        <Show when=left_over>
            <div class="answer-left" id="answer-left" role="status">
                <p>
                    {move || answered_first(
                        session.lang.get(),
                        &recorded.with(|a| a.as_ref().map(|a| a.by.display_name.clone()).unwrap_or_default()),
                    )}
                </p>
                <blockquote class="quote" id="answer-left-text">{move || draft.get()}</blockquote>
                <div class="composer-actions">
                    <Show when=move || session.can(Action::EditAnswer)>
                        <button type="button" id="append-answer" on:click=append>
                            {move || session.t(Key::AppendToAnswer)}
                        </button>
                    </Show>
                    <button type="button" class="secondary" on:click=move |_| draft.set(String::new())>
                        {move || session.t(Key::DiscardMine)}
                    </button>
                </div>
            </div>
        </Show>
    }
}
