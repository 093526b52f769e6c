//! One browser WebSocket with its three handlers: binary frames arrive as
//! `ArrayBuffer`s, messages go out only while the socket is open, and
//! dropping it detaches the handlers before closing, so a replaced socket
//! never calls back. It does not reconnect; [`super::Connection`] does.

use casebook_core::protocol::{self, Message};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};

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
