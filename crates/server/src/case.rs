//! The case as a whole: its readiness, the publishing check, its read link,
//! its export and import.
//!
//! - `GET /api/postmortems/{id}/readiness` — the readiness findings now.
//! - Publishing (`move_phase` to `published`) is refused with 409 and the
//!   blocking findings while there are any (advice never blocks), unless the
//!   command carries an `override_reason` ([`publish_blocked`], called by the
//!   command handler).
//! - `GET /read/{id}` — the stable read link of a published case: the case
//!   as a standalone HTML page, for anyone who has the link, no token; 404
//!   while the case is not published (also after it was reopened).
//!   `GET /api/postmortems/{id}/read-link` tells the link.
//! - `GET /api/postmortems/{id}/export.md` / `export.html` — the whole case,
//!   in the language it is written in (`?lang=ja` / `?lang=en` to choose).
//! - `PUT /api/postmortems/{id}/incident` — when the incident began and the
//!   case's time zone (whoever may edit the document now).
//! - `POST /api/postmortems/import` — a new postmortem from a Markdown file
//!   (`keep_as_written`: headings not to map to a template section).
//!
//! The Markdown, HTML and import rules live in `casebook_core::export`.

use crate::api::{self, Created};
use crate::error::{parse_json, ApiError, Path, Query, RawBody};
use crate::invite::{Admin, Admitted};
use crate::store::PostmortemRecord;
use crate::{blocking, AppState};
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use casebook_core::api::{ErrorBody, ReadLink, Readiness};
use casebook_core::case::{case_is_japanese, Incident, PublishRefused};
use casebook_core::document::BODY;
use casebook_core::export::{case_html, case_markdown, CaseExport};
use casebook_core::import::{import_sections_with, write_imported};
use casebook_core::meeting::{Change, Event, Meeting};
use casebook_core::permission::{allowed, Action};
use casebook_core::phase::Phase;
use casebook_core::readiness::{self, Finding, SectionText};
use serde::Deserialize;
use std::sync::Arc;
use yrs::{GetString, ReadTxn};

/// What the document says: its sections in outline order and the draft.
pub struct CaseDoc {
    pub sections: Vec<SectionText>,
    pub draft: String,
}

/// Reads a postmortem's document (loading it if needed).
pub async fn read_case(app: &AppState, pm: &str) -> Result<CaseDoc, ApiError> {
    let (room, conn) = app.rooms.join(pm).await.map_err(|e| {
        tracing::error!(postmortem = %pm, error = %e, "document not loaded");
        ApiError::internal(format!("the document could not be loaded: {e}"))
    })?;
    let doc = room.read(|txn| CaseDoc {
        sections: readiness::section_texts(txn),
        draft: txn
            .get_text(BODY)
            .map(|t| t.get_string(txn))
            .unwrap_or_default(),
    });
    app.rooms.leave(&room, conn);
    Ok(doc)
}

/// The blocking findings that keep the publishing command in `events` from
/// going through: `None` when the events do not publish, carry an override
/// reason, or the case has no blocking finding (advice never blocks).
pub async fn publish_blocked(
    app: &AppState,
    pm: &str,
    meeting: &Meeting,
    events: &[Event],
) -> Result<Option<Vec<Finding>>, ApiError> {
    let publishes_without_reason = events.iter().any(|e| {
        matches!(
            &e.change,
            Change::PhaseMoved {
                to: Phase::Published,
                override_reason: None,
                ..
            }
        )
    });
    if !publishes_without_reason {
        return Ok(None);
    }
    let doc = read_case(app, pm).await?;
    let blocking: Vec<Finding> = readiness::check(&doc.sections, meeting)
        .into_iter()
        .filter(Finding::blocks)
        .collect();
    Ok((!blocking.is_empty()).then_some(blocking))
}

/// The 409 answer to publishing with findings left: a [`PublishRefused`].
pub fn refused_with(findings: Vec<Finding>) -> ApiError {
    let refused = PublishRefused::new(findings);
    let findings = serde_json::to_value(&refused.findings).unwrap_or_default();
    ApiError::new(StatusCode::CONFLICT, refused.error).with("findings", findings)
}

/// `GET /api/postmortems/{id}/readiness` (any role): the check the browser
/// runs live, plus the answers not folded into their sections (known from
/// the versions the server keeps, so only here).
#[utoipa::path(
    get,
    path = "/api/postmortems/{id}/readiness",
    tag = "case",
    params(crate::openapi::PostmortemId),
    security(("member" = []), ("admin" = []), ("token_query" = [])),
    responses((status = 200, description = "The readiness findings now", body = Readiness))
)]
pub async fn get_readiness(
    State(app): State<AppState>,
    Admitted { record, .. }: Admitted,
) -> Result<Json<Readiness>, ApiError> {
    let meeting = app
        .meetings
        .get(&record)
        .await?
        .lock()
        .await
        .meeting
        .clone();
    let doc = read_case(&app, &record.id).await?;
    let mut findings = readiness::check(&doc.sections, &meeting);
    findings
        .extend(crate::versions::answer_findings(&app, &record.id, &meeting, &doc.sections).await?);
    Ok(Json(Readiness::of(findings)))
}

/// The stable read link of a case (valid while it is published).
pub fn read_link(app: &AppState, pm: &str) -> String {
    format!("{}/read/{pm}", app.config.public_url)
}

/// `GET /api/postmortems/{id}/read-link` (any role).
#[utoipa::path(
    get,
    path = "/api/postmortems/{id}/read-link",
    tag = "case",
    params(crate::openapi::PostmortemId),
    security(("member" = []), ("admin" = []), ("token_query" = [])),
    responses((status = 200, description = "The case's stable read link and whether it is published", body = ReadLink))
)]
pub async fn get_read_link(
    State(app): State<AppState>,
    Admitted { record, .. }: Admitted,
) -> Result<Json<ReadLink>, ApiError> {
    let published = app
        .meetings
        .get(&record)
        .await?
        .lock()
        .await
        .meeting
        .published
        .clone();
    Ok(Json(ReadLink {
        link: read_link(&app, &record.id),
        published: published.is_some(),
        published_at_ms: published.map(|p| p.at_ms),
    }))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `ja` or `en` for section titles and labels in that language; without
    /// it, the language the case is written in.
    pub lang: Option<String>,
}

/// Who a rendered case is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Audience {
    /// Token holders (the exports): they may read every version, so the
    /// case says what the meeting changed, removed words included.
    Members,
    /// Anyone with the read link: the case as published, without the words
    /// its authors removed.
    Anyone,
}

/// Renders a case with `render` from its record, meeting and document, in
/// the language asked for, else the case's own.
async fn render_case(
    app: &AppState,
    record: &PostmortemRecord,
    query: &ExportQuery,
    render: fn(&CaseExport) -> String,
    audience: Audience,
) -> Result<String, ApiError> {
    let meeting = app.meetings.get(record).await?.lock().await.meeting.clone();
    let doc = read_case(app, &record.id).await?;
    let japanese = match query.lang.as_deref() {
        Some(lang) => lang.eq_ignore_ascii_case("ja"),
        None => case_is_japanese(&doc.sections),
    };
    let changes = match audience {
        Audience::Members => {
            crate::versions::meeting_changes(app, &record.id, &doc.sections).await?
        }
        Audience::Anyone => Vec::new(),
    };
    Ok(render(&CaseExport {
        title: &record.title,
        incident_at_ms: record.incident.map(|i| i.started_at_ms),
        utc_offset: record.incident.map_or(0, |i| i.utc_offset_minutes),
        sections: &doc.sections,
        draft: &doc.draft,
        meeting: &meeting,
        japanese,
        changes: &changes,
    }))
}

/// Headers for a generated page: no script may run, styles inline only.
fn html_response(html: String) -> Response {
    let mut response = html.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// `GET /api/postmortems/{id}/export.md` (any role).
#[utoipa::path(
    get,
    path = "/api/postmortems/{id}/export.md",
    tag = "case",
    params(crate::openapi::PostmortemId, ExportQuery),
    security(("member" = []), ("admin" = []), ("token_query" = [])),
    responses((
        status = 200,
        description = "The whole case as Markdown, with markers that import back exactly",
        content_type = "text/markdown",
        body = String,
    ))
)]
pub async fn export_markdown(
    State(app): State<AppState>,
    Admitted { record, .. }: Admitted,
    Query(query): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let markdown = render_case(&app, &record, &query, case_markdown, Audience::Members).await?;
    let markdown =
        crate::images::absolute_image_urls(&markdown, &app.config.public_url, &record.id);
    let mut response = markdown.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/markdown; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}.md\"", record.id)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// `GET /api/postmortems/{id}/export.html` (any role).
#[utoipa::path(
    get,
    path = "/api/postmortems/{id}/export.html",
    tag = "case",
    params(crate::openapi::PostmortemId, ExportQuery),
    security(("member" = []), ("admin" = []), ("token_query" = [])),
    responses((
        status = 200,
        description = "The whole case as a standalone HTML page without script",
        content_type = "text/html",
        body = String,
    ))
)]
pub async fn export_html(
    State(app): State<AppState>,
    Admitted { record, .. }: Admitted,
    Query(query): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let html = render_case(&app, &record, &query, case_html, Audience::Members).await?;
    let html = crate::images::inline_images(&app, &record.id, html).await?;
    Ok(html_response(html))
}

/// `GET /read/{id}`: a published case, read-only, for anyone with the link.
#[utoipa::path(
    get,
    path = "/read/{id}",
    tag = "pages",
    params(crate::openapi::PostmortemId, ExportQuery),
    responses(
        (
            status = 200,
            description = "The published case as a standalone HTML page without script",
            content_type = "text/html",
            body = String,
        ),
        (status = 400, description = "A path or query parameter that is not valid", body = ErrorBody),
        (status = 404, description = "No such case, or it is not published (now)", body = ErrorBody),
    )
)]
pub async fn read_page(
    State(app): State<AppState>,
    Path(pm): Path<String>,
    Query(query): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let store = Arc::clone(&app.store);
    let id = pm.clone();
    let not_published = || ApiError::not_found(format!("no published case {pm:?}"));
    let record = blocking(move || store.postmortem(&id))
        .await?
        .ok_or_else(not_published)?;
    let published = app
        .meetings
        .get(&record)
        .await?
        .lock()
        .await
        .meeting
        .published
        .is_some();
    if !published {
        return Err(not_published());
    }
    let html = render_case(&app, &record, &query, case_html, Audience::Anyone).await?;
    Ok(html_response(html))
}

/// `PUT /api/postmortems/{id}/incident` with an [`Incident`]: stored with the
/// case; the exports and the read page show every time in its zone.
#[utoipa::path(
    put,
    path = "/api/postmortems/{id}/incident",
    tag = "case",
    params(crate::openapi::PostmortemId),
    request_body = Incident,
    security(("member" = []), ("admin" = []), ("token_query" = [])),
    responses((status = 200, description = "The incident time and zone, stored (whoever may edit the document now)", body = Incident))
)]
pub async fn put_incident(
    State(app): State<AppState>,
    Admitted { access, mut record }: Admitted,
    body: RawBody,
) -> Result<Json<Incident>, ApiError> {
    let phase = app.meetings.phase(&record).await?;
    if !allowed(access.role(), phase, Action::EditDocument) {
        return Err(ApiError::forbidden(format!(
            "a {} may not change the case during {}",
            access.role(),
            phase.as_str().replace('_', " ")
        )));
    }
    let incident: Incident = parse_json(body)?;
    incident
        .check()
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    record.incident = Some(incident);
    let id = record.id.clone();
    let store = Arc::clone(&app.store);
    blocking(move || store.create_postmortem(&record)).await?;
    tracing::info!(postmortem = %id, "incident time set");
    Ok(Json(incident))
}

/// `POST /api/postmortems/import`'s body.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ImportRequest {
    /// The new postmortem's title; without it, the file's first heading.
    #[schema(schema_with = crate::openapi::import_title_schema)]
    title: Option<String>,
    #[schema(schema_with = crate::openapi::markdown_schema)]
    markdown: String,
    /// Headings the import would map to a section by a guess, which the
    /// person importing chose to keep as sections of their own.
    #[serde(default)]
    keep_as_written: Vec<String>,
}

/// `POST /api/postmortems/import` (admin token): a new postmortem whose
/// document holds the file's sections (see `casebook_core::export`).
#[utoipa::path(
    post,
    operation_id = "import_postmortem",
    path = "/api/postmortems/import",
    tag = "postmortems",
    request_body = ImportRequest,
    security(("admin" = []), ("token_query" = [])),
    responses((status = 201, description = "The new postmortem, with the sections the file filled", body = Created))
)]
pub async fn import(
    State(app): State<AppState>,
    _: Admin,
    body: RawBody,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let request: ImportRequest = parse_json(body)?;
    if request.markdown.trim().is_empty() {
        return Err(ApiError::bad_request("the Markdown file is empty"));
    }
    let case = import_sections_with(&request.markdown, &request.keep_as_written);
    // A title given in the request is checked as given; one taken from the
    // file is cut to fit.
    let title = match request.title.filter(|t| !t.trim().is_empty()) {
        Some(title) => title,
        None => case
            .title
            .as_deref()
            .map(|t| {
                t.chars()
                    .take(casebook_core::limits::MAX_POSTMORTEM_TITLE_CHARS)
                    .collect::<String>()
            })
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| "Imported postmortem".to_owned()),
    };
    let created: Created = api::create(&app, &title).await?;
    let (room, conn) =
        app.rooms.join(&created.id).await.map_err(|e| {
            ApiError::internal(format!("the new document could not be loaded: {e}"))
        })?;
    let mut placed: Vec<String> = Vec::new();
    let result = room.apply_server_change(app.rooms.commit(), |txn| {
        placed = write_imported(txn, &case);
    });
    app.rooms.leave(&room, conn);
    result.map_err(|e| ApiError::internal(format!("the imported document was not stored: {e}")))?;
    tracing::info!(id = %created.id, sections = placed.len(), "postmortem imported");
    let mut created = created;
    created.sections = Some(placed);
    Ok((StatusCode::CREATED, Json(created)))
}
