//! `cargo xtask`: the project's two commands and their helpers.
//!
//! - `cargo xtask run [-- ARGS]`: build the browser bundle and the server,
//!   then start `casebook serve --web-dir web/dist ARGS`.
//! - `cargo xtask build-web [--wasm-opt]`: only build the browser bundles into
//!   `web/dist` (`--wasm-opt`: also Binaryen's `wasm-opt -Oz`, see `web.rs`).
//! - `cargo xtask test [--long]`: set up and run every test (see `test.rs`);
//!   `--long` runs the crash test and the fuzzers for longer.
//! - `cargo xtask api-fuzz`: only the API fuzz step of `test` (Schemathesis
//!   against the OpenAPI document, see `api_fuzz.rs`).
//! - `cargo xtask cluster`: three NATS servers and two Casebook nodes in
//!   cluster mode on loopback (see `nats.rs`).
//! - `cargo xtask bench [--quick] [--scenario NAME] [--runs N] [--criterion]`:
//!   the load tool against the real server and the reference Node server
//!   (see `bench.rs`).
//!
//! Each subcommand is a function in its own module; `main` only dispatches.

mod api_fuzz;
mod bench;
mod fuzz;
mod haproxy;
mod nats;
mod test;
mod wasm_parts;
mod web;

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str = "usage: cargo xtask <run [-- casebook serve args] | build-web [--wasm-opt] | test [--long] | api-fuzz | cluster | haproxy | bench [--quick] [--scenario NAME] [--runs N] [--criterion]>";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let subcommand = args.next();
    let rest: Vec<String> = args.collect();
    let root = workspace_root();
    let result = match subcommand.as_deref() {
        Some("run") => run(&root, &rest),
        Some("build-web") => web::build_web_command(&root, &rest).map(|_| ExitCode::SUCCESS),
        Some("test") => test::run(&root, &rest).map(|()| ExitCode::SUCCESS),
        Some("bench") => bench::run(&root, &rest).map(|()| ExitCode::SUCCESS),
        Some("api-fuzz") => cargo(&root, &["build", "-p", "casebook-server"])
            .and_then(|()| api_fuzz::run(&root, &root.join("target/debug/casebook")))
            .map(|()| ExitCode::SUCCESS),
        Some("cluster") => nats::cluster(&root).map(|()| ExitCode::SUCCESS),
        // What `cargo xtask test` sets up for tests/tests/cluster_haproxy.rs,
        // for running that test alone (CASEBOOK_HAPROXY=<printed path>).
        Some("haproxy") => haproxy::install(&root).map(|bin| {
            println!("{}", bin.display());
            ExitCode::SUCCESS
        }),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        _ => {
            eprintln!("{USAGE}");
            Ok(ExitCode::from(2))
        }
    };
    result.unwrap_or_else(|e| {
        eprintln!("xtask: error: {e:#}");
        ExitCode::FAILURE
    })
}

/// The workspace root: this crate lives in `<root>/crates/xtask`.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/xtask has two parents")
        .to_path_buf()
}

/// `cargo xtask run [-- ARGS]`: build everything, then serve in the
/// foreground with the terminal's stdio and return its exit code.
fn run(root: &Path, args: &[String]) -> Result<ExitCode> {
    let args = match args.first().map(String::as_str) {
        Some("--") => &args[1..],
        _ => args,
    };
    let dist = web::build_web(root)?;
    println!("xtask: building the server (release)");
    cargo(root, &["build", "-p", "casebook-server", "--release"])?;
    let binary = root.join("target/release/casebook");
    println!("xtask: starting {} serve", binary.display());
    let status = Command::new(&binary)
        .arg("serve")
        .arg("--web-dir")
        .arg(&dist)
        .args(args)
        .current_dir(root)
        .status()
        .with_context(|| format!("could not start {}", binary.display()))?;
    Ok(exit_code(status))
}

/// Runs `cargo ARGS` in `root`, failing if it fails.
pub(crate) fn cargo(root: &Path, args: &[&str]) -> Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(args)
        .current_dir(root)
        .status()
        .with_context(|| format!("could not run cargo {}", args.join(" ")))?;
    if !status.success() {
        bail!("cargo {} failed ({status})", args.join(" "));
    }
    Ok(())
}

/// The child's exit code, or 1 if it was killed by a signal.
fn exit_code(status: std::process::ExitStatus) -> ExitCode {
    match status.code() {
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        None => ExitCode::FAILURE,
    }
}
