//! One frame from a socket, handled without the socket: what is applied,
//! what is refused and with which close.

use super::*;
use crate::limits::LimitSettings;
use crate::room::tests::{change, rooms, summary, typing};
use crate::room::RoomConfig;
use casebook_core::document::new_doc;
use casebook_core::outline;
use yrs::{Map, WriteTxn};

struct Harness {
    rooms: Arc<Rooms>,
    room: Arc<Room>,
    conn: ConnId,
    permits: Arc<Semaphore>,
    limits: Arc<Limits>,
    _dir: tempfile::TempDir,
}

async fn harness() -> Harness {
    let (rooms, _store, dir) = rooms(RoomConfig::default());
    let (room, conn) = rooms.join("pm").await.unwrap();
    Harness {
        rooms,
        room,
        conn,
        permits: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
        limits: Limits::new(LimitSettings::default()),
        _dir: dir,
    }
}

impl Harness {
    async fn frame(&self, frame: &[u8], role: Role, phase: Phase) -> Result<(), CloseReason> {
        let writer = Writer {
            role,
            phase: Some(phase),
            name: None,
        };
        handle_frame(
            frame,
            &self.rooms,
            &self.room,
            self.conn,
            writer,
            &self.permits,
            &self.limits,
        )
        .await
    }
}

fn update(raw: Vec<u8>) -> Vec<u8> {
    protocol::encode(&protocol::update(raw))
}

#[tokio::test]
async fn a_write_the_phase_no_longer_allows_is_refused_on_the_same_socket() {
    let h = harness().await;
    let replica = new_doc();
    let first = update(change(&replica, typing("改訂")));
    h.frame(&first, Role::Participant, Phase::Revision)
        .await
        .unwrap();
    // The facilitator published meanwhile: the socket's next write is refused.
    let second = update(change(&replica, typing("後")));
    let closed = h
        .frame(&second, Role::Participant, Phase::Published)
        .await
        .unwrap_err();
    assert_eq!(closed.code, close::POLICY_VIOLATION, "{closed:?}");
    assert_eq!(
        closed.reason,
        "read-only: participants may not change the document in the published phase"
    );
    assert_eq!(summary(&h.room), "改訂");
}

#[tokio::test]
async fn a_participants_section_change_is_refused_and_the_authors_applied() {
    let h = harness().await;
    let replica = new_doc();
    let arrange = update(change(&replica, |txn| {
        outline::add_section(txn, "custom-x", "X", None).unwrap();
    }));
    let closed = h
        .frame(&arrange, Role::Participant, Phase::Proposals)
        .await
        .unwrap_err();
    assert_eq!(closed.code, close::POLICY_VIOLATION, "{closed:?}");
    assert!(closed.reason.contains("(section_"), "{closed:?}");
    assert_eq!(h.room.read(|txn| outline::outline(txn).len()), 10);
    h.frame(&arrange, Role::Author, Phase::Proposals)
        .await
        .unwrap();
    assert_eq!(h.room.read(|txn| outline::outline(txn).len()), 11);
}

#[tokio::test]
async fn a_frame_with_one_refused_message_applies_none_of_it() {
    let h = harness().await;
    let replica = new_doc();
    let text = change(&replica, typing("本文"));
    let marks = change(&replica, |txn| {
        txn.get_or_insert_map("server_entries")
            .insert(txn, "0", true);
    });
    let frame = [update(text), update(marks)].concat();
    let closed = h
        .frame(&frame, Role::Facilitator, Phase::Drafting)
        .await
        .unwrap_err();
    assert_eq!(closed.code, close::POLICY_VIOLATION, "{closed:?}");
    assert_eq!(summary(&h.room), "");
    // Garbage after a good update: the same.
    let mut frame = update(change(&new_doc(), typing("x")));
    frame.extend([0, 9, 9]);
    let closed = h
        .frame(&frame, Role::Facilitator, Phase::Drafting)
        .await
        .unwrap_err();
    assert_eq!(closed.code, close::UNSUPPORTED_DATA, "{closed:?}");
    assert_eq!(summary(&h.room), "");
}

#[tokio::test]
async fn a_frame_whose_second_update_builds_on_its_first_is_applied() {
    let h = harness().await;
    let replica = new_doc();
    let first = change(&replica, typing("a"));
    let second = change(&replica, typing("b"));
    let frame = [update(first), update(second)].concat();
    h.frame(&frame, Role::Participant, Phase::Drafting)
        .await
        .unwrap();
    assert_eq!(summary(&h.room), "ab");
}

#[tokio::test]
async fn a_viewer_repeating_what_the_room_has_stays_and_a_viewers_write_is_refused() {
    let h = harness().await;
    let replica = new_doc();
    let text = update(change(&replica, typing("x")));
    h.frame(&text, Role::Author, Phase::Drafting).await.unwrap();
    let closed = h.frame(&text, Role::Viewer, Phase::Drafting).await;
    assert_eq!(closed, Ok(()), "the room has it: nothing to refuse");
    let more = update(change(&replica, typing("y")));
    let closed = h
        .frame(&more, Role::Viewer, Phase::Drafting)
        .await
        .unwrap_err();
    assert_eq!(
        closed.reason,
        "read-only: a viewer cannot change the document"
    );
}

#[test]
fn a_close_reason_is_cut_to_a_control_frame_on_a_character_boundary() {
    let long = "障".repeat(60);
    let cut = truncate_reason(&long);
    assert!(cut.len() <= 123);
    assert_eq!(cut.len() % 3, 0, "whole characters only");
    assert_eq!(truncate_reason("short"), "short");
}

#[test]
fn a_signed_in_presence_carries_the_providers_name_and_keeps_the_rest() {
    use yrs::sync::awareness::AwarenessUpdateEntry;
    let entry = |json: &str| AwarenessUpdateEntry {
        clock: 1,
        json: json.into(),
    };
    let update = AwarenessUpdate {
        clients: std::collections::HashMap::from([
            (
                yrs::block::ClientID::new(1),
                entry(
                    r##"{"user":{"name":"Alice Tanaka","color":"#ff0000"},"section":"summary"}"##,
                ),
            ),
            (yrs::block::ClientID::new(2), entry("null")),
        ]),
    };
    let named = presence_named(update, "Bob 佐藤");
    let state: serde_json::Value =
        serde_json::from_str(&named.clients[&yrs::block::ClientID::new(1)].json).unwrap();
    assert_eq!(state["user"]["name"], "Bob 佐藤");
    assert_eq!(state["user"]["color"], "#ff0000");
    assert_eq!(state["section"], "summary");
    assert_eq!(&*named.clients[&yrs::block::ClientID::new(2)].json, "null");
}
