//! The facilitator's suggested timer: for the phase the meeting is in, the
//! median of the time earlier meetings spent in it
//! (`GET …/timer-suggestions`, `casebook_core::insights::suggested_timers`),
//! with a button that sets the timer to it. Nothing shows when too few
//! meetings finished the phase, or when the timer already has that length.

use super::Session;
use crate::api::call;
use crate::i18n::{timer_suggested, use_suggested_timer};
use casebook_core::api::TimerSuggestions;
use casebook_core::phase::Phase;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The suggestion for the current phase, fetched once per page.
#[component]
pub fn TimerSuggestion(session: Session, phase: Memo<Phase>) -> impl IntoView {
    let suggestions = RwSignal::new(None::<TimerSuggestions>);
    spawn_local(async move {
        let token = session.command_token().await;
        let path = format!(
            "/api/postmortems/{}/timer-suggestions",
            js_sys::encode_uri_component(&session.pm())
        );
        // Without suggestions the control simply does not show.
        if let Ok(answer) = call::<TimerSuggestions>("GET", &path, &token, None).await {
            suggestions.set(Some(answer));
        }
    });
    let current = move || {
        let phase = phase.get();
        let suggestion = suggestions.with(|s| {
            s.as_ref()
                .and_then(|s| s.suggestions.iter().find(|t| t.phase == phase).copied())
        })?;
        let set_ms = session.room.with(|r| r.timer.duration_ms);
        (set_ms != Some(suggestion.seconds * 1000)).then_some(suggestion)
    };
    move || {
        current().map(|suggestion| {
            let minutes = suggestion.seconds / 60;
            view! {
                <span class="timer-suggestion" id="timer-suggestion">
                    <span class="muted">{move || timer_suggested(session.lang.get(), minutes, suggestion.meetings)}</span>
                    " "
                    <button
                        type="button"
                        class="secondary"
                        id="timer-suggestion-apply"
                        on:click=move |_| session.send(serde_json::json!({ "type": "start_timer", "seconds": suggestion.seconds }), |_| {})
                    >
                        {move || use_suggested_timer(session.lang.get(), minutes)}
                    </button>
                </span>
            }
        })
    }
}
