//! Every JSON answer of the API reads back as its `casebook_core::api` type,
//! the one the browser deserialises: what the server sends and what the
//! browser expects cannot drift apart unnoticed.

use casebook_core::api::{
    AllInsights, CommandAnswer, Created, Health, InsightsEntry, Invite, Joined, LibraryAnswer,
    MeetingAnswer, PostmortemDetails, PostmortemSummary, ReadLink, Readiness, Version, VersionDiff,
    VersionList, VersionSummary,
};
use casebook_core::case::Incident;
use casebook_core::{Phase, Role};
use casebook_e2e::{Server, ADMIN_TOKEN};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

/// The answer as `T`, or a panic saying which answer did not fit.
fn read<T: DeserializeOwned>(what: &str, (status, answer): (u16, Value)) -> T {
    assert!((200..300).contains(&status), "{what}: {status} {answer}");
    serde_json::from_value(answer.clone())
        .unwrap_or_else(|e| panic!("{what} does not read as its api type: {e}\n{answer}"))
}

#[tokio::test]
async fn every_answer_reads_as_the_type_the_browser_deserialises() {
    let server = Server::start().await.unwrap();
    let created: Created = read(
        "create",
        server
            .post(
                "/api/postmortems",
                ADMIN_TOKEN,
                json!({"title": "Disk full"}),
            )
            .await,
    );
    assert_eq!(created.tokens.len(), Role::ALL.len());
    let pm = server.create_postmortem("ディスク満杯").await.unwrap();
    let sre = server.join(&pm, "facilitator", "SRE").await;
    let joined: Joined = read(
        "join",
        server
            .post(
                &format!("/api/postmortems/{}/join", pm.id),
                pm.token("author"),
                json!({"name": "Aoki"}),
            )
            .await,
    );
    assert_eq!(
        (joined.role, joined.person.name.as_str()),
        (Role::Author, "Aoki")
    );

    let moved: CommandAnswer = read(
        "command",
        sre.command(json!({"type": "move_phase", "to": "silent_reading"}))
            .await,
    );
    assert_eq!(moved.meeting.state.phase, Phase::SilentReading);
    let meeting: MeetingAnswer = read("meeting", sre.get("/meeting").await);
    assert!(meeting.server_now_ms().is_some());
    let details: PostmortemDetails = read("details", sre.get("").await);
    assert_eq!(
        (details.role.as_str(), details.acts_as),
        ("facilitator", Role::Facilitator)
    );
    let as_admin: PostmortemDetails = read(
        "details (admin)",
        server.person(&pm.id, ADMIN_TOKEN).get("").await,
    );
    assert_eq!(
        (as_admin.role.as_str(), as_admin.acts_as),
        ("admin", Role::Facilitator)
    );
    let incident = json!({"started_at_ms": 1_793_595_900_000_u64, "utc_offset_minutes": 540});
    let path = format!("/api/postmortems/{}/incident", pm.id);
    let saved: Incident = read(
        "incident",
        server
            .call(reqwest::Method::PUT, &path, &sre.token, Some(incident))
            .await,
    );
    let details: PostmortemDetails = read("details with incident", sre.get("").await);
    assert_eq!(details.incident, Some(saved));
    let _: Readiness = read("readiness", sre.get("/readiness").await);
    let link: ReadLink = read("read link", sre.get("/read-link").await);
    assert!(!link.published && link.published_at_ms.is_none());
    let _: Vec<Invite> = read("invites", sre.get("/invites").await);
    let _: InsightsEntry = read("insights", sre.get("/insights").await);
    let versions = format!("/api/postmortems/{}/versions", pm.id);
    let saved: VersionSummary = read(
        "save a version",
        server
            .post(&versions, &sre.token, json!({"label": "v"}))
            .await,
    );
    let listed: VersionList = read("versions", sre.get("/versions").await);
    assert_eq!(listed.versions.last(), Some(&saved));
    let path = format!("/versions/{}", saved.id);
    let _: Version = read("a version", sre.get(&path).await);
    let _: VersionDiff = read("a diff", sre.get(&format!("{path}/diff")).await);

    let list: Vec<PostmortemSummary> =
        read("list", server.get("/api/postmortems", ADMIN_TOKEN).await);
    assert_eq!(list.len(), 2);
    let all: AllInsights = read(
        "all insights",
        server.get("/api/insights", ADMIN_TOKEN).await,
    );
    assert_eq!(all.meetings.len(), 2);
    let library: LibraryAnswer = read("library", server.get("/api/library", &sre.token).await);
    assert_eq!(library.total, 0);
    let health: Health = read("healthz", server.get("/healthz", "").await);
    assert_eq!(health.status, "ok");
}
