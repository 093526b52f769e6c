//! The rendered document a reader selects words in, and the way back from a
//! selection in it to the Markdown those words came from.
//!
//! [`to_reading_html`] renders a section's Markdown as the sanitised HTML of
//! [`crate::markdown`] (the same parser, options and sanitiser), with every
//! piece of text wrapped in `<span data-src="S-E">`: `S..E` is where that text
//! is in the Markdown, in UTF-16 units (the offsets of the section's `Text`
//! and of its comment anchors). Text the parser rewrote (an escape `\*`, an
//! entity `&amp;`, a code span with a line break) cannot be mapped character
//! by character: its span also carries `data-loose`, and a selection end
//! inside it widens to the whole source `S..E`. Comment highlights (Markdown
//! ranges) are drawn as `<mark class=… data-highlight=ID>` around the pieces
//! they cover.
//!
//! The browser turns each end of a DOM selection into a [`Point`] (the span's
//! `data-src`, whether it is loose, its text's length and the offset in it)
//! and [`source_range`] turns the pair into the Markdown range to anchor,
//! trimmed of surrounding whitespace. This module does no DOM work: it is the
//! pure half, tested here with Japanese, emoji, tables, code, lists and
//! inline formatting.

use crate::markdown::{options, Sanitizer};
use pulldown_cmark::{CowStr, Event, Parser, Tag, TagEnd};
use std::fmt::Write as _;
use std::ops::Range;

/// The attribute holding a piece's source range, `S-E`.
pub const SOURCE_ATTR: &str = "data-src";
/// The attribute marking a piece whose text is not its source verbatim.
pub const LOOSE_ATTR: &str = "data-loose";
/// The attribute naming the comment a highlight belongs to.
pub const HIGHLIGHT_ATTR: &str = "data-highlight";

/// A piece of rendered text and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// UTF-16 units of the Markdown.
    pub source: Range<u32>,
    /// The text as rendered.
    pub text: String,
    /// `text` is `source` verbatim, so every offset maps one to one.
    pub exact: bool,
    /// Inline code (`<code>` around it).
    pub code: bool,
}

/// A comment highlight over `range` (UTF-16 units of the Markdown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Highlight<'a> {
    pub range: Range<u32>,
    /// CSS class of the `<mark>` (escaped on output).
    pub class: &'a str,
    /// The comment's id, in `data-highlight` (escaped on output).
    pub id: &'a str,
}

/// One end of a selection in the rendered text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    /// The piece's `data-src`.
    pub start: u32,
    pub end: u32,
    /// The piece carries `data-loose`.
    pub loose: bool,
    /// Length of the piece's rendered text, in UTF-16 units.
    pub len: u32,
    /// Where the selection end is in the piece's text, in UTF-16 units.
    pub offset: u32,
}

impl Point {
    /// A point from a piece's attributes: `src` is its `data-src` (`S-E`).
    pub fn from_attrs(src: &str, loose: bool, len: u32, offset: u32) -> Option<Point> {
        let (start, end) = src.split_once('-')?;
        let (start, end) = (start.parse().ok()?, end.parse().ok()?);
        (start <= end).then_some(Point {
            start,
            end,
            loose,
            len,
            offset: offset.min(len),
        })
    }

    /// The Markdown offset of this point; inside a loose piece, `start`
    /// side snaps to the piece's start and the end side to its end.
    fn source(self, is_start: bool) -> u32 {
        if !self.loose {
            return self.start.saturating_add(self.offset).min(self.end);
        }
        match self.offset {
            0 => self.start,
            o if o >= self.len => self.end,
            _ if is_start => self.start,
            _ => self.end,
        }
    }
}

/// The Markdown range (UTF-16 units of `markdown`) of the rendered text from
/// `from` to `to` (in document order), without surrounding whitespace,
/// with the backslash of an escaped first character and the markup of
/// inline elements it crosses whole, never splitting a surrogate pair;
/// `None` when nothing but whitespace is selected.
pub fn source_range(markdown: &str, from: Point, to: Point) -> Option<Range<u32>> {
    let units: Vec<u16> = markdown.encode_utf16().collect();
    let len = u32::try_from(units.len()).unwrap_or(u32::MAX);
    let (mut start, mut end) = (from.source(true).min(len), to.source(false).min(len));
    if start > end {
        std::mem::swap(&mut start, &mut end);
    }
    let is_space = |u: u16| char::from_u32(u32::from(u)).is_some_and(char::is_whitespace);
    while start < end && is_space(units[start as usize]) {
        start += 1;
    }
    while end > start && is_space(units[end as usize - 1]) {
        end -= 1;
    }
    // A first character written escaped (`\*`) takes its backslash along.
    let escaped = |i: u32| {
        i > 0
            && units[i as usize - 1] == u16::from(b'\\')
            && u8::try_from(units[i as usize]).is_ok_and(|b| b.is_ascii_punctuation())
    };
    if start < end && escaped(start) {
        start -= 1;
    }
    let low_surrogate = |i: u32| (0xDC00..0xE000).contains(&units[i as usize]);
    if start < len && start > 0 && low_surrogate(start) {
        start -= 1;
    }
    if end < len && end > 0 && low_surrogate(end) {
        end += 1;
    }
    if start >= end {
        return None;
    }
    Some(balanced(markdown, start..end))
}

/// An inline element (emphasis, strong, strikethrough, link, code span):
/// its whole source and the source of its text.
#[derive(Debug)]
struct Inline {
    outer: Range<u32>,
    text: Range<u32>,
}

/// The inline elements of `markdown`, innermost first.
fn inlines(markdown: &str) -> Vec<Inline> {
    let offsets = Utf16Offsets::new(markdown);
    // Open elements: their start (UTF-16) and the text seen in them so far.
    let mut open: Vec<(u32, Option<Range<u32>>)> = Vec::new();
    let mut out = Vec::new();
    let widen = |open: &mut Vec<(u32, Option<Range<u32>>)>, text: &Range<u32>| {
        for (_, seen) in open.iter_mut() {
            *seen = Some(match seen.take() {
                Some(r) => r.start.min(text.start)..r.end.max(text.end),
                None => text.clone(),
            });
        }
    };
    for (event, bytes) in Parser::new_ext(markdown, options()).into_offset_iter() {
        match event {
            Event::Start(Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Link { .. }) => {
                open.push((offsets.of(bytes.start), None))
            }
            Event::End(
                TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough | TagEnd::Link,
            ) => {
                if let Some((start, Some(text))) = open.pop() {
                    out.push(Inline {
                        outer: start..offsets.of(bytes.end),
                        text,
                    });
                }
            }
            Event::Text(text) => {
                let piece = run(markdown, &offsets, bytes, &text, false);
                widen(&mut open, &piece.source);
            }
            Event::Code(text) => {
                let piece = run(markdown, &offsets, bytes.clone(), &text, true);
                widen(&mut open, &piece.source);
                out.push(Inline {
                    outer: offsets.of(bytes.start)..offsets.of(bytes.end),
                    text: piece.source,
                });
            }
            _ => {}
        }
    }
    out
}

/// `range` grown over the markup of every inline element whose whole text
/// it covers together with text outside it: "が 停止 し" selected in
/// `が **停止** しました` is `が **停止** し`, never `が **停止`. A selection
/// inside one element's text stays as it is (`停止`).
fn balanced(markdown: &str, mut range: Range<u32>) -> Range<u32> {
    let elements = inlines(markdown);
    loop {
        let before = range.clone();
        for e in &elements {
            let covers = range.start <= e.text.start && e.text.end <= range.end;
            let beyond = range.start < e.text.start || e.text.end < range.end;
            if covers && beyond {
                range = range.start.min(e.outer.start)..range.end.max(e.outer.end);
            }
        }
        if range == before {
            return range;
        }
    }
}

/// UTF-16 offsets of every byte offset of a string.
struct Utf16Offsets(Vec<u32>);

impl Utf16Offsets {
    fn new(text: &str) -> Utf16Offsets {
        let mut at = Vec::with_capacity(text.len() + 1);
        let mut units = 0u32;
        for c in text.chars() {
            for _ in 0..c.len_utf8() {
                at.push(units);
            }
            units += c.len_utf16() as u32;
        }
        at.push(units);
        Utf16Offsets(at)
    }

    fn of(&self, byte: usize) -> u32 {
        self.0
            .get(byte)
            .or(self.0.last())
            .copied()
            .unwrap_or_default()
    }
}

/// The piece of text an event rendered as `text` from `markdown[bytes]`.
fn run(markdown: &str, offsets: &Utf16Offsets, bytes: Range<usize>, text: &str, code: bool) -> Run {
    let source = markdown.get(bytes.clone()).unwrap_or_default();
    // A code span's source starts with its backticks: look for the text
    // after them.
    let skip = if code {
        source.len() - source.trim_start_matches('`').len()
    } else {
        0
    };
    let found = if source == text {
        Some(0)
    } else if code && !text.is_empty() {
        source[skip..].find(text).map(|i| i + skip)
    } else {
        None
    };
    match found {
        Some(i) => {
            let start = bytes.start + i;
            Run {
                source: offsets.of(start)..offsets.of(start + text.len()),
                text: text.to_owned(),
                exact: true,
                code,
            }
        }
        None => Run {
            source: offsets.of(bytes.start)..offsets.of(bytes.end),
            text: text.to_owned(),
            exact: false,
            code,
        },
    }
}

/// A sanitised event, or a piece of text with its source.
enum Piece<'a> {
    Event(Event<'a>),
    Run(Run),
}

fn pieces(markdown: &str) -> Vec<Piece<'_>> {
    let offsets = Utf16Offsets::new(markdown);
    let mut sanitizer = Sanitizer::default();
    // Inside an image the writer turns text into its alt attribute: leave
    // that text alone.
    let mut in_image = 0usize;
    let mut out = Vec::new();
    for (event, bytes) in Parser::new_ext(markdown, options()).into_offset_iter() {
        let Some(event) = sanitizer.pass(event) else {
            continue;
        };
        match event {
            Event::Start(Tag::Image { .. }) => {
                in_image += 1;
                out.push(Piece::Event(event));
            }
            Event::End(TagEnd::Image) => {
                in_image = in_image.saturating_sub(1);
                out.push(Piece::Event(event));
            }
            Event::Text(text) if in_image == 0 => {
                out.push(Piece::Run(run(markdown, &offsets, bytes, &text, false)));
            }
            Event::Code(text) if in_image == 0 => {
                out.push(Piece::Run(run(markdown, &offsets, bytes, &text, true)));
            }
            other => out.push(Piece::Event(other)),
        }
    }
    out
}

/// Every piece of rendered text of `markdown`, in reading order, with its
/// source (image alt texts, which are attributes, are left out).
pub fn runs(markdown: &str) -> Vec<Run> {
    pieces(markdown)
        .into_iter()
        .filter_map(|p| match p {
            Piece::Run(run) => Some(run),
            Piece::Event(_) => None,
        })
        .collect()
}

/// Escapes text for an element's body (`attribute` false: as the HTML
/// writer does, `&`, `<` and `>`) or for a quoted attribute value.
fn escape(text: &str, attribute: bool, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// The byte offset in `text` of its UTF-16 offset `unit` (rounded down to a
/// character boundary).
fn byte_of(text: &str, unit: u32) -> usize {
    let mut units = 0u32;
    for (i, c) in text.char_indices() {
        if units + c.len_utf16() as u32 > unit {
            return i;
        }
        units += c.len_utf16() as u32;
    }
    text.len()
}

/// The HTML of one run: its pieces between highlight boundaries, each a
/// `data-src` span inside the `<mark>`s that cover it.
fn run_html(run: &Run, highlights: &[Highlight], out: &mut String) {
    let Range { start, end } = run.source.clone();
    // Offsets (UTF-16 units of the run's text) where a highlight starts or ends.
    let mut cuts = vec![0, run.text.encode_utf16().count() as u32];
    if run.exact {
        for h in highlights {
            for at in [h.range.start, h.range.end] {
                if start < at && at < end {
                    cuts.push(at - start);
                }
            }
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    if run.code {
        out.push_str("<code>");
    }
    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let (src_a, src_b) = if run.exact {
            (start + a, start + b)
        } else {
            (start, end)
        };
        let covering: Vec<&Highlight> = highlights
            .iter()
            .filter(|h| h.range.start < h.range.end)
            .filter(|h| {
                if run.exact {
                    h.range.start <= src_a && src_b <= h.range.end
                } else {
                    h.range.start < end && start < h.range.end
                }
            })
            .collect();
        for h in &covering {
            out.push_str("<mark class=\"");
            escape(h.class, true, out);
            let _ = write!(out, "\" {HIGHLIGHT_ATTR}=\"");
            escape(h.id, true, out);
            out.push_str("\">");
        }
        let _ = write!(out, "<span {SOURCE_ATTR}=\"{src_a}-{src_b}\"");
        if !run.exact {
            let _ = write!(out, " {LOOSE_ATTR}=\"\"");
        }
        out.push('>');
        escape(
            &run.text[byte_of(&run.text, a)..byte_of(&run.text, b)],
            false,
            out,
        );
        out.push_str("</span>");
        for _ in &covering {
            out.push_str("</mark>");
        }
    }
    if run.code {
        out.push_str("</code>");
    }
}

/// `markdown` rendered for reading: the sanitised HTML of
/// [`crate::markdown::to_safe_html`] with every piece of text in a
/// `data-src` span and `highlights` drawn as `<mark>`s. Nothing an author
/// types becomes markup; classes and ids are escaped too.
pub fn to_reading_html(markdown: &str, highlights: &[Highlight]) -> String {
    let events = pieces(markdown).into_iter().map(|piece| match piece {
        Piece::Event(event) => event,
        Piece::Run(run) => {
            let mut html = String::with_capacity(run.text.len() + 32);
            run_html(&run, highlights, &mut html);
            Event::InlineHtml(CowStr::from(html))
        }
    });
    let mut html = String::with_capacity(markdown.len() * 2);
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

#[cfg(test)]
mod tests;
