//! The `<textarea>` bound to the shared `body` text.
//!
//! Local typing becomes the smallest delete+insert on the `Text` (see
//! [`crate::diff`]); remote updates rewrite the textarea and keep the caret
//! on the same characters through `StickyIndex`es (`Assoc::Before`, as
//! TOOLCHAIN.md measured). While an IME composition is open nothing is sent
//! and the textarea is left alone; the committed text is applied once at
//! `compositionend`.

use crate::diff;
use web_sys::HtmlTextAreaElement;
use yrs::{Assoc, Doc, GetString, IndexedSequence, StickyIndex, Text, TextRef, Transact, Update};

/// Transaction origin of updates that came from the server, so that the
/// update observer does not send them back.
pub const REMOTE: &str = "remote";

/// Where the selection was when a composition started, both as offsets of
/// the textarea and as sticky positions in the document.
struct CompositionStart {
    start: u32,
    end: u32,
    sticky_start: Option<StickyIndex>,
    sticky_end: Option<StickyIndex>,
}

/// The textarea's side of the binding.
#[derive(Default)]
pub struct Editor {
    textarea: Option<HtmlTextAreaElement>,
    /// The textarea's value as the document last saw it, in UTF-16 units.
    shadow: Vec<u16>,
    composition: Option<CompositionStart>,
    /// Remote updates arrived during the composition.
    stale: bool,
}

fn units(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

impl Editor {
    /// Binds the textarea and shows the document's current text in it.
    pub fn attach(&mut self, textarea: HtmlTextAreaElement, doc: &Doc, body: &TextRef) {
        self.textarea = Some(textarea);
        self.composition = None;
        self.render(doc, body, None);
    }

    /// The selection as (anchor, head) in UTF-16 units of the body.
    pub fn selection(&self) -> Option<(u32, u32)> {
        let ta = self.textarea.as_ref()?;
        let start = ta.selection_start().ok()??;
        let end = ta.selection_end().ok()??;
        let backward = ta.selection_direction().ok().flatten().as_deref() == Some("backward");
        Some(if backward { (end, start) } else { (start, end) })
    }

    pub fn is_composing(&self) -> bool {
        self.composition.is_some()
    }

    /// After an `input` event: applies what the user changed to the body.
    /// Returns whether the document changed.
    pub fn local_input(&mut self, doc: &Doc, body: &TextRef) -> bool {
        if self.composition.is_some() {
            return false;
        }
        let Some(ta) = &self.textarea else {
            return false;
        };
        let new = units(&ta.value());
        let Some(splice) = diff::splice(&self.shadow, &new) else {
            return false;
        };
        apply_splice(doc, body, &splice);
        self.shadow = new;
        true
    }

    pub fn composition_start(&mut self, doc: &Doc, body: &TextRef) {
        let (start, end) = match self.selection() {
            Some((a, h)) => (a.min(h), a.max(h)),
            None => (0, 0),
        };
        let txn = doc.transact();
        self.composition = Some(CompositionStart {
            start,
            end,
            sticky_start: body.sticky_index(&txn, start, Assoc::Before),
            sticky_end: body.sticky_index(&txn, end, Assoc::Before),
        });
        self.stale = false;
    }

    /// Applies the committed text. Returns whether the document changed.
    pub fn composition_end(&mut self, doc: &Doc, body: &TextRef) -> bool {
        let Some(started) = self.composition.take() else {
            return self.local_input(doc, body);
        };
        if !std::mem::take(&mut self.stale) {
            return self.local_input(doc, body);
        }
        // The document moved on under the composition: map the change, made
        // against the old text, through the positions taken at its start.
        let Some(ta) = self.textarea.clone() else {
            return false;
        };
        let new = units(&ta.value());
        let Some(mut splice) = diff::splice(&self.shadow, &new) else {
            self.render(doc, body, None);
            return false;
        };
        let (from, to) = {
            let txn = doc.transact();
            let len = body.len(&txn);
            let resolve = |s: &Option<StickyIndex>, fallback: u32| {
                s.as_ref()
                    .and_then(|s| s.get_offset(&txn))
                    .map_or(fallback, |o| o.index)
            };
            let a = resolve(&started.sticky_start, started.start);
            let b = resolve(&started.sticky_end, started.end).max(a);
            let map = |x: u32| {
                if x <= started.start {
                    a.saturating_sub(started.start - x)
                } else if x <= started.end {
                    (a + (x - started.start)).min(b)
                } else {
                    b + (x - started.end)
                }
                .min(len)
            };
            let from = map(splice.index);
            (from, map(splice.index + splice.delete).max(from))
        };
        splice.index = from;
        splice.delete = to - from;
        apply_splice(doc, body, &splice);
        let caret = from + splice.insert.encode_utf16().count() as u32;
        self.render(doc, body, Some((caret, caret)));
        true
    }

    /// Applies an update from the server, keeping the caret on its
    /// characters (or, during a composition, leaving the textarea alone).
    pub fn remote_update(&mut self, doc: &Doc, body: &TextRef, update: Update) {
        let live = self.composition.is_none() && self.textarea.is_some();
        let anchors = self.selection().filter(|_| live).map(|(anchor, head)| {
            let txn = doc.transact();
            (
                body.sticky_index(&txn, anchor, Assoc::Before),
                body.sticky_index(&txn, head, Assoc::Before),
            )
        });
        if let Err(e) = doc.transact_mut_with(REMOTE).apply_update(update) {
            web_sys::console::warn_1(&format!("casebook: update not applied: {e}").into());
        }
        if !live {
            self.stale = true;
            return;
        }
        let selection = anchors.and_then(|(anchor, head)| {
            let txn = doc.transact();
            let anchor = anchor?.get_offset(&txn)?.index;
            let head = head?.get_offset(&txn)?.index;
            Some((anchor, head))
        });
        self.render(doc, body, selection);
    }

    /// Writes the document's text into the textarea (if it differs) and
    /// puts the selection at `selection` (anchor, head).
    fn render(&mut self, doc: &Doc, body: &TextRef, selection: Option<(u32, u32)>) {
        let text = body.get_string(&doc.transact());
        self.shadow = units(&text);
        let Some(ta) = &self.textarea else {
            return;
        };
        if ta.value() == text {
            return;
        }
        let scroll = ta.scroll_top();
        ta.set_value(&text);
        if let Some((anchor, head)) = selection {
            let (start, end, dir) = if head < anchor {
                (head, anchor, "backward")
            } else {
                (anchor, head, "forward")
            };
            let _ = ta.set_selection_range_with_direction(start, end, dir);
        }
        ta.set_scroll_top(scroll);
    }
}

fn apply_splice(doc: &Doc, body: &TextRef, splice: &diff::Splice) {
    let mut txn = doc.transact_mut();
    if splice.delete > 0 {
        body.remove_range(&mut txn, splice.index, splice.delete);
    }
    if !splice.insert.is_empty() {
        body.insert(&mut txn, splice.index, &splice.insert);
    }
}
