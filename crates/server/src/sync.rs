//! `GET /sync/{id}`: the y-websocket protocol on one socket.
//!
//! The token is checked before the upgrade. After it, the socket gets the
//! server's sync step 1 and everyone's awareness, then relays in both
//! directions: frames from the client are decoded whole (one bad message
//! refuses the whole frame), updates go to the room, and room events go out
//! one y-sync message per frame. Every update is checked against the
//! socket's role and the meeting's phase *now* (`casebook_core::scope`): a
//! write into a part the permission table keeps from it closes the socket
//! and applies nothing, whatever the phase was when the socket opened. A
//! viewer's socket closes on its first write.

use crate::auth::Access;
use crate::error::ApiError;
use crate::invite::Admitted;
use crate::limits::{Limits, SocketSlot};
use crate::meeting;
use crate::metrics::RoomKind;
use crate::room::meeting_doc_id;
use crate::room::{CloseReason, ConnId, Room, RoomEvent, Rooms};
use crate::store::PostmortemRecord;
use crate::upgrade::{feed_binary, send_binary, NotAnUpgrade, Socket, Upgrade, WRITE_BATCH};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use casebook_core::close;
use casebook_core::protocol::{self, Message, SyncMessage};
use casebook_core::scope::{self, Refusal};
use casebook_core::{Phase, Role};
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, watch, Semaphore};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error as WsError, Message as WsMessage};
use tracing::Instrument;
use yrs::sync::awareness::AwarenessUpdate;
use yrs::{StateVector, Update};

/// How often an idle socket gets a ping and a keep-alive message
/// (`protocol::KEEPALIVE_MS`, shared with the browser).
const KEEPALIVE: Duration = Duration::from_millis(protocol::KEEPALIVE_MS);
/// A socket that sent nothing, not even a pong, for this long is dead
/// (`protocol::SILENT_LIMIT_MS`, the browser's limit too).
const DEAD_AFTER: Duration = Duration::from_millis(protocol::SILENT_LIMIT_MS);
/// Bytes read from a socket at a time.
const SOCKET_READ_BUFFER: usize = 1024;
/// How long a closing socket waits for the client's close answer.
const CLOSE_HANDSHAKE: Duration = Duration::from_secs(1);
/// Updates of one socket that may wait for the disk at once.
const MAX_IN_FLIGHT: usize = 256;

/// `GET /sync/{id}`: the postmortem's document.
#[utoipa::path(
    get,
    operation_id = "sync_document",
    path = "/sync/{id}",
    tag = "sync",
    description = "The postmortem's document, a Yjs document spoken in the y-websocket \
        protocol. Viewer and admin sockets are read-only; close codes in `casebook_core::close`.",
    params(crate::openapi::PostmortemId),
    security(("member" = []), ("admin" = []), ("token_query" = [])),
    responses(
        (status = 101, description = "Switched to the WebSocket protocol"),
        (status = 400, description = "Not a WebSocket upgrade (RFC 6455 headers missing)", body = casebook_core::api::ErrorBody),
        (status = 503, description = "Too many sockets on this document or server; try again later", body = casebook_core::api::ErrorBody),
    )
)]
pub async fn sync_handler(
    State(app): State<AppState>,
    admitted: Admitted,
    crate::oidc::MaybeSignedIn(signed_in): crate::oidc::MaybeSignedIn,
    upgrade: Result<Upgrade, NotAnUpgrade>,
) -> Result<Response, ApiError> {
    let (mut peer, record) = peer(admitted);
    peer.phase = Some(app.meetings.phase_watch(&record).await?);
    peer.signed_name = signed_in.map(|session| session.name);
    connect(&app, &record.id, peer, upgrade).await
}

/// `GET /sync/{id}/meeting`: the meeting room, read-only for every client.
#[utoipa::path(
    get,
    operation_id = "sync_meeting_room",
    path = "/sync/{id}/meeting",
    tag = "sync",
    description = "The meeting room: a Yjs document only the server writes (any write \
        closes the socket, 1008).",
    params(crate::openapi::PostmortemId),
    security(("member" = []), ("admin" = []), ("token_query" = [])),
    responses(
        (status = 101, description = "Switched to the WebSocket protocol"),
        (status = 400, description = "Not a WebSocket upgrade (RFC 6455 headers missing)", body = casebook_core::api::ErrorBody),
        (status = 503, description = "Too many sockets on this document or server; try again later", body = casebook_core::api::ErrorBody),
    )
)]
pub async fn meeting_handler(
    State(app): State<AppState>,
    admitted: Admitted,
    upgrade: Result<Upgrade, NotAnUpgrade>,
) -> Result<Response, ApiError> {
    let (mut peer, record) = peer(admitted);
    // Counted as present for as long as the socket lives (see `Peer`).
    peer.in_room = meeting::InRoom::arrive(&app, &record, &peer.access);
    let response = connect(&app, &meeting_doc_id(&record.id), peer, upgrade).await?;
    // Catch the room up with the meeting's state and who is here.
    meeting::reproject(&app, &record).await?;
    Ok(response)
}

/// Who is on the other end of an admitted socket (the token was checked
/// before any upgrade, by the extractor).
fn peer(Admitted { access, record }: Admitted) -> (Peer, PostmortemRecord) {
    let invite = match &access {
        Access::Admin => None,
        Access::Member { invite, .. } => Some(invite.clone()),
    };
    let peer = Peer {
        conn: 0,
        postmortem: record.id.clone(),
        role: access.socket_role(),
        invite,
        access,
        in_room: None,
        phase: None,
        signed_name: None,
    };
    (peer, record)
}

/// Joins the room of `doc_id` and upgrades the socket into it.
async fn connect(
    app: &AppState,
    doc_id: &str,
    mut peer: Peer,
    upgrade: Result<Upgrade, NotAnUpgrade>,
) -> Result<Response, ApiError> {
    let upgrade =
        upgrade.map_err(|r| ApiError::bad_request(format!("expected a WebSocket upgrade: {r}")))?;
    let slot = app.config.limits.admit_socket(doc_id)?;
    let (room, conn) = app.rooms.join(doc_id).await.map_err(|e| {
        tracing::error!(doc = %doc_id, error = %e, "document could not be loaded");
        ApiError::internal(format!("the document could not be loaded: {e}"))
    })?;
    peer.conn = conn;
    let rooms = Arc::clone(&app.rooms);
    let limits = Arc::clone(&app.config.limits);
    let max = app.config.max_frame_bytes;
    let config = WebSocketConfig::default()
        .max_message_size(Some(max))
        .max_frame_size(Some(max))
        // tungstenite's 128 KiB defaults would cost every idle socket that much;
        // reads grow past this as needed, and what one wake-up of the socket
        // forwards is written together and flushed at once (`send_all`).
        .read_buffer_size(SOCKET_READ_BUFFER)
        .write_buffer_size(WRITE_BATCH);
    let failed = {
        let (rooms, room) = (Arc::clone(&rooms), Arc::clone(&room));
        move || rooms.leave(&room, conn)
    };
    Ok(upgrade.on_upgrade(config, failed, move |socket| {
        run(socket, rooms, room, peer, limits, slot)
    }))
}

/// Who is on the other end of one socket.
struct Peer {
    conn: ConnId,
    /// The postmortem whose document or meeting room this is.
    postmortem: String,
    role: Role,
    /// The invite its token belongs to (none for the admin).
    invite: Option<String>,
    /// Who the token speaks for.
    access: Access,
    /// On a meeting-room socket: this person counted as present until the
    /// socket (and so the `Peer`) is dropped.
    in_room: Option<meeting::InRoom>,
    /// On a document socket: the meeting's phase, read on every write.
    phase: Option<watch::Receiver<Phase>>,
    /// Signed in through the identity provider: the only name its presence
    /// may show.
    signed_name: Option<String>,
}

async fn run(
    mut socket: Socket,
    rooms: Arc<Rooms>,
    room: Arc<Room>,
    peer: Peer,
    limits: Arc<Limits>,
    slot: SocketSlot,
) {
    let task = limits.socket_task();
    let conn = peer.conn;
    let kind = RoomKind::of(room.read_only);
    // Every log line of the socket names it, its postmortem and its role.
    let span = tracing::info_span!("socket", postmortem = %peer.postmortem, socket = conn, role = %peer.role, kind = kind.as_str());
    let open = rooms.metrics().socket_opened(kind, peer.role);
    let close = serve(&mut socket, &rooms, &room, &peer, &limits)
        .instrument(span.clone())
        .await;
    rooms.leave(&room, conn);
    drop((slot, open));
    rooms
        .metrics()
        .socket_closed(close.as_ref().map(|c| c.code));
    if let Some(close) = close {
        span.in_scope(|| tracing::debug!(doc = %room.id, conn, code = close.code, reason = %close.reason, "closing socket"));
        let frame = CloseFrame {
            code: CloseCode::from(close.code),
            reason: truncate_reason(&close.reason).into(),
        };
        // A client that stopped reading gets as long as a dead one to take
        // the close frame (it finds it when it reads again).
        let closing = socket.send(WsMessage::Close(Some(frame)));
        if let Ok(Ok(())) = tokio::time::timeout(DEAD_AFTER, closing).await {
            // The closing handshake: read until the client's close answer
            // (briefly), so the socket is not torn down with unread input,
            // which would reset the connection and lose the close frame.
            let _ = tokio::time::timeout(CLOSE_HANDSHAKE, async {
                while let Some(Ok(message)) = socket.next().await {
                    if message.is_close() {
                        break;
                    }
                }
            })
            .await;
        }
    }
    drop(task);
}

/// Close reasons travel in a control frame: at most 123 bytes.
fn truncate_reason(reason: &str) -> String {
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    reason[..end].to_owned()
}

/// Relays until the socket ends; returns how to close it, if it is still open.
async fn serve(
    socket: &mut Socket,
    rooms: &Arc<Rooms>,
    room: &Arc<Room>,
    peer: &Peer,
    limits: &Limits,
) -> Option<CloseReason> {
    let Peer { conn, role, .. } = *peer;
    let mut budget = limits.message_budget();
    let (mut events, first) = room.subscribe();
    if let Err(close) = send_all(socket, first, limits).await {
        return close;
    }
    let permits = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let keepalive_frame = Bytes::from(protocol::encode(&Message::Awareness(AwarenessUpdate {
        clients: Default::default(),
    })));
    let mut ticker = tokio::time::interval_at(Instant::now() + KEEPALIVE, KEEPALIVE);
    let mut last_seen = Instant::now();
    loop {
        // Room events first: a socket forwards what it owes before it reads
        // more, so a fast writer cannot outrun its own backlog.
        tokio::select! {
            biased;
            event = events.recv() => {
                // Every event already queued goes out with this one: their
                // frames are written together and flushed once, so a socket
                // woken late (a busy server, a group commit of many updates)
                // makes one write for what piled up instead of one per
                // frame. Nothing waits for more; the order is the room's.
                let mut frames = Vec::new();
                let stop = take_queued(event, &mut events, peer, room, &mut frames);
                if let Err(close) = send_all(socket, frames, limits).await {
                    return close;
                }
                if let Some(stop) = stop {
                    return stop;
                }
            }
            incoming = socket.next() => {
                let message = match incoming {
                    None => return None,
                    Some(Ok(message)) => message,
                    Some(Err(e)) => return too_large(&e),
                };
                last_seen = Instant::now();
                if matches!(message, WsMessage::Binary(_)) && !budget.take() {
                    return Some(CloseReason::new(
                        close::TOO_MANY_MESSAGES,
                        format!("more than {} messages a second; reconnect and slow down", limits.settings.max_messages_per_sec),
                    ));
                }
                match message {
                    WsMessage::Binary(frame) => {
                        let writer = Writer { role, phase: peer.phase.as_ref().map(|p| *p.borrow()), name: peer.signed_name.as_deref() };
                        if let Err(close) = handle_frame(&frame, rooms, room, conn, writer, &permits, limits).await {
                            return Some(close);
                        }
                    }
                    WsMessage::Text(_) => {
                        return Some(CloseReason::new(close::UNSUPPORTED_DATA, "text frames are not part of the y-websocket protocol"));
                    }
                    WsMessage::Close(_) => return None,
                    WsMessage::Ping(_) | WsMessage::Pong(_) | WsMessage::Frame(_) => {}
                }
            }
            _ = ticker.tick() => {
                if last_seen.elapsed() > DEAD_AFTER {
                    tracing::debug!(doc = %room.id, conn, "socket silent too long; dropping it");
                    return None;
                }
                let ping = socket.send(WsMessage::Ping(Default::default()));
                match limits.send_timeout() {
                    Some(limit) => match tokio::time::timeout(limit, ping).await {
                        Ok(sent) => sent.ok()?,
                        Err(_) => return Some(not_reading()),
                    },
                    None => ping.await.ok()?,
                }
                if let Err(close) = send(socket, keepalive_frame.clone(), limits).await {
                    return close;
                }
            }
        }
    }
}

/// Most room events one wake-up of a socket forwards together.
const MAX_COALESCED: usize = 64;

/// Takes `first` and then every room event already queued for this socket
/// (at most [`MAX_COALESCED`], without waiting), in the room's order, and
/// puts the frames the socket owes into `frames`. `Some(close)` when the
/// socket is to stop after sending `frames`, with how to close it (`None`:
/// the room is gone); events after the one that stops it stay unread.
fn take_queued(
    first: Result<Arc<RoomEvent>, broadcast::error::RecvError>,
    events: &mut broadcast::Receiver<Arc<RoomEvent>>,
    peer: &Peer,
    room: &Room,
    frames: &mut Vec<Bytes>,
) -> Option<Option<CloseReason>> {
    let mut next = Some(first);
    let mut taken = 0;
    while let Some(event) = next.take() {
        if let Some(stop) = owed(event, peer, room, frames) {
            return Some(stop);
        }
        taken += 1;
        if taken < MAX_COALESCED {
            next = match events.try_recv() {
                Ok(event) => Some(Ok(event)),
                Err(broadcast::error::TryRecvError::Empty) => None,
                Err(broadcast::error::TryRecvError::Lagged(missed)) => {
                    Some(Err(broadcast::error::RecvError::Lagged(missed)))
                }
                Err(broadcast::error::TryRecvError::Closed) => {
                    Some(Err(broadcast::error::RecvError::Closed))
                }
            };
        }
    }
    None
}

/// What one room event means for a socket: the frames it owes go into
/// `frames`; `Some(close)` when it is to stop (see [`take_queued`]).
fn owed(
    event: Result<Arc<RoomEvent>, broadcast::error::RecvError>,
    peer: &Peer,
    room: &Room,
    frames: &mut Vec<Bytes>,
) -> Option<Option<CloseReason>> {
    let conn = peer.conn;
    match event.as_deref() {
        Ok(RoomEvent::Frame { from, frame }) if *from != Some(conn) => frames.push(frame.clone()),
        Ok(RoomEvent::Frames(queued)) => frames.extend(
            queued
                .iter()
                .filter(|(from, _)| *from != Some(conn))
                .map(|(_, frame)| frame.clone()),
        ),
        Ok(RoomEvent::Direct { to, frame }) if *to == conn => frames.push(frame.clone()),
        Ok(RoomEvent::Close(reason)) => return Some(Some(reason.clone())),
        Ok(RoomEvent::CloseInvite { invite, reason }) if peer.invite.as_ref() == Some(invite) => {
            return Some(Some(reason.clone()));
        }
        Ok(_) => {}
        Err(&broadcast::error::RecvError::Lagged(missed)) => {
            tracing::info!(doc = %room.id, conn, missed, "socket fell behind the room");
            return Some(Some(CloseReason::new(
                close::FELL_BEHIND,
                "fell behind the room; reconnect to resync",
            )));
        }
        Err(broadcast::error::RecvError::Closed) => return Some(None),
    }
    None
}

/// Sends y-sync messages in order, fed into the socket's write buffer and
/// flushed once, so those that fit in [`WRITE_BATCH`] go out in one write.
/// Each message and the flush has `--send-timeout-secs`, as one [`send`] has.
async fn send_all(
    socket: &mut Socket,
    frames: Vec<Bytes>,
    limits: &Limits,
) -> Result<(), Option<CloseReason>> {
    match frames.len() {
        0 => return Ok(()),
        1 => {
            return send(
                socket,
                frames.into_iter().next().unwrap_or_default(),
                limits,
            )
            .await
        }
        _ => {}
    }
    for frame in frames {
        within_send_timeout(feed_binary(socket, frame), limits).await?;
    }
    within_send_timeout(socket.flush(), limits).await
}

/// `sending` under `--send-timeout-secs`: `Err(None)`: the connection is
/// gone; `Err(Some(FELL_BEHIND))`: the client did not take it in time.
async fn within_send_timeout(
    sending: impl std::future::Future<Output = Result<(), WsError>>,
    limits: &Limits,
) -> Result<(), Option<CloseReason>> {
    match limits.send_timeout() {
        None => sending.await.map_err(|_| None),
        Some(limit) => match tokio::time::timeout(limit, sending).await {
            Ok(sent) => sent.map_err(|_| None),
            Err(_) => Err(Some(not_reading())),
        },
    }
}

/// Sends one y-sync message (see [`send_binary`]: large ones go out in
/// frames). `Err(None)`: the connection is gone; `Err(Some(FELL_BEHIND))`: the
/// client has not taken the message within `--send-timeout-secs` (stalled or
/// half-open), so it is closed and resyncs when it reconnects. Whatever of
/// the message was written stays queued before the close frame.
async fn send(
    socket: &mut Socket,
    frame: Bytes,
    limits: &Limits,
) -> Result<(), Option<CloseReason>> {
    within_send_timeout(send_binary(socket, frame), limits).await
}

/// The close reason for a socket that does not take what it is sent.
fn not_reading() -> CloseReason {
    CloseReason::new(
        close::FELL_BEHIND,
        "not reading what the room sends; reconnect to resync",
    )
}

/// A read error: a message over the limit gets 1009, anything else means the
/// connection is gone.
fn too_large(error: &WsError) -> Option<CloseReason> {
    let text = error.to_string();
    (text.contains("too long") || text.contains("Space limit"))
        .then(|| CloseReason::new(close::MESSAGE_TOO_BIG, format!("message too large: {text}")))
}

/// Who sends a frame: the socket's role, on a document socket the
/// meeting's phase when the frame arrived, and the signed-in name.
#[derive(Debug, Clone, Copy)]
struct Writer<'a> {
    role: Role,
    phase: Option<Phase>,
    name: Option<&'a str>,
}

impl Writer<'_> {
    /// Whether this socket may write any part of `room` now.
    fn may_write(self, room: &Room) -> bool {
        !room.read_only
            && self
                .phase
                .is_some_and(|phase| scope::may_write(self.role, phase))
    }

    /// Why a socket that may not write was closed.
    fn read_only(self, room: &Room) -> CloseReason {
        let reason = match self.phase {
            _ if room.read_only => {
                "read-only: the meeting room changes only through commands".to_owned()
            }
            Some(phase) if self.role.can_edit_document() => format!(
                "read-only: {}s may not change the document in the {} phase",
                self.role,
                phase.as_str().replace('_', " ")
            ),
            _ => "read-only: a viewer cannot change the document".to_owned(),
        };
        CloseReason::new(close::POLICY_VIOLATION, reason)
    }
}

/// A signed-in person's presence shows the provider's name, whatever the
/// client put in `user.name` (states that are not `{"user": {…}}`, such as
/// a removal's `null`, pass as they are).
fn presence_named(mut update: AwarenessUpdate, name: &str) -> AwarenessUpdate {
    for entry in update.clients.values_mut() {
        let Ok(mut state) = serde_json::from_str::<serde_json::Value>(&entry.json) else {
            continue;
        };
        let Some(user) = state.get_mut("user").and_then(|u| u.as_object_mut()) else {
            continue;
        };
        user.insert("name".into(), name.into());
        entry.json = state.to_string().into();
    }
    update
}

/// The close of a socket whose updates were refused by their scope.
fn refused(refusal: Refusal) -> CloseReason {
    let code = match refusal {
        Refusal::NotAllowed { .. } | Refusal::ServerOnly(_) => close::POLICY_VIOLATION,
        Refusal::Unplaceable | Refusal::Undecodable(_) | Refusal::Subdocument => {
            close::UNSUPPORTED_DATA
        }
    };
    CloseReason::new(code, refusal.to_string())
}

/// One step of a frame, validated before any of them is carried out.
enum Step {
    SyncStep1(StateVector),
    Update(Update, Vec<u8>),
    Awareness(AwarenessUpdate),
    AwarenessQuery,
}

async fn handle_frame(
    frame: &[u8],
    rooms: &Arc<Rooms>,
    room: &Arc<Room>,
    conn: ConnId,
    writer: Writer<'_>,
    permits: &Arc<Semaphore>,
    limits: &Limits,
) -> Result<(), CloseReason> {
    let may_write = writer.may_write(room);
    let messages = protocol::decode_frame(frame)
        .map_err(|e| CloseReason::new(close::UNSUPPORTED_DATA, e.to_string()))?;
    let mut steps = Vec::with_capacity(messages.len());
    let mut update_bytes = 0u64;
    for message in messages {
        match message {
            Message::Sync(SyncMessage::SyncStep1(sv)) => steps.push(Step::SyncStep1(sv)),
            Message::Sync(SyncMessage::SyncStep2(raw))
            | Message::Sync(SyncMessage::Update(raw)) => {
                let update = protocol::decode_update(&raw).map_err(|e| {
                    CloseReason::new(close::UNSUPPORTED_DATA, format!("undecodable update: {e}"))
                })?;
                let Some(update) = update else { continue };
                if may_write {
                    update_bytes += raw.len() as u64;
                    if !limits.doc_fits(room.stored_bytes(), update_bytes) {
                        return Err(CloseReason::new(
                            close::DOC_TOO_LARGE,
                            format!(
                                "the document is at its size limit of {} bytes; the edit was not applied",
                                limits.settings.max_doc_bytes
                            ),
                        ));
                    }
                    steps.push(Step::Update(update, raw));
                } else if room.would_change(&update) {
                    return Err(writer.read_only(room));
                }
                // Otherwise a read-only socket repeated what the room has: nothing to do.
            }
            Message::Awareness(update) => {
                if !limits.awareness_fits(&update) {
                    return Err(CloseReason::new(
                        close::AWARENESS_TOO_LARGE,
                        format!(
                            "a presence state is larger than {} bytes",
                            limits.settings.max_awareness_bytes
                        ),
                    ));
                }
                steps.push(Step::Awareness(match writer.name {
                    Some(name) => presence_named(update, name),
                    None => update,
                }));
            }
            Message::AwarenessQuery => steps.push(Step::AwarenessQuery),
            Message::Auth(_) | Message::Custom(..) => {}
        }
    }
    // The frame's updates together (a later one may build on an earlier).
    let updates: Vec<&[u8]> = steps
        .iter()
        .filter_map(|step| match step {
            Step::Update(_, raw) => Some(raw.as_slice()),
            _ => None,
        })
        .collect();
    let mut outline_before = None;
    if let (false, Some(phase)) = (updates.is_empty(), writer.phase) {
        let allowed = room
            .check_writes(&updates, writer.role, phase)
            .map_err(refused)?;
        outline_before = allowed.arranges.then(|| room.outline());
    }
    for step in steps {
        match step {
            Step::SyncStep1(sv) => room.sync_step1(conn, &sv, rooms.commit()),
            Step::Update(update, raw) => {
                let permit = Arc::clone(permits)
                    .acquire_owned()
                    .await
                    .expect("the semaphore is never closed");
                room.apply_update(conn, update, raw, rooms.commit(), permit)
                    .map_err(|e| CloseReason::new(close::UNSUPPORTED_DATA, e.to_string()))?;
                rooms.metrics().update_applied();
            }
            Step::Awareness(update) => {
                rooms.metrics().awareness_received();
                room.apply_awareness(conn, update);
            }
            Step::AwarenessQuery => room.send_awareness_to(conn),
        }
    }
    if let Some(before) = outline_before {
        room.restore_sections(&before, rooms.commit());
    }
    Ok(())
}

#[cfg(test)]
mod tests;
