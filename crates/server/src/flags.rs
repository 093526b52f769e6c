//! The `casebook serve` flags (each also an environment variable) and the
//! [`Settings`] they make.
//!
//! In the library rather than in `main.rs` so the in-process test server is
//! configured with the same flags, defaults and clamps as the binary.

use crate::app::Settings;
use crate::images::ImageSettings;
use crate::limits::LimitSettings;
use crate::nats::ClusterSettings;
use crate::room::RoomConfig;
use clap::Parser;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// `casebook serve`'s flags.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "CASEBOOK_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Directory of the sled database (created if missing).
    #[arg(long, env = "CASEBOOK_DATA_DIR", default_value = "./casebook-data")]
    pub data_dir: PathBuf,
    /// Directory of the built browser bundle (`cargo xtask run` builds it).
    #[arg(long, env = "CASEBOOK_WEB_DIR", default_value = "web/dist")]
    web_dir: PathBuf,
    /// Base URL for printed links and invite links [default: http://<bind>].
    #[arg(long, env = "CASEBOOK_PUBLIC_URL")]
    public_url: Option<String>,
    /// Admin token; generated and kept in the data directory when not set.
    #[arg(long, env = "CASEBOOK_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Days an invite link stays valid.
    #[arg(long, env = "CASEBOOK_TOKEN_TTL_DAYS", default_value_t = 30)]
    token_ttl_days: u64,
    /// Seconds an invite link stays valid; overrides --token-ttl-days (short-lived links, tests).
    #[arg(long, env = "CASEBOOK_TOKEN_TTL_SECS")]
    token_ttl_secs: Option<u64>,
    /// Largest WebSocket message accepted, in bytes; larger ones close the socket (1009).
    #[arg(long, env = "CASEBOOK_MAX_FRAME_BYTES", default_value_t = 16 << 20)]
    max_frame_bytes: usize,
    /// Seconds a document with no sockets stays in memory.
    #[arg(long, env = "CASEBOOK_IDLE_UNLOAD_SECS", default_value_t = 30)]
    idle_unload_secs: u64,
    /// Room events a socket may fall behind before it is closed (4008) to resync.
    #[arg(long, env = "CASEBOOK_SOCKET_BACKLOG", default_value_t = 256)]
    socket_backlog: usize,
    /// Seconds after which a presence (awareness) state that was not renewed is dropped.
    #[arg(long, env = "CASEBOOK_AWARENESS_TIMEOUT_SECS", default_value_t = 30)]
    awareness_timeout_secs: u64,
    /// Milliseconds the group commit may wait for more updates before a flush, while updates arrive faster than one per twice this (one flush then serves several; a lone typist is never held). 0: flush at once.
    #[arg(long, env = "CASEBOOK_COMMIT_WAIT_MS", default_value_t = 2)]
    commit_wait_ms: u64,
    /// Log entries after which a document's snapshot is rewritten.
    #[arg(long, env = "CASEBOOK_SNAPSHOT_EVERY", default_value_t = 1000)]
    snapshot_every: u64,
    /// Largest document, in stored bytes (snapshot plus log); an edit past it closes its socket (4010). 0: no limit.
    #[arg(long, env = "CASEBOOK_MAX_DOC_BYTES", default_value_t = 64 << 20)]
    max_doc_bytes: u64,
    /// WebSockets on one document (its meeting room counts apart); more get 503. 0: no limit.
    #[arg(long, env = "CASEBOOK_MAX_SOCKETS_PER_DOC", default_value_t = 2000)]
    max_sockets_per_doc: usize,
    /// WebSockets on the whole server; more get 503. 0: no limit.
    #[arg(long, env = "CASEBOOK_MAX_SOCKETS", default_value_t = 10_000)]
    max_sockets: usize,
    /// Messages a socket may send per second, after a burst of one second's worth; more close it (4029). 0: no limit.
    #[arg(long, env = "CASEBOOK_MAX_MESSAGES_PER_SEC", default_value_t = 500)]
    max_messages_per_sec: u32,
    /// Largest presence (awareness) state of one client, in bytes of JSON; larger closes the socket (4011). 0: no limit.
    #[arg(long, env = "CASEBOOK_MAX_AWARENESS_BYTES", default_value_t = 16 << 10)]
    max_awareness_bytes: usize,
    /// Seconds one message to a socket may take to go out; a socket that does not read for this long is closed (4008). 0: no limit.
    #[arg(long, env = "CASEBOOK_SEND_TIMEOUT_SECS", default_value_t = 30)]
    send_timeout_secs: u64,
    /// Seconds a connection has to send a whole request head (slowloris guard).
    #[arg(long, env = "CASEBOOK_HEADER_READ_TIMEOUT_SECS", default_value_t = 10)]
    header_read_timeout_secs: u64,
    /// Largest image a writer may upload (paste or drop into a section), in bytes. 0: no limit.
    #[arg(long, env = "CASEBOOK_MAX_IMAGE_BYTES", default_value_t = 5 << 20)]
    max_image_bytes: u64,
    /// Images one postmortem may hold; more uploads are refused (409). 0: no limit.
    #[arg(long, env = "CASEBOOK_MAX_IMAGES_PER_DOC", default_value_t = 200)]
    max_images_per_doc: u64,
    /// Seconds an uploaded image that no document nor any kept version mentions is kept before it is deleted (time to undo, or for a pasted image's text to arrive).
    #[arg(
        long,
        env = "CASEBOOK_UNUSED_IMAGE_GRACE_SECS",
        default_value_t = 86_400
    )]
    unused_image_grace_secs: u64,
    /// Address and port to serve Prometheus metrics on (GET /metrics), apart from the public port. Off when not set; keep it private (loopback or an internal network).
    #[arg(long, env = "CASEBOOK_METRICS_BIND")]
    pub metrics_bind: Option<SocketAddr>,
    /// Cluster mode: the NATS JetStream servers, comma-separated (nats://h1:4222,nats://h2:4222,…). Then nothing is stored in --data-dir but the library index.
    #[arg(long, env = "CASEBOOK_NATS_URL")]
    pub nats_url: Option<String>,
    /// Cluster mode: each NATS server's monitoring URL, comma-separated (http://h1:8222,…); Casebook refuses to start unless every one fsyncs each write (sync_interval: always).
    #[arg(long, env = "CASEBOOK_NATS_MONITOR_URL", value_delimiter = ',')]
    nats_monitor_url: Vec<String>,
    /// Cluster mode: start even though the NATS servers' fsync setting is lazy or unverified (an acknowledged edit may then be lost in a power cut). Printed as a warning.
    #[arg(long, env = "CASEBOOK_NATS_ALLOW_UNSAFE_FSYNC")]
    nats_allow_unsafe_fsync: bool,
    /// Cluster mode: copies of every stream and bucket (3: survives the loss of any one NATS server).
    #[arg(long, env = "CASEBOOK_NATS_REPLICAS", default_value_t = 3)]
    nats_replicas: usize,
    /// Cluster mode: this node's own address as users and load balancers reach it (the default of --public-url).
    #[arg(long, env = "CASEBOOK_ADVERTISE_URL")]
    advertise_url: Option<String>,
    /// Cluster mode: this node's name in logs and in the NATS connection [default: the bind address].
    #[arg(long, env = "CASEBOOK_NODE_NAME")]
    node_name: Option<String>,
    /// OpenID Connect issuer URL: people sign in there when they open a link (with --oidc-client-id). Off when not set.
    #[arg(long, env = "CASEBOOK_OIDC_ISSUER", requires = "oidc_client_id")]
    oidc_issuer: Option<String>,
    /// This server's client id at the OpenID Connect issuer (its secret comes from CASEBOOK_OIDC_CLIENT_SECRET).
    #[arg(long, env = "CASEBOOK_OIDC_CLIENT_ID", requires = "oidc_issuer")]
    oidc_client_id: Option<String>,
    /// The client secret; only from the environment, so it is not in the process list.
    #[arg(skip = std::env::var("CASEBOOK_OIDC_CLIENT_SECRET").ok().filter(|s| !s.is_empty()))]
    oidc_client_secret: Option<String>,
    /// A value of the ID token's `groups` claim that makes a signed-in person an admin.
    #[arg(long, env = "CASEBOOK_OIDC_ADMIN_GROUP", requires = "oidc_issuer")]
    oidc_admin_group: Option<String>,
    /// The ID token claim that names a signed-in person's team (e.g. `department`); without it the page asks for the team.
    #[arg(long, env = "CASEBOOK_OIDC_TEAM_CLAIM", requires = "oidc_issuer")]
    oidc_team_claim: Option<String>,
    /// Links alone admit no one: every member must sign in.
    #[arg(long, env = "CASEBOOK_OIDC_REQUIRED", requires = "oidc_issuer")]
    oidc_required: bool,
    /// Longest sign-in session in seconds, whatever the ID token's expiry.
    #[arg(long, env = "CASEBOOK_OIDC_SESSION_LIMIT", default_value_t = 12 * 3600)]
    oidc_session_limit: u64,
}

/// How log lines are written (`casebook --log-format`).
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// For people: one line of text per event.
    Text,
    /// For log shippers: one JSON object per line, with timestamp, level,
    /// target, message and the fields of the span (postmortem, socket, role).
    Json,
}

/// The log filter when `CASEBOOK_LOG` is not set: Casebook at info, the
/// libraries only at warn (tantivy's "save metas" and the like are routine).
pub const DEFAULT_LOG_FILTER: &str = "warn,casebook=info,casebook_server=info";

/// Just the serve flags, for [`ServeArgs::parse_from`].
#[derive(Parser)]
struct ServeOnly {
    #[command(flatten)]
    args: ServeArgs,
}

impl ServeArgs {
    /// Parses serve flags (without the program name), as the binary would.
    pub fn parse_from(flags: &[&str]) -> Result<ServeArgs, clap::Error> {
        let argv = std::iter::once("casebook-serve").chain(flags.iter().copied());
        ServeOnly::try_parse_from(argv).map(|only| only.args)
    }

    /// The settings these flags make (links default to `http://<bind>`).
    pub fn settings(self) -> Settings {
        let public_url = self
            .public_url
            .or_else(|| self.advertise_url.clone())
            .unwrap_or_else(|| format!("http://{}", self.bind));
        let cluster = self.nats_url.map(|nats_url| ClusterSettings {
            nats_url,
            nats_monitor_urls: self
                .nats_monitor_url
                .iter()
                .map(|u| u.trim().to_owned())
                .filter(|u| !u.is_empty())
                .collect(),
            allow_unsafe_fsync: self.nats_allow_unsafe_fsync,
            replicas: self.nats_replicas.max(1),
            node_name: self.node_name.unwrap_or_else(|| self.bind.to_string()),
            advertise_url: self
                .advertise_url
                .unwrap_or_else(|| public_url.clone())
                .trim_end_matches('/')
                .to_owned(),
        });
        Settings {
            data_dir: self.data_dir,
            web_dir: self.web_dir,
            public_url: public_url.trim_end_matches('/').to_owned(),
            admin_token: self.admin_token,
            token_ttl: Duration::from_secs(
                self.token_ttl_secs
                    .unwrap_or(self.token_ttl_days.saturating_mul(86_400)),
            ),
            max_frame_bytes: self.max_frame_bytes,
            limits: LimitSettings {
                max_doc_bytes: self.max_doc_bytes,
                max_sockets_per_doc: self.max_sockets_per_doc,
                max_sockets: self.max_sockets,
                max_messages_per_sec: self.max_messages_per_sec,
                max_awareness_bytes: self.max_awareness_bytes,
                send_timeout_secs: self.send_timeout_secs,
            },
            rooms: RoomConfig {
                idle_unload: Duration::from_secs(self.idle_unload_secs),
                snapshot_every: self.snapshot_every,
                broadcast_capacity: self.socket_backlog.max(1),
                awareness_timeout: Duration::from_secs(self.awareness_timeout_secs.max(1)),
                commit_wait: Duration::from_millis(self.commit_wait_ms.min(1000)),
            },
            header_read_timeout: Duration::from_secs(self.header_read_timeout_secs.max(1)),
            metrics_bind: self.metrics_bind,
            images: ImageSettings {
                max_bytes: self.max_image_bytes,
                max_per_doc: self.max_images_per_doc,
                unused_grace: Duration::from_secs(self.unused_image_grace_secs),
            },
            cluster,
            oidc: match (self.oidc_issuer, self.oidc_client_id) {
                (Some(issuer), Some(client_id)) => Some(crate::oidc::OidcSettings {
                    issuer,
                    client_id,
                    client_secret: self.oidc_client_secret,
                    admin_group: self.oidc_admin_group,
                    team_claim: self.oidc_team_claim,
                    required: self.oidc_required,
                    session_limit: Duration::from_secs(self.oidc_session_limit.max(60)),
                }),
                _ => None,
            },
        }
    }
}
