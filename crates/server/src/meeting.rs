//! Meeting commands: the glue between `POST /api/postmortems/{id}/commands`,
//! the stored event log, the meeting engine in `casebook_core::meeting`, the
//! meeting room and the document.
//!
//! A command is decided by core (who may do what in which phase), its events
//! are appended to the log and flushed, then applied; only then does the
//! answer go out, so every 2xx command survives a crash. The meeting room is
//! then brought up to date, and answers and kudos are written into the
//! document's Q&A and Kudos sections.
//!
//! Writing an answer into the document is a second write after the event's;
//! a crash in between must not lose it. Each entry is written together with
//! a mark in the document's [`WRITTEN_ENTRIES`] map (key: the event's place in
//! the log), in one yrs transaction, so the text and its mark are durable
//! together. When a meeting is loaded from its log, every answer and kudos
//! event without a mark is written then: exactly once, however the server
//! stopped. In cluster mode several nodes may do so at once, so each writer
//! first claims the entry through the store (`Store::claim_entry`,
//! `nats/entries.rs`) and leaves it to the node that holds the claim.
//!
//! Suggesting mode works the same way. Accepting a suggestion with
//! replacement words (or undoing that acceptance) is first checked against
//! the document: if the words it would replace are no longer there, the
//! command is refused (409) and nothing is stored. Then the event is stored,
//! and the words are replaced in one yrs transaction on behalf of the
//! suggestion's author, marked like an entry, through the room's durable
//! path. Should someone change the words in the instant between the check
//! and the write, nothing is overwritten: the document records the
//! acceptance as not applied ([`casebook_core::suggestion::Words`]).

use crate::auth::{random_token, Access};
use crate::error::{parse_json, ApiError, RawBody};
use crate::invite::Admitted;
use crate::meeting_room;
use crate::room::{meeting_doc_id, CloseReason, RoomEvent, Rooms};
use crate::store::{PostmortemRecord, Store};
use crate::{blocking, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use casebook_core::api::{CommandAnswer, MeetingAnswer};
use casebook_core::comment::{kudos_entry_markdown, qa_entry_markdown};
use casebook_core::document::{section_text_name, KUDOS_SECTION, QA_SECTION};
use casebook_core::meeting::{Actor, Change, Command, Event, Meeting, MeetingError, Present};
use casebook_core::permission::{allowed, Action};
use casebook_core::phase::Phase;
use casebook_core::suggestion;
use casebook_core::Role;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{watch, Mutex as AsyncMutex, OnceCell};
use tracing::Instrument;
use yrs::{GetString, Map, ReadTxn, Text, WriteTxn};

/// Root map of a postmortem's document where the server marks which meeting
/// events (by their place in the log) it has written into the sections.
pub const WRITTEN_ENTRIES: &str = "server_entries";

/// A loaded meeting and the number of its stored events.
pub struct Loaded {
    pub meeting: Meeting,
    next_seq: u64,
    /// The meeting's phase, for document sockets to read on every write
    /// without waiting for this lock (see [`Meetings::phase_watch`]).
    phase: watch::Sender<Phase>,
}

impl Loaded {
    /// Folds stored events into the meeting and tells document sockets if
    /// the phase moved.
    fn apply(&mut self, events: &[Event]) {
        for event in events {
            self.meeting.apply(event);
        }
        let phase = self.meeting.phase;
        self.phase
            .send_if_modified(|known| std::mem::replace(known, phase) != phase);
    }
}

type Slot = Arc<OnceCell<Arc<AsyncMutex<Loaded>>>>;

/// Every meeting in memory, loaded from its event log on first use. Commands
/// of one postmortem are handled one at a time (its mutex). Also who is in
/// each meeting room, per socket, for the reading progress.
pub struct Meetings {
    store: Arc<dyn Store>,
    rooms: Arc<Rooms>,
    slots: Mutex<HashMap<String, Slot>>,
    present: Mutex<HashMap<String, BTreeMap<u64, Present>>>,
    next_socket: AtomicU64,
    /// How many versions each postmortem has kept, as far as this server
    /// knows (the meeting room shows it so open History lists refresh).
    versions: Mutex<HashMap<String, u64>>,
    /// Cluster mode: who is in each meeting room on the other nodes.
    bus: std::sync::OnceLock<Arc<crate::nats::presence::PresenceBus>>,
}

pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

impl Meetings {
    pub fn new(store: Arc<dyn Store>, rooms: Arc<Rooms>) -> Self {
        Meetings {
            store,
            rooms,
            slots: Mutex::new(HashMap::new()),
            present: Mutex::new(HashMap::new()),
            next_socket: AtomicU64::new(0),
            versions: Mutex::new(HashMap::new()),
            bus: std::sync::OnceLock::new(),
        }
    }

    /// Cluster mode: counts the people in the meeting rooms of other nodes
    /// too, and tells them about this node's (`nats/presence.rs`).
    pub fn set_presence(&self, bus: Arc<crate::nats::presence::PresenceBus>) {
        let _ = self.bus.set(bus);
    }

    /// This node's people in each meeting room (for the other nodes).
    pub fn local_present(&self) -> Vec<(String, Vec<Present>)> {
        let present = self.present.lock().unwrap_or_else(|p| p.into_inner());
        present
            .iter()
            .map(|(pm, sockets)| (pm.clone(), sockets.values().cloned().collect()))
            .collect()
    }

    /// Tells the other nodes who is in the meeting room of `pm` here now.
    fn publish_present(&self, pm: &str) {
        if let Some(bus) = self.bus.get() {
            let here = {
                let present = self.present.lock().unwrap_or_else(|p| p.into_inner());
                present
                    .get(pm)
                    .map(|sockets| sockets.values().cloned().collect::<Vec<_>>())
                    .unwrap_or_default()
            };
            bus.publish_present(pm, &here);
        }
    }

    /// Notes that `pm` has kept `count` versions.
    pub fn versions_kept(&self, pm: &str, count: u64) {
        let mut versions = self.versions.lock().unwrap_or_else(|p| p.into_inner());
        versions.insert(pm.to_owned(), count);
    }

    /// How many versions `pm` has kept, as far as this server knows.
    fn version_count(&self, pm: &str) -> u64 {
        let versions = self.versions.lock().unwrap_or_else(|p| p.into_inner());
        versions.get(pm).copied().unwrap_or(0)
    }

    /// Everyone in the meeting room of `pm`, once per socket.
    pub fn present(&self, pm: &str) -> Vec<Present> {
        let present = self.present.lock().unwrap_or_else(|p| p.into_inner());
        let mut all: Vec<Present> = present
            .get(pm)
            .map(|sockets| sockets.values().cloned().collect())
            .unwrap_or_default();
        drop(present);
        if let Some(bus) = self.bus.get() {
            all.extend(bus.remote_present(pm));
        }
        all
    }

    fn arrive(&self, pm: &str, who: Present) -> u64 {
        let key = self.next_socket.fetch_add(1, Ordering::Relaxed);
        let mut present = self.present.lock().unwrap_or_else(|p| p.into_inner());
        present.entry(pm.to_owned()).or_default().insert(key, who);
        drop(present);
        self.publish_present(pm);
        key
    }

    fn leave(&self, pm: &str, key: u64) {
        let mut present = self.present.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(sockets) = present.get_mut(pm) {
            sockets.remove(&key);
            if sockets.is_empty() {
                present.remove(pm);
            }
        }
        drop(present);
        self.publish_present(pm);
    }

    /// The meeting of a postmortem, replayed from its log when needed.
    pub async fn get(
        &self,
        record: &PostmortemRecord,
    ) -> Result<Arc<AsyncMutex<Loaded>>, ApiError> {
        let slot = Arc::clone(
            self.slots
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .entry(record.id.clone())
                .or_default(),
        );
        let loaded = slot
            .get_or_try_init(|| async {
                let store = Arc::clone(&self.store);
                let id = record.id.clone();
                let raw = blocking(move || store.meeting_events(&id)).await?;
                let mut events = Vec::with_capacity(raw.len());
                for (seq, bytes) in raw.iter().enumerate() {
                    let event: Event = serde_json::from_slice(bytes).map_err(|e| {
                        tracing::error!(postmortem = %record.id, seq, error = %e, "stored meeting event is corrupt");
                        ApiError::internal(format!("stored meeting event {seq} is corrupt: {e}"))
                    })?;
                    events.push(event);
                }
                let meeting = Meeting::replay(record.created_at * 1000, &events);
                // Versions a crash kept out of the store are kept now
                // (before the entries, as after a command). In cluster
                // mode the node that decided an event keeps its version.
                if !self.store.shared() {
                    match crate::versions::catch_up(&self.store, &self.rooms, &record.id, &meeting, &events).await {
                        Ok(count) => self.versions_kept(&record.id, count),
                        Err(e) => tracing::error!(postmortem = %record.id, error = ?e, "versions not caught up"),
                    }
                }
                // Entries a crash kept out of the document are written now.
                write_entries(&self.rooms, &record.id, &meeting, 0, &events).await;
                let (phase, _) = watch::channel(meeting.phase);
                Ok::<_, ApiError>(Arc::new(AsyncMutex::new(Loaded {
                    meeting,
                    next_seq: events.len() as u64,
                    phase,
                })))
            })
            .await?;
        Ok(Arc::clone(loaded))
    }

    /// The meeting of `pm` if it is in memory.
    fn loaded(&self, pm: &str) -> Option<Arc<AsyncMutex<Loaded>>> {
        let slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots.get(pm).and_then(|slot| slot.get().cloned())
    }

    /// The current phase of a postmortem.
    pub async fn phase(&self, record: &PostmortemRecord) -> Result<Phase, ApiError> {
        Ok(self.get(record).await?.lock().await.meeting.phase)
    }

    /// The phase of a postmortem as it changes: a document socket reads it
    /// on every write, so a write the new phase forbids is refused at once.
    pub async fn phase_watch(
        &self,
        record: &PostmortemRecord,
    ) -> Result<watch::Receiver<Phase>, ApiError> {
        Ok(self.get(record).await?.lock().await.phase.subscribe())
    }
}

/// One meeting-room socket's person, counted as present while it lives:
/// dropping it (the socket ended, or its upgrade failed) takes them out and
/// brings the room up to date.
pub struct InRoom {
    app: AppState,
    record: PostmortemRecord,
    key: u64,
}

impl InRoom {
    /// Counts the holder of `access` as present in the meeting room of
    /// `record`. The admin looks in read-only and is not counted.
    pub fn arrive(app: &AppState, record: &PostmortemRecord, access: &Access) -> Option<InRoom> {
        if matches!(access, Access::Admin) {
            return None;
        }
        let who = actor(access);
        let key = app.meetings.arrive(
            &record.id,
            Present {
                participant_id: who.participant_id,
                display_name: who.display_name,
                role: who.role,
                team: who.team,
            },
        );
        Some(InRoom {
            app: app.clone(),
            record: record.clone(),
            key,
        })
    }
}

impl Drop for InRoom {
    fn drop(&mut self) {
        self.app.meetings.leave(&self.record.id, self.key);
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let (app, record) = (self.app.clone(), self.record.clone());
        runtime.spawn(async move {
            if let Err(e) = reproject(&app, &record).await {
                tracing::warn!(postmortem = %record.id, error = ?e, "meeting room not updated after a leave");
            }
        });
    }
}

/// Brings the meeting room of `record`, if loaded, up to date with the
/// meeting and who is present (a no-op when it is).
pub async fn reproject(app: &AppState, record: &PostmortemRecord) -> Result<(), ApiError> {
    let Some(room) = app.rooms.loaded(&meeting_doc_id(&record.id)) else {
        return Ok(());
    };
    let loaded = app.meetings.get(record).await?;
    let present = app.meetings.present(&record.id);
    let versions = app.meetings.version_count(&record.id);
    let contents = meeting_room::contents(record, &loaded.lock().await.meeting, &present, versions);
    room.apply_server_change(app.rooms.commit(), |txn| {
        casebook_core::meeting_room::write(txn, &contents)
    })
    .map_err(|e| ApiError::internal(e.to_string()))
}

/// Brings the meeting room of `record`, if loaded, up to date with
/// `meeting` (whose lock the caller holds). A failure is logged: the
/// meeting's records stand, and the room catches up on the next write.
pub(crate) fn write_room(app: &AppState, record: &PostmortemRecord, meeting: &Meeting) {
    let Some(room) = app.rooms.loaded(&meeting_doc_id(&record.id)) else {
        return;
    };
    let contents = meeting_room::contents(
        record,
        meeting,
        &app.meetings.present(&record.id),
        app.meetings.version_count(&record.id),
    );
    if let Err(e) = room.apply_server_change(app.rooms.commit(), |txn| {
        casebook_core::meeting_room::write(txn, &contents)
    }) {
        tracing::warn!(postmortem = %record.id, error = %e, "meeting room not updated");
    }
}

/// Who a token speaks for, as the meeting engine sees them.
pub(crate) fn actor(access: &Access) -> Actor {
    match access {
        Access::Admin => Actor {
            participant_id: "admin".into(),
            role: access.role(),
            display_name: "admin".into(),
            team: None,
        },
        Access::Member {
            role,
            person: Some(person),
            ..
        } => Actor {
            participant_id: person.id.clone(),
            role: *role,
            display_name: person.name.clone(),
            team: person.team.clone(),
        },
        // A shared role link that did not join: one identity per link.
        Access::Member {
            role,
            invite,
            person: None,
        } => Actor {
            participant_id: invite.clone(),
            role: *role,
            display_name: role.as_str().into(),
            team: None,
        },
    }
}

fn meeting_error(e: MeetingError) -> ApiError {
    let status = StatusCode::from_u16(e.kind().http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    ApiError::new(status, e.to_string())
}

/// What a reader may see of the meeting; the survey aggregate only for those
/// the permission table lets see it.
fn view(meeting: &Meeting, role: Role) -> MeetingAnswer {
    MeetingAnswer {
        state: meeting.public_view(),
        counts: meeting.counts(),
        phase_durations: meeting.phase_durations(now_ms()),
        survey: allowed(role, meeting.phase, Action::SeeSurveyAggregate)
            .then(|| meeting.survey_aggregate()),
    }
}

/// `GET /api/postmortems/{id}/meeting`
#[utoipa::path(
    get,
    path = "/api/postmortems/{id}/meeting",
    tag = "meeting",
    params(crate::openapi::PostmortemId),
    security(("member" = []), ("admin" = []), ("token_query" = [])),
    responses((status = 200, description = "The meeting as the caller may see it", body = MeetingAnswer))
)]
pub async fn get_meeting(
    State(app): State<AppState>,
    Admitted { access, record }: Admitted,
) -> Result<Json<MeetingAnswer>, ApiError> {
    let loaded = app.meetings.get(&record).await?;
    let mut loaded = loaded.lock().await;
    catch_up(&app, &record, &mut loaded).await?;
    Ok(Json(view(&loaded.meeting, access.role())))
}

/// `POST /api/postmortems/{id}/commands`: a meeting command, decided by
/// `casebook_core::meeting`; a refused command changes nothing. Counted by
/// type and outcome, and logged in a span naming the postmortem and role.
#[utoipa::path(
    post,
    operation_id = "send_command",
    path = "/api/postmortems/{id}/commands",
    tag = "meeting",
    params(crate::openapi::PostmortemId),
    request_body = Command,
    security(("member" = []), ("admin" = []), ("token_query" = [])),
    responses(
        (status = 200, description = "The events the command produced (none for a repeated `command_id`) and the meeting after them", body = CommandAnswer),
        (status = 404, description = "No such postmortem, or the command names a comment that does not exist", body = casebook_core::api::ErrorBody),
        (status = 409, description = "Already done (an answer, a decision, the survey…), or an answer changed meanwhile; publishing while readiness findings are left answers a `PublishRefused` (the error and its `findings`)", body = casebook_core::api::ErrorBody),
    )
)]
pub async fn command(
    State(app): State<AppState>,
    admitted: Admitted,
    body: RawBody,
) -> Result<Json<CommandAnswer>, ApiError> {
    let command: Command = parse_json(body)?;
    let kind = command_type(&command);
    let span = tracing::info_span!("command", postmortem = %admitted.record.id, role = %admitted.access.role(), command = %kind);
    let answer = decide_command(app.clone(), admitted, command)
        .instrument(span)
        .await;
    let status = answer
        .as_ref()
        .map_or_else(|e| e.status, |_| StatusCode::OK);
    app.metrics.meeting_command(&kind, status);
    answer
}

/// A command's `type`, as its JSON names it.
fn command_type(command: &Command) -> String {
    serde_json::to_value(&command.kind)
        .ok()
        .and_then(|v| v.get("type")?.as_str().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned())
}

async fn decide_command(
    app: AppState,
    Admitted { access, record }: Admitted,
    command: Command,
) -> Result<Json<CommandAnswer>, ApiError> {
    let actor = actor(&access);
    let slot = app.meetings.get(&record).await?;
    let mut loaded = slot.lock().await;
    let mut new_id = || random_token()[..12].to_owned();
    // Cluster mode: another node may append between our read and our
    // append; its append wins, we read it and decide again.
    let mut attempts = 0;
    let events = loop {
        catch_up(&app, &record, &mut loaded).await?;
        let events = loaded
            .meeting
            .decide(&actor, &command, now_ms(), &mut new_id)
            .map_err(meeting_error)?;
        if let Some(findings) =
            crate::case::publish_blocked(&app, &record.id, &loaded.meeting, &events).await?
        {
            return Err(crate::case::refused_with(findings));
        }
        check_suggested_words(&app.rooms, &record.id, &loaded.meeting, &events).await?;
        check_reanchored_words(&app.rooms, &record.id, &loaded.meeting, &events).await?;
        if events.is_empty() {
            break events;
        }
        let encoded: Vec<Vec<u8>> = events
            .iter()
            .map(|e| serde_json::to_vec(e).expect("events always serialise"))
            .collect();
        let store = Arc::clone(&app.store);
        let (id, first) = (record.id.clone(), loaded.next_seq);
        let appended =
            tokio::task::spawn_blocking(move || store.append_meeting_events(&id, first, &encoded))
                .await
                .map_err(|_| ApiError::internal("storage call interrupted"))?;
        match appended {
            Ok(()) => break events,
            Err(crate::store::StoreError::Conflict(why)) if attempts < MAX_CONFLICTS => {
                attempts += 1;
                tracing::debug!(postmortem = %record.id, why, "another node appended first; deciding again");
            }
            Err(e) => return Err(e.into()),
        }
    };
    if !events.is_empty() {
        let first = loaded.next_seq;
        loaded.next_seq += events.len() as u64;
        loaded.apply(&events);
        tracing::debug!(postmortem = %record.id, command = %command.command_id, events = events.len(), "command applied");
        after_events(&app, &record, &loaded.meeting, first, &events).await;
    }
    Ok(Json(CommandAnswer {
        meeting: view(&loaded.meeting, actor.role),
        events,
    }))
}

/// Cluster mode: another node appended to the meeting of `pm`; if it is
/// loaded here, it catches up now (phase, write rights, meeting room).
pub async fn caught_up_elsewhere(app: &AppState, pm: &str) {
    let store = Arc::clone(&app.store);
    let id = pm.to_owned();
    let Ok(Some(record)) = blocking(move || store.postmortem(&id)).await else {
        return;
    };
    let Some(slot) = app.meetings.loaded(pm) else {
        // Not in memory here: only the library follows (`library.rs`).
        crate::library::follow_elsewhere(app, &record).await;
        return;
    };
    let mut loaded = slot.lock().await;
    if let Err(e) = catch_up(app, &record, &mut loaded).await {
        tracing::warn!(postmortem = %pm, error = ?e, "meeting not caught up with another node");
    }
}

/// Times a command is decided again because another node appended first.
const MAX_CONFLICTS: u32 = 8;

/// Cluster mode: folds in the events other nodes stored since this node
/// last read the meeting, and brings this node's meeting room and library
/// up to date with them. (Their Q&A and Kudos entries were written into the
/// document by the node that decided them.) A no-op for the embedded store.
async fn catch_up(
    app: &AppState,
    record: &PostmortemRecord,
    loaded: &mut Loaded,
) -> Result<(), ApiError> {
    if !app.store.shared() {
        return Ok(());
    }
    let store = Arc::clone(&app.store);
    let id = record.id.clone();
    let raw = blocking(move || store.meeting_events(&id)).await?;
    let Some(new) = raw.get(loaded.next_seq as usize..) else {
        return Ok(());
    };
    if new.is_empty() {
        return Ok(());
    }
    let mut events = Vec::with_capacity(new.len());
    for bytes in new {
        let event: Event = serde_json::from_slice(bytes)
            .map_err(|e| ApiError::internal(format!("stored meeting event is corrupt: {e}")))?;
        events.push(event);
    }
    let first = loaded.next_seq;
    loaded.next_seq += events.len() as u64;
    loaded.apply(&events);
    after_events_here(app, record, &loaded.meeting, first, &events, false).await;
    Ok(())
}

/// Brings the meeting room and the document up to date with new events.
/// Failures here are logged, not returned: the events are stored, and the
/// room catches up on the next command or join.
async fn after_events(
    app: &AppState,
    record: &PostmortemRecord,
    meeting: &Meeting,
    first_seq: u64,
    events: &[Event],
) {
    after_events_here(app, record, meeting, first_seq, events, true).await
}

/// [`after_events`]; `write_into_document` is false for events another node
/// decided (it writes their entries).
async fn after_events_here(
    app: &AppState,
    record: &PostmortemRecord,
    meeting: &Meeting,
    first_seq: u64,
    events: &[Event],
    write_into_document: bool,
) {
    write_room(app, record, meeting);
    for event in events {
        if let Change::PhaseMoved { from, to, .. } = &event.change {
            app.metrics.phase_moved(*from, *to);
            if *to == Phase::Published {
                let publication = crate::library::Publication {
                    at_ms: event.at_ms,
                    action_items: &meeting.action_items,
                };
                crate::library::update(app, record, Some(publication)).await;
            } else if *from == Phase::Published {
                crate::library::update(app, record, None).await;
            }
            if *from == Phase::Published || *to == Phase::Published {
                // Write rights change: sockets reconnect and get the new ones.
                if let Some(room) = app.rooms.loaded(&record.id) {
                    room.broadcast(RoomEvent::Close(CloseReason::new(
                        casebook_core::close::RIGHTS_CHANGED,
                        "the case was published or reopened; reconnect",
                    )));
                }
            }
        }
    }
    if write_into_document {
        if keep_versions(app, record, meeting, first_seq, events).await {
            write_room(app, record, meeting);
        }
        write_entries(&app.rooms, &record.id, meeting, first_seq, events).await;
    }
}

/// Keeps the versions of the document that `events` call for: on entering
/// silent reading, revision or publication, and after each answer
/// (`crate::versions::due`). A failure is logged: the events are stored
/// and stand without it, and the version is kept when the meeting is next
/// loaded. Answers whether any version was kept.
async fn keep_versions(
    app: &AppState,
    record: &PostmortemRecord,
    meeting: &Meeting,
    first_seq: u64,
    events: &[Event],
) -> bool {
    let mut kept = false;
    for (seq, event) in (first_seq..).zip(events) {
        let Some(keep) = crate::versions::due(event, seq) else {
            continue;
        };
        match crate::versions::keep(app, record, meeting, keep).await {
            Ok(_) => kept = true,
            Err(e) => tracing::error!(postmortem = %record.id, error = ?e, "version not kept"),
        }
    }
    kept
}

/// What an event writes into a section of the document: a new Markdown
/// entry, or (an edited answer) the new text of an entry written before.
struct Entry {
    section: &'static str,
    markdown: String,
    /// The entry this one replaces, if it is still in the section.
    replaces: Option<String>,
}

/// The entry an event writes into the document, if any.
fn entry(meeting: &Meeting, event: &Event) -> Option<Entry> {
    match &event.change {
        Change::QuestionAnswered {
            comment_id, text, ..
        } => {
            let question = meeting.comment(comment_id)?;
            Some(Entry {
                section: QA_SECTION,
                markdown: qa_entry_markdown(&question.text, text),
                replaces: None,
            })
        }
        Change::AnswerEdited {
            comment_id,
            text,
            previous,
            ..
        } => {
            let question = meeting.comment(comment_id)?;
            Some(Entry {
                section: QA_SECTION,
                markdown: qa_entry_markdown(&question.text, text),
                replaces: Some(qa_entry_markdown(&question.text, previous)),
            })
        }
        Change::KudosPosted { to, text, from, .. } => Some(Entry {
            section: KUDOS_SECTION,
            markdown: kudos_entry_markdown(to, text, &from.display_name),
            replaces: None,
        }),
        _ => None,
    }
}

/// Refuses (409) an acceptance of a suggestion whose words are no longer in
/// the document as suggested, and an undo whose new words were edited since.
async fn check_suggested_words(
    rooms: &Arc<Rooms>,
    pm: &str,
    meeting: &Meeting,
    events: &[Event],
) -> Result<(), ApiError> {
    let checks: Vec<(&Event, &casebook_core::comment::Comment)> = events
        .iter()
        .filter_map(|event| {
            let comment = meeting.comment(suggestion_change(event)?)?;
            comment.replacement.is_some().then_some((event, comment))
        })
        .collect();
    if checks.is_empty() {
        return Ok(());
    }
    check_document(rooms, pm, |txn| {
        checks
            .iter()
            .try_for_each(|(event, comment)| match event.change {
                Change::SuggestionAccepted { .. } => suggestion::check_accept(txn, comment),
                _ => suggestion::check_undo(txn, comment),
            })
    })
    .await
}

/// Runs `check` on postmortem `pm`'s document (loading it for the check if
/// nobody has it open) and answers 409 with its error.
async fn check_document<E: std::fmt::Display>(
    rooms: &Arc<Rooms>,
    pm: &str,
    check: impl FnOnce(&yrs::Transaction) -> Result<(), E>,
) -> Result<(), ApiError> {
    let (room, conn) = rooms
        .join(pm)
        .await
        .map_err(|e| ApiError::internal(format!("the document could not be loaded: {e}")))?;
    let result = room.read(check);
    rooms.leave(&room, conn);
    result.map_err(|e| ApiError::new(StatusCode::CONFLICT, e.to_string()))
}

/// Refuses (409) re-anchoring a comment whose words are still in the
/// document, or to words that are not its quote
/// (`suggestion::check_reanchor`).
async fn check_reanchored_words(
    rooms: &Arc<Rooms>,
    pm: &str,
    meeting: &Meeting,
    events: &[Event],
) -> Result<(), ApiError> {
    let checks: Vec<(
        &casebook_core::anchor::Anchor,
        &casebook_core::anchor::Anchor,
    )> = events
        .iter()
        .filter_map(|event| match &event.change {
            Change::CommentReanchored { comment_id, anchor } => {
                Some((&meeting.comment(comment_id)?.anchor, anchor))
            }
            _ => None,
        })
        .collect();
    if checks.is_empty() {
        return Ok(());
    }
    check_document(rooms, pm, |txn| {
        checks
            .iter()
            .try_for_each(|(old, new)| suggestion::check_reanchor(txn, old, new))
    })
    .await
}

/// The suggestion an event accepts or whose acceptance it undoes.
fn suggestion_change(event: &Event) -> Option<&str> {
    match &event.change {
        Change::SuggestionAccepted { comment_id, .. }
        | Change::SuggestionAcceptUndone { comment_id, .. } => Some(comment_id),
        _ => None,
    }
}

/// Writes the accepted suggestions and undone acceptances among `events`
/// (numbered from `first_seq`) into the document: each in its own
/// transaction, on behalf of the suggestion's author, with its mark in
/// [`WRITTEN_ENTRIES`], and only if not marked yet.
fn write_suggestions(
    rooms: &Arc<Rooms>,
    room: &Arc<crate::room::Room>,
    pm: &str,
    meeting: &Meeting,
    first_seq: u64,
    events: &[Event],
) {
    for (i, event) in events.iter().enumerate() {
        let Some(comment) = suggestion_change(event).and_then(|id| meeting.comment(id)) else {
            continue;
        };
        if comment.replacement.is_none() {
            continue;
        }
        let key = (first_seq + i as u64).to_string();
        let origin = format!(
            "suggestion:{}:{}",
            comment.id, comment.author.participant_id
        );
        let mut outcome = Ok(());
        let result = room.apply_server_change_as(Some(&origin), rooms.commit(), |txn| {
            let marks = txn.get_or_insert_map(WRITTEN_ENTRIES);
            if marks.contains_key(txn, &key) {
                return;
            }
            outcome = match event.change {
                Change::SuggestionAccepted { .. } => suggestion::accept(txn, comment),
                _ => suggestion::undo(txn, comment),
            };
            marks.insert(txn, key.as_str(), true);
        });
        if let Err(e) = result {
            tracing::error!(postmortem = %pm, error = %e, "suggestion not written into the document");
        } else if let Err(e) = outcome {
            tracing::warn!(postmortem = %pm, comment = %comment.id, error = %e, "suggestion not applied: its words changed");
        }
    }
}

/// Appends the entries of `events` (numbered from `first_seq` in the log) to
/// the document's sections, each with its mark in [`WRITTEN_ENTRIES`] and
/// only if not marked yet. In a document written before marks existed, an
/// entry whose exact text is already in its section is only marked. An
/// edited answer rewrites its entry where it is; when people have changed
/// that entry by hand meanwhile, the new one is appended (nothing of theirs
/// is overwritten).
async fn write_entries(
    rooms: &Arc<Rooms>,
    pm: &str,
    meeting: &Meeting,
    first_seq: u64,
    events: &[Event],
) {
    let entries: Vec<(String, Entry)> = events
        .iter()
        .enumerate()
        .filter_map(|(i, event)| Some(((first_seq + i as u64).to_string(), entry(meeting, event)?)))
        .collect();
    if entries.is_empty() && !events.iter().any(|e| suggestion_change(e).is_some()) {
        return;
    }
    let (room, conn) = match rooms.join(pm).await {
        Ok(joined) => joined,
        Err(e) => {
            tracing::error!(postmortem = %pm, error = %e, "document not loaded; entries not written");
            return;
        }
    };
    let (entries, elsewhere) = claim_entries(rooms, &room, pm, entries).await;
    write_claimed(rooms, &room, pm, &entries);
    write_suggestions(rooms, &room, pm, meeting, first_seq, events);
    rooms.leave(&room, conn);
    if !elsewhere.is_empty() {
        look_again_later(rooms, pm, elsewhere);
    }
}

/// Cluster mode: splits `entries` into those this node claimed (it writes
/// them) and those another node claimed (it is writing them, or died
/// first); entries the document marks already are dropped. See
/// `nats/entries.rs`. The embedded store claims every one.
async fn claim_entries(
    rooms: &Arc<Rooms>,
    room: &Arc<crate::room::Room>,
    pm: &str,
    entries: Vec<(String, Entry)>,
) -> (Vec<(String, Entry)>, Vec<(String, Entry)>) {
    let store = Arc::clone(rooms.store());
    if !store.shared() {
        return (entries, Vec::new());
    }
    let (mut mine, mut elsewhere) = (Vec::new(), Vec::new());
    for (key, entry) in entries {
        let marked = room.read(|txn| {
            txn.get_map(WRITTEN_ENTRIES)
                .is_some_and(|marks| marks.contains_key(txn, &key))
        });
        if marked {
            continue;
        }
        let (store, pm, claimed) = (Arc::clone(&store), pm.to_owned(), key.clone());
        match blocking(move || store.claim_entry(&pm, &claimed)).await {
            Ok(true) => mine.push((key, entry)),
            Ok(false) => elsewhere.push((key, entry)),
            Err(e) => {
                tracing::warn!(error = ?e, "entry not claimed; trying again later");
                elsewhere.push((key, entry));
            }
        }
    }
    (mine, elsewhere)
}

/// Cluster mode: once the claims of entries another node held have lapsed,
/// writes those still missing from the document (their claimer died before
/// storing them).
fn look_again_later(rooms: &Arc<Rooms>, pm: &str, entries: Vec<(String, Entry)>) {
    let (rooms, pm) = (Arc::clone(rooms), pm.to_owned());
    tokio::spawn(async move {
        tokio::time::sleep(crate::nats::entries::CLAIM_LIFETIME + Duration::from_secs(5)).await;
        let (room, conn) = match rooms.join(&pm).await {
            Ok(joined) => joined,
            Err(e) => {
                tracing::error!(postmortem = %pm, error = %e, "document not loaded; entries not written");
                return;
            }
        };
        let (entries, _) = claim_entries(&rooms, &room, &pm, entries).await;
        write_claimed(&rooms, &room, &pm, &entries);
        rooms.leave(&room, conn);
    });
}

/// Writes `entries` (see [`write_entries`]) in one transaction.
fn write_claimed(
    rooms: &Arc<Rooms>,
    room: &Arc<crate::room::Room>,
    pm: &str,
    entries: &[(String, Entry)],
) {
    if entries.is_empty() {
        return;
    }
    let result = room.apply_server_change(rooms.commit(), |txn| {
        let marks = txn.get_or_insert_map(WRITTEN_ENTRIES);
        let unmarked_document = marks.len(txn) == 0;
        for (key, entry) in entries {
            if marks.contains_key(txn, key) {
                continue;
            }
            let text = txn.get_or_insert_text(section_text_name(entry.section).as_str());
            let markdown = entry.markdown.as_str();
            let current = text.get_string(txn);
            let written_before = entry
                .replaces
                .as_deref()
                .and_then(|old| Some((utf16_offset(&current, old)?, old)));
            if let Some((at, old)) = written_before {
                text.remove_range(txn, at, old.encode_utf16().count() as u32);
                text.insert(txn, at, markdown);
            } else if !(unmarked_document && current.contains(markdown)) {
                let end = text.len(txn);
                text.insert(txn, end, markdown);
            }
            marks.insert(txn, key.as_str(), true);
        }
    });
    if let Err(e) = result {
        tracing::error!(postmortem = %pm, error = %e, "entries not written into the document");
    }
}

/// Where `needle` starts in `haystack`, in UTF-16 units (the document's).
fn utf16_offset(haystack: &str, needle: &str) -> Option<u32> {
    let byte = haystack.find(needle)?;
    Some(haystack[..byte].encode_utf16().count() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::room::tests::rooms;
    use crate::room::RoomConfig;

    #[tokio::test]
    async fn a_document_socket_sees_the_phase_move_without_reconnecting() {
        let (rooms, store, _dir) = rooms(RoomConfig::default());
        let meetings = Meetings::new(store, rooms);
        let record = PostmortemRecord {
            id: "pm".into(),
            title: "phase".into(),
            created_at: 1,
            incident: None,
        };
        let mut phase = meetings.phase_watch(&record).await.unwrap();
        assert_eq!(*phase.borrow_and_update(), Phase::Drafting);
        let sre = Actor {
            participant_id: "sre".into(),
            role: Role::Facilitator,
            display_name: "SRE".into(),
            team: None,
        };
        let command: Command = serde_json::from_value(serde_json::json!(
            {"command_id": "c1", "type": "move_phase", "to": "silent_reading"}
        ))
        .unwrap();
        let slot = meetings.get(&record).await.unwrap();
        let mut loaded = slot.lock().await;
        let events = loaded
            .meeting
            .decide(&sre, &command, 1000, &mut || "id".to_owned())
            .unwrap();
        loaded.apply(&events);
        assert!(phase.has_changed().unwrap());
        assert_eq!(*phase.borrow_and_update(), Phase::SilentReading);
        // An event that leaves the phase alone wakes nobody.
        loaded.apply(&[]);
        assert!(!phase.has_changed().unwrap());
    }
}
