//! Local saving: a writer's replica is kept in this browser
//! ([`crate::persist`]) so that edits made offline survive a reload, and
//! what was edited while no socket was open is sent when one opens again.
//! Viewers keep nothing: they never write.

use super::*;

/// How long a burst of typing may go unsaved: one save per pause.
const SAVE_AFTER: Duration = Duration::from_millis(300);

/// Applies a replica kept by an earlier visit (`kept`: a v1 update of its
/// whole state) to `doc`, with the [`REMOTE`] origin so that it is neither
/// sent as a local edit nor undone by the undo button. On an error `doc`
/// is unchanged.
pub(super) fn apply_kept(doc: &Doc, kept: &[u8]) -> Result<(), String> {
    let update = Update::decode_v1(kept).map_err(|e| format!("kept edits unreadable: {e}"))?;
    doc.transact_mut_with(REMOTE)
        .apply_update(update)
        .map_err(|e| format!("kept edits not applied: {e}"))
}

/// Loads the replica this browser kept for `pm_id`, if any.
pub(super) fn restore_kept(doc: &Doc, pm_id: &str) {
    let Some(kept) = persist::load(pm_id) else {
        return;
    };
    if let Err(e) = apply_kept(doc, &kept) {
        warn(&format!("casebook: {e}"));
    }
}

/// The state of the replica this browser kept for `pm_id` (empty when it
/// kept none, or it is unreadable): what the page will have once it is
/// restored, for a hello said before the replica exists (`open_early`).
pub fn kept_state(pm_id: &str) -> StateVector {
    persist::load(pm_id)
        .and_then(|kept| Update::decode_v1(&kept).ok())
        .map(|update| update.state_vector())
        .unwrap_or_default()
}

/// What to send when a socket opens again: if edits were made while
/// offline, everything the server lacked when we last heard from it
/// (`server`, its state vector then). Without that state vector there is
/// nothing to compare with; the server's step 1 asks for it all anyway.
pub(super) fn unsent_edits<T: ReadTxn>(
    txn: &T,
    server: Option<&StateVector>,
    offline_edits: bool,
) -> Option<Vec<u8>> {
    let server = server.filter(|_| offline_edits)?;
    Some(txn.encode_state_as_update_v1(server))
}

impl Client {
    /// Keeps the local replica in this browser soon (at most every 300 ms).
    pub(super) fn schedule_save(&self) {
        if !self.0.can_edit || self.0.save_scheduled.replace(true) {
            return;
        }
        let weak = Rc::downgrade(&*self.0);
        set_timeout(move || with_client(&weak, |c| c.save_now()), SAVE_AFTER);
    }

    pub(super) fn save_now(&self) {
        let inner = &self.0;
        inner.save_scheduled.set(false);
        if !inner.can_edit {
            return;
        }
        let state = inner
            .doc
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        persist::save(&inner.pm_id, &state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yrs::{GetString, Text};

    fn summary(doc: &Doc) -> String {
        let text = doc.get_or_insert_text("summary");
        let txn = doc.transact();
        text.get_string(&txn)
    }

    fn write(doc: &Doc, words: &str) {
        let text = doc.get_or_insert_text("summary");
        let mut txn = doc.transact_mut_with(LOCAL);
        let end = text.len(&txn);
        text.insert(&mut txn, end, words);
    }

    #[test]
    fn a_kept_replica_comes_back_on_the_next_visit() {
        let earlier = new_doc();
        write(&earlier, "Disk filled at 03:12.");
        let kept = earlier
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        let now = new_doc();
        apply_kept(&now, &kept).expect("applies");
        assert_eq!(summary(&now), "Disk filled at 03:12.");
    }

    #[test]
    fn an_unreadable_kept_replica_changes_nothing_and_says_so() {
        let now = new_doc();
        write(&now, "typed today");
        let before = now.transact().state_vector();
        let error = apply_kept(&now, &[0xff, 0xff, 0xff]).expect_err("garbage");
        assert!(error.contains("unreadable"), "{error}");
        assert_eq!(now.transact().state_vector(), before);
        assert_eq!(summary(&now), "typed today");
    }

    #[test]
    fn only_edits_made_offline_are_sent_and_only_what_the_server_lacks() {
        let server = new_doc();
        let ours = new_doc();
        write(&ours, "Synced words. ");
        let synced = ours
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        server
            .transact_mut()
            .apply_update(Update::decode_v1(&synced).expect("update"))
            .expect("applies");
        let server_state = server.transact().state_vector();
        write(&ours, "Offline words.");

        assert_eq!(
            unsent_edits(&ours.transact(), Some(&server_state), false),
            None
        );
        assert_eq!(unsent_edits(&ours.transact(), None, true), None);

        let unsent = unsent_edits(&ours.transact(), Some(&server_state), true).expect("some");
        // Only the new words travel, and the server ends up with both.
        assert!(unsent.len() < synced.len() + "Offline words.".len());
        server
            .transact_mut()
            .apply_update(Update::decode_v1(&unsent).expect("update"))
            .expect("applies");
        assert_eq!(summary(&server), "Synced words. Offline words.");
    }
}
