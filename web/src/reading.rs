//! Selections in the rendered sections, read back as Markdown.
//!
//! A section shown rendered is `casebook_core::reading::to_reading_html`
//! in a `.reading[data-section]` element: every piece of text is a span
//! whose `data-src` says where it is in the section's Markdown. [`current`]
//! reads the window's selection, finds the piece and the offset at each of
//! its ends (an end between pieces, on a list bullet or a table border,
//! moves to the nearest piece inside the selection) and lets core map the
//! two points to a range of the Markdown: the same [`TextSelection`] that a
//! selection in the section's editor gives, so a comment made from either is
//! anchored the same way. The mapping itself is pure and tested in core;
//! this module only walks the DOM.
//!
//! A comment is anchored inside one section's text, so a selection that
//! runs on into the next section (or starts above the sections) keeps only
//! its part in the section where it starts (or, starting above them, where
//! it ends); [`was_shortened`] tells the composer, which says so.

use crate::sync::TextSelection;
use casebook_core::reading::{self, Point, LOOSE_ATTR, SOURCE_ATTR};
use std::cell::RefCell;
use wasm_bindgen::JsCast;
use web_sys::{Element, Node};

/// The class of a rendered section (with `data-section`).
pub const READING_CLASS: &str = "reading";

/// What the window's selection is, seen from the rendered sections.
#[derive(Debug, Clone, PartialEq)]
pub enum Selected {
    /// Nothing selected in a rendered section.
    Elsewhere,
    /// A caret (a tap or click) in a rendered section.
    Caret,
    /// Words of a section: their Markdown range, and where they are on
    /// the page (document coordinates: left, top, right, bottom).
    Words(TextSelection, [f64; 4]),
}

thread_local! {
    /// The last selection [`current`] read that had to be shortened to one
    /// section (the window's selection ran on into another one).
    static SHORTENED: RefCell<Option<TextSelection>> = const { RefCell::new(None) };
}

/// Whether `selection` is what [`current`] last read from a selection that
/// ran on past its section and was shortened to it: a comment is anchored
/// inside one section's text, so the composer says the words were cut.
pub fn was_shortened(selection: &TextSelection) -> bool {
    SHORTENED.with(|s| s.borrow().as_ref() == Some(selection))
}

/// Whether the selection from `start` to `end` leaves the rendered section
/// `root` (it ends or starts in another section, or outside the sections),
/// given that it touches `root`.
fn leaves(root: &Element, start: &Node, end: &Node) -> bool {
    let other = |node: &Node| reading_root(node).as_ref() != Some(root);
    other(start) || other(end)
}

/// The rendered section an element or text node is in.
fn reading_root(node: &Node) -> Option<Element> {
    let element = match node.dyn_ref::<Element>() {
        Some(e) => e.clone(),
        None => node.parent_element()?,
    };
    element
        .closest(&format!(".{READING_CLASS}[data-section]"))
        .ok()
        .flatten()
}

/// The point of a piece at `offset` units into its text.
fn piece_point(piece: &Element, offset: u32) -> Option<Point> {
    let src = piece.get_attribute(SOURCE_ATTR)?;
    let len = piece
        .text_content()
        .map(|t| t.encode_utf16().count() as u32)
        .unwrap_or(0);
    Point::from_attrs(&src, piece.has_attribute(LOOSE_ATTR), len, offset)
}

/// The point in `root`'s Markdown of the boundary (`node`, `offset`): the
/// piece it is in, else the first piece after it (`is_start`) or the last
/// piece before it.
fn boundary_point(root: &Element, node: &Node, offset: u32, is_start: bool) -> Option<Point> {
    if node.node_type() == Node::TEXT_NODE {
        if let Some(piece) = node
            .parent_element()
            .filter(|p| p.has_attribute(SOURCE_ATTR))
        {
            let piece_node: &Node = &piece;
            if root.contains(Some(piece_node)) {
                return piece_point(&piece, offset);
            }
        }
    }
    let document = web_sys::window()?.document()?;
    let at = document.create_range().ok()?;
    at.set_start(node, offset).ok()?;
    at.collapse_with_to_start(true);
    let pieces = root.query_selector_all(&format!("[{SOURCE_ATTR}]")).ok()?;
    let piece = |i: u32| pieces.item(i).and_then(|n| n.dyn_into::<Element>().ok());
    if is_start {
        (0..pieces.length()).filter_map(piece).find_map(|p| {
            // Where the piece starts compared with the boundary: 1 when after.
            let after = at.compare_point(&p, 0).ok()? >= 0;
            after.then(|| piece_point(&p, 0)).flatten()
        })
    } else {
        (0..pieces.length()).rev().filter_map(piece).find_map(|p| {
            let ends = p.child_nodes().length();
            let before = at.compare_point(&p, ends).ok()? <= 0;
            before.then(|| piece_point(&p, u32::MAX)).flatten()
        })
    }
}

/// The window's selection, seen from the rendered sections; `markdown`
/// gives a section's Markdown as it is now.
pub fn current(markdown: impl Fn(&str) -> String) -> Selected {
    let Some(selection) = web_sys::window().and_then(|w| w.get_selection().ok().flatten()) else {
        return Selected::Elsewhere;
    };
    if selection.range_count() == 0 {
        return Selected::Elsewhere;
    }
    let Ok(range) = selection.get_range_at(0) else {
        return Selected::Elsewhere;
    };
    let (Ok(start), Ok(end)) = (range.start_container(), range.end_container()) else {
        return Selected::Elsewhere;
    };
    let (start_offset, end_offset) = (
        range.start_offset().unwrap_or(0),
        range.end_offset().unwrap_or(0),
    );
    // The section is the one the selection starts in (or ends in, when it
    // starts above the sections); an end in another section is clamped.
    let Some(root) = reading_root(&start).or_else(|| reading_root(&end)) else {
        return Selected::Elsewhere;
    };
    if range.collapsed() {
        return Selected::Caret;
    }
    let Some(section) = root.get_attribute("data-section") else {
        return Selected::Elsewhere;
    };
    let from = boundary_point(&root, &start, start_offset, true);
    let to = boundary_point(&root, &end, end_offset, false);
    let (Some(from), Some(to)) = (from, to) else {
        return Selected::Caret;
    };
    let Some(words) = reading::source_range(&markdown(&section), from, to) else {
        return Selected::Caret;
    };
    let selection = TextSelection {
        section,
        start: words.start,
        end: words.end,
    };
    let shortened = leaves(&root, &start, &end);
    SHORTENED.with(|s| *s.borrow_mut() = shortened.then(|| selection.clone()));
    let rect = range.get_bounding_client_rect();
    let (x, y) = web_sys::window()
        .map(|w| (w.scroll_x().unwrap_or(0.0), w.scroll_y().unwrap_or(0.0)))
        .unwrap_or((0.0, 0.0));
    Selected::Words(
        selection,
        [
            rect.left() + x,
            rect.top() + y,
            rect.right() + x,
            rect.bottom() + y,
        ],
    )
}

/// The Markdown offset of a selection end inside an exact piece of `root`.
fn kept_offset(root: &Element, node: &Node, offset: u32) -> Option<u32> {
    if node.node_type() != Node::TEXT_NODE {
        return None;
    }
    let piece = node.parent_element()?;
    let piece_node: &Node = &piece;
    if !root.contains(Some(piece_node)) || piece.has_attribute(LOOSE_ATTR) {
        return None;
    }
    let point = piece_point(&piece, offset)?;
    Some(point.start + point.offset)
}

/// The text node and offset of Markdown offset `at` in `root`'s pieces
/// (`is_end`: an offset between two pieces ends the first).
fn place(root: &Element, at: u32, is_end: bool) -> Option<(Node, u32)> {
    let pieces = root
        .query_selector_all(&format!("[{SOURCE_ATTR}]:not([{LOOSE_ATTR}])"))
        .ok()?;
    (0..pieces.length())
        .filter_map(|i| pieces.item(i)?.dyn_into::<Element>().ok())
        .find_map(|piece| {
            let point = piece_point(&piece, 0)?;
            let inside = if is_end {
                point.start < at && at <= point.end
            } else {
                point.start <= at && at < point.end
            };
            inside.then(|| Some((piece.first_child()?, at - point.start)))?
        })
}

/// How a read-only rendered section takes a keyboard caret: it is
/// `contenteditable` (so Tab reaches it and the arrow keys move a visible
/// caret, Shift+arrows select words) with every edit refused
/// ([`refuse_edit`]), `aria-readonly`, and no on-screen keyboard
/// (`inputmode="none"`).
pub const KEYBOARD_CARET: &str = "true";

/// Refuses an edit in a read-only rendered section (`beforeinput`: typing,
/// deleting, pasting, dropping, formatting, undo).
pub fn refuse_edit(ev: &web_sys::Event) {
    ev.prevent_default();
}

/// Rewrites a rendered section with `html`, keeping a selection in it on
/// the same words (a reader in the middle of selecting loses nothing when
/// someone else's comment appears in the section).
pub fn set_html_keeping_selection(root: &Element, html: &str) {
    let selection = web_sys::window().and_then(|w| w.get_selection().ok().flatten());
    // A caret is kept too: a keyboard user moving it through a read-only
    // section (`KEYBOARD_CARET`) does not lose their place.
    let kept = selection.as_ref().and_then(|s| {
        if s.range_count() == 0 {
            return None;
        }
        let range = s.get_range_at(0).ok()?;
        let start = kept_offset(
            root,
            &range.start_container().ok()?,
            range.start_offset().ok()?,
        )?;
        let end = kept_offset(root, &range.end_container().ok()?, range.end_offset().ok()?)?;
        Some((start, end))
    });
    root.set_inner_html(html);
    let (Some(selection), Some((start, end))) = (selection, kept) else {
        return;
    };
    let placed = if start == end {
        place(root, start, false).map(|a| (a.clone(), a))
    } else {
        place(root, start, false).zip(place(root, end, true))
    };
    if let Some(((a, a_offset), (b, b_offset))) = placed {
        let _ = selection.set_base_and_extent(&a, a_offset, &b, b_offset);
    }
}
