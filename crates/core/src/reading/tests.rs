//! The reading view's mapping, tested as a reader uses it: render, select
//! words in what is shown, get the Markdown words back.

use super::*;
use crate::markdown::to_safe_html;

/// A `data-src` piece of the rendered HTML, as the browser sees it.
#[derive(Debug)]
struct Shown {
    src: String,
    loose: bool,
    text: String,
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Every `<span data-src=…>` of `html`, in document order.
fn shown(html: &str) -> Vec<Shown> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find("<span data-src=\"") {
        rest = &rest[at + "<span data-src=\"".len()..];
        let quote = rest.find('"').expect("closing quote");
        let src = rest[..quote].to_owned();
        let open_end = rest.find('>').expect("end of the tag");
        let loose = rest[..open_end].contains(LOOSE_ATTR);
        rest = &rest[open_end + 1..];
        let close = rest.find("</span>").expect("closing tag");
        out.push(Shown {
            src,
            loose,
            text: unescape(&rest[..close]),
        });
        rest = &rest[close..];
    }
    out
}

fn units(s: &str) -> u32 {
    s.encode_utf16().count() as u32
}

fn utf16_slice(s: &str, range: Range<u32>) -> String {
    let u: Vec<u16> = s.encode_utf16().collect();
    String::from_utf16(&u[range.start as usize..range.end as usize]).expect("whole characters")
}

/// The point `offset` units into piece `piece` of `pieces`.
fn point(pieces: &[Shown], piece: usize, offset: u32) -> Point {
    let p = &pieces[piece];
    Point::from_attrs(&p.src, p.loose, units(&p.text), offset).expect("a valid data-src")
}

/// Selects `words` in the rendered text (the pieces' texts read in order,
/// as the reader sees them) and returns the Markdown words anchored.
fn select(markdown: &str, words: &str) -> Option<String> {
    let pieces = shown(&to_reading_html(markdown, &[]));
    let rendered: String = pieces.iter().map(|p| p.text.as_str()).collect();
    let byte = rendered
        .find(words)
        .unwrap_or_else(|| panic!("{words:?} not shown in {rendered:?}"));
    let (from, to) = (
        units(&rendered[..byte]),
        units(&rendered[..byte]) + units(words),
    );
    // Which piece holds each end (the start in the piece it begins, the end
    // in the piece it closes), as a DOM selection does.
    let mut at = 0;
    let (mut start, mut end) = (None, None);
    for (i, p) in pieces.iter().enumerate() {
        let len = units(&p.text);
        if start.is_none() && from < at + len {
            start = Some(point(&pieces, i, from - at));
        }
        if end.is_none() && to <= at + len && to > at {
            end = Some(point(&pieces, i, to - at));
        }
        at += len;
    }
    let range = source_range(markdown, start?, end?)?;
    Some(utf16_slice(markdown, range))
}

#[test]
fn japanese_and_emoji_words_map_to_themselves() {
    let md = "# 障害の概要 😀\n\nデータベースが停止しました。👍🏽 復旧まで 42 分 🔥。";
    for words in ["障害の概要", "😀", "停止しました。👍🏽", "👍🏽 復旧", "🔥"]
    {
        assert_eq!(select(md, words).as_deref(), Some(words), "{words}");
    }
}

#[test]
fn inline_formatting_is_kept_in_the_markdown_words() {
    let md = "データベースが **停止** しました。The *primary* `db-1` ~~failed~~ [over](https://example.com).";
    // Inside one element: the words alone.
    assert_eq!(select(md, "停止").as_deref(), Some("停止"));
    assert_eq!(select(md, "primary").as_deref(), Some("primary"));
    assert_eq!(select(md, "db-1").as_deref(), Some("db-1"));
    assert_eq!(select(md, "ove").as_deref(), Some("ove"));
    // Across elements: their markup comes along, balanced.
    assert_eq!(select(md, "が 停止 し").as_deref(), Some("が **停止** し"));
    assert_eq!(
        select(md, "停止 しました").as_deref(),
        Some("**停止** しました")
    );
    assert_eq!(
        select(md, "The primary db-1").as_deref(),
        Some("The *primary* `db-1`")
    );
    assert_eq!(
        select(md, "failed over").as_deref(),
        Some("~~failed~~ [over](https://example.com)")
    );
    // Part of an element and text outside it: only what was selected.
    assert_eq!(select(md, "が 停").as_deref(), Some("が **停"));
}

#[test]
fn nested_elements_are_balanced_from_the_inside_out() {
    let md = "障害は **主系の *自動* 切り替え** で復旧した";
    assert_eq!(select(md, "自動").as_deref(), Some("自動"));
    assert_eq!(select(md, "の 自動 切").as_deref(), Some("の *自動* 切"));
    assert_eq!(
        select(md, "障害は 主系の 自動 切り替え").as_deref(),
        Some("障害は **主系の *自動* 切り替え**")
    );
}

#[test]
fn words_in_a_table_cell_map_into_that_cell() {
    let md =
        "| 時刻 | 出来事 |\n| --- | --- |\n| 10:00 | 障害発生 🔥 |\n| 10:42 | 切り戻し完了 |\n";
    assert_eq!(select(md, "障害発生").as_deref(), Some("障害発生"));
    let got = source_range(
        md,
        point(&shown(&to_reading_html(md, &[])), 3, 0),
        point(&shown(&to_reading_html(md, &[])), 3, 4),
    );
    let expected = units(&md[..md.find("障害発生").unwrap()]);
    assert_eq!(got, Some(expected..expected + 4));
    // From one cell into the next row: the Markdown between them comes along.
    assert_eq!(select(md, "🔥10:42").as_deref(), Some("🔥 |\n| 10:42"));
}

#[test]
fn words_in_code_blocks_map_line_by_line() {
    let fenced = "```sql\nSELECT * FROM 注文\nWHERE 状態 = 'ok';\n```\n";
    assert_eq!(select(fenced, "FROM 注文").as_deref(), Some("FROM 注文"));
    assert_eq!(
        select(fenced, "状態 = 'ok'").as_deref(),
        Some("状態 = 'ok'")
    );
    assert_eq!(
        select(fenced, "注文\nWHERE").as_deref(),
        Some("注文\nWHERE")
    );
    let indented = "Before:\n\n    let 値 = 1;\n    let b = 2;\n";
    assert_eq!(select(indented, "値 = 1").as_deref(), Some("値 = 1"));
    assert_eq!(select(indented, "let b").as_deref(), Some("let b"));
}

#[test]
fn words_in_list_items_map_into_the_item() {
    let md =
        "- 一つ目の項目\n- 二つ目の **重要な** 項目\n  1. 入れ子 nested\n- [x] 完了したタスク\n";
    assert_eq!(select(md, "一つ目の項目").as_deref(), Some("一つ目の項目"));
    assert_eq!(select(md, "重要な").as_deref(), Some("重要な"));
    assert_eq!(
        select(md, "二つ目の 重要な 項目").as_deref(),
        Some("二つ目の **重要な** 項目")
    );
    assert_eq!(select(md, "入れ子").as_deref(), Some("入れ子"));
    assert_eq!(
        select(md, "完了したタスク").as_deref(),
        Some("完了したタスク")
    );
    // From the end of one item into the next: the marker comes along.
    assert_eq!(select(md, "項目二つ目").as_deref(), Some("項目\n- 二つ目"));
}

#[test]
fn rewritten_text_widens_to_its_whole_source() {
    let md = "a \\*literal\\* star &amp; more &#x1F525;";
    let pieces = shown(&to_reading_html(md, &[]));
    assert!(pieces.iter().any(|p| p.loose), "{pieces:?}");
    assert_eq!(
        select(md, "star & more").as_deref(),
        Some("star &amp; more")
    );
    assert_eq!(select(md, "&").as_deref(), Some("&amp;"));
    assert_eq!(select(md, "🔥").as_deref(), Some("&#x1F525;"));
    assert_eq!(select(md, "*literal*").as_deref(), Some("\\*literal\\*"));
}

#[test]
fn surrounding_whitespace_is_left_out_and_blank_selections_give_nothing() {
    let md = "one  two\n\nthree";
    let pieces = shown(&to_reading_html(md, &[]));
    // " two" with the spaces before it.
    let start = point(&pieces, 0, 3);
    let end = point(&pieces, 0, 8);
    assert_eq!(source_range(md, start, end), Some(5..8));
    let blank = point(&pieces, 0, 3);
    let blank_end = point(&pieces, 0, 5);
    assert_eq!(source_range(md, blank, blank_end), None);
    // Ends in the wrong order are put right.
    assert_eq!(source_range(md, end, start), Some(5..8));
}

#[test]
fn a_selection_never_splits_a_surrogate_pair() {
    let md = "x😀y";
    let p = Point::from_attrs("0-4", false, 4, 2).unwrap();
    let q = Point::from_attrs("0-4", false, 4, 3).unwrap();
    assert_eq!(source_range(md, p, q), Some(1..3));
    assert_eq!(Point::from_attrs("4-1", false, 0, 0), None);
    assert_eq!(Point::from_attrs("x-1", false, 0, 0), None);
    // Offsets past a piece are clamped to it.
    let far = Point::from_attrs("0-4", false, 4, 99).unwrap();
    assert_eq!(far.offset, 4);
}

#[test]
fn the_reading_view_shows_what_the_preview_shows() {
    let corpus = [
        "# 障害の概要 😀\n\nデータベースが **停止** しました。👍🏽",
        "| 時刻 | 出来事 |\n| --- | --- |\n| 10:00 | 障害発生 🔥 |\n",
        "```rust\nlet a = \"<b>\";\n```\n\n- [x] done\n- [ ] 未完了\n\n~~old~~",
        "<script>alert(1)</script>\n\nhello <img src=x onerror=alert(1)> \"quoted\" & 'single'",
        "[x](javascript:alert(1)) ![alt *text*](/img.png \"t\") `code` a \\*b\\* &amp;",
        "> quote\n>\n> 引用\n\n1. one\n2. two\n\n    indented code\n",
    ];
    for md in corpus {
        let reading = to_reading_html(md, &[]);
        let mut stripped = reading.clone();
        while let Some(at) = stripped.find("<span data-src=") {
            let end = at + stripped[at..].find('>').unwrap() + 1;
            stripped.replace_range(at..end, "");
        }
        let stripped = stripped.replace("</span>", "");
        assert_eq!(stripped, to_safe_html(md), "{md}");
    }
}

#[test]
fn highlights_mark_their_words_and_only_them() {
    let md = "データベースが **停止** しました。";
    let start = units("データベースが **");
    let highlights = [Highlight {
        range: start..start + 2,
        class: "mark-question",
        id: "c1",
    }];
    let html = to_reading_html(md, &highlights);
    let mark = format!(
        "<mark class=\"mark-question\" data-highlight=\"c1\"><span data-src=\"{start}-{}\">停止</span></mark>",
        start + 2
    );
    assert!(html.contains(&mark), "{html}");
    assert_eq!(html.matches("<mark").count(), 1, "{html}");

    // A highlight across formatting marks every piece it covers, split
    // where it starts and ends.
    let across = units("データベース")..units("データベースが **停止** し");
    let html = to_reading_html(
        md,
        &[Highlight {
            range: across,
            class: "mark-suggestion",
            id: "c2",
        }],
    );
    let all: String = shown(&html).iter().map(|p| p.text.as_str()).collect();
    assert_eq!(all, "データベースが 停止 しました。");
    let inside: Vec<&str> = html
        .split("data-highlight=\"c2\">")
        .skip(1)
        .map(|rest| {
            let text = &rest[rest.find('>').unwrap() + 1..];
            &text[..text.find("</span>").unwrap()]
        })
        .collect();
    assert_eq!(inside.concat(), "が 停止 し");
}

#[test]
fn overlapping_highlights_nest_and_classes_and_ids_are_escaped() {
    let md = "one two three";
    let html = to_reading_html(
        md,
        &[
            Highlight {
                range: 0..7,
                class: "mark-question",
                id: "a\"><script>",
            },
            Highlight {
                range: 4..13,
                class: "x\" onclick=\"y",
                id: "b",
            },
        ],
    );
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("\" onclick"), "{html}");
    // "two" is under both.
    assert!(
        html.contains("data-highlight=\"b\"><span data-src=\"4-7\">two</span></mark></mark>"),
        "{html}"
    );
}

#[test]
fn author_markup_stays_text_in_the_reading_view() {
    let html = to_reading_html(
        "<script>alert(1)</script>\n\nhi <img src=x onerror=alert(1)> [x](javascript:alert(1))",
        &[],
    );
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("href"), "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");
}
