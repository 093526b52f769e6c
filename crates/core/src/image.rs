//! Images in a postmortem: which files are images, what an image's address
//! is, and which image addresses a rendered document may load.
//!
//! An uploaded file is an image only when its first bytes say so (the
//! declared `Content-Type` and the file name are not believed): PNG, JPEG,
//! GIF and WebP. Everything else is refused, SVG and HTML first among them,
//! because a browser runs the script an SVG or HTML file carries.
//!
//! An image is addressed by the SHA-256 of its bytes (the server computes
//! it), under its postmortem: `/api/postmortems/{pm}/images/{sha256-hex}`.
//! The address never changes its content, so it may be cached for ever, and
//! it carries no token, so the Markdown that holds it is the same for every
//! reader. This module does no hashing and no I/O; the server does both.

/// The image formats Casebook accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Png,
    Jpeg,
    Gif,
    Webp,
}

impl ImageKind {
    /// The kind `bytes` begin with, by their magic numbers, if an accepted one.
    pub fn sniff(bytes: &[u8]) -> Option<ImageKind> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageKind::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageKind::Jpeg)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(ImageKind::Gif)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(ImageKind::Webp)
        } else {
            None
        }
    }

    /// The `Content-Type` the image is served with.
    pub fn content_type(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Gif => "image/gif",
            ImageKind::Webp => "image/webp",
        }
    }
}

/// Why an upload is not stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error("the file is empty; paste or drop an image (PNG, JPEG, GIF or WebP)")]
    Empty,
    #[error("SVG images are not accepted, because they can carry script; export the diagram as PNG, or write it as a ```mermaid block")]
    Svg,
    #[error("HTML is not an image; paste or drop a PNG, JPEG, GIF or WebP file")]
    Html,
    #[error("only PNG, JPEG, GIF and WebP images are accepted (the file's contents are none of them, whatever its name or type says)")]
    NotAnImage,
    #[error("the image is larger than {max} bytes, the largest this server accepts (make a smaller screenshot, or save it as JPEG or WebP)")]
    TooLarge { max: u64 },
    #[error("this postmortem already holds {max} images, the most this server keeps per document")]
    TooMany { max: u64 },
}

/// What `bytes` are: an accepted image kind, or why not. `max_bytes` 0
/// means no size limit.
pub fn check_upload(bytes: &[u8], max_bytes: u64) -> Result<ImageKind, ImageError> {
    if max_bytes > 0 && bytes.len() as u64 > max_bytes {
        return Err(ImageError::TooLarge { max: max_bytes });
    }
    if bytes.is_empty() {
        return Err(ImageError::Empty);
    }
    if let Some(kind) = ImageKind::sniff(bytes) {
        return Ok(kind);
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).to_ascii_lowercase();
    if head.contains("<svg") {
        Err(ImageError::Svg)
    } else if head.contains("<html") || head.contains("<!doctype") || head.contains("<script") {
        Err(ImageError::Html)
    } else {
        Err(ImageError::NotAnImage)
    }
}

/// Whether `id` has the shape of an image id: 64 lowercase hex digits.
pub fn is_image_id(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The address of image `id` of postmortem `pm`, relative to the server.
pub fn image_path(pm: &str, id: &str) -> String {
    format!("/api/postmortems/{pm}/images/{id}")
}

/// `(postmortem, image id)` when `url` is the address of an uploaded image.
pub fn parse_image_path(url: &str) -> Option<(&str, &str)> {
    let rest = url.strip_prefix("/api/postmortems/")?;
    let (pm, id) = rest.split_once("/images/")?;
    (!pm.is_empty() && !pm.contains('/') && is_image_id(id)).then_some((pm, id))
}

/// Every `(postmortem, image id)` whose address appears in `text` (a
/// section's Markdown, a version's): what keeps an uploaded image from the
/// unused-image sweep. Any mention counts, in a code block too: keeping an
/// image too long costs little, losing one that is shown costs a figure.
pub fn image_references(text: &str) -> Vec<(&str, &str)> {
    const START: &str = "/api/postmortems/";
    text.match_indices(START)
        .filter_map(|(at, _)| {
            let rest = &text[at + START.len()..];
            let (pm, rest) = rest.split_at(rest.find('/')?);
            let id = rest.strip_prefix("/images/")?.get(..64)?;
            (!pm.is_empty() && is_image_id(id)).then_some((pm, id))
        })
        .collect()
}

/// The Markdown that shows image `id` with `alt` as its text (brackets and
/// line breaks in `alt` are dropped so it stays one image).
pub fn image_markdown(pm: &str, id: &str, alt: &str) -> String {
    let alt: String = alt
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | '\\' | '\n' | '\r'))
        .take(120)
        .collect();
    format!("![{}]({})", alt.trim(), image_path(pm, id))
}

/// Whether a rendered document may load an image from `url`: only from this
/// server (a path, not `//host/…`, and no scheme), so a document never makes
/// its readers' browsers call a remote host (a tracker) and never loads a
/// `data:` or `javascript:` URL. Remote images are shown as links instead
/// ([`crate::markdown`]).
pub fn is_local_image_url(url: &str) -> bool {
    let cleaned: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect();
    if cleaned.starts_with("//") || cleaned.starts_with("/\\") || cleaned.starts_with('\\') {
        return false;
    }
    match cleaned.find([':', '/', '?', '#']) {
        Some(i) => !cleaned[i..].starts_with(':'),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F'];
    const GIF: &[u8] = b"GIF89a\x01\0\x01\0";
    const WEBP: &[u8] = b"RIFF\x24\0\0\0WEBPVP8 ";

    #[test]
    fn each_accepted_kind_is_recognised_by_its_bytes() {
        for (bytes, kind, ty) in [
            (PNG, ImageKind::Png, "image/png"),
            (JPEG, ImageKind::Jpeg, "image/jpeg"),
            (GIF, ImageKind::Gif, "image/gif"),
            (WEBP, ImageKind::Webp, "image/webp"),
        ] {
            assert_eq!(check_upload(bytes, 0), Ok(kind));
            assert_eq!(kind.content_type(), ty);
        }
    }

    #[test]
    fn svg_html_and_other_files_are_refused_with_their_reason() {
        let svg = b"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>";
        assert_eq!(check_upload(svg, 0), Err(ImageError::Svg));
        assert_eq!(
            check_upload(b"<!DOCTYPE html><p>hi", 0),
            Err(ImageError::Html)
        );
        assert_eq!(
            check_upload(b"<script>alert(1)</script>", 0),
            Err(ImageError::Html)
        );
        assert_eq!(check_upload(b"%PDF-1.7", 0), Err(ImageError::NotAnImage));
        assert_eq!(check_upload(b"", 0), Err(ImageError::Empty));
        // A WebP needs its RIFF form type, not just "RIFF".
        assert_eq!(
            check_upload(b"RIFF\0\0\0\0WAVEfmt ", 0),
            Err(ImageError::NotAnImage)
        );
        assert!(ImageError::Svg.to_string().contains("mermaid"));
    }

    #[test]
    fn the_size_limit_counts_bytes_and_zero_means_none() {
        assert_eq!(check_upload(PNG, PNG.len() as u64), Ok(ImageKind::Png));
        assert_eq!(
            check_upload(PNG, PNG.len() as u64 - 1),
            Err(ImageError::TooLarge {
                max: PNG.len() as u64 - 1
            })
        );
        assert_eq!(check_upload(PNG, 0), Ok(ImageKind::Png));
    }

    #[test]
    fn an_image_path_reads_back_and_nothing_else_does() {
        let id = "ab".repeat(32);
        let path = image_path("pm1", &id);
        assert_eq!(parse_image_path(&path), Some(("pm1", id.as_str())));
        for url in [
            "/api/postmortems/pm1/images/ABAB",
            "/api/postmortems//images/abab",
            "/api/postmortems/a/b/images/abab",
            "https://evil.example/api/postmortems/pm1/images/x",
        ] {
            assert_eq!(parse_image_path(url), None, "{url}");
        }
        assert_eq!(
            image_markdown("pm1", &id, "latency [p99]\n graph"),
            format!("![latency p99 graph]({path})")
        );
    }

    #[test]
    fn only_same_origin_image_urls_may_load() {
        for url in ["/api/postmortems/p/images/x", "img/graph.png", "?x", "#a"] {
            assert!(is_local_image_url(url), "{url}");
        }
        for url in [
            "https://tracker.example/pixel.gif",
            "http://x/y.png",
            "//tracker.example/pixel.gif",
            "/\\tracker.example/p.gif",
            " //tracker.example/p.gif",
            "data:image/png;base64,AAAA",
            "javascript:alert(1)",
            "JAVA\tSCRIPT:alert(1)",
        ] {
            assert!(!is_local_image_url(url), "{url}");
        }
    }

    #[test]
    fn image_references_are_found_wherever_their_address_is_written() {
        let a = "a".repeat(64);
        let b = "b".repeat(64);
        let text = format!(
            "![p99](/api/postmortems/pm1/images/{a}) and `/api/postmortems/pm2/images/{b}`\n\
             /api/postmortems/pm1/images/{short} /api/postmortems//images/{a} /api/postmortems/pm3/images/",
            short = "c".repeat(10)
        );
        assert_eq!(
            image_references(&text),
            vec![("pm1", a.as_str()), ("pm2", b.as_str())]
        );
        assert!(image_references("ポストモーテム /api/postmortems/").is_empty());
    }
}
