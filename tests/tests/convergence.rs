//! Property: whatever several replicas do — insertions and deletions at
//! random places, in English and Japanese, while random ones drop off, keep
//! editing offline and come back — once all are connected again every
//! replica and the server hold the same text.
//!
//! The replicas are real y-websocket clients of the real server (a fresh
//! server per case). `CASEBOOK_PROPTEST_CASES` sets the number of cases
//! (default 12; `cargo xtask test --long` runs 100).

use casebook_core::document::new_doc;
use casebook_core::document::BODY;
use casebook_e2e::{report, server_text, Client, Created, Endpoint, Server};
use proptest::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use yrs::{Doc, GetString, Text, Transact};

const REPLICAS: usize = 3;

#[derive(Debug, Clone)]
enum Step {
    Insert {
        replica: usize,
        at: u32,
        text: String,
    },
    Delete {
        replica: usize,
        at: u32,
        len: u32,
    },
    /// The replica's socket drops; it keeps editing offline.
    Disconnect {
        replica: usize,
    },
    /// It comes back with everything it did meanwhile.
    Reconnect {
        replica: usize,
    },
    /// Time passes: edits in flight may arrive.
    Pause {
        millis: u64,
    },
}

fn step() -> impl Strategy<Value = Step> {
    let replica = 0..REPLICAS;
    prop_oneof![
        6 => (replica.clone(), any::<u32>(), "[a-z ]{1,6}|[障害復旧 、。]{1,4}")
            .prop_map(|(replica, at, text)| Step::Insert { replica, at, text }),
        3 => (replica.clone(), any::<u32>(), 1u32..8)
            .prop_map(|(replica, at, len)| Step::Delete { replica, at, len }),
        1 => replica.clone().prop_map(|replica| Step::Disconnect { replica }),
        1 => replica.prop_map(|replica| Step::Reconnect { replica }),
        1 => (0u64..30).prop_map(|millis| Step::Pause { millis }),
    ]
}

/// One replica: a document that outlives its sockets (no client while
/// offline: its edits stay local until it reconnects).
struct Replica {
    doc: Doc,
    client: Option<Client>,
}

fn body(doc: &Doc) -> yrs::TextRef {
    doc.get_or_insert_text(BODY)
}

async fn connect(server: &Endpoint, pm: &Created, doc: Doc) -> Client {
    let client = Client::connect_with_doc(&server.ws_url(&pm.id, pm.token("participant")), doc)
        .await
        .expect("connects");
    client.wait_synced().await.expect("syncs");
    client
}

async fn run_case(steps: Vec<Step>) -> Result<usize, TestCaseError> {
    // A server per case (a static one would outlive the test process).
    let server = &Server::start_with(&["--max-messages-per-sec", "0"])
        .await
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let pm = server
        .create_postmortem("property")
        .await
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut replicas = Vec::new();
    for _ in 0..REPLICAS {
        let doc = new_doc();
        let client = connect(server, &pm, doc.clone()).await;
        replicas.push(Replica {
            doc,
            client: Some(client),
        });
    }
    let mut reconnects = 0;
    for step in &steps {
        match step {
            Step::Insert { replica, at, text } => {
                let doc = &replicas[*replica].doc;
                let text_ref = body(doc);
                let mut txn = doc.transact_mut();
                let len = text_ref.len(&txn);
                text_ref.insert(&mut txn, at % (len + 1), text);
            }
            Step::Delete { replica, at, len } => {
                let doc = &replicas[*replica].doc;
                let text_ref = body(doc);
                let mut txn = doc.transact_mut();
                let total = text_ref.len(&txn);
                if total > 0 {
                    let at = at % total;
                    text_ref.remove_range(&mut txn, at, (*len).min(total - at));
                }
            }
            Step::Disconnect { replica } => replicas[*replica].client = None,
            Step::Reconnect { replica } => {
                let r = &mut replicas[*replica];
                if r.client.is_none() {
                    r.client = Some(connect(server, &pm, r.doc.clone()).await);
                    reconnects += 1;
                }
            }
            Step::Pause { millis } => tokio::time::sleep(Duration::from_millis(*millis)).await,
        }
    }
    for r in &mut replicas {
        if r.client.is_none() {
            r.client = Some(connect(server, &pm, r.doc.clone()).await);
        }
    }
    // Everyone converges with the server.
    for _ in 0..100 {
        let want = server_text(server, &pm)
            .await
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        if replicas.iter().all(|r| text(&r.doc) == want) {
            return Ok(reconnects);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let texts: Vec<String> = replicas.iter().map(|r| text(&r.doc)).collect();
    Err(TestCaseError::fail(format!(
        "no convergence within 5 s: server {:?}, replicas {texts:?}",
        server_text(server, &pm).await.unwrap_or_default()
    )))
}

fn text(doc: &Doc) -> String {
    let body = body(doc);
    let txn = doc.transact();
    body.get_string(&txn)
}

fn cases() -> u32 {
    std::env::var("CASEBOOK_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12)
}

static CASES: AtomicUsize = AtomicUsize::new(0);
static STEPS: AtomicUsize = AtomicUsize::new(0);
static RECONNECTS: AtomicUsize = AtomicUsize::new(0);

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), max_shrink_iters: 50, ..ProptestConfig::default() })]

    #[test]
    fn replicas_with_random_edits_and_disconnects_converge_through_the_server(
        steps in proptest::collection::vec(step(), 1..60)
    ) {
        let count = steps.len();
        let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
        let reconnects = runtime.block_on(run_case(steps))?;
        let steps = STEPS.fetch_add(count, Ordering::Relaxed) + count;
        let reconnects = RECONNECTS.fetch_add(reconnects, Ordering::Relaxed) + reconnects;
        if CASES.fetch_add(1, Ordering::Relaxed) + 1 == cases() as usize {
            report(&format!(
                "convergence property: {} cases, {steps} steps by {REPLICAS} replicas, \
                 {reconnects} reconnects after offline edits: all converged with the server",
                cases()
            ));
        }
    }
}
