//! Errors as HTTP answers: `{"error": "…"}` with the status that fits.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;

/// An error answer. Handlers return `Result<_, ApiError>` and use `?`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// More fields for the JSON body (e.g. the readiness findings).
    pub details: Option<serde_json::Map<String, serde_json::Value>>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            details: None,
        }
    }
    /// Adds a field to the JSON body next to `error`.
    pub fn with(mut self, key: &str, value: serde_json::Value) -> Self {
        self.details
            .get_or_insert_with(Default::default)
            .insert(key.to_owned(), value);
        self
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = self.details.unwrap_or_default();
        body.insert("error".into(), self.message.into());
        let body = Json(serde_json::Value::Object(body));
        (self.status, body).into_response()
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        tracing::error!(error = %e, "storage error answering a request");
        ApiError::internal(e.to_string())
    }
}

/// A request body as the handler received it; read it with [`parse_json`]
/// *after* the token was checked, so an outsider learns nothing from a 400.
pub type RawBody = Result<Bytes, BytesRejection>;

/// Parses a JSON body: 413 when over the size limit, 400 when it is not the
/// expected JSON. A whole number written with a fraction (`1.0`) is that
/// integer: JSON does not tell them apart, nor does the OpenAPI document's
/// `integer` (JSON Schema), and clients such as Python's write floats so.
pub fn parse_json<T: DeserializeOwned>(body: RawBody) -> Result<T, ApiError> {
    let bytes = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the request body is too large",
        ),
        _ => ApiError::bad_request(rejection.body_text()),
    })?;
    let bad = |e: serde_json::Error| ApiError::bad_request(format!("bad JSON body: {e}"));
    let mut value: serde_json::Value = serde_json::from_slice(&bytes).map_err(bad)?;
    whole_numbers_as_integers(&mut value);
    serde_json::from_value(value).map_err(bad)
}

/// Rewrites every float without a fraction that an `i64` or `u64` holds as
/// that integer.
fn whole_numbers_as_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => {
            let Some(f) = n.as_f64() else { return };
            // Beyond 2^63 a float is no longer exact; those stay floats.
            const LIMIT: f64 = 9_223_372_036_854_775_808.0;
            if f.fract() == 0.0 && f.abs() < LIMIT {
                *value = if f < 0.0 {
                    Value::from(f as i64)
                } else {
                    Value::from(f as u64)
                };
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
    }
}

/// axum's `Query`, refusing with a JSON [`ApiError`] (400) like every other
/// refusal, where axum's own answers in plain text.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(query)| Query(query))
            .map_err(|rejection| ApiError::bad_request(rejection.body_text()))
    }
}

/// axum's `Path`, refusing with a JSON [`ApiError`] (400), as [`Query`].
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(path)| Path(path))
            .map_err(|rejection| ApiError::bad_request(rejection.body_text()))
    }
}
