//! Arranging the outline from a section's heading: move it up or down,
//! and rename or remove a section someone added (`casebook_core::outline`
//! decides what is allowed; a refusal is shown under the heading).

use super::error_key;
use crate::i18n::{t, Key, Lang};
use crate::sync::Client;
use casebook_core::outline;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

/// Up and down for every section; Rename and Remove for the ones someone
/// added (`is_custom`). `title` is the section's title now.
#[component]
pub(super) fn ArrangeButtons(
    client: Client,
    id: String,
    is_custom: bool,
    title: Callback<(), String>,
    renaming: RwSignal<Option<String>>,
    error: RwSignal<Option<Key>>,
    lang: RwSignal<Lang>,
) -> impl IntoView {
    let outline = client.outline();
    let index = {
        let id = id.clone();
        move || outline.with(|o| o.iter().position(|s| s.id == id).unwrap_or(0))
    };
    let count = move || outline.with(Vec::len);
    let move_to = {
        let client = client.clone();
        let id = id.clone();
        move |to: usize| {
            let _ = client.edit_outline(|txn| outline::move_section(txn, &id, to));
        }
    };
    let (move_up, move_down) = (move_to.clone(), move_to);
    let remove = move |_| match client.edit_outline(|txn| outline::remove_section(txn, &id)) {
        Ok(()) => error.set(None),
        Err(e) => error.set(Some(error_key(&e))),
    };
    let start_rename = move |_| renaming.set(Some(title.run(())));
    view! {
        <button type="button" class="move-up" title=move || t(lang.get(), Key::MoveUp)
            aria-label=move || t(lang.get(), Key::MoveUp)
            disabled={let index = index.clone(); move || index() == 0}
            on:click={let index = index.clone(); move |_| move_up(index().saturating_sub(1))}>"↑"</button>
        <button type="button" class="move-down" title=move || t(lang.get(), Key::MoveDown)
            aria-label=move || t(lang.get(), Key::MoveDown)
            disabled={let index = index.clone(); move || index() + 1 >= count()}
            on:click={let index = index.clone(); move |_| move_down(index() + 1)}>"↓"</button>
        {is_custom.then(|| view! {
            <button type="button" class="rename" on:click=start_rename>
                {move || t(lang.get(), Key::Rename)}
            </button>
            <button type="button" class="remove" on:click=remove>
                {move || t(lang.get(), Key::RemoveSection)}
            </button>
        })}
    }
}

/// The form that renames a section, shown while `renaming` holds the new
/// name being typed.
#[component]
pub(super) fn RenameForm(
    client: Client,
    id: String,
    renaming: RwSignal<Option<String>>,
    error: RwSignal<Option<Key>>,
    lang: RwSignal<Lang>,
) -> impl IntoView {
    let rename = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(name) = renaming.get_untracked() else {
            return;
        };
        match client.edit_outline(|txn| outline::rename_section(txn, &id, &name)) {
            Ok(()) => {
                renaming.set(None);
                error.set(None);
            }
            Err(e) => error.set(Some(error_key(&e))),
        }
    };
    move || {
        renaming.get().is_some().then(|| view! {
        <form class="inline-form rename-form" on:submit=rename.clone()>
            <input type="text" maxlength=casebook_core::limits::MAX_SECTION_TITLE_CHARS
                prop:value=move || renaming.get().unwrap_or_default()
                on:input=move |ev| renaming.set(Some(event_target_value(&ev)))/>
            <button type="submit">{move || t(lang.get(), Key::Save)}</button>
            <button type="button" on:click=move |_| renaming.set(None)>{move || t(lang.get(), Key::Cancel)}</button>
        </form>
    })
    }
}
