//! One browser WebSocket with its three handlers, shared by the document
//! client ([`crate::sync`]) and the meeting room client
//! ([`crate::meeting`]): binary frames arrive as `ArrayBuffer`s, messages go
//! out only while the socket is open, and dropping it detaches the handlers
//! before closing, so a replaced socket never calls back. Both clients
//! reopen with the one [`Backoff`] and presume a socket dead after the one
//! [`SILENT_LIMIT_MS`].

use casebook_core::protocol::{self, Message};
use std::time::Duration;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};

/// `ws(s)://<host>/sync/{pm}{room}?token=…` on the page's own origin:
/// `room` is `""` for the postmortem's document, `"/meeting"` for its
/// meeting room.
pub fn sync_url(pm: &str, room: &str, token: &str) -> String {
    let location = web_sys::window().map(|w| w.location());
    let host = location
        .as_ref()
        .and_then(|l| l.host().ok())
        .unwrap_or_default();
    let secure = location.and_then(|l| l.protocol().ok()).as_deref() == Some("https:");
    let scheme = if secure { "wss" } else { "ws" };
    let pm = js_sys::encode_uri_component(pm);
    let token = js_sys::encode_uri_component(token);
    format!("{scheme}://{host}/sync/{pm}{room}?token={token}")
}

/// A socket that heard nothing for this long is presumed dead and reopened:
/// the server sends a keep-alive every 10 s, so this is three missed ones
/// (and the server's own limit for a silent client).
pub const SILENT_LIMIT_MS: f64 = 35_000.0;

/// The longest wait between two attempts to reopen a socket.
const BACKOFF_CAP_MS: f64 = 10_000.0;

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

/// One open (or opening) WebSocket with its handlers.
pub struct Socket {
    ws: WebSocket,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl Socket {
    /// Opens `url` with these handlers; `None` if the browser refused the
    /// address.
    pub fn open(
        url: &str,
        on_open: impl FnMut() + 'static,
        on_message: impl FnMut(MessageEvent) + 'static,
        on_close: impl FnMut(CloseEvent) + 'static,
    ) -> Option<Socket> {
        let ws = WebSocket::new(url).ok()?;
        ws.set_binary_type(BinaryType::Arraybuffer);
        let on_open = Closure::<dyn FnMut()>::new(on_open);
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(on_message);
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(on_close);
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Some(Socket {
            ws,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
        })
    }

    pub fn is_open(&self) -> bool {
        self.ws.ready_state() == WebSocket::OPEN
    }

    /// Sends one y-sync message in its own frame, if the socket is open.
    pub fn send(&self, message: &Message) {
        if self.is_open() {
            let _ = self.ws.send_with_u8_array(&protocol::encode(message));
        }
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
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
    fn a_socket_is_silent_only_past_the_limit() {
        assert!(!is_silent(0.0, SILENT_LIMIT_MS));
        assert!(is_silent(0.0, SILENT_LIMIT_MS + 1.0));
    }
}
