//! Sign-in through the identity provider, when the server has it on: who
//! is signed in (`GET /auth/me`), and back to the provider when the
//! session ended, returning to this same page (what was being typed is in
//! localStorage already, see `meeting/drafts.rs`).
//!
//! The server sends a browser that is not signed in to the provider before
//! the page loads; this module only learns the name and notices the end.

use crate::api::{self, ApiError};
use casebook_core::api::SignedIn;
use std::cell::Cell;

thread_local! {
    static SIGNED_IN: Cell<bool> = const { Cell::new(false) };
    static TEAM_GIVEN: Cell<bool> = const { Cell::new(false) };
}

/// Who is signed in here; `None` when sign-in is off or no one is.
pub async fn who() -> Option<SignedIn> {
    let me = api::call::<SignedIn>("GET", "/auth/me", "", None)
        .await
        .ok();
    SIGNED_IN.with(|s| s.set(me.is_some()));
    TEAM_GIVEN.with(|s| s.set(me.as_ref().is_some_and(|m| m.team.is_some())));
    me
}

/// Whether the provider gives the signed-in person's team (the operator
/// set `--oidc-team-claim` and the claim was there): then it is not asked.
pub fn team_given() -> bool {
    TEAM_GIVEN.with(Cell::get)
}

/// Whether this page was opened signed in (the name is the provider's).
pub fn signed_in() -> bool {
    SIGNED_IN.with(Cell::get)
}

/// After a refusal: when the page was signed in, the session ended, so sign
/// in again and come back here. Returns whether it navigates away.
pub fn again_if_ended(error: &ApiError) -> bool {
    if !signed_in() || !matches!(error, ApiError::Unauthorized) {
        return false;
    }
    let Some(window) = web_sys::window() else {
        return false;
    };
    let location = window.location();
    let here = format!(
        "{}{}",
        location.pathname().unwrap_or_default(),
        location.search().unwrap_or_default()
    );
    let to = format!(
        "/auth/login?return={}",
        String::from(js_sys::encode_uri_component(&here))
    );
    location.set_href(&to).is_ok()
}

/// Ends the session here (`POST /auth/logout`, 204); whether it ended.
pub async fn sign_out() -> bool {
    use wasm_bindgen::JsCast;
    let Some(window) = web_sys::window() else {
        return false;
    };
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    let answer =
        wasm_bindgen_futures::JsFuture::from(window.fetch_with_str_and_init("/auth/logout", &init))
            .await;
    let ended = answer
        .ok()
        .and_then(|r| r.dyn_into::<web_sys::Response>().ok())
        .is_some_and(|r| r.status() == 204);
    if ended {
        forget_personal_tokens(&window);
    }
    ended
}

/// The personal tokens made while signed in end with the session: none is
/// left in this browser for the next person at it, and neither are the
/// role links remembered for its postmortems (`access`).
fn forget_personal_tokens(window: &web_sys::Window) {
    let Ok(Some(storage)) = window.local_storage() else {
        return;
    };
    let count = storage.length().unwrap_or(0);
    let keys: Vec<String> = (0..count)
        .filter_map(|i| storage.key(i).ok().flatten())
        .filter(|key| {
            key.starts_with("casebook.person.") || key.starts_with(crate::access::KEY_PREFIX)
        })
        .collect();
    for key in keys {
        crate::storage::remove(&key);
    }
    crate::access::forget_this_tabs();
}
