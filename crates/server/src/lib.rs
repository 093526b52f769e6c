//! Casebook's server: thin glue between HTTP/WebSocket and the domain.
//!
//! - [`app`]: the server as a value, [`app::App::open`] from
//!   [`app::Settings`], then [`app::App::serve`] on a listener; `main.rs`
//!   only parses flags ([`flags`]) and waits for signals.
//! - [`sync`]: `GET /sync/{id}` and `/sync/{id}/meeting`, the y-websocket
//!   protocol, one [`room`] per document; [`meeting_room`]: what the server
//!   projects into the read-only meeting room; [`upgrade`]: the WebSocket
//!   handshake and fragmented sends of large messages.
//! - [`api`]: the JSON command API, described by [`openapi`] (served at
//!   `/api/openapi.json`); [`auth`]: token signing and what role
//!   the admin acts with; [`invite`]: invite links and the extractors
//!   (`Admitted`, `Admin`, `AnyMember`) that admit every request and socket.
//! - [`oidc`]: sign-in through the company's identity provider (OpenID
//!   Connect), an option beside role links.
//! - [`meeting`]: meeting commands through the core engine, stored as events.
//! - [`insights`]: facilitator insights as JSON.
//! - [`library`]: the tantivy index of published cases and `/api/library`.
//! - [`images`]: images pasted into the document: upload (checked by
//!   their bytes), and serving them so that they can only ever be images.
//! - [`diagram`]: ```mermaid blocks drawn as sanitised, static SVG.
//! - [`case`]: the case as a whole: readiness, the publishing check, the
//!   read link, export and import.
//! - [`store`]: sled storage behind a trait; [`nats`]: the same on a NATS
//!   JetStream cluster (cluster mode); [`commit`]: group commit;
//!   [`backup`]: consistent backups while running, and restore.
//! - [`web`]: serves the browser bundle; [`headers`]: Content-Security-Policy
//!   and the other security headers on every answer.
//! - [`limits`]: per-socket and per-document limits; [`listen`]: the accept
//!   loop (header read timeout, graceful shutdown); [`memory`]: freed heap
//!   handed back to the operating system after rooms unload.
//! - [`metrics`]: the Prometheus metrics, recorded through named methods and
//!   served on their own listener (`--metrics-bind`).

pub mod api;
pub mod app;
pub mod auth;
pub mod backup;
pub mod case;
pub mod commit;
pub mod diagram;
pub mod error;
pub mod flags;
pub mod headers;
pub mod images;
pub mod insights;
pub mod invite;
pub mod library;
pub mod limits;
pub mod listen;
pub mod meeting;
pub mod meeting_room;
pub mod memory;
pub mod metrics;
pub mod nats;
pub mod oidc;
pub mod openapi;
pub mod room;
pub mod store;
pub mod sync;
pub mod upgrade;
pub mod versions;
pub mod wal;
pub mod web;

use auth::Auth;
use axum::Router;
use room::Rooms;
use std::path::PathBuf;
use std::sync::Arc;
use store::Store;

/// Settings the handlers need.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Base of the links the server prints and hands out, without a trailing `/`.
    pub public_url: String,
    pub web_dir: PathBuf,
    pub max_frame_bytes: usize,
    /// Sockets, message rate, awareness and document size.
    pub limits: Arc<limits::Limits>,
    /// Image uploads: largest image, most images per postmortem.
    pub images: images::ImageSettings,
}

impl ServerConfig {
    /// The page of a postmortem, opened with `token`.
    pub fn page_link(&self, id: &str, token: &str) -> String {
        format!("{}/p/{id}?token={token}", self.public_url)
    }
}

/// Everything the handlers share.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub auth: Arc<Auth>,
    pub rooms: Arc<Rooms>,
    pub meetings: Arc<meeting::Meetings>,
    pub library: Arc<library::Library>,
    pub config: Arc<ServerConfig>,
    pub metrics: Arc<metrics::Metrics>,
    /// When each unused image was first found unused (`images/gc.rs`).
    pub unused_images: Arc<images::gc::UnusedImages>,
    /// Sign-in through the identity provider, when the operator turned it on.
    pub oidc: Option<Arc<oidc::Oidc>>,
}

/// Runs a blocking store call off the async runtime.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, store::StoreError> + Send + 'static,
) -> Result<T, error::ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| error::ApiError::internal("storage call interrupted"))?
        .map_err(error::ApiError::from)
}

/// Largest JSON body the API reads.
const MAX_JSON_BYTES: usize = 1 << 20;

/// The server's routes and the OpenAPI document that describes them, built
/// together: every route is registered through `routes!`, which takes its
/// path and method from the handler's `#[utoipa::path]` (see [`openapi`]).
/// Handlers that share a path are listed in one `routes!`.
pub fn routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    use utoipa_axum::router::OpenApiRouter;
    use utoipa_axum::routes;
    let (router, api) = OpenApiRouter::with_openapi(openapi::base())
        .routes(routes!(api::healthz))
        .routes(routes!(openapi::document))
        .routes(routes!(backup::download))
        .routes(routes!(api::create_postmortem, api::list_postmortems))
        .routes(routes!(case::import))
        .routes(routes!(api::get_postmortem))
        .routes(routes!(case::get_readiness))
        .routes(routes!(case::get_read_link))
        .routes(routes!(case::put_incident))
        .routes(routes!(case::export_markdown))
        .routes(routes!(case::export_html))
        .routes(routes!(case::read_page))
        .routes(routes!(images::upload))
        .routes(routes!(images::get_image))
        .routes(routes!(diagram::mermaid_svg))
        .routes(routes!(library::get_library))
        .routes(routes!(insights::get_all_insights))
        .routes(routes!(insights::get_meeting_insights))
        .routes(routes!(insights::get_timer_suggestions))
        .routes(routes!(invite::create, invite::list))
        .routes(routes!(invite::join))
        .routes(routes!(meeting::command))
        .routes(routes!(meeting::get_meeting))
        .routes(routes!(versions::list, versions::save))
        .routes(routes!(versions::get))
        .routes(routes!(versions::diff))
        .routes(routes!(invite::revoke))
        .routes(routes!(sync::sync_handler))
        .routes(routes!(sync::meeting_handler))
        .routes(routes!(web::index))
        .routes(routes!(web::library_page))
        .routes(routes!(web::insights_page))
        .routes(routes!(web::document))
        .routes(routes!(oidc::login))
        .routes(routes!(oidc::callback))
        .routes(routes!(oidc::logout))
        .routes(routes!(oidc::me))
        .split_for_parts();
    (router, openapi::finish(api))
}

pub fn router(state: AppState) -> Router {
    let assets = web::assets(&state.config.web_dir);
    let versioned = web::versioned_assets(&state.config.web_dir);
    let metrics = Arc::clone(&state.metrics);
    routes()
        .0
        .nest_service(web::VERSIONED, versioned)
        .fallback_service(assets)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_JSON_BYTES))
        .layer(axum::middleware::from_fn(headers::add))
        .layer(axum::middleware::from_fn_with_state(
            metrics,
            metrics::track_http,
        ))
        .with_state(state)
}
