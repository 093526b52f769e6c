//! Security headers on every answer.
//!
//! - The app pages (`index.html`, `document.html`) get a strict Content-Security-Policy: scripts
//!   only from this origin plus the page's own inline loader, allowed by its
//!   SHA-256 hash (computed from the file served, so editing the loader keeps
//!   working), and `'wasm-unsafe-eval'`, which WebAssembly compilation needs;
//!   no `'unsafe-inline'` script, no `eval`, no plugins, no framing, no
//!   `<base>`. Style sheets only from this origin; inline `style="…"`
//!   attributes are allowed (`style-src-attr`: the app's views use a few;
//!   they cannot run script), `<style>` elements are not.
//!   Even if user text were ever rendered as HTML, a handler such as
//!   `onerror=…` or an injected `<script>` would not run.
//! - Other HTML (the read-only case page, the HTML export) gets a policy with
//!   no script at all.
//! - Everything gets `X-Content-Type-Options: nosniff` and
//!   `Referrer-Policy: no-referrer` (tokens travel in page URLs; no link may
//!   leak them to another site), and a `default-src 'none'` policy when it has
//!   none.

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use sha2::{Digest, Sha256};

/// Policy for HTML pages that run no script (read page, HTML export).
pub const DOCUMENT_CSP: &str = "default-src 'none'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data: https:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/// Policy for everything that is not a page.
const OTHER_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// The app page's policy: `script-src` lists the hash of each inline
/// `<script>` in `html`.
pub fn app_csp(html: &str) -> String {
    let hashes: String = inline_scripts(html)
        .map(|script| {
            let digest = Sha256::digest(script.as_bytes());
            format!(
                " 'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect();
    format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'{hashes}; \
         style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data: https:; connect-src 'self'; font-src 'self'; \
         manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; \
         object-src 'none'"
    )
}

/// The text of every `<script>` element without a `src` attribute.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    let mut rest = html;
    std::iter::from_fn(move || loop {
        let start = rest.find("<script")?;
        let after_tag = &rest[start..];
        let open_end = after_tag.find('>')?;
        let attributes = &after_tag[..open_end];
        let body = &after_tag[open_end + 1..];
        let close = body.find("</script>")?;
        rest = &body[close..];
        if !attributes.contains("src=") {
            return Some(&body[..close]);
        }
    })
}

/// Adds the headers to every answer (`axum::middleware::from_fn`).
pub async fn add(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        let is_html = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        let policy = if is_html { DOCUMENT_CSP } else { OTHER_CSP };
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(policy),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_hashed_and_external_ones_are_not() {
        let html = "<head><script src=\"/a.js\"></script></head><body>\n<script type=\"module\">\n  init();\n</script></body>";
        assert_eq!(inline_scripts(html).collect::<Vec<_>>(), ["\n  init();\n"]);
        let digest = base64::engine::general_purpose::STANDARD
            .encode(Sha256::digest("\n  init();\n".as_bytes()));
        let policy = app_csp(html);
        assert!(policy.contains(&format!("'sha256-{digest}'")), "{policy}");
        assert!(policy.contains("'wasm-unsafe-eval'"));
        let script_src = policy
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("script-src"))
            .unwrap();
        assert!(!script_src.contains("unsafe-inline"), "{script_src}");
        assert!(!script_src.contains("'unsafe-eval'"), "{script_src}");
        assert!(policy.contains("style-src 'self';"), "{policy}");
    }
}
