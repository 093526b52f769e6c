//! The API fuzz step of `cargo xtask test`: Schemathesis (PyPI, the pinned
//! [`SCHEMATHESIS`], installed into a venv under `target/`) against the
//! built `casebook` binary on a loopback port with a fresh data directory.
//!
//! Before it runs, a postmortem, an invite to revoke, personal tokens and a
//! published postmortem are made through the API, so the path ids are real
//! and every security scheme of the document has a valid token: `admin` the
//! admin token, `member` the facilitator's personal token, then (on the
//! postmortem's operations only) a viewer's. Schemathesis reads
//! `/api/openapi.json` and sends a bounded number of generated requests per
//! operation ([`MAX_EXAMPLES`], a fixed seed), valid and invalid. The step
//! fails on any 5xx, any answer the document does not describe (status,
//! content type, body schema), a refusal the token should have caused but
//! did not, and on a panic in the server's log.
//!
//! What it finds is fixed in the server and pinned as an ordinary Rust test
//! (`tests/tests/openapi.rs`). It does not exercise the WebSocket protocol
//! (the sync tests and the fuzz targets do).

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Schemathesis from PyPI, pinned so that every run generates alike.
const SCHEMATHESIS: &str = "4.32.5";
/// Generated requests per operation and phase: about 3,900 requests in two
/// passes, two minutes on two cores (30 took one minute).
const MAX_EXAMPLES: u32 = 60;
/// Every check Schemathesis has, in its configuration (where an operation
/// can turn one off; `--checks` on the command line would win over that).
const CHECKS: &str = "[checks]\n\
    not_a_server_error.enabled = true\n\
    status_code_conformance.enabled = true\n\
    content_type_conformance.enabled = true\n\
    response_headers_conformance.enabled = true\n\
    response_schema_conformance.enabled = true\n\
    negative_data_rejection.enabled = true\n\
    positive_data_acceptance.enabled = true\n\
    missing_required_header.enabled = true\n\
    unsupported_method.enabled = true\n\
    allow_header_conformance.enabled = true\n\
    use_after_free.enabled = true\n\
    ensure_resource_availability.enabled = true\n\
    ignored_auth.enabled = true\n\
    \n";
/// The same inputs on every run (a failure found once is found again).
const SEED: u32 = 1;

/// Runs the step with the server binary `bin`.
pub fn run(root: &Path, bin: &Path) -> Result<()> {
    let schemathesis = install(root)?;
    let work = root.join("target/api-fuzz");
    let data = work.join("data");
    if data.exists() {
        std::fs::remove_dir_all(&data).with_context(|| format!("removing {}", data.display()))?;
    }
    // The pages need a bundle to serve (without one they answer 503); the
    // API fuzz run does not test the app, so two empty pages do.
    let web = work.join("web");
    std::fs::create_dir_all(&web)?;
    for page in ["index.html", "document.html"] {
        std::fs::write(web.join(page), "<!doctype html><title>Casebook</title>\n")?;
    }
    let port = free_port()?;
    let admin = admin_token();
    let log_path = work.join("server.log");
    let log = std::fs::File::create(&log_path)?;
    let server = Command::new(bin)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(&data)
        .arg("--web-dir")
        .arg(&web)
        .env("CASEBOOK_ADMIN_TOKEN", &admin)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .with_context(|| format!("could not start {}", bin.display()))?;
    let server = Running(server);
    let api = Api { port };
    api.wait_healthy()?;
    let fixture = prepare(&api, &admin)?;
    // Each role token in turn (its operations answer differently: a viewer
    // is refused what a facilitator may do); the admin's operations once.
    let passes = [
        ("facilitator", &fixture.facilitator, None),
        ("viewer", &fixture.viewer, Some(r"^/api/postmortems/\{id\}")),
    ];
    let mut failed = Vec::new();
    for (role, member, only) in passes {
        let config_path = work.join(format!("schemathesis-{role}.toml"));
        std::fs::write(&config_path, fixture.config(&admin, member))?;
        println!(
            "xtask test: Schemathesis {SCHEMATHESIS} against 127.0.0.1:{port} as the {role} \
             ({MAX_EXAMPLES} examples per operation, seed {SEED})"
        );
        let mut command = Command::new(&schemathesis);
        command
            .arg("--config-file")
            .arg(&config_path)
            .arg("run")
            .arg(format!("http://127.0.0.1:{port}/api/openapi.json"))
            .args(["--phases", "examples,coverage,fuzzing"])
            .args(["--max-examples", &MAX_EXAMPLES.to_string()])
            .args(["--seed", &SEED.to_string()])
            // One worker: with two, CPython 3.11's `ast.parse` (which
            // Hypothesis calls to describe a filter) shares its recursion
            // counter between threads and fails at random with "AST
            // constructor recursion depth mismatch" (CPython gh-106905).
            .args(["--workers", "1", "--no-color"])
            // The tokens die with the run; seeing them makes a failure reproducible.
            .args(["--output-sanitize", "false"])
            .arg("--report-dir")
            .arg(work.join("report").join(role))
            .args(["--report", "junit"])
            .current_dir(&work);
        if let Some(regex) = only {
            command.args(["--include-path-regex", regex]);
        }
        let status = command
            .status()
            .with_context(|| format!("could not start {}", schemathesis.display()))?;
        if !status.success() {
            failed.push(role);
        }
    }
    drop(server);
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    if let Some(line) = log.lines().find(|l| l.contains("panicked")) {
        bail!(
            "the server panicked under Schemathesis: {line} (log: {})",
            log_path.display()
        );
    }
    if !failed.is_empty() {
        bail!(
            "Schemathesis found answers the OpenAPI document does not allow (as the {}); \
             the server's log is {}",
            failed.join(", the "),
            log_path.display()
        );
    }
    Ok(())
}

/// The Schemathesis executable of a venv under `target/`, installing it
/// (python3 -m venv, pip install) when missing or another version.
fn install(root: &Path) -> Result<PathBuf> {
    let venv = root.join("target/schemathesis-venv");
    let exe = venv.join("bin/schemathesis");
    let installed = Command::new(&exe)
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(SCHEMATHESIS));
    if installed {
        return Ok(exe);
    }
    println!(
        "xtask test: installing Schemathesis {SCHEMATHESIS} into {}",
        venv.display()
    );
    let status = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .context("the API fuzz step needs python3 with venv (apt-get install python3-venv)")?;
    if !status.success() {
        bail!("python3 -m venv {} failed ({status})", venv.display());
    }
    let status = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .arg(format!("schemathesis=={SCHEMATHESIS}"))
        .status()
        .context("could not run pip")?;
    if !status.success() {
        bail!("pip install schemathesis=={SCHEMATHESIS} failed ({status})");
    }
    Ok(exe)
}

/// What the path parameters and tokens name, made through the API.
struct Fixture {
    /// The postmortem every `{id}` names.
    id: String,
    /// An invite of its own for `DELETE …/invites/{invite}`, so revoking it
    /// leaves the tokens in use valid.
    invite: String,
    /// A published postmortem, for `/read/{id}`.
    published: String,
    /// Personal tokens (from `join`) of the facilitator and a viewer.
    facilitator: String,
    viewer: String,
}

fn prepare(api: &Api, admin: &str) -> Result<Fixture> {
    let created = api.call(
        "POST",
        "/api/postmortems",
        admin,
        json!({"title": "Schemathesis"}),
    )?;
    let id = text(&created, "/id")?;
    let invite = api.call(
        "POST",
        &format!("/api/postmortems/{id}/invites"),
        admin,
        json!({"role": "viewer"}),
    )?;
    let join = |role: &str| -> Result<String> {
        let joined = api.call(
            "POST",
            &format!("/api/postmortems/{id}/join"),
            &text(&created, &format!("/tokens/{role}"))?,
            json!({"name": format!("Schemathesis {role}")}),
        )?;
        text(&joined, "/token")
    };
    Ok(Fixture {
        invite: text(&invite, "/id")?,
        facilitator: join("facilitator")?,
        viewer: join("viewer")?,
        published: published(api, admin)?,
        id,
    })
}

impl Fixture {
    /// Schemathesis' configuration (TOML) with `member` as the role token.
    fn config(&self, admin: &str, member: &str) -> String {
        let Fixture {
            id,
            invite,
            published,
            ..
        } = self;
        format!(
            "# Written by `cargo xtask test` for one run; the tokens die with it.\n\
             {CHECKS}\
             [parameters]\n\
             \"path.id\" = \"{id}\"\n\
             \"path.invite\" = \"{invite}\"\n\
             \n\
             [auth.openapi.admin]\n\
             bearer = \"{admin}\"\n\
             \n\
             [auth.openapi.member]\n\
             bearer = \"{member}\"\n\
             \n\
             # Only a published case has a read page.\n\
             [[operations]]\n\
             include-path = \"/read/{{id}}\"\n\
             parameters = {{ \"path.id\" = \"{published}\" }}\n\
             \n\
             # Schema-valid is not enough for these, so `positive_data_acceptance`\n\
             # does not apply: a socket needs the WebSocket handshake's headers, and\n\
             # a meeting command is decided by the meeting's rules (its phase, the\n\
             # role, what exists, each text's limit), which no schema states.\n\
             [[operations]]\n\
             include-path-regex = \"^/sync/\"\n\
             checks = {{ positive_data_acceptance = {{ enabled = false }} }}\n\
             \n\
             [[operations]]\n\
             include-path = \"/api/postmortems/{{id}}/commands\"\n\
             checks = {{ positive_data_acceptance = {{ enabled = false }} }}\n\
             \n\
             # An upload's bytes must be an image (the bytes decide, not a\n\
             # schema), and a diagram's base64url source must decode to UTF-8.\n\
             [[operations]]\n\
             include-path = \"/api/postmortems/{{id}}/images\"\n\
             include-method = \"POST\"\n\
             checks = {{ positive_data_acceptance = {{ enabled = false }} }}\n\
             \n\
             [[operations]]\n\
             include-path = \"/api/diagrams/mermaid.svg\"\n\
             checks = {{ positive_data_acceptance = {{ enabled = false }} }}\n"
        )
    }
}

/// A second postmortem, published (its read page exists): the admin acts as
/// facilitator and moves it through every phase.
fn published(api: &Api, admin: &str) -> Result<String> {
    let created = api.call(
        "POST",
        "/api/postmortems",
        admin,
        json!({"title": "Published"}),
    )?;
    let id = text(&created, "/id")?;
    let phases = [
        "silent_reading",
        "q_and_a",
        "proposals",
        "kudos",
        "revision",
        "published",
    ];
    for (n, to) in phases.into_iter().enumerate() {
        api.call(
            "POST",
            &format!("/api/postmortems/{id}/commands"),
            admin,
            json!({
                "command_id": format!("publish-{n}"),
                "type": "move_phase",
                "to": to,
                "override_reason": (to == "published").then_some("an API fuzz run"),
            }),
        )?;
    }
    Ok(id)
}

fn text(value: &Value, pointer: &str) -> Result<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .with_context(|| format!("no {pointer} in {value}"))
}

/// A fresh admin token for this run.
fn admin_token() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("api-fuzz-{:x}-{nanos:x}", std::process::id())
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The server, killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Plain HTTP/1.1 to the server under test.
struct Api {
    port: u16,
}

impl Api {
    fn wait_healthy(&self) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if matches!(self.request("GET", "/healthz", "", ""), Ok((200, _))) {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("the server did not answer /healthz within 30 s");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A JSON call that must succeed.
    fn call(&self, method: &str, path: &str, token: &str, body: Value) -> Result<Value> {
        let (status, answer) = self.request(method, path, token, &body.to_string())?;
        if !(200..300).contains(&status) {
            bail!("{method} {path}: {status} {answer}");
        }
        serde_json::from_str(&answer).with_context(|| format!("{method} {path}: {answer}"))
    }

    fn request(&self, method: &str, path: &str, token: &str, body: &str) -> Result<(u16, String)> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        let auth = if token.is_empty() {
            String::new()
        } else {
            format!("Authorization: Bearer {token}\r\n")
        };
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{auth}\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer)?;
        let status = answer
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("not an HTTP answer: {answer:?}"))?;
        let body = answer
            .split_once("\r\n\r\n")
            .map_or("", |(_, body)| body)
            .to_owned();
        Ok((status, body))
    }
}
