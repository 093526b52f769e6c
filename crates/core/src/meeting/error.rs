//! Why a command was refused, sorted into the four kinds the server maps to
//! HTTP statuses.

use serde::{Deserialize, Serialize};

/// A refused command. The message says what was wrong and is meant for the
/// person who sent it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MeetingError {
    /// The command itself is malformed: empty or too long text, a rating
    /// outside 1–5, a question where a suggestion is needed.
    #[error("{0}")]
    BadInput(String),
    /// The actor's role may not do this in the current phase.
    #[error("{0}")]
    Forbidden(String),
    /// The command names a comment that does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The meeting's state does not allow it now: already answered, decided,
    /// resolved, surveyed; a move that skips phases.
    #[error("{0}")]
    Conflict(String),
}

/// The kind of a [`MeetingError`], without its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    BadInput,
    Forbidden,
    NotFound,
    Conflict,
}

impl ErrorKind {
    /// The HTTP status the server answers with.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorKind::BadInput => 400,
            ErrorKind::Forbidden => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::Conflict => 409,
        }
    }
}

impl MeetingError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            MeetingError::BadInput(_) => ErrorKind::BadInput,
            MeetingError::Forbidden(_) => ErrorKind::Forbidden,
            MeetingError::NotFound(_) => ErrorKind::NotFound,
            MeetingError::Conflict(_) => ErrorKind::Conflict,
        }
    }
}
