//! The server under test: the real `casebook` binary or the reference Node
//! `@y/websocket-server`, each started fresh per scenario on a free loopback
//! port (so its peak RSS belongs to that scenario) and killed at the end.

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Admin token the load tool starts `casebook` with.
const ADMIN_TOKEN: &str = "casebook-load-admin";

/// Which server, and where its program is.
#[derive(Debug, Clone)]
pub enum Kind {
    /// `casebook serve`, with extra arguments (e.g. `--idle-unload-secs`).
    Casebook { bin: PathBuf },
    /// `node <reference>/node_modules/@y/websocket-server/src/server.js`.
    Reference { dir: PathBuf },
}

impl Kind {
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Casebook { .. } => "casebook",
            Kind::Reference { .. } => "reference (node)",
        }
    }

    pub fn is_casebook(&self) -> bool {
        matches!(self, Kind::Casebook { .. })
    }
}

/// A running server.
pub struct Target {
    pub kind: Kind,
    pub port: u16,
    child: Child,
    _data: Option<tempfile::TempDir>,
    http: reqwest::Client,
}

/// One document to connect to, with a token that may write it.
#[derive(Debug, Clone)]
pub struct Room {
    pub id: String,
    token: Option<String>,
}

#[derive(Deserialize)]
struct Created {
    id: String,
    tokens: std::collections::BTreeMap<String, String>,
}

fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

impl Target {
    /// Starts the server and waits until it answers HTTP.
    pub async fn start(kind: &Kind, extra_args: &[&str]) -> Result<Self> {
        let port = free_port()?;
        let (child, data) = match kind {
            Kind::Casebook { bin } => {
                if !bin.exists() {
                    bail!(
                        "{} is missing: build it with `cargo build --release -p casebook-server`",
                        bin.display()
                    );
                }
                let data = tempfile::tempdir()?;
                let child = Command::new(bin)
                    .arg("serve")
                    .args(["--bind", &format!("127.0.0.1:{port}")])
                    .arg("--data-dir")
                    .arg(data.path().join("data"))
                    .args(["--web-dir", "/nonexistent"])
                    // The load tool measures throughput: no per-socket message rate limit.
                    .args(["--max-messages-per-sec", "0"])
                    .args(extra_args)
                    .env("CASEBOOK_ADMIN_TOKEN", ADMIN_TOKEN)
                    .env("CASEBOOK_LOG", "warn")
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .with_context(|| format!("starting {}", bin.display()))?;
                (child, Some(data))
            }
            Kind::Reference { dir } => {
                let script = dir.join("node_modules/@y/websocket-server/src/server.js");
                if !script.exists() {
                    bail!(
                        "{} is missing: run `npm ci` in {}",
                        script.display(),
                        dir.display()
                    );
                }
                let child = Command::new("node")
                    .arg(&script)
                    .env("HOST", "127.0.0.1")
                    .env("PORT", port.to_string())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .context("starting node (is Node.js installed?)")?;
                (child, None)
            }
        };
        let mut target = Target {
            kind: kind.clone(),
            port,
            child,
            _data: data,
            http: reqwest::Client::new(),
        };
        let health = match kind {
            Kind::Casebook { .. } => "/healthz",
            Kind::Reference { .. } => "/",
        };
        for _ in 0..400 {
            let url = format!("http://127.0.0.1:{port}{health}");
            if let Ok(r) = target.http.get(url).send().await {
                if r.status().is_success() {
                    return Ok(target);
                }
            }
            if let Ok(Some(status)) = target.child.try_wait() {
                bail!("{} exited at start ({status})", kind.name());
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        bail!("{} did not answer on port {port} within 10 s", kind.name())
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the server process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// A new document: a postmortem for casebook, a fresh room name for the
    /// reference server (which takes any name and no token).
    pub async fn create_room(&self, name: &str) -> Result<Room> {
        match self.kind {
            Kind::Reference { .. } => Ok(Room {
                id: format!("{name}-{}", rand::random::<u32>()),
                token: None,
            }),
            Kind::Casebook { .. } => {
                let response = self
                    .http
                    .post(format!("http://127.0.0.1:{}/api/postmortems", self.port))
                    .bearer_auth(ADMIN_TOKEN)
                    .json(&serde_json::json!({ "title": name }))
                    .send()
                    .await
                    .context("POST /api/postmortems")?;
                if response.status() != 201 {
                    bail!("creating a postmortem answered {}", response.status());
                }
                let created: Created = response.json().await?;
                let token = created
                    .tokens
                    .get("author")
                    .cloned()
                    .context("no author token in the answer")?;
                Ok(Room {
                    id: created.id,
                    token: Some(token),
                })
            }
        }
    }

    /// Creates `count` rooms, a few requests at a time.
    pub async fn create_rooms(&self, name: &str, count: usize) -> Result<Vec<Room>> {
        let mut rooms = Vec::with_capacity(count);
        for i in 0..count {
            rooms.push(self.create_room(&format!("{name}-{i}")).await?);
        }
        Ok(rooms)
    }

    /// The WebSocket URL of a room: `/sync/{id}?token=T` for casebook,
    /// `/{room}` for the reference server.
    pub fn ws_url(&self, room: &Room) -> String {
        match &room.token {
            Some(token) => format!(
                "ws://127.0.0.1:{}/sync/{}?token={token}",
                self.port, room.id
            ),
            None => format!("ws://127.0.0.1:{}/{}", self.port, room.id),
        }
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Raises this process's open-file limit to its hard limit (1,000 observers
/// need more than the usual 1,024); the server inherits it.
pub fn raise_fd_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain syscalls on a local struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}
