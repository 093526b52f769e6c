//! The meeting room's schema: what `GET /sync/{id}/meeting` holds, written
//! by the server ([`write`]) and read by the browser ([`read`]), here once.
//!
//! The room is a yrs document of root maps whose values are JSON text:
//!
//! | root map | key → value |
//! | --- | --- |
//! | [`POSTMORTEM`] | `id`, `title`, `created_at` (seconds), `phase` |
//! | [`MEETING`] | `phase`, `timer`, `timer_plans`, `settings`, `history`, `spotlight`, `done_reading`, `published`, `counts`, `reading`, `versions` |
//! | [`COMMENTS`] | comment id → [`Comment`] |
//! | [`KUDOS`] | card id → [`Kudos`] |
//! | [`ACTION_ITEMS`] | action item id → [`ActionItem`] |
//!
//! Writing changes only the entries that differ, so writing the same
//! contents twice sends nothing, and writing after a restart catches the
//! room up. Reading is lenient: an entry that does not parse (a newer
//! server, a damaged value) reads as its default and the rest still shows.
//! The room never holds what [`crate::meeting::PublicMeeting`] leaves out.

use crate::action_item::ActionItem;
use crate::comment::{Comment, Kudos};
use crate::meeting::{Counts, PhaseEntry, Publication, ReadingProgress, Settings, TimerPlan};
use crate::phase::Phase;
use crate::timer::Timer;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use yrs::{Any, Map, Out, ReadTxn, TransactionMut, WriteTxn};

/// Root map: what the postmortem is.
pub const POSTMORTEM: &str = "postmortem";
/// Root map: the meeting's state, one key per part.
pub const MEETING: &str = "meeting";
/// Root map: comment id → comment.
pub const COMMENTS: &str = "comments";
/// Root map: kudos card id → card.
pub const KUDOS: &str = "kudos";
/// Root map: action item id → action item.
pub const ACTION_ITEMS: &str = "action_items";

/// The postmortem a room is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct About {
    pub id: String,
    pub title: String,
    /// Seconds since the epoch.
    pub created_at: u64,
}

/// Everything the meeting room holds.
#[derive(Debug, Clone, PartialEq)]
pub struct RoomContents {
    /// `None` until the server wrote the room.
    pub about: Option<About>,
    pub phase: Phase,
    pub timer: Timer,
    /// Each phase's planned time, where it differs from the default.
    pub timer_plans: BTreeMap<Phase, TimerPlan>,
    pub settings: Settings,
    pub history: Vec<PhaseEntry>,
    pub spotlight: Option<String>,
    /// Person ids of those done reading.
    pub done_reading: BTreeSet<String>,
    /// The readers here and who of them is done.
    pub reading: ReadingProgress,
    pub published: Option<Publication>,
    pub counts: Counts,
    /// In the order they were posted.
    pub comments: Vec<Comment>,
    /// In the order they were posted.
    pub kudos: Vec<Kudos>,
    /// In the order they were created.
    pub action_items: Vec<ActionItem>,
    /// How many versions of the document the server has kept: it changes
    /// whenever one is kept, so an open History list knows to fetch the
    /// list again (the list itself stays behind the API).
    pub versions: u64,
}

impl Default for RoomContents {
    fn default() -> Self {
        RoomContents {
            about: None,
            phase: Phase::Drafting,
            timer: Timer::default(),
            timer_plans: BTreeMap::new(),
            settings: Settings::default(),
            history: Vec::new(),
            spotlight: None,
            done_reading: BTreeSet::new(),
            reading: ReadingProgress::default(),
            published: None,
            counts: Counts::default(),
            comments: Vec::new(),
            kudos: Vec::new(),
            action_items: Vec::new(),
            versions: 0,
        }
    }
}

/// Root map name → key → value as JSON text.
type Entries = BTreeMap<&'static str, BTreeMap<String, String>>;

fn json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).expect("room values always serialise")
}

/// The entries of every root map, as [`write`] stores them.
fn entries(room: &RoomContents) -> Entries {
    let mut entries = Entries::new();
    if let Some(about) = &room.about {
        entries.insert(
            POSTMORTEM,
            BTreeMap::from([
                ("id".to_owned(), json(&about.id)),
                ("title".to_owned(), json(&about.title)),
                ("created_at".to_owned(), json(&about.created_at)),
                ("phase".to_owned(), json(&room.phase)),
            ]),
        );
    }
    entries.insert(
        MEETING,
        BTreeMap::from([
            ("phase".to_owned(), json(&room.phase)),
            ("timer".to_owned(), json(&room.timer)),
            ("timer_plans".to_owned(), json(&room.timer_plans)),
            ("settings".to_owned(), json(&room.settings)),
            ("history".to_owned(), json(&room.history)),
            ("spotlight".to_owned(), json(&room.spotlight)),
            ("done_reading".to_owned(), json(&room.done_reading)),
            ("published".to_owned(), json(&room.published)),
            ("counts".to_owned(), json(&room.counts)),
            ("reading".to_owned(), json(&room.reading)),
            ("versions".to_owned(), json(&room.versions)),
        ]),
    );
    entries.insert(
        COMMENTS,
        room.comments
            .iter()
            .map(|c| (c.id.clone(), json(c)))
            .collect(),
    );
    entries.insert(
        KUDOS,
        room.kudos.iter().map(|k| (k.id.clone(), json(k))).collect(),
    );
    entries.insert(
        ACTION_ITEMS,
        room.action_items
            .iter()
            .map(|a| (a.id.clone(), json(a)))
            .collect(),
    );
    entries
}

/// Makes the room's maps hold `room`, touching only what differs.
pub fn write(txn: &mut TransactionMut, room: &RoomContents) {
    for (root, entries) in entries(room) {
        let map = txn.get_or_insert_map(root);
        let stale: Vec<String> = map
            .keys(txn)
            .filter(|key| !entries.contains_key(*key))
            .map(str::to_owned)
            .collect();
        for key in stale {
            map.remove(txn, &key);
        }
        for (key, value) in entries {
            let unchanged = matches!(
                map.get(txn, &key),
                Some(Out::Any(Any::String(current))) if *current == *value
            );
            if !unchanged {
                map.insert(txn, key, value);
            }
        }
    }
}

/// Reads the room; what is missing or does not parse reads as its default.
pub fn read<T: ReadTxn>(txn: &T) -> RoomContents {
    let about = (|| {
        Some(About {
            id: entry(txn, POSTMORTEM, "id")?,
            title: entry(txn, POSTMORTEM, "title")?,
            created_at: entry(txn, POSTMORTEM, "created_at")?,
        })
    })();
    let mut comments: Vec<Comment> = values(txn, COMMENTS);
    comments.sort_by(|a, b| a.at_ms.cmp(&b.at_ms).then_with(|| a.id.cmp(&b.id)));
    let mut kudos: Vec<Kudos> = values(txn, KUDOS);
    kudos.sort_by(|a, b| a.at_ms.cmp(&b.at_ms).then_with(|| a.id.cmp(&b.id)));
    let mut action_items: Vec<ActionItem> = values(txn, ACTION_ITEMS);
    action_items.sort_by(|a, b| a.at_ms.cmp(&b.at_ms).then_with(|| a.id.cmp(&b.id)));
    RoomContents {
        about,
        phase: entry(txn, MEETING, "phase").unwrap_or(Phase::Drafting),
        timer: meeting(txn, "timer"),
        timer_plans: meeting(txn, "timer_plans"),
        settings: meeting(txn, "settings"),
        history: meeting(txn, "history"),
        spotlight: meeting(txn, "spotlight"),
        done_reading: meeting(txn, "done_reading"),
        reading: meeting(txn, "reading"),
        published: meeting(txn, "published"),
        counts: meeting(txn, "counts"),
        comments,
        kudos,
        action_items,
        versions: meeting(txn, "versions"),
    }
}

/// A key of the [`MEETING`] map, or its default.
fn meeting<V: DeserializeOwned + Default, T: ReadTxn>(txn: &T, key: &str) -> V {
    entry(txn, MEETING, key).unwrap_or_default()
}

fn entry_text<T: ReadTxn>(txn: &T, root: &str, key: &str) -> Option<String> {
    match txn.get_map(root)?.get(txn, key)? {
        Out::Any(Any::String(text)) => Some(text.to_string()),
        _ => None,
    }
}

fn parse<V: DeserializeOwned>(text: Option<String>) -> Option<V> {
    serde_json::from_str(&text?).ok()
}

fn entry<V: DeserializeOwned, T: ReadTxn>(txn: &T, root: &str, key: &str) -> Option<V> {
    parse(entry_text(txn, root, key))
}

/// Every value of the map `root` that parses.
fn values<V: DeserializeOwned, T: ReadTxn>(txn: &T, root: &str) -> Vec<V> {
    let Some(map) = txn.get_map(root) else {
        return Vec::new();
    };
    map.iter(txn)
        .filter_map(|(_, value)| match value {
            Out::Any(Any::String(text)) => serde_json::from_str(&text).ok(),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::new_doc;
    use yrs::{Transact, WriteTxn};

    fn about(title: &str) -> RoomContents {
        RoomContents {
            about: Some(About {
                id: "pm1".into(),
                title: title.into(),
                created_at: 1,
            }),
            ..RoomContents::default()
        }
    }

    #[test]
    fn writing_the_same_contents_twice_changes_nothing() {
        let doc = new_doc();
        write(&mut doc.transact_mut(), &about("障害 🔥"));
        let before = doc.transact().state_vector();
        let mut txn = doc.transact_mut();
        write(&mut txn, &about("障害 🔥"));
        assert!(txn.encode_update_v1().len() <= 2, "an empty update");
        drop(txn);
        assert_eq!(doc.transact().state_vector(), before);
    }

    #[test]
    fn what_is_written_is_read_back() {
        let doc = new_doc();
        let mut room = about("new");
        room.phase = Phase::QAndA;
        room.spotlight = Some("c1".into());
        write(&mut doc.transact_mut(), &room);
        assert_eq!(read(&doc.transact()), room);
        // A changed entry is replaced, a dropped one removed.
        room.spotlight = None;
        room.about = None;
        write(&mut doc.transact_mut(), &room);
        let back = read(&doc.transact());
        assert_eq!(back.spotlight, None);
        assert_eq!(back.phase, Phase::QAndA);
    }

    #[test]
    fn an_entry_that_does_not_parse_reads_as_its_default() {
        let doc = new_doc();
        write(&mut doc.transact_mut(), &about("t"));
        {
            let mut txn = doc.transact_mut();
            let meeting = txn.get_or_insert_map(MEETING);
            meeting.insert(&mut txn, "timer", "{not json");
            let comments = txn.get_or_insert_map(COMMENTS);
            comments.insert(&mut txn, "c9", "[]");
        }
        let back = read(&doc.transact());
        assert_eq!(back.timer, Timer::default());
        assert!(back.comments.is_empty());
        assert_eq!(back.about.map(|a| a.title), Some("t".into()));
    }
}
