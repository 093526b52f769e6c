//! One browser WebSocket with its three handlers: binary frames arrive as
//! `ArrayBuffer`s, messages go out only while the socket is open, and
//! dropping it detaches the handlers before closing, so a replaced socket
//! never calls back. It does not reconnect; [`super::Connection`] does.
//!
//! One socket may be opened early ([`open_early`]): before its connection
//! exists, so that its handshake with the server runs while the page is
//! still asking for the postmortem and rendering the editor. What it hears
//! meanwhile is kept, and the connection that opens the same address next
//! adopts it ([`Socket::adopt`]) and hears it then, in order. It says its
//! hello (sync step 1 with the state the page is expected to have) as soon
//! as it opens, so the server's answer may be waiting when it is adopted.

use casebook_core::protocol::{self, Message};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};
use yrs::StateVector;

/// A socket opened before its connection, with what it has heard.
struct Early {
    url: String,
    /// `None` once adopted: then dropping it closes nothing.
    ws: Option<WebSocket>,
    heard: Rc<RefCell<Vec<MessageEvent>>>,
    /// The state its hello stated, and whether it went out (on `open`).
    hello: StateVector,
    said_hello: Rc<Cell<bool>>,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

impl Drop for Early {
    fn drop(&mut self) {
        if let Some(ws) = self.ws.take() {
            ws.set_onopen(None);
            ws.set_onmessage(None);
            let _ = ws.close();
        }
    }
}

thread_local! {
    static EARLY: RefCell<Option<Early>> = const { RefCell::new(None) };
}

/// Opens `url` now for the connection that will open it later (replacing,
/// and closing, one opened early before); once open it says its hello, a
/// sync step 1 stating `state`.
pub fn open_early(url: &str, state: StateVector) {
    let Ok(ws) = WebSocket::new(url) else {
        return;
    };
    ws.set_binary_type(BinaryType::Arraybuffer);
    let heard: Rc<RefCell<Vec<MessageEvent>>> = Rc::default();
    let sink = heard.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e| sink.borrow_mut().push(e));
    let said_hello = Rc::new(Cell::new(false));
    let said = said_hello.clone();
    let (socket, hello) = (ws.clone(), protocol::encode(&hello_stating(state.clone())));
    let on_open = Closure::<dyn FnMut()>::new(move || {
        said.set(socket.send_with_u8_array(&hello).is_ok());
    });
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    let early = Early {
        url: url.to_owned(),
        ws: Some(ws),
        heard,
        hello: state,
        said_hello,
        _on_open: on_open,
        _on_message: on_message,
    };
    EARLY.with(|slot| slot.borrow_mut().replace(early));
}

fn hello_stating(state: StateVector) -> Message {
    Message::Sync(protocol::SyncMessage::SyncStep1(state))
}

/// Closes the socket opened early, if no connection adopted it (the page
/// will not need it: the link was refused, the postmortem is gone).
pub fn discard_early() {
    EARLY.with(|slot| slot.borrow_mut().take());
}

/// A socket that was opened early and adopted, and what it heard before.
pub struct Adopted {
    pub socket: Socket,
    /// Whether it is open already (its `open` event has passed).
    pub open: bool,
    /// The state its hello stated, if one went out.
    pub said_hello: Option<StateVector>,
    pub heard: Vec<MessageEvent>,
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
        Some(Socket::handled(ws, on_open, on_message, on_close))
    }

    /// `ws` with these handlers (replacing any it had).
    fn handled(
        ws: WebSocket,
        on_open: impl FnMut() + 'static,
        on_message: impl FnMut(MessageEvent) + 'static,
        on_close: impl FnMut(CloseEvent) + 'static,
    ) -> Socket {
        let on_open = Closure::<dyn FnMut()>::new(on_open);
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(on_message);
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(on_close);
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Socket {
            ws,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
        }
    }

    /// The socket opened early for `url`, with these handlers from now on,
    /// if there is one still opening or open; one for another address, or
    /// closed meanwhile, is discarded.
    pub fn adopt(
        url: &str,
        on_open: impl FnMut() + 'static,
        on_message: impl FnMut(MessageEvent) + 'static,
        on_close: impl FnMut(CloseEvent) + 'static,
    ) -> Option<Adopted> {
        let mut early = EARLY.with(|slot| slot.borrow_mut().take())?;
        let state = early.ws.as_ref()?.ready_state();
        if early.url != url || !(state == WebSocket::CONNECTING || state == WebSocket::OPEN) {
            return None;
        }
        let heard = std::mem::take(&mut *early.heard.borrow_mut());
        let said_hello = early.said_hello.get().then(|| early.hello.clone());
        let ws = early.ws.take()?;
        Some(Adopted {
            open: state == WebSocket::OPEN,
            said_hello,
            heard,
            socket: Socket::handled(ws, on_open, on_message, on_close),
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
