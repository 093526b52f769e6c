//! The case as a whole: its readiness, the publishing check, its read link,
//! its export and import.
//!
//! - `GET /api/postmortems/{id}/readiness` — the readiness findings now.
//! - Publishing (`move_phase` to `published`) is refused with 409 and the
//!   findings while there are any, unless the command carries an
//!   `override_reason` ([`publish_blocked`], called by the command handler).
//! - `GET /read/{id}` — the stable read link of a published case: the case
//!   as a standalone HTML page, for anyone who has the link, no token; 404
//!   while the case is not published (also after it was reopened).
//!   `GET /api/postmortems/{id}/read-link` tells the link.
//! - `GET /api/postmortems/{id}/export.md` / `export.html` — the whole case
//!   (`?lang=ja` for Japanese titles and labels).
//! - `POST /api/postmortems/import` — a new postmortem from a Markdown file.
//!
//! The Markdown, HTML and import rules live in `casebook_core::export`.

use crate::api::{self, Created};
use crate::error::{parse_json, ApiError, RawBody};
use crate::invite::{Admin, Admitted};
use crate::store::PostmortemRecord;
use crate::{blocking, AppState};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use casebook_core::api::{ReadLink, Readiness};
use casebook_core::document::{section_text_name, BODY};
use casebook_core::export::{case_html, case_markdown, import_sections, CaseExport};
use casebook_core::meeting::{Change, Event, Meeting};
use casebook_core::outline::{self, valid_custom_id};
use casebook_core::phase::Phase;
use casebook_core::readiness::{self, Finding, SectionText};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use yrs::{GetString, ReadTxn, Text, WriteTxn};

/// What the document says: its sections in outline order and the draft.
pub struct CaseDoc {
    pub sections: Vec<SectionText>,
    pub draft: String,
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
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

/// The findings that keep the publishing command in `events` from going
/// through: `None` when the events do not publish, carry an override reason,
/// or the case has no findings.
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
    let findings = readiness::check(&doc.sections, meeting);
    Ok((!findings.is_empty()).then_some(findings))
}

/// The 409 answer to publishing with findings left.
pub fn refused_with(findings: Vec<Finding>) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        format!(
            "the case is not ready to publish: {} finding(s) left; fix them, or publish with an \
             `override_reason` that will be kept with the case",
            findings.len()
        ),
    )
    .with("findings", json!(findings))
}

/// `GET /api/postmortems/{id}/readiness` (any role).
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
    let findings = readiness::check(&doc.sections, &meeting);
    Ok(Json(Readiness {
        ready: findings.is_empty(),
        findings,
    }))
}

/// The stable read link of a case (valid while it is published).
pub fn read_link(app: &AppState, pm: &str) -> String {
    format!("{}/read/{pm}", app.config.public_url)
}

/// `GET /api/postmortems/{id}/read-link` (any role).
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

#[derive(Debug, Default, Deserialize)]
pub struct ExportQuery {
    /// `ja` for Japanese section titles and labels.
    pub lang: Option<String>,
}

/// Renders a case with `render` from its record, meeting and document.
async fn render_case(
    app: &AppState,
    record: &PostmortemRecord,
    japanese: bool,
    render: fn(&CaseExport) -> String,
) -> Result<String, ApiError> {
    let meeting = app.meetings.get(record).await?.lock().await.meeting.clone();
    let doc = read_case(app, &record.id).await?;
    Ok(render(&CaseExport {
        title: &record.title,
        created_at_ms: record.created_at * 1000,
        sections: &doc.sections,
        draft: &doc.draft,
        meeting: &meeting,
        now_ms: now_ms(),
        japanese,
    }))
}

fn japanese(query: &ExportQuery) -> bool {
    query.lang.as_deref() == Some("ja")
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
            "default-src 'none'; style-src 'unsafe-inline'; img-src http: https:; base-uri 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// `GET /api/postmortems/{id}/export.md` (any role).
pub async fn export_markdown(
    State(app): State<AppState>,
    Admitted { record, .. }: Admitted,
    Query(query): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let markdown = render_case(&app, &record, japanese(&query), case_markdown).await?;
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
pub async fn export_html(
    State(app): State<AppState>,
    Admitted { record, .. }: Admitted,
    Query(query): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let html = render_case(&app, &record, japanese(&query), case_html).await?;
    Ok(html_response(html))
}

/// `GET /read/{id}`: a published case, read-only, for anyone with the link.
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
    let html = render_case(&app, &record, japanese(&query), case_html).await?;
    Ok(html_response(html))
}

#[derive(Deserialize)]
pub struct ImportRequest {
    title: Option<String>,
    markdown: String,
}

/// `POST /api/postmortems/import` (admin token): a new postmortem whose
/// document holds the file's sections (see `casebook_core::export`).
pub async fn import(
    State(app): State<AppState>,
    _: Admin,
    body: RawBody,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let request: ImportRequest = parse_json(body)?;
    if request.markdown.trim().is_empty() {
        return Err(ApiError::bad_request("the Markdown file is empty"));
    }
    let case = import_sections(&request.markdown);
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
        let mut next_custom = 1;
        for section in &case.sections {
            let id = match &section.id {
                Some(id) if casebook_core::document::template_section(id).is_some() => id.clone(),
                given => {
                    let id = given
                        .clone()
                        .filter(|id| valid_custom_id(id).is_ok() && !placed.contains(id))
                        .unwrap_or_else(|| loop {
                            let id = format!("custom-{next_custom}");
                            next_custom += 1;
                            if !placed.contains(&id) {
                                break id;
                            }
                        });
                    let title: String = section
                        .title
                        .chars()
                        .take(casebook_core::limits::MAX_SECTION_TITLE_CHARS)
                        .collect();
                    let title = if title.trim().is_empty() {
                        id.clone()
                    } else {
                        title
                    };
                    if outline::add_section(txn, &id, &title, None).is_err() {
                        continue;
                    }
                    id
                }
            };
            let text = txn.get_or_insert_text(section_text_name(&id).as_str());
            let end = text.len(txn);
            text.insert(txn, end, &section.markdown);
            placed.push(id);
        }
        if let Some(draft) = &case.draft {
            let body = txn.get_or_insert_text(BODY);
            body.insert(txn, 0, draft);
        }
        // The file's order, then the sections it did not mention.
        for (index, id) in placed.iter().enumerate() {
            let _ = outline::move_section(txn, id, index);
        }
    });
    app.rooms.leave(&room, conn);
    result.map_err(|e| ApiError::internal(format!("the imported document was not stored: {e}")))?;
    tracing::info!(id = %created.id, sections = placed.len(), "postmortem imported");
    let mut created = created;
    created.sections = Some(placed);
    Ok((StatusCode::CREATED, Json(created)))
}
