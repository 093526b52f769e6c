//! Versions of a postmortem's document (`casebook_core::versions`):
//!
//! - kept by the server when the meeting enters silent reading, revision or
//!   publication and when a question is answered ([`keep`], called by the
//!   command handler after the events are stored);
//! - `POST /api/postmortems/{id}/versions` — saved on demand with a label
//!   (the permission table's `save_version` row);
//! - `GET /api/postmortems/{id}/versions` — the list, oldest first;
//! - `GET /api/postmortems/{id}/versions/{version}` — one version, whole;
//! - `GET /api/postmortems/{id}/versions/{version}/diff?to=…` — what changed
//!   per section, word by word, up to another version or the document now.
//!
//! A version due at an event that a stop left unkept is kept when the
//! meeting is next loaded ([`catch_up`]).
//!
//! Versions are numbered by their place in the store's `versions` tree.
//! Every keep happens under the meeting's lock, which serialises the
//! numbering per postmortem. Reading is open to every token that may read
//! the document (the same [`Admitted`] check as every other `GET`).

use crate::case::read_case;
use crate::error::{parse_json, ApiError, Path, Query, RawBody};
use crate::invite::Admitted;
use crate::room::Rooms;
use crate::store::{PostmortemRecord, Store};
use crate::{blocking, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use casebook_core::limits::MAX_VERSION_LABEL_CHARS;
use casebook_core::meeting::{Change, Event, Meeting};
use casebook_core::outline::SectionTitle;
use casebook_core::permission::{allowed, Action};
use casebook_core::phase::Phase;
use casebook_core::versions::{
    diff_versions, kept_for, resolve, stored_sections, SaveVersion, StoredVersion, Version,
    VersionDiff, VersionList, VersionReason, VersionSection, VersionSummary,
};
use serde::Deserialize;
use std::sync::Arc;

/// Why a version is being kept, and by whom.
pub struct Keep {
    pub reason: VersionReason,
    /// The saved label; the reason's default label when `None`.
    pub label: Option<String>,
    pub comment_id: Option<String>,
    pub by: Option<String>,
    pub at_ms: u64,
    /// The meeting event it is kept for, by its place in the log.
    pub event: Option<u64>,
}

/// Every stored version of `pm`, whole.
pub(crate) async fn all_versions(app: &AppState, pm: &str) -> Result<Vec<Version>, ApiError> {
    stored_versions(&app.store, pm).await
}

/// Every stored version of `pm` in `store`, whole.
async fn stored_versions(store: &Arc<dyn Store>, pm: &str) -> Result<Vec<Version>, ApiError> {
    let store = Arc::clone(store);
    let id = pm.to_owned();
    let raw = blocking(move || store.versions(&id)).await?;
    let stored = raw
        .iter()
        .map(|bytes| serde_json::from_slice::<StoredVersion>(bytes))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ApiError::internal(format!("a stored version of {pm} is corrupt: {e}")))?;
    resolve(&stored).map_err(|e| ApiError::internal(e.to_string()))
}

/// The document's sections now, as a version holds them.
async fn current_sections(app: &AppState, pm: &str) -> Result<Vec<VersionSection>, ApiError> {
    Ok(version_sections(&read_case(app, pm).await?.sections))
}

/// The document's sections as a version holds them.
pub fn version_sections(sections: &[casebook_core::readiness::SectionText]) -> Vec<VersionSection> {
    sections
        .iter()
        .map(|s| VersionSection {
            id: s.section.id.clone(),
            custom_title: match &s.section.title {
                SectionTitle::Custom(title) => Some(title.clone()),
                SectionTitle::Template(_) => None,
            },
            markdown: s.markdown.clone(),
        })
        .collect()
}

/// What the meeting changed in `sections`: the diff from the version kept
/// when silent reading started (none before that).
pub async fn meeting_changes(
    app: &AppState,
    pm: &str,
    sections: &[casebook_core::readiness::SectionText],
) -> Result<Vec<casebook_core::versions::SectionDiff>, ApiError> {
    let versions = all_versions(app, pm).await?;
    Ok(casebook_core::versions::reading_start(&versions)
        .map(|start| diff_versions(&start.sections, &version_sections(sections)))
        .unwrap_or_default())
}

/// The readiness findings for answers not folded into their sections
/// (`casebook_core::readiness::answers`), from the versions kept after
/// each answer.
pub async fn answer_findings(
    app: &AppState,
    pm: &str,
    meeting: &Meeting,
    sections: &[casebook_core::readiness::SectionText],
) -> Result<Vec<casebook_core::readiness::Finding>, ApiError> {
    let versions = all_versions(app, pm).await?;
    let current = version_sections(sections);
    Ok(casebook_core::readiness::answers::check_answers_folded(
        meeting,
        &|id| {
            let comment = meeting.comment(id)?;
            let section = comment.anchor.section.as_str();
            let section = section.strip_prefix("section:").unwrap_or(section);
            casebook_core::versions::edited_since_answer(&versions, id, section, &current)
        },
    ))
}

/// Stores the document as it is now as the next version of `record`. The
/// caller holds the meeting's lock (`meeting` is read under it). Open
/// History lists learn of it through the meeting room's `versions` count,
/// which the caller writes.
pub async fn keep(
    app: &AppState,
    record: &PostmortemRecord,
    meeting: &Meeting,
    keep: Keep,
) -> Result<VersionSummary, ApiError> {
    let version = keep_in(&app.store, &app.rooms, &record.id, meeting.phase, keep).await?;
    app.meetings.versions_kept(&record.id, version.id + 1);
    Ok(version)
}

/// [`keep`] with only what it needs: the store and the document's room.
async fn keep_in(
    store: &Arc<dyn Store>,
    rooms: &Arc<Rooms>,
    pm: &str,
    phase: Phase,
    keep: Keep,
) -> Result<VersionSummary, ApiError> {
    let versions = stored_versions(store, pm).await?;
    let sections = {
        let (room, conn) = rooms
            .join(pm)
            .await
            .map_err(|e| ApiError::internal(format!("the document could not be loaded: {e}")))?;
        let sections = room.read(|txn| casebook_core::readiness::section_texts(txn));
        rooms.leave(&room, conn);
        version_sections(&sections)
    };
    let version = VersionSummary {
        id: versions.len() as u64,
        label: keep
            .label
            .unwrap_or_else(|| keep.reason.default_label().to_owned()),
        phase,
        at_ms: keep.at_ms,
        reason: keep.reason,
        comment_id: keep.comment_id,
        by: keep.by,
        event: keep.event,
    };
    let stored = StoredVersion {
        version: version.clone(),
        sections: stored_sections(versions.last().map(|v| v.sections.as_slice()), &sections),
    };
    let bytes = serde_json::to_vec(&stored).expect("a version always serialises");
    let store = Arc::clone(store);
    let (id, seq) = (pm.to_owned(), version.id);
    blocking(move || store.append_version(&id, seq, &bytes)).await?;
    tracing::info!(postmortem = %pm, version = version.id, reason = ?version.reason, "version kept");
    Ok(version)
}

/// The version a meeting event calls for, if any: on entering silent
/// reading, revision or publication, and after each answer.
pub fn due(event: &Event, seq: u64) -> Option<Keep> {
    let (reason, comment_id) = match &event.change {
        Change::PhaseMoved { to, .. } => (VersionReason::on_entering(*to)?, None),
        Change::QuestionAnswered { comment_id, .. } => {
            (VersionReason::Answered, Some(comment_id.clone()))
        }
        _ => return None,
    };
    Some(Keep {
        reason,
        label: None,
        comment_id,
        by: None,
        at_ms: event.at_ms,
        event: Some(seq),
    })
}

/// When a meeting is loaded from its log: keeps the versions its last
/// events called for that a stop between storing an event and keeping its
/// version left out (each once: a version names its event). Only events at
/// or after the last kept version are looked at, so a version that failed
/// long ago is not made now from today's document. Answers the number of
/// versions kept in all. The document is as the stop left it, which is as
/// close to the event as can be had.
pub async fn catch_up(
    store: &Arc<dyn Store>,
    rooms: &Arc<Rooms>,
    pm: &str,
    meeting: &Meeting,
    events: &[Event],
) -> Result<u64, ApiError> {
    let versions = stored_versions(store, pm).await?;
    let mut kept = versions.len() as u64;
    let summaries: Vec<VersionSummary> = versions.into_iter().map(|v| v.version).collect();
    let since = summaries.last().map_or(0, |v| v.at_ms);
    for (seq, event) in events.iter().enumerate() {
        let seq = seq as u64;
        let Some(keep) = due(event, seq) else {
            continue;
        };
        if event.at_ms < since || kept_for(&summaries, seq, keep.reason, keep.at_ms) {
            continue;
        }
        let phase = match &event.change {
            Change::PhaseMoved { to, .. } => *to,
            _ => meeting.phase,
        };
        let version = keep_in(store, rooms, pm, phase, keep).await?;
        tracing::warn!(postmortem = %pm, version = version.id, event = seq, "version kept late: the server stopped before keeping it");
        kept = version.id + 1;
    }
    Ok(kept)
}

/// `GET /api/postmortems/{id}/versions` (any role that reads the document).
#[utoipa::path(
    get,
    operation_id = "list_versions",
    path = "/api/postmortems/{id}/versions",
    tag = "versions",
    params(crate::openapi::PostmortemId),
    security(("member" = []), ("admin" = []), ("token_query" = [])),
    responses((status = 200, description = "Every version of the document, oldest first", body = VersionList))
)]
pub async fn list(
    State(app): State<AppState>,
    Admitted { record, .. }: Admitted,
) -> Result<Json<VersionList>, ApiError> {
    let versions = all_versions(&app, &record.id).await?;
    Ok(Json(VersionList {
        versions: versions.into_iter().map(|v| v.version).collect(),
    }))
}

/// `POST /api/postmortems/{id}/versions`: keeps the document as it is now,
/// with a label (authors and the facilitator, until publication).
#[utoipa::path(
    post,
    operation_id = "save_version",
    path = "/api/postmortems/{id}/versions",
    tag = "versions",
    params(crate::openapi::PostmortemId),
    request_body = SaveVersion,
    security(("member" = []), ("admin" = []), ("token_query" = [])),
    responses(
        (status = 201, description = "The version kept", body = VersionSummary),
        (status = 400, description = "The label is empty or too long", body = casebook_core::api::ErrorBody),
    )
)]
pub async fn save(
    State(app): State<AppState>,
    Admitted { access, record }: Admitted,
    body: RawBody,
) -> Result<(StatusCode, Json<VersionSummary>), ApiError> {
    let slot = app.meetings.get(&record).await?;
    let loaded = slot.lock().await;
    let role = access.role();
    if !allowed(role, loaded.meeting.phase, Action::SaveVersion) {
        return Err(ApiError::forbidden(format!(
            "a {role} may not save a version while the meeting is in {}",
            loaded.meeting.phase
        )));
    }
    let body: SaveVersion = parse_json(body)?;
    let label = body.label.trim();
    if label.is_empty() || label.chars().count() > MAX_VERSION_LABEL_CHARS {
        return Err(ApiError::bad_request(format!(
            "a version's label must have 1 to {MAX_VERSION_LABEL_CHARS} characters"
        )));
    }
    let by = crate::meeting::actor(&access).display_name;
    let version = keep(
        &app,
        &record,
        &loaded.meeting,
        Keep {
            reason: VersionReason::Saved,
            label: Some(label.to_owned()),
            comment_id: None,
            by: Some(by),
            at_ms: crate::meeting::now_ms(),
            event: None,
        },
    )
    .await?;
    crate::meeting::write_room(&app, &record, &loaded.meeting);
    Ok((StatusCode::CREATED, Json(version)))
}

/// `{id}` and `{version}`: one version of a postmortem's document.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct VersionId {
    /// The postmortem's id.
    #[allow(dead_code)]
    id: String,
    /// The version's id, as the list gives it.
    #[allow(dead_code)]
    version: u64,
}

/// The version named in a path, or 404.
fn pick(versions: &[Version], id: u64) -> Result<&Version, ApiError> {
    usize::try_from(id)
        .ok()
        .and_then(|i| versions.get(i))
        .ok_or_else(|| ApiError::not_found(format!("no version {id}")))
}

/// `GET /api/postmortems/{id}/versions/{version}`: one version, whole.
#[utoipa::path(
    get,
    operation_id = "get_version",
    path = "/api/postmortems/{id}/versions/{version}",
    tag = "versions",
    params(VersionId),
    security(("member" = []), ("admin" = []), ("token_query" = [])),
    responses(
        (status = 200, description = "The version's sections, in its outline order", body = Version),
        (status = 404, description = "No such postmortem or version", body = casebook_core::api::ErrorBody),
    )
)]
pub async fn get(
    State(app): State<AppState>,
    Admitted { record, .. }: Admitted,
    Path((_, version)): Path<(String, u64)>,
) -> Result<Json<Version>, ApiError> {
    let versions = all_versions(&app, &record.id).await?;
    Ok(Json(pick(&versions, version)?.clone()))
}

/// `?to=` of a diff.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// A later (or earlier) version's id, or `current` (the default): the
    /// document as it is now.
    #[param(pattern = "^(current|[0-9]+)$")]
    pub to: Option<String>,
}

/// `GET /api/postmortems/{id}/versions/{version}/diff?to=…`.
#[utoipa::path(
    get,
    operation_id = "diff_version",
    path = "/api/postmortems/{id}/versions/{version}/diff",
    tag = "versions",
    params(VersionId, DiffQuery),
    security(("member" = []), ("admin" = []), ("token_query" = [])),
    responses(
        (status = 200, description = "Per section, what changed from the version to `to`, word by word", body = VersionDiff),
        (status = 400, description = "`to` is neither a version id nor `current`", body = casebook_core::api::ErrorBody),
        (status = 404, description = "No such postmortem or version", body = casebook_core::api::ErrorBody),
    )
)]
pub async fn diff(
    State(app): State<AppState>,
    Admitted { record, .. }: Admitted,
    Path((_, version)): Path<(String, u64)>,
    Query(query): Query<DiffQuery>,
) -> Result<Json<VersionDiff>, ApiError> {
    let versions = all_versions(&app, &record.id).await?;
    let from = pick(&versions, version)?;
    let (to, sections) = match query.to.as_deref().unwrap_or("current") {
        "current" => (None, current_sections(&app, &record.id).await?),
        other => {
            let id: u64 = other.parse().map_err(|_| {
                ApiError::bad_request("`to` is a version id or `current`".to_owned())
            })?;
            let to = pick(&versions, id)?;
            (Some(to.version.clone()), to.sections.clone())
        }
    };
    Ok(Json(VersionDiff {
        from: from.version.clone(),
        to,
        sections: diff_versions(&from.sections, &sections),
    }))
}
