//! Facilitator insights: how a meeting went, in figures, and the same
//! figures across meetings.
//!
//! Per meeting ([`meeting_insights`]): real time in each meeting phase
//! against its planned timer (the duration the facilitator last started it
//! with, else the phase's default, see [`Phase::default_timer_secs`]; the
//! extensions are counted apart), questions and suggestions asked and by
//! how many distinct people — in all, and *from other teams*: comments can
//! only be posted by participants and facilitators, so "from other teams"
//! counts distinct comment authors who never moved a phase (not the
//! facilitator) — how many comments were made before the meeting (while the
//! case was still in drafting), answered / accepted / declined / resolved
//! counts, and the survey's anonymous aggregate.
//!
//! Across meetings, the server lists each meeting's figures with its start
//! time, so the page can draw them over time.
//!
//! Suggested timers ([`suggested_timers`]): for each meeting phase, the
//! median of the real time spent in it by earlier meetings that finished it
//! (moved on past it), once at least [`MIN_MEETINGS_FOR_SUGGESTION`] did.
//! The median, not the mean, so one meeting that overran by an hour does
//! not set everyone's timer.

use crate::comment::CommentKind;
use crate::meeting::Meeting;
use crate::phase::Phase;
use crate::survey::SurveyAggregate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The meeting phases, in order: the ones with a timer.
pub const MEETING_PHASES: [Phase; 4] = [
    Phase::SilentReading,
    Phase::QAndA,
    Phase::Proposals,
    Phase::Kudos,
];

/// Time spent in one phase against its plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhaseTime {
    pub phase: Phase,
    pub spent_ms: u64,
    pub planned_ms: u64,
    /// Extensions of the timer during the phase.
    pub extended_ms: u64,
    pub visits: u32,
}

/// One meeting's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeetingInsights {
    /// When silent reading first began (`None`: the meeting has not started).
    pub started_at_ms: Option<u64>,
    pub phases: Vec<PhaseTime>,
    /// Time in the meeting phases together, and their plan.
    pub meeting_ms: u64,
    pub planned_ms: u64,
    pub questions: u32,
    pub suggestions: u32,
    /// Distinct people who commented.
    pub commenters: u32,
    /// Distinct commenters who are not facilitators.
    pub commenters_from_other_teams: u32,
    pub comments_from_other_teams: u32,
    /// Comments posted before silent reading began.
    pub comments_before_meeting: u32,
    pub answered: u32,
    pub accepted: u32,
    pub declined: u32,
    pub resolved: u32,
    pub kudos: u32,
    pub survey: SurveyAggregate,
    /// Why the case was published although the readiness check had
    /// findings: for the SRE team, not for the case's readers.
    #[serde(default)]
    pub override_reason: Option<String>,
}

/// How many earlier meetings must have finished a phase before its timer is
/// suggested from them: with fewer, one odd meeting would set the timer.
pub const MIN_MEETINGS_FOR_SUGGESTION: usize = 3;

/// A phase's timer as earlier meetings suggest it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SuggestedTimer {
    pub phase: Phase,
    /// The median time spent in the phase, rounded to whole minutes (at
    /// least one), in seconds.
    pub seconds: u64,
    /// How many earlier meetings the median is taken over.
    pub meetings: u32,
}

/// For each meeting phase, the timer suggested by `past` meetings (each
/// with the phase it is in now): the median time spent in the phase by
/// those that have moved past it, when at least
/// [`MIN_MEETINGS_FOR_SUGGESTION`] have. Phases with too few are left out.
pub fn suggested_timers(past: &[(Phase, &MeetingInsights)]) -> Vec<SuggestedTimer> {
    MEETING_PHASES
        .iter()
        .filter_map(|&phase| {
            let mut spent: Vec<u64> = past
                .iter()
                .filter(|(now, _)| *now > phase)
                .filter_map(|(_, insights)| insights.phases.iter().find(|p| p.phase == phase))
                .filter(|p| p.visits > 0)
                .map(|p| p.spent_ms)
                .collect();
            if spent.len() < MIN_MEETINGS_FOR_SUGGESTION {
                return None;
            }
            spent.sort_unstable();
            let mid = spent.len() / 2;
            let median_ms = if spent.len().is_multiple_of(2) {
                spent[mid - 1] / 2 + spent[mid] / 2
            } else {
                spent[mid]
            };
            let minutes = (median_ms.saturating_add(30_000) / 60_000).max(1);
            Some(SuggestedTimer {
                phase,
                seconds: minutes * 60,
                meetings: n(spent.len()),
            })
        })
        .collect()
}

fn n(count: usize) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX)
}

/// The figures of one meeting, with the current phase counted up to `now_ms`.
pub fn meeting_insights(meeting: &Meeting, now_ms: u64) -> MeetingInsights {
    let durations = meeting.phase_durations(now_ms);
    let phases: Vec<PhaseTime> = MEETING_PHASES
        .iter()
        .map(|&phase| {
            let d = durations[phase.index()];
            let default_ms = phase.default_timer_secs().unwrap_or(0) * 1000;
            let plan = meeting.timer_plans.get(&phase);
            PhaseTime {
                phase,
                spent_ms: d.total_ms,
                planned_ms: plan.map_or(default_ms, |p| p.set_ms),
                extended_ms: plan.map_or(0, |p| p.extended_ms),
                visits: d.visits,
            }
        })
        .collect();
    let started_at_ms = meeting
        .history
        .iter()
        .find(|e| e.phase == Phase::SilentReading)
        .map(|e| e.entered_at_ms);
    let facilitators = meeting.facilitators();
    // A comment its author deleted does not count.
    let comments = || meeting.comments.iter().filter(|c| !c.is_deleted());
    let commenters: BTreeSet<&str> = comments()
        .map(|c| c.author.participant_id.as_str())
        .collect();
    let from_others = |id: &str| !facilitators.contains(id);
    let counts = meeting.counts();
    MeetingInsights {
        started_at_ms,
        meeting_ms: phases.iter().map(|p| p.spent_ms).sum(),
        planned_ms: phases.iter().map(|p| p.planned_ms).sum(),
        phases,
        questions: counts.questions,
        suggestions: counts.suggestions,
        commenters: n(commenters.len()),
        commenters_from_other_teams: n(commenters.iter().filter(|id| from_others(id)).count()),
        comments_from_other_teams: n(comments()
            .filter(|c| from_others(&c.author.participant_id))
            .count()),
        comments_before_meeting: n(comments()
            .filter(|c| started_at_ms.is_none_or(|start| c.at_ms < start))
            .count()),
        answered: n(comments()
            .filter(|c| c.kind == CommentKind::Question && c.answer.is_some())
            .count()),
        accepted: counts.accepted,
        declined: counts.declined,
        resolved: counts.resolved,
        kudos: counts.kudos,
        survey: meeting.survey_aggregate(),
        override_reason: meeting
            .published
            .as_ref()
            .and_then(|p| p.override_reason.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anchor::Anchor;
    use crate::meeting::{Actor, Command, CommandKind};
    use crate::role::Role;
    use crate::survey::Ratings;

    fn actor(id: &str, role: Role) -> Actor {
        Actor {
            participant_id: id.into(),
            role,
            display_name: id.into(),
            team: None,
        }
    }

    #[test]
    fn a_meeting_in_figures() {
        let (sre, author, pat, kim) = (
            actor("sre", Role::Facilitator),
            actor("author", Role::Author),
            actor("pat", Role::Participant),
            actor("kim", Role::Participant),
        );
        let mut meeting = Meeting::new(0);
        let mut now = 1_000;
        let mut ids = 0;
        let mut send = |m: &mut Meeting, who: &Actor, kind: CommandKind, at: u64| {
            ids += 1;
            let command = Command {
                command_id: format!("c{ids}"),
                kind,
            };
            m.execute(who, &command, at, &mut || format!("id{ids}"))
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let anchor = {
            use yrs::{Text, Transact};
            let doc = crate::document::new_doc();
            let text = doc.get_or_insert_text("section:summary");
            text.insert(&mut doc.transact_mut(), 0, "The disk filled up.");
            let txn = doc.transact();
            Anchor::new(&txn, &text, "summary", 4..8).expect("an anchor")
        };
        let comment = |kind, text: &str| CommandKind::PostComment {
            kind,
            anchor: anchor.clone(),
            text: text.into(),
        };
        let move_to = |to| CommandKind::MovePhase {
            to,
            override_reason: None,
        };
        // Before the meeting: one question from Pat.
        send(
            &mut meeting,
            &pat,
            comment(CommentKind::Question, "Why?"),
            now,
        );
        now += 60_000;
        send(&mut meeting, &sre, move_to(Phase::SilentReading), now);
        send(
            &mut meeting,
            &kim,
            comment(CommentKind::Suggestion, "Diagram"),
            now + 1,
        );
        send(
            &mut meeting,
            &pat,
            comment(CommentKind::Question, "When?"),
            now + 2,
        );
        send(
            &mut meeting,
            &sre,
            comment(CommentKind::Question, "Who?"),
            now + 3,
        );
        now += 20 * 60_000; // 20 minutes against 15 planned
        send(&mut meeting, &sre, move_to(Phase::QAndA), now);
        send(
            &mut meeting,
            &sre,
            CommandKind::StartTimer { seconds: Some(600) },
            now,
        );
        send(
            &mut meeting,
            &sre,
            CommandKind::ExtendTimer { seconds: 120 },
            now,
        );
        send(
            &mut meeting,
            &author,
            CommandKind::AnswerQuestion {
                comment_id: "id1".into(),
                text: "Because.".into(),
            },
            now,
        );
        now += 5 * 60_000;
        send(&mut meeting, &sre, move_to(Phase::Proposals), now);
        send(
            &mut meeting,
            &author,
            CommandKind::AcceptSuggestion {
                comment_id: "id3".into(),
            },
            now,
        );
        now += 60_000;
        send(&mut meeting, &sre, move_to(Phase::Kudos), now);
        now += 60_000;
        send(&mut meeting, &sre, move_to(Phase::Revision), now);
        send(
            &mut meeting,
            &pat,
            CommandKind::AnswerSurvey {
                ratings: Ratings {
                    questions_easy: 4,
                    time_enough: 2,
                    document_clear: 5,
                },
                comment: None,
            },
            now,
        );
        let insights = meeting_insights(&meeting, now + 999_999);
        assert_eq!(insights.started_at_ms, Some(61_000));
        let spent: Vec<(Phase, u64, u64)> = insights
            .phases
            .iter()
            .map(|p| (p.phase, p.spent_ms / 60_000, p.planned_ms / 60_000))
            .collect();
        assert_eq!(
            spent,
            vec![
                (Phase::SilentReading, 20, 15),
                (Phase::QAndA, 5, 10),
                (Phase::Proposals, 1, 4),
                (Phase::Kudos, 1, 3)
            ]
        );
        assert_eq!(insights.phases[1].extended_ms, 120_000);
        assert_eq!(insights.phases[0].extended_ms, 0);
        assert_eq!(
            (insights.meeting_ms / 60_000, insights.planned_ms / 60_000),
            (27, 32)
        );
        assert_eq!((insights.questions, insights.suggestions), (3, 1));
        assert_eq!(insights.commenters, 3);
        assert_eq!(
            insights.commenters_from_other_teams, 2,
            "the facilitator is not another team"
        );
        assert_eq!(insights.comments_from_other_teams, 3);
        assert_eq!(insights.comments_before_meeting, 1);
        assert_eq!(
            (insights.answered, insights.accepted, insights.resolved),
            (1, 1, 0)
        );
        assert_eq!(insights.survey.answers, 1);
        assert_eq!(insights.survey.questions[1].mean, Some(2.0));
    }

    /// A finished meeting that spent `minutes` in each meeting phase.
    fn spent(minutes: [u64; 4]) -> MeetingInsights {
        let mut insights = meeting_insights(&Meeting::new(0), 0);
        for (p, m) in insights.phases.iter_mut().zip(minutes) {
            p.spent_ms = m * 60_000 + 10_000;
            p.visits = u32::from(m > 0);
        }
        insights
    }

    #[test]
    fn timers_are_suggested_from_the_median_of_three_or_more_finished_meetings() {
        let a = spent([12, 8, 4, 2]);
        let b = spent([20, 9, 0, 3]);
        let c = spent([14, 30, 5, 3]);
        let d = spent([90, 7, 6, 4]);
        let q_and_a_now = spent([16, 3, 0, 0]);
        let past = [
            (Phase::Published, &a),
            (Phase::Revision, &b),
            (Phase::Published, &c),
            (Phase::Kudos, &d),
            (Phase::QAndA, &q_and_a_now),
        ];
        let got: Vec<(Phase, u64, u32)> = suggested_timers(&past)
            .iter()
            .map(|s| (s.phase, s.seconds / 60, s.meetings))
            .collect();
        assert_eq!(
            got,
            vec![
                // 12, 14, 16, 20, 90 (+10 s each): the hour-long one does not count more.
                (Phase::SilentReading, 16, 5),
                // 7, 8, 9, 30: the one still in Q&A is not counted.
                (Phase::QAndA, 9, 4),
                // 4, 5, 6: the meeting that skipped proposals is not counted.
                (Phase::Proposals, 5, 3),
                // 2, 3, 3: d is still in kudos.
                (Phase::Kudos, 3, 3),
            ]
        );
        assert!(
            suggested_timers(&past[..2]).is_empty(),
            "two meetings suggest nothing"
        );
    }

    #[test]
    fn a_meeting_not_started_has_no_start_and_every_comment_is_early() {
        let insights = meeting_insights(&Meeting::new(0), 10);
        assert_eq!(insights.started_at_ms, None);
        assert_eq!(insights.meeting_ms, 0);
        assert_eq!(insights.planned_ms, 30 * 60_000);
    }
}
