//! The phase bar across the top, the same for everyone and live: the
//! phases with the current one highlighted, its countdown, reading progress;
//! the facilitator's controls (back, next, start/pause, extend) only for
//! the facilitator. Under it, full width, the stage of phases that need the
//! whole screen: the kudos wall, and after the meeting the survey.
//!
//! Going back a phase asks first (core gives the phase back its timer and
//! spotlight); next to "Next" the facilitator sees how many people are
//! still typing (their drafts, through presence).

use super::announcer::Announcer;
use super::invites::InvitePanel;
use super::kudos::KudosWall;
use super::publish::{PublishRefusal, ReadLinkBanner};
use super::reader::FloatingComment;
use super::strip::QuestionStrip;
use super::survey::SurveyView;
use super::timer_suggestion::TimerSuggestion;
use super::{phase_key, ErrorLine, Session};
use crate::i18n::{
    go_back_question, instruction, meeting_left, reading_progress, still_typing, up_next, Key, Lang,
};
use crate::sync::Client;
use casebook_core::guide;
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
                            <Show when=move || { phase.get() > p }>
                                <span class="visually-hidden">" " {move || session.t(Key::PhaseDone)}</span>
                            </Show>
                        </li>
                    }).collect_view()}
                </ol>
                <div class="phase-status">
                    <Timer session/>
                    <ReadingProgress session phase/>
                    <Show when=move || !session.connected.get()>
                        <span class="meeting-offline">{move || session.t(Key::MeetingReconnecting)}</span>
                    </Show>
                </div>
                <Show when=move || session.is_facilitator()>
                    <FacilitatorControls session phase/>
                </Show>
            </nav>
            <QuestionStrip session/>
            <FloatingComment session/>
            <Instructions session phase/>
            <Announcer session/>
            <InvitePanel session/>
            <ErrorLine session/>
            <PublishRefusal session/>
            <ReadLinkBanner session/>
            {move || match phase.get() {
                Phase::Kudos => view! { <KudosWall session/> }.into_any(),
                Phase::Revision | Phase::Published => view! { <SurveyView session/> }.into_any(),
                _ => ().into_any(),
            }}
        </div>
    }
}

/// The phase's countdown (paused, time up), the meeting's time left and
/// what comes next: the same for everyone.
#[component]
fn Timer(session: Session) -> impl IntoView {
    let timer = Memo::new(move |_| session.room.with(|r| r.timer));
    let schedule = Memo::new(move |_| session.room.with(|r| r.schedule(session.now_ms.get())));
    let remaining = move || schedule.get().phase_left_ms;
    let time_up = move || schedule.get().time_up;
    view! {
        <Show when=move || timer.with(|t| t.duration_ms.is_some())>
            <span
                id="phase-timer"
                class="timer"
                role="timer"
                class:running=move || timer.get().is_running()
                class:overtime=move || remaining().is_some_and(|r| r < 0)
                class:time-up=time_up
                aria-label=move || session.t(Key::TimeLeft)
            >
                {move || remaining().map(clock).unwrap_or_default()}
                <Show when=move || !timer.get().is_running()>
                    <span class="paused">" " {move || session.t(Key::TimerPaused)}</span>
                </Show>
            </span>
        </Show>
        <Show when=time_up>
            <span class="time-up-badge" id="time-up">{move || session.t(Key::TimeUp)}</span>
        </Show>
        {move || schedule.get().meeting_left_ms.map(|left| view! {
            <span class="meeting-left" id="meeting-left">
                {move || meeting_left(session.lang.get(), left)}
            </span>
        })}
        {move || schedule.get().next.map(|next| {
            let planned = schedule.get().next_planned_ms;
            view! {
                <span class="next-phase" id="up-next" data-phase=next.as_str()>
                    {move || up_next(session.lang.get(), session.t(phase_key(next)), planned)}
                </span>
            }
        })}
    }
}

/// One line: what this person is asked to do now (`casebook_core::guide`),
/// with the phase's planned minutes.
#[component]
fn Instructions(session: Session, phase: Memo<Phase>) -> impl IntoView {
    let minutes = Memo::new(move |_| {
        session
            .room
            .with(|r| r.timer.duration_ms)
            .map(|ms| (ms as i64 + 59_999) / 60_000)
    });
    view! {
        {move || session.role.get().map(|role| {
            let given = guide::instruction(phase.get(), role);
            view! {
                <p class="phase-instructions" id="phase-instructions" data-instruction=serde_json::to_value(given).ok().and_then(|v| v.as_str().map(str::to_owned))>
                    {move || instruction(session.lang.get(), given, minutes.get())}
                </p>
            }
        })}
    }
}

/// Up to two letters for an avatar: the first letter of the first two
/// words (`Pat Suzuki` → `PS`), or of the one word (`佐藤` → `佐`).
fn initials(name: &str) -> String {
    name.split_whitespace()
        .take(2)
        .filter_map(|word| word.chars().next())
        .flat_map(char::to_uppercase)
        .collect()
}

/// "Done reading" for readers; for the facilitator, "1 of 2 done" and who
/// the readers are, each with their initials and whether they are done.
#[component]
fn ReadingProgress(session: Session, phase: Memo<Phase>) -> impl IntoView {
    let progress = Memo::new(move |_| session.room.with(|r| r.reading.clone()));
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
                    {move || progress.with(|p| {
                        reading_progress(session.lang.get(), p.done as usize, p.present as usize)
                    })}
                </span>
                <ul class="room-readers" id="readers" aria-label=move || session.t(Key::Readers)>
                    <For
                        each=move || progress.get().readers
                        key=|r| (r.participant_id.clone(), r.display_name.clone(), r.done)
                        let:reader
                    >
                        <li class="room-reader" class:done=reader.done data-done=reader.done.to_string()
                            title=reader.display_name.clone()>
                            <span class="avatar" aria-hidden="true">{initials(&reader.display_name)}</span>
                            <span class="reader-name">{reader.display_name.clone()}</span>
                            <span class="visually-hidden">
                                {move || if reader.done { session.t(Key::ReaderDone) } else { session.t(Key::ReaderReading) }}
                            </span>
                        </li>
                    </For>
                </ul>
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
    // A refused publication is shown by `PublishRefusal` under the bar.
    let move_to = move |to: Phase| {
        let command = serde_json::json!({ "type": "move_phase", "to": to.as_str() });
        session.send(command, |_| {});
    };
    let timer = Memo::new(move |_| session.room.with(|r| r.timer));
    // The phase the facilitator asked to go back to, until confirmed.
    let going_back = RwSignal::new(None::<Phase>);
    Effect::new(move |_| {
        phase.track();
        going_back.set(None);
    });
    let typing = move || session.others_typing();
    view! {
        <div class="facilitator-controls" id="facilitator-controls" role="group"
            aria-label=move || session.t(Key::FacilitatorControls)>
            {move || phase.get().prev().filter(|p| may_move(*p)).map(|prev| view! {
                <button
                    type="button"
                    class="secondary"
                    id="phase-back"
                    aria-expanded=move || going_back.get().is_some().to_string()
                    on:click=move |_| going_back.set(Some(prev))
                >
                    "← " {move || session.t(phase_key(prev))}
                </button>
            })}
            {move || phase.get().next().filter(|p| may_move(*p)).map(|next| view! {
                <button type="button" id="phase-next" on:click=move |_| move_to(next)>
                    {move || session.t(Key::NextPhase)} " " {move || session.t(phase_key(next))} " →"
                </button>
            })}
            <Show when=move || typing() != 0>
                <span class="still-typing" id="still-typing" aria-live="polite">
                    {move || still_typing(session.lang.get(), typing())}
                </span>
            </Show>
            {move || going_back.get().map(|prev| view! {
                <div class="confirm-back" id="confirm-back" role="alertdialog" aria-labelledby="confirm-back-text">
                    <p id="confirm-back-text">
                        {move || go_back_question(session.lang.get(), session.t(phase_key(prev)))}
                    </p>
                    <button type="button" id="confirm-back-yes" on:click=move |_| {
                        going_back.set(None);
                        move_to(prev);
                    }>
                        {move || session.t(Key::GoBack)}
                    </button>
                    <button type="button" class="secondary" id="confirm-back-no" on:click=move |_| going_back.set(None)>
                        {move || session.t(Key::Stay)}
                    </button>
                </div>
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
                <TimerSuggestion session phase/>
            </Show>
            <Show when=move || session.can(Action::ConfigureMeeting)>
                <label class="auto-start">
                    <input
                        type="checkbox"
                        id="timer-auto-start"
                        prop:checked=move || session.room.with(|r| r.settings.auto_start_timer)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            session.send(serde_json::json!({ "type": "set_timer_auto_start", "on": on }), |_| {});
                        }
                    />
                    " " {move || session.t(Key::TimerAutoStart)}
                </label>
            </Show>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_of_latin_and_japanese_names() {
        assert_eq!(initials("Pat Suzuki"), "PS");
        assert_eq!(initials("pat"), "P");
        assert_eq!(initials("SRE 佐藤 花子"), "S佐");
        assert_eq!(initials("佐藤"), "佐");
        assert_eq!(initials("  "), "");
    }

    #[test]
    fn the_clock_rounds_up_and_counts_overtime() {
        assert_eq!(clock(61_000), "1:01");
        assert_eq!(clock(500), "0:01");
        assert_eq!(clock(0), "0:00");
        assert_eq!(clock(-61_000), "+1:01");
    }
}
