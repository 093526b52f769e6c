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
//!   *Services* are the names the System overview's `Middleware:` /
//!   `ミドルウェア:` part lists as used (Latin words such as `MySQL`, `EC2`,
//!   `Node.js` and katakana words, minus filler words like "on", "for"); a
//!   name the part mentions only as an alternative it did not take ("RDS
//!   was considered", "instead of Aurora", 「RDSではなく」) is not one
//!   ([`used_services`]). *Tags* are what
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

const FILLER: [&str; 43] = [
    "a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to",
    "with", "we", "our", "use", "uses", "used", "via", "its", "it", "is", "are", "was", "were",
    "be", "but", "chose", "chosen", "picked", "run", "runs", "running", "because", "since", "so",
    "both", "behind", "under", "over",
];

/// Words that make a clause about alternatives not taken: the whole clause
/// names no service of the case.
const NOT_TAKEN: [&str; 20] = [
    "considered",
    "consider",
    "rejected",
    "ruled out",
    "not chosen",
    "not used",
    "alternative",
    "evaluated",
    "dropped",
    "declined",
    "検討",
    "見送",
    "不採用",
    "採用しなかった",
    "採用せず",
    "採用しない",
    "候補",
    "比較",
    "選ばなかった",
    "代替",
];

/// Markers after which a clause names what was not taken ("X instead of Y").
const NOT_TAKEN_AFTER: [&str; 3] = ["instead of", "rather than", "in place of"];
/// Markers before which a clause names what was not taken (「YではなくX」).
const NOT_TAKEN_BEFORE: [&str; 3] = ["ではなく", "の代わりに", "じゃなく"];

/// The parts of a Middleware text that name what is used: split into
/// clauses (lines, sentences, parentheses, "but"), a clause about
/// alternatives dropped, "X instead of Y" cut to X and 「YではなくX」 to X.
fn used_clauses(text: &str) -> Vec<String> {
    let mut clauses = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let sentence_end = c == '.' && chars.get(i + 1).is_none_or(|n| n.is_whitespace());
        if sentence_end
            || matches!(
                c,
                '\n' | '。' | ';' | '；' | '(' | ')' | '（' | '）' | '、' | ','
            )
        {
            clauses.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    clauses.push(current);
    let clauses = clauses
        .into_iter()
        .flat_map(|c| {
            c.split(" but ")
                .flat_map(|p| p.split("しかし"))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter_map(|clause| {
            let lower = clause.to_lowercase();
            if NOT_TAKEN.iter().any(|w| lower.contains(w)) {
                return None;
            }
            let mut kept = clause.as_str();
            for marker in NOT_TAKEN_AFTER {
                if let Some(at) = kept.to_lowercase().find(marker) {
                    kept = kept.get(..at).unwrap_or(kept);
                }
            }
            for marker in NOT_TAKEN_BEFORE {
                if let Some(at) = kept.find(marker) {
                    kept = &kept[at + marker.len()..];
                }
            }
            Some(kept.to_owned())
        });
    clauses.collect()
}

/// The services a Middleware part lists as used (see [`used_clauses`]).
pub fn used_services(text: &str) -> Vec<String> {
    let mut services = Vec::new();
    for clause in used_clauses(text) {
        for name in services_in(&clause) {
            push_unique(&mut services, &name);
        }
    }
    services
}

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
        .map(|m| used_services(&m))
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

    #[test]
    fn alternatives_not_taken_are_not_services_of_the_case() {
        let cases: [(&str, &[&str]); 7] = [
            (
                "MySQL 8 on EC2, Redis. RDS and Aurora were considered and rejected.",
                &["MySQL", "EC2", "Redis"],
            ),
            ("MySQL 8 on EC2 instead of RDS or Aurora", &["MySQL", "EC2"]),
            (
                "We considered RDS and Aurora, but chose MySQL on EC2",
                &["MySQL", "EC2"],
            ),
            ("Node.js 20 behind Nginx 1.25.", &["Node.js", "Nginx"]),
            (
                "RDSではなくEC2上のMySQL 8、Redis（Auroraも検討したが不採用）",
                &["EC2", "MySQL", "Redis"],
            ),
            (
                "- Kafka\n- PostgreSQL 15\n- Not chosen: DynamoDB",
                &["Kafka", "PostgreSQL"],
            ),
            (
                "エラスティックサーチ。代替案: オープンサーチ",
                &["エラスティックサーチ"],
            ),
        ];
        for (text, want) in cases {
            assert_eq!(used_services(text), want, "{text}");
        }
    }
}
