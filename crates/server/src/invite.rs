//! Invite links: minted per role, listed, revoked — and the check every
//! request and socket goes through (signature, postmortem, expiry, and
//! whether the invite was revoked).

use crate::auth::{now_secs, random_token, Access, Claims, Person};
use crate::error::{parse_json, ApiError, RawBody};
use crate::room::CloseReason;
use crate::store::{InviteRecord, PostmortemRecord};
use crate::{bearer_or_query_token, blocking, AppState, TokenQuery};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use casebook_core::limits::MAX_JOIN_NAME_CHARS;
use casebook_core::Role;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Longest lifetime a minted link may ask for.
const MAX_EXPIRY_DAYS: u64 = 365;

/// Checks a request's token for postmortem `pm`, including revocation.
pub async fn authorize(app: &AppState, token: Option<&str>, pm: &str) -> Result<Access, ApiError> {
    let access = app.auth.require_member(token, pm)?;
    let Access::Member { invite, .. } = &access else {
        return Ok(access);
    };
    let store = Arc::clone(&app.store);
    let (pm, id) = (pm.to_owned(), invite.clone());
    let record = blocking(move || store.invite(&pm, &id)).await?;
    match record {
        Some(record) if record.revoked_at.is_none() => Ok(access),
        Some(_) => Err(ApiError::unauthorized(
            "this invite link was revoked; ask the facilitator for a new one",
        )),
        None => Err(ApiError::unauthorized("this invite link is unknown")),
    }
}

/// Checks a request's token for postmortem `pm` (see [`authorize`]) and loads
/// the postmortem: 404 when there is none. What every per-postmortem request
/// and socket starts with.
pub async fn admit(
    app: &AppState,
    headers: &HeaderMap,
    query: &TokenQuery,
    pm: &str,
) -> Result<(Access, PostmortemRecord), ApiError> {
    let access = authorize(app, bearer_or_query_token(headers, query).as_deref(), pm).await?;
    let store = Arc::clone(&app.store);
    let id = pm.to_owned();
    let record = blocking(move || store.postmortem(&id))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no postmortem {pm:?}")))?;
    Ok((access, record))
}

/// An invite as the API shows it.
#[derive(Debug, Serialize)]
pub struct InviteView {
    pub id: String,
    pub role: Role,
    pub created_at: u64,
    pub expires_at: u64,
    pub revoked_at: Option<u64>,
    /// Token and link, while the invite is usable.
    pub token: Option<String>,
    pub link: Option<String>,
}

impl InviteView {
    fn of(app: &AppState, invite: InviteRecord) -> Self {
        let usable = invite.revoked_at.is_none() && invite.expires_at > now_secs();
        let token = usable.then(|| token_of(app, &invite));
        InviteView {
            link: token
                .as_ref()
                .map(|t| app.config.page_link(&invite.postmortem, t)),
            token,
            id: invite.id,
            role: invite.role,
            created_at: invite.created_at,
            expires_at: invite.expires_at,
            revoked_at: invite.revoked_at,
        }
    }
}

fn token_of(app: &AppState, invite: &InviteRecord) -> String {
    app.auth.mint_claims(&Claims {
        pm: invite.postmortem.clone(),
        role: invite.role,
        exp: invite.expires_at,
        jti: invite.id.clone(),
        person: None,
    })
}

/// Creates and stores a new invite; returns it with its token.
pub async fn mint(
    app: &AppState,
    postmortem: &str,
    role: Role,
    lifetime_secs: u64,
) -> Result<InviteView, ApiError> {
    let now = now_secs();
    let record = InviteRecord {
        id: random_token()[..16].to_owned(),
        postmortem: postmortem.to_owned(),
        role,
        created_at: now,
        expires_at: now + lifetime_secs,
        revoked_at: None,
    };
    let store = Arc::clone(&app.store);
    let stored = record.clone();
    blocking(move || store.put_invite(&stored)).await?;
    Ok(InviteView::of(app, record))
}

/// Only the facilitator (or the admin) manages invites.
async fn require_facilitator(
    app: &AppState,
    headers: &HeaderMap,
    query: &TokenQuery,
    pm: &str,
) -> Result<(), ApiError> {
    let access = authorize(app, bearer_or_query_token(headers, query).as_deref(), pm).await?;
    if access.role() != Role::Facilitator {
        return Err(ApiError::forbidden(
            "only the facilitator manages invite links",
        ));
    }
    let store = Arc::clone(&app.store);
    let id = pm.to_owned();
    if blocking(move || store.postmortem(&id)).await?.is_none() {
        return Err(ApiError::not_found(format!("no postmortem {pm:?}")));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewInvite {
    role: Role,
    /// Days the link stays valid; the server's default when absent.
    expires_in_days: Option<u64>,
}

/// `POST /api/postmortems/{id}/invites`
pub async fn create(
    State(app): State<AppState>,
    Path(pm): Path<String>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
    body: RawBody,
) -> Result<(StatusCode, Json<InviteView>), ApiError> {
    require_facilitator(&app, &headers, &query, &pm).await?;
    let body: NewInvite = parse_json(body)?;
    let lifetime = match body.expires_in_days {
        None => app.auth.ttl().as_secs(),
        Some(days @ 1..=MAX_EXPIRY_DAYS) => days * 86_400,
        Some(_) => {
            return Err(ApiError::bad_request(format!(
                "expires_in_days must be between 1 and {MAX_EXPIRY_DAYS}"
            )))
        }
    };
    let invite = mint(&app, &pm, body.role, lifetime).await?;
    tracing::info!(postmortem = %pm, invite = %invite.id, role = %body.role, "invite minted");
    Ok((StatusCode::CREATED, Json(invite)))
}

/// `GET /api/postmortems/{id}/invites`
pub async fn list(
    State(app): State<AppState>,
    Path(pm): Path<String>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
) -> Result<Json<Vec<InviteView>>, ApiError> {
    require_facilitator(&app, &headers, &query, &pm).await?;
    let store = Arc::clone(&app.store);
    let id = pm.clone();
    let all = blocking(move || store.invites(&id)).await?;
    Ok(Json(
        all.into_iter().map(|i| InviteView::of(&app, i)).collect(),
    ))
}

/// `DELETE /api/postmortems/{id}/invites/{invite}`: revokes it; sockets opened
/// with it close (4003). Revoking twice answers the same.
pub async fn revoke(
    State(app): State<AppState>,
    Path((pm, invite_id)): Path<(String, String)>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
) -> Result<Json<InviteView>, ApiError> {
    require_facilitator(&app, &headers, &query, &pm).await?;
    let store = Arc::clone(&app.store);
    let (key_pm, key_id) = (pm.clone(), invite_id.clone());
    let mut invite = blocking(move || store.invite(&key_pm, &key_id))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no invite {invite_id:?}")))?;
    if invite.revoked_at.is_none() {
        invite.revoked_at = Some(now_secs());
        let store = Arc::clone(&app.store);
        let stored = invite.clone();
        blocking(move || store.put_invite(&stored)).await?;
        app.rooms.close_invite(
            &pm,
            &invite.id,
            CloseReason::new(
                casebook_core::close::INVITE_REVOKED,
                "this invite link was revoked",
            ),
        );
        tracing::info!(postmortem = %pm, invite = %invite.id, "invite revoked");
    }
    Ok(Json(InviteView::of(&app, invite)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinRequest {
    name: String,
}

#[derive(Serialize)]
pub struct Joined {
    /// The personal token: the invite's role, postmortem, expiry and
    /// revocation, plus who this is.
    token: String,
    role: Role,
    person: Person,
    expires_at: u64,
}

/// `POST /api/postmortems/{id}/join` `{"name"}`: trades an invite token for a
/// personal one. With a personal token it renames and keeps the person's id.
pub async fn join(
    State(app): State<AppState>,
    Path(pm): Path<String>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
    body: RawBody,
) -> Result<Json<Joined>, ApiError> {
    let token = bearer_or_query_token(&headers, &query);
    let access = authorize(&app, token.as_deref(), &pm).await?;
    let Access::Member {
        role,
        invite,
        person,
    } = access
    else {
        return Err(ApiError::forbidden(
            "the admin link cannot join a meeting; open one of the role links",
        ));
    };
    let request: JoinRequest = parse_json(body)?;
    let name = request.name.trim().to_owned();
    if name.is_empty()
        || name.chars().count() > MAX_JOIN_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(ApiError::bad_request(format!(
            "the name must be 1 to {MAX_JOIN_NAME_CHARS} characters, without control characters"
        )));
    }
    let store = Arc::clone(&app.store);
    let (key_pm, key_id) = (pm.clone(), invite.clone());
    let record = blocking(move || store.invite(&key_pm, &key_id))
        .await?
        .ok_or_else(|| ApiError::unauthorized("this invite link is unknown"))?;
    let person = Person {
        id: person.map_or_else(|| random_token()[..16].to_owned(), |p| p.id),
        name,
    };
    let token = app.auth.mint_claims(&Claims {
        pm,
        role,
        exp: record.expires_at,
        jti: invite,
        person: Some(person.clone()),
    });
    Ok(Json(Joined {
        token,
        role,
        person,
        expires_at: record.expires_at,
    }))
}
