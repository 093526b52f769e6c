//! Roles a person can hold in one postmortem, as in DESIGN.md's table.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a person may do in one postmortem. Granted by the invite link's token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The SRE who runs the meeting: everything an author can, plus the phase bar.
    Facilitator,
    /// Wrote the incident's draft: edits, answers, decides, resolves.
    Author,
    /// Invited reader from this or another team: edits, comments, kudos, survey.
    Participant,
    /// Reads the document and follows the meeting live; changes nothing.
    Viewer,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 4] = [
        Role::Facilitator,
        Role::Author,
        Role::Participant,
        Role::Viewer,
    ];

    /// Whether this role may change the shared document (co-editing is on for
    /// everyone but viewers).
    pub fn can_edit_document(self) -> bool {
        !matches!(self, Role::Viewer)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Facilitator => "facilitator",
            Role::Author => "author",
            Role::Participant => "participant",
            Role::Viewer => "viewer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text was not one of the four role names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}: expected facilitator, author, participant or viewer")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_viewers_cannot_edit_the_document() {
        assert!(Role::Facilitator.can_edit_document());
        assert!(Role::Author.can_edit_document());
        assert!(Role::Participant.can_edit_document());
        assert!(!Role::Viewer.can_edit_document());
    }

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("admin".parse::<Role>().is_err());
    }
}
