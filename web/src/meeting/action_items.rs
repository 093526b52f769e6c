//! Decisions and action items: from the proposals on, the author or the
//! facilitator turns an accepted suggestion (or any decision of the room)
//! into an action item with an owner, a due date and a status; everyone
//! sees the list, and it goes into the published case for the all-hands
//! share meeting.
//!
//! The form's title is a draft ([`super::drafts`]) so it survives a phase
//! change or a reload. Changing an item sends the whole item back
//! (`edit_action_item`), as the server keeps it.

use super::drafts::Draft;
use super::Session;
use crate::i18n::{Key, Lang};
use casebook_core::action_item::{ActionItem, ActionStatus};
use casebook_core::limits::{MAX_ACTION_TITLE_CHARS, MAX_NAME_CHARS};
use casebook_core::permission::Action;
use leptos::prelude::*;

fn status_label(lang: Lang, status: ActionStatus) -> &'static str {
    status.label(lang == Lang::Ja)
}

fn status_from(value: &str) -> ActionStatus {
    ActionStatus::ALL
        .into_iter()
        .find(|s| s.as_str() == value)
        .unwrap_or_default()
}

/// The list of action items and, for those who may, the form to add one
/// (optionally from an accepted suggestion).
#[component]
pub fn ActionItemsPanel(session: Session) -> impl IntoView {
    let from = RwSignal::new(None::<String>);
    let items = Memo::new(move |_| session.room.with(|r| r.action_items.clone()));
    let title = Draft::of(session, "action-item".to_owned());
    let owner = RwSignal::new(String::new());
    let due = RwSignal::new(String::new());
    let accepted = Memo::new(move |_| {
        session.room.with(|r| {
            r.comments
                .iter()
                .filter(|c| c.is_accepted())
                .map(|c| (c.id.clone(), super::composer::shorten(&c.text, 60)))
                .collect::<Vec<_>>()
        })
    });
    let add = move || {
        let text = title.get_untracked().trim().to_owned();
        let who = owner.get_untracked().trim().to_owned();
        if text.is_empty() || who.is_empty() {
            return;
        }
        let mut command = serde_json::json!({
            "type": "add_action_item",
            "title": text.clone(),
            "owner": who,
        });
        let when = due.get_untracked();
        if !when.trim().is_empty() {
            command["due"] = serde_json::Value::String(when);
        }
        if let Some(id) = from.get_untracked() {
            command["comment_id"] = serde_json::Value::String(id);
        }
        session.send(command, move |ok| {
            if ok {
                title.sent(&text);
                owner.set(String::new());
                due.set(String::new());
                from.set(None);
            }
        });
    };
    view! {
        <section class="stage-panel action-items-panel" id="action-items" aria-labelledby="action-items-heading">
            <h2 id="action-items-heading" class="sidebar-heading">{move || session.t(Key::ActionItemsHeading)}</h2>
            <Show
                when=move || !items.with(Vec::is_empty)
                fallback=move || view! { <p class="muted">{move || session.t(Key::NoActionItems)}</p> }
            >
                <ul class="action-items">
                    <For each=move || items.get() key=|item| (item.id.clone(), item.status, item.title.clone(), item.owner.clone(), item.due.clone()) let:item>
                        <ActionItemRow session item/>
                    </For>
                </ul>
            </Show>
            <Show when=move || session.can(Action::ManageActionItems)>
                <form class="action-item-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    add();
                }>
                    <label for="action-title">{move || session.t(Key::ActionItem)}</label>
                    <input
                        id="action-title"
                        type="text"
                        maxlength=MAX_ACTION_TITLE_CHARS
                        placeholder=move || session.t(Key::ActionItemPlaceholder)
                        prop:value=move || title.get()
                        on:input=move |ev| title.set(event_target_value(&ev))
                    />
                    <div class="action-item-fields">
                        <label>
                            <span>{move || session.t(Key::ActionOwner)}</span>
                            <input
                                id="action-owner"
                                type="text"
                                maxlength=MAX_NAME_CHARS
                                prop:value=move || owner.get()
                                on:input=move |ev| owner.set(event_target_value(&ev))
                            />
                        </label>
                        <label>
                            <span>{move || session.t(Key::ActionDue)}</span>
                            <input
                                id="action-due"
                                type="date"
                                prop:value=move || due.get()
                                on:input=move |ev| due.set(event_target_value(&ev))
                            />
                        </label>
                    </div>
                    <label for="action-from">{move || session.t(Key::ActionFrom)}</label>
                    <select
                        id="action-from"
                        prop:value=move || from.get().unwrap_or_default()
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            from.set((!value.is_empty()).then_some(value));
                        }
                    >
                        <option value="">{move || session.t(Key::ActionFromNone)}</option>
                        <For each=move || accepted.get() key=|(id, text)| (id.clone(), text.clone()) let:choice>
                            <option value=choice.0.clone()>{choice.1.clone()}</option>
                        </For>
                    </select>
                    <button
                        type="submit"
                        id="add-action-item"
                        disabled=move || title.get().trim().is_empty() || owner.get().trim().is_empty()
                    >
                        {move || session.t(Key::AddActionItem)}
                    </button>
                </form>
            </Show>
        </section>
    }
}

/// Sends `item` back with its fields as given (the whole item, as the
/// server keeps it); `done` learns whether it was saved.
fn save(session: Session, item: &ActionItem, done: impl FnOnce(bool) + 'static) {
    let command = serde_json::json!({
        "type": "edit_action_item",
        "action_item_id": item.id,
        "title": item.title,
        "owner": item.owner,
        "due": item.due,
        "status": item.status,
    });
    session.send(command, done);
}

/// One action item: its title, owner, due date and status; for those who
/// may change it, the status is a menu and *Edit* opens the other fields.
#[component]
fn ActionItemRow(session: Session, item: ActionItem) -> impl IntoView {
    let set_status = {
        let item = item.clone();
        move |ev: leptos::ev::Event| {
            let status = status_from(&event_target_value(&ev));
            save(
                session,
                &ActionItem {
                    status,
                    ..item.clone()
                },
                |_| {},
            );
        }
    };
    let editing = RwSignal::new(false);
    let title = RwSignal::new(item.title.clone());
    let owner = RwSignal::new(item.owner.clone());
    let due = RwSignal::new(item.due.clone().unwrap_or_default());
    let save_edit = {
        let item = item.clone();
        move || {
            let edited = ActionItem {
                title: title.get_untracked().trim().to_owned(),
                owner: owner.get_untracked().trim().to_owned(),
                due: Some(due.get_untracked()).filter(|d| !d.trim().is_empty()),
                ..item.clone()
            };
            save(session, &edited, move |ok| {
                if ok {
                    editing.set(false);
                }
            });
        }
    };
    let status = item.status;
    // The decision it carries out, as its card says it.
    let from = item.comment_id.clone().and_then(|id| {
        session.room.with_untracked(|r| {
            r.comment(&id)
                .map(|c| super::composer::shorten(&c.text, 80))
        })
    });
    view! {
        <li class="action-item" data-action-item=item.id.clone() data-status=status.as_str()>
            <span class="action-title">{item.title.clone()}</span>
            <span class="action-meta">
                <span class="action-owner">{move || session.t(Key::ActionOwner)} ": " {item.owner.clone()}</span>
                {item.due.clone().map(|due| view! {
                    " · " <span class="action-due">{move || session.t(Key::ActionDue)} ": " {due.clone()}</span>
                })}
            </span>
            {from.map(|text| view! { <span class="action-from">"← " {text}</span> })}
            <Show
                when=move || session.can(Action::ManageActionItems)
                fallback=move || view! { <span class="badge action-status">{move || status_label(session.lang.get(), status)}</span> }
            >
                <select
                    class="action-status-select"
                    aria-label=move || session.t(Key::ActionStatus)
                    prop:value=status.as_str()
                    on:change=set_status.clone()
                >
                    {ActionStatus::ALL.into_iter().map(|s| view! {
                        <option value=s.as_str() selected=s == status>{move || status_label(session.lang.get(), s)}</option>
                    }).collect_view()}
                </select>
                <button type="button" class="link-button edit-action-item" on:click=move |_| editing.update(|e| *e = !*e)>
                    {move || session.t(Key::EditActionItem)}
                </button>
            </Show>
            <Show when=move || editing.get()>
                <form class="action-item-form action-item-edit" on:submit={
                    let save_edit = save_edit.clone();
                    move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        save_edit();
                    }
                }>
                    <input
                        type="text"
                        class="edit-title"
                        maxlength=MAX_ACTION_TITLE_CHARS
                        aria-label=move || session.t(Key::ActionItem)
                        prop:value=move || title.get()
                        on:input=move |ev| title.set(event_target_value(&ev))
                    />
                    <div class="action-item-fields">
                        <input
                            type="text"
                            class="edit-owner"
                            maxlength=MAX_NAME_CHARS
                            aria-label=move || session.t(Key::ActionOwner)
                            prop:value=move || owner.get()
                            on:input=move |ev| owner.set(event_target_value(&ev))
                        />
                        <input
                            type="date"
                            class="edit-due"
                            aria-label=move || session.t(Key::ActionDue)
                            prop:value=move || due.get()
                            on:input=move |ev| due.set(event_target_value(&ev))
                        />
                    </div>
                    <div class="panel-actions">
                        <button type="submit" disabled=move || title.get().trim().is_empty() || owner.get().trim().is_empty()>
                            {move || session.t(Key::Save)}
                        </button>
                        <button type="button" class="secondary" on:click=move |_| editing.set(false)>
                            {move || session.t(Key::Cancel)}
                        </button>
                    </div>
                </form>
            </Show>
        </li>
    }
}
