//! `nav.outline`: the sections as links with the colour dots of who is
//! reading each, and the form that adds a section.

use super::{error_key, japanese};
use crate::i18n::{t, Key, Lang};
use crate::presence::Peer;
use crate::sync::Client;
use casebook_core::outline;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

/// A fresh id for a section an author adds: `custom-` + 12 base-36 digits.
fn new_section_id() -> String {
    let mut id = String::from(outline::CUSTOM_PREFIX);
    for _ in 0..12 {
        let digit = (js_sys::Math::random() * 36.0) as u32 % 36;
        id.push(char::from_digit(digit, 36).unwrap_or('0'));
    }
    id
}

/// The colour dots of the people reading `section`.
#[component]
pub(super) fn Readers(
    section: String,
    peers: RwSignal<Vec<Peer>>,
    lang: RwSignal<Lang>,
) -> impl IntoView {
    let here = move || {
        peers.with(|p| {
            p.iter()
                .filter(|p| p.section.as_deref() == Some(section.as_str()))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <span class="readers" aria-label=move || t(lang.get(), Key::ReadingHere)>
            <For each=here key=|p| (p.id, p.name.clone(), p.color.clone()) let:peer>
                <span class="reader" title=peer.name.clone() style:background-color=peer.color.clone()>
                    {peer.name.chars().next().map(String::from).unwrap_or_default()}
                </span>
            </For>
        </span>
    }
}

/// `nav.outline`: the sections as links, and the form that adds one.
#[component]
pub fn OutlineNav(client: Client, can_arrange: bool, lang: RwSignal<Lang>) -> impl IntoView {
    let outline = client.outline();
    let peers = client.peers();
    let title = RwSignal::new(String::new());
    let error = RwSignal::new(None::<Key>);
    let add = {
        let client = client.clone();
        move |ev: SubmitEvent| {
            ev.prevent_default();
            let after = outline.with_untracked(|o| o.last().map(|s| s.id.clone()));
            let name = title.get_untracked();
            let id = new_section_id();
            match client.edit_outline(|txn| outline::add_section(txn, &id, &name, after.as_deref()))
            {
                Ok(()) => {
                    title.set(String::new());
                    error.set(None);
                }
                Err(e) => error.set(Some(error_key(&e))),
            }
        }
    };
    view! {
        <nav class="outline" aria-label=move || t(lang.get(), Key::Sections)>
            <h2>{move || t(lang.get(), Key::Sections)}</h2>
            <ol>
                <For each=move || outline.get() key=|s| s.id.clone() let:section>
                    {
                        let id = section.id.clone();
                        let label = move || {
                            outline.with(|o| {
                                o.iter()
                                    .find(|s| s.id == id)
                                    .map(|s| s.title(japanese(lang)).to_owned())
                                    .unwrap_or_default()
                            })
                        };
                        view! {
                            <li>
                                <a href=format!("#sec-{}", section.id)>{label}</a>
                                <Readers section=section.id.clone() peers lang/>
                            </li>
                        }
                    }
                </For>
            </ol>
            {can_arrange.then(|| view! {
                <form class="add-section" on:submit=add>
                    <input
                        id="new-section-title"
                        type="text"
                        maxlength=casebook_core::limits::MAX_SECTION_TITLE_CHARS
                        placeholder=move || t(lang.get(), Key::NewSectionPlaceholder)
                        prop:value=move || title.get()
                        on:input=move |ev| title.set(event_target_value(&ev))
                    />
                    <button id="add-section" type="submit">{move || t(lang.get(), Key::AddSection)}</button>
                    {move || error.get().map(|k| view! { <p class="error" role="alert">{move || t(lang.get(), k)}</p> })}
                </form>
            })}
        </nav>
    }
}
