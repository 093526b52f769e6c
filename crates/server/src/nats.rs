//! Cluster mode: the [`Store`] on a NATS JetStream cluster ([`NatsStore`]).
//!
//! Every Casebook node of a cluster connects to the same NATS servers and
//! keeps nothing of its own on disk but the library index:
//!
//! - postmortem records, invites and the server's secrets are KV buckets
//!   (`cb-postmortems`, `cb-invites`, `cb-secrets`; a secret is made with
//!   `create`, so the first node to start wins and every node uses it);
//!   invites and secrets are read from their bucket's stream leader, so a
//!   revocation that has answered is seen by every node at once (other
//!   reads may come from any replica; see `NatsStore::kv_get_leader`);
//! - each document's update log is the subject `cb.doc.<hex id>` of the
//!   stream `CB_DOCS`, one message per accepted update, tagged with the
//!   publishing node's instance id;
//! - each postmortem's meeting events are the subject `cb.mtg.<hex id>` of
//!   `CB_MEETINGS`, one message per command (all its events together), each
//!   published with `Nats-Expected-Last-Subject-Sequence`: a node that had not
//!   seen the newest event is refused ([`StoreError::Conflict`]), catches up
//!   and decides again, so commands stay exactly-once across nodes.
//!
//! - each postmortem's versions (issue 18) are entries `<hex id>.<seq>` of
//!   the KV bucket `cb-versions`, and its uploaded images objects
//!   `<hex id>.<sha256>` of the object store `cb-images` (chunked, so an
//!   image may be larger than a NATS message).
//!
//! Streams and buckets have `--nats-replicas` copies (3 in production). A
//! publish is acknowledged once a quorum has stored it; with the servers'
//! `sync_interval: always` that means fsynced. [`Store::flush`] waits for
//! every acknowledgement of the batch, so the group committer broadcasts
//! nothing before that ("durable before broadcast", as with sled's flush). A
//! publish that got no answer (a stream leader being elected) is sent again
//! with the same `Nats-Msg-Id`, which the stream de-duplicates, until
//! [`PUBLISH_DEADLINE`]. A batch that failed poisons its documents until they
//! are loaded again, so no later update is stored after a missing one.
//! Every other call (reads of the logs, the buckets and the images; puts
//! and deletes, which may be made twice) that gets no answer is tried again
//! until `CALL_DEADLINE` (see `retried`), so a command or a page waits out
//! an election. Calls that keep failing move the client to another
//! server ([`reconnect`]): the one it is on may be cut off from its peers.
//!
//! Any node serves any document: [`Store::follow_doc`] feeds a loaded room
//! the updates other nodes stored (an ordered consumer from just after what
//! `load_doc` read). Yjs updates commute and applying one twice changes
//! nothing, so every node's copy converges on the stream's.
//!
//! The store's calls are blocking (see [`Store`]); they run on a small tokio
//! runtime of their own, so they may be called from any thread.

pub mod backup;
pub mod presence;

use crate::store::{
    Deliver, DumpedTree, Following, InviteRecord, LogEntry, Moved, PostmortemRecord, PutImage,
    Revoked, Store, StoreError, StoredDoc,
};
use async_nats::jetstream::{self, consumer, kv, object_store, stream};
use bytes::Bytes;
use futures_util::StreamExt;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub mod compaction;
pub mod entries;
pub mod reconnect;

use reconnect::Reconnect;

/// How a node joins a cluster (the `--nats-*` flags).
#[derive(Debug, Clone)]
pub struct ClusterSettings {
    /// NATS servers, comma-separated (`nats://h1:4222,nats://h2:4222`).
    pub nats_url: String,
    /// Monitoring URLs of every NATS server (`http://h1:8222,…`), where
    /// Casebook checks that each fsyncs every write (`/varz`).
    pub nats_monitor_urls: Vec<String>,
    /// Start although the fsync setting could not be verified, or is lazy.
    pub allow_unsafe_fsync: bool,
    /// Copies of every stream and bucket (3 in production).
    pub replicas: usize,
    /// This node's name (logs, the NATS connection name).
    pub node_name: String,
    /// This node's own address, as other nodes and load balancers reach it.
    pub advertise_url: String,
}

/// How long a publish is retried (same `Nats-Msg-Id`) before the batch fails:
/// longer than a stream leader election (measured: 4.7 s).
pub const PUBLISH_DEADLINE: Duration = Duration::from_secs(20);
/// How long one attempt waits for its acknowledgement.
const ACK_WAIT: Duration = Duration::from_secs(1);
/// A room's feed of other nodes' updates that delivers nothing for this long
/// while the log has more is made again (see `follow_from`).
const FOLLOW_STALL: Duration = Duration::from_secs(2);
/// Header naming the process that published an update (its own updates are
/// already in its rooms).
const INSTANCE_HEADER: &str = "Casebook-Instance";
const DOCS_STREAM: &str = "CB_DOCS";
const MEETINGS_STREAM: &str = "CB_MEETINGS";

/// One attempt of `NatsStore::read_subject` (its error: what NATS said).
async fn read_subject_once(
    stream: &stream::Stream,
    subject: &str,
) -> Result<Vec<(u64, Bytes)>, String> {
    let subject = subject.to_owned();
    let last = match stream.get_last_raw_message_by_subject(&subject).await {
        Ok(message) => message.sequence,
        Err(e) if e.kind() == stream::LastRawMessageErrorKind::NoMessageFound => {
            return Ok(Vec::new())
        }
        Err(e) => return Err(e.to_string()),
    };
    let consumer = stream
        .create_consumer(consumer::pull::OrderedConfig {
            filter_subject: subject.clone(),
            deliver_policy: consumer::DeliverPolicy::All,
            ..Default::default()
        })
        .await
        .map_err(|e| e.to_string())?;
    let mut messages = consumer.messages().await.map_err(|e| e.to_string())?;
    let mut all = Vec::new();
    while let Some(message) = messages.next().await {
        let message = message.map_err(|e| e.to_string())?;
        let seq = message.info().map_err(|e| e.to_string())?.stream_sequence;
        all.push((seq, message.payload.clone()));
        if seq >= last {
            break;
        }
    }
    Ok(all)
}

fn nats_error(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Nats(format!("{what}: {e}"))
}

/// A NATS subject or KV key token for any id (ids may hold `/`).
fn token(id: &str) -> String {
    id.bytes().map(|b| format!("{b:02x}")).collect()
}

fn untoken(token: &str) -> Option<String> {
    if !token.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..token.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(token.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

fn doc_subject(doc_id: &str) -> String {
    format!("cb.doc.{}", token(doc_id))
}

fn meeting_subject(pm: &str) -> String {
    format!("cb.mtg.{}", token(pm))
}

/// One publish waiting for its acknowledgement.
struct InFlight {
    doc_id: String,
    subject: String,
    msg_id: String,
    payload: Bytes,
    ack: Option<jetstream::context::PublishAckFuture>,
}

/// The store on a NATS JetStream cluster; see the module documentation.
pub struct NatsStore {
    runtime: Option<tokio::runtime::Runtime>,
    js: jetstream::Context,
    docs: stream::Stream,
    meetings: stream::Stream,
    postmortems: kv::Store,
    invites: kv::Store,
    secrets: kv::Store,
    versions: kv::Store,
    images: object_store::ObjectStore,
    /// Serialises `put_image`'s count and store on this node.
    image_writes: Mutex<()>,
    /// This process (not node name: a restarted node is a new instance).
    instance: String,
    next_msg: AtomicU64,
    in_flight: Mutex<Vec<InFlight>>,
    /// Moves the client off a server that answers but cannot store.
    reconnect: Reconnect,
    /// Documents whose last batch failed: refused until loaded again.
    poisoned: Mutex<HashSet<String>>,
    /// Per postmortem: events known (count) and the stream sequence of the
    /// last meeting message, from the last read or append on this node.
    meeting_heads: Mutex<HashMap<String, (u64, u64)>>,
}

impl Drop for NatsStore {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Stops following a document when dropped.
pub struct Follow(tokio::task::AbortHandle);

impl Drop for Follow {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl NatsStore {
    /// Connects, checks the servers' fsync setting, and makes (or opens) the
    /// streams and buckets. Blocking.
    pub fn connect(settings: &ClusterSettings) -> Result<NatsStore, StoreError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("casebook-nats")
            .enable_all()
            .build()
            .map_err(|e| nats_error("starting the NATS runtime", e))?;
        let settings = settings.clone();
        let (js, docs, meetings, postmortems, invites, secrets, versions, images) =
            run_on(runtime.handle(), async move {
                let urls: Vec<&str> = settings
                    .nats_url
                    .split(',')
                    .map(str::trim)
                    .filter(|u| !u.is_empty())
                    .collect();
                let client = async_nats::ConnectOptions::new()
                    .name(format!("casebook {}", settings.node_name))
                    .retry_on_initial_connect()
                    .max_reconnects(None)
                    .reconnect_to_server_callback(reconnect::round_robin())
                    .connect(urls.as_slice());
                let client = tokio::time::timeout(Duration::from_secs(30), client)
                    .await
                    .map_err(|_| {
                        nats_error(
                            "connecting to NATS",
                            format!("no server of {} answered in 30 s", settings.nats_url),
                        )
                    })?
                    .map_err(|e| nats_error("connecting to NATS", e))?;
                let mut js = jetstream::new(client);
                js.set_timeout(ACK_WAIT);
                let replicas = settings.replicas.max(1);
                let stream_config = |name: &str, subjects: &str| stream::Config {
                    name: name.into(),
                    subjects: vec![subjects.into()],
                    num_replicas: replicas,
                    storage: stream::StorageType::File,
                    allow_direct: true,
                    duplicate_window: Duration::from_secs(120),
                    ..Default::default()
                };
                // The first calls after the cluster starts may meet no
                // JetStream leader yet (503): retried for a while.
                let started = Instant::now();
                loop {
                    let made = async {
                        let docs = js
                            .get_or_create_stream(stream_config(DOCS_STREAM, "cb.doc.>"))
                            .await
                            .map_err(|e| nats_error("the CB_DOCS stream", e))?;
                        let meetings = js
                            .get_or_create_stream(stream_config(MEETINGS_STREAM, "cb.mtg.>"))
                            .await
                            .map_err(|e| nats_error("the CB_MEETINGS stream", e))?;
                        let bucket = |name: &str| kv::Config {
                            bucket: name.into(),
                            history: 1,
                            num_replicas: replicas,
                            storage: stream::StorageType::File,
                            ..Default::default()
                        };
                        let postmortems = js
                            .create_or_update_key_value(bucket("cb-postmortems"))
                            .await
                            .map_err(|e| nats_error("the cb-postmortems bucket", e))?;
                        let invites = js
                            .create_or_update_key_value(bucket("cb-invites"))
                            .await
                            .map_err(|e| nats_error("the cb-invites bucket", e))?;
                        let secrets = js
                            .create_or_update_key_value(bucket("cb-secrets"))
                            .await
                            .map_err(|e| nats_error("the cb-secrets bucket", e))?;
                        let versions = js
                            .create_or_update_key_value(bucket("cb-versions"))
                            .await
                            .map_err(|e| nats_error("the cb-versions bucket", e))?;
                        let images = match js.get_object_store("cb-images").await {
                            Ok(store) => store,
                            Err(_) => js
                                .create_object_store(object_store::Config {
                                    bucket: "cb-images".into(),
                                    num_replicas: replicas,
                                    storage: stream::StorageType::File,
                                    ..Default::default()
                                })
                                .await
                                .map_err(|e| nats_error("the cb-images object store", e))?,
                        };
                        Ok::<_, StoreError>((
                            docs,
                            meetings,
                            postmortems,
                            invites,
                            secrets,
                            versions,
                            images,
                        ))
                    }
                    .await;
                    match made {
                        Ok((docs, meetings, postmortems, invites, secrets, versions, images)) => {
                            return Ok((
                                js,
                                docs,
                                meetings,
                                postmortems,
                                invites,
                                secrets,
                                versions,
                                images,
                            ))
                        }
                        Err(e) if started.elapsed() < Duration::from_secs(30) => {
                            tracing::info!(error = %e, "waiting for JetStream");
                            tokio::time::sleep(Duration::from_millis(500)).await;
                        }
                        Err(e) => return Err(e),
                    }
                }
            })?;
        Ok(NatsStore {
            runtime: Some(runtime),
            reconnect: Reconnect::new(js.client()),
            js,
            docs,
            meetings,
            postmortems,
            invites,
            secrets,
            versions,
            images,
            image_writes: Mutex::new(()),
            instance: format!("{:016x}", rand::random::<u64>()),
            next_msg: AtomicU64::new(0),
            in_flight: Mutex::new(Vec::new()),
            poisoned: Mutex::new(HashSet::new()),
            meeting_heads: Mutex::new(HashMap::new()),
        })
    }

    fn run<T: Send + 'static>(
        &self,
        work: impl Future<Output = Result<T, StoreError>> + Send + 'static,
    ) -> Result<T, StoreError> {
        let runtime = self.runtime.as_ref().expect("taken only on drop");
        run_on(runtime.handle(), work)
    }

    fn in_flight(&self) -> std::sync::MutexGuard<'_, Vec<InFlight>> {
        self.in_flight.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn poisoned(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.poisoned.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn heads(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u64, u64)>> {
        self.meeting_heads.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every message of one subject of a stream, in order, with its stream
    /// sequence. Blocking. Read again while NATS does not answer, until
    /// [`CALL_DEADLINE`]: after a NATS server died, its streams elect a new
    /// leader in seconds, and a command or a page waits that out rather
    /// than failing (found by tests/js/cluster.test.mjs).
    fn read_subject(
        &self,
        stream: &stream::Stream,
        subject: String,
    ) -> Result<Vec<(u64, Bytes)>, StoreError> {
        let stream = stream.clone();
        let reconnect = self.reconnect.clone();
        self.run(async move {
            retried("reading a log", reconnect, || {
                read_subject_once(&stream, &subject)
            })
            .await
        })
    }

    /// Every entry of `bucket`, listed and read again from the start while
    /// NATS does not answer (see [`retried`]).
    fn kv_values(&self, bucket: &kv::Store) -> Result<Vec<(String, Bytes)>, StoreError> {
        let bucket = bucket.clone();
        self.run(retried(
            "reading a bucket",
            self.reconnect.clone(),
            move || {
                let bucket = bucket.clone();
                async move {
                    let mut keys = bucket.keys().await.map_err(|e| e.to_string())?;
                    let mut names = Vec::new();
                    while let Some(key) = keys.next().await {
                        names.push(key.map_err(|e| e.to_string())?);
                    }
                    let mut all = Vec::new();
                    for name in names {
                        if let Some(value) =
                            bucket.get(name.clone()).await.map_err(|e| e.to_string())?
                        {
                            all.push((name, value));
                        }
                    }
                    Ok::<_, String>(all)
                }
            },
        ))
    }

    fn kv_get(&self, bucket: &kv::Store, key: String) -> Result<Option<Bytes>, StoreError> {
        let key = readable_key(key);
        let bucket = bucket.clone();
        // While a NATS server is down or just back, the bucket's leader may
        // be being elected (503 no responders): retried, not failed.
        self.run(retried(
            "reading a bucket",
            self.reconnect.clone(),
            move || {
                let (bucket, key) = (bucket.clone(), key.clone());
                async move { bucket.get(key).await }
            },
        ))
    }

    /// [`NatsStore::kv_get`] answered by the bucket's stream leader, never
    /// by a replica: it reflects every write acknowledged before it was
    /// asked. For what a revocation changes (invites) and the secrets.
    ///
    /// The buckets allow direct gets (`allow_direct`, which async-nats sets
    /// for every bucket it makes), and `kv::Store::get` then asks any
    /// replica, one that may not have applied the newest write yet: an
    /// invite revoked through one node was seen accepted for a moment
    /// through another. `STREAM.MSG.GET` (async-nats'
    /// `get_last_raw_message_by_subject`) always reaches the stream leader,
    /// which acknowledged that write. The buckets' configuration is
    /// unchanged, so existing clusters need nothing done.
    fn kv_get_leader(&self, bucket: &kv::Store, key: String) -> Result<Option<Bytes>, StoreError> {
        let key = readable_key(key);
        let bucket = bucket.clone();
        self.run(retried(
            "reading a bucket",
            self.reconnect.clone(),
            move || {
                let (bucket, key) = (bucket.clone(), key.clone());
                async move { leader_get(&bucket, &key).await }
            },
        ))
    }

    /// Stores `value` under `key`; sent again while NATS does not answer
    /// (a put that was stored but not acknowledged stores the same value
    /// twice, which reads as once).
    fn kv_put(&self, bucket: &kv::Store, key: String, value: Vec<u8>) -> Result<(), StoreError> {
        let bucket = bucket.clone();
        let value = Bytes::from(value);
        self.run(retried(
            "writing a bucket",
            self.reconnect.clone(),
            move || {
                let (bucket, key, value) = (bucket.clone(), key.clone(), value.clone());
                async move { bucket.put(key, value).await.map(|_| ()) }
            },
        ))
    }
}

/// How long a call is retried while the stream that answers it elects a
/// leader (a NATS server killed or restarted: seconds). A listing also
/// needs the JetStream meta leader ("JetStream system temporarily
/// unavailable" while it is elected), and on a loaded 2-core machine one
/// such election after the meta leader's `kill -9` took longer than 10 s
/// (cluster.rs, `every_bucket_and_image_call_…`). Below
/// [`PUBLISH_DEADLINE`], so a node cut off from NATS answers 500 before it
/// closes its writers.
const CALL_DEADLINE: Duration = Duration::from_secs(15);

/// Runs `call` until it succeeds or [`CALL_DEADLINE`] passes. For every
/// call that may be made twice: reads, and writes whose second attempt
/// changes nothing the first did not (a put of the same value, the upload
/// of an object already stored, a delete). Each bucket and the object
/// store is a stream of its own, whose leader a killed NATS server makes
/// the cluster elect again: every call of this store that is not a
/// publish with a `Nats-Msg-Id` goes through here, so a page waits out the
/// election rather than answering 500 (found by tests/js/cluster.test.mjs,
/// first for the logs, then for the versions bucket).
async fn retried<T, E: std::fmt::Display, F: Future<Output = Result<T, E>>>(
    what: &'static str,
    reconnect: Reconnect,
    call: impl Fn() -> F,
) -> Result<T, StoreError> {
    let started = Instant::now();
    let deadline = started + CALL_DEADLINE;
    let mut backoff = Duration::from_millis(100);
    loop {
        match call().await {
            Ok(value) => return Ok(value),
            Err(e) if Instant::now() + backoff < deadline => {
                tracing::debug!(error = %e, "{what}: trying again");
                reconnect.failed(started).await;
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(1));
            }
            Err(e) => return Err(nats_error(what, e)),
        }
    }
}

/// `key`, or a key that names nothing when NATS would refuse it: an empty
/// id (or part of one) names nothing, so a key that is no hex token is read
/// instead (the health check reads the empty id to prove the store answers).
fn readable_key(key: String) -> String {
    if key.is_empty() || key.starts_with('.') || key.ends_with('.') {
        "none".to_owned()
    } else {
        key
    }
}

/// The value of `key` in `bucket`, asked of the bucket's stream leader
/// (`STREAM.MSG.GET`, never a direct get); see [`NatsStore::kv_get_leader`].
async fn leader_get(
    bucket: &kv::Store,
    key: &str,
) -> Result<Option<Bytes>, stream::LastRawMessageError> {
    let subject = format!("{}{key}", bucket.prefix);
    match bucket
        .stream
        .get_last_raw_message_by_subject(&subject)
        .await
    {
        Ok(message) => {
            let gone = message
                .headers
                .get("KV-Operation")
                .is_some_and(|op| matches!(op.as_str(), "DEL" | "PURGE"))
                || message.headers.get("Nats-Marker-Reason").is_some();
            Ok((!gone).then_some(message.payload))
        }
        Err(e) if e.kind() == stream::LastRawMessageErrorKind::NoMessageFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Runs `work` on `handle` and waits for it from any thread (a plain
/// channel: this never needs to be outside a runtime).
fn run_on<T: Send + 'static>(
    handle: &tokio::runtime::Handle,
    work: impl Future<Output = Result<T, StoreError>> + Send + 'static,
) -> Result<T, StoreError> {
    let (send, receive) = std::sync::mpsc::sync_channel(1);
    handle.spawn(async move {
        let _ = send.send(work.await);
    });
    receive
        .recv()
        .map_err(|_| nats_error("NATS call", "the NATS runtime stopped"))?
}

/// How [`publish_until_acked`] logs a retry: what it publishes, as a
/// warning or (routine work) at debug level.
#[derive(Clone, Copy)]
enum Retries {
    Warn(&'static str),
    Debug(&'static str),
}

/// How long, and how, [`publish_until_acked`] tries again.
struct Retrying<'a> {
    /// No attempt starts after it.
    deadline: Instant,
    /// What a retry logs.
    log: Retries,
    /// Told of each failed attempt: calls that keep failing move the client
    /// to another server.
    reconnect: &'a Reconnect,
}

/// How [`publish_until_acked`] failed.
enum PublishFailed {
    /// The stream refused it with an error the caller said is final.
    Refused(jetstream::context::PublishError),
    /// Not acknowledged before the deadline; the last error.
    GaveUp(String),
}

/// Publishes one message until the stream acknowledges it, written once for
/// the documents' updates, the meeting events and the compaction snapshots.
///
/// `message` builds it afresh for each attempt, always with the same
/// `Nats-Msg-Id`, so the stream stores it once however often it is sent.
/// `sent` is an attempt already sent, whose acknowledgement is awaited
/// first. A failed attempt is sent again after a back-off (100 ms, doubling
/// to 1 s: a hot loop would starve the cluster's own recovery) until the
/// `retrying` deadline; an error `is_final` accepts ends it at once.
async fn publish_until_acked(
    js: &jetstream::Context,
    subject: &str,
    message: impl Fn() -> jetstream::message::PublishMessage,
    mut sent: Option<jetstream::context::PublishAckFuture>,
    retrying: Retrying<'_>,
    is_final: impl Fn(&jetstream::context::PublishError) -> bool,
) -> Result<jetstream::publish::PublishAck, PublishFailed> {
    let Retrying {
        deadline,
        log: retries,
        reconnect,
    } = retrying;
    let started = Instant::now();
    let mut backoff = Duration::from_millis(100);
    loop {
        let ack = match sent.take() {
            Some(ack) => Ok(ack),
            None => js.send_publish(subject.to_owned(), message()).await,
        };
        // (Each acknowledgement also times out by itself after `ACK_WAIT`.)
        let acked = match ack {
            Ok(ack) => tokio::time::timeout(ACK_WAIT * 2, ack)
                .await
                .unwrap_or_else(|_| {
                    Err(jetstream::context::PublishError::new(
                        jetstream::context::PublishErrorKind::TimedOut,
                    ))
                }),
            Err(e) => Err(e),
        };
        match acked {
            Ok(ack) => return Ok(ack),
            Err(e) if is_final(&e) => return Err(PublishFailed::Refused(e)),
            Err(e) if Instant::now() + backoff < deadline => {
                match retries {
                    Retries::Warn(what) => {
                        tracing::warn!(subject, error = %e, "{what} not acknowledged yet; publishing it again")
                    }
                    Retries::Debug(what) => {
                        tracing::debug!(subject, error = %e, "{what} not acknowledged yet; publishing it again")
                    }
                }
                reconnect.failed(started).await;
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(1));
            }
            Err(e) => return Err(PublishFailed::GaveUp(e.to_string())),
        }
    }
}

/// Publishes `publishes` (whose `ack` is `None` or failed) again, one at a
/// time and in order, with their `Nats-Msg-Id`, until acknowledged or the
/// deadline passes.
async fn publish_in_order(
    js: &jetstream::Context,
    instance: &str,
    publishes: Vec<InFlight>,
    deadline: Instant,
    reconnect: &Reconnect,
) -> Result<(), StoreError> {
    for mut publish in publishes {
        let message = || {
            jetstream::message::PublishMessage::build()
                .payload(publish.payload.clone())
                .message_id(&publish.msg_id)
                .header(INSTANCE_HEADER, instance)
        };
        let sent = publish.ack.take();
        publish_until_acked(
            js,
            &publish.subject,
            message,
            sent,
            Retrying {
                deadline,
                log: Retries::Warn("update"),
                reconnect,
            },
            |_| false,
        )
        .await
        .map_err(|e| match e {
            PublishFailed::Refused(e) => nats_error("storing an update", e),
            PublishFailed::GaveUp(e) => nats_error("storing an update", e),
        })?;
    }
    Ok(())
}

impl Store for NatsStore {
    fn create_postmortem(&self, record: &PostmortemRecord) -> Result<(), StoreError> {
        let value = serde_json::to_vec(record).expect("a record always serialises");
        self.kv_put(&self.postmortems, token(&record.id), value)
    }

    fn postmortem(&self, id: &str) -> Result<Option<PostmortemRecord>, StoreError> {
        let Some(raw) = self.kv_get(&self.postmortems, token(id))? else {
            return Ok(None);
        };
        serde_json::from_slice(&raw)
            .map(Some)
            .map_err(|e| StoreError::Corrupt {
                key: format!("postmortem {id}"),
                reason: e.to_string(),
            })
    }

    fn postmortems(&self) -> Result<Vec<PostmortemRecord>, StoreError> {
        let mut all = Vec::new();
        for (key, raw) in self.kv_values(&self.postmortems)? {
            let record: PostmortemRecord =
                serde_json::from_slice(&raw).map_err(|e| StoreError::Corrupt {
                    key,
                    reason: e.to_string(),
                })?;
            all.push(record);
        }
        all.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id)));
        Ok(all)
    }

    fn load_doc(&self, doc_id: &str) -> Result<StoredDoc, StoreError> {
        // Retried like a bucket read (see `retried`).
        let started = Instant::now();
        let tail = loop {
            match self.read_subject(&self.docs, doc_subject(doc_id)) {
                Err(e) if started.elapsed() < CALL_DEADLINE => {
                    tracing::debug!(doc = %doc_id, error = %e, "loading the document again");
                    let reconnect = self.reconnect.clone();
                    let _ = self.run(async move {
                        reconnect.failed(started).await;
                        Ok(())
                    });
                    std::thread::sleep(Duration::from_millis(250));
                }
                read => break read?,
            }
        };
        // Loaded afresh: what failed before is behind us.
        self.poisoned().remove(doc_id);
        Ok(StoredDoc {
            snapshot: None,
            tail: tail.into_iter().map(|(seq, u)| (seq, u.to_vec())).collect(),
        })
    }

    fn append_updates(&self, entries: &[LogEntry]) -> Result<(), StoreError> {
        {
            let poisoned = self.poisoned();
            if let Some(entry) = entries.iter().find(|e| poisoned.contains(&e.doc_id)) {
                return Err(nats_error(
                    "storing an update",
                    format!(
                        "document {} is reloading after a failed write",
                        entry.doc_id
                    ),
                ));
            }
        }
        let publishes: Vec<InFlight> = entries
            .iter()
            .map(|entry| InFlight {
                doc_id: entry.doc_id.clone(),
                subject: doc_subject(&entry.doc_id),
                msg_id: format!(
                    "{}-{}",
                    self.instance,
                    self.next_msg.fetch_add(1, Ordering::Relaxed)
                ),
                payload: Bytes::from(entry.update.clone()),
                ack: None,
            })
            .collect();
        let js = self.js.clone();
        let instance = self.instance.clone();
        let sent = self.run(async move {
            let mut sent = Vec::with_capacity(publishes.len());
            for mut publish in publishes {
                // A send that fails here is sent again by `flush`.
                publish.ack = js
                    .send_publish(
                        publish.subject.clone(),
                        jetstream::message::PublishMessage::build()
                            .payload(publish.payload.clone())
                            .message_id(&publish.msg_id)
                            .header(INSTANCE_HEADER, instance.as_str()),
                    )
                    .await
                    .ok();
                sent.push(publish);
            }
            Ok(sent)
        })?;
        self.in_flight().extend(sent);
        Ok(())
    }

    fn flush(&self) -> Result<(), StoreError> {
        let publishes = std::mem::take(&mut *self.in_flight());
        if publishes.is_empty() {
            return Ok(());
        }
        let docs: HashSet<String> = publishes.iter().map(|p| p.doc_id.clone()).collect();
        let js = self.js.clone();
        let instance = self.instance.clone();
        let reconnect = self.reconnect.clone();
        let result = self.run(async move {
            let deadline = Instant::now() + PUBLISH_DEADLINE;
            // Acknowledgements in order; from the first one missing on, the
            // rest are published again one at a time, in order.
            let mut publishes = publishes.into_iter();
            let mut again = Vec::new();
            for mut publish in publishes.by_ref() {
                let acked = match publish.ack.take() {
                    Some(ack) => ack.await.is_ok(),
                    None => false,
                };
                if !acked {
                    again.push(publish);
                    break;
                }
            }
            again.extend(publishes);
            publish_in_order(&js, &instance, again, deadline, &reconnect).await
        });
        if result.is_err() {
            self.poisoned().extend(docs);
        }
        result
    }

    fn write_snapshot(&self, doc_id: &str, _upto: u64, _state: &[u8]) -> Result<(), StoreError> {
        // The room's state may run ahead of the stream (updates in flight)
        // and behind it (other nodes' updates not followed yet): the
        // snapshot is made from the stream itself (`compaction`).
        self.compact_doc(doc_id)
    }

    fn put_invite(&self, invite: &InviteRecord) -> Result<(), StoreError> {
        let value = serde_json::to_vec(invite).expect("an invite always serialises");
        self.kv_put(
            &self.invites,
            format!("{}.{}", token(&invite.postmortem), token(&invite.id)),
            value,
        )
    }

    fn invite(&self, postmortem: &str, id: &str) -> Result<Option<InviteRecord>, StoreError> {
        let Some(raw) = self.kv_get_leader(
            &self.invites,
            format!("{}.{}", token(postmortem), token(id)),
        )?
        else {
            return Ok(None);
        };
        serde_json::from_slice(&raw)
            .map(Some)
            .map_err(|e| StoreError::Corrupt {
                key: format!("invite {id}"),
                reason: e.to_string(),
            })
    }

    fn invites(&self, postmortem: &str) -> Result<Vec<InviteRecord>, StoreError> {
        let prefix = format!("{}.", token(postmortem));
        let mut all = Vec::new();
        for (key, raw) in self.kv_values(&self.invites)? {
            if !key.starts_with(&prefix) {
                continue;
            }
            let invite: InviteRecord =
                serde_json::from_slice(&raw).map_err(|e| StoreError::Corrupt {
                    key,
                    reason: e.to_string(),
                })?;
            all.push(invite);
        }
        all.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(all)
    }

    fn append_meeting_events(
        &self,
        postmortem: &str,
        first_seq: u64,
        events: &[Vec<u8>],
    ) -> Result<(), StoreError> {
        let (known, last) = self.heads().get(postmortem).copied().unwrap_or((0, 0));
        if known != first_seq {
            return Err(StoreError::Conflict(format!(
                "meeting of {postmortem}: {first_seq} events seen, {known} stored"
            )));
        }
        let payload = Bytes::from(serde_json::to_vec(events).expect("bytes always serialise"));
        let js = self.js.clone();
        let subject = meeting_subject(postmortem);
        let instance = self.instance.clone();
        let msg_id = format!(
            "{}-m{}",
            self.instance,
            self.next_msg.fetch_add(1, Ordering::Relaxed)
        );
        let reconnect = self.reconnect.clone();
        let seq = self.run(async move {
            let message = || {
                jetstream::message::PublishMessage::build()
                    .payload(payload.clone())
                    .message_id(&msg_id)
                    .header(INSTANCE_HEADER, instance.as_str())
                    .expected_last_subject_sequence(last)
            };
            let deadline = Instant::now() + PUBLISH_DEADLINE;
            let wrong_last = |e: &jetstream::context::PublishError| {
                e.kind() == jetstream::context::PublishErrorKind::WrongLastSequence
            };
            match publish_until_acked(
                &js,
                &subject,
                message,
                None,
                Retrying {
                    deadline,
                    log: Retries::Warn("meeting events"),
                    reconnect: &reconnect,
                },
                wrong_last,
            )
            .await
            {
                Ok(ack) => Ok(ack.sequence),
                Err(PublishFailed::Refused(e)) => Err(StoreError::Conflict(format!(
                    "meeting of another node moved on: {e}"
                ))),
                Err(PublishFailed::GaveUp(e)) => Err(nats_error("storing meeting events", e)),
            }
        })?;
        self.heads().insert(
            postmortem.to_owned(),
            (first_seq + events.len() as u64, seq),
        );
        Ok(())
    }

    fn meeting_events(&self, postmortem: &str) -> Result<Vec<Vec<u8>>, StoreError> {
        let messages = self.read_subject(&self.meetings, meeting_subject(postmortem))?;
        let mut all = Vec::new();
        let mut last = 0;
        for (seq, payload) in messages {
            let events: Vec<Vec<u8>> =
                serde_json::from_slice(&payload).map_err(|e| StoreError::Corrupt {
                    key: format!("meeting of {postmortem} at {seq}"),
                    reason: e.to_string(),
                })?;
            all.extend(events);
            last = seq;
        }
        self.heads()
            .insert(postmortem.to_owned(), (all.len() as u64, last));
        Ok(all)
    }

    fn append_version(&self, postmortem: &str, seq: u64, version: &[u8]) -> Result<(), StoreError> {
        // Zero-padded, so the keys sort in version order.
        self.kv_put(
            &self.versions,
            format!("{}.{seq:020}", token(postmortem)),
            version.to_vec(),
        )
    }

    fn versions(&self, postmortem: &str) -> Result<Vec<Vec<u8>>, StoreError> {
        let prefix = format!("{}.", token(postmortem));
        let mut all: Vec<(String, Bytes)> = self
            .kv_values(&self.versions)?
            .into_iter()
            .filter(|(key, _)| key.starts_with(&prefix))
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(all.into_iter().map(|(_, value)| value.to_vec()).collect())
    }

    fn put_image(
        &self,
        postmortem: &str,
        id: &str,
        bytes: &[u8],
        max_images: u64,
    ) -> Result<PutImage, StoreError> {
        let _one = self.image_writes.lock().unwrap_or_else(|p| p.into_inner());
        let prefix = format!("{}.", token(postmortem));
        let name = format!("{prefix}{id}");
        let images = self.images.clone();
        let bytes = bytes.to_vec();
        // Tried again from the listing: an upload stored but not
        // acknowledged is then found already stored.
        self.run(retried(
            "storing an image",
            self.reconnect.clone(),
            move || {
                let (images, prefix, name, bytes) =
                    (images.clone(), prefix.clone(), name.clone(), bytes.clone());
                async move {
                    let mut list = images.list().await.map_err(|e| e.to_string())?;
                    let mut held = 0u64;
                    while let Some(info) = list.next().await {
                        let info = info.map_err(|e| e.to_string())?;
                        if info.deleted || !info.name.starts_with(&prefix) {
                            continue;
                        }
                        if info.name == name {
                            return Ok(PutImage::AlreadyStored);
                        }
                        held += 1;
                    }
                    if max_images > 0 && held >= max_images {
                        return Ok(PutImage::Full);
                    }
                    images
                        .put(name.as_str(), &mut bytes.as_slice())
                        .await
                        .map_err(|e| e.to_string())?;
                    Ok::<_, String>(PutImage::Stored)
                }
            },
        ))
    }

    fn image(&self, postmortem: &str, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let name = format!("{}.{}", token(postmortem), id);
        let images = self.images.clone();
        self.run(retried(
            "reading an image",
            self.reconnect.clone(),
            move || {
                let (images, name) = (images.clone(), name.clone());
                async move {
                    use tokio::io::AsyncReadExt;
                    let mut object = match images.get(name.as_str()).await {
                        Ok(object) => object,
                        Err(e) if e.kind() == object_store::GetErrorKind::NotFound => {
                            return Ok(None)
                        }
                        Err(e) => return Err(e.to_string()),
                    };
                    let mut bytes = Vec::new();
                    object
                        .read_to_end(&mut bytes)
                        .await
                        .map_err(|e| e.to_string())?;
                    Ok(Some(bytes))
                }
            },
        ))
    }

    fn image_ids(&self, postmortem: &str) -> Result<Vec<String>, StoreError> {
        let prefix = format!("{}.", token(postmortem));
        let images = self.images.clone();
        self.run(retried(
            "listing images",
            self.reconnect.clone(),
            move || {
                let (images, prefix) = (images.clone(), prefix.clone());
                async move {
                    let mut list = images.list().await.map_err(|e| e.to_string())?;
                    let mut ids = Vec::new();
                    while let Some(info) = list.next().await {
                        let info = info.map_err(|e| e.to_string())?;
                        if let Some(id) = info.name.strip_prefix(&prefix).filter(|_| !info.deleted)
                        {
                            ids.push(id.to_owned());
                        }
                    }
                    Ok::<_, String>(ids)
                }
            },
        ))
    }

    fn delete_image(&self, postmortem: &str, id: &str) -> Result<(), StoreError> {
        let _one = self.image_writes.lock().unwrap_or_else(|p| p.into_inner());
        let name = format!("{}.{}", token(postmortem), id);
        let images = self.images.clone();
        self.run(retried(
            "deleting an image",
            self.reconnect.clone(),
            move || {
                let (images, name) = (images.clone(), name.clone());
                async move {
                    match images.delete(name.as_str()).await {
                        Ok(()) => Ok(()),
                        Err(e) if e.kind() == object_store::DeleteErrorKind::NotFound => Ok(()),
                        Err(e) => Err(e),
                    }
                }
            },
        ))
    }

    fn secret(&self, name: &str, make: &dyn Fn() -> Vec<u8>) -> Result<Vec<u8>, StoreError> {
        if let Some(value) = self.kv_get_leader(&self.secrets, token(name))? {
            return Ok(value.to_vec());
        }
        let value = make();
        let bucket = self.secrets.clone();
        let key = token(name);
        let created = value.clone();
        // `create`: of two nodes starting at once, one secret wins.
        let stored = self.run(async move {
            match bucket.create(key.clone(), created.into()).await {
                Ok(_) => Ok(None),
                // Another node made it first ("already exists", or "wrong
                // last sequence" when both raced): use the stored one.
                // Read from the leader, which stored the winner's value;
                // asked again for a few seconds while it is elected.
                Err(e) => {
                    for _ in 0..20 {
                        if let Ok(Some(stored)) = leader_get(&bucket, &key).await {
                            return Ok(Some(stored));
                        }
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    Err(nats_error("storing a secret", e))
                }
            }
        })?;
        Ok(stored.map_or(value, |v| v.to_vec()))
    }

    fn dump(&self) -> Result<Vec<DumpedTree>, StoreError> {
        // A Casebook-level export in sled's layout (`nats/backup.rs`).
        backup::dump(self)
    }

    fn shared(&self) -> bool {
        true
    }

    fn claim_entry(&self, postmortem: &str, key: &str) -> Result<bool, StoreError> {
        self.claim(postmortem, key)
    }

    fn watch_revocations(&self, revoked: Revoked) -> Option<Following> {
        let invites = self.invites.clone();
        let runtime = self.runtime.as_ref()?;
        let task = runtime.spawn(async move {
            loop {
                match invites.watch_all().await {
                    Ok(mut entries) => {
                        while let Some(entry) = entries.next().await {
                            let Ok(entry) = entry else { break };
                            let Ok(invite) = serde_json::from_slice::<InviteRecord>(&entry.value)
                            else {
                                continue;
                            };
                            if invite.revoked_at.is_some() {
                                revoked(&invite.postmortem, &invite.id);
                            }
                        }
                    }
                    Err(e) => tracing::debug!(error = %e, "watching revocations again"),
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        });
        Some(Box::new(Follow(task.abort_handle())))
    }

    fn watch_meetings(&self, moved: Moved) -> Option<Following> {
        let stream = self.meetings.clone();
        let instance = self.instance.clone();
        let runtime = self.runtime.as_ref()?;
        let task = runtime.spawn(async move {
            loop {
                let consumer = stream
                    .create_consumer(consumer::pull::OrderedConfig {
                        filter_subject: "cb.mtg.>".into(),
                        deliver_policy: consumer::DeliverPolicy::New,
                        max_expires: FOLLOW_STALL,
                        ..Default::default()
                    })
                    .await;
                let messages = match consumer {
                    Ok(consumer) => consumer.messages().await,
                    Err(e) => {
                        tracing::debug!(error = %e, "watching meetings again");
                        tokio::time::sleep(Duration::from_millis(250)).await;
                        continue;
                    }
                };
                let Ok(mut messages) = messages else {
                    tokio::time::sleep(Duration::from_millis(250)).await;
                    continue;
                };
                while let Some(Ok(message)) = messages.next().await {
                    let mine = message
                        .headers
                        .as_ref()
                        .and_then(|h| h.get(INSTANCE_HEADER))
                        .is_some_and(|v| v.as_str() == instance);
                    let pm = message
                        .subject
                        .as_str()
                        .strip_prefix("cb.mtg.")
                        .and_then(untoken);
                    if let (false, Some(pm)) = (mine, pm) {
                        moved(&pm);
                    }
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        });
        Some(Box::new(Follow(task.abort_handle())))
    }

    fn follow_doc(&self, doc_id: &str, after: u64, deliver: Deliver) -> Option<Following> {
        let stream = self.docs.clone();
        let subject = doc_subject(doc_id);
        let instance = self.instance.clone();
        let doc = doc_id.to_owned();
        let runtime = self.runtime.as_ref()?;
        let task = runtime.spawn(async move {
            let mut next = after + 1;
            loop {
                match follow_from(&stream, &subject, &instance, &mut next, &*deliver).await {
                    Ok(false) => return,
                    Ok(true) => {}
                    Err(e) => {
                        tracing::debug!(doc = %doc, error = %e, "following other nodes' updates again");
                    }
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        });
        Some(Box::new(Follow(task.abort_handle())))
    }
}

/// Feeds `deliver` other nodes' updates of `subject` from stream sequence
/// `next` on, through an ordered consumer. Returns `Ok(false)` once
/// `deliver` wants no more, `Ok(true)` or an error when the consumer must be
/// made again: it errs, or the subject has messages it has not delivered
/// within [`FOLLOW_STALL`] (its server died: the consumer lived on the
/// stream leader).
async fn follow_from(
    stream: &stream::Stream,
    subject: &str,
    instance: &str,
    next: &mut u64,
    deliver: &(dyn Fn(&[u8]) -> bool + Send + Sync),
) -> Result<bool, String> {
    let consumer = stream
        .create_consumer(consumer::pull::OrderedConfig {
            filter_subject: subject.to_owned(),
            deliver_policy: consumer::DeliverPolicy::ByStartSequence {
                start_sequence: *next,
            },
            max_expires: FOLLOW_STALL,
            ..Default::default()
        })
        .await
        .map_err(|e| e.to_string())?;
    let mut messages = consumer.messages().await.map_err(|e| e.to_string())?;
    loop {
        match tokio::time::timeout(FOLLOW_STALL, messages.next()).await {
            Ok(Some(Ok(message))) => {
                let seq = message.info().map_err(|e| e.to_string())?.stream_sequence;
                if seq < *next {
                    continue;
                }
                *next = seq + 1;
                let mine = message
                    .headers
                    .as_ref()
                    .and_then(|h| h.get(INSTANCE_HEADER))
                    .is_some_and(|v| v.as_str() == instance);
                if !mine && !deliver(&message.payload) {
                    return Ok(false);
                }
            }
            Ok(Some(Err(e))) => return Err(e.to_string()),
            Ok(None) => return Ok(true),
            Err(_) => {
                // Quiet, or stuck? Any replica answers a direct get.
                match stream.get_last_raw_message_by_subject(subject).await {
                    Ok(last) if last.sequence >= *next => return Ok(true),
                    _ => {}
                }
            }
        }
    }
}

/// Checks that every NATS server fsyncs each write before acknowledging it
/// (`sync_interval: always`, reported as `sync_always` in `/varz`).
/// Returns what is wrong, one line per server; empty when all are safe.
pub async fn fsync_problems(monitor_urls: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    if monitor_urls.is_empty() {
        problems.push(
            "no --nats-monitor-url given, so the servers' fsync setting cannot be checked"
                .to_owned(),
        );
    }
    for url in monitor_urls {
        // A server starting beside this node may not listen yet.
        let started = Instant::now();
        let mut answer = varz(url).await;
        while answer.is_err() && started.elapsed() < Duration::from_secs(30) {
            tokio::time::sleep(Duration::from_millis(500)).await;
            answer = varz(url).await;
        }
        match answer {
            Ok(varz) => {
                let always = varz
                    .pointer("/jetstream/config/sync_always")
                    .or_else(|| varz.get("sync_always"))
                    .and_then(|v| v.as_bool());
                if always != Some(true) {
                    problems.push(format!(
                        "{url}: JetStream does not fsync every write (set `jetstream {{ sync_interval: always }}`)"
                    ));
                }
            }
            Err(e) => problems.push(format!("{url}: cannot read /varz: {e}")),
        }
    }
    problems
}

/// `GET <url>/varz` over plain HTTP/1.0.
async fn varz(url: &str) -> Result<serde_json::Value, String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = url
        .trim_end_matches('/')
        .strip_prefix("http://")
        .ok_or("only http:// monitoring URLs are supported")?;
    let work = async {
        let mut socket = tokio::net::TcpStream::connect(host)
            .await
            .map_err(|e| e.to_string())?;
        socket
            .write_all(format!("GET /varz HTTP/1.0\r\nHost: {host}\r\n\r\n").as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        let mut answer = Vec::new();
        socket
            .read_to_end(&mut answer)
            .await
            .map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&answer);
        let body = text
            .split_once("\r\n\r\n")
            .map(|(_, body)| body)
            .ok_or("no HTTP body")?;
        serde_json::from_str(body).map_err(|e| e.to_string())
    };
    tokio::time::timeout(Duration::from_secs(10), work)
        .await
        .map_err(|_| "no answer in 10 s".to_owned())?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_become_tokens_and_back() {
        for id in ["abc123", "abc/meeting", "", "日本"] {
            let t = token(id);
            assert!(t.bytes().all(|b| b.is_ascii_hexdigit()));
            assert_eq!(untoken(&t).as_deref(), Some(id));
        }
        assert_eq!(untoken("a"), None);
        assert_eq!(untoken("zz"), None);
    }
}
