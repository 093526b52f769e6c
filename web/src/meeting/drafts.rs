//! Drafts: what someone is typing into a meeting input (an answer, a kudos
//! card, a reply, a decline reason, a resolve note), kept in this browser so
//! that a phase change, a reload or a closed tab never loses it.
//!
//! One [`Draft`] per postmortem, person and *thing* (`answer:{comment id}`,
//! `kudos:text`, …), shared by every view that shows that input (a card is
//! drawn in the list and in the spotlight at once). Its text lives in a
//! signal owned by the [`Session`], not by a phase's view, and in
//! localStorage under `casebook.drafts.{pm}.{who}.{thing}`: sessionStorage
//! dies with the tab, and an author who closes the tab and opens the link
//! again must find their answer. `who` is the role link's tail, so two role
//! links of one postmortem in one browser keep their own drafts (as their
//! personal tokens in `commands.rs`). A draft is cleared only when the
//! command that sends it succeeds; a refused one keeps its text.
//!
//! Writing in a draft also marks it as *typed in* for a while; the session
//! shares those marks through presence, so the facilitator sees who is
//! still typing and the author sees who else is answering.

use super::Session;
use crate::storage;
use leptos::prelude::*;

/// How long after the last keystroke someone still counts as typing.
pub const TYPING_FRESH_MS: f64 = 45_000.0;

/// A draft as the session keeps it: its thing's name and its text.
pub type Slot = (StoredValue<String>, RwSignal<String>);

/// One input's draft: `Copy`, so views and callbacks share it freely.
#[derive(Clone, Copy)]
pub struct Draft {
    session: Session,
    thing: StoredValue<String>,
    text: RwSignal<String>,
}

/// Where a draft is kept.
pub fn storage_key(pm: &str, who: &str, thing: &str) -> String {
    format!("casebook.drafts.{pm}.{who}.{thing}")
}

impl Draft {
    /// The draft of `thing`, restored from this browser the first time.
    /// Everything it holds is owned by the session, so a callback that
    /// runs after its view went away (a resolved item leaves the list
    /// before its command answers) still finds it.
    pub fn of(session: Session, thing: impl Into<String>) -> Draft {
        let thing = thing.into();
        let (thing, text) = session.draft_signal(&thing, || {
            storage::load(&session.draft_key(&thing)).unwrap_or_default()
        });
        Draft {
            session,
            thing,
            text,
        }
    }

    /// The text (tracked).
    pub fn get(&self) -> String {
        self.text.get()
    }

    pub fn get_untracked(&self) -> String {
        self.text.get_untracked()
    }

    /// Reads the text without cloning it (tracked).
    pub fn text_with<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        self.text.with(|text| f(text))
    }

    /// Whether there is nothing but spaces (tracked).
    pub fn is_blank(&self) -> bool {
        self.text.with(|t| t.trim().is_empty())
    }

    /// Whether there is nothing but spaces, untracked.
    pub fn is_blank_untracked(&self) -> bool {
        self.text.with_untracked(|t| t.trim().is_empty())
    }

    /// What was typed: kept, and marked as typed in now.
    pub fn set(&self, text: String) {
        let key = self.session.draft_key(&self.thing.get_value());
        if text.is_empty() {
            storage::remove(&key);
        } else {
            storage::save(&key, &text);
        }
        self.session
            .typed_in(&self.thing.get_value(), !text.trim().is_empty());
        self.text.set(text);
    }

    /// The command that sent the draft succeeded: forget it. Text typed
    /// after `sent` was taken (while the command was on its way) is kept.
    pub fn sent(&self, sent: &str) {
        if self.text.with_untracked(|t| t.trim() == sent.trim()) {
            self.set(String::new());
        }
    }
}
