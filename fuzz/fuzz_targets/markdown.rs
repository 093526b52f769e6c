//! Markdown from users: importing it into sections, and rendering it as the
//! safe HTML the preview and the read page show. Every tag in that HTML is
//! one the renderer made (text `<` is escaped), so none may be a scripting
//! element, carry an event handler, or point a link at a script URL.
#![no_main]

use casebook_core::export::import_sections;
use casebook_core::markdown::to_safe_html;
use libfuzzer_sys::fuzz_target;

const FORBIDDEN_TAGS: [&str; 9] = [
    "script", "iframe", "object", "embed", "svg", "math", "style", "base", "form",
];

fn check(html: &str, markdown: &str) {
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let tag = &rest[start + 1..];
        let end = tag.find('>').unwrap_or(tag.len());
        let inside = tag[..end].to_ascii_lowercase();
        rest = &tag[end..];
        let name: String = inside
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        assert!(
            !FORBIDDEN_TAGS.contains(&name.as_str()),
            "<{name}> made from {markdown:?}: {html}"
        );
        for (key, value) in attributes(&inside.trim_start_matches('/')[name.len()..]) {
            assert!(!key.starts_with("on"), "handler {key} made from {markdown:?}: {html}");
            if key == "href" || key == "src" {
                let value = value.trim();
                for scheme in ["javascript:", "vbscript:", "data:"] {
                    assert!(!value.starts_with(scheme), "{key}={value} from {markdown:?}: {html}");
                }
            }
        }
    }
}

/// `name="value"` pairs (or bare names) of a tag, quotes respected.
fn attributes(mut rest: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        if rest.is_empty() {
            return out;
        }
        let name_end = rest
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(rest.len());
        let name = rest[..name_end].to_owned();
        rest = &rest[name_end..];
        let mut value = String::new();
        if let Some(after) = rest.strip_prefix('=') {
            if let Some(quoted) = after.strip_prefix('"') {
                let end = quoted.find('"').unwrap_or(quoted.len());
                value = quoted[..end].to_owned();
                rest = quoted.get(end + 1..).unwrap_or("");
            } else {
                let end = after.find(char::is_whitespace).unwrap_or(after.len());
                value = after[..end].to_owned();
                rest = &after[end..];
            }
        }
        out.push((name, value));
    }
}

fuzz_target!(|input: &[u8]| {
    let Ok(markdown) = std::str::from_utf8(input) else {
        return;
    };
    let _ = import_sections(markdown);
    check(&to_safe_html(markdown), markdown);
});
