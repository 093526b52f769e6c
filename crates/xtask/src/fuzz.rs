//! Fuzzing in `cargo xtask test`: every cargo-fuzz target in `fuzz/`, built
//! with AddressSanitizer, for a fixed budget (a fixed seed and number of
//! inputs, a few seconds each; `--long`: minutes each with a random seed),
//! starting from its corpus, its seeds and every input in `fuzz/regressions/`
//! (what the fuzzers found, replayed on every run), installing
//! cargo-fuzz from crates.io when it is missing. cargo-fuzz needs nightly
//! compiler flags; `RUSTC_BOOTSTRAP=1` lets the stable toolchain accept them.
//! A crash fails the step and leaves its input in `fuzz/artifacts/TARGET/`
//! (replay it with `RUSTC_BOOTSTRAP=1 cargo fuzz run TARGET FILE`); a crash
//! found becomes a regression test in the crate it is about.

use anyhow::{bail, Context, Result};
use std::path::Path;
use std::process::Command;

/// The targets, as named in `fuzz/Cargo.toml`.
pub const TARGETS: [&str; 5] = [
    "sync_message",
    "update",
    "command",
    "markdown",
    "wal_record",
];

/// Inputs per second of budget in the short run: about what one core runs
/// under AddressSanitizer (measured 7,800 for `update`, 10,000 for
/// `sync_message`; without ASan it was 30,000), so the short run takes about
/// as long as it did without a sanitizer.
const SHORT_RUNS_PER_SECOND: u64 = 8_000;

/// `long`: a random seed and a time budget instead of a fixed number of
/// inputs. Both runs use AddressSanitizer (the short one ran without it while
/// yrs' heap use-after-free was open; vendor/yrs/PATCHES.md fixes it).
pub fn run(root: &Path, seconds_per_target: u64, long: bool) -> Result<()> {
    ensure_cargo_fuzz()?;
    for target in TARGETS {
        let corpus = root.join("fuzz/corpus").join(target);
        std::fs::create_dir_all(&corpus)
            .with_context(|| format!("creating {}", corpus.display()))?;
        let mut command = Command::new("cargo");
        command
            .current_dir(root)
            .env("RUSTC_BOOTSTRAP", "1")
            // yrs reserves what an update declares with `try_reserve`; an
            // impossible reservation must fail there (as it does outside
            // ASan), not abort the fuzzer.
            .env("ASAN_OPTIONS", "allocator_may_return_null=1")
            .args(["fuzz", "run", "--fuzz-dir", "fuzz"])
            .arg(target)
            .arg(&corpus);
        for extra in [
            root.join("fuzz/seeds").join(target),
            root.join("fuzz/regressions"),
        ] {
            if extra.is_dir() {
                command.arg(extra);
            }
        }
        // The short run is a fixed budget that gives the same verdict on
        // every machine: a fixed seed and a fixed number of inputs. The long
        // run explores for real: random seed, a time budget.
        let budget = if long {
            format!("-max_total_time={seconds_per_target}")
        } else {
            format!("-runs={}", SHORT_RUNS_PER_SECOND * seconds_per_target)
        };
        let seed = if long { "-seed=0" } else { "-seed=1" };
        command.args([
            "--",
            &budget,
            seed,
            "-timeout=20",
            "-rss_limit_mb=2048",
            "-malloc_limit_mb=1048576",
            "-print_final_stats=1",
        ]);
        println!("xtask test: fuzz {target} ({budget} {seed})");
        let output = command
            .output()
            .with_context(|| format!("fuzz {target}: could not start cargo fuzz"))?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        if !output.status.success() {
            let tail: Vec<&str> = stderr.lines().rev().take(60).collect();
            for line in tail.into_iter().rev() {
                eprintln!("{line}");
            }
            bail!(
                "fuzz {target} failed ({}); the input is in fuzz/artifacts/{target}/",
                output.status
            );
        }
        let runs = stderr
            .lines()
            .find(|l| l.starts_with("stat::number_of_executed_units:"))
            .and_then(|l| l.rsplit(':').next())
            .map(str::trim)
            .unwrap_or("?");
        let coverage = stderr
            .lines()
            .rev()
            .find(|l| l.contains(" cov: "))
            .and_then(|l| l.split(" cov: ").nth(1))
            .and_then(|l| l.split_whitespace().next())
            .unwrap_or("?");
        println!("xtask test: fuzz {target}: {runs} inputs, coverage {coverage} edges, no crash");
    }
    Ok(())
}

fn ensure_cargo_fuzz() -> Result<()> {
    let present = Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if present {
        return Ok(());
    }
    println!("xtask test: installing cargo-fuzz (cargo install cargo-fuzz --locked)");
    let status = Command::new("cargo")
        .args(["install", "cargo-fuzz", "--locked"])
        .status()
        .context("running cargo install cargo-fuzz")?;
    if !status.success() {
        bail!("installing cargo-fuzz failed ({status})");
    }
    Ok(())
}
