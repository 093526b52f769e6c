//! Casebook's browser client: a leptos (CSR) app compiled to wasm32.
//!
//! Pages, chosen from `window.location` (README "Pages"):
//! - `/?token=ADMIN` ([`admin`]): list postmortems, create one, hand out its
//!   role links;
//! - `/p/{id}?token=ROLE` ([`page`]): the postmortem body co-edited live in a
//!   textarea, with presence;
//! - `/library?token=ANY` ([`library`]): the published cases, searchable;
//! - `/insights?token=ADMIN` ([`insights`]): facilitator insights with charts.
//!
//! The live document is a yrs `Doc` created by `casebook_core::document`,
//! synced over the y-websocket protocol framed by `casebook_core::protocol`
//! ([`sync`]); the textarea binding lives in [`editor`] and [`diff`], and a
//! selection in a rendered section is read back as Markdown by [`reading`]. The
//! meeting (phase bar, comments, spotlight, proposals, kudos, revision,
//! survey) is [`meeting`], mounted by [`page`] in its slots. Every
//! user-facing string is in [`i18n`] (English and Japanese). User text is
//! only ever rendered as text, never as HTML.
//!
//! This crate is a library; the wasm bundles are the cdylib crates in
//! `web/bundles/`: `home` calls [`start_home`] (admin, library, insights;
//! `index.html`) and `document` calls [`start_document`] (the postmortem
//! page; `document.html`). Each links only the pages it can mount, so the
//! postmortem page does not download the admin pages and the other way round.

mod access;
mod admin;
mod api;
mod backdrop;
mod case_panel;
mod diff;
mod editor;
mod i18n;
mod images;
mod import;
mod incident;
mod insights;
mod library;
mod marks;
mod meeting;
mod page;
mod persist;
mod presence;
mod reading;
mod sections;
mod signin;
mod socket;
mod storage;
mod sync;

use casebook_core::Role;
use i18n::{t, Key, Lang};
use leptos::prelude::*;

/// Mounts the home bundle's pages: `/`, `/library`, `/insights`.
pub fn start_home() {
    mount_to_body(|| {
        app(|route, token, lang| {
            let token = home_token(&route, token);
            home_page(route, token, lang)
        })
    });
}

/// The token of a home page (`/`, `/library`, `/insights`), kept out of the
/// address bar like a role link's on the postmortem page (`access`): read
/// from `?token=`, remembered for this page and taken out of the address;
/// a page opened without one (a reload, a bookmark, the address copied to a
/// screen share) uses the one remembered. The admin token is the one that
/// most needs it: the admin link is what `casebook serve` prints.
fn home_token(route: &Route, token: Option<String>) -> Option<String> {
    let location = window().location();
    let search = location.search().unwrap_or_default();
    // Per page, and per postmortem for one meeting's insights: a
    // facilitator's token for one meeting is not the admin's for all.
    let meeting = web_sys::UrlSearchParams::new_with_str(&search)
        .ok()
        .and_then(|params| params.get("id"));
    let page = match (route, meeting) {
        (Route::Insights, Some(id)) => format!("/insights?id={id}"),
        (Route::Insights, None) => "/insights".to_owned(),
        (Route::Library, _) => "/library".to_owned(),
        _ => "/".to_owned(),
    };
    match token.filter(|t| !t.is_empty()) {
        Some(token) => {
            access::remember(&page, &token);
            access::strip_from_address();
            Some(token)
        }
        None => access::remembered(&page),
    }
}

/// The home bundle's page for `route`, opened with `token`.
fn home_page(route: Route, token: Option<String>, lang: RwSignal<Lang>) -> Option<AnyView> {
    match route {
        Route::Admin => Some(view! { <admin::AdminHome token lang/> }.into_any()),
        Route::Library => Some(view! { <library::LibraryPage token lang/> }.into_any()),
        Route::Insights => Some(view! { <insights::InsightsPage token lang/> }.into_any()),
        Route::Postmortem(_) | Route::NotFound => None,
    }
}

/// Mounts the document bundle's page: `/p/{id}`.
pub fn start_document() {
    marks::mark(marks::MAIN);
    mount_to_body(|| {
        app(|route, token, lang| match route {
            Route::Postmortem(id) => {
                Some(view! { <page::PostmortemPage id token lang/> }.into_any())
            }
            _ => None,
        })
    });
    marks::mark(marks::MOUNTED);
}

/// Which page the address asks for.
enum Route {
    Admin,
    Postmortem(String),
    Library,
    Insights,
    NotFound,
}

fn route(path: &str) -> Route {
    let path = path.trim_end_matches('/');
    if path.is_empty() || path == "/index.html" {
        return Route::Admin;
    }
    match path {
        "/library" => return Route::Library,
        "/insights" => return Route::Insights,
        _ => {}
    }
    match path.strip_prefix("/p/") {
        Some(id) if !id.is_empty() && !id.contains('/') => Route::Postmortem(
            js_sys::decode_uri_component(id)
                .map(String::from)
                .unwrap_or_else(|_| id.to_owned()),
        ),
        _ => Route::NotFound,
    }
}

/// The `token` query parameter.
fn token(search: &str) -> Option<String> {
    web_sys::UrlSearchParams::new_with_str(search)
        .ok()?
        .get("token")
}

/// The page shell (title bar, language switch) around the page that `page`
/// makes for the address; pages `page` does not know are "not found" (the
/// server never sends a bundle's HTML page for them).
fn app(
    page: impl FnOnce(Route, Option<String>, RwSignal<Lang>) -> Option<AnyView>,
) -> impl IntoView {
    let lang = RwSignal::new(Lang::detect());
    Effect::new(move |_| {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", lang.get().code());
        }
    });
    let location = window().location();
    let path = location.pathname().unwrap_or_default();
    let token = token(&location.search().unwrap_or_default());
    let content = page(route(&path), token, lang)
        .unwrap_or_else(|| view! { <Notice lang key=Key::PageNotFound/> }.into_any());
    view! {
        <header class="titlebar">
            <span class="brand">"Casebook"</span>
            <LangSwitch lang/>
        </header>
        <main class="content">{content}</main>
    }
}

/// The EN/日本語 switch.
#[component]
fn LangSwitch(lang: RwSignal<Lang>) -> impl IntoView {
    let choose = move |choice: Lang| {
        choice.save();
        lang.set(choice);
    };
    view! {
        <div class="lang-switch" role="group" aria-label="Language">
            <button type="button" class:active=move || lang.get() == Lang::En on:click=move |_| choose(Lang::En)>
                "EN"
            </button>
            <button type="button" class:active=move || lang.get() == Lang::Ja on:click=move |_| choose(Lang::Ja)>
                "日本語"
            </button>
        </div>
    }
}

/// A full-width message that explains what to do.
#[component]
fn Notice(lang: RwSignal<Lang>, key: Key) -> impl IntoView {
    view! { <p class="card notice">{move || t(lang.get(), key)}</p> }
}

/// The i18n key naming `role`.
pub(crate) fn role_key(role: Role) -> Key {
    match role {
        Role::Facilitator => Key::RoleFacilitator,
        Role::Author => Key::RoleAuthor,
        Role::Participant => Key::RoleParticipant,
        Role::Viewer => Key::RoleViewer,
    }
}
