//! The admin home's "Import Markdown" form: a Markdown file (picked or
//! pasted) becomes a new postmortem whose headings map to sections
//! (`POST /api/postmortems/import`; the mapping is in the README).

use crate::api::{self, ApiError, Created};
use crate::i18n::{t, Key, Lang};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

async fn import(token: &str, title: &str, markdown: &str) -> Result<Created, ApiError> {
    let mut body = serde_json::json!({ "markdown": markdown });
    if !title.trim().is_empty() {
        body["title"] = serde_json::json!(title.trim());
    }
    api::call(
        "POST",
        "/api/postmortems/import",
        token,
        Some(body.to_string()),
    )
    .await
}

/// Reads the file chosen in an `<input type=file>` as text.
async fn read_file(input: &web_sys::HtmlInputElement) -> Option<String> {
    let file = input.files()?.get(0)?;
    let text = JsFuture::from(file.text()).await.ok()?;
    text.as_string()
}

#[component]
pub fn ImportMarkdown(
    token: String,
    lang: RwSignal<Lang>,
    on_created: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let title = RwSignal::new(String::new());
    let markdown = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let created: RwSignal<Option<Created>> = RwSignal::new(None);
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let on_file = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        spawn_local(async move {
            match read_file(&input).await {
                Some(text) => markdown.set(text),
                None => error.set(Some(
                    t(lang.get_untracked(), Key::ImportFileUnreadable).to_owned(),
                )),
            }
        });
    };
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let text = markdown.get_untracked();
        if text.trim().is_empty() || busy.get_untracked() {
            error.set(Some(t(lang.get_untracked(), Key::ImportEmpty).to_owned()));
            return;
        }
        busy.set(true);
        let token = token.clone();
        let on_created = on_created.clone();
        let title_now = title.get_untracked();
        spawn_local(async move {
            match import(&token, &title_now, &text).await {
                Ok(pm) => {
                    created.set(Some(pm));
                    error.set(None);
                    markdown.set(String::new());
                    title.set(String::new());
                    on_created();
                }
                Err(e) => error.set(Some(e.to_string())),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card" id="import">
            <h2>{move || t(lang.get(), Key::ImportMarkdown)}</h2>
            <p class="muted">{move || t(lang.get(), Key::ImportHelp)}</p>
            <form on:submit=submit style="display:flex;flex-direction:column;gap:0.5rem">
                <input
                    id="import-title"
                    type="text"
                    maxlength=casebook_core::limits::MAX_POSTMORTEM_TITLE_CHARS
                    placeholder=move || t(lang.get(), Key::ImportTitlePlaceholder)
                    prop:value=move || title.get()
                    on:input=move |ev| title.set(event_target_value(&ev))
                />
                <input id="import-file" type="file" accept=".md,.markdown,.txt,text/markdown,text/plain" on:change=on_file/>
                <textarea
                    id="import-markdown"
                    rows="8"
                    placeholder=move || t(lang.get(), Key::ImportPastePlaceholder)
                    prop:value=move || markdown.get()
                    on:input=move |ev| markdown.set(event_target_value(&ev))
                ></textarea>
                <div>
                    <button id="import-submit" type="submit" disabled=move || busy.get()>
                        {move || t(lang.get(), Key::ImportButton)}
                    </button>
                </div>
            </form>
            {move || error.get().map(|e| view! { <p class="error">{e}</p> })}
            {move || created.get().map(|pm| view! { <crate::admin::RoleLinks pm lang/> })}
        </section>
    }
}
