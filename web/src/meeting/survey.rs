//! The facilitation survey: participants rate the meeting once it is over
//! (three questions, 1–5, and an optional comment); only the facilitator
//! sees the anonymous aggregate, from `GET …/meeting`.

use super::Session;
use crate::i18n::{survey_answers, Key};
use casebook_core::permission::Action;
use casebook_core::survey::SurveyQuestion;
use leptos::prelude::*;

fn question_key(question: SurveyQuestion) -> Key {
    match question {
        SurveyQuestion::QuestionsEasy => Key::SurveyQuestionsEasy,
        SurveyQuestion::TimeEnough => Key::SurveyTimeEnough,
        SurveyQuestion::DocumentClear => Key::SurveyDocumentClear,
    }
}

fn field(question: SurveyQuestion) -> &'static str {
    match question {
        SurveyQuestion::QuestionsEasy => "questions_easy",
        SurveyQuestion::TimeEnough => "time_enough",
        SurveyQuestion::DocumentClear => "document_clear",
    }
}

/// The form for participants, the aggregate for the facilitator, nothing
/// for anyone else.
#[component]
pub fn SurveyView(session: Session) -> impl IntoView {
    view! {
        <Show when=move || session.can(Action::AnswerSurvey)>
            <SurveyForm session/>
        </Show>
        <Show when=move || session.can(Action::SeeSurveyAggregate) && session.survey.with(Option::is_some)>
            <SurveyResults session/>
        </Show>
    }
}

#[component]
fn SurveyForm(session: Session) -> impl IntoView {
    let ratings: [RwSignal<Option<u8>>; 3] = std::array::from_fn(|_| RwSignal::new(None));
    let comment = RwSignal::new(String::new());
    let complete = move || ratings.iter().all(|r| r.get().is_some());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut values = serde_json::Map::new();
        for (question, rating) in SurveyQuestion::ALL.into_iter().zip(ratings) {
            let Some(value) = rating.get_untracked() else {
                return;
            };
            values.insert(field(question).to_owned(), value.into());
        }
        let mut command = serde_json::json!({ "type": "answer_survey", "ratings": values });
        let text = comment.get_untracked().trim().to_owned();
        if !text.is_empty() {
            command["comment"] = serde_json::Value::String(text);
        }
        session.send(command, move |ok| {
            if ok {
                session.survey_taken.set(true);
            }
        });
    };
    view! {
        <section class="survey card" id="survey" aria-labelledby="survey-heading">
            <h2 id="survey-heading">{move || session.t(Key::SurveyHeading)}</h2>
            <Show
                when=move || !session.survey_taken.get()
                fallback=move || view! { <p class="survey-thanks" id="survey-thanks">{move || session.t(Key::SurveyThanks)}</p> }
            >
                <p class="muted">{move || session.t(Key::SurveyIntro)}</p>
                <form on:submit=submit>
                    {SurveyQuestion::ALL.into_iter().zip(ratings).map(|(question, rating)| view! {
                        <fieldset class="rating" data-question=field(question)>
                            <legend>{move || session.t(question_key(question))}</legend>
                            <span class="scale-end muted">{move || session.t(Key::RatingLow)}</span>
                            {(1u8..=5).map(|value| view! {
                                <label class="rating-choice">
                                    <input
                                        type="radio"
                                        name=field(question)
                                        value=value.to_string()
                                        prop:checked=move || rating.get() == Some(value)
                                        on:change=move |_| rating.set(Some(value))
                                    />
                                    <span>{value}</span>
                                </label>
                            }).collect_view()}
                            <span class="scale-end muted">{move || session.t(Key::RatingHigh)}</span>
                        </fieldset>
                    }).collect_view()}
                    <label for="survey-comment">{move || session.t(Key::SurveyComment)}</label>
                    <textarea
                        id="survey-comment"
                        rows="2"
                        maxlength=casebook_core::limits::MAX_TEXT_CHARS
                        prop:value=move || comment.get()
                        on:input=move |ev| comment.set(event_target_value(&ev))
                    ></textarea>
                    <button type="submit" id="submit-survey" disabled=move || !complete()>
                        {move || session.t(Key::SubmitSurvey)}
                    </button>
                </form>
            </Show>
        </section>
    }
}

#[component]
fn SurveyResults(session: Session) -> impl IntoView {
    view! {
        <section class="survey card" id="survey-results" aria-labelledby="survey-results-heading">
            <h2 id="survey-results-heading">{move || session.t(Key::SurveyResultsHeading)}</h2>
            {move || session.survey.get().map(|aggregate| {
                let count = aggregate.answers as usize;
                view! {
                    <p class="survey-count">{move || survey_answers(session.lang.get(), count)}</p>
                    <dl class="survey-aggregate">
                        {aggregate.questions.into_iter().map(|q| {
                            let most = q.counts.iter().copied().max().unwrap_or(0).max(1);
                            view! {
                                <dt>{move || session.t(question_key(q.question))}</dt>
                                <dd data-question=field(q.question)>
                                    <span class="mean">
                                        {q.mean.map(|m| format!("{m:.1}")).unwrap_or_else(|| "–".to_owned())}
                                        " / 5"
                                    </span>
                                    <span class="bars" aria-hidden="true">
                                        {q.counts.iter().enumerate().map(|(i, n)| view! {
                                            <span class="bar" title=format!("{}: {n}", i + 1)
                                                style:height=format!("{}%", 10 + n * 90 / most)></span>
                                        }).collect_view()}
                                    </span>
                                </dd>
                            }
                        }).collect_view()}
                    </dl>
                    {(!aggregate.comments.is_empty()).then(|| view! {
                        <ul class="survey-comments">
                            {aggregate.comments.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}
                        </ul>
                    })}
                }
            })}
        </section>
    }
}
