//! A section shown as its rendered text: its Markdown rendered and
//! sanitised by `casebook_core::reading` with the comment highlights, and
//! selectable for comments ([`crate::reading`]). It is never edited; a
//! read-only section takes a keyboard caret instead.

use crate::i18n::{t, Key, Lang};
use crate::reading::READING_CLASS;
use crate::sync::Client;
use casebook_core::reading::{to_reading_html, Highlight};
use leptos::prelude::*;

#[component]
pub(crate) fn RenderedSection(client: Client, id: String, lang: RwSignal<Lang>) -> impl IntoView {
    let editable = client.editable();
    let version = client.version();
    let marks = client.marks();
    let html = {
        let id = id.clone();
        // A memo: the rendered text is rewritten (and a reader's selection
        // in it lost) only when this section's text or highlights change.
        Memo::new(move |_| {
            version.track();
            let markdown = client.section_markdown(&id);
            marks.with(|marks| {
                let highlights: Vec<Highlight> = marks
                    .iter()
                    .filter(|m| m.section == id)
                    .map(|m| Highlight {
                        range: m.start..m.end,
                        class: m.class,
                        id: &m.comment_id,
                    })
                    .collect();
                to_reading_html(&markdown, &highlights).trim().to_owned()
            })
        })
    };
    let rendered = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        let html = html.get();
        if let Some(div) = rendered.get() {
            crate::reading::set_html_keeping_selection(&div, &html);
        }
    });
    // A read-only section takes a keyboard caret (see
    // `reading::KEYBOARD_CARET`); what an input method typed
    // anyway (composition cannot be refused) is put back.
    let caret = move || (!editable.get()).then_some(crate::reading::KEYBOARD_CARET);
    let restore = move |_| {
        if let Some(div) = rendered.get_untracked() {
            crate::reading::set_html_keeping_selection(&div, &html.get_untracked());
        }
    };
    // An empty preview shows `data-empty` (style.css).
    view! {
        <div
            class=format!("preview markdown {READING_CLASS}")
            data-section=id.clone()
            data-empty=move || t(lang.get(), Key::EmptySection)
            contenteditable=caret
            aria-readonly=move || caret().map(|_| "true")
            aria-labelledby=move || caret().map(|_| format!("h-{id}"))
            inputmode=move || caret().map(|_| "none")
            spellcheck="false"
            on:beforeinput=move |ev| crate::reading::refuse_edit(&ev)
            on:compositionend=restore
            node_ref=rendered
        ></div>
    }
}
