//! `casebook`: the Casebook server binary.

use anyhow::Context;
use casebook_server::app::App;
use casebook_server::backup;
use casebook_server::flags::{LogFormat, ServeArgs, DEFAULT_LOG_FILTER};
use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "casebook",
    version,
    about = "Casebook: the postmortem writing meeting, in the browser"
)]
struct Cli {
    /// How log lines are written on stderr: text (for people) or json (one object per line, for log shippers).
    #[arg(long, global = true, env = "CASEBOOK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (embedded sled storage; nothing else to start).
    Serve(Box<ServeArgs>),
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
    /// `casebook serve --data-dir DATA_DIR` on it afterwards. Not with
    /// --nats-url.
    #[arg(required_unless_present = "nats_url", conflicts_with = "nats_url")]
    data_dir: Option<PathBuf>,
    /// Restore into a cluster instead: its NATS servers, comma-separated. The
    /// cluster must hold no postmortem yet; restart any node already running
    /// on it afterwards (the backup's signing key and admin token replace the
    /// cluster's).
    #[arg(long, env = "CASEBOOK_NATS_URL")]
    nats_url: Option<String>,
    /// With --nats-url: copies of every stream and bucket, as `serve` makes them.
    #[arg(long, env = "CASEBOOK_NATS_REPLICAS", default_value_t = 3)]
    nats_replicas: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    install_logger(cli.log_format);
    match cli.command {
        Command::Serve(args) => serve(*args).await,
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
            let Some(data_dir) = args.data_dir.clone() else {
                return restore_into_cluster(args).await;
            };
            let summary = backup::restore(&args.backup, &data_dir)?;
            println!(
                "restored {} into {}: {} postmortems, {} records; start `casebook serve --data-dir {}`",
                args.backup.display(),
                data_dir.display(),
                summary.postmortems,
                summary.entries,
                data_dir.display()
            );
            Ok(())
        }
    }
}

/// `casebook restore BACKUP --nats-url …`: a backup (a single node's or a
/// cluster's) into a cluster that holds no postmortem yet.
async fn restore_into_cluster(args: RestoreArgs) -> anyhow::Result<()> {
    let nats_url = args.nats_url.clone().context("--nats-url")?;
    let settings = casebook_server::nats::ClusterSettings {
        nats_url: nats_url.clone(),
        nats_monitor_urls: Vec::new(),
        allow_unsafe_fsync: false,
        replicas: args.nats_replicas.max(1),
        node_name: "restore".into(),
        advertise_url: String::new(),
    };
    let backup_dir = args.backup.clone();
    let restored = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let trees = backup::read_backup(&backup_dir)?;
        let store = casebook_server::nats::NatsStore::connect(&settings)?;
        Ok(casebook_server::nats::backup::restore_into(&store, &trees)?)
    })
    .await??;
    println!(
        "restored {} into the cluster at {nats_url}: {} postmortems, {} records; start (or restart) its nodes",
        args.backup.display(),
        restored.postmortems,
        restored.records,
    );
    Ok(())
}

/// Logs to stderr, filtered by `CASEBOOK_LOG` (an `EnvFilter` directive
/// such as `debug` or `casebook_server=debug,info`), else by
/// [`DEFAULT_LOG_FILTER`].
fn install_logger(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CASEBOOK_LOG")
        .unwrap_or_else(|_| DEFAULT_LOG_FILTER.into());
    let logger = tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Colours only for a person at a terminal, not in a log file.
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => logger.init(),
        // One object per line: timestamp, level, target, the event's fields
        // (message included) at the top level, and the fields of the spans
        // it happened in (`span`: the innermost; `spans`: all of them).
        LogFormat::Json => logger
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(true)
            .init(),
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let bind = args.bind;
    if args.metrics_bind == Some(bind) {
        anyhow::bail!(
            "--metrics-bind must differ from --bind: metrics are never served on the public port"
        );
    }
    let data_dir = args.data_dir.clone();
    let app = App::open(args.settings()).await?;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    tracing::info!(bind = %bind, data_dir = %data_dir.display(), "casebook listening");
    if let Some(addr) = app.metrics_addr() {
        tracing::info!(metrics = %addr, "Prometheus metrics at http://{addr}/metrics");
    }
    println!(
        "Casebook is running. Admin link (keep it private):\n  {}",
        app.admin_link()
    );
    app.serve(listener, shutdown_signal()).await;
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
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
}
