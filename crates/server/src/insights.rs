//! Facilitator insights as JSON (the figures are `casebook_core::insights`).
//!
//! - `GET /api/postmortems/{id}/insights` — one meeting; facilitator or admin.
//! - `GET /api/insights` — every meeting, oldest start first (meetings not
//!   started yet last); admin only.
//! - `GET /api/postmortems/{id}/timer-suggestions` — each meeting phase's
//!   timer as earlier meetings suggest it; facilitator or admin.

use crate::error::ApiError;
use crate::invite::{Admin, Admitted};
use crate::store::PostmortemRecord;
use crate::{blocking, AppState};
use axum::extract::State;
use axum::Json;
use casebook_core::api::{AllInsights, InsightsEntry, TimerSuggestions};
use casebook_core::insights::{meeting_insights, suggested_timers, MIN_MEETINGS_FOR_SUGGESTION};
use casebook_core::versions::meeting_change;
use std::sync::Arc;

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

async fn entry(app: &AppState, record: &PostmortemRecord) -> Result<InsightsEntry, ApiError> {
    let meeting = app.meetings.get(record).await?.lock().await.meeting.clone();
    Ok(InsightsEntry {
        id: record.id.clone(),
        title: record.title.clone(),
        created_at: record.created_at,
        phase: meeting.phase,
        published_at_ms: meeting.published.as_ref().map(|p| p.at_ms),
        insights: meeting_insights(&meeting, now_ms()),
        meeting_change: match meeting.published {
            Some(_) => meeting_change(&crate::versions::all_versions(app, &record.id).await?),
            None => None,
        },
    })
}

/// `GET /api/postmortems/{id}/insights` (facilitator or admin).
#[utoipa::path(
    get,
    path = "/api/postmortems/{id}/insights",
    tag = "library",
    params(crate::openapi::PostmortemId),
    security(("member" = []), ("admin" = []), ("token_query" = [])),
    responses((status = 200, description = "How the meeting went (facilitator or admin)", body = InsightsEntry))
)]
pub async fn get_meeting_insights(
    State(app): State<AppState>,
    admitted: Admitted,
) -> Result<Json<InsightsEntry>, ApiError> {
    admitted.require_facilitator("reading insights")?;
    Ok(Json(entry(&app, &admitted.record).await?))
}

/// `GET /api/insights` (admin).
#[utoipa::path(
    get,
    path = "/api/insights",
    tag = "library",
    security(("admin" = []), ("token_query" = [])),
    responses((status = 200, description = "Every meeting's insights, oldest start first", body = AllInsights))
)]
pub async fn get_all_insights(
    State(app): State<AppState>,
    _: Admin,
) -> Result<Json<AllInsights>, ApiError> {
    let store = Arc::clone(&app.store);
    let all = blocking(move || store.postmortems()).await?;
    let mut meetings = Vec::with_capacity(all.len());
    for record in &all {
        meetings.push(entry(&app, record).await?);
    }
    meetings.sort_by_key(|m| {
        let start = m.insights.started_at_ms;
        (start.is_none(), start, m.created_at)
    });
    Ok(Json(AllInsights { meetings }))
}

/// `GET /api/postmortems/{id}/timer-suggestions` (facilitator or admin).
#[utoipa::path(
    get,
    path = "/api/postmortems/{id}/timer-suggestions",
    tag = "library",
    params(crate::openapi::PostmortemId),
    security(("member" = []), ("admin" = []), ("token_query" = [])),
    responses((status = 200, description = "Each meeting phase's timer as the median of the time earlier meetings spent in it (facilitator or admin); phases too few meetings finished are left out", body = TimerSuggestions))
)]
pub async fn get_timer_suggestions(
    State(app): State<AppState>,
    admitted: Admitted,
) -> Result<Json<TimerSuggestions>, ApiError> {
    admitted.require_facilitator("reading timer suggestions")?;
    let store = Arc::clone(&app.store);
    let all = blocking(move || store.postmortems()).await?;
    let now = now_ms();
    let mut past = Vec::with_capacity(all.len());
    for record in all.iter().filter(|r| r.id != admitted.record.id) {
        let meeting = app.meetings.get(record).await?.lock().await.meeting.clone();
        past.push((meeting.phase, meeting_insights(&meeting, now)));
    }
    let past: Vec<_> = past.iter().map(|(phase, i)| (*phase, i)).collect();
    Ok(Json(TimerSuggestions {
        suggestions: suggested_timers(&past),
        min_meetings: MIN_MEETINGS_FOR_SUGGESTION as u32,
    }))
}
