//! One `<textarea>` bound to one section's shared `Text`.
//!
//! Local typing becomes the smallest delete+insert on the `Text` (see
//! [`crate::diff`]), made in a transaction with the [`LOCAL`] origin so that
//! undo can tell our edits from everyone else's. Changes from elsewhere
//! (the server, or undo/redo) rewrite the textarea and keep the caret on the
//! same characters through `StickyIndex`es (`Assoc::Before`, as TOOLCHAIN.md
//! measured): [`SectionEditor::keep_selection`] before the change,
//! [`SectionEditor::refresh`] after it. While an IME composition is open
//! nothing is sent and the textarea is left alone; the committed text is
//! applied once at `compositionend`, mapped through the positions taken when
//! the composition started if the text moved meanwhile.

use crate::backdrop::{self, Mark, RemoteCursor};
use crate::diff;
use web_sys::{Element, HtmlTextAreaElement};
use yrs::{Assoc, Doc, GetString, IndexedSequence, StickyIndex, Text, TextRef, Transact};

/// Transaction origin of updates that came from the server (not sent back,
/// not undoable).
pub const REMOTE: &str = "remote";
/// Transaction origin of this page's own edits (sent, undoable).
pub const LOCAL: &str = "local";

/// Where the selection was when a composition started, both as offsets of
/// the textarea and as sticky positions in the document.
struct CompositionStart {
    start: u32,
    end: u32,
    sticky_start: Option<StickyIndex>,
    sticky_end: Option<StickyIndex>,
}

/// The selection of a textarea, kept as sticky positions across a change.
pub struct KeptSelection {
    anchor: Option<StickyIndex>,
    head: Option<StickyIndex>,
}

/// A section's textarea, its backdrop and the text they show.
pub struct SectionEditor {
    pub section: String,
    text: TextRef,
    textarea: HtmlTextAreaElement,
    backdrop: Element,
    /// The textarea's value as the document last saw it, in UTF-16 units.
    shadow: Vec<u16>,
    composition: Option<CompositionStart>,
    /// Changes arrived during the composition.
    stale: bool,
}

fn units(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

impl SectionEditor {
    /// Binds `textarea` (and its `backdrop`) to `text` and shows its content.
    pub fn new(
        section: String,
        text: TextRef,
        textarea: HtmlTextAreaElement,
        backdrop: Element,
        doc: &Doc,
    ) -> SectionEditor {
        let mut editor = SectionEditor {
            section,
            text,
            textarea,
            backdrop,
            shadow: Vec::new(),
            composition: None,
            stale: false,
        };
        editor.render(doc, None);
        editor
    }

    pub fn textarea(&self) -> &HtmlTextAreaElement {
        &self.textarea
    }

    /// The selection as (anchor, head) in UTF-16 units of the section.
    pub fn selection(&self) -> Option<(u32, u32)> {
        let ta = &self.textarea;
        let start = ta.selection_start().ok()??;
        let end = ta.selection_end().ok()??;
        let backward = ta.selection_direction().ok().flatten().as_deref() == Some("backward");
        Some(if backward { (end, start) } else { (start, end) })
    }

    /// Whether the textarea has the keyboard focus. (Setting the selection
    /// of another one fires `select` too; only this one's counts.)
    pub fn has_focus(&self) -> bool {
        let active = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element());
        active.is_some_and(|a| a == **self.textarea)
    }

    pub fn is_composing(&self) -> bool {
        self.composition.is_some()
    }

    /// After an `input` event: applies what the user changed to the text.
    /// Returns whether the document changed.
    pub fn local_input(&mut self, doc: &Doc) -> bool {
        if self.composition.is_some() {
            return false;
        }
        let new = units(&self.textarea.value());
        let caret = self.selection().and_then(|(a, h)| (a == h).then_some(h));
        let Some(splice) = diff::splice_at(&self.shadow, &new, caret) else {
            return false;
        };
        apply_splice(doc, &self.text, &splice);
        self.shadow = new;
        fit_height(&self.textarea);
        true
    }

    pub fn composition_start(&mut self, doc: &Doc) {
        let (start, end) = match self.selection() {
            Some((a, h)) => (a.min(h), a.max(h)),
            None => (0, 0),
        };
        let txn = doc.transact();
        self.composition = Some(CompositionStart {
            start,
            end,
            sticky_start: self.text.sticky_index(&txn, start, Assoc::Before),
            sticky_end: self.text.sticky_index(&txn, end, Assoc::Before),
        });
        self.stale = false;
    }

    /// Applies the committed text. Returns whether the document changed.
    pub fn composition_end(&mut self, doc: &Doc) -> bool {
        let Some(started) = self.composition.take() else {
            return self.local_input(doc);
        };
        if !std::mem::take(&mut self.stale) {
            return self.local_input(doc);
        }
        // The document moved on under the composition: map the change, made
        // against the old text, through the positions taken at its start.
        let new = units(&self.textarea.value());
        let Some(splice) = diff::splice(&self.shadow, &new) else {
            self.render(doc, None);
            return false;
        };
        let splice = {
            let txn = doc.transact();
            let resolve = |s: &Option<StickyIndex>, fallback: u32| {
                s.as_ref()
                    .and_then(|s| s.get_offset(&txn))
                    .map_or(fallback, |o| o.index)
            };
            let now = diff::Range {
                start: resolve(&started.sticky_start, started.start),
                end: resolve(&started.sticky_end, started.end),
            };
            let then = diff::Range {
                start: started.start,
                end: started.end,
            };
            diff::remap(&splice, then, now, self.text.len(&txn))
        };
        apply_splice(doc, &self.text, &splice);
        let caret = splice.index + splice.insert.encode_utf16().count() as u32;
        self.render(doc, Some((caret, caret)));
        true
    }

    /// Before a change from elsewhere: where the selection is, as sticky
    /// positions (nothing during a composition).
    pub fn keep_selection(&self, doc: &Doc) -> Option<KeptSelection> {
        if self.composition.is_some() {
            return None;
        }
        let (anchor, head) = self.selection()?;
        let txn = doc.transact();
        Some(KeptSelection {
            anchor: self.text.sticky_index(&txn, anchor, Assoc::Before),
            head: self.text.sticky_index(&txn, head, Assoc::Before),
        })
    }

    /// After a change from elsewhere: shows the new text with the selection
    /// back on its characters; during a composition only notes that the
    /// text moved. Returns whether the text changed.
    pub fn refresh(&mut self, doc: &Doc, kept: Option<KeptSelection>) -> bool {
        if self.composition.is_some() {
            self.stale = true;
            return false;
        }
        let selection = kept.and_then(|kept| {
            let txn = doc.transact();
            let anchor = kept.anchor?.get_offset(&txn)?.index;
            let head = kept.head?.get_offset(&txn)?.index;
            Some((anchor, head))
        });
        self.render(doc, selection)
    }

    /// Redraws the backdrop with these decorations.
    pub fn decorate(&self, marks: &[Mark], cursors: &[RemoteCursor]) {
        if self.composition.is_some() {
            return;
        }
        backdrop::draw(&self.backdrop, &self.shadow, marks, cursors);
    }

    /// Writes the document's text into the textarea (if it differs) and
    /// puts the selection at `selection` (anchor, head). Returns whether the
    /// text changed.
    fn render(&mut self, doc: &Doc, selection: Option<(u32, u32)>) -> bool {
        let text = self.text.get_string(&doc.transact());
        self.shadow = units(&text);
        let ta = &self.textarea;
        if ta.value() == text {
            return false;
        }
        ta.set_value(&text);
        if let Some((anchor, head)) = selection {
            let (start, end, dir) = if head < anchor {
                (head, anchor, "backward")
            } else {
                (anchor, head, "forward")
            };
            let _ = ta.set_selection_range_with_direction(start, end, dir);
        }
        fit_height(ta);
        true
    }
}

/// Grows the textarea to its content, so the page scrolls instead of the
/// textarea and the backdrop stays aligned with the text.
pub fn fit_height(ta: &HtmlTextAreaElement) {
    let style = ta.style();
    let _ = style.set_property("height", "auto");
    let _ = style.set_property("height", &format!("{}px", ta.scroll_height() + 2));
}

fn apply_splice(doc: &Doc, text: &TextRef, splice: &diff::Splice) {
    let mut txn = doc.transact_mut_with(LOCAL);
    if splice.delete > 0 {
        text.remove_range(&mut txn, splice.index, splice.delete);
    }
    if !splice.insert.is_empty() {
        text.insert(&mut txn, splice.index, &splice.insert);
    }
}
