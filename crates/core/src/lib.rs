//! Casebook's domain, shared by the server, the browser client and the tests.
//!
//! Pure Rust with no I/O and no async runtime, so it builds for the server and
//! for `wasm32-unknown-unknown`. What lives here:
//!
//! - *Who may do what*: [`role`] (the four roles) and [`permission`] (the
//!   role × phase × action table the server enforces and the browser uses to
//!   hide controls).
//! - *The meeting*: [`phase`] (order, legal moves, default timers), [`timer`],
//!   [`comment`] (questions, suggestions, threads, answers, decisions,
//!   resolutions, kudos), [`survey`] (anonymous ratings and their aggregate)
//!   and [`meeting`], the event-sourced reducer that ties them together:
//!   `decide` turns a client's command into events, `apply` folds events into
//!   state, `replay` rebuilds a meeting from its log.
//! - *The document*: [`document`] (every replica's `Doc`, the section
//!   template), [`outline`] (which sections, in which order, under which
//!   titles) and [`anchor`] (comment anchors that follow their words).
//! - *Reading it*: [`markdown`], the sanitised Markdown renderer the
//!   preview, the export and the library share.
//! - *Sharing it*: [`export`], the whole case as Markdown or a standalone
//!   HTML page, and a Markdown file read back into sections.
//! - *How meetings go*: [`insights`], a meeting's figures for its
//!   facilitator (time per phase against the timer, who asked what, outcomes).
//! - *The casebook*: [`library`], the search tokenizer (CJK bigrams and
//!   Latin words) and the services and tags a case is filed under.
//! - *Ready to publish?*: [`readiness`], the findings that keep a case
//!   from being publishable.
//! - *The wire*: [`protocol`], the y-websocket framing every replica (server,
//!   browser, tests, load tool) speaks; [`close`], why a socket was closed;
//!   [`limits`], the longest text each field accepts; [`api`], the JSON
//!   answers of the HTTP API.

pub mod anchor;
pub mod api;
pub mod close;
pub mod comment;
pub mod document;
pub mod export;
pub mod insights;
pub mod library;
pub mod limits;
pub mod markdown;
pub mod meeting;
pub mod outline;
pub mod permission;
pub mod phase;
pub mod protocol;
pub mod readiness;
pub mod role;
pub mod survey;
pub mod timer;

pub use meeting::{Actor, Command, CommandKind, Event, Meeting, MeetingError};
pub use permission::{allowed, Action};
pub use phase::Phase;
pub use role::Role;
