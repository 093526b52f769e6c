//! The web bundle's static files are sent precompressed: the real `casebook
//! serve` on a temp `--web-dir` holding a wasm file with a real `.gz` and
//! `.br` copy (as `cargo xtask build-web` writes them) and a JS file with
//! only a `.gz`. A browser that accepts an encoding gets the compressed bytes
//! with `Content-Encoding`, the original content type, `Vary:
//! Accept-Encoding` and `Last-Modified`; a client that accepts none gets the
//! original bytes; each app page is served with its own policy.

use casebook_e2e::Server;
use reqwest::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_SECURITY_POLICY, CONTENT_TYPE,
    IF_MODIFIED_SINCE, LAST_MODIFIED, VARY,
};
use std::io::{Read, Write};
use std::path::Path;

/// Bytes that compress well but are not all alike (like a wasm module).
fn module_bytes() -> Vec<u8> {
    let mut bytes = b"\0asm\x01\0\0\0".to_vec();
    for i in 0..40_000u32 {
        bytes.extend_from_slice(format!("fn_{}_{};", i % 97, i % 13).as_bytes());
    }
    bytes
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("a valid gzip body");
    out
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &Default::default()).unwrap();
    out
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::BrotliDecompress(&mut &bytes[..], &mut out).expect("a valid brotli body");
    out
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

#[tokio::test]
async fn bundle_files_are_sent_precompressed_with_their_type_and_cache_headers() {
    let web = tempfile::tempdir().unwrap();
    let wasm = module_bytes();
    let js = "export default function init() { return 'Casebook 日本語'; }\n".repeat(200);
    write(
        web.path(),
        "index.html",
        b"<!doctype html><title>t</title><script type=\"module\">init()</script>",
    );
    write(
        web.path(),
        "document.html",
        b"<!doctype html><title>d</title><script type=\"module\">initDocument()</script>",
    );
    write(web.path(), "pkg/app_bg.wasm", &wasm);
    write(web.path(), "pkg/app_bg.wasm.gz", &gzip(&wasm));
    write(web.path(), "pkg/app_bg.wasm.br", &brotli(&wasm));
    write(web.path(), "pkg/app.js", js.as_bytes());
    write(web.path(), "pkg/app.js.gz", &gzip(js.as_bytes()));
    let dir = web.path().to_str().unwrap();
    let server = Server::start_with(&["--web-dir", dir]).await.unwrap();
    let http = reqwest::Client::new();
    let get = |path: &str, accept: Option<&str>| {
        let mut request = http.get(server.url(path));
        if let Some(accept) = accept {
            request = request.header(ACCEPT_ENCODING, accept);
        }
        request.send()
    };

    // gzip, as Chromium asks over plain HTTP.
    let response = get("/pkg/app_bg.wasm", Some("gzip, deflate"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers[CONTENT_ENCODING], "gzip");
    assert_eq!(headers[CONTENT_TYPE], "application/wasm");
    assert_eq!(headers[VARY], "accept-encoding");
    // Not a published build's file: asked for again each time.
    assert_eq!(headers[CACHE_CONTROL], "no-cache");
    let last_modified = headers
        .get(LAST_MODIFIED)
        .expect("Last-Modified is kept")
        .clone();
    let body = response.bytes().await.unwrap();
    assert!(body.len() < wasm.len() / 4, "{} bytes sent", body.len());
    assert_eq!(gunzip(&body), wasm);

    // brotli is preferred when accepted (browsers ask for it over HTTPS).
    let response = get("/pkg/app_bg.wasm", Some("gzip, deflate, br"))
        .await
        .unwrap();
    assert_eq!(response.headers()[CONTENT_ENCODING], "br");
    assert_eq!(response.headers()[CONTENT_TYPE], "application/wasm");
    assert_eq!(unbrotli(&response.bytes().await.unwrap()), wasm);

    // A file with only a .gz copy: gzip even when br is asked for too.
    let response = get("/pkg/app.js", Some("br, gzip")).await.unwrap();
    assert_eq!(response.headers()[CONTENT_ENCODING], "gzip");
    assert!(response.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    assert_eq!(
        gunzip(&response.bytes().await.unwrap()),
        js.as_bytes().to_vec()
    );

    // No Accept-Encoding: the original bytes, no encoding.
    let response = get("/pkg/app_bg.wasm", None).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get(CONTENT_ENCODING).is_none());
    assert_eq!(response.headers()[CONTENT_TYPE], "application/wasm");
    assert_eq!(response.headers()[VARY], "accept-encoding");
    assert_eq!(response.bytes().await.unwrap().to_vec(), wasm);

    // A revalidation of the compressed file answers 304 with no body.
    let response = http
        .get(server.url("/pkg/app_bg.wasm"))
        .header(ACCEPT_ENCODING, "gzip")
        .header(IF_MODIFIED_SINCE, last_modified)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 304);
    assert!(response.bytes().await.unwrap().is_empty());

    // The compressed copies are not pages of their own that change the type.
    let response = get("/pkg/missing.wasm", Some("gzip")).await.unwrap();
    assert_eq!(response.status(), 404);

    // The app pages: `document.html` (the document bundle's loader) for
    // `/p/{id}`, `index.html` for the others, each with the hash of its own
    // inline script in its policy.
    let mut policies = Vec::new();
    for (path, script) in [
        ("/p/some-id", "initDocument()"),
        ("/", "init()"),
        ("/library", "init()"),
        ("/insights", "init()"),
    ] {
        let response = get(path, Some("gzip")).await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert!(response.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        let policy = response.headers()[CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(policy.contains("'sha256-"), "{policy}");
        let html = response.text().await.unwrap();
        assert!(
            html.contains(&format!(">{script}</script>")),
            "{path}: {html}"
        );
        policies.push(policy);
    }
    assert_ne!(
        policies[0], policies[1],
        "each page's policy hashes its own script"
    );
    assert_eq!(policies[1], policies[2]);
}

/// `build-web` publishes each build under `v/{hash}/` and the pages point
/// there: those files are sent precompressed as the others, and kept by
/// the browser for a year without asking; a file missing there is a plain
/// 404 that no browser keeps, and everything else is asked for each time.
#[tokio::test]
async fn a_published_builds_files_are_immutable_and_nothing_else_is() {
    let web = tempfile::tempdir().unwrap();
    let wasm = module_bytes();
    write(
        web.path(),
        "document.html",
        b"<!doctype html><title>d</title>",
    );
    write(web.path(), "v/0123abcd/casebook_document_bg.wasm", &wasm);
    write(
        web.path(),
        "v/0123abcd/casebook_document_bg.wasm.br",
        &brotli(&wasm),
    );
    write(web.path(), "v/0123abcd/document/split_a.wasm", &wasm);
    write(web.path(), "v/0123abcd/style.css", b"body { margin: 0 }");
    write(web.path(), "style.css", b"body { margin: 0 }");
    let dir = web.path().to_str().unwrap();
    let server = Server::start_with(&["--web-dir", dir]).await.unwrap();
    let http = reqwest::Client::new();
    let get = |path: &str| {
        http.get(server.url(path))
            .header(ACCEPT_ENCODING, "gzip, deflate, br")
            .send()
    };
    const IMMUTABLE: &str = "public, max-age=31536000, immutable";

    let response = get("/v/0123abcd/casebook_document_bg.wasm").await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()[CACHE_CONTROL], IMMUTABLE);
    assert_eq!(response.headers()[CONTENT_ENCODING], "br");
    assert_eq!(response.headers()[CONTENT_TYPE], "application/wasm");
    assert_eq!(response.headers()[VARY], "accept-encoding");
    let last_modified = response.headers()[LAST_MODIFIED].clone();
    assert_eq!(unbrotli(&response.bytes().await.unwrap()), wasm);

    for path in ["/v/0123abcd/document/split_a.wasm", "/v/0123abcd/style.css"] {
        let response = get(path).await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()[CACHE_CONTROL], IMMUTABLE, "{path}");
    }
    // A revalidation (a browser that kept it without the header) too.
    let response = http
        .get(server.url("/v/0123abcd/casebook_document_bg.wasm"))
        .header(ACCEPT_ENCODING, "br")
        .header(IF_MODIFIED_SINCE, last_modified)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 304);
    assert_eq!(response.headers()[CACHE_CONTROL], IMMUTABLE);

    // Another build's file, or one never built: not kept.
    for path in [
        "/v/feedface/casebook_document_bg.wasm",
        "/v/0123abcd/document/split_b.wasm",
        "/v/",
    ] {
        let response = get(path).await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
        assert!(response.headers().get(CACHE_CONTROL).is_none(), "{path}");
    }
    // The unversioned style sheet and the page: asked for each time.
    let response = get("/style.css").await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()[CACHE_CONTROL], "no-cache");
    let response = get("/p/some-id").await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()[CACHE_CONTROL], "no-cache");
}
