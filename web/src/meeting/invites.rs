//! The facilitator's invite panel on the meeting page: mint a link for a
//! role with an expiry (`POST …/invites`), copy it, and see the links still
//! usable (`GET …/invites`), and revoke one after a confirmation
//! (`DELETE …/invites/{id}`: whoever uses it is disconnected at once; the
//! link this page was opened with is marked and has no revoke button, as
//! the server refuses it). Inviting other teams is the facilitator's first
//! job, so the panel is open while the case is a draft and folded after.
//!
//! Only shown to those the permission table lets mint invites; the server
//! refuses everyone else anyway.

use super::Session;
use crate::admin::CopyButton;
use crate::api::{call, ApiError};
use crate::i18n::{invite_expiry, Key};
use crate::role_key;
use casebook_core::api::Invite;
use casebook_core::permission::Action;
use casebook_core::phase::Phase;
use casebook_core::Role;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Roles a link can be minted for, most asked for first.
const ROLES: [Role; 4] = [
    Role::Participant,
    Role::Author,
    Role::Viewer,
    Role::Facilitator,
];

/// Expiries offered, in days.
const EXPIRY_DAYS: [u64; 4] = [1, 7, 30, 90];

fn invites_path(pm: &str) -> String {
    format!(
        "/api/postmortems/{}/invites",
        js_sys::encode_uri_component(pm)
    )
}

/// "2026-12-09 18:30" in the browser's time zone.
fn local_time(unix_secs: u64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(unix_secs as f64 * 1000.0));
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date(),
        date.get_hours(),
        date.get_minutes()
    )
}

#[component]
pub fn InvitePanel(session: Session) -> impl IntoView {
    let role = RwSignal::new(Role::Participant);
    let days = RwSignal::new(7u64);
    let busy = RwSignal::new(false);
    let minted = RwSignal::new(None::<Invite>);
    let usable = RwSignal::new(Vec::<Invite>::new());
    let error = RwSignal::new(None::<String>);
    // The invite whose revocation is being confirmed.
    let confirming = RwSignal::new(None::<String>);
    let token = move || session.role_token.get_value();
    let refresh = move || {
        spawn_local(async move {
            match call::<Vec<Invite>>("GET", &invites_path(&session.pm()), &token(), None).await {
                Ok(all) => usable.set(all.into_iter().filter(|i| i.link.is_some()).collect()),
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let mint = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        let body = serde_json::json!({
            "role": role.get_untracked(),
            "expires_in_days": days.get_untracked(),
        })
        .to_string();
        spawn_local(async move {
            let answer: Result<Invite, ApiError> =
                call("POST", &invites_path(&session.pm()), &token(), Some(body)).await;
            busy.set(false);
            match answer {
                Ok(invite) => {
                    error.set(None);
                    minted.set(Some(invite));
                    refresh();
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let revoke = move |id: String| {
        confirming.set(None);
        let path = format!(
            "{}/{}",
            invites_path(&session.pm()),
            js_sys::encode_uri_component(&id)
        );
        spawn_local(async move {
            match call::<Invite>("DELETE", &path, &token(), None).await {
                Ok(_) => {
                    error.set(None);
                    if minted.with_untracked(|m| m.as_ref().is_some_and(|m| m.id == id)) {
                        minted.set(None);
                    }
                    refresh();
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let opened = StoredValue::new(false);
    let open_now = move || {
        // Open while drafting; the first look at the list loads it.
        let open = session.phase() == Phase::Drafting;
        if open && !opened.get_value() {
            opened.set_value(true);
            refresh();
        }
        open
    };
    let lang = session.lang;
    view! {
        <Show when=move || session.can(Action::MintInvite)>
            <details
                class="invite-panel"
                id="invite-panel"
                prop:open=open_now
                on:toggle=move |_| if !opened.get_value() { opened.set_value(true); refresh(); }
            >
                <summary>{move || session.t(Key::InvitePeople)}</summary>
                <form class="invite-form" on:submit=mint>
                    <label>
                        {move || session.t(Key::InviteRole)} " "
                        <select id="invite-role" on:change=move |ev| {
                            if let Ok(r) = event_target_value(&ev).parse() { role.set(r) }
                        }>
                            {ROLES.into_iter().map(|r| view! {
                                <option value=r.as_str() selected=move || role.get() == r>
                                    {move || session.t(role_key(r))}
                                </option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label>
                        {move || session.t(Key::InviteExpiry)} " "
                        <select id="invite-days" on:change=move |ev| {
                            if let Ok(d) = event_target_value(&ev).parse() { days.set(d) }
                        }>
                            {EXPIRY_DAYS.into_iter().map(|d| view! {
                                <option value=d.to_string() selected=move || days.get() == d>
                                    {move || invite_expiry(lang.get(), d)}
                                </option>
                            }).collect_view()}
                        </select>
                    </label>
                    <button type="submit" id="mint-invite" disabled=move || busy.get()>
                        {move || session.t(Key::MintInvite)}
                    </button>
                </form>
                {move || error.get().map(|e| view! { <p class="meeting-error" role="alert">{e}</p> })}
                {move || minted.get().and_then(|invite| {
                    let link = invite.link.clone()?;
                    Some(view! {
                        <p class="minted-invite" id="minted-invite" data-role=invite.role.as_str()>
                            <span class="role-name">{move || session.t(role_key(invite.role))}</span>
                            <input
                                type="text"
                                readonly
                                id="minted-link"
                                aria-label=move || session.t(Key::InviteLink)
                                prop:value=link.clone()
                                on:focus=move |ev| {
                                    use wasm_bindgen::JsCast;
                                    if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                                        input.select();
                                    }
                                }
                            />
                            <CopyButton text=link lang/>
                            <span class="muted">
                                {move || session.t(Key::InviteExpires)} " " {local_time(invite.expires_at)}
                            </span>
                        </p>
                    })
                })}
                <Show when=move || usable.with(|u| !u.is_empty())>
                    <h4 class="invite-list-heading">{move || session.t(Key::UsableInvites)}</h4>
                    <ul class="invite-list" id="invite-list">
                        <For each=move || usable.get() key=|i| i.id.clone() let:invite>
                            <li data-invite=invite.id.clone() data-role=invite.role.as_str()>
                                <span class="role-name">{move || session.t(role_key(invite.role))}</span>
                                <span class="muted">
                                    {move || session.t(Key::InviteExpires)} " " {local_time(invite.expires_at)}
                                </span>
                                {invite.link.clone().map(|link| view! { <CopyButton text=link lang/> })}
                                {if invite.yours {
                                    view! { <span class="badge your-link">{move || session.t(Key::YourLink)}</span> }.into_any()
                                } else {
                                    view! { <RevokeButton session id=invite.id.clone() confirming revoke/> }.into_any()
                                }}
                            </li>
                        </For>
                    </ul>
                </Show>
            </details>
        </Show>
    }
}

/// "Revoke", then the question with "Revoke" and "Cancel" in its place.
#[component]
fn RevokeButton(
    session: Session,
    id: String,
    confirming: RwSignal<Option<String>>,
    revoke: impl Fn(String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let asking = {
        let id = id.clone();
        move || confirming.with(|c| c.as_ref() == Some(&id))
    };
    let (ask_id, yes_id) = (id.clone(), id);
    view! {
        <Show
            when=asking
            fallback=move || {
                let id = ask_id.clone();
                view! {
                    <button type="button" class="link-button revoke-invite"
                        on:click=move |_| confirming.set(Some(id.clone()))>
                        {move || session.t(Key::RevokeInvite)}
                    </button>
                }
            }
        >
            <span class="confirm-delete" role="group">
                <span>{move || session.t(Key::ConfirmRevokeInvite)}</span> " "
                {
                    let id = yes_id.clone();
                    view! {
                        <button type="button" class="danger confirm-revoke"
                            on:click=move |_| revoke(id.clone())>
                            {move || session.t(Key::RevokeInvite)}
                        </button>
                    }
                }
                <button type="button" class="secondary" on:click=move |_| confirming.set(None)>
                    {move || session.t(Key::Cancel)}
                </button>
            </span>
        </Show>
    }
}
