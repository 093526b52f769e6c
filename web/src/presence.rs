//! Who is here: our awareness state and the list of names at the top of the
//! page.
//!
//! States follow the Yjs convention (README "The shared document"):
//! `{"user": {"name", "color"}}`, plus `{"section": id}` for the section
//! someone is reading and, while they are in a section's text,
//! `{"cursor": {"section", "anchor", "head"}}` in UTF-16 units of it.

use crate::i18n::{t, Key, Lang};
use crate::storage;
use leptos::prelude::*;
use serde::Deserialize;
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
    cursor: Option<Cursor>,
    section: Option<String>,
}

/// A caret and selection in one section.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Cursor {
    pub section: String,
    pub anchor: u32,
    pub head: u32,
}

impl Presence {
    pub fn new(name: String, color: String) -> Presence {
        Presence {
            name,
            color,
            cursor: None,
            section: None,
        }
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
        if let Some(section) = &self.section {
            state["section"] = serde_json::json!(section);
        }
        if let Some(c) = &self.cursor {
            state["cursor"] =
                serde_json::json!({ "section": c.section, "anchor": c.anchor, "head": c.head });
        }
        state.to_string()
    }
}

#[derive(Deserialize)]
struct State {
    user: Option<User>,
    section: Option<String>,
    cursor: Option<Cursor>,
}

#[derive(Deserialize)]
struct User {
    name: Option<String>,
    color: Option<String>,
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
}

impl Peer {
    /// Everyone with a state that names them: us first, then by name.
    pub fn all(awareness: &Awareness, me: ClientID) -> Vec<Peer> {
        let mut peers: Vec<Peer> = awareness
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
                })
            })
            .collect();
        peers.sort_by(|a, b| b.me.cmp(&a.me).then_with(|| a.name.cmp(&b.name)));
        peers
    }
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
