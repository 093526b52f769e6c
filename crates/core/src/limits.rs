//! Input limits: the longest text each field accepts, in characters.
//!
//! The one list the server validates against and the browser gives its
//! inputs as `maxlength`, so a field never accepts in the browser what the
//! server then refuses. Byte and rate limits of sockets are operator
//! settings of the server (`--max-*` flags), not here.

/// Longest command id, comment id or participant id.
pub const MAX_ID_CHARS: usize = 128;
/// Longest display name a command carries.
pub const MAX_NAME_CHARS: usize = 80;
/// Longest name typed when joining through an invite link; shorter than
/// [`MAX_NAME_CHARS`] so it fits a presence badge.
pub const MAX_JOIN_NAME_CHARS: usize = 60;
/// A person's team, given at join next to the name (optional) or read from
/// the identity provider's claim.
pub const MAX_TEAM_CHARS: usize = 40;
/// Longest postmortem title (created or imported).
pub const MAX_POSTMORTEM_TITLE_CHARS: usize = 200;
/// Longest section title, short enough for the outline.
pub const MAX_SECTION_TITLE_CHARS: usize = 120;
/// Longest comment, reply or survey free text.
pub const MAX_TEXT_CHARS: usize = 4000;
/// Longest recorded answer; answers gather what several people said.
pub const MAX_ANSWER_CHARS: usize = 8000;
/// Longest decline reason, resolution note or phase override reason.
pub const MAX_REASON_CHARS: usize = 2000;
/// Longest kudos card text.
pub const MAX_KUDOS_CHARS: usize = 2000;
/// Longest name on a kudos card.
pub const MAX_KUDOS_TO_CHARS: usize = 100;
/// Longest section name in an anchor.
pub const MAX_SECTION_CHARS: usize = 200;
/// Longest quote in an anchor.
pub const MAX_QUOTE_CHARS: usize = 2000;
/// A suggestion's replacement words: as long as the words it may replace.
pub const MAX_REPLACEMENT_CHARS: usize = MAX_QUOTE_CHARS;
/// An action item's title: one task, said in a sentence or two.
pub const MAX_ACTION_TITLE_CHARS: usize = 300;
/// Longest label of a saved version of the document.
pub const MAX_VERSION_LABEL_CHARS: usize = 120;
/// Longest timer duration or extension: three hours, longer than any meeting.
pub const MAX_TIMER_SECS: u64 = 3 * 60 * 60;

/// Longest Mermaid diagram source drawn, in bytes: its address carries it
/// (base64, about 4/3 as long), and URLs past 8 KiB are cut by some
/// proxies. A longer block shows as its source.
pub const MAX_DIAGRAM_SOURCE_BYTES: usize = 6000;
