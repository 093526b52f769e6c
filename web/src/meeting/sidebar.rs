//! The sidebar beside the sections: the panel of the current phase (Q&A
//! spotlight, proposals, revision), from the proposals on the decisions and
//! action items, the comment composer, and the comment cards with their
//! filters.

use super::action_items::ActionItemsPanel;
use super::cards::CommentList;
use super::composer::Composer;
use super::history::{HistoryPanel, MeetingChanges};
use super::proposals::ProposalsPanel;
use super::revision::RevisionPanel;
use super::spotlight::SpotlightPanel;
use super::Session;
use crate::i18n::Lang;
use crate::sync::Client;
use casebook_core::phase::Phase;
use leptos::prelude::*;

#[component]
pub fn MeetingSidebar(
    pm_id: String,
    token: String,
    client: Client,
    lang: RwSignal<Lang>,
) -> impl IntoView {
    let session = Session::for_page(&pm_id, &token, &client, lang);
    let phase = Memo::new(move |_| session.phase());
    let deciding = move || phase.get() >= Phase::Proposals;
    view! {
        <div class="meeting-sidebar" data-phase=move || phase.get().as_str()>
            {move || match phase.get() {
                Phase::QAndA => view! { <SpotlightPanel session/> }.into_any(),
                Phase::Proposals => view! { <ProposalsPanel session/> }.into_any(),
                Phase::Revision | Phase::Published => view! {
                    <RevisionPanel session/>
                    <MeetingChanges session/>
                }.into_any(),
                _ => ().into_any(),
            }}
            <Show when=deciding>
                <ActionItemsPanel session/>
            </Show>
            <HistoryPanel session/>
            <Composer session/>
            <CommentList session/>
        </div>
    }
}
