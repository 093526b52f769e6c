//! A section's editor: its textarea over its backdrop, bound to the
//! section's text through [`Client::attach`] while it is on the page. It
//! passes typing, input methods, the caret and the focus to the client,
//! takes Ctrl/Cmd+Z and Ctrl/Cmd+Y (or Shift+Z) as undo and redo, and
//! uploads an image pasted or dropped into it ([`crate::images`]).

use crate::i18n::{t, Key, Lang};
use crate::sync::Client;
use casebook_core::outline::Section;
use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use send_wrapper::SendWrapper;

/// `hidden` while the section shows its rendered text (the editor stays
/// bound, so its selection and undo history are kept).
#[component]
pub(super) fn SectionTextarea(
    client: Client,
    section: Section,
    token: String,
    hidden: Memo<bool>,
    lang: RwSignal<Lang>,
) -> impl IntoView {
    let id = section.id.clone();
    let guide = move || section.guide(lang.get() == Lang::Ja).unwrap_or_default();
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
    let keys = undo_keys(client.clone());
    let on = |client: &Client, id: &str| (client.clone(), id.to_owned());
    let (c_input, s_input) = on(&client, &id);
    let (c_cs, s_cs) = on(&client, &id);
    let (c_ce, s_ce) = on(&client, &id);
    let (c_sel1, s_sel1) = on(&client, &id);
    let (c_sel2, s_sel2) = on(&client, &id);
    let (c_sel3, s_sel3) = on(&client, &id);
    let (c_focus, s_focus) = on(&client, &id);
    let (c_blur, s_blur) = on(&client, &id);
    // Pasting or dropping an image file uploads it (`crate::images`).
    let image_status = RwSignal::new(None::<Key>);
    let (on_paste, on_drop, on_dragover) =
        image_handlers(client.clone(), id.clone(), token, image_status);
    view! {
        <div class="editor-wrap" class:hidden=move || hidden.get()>
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
    }
}

/// What pasting, dropping and dragging over the textarea do: an image file
/// is uploaded and its Markdown put at the caret; anything else is left to
/// the textarea. `status` says why an image was refused.
fn image_handlers(
    client: Client,
    id: String,
    token: String,
    status: RwSignal<Option<Key>>,
) -> (
    impl Fn(web_sys::ClipboardEvent) + 'static,
    impl Fn(web_sys::DragEvent) + 'static,
    impl Fn(web_sys::DragEvent) + 'static,
) {
    let images_allowed = client.images_allowed();
    let take_images = move |ev: &web_sys::Event, transfer: Option<web_sys::DataTransfer>| {
        let files = crate::images::image_files(transfer);
        if files.is_empty() {
            return;
        }
        ev.prevent_default();
        if !images_allowed.get_untracked() {
            status.set(Some(Key::ImagesNotAllowedNow));
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
            status,
        );
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
    (on_paste, on_drop, on_dragover)
}

/// Ctrl/Cmd+Z undoes, Ctrl/Cmd+Shift+Z and Ctrl/Cmd+Y redo (this page's
/// edits only, see [`Client::undo`]).
fn undo_keys(client: Client) -> impl Fn(KeyboardEvent) + Clone + 'static {
    move |ev: KeyboardEvent| {
        if !(ev.ctrl_key() || ev.meta_key()) || ev.alt_key() {
            return;
        }
        match ev.key().to_ascii_lowercase().as_str() {
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
}
