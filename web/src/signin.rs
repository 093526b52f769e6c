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
}

/// Who is signed in here; `None` when sign-in is off or no one is.
pub async fn who() -> Option<SignedIn> {
    let me = api::call::<SignedIn>("GET", "/auth/me", "", None)
        .await
        .ok();
    SIGNED_IN.with(|s| s.set(me.is_some()));
    me
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
