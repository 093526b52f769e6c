//! The smallest single change that turns the textarea's previous value into
//! its new one, in UTF-16 code units (the unit of textarea offsets and of the
//! shared `body` text).

/// Replace `delete` code units at `index` with `insert`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Splice {
    pub index: u32,
    pub delete: u32,
    pub insert: String,
}

fn is_high_surrogate(unit: u16) -> bool {
    (0xD800..=0xDBFF).contains(&unit)
}

fn is_low_surrogate(unit: u16) -> bool {
    (0xDC00..=0xDFFF).contains(&unit)
}

/// The common-prefix/common-suffix difference of `old` and `new`, or `None`
/// when they are equal. Never cuts a surrogate pair in half.
pub fn splice(old: &[u16], new: &[u16]) -> Option<Splice> {
    splice_at(old, new, None)
}

/// Like [`splice`], but the change is placed at `caret`, the collapsed caret
/// after the edit (in units of `new`), when the text alone cannot tell where
/// it was. Deleting the line `- Restarted the DB` above `- Restored traffic`
/// leaves the same text as deleting `tarted the DB⏎- Res`; only the caret
/// says which characters went, and the characters decide which comments
/// lose their words.
pub fn splice_at(old: &[u16], new: &[u16], caret: Option<u32>) -> Option<Splice> {
    if old == new {
        return None;
    }
    let mut prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let caret = caret.map(|c| (c as usize).min(new.len()));
    if let Some(caret) = caret {
        prefix = prefix.min(caret);
    }
    if prefix > 0 && is_high_surrogate(old[prefix - 1]) {
        prefix -= 1;
    }
    let mut room = old.len().min(new.len()) - prefix;
    if let Some(caret) = caret {
        room = room.min(new.len() - caret.max(prefix));
    }
    let mut suffix = old
        .iter()
        .rev()
        .zip(new.iter().rev())
        .take(room)
        .take_while(|(a, b)| a == b)
        .count();
    if suffix > 0 && is_low_surrogate(old[old.len() - suffix]) {
        suffix -= 1;
    }
    let inserted = &new[prefix..new.len() - suffix];
    Some(Splice {
        index: prefix as u32,
        delete: (old.len() - suffix - prefix) as u32,
        insert: String::from_utf16_lossy(inserted),
    })
}

/// A range of UTF-16 units, `start <= end` expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub start: u32,
    pub end: u32,
}

/// Moves a splice made against an old text onto the current one, when the
/// text changed under an IME composition. `then` is the selection the
/// composition started from (offsets of the old text) and `now` where the
/// same characters are in the current text (through sticky indices); `len`
/// is the current text's length. Offsets up to the composition's start shift
/// with its start, offsets from its end on shift with its end (so a
/// replaced selection is replaced whole, with whatever was typed into it
/// meanwhile), offsets inside stay inside; nothing lands past `len`.
pub fn remap(splice: &Splice, then: Range, now: Range, len: u32) -> Splice {
    let (a, b) = (now.start, now.end.max(now.start));
    let map = |x: u32| {
        if x <= then.start {
            a.saturating_sub(then.start - x)
        } else if x >= then.end {
            b + (x - then.end)
        } else {
            (a + (x - then.start)).min(b)
        }
        .min(len)
    };
    let from = map(splice.index);
    let to = map(splice.index + splice.delete).max(from);
    Splice {
        index: from,
        delete: to - from,
        insert: splice.insert.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(s: &str) -> Vec<u16> {
        s.encode_utf16().collect()
    }

    fn apply(old: &str, s: &Splice) -> String {
        let u = units(old);
        let (i, d) = (s.index as usize, s.delete as usize);
        let mut out = String::from_utf16(&u[..i]).unwrap();
        out.push_str(&s.insert);
        out.push_str(&String::from_utf16(&u[i + d..]).unwrap());
        out
    }

    fn check(old: &str, new: &str) -> Splice {
        let s = splice(&units(old), &units(new)).expect("a change");
        assert_eq!(apply(old, &s), new);
        s
    }

    #[test]
    fn typing_a_letter_inserts_one_unit() {
        let s = check("impact", "impacts");
        assert_eq!((s.index, s.delete, s.insert.as_str()), (6, 0, "s"));
    }

    #[test]
    fn a_repeated_letter_is_inserted_where_the_prefix_ends() {
        let s = check("aa", "aaa");
        assert_eq!((s.index, s.delete), (2, 0));
    }

    #[test]
    fn replacing_a_selection_deletes_and_inserts() {
        let s = check("root cause: dns", "root cause: certificate");
        assert_eq!(
            (s.index, s.delete, s.insert.as_str()),
            (12, 3, "certificate")
        );
    }

    fn check_at(old: &str, new: &str, caret: u32) -> Splice {
        let s = splice_at(&units(old), &units(new), Some(caret)).expect("a change");
        assert_eq!(apply(old, &s), new);
        s
    }

    #[test]
    fn a_deleted_line_is_the_line_the_caret_says() {
        let old = "- Restarted the DB\n- Restored traffic\n";
        let new = "- Restored traffic\n";
        // The text alone slides the deletion into the next line.
        let s = check(old, new);
        assert_eq!(s.index, 6, "after \"- Rest\"");
        // The caret sits where the line was.
        let s = check_at(old, new, 0);
        assert_eq!((s.index, s.delete, s.insert.as_str()), (0, 19, ""));
        // Backspace at the end of the first line deletes it with its newline
        // before: the caret is at the end of the line above.
        let old = "障害\n- Restarted\n- Restored\n";
        let s = check_at(old, "障害\n- Restored\n", 2);
        assert_eq!((s.index, s.delete), (2, 12));
        let s = check_at(old, "障害- Restarted\n- Restored\n", 2);
        assert_eq!((s.index, s.delete), (2, 1));
    }

    #[test]
    fn typing_with_the_caret_still_inserts_what_was_typed() {
        let s = check_at("aa", "aaa", 3);
        assert_eq!((s.index, s.delete), (2, 0));
        let s = check_at("aa", "aaa", 1);
        assert_eq!((s.index, s.delete, s.insert.as_str()), (1, 0, "a"));
        let s = check_at("root cause: dns", "root cause: certificate", 23);
        assert_eq!(
            (s.index, s.delete, s.insert.as_str()),
            (12, 3, "certificate")
        );
        // A caret past the end (a stale one) is only a hint.
        check_at("abc", "ab", 99);
        check_at("x😀", "x🙀", 1);
    }

    #[test]
    fn a_surrogate_pair_is_never_split() {
        // 😀 is D83D DE00 and 😁 is D83D DE01: they share the high surrogate.
        let s = check("a😀b", "a😁b");
        assert_eq!((s.index, s.delete, s.insert.as_str()), (1, 2, "😁"));
        // 🚀 (D83D DE80) and ☀ vs 😀: common low surrogates at the end.
        check("x😀", "x🙀");
        check("障害😀", "障害");
        check("", "😀");
    }

    /// The composition's splice against the textarea's old value, moved onto
    /// the text as it is now, applied: what the document ends with.
    fn compose(
        old: &str,
        selection: (u32, u32),
        typed: &str,
        now: &str,
        now_range: (u32, u32),
    ) -> String {
        let u = units(old);
        let (s, e) = (selection.0 as usize, selection.1 as usize);
        let composed = format!(
            "{}{typed}{}",
            String::from_utf16(&u[..s]).unwrap(),
            String::from_utf16(&u[e..]).unwrap()
        );
        let splice = splice(&u, &units(&composed)).unwrap();
        let then = Range {
            start: selection.0,
            end: selection.1,
        };
        let now_r = Range {
            start: now_range.0,
            end: now_range.1,
        };
        let moved = remap(&splice, then, now_r, units(now).len() as u32);
        apply(now, &moved)
    }

    #[test]
    fn a_composition_lands_after_text_inserted_before_it() {
        // Caret after "原因: " (4 units); someone inserted "【確認中】" (5) at 0.
        let out = compose("原因: ", (4, 4), "障害", "【確認中】原因: ", (9, 9));
        assert_eq!(out, "【確認中】原因: 障害");
    }

    #[test]
    fn a_composition_is_unmoved_by_text_added_after_it() {
        let out = compose("ab", (1, 1), "漢字", "ab and more 😀", (1, 1));
        assert_eq!(out, "a漢字b and more 😀");
    }

    #[test]
    fn a_composition_replacing_a_selection_replaces_what_is_left_of_it() {
        // "cd" was selected; someone typed "X" inside it meanwhile.
        let out = compose("abcdef", (2, 4), "変換", "abcXdef", (2, 5));
        assert_eq!(out, "ab変換ef");
        // The selection was deleted remotely: the committed text goes where it was.
        let out = compose("abcdef", (2, 4), "変換", "abef", (2, 2));
        assert_eq!(out, "ab変換ef");
    }

    #[test]
    fn a_composition_never_lands_past_the_end_or_splits_an_emoji() {
        // Someone deleted everything after the caret and more.
        let out = compose("😀abc", (5, 5), "終", "😀", (2, 2));
        assert_eq!(out, "😀終");
        assert!(!has_lone_surrogate(&units(&out)));
    }

    fn has_lone_surrogate(u: &[u16]) -> bool {
        String::from_utf16(u).is_err()
    }

    #[test]
    fn equal_texts_need_no_change() {
        assert_eq!(splice(&units("同じ"), &units("同じ")), None);
    }
}
