//! `cargo xtask bench [--quick] [--scenario NAME]... [--runs N] [--criterion]`:
//! builds `casebook` and the load tool in release, installs the reference
//! Node server (`npm ci` in `crates/load/reference`) when npm is there, and
//! runs `casebook-load` against both. The `navigation` scenario builds the
//! web bundle and times headless Chromium from navigation start to a
//! document synced and editable (`tests/js/bench-navigation.mjs`).
//! `--criterion` also runs the criterion micro-benchmarks of the hot paths
//! (they take a few minutes).

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

pub fn run(root: &Path, args: &[String]) -> Result<()> {
    let criterion = args.iter().any(|a| a == "--criterion");
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
    let load_scenarios = chosen.is_empty() || chosen.iter().any(|s| *s != NAVIGATION);
    // Everything but `--criterion` and `--scenario navigation` goes to the load tool.
    let mut load_args: Vec<&String> = Vec::new();
    let mut it = args.iter().peekable();
    while let Some(arg) = it.next() {
        if arg == "--criterion" {
            continue;
        }
        if arg == "--scenario" && it.peek().is_some_and(|s| *s == NAVIGATION) {
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
    let status = load.status().context("could not start casebook-load")?;
    if !status.success() {
        bail!("casebook-load failed ({status})");
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
