//! The case's incident time and time zone, in the case panel: a date-time
//! field and a zone picker, saved with `PUT …/incident`.
//!
//! The zone is a fixed offset from UTC (`casebook_core::case::Incident`); the
//! field shows the wall time in that zone, converted by
//! `casebook_core::case::{parse_local_time, local_time}`. It starts on the
//! browser's own offset. Who may set it is the server's call (whoever may
//! edit the document now); a refusal is shown under the fields.

use crate::api;
use crate::i18n::{t, Key, Lang};
use casebook_core::case::{local_time, parse_local_time, Incident};
use casebook_core::export::zone_name;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The offsets offered: every whole hour, plus the half and quarter hours
/// that places really use (India, Nepal, Iran, Newfoundland, …).
fn offsets() -> Vec<i32> {
    let mut all: Vec<i32> = (-12..=14).map(|h| h * 60).collect();
    all.extend([-570, -210, 210, 270, 330, 345, 390, 525, 570, 630, 765]);
    all.sort_unstable();
    all
}

/// The browser's current offset from UTC, in minutes east.
fn browser_offset() -> i32 {
    -(js_sys::Date::new_0().get_timezone_offset() as i32)
}

thread_local! {
    /// The case's incident zone once it has one (loaded or saved here):
    /// the zone the meeting's times are shown in.
    static CASE_ZONE: RwSignal<Option<i32>> = RwSignal::new(None);
}

/// Sets the zone the meeting's times are shown in (the case's incident
/// zone; `None`: the browser's).
pub fn set_case_zone(offset: Option<i32>) {
    CASE_ZONE.with(|zone| zone.set(offset));
}

/// A meeting time as people read it (tracked: it follows the case's zone):
/// the short form for a card (the time today, else month/day and time) and
/// the full one for its title. In the case's incident zone when it has
/// one, labelled with it (`UTC+09:00`; on the card only when it is not
/// the browser's own), else in the browser's zone.
pub fn meeting_time(lang: Lang, at_ms: u64) -> (String, String) {
    // The labelled zone form reads the same in both languages.
    use wasm_bindgen::JsValue;
    let now_ms = js_sys::Date::now() as u64;
    match CASE_ZONE.with(|zone| zone.get()) {
        Some(offset) => {
            let wall = local_time(at_ms, offset);
            let today = local_time(now_ms, offset);
            let (day, clock) = wall.split_once('T').unwrap_or((&wall, ""));
            let mut short = if today.starts_with(day) {
                clock.to_owned()
            } else {
                let month: u32 = day.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(0);
                let date: u32 = day.get(8..10).and_then(|d| d.parse().ok()).unwrap_or(0);
                format!("{month}/{date} {clock}")
            };
            if offset != browser_offset() {
                short = format!("{short} {}", zone_name(offset));
            }
            (short, format!("{day} {clock} {}", zone_name(offset)))
        }
        None => {
            let date = js_sys::Date::new(&JsValue::from_f64(at_ms as f64));
            let today = js_sys::Date::new_0();
            let clock = format!("{:02}:{:02}", date.get_hours(), date.get_minutes());
            let same_day = date.get_full_year() == today.get_full_year()
                && date.get_month() == today.get_month()
                && date.get_date() == today.get_date();
            let short = if same_day {
                clock
            } else {
                format!("{}/{} {clock}", date.get_month() + 1, date.get_date())
            };
            let full = String::from(date.to_locale_string(lang.code(), &JsValue::UNDEFINED));
            (short, full)
        }
    }
}

#[component]
pub fn IncidentFields(pm_id: String, token: String, lang: RwSignal<Lang>) -> impl IntoView {
    let offset = RwSignal::new(browser_offset());
    let started: RwSignal<Option<u64>> = RwSignal::new(None);
    let status: RwSignal<Option<Key>> = RwSignal::new(None);
    {
        let (pm_id, token) = (pm_id.clone(), token.clone());
        spawn_local(async move {
            if let Ok(details) = api::postmortem(&pm_id, &token).await {
                if let Some(incident) = details.incident {
                    set_case_zone(Some(incident.utc_offset_minutes));
                    offset.set(incident.utc_offset_minutes);
                    started.set(Some(incident.started_at_ms));
                }
            }
        });
    }
    let save = move || {
        let Some(started_at_ms) = started.get_untracked() else {
            return;
        };
        let incident = Incident {
            started_at_ms,
            utc_offset_minutes: offset.get_untracked(),
        };
        let (pm_id, token) = (pm_id.clone(), token.clone());
        spawn_local(async move {
            let saved = api::put_incident(&pm_id, &token, &incident).await;
            if saved.is_ok() {
                set_case_zone(Some(incident.utc_offset_minutes));
            }
            status.set(Some(if saved.is_ok() {
                Key::IncidentSaved
            } else {
                Key::IncidentNotSaved
            }));
        });
    };
    let save_time = {
        let save = save.clone();
        move |ev: web_sys::Event| {
            let value = event_target_value(&ev);
            started.set(parse_local_time(&value, offset.get_untracked()));
            save();
        }
    };
    let save_zone = move |ev: web_sys::Event| {
        let new: i32 = event_target_value(&ev).parse().unwrap_or(0);
        // The wall time stays as typed; the moment it names moves with the zone.
        let wall = started
            .get_untracked()
            .map(|ms| local_time(ms, offset.get_untracked()));
        offset.set(new);
        if let Some(wall) = wall {
            started.set(parse_local_time(&wall, new));
        }
        save();
    };
    view! {
        <fieldset class="incident-fields" id="incident">
            <legend>{move || t(lang.get(), Key::IncidentStarted)}</legend>
            <input
                type="datetime-local"
                id="incident-at"
                aria-label=move || t(lang.get(), Key::IncidentStarted)
                prop:value=move || started.get().map(|ms| local_time(ms, offset.get())).unwrap_or_default()
                on:change=save_time
            />
            <select
                id="incident-zone"
                aria-label=move || t(lang.get(), Key::IncidentTimeZone)
                prop:value=move || offset.get().to_string()
                on:change=save_zone
            >
                {offsets().into_iter().map(|o| view! {
                    <option value=o.to_string() selected=move || offset.get() == o>{zone_name(o)}</option>
                }).collect_view()}
            </select>
            <span class="muted incident-status" role="status">
                {move || status.get().map(|k| t(lang.get(), k))}
            </span>
        </fieldset>
    }
}
