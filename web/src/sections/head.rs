//! A section's heading: its title, who is reading it, and its tools (the
//! Preview button and, for those who arrange the outline, the buttons of
//! [`super::arrange`]).

use super::arrange::ArrangeButtons;
use super::{japanese, Readers};
use crate::i18n::{t, Key, Lang};
use crate::sync::Client;
use casebook_core::outline::Section;
use leptos::prelude::*;

#[component]
pub(super) fn SectionHead(
    client: Client,
    section: Section,
    /// Whether the section shows its rendered text.
    preview: Memo<bool>,
    toggle_preview: Callback<()>,
    can_arrange: bool,
    renaming: RwSignal<Option<String>>,
    error: RwSignal<Option<Key>>,
    lang: RwSignal<Lang>,
) -> impl IntoView {
    let id = section.id.clone();
    let outline = client.outline();
    // The title as the outline has it now (it may be renamed).
    let title = {
        let id = id.clone();
        move || {
            outline.with(|o| {
                o.iter()
                    .find(|s| s.id == id)
                    .map(|s| s.title(japanese(lang)).to_owned())
                    .unwrap_or_default()
            })
        }
    };
    let arrange = can_arrange.then(|| {
        let title = title.clone();
        view! {
            <ArrangeButtons
                client=client.clone()
                id=id.clone()
                is_custom=section.is_custom()
                title=Callback::new(move |()| title())
                renaming
                error
                lang
            />
        }
    });
    view! {
        <header class="section-head">
            <h2 id=format!("h-{id}")>{title}</h2>
            <Readers section=id.clone() peers=client.peers() lang/>
            <div class="section-tools">
                <button type="button" class="preview-toggle" on:click=move |_| toggle_preview.run(())>
                    {move || t(lang.get(), if preview.get() { Key::ViewMarkdown } else { Key::Preview })}
                </button>
                {arrange}
            </div>
        </header>
    }
}
