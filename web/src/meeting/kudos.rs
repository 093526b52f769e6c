//! The kudos wall: cards to people who did great during the incident, added
//! by everyone during the kudos phase, shown full width in large type so the
//! meeting room screen can carry it. The server also writes each card into
//! the document's Kudos section. A half-written card is a draft
//! ([`super::drafts`]): the phase moving on or a reload does not lose it.

use super::drafts::Draft;
use super::Session;
use crate::i18n::Key;
use casebook_core::permission::Action;
use leptos::prelude::*;

/// A few card tints, picked by the card's id so every screen agrees.
const TINTS: [&str; 5] = ["tint-1", "tint-2", "tint-3", "tint-4", "tint-5"];

fn tint(id: &str) -> &'static str {
    let sum: usize = id.bytes().map(usize::from).sum();
    TINTS[sum % TINTS.len()]
}

#[component]
pub fn KudosWall(session: Session) -> impl IntoView {
    let to = Draft::of(session, "kudos:to");
    let text = Draft::of(session, "kudos:text");
    let post = move || {
        let (who, what) = (
            to.get_untracked().trim().to_owned(),
            text.get_untracked().trim().to_owned(),
        );
        if who.is_empty() || what.is_empty() {
            return;
        }
        let command =
            serde_json::json!({ "type": "post_kudos", "to": who.clone(), "text": what.clone() });
        session.send(command, move |ok| {
            if ok {
                to.sent(&who);
                text.sent(&what);
            }
        });
    };
    let ids = move || {
        session
            .room
            .with(|r| r.kudos.iter().map(|k| k.id.clone()).collect::<Vec<_>>())
    };
    view! {
        <section class="kudos-wall" id="kudos-wall" aria-labelledby="kudos-heading">
            <h2 id="kudos-heading">{move || session.t(Key::KudosHeading)}</h2>
            <Show when=move || session.can(Action::PostKudos)>
                <form class="kudos-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    post();
                }>
                    <label for="kudos-to">{move || session.t(Key::KudosTo)}</label>
                    <input
                        id="kudos-to"
                        type="text"
                        maxlength=casebook_core::limits::MAX_KUDOS_TO_CHARS
                        placeholder=move || session.t(Key::KudosToPlaceholder)
                        prop:value=move || to.get()
                        on:input=move |ev| to.set(event_target_value(&ev))
                    />
                    <label for="kudos-text">{move || session.t(Key::KudosText)}</label>
                    <input
                        id="kudos-text"
                        type="text"
                        maxlength=casebook_core::limits::MAX_KUDOS_CHARS
                        placeholder=move || session.t(Key::KudosTextPlaceholder)
                        prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev))
                    />
                    <button
                        type="submit"
                        id="post-kudos"
                        disabled=move || to.is_blank() || text.is_blank()
                    >
                        {move || session.t(Key::PostKudos)}
                    </button>
                </form>
            </Show>
            <Show
                when=move || session.room.with(|r| !r.kudos.is_empty())
                fallback=move || view! { <p class="muted kudos-empty">{move || session.t(Key::NoKudos)}</p> }
            >
                <ul class="kudos-cards" aria-live="polite">
                    <For each=ids key=|id| id.clone() let:id>
                        {
                            let card = session.room.with_untracked(|r| r.kudos.iter().find(|k| k.id == id).cloned());
                            card.map(|k| view! {
                                <li class=format!("kudos-card {}", tint(&k.id))>
                                    <p class="kudos-to">{k.to}</p>
                                    <p class="kudos-text">{k.text}</p>
                                    <p class="kudos-from">{move || session.t(Key::KudosFrom)} " " {k.from.display_name.clone()}</p>
                                </li>
                            })
                        }
                    </For>
                </ul>
            </Show>
        </section>
    }
}
