//! Cluster mode: uploaded images in the NATS object store (`cb-images`),
//! through the real paths, on three real `nats-server` processes (fsync on
//! every write, replicas 3) and two Casebook nodes.
//!
//! Node A sweeps unused images (`--unused-image-grace-secs 5`); node B's
//! sweep would come only after hours. Images are uploaded and used through
//! either node. The sweep on A lists each postmortem's images
//! (`NatsStore::image_ids`) and deletes the unused one
//! (`NatsStore::delete_image`): it is gone on both nodes, the images a
//! document, a version or another case's document mention are kept, a
//! deleted image no longer counts against the per-postmortem limit, and the
//! same image uploaded again after its deletion is stored and served again.
//!
//! A missing `nats-server` fails these tests (see `casebook_e2e::cluster`).

use anyhow::Result;
use casebook_e2e::cluster::NatsCluster;
use casebook_e2e::images::{self, gif, jpeg, png, webp};
use casebook_e2e::{Client, Created, Endpoint};
use std::time::{Duration, Instant};
use yrs::{GetString, Text, Transact};

const WAIT: Duration = Duration::from_secs(30);

/// Another GIF: the same pixel with another palette.
fn other_gif() -> Vec<u8> {
    let mut bytes = gif();
    let white = bytes
        .windows(3)
        .position(|w| w == [0xff, 0xff, 0xff])
        .expect("a white palette entry");
    bytes[white..white + 3].copy_from_slice(&[0xee, 0x33, 0x11]);
    bytes
}

/// Uploads `bytes` into `pm` through `server` as its author; the status and
/// the answer.
async fn upload(server: &Endpoint, pm: &Created, bytes: Vec<u8>) -> (u16, serde_json::Value) {
    images::upload(server, &pm.id, pm.token("author"), None, bytes).await
}

/// The status `server` answers for the image `answer` names.
async fn served(server: &Endpoint, answer: &serde_json::Value) -> u16 {
    let url = answer["url"].as_str().expect("an address");
    server
        .http
        .get(server.url(url))
        .send()
        .await
        .expect("the server answers")
        .status()
        .as_u16()
}

fn markdown(answer: &serde_json::Value) -> String {
    answer["markdown"].as_str().expect("markdown").to_owned()
}

/// Makes `pm`'s Summary read `text` through `server` and waits until the
/// server has stored it.
async fn set_summary(server: &Endpoint, pm: &Created, text: &str) -> Result<()> {
    let name = casebook_core::document::section_text_name("summary");
    let writer = Client::connect(&server.ws_url(&pm.id, pm.token("author"))).await?;
    {
        let summary = writer.doc.get_or_insert_text(name.as_str());
        let mut txn = writer.doc.transact_mut();
        let len = summary.len(&txn);
        summary.remove_range(&mut txn, 0, len);
        summary.insert(&mut txn, 0, text);
    }
    let viewer = Client::connect(&server.ws_url(&pm.id, pm.token("viewer"))).await?;
    viewer
        .wait_until(WAIT, |c| {
            let summary = c.doc.get_or_insert_text(name.as_str());
            summary.get_string(&c.doc.transact()) == text
        })
        .await
}

/// Waits until both nodes answer `status` for the image.
async fn until_both(nodes: [&Endpoint; 2], answer: &serde_json::Value, status: u16) {
    let started = Instant::now();
    for node in nodes {
        while served(node, answer).await != status {
            assert!(
                started.elapsed() < WAIT,
                "{answer} never answered {status} on every node"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_unused_image_sweep_deletes_through_nats_and_every_node_agrees() -> Result<()> {
    let nats = NatsCluster::start().await?;
    let sweeping = [
        "--max-images-per-doc",
        "4",
        "--unused-image-grace-secs",
        "5",
    ];
    let (a, b) = tokio::join!(nats.node("a", &sweeping), nats.node("b", &sweeping[..2]));
    let (a, b) = (a?, b?);
    let both = [&*a, &*b];
    let pm = a.create_postmortem("画像 images").await?;
    let other = b.create_postmortem("another case").await?;

    // Four images, up to the limit, through both nodes.
    let (status, shown) = upload(&a, &pm, png()).await;
    assert_eq!(status, 201, "{shown}");
    let (status, in_a_version) = upload(&b, &pm, webp()).await;
    assert_eq!(status, 201, "{in_a_version}");
    let (status, copied) = upload(&a, &pm, jpeg()).await;
    assert_eq!(status, 201, "{copied}");
    let (status, unused) = upload(&b, &pm, gif()).await;
    assert_eq!(status, 201, "{unused}");
    let (status, refused) = upload(&a, &pm, other_gif()).await;
    assert_eq!(status, 409, "a fifth image over the limit: {refused}");
    for image in [&shown, &in_a_version, &copied, &unused] {
        until_both(both, image, 200).await;
    }

    // In the document; in a version only; copied into another case.
    let text = format!("{}\n{}", markdown(&shown), markdown(&in_a_version));
    set_summary(&b, &pm, &text).await?;
    let (status, saved) = b
        .post(
            &format!("/api/postmortems/{}/versions", pm.id),
            pm.token("author"),
            serde_json::json!({"label": "グラフ入り with the graph"}),
        )
        .await;
    assert_eq!(status, 201, "{saved}");
    set_summary(&b, &pm, &markdown(&shown)).await?;
    set_summary(&a, &other, &markdown(&copied)).await?;

    // A's sweep deletes the unused image from the object store: gone on
    // both nodes; the others stay.
    until_both(both, &unused, 404).await;
    for kept in [&shown, &in_a_version, &copied] {
        for node in both {
            assert_eq!(served(node, kept).await, 200, "{kept}");
        }
    }

    // A deleted image no longer counts: another fits, and then the pm is
    // full again.
    let (status, fourth) = upload(&b, &pm, other_gif()).await;
    assert_eq!(status, 201, "{fourth}");
    let (status, refused) = upload(&a, &pm, gif()).await;
    assert_eq!(status, 409, "{refused}");
    // Unused too: swept in turn; then the first one may come back, and is
    // stored and served again under the name it had.
    until_both(both, &fourth, 404).await;
    let (status, again) = upload(&a, &pm, gif()).await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(again["url"], unused["url"]);
    for node in both {
        assert_eq!(served(node, &again).await, 200);
    }
    Ok(())
}
