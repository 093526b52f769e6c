//! The smallest scenario against the real binary for about a second: the
//! report must hold measurements and every room must converge. Performance
//! is never asserted here.

use casebook_load::report::Value;
use casebook_load::scenario::{self, Scale};
use casebook_load::target::Kind;
use std::path::PathBuf;

fn casebook_bin() -> PathBuf {
    std::env::var_os("CASEBOOK_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/debug/casebook")
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quick_meeting_is_measured_and_converges() {
    let kind = Kind::Casebook {
        bin: casebook_bin(),
    };
    let report = scenario::run("meeting", &kind, Scale { quick: true })
        .await
        .expect("the meeting scenario runs")
        .expect("it applies to casebook");
    println!("{}", report.table(None));
    match report.get("edit → each other client") {
        Some(Value::Latency {
            count, p50, max, ..
        }) => {
            assert!(*count > 0, "no latency was measured");
            assert!(p50 <= max);
        }
        other => panic!("no latency row: {other:?}"),
    }
    match report.get("rooms converged") {
        Some(Value::Text(text)) => assert!(text.starts_with("1 of 1 (0 clients failed)"), "{text}"),
        other => panic!("no convergence row: {other:?}"),
    }
    assert!(
        matches!(report.get("server CPU (cores)"), Some(Value::Number { value, .. }) if value.is_finite())
    );
}
