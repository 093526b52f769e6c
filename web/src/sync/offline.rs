//! Local saving: a writer's replica is kept in this browser
//! ([`crate::persist`]) so that edits made offline survive a reload.

use super::*;

impl Client {
    /// Keeps the local replica in this browser soon (at most every 300 ms).
    pub(super) fn schedule_save(&self) {
        if !self.0.can_edit || self.0.save_scheduled.replace(true) {
            return;
        }
        let weak = Rc::downgrade(&*self.0);
        set_timeout(
            move || with_client(&weak, |c| c.save_now()),
            Duration::from_millis(300),
        );
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
