//! The y-sync handshake, written once for both connections: on open we
//! send sync step 1 (our state vector); the server's step 1 is answered
//! with step 2, and the server's step 2 means "synced". A replica that may
//! not write (a viewer's document, every meeting room) answers with an
//! empty update, so it never sends the server anything to apply.

use casebook_core::protocol::{self, Message, SyncMessage};
use yrs::updates::encoder::Encode;
use yrs::{ReadTxn, StateVector, Update};

/// Our first message on a new socket: what we have, as a state vector.
pub fn hello(txn: &impl ReadTxn) -> Message {
    protocol::sync_step1(txn)
}

/// Our answer to the server's sync step 1 (`server` is its state vector):
/// everything it lacks, or an empty update when we may not write.
pub fn answer(txn: &impl ReadTxn, server: &StateVector, may_write: bool) -> Message {
    if may_write {
        protocol::sync_step2(txn, server)
    } else {
        Message::Sync(SyncMessage::SyncStep2(Update::new().encode_v1()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use casebook_core::document::new_doc;
    use yrs::updates::decoder::Decode;
    use yrs::{GetString, Text, Transact};

    fn step2_update(message: Message) -> Update {
        let Message::Sync(SyncMessage::SyncStep2(bytes)) = message else {
            panic!("not a sync step 2: {message:?}");
        };
        Update::decode_v1(&bytes).expect("an update")
    }

    #[test]
    fn a_writer_answers_with_exactly_what_the_server_lacks() {
        let ours = new_doc();
        let theirs = new_doc();
        let text = ours.get_or_insert_text("summary");
        text.insert(&mut ours.transact_mut(), 0, "The database ran out of disk.");
        let first = answer(&ours.transact(), &theirs.transact().state_vector(), true);
        theirs
            .transact_mut()
            .apply_update(step2_update(first))
            .expect("applies");
        let theirs_text = theirs.get_or_insert_text("summary");
        assert_eq!(
            theirs_text.get_string(&theirs.transact()),
            "The database ran out of disk."
        );
        // Once the server has it all, the answer carries nothing new.
        let again = answer(&ours.transact(), &theirs.transact().state_vector(), true);
        let before = theirs.transact().state_vector();
        theirs
            .transact_mut()
            .apply_update(step2_update(again))
            .expect("applies");
        assert_eq!(theirs.transact().state_vector(), before);
    }

    #[test]
    fn a_replica_that_may_not_write_answers_with_an_empty_update() {
        let ours = new_doc();
        let text = ours.get_or_insert_text("summary");
        text.insert(&mut ours.transact_mut(), 0, "typed into a viewer's page");
        let theirs = new_doc();
        let empty = answer(&ours.transact(), &theirs.transact().state_vector(), false);
        let before = theirs.transact().state_vector();
        theirs
            .transact_mut()
            .apply_update(step2_update(empty))
            .expect("applies");
        assert_eq!(theirs.transact().state_vector(), before);
    }

    #[test]
    fn hello_states_what_we_have() {
        let ours = new_doc();
        let text = ours.get_or_insert_text("summary");
        text.insert(&mut ours.transact_mut(), 0, "x");
        let Message::Sync(SyncMessage::SyncStep1(sv)) = hello(&ours.transact()) else {
            panic!("not a sync step 1");
        };
        assert_eq!(sv, ours.transact().state_vector());
    }
}
