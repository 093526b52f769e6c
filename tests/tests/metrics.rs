//! Prometheus metrics through the real server: the metrics listener exists
//! only with `--metrics-bind`, the public port never serves them, and after
//! a scripted session (edits, presence, a refused malformed update, meeting
//! commands, a phase change, closes) the exposition counts exactly what
//! happened, with the right labels (the binary also takes the address from
//! `CASEBOOK_METRICS_BIND`). The Grafana dashboard and the alerting
//! rules in `docs/` use only metrics a live server exports.

use casebook_core::close;
use casebook_e2e::{free_port, Client, Exposition, Process, Server};
use serde_json::json;
use std::path::Path;
use std::time::Duration;

/// Scrapes until `check` holds (the server counts a socket's end after the
/// client saw it), or returns the last scrape for the assertions to explain.
async fn scrape_until(port: u16, check: impl Fn(&Exposition) -> bool) -> Exposition {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let scraped = Exposition::scrape(port).await.expect("GET /metrics");
        if check(&scraped) || tokio::time::Instant::now() > deadline {
            return scraped;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn metrics_are_served_only_on_their_own_listener_and_only_when_asked() {
    let server = Server::start().await.unwrap();
    assert_eq!(
        server.metrics_port, None,
        "off unless --metrics-bind is set"
    );
    let server = Server::start_with(&["--metrics-bind", "127.0.0.1:0"])
        .await
        .unwrap();
    let port = server
        .metrics_port
        .expect("--metrics-bind opens a listener");
    assert_ne!(port, server.port);
    let scraped = Exposition::scrape(port).await.unwrap();
    assert_eq!(
        scraped.value(
            "casebook_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))]
        ),
        Some(1.0),
        "{}",
        scraped.text
    );
    // The public port has no /metrics, whatever the flag.
    let public = server
        .http
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(public.status(), 404);
    assert!(!public.text().await.unwrap().contains("casebook_"));
    // And the metrics listener serves nothing else.
    let other = reqwest::get(format!("http://127.0.0.1:{port}/api/postmortems"))
        .await
        .unwrap();
    assert_eq!(other.status(), 404);
}

#[tokio::test]
async fn the_binary_takes_the_metrics_address_from_its_environment() {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let server = Process::start_with_env(&[], &[("CASEBOOK_METRICS_BIND", Some(&addr))])
        .await
        .unwrap();
    let scraped = Exposition::scrape(port).await.unwrap();
    assert_eq!(
        scraped.value(
            "casebook_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))]
        ),
        Some(1.0)
    );
    assert!(scraped.value("process_start_time_seconds", &[]).is_some());
    let public = server
        .http
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(public.status(), 404);
    assert!(server.log().contains(&format!("http://{addr}/metrics")));
}

#[tokio::test]
async fn a_session_is_counted_with_its_labels() {
    let server = Server::start_with(&["--metrics-bind", "127.0.0.1:0"])
        .await
        .unwrap();
    let port = server.metrics_port.unwrap();
    let pm = server.create_postmortem("metrics").await.unwrap();
    let writer = Client::connect(&server.ws_url(&pm.id, pm.token("author")))
        .await
        .unwrap();
    let _watcher = Client::connect(&server.meeting_url(&pm.id, pm.token("viewer")))
        .await
        .unwrap();
    for chunk in ["one ", "two ", "three"] {
        writer.push(chunk);
    }
    writer.announce(json!({"user": {"name": "佐藤"}})).unwrap();
    let reader = Client::connect(&server.ws_url(&pm.id, pm.token("viewer")))
        .await
        .unwrap();
    reader
        .wait_text("one two three", Duration::from_secs(10))
        .await
        .unwrap();
    let facilitator = server.person(&pm.id, pm.token("facilitator"));
    facilitator
        .ok(json!({"type": "move_phase", "to": "silent_reading"}))
        .await;
    let participant = server.person(&pm.id, pm.token("participant"));
    let (status, _) = participant
        .command(json!({"type": "move_phase", "to": "q_and_a"}))
        .await;
    assert_eq!(status, 403);
    let vandal = Client::connect(&server.ws_url(&pm.id, pm.token("author")))
        .await
        .unwrap();
    vandal.send_raw(vec![0x00, 0x02, 0xff, 0xff, 0xff]).unwrap();
    let closed = vandal.wait_closed(Duration::from_secs(10)).await.unwrap();
    assert_eq!(closed.code, close::UNSUPPORTED_DATA);

    // While the writer and the watcher are connected.
    let document = [("kind", "document"), ("role", "author")];
    let m = scrape_until(port, |m| {
        m.value("casebook_sockets_open", &document) == Some(1.0)
            && m.value("casebook_sockets_closed_total", &[("code", "1003")]) == Some(1.0)
    })
    .await;
    let value = |name: &str, labels: &[(&str, &str)]| {
        m.value(name, labels)
            .unwrap_or_else(|| panic!("no {name} {labels:?} in\n{}", m.text))
    };
    assert_eq!(value("casebook_sockets_open", &document), 1.0);
    assert_eq!(
        value(
            "casebook_sockets_open",
            &[("kind", "document"), ("role", "viewer")]
        ),
        1.0
    );
    assert_eq!(
        value(
            "casebook_sockets_open",
            &[("kind", "meeting_room"), ("role", "viewer")]
        ),
        1.0
    );
    assert_eq!(value("casebook_updates_applied_total", &[]), 3.0);
    assert_eq!(
        value("casebook_updates_refused_total", &[("reason", "malformed")]),
        1.0
    );
    assert_eq!(
        value(
            "casebook_updates_refused_total",
            &[("reason", "not_allowed")]
        ),
        0.0
    );
    assert_eq!(
        value("casebook_sockets_closed_total", &[("code", "1003")]),
        1.0
    );
    assert_eq!(value("casebook_awareness_messages_total", &[]), 1.0);
    assert_eq!(
        value(
            "casebook_meeting_commands_total",
            &[("command", "move_phase"), ("outcome", "applied")]
        ),
        1.0
    );
    assert_eq!(
        value(
            "casebook_meeting_commands_total",
            &[("command", "move_phase"), ("outcome", "forbidden")]
        ),
        1.0
    );
    assert_eq!(
        value(
            "casebook_phase_transitions_total",
            &[("from", "drafting"), ("to", "silent_reading")]
        ),
        1.0
    );
    // HTTP by route template, never by raw path.
    assert_eq!(
        value(
            "casebook_http_requests_total",
            &[
                ("method", "POST"),
                ("route", "/api/postmortems"),
                ("status", "201")
            ]
        ),
        1.0
    );
    assert_eq!(
        value(
            "casebook_http_requests_total",
            &[
                ("method", "GET"),
                ("route", "/sync/{id}"),
                ("status", "101")
            ]
        ),
        3.0
    );
    assert_eq!(
        value(
            "casebook_http_request_duration_seconds_count",
            &[
                ("method", "POST"),
                ("route", "/api/postmortems/{id}/commands")
            ]
        ),
        2.0
    );
    assert!(!m.text.contains(&pm.id), "a raw path is in a label");
    assert_eq!(value("casebook_rooms_loaded", &[("kind", "document")]), 1.0);
    assert_eq!(
        value("casebook_rooms_loaded", &[("kind", "meeting_room")]),
        1.0
    );
    let stored = value("casebook_rooms_stored_bytes", &[("kind", "document")]);
    assert!(stored >= "one two three".len() as f64, "{stored}");
    assert_eq!(value("casebook_largest_document_stored_bytes", &[]), stored);
    // Every applied update went through a group commit before its broadcast
    // (the meeting room's projections too).
    assert!(value("casebook_edit_broadcast_seconds_count", &[]) >= 3.0);
    assert!(value("casebook_commit_batch_size_sum", &[]) >= 3.0);
    assert!(value("casebook_commit_duration_seconds_count", &[]) >= 1.0);
    assert_eq!(value("casebook_commit_failures_total", &[]), 0.0);
    assert!(value("process_resident_memory_bytes", &[]) > 0.0);
    assert!(value("process_open_fds", &[]) > 0.0);

    // The writer leaves: its socket is counted closed by the peer.
    writer.close();
    let m = scrape_until(port, |m| {
        m.value("casebook_sockets_open", &document) == Some(0.0)
    })
    .await;
    assert_eq!(m.value("casebook_sockets_open", &document), Some(0.0));
    assert_eq!(
        m.value("casebook_sockets_closed_total", &[("code", "peer")]),
        Some(1.0),
        "{}",
        m.text
    );
}

/// Metric names in a dashboard or rules file: every word that starts like
/// one of ours.
fn metric_names_in(text: &str) -> Vec<String> {
    let mut names: Vec<String> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .filter(|w| w.starts_with("casebook_") || w.starts_with("process_"))
        .map(str::to_owned)
        .collect();
    names.sort();
    names.dedup();
    names
}

#[tokio::test]
async fn the_dashboard_and_the_alerting_rules_use_only_exported_metrics() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dashboard = std::fs::read_to_string(root.join("docs/grafana-dashboard.json")).unwrap();
    let parsed: serde_json::Value =
        serde_json::from_str(&dashboard).expect("the dashboard is JSON");
    assert!(parsed["panels"].as_array().is_some_and(|p| !p.is_empty()));
    let rules = std::fs::read_to_string(root.join("docs/prometheus-alerts.yml")).unwrap();

    let server = Server::start_with(&["--metrics-bind", "127.0.0.1:0"])
        .await
        .unwrap();
    // A family is exported once it has a member: touch every one.
    let pm = server.create_postmortem("dashboard").await.unwrap();
    let writer = Client::connect(&server.ws_url(&pm.id, pm.token("author")))
        .await
        .unwrap();
    writer.push("a case");
    writer.announce(json!({"user": {"name": "SRE"}})).unwrap();
    writer.close();
    // Published, so the library indexes it.
    server
        .person(&pm.id, pm.token("facilitator"))
        .publish_overriding("metrics test: content is not the point")
        .await;
    let scraped = scrape_until(server.metrics_port.unwrap(), |m| {
        m.names().contains("casebook_sockets_closed_total")
    })
    .await;
    assert_eq!(
        scraped.value(
            "casebook_library_index_updates_total",
            &[("operation", "put"), ("outcome", "ok")]
        ),
        Some(1.0),
        "{}",
        scraped.text
    );
    assert_eq!(
        scraped.value(
            "casebook_phase_transitions_total",
            &[("from", "revision"), ("to", "published")]
        ),
        Some(1.0)
    );
    let exported = scraped.names();
    let named: std::collections::BTreeSet<String> = casebook_server::metrics::NAMES
        .iter()
        .map(|n| n.to_string())
        .collect();
    assert!(
        named.iter().all(|n| exported.contains(n)),
        "the session exported only {exported:?}"
    );
    for (file, text) in [
        ("docs/grafana-dashboard.json", &dashboard),
        ("docs/prometheus-alerts.yml", &rules),
    ] {
        let used = metric_names_in(text);
        assert!(used.len() >= 5, "{file} uses hardly any metric: {used:?}");
        let missing: Vec<&String> = used.iter().filter(|n| !exported.contains(*n)).collect();
        assert!(
            missing.is_empty(),
            "{file} uses metrics the server does not export: {missing:?}\nexported: {exported:?}"
        );
    }
}
