//! `/p/{id}?token=ROLE_TOKEN`: the postmortem, its body co-edited live and
//! the names of everyone here.

use crate::api::{self, ApiError, Details};
use crate::i18n::{t, Key, Lang};
use crate::presence::{save_name, saved_color, saved_name, Presence, PresenceList};
use crate::sync::{sync_url, Client, Status};
use crate::{role_key, Notice};
use casebook_core::Role;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn PostmortemPage(id: String, token: Option<String>, lang: RwSignal<Lang>) -> impl IntoView {
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return view! { <Notice lang key=Key::NeedRoleLink/> }.into_any();
    };
    let details: RwSignal<Option<Result<Details, ApiError>>> = RwSignal::new(None);
    {
        let token = token.clone();
        spawn_local(async move { details.set(Some(api::postmortem(&id, &token).await)) });
    }
    (move || match details.get() {
        None => view! { <p class="muted">{move || t(lang.get(), Key::Loading)}</p> }.into_any(),
        Some(Err(ApiError::Unauthorized)) => {
            view! { <Notice lang key=Key::RoleLinkRefused/> }.into_any()
        }
        Some(Err(ApiError::NotFound)) => {
            view! { <Notice lang key=Key::NoSuchPostmortem/> }.into_any()
        }
        Some(Err(e)) => view! {
            <p class="error">{move || t(lang.get(), Key::NetworkError)} " " {e.to_string()}</p>
        }
        .into_any(),
        Some(Ok(pm)) => view! { <Room pm token=token.clone() lang/> }.into_any(),
    })
    .into_any()
}

/// The page once we know the title and our role.
#[component]
fn Room(pm: Details, token: String, lang: RwSignal<Lang>) -> impl IntoView {
    // `"admin"` is no document role: the server syncs the admin read-only.
    let role = pm.role.parse::<Role>().ok();
    let can_edit = role.is_some_and(Role::can_edit_document);
    let role_label = move || match role {
        Some(role) => t(lang.get(), role_key(role)),
        None => t(lang.get(), Key::RoleAdmin),
    };
    let name = RwSignal::new(saved_name());
    let editing_name = RwSignal::new(name.get_untracked().is_none());
    let url = sync_url(&pm.id, &token);
    view! {
        <section class="room">
            <div class="room-head">
                <h1 class="pm-heading">{pm.title.clone()}</h1>
                <span class="role-badge">{move || t(lang.get(), Key::YourRole)} " " {role_label}</span>
                {(!can_edit).then(|| view! {
                    <span class="readonly-badge">{move || t(lang.get(), Key::ViewerReadOnly)}</span>
                })}
            </div>
            <Show when=move || editing_name.get()>
                <NameForm name editing=editing_name lang/>
            </Show>
            <Show when=move || name.get().is_some()>
                <Live url=url.clone() can_edit name editing_name lang/>
            </Show>
        </section>
    }
}

/// `#display-name` + `#join`: asked the first time, editable later.
#[component]
fn NameForm(
    name: RwSignal<Option<String>>,
    editing: RwSignal<bool>,
    lang: RwSignal<Lang>,
) -> impl IntoView {
    let draft = RwSignal::new(name.get_untracked().unwrap_or_default());
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let chosen: String = draft.get_untracked().trim().chars().take(60).collect();
        if chosen.is_empty() {
            return;
        }
        save_name(&chosen);
        name.set(Some(chosen));
        editing.set(false);
    };
    view! {
        <form class="card name-form" on:submit=submit>
            <label for="display-name">{move || t(lang.get(), Key::YourName)}</label>
            <div class="inline-form">
                <input
                    id="display-name"
                    type="text"
                    maxlength="60"
                    autocomplete="nickname"
                    prop:value=move || draft.get()
                    on:input=move |ev| draft.set(event_target_value(&ev))
                />
                <button id="join" type="submit">{move || t(lang.get(), Key::Join)}</button>
            </div>
            <p class="muted">{move || t(lang.get(), Key::NamePrompt)}</p>
        </form>
    }
}

/// The live part: connection, presence and the textarea `#body`.
#[component]
fn Live(
    url: String,
    can_edit: bool,
    name: RwSignal<Option<String>>,
    editing_name: RwSignal<bool>,
    lang: RwSignal<Lang>,
) -> impl IntoView {
    let color = saved_color();
    let presence = Presence::new(name.get_untracked().unwrap_or_default(), color.clone());
    let client = Client::new(url, can_edit, presence);
    let status = client.status();
    let peers = client.peers();
    let textarea = NodeRef::<leptos::html::Textarea>::new();

    let c = client.clone();
    Effect::new(move |started: Option<bool>| {
        if started == Some(true) {
            return true;
        }
        let Some(el) = textarea.get() else {
            return false;
        };
        c.attach(el);
        c.connect();
        true
    });
    let c = client.clone();
    Effect::new(move |_| {
        if let Some(n) = name.get() {
            c.set_user(n, color.clone());
        }
    });

    let status_key = move || match status.get() {
        Status::Connecting => Key::Connecting,
        Status::Synced => Key::Synced,
        Status::Offline => Key::Offline,
    };
    let (c1, c2, c3, c4, c5, c6) = (
        client.clone(),
        client.clone(),
        client.clone(),
        client.clone(),
        client.clone(),
        client,
    );
    view! {
        <div class="room-bar">
            <span id="connection" class="connection" data-state=move || status.get().as_str()>
                {move || t(lang.get(), status_key())}
            </span>
            <PresenceList peers lang/>
            <button type="button" class="link-button" on:click=move |_| editing_name.set(true)>
                {move || t(lang.get(), Key::ChangeName)}
            </button>
        </div>
        <textarea
            id="body"
            node_ref=textarea
            readonly=!can_edit
            spellcheck="false"
            aria-label=move || t(lang.get(), Key::BodyLabel)
            placeholder=move || t(lang.get(), Key::BodyPlaceholder)
            on:input=move |_| c1.on_input()
            on:compositionstart=move |_| c2.on_composition_start()
            on:compositionend=move |_| c3.on_composition_end()
            on:keyup=move |_| c4.selection_changed()
            on:mouseup=move |_| c5.selection_changed()
            on:select=move |_| c6.selection_changed()
        ></textarea>
    }
}
