//! Who is here: our presence (name, colour, caret, section read, meeting
//! inputs typed in) sent as y-sync awareness, and the others' turned into
//! [`Peer`]s.

use super::*;

/// The others whose state was last renewed more than [`STALE_AFTER_MS`]
/// before `now_ms` (by our clock, when we received it): they left without
/// saying so. Our own state never goes stale.
fn stale_states(awareness: &Awareness, now_ms: f64) -> Vec<yrs::block::ClientID> {
    let me = awareness.client_id();
    awareness
        .iter()
        .filter(|(id, state)| {
            *id != me
                && state.data.is_some()
                && now_ms - (state.last_updated as f64) > STALE_AFTER_MS
        })
        .map(|(id, _)| id)
        .collect()
}

impl Client {
    /// A section's text lost the focus: our selection there is no longer
    /// shown to the others.
    pub fn blurred(&self, section: &str) {
        let mut presence = self.0.presence.borrow_mut();
        let here = presence.cursor_section() == Some(section);
        let changed = here && presence.set_cursor(None);
        drop(presence);
        if changed {
            self.publish_presence();
        }
    }

    /// Our meeting identity, for the others to count us once.
    pub fn set_person(&self, person: Option<String>) {
        let changed = self.0.presence.borrow_mut().set_person(person);
        if changed {
            self.publish_presence();
        }
    }

    /// The meeting inputs we are writing in (see [`crate::presence`]).
    pub fn set_typing(&self, typing: Vec<String>) {
        let changed = self.0.presence.borrow_mut().set_typing(typing);
        if changed {
            self.publish_presence();
        }
    }

    /// The section we are reading (scrolled to) changed.
    pub fn reading(&self, section: Option<String>) {
        let changed = self.0.presence.borrow_mut().set_section(section);
        if changed {
            self.publish_presence();
        }
    }

    /// Renames us for the others (keeping our colour).
    pub fn rename(&self, name: String) {
        let color = self.0.presence.borrow().color().to_owned();
        self.set_user(name, color);
    }

    /// Sets our name and colour for the others.
    fn set_user(&self, name: String, color: String) {
        self.0.presence.borrow_mut().set_user(name, color);
        self.publish_presence();
    }

    /// Sets our awareness state from [`Presence`] and sends it.
    pub(super) fn publish_presence(&self) {
        let state = self.0.presence.borrow().to_json();
        self.0.awareness.borrow_mut().set_local_state_raw(state);
        self.send_presence();
        self.refresh_peers();
    }

    pub(super) fn send_presence(&self) {
        let awareness = self.0.awareness.borrow();
        let me = awareness.client_id();
        if let Ok(update) = awareness.update_with_clients([me]) {
            drop(awareness);
            self.send(&Message::Awareness(update));
        }
    }

    pub(super) fn refresh_peers(&self) {
        let awareness = self.0.awareness.borrow();
        let me = awareness.client_id();
        let mut peers = Peer::all(&awareness, me);
        drop(awareness);
        // Offline we cannot know who is still here (y-websocket forgets them
        // too); their states come back, or expire, once we reconnect.
        if matches!(
            self.0.status.get_untracked(),
            Status::Offline | Status::Revoked
        ) {
            peers.retain(|p| p.me);
        }
        // Two people with one colour: the one who came later (higher id)
        // takes a free colour for this visit.
        let mine = self.0.presence.borrow().color().to_owned();
        let clash = peers
            .iter()
            .any(|p| !p.me && p.color == mine && p.id < me.get());
        if clash {
            let used: Vec<&str> = peers.iter().map(|p| p.color.as_str()).collect();
            if let Some(color) = presence::unused_color(&used) {
                let name = self.0.presence.borrow().name().to_owned();
                self.set_user(name, color);
                return;
            }
        }
        if self.0.peers.with_untracked(|old| *old != peers) {
            self.0.peers.set(peers);
            self.decorate_all();
        }
    }

    /// Every 15 s: renew our presence and forget people not heard of for
    /// 30 s. (The connection itself notices a socket that went silent.)
    pub(super) fn tick(&self) {
        let inner = &self.0;
        let now = now_ms();
        {
            let mut awareness = inner.awareness.borrow_mut();
            for id in stale_states(&awareness, now) {
                awareness.remove_state(id);
            }
        }
        self.publish_presence();
    }

    /// The page is going away: tell the others we left.
    pub(super) fn leave(&self) {
        self.0.awareness.borrow_mut().clean_local_state();
        self.send_presence();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// The test's clock, moved by hand.
    static NOW: AtomicU64 = AtomicU64::new(0);

    fn test_clock() -> u64 {
        NOW.load(Ordering::SeqCst)
    }

    /// Someone else's page, present with `name`, heard by `ours` at `at_ms`.
    fn heard(ours: &mut Awareness, name: &str, at_ms: u64) -> yrs::block::ClientID {
        let mut theirs = Awareness::new(new_doc());
        theirs.set_local_state_raw(format!(r#"{{"user":{{"name":"{name}"}}}}"#));
        NOW.store(at_ms, Ordering::SeqCst);
        ours.apply_update(theirs.update().expect("their state"))
            .expect("applies");
        theirs.client_id()
    }

    #[test]
    fn people_not_heard_of_for_thirty_seconds_are_forgotten_but_never_we() {
        let mut ours = Awareness::with_clock(new_doc(), test_clock);
        ours.set_local_state_raw(r#"{"user":{"name":"Aiko"}}"#);
        let early = heard(&mut ours, "Ben", 0);
        let late = heard(&mut ours, "Chiara", 20_000);
        assert_ne!(early, late);

        assert_eq!(stale_states(&ours, 30_000.0), Vec::new());
        assert_eq!(stale_states(&ours, 30_001.0), vec![early]);
        let mut at_the_end = stale_states(&ours, 60_000.0);
        at_the_end.sort_unstable();
        let mut both = vec![early, late];
        both.sort_unstable();
        assert_eq!(at_the_end, both);
    }
}
