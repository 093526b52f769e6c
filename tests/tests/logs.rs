//! The binary's log as a log shipper reads it: with `--log-format json`
//! every line is one JSON object with timestamp, level, target and message,
//! and lines about a socket or a command carry the postmortem, the socket
//! and the role (their span). The default filter keeps the libraries' INFO
//! chatter (tantivy's "save metas" on every index commit) out.

use casebook_core::close;
use casebook_e2e::{Client, Process};
use serde_json::{json, Value};
use std::time::Duration;

/// Every line of the log, parsed; panics on a line that is not JSON or
/// lacks one of the fields every line has.
fn json_lines(log: &str) -> Vec<Value> {
    log.lines()
        .map(|line| {
            let parsed: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
            for field in ["timestamp", "level", "target", "message"] {
                assert!(parsed[field].is_string(), "no {field} in {line}");
            }
            parsed
        })
        .collect()
}

fn line_with<'a>(lines: &'a [Value], message: &str) -> &'a Value {
    lines
        .iter()
        .find(|l| l["message"] == message)
        .unwrap_or_else(|| panic!("no line {message:?} in {lines:#?}"))
}

#[tokio::test]
async fn json_lines_name_the_postmortem_socket_and_role() {
    let mut server = Process::start_with(&["--log-format", "json"])
        .await
        .unwrap();
    let pm = server.create_postmortem("json logs").await.unwrap();
    let vandal = Client::connect(&server.ws_url(&pm.id, pm.token("author")))
        .await
        .unwrap();
    vandal.send_raw(vec![0x00, 0x02, 0xff, 0xff, 0xff]).unwrap();
    let closed = vandal.wait_closed(Duration::from_secs(10)).await.unwrap();
    assert_eq!(closed.code, close::UNSUPPORTED_DATA);
    let sre = server.person(&pm.id, pm.token("facilitator"));
    sre.ok(json!({"type": "move_phase", "to": "silent_reading"}))
        .await;
    server.stop();

    let lines = json_lines(&server.log());
    let closing = line_with(&lines, "closing socket");
    assert_eq!(closing["level"], "DEBUG");
    assert_eq!(closing["code"], close::UNSUPPORTED_DATA, "{closing}");
    assert_eq!(closing["span"]["name"], "socket", "{closing}");
    assert_eq!(closing["span"]["postmortem"], pm.id.as_str(), "{closing}");
    assert_eq!(closing["span"]["role"], "author", "{closing}");
    assert_eq!(closing["span"]["kind"], "document", "{closing}");
    assert!(closing["span"]["socket"].is_u64(), "{closing}");
    let command = line_with(&lines, "command applied");
    assert_eq!(command["span"]["name"], "command", "{command}");
    assert_eq!(command["span"]["postmortem"], pm.id.as_str(), "{command}");
    assert_eq!(command["span"]["role"], "facilitator", "{command}");
    assert_eq!(command["span"]["command"], "move_phase", "{command}");
}

#[tokio::test]
async fn the_default_filter_keeps_library_chatter_out() {
    // Without CASEBOOK_LOG: the default filter.
    let mut server = Process::start_with_env(
        &["--log-format", "json"],
        &[("CASEBOOK_LOG", None), ("CASEBOOK_LOG_FORMAT", None)],
    )
    .await
    .unwrap();
    let pm = server.create_postmortem("quiet logs").await.unwrap();
    // Publishing indexes the case: tantivy commits (and says so at INFO).
    server
        .person(&pm.id, pm.token("facilitator"))
        .publish_overriding("logs test: content is not the point")
        .await;
    let (status, _) = server
        .get(&format!("/api/postmortems/{}", pm.id), pm.token("viewer"))
        .await;
    assert_eq!(status, 200);
    server.stop();

    let lines = json_lines(&server.log());
    let listening = line_with(&lines, "casebook listening");
    assert_eq!(listening["level"], "INFO");
    let noise: Vec<&Value> = lines
        .iter()
        .filter(|l| {
            let target = l["target"].as_str().unwrap_or_default();
            !target.starts_with("casebook")
                && !matches!(l["level"].as_str(), Some("WARN" | "ERROR"))
        })
        .collect();
    assert!(noise.is_empty(), "library lines below WARN: {noise:#?}");
}
