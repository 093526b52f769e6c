//! The meeting engine: a pure, event-sourced reducer.
//!
//! The meeting is server-authoritative. A client sends a [`Command`]; the
//! server calls [`Meeting::decide`], which checks the permission table and
//! the meeting's state and returns [`Event`]s without changing anything;
//! the server appends the events to its log, then [`Meeting::apply`]s them
//! and projects the new state into the meeting room. Loading a meeting is
//! [`Meeting::replay`] of its log: `apply` needs no clock and no id source,
//! so a replay rebuilds exactly the same state.
//!
//! ```text
//! Command ─▶ decide(actor, now, new_id) ─▶ Vec<Event> ─▶ store ─▶ apply ─▶ project
//! ```
//!
//! **Idempotency.** Every command carries a client-chosen `command_id`. The
//! meeting remembers, per participant, the ids of commands that produced
//! events. Deciding a command whose id that participant already used returns
//! `Ok(vec![])`: no new events and no error, whatever the command now says;
//! the server answers it as a success with the current state. A command that
//! failed, or changed nothing (marking done twice, pausing a paused timer),
//! leaves no trace, so its retry is decided afresh.
//!
//! **Errors.** `decide` checks, in order: the ids and the actor's name
//! ([`MeetingError::BadInput`]), the permission table for the actor's role
//! in the current phase (`Forbidden`), the comment named (`NotFound`), for
//! an edit or a deletion whose comment or reply it is (`Forbidden`: only
//! its author's, as the server knows them from the token), the command's
//! fields (`BadInput`) and the state (`Conflict`: already answered or
//! decided, deleted).
//!
//! Modules: [`command`] and [`event`] are the wire types; `decide` and
//! `views` hold the two halves of the logic, `threads` both halves for
//! editing, deleting and +1ing comments; [`error`] the refusal kinds.

pub mod command;
mod decide;
pub mod error;
pub mod event;
#[cfg(test)]
mod tests;
mod threads;
mod views;

pub use command::{Command, CommandKind};
pub use error::{ErrorKind, MeetingError};
pub use event::{Change, Event, Origin};
pub use views::{
    Attendee, Counts, PhaseDuration, Present, PublicMeeting, PublicSurvey, Reader, ReadingProgress,
};

use crate::action_item::{ActionItem, ActionStatus};
use crate::comment::{Answer, Comment, Decision, Kudos, Outcome, Person, Reply, Resolution};
use crate::phase::Phase;
use crate::readiness::Rule;
use crate::role::Role;
use crate::survey::{Survey, SurveyAnswer};
use crate::timer::Timer;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Who sends a command, as the server knows them from their token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// Stable per person (the token's subject): survey once-only and
    /// idempotency are keyed on it.
    pub participant_id: String,
    pub role: Role,
    /// Shown next to what they write.
    pub display_name: String,
    /// Their team, if they gave one: shown in who took part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
}

/// A team name that is too long or has control characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the team must be at most {} characters, without control characters",
    crate::limits::MAX_TEAM_CHARS
)]
pub struct BadTeam;

/// A team as it is kept: trimmed, its spaces collapsed; `None` when blank
/// (the team is optional).
pub fn team_name(raw: &str) -> Result<Option<String>, BadTeam> {
    if raw.chars().any(char::is_control) {
        return Err(BadTeam);
    }
    let team = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if team.chars().count() > crate::limits::MAX_TEAM_CHARS {
        return Err(BadTeam);
    }
    Ok(Some(team).filter(|t| !t.is_empty()))
}

/// When the meeting entered a phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhaseEntry {
    pub phase: Phase,
    pub entered_at_ms: u64,
}

/// The timer a phase was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimerPlan {
    /// The duration it was (last) started with.
    pub set_ms: u64,
    /// Added by extensions since.
    pub extended_ms: u64,
}

impl TimerPlan {
    /// How long `phase` is planned to take: the duration its timer was last
    /// started with plus extensions, else its default; `None` for the
    /// phases without a timer.
    pub fn planned_ms(plans: &BTreeMap<Phase, TimerPlan>, phase: Phase) -> Option<u64> {
        let default = phase.default_timer_secs()? * 1000;
        Some(
            plans
                .get(&phase)
                .map_or(default, |p| p.set_ms.saturating_add(p.extended_ms)),
        )
    }
}

/// How the facilitator set the meeting up (in the meeting room, `meeting`
/// map, key `settings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Settings {
    /// A phase's timer starts when the phase starts.
    pub auto_start_timer: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            auto_start_timer: true,
        }
    }
}

/// What a phase left behind when the meeting moved on from it, given back
/// when the meeting returns to it: going back a phase (or forward again)
/// must not reset its timer nor forget the question in the spotlight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeftPhase {
    /// The phase's timer, paused when the meeting left.
    pub timer: Timer,
    /// It was counting down when the meeting left, so it runs again on return.
    pub was_running: bool,
}

/// When and by whom the case was published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Publication {
    pub at_ms: u64,
    pub by: Person,
    /// Why it was published although the readiness check had findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_reason: Option<String>,
}

/// A readiness finding someone marked "not applicable", and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dismissal {
    pub rule: Rule,
    pub section: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub reason: String,
    pub by: Person,
    pub at_ms: u64,
}

/// Someone who sent a command: their role and the name they last used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    pub role: Role,
    pub display_name: String,
    /// Absent from meetings stored before teams were recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
}

/// The whole state of one postmortem's meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meeting {
    pub phase: Phase,
    pub timer: Timer,
    /// Every phase entered, oldest first; starts with drafting at creation.
    pub history: Vec<PhaseEntry>,
    /// In the order they were posted.
    pub comments: Vec<Comment>,
    /// The question in the spotlight during Q&A.
    pub spotlight: Option<String>,
    /// Participant ids of those done reading.
    pub done_reading: BTreeSet<String>,
    pub kudos: Vec<Kudos>,
    pub survey: Survey,
    pub published: Option<Publication>,
    /// The timer each phase was given: the last duration it was started
    /// with (else its default) and the extensions since.
    #[serde(default)]
    pub timer_plans: BTreeMap<Phase, TimerPlan>,
    /// Participant ids of those who moved the phase (the facilitators).
    #[serde(default)]
    pub phase_movers: BTreeSet<String>,
    #[serde(default)]
    pub settings: Settings,
    /// The timers of the phases the meeting left, kept for its return.
    #[serde(default)]
    pub left_phases: BTreeMap<Phase, LeftPhase>,
    /// The question that was in the spotlight when the meeting left Q&A.
    #[serde(default)]
    pub left_spotlight: Option<String>,
    /// Participant id → their role and latest name, from the commands they
    /// sent: who took part.
    #[serde(default)]
    pub people: BTreeMap<String, Member>,
    /// Participant id → command ids that produced events.
    pub processed_commands: BTreeMap<String, BTreeSet<String>>,
    /// Readiness findings marked "not applicable", oldest first.
    #[serde(default)]
    pub dismissals: Vec<Dismissal>,
    /// What the meeting decided somebody will do, oldest first.
    #[serde(default)]
    pub action_items: Vec<ActionItem>,
}

impl Meeting {
    /// A meeting in drafting, created at `created_at_ms`.
    pub fn new(created_at_ms: u64) -> Meeting {
        Meeting {
            phase: Phase::Drafting,
            timer: Timer::for_phase(Phase::Drafting),
            history: vec![PhaseEntry {
                phase: Phase::Drafting,
                entered_at_ms: created_at_ms,
            }],
            comments: Vec::new(),
            spotlight: None,
            done_reading: BTreeSet::new(),
            kudos: Vec::new(),
            survey: Survey::default(),
            published: None,
            timer_plans: BTreeMap::new(),
            phase_movers: BTreeSet::new(),
            settings: Settings::default(),
            left_phases: BTreeMap::new(),
            left_spotlight: None,
            people: BTreeMap::new(),
            processed_commands: BTreeMap::new(),
            dismissals: Vec::new(),
            action_items: Vec::new(),
        }
    }

    /// Rebuilds a meeting from its log.
    pub fn replay<'a>(created_at_ms: u64, events: impl IntoIterator<Item = &'a Event>) -> Meeting {
        let mut meeting = Meeting::new(created_at_ms);
        for event in events {
            meeting.apply(event);
        }
        meeting
    }

    /// Decides and applies at once; returns the events to store. For callers
    /// that store after applying (tests, a single-threaded tool).
    pub fn execute(
        &mut self,
        actor: &Actor,
        command: &Command,
        now_ms: u64,
        new_id: &mut impl FnMut() -> String,
    ) -> Result<Vec<Event>, MeetingError> {
        let events = self.decide(actor, command, now_ms, new_id)?;
        for event in &events {
            self.apply(event);
        }
        Ok(events)
    }

    /// Whether `participant_id` already sent a command with this id.
    pub fn has_processed(&self, participant_id: &str, command_id: &str) -> bool {
        self.processed_commands
            .get(participant_id)
            .is_some_and(|ids| ids.contains(command_id))
    }

    /// The dismissal of the finding with this rule, section and subject.
    pub fn dismissal(
        &self,
        rule: Rule,
        section: &str,
        subject: Option<&str>,
    ) -> Option<&Dismissal> {
        self.dismissals
            .iter()
            .find(|d| d.rule == rule && d.section == section && d.subject.as_deref() == subject)
    }

    pub fn action_item(&self, action_item_id: &str) -> Option<&ActionItem> {
        self.action_items.iter().find(|a| a.id == action_item_id)
    }

    pub fn comment(&self, comment_id: &str) -> Option<&Comment> {
        self.comments.iter().find(|c| c.id == comment_id)
    }

    fn comment_mut(&mut self, comment_id: &str) -> Option<&mut Comment> {
        self.comments.iter_mut().find(|c| c.id == comment_id)
    }

    /// Applies one event. Never fails: an event naming a comment that does
    /// not exist (which `decide` never produces) changes nothing.
    pub fn apply(&mut self, event: &Event) {
        if let Some(origin) = &event.origin {
            self.processed_commands
                .entry(origin.participant_id.clone())
                .or_default()
                .insert(origin.command_id.clone());
            if let (Some(role), Some(name)) = (origin.role, &origin.display_name) {
                self.people.insert(
                    origin.participant_id.clone(),
                    Member {
                        role,
                        display_name: name.clone(),
                        team: origin.team.clone(),
                    },
                );
            }
        }
        let at_ms = event.at_ms;
        match &event.change {
            Change::PhaseMoved {
                to,
                by,
                override_reason,
                timer_started,
                ..
            } => {
                self.leave_phase(at_ms);
                self.phase = *to;
                self.phase_movers.insert(by.participant_id.clone());
                self.enter_phase(at_ms, *timer_started);
                self.history.push(PhaseEntry {
                    phase: *to,
                    entered_at_ms: at_ms,
                });
                self.published = (*to == Phase::Published).then(|| Publication {
                    at_ms,
                    by: by.clone(),
                    override_reason: override_reason.clone(),
                });
            }
            Change::TimerStarted { duration_ms } => {
                self.timer.start(*duration_ms, at_ms);
                self.timer_plans.insert(
                    self.phase,
                    TimerPlan {
                        set_ms: *duration_ms,
                        extended_ms: 0,
                    },
                );
            }
            Change::TimerResumed => self.timer.resume(at_ms),
            Change::TimerAutoStartSet { on } => self.settings.auto_start_timer = *on,
            Change::TimerPaused => self.timer.pause(at_ms),
            Change::TimerExtended { by_ms } => {
                self.timer.extend(*by_ms);
                let phase = self.phase;
                let plan = self.timer_plans.entry(phase).or_insert(TimerPlan {
                    set_ms: phase.default_timer_secs().unwrap_or(0) * 1000,
                    extended_ms: 0,
                });
                plan.extended_ms = plan.extended_ms.saturating_add(*by_ms);
            }
            Change::DoneReading { participant_id } => {
                self.done_reading.insert(participant_id.clone());
            }
            Change::NotDoneReading { participant_id } => {
                self.done_reading.remove(participant_id);
            }
            Change::CommentPosted {
                comment_id,
                kind,
                anchor,
                text,
                replacement,
                author,
            } => self.comments.push(Comment {
                id: comment_id.clone(),
                kind: *kind,
                anchor: anchor.clone(),
                text: text.clone(),
                replacement: replacement.clone(),
                author: author.clone(),
                at_ms,
                replies: Vec::new(),
                answer: None,
                decision: None,
                resolution: None,
                edited_at_ms: None,
                deleted_at_ms: None,
                votes: BTreeSet::new(),
            }),
            Change::Replied {
                comment_id,
                reply_id,
                text,
                author,
            } => {
                if let Some(comment) = self.comment_mut(comment_id) {
                    comment.replies.push(Reply {
                        id: reply_id.clone(),
                        author: author.clone(),
                        text: text.clone(),
                        at_ms,
                        edited_at_ms: None,
                    });
                }
            }
            Change::Spotlighted { comment_id } => self.spotlight = Some(comment_id.clone()),
            Change::SpotlightCleared => self.spotlight = None,
            Change::QuestionAnswered {
                comment_id,
                text,
                by,
            } => {
                if let Some(comment) = self.comment_mut(comment_id) {
                    comment.answer = Some(Answer {
                        text: text.clone(),
                        by: by.clone(),
                        at_ms,
                        edited_by: Vec::new(),
                    });
                }
            }
            Change::AnswerEdited {
                comment_id,
                text,
                by,
                ..
            } => {
                if let Some(answer) = self.comment_mut(comment_id).and_then(|c| c.answer.as_mut()) {
                    answer.text = text.clone();
                    answer.edited(by);
                }
            }
            Change::FindingRestored {
                rule,
                section,
                subject,
                ..
            } => self
                .dismissals
                .retain(|d| !(d.rule == *rule && d.section == *section && d.subject == *subject)),
            Change::SuggestionAccepted { comment_id, by } => {
                self.decide_suggestion(comment_id, Outcome::Accepted, by, at_ms)
            }
            Change::SuggestionDeclined {
                comment_id,
                reason,
                by,
            } => {
                let outcome = Outcome::Declined {
                    reason: reason.clone(),
                };
                self.decide_suggestion(comment_id, outcome, by, at_ms)
            }
            Change::SuggestionAcceptUndone { comment_id, .. } => {
                if let Some(comment) = self.comment_mut(comment_id) {
                    comment.decision = None;
                }
            }
            Change::ActionItemAdded {
                action_item_id,
                title,
                owner,
                due,
                comment_id,
                by,
            } => self.action_items.push(ActionItem {
                id: action_item_id.clone(),
                title: title.clone(),
                owner: owner.clone(),
                due: due.clone(),
                status: ActionStatus::Open,
                comment_id: comment_id.clone(),
                by: by.clone(),
                at_ms,
            }),
            Change::ActionItemEdited {
                action_item_id,
                title,
                owner,
                due,
                status,
                ..
            } => {
                if let Some(item) = self
                    .action_items
                    .iter_mut()
                    .find(|a| a.id == *action_item_id)
                {
                    item.title = title.clone();
                    item.owner = owner.clone();
                    item.due = due.clone();
                    item.status = *status;
                }
            }
            Change::CommentResolved {
                comment_id,
                note,
                by,
            } => {
                if let Some(comment) = self.comment_mut(comment_id) {
                    comment.resolution = Some(Resolution {
                        note: note.clone(),
                        by: by.clone(),
                        at_ms,
                    });
                }
            }
            Change::KudosPosted {
                kudos_id,
                to,
                text,
                from,
            } => self.kudos.push(Kudos {
                id: kudos_id.clone(),
                to: to.clone(),
                text: text.clone(),
                from: from.clone(),
                at_ms,
            }),
            Change::SurveyTaken { participant_id } => {
                self.survey.answered_by.insert(participant_id.clone());
            }
            Change::SurveyAnswered { ratings, comment } => self.survey.answers.push(SurveyAnswer {
                ratings: *ratings,
                comment: comment.clone(),
            }),
            Change::CommentEdited { .. }
            | Change::CommentReanchored { .. }
            | Change::CommentDeleted { .. }
            | Change::ReplyEdited { .. }
            | Change::ReplyDeleted { .. }
            | Change::Voted { .. }
            | Change::Unvoted { .. } => self.apply_thread(&event.change, at_ms),
            Change::FindingDismissed {
                rule,
                section,
                subject,
                reason,
                by,
            } => {
                if self.dismissal(*rule, section, subject.as_deref()).is_none() {
                    self.dismissals.push(Dismissal {
                        rule: *rule,
                        section: section.clone(),
                        subject: subject.clone(),
                        reason: reason.clone(),
                        by: by.clone(),
                        at_ms,
                    });
                }
            }
        }
    }

    /// Keeps the current phase's timer (paused) and spotlight for a return.
    fn leave_phase(&mut self, at_ms: u64) {
        let was_running = self.timer.is_running();
        let mut timer = self.timer;
        timer.pause(at_ms);
        self.left_phases
            .insert(self.phase, LeftPhase { timer, was_running });
        if let Some(spotlight) = self.spotlight.take() {
            self.left_spotlight = Some(spotlight);
        }
    }

    /// Gives a phase entered again its timer and (Q&A) its spotlight back; a
    /// phase entered for the first time starts with its default timer.
    /// A phase the meeting left before gets its timer back as it was; a new
    /// one gets a fresh timer, running when the event says it started.
    fn enter_phase(&mut self, at_ms: u64, timer_started: bool) {
        self.timer = match self.left_phases.get(&self.phase) {
            Some(left) => {
                let mut timer = left.timer;
                if left.was_running {
                    timer.resume(at_ms);
                }
                timer
            }
            None => {
                let mut timer = Timer::for_phase(self.phase);
                if timer_started {
                    timer.resume(at_ms);
                }
                timer
            }
        };
        if self.phase == Phase::QAndA {
            self.spotlight = self.left_spotlight.take();
        }
    }

    fn decide_suggestion(&mut self, comment_id: &str, outcome: Outcome, by: &Person, at_ms: u64) {
        if let Some(comment) = self.comment_mut(comment_id) {
            comment.decision = Some(Decision {
                outcome,
                by: by.clone(),
                at_ms,
            });
        }
    }
}
