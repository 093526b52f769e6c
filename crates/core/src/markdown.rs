//! Markdown to HTML that is safe to put into a page, by construction.
//!
//! One renderer for the browser's preview, the HTML export and the library:
//! [`to_safe_html`] parses CommonMark with pulldown-cmark (tables,
//! strikethrough and task lists on) and rewrites the event stream before the
//! HTML writer sees it, so nothing an author types can become markup or
//! script:
//!
//! - raw HTML, block or inline, is emitted as escaped text (`<script>` shows
//!   as the characters `<script>`);
//! - link URLs are kept only when they are relative, a fragment, or use
//!   `http`, `https` or `mailto` ([`is_safe_url`]); any other scheme
//!   (`javascript:`, `data:`, `vbscript:`, …) drops the link and keeps its
//!   text;
//! - an image is loaded only from this server (a path:
//!   [`crate::image::is_local_image_url`], such as an uploaded image's
//!   address), so a document never makes a reader's browser call another
//!   host; a remote `http(s)` image becomes a link with its alt text, any
//!   other image its alt text alone;
//! - a code block's language becomes a class of letters, digits, `-`, `_`
//!   and `+` only;
//! - a ```` ```mermaid ```` block becomes a figure whose image the server
//!   draws from its source ([`crate::diagram`]), the one piece of HTML
//!   made here rather than by the writer (its source is escaped into an
//!   attribute and base64url in its address).
//!
//! Text, titles and URLs are escaped by pulldown-cmark's writer.

use pulldown_cmark::{CodeBlockKind, CowStr, Event, Options, Parser, Tag, TagEnd};

/// The Markdown extensions every renderer in Casebook uses.
pub fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// Renders Markdown as HTML with no raw HTML, no script URL and no
/// attribute an author controls beyond escaped text.
pub fn to_safe_html(markdown: &str) -> String {
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, safe_events(Parser::new_ext(markdown, options())));
    html
}

/// Whether a link or image destination may be rendered: relative paths,
/// fragments, queries, and absolute `http`, `https` or `mailto` URLs.
///
/// Whitespace and control characters are removed before looking at the
/// scheme (browsers ignore them: `java\tscript:` is `javascript:`), and the
/// scheme is compared case-insensitively. Entities (`&#58;`) are already
/// decoded by the parser when this is called.
pub fn is_safe_url(url: &str) -> bool {
    let cleaned: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect();
    let scheme_end = cleaned.find([':', '/', '?', '#']);
    match scheme_end {
        Some(i) if cleaned[i..].starts_with(':') => {
            let scheme = cleaned[..i].to_ascii_lowercase();
            matches!(scheme.as_str(), "http" | "https" | "mailto")
        }
        _ => true,
    }
}

/// The class-safe form of a code block's language (`rust`, `c++`, `shell-session`).
fn safe_language(lang: &str) -> String {
    lang.split_whitespace()
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+'))
        .take(32)
        .collect()
}

/// Rewrites a parser's events so that the HTML writer emits nothing unsafe.
fn safe_events<'a>(events: impl Iterator<Item = Event<'a>>) -> impl Iterator<Item = Event<'a>> {
    let mut sanitizer = Sanitizer::default();
    events.filter_map(move |event| sanitizer.pass(event))
}

/// The rewriting of [`safe_events`], one event at a time (the reading view
/// in [`crate::reading`] sanitises events that carry their source range).
/// For each open link/image it remembers whether it was kept, so that its
/// end is kept too.
#[derive(Default)]
pub(crate) struct Sanitizer {
    links: Vec<bool>,
    images: Vec<ImageAs>,
    /// The source of the ```mermaid block being read, if in one.
    diagram: Option<String>,
}

/// What an image of the Markdown is written as.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ImageAs {
    /// An image from this server.
    Image,
    /// A remote image: a link to it, with the alt text as the link's text.
    Link,
    /// Its alt text alone.
    Text,
}

impl Sanitizer {
    /// The event to write instead of `event`, or `None` to drop it.
    pub(crate) fn pass<'a>(&mut self, event: Event<'a>) -> Option<Event<'a>> {
        if let Some(source) = &mut self.diagram {
            return match event {
                Event::Text(text) => {
                    source.push_str(&text);
                    None
                }
                Event::End(TagEnd::CodeBlock) => {
                    let source = self.diagram.take().unwrap_or_default();
                    Some(match crate::diagram::mermaid_figure(&source) {
                        Some(figure) => Event::Html(CowStr::from(figure)),
                        // Too long to draw: its source, as a code block.
                        None => Event::Html(CowStr::from(format!(
                            "<pre><code class=\"language-mermaid\">{}</code></pre>\n",
                            crate::export::escape_html(&source)
                        ))),
                    })
                }
                _ => None,
            };
        }
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(lang)))
                if crate::diagram::is_mermaid(&safe_language(&lang)) =>
            {
                self.diagram = Some(String::new());
                None
            }
            Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
            Event::Start(Tag::HtmlBlock) => Some(Event::Start(Tag::Paragraph)),
            Event::End(TagEnd::HtmlBlock) => Some(Event::End(TagEnd::Paragraph)),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let keep = is_safe_url(&dest_url);
                self.links.push(keep);
                keep.then_some(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }))
            }
            Event::End(TagEnd::Link) => self
                .links
                .pop()
                .unwrap_or(false)
                .then_some(Event::End(TagEnd::Link)),
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let image_as = if crate::image::is_local_image_url(&dest_url) {
                    ImageAs::Image
                } else if is_safe_url(&dest_url) {
                    ImageAs::Link
                } else {
                    ImageAs::Text
                };
                self.images.push(image_as);
                match image_as {
                    ImageAs::Image => Some(Event::Start(Tag::Image {
                        link_type,
                        dest_url,
                        title,
                        id,
                    })),
                    ImageAs::Link => Some(Event::Start(Tag::Link {
                        link_type,
                        dest_url,
                        title,
                        id,
                    })),
                    ImageAs::Text => None,
                }
            }
            Event::End(TagEnd::Image) => match self.images.pop() {
                Some(ImageAs::Image) => Some(Event::End(TagEnd::Image)),
                Some(ImageAs::Link) => Some(Event::End(TagEnd::Link)),
                Some(ImageAs::Text) | None => None,
            },
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(lang))) => {
                let lang = safe_language(&lang);
                Some(Event::Start(Tag::CodeBlock(if lang.is_empty() {
                    CodeBlockKind::Indented
                } else {
                    CodeBlockKind::Fenced(CowStr::from(lang))
                })))
            }
            other => Some(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_no_markup_from_author(html: &str) {
        let lower = html.to_ascii_lowercase();
        for bad in [
            "<script",
            "<img",
            "<iframe",
            "<svg",
            "<div",
            "href=\"javascript",
            "href=\"data",
        ] {
            assert!(!lower.contains(bad), "{bad} in {html}");
        }
    }

    #[test]
    fn raw_html_blocks_and_inline_html_show_as_text() {
        let html =
            to_safe_html("<script>alert(1)</script>\n\nhello <img src=x onerror=alert(1)> world");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(
            html.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "{html}"
        );
        assert!(html.contains("hello"));
        assert_no_markup_from_author(&html);
    }

    #[test]
    fn html_block_with_event_handlers_is_escaped() {
        let html = to_safe_html(
            "<div onclick=\"alert(1)\">\n<iframe src=\"https://evil\"></iframe>\n</div>\n",
        );
        assert_no_markup_from_author(&html);
        assert!(html.contains("&lt;iframe"), "{html}");
    }

    #[test]
    fn script_urls_are_dropped_whatever_their_spelling() {
        for md in [
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](  javascript:alert(1))",
            "[x](java&#x09;script:alert(1))",
            "[x](javascript&#58;alert(1))",
            "[x](&#106;avascript:alert(1))",
            "[x](vbscript:msgbox)",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "<javascript:alert(1)>",
            "[x][r]\n\n[r]: javascript:alert(1)",
        ] {
            let html = to_safe_html(md);
            assert!(!html.contains("href"), "{md} → {html}");
            assert!(
                !html.contains('<') || html.starts_with("<p>"),
                "{md} → {html}"
            );
            assert_eq!(html.matches('<').count(), 2, "{md} → {html}");
        }
        let html = to_safe_html(
            "![alt text](javascript:alert(1)) and ![p](data:image/svg+xml,<svg onload=alert(1)>)",
        );
        assert_no_markup_from_author(&html);
        assert!(html.contains("alt text"), "{html}");
    }

    #[test]
    fn the_text_of_a_dropped_link_stays() {
        let html = to_safe_html("see [the runbook](javascript:alert(1)) now");
        assert_eq!(html, "<p>see the runbook now</p>\n");
    }

    #[test]
    fn safe_urls_render_as_links_and_images() {
        let html = to_safe_html(
            "[a](https://example.com/a?b=1) [m](mailto:sre@example.com) [r](../runbook.md) [f](#timeline) ![d](/img/diagram.png \"Diagram\")",
        );
        assert!(
            html.contains("<a href=\"https://example.com/a?b=1\">a</a>"),
            "{html}"
        );
        assert!(html.contains("href=\"mailto:sre@example.com\""), "{html}");
        assert!(html.contains("href=\"../runbook.md\""), "{html}");
        assert!(html.contains("href=\"#timeline\""), "{html}");
        assert!(
            html.contains("<img src=\"/img/diagram.png\" alt=\"d\" title=\"Diagram\""),
            "{html}"
        );
        assert!(is_safe_url("HTTP://EXAMPLE.COM"));
        assert!(is_safe_url("path/with:colon-after-slash"));
        assert!(!is_safe_url("\u{0}javascript:alert(1)"));
        assert!(!is_safe_url("file:///etc/passwd"));
    }

    #[test]
    fn only_images_from_this_server_load_and_remote_ones_become_links() {
        let id = "0f".repeat(32);
        let own = crate::image::image_path("pm1", &id);
        let html = to_safe_html(&format!("![p99 latency]({own})"));
        assert_eq!(
            html,
            format!("<p><img src=\"{own}\" alt=\"p99 latency\" /></p>\n")
        );
        let html = to_safe_html("![dashboard](https://tracker.example/pixel.gif)");
        assert_eq!(
            html,
            "<p><a href=\"https://tracker.example/pixel.gif\">dashboard</a></p>\n"
        );
        let html = to_safe_html("![x](//tracker.example/p.gif) ![y](data:image/png;base64,AA)");
        assert_eq!(html, "<p><a href=\"//tracker.example/p.gif\">x</a> y</p>\n");
    }

    #[test]
    fn a_mermaid_block_becomes_a_drawn_figure_and_its_source_cannot_break_out() {
        let html = to_safe_html(
            "Before\n\n```mermaid\nsequenceDiagram\n  LB->>API: \"><script>alert(1)</script>\n```\n\nAfter",
        );
        assert!(html.starts_with("<p>Before</p>\n<figure class=\"diagram\"><img src=\"/api/diagrams/mermaid.svg?source="), "{html}");
        assert!(html.ends_with("</figure>\n<p>After</p>\n"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(
            html.contains("alt=\"sequenceDiagram\n  LB-&gt;&gt;API: &quot;&gt;&lt;script&gt;"),
            "{html}"
        );
        // Other code blocks stay code.
        let html = to_safe_html("```rust\nfn main() {}\n```");
        assert!(
            html.starts_with("<pre><code class=\"language-rust\">"),
            "{html}"
        );
    }

    #[test]
    fn titles_and_attributes_cannot_break_out() {
        let html = to_safe_html("[x](https://e.com \"a\\\" onmouseover=\\\"alert(1)\")");
        assert!(!html.contains("\" onmouseover"), "{html}");
        let html = to_safe_html("```rust\" onclick=\"alert(1)\nfn main() {}\n```");
        assert!(
            html.starts_with("<pre><code class=\"language-rust\">fn main"),
            "{html}"
        );
        assert!(!html.contains("onclick=\""), "{html}");
    }

    #[test]
    fn code_blocks_tables_strikethrough_and_tasks_render() {
        let html = to_safe_html(
            "```rust\nlet a = \"<b>\";\n```\n\n| 時刻 | 出来事 |\n| --- | --- |\n| 10:00 | 障害発生 🔥 |\n\n~~old~~\n\n- [x] done\n- [ ] 未完了\n",
        );
        assert!(
            html.contains("<pre><code class=\"language-rust\">let a = \"&lt;b&gt;\";"),
            "{html}"
        );
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("<th>時刻</th>"), "{html}");
        assert!(html.contains("<td>障害発生 🔥</td>"), "{html}");
        assert!(html.contains("<del>old</del>"), "{html}");
        assert!(html.contains("checkbox"), "{html}");
        assert!(html.contains("未完了"), "{html}");
    }

    #[test]
    fn japanese_and_emoji_round_trip() {
        let html = to_safe_html("# 障害の概要 😀\n\nデータベースが **停止** しました。👍🏽");
        assert_eq!(
            html,
            "<h1>障害の概要 😀</h1>\n<p>データベースが <strong>停止</strong> しました。👍🏽</p>\n"
        );
    }
}
