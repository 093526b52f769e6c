//! Sign-in through the company's identity provider (OpenID Connect), an
//! option beside role links (`--oidc-issuer`, `--oidc-client-id`).
//!
//! ```text
//! GET /p/{id}?token=ROLE (no session) ─302─▶ /auth/login?return=/p/{id}?token=ROLE
//!   ─302─▶ issuer's authorization endpoint (state, nonce, PKCE challenge;
//!          all three kept in the signed, HttpOnly flow cookie)
//!   ─▶ the person signs in there ─302─▶ /auth/callback?code&state
//!   ─▶ state checked against the cookie, code exchanged with the PKCE
//!      verifier, ID token verified (JWKS signature, issuer, audience,
//!      expiry, nonce) by `openidconnect`
//!   ─302─▶ back to /p/{id}?token=ROLE with the signed session cookie
//! ```
//!
//! The session is a cookie signed with the server's token key (no session
//! table): who (subject, name), whether the provider puts them in the admin
//! group, and when it ends (the ID token's expiry or `--oidc-session-limit`,
//! whichever is first). The role link still decides the role: `join` takes
//! the name from the session and keys the person on the subject (see
//! [`person_id`]), so one person is one person in every browser.
//!
//! Nothing here verifies a signature or a token by hand; it never logs an ID
//! token, a code or the client secret.

use crate::auth::{now_secs, Auth};
use crate::error::{ApiError, Query};
use crate::AppState;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use casebook_core::api::SignedIn;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm, CoreProviderMetadata,
};
use openidconnect::{
    reqwest, AdditionalClaims, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, IdToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use std::time::Duration;
use subtle::ConstantTimeEq;

/// The operator's sign-in settings (`casebook serve --oidc-*`).
#[derive(Clone)]
pub struct OidcSettings {
    /// The issuer URL; its `/.well-known/openid-configuration` is read at start.
    pub issuer: String,
    pub client_id: String,
    /// From `CASEBOOK_OIDC_CLIENT_SECRET`; `None` for a public client.
    pub client_secret: Option<String>,
    /// A value of the ID token's `groups` claim that makes someone an admin.
    pub admin_group: Option<String>,
    /// The ID token claim that names a person's team (a string, or a list
    /// whose first entry is taken); without it the page asks for the team.
    pub team_claim: Option<String>,
    /// Links alone admit no one: every member needs a session.
    pub required: bool,
    /// Longest session, whatever the ID token's expiry.
    pub session_limit: Duration,
}

impl std::fmt::Debug for OidcSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The client secret is never printed.
        f.debug_struct("OidcSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "…"))
            .field("admin_group", &self.admin_group)
            .field("team_claim", &self.team_claim)
            .field("required", &self.required)
            .field("session_limit", &self.session_limit)
            .finish()
    }
}

/// Why sign-in could not be set up at start.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("--oidc-issuer {0:?} is not a URL")]
    Issuer(String),
    #[error("the public URL {0:?} makes no redirect URL (--public-url)")]
    RedirectUrl(String),
    #[error("reading the identity provider's discovery document at {issuer}: {reason}")]
    Discovery { issuer: String, reason: String },
    #[error("building the HTTP client for the identity provider: {0}")]
    Http(String),
}

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The `groups` claim (a list, or one string as some providers send it),
/// and the other claims the provider added (one of them may be the team).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Groups {
    #[serde(default)]
    groups: Option<GroupsValue>,
    #[serde(flatten)]
    other: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
enum GroupsValue {
    Many(Vec<String>),
    One(String),
}

impl AdditionalClaims for Groups {}

impl Groups {
    fn contains(&self, group: &str) -> bool {
        match &self.groups {
            Some(GroupsValue::Many(all)) => all.iter().any(|g| g == group),
            Some(GroupsValue::One(one)) => one == group,
            None => false,
        }
    }

    /// The claim `name` as a team: a string, or a list's first string;
    /// cut to `MAX_TEAM_CHARS`, `None` when blank or not text.
    fn team(&self, name: &str) -> Option<String> {
        let value = match (name, &self.groups) {
            ("groups", Some(GroupsValue::Many(all))) => all.first().cloned(),
            ("groups", Some(GroupsValue::One(one))) => Some(one.clone()),
            _ => match self.other.get(name)? {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Array(all) => {
                    all.iter().find_map(|v| v.as_str().map(str::to_owned))
                }
                _ => None,
            },
        }?;
        let cut: String = value
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(casebook_core::limits::MAX_TEAM_CHARS)
            .collect();
        casebook_core::meeting::team_name(&cut).ok().flatten()
    }
}

type GroupsIdToken =
    IdToken<Groups, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm>;

/// Sign-in, set up: the provider's metadata and keys, and our client.
pub struct Oidc {
    client: Client,
    http: reqwest::Client,
    issuer: String,
    admin_group: Option<String>,
    team_claim: Option<String>,
    required: bool,
    session_limit: Duration,
    /// Cookies get `Secure` when Casebook is served over https.
    secure: bool,
}

/// The flow cookie: what the callback checks the answer against.
#[derive(Serialize, Deserialize)]
struct Flow {
    state: String,
    nonce: String,
    verifier: String,
    /// Where to go back to (a path on this server).
    back: String,
    exp: u64,
}

/// A signed-in person, as the session cookie carries them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Session {
    /// The provider's stable subject. Never shown to anyone.
    pub sub: String,
    pub name: String,
    /// From the team claim (`--oidc-team-claim`), when the provider gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    pub admin: bool,
    /// Unix seconds.
    pub exp: u64,
}

const SESSION_COOKIE: &str = "casebook_session";
const FLOW_COOKIE: &str = "casebook_signin";
/// How long someone may take at the provider's sign-in page.
const FLOW_SECS: u64 = 600;
/// Longest return path kept (a page address with its role token fits).
const MAX_BACK_CHARS: usize = 2048;

impl Oidc {
    /// Reads the provider's discovery document and keys.
    pub async fn discover(settings: OidcSettings, public_url: &str) -> Result<Oidc, OidcError> {
        let http = reqwest::ClientBuilder::new()
            // Following redirects would let the provider's answers send us elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| OidcError::Http(e.to_string()))?;
        let issuer = IssuerUrl::new(settings.issuer.clone())
            .map_err(|_| OidcError::Issuer(settings.issuer.clone()))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &http)
            .await
            .map_err(|e| OidcError::Discovery {
                issuer: settings.issuer.clone(),
                reason: error_chain(&e),
            })?;
        let redirect = format!("{public_url}/auth/callback");
        let redirect =
            RedirectUrl::new(redirect).map_err(|_| OidcError::RedirectUrl(public_url.into()))?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(settings.client_id),
            settings.client_secret.map(ClientSecret::new),
        )
        .set_redirect_uri(redirect);
        Ok(Oidc {
            client,
            http,
            issuer: settings.issuer,
            admin_group: settings.admin_group,
            team_claim: settings.team_claim,
            required: settings.required,
            session_limit: settings.session_limit,
            secure: public_url.starts_with("https://"),
        })
    }

    /// Links alone admit no one.
    pub fn required(&self) -> bool {
        self.required
    }

    /// The person of subject `sub` in postmortem `pm`: stable, and not the
    /// subject (it is shown, e.g. in who answered the survey); different in
    /// each postmortem, so two meetings cannot be linked by it.
    pub fn person_id(&self, pm: &str, sub: &str) -> String {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(format!("oidc\n{}\n{sub}\n{pm}", self.issuer).as_bytes());
        digest[..8].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Sends the browser to the provider; `back` is where it returns.
    fn start(&self, auth: &Auth, back: &str) -> Response {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = self
            .client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge);
        if self.admin_group.is_some() {
            request = request.add_scope(Scope::new("groups".into()));
        }
        let (url, state, nonce) = request.url();
        let flow = Flow {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            verifier: verifier.secret().clone(),
            back: back.to_owned(),
            exp: now_secs() + FLOW_SECS,
        };
        let cookie = self.cookie(FLOW_COOKIE, &auth.seal(FLOW_COOKIE, &flow), FLOW_SECS);
        redirect(url.as_str(), [cookie])
    }

    /// Checks the provider's answer against the flow and makes the session.
    async fn finish(&self, flow: Flow, code: String) -> Result<Session, ApiError> {
        let refused = |what: &str, e: &dyn std::error::Error| {
            tracing::warn!(reason = %error_chain(e), "sign-in refused: {what}");
            ApiError::unauthorized(format!("sign-in failed: {what}; sign in again"))
        };
        let answer = self
            .client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| refused("the provider has no token endpoint", &e))?
            .set_pkce_verifier(PkceCodeVerifier::new(flow.verifier))
            .request_async(&self.http)
            .await
            .map_err(|e| refused("the provider did not give a token", &e))?;
        let raw = answer
            .id_token()
            .ok_or_else(|| ApiError::unauthorized("sign-in failed: the provider sent no ID token"))?
            .to_string();
        let id_token: GroupsIdToken = raw
            .parse()
            .map_err(|e: serde_json::Error| refused("the ID token is not readable", &e))?;
        let verifier = self.client.id_token_verifier();
        let claims = id_token
            .claims(&verifier, &Nonce::new(flow.nonce))
            .map_err(|e| refused("the ID token is not valid", &e))?;
        let sub = claims.subject().as_str().to_owned();
        let name = claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned())
            .or_else(|| claims.preferred_username().map(|u| u.as_str().to_owned()))
            .or_else(|| claims.email().map(|e| e.as_str().to_owned()))
            .map(|n| {
                n.trim()
                    .chars()
                    .take(casebook_core::limits::MAX_JOIN_NAME_CHARS)
                    .collect::<String>()
            })
            .filter(|n| !n.is_empty() && !n.chars().any(char::is_control))
            .ok_or_else(|| {
                ApiError::unauthorized(
                    "sign-in failed: the provider gives no name for this account",
                )
            })?;
        let admin = self
            .admin_group
            .as_deref()
            .is_some_and(|group| claims.additional_claims().contains(group));
        let team = self
            .team_claim
            .as_deref()
            .and_then(|claim| claims.additional_claims().team(claim));
        let token_exp = u64::try_from(claims.expiration().timestamp()).unwrap_or(0);
        let exp = token_exp.min(now_secs() + self.session_limit.as_secs());
        Ok(Session {
            sub,
            name,
            team,
            admin,
            exp,
        })
    }

    fn cookie(&self, name: &str, value: &str, max_age: u64) -> HeaderValue {
        let path = if name == FLOW_COOKIE { "/auth" } else { "/" };
        let secure = if self.secure { "; Secure" } else { "" };
        let cookie = format!(
            "{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
        );
        HeaderValue::from_str(&cookie).expect("sealed values are base64url and dots")
    }
}

/// The signed-in person of a request, when sign-in is on and their session
/// cookie is valid and not expired.
pub fn session(app: &AppState, headers: &HeaderMap) -> Option<Session> {
    app.oidc.as_ref()?;
    let sealed = cookie_value(headers, SESSION_COOKIE)?;
    let session: Session = app.auth.unseal(SESSION_COOKIE, &sealed).ok()?;
    (session.exp > now_secs()).then_some(session)
}

/// The signed-in person of a request, if any (never refuses).
pub struct MaybeSignedIn(pub Option<Session>);

impl FromRequestParts<AppState> for MaybeSignedIn {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Infallible> {
        Ok(MaybeSignedIn(session(app, &parts.headers)))
    }
}

/// When sign-in is on and the request has no session: where to send the
/// browser so it comes back to `back` signed in.
pub fn needs_sign_in(app: &AppState, headers: &HeaderMap, back: &str) -> Option<Response> {
    app.oidc.as_ref()?;
    if session(app, headers).is_some() {
        return None;
    }
    let login = format!(
        "/auth/login?return={}",
        openidconnect::url::form_urlencoded::byte_serialize(back.as_bytes()).collect::<String>()
    );
    Some(redirect(&login, []))
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_owned())
}

fn redirect<const N: usize>(to: &str, cookies: [HeaderValue; N]) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(location) = HeaderValue::from_str(to) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    for cookie in cookies {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// A path on this server to return to: `/…` but not `//…` (another host).
fn local_path(back: Option<&str>) -> String {
    match back {
        Some(back)
            if back.starts_with('/')
                && !back.starts_with("//")
                && !back.contains('\\')
                && back.len() <= MAX_BACK_CHARS
                && !back.chars().any(char::is_control) =>
        {
            back.to_owned()
        }
        _ => "/".to_owned(),
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

fn enabled(app: &AppState) -> Result<&Oidc, ApiError> {
    app.oidc
        .as_deref()
        .ok_or_else(|| ApiError::not_found("sign-in is off on this server (no --oidc-issuer)"))
}

/// `GET /auth/login`'s query.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LoginQuery {
    /// The page to come back to (a path on this server).
    #[serde(rename = "return")]
    back: Option<String>,
}

/// `GET /auth/login?return=PATH`: to the identity provider and back.
#[utoipa::path(
    get,
    operation_id = "sign_in",
    path = "/auth/login",
    tag = "sign-in",
    params(LoginQuery),
    responses(
        (status = 302, description = "To the identity provider's sign-in page"),
        (status = 400, description = "The query does not parse", body = casebook_core::api::ErrorBody),
        (status = 404, description = "Sign-in is off on this server", body = casebook_core::api::ErrorBody),
    )
)]
pub async fn login(
    State(app): State<AppState>,
    Query(query): Query<LoginQuery>,
) -> Result<Response, ApiError> {
    let oidc = enabled(&app)?;
    Ok(oidc.start(&app.auth, &local_path(query.back.as_deref())))
}

/// `GET /auth/callback`'s query: the provider's answer.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /auth/callback?code&state`: back from the identity provider.
#[utoipa::path(
    get,
    operation_id = "sign_in_callback",
    path = "/auth/callback",
    tag = "sign-in",
    params(CallbackQuery),
    responses(
        (status = 302, description = "Signed in: back to the page the person came from, with the session cookie"),
        (status = 400, description = "Not an answer from the provider", body = casebook_core::api::ErrorBody),
        (status = 401, description = "Sign-in refused (state, nonce, or ID token not valid; or the provider said no)", body = casebook_core::api::ErrorBody),
        (status = 404, description = "Sign-in is off on this server", body = casebook_core::api::ErrorBody),
    )
)]
pub async fn callback(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Result<Response, ApiError> {
    let oidc = enabled(&app)?;
    if let Some(error) = query.error {
        let error: String = error
            .chars()
            .filter(char::is_ascii_graphic)
            .take(64)
            .collect();
        return Err(ApiError::unauthorized(format!(
            "sign-in failed: the identity provider answered {error:?}"
        )));
    }
    let (Some(code), Some(state)) = (query.code, query.state) else {
        return Err(ApiError::bad_request(
            "expected the provider's `code` and `state`",
        ));
    };
    let flow: Flow = cookie_value(&headers, FLOW_COOKIE)
        .and_then(|sealed| app.auth.unseal(FLOW_COOKIE, &sealed).ok())
        .filter(|flow: &Flow| flow.exp > now_secs())
        .ok_or_else(|| {
            ApiError::unauthorized(
                "sign-in failed: this browser did not start it, or took too long; sign in again",
            )
        })?;
    if !bool::from(state.as_bytes().ct_eq(flow.state.as_bytes())) {
        tracing::warn!("sign-in refused: the state does not match this browser's");
        return Err(ApiError::unauthorized(
            "sign-in failed: the answer is not for this browser's sign-in; sign in again",
        ));
    }
    let back = flow.back.clone();
    let session = oidc.finish(flow, code).await?;
    tracing::info!(admin = session.admin, "signed in");
    let max_age = session.exp.saturating_sub(now_secs());
    let cookies = [
        oidc.cookie(
            SESSION_COOKIE,
            &app.auth.seal(SESSION_COOKIE, &session),
            max_age,
        ),
        oidc.cookie(FLOW_COOKIE, "", 0),
    ];
    Ok(redirect(&back, cookies))
}

/// `POST /auth/logout`: ends the session in this browser.
#[utoipa::path(
    post,
    operation_id = "sign_out",
    path = "/auth/logout",
    tag = "sign-in",
    responses(
        (status = 204, description = "Signed out: the session cookie is cleared"),
        (status = 404, description = "Sign-in is off on this server", body = casebook_core::api::ErrorBody),
    )
)]
pub async fn logout(State(app): State<AppState>) -> Result<Response, ApiError> {
    let oidc = enabled(&app)?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, oidc.cookie(SESSION_COOKIE, "", 0));
    Ok(response)
}

/// `GET /auth/me`: who is signed in here. Every page asks, so "no one"
/// (sign-in off, not signed in, or the session ended) is an answer, not a
/// refusal.
#[utoipa::path(
    get,
    operation_id = "signed_in",
    path = "/auth/me",
    tag = "sign-in",
    responses(
        (status = 200, description = "The signed-in person's name, admin group, and when the session ends", body = SignedIn),
        (status = 204, description = "No one is signed in here (or sign-in is off on this server)"),
    )
)]
pub async fn me(MaybeSignedIn(session): MaybeSignedIn) -> Response {
    match session {
        Some(session) => Json(SignedIn {
            name: session.name,
            team: session.team,
            admin: session.admin,
            expires_at: session.exp,
        })
        .into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_on_this_server_are_returned_to() {
        assert_eq!(local_path(Some("/p/x?token=a")), "/p/x?token=a");
        for elsewhere in ["https://evil.example/", "//evil.example/", "/\\evil", "p/x"] {
            assert_eq!(local_path(Some(elsewhere)), "/", "{elsewhere}");
        }
        assert_eq!(local_path(None), "/");
    }

    #[test]
    fn a_cookie_is_read_by_its_name_only() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; casebook_session=xyz; b=2"),
        );
        assert_eq!(
            cookie_value(&headers, SESSION_COOKIE).as_deref(),
            Some("xyz")
        );
        assert_eq!(cookie_value(&headers, FLOW_COOKIE), None);
    }

    #[test]
    fn the_group_claim_is_a_list_or_one_value() {
        let many: Groups = serde_json::from_str(r#"{"groups":["sre","casebook-admins"]}"#).unwrap();
        assert!(many.contains("casebook-admins"));
        let one: Groups = serde_json::from_str(r#"{"groups":"casebook-admins"}"#).unwrap();
        assert!(one.contains("casebook-admins"));
        let none: Groups = serde_json::from_str("{}").unwrap();
        assert!(!none.contains("casebook-admins"));
    }
}
