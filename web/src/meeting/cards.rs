//! Comment cards: one per question or suggestion, in the colour of its kind,
//! with its quote (kept when the words were deleted), its thread, its answer,
//! decision or resolution; the filters above them count what they show.
//! The author (or facilitator) edits or extends a recorded answer from its
//! card; replies and answer edits are drafts ([`super::drafts`]). What a
//! thread adds to a card (own edits and deletions, +1s, folding, the link)
//! is in [`super::thread`].

use super::drafts::Draft;
use super::thread::{
    CardState, CommentLink, EditedMark, OwnActions, Part, ReplyItem, ThreadText, Votes,
};
use super::{highlight_selector, scroll_to, Session};
use crate::i18n::{card_name, Key};
use casebook_core::anchor::AnchorState;
use casebook_core::comment::{Comment, CommentKind, Outcome};
use casebook_core::permission::Action;
use casebook_core::phase::Phase;
use leptos::prelude::*;

/// Which comments the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    All,
    Questions,
    Suggestions,
    Open,
    Mine,
}

impl Filter {
    const ALL: [Filter; 5] = [
        Filter::All,
        Filter::Questions,
        Filter::Suggestions,
        Filter::Open,
        Filter::Mine,
    ];

    fn key(self) -> Key {
        match self {
            Filter::All => Key::FilterAll,
            Filter::Questions => Key::FilterQuestions,
            Filter::Suggestions => Key::FilterSuggestions,
            Filter::Open => Key::FilterOpen,
            Filter::Mine => Key::FilterMine,
        }
    }

    fn id(self) -> &'static str {
        match self {
            Filter::All => "all",
            Filter::Questions => "questions",
            Filter::Suggestions => "suggestions",
            Filter::Open => "open",
            Filter::Mine => "mine",
        }
    }

    fn keeps(self, comment: &Comment, me: Option<&str>) -> bool {
        match self {
            Filter::All => true,
            Filter::Questions => comment.kind == CommentKind::Question,
            Filter::Suggestions => comment.kind == CommentKind::Suggestion,
            Filter::Open => is_open(comment),
            Filter::Mine => me == Some(comment.author.participant_id.as_str()),
        }
    }
}

/// Still waiting for something: not answered, declined, resolved or deleted.
pub fn is_open(comment: &Comment) -> bool {
    comment.resolution.is_none()
        && comment.answer.is_none()
        && !comment.is_declined()
        && !comment.is_deleted()
}

pub fn kind_class(kind: CommentKind) -> &'static str {
    match kind {
        CommentKind::Question => "kind-question",
        CommentKind::Suggestion => "kind-suggestion",
    }
}

pub fn kind_key(kind: CommentKind) -> Key {
    match kind {
        CommentKind::Question => Key::KindQuestion,
        CommentKind::Suggestion => Key::KindSuggestion,
    }
}

/// The filter buttons and the cards they keep.
#[component]
pub fn CommentList(session: Session) -> impl IntoView {
    let filter = RwSignal::new(Filter::All);
    // Counts leave out deleted comments (their placeholders stay shown
    // while they have replies), as core's counts do.
    let count = move |f: Filter| {
        let me = session.my_id();
        session.room.with(|r| {
            r.comments
                .iter()
                .filter(|c| !c.is_deleted() && f.keeps(c, me.as_deref()))
                .count()
        })
    };
    let shown = move || {
        let me = session.my_id();
        let f = filter.get();
        session.room.with(|r| {
            r.comments
                .iter()
                .filter(|c| f.keeps(c, me.as_deref()))
                .map(|c| c.id.clone())
                .collect::<Vec<_>>()
        })
    };
    // A comment looked at (a link, a highlight clicked) is never hidden by
    // the filter.
    Effect::new(move |_| {
        let Some(id) = session.focus.get() else {
            return;
        };
        let me = session.my_id();
        let hidden = session.room.with(|r| {
            r.comment(&id)
                .is_some_and(|c| !filter.get_untracked().keeps(c, me.as_deref()))
        });
        if hidden {
            filter.set(Filter::All);
        }
    });
    view! {
        <section class="comment-list" aria-labelledby="comments-heading">
            <h2 id="comments-heading" class="sidebar-heading">{move || session.t(Key::CommentsHeading)}</h2>
            <div class="filters" role="group" aria-label=move || session.t(Key::CommentsHeading)>
                {Filter::ALL.into_iter().map(|f| view! {
                    <button
                        type="button"
                        class="filter"
                        data-filter=f.id()
                        aria-pressed=move || (filter.get() == f).to_string()
                        on:click=move |_| filter.set(f)
                    >
                        {move || session.t(f.key())}
                        " "
                        <span class="count">{move || count(f)}</span>
                    </button>
                }).collect_view()}
            </div>
            <Show
                when=move || !shown().is_empty()
                fallback=move || view! { <p class="muted">{move || session.t(Key::NoComments)}</p> }
            >
                <div class="cards">
                    <For each=shown key=|id| id.clone() let:id>
                        <CommentCard session id/>
                    </For>
                </div>
            </Show>
        </section>
    }
}

/// One comment's card. Re-renders from the room when the comment changes.
#[component]
pub fn CommentCard(session: Session, id: String) -> impl IntoView {
    let comment = {
        let id = id.clone();
        Memo::new(move |_| session.room.with(|r| r.comment(&id).cloned()))
    };
    let detached = {
        let id = id.clone();
        move || {
            session
                .anchors
                .with(|a| matches!(a.get(&id), Some(AnchorState::Detached)))
        }
    };
    let spotlit = {
        let id = id.clone();
        move || {
            session
                .room
                .with(|r| r.spotlight.as_deref() == Some(id.as_str()))
        }
    };
    let focused = {
        let id = id.clone();
        move || session.focus.with(|f| f.as_deref() == Some(id.as_str()))
    };
    let look = {
        let id = id.clone();
        move || {
            session.focus.set(Some(id.clone()));
            scroll_to(highlight_selector(&id), true);
        }
    };
    let look2 = look.clone();
    let detached_badge = detached.clone();
    let state = CardState::new(session, comment.get_untracked().as_ref());
    let linked = {
        let id = id.clone();
        move || session.linked.with(|l| l.as_deref() == Some(id.as_str()))
    };
    let card_class = move || {
        let Some(c) = comment.get() else {
            return String::new();
        };
        let mut class = format!("comment-card {}", kind_class(c.kind));
        if !is_open(&c) {
            class.push_str(" is-closed");
        }
        if spotlit() {
            class.push_str(" is-spotlight");
        }
        if focused() {
            class.push_str(" is-focused");
            if linked() {
                class.push_str(" is-linked");
            }
        }
        if c.is_deleted() {
            class.push_str(" is-deleted");
        }
        if detached() {
            class.push_str(" is-detached");
        }
        class
    };
    view! {
        <article
            class=card_class
            data-card=id.clone()
            tabindex="0"
            aria-label=move || comment.get().map(|c| {
                let text = if c.is_deleted() { session.t(Key::CommentDeleted) } else { c.text.as_str() };
                card_name(session.lang.get(), session.t(kind_key(c.kind)), &c.author.display_name, text)
            })
            on:click=move |_| look()
            on:keydown=move |ev| {
                if ev.key() == "Enter" && ev.target() == ev.current_target() {
                    look2();
                }
            }
        >
            {move || comment.get().map(|c| view! { <CardBody session state comment=c detached=detached_badge.clone()/> })}
            <CardActions session id=id.clone()/>
        </article>
    }
}

#[component]
fn CardBody(
    session: Session,
    state: CardState,
    comment: Comment,
    detached: impl Fn() -> bool + Send + Sync + Clone + 'static,
) -> impl IntoView {
    let kind = comment.kind;
    let detached_again = detached.clone();
    let answer = comment.answer.clone();
    let decision = comment.decision.clone();
    let resolution = comment.resolution.clone();
    let answered = answer.is_some();
    let resolved = resolution.is_some();
    let text = if comment.is_deleted() {
        view! { <p class="comment-text comment-deleted">{move || session.t(Key::CommentDeleted)}</p> }.into_any()
    } else {
        view! {
            <ThreadText session state part=Part::Comment text=comment.text.clone() class="comment-text"/>
            <OwnActions
                session
                state
                part=Part::Comment
                author_id=comment.author.participant_id.clone()
                text=comment.text.clone()
                changeable=comment.may_change()
                question=if comment.replies.is_empty() { Key::ConfirmDeleteComment } else { Key::ConfirmDeleteKeepsThread }
            />
        }
        .into_any()
    };
    let replies = comment.replies.clone();
    let thread = comment.clone();
    view! {
        <header class="card-head">
            <span class="kind-badge">{move || session.t(kind_key(kind))}</span>
            <span class="author">{comment.author.display_name.clone()}</span>
            <EditedMark session at_ms=comment.edited_at_ms/>
            <Votes session comment=comment.clone()/>
            {answered.then(|| view! { <span class="badge badge-answered">{move || session.t(Key::Answered)}</span> })}
            {decision.as_ref().map(|d| match &d.outcome {
                Outcome::Accepted => view! { <span class="badge badge-accepted">{move || session.t(Key::Accepted)}</span> }.into_any(),
                Outcome::Declined { .. } => view! { <span class="badge badge-declined">{move || session.t(Key::Declined)}</span> }.into_any(),
            })}
            {resolved.then(|| view! { <span class="badge badge-resolved">{move || session.t(Key::Resolved)}</span> })}
            {move || detached().then(|| view! { <span class="badge badge-detached">{move || session.t(Key::Detached)}</span> })}
            {(!comment.is_deleted()).then(|| view! { <super::reanchor::Reanchor session comment=comment.clone() detached=detached_again.clone()/> })}
            <CommentLink session id=comment.id.clone()/>
        </header>
        {match comment.replacement.clone() {
            // Suggesting mode: the old words struck, the new ones inserted
            // (none: the words are to be deleted).
            Some(new) if new.is_empty() => view! {
                <p class="suggested-change suggested-deletion" aria-label=move || session.t(Key::SuggestedChange)>
                    <del class="old-words">{comment.anchor.quote.clone()}</del>
                    " " <span class="muted">{move || session.t(Key::DeleteTheseWords)}</span>
                </p>
            }.into_any(),
            Some(new) => view! {
                <p class="suggested-change" aria-label=move || session.t(Key::SuggestedChange)>
                    <del class="old-words">{comment.anchor.quote.clone()}</del>
                    " → "
                    <ins class="new-words">{new}</ins>
                </p>
            }.into_any(),
            None => view! { <blockquote class="quote">{comment.anchor.quote.clone()}</blockquote> }.into_any(),
        }}
        <super::not_applied::NotAppliedNotice session comment=comment.clone()/>
        {text}
        {answer.map(|a| {
            let editors = a.editors_line();
            view! {
            <div class="answer">
                <strong>{move || session.t(Key::AnswerLabel)}</strong> " "
                <span class="answer-text">{a.text}</span>
                <span class="by">" — " {a.by.display_name}</span>
                {editors.map(|editors| view! {
                    <span class="by edited-by">
                        " · " {move || session.t(Key::AnswerEditedBy)} " " {editors}
                    </span>
                })}
            </div>
        }})}
        {decision.and_then(|d| match d.outcome {
            Outcome::Declined { reason } => Some(view! {
                <div class="reason">
                    <strong>{move || session.t(Key::ReasonLabel)}</strong> " " {reason}
                    <span class="by">" — " {d.by.display_name}</span>
                </div>
            }),
            Outcome::Accepted => None,
        })}
        {resolution.map(|r| view! {
            <div class="resolution">
                <strong>{move || session.t(Key::Resolved)}</strong>
                {r.note.map(|note| view! { " " <span class="note">{note}</span> })}
                <span class="by">" — " {r.by.display_name}</span>
            </div>
        })}
        {(!replies.is_empty()).then(|| view! {
            <ul class="replies">
                {replies.into_iter().map(|reply| view! {
                    <ReplyItem session state comment=thread.clone() reply/>
                }).collect_view()}
            </ul>
        })}
    }
}

/// Reply, edit a recorded answer, and (facilitator, Q&A) put a question in
/// the spotlight.
#[component]
fn CardActions(session: Session, id: String) -> impl IntoView {
    let reply = Draft::of(session, format!("reply:{id}"));
    // A reply being written when the page was left is open again.
    let replying = RwSignal::new(!reply.is_blank());
    let deleted = {
        let id = id.clone();
        move || {
            session
                .room
                .with(|r| r.comment(&id).is_some_and(Comment::is_deleted))
        }
    };
    let is_question = {
        let id = id.clone();
        move || {
            session.room.with(|r| {
                r.comment(&id)
                    .is_some_and(|c| c.kind == CommentKind::Question && c.answer.is_none())
            })
        }
    };
    let spotlit = {
        let id = id.clone();
        move || {
            session
                .room
                .with(|r| r.spotlight.as_deref() == Some(id.as_str()))
        }
    };
    let can_spotlight = move || {
        session.phase() == Phase::QAndA
            && session.can(Action::Spotlight)
            && is_question()
            && !spotlit()
    };
    let spotlight_id = id.clone();
    // An accepted suggestion not yet resolved: its acceptance can be undone.
    let can_undo_accept = {
        let id = id.clone();
        move || {
            session.can(Action::DecideSuggestion)
                && session.room.with(|r| {
                    r.comment(&id)
                        .is_some_and(|c| c.is_accepted() && c.resolution.is_none())
                })
        }
    };
    let undo_id = id.clone();
    let send_reply = {
        let id = id.clone();
        move || {
            let text = reply.get_untracked().trim().to_owned();
            if text.is_empty() {
                return;
            }
            let command = serde_json::json!({ "type": "reply", "comment_id": id.clone(), "text": text.clone() });
            session.send(command, move |ok| {
                if ok {
                    reply.sent(&text);
                    replying.set(false);
                }
            });
        }
    };
    view! {
        <div class="card-actions" on:click=|ev| ev.stop_propagation()>
            <Show when=can_spotlight>
                <button
                    type="button"
                    class="secondary spotlight-button"
                    on:click={
                        let id = spotlight_id.clone();
                        move |_| session.send(serde_json::json!({ "type": "spotlight", "comment_id": id.clone() }), |_| {})
                    }
                >
                    {move || session.t(Key::SpotlightThis)}
                </button>
            </Show>
            <AnswerEditor session id=id.clone()/>
            <Show when=can_undo_accept.clone()>
                <button
                    type="button"
                    class="link-button undo-accept"
                    on:click={
                        let id = undo_id.clone();
                        move |_| session.send(serde_json::json!({ "type": "undo_accept_suggestion", "comment_id": id.clone() }), |_| {})
                    }
                >
                    {move || session.t(Key::UndoAccept)}
                </button>
            </Show>
            <Show when=move || session.can(Action::Reply) && !replying.get() && !deleted()>
                <button type="button" class="link-button" on:click=move |_| replying.set(true)>
                    {move || session.t(Key::Reply)}
                </button>
            </Show>
            <Show when=move || replying.get()>
                <form class="reply-form" on:submit={
                    let send_reply = send_reply.clone();
                    move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        send_reply();
                    }
                }>
                    <input
                        type="text"
                        class="reply-input"
                        maxlength=casebook_core::limits::MAX_TEXT_CHARS
                        aria-label=move || session.t(Key::Reply)
                        placeholder=move || session.t(Key::ReplyPlaceholder)
                        prop:value=move || reply.get()
                        on:input=move |ev| reply.set(event_target_value(&ev))
                    />
                    <button type="submit">{move || session.t(Key::Send)}</button>
                    <button type="button" class="secondary" on:click=move |_| replying.set(false)>
                        {move || session.t(Key::Cancel)}
                    </button>
                </form>
            </Show>
        </div>
    }
}

/// "Edit answer" on an answered question, for those the permission table
/// lets edit answers: the recorded answer in a box, to correct or extend.
/// The edit names the answer it started from; if someone changed the answer
/// meanwhile the server refuses it and the text stays for another try.
#[component]
fn AnswerEditor(session: Session, id: String) -> impl IntoView {
    let draft = Draft::of(session, format!("edit:{id}"));
    let recorded = {
        let id = id.clone();
        Memo::new(move |_| {
            session.room.with(|r| {
                r.comment(&id)
                    .and_then(|c| c.answer.as_ref().map(|a| a.text.clone()))
            })
        })
    };
    // The recorded answer the edit started from.
    let base = RwSignal::new(recorded.get_untracked().unwrap_or_default());
    let editing = RwSignal::new(!draft.is_blank());
    let start = move |_| {
        let now = recorded.get_untracked().unwrap_or_default();
        base.set(now.clone());
        if draft.is_blank() {
            draft.set(now);
        }
        editing.set(true);
    };
    let question = StoredValue::new(id.clone());
    let save = {
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let text = draft.get_untracked().trim().to_owned();
            if text.is_empty() {
                return;
            }
            let command = serde_json::json!({
                "type": "edit_answer",
                "comment_id": question.get_value(),
                "base": base.get_untracked(),
                "text": text.clone(),
            });
            session.send(command, move |ok| {
                if ok {
                    draft.sent(&text);
                    editing.set(false);
                } else if let Some(now) = recorded.try_get_untracked().flatten() {
                    // Next time, based on the answer the card shows now.
                    base.set(now);
                }
            });
        }
    };
    let cancel = move |_| {
        draft.set(String::new());
        editing.set(false);
    };
    view! {
        <Show when=move || recorded.with(Option::is_some) && session.can(Action::EditAnswer)>
            <Show
                when=move || editing.get()
                fallback=move || view! {
                    <button type="button" class="link-button edit-answer" on:click=start>
                        {move || session.t(Key::EditAnswer)}
                    </button>
                }
            >
                <form class="answer-form edit-answer-form" on:submit=save>
                    <textarea
                        class="edit-answer-text"
                        aria-label=move || session.t(Key::EditAnswer)
                        rows="4"
                        maxlength=casebook_core::limits::MAX_ANSWER_CHARS
                        prop:value=move || draft.get()
                        on:input=move |ev| draft.set(event_target_value(&ev))
                    ></textarea>
                    <div class="composer-actions">
                        <button type="submit" class="save-answer" disabled=move || draft.is_blank()>
                            {move || session.t(Key::SaveAnswer)}
                        </button>
                        <button type="button" class="secondary" on:click=cancel>
                            {move || session.t(Key::Cancel)}
                        </button>
                    </div>
                </form>
            </Show>
        </Show>
    }
}
