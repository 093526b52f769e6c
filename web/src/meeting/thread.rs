//! Threads like a document editor's, on a comment card: whoever wrote a
//! comment or a reply edits or deletes it while core's rule lets it change
//! (`Comment::may_change`, `may_change_reply`: until it is answered or
//! decided), marked "edited" with the time; participants +1 questions;
//! long texts fold after six lines behind "Show more"; and each comment has
//! a link (`#c-{id}`, see [`super::link`]).
//!
//! Only the author's own controls appear here; whose words they are is
//! the server's to check (the person of the token), and it does. An edit
//! being written is a draft ([`super::drafts`]), so it survives a reload.

use super::drafts::Draft;
use super::Session;
use crate::i18n::{edited, votes, Key, Lang};
use casebook_core::comment::{Comment, CommentKind, Reply};
use casebook_core::permission::Action;
use leptos::prelude::*;
use std::collections::BTreeSet;

/// A part of a card someone writes: the comment itself or one reply.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Part {
    Comment,
    Reply(String),
}

impl Part {
    /// The draft that holds an edit of this part.
    fn draft(&self, session: Session, comment_id: &str) -> Draft {
        match self {
            Part::Comment => Draft::of(session, format!("comment-edit:{comment_id}")),
            Part::Reply(reply) => Draft::of(session, format!("reply-edit:{comment_id}:{reply}")),
        }
    }

    fn reply_id(&self) -> Option<&str> {
        match self {
            Part::Comment => None,
            Part::Reply(id) => Some(id),
        }
    }
}

/// What a card's thread is doing: which part is being edited, which one
/// asks "delete?", which ones are unfolded. Kept by the card, outside its
/// body, which is drawn again whenever the comment changes.
#[derive(Clone, Copy)]
pub struct CardState {
    comment_id: StoredValue<String>,
    editing: RwSignal<Option<Part>>,
    confirming: RwSignal<Option<Part>>,
    expanded: RwSignal<BTreeSet<Part>>,
}

impl CardState {
    /// A card's state; an edit left half-written (before a reload) is open.
    pub fn new(session: Session, comment: Option<&Comment>) -> CardState {
        let comment_id = comment.map(|c| c.id.clone()).unwrap_or_default();
        let mut parts = vec![Part::Comment];
        if let Some(c) = comment {
            parts.extend(c.replies.iter().map(|r| Part::Reply(r.id.clone())));
        }
        let editing = parts
            .into_iter()
            .find(|part| !part.draft(session, &comment_id).is_blank_untracked());
        CardState {
            comment_id: StoredValue::new(comment_id),
            editing: RwSignal::new(editing),
            confirming: RwSignal::new(None),
            expanded: RwSignal::new(BTreeSet::new()),
        }
    }
}

/// Whether `author_id` is us and our role may `action` now (tracked).
fn mine(session: Session, author_id: &str, action: Action) -> bool {
    session.my_id().as_deref() == Some(author_id) && session.can(action)
}

/// A moment as people read it on a card: the time today, else date and
/// time, in the case's incident zone when it has one.
fn short_time(lang: Lang, at_ms: u64) -> (String, String) {
    crate::incident::meeting_time(lang, at_ms)
}

/// "edited 14:03", with the full date and time on hover.
#[component]
pub fn EditedMark(session: Session, at_ms: Option<u64>) -> impl IntoView {
    at_ms.map(|at_ms| {
        view! {
            <span class="edited" title=move || short_time(session.lang.get(), at_ms).1>
                {move || {
                    let lang = session.lang.get();
                    edited(lang, &short_time(lang, at_ms).0)
                }}
            </span>
        }
    })
}

/// A comment's or reply's text, folded after six lines with "Show more";
/// or, while its author edits it, the edit box.
#[component]
pub fn ThreadText(
    session: Session,
    state: CardState,
    part: Part,
    text: String,
    class: &'static str,
) -> impl IntoView {
    let editing = {
        let part = part.clone();
        move || state.editing.with(|e| e.as_ref() == Some(&part))
    };
    move || {
        if editing() {
            view! { <EditForm session state part=part.clone()/> }.into_any()
        } else {
            view! { <Folded session state part=part.clone() text=text.clone() class/> }.into_any()
        }
    }
}

#[component]
fn Folded(
    session: Session,
    state: CardState,
    part: Part,
    text: String,
    class: &'static str,
) -> impl IntoView {
    let node = NodeRef::<leptos::html::Div>::new();
    let overflows = RwSignal::new(false);
    let expanded = {
        let part = part.clone();
        Memo::new(move |_| state.expanded.with(|e| e.contains(&part)))
    };
    // Measured once drawn: folded text taller than its six lines. (The body
    // may have been drawn anew meanwhile, this one gone: then nothing.)
    request_animation_frame(move || {
        if let Some(element) = node.try_get_untracked().flatten() {
            if element.scroll_height() > element.client_height() + 1 {
                overflows.set(true);
            }
        }
    });
    let toggle = move |ev: leptos::ev::MouseEvent| {
        ev.stop_propagation();
        let part = part.clone();
        state.expanded.update(|e| {
            if !e.remove(&part) {
                e.insert(part);
            }
        });
    };
    view! {
        <div
            node_ref=node
            class=move || format!("{class} {}", if expanded.get() { "unfolded" } else { "folded" })
        >
            {text}
        </div>
        <Show when=move || overflows.get()>
            <button
                type="button"
                class="link-button show-more"
                aria-expanded=move || expanded.get().to_string()
                on:click=toggle.clone()
            >
                {move || session.t(if expanded.get() { Key::ShowLess } else { Key::ShowMore })}
            </button>
        </Show>
    }
}

/// The box in which an author rewrites their comment or reply.
#[component]
fn EditForm(session: Session, state: CardState, part: Part) -> impl IntoView {
    let comment_id = state.comment_id.get_value();
    let draft = part.draft(session, &comment_id);
    let reply_id = part.reply_id().map(str::to_owned);
    let save = move || {
        let text = draft.get_untracked().trim().to_owned();
        if text.is_empty() {
            return;
        }
        let mut command = serde_json::json!({
            "type": "edit_comment",
            "comment_id": comment_id.clone(),
            "text": text.clone(),
        });
        if let Some(reply) = &reply_id {
            command["reply_id"] = reply.clone().into();
        }
        session.send(command, move |ok| {
            if ok {
                draft.sent(&text);
                state.editing.set(None);
            }
        });
    };
    let save_on_key = save.clone();
    let cancel = move |_| {
        draft.set(String::new());
        state.editing.set(None);
    };
    view! {
        <form class="edit-comment-form" on:click=|ev| ev.stop_propagation() on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            save();
        }>
            <textarea
                class="edit-comment-text"
                rows="3"
                aria-label=move || session.t(Key::EditComment)
                maxlength=casebook_core::limits::MAX_TEXT_CHARS
                prop:value=move || draft.get()
                on:input=move |ev| draft.set(event_target_value(&ev))
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
                        ev.prevent_default();
                        save_on_key();
                    }
                }
            ></textarea>
            <div class="composer-actions">
                <button type="submit" class="save-edit" disabled=move || draft.is_blank()>
                    {move || session.t(Key::Save)}
                </button>
                <button type="button" class="secondary" on:click=cancel>
                    {move || session.t(Key::Cancel)}
                </button>
            </div>
        </form>
    }
}

/// "Edit" and "Delete" on what we wrote, while it may change; "Delete"
/// asks first.
#[component]
pub fn OwnActions(
    session: Session,
    state: CardState,
    part: Part,
    author_id: String,
    text: String,
    changeable: bool,
    /// What "Delete" asks first.
    question: Key,
) -> impl IntoView {
    let can_edit = {
        let author_id = author_id.clone();
        move || changeable && mine(session, &author_id, Action::EditComment)
    };
    let can_delete = move || changeable && mine(session, &author_id, Action::DeleteComment);
    let comment_id = state.comment_id.get_value();
    let draft = part.draft(session, &comment_id);
    let start_edit = {
        let part = part.clone();
        move |_| {
            if draft.is_blank_untracked() {
                draft.set(text.clone());
            }
            state.confirming.set(None);
            state.editing.set(Some(part.clone()));
        }
    };
    let ask = {
        let part = part.clone();
        move |_| state.confirming.set(Some(part.clone()))
    };
    let asking = {
        let part = part.clone();
        move || state.confirming.with(|c| c.as_ref() == Some(&part))
    };
    let editing = {
        let part = part.clone();
        move || state.editing.with(|e| e.as_ref() == Some(&part))
    };
    let delete = move |_| {
        let mut command =
            serde_json::json!({ "type": "delete_comment", "comment_id": comment_id.clone() });
        if let Some(reply) = part.reply_id() {
            command["reply_id"] = reply.into();
        }
        session.send(command, move |ok| {
            if ok {
                draft.set(String::new());
            }
            state.confirming.set(None);
        });
    };
    let asking_edit = asking.clone();
    let asking_delete = asking.clone();
    let editing_delete = editing.clone();
    view! {
        <span class="own-actions" on:click=|ev| ev.stop_propagation()>
            <Show when=move || can_edit() && !editing() && !asking_edit()>
                <button type="button" class="link-button edit-comment" on:click=start_edit.clone()>
                    {move || session.t(Key::EditComment)}
                </button>
            </Show>
            <Show when=move || can_delete() && !editing_delete() && !asking_delete()>
                <button type="button" class="link-button delete-comment" on:click=ask.clone()>
                    {move || session.t(Key::DeleteComment)}
                </button>
            </Show>
            <Show when=asking>
                <span class="confirm-delete" role="group">
                    <span>{move || session.t(question)}</span> " "
                    <button type="button" class="danger confirm-delete-yes" on:click=delete.clone()>
                        {move || session.t(Key::DeleteComment)}
                    </button>
                    <button type="button" class="secondary" on:click=move |_| state.confirming.set(None)>
                        {move || session.t(Key::Cancel)}
                    </button>
                </span>
            </Show>
        </span>
    }
}

/// One reply in a thread: who, what (folded when long), "edited", and
/// the writer's own edit and delete.
#[component]
pub fn ReplyItem(
    session: Session,
    state: CardState,
    comment: Comment,
    reply: Reply,
) -> impl IntoView {
    let changeable = comment.may_change_reply(&reply);
    let part = Part::Reply(reply.id.clone());
    view! {
        <li data-reply=reply.id.clone()>
            <span class="author">{reply.author.display_name.clone()}</span> " "
            <EditedMark session at_ms=reply.edited_at_ms/>
            <ThreadText session state part=part.clone() text=reply.text.clone() class="reply-text"/>
            <OwnActions
                session
                state
                part
                author_id=reply.author.participant_id.clone()
                text=reply.text.clone()
                changeable
                question=Key::ConfirmDeleteReply
            />
        </li>
    }
}

/// A question's +1s: a toggle for those who may vote while it is open,
/// else the count (when there is one).
#[component]
pub fn Votes(session: Session, comment: Comment) -> impl IntoView {
    if comment.kind != CommentKind::Question || comment.is_deleted() {
        return ().into_any();
    }
    let count = comment.votes.len();
    let open = comment.is_open_question();
    let voters = comment.votes.clone();
    let voted = Memo::new(move |_| session.my_id().is_some_and(|me| voters.contains(&me)));
    let id = comment.id.clone();
    let toggle = move |ev: leptos::ev::MouseEvent| {
        ev.stop_propagation();
        let kind = if voted.get_untracked() {
            "unvote"
        } else {
            "vote"
        };
        session.send(
            serde_json::json!({ "type": kind, "comment_id": id.clone() }),
            |_| {},
        );
    };
    let label = move || votes(session.lang.get(), count);
    view! {
        <Show
            when=move || open && session.can(Action::Vote)
            fallback=move || (count > 0).then(|| view! {
                <span class="votes" title=label aria-label=label>"+1 " {count}</span>
            })
        >
            <button
                type="button"
                class="vote-button"
                aria-pressed=move || voted.get().to_string()
                title=move || session.t(if voted.get() { Key::TakeBackVote } else { Key::VoteThis })
                aria-label=move || format!(
                    "{} ({})",
                    session.t(if voted.get() { Key::TakeBackVote } else { Key::VoteThis }),
                    label()
                )
                on:click=toggle.clone()
            >
                "+1 " <span class="vote-count">{count}</span>
            </button>
        </Show>
    }
    .into_any()
}

/// The comment's link: opens the page scrolled to its card.
#[component]
pub fn CommentLink(session: Session, id: String) -> impl IntoView {
    view! {
        <a
            class="comment-link"
            href=super::link::address(&id)
            title=move || session.t(Key::CommentLinkLabel)
            aria-label=move || session.t(Key::CommentLinkLabel)
            on:click=|ev| ev.stop_propagation()
        >
            {move || session.t(Key::CommentLink)}
        </a>
    }
}
