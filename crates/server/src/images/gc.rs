//! The unused-image sweep: images that no postmortem's document nor any
//! kept version mentions any more are deleted, once they have gone unused
//! for the grace period (`--unused-image-grace-secs`, a day by default).
//!
//! The grace period is what keeps an undo safe (an image deleted from a
//! section and brought back by Ctrl+Z) and an image pasted whose Markdown
//! has not reached the server yet. An image counts as unused from the first
//! sweep that finds it so; that time is kept in memory, so a restart only
//! makes a sweep wait longer, never delete sooner. An upload of the same
//! image takes it off the list, under the same lock as the deletion, so an
//! image pasted again is never deleted under it.
//!
//! References are looked for in every postmortem (a section copied from
//! one case into another still shows the first case's image):
//! `casebook_core::image::image_references` over each document's sections
//! and draft and over each kept version. Cluster mode: each node sweeps with
//! its own clock of unused images; an image pasted again on one node at the
//! moment another deletes it can be lost (the window is the grace period's
//! end, to the millisecond).

use crate::store::Store;
use crate::AppState;
use casebook_core::image::image_references;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The longest time between two sweeps: an unused image is deleted at most
/// this long after its grace period ended.
const SWEEP_AT_MOST_EVERY: Duration = Duration::from_secs(3600);

/// `(postmortem, image id)`.
type ImageKey = (String, String);

/// When each image was first found unused, in Unix milliseconds.
#[derive(Default)]
pub struct UnusedImages {
    since: Mutex<HashMap<ImageKey, u64>>,
}

impl UnusedImages {
    /// Stores an upload with `put` while no sweep deletes it: the image is
    /// taken off the unused list first.
    pub fn uploading<T>(&self, pm: &str, id: &str, put: impl FnOnce() -> T) -> T {
        let mut since = self.since.lock().unwrap_or_else(|p| p.into_inner());
        since.remove(&(pm.to_owned(), id.to_owned()));
        put()
    }
}

/// How often the sweep runs for a grace period: often enough that an image
/// goes within half a grace period after it, at most hourly, at least each
/// second.
pub fn sweep_every(grace: Duration) -> Duration {
    (grace / 2).clamp(Duration::from_secs(1), SWEEP_AT_MOST_EVERY)
}

/// Every image mentioned in any postmortem's document or versions.
async fn referenced(app: &AppState, pms: &[String]) -> Result<BTreeSet<ImageKey>, String> {
    let mut referenced = BTreeSet::new();
    let mut note = |text: &str| {
        for (pm, id) in image_references(text) {
            referenced.insert((pm.to_owned(), id.to_owned()));
        }
    };
    for pm in pms {
        let case = crate::case::read_case(app, pm)
            .await
            .map_err(|e| e.message)?;
        note(&case.draft);
        for section in &case.sections {
            note(&section.markdown);
        }
        let versions = crate::versions::all_versions(app, pm)
            .await
            .map_err(|e| e.message)?;
        for version in &versions {
            for section in &version.sections {
                note(&section.markdown);
            }
        }
    }
    Ok(referenced)
}

/// One sweep at `now_ms`: notes the images newly unused and deletes those
/// unused for `grace`. Answers how many it deleted.
pub async fn sweep(app: &AppState, grace: Duration, now_ms: u64) -> Result<usize, String> {
    let store = Arc::clone(&app.store);
    let stored = tokio::task::spawn_blocking(move || -> Result<_, String> {
        let pms: Vec<String> = store
            .postmortems()
            .map_err(|e| e.to_string())?
            .into_iter()
            .map(|r| r.id)
            .collect();
        let mut images = Vec::new();
        for pm in &pms {
            for id in store.image_ids(pm).map_err(|e| e.to_string())? {
                images.push((pm.clone(), id));
            }
        }
        Ok((pms, images))
    })
    .await
    .map_err(|e| e.to_string())??;
    let (pms, images) = stored;
    if images.is_empty() {
        app.unused_images
            .since
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        return Ok(0);
    }
    let referenced = referenced(app, &pms).await?;
    let unused: Vec<ImageKey> = images
        .into_iter()
        .filter(|key| !referenced.contains(key))
        .collect();
    let store = Arc::clone(&app.store);
    let images = Arc::clone(&app.unused_images);
    let grace_ms = u64::try_from(grace.as_millis()).unwrap_or(u64::MAX);
    tokio::task::spawn_blocking(move || delete_unused(&*store, &images, unused, grace_ms, now_ms))
        .await
        .map_err(|e| e.to_string())?
}

/// Forgets images used again, notes the newly unused, deletes those unused
/// for `grace_ms`, under the lock uploads take.
fn delete_unused(
    store: &dyn Store,
    images: &UnusedImages,
    unused: Vec<ImageKey>,
    grace_ms: u64,
    now_ms: u64,
) -> Result<usize, String> {
    let mut since = images.since.lock().unwrap_or_else(|p| p.into_inner());
    let unused: BTreeSet<ImageKey> = unused.into_iter().collect();
    since.retain(|key, _| unused.contains(key));
    let mut deleted = 0;
    for key in unused {
        let first = *since.entry(key.clone()).or_insert(now_ms);
        if now_ms.saturating_sub(first) < grace_ms {
            continue;
        }
        store
            .delete_image(&key.0, &key.1)
            .map_err(|e| e.to_string())?;
        since.remove(&key);
        tracing::info!(postmortem = %key.0, image = %key.1, "unused image deleted");
        deleted += 1;
    }
    Ok(deleted)
}

/// Sweeps every [`sweep_every`] until the task is aborted.
pub async fn run(app: AppState, grace: Duration) {
    // Not at start: a restart is busy enough, and nothing is due then.
    let every = sweep_every(grace);
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match sweep(&app, grace, crate::meeting::now_ms()).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, "unused images swept"),
            Err(e) => tracing::warn!(error = %e, "unused images not swept"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SledStore;

    fn key(pm: &str, id: &str) -> ImageKey {
        (pm.to_owned(), id.to_owned())
    }

    #[test]
    fn an_image_goes_only_after_a_whole_grace_period_unused_and_an_upload_restarts_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        for id in ["a", "b"] {
            store.put_image("pm", id, id.as_bytes(), 0).unwrap();
        }
        let images = UnusedImages::default();
        let unused = || vec![key("pm", "a"), key("pm", "b")];
        let sweep = |now| delete_unused(&store, &images, unused(), 1_000, now).unwrap();
        assert_eq!(sweep(10_000), 0, "first found unused");
        assert_eq!(sweep(10_999), 0, "not yet a whole grace period");
        // "a" is pasted again: its grace period starts over.
        images.uploading("pm", "a", || store.put_image("pm", "a", b"a", 0).unwrap());
        assert_eq!(sweep(11_000), 1, "b goes");
        assert_eq!(store.image_ids("pm").unwrap(), vec!["a".to_owned()]);
        assert_eq!(sweep(11_999), 0);
        assert_eq!(sweep(12_000), 1, "a goes a grace period after its upload");
        assert!(store.image_ids("pm").unwrap().is_empty());
    }

    #[test]
    fn an_image_used_again_is_forgotten_by_the_sweep() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        store.put_image("pm", "a", b"a", 0).unwrap();
        let images = UnusedImages::default();
        assert_eq!(
            delete_unused(&store, &images, vec![key("pm", "a")], 1_000, 0).unwrap(),
            0
        );
        // Mentioned again (an undo) at the next sweep, unused at the one after.
        assert_eq!(
            delete_unused(&store, &images, vec![], 1_000, 500).unwrap(),
            0
        );
        assert_eq!(
            delete_unused(&store, &images, vec![key("pm", "a")], 1_000, 1_200).unwrap(),
            0
        );
        assert_eq!(store.image_ids("pm").unwrap(), vec!["a".to_owned()]);
    }

    #[test]
    fn sweeps_run_often_enough_for_the_grace_period_and_at_most_hourly() {
        assert_eq!(
            sweep_every(Duration::from_secs(86_400)),
            Duration::from_secs(3600)
        );
        assert_eq!(
            sweep_every(Duration::from_secs(600)),
            Duration::from_secs(300)
        );
        assert_eq!(sweep_every(Duration::ZERO), Duration::from_secs(1));
    }
}
