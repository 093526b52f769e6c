//! Diagrams written as text: a fenced ```` ```mermaid ```` block renders as
//! an image whose address carries the diagram's source, which the server
//! draws as a static, sanitised SVG (`GET /api/diagrams/mermaid.svg`).
//!
//! The browser draws nothing itself: the renderer stays out of the wasm
//! bundle, and an SVG shown through `<img>` runs no script whatever it
//! holds. The address is the source, so the same diagram is one cached
//! image everywhere (preview, read page), and the HTML export puts the
//! drawn SVG inside the file. A block whose source is too long for an
//! address ([`crate::limits::MAX_DIAGRAM_SOURCE_BYTES`]) stays a code
//! block. No parsing here: a diagram that does not parse is drawn by the
//! server as its source and the error.

use crate::export::escape_html;
use crate::limits::MAX_DIAGRAM_SOURCE_BYTES;

/// Where Mermaid diagrams are drawn.
pub const MERMAID_PATH: &str = "/api/diagrams/mermaid.svg";

/// What a reader is told, in their language, above the renderer's own
/// message (English, and for the one who wrote the diagram) when a
/// diagram cannot be drawn.
pub fn not_drawn(japanese: bool) -> &'static str {
    if japanese {
        "この図は描画できませんでした。下にレンダラーのメッセージ（英語）と図のソースを示します。"
    } else {
        "This diagram could not be drawn. The renderer's message and the diagram's source follow."
    }
}

/// Whether a fenced code block's language is a Mermaid diagram.
pub fn is_mermaid(language: &str) -> bool {
    language.eq_ignore_ascii_case("mermaid")
}

const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url without padding (RFC 4648 §5): safe in a query, no escaping.
fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(BASE64URL[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// The address of the drawing of `source`, or `None` when it is too long
/// to carry in one.
pub fn mermaid_url(source: &str) -> Option<String> {
    let source = source.trim_end();
    (source.len() <= MAX_DIAGRAM_SOURCE_BYTES)
        .then(|| format!("{MERMAID_PATH}?source={}", base64url(source.as_bytes())))
}

/// The HTML of a diagram block: a figure with the drawing as an image,
/// whose text for those who cannot see it is the source itself. `None` when
/// the block should stay a code block.
pub fn mermaid_figure(source: &str) -> Option<String> {
    let url = mermaid_url(source)?;
    Some(format!(
        "<figure class=\"diagram\"><img src=\"{url}\" alt=\"{}\" loading=\"lazy\"></figure>\n",
        escape_html(source.trim())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_matches_rfc_4648_test_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64url(input.as_bytes()), expected, "{input}");
        }
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn a_diagram_becomes_an_image_of_its_source_and_a_long_one_does_not() {
        let figure = mermaid_figure("flowchart TD\n  A[\"<b>\"] --> B\n").unwrap();
        assert!(
            figure.starts_with(
                "<figure class=\"diagram\"><img src=\"/api/diagrams/mermaid.svg?source="
            ),
            "{figure}"
        );
        assert!(
            figure.contains("alt=\"flowchart TD\n  A[&quot;&lt;b&gt;&quot;] --&gt; B\""),
            "{figure}"
        );
        assert!(mermaid_figure(&"A-->B\n".repeat(MAX_DIAGRAM_SOURCE_BYTES)).is_none());
    }
}
