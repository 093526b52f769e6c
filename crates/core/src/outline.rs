//! The postmortem's outline: which sections it has, in which order, under
//! which titles.
//!
//! The ten [`TEMPLATE`] sections always exist. Authors may add sections of
//! their own, rename those, and move any section. All of it lives in the
//! shared document, so it merges like the text does:
//!
//! - root map [`SECTION_ORDER`]: section id → position (a number); a section
//!   with no entry sits at its template index. Moving a section writes one
//!   number between its new neighbours', so two people moving different
//!   sections at once never lose either move (the last writer wins when both
//!   move the same one).
//! - root map [`SECTION_TITLES`]: custom section id → title. An entry here is
//!   what makes a custom section exist.
//!
//! Each section's Markdown is the root `Text` named
//! [`section_text_name`]`(id)`. Removing a custom section is allowed only
//! while its text is empty, so no words are ever dropped with it.

use crate::document::{section_text_name, SectionTemplate, TEMPLATE};
use crate::limits::MAX_SECTION_TITLE_CHARS;
use yrs::{Any, GetString, Map, Out, ReadTxn, TransactionMut, WriteTxn};

/// Root map: section id → position.
pub const SECTION_ORDER: &str = "section_order";
/// Root map: custom section id → title.
pub const SECTION_TITLES: &str = "section_titles";
/// Ids of sections authors add start with this.
pub const CUSTOM_PREFIX: &str = "custom-";

/// What a section is called.
#[derive(Debug, Clone, PartialEq)]
pub enum SectionTitle {
    /// One of the template's sections, titled in both languages.
    Template(&'static SectionTemplate),
    /// A section an author added, titled as they wrote it.
    Custom(String),
}

/// One section of a postmortem, as the outline places it.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub id: String,
    pub title: SectionTitle,
    pub position: f64,
}

impl Section {
    /// The title to show; template sections in the reader's language.
    pub fn title(&self, japanese: bool) -> &str {
        match &self.title {
            SectionTitle::Template(t) if japanese => t.title_ja,
            SectionTitle::Template(t) => t.title_en,
            SectionTitle::Custom(title) => title,
        }
    }

    /// The template's guidance for this section, if it is a template one.
    pub fn guide(&self, japanese: bool) -> Option<&'static str> {
        match &self.title {
            SectionTitle::Template(t) if japanese => Some(t.guide_ja),
            SectionTitle::Template(t) => Some(t.guide_en),
            SectionTitle::Custom(_) => None,
        }
    }

    pub fn is_custom(&self) -> bool {
        matches!(self.title, SectionTitle::Custom(_))
    }

    /// Name of the root `Text` holding this section's Markdown.
    pub fn text_name(&self) -> String {
        section_text_name(&self.id)
    }
}

/// Why an outline change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutlineError {
    #[error("a section title must have 1 to {MAX_SECTION_TITLE_CHARS} characters")]
    BadTitle,
    #[error("a custom section id is `custom-` followed by 1 to 32 letters a-z or digits")]
    BadId,
    #[error("there is no section `{0}`")]
    UnknownSection(String),
    #[error("template sections keep their titles")]
    TemplateSection,
    #[error("section `{0}` already exists")]
    Exists(String),
    #[error("only an empty section can be removed")]
    NotEmpty,
}

/// Every section, in reading order.
pub fn outline<T: ReadTxn>(txn: &T) -> Vec<Section> {
    let order = txn.get_map(SECTION_ORDER);
    let titles = txn.get_map(SECTION_TITLES);
    let position_of = |id: &str, default: f64| -> f64 {
        match order.as_ref().and_then(|m| m.get(txn, id)) {
            Some(Out::Any(Any::Number(n))) => {
                n.as_f64().filter(|p| p.is_finite()).unwrap_or(default)
            }
            _ => default,
        }
    };
    let mut sections: Vec<(Section, usize)> = TEMPLATE
        .iter()
        .enumerate()
        .map(|(i, t)| {
            (
                Section {
                    id: t.id.to_owned(),
                    title: SectionTitle::Template(t),
                    position: position_of(t.id, i as f64),
                },
                i,
            )
        })
        .collect();
    if let Some(titles) = titles {
        for (id, value) in titles.iter(txn) {
            let Out::Any(Any::String(title)) = value else {
                continue;
            };
            if valid_custom_id(id).is_err() {
                continue;
            }
            sections.push((
                Section {
                    id: id.to_owned(),
                    title: SectionTitle::Custom(title.to_string()),
                    position: position_of(id, TEMPLATE.len() as f64),
                },
                TEMPLATE.len(),
            ));
        }
    }
    sections.sort_by(|(a, ai), (b, bi)| {
        a.position
            .total_cmp(&b.position)
            .then(ai.cmp(bi))
            .then_with(|| a.id.cmp(&b.id))
    });
    sections.into_iter().map(|(s, _)| s).collect()
}

/// A section's Markdown (empty when nobody wrote in it yet).
pub fn section_markdown<T: ReadTxn>(txn: &T, id: &str) -> String {
    txn.get_text(section_text_name(id).as_str())
        .map(|text| text.get_string(txn))
        .unwrap_or_default()
}

/// Adds a custom section titled `title` right after section `after` (at the
/// top when `None`). The caller picks the id (the browser draws a random
/// one), so two people adding at once get two sections.
pub fn add_section(
    txn: &mut TransactionMut,
    id: &str,
    title: &str,
    after: Option<&str>,
) -> Result<(), OutlineError> {
    valid_custom_id(id)?;
    let title = valid_title(title)?;
    let current = outline(txn);
    if current.iter().any(|s| s.id == id) {
        return Err(OutlineError::Exists(id.to_owned()));
    }
    let index = match after {
        None => 0,
        Some(after) => {
            current
                .iter()
                .position(|s| s.id == after)
                .ok_or_else(|| OutlineError::UnknownSection(after.to_owned()))?
                + 1
        }
    };
    let position = place_at(txn, &current, index);
    txn.get_or_insert_map(SECTION_TITLES).insert(txn, id, title);
    txn.get_or_insert_map(SECTION_ORDER)
        .insert(txn, id, position);
    Ok(())
}

/// Puts back, where they were, the custom sections of `before` (an earlier
/// outline) that are gone from the outline although their text is not
/// empty; returns their ids. [`remove_section`] removes only empty
/// sections, but a browser decides that on what it has seen: someone may be
/// typing into the section at that moment, and any Yjs client can write the
/// outline maps directly. The server calls this after applying an update
/// that touched the outline, so no words ever leave the outline.
pub fn restore_removed(txn: &mut TransactionMut, before: &[Section]) -> Vec<String> {
    let now: Vec<String> = outline(txn).into_iter().map(|s| s.id).collect();
    let mut restored = Vec::new();
    for section in before {
        let SectionTitle::Custom(title) = &section.title else {
            continue;
        };
        if now.contains(&section.id) || section_markdown(txn, &section.id).is_empty() {
            continue;
        }
        txn.get_or_insert_map(SECTION_TITLES)
            .insert(txn, section.id.as_str(), title.as_str());
        txn.get_or_insert_map(SECTION_ORDER)
            .insert(txn, section.id.as_str(), section.position);
        restored.push(section.id.clone());
    }
    restored
}

/// Renames a custom section.
pub fn rename_section(txn: &mut TransactionMut, id: &str, title: &str) -> Result<(), OutlineError> {
    let title = valid_title(title)?;
    let section = find(txn, id)?;
    if !section.is_custom() {
        return Err(OutlineError::TemplateSection);
    }
    txn.get_or_insert_map(SECTION_TITLES).insert(txn, id, title);
    Ok(())
}

/// Moves section `id` so that it ends up at `index` in the outline (counted
/// without the section itself; past the end means last).
pub fn move_section(txn: &mut TransactionMut, id: &str, index: usize) -> Result<(), OutlineError> {
    find(txn, id)?;
    let others: Vec<Section> = outline(txn).into_iter().filter(|s| s.id != id).collect();
    let position = place_at(txn, &others, index.min(others.len()));
    txn.get_or_insert_map(SECTION_ORDER)
        .insert(txn, id, position);
    Ok(())
}

/// Removes a custom section whose text is empty.
pub fn remove_section(txn: &mut TransactionMut, id: &str) -> Result<(), OutlineError> {
    let section = find(txn, id)?;
    if !section.is_custom() {
        return Err(OutlineError::TemplateSection);
    }
    if !section_markdown(txn, id).is_empty() {
        return Err(OutlineError::NotEmpty);
    }
    txn.get_or_insert_map(SECTION_TITLES).remove(txn, id);
    txn.get_or_insert_map(SECTION_ORDER).remove(txn, id);
    Ok(())
}

fn find<T: ReadTxn>(txn: &T, id: &str) -> Result<Section, OutlineError> {
    outline(txn)
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| OutlineError::UnknownSection(id.to_owned()))
}

/// A position that sorts at `index` among `sections`. When two neighbours
/// are too close for a number between them, every section is renumbered
/// first (0, 1, 2, …) so positions never collapse.
fn place_at(txn: &mut TransactionMut, sections: &[Section], index: usize) -> f64 {
    let between = |sections: &[Section]| -> Option<f64> {
        let before = index.checked_sub(1).map(|i| sections[i].position);
        let after = sections.get(index).map(|s| s.position);
        let p = match (before, after) {
            (None, None) => 0.0,
            (Some(b), None) => b + 1.0,
            (None, Some(a)) => a - 1.0,
            (Some(b), Some(a)) => b + (a - b) / 2.0,
        };
        let strictly_between =
            before.is_none_or(|b| p > b) && after.is_none_or(|a| p < a) && p.is_finite();
        strictly_between.then_some(p)
    };
    if let Some(p) = between(sections) {
        return p;
    }
    let order = txn.get_or_insert_map(SECTION_ORDER);
    let renumbered: Vec<Section> = sections
        .iter()
        .enumerate()
        .map(|(i, s)| {
            order.insert(txn, s.id.as_str(), i as f64);
            Section {
                position: i as f64,
                ..s.clone()
            }
        })
        .collect();
    between(&renumbered).unwrap_or(index as f64 - 0.5)
}

/// Checks a custom section id: `custom-` + 1–32 of `[a-z0-9]`.
pub fn valid_custom_id(id: &str) -> Result<(), OutlineError> {
    let rest = id.strip_prefix(CUSTOM_PREFIX).ok_or(OutlineError::BadId)?;
    let ok = (1..=32).contains(&rest.len())
        && rest
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    ok.then_some(()).ok_or(OutlineError::BadId)
}

fn valid_title(title: &str) -> Result<String, OutlineError> {
    let title = title.trim();
    let chars = title.chars().count();
    if chars == 0 || chars > MAX_SECTION_TITLE_CHARS || title.chars().any(char::is_control) {
        return Err(OutlineError::BadTitle);
    }
    Ok(title.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::new_doc;
    use yrs::updates::decoder::Decode;
    use yrs::{Doc, Text, Transact, Update};

    fn ids(doc: &Doc) -> Vec<String> {
        outline(&doc.transact()).into_iter().map(|s| s.id).collect()
    }

    fn sync(from: &Doc, to: &Doc) {
        let sv = to.transact().state_vector();
        let update = from.transact().encode_state_as_update_v1(&sv);
        to.transact_mut()
            .apply_update(Update::decode_v1(&update).unwrap())
            .unwrap();
    }

    /// Someone types into a section while another removes it (their view
    /// of it was empty): once both changes meet, the section comes back
    /// where it was with the words; an empty removed section stays gone.
    #[test]
    fn a_section_removed_while_someone_typed_into_it_is_put_back() {
        let server = new_doc();
        {
            let mut txn = server.transact_mut();
            add_section(&mut txn, "custom-notes", "メモ", Some("impact")).unwrap();
            add_section(&mut txn, "custom-blank", "Blank", None).unwrap();
        }
        let (typist, remover) = (new_doc(), new_doc());
        sync(&server, &typist);
        sync(&server, &remover);
        {
            let mut txn = typist.transact_mut();
            let notes = txn.get_or_insert_text(section_text_name("custom-notes").as_str());
            notes.insert(&mut txn, 0, "大事なメモ 📝");
        }
        {
            let mut txn = remover.transact_mut();
            remove_section(&mut txn, "custom-notes").unwrap();
            remove_section(&mut txn, "custom-blank").unwrap();
        }
        let before = outline(&server.transact());
        sync(&typist, &server);
        sync(&remover, &server);
        assert!(!ids(&server).contains(&"custom-notes".to_owned()));

        let restored = restore_removed(&mut server.transact_mut(), &before);
        assert_eq!(restored, ["custom-notes"]);
        let now = outline(&server.transact());
        let notes = now.iter().find(|s| s.id == "custom-notes").unwrap();
        assert_eq!(notes.title(false), "メモ");
        assert_eq!(
            now.iter().position(|s| s.id == "custom-notes"),
            before
                .iter()
                .position(|s| s.id == "custom-notes")
                .map(|i| i - 1),
            "back after impact (the blank section above it is gone)"
        );
        assert_eq!(
            section_markdown(&server.transact(), "custom-notes"),
            "大事なメモ 📝"
        );
        assert!(!ids(&server).contains(&"custom-blank".to_owned()));
        // Nothing left to restore: a second call changes nothing.
        assert!(restore_removed(&mut server.transact_mut(), &before).is_empty());
    }

    #[test]
    fn a_new_document_lists_the_template_in_order() {
        let doc = new_doc();
        let template: Vec<&str> = TEMPLATE.iter().map(|t| t.id).collect();
        assert_eq!(ids(&doc), template);
        let txn = doc.transact();
        let sections = outline(&txn);
        assert_eq!(sections[1].title(false), "System overview");
        assert_eq!(sections[1].title(true), "システム概要");
        assert!(sections[1].guide(false).is_some());
        assert_eq!(section_markdown(&txn, "summary"), "");
    }

    #[test]
    fn authors_add_rename_move_and_remove_their_sections() {
        let doc = new_doc();
        {
            let mut txn = doc.transact_mut();
            add_section(&mut txn, "custom-abc", "  依存関係 🔗 ", Some("system")).unwrap();
            add_section(&mut txn, "custom-top", "Preface", None).unwrap();
        }
        let order = ids(&doc);
        assert_eq!(
            &order[..4],
            ["custom-top", "summary", "system", "custom-abc"]
        );
        let txn = doc.transact();
        let custom = outline(&txn)
            .into_iter()
            .find(|s| s.id == "custom-abc")
            .unwrap();
        assert_eq!(custom.title(true), "依存関係 🔗");
        assert_eq!(custom.guide(true), None);
        drop(txn);

        let mut txn = doc.transact_mut();
        rename_section(&mut txn, "custom-abc", "Dependencies").unwrap();
        assert_eq!(
            rename_section(&mut txn, "summary", "Nope"),
            Err(OutlineError::TemplateSection)
        );
        move_section(&mut txn, "glossary", 0).unwrap();
        move_section(&mut txn, "custom-top", 99).unwrap();
        drop(txn);
        let order = ids(&doc);
        assert_eq!(order.first().map(String::as_str), Some("glossary"));
        assert_eq!(order.last().map(String::as_str), Some("custom-top"));

        let text = doc.get_or_insert_text(section_text_name("custom-abc").as_str());
        text.insert(&mut doc.transact_mut(), 0, "x");
        let mut txn = doc.transact_mut();
        assert_eq!(
            remove_section(&mut txn, "custom-abc"),
            Err(OutlineError::NotEmpty)
        );
        assert_eq!(
            remove_section(&mut txn, "impact"),
            Err(OutlineError::TemplateSection)
        );
        remove_section(&mut txn, "custom-top").unwrap();
        drop(txn);
        assert!(!ids(&doc).contains(&"custom-top".to_owned()));
        assert_eq!(ids(&doc).len(), TEMPLATE.len() + 1);
    }

    #[test]
    fn bad_titles_and_ids_are_refused_and_change_nothing() {
        let doc = new_doc();
        let mut txn = doc.transact_mut();
        for title in [
            "",
            "   ",
            "a\u{7}b",
            &"長".repeat(MAX_SECTION_TITLE_CHARS + 1),
        ] {
            assert_eq!(
                add_section(&mut txn, "custom-a", title, None),
                Err(OutlineError::BadTitle)
            );
        }
        for id in ["summary", "custom-", "custom-ABC", "custom-a/b", "x-1"] {
            assert_eq!(
                add_section(&mut txn, id, "T", None),
                Err(OutlineError::BadId)
            );
        }
        assert_eq!(
            add_section(&mut txn, "custom-a", "T", Some("nope")),
            Err(OutlineError::UnknownSection("nope".into()))
        );
        add_section(&mut txn, "custom-a", "T", None).unwrap();
        assert_eq!(
            add_section(&mut txn, "custom-a", "T", None),
            Err(OutlineError::Exists("custom-a".into()))
        );
        drop(txn);
        assert_eq!(ids(&doc).len(), TEMPLATE.len() + 1);
    }

    #[test]
    fn concurrent_moves_and_additions_merge_without_loss() {
        let alice = new_doc();
        let bob = new_doc();
        {
            let mut txn = alice.transact_mut();
            add_section(&mut txn, "custom-alice", "A", Some("summary")).unwrap();
            move_section(&mut txn, "glossary", 0).unwrap();
        }
        {
            let mut txn = bob.transact_mut();
            add_section(&mut txn, "custom-bob", "B", Some("summary")).unwrap();
            move_section(&mut txn, "kudos", 1).unwrap();
        }
        sync(&alice, &bob);
        sync(&bob, &alice);
        let order = ids(&alice);
        assert_eq!(order, ids(&bob));
        assert_eq!(order.len(), TEMPLATE.len() + 2);
        assert_eq!(order[0], "glossary");
        assert!(order.contains(&"custom-alice".to_owned()));
        assert!(order.contains(&"custom-bob".to_owned()));
    }

    #[test]
    fn many_moves_between_the_same_neighbours_never_collapse() {
        let doc = new_doc();
        let mut txn = doc.transact_mut();
        for i in 0..200 {
            let mover = if i % 2 == 0 { "glossary" } else { "kudos" };
            move_section(&mut txn, mover, 1).unwrap();
        }
        drop(txn);
        let sections = outline(&doc.transact());
        assert_eq!(sections[1].id, "kudos");
        assert_eq!(sections[2].id, "glossary");
        for pair in sections.windows(2) {
            assert!(pair[0].position < pair[1].position, "{pair:?}");
        }
    }
}
