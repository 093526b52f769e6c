//! Test support for Casebook's end-to-end tests: a real server on a loopback
//! port with a sled directory in a temp folder, in-process ([`Server`], the
//! server library's `App`) or as the spawned `casebook` binary ([`Process`],
//! for kill -9, signals, logs and restarts); both are an [`Endpoint`]. People
//! in a postmortem are [`Person`]s (`sre.ok(command)`); a real y-websocket
//! client built on yrs is a [`Client`].
//!
//! The binary is found through `CASEBOOK_BIN`, else `target/debug/casebook`
//! (`cargo xtask test` builds it first).

pub mod cluster;
pub mod images;
pub mod relay;

use anyhow::{anyhow, bail, Context, Result};
use casebook_core::document::{new_doc, BODY};
use casebook_core::protocol::{self, Message, SyncMessage};
use casebook_server::app::App;
use casebook_server::flags::ServeArgs;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use yrs::sync::Awareness;
use yrs::updates::decoder::Decode;
use yrs::{Doc, GetString, Map, Origin, ReadTxn, Text, TextRef, Transact, TransactionMut, Update};

pub const ADMIN_TOKEN: &str = "test-admin-token";

/// Path of the server binary under test.
pub fn casebook_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("CASEBOOK_BIN") {
        return bin.into();
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root");
    root.join("target/debug/casebook")
}

/// A loopback port nothing listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// What a test talks to, in-process or spawned: a loopback port, the data
/// directory behind it and an HTTP client.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub port: u16,
    pub data_dir: PathBuf,
    pub http: reqwest::Client,
}

/// `POST /api/postmortems`'s answer.
#[derive(Debug, Clone, Deserialize)]
pub struct Created {
    pub id: String,
    pub title: String,
    pub tokens: BTreeMap<String, String>,
    pub links: BTreeMap<String, String>,
    /// Invite id behind each role's token.
    pub invites: BTreeMap<String, String>,
}

impl Created {
    pub fn token(&self, role: &str) -> &str {
        &self.tokens[role]
    }
}

impl Endpoint {
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn ws_url(&self, doc_id: &str, token: &str) -> String {
        format!("ws://127.0.0.1:{}/sync/{doc_id}?token={token}", self.port)
    }

    /// The read-only meeting room of a postmortem.
    pub fn meeting_url(&self, doc_id: &str, token: &str) -> String {
        format!(
            "ws://127.0.0.1:{}/sync/{doc_id}/meeting?token={token}",
            self.port
        )
    }

    /// Sends a request with a bearer token and an optional JSON body; returns
    /// the status and the JSON answer (`Null` when there is none).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut request = self.http.request(method, self.url(path)).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        (
            status,
            response.json().await.unwrap_or(serde_json::Value::Null),
        )
    }

    /// `GET path` with a bearer token.
    pub async fn get(&self, path: &str, token: &str) -> (u16, serde_json::Value) {
        self.call(reqwest::Method::GET, path, token, None).await
    }

    /// `POST path` with a bearer token and a JSON body.
    pub async fn post(
        &self,
        path: &str,
        token: &str,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        self.call(reqwest::Method::POST, path, token, Some(body))
            .await
    }

    pub async fn create_postmortem(&self, title: &str) -> Result<Created> {
        let response = self
            .http
            .post(self.url("/api/postmortems"))
            .bearer_auth(ADMIN_TOKEN)
            .json(&serde_json::json!({ "title": title }))
            .send()
            .await?;
        if response.status() != 201 {
            bail!(
                "create answered {}: {}",
                response.status(),
                response.text().await?
            );
        }
        Ok(response.json().await?)
    }

    /// Joins `pm` through the invite link of `role` under `name`: the person
    /// with their own token, as the browser's name form does.
    pub async fn join(&self, pm: &Created, role: &str, name: &str) -> Person {
        self.join_as(pm, role, serde_json::json!({ "name": name }))
            .await
    }

    /// Joins like [`Endpoint::join`], giving a team next to the name.
    pub async fn join_in_team(&self, pm: &Created, role: &str, name: &str, team: &str) -> Person {
        self.join_as(pm, role, serde_json::json!({ "name": name, "team": team }))
            .await
    }

    /// Joins `pm` through the invite link of `role` with the join `body`.
    async fn join_as(&self, pm: &Created, role: &str, body: serde_json::Value) -> Person {
        let path = format!("/api/postmortems/{}/join", pm.id);
        let (status, joined) = self.post(&path, pm.token(role), body.clone()).await;
        assert_eq!(status, 200, "{role} {body} joins: {joined}");
        let token = joined["token"]
            .as_str()
            .expect("the join answer has a token")
            .to_owned();
        let mut person = Person::new(self, &pm.id, token);
        person.id = joined["person"]["id"].as_str().map(str::to_owned);
        person
    }

    /// Someone acting with the link `token` as it is, without joining (the
    /// viewer's link, the admin token).
    pub fn person(&self, pm: &str, token: &str) -> Person {
        Person::new(self, pm, token.to_owned())
    }
}

/// Someone in a postmortem, with the token their requests carry: the
/// end-to-end twin of the core tests' `Run`/`sre()` fixture.
#[derive(Debug, Clone)]
pub struct Person {
    server: Endpoint,
    pub pm: String,
    pub token: String,
    /// Who the server says this is (`person.id` of the join answer); none
    /// for a link used without joining.
    pub id: Option<String>,
}

impl Person {
    fn new(server: &Endpoint, pm: &str, token: String) -> Person {
        Person {
            server: server.clone(),
            pm: pm.to_owned(),
            token,
            id: None,
        }
    }

    /// Sends a meeting command (a fresh `command_id` unless it has one);
    /// returns the status and the answer.
    pub async fn command(&self, mut body: serde_json::Value) -> (u16, serde_json::Value) {
        if body.get("command_id").is_none() {
            body["command_id"] = serde_json::json!(format!("c{}", rand::random::<u64>()));
        }
        let path = format!("/api/postmortems/{}/commands", self.pm);
        self.server.post(&path, &self.token, body).await
    }

    /// Sends a command that must succeed; returns the answer.
    pub async fn ok(&self, body: serde_json::Value) -> serde_json::Value {
        let (status, answer) = self.command(body.clone()).await;
        assert_eq!(status, 200, "{body} → {answer}");
        answer
    }

    /// `GET /api/postmortems/{pm}{rest}` with this person's token.
    pub async fn get(&self, rest: &str) -> (u16, serde_json::Value) {
        let path = format!("/api/postmortems/{}{rest}", self.pm);
        self.server.get(&path, &self.token).await
    }

    /// This person's socket on the document.
    pub fn ws_url(&self) -> String {
        self.server.ws_url(&self.pm, &self.token)
    }

    /// This person's socket on the meeting room.
    pub fn meeting_url(&self) -> String {
        self.server.meeting_url(&self.pm, &self.token)
    }

    /// Moves the meeting through every phase to published, with `reason`
    /// as the override the readiness check asks for.
    pub async fn publish_overriding(&self, reason: &str) {
        for to in [
            "silent_reading",
            "q_and_a",
            "proposals",
            "kudos",
            "revision",
            "published",
        ] {
            let reason = (to == "published").then_some(reason);
            self.ok(serde_json::json!({"type": "move_phase", "to": to, "override_reason": reason}))
                .await;
        }
    }

    /// Writes "We run MySQL on EC2." into the summary through this person's
    /// document socket: the socket, and an anchor on "MySQL on EC2".
    pub async fn anchored_summary(&self) -> (Client, casebook_core::anchor::Anchor) {
        let doc = Client::connect(&self.ws_url())
            .await
            .expect("document socket");
        let summary = doc
            .doc
            .get_or_insert_text(casebook_core::document::section_text_name("summary").as_str());
        summary.insert(&mut doc.doc.transact_mut(), 0, "We run MySQL on EC2.");
        let anchor =
            casebook_core::anchor::Anchor::new(&doc.doc.transact(), &summary, "summary", 7..19)
                .expect("anchor");
        (doc, anchor)
    }
}

/// A Casebook server running inside the test process (its own thread and
/// runtime, the server library's `App` on a loopback port, a fresh sled
/// directory): what most end-to-end tests use. Stopped when dropped. Tests
/// that need a process (kill -9, signals, logs, restarts) use [`Process`].
pub struct Server {
    endpoint: Endpoint,
    /// The `--metrics-bind` listener's port, when the flag was given.
    pub metrics_port: Option<u16>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    stopped: Option<std::sync::mpsc::Receiver<()>>,
    _temp: tempfile::TempDir,
}

impl std::ops::Deref for Server {
    type Target = Endpoint;
    fn deref(&self) -> &Endpoint {
        &self.endpoint
    }
}

impl Server {
    /// Starts a server with the default settings.
    pub async fn start() -> Result<Self> {
        Self::start_with(&[]).await
    }

    /// Starts a server with `casebook serve` flags, parsed as the binary
    /// parses them.
    pub async fn start_with(flags: &[&str]) -> Result<Self> {
        let temp = tempfile::tempdir()?;
        let data_dir = temp.path().join("data");
        Self::launch(temp, data_dir, flags).await
    }

    /// Starts a server on an existing data directory (a restart, or one a
    /// backup was restored into), waiting while the previous server on it
    /// lets go of sled's lock.
    pub async fn start_in(data_dir: &Path, flags: &[&str]) -> Result<Self> {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let temp = tempfile::tempdir()?;
            match Self::launch(temp, data_dir.to_owned(), flags).await {
                Err(e)
                    if std::time::Instant::now() < deadline && e.to_string().contains("lock") =>
                {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                other => return other,
            }
        }
    }

    async fn launch(temp: tempfile::TempDir, data_dir: PathBuf, flags: &[&str]) -> Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let bind = format!("127.0.0.1:{port}");
        let data = data_dir.to_string_lossy().into_owned();
        let mut all = vec!["--bind", bind.as_str(), "--data-dir", data.as_str()];
        all.extend(["--admin-token", ADMIN_TOKEN]);
        if !flags.contains(&"--web-dir") {
            all.extend(["--web-dir", "/nonexistent"]);
        }
        all.extend(flags);
        let settings = ServeArgs::parse_from(&all)?.settings();
        let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready) = tokio::sync::oneshot::channel::<Result<Option<u16>, String>>();
        let (stopped_tx, stopped) = std::sync::mpsc::channel::<()>();
        std::thread::Builder::new()
            .name(format!("casebook-server-{port}"))
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.to_string()));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(listener) => listener,
                        Err(e) => return drop(ready_tx.send(Err(e.to_string()))),
                    };
                    let app = match App::open(settings).await {
                        Ok(app) => app,
                        Err(e) => return drop(ready_tx.send(Err(e.to_string()))),
                    };
                    let _ = ready_tx.send(Ok(app.metrics_addr().map(|a| a.port())));
                    app.serve(listener, async {
                        let _ = stop_rx.await;
                    })
                    .await;
                });
                drop(runtime);
                let _ = stopped_tx.send(());
            })?;
        let metrics_port = ready
            .await
            .map_err(|_| anyhow!("the server thread ended before it was ready"))?
            .map_err(|e| anyhow!("the server did not start: {e}"))?;
        Ok(Server {
            endpoint: Endpoint {
                port,
                data_dir,
                http: reqwest::Client::new(),
            },
            metrics_port,
            stop: Some(stop),
            stopped: Some(stopped),
            _temp: temp,
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // Its sockets get their close frames and the data directory is
        // closed before the temp folder goes.
        if let Some(stopped) = self.stopped.take() {
            let _ = stopped.recv_timeout(Duration::from_secs(10));
        }
    }
}

/// A running `casebook serve` process on its own data directory, for what
/// needs a process: kill -9, signals, its log and stdout, restarts on the
/// same data, backups and refusals at start-up.
pub struct Process {
    endpoint: Endpoint,
    extra_args: Vec<String>,
    /// Environment variables set (`Some`) or removed (`None`) on top of the
    /// fixture's own.
    env: Vec<(String, Option<String>)>,
    child: Option<Child>,
    _temp: Option<tempfile::TempDir>,
}

impl std::ops::Deref for Process {
    type Target = Endpoint;
    fn deref(&self) -> &Endpoint {
        &self.endpoint
    }
}

impl Process {
    /// Starts a server on a fresh temp data directory.
    pub async fn start() -> Result<Self> {
        Self::start_with(&[]).await
    }

    /// Starts a server with extra `casebook serve` arguments.
    pub async fn start_with(extra: &[&str]) -> Result<Self> {
        Self::start_with_env(extra, &[]).await
    }

    /// Starts a server with extra arguments and environment variables set
    /// (`Some`) or removed (`None`), e.g. `("CASEBOOK_LOG", None)` for the
    /// default log filter.
    pub async fn start_with_env(extra: &[&str], env: &[(&str, Option<&str>)]) -> Result<Self> {
        let temp = tempfile::tempdir()?;
        let mut server = Process {
            endpoint: Endpoint {
                port: free_port(),
                data_dir: temp.path().join("data"),
                http: reqwest::Client::new(),
            },
            extra_args: extra.iter().map(|s| s.to_string()).collect(),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.map(str::to_owned)))
                .collect(),
            child: None,
            _temp: Some(temp),
        };
        server.spawn().await?;
        Ok(server)
    }

    /// Starts a server on an existing data directory (a restored backup).
    pub async fn start_in(data_dir: &Path, extra: &[&str]) -> Result<Self> {
        let mut server = Process {
            endpoint: Endpoint {
                port: free_port(),
                data_dir: data_dir.to_owned(),
                http: reqwest::Client::new(),
            },
            extra_args: extra.iter().map(|s| s.to_string()).collect(),
            env: Vec::new(),
            child: None,
            _temp: None,
        };
        server.spawn().await?;
        Ok(server)
    }

    async fn spawn(&mut self) -> Result<()> {
        let bin = casebook_bin();
        if !bin.exists() {
            bail!("{} is missing: build it with `cargo build -p casebook-server` (cargo xtask test does)", bin.display());
        }
        let log = std::fs::File::create(self.endpoint.data_dir.with_extension("log")).ok();
        let stdout = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.endpoint.data_dir.with_extension("stdout"))
            .ok();
        let mut command = Command::new(&bin);
        command
            .arg("serve")
            .args(["--bind", &format!("127.0.0.1:{}", self.endpoint.port)])
            .arg("--data-dir")
            .arg(&self.endpoint.data_dir)
            .args(if self.extra_args.iter().any(|a| a == "--web-dir") {
                &[][..]
            } else {
                &["--web-dir", "/nonexistent"][..]
            })
            .args(&self.extra_args)
            .env("CASEBOOK_ADMIN_TOKEN", ADMIN_TOKEN)
            .env("CASEBOOK_LOG", "casebook=debug,casebook_server=debug,info")
            .stdout(stdout.map(Stdio::from).unwrap_or_else(Stdio::null))
            .stderr(log.map(Stdio::from).unwrap_or_else(Stdio::null));
        for (key, value) in &self.env {
            match value {
                Some(value) => command.env(key, value),
                None => command.env_remove(key),
            };
        }
        let child = command
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        self.child = Some(child);
        // A cluster node creates its streams and buckets before it answers;
        // on a loaded 2-core machine that can take well over 5 s. A process
        // that exits stops the wait at once.
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while std::time::Instant::now() < deadline {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                bail!("casebook exited with {status}; log: {}", self.log())
            }
            if let Ok(r) = self
                .endpoint
                .http
                .get(self.endpoint.url("/healthz"))
                .send()
                .await
            {
                if r.status().is_success() {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        bail!("casebook did not become healthy; log: {}", self.log())
    }

    /// What the server printed on stdout, over every start (the admin link).
    pub fn stdout(&self) -> String {
        std::fs::read_to_string(self.endpoint.data_dir.with_extension("stdout")).unwrap_or_default()
    }

    /// The server's log (stderr) since its last start.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.endpoint.data_dir.with_extension("log")).unwrap_or_default()
    }

    /// The process id while it runs (to read its CPU time in /proc).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Kills the process with SIGKILL: no shutdown code runs.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops with SIGTERM and waits for the process to end.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").arg(child.id().to_string()).status();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same data directory and port.
    pub async fn restart(&mut self) -> Result<()> {
        self.stop();
        self.spawn().await
    }

    /// Starts it again after [`Process::kill9`].
    pub async fn start_again(&mut self) -> Result<()> {
        self.spawn().await
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.doc.unobserve_update_v1(LOCAL_UPDATES);
        self.close();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// How a socket ended, as the client saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closed {
    pub code: u16,
    pub reason: String,
}

/// A y-websocket client on a yrs `Doc`, like a browser tab.
pub struct Client {
    pub doc: Doc,
    pub awareness: Arc<Mutex<Awareness>>,
    out: mpsc::UnboundedSender<WsMessage>,
    synced: watch::Receiver<bool>,
    closed: watch::Receiver<Option<Closed>>,
    changed: watch::Receiver<u64>,
}

const REMOTE: &str = "remote";
/// Key of the observer that sends local edits.
const LOCAL_UPDATES: &str = "send-local-updates";

impl Client {
    /// Connects and waits until the server's sync step 2 has arrived.
    pub async fn connect(url: &str) -> Result<Self> {
        let client = Self::connect_unsynced(url).await?;
        client.wait_synced().await?;
        Ok(client)
    }

    /// Connects without waiting for the handshake.
    pub async fn connect_unsynced(url: &str) -> Result<Self> {
        Self::connect_with_doc(url, new_doc()).await
    }

    /// Connects an existing replica (a reconnect: the doc keeps its edits).
    pub async fn connect_with_doc(url: &str, doc: Doc) -> Result<Self> {
        let (socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .map_err(|e| match e {
                // The server's refusal says why in its body.
                tokio_tungstenite::tungstenite::Error::Http(answer) => anyhow!(
                    "connect {url}: HTTP {}: {}",
                    answer.status(),
                    String::from_utf8_lossy(answer.body().as_deref().unwrap_or_default())
                ),
                e => anyhow!("connect {url}: {e}"),
            })?;
        let (mut sink, mut stream) = socket.split();
        let (out, mut outgoing) = mpsc::unbounded_channel::<WsMessage>();
        let (synced_tx, synced) = watch::channel(false);
        let (closed_tx, closed) = watch::channel(None);
        let (changed_tx, changed) = watch::channel(0u64);
        let awareness = Arc::new(Mutex::new(Awareness::new(doc.clone())));

        // Local edits go out as updates; remote ones are not echoed. On a
        // reconnect the previous socket's reader may still be applying an
        // update to this doc (it stops when its socket closes), and
        // registering an observer needs the doc unlocked: retry briefly.
        let mut attempts = 0;
        loop {
            let local_out = out.clone();
            let observed =
                doc.observe_update_v1(LOCAL_UPDATES, move |txn: &TransactionMut, event| {
                    let remote = txn.origin() == Some(&Origin::from(REMOTE));
                    if !remote {
                        let frame = protocol::encode(&protocol::update(event.update.clone()));
                        let _ = local_out.send(WsMessage::Binary(frame.into()));
                    }
                });
            match observed {
                Ok(()) => break,
                Err(e) if attempts >= 400 => return Err(anyhow!("observe: {e}")),
                Err(_) => {
                    attempts += 1;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
        }

        // Handshake: our sync step 1.
        let step1 = protocol::encode(&protocol::sync_step1(&doc.transact()));
        out.send(WsMessage::Binary(step1.into()))?;

        tokio::spawn(async move {
            while let Some(message) = outgoing.recv().await {
                let closing = matches!(message, WsMessage::Close(_));
                if sink.send(message).await.is_err() || closing {
                    break;
                }
            }
        });
        let reader_doc = doc.clone();
        let reader_awareness = Arc::clone(&awareness);
        let reader_out = out.clone();
        tokio::spawn(async move {
            let mut seen = 0u64;
            while let Some(message) = stream.next().await {
                let frame = match message {
                    Ok(WsMessage::Binary(frame)) => frame,
                    Ok(WsMessage::Close(frame)) => {
                        let closed = frame.map(|f| Closed {
                            code: u16::from(f.code),
                            reason: f.reason.to_string(),
                        });
                        let _ = closed_tx.send(Some(closed.unwrap_or(Closed {
                            code: u16::from(CloseCode::Status),
                            reason: String::new(),
                        })));
                        return;
                    }
                    Ok(_) => continue,
                    Err(_) => break,
                };
                let Ok(messages) = protocol::decode_frame(&frame) else {
                    continue;
                };
                for message in messages {
                    let completes_handshake =
                        matches!(message, Message::Sync(SyncMessage::SyncStep2(_)));
                    match message {
                        Message::Sync(SyncMessage::SyncStep1(sv)) => {
                            let step2 = protocol::encode(&protocol::sync_step2(
                                &reader_doc.transact(),
                                &sv,
                            ));
                            let _ = reader_out.send(WsMessage::Binary(step2.into()));
                        }
                        Message::Sync(SyncMessage::SyncStep2(u))
                        | Message::Sync(SyncMessage::Update(u)) => {
                            if let Ok(update) = Update::decode_v1(&u) {
                                let mut txn = reader_doc.transact_mut_with(REMOTE);
                                let _ = txn.apply_update(update);
                            }
                        }
                        Message::Awareness(update) => {
                            let _ = reader_awareness.lock().unwrap().apply_update(update);
                        }
                        _ => {}
                    }
                    if completes_handshake {
                        let _ = synced_tx.send(true);
                    }
                }
                seen += 1;
                let _ = changed_tx.send(seen);
            }
            let _ = closed_tx.send(Some(Closed {
                code: u16::from(CloseCode::Abnormal),
                reason: "connection lost".into(),
            }));
        });
        Ok(Client {
            doc,
            awareness,
            out,
            synced,
            closed,
            changed,
        })
    }

    /// Waits until the server's sync step 2 has arrived (after
    /// [`Client::connect_with_doc`], which does not wait).
    pub async fn wait_synced(&self) -> Result<()> {
        let mut synced = self.synced.clone();
        tokio::time::timeout(Duration::from_secs(10), synced.wait_for(|s| *s))
            .await
            .map_err(|_| anyhow!("no sync step 2 within 10 s (closed: {:?})", self.closed()))?
            .map_err(|_| anyhow!("socket ended before sync: {:?}", self.closed()))?;
        Ok(())
    }

    pub fn body(&self) -> TextRef {
        self.doc.get_or_insert_text(BODY)
    }

    /// The body's text.
    pub fn text(&self) -> String {
        let body = self.body();
        let txn = self.doc.transact();
        body.get_string(&txn)
    }

    /// Inserts at a UTF-16 offset (clamped to the end).
    pub fn insert(&self, index: u32, chunk: &str) {
        let body = self.body();
        let mut txn = self.doc.transact_mut();
        let index = index.min(body.len(&txn));
        body.insert(&mut txn, index, chunk);
    }

    pub fn push(&self, chunk: &str) {
        let body = self.body();
        let mut txn = self.doc.transact_mut();
        body.push(&mut txn, chunk);
    }

    /// Body length in UTF-16 code units.
    pub fn len(&self) -> u32 {
        let body = self.body();
        let txn = self.doc.transact();
        body.len(&txn)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Deletes a UTF-16 range (clamped).
    pub fn delete(&self, index: u32, len: u32) {
        let body = self.body();
        let mut txn = self.doc.transact_mut();
        let total = body.len(&txn);
        let index = index.min(total);
        let len = len.min(total - index);
        if len > 0 {
            body.remove_range(&mut txn, index, len);
        }
    }

    /// A root map entry's value parsed as JSON (the meeting room's values are
    /// JSON text).
    pub fn map_json(&self, map: &str, key: &str) -> Option<serde_json::Value> {
        let map = self.doc.get_or_insert_map(map);
        let txn = self.doc.transact();
        let text = map.get(&txn, key)?.to_string(&txn);
        serde_json::from_str(&text).ok()
    }

    /// Sends raw bytes as one binary frame (for malformed-input tests).
    pub fn send_raw(&self, frame: Vec<u8>) -> Result<()> {
        self.out.send(WsMessage::Binary(frame.into()))?;
        Ok(())
    }

    /// Sends a text frame.
    pub fn send_text(&self, text: &str) -> Result<()> {
        self.out.send(WsMessage::Text(text.into()))?;
        Ok(())
    }

    /// Sets this client's awareness state and announces it.
    pub fn announce(&self, state: serde_json::Value) -> Result<()> {
        let mut awareness = self.awareness.lock().unwrap();
        awareness.set_local_state(state)?;
        let update = awareness.update_with_clients([awareness.client_id()])?;
        let frame = protocol::encode(&Message::Awareness(update));
        self.out.send(WsMessage::Binary(frame.into()))?;
        Ok(())
    }

    /// Names in other clients' awareness states (`user.name`).
    pub fn names_present(&self) -> Vec<String> {
        let awareness = self.awareness.lock().unwrap();
        let mut names: Vec<String> = awareness
            .iter()
            .filter_map(|(_, state)| {
                let json: serde_json::Value = serde_json::from_str(state.data.as_deref()?).ok()?;
                Some(json["user"]["name"].as_str()?.to_owned())
            })
            .collect();
        names.sort();
        names
    }

    /// Closes the socket politely.
    pub fn close(&self) {
        let _ = self.out.send(WsMessage::Close(None));
    }

    /// How the server closed the socket, if it did.
    pub fn closed(&self) -> Option<Closed> {
        self.closed.borrow().clone()
    }

    /// Waits until the server closes the socket.
    pub async fn wait_closed(&self, within: Duration) -> Result<Closed> {
        let mut closed = self.closed.clone();
        let result = tokio::time::timeout(within, closed.wait_for(|c| c.is_some()))
            .await
            .map_err(|_| anyhow!("socket still open after {within:?}"))?
            .map_err(|_| anyhow!("client task ended"))?;
        Ok(result.clone().expect("waited for Some"))
    }

    /// Waits until `check` holds for this client, re-checking after every frame.
    pub async fn wait_until(
        &self,
        within: Duration,
        check: impl Fn(&Client) -> bool,
    ) -> Result<()> {
        let mut changed = self.changed.clone();
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if check(self) {
                return Ok(());
            }
            match tokio::time::timeout_at(deadline, changed.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => bail!("client ended; closed: {:?}", self.closed()),
                Err(_) => bail!(
                    "condition not met within {within:?}; text now {:?}",
                    self.text()
                ),
            }
        }
    }

    /// Waits until the body reads `expected`.
    pub async fn wait_text(&self, expected: &str, within: Duration) -> Result<()> {
        self.wait_until(within, |c| c.text() == expected).await
    }
}

/// Runs the `casebook` binary with `args` and the tests' admin token, and
/// waits for it to finish (`backup`, `restore`, …).
pub fn run_casebook(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(casebook_bin())
        .args(args)
        .env("CASEBOOK_ADMIN_TOKEN", ADMIN_TOKEN)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("casebook runs")
}

/// What a finished command printed: its stdout, then its stderr.
pub fn printed(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The numbered chunks `[0][1]…` a text holds, checking they have no gap.
pub fn gap_free_chunks(text: &str) -> usize {
    let mut n = 0;
    let mut rest = text;
    while let Some(tail) = rest.strip_prefix(&format!("[{n}]")) {
        rest = tail;
        n += 1;
    }
    assert!(rest.is_empty(), "not a gap-free run of chunks: …{rest:.80}");
    n
}

/// Types `chunks` one at a time at the end of the body, a little apart.
pub async fn type_chunks(client: &Client, chunks: &[String]) {
    for chunk in chunks {
        client.push(chunk);
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
}

/// A client typing `[0]`, `[1]`, … at the end of the body every `every`
/// in a task of its own, until [`Typing::stop`].
pub struct Typing {
    stop: Arc<std::sync::atomic::AtomicBool>,
    task: tokio::task::JoinHandle<Client>,
}

impl Typing {
    pub fn start(client: Client, every: Duration) -> Typing {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let task = tokio::spawn({
            let stop = Arc::clone(&stop);
            async move {
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    client.push(&format!("[{n}]"));
                    n += 1;
                    tokio::time::sleep(every).await;
                }
                client
            }
        });
        Typing { stop, task }
    }

    /// Stops typing; the client, with everything it typed.
    pub async fn stop(self) -> Client {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.task.await.expect("the typing task ran")
    }
}

/// The state of the body as seen by a fresh client (what the server has).
pub async fn server_text(server: &Endpoint, created: &Created) -> Result<String> {
    let probe = Client::connect(&server.ws_url(&created.id, created.token("viewer"))).await?;
    let text = probe.text();
    probe.close();
    Ok(text)
}

/// A frame carrying one update message.
pub fn update_frame(update_v1: Vec<u8>) -> Vec<u8> {
    protocol::encode(&protocol::update(update_v1))
}

/// An encoded update that inserts `text` into the body of a fresh replica.
pub fn standalone_insert(text: &str) -> Vec<u8> {
    let doc = new_doc();
    let body = doc.get_or_insert_text(BODY);
    body.insert(&mut doc.transact_mut(), 0, text);
    let txn = doc.transact();
    txn.encode_state_as_update_v1(&Default::default())
}

/// Prints one line of what a test tried (edits checked, kills survived…).
/// Written to the process's stderr directly, so `cargo test` shows it even for
/// passing tests, whose `println!` output it captures.
pub fn report(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// A Prometheus text exposition (`GET /metrics` on `--metrics-bind`), parsed
/// into samples.
#[derive(Debug)]
pub struct Exposition {
    pub text: String,
    samples: Vec<(String, BTreeMap<String, String>, f64)>,
}

impl Exposition {
    /// Scrapes `http://127.0.0.1:{port}/metrics`.
    pub async fn scrape(port: u16) -> Result<Exposition> {
        let response = reqwest::get(format!("http://127.0.0.1:{port}/metrics")).await?;
        if !response.status().is_success() {
            bail!("GET /metrics answered {}", response.status());
        }
        Ok(Exposition::parse(response.text().await?))
    }

    /// Parses the text format (labels without escaped quotes, as ours are).
    pub fn parse(text: String) -> Exposition {
        let mut samples = Vec::new();
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let Some((series, value)) = line.rsplit_once(' ') else {
                continue;
            };
            let value: f64 = value.parse().unwrap_or(f64::NAN);
            let (name, labels) = match series.split_once('{') {
                None => (series, BTreeMap::new()),
                Some((name, rest)) => {
                    let labels = rest
                        .trim_end_matches('}')
                        .split("\",")
                        .filter_map(|pair| {
                            let (k, v) = pair.split_once("=\"")?;
                            Some((k.to_owned(), v.trim_end_matches('"').to_owned()))
                        })
                        .collect();
                    (name, labels)
                }
            };
            samples.push((name.to_owned(), labels, value));
        }
        Exposition { text, samples }
    }

    /// The sample `name` whose labels are exactly `labels`.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let wanted: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.samples
            .iter()
            .find(|(n, l, _)| n == name && *l == wanted)
            .map(|(_, _, v)| *v)
    }

    /// Every metric name a query may use: each family from `# TYPE`, and a
    /// histogram's `_bucket`, `_sum` and `_count` series.
    pub fn names(&self) -> std::collections::BTreeSet<String> {
        let mut names = std::collections::BTreeSet::new();
        for line in self.text.lines() {
            let Some(rest) = line.strip_prefix("# TYPE ") else {
                continue;
            };
            let mut parts = rest.split(' ');
            let (Some(name), Some(kind)) = (parts.next(), parts.next()) else {
                continue;
            };
            if kind == "histogram" {
                for suffix in ["_bucket", "_sum", "_count"] {
                    names.insert(format!("{name}{suffix}"));
                }
            }
            names.insert(name.to_owned());
        }
        names
    }
}
