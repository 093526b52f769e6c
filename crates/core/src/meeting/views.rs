//! Read-only views of a meeting: counts for the phase bar and the API,
//! who has finished reading, the real duration of each phase, the survey
//! aggregate, and the state that everyone may see.

use super::{Dismissal, LeftPhase, Meeting, Member, PhaseEntry, Publication, Settings, TimerPlan};
use crate::action_item::ActionItem;
use crate::comment::{Comment, CommentKind, Kudos, Person};
use crate::permission::{allowed, Action};
use crate::phase::Phase;
use crate::role::Role;
use crate::survey::SurveyAggregate;
use crate::timer::{Schedule, Timer};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// How much there is, and how much of it is done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// Someone in the meeting room, as the server knows them from the token
/// their socket was opened with. One person may be here more than once (two
/// browsers, a phone and a laptop).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Present {
    pub participant_id: String,
    pub display_name: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
}

/// One person expected to read, and whether they said they are done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reader {
    pub participant_id: String,
    pub display_name: String,
    pub done: bool,
}

/// Who has finished reading, out of the readers here: the people present
/// whose role reads in silent reading (the permission table's
/// `mark_done_reading`: participants; the facilitator runs the room, the
/// author wrote the draft and viewers only watch), each counted once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadingProgress {
    pub done: u32,
    /// How many readers are here.
    pub present: u32,
    /// The readers here, by name.
    pub readers: Vec<Reader>,
}

/// How long the meeting really spent in a phase, over all its visits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhaseDuration {
    pub phase: Phase,
    pub total_ms: u64,
    pub visits: u32,
}

/// One person who took part, counted once however many browsers they used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendee {
    pub name: String,
    /// The most powerful role they acted in.
    pub role: Role,
    /// The team they last gave, if any.
    pub team: Option<String>,
}

/// A name as people compare it: trimmed, spaces collapsed, case folded.
fn same_person_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn count<'a>(items: impl Iterator<Item = &'a Comment>, pred: impl Fn(&Comment) -> bool) -> u32 {
    let n = items.filter(|c| pred(c)).count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Meeting {
    /// What there is: a comment its author deleted is not counted.
    pub fn counts(&self) -> Counts {
        let c = || self.comments.iter().filter(|c| !c.is_deleted());
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

    /// Who of the people `present` reads, and who of them is done (see
    /// [`ReadingProgress`]). Readers are sorted by name, then id.
    pub fn reading_progress(&self, present: &[Present]) -> ReadingProgress {
        let mut readers: Vec<Reader> = Vec::new();
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        for person in present {
            if !allowed(person.role, Phase::SilentReading, Action::MarkDoneReading)
                || !seen.insert(person.participant_id.as_str())
            {
                continue;
            }
            readers.push(Reader {
                participant_id: person.participant_id.clone(),
                display_name: person.display_name.clone(),
                done: self.done_reading.contains(&person.participant_id),
            });
        }
        readers.sort_by(|a, b| {
            (a.display_name.to_lowercase(), &a.participant_id)
                .cmp(&(b.display_name.to_lowercase(), &b.participant_id))
        });
        let done = readers.iter().filter(|r| r.done).count();
        ReadingProgress {
            done: u32::try_from(done).unwrap_or(u32::MAX),
            present: u32::try_from(readers.len()).unwrap_or(u32::MAX),
            readers,
        }
    }

    /// Time left in the phase and the meeting at `now_ms`, and what comes
    /// next, against each phase's plan.
    pub fn schedule(&self, now_ms: u64) -> Schedule {
        Schedule::at(
            self.phase,
            &self.timer,
            |phase| TimerPlan::planned_ms(&self.timer_plans, phase),
            now_ms,
        )
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

    /// Everyone who took part, by name, most powerful role first (the
    /// facilitators, then the authors, then the other participants), in the
    /// order of their names. A person id is one browser's join, so one person
    /// on two browsers has two ids and one name: people are counted by name.
    /// Ids from logs that did not record roles count as participants, under
    /// the name they wrote with.
    pub fn attendees<'a>(&'a self) -> Vec<Attendee> {
        let mut names: BTreeMap<&str, &str> = BTreeMap::new();
        let mut note = |p: &'a Person| {
            names
                .entry(p.participant_id.as_str())
                .or_insert(p.display_name.as_str());
        };
        for c in &self.comments {
            note(&c.author);
            c.replies.iter().for_each(|r| note(&r.author));
            c.answer.iter().for_each(|a| note(&a.by));
            c.decision.iter().for_each(|d| note(&d.by));
            c.resolution.iter().for_each(|r| note(&r.by));
        }
        self.kudos.iter().for_each(|k| note(&k.from));
        let mut by_name: BTreeMap<String, Attendee> = BTreeMap::new();
        for id in self.participants() {
            let (name, role, team) = match (self.people.get(id), names.get(id)) {
                (Some(m), _) => (m.display_name.as_str(), m.role, m.team.as_ref()),
                (None, Some(name)) => (*name, Role::Participant, None),
                (None, None) => continue,
            };
            let key = same_person_key(name);
            if key.is_empty() {
                continue;
            }
            let entry = by_name.entry(key).or_insert_with(|| Attendee {
                name: name.trim().to_owned(),
                role,
                team: None,
            });
            entry.role = entry.role.min(role);
            // One person on two browsers may have given the team on one.
            if team.is_some() {
                entry.team = team.cloned();
            }
        }
        let mut out: Vec<Attendee> = by_name.into_values().collect();
        out.sort_by_key(|a| a.role);
        out
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
            settings,
            left_phases,
            left_spotlight,
            people,
            processed_commands: _,
            dismissals,
            action_items,
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
            settings: *settings,
            left_phases: left_phases.clone(),
            left_spotlight: left_spotlight.clone(),
            people: people.clone(),
            dismissals: dismissals.clone(),
            action_items: action_items.clone(),
        }
    }
}

/// What everyone in the meeting may see of it (`GET …/meeting`'s `state`,
/// the meeting room): a [`Meeting`] without survey answers and command ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    #[serde(default)]
    pub settings: Settings,
    #[serde(default)]
    pub left_phases: BTreeMap<Phase, LeftPhase>,
    #[serde(default)]
    pub left_spotlight: Option<String>,
    #[serde(default)]
    pub people: BTreeMap<String, Member>,
    #[serde(default)]
    pub dismissals: Vec<Dismissal>,
    #[serde(default)]
    pub action_items: Vec<ActionItem>,
}

/// Who answered the survey, never what.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
            settings: public.settings,
            left_phases: public.left_phases,
            left_spotlight: public.left_spotlight,
            people: public.people,
            processed_commands: BTreeMap::new(),
            dismissals: public.dismissals,
            action_items: public.action_items,
        }
    }
}
