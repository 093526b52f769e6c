//! The meeting UI (phase bar, stage, sidebar) as a split point: on the
//! postmortem page its code is a second wasm module, fetched right after the
//! editor is on screen instead of being part of the first download (issue
//! 15; docs/performance-2026-12-07-bundle.md). `cargo xtask build-web` cuts
//! it out with `wasm_split_cli_support` (leptos's `#[lazy]`, the tool
//! cargo-leptos runs with `--split`); in a build that is not split (native
//! tests, and the `home` bundle, which is built without the `split` feature:
//! a split point's export would link the whole meeting UI into any bundle)
//! these are plain async calls.

use super::{MeetingBar, MeetingSidebar};
use crate::i18n::Lang;
use crate::sync::Client;
#[cfg(feature = "split")]
use leptos::lazy;
use leptos::prelude::*;

/// The phase bar and the stage under it, once its module is loaded.
#[cfg_attr(feature = "split", lazy)]
async fn meeting_bar(
    pm_id: String,
    token: String,
    client: Client,
    lang: RwSignal<Lang>,
) -> AnyView {
    view! { <MeetingBar pm_id token client lang/> }.into_any()
}

/// The meeting's sidebar, once its module is loaded.
#[cfg_attr(feature = "split", lazy)]
async fn meeting_sidebar(
    pm_id: String,
    token: String,
    client: Client,
    lang: RwSignal<Lang>,
) -> AnyView {
    view! { <MeetingSidebar pm_id token client lang/> }.into_any()
}

/// [`MeetingBar`], loaded on demand: nothing until the meeting's module is
/// there (a fraction of a second after the page), then the bar.
#[component]
pub fn LazyMeetingBar(
    pm_id: String,
    token: String,
    client: Client,
    lang: RwSignal<Lang>,
) -> impl IntoView {
    let view = send_wrapper::SendWrapper::new(meeting_bar(pm_id, token, client, lang));
    view! { <Suspense fallback=|| ()>{Suspend::new(view)}</Suspense> }
}

/// [`MeetingSidebar`], loaded on demand like [`LazyMeetingBar`] (the same
/// module: the two share almost all their code).
#[component]
pub fn LazyMeetingSidebar(
    pm_id: String,
    token: String,
    client: Client,
    lang: RwSignal<Lang>,
) -> impl IntoView {
    let view = send_wrapper::SendWrapper::new(meeting_sidebar(pm_id, token, client, lang));
    view! { <Suspense fallback=|| ()>{Suspend::new(view)}</Suspense> }
}
