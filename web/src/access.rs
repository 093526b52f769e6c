//! The role link's token on the postmortem page, kept in this browser so
//! that the page's address never carries it once read.
//!
//! Opening `/p/{id}?token=…` remembers the token for postmortem `id` and
//! takes `?token=` out of the address bar (`history.replaceState`, no
//! reload), so the address and every link made from it (a comment's
//! `#c-{id}` link) carry no access: copying the address bar, sharing a
//! comment's link or a screenshot of the address shares no facilitator
//! rights. A page opened without a token uses the one remembered here for
//! that postmortem: a reload, a comment link opened in another tab.
//!
//! Where it is kept, and why there: `sessionStorage` first (this tab's own
//! link: two role links of one postmortem in two tabs stay two roles across
//! reloads), else `localStorage` (the last role link of that postmortem
//! opened in this browser: a comment link pasted into a new tab). Both are
//! readable only by this origin's pages, and neither is ever sent anywhere
//! by the browser by itself (a cookie would go with every request, and to
//! the identity provider's redirects' return address), so the token still
//! travels only in this server's `Authorization` headers and socket
//! addresses, as before. Nothing else runs on this origin: the pages load
//! no third-party script (the CSP in `server::headers` allows only `'self'`).
//! Signing out forgets them with the personal tokens (`signin.rs`).
//!
//! It does not decide anything: the server checks the token on every
//! request, and an expired or revoked one is refused as before.

use crate::storage;
use wasm_bindgen::JsValue;

/// Prefix of the keys (both storages) that hold a postmortem's role token.
pub const KEY_PREFIX: &str = "casebook.access.";

fn key(pm: &str) -> String {
    format!("{KEY_PREFIX}{pm}")
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// Remembers `token` as this tab's and this browser's role link for `pm`.
pub fn remember(pm: &str, token: &str) {
    if let Some(tab) = session_storage() {
        let _ = tab.set_item(&key(pm), token);
    }
    storage::save(&key(pm), token);
}

/// The role token remembered for `pm`: this tab's, else this browser's.
pub fn remembered(pm: &str) -> Option<String> {
    let tab = session_storage().and_then(|s| s.get_item(&key(pm)).ok().flatten());
    tab.or_else(|| storage::load(&key(pm)))
        .filter(|t| !t.is_empty())
}

/// Forgets `token` for `pm` wherever it is remembered (it was refused).
pub fn forget(pm: &str, token: &str) {
    if let Some(tab) = session_storage() {
        if tab.get_item(&key(pm)).ok().flatten().as_deref() == Some(token) {
            let _ = tab.remove_item(&key(pm));
        }
    }
    if storage::load(&key(pm)).as_deref() == Some(token) {
        storage::remove(&key(pm));
    }
}

/// Forgets every role token this tab remembers (signing out; the
/// browser's own are forgotten with the personal tokens).
pub fn forget_this_tabs() {
    let Some(tab) = session_storage() else {
        return;
    };
    let count = tab.length().unwrap_or(0);
    let keys: Vec<String> = (0..count)
        .filter_map(|i| tab.key(i).ok().flatten())
        .filter(|key| key.starts_with(KEY_PREFIX))
        .collect();
    for key in keys {
        let _ = tab.remove_item(&key);
    }
}

/// `search` (a location's `?…`, possibly empty) without its `token`
/// parameter; the other parameters keep their order.
pub fn search_without_token(search: &str) -> String {
    let kept: Vec<&str> = search
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| !pair.is_empty() && *pair != "token" && !pair.starts_with("token="))
        .collect();
    if kept.is_empty() {
        String::new()
    } else {
        format!("?{}", kept.join("&"))
    }
}

/// Takes `?token=` out of the address bar, keeping the path, the other
/// parameters and the fragment, without reloading or adding a history
/// entry. (`history` through `Reflect`: one call does not need web-sys's
/// `History` binding in the bundle.)
pub fn strip_from_address() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let location = window.location();
    let search = location.search().unwrap_or_default();
    let clean = search_without_token(&search);
    if clean == search {
        return;
    }
    let address = format!(
        "{}{}{}",
        location.pathname().unwrap_or_default(),
        clean,
        location.hash().unwrap_or_default()
    );
    let replaced = (|| {
        let history = js_sys::Reflect::get(&window, &JsValue::from_str("history")).ok()?;
        let replace = js_sys::Reflect::get(&history, &JsValue::from_str("replaceState")).ok()?;
        let replace: js_sys::Function = wasm_bindgen::JsCast::dyn_into(replace).ok()?;
        replace
            .call3(
                &history,
                &JsValue::NULL,
                &JsValue::from_str(""),
                &JsValue::from_str(&address),
            )
            .ok()
    })();
    if replaced.is_none() {
        web_sys::console::warn_1(&"casebook: the address still shows the token".into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_leaves_the_search_and_nothing_else_does() {
        assert_eq!(search_without_token("?token=abc"), "");
        assert_eq!(search_without_token(""), "");
        assert_eq!(search_without_token("?id=1&token=abc&x"), "?id=1&x");
        assert_eq!(search_without_token("?tokens=1"), "?tokens=1");
        assert_eq!(search_without_token("?token"), "");
    }
}
