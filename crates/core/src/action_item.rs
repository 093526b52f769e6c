//! Action items: what the meeting decided somebody will do, with an owner,
//! a due date and a status, for the all-hands share meeting.
//!
//! An action item is meeting data (commands and events), not document text:
//! it can come from an accepted suggestion or a question's answer (its
//! `comment_id`) or stand alone (a countermeasure decided in the room). It
//! is never deleted; one that will not happen is edited to say so.

use crate::comment::Person;
use serde::{Deserialize, Serialize};

/// Where an action item stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    #[default]
    Open,
    InProgress,
    Done,
}

impl ActionStatus {
    pub const ALL: [ActionStatus; 3] = [
        ActionStatus::Open,
        ActionStatus::InProgress,
        ActionStatus::Done,
    ];

    /// The snake_case name used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::Open => "open",
            ActionStatus::InProgress => "in_progress",
            ActionStatus::Done => "done",
        }
    }

    /// How the status reads in a case (English or Japanese).
    pub fn label(self, japanese: bool) -> &'static str {
        match (self, japanese) {
            (ActionStatus::Open, false) => "Open",
            (ActionStatus::InProgress, false) => "In progress",
            (ActionStatus::Done, false) => "Done",
            (ActionStatus::Open, true) => "未着手",
            (ActionStatus::InProgress, true) => "対応中",
            (ActionStatus::Done, true) => "完了",
        }
    }
}

/// One thing somebody will do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionItem {
    pub id: String,
    /// What will be done.
    pub title: String,
    /// Who will do it, as written (they need not be in the meeting).
    pub owner: String,
    /// `YYYY-MM-DD`, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    #[serde(default)]
    pub status: ActionStatus,
    /// The comment it came from (an accepted suggestion, an answered
    /// question), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment_id: Option<String>,
    /// Who added it.
    pub by: Person,
    pub at_ms: u64,
}

/// Why a due date is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the due date {0:?} is not a date like 2026-12-24")]
pub struct BadDueDate(pub String);

/// Checks a due date written as `YYYY-MM-DD` (what a date input gives) and
/// returns it trimmed; empty is no date.
pub fn due_date(value: Option<&str>) -> Result<Option<String>, BadDueDate> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let bad = || BadDueDate(value.chars().take(40).collect());
    let parts: Vec<&str> = value.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(bad());
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(y, 4) && digits(m, 2) && digits(d, 2)) {
        return Err(bad());
    }
    let (year, month, day): (u32, u32, u32) = (
        y.parse().map_err(|_| bad())?,
        m.parse().map_err(|_| bad())?,
        d.parse().map_err(|_| bad())?,
    );
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if day == 0 || day > days {
        return Err(bad());
    }
    Ok(Some(value.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_due_date_is_a_calendar_date_or_nothing() {
        for (input, expected) in [
            (Some(" 2026-12-24 "), Ok(Some("2026-12-24".to_owned()))),
            (Some("2028-02-29"), Ok(Some("2028-02-29".to_owned()))),
            (Some(""), Ok(None)),
            (None, Ok(None)),
        ] {
            assert_eq!(due_date(input), expected, "{input:?}");
        }
        for input in [
            "2026-02-29",
            "2026-13-01",
            "2026-04-31",
            "2026-1-01",
            "next week",
            "来週",
            "2026-00-10",
        ] {
            assert!(due_date(Some(input)).is_err(), "{input}");
        }
    }

    #[test]
    fn statuses_read_in_both_languages() {
        for status in ActionStatus::ALL {
            assert!(!status.label(false).is_empty());
            assert!(!status.label(true).is_empty());
            let json = serde_json::to_string(&status).expect("serialises");
            assert_eq!(json, format!("\"{}\"", status.as_str()));
        }
    }
}
