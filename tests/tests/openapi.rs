//! The OpenAPI document (`GET /api/openapi.json`) describes exactly what the
//! router serves, and what the API fuzz step (`cargo xtask test`,
//! Schemathesis against that document) found stays fixed.

use casebook_e2e::{Server, ADMIN_TOKEN};
use reqwest::Method;
use serde_json::Value;
use std::collections::BTreeSet;

/// The router's paths, read from axum's `Debug` of the router the server
/// builds (its route table, `RouteId(n): "/path"`): axum has no other way
/// to list them.
fn served_paths() -> BTreeSet<String> {
    let (router, _) = casebook_server::routes();
    let debug = format!("{router:?}");
    let mut table = debug
        .split_once("paths: {")
        .map(|(_, rest)| rest)
        .expect("axum's Debug of a Router shows its route table as `paths: {…}`");
    let mut paths = BTreeSet::new();
    // `RouteId(1): "/healthz", RouteId(2): "/api/postmortems/{id}"}`
    while let Some(start) = table.find(": \"") {
        let path = &table[start + 3..];
        let end = path.find('"').expect("a path ends with a quote");
        paths.insert(path[..end].to_owned());
        table = &path[end + 1..];
        if table.starts_with('}') {
            break;
        }
    }
    paths
}

fn documented(api: &Value) -> Vec<(String, Method)> {
    let mut operations = Vec::new();
    for (path, item) in api["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("a path item").keys() {
            if let Ok(method) = method.to_uppercase().parse::<Method>() {
                operations.push((path.clone(), method));
            }
        }
    }
    operations
}

#[test]
fn the_document_names_every_path_the_router_serves_and_no_other() {
    let (_, api) = casebook_server::routes();
    let served = served_paths();
    assert!(
        served.len() > 20,
        "the route table was not read: {served:?}"
    );
    let described: BTreeSet<String> = api.paths.paths.keys().cloned().collect();
    assert_eq!(
        served.difference(&described).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "served but not in the OpenAPI document"
    );
    assert_eq!(
        described.difference(&served).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "in the OpenAPI document but not served"
    );
}

#[tokio::test]
async fn every_documented_method_is_served_and_every_other_is_refused_with_405() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("routes").await.unwrap();
    let (status, api) = server.get("/api/openapi.json", "").await;
    assert_eq!(status, 200);
    assert_eq!(api["openapi"], "3.1.0");
    let operations = documented(&api);
    let paths: BTreeSet<&String> = operations.iter().map(|(path, _)| path).collect();
    for path in paths {
        let url = path
            .replace("{id}", &pm.id)
            .replace("{invite}", &pm.invites["viewer"]);
        for method in [
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::DELETE,
            Method::PATCH,
        ] {
            let answer = server
                .http
                .request(method.clone(), server.url(&url))
                .bearer_auth(ADMIN_TOKEN)
                .send()
                .await
                .unwrap();
            let status = answer.status().as_u16();
            let body = answer.text().await.unwrap_or_default();
            if operations.contains(&(path.clone(), method.clone())) {
                assert_ne!(status, 405, "{method} {path} is documented but refused");
                // The static files' fallback answers an empty 404.
                assert!(
                    status != 404 || body.contains("\"error\""),
                    "{method} {path} is documented but fell through to the static files"
                );
            } else {
                assert_eq!(status, 405, "{method} {path} is served but not documented");
            }
        }
    }
}

/// Every `$ref` of the document names a schema it has, and every operation
/// has its own id (a generated client names its methods after them).
#[tokio::test]
async fn every_schema_the_document_refers_to_is_in_it() {
    let server = Server::start().await.unwrap();
    let (_, api) = server.get("/api/openapi.json", "").await;
    let mut ids = BTreeSet::new();
    for item in api["paths"].as_object().expect("paths").values() {
        for operation in item.as_object().expect("a path item").values() {
            let id = operation["operationId"].as_str().expect("an operationId");
            assert!(ids.insert(id.to_owned()), "operationId {id} twice");
        }
    }
    let text = api.to_string();
    let schemas = api["components"]["schemas"].as_object().expect("schemas");
    for (i, _) in text.match_indices("\"$ref\":\"#/components/schemas/") {
        let rest = &text[i + "\"$ref\":\"#/components/schemas/".len()..];
        let name = &rest[..rest.find('"').unwrap()];
        assert!(schemas.contains_key(name), "no schema {name}");
    }
    for name in ["Command", "CommandAnswer", "Created", "ErrorBody", "Event"] {
        assert!(schemas.contains_key(name), "{name} is not described");
    }
    // A command is spelled out per `type`, each with its `command_id`, as
    // client generators need it.
    let commands = schemas["Command"]["oneOf"]
        .as_array()
        .expect("one per type");
    assert!(commands.len() > 10);
    for command in commands {
        let required = command["required"].as_array().expect("required fields");
        assert!(required.contains(&"command_id".into()), "{command}");
        assert!(required.contains(&"type".into()), "{command}");
    }
    assert_eq!(commands[0]["title"], "CommandMovePhase");
    let schemes = api["components"]["securitySchemes"]
        .as_object()
        .expect("security schemes");
    assert_eq!(
        schemes.keys().collect::<Vec<_>>(),
        ["admin", "member", "token_query"]
    );
}

// What the API fuzz run found, fixed and kept so.

/// Schemathesis sent a garbage `Authorization` header with a valid
/// `?token=`: the server ignored the header and answered 200.
#[tokio::test]
async fn an_authorization_header_that_is_not_a_bearer_token_is_refused_whatever_the_query_says() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("auth").await.unwrap();
    let url = server.url(&format!(
        "/api/postmortems/{}?token={}",
        pm.id,
        pm.token("facilitator")
    ));
    let status = |header: &'static str| {
        let request = server.http.get(&url).header("Authorization", header);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(status("Basic Zm9vOmJhcg==").await, 401);
    assert_eq!(status("Bearer").await, 401);
    let answer = server.http.get(&url).send().await.unwrap();
    assert_eq!(answer.status(), 200, "the query's token alone is enough");
    let bearer = format!("bearer {}", pm.token("viewer"));
    let answer = server
        .http
        .get(server.url(&format!("/api/postmortems/{}", pm.id)))
        .header("Authorization", bearer)
        .send()
        .await
        .unwrap();
    let details: Value = answer.json().await.unwrap();
    assert_eq!(
        details["role"], "viewer",
        "the scheme's name is case-insensitive"
    );
}

/// Schemathesis wrote integers as `1.0`, which JSON and the document's
/// `integer` allow; the server refused them with 400.
#[tokio::test]
async fn whole_numbers_written_with_a_fraction_are_read_as_integers() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("numbers").await.unwrap();
    let facilitator = pm.token("facilitator");
    let incident = format!("/api/postmortems/{}/incident", pm.id);
    let (status, answer) = server
        .call(
            Method::PUT,
            &incident,
            facilitator,
            Some(serde_json::json!({"started_at_ms": 900000.0, "utc_offset_minutes": 540.0})),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["utc_offset_minutes"], 540);
    let invites = format!("/api/postmortems/{}/invites", pm.id);
    let (status, answer) = server
        .post(
            &invites,
            facilitator,
            serde_json::json!({"role": "viewer", "expires_in_days": 2.0}),
        )
        .await;
    assert_eq!(status, 201, "{answer}");
    let (status, answer) = server
        .post(
            &invites,
            facilitator,
            serde_json::json!({"role": "viewer", "expires_in_days": 1.5}),
        )
        .await;
    assert_eq!(
        status, 400,
        "a fraction is still not a number of days: {answer}"
    );
}

/// A query or path that does not parse is refused like every other bad
/// input, as JSON (axum's own refusal was plain text, which the document
/// does not allow).
#[tokio::test]
async fn a_query_or_path_that_does_not_parse_is_refused_with_a_json_error() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("queries").await.unwrap();
    for (path, token) in [
        ("/api/library?q=a&q=b".to_owned(), ADMIN_TOKEN),
        (
            format!("/api/postmortems/{}/export.md?lang=en&lang=ja", pm.id),
            pm.token("viewer"),
        ),
        ("/read/%FF".to_owned(), ""),
    ] {
        let answer = server
            .http
            .get(server.url(&path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 400, "{path}");
        let body: Value = answer.json().await.expect("a JSON error");
        assert!(body["error"].is_string(), "{path}: {body}");
    }
}

/// Schemathesis sent titles, names and time zones the document allowed
/// and the server refused: the document now states the server's limits.
#[tokio::test]
async fn the_document_states_the_limits_the_server_checks() {
    use casebook_core::case::{MAX_OFFSET_MINUTES, MIN_OFFSET_MINUTES};
    use casebook_core::limits::{
        MAX_JOIN_NAME_CHARS, MAX_POSTMORTEM_TITLE_CHARS, MAX_VERSION_LABEL_CHARS,
    };
    let server = Server::start().await.unwrap();
    let (_, api) = server.get("/api/openapi.json", "").await;
    let schemas = &api["components"]["schemas"];
    let title = &schemas["NewPostmortem"]["properties"]["title"];
    assert_eq!(title["minLength"], 1);
    assert_eq!(title["maxLength"], MAX_POSTMORTEM_TITLE_CHARS);
    let name = &schemas["JoinRequest"]["properties"]["name"];
    assert_eq!(name["maxLength"], MAX_JOIN_NAME_CHARS);
    let label = &schemas["SaveVersion"]["properties"]["label"];
    assert_eq!(label["minLength"], 1);
    assert_eq!(label["maxLength"], MAX_VERSION_LABEL_CHARS);
    let offset = &schemas["Incident"]["properties"]["utc_offset_minutes"];
    assert_eq!(offset["minimum"], MIN_OFFSET_MINUTES);
    assert_eq!(offset["maximum"], MAX_OFFSET_MINUTES);
    assert_eq!(offset["multipleOf"], 15);
    // And what they say is what the server does.
    let (status, _) = server
        .post(
            "/api/postmortems",
            ADMIN_TOKEN,
            serde_json::json!({"title": "x".repeat(MAX_POSTMORTEM_TITLE_CHARS + 1)}),
        )
        .await;
    assert_eq!(status, 400);
}
