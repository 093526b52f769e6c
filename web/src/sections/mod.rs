//! The postmortem as sections: the outline on the left (with who is reading
//! where) and one editor per section.
//!
//! Each section is a textarea over its backdrop ([`crate::backdrop`]) bound
//! through [`Client::attach`], or its rendered text (Markdown rendered and
//! sanitised by `casebook_core::reading`, with the comment highlights, and
//! selectable for comments: [`crate::reading`]). Which one follows the
//! page's choice ([`Client::rendered`], [`ViewSwitch`]) unless the section
//! was switched on its own with its Preview button. Authors and
//! the facilitator arrange the outline: add a section, rename or remove
//! their own, move any up or down (`casebook_core::outline`).

use crate::i18n::{t, Key, Lang};
use crate::meeting::LazyRenderedSection;
use crate::sync::Client;
use casebook_core::outline::{OutlineError, Section};
use leptos::prelude::*;

mod arrange;
mod head;
mod outline_nav;
mod rendered;
mod textarea;

use arrange::RenameForm;
use head::SectionHead;
pub use outline_nav::OutlineNav;
use outline_nav::Readers;
pub(crate) use rendered::RenderedSection;
use textarea::SectionTextarea;

fn japanese(lang: RwSignal<Lang>) -> bool {
    lang.get() == Lang::Ja
}

fn error_key(e: &OutlineError) -> Key {
    match e {
        OutlineError::NotEmpty => Key::SectionNotEmpty,
        _ => Key::SectionTitleInvalid,
    }
}

/// The page's choice between the rendered sections and their editors.
#[component]
pub fn ViewSwitch(client: Client, lang: RwSignal<Lang>) -> impl IntoView {
    let rendered = client.rendered();
    view! {
        <span class="view-switch" role="group" aria-label=move || t(lang.get(), Key::ViewAs)>
            <button
                type="button"
                id="view-rendered"
                aria-pressed=move || rendered.get().to_string()
                on:click=move |_| rendered.set(true)
            >
                {move || t(lang.get(), Key::ViewRendered)}
            </button>
            <button
                type="button"
                id="view-markdown"
                aria-pressed=move || (!rendered.get()).to_string()
                on:click=move |_| rendered.set(false)
            >
                {move || t(lang.get(), Key::ViewMarkdown)}
            </button>
        </span>
    }
}

/// `main.sections`: every section, in outline order.
#[component]
pub fn SectionList(
    client: Client,
    token: String,
    can_arrange: bool,
    lang: RwSignal<Lang>,
) -> impl IntoView {
    let outline = client.outline();
    let images_allowed = client.images_allowed();
    view! {
        <main class="sections">
            <For each=move || outline.get() key=|s| s.id.clone() let:section>
                <SectionView client=client.clone() token=token.clone() section can_arrange lang/>
            </For>
            {move || images_allowed.get().then(|| view! {
                <p class="image-hint">{move || t(lang.get(), Key::ImageHint)}</p>
            })}
        </main>
    }
}

/// One section: its heading with its tools, the rename form, its editor
/// and, when it is shown rendered, its rendered text. Which of the two
/// shows follows the page's choice unless the section's Preview button
/// switched it on its own.
#[component]
fn SectionView(
    client: Client,
    token: String,
    section: Section,
    can_arrange: bool,
    lang: RwSignal<Lang>,
) -> impl IntoView {
    let id = section.id.clone();
    // A section switched on its own keeps its choice until the page's
    // choice changes: (the page's choice then, shown rendered).
    let page_rendered = client.rendered();
    let own_choice = RwSignal::new(None::<(bool, bool)>);
    let preview = Memo::new(move |_| {
        let page = page_rendered.get();
        match own_choice.get() {
            Some((then, rendered)) if then == page => rendered,
            _ => page,
        }
    });
    let toggle_preview = Callback::new(move |()| {
        own_choice.set(Some((
            page_rendered.get_untracked(),
            !preview.get_untracked(),
        )))
    });
    let renaming = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<Key>);
    let rendered_client = client.clone();
    let rendered_id = id.clone();
    view! {
        <section class="doc-section" id=format!("sec-{id}") data-section=id.clone()>
            <SectionHead client=client.clone() section=section.clone() preview toggle_preview can_arrange renaming error lang/>
            <RenameForm client=client.clone() id=id.clone() renaming error lang/>
            {move || error.get().map(|k| view! { <p class="error" role="alert">{move || t(lang.get(), k)}</p> })}
            <SectionTextarea client section token hidden=preview lang/>
            {move || preview.get().then(|| view! {
                <LazyRenderedSection client=rendered_client.clone() id=rendered_id.clone() lang/>
            })}
        </section>
    }
}
