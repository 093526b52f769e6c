//! The server as a value: [`App::open`] wires storage, tokens, rooms and the
//! library index from [`Settings`]; [`App::serve`] answers on a listener
//! until a shutdown future completes.
//!
//! `main.rs` only turns flags into `Settings` and signals into the shutdown
//! future, so the end-to-end tests start the same server in-process on port
//! 0 (as mini-redis's `tests/server.rs` does). Nothing here reads the
//! environment, parses flags, installs a logger or prints. With
//! `Settings::metrics_bind`, `open` also binds the metrics listener, which
//! `serve` answers on beside the public one.

use crate::auth::{random_token, Auth};
use crate::backup::GatedStore;
use crate::commit::GroupCommit;
use crate::library::{Library, LibraryError};
use crate::limits::{LimitSettings, Limits};
use crate::meeting::Meetings;
use crate::metrics::Metrics;
use crate::nats::{ClusterSettings, NatsStore};
use crate::room::{CloseReason, RoomConfig, Rooms};
use crate::store::{SledStore, Store, StoreError};
use crate::{router, AppState, ServerConfig};
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Everything an operator can set; made from the `casebook serve` flags
/// ([`crate::flags::ServeArgs::settings`]), where the defaults are.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Directory of the sled database (created if missing).
    pub data_dir: PathBuf,
    /// Directory of the built browser bundle.
    pub web_dir: PathBuf,
    /// Base URL of printed and handed-out links, e.g. `http://127.0.0.1:8080`.
    pub public_url: String,
    /// Admin token; generated and kept in the data directory when `None`.
    pub admin_token: Option<String>,
    /// How long an invite link stays valid.
    pub token_ttl: Duration,
    /// Largest WebSocket message accepted, in bytes.
    pub max_frame_bytes: usize,
    /// Sockets, message rate, awareness and document size.
    pub limits: LimitSettings,
    /// Unloading, snapshots, awareness expiry, socket backlog.
    pub rooms: RoomConfig,
    /// Time a connection has to send a whole request head.
    pub header_read_timeout: Duration,
    /// Where to serve `GET /metrics` (Prometheus); `None`: nowhere.
    pub metrics_bind: Option<SocketAddr>,
    /// Sign-in through an OpenID Connect provider; `None`: links alone.
    pub oidc: Option<crate::oidc::OidcSettings>,
    /// Image uploads: largest image, most images per postmortem.
    pub images: crate::images::ImageSettings,
    /// Cluster mode (`--nats-url`): the store is NATS JetStream, shared by
    /// every node; `None`: the embedded sled store in `data_dir`.
    pub cluster: Option<ClusterSettings>,
}

/// Why the server could not open its data directory.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot open the data directory {dir} (is another casebook using it, or is it not a Casebook data directory?): {source}")]
    DataDir { dir: PathBuf, source: StoreError },
    #[error("reading the server's secrets from the data directory: {0}")]
    Secret(StoreError),
    #[error("the stored admin token is not text; set --admin-token")]
    AdminTokenNotText,
    #[error("cannot join the cluster: {0}")]
    Cluster(StoreError),
    #[error("refusing to start: the NATS servers may acknowledge writes they have not written to disk, so a power cut could lose acknowledged edits:\n  {0}\nSet `jetstream {{ sync_interval: always }}` on every server and pass --nats-monitor-url, or start anyway with --nats-allow-unsafe-fsync")]
    UnsafeFsync(String),
    #[error("opening the library index: {0}")]
    Library(#[from] LibraryError),
    #[error("setting up sign-in (--oidc-issuer): {0}")]
    Oidc(#[from] crate::oidc::OidcError),
    #[error("cannot listen for metrics on {addr} (--metrics-bind): {source}")]
    MetricsBind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// An opened server, ready to serve.
pub struct App {
    state: AppState,
    header_read_timeout: Duration,
    /// How often expired presence states are swept.
    expire_every: Duration,
    /// The `--metrics-bind` listener, bound.
    metrics_listener: Option<TcpListener>,
    /// Cluster mode: the watch of other nodes' revocations (ends when dropped).
    _revocations: Option<crate::store::Following>,
    /// Cluster mode: the watch of other nodes' meeting events.
    _meetings_moved: Option<crate::store::Following>,
    /// Cluster mode: the relay of who is in the meeting rooms.
    _presence: Option<crate::store::Following>,
}

impl App {
    /// Opens the data directory and wires the handlers' shared state; the
    /// library index is reconciled with the meeting logs before it returns.
    pub async fn open(settings: Settings) -> Result<App, OpenError> {
        let mut presence = None;
        let store: Arc<dyn Store> = match &settings.cluster {
            Some(cluster) => {
                let nats = open_cluster(cluster).await?;
                presence = nats.presence_bus();
                nats
            }
            None => {
                let sled =
                    SledStore::open(&settings.data_dir).map_err(|source| OpenError::DataDir {
                        dir: settings.data_dir.clone(),
                        source,
                    })?;
                // Writes pass a gate that a backup closes while it copies everything.
                Arc::new(GatedStore::new(sled))
            }
        };
        let signing_key = store
            .secret("token-signing-key", &|| rand::random::<[u8; 32]>().to_vec())
            .map_err(OpenError::Secret)?;
        let admin_token = match settings.admin_token {
            Some(token) if !token.trim().is_empty() => token.trim().to_owned(),
            _ => {
                let stored = store
                    .secret("admin-token", &|| random_token().into_bytes())
                    .map_err(OpenError::Secret)?;
                String::from_utf8(stored).map_err(|_| OpenError::AdminTokenNotText)?
            }
        };
        let auth = Arc::new(Auth::new(signing_key, admin_token, settings.token_ttl));
        let metrics_listener = match settings.metrics_bind {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .map_err(|source| OpenError::MetricsBind { addr, source })?,
            ),
            None => None,
        };
        let oidc = match settings.oidc {
            Some(oidc) => Some(Arc::new(
                crate::oidc::Oidc::discover(oidc, &settings.public_url).await?,
            )),
            None => None,
        };
        let metrics = Arc::new(Metrics::new());
        let commit = GroupCommit::start(
            Arc::clone(&store),
            Arc::clone(&metrics),
            settings.rooms.commit_wait,
        );
        let expire_every = (settings.rooms.awareness_timeout / 6)
            .clamp(Duration::from_secs(1), Duration::from_secs(5));
        let rooms = Rooms::new(
            Arc::clone(&store),
            commit,
            settings.rooms,
            Arc::clone(&metrics),
        );
        // Cluster mode: an invite revoked on any node closes its sockets here.
        let revocations = store.watch_revocations({
            let rooms = Arc::downgrade(&rooms);
            Box::new(move |pm: &str, invite: &str| {
                if let Some(rooms) = rooms.upgrade() {
                    rooms.close_invite(
                        pm,
                        invite,
                        CloseReason::new(
                            casebook_core::close::INVITE_REVOKED,
                            "this invite link was revoked",
                        ),
                    );
                }
            })
        });
        let config = Arc::new(ServerConfig {
            public_url: settings.public_url,
            web_dir: settings.web_dir,
            max_frame_bytes: settings.max_frame_bytes,
            limits: Limits::new(settings.limits),
            images: settings.images,
        });
        let library = Library::open_or_rebuild(&settings.data_dir.join("library-index"))?;
        let state = AppState {
            library: Arc::new(library),
            meetings: Arc::new(Meetings::new(Arc::clone(&store), Arc::clone(&rooms))),
            store,
            auth,
            rooms,
            config,
            metrics,
            unused_images: Arc::default(),
            oidc,
        };
        // Cluster mode: a meeting another node moved on catches up here at once.
        let meetings_moved = state.store.watch_meetings({
            let app = state.clone();
            let runtime = tokio::runtime::Handle::current();
            Box::new(move |pm: &str| {
                let (app, pm) = (app.clone(), pm.to_owned());
                runtime.spawn(async move { crate::meeting::caught_up_elsewhere(&app, &pm).await });
            })
        });
        // Cluster mode: presence is shared with the other nodes.
        let presence = presence.map(|bus| {
            state.rooms.set_presence(Arc::clone(&bus));
            state.meetings.set_presence(Arc::clone(&bus));
            let app = state.clone();
            let meetings = Arc::clone(&state.meetings);
            let runtime = tokio::runtime::Handle::current();
            bus.watch_present(
                Box::new(move |pm: &str| {
                    let (app, pm) = (app.clone(), pm.to_owned());
                    runtime.spawn(async move {
                        let store = Arc::clone(&app.store);
                        let id = pm.clone();
                        if let Ok(Some(record)) = crate::blocking(move || store.postmortem(&id)).await {
                            if let Err(e) = crate::meeting::reproject(&app, &record).await {
                                tracing::warn!(postmortem = %pm, error = ?e, "meeting room not updated with another node's presence");
                            }
                        }
                    });
                }),
                Box::new(move || meetings.local_present()),
            )
        });
        match crate::library::reconcile(&state).await {
            Ok((0, 0)) => {}
            Ok((added, removed)) => {
                tracing::info!(
                    added,
                    removed,
                    "library index reconciled with the meeting logs"
                )
            }
            Err(e) => tracing::error!(error = %e.message, "library index not reconciled"),
        }
        Ok(App {
            state,
            header_read_timeout: settings.header_read_timeout,
            expire_every,
            metrics_listener,
            _revocations: revocations,
            _meetings_moved: meetings_moved,
            _presence: presence,
        })
    }

    /// What the handlers share (tests read the admin token and the rooms).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Where `GET /metrics` is served, when it is.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
    }

    /// The admin's link to the front page.
    pub fn admin_link(&self) -> String {
        format!(
            "{}/?token={}",
            self.state.config.public_url,
            self.state.auth.admin_token()
        )
    }

    /// Serves on `listener` until `shutdown` completes; then every socket is
    /// asked to reconnect later (1012), and this waits a few seconds at most
    /// for their close frames, so clients learn it is a restart.
    pub async fn serve(self, listener: TcpListener, shutdown: impl Future<Output = ()>) {
        let metrics = self.metrics_listener.map(|listener| {
            let router = crate::metrics::router(
                Arc::clone(&self.state.metrics),
                Arc::clone(&self.state.rooms),
            );
            let timeout = self.header_read_timeout;
            tokio::spawn(crate::listen::serve(
                listener,
                router,
                timeout,
                std::future::pending(),
            ))
        });
        let rooms = Arc::clone(&self.state.rooms);
        let store = Arc::clone(&self.state.store);
        let limits = Arc::clone(&self.state.config.limits);
        let every = self.expire_every;
        let expiry = tokio::spawn({
            let rooms = Arc::clone(&rooms);
            async move {
                let mut tick = tokio::time::interval(every);
                loop {
                    tick.tick().await;
                    rooms.expire_awareness();
                }
            }
        });
        let sweep = tokio::spawn(crate::images::gc::run(
            self.state.clone(),
            self.state.config.images.unused_grace,
        ));
        crate::listen::serve(
            listener,
            router(self.state),
            self.header_read_timeout,
            async move {
                shutdown.await;
                tracing::info!("shutting down: closing sockets");
                rooms.close_all(CloseReason::new(
                    casebook_core::close::RESTARTING,
                    "the server is restarting",
                ));
            },
        )
        .await;
        expiry.abort();
        sweep.abort();
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        if tokio::time::timeout(SOCKETS_CLOSING, limits.all_socket_tasks_done())
            .await
            .is_err()
        {
            tracing::warn!("some sockets had not closed when shutdown went on");
        }
        // The update log into sled (see `Store::checkpoint`); a failure
        // loses nothing, the next start does it.
        match tokio::task::spawn_blocking(move || store.checkpoint()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "could not compact the update log at shutdown")
            }
            Err(e) => tracing::warn!(error = %e, "compacting the update log at shutdown stopped"),
        }
    }
}

/// Cluster mode: checks the NATS servers' fsync setting, then connects.
async fn open_cluster(cluster: &ClusterSettings) -> Result<Arc<NatsStore>, OpenError> {
    let problems = crate::nats::fsync_problems(&cluster.nats_monitor_urls).await;
    if !problems.is_empty() {
        let problems = problems.join("\n  ");
        if !cluster.allow_unsafe_fsync {
            return Err(OpenError::UnsafeFsync(problems));
        }
        tracing::warn!(
            "--nats-allow-unsafe-fsync: starting although an acknowledged edit may be lost in a power cut:\n  {problems}"
        );
    }
    let settings = cluster.clone();
    let store = tokio::task::spawn_blocking(move || NatsStore::connect(&settings))
        .await
        .map_err(|_| OpenError::Cluster(StoreError::Nats("connecting was interrupted".into())))?
        .map_err(OpenError::Cluster)?;
    tracing::info!(node = %cluster.node_name, nats = %cluster.nats_url, advertise = %cluster.advertise_url, "joined the cluster");
    Ok(Arc::new(store))
}

/// How long shutdown waits for the sockets' close frames.
const SOCKETS_CLOSING: Duration = Duration::from_secs(5);
