//! Serves the built browser bundle (`--web-dir`): static files, and the app's
//! HTML pages: `index.html` (loads the `home` bundle) for `/`, `/library` and
//! `/insights`, `document.html` (the `document` bundle) for `/p/{id}`. The
//! pages are in the OpenAPI document; the static files are not.
//!
//! Static files are sent precompressed when the browser accepts it: `cargo
//! xtask build-web` writes `X.br` and `X.gz` next to the wasm, JS and CSS,
//! and a request for `X` with `Accept-Encoding: br` or `gzip` gets that file
//! with `Content-Encoding` and `X`'s content type (the 1.5 MB wasm goes out as
//! ~0.5 MB). Files without a compressed copy are sent as they are.
//!
//! Caching: `build-web` publishes each build's files under `v/{hash}/`, a
//! name taken from their content, and the pages point there. Those never
//! change, so they are sent as `immutable` for a year: a returning browser
//! asks for none of them again, and a page open across a deploy keeps
//! loading its own build's modules (the three newest builds are kept).
//! Every other file, and every page, must be asked again (`no-cache`,
//! answered 304 while unchanged), so a deploy is seen at once.

use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::{middleware, Router};
use std::path::Path;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeader;

/// Where `build-web` publishes each build's files, under `{hash}/`.
pub const VERSIONED: &str = "/v";

/// How long a browser may keep a file under [`VERSIONED`] without asking.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The static files of `dir`, precompressed where a `.br` / `.gz` copy
/// exists. Every answer says `Vary: Accept-Encoding`, so a cache keeps the
/// encodings apart; `Last-Modified` (and 304 answers) come from `ServeDir`.
/// A file found is to be asked for again each time (`no-cache`).
pub fn assets(dir: &Path) -> Router {
    files(dir).layer(middleware::map_response(|r| cache_for(r, "no-cache")))
}

/// The files of `dir/v` (served at [`VERSIONED`]): as [`assets`], but kept
/// by the browser for a year without asking. Only a file found is: a 404
/// there is not kept.
pub fn versioned_assets(dir: &Path) -> Router {
    files(&dir.join(VERSIONED.trim_start_matches('/')))
        .layer(middleware::map_response(|r| cache_for(r, IMMUTABLE)))
}

fn files(dir: &Path) -> Router {
    let files = ServeDir::new(dir).precompressed_br().precompressed_gzip();
    Router::new().fallback_service(SetResponseHeader::overriding(
        files,
        header::VARY,
        HeaderValue::from_static("accept-encoding"),
    ))
}

async fn cache_for(mut response: Response, policy: &'static str) -> Response {
    let status = response.status();
    if status.is_success() || status == StatusCode::NOT_MODIFIED {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    response
}

/// `/`: the admin page (postmortems, import).
#[utoipa::path(
    get,
    operation_id = "admin_page",
    path = "/",
    tag = "pages",
    responses(
        (status = 200, description = "The admin page; the admin token comes as `?token=`, as in the admin link", content_type = "text/html", body = String),
        (status = 503, description = "The web bundle is not built", content_type = "text/plain", body = String),
    )
)]
pub async fn index(State(app): State<AppState>) -> Response {
    page(&app, "index.html").await
}

/// `/library`: the library of published cases (the same app as `/`).
#[utoipa::path(
    get,
    path = "/library",
    tag = "pages",
    responses(
        (status = 200, description = "The library page", content_type = "text/html", body = String),
        (status = 503, description = "The web bundle is not built", content_type = "text/plain", body = String),
    )
)]
pub async fn library_page(State(app): State<AppState>) -> Response {
    page(&app, "index.html").await
}

/// `/insights`: the facilitators' insights (the same app as `/`).
#[utoipa::path(
    get,
    path = "/insights",
    tag = "pages",
    responses(
        (status = 200, description = "The insights page", content_type = "text/html", body = String),
        (status = 503, description = "The web bundle is not built", content_type = "text/plain", body = String),
    )
)]
pub async fn insights_page(State(app): State<AppState>) -> Response {
    page(&app, "index.html").await
}

/// `/p/{id}`: the postmortem page.
#[utoipa::path(
    get,
    operation_id = "postmortem_page",
    path = "/p/{id}",
    tag = "pages",
    params(crate::openapi::PostmortemId),
    responses(
        (status = 200, description = "The postmortem page; its token comes as `?token=`, as in an invite link", content_type = "text/html", body = String),
        (status = 302, description = "Sign-in is on and this browser is not signed in: to `/auth/login`, returning here"),
        (status = 503, description = "The web bundle is not built", content_type = "text/plain", body = String),
    )
)]
pub async fn document(
    State(app): State<AppState>,
    headers: axum::http::HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    // With sign-in on, the link is opened signed in: to the provider and
    // back to this same address (its role token kept).
    let back = uri.path_and_query().map_or("/", |p| p.as_str());
    if let Some(sign_in) = crate::oidc::needs_sign_in(&app, &headers, back) {
        return sign_in;
    }
    page(&app, "document.html").await
}

/// An HTML page of the bundle with its Content-Security-Policy (the hashes
/// of its own inline scripts).
async fn page(app: &AppState, file: &str) -> Response {
    let path = app.config.web_dir.join(file);
    match tokio::fs::read_to_string(&path).await {
        Ok(html) => {
            let csp = crate::headers::app_csp(&html);
            (
                [
                    (header::CACHE_CONTROL, "no-cache".to_owned()),
                    (header::CONTENT_SECURITY_POLICY, csp),
                ],
                Html(html),
            )
                .into_response()
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "The web bundle is not built ({} is missing). Start Casebook with `cargo xtask run`, \
                 which builds it, or pass --web-dir.",
                path.display()
            ),
        )
            .into_response(),
    }
}
