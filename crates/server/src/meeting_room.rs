//! The meeting room (`GET /sync/{id}/meeting`): a yrs document that only the
//! server writes, projecting the meeting's state for every client to read.
//!
//! The projection is data: root maps of key → JSON text. Writing it changes
//! only the entries that differ, so projecting the same state twice sends
//! nothing, and projecting after a restart catches the room up with the
//! state. The room's document is stored like any other (so replicas that
//! clients hold stay valid across restarts); the meeting's own records are
//! the source of truth.

use crate::store::PostmortemRecord;
use std::collections::BTreeMap;
use yrs::{Any, Map, Out, TransactionMut, WriteTxn};

/// Root map name → key → value as JSON text.
pub type Projection = BTreeMap<&'static str, BTreeMap<String, String>>;

/// Root map with what the postmortem is (title, phase).
pub const POSTMORTEM: &str = "postmortem";

/// What the meeting room shows for a postmortem. (The meeting engine adds
/// its phase, timer, comments and kudos here.)
pub fn projection(record: &PostmortemRecord) -> Projection {
    let json = |v: serde_json::Value| v.to_string();
    let mut postmortem = BTreeMap::new();
    postmortem.insert("id".to_owned(), json(record.id.clone().into()));
    postmortem.insert("title".to_owned(), json(record.title.clone().into()));
    postmortem.insert("created_at".to_owned(), json(record.created_at.into()));
    postmortem.insert("phase".to_owned(), json("drafting".into()));
    Projection::from([(POSTMORTEM, postmortem)])
}

/// Makes the room's maps equal to `projection`, touching only what differs.
pub fn write_projection(txn: &mut TransactionMut, projection: &Projection) {
    for (root, entries) in projection {
        let map = txn.get_or_insert_map(*root);
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
                map.get(txn, key),
                Some(Out::Any(Any::String(current))) if *current == **value
            );
            if !unchanged {
                map.insert(txn, key.as_str(), value.as_str());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use casebook_core::document::new_doc;
    use yrs::{ReadTxn, Transact};

    fn record(title: &str) -> PostmortemRecord {
        PostmortemRecord {
            id: "pm1".into(),
            title: title.into(),
            created_at: 1,
            incident: None,
        }
    }

    #[test]
    fn projecting_the_same_state_twice_changes_nothing() {
        let doc = new_doc();
        write_projection(&mut doc.transact_mut(), &projection(&record("障害 🔥")));
        let before = doc.transact().state_vector();
        let mut txn = doc.transact_mut();
        write_projection(&mut txn, &projection(&record("障害 🔥")));
        assert!(txn.encode_update_v1().len() <= 2, "an empty update");
        drop(txn);
        assert_eq!(doc.transact().state_vector(), before);
    }

    #[test]
    fn a_changed_entry_is_replaced_and_a_dropped_one_removed() {
        let doc = new_doc();
        write_projection(&mut doc.transact_mut(), &projection(&record("old")));
        let mut smaller = projection(&record("new"));
        smaller.get_mut(POSTMORTEM).unwrap().remove("phase");
        write_projection(&mut doc.transact_mut(), &smaller);
        let txn = doc.transact();
        let map = txn.get_map(POSTMORTEM).unwrap();
        assert_eq!(map.get(&txn, "title").unwrap().to_string(&txn), "\"new\"");
        assert!(map.get(&txn, "phase").is_none());
    }
}
