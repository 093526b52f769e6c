//! The facilitation survey: three 1–5 ratings and free text, anonymous.
//!
//! The meeting remembers *who* answered (so each participant answers once)
//! apart from *what* was answered, with nothing linking the two; the
//! aggregate, which only the facilitator sees, holds counts, means and the
//! free texts in alphabetical order (not arrival order, which could be
//! matched against who answered when).

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The lowest and highest rating.
pub const RATING_RANGE: std::ops::RangeInclusive<u8> = 1..=5;

/// One question of the survey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SurveyQuestion {
    QuestionsEasy,
    TimeEnough,
    DocumentClear,
}

impl SurveyQuestion {
    /// Every question, in the order the survey asks them.
    pub const ALL: [SurveyQuestion; 3] = [
        SurveyQuestion::QuestionsEasy,
        SurveyQuestion::TimeEnough,
        SurveyQuestion::DocumentClear,
    ];

    /// The question as the form shows it (1 = not at all, 5 = fully).
    pub fn prompt(self) -> &'static str {
        match self {
            SurveyQuestion::QuestionsEasy => "Could you ask your questions easily?",
            SurveyQuestion::TimeEnough => "Was the time enough?",
            SurveyQuestion::DocumentClear => "Was the document clear?",
        }
    }
}

/// One person's ratings, each in [`RATING_RANGE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ratings {
    pub questions_easy: u8,
    pub time_enough: u8,
    pub document_clear: u8,
}

impl Ratings {
    pub fn get(&self, question: SurveyQuestion) -> u8 {
        match question {
            SurveyQuestion::QuestionsEasy => self.questions_easy,
            SurveyQuestion::TimeEnough => self.time_enough,
            SurveyQuestion::DocumentClear => self.document_clear,
        }
    }

    /// The first question whose rating is outside [`RATING_RANGE`].
    pub fn out_of_range(&self) -> Option<SurveyQuestion> {
        SurveyQuestion::ALL
            .into_iter()
            .find(|&q| !RATING_RANGE.contains(&self.get(q)))
    }
}

/// One anonymous answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyAnswer {
    pub ratings: Ratings,
    pub comment: Option<String>,
}

/// Who answered, and the answers, kept apart.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Survey {
    pub answered_by: BTreeSet<String>,
    pub answers: Vec<SurveyAnswer>,
}

/// What the facilitator sees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SurveyAggregate {
    pub answers: u32,
    pub questions: Vec<QuestionAggregate>,
    /// Free texts, sorted, without names.
    pub comments: Vec<String>,
}

/// The ratings of one question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuestionAggregate {
    pub question: SurveyQuestion,
    pub prompt: String,
    /// `None` before the first answer.
    pub mean: Option<f64>,
    /// How many gave 1, 2, 3, 4, 5.
    pub counts: [u32; 5],
}

impl Survey {
    /// Counts, means and free texts.
    pub fn aggregate(&self) -> SurveyAggregate {
        let questions = SurveyQuestion::ALL
            .into_iter()
            .map(|question| {
                let mut counts = [0u32; 5];
                let mut sum = 0u64;
                for answer in &self.answers {
                    let rating = answer.ratings.get(question);
                    if let Some(slot) = counts.get_mut(usize::from(rating).wrapping_sub(1)) {
                        *slot += 1;
                        sum += u64::from(rating);
                    }
                }
                let n: u32 = counts.iter().sum();
                QuestionAggregate {
                    question,
                    prompt: question.prompt().to_owned(),
                    mean: (n > 0).then(|| sum as f64 / f64::from(n)),
                    counts,
                }
            })
            .collect();
        let mut comments: Vec<String> = self
            .answers
            .iter()
            .filter_map(|a| a.comment.clone())
            .collect();
        comments.sort();
        SurveyAggregate {
            answers: u32::try_from(self.answers.len()).unwrap_or(u32::MAX),
            questions,
            comments,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(q: u8, t: u8, d: u8, comment: Option<&str>) -> SurveyAnswer {
        SurveyAnswer {
            ratings: Ratings {
                questions_easy: q,
                time_enough: t,
                document_clear: d,
            },
            comment: comment.map(str::to_owned),
        }
    }

    #[test]
    fn the_aggregate_has_means_counts_and_sorted_comments() {
        let survey = Survey {
            answered_by: ["p1", "p2"].map(String::from).into(),
            answers: vec![
                answer(5, 2, 4, Some("more time for Q&A")),
                answer(4, 3, 4, Some("clear diagrams")),
            ],
        };
        let aggregate = survey.aggregate();
        assert_eq!(aggregate.answers, 2);
        assert_eq!(aggregate.questions[0].mean, Some(4.5));
        assert_eq!(aggregate.questions[1].counts, [0, 1, 1, 0, 0]);
        assert_eq!(aggregate.questions[2].mean, Some(4.0));
        assert_eq!(aggregate.comments, ["clear diagrams", "more time for Q&A"]);
    }

    #[test]
    fn an_empty_survey_has_no_means() {
        let aggregate = Survey::default().aggregate();
        assert_eq!(aggregate.answers, 0);
        assert!(aggregate.questions.iter().all(|q| q.mean.is_none()));
    }

    #[test]
    fn ratings_outside_one_to_five_are_found() {
        assert_eq!(answer(1, 5, 3, None).ratings.out_of_range(), None);
        assert_eq!(
            answer(1, 6, 3, None).ratings.out_of_range(),
            Some(SurveyQuestion::TimeEnough)
        );
        assert_eq!(
            answer(0, 5, 3, None).ratings.out_of_range(),
            Some(SurveyQuestion::QuestionsEasy)
        );
    }
}
