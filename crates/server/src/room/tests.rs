//! `Room` and `Rooms` without sockets: a real sled directory, the real group
//! committer, and the events a socket task would forward.

use super::*;
use crate::store::SledStore;
use casebook_core::document::{new_doc, section_text_name};
use casebook_core::outline;
use casebook_core::{Phase, Role};
use tokio::sync::Semaphore;
use yrs::{Text, TransactionMut, WriteTxn};

/// Rooms over a fresh sled directory (kept alive by the returned guard).
pub(crate) fn rooms(config: RoomConfig) -> (Arc<Rooms>, Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let store: Arc<dyn Store> = Arc::new(SledStore::open(dir.path()).expect("sled opens"));
    let metrics = Arc::new(crate::metrics::Metrics::new());
    let commit = GroupCommit::start(Arc::clone(&store), Arc::clone(&metrics), config.commit_wait);
    (
        Rooms::new(Arc::clone(&store), commit, config, metrics),
        store,
        dir,
    )
}

/// A permit of its own for one update.
pub(crate) fn permit() -> OwnedSemaphorePermit {
    Arc::new(Semaphore::new(1))
        .try_acquire_owned()
        .expect("a fresh semaphore")
}

/// The update of one change on a replica.
pub(crate) fn change(doc: &yrs::Doc, f: impl FnOnce(&mut TransactionMut)) -> Vec<u8> {
    let mut txn = doc.transact_mut();
    f(&mut txn);
    txn.encode_update_v1()
}

pub(crate) fn typing(text: &'static str) -> impl FnOnce(&mut TransactionMut) {
    move |txn| {
        let summary = txn.get_or_insert_text(section_text_name("summary").as_str());
        let end = summary.len(txn);
        summary.insert(txn, end, text);
    }
}

pub(crate) fn summary(room: &Room) -> String {
    room.read(|txn| outline::section_markdown(txn, "summary"))
}

fn apply(rooms: &Rooms, room: &Arc<Room>, conn: ConnId, raw: Vec<u8>) {
    let update = protocol::decode_update(&raw).unwrap().unwrap();
    room.apply_update(conn, update, raw, rooms.commit(), permit())
        .unwrap();
}

/// The next event, waiting at most a few seconds.
async fn next(events: &mut broadcast::Receiver<Arc<RoomEvent>>) -> Arc<RoomEvent> {
    tokio::time::timeout(Duration::from_secs(5), events.recv())
        .await
        .expect("an event in time")
        .expect("the room is open")
}

#[tokio::test]
async fn an_update_is_broadcast_once_it_is_durable_and_marked_with_its_sender() {
    let (rooms, store, _dir) = rooms(RoomConfig::default());
    let (room, writer) = rooms.join("pm").await.unwrap();
    let (mut events, first) = room.subscribe();
    assert_eq!(first.len(), 1, "sync step 1 only: nobody is present");
    let replica = new_doc();
    apply(&rooms, &room, writer, change(&replica, typing("障害")));
    let event = next(&mut events).await;
    let RoomEvent::Frames(frames) = &*event else {
        panic!("one batch of updates: {event:?}");
    };
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].0, Some(writer), "every socket but the writer's");
    // Broadcast means stored.
    assert_eq!(store.load_doc("pm").unwrap().tail.len(), 1);
    assert_eq!(summary(&room), "障害");
}

#[tokio::test]
async fn a_joiners_state_goes_out_after_the_updates_ahead_of_it() {
    let (rooms, _store, _dir) = rooms(RoomConfig::default());
    let (room, writer) = rooms.join("pm").await.unwrap();
    let (_, joiner) = rooms.join("pm").await.unwrap();
    let (mut events, _) = room.subscribe();
    let replica = new_doc();
    apply(&rooms, &room, writer, change(&replica, typing("a")));
    room.sync_step1(joiner, &StateVector::default(), rooms.commit());
    assert!(matches!(&*next(&mut events).await, RoomEvent::Frames(_)));
    let event = next(&mut events).await;
    let RoomEvent::Direct { to, frame } = &*event else {
        panic!("the joiner's sync step 2: {event:?}");
    };
    assert_eq!(*to, joiner);
    let [Message::Sync(protocol::SyncMessage::SyncStep2(state))] =
        &protocol::decode_frame(frame).unwrap()[..]
    else {
        panic!("one sync step 2");
    };
    let copy = new_doc();
    copy.transact_mut()
        .apply_update(Update::decode_v1(state).unwrap())
        .unwrap();
    assert_eq!(outline::section_markdown(&copy.transact(), "summary"), "a");
}

#[tokio::test]
async fn what_the_room_already_has_would_change_nothing() {
    let (rooms, _store, _dir) = rooms(RoomConfig::default());
    let (room, writer) = rooms.join("pm").await.unwrap();
    let replica = new_doc();
    apply(&rooms, &room, writer, change(&replica, typing("abc")));
    apply(
        &rooms,
        &room,
        writer,
        change(&replica, |txn| {
            txn.get_or_insert_text(section_text_name("summary").as_str())
                .remove_range(txn, 0, 1);
        }),
    );
    let everything = replica
        .transact()
        .encode_state_as_update_v1(&StateVector::default());
    let repeat = Update::decode_v1(&everything).unwrap();
    assert!(
        !room.would_change(&repeat),
        "the whole state, deletions included"
    );
    let more = change(&replica, typing("d"));
    assert!(room.would_change(&Update::decode_v1(&more).unwrap()));
}

#[tokio::test]
async fn a_frames_writes_are_checked_against_the_role_and_phase_before_applying() {
    let (rooms, _store, _dir) = rooms(RoomConfig::default());
    let (room, _) = rooms.join("pm").await.unwrap();
    let replica = new_doc();
    let arrange = change(&replica, |txn| {
        outline::move_section(txn, "kudos", 0).unwrap()
    });
    assert!(room
        .check_writes(&[&arrange], Role::Participant, Phase::Drafting)
        .is_err());
    assert!(room
        .check_writes(&[&arrange], Role::Author, Phase::Drafting)
        .is_ok());
    assert!(room
        .check_writes(&[&arrange], Role::Author, Phase::Published)
        .is_err());
    // Checking applies nothing.
    assert_eq!(
        room.read(|txn| outline::outline(txn)[0].id.clone()),
        "summary"
    );
}

#[tokio::test]
async fn an_idle_room_leaves_memory_and_loads_again_from_its_log() {
    let config = RoomConfig {
        idle_unload: Duration::from_millis(1),
        ..RoomConfig::default()
    };
    let (rooms, _store, _dir) = rooms(config);
    let (room, writer) = rooms.join("pm").await.unwrap();
    let replica = new_doc();
    apply(&rooms, &room, writer, change(&replica, typing("残る")));
    let (mut events, _) = room.subscribe();
    next(&mut events).await; // durable
    rooms.leave(&room, writer);
    drop(room);
    tokio::time::timeout(Duration::from_secs(5), async {
        while rooms.loaded_count() > 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the room unloads");
    let (again, _) = rooms.join("pm").await.unwrap();
    assert_eq!(summary(&again), "残る");
}

#[test]
fn only_a_meeting_rooms_id_marks_it_read_only() {
    assert_eq!(meeting_doc_id("pm1"), "pm1/meeting");
    assert!(is_meeting_doc(&meeting_doc_id("pm1")));
    assert!(!is_meeting_doc("pm1"));
}
