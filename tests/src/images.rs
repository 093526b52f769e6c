//! Image fixtures for the upload tests: a 1×1 picture of each kind the
//! server accepts, as a screenshot tool would write it, and the upload call.

use crate::Endpoint;
use base64::Engine;

fn b64(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("a fixture in base64")
}

/// A 1×1 PNG.
pub fn png() -> Vec<u8> {
    b64("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
}

/// A 1×1 GIF.
pub fn gif() -> Vec<u8> {
    b64("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
}

/// A 1×1 WebP.
pub fn webp() -> Vec<u8> {
    b64("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
}

/// A 1×1 JPEG.
pub fn jpeg() -> Vec<u8> {
    b64("/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=")
}

/// The alt text every upload here gives.
pub const ALT: &str = "p99 latency";

/// Uploads `bytes` into postmortem `pm` with `token`, declared as
/// `declared` (no `Content-Type` when `None`: the server sniffs); the
/// status and the answer's JSON (`Null` when it is not JSON).
pub async fn upload(
    server: &Endpoint,
    pm: &str,
    token: &str,
    declared: Option<&str>,
    bytes: Vec<u8>,
) -> (u16, serde_json::Value) {
    let mut request = server
        .http
        .post(server.url(&format!("/api/postmortems/{pm}/images?alt=p99%20latency")))
        .bearer_auth(token)
        .body(bytes);
    if let Some(declared) = declared {
        request = request.header("content-type", declared);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}
