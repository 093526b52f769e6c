//! The WebSocket upgrade of `/sync`, on tokio-tungstenite directly rather
//! than through axum's `ws` wrapper, so that a socket can send one large
//! message as several frames ([`send_binary`]).
//!
//! Why: tungstenite copies every frame it sends into the socket's own write
//! buffer, and that buffer keeps its capacity. A 5 MB sync step 2 sent whole
//! to 150 joiners kept 150 × 5 MB alive (841 MiB peak in the join storm);
//! sent as 64 KiB frames, each socket's buffer stays at about 64 KiB while
//! the message itself is one shared `Bytes`.

use axum::body::{Body, Bytes};
use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts, HeaderMap, HeaderName, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::SinkExt;
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::TokioIo;
use std::future::Future;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::WebSocketStream;

/// An upgraded `/sync` socket.
pub type Socket = WebSocketStream<TokioIo<Upgraded>>;

/// Largest frame a socket sends; a longer message goes out as continuation frames.
pub const MAX_SEND_FRAME: usize = 64 * 1024;

/// Bytes of fed frames a socket keeps before writing them (its
/// `write_buffer_size`): the messages one wake-up of a socket forwards go out
/// in one write when they fit, and the buffer of an idle socket stays small.
pub const WRITE_BATCH: usize = 16 * 1024;

/// A request that asks for a WebSocket (RFC 6455 handshake headers checked).
pub struct Upgrade {
    accept: String,
    on_upgrade: OnUpgrade,
}

/// Why a request is not a WebSocket upgrade.
#[derive(Debug)]
pub struct NotAnUpgrade(&'static str);

impl std::fmt::Display for NotAnUpgrade {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl IntoResponse for NotAnUpgrade {
    fn into_response(self) -> Response {
        (StatusCode::BAD_REQUEST, self.0).into_response()
    }
}

fn has_token(headers: &HeaderMap, name: HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

impl<S: Send + Sync> FromRequestParts<S> for Upgrade {
    type Rejection = NotAnUpgrade;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        if parts.method != Method::GET {
            return Err(NotAnUpgrade("a WebSocket upgrade must be a GET"));
        }
        if !has_token(&parts.headers, header::CONNECTION, "upgrade") {
            return Err(NotAnUpgrade("missing `Connection: upgrade`"));
        }
        if !has_token(&parts.headers, header::UPGRADE, "websocket") {
            return Err(NotAnUpgrade("missing `Upgrade: websocket`"));
        }
        if parts
            .headers
            .get(header::SEC_WEBSOCKET_VERSION)
            .is_none_or(|v| v.as_bytes() != b"13")
        {
            return Err(NotAnUpgrade("`Sec-WebSocket-Version` must be 13"));
        }
        let key = parts
            .headers
            .get(header::SEC_WEBSOCKET_KEY)
            .ok_or(NotAnUpgrade("missing `Sec-WebSocket-Key`"))?;
        let accept = derive_accept_key(key.as_bytes());
        let on_upgrade = parts
            .extensions
            .remove::<OnUpgrade>()
            .ok_or(NotAnUpgrade("this connection cannot be upgraded"))?;
        Ok(Self { accept, on_upgrade })
    }
}

impl Upgrade {
    /// Answers 101 Switching Protocols; once the connection is upgraded, runs
    /// `serve` on the socket, or `failed` if the upgrade does not complete.
    pub fn on_upgrade<F, Fut>(
        self,
        config: WebSocketConfig,
        failed: impl FnOnce() + Send + 'static,
        serve: F,
    ) -> Response
    where
        F: FnOnce(Socket) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let on_upgrade = self.on_upgrade;
        tokio::spawn(async move {
            match on_upgrade.await {
                Ok(upgraded) => {
                    let io = TokioIo::new(upgraded);
                    serve(WebSocketStream::from_raw_socket(io, Role::Server, Some(config)).await)
                        .await
                }
                Err(e) => {
                    tracing::debug!(error = %e, "WebSocket upgrade did not complete");
                    failed();
                }
            }
        });
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        let headers = response.headers_mut();
        headers.insert(
            header::CONNECTION,
            header::HeaderValue::from_static("upgrade"),
        );
        headers.insert(
            header::UPGRADE,
            header::HeaderValue::from_static("websocket"),
        );
        if let Ok(accept) = header::HeaderValue::from_str(&self.accept) {
            headers.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
        }
        response
    }
}

/// Sends one binary message; `Bytes` is shared, so a broadcast is never copied
/// per socket beyond one frame. Longer than [`MAX_SEND_FRAME`], it goes out
/// as a fragmented message (first frame, continuations, final frame), which
/// every WebSocket client reassembles.
pub async fn send_binary(socket: &mut Socket, message: Bytes) -> Result<(), WsError> {
    feed_binary(socket, message).await?;
    socket.flush().await
}

/// [`send_binary`] without the flush: the message joins the socket's write
/// buffer, which goes to the connection once it holds more than
/// [`WRITE_BATCH`] bytes (a frame of [`MAX_SEND_FRAME`] at once) or on the
/// next flush. Several messages fed and then flushed go out in one write.
pub async fn feed_binary(socket: &mut Socket, message: Bytes) -> Result<(), WsError> {
    if message.len() <= MAX_SEND_FRAME {
        return socket.feed(Message::Binary(message)).await;
    }
    let mut start = 0;
    while start < message.len() {
        let end = (start + MAX_SEND_FRAME).min(message.len());
        let opcode = if start == 0 {
            OpCode::Data(Data::Binary)
        } else {
            OpCode::Data(Data::Continue)
        };
        let frame = Frame::message(message.slice(start..end), opcode, end == message.len());
        socket.feed(Message::Frame(frame)).await?;
        start = end;
    }
    Ok(())
}
