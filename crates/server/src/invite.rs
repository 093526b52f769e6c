//! Invite links: minted per role, listed, revoked — and the check every
//! request and socket goes through (signature, postmortem, expiry, and
//! whether the invite was revoked): the [`Admitted`] and [`Admin`]
//! extractors, which handlers take instead of reading tokens.

use crate::auth::{now_secs, random_token, Access, Claims, Person};
use crate::error::{parse_json, ApiError, RawBody};
use crate::room::CloseReason;
use crate::store::{InviteRecord, PostmortemRecord};
use crate::{blocking, AppState};
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::Json;
use casebook_core::api::{Invite, Joined};
use casebook_core::limits::MAX_JOIN_NAME_CHARS;
use casebook_core::Role;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

/// What only the facilitator does here.
const INVITES: &str = "managing invite links";

/// Who joins through invite `invite` as `name`: the same link and the same
/// name (ignoring case and runs of spaces) are the same person, so someone
/// who rejoins from another browser, or after clearing it, is still one
/// person: counted once, their comments still theirs, their survey still
/// taken. (A personal token keeps its person through a rename.)
fn person_id(invite: &str, name: &str) -> String {
    use sha2::{Digest, Sha256};
    let name = name
        .split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ");
    let digest = Sha256::digest(format!("{invite}\n{name}").as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

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

/// [`authorize`] for a request, with sign-in: a signed-in admin (by the
/// provider's group claim) needs no token; with `--oidc-required`, a link's
/// token admits only someone signed in (a personal token made while signed
/// in carries the subject and ends with the session).
async fn authorize_request(app: &AppState, parts: &Parts, pm: &str) -> Result<Access, ApiError> {
    let token = request_token(parts).filter(|t| !t.is_empty());
    let Some(oidc) = app.oidc.as_deref() else {
        return authorize(app, token.as_deref(), pm).await;
    };
    let session = crate::oidc::session(app, &parts.headers);
    if token.is_none() && session.as_ref().is_some_and(|s| s.admin) {
        return Ok(Access::Admin);
    }
    let access = authorize(app, token.as_deref(), pm).await?;
    if oidc.required() && matches!(access, Access::Member { .. }) && session.is_none() {
        let signed = token
            .as_deref()
            .and_then(|t| app.auth.verify(t).ok())
            .is_some_and(|claims| claims.sub.is_some());
        if !signed {
            return Err(ApiError::unauthorized(
                "this server needs sign-in: open the link in a browser and sign in",
            ));
        }
    }
    Ok(access)
}

/// A request admitted to one postmortem: the token of the request (its
/// `Authorization: Bearer`, else its `?token=`) checked by [`authorize`] for
/// the route's `{id}`, and the postmortem loaded (404 when there is none).
/// Handlers take it as an argument and never look at the token themselves;
/// it runs before the body is read.
pub struct Admitted {
    pub access: Access,
    pub record: PostmortemRecord,
}

impl Admitted {
    /// Refuses anyone who does not act as facilitator (the admin does).
    pub fn require_facilitator(&self, what: &str) -> Result<(), ApiError> {
        if self.access.role() == Role::Facilitator {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "{what}: only the facilitator (or the admin) may"
            )))
        }
    }
}

impl FromRequestParts<AppState> for Admitted {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, app)
            .await
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
        let pm = params
            .get("id")
            .ok_or_else(|| ApiError::internal("a postmortem route without {id}"))?;
        let access = authorize_request(app, parts, pm).await?;
        let store = Arc::clone(&app.store);
        let id = pm.to_owned();
        let record = blocking(move || store.postmortem(&id))
            .await?
            .ok_or_else(|| ApiError::not_found(format!("no postmortem {pm:?}")))?;
        Ok(Admitted { access, record })
    }
}

/// A request that carries the admin token (or, without a token, comes from
/// someone signed in whom the provider puts in the admin group).
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let token = request_token(parts).filter(|t| !t.is_empty());
        if token.is_none() && crate::oidc::session(app, &parts.headers).is_some_and(|s| s.admin) {
            return Ok(Admin);
        }
        app.auth.require_admin(request_token(parts).as_deref())?;
        Ok(Admin)
    }
}

/// A request with the admin token or any valid, unrevoked token of any
/// postmortem (the library is for everyone who takes part in some meeting).
pub struct AnyMember;

impl FromRequestParts<AppState> for AnyMember {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let token = request_token(parts);
        let token = token.as_deref();
        if token.is_some_and(|t| app.auth.is_admin(t)) {
            return Ok(AnyMember);
        }
        if token.is_none_or(str::is_empty)
            && crate::oidc::session(app, &parts.headers).is_some_and(|s| s.admin)
        {
            return Ok(AnyMember);
        }
        let pm = match token.map(|t| app.auth.verify(t)) {
            Some(Ok(claims)) => claims.pm,
            Some(Err(e)) => return Err(ApiError::unauthorized(e.to_string())),
            // authorize says what is missing.
            None => String::new(),
        };
        authorize_request(app, parts, &pm).await.map(|_| AnyMember)
    }
}

/// The token of a request: its bearer token, else its `?token=` (the
/// y-websocket client and the export links can only send that). An
/// `Authorization` header that is not a bearer token is what the request
/// says it is, a token no one has: it is refused, never passed over for the
/// query's token.
pub fn request_token(parts: &Parts) -> Option<String> {
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        // The scheme's name is case-insensitive (RFC 9110, 11.1).
        let bearer = value
            .to_str()
            .ok()
            .and_then(|v| v.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim().to_owned());
        return Some(bearer.unwrap_or_default());
    }
    Query::<TokenQuery>::try_from_uri(&parts.uri)
        .ok()
        .and_then(|Query(q)| q.token)
}

/// `?token=…`.
#[derive(Debug, Default, Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

/// An invite as the API shows it to `viewer`: its token and link while it is
/// usable, and whether it is the viewer's own link.
fn invite_view(app: &AppState, invite: InviteRecord, viewer: &Access) -> Invite {
    let yours = own_invite(viewer) == Some(invite.id.as_str());
    let usable = invite.revoked_at.is_none() && invite.expires_at > now_secs();
    let token = usable.then(|| token_of(app, &invite));
    Invite {
        link: token
            .as_ref()
            .map(|t| app.config.page_link(&invite.postmortem, t)),
        token,
        id: invite.id,
        role: invite.role,
        created_at: invite.created_at,
        expires_at: invite.expires_at,
        revoked_at: invite.revoked_at,
        yours,
    }
}

/// The invite a request's token came from; the admin token has none.
fn own_invite(access: &Access) -> Option<&str> {
    match access {
        Access::Admin => None,
        Access::Member { invite, .. } => Some(invite),
    }
}

fn token_of(app: &AppState, invite: &InviteRecord) -> String {
    app.auth.mint_claims(&Claims {
        pm: invite.postmortem.clone(),
        role: invite.role,
        exp: invite.expires_at,
        jti: invite.id.clone(),
        person: None,
        sub: None,
    })
}

/// Creates and stores a new invite; returns it with its token.
pub async fn mint(
    app: &AppState,
    postmortem: &str,
    role: Role,
    lifetime_secs: u64,
) -> Result<Invite, ApiError> {
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
    Ok(invite_view(app, record, &Access::Admin))
}

/// `POST …/invites`'s body.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvite {
    role: Role,
    /// Days the link stays valid; the server's default when absent.
    #[schema(minimum = 1, maximum = 365)]
    expires_in_days: Option<u64>,
}

/// `POST /api/postmortems/{id}/invites`
#[utoipa::path(
    post,
    operation_id = "create_invite",
    path = "/api/postmortems/{id}/invites",
    tag = "invites",
    params(crate::openapi::PostmortemId),
    request_body = NewInvite,
    security(("member" = []), ("admin" = []), ("token_query" = [])),
    responses((status = 201, description = "A new invite link (facilitator or admin)", body = Invite))
)]
pub async fn create(
    State(app): State<AppState>,
    admitted: Admitted,
    body: RawBody,
) -> Result<(StatusCode, Json<Invite>), ApiError> {
    admitted.require_facilitator(INVITES)?;
    let pm = admitted.record.id;
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
#[utoipa::path(
    get,
    operation_id = "list_invites",
    path = "/api/postmortems/{id}/invites",
    tag = "invites",
    params(crate::openapi::PostmortemId),
    security(("member" = []), ("admin" = []), ("token_query" = [])),
    responses((status = 200, description = "Every invite link, oldest first; token and link only while usable (facilitator or admin)", body = Vec<Invite>))
)]
pub async fn list(
    State(app): State<AppState>,
    admitted: Admitted,
) -> Result<Json<Vec<Invite>>, ApiError> {
    admitted.require_facilitator(INVITES)?;
    let store = Arc::clone(&app.store);
    let id = admitted.record.id;
    let all = blocking(move || store.invites(&id)).await?;
    Ok(Json(
        all.into_iter()
            .map(|i| invite_view(&app, i, &admitted.access))
            .collect(),
    ))
}

/// `DELETE /api/postmortems/{id}/invites/{invite}`: revokes it; sockets opened
/// with it close (4003). Revoking twice answers the same.
#[utoipa::path(
    delete,
    operation_id = "revoke_invite",
    path = "/api/postmortems/{id}/invites/{invite}",
    tag = "invites",
    params(crate::openapi::InviteId),
    security(("member" = []), ("admin" = []), ("token_query" = [])),
    responses(
        (status = 200, description = "The invite, revoked (facilitator or admin)", body = Invite),
        (status = 404, description = "No such postmortem or invite", body = casebook_core::api::ErrorBody),
        (status = 409, description = "The link the request was made with (only another link or the admin may revoke it)", body = casebook_core::api::ErrorBody),
    )
)]
pub async fn revoke(
    State(app): State<AppState>,
    admitted: Admitted,
    crate::error::Path((_, invite_id)): crate::error::Path<(String, String)>,
) -> Result<Json<Invite>, ApiError> {
    admitted.require_facilitator(INVITES)?;
    if own_invite(&admitted.access) == Some(invite_id.as_str()) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "this is the link you are using: revoking it would lock you out; \
             open another facilitator link (or use the admin link) to revoke it",
        ));
    }
    let access = admitted.access;
    let pm = admitted.record.id;
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
    Ok(Json(invite_view(&app, invite, &access)))
}

/// `POST …/join`'s body.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinRequest {
    /// The display name: 1 to `MAX_JOIN_NAME_CHARS` characters after
    /// trimming, no control characters.
    #[schema(schema_with = crate::openapi::name_schema)]
    name: String,
    /// The team they are in (optional): at most `MAX_TEAM_CHARS` characters,
    /// no control characters; blank means none. Signed in with a team claim
    /// configured, the provider's team wins.
    #[serde(default)]
    #[schema(schema_with = crate::openapi::team_schema)]
    team: Option<String>,
}

/// `POST /api/postmortems/{id}/join` `{"name"}`: trades an invite token for a
/// personal one. With a personal token it renames and keeps the person's id.
#[utoipa::path(
    post,
    operation_id = "join",
    path = "/api/postmortems/{id}/join",
    tag = "invites",
    params(crate::openapi::PostmortemId),
    request_body = JoinRequest,
    security(("member" = []), ("token_query" = [])),
    responses((status = 200, description = "A personal token: the same role, expiry and invite, plus who this is", body = Joined))
)]
pub async fn join(
    State(app): State<AppState>,
    admitted: Admitted,
    crate::oidc::MaybeSignedIn(signed_in): crate::oidc::MaybeSignedIn,
    body: RawBody,
) -> Result<Json<Joined>, ApiError> {
    let pm = admitted.record.id;
    let Access::Member {
        role,
        invite,
        person,
    } = admitted.access
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
    let team = casebook_core::meeting::team_name(request.team.as_deref().unwrap_or(""))
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let store = Arc::clone(&app.store);
    let (key_pm, key_id) = (pm.clone(), invite.clone());
    let record = blocking(move || store.invite(&key_pm, &key_id))
        .await?
        .ok_or_else(|| ApiError::unauthorized("this invite link is unknown"))?;
    // Signed in: the provider says who this is (they cannot choose another
    // name), and the person is keyed on the provider's subject, so they are
    // one person in every browser; the token ends with the session.
    let (person, sub, expires_at) = match (app.oidc.as_deref(), signed_in) {
        (Some(oidc), Some(session)) => (
            Person {
                id: oidc.person_id(&pm, &session.sub),
                name: session.name,
                team: session.team.or(team),
            },
            Some(session.sub),
            record.expires_at.min(session.exp),
        ),
        (Some(oidc), None) if oidc.required() => {
            return Err(ApiError::unauthorized(
                "this server needs sign-in: open the link in a browser and sign in",
            ))
        }
        _ => (
            Person {
                id: person.map_or_else(|| person_id(&invite, &name), |p| p.id),
                name,
                team,
            },
            None,
            record.expires_at,
        ),
    };
    let token = app.auth.mint_claims(&Claims {
        pm,
        role,
        exp: expires_at,
        jti: invite,
        person: Some(person.clone()),
        sub,
    });
    Ok(Json(Joined {
        token,
        role,
        person,
        expires_at,
    }))
}
