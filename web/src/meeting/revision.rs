//! Revision: the author works through what the meeting left — questions and
//! undecided suggestions, and accepted suggestions as to-dos — resolving each
//! with one click and an optional note; progress reads "12 of 15 resolved".
//! Declined suggestions are settled by their decision and deleted comments
//! ask for nothing: neither is listed.
//! Each note is a draft ([`super::drafts`]).

use super::cards::{kind_class, kind_key};
use super::drafts::Draft;
use super::history::AnswerEdits;
use super::{highlight_selector, scroll_to, Session};
use crate::i18n::{resolved_progress, Key};
use casebook_core::comment::{Comment, CommentKind};
use casebook_core::permission::Action;
use leptos::prelude::*;

/// What revision works through (a deleted comment asks for nothing).
fn in_revision(comment: &Comment) -> bool {
    !comment.is_declined() && !comment.is_deleted()
}

#[component]
pub fn RevisionPanel(session: Session) -> impl IntoView {
    let progress = move || {
        session.room.with(|r| {
            let items: Vec<&Comment> = r.comments.iter().filter(|c| in_revision(c)).collect();
            let resolved = items.iter().filter(|c| c.resolution.is_some()).count();
            (resolved, items.len())
        })
    };
    // Open items first (to-dos before the rest), then the resolved ones.
    let open = Memo::new(move |_| {
        session.room.with(|r| {
            let mut open: Vec<&Comment> = r
                .comments
                .iter()
                .filter(|c| in_revision(c) && c.resolution.is_none())
                .collect();
            open.sort_by_key(|c| !c.is_accepted());
            open.into_iter().map(|c| c.id.clone()).collect::<Vec<_>>()
        })
    });
    view! {
        <section class="stage-panel revision-panel" id="revision" aria-labelledby="revision-heading">
            <h2 id="revision-heading" class="sidebar-heading">{move || session.t(Key::RevisionHeading)}</h2>
            <div class="progress" role="progressbar"
                aria-valuemin="0"
                aria-valuemax=move || progress().1.to_string()
                aria-valuenow=move || progress().0.to_string()
            >
                <div class="progress-fill" style:width=move || {
                    let (done, all) = progress();
                    format!("{}%", (done * 100).checked_div(all).unwrap_or(100))
                }></div>
            </div>
            <p class="progress-text" id="revision-progress">
                {move || { let (done, all) = progress(); resolved_progress(session.lang.get(), done, all) }}
            </p>
            <Show
                when=move || !open.with(Vec::is_empty)
                fallback=move || view! { <p class="muted">{move || session.t(Key::NothingToRevise)}</p> }
            >
                <ul class="revision-items">
                    <For each=move || open.get() key=|id| id.clone() let:id>
                        <RevisionItem session id/>
                    </For>
                </ul>
            </Show>
        </section>
    }
}

#[component]
fn RevisionItem(session: Session, id: String) -> impl IntoView {
    let note = Draft::of(session, format!("resolve:{id}"));
    let comment = {
        let id = id.clone();
        Memo::new(move |_| session.room.with(|r| r.comment(&id).cloned()))
    };
    let resolve = {
        let id = id.clone();
        move |_| {
            let text = note.get_untracked().trim().to_owned();
            let mut command = serde_json::json!({ "type": "resolve", "comment_id": id.clone() });
            if !text.is_empty() {
                command["note"] = serde_json::Value::String(text.clone());
            }
            session.send(command, move |ok| {
                if ok {
                    note.sent(&text);
                }
            });
        }
    };
    let look = id.clone();
    let item = id.clone();
    let kind = move || comment.with(|c| c.as_ref().map(|c| c.kind));
    view! {
        <li
            class=move || format!("revision-item {}", kind().map(kind_class).unwrap_or(""))
            data-item=item
        >
            {move || comment.get().map(|c| {
                let todo = c.is_accepted();
                let answered = c.kind == CommentKind::Question && c.answer.is_some();
                let (question, section) = (c.id.clone(), c.anchor.section.clone());
                let look = look.clone();
                view! {
                    <button type="button" class="link-button item-title" on:click=move |_| {
                        session.focus.set(Some(look.clone()));
                        scroll_to(highlight_selector(&look), true);
                    }>
                        <span class="kind-badge">
                            {move || if todo { session.t(Key::Todo) } else { session.t(kind_key(c.kind)) }}
                        </span>
                        " "
                        <span class="comment-text">{c.text.clone()}</span>
                    </button>
                    {c.answer.map(|a| view! { <p class="answer"><strong>{move || session.t(Key::AnswerLabel)}</strong> " " {a.text}</p> })}
                    {answered.then(|| view! {
                        <AnswerEdits session comment_id=question section/>
                    })}
                }
            })}
            <Show when=move || session.can(Action::Resolve)>
                <div class="resolve-row">
                    <input
                        type="text"
                        class="resolve-note"
                        maxlength=casebook_core::limits::MAX_REASON_CHARS
                        aria-label=move || session.t(Key::NoteLabel)
                        placeholder=move || session.t(Key::ResolveNotePlaceholder)
                        prop:value=move || note.get()
                        on:input=move |ev| note.set(event_target_value(&ev))
                    />
                    <button type="button" class="ok resolve-button" data-resolve=id.clone() on:click=resolve.clone()>
                        {move || session.t(Key::Resolve)}
                    </button>
                </div>
            </Show>
        </li>
    }
}
