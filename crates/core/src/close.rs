//! WebSocket close codes: why the server ended a socket.
//!
//! The one list the server closes with, the browser reacts to and the tests
//! assert. Codes under 4000 are RFC 6455's; the 4xxx ones are Casebook's
//! (4000 + the nearest HTTP status, where there is one).

/// A text frame, or a frame that is not a y-sync message (RFC 6455 1003).
pub const UNSUPPORTED_DATA: u16 = 1003;
/// A write from a socket that may not write (a viewer, a read-only phase).
/// The client must not retry the same write (RFC 6455 1008).
pub const POLICY_VIOLATION: u16 = 1008;
/// A message over `--max-frame-bytes` (RFC 6455 1009).
pub const MESSAGE_TOO_BIG: u16 = 1009;
/// The document was reloaded after a bad update or a storage error; the
/// client reconnects and resyncs (RFC 6455 1011).
pub const INTERNAL_ERROR: u16 = 1011;
/// The server is shutting down; reconnect later (RFC 6455 1012).
pub const RESTARTING: u16 = 1012;
/// The invite link behind the socket was revoked.
pub const INVITE_REVOKED: u16 = 4003;
/// The socket fell behind the room or stopped reading; reconnect to resync.
pub const FELL_BEHIND: u16 = 4008;
/// The case was published or reopened: write rights changed, reconnect.
pub const RIGHTS_CHANGED: u16 = 4009;
/// The document is at `--max-doc-bytes`; the update was not applied.
pub const DOC_TOO_LARGE: u16 = 4010;
/// An awareness state over `--max-awareness-bytes`.
pub const AWARENESS_TOO_LARGE: u16 = 4011;
/// More than `--max-messages-per-sec` messages (after a burst of one
/// second's worth).
pub const TOO_MANY_MESSAGES: u16 = 4029;
