//! The phase timer: a countdown the facilitator starts, pauses and extends.
//!
//! The timer holds no clock: it records when it last started running and
//! how long it ran before, so every replica computes the same remaining time
//! from the same events and its own `now`.

use crate::phase::Phase;
use serde::{Deserialize, Serialize};

/// A countdown for the current phase. All times are milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
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
