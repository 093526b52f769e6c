//! Meeting commands as JSON, one per line, from rotating roles, decided and
//! applied like the server does. The state must replay exactly from its
//! events, and every event must round-trip through JSON.
#![no_main]

use casebook_core::meeting::{Actor, Command, Event, Meeting};
use casebook_core::Role;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    let roles = [Role::Facilitator, Role::Author, Role::Participant, Role::Viewer];
    let mut meeting = Meeting::new(1_000);
    let mut log: Vec<Event> = Vec::new();
    let mut next = 0u64;
    for (i, line) in text.lines().enumerate() {
        let Ok(command) = serde_json::from_str::<Command>(line) else {
            continue;
        };
        let actor = Actor {
            participant_id: format!("p{}", i % 3),
            role: roles[i % roles.len()],
            display_name: format!("person {}", i % 3),
            // One of the three people gives a team, so who-took-part with
            // and without one are both reached.
            team: (i % 3 == 0).then(|| "SRE".to_string()),
        };
        let mut new_id = || {
            next += 1;
            format!("id{next}")
        };
        let now = 1_000 + i as u64 * 1_000;
        let Ok(events) = meeting.decide(&actor, &command, now, &mut new_id) else {
            continue;
        };
        for event in events {
            let json = serde_json::to_string(&event).expect("an event serialises");
            let back: Event = serde_json::from_str(&json).expect("an event deserialises");
            assert_eq!(back, event);
            meeting.apply(&event);
            log.push(event);
        }
        // A repeated command changes nothing.
        let repeat = meeting.decide(&actor, &command, now, &mut new_id);
        assert!(matches!(repeat.as_deref(), Ok([])), "a repeated command made events");
    }
    assert_eq!(Meeting::replay(1_000, &log), meeting);
    let _ = meeting.public_view();
    let _ = meeting.survey_aggregate();
});
