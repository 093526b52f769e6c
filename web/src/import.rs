//! The admin home's "Import Markdown" form: a Markdown file (picked or
//! pasted) becomes a new postmortem whose headings map to sections
//! (`POST /api/postmortems/import`; the mapping is in the README).
//!
//! As the text changes, a preview shows where each heading goes, read by
//! the same `casebook_core::import` the server uses; a heading mapped by a
//! guess ("Action items" → Countermeasures) is a question with a checkbox,
//! and the headings answered "no" are sent as `keep_as_written`.

use crate::api::{self, ApiError, Created};
use crate::i18n::{t, Key, Lang};
use casebook_core::document::template_section;
use casebook_core::import::import_sections_with;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

async fn import(
    token: &str,
    title: &str,
    markdown: &str,
    keep_as_written: Vec<String>,
) -> Result<Created, ApiError> {
    let mut body = serde_json::json!({ "markdown": markdown, "keep_as_written": keep_as_written });
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
    // Headings whose guessed mapping the person declined.
    let declined: RwSignal<Vec<String>> = RwSignal::new(Vec::new());
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
        let keep = declined.get_untracked();
        spawn_local(async move {
            match import(&token, &title_now, &text, keep).await {
                Ok(pm) => {
                    created.set(Some(pm));
                    error.set(None);
                    markdown.set(String::new());
                    title.set(String::new());
                    declined.set(Vec::new());
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
                <ImportPreview markdown declined lang/>
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

/// Where each heading of the text goes, and a question for each guess.
#[component]
fn ImportPreview(
    markdown: RwSignal<String>,
    declined: RwSignal<Vec<String>>,
    lang: RwSignal<Lang>,
) -> impl IntoView {
    let case = Memo::new(move |_| {
        markdown.with(|md| declined.with(|keep| import_sections_with(md, keep)))
    });
    // Guesses as first read, so a declined one stays on the list to undo.
    let guesses = Memo::new(move |_| markdown.with(|md| import_sections_with(md, &[]).guesses));
    let title_of = move |id: &str| {
        let japanese = lang.get() == Lang::Ja;
        template_section(id).map_or(String::new(), |t| {
            let title = if japanese { t.title_ja } else { t.title_en };
            title.to_owned()
        })
    };
    let rows = move || {
        case.with(|c| {
            c.sections
                .iter()
                .map(|s| {
                    let target = match s.id.as_deref() {
                        Some(id) if template_section(id).is_some() => title_of(id),
                        _ => t(lang.get(), Key::ImportNewSection).to_owned(),
                    };
                    (s.title.clone(), target)
                })
                .collect::<Vec<_>>()
        })
    };
    view! {
        <Show when=move || case.with(|c| !c.sections.is_empty())>
            <div class="import-preview" id="import-preview">
                <p class="muted">{move || t(lang.get(), Key::ImportPreview)}</p>
                <ul class="import-map">
                    {move || rows().into_iter().map(|(heading, target)| view! {
                        <li><span class="import-heading">{heading}</span>" → "<strong>{target}</strong></li>
                    }).collect_view()}
                </ul>
                {move || guesses.get().into_iter().map(|g| {
                    let heading = g.heading.clone();
                    let target = title_of(g.section);
                    let question = match lang.get() {
                        Lang::En => format!("Map “{heading}” to {target}?"),
                        Lang::Ja => format!("「{heading}」を「{target}」として取り込みますか？"),
                    };
                    let checked = {
                        let heading = heading.clone();
                        move || declined.with(|d| !d.contains(&heading))
                    };
                    let toggle = move |ev: leptos::ev::Event| {
                        let yes = event_target_checked(&ev);
                        declined.update(|d| {
                            d.retain(|h| *h != heading);
                            if !yes {
                                d.push(heading.clone());
                            }
                        });
                    };
                    view! {
                        <label class="import-question">
                            <input type="checkbox" prop:checked=checked on:change=toggle/>
                            " " {question}
                        </label>
                    }
                }).collect_view()}
            </div>
        </Show>
    }
}
