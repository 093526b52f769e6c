//! `casebook-load`: Casebook's own load tool.
//!
//! It starts the real `casebook` binary (and, when asked, the reference Node
//! server `@y/websocket-server`) on loopback, drives it with y-websocket
//! clients built on tokio-tungstenite and yrs, and prints one table per
//! scenario. Every scenario is bounded in time and traffic and stops by itself.
//!
//! - [`client`]: the lean y-websocket clients (typists with a full yrs `Doc`,
//!   observers and joiners that decode every message but keep no `Doc`).
//! - [`target`]: the server under test — start, create rooms, URLs, `/proc` stats.
//! - [`scenario`]: one module per scenario.
//! - [`report`]: latency histograms (HDR), CPU and memory, the printed tables.
//! - [`trace`]: the real editing traces (CC BY 4.0, read from disk, never copied).
//!
//! All y-sync framing goes through `casebook_core::protocol`.

pub mod client;
pub mod report;
pub mod scenario;
pub mod target;
pub mod trace;
