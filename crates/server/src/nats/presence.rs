//! Cluster mode: presence across nodes, over NATS core subjects (never
//! stored: presence is ephemeral, and a node that dies takes its people's
//! presence with it after an expiry).
//!
//! - **The document's awareness** (who is here, which section each reads,
//!   "N people still typing"): a room relays each awareness update its
//!   sockets send to `cb.aw.<doc>.u`, and applies the other nodes' updates
//!   to its own awareness and broadcasts them to its sockets. A room that
//!   loads asks (`cb.aw.<doc>.q`) and every node with that room answers
//!   with its own sockets' states. A socket that leaves relays the removal
//!   of its states; a node that dies relays nothing, and its people's
//!   states expire on the other nodes like any state not renewed
//!   (`--awareness-timeout-secs`).
//! - **Who is in the meeting room** (the readers in the reading progress):
//!   each node publishes its own list of people in a meeting room to
//!   `cb.mp.<pm>` on every arrival and departure and every
//!   [`HEARTBEAT`]; the other nodes keep each node's list for
//!   [`PRESENT_EXPIRY`] after it was last heard, and bring their meeting room
//!   up to date when it changes.
//!
//! Publishes go through one task in order, so a removal never overtakes
//! the state it removes.

use super::{token, untoken, NatsStore};
use crate::store::Following;
use casebook_core::meeting::Present;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often a node repeats who is in its meeting rooms.
pub const HEARTBEAT: Duration = Duration::from_secs(3);
/// How long another node's list of people stays counted without being
/// heard again (a node that died: its people leave the list after this).
pub const PRESENT_EXPIRY: Duration = Duration::from_secs(10);
/// The header naming the process that published.
const INSTANCE_HEADER: &str = "Casebook-Instance";

/// Applies another node's awareness update ([`PresenceBus::follow_awareness`]).
pub type ApplyAwareness = Box<dyn Fn(&[u8]) + Send + Sync>;
/// This node's sockets' awareness states, encoded, when it has any.
pub type LocalAwareness = Box<dyn Fn() -> Option<Vec<u8>> + Send + Sync>;
/// Told of a meeting room whose people on other nodes changed.
pub type PresentChanged = Box<dyn Fn(&str) + Send + Sync>;
/// This node's people in each meeting room.
pub type LocalPresent = Box<dyn Fn() -> Vec<(String, Vec<Present>)> + Send + Sync>;

/// One node's people in one meeting room.
#[derive(Serialize, Deserialize)]
struct PresentList {
    present: Vec<Present>,
    /// The sender has just seen this room fill and knows no other node's
    /// list: every node answers with its own.
    #[serde(default)]
    ask: bool,
}

/// Another node's list of people in a meeting room, and when it was heard.
type Heard = HashMap<String, HashMap<String, (Instant, Vec<Present>)>>;

/// The presence relay of one node; see the module documentation.
pub struct PresenceBus {
    client: async_nats::Client,
    instance: String,
    runtime: tokio::runtime::Handle,
    out: tokio::sync::mpsc::UnboundedSender<(String, bytes::Bytes)>,
    /// Per postmortem, per other node: its people in the meeting room.
    heard: Mutex<Heard>,
}

/// Stops a subscription's task when dropped.
struct Task(tokio::task::AbortHandle);

impl Drop for Task {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn awareness_subject(doc: &str, kind: &str) -> String {
    format!("cb.aw.{}.{kind}", token(doc))
}

fn present_subject(pm: &str) -> String {
    format!("cb.mp.{}", token(pm))
}

impl NatsStore {
    /// This node's presence relay (cluster mode).
    pub fn presence_bus(&self) -> Option<Arc<PresenceBus>> {
        let runtime = self.runtime.as_ref()?.handle().clone();
        let client = self.js.client();
        let (out, mut queue) = tokio::sync::mpsc::unbounded_channel::<(String, bytes::Bytes)>();
        let publisher = client.clone();
        let instance = self.instance.clone();
        let header = instance.clone();
        runtime.spawn(async move {
            while let Some((subject, payload)) = queue.recv().await {
                let mut headers = async_nats::HeaderMap::new();
                headers.insert(INSTANCE_HEADER, header.as_str());
                if let Err(e) = publisher
                    .publish_with_headers(subject, headers, payload)
                    .await
                {
                    tracing::debug!(error = %e, "presence not relayed");
                }
            }
        });
        Some(Arc::new(PresenceBus {
            client,
            instance,
            runtime,
            out,
            heard: Mutex::new(HashMap::new()),
        }))
    }
}

impl PresenceBus {
    fn heard(&self) -> std::sync::MutexGuard<'_, Heard> {
        self.heard.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn send(&self, subject: String, payload: Vec<u8>) {
        let _ = self.out.send((subject, payload.into()));
    }

    /// Relays an awareness update of this node's sockets on `doc`.
    pub fn publish_awareness(&self, doc: &str, update: Vec<u8>) {
        self.send(awareness_subject(doc, "u"), update);
    }

    /// Subscribes to the other nodes' awareness of `doc` until the handle is
    /// dropped: `apply` gets each of their updates, and `local` (this node's
    /// sockets' states, encoded) answers another node's question. Asks the
    /// other nodes for their states once subscribed.
    pub fn follow_awareness(
        &self,
        doc: &str,
        apply: ApplyAwareness,
        local: LocalAwareness,
    ) -> Following {
        let client = self.client.clone();
        let instance = self.instance.clone();
        let out = self.out.clone();
        let subjects = format!("cb.aw.{}.*", token(doc));
        let answer = awareness_subject(doc, "u");
        let ask = awareness_subject(doc, "q");
        let task = self.runtime.spawn(async move {
            loop {
                match client.subscribe(subjects.clone()).await {
                    Ok(mut messages) => {
                        let _ = out.send((ask.clone(), bytes::Bytes::new()));
                        while let Some(message) = messages.next().await {
                            let mine = message
                                .headers
                                .as_ref()
                                .and_then(|h| h.get(INSTANCE_HEADER))
                                .is_some_and(|v| v.as_str() == instance);
                            if mine {
                                continue;
                            }
                            if message.subject.ends_with(".q") {
                                if let Some(states) = local() {
                                    let _ = out.send((answer.clone(), states.into()));
                                }
                            } else {
                                apply(&message.payload);
                            }
                        }
                    }
                    Err(e) => tracing::debug!(error = %e, "following presence again"),
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        });
        Box::new(Task(task.abort_handle()))
    }

    /// Tells the other nodes who is in the meeting room of `pm` on this
    /// node (an empty list when the last one left).
    pub fn publish_present(&self, pm: &str, present: &[Present]) {
        let ask = !present.is_empty() && !self.heard().contains_key(pm);
        let list = PresentList {
            present: present.to_vec(),
            ask,
        };
        let payload = serde_json::to_vec(&list).expect("a list always serialises");
        self.send(present_subject(pm), payload);
    }

    /// The people other nodes have in the meeting room of `pm` (lists not
    /// heard for [`PRESENT_EXPIRY`] left out).
    pub fn remote_present(&self, pm: &str) -> Vec<Present> {
        let heard = self.heard();
        let Some(nodes) = heard.get(pm) else {
            return Vec::new();
        };
        nodes
            .values()
            .filter(|(at, _)| at.elapsed() < PRESENT_EXPIRY)
            .flat_map(|(_, present)| present.iter().cloned())
            .collect()
    }

    /// Listens to the other nodes' meeting-room lists until the handle is
    /// dropped, and repeats this node's every [`HEARTBEAT`]: `changed(pm)`
    /// when another node's list of `pm` changed or expired; `local()` is
    /// this node's lists, per postmortem.
    pub fn watch_present(
        self: &Arc<Self>,
        changed: PresentChanged,
        local: LocalPresent,
    ) -> Following {
        let changed: Arc<dyn Fn(&str) + Send + Sync> = Arc::from(changed);
        let local: Arc<dyn Fn() -> Vec<(String, Vec<Present>)> + Send + Sync> = Arc::from(local);
        let listen = {
            let bus = Arc::clone(self);
            let (changed, local) = (Arc::clone(&changed), Arc::clone(&local));
            self.runtime.spawn(async move {
                loop {
                    match bus.client.subscribe("cb.mp.*").await {
                        Ok(mut messages) => {
                            while let Some(message) = messages.next().await {
                                let from = message
                                    .headers
                                    .as_ref()
                                    .and_then(|h| h.get(INSTANCE_HEADER))
                                    .map(|v| v.as_str().to_owned());
                                let Some(from) = from.filter(|f| *f != bus.instance) else {
                                    continue;
                                };
                                let pm = message
                                    .subject
                                    .as_str()
                                    .strip_prefix("cb.mp.")
                                    .and_then(untoken);
                                let list = serde_json::from_slice::<PresentList>(&message.payload);
                                let (Some(pm), Ok(list)) = (pm, list) else {
                                    continue;
                                };
                                let before = {
                                    let mut heard = bus.heard();
                                    let nodes = heard.entry(pm.clone()).or_default();
                                    let before = nodes.remove(&from).map(|(_, p)| p);
                                    if !list.present.is_empty() {
                                        nodes.insert(from, (Instant::now(), list.present.clone()));
                                    }
                                    before
                                };
                                // Answered once this node has heard the asker, so
                                // the answer asks nothing back.
                                if list.ask {
                                    if let Some((_, mine)) =
                                        local().into_iter().find(|(p, _)| *p == pm)
                                    {
                                        bus.publish_present(&pm, &mine);
                                    }
                                }
                                if before.as_deref().unwrap_or_default() != list.present {
                                    changed(&pm);
                                }
                            }
                        }
                        Err(e) => {
                            tracing::debug!(error = %e, "watching meeting-room presence again")
                        }
                    }
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
            })
        };
        let repeat = {
            let bus = Arc::clone(self);
            self.runtime.spawn(async move {
                let mut published: HashSet<String> = HashSet::new();
                let mut tick = tokio::time::interval(HEARTBEAT);
                loop {
                    tick.tick().await;
                    let now: HashMap<String, Vec<Present>> = local().into_iter().collect();
                    for (pm, present) in &now {
                        bus.publish_present(pm, present);
                    }
                    // A room that emptied between two beats is said once.
                    for pm in published.difference(&now.keys().cloned().collect()) {
                        bus.publish_present(pm, &[]);
                    }
                    published = now.into_keys().collect();
                    let expired: Vec<String> = {
                        let mut heard = bus.heard();
                        let mut expired = Vec::new();
                        for (pm, nodes) in heard.iter_mut() {
                            let before = nodes.len();
                            nodes.retain(|_, (at, _)| at.elapsed() < PRESENT_EXPIRY);
                            if nodes.len() != before {
                                expired.push(pm.clone());
                            }
                        }
                        heard.retain(|_, nodes| !nodes.is_empty());
                        expired
                    };
                    for pm in expired {
                        changed(&pm);
                    }
                }
            })
        };
        Box::new((Task(listen.abort_handle()), Task(repeat.abort_handle())))
    }
}
