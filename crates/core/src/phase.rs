//! The phases of the postmortem writing meeting, in order, and which moves
//! between them are legal.
//!
//! The facilitator moves the meeting one step forward or one step back; a
//! published case can only be reopened into revision. Each phase has a default
//! timer sized for a 30-minute meeting (15 minutes of silent reading, then
//! Q&A, proposals and kudos); the phases outside the meeting have none.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where the meeting is. Serialised in snake_case (`"q_and_a"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// The draft exists; early readers may already comment.
    Drafting,
    /// Everyone reads the draft and leaves anchored comments.
    SilentReading,
    /// The facilitator spotlights questions one by one; the author answers.
    QAndA,
    /// Suggestions are accepted or declined.
    Proposals,
    /// Everyone praises people who did great during the incident.
    Kudos,
    /// After the meeting: the author revises and resolves comments; the survey.
    Revision,
    /// Ready to be shared and read by anyone.
    Published,
}

impl Phase {
    /// Every phase, in meeting order.
    pub const ALL: [Phase; 7] = [
        Phase::Drafting,
        Phase::SilentReading,
        Phase::QAndA,
        Phase::Proposals,
        Phase::Kudos,
        Phase::Revision,
        Phase::Published,
    ];

    /// Position in [`Phase::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The phase after this one, if any.
    pub fn next(self) -> Option<Phase> {
        Phase::ALL.get(self.index() + 1).copied()
    }

    /// The phase before this one, if any.
    pub fn prev(self) -> Option<Phase> {
        self.index().checked_sub(1).map(|i| Phase::ALL[i])
    }

    /// Whether the facilitator may move the meeting from `self` to `to`: one
    /// step forward or back, except that a published case can only be
    /// reopened (back to revision), which `prev` already says.
    pub fn can_move_to(self, to: Phase) -> bool {
        self.next() == Some(to) || self.prev() == Some(to)
    }

    /// The timer a phase starts with, in seconds; `None` for the phases
    /// outside the meeting.
    pub fn default_timer_secs(self) -> Option<u64> {
        match self {
            Phase::SilentReading => Some(15 * 60),
            Phase::QAndA => Some(8 * 60),
            Phase::Proposals => Some(4 * 60),
            Phase::Kudos => Some(3 * 60),
            Phase::Drafting | Phase::Revision | Phase::Published => None,
        }
    }

    /// The snake_case name used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Drafting => "drafting",
            Phase::SilentReading => "silent_reading",
            Phase::QAndA => "q_and_a",
            Phase::Proposals => "proposals",
            Phase::Kudos => "kudos",
            Phase::Revision => "revision",
            Phase::Published => "published",
        }
    }
}

impl Phase {
    /// The phase's name for people: the one the phase bar shows and the
    /// exports write, so the two never differ.
    pub fn label(self, japanese: bool) -> &'static str {
        match (self, japanese) {
            (Phase::Drafting, false) => "Drafting",
            (Phase::SilentReading, false) => "Silent reading",
            (Phase::QAndA, false) => "Q&A",
            (Phase::Proposals, false) => "Proposals",
            (Phase::Kudos, false) => "Kudos",
            (Phase::Revision, false) => "Revision",
            (Phase::Published, false) => "Published",
            (Phase::Drafting, true) => "下書き",
            (Phase::SilentReading, true) => "黙読",
            (Phase::QAndA, true) => "質疑応答",
            (Phase::Proposals, true) => "提案",
            (Phase::Kudos, true) => "称賛",
            (Phase::Revision, true) => "改訂",
            (Phase::Published, true) => "公開",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Phase::*;

    #[test]
    fn every_legal_and_illegal_move() {
        // Rows: from; columns: to, in meeting order. 1 = legal.
        let expected = "
            drafting       0100000
            silent_reading 1010000
            q_and_a        0101000
            proposals      0010100
            kudos          0001010
            revision       0000101
            published      0000010";
        for (row, from) in expected.trim().lines().zip(Phase::ALL) {
            let mut cells = row.split_whitespace();
            assert_eq!(cells.next(), Some(from.as_str()));
            let flags = cells.next().unwrap_or_default();
            for (flag, to) in flags.chars().zip(Phase::ALL) {
                assert_eq!(from.can_move_to(to), flag == '1', "{from} -> {to}");
            }
        }
    }

    #[test]
    fn a_published_case_can_only_be_reopened_into_revision() {
        assert_eq!(Published.next(), None);
        assert_eq!(Published.prev(), Some(Revision));
        assert!(Published.can_move_to(Revision));
        assert!(!Published.can_move_to(Drafting));
    }

    #[test]
    fn the_meeting_phases_fit_thirty_minutes() {
        let total: u64 = Phase::ALL
            .iter()
            .filter_map(|p| p.default_timer_secs())
            .sum();
        assert_eq!(total, 30 * 60);
        assert_eq!(SilentReading.default_timer_secs(), Some(15 * 60));
        assert_eq!(Drafting.default_timer_secs(), None);
        assert_eq!(Revision.default_timer_secs(), None);
    }

    #[test]
    fn phases_are_snake_case_on_the_wire() {
        for phase in Phase::ALL {
            let json = format!("\"{}\"", phase.as_str());
            assert_eq!(serde_json::to_string(&phase).ok(), Some(json.clone()));
            assert_eq!(serde_json::from_str::<Phase>(&json).ok(), Some(phase));
        }
    }
}
