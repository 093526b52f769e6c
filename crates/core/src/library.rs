//! What the library (the casebook of published cases) knows about a case,
//! and how its search splits text into terms.
//!
//! - [`tokens`]: the one tokenizer for indexing and for queries, so Japanese
//!   and English both search well without a dictionary: Latin letters and
//!   digits form words (lower-cased; full-width forms folded to ASCII), and
//!   every run of CJK characters (kanji, hiragana, katakana, hangul) becomes
//!   its overlapping character bigrams (`切り戻し` → `切り`, `り戻`, `戻し`;
//!   a single character stands alone). A query's run matches where its
//!   bigrams appear one after another, i.e. as a substring.
//! - [`case_meta`]: the services and tags the library filters by.
//!   *Services* are the names in the System overview's `Middleware:` /
//!   `ミドルウェア:` part (Latin words such as `MySQL`, `EC2`, `Node.js` and
//!   katakana words, minus filler words like "on", "for"). *Tags* are what
//!   the author writes on a `Tags:` / `タグ:` line in any section, separated
//!   by commas or `、`.

use crate::readiness::{system_parts, SectionText};

/// One term of a text, with its byte range in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    pub from: usize,
    pub to: usize,
}

/// Full-width ASCII (`Ｍｙ`) folded to ASCII.
fn fold(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        c => c,
    }
}

/// Kanji, hiragana, katakana (with the long-vowel mark) and hangul.
pub fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30FF}' // hiragana, katakana
        | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' // kanji
        | '\u{31F0}'..='\u{31FF}' | '\u{FF66}'..='\u{FF9F}' // katakana extensions, half-width
        | '\u{AC00}'..='\u{D7AF}' // hangul
        | '\u{20000}'..='\u{2FA1F}')
}

fn is_word(c: char) -> bool {
    let c = fold(c);
    c.is_alphanumeric() && !is_cjk(c)
}

/// The terms of `text`, in order (see the module docs).
pub fn tokens(text: &str) -> Vec<Token> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let end_of = |i: usize| chars.get(i).map_or(text.len(), |(at, _)| *at);
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        if is_cjk(c) {
            let start = i;
            while i < chars.len() && is_cjk(chars[i].1) {
                i += 1;
            }
            if i - start == 1 {
                out.push(Token {
                    text: c.to_string(),
                    from: chars[start].0,
                    to: end_of(i),
                });
            }
            for j in start..i.saturating_sub(1) {
                out.push(Token {
                    text: [chars[j].1, chars[j + 1].1].iter().collect(),
                    from: chars[j].0,
                    to: end_of(j + 2),
                });
            }
        } else if is_word(c) {
            let start = i;
            while i < chars.len() && is_word(chars[i].1) {
                i += 1;
            }
            let word: String = chars[start..i]
                .iter()
                .flat_map(|(_, c)| fold(*c).to_lowercase())
                .collect();
            out.push(Token {
                text: word,
                from: chars[start].0,
                to: end_of(i),
            });
        } else {
            i += 1;
        }
    }
    out
}

/// What the library filters a case by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseMeta {
    /// As first written (`MySQL`); compare lower-cased.
    pub services: Vec<String>,
    pub tags: Vec<String>,
}

const FILLER: [&str; 24] = [
    "a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to",
    "with", "we", "our", "use", "uses", "used", "via", "its", "it",
];

fn push_unique(list: &mut Vec<String>, item: &str) {
    let item = item.trim();
    if !item.is_empty() && !list.iter().any(|x| x.to_lowercase() == item.to_lowercase()) {
        list.push(item.to_owned());
    }
}

/// Service names in a Middleware part.
pub fn services_in(text: &str) -> Vec<String> {
    let mut services = Vec::new();
    let is_name_char = |c: char| {
        let c = fold(c);
        (c.is_alphanumeric() && !is_cjk(c)) || matches!(c, '.' | '-' | '+' | '#' | '_')
    };
    let is_katakana = |c: char| matches!(c, '\u{30A0}'..='\u{30FF}');
    let mut word = String::new();
    let mut kana = String::new();
    for c in text.chars().chain([' ']) {
        if is_name_char(c) {
            word.push(fold(c));
        } else if !word.is_empty() {
            let w = word.trim_matches(|c: char| matches!(c, '.' | '-' | '_'));
            let has_letter = w.chars().any(|c| c.is_alphabetic());
            if has_letter && w.chars().count() >= 2 && !FILLER.contains(&w.to_lowercase().as_str())
            {
                push_unique(&mut services, w);
            }
            word.clear();
        }
        if is_katakana(c) {
            kana.push(c);
        } else if !kana.is_empty() {
            if kana.chars().count() >= 2 {
                push_unique(&mut services, &kana);
            }
            kana.clear();
        }
    }
    services
}

/// Tags on the first `Tags:` / `タグ:` line.
pub fn tags_in(markdown: &str) -> Vec<String> {
    let mut tags = Vec::new();
    for line in markdown.lines() {
        let t = line
            .trim_start()
            .trim_start_matches(['-', '*', '+', ' ', '_'])
            .trim_start();
        let rest = ["tags", "tag", "タグ"].iter().find_map(|label| {
            let head = t.get(..label.len())?;
            head.eq_ignore_ascii_case(label).then(|| &t[label.len()..])
        });
        let Some(rest) = rest else { continue };
        let rest = rest.trim_start_matches(['*', '_']).trim_start();
        let Some(list) = rest.strip_prefix(':').or_else(|| rest.strip_prefix('：')) else {
            continue;
        };
        for tag in list.split([',', '、', '，']) {
            push_unique(
                &mut tags,
                tag.trim_matches(|c: char| c.is_whitespace() || matches!(c, '*' | '_' | '`' | '#')),
            );
        }
        if !tags.is_empty() {
            break;
        }
    }
    tags
}

/// The services and tags of a case (see the module docs).
pub fn case_meta(sections: &[SectionText]) -> CaseMeta {
    let services = sections
        .iter()
        .find(|s| s.section.id == "system")
        .and_then(|s| system_parts(&s.markdown)[2].clone())
        .map(|m| services_in(&m))
        .unwrap_or_default();
    let tags = sections
        .iter()
        .map(|s| tags_in(&s.markdown))
        .find(|t| !t.is_empty())
        .unwrap_or_default();
    CaseMeta { services, tags }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        tokens(s).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn latin_words_are_lower_cased_and_cjk_runs_become_bigrams() {
        assert_eq!(texts("MySQL on EC2"), ["mysql", "on", "ec2"]);
        assert_eq!(texts("切り戻し"), ["切り", "り戻", "戻し"]);
        assert_eq!(texts("DBの障害。鯖"), ["db", "の障", "障害", "鯖"]);
        assert_eq!(texts("ＭｙＳＱＬ障害😀"), ["mysql", "障害"]);
        let t = tokens("aé 障害");
        assert_eq!((t[0].from, t[0].to), (0, 3));
        assert_eq!((t[1].from, t[1].to), (4, 10));
        assert_eq!(texts("  "), Vec::<String>::new());
    }

    #[test]
    fn services_come_from_the_middleware_part_and_tags_from_a_tags_line() {
        assert_eq!(
            services_in("MySQL 8 on EC2, Redis for sessions; Node.js、エラスティックサーチ"),
            [
                "MySQL",
                "EC2",
                "Redis",
                "sessions",
                "Node.js",
                "エラスティックサーチ"
            ]
        );
        assert_eq!(
            tags_in("text\n**Tags:** database, failover、 DNS \n"),
            ["database", "failover", "DNS"]
        );
        assert_eq!(
            tags_in("タグ：決済、データベース"),
            ["決済", "データベース"]
        );
        assert_eq!(tags_in("Tagging: no"), Vec::<String>::new());
    }
}
