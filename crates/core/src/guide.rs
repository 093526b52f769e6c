//! What each person is asked to do in each phase: one instruction per phase
//! and role, shown as a line under the phase bar so that nobody has to ask
//! "what do I do now?".
//!
//! This says *which* instruction applies; the words (English, Japanese, and
//! the phase's minutes in them) belong to the client. Roles that do the same
//! thing in a phase share an instruction.

use crate::phase::Phase;
use crate::role::Role;
use serde::{Deserialize, Serialize};

/// One instruction. Serialised in snake_case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Instruction {
    /// Facilitator, drafting: invite the other teams, then start.
    InviteThenStart,
    /// Author, drafting: finish the draft; early comments may come.
    FinishDraft,
    /// Participant, drafting: reading and commenting early is welcome.
    ReadEarly,
    /// Viewer, drafting.
    NotStarted,
    /// Participant, silent reading: read for the phase's minutes, select
    /// words and press Question, then Done reading.
    ReadAndAsk,
    /// Facilitator, silent reading: watch who is done, then go to Q&A.
    WatchReaders,
    /// Author, silent reading: questions come in; answer them in Q&A.
    AwaitQuestions,
    /// Viewer, silent reading.
    OthersRead,
    /// Facilitator, Q&A: spotlight questions one by one, record answers.
    SpotlightQuestions,
    /// Author, Q&A: answer the question in the spotlight.
    AnswerSpotlight,
    /// Participant, Q&A: listen; follow up in the thread.
    FollowUpAnswers,
    /// Viewer, Q&A.
    OthersAnswer,
    /// Facilitator and author, proposals: accept or decline each.
    DecideSuggestions,
    /// Participant and viewer, proposals.
    OthersDecide,
    /// Facilitator and participant, kudos: post a card.
    PostKudos,
    /// Author and viewer, kudos.
    ReadKudos,
    /// Facilitator and author, revision: revise and resolve comments.
    ReviseAndResolve,
    /// Participant, revision: answer the survey.
    AnswerSurvey,
    /// Viewer, revision.
    MeetingOver,
    /// Everyone, published.
    Published,
}

/// The instruction for `role` while the meeting is in `phase`.
pub fn instruction(phase: Phase, role: Role) -> Instruction {
    use Instruction::*;
    use Role::*;
    match (phase, role) {
        (Phase::Drafting, Facilitator) => InviteThenStart,
        (Phase::Drafting, Author) => FinishDraft,
        (Phase::Drafting, Participant) => ReadEarly,
        (Phase::Drafting, Viewer) => NotStarted,
        (Phase::SilentReading, Facilitator) => WatchReaders,
        (Phase::SilentReading, Author) => AwaitQuestions,
        (Phase::SilentReading, Participant) => ReadAndAsk,
        (Phase::SilentReading, Viewer) => OthersRead,
        (Phase::QAndA, Facilitator) => SpotlightQuestions,
        (Phase::QAndA, Author) => AnswerSpotlight,
        (Phase::QAndA, Participant) => FollowUpAnswers,
        (Phase::QAndA, Viewer) => OthersAnswer,
        (Phase::Proposals, Facilitator | Author) => DecideSuggestions,
        (Phase::Proposals, Participant | Viewer) => OthersDecide,
        (Phase::Kudos, Facilitator | Participant) => PostKudos,
        (Phase::Kudos, Author | Viewer) => ReadKudos,
        (Phase::Revision, Facilitator | Author) => ReviseAndResolve,
        (Phase::Revision, Participant) => AnswerSurvey,
        (Phase::Revision, Viewer) => MeetingOver,
        (Phase::Published, _) => Published,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::permission::{allowed, Action};

    /// Every phase × role, and the action the instruction asks for (when it
    /// asks for one) is one the permission table allows: nobody is told to
    /// press a button they do not have.
    #[test]
    fn every_instruction_asks_only_for_what_the_role_may_do() {
        let asks = |i: Instruction| match i {
            Instruction::InviteThenStart => Some(Action::MintInvite),
            Instruction::ReadAndAsk => Some(Action::MarkDoneReading),
            Instruction::WatchReaders => Some(Action::MovePhase),
            Instruction::SpotlightQuestions => Some(Action::Spotlight),
            Instruction::AnswerSpotlight => Some(Action::Answer),
            Instruction::FollowUpAnswers => Some(Action::Reply),
            Instruction::DecideSuggestions => Some(Action::DecideSuggestion),
            Instruction::PostKudos => Some(Action::PostKudos),
            Instruction::ReviseAndResolve => Some(Action::Resolve),
            Instruction::AnswerSurvey => Some(Action::AnswerSurvey),
            _ => None,
        };
        for phase in Phase::ALL {
            for role in Role::ALL {
                let given = instruction(phase, role);
                if let Some(action) = asks(given) {
                    assert!(allowed(role, phase, action), "{role} in {phase}: {given:?}");
                }
            }
        }
    }

    #[test]
    fn silent_reading_tells_each_role_something_different() {
        let given: Vec<Instruction> = Role::ALL
            .into_iter()
            .map(|role| instruction(Phase::SilentReading, role))
            .collect();
        assert_eq!(
            given,
            [
                Instruction::WatchReaders,
                Instruction::AwaitQuestions,
                Instruction::ReadAndAsk,
                Instruction::OthersRead
            ]
        );
    }

    #[test]
    fn a_viewer_is_never_asked_to_act() {
        for phase in Phase::ALL {
            let given = instruction(phase, Role::Viewer);
            assert!(
                matches!(
                    given,
                    Instruction::NotStarted
                        | Instruction::OthersRead
                        | Instruction::OthersAnswer
                        | Instruction::OthersDecide
                        | Instruction::ReadKudos
                        | Instruction::MeetingOver
                        | Instruction::Published
                ),
                "{phase}: {given:?}"
            );
        }
    }
}
