//! Prometheus metrics: every metric the server exports is named here, once,
//! and recorded through a named method (`metrics.socket_opened(…)`,
//! `metrics.socket_closed(…)`); handlers and rooms never spell a metric
//! name. Served as the Prometheus text format (0.0.4) on its own listener
//! (`--metrics-bind`, off by default), never on the public port.
//!
//! Built on `prometheus-client`, the Prometheus project's own Rust client:
//! a [`Registry`] is a value, so every `App` (and every in-process test
//! server) has its own counters, with no process-wide recorder. Hot paths
//! (updates, awareness, group commits) hold their metric handles; a record
//! there is one atomic add. Gauges that describe what is in memory (rooms
//! loaded, their stored bytes) are sampled when Prometheus scrapes, not kept
//! up to date on every change.
//!
//! What this module does not do: decide anything. A metric is recorded
//! after the code it measures has decided; nothing reads a metric back.

mod process;

use crate::room::Rooms;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::{Registry, Unit};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Which of a postmortem's two rooms a socket or a room is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RoomKind {
    Document,
    MeetingRoom,
}

impl RoomKind {
    /// The meeting room is the read-only one.
    pub fn of(read_only: bool) -> Self {
        if read_only {
            RoomKind::MeetingRoom
        } else {
            RoomKind::Document
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RoomKind::Document => "document",
            RoomKind::MeetingRoom => "meeting_room",
        }
    }
}

/// Why a socket's message was refused (and the socket closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Refusal {
    /// Not y-sync, not a decodable update, or one yrs could not apply.
    Malformed,
    /// A write the permission table does not allow: a viewer's, anyone's
    /// on the read-only meeting room, or one outside the role's write scope
    /// in this phase (`core::scope`).
    NotAllowed,
    /// Past `--max-doc-bytes`.
    DocTooLarge,
    /// Past `--max-frame-bytes`.
    MessageTooBig,
    /// A presence state past `--max-awareness-bytes`.
    AwarenessTooLarge,
    /// Past `--max-messages-per-sec`.
    RateLimited,
}

impl Refusal {
    /// The refusal a socket close stands for, when it stands for one: every
    /// refused update closes its socket with the code that names why.
    pub fn from_close(code: u16) -> Option<Refusal> {
        use casebook_core::close;
        match code {
            close::UNSUPPORTED_DATA => Some(Refusal::Malformed),
            close::POLICY_VIOLATION => Some(Refusal::NotAllowed),
            close::DOC_TOO_LARGE => Some(Refusal::DocTooLarge),
            close::MESSAGE_TOO_BIG => Some(Refusal::MessageTooBig),
            close::AWARENESS_TOO_LARGE => Some(Refusal::AwarenessTooLarge),
            close::TOO_MANY_MESSAGES => Some(Refusal::RateLimited),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Refusal::Malformed => "malformed",
            Refusal::NotAllowed => "not_allowed",
            Refusal::DocTooLarge => "doc_too_large",
            Refusal::MessageTooBig => "message_too_big",
            Refusal::AwarenessTooLarge => "awareness_too_large",
            Refusal::RateLimited => "rate_limited",
        }
    }

    const ALL: [Refusal; 6] = [
        Refusal::Malformed,
        Refusal::NotAllowed,
        Refusal::DocTooLarge,
        Refusal::MessageTooBig,
        Refusal::AwarenessTooLarge,
        Refusal::RateLimited,
    ];
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct KindLabels {
    kind: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct SocketLabels {
    kind: &'static str,
    role: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct CloseLabels {
    /// The close code the server sent, or `peer` when the client closed or
    /// went away first.
    code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ReasonLabels {
    reason: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct HttpLabels {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct CommandLabels {
    command: String,
    outcome: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct PhaseLabels {
    from: &'static str,
    to: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct LibraryLabels {
    operation: &'static str,
    outcome: &'static str,
}

/// Latency buckets from 100 µs to about 13 s (doubling): a flush on a
/// laptop SSD takes a few ms; a stalled disk takes seconds.
fn latency_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.0001, 2.0, 18))
}

/// Batch sizes 1, 2, 4 … 8192 (the committer's `MAX_BATCH`).
fn batch_buckets() -> Histogram {
    Histogram::new(exponential_buckets(1.0, 2.0, 14))
}

/// HTTP answers: 1 ms to about 4 s.
fn http_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 13))
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

/// The server's metrics (one per `App`).
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    sockets_open: Family<SocketLabels, Gauge>,
    sockets_closed: Family<CloseLabels, Counter>,
    updates_applied: Counter,
    updates_refused: Family<ReasonLabels, Counter>,
    awareness_messages: Counter,
    commit_batch: Histogram,
    commit_seconds: Histogram,
    commit_failures: Counter,
    edit_broadcast_seconds: Histogram,
    http_requests: Family<HttpLabels, Counter>,
    http_seconds: HistogramFamily<RouteLabels>,
    meeting_commands: Family<CommandLabels, Counter>,
    phase_transitions: Family<PhaseLabels, Counter>,
    library_updates: Family<LibraryLabels, Counter>,
    rooms_loaded: Family<KindLabels, Gauge>,
    stored_bytes: Family<KindLabels, Gauge>,
    largest_document_bytes: Gauge,
}

/// Every metric name this server exports, for the test that checks the
/// dashboard and the alerting rules against a live exposition.
pub const NAMES: &[&str] = &[
    "casebook_build_info",
    "casebook_sockets_open",
    "casebook_sockets_closed_total",
    "casebook_updates_applied_total",
    "casebook_updates_refused_total",
    "casebook_awareness_messages_total",
    "casebook_commit_batch_size",
    "casebook_commit_duration_seconds",
    "casebook_commit_failures_total",
    "casebook_edit_broadcast_seconds",
    "casebook_http_requests_total",
    "casebook_http_request_duration_seconds",
    "casebook_meeting_commands_total",
    "casebook_phase_transitions_total",
    "casebook_library_index_updates_total",
    "casebook_rooms_loaded",
    "casebook_rooms_stored_bytes",
    "casebook_largest_document_stored_bytes",
    "process_cpu_seconds_total",
    "process_resident_memory_bytes",
    "process_virtual_memory_bytes",
    "process_open_fds",
    "process_max_fds",
    "process_threads",
    "process_start_time_seconds",
];

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let sockets_open = Family::<SocketLabels, Gauge>::default();
        registry.register(
            "casebook_sockets_open",
            "WebSockets open now, by room kind and role",
            sockets_open.clone(),
        );
        let sockets_closed = Family::<CloseLabels, Counter>::default();
        registry.register(
            "casebook_sockets_closed",
            "WebSockets closed, by the close code the server sent (peer: the client closed or went away)",
            sockets_closed.clone(),
        );
        let updates_applied = Counter::default();
        registry.register(
            "casebook_updates_applied",
            "Document updates from sockets applied to their room",
            updates_applied.clone(),
        );
        let updates_refused = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "casebook_updates_refused",
            "Messages from sockets refused (the socket is closed), by reason",
            updates_refused.clone(),
        );
        let awareness_messages = Counter::default();
        registry.register(
            "casebook_awareness_messages",
            "Presence (awareness) updates received from sockets",
            awareness_messages.clone(),
        );
        let commit_batch = batch_buckets();
        registry.register(
            "casebook_commit_batch_size",
            "Updates written by one group commit (one flush)",
            commit_batch.clone(),
        );
        let commit_seconds = latency_buckets();
        registry.register_with_unit(
            "casebook_commit_duration",
            "Time one group commit takes to append its batch to the log and flush it",
            Unit::Seconds,
            commit_seconds.clone(),
        );
        let commit_failures = Counter::default();
        registry.register(
            "casebook_commit_failures",
            "Group commits that failed (their rooms reload from storage)",
            commit_failures.clone(),
        );
        let edit_broadcast_seconds = latency_buckets();
        registry.register_with_unit(
            "casebook_edit_broadcast",
            "Time from an update applied in memory to its broadcast, durable, to the room",
            Unit::Seconds,
            edit_broadcast_seconds.clone(),
        );
        let http_requests = Family::<HttpLabels, Counter>::default();
        registry.register(
            "casebook_http_requests",
            "HTTP requests answered, by method, route template and status",
            http_requests.clone(),
        );
        let http_seconds = HistogramFamily::<RouteLabels>::new_with_constructor(http_buckets);
        registry.register_with_unit(
            "casebook_http_request_duration",
            "Time to answer an HTTP request (a WebSocket: until the upgrade), by method and route template",
            Unit::Seconds,
            http_seconds.clone(),
        );
        let meeting_commands = Family::<CommandLabels, Counter>::default();
        registry.register(
            "casebook_meeting_commands",
            "Meeting commands, by type and outcome",
            meeting_commands.clone(),
        );
        let phase_transitions = Family::<PhaseLabels, Counter>::default();
        registry.register(
            "casebook_phase_transitions",
            "Meeting phase changes, by the phase left and the phase entered",
            phase_transitions.clone(),
        );
        let library_updates = Family::<LibraryLabels, Counter>::default();
        registry.register(
            "casebook_library_index_updates",
            "Library index changes (put: a case published; remove: reopened), by outcome",
            library_updates.clone(),
        );
        let rooms_loaded = Family::<KindLabels, Gauge>::default();
        registry.register(
            "casebook_rooms_loaded",
            "Rooms in memory, by kind",
            rooms_loaded.clone(),
        );
        let stored_bytes = Family::<KindLabels, Gauge>::default();
        registry.register_with_unit(
            "casebook_rooms_stored",
            "Bytes the loaded rooms take in storage (snapshot plus log since), by kind",
            Unit::Bytes,
            stored_bytes.clone(),
        );
        let largest_document_bytes = Gauge::default();
        registry.register_with_unit(
            "casebook_largest_document_stored",
            "Stored bytes of the largest loaded document (compare with --max-doc-bytes)",
            Unit::Bytes,
            largest_document_bytes.clone(),
        );
        registry.register_collector(Box::new(BuildInfo));
        registry.register_collector(Box::new(process::ProcessCollector));
        // Every kind appears from the first scrape, at zero.
        for kind in [RoomKind::Document, RoomKind::MeetingRoom] {
            let labels = KindLabels {
                kind: kind.as_str(),
            };
            drop(rooms_loaded.get_or_create(&labels));
            drop(stored_bytes.get_or_create(&labels));
        }
        for reason in Refusal::ALL {
            drop(updates_refused.get_or_create(&ReasonLabels {
                reason: reason.as_str(),
            }));
        }
        Metrics {
            registry,
            sockets_open,
            sockets_closed,
            updates_applied,
            updates_refused,
            awareness_messages,
            commit_batch,
            commit_seconds,
            commit_failures,
            edit_broadcast_seconds,
            http_requests,
            http_seconds,
            meeting_commands,
            phase_transitions,
            library_updates,
            rooms_loaded,
            stored_bytes,
            largest_document_bytes,
        }
    }

    /// A socket joined a room; it counts as open until the guard is dropped.
    pub fn socket_opened(&self, kind: RoomKind, role: casebook_core::Role) -> OpenSocket {
        let gauge = self.sockets_open.get_or_create_owned(&SocketLabels {
            kind: kind.as_str(),
            role: role.as_str(),
        });
        gauge.inc();
        OpenSocket(gauge)
    }

    /// A socket ended: `code` is the close code the server sent, `None` when
    /// the client closed or went away first. A close that refused an update
    /// also counts that refusal.
    pub fn socket_closed(&self, code: Option<u16>) {
        let label = code.map_or_else(|| "peer".to_owned(), |c| c.to_string());
        self.sockets_closed
            .get_or_create(&CloseLabels { code: label })
            .inc();
        if let Some(refusal) = code.and_then(Refusal::from_close) {
            self.updates_refused
                .get_or_create(&ReasonLabels {
                    reason: refusal.as_str(),
                })
                .inc();
        }
    }

    /// A socket's update was applied to its room.
    pub fn update_applied(&self) {
        self.updates_applied.inc();
    }

    /// A socket's presence update was received.
    pub fn awareness_received(&self) {
        self.awareness_messages.inc();
    }

    /// A group commit wrote `updates` log entries in `took` (`ok`: flushed).
    pub fn group_committed(&self, updates: usize, took: Duration, ok: bool) {
        self.commit_batch.observe(updates as f64);
        self.commit_seconds.observe(took.as_secs_f64());
        if !ok {
            self.commit_failures.inc();
        }
    }

    /// An update applied `ago` has just been broadcast.
    pub fn edit_broadcast(&self, ago: Duration) {
        self.edit_broadcast_seconds.observe(ago.as_secs_f64());
    }

    /// A meeting command was decided: `command` is its `type`, `status` the
    /// HTTP status of the answer.
    pub fn meeting_command(&self, command: &str, status: StatusCode) {
        let outcome = match status.as_u16() {
            200..=299 => "applied",
            400 | 413 | 422 => "invalid",
            401 => "unauthorized",
            403 => "forbidden",
            404 => "not_found",
            409 => "conflict",
            _ => "error",
        };
        self.meeting_commands
            .get_or_create(&CommandLabels {
                command: command.to_owned(),
                outcome,
            })
            .inc();
    }

    /// The meeting moved from one phase to another.
    pub fn phase_moved(&self, from: casebook_core::phase::Phase, to: casebook_core::phase::Phase) {
        self.phase_transitions
            .get_or_create(&PhaseLabels {
                from: from.as_str(),
                to: to.as_str(),
            })
            .inc();
    }

    /// The library index took a case in (`put`) or out, successfully or not.
    pub fn library_updated(&self, put: bool, ok: bool) {
        self.library_updates
            .get_or_create(&LibraryLabels {
                operation: if put { "put" } else { "remove" },
                outcome: if ok { "ok" } else { "error" },
            })
            .inc();
    }

    fn http_answered(&self, method: &Method, route: String, status: StatusCode, took: Duration) {
        let method = method_label(method);
        self.http_seconds
            .get_or_create(&RouteLabels {
                method,
                route: route.clone(),
            })
            .observe(took.as_secs_f64());
        self.http_requests
            .get_or_create(&HttpLabels {
                method,
                route,
                status: status.as_u16(),
            })
            .inc();
    }

    /// The rooms in memory, their stored bytes, and the largest document.
    fn sample_rooms(&self, rooms: &Rooms) {
        let mut loaded = [0i64; 2];
        let mut bytes = [0i64; 2];
        let mut largest = 0u64;
        for room in rooms.all_loaded() {
            let kind = RoomKind::of(room.read_only);
            let stored = room.stored_bytes();
            let i = kind as usize;
            loaded[i] += 1;
            bytes[i] = bytes[i].saturating_add(i64::try_from(stored).unwrap_or(i64::MAX));
            if kind == RoomKind::Document {
                largest = largest.max(stored);
            }
        }
        for kind in [RoomKind::Document, RoomKind::MeetingRoom] {
            let labels = KindLabels {
                kind: kind.as_str(),
            };
            self.rooms_loaded
                .get_or_create(&labels)
                .set(loaded[kind as usize]);
            self.stored_bytes
                .get_or_create(&labels)
                .set(bytes[kind as usize]);
        }
        self.largest_document_bytes
            .set(i64::try_from(largest).unwrap_or(i64::MAX));
    }

    /// The exposition: the Prometheus text format, version 0.0.4.
    pub fn render(&self, rooms: &Rooms) -> String {
        self.sample_rooms(rooms);
        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry)
            .expect("writing to a String cannot fail");
        text
    }
}

/// An open socket, counted in `casebook_sockets_open` while it lives.
pub struct OpenSocket(Gauge);

impl Drop for OpenSocket {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Methods as labels: the ones the API uses, everything else as `other`
/// (a client chooses the method; it must not choose the label set's size).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        _ => "other",
    }
}

/// Middleware: counts and times every request by the route template it
/// matched (`/api/postmortems/{id}`), never the raw path, so the label set
/// stays as small as the router. Paths no route matched (the static bundle
/// and unknown paths) share `fallback`.
pub async fn track_http(
    State(metrics): State<Arc<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "fallback".to_owned(), |m| m.as_str().to_owned());
    let response = next.run(request).await;
    metrics.http_answered(&method, route, response.status(), started.elapsed());
    response
}

/// What the metrics listener serves: `GET /metrics`, nothing else.
pub fn router(metrics: Arc<Metrics>, rooms: Arc<Rooms>) -> axum::Router {
    axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let text = metrics.render(&rooms);
            async move {
                (
                    [(
                        header::CONTENT_TYPE,
                        prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
                    )],
                    text,
                )
                    .into_response()
            }
        }),
    )
}

/// `casebook_build_info{version="…"} 1`.
#[derive(Debug)]
struct BuildInfo;

impl prometheus_client::collector::Collector for BuildInfo {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let gauge = ConstGauge::new(1i64);
        let mut metric = encoder.encode_descriptor(
            "casebook_build_info",
            "The running Casebook version (always 1)",
            None,
            gauge.metric_type(),
        )?;
        let labels = [("version", env!("CARGO_PKG_VERSION"))];
        gauge.encode(metric.encode_family(&labels)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_metric_is_in_the_exposition_and_no_other() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn crate::store::Store> =
            Arc::new(crate::store::SledStore::open(dir.path()).unwrap());
        let metrics = Arc::new(Metrics::new());
        let commit = crate::commit::GroupCommit::start(
            Arc::clone(&store),
            Arc::clone(&metrics),
            Duration::ZERO,
        );
        let rooms = Rooms::new(store, commit, Default::default(), Arc::clone(&metrics));
        // A family is exported once it has a member: record one of each.
        drop(metrics.socket_opened(RoomKind::Document, casebook_core::Role::Author));
        metrics.socket_closed(Some(4008));
        metrics.update_applied();
        metrics.awareness_received();
        metrics.group_committed(3, Duration::from_millis(2), true);
        metrics.edit_broadcast(Duration::from_millis(3));
        metrics.meeting_command("move_phase", StatusCode::OK);
        metrics.phase_moved(
            casebook_core::phase::Phase::Drafting,
            casebook_core::phase::Phase::SilentReading,
        );
        metrics.library_updated(true, true);
        metrics.http_answered(
            &Method::GET,
            "/healthz".into(),
            StatusCode::OK,
            Duration::from_millis(1),
        );
        let text = metrics.render(&rooms);
        let exported: std::collections::BTreeSet<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# TYPE "))
            .filter_map(|l| l.split(' ').next())
            .collect();
        let named: std::collections::BTreeSet<&str> = NAMES.iter().copied().collect();
        assert_eq!(exported, named, "{text}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn process_metrics_are_read_from_proc() {
        let sample = process::sample().expect("/proc/self is readable on Linux");
        assert!(sample.resident_bytes > 0.0);
        assert!(sample.open_fds >= 3.0);
        assert!(sample.threads >= 1.0);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        assert!(sample.start_time_seconds <= now + 1.0);
        assert!(sample.start_time_seconds > now - 86_400.0);
    }
}
