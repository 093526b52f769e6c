//! `casebook`: the Casebook server binary.

use anyhow::Context;
use casebook_server::auth::{random_token, Auth};
use casebook_server::backup::{self, GatedStore};
use casebook_server::commit::GroupCommit;
use casebook_server::limits::{LimitSettings, Limits};
use casebook_server::room::{CloseReason, RoomConfig, Rooms};
use casebook_server::store::{SledStore, Store};
use casebook_server::{router, AppState, ServerConfig};
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "casebook",
    version,
    about = "Casebook: the postmortem writing meeting, in the browser"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (embedded sled storage; nothing else to start).
    Serve(ServeArgs),
    /// Write a consistent copy of a running server's data into DIR, a new
    /// data directory (asks the server; needs the admin token).
    Backup(BackupArgs),
    /// Copy a backup into DATA_DIR, a new data directory for `serve`.
    Restore(RestoreArgs),
}

#[derive(clap::Args)]
struct BackupArgs {
    /// Where to write the backup; must not exist or be empty.
    dir: PathBuf,
    /// The running server (plain http://host:port).
    #[arg(long, env = "CASEBOOK_SERVER", default_value = "http://127.0.0.1:8080")]
    server: String,
    /// The server's admin token.
    #[arg(long, env = "CASEBOOK_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: String,
}

#[derive(clap::Args)]
struct RestoreArgs {
    /// A directory written by `casebook backup`.
    backup: PathBuf,
    /// The data directory to create; must not exist or be empty. Start
    /// `casebook serve --data-dir DATA_DIR` on it afterwards.
    data_dir: PathBuf,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "CASEBOOK_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Directory of the sled database (created if missing).
    #[arg(long, env = "CASEBOOK_DATA_DIR", default_value = "./casebook-data")]
    data_dir: PathBuf,
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
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CASEBOOK_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Serve(args) => serve(args).await,
        Command::Backup(args) => {
            let trees = backup::fetch(&args.server, &args.admin_token).await?;
            let dir = args.dir.clone();
            let summary =
                tokio::task::spawn_blocking(move || backup::write_data_dir(&trees, &dir)).await??;
            println!(
                "backup written to {}: {} postmortems, {} records",
                args.dir.display(),
                summary.postmortems,
                summary.entries
            );
            Ok(())
        }
        Command::Restore(args) => {
            let summary = backup::restore(&args.backup, &args.data_dir)?;
            println!(
                "restored {} into {}: {} postmortems, {} records; start `casebook serve --data-dir {}`",
                args.backup.display(),
                args.data_dir.display(),
                summary.postmortems,
                summary.entries,
                args.data_dir.display()
            );
            Ok(())
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let sled = SledStore::open(&args.data_dir).with_context(|| {
        format!(
            "cannot open the data directory {} (is another casebook using it, or is it not a Casebook data directory?)",
            args.data_dir.display()
        )
    })?;
    // Writes pass a gate that a backup closes while it copies everything.
    let store: Arc<dyn Store> = Arc::new(GatedStore::new(sled));
    let signing_key = store
        .secret("token-signing-key", &|| rand::random::<[u8; 32]>().to_vec())
        .context("reading the token signing key")?;
    let admin_token = match args.admin_token {
        Some(token) if !token.trim().is_empty() => token.trim().to_owned(),
        _ => {
            let stored = store
                .secret("admin-token", &|| random_token().into_bytes())
                .context("reading the admin token")?;
            String::from_utf8(stored).context("the stored admin token is not text")?
        }
    };
    let public_url = args
        .public_url
        .unwrap_or_else(|| format!("http://{}", args.bind))
        .trim_end_matches('/')
        .to_owned();
    let auth = Arc::new(Auth::new(
        signing_key,
        admin_token,
        Duration::from_secs(
            args.token_ttl_secs
                .unwrap_or(args.token_ttl_days.saturating_mul(86_400)),
        ),
    ));
    let commit = GroupCommit::start(Arc::clone(&store));
    let rooms = Rooms::new(
        Arc::clone(&store),
        commit,
        RoomConfig {
            idle_unload: Duration::from_secs(args.idle_unload_secs),
            snapshot_every: args.snapshot_every,
            broadcast_capacity: args.socket_backlog.max(1),
            awareness_timeout: Duration::from_secs(args.awareness_timeout_secs.max(1)),
        },
    );
    let config = Arc::new(ServerConfig {
        public_url,
        web_dir: args.web_dir,
        max_frame_bytes: args.max_frame_bytes,
        limits: Limits::new(LimitSettings {
            max_doc_bytes: args.max_doc_bytes,
            max_sockets_per_doc: args.max_sockets_per_doc,
            max_sockets: args.max_sockets,
            max_messages_per_sec: args.max_messages_per_sec,
            max_awareness_bytes: args.max_awareness_bytes,
            send_timeout_secs: args.send_timeout_secs,
        }),
    });
    let library =
        casebook_server::library::Library::open_or_rebuild(&args.data_dir.join("library-index"))
            .context("opening the library index")?;
    let state = AppState {
        library: Arc::new(library),
        meetings: Arc::new(casebook_server::meeting::Meetings::new(
            Arc::clone(&store),
            Arc::clone(&rooms),
        )),
        store,
        auth: Arc::clone(&auth),
        rooms: Arc::clone(&rooms),
        config: Arc::clone(&config),
    };
    tokio::spawn({
        let rooms = Arc::clone(&rooms);
        let every = Duration::from_secs((args.awareness_timeout_secs / 6).clamp(1, 5));
        async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                rooms.expire_awareness();
            }
        }
    });
    match casebook_server::library::reconcile(&state).await {
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
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    tracing::info!(bind = %args.bind, data_dir = %args.data_dir.display(), "casebook listening");
    println!(
        "Casebook is running. Admin link (keep it private):\n  {}/?token={}",
        config.public_url,
        auth.admin_token()
    );
    casebook_server::listen::serve(
        listener,
        router(state),
        Duration::from_secs(args.header_read_timeout_secs.max(1)),
        shutdown(Arc::clone(&rooms)),
    )
    .await;
    // No longer accepting: wait (a few seconds at most) until every socket
    // has sent its close frame, so clients learn it is a restart.
    if tokio::time::timeout(SOCKETS_CLOSING, config.limits.all_socket_tasks_done())
        .await
        .is_err()
    {
        tracing::warn!("some sockets had not closed when shutdown went on");
    }
    Ok(())
}

/// Waits for Ctrl-C or SIGTERM, then asks every socket to reconnect later.
async fn shutdown(rooms: Arc<Rooms>) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing the SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("shutting down: closing sockets");
    rooms.close_all(CloseReason::new(
        casebook_core::close::RESTARTING,
        "the server is restarting",
    ));
}

/// How long shutdown waits for the sockets' close frames.
const SOCKETS_CLOSING: Duration = Duration::from_secs(5);
