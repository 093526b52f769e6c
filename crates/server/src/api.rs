//! The command API (`/api/…`): JSON in, JSON out, the token on every request.

use crate::auth::now_secs;
use crate::error::{parse_json, ApiError, RawBody};
use crate::invite::{self, Admin, Admitted};
use crate::store::PostmortemRecord;
use crate::{blocking, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
pub use casebook_core::api::Created;
use casebook_core::api::{Health, Invite, LiveCounts, PostmortemDetails, PostmortemSummary};
use casebook_core::limits::MAX_POSTMORTEM_TITLE_CHARS;
use casebook_core::Role;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// `POST /api/postmortems`'s body.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewPostmortem {
    /// 1 to `MAX_POSTMORTEM_TITLE_CHARS` characters after trimming.
    #[schema(schema_with = crate::openapi::title_schema)]
    title: String,
}

/// A new random postmortem id: 12 characters of `[a-z0-9]`, URL-safe.
fn new_id() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..12)
        .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Creates a postmortem, with one invite link per role.
#[utoipa::path(
    post,
    path = "/api/postmortems",
    tag = "postmortems",
    request_body = NewPostmortem,
    security(("admin" = []), ("token_query" = [])),
    responses((status = 201, description = "The new postmortem, a token and link per role", body = Created))
)]
pub async fn create_postmortem(
    State(app): State<AppState>,
    _: Admin,
    body: RawBody,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let body: NewPostmortem = parse_json(body)?;
    Ok((StatusCode::CREATED, Json(create(&app, &body.title).await?)))
}

/// Creates a postmortem titled `title` with one invite per role.
pub async fn create(app: &AppState, title: &str) -> Result<Created, ApiError> {
    let title = title.trim().to_owned();
    if title.is_empty() {
        return Err(ApiError::bad_request("the title must not be empty"));
    }
    if title.chars().count() > MAX_POSTMORTEM_TITLE_CHARS {
        return Err(ApiError::bad_request(format!(
            "the title is longer than {MAX_POSTMORTEM_TITLE_CHARS} characters"
        )));
    }
    let record = PostmortemRecord {
        id: new_id(),
        title,
        created_at: now_secs(),
        incident: None,
    };
    let store = Arc::clone(&app.store);
    let stored = record.clone();
    blocking(move || store.create_postmortem(&stored)).await?;
    tracing::info!(id = %record.id, "postmortem created");
    let mut created = Created {
        id: record.id.clone(),
        title: record.title,
        tokens: BTreeMap::new(),
        links: BTreeMap::new(),
        invites: BTreeMap::new(),
        sections: None,
    };
    for role in Role::ALL {
        let Invite {
            id, token, link, ..
        } = invite::mint(app, &record.id, role, app.auth.ttl().as_secs()).await?;
        created.invites.insert(role, id);
        created.tokens.insert(role, token.unwrap_or_default());
        created.links.insert(role, link.unwrap_or_default());
    }
    Ok(created)
}

/// Every postmortem, newest first.
#[utoipa::path(
    get,
    path = "/api/postmortems",
    tag = "postmortems",
    security(("admin" = []), ("token_query" = [])),
    responses((status = 200, description = "Every postmortem, newest first", body = Vec<PostmortemSummary>))
)]
pub async fn list_postmortems(
    State(app): State<AppState>,
    _: Admin,
) -> Result<Json<Vec<PostmortemSummary>>, ApiError> {
    let store = Arc::clone(&app.store);
    let all = blocking(move || store.postmortems()).await?;
    let mut listed = Vec::with_capacity(all.len());
    for pm in all {
        let phase = app.meetings.phase(&pm).await?;
        listed.push(PostmortemSummary {
            id: pm.id,
            title: pm.title,
            created_at: pm.created_at,
            phase,
        });
    }
    Ok(Json(listed))
}

/// One postmortem: its phase, timer and counts, and who is asking.
#[utoipa::path(
    get,
    path = "/api/postmortems/{id}",
    tag = "postmortems",
    params(crate::openapi::PostmortemId),
    security(("member" = []), ("admin" = []), ("token_query" = [])),
    responses((status = 200, description = "The postmortem as the caller sees it", body = PostmortemDetails))
)]
pub async fn get_postmortem(
    State(app): State<AppState>,
    Admitted { access, record }: Admitted,
) -> Result<Json<PostmortemDetails>, ApiError> {
    let loaded = app.meetings.get(&record).await?;
    let loaded = loaded.lock().await;
    let meeting = &loaded.meeting;
    let connected = app.rooms.connections(&record.id);
    Ok(Json(PostmortemDetails {
        phase: meeting.phase,
        timer: meeting.timer,
        role: access.name().to_owned(),
        acts_as: access.role(),
        counts: LiveCounts {
            meeting: meeting.counts(),
            connected: u32::try_from(connected).unwrap_or(u32::MAX),
        },
        id: record.id,
        title: record.title,
        created_at: record.created_at,
        incident: record.incident,
    }))
}

/// Whether the server and its store answer.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses(
        (status = 200, description = "The store answers", body = Health),
        (status = 500, description = "The store does not answer", body = casebook_core::api::ErrorBody),
    )
)]
pub async fn healthz(State(app): State<AppState>) -> Result<Json<Health>, ApiError> {
    let store = Arc::clone(&app.store);
    // A read proves the store answers.
    blocking(move || store.postmortem("")).await?;
    Ok(Json(Health {
        status: "ok".into(),
        rooms_loaded: u32::try_from(app.rooms.loaded_count()).unwrap_or(u32::MAX),
    }))
}
