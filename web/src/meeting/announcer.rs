//! The meeting's spoken side: one polite live region (`#announcer`) that
//! tells screen-reader users what others see happen — the phase changed
//! (and which one was completed), the phase's time is up, and, for whoever
//! answers in Q&A, that a question was put in the spotlight for them.
//!
//! Only changes are announced, never the state a page finds when it loads
//! or reconnects: each watcher starts once the room has loaded.

use super::Session;
use crate::i18n::{phase_completed, Key};
use casebook_core::guide::{self, Instruction};
use casebook_core::phase::Phase;
use leptos::prelude::*;
use std::time::Duration;

/// Says `text` in the live region. The region is emptied first, so the same
/// words said twice are announced twice.
fn say(region: RwSignal<String>, text: String) {
    region.set(String::new());
    set_timeout(move || region.set(text), Duration::from_millis(100));
}

#[component]
pub fn Announcer(session: Session) -> impl IntoView {
    let region = RwSignal::new(String::new());
    let loaded = move || session.room.with(|r| r.loaded);
    // The phase moved: "Silent reading completed. Now: Q&A."
    Effect::new(move |before: Option<Option<Phase>>| {
        let phase = loaded().then(|| session.phase())?;
        if let Some(Some(from)) = before {
            if from != phase {
                let lang = session.lang.get_untracked();
                let name = |p: Phase| crate::i18n::t(lang, super::phase_key(p));
                let text = if phase > from {
                    phase_completed(lang, name(from), name(phase))
                } else {
                    format!("{} {}", crate::i18n::t(lang, Key::NowPhase), name(phase))
                };
                say(region, text);
            }
        }
        Some(phase)
    });
    // The phase's time ran out while we watched.
    Effect::new(move |before: Option<Option<bool>>| {
        let up = loaded().then(|| {
            let now = session.now_ms.get();
            session.room.with(|r| r.timer.is_up(now))
        })?;
        if up && before == Some(Some(false)) {
            let lang = session.lang.get_untracked();
            let phase = crate::i18n::t(lang, super::phase_key(session.phase()));
            say(
                region,
                format!("{} ({phase})", crate::i18n::t(lang, Key::TimeUp)),
            );
        }
        Some(up)
    });
    // A question is in the spotlight, and answering it is our part.
    Effect::new(move |before: Option<Option<Option<String>>>| {
        let spotlight = loaded().then(|| session.room.with(|r| r.spotlight.clone()))?;
        let ours = session.role.get().is_some_and(|role| {
            guide::instruction(session.phase(), role) == Instruction::AnswerSpotlight
        });
        if let (Some(Some(previous)), Some(id)) = (&before, &spotlight) {
            if ours && previous.as_ref() != Some(id) {
                let lang = session.lang.get_untracked();
                let question = session
                    .room
                    .with(|r| r.comment(id).map(|c| c.text.clone()))
                    .unwrap_or_default();
                say(
                    region,
                    format!("{} {question}", crate::i18n::t(lang, Key::YourTurnToAnswer)),
                );
            }
        }
        Some(spotlight)
    });
    view! {
        <div id="announcer" class="visually-hidden" role="status" aria-live="polite" aria-atomic="true">
            {move || region.get()}
        </div>
    }
}
