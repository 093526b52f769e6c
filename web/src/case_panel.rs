//! The case panel beside the outline: the readiness checklist, live as
//! people type, and the export links.
//!
//! The checklist is `casebook_core::readiness::check_document` run in the
//! browser on the live document and the meeting (`GET …/meeting`, refreshed
//! every few seconds and whenever the document changes enough to matter), the
//! same check the server runs when the facilitator publishes. Each finding
//! links to its section. Once the case is published the panel says so
//! instead of counting what is left to fix.

use crate::api;
use crate::i18n::{t, Key, Lang};
use crate::incident::IncidentFields;
use crate::sync::Client;
use casebook_core::readiness::{check_document, Finding};
use casebook_core::Meeting;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;
use yrs::Transact;

/// How often the meeting (its comments) is read again for the checklist.
const MEETING_EVERY: Duration = Duration::from_secs(6);

#[component]
pub fn CasePanel(
    pm_id: String,
    token: String,
    client: Client,
    lang: RwSignal<Lang>,
) -> impl IntoView {
    let (pm_id_for_incident, token_for_incident) = (pm_id.clone(), token.clone());
    let meeting: RwSignal<Option<Meeting>> = RwSignal::new(None);
    let fetch = {
        let (pm_id, token) = (pm_id.clone(), token.clone());
        move || {
            let (pm_id, token) = (pm_id.clone(), token.clone());
            spawn_local(async move {
                if let Ok(m) = api::meeting(&pm_id, &token).await {
                    if meeting.with_untracked(|old| old.as_ref() != Some(&m)) {
                        meeting.set(Some(m));
                    }
                }
            });
        }
    };
    fetch();
    if let Ok(handle) = set_interval_with_handle(fetch, MEETING_EVERY) {
        on_cleanup(move || handle.clear());
    }

    let version = client.version();
    let outline = client.outline();
    let findings = Memo::new(move |_| {
        version.track();
        let doc = client.doc();
        let txn = doc.transact();
        meeting.with(|m| match m {
            Some(m) => check_document(&txn, m),
            None => check_document(&txn, &Meeting::new(0)),
        })
    });
    let section_title = move |id: &str| {
        outline.with(|o| {
            o.iter()
                .find(|s| s.id == id)
                .map(|s| s.title(lang.get() == Lang::Ja).to_owned())
                .unwrap_or_else(|| id.to_owned())
        })
    };
    // Once published the checklist is history: the panel says so instead.
    let published =
        Memo::new(move |_| meeting.with(|m| m.as_ref().is_some_and(|m| m.published.is_some())));
    let summary = move || {
        let n = findings.with(Vec::len);
        if published.get() {
            return t(lang.get(), Key::PublishedCase).to_owned();
        }
        match (n, lang.get()) {
            (0, l) => t(l, Key::ReadyToPublish).to_owned(),
            (n, Lang::En) => format!("{n} {}", t(Lang::En, Key::FindingsLeft)),
            (n, Lang::Ja) => format!("{} {n} 件", t(Lang::Ja, Key::FindingsLeft)),
        }
    };
    let encoded = js_sys::encode_uri_component(&pm_id)
        .as_string()
        .unwrap_or_default();
    let token_q = js_sys::encode_uri_component(&token)
        .as_string()
        .unwrap_or_default();
    // The exports speak the case's own language, whatever the page's.
    let export =
        move |ext: &str| format!("/api/postmortems/{encoded}/export.{ext}?token={token_q}");
    let export_md = export.clone();
    view! {
        <section class="case-panel" aria-label=move || t(lang.get(), Key::Readiness)>
            <details id="readiness" open>
                <summary>
                    <span class="readiness-title">{move || t(lang.get(), Key::Readiness)}</span>
                    <span class="readiness-count" class:ready=move || published.get() || findings.with(Vec::is_empty)>{summary}</span>
                </summary>
                <ul class="findings" hidden=move || published.get()>
                    <For
                        each=move || findings.get()
                        key=|f: &Finding| (f.section.clone(), f.rule, f.subject.clone(), f.reason_en.clone())
                        let:finding
                    >
                        {
                            let section = finding.section.clone();
                            let href = format!("#sec-{section}");
                            let rule = serde_json::to_value(finding.rule)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_owned))
                                .unwrap_or_default();
                            let data_section = section.clone();
                            view! {
                                <li data-rule=rule data-section=data_section>
                                    <a href=href>
                                        <span class="finding-section">{move || section_title(&section)}</span>
                                        <span class="finding-reason">{move || finding.reason(lang.get() == Lang::Ja).to_owned()}</span>
                                    </a>
                                </li>
                            }
                        }
                    </For>
                </ul>
            </details>
            <IncidentFields pm_id=pm_id_for_incident token=token_for_incident lang/>
            <p class="exports">
                <span>{move || t(lang.get(), Key::Export)}</span>
                <a id="export-md" href=move || export_md("md") download="">"Markdown"</a>
                <a id="export-html" href=move || export("html") target="_blank" rel="noopener noreferrer">"HTML"</a>
            </p>
        </section>
    }
}
