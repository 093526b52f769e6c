//! Proposals: undecided suggestions come up one by one; the author or the
//! facilitator accepts one (it becomes a to-do for revision) or declines it
//! with a reason. The reason is a draft per suggestion ([`super::drafts`]).

use super::cards::CommentCard;
use super::drafts::Draft;
use super::{highlight_selector, scroll_to, Session};
use crate::i18n::{suggestion_position, Key};
use casebook_core::comment::CommentKind;
use casebook_core::permission::Action;
use leptos::prelude::*;

#[component]
pub fn ProposalsPanel(session: Session) -> impl IntoView {
    // Undecided suggestions, in the order they were posted.
    let pending = Memo::new(move |_| {
        session.room.with(|r| {
            r.comments
                .iter()
                .filter(|c| c.kind == CommentKind::Suggestion && c.decision.is_none())
                .map(|c| c.id.clone())
                .collect::<Vec<_>>()
        })
    });
    let total = move || session.room.with(|r| r.counts.suggestions);
    // Which pending suggestion this page shows ("later" moves on).
    let skip = RwSignal::new(0usize);
    let current = Memo::new(move |_| {
        let pending = pending.get();
        (!pending.is_empty()).then(|| pending[skip.get() % pending.len()].clone())
    });
    Effect::new(move |_| {
        if let Some(id) = current.get() {
            session.focus.set(Some(id.clone()));
            scroll_to(highlight_selector(&id), true);
        }
    });
    on_cleanup(move || session.focus.set(None));
    // The reason for declining the current suggestion.
    let reason = move || {
        current
            .get()
            .map(|id| Draft::of(session, format!("decline:{id}")))
    };
    let reason_text = move || reason().map(|r| r.get()).unwrap_or_default();
    let declining = RwSignal::new(false);
    // A reason being written when the page was left is open again.
    Effect::new(move |_| {
        let written = current.get().is_some_and(|id| {
            let draft = Draft::of(session, format!("decline:{id}"));
            !draft.get_untracked().trim().is_empty()
        });
        declining.set(written);
    });
    let accept = move |_| {
        if let Some(id) = current.get_untracked() {
            session.send(
                serde_json::json!({ "type": "accept_suggestion", "comment_id": id }),
                |_| {},
            );
        }
    };
    let decline = move || {
        let Some(id) = current.get_untracked() else {
            return;
        };
        let draft = Draft::of(session, format!("decline:{id}"));
        let text = draft.get_untracked().trim().to_owned();
        if text.is_empty() {
            return;
        }
        let command = serde_json::json!({ "type": "decline_suggestion", "comment_id": id, "reason": text.clone() });
        session.send(command, move |ok| {
            if ok {
                draft.sent(&text);
            }
        });
    };
    let decided = move || total() as usize - pending.with(Vec::len).min(total() as usize);
    view! {
        <section class="stage-panel proposals-panel" id="proposals" aria-live="polite">
            <h2 class="sidebar-heading">
                {move || session.t(Key::ProposalsHeading)} " "
                <span class="count">{move || suggestion_position(session.lang.get(), decided(), total() as usize)}</span>
            </h2>
            {move || match current.get() {
                None => view! { <p class="muted">{move || session.t(Key::NoPendingSuggestions)}</p> }.into_any(),
                Some(id) => view! { <div class="spotlight-card"><CommentCard session id/></div> }.into_any(),
            }}
            <Show when=move || current.get().is_some() && session.can(Action::DecideSuggestion)>
                <div class="panel-actions">
                    <button type="button" id="accept-suggestion" class="ok" on:click=accept>
                        {move || session.t(Key::Accept)}
                    </button>
                    <button
                        type="button"
                        id="decline-suggestion"
                        class="secondary"
                        aria-expanded=move || declining.get().to_string()
                        on:click=move |_| declining.update(|d| *d = !*d)
                    >
                        {move || session.t(Key::Decline)}
                    </button>
                    <Show when=move || { pending.with(Vec::len) > 1 }>
                        <button type="button" class="link-button" on:click=move |_| skip.update(|s| *s += 1)>
                            {move || session.t(Key::Later)}
                        </button>
                    </Show>
                </div>
                <Show when=move || declining.get()>
                    <form class="decline-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        decline();
                    }>
                        <label for="decline-reason">{move || session.t(Key::ReasonLabel)}</label>
                        <input
                            id="decline-reason"
                            type="text"
                            maxlength=casebook_core::limits::MAX_REASON_CHARS
                            placeholder=move || session.t(Key::DeclineReasonPlaceholder)
                            prop:value=reason_text
                            on:input=move |ev| {
                                if let Some(r) = reason() {
                                    r.set(event_target_value(&ev));
                                }
                            }
                        />
                        <button type="submit" disabled=move || reason_text().trim().is_empty()>
                            {move || session.t(Key::Decline)}
                        </button>
                    </form>
                </Show>
            </Show>
        </section>
    }
}
