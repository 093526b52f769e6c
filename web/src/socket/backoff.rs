//! When a lost socket is opened again: the one back-off, the one silence
//! limit and what each close code means for reconnecting. Pure, so it is
//! tested natively.

use casebook_core::{close, protocol};
use std::time::Duration;

/// A socket that heard nothing for this long is presumed dead and reopened:
/// the server's own limit for a silent client, three missed keep-alives.
pub const SILENT_LIMIT_MS: f64 = protocol::SILENT_LIMIT_MS as f64;

/// How often a connection checks whether its socket went silent: as often
/// as the server sends a keep-alive.
pub const SILENCE_CHECK_EVERY: Duration = Duration::from_millis(protocol::KEEPALIVE_MS);

/// The longest wait between two attempts to reopen a socket.
const BACKOFF_CAP_MS: f64 = 10_000.0;

/// The wait before reopening a socket when nothing is wrong with the
/// server (the socket fell behind or went silent): short, yet not a loop.
const SOON: Duration = Duration::from_millis(100);

/// Whether a socket last heard from at `last_heard_ms` is silent at `now_ms`.
pub fn is_silent(last_heard_ms: f64, now_ms: f64) -> bool {
    now_ms - last_heard_ms > SILENT_LIMIT_MS
}

/// When to try reopening a socket: 0.5 s, doubling per failed attempt up to
/// 10 s, each jittered down by up to half so that clients that lost the
/// server together do not return together.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Attempts since the socket last synced.
    attempt: u32,
}

impl Backoff {
    /// The socket synced: the next failure starts from the shortest wait.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    /// Counts an attempt and says how long to wait before it; `random` is
    /// in `[0, 1)` (`Math.random()` in the browser).
    pub fn next_delay(&mut self, random: f64) -> Duration {
        self.attempt = self.attempt.saturating_add(1);
        let base = (500.0 * 2f64.powi(self.attempt.min(10) as i32 - 1)).min(BACKOFF_CAP_MS);
        Duration::from_millis((base * (0.5 + 0.5 * random.clamp(0.0, 1.0))) as u64)
    }
}

/// What a connection does once its socket is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reconnect {
    /// Nothing: the server refuses this link on every try (it was revoked).
    Never,
    /// Reopen almost at once: the server is fine, this socket fell behind
    /// the room's broadcast or went silent.
    Soon,
    /// Reopen after the [`Backoff`]: the server may be down or restarting.
    Later,
}

impl Reconnect {
    /// What to do after the server (or the network) closed the socket with
    /// `code`.
    pub fn after_close(code: u16) -> Reconnect {
        match code {
            close::INVITE_REVOKED => Reconnect::Never,
            close::FELL_BEHIND => Reconnect::Soon,
            _ => Reconnect::Later,
        }
    }

    /// How long to wait before reopening, counting the attempt in
    /// `backoff`; `None` for [`Reconnect::Never`].
    pub fn delay(self, backoff: &mut Backoff, random: f64) -> Option<Duration> {
        match self {
            Reconnect::Never => None,
            Reconnect::Soon => {
                backoff.next_delay(random);
                Some(SOON)
            }
            Reconnect::Later => Some(backoff.next_delay(random)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_from_half_a_second_to_ten_and_starts_again_after_a_sync() {
        let mut backoff = Backoff::default();
        let longest: Vec<u64> = (0..8)
            .map(|_| backoff.next_delay(1.0).as_millis() as u64)
            .collect();
        assert_eq!(
            longest,
            [500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]
        );
        backoff.reset();
        assert_eq!(backoff.next_delay(0.0), Duration::from_millis(250));
        assert_eq!(backoff.next_delay(0.0), Duration::from_millis(500));
    }

    #[test]
    fn the_jitter_only_shortens_the_wait_by_up_to_half() {
        for random in [0.0, 0.25, 0.5, 0.999, 1.0, -3.0, 7.0] {
            let wait = Backoff::default().next_delay(random).as_millis();
            assert!((250..=500).contains(&wait), "{random} gave {wait} ms");
        }
    }

    #[test]
    fn a_socket_is_silent_only_past_the_limit() {
        assert!(!is_silent(0.0, SILENT_LIMIT_MS));
        assert!(is_silent(0.0, SILENT_LIMIT_MS + 1.0));
        assert!(SILENCE_CHECK_EVERY.as_millis() < SILENT_LIMIT_MS as u128);
    }

    #[test]
    fn each_close_code_says_whether_and_when_to_reopen() {
        let table = [
            (close::INVITE_REVOKED, Reconnect::Never),
            (close::FELL_BEHIND, Reconnect::Soon),
            (close::POLICY_VIOLATION, Reconnect::Later),
            (1000, Reconnect::Later),
            (1006, Reconnect::Later),
        ];
        for (code, expected) in table {
            assert_eq!(Reconnect::after_close(code), expected, "close code {code}");
        }
    }

    #[test]
    fn reopening_soon_still_counts_an_attempt_and_never_does_not() {
        let mut backoff = Backoff::default();
        assert_eq!(Reconnect::Soon.delay(&mut backoff, 1.0), Some(SOON));
        assert_eq!(
            Reconnect::Later.delay(&mut backoff, 1.0),
            Some(Duration::from_millis(1000))
        );
        assert_eq!(Reconnect::Never.delay(&mut backoff, 1.0), None);
        assert_eq!(backoff.next_delay(1.0), Duration::from_millis(2000));
    }
}
