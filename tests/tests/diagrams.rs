//! Diagrams as text: a ```mermaid block renders, through core's Markdown,
//! as an image of `GET /api/diagrams/mermaid.svg?source=…`, which the server
//! draws as a static, sanitised SVG; a diagram that does not parse is drawn
//! as its error and its source; the HTML export carries the drawing inside.

use base64::Engine;
use casebook_core::diagram::mermaid_url;
use casebook_core::markdown::to_safe_html;
use casebook_e2e::{Endpoint, Server};
use yrs::{Text, Transact};

/// A request through the load balancer to the API and the database, as an
/// incident's timeline would draw it.
const REQUEST_PATH: &str = "sequenceDiagram
    participant C as Client
    participant LB as Load balancer
    participant API as API (orders)
    participant DB as Postgres primary
    C->>LB: POST /orders
    LB->>API: forward
    API->>DB: INSERT order
    Note over DB: connection pool exhausted
    DB-->>API: timeout after 30 s
    API-->>LB: 504
    LB-->>C: 504 Gateway Timeout
";

/// The failover the causes section explains.
const FAILOVER: &str = "flowchart TD
    A[Primary stops answering] --> B{Health check fails 3x?}
    B -- no --> A
    B -- yes --> C[Replica promoted]
    C --> D[DNS points to the new primary]
    D --> E{Apps reconnect?}
    E -- yes --> F[Traffic restored]
    E -- no, stale pool --> G[Restart API pods]
    G --> F
";

/// The drawing of `source` as the browser asks for it: status, headers, body.
async fn drawing(server: &Endpoint, source: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let url = mermaid_url(source).expect("a short diagram has an address");
    let response = server.http.get(server.url(&url)).send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

fn assert_static(svg: &str) {
    let lower = svg.to_ascii_lowercase();
    for bad in [
        "<script",
        "foreignobject",
        " on",
        "javascript:",
        "<image",
        "@import",
    ] {
        assert!(!lower.contains(bad), "{bad} in {svg}");
    }
}

#[tokio::test]
async fn a_sequence_diagram_and_a_flowchart_are_drawn_as_static_svg() {
    let server = Server::start().await.unwrap();
    for (source, words) in [
        (
            REQUEST_PATH,
            ["Load balancer", "Postgres primary", "exhausted"],
        ),
        (
            FAILOVER,
            [
                "Replica promoted",
                "Health check fails 3x?",
                "Restart API pods",
            ],
        ),
        (
            "flowchart LR\n  A[監視アラート] --> B[一次対応] --> C[切り戻し]\n",
            ["監視アラート", "一次対応", "切り戻し"],
        ),
    ] {
        let (status, headers, svg) = drawing(&server, source).await;
        assert_eq!(status, 200);
        assert_eq!(headers["content-type"], "image/svg+xml");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.starts_with("default-src 'none'"), "{csp}");
        assert!(csp.contains("sandbox"), "{csp}");
        assert!(
            svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
            "{svg:.200}"
        );
        for word in words {
            assert!(svg.contains(word), "{word} not drawn: {svg}");
        }
        assert!(
            svg.contains("<path") || svg.contains("<line"),
            "no lines drawn: {svg}"
        );
        assert_static(&svg);
    }
}

#[tokio::test]
async fn a_diagram_that_does_not_parse_shows_its_error_and_its_source() {
    let server = Server::start().await.unwrap();
    let broken = "sequenceDiagram\n    LB->>: <b>oops</b>\n    participant\n";
    let (status, headers, svg) = drawing(&server, broken).await;
    assert_eq!(status, 200, "an image the page can show");
    assert_eq!(headers["content-type"], "image/svg+xml");
    assert!(
        svg.contains("LB-&gt;&gt;: &lt;b&gt;oops&lt;/b&gt;"),
        "the source, escaped: {svg}"
    );
    assert_static(&svg);
    // Not a diagram at all.
    let (_, _, svg) = drawing(&server, "just some words").await;
    assert!(svg.contains("just some words"), "{svg}");
    assert_static(&svg);
}

#[tokio::test]
async fn labels_that_carry_markup_are_drawn_as_text() {
    let server = Server::start().await.unwrap();
    let hostile = "flowchart TD\n  A[\"<img src=x onerror=alert(1)>\"] --> B[\"<script>alert(1)</script>\"]\n  click A \"javascript:alert(1)\"\n  C[<a href='https://tracker.example'>x</a>] --> A\n";
    let (status, _, svg) = drawing(&server, hostile).await;
    assert_eq!(status, 200);
    assert_static(&svg);
    assert!(!svg.contains("tracker.example"), "{svg}");
}

#[tokio::test]
async fn a_source_that_is_not_base64url_text_or_is_too_long_is_refused() {
    let server = Server::start().await.unwrap();
    for query in ["source=%25%25%25", "source=__8", "nothing=1"] {
        let response = server
            .http
            .get(server.url(&format!("/api/diagrams/mermaid.svg?{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{query}");
    }
    let long = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("A-->B\n".repeat(2000));
    let response = server
        .http
        .get(server.url(&format!("/api/diagrams/mermaid.svg?source={long}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn the_preview_the_read_page_and_the_html_export_show_the_drawing() {
    // The preview and the read page render with core's Markdown: an image
    // of the drawing's address.
    let html = to_safe_html(&format!("```mermaid\n{FAILOVER}```\n"));
    let url = mermaid_url(FAILOVER).unwrap();
    assert!(html.contains(&format!("<img src=\"{url}\"")), "{html}");

    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("Failover").await.unwrap();
    let writer = casebook_e2e::Client::connect(&server.ws_url(&pm.id, pm.token("author")))
        .await
        .unwrap();
    let causes = writer
        .doc
        .get_or_insert_text(casebook_core::document::section_text_name("causes").as_str());
    causes.insert(
        &mut writer.doc.transact_mut(),
        0,
        &format!("The failover:\n\n```mermaid\n{FAILOVER}```\n"),
    );
    let path = format!("/api/postmortems/{}/export.html", pm.id);
    let mut export = String::new();
    for _ in 0..200 {
        export = server
            .http
            .get(server.url(&path))
            .bearer_auth(pm.token("viewer"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if export.contains("The failover:") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // One file: the drawing is inside it, still as an image.
    let start = export
        .find("<img src=\"data:image/svg+xml;base64,")
        .unwrap_or_else(|| panic!("no inline drawing: {export}"));
    let data = &export[start + "<img src=\"data:image/svg+xml;base64,".len()..];
    let data = &data[..data.find('"').unwrap()];
    let svg = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(data)
            .unwrap(),
    )
    .unwrap();
    assert!(svg.contains("Replica promoted"), "{svg}");
    assert_static(&svg);
    assert!(
        !export.contains("/api/diagrams/"),
        "no address left in the export"
    );
}

#[tokio::test]
async fn a_diagram_that_does_not_parse_says_so_in_the_readers_language_then_gives_the_renderers_words(
) {
    let server = Server::start().await.unwrap();
    let url = mermaid_url("sequenceDiagram\n    LB->>: oops\n").unwrap();
    let ask = |language: &'static str| {
        let request = server.http.get(server.url(&url));
        async move {
            let response = request
                .header("accept-language", language)
                .send()
                .await
                .unwrap();
            let vary = response.headers()["vary"].to_str().unwrap().to_owned();
            (vary, response.text().await.unwrap())
        }
    };
    let (vary, ja) = ask("ja-JP,ja;q=0.9,en;q=0.8").await;
    assert_eq!(
        vary, "Accept-Language",
        "caches keep one drawing per language"
    );
    assert!(ja.contains("この図は描画できませんでした"), "{ja}");
    let (_, en) = ask("en-US,ja;q=0.5").await;
    assert!(en.contains("This diagram could not be drawn."), "{en}");
    assert!(!en.contains("この図"), "{en}");
    // Below the sentence, the renderer's own words, the same in both.
    let detail = |svg: &str| {
        svg.split("</text>")
            .nth(1)
            .map(str::to_owned)
            .unwrap_or_default()
    };
    assert_eq!(detail(&ja), detail(&en));
    assert!(!detail(&en).is_empty());
}
