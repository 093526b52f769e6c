//! The case around the document: what the publishing refusal and the read
//! link say on the wire, and the case's own language.
//!
//! - [`PublishRefused`]: the 409 answer to publishing while the readiness
//!   check has findings. It carries the findings themselves (each with its
//!   section and its reason in both languages), so the browser shows the
//!   refusal in the reader's language with links to the sections; `error`
//!   is the English sentence for API clients.
//! - [`ReadLink`]: the answer of `GET …/read-link`.
//! - [`case_is_japanese`]: the language a case is written in, which the
//!   read page and the exports use unless the reader asks for another.
//! - [`Incident`]: when the incident began and the case's time zone, a
//!   fixed offset from UTC (the incident happened at one moment, so one
//!   offset shows it right); every time of the case is shown in it.
//!   [`parse_local_time`] and [`local_time`] convert to and from the
//!   `YYYY-MM-DDTHH:MM` a date-time field speaks.
//!
//! Who may publish, and when, is the permission table's business, not this
//! module's.

use crate::library::is_cjk;
use crate::readiness::{Finding, SectionText};
use serde::{Deserialize, Serialize};

/// `409` to publishing without an override reason while findings are left.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishRefused {
    /// For API clients; the browser shows the findings instead.
    pub error: String,
    /// What blocks publishing, in the check's order. Never empty.
    pub findings: Vec<Finding>,
}

impl PublishRefused {
    pub fn new(findings: Vec<Finding>) -> PublishRefused {
        PublishRefused {
            error: format!(
                "the case is not ready to publish: {} finding(s) left; fix them, or publish with \
                 an `override_reason` that will be kept with the case",
                findings.len()
            ),
            findings,
        }
    }
}

/// `GET /api/postmortems/{id}/read-link`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadLink {
    /// The stable address of the published case (`…/read/{id}`).
    pub link: String,
    pub published: bool,
    pub published_at_ms: Option<u64>,
}

/// Whether a case is written in Japanese: its sections hold at least one
/// kana or kanji for every two Latin letters (a Japanese text names its
/// middleware in Latin letters, an English one may quote a Japanese word).
pub fn case_is_japanese(sections: &[SectionText]) -> bool {
    let (mut cjk, mut latin) = (0usize, 0usize);
    for c in sections.iter().flat_map(|s| s.markdown.chars()) {
        if is_cjk(c) {
            cjk += 1;
        } else if c.is_ascii_alphabetic() {
            latin += 1;
        }
    }
    cjk > 0 && cjk * 2 >= latin
}

/// Furthest time zones from UTC: UTC−12:00 and UTC+14:00.
pub const MIN_OFFSET_MINUTES: i32 = -12 * 60;
pub const MAX_OFFSET_MINUTES: i32 = 14 * 60;

/// When the incident began, and the case's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Incident {
    /// Milliseconds since the Unix epoch, before the year 10000.
    #[cfg_attr(feature = "openapi", schema(schema_with = started_at_schema))]
    pub started_at_ms: u64,
    /// Minutes east of UTC: `540` for JST, `-300` for EST.
    #[cfg_attr(feature = "openapi", schema(schema_with = offset_schema))]
    pub utc_offset_minutes: i32,
}

/// 10000-01-01T00:00Z: an incident began before it.
pub const END_OF_YEAR_9999_MS: u64 = 253_402_300_800_000;

#[cfg(feature = "openapi")]
fn started_at_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::Integer)
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
            utoipa::openapi::KnownFormat::Int64,
        )))
        .minimum(Some(0))
        .maximum(Some(END_OF_YEAR_9999_MS - 1))
        .description(Some(
            "Milliseconds since the Unix epoch, before the year 10000.",
        ))
        .build()
}

#[cfg(feature = "openapi")]
fn offset_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::Integer)
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
            utoipa::openapi::KnownFormat::Int32,
        )))
        .minimum(Some(MIN_OFFSET_MINUTES))
        .maximum(Some(MAX_OFFSET_MINUTES))
        .multiple_of(Some(15))
        .description(Some(
            "Minutes east of UTC, in steps of 15: `540` for JST, `-300` for EST.",
        ))
        .build()
}

/// An incident the case cannot carry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IncidentError {
    #[error("the time zone must be between UTC-12:00 and UTC+14:00 in steps of 15 minutes")]
    BadOffset,
    #[error("the incident must have begun between 1970 and 9999")]
    BadTime,
}

impl Incident {
    pub fn check(&self) -> Result<(), IncidentError> {
        let offset = self.utc_offset_minutes;
        if !(MIN_OFFSET_MINUTES..=MAX_OFFSET_MINUTES).contains(&offset) || offset % 15 != 0 {
            return Err(IncidentError::BadOffset);
        }
        if self.started_at_ms >= END_OF_YEAR_9999_MS {
            return Err(IncidentError::BadTime);
        }
        Ok(())
    }
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `2026-11-02T14:05` (wall time in the zone `offset` minutes east of UTC)
/// as milliseconds since the epoch; `None` for anything else or a day that
/// does not exist.
pub fn parse_local_time(text: &str, offset_minutes: i32) -> Option<u64> {
    let (date, time) = text.trim().split_once(['T', ' '])?;
    let mut d = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (year, month, day) = (d.next()??, d.next()??, d.next()??);
    let mut t = time.splitn(3, ':');
    let hour = t.next()?.parse::<i64>().ok()?;
    let minute = t.next()?.parse::<i64>().ok()?;
    if !(1970..=9999).contains(&year) || !(1..=12).contains(&month) || hour > 23 || minute > 59 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let (y, m, dd) = civil_from_days(days);
    if (y, m, dd) != (year, month, day) || hour < 0 || minute < 0 {
        return None;
    }
    let secs = days * 86_400 + hour * 3600 + minute * 60 - i64::from(offset_minutes) * 60;
    u64::try_from(secs).ok().map(|s| s * 1000)
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, d)
}

/// The `YYYY-MM-DDTHH:MM` wall time of `ms` in the zone `offset_minutes`
/// east of UTC: what a date-time field shows.
pub fn local_time(ms: u64, offset_minutes: i32) -> String {
    let secs = i64::try_from(ms / 1000).unwrap_or(i64::MAX) + i64::from(offset_minutes) * 60;
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    let rest = secs.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}",
        rest / 3600,
        (rest % 3600) / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::TEMPLATE;
    use crate::outline::{Section, SectionTitle};

    fn case(texts: &[&str]) -> Vec<SectionText> {
        texts
            .iter()
            .zip(TEMPLATE.iter())
            .enumerate()
            .map(|(i, (text, t))| SectionText {
                section: Section {
                    id: t.id.into(),
                    title: SectionTitle::Template(t),
                    position: i as f64,
                },
                markdown: (*text).to_owned(),
            })
            .collect()
    }

    #[test]
    fn a_case_is_japanese_when_its_text_is_mostly_kana_and_kanji() {
        let ja = case(&[
            "決済が40分間失敗した。",
            "目的: 顧客の決済を受け付ける。\nミドルウェア: MySQL 8 on EC2、Redis",
        ]);
        assert!(case_is_japanese(&ja));
        let en = case(&[
            "Checkout failed for 40 minutes after a database failover. 決済障害。",
            "Purpose: lets customers pay for their carts.\nMiddleware: MySQL 8 on EC2, Redis.",
        ]);
        assert!(!case_is_japanese(&en));
        assert!(!case_is_japanese(&case(&["", ""])), "empty is English");
    }

    #[test]
    fn local_times_convert_both_ways_in_the_case_time_zone() {
        let ms = parse_local_time("2023-11-15T07:13", 540).expect("a time");
        assert_eq!(ms, 1_699_999_980_000);
        assert_eq!(local_time(ms, 540), "2023-11-15T07:13");
        assert_eq!(local_time(ms, 0), "2023-11-14T22:13");
        assert_eq!(
            parse_local_time("2024-02-29 23:59", -330),
            Some(1_709_270_940_000)
        );
        for bad in [
            "2023-02-29T10:00",
            "2023-13-01T10:00",
            "2023-11-15",
            "x",
            "2023-11-15T24:00",
        ] {
            assert_eq!(parse_local_time(bad, 0), None, "{bad}");
        }
        let incident = |ms, offset| Incident {
            started_at_ms: ms,
            utc_offset_minutes: offset,
        };
        assert!(incident(ms, 540).check().is_ok());
        assert!(incident(ms, -720).check().is_ok());
        assert_eq!(incident(ms, 545).check(), Err(IncidentError::BadOffset));
        assert_eq!(incident(ms, 15 * 60).check(), Err(IncidentError::BadOffset));
        assert_eq!(incident(u64::MAX, 0).check(), Err(IncidentError::BadTime));
    }

    #[test]
    fn a_refusal_carries_its_findings_and_an_english_sentence() {
        let findings = crate::readiness::check(&case(&["", ""]), &crate::Meeting::new(0));
        assert!(!findings.is_empty(), "an empty case is not ready");
        let refused = PublishRefused::new(findings.clone());
        assert!(refused
            .error
            .contains(&format!("{} finding(s)", findings.len())));
        let wire = serde_json::to_value(&refused).expect("serialises");
        assert_eq!(wire["findings"][0]["section"], findings[0].section.as_str());
        let back: PublishRefused = serde_json::from_value(wire).expect("parses");
        assert_eq!(back.findings, findings);
    }
}
