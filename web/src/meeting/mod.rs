//! The meeting in the browser (issue 5): the phase bar, anchored comments,
//! the Q&A spotlight, proposals, the kudos wall, revision and the survey.
//!
//! The meeting is server-authoritative (README "Architecture"): what this UI
//! shows comes from the read-only meeting room ([`room`]); what it changes
//! goes through commands ([`commands`]) sent with the person's own token from
//! `join`. Which controls appear is decided by the same permission table the
//! server enforces (`casebook_core::permission::allowed`); the server refuses
//! the rest anyway.
//!
//! The page mounts two components with the same props: [`MeetingBar`] (the
//! phase bar, plus the full-width kudos wall and survey in their phases) and
//! [`MeetingSidebar`] (comment cards, the composer, the Q&A spotlight,
//! proposals and revision). Both share one [`Session`] per postmortem, which
//! owns the room connection, the identity, the clock and the marks drawn in
//! the section editors (through the editor's `Client`).
//!
//! User text is only ever rendered as text.

mod action_items;
mod announcer;
mod cards;
mod commands;
mod composer;
mod drafts;
mod history;
mod invites;
mod kudos;
mod link;
mod marks;
mod not_applied;
mod phase_bar;
mod proposals;
mod publish;
mod reader;
mod reanchor;
mod revision;
mod room;
mod sidebar;
mod split;
mod spotlight;
mod strip;
mod survey;
mod thread;
mod timer_suggestion;

pub use link::names_a_comment;
pub use phase_bar::MeetingBar;
pub use sidebar::MeetingSidebar;
pub use split::{LazyCasePanel, LazyMeetingBar, LazyMeetingSidebar, LazyRenderedSection};

use crate::api::ApiError;
use crate::i18n::{t, Key, Lang};
use crate::sync::{Client, TextSelection};
use casebook_core::anchor::AnchorState;
use casebook_core::permission::{allowed, Action};
use casebook_core::phase::Phase;
use casebook_core::readiness::Finding;
use casebook_core::survey::SurveyAggregate;
use casebook_core::Role;
use commands::Joined;
use composer::Draft;
use leptos::prelude::*;
use leptos::task::spawn_local;
use room::{MeetingRoom, RoomState};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::Duration;
use wasm_bindgen::JsCast;

/// One postmortem's meeting as this page sees it. `Copy`: every field is a
/// signal or a stored value, owned by a root that lives as long as the page.
#[derive(Clone, Copy)]
pub struct Session {
    pm: StoredValue<String>,
    role_token: StoredValue<String>,
    /// A `join` is under way: others wait for it instead of joining twice.
    joining: StoredValue<bool>,
    client: StoredValue<Client, LocalStorage>,
    /// The meeting room's socket, once opened (it lives as long as the page).
    meeting_room: StoredValue<Option<MeetingRoom>, LocalStorage>,
    pub lang: RwSignal<Lang>,
    /// The meeting room, parsed.
    pub room: RwSignal<RoomState>,
    pub connected: RwSignal<bool>,
    /// Our role; the admin link counts as facilitator (as the server does).
    pub role: RwSignal<Option<Role>>,
    /// The role link is the admin's.
    pub is_admin: RwSignal<bool>,
    /// Who we are, once `join` answered.
    pub me: RwSignal<Option<Joined>>,
    /// The server's clock, estimated; ticks every second.
    pub now_ms: RwSignal<u64>,
    offset_ms: RwSignal<f64>,
    /// The last refused or failed command, shown until the next success.
    pub error: RwSignal<Option<String>>,
    /// Publishing was refused: the findings that block it, shown until the
    /// case is published or the meeting moves on.
    pub refusal: RwSignal<Option<Vec<Finding>>>,
    /// The survey's aggregate (facilitator only).
    pub survey: RwSignal<Option<SurveyAggregate>>,
    /// We answered the survey already.
    pub survey_taken: RwSignal<bool>,
    /// Where each comment's words are now.
    pub anchors: RwSignal<BTreeMap<String, AnchorState>>,
    /// The comment being written (kept through phase changes).
    pub draft: RwSignal<Option<Draft>>,
    /// The last non-empty selection in a section editor or a rendered
    /// section.
    pub selection: RwSignal<Option<TextSelection>>,
    /// Where the words selected in a rendered section are on the page
    /// (left, top, right, bottom), for the floating comment buttons.
    pub selection_box: RwSignal<Option<[f64; 4]>>,
    /// A comment this page looks at (a clicked card, the current proposal).
    pub focus: RwSignal<Option<String>>,
    /// The comment the page's link (`#c-{id}`) opened.
    pub linked: RwSignal<Option<String>>,
    /// The facilitator orders the Q&A queue by +1s (time is short).
    pub qa_by_votes: RwSignal<bool>,
    /// The root that owns the session's signals (drafts made later by views
    /// must outlive those views).
    owner: StoredValue<Owner>,
    /// Whose drafts these are in this browser: the role link's tail.
    who: StoredValue<String>,
    /// Every draft shown so far, by thing (see [`drafts`]).
    drafts: StoredValue<BTreeMap<String, drafts::Slot>>,
    /// Thing → when it was last typed in (ms, this browser's clock), for
    /// the non-empty drafts.
    typing: RwSignal<BTreeMap<String, f64>>,
}

thread_local! {
    static SESSIONS: RefCell<Vec<(String, Session)>> = const { RefCell::new(Vec::new()) };
}

impl Session {
    /// The session of postmortem `pm` on this page, created on first use.
    pub fn for_page(pm: &str, token: &str, client: &Client, lang: RwSignal<Lang>) -> Session {
        let known = SESSIONS.with(|s| {
            s.borrow()
                .iter()
                .find(|(id, _)| id == pm)
                .map(|(_, session)| *session)
        });
        if let Some(session) = known {
            return session;
        }
        // Its own root: the session outlives whichever component asked first.
        let owner = Owner::new_root(None);
        let session = owner.with(|| Session::create(pm, token, client.clone(), lang));
        std::mem::forget(owner);
        SESSIONS.with(|s| s.borrow_mut().push((pm.to_owned(), session)));
        session
    }

    fn create(pm: &str, token: &str, client: Client, lang: RwSignal<Lang>) -> Session {
        let who = commands::link_tail(token);
        let comment_draft = composer::restore(&drafts::storage_key(pm, &who, composer::THING));
        let session = Session {
            pm: StoredValue::new(pm.to_owned()),
            role_token: StoredValue::new(token.to_owned()),
            joining: StoredValue::new(false),
            client: StoredValue::new_local(client),
            meeting_room: StoredValue::new_local(None),
            lang,
            room: RwSignal::new(RoomState::default()),
            connected: RwSignal::new(false),
            role: RwSignal::new(None),
            is_admin: RwSignal::new(false),
            me: RwSignal::new(None),
            now_ms: RwSignal::new(js_sys::Date::now() as u64),
            offset_ms: RwSignal::new(0.0),
            error: RwSignal::new(None),
            refusal: RwSignal::new(None),
            survey: RwSignal::new(None),
            survey_taken: RwSignal::new(false),
            anchors: RwSignal::new(BTreeMap::new()),
            draft: RwSignal::new(comment_draft),
            selection: RwSignal::new(None),
            selection_box: RwSignal::new(None),
            focus: RwSignal::new(None),
            linked: RwSignal::new(None),
            qa_by_votes: RwSignal::new(false),
            owner: StoredValue::new(Owner::current().expect("created inside its root")),
            who: StoredValue::new(who),
            drafts: StoredValue::new(BTreeMap::new()),
            typing: RwSignal::new(BTreeMap::new()),
        };
        session.identify();
        session.track_name();
        let _ = set_interval_with_handle(move || session.tick(), Duration::from_secs(1));
        marks::track(session);
        composer::track(session);
        reader::track(session);
        spotlight::follow(session);
        link::follow(session);
        session.track_editable();
        session.track_view();
        session.track_survey();
        session.track_phase_view();
        session.share_presence();
        session
    }

    /// The name and text of a draft, made (under the session's root, so
    /// they outlive any view) on first use.
    fn draft_signal(&self, thing: &str, load: impl FnOnce() -> String) -> drafts::Slot {
        if let Some(draft) = self.drafts.with_value(|d| d.get(thing).copied()) {
            return draft;
        }
        let draft = self.owner.with_value(|owner| {
            owner.with(|| (StoredValue::new(thing.to_owned()), RwSignal::new(load())))
        });
        self.drafts.update_value(|d| {
            d.insert(thing.to_owned(), draft);
        });
        draft
    }

    /// Where the draft of `thing` is kept in this browser.
    fn draft_key(&self, thing: &str) -> String {
        drafts::storage_key(&self.pm(), &self.who.get_value(), thing)
    }

    /// Someone typed in the draft of `thing`; `written` is false once it
    /// is empty again.
    fn typed_in(&self, thing: &str, written: bool) {
        let now = js_sys::Date::now();
        self.typing.update(|typing| {
            if written {
                typing.insert(thing.to_owned(), now);
            } else {
                typing.remove(thing);
            }
        });
    }

    /// Tells the others who we are (to be counted once) and which inputs we
    /// typed in lately (to be seen typing).
    fn share_presence(self) {
        Effect::new(move |_| {
            let person = self.me.with(|me| me.as_ref().map(|m| m.person.id.clone()));
            self.client.with_value(|c| c.set_person(person));
        });
        Effect::new(move |_| {
            self.now_ms.track();
            let now = js_sys::Date::now();
            let fresh: Vec<String> = self.typing.with(|typing| {
                typing
                    .iter()
                    .filter(|(_, at)| now - **at < drafts::TYPING_FRESH_MS)
                    .map(|(thing, _)| thing.clone())
                    .collect()
            });
            self.client.with_value(|c| c.set_typing(fresh));
        });
    }

    /// The names of the others typing in `thing` now (tracked).
    pub fn typing_in(&self, things: &[String]) -> Vec<String> {
        self.client().peers().with(|peers| {
            peers
                .iter()
                .filter(|p| !p.me && p.typing.iter().any(|t| things.contains(t)))
                .map(|p| p.name.clone())
                .collect()
        })
    }

    /// How many others typed in a meeting input lately (tracked).
    pub fn others_typing(&self) -> usize {
        self.client().peers().with(|peers| {
            peers
                .iter()
                .filter(|p| !p.me && !p.typing.is_empty())
                .count()
        })
    }

    pub fn pm(&self) -> String {
        self.pm.get_value()
    }

    pub fn client(&self) -> Client {
        self.client.get_value()
    }

    /// The text of `key` in the current language (tracked).
    pub fn t(&self, key: Key) -> &'static str {
        t(self.lang.get(), key)
    }

    /// The current phase (tracked).
    pub fn phase(&self) -> Phase {
        self.room.with(|r| r.phase)
    }

    /// Whether we may do `action` now (tracked): the permission table.
    pub fn can(&self, action: Action) -> bool {
        let phase = self.phase();
        self.role
            .get()
            .is_some_and(|role| allowed(role, phase, action))
    }

    pub fn is_facilitator(&self) -> bool {
        self.role.get() == Some(Role::Facilitator)
    }

    /// Our person id (tracked), once joined.
    pub fn my_id(&self) -> Option<String> {
        self.me.with(|me| me.as_ref().map(|m| m.person.id.clone()))
    }

    /// Our role from the server, then our personal token.
    fn identify(self) {
        spawn_local(async move {
            let pm = self.pm();
            let token = self.role_token.get_value();
            let details = crate::api::postmortem(&pm, &token).await;
            match details {
                Ok(details) => {
                    self.is_admin.set(details.role == "admin");
                    self.role.set(Some(details.acts_as));
                }
                Err(e) => self.error.set(Some(e.to_string())),
            }
            self.refresh_view();
            self.open_room().await;
        });
    }

    /// Opens the meeting room with our personal token, so that the server
    /// counts us, by name, among the people here; reopens it when we rename.
    async fn open_room(self) {
        let pm = self.pm();
        let token = self.command_token().await;
        let room = MeetingRoom::open(
            crate::socket::sync_url(&pm, "/meeting", &token),
            self.room,
            self.connected,
        );
        self.meeting_room.set_value(Some(room));
    }

    /// A rename gives a new personal token: the room reopens with it.
    fn track_name(self) {
        Effect::new(move |_| {
            let Some(joined) = self.me.get() else {
                return;
            };
            let url = crate::socket::sync_url(&self.pm(), "/meeting", &joined.token);
            self.meeting_room.with_value(|room| {
                if let Some(room) = room {
                    room.reopen(url);
                }
            });
        });
    }

    /// The token commands go out with: our personal one (joined with the
    /// display name the page saved), else the role link's.
    async fn command_token(self) -> String {
        let role_token = self.role_token.get_value();
        if self.is_admin.get_untracked() {
            return role_token;
        }
        let role = self.role.get_untracked().map(Role::as_str).unwrap_or("");
        let name = crate::presence::saved_name().unwrap_or_else(|| role.to_owned());
        while self.joining.get_value() {
            commands::sleep(50).await;
        }
        self.joining.set_value(true);
        let team = crate::presence::saved_team().unwrap_or_default();
        let joined = commands::personal_token(&self.pm(), &role_token, name.trim(), &team).await;
        self.joining.set_value(false);
        match joined {
            Ok(joined) => {
                let token = joined.token.clone();
                if self.me.get_untracked().as_ref() != Some(&joined) {
                    self.me.set(Some(joined));
                }
                token
            }
            Err(e) => {
                web_sys::console::warn_1(&format!("casebook: join failed: {e}").into());
                crate::signin::again_if_ended(&e);
                role_token
            }
        }
    }

    /// Sends a command (`kind` = `{"type": …, fields}`); `done` learns
    /// whether it was accepted. A refusal is shown in the error line.
    pub fn send(self, kind: Value, done: impl FnOnce(bool) + 'static) {
        spawn_local(async move {
            let token = self.command_token().await;
            match commands::send(&self.pm(), &token, kind).await {
                Ok(_) => {
                    self.error.set(None);
                    done(true);
                }
                Err(ApiError::NotReady(findings)) => {
                    self.error.set(None);
                    self.refusal.set(Some(findings));
                    done(false);
                }
                Err(e) => {
                    crate::signin::again_if_ended(&e);
                    let text = match e {
                        ApiError::Status(_, message) => message,
                        other => other.to_string(),
                    };
                    self.error.set(Some(text));
                    done(false);
                }
            }
        });
    }

    /// `GET …/meeting`: the server's clock, whether we took the survey and
    /// (facilitator) its aggregate.
    pub fn refresh_view(self) {
        spawn_local(async move {
            let token = self.command_token().await;
            let Ok(view) = commands::meeting_view(&self.pm(), &token).await else {
                return;
            };
            if let Some(server_now) = view.server_now_ms() {
                self.offset_ms.set(server_now as f64 - js_sys::Date::now());
            }
            let mine = self.my_id();
            let taken = mine.is_some_and(|id| view.state.survey.answered_by.contains(&id));
            self.survey_taken.set(taken);
            self.survey.set(view.survey);
        });
    }

    fn tick(self) {
        let now = js_sys::Date::now() + self.offset_ms.get_untracked();
        self.now_ms.set(now.max(0.0) as u64);
    }

    /// The section editors are writable when the table lets our role edit in
    /// this phase, except while everyone reads in silence.
    fn track_editable(self) {
        Effect::new(move |_| {
            let Some(role) = self.role.get() else {
                return;
            };
            let phase = self.phase();
            let editable =
                allowed(role, phase, Action::EditDocument) && phase != Phase::SilentReading;
            let images = editable && allowed(role, phase, Action::UploadImage);
            self.client.with_value(|c| {
                c.editable().set(editable);
                c.images_allowed().set(images);
            });
        });
    }

    /// Silent reading shows the sections rendered, the other phases their
    /// editors. Set when the phase changes, so that a reader's own switch
    /// holds for the rest of the phase.
    fn track_view(self) {
        Effect::new(move |previous: Option<Phase>| {
            let phase = self.phase();
            if previous != Some(phase) {
                let rendered = phase == Phase::SilentReading;
                self.client.with_value(|c| c.rendered().set(rendered));
            }
            phase
        });
    }

    /// The survey view is refreshed when the meeting reaches revision, and
    /// every few seconds for the facilitator while answers come in.
    fn track_survey(self) {
        Effect::new(move |previous: Option<Phase>| {
            let phase = self.phase();
            if previous != Some(phase) && matches!(phase, Phase::Revision | Phase::Published) {
                self.refresh_view();
            }
            phase
        });
        let _ = set_interval_with_handle(
            move || {
                let phase = self.room.with_untracked(|r| r.phase);
                let facilitator = self.role.get_untracked() == Some(Role::Facilitator);
                if facilitator && matches!(phase, Phase::Revision | Phase::Published) {
                    self.refresh_view();
                }
            },
            Duration::from_secs(4),
        );
    }
}

impl Session {
    /// When the phase changes, that phase's main view comes into view for
    /// everyone, except someone who is typing (their place stays put).
    fn track_phase_view(self) {
        Effect::new(move |previous: Option<Phase>| {
            let phase = self.phase();
            if previous.is_some_and(|p| p != phase) && !typing_somewhere() {
                if let Some(selector) = phase_view(phase) {
                    scroll_to(selector.to_owned(), false);
                }
            }
            phase
        });
    }
}

/// The element that is a phase's main view. None for the phases whose
/// view is the document itself: everyone reads on from where they are
/// (and a page that moves under someone's pointer as reading starts would
/// select the wrong words).
fn phase_view(phase: Phase) -> Option<&'static str> {
    match phase {
        Phase::Drafting | Phase::SilentReading => None,
        Phase::QAndA => Some("#spotlight"),
        Phase::Proposals => Some("#proposals"),
        Phase::Kudos => Some("#kudos-wall"),
        Phase::Revision => Some("#revision"),
        Phase::Published => Some("#read-link-banner"),
    }
}

/// Whether the keyboard focus is in a text field or an editable element.
fn typing_somewhere() -> bool {
    let Some(element) = document().active_element() else {
        return false;
    };
    let tag = element.tag_name().to_ascii_lowercase();
    let editable = element
        .dyn_ref::<web_sys::HtmlElement>()
        .is_some_and(|e| e.is_content_editable());
    tag == "textarea"
        || editable
        || (tag == "input"
            && !matches!(
                element.get_attribute("type").as_deref(),
                Some("button" | "submit" | "checkbox" | "radio" | "range")
            ))
}

/// The phase's name.
pub fn phase_key(phase: Phase) -> Key {
    match phase {
        Phase::Drafting => Key::PhaseDrafting,
        Phase::SilentReading => Key::PhaseSilentReading,
        Phase::QAndA => Key::PhaseQAndA,
        Phase::Proposals => Key::PhaseProposals,
        Phase::Kudos => Key::PhaseKudos,
        Phase::Revision => Key::PhaseRevision,
        Phase::Published => Key::PhasePublished,
    }
}

/// The error line under the bar: the last refused command.
#[component]
fn ErrorLine(session: Session) -> impl IntoView {
    view! {
        <Show when=move || session.error.with(Option::is_some)>
            <p class="meeting-error" role="alert">
                {move || session.t(Key::CommandFailed)} " "
                {move || session.error.get().unwrap_or_default()}
                <button type="button" class="link-button" on:click=move |_| session.error.set(None)>
                    {move || session.t(Key::Dismiss)}
                </button>
            </p>
        </Show>
    }
}

/// Scrolls the first shown element matching `selector` into view, after
/// the next render (a highlight is in a section's editor and in its
/// rendered text, and only one of them is shown).
pub fn scroll_to(selector: String, center: bool) {
    set_timeout(
        move || {
            let Ok(matches) = document().query_selector_all(&selector) else {
                return;
            };
            let shown = (0..matches.length())
                .filter_map(|i| matches.item(i))
                .filter_map(|n| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(n).ok())
                .find(|e| {
                    let rect = e.get_bounding_client_rect();
                    rect.width() > 0.0 || rect.height() > 0.0
                });
            let Some(element) = shown else {
                return;
            };
            let options = web_sys::ScrollIntoViewOptions::new();
            options.set_behavior(web_sys::ScrollBehavior::Smooth);
            options.set_block(if center {
                web_sys::ScrollLogicalPosition::Center
            } else {
                web_sys::ScrollLogicalPosition::Nearest
            });
            element.scroll_into_view_with_scroll_into_view_options(&options);
        },
        Duration::from_millis(60),
    );
}

/// The highlights of comment `id`: in the section editors and in the
/// rendered sections (for [`scroll_to`], which takes the one shown).
pub fn highlight_selector(id: &str) -> String {
    format!(
        "{}, {}",
        attr_selector("data-comment", id),
        attr_selector(casebook_core::reading::HIGHLIGHT_ATTR, id)
    )
}

/// A CSS attribute selector value, quoted: ids are URL-safe, but be safe.
pub fn attr_selector(attr: &str, value: &str) -> String {
    let escaped: String = value
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect();
    format!("[{attr}=\"{escaped}\"]")
}
