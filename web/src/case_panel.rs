//! The case panel beside the outline: the readiness checklist, live as
//! people type, and the export links.
//!
//! The checklist is `casebook_core::readiness::check_document` run in the
//! browser on the live document and the meeting (`GET …/meeting`, refreshed
//! every few seconds and whenever the document changes enough to matter), the
//! same check the server runs when the facilitator publishes. Each finding
//! links to its section and says whether it blocks publishing or is advice;
//! the count in the summary is of blocking ones. Authors and the facilitator
//! may mark one finding "not applicable" with a reason (the meeting's
//! `dismiss_finding` command); it then stays listed, greyed, with the reason,
//! and no longer counts. Answers not folded into their sections are known
//! only to the server (from its versions): they come from `GET …/readiness`
//! with the meeting. Dismissing one is how a facilitator or author says
//! that the Q&A entry is enough. Once the case is published the panel says so
//! instead of counting what is left to fix.

use crate::api;
use crate::i18n::{t, Key, Lang};
use crate::incident::IncidentFields;
use crate::meeting::Session;
use crate::sync::Client;
use casebook_core::permission::Action;
use casebook_core::readiness::{check_document, Finding, Rule};
use casebook_core::{CommandKind, Meeting};
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
    let session = Session::for_page(&pm_id, &token, &client, lang);
    let (pm_id_for_incident, token_for_incident) = (pm_id.clone(), token.clone());
    let meeting: RwSignal<Option<Meeting>> = RwSignal::new(None);
    // Findings only the server can make (from the versions it keeps): the
    // answers not folded into their sections.
    let server_only: RwSignal<Vec<Finding>> = RwSignal::new(Vec::new());
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
                if let Ok(readiness) = api::readiness(&pm_id, &token).await {
                    let only: Vec<Finding> = readiness
                        .findings
                        .into_iter()
                        .filter(|f| f.rule == Rule::AnswerNotFolded)
                        .collect();
                    if server_only.with_untracked(|old| *old != only) {
                        server_only.set(only);
                    }
                }
            });
        }
    };
    fetch();
    let refetch = fetch.clone();
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
        findings.extend(server_only.get());
        findings.sort_by_key(|f| (!f.blocks(), f.dismissed.is_some()));
        findings
    });
    let blocking = Memo::new(move |_| findings.with(|f| f.iter().filter(|f| f.blocks()).count()));
    let dismissed =
        Memo::new(move |_| findings.with(|f| f.iter().filter(|f| f.dismissed.is_some()).count()));
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
        if published.get() {
            return t(lang.get(), Key::PublishedCase).to_owned();
        }
        let n = blocking.get();
        let advice = findings.with(Vec::len) - n - dismissed.get();
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
    // The exports speak the case's own language, whatever the page's.
    let export =
        move |ext: &str| format!("/api/postmortems/{encoded}/export.{ext}?token={token_q}");
    let export_md = export.clone();
    view! {
        <section class="case-panel" aria-label=move || t(lang.get(), Key::Readiness)>
            <details id="readiness" open>
                <summary>
                    <span class="readiness-title">{move || t(lang.get(), Key::Readiness)}</span>
                    <span class="readiness-count" class:ready=move || published.get() || blocking.get() == 0>{summary}</span>
                </summary>
                <ul class="findings" hidden=move || published.get()>
                    <For
                        each=move || findings.get()
                        key=|f: &Finding| (f.section.clone(), f.rule, f.subject.clone(), f.reason_en.clone(), f.dismissed.as_ref().map(|d| d.reason.clone()))
                        let:finding
                    >
                        <FindingItem finding section_title session lang on_dismissed=refetch.clone()/>
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

/// One finding: its level, section and reason, a link to the section, and
/// for authors and the facilitator a way to dismiss it — or, once
/// dismissed, to take the dismissal back.
#[component]
fn FindingItem(
    finding: Finding,
    section_title: impl Fn(&str) -> String + Copy + Send + Sync + 'static,
    session: Session,
    lang: RwSignal<Lang>,
    on_dismissed: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let section = finding.section.clone();
    let href = format!("#sec-{section}");
    let rule = serde_json::to_value(finding.rule)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let data_section = section.clone();
    let (level, level_key) = match (&finding.dismissed, finding.blocks()) {
        (Some(_), _) => ("dismissed", Key::FindingDismissed),
        (None, true) => ("blocking", Key::FindingBlocking),
        (None, false) => ("advice", Key::FindingAdvice),
    };
    let data_level = if finding.dismissed.is_some() {
        serde_json::to_value(finding.level)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    } else {
        level.to_owned()
    };
    let dismissal = finding.dismissed.clone().map(|d| {
        view! {
            <span class="finding-dismissal">
                {move || t(lang.get(), Key::DismissedBecause)} " " {d.reason.clone()} " — " {d.by.display_name.clone()}
            </span>
        }
    });
    let may_dismiss = finding.dismissed.is_none();
    let reason = finding.clone();
    let restoring = RwSignal::new(false);
    let restore = {
        let finding = finding.clone();
        let on_dismissed = on_dismissed.clone();
        move |_| {
            if restoring.get_untracked() {
                return;
            }
            let command = CommandKind::RestoreFinding {
                rule: finding.rule,
                section: finding.section.clone(),
                subject: finding.subject.clone(),
            };
            let Ok(command) = serde_json::to_value(&command) else {
                return;
            };
            restoring.set(true);
            let on_dismissed = on_dismissed.clone();
            session.send(command, move |ok| {
                restoring.set(false);
                if ok {
                    on_dismissed();
                }
            });
        }
    };
    let asking = RwSignal::new(false);
    // An answer not folded into its section: one click says the Q&A entry
    // is enough (a dismissal with that reason).
    let qa_answer = finding.rule == Rule::AnswerNotFolded;
    let enough = {
        let finding = finding.clone();
        let on_dismissed = on_dismissed.clone();
        move |_| {
            let command = CommandKind::DismissFinding {
                rule: finding.rule,
                section: finding.section.clone(),
                subject: finding.subject.clone(),
                reason: t(lang.get_untracked(), Key::QaEntryEnough).to_owned(),
            };
            let Ok(command) = serde_json::to_value(&command) else {
                return;
            };
            let on_dismissed = on_dismissed.clone();
            session.send(command, move |ok| {
                if ok {
                    on_dismissed();
                }
            });
        }
    };
    view! {
        <li data-rule=rule data-section=data_section data-level=data_level class=level>
            <a href=href>
                <span class="finding-section">
                    <span class="finding-level">{move || t(lang.get(), level_key)}</span>
                    {move || section_title(&section)}
                </span>
                <span class="finding-reason">{move || reason.reason(lang.get() == Lang::Ja).to_owned()}</span>
            </a>
            {dismissal}
            <Show when=move || qa_answer && may_dismiss && session.can(Action::DismissFinding)>
                <button type="button" class="link-button qa-entry-enough" on:click=enough.clone()>
                    {move || t(lang.get(), Key::QaEntryEnough)}
                </button>
            </Show>
            <Show when=move || !qa_answer && may_dismiss && session.can(Action::DismissFinding) && !asking.get()>
                <button type="button" class="link-button dismiss-finding" on:click=move |_| asking.set(true)>
                    {move || t(lang.get(), Key::DismissFinding)}
                </button>
            </Show>
            <Show when=move || !may_dismiss && session.can(Action::RestoreFinding)>
                <button
                    type="button"
                    class="link-button restore-finding"
                    disabled=move || restoring.get()
                    on:click=restore.clone()
                >
                    {move || t(lang.get(), Key::RestoreFinding)}
                </button>
            </Show>
            <Show when=move || asking.get()>
                <DismissForm finding=finding.clone() session lang asking on_dismissed=on_dismissed.clone()/>
            </Show>
        </li>
    }
}

/// The reason a finding does not apply, sent as `dismiss_finding`.
#[component]
fn DismissForm(
    finding: Finding,
    session: Session,
    lang: RwSignal<Lang>,
    asking: RwSignal<bool>,
    on_dismissed: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let why = reason.get_untracked().trim().to_owned();
        if why.is_empty() || busy.get_untracked() {
            return;
        }
        let command = CommandKind::DismissFinding {
            rule: finding.rule,
            section: finding.section.clone(),
            subject: finding.subject.clone(),
            reason: why,
        };
        let Ok(command) = serde_json::to_value(&command) else {
            return;
        };
        busy.set(true);
        let on_dismissed = on_dismissed.clone();
        session.send(command, move |ok| {
            busy.set(false);
            if ok {
                asking.set(false);
                on_dismissed();
            }
        });
    };
    view! {
        <form class="dismiss-form" on:submit=submit>
            <input
                type="text"
                class="dismiss-reason"
                maxlength=casebook_core::limits::MAX_REASON_CHARS
                aria-label=move || t(lang.get(), Key::DismissReason)
                placeholder=move || t(lang.get(), Key::DismissReason)
                prop:value=move || reason.get()
                on:input=move |ev| reason.set(event_target_value(&ev))
            />
            <button type="submit" disabled=move || busy.get() || reason.with(|r| r.trim().is_empty())>
                {move || t(lang.get(), Key::DismissConfirm)}
            </button>
            <button type="button" class="secondary" on:click=move |_| asking.set(false)>
                {move || t(lang.get(), Key::Cancel)}
            </button>
        </form>
    }
}
