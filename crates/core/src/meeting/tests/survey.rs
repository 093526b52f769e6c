//! The anonymous survey and the kudos wall.

use super::*;

#[test]
fn a_survey_is_answered_once_and_anonymously() {
    let mut run = Run::new();
    run.advance_to(Phase::Revision);
    let events = run.ok(
        &reader(),
        CommandKind::AnswerSurvey {
            ratings: ratings(2, 5, 4),
            comment: Some("Hard to get a word in.".into()),
        },
    );
    let answer = events
        .iter()
        .find(|e| matches!(e.change, Change::SurveyAnswered { .. }))
        .expect("an answer event");
    assert_eq!(answer.origin, None, "the answer does not say whose it is");
    let json = serde_json::to_string(answer).expect("serialises");
    assert!(!json.contains("pat"), "{json}");

    let again = CommandKind::AnswerSurvey {
        ratings: ratings(5, 5, 5),
        comment: None,
    };
    assert_eq!(run.refused(&reader(), again), ErrorKind::Conflict);
    run.ok(
        &actor("quinn", Role::Participant),
        CommandKind::AnswerSurvey {
            ratings: ratings(4, 3, 4),
            comment: None,
        },
    );

    let aggregate = run.meeting.survey_aggregate();
    assert_eq!(aggregate.answers, 2);
    assert_eq!(aggregate.questions[0].mean, Some(3.0));
    assert_eq!(aggregate.comments, ["Hard to get a word in."]);
    let public = serde_json::to_value(run.meeting.public_view()).unwrap();
    assert!(
        public["survey"].get("answers").is_none(),
        "only the facilitator sees answers: {public}"
    );
    assert!(public.get("processed_commands").is_none(), "{public}");
    assert_eq!(public["survey"]["answered_by"].as_array().unwrap().len(), 2);
}

#[test]
fn the_survey_waits_for_revision_and_is_for_participants() {
    let mut run = Run::new();
    run.advance_to(Phase::Kudos);
    let survey = CommandKind::AnswerSurvey {
        ratings: ratings(3, 3, 3),
        comment: None,
    };
    assert_eq!(run.refused(&reader(), survey.clone()), ErrorKind::Forbidden);
    run.move_to(Phase::Revision);
    assert_eq!(run.refused(&sre(), survey.clone()), ErrorKind::Forbidden);
    assert_eq!(run.refused(&author(), survey), ErrorKind::Forbidden);
}

#[test]
fn ratings_outside_one_to_five_are_bad_input() {
    let mut run = Run::new();
    run.advance_to(Phase::Revision);
    for bad in [ratings(0, 3, 3), ratings(3, 6, 3), ratings(3, 3, 255)] {
        let command = CommandKind::AnswerSurvey {
            ratings: bad,
            comment: None,
        };
        assert_eq!(run.refused(&reader(), command), ErrorKind::BadInput);
    }
    assert!(
        run.meeting.survey.answered_by.is_empty(),
        "a bad answer uses up nothing"
    );
}

#[test]
fn kudos_name_a_person_and_what_they_did() {
    let mut run = Run::new();
    run.advance_to(Phase::Kudos);
    let kudos = |to: &str, text: &str| CommandKind::PostKudos {
        to: to.into(),
        text: text.into(),
    };
    assert_eq!(
        run.refused(&reader(), kudos("", "Calm.")),
        ErrorKind::BadInput
    );
    assert_eq!(
        run.refused(&reader(), kudos("Kenji", "")),
        ErrorKind::BadInput
    );
    run.ok(&reader(), kudos(" Kenji ", "Kept the channel calm."));
    let card = &run.meeting.kudos[0];
    assert_eq!(
        (card.to.as_str(), card.from.display_name.as_str()),
        ("Kenji", "pat the participant")
    );
    run.move_to(Phase::Revision);
    assert_eq!(
        run.refused(&reader(), kudos("Kenji", "Late.")),
        ErrorKind::Forbidden
    );
}
