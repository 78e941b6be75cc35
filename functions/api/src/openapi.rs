//! The OpenAPI 3 document of the API, generated from the request and response types, so that
//! clients, docs and fuzzers follow the code.

use ccwb_core::{Policy, PolicyFields, PolicyPatch};
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Map, Value, json};

use crate::routes::{
    AdminRoute, CATALOGUE, CheckRoute, DistributionRoute, Entry, IngestRoute, Route, StatusRoute,
    UnblockRoute,
};
use crate::{
    AuditPage, CheckResponse, CreateDistribution, DistributionRecord, ErrorEnvelope, ImportRequest,
    ImportResponse, MeResponse, PolicyExport, PolicyList, PublishRequest, ResolveResponse,
    StatusResponse, UnblockHistory, UnblockRecord, UnblockRequest, UploadTicket, UsageResponse,
};

/// What the document says of a route beyond its catalogue entry: parameters, body, answers.
struct Details {
    query: &'static [(&'static str, &'static str)],
    request: Option<Value>,
    response: (u16, Option<Value>),
    errors: &'static [u16],
}

/// The `groups` parameter of `/resolve` and `/usage/{email}`.
const GROUPS_PARAM: &str = "comma-separated groups; without it, the groups of the token the user's latest telemetry this month came with (groups_source says which)";

/// The schema of `T`, registered with the document's components.
fn of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Value {
    generator.subschema_for::<T>().to_value()
}

/// The details of `route`: exhaustive, so a new route cannot be left out of the document.
fn details(route: Route, g: &mut SchemaGenerator) -> Details {
    let d = |query, request, response, errors| Details {
        query,
        request,
        response,
        errors,
    };
    match route {
        Route::Check(CheckRoute::Check) => {
            d(&[], None, (200, Some(of::<CheckResponse>(g))), &[401])
        }
        Route::Check(CheckRoute::Me) => d(&[], None, (200, Some(of::<MeResponse>(g))), &[401]),
        Route::Admin(AdminRoute::ListPolicies) => d(
            &[
                ("type", "user, group or default"),
                ("limit", "1 to 1000 (default 100)"),
                ("next", "cursor from the previous page"),
            ],
            None,
            (200, Some(of::<PolicyList>(g))),
            &[400, 401, 403],
        ),
        Route::Admin(AdminRoute::ExportPolicies) => d(
            &[("type", "user, group or default")],
            None,
            (200, Some(of::<PolicyExport>(g))),
            &[400, 401, 403],
        ),
        Route::Admin(AdminRoute::ImportPolicies) => d(
            &[],
            Some(of::<ImportRequest>(g)),
            (200, Some(of::<ImportResponse>(g))),
            &[400, 401, 403, 413],
        ),
        Route::Admin(AdminRoute::GetPolicy) => d(
            &[],
            None,
            (200, Some(of::<Policy>(g))),
            &[400, 401, 403, 404],
        ),
        Route::Admin(AdminRoute::PutPolicy) => d(
            &[],
            Some(of::<PolicyFields>(g)),
            (200, Some(of::<Policy>(g))),
            &[400, 401, 403, 409, 412, 413],
        ),
        Route::Admin(AdminRoute::PatchPolicy) => d(
            &[],
            Some(of::<PolicyPatch>(g)),
            (200, Some(of::<Policy>(g))),
            &[400, 401, 403, 404, 409, 412, 413],
        ),
        Route::Admin(AdminRoute::DeletePolicy) => {
            d(&[], None, (204, None), &[400, 401, 403, 404, 409, 412])
        }
        Route::Admin(AdminRoute::Resolve) => d(
            &[
                ("email", "the user's e-mail address (required)"),
                ("groups", GROUPS_PARAM),
            ],
            None,
            (200, Some(of::<ResolveResponse>(g))),
            &[400, 401, 403],
        ),
        Route::Admin(AdminRoute::Usage) => d(
            &[("groups", GROUPS_PARAM)],
            None,
            (200, Some(of::<UsageResponse>(g))),
            &[400, 401, 403],
        ),
        Route::Unblock(UnblockRoute::Grant) => d(
            &[],
            Some(of::<UnblockRequest>(g)),
            (201, Some(of::<UnblockRecord>(g))),
            &[400, 401, 403, 409, 413],
        ),
        Route::Unblock(UnblockRoute::Revoke) => d(
            &[],
            None,
            (200, Some(of::<UnblockRecord>(g))),
            &[400, 401, 403, 404, 409],
        ),
        Route::Unblock(UnblockRoute::History) => d(
            &[],
            None,
            (200, Some(of::<UnblockHistory>(g))),
            &[400, 401, 403],
        ),
        Route::Unblock(UnblockRoute::Audit) => d(
            &[
                ("since", "RFC 3339, a date, or 7d/24h/30m back (default 7d)"),
                ("until", "RFC 3339 or a date (default now)"),
                ("actor", "only this administrator"),
                ("target", "only targets containing this text"),
                ("action", "only actions starting with this text"),
                ("limit", "1 to 500 (default 100)"),
                ("next", "cursor from the previous page"),
            ],
            None,
            (200, Some(of::<AuditPage>(g))),
            &[400, 401, 403],
        ),
        Route::Distribution(DistributionRoute::Create) => d(
            &[],
            Some(of::<CreateDistribution>(g)),
            (201, Some(of::<UploadTicket>(g))),
            &[400, 401, 403],
        ),
        Route::Distribution(DistributionRoute::Publish) => d(
            &[],
            Some(of::<PublishRequest>(g)),
            (200, Some(of::<DistributionRecord>(g))),
            &[400, 401, 403, 404, 409],
        ),
        Route::Distribution(DistributionRoute::Latest) => d(
            &[],
            None,
            (200, Some(of::<DistributionRecord>(g))),
            &[401, 403, 404, 410],
        ),
        Route::Status(StatusRoute::Status) => {
            d(&[], None, (200, Some(of::<StatusResponse>(g))), &[401, 403])
        }
        Route::Ingest(IngestRoute::Metrics) => d(
            &[],
            Some(
                json!({"type": "object", "description": "opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest"}),
            ),
            (
                200,
                Some(
                    json!({"type": "object", "description": "ExportMetricsServiceResponse (partialSuccess when points were rejected)"}),
                ),
            ),
            &[400, 401, 403, 413],
        ),
    }
}

/// The document, for `GET /openapi.json`.
pub fn document() -> Value {
    let mut generator: SchemaGenerator = SchemaSettings::openapi3().into_generator();
    let operations: Vec<(&Entry, Details)> = CATALOGUE
        .iter()
        .map(|entry| (entry, details(entry.route, &mut generator)))
        .collect();
    let error = of::<ErrorEnvelope>(&mut generator);

    let mut paths = Map::new();
    for (entry, op) in operations {
        let (method, path) = (entry.method, entry.path);
        let mut parameters: Vec<Value> = path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        parameters.extend(op.query.iter().map(|(name, description)| {
            json!({"name": name, "in": "query", "required": *name == "email" && path == "/resolve",
                   "description": description, "schema": {"type": "string"}})
        }));
        if matches!(method, "PUT" | "PATCH" | "DELETE") {
            parameters.push(json!({"name": "If-Match", "in": "header", "required": false, "schema": {"type": "string"},
                                   "description": "the ETag of the version to change, like \"v3\""}));
        }
        if method == "PUT" {
            parameters.push(json!({"name": "If-None-Match", "in": "header", "required": false, "schema": {"type": "string", "enum": ["*"]},
                                   "description": "* to create only"}));
        }
        let mut responses = Map::new();
        let (status, body) = op.response;
        let mut success = json!({"description": "success"});
        if let Some(body) = body {
            success["content"] = json!({"application/json": {"schema": body}});
        }
        responses.insert(status.to_string(), success);
        if method == "PUT" {
            responses.insert("201".into(), json!({"description": "created", "content": responses[&status.to_string()]["content"].clone()}));
        }
        for code in op.errors {
            let body = if *code == 401 {
                json!({"type": "object", "properties": {"message": {"type": "string"}}})
            } else {
                error.clone()
            };
            responses.insert(code.to_string(), json!({"description": describe(*code), "content": {"application/json": {"schema": body}}}));
        }
        let mut operation = json!({
            "summary": entry.summary,
            "tags": [if entry.admin { "admin" } else { "user" }],
            "parameters": parameters,
            "responses": responses,
        });
        if let Some(request) = op.request {
            operation["requestBody"] =
                json!({"required": true, "content": {"application/json": {"schema": request}}});
        }
        paths
            .entry(path.to_owned())
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .map(|item| item.insert(method.to_ascii_lowercase(), operation));
    }

    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "ccwb API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The control plane of Claude Code with Amazon Bedrock. Every route takes an OpenID Connect id token as a bearer token; admin routes need membership of an admin group."
        },
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": generator.take_definitions(true),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
        }
    })
}

fn describe(code: u16) -> &'static str {
    match code {
        400 => "bad input; the message names the field",
        401 => "missing or invalid token",
        403 => "not an administrator",
        404 => "not found",
        409 => "already exists, or changed concurrently",
        412 => "If-Match names another version",
        413 => {
            "over a size limit; the message names it (1 MB bodies; 5 MB and 10,000 data points for /v1/metrics)"
        }
        _ => "error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_resolves_to_a_component() {
        let doc = document();
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = reference.split('"').next().unwrap();
            assert!(schemas.contains_key(name), "missing component {name}");
        }
        assert!(doc["paths"]["/policies/{type}/{id}"]["patch"]["requestBody"].is_object());
        assert_eq!(doc["paths"].as_object().unwrap().len(), 15);
    }
}
