//! `GET /api/diagrams/mermaid.svg?source=…`: a ```` ```mermaid ```` block of
//! the document, drawn as a static SVG (see `casebook_core::diagram`, which
//! writes the address).
//!
//! Drawn on the server with `mermaid-svg` (pure Rust, pinned; README
//! "Diagrams" says why this one), never in the browser's bundle. What it draws is sanitised
//! ([`svg::sanitize`]) before it is served, and served as an image with a
//! policy that runs nothing (`default-src 'none'; style-src 'unsafe-inline'`
//! plus `sandbox`), so even opened on its own it cannot run script. A
//! diagram that does not parse (or that the renderer fails on) is drawn as
//! its error and its source, still a 200 image, so a page never breaks.
//!
//! No token: `<img>` sends none, and the address holds the whole diagram,
//! so it reveals nothing its holder does not already have. Drawing costs
//! CPU, so sources are capped (`MAX_DIAGRAM_SOURCE_BYTES`), at most
//! [`DRAWING_AT_ONCE`] are drawn at a time, each within [`DRAW_WITHIN`], and
//! the answer is cached by browsers for a day.

pub mod svg;

use crate::error::{ApiError, Query};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use casebook_core::limits::MAX_DIAGRAM_SOURCE_BYTES;
use serde::Deserialize;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Diagrams drawn at the same time: the rest wait, so a page full of
/// diagrams (or someone asking for many) cannot take every core.
pub const DRAWING_AT_ONCE: usize = 2;
static DRAWING: Semaphore = Semaphore::const_new(DRAWING_AT_ONCE);

/// Longest a drawing may take (a real diagram takes milliseconds); past
/// it the answer is an error drawing.
pub const DRAW_WITHIN: Duration = Duration::from_secs(10);

/// What a drawing may do when opened on its own: show itself, with its
/// inline styles.
const DIAGRAM_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/// A day: the address is the diagram, so a new renderer version is the only
/// reason an answer could change.
const CACHE_A_DAY: &str = "public, max-age=86400";

/// `?source=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiagramQuery {
    /// The diagram's Mermaid source, UTF-8 in base64url without padding.
    source: String,
}

/// The diagram `source` drawn as an SVG, as `mermaid-svg` writes it (not
/// yet sanitised), or what went wrong (with its line).
pub fn draw_mermaid(source: &str) -> Result<String, String> {
    mermaid_svg::render(source).map_err(|e| {
        // Its parse errors say "parse error" twice.
        e.to_string()
            .replacen("parse error: parse error", "parse error", 1)
    })
}

/// The diagram drawn and sanitised, or an SVG that shows `source` and why
/// it could not be drawn (its first line in Japanese when `japanese`).
pub fn safe_drawing(source: &str, japanese: bool) -> String {
    let drawn = draw_mermaid(source).and_then(|svg| svg::sanitize(&svg).map_err(|e| e.to_string()));
    drawn.unwrap_or_else(|error| error_svg(japanese, &error, source))
}

/// An SVG with a sentence in the reader's language on top
/// ([`casebook_core::diagram::not_drawn`]), the renderer's `error` under it
/// and `source` below, line by line, in a monospace font: what a reader sees
/// instead of a diagram that failed.
pub fn error_svg(japanese: bool, error: &str, source: &str) -> String {
    const LINE: usize = 18;
    const CHAR: usize = 8;
    let summary = casebook_core::diagram::not_drawn(japanese);
    let error_lines: Vec<&str> = std::iter::once(summary)
        .chain(error.lines().take(6))
        .collect();
    let source_lines: Vec<&str> = source.lines().take(60).collect();
    let widest = error_lines
        .iter()
        .chain(&source_lines)
        .map(|l| l.chars().count().min(160))
        .max()
        .unwrap_or(20);
    let width = 24 + widest * CHAR;
    let height = 20 + (error_lines.len() + source_lines.len() + 1) * LINE;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\">\
         <style>text{{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px;white-space:pre}}</style>\
         <rect width=\"100%\" height=\"100%\" fill=\"#fff8f7\" stroke=\"#d1242f\"/>"
    );
    let mut y = 24;
    for (i, line) in error_lines.iter().enumerate() {
        let weight = if i == 0 { "bold" } else { "normal" };
        out.push_str(&format!(
            "<text x=\"12\" y=\"{y}\" fill=\"#b42318\" font-weight=\"{weight}\">"
        ));
        svg::escape(line, false, &mut out);
        out.push_str("</text>");
        y += LINE;
    }
    y += LINE / 2;
    for line in &source_lines {
        out.push_str(&format!(
            "<text x=\"12\" y=\"{y}\" fill=\"#1d2330\" xml:space=\"preserve\">"
        ));
        svg::escape(line, false, &mut out);
        out.push_str("</text>");
        y += LINE;
    }
    out.push_str("</svg>");
    out
}

/// The source a query carries, or why it is not one.
pub fn decode_source(encoded: &str) -> Result<String, ApiError> {
    if encoded.len() > MAX_DIAGRAM_SOURCE_BYTES.div_ceil(3) * 4 {
        return Err(ApiError::bad_request(format!(
            "a diagram's source is at most {MAX_DIAGRAM_SOURCE_BYTES} bytes"
        )));
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(encoded.trim_end_matches('='))
        .map_err(|e| ApiError::bad_request(format!("source is not base64url: {e}")))?;
    String::from_utf8(bytes).map_err(|_| ApiError::bad_request("source is not UTF-8 text"))
}

/// Draws `source` off the async runtime, at most [`DRAWING_AT_ONCE`] at a
/// time and within [`DRAW_WITHIN`]; a renderer that panics or takes too
/// long gives an error drawing.
pub async fn draw(source: String, japanese: bool) -> String {
    let Ok(_turn) = DRAWING.acquire().await else {
        return error_svg(japanese, "the server is shutting down", &source);
    };
    let shown = source.clone();
    let job = tokio::task::spawn_blocking(move || safe_drawing(&source, japanese));
    match tokio::time::timeout(DRAW_WITHIN, job).await {
        Ok(Ok(svg)) => svg,
        Ok(Err(_)) => error_svg(
            japanese,
            "the diagram renderer failed on this diagram",
            &shown,
        ),
        Err(_) => error_svg(japanese, "the diagram took too long to draw", &shown),
    }
}

/// Whether a request's `Accept-Language` puts Japanese first: the language
/// of a drawing's error sentence.
fn prefers_japanese(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .is_some_and(|first| first.trim().to_ascii_lowercase().starts_with("ja"))
}

/// `GET /api/diagrams/mermaid.svg?source=…`.
#[utoipa::path(
    get,
    path = "/api/diagrams/mermaid.svg",
    tag = "case",
    params(DiagramQuery),
    responses(
        (status = 200, description = "The diagram as a static, sanitised SVG (or, when it does not parse, an SVG showing the error and the source); served with a policy that runs nothing", content_type = "image/svg+xml", body = String),
        (status = 400, description = "The source is not base64url UTF-8, or is longer than the limit", body = casebook_core::api::ErrorBody),
    )
)]
pub async fn mermaid_svg(
    request_headers: axum::http::HeaderMap,
    Query(query): Query<DiagramQuery>,
) -> Result<Response, ApiError> {
    let source = decode_source(&query.source)?;
    let svg = draw(source, prefers_japanese(&request_headers)).await;
    let mut response = svg.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(DIAGRAM_CSP),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_A_DAY));
    // A drawing that failed says so in the reader's language.
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Language"));
    Ok(response)
}
