//! A y-sync frame from a socket, handled as the server does: decoded whole
//! (or refused whole), then each message handled on a live document; answers
//! are encoded and decoded again.
#![no_main]

#[path = "common.rs"]
mod common;

use casebook_core::protocol::{self, Message, SyncMessage};
use libfuzzer_sys::fuzz_target;
use yrs::sync::Awareness;
use yrs::Transact;

fuzz_target!(|frame: &[u8]| {
    common::init();
    let Ok(messages) = protocol::decode_frame(frame) else {
        return;
    };
    let doc = common::live_doc();
    let mut awareness = Awareness::new(doc.clone());
    for message in messages {
        // Whatever was decoded encodes again, and decodes to the same.
        let encoded = protocol::encode(&message);
        let again = protocol::decode_frame(&encoded).expect("an encoded message decodes");
        assert_eq!(again.len(), 1);
        match message {
            Message::Sync(SyncMessage::SyncStep1(sv)) => {
                let answer = protocol::encode(&protocol::sync_step2(&doc.transact(), &sv));
                protocol::decode_frame(&answer).expect("our answer decodes");
            }
            Message::Sync(SyncMessage::SyncStep2(raw)) | Message::Sync(SyncMessage::Update(raw)) => {
                if let Ok(Some(update)) = protocol::decode_update(&raw) {
                    // In the server's order: decoded (a panic inside yrs'
                    // decoder caught there), then refused for a subdocument
                    // before yrs applies it.
                    if common::holds_a_subdocument(&doc, &raw) {
                        return;
                    }
                    if !matches!(common::apply(&doc, update), Some(Ok(()))) {
                        // The server refuses it and reloads the room from its
                        // log: this copy of the document is gone.
                        return;
                    }
                    common::assert_state_round_trips(&doc);
                }
            }
            Message::Awareness(update) => {
                let _ = awareness.apply_update(update);
            }
            Message::AwarenessQuery | Message::Auth(_) | Message::Custom(..) => {}
        }
    }
});
