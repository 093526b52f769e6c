//! An SVG made safe to serve: parsed as XML and written again with only
//! the elements and attributes of a static drawing.
//!
//! Kept: shapes, text, groups, definitions (markers, gradients, clip paths,
//! filters) and `<style>`. Dropped with everything inside them: `script`,
//! `foreignObject` (HTML inside an SVG), `image`, animation, `iframe`,
//! anything unknown. Dropped attributes: event handlers (`on…`), any `href`
//! that does not point inside the drawing (`#id`), and any value that
//! reaches outside it (`url(…)` other than `url(#id)`, `javascript:`).
//! In `<style>`, `@import` and outside `url(…)`s are removed. A document
//! with a DTD is refused (entities). This is an allow-list: what it does
//! not know, it leaves out.

use std::fmt::Write;

const SVG_NS: &str = "http://www.w3.org/2000/svg";

/// Elements of a static drawing, kept with their allowed attributes.
const ELEMENTS: &[&str] = &[
    "svg",
    "g",
    "defs",
    "symbol",
    "use",
    "path",
    "rect",
    "circle",
    "ellipse",
    "line",
    "polyline",
    "polygon",
    "text",
    "tspan",
    "textPath",
    "title",
    "desc",
    "marker",
    "clipPath",
    "mask",
    "pattern",
    "linearGradient",
    "radialGradient",
    "stop",
    "style",
    "filter",
    "feGaussianBlur",
    "feOffset",
    "feFlood",
    "feComposite",
    "feMerge",
    "feMergeNode",
    "feBlend",
    "feColorMatrix",
    "feDropShadow",
];

/// Why an SVG could not be made safe.
#[derive(Debug, thiserror::Error)]
pub enum SvgError {
    #[error("the drawing is not well-formed XML: {0}")]
    Xml(#[from] roxmltree::Error),
    #[error("the drawing is not an SVG")]
    NotSvg,
    #[error("the drawing declares a DTD")]
    Dtd,
}

/// `svg` with only what a static drawing needs (see the module docs).
pub fn sanitize(svg: &str) -> Result<String, SvgError> {
    if svg.contains("<!DOCTYPE") || svg.contains("<!ENTITY") {
        return Err(SvgError::Dtd);
    }
    let doc = roxmltree::Document::parse(svg)?;
    let root = doc.root_element();
    if root.tag_name().name() != "svg" {
        return Err(SvgError::NotSvg);
    }
    let mut out = String::with_capacity(svg.len());
    write_element(root, &mut out, true);
    Ok(out)
}

fn write_element(node: roxmltree::Node, out: &mut String, root: bool) {
    let tag = node.tag_name();
    let in_svg = tag.namespace().is_none_or(|ns| ns == SVG_NS);
    let name = tag.name();
    // A link keeps its drawing, not its link.
    let name = if name == "a" { "g" } else { name };
    if !in_svg || !ELEMENTS.contains(&name) {
        return;
    }
    out.push('<');
    out.push_str(name);
    // The drawing's own size, from its viewBox: drawn with `width="100%"`
    // it has none, and an `<img>` would stretch it to the page's width.
    let size = root
        .then(|| node.attribute("viewBox").and_then(view_box_size))
        .flatten();
    if root {
        let _ = write!(out, " xmlns=\"{SVG_NS}\"");
        if let Some((width, height)) = size {
            let _ = write!(out, " width=\"{width}\" height=\"{height}\"");
        }
    }
    for attribute in node.attributes() {
        let (local, value) = (attribute.name(), attribute.value());
        if size.is_some() && matches!(local, "width" | "height" | "style") {
            continue;
        }
        let href = local == "href";
        if attribute.namespace().is_some() && !href {
            // xml:space and the like: the drawing does not need them.
            continue;
        }
        if !safe_attribute(local, value) {
            continue;
        }
        let _ = write!(out, " {local}=\"");
        escape(value, true, out);
        out.push('"');
    }
    out.push('>');
    for child in node.children() {
        if child.is_element() {
            write_element(child, out, false);
        } else if child.is_text() {
            let text = child.text().unwrap_or_default();
            if name == "style" {
                escape(&safe_css(text), false, out);
            } else {
                escape(text, false, out);
            }
        }
    }
    let _ = write!(out, "</{name}>");
}

/// The width and height of a `viewBox="min-x min-y width height"`.
fn view_box_size(view_box: &str) -> Option<(f64, f64)> {
    let numbers: Vec<f64> = view_box
        .split([' ', ','])
        .filter(|n| !n.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    match numbers.as_slice() {
        [_, _, w, h] if *w > 0.0 && *h > 0.0 && w.is_finite() && h.is_finite() => Some((*w, *h)),
        _ => None,
    }
}

/// Whether an attribute may stay: no handler, no link or reference out of
/// the drawing.
fn safe_attribute(name: &str, value: &str) -> bool {
    let lower_name = name.to_ascii_lowercase();
    if lower_name.starts_with("on") {
        return false;
    }
    let compact: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    if lower_name == "href" {
        return compact.starts_with('#');
    }
    if compact.contains("javascript:") || compact.contains("expression(") {
        return false;
    }
    all_urls_local(&compact)
}

/// Whether every `url(…)` in `compact` (no spaces, lowercase) is `url(#…)`.
fn all_urls_local(compact: &str) -> bool {
    compact.match_indices("url(").all(|(at, _)| {
        let target = compact[at + 4..].trim_start_matches(['"', '\'']);
        target.starts_with('#')
    })
}

/// CSS without `@import` rules and with every outside `url(…)` replaced by
/// `none`.
fn safe_css(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    loop {
        let lower = rest.to_ascii_lowercase();
        let import = lower.find("@import");
        let url = lower.find("url(");
        let next = match (import, url) {
            (Some(i), Some(u)) => i.min(u),
            (Some(i), None) => i,
            (None, Some(u)) => u,
            (None, None) => break,
        };
        out.push_str(&rest[..next]);
        let tail = &rest[next..];
        if Some(next) == import {
            // Up to and including the rule's `;` (or the end).
            let end = tail.find(';').map_or(tail.len(), |e| e + 1);
            rest = &tail[end..];
        } else {
            let end = tail.find(')').map_or(tail.len(), |e| e + 1);
            let inside: String = tail[4..end.saturating_sub(1).max(4)]
                .chars()
                .filter(|c| !c.is_whitespace() && !matches!(c, '"' | '\''))
                .collect();
            if inside.starts_with('#') {
                out.push_str(&tail[..end]);
            } else {
                out.push_str("none");
            }
            rest = &tail[end..];
        }
    }
    out.push_str(rest);
    out
}

/// Escapes text for XML content or a double-quoted attribute value.
pub fn escape(text: &str, attribute: bool, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            c if c.is_control() && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_handlers_foreign_objects_and_outside_links_are_dropped() {
        let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" onload="alert(1)" viewBox="0 0 10 10">
<script>alert(1)</script>
<style>@import url(https://evil.example/x.css); .a{fill:url(#g);background:url( 'https://tracker.example/p.gif' )}</style>
<defs><linearGradient id="g"><stop offset="0" stop-color="red"/></linearGradient></defs>
<g class="a" onclick="alert(2)"><rect width="5" height="5" fill="url(#g)" filter="url(https://evil.example/f.svg#x)"/></g>
<foreignObject><div xmlns="http://www.w3.org/1999/xhtml" onmouseover="alert(3)">label</div></foreignObject>
<a href="javascript:alert(4)"><text x="1" y="9">LB &amp; API</text></a>
<use xlink:href="https://evil.example/sprite.svg#a"/><use href="#g"/>
<image href="https://tracker.example/p.gif"/>
<set attributeName="href" to="javascript:alert(5)"/>
</svg>"##;
        let safe = sanitize(svg).unwrap();
        let lower = safe.to_ascii_lowercase();
        for bad in [
            "<script",
            "alert",
            "onload",
            "onclick",
            "foreignobject",
            "evil.example",
            "tracker.example",
            "javascript",
            "@import",
            "<image",
            "<set",
        ] {
            assert!(!lower.contains(bad), "{bad} in {safe}");
        }
        assert!(
            safe.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\" viewBox=\"0 0 10 10\">"),
            "{safe}"
        );
        assert!(safe.contains("fill=\"url(#g)\""), "{safe}");
        assert!(safe.contains(".a{fill:url(#g);background:none}"), "{safe}");
        assert!(
            safe.contains("<g><text x=\"1\" y=\"9\">LB &amp; API</text></g>"),
            "{safe}"
        );
        assert!(safe.contains("<use href=\"#g\"></use>"), "{safe}");
    }

    #[test]
    fn a_drawing_gets_the_size_of_its_view_box() {
        let safe = sanitize(r#"<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 570 388.5" style="max-width: 570px;"><g/></svg>"#).unwrap();
        assert_eq!(
            safe,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"570\" height=\"388.5\" viewBox=\"0 0 570 388.5\"><g></g></svg>"
        );
    }

    #[test]
    fn what_is_not_an_svg_or_declares_entities_is_refused() {
        assert!(matches!(
            sanitize("<html><body/></html>"),
            Err(SvgError::NotSvg)
        ));
        assert!(matches!(sanitize("<svg"), Err(SvgError::Xml(_))));
        let lol = r#"<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg"><text>&a;</text></svg>"#;
        assert!(matches!(sanitize(lol), Err(SvgError::Dtd)));
    }
}
