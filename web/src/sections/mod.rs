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
use crate::reading::READING_CLASS;
use crate::sync::Client;
use casebook_core::outline::{self, OutlineError, Section};
use casebook_core::reading::{to_reading_html, Highlight};
use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::prelude::*;
use send_wrapper::SendWrapper;

mod outline_nav;

pub use outline_nav::OutlineNav;
use outline_nav::Readers;

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

#[component]
fn SectionView(
    client: Client,
    token: String,
    section: Section,
    can_arrange: bool,
    lang: RwSignal<Lang>,
) -> impl IntoView {
    let id = section.id.clone();
    let outline = client.outline();
    let current = {
        let id = id.clone();
        move || outline.with(|o| o.iter().find(|s| s.id == id).cloned())
    };
    let title = {
        let current = current.clone();
        move || {
            current()
                .map(|s| s.title(japanese(lang)).to_owned())
                .unwrap_or_default()
        }
    };
    let is_custom = section.is_custom();
    let guide = move || section.guide(japanese(lang)).unwrap_or_default();
    let index = {
        let id = id.clone();
        move || outline.with(|o| o.iter().position(|s| s.id == id).unwrap_or(0))
    };
    let count = move || outline.with(Vec::len);
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
    let renaming = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<Key>);
    let editable = client.editable();

    let textarea = NodeRef::<leptos::html::Textarea>::new();
    let backdrop = NodeRef::<leptos::html::Div>::new();
    {
        let client = client.clone();
        let id = id.clone();
        Effect::new(move |attached: Option<bool>| {
            if attached == Some(true) {
                return true;
            }
            let (Some(ta), Some(bd)) = (textarea.get(), backdrop.get()) else {
                return false;
            };
            client.attach(&id, ta.clone(), bd.into());
            let detach = SendWrapper::new((client.clone(), id.clone(), ta));
            on_cleanup(move || {
                let (client, id, ta) = detach.take();
                client.detach(&id, &ta);
            });
            true
        });
    }

    let version = client.version();
    let marks = client.marks();
    let html = {
        let client = client.clone();
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
    let move_to = {
        let client = client.clone();
        let id = id.clone();
        move |to: usize| {
            let _ = client.edit_outline(|txn| outline::move_section(txn, &id, to));
        }
    };
    let (move_up, move_down) = (move_to.clone(), move_to);
    let remove = {
        let client = client.clone();
        let id = id.clone();
        move |_| match client.edit_outline(|txn| outline::remove_section(txn, &id)) {
            Ok(()) => error.set(None),
            Err(e) => error.set(Some(error_key(&e))),
        }
    };
    let rename = {
        let client = client.clone();
        let id = id.clone();
        move |ev: SubmitEvent| {
            ev.prevent_default();
            let Some(name) = renaming.get_untracked() else {
                return;
            };
            match client.edit_outline(|txn| outline::rename_section(txn, &id, &name)) {
                Ok(()) => {
                    renaming.set(None);
                    error.set(None);
                }
                Err(e) => error.set(Some(error_key(&e))),
            }
        }
    };
    let keys = {
        let client = client.clone();
        move |ev: KeyboardEvent| {
            if !(ev.ctrl_key() || ev.meta_key()) || ev.alt_key() {
                return;
            }
            match ev.key().to_lowercase().as_str() {
                "z" if ev.shift_key() => {
                    ev.prevent_default();
                    client.redo();
                }
                "z" => {
                    ev.prevent_default();
                    client.undo();
                }
                "y" => {
                    ev.prevent_default();
                    client.redo();
                }
                _ => {}
            }
        }
    };
    let on = |client: &Client, id: &str| (client.clone(), id.to_owned());
    let (c_input, s_input) = on(&client, &id);
    let (c_cs, s_cs) = on(&client, &id);
    let (c_ce, s_ce) = on(&client, &id);
    let (c_sel1, s_sel1) = on(&client, &id);
    let (c_sel2, s_sel2) = on(&client, &id);
    let (c_sel3, s_sel3) = on(&client, &id);
    let (c_focus, s_focus) = on(&client, &id);
    let (c_blur, s_blur) = on(&client, &id);
    let reading_id = id.clone();
    // Pasting or dropping an image file uploads it (`crate::images`).
    let image_status = RwSignal::new(None::<Key>);
    let images_allowed = client.images_allowed();
    let take_images = {
        let (client, id) = (client.clone(), id.clone());
        move |ev: &web_sys::Event, transfer: Option<web_sys::DataTransfer>| {
            let files = crate::images::image_files(transfer);
            if files.is_empty() {
                return;
            }
            ev.prevent_default();
            if !images_allowed.get_untracked() {
                image_status.set(Some(Key::ImagesNotAllowedNow));
                return;
            }
            let Some(target) = ev.current_target() else {
                return;
            };
            crate::images::upload_and_insert(
                client.clone(),
                id.clone(),
                token.clone(),
                target,
                files,
                image_status,
            );
        }
    };
    let on_paste = {
        let take = take_images.clone();
        move |ev: web_sys::ClipboardEvent| take(&ev, ev.clipboard_data())
    };
    let on_drop = move |ev: web_sys::DragEvent| take_images(&ev, ev.data_transfer());
    // A drop is only allowed where dragover said so.
    let on_dragover = move |ev: web_sys::DragEvent| {
        let files = ev
            .data_transfer()
            .map(|t| {
                t.types()
                    .iter()
                    .any(|t| t.as_string().as_deref() == Some("Files"))
            })
            .unwrap_or(false);
        if files && images_allowed.get_untracked() {
            ev.prevent_default();
        }
    };
    let start_rename = {
        let title = title.clone();
        move |_| renaming.set(Some(title()))
    };
    view! {
        <section class="doc-section" id=format!("sec-{id}") data-section=id.clone()>
            <header class="section-head">
                <h2 id=format!("h-{id}")>{title.clone()}</h2>
                <Readers section=id.clone() peers=client.peers() lang/>
                <div class="section-tools">
                    <button
                        type="button"
                        class="preview-toggle"
                        on:click=move |_| {
                            own_choice.set(Some((page_rendered.get_untracked(), !preview.get_untracked())));
                        }
                    >
                        {move || t(lang.get(), if preview.get() { Key::ViewMarkdown } else { Key::Preview })}
                    </button>
                    {can_arrange.then(|| view! {
                        <button type="button" class="move-up" title=move || t(lang.get(), Key::MoveUp)
                            aria-label=move || t(lang.get(), Key::MoveUp)
                            disabled={let index = index.clone(); move || index() == 0}
                            on:click={let index = index.clone(); move |_| move_up(index().saturating_sub(1))}>"↑"</button>
                        <button type="button" class="move-down" title=move || t(lang.get(), Key::MoveDown)
                            aria-label=move || t(lang.get(), Key::MoveDown)
                            disabled={let index = index.clone(); move || index() + 1 >= count()}
                            on:click={let index = index.clone(); move |_| move_down(index() + 1)}>"↓"</button>
                    })}
                    {(can_arrange && is_custom).then(|| view! {
                        <button type="button" class="rename" on:click=start_rename>
                            {move || t(lang.get(), Key::Rename)}
                        </button>
                        <button type="button" class="remove" on:click=remove>
                            {move || t(lang.get(), Key::RemoveSection)}
                        </button>
                    })}
                </div>
            </header>
            {move || renaming.get().is_some().then(|| view! {
                <form class="inline-form rename-form" on:submit=rename.clone()>
                    <input type="text" maxlength=casebook_core::limits::MAX_SECTION_TITLE_CHARS
                        prop:value=move || renaming.get().unwrap_or_default()
                        on:input=move |ev| renaming.set(Some(event_target_value(&ev)))/>
                    <button type="submit">{move || t(lang.get(), Key::Save)}</button>
                    <button type="button" on:click=move |_| renaming.set(None)>{move || t(lang.get(), Key::Cancel)}</button>
                </form>
            })}
            {move || error.get().map(|k| view! { <p class="error" role="alert">{move || t(lang.get(), k)}</p> })}
            <div class="editor-wrap" class:hidden=move || preview.get()>
                <div class="backdrop" node_ref=backdrop aria-hidden="true"></div>
                <textarea
                    class="section-text"
                    id=format!("text-{id}")
                    data-section=id.clone()
                    node_ref=textarea
                    rows="3"
                    readonly=move || !editable.get()
                    spellcheck="false"
                    aria-labelledby=format!("h-{id}")
                    placeholder=guide
                    on:input=move |_| c_input.on_input(&s_input)
                    on:compositionstart=move |_| c_cs.on_composition_start(&s_cs)
                    on:compositionend=move |_| c_ce.on_composition_end(&s_ce)
                    on:keydown=keys
                    on:keyup=move |_| c_sel1.selection_changed(&s_sel1)
                    on:mouseup=move |_| c_sel2.selection_changed(&s_sel2)
                    on:select=move |_| c_sel3.selection_changed(&s_sel3)
                    on:focus=move |_| c_focus.reading(Some(s_focus.clone()))
                    on:blur=move |_| c_blur.blurred(&s_blur)
                    on:paste=on_paste
                    on:drop=on_drop
                    on:dragover=on_dragover
                ></textarea>
            </div>
            {move || image_status.get().map(|k| view! {
                <p class="image-status" role="status">{move || t(lang.get(), k)}</p>
            })}
            {move || preview.get().then(|| {
                let id = reading_id.clone();
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
            })}
        </section>
    }
}
