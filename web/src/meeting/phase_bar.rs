//! The phase bar across the top, the same for everyone and live: the
//! phases with the current one highlighted, its countdown, reading progress;
//! the facilitator's controls (back, next, start/pause, extend) only for
//! the facilitator. Under it, full width, the stage of phases that need the
//! whole screen: the kudos wall, and after the meeting the survey.

use super::kudos::KudosWall;
use super::survey::SurveyView;
use super::{phase_key, ErrorLine, Session};
use crate::i18n::{reading_progress, Key, Lang};
use crate::sync::Client;
use casebook_core::meeting::CommandKind;
use casebook_core::permission::{allowed, Action};
use casebook_core::phase::Phase;
use leptos::prelude::*;

/// `m:ss` of a remaining time; `+m:ss` once over time.
fn clock(remaining_ms: i64) -> String {
    let over = remaining_ms < 0;
    // Round up, so the clock shows 0:00 only when time is up.
    let secs = if over {
        (-remaining_ms) / 1000
    } else {
        (remaining_ms + 999) / 1000
    };
    format!(
        "{}{}:{:02}",
        if over { "+" } else { "" },
        secs / 60,
        secs % 60
    )
}

/// The phase bar and the full-width stage under it.
#[component]
pub fn MeetingBar(
    pm_id: String,
    token: String,
    client: Client,
    lang: RwSignal<Lang>,
) -> impl IntoView {
    let session = Session::for_page(&pm_id, &token, &client, lang);
    let phase = Memo::new(move |_| session.phase());
    view! {
        <div class="meeting-top" data-phase=move || phase.get().as_str()>
            <nav class="phase-bar" id="phase-bar" aria-label=move || session.t(Key::MeetingPhases)>
                <ol class="phases">
                    {Phase::ALL.into_iter().map(|p| view! {
                        <li
                            class=move || {
                                let now = phase.get();
                                if now == p { "phase current" } else if now > p { "phase past" } else { "phase" }
                            }
                            data-phase=p.as_str()
                            aria-current=move || (phase.get() == p).then_some("step")
                        >
                            {move || session.t(phase_key(p))}
                        </li>
                    }).collect_view()}
                </ol>
                <div class="phase-status">
                    <Timer session/>
                    <ReadingProgress session client=client.clone() phase/>
                    <Show when=move || !session.connected.get()>
                        <span class="meeting-offline">{move || session.t(Key::MeetingReconnecting)}</span>
                    </Show>
                </div>
                <Show when=move || session.is_facilitator()>
                    <FacilitatorControls session phase/>
                </Show>
            </nav>
            <ErrorLine session/>
            {move || match phase.get() {
                Phase::Kudos => view! { <KudosWall session/> }.into_any(),
                Phase::Revision | Phase::Published => view! { <SurveyView session/> }.into_any(),
                _ => ().into_any(),
            }}
        </div>
    }
}

#[component]
fn Timer(session: Session) -> impl IntoView {
    let timer = Memo::new(move |_| session.room.with(|r| r.timer));
    let remaining = move || timer.get().remaining_ms(session.now_ms.get());
    view! {
        <Show when=move || timer.with(|t| t.duration_ms.is_some())>
            <span
                id="phase-timer"
                class="timer"
                role="timer"
                class:running=move || timer.get().is_running()
                class:overtime=move || remaining().is_some_and(|r| r < 0)
                aria-label=move || session.t(Key::TimeLeft)
            >
                {move || remaining().map(clock).unwrap_or_default()}
                <Show when=move || !timer.get().is_running()>
                    <span class="paused">" " {move || session.t(Key::TimerPaused)}</span>
                </Show>
            </span>
        </Show>
    }
}

/// "Done reading" for readers; "7 of 9 done" for the facilitator.
#[component]
fn ReadingProgress(session: Session, client: Client, phase: Memo<Phase>) -> impl IntoView {
    let peers = client.peers();
    let done = move || session.room.with(|r| r.done_reading.len());
    let mine = move || {
        let me = session.my_id();
        session
            .room
            .with(|r| me.is_some_and(|id| r.done_reading.contains(&id)))
    };
    let toggle = move |_| {
        let kind = if mine() {
            "undo_done_reading"
        } else {
            "mark_done_reading"
        };
        session.send(serde_json::json!({ "type": kind }), |_| {});
    };
    view! {
        <Show when=move || phase.get() == Phase::SilentReading>
            <Show when=move || session.is_facilitator()>
                <span class="reading-progress" id="reading-progress">
                    {move || {
                        let present = peers.with(Vec::len).max(done());
                        reading_progress(session.lang.get(), done(), present)
                    }}
                </span>
            </Show>
            <Show when=move || session.can(Action::MarkDoneReading)>
                <button
                    type="button"
                    id="done-reading"
                    class:secondary=mine
                    aria-pressed=move || mine().to_string()
                    on:click=toggle
                >
                    {move || if mine() { session.t(Key::NotDoneReading) } else { session.t(Key::DoneReading) }}
                </button>
            </Show>
        </Show>
    }
}

#[component]
fn FacilitatorControls(session: Session, phase: Memo<Phase>) -> impl IntoView {
    let may_move = move |to: Phase| {
        let from = phase.get();
        let action = CommandKind::MovePhase {
            to,
            override_reason: None,
        }
        .action(from);
        session.role.get().is_some_and(|r| allowed(r, from, action)) && from.can_move_to(to)
    };
    // Publishing is refused (409) while the readiness check has findings;
    // the facilitator may then publish anyway, with a reason kept with the case.
    let publish_refused = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let move_to = move |to: Phase| {
        let command = serde_json::json!({ "type": "move_phase", "to": to.as_str() });
        session.send(command, move |ok| {
            publish_refused.set(!ok && to == Phase::Published);
        });
    };
    let publish_anyway = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let why = reason.get_untracked().trim().to_owned();
        if why.is_empty() {
            return;
        }
        let command = serde_json::json!({
            "type": "move_phase",
            "to": Phase::Published.as_str(),
            "override_reason": why,
        });
        session.send(command, move |ok| {
            if ok {
                publish_refused.set(false);
                reason.set(String::new());
            }
        });
    };
    let timer = Memo::new(move |_| session.room.with(|r| r.timer));
    view! {
        <div class="facilitator-controls" id="facilitator-controls" role="group"
            aria-label=move || session.t(Key::FacilitatorControls)>
            {move || phase.get().prev().filter(|p| may_move(*p)).map(|prev| view! {
                <button type="button" class="secondary" id="phase-back" on:click=move |_| move_to(prev)>
                    "← " {move || session.t(phase_key(prev))}
                </button>
            })}
            {move || phase.get().next().filter(|p| may_move(*p)).map(|next| view! {
                <button type="button" id="phase-next" on:click=move |_| move_to(next)>
                    {move || session.t(Key::NextPhase)} " " {move || session.t(phase_key(next))} " →"
                </button>
            })}
            <Show when=move || session.can(Action::ControlTimer) && timer.with(|t| t.duration_ms.is_some())>
                <button
                    type="button"
                    class="secondary"
                    id="timer-toggle"
                    on:click=move |_| {
                        let kind = if timer.get_untracked().is_running() { "pause_timer" } else { "start_timer" };
                        session.send(serde_json::json!({ "type": kind }), |_| {});
                    }
                >
                    {move || if timer.get().is_running() { session.t(Key::PauseTimer) } else { session.t(Key::StartTimer) }}
                </button>
                <button
                    type="button"
                    class="secondary"
                    id="timer-extend"
                    on:click=move |_| session.send(serde_json::json!({ "type": "extend_timer", "seconds": 60 }), |_| {})
                >
                    {move || session.t(Key::ExtendTimer)}
                </button>
            </Show>
            <Show when=move || publish_refused.get() && phase.get() == Phase::Revision>
                <form class="publish-anyway" on:submit=publish_anyway>
                    <input
                        type="text"
                        id="override-reason"
                        maxlength=casebook_core::limits::MAX_REASON_CHARS
                        aria-label=move || session.t(Key::OverrideReason)
                        placeholder=move || session.t(Key::OverrideReason)
                        prop:value=move || reason.get()
                        on:input=move |ev| reason.set(event_target_value(&ev))
                    />
                    <button type="submit" disabled=move || reason.with(|r| r.trim().is_empty())>
                        {move || session.t(Key::PublishAnyway)}
                    </button>
                </form>
            </Show>
        </div>
    }
}
