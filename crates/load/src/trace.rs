//! Real editing traces (Joseph Gentle's editing-traces, CC BY 4.0; see the
//! README of the traces folder for the attribution, which must be kept).
//!
//! Read from `$CASEBOOK_TRACES`, else from `shared/data/editing-traces` beside
//! the repository. Never copied into the repository.

use anyhow::{bail, Context, Result};
use casebook_core::document::{new_doc, BODY};
use serde::Deserialize;
use std::io::Read;
use std::path::PathBuf;
use yrs::{Doc, GetString, Text, Transact};

/// Where the traces are, if they are there.
pub fn traces_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("CASEBOOK_TRACES") {
        Some(dir) => PathBuf::from(dir),
        None => {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/editing-traces")
        }
    };
    dir.is_dir().then_some(dir)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Trace {
    start_content: String,
    end_content: String,
    txns: Vec<Txn>,
}

#[derive(Deserialize)]
struct Txn {
    patches: Vec<(u32, u32, String)>,
}

/// A concurrent trace (`kind: "concurrent"`, such as `friendsforever`):
/// transactions by several agents, each made on the version that its
/// `parents` (indices of earlier transactions) describe.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConcurrentTrace {
    pub end_content: String,
    pub num_agents: usize,
    pub txns: Vec<ConcurrentTxn>,
}

#[derive(Debug, Deserialize)]
pub struct ConcurrentTxn {
    pub parents: Vec<usize>,
    pub agent: usize,
    /// `(position, deleted, inserted)`, positions in code points of the
    /// agent's version.
    pub patches: Vec<(u32, u32, String)>,
}

/// Reads `NAME.json.gz` from the traces folder as JSON.
fn read_json(name: &str) -> Result<String> {
    let dir = traces_dir()
        .context("editing traces not found: set CASEBOOK_TRACES to the editing-traces folder")?;
    let path = dir.join(format!("{name}.json.gz"));
    let mut json = String::new();
    flate2::read::GzDecoder::new(
        std::fs::File::open(&path).with_context(|| format!("opening {}", path.display()))?,
    )
    .read_to_string(&mut json)
    .with_context(|| format!("reading {}", path.display()))?;
    Ok(json)
}

/// Reads a concurrent trace; refuses one whose text is not pure ASCII (its
/// code-point positions are then UTF-16 offsets).
pub fn read_concurrent(name: &str) -> Result<ConcurrentTrace> {
    let trace: ConcurrentTrace =
        serde_json::from_str(&read_json(name)?).with_context(|| format!("parsing {name}"))?;
    let ascii = trace.end_content.is_ascii()
        && trace
            .txns
            .iter()
            .all(|t| t.patches.iter().all(|(_, _, s)| s.is_ascii()));
    if !ascii {
        bail!("{name}: only pure-ASCII traces are replayed (code points = UTF-16 units)");
    }
    Ok(trace)
}

/// A replayed trace: the document and how many operations made it.
pub struct Replayed {
    pub doc: Doc,
    pub operations: usize,
}

/// Replays a sequential, pure-ASCII trace (such as `automerge-paper`) into a
/// fresh document, one transaction per patch, and checks the final text.
pub fn replay(name: &str) -> Result<Replayed> {
    let trace: Trace =
        serde_json::from_str(&read_json(name)?).with_context(|| format!("parsing {name}"))?;
    if !trace.end_content.is_ascii() || !trace.start_content.is_ascii() {
        bail!("{name}: only pure-ASCII traces are replayed (code points = UTF-16 units)");
    }
    let doc = new_doc();
    let body = doc.get_or_insert_text(BODY);
    body.insert(&mut doc.transact_mut(), 0, &trace.start_content);
    let mut operations = 0;
    for txn in &trace.txns {
        for (pos, deleted, inserted) in &txn.patches {
            let mut t = doc.transact_mut();
            if *deleted > 0 {
                body.remove_range(&mut t, *pos, *deleted);
            }
            if !inserted.is_empty() {
                body.insert(&mut t, *pos, inserted);
            }
            operations += 1;
        }
    }
    if body.get_string(&doc.transact()) != trace.end_content {
        bail!("{name}: replaying the trace did not give its endContent");
    }
    Ok(Replayed { doc, operations })
}
