//! The glossary rule: every abbreviation a reader may not know, and every
//! term the author marks as `[[term]]`, is explained in the Glossary.
//!
//! An abbreviation is a word of ASCII letters and digits whose letters are
//! all upper case, with at least two of them (`RDS`, `EC2`; a plural `s` is
//! ignored: `APIs`), outside code. Well-known ones ([`COMMON_ABBREVIATIONS`]:
//! API, CPU, DNS, TLS, DB, HTTP, AWS…) and ticket ids (`INC-1234`) need no
//! entry; terms specific to the system still do.

use super::text::prose;
use super::{finding, gathered, reads_as, Finding, Rule, SectionText};

/// Abbreviations every engineer reading a case knows.
pub const COMMON_ABBREVIATIONS: [&str; 72] = [
    "OK", "ID", "AM", "PM", "UTC", "JST", "GMT", "PST", "PDT", "URL", "URI", "HTTP", "HTTPS",
    "TBD", "TODO", "FAQ", "QA", "API", "CPU", "GPU", "RAM", "SSD", "HDD", "DNS", "TLS", "SSL",
    "TCP", "UDP", "IP", "DB", "SQL", "OS", "VM", "UI", "UX", "AWS", "GCP", "JSON", "XML", "YAML",
    "HTML", "CSS", "JS", "SDK", "CLI", "CI", "CD", "VPN", "SSH", "SSO", "CDN", "SLA", "SLO", "SLI",
    "SRE", "PR", "MR", "EC", "IT", "KPI", "IO", "CSV", "PDF", "USB", "LAN", "WAN", "NTP", "SMTP",
    "CORS", "JWT", "OOM", "SEV",
];

/// Upper-case abbreviations in prose, in order of first use (`RDS`, `EC2`;
/// `APIs` counts as `API`).
pub fn abbreviations(markdown: &str) -> Vec<String> {
    let text = prose(markdown);
    let mut found: Vec<String> = Vec::new();
    let mut rest = text.as_str();
    while !rest.is_empty() {
        let start = rest
            .find(|c: char| c.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        rest = &rest[start..];
        let end = rest
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        let (word, after) = rest.split_at(end);
        rest = after;
        // A ticket id (INC-1234, OPS-42) is a reference, not a term.
        if after.starts_with('-') && after[1..].starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        let word = match word.strip_suffix('s') {
            Some(stem) if stem.len() >= 2 => stem,
            _ => word,
        };
        let upper = word.chars().filter(char::is_ascii_uppercase).count();
        let lower = word.chars().any(|c| c.is_ascii_lowercase());
        if upper >= 2
            && !lower
            && !COMMON_ABBREVIATIONS.contains(&word)
            && !shouted(word)
            && !found.iter().any(|f| f == word)
        {
            found.push(word.to_owned());
        }
    }
    found
}

/// Words people write in capitals for emphasis: a few short ones
/// (`DONE`, `NOTE`), and any of six letters or more in which a third or
/// more are vowels (`INCIDENT`, `RESOLVED`), unlike abbreviations (`DNSSEC`).
fn shouted(word: &str) -> bool {
    const SHORT: [&str; 22] = [
        "DONE", "NOTE", "WARN", "INFO", "OPEN", "NEW", "NOT", "ALL", "YES", "NO", "NONE", "TRUE",
        "FALSE", "NULL", "ERROR", "FATAL", "ALERT", "START", "END", "FIXED", "ENDS", "DEBUG",
    ];
    let vowels = word.chars().filter(|c| "AEIOUY".contains(*c)).count();
    SHORT.contains(&word) || (word.len() >= 6 && vowels * 3 >= word.len())
}

/// Terms the author marked as `[[term]]`, in order of first use.
pub fn marked_terms(markdown: &str) -> Vec<String> {
    let text = prose(markdown);
    let mut found: Vec<String> = Vec::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find("[[") {
        rest = &rest[start + 2..];
        let Some(end) = rest.find("]]") else { break };
        let term = rest[..end].trim();
        if !term.is_empty()
            && term.chars().count() <= 60
            && !term.contains(['\n', '[', ']'])
            && !found.iter().any(|f| f == term)
        {
            found.push(term.to_owned());
        }
        rest = &rest[end + 2..];
    }
    found
}

/// Whether the glossary's text defines `term`: abbreviations as a whole
/// word (case-sensitive), marked terms anywhere (case-insensitive).
fn in_glossary(glossary: &str, term: &str, abbreviation: bool) -> bool {
    if abbreviation {
        glossary
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| w == term || w.strip_suffix('s') == Some(term))
    } else {
        glossary.to_lowercase().contains(&term.to_lowercase())
    }
}

pub fn check_glossary(sections: &[SectionText], findings: &mut Vec<Finding>) {
    let glossary = prose(&gathered(sections, "glossary").0);
    let mut seen: Vec<String> = Vec::new();
    for s in sections
        .iter()
        .filter(|s| !reads_as(&s.section, "glossary"))
    {
        let terms = abbreviations(&s.markdown)
            .into_iter()
            .map(|t| (t, true))
            .chain(marked_terms(&s.markdown).into_iter().map(|t| (t, false)));
        for (term, abbreviation) in terms {
            if seen.contains(&term) || in_glossary(&glossary, &term, abbreviation) {
                continue;
            }
            findings.push(finding(
                "glossary",
                Rule::GlossaryMissing,
                Some(term.clone()),
                format!(
                    "“{term}” (used in {}) is not in the glossary.",
                    s.section.title(false)
                ),
                format!(
                    "「{term}」（{}で使用）が用語集にありません。",
                    s.section.title(true)
                ),
            ));
            seen.push(term);
        }
    }
}
