//! The glossary rule: every abbreviation a reader may not know, and every
//! term the author marks as `[[term]]`, is explained in the Glossary.
//!
//! An abbreviation is a word of ASCII letters and digits whose letters are
//! all upper case, with at least two of them (`RDS`, `EC2`; a plural `s` is
//! ignored: `APIs`), outside code. Well-known ones ([`COMMON_ABBREVIATIONS`]:
//! API, CPU, DNS, TLS, DB, HTTP, AWS…) and ticket ids (`INC-1234`) need no
//! entry; terms specific to the system still do.
//!
//! A term explained nowhere is [`Rule::GlossaryMissing`], which blocks: a
//! reader who was never in the room cannot learn from a case whose
//! system-specific terms are unexplained. A term spelled out where it is
//! used — `OEX (order export share)`, `order export share (OEX)`,
//! `OEX stands for…`, `OEXは…の略` — but not in the Glossary is
//! [`Rule::GlossaryInline`], advice: the reader can follow, but looks
//! terms up in the Glossary.

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

/// Whether `text` spells `term` out where it is used: a parenthesis right
/// after it (`OEX (order export share)`) or around it after words
/// (`order export share (OEX)`), or `OEX stands for…` / `OEXは…の略`.
/// A marked term is matched as written, `[[term]]`.
///
/// For an abbreviation, what the parenthesis pairs it with must be a
/// plausible expansion ([`expands`]): `Ask (SRT)` or `OEX (see below)`
/// explain nothing.
pub fn explained_inline(text: &str, term: &str, abbreviation: bool) -> bool {
    let needle = if abbreviation {
        term.to_owned()
    } else {
        format!("[[{term}]]")
    };
    let mut from = 0;
    while let Some(at) = text[from..].find(&needle) {
        let start = from + at;
        let end = start + needle.len();
        from = end;
        let before = &text[..start];
        let after = &text[end..];
        let whole_word = !abbreviation
            || (!before.ends_with(|c: char| c.is_ascii_alphanumeric())
                && !after.starts_with(|c: char| c.is_ascii_alphanumeric()));
        if !whole_word {
            continue;
        }
        // `OEX (order export share)`
        let rest = after.trim_start_matches([' ', '\u{3000}']);
        if let Some(inside) = rest.strip_prefix('(').or_else(|| rest.strip_prefix('（')) {
            let close = inside.find([')', '）']).unwrap_or(inside.len());
            let inside = &inside[..close];
            if if abbreviation {
                expands(inside, term, false)
            } else {
                words(inside)
            } {
                return true;
            }
        }
        // `order export share (OEX)`
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let lead = before[line_start..].trim_end();
        if let Some(said) = lead.strip_suffix('(').or_else(|| lead.strip_suffix('（')) {
            let explained = if abbreviation {
                expands(said, term, true)
            } else {
                words(said)
            };
            if after.starts_with([')', '）']) && explained {
                return true;
            }
        }
        // `OEX stands for…`, `OEXは…の略`
        let line = &after[..after.find('\n').unwrap_or(after.len())];
        let lower = line.to_lowercase();
        if lower.trim_start().starts_with("stands for")
            || lower.trim_start().starts_with("is short for")
            || (line.starts_with(['は', 'と']) && line.contains("の略"))
        {
            return true;
        }
    }
    false
}

/// Whether text holds a real explanation: at least three letters (any
/// script), not only the term's own capitals repeated.
fn words(text: &str) -> bool {
    text.chars().filter(|c| c.is_alphabetic()).count() >= 3
}

/// Small words an expansion may leave out of the initials
/// (`Bureau of Labor Statistics (BLS)`) or keep (`Department of Justice (DoJ)`).
const SMALL_WORDS: [&str; 14] = [
    "of", "and", "the", "for", "to", "a", "an", "in", "on", "at", "by", "with", "or", "&",
];

/// Whether `said` is a plausible expansion of the abbreviation `term`.
///
/// In Latin script, consecutive words spell the abbreviation's letters
/// (digits and case aside): each word gives its initial and maybe more of
/// its letters in order (`Order EXport (OEX)`), small words
/// ([`SMALL_WORDS`]) may give nothing (`Bureau of Labor Statistics (BLS)`),
/// and at least two words give letters, so one word that happens to hold
/// them (`Sort (SRT)`) is not an expansion. Before the parenthesis
/// (`before`), the words end with the last or the one before it (`the
/// order export share (OEX)`); inside it, any run of them (`OEX (our
/// order export share)`).
///
/// Japanese cannot be matched letter by letter, so a Japanese expansion is
/// a term of at least three kanji or katakana (`注文出力共有（OEX）`,
/// `OEX（注文エクスポート共有）`), which a verb or a particle (`確認（OEX）`,
/// `する（OEX）`) is not.
pub fn expands(said: &str, term: &str, before: bool) -> bool {
    let letters: Vec<char> = term
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if letters.is_empty() {
        return false;
    }
    if japanese_term(said, before) {
        return true;
    }
    let words: Vec<&str> = said
        .split(|c: char| !c.is_alphanumeric() && !matches!(c, '&' | '\'' | '’'))
        .filter(|w| !w.is_empty())
        .collect();
    let ends: Vec<usize> = if before {
        (words.len().saturating_sub(1)..=words.len()).collect()
    } else {
        (1..=words.len()).collect()
    };
    let needed = letters.len().min(2);
    ends.into_iter().any(|end| {
        (0..end).any(|start| {
            let run = &words[start..end];
            // The expansion starts with a word that gives its initial.
            run.first().is_some_and(|w| !is_small(w)) && spells(&letters, run, needed)
        })
    })
}

fn is_small(word: &str) -> bool {
    SMALL_WORDS.contains(&word.to_lowercase().as_str())
}

/// Whether `words` give exactly `letters`, in order, with at least
/// `needed` of them giving some.
fn spells(letters: &[char], words: &[&str], needed: usize) -> bool {
    let Some((word, rest)) = words.split_first() else {
        return letters.is_empty() && needed == 0;
    };
    if is_small(word) && spells(letters, rest, needed) {
        return true;
    }
    let mut chars = word.chars().map(|c| c.to_ascii_lowercase());
    let Some(first) = chars.next() else {
        return spells(letters, rest, needed);
    };
    if letters.first() != Some(&first) || !first.is_ascii_alphabetic() {
        return false;
    }
    // The initial, then as many of the next letters as the word holds in
    // order (greedily: any fewer are possible too).
    let after = &letters[1..];
    let mut most = 0;
    for c in chars {
        if after.get(most) == Some(&c) {
            most += 1;
        }
    }
    (0..=most).any(|n| spells(&after[n..], rest, needed.saturating_sub(1)))
}

/// Whether `said` ends (`before`) or is a Japanese term: at least three
/// kanji or katakana in a row (`の` and `ー` may join them).
fn japanese_term(said: &str, before: bool) -> bool {
    let noun = |c: char| matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{30A0}'..='\u{30FF}' | '々');
    let said = said.trim();
    let runs = said.split(|c: char| !(noun(c) || c == 'の'));
    let longest = |run: &str| run.trim_matches('の').chars().filter(|c| noun(*c)).count();
    if before {
        let last = said.chars().last().is_some_and(noun);
        last && said
            .rsplit(|c: char| !(noun(c) || c == 'の'))
            .next()
            .is_some_and(|run| longest(run) >= 3)
    } else {
        runs.into_iter().any(|run| longest(run) >= 3)
    }
}

pub fn check_glossary(sections: &[SectionText], findings: &mut Vec<Finding>) {
    let glossary = prose(&gathered(sections, "glossary").0);
    let body: String = sections
        .iter()
        .filter(|s| !reads_as(&s.section, "glossary"))
        .map(|s| prose(&s.markdown))
        .collect::<Vec<_>>()
        .join("\n");
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
            let (en, ja) = (s.section.title(false), s.section.title(true));
            findings.push(if explained_inline(&body, &term, abbreviation) {
                finding(
                    "glossary",
                    Rule::GlossaryInline,
                    Some(term.clone()),
                    format!(
                        "“{term}” (used in {en}) is explained in the text only; readers look terms up in the glossary."
                    ),
                    format!(
                        "「{term}」（{ja}で使用）は本文でしか説明されていません。読み手は用語集で調べます。"
                    ),
                )
            } else {
                finding(
                    "glossary",
                    Rule::GlossaryMissing,
                    Some(term.clone()),
                    format!(
                        "“{term}” (used in {en}) is explained nowhere; add it to the glossary."
                    ),
                    format!(
                        "「{term}」（{ja}で使用）の説明がどこにもありません。用語集に追加してください。"
                    ),
                )
            });
            seen.push(term);
        }
    }
}
