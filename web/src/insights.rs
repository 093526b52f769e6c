//! `/insights?token=ADMIN` (every meeting, over time) and
//! `/insights?token=FACILITATOR&id=PM` (one meeting): the facilitator's
//! figures from `GET /api/insights` / `GET /api/postmortems/{id}/insights`,
//! drawn as plain SVG bars in the browser, in both languages.

use crate::api::{self, ApiError};
use crate::i18n::{meeting_change_summary, t, Key, Lang};
use crate::Notice;
use casebook_core::survey::SurveyQuestion;
use leptos::prelude::*;
use leptos::task::spawn_local;

use casebook_core::api::{AllInsights as All, InsightsEntry as Entry};

fn minutes(ms: u64) -> f64 {
    ms as f64 / 60_000.0
}

fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
}

#[component]
pub fn InsightsPage(token: Option<String>, lang: RwSignal<Lang>) -> impl IntoView {
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return view! { <Notice lang key=Key::NeedAdminLink/> }.into_any();
    };
    let data: RwSignal<Option<Result<Vec<Entry>, ApiError>>> = RwSignal::new(None);
    let one = query_param("id");
    let single = one.is_some();
    spawn_local(async move {
        let result = match one {
            Some(id) => {
                let path = format!(
                    "/api/postmortems/{}/insights",
                    js_sys::encode_uri_component(&id)
                );
                api::call::<Entry>("GET", &path, &token, None)
                    .await
                    .map(|e| vec![e])
            }
            None => api::call::<All>("GET", "/api/insights", &token, None)
                .await
                .map(|a| a.meetings),
        };
        data.set(Some(result));
    });
    view! {
        <section class="card">
            <h1>{move || t(lang.get(), Key::InsightsTitle)}</h1>
            <p class="muted">{move || t(lang.get(), Key::InsightsHelp)}</p>
        </section>
        {move || match data.get() {
            None => view! { <p class="muted">{t(lang.get(), Key::Loading)}</p> }.into_any(),
            Some(Err(ApiError::Unauthorized)) => view! { <Notice lang key=Key::AdminLinkRefused/> }.into_any(),
            Some(Err(e)) => view! { <p class="error">{t(lang.get(), Key::NetworkError)} " " {e.to_string()}</p> }.into_any(),
            Some(Ok(entries)) if entries.is_empty() => view! { <p class="card muted">{t(lang.get(), Key::NoPostmortems)}</p> }.into_any(),
            Some(Ok(entries)) => {
                let trend = (!single).then(|| view! { <Trend entries=entries.clone() lang/> });
                let cards = entries.into_iter().rev().map(|e| view! { <MeetingCard entry=e lang/> }).collect_view();
                view! { {trend} <div id="insights-meetings">{cards}</div> }.into_any()
            }
        }}
    }
    .into_any()
}

/// Across meetings, oldest first: meeting length against plan, and how many
/// comments came before the meeting.
#[component]
fn Trend(entries: Vec<Entry>, lang: RwSignal<Lang>) -> impl IntoView {
    let started: Vec<Entry> = entries
        .into_iter()
        .filter(|e| e.insights.started_at_ms.is_some())
        .collect();
    let n = started.len().max(1) as f64;
    let (w, h, pad) = (640.0, 150.0, 24.0);
    let slot = ((w - pad) / n).min(90.0);
    let max_min = started
        .iter()
        .map(|e| minutes(e.insights.meeting_ms.max(e.insights.planned_ms)))
        .fold(1.0, f64::max);
    let max_comments = started
        .iter()
        .map(|e| f64::from(e.insights.questions + e.insights.suggestions))
        .fold(1.0, f64::max);
    let y = |v: f64, max: f64| h - pad - (h - 2.0 * pad) * v / max;
    let length_bars = started.iter().enumerate().map(|(i, e)| {
        let x = pad + slot * i as f64 + slot * 0.15;
        let bw = slot * 0.7;
        let spent = minutes(e.insights.meeting_ms);
        let plan = minutes(e.insights.planned_ms);
        let over = spent > plan;
        view! {
            <g class="trend-meeting">
                <rect x=x.to_string() y=y(spent, max_min).to_string() width=bw.to_string()
                    height=(h - pad - y(spent, max_min)).to_string()
                    fill={if over { "#d9822b" } else { "#3b6fd4" }}>
                    <title>{format!("{}: {:.1} / {:.0} min", e.title, spent, plan)}</title>
                </rect>
                <line x1=x.to_string() x2=(x + bw).to_string() y1=y(plan, max_min).to_string() y2=y(plan, max_min).to_string()
                    stroke="#222" stroke-dasharray="4 3"/>
                <text x=(x + bw / 2.0).to_string() y=(h - 6.0).to_string() font-size="11" text-anchor="middle">{(i + 1).to_string()}</text>
            </g>
        }
    }).collect_view();
    let comment_bars = started.iter().enumerate().map(|(i, e)| {
        let x = pad + slot * i as f64 + slot * 0.15;
        let bw = slot * 0.7;
        let all = f64::from(e.insights.questions + e.insights.suggestions);
        let before = f64::from(e.insights.comments_before_meeting);
        view! {
            <g>
                <rect x=x.to_string() y=y(all, max_comments).to_string() width=bw.to_string()
                    height=(h - pad - y(all, max_comments)).to_string() fill="#b9c6e6">
                    <title>{format!("{}: {} / {}", e.title, before, all)}</title>
                </rect>
                <rect x=x.to_string() y=y(before, max_comments).to_string() width=bw.to_string()
                    height=(h - pad - y(before, max_comments)).to_string() fill="#2f8f5b"/>
                <text x=(x + bw / 2.0).to_string() y=(h - 6.0).to_string() font-size="11" text-anchor="middle">{(i + 1).to_string()}</text>
            </g>
        }
    }).collect_view();
    let max_change = started
        .iter()
        .filter_map(|e| e.meeting_change)
        .map(|c| f64::from(c.added_chars + c.removed_chars))
        .fold(1.0, f64::max);
    let change_bars = started.iter().enumerate().filter_map(|(i, e)| {
        let c = e.meeting_change?;
        let x = pad + slot * i as f64 + slot * 0.15;
        let bw = slot * 0.7;
        let added = f64::from(c.added_chars);
        let all = f64::from(c.added_chars + c.removed_chars);
        Some(view! {
            <g class="trend-change" data-id=e.id.clone()>
                <rect x=x.to_string() y=y(all, max_change).to_string() width=bw.to_string()
                    height=(h - pad - y(all, max_change)).to_string() fill="#d98b8b">
                    <title>{format!("{}: +{} / −{}", e.title, c.added_chars, c.removed_chars)}</title>
                </rect>
                <rect x=x.to_string() y=y(added, max_change).to_string() width=bw.to_string()
                    height=(h - pad - y(added, max_change)).to_string() fill="#2f8f5b"/>
                <text x=(x + bw / 2.0).to_string() y=(h - 6.0).to_string() font-size="11" text-anchor="middle">{(i + 1).to_string()}</text>
            </g>
        })
    }).collect_view();
    let legend = started
        .iter()
        .map(|e| view! { <li>{e.title.clone()}</li> })
        .collect_view();
    view! {
        <section class="card" id="insights-trend">
            <h2>{move || t(lang.get(), Key::InsightsTrend)}</h2>
            <h3>{move || t(lang.get(), Key::InsightsMeetingLength)}</h3>
            <svg viewBox=format!("0 0 {w} {h}") width="100%" role="img" aria-label="meeting length">
                <text x="2" y="14" font-size="11">{format!("{max_min:.0} min")}</text>
                {length_bars}
            </svg>
            <h3>{move || t(lang.get(), Key::InsightsCommentsBefore)}</h3>
            <svg viewBox=format!("0 0 {w} {h}") width="100%" role="img" aria-label="comments before the meeting">
                <text x="2" y="14" font-size="11">{format!("{max_comments:.0}")}</text>
                {comment_bars}
            </svg>
            <h3>{move || t(lang.get(), Key::InsightsMeetingChangeTrend)}</h3>
            <svg viewBox=format!("0 0 {w} {h}") width="100%" role="img" aria-label="text changed by each meeting" id="insights-change-trend">
                <text x="2" y="14" font-size="11">{format!("{max_change:.0}")}</text>
                {change_bars}
            </svg>
            <ol class="muted" style="font-size:.9em">{legend}</ol>
        </section>
    }
}

/// One meeting: time per phase against its timer, then the counts.
#[component]
fn MeetingCard(entry: Entry, lang: RwSignal<Lang>) -> impl IntoView {
    let i = entry.insights.clone();
    let max = i
        .phases
        .iter()
        .map(|p| minutes(p.spent_ms.max(p.planned_ms)))
        .fold(1.0, f64::max);
    let (w, row, label_w) = (640.0, 26.0, 130.0);
    let scale = (w - label_w - 90.0) / max;
    let phases = i.phases.clone();
    let bars = move || {
        let ja = lang.get() == Lang::Ja;
        phases.iter().enumerate().map(|(k, p)| {
            let top = k as f64 * row + 4.0;
            let spent = minutes(p.spent_ms);
            let plan = minutes(p.planned_ms);
            let extended = if p.extended_ms > 0 { format!(" (+{:.0})", minutes(p.extended_ms)) } else { String::new() };
            view! {
                <g class="phase-bar" data-phase=p.phase.as_str()>
                    <text x="0" y=(top + 14.0).to_string() font-size="12">{p.phase.label(ja)}</text>
                    <rect x=label_w.to_string() y=top.to_string() width=(plan * scale).max(0.5).to_string() height="18" fill="none" stroke="#777" stroke-dasharray="4 3"/>
                    <rect x=label_w.to_string() y=(top + 3.0).to_string() width=(spent * scale).max(0.5).to_string() height="12"
                        fill={if spent > plan { "#d9822b" } else { "#3b6fd4" }}/>
                    <text x=(label_w + max * scale + 6.0).to_string() y=(top + 14.0).to_string() font-size="12">{format!("{spent:.1} / {plan:.0}{extended} min")}</text>
                </g>
            }
        }).collect_view()
    };
    let height = i.phases.len() as f64 * row + 8.0;
    let figures = [
        (Key::InsightsQuestions, i.questions),
        (Key::InsightsSuggestions, i.suggestions),
        (Key::InsightsCommenters, i.commenters),
        (Key::InsightsFromOtherTeams, i.commenters_from_other_teams),
        (Key::InsightsBeforeMeeting, i.comments_before_meeting),
        (Key::InsightsAnswered, i.answered),
        (Key::InsightsAccepted, i.accepted),
        (Key::InsightsDeclined, i.declined),
        (Key::InsightsResolved, i.resolved),
        (Key::InsightsSurveyAnswers, i.survey.answers),
    ];
    let rows = figures.into_iter().map(|(key, value)| view! {
        <tr><th style="text-align:left;font-weight:normal">{move || t(lang.get(), key)}</th><td class="figure">{value}</td></tr>
    }).collect_view();
    let survey = i.survey.questions.iter().map(|q| {
        let key = match q.question {
            SurveyQuestion::QuestionsEasy => Key::SurveyQuestionsEasy,
            SurveyQuestion::TimeEnough => Key::SurveyTimeEnough,
            SurveyQuestion::DocumentClear => Key::SurveyDocumentClear,
        };
        let mean = q.mean.map_or("–".to_owned(), |m| format!("{m:.1} / 5"));
        view! { <tr><th style="text-align:left;font-weight:normal">{move || t(lang.get(), key)}</th><td>{mean}</td></tr> }
    }).collect_view();
    let comments = i
        .survey
        .comments
        .iter()
        .map(|c| view! { <li>{c.clone()}</li> })
        .collect_view();
    view! {
        <section class="card meeting-insights" data-id=entry.id.clone()>
            <h2>{entry.title.clone()} " " <span class="muted" style="font-size:.7em">{move || entry.phase.label(lang.get() == Lang::Ja)}</span></h2>
            <h3>{move || t(lang.get(), Key::InsightsTimePerPhase)}</h3>
            <svg viewBox=format!("0 0 {w} {height}") width="100%" role="img" aria-label="time per phase">{bars}</svg>
            {entry.meeting_change.map(|c| view! {
                <h3>{move || t(lang.get(), Key::InsightsMeetingChange)}</h3>
                <p class="meeting-change">{move || meeting_change_summary(lang.get(), c.added_chars, c.removed_chars, c.sections_changed, c.draft_chars)}</p>
            })}
            <table class="figures">{rows}</table>
            <h3>{move || t(lang.get(), Key::InsightsSurvey)}</h3>
            <table>{survey}</table>
            <ul class="muted">{comments}</ul>
        </section>
    }
}
