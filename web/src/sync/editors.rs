//! The page's section editors: binding textareas to section texts, typing
//! and input methods, undo and redo, outline changes, and keeping every
//! editor's selection and backdrop (comment marks, other people's carets)
//! right when the document changes under it.

use super::*;

impl Client {
    /// Binds a section's textarea and backdrop (see [`SectionEditor`]).
    pub fn attach(&self, section: &str, textarea: HtmlTextAreaElement, backdrop: Element) {
        let inner = &self.0;
        let text = inner
            .doc
            .get_or_insert_text(section_text_name(section).as_str());
        inner.undo.borrow_mut().expand_scope(&inner.doc, &text);
        let editor = SectionEditor::new(section.to_owned(), text, textarea, backdrop, &inner.doc);
        let mut editors = inner.editors.borrow_mut();
        editors.retain(|e| e.section != section);
        editors.push(editor);
        drop(editors);
        self.decorate_all();
    }

    /// Forgets a section's textarea (its view went away).
    pub fn detach(&self, section: &str, textarea: &HtmlTextAreaElement) {
        self.0
            .editors
            .borrow_mut()
            .retain(|e| !(e.section == section && e.textarea() == textarea));
    }

    fn with_editor<R>(
        &self,
        section: &str,
        f: impl FnOnce(&mut SectionEditor, &Doc) -> R,
    ) -> Option<R> {
        let inner = &self.0;
        let mut editors = inner.editors.borrow_mut();
        let editor = editors.iter_mut().find(|e| e.section == section)?;
        Some(f(editor, &inner.doc))
    }

    pub fn on_input(&self, section: &str) {
        if !self.writable() {
            // The textarea is readonly; if something got in anyway, put the
            // document's text back.
            self.change_from_elsewhere(|| ());
            return;
        }
        let changed = self.with_editor(section, |e, doc| e.local_input(doc));
        self.after_local_edit(section, changed == Some(true));
    }

    pub fn on_composition_start(&self, section: &str) {
        self.with_editor(section, |e, doc| e.composition_start(doc));
    }

    pub fn on_composition_end(&self, section: &str) {
        if !self.writable() {
            self.with_editor(section, |e, _| e.is_composing());
            self.change_from_elsewhere(|| ());
            return;
        }
        let changed = self.with_editor(section, |e, doc| e.composition_end(doc));
        self.after_local_edit(section, changed == Some(true));
    }

    fn writable(&self) -> bool {
        self.0.can_edit && self.0.editable.get_untracked()
    }

    /// Sends what a local edit changed, then the caret that moved with it.
    fn after_local_edit(&self, section: &str, changed: bool) {
        if changed {
            self.flush();
            self.after_doc_change();
        }
        self.selection_changed(section);
    }

    /// Undoes this page's last edit (never anyone else's).
    pub fn undo(&self) {
        self.undo_or_redo(true);
    }

    pub fn redo(&self) {
        self.undo_or_redo(false);
    }

    fn undo_or_redo(&self, undo: bool) {
        if !self.writable() || self.0.editors.borrow().iter().any(|e| e.is_composing()) {
            return;
        }
        let inner = &self.0;
        self.change_from_elsewhere(|| {
            let mut manager = inner.undo.borrow_mut();
            if undo {
                manager.undo_blocking();
            } else {
                manager.redo_blocking();
            }
        });
        self.flush();
    }

    /// Changes the outline (add, rename, move, remove a section).
    pub fn edit_outline(
        &self,
        change: impl FnOnce(&mut TransactionMut) -> Result<(), OutlineError>,
    ) -> Result<(), OutlineError> {
        if !self.writable() {
            return Ok(());
        }
        let result = change(&mut self.0.doc.transact_mut_with(LOCAL));
        self.flush();
        self.after_doc_change();
        result
    }

    /// Applies a change that did not come from typing (a remote update,
    /// undo): every editor keeps its selection on its characters.
    pub(super) fn change_from_elsewhere(&self, change: impl FnOnce()) {
        let inner = &self.0;
        let kept: Vec<_> = inner
            .editors
            .borrow()
            .iter()
            .map(|e| e.keep_selection(&inner.doc))
            .collect();
        change();
        for (editor, kept) in inner.editors.borrow_mut().iter_mut().zip(kept) {
            editor.refresh(&inner.doc, kept);
        }
        self.after_doc_change();
    }

    /// After any change of the document: tell the page, redraw, keep it.
    fn after_doc_change(&self) {
        let inner = &self.0;
        inner.version.set(inner.version.get_untracked() + 1);
        let outline = outline::outline(&inner.doc.transact());
        if inner.outline.with_untracked(|o| *o != outline) {
            inner.outline.set(outline);
        }
        let undo = inner.undo.borrow();
        let (can_undo, can_redo) = (undo.can_undo(), undo.can_redo());
        drop(undo);
        if inner.can_undo.get_untracked() != can_undo {
            inner.can_undo.set(can_undo);
        }
        if inner.can_redo.get_untracked() != can_redo {
            inner.can_redo.set(can_redo);
        }
        self.decorate_all();
        self.schedule_save();
    }

    /// Shares the caret position (section, anchor, head) with the others.
    pub fn selection_changed(&self, section: &str) {
        let Some(Some((anchor, head))) = self.with_editor(section, |e, _| {
            if e.is_composing() || !e.has_focus() {
                None
            } else {
                e.selection()
            }
        }) else {
            return;
        };
        let selection = TextSelection {
            section: section.to_owned(),
            start: anchor.min(head),
            end: anchor.max(head),
        };
        if self
            .0
            .selection
            .with_untracked(|s| s.as_ref() != Some(&selection))
        {
            self.0.selection.set(Some(selection));
        }
        let cursor = Cursor {
            section: section.to_owned(),
            anchor,
            head,
            sticky: sticky_pair(&self.0.doc, section, anchor, head),
        };
        let changed = self.0.presence.borrow_mut().set_cursor(Some(cursor));
        if changed {
            self.publish_presence();
        }
    }

    /// Redraws every editor's backdrop: comment marks and other people's
    /// carets in that section.
    pub(super) fn decorate_all(&self) {
        let inner = &self.0;
        let peers = inner.peers.get_untracked();
        for editor in inner.editors.borrow().iter() {
            let section_marks: Vec<Mark> = inner.marks.with_untracked(|marks| {
                marks
                    .iter()
                    .filter(|m| m.section == editor.section)
                    .cloned()
                    .collect()
            });
            let cursors: Vec<RemoteCursor> = peers
                .iter()
                .filter(|p| !p.me)
                .filter_map(|p| {
                    let c = p.cursor.as_ref().filter(|c| c.section == editor.section)?;
                    let (anchor, head) = cursor_now(&inner.doc, c);
                    Some(RemoteCursor {
                        anchor,
                        head,
                        name: p.name.clone(),
                        color: p.color.clone(),
                    })
                })
                .collect();
            editor.decorate(&section_marks, &cursors);
        }
    }
}

/// `anchor` and `head` of `section` as base64 sticky indexes, sticking to
/// the character before each (as a caret does).
fn sticky_pair(doc: &Doc, section: &str, anchor: u32, head: u32) -> Option<[String; 2]> {
    let txn = doc.transact();
    let text = txn.get_text(section_text_name(section).as_str())?;
    let at = |i: u32| {
        let index = text.sticky_index(&txn, i, Assoc::Before)?;
        Some(persist::encode(&index.encode_v1()))
    };
    Some([at(anchor)?, at(head)?])
}

/// Where someone's caret and selection are now: their sticky positions
/// resolved in our replica (so they stay on the same characters when the
/// text moved since they sent them), else the offsets they sent.
fn cursor_now(doc: &Doc, cursor: &Cursor) -> (u32, u32) {
    let resolved = cursor.sticky.as_ref().and_then(|[anchor, head]| {
        let txn = doc.transact();
        let text = txn.get_text(section_text_name(&cursor.section).as_str())?;
        let branch: &yrs::branch::Branch = text.as_ref();
        let at = |b64: &str| {
            let index = StickyIndex::decode_v1(&persist::decode(b64)?).ok()?;
            let offset = index.get_offset(&txn)?;
            (offset.branch == yrs::branch::BranchPtr::from(branch)).then_some(offset.index)
        };
        Some((at(anchor)?, at(head)?))
    });
    resolved.unwrap_or((cursor.anchor, cursor.head))
}
