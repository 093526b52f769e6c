//! Versions of a postmortem's document, and what changed between two of
//! them: the way a meeting shows what it did to a draft.
//!
//! The server keeps a version when silent reading starts, when revision
//! starts, at each publication, when a question is answered (so that later
//! edits of its section can be told apart from earlier ones) and when an
//! author or the facilitator saves one with a label ([`VersionReason`]).
//! A version is each section's Markdown in outline order.
//!
//! Storage costs what changed: a [`StoredVersion`] carries a section's text
//! only when it differs from the version before ([`stored_sections`]);
//! [`resolve`] gives every version back whole. The diff of two versions
//! ([`diff_versions`]) is per section and word by word ([`diff`]).
//!
//! This module does no I/O and reads no clock: the server passes the
//! sections, the time and the numbering.

pub mod diff;

use crate::document::template_section;
use crate::phase::Phase;
use serde::{Deserialize, Serialize};

pub use diff::{changed_chars, diff_words, DiffPiece, PieceKind};

/// Why a version was kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VersionReason {
    /// The meeting moved into silent reading: the draft as the readers got it.
    SilentReadingStarted,
    /// The meeting moved into revision: the document as the meeting left it.
    RevisionStarted,
    /// The case was published.
    Published,
    /// A question was answered (`comment_id` names it).
    Answered,
    /// Someone saved it, with a label.
    Saved,
}

impl VersionReason {
    /// The label of a version the server kept by itself (English; the
    /// browser shows its own words by the reason).
    pub fn default_label(self) -> &'static str {
        match self {
            VersionReason::SilentReadingStarted => "Silent reading started",
            VersionReason::RevisionStarted => "Revision started",
            VersionReason::Published => "Published",
            VersionReason::Answered => "Question answered",
            VersionReason::Saved => "Saved",
        }
    }

    /// The version the server keeps when the meeting enters `phase`, if any.
    pub fn on_entering(phase: Phase) -> Option<VersionReason> {
        match phase {
            Phase::SilentReading => Some(VersionReason::SilentReadingStarted),
            Phase::Revision => Some(VersionReason::RevisionStarted),
            Phase::Published => Some(VersionReason::Published),
            _ => None,
        }
    }
}

/// One version as `GET /api/postmortems/{id}/versions` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VersionSummary {
    /// 0, 1, 2… in the order they were kept.
    pub id: u64,
    /// The label given when saved, or the reason's [`VersionReason::default_label`].
    pub label: String,
    /// The meeting's phase when it was kept (the new phase for a phase move).
    pub phase: Phase,
    /// Unix milliseconds.
    pub at_ms: u64,
    pub reason: VersionReason,
    /// The question whose answer this version follows (reason `answered`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment_id: Option<String>,
    /// Who saved it (reason `saved`), by display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// The meeting event this version was kept for, by its place in the
    /// meeting's log (phase moves and answers): how a server that stopped
    /// between storing the event and keeping its version knows, when it
    /// loads the meeting again, which versions are still due
    /// ([`kept_for`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<u64>,
}

/// One section of a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VersionSection {
    /// The section's id (a template id, or `custom-…`).
    pub id: String,
    /// A custom section's title (template sections are titled by their id in
    /// the reader's language: [`section_title`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_title: Option<String>,
    pub markdown: String,
}

/// The title of a section of a version, in the reader's language.
pub fn section_title(id: &str, custom_title: Option<&str>, japanese: bool) -> String {
    match (custom_title, template_section(id)) {
        (Some(title), _) => title.to_owned(),
        (None, Some(t)) if japanese => t.title_ja.to_owned(),
        (None, Some(t)) => t.title_en.to_owned(),
        (None, None) => id.to_owned(),
    }
}

/// `GET /api/postmortems/{id}/versions/{version}`: one version, whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Version {
    pub version: VersionSummary,
    pub sections: Vec<VersionSection>,
}

/// `GET /api/postmortems/{id}/versions`: every version, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VersionList {
    pub versions: Vec<VersionSummary>,
}

/// `POST /api/postmortems/{id}/versions`: save the document as it is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SaveVersion {
    /// 1 to [`crate::limits::MAX_VERSION_LABEL_CHARS`] characters.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 120, pattern = r"\S")
    )]
    pub label: String,
}

/// How a section changed from one version to the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SectionChange {
    Same,
    Changed,
    /// Only in the newer version.
    Added,
    /// Only in the older version.
    Removed,
}

/// One section of a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SectionDiff {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_title: Option<String>,
    pub change: SectionChange,
    /// The section's text as runs of same, removed and added text.
    pub pieces: Vec<DiffPiece>,
    /// Characters added, not counting white space.
    pub added_chars: u32,
    /// Characters removed, not counting white space.
    pub removed_chars: u32,
}

/// `GET /api/postmortems/{id}/versions/{version}/diff?to=…`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VersionDiff {
    pub from: VersionSummary,
    /// The newer side; absent when it is the document as it is now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<VersionSummary>,
    /// In the newer side's order; sections only in the older one last.
    pub sections: Vec<SectionDiff>,
}

/// Per section, what changed from `old` to `new`.
pub fn diff_versions(old: &[VersionSection], new: &[VersionSection]) -> Vec<SectionDiff> {
    let diff = |id: &str, custom_title: Option<String>, change, before: &str, after: &str| {
        let pieces = diff_words(before, after);
        let (added_chars, removed_chars) = changed_chars(&pieces);
        let change = match change {
            SectionChange::Same if added_chars + removed_chars > 0 || before != after => {
                SectionChange::Changed
            }
            other => other,
        };
        SectionDiff {
            id: id.to_owned(),
            custom_title,
            change,
            pieces,
            added_chars,
            removed_chars,
        }
    };
    let mut sections: Vec<SectionDiff> = new
        .iter()
        .map(|after| match old.iter().find(|s| s.id == after.id) {
            Some(before) => diff(
                &after.id,
                after.custom_title.clone(),
                SectionChange::Same,
                &before.markdown,
                &after.markdown,
            ),
            None => diff(
                &after.id,
                after.custom_title.clone(),
                SectionChange::Added,
                "",
                &after.markdown,
            ),
        })
        .collect();
    sections.extend(
        old.iter()
            .filter(|before| !new.iter().any(|s| s.id == before.id))
            .map(|before| {
                diff(
                    &before.id,
                    before.custom_title.clone(),
                    SectionChange::Removed,
                    &before.markdown,
                    "",
                )
            }),
    );
    sections
}

/// The version "what the meeting changed" counts from: the first one kept
/// when silent reading started.
pub fn reading_start(versions: &[Version]) -> Option<&Version> {
    versions
        .iter()
        .find(|v| v.version.reason == VersionReason::SilentReadingStarted)
}

/// Whether one of `versions` was kept for the meeting event at place `seq`
/// of the log, which happened at `at_ms` and calls for a version for
/// `reason`. Versions kept before they named their event are recognised by
/// their reason and time (the server keeps them with the event's time).
pub fn kept_for(versions: &[VersionSummary], seq: u64, reason: VersionReason, at_ms: u64) -> bool {
    versions.iter().any(|v| match v.event {
        Some(event) => event == seq,
        None => v.reason == reason && v.at_ms == at_ms,
    })
}

/// How much a meeting changed its draft: the text added and removed from
/// the version kept when silent reading started to the one kept when the
/// case was (last) published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeetingChange {
    /// Characters added, not counting white space.
    pub added_chars: u32,
    /// Characters removed, not counting white space.
    pub removed_chars: u32,
    /// Sections whose text changed, were added or were removed.
    pub sections_changed: u32,
    /// The draft's size when silent reading started, in characters without
    /// white space: what the changes compare to.
    pub draft_chars: u32,
}

/// [`MeetingChange`] for a case published after silent reading started;
/// `None` before that.
pub fn meeting_change(versions: &[Version]) -> Option<MeetingChange> {
    let start = reading_start(versions)?;
    let published = versions.iter().rev().find(|v| {
        v.version.reason == VersionReason::Published && v.version.id > start.version.id
    })?;
    let diff = diff_versions(&start.sections, &published.sections);
    let chars = |text: &str| text.chars().filter(|c| !c.is_whitespace()).count();
    Some(MeetingChange {
        added_chars: diff.iter().map(|s| s.added_chars).sum(),
        removed_chars: diff.iter().map(|s| s.removed_chars).sum(),
        sections_changed: u32::try_from(
            diff.iter()
                .filter(|s| s.change != SectionChange::Same)
                .count(),
        )
        .unwrap_or(u32::MAX),
        draft_chars: u32::try_from(
            start
                .sections
                .iter()
                .map(|s| chars(&s.markdown))
                .sum::<usize>(),
        )
        .unwrap_or(u32::MAX),
    })
}

/// Whether the section a question was about changed after its answer:
/// its text in the version kept when `comment_id` was answered against
/// `current`. `None` when no such version was kept.
pub fn edited_since_answer(
    versions: &[Version],
    comment_id: &str,
    section: &str,
    current: &[VersionSection],
) -> Option<bool> {
    let answered = versions.iter().rev().find(|v| {
        v.version.reason == VersionReason::Answered
            && v.version.comment_id.as_deref() == Some(comment_id)
    })?;
    let text = |sections: &[VersionSection]| {
        sections
            .iter()
            .find(|s| s.id == section)
            .map(|s| s.markdown.clone())
            .unwrap_or_default()
    };
    Some(text(&answered.sections) != text(current))
}

/// A version as stored: each section's text only where it changed since
/// the version before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredVersion {
    pub version: VersionSummary,
    pub sections: Vec<StoredSection>,
}

/// A section as stored in a [`StoredVersion`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSection {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_title: Option<String>,
    /// The text, or absent: as in the version before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub markdown: Option<String>,
}

/// The sections to store for `current`, given the version before it.
pub fn stored_sections(
    previous: Option<&[VersionSection]>,
    current: &[VersionSection],
) -> Vec<StoredSection> {
    current
        .iter()
        .map(|section| {
            let unchanged = previous
                .and_then(|p| p.iter().find(|s| s.id == section.id))
                .is_some_and(|before| before.markdown == section.markdown);
            StoredSection {
                id: section.id.clone(),
                custom_title: section.custom_title.clone(),
                markdown: (!unchanged).then(|| section.markdown.clone()),
            }
        })
        .collect()
}

/// A stored version that cannot be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("version {version} refers to the text of section `{section}` in the version before, which does not have it")]
pub struct ResolveError {
    pub version: u64,
    pub section: String,
}

/// Every version whole, from the stored ones in order.
pub fn resolve(stored: &[StoredVersion]) -> Result<Vec<Version>, ResolveError> {
    let mut versions: Vec<Version> = Vec::with_capacity(stored.len());
    for record in stored {
        let previous = versions.last().map(|v| v.sections.as_slice());
        let sections = record
            .sections
            .iter()
            .map(|s| {
                let markdown = match &s.markdown {
                    Some(text) => text.clone(),
                    None => previous
                        .and_then(|p| p.iter().find(|b| b.id == s.id))
                        .map(|b| b.markdown.clone())
                        .ok_or_else(|| ResolveError {
                            version: record.version.id,
                            section: s.id.clone(),
                        })?,
                };
                Ok(VersionSection {
                    id: s.id.clone(),
                    custom_title: s.custom_title.clone(),
                    markdown,
                })
            })
            .collect::<Result<Vec<_>, ResolveError>>()?;
        versions.push(Version {
            version: record.version.clone(),
            sections,
        });
    }
    Ok(versions)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(id: &str, markdown: &str) -> VersionSection {
        VersionSection {
            id: id.into(),
            custom_title: None,
            markdown: markdown.into(),
        }
    }

    fn summary(id: u64) -> VersionSummary {
        VersionSummary {
            id,
            label: "v".into(),
            phase: Phase::Drafting,
            at_ms: id,
            reason: VersionReason::Saved,
            comment_id: None,
            by: None,
            event: None,
        }
    }

    #[test]
    fn only_changed_sections_are_stored_and_all_come_back() {
        let first = vec![section("summary", "A"), section("impact", "B")];
        let second = vec![section("summary", "A"), section("impact", "B2")];
        let third = vec![section("impact", "B2"), section("custom-x", "")];
        let mut stored = vec![StoredVersion {
            version: summary(0),
            sections: stored_sections(None, &first),
        }];
        stored.push(StoredVersion {
            version: summary(1),
            sections: stored_sections(Some(&first), &second),
        });
        stored.push(StoredVersion {
            version: summary(2),
            sections: stored_sections(Some(&second), &third),
        });
        assert_eq!(stored[1].sections[0].markdown, None);
        assert_eq!(stored[1].sections[1].markdown.as_deref(), Some("B2"));
        assert_eq!(stored[2].sections[0].markdown, None);
        let whole = resolve(&stored).unwrap();
        assert_eq!(whole[0].sections, first);
        assert_eq!(whole[1].sections, second);
        assert_eq!(whole[2].sections, third);
    }

    #[test]
    fn a_stored_version_missing_its_base_is_an_error_not_a_guess() {
        let stored = vec![StoredVersion {
            version: summary(0),
            sections: vec![StoredSection {
                id: "summary".into(),
                custom_title: None,
                markdown: None,
            }],
        }];
        assert_eq!(
            resolve(&stored).unwrap_err(),
            ResolveError {
                version: 0,
                section: "summary".into()
            }
        );
    }

    #[test]
    fn a_diff_is_per_section_in_the_newer_order() {
        let old = vec![section("summary", "old words"), section("custom-a", "gone")];
        let new = vec![
            section("impact", "new"),
            section("summary", "old and new words"),
        ];
        let diff = diff_versions(&old, &new);
        let shape: Vec<(&str, SectionChange, u32, u32)> = diff
            .iter()
            .map(|s| (s.id.as_str(), s.change, s.added_chars, s.removed_chars))
            .collect();
        assert_eq!(
            shape,
            vec![
                ("impact", SectionChange::Added, 3, 0),
                ("summary", SectionChange::Changed, 6, 0),
                ("custom-a", SectionChange::Removed, 0, 4),
            ]
        );
        let same = diff_versions(&new, &new);
        assert!(same.iter().all(|s| s.change == SectionChange::Same));
    }

    #[test]
    fn a_section_counts_as_edited_after_an_answer_only_if_its_text_changed() {
        let answered = Version {
            version: VersionSummary {
                reason: VersionReason::Answered,
                comment_id: Some("q1".into()),
                ..summary(0)
            },
            sections: vec![section("system", "MySQL on EC2."), section("qa", "")],
        };
        let versions = [answered];
        let same = [section("system", "MySQL on EC2."), section("qa", "Q: why?")];
        let edited = [section("system", "MySQL on EC2: RDS lacked a plugin.")];
        assert_eq!(
            edited_since_answer(&versions, "q1", "system", &same),
            Some(false)
        );
        assert_eq!(
            edited_since_answer(&versions, "q1", "system", &edited),
            Some(true)
        );
        assert_eq!(edited_since_answer(&versions, "q2", "system", &same), None);
    }

    fn kept(id: u64, reason: VersionReason, sections: Vec<VersionSection>) -> Version {
        Version {
            version: VersionSummary {
                reason,
                ..summary(id)
            },
            sections,
        }
    }

    #[test]
    fn a_meeting_change_counts_from_reading_start_to_the_last_publication() {
        let versions = [
            kept(0, VersionReason::Saved, vec![section("summary", "x")]),
            kept(
                1,
                VersionReason::SilentReadingStarted,
                vec![
                    section("summary", "The disk filled quickly."),
                    section("impact", ""),
                ],
            ),
            kept(
                2,
                VersionReason::Published,
                vec![
                    section("summary", "The log disk filled."),
                    section("impact", ""),
                ],
            ),
            kept(
                3,
                VersionReason::Published,
                vec![
                    section("summary", "The log disk filled up."),
                    section("impact", "Writes failed."),
                ],
            ),
        ];
        assert_eq!(
            meeting_change(&versions),
            Some(MeetingChange {
                added_chars: 3 + 2 + 13,
                removed_chars: 7,
                sections_changed: 2,
                draft_chars: 21,
            })
        );
        assert_eq!(meeting_change(&versions[..2]), None, "not published");
        assert_eq!(meeting_change(&versions[2..]), None, "no reading start");
    }

    #[test]
    fn a_version_is_recognised_as_kept_for_its_event_by_place_or_by_reason_and_time() {
        let named = VersionSummary {
            event: Some(4),
            reason: VersionReason::SilentReadingStarted,
            ..summary(0)
        };
        let unnamed = VersionSummary {
            reason: VersionReason::RevisionStarted,
            at_ms: 900,
            ..summary(1)
        };
        let versions = [named, unnamed];
        assert!(kept_for(
            &versions,
            4,
            VersionReason::SilentReadingStarted,
            0
        ));
        assert!(!kept_for(
            &versions,
            5,
            VersionReason::SilentReadingStarted,
            0
        ));
        assert!(kept_for(&versions, 9, VersionReason::RevisionStarted, 900));
        assert!(!kept_for(&versions, 9, VersionReason::RevisionStarted, 901));
    }

    #[test]
    fn template_sections_are_titled_in_the_readers_language() {
        assert_eq!(section_title("summary", None, false), "Summary");
        assert_eq!(section_title("summary", None, true), "概要");
        assert_eq!(section_title("custom-x", Some("Costs"), true), "Costs");
    }
}
