//! `meeting-cluster` (issue 14): the `meeting` scenario (1 room × 30 typists
//! × 2 edits/s) through two Casebook nodes in cluster mode, the typists
//! spread over both (even ones on node A, odd ones on node B), on three
//! real `nats-server` processes on loopback (fsync on every write,
//! replicas 3). Half of every edit's receivers are on the other node, so
//! the latency includes a JetStream acknowledgement (a quorum's fsync) and
//! the other node's feed. The NATS server is the pinned one
//! `cargo xtask bench` installs (`CASEBOOK_NATS_SERVER`); without it the
//! scenario fails, it never skips. Not run against the reference server.
//!
//! Then failover: fresh typists type again, and 2 s into that window the
//! server leading the `CB_DOCS` stream is killed with SIGKILL. The longest
//! edit → all others in that window is the broadcast pause the leader
//! election costs (issue 14's target: ≤ 8 s), and every edit sent must be
//! seen by all (nothing acknowledged is lost). A kill of a Casebook node
//! drops its clients' sockets, which these typists do not survive, so its
//! failover is measured by `tests/tests/cluster_durability.rs` (printed
//! there), not here.

use super::rooms::{push_typing, type_until};
use super::{bounded, Scale};
use crate::client::Typist;
use crate::report::{CpuWindow, Report, Value};
use crate::target::{Kind, Target};
use anyhow::{anyhow, bail, Context, Result};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio::time::Instant;

const PER_ROOM: usize = 30;
const RATE: f64 = 2.0;

fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// Three `nats-server` processes in one JetStream cluster; killed on drop.
struct Nats {
    children: Vec<Child>,
    urls: Vec<String>,
    monitors: Vec<String>,
    _dir: tempfile::TempDir,
}

impl Drop for Nats {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn nats_server_bin() -> Result<PathBuf> {
    let bin = std::env::var_os("CASEBOOK_NATS_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/nats-venv/bin/nats-server")
        });
    if !bin.exists() {
        bail!(
            "{} is missing: `cargo xtask bench` installs the pinned nats-server (or set CASEBOOK_NATS_SERVER)",
            bin.display()
        );
    }
    Ok(bin)
}

impl Nats {
    /// The index of the server leading `stream`, from any server's `/jsz`.
    async fn leader_of(&self, stream: &str) -> Result<usize> {
        let http = reqwest::Client::new();
        for monitor in &self.monitors {
            let url = format!("{monitor}/jsz?accounts=true&streams=true");
            let Ok(answer) = http.get(&url).send().await else {
                continue;
            };
            let Ok(jsz) = answer.json::<serde_json::Value>().await else {
                continue;
            };
            let leader = jsz["account_details"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|account| account["stream_detail"].as_array().into_iter().flatten())
                .find(|detail| detail["name"] == stream)
                .and_then(|detail| detail["cluster"]["leader"].as_str());
            if let Some(index) = leader
                .and_then(|name| name.strip_prefix('n'))
                .and_then(|i| i.parse::<usize>().ok())
            {
                return Ok(index);
            }
        }
        bail!("no nats-server names a leader of {stream}")
    }

    /// SIGKILL of server `i`.
    fn kill9(&mut self, i: usize) {
        let _ = self.children[i].kill();
        let _ = self.children[i].wait();
    }

    async fn start() -> Result<Nats> {
        let bin = nats_server_bin()?;
        let dir = tempfile::tempdir()?;
        let routes: Vec<u16> = (0..3).map(|_| free_port()).collect::<Result<_>>()?;
        let route_list = routes
            .iter()
            .map(|p| format!("nats://127.0.0.1:{p}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut nats = Nats {
            children: Vec::new(),
            urls: Vec::new(),
            monitors: Vec::new(),
            _dir: dir,
        };
        for (i, route) in routes.iter().enumerate() {
            let (client, monitor) = (free_port()?, free_port()?);
            let store = nats._dir.path().join(format!("n{i}"));
            let config = nats._dir.path().join(format!("n{i}.conf"));
            std::fs::write(
                &config,
                format!(
                    "server_name: n{i}\nlisten: 127.0.0.1:{client}\nhttp: 127.0.0.1:{monitor}\nmax_payload: 8MB\n\
                     jetstream {{ store_dir: \"{}\", sync_interval: always }}\n\
                     cluster {{ name: casebook-bench, listen: 127.0.0.1:{route}, routes: [{route_list}] }}\n",
                    store.display()
                ),
            )?;
            let child = Command::new(&bin)
                .arg("-c")
                .arg(&config)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .with_context(|| format!("starting {}", bin.display()))?;
            nats.children.push(child);
            nats.urls.push(format!("nats://127.0.0.1:{client}"));
            nats.monitors.push(format!("http://127.0.0.1:{monitor}"));
        }
        let http = reqwest::Client::new();
        for monitor in &nats.monitors {
            let started = Instant::now();
            loop {
                let url = format!("{monitor}/healthz?js-enabled-only=true");
                if let Ok(r) = http.get(&url).send().await {
                    if r.status().is_success() {
                        break;
                    }
                }
                if started.elapsed() > Duration::from_secs(30) {
                    return Err(anyhow!("nats-server at {monitor} not healthy in 30 s"));
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        Ok(nats)
    }

    fn node_args(&self, name: &str) -> Vec<String> {
        vec![
            "--nats-url".into(),
            self.urls.join(","),
            "--nats-monitor-url".into(),
            self.monitors.join(","),
            "--node-name".into(),
            name.into(),
        ]
    }
}

pub async fn run(kind: &Kind, scale: Scale) -> Result<Option<Report>> {
    if !kind.is_casebook() {
        return Ok(None);
    }
    let mut nats = Nats::start().await?;
    let (a_args, b_args) = (nats.node_args("a"), nats.node_args("b"));
    let a_args: Vec<&str> = a_args.iter().map(String::as_str).collect();
    let b_args: Vec<&str> = b_args.iter().map(String::as_str).collect();
    // One after the other: the first makes the streams and secrets.
    let a = Target::start(kind, &a_args).await?;
    let b = Target::start(kind, &b_args).await?;
    let room = a.create_room("meeting-cluster").await?;
    let urls = [a.ws_url(&room), b.ws_url(&room)];
    let typists = join_both(&urls).await?;

    let receivers = (PER_ROOM - 1) as u32;
    let (cpu_a, cpu_b) = (CpuWindow::start(a.pid()), CpuWindow::start(b.pid()));
    let (typed, (used_a, used_b)) = type_until(typists, receivers, RATE, scale.window(), || {
        (cpu_a.stop(), cpu_b.stop())
    })
    .await;
    let converged = typed
        .texts
        .iter()
        .all(|t| t.is_some() && *t == typed.texts[0]);
    let mut report = Report::new("meeting-cluster", "casebook");
    push_typing(
        &mut report,
        format!(
            "1 room × {PER_ROOM} × {RATE} edits/s for {:?}, half on each of 2 nodes (3 NATS servers, R3, fsync always)",
            scale.window()
        ),
        &typed.tracked,
        format!(
            "{} of 1 ({} clients failed)",
            usize::from(converged),
            typed.failures()
        ),
    );
    report.push(
        "server CPU (cores)",
        Value::Text(format!(
            "node A {:.2}, node B {:.2}",
            used_a.server, used_b.server
        )),
    );

    // Failover: the CB_DOCS leader killed 2 s into a window of typing.
    let typists = join_both(&urls).await?;
    let leader = nats.leader_of("CB_DOCS").await?;
    let window = scale.window().max(Duration::from_secs(10));
    let kill = async {
        tokio::time::sleep(Duration::from_secs(2)).await;
        nats.kill9(leader);
    };
    let ((typed, ()), ()) = tokio::join!(type_until(typists, receivers, RATE, window, || ()), kill);
    let tracked = &typed.tracked;
    report.push(
        "failover: NATS leader killed",
        Value::Text(format!(
            "kill -9 of the CB_DOCS leader (n{leader}) 2 s into {window:?} of the same typing"
        )),
    );
    report.push(
        "failover: longest edit → all",
        Value::number(tracked.all.max() as f64 / 1e6, "s"),
    );
    report.push(
        "failover: sent / seen by all",
        Value::Text(format!(
            "{} / {} ({} clients failed)",
            tracked.sent,
            tracked.sent - tracked.incomplete,
            typed.failures()
        )),
    );
    Ok(Some(report))
}

/// `PER_ROOM` typists joined, the even ones through the first node and the
/// odd ones through the second.
async fn join_both(urls: &[String; 2]) -> Result<Vec<Typist>> {
    let joins = (0..PER_ROOM)
        .map(|i| {
            let url = urls[i % 2].clone();
            async move { Typist::join(&url, Duration::from_secs(30)).await }
        })
        .collect();
    bounded(16, joins)
        .await
        .into_iter()
        .collect::<Result<Vec<_>>>()
        .context("joining typists")
}
