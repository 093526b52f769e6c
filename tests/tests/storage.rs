//! What is stored stays stored: a document whose stored log is damaged is
//! refused with a clear error, and loading it changes nothing on disk.

use casebook_e2e::{server_text, Client, Process};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

/// Every key and value of the document log tree, read while the server is down.
fn log_entries(data_dir: &std::path::Path) -> Vec<(Vec<u8>, Vec<u8>)> {
    let db = sled::open(data_dir).unwrap();
    let log = db.open_tree("doc_log").unwrap();
    log.iter()
        .map(|e| e.map(|(k, v)| (k.to_vec(), v.to_vec())).unwrap())
        .collect()
}

#[tokio::test]
async fn a_damaged_log_is_refused_clearly_and_never_overwritten() {
    let mut server = Process::start().await.unwrap();
    let pm = server.create_postmortem("damaged").await.unwrap();
    let healthy = server.create_postmortem("healthy").await.unwrap();
    let url = server.ws_url(&pm.id, pm.token("author"));
    let author = Client::connect(&url).await.unwrap();
    for i in 0..5 {
        author.push(&format!("事実{i} "));
    }
    let other = Client::connect(&server.ws_url(&healthy.id, healthy.token("author")))
        .await
        .unwrap();
    other.push("無事");
    // Once a reader has seen them, the edits are on disk.
    let expected = author.text();
    let reader = Client::connect(&server.ws_url(&pm.id, pm.token("viewer")))
        .await
        .unwrap();
    reader.wait_text(&expected, WAIT).await.unwrap();
    let reader = Client::connect(&server.ws_url(&healthy.id, healthy.token("viewer")))
        .await
        .unwrap();
    reader.wait_text("無事", WAIT).await.unwrap();
    drop((author, other, reader));
    server.stop();

    // Damage one stored update of the first document.
    let mut prefix = pm.id.as_bytes().to_vec();
    prefix.push(0);
    {
        let db = sled::open(&server.data_dir).unwrap();
        let log = db.open_tree("doc_log").unwrap();
        let key = log.scan_prefix(&prefix).keys().nth(2).unwrap().unwrap();
        log.insert(key, &[0xff, 0xff, 0xff, 0xff][..]).unwrap();
        db.flush().unwrap();
    }
    let before = log_entries(&server.data_dir);

    server.start_again().await.unwrap();
    let refused = tokio_tungstenite::connect_async(&url).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 500);
            let body =
                String::from_utf8_lossy(response.body().as_deref().unwrap_or_default()).to_string();
            assert!(body.contains("could not be loaded"), "{body}");
        }
        other => panic!("a damaged document must be refused, got {other:?}"),
    }
    // The other document is unaffected.
    assert_eq!(server_text(&server, &healthy).await.unwrap(), "無事");
    server.stop();
    assert_eq!(
        log_entries(&server.data_dir),
        before,
        "loading wrote to the log"
    );

    // Repairing the record by hand (here: dropping it) brings the rest back.
    {
        let db = sled::open(&server.data_dir).unwrap();
        let log = db.open_tree("doc_log").unwrap();
        let key = log.scan_prefix(&prefix).keys().nth(2).unwrap().unwrap();
        log.remove(key).unwrap();
        db.flush().unwrap();
    }
    server.start_again().await.unwrap();
    let text = server_text(&server, &pm).await.unwrap();
    assert!(expected.starts_with("事実0 事実1 "), "{expected}");
    assert!(text.starts_with("事実0 事実1 "), "{text}");
}
