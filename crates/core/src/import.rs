//! A Markdown file read into the template's sections, and written into a
//! document.
//!
//! [`import_sections`] reads a Casebook export back into the same sections
//! (its markers decide, so headings inside a section stay in it). A file
//! written elsewhere has no markers; then headings decide: the heading level
//! of the first heading that names a template section (see
//! [`crate::headings`]: its id, its title in either language, or a heading
//! people commonly use for it such as 再発防止策 or Root causes) is the
//! *section level*. Every heading at that level starts a section: the
//! template section it names, or else a new custom section with that title.
//! Deeper headings stay inside the current section. Text before the first
//! section goes to the Summary, and a level-1 heading before it is the
//! case's title.
//!
//! [`write_imported`] puts the sections into a document, as the server does
//! for `POST /api/postmortems/import`.

use crate::document::{section_text_name, template_section, BODY, TEMPLATE};
use crate::export::{MARK_DRAFT, MARK_MEETING, MARK_METADATA};
use crate::headings::{measure_kind, normalise, section_for_heading};
use crate::outline::{self, valid_custom_id};
use yrs::{Text, TransactionMut, WriteTxn};

/// One section read from a Markdown file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedSection {
    /// A template section id, a custom id from a Casebook export, or `None`
    /// for a new custom section.
    pub id: Option<String>,
    /// The heading as written.
    pub title: String,
    pub markdown: String,
}

/// A Markdown file read into sections.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportedCase {
    /// The file's level-1 heading before any section, if any.
    pub title: Option<String>,
    /// In file order; a template section appears at most once (text under
    /// two headings naming the same section is joined).
    pub sections: Vec<ImportedSection>,
    /// A Casebook export's draft part.
    pub draft: Option<String>,
    /// Headings mapped to a template section that they usually, but not
    /// always, mean ("Action items" → Countermeasures), in file order: the
    /// import preview asks about each.
    pub guesses: Vec<Guess>,
}

/// A heading the import mapped to a template section by a guess.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guess {
    /// The heading as written.
    pub heading: String,
    /// The template section id it was mapped to.
    pub section: &'static str,
}

/// The template section a heading names (see [`crate::headings`]).
pub fn template_id_for(heading: &str) -> Option<&'static str> {
    section_for_heading(heading).map(|name| name.id)
}

/// A heading line's level and text (ATX headings only, outside code).
fn heading(line: &str) -> Option<(usize, &str)> {
    let t = line
        .strip_prefix("   ")
        .or_else(|| line.strip_prefix("  "))
        .or_else(|| line.strip_prefix(' '))
        .unwrap_or(line);
    let level = t.len() - t.trim_start_matches('#').len();
    if !(1..=6).contains(&level) {
        return None;
    }
    let rest = &t[level..];
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    let text = rest.trim().trim_end_matches('#').trim();
    Some((level, text))
}

/// Lines with a flag: inside a fenced code block.
fn lines_with_fences(markdown: &str) -> Vec<(&str, bool)> {
    let mut fence: Option<&str> = None;
    markdown
        .lines()
        .map(|line| {
            let t = line.trim_start();
            let marker = ["```", "~~~"].into_iter().find(|m| t.starts_with(m));
            match (fence, marker) {
                (None, Some(m)) => {
                    fence = Some(m);
                    (line, true)
                }
                (Some(f), Some(m)) if f == m => {
                    fence = None;
                    (line, true)
                }
                (Some(_), _) => (line, true),
                (None, None) => (line, false),
            }
        })
        .collect()
}

fn tidy(lines: &[&str]) -> String {
    let start = lines.iter().position(|l| !l.trim().is_empty());
    let end = lines.iter().rposition(|l| !l.trim().is_empty());
    match (start, end) {
        (Some(s), Some(e)) => {
            let mut text = lines[s..=e].join("\n");
            text.push('\n');
            text
        }
        _ => String::new(),
    }
}

fn marker_id(line: &str) -> Option<&str> {
    line.trim()
        .strip_prefix("<!-- casebook:section id=\"")?
        .strip_suffix("\" -->")
}

/// Reads a Markdown file into sections (see the module docs).
pub fn import_sections(markdown: &str) -> ImportedCase {
    import_sections_with(markdown, &[])
}

/// [`import_sections`], with headings the person importing chose to keep
/// as sections of their own (answering the preview's questions "no").
pub fn import_sections_with(markdown: &str, keep_as_written: &[String]) -> ImportedCase {
    let lines = lines_with_fences(markdown);
    let has_markers = lines
        .iter()
        .any(|(l, code)| !code && marker_id(l).is_some());
    if has_markers {
        import_marked(&lines)
    } else {
        import_by_headings(&lines, keep_as_written)
    }
}

fn push_section(case: &mut ImportedCase, id: Option<String>, title: String, body: &[&str]) {
    let markdown = tidy(body);
    if let Some(id) = id.as_deref().filter(|id| template_section(id).is_some()) {
        if let Some(existing) = case
            .sections
            .iter_mut()
            .find(|s| s.id.as_deref() == Some(id))
        {
            if !markdown.is_empty() {
                if !existing.markdown.is_empty() {
                    existing.markdown.push('\n');
                }
                existing.markdown.push_str(&markdown);
            }
            return;
        }
    }
    case.sections.push(ImportedSection {
        id,
        title,
        markdown,
    });
}

fn import_marked(lines: &[(&str, bool)]) -> ImportedCase {
    enum Part {
        Preamble,
        /// The metadata and the meeting record: made from the meeting, not
        /// part of the document.
        Generated,
        Section(String),
        Draft,
    }
    let mut case = ImportedCase::default();
    let mut part = Part::Preamble;
    let mut title: Option<String> = None;
    let mut body: Vec<&str> = Vec::new();
    let flush =
        |case: &mut ImportedCase, part: &Part, title: &Option<String>, body: &[&str]| match part {
            Part::Section(id) => push_section(
                case,
                Some(id.clone()),
                title.clone().unwrap_or_default(),
                body,
            ),
            Part::Draft => {
                let text = tidy(body);
                if !text.is_empty() {
                    case.draft = Some(text);
                }
            }
            Part::Preamble | Part::Generated => {}
        };
    for (line, code) in lines.iter().copied() {
        let next = if code {
            None
        } else if let Some(id) = marker_id(line) {
            Some(Part::Section(id.to_owned()))
        } else if line.trim() == MARK_METADATA || line.trim() == MARK_MEETING {
            Some(Part::Generated)
        } else if line.trim() == MARK_DRAFT {
            Some(Part::Draft)
        } else {
            None
        };
        if let Some(next) = next {
            flush(&mut case, &part, &title, &body);
            part = next;
            title = None;
            body.clear();
            continue;
        }
        match &part {
            Part::Preamble => {
                if let (Some((1, text)), false, None) = (heading(line), code, &case.title) {
                    case.title = Some(text.to_owned());
                }
            }
            Part::Generated => {}
            Part::Section(_) | Part::Draft => {
                if title.is_none() && body.iter().all(|l| l.trim().is_empty()) {
                    if let (Some((_, text)), false) = (heading(line), code) {
                        title = Some(text.to_owned());
                        body.clear();
                        continue;
                    }
                }
                body.push(line);
            }
        }
    }
    flush(&mut case, &part, &title, &body);
    case
}

fn import_by_headings(lines: &[(&str, bool)], keep_as_written: &[String]) -> ImportedCase {
    let mut case = ImportedCase::default();
    let name_of = |text: &str| {
        section_for_heading(text).filter(|_| !keep_as_written.iter().any(|k| k.trim() == text))
    };
    let level_of = |certain: bool| {
        lines.iter().find_map(|(line, code)| {
            let (level, text) = heading(line).filter(|_| !code)?;
            name_of(text)
                .filter(|name| name.certain || !certain)
                .map(|_| level)
        })
    };
    let section_level = level_of(true).or_else(|| level_of(false));
    // A heading that says what kind of countermeasures follow (暫定対策,
    // Not chosen) stays in the text as a sub-heading, so the check and the
    // reader still know which entries are mitigations.
    let kept: Vec<Option<String>> = lines
        .iter()
        .map(|(line, code)| {
            let (level, text) = heading(line).filter(|_| !code)?;
            let name = name_of(text)?;
            let is_title = crate::document::template_section(name.id).is_some_and(|t| {
                normalise(text) == normalise(t.title_en) || normalise(text) == normalise(t.title_ja)
            });
            (name.id == "countermeasures" && !is_title && measure_kind(text).is_some())
                .then(|| format!("{} {text}", "#".repeat(level + 1)))
        })
        .collect();
    let mut current: Option<(Option<String>, String)> = None;
    let mut body: Vec<&str> = Vec::new();
    let mut preamble: Vec<&str> = Vec::new();
    for (index, (line, code)) in lines.iter().copied().enumerate() {
        let starts = if code {
            None
        } else {
            heading(line).filter(|(level, _)| Some(*level) == section_level)
        };
        if let Some((_, text)) = starts {
            if let Some((id, title)) = current.take() {
                push_section(&mut case, id, title, &body);
            }
            body.clear();
            let name = name_of(text);
            if let Some(name) = name.filter(|n| !n.certain) {
                case.guesses.push(Guess {
                    heading: text.to_owned(),
                    section: name.id,
                });
            }
            if let Some(sub) = &kept[index] {
                body.push(sub);
            }
            current = Some((name.map(|n| n.id.to_owned()), text.to_owned()));
            continue;
        }
        if current.is_some() {
            body.push(line);
            continue;
        }
        match heading(line) {
            Some((1, text))
                if !code
                    && case.title.is_none()
                    && preamble.iter().all(|l| l.trim().is_empty()) =>
            {
                case.title = Some(text.to_owned());
            }
            _ => preamble.push(line),
        }
    }
    if let Some((id, title)) = current.take() {
        push_section(&mut case, id, title, &body);
    }
    if !tidy(&preamble).is_empty() {
        // Text before the first section belongs to the nearest one, the summary.
        let summary = TEMPLATE[0];
        let mut rest = std::mem::take(&mut case.sections);
        push_section(
            &mut case,
            Some(summary.id.into()),
            summary.title_en.into(),
            &preamble,
        );
        for s in rest.drain(..) {
            let body: Vec<&str> = s.markdown.lines().collect();
            push_section(&mut case, s.id, s.title, &body);
        }
    }
    case
}

/// Writes an imported case into a document: each template section's text
/// gets its part, every other part becomes a custom section (its id kept
/// when a Casebook export gave a valid one, else `custom-1`, `custom-2`…),
/// and the sections are ordered as in the file, followed by the ones it did
/// not mention. Returns the ids written, in file order.
pub fn write_imported(txn: &mut TransactionMut, case: &ImportedCase) -> Vec<String> {
    let mut placed: Vec<String> = Vec::new();
    let mut next_custom = 1;
    for section in &case.sections {
        let id = match &section.id {
            Some(id) if template_section(id).is_some() => id.clone(),
            given => {
                let id = given
                    .clone()
                    .filter(|id| valid_custom_id(id).is_ok() && !placed.contains(id))
                    .unwrap_or_else(|| loop {
                        let id = format!("custom-{next_custom}");
                        next_custom += 1;
                        if !placed.contains(&id) {
                            break id;
                        }
                    });
                let title: String = section
                    .title
                    .chars()
                    .take(crate::limits::MAX_SECTION_TITLE_CHARS)
                    .collect();
                let title = if title.trim().is_empty() {
                    id.clone()
                } else {
                    title
                };
                if outline::add_section(txn, &id, &title, None).is_err() {
                    continue;
                }
                id
            }
        };
        let text = txn.get_or_insert_text(section_text_name(&id).as_str());
        let end = text.len(txn);
        text.insert(txn, end, &section.markdown);
        placed.push(id);
    }
    if let Some(draft) = &case.draft {
        let body = txn.get_or_insert_text(BODY);
        body.insert(txn, 0, draft);
    }
    for (index, id) in placed.iter().enumerate() {
        let _ = outline::move_section(txn, id, index);
    }
    placed
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# Outage\n\n## Background\nPurpose: pay.\n\n## Root cause(s)\n- a\n\n\
                        ## 暫定対策\n- 手動で切り替え\n\n## 恒久対策\n- 自動化\n\n## Action items\n- b\n";

    #[test]
    fn headings_people_use_map_to_sections_and_the_guesses_are_listed() {
        let case = import_sections(FILE);
        let got: Vec<(Option<&str>, &str)> = case
            .sections
            .iter()
            .map(|s| (s.id.as_deref(), s.markdown.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (Some("system"), "Purpose: pay.\n"),
                (Some("causes"), "- a\n"),
                (
                    Some("countermeasures"),
                    "### 暫定対策\n- 手動で切り替え\n\n### 恒久対策\n- 自動化\n\n- b\n"
                ),
            ]
        );
        assert_eq!(
            case.guesses,
            vec![
                Guess {
                    heading: "Background".into(),
                    section: "system"
                },
                Guess {
                    heading: "Action items".into(),
                    section: "countermeasures"
                },
            ]
        );
    }

    #[test]
    fn a_heading_the_importer_keeps_as_written_becomes_its_own_section() {
        let case = import_sections_with(FILE, &["Action items".to_owned()]);
        let last = case.sections.last().expect("sections");
        assert_eq!(last.id, None);
        assert_eq!(last.title, "Action items");
        assert_eq!(last.markdown, "- b\n");
        assert_eq!(case.guesses.len(), 1);
    }

    #[test]
    fn an_imported_case_is_written_into_the_document_in_file_order() {
        use yrs::Transact;
        let doc = crate::document::new_doc();
        let case = import_sections("## Notes\nx\n\n## 時系列\n- 10:00 a\n");
        let placed = write_imported(&mut doc.transact_mut(), &case);
        assert_eq!(placed, vec!["custom-1", "timeline"]);
        let txn = doc.transact();
        let order: Vec<String> = outline::outline(&txn).into_iter().map(|s| s.id).collect();
        assert_eq!(&order[..3], ["custom-1", "timeline", "summary"]);
        assert_eq!(outline::section_markdown(&txn, "timeline"), "- 10:00 a\n");
    }
}
