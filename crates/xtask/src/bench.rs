//! `cargo xtask bench [--quick] [--scenario NAME]... [--runs N] [--criterion]`:
//! builds `casebook` and the load tool in release, installs the reference
//! Node server (`npm ci` in `crates/load/reference`) when npm is there, and
//! runs `casebook-load` against both. `--criterion` also runs the criterion
//! micro-benchmarks of the hot paths (they take a few minutes).

use crate::cargo;
use anyhow::{bail, Context, Result};
use std::path::Path;
use std::process::Command;

pub fn run(root: &Path, args: &[String]) -> Result<()> {
    let criterion = args.iter().any(|a| a == "--criterion");
    let load_args: Vec<&String> = args.iter().filter(|a| *a != "--criterion").collect();
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
    let reference = root.join("crates/load/reference");
    let mut load = Command::new(root.join("target/release/casebook-load"));
    load.current_dir(root)
        .arg("--casebook-bin")
        .arg(root.join("target/release/casebook"))
        .args(load_args);
    if has_npm() {
        println!("xtask: installing the reference server (npm ci in crates/load/reference)");
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&reference)
            .status()
            .context("could not run npm ci")?;
        if !status.success() {
            bail!("npm ci in {} failed ({status})", reference.display());
        }
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
    if criterion {
        println!("xtask: criterion micro-benchmarks (crates/load/benches/hot_paths.rs)");
        cargo(
            root,
            &["bench", "-p", "casebook-load", "--bench", "hot_paths"],
        )?;
    }
    Ok(())
}

fn has_npm() -> bool {
    Command::new("npm")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}
