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

/// Every `$ref` of the document names a schema it has.
#[tokio::test]
async fn every_schema_the_document_refers_to_is_in_it() {
    let server = Server::start().await.unwrap();
    let (_, api) = server.get("/api/openapi.json", "").await;
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
    let schemes = api["components"]["securitySchemes"]
        .as_object()
        .expect("security schemes");
    assert_eq!(
        schemes.keys().collect::<Vec<_>>(),
        ["admin", "member", "token_query"]
    );
}
