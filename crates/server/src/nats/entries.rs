//! Cluster mode: who writes a Q&A or Kudos entry into the document.
//!
//! An entry is written by the node that decided its event, and again by any
//! node that loads the meeting and finds its mark missing (a crash between
//! the event and the entry). Without more, a node loading the meeting in the
//! milliseconds between another node storing an answer and its entry
//! reaching the document would write it a second time. So each writer first
//! claims the entry in the KV bucket `cb-entries` (key `<hex pm>.<hex mark
//! key>`) with `create`, which exactly one node wins; the others leave it.
//! A claim lives [`CLAIM_LIFETIME`] (the bucket's `max_age`), far longer than
//! a write may take ([`super::PUBLISH_DEADLINE`]): a node that left an entry
//! to another looks again after it (`meeting.rs`), and writes it, with a new
//! claim, only if the claimer died before its entry was stored.

use super::{nats_error, token, NatsStore, PUBLISH_DEADLINE};
use crate::store::StoreError;
use async_nats::jetstream::{kv, stream};
use std::time::{Duration, Instant};

/// How long a claim on an entry stands.
pub const CLAIM_LIFETIME: Duration = Duration::from_secs(60);
const BUCKET: &str = "cb-entries";

impl NatsStore {
    /// Claims the entry `key` of `postmortem` for this node: true when this
    /// node (this process) holds the claim. Blocking.
    pub fn claim(&self, postmortem: &str, key: &str) -> Result<bool, StoreError> {
        let js = self.js.clone();
        let replicas = self.docs.cached_info().config.num_replicas;
        let key = format!("{}.{}", token(postmortem), token(key));
        let instance = self.instance.clone();
        self.run(async move {
            let deadline = Instant::now() + PUBLISH_DEADLINE;
            let mut backoff = Duration::from_millis(100);
            loop {
                let attempt = async {
                    let bucket = match js.get_key_value(BUCKET).await {
                        Ok(bucket) => bucket,
                        Err(_) => js
                            .create_key_value(kv::Config {
                                bucket: BUCKET.into(),
                                history: 1,
                                max_age: CLAIM_LIFETIME,
                                num_replicas: replicas,
                                storage: stream::StorageType::File,
                                ..Default::default()
                            })
                            .await
                            .map_err(|e| e.to_string())?,
                    };
                    match bucket.create(key.as_str(), instance.clone().into()).await {
                        Ok(_) => Ok(true),
                        Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => {
                            // Ours when an earlier attempt's answer was lost.
                            let held = bucket.get(key.as_str()).await.map_err(|e| e.to_string())?;
                            Ok(held.is_some_and(|v| v.as_ref() == instance.as_bytes()))
                        }
                        Err(e) => Err(e.to_string()),
                    }
                };
                match attempt.await {
                    Ok(mine) => return Ok(mine),
                    Err(e) if Instant::now() + backoff < deadline => {
                        tracing::debug!(error = %e, "claiming an entry: trying again");
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_secs(1));
                    }
                    Err(e) => return Err(nats_error("claiming an entry", e)),
                }
            }
        })
    }

    /// Withdraws a claim, as if its node had died and the claim lapsed
    /// (tests play such a node with it). Blocking.
    pub fn release_claim(&self, postmortem: &str, key: &str) -> Result<(), StoreError> {
        let js = self.js.clone();
        let key = format!("{}.{}", token(postmortem), token(key));
        self.run(async move {
            let bucket = js
                .get_key_value(BUCKET)
                .await
                .map_err(|e| nats_error("releasing a claim", e))?;
            bucket
                .purge(key)
                .await
                .map_err(|e| nats_error("releasing a claim", e))
        })
    }
}
