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
    if old == new {
        return None;
    }
    let mut prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    if prefix > 0 && is_high_surrogate(old[prefix - 1]) {
        prefix -= 1;
    }
    let room = old.len().min(new.len()) - prefix;
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

    #[test]
    fn equal_texts_need_no_change() {
        assert_eq!(splice(&units("同じ"), &units("同じ")), None);
    }
}
