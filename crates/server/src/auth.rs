//! Invite tokens and the admin token.
//!
//! An invite token is `base64url(claims).base64url(HMAC-SHA256(claims))`: a
//! signed, expiring capability for one postmortem and one role. The signing
//! key and the admin token are kept in the data directory (the admin token can
//! also come from `CASEBOOK_ADMIN_TOKEN`).

use crate::error::ApiError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use casebook_core::Role;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// What an invite token grants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Postmortem id.
    pub pm: String,
    pub role: Role,
    /// Expiry, Unix seconds.
    pub exp: u64,
    /// The invite this token belongs to (revoking it revokes the token).
    pub jti: String,
    /// Set on personal tokens (`POST /api/postmortems/{id}/join`): who.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<Person>,
    /// Set on personal tokens of someone signed in through the identity
    /// provider: their stable subject there. Never shown to anyone else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
}

/// One person in one postmortem, as a personal token names them.
pub use casebook_core::api::Person;

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is not a Casebook token")]
    Malformed,
    #[error("the token's signature does not match")]
    BadSignature,
    #[error("the token expired; ask the facilitator for a new link")]
    Expired,
}

/// Who a request speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    Admin,
    /// Holder of an invite: its role, the invite's id, and who they are
    /// once they joined with a name.
    Member {
        role: Role,
        invite: String,
        person: Option<Person>,
    },
}

impl Access {
    pub fn name(&self) -> &'static str {
        match self {
            Access::Admin => "admin",
            Access::Member { role, .. } => role.as_str(),
        }
    }

    /// The role this access acts with through the API; the admin acts as
    /// facilitator (runs any meeting, manages invites, reads insights).
    pub fn role(&self) -> Role {
        match self {
            Access::Admin => Role::Facilitator,
            Access::Member { role, .. } => *role,
        }
    }

    /// The role this access has on a socket: the admin looks in read-only,
    /// since it writes no one's words; invite holders keep their role.
    pub fn socket_role(&self) -> Role {
        match self {
            Access::Admin => Role::Viewer,
            Access::Member { role, .. } => *role,
        }
    }
}

pub struct Auth {
    key: Vec<u8>,
    admin_token: String,
    ttl: Duration,
}

pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Auth {
    pub fn new(key: Vec<u8>, admin_token: String, ttl: Duration) -> Self {
        Auth {
            key,
            admin_token,
            ttl,
        }
    }

    pub fn admin_token(&self) -> &str {
        &self.admin_token
    }

    /// How long new invite links stay valid by default.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(&self.key).expect("HMAC takes keys of any length")
    }

    /// Signs claims into a token.
    pub fn mint_claims(&self, claims: &Claims) -> String {
        let payload = serde_json::to_vec(claims).expect("claims always serialise");
        let mut mac = self.mac();
        mac.update(&payload);
        let signature = mac.finalize().into_bytes();
        format!("{}.{}", B64.encode(&payload), B64.encode(signature))
    }

    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let (payload, signature) = token.split_once('.').ok_or(TokenError::Malformed)?;
        let payload = B64.decode(payload).map_err(|_| TokenError::Malformed)?;
        let signature = B64.decode(signature).map_err(|_| TokenError::Malformed)?;
        let mut mac = self.mac();
        mac.update(&payload);
        mac.verify_slice(&signature)
            .map_err(|_| TokenError::BadSignature)?;
        let claims: Claims = serde_json::from_slice(&payload).map_err(|_| TokenError::Malformed)?;
        if claims.exp <= now_secs() {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }

    /// Signs `value` for one `purpose` (a sign-in cookie): the purpose is
    /// signed with it, so a value signed for one purpose (or an invite
    /// token) is never accepted for another.
    pub fn seal(&self, purpose: &str, value: &impl Serialize) -> String {
        let payload = serde_json::to_vec(value).expect("sealed values always serialise");
        let mut mac = self.mac();
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(&payload);
        let signature = mac.finalize().into_bytes();
        format!("{}.{}", B64.encode(&payload), B64.encode(signature))
    }

    /// Reads a value [`Auth::seal`]ed for `purpose`; its expiry is the
    /// caller's to check.
    pub fn unseal<T: serde::de::DeserializeOwned>(
        &self,
        purpose: &str,
        sealed: &str,
    ) -> Result<T, TokenError> {
        let (payload, signature) = sealed.split_once('.').ok_or(TokenError::Malformed)?;
        let payload = B64.decode(payload).map_err(|_| TokenError::Malformed)?;
        let signature = B64.decode(signature).map_err(|_| TokenError::Malformed)?;
        let mut mac = self.mac();
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(&payload);
        mac.verify_slice(&signature)
            .map_err(|_| TokenError::BadSignature)?;
        serde_json::from_slice(&payload).map_err(|_| TokenError::Malformed)
    }

    pub fn is_admin(&self, token: &str) -> bool {
        bool::from(token.as_bytes().ct_eq(self.admin_token.as_bytes()))
    }

    /// Requires the admin token.
    pub fn require_admin(&self, token: Option<&str>) -> Result<(), ApiError> {
        let token = token.ok_or_else(missing)?;
        if self.is_admin(token) {
            Ok(())
        } else {
            Err(ApiError::unauthorized("this needs the admin token"))
        }
    }

    /// Requires the admin token or a valid, signed token for postmortem
    /// `pm`. Whether its invite was revoked is checked by the caller, which
    /// has the store (`invite::authorize`).
    pub fn require_member(&self, token: Option<&str>, pm: &str) -> Result<Access, ApiError> {
        let token = token.ok_or_else(missing)?;
        if self.is_admin(token) {
            return Ok(Access::Admin);
        }
        let claims = self
            .verify(token)
            .map_err(|e| ApiError::unauthorized(e.to_string()))?;
        if claims.pm != pm {
            return Err(ApiError::forbidden("this token is for another postmortem"));
        }
        Ok(Access::Member {
            role: claims.role,
            invite: claims.jti,
            person: claims.person,
        })
    }
}

fn missing() -> ApiError {
    ApiError::unauthorized("missing token: send `Authorization: Bearer TOKEN` or `?token=TOKEN`")
}

/// A fresh random token of 32 URL-safe characters.
pub fn random_token() -> String {
    let bytes: [u8; 24] = rand::random();
    B64.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth() -> Auth {
        Auth::new(b"key".to_vec(), "admin".into(), Duration::from_secs(60))
    }

    fn mint(auth: &Auth, pm: &str, role: Role) -> String {
        auth.mint_claims(&Claims {
            pm: pm.into(),
            role,
            exp: now_secs() + 60,
            jti: "inv1".into(),
            person: None,
            sub: None,
        })
    }

    #[test]
    fn a_minted_token_verifies_for_its_postmortem_and_role() {
        let auth = auth();
        let token = mint(&auth, "pm1", Role::Author);
        assert_eq!(
            auth.require_member(Some(&token), "pm1").unwrap(),
            Access::Member {
                role: Role::Author,
                invite: "inv1".into(),
                person: None,
            }
        );
        assert_eq!(
            auth.require_member(Some(&token), "pm2").unwrap_err().status,
            403
        );
    }

    #[test]
    fn tampered_expired_and_foreign_tokens_are_refused() {
        let auth = auth();
        let token = mint(&auth, "pm1", Role::Viewer);
        // Claim a stronger role with the old signature.
        let (_, sig) = token.split_once('.').unwrap();
        let forged = format!(
            "{}.{sig}",
            B64.encode(br#"{"pm":"pm1","role":"facilitator","exp":99999999999,"jti":"inv1"}"#)
        );
        assert_eq!(auth.verify(&forged), Err(TokenError::BadSignature));
        let expired = auth.mint_claims(&Claims {
            pm: "pm1".into(),
            role: Role::Author,
            exp: now_secs() - 1,
            jti: "inv1".into(),
            person: None,
            sub: None,
        });
        assert_eq!(auth.verify(&expired), Err(TokenError::Expired));
        let other_key = Auth::new(b"other".to_vec(), "x".into(), Duration::from_secs(60));
        assert_eq!(
            auth.verify(&mint(&other_key, "pm1", Role::Author)),
            Err(TokenError::BadSignature)
        );
        assert_eq!(auth.verify("nonsense"), Err(TokenError::Malformed));
        assert_eq!(auth.require_member(None, "pm1").unwrap_err().status, 401);
    }

    #[test]
    fn a_sealed_value_opens_only_for_its_purpose_and_key() {
        let auth = auth();
        let sealed = auth.seal("casebook_session", &("bob", 42));
        assert_eq!(
            auth.unseal::<(String, u64)>("casebook_session", &sealed),
            Ok(("bob".to_owned(), 42))
        );
        assert_eq!(
            auth.unseal::<(String, u64)>("casebook_signin", &sealed),
            Err(TokenError::BadSignature)
        );
        let other_key = Auth::new(b"other".to_vec(), "x".into(), Duration::from_secs(60));
        assert_eq!(
            other_key.unseal::<(String, u64)>("casebook_session", &sealed),
            Err(TokenError::BadSignature)
        );
        // An invite token is no sealed value, nor the other way round.
        let invite = mint(&auth, "pm1", Role::Facilitator);
        assert!(auth.unseal::<Claims>("casebook_session", &invite).is_err());
        assert!(auth.verify(&auth.seal("casebook_session", &"x")).is_err());
    }

    #[test]
    fn only_the_admin_token_is_admin() {
        let auth = auth();
        assert!(auth.require_admin(Some("admin")).is_ok());
        assert_eq!(auth.require_admin(Some("admin2")).unwrap_err().status, 401);
        let member = mint(&auth, "pm1", Role::Facilitator);
        assert_eq!(auth.require_admin(Some(&member)).unwrap_err().status, 401);
    }
}
