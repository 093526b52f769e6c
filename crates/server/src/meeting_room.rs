//! The meeting room (`GET /sync/{id}/meeting`): a yrs document that only the
//! server writes, holding the meeting's public state for every client to
//! read.
//!
//! Its schema (root maps, keys, how values are written and read) is
//! `casebook_core::meeting_room`, shared with the browser; this module only
//! gathers what goes in. The room's document is stored like any other (so
//! replicas that clients hold stay valid across restarts); the meeting's own
//! records are the source of truth.

use crate::store::PostmortemRecord;
use casebook_core::meeting::{Meeting, Present};
use casebook_core::meeting_room::{About, RoomContents};

/// What the meeting room shows: the postmortem, the meeting's public state
/// with who of those `present` has finished reading, and every comment,
/// kudos card and action item, and how many `versions` the document has
/// kept.
pub fn contents(
    record: &PostmortemRecord,
    meeting: &Meeting,
    present: &[Present],
    versions: u64,
) -> RoomContents {
    let public = meeting.public_view();
    RoomContents {
        about: Some(About {
            id: record.id.clone(),
            title: record.title.clone(),
            created_at: record.created_at,
        }),
        phase: public.phase,
        timer: public.timer,
        timer_plans: public.timer_plans,
        settings: public.settings,
        history: public.history,
        spotlight: public.spotlight,
        done_reading: public.done_reading,
        reading: meeting.reading_progress(present),
        published: public.published,
        counts: meeting.counts(),
        comments: public.comments,
        kudos: public.kudos,
        action_items: public.action_items,
        versions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use casebook_core::document::new_doc;
    use casebook_core::meeting::{Actor, Command};
    use casebook_core::meeting_room::{read, write};
    use casebook_core::{Phase, Role};
    use yrs::updates::decoder::Decode;
    use yrs::{ReadTxn, StateVector, Transact, Update};

    fn record() -> PostmortemRecord {
        PostmortemRecord {
            id: "pm1".into(),
            title: "障害 🔥".into(),
            created_at: 1_700_000_000,
            incident: None,
        }
    }

    fn actor(id: &str, role: Role) -> Actor {
        Actor {
            participant_id: id.into(),
            role,
            display_name: id.into(),
            team: None,
        }
    }

    /// A meeting in Q&A with a question in the spotlight.
    fn meeting() -> Meeting {
        let mut meeting = Meeting::new(0);
        let mut n = 0;
        let mut run = |meeting: &mut Meeting, who: &Actor, mut command: serde_json::Value| {
            n += 1;
            command["command_id"] = format!("c{n}").into();
            let command: Command = serde_json::from_value(command).unwrap();
            let mut id = 0;
            let events = meeting
                .decide(who, &command, n * 1000, &mut || {
                    id += 1;
                    format!("id{n}-{id}")
                })
                .unwrap();
            for event in &events {
                meeting.apply(event);
            }
        };
        let sre = actor("sre", Role::Facilitator);
        let pat = actor("pat", Role::Participant);
        run(
            &mut meeting,
            &sre,
            serde_json::json!({"type": "move_phase", "to": "silent_reading"}),
        );
        run(
            &mut meeting,
            &pat,
            serde_json::json!({"type": "mark_done_reading"}),
        );
        run(
            &mut meeting,
            &sre,
            serde_json::json!({"type": "move_phase", "to": "q_and_a"}),
        );
        meeting
    }

    #[test]
    fn what_the_server_writes_the_browser_reads() {
        let meeting = meeting();
        let present = [Present {
            participant_id: "pat".into(),
            display_name: "Pat".into(),
            role: Role::Participant,
            team: Some("Payments".into()),
        }];
        let server = new_doc();
        let written = contents(&record(), &meeting, &present, 2);
        write(&mut server.transact_mut(), &written);
        // The browser's replica, synced as over the socket.
        let browser = new_doc();
        let state = server
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        browser
            .transact_mut()
            .apply_update(Update::decode_v1(&state).unwrap())
            .unwrap();
        let read = read(&browser.transact());
        assert_eq!(read, written);
        assert_eq!(read.phase, Phase::QAndA);
        assert_eq!(
            read.about.as_ref().map(|a| a.title.as_str()),
            Some("障害 🔥")
        );
        assert!(read.done_reading.contains("pat"));
        assert_eq!(read.history, meeting.public_view().history);
        // The room lists no more than the public view.
        assert!(browser.transact().get_map("survey").is_none());
    }
}
