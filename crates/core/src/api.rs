//! The JSON answers of the server's HTTP API (README "API"): the server
//! serialises these types and the browser deserialises the same ones, so the
//! two cannot drift apart. Requests that carry meeting commands are
//! [`crate::meeting::Command`]; errors are `{"error": "…"}` ([`ErrorBody`]).
//!
//! Only the shapes live here; who may see what is decided by the server
//! (through [`crate::permission`]) before it fills them in. With the
//! `openapi` feature (the server's) each type also derives its JSON Schema,
//! from which the server's OpenAPI document is built.

use crate::case::Incident;
use crate::insights::MeetingInsights;
use crate::meeting::{Counts, Event, PhaseDuration, PublicMeeting};
use crate::phase::Phase;
use crate::role::Role;
use crate::survey::SurveyAggregate;
use crate::timer::Timer;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `POST /api/postmortems` and `POST /api/postmortems/import` (201): the new
/// postmortem and one invite link per role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Created {
    pub id: String,
    pub title: String,
    /// Role → the invite's token.
    pub tokens: BTreeMap<Role, String>,
    /// Role → the page opened with that token.
    pub links: BTreeMap<Role, String>,
    /// Role → the invite's id (to revoke it).
    pub invites: BTreeMap<Role, String>,
    /// Import only: the ids of the sections the file filled, in its order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sections: Option<Vec<String>>,
}

/// `POST /api/postmortems/{id}/images` (201): the stored image, its address
/// and the Markdown that shows it (insert it where the image was pasted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UploadedImage {
    /// The SHA-256 of the image's bytes, in hex: the same image uploaded
    /// twice is stored once.
    pub id: String,
    /// Where the image is served, relative to the server.
    pub url: String,
    /// `![alt](url)`.
    pub markdown: String,
    /// The type its bytes say it is (`image/png`, …).
    pub content_type: String,
    pub bytes: u64,
}

/// One row of `GET /api/postmortems` (admin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PostmortemSummary {
    pub id: String,
    pub title: String,
    /// Unix seconds.
    pub created_at: u64,
    pub phase: Phase,
}

/// `GET /api/postmortems/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PostmortemDetails {
    pub id: String,
    pub title: String,
    /// Unix seconds.
    pub created_at: u64,
    pub phase: Phase,
    pub timer: Timer,
    /// The caller's role name, or `"admin"`.
    pub role: String,
    /// The role the caller's commands act with (the admin's is decided by
    /// the server); the browser shows the meeting's controls for it.
    pub acts_as: Role,
    pub counts: LiveCounts,
    /// When the incident began and the case's time zone, once set.
    #[serde(default)]
    pub incident: Option<Incident>,
}

/// The meeting's counts and the sockets on the document now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LiveCounts {
    #[serde(flatten)]
    pub meeting: Counts,
    pub connected: u32,
}

/// `GET /api/postmortems/{id}/meeting`, and the `meeting` of a command's
/// answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeetingAnswer {
    pub state: PublicMeeting,
    pub counts: Counts,
    /// Real time per phase; the current phase counts up to the server's now.
    pub phase_durations: Vec<PhaseDuration>,
    /// The survey's anonymous aggregate, for those the permission table
    /// lets see it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub survey: Option<SurveyAggregate>,
}

impl MeetingAnswer {
    /// The server's clock when it answered, from the time spent in the
    /// current phase: `phase_durations` counts the current phase up to the
    /// server's now, `history` says when each visit began.
    pub fn server_now_ms(&self) -> Option<u64> {
        let current = self.state.history.last()?;
        let total = self
            .phase_durations
            .iter()
            .find(|d| d.phase == current.phase)?
            .total_ms;
        let earlier_visits: u64 = self
            .state
            .history
            .windows(2)
            .filter(|pair| pair[0].phase == current.phase)
            .map(|pair| pair[1].entered_at_ms.saturating_sub(pair[0].entered_at_ms))
            .sum();
        Some(
            current
                .entered_at_ms
                .saturating_add(total.saturating_sub(earlier_visits)),
        )
    }
}

/// `POST /api/postmortems/{id}/commands` (200): the events the command
/// produced (none for a retry) and the meeting after them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommandAnswer {
    pub events: Vec<Event>,
    pub meeting: MeetingAnswer,
}

/// One person in one postmortem, as a personal token names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = JoinedPerson))]
pub struct Person {
    /// Random, stable for this person across renames.
    pub id: String,
    /// Display name, as shown to the others.
    pub name: String,
    /// The team they are in, if they said (absent from tokens made before
    /// teams were asked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
}

/// `POST /api/postmortems/{id}/join`: the personal token and who it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Joined {
    pub token: String,
    pub role: Role,
    pub person: Person,
    /// Unix seconds; the invite's expiry.
    #[serde(default)]
    pub expires_at: u64,
}

/// An invite link as `…/invites` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invite {
    pub id: String,
    pub role: Role,
    /// Unix seconds.
    pub created_at: u64,
    pub expires_at: u64,
    pub revoked_at: Option<u64>,
    /// Token and link, while the invite is usable.
    pub token: Option<String>,
    pub link: Option<String>,
    /// The link the request was made with: revoking it would lock its
    /// holder out, so the server refuses to (the admin may).
    #[serde(default)]
    pub yours: bool,
}

/// `GET /api/postmortems/{id}/read-link` (with the case, in [`crate::case`]).
pub use crate::case::ReadLink;
/// `GET /api/postmortems/{id}/readiness` (its rules live in [`crate::readiness`]).
pub use crate::readiness::Readiness;
/// `…/versions` and `…/versions/{version}[/diff]` (with the diff, in
/// [`crate::versions`]).
pub use crate::versions::{
    DiffPiece, PieceKind, SaveVersion, SectionChange, SectionDiff, Version, VersionDiff,
    VersionList, VersionReason, VersionSection, VersionSummary,
};

/// One meeting's insights: `GET /api/postmortems/{id}/insights`, and each
/// entry of `GET /api/insights`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InsightsEntry {
    pub id: String,
    pub title: String,
    /// Unix seconds.
    pub created_at: u64,
    pub phase: Phase,
    pub published_at_ms: Option<u64>,
    pub insights: MeetingInsights,
    /// How much the meeting changed the draft, from the version kept when
    /// silent reading started to the one kept at publication: absent until
    /// the case is published after a meeting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting_change: Option<crate::versions::MeetingChange>,
}

/// `GET /api/insights` (admin): every meeting, oldest start first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AllInsights {
    pub meetings: Vec<InsightsEntry>,
}

/// `GET /api/postmortems/{id}/timer-suggestions` (facilitator): each
/// meeting phase's timer as earlier meetings suggest it
/// (`casebook_core::insights::suggested_timers`). Phases that fewer than
/// `min_meetings` earlier meetings finished are left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimerSuggestions {
    pub suggestions: Vec<crate::insights::SuggestedTimer>,
    /// How many earlier meetings must have finished a phase for it to be
    /// suggested.
    pub min_meetings: u32,
}

/// A published case as the library lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LibraryCase {
    pub id: String,
    pub title: String,
    pub published_at_ms: u64,
    pub services: Vec<String>,
    pub tags: Vec<String>,
    /// The Summary's first 280 characters.
    pub summary: String,
    pub read_link: String,
    /// What the meeting decided somebody will do, as published.
    #[serde(default)]
    pub action_items: Vec<LibraryActionItem>,
}

/// An action item as a library entry shows it (who added it and when are
/// the published case's business).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LibraryActionItem {
    pub title: String,
    pub owner: String,
    /// `YYYY-MM-DD`, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    pub status: crate::action_item::ActionStatus,
}

impl From<&crate::action_item::ActionItem> for LibraryActionItem {
    fn from(item: &crate::action_item::ActionItem) -> Self {
        LibraryActionItem {
            title: item.title.clone(),
            owner: item.owner.clone(),
            due: item.due.clone(),
            status: item.status,
        }
    }
}

/// A service or tag to filter by, with how many cases have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Facet {
    pub name: String,
    pub count: u32,
}

/// `GET /api/library?q=&service=&tag=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LibraryAnswer {
    /// The cases found.
    pub cases: Vec<LibraryCase>,
    /// Every service and tag in the library (not only in what was found).
    pub services: Vec<Facet>,
    pub tags: Vec<Facet>,
    /// Published cases in the library.
    pub total: u32,
}

/// `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: String,
    pub rooms_loaded: u32,
}

/// The body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_library_case_keeps_its_publication_time_as_an_integer() {
        let case = LibraryCase {
            id: "pm".into(),
            title: "t".into(),
            published_at_ms: 1_764_000_000_123,
            services: vec![],
            tags: vec![],
            summary: String::new(),
            read_link: "/read/pm".into(),
            action_items: vec![LibraryActionItem {
                title: "TTLをずらす".into(),
                owner: "田中".into(),
                due: None,
                status: crate::action_item::ActionStatus::InProgress,
            }],
        };
        let json = serde_json::to_value(&case).unwrap();
        assert!(json["published_at_ms"].is_u64(), "{json}");
        assert_eq!(serde_json::from_value::<LibraryCase>(json).unwrap(), case);
    }

    #[test]
    fn created_is_keyed_by_role_names() {
        let created = Created {
            id: "pm".into(),
            title: "t".into(),
            tokens: Role::ALL.map(|r| (r, format!("tok-{}", r.as_str()))).into(),
            links: BTreeMap::new(),
            invites: BTreeMap::new(),
            sections: None,
        };
        let json = serde_json::to_value(&created).unwrap();
        assert_eq!(json["tokens"]["facilitator"], "tok-facilitator");
        assert!(json.get("sections").is_none(), "{json}");
    }

    #[test]
    fn the_server_clock_is_read_from_the_current_phase() {
        use crate::meeting::{Meeting, PhaseEntry};
        let mut meeting = Meeting::new(1_000);
        meeting.history.push(PhaseEntry {
            phase: Phase::SilentReading,
            entered_at_ms: 5_000,
        });
        let answer = MeetingAnswer {
            state: meeting.public_view(),
            counts: meeting.counts(),
            phase_durations: meeting.phase_durations(12_345),
            survey: None,
        };
        assert_eq!(answer.server_now_ms(), Some(12_345));
    }

    #[test]
    fn a_stored_join_without_expiry_still_reads() {
        let stored = r#"{"token":"t","role":"participant","person":{"id":"p","name":"Pat"}}"#;
        let joined: Joined = serde_json::from_str(stored).unwrap();
        assert_eq!((joined.role, joined.expires_at), (Role::Participant, 0));
    }
}

/// `GET /auth/me`: who is signed in through the identity provider
/// (OpenID Connect), when sign-in is on. Never the provider's subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedIn {
    /// The name the identity provider gives; shown to the others.
    pub name: String,
    /// The team the provider gives (`--oidc-team-claim`); absent, the page
    /// asks for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// Whether the provider puts this person in the admin group.
    pub admin: bool,
    /// Unix seconds; the session ends then and the person signs in again.
    pub expires_at: u64,
}
