//! The yrs 0.28.1 findings of the fuzz targets, sent by a writer's
//! socket to the real server (vendor/yrs/PATCHES.md, README: Reliability):
//! the server keeps serving, and a second client gets a document that is
//! intact, decodes, and survives a restart.

use casebook_core::close;
use casebook_e2e::{server_text, update_frame, Client, Created, Endpoint, Process, Server};
use std::time::Duration;
use yrs::encoding::write::Write as _;

const WAIT: Duration = Duration::from_secs(10);

/// The update on which yrs 0.28.1 freed a live block (ASan
/// heap-use-after-free in `resolve_conflict`): client 1 listed three times.
const USE_AFTER_FREE: &[u8] =
    include_bytes!("../../fuzz/regressions/update-yrs-heap-use-after-free.bin");

/// The frame on which the `sync_message` fuzz target aborted: a repeated
/// client kept pending, whose encoding made yrs panic.
const SYNC_ABORT: &[u8] =
    include_bytes!("../../fuzz/regressions/sync_message-yrs-panic-cannot-unwind.bin");

/// A frame whose update deletes a range ending past `u32::MAX`: a debug
/// build's yrs panicked on it, a release build's took an inverted range
/// (vendor/yrs/PATCHES.md, 7).
const DELETE_SET_OVERFLOW: &[u8] =
    include_bytes!("../../fuzz/regressions/sync_message-delete-set-clock-overflow.bin");

/// An update holding a subdocument, on which yrs leaked the whole document
/// (the `update` target under LeakSanitizer).
const SUBDOCUMENT_LEAK: &[u8] =
    include_bytes!("../../fuzz/regressions/update-yrs-subdocument-leak.bin");

/// A fresh viewer's copy of the document: it synced, so the server's sync
/// step 2 (its whole state) decoded and applied.
async fn fresh_text(server: &Endpoint, pm: &Created) -> String {
    server_text(server, pm).await.unwrap()
}

/// Sends `frame` from a new socket at `url`: the server closes it with
/// 1003 and a reason that says `why`.
async fn refused_with(url: &str, frame: Vec<u8>, why: &str) {
    let attacker = Client::connect(url).await.unwrap();
    attacker.send_raw(frame).unwrap();
    let closed = attacker.wait_closed(WAIT).await.unwrap();
    assert_eq!(closed.code, close::UNSUPPORTED_DATA, "{url}: {closed:?}");
    assert!(closed.reason.contains(why), "{url}: {closed:?}");
}

#[tokio::test]
async fn the_fuzzers_yrs_crashes_are_refused_and_the_server_keeps_serving() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("yrs findings").await.unwrap();
    let url = server.ws_url(&pm.id, pm.token("participant"));
    let author = Client::connect(&url).await.unwrap();
    author.push("障害の概要 summary 😀 intact");
    let expected = "障害の概要 summary 😀 intact";
    let reader = Client::connect(&server.ws_url(&pm.id, pm.token("viewer")))
        .await
        .unwrap();
    reader.wait_text(expected, WAIT).await.unwrap();

    // The use-after-free update: refused whole by the patched decoder.
    let refused = update_frame(USE_AFTER_FREE.to_vec());
    refused_with(&url, refused, "the same client is listed twice").await;
    assert_eq!(fresh_text(&server, &pm).await, expected);

    // The frame that aborted the sync fuzzer: its first update leaves yrs
    // waiting for changes the document does not have, so the sender is
    // refused and the room reloads from its log.
    refused_with(&url, SYNC_ABORT.to_vec(), "").await;
    assert_eq!(fresh_text(&server, &pm).await, expected);

    // The deleted range past the last clock: refused as malformed, by
    // yrs' decoder itself (not a caught panic), in debug and release alike.
    refused_with(&url, DELETE_SET_OVERFLOW.to_vec(), "block clock overflows").await;
    assert_eq!(fresh_text(&server, &pm).await, expected);

    // The author (reconnecting if the room reloaded) still edits, and a
    // second client sees it.
    let author = Client::connect_with_doc(&url, author.doc.clone())
        .await
        .unwrap();
    author.wait_synced().await.unwrap();
    author.push(" 続き");
    let probe = Client::connect(&server.ws_url(&pm.id, pm.token("viewer")))
        .await
        .unwrap();
    probe
        .wait_text(&format!("{expected} 続き"), WAIT)
        .await
        .unwrap();
}

/// A writer whose replica inserts between the two halves of an emoji (origin
/// = the high surrogate's id, right origin = the low one's) and deletes one
/// half of another: the server splits each pair as Yjs does (both halves
/// become U+FFFD), every replica agrees, and the stored document replays to
/// the same text after a restart.
#[tokio::test]
async fn references_into_a_surrogate_pair_are_applied_as_yjs_applies_them() {
    let mut server = Process::start().await.unwrap();
    let pm = server.create_postmortem("surrogates").await.unwrap();
    let url = server.ws_url(&pm.id, pm.token("participant"));
    let author = Client::connect(&url).await.unwrap();
    author.push("a😀b😀c");
    let writer = Client::connect(&url).await.unwrap();
    writer.wait_text("a😀b😀c", WAIT).await.unwrap();
    // a=0, 😀=1..3, b=3, 😀=4..6, c=6 (UTF-16 units).
    writer.insert(2, "x");
    // Now a=0, �=1, x=2, �=3, b=4, 😀=5..7, c=7: delete the low half.
    writer.delete(6, 1);
    let expected = "a\u{FFFD}x\u{FFFD}b\u{FFFD}c";
    assert_eq!(writer.text(), expected);
    author.wait_text(expected, WAIT).await.unwrap();
    let second = Client::connect(&server.ws_url(&pm.id, pm.token("viewer")))
        .await
        .unwrap();
    second.wait_text(expected, WAIT).await.unwrap();

    // The log replays to the same document.
    drop((author, writer, second));
    server.restart().await.unwrap();
    assert_eq!(fresh_text(&server, &pm).await, expected);
    // And it is still editable.
    let author = Client::connect(&url).await.unwrap();
    author.push(" 😀");
    let probe = Client::connect(&server.ws_url(&pm.id, pm.token("viewer")))
        .await
        .unwrap();
    probe
        .wait_text(&format!("{expected} 😀"), WAIT)
        .await
        .unwrap();
}

/// An update that yrs refuses part-way: it integrates client 1000's block
/// ("partial" at the start of the body) and then finds that client 5's
/// block names a text item as its parent (`InvalidParent`). The half that
/// was integrated is in no log, so the room reloads (as after a panic) and
/// nobody ever sees it.
#[tokio::test]
async fn an_update_yrs_refuses_part_way_leaves_nothing_behind() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("half an update").await.unwrap();
    let url = server.ws_url(&pm.id, pm.token("participant"));
    let author = Client::connect(&url).await.unwrap();
    author.push("無事 intact");
    let reader = Client::connect(&server.ws_url(&pm.id, pm.token("viewer")))
        .await
        .unwrap();
    reader.wait_text("無事 intact", WAIT).await.unwrap();

    let mut update = vec![2]; // two clients
                              // Client 1000, clock 0: a string in the root type "body".
    update.extend([1]);
    update.write_var(1000u64);
    update.extend([0, 0x04, 1, 4]);
    update.extend(b"body");
    update.extend([7]);
    update.extend(b"partial");
    // Client 5, clock 0: a string whose parent is the author's text item.
    update.extend([1, 5, 0, 0x04, 0]);
    update.write_var(author.doc.client_id().get());
    update.extend([0, 1, b'x']);
    update.push(0); // no deletions

    let attacker = Client::connect(&url).await.unwrap();
    attacker.send_raw(update_frame(update)).unwrap();
    let closed = attacker.wait_closed(WAIT).await.unwrap();
    assert_eq!(closed.code, close::UNSUPPORTED_DATA, "{closed:?}");
    assert!(closed.reason.contains("block parent"), "{closed:?}");
    let reloaded = reader.wait_closed(WAIT).await.unwrap();
    assert_eq!(reloaded.code, close::INTERNAL_ERROR, "{reloaded:?}");
    assert_eq!(fresh_text(&server, &pm).await, "無事 intact");
}

/// The `update` fuzz target's divergence
/// (`fuzz/regressions/update-yrs-right-origin-before-origin.bin`, here aimed
/// at the author's emoji): an insertion whose right origin is its own origin
/// went before the emoji on the live document but between its halves on
/// every replica rebuilt from the state. The patched yrs refuses it before
/// splitting anything (vendor/yrs/PATCHES.md, 5): the sender is closed with
/// 1003, and a joiner and a restart read the intact text.
#[tokio::test]
async fn an_item_whose_right_origin_is_not_after_its_origin_is_refused() {
    let mut server = Process::start().await.unwrap();
    let pm = server.create_postmortem("origins").await.unwrap();
    let url = server.ws_url(&pm.id, pm.token("participant"));
    let author = Client::connect(&url).await.unwrap();
    let expected = "障害 summary 😀";
    author.push(expected);
    let reader = Client::connect(&server.ws_url(&pm.id, pm.token("viewer")))
        .await
        .unwrap();
    reader.wait_text(expected, WAIT).await.unwrap();

    // The emoji is the author's clocks 11 and 12 (UTF-16 units). Client
    // 1000 inserts "/" with origin and right origin both at clock 11.
    let cid = author.doc.client_id().get();
    let mut update = vec![1, 1];
    update.write_var(1000u64);
    update.extend([0, 0xc4]);
    for _ in 0..2 {
        update.write_var(cid);
        update.push(11);
    }
    update.extend([1, b'/', 0]);

    let attacker = Client::connect(&url).await.unwrap();
    attacker.send_raw(update_frame(update)).unwrap();
    let closed = attacker.wait_closed(WAIT).await.unwrap();
    assert_eq!(closed.code, close::UNSUPPORTED_DATA, "{closed:?}");
    assert!(
        closed
            .reason
            .contains("right origin at or before its origin"),
        "{closed:?}"
    );
    assert_eq!(fresh_text(&server, &pm).await, expected);
    drop((author, reader, attacker));
    server.restart().await.unwrap();
    assert_eq!(fresh_text(&server, &pm).await, expected);
}

/// The leak the `update` fuzz target found: yrs never frees a document
/// that took in a subdocument (vendor/yrs/PATCHES.md, "Not changed").
/// Casebook documents have none, so the server refuses one before yrs sees
/// it, from every writer: the fuzzer's bytes and a subdocument made by yrs
/// itself (an outline entry, which the facilitator may write) close the
/// sender with 1003 and leave the text as it was.
#[tokio::test]
async fn a_subdocument_is_refused_before_yrs_takes_it_in() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("subdocuments").await.unwrap();
    let expected = "障害の概要 😀 まだ無事";
    for role in ["author", "facilitator"] {
        let writer = Client::connect(&server.ws_url(&pm.id, pm.token(role)))
            .await
            .unwrap();
        writer.wait_synced().await.unwrap();
        if role == "author" {
            // Stored once another client is shown it.
            writer.push(expected);
            let reader = Client::connect(&server.ws_url(&pm.id, pm.token("viewer")))
                .await
                .unwrap();
            reader.wait_text(expected, WAIT).await.unwrap();
        }
        let made_by_yrs = {
            use yrs::{Map, Transact, WriteTxn};
            let replica = casebook_core::document::new_doc();
            let mut txn = replica.transact_mut();
            txn.get_or_insert_map(casebook_core::outline::SECTION_TITLES)
                .insert(&mut txn, "summary", yrs::Doc::new());
            txn.encode_update_v1()
        };
        for update in [SUBDOCUMENT_LEAK.to_vec(), made_by_yrs] {
            let url = server.ws_url(&pm.id, pm.token(role));
            refused_with(&url, update_frame(update), "subdocument").await;
            assert_eq!(fresh_text(&server, &pm).await, expected, "{role}");
        }
    }
}
