//! `casebook-load`: runs the load scenarios against the real `casebook`
//! binary and, with `--reference DIR`, against the reference Node server in
//! the same run, printing one table per scenario with ours/theirs ratios.
//!
//! ```text
//! casebook-load [--quick] [--scenario NAME]... [--runs N]
//!               [--casebook-bin PATH] [--reference DIR]
//! ```

use anyhow::{bail, Context, Result};
use casebook_load::report::{cpu_time, Report};
use casebook_load::scenario::{self, Scale};
use casebook_load::target::{raise_fd_limit, Kind};
use std::path::PathBuf;

const USAGE: &str = "usage: casebook-load [--quick] [--scenario NAME]... [--runs N] [--casebook-bin PATH] [--reference DIR]
scenarios: meeting, meeting-cluster, meetings, big-room, busy, join-storm, durability, memory, cold-load";

struct Args {
    quick: bool,
    scenarios: Vec<String>,
    runs: usize,
    casebook: PathBuf,
    reference: Option<PathBuf>,
}

fn parse() -> Result<Args> {
    let mut args = Args {
        quick: false,
        scenarios: Vec::new(),
        runs: 1,
        casebook: std::env::var_os("CASEBOOK_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/release/casebook")
            }),
        reference: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || {
            it.next()
                .with_context(|| format!("{arg} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--quick" => args.quick = true,
            "--scenario" => args.scenarios.push(value()?),
            "--runs" => args.runs = value()?.parse().context("--runs takes a number")?,
            "--casebook-bin" => args.casebook = value()?.into(),
            "--reference" => args.reference = Some(value()?.into()),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    if args.scenarios.is_empty() {
        args.scenarios = scenario::ALL.iter().map(|s| s.to_string()).collect();
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = parse()?;
    raise_fd_limit();
    let scale = Scale { quick: args.quick };
    let ours = Kind::Casebook {
        bin: args.casebook.clone(),
    };
    let theirs = args.reference.clone().map(|dir| Kind::Reference { dir });
    let mut failures = 0;
    for name in &args.scenarios {
        for run in 1..=args.runs {
            if args.runs > 1 {
                println!("\n### {name}, run {run} of {}", args.runs);
            }
            if name == "meeting-cluster" {
                // Beside the single-node figures of the same scenario, measured now.
                match cluster_beside_single(&ours, scale).await {
                    Ok(table) => print!("{table}"),
                    Err(e) => {
                        failures += 1;
                        println!("\n== {name} — casebook == FAILED: {e:#}");
                    }
                }
                continue;
            }
            let mine = match scenario::run(name, &ours, scale).await {
                Ok(report) => report,
                Err(e) => {
                    failures += 1;
                    println!("\n== {name} — casebook == FAILED: {e:#}");
                    None
                }
            };
            let other: Option<Report> = match &theirs {
                Some(kind) => match scenario::run(name, kind, scale).await {
                    Ok(report) => report,
                    Err(e) => {
                        println!("\n== {name} — {} == FAILED: {e:#}", kind.name());
                        None
                    }
                },
                None => None,
            };
            if let Some(report) = &mine {
                print!("{}", report.table(other.as_ref()));
            } else if let Some(report) = &other {
                print!("{}", report.table(None));
            }
        }
    }
    if let Some(cpu) = cpu_time(None) {
        println!("\nload tool CPU time in total: {:.1} s", cpu.as_secs_f64());
    }
    if failures > 0 {
        bail!("{failures} scenario run(s) against casebook failed");
    }
    Ok(())
}

/// `meeting-cluster`'s table, with the single-node `meeting` run beside it.
async fn cluster_beside_single(ours: &Kind, scale: Scale) -> Result<String> {
    let cluster = scenario::run("meeting-cluster", ours, scale)
        .await?
        .context("meeting-cluster measured nothing")?;
    let mut single = scenario::run("meeting", ours, scale)
        .await?
        .context("meeting measured nothing")?;
    single.server = "single node".into();
    Ok(cluster.table(Some(&single)))
}
