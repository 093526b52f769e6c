//! Read-only views of a meeting: counts for the phase bar and the API,
//! reading progress, the real duration of each phase, the survey aggregate,
//! and the state that everyone may see.

use super::{Meeting, PhaseEntry, Publication, TimerPlan};
use crate::comment::{Comment, CommentKind, Kudos};
use crate::phase::Phase;
use crate::survey::SurveyAggregate;
use crate::timer::Timer;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// How much there is, and how much of it is done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub comments: u32,
    pub questions: u32,
    /// Questions neither answered nor resolved.
    pub open_questions: u32,
    pub suggestions: u32,
    pub accepted: u32,
    pub declined: u32,
    pub resolved: u32,
    pub kudos: u32,
    pub survey_answers: u32,
}

/// Done reading, out of those present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadingProgress {
    pub done: u32,
    pub present: u32,
}

/// How long the meeting really spent in a phase, over all its visits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseDuration {
    pub phase: Phase,
    pub total_ms: u64,
    pub visits: u32,
}

fn count<'a>(items: impl Iterator<Item = &'a Comment>, pred: impl Fn(&Comment) -> bool) -> u32 {
    let n = items.filter(|c| pred(c)).count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Meeting {
    pub fn counts(&self) -> Counts {
        let c = || self.comments.iter();
        Counts {
            comments: count(c(), |_| true),
            questions: count(c(), |c| c.kind == CommentKind::Question),
            open_questions: count(c(), Comment::is_open_question),
            suggestions: count(c(), |c| c.kind == CommentKind::Suggestion),
            accepted: count(c(), Comment::is_accepted),
            declined: count(c(), Comment::is_declined),
            resolved: count(c(), |c| c.resolution.is_some()),
            kudos: u32::try_from(self.kudos.len()).unwrap_or(u32::MAX),
            survey_answers: u32::try_from(self.survey.answers.len()).unwrap_or(u32::MAX),
        }
    }

    /// How many of the people `present` (participant ids, as the server
    /// knows them from the meeting room) are done reading.
    pub fn reading_progress<S: AsRef<str>>(
        &self,
        present: impl IntoIterator<Item = S>,
    ) -> ReadingProgress {
        let mut ids: Vec<S> = present.into_iter().collect();
        ids.sort_by(|a, b| a.as_ref().cmp(b.as_ref()));
        ids.dedup_by(|a, b| a.as_ref() == b.as_ref());
        let done = ids
            .iter()
            .filter(|id| self.done_reading.contains(id.as_ref()))
            .count();
        ReadingProgress {
            done: u32::try_from(done).unwrap_or(u32::MAX),
            present: u32::try_from(ids.len()).unwrap_or(u32::MAX),
        }
    }

    /// The real time spent in every phase, in meeting order; the current
    /// phase counts up to `now_ms`.
    pub fn phase_durations(&self, now_ms: u64) -> Vec<PhaseDuration> {
        let mut durations: Vec<PhaseDuration> = Phase::ALL
            .into_iter()
            .map(|phase| PhaseDuration {
                phase,
                total_ms: 0,
                visits: 0,
            })
            .collect();
        let ends = self
            .history
            .iter()
            .skip(1)
            .map(|next| next.entered_at_ms)
            .chain([now_ms]);
        for (entry, end) in self.history.iter().zip(ends) {
            let slot = &mut durations[entry.phase.index()];
            slot.total_ms = slot
                .total_ms
                .saturating_add(end.saturating_sub(entry.entered_at_ms));
            slot.visits += 1;
        }
        durations
    }

    /// Everyone who took part (participant ids): moved a phase, posted,
    /// replied, answered, decided, resolved, praised, marked done reading or
    /// took the survey.
    pub fn participants(&self) -> BTreeSet<&str> {
        let mut ids: BTreeSet<&str> = BTreeSet::new();
        for c in &self.comments {
            ids.insert(&c.author.participant_id);
            ids.extend(c.replies.iter().map(|r| r.author.participant_id.as_str()));
            ids.extend(c.answer.iter().map(|a| a.by.participant_id.as_str()));
            ids.extend(c.decision.iter().map(|d| d.by.participant_id.as_str()));
            ids.extend(c.resolution.iter().map(|r| r.by.participant_id.as_str()));
        }
        ids.extend(self.kudos.iter().map(|k| k.from.participant_id.as_str()));
        ids.extend(self.done_reading.iter().map(String::as_str));
        ids.extend(self.survey.answered_by.iter().map(String::as_str));
        ids.extend(self.facilitators());
        ids
    }

    /// Who moved the meeting's phases (the facilitators).
    pub fn facilitators(&self) -> BTreeSet<&str> {
        self.phase_movers.iter().map(String::as_str).collect()
    }

    /// Accepted suggestions not yet resolved: the author's to-do list.
    pub fn revision_todos(&self) -> Vec<&Comment> {
        self.comments
            .iter()
            .filter(|c| c.is_accepted() && c.resolution.is_none())
            .collect()
    }

    /// The survey's anonymous aggregate (for the facilitator only; see
    /// `Action::SeeSurveyAggregate`).
    pub fn survey_aggregate(&self) -> SurveyAggregate {
        self.survey.aggregate()
    }

    /// The state everyone in the meeting room may see: without the survey's
    /// answers (the facilitator reads them through
    /// [`Meeting::survey_aggregate`]) and without the command ids. Every
    /// field is named here, so a field added to [`Meeting`] stays private
    /// until someone decides it is public.
    pub fn public_view(&self) -> PublicMeeting {
        let Meeting {
            phase,
            timer,
            history,
            comments,
            spotlight,
            done_reading,
            kudos,
            survey,
            published,
            timer_plans,
            phase_movers,
            processed_commands: _,
        } = self;
        PublicMeeting {
            phase: *phase,
            timer: *timer,
            history: history.clone(),
            comments: comments.clone(),
            spotlight: spotlight.clone(),
            done_reading: done_reading.clone(),
            kudos: kudos.clone(),
            survey: PublicSurvey {
                answered_by: survey.answered_by.clone(),
            },
            published: published.clone(),
            timer_plans: timer_plans.clone(),
            phase_movers: phase_movers.clone(),
        }
    }
}

/// What everyone in the meeting may see of it (`GET …/meeting`'s `state`,
/// the meeting room): a [`Meeting`] without survey answers and command ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicMeeting {
    pub phase: Phase,
    pub timer: Timer,
    pub history: Vec<PhaseEntry>,
    pub comments: Vec<Comment>,
    pub spotlight: Option<String>,
    pub done_reading: BTreeSet<String>,
    pub kudos: Vec<Kudos>,
    pub survey: PublicSurvey,
    pub published: Option<Publication>,
    #[serde(default)]
    pub timer_plans: BTreeMap<Phase, TimerPlan>,
    #[serde(default)]
    pub phase_movers: BTreeSet<String>,
}

/// Who answered the survey, never what.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicSurvey {
    #[serde(default)]
    pub answered_by: BTreeSet<String>,
}

impl From<PublicMeeting> for Meeting {
    /// The meeting as the public knows it, for the rules that read only
    /// public parts (the readiness check in the browser): no survey answers,
    /// no command ids.
    fn from(public: PublicMeeting) -> Meeting {
        Meeting {
            phase: public.phase,
            timer: public.timer,
            history: public.history,
            comments: public.comments,
            spotlight: public.spotlight,
            done_reading: public.done_reading,
            kudos: public.kudos,
            survey: crate::survey::Survey {
                answered_by: public.survey.answered_by,
                answers: Vec::new(),
            },
            published: public.published,
            timer_plans: public.timer_plans,
            phase_movers: public.phase_movers,
            processed_commands: BTreeMap::new(),
        }
    }
}
