//! What the meeting room projects for the facilitator to see the room:
//! who of the readers here has finished reading, by name (each person once,
//! however many tabs; viewers, the facilitator and the author not counted),
//! and the phase timer that starts with its phase unless auto-start is off.
//! Through real sockets on the real server, as the browser reads the room.

use casebook_e2e::{Client, Server};
use serde_json::json;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

/// One person: their personal token from `join`.
/// The readers the room shows: (name, done), and "done of present".
fn reading(room: &Client) -> (Vec<(String, bool)>, u64, u64) {
    let Some(reading) = room.map_json("meeting", "reading") else {
        return (Vec::new(), 0, 0);
    };
    let readers = reading["readers"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|r| {
                    let name = r["display_name"].as_str().unwrap_or_default().to_owned();
                    (name, r["done"] == json!(true))
                })
                .collect()
        })
        .unwrap_or_default();
    let count = |key: &str| reading[key].as_u64().unwrap_or(u64::MAX);
    (readers, count("done"), count("present"))
}

fn names(readers: &[(&str, bool)]) -> Vec<(String, bool)> {
    readers.iter().map(|(n, d)| (n.to_string(), *d)).collect()
}

#[tokio::test]
async fn the_room_names_who_has_finished_reading_and_counts_each_reader_once() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("読了 reading").await.unwrap();
    let sre = server.join(&pm, "facilitator", "SRE 佐藤").await;
    let author = server.join(&pm, "author", "Aoki").await;
    let pat = server.join(&pm, "participant", "Pat 鈴木").await;
    let kenji = server.join(&pm, "participant", "Kenji").await;

    let facilitator_tab = Client::connect(&sre.meeting_url())
        .await
        .expect("the meeting room opens");
    let _author_tab = Client::connect(&author.meeting_url())
        .await
        .expect("the meeting room opens");
    let pat_laptop = Client::connect(&pat.meeting_url())
        .await
        .expect("the meeting room opens");
    let _pat_phone = Client::connect(&pat.meeting_url())
        .await
        .expect("the meeting room opens");
    let kenji_tab = Client::connect(&kenji.meeting_url())
        .await
        .expect("the meeting room opens");
    let _viewer = Client::connect(&server.meeting_url(&pm.id, pm.token("viewer")))
        .await
        .unwrap();

    sre.ok(json!({"type": "move_phase", "to": "silent_reading"}))
        .await;
    pat.ok(json!({"type": "mark_done_reading"})).await;
    let expected = names(&[("Kenji", false), ("Pat 鈴木", true)]);
    facilitator_tab
        .wait_until(WAIT, |room| reading(room) == (expected.clone(), 1, 2))
        .await
        .unwrap_or_else(|e| panic!("{e}; reading {:?}", reading(&facilitator_tab)));

    // Pat closes one of two tabs: still here. Kenji leaves: not counted.
    drop(pat_laptop);
    drop(kenji_tab);
    let expected = names(&[("Pat 鈴木", true)]);
    facilitator_tab
        .wait_until(WAIT, |room| reading(room) == (expected.clone(), 1, 1))
        .await
        .unwrap_or_else(|e| panic!("{e}; reading {:?}", reading(&facilitator_tab)));

    // Only readers mark themselves done.
    for who in [&sre, &author] {
        let (status, answer) = who.command(json!({"type": "mark_done_reading"})).await;
        assert_eq!(status, 403, "{answer}");
    }
}

#[tokio::test]
async fn a_phase_timer_starts_with_its_phase_unless_the_facilitator_turned_that_off() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("timer タイマー").await.unwrap();
    let sre = server.join(&pm, "facilitator", "SRE 佐藤").await;
    let pat = server.join(&pm, "participant", "Pat").await;
    let room = Client::connect(&pat.meeting_url())
        .await
        .expect("the meeting room opens");
    let running = |room: &Client| {
        room.map_json("meeting", "timer")
            .is_some_and(|t| t["running_since_ms"].is_u64())
    };
    let auto_start = |room: &Client| {
        room.map_json("meeting", "settings")
            .map(|s| s["auto_start_timer"].clone())
    };
    room.wait_until(WAIT, |r| auto_start(r) == Some(json!(true)))
        .await
        .unwrap();

    sre.ok(json!({"type": "move_phase", "to": "silent_reading"}))
        .await;
    room.wait_until(WAIT, running).await.unwrap();
    let timer = room.map_json("meeting", "timer").unwrap();
    assert_eq!(timer["duration_ms"], json!(15 * 60 * 1000), "{timer}");

    // The facilitator pauses it; auto-start off is theirs alone to set.
    sre.ok(json!({"type": "pause_timer"})).await;
    room.wait_until(WAIT, |r| !running(r)).await.unwrap();
    let (status, answer) = pat
        .command(json!({"type": "set_timer_auto_start", "on": false}))
        .await;
    assert_eq!(status, 403, "{answer}");
    sre.ok(json!({"type": "set_timer_auto_start", "on": false}))
        .await;
    room.wait_until(WAIT, |r| auto_start(r) == Some(json!(false)))
        .await
        .unwrap();
    sre.ok(json!({"type": "move_phase", "to": "q_and_a"})).await;
    room.wait_until(WAIT, |r| {
        r.map_json("meeting", "phase") == Some(json!("q_and_a"))
    })
    .await
    .unwrap();
    assert!(!running(&room), "auto-start is off");
    // Planned times travel for the meeting's time left: an extension shows.
    sre.ok(json!({"type": "extend_timer", "seconds": 120}))
        .await;
    room.wait_until(WAIT, |r| {
        r.map_json("meeting", "timer_plans")
            .is_some_and(|plans| plans["q_and_a"]["extended_ms"] == json!(120_000))
    })
    .await
    .unwrap();
}
