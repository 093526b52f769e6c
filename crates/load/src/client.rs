//! Lean y-websocket clients on tokio-tungstenite + yrs.
//!
//! Every message is framed and unframed by `casebook_core::protocol`.
//!
//! - A **typist** keeps a full yrs `Doc`, types one character at a time into
//!   the body and applies every update it receives, like a browser tab.
//! - An **observer** keeps no `Doc`: it does the handshake (sync step 1 with an
//!   empty state vector, answers the server's step 1 with an empty step 2),
//!   then decodes every frame and every update in it (`Update::decode_v1`)
//!   and reads the update's state vector to see which edits it carries. It
//!   does not integrate the update; that keeps 1,000 observers cheap enough
//!   to run beside the server on 2 cores.
//!
//! Edit → seen latency: a typist records each edit in the scenario's
//! [`Tracker`] under its key (client id, clock after the edit) before sending
//! it; whoever receives an update carrying that key records now − sent. A
//! typist ignores its own edits coming back (the reference server echoes
//! every update to its sender too), so only other clients' deliveries count.
//! Typists stop typing at the end of the window and say so
//! ([`Tracker::stopped_typing`]); [`Tracker::drain`] waits for that first, so
//! an edit typed late (a tick delayed on a busy machine) is not sent after
//! everyone stopped listening.

use crate::report::{histogram, record};
use anyhow::{anyhow, bail, Context, Result};
use casebook_core::document::{new_doc, BODY};
use casebook_core::protocol::{self, Message, SyncMessage};
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use yrs::block::ClientID;
use yrs::updates::decoder::Decode;
use yrs::{Doc, GetString, ReadTxn, StateVector, Text, TextRef, Transact, Update};

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Connects, giving up after `within`.
pub async fn connect(url: &str, within: Duration) -> Result<Socket> {
    // Nagle off, as browsers and Node's `ws` do: an edit is one small frame.
    let connecting = tokio_tungstenite::connect_async_with_config(url, None, true);
    let (socket, _) = tokio::time::timeout(within, connecting)
        .await
        .map_err(|_| anyhow!("connecting took longer than {within:?}"))?
        .map_err(|e| anyhow!("connect: {e}"))?;
    Ok(socket)
}

/// Sends one y-sync message as one binary frame.
pub async fn send(socket: &mut Socket, message: &Message) -> Result<()> {
    socket
        .send(WsMessage::Binary(protocol::encode(message).into()))
        .await
        .context("sending a frame")
}

/// Edits in flight and the latencies of their deliveries.
pub struct Tracker {
    inner: Mutex<TrackerInner>,
    /// Typists that may still type an edit.
    typing: AtomicUsize,
}

struct Edit {
    sent: Instant,
    remaining: u32,
}

struct TrackerInner {
    pending: HashMap<(ClientID, u32), Edit>,
    /// Edit → one receiver, for every (edit, receiver) pair.
    each: Histogram<u64>,
    /// Edit → the last of its receivers.
    all: Histogram<u64>,
    sent: u64,
    delivered: u64,
}

/// What a tracker measured.
pub struct Tracked {
    pub each: Histogram<u64>,
    pub all: Histogram<u64>,
    pub sent: u64,
    pub delivered: u64,
    /// Edits that some receiver never saw.
    pub incomplete: u64,
}

impl Default for Tracker {
    fn default() -> Self {
        Tracker::new(0)
    }
}

impl Tracker {
    /// A tracker for `typists` typists, each of which calls
    /// [`Tracker::stopped_typing`] once when its window ends.
    pub fn new(typists: usize) -> Self {
        Tracker {
            typing: AtomicUsize::new(typists),
            inner: Mutex::new(TrackerInner {
                pending: HashMap::new(),
                each: histogram(),
                all: histogram(),
                sent: 0,
                delivered: 0,
            }),
        }
    }

    /// A typist will send no more edits.
    pub fn stopped_typing(&self) {
        let _ = self
            .typing
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, TrackerInner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// An edit is about to be sent; `receivers` clients should see it.
    pub fn sent(&self, key: (ClientID, u32), receivers: u32) {
        let mut inner = self.lock();
        inner.sent += 1;
        if receivers > 0 {
            let edit = Edit {
                sent: Instant::now(),
                remaining: receivers,
            };
            inner.pending.insert(key, edit);
        }
    }

    /// A client received `update`: records every tracked edit it carries,
    /// except the receiver's own (`own`: its client id, if it edits).
    pub fn seen(&self, update: &Update, own: Option<ClientID>) {
        let now = Instant::now();
        let keys = edit_keys(update);
        let mut inner = self.lock();
        for key in keys {
            if Some(key.0) == own {
                continue;
            }
            let Some(edit) = inner.pending.get_mut(&key) else {
                continue;
            };
            let elapsed = now - edit.sent;
            edit.remaining -= 1;
            let done = edit.remaining == 0;
            inner.delivered += 1;
            record(&mut inner.each, elapsed);
            if done {
                inner.pending.remove(&key);
                record(&mut inner.all, elapsed);
            }
        }
    }

    /// Edits not yet seen by all their receivers.
    pub fn outstanding(&self) -> usize {
        self.lock().pending.len()
    }

    /// Waits (at most `within`) until every typist stopped typing and the
    /// last edits reached their receivers.
    pub async fn drain(&self, within: std::time::Duration) {
        let deadline = tokio::time::Instant::now() + within;
        while (self.typing.load(Ordering::Acquire) > 0 || self.outstanding() > 0)
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    pub fn finish(&self) -> Tracked {
        let inner = self.lock();
        Tracked {
            each: inner.each.clone(),
            all: inner.all.clone(),
            sent: inner.sent,
            delivered: inner.delivered,
            incomplete: inner.pending.len() as u64,
        }
    }
}

/// The edits an update carries: for each client, the clock after its last
/// inserted block (what the typist recorded as the key).
pub fn edit_keys(update: &Update) -> Vec<(ClientID, u32)> {
    update
        .insertions(true)
        .iter()
        .filter_map(|(client, ranges)| Some((*client, ranges.iter().map(|r| r.end).max()?)))
        .collect()
}

/// An empty document's update: what a client with nothing answers step 1 with.
fn empty_update() -> Vec<u8> {
    new_doc()
        .transact()
        .encode_state_as_update_v1(&StateVector::default())
}

/// Waits for the next binary frame and decodes it; `Ok(None)` when the
/// socket ended. Pings are answered by tungstenite itself.
pub async fn next_messages(socket: &mut Socket) -> Result<Option<Vec<Message>>> {
    loop {
        let Some(message) = socket.next().await else {
            return Ok(None);
        };
        match message.context("reading a frame")? {
            WsMessage::Binary(frame) => {
                return protocol::decode_frame(&frame)
                    .map(Some)
                    .map_err(|e| anyhow!("server sent a bad frame: {e}"));
            }
            WsMessage::Close(frame) => {
                let why = frame.map(|f| format!("{} {}", u16::from(f.code), f.reason));
                bail!("server closed the socket: {}", why.unwrap_or_default());
            }
            _ => continue,
        }
    }
}

/// A client without a `Doc` (see the module doc). Returns once its handshake is
/// done; then [`Observer::run`] receives until `stop`.
pub struct Observer {
    socket: Socket,
    /// Bytes of the sync step 2 it received.
    pub synced_bytes: usize,
}

impl Observer {
    /// Connects and completes the handshake.
    pub async fn join(url: &str, within: Duration) -> Result<Self> {
        let mut socket = connect(url, within).await?;
        send(
            &mut socket,
            &Message::Sync(SyncMessage::SyncStep1(StateVector::default())),
        )
        .await?;
        let deadline = Instant::now() + within;
        loop {
            let messages = tokio::time::timeout_at(deadline, next_messages(&mut socket))
                .await
                .map_err(|_| anyhow!("no sync step 2 within {within:?}"))??
                .context("socket ended before sync")?;
            for message in messages {
                match message {
                    Message::Sync(SyncMessage::SyncStep1(_)) => {
                        let step2 = Message::Sync(SyncMessage::SyncStep2(empty_update()));
                        send(&mut socket, &step2).await?;
                    }
                    Message::Sync(SyncMessage::SyncStep2(update)) => {
                        Update::decode_v1(&update).context("undecodable sync step 2")?;
                        return Ok(Observer {
                            socket,
                            synced_bytes: update.len(),
                        });
                    }
                    _ => {}
                }
            }
        }
    }

    /// Joins again and again (up to `within`) until the document it syncs
    /// holds at least `min_bytes`: the seed's update has been applied.
    pub async fn wait_for_size(url: &str, min_bytes: usize, within: Duration) -> Result<()> {
        let deadline = Instant::now() + within;
        loop {
            let probe = Observer::join(url, within).await?;
            if probe.synced_bytes >= min_bytes {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "the document has {} bytes, expected {min_bytes}",
                    probe.synced_bytes
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Sends an update (seeding a document).
    pub async fn send_update(&mut self, update: Vec<u8>) -> Result<()> {
        send(&mut self.socket, &protocol::update(update)).await
    }

    /// The updates of the next frame (decoded, not applied); `Ok(None)` when
    /// the socket ended.
    pub async fn next_updates(&mut self) -> Result<Option<Vec<Update>>> {
        let Some(messages) = next_messages(&mut self.socket).await? else {
            return Ok(None);
        };
        let mut updates = Vec::new();
        for message in messages {
            if let Message::Sync(SyncMessage::Update(raw) | SyncMessage::SyncStep2(raw)) = message {
                updates.push(Update::decode_v1(&raw).context("undecodable update")?);
            }
        }
        Ok(Some(updates))
    }

    /// Receives and decodes until `stop` fires; returns updates received.
    pub async fn run(
        mut self,
        tracker: Arc<Tracker>,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) -> Result<u64> {
        let mut updates = 0;
        loop {
            let messages = tokio::select! {
                _ = stop.changed() => break,
                messages = next_messages(&mut self.socket) => messages?,
            };
            let Some(messages) = messages else { break };
            for message in messages {
                if let Message::Sync(SyncMessage::Update(raw) | SyncMessage::SyncStep2(raw)) =
                    message
                {
                    let update = Update::decode_v1(&raw).context("undecodable update")?;
                    tracker.seen(&update, None);
                    updates += 1;
                }
            }
        }
        let _ = self.socket.close(None).await;
        Ok(updates)
    }
}

/// A client with a full `Doc` that types into the body.
pub struct Typist {
    socket: Socket,
    doc: Doc,
    body: TextRef,
    rng: rand::rngs::SmallRng,
}

impl Typist {
    /// Connects and completes the handshake.
    pub async fn join(url: &str, within: Duration) -> Result<Self> {
        use rand::SeedableRng;
        let mut socket = connect(url, within).await?;
        let doc = new_doc();
        let body = doc.get_or_insert_text(BODY);
        send(&mut socket, &protocol::sync_step1(&doc.transact())).await?;
        let mut typist = Typist {
            socket,
            doc,
            body,
            rng: rand::rngs::SmallRng::from_os_rng(),
        };
        let deadline = Instant::now() + within;
        loop {
            let messages = tokio::time::timeout_at(deadline, next_messages(&mut typist.socket))
                .await
                .map_err(|_| anyhow!("no sync step 2 within {within:?}"))??
                .context("socket ended before sync")?;
            if typist.handle(messages, None).await? {
                return Ok(typist);
            }
        }
    }

    /// Applies what the server sent; true once a sync step 2 was among it.
    async fn handle(&mut self, messages: Vec<Message>, tracker: Option<&Tracker>) -> Result<bool> {
        let mut synced = false;
        for message in messages {
            match message {
                Message::Sync(SyncMessage::SyncStep1(sv)) => {
                    let step2 = protocol::sync_step2(&self.doc.transact(), &sv);
                    send(&mut self.socket, &step2).await?;
                }
                Message::Sync(SyncMessage::SyncStep2(raw)) => {
                    synced = true;
                    self.apply(&raw, tracker)?;
                }
                Message::Sync(SyncMessage::Update(raw)) => self.apply(&raw, tracker)?,
                _ => {}
            }
        }
        Ok(synced)
    }

    fn apply(&mut self, raw: &[u8], tracker: Option<&Tracker>) -> Result<()> {
        let update = Update::decode_v1(raw).context("undecodable update")?;
        if let Some(tracker) = tracker {
            tracker.seen(&update, Some(self.doc.client_id()));
        }
        self.doc
            .transact_mut()
            .apply_update(update)
            .map_err(|e| anyhow!("applying an update: {e}"))
    }

    /// Inserts one character at a random place and sends the update.
    pub async fn type_one(&mut self, tracker: &Tracker, receivers: u32) -> Result<()> {
        use rand::Rng;
        let update = {
            let mut txn = self.doc.transact_mut();
            let len = self.body.len(&txn);
            let at = self.rng.random_range(0..=len);
            let ch = (b'a' + self.rng.random_range(0..26u8)) as char;
            self.body.insert(&mut txn, at, ch.encode_utf8(&mut [0; 4]));
            txn.encode_update_v1()
        };
        let id = self.doc.client_id();
        let clock = self.doc.transact().state_vector().get(&id);
        tracker.sent((id, clock), receivers);
        send(&mut self.socket, &protocol::update(update)).await
    }

    /// Types `rate` characters a second until `until`, applying what arrives;
    /// then tells the tracker it stopped typing and keeps receiving until
    /// `stop` fires. Returns the body's text.
    pub async fn run(
        mut self,
        tracker: Arc<Tracker>,
        receivers: u32,
        rate: f64,
        until: Instant,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) -> Result<String> {
        use rand::Rng;
        let period = Duration::from_secs_f64(1.0 / rate.max(0.001));
        // Start at a random phase so typists do not type in lockstep.
        let first = Instant::now() + period.mul_f64(self.rng.random_range(0.0..1.0));
        let mut ticker = tokio::time::interval_at(first, period);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let window_end = tokio::time::sleep_until(until);
        tokio::pin!(window_end);
        // Tells the tracker once, however the loop ends (also on an error).
        let mut typing = TypingGuard {
            tracker: &tracker,
            typing: true,
        };
        loop {
            tokio::select! {
                _ = stop.changed() => break,
                // A tick may fire late on a busy machine: typing is decided
                // by the clock when it runs, never after the window.
                _ = ticker.tick(), if typing.typing => {
                    if Instant::now() < until {
                        self.type_one(&tracker, receivers).await?;
                    } else {
                        typing.stop();
                    }
                }
                _ = &mut window_end, if typing.typing => typing.stop(),
                messages = next_messages(&mut self.socket) => {
                    let Some(messages) = messages? else { break };
                    self.handle(messages, Some(&tracker)).await?;
                }
            }
        }
        typing.stop();
        let _ = self.socket.close(None).await;
        let txn = self.doc.transact();
        Ok(self.body.get_string(&txn))
    }
}

/// Calls [`Tracker::stopped_typing`] once: when told to, or when dropped.
struct TypingGuard<'a> {
    tracker: &'a Tracker,
    typing: bool,
}

impl TypingGuard<'_> {
    fn stop(&mut self) {
        if std::mem::take(&mut self.typing) {
            self.tracker.stopped_typing();
        }
    }
}

impl Drop for TypingGuard<'_> {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use casebook_core::document::new_doc_with_client_id;

    /// One typed character from client `id`: its update and its tracker key.
    fn one_edit(id: u64) -> (Update, (ClientID, u32)) {
        let doc = new_doc_with_client_id(id);
        let body = doc.get_or_insert_text(BODY);
        let raw = {
            let mut txn = doc.transact_mut();
            body.insert(&mut txn, 0, "x");
            txn.encode_update_v1()
        };
        let key = (
            doc.client_id(),
            doc.transact().state_vector().get(&doc.client_id()),
        );
        (Update::decode_v1(&raw).expect("decodes"), key)
    }

    #[test]
    fn an_echo_of_the_senders_own_edit_is_not_a_delivery() {
        let tracker = Tracker::new(0);
        let (update, key) = one_edit(7);
        tracker.sent(key, 1);
        tracker.seen(&update, Some(key.0));
        assert_eq!(tracker.outstanding(), 1, "the echo must not count");
        tracker.seen(&update, None);
        let tracked = tracker.finish();
        assert_eq!((tracked.delivered, tracked.incomplete), (1, 0));
    }

    #[tokio::test]
    async fn drain_waits_for_every_typist_to_stop_typing() {
        let tracker = Arc::new(Tracker::new(2));
        // Nothing outstanding, but a typist may still type: drain must wait.
        let waited = tokio::time::timeout(
            Duration::from_millis(200),
            tracker.drain(Duration::from_secs(60)),
        )
        .await;
        assert!(
            waited.is_err(),
            "drain returned while typists could still type"
        );
        tracker.stopped_typing();
        tracker.stopped_typing();
        tokio::time::timeout(
            Duration::from_secs(10),
            tracker.drain(Duration::from_secs(60)),
        )
        .await
        .expect("drain ends once every typist stopped and nothing is outstanding");
    }
}
