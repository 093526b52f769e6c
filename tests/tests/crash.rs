//! Crash safety under load: real clients edit several documents and a
//! facilitator, an author and a participant send meeting commands while the
//! server is killed with `kill -9` at random moments, several times in a row,
//! and restarted on the same data directory.
//!
//! After every restart, *before any client reconnects* (a reconnecting
//! replica would resend what the server lost and hide the loss), a fresh
//! client must find every edit that any client had seen arrive from someone
//! else (each replica's state vector, minus its own entry), and the meeting
//! must hold every command that got a 2xx answer, with each answer's Q&A
//! entry in the document exactly once. At the end every replica reconnects
//! and all of them converge with the server.
//!
//! `CASEBOOK_CRASH_CYCLES` sets the number of kills (default 3; `cargo xtask
//! test --long` runs 20); `CASEBOOK_CRASH_SEED` replays a run's random
//! choices (the seed is printed).

use anyhow::{anyhow, ensure, Context, Result};
use casebook_core::anchor::Anchor;
use casebook_core::close;
use casebook_core::comment::qa_entry_markdown;
use casebook_core::document::{new_doc, section_text_name, BODY, QA_SECTION};
use casebook_e2e::{report, Client, Created, Endpoint, Process};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use yrs::block::ClientID;
use yrs::{Doc, GetString, ReadTxn, StateVector, Text, Transact};

const DOCS: usize = 3;
const WRITERS_PER_DOC: usize = 2;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One browser tab's replica: it outlives its sockets and keeps editing
/// while the server is down, as a real tab does.
struct Replica {
    doc_no: usize,
    url: String,
    writer: bool,
    doc: Doc,
    client: Option<Client>,
    /// This replica's own clock after each of its edits.
    edits: Vec<u32>,
}

impl Replica {
    fn own_clock(&self) -> u32 {
        self.doc
            .transact()
            .state_vector()
            .get(&self.doc.client_id())
    }

    /// What this replica has seen of everyone else.
    fn seen(&self) -> Vec<(ClientID, u32)> {
        let own = self.doc.client_id();
        self.doc
            .transact()
            .state_vector()
            .iter()
            .filter(|(client, _)| **client != own)
            .map(|(client, clock)| (*client, *clock))
            .collect()
    }

    async fn reconnect(&mut self) -> Result<()> {
        // The old client unregisters its update observer when dropped; drop
        // it before the new one registers its own.
        self.client = None;
        let client = Client::connect_with_doc(&self.url, self.doc.clone())
            .await
            .with_context(|| format!("reconnecting a replica of doc {}", self.doc_no))?;
        self.client = Some(client);
        Ok(())
    }

    /// One random edit of the body: mostly an insertion, sometimes a deletion.
    fn edit(&mut self, rng: &mut StdRng, n: usize) {
        const WORDS: [&str; 6] = [
            "障害 ",
            "rollback ",
            "MySQL on EC2 ",
            "切り戻し ",
            "p99 ",
            "復旧しました。",
        ];
        let body = self.doc.get_or_insert_text(BODY);
        {
            let mut txn = self.doc.transact_mut();
            let len = body.len(&txn);
            if len > 40 && rng.random_bool(0.2) {
                let at = rng.random_range(0..len - 1);
                let count = rng.random_range(1..=(len - at).min(6));
                body.remove_range(&mut txn, at, count);
            } else {
                let at = rng.random_range(0..=len);
                let word = WORDS[rng.random_range(0..WORDS.len())];
                body.insert(&mut txn, at, &format!("[{}:{n}]{word}", self.doc_no));
            }
        }
        self.edits.push(self.own_clock());
    }
}

/// What the meeting must hold: every command that got a 2xx.
#[derive(Default, Clone)]
struct Expected {
    questions: Vec<String>,
    replies: Vec<(String, String)>,
    answers: Vec<(String, String)>,
    in_q_and_a: bool,
}

impl Expected {
    fn commands(&self) -> usize {
        self.questions.len()
            + self.replies.len()
            + self.answers.len()
            + 1
            + self.in_q_and_a as usize
    }
}

struct Meeting {
    created: Created,
    facilitator: String,
    author: String,
    participant: String,
    expected: Arc<Mutex<Expected>>,
}

async fn join(server: &Endpoint, pm: &Created, role: &str, name: &str) -> Result<String> {
    let (status, answer) = server
        .call(
            reqwest::Method::POST,
            &format!("/api/postmortems/{}/join", pm.id),
            pm.token(role),
            Some(json!({ "name": name })),
        )
        .await;
    ensure!(status == 200, "join answered {status}: {answer}");
    Ok(answer["token"].as_str().unwrap_or_default().to_owned())
}

/// Sends a command until the server answers (the server may be down): the
/// same `command_id` every time, so a command that was done before a crash
/// is not done twice.
async fn send(
    http: &reqwest::Client,
    base: &str,
    pm: &str,
    token: &str,
    body: &Value,
) -> (u16, Value) {
    let url = format!("{base}/api/postmortems/{pm}/commands");
    loop {
        match http.post(&url).bearer_auth(token).json(body).send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                return (status, response.json().await.unwrap_or(Value::Null));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(30)).await,
        }
    }
}

async fn get_meeting(http: &reqwest::Client, base: &str, pm: &str, token: &str) -> Result<Value> {
    let url = format!("{base}/api/postmortems/{pm}/meeting");
    loop {
        match http.get(&url).bearer_auth(token).send().await {
            Ok(response) => {
                ensure!(
                    response.status() == 200,
                    "GET meeting answered {}",
                    response.status()
                );
                return Ok(response.json().await?);
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(30)).await,
        }
    }
}

fn comment_by_text<'a>(meeting: &'a Value, text: &str) -> Vec<&'a Value> {
    meeting["state"]["comments"]
        .as_array()
        .map(|all| all.iter().filter(|c| c["text"] == text).collect())
        .unwrap_or_default()
}

/// The facilitator, the author and a participant run their meeting: questions,
/// replies, then Q&A with answers, until told to stop.
async fn run_meeting(
    base: String,
    doc_no: usize,
    m: Arc<Meeting>,
    stop: Arc<AtomicBool>,
) -> Result<()> {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(20))
        .build()?;
    let pm = m.created.id.clone();
    let anchor = {
        let doc = new_doc();
        let text = doc.get_or_insert_text(BODY);
        text.insert(&mut doc.transact_mut(), 0, "接続プール pool");
        let txn = doc.transact();
        Anchor::new(&txn, &text, BODY, 0..5).map_err(|e| anyhow!("{e}"))?
    };
    let mut open: Vec<(String, String)> = Vec::new();
    let mut i = 0usize;
    while !stop.load(Ordering::Relaxed) {
        let command = |body: Value| {
            let mut body = body;
            body["command_id"] = json!(format!(
                "d{doc_no}-c{i}-{}",
                body["type"].as_str().unwrap_or("")
            ));
            body
        };
        let question = format!("Q{doc_no}-{i}: なぜ再試行が遅れた? why slow retries");
        let (status, answer) = send(&http, &base, &pm, &m.participant, &command(json!({"type": "post_comment", "kind": "question", "anchor": anchor, "text": question}))).await;
        ensure!(status == 200, "post_comment answered {status}: {answer}");
        m.expected.lock().unwrap().questions.push(question.clone());
        let id = match answer["events"][0]["comment_id"].as_str() {
            Some(id) => id.to_owned(),
            // Done before a crash: the repeat answered with no events.
            None => {
                let meeting = get_meeting(&http, &base, &pm, &m.facilitator).await?;
                let found = comment_by_text(&meeting, &question);
                found
                    .first()
                    .and_then(|c| c["id"].as_str())
                    .map(str::to_owned)
                    .context("a 2xx question is missing")?
            }
        };
        open.push((id.clone(), question));
        let reply = format!("R{doc_no}-{i}: 調べます (looking)");
        let (status, answer) = send(
            &http,
            &base,
            &pm,
            &m.facilitator,
            &command(json!({"type": "reply", "comment_id": id, "text": reply})),
        )
        .await;
        ensure!(status == 200, "reply answered {status}: {answer}");
        m.expected
            .lock()
            .unwrap()
            .replies
            .push((open.last().map(|q| q.1.clone()).unwrap_or_default(), reply));
        if i == 2 {
            let (status, answer) = send(
                &http,
                &base,
                &pm,
                &m.facilitator,
                &command(json!({"type": "move_phase", "to": "q_and_a"})),
            )
            .await;
            ensure!(status == 200, "move_phase answered {status}: {answer}");
            m.expected.lock().unwrap().in_q_and_a = true;
        }
        if i >= 2 {
            let (id, question) = open.remove(0);
            let text = format!("A{doc_no}-{i}: 接続プールの枯渇です。pool exhausted");
            let (status, answer) = send(
                &http,
                &base,
                &pm,
                &m.author,
                &command(json!({"type": "answer_question", "comment_id": id, "text": text})),
            )
            .await;
            ensure!(status == 200, "answer_question answered {status}: {answer}");
            m.expected.lock().unwrap().answers.push((question, text));
        }
        i += 1;
    }
    Ok(())
}

fn section_text(client: &Client, section: &str) -> String {
    let text = client
        .doc
        .get_or_insert_text(section_text_name(section).as_str());
    let txn = client.doc.transact();
    text.get_string(&txn)
}

/// Checks the meeting against every 2xx command, and the Q&A section of a
/// fresh client's document against every 2xx answer.
async fn check_meeting(
    server: &Endpoint,
    m: &Meeting,
    expected: &Expected,
    probe: &Client,
) -> Result<()> {
    let http = reqwest::Client::new();
    let meeting = get_meeting(&http, &server.url(""), &m.created.id, &m.facilitator).await?;
    let phase = meeting["state"]["phase"].as_str().unwrap_or_default();
    ensure!(
        phase
            == if expected.in_q_and_a {
                "q_and_a"
            } else {
                "silent_reading"
            },
        "phase is {phase}"
    );
    for question in &expected.questions {
        let found = comment_by_text(&meeting, question);
        ensure!(
            found.len() == 1,
            "question {question:?} is there {} times",
            found.len()
        );
    }
    for (question, reply) in &expected.replies {
        let comment = comment_by_text(&meeting, question)[0];
        let count = comment["replies"].as_array().map_or(0, |r| {
            r.iter().filter(|x| x["text"] == reply.as_str()).count()
        });
        ensure!(count == 1, "reply {reply:?} is there {count} times");
    }
    let qa = section_text(probe, QA_SECTION);
    for (question, answer) in &expected.answers {
        let comment = comment_by_text(&meeting, question)[0];
        ensure!(
            comment["answer"]["text"] == answer.as_str(),
            "answer {answer:?} missing from the meeting: {comment}"
        );
        let entry = qa_entry_markdown(question, answer);
        let count = qa.matches(entry.as_str()).count();
        ensure!(
            count == 1,
            "the Q&A entry for {answer:?} is in the document {count} times; Q&A section:\n{qa}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn every_seen_edit_and_every_2xx_command_survives_repeated_kill_9() {
    let cycles = env_number("CASEBOOK_CRASH_CYCLES", 3) as usize;
    let seed = env_number("CASEBOOK_CRASH_SEED", rand::random::<u64>());
    report(&format!(
        "crash test: {cycles} kill -9 cycles, seed {seed} (CASEBOOK_CRASH_SEED={seed} replays it)"
    ));
    let mut rng = StdRng::seed_from_u64(seed);
    // Small snapshots and quick unloading put compaction in the way of the kills.
    let mut server = Process::start_with(&["--snapshot-every", "25", "--idle-unload-secs", "1"])
        .await
        .unwrap();

    let mut meetings = Vec::new();
    let mut replicas = Vec::new();
    for doc_no in 0..DOCS {
        let created = server
            .create_postmortem(&format!("障害 {doc_no}"))
            .await
            .unwrap();
        let facilitator = join(&server, &created, "facilitator", "SRE 佐藤")
            .await
            .unwrap();
        let author = join(&server, &created, "author", "Aoki").await.unwrap();
        let participant = join(&server, &created, "participant", "Pat 鈴木")
            .await
            .unwrap();
        let (status, answer) = server
            .call(
                reqwest::Method::POST,
                &format!("/api/postmortems/{}/commands", created.id),
                &facilitator,
                Some(json!({"command_id": "start", "type": "move_phase", "to": "silent_reading"})),
            )
            .await;
        assert_eq!(status, 200, "{answer}");
        for w in 0..=WRITERS_PER_DOC {
            let writer = w < WRITERS_PER_DOC;
            let token = if writer {
                created.token("participant")
            } else {
                created.token("viewer")
            };
            let mut replica = Replica {
                doc_no,
                url: server.ws_url(&created.id, token),
                writer,
                doc: new_doc(),
                client: None,
                edits: Vec::new(),
            };
            replica.reconnect().await.unwrap();
            replicas.push(replica);
        }
        meetings.push(Arc::new(Meeting {
            created,
            facilitator,
            author,
            participant,
            expected: Arc::new(Mutex::new(Expected::default())),
        }));
    }
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = meetings
        .iter()
        .enumerate()
        .map(|(doc_no, m)| {
            tokio::spawn(run_meeting(
                server.url(""),
                doc_no,
                Arc::clone(m),
                Arc::clone(&stop),
            ))
        })
        .collect();

    // Per document: the highest clock of each replica that someone saw.
    let mut must_have: Vec<HashMap<ClientID, u32>> = vec![HashMap::new(); DOCS];
    let mut n = 0usize;
    for cycle in 0..cycles {
        let run_for = Duration::from_millis(rng.random_range(300..1500));
        let until = tokio::time::Instant::now() + run_for;
        while tokio::time::Instant::now() < until {
            let writers: Vec<usize> = (0..replicas.len())
                .filter(|r| replicas[*r].writer)
                .collect();
            let r = writers[rng.random_range(0..writers.len())];
            replicas[r].edit(&mut rng, n);
            n += 1;
            tokio::time::sleep(Duration::from_millis(rng.random_range(0..6))).await;
        }
        // What every replica has seen arrive from others must outlive the kill.
        for replica in &replicas {
            for (client, clock) in replica.seen() {
                let have = must_have[replica.doc_no].entry(client).or_default();
                *have = (*have).max(clock);
            }
        }
        let expected: Vec<Expected> = meetings
            .iter()
            .map(|m| m.expected.lock().unwrap().clone())
            .collect();
        server.kill9();
        // Tabs keep editing while the server is gone.
        for replica in replicas.iter_mut().filter(|r| r.writer) {
            replica.edit(&mut rng, n);
            n += 1;
        }
        server.start_again().await.unwrap();

        let mut seen_edits = 0usize;
        for (doc_no, m) in meetings.iter().enumerate() {
            let probe = Client::connect(&server.ws_url(&m.created.id, m.created.token("viewer")))
                .await
                .unwrap();
            let sv: StateVector = probe.doc.transact().state_vector();
            for (client, clock) in &must_have[doc_no] {
                assert!(
                    sv.get(client) >= *clock,
                    "cycle {cycle}: doc {doc_no} lost edits of replica {client} that others had seen: \
                     server has clock {}, seen {clock}; log:\n{}",
                    sv.get(client),
                    server.log()
                );
            }
            check_meeting(&server, m, &expected[doc_no], &probe)
                .await
                .unwrap_or_else(|e| panic!("cycle {cycle}: doc {doc_no}: {e:#}"));
            seen_edits += replicas
                .iter()
                .filter(|r| r.doc_no == doc_no)
                .map(|r| {
                    let seen = must_have[doc_no]
                        .get(&r.doc.client_id())
                        .copied()
                        .unwrap_or(0);
                    r.edits.iter().filter(|clock| **clock <= seen).count()
                })
                .sum::<usize>();
        }
        let commands: usize = expected.iter().map(Expected::commands).sum();
        report(&format!(
            "crash test: cycle {cycle}: killed after {} ms; {seen_edits} seen edits and {commands} 2xx commands present",
            run_for.as_millis()
        ));
        for replica in &mut replicas {
            replica.reconnect().await.unwrap();
        }
    }

    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.await.unwrap().unwrap();
    }
    // Every replica converges with the server, whatever it did offline.
    let mut converged = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mut all = true;
        for (doc_no, m) in meetings.iter().enumerate() {
            let probe = Client::connect(&server.ws_url(&m.created.id, m.created.token("viewer")))
                .await
                .unwrap();
            let want = (probe.text(), section_text(&probe, QA_SECTION));
            all &= replicas.iter().filter(|r| r.doc_no == doc_no).all(|r| {
                let client = r.client.as_ref().expect("connected");
                (client.text(), section_text(client, QA_SECTION)) == want
            });
        }
        if all {
            converged = true;
            break;
        }
    }
    assert!(
        converged,
        "replicas did not converge with the server within 10 s"
    );
    let mut total_commands = 0;
    for m in &meetings {
        let expected = m.expected.lock().unwrap().clone();
        let probe = Client::connect(&server.ws_url(&m.created.id, m.created.token("viewer")))
            .await
            .unwrap();
        check_meeting(&server, m, &expected, &probe).await.unwrap();
        total_commands += expected.commands();
    }
    let edits: usize = replicas.iter().map(|r| r.edits.len()).sum();
    report(&format!(
        "crash test: {cycles} kills survived; {edits} edits from {} replicas in {DOCS} documents converged, \
         {total_commands} 2xx commands present",
        replicas.iter().filter(|r| r.writer).count()
    ));
}

#[tokio::test]
async fn sigterm_closes_sockets_with_1012_and_keeps_every_edit() {
    let mut server = Process::start().await.unwrap();
    let pm = server.create_postmortem("graceful").await.unwrap();
    let url = server.ws_url(&pm.id, pm.token("author"));
    let writer = Client::connect(&url).await.unwrap();
    let reader = Client::connect(&server.ws_url(&pm.id, pm.token("viewer")))
        .await
        .unwrap();
    for i in 0..20 {
        writer.push(&format!("行{i} "));
    }
    let text = writer.text();
    reader
        .wait_text(&text, Duration::from_secs(10))
        .await
        .unwrap();
    server.stop();
    for client in [&writer, &reader] {
        let closed = client.wait_closed(Duration::from_secs(5)).await.unwrap();
        assert_eq!(closed.code, close::RESTARTING, "{closed:?}");
        assert!(closed.reason.contains("restarting"), "{closed:?}");
    }
    server.start_again().await.unwrap();
    assert_eq!(casebook_e2e::server_text(&server, &pm).await.unwrap(), text);
}
