//! The phase timer: a countdown that starts when its phase starts (unless
//! the facilitator turned that off), and that the facilitator pauses,
//! resumes, restarts and extends; and the [`Schedule`] everyone sees: time
//! left in the phase and in the meeting, and what comes next.
//!
//! The timer holds no clock: it records when it last started running and
//! how long it ran before, so every replica computes the same remaining time
//! from the same events and its own `now`.

use crate::phase::Phase;
use serde::{Deserialize, Serialize};

/// A countdown for the current phase. All times are milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Timer {
    /// How long the phase is meant to take; `None` when the phase has no timer.
    pub duration_ms: Option<u64>,
    /// Time run before the current run (or in total, while paused).
    pub elapsed_ms: u64,
    /// When the current run started; `None` while paused or not started.
    pub running_since_ms: Option<u64>,
}

impl Timer {
    /// A stopped timer set to `phase`'s default duration.
    pub fn for_phase(phase: Phase) -> Timer {
        Timer {
            duration_ms: phase.default_timer_secs().map(|s| s * 1000),
            elapsed_ms: 0,
            running_since_ms: None,
        }
    }

    /// Whether the timer is counting down.
    pub fn is_running(&self) -> bool {
        self.running_since_ms.is_some()
    }

    /// Time run so far, as seen at `now_ms`.
    pub fn elapsed_at(&self, now_ms: u64) -> u64 {
        let current = self
            .running_since_ms
            .map_or(0, |since| now_ms.saturating_sub(since));
        self.elapsed_ms.saturating_add(current)
    }

    /// Time left at `now_ms`; negative once the phase runs over. `None` when
    /// the phase has no timer.
    pub fn remaining_ms(&self, now_ms: u64) -> Option<i64> {
        let duration = i64::try_from(self.duration_ms?).unwrap_or(i64::MAX);
        let elapsed = i64::try_from(self.elapsed_at(now_ms)).unwrap_or(i64::MAX);
        Some(duration.saturating_sub(elapsed))
    }

    /// Whether the phase's time is up at `now_ms` (also while paused at or
    /// past zero). Never for a phase without a timer.
    pub fn is_up(&self, now_ms: u64) -> bool {
        self.remaining_ms(now_ms).is_some_and(|left| left <= 0)
    }

    /// Restarts from zero with a new duration.
    pub(crate) fn start(&mut self, duration_ms: u64, at_ms: u64) {
        *self = Timer {
            duration_ms: Some(duration_ms),
            elapsed_ms: 0,
            running_since_ms: Some(at_ms),
        };
    }

    pub(crate) fn resume(&mut self, at_ms: u64) {
        if self.running_since_ms.is_none() {
            self.running_since_ms = Some(at_ms);
        }
    }

    pub(crate) fn pause(&mut self, at_ms: u64) {
        self.elapsed_ms = self.elapsed_at(at_ms);
        self.running_since_ms = None;
    }

    pub(crate) fn extend(&mut self, by_ms: u64) {
        self.duration_ms = Some(self.duration_ms.unwrap_or(0).saturating_add(by_ms));
    }
}

/// Where the meeting stands against its plan at one moment, for everyone's
/// phase bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    /// Time left in this phase; negative once over; `None` without a timer.
    pub phase_left_ms: Option<i64>,
    /// Time left in the whole meeting: this phase's time left plus the
    /// planned time of every timed phase after it (so running over in one
    /// phase shows). Before the meeting, its whole planned length; `None`
    /// once the meeting is over.
    pub meeting_left_ms: Option<i64>,
    /// The phase that comes next, if any.
    pub next: Option<Phase>,
    /// The next phase's planned time, if it has a timer.
    pub next_planned_ms: Option<u64>,
    /// This phase's time is up.
    pub time_up: bool,
}

impl Schedule {
    /// The schedule at `now_ms` of a meeting in `phase` with `timer`;
    /// `planned_ms` says how long each phase is planned to take.
    pub fn at(
        phase: Phase,
        timer: &Timer,
        planned_ms: impl Fn(Phase) -> Option<u64>,
        now_ms: u64,
    ) -> Schedule {
        let phase_left_ms = timer.remaining_ms(now_ms);
        let planned = |p: Phase| i64::try_from(planned_ms(p).unwrap_or(0)).unwrap_or(i64::MAX);
        let later: i64 = Phase::ALL
            .into_iter()
            .filter(|p| *p > phase && p.default_timer_secs().is_some())
            .map(planned)
            .fold(0, i64::saturating_add);
        let meeting_left_ms = match phase {
            Phase::Drafting => Some(later),
            _ if phase.default_timer_secs().is_some() => {
                Some(phase_left_ms.unwrap_or(0).saturating_add(later))
            }
            _ => None,
        };
        let next = phase.next();
        Schedule {
            phase_left_ms,
            meeting_left_ms,
            next,
            next_planned_ms: next.and_then(&planned_ms),
            time_up: timer.is_up(now_ms),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paused_timer_keeps_its_remaining_time() {
        let mut timer = Timer::for_phase(Phase::Kudos);
        assert_eq!(timer.remaining_ms(0), Some(180_000));
        timer.resume(1_000);
        assert_eq!(timer.remaining_ms(61_000), Some(120_000));
        timer.pause(61_000);
        assert_eq!(timer.remaining_ms(999_000), Some(120_000));
        timer.extend(60_000);
        timer.resume(1_000_000);
        assert_eq!(timer.remaining_ms(1_240_000), Some(-60_000), "overtime");
    }

    #[test]
    fn phases_outside_the_meeting_have_no_timer() {
        assert_eq!(Timer::for_phase(Phase::Revision).remaining_ms(5), None);
    }

    #[test]
    fn a_clock_going_backwards_does_not_underflow() {
        let mut timer = Timer::for_phase(Phase::QAndA);
        timer.resume(10_000);
        assert_eq!(timer.remaining_ms(5_000), Some(480_000));
    }
}

#[cfg(test)]
mod schedule_tests {
    use super::*;

    const MIN: u64 = 60_000;

    fn defaults(phase: Phase) -> Option<u64> {
        phase.default_timer_secs().map(|s| s * 1000)
    }

    fn running(phase: Phase, since: u64) -> Timer {
        let mut timer = Timer::for_phase(phase);
        timer.resume(since);
        timer
    }

    #[test]
    fn before_the_meeting_the_whole_plan_is_left_and_silent_reading_is_next() {
        let timer = Timer::for_phase(Phase::Drafting);
        let schedule = Schedule::at(Phase::Drafting, &timer, defaults, 0);
        assert_eq!(schedule.meeting_left_ms, Some(30 * MIN as i64));
        assert_eq!(schedule.phase_left_ms, None);
        assert_eq!(schedule.next, Some(Phase::SilentReading));
        assert_eq!(schedule.next_planned_ms, Some(15 * MIN));
        assert!(!schedule.time_up);
    }

    #[test]
    fn the_meeting_left_is_this_phase_plus_the_plan_of_the_later_ones() {
        // Five minutes into silent reading: 10 + 8 + 4 + 3 minutes left.
        let timer = running(Phase::SilentReading, 0);
        let schedule = Schedule::at(Phase::SilentReading, &timer, defaults, 5 * MIN);
        assert_eq!(schedule.phase_left_ms, Some(10 * MIN as i64));
        assert_eq!(schedule.meeting_left_ms, Some(25 * MIN as i64));
        assert_eq!(schedule.next, Some(Phase::QAndA));
        assert_eq!(schedule.next_planned_ms, Some(8 * MIN));
        // A longer plan for Q&A counts.
        let longer = |p: Phase| {
            if p == Phase::QAndA {
                Some(12 * MIN)
            } else {
                defaults(p)
            }
        };
        let schedule = Schedule::at(Phase::SilentReading, &timer, longer, 5 * MIN);
        assert_eq!(schedule.meeting_left_ms, Some(29 * MIN as i64));
    }

    #[test]
    fn running_over_shows_as_time_up_and_eats_into_the_meeting() {
        let timer = running(Phase::Kudos, 0);
        let at_end = Schedule::at(Phase::Kudos, &timer, defaults, 3 * MIN);
        assert!(at_end.time_up, "exactly at zero");
        let over = Schedule::at(Phase::Kudos, &timer, defaults, 4 * MIN);
        assert_eq!(over.phase_left_ms, Some(-(MIN as i64)));
        assert_eq!(over.meeting_left_ms, Some(-(MIN as i64)));
        assert_eq!(over.next, Some(Phase::Revision));
        assert_eq!(over.next_planned_ms, None, "revision has no timer");
        let before = Schedule::at(Phase::Kudos, &timer, defaults, 2 * MIN);
        assert!(!before.time_up);
    }

    #[test]
    fn a_paused_timer_is_up_only_at_zero_and_after_the_meeting_nothing_is_left() {
        let mut timer = running(Phase::QAndA, 0);
        timer.pause(MIN);
        assert!(!Schedule::at(Phase::QAndA, &timer, defaults, 60 * MIN).time_up);
        let revision = Timer::for_phase(Phase::Revision);
        let schedule = Schedule::at(Phase::Revision, &revision, defaults, 0);
        assert_eq!(schedule.meeting_left_ms, None);
        assert!(!schedule.time_up);
    }
}
