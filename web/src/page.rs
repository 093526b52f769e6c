//! `/p/{id}?token=ROLE_TOKEN`: the postmortem, its sections co-edited live,
//! and everyone here.

use crate::api::{self, ApiError, PostmortemDetails};
use crate::i18n::{t, Key, Lang};
use crate::meeting::{LazyCasePanel, LazyMeetingBar, LazyMeetingSidebar};
use crate::presence::{
    save_name, save_team, saved_color, saved_name, saved_team, Presence, PresenceList,
};
use crate::sections::{OutlineNav, SectionList, ViewSwitch};
use crate::socket::sync_url;
use crate::sync::{Client, Status};
use crate::{role_key, Notice};
use casebook_core::permission::{allowed, Action};
use casebook_core::Role;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

#[component]
pub fn PostmortemPage(id: String, token: Option<String>, lang: RwSignal<Lang>) -> impl IntoView {
    // The role link's token is remembered and leaves the address bar; an
    // address without one (a reload, a comment's link) uses the remembered
    // one (see `access`).
    if let Some(token) = token.filter(|t| !t.is_empty()) {
        crate::access::remember(&id, &token);
        crate::access::strip_from_address();
        return view! { <Opened id token lang/> }.into_any();
    }
    if let Some(token) = crate::access::remembered(&id) {
        return view! { <Opened id token lang/> }.into_any();
    }
    // A comment's link carries no access: say so, rather than the plain
    // "needs an invite link".
    let missing = if crate::meeting::names_a_comment() {
        Key::LinkCarriesNoAccess
    } else {
        Key::NeedRoleLink
    };
    // Signed in through the identity provider, in its admin group: the
    // session opens it as the admin token would (the admin's list links here
    // without a token).
    let admin = RwSignal::new(None::<bool>);
    spawn_local(
        async move { admin.set(Some(crate::signin::who().await.is_some_and(|me| me.admin))) },
    );
    (move || match admin.get() {
        None => view! { <p class="muted">{move || t(lang.get(), Key::Loading)}</p> }.into_any(),
        Some(true) => view! { <Opened id=id.clone() token=String::new() lang/> }.into_any(),
        Some(false) => view! { <Notice lang key=missing/> }.into_any(),
    })
    .into_any()
}

/// The page opened with a token (empty for a signed-in admin).
#[component]
fn Opened(id: String, token: String, lang: RwSignal<Lang>) -> impl IntoView {
    let details: RwSignal<Option<Result<PostmortemDetails, ApiError>>> = RwSignal::new(None);
    // Who is signed in and the postmortem are asked for at once (two
    // requests in flight, not one after the other); the room waits for both.
    let who_known = RwSignal::new(false);
    // The document's socket is opened now too, in parallel with both: its
    // handshake with the server is most of the wait for an editable page,
    // and it needs only the address. The editor adopts it once it is
    // rendered (`socket::open_early`). Not for a first visit that asks the
    // name first, which may take a while.
    if saved_name().is_some() {
        crate::socket::open_early(&sync_url(&id, "", &token), crate::sync::kept_state(&id));
        crate::marks::mark(crate::marks::SOCKET_OPENING);
    }
    spawn_local(async move {
        // Signed in: the provider's name is the one shown.
        if let Some(me) = crate::signin::who().await {
            save_name(&me.name);
            if let Some(team) = &me.team {
                save_team(team);
            }
        }
        who_known.set(true);
    });
    {
        let token = token.clone();
        spawn_local(async move {
            let answer = api::postmortem(&id, &token).await;
            if let Err(e) = &answer {
                crate::socket::discard_early();
                if crate::signin::again_if_ended(e) {
                    return;
                }
                if matches!(e, ApiError::Unauthorized) {
                    // Expired or revoked: not offered again to a later link.
                    crate::access::forget(&id, &token);
                }
            }
            crate::marks::mark(crate::marks::POSTMORTEM);
            details.set(Some(answer))
        });
    }
    (move || match details.get().filter(|_| who_known.get()) {
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
fn Room(pm: PostmortemDetails, token: String, lang: RwSignal<Lang>) -> impl IntoView {
    // `"admin"` is no document role: the server syncs the admin read-only.
    let role = pm.role.parse::<Role>().ok();
    // The meeting's times are shown in the case's incident zone, if set.
    crate::incident::set_case_zone(pm.incident.map(|i| i.utc_offset_minutes));
    let can_edit = role.is_some_and(Role::can_edit_document);
    let can_arrange = role.is_some_and(|r| allowed(r, pm.phase, Action::ArrangeSections));
    let role_label = move || match role {
        Some(role) => t(lang.get(), role_key(role)),
        None => t(lang.get(), Key::RoleAdmin),
    };
    let name = RwSignal::new(saved_name());
    // Signed in, the name is the provider's: only the team is asked, unless
    // the provider gives it too; asked once, even when left blank.
    let team_unasked = saved_team().is_none() && !crate::signin::team_given();
    let editing_name = RwSignal::new(name.get_untracked().is_none() || team_unasked);
    let url = sync_url(&pm.id, "", &token);
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
                <Live pm_id=pm.id.clone() token=token.clone() url=url.clone() can_edit can_arrange name editing_name lang/>
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
    use casebook_core::limits::{MAX_JOIN_NAME_CHARS, MAX_TEAM_CHARS};
    // Signed in, the provider names the person; it may give the team too.
    let ask_name = !crate::signin::signed_in();
    let ask_team = !crate::signin::team_given();
    let draft = RwSignal::new(name.get_untracked().unwrap_or_default());
    let team = RwSignal::new(saved_team().unwrap_or_default());
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let chosen: String = draft
            .get_untracked()
            .trim()
            .chars()
            .take(MAX_JOIN_NAME_CHARS)
            .collect();
        if chosen.is_empty() {
            return;
        }
        if ask_team {
            let typed = team.get_untracked();
            let kept = casebook_core::meeting::team_name(&typed)
                .ok()
                .flatten()
                .unwrap_or_default();
            save_team(&kept);
        }
        save_name(&chosen);
        name.set(Some(chosen));
        editing.set(false);
    };
    view! {
        <form class="card name-form" on:submit=submit>
            {ask_name.then(|| view! {
                <label for="display-name">{move || t(lang.get(), Key::YourName)}</label>
                <input
                    id="display-name"
                    type="text"
                    maxlength=MAX_JOIN_NAME_CHARS
                    autocomplete="nickname"
                    prop:value=move || draft.get()
                    on:input=move |ev| draft.set(event_target_value(&ev))
                />
            })}
            {ask_team.then(|| view! {
                <label for="team">{move || t(lang.get(), Key::YourTeam)}</label>
                <input
                    id="team"
                    type="text"
                    maxlength=MAX_TEAM_CHARS
                    autocomplete="organization-title"
                    prop:value=move || team.get()
                    on:input=move |ev| team.set(event_target_value(&ev))
                />
            })}
            <div class="inline-form">
                <button id="join" type="submit">
                    {move || t(lang.get(), if ask_name { Key::Join } else { Key::SaveTeam })}
                </button>
            </div>
            <p class="muted">
                {move || t(lang.get(), if ask_name { Key::NamePrompt } else { Key::TeamPrompt })}
            </p>
        </form>
    }
}

/// The live part: connection, presence, undo/redo, the outline, the
/// sections, and the slots of the meeting (`#meeting-bar`, `#sidebar`).
#[component]
fn Live(
    pm_id: String,
    token: String,
    url: String,
    can_edit: bool,
    can_arrange: bool,
    name: RwSignal<Option<String>>,
    editing_name: RwSignal<bool>,
    lang: RwSignal<Lang>,
) -> impl IntoView {
    let presence = Presence::new(name.get_untracked().unwrap_or_default(), saved_color());
    let client = Client::new(pm_id.clone(), url, can_edit, presence);
    crate::marks::mark(crate::marks::REPLICA);
    client.connect();
    // Effects run once the view is in the DOM: the editor's first render.
    Effect::new(|_| crate::marks::mark(crate::marks::EDITOR_RENDERED));
    follow_reading(&client);
    let status = client.status();
    let peers = client.peers();
    let c = client.clone();
    Effect::new(move |_| {
        if let Some(n) = name.get() {
            c.rename(n);
        }
    });

    let status_key = move || match status.get() {
        Status::Connecting => Key::Connecting,
        Status::Synced => Key::Synced,
        Status::Offline => Key::Offline,
        Status::Revoked => Key::LinkRevoked,
        Status::Unsaved => Key::NotSavedYet,
    };
    // The meeting UI's and the case panel's modules (meeting/split.rs) are
    // fetched once the document has answered (or failed to), so that they
    // do not compete with the document's own sync for the network.
    let settled = RwSignal::new(false);
    Effect::new(move |_| {
        // Set once: setting it again would mount the meeting UI again.
        if status.get() != Status::Connecting && !settled.get_untracked() {
            settled.set(true);
        }
    });
    let (can_undo, can_redo) = (client.can_undo(), client.can_redo());
    let (undo, redo) = (client.clone(), client.clone());
    view! {
        <div class="room-bar">
            <span id="connection" class="connection" data-state=move || status.get().as_str()>
                {move || t(lang.get(), status_key())}
            </span>
            <PresenceList peers lang/>
            <ViewSwitch client=client.clone() lang/>
            {can_edit.then(|| view! {
                <span class="undo-redo">
                    <button id="undo" type="button" disabled=move || !can_undo.get()
                        title="Ctrl+Z" on:click=move |_| undo.undo()>
                        {move || t(lang.get(), Key::Undo)}
                    </button>
                    <button id="redo" type="button" disabled=move || !can_redo.get()
                        title="Ctrl+Shift+Z" on:click=move |_| redo.redo()>
                        {move || t(lang.get(), Key::Redo)}
                    </button>
                </span>
            })}
            {(!crate::signin::signed_in()).then(|| view! {
                <button type="button" class="link-button" on:click=move |_| editing_name.set(true)>
                    {move || t(lang.get(), Key::ChangeName)}
                </button>
            })}
            {crate::signin::signed_in().then(|| view! { <SignOut lang/> })}
        </div>
        <div id="meeting-bar">
            {
                let (pm_id, token, client) = (pm_id.clone(), token.clone(), client.clone());
                move || settled.get().then(|| view! {
                    <LazyMeetingBar pm_id=pm_id.clone() token=token.clone() client=client.clone() lang/>
                })
            }
        </div>
        <div class="workspace">
            <div class="rail">
                <OutlineNav client=client.clone() can_arrange lang/>
                {
                    let (pm_id, token, client) = (pm_id.clone(), token.clone(), client.clone());
                    move || settled.get().then(|| view! {
                        <LazyCasePanel pm_id=pm_id.clone() token=token.clone() client=client.clone() lang/>
                    })
                }
            </div>
            <a class="skip-link" id="skip-to-comments" href="#comments-heading" on:click=skip_to_comments>
                {move || t(lang.get(), Key::SkipToComments)}
            </a>
            <SectionList client=client.clone() token=token.clone() can_arrange lang/>
            <aside class="sidebar" id="sidebar">
                {
                    let client = client.clone();
                    move || settled.get().then(|| view! {
                        <LazyMeetingSidebar pm_id=pm_id.clone() token=token.clone() client=client.clone() lang/>
                    })
                }
            </aside>
        </div>
    }
}

/// The skip link from the editors: focus moves to the comments' heading
/// (made focusable for it), as a keyboard or screen-reader user expects.
fn skip_to_comments(ev: leptos::ev::MouseEvent) {
    let Some(heading) = document().get_element_by_id("comments-heading") else {
        return;
    };
    ev.prevent_default();
    let _ = heading.set_attribute("tabindex", "-1");
    if let Ok(heading) = heading.dyn_into::<web_sys::HtmlElement>() {
        let _ = heading.focus();
        heading.scroll_into_view();
    }
}

/// Tells the others which section we are reading: the one we type in while
/// it is in view, else the last one whose top scrolled above the upper quarter
/// of the window.
fn follow_reading(client: &Client) {
    let client = client.clone();
    let handle = window_event_listener(leptos::ev::scroll, move |_| {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let height = window()
            .inner_height()
            .ok()
            .and_then(|h| h.as_f64())
            .unwrap_or(600.0);
        // Typing in a section that is in view: that is where we are.
        if let Some(active) = document
            .active_element()
            .filter(|a| a.class_list().contains("section-text"))
        {
            let rect = active.get_bounding_client_rect();
            if rect.bottom() > 0.0 && rect.top() < height {
                client.reading(active.get_attribute("data-section"));
                return;
            }
        }
        let line = height / 4.0;
        let Ok(sections) = document.query_selector_all(".doc-section") else {
            return;
        };
        let mut reading = None;
        for i in 0..sections.length() {
            let Some(el) = sections
                .item(i)
                .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
            else {
                continue;
            };
            if el.get_bounding_client_rect().top() <= line || reading.is_none() {
                reading = el.get_attribute("data-section");
            }
        }
        client.reading(reading);
    });
    std::mem::forget(handle);
}

/// `#sign-out`, with sign-in on: ends the session here and says so.
#[component]
fn SignOut(lang: RwSignal<Lang>) -> impl IntoView {
    let done = RwSignal::new(false);
    let click = move |_| {
        spawn_local(async move {
            if crate::signin::sign_out().await {
                done.set(true);
            }
        })
    };
    view! {
        <Show
            when=move || done.get()
            fallback=move || view! {
                <button id="sign-out" type="button" class="link-button" on:click=click>
                    {move || t(lang.get(), Key::SignOut)}
                </button>
            }
        >
            <span id="signed-out" class="muted" role="status">{move || t(lang.get(), Key::SignedOut)}</span>
        </Show>
    }
}
