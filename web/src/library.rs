//! `/library?token=…`: the casebook — every published case, newest first,
//! searchable by words (Japanese or English), by middleware/service and by
//! tag (`GET /api/library`). Each case opens read-only at its read link.
//! Any valid invite token (or the admin token) opens it.

use crate::api::{self, ApiError};
use crate::i18n::{library_action_count, t, Key, Lang};
use crate::Notice;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use casebook_core::action_item::ActionStatus;
use casebook_core::api::{Facet, LibraryActionItem, LibraryAnswer as Answer};

fn enc(s: &str) -> String {
    js_sys::encode_uri_component(s).into()
}

async fn search(token: &str, q: &str, service: &str, tag: &str) -> Result<Answer, ApiError> {
    let mut path = format!("/api/library?q={}", enc(q));
    if !service.is_empty() {
        path.push_str(&format!("&service={}", enc(service)));
    }
    if !tag.is_empty() {
        path.push_str(&format!("&tag={}", enc(tag)));
    }
    api::call("GET", &path, token, None).await
}

fn date(ms: f64, lang: Lang) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    d.to_locale_date_string(lang.code(), &wasm_bindgen::JsValue::UNDEFINED)
        .into()
}

#[component]
pub fn LibraryPage(token: Option<String>, lang: RwSignal<Lang>) -> impl IntoView {
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return view! { <Notice lang key=Key::NeedRoleLink/> }.into_any();
    };
    let q = RwSignal::new(String::new());
    let service = RwSignal::new(String::new());
    let tag = RwSignal::new(String::new());
    let answer: RwSignal<Option<Result<Answer, ApiError>>> = RwSignal::new(None);
    let run = move || {
        let token = token.clone();
        let (q, s, tg) = (
            q.get_untracked(),
            service.get_untracked(),
            tag.get_untracked(),
        );
        spawn_local(async move { answer.set(Some(search(&token, &q, &s, &tg).await)) });
    };
    run();
    let on_submit = {
        let run = run.clone();
        move |ev: SubmitEvent| {
            ev.prevent_default();
            run();
        }
    };
    let facets = move |pick: fn(&Answer) -> &Vec<Facet>| -> Vec<Facet> {
        match answer.get() {
            Some(Ok(a)) => pick(&a).clone(),
            _ => Vec::new(),
        }
    };
    let run_service = run.clone();
    let run_tag = run.clone();
    view! {
        <section class="card">
            <h1>{move || t(lang.get(), Key::LibraryTitle)}</h1>
            <p class="muted">{move || t(lang.get(), Key::LibraryHelp)}</p>
            <form class="inline-form" on:submit=on_submit role="search">
                <input
                    id="library-q"
                    type="search"
                    placeholder=move || t(lang.get(), Key::LibrarySearchPlaceholder)
                    prop:value=move || q.get()
                    on:input=move |ev| q.set(event_target_value(&ev))
                />
                <select id="library-service" on:change=move |ev| { service.set(event_target_value(&ev)); run_service(); }>
                    <option value="">{move || t(lang.get(), Key::LibraryAllServices)}</option>
                    {move || facets(|a| &a.services).into_iter().map(|f| {
                        let selected = service.get_untracked().eq_ignore_ascii_case(&f.name);
                        view! { <option value=f.name.clone() selected=selected>{format!("{} ({})", f.name, f.count)}</option> }
                    }).collect_view()}
                </select>
                <select id="library-tag" on:change=move |ev| { tag.set(event_target_value(&ev)); run_tag(); }>
                    <option value="">{move || t(lang.get(), Key::LibraryAllTags)}</option>
                    {move || facets(|a| &a.tags).into_iter().map(|f| {
                        let selected = tag.get_untracked().to_lowercase() == f.name.to_lowercase();
                        view! { <option value=f.name.clone() selected=selected>{format!("{} ({})", f.name, f.count)}</option> }
                    }).collect_view()}
                </select>
                <button id="library-search" type="submit">{move || t(lang.get(), Key::LibrarySearch)}</button>
            </form>
        </section>
        <section class="card">
            {move || match answer.get() {
                None => view! { <p class="muted">{t(lang.get(), Key::Loading)}</p> }.into_any(),
                Some(Err(ApiError::Unauthorized)) => view! { <p class="error">{t(lang.get(), Key::RoleLinkRefused)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error">{t(lang.get(), Key::NetworkError)} " " {e.to_string()}</p> }.into_any(),
                Some(Ok(a)) if a.cases.is_empty() => {
                    let key = if a.total == 0 { Key::LibraryEmpty } else { Key::LibraryNoMatch };
                    view! { <p class="muted" id="library-none">{t(lang.get(), key)}</p> }.into_any()
                }
                Some(Ok(a)) => {
                    let l = lang.get();
                    let rows = a.cases.into_iter().map(|c| {
                        // The read page speaks the case's own language.
                        let href = c.read_link.clone();
                        let chips = c.services.iter().map(|s| view! { <span class="chip service" style="border:1px solid #99a;border-radius:1rem;padding:0 .5rem;margin-right:.3rem;font-size:.85em">{s.clone()}</span> }).collect_view();
                        let tags = c.tags.iter().map(|s| view! { <span class="chip tag" style="background:#eef;border-radius:1rem;padding:0 .5rem;margin-right:.3rem;font-size:.85em">"#"{s.clone()}</span> }).collect_view();
                        view! {
                            <li data-id=c.id.clone() style="margin-bottom:1rem">
                                <a class="case-title" href=href target="_blank" style="font-weight:600">{c.title.clone()}</a>
                                " "
                                <span class="muted">{date(c.published_at_ms as f64, l)}</span>
                                <div>{chips}{tags}</div>
                                <p class="muted" style="margin:.2rem 0;white-space:pre-line">{c.summary.clone()}</p>
                                <ActionItemList items=c.action_items.clone() lang=l/>
                            </li>
                        }
                    }).collect_view();
                    view! { <ul id="library-results" style="list-style:none;padding:0">{rows}</ul> }.into_any()
                }
            }}
        </section>
    }
    .into_any()
}

/// A case's action items, folded: "Action items: 3 (1 done)", then each
/// with its owner, due date and status as published.
#[component]
fn ActionItemList(items: Vec<LibraryActionItem>, lang: Lang) -> impl IntoView {
    if items.is_empty() {
        return ().into_any();
    }
    let done = items
        .iter()
        .filter(|i| i.status == ActionStatus::Done)
        .count();
    let ja = lang == Lang::Ja;
    let total = items.len();
    let rows = items
        .into_iter()
        .map(|item| {
            let due = item
                .due
                .map(|d| format!(" · {} {d}", t(lang, Key::ActionDue)));
            view! {
                <li data-status=item.status.as_str()>
                    {item.title} " — " {item.owner} {due} " · "
                    <span class="action-status">{item.status.label(ja)}</span>
                </li>
            }
        })
        .collect_view();
    let summary = library_action_count(lang, total, done);
    view! {
        <details class="library-actions">
            <summary>{summary}</summary>
            <ul>{rows}</ul>
        </details>
    }
    .into_any()
}

/// Links from the admin home to the library and the insights.
#[component]
pub fn AdminLinks(token: String, lang: RwSignal<Lang>) -> impl IntoView {
    let library = format!("/library?token={}", enc(&token));
    let insights = format!("/insights?token={}", enc(&token));
    view! {
        <section class="card">
            <a id="open-library" href=library>{move || t(lang.get(), Key::LibraryTitle)}</a>
            " · "
            <a id="open-insights" href=insights>{move || t(lang.get(), Key::InsightsTitle)}</a>
        </section>
    }
}
