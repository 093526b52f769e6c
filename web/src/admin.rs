//! `/?token=ADMIN`: the list of postmortems and the form that creates one and
//! shows the four role links to hand out.

use crate::api::{self, ApiError, Created, PostmortemSummary};
use crate::i18n::{t, Key, Lang};
use crate::{role_key, Notice};
use casebook_core::Role;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

#[component]
pub fn AdminHome(token: Option<String>, lang: RwSignal<Lang>) -> impl IntoView {
    if let Some(token) = token.filter(|t| !t.is_empty()) {
        return view! { <AdminPages token lang/> }.into_any();
    }
    // Signed in through the identity provider, in its admin group: the
    // session is the admin's credential (the requests carry no token).
    let admin = RwSignal::new(None::<bool>);
    spawn_local(
        async move { admin.set(Some(crate::signin::who().await.is_some_and(|me| me.admin))) },
    );
    (move || match admin.get() {
        None => view! { <p class="muted">{move || t(lang.get(), Key::Loading)}</p> }.into_any(),
        Some(true) => view! { <AdminPages token=String::new() lang/> }.into_any(),
        Some(false) => view! { <Notice lang key=Key::NeedAdminLink/> }.into_any(),
    })
    .into_any()
}

/// The admin's page, with the admin token (empty for a signed-in admin).
#[component]
fn AdminPages(token: String, lang: RwSignal<Lang>) -> impl IntoView {
    let list: RwSignal<Option<Result<Vec<PostmortemSummary>, ApiError>>> = RwSignal::new(None);
    let reload = {
        let token = token.clone();
        move || {
            let token = token.clone();
            spawn_local(async move { list.set(Some(api::list_postmortems(&token).await)) });
        }
    };
    reload();
    let refused = move || matches!(list.get(), Some(Err(ApiError::Unauthorized)));
    view! {
        <Show
            when=move || !refused()
            fallback=move || view! { <Notice lang key=Key::AdminLinkRefused/> }
        >
            <section class="card">
                <h1>{move || t(lang.get(), Key::Postmortems)}</h1>
                <PostmortemList list token=token.clone() lang/>
            </section>
            <NewPostmortem token=token.clone() lang on_created=reload.clone()/>
            <crate::import::ImportMarkdown token=token.clone() lang on_created=reload.clone()/>
            <crate::library::AdminLinks token=token.clone() lang/>
        </Show>
    }
    .into_any()
}

/// Unix seconds, in the reader's locale.
fn format_time(secs: u64, lang: Lang) -> String {
    let date = js_sys::Date::new(&JsValue::from_f64(secs as f64 * 1000.0));
    date.to_locale_string(lang.code(), &JsValue::UNDEFINED)
        .into()
}

/// `#postmortems`: newest first, as the server sends them.
#[component]
fn PostmortemList(
    list: RwSignal<Option<Result<Vec<PostmortemSummary>, ApiError>>>,
    token: String,
    lang: RwSignal<Lang>,
) -> impl IntoView {
    move || match list.get() {
        None => view! { <p class="muted">{t(lang.get(), Key::Loading)}</p> }.into_any(),
        Some(Err(e)) => view! {
            <p class="error">{t(lang.get(), Key::NetworkError)} " " {e.to_string()}</p>
        }
        .into_any(),
        Some(Ok(items)) if items.is_empty() => {
            view! { <p class="muted">{t(lang.get(), Key::NoPostmortems)}</p> }.into_any()
        }
        Some(Ok(items)) => {
            let lang_now = lang.get();
            let rows = items
                .into_iter()
                .map(|pm| {
                    let href = format!(
                        "/p/{}?token={}",
                        js_sys::encode_uri_component(&pm.id),
                        js_sys::encode_uri_component(&token)
                    );
                    view! {
                        <li>
                            <a class="pm-title" href=href>{pm.title}</a>
                            <span class="pm-created">{format_time(pm.created_at, lang_now)}</span>
                            <span class="pm-phase">{pm.phase.as_str()}</span>
                        </li>
                    }
                })
                .collect_view();
            view! { <ul id="postmortems" class="pm-list">{rows}</ul> }.into_any()
        }
    }
}

/// The "New postmortem" form and, once created, its role links.
#[component]
fn NewPostmortem(
    token: String,
    lang: RwSignal<Lang>,
    on_created: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let title = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let created: RwSignal<Option<Created>> = RwSignal::new(None);
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let text = title.get_untracked().trim().to_owned();
        if text.is_empty() || busy.get_untracked() {
            return;
        }
        busy.set(true);
        let token = token.clone();
        let on_created = on_created.clone();
        spawn_local(async move {
            match api::create_postmortem(&token, &text).await {
                Ok(pm) => {
                    created.set(Some(pm));
                    error.set(None);
                    title.set(String::new());
                    on_created();
                }
                Err(e) => error.set(Some(e.to_string())),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card">
            <h2>{move || t(lang.get(), Key::NewPostmortem)}</h2>
            <form class="inline-form" on:submit=submit>
                <input
                    id="new-title"
                    type="text"
                    maxlength=casebook_core::limits::MAX_POSTMORTEM_TITLE_CHARS
                    placeholder=move || t(lang.get(), Key::TitlePlaceholder)
                    prop:value=move || title.get()
                    on:input=move |ev| title.set(event_target_value(&ev))
                />
                <button id="create" type="submit" disabled=move || busy.get()>
                    {move || t(lang.get(), Key::Create)}
                </button>
            </form>
            {move || error.get().map(|e| view! { <p class="error">{e}</p> })}
            {move || created.get().map(|pm| view! { <RoleLinks pm lang/> })}
        </section>
    }
}

#[component]
pub(crate) fn RoleLinks(pm: Created, lang: RwSignal<Lang>) -> impl IntoView {
    let rows = Role::ALL
        .into_iter()
        .filter_map(|role| {
            let link = pm.links.get(&role)?.clone();
            Some(view! {
                <li>
                    <span class="role-name">{move || t(lang.get(), role_key(role))}</span>
                    <a class="role-link" data-role=role.as_str() href=link.clone() target="_blank">
                        {link.clone()}
                    </a>
                    <CopyButton text=link lang/>
                </li>
            })
        })
        .collect_view();
    view! {
        <div class="role-links">
            <h3>{move || t(lang.get(), Key::RoleLinksFor)} " " <q>{pm.title.clone()}</q></h3>
            <ul>{rows}</ul>
        </div>
    }
}

#[component]
pub(crate) fn CopyButton(text: String, lang: RwSignal<Lang>) -> impl IntoView {
    let label = RwSignal::new(Key::Copy);
    let copy = move |_| {
        let text = text.clone();
        spawn_local(async move {
            let copied = copy_to_clipboard(&text).await;
            label.set(if copied { Key::Copied } else { Key::CopyFailed });
        });
    };
    view! {
        <button type="button" class="copy" on:click=copy>
            {move || t(lang.get(), label.get())}
        </button>
    }
}

/// `navigator.clipboard` exists only on secure origins (https, localhost).
async fn copy_to_clipboard(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let navigator = window.navigator();
    let available = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard"))
        .is_ok_and(|c| !c.is_undefined() && !c.is_null());
    if !available {
        return false;
    }
    JsFuture::from(navigator.clipboard().write_text(text))
        .await
        .is_ok()
}
