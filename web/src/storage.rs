//! localStorage: the display name, its colour, the language choice, the
//! local replica of each document ([`crate::persist`]) and the meeting's
//! drafts (`meeting::drafts`).
//!
//! Storage can be unavailable (private windows, disabled cookies); then
//! nothing is remembered and nothing fails.

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The saved value of `key`, if any.
pub fn load(key: &str) -> Option<String> {
    local_storage()?.get_item(key).ok().flatten()
}

/// Saves `value` under `key`, silently doing nothing without storage.
pub fn save(key: &str, value: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(key, value);
    }
}

/// Forgets `key`, silently doing nothing without storage.
pub fn remove(key: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(key);
    }
}

/// Saves `value` under `key`; returns whether it was stored (storage can be
/// missing or full).
pub fn try_save(key: &str, value: &str) -> bool {
    local_storage().is_some_and(|storage| storage.set_item(key, value).is_ok())
}
