//! The case panel beside the outline: the readiness checklist, live as
//! people type, and the export links.
//!
//! The checklist is `casebook_core::readiness::check_document` run in the
//! browser on the live document and the meeting (`GET …/meeting`, refreshed
//! every few seconds and whenever the document changes enough to matter), the
//! same check the server runs when the facilitator publishes. Each finding
//! links to its section and says whether it blocks publishing or is advice;
//! the count in the summary is of blocking ones.

use crate::api;
use crate::i18n::{t, Key, Lang};
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
    // Blocking findings first, then advice, each in the check's order.
    let findings = Memo::new(move |_| {
        version.track();
        let doc = client.doc();
        let txn = doc.transact();
        let mut findings = meeting.with(|m| match m {
            Some(m) => check_document(&txn, m),
            None => check_document(&txn, &Meeting::new(0)),
        });
        findings.sort_by_key(|f| !f.blocks());
        findings
    });
    let blocking = Memo::new(move |_| findings.with(|f| f.iter().filter(|f| f.blocks()).count()));
    let section_title = move |id: &str| {
        outline.with(|o| {
            o.iter()
                .find(|s| s.id == id)
                .map(|s| s.title(lang.get() == Lang::Ja).to_owned())
                .unwrap_or_else(|| id.to_owned())
        })
    };
    let summary = move || {
        let n = blocking.get();
        let advice = findings.with(Vec::len) - n;
        let l = lang.get();
        let head = match (n, l) {
            (0, l) => t(l, Key::ReadyToPublish).to_owned(),
            (n, Lang::En) => format!("{n} {}", t(Lang::En, Key::FindingsLeft)),
            (n, Lang::Ja) => format!("{} {n} 件", t(Lang::Ja, Key::FindingsLeft)),
        };
        match (advice, l) {
            (0, _) => head,
            (a, Lang::En) => format!("{head} · {a} {}", t(Lang::En, Key::AdviceCount)),
            (a, Lang::Ja) => format!("{head}・{} {a} 件", t(Lang::Ja, Key::AdviceCount)),
        }
    };
    let encoded = js_sys::encode_uri_component(&pm_id)
        .as_string()
        .unwrap_or_default();
    let token_q = js_sys::encode_uri_component(&token)
        .as_string()
        .unwrap_or_default();
    let export = move |ext: &str| {
        let lang_q = if lang.get() == Lang::Ja {
            "&lang=ja"
        } else {
            ""
        };
        format!("/api/postmortems/{encoded}/export.{ext}?token={token_q}{lang_q}")
    };
    let export_md = export.clone();
    view! {
        <section class="case-panel" aria-label=move || t(lang.get(), Key::Readiness)>
            <details id="readiness" open>
                <summary>
                    <span class="readiness-title">{move || t(lang.get(), Key::Readiness)}</span>
                    <span class="readiness-count" class:ready=move || blocking.get() == 0>{summary}</span>
                </summary>
                <ul class="findings">
                    <For
                        each=move || findings.get()
                        key=|f: &Finding| (f.section.clone(), f.rule, f.subject.clone(), f.reason_en.clone(), f.level)
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
                            let blocks = finding.blocks();
                            let (level, level_key) = if blocks {
                                ("blocking", Key::FindingBlocking)
                            } else {
                                ("advice", Key::FindingAdvice)
                            };
                            view! {
                                <li data-rule=rule data-section=data_section data-level=level class=level>
                                    <a href=href>
                                        <span class="finding-section">
                                            <span class="finding-level">{move || t(lang.get(), level_key)}</span>
                                            {move || section_title(&section)}
                                        </span>
                                        <span class="finding-reason">{move || finding.reason(lang.get() == Lang::Ja).to_owned()}</span>
                                    </a>
                                </li>
                            }
                        }
                    </For>
                </ul>
            </details>
            <p class="exports">
                <span>{move || t(lang.get(), Key::Export)}</span>
                <a id="export-md" href=move || export_md("md") download="">"Markdown"</a>
                <a id="export-html" href=move || export("html") target="_blank" rel="noopener noreferrer">"HTML"</a>
            </p>
        </section>
    }
}
