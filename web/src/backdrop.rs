//! What is drawn behind a section's text: other people's carets and
//! selections, and comment highlights.
//!
//! A `<textarea>` cannot style parts of its text, so each section editor has
//! a *backdrop*: an element under the (transparent) textarea with the same
//! font, padding and wrapping, holding the same text split into runs. Runs
//! inside a highlight become `<mark>`s, runs inside someone's selection get
//! their colour, and a caret is a zero-width element with the person's name.
//! The text itself is transparent, so only the decorations show. Everything
//! is built with text nodes and attributes: user text never becomes HTML.
//!
//! [`runs`] is the pure part (tested natively); [`draw`] puts runs into the
//! DOM.

/// A comment highlight over `start..end` (UTF-16 units of the section).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub section: String,
    pub start: u32,
    pub end: u32,
    /// CSS class, e.g. `mark-question`, `mark-suggestion`, `mark-spotlight`.
    pub class: &'static str,
    pub comment_id: String,
}

/// Someone else's caret (`head`) and selection (`anchor..head`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteCursor {
    pub anchor: u32,
    pub head: u32,
    pub name: String,
    /// Always a valid `#rrggbb` (checked by [`crate::presence`]).
    pub color: String,
}

/// One stretch of text with the same decorations.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Run {
    pub start: u32,
    pub end: u32,
    /// Indexes into the marks covering the whole run.
    pub marks: Vec<usize>,
    /// Index of the (last) remote selection covering the run.
    pub selection: Option<usize>,
    /// Carets (indexes into the cursors) that stand right before this run.
    pub carets_before: Vec<usize>,
}

/// Splits `len` units of text into runs at every decoration boundary.
/// Offsets past the end are clipped; an empty mark covers nothing. Carets at
/// the very end come in a final empty run.
pub fn runs(len: u32, marks: &[Mark], cursors: &[RemoteCursor]) -> Vec<Run> {
    let clip = |x: u32| x.min(len);
    let mut cuts: Vec<u32> = vec![0, len];
    for m in marks {
        cuts.extend([clip(m.start), clip(m.end)]);
    }
    for c in cursors {
        cuts.extend([clip(c.anchor), clip(c.head)]);
    }
    cuts.sort_unstable();
    cuts.dedup();
    let carets_at = |at: u32| -> Vec<usize> {
        cursors
            .iter()
            .enumerate()
            .filter(|(_, c)| clip(c.head) == at)
            .map(|(i, _)| i)
            .collect()
    };
    let mut out: Vec<Run> = cuts
        .windows(2)
        .map(|w| {
            let (start, end) = (w[0], w[1]);
            let covers = |a: u32, b: u32| {
                let (a, b) = (clip(a.min(b)), clip(a.max(b)));
                a <= start && end <= b && a < b
            };
            Run {
                start,
                end,
                marks: marks
                    .iter()
                    .enumerate()
                    .filter(|(_, m)| covers(m.start, m.end))
                    .map(|(i, _)| i)
                    .collect(),
                selection: cursors
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| covers(c.anchor, c.head))
                    .map(|(i, _)| i)
                    .next_back(),
                carets_before: carets_at(start),
            }
        })
        .collect();
    let at_end = carets_at(len);
    if !at_end.is_empty() && (len > 0 || out.is_empty()) {
        out.push(Run {
            start: len,
            end: len,
            carets_before: at_end,
            ..Run::default()
        });
    }
    out
}

/// Replaces `backdrop`'s children with `text` (the textarea's value, as
/// UTF-16 units) decorated by `marks` and `cursors`.
pub fn draw(backdrop: &web_sys::Element, text: &[u16], marks: &[Mark], cursors: &[RemoteCursor]) {
    let Some(document) = backdrop.owner_document() else {
        return;
    };
    backdrop.set_text_content(None);
    let slice = |a: u32, b: u32| String::from_utf16_lossy(&text[a as usize..b as usize]);
    for run in runs(text.len() as u32, marks, cursors) {
        for &i in &run.carets_before {
            if let Some(caret) = caret(&document, &cursors[i]) {
                let _ = backdrop.append_child(&caret);
            }
        }
        if run.start == run.end {
            continue;
        }
        let words = document.create_text_node(&slice(run.start, run.end));
        if run.marks.is_empty() && run.selection.is_none() {
            let _ = backdrop.append_child(&words);
            continue;
        }
        let tag = if run.marks.is_empty() { "span" } else { "mark" };
        let Ok(el) = document.create_element(tag) else {
            continue;
        };
        let mut classes: Vec<&str> = run.marks.iter().map(|&i| marks[i].class).collect();
        if let Some(first) = run.marks.first() {
            let _ = el.set_attribute("data-comment", &marks[*first].comment_id);
        }
        if let Some(i) = run.selection {
            classes.push("remote-selection");
            // `#rrggbb` + alpha: a translucent version of their colour.
            let _ = el.set_attribute("style", &format!("--who:{}40", cursors[i].color));
        }
        let _ = el.set_attribute("class", &classes.join(" "));
        let _ = el.append_child(&words);
        let _ = backdrop.append_child(&el);
    }
    // A trailing newline needs a character after it to take up its line.
    if text.last() == Some(&u16::from(b'\n')) {
        let _ = backdrop.append_child(&document.create_text_node("\u{200b}"));
    }
}

fn caret(document: &web_sys::Document, cursor: &RemoteCursor) -> Option<web_sys::Element> {
    let caret = document.create_element("span").ok()?;
    caret.set_attribute("class", "remote-caret").ok()?;
    caret
        .set_attribute("style", &format!("--who:{}", cursor.color))
        .ok()?;
    let label = document.create_element("span").ok()?;
    label.set_attribute("class", "caret-label").ok()?;
    label.set_text_content(Some(&cursor.name));
    caret.append_child(&label).ok()?;
    Some(caret)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(start: u32, end: u32) -> Mark {
        Mark {
            section: "summary".into(),
            start,
            end,
            class: "mark-question",
            comment_id: "c1".into(),
        }
    }

    fn cursor(anchor: u32, head: u32) -> RemoteCursor {
        RemoteCursor {
            anchor,
            head,
            name: "Ben".into(),
            color: "#1971c2".into(),
        }
    }

    fn spans(runs: &[Run]) -> Vec<(u32, u32)> {
        runs.iter().map(|r| (r.start, r.end)).collect()
    }

    #[test]
    fn plain_text_is_one_run() {
        let r = runs(10, &[], &[]);
        assert_eq!(spans(&r), [(0, 10)]);
        assert!(r[0].marks.is_empty() && r[0].selection.is_none());
    }

    #[test]
    fn a_mark_splits_the_text_in_three() {
        let r = runs(10, &[mark(2, 5)], &[]);
        assert_eq!(spans(&r), [(0, 2), (2, 5), (5, 10)]);
        assert_eq!(r[1].marks, [0]);
        assert!(r[0].marks.is_empty() && r[2].marks.is_empty());
    }

    #[test]
    fn overlapping_marks_and_a_backward_selection() {
        let r = runs(10, &[mark(1, 6), mark(4, 8)], &[cursor(7, 3)]);
        assert_eq!(
            spans(&r),
            [(0, 1), (1, 3), (3, 4), (4, 6), (6, 7), (7, 8), (8, 10)]
        );
        assert_eq!(r[3].marks, [0, 1]);
        assert_eq!(r[2].selection, Some(0));
        assert_eq!(r[5].selection, None);
        // The caret is at the head (3), before the run starting there.
        assert_eq!(r[2].carets_before, [0]);
    }

    #[test]
    fn carets_at_the_end_and_in_empty_text_get_their_own_run() {
        let r = runs(4, &[], &[cursor(4, 4)]);
        assert_eq!(spans(&r), [(0, 4), (4, 4)]);
        assert_eq!(r[1].carets_before, [0]);
        let r = runs(0, &[], &[cursor(0, 0)]);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].carets_before, [0]);
    }

    #[test]
    fn offsets_past_the_end_are_clipped_and_empty_marks_cover_nothing() {
        let r = runs(5, &[mark(3, 99), mark(2, 2)], &[cursor(50, 60)]);
        assert_eq!(spans(&r), [(0, 2), (2, 3), (3, 5), (5, 5)]);
        assert_eq!(r[2].marks, [0]);
        assert!(r[1].marks.is_empty());
        assert_eq!(r[3].carets_before, [0]);
    }
}
