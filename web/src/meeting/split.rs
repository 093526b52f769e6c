//! The meeting UI (phase bar, stage, sidebar), the case panel (the
//! readiness checklist) and the rendered sections (Markdown) as split
//! points: on the postmortem page their code is in wasm modules of its own,
//! fetched once the document has synced (the rendered sections: when a
//! section is first shown rendered, in silent reading or at a reader's
//! switch) instead of being part of the first download
//! (docs/performance-2026-12-07-bundle.md). `cargo xtask build-web` cuts
//! them out with `wasm_split_cli_support` (the tool cargo-leptos runs with
//! `--split`); in a build that is not split (native tests, and the `home`
//! bundle, which is built without the `split` feature: a split point's
//! export would link the whole meeting UI into any bundle) the views are
//! built directly.
//!
//! A module that cannot be fetched (a network blip after the page loaded)
//! must not take the page down: the split points are `fallible` (leptos's
//! `#[lazy]` is not, and its failed load panics, trapping the whole wasm
//! module), a failed load is retried with the socket's [`Backoff`], and a
//! notice stands in the meeting UI's place meanwhile. Neither side caches a
//! failure: `wasm_split_helpers` keeps only a successful load, and the JS
//! loader forgets a rejected one, so each retry fetches afresh.

use super::commands::sleep;
use super::{MeetingBar, MeetingSidebar};
use crate::case_panel::CasePanel;
use crate::i18n::{t, Key, Lang};
use crate::sections::RenderedSection;
use crate::socket::Backoff;
use crate::sync::Client;
use leptos::prelude::*;

/// A split module could not be loaded (the browser's console says why).
#[derive(Debug, Clone, Copy)]
pub struct LoadFailed;

#[cfg(feature = "split")]
impl From<leptos::wasm_split::SplitLoaderError> for LoadFailed {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        LoadFailed
    }
}

/// The phase bar and the stage under it: the body of the `meeting_bar`
/// module.
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(meeting_bar, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn meeting_bar(
    pm_id: String,
    token: String,
    client: Client,
    lang: RwSignal<Lang>,
) -> Result<AnyView, LoadFailed> {
    Ok(view! { <MeetingBar pm_id token client lang/> }.into_any())
}

/// The meeting's sidebar: the body of the `meeting_sidebar` module.
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(meeting_sidebar, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn meeting_sidebar(
    pm_id: String,
    token: String,
    client: Client,
    lang: RwSignal<Lang>,
) -> Result<AnyView, LoadFailed> {
    Ok(view! { <MeetingSidebar pm_id token client lang/> }.into_any())
}

/// The case panel beside the outline: the body of the `case_panel` module.
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(case_panel, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn case_panel(
    pm_id: String,
    token: String,
    client: Client,
    lang: RwSignal<Lang>,
) -> Result<AnyView, LoadFailed> {
    Ok(view! { <CasePanel pm_id token client lang/> }.into_any())
}

/// A section shown rendered: the body of the `rendered_section` module.
/// Markdown (pulldown-cmark, its entity and Unicode tables, and the
/// sanitiser) is used by nothing else on the page's first render, which
/// shows the sections' editors.
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(rendered_section, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn rendered_section(
    client: Client,
    id: String,
    lang: RwSignal<Lang>,
) -> Result<AnyView, LoadFailed> {
    Ok(view! { <RenderedSection client id lang/> }.into_any())
}

/// What [`lazy`] loads: the module's view, built from the page's
/// props.
#[derive(Clone)]
struct Props {
    pm_id: String,
    token: String,
    client: Client,
    lang: RwSignal<Lang>,
}

/// Loads a split point (`attempt`) until it loads, waiting the
/// [`Backoff`] between attempts; `failed` says whether the last attempt
/// failed.
async fn load_until_loaded<F>(attempt: impl Fn() -> F, failed: RwSignal<bool>) -> AnyView
where
    F: std::future::Future<Output = Result<AnyView, LoadFailed>>,
{
    let mut backoff = Backoff::default();
    loop {
        match attempt().await {
            Ok(view) => {
                failed.set(false);
                return view;
            }
            Err(LoadFailed) => {
                failed.set(true);
                let delay = backoff.next_delay(js_sys::Math::random());
                sleep(delay.as_millis() as i32).await;
            }
        }
    }
}

/// A split point's answer: a future where the build is split, the view
/// itself where it is not.
#[cfg(feature = "split")]
async fn load(
    split: impl std::future::Future<Output = Result<AnyView, LoadFailed>>,
) -> Result<AnyView, LoadFailed> {
    split.await
}

#[cfg(not(feature = "split"))]
async fn load(built: Result<AnyView, LoadFailed>) -> Result<AnyView, LoadFailed> {
    built
}

/// Which part of the meeting UI [`lazy`] stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Bar,
    Sidebar,
    CasePanel,
}

/// A part of the meeting UI, loaded on demand: nothing while its module is
/// on its way (a fraction of a second after the page), then the part. While
/// it cannot be fetched, the phase bar's place says so (once for the whole
/// meeting UI: the sidebar's column stays closed, leaving the editor its
/// width).
fn lazy(part: Part, props: Props) -> impl IntoView {
    let lang = props.lang;
    let failed = RwSignal::new(false);
    let attempt = move || {
        let Props {
            pm_id,
            token,
            client,
            lang,
        } = props.clone();
        async move {
            match part {
                Part::Bar => load(meeting_bar(pm_id, token, client, lang)).await,
                Part::Sidebar => load(meeting_sidebar(pm_id, token, client, lang)).await,
                Part::CasePanel => load(case_panel(pm_id, token, client, lang)).await,
            }
        }
    };
    let view = send_wrapper::SendWrapper::new(load_until_loaded(attempt, failed));
    let notice = part == Part::Bar;
    view! {
        <Show when=move || notice && failed.get()>
            <p class="meeting-load-failed" role="status">
                {move || t(lang.get(), Key::MeetingPanelLoadFailed)}
            </p>
        </Show>
        <Suspense fallback=|| ()>{Suspend::new(view)}</Suspense>
    }
}

/// [`MeetingBar`], loaded on demand.
#[component]
pub fn LazyMeetingBar(
    pm_id: String,
    token: String,
    client: Client,
    lang: RwSignal<Lang>,
) -> impl IntoView {
    lazy(
        Part::Bar,
        Props {
            pm_id,
            token,
            client,
            lang,
        },
    )
}

/// [`MeetingSidebar`], loaded on demand like [`LazyMeetingBar`].
#[component]
pub fn LazyMeetingSidebar(
    pm_id: String,
    token: String,
    client: Client,
    lang: RwSignal<Lang>,
) -> impl IntoView {
    lazy(
        Part::Sidebar,
        Props {
            pm_id,
            token,
            client,
            lang,
        },
    )
}

/// [`CasePanel`], loaded on demand like [`LazyMeetingBar`].
#[component]
pub fn LazyCasePanel(
    pm_id: String,
    token: String,
    client: Client,
    lang: RwSignal<Lang>,
) -> impl IntoView {
    lazy(
        Part::CasePanel,
        Props {
            pm_id,
            token,
            client,
            lang,
        },
    )
}

/// [`RenderedSection`], loaded on demand. Until its module is there (or
/// while it cannot be fetched) the section's Markdown stands in its place
/// as plain text, so a reader is never shown an empty section.
#[component]
pub fn LazyRenderedSection(client: Client, id: String, lang: RwSignal<Lang>) -> impl IntoView {
    let failed = RwSignal::new(false);
    let attempt = {
        let (client, id) = (client.clone(), id.clone());
        move || load(rendered_section(client.clone(), id.clone(), lang))
    };
    let view = send_wrapper::SendWrapper::new(load_until_loaded(attempt, failed));
    let version = client.version();
    let fallback = move || {
        let (client, id) = (client.clone(), id.clone());
        view! {
            <div class="preview-loading" data-empty=move || t(lang.get(), Key::EmptySection)>
                {move || {
                    version.track();
                    client.section_markdown(&id)
                }}
            </div>
        }
    };
    view! { <Suspense fallback>{Suspend::new(view)}</Suspense> }
}
