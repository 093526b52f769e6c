//! The README's HAProxy example (the Cluster section's *Production layout*),
//! taken from README.md itself and run for real — Debian's HAProxy 2.6,
//! extracted by `cargo xtask test` (`CASEBOOK_HAPROXY`) — in front of two
//! Casebook node processes on three NATS servers:
//!
//! - every request and socket of one postmortem (its API answer, its
//!   meeting, its readiness, the document's and the meeting room's WebSocket
//!   upgrades) goes to one node, and the postmortems are spread over both;
//! - a writer typing through HAProxy is seen by a reader on the other node;
//!   after `kill -9` of the node HAProxy sent the postmortem to, HAProxy
//!   sends it to the other node, the writer reconnects through HAProxy, and
//!   nothing the reader was shown is lost.
//!
//! The only changes to the example are the ones loopback needs: the bind
//! address, the two servers' addresses, `maxconn` (the test machine's
//! open-file limit) and a response header naming the node that answered.
//! Each line replaced must be in the README, so an edit there that this
//! test no longer covers fails it. A missing HAProxy fails the test.

use anyhow::{anyhow, bail, Context, Result};
use casebook_e2e::cluster::NatsCluster;
use casebook_e2e::{report, type_chunks, Client, Created};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const WAIT: Duration = Duration::from_secs(20);
/// Postmortems spread over the two nodes: with 16, all of them landing on
/// one node by chance has odds of about 1 in 30,000.
const POSTMORTEMS: usize = 16;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned()
}

/// The HAProxy that `cargo xtask test` extracted; an error tells how.
fn haproxy_bin() -> Result<PathBuf> {
    let bin = match std::env::var_os("CASEBOOK_HAPROXY") {
        Some(bin) => PathBuf::from(bin),
        None => root().join("target/haproxy/haproxy"),
    };
    if !bin.exists() {
        bail!(
            "{} is missing: this test runs Debian's HAProxy, which `cargo xtask test` \
             extracts into target/haproxy (crates/xtask/src/haproxy.rs), or set CASEBOOK_HAPROXY",
            bin.display()
        );
    }
    Ok(bin)
}

/// The README's HAProxy configuration, for HAProxy on `port` in front of
/// `nodes` (name, port) on loopback.
fn readme_config(port: u16, nodes: &[(&str, u16)]) -> Result<String> {
    let readme = std::fs::read_to_string(root().join("README.md"))?;
    let intro = "HAProxy (Debian's 2.6 works):";
    let after = &readme[readme
        .find(intro)
        .with_context(|| format!("README.md has no {intro:?}"))?..];
    let start = after.find("```\n").context("no code block after it")? + 4;
    let block = &after[start..];
    let block = &block[..block.find("\n```").context("the code block does not end")?];
    let mut out = String::new();
    let mut replaced = [false; 4];
    for line in block.lines() {
        let trimmed = line.trim();
        if trimmed == "bind :80" {
            out.push_str(&format!("    bind 127.0.0.1:{port}\n"));
            replaced[0] = true;
        } else if trimmed == "maxconn 20000" {
            out.push_str("    maxconn 4000\n");
            replaced[1] = true;
        } else if trimmed.starts_with("server node") {
            if !replaced[2] {
                for (name, node_port) in nodes {
                    out.push_str(&format!("    server {name} 127.0.0.1:{node_port} check\n"));
                }
            }
            replaced[2] = true;
        } else {
            out.push_str(line);
            out.push('\n');
            if trimmed == "backend casebook_nodes" {
                out.push_str("    http-response set-header X-Node %s\n");
                replaced[3] = true;
            }
        }
    }
    if replaced != [true; 4] {
        bail!(
            "the README's HAProxy example changed (bind :80, maxconn 20000, server node…, \
             backend casebook_nodes: found {replaced:?}); update this test with it:\n{block}"
        );
    }
    Ok(out)
}

/// HAProxy running a configuration, stopped (SIGKILL) when dropped.
struct Haproxy {
    child: Child,
    port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Haproxy {
    async fn start(nodes: &[(&str, u16)]) -> Result<Haproxy> {
        let bin = haproxy_bin()?;
        let dir = tempfile::tempdir()?;
        let port = casebook_e2e::free_port();
        let config = dir.path().join("casebook.cfg");
        std::fs::write(&config, readme_config(port, nodes)?)?;
        let check = Command::new(&bin)
            .arg("-c")
            .arg("-f")
            .arg(&config)
            .output()?;
        if !check.status.success() {
            bail!(
                "haproxy -c refuses the README's example:\n{}{}",
                String::from_utf8_lossy(&check.stdout),
                String::from_utf8_lossy(&check.stderr)
            );
        }
        let log = dir.path().join("haproxy.log");
        let child = Command::new(&bin)
            .arg("-db")
            .arg("-f")
            .arg(&config)
            .stdout(Stdio::from(std::fs::File::create(&log)?))
            .stderr(Stdio::from(std::fs::File::create(
                dir.path().join("haproxy.err"),
            )?))
            .spawn()
            .context("starting haproxy")?;
        let mut proxy = Haproxy {
            child,
            port,
            log,
            _dir: dir,
        };
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = proxy.child.try_wait()? {
                bail!("haproxy exited ({status}): {}", proxy.errors());
            }
            if http_get(port, "/healthz", None).await.is_ok() {
                return Ok(proxy);
            }
            if Instant::now() > deadline {
                bail!("haproxy did not answer /healthz: {}", proxy.errors());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn errors(&self) -> String {
        let err = self.log.with_file_name("haproxy.err");
        std::fs::read_to_string(err).unwrap_or_default()
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A request's status and the node that answered it (`X-Node`), sent as
/// raw HTTP/1.1 so that a WebSocket upgrade can be sent the same way.
async fn raw(port: u16, request: String) -> Result<(u16, String)> {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    stream.write_all(request.as_bytes()).await?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    let read = async {
        while !head.ends_with(b"\r\n\r\n") {
            if stream.read(&mut byte).await? == 0 {
                break;
            }
            head.push(byte[0]);
        }
        Ok::<_, std::io::Error>(())
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .map_err(|_| anyhow!("no answer within 10 s"))??;
    let head = String::from_utf8_lossy(&head).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("not an HTTP answer: {head:?}"))?;
    let node = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("x-node")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_default();
    Ok((status, node))
}

async fn http_get(port: u16, path: &str, token: Option<&str>) -> Result<(u16, String)> {
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let (status, node) = raw(
        port,
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{auth}Connection: close\r\n\r\n"),
    )
    .await?;
    if status >= 500 {
        bail!("{path}: {status}");
    }
    Ok((status, node))
}

async fn upgrade(port: u16, path: &str) -> Result<(u16, String)> {
    raw(
        port,
        format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: Upgrade\r\n\
             Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
        ),
    )
    .await
}

/// The node that answered each of the postmortem's five requests through
/// the proxy; each must have succeeded.
async fn nodes_for(port: u16, pm: &Created) -> Result<Vec<String>> {
    let token = pm.token("facilitator");
    let mut nodes = Vec::new();
    for path in [
        format!("/api/postmortems/{}", pm.id),
        format!("/api/postmortems/{}/meeting", pm.id),
        format!("/api/postmortems/{}/readiness", pm.id),
    ] {
        let (status, node) = http_get(port, &path, Some(token)).await?;
        if status != 200 {
            bail!("{path}: {status}");
        }
        nodes.push(node);
    }
    for path in [
        format!("/sync/{}?token={token}", pm.id),
        format!("/sync/{}/meeting?token={token}", pm.id),
    ] {
        let (status, node) = upgrade(port, &path).await?;
        if status != 101 {
            bail!("{path}: {status}, not upgraded");
        }
        nodes.push(node);
    }
    Ok(nodes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_haproxy_example_keeps_a_postmortem_on_one_node_and_fails_over() -> Result<()> {
    let nats = NatsCluster::start().await?;
    let mut nodes = [
        nats.process_node("n1").await?,
        nats.process_node("n2").await?,
    ];
    let proxy = Haproxy::start(&[("node1", nodes[0].port), ("node2", nodes[1].port)]).await?;
    let names = ["node1", "node2"];

    let mut postmortems = Vec::new();
    for i in 0..POSTMORTEMS {
        postmortems.push(
            nodes[i % 2]
                .create_postmortem(&format!("behind HAProxy {i}"))
                .await?,
        );
    }
    let mut per_node = [0usize; 2];
    let mut owner_of = Vec::new();
    for pm in &postmortems {
        let answered = nodes_for(proxy.port, pm).await?;
        let first = answered[0].clone();
        assert!(
            answered.iter().all(|n| *n == first),
            "{}: its requests went to {answered:?}",
            pm.id
        );
        let i = names
            .iter()
            .position(|n| *n == first)
            .with_context(|| format!("X-Node {first:?} names no server"))?;
        per_node[i] += 1;
        owner_of.push(i);
    }
    assert!(
        per_node.iter().all(|&n| n > 0),
        "HAProxy sent every postmortem to one node: {per_node:?}"
    );
    report(&format!(
        "HAProxy (README example): {POSTMORTEMS} postmortems, five requests each on one node; per node {per_node:?}"
    ));

    // A writer through the proxy, a reader on the other node.
    let pm = &postmortems[0];
    let owner = owner_of[0];
    let other = 1 - owner;
    let via_proxy = format!(
        "ws://127.0.0.1:{}/sync/{}?token={}",
        proxy.port,
        pm.id,
        pm.token("author")
    );
    let writer = Client::connect(&via_proxy).await?;
    let reader = Client::connect(&nodes[other].ws_url(&pm.id, pm.token("viewer"))).await?;
    let before: Vec<String> = (0..20).map(|i| format!("<h{i}>")).collect();
    type_chunks(&writer, &before).await;
    let shown: String = before.concat();
    reader.wait_text(&shown, WAIT).await?;

    // kill -9 of the node HAProxy chose: it marks it down after two failed
    // checks and sends the postmortem to the other node.
    nodes[owner].kill9();
    let killed = Instant::now();
    writer.wait_closed(WAIT).await?;
    loop {
        match nodes_for(proxy.port, pm).await {
            Ok(answered) if answered.iter().all(|n| n == names[other]) => break,
            _ if killed.elapsed() > WAIT => {
                bail!("HAProxy still sends {} to the dead node", pm.id)
            }
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    let moved = killed.elapsed();
    let back = Client::connect_with_doc(&via_proxy, writer.doc.clone()).await?;
    back.wait_synced().await?;
    back.push("<after>");
    let everything = format!("{shown}<after>");
    reader.wait_text(&everything, WAIT).await?;
    let fresh = Client::connect(&via_proxy.replace(pm.token("author"), pm.token("viewer"))).await?;
    fresh.wait_text(&everything, WAIT).await?;
    report(&format!(
        "HAProxy (README example): kill -9 of the postmortem's node; every request answered by the other node after {} ms",
        moved.as_millis()
    ));
    drop(proxy);
    Ok(())
}
