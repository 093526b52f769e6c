//! The OpenAPI 3.1 document of the HTTP API, served at `GET /api/openapi.json`.
//!
//! Nothing here lists an endpoint. Each handler carries its own
//! `#[utoipa::path]` (method, path, parameters, body, answers), the router
//! registers handlers only through `utoipa_axum::routes!`, which takes the
//! route's path from that annotation, and every body is a `core::api` type
//! (or a meeting command) whose schema core derives behind its `openapi`
//! feature. So the document and the router cannot drift apart, and a type
//! that changes changes its schema.
//!
//! What every operation shares is added here from what the operation asks
//! for ([`add_refusals`]): a token → 401, a postmortem in the path → 403 and
//! 404, a body → 400 and 413, each an [`ErrorBody`]. The security schemes say
//! how tokens travel (`Authorization: Bearer`, or `?token=`).
//!
//! Static files of the web bundle (the router's fallback) are not API and
//! are not described.

use casebook_core::api::ErrorBody;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{IntoParams, Modify, OpenApi as _, ToSchema};

/// Security scheme: the admin token.
pub const ADMIN: &str = "admin";
/// Security scheme: a role or personal token of the path's postmortem.
pub const MEMBER: &str = "member";
/// Security scheme: any token the operation accepts, as `?token=`.
pub const TOKEN_QUERY: &str = "token_query";

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Casebook",
        description = "The HTTP API of Casebook, the postmortem meeting editor. \
            Errors are `{\"error\": \"…\"}` (`ErrorBody`). Every token travels as \
            `Authorization: Bearer TOKEN` or, where a client cannot set headers \
            (WebSockets, export links), as `?token=TOKEN`. The document and the \
            meeting room are WebSockets speaking the y-websocket protocol (README \
            \"The shared document\", \"The meeting room\")."
    ),
    components(schemas(ErrorBody, casebook_core::case::PublishRefused)),
    modifiers(&Security),
    tags(
        (name = "postmortems", description = "Creating, listing, importing and reading postmortems"),
        (name = "invites", description = "Invite links and joining with a name"),
        (name = "meeting", description = "Meeting commands and the meeting's state"),
        (name = "case", description = "Readiness, the read link, the incident time, exports"),
        (name = "library", description = "Published cases and meeting insights"),
        (name = "versions", description = "Versions of the document and what changed between two"),
        (name = "sync", description = "The live document and meeting room (WebSocket upgrades)"),
        (name = "pages", description = "The browser app's pages and the published read page"),
        (name = "operations", description = "Health, backups and this document"),
        (name = "sign-in", description = "Signing in through the identity provider (OpenID Connect), when the server has it on"),
    )
)]
struct ApiDoc;

/// The document's frame (info, tags, security schemes); the router adds the
/// paths as it registers each handler.
pub fn base() -> OpenApi {
    ApiDoc::openapi()
}

/// Finishes the document the router collected: the shared error answers.
pub fn finish(mut api: OpenApi) -> OpenApi {
    add_refusals(&mut api);
    api
}

struct Security;

impl Modify for Security {
    fn modify(&self, api: &mut OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        let bearer = |description: &str| {
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(description))
                    .build(),
            )
        };
        components.add_security_scheme(
            ADMIN,
            bearer(
                "The admin token: printed in the admin link when the server starts \
                 (`--admin-token` / `CASEBOOK_ADMIN_TOKEN` to choose it).",
            ),
        );
        components.add_security_scheme(
            MEMBER,
            bearer(
                "A token of the path's postmortem: a role token from an invite link, or a \
                 personal token from `POST …/join`. Its role decides what it may do.",
            ),
        );
        components.add_security_scheme(
            TOKEN_QUERY,
            SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
                "token",
                "Any token the operation accepts, as a query parameter (the y-websocket \
                 client and export links can send nothing else). A bearer token wins.",
            ))),
        );
    }
}

/// `{id}`: a postmortem.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PostmortemId {
    /// The postmortem's id (12 characters of `[a-z0-9]`).
    #[allow(dead_code)]
    id: String,
}

/// `{id}` and `{invite}`: one invite link of a postmortem.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct InviteId {
    /// The postmortem's id.
    #[allow(dead_code)]
    id: String,
    /// The invite's id, as `POST …/invites` or `Created.invites` gave it.
    #[allow(dead_code)]
    invite: String,
}

/// An error answer as the document shows it.
fn refusal(description: &str) -> RefOr<Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name(ErrorBody::name())))
                    .build(),
            )
            .build(),
    )
}

/// Adds to every operation the error answers that follow from what it asks
/// for, unless its own annotation already describes that status.
fn add_refusals(api: &mut OpenApi) {
    for (path, item) in api.paths.paths.iter_mut() {
        let postmortem = path.contains("{id}");
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            add_operation_refusals(operation, postmortem);
        }
    }
}

fn add_operation_refusals(operation: &mut Operation, postmortem: bool) {
    let secured = operation
        .security
        .as_ref()
        .is_some_and(|alternatives| !alternatives.is_empty());
    let mut add = |status: &str, description: &str| {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| refusal(description));
    };
    if secured {
        add(
            "401",
            "No token, or one that is malformed, tampered with, expired, revoked, or not \
             the one this operation needs.",
        );
    }
    if operation.request_body.is_some() {
        add(
            "400",
            "Bad input: the body is not the JSON this operation reads, a field is out of \
             bounds, or a parameter is not valid.",
        );
        let too_large = format!(
            "The body is larger than {} KiB.",
            crate::MAX_JSON_BYTES / 1024
        );
        add("413", &too_large);
    }
    if secured && postmortem {
        add(
            "403",
            "The token is for another postmortem, or its role may not do this now \
             (the permission table in `casebook_core::permission`).",
        );
        add("404", "No such postmortem.");
        add("400", "A path or query parameter that is not valid.");
    }
}

/// The document as served: [`crate::routes`]' document with every
/// flattened tagged enum spelled out ([`spell_out_flattened_enums`]).
pub fn document_json() -> serde_json::Value {
    let mut json =
        serde_json::to_value(crate::routes().1).expect("the OpenAPI document serialises");
    if let Some(schemas) = json
        .pointer_mut("/components/schemas")
        .and_then(serde_json::Value::as_object_mut)
    {
        spell_out_flattened_enums(schemas);
    }
    json
}

/// A struct that flattens a tagged enum (`Command`: a `command_id` and a
/// `CommandKind`; `Event`: a time, an origin and a `Change`) derives as
/// `allOf: [{$ref: Kind}, {the struct's fields}]`, which JSON Schema reads
/// right but many client generators cannot (they drop the schema and every
/// operation using it). This rewrites it as what it means: `oneOf` one
/// object per variant, each with the variant's and the struct's fields,
/// titled by its `type` (`CommandMovePhase`), which generators name it by.
fn spell_out_flattened_enums(schemas: &mut serde_json::Map<String, serde_json::Value>) {
    use serde_json::{json, Value};
    let names: Vec<String> = schemas.keys().cloned().collect();
    for name in names {
        let Some(Value::Array(parts)) = schemas[&name].get("allOf") else {
            continue;
        };
        let [Value::Object(first), Value::Object(own)] = parts.as_slice() else {
            continue;
        };
        let Some(kind) = first
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
        else {
            continue;
        };
        let Some(Value::Array(variants)) = schemas.get(kind).and_then(|k| k.get("oneOf")) else {
            continue;
        };
        let spelled: Vec<Value> = variants
            .iter()
            .map(|variant| {
                let mut variant = variant.clone();
                for key in ["properties", "required"] {
                    let Some(extra) = own.get(key) else { continue };
                    let slot = variant
                        .as_object_mut()
                        .map(|v| v.entry(key).or_insert_with(|| extra.clone()));
                    match (slot, extra) {
                        (Some(Value::Object(mine)), Value::Object(more)) => {
                            for (k, v) in more {
                                mine.entry(k.clone()).or_insert_with(|| v.clone());
                            }
                        }
                        (Some(Value::Array(mine)), Value::Array(more)) => {
                            for v in more {
                                if !mine.contains(v) {
                                    mine.push(v.clone());
                                }
                            }
                        }
                        _ => {}
                    }
                }
                let tag = variant
                    .pointer("/properties/type/enum/0")
                    .and_then(Value::as_str)
                    .map(|tag| tag.split('_').map(capitalised).collect::<String>());
                if let (Some(tag), Some(fields)) = (tag, variant.as_object_mut()) {
                    fields.insert("title".into(), Value::from(format!("{name}{tag}")));
                }
                variant
            })
            .collect();
        let description = schemas[&name].get("description").cloned();
        let mut rewritten = json!({ "oneOf": spelled });
        if let Some(description) = description {
            rewritten["description"] = description;
        }
        schemas.insert(name, rewritten);
    }
}

/// `move` → `Move`.
fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `GET /api/openapi.json`: this document.
#[utoipa::path(
    get,
    operation_id = "openapi_document",
    path = "/api/openapi.json",
    tag = "operations",
    responses((status = 200, description = "This OpenAPI 3.1 document", content_type = "application/json"))
)]
pub async fn document() -> impl axum::response::IntoResponse {
    static JSON: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| document_json().to_string());
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        JSON.as_str(),
    )
}

/// A non-empty text of at most `max` characters (what the server checks
/// after trimming): some non-space character, within the limit.
fn text_up_to(max: usize, description: &str) -> utoipa::openapi::ObjectBuilder {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .min_length(Some(1))
        .max_length(Some(max))
        .pattern(Some(r"\S"))
        .description(Some(description))
}

/// `title` of `POST /api/postmortems`.
pub fn title_schema() -> utoipa::openapi::Object {
    use casebook_core::limits::MAX_POSTMORTEM_TITLE_CHARS;
    text_up_to(MAX_POSTMORTEM_TITLE_CHARS, "The title (trimmed).").build()
}

/// `title` of `POST /api/postmortems/import`: as [`title_schema`], or null.
pub fn import_title_schema() -> utoipa::openapi::Object {
    use casebook_core::limits::MAX_POSTMORTEM_TITLE_CHARS;
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
            utoipa::openapi::Type::String,
            utoipa::openapi::Type::Null,
        ]))
        .max_length(Some(MAX_POSTMORTEM_TITLE_CHARS))
        .description(Some(
            "The new postmortem's title; when absent or blank, the file's first heading.",
        ))
        .build()
}

/// `markdown` of `POST /api/postmortems/import`.
pub fn markdown_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .pattern(Some(r"\S"))
        .description(Some("The Markdown file (not blank)."))
        .build()
}

/// `team` of `POST …/join`: optional, no control characters; blank is none.
pub fn team_schema() -> utoipa::openapi::Object {
    use casebook_core::limits::MAX_TEAM_CHARS;
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
            utoipa::openapi::Type::String,
            utoipa::openapi::Type::Null,
        ]))
        .max_length(Some(MAX_TEAM_CHARS))
        .pattern(Some(r"^[^\x00-\x1f\x7f-\x9f]*$"))
        .description(Some(
            "The person's team (optional; trimmed, blank is none), without control characters.",
        ))
        .build()
}

/// `name` of `POST …/join`: no control characters.
pub fn name_schema() -> utoipa::openapi::Object {
    use casebook_core::limits::MAX_JOIN_NAME_CHARS;
    text_up_to(
        MAX_JOIN_NAME_CHARS,
        "The display name (trimmed), without control characters.",
    )
    .pattern(Some(
        r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$",
    ))
    .build()
}
