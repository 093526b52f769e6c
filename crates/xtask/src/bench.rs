//! `cargo xtask bench [--quick] [--scenario NAME]... [--runs N] [--criterion]`:
//! builds `casebook` and the load tool in release, installs the reference
//! Node server (`npm ci` in `crates/load/reference`) when npm is there, and
//! runs `casebook-load` against both. The `navigation` scenario builds the
//! web bundle and times headless Chromium from navigation start to a
//! document synced and editable (`tests/js/bench-navigation.mjs`).
//! The `yjs-meeting` and `yjs-busy` scenarios cross-check the load tool with
//! real y-websocket JavaScript clients against both servers
//! (`tests/js/bench-yjs.mjs`).
//! The load tool's `meeting-cluster` scenario (issue 14) runs two nodes on
//! three pinned `nats-server`s, installed here (`nats.rs`).
//! `--criterion` also runs the criterion micro-benchmarks of the hot paths
//! (they take a few minutes). `--syscalls` has the `yjs-*` scenarios count
//! each server's syscalls and context switches per 1,000 edits under
//! `perf stat` (less dependent on the machine's load than CPU seconds).

use crate::cargo;
use crate::test::{ensure_chromium, CHROMIUM};
use crate::web::build_web;
use anyhow::{bail, Context, Result};
use std::path::Path;
use std::process::Command;

/// The browser scenario, run by xtask itself rather than by `casebook-load`.
const NAVIGATION: &str = "navigation";
/// Timed navigations of each kind (cold, warm) per run.
const NAVIGATIONS_PER_RUN: usize = 15;
/// The scenarios driven by y-websocket JavaScript clients, run by xtask
/// itself: name, rooms, clients per room, edits per second per client.
/// `yjs-meeting` is issue 15's setup; `yjs-busy` the load tool's `busy`.
const YJS: [(&str, usize, usize, f64); 2] =
    [("yjs-meeting", 10, 10, 5.0), ("yjs-busy", 200, 5, 1.0)];

fn is_xtask_scenario(name: &str) -> bool {
    name == NAVIGATION || YJS.iter().any(|(n, ..)| *n == name)
}

pub fn run(root: &Path, args: &[String]) -> Result<()> {
    let criterion = args.iter().any(|a| a == "--criterion");
    let syscalls = args.iter().any(|a| a == "--syscalls");
    let quick = args.iter().any(|a| a == "--quick");
    let runs: usize = match args.iter().position(|a| a == "--runs") {
        Some(at) => args
            .get(at + 1)
            .context("--runs needs a value")?
            .parse()
            .context("--runs takes a number")?,
        None => 1,
    };
    let chosen: Vec<&String> = args
        .windows(2)
        .filter(|w| w[0] == "--scenario")
        .map(|w| &w[1])
        .collect();
    let navigation = chosen.is_empty() || chosen.iter().any(|s| *s == NAVIGATION);
    let yjs: Vec<_> = YJS
        .iter()
        .filter(|(name, ..)| chosen.is_empty() || chosen.iter().any(|s| s == name))
        .collect();
    let load_scenarios = chosen.is_empty() || chosen.iter().any(|s| !is_xtask_scenario(s));
    // Everything but `--criterion` and the scenarios xtask runs itself goes
    // to the load tool.
    let mut load_args: Vec<&String> = Vec::new();
    let mut it = args.iter().peekable();
    while let Some(arg) = it.next() {
        if arg == "--criterion" || arg == "--syscalls" {
            continue;
        }
        if arg == "--scenario" && it.peek().is_some_and(|s| is_xtask_scenario(s)) {
            it.next();
            continue;
        }
        load_args.push(arg);
    }

    println!("xtask: building casebook and casebook-load (release)");
    cargo(
        root,
        &[
            "build",
            "--release",
            "-p",
            "casebook-server",
            "-p",
            "casebook-load",
        ],
    )?;
    if load_scenarios {
        run_load(root, &load_args)?;
    }
    for _ in 0..runs.max(1) {
        for (name, rooms, clients, rate) in &yjs {
            let (rooms, seconds) = if quick {
                ((*rooms).min(4), 1)
            } else {
                (*rooms, 15)
            };
            run_yjs(root, name, rooms, *clients, *rate, seconds, syscalls)?;
        }
    }
    if navigation {
        let per_run = if quick { 3 } else { NAVIGATIONS_PER_RUN };
        run_navigation(root, per_run * runs.max(1))?;
    }
    if criterion {
        println!("xtask: criterion micro-benchmarks (crates/load/benches/hot_paths.rs)");
        cargo(
            root,
            &["bench", "-p", "casebook-load", "--bench", "hot_paths"],
        )?;
    }
    Ok(())
}

fn run_load(root: &Path, load_args: &[&String]) -> Result<()> {
    let reference = root.join("crates/load/reference");
    let mut load = Command::new(root.join("target/release/casebook-load"));
    load.current_dir(root)
        .arg("--casebook-bin")
        .arg(root.join("target/release/casebook"))
        .args(load_args);
    if has_npm() {
        println!("xtask: installing the reference server (npm ci in crates/load/reference)");
        npm_ci(&reference)?;
        load.arg("--reference").arg(&reference);
    } else {
        println!(
            "xtask: npm not found: measuring casebook only, without the reference Node server"
        );
    }
    // The `meeting-cluster` scenario runs on the pinned nats-server.
    let cluster = load_args.is_empty()
        || load_args.iter().any(|a| a.as_str() == "meeting-cluster")
        || !load_args.iter().any(|a| a.as_str() == "--scenario");
    if cluster {
        load.env("CASEBOOK_NATS_SERVER", crate::nats::install(root)?);
    }
    let status = load.status().context("could not start casebook-load")?;
    if !status.success() {
        bail!("casebook-load failed ({status})");
    }
    Ok(())
}

/// y-websocket JavaScript clients against the release server and, in the
/// same run, the reference server.
fn run_yjs(
    root: &Path,
    name: &str,
    rooms: usize,
    clients: usize,
    rate: f64,
    seconds: u64,
    syscalls: bool,
) -> Result<()> {
    if !has_npm() {
        println!("xtask: npm not found: skipping {name} (it runs y-websocket clients in Node)");
        return Ok(());
    }
    let js = root.join("tests/js");
    if !js.join("node_modules/y-websocket").is_dir() {
        println!("xtask: npm ci (tests/js)");
        npm_ci(&js)?;
    }
    let reference = root.join("crates/load/reference");
    if !reference.join("node_modules/@y/websocket-server").is_dir() {
        println!("xtask: installing the reference server (npm ci in crates/load/reference)");
        npm_ci(&reference)?;
    }
    println!("xtask: {name}: y-websocket clients, {rooms} rooms × {clients} × {rate} edits/s");
    let status = Command::new("node")
        .arg("bench-yjs.mjs")
        .args(["--name", name])
        .args(["--rooms", &rooms.to_string()])
        .args(["--clients", &clients.to_string()])
        .args(["--rate", &rate.to_string()])
        .args(["--seconds", &seconds.to_string()])
        .arg("--casebook-bin")
        .arg(root.join("target/release/casebook"))
        .arg("--reference")
        .arg(&reference)
        .args(syscalls.then_some("--syscalls"))
        .current_dir(&js)
        .status()
        .context("could not start node")?;
    if !status.success() {
        bail!("the {name} scenario failed ({status})");
    }
    Ok(())
}

/// Headless Chromium against the release server: navigation → synced and editable.
fn run_navigation(root: &Path, navigations: usize) -> Result<()> {
    if !has_npm() {
        println!("xtask: npm not found: skipping the navigation scenario (it drives Chromium through playwright-core)");
        return Ok(());
    }
    let web_dir = build_web(root)?;
    ensure_chromium()?;
    let js = root.join("tests/js");
    println!("xtask: npm ci (tests/js)");
    npm_ci(&js)?;
    println!("xtask: navigation scenario, {navigations} timed navigations of each kind");
    let status = Command::new("node")
        .arg("bench-navigation.mjs")
        .arg("--runs")
        .arg(navigations.to_string())
        // A few more cold runs under a Chrome trace: what the page's main
        // thread did between the steps (where the time goes).
        .arg("--trace")
        .arg(navigations.clamp(1, 3).to_string())
        .current_dir(&js)
        .env("CASEBOOK_BIN", root.join("target/release/casebook"))
        .env("CASEBOOK_WEB_DIR", &web_dir)
        .env("CASEBOOK_LOG", "warn")
        .env("CHROMIUM", CHROMIUM)
        .status()
        .context("could not start node")?;
    if !status.success() {
        bail!("the navigation scenario failed ({status})");
    }
    Ok(())
}

fn npm_ci(dir: &Path) -> Result<()> {
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .status()
        .context("could not run npm ci")?;
    if !status.success() {
        bail!("npm ci in {} failed ({status})", dir.display());
    }
    Ok(())
}

fn has_npm() -> bool {
    Command::new("npm")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}
