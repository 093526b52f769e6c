//! Images pasted or dropped into the document: `POST …/images` stores one,
//! `GET …/images/{image}` serves it.
//!
//! An upload is checked by its bytes (`casebook_core::image::check_upload`:
//! PNG, JPEG, GIF or WebP; never SVG or HTML, whatever the request's
//! `Content-Type` says), stored under the SHA-256 of those bytes, and
//! flushed to disk before the 201. The answer carries the Markdown to
//! insert; the document holds only that text, never the bytes.
//!
//! Serving: with the type the bytes have, `nosniff`, a policy that allows
//! nothing (`default-src 'none'; sandbox`: even opened on its own an image
//! cannot run anything), and a year of immutable caching (the address is the
//! content's hash, so it never changes meaning). The address carries no
//! token, as `<img>` can send none: it is a capability, 256 bits that only
//! someone who has the document (or the image itself) knows.
//!
//! Before it is stored, an image loses its metadata (EXIF with GPS and the
//! device, XMP, text chunks) without being re-encoded: [`strip`]. What it
//! does not do: resize or re-encode images.

pub mod gc;
pub mod strip;

use crate::error::{ApiError, Path};
use crate::invite::Admitted;
use crate::store::PutImage;
use crate::{blocking, AppState};
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use casebook_core::api::UploadedImage;
use casebook_core::image::{check_upload, image_markdown, image_path, is_image_id, ImageError};
use casebook_core::permission::{allowed, Action};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The operator's limits on images (`--max-image-bytes`,
/// `--max-images-per-doc`).
#[derive(Debug, Clone, Copy)]
pub struct ImageSettings {
    /// Largest image, in bytes; 0: no limit.
    pub max_bytes: u64,
    /// Most images per postmortem; 0: no limit.
    pub max_per_doc: u64,
    /// How long an image no document or version mentions is kept before
    /// it is deleted (`gc.rs`).
    pub unused_grace: std::time::Duration,
}

/// A year: the longest lifetime caches honour; an image's address is its
/// content, so it may be cached for ever.
const CACHE_FOR_EVER: &str = "public, max-age=31536000, immutable";

/// What an image may do when it is opened on its own: nothing.
const IMAGE_CSP: &str = "default-src 'none'; sandbox";

/// `?alt=`: the image's text for readers who cannot see it.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The image's alternative text (the pasted file's name when the
    /// browser knows one); at most 120 characters are kept.
    alt: Option<String>,
}

fn refusal(error: ImageError) -> ApiError {
    let status = match error {
        ImageError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        ImageError::TooMany { .. } => StatusCode::CONFLICT,
        ImageError::Empty => StatusCode::BAD_REQUEST,
        ImageError::Svg | ImageError::Html | ImageError::NotAnImage => {
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        }
    };
    ApiError::new(status, error.to_string())
}

/// `POST /api/postmortems/{id}/images`: the request body is the image's
/// bytes.
#[utoipa::path(
    post,
    path = "/api/postmortems/{id}/images",
    tag = "case",
    params(crate::openapi::PostmortemId, UploadQuery),
    request_body(
        content = Vec<u8>,
        description = "The image's bytes: PNG, JPEG, GIF or WebP, recognised by the bytes themselves (the Content-Type is not believed). At most --max-image-bytes.",
        content_type = "application/octet-stream",
    ),
    security(("member" = []), ("admin" = []), ("token_query" = [])),
    responses(
        (status = 201, description = "The image, stored durably, with its address and the Markdown that shows it (whoever may edit the document now)", body = UploadedImage),
        (status = 409, description = "The postmortem already holds --max-images-per-doc images", body = casebook_core::api::ErrorBody),
        (status = 413, description = "The image is larger than --max-image-bytes", body = casebook_core::api::ErrorBody),
        (status = 415, description = "Not a PNG, JPEG, GIF or WebP image (SVG and HTML are refused)", body = casebook_core::api::ErrorBody),
    )
)]
pub async fn upload(
    State(app): State<AppState>,
    Admitted { access, record }: Admitted,
    crate::error::Query(query): crate::error::Query<UploadQuery>,
    body: Body,
) -> Result<Response, ApiError> {
    let phase = app.meetings.phase(&record).await?;
    if !allowed(access.role(), phase, Action::UploadImage) {
        return Err(ApiError::forbidden(format!(
            "a {} may not add images in {}",
            access.role(),
            phase
        )));
    }
    let settings = app.config.images;
    let limit = match settings.max_bytes {
        0 => usize::MAX,
        max => usize::try_from(max).unwrap_or(usize::MAX),
    };
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        refusal(ImageError::TooLarge {
            max: settings.max_bytes,
        })
    })?;
    let kind = check_upload(&bytes, settings.max_bytes).map_err(refusal)?;
    let uploaded = bytes.len();
    let bytes = strip::strip_metadata(kind, bytes);
    let id: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let store = Arc::clone(&app.store);
    let (pm, image) = (record.id.clone(), id.clone());
    let size = bytes.len() as u64;
    let unused = Arc::clone(&app.unused_images);
    let put = blocking(move || {
        unused.uploading(&pm, &image, || {
            store.put_image(&pm, &image, &bytes, settings.max_per_doc)
        })
    })
    .await?;
    if put == PutImage::Full {
        return Err(refusal(ImageError::TooMany {
            max: settings.max_per_doc,
        }));
    }
    tracing::info!(postmortem = %record.id, image = %id, bytes = size, metadata_removed = (uploaded as u64).saturating_sub(size), "image stored");
    let alt = query.alt.unwrap_or_default();
    let answer = UploadedImage {
        url: image_path(&record.id, &id),
        markdown: image_markdown(&record.id, &id, &alt),
        content_type: kind.content_type().to_owned(),
        bytes: size,
        id,
    };
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

/// `{id}` and `{image}`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ImagePath {
    /// The postmortem's id.
    id: String,
    /// The image's id: the SHA-256 of its bytes, 64 lowercase hex digits.
    image: String,
}

/// `GET /api/postmortems/{id}/images/{image}`: no token (see the module docs).
#[utoipa::path(
    get,
    path = "/api/postmortems/{id}/images/{image}",
    tag = "case",
    params(ImagePath),
    responses(
        (status = 200, description = "The image, with its own type, nosniff, a policy that allows nothing and immutable caching", content_type = "image/png", body = Vec<u8>),
        (status = 404, description = "No such image in this postmortem", body = casebook_core::api::ErrorBody),
    )
)]
pub async fn get_image(
    State(app): State<AppState>,
    Path(ImagePath { id, image }): Path<ImagePath>,
) -> Result<Response, ApiError> {
    let missing = || ApiError::not_found("no such image");
    if !is_image_id(&image) {
        return Err(missing());
    }
    let store = Arc::clone(&app.store);
    let bytes = blocking(move || store.image(&id, &image))
        .await?
        .ok_or_else(missing)?;
    // Stored only after this very check, so it fails only on a damaged store.
    let kind = check_upload(&bytes, 0)
        .map_err(|_| ApiError::internal("a stored image is not an image"))?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(kind.content_type()),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(IMAGE_CSP),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_FOR_EVER),
    );
    Ok(response)
}

/// `html` (a rendered case) with every image of postmortem `pm` and every
/// Mermaid diagram it shows put inside it as a `data:` URL (a diagram as
/// its sanitised SVG, still shown through `<img>`, so it runs nothing), so
/// the HTML export is one file that shows them offline, without the server
/// and without a token. Only `src="…"` attributes that the sanitising
/// renderer wrote for an uploaded image of this postmortem or a diagram are
/// replaced; an image it cannot find keeps its address.
pub async fn inline_images(app: &AppState, pm: &str, html: String) -> Result<String, ApiError> {
    use base64::Engine;
    const SRC: &str = "src=\"";
    // The export says which language it is written in.
    let japanese = html.contains("<html lang=\"ja\">");
    let mut out = String::with_capacity(html.len());
    let mut rest = html.as_str();
    while let Some(at) = rest.find(SRC) {
        let (before, after) = rest.split_at(at + SRC.len());
        out.push_str(before);
        let end = after.find('"').unwrap_or(after.len());
        let url = &after[..end];
        let inline = match casebook_core::image::parse_image_path(url) {
            Some((owner, id)) if owner == pm => {
                let store = Arc::clone(&app.store);
                let (owner, id) = (owner.to_owned(), id.to_owned());
                blocking(move || store.image(&owner, &id))
                    .await?
                    .and_then(|bytes| {
                        let kind = check_upload(&bytes, 0).ok()?;
                        Some(format!(
                            "data:{};base64,{}",
                            kind.content_type(),
                            base64::engine::general_purpose::STANDARD.encode(&bytes)
                        ))
                    })
            }
            _ => match url
                .strip_prefix(casebook_core::diagram::MERMAID_PATH)
                .and_then(|q| q.strip_prefix("?source="))
                .map(crate::diagram::decode_source)
            {
                Some(Ok(source)) => {
                    let svg = crate::diagram::draw(source, japanese).await;
                    Some(format!(
                        "data:image/svg+xml;base64,{}",
                        base64::engine::general_purpose::STANDARD.encode(svg)
                    ))
                }
                _ => None,
            },
        };
        out.push_str(inline.as_deref().unwrap_or(url));
        rest = &after[end..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `markdown` (an exported case) with the addresses of this postmortem's
/// images made absolute with `public_url`, so the file shows them wherever
/// it is read (the server still serves them).
pub fn absolute_image_urls(markdown: &str, public_url: &str, pm: &str) -> String {
    let local = format!("]({}", image_path(pm, ""));
    let absolute = format!("]({public_url}{}", image_path(pm, ""));
    markdown.replace(&local, &absolute)
}
