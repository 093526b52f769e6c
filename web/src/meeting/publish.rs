//! Publishing, as the meeting sees it: the refusal and what follows it.
//!
//! - [`PublishRefusal`] (the facilitator who tried): the server refused to
//!   publish (409) and sent the blocking findings
//!   (`casebook_core::case::PublishRefused`); they are listed in the reader's
//!   language, each linking to its section, with the form to publish anyway
//!   with a reason (kept for the SRE team, not shown to readers).
//! - [`ReadLinkBanner`] (everyone): once the case is published, its read
//!   link, from `GET …/read-link`.
//!
//! It does not decide whether the case is ready: the server does, with the
//! same check the case panel runs live.

use super::Session;
use crate::i18n::Key;
use casebook_core::phase::Phase;
use casebook_core::readiness::Finding;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The refused publication: what to fix, and publishing anyway.
#[component]
pub fn PublishRefusal(session: Session) -> impl IntoView {
    // Moving on (or back) makes the old refusal stale.
    Effect::new(move |_| {
        if session.phase() != Phase::Revision {
            session.refusal.set(None);
        }
    });
    let reason = RwSignal::new(String::new());
    let publish_anyway = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let why = reason.get_untracked().trim().to_owned();
        if why.is_empty() {
            return;
        }
        let command = serde_json::json!({
            "type": "move_phase",
            "to": Phase::Published.as_str(),
            "override_reason": why,
        });
        session.send(command, move |ok| {
            if ok {
                session.refusal.set(None);
                reason.set(String::new());
            }
        });
    };
    let findings = move || session.refusal.get().unwrap_or_default();
    view! {
        <Show when=move || session.refusal.with(Option::is_some) && session.is_facilitator()>
            <section class="publish-refusal" id="publish-refusal" role="alert">
                <h2>{move || session.t(Key::NotReadyTitle)}</h2>
                <p>{move || session.t(Key::NotReadyHint)}</p>
                <ul class="findings">
                    <For
                        each=findings
                        key=|f: &Finding| (f.section.clone(), f.rule, f.subject.clone())
                        let:finding
                    >
                        <RefusedFinding session finding/>
                    </For>
                </ul>
                <form class="publish-anyway" on:submit=publish_anyway>
                    <input
                        type="text"
                        id="override-reason"
                        maxlength=casebook_core::limits::MAX_REASON_CHARS
                        aria-label=move || session.t(Key::OverrideReason)
                        placeholder=move || session.t(Key::OverrideReason)
                        prop:value=move || reason.get()
                        on:input=move |ev| reason.set(event_target_value(&ev))
                    />
                    <button type="submit" disabled=move || reason.with(|r| r.trim().is_empty())>
                        {move || session.t(Key::PublishAnyway)}
                    </button>
                </form>
            </section>
        </Show>
    }
}

/// One blocking finding: its section's title (a link there) and the reason.
#[component]
fn RefusedFinding(session: Session, finding: Finding) -> impl IntoView {
    let outline = session.client().outline();
    let section = finding.section.clone();
    let title = {
        let section = section.clone();
        move || {
            let ja = session.lang.get() == crate::i18n::Lang::Ja;
            outline.with(|o| {
                o.iter()
                    .find(|s| s.id == section)
                    .map(|s| s.title(ja).to_owned())
                    .unwrap_or_else(|| section.clone())
            })
        }
    };
    let rule = serde_json::to_value(finding.rule)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let href = format!("#sec-{section}");
    view! {
        <li data-rule=rule data-section=section>
            <a href=href>
                <span class="finding-section">{title}</span>
                <span class="finding-reason">
                    {move || finding.reason(session.lang.get() == crate::i18n::Lang::Ja).to_owned()}
                </span>
            </a>
        </li>
    }
}

/// "Published: anyone with this link can read it", for everyone in the room.
#[component]
pub fn ReadLinkBanner(session: Session) -> impl IntoView {
    let published = Memo::new(move |_| session.room.with(|r| r.published.is_some()));
    let link: RwSignal<Option<String>> = RwSignal::new(None);
    Effect::new(move |_| {
        if !published.get() {
            link.set(None);
            return;
        }
        let (pm, token) = (session.pm(), session.role_token.get_value());
        spawn_local(async move {
            if let Ok(answer) = crate::api::read_link(&pm, &token).await {
                link.set(answer.published.then_some(answer.link));
            }
        });
    });
    view! {
        <Show when=move || published.get() && link.with(Option::is_some)>
            <p class="read-link-banner" id="read-link-banner">
                <span>{move || session.t(Key::PublishedReadLink)}</span>
                " "
                <a id="read-link" href=move || link.get().unwrap_or_default() target="_blank" rel="noopener">
                    {move || link.get().unwrap_or_default()}
                </a>
            </p>
        </Show>
    }
}
