//! The OpenAPI 3.1 document of `/api/*`: each operation comes from its handler's
//! `#[utoipa::path]` (registered by the same router that serves it), the schemas from the
//! handlers' own types; [`Conventions`] adds what every operation shares — the error body on
//! every 4xx/5xx, `Retry-After` where a wait is known, the layers' own refusals, and the two
//! security schemes. Served at `GET /api/openapi.json`, written to `docs/openapi.json` by
//! `bank-connect-server openapi` (`cargo xtask openapi`).

use std::sync::OnceLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use bank_connect_core::api_types::ApiErrorBody;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, HeaderBuilder, ObjectBuilder, OpenApi as Document, RefOr, ResponseBuilder, Type,
};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

/// The session cookie scheme's name in the document.
pub const SESSION_COOKIE: &str = "session_cookie";
/// The host backend's bearer scheme's name in the document.
pub const HOST_SECRET: &str = "host_secret";

/// `401` of a route that needs a session.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum SessionRequired {
    /// No session, or one that ended.
    #[response(
        status = 401,
        description = "no-session: no session cookie came; session-expired: it is expired, revoked or signed by an unknown secret (never a new user)"
    )]
    Unauthorized(ApiErrorBody),
}

/// What a route that asks Basiq or the store may answer when they fail or push back.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum UpstreamErrors {
    /// Too many requests.
    #[response(
        status = 429,
        description = "rate-limited: too many requests from this session or address, or Basiq is busy"
    )]
    TooMany(ApiErrorBody),
    /// Basiq unreachable.
    #[response(
        status = 502,
        description = "upstream-error: Basiq could not be reached or answered garbage"
    )]
    BadGateway(ApiErrorBody),
    /// Basiq or the store down, or too slow.
    #[response(
        status = 503,
        description = "upstream-unavailable: Basiq is down; store-unavailable: the database is unreachable; request-timeout: over REQUEST_TIMEOUT_SECS"
    )]
    Unavailable(ApiErrorBody),
    /// Basiq too slow.
    #[response(
        status = 504,
        description = "upstream-timeout: Basiq did not answer in time"
    )]
    GatewayTimeout(ApiErrorBody),
}

/// `403` of a state-changing route a browser sends.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum OriginRefused {
    /// Another origin.
    #[response(
        status = 403,
        description = "origin-not-allowed: the Origin header is not this server's own"
    )]
    Forbidden(ApiErrorBody),
}

/// The refusals of a route that reads a JSON body (or an empty one).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum BodyErrors {
    /// Malformed.
    #[response(
        status = 400,
        description = "bad-request: the body is not the JSON described (unknown field, wrong type, invalid value)"
    )]
    BadRequest(ApiErrorBody),
    /// Body too large.
    #[response(
        status = 413,
        description = "payload-too-large: the body is over 16 KiB"
    )]
    TooLarge(ApiErrorBody),
    /// Not JSON.
    #[response(
        status = 415,
        description = "unsupported-media-type: a non-empty body that is not Content-Type: application/json"
    )]
    Unsupported(ApiErrorBody),
}

/// The document's frame: title, version and tags; the paths come from the router, and
/// [`Conventions`] runs once they are in.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "bank-connect server API",
        description = "The widget's own API (same origin, session cookie) and the host backend's (bearer secret). Errors are JSON {\"code\",\"message\"}: what happened and what to do.",
        license(name = "MIT OR Apache-2.0"),
    ),
    components(schemas(ApiErrorBody)),
    tags(
        (name = "session", description = "The browser's session and its Basiq token"),
        (name = "directory", description = "What the app reads first"),
        (name = "connections", description = "The session user's banks, accounts and transactions"),
        (name = "consent", description = "Basiq 3.0: the hand-off to the Consent UI"),
        (name = "host", description = "A host site's backend"),
        (name = "webhooks", description = "Deliveries from Basiq"),
        (name = "meta", description = "This document"),
    )
)]
struct ApiDoc;

/// The document: the frame merged with every operation the `/api` router registers.
pub fn document() -> Document {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::routes::api_openapi());
    Conventions.modify(&mut doc);
    doc
}

/// The document as pretty JSON with a final newline (the form of `docs/openapi.json`).
pub fn document_json() -> String {
    let json = document()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    // utoipa 5.5 writes a Link's `operationId` as `operation_id` (its Link has no camelCase
    // renaming); no other key of this document is spelt so.
    let mut json = json.replace("\"operation_id\": ", "\"operationId\": ");
    json.push('\n');
    json
}

/// `GET /api/openapi.json`: this document.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "meta",
    operation_id = "openapi",
    responses((status = 200, description = "This OpenAPI 3.1 document", content_type = "application/json", body = Object)),
)]
pub async fn serve() -> Response {
    static JSON: OnceLock<String> = OnceLock::new();
    let json = JSON.get_or_init(document_json).clone();
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        json,
    )
        .into_response()
}

/// What every operation shares, added after the paths are in.
struct Conventions;

impl Modify for Conventions {
    fn modify(&self, doc: &mut Document) {
        link_ids(doc);
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            SESSION_COOKIE,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::session::COOKIE_NAME,
                "The signed HttpOnly session cookie that POST /api/token sets (`__Host-bc_session` over HTTPS). Renewed while in use; expired or revoked: 401 session-expired.",
            ))),
        );
        components.add_security_scheme(
            HOST_SECRET,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("HOST_API_SECRET, sent by the host's backend only"))
                    .build(),
            ),
        );
        components
            .schemas
            .entry("ApiErrorBody".into())
            .or_insert_with(ApiErrorBody::schema);
        if let Some(schema) = components.schemas.get_mut("LinkTokenRequest") {
            at_least_one_of(schema, &crate::routes::LINK_TOKEN_CONTACTS);
        }
        for item in doc.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.delete,
                &mut item.put,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                optional_body(op);
                let responses = &mut op.responses.responses;
                responses.entry("421".into()).or_insert_with(|| {
                    RefOr::T(
                        ResponseBuilder::new()
                            .description("wrong-host: the Host is not one this server answers")
                            .build(),
                    )
                });
                responses.entry("503".into()).or_insert_with(|| {
                    RefOr::T(
                        ResponseBuilder::new()
                            .description("request-timeout: the request took longer than REQUEST_TIMEOUT_SECS")
                            .build(),
                    )
                });
                for (status, response) in responses.iter_mut() {
                    let RefOr::T(response) = response else {
                        continue;
                    };
                    let error = status.starts_with('4') || status.starts_with('5');
                    if error && status != "405" && response.content.is_empty() {
                        response.content.insert(
                            "application/json".into(),
                            ContentBuilder::new()
                                .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                                    ApiErrorBody::name(),
                                ))))
                                .build(),
                        );
                    }
                    if matches!(status.as_str(), "429" | "503") {
                        response
                            .headers
                            .entry("Retry-After".into())
                            .or_insert_with(|| {
                                HeaderBuilder::new()
                                    .schema(
                                        ObjectBuilder::new()
                                            .schema_type(Type::Integer)
                                            .minimum(Some(0)),
                                    )
                                    .description(Some(
                                        "Seconds to wait before trying again, when known",
                                    ))
                                    .build()
                            });
                    }
                }
            }
        }
    }
}

/// Where a later operation's parameter comes from (an answer's field), so a client — and
/// schemathesis's stateful phase — can follow real ids: (path, method, status, link name,
/// target operation id, parameter, runtime expression).
const LINKS: [(&str, &str, &str, &str, &str, &str, &str); 8] = [
    (
        "/api/connections",
        "get",
        "200",
        "transactions",
        "transactions",
        "id",
        "$response.body#/0/id",
    ),
    (
        "/api/connections",
        "get",
        "200",
        "refresh",
        "refresh_connection",
        "id",
        "$response.body#/0/id",
    ),
    (
        "/api/connections",
        "get",
        "200",
        "delete",
        "delete_connection",
        "id",
        "$response.body#/0/id",
    ),
    (
        "/api/connections/{id}/refresh",
        "post",
        "202",
        "job",
        "job",
        "id",
        "$response.body#/job_id",
    ),
    (
        "/api/connections/refresh",
        "post",
        "202",
        "job",
        "job",
        "id",
        "$response.body#/job_ids/0",
    ),
    (
        "/api/consents",
        "get",
        "200",
        "revoke",
        "revoke_consent",
        "id",
        "$response.body#/0/id",
    ),
    (
        "/api/consent/start",
        "post",
        "200",
        "result",
        "consent_result",
        "nonce",
        "$response.body#/nonce",
    ),
    (
        "/api/consent/result",
        "get",
        "200",
        "job",
        "job",
        "id",
        "$response.body#/job_id",
    ),
];

/// Adds [`LINKS`] to the answers they start from.
fn link_ids(doc: &mut Document) {
    use utoipa::openapi::link::LinkBuilder;
    for (path, method, status, name, target, parameter, expression) in LINKS {
        let Some(item) = doc.paths.paths.get_mut(path) else {
            continue;
        };
        let op = match method {
            "get" => item.get.as_mut(),
            "post" => item.post.as_mut(),
            _ => None,
        };
        if let Some(RefOr::T(response)) = op.and_then(|op| op.responses.responses.get_mut(status)) {
            let link = LinkBuilder::new()
                .operation_id(target)
                .parameter(parameter, expression)
                .build();
            response.links.insert(name.into(), RefOr::T(link));
        }
    }
}

/// `schema` and at least one of `fields` present (an `allOf` with an `anyOf` of `required`).
fn at_least_one_of(schema: &mut RefOr<utoipa::openapi::schema::Schema>, fields: &[&str]) {
    use utoipa::openapi::schema::{AllOfBuilder, AnyOfBuilder};
    let mut any = AnyOfBuilder::new();
    for field in fields {
        any = any.item(ObjectBuilder::new().required(*field));
    }
    let both = AllOfBuilder::new().item(schema.clone()).item(any).build();
    *schema = RefOr::T(both.into());
}

/// An optional body is an empty one or the object, never JSON `null`: utoipa writes an
/// `Option<T>` body as `oneOf: [null, T]`; this keeps `T` and marks the body not required.
fn optional_body(op: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::schema::Schema;
    let Some(body) = op.request_body.as_mut() else {
        return;
    };
    for content in body.content.values_mut() {
        let Some(RefOr::T(Schema::OneOf(one_of))) = &content.schema else {
            continue;
        };
        let not_null: Vec<RefOr<Schema>> = one_of
            .items
            .iter()
            .filter(
                |s| !matches!(s, RefOr::T(Schema::Object(o)) if o.schema_type == Type::Null.into()),
            )
            .cloned()
            .collect();
        if let [only] = not_null.as_slice() {
            content.schema = Some(only.clone());
            body.required = Some(utoipa::openapi::Required::False);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `docs/openapi.json` is this document: regenerate it with `cargo xtask openapi`.
    #[test]
    fn the_checked_in_document_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
        let checked_in = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            checked_in == document_json(),
            "docs/openapi.json is stale (or missing): run `cargo xtask openapi` and commit it"
        );
    }

    #[test]
    fn every_link_starts_from_an_answer_and_names_an_operation() {
        let doc: serde_json::Value = serde_json::from_str(&document_json()).unwrap();
        let ids: Vec<&str> = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|item| item.as_object().unwrap().values())
            .filter_map(|op| op["operationId"].as_str())
            .collect();
        for (path, method, status, name, target, _, _) in LINKS {
            let link = &doc["paths"][path][method]["responses"][status]["links"][name];
            assert_eq!(
                link["operationId"], target,
                "{path} {method} {status} {name}"
            );
            assert!(ids.contains(&target), "{target} is an operation");
        }
    }

    #[test]
    fn optional_bodies_are_empty_or_the_object() {
        let doc: serde_json::Value = serde_json::from_str(&document_json()).unwrap();
        let body = &doc["paths"]["/api/token"]["post"]["requestBody"];
        assert_eq!(body["required"], false, "{body}");
        assert_eq!(
            body["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/TokenRequest"
        );
        let required = &doc["paths"]["/api/link-tokens"]["post"]["requestBody"]["required"];
        assert_eq!(required, true);
    }

    #[test]
    fn sessions_are_a_cookie_scheme_and_limits_say_when_to_retry() {
        let doc: serde_json::Value = serde_json::from_str(&document_json()).unwrap();
        let scheme = &doc["components"]["securitySchemes"][SESSION_COOKIE];
        assert_eq!(scheme["type"], "apiKey");
        assert_eq!(scheme["in"], "cookie");
        assert_eq!(scheme["name"], crate::session::COOKIE_NAME);
        let accounts = &doc["paths"]["/api/accounts"]["get"];
        assert_eq!(
            accounts["security"][0][SESSION_COOKIE],
            serde_json::json!([])
        );
        let limited = &accounts["responses"]["429"]["headers"]["Retry-After"];
        assert_eq!(limited["schema"]["type"], "integer", "{accounts}");
    }

    #[test]
    fn every_error_answer_has_the_error_body() {
        let doc: serde_json::Value = serde_json::from_str(&document_json()).unwrap();
        let paths = doc["paths"].as_object().unwrap();
        assert!(paths.len() >= 15, "{}", paths.len());
        for (path, item) in paths {
            for (method, op) in item.as_object().unwrap() {
                for (status, response) in op["responses"].as_object().unwrap() {
                    if status.starts_with('4') || status.starts_with('5') {
                        assert_eq!(
                            response["content"]["application/json"]["schema"]["$ref"],
                            "#/components/schemas/ApiErrorBody",
                            "{method} {path} {status}"
                        );
                    }
                }
            }
        }
    }
}
