//! The meeting's HTTP side (README "API", "Meeting commands"): commands with
//! a client-chosen `command_id` and retries, the personal token from `join`,
//! and `GET …/meeting` for what the room does not carry (the survey).
//!
//! A command that got no answer (network gone, server restarting) is sent
//! again with the *same* `command_id`: the server answers a repeated id with
//! success and no new events, so a retry never posts a comment twice.

use crate::api::{call, ApiError};
use crate::storage;
use casebook_core::api::MeetingAnswer;
use serde_json::Value;
use wasm_bindgen_futures::JsFuture;

/// Attempts per command, and the pause before each retry.
const RETRY_DELAYS_MS: [i32; 3] = [300, 1_000, 3_000];

/// A fresh command id: time plus randomness, unique per click.
pub fn new_command_id() -> String {
    format!(
        "{:x}-{:016x}",
        js_sys::Date::now() as u64,
        fastrand::u64(..)
    )
}

pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

fn pm_path(pm: &str, rest: &str) -> String {
    format!(
        "/api/postmortems/{}{rest}",
        js_sys::encode_uri_component(pm)
    )
}

/// Sends one command (`kind` holds `type` and its fields) and returns the
/// server's answer. Retries, with the same command id, while the request
/// gets no answer or a 5xx.
pub async fn send(pm: &str, token: &str, mut kind: Value) -> Result<Value, ApiError> {
    kind["command_id"] = Value::String(new_command_id());
    let body = kind.to_string();
    let path = pm_path(pm, "/commands");
    let mut delays = RETRY_DELAYS_MS.iter();
    loop {
        let result = call::<Value>("POST", &path, token, Some(body.clone())).await;
        let retry = matches!(&result, Err(ApiError::Network(_)))
            || matches!(&result, Err(ApiError::Status(status, _)) if *status >= 500);
        match delays.next() {
            Some(&delay) if retry => sleep(delay).await,
            _ => return result,
        }
    }
}

pub use casebook_core::api::Joined;

/// The last 16 characters of a role link's token: enough to tell two role
/// links of one postmortem apart in one browser, never the whole secret.
pub fn link_tail(role_token: &str) -> String {
    role_token
        .chars()
        .rev()
        .take(16)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect()
}

/// Where the personal token for this postmortem and this role link is kept
/// (two role links of one postmortem in one browser stay two people).
fn storage_key(pm: &str, role_token: &str) -> String {
    format!("casebook.person.{pm}.{}", link_tail(role_token))
}

/// The personal token for `name`: the saved one when its name matches,
/// else a fresh `join` (with the saved personal token when there is one, so
/// a rename keeps the person).
pub async fn personal_token(
    pm: &str,
    role_token: &str,
    name: &str,
    team: &str,
) -> Result<Joined, ApiError> {
    let team = team.trim();
    let key = storage_key(pm, role_token);
    let saved = storage::load(&key).and_then(|text| serde_json::from_str::<Joined>(&text).ok());
    if let Some(saved) = &saved {
        // A token that ended (with a sign-in session) is joined afresh.
        let now_secs = (js_sys::Date::now() / 1000.0) as u64;
        if saved.person.name == name
            && saved.person.team.as_deref().unwrap_or("") == team
            && (saved.expires_at == 0 || saved.expires_at > now_secs)
        {
            return Ok(saved.clone());
        }
    }
    let body = serde_json::json!({ "name": name, "team": team }).to_string();
    let path = pm_path(pm, "/join");
    let mut joined = match &saved {
        Some(saved) => call::<Joined>("POST", &path, &saved.token, Some(body.clone())).await,
        None => Err(ApiError::Unauthorized),
    };
    if matches!(joined, Err(ApiError::Unauthorized)) {
        joined = call::<Joined>("POST", &path, role_token, Some(body)).await;
    }
    let joined = joined?;
    if let Ok(text) = serde_json::to_string(&joined) {
        storage::save(&key, &text);
    }
    Ok(joined)
}

pub async fn meeting_view(pm: &str, token: &str) -> Result<MeetingAnswer, ApiError> {
    call("GET", &pm_path(pm, "/meeting"), token, None).await
}
