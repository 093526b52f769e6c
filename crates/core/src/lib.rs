//! Casebook's domain, shared by the server, the browser client and the tests.
//!
//! Pure Rust with no I/O and no async runtime, so it builds for the server and
//! for `wasm32-unknown-unknown`. Rules about *who may do what* live here
//! ([`role`]), as do the shape of the shared document ([`document`]) and the
//! framing of the y-websocket protocol ([`protocol`]) that every replica
//! (server, browser, tests, load tool) speaks.

pub mod anchor;
pub mod document;
pub mod permission;
pub mod phase;
pub mod protocol;
pub mod role;

pub use role::Role;
