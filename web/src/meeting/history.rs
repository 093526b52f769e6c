//! The document's history: the versions the server kept (and saving one
//! with a label, for those the permission table lets), an old version
//! opened read-only, a word-level diff with the document now, and in
//! revision "what the meeting changed": per section, what was added and
//! removed since silent reading started.
//!
//! The open list follows the meeting room's count of kept versions, so it
//! updates for everyone when the server keeps one.
//!
//! Versions, their sections and diffs come from the server
//! (`casebook_core::versions` types); nothing is diffed here. A version's
//! Markdown is shown through core's sanitising renderer and a diff's pieces
//! as text in `<ins>` / `<del>`, never as HTML.

use super::Session;
use crate::api::{call, ApiError};
use crate::i18n::{changed_counts, unchanged_sections, Key, Lang};
use casebook_core::limits::MAX_VERSION_LABEL_CHARS;
use casebook_core::markdown::to_safe_html;
use casebook_core::permission::Action;
use casebook_core::versions::{
    section_title, PieceKind, SectionChange, SectionDiff, Version, VersionDiff, VersionList,
    VersionReason, VersionSummary,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

fn path(pm: &str, rest: &str) -> String {
    format!(
        "/api/postmortems/{}/versions{rest}",
        js_sys::encode_uri_component(pm)
    )
}

fn failed(e: ApiError) -> String {
    match e {
        ApiError::Status(_, message) => message,
        other => other.to_string(),
    }
}

/// A version's name as people read it: the label given, or the reason in
/// the reader's language.
fn version_name(lang: Lang, version: &VersionSummary) -> String {
    let key = match version.reason {
        VersionReason::SilentReadingStarted => Key::VersionSilentReading,
        VersionReason::RevisionStarted => Key::VersionRevision,
        VersionReason::Published => Key::VersionPublished,
        VersionReason::Answered => Key::VersionAnswered,
        VersionReason::Saved => return version.label.clone(),
    };
    crate::i18n::t(lang, key).to_owned()
}

/// When a version was kept, in the case's incident zone when it has one
/// (labelled), else the reader's local time.
fn when(lang: Lang, at_ms: u64) -> String {
    crate::incident::meeting_time(lang, at_ms).1
}

/// What the history shows below its list.
#[derive(Clone, PartialEq)]
enum Shown {
    Nothing,
    Version(Version),
    Diff(VersionDiff),
}

/// "History": a small control in the sidebar that opens the list.
#[component]
pub fn HistoryPanel(session: Session) -> impl IntoView {
    let versions = RwSignal::new(None::<Vec<VersionSummary>>);
    let shown = RwSignal::new(Shown::Nothing);
    let error = RwSignal::new(None::<String>);
    let label = RwSignal::new(String::new());
    let saving = RwSignal::new(false);
    // Whether the list is open, and which of its fetches is the latest: an
    // answer is shown only if no fetch was started after it (one started
    // before a version was kept may answer after one started after).
    let is_open = RwSignal::new(false);
    let latest = StoredValue::new(0u64);
    let load = move || {
        let this = latest.get_value() + 1;
        latest.set_value(this);
        spawn_local(async move {
            let token = session.command_token().await;
            let answer = call::<VersionList>("GET", &path(&session.pm(), ""), &token, None).await;
            if latest.get_value() != this {
                return;
            }
            match answer {
                Ok(list) => {
                    error.set(None);
                    versions.set(Some(list.versions));
                }
                Err(e) => error.set(Some(failed(e))),
            }
        });
    };
    let open = move |id: u64, diff: bool| {
        spawn_local(async move {
            let token = session.command_token().await;
            let pm = session.pm();
            let result = if diff {
                call::<VersionDiff>(
                    "GET",
                    &path(&pm, &format!("/{id}/diff?to=current")),
                    &token,
                    None,
                )
                .await
                .map(Shown::Diff)
            } else {
                call::<Version>("GET", &path(&pm, &format!("/{id}")), &token, None)
                    .await
                    .map(Shown::Version)
            };
            match result {
                Ok(view) => {
                    error.set(None);
                    shown.set(view);
                }
                Err(e) => error.set(Some(failed(e))),
            }
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = label.get_untracked();
        if text.trim().is_empty() || saving.get_untracked() {
            return;
        }
        saving.set(true);
        spawn_local(async move {
            let token = session.command_token().await;
            let body = serde_json::json!({ "label": text.trim() }).to_string();
            let saved =
                call::<VersionSummary>("POST", &path(&session.pm(), ""), &token, Some(body)).await;
            saving.set(false);
            match saved {
                Ok(_) => {
                    label.set(String::new());
                    load();
                }
                Err(e) => error.set(Some(failed(e))),
            }
        });
    };
    // The server counts the versions it keeps in the meeting room: when the
    // count moves (a phase change, an answer, someone's save), an open list
    // is fetched again, for everyone, without a reload. That includes a list
    // whose first fetch is still on its way: it may have been answered
    // before the version was kept.
    let kept = Memo::new(move |_| session.room.with(|r| r.versions));
    Effect::new(move |previous: Option<u64>| {
        let now = kept.get();
        if previous.is_some_and(|p| p != now) && is_open.get_untracked() {
            load();
        }
        now
    });
    // The versions people look back at; those kept after each answer serve
    // the per-question links and are left out of the list.
    let listed = move || {
        versions.get().map(|all| {
            let mut listed: Vec<VersionSummary> = all
                .into_iter()
                .filter(|v| v.reason != VersionReason::Answered)
                .collect();
            listed.reverse();
            listed
        })
    };
    view! {
        <details class="history-panel" id="history"
            on:toggle=move |ev| {
                let open = event_target::<web_sys::HtmlDetailsElement>(&ev).open();
                is_open.set(open);
                if open { load(); }
            }
        >
            <summary class="history-summary">{move || session.t(Key::History)}</summary>
            <p class="muted history-hint">{move || session.t(Key::HistoryHint)}</p>
            <Show when=move || session.can(Action::SaveVersion)>
                <form class="history-save" on:submit=save>
                    <input type="text" class="history-label"
                        maxlength=MAX_VERSION_LABEL_CHARS.to_string()
                        aria-label=move || session.t(Key::VersionLabel)
                        placeholder=move || session.t(Key::VersionLabelPlaceholder)
                        prop:value=move || label.get()
                        on:input=move |ev| label.set(event_target_value(&ev))
                    />
                    <button type="submit" disabled=move || saving.get() || label.with(|l| l.trim().is_empty())>
                        {move || session.t(Key::SaveVersion)}
                    </button>
                </form>
            </Show>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || match listed() {
                None => view! { <p class="muted">{move || session.t(Key::Loading)}</p> }.into_any(),
                Some(list) if list.is_empty() => view! { <p class="muted">{move || session.t(Key::NoVersions)}</p> }.into_any(),
                Some(list) => view! {
                    <ol class="history-list">
                        {list.into_iter().map(|version| {
                            let id = version.id;
                            let lang = session.lang.get_untracked();
                            let name = version_name(lang, &version);
                            let at = when(lang, version.at_ms);
                            view! {
                                <li class="history-item" data-version=id.to_string() data-reason=format!("{:?}", version.reason)>
                                    <span class="history-name">{name}</span>
                                    <span class="muted history-when">{at}</span>
                                    <span class="history-actions">
                                        <button type="button" class="link-button history-open" on:click=move |_| open(id, false)>
                                            {move || session.t(Key::OpenVersion)}
                                        </button>
                                        <button type="button" class="link-button history-compare" on:click=move |_| open(id, true)>
                                            {move || session.t(Key::CompareWithNow)}
                                        </button>
                                    </span>
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                }.into_any(),
            }}
            {move || match shown.get() {
                Shown::Nothing => ().into_any(),
                Shown::Version(version) => view! {
                    <VersionView session version on_close=move || shown.set(Shown::Nothing)/>
                }.into_any(),
                Shown::Diff(diff) => view! {
                    <div class="history-view" role="region" aria-label=move || session.t(Key::CompareWithNow)>
                        <div class="history-view-head">
                            <strong>{move || version_name(session.lang.get(), &diff.from)}</strong>
                            " → " {move || session.t(Key::Now)}
                            <button type="button" class="link-button" on:click=move |_| shown.set(Shown::Nothing)>
                                {move || session.t(Key::CloseVersion)}
                            </button>
                        </div>
                        <DiffView session sections=diff.sections.clone()/>
                    </div>
                }.into_any(),
            }}
        </details>
    }
}

/// An old version, read-only: each section's Markdown, rendered sanitised.
#[component]
fn VersionView(session: Session, version: Version, on_close: impl Fn() + 'static) -> impl IntoView {
    let summary = version.version.clone();
    view! {
        <div class="history-view version-view" role="region" aria-label=move || session.t(Key::ReadOnlyVersion)>
            <div class="history-view-head">
                <strong>{move || version_name(session.lang.get(), &summary)}</strong>
                <span class="muted">" · " {move || session.t(Key::ReadOnlyVersion)}</span>
                <button type="button" class="link-button" on:click=move |_| on_close()>
                    {move || session.t(Key::CloseVersion)}
                </button>
            </div>
            {version.sections.into_iter().filter(|s| !s.markdown.trim().is_empty()).map(|s| {
                let title = section_title(&s.id, s.custom_title.as_deref(), session.lang.get_untracked() == Lang::Ja);
                view! {
                    <section class="version-section">
                        <h3>{title}</h3>
                        <div class="version-markdown" inner_html=to_safe_html(&s.markdown)></div>
                    </section>
                }
            }).collect_view()}
        </div>
    }
}

/// Per section, the words added and removed; unchanged sections counted.
#[component]
pub fn DiffView(session: Session, sections: Vec<SectionDiff>) -> impl IntoView {
    let unchanged = sections
        .iter()
        .filter(|s| s.change == SectionChange::Same)
        .count();
    let changed: Vec<SectionDiff> = sections
        .into_iter()
        .filter(|s| s.change != SectionChange::Same)
        .collect();
    let nothing = changed.is_empty();
    view! {
        <div class="diff">
            {nothing.then(|| view! { <p class="muted">{move || session.t(Key::NoChanges)}</p> })}
            {changed.into_iter().map(|s| {
                let japanese = session.lang.get_untracked() == Lang::Ja;
                let title = section_title(&s.id, s.custom_title.as_deref(), japanese);
                let (added, removed) = (s.added_chars, s.removed_chars);
                view! {
                    <section class="diff-section" data-section=s.id.clone()>
                        <h3>{title}
                            <span class="diff-counts muted">{move || changed_counts(session.lang.get(), added, removed)}</span>
                        </h3>
                        <div class="diff-text">
                            {s.pieces.into_iter().map(|p| match p.kind {
                                PieceKind::Same => view! { <span>{p.text}</span> }.into_any(),
                                PieceKind::Added => view! { <ins class="diff-added">{p.text}</ins> }.into_any(),
                                PieceKind::Removed => view! { <del class="diff-removed">{p.text}</del> }.into_any(),
                            }).collect_view()}
                        </div>
                    </section>
                }
            }).collect_view()}
            {(unchanged > 0).then(|| view! {
                <p class="muted diff-unchanged">{move || unchanged_sections(session.lang.get(), unchanged)}</p>
            })}
        </div>
    }
}

/// "What the meeting changed" (revision and after): the diff from the
/// version kept when silent reading started to the document now.
#[component]
pub fn MeetingChanges(session: Session) -> impl IntoView {
    let diff = RwSignal::new(None::<Result<Option<VersionDiff>, String>>);
    let load = move || {
        spawn_local(async move {
            let token = session.command_token().await;
            let pm = session.pm();
            let result = async {
                let list = call::<VersionList>("GET", &path(&pm, ""), &token, None).await?;
                let Some(start) = list
                    .versions
                    .iter()
                    .find(|v| v.reason == VersionReason::SilentReadingStarted)
                else {
                    return Ok(None);
                };
                let rest = format!("/{}/diff?to=current", start.id);
                call::<VersionDiff>("GET", &path(&pm, &rest), &token, None)
                    .await
                    .map(Some)
            }
            .await;
            diff.set(Some(result.map_err(failed)));
        });
    };
    load();
    view! {
        <section class="stage-panel meeting-changes" id="meeting-changes" aria-labelledby="meeting-changes-heading">
            <h2 id="meeting-changes-heading" class="sidebar-heading">{move || session.t(Key::MeetingChanged)}</h2>
            <p class="muted">{move || session.t(Key::MeetingChangedHint)}
                " "
                <button type="button" class="link-button" on:click=move |_| load()>{move || session.t(Key::Refresh)}</button>
            </p>
            {move || match diff.get() {
                None => view! { <p class="muted">{move || session.t(Key::Loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok(None)) => view! { <p class="muted">{move || session.t(Key::NoBaseline)}</p> }.into_any(),
                Some(Ok(Some(diff))) => view! { <DiffView session sections=diff.sections/> }.into_any(),
            }}
        </section>
    }
}

/// Under an answered question in revision: the edits made to its section
/// since the answer (the diff from the version kept when it was answered),
/// loaded when asked for.
#[component]
pub fn AnswerEdits(session: Session, comment_id: String, section: String) -> impl IntoView {
    let shown = RwSignal::new(None::<Result<Option<SectionDiff>, String>>);
    let section = section
        .strip_prefix("section:")
        .unwrap_or(&section)
        .to_owned();
    let load = move |_| {
        let (comment_id, section) = (comment_id.clone(), section.clone());
        spawn_local(async move {
            let token = session.command_token().await;
            let pm = session.pm();
            let result = async {
                let list = call::<VersionList>("GET", &path(&pm, ""), &token, None).await?;
                let Some(answered) = list.versions.iter().rev().find(|v| {
                    v.reason == VersionReason::Answered
                        && v.comment_id.as_deref() == Some(comment_id.as_str())
                }) else {
                    return Ok(None);
                };
                let rest = format!("/{}/diff?to=current", answered.id);
                let diff = call::<VersionDiff>("GET", &path(&pm, &rest), &token, None).await?;
                Ok(diff.sections.into_iter().find(|s| s.id == section))
            }
            .await;
            shown.set(Some(result.map_err(failed)));
        });
    };
    view! {
        <div class="answer-edits">
            <button type="button" class="link-button answer-edits-open" on:click=load>
                {move || session.t(Key::EditsSinceAnswer)}
            </button>
            {move || shown.get().map(|result| match result {
                Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Ok(None) => view! { <p class="muted">{move || session.t(Key::NoVersionAtAnswer)}</p> }.into_any(),
                Ok(Some(diff)) if diff.change == SectionChange::Same => view! {
                    <p class="muted answer-not-folded">{move || session.t(Key::NotEditedSinceAnswer)}</p>
                }.into_any(),
                Ok(Some(diff)) => view! { <DiffView session sections=vec![diff]/> }.into_any(),
            })}
        </div>
    }
}
