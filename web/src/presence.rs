//! Who is here: our awareness state and the list of names at the top of the
//! page.
//!
//! States follow the Yjs convention (README "The shared document"):
//! `{"user": {"name", "color", "person"}}`, plus `{"section": id}` for the
//! section someone is reading, `{"typing": ["answer:c12", …]}` for the
//! meeting inputs they are writing in, and, while they are in a section's
//! text, `{"cursor": {"section", "anchor", "head", "sticky"}}` in UTF-16
//! units of it. `sticky` holds the same two positions as base64 yrs sticky
//! indexes, so a reader places the selection on the same characters after
//! the text moved (the numbers are what other Yjs clients read).
//!
//! `person` is the meeting identity from `join`: one person in two browsers
//! has two awareness states, and is listed (and counted) once.

use crate::i18n::{t, Key, Lang};
use crate::storage;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use yrs::block::ClientID;
use yrs::sync::Awareness;

const NAME_KEY: &str = "casebook.name";
const COLOR_KEY: &str = "casebook.color";

/// Readable on white and on a projector.
const PALETTE: [&str; 10] = [
    "#d9480f", "#2b8a3e", "#1971c2", "#ae3ec9", "#e8590c", "#0c8599", "#c2255c", "#5f3dc4",
    "#66a80f", "#364fc7",
];

/// The display name saved by an earlier visit.
pub fn saved_name() -> Option<String> {
    storage::load(NAME_KEY).filter(|n| !n.trim().is_empty())
}

pub fn save_name(name: &str) {
    storage::save(NAME_KEY, name);
}

const TEAM_KEY: &str = "casebook.team";

/// The team saved by an earlier visit: `Some("")` when it was asked and
/// left blank (not asked again), `None` when never asked.
pub fn saved_team() -> Option<String> {
    storage::load(TEAM_KEY)
}

pub fn save_team(team: &str) {
    storage::save(TEAM_KEY, team);
}

/// Our colour: the saved one, else a random one from the palette (saved).
pub fn saved_color() -> String {
    if let Some(color) = storage::load(COLOR_KEY).filter(|c| is_hex_color(c)) {
        return color;
    }
    let pick = (js_sys::Math::random() * PALETTE.len() as f64) as usize;
    let color = PALETTE[pick.min(PALETTE.len() - 1)].to_owned();
    storage::save(COLOR_KEY, &color);
    color
}

/// A palette colour nobody in `used` has, if one is left.
pub fn unused_color(used: &[&str]) -> Option<String> {
    PALETTE
        .iter()
        .find(|c| !used.contains(c))
        .map(|c| (*c).to_owned())
}

/// `#rrggbb`: the only colour text we ever put into a `style` attribute.
fn is_hex_color(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit())
}

/// Our own awareness state.
#[derive(Debug, Clone, PartialEq)]
pub struct Presence {
    name: String,
    color: String,
    person: Option<String>,
    cursor: Option<Cursor>,
    section: Option<String>,
    typing: Vec<String>,
}

/// A caret and selection in one section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub section: String,
    pub anchor: u32,
    pub head: u32,
    /// `anchor` and `head` as base64 sticky indexes into the section's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sticky: Option<[String; 2]>,
}

impl Presence {
    pub fn new(name: String, color: String) -> Presence {
        Presence {
            name,
            color,
            person: None,
            cursor: None,
            section: None,
            typing: Vec::new(),
        }
    }

    /// Our meeting identity; returns whether it changed.
    pub fn set_person(&mut self, person: Option<String>) -> bool {
        let changed = self.person != person;
        self.person = person;
        changed
    }

    /// The meeting inputs we are writing in; returns whether they changed.
    pub fn set_typing(&mut self, typing: Vec<String>) -> bool {
        let changed = self.typing != typing;
        self.typing = typing;
        changed
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn color(&self) -> &str {
        &self.color
    }

    pub fn set_user(&mut self, name: String, color: String) {
        self.name = name;
        self.color = color;
    }

    /// The section our cursor is in, if any.
    pub fn cursor_section(&self) -> Option<&str> {
        self.cursor.as_ref().map(|c| c.section.as_str())
    }

    /// Returns whether the cursor moved.
    pub fn set_cursor(&mut self, cursor: Option<Cursor>) -> bool {
        if let Some(c) = &cursor {
            self.section = Some(c.section.clone());
        }
        let moved = self.cursor != cursor;
        self.cursor = cursor;
        moved
    }

    /// The section we are reading; returns whether it changed.
    pub fn set_section(&mut self, section: Option<String>) -> bool {
        let moved = self.section != section;
        self.section = section;
        moved
    }

    pub fn to_json(&self) -> String {
        let mut state = serde_json::json!({
            "user": { "name": self.name, "color": self.color },
        });
        if let Some(person) = &self.person {
            state["user"]["person"] = serde_json::json!(person);
        }
        if let Some(section) = &self.section {
            state["section"] = serde_json::json!(section);
        }
        if !self.typing.is_empty() {
            state["typing"] = serde_json::json!(self.typing);
        }
        if let Some(c) = &self.cursor {
            state["cursor"] = serde_json::json!(c);
        }
        state.to_string()
    }
}

#[derive(Deserialize)]
struct State {
    user: Option<User>,
    section: Option<String>,
    cursor: Option<Cursor>,
    #[serde(default)]
    typing: Vec<String>,
}

#[derive(Deserialize)]
struct User {
    name: Option<String>,
    color: Option<String>,
    person: Option<String>,
}

/// Someone in the room, as the presence list shows them.
#[derive(Debug, Clone, PartialEq)]
pub struct Peer {
    pub id: u64,
    pub name: String,
    /// Always a valid `#rrggbb`.
    pub color: String,
    pub me: bool,
    /// The section they are reading.
    pub section: Option<String>,
    pub cursor: Option<Cursor>,
    /// Their meeting identity, once they joined.
    pub person: Option<String>,
    /// The meeting inputs they are writing in (`answer:{comment id}`, …).
    pub typing: Vec<String>,
}

impl Peer {
    /// Everyone with a state that names them: us first, then by name.
    pub fn all(awareness: &Awareness, me: ClientID) -> Vec<Peer> {
        let peers: Vec<Peer> = awareness
            .iter()
            .filter_map(|(id, state)| {
                let state = serde_json::from_str::<State>(state.data.as_deref()?).ok()?;
                let user = state.user?;
                let name = user.name.filter(|n| !n.trim().is_empty())?;
                let color = user
                    .color
                    .filter(|c| is_hex_color(c))
                    .unwrap_or_else(|| "#868e96".to_owned());
                Some(Peer {
                    id: id.get(),
                    name,
                    color,
                    me: id == me,
                    section: state.section,
                    cursor: state.cursor,
                    person: user.person.filter(|p| !p.is_empty()),
                    typing: state.typing,
                })
            })
            .collect();
        once_per_person(peers)
    }
}

/// Us first, then by name; a person in several browsers once (our own
/// state first, else the one with the lowest client id), with the inputs
/// they type in from any of them, and the caret and section of another of
/// them when the kept one has none.
pub fn once_per_person(mut peers: Vec<Peer>) -> Vec<Peer> {
    peers.sort_by(|a, b| {
        b.me.cmp(&a.me)
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.id.cmp(&b.id))
    });
    let mut kept: Vec<Peer> = Vec::with_capacity(peers.len());
    for peer in peers {
        let same = peer
            .person
            .as_ref()
            .and_then(|person| kept.iter_mut().find(|k| k.person.as_ref() == Some(person)));
        match same {
            Some(first) => {
                if first.cursor.is_none() {
                    first.cursor = peer.cursor;
                }
                if first.section.is_none() {
                    first.section = peer.section;
                }
                for what in peer.typing {
                    if !first.typing.contains(&what) {
                        first.typing.push(what);
                    }
                }
            }
            None => kept.push(peer),
        }
    }
    kept
}

/// `#presence`: one `li` per person, with their colour dot.
#[component]
pub fn PresenceList(peers: RwSignal<Vec<Peer>>, lang: RwSignal<Lang>) -> impl IntoView {
    view! {
        <div class="presence">
            <span class="presence-label">{move || t(lang.get(), Key::HereNow)}</span>
            <ul id="presence">
                <For each=move || peers.get() key=|p| (p.id, p.name.clone(), p.color.clone(), p.section.clone()) let:peer>
                    <li class:me=peer.me>
                        <span class="dot" style:background-color=peer.color.clone()></span>
                        <span class="name">{peer.name.clone()}</span>
                        {peer.me.then(|| view! { <span class="you">{move || t(lang.get(), Key::You)}</span> })}
                    </li>
                </For>
            </ul>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(id: u64, name: &str, person: Option<&str>, typing: &[&str]) -> Peer {
        Peer {
            id,
            name: name.into(),
            color: "#1971c2".into(),
            me: id == 1,
            section: None,
            cursor: None,
            person: person.map(str::to_owned),
            typing: typing.iter().map(|t| (*t).to_owned()).collect(),
        }
    }

    #[test]
    fn a_person_in_two_browsers_is_listed_once() {
        let mut phone = peer(9, "Ken", Some("p-ken"), &["kudos"]);
        phone.cursor = Some(Cursor {
            section: "impact".into(),
            anchor: 3,
            head: 5,
            sticky: None,
        });
        let peers = once_per_person(vec![
            peer(7, "Ken", Some("p-ken"), &[]),
            peer(3, "Aiko", Some("p-aiko"), &["answer:c1"]),
            peer(1, "Sara", Some("p-sara"), &[]),
            phone,
            // Not joined yet: no identity to merge by.
            peer(4, "Viewer", None, &[]),
            peer(5, "Viewer", None, &[]),
        ]);
        let names: Vec<(&str, u64)> = peers.iter().map(|p| (p.name.as_str(), p.id)).collect();
        assert_eq!(
            names,
            [
                ("Sara", 1),
                ("Aiko", 3),
                ("Ken", 7),
                ("Viewer", 4),
                ("Viewer", 5)
            ]
        );
        assert_eq!(
            peers[2].typing,
            ["kudos"],
            "typing in either browser counts"
        );
    }

    #[test]
    fn our_state_says_who_we_are_and_what_we_type() {
        let mut me = Presence::new("Aiko".into(), "#1971c2".into());
        assert!(me.set_person(Some("p-aiko".into())));
        assert!(!me.set_person(Some("p-aiko".into())));
        assert!(me.set_typing(vec!["answer:c1".into()]));
        let state: serde_json::Value = serde_json::from_str(&me.to_json()).expect("json");
        assert_eq!(state["user"]["person"], "p-aiko");
        assert_eq!(state["typing"][0], "answer:c1");
        assert!(state.get("cursor").is_none());
    }
}
