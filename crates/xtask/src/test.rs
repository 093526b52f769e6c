//! `cargo xtask test`: every test, on a fresh machine as on a developer's.
//!
//! Sets up what the tests need (wasm bundle, server binary, npm packages from
//! the lockfile, Chromium via apt-get when missing and allowed), then runs,
//! in order: formatting and clippy, the Rust unit and end-to-end tests, the
//! API fuzz run (Schemathesis against `/api/openapi.json`, `api_fuzz.rs`),
//! the fuzz targets, the reference Yjs client and browser tests in `tests/js`. Stops at the first
//! failure and says which step failed.
//!
//! `--long` gives the reliability tests a bigger budget: more kill -9 cycles
//! in the crash test (`CASEBOOK_CRASH_CYCLES`) and of the cluster's node kills
//! (`CASEBOOK_CLUSTER_KILLS`), more cases of the convergence
//! property (`CASEBOOK_PROPTEST_CASES`), minutes instead of seconds for each
//! fuzz target (`fuzz.rs`).

use crate::web::build_web;
use anyhow::{bail, Context, Result};
use std::path::Path;
use std::process::Command;

/// Chromium as Debian installs it.
pub(crate) const CHROMIUM: &str = "/usr/bin/chromium";

/// Kill -9 cycles of the crash test in a `--long` run (3 otherwise).
const LONG_CRASH_CYCLES: &str = "20";
/// Kill -9 cycles of the cluster's repeated-kill test in a `--long` run (2
/// otherwise; `tests/tests/cluster_durability.rs`).
const LONG_CLUSTER_KILLS: &str = "10";
/// Cases of the convergence property in a `--long` run (12 otherwise).
const LONG_PROPTEST_CASES: &str = "100";
/// Seconds each fuzz target runs (`--long`: minutes).
const FUZZ_SECONDS: u64 = 6;
const LONG_FUZZ_SECONDS: u64 = 180;

pub fn run(root: &Path, args: &[String]) -> Result<()> {
    let long = match args {
        [] => false,
        [flag] if flag == "--long" => true,
        _ => bail!("usage: cargo xtask test [--long]"),
    };
    let web_dir = build_web(root)?;
    println!("xtask test: web bundle budgets");
    crate::web::check_budgets(&web_dir)?;
    step(
        root,
        "cargo fmt --check",
        "cargo",
        &["fmt", "--all", "--", "--check"],
    )?;
    step(
        root,
        "clippy (native crates)",
        "cargo",
        &["clippy", "--all-targets", "--", "-D", "warnings"],
    )?;
    step(
        root,
        "clippy (web, wasm32)",
        "cargo",
        &[
            "clippy",
            "-p",
            "casebook-web",
            "-p",
            "casebook-web-home",
            "-p",
            "casebook-web-document",
            "--target",
            "wasm32-unknown-unknown",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    // The fuzz crate is its own workspace (cargo fuzz builds it with
    // nightly flags much later in the run): check it here, so a target that
    // no longer compiles against core fails in the first minutes.
    // The web crate's unit tests build natively (the step below runs them);
    // the wasm32 lint above does not see them.
    step(
        root,
        "clippy (web unit tests, native)",
        "cargo",
        &[
            "clippy",
            "-p",
            "casebook-web",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    step(
        root,
        "clippy (fuzz targets)",
        "cargo",
        &[
            "clippy",
            "--manifest-path",
            "fuzz/Cargo.toml",
            "--bins",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    step(
        root,
        "web unit tests (native)",
        "cargo",
        &["test", "-p", "casebook-web", "--lib"],
    )?;
    step(
        root,
        "build casebook",
        "cargo",
        &["build", "-p", "casebook-server"],
    )?;
    let bin = root.join("target/debug/casebook");
    // The cluster tests start real NATS servers: this one, pinned.
    let nats = crate::nats::install(root)?;
    // tests/tests/cluster_haproxy.rs runs the README's HAProxy example.
    let haproxy = crate::haproxy::install(root)?;
    // Before the Rust tests too: tests/tests/oidc.rs runs the OpenID
    // Provider from tests/js (oidc-provider.mjs).
    let js = root.join("tests/js");
    step(
        &js,
        "npm ci (tests/js)",
        "npm",
        &["ci", "--no-audit", "--no-fund"],
    )?;
    let mut rust_tests = Command::new("cargo");
    rust_tests
        .current_dir(root)
        .arg("test")
        .env("CASEBOOK_BIN", &bin)
        .env("CASEBOOK_NATS_SERVER", &nats)
        .env("CASEBOOK_HAPROXY", &haproxy);
    if long {
        rust_tests
            .env("CASEBOOK_CRASH_CYCLES", LONG_CRASH_CYCLES)
            .env("CASEBOOK_PROPTEST_CASES", LONG_PROPTEST_CASES)
            .env("CASEBOOK_CLUSTER_KILLS", LONG_CLUSTER_KILLS);
    }
    run_step("Rust unit and end-to-end tests", &mut rust_tests)?;
    println!("xtask test: API fuzz (Schemathesis against the OpenAPI document)");
    crate::api_fuzz::run(root, &bin)?;
    crate::fuzz::run(
        root,
        if long {
            LONG_FUZZ_SECONDS
        } else {
            FUZZ_SECONDS
        },
        long,
    )?;

    ensure_chromium()?;
    let mut js_tests = Command::new("npm");
    js_tests
        .current_dir(&js)
        .arg("test")
        .env("CASEBOOK_BIN", &bin)
        .env("CASEBOOK_WEB_DIR", &web_dir)
        .env("CHROMIUM", CHROMIUM)
        // cluster.test.mjs starts real NATS servers: the same pinned binary.
        .env("CASEBOOK_NATS_SERVER", &nats);
    run_step("Yjs client and browser tests (tests/js)", &mut js_tests)?;
    println!("xtask test: every step passed");
    Ok(())
}

fn step(dir: &Path, name: &str, program: &str, args: &[&str]) -> Result<()> {
    let mut command = Command::new(program);
    command.current_dir(dir).args(args);
    run_step(name, &mut command)
}

fn run_step(name: &str, command: &mut Command) -> Result<()> {
    println!("xtask test: {name}");
    let status = command
        .status()
        .with_context(|| format!("{name}: could not start {:?}", command.get_program()))?;
    if !status.success() {
        bail!("{name} failed ({status})");
    }
    Ok(())
}

/// Installs Debian's Chromium and chromedriver when they are missing and we
/// are root (as on CI); otherwise says how to install them.
pub(crate) fn ensure_chromium() -> Result<()> {
    if Path::new(CHROMIUM).exists() {
        return Ok(());
    }
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !is_root {
        bail!("the browser tests need Chromium: run `sudo apt-get install -y chromium chromium-driver`");
    }
    let mut update = Command::new("apt-get");
    update
        .arg("update")
        .env("DEBIAN_FRONTEND", "noninteractive");
    run_step("apt-get update", &mut update)?;
    let mut install = Command::new("apt-get");
    install
        .args([
            "install",
            "-y",
            "--no-install-recommends",
            "chromium",
            "chromium-driver",
            // Japanese text and emoji in the screenshots the tests save.
            "fonts-noto-cjk",
            "fonts-noto-color-emoji",
        ])
        .env("DEBIAN_FRONTEND", "noninteractive");
    run_step("install Chromium", &mut install)
}
