//! Images pasted into the document: `POST /api/postmortems/{id}/images`
//! takes PNG, JPEG, GIF and WebP by their bytes and refuses everything else;
//! `GET …/images/{image}` serves them so that they can only be images; they
//! are durable before the 201 (kill -9), in backups, and show in the read
//! page and the exports.

use base64::Engine;
use casebook_core::api::UploadedImage;
use casebook_e2e::images::{self, gif, jpeg, png, webp};
use casebook_e2e::{run_casebook, Client, Created, Endpoint, Process, Server};
use std::time::Duration;
use yrs::{Text, Transact};

/// Uploads `bytes` declared as `declared` with `token`; the status and the
/// answer's JSON.
async fn upload(
    server: &Endpoint,
    pm: &str,
    token: &str,
    declared: &str,
    bytes: Vec<u8>,
) -> (u16, serde_json::Value) {
    images::upload(server, pm, token, Some(declared), bytes).await
}

async fn fetch(server: &Endpoint, url: &str) -> reqwest::Response {
    server
        .http
        .get(server.url(url))
        .send()
        .await
        .expect("the server answers")
}

#[tokio::test]
async fn each_accepted_kind_is_stored_and_served_with_its_own_type_and_safe_headers() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("Checkout outage").await.unwrap();
    for (bytes, declared, served) in [
        (png(), "image/png", "image/png"),
        (jpeg(), "image/jpeg", "image/jpeg"),
        (gif(), "image/gif", "image/gif"),
        // The declared type is not believed: the bytes say WebP.
        (webp(), "application/octet-stream", "image/webp"),
    ] {
        let (status, answer) =
            upload(&server, &pm.id, pm.token("author"), declared, bytes.clone()).await;
        assert_eq!(status, 201, "{declared}: {answer}");
        let image: UploadedImage = serde_json::from_value(answer).unwrap();
        assert_eq!(image.content_type, served);
        assert_eq!(image.bytes, bytes.len() as u64);
        assert_eq!(image.id.len(), 64);
        assert_eq!(
            image.url,
            format!("/api/postmortems/{}/images/{}", pm.id, image.id)
        );
        assert_eq!(image.markdown, format!("![p99 latency]({})", image.url));

        // Served without a token (an <img> sends none), as what it is.
        let response = fetch(&server, &image.url).await;
        assert_eq!(response.status(), 200);
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(header("content-type"), served);
        assert_eq!(header("x-content-type-options"), "nosniff");
        assert_eq!(
            header("content-security-policy"),
            "default-src 'none'; sandbox"
        );
        assert!(
            header("cache-control").contains("immutable"),
            "{}",
            header("cache-control")
        );
        assert!(header("cache-control").contains("max-age=31536000"));
        assert_eq!(response.bytes().await.unwrap().as_ref(), bytes.as_slice());
    }
    // The same bytes again are the same image.
    let (status, again) =
        upload(&server, &pm.id, pm.token("participant"), "image/png", png()).await;
    assert_eq!(status, 201, "{again}");
    let (_, first) = upload(&server, &pm.id, pm.token("facilitator"), "image/png", png()).await;
    assert_eq!(again["id"], first["id"]);
}

#[tokio::test]
async fn svg_html_and_files_that_lie_about_their_type_are_refused_and_nothing_is_stored() {
    // One image per postmortem: whether anything was stored shows in
    // whether one more image still fits.
    let server = Server::start_with(&["--max-images-per-doc", "1"])
        .await
        .unwrap();
    let pm = server.create_postmortem("Checkout outage").await.unwrap();
    let author = pm.token("author");
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><script>alert(1)</script></svg>";
    let (status, answer) = upload(&server, &pm.id, author, "image/svg+xml", svg.to_vec()).await;
    assert_eq!(status, 415, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("SVG"),
        "{answer}"
    );
    // An SVG declared as a PNG is still an SVG.
    let (status, _) = upload(&server, &pm.id, author, "image/png", svg.to_vec()).await;
    assert_eq!(status, 415);
    let html = b"<!doctype html><script>alert(document.cookie)</script>";
    let (status, answer) = upload(&server, &pm.id, author, "image/gif", html.to_vec()).await;
    assert_eq!(status, 415, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("HTML"),
        "{answer}"
    );
    let (status, answer) = upload(
        &server,
        &pm.id,
        author,
        "image/jpeg",
        b"%PDF-1.7 ...".to_vec(),
    )
    .await;
    assert_eq!(status, 415, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("PNG, JPEG, GIF"),
        "{answer}"
    );
    let (status, _) = upload(&server, &pm.id, author, "image/png", Vec::new()).await;
    assert_eq!(status, 400);
    // Nothing of that was stored: the one image the postmortem may hold
    // still fits, and then no other.
    assert_eq!(
        upload(&server, &pm.id, author, "image/png", png()).await.0,
        201
    );
    assert_eq!(
        upload(&server, &pm.id, author, "image/gif", gif()).await.0,
        409
    );
}

#[tokio::test]
async fn the_size_and_count_limits_are_the_flags_and_say_so() {
    let big = png().len() + 10;
    let max = big.to_string();
    let server = Server::start_with(&["--max-image-bytes", &max, "--max-images-per-doc", "2"])
        .await
        .unwrap();
    let pm = server.create_postmortem("Checkout outage").await.unwrap();
    let author = pm.token("author");
    let mut large = png();
    large.resize(big + 1, 0);
    let (status, answer) = upload(&server, &pm.id, author, "image/png", large).await;
    assert_eq!(status, 413, "{answer}");
    assert!(answer["error"].as_str().unwrap().contains(&max), "{answer}");
    assert_eq!(
        upload(&server, &pm.id, author, "image/png", png()).await.0,
        201
    );
    assert_eq!(
        upload(&server, &pm.id, author, "image/gif", gif()).await.0,
        201
    );
    let (status, answer) = upload(&server, &pm.id, author, "image/webp", webp()).await;
    assert_eq!(status, 409, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("2 images"),
        "{answer}"
    );
    // An image it already holds is no new image.
    assert_eq!(
        upload(&server, &pm.id, author, "image/png", png()).await.0,
        201
    );
    // Another postmortem has its own count.
    let other = server.create_postmortem("Other").await.unwrap();
    let (status, _) = upload(
        &server,
        &other.id,
        other.token("author"),
        "image/webp",
        webp(),
    )
    .await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn only_writers_with_a_valid_token_upload_and_a_viewer_or_a_published_case_refuse() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("Checkout outage").await.unwrap();
    let (status, _) = upload(&server, &pm.id, "not-a-token", "image/png", png()).await;
    assert_eq!(status, 401);
    let other = server.create_postmortem("Other").await.unwrap();
    let (status, _) = upload(&server, &pm.id, other.token("author"), "image/png", png()).await;
    assert_eq!(status, 403, "a token of another postmortem");
    let (status, answer) = upload(&server, &pm.id, pm.token("viewer"), "image/png", png()).await;
    assert_eq!(status, 403, "{answer}");
    assert_eq!(
        upload(&server, &pm.id, pm.token("participant"), "image/png", png())
            .await
            .0,
        201
    );
    let facilitator = server.person(&pm.id, pm.token("facilitator"));
    facilitator.publish_overriding("images test").await;
    let (status, answer) = upload(&server, &pm.id, pm.token("author"), "image/gif", gif()).await;
    assert_eq!(status, 403, "a published case is read-only: {answer}");
    // Images that are not there, or ids that are not ids, are 404.
    let missing = format!("/api/postmortems/{}/images/{}", pm.id, "0".repeat(64));
    assert_eq!(fetch(&server, &missing).await.status(), 404);
    let bad = format!("/api/postmortems/{}/images/..%2F..%2Fsecrets", pm.id);
    assert_eq!(fetch(&server, &bad).await.status(), 404);
}

#[tokio::test]
async fn an_image_shows_in_the_read_page_and_both_exports() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("Checkout outage").await.unwrap();
    let (_, answer) = upload(&server, &pm.id, pm.token("author"), "image/png", png()).await;
    let image: UploadedImage = serde_json::from_value(answer).unwrap();
    let writer = casebook_e2e::Client::connect(&server.ws_url(&pm.id, pm.token("author")))
        .await
        .unwrap();
    let summary = writer
        .doc
        .get_or_insert_text(casebook_core::document::section_text_name("summary").as_str());
    let text = format!(
        "Latency:\n\n{}\n\n![tracker](https://tracker.example/p.gif)\n",
        image.markdown
    );
    summary.insert(&mut writer.doc.transact_mut(), 0, &text);
    writer.wait_synced().await.unwrap();
    let viewer = pm.token("viewer").to_owned();
    let text = |path: String| {
        let (server, viewer) = (&server, viewer.clone());
        async move {
            let response = server
                .http
                .get(server.url(&path))
                .bearer_auth(viewer)
                .send()
                .await
                .unwrap();
            let csp = response
                .headers()
                .get("content-security-policy")
                .map(|v| v.to_str().unwrap().to_owned());
            (response.text().await.unwrap(), csp)
        }
    };
    // The edit reaches the server's document a moment after it is sent.
    let mut markdown = String::new();
    for _ in 0..200 {
        (markdown, _) = text(format!("/api/postmortems/{}/export.md", pm.id)).await;
        if markdown.contains("Latency:") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // The Markdown file is read elsewhere: the image's address is absolute.
    assert!(
        markdown.contains(&format!("![p99 latency]({}{})", server.url(""), image.url)),
        "{markdown}"
    );
    let (html, csp) = text(format!("/api/postmortems/{}/export.html", pm.id)).await;
    // The HTML export is one file that works offline: the image is inside it.
    let inline = format!(
        "src=\"data:image/png;base64,{}\"",
        base64::engine::general_purpose::STANDARD.encode(png())
    );
    assert!(html.contains(&inline), "{html}");
    assert!(
        !html.contains("tracker.example/p.gif\" alt"),
        "no remote image loads: {html}"
    );
    assert!(
        html.contains("<a href=\"https://tracker.example/p.gif\">tracker</a>"),
        "{html}"
    );
    let csp = csp.unwrap();
    assert!(csp.contains("img-src 'self' data:"), "{csp}");
    assert!(!csp.contains("https:"), "{csp}");

    let facilitator = server.person(&pm.id, pm.token("facilitator"));
    facilitator.publish_overriding("images test").await;
    let (page, _) = text(format!("/read/{}", pm.id)).await;
    assert!(
        page.contains(&format!("<img src=\"{}\" alt=\"p99 latency\"", image.url)),
        "{page}"
    );
}

#[tokio::test]
async fn an_image_survives_kill_9_and_is_in_a_backup() {
    let mut server = Process::start().await.unwrap();
    let pm = server.create_postmortem("Checkout outage").await.unwrap();
    let (status, answer) = upload(&server, &pm.id, pm.token("author"), "image/gif", gif()).await;
    assert_eq!(status, 201, "{answer}");
    let url = answer["url"].as_str().unwrap().to_owned();
    // The 201 came after the flush: no shutdown code needs to run.
    server.kill9();
    server.start_again().await.unwrap();
    let response = fetch(&server, &url).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.bytes().await.unwrap().as_ref(), gif().as_slice());

    let temp = tempfile::tempdir().unwrap();
    let backup = temp.path().join("backup");
    let output = tokio::task::spawn_blocking({
        let (dir, base) = (backup.clone(), server.url(""));
        move || {
            run_casebook(&[
                "backup".as_ref(),
                dir.as_os_str(),
                "--server".as_ref(),
                base.as_ref(),
            ])
        }
    })
    .await
    .unwrap();
    assert!(output.status.success(), "{output:?}");
    let restored_dir = temp.path().join("restored");
    let output = run_casebook(&[
        "restore".as_ref(),
        backup.as_os_str(),
        restored_dir.as_os_str(),
    ]);
    assert!(output.status.success(), "{output:?}");
    server.stop();
    let restored = Process::start_in(&restored_dir, &[]).await.unwrap();
    let response = fetch(&restored, &url).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.bytes().await.unwrap().as_ref(), gif().as_slice());
}

#[tokio::test]
async fn an_image_larger_than_a_json_body_is_taken_up_to_the_default_limit() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("Checkout outage").await.unwrap();
    // A full-screen screenshot: far past the 1 MiB a JSON body may have.
    let mut screenshot = png();
    screenshot.resize(3 << 20, 7);
    let (status, answer) =
        upload(&server, &pm.id, pm.token("author"), "image/png", screenshot).await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["bytes"], 3 << 20);
    let mut huge = png();
    huge.resize((5 << 20) + 1, 7);
    let (status, _) = upload(&server, &pm.id, pm.token("author"), "image/png", huge).await;
    assert_eq!(status, 413);
}

/// A phone photo's JPEG: EXIF with GPS coordinates, the device and its
/// serial number and an orientation (written by piexif 1.1.3, an EXIF
/// writer independent of ours, into a real 2×2 JPEG), then an XMP segment
/// with the coordinates again and a comment.
const PHONE_PHOTO: &[u8] = include_bytes!("../fixtures/phone-photo-gps.jpg");

#[tokio::test]
async fn a_phone_photo_is_stored_without_its_location_and_device_but_upright() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("Datacenter visit").await.unwrap();
    let (status, answer) = upload(
        &server,
        &pm.id,
        pm.token("author"),
        "image/jpeg",
        PHONE_PHOTO.to_vec(),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
    let response = fetch(&server, answer["url"].as_str().unwrap()).await;
    assert_eq!(response.status().as_u16(), 200);
    let served = response.bytes().await.unwrap().to_vec();
    let has = |bytes: &[u8], needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    for secret in [
        &b"iPhone"[..],
        b"Apple",
        b"F2LXK1234567",
        b"2026:11:02",
        b"ns.adobe.com",
        b"GPSLatitude",
        b"Taken at home",
    ] {
        assert!(has(PHONE_PHOTO, secret), "the fixture carries it");
        assert!(
            !has(&served, secret),
            "{} is still in the stored image",
            String::from_utf8_lossy(secret)
        );
    }
    // The orientation (6: taken sideways) is kept, alone.
    let upright = casebook_server::images::strip::orientation_exif(6);
    assert!(has(&served, &upright), "the orientation is kept");
    // The picture itself is the same bytes: from the quantisation tables on.
    let from_tables = |bytes: &[u8]| {
        let at = bytes.windows(2).position(|w| w == [0xff, 0xdb]).unwrap();
        bytes[at..].to_vec()
    };
    assert_eq!(from_tables(&served), from_tables(PHONE_PHOTO));
    assert_eq!(answer["bytes"].as_u64().unwrap(), served.len() as u64);
    assert!(served.len() < PHONE_PHOTO.len() - 500, "{}", served.len());
    casebook_e2e::report(&format!(
        "phone photo: {} bytes uploaded, {} stored",
        PHONE_PHOTO.len(),
        served.len()
    ));
}

/// Makes the Summary read `markdown` through `token`'s socket and waits
/// until the server has it.
async fn set_summary(server: &Server, pm: &Created, token: &str, markdown: &str) {
    use yrs::GetString;
    let name = casebook_core::document::section_text_name("summary");
    let doc = Client::connect(&server.ws_url(&pm.id, token))
        .await
        .unwrap();
    {
        let summary = doc.doc.get_or_insert_text(name.as_str());
        let mut txn = doc.doc.transact_mut();
        let len = summary.len(&txn);
        summary.remove_range(&mut txn, 0, len);
        summary.insert(&mut txn, 0, markdown);
    }
    let viewer = Client::connect(&server.ws_url(&pm.id, pm.token("viewer")))
        .await
        .unwrap();
    viewer
        .wait_until(Duration::from_secs(10), |c| {
            let text = c.doc.get_or_insert_text(name.as_str());
            text.get_string(&c.doc.transact()) == markdown
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn an_image_no_document_or_version_mentions_is_deleted_after_the_grace_period() {
    // Five seconds' grace: far longer than writing an image's Markdown takes.
    let server = Server::start_with(&["--unused-image-grace-secs", "5"])
        .await
        .unwrap();
    let pm = server.create_postmortem("Checkout outage").await.unwrap();
    let other = server.create_postmortem("Payments outage").await.unwrap();
    let author = pm.token("author");
    let (_, shown) = upload(&server, &pm.id, author, "image/png", png()).await;
    let (_, in_a_version) = upload(&server, &pm.id, author, "image/webp", webp()).await;
    let (_, copied) = upload(&server, &pm.id, author, "image/jpeg", jpeg()).await;
    let (_, unused) = upload(&server, &pm.id, author, "image/gif", gif()).await;
    let markdown = |image: &serde_json::Value| image["markdown"].as_str().unwrap().to_owned();
    // In the document; in a version only (written, saved, then deleted);
    // copied into another case's document; and never used.
    let both = format!("{}\n{}", markdown(&shown), markdown(&in_a_version));
    set_summary(&server, &pm, author, &both).await;
    let (status, _) = server
        .post(
            &format!("/api/postmortems/{}/versions", pm.id),
            author,
            serde_json::json!({ "label": "with the graph" }),
        )
        .await;
    assert_eq!(status, 201);
    set_summary(&server, &pm, author, &markdown(&shown)).await;
    set_summary(&server, &other, other.token("author"), &markdown(&copied)).await;

    let url = unused["url"].as_str().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while fetch(&server, url).await.status().as_u16() != 404 {
        assert!(
            std::time::Instant::now() < deadline,
            "the unused image is still served"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for kept in [&shown, &in_a_version, &copied] {
        let response = fetch(&server, kept["url"].as_str().unwrap()).await;
        assert_eq!(response.status().as_u16(), 200, "{kept}");
    }
}
