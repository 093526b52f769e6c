//! Casebook's domain, shared by the server, the browser client and the tests.
//!
//! Pure Rust with no I/O and no async runtime, so it builds for the server and
//! for `wasm32-unknown-unknown`. What lives here:
//!
//! - *Who may do what*: [`role`] (the four roles) and [`permission`] (the
//!   role × phase × action table the server enforces and the browser uses to
//!   hide controls) and [`scope`] (which row governs each part of the
//!   document, and what parts an update would change).
//! - *The meeting*: [`phase`] (order, legal moves, default timers), [`timer`],
//!   [`comment`] (questions, suggestions, threads, answers, decisions,
//!   resolutions, kudos), [`survey`] (anonymous ratings and their aggregate)
//!   and [`meeting`], the event-sourced reducer that ties them together:
//!   `decide` turns a client's command into events, `apply` folds events into
//!   state, `replay` rebuilds a meeting from its log; [`guide`] says what
//!   each role is asked to do in each phase.
//! - *The document*: [`document`] (every replica's `Doc`, the section
//!   template), [`outline`] (which sections, in which order, under which
//!   titles) and [`anchor`] (comment anchors that follow their words).
//! - *Reading it*: [`markdown`], the sanitised Markdown renderer the
//!   preview, the export and the library share; [`reading`], the same
//!   rendering with each piece of text tied to its Markdown source, so a
//!   selection in the rendered text anchors a comment on the Markdown.
//! - *Sharing it*: [`export`], the whole case as Markdown or a standalone
//!   HTML page; [`import`], a Markdown file read into sections and written
//!   into a document; [`case`], the publishing refusal and read link on the
//!   wire, and the case's language; [`headings`], the headings people use for each
//!   template section (import and readiness share them).
//! - *How meetings go*: [`insights`], a meeting's figures for its
//!   facilitator (time per phase against the timer, who asked what, outcomes).
//! - *The casebook*: [`library`], the search tokenizer (CJK bigrams and
//!   Latin words) and the services and tags a case is filed under.
//! - *Ready to publish?*: [`readiness`], what a reader would miss, each
//!   finding blocking or advice, and findings dismissed as not applicable.
//! - *The wire*: [`protocol`], the y-websocket framing every replica (server,
//!   browser, tests, load tool) speaks; [`close`], why a socket was closed;
//!   [`limits`], the longest text each field accepts; [`api`], the JSON
//!   answers of the HTTP API; [`meeting_room`], the meeting room's root maps
//!   and keys, written by the server and read by the browser.
//! - *What the meeting changed*: [`versions`], versions of the document,
//!   stored by what changed, and a word-level diff of two (Japanese too).

pub mod action_item;
pub mod anchor;
pub mod api;
pub mod case;
pub mod close;
pub mod comment;
pub mod diagram;
pub mod document;
pub mod export;
pub mod guide;
pub mod headings;
pub mod image;
pub mod import;
pub mod insights;
pub mod library;
pub mod limits;
pub mod markdown;
pub mod meeting;
pub mod meeting_room;
pub mod outline;
pub mod permission;
pub mod phase;
pub mod protocol;
pub mod readiness;
pub mod reading;
pub mod role;
pub mod scope;
pub mod suggestion;
pub mod survey;
pub mod timer;
pub mod versions;

pub use meeting::{Actor, Command, CommandKind, Event, Meeting, MeetingError};
pub use permission::{allowed, Action};
pub use phase::Phase;
pub use role::Role;
