//! The server's JSON API (README "API"), called with the page's bearer token.

use casebook_core::case::{PublishRefused, ReadLink};
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

/// Why an API call gave no answer.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// 401: no token, a bad one or an expired one.
    Unauthorized,
    /// 404: no postmortem with that id.
    NotFound,
    /// 409 to publishing: the readiness findings that block it.
    NotReady(Vec<casebook_core::readiness::Finding>),
    /// Any other error status, with the server's `error` text.
    Status(u16, String),
    /// The request never got an answer (server down, network gone).
    Network(String),
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Unauthorized => f.write_str("401 unauthorized"),
            ApiError::NotFound => f.write_str("404 not found"),
            ApiError::NotReady(findings) => {
                write!(f, "409 not ready: {} finding(s)", findings.len())
            }
            ApiError::Status(code, text) => write!(f, "{code} {text}"),
            ApiError::Network(text) => f.write_str(text),
        }
    }
}

pub use casebook_core::api::{Created, PostmortemDetails, PostmortemSummary};
use casebook_core::api::{ErrorBody, MeetingAnswer};

fn js_text(value: JsValue) -> String {
    value
        .as_string()
        .or_else(|| js_sys::JSON::stringify(&value).ok().map(String::from))
        .unwrap_or_else(|| "unknown error".to_owned())
}

/// One JSON request with the bearer token (for every page's API calls).
pub(crate) async fn call<T: DeserializeOwned>(
    method: &str,
    path: &str,
    token: &str,
    body: Option<String>,
) -> Result<T, ApiError> {
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(body) = &body {
        init.set_body(&JsValue::from_str(body));
    }
    let request =
        Request::new_with_str_and_init(path, &init).map_err(|e| ApiError::Network(js_text(e)))?;
    let headers = request.headers();
    let auth = format!("Bearer {token}");
    headers
        .set("Authorization", &auth)
        .map_err(|e| ApiError::Network(js_text(e)))?;
    if body.is_some() {
        headers
            .set("Content-Type", "application/json")
            .map_err(|e| ApiError::Network(js_text(e)))?;
    }
    answer(request).await
}

/// Sends `request` and reads its answer as `T`, or the error it is.
async fn answer<T: DeserializeOwned>(request: Request) -> Result<T, ApiError> {
    let window = web_sys::window().ok_or_else(|| ApiError::Network("no window".into()))?;
    let response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(|e| ApiError::Network(js_text(e)))?;
    let response: Response = response.unchecked_into();
    let text = match response.text() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .ok()
            .and_then(|t| t.as_string()),
        Err(_) => None,
    }
    .unwrap_or_default();
    match response.status() {
        200..=299 => serde_json::from_str(&text).map_err(|e| ApiError::Network(e.to_string())),
        401 => Err(ApiError::Unauthorized),
        404 => Err(ApiError::NotFound),
        status => {
            if status == 409 {
                if let Ok(refused) = serde_json::from_str::<PublishRefused>(&text) {
                    return Err(ApiError::NotReady(refused.findings));
                }
            }
            let message = serde_json::from_str::<ErrorBody>(&text)
                .map(|b| b.error)
                .unwrap_or(text);
            Err(ApiError::Status(status, message))
        }
    }
}

pub async fn list_postmortems(token: &str) -> Result<Vec<PostmortemSummary>, ApiError> {
    call("GET", "/api/postmortems", token, None).await
}

pub async fn create_postmortem(token: &str, title: &str) -> Result<Created, ApiError> {
    let body = serde_json::json!({ "title": title }).to_string();
    call("POST", "/api/postmortems", token, Some(body)).await
}

/// The meeting as everyone may see it (`GET …/meeting`'s `state`), for the
/// rules that read only its public parts.
pub async fn meeting(id: &str, token: &str) -> Result<casebook_core::Meeting, ApiError> {
    let path = format!(
        "/api/postmortems/{}/meeting",
        js_sys::encode_uri_component(id)
    );
    call::<MeetingAnswer>("GET", &path, token, None)
        .await
        .map(|a| a.state.into())
}

pub async fn postmortem(id: &str, token: &str) -> Result<PostmortemDetails, ApiError> {
    let path = format!("/api/postmortems/{}", js_sys::encode_uri_component(id));
    call("GET", &path, token, None).await
}

/// `GET …/read-link`: where the published case can be read.
pub async fn read_link(id: &str, token: &str) -> Result<ReadLink, ApiError> {
    let path = format!(
        "/api/postmortems/{}/read-link",
        js_sys::encode_uri_component(id)
    );
    call("GET", &path, token, None).await
}

/// `PUT …/incident`: when the incident began and the case's time zone.
pub async fn put_incident(
    id: &str,
    token: &str,
    incident: &casebook_core::case::Incident,
) -> Result<casebook_core::case::Incident, ApiError> {
    let path = format!(
        "/api/postmortems/{}/incident",
        js_sys::encode_uri_component(id)
    );
    let body = serde_json::to_string(incident).map_err(|e| ApiError::Network(e.to_string()))?;
    call("PUT", &path, token, Some(body)).await
}

/// `GET …/readiness`: the server's findings (with those only it can make).
pub async fn readiness(
    id: &str,
    token: &str,
) -> Result<casebook_core::readiness::Readiness, ApiError> {
    let path = format!(
        "/api/postmortems/{}/readiness",
        js_sys::encode_uri_component(id)
    );
    call("GET", &path, token, None).await
}

/// `POST /api/postmortems/{id}/images` with a pasted or dropped file's
/// bytes; `alt` becomes the image's text.
pub async fn upload_image(
    id: &str,
    token: &str,
    file: &web_sys::File,
    alt: &str,
) -> Result<casebook_core::api::UploadedImage, ApiError> {
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(file);
    let path = format!(
        "/api/postmortems/{id}/images?alt={}",
        String::from(js_sys::encode_uri_component(alt))
    );
    let request =
        Request::new_with_str_and_init(&path, &init).map_err(|e| ApiError::Network(js_text(e)))?;
    let headers = request.headers();
    headers
        .set("Authorization", &format!("Bearer {token}"))
        .map_err(|e| ApiError::Network(js_text(e)))?;
    headers
        .set("Content-Type", "application/octet-stream")
        .map_err(|e| ApiError::Network(js_text(e)))?;
    answer(request).await
}
