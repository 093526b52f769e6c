//! Criterion micro-benchmarks of the server's hot paths:
//!
//! - decoding a one-character update frame and applying it to a document of
//!   about 100 KB (what a room does per edit);
//! - checking that keystroke's write scope (`casebook_core::scope::check`,
//!   which every writer's update passes before it is applied), and the scope
//!   of deleting the whole 100 KB text at once;
//! - encoding sync step 2 for an empty joiner of that document (a join);
//! - encoding the step 2 that answers the browser's save check (an
//!   up-to-date writer: only the delete set) on a document typed and
//!   deleted a keystroke at a time;
//! - appending one update to `SledStore` and flushing (one group commit of
//!   one update), and a batch of 256 with one flush.
//!
//! `cargo bench -p casebook-load` or `cargo xtask bench --criterion`.

use casebook_core::document::{new_doc, BODY};
use casebook_core::protocol::{self, Message, SyncMessage};
use casebook_core::scope;
use casebook_core::{Phase, Role};
use casebook_server::store::{LogEntry, SledStore, Store};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use yrs::updates::decoder::Decode;
use yrs::{Doc, ReadTxn, StateVector, Text, Transact, Update};

/// A document of about 100 KB typed in 1 KB pieces.
fn document() -> Doc {
    let doc = new_doc();
    let body = doc.get_or_insert_text(BODY);
    let chunk = "incident timeline ".repeat(57);
    for i in 0..100u32 {
        let mut txn = doc.transact_mut();
        let at = (i * 7919) % (body.len(&txn) + 1);
        body.insert(&mut txn, at, &chunk);
    }
    doc
}

/// One keystroke from another replica of `doc`, as a framed update message.
fn keystroke_frame(doc: &Doc) -> Vec<u8> {
    let other = new_doc();
    let state = doc
        .transact()
        .encode_state_as_update_v1(&StateVector::default());
    other
        .transact_mut()
        .apply_update(Update::decode_v1(&state).expect("own state decodes"))
        .expect("own state applies");
    let body = other.get_or_insert_text(BODY);
    let mut txn = other.transact_mut();
    body.insert(&mut txn, 500, "x");
    protocol::encode(&protocol::update(txn.encode_update_v1()))
}

fn decode_and_apply(c: &mut Criterion) {
    let doc = document();
    let frame = keystroke_frame(&doc);
    c.bench_function("decode + apply one keystroke update (100 KB doc)", |b| {
        b.iter_batched(
            || {
                let copy = new_doc();
                let state = doc
                    .transact()
                    .encode_state_as_update_v1(&StateVector::default());
                copy.transact_mut()
                    .apply_update(Update::decode_v1(&state).expect("decodes"))
                    .expect("applies");
                copy
            },
            |copy| {
                let messages = protocol::decode_frame(&frame).expect("frame decodes");
                for message in messages {
                    if let Message::Sync(SyncMessage::Update(raw)) = message {
                        let update = protocol::decode_update(&raw)
                            .expect("decodes")
                            .expect("not empty");
                        copy.transact_mut().apply_update(update).expect("applies");
                    }
                }
                copy
            },
            BatchSize::LargeInput,
        )
    });
}

/// A replica of `doc` on which `change` ran, and the update it made.
fn replica_update(
    doc: &Doc,
    change: impl FnOnce(&yrs::TextRef, &mut yrs::TransactionMut),
) -> Vec<u8> {
    let other = new_doc();
    let state = doc
        .transact()
        .encode_state_as_update_v1(&StateVector::default());
    other
        .transact_mut()
        .apply_update(Update::decode_v1(&state).expect("own state decodes"))
        .expect("own state applies");
    let body = other.get_or_insert_text(BODY);
    let mut txn = other.transact_mut();
    change(&body, &mut txn);
    txn.encode_update_v1()
}

fn scope_check(c: &mut Criterion) {
    let doc = document();
    let keystroke = replica_update(&doc, |body, txn| body.insert(txn, 500, "x"));
    c.bench_function("scope check of one keystroke update (100 KB doc)", |b| {
        b.iter(|| {
            scope::check(
                &doc.transact(),
                &[&keystroke],
                Role::Participant,
                Phase::Drafting,
            )
            .expect("a participant types")
        })
    });
    let wipe = replica_update(&doc, |body, txn| {
        let len = body.len(txn);
        body.remove_range(txn, 0, len);
    });
    c.bench_function("scope check of deleting the whole 100 KB text", |b| {
        b.iter(|| {
            scope::check(
                &doc.transact(),
                &[&wipe],
                Role::Participant,
                Phase::Drafting,
            )
            .expect("a participant deletes")
        })
    });
}

fn sync_step2(c: &mut Criterion) {
    let doc = document();
    c.bench_function("encode sync step 2 for an empty joiner (100 KB doc)", |b| {
        b.iter(|| {
            protocol::encode(&protocol::sync_step2(
                &doc.transact(),
                &StateVector::default(),
            ))
        })
    });
}

/// About 100 KB typed a keystroke at a time at scattered places, with one
/// keystroke in four deleted again at a scattered place: an edit history
/// like a meeting's, whose delete set is thousands of ranges.
fn edited_document() -> Doc {
    let doc = new_doc();
    let body = doc.get_or_insert_text(BODY);
    let mut spot = 1u32;
    for i in 0..120_000u32 {
        let mut txn = doc.transact_mut();
        let len = body.len(&txn);
        // A cursor that jumps now and then and otherwise moves on.
        if i % 40 == 0 {
            spot = (i.wrapping_mul(2_654_435_761) >> 7) % (len + 1);
        }
        if i % 4 == 3 && len > 0 {
            let at = (i.wrapping_mul(40_503) >> 3) % len;
            body.remove_range(&mut txn, at, 1);
        } else {
            body.insert(&mut txn, spot.min(len), "e");
            spot = spot.min(len) + 1;
        }
    }
    doc
}

/// The step 2 that answers the browser's save check (`web/src/sync/saving.rs`):
/// once a second per writer with unconfirmed edits, for a client that is up
/// to date, so it carries nothing but the document's whole delete set.
fn save_check(c: &mut Criterion) {
    let doc = edited_document();
    let up_to_date = doc.transact().state_vector();
    let answer = protocol::encode(&protocol::sync_step2(&doc.transact(), &up_to_date));
    let full = protocol::encode(&protocol::sync_step2(
        &doc.transact(),
        &StateVector::default(),
    ));
    println!(
        "save check on a document of {} characters: step 2 of {} bytes (the whole state: {} bytes)",
        doc.get_or_insert_text(BODY).len(&doc.transact()),
        answer.len(),
        full.len()
    );
    c.bench_function(
        "encode the save check's step 2 for an up-to-date writer (edited 90 KB doc)",
        |b| b.iter(|| protocol::encode(&protocol::sync_step2(&doc.transact(), &up_to_date))),
    );
}

fn storage_append(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SledStore::open(dir.path()).expect("sled opens");
    let update = vec![7u8; 40];
    let mut seq = 0u64;
    let entry = |seq: &mut u64| {
        *seq += 1;
        LogEntry {
            doc_id: "bench".into(),
            seq: *seq,
            update: update.clone(),
        }
    };
    c.bench_function("sled append 1 update + flush", |b| {
        b.iter(|| {
            store.append_updates(&[entry(&mut seq)]).expect("append");
            store.flush().expect("flush");
        })
    });
    c.bench_function("sled append 256 updates + one flush", |b| {
        b.iter(|| {
            let batch: Vec<LogEntry> = (0..256).map(|_| entry(&mut seq)).collect();
            store.append_updates(&batch).expect("append");
            store.flush().expect("flush");
        })
    });
}

criterion_group! {
    name = hot_paths;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(3));
    targets = decode_and_apply, scope_check, sync_step2, save_check, storage_append
}
criterion_main!(hot_paths);
