use super::*;
use crate::document::{new_doc, section_text_name};
use crate::outline::{add_section, move_section, remove_section, rename_section};
use yrs::types::text::TextPrelim;
use yrs::updates::decoder::Decode;
use yrs::{Doc, Map, MapPrelim, StateVector, Text, Transact, TransactionMut, Update, WriteTxn};

/// The server's document: a summary, one custom section, and a position
/// written twice (so its delete set holds an overwritten map entry).
fn server() -> Doc {
    let doc = new_doc();
    let mut txn = doc.transact_mut();
    txn.get_or_insert_text(section_text_name("summary").as_str())
        .insert(&mut txn, 0, "障害の概要 😀");
    add_section(&mut txn, "custom-notes", "Notes", Some("summary")).unwrap();
    move_section(&mut txn, "glossary", 0).unwrap();
    move_section(&mut txn, "glossary", 3).unwrap();
    drop(txn);
    doc
}

/// A browser's replica of `doc`, fully synced.
fn replica(doc: &Doc) -> Doc {
    let copy = new_doc();
    copy.transact_mut()
        .apply_update(Update::decode_v1(&full_state(doc)).unwrap())
        .unwrap();
    copy
}

fn full_state(doc: &Doc) -> Vec<u8> {
    doc.transact()
        .encode_state_as_update_v1(&StateVector::default())
}

/// The update of one change made on `doc`.
fn change(doc: &Doc, f: impl FnOnce(&mut TransactionMut)) -> Vec<u8> {
    let mut txn = doc.transact_mut();
    f(&mut txn);
    txn.encode_update_v1()
}

fn roots(server: &Doc, updates: &[&[u8]]) -> Vec<String> {
    let touched = touched(&server.transact(), updates).unwrap();
    assert!(!touched.unplaceable, "{touched:?}");
    touched.roots.into_iter().collect()
}

fn typing(txn: &mut TransactionMut) {
    let summary = txn.get_or_insert_text(section_text_name("summary").as_str());
    let end = summary.len(txn);
    summary.insert(txn, end, " 続き");
}

/// Who may change each part of the document, written independently of the
/// table: per part, per phase (drafting … published), the roles whose
/// update is applied (f facilitator, a author, p participant), `-` nobody.
const EXPECTED: &str = "
    part            dra  sil  qa   pro  kud  rev  pub
    section_text    fap  fap  fap  fap  fap  fap  -
    body            fap  fap  fap  fap  fap  fap  -
    section_order   fa   fa   fa   fa   fa   fa   -
    section_titles  fa   fa   fa   fa   fa   fa   -
    server_entries  -    -    -    -    -    -    -
    anything_else   -    -    -    -    -    -    -
";

fn initial(role: Role) -> char {
    match role {
        Role::Facilitator => 'f',
        Role::Author => 'a',
        Role::Participant => 'p',
        Role::Viewer => 'v',
    }
}

/// One update writing into the part called `part` in [`EXPECTED`].
fn write_into(doc: &Doc, part: &str) -> Vec<u8> {
    change(doc, |txn| match part {
        "section_text" => typing(txn),
        "body" => txn.get_or_insert_text(BODY).insert(txn, 0, "x"),
        "section_order" => move_section(txn, "summary", 5).unwrap(),
        "section_titles" => rename_section(txn, "custom-notes", "Memo").unwrap(),
        other => {
            txn.get_or_insert_map(other).insert(txn, "k", true);
        }
    })
}

#[test]
fn every_part_of_the_document_for_every_role_and_phase() {
    let server = server();
    let mut checked = 0;
    for row in EXPECTED.trim().lines().skip(1) {
        let mut cells = row.split_whitespace();
        let part = cells.next().unwrap();
        let update = write_into(&replica(&server), part);
        for phase in Phase::ALL {
            let cell = cells.next().expect("a cell per phase");
            for role in Role::ALL {
                let result = check(&server.transact(), &[&update], role, phase);
                assert_eq!(
                    result.is_ok(),
                    cell.contains(initial(role)),
                    "{role} writing {part} in {phase}: {result:?}"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 6 * 7 * 4);
}

#[test]
fn a_keystroke_is_placed_by_the_character_before_it() {
    let server = server();
    let update = change(&replica(&server), typing);
    assert_eq!(roots(&server, &[&update]), ["section:summary"]);
}

#[test]
fn a_deletion_alone_is_placed_in_the_text_it_deletes_from() {
    let server = server();
    let update = change(&replica(&server), |txn| {
        txn.get_or_insert_text(section_text_name("summary").as_str())
            .remove_range(txn, 0, 2);
    });
    assert_eq!(roots(&server, &[&update]), ["section:summary"]);
}

#[test]
fn every_outline_change_touches_only_the_outline() {
    let server = server();
    type Change = fn(&mut TransactionMut);
    let changes: [(&str, Change); 4] = [
        ("add", |txn| {
            add_section(txn, "custom-new", "New", None).unwrap();
        }),
        ("move", |txn| move_section(txn, "impact", 0).unwrap()),
        ("rename", |txn| {
            rename_section(txn, "custom-notes", "N").unwrap()
        }),
        ("remove", |txn| remove_section(txn, "custom-notes").unwrap()),
    ];
    for (name, f) in changes {
        let update = change(&replica(&server), f);
        let roots = roots(&server, &[&update]);
        assert!(!roots.is_empty(), "{name}");
        assert!(
            roots
                .iter()
                .all(|r| r == SECTION_ORDER || r == SECTION_TITLES),
            "{name}: {roots:?}"
        );
        let refused = check(
            &server.transact(),
            &[&update],
            Role::Participant,
            Phase::Drafting,
        );
        assert!(
            matches!(
                refused,
                Err(Refusal::NotAllowed {
                    action: Action::ArrangeSections,
                    ..
                })
            ),
            "{name}: {refused:?}"
        );
    }
}

/// Outline changes are let through and reported, so the server can put
/// back a section removed with text in it (`outline::restore_removed`).
#[test]
fn outline_changes_are_reported_and_text_changes_are_not() {
    let server = server();
    let typed = change(&replica(&server), typing);
    let moved = change(&replica(&server), |txn| {
        move_section(txn, "impact", 0).unwrap()
    });
    let check = |update: &[u8]| check(&server.transact(), &[update], Role::Author, Phase::Drafting);
    assert_eq!(check(&typed), Ok(Allowed { arranges: false }));
    assert_eq!(check(&moved), Ok(Allowed { arranges: true }));
}

#[test]
fn a_sync_step_2_that_repeats_the_document_touches_nothing() {
    let server = server();
    let copy = replica(&server);
    assert!(roots(&server, &[&full_state(&copy)]).is_empty());
    // A viewer-like role passes it too: it changes nothing.
    assert_eq!(
        check(
            &server.transact(),
            &[&full_state(&copy)],
            Role::Participant,
            Phase::Published
        ),
        Ok(Allowed { arranges: false })
    );
}

#[test]
fn a_write_inside_a_nested_type_counts_for_the_root_around_it() {
    let server = server();
    let writer = replica(&server);
    // A map embedded in the section order (no browser does this; any Yjs
    // client can).
    let create = change(&writer, |txn| {
        txn.get_or_insert_map(SECTION_ORDER)
            .insert(txn, "nested", MapPrelim::default());
    });
    assert_eq!(roots(&server, &[&create]), [SECTION_ORDER]);
    server
        .transact_mut()
        .apply_update(Update::decode_v1(&create).unwrap())
        .unwrap();
    let inner = change(&writer, |txn| {
        let order = txn.get_or_insert_map(SECTION_ORDER);
        let Some(yrs::Out::YMap(nested)) = order.get(txn, "nested") else {
            panic!("the nested map");
        };
        nested.insert(txn, "k", 1.0);
    });
    assert_eq!(roots(&server, &[&inner]), [SECTION_ORDER]);
    // And a text embedded in a section's text is that section's.
    let embedded = change(&writer, |txn| {
        let summary = txn.get_or_insert_text(section_text_name("summary").as_str());
        summary.insert_embed(txn, 0, TextPrelim::new("inside"));
    });
    assert_eq!(roots(&server, &[&embedded]), ["section:summary"]);
}

#[test]
fn updates_of_one_frame_are_placed_together() {
    let server = server();
    let writer = replica(&server);
    let first = change(&writer, typing);
    let second = change(&writer, typing);
    // Alone, the second builds on characters the server does not have.
    let alone = touched(&server.transact(), &[&second]).unwrap();
    assert!(alone.unplaceable);
    assert_eq!(
        check(
            &server.transact(),
            &[&second],
            Role::Facilitator,
            Phase::Drafting
        ),
        Err(Refusal::Unplaceable)
    );
    assert_eq!(roots(&server, &[&first, &second]), ["section:summary"]);
}

#[test]
fn blocks_that_are_each_others_origin_are_unplaceable() {
    // Client 1: "a" at clock 0 after 1#1, "b" at clock 1 after 1#0.
    let update = [
        1, // one client
        2, 1, 0, // two blocks of client 1 from clock 0
        0x84, 1, 1, 1, b'a', // origin 1#1, a string of one unit
        0x84, 1, 0, 1, b'b', // origin 1#0
        0,    // no deletions
    ];
    let touched = touched(&server().transact(), &[&update]).unwrap();
    assert!(touched.unplaceable, "{touched:?}");
}

#[test]
fn garbage_is_refused_as_undecodable() {
    let refused = check(
        &server().transact(),
        &[&[5, 1, 2]],
        Role::Facilitator,
        Phase::Drafting,
    );
    assert!(
        matches!(refused, Err(Refusal::Undecodable(_))),
        "{refused:?}"
    );
}

#[test]
fn the_refusal_names_the_role_the_phase_and_what_was_touched() {
    let server = server();
    let update = write_into(&replica(&server), "section_titles");
    let refused = check(
        &server.transact(),
        &[&update],
        Role::Participant,
        Phase::QAndA,
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        refused,
        "participants may not add, rename, move or remove sections in the q and a phase; \
         nothing was applied (section_titles)"
    );
    assert!(refused.len() <= 123, "a close reason fits a control frame");
}

/// A Yjs subdocument is refused before it reaches yrs, from any role in any
/// phase: yrs never frees a document that took one in (the `update` fuzz
/// target's leak, whose input is the second update here).
#[test]
fn a_subdocument_is_refused_whatever_the_role() {
    let server = server();
    let subdocument = change(&replica(&server), |txn| {
        txn.get_or_insert_map(SECTION_TITLES)
            .insert(txn, "custom-notes", Doc::new());
    });
    let found_by_the_fuzzer: &[u8] = &[
        0x01, 0x01, 0x9b, 0xff, 0xfe, 0xfe, 0x0f, 0xf9, 0xfe, 0xfe, 0x05, 0x09, 0x01, 0x00, 0x01,
        0x01, 0x7e, 0x01, 0x01, 0x00, 0x01, 0x01, 0x03, 0x01, 0x04, 0xbc, 0x00, 0x00, 0x3d, 0x02,
        0x00, 0x00,
    ];
    for update in [subdocument.as_slice(), found_by_the_fuzzer] {
        for role in [Role::Facilitator, Role::Author] {
            let refused = check(&server.transact(), &[update], role, Phase::Drafting);
            assert!(matches!(refused, Err(Refusal::Subdocument)), "{refused:?}");
        }
    }
    assert!(Refusal::Subdocument.to_string().len() <= 123);
    // Nothing else in a writer's everyday updates is taken for one.
    let typed = change(&replica(&server), typing);
    assert!(check(
        &server.transact(),
        &[&typed],
        Role::Participant,
        Phase::Drafting
    )
    .is_ok());
}
