//! The OpenAPI 3 document of the API, generated from the request and response types, so that
//! clients, docs and fuzzers follow the code.

use ccwb_core::{Policy, PolicyFields, PolicyPatch};
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Map, Value, json};

use crate::{
    AuditPage, CheckResponse, CreateDistribution, DistributionRecord, ErrorEnvelope, ImportRequest,
    ImportResponse, MeResponse, PolicyExport, PolicyList, PublishRequest, ResolveResponse,
    StatusResponse, UnblockHistory, UnblockRecord, UnblockRequest, UploadTicket, UsageResponse,
};

/// One operation: route key, summary, who may call it, parameters, body and answer.
struct Operation {
    route: &'static str,
    summary: &'static str,
    admin: bool,
    query: &'static [(&'static str, &'static str)],
    request: Option<Value>,
    response: (u16, Option<Value>),
    errors: &'static [u16],
}

/// The `groups` parameter of `/resolve` and `/usage/{email}`.
const GROUPS_PARAM: &str = "comma-separated groups; without it, the groups of the token the user's latest telemetry this month came with (groups_source says which)";

/// The document, for `GET /openapi.json`.
pub fn document() -> Value {
    let mut generator: SchemaGenerator = SchemaSettings::openapi3().into_generator();
    let mut schema = |f: fn(&mut SchemaGenerator) -> schemars::Schema| f(&mut generator).to_value();
    fn of<T: JsonSchema>(g: &mut SchemaGenerator) -> schemars::Schema {
        g.subschema_for::<T>()
    }
    let policy = schema(of::<Policy>);
    let mut operations = vec![
        Operation {
            route: "GET /check",
            summary: "Quota decision for the caller (what credential helpers ask at every refresh)",
            admin: false,
            query: &[],
            request: None,
            response: (200, Some(schema(of::<CheckResponse>))),
            errors: &[401],
        },
        Operation {
            route: "GET /me",
            summary: "The caller's identity, groups and admin standing",
            admin: false,
            query: &[],
            request: None,
            response: (200, Some(schema(of::<MeResponse>))),
            errors: &[401],
        },
        Operation {
            route: "GET /policies",
            summary: "A page of policies in stable order (type, identifier)",
            admin: true,
            query: &[
                ("type", "user, group or default"),
                ("limit", "1 to 1000 (default 100)"),
                ("next", "cursor from the previous page"),
            ],
            request: None,
            response: (200, Some(schema(of::<PolicyList>))),
            errors: &[400, 401, 403],
        },
        Operation {
            route: "GET /policies/export",
            summary: "Every policy with every field",
            admin: true,
            query: &[("type", "user, group or default")],
            request: None,
            response: (200, Some(schema(of::<PolicyExport>))),
            errors: &[400, 401, 403],
        },
        Operation {
            route: "POST /policies/import",
            summary: "Create, skip or update many policies; per-row results",
            admin: true,
            query: &[],
            request: Some(schema(of::<ImportRequest>)),
            response: (200, Some(schema(of::<ImportResponse>))),
            errors: &[400, 401, 403, 413],
        },
        Operation {
            route: "GET /policies/{type}/{id}",
            summary: "One policy (ETag carries its version)",
            admin: true,
            query: &[],
            request: None,
            response: (200, Some(policy.clone())),
            errors: &[400, 401, 403, 404],
        },
        Operation {
            route: "PUT /policies/{type}/{id}",
            summary: "Create or replace; If-None-Match: * creates only, If-Match replaces only that version",
            admin: true,
            query: &[],
            request: Some(schema(of::<PolicyFields>)),
            response: (200, Some(policy.clone())),
            errors: &[400, 401, 403, 409, 412, 413],
        },
        Operation {
            route: "PATCH /policies/{type}/{id}",
            summary: "Change only the given fields (null clears a limit); If-Match for a version",
            admin: true,
            query: &[],
            request: Some(schema(of::<PolicyPatch>)),
            response: (200, Some(policy)),
            errors: &[400, 401, 403, 404, 409, 412, 413],
        },
        Operation {
            route: "DELETE /policies/{type}/{id}",
            summary: "Delete a policy; If-Match for a version",
            admin: true,
            query: &[],
            request: None,
            response: (204, None),
            errors: &[400, 401, 403, 404, 409, 412],
        },
        Operation {
            route: "GET /resolve",
            summary: "A user's effective policy, every applicable policy, and why",
            admin: true,
            query: &[
                ("email", "the user's e-mail address (required)"),
                ("groups", GROUPS_PARAM),
            ],
            request: None,
            response: (200, Some(schema(of::<ResolveResponse>))),
            errors: &[400, 401, 403],
        },
        Operation {
            route: "GET /usage/{email}",
            summary: "A user's usage this month and today against the effective limits",
            admin: true,
            query: &[("groups", GROUPS_PARAM)],
            request: None,
            response: (200, Some(schema(of::<UsageResponse>))),
            errors: &[400, 401, 403],
        },
    ];
    operations.push(Operation { route: "POST /v1/metrics", summary: "OTLP/HTTP metrics from Claude Code (application/json or application/x-protobuf, optionally gzip); usage goes to the token's user, counted exactly once", admin: false, query: &[], request: Some(json!({"type": "object", "description": "opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest"})), response: (200, Some(json!({"type": "object", "description": "ExportMetricsServiceResponse (partialSuccess when points were rejected)"}))), errors: &[400, 401, 403, 413] });
    operations.extend([
        Operation {
            route: "POST /unblocks/{email}",
            summary: "Let a user through until the unblock expires (history and audit kept)",
            admin: true,
            query: &[],
            request: Some(schema(of::<UnblockRequest>)),
            response: (201, Some(schema(of::<UnblockRecord>))),
            errors: &[400, 401, 403, 409, 413],
        },
        Operation {
            route: "DELETE /unblocks/{email}",
            summary: "Revoke the unblock in force",
            admin: true,
            query: &[],
            request: None,
            response: (200, Some(schema(of::<UnblockRecord>))),
            errors: &[400, 401, 403, 404, 409],
        },
        Operation {
            route: "GET /unblocks/{email}",
            summary: "The unblock in force and every unblock ever granted, newest first",
            admin: true,
            query: &[],
            request: None,
            response: (200, Some(schema(of::<UnblockHistory>))),
            errors: &[400, 401, 403],
        },
        Operation {
            route: "GET /audit",
            summary: "The audit trail, newest first",
            admin: true,
            query: &[
                ("since", "RFC 3339, a date, or 7d/24h/30m back (default 7d)"),
                ("until", "RFC 3339 or a date (default now)"),
                ("actor", "only this administrator"),
                ("target", "only targets containing this text"),
                ("action", "only actions starting with this text"),
                ("limit", "1 to 500 (default 100)"),
                ("next", "cursor from the previous page"),
            ],
            request: None,
            response: (200, Some(schema(of::<AuditPage>))),
            errors: &[400, 401, 403],
        },
        Operation {
            route: "POST /distributions",
            summary: "Declare a package (name, SHA-256, size, platforms); get a presigned upload bound to them",
            admin: true,
            query: &[],
            request: Some(schema(of::<CreateDistribution>)),
            response: (201, Some(schema(of::<UploadTicket>))),
            errors: &[400, 401, 403],
        },
        Operation {
            route: "POST /distributions/{id}/publish",
            summary: "Verify the uploaded package (size, SHA-256) and publish a presigned download link",
            admin: true,
            query: &[],
            request: Some(schema(of::<PublishRequest>)),
            response: (200, Some(schema(of::<DistributionRecord>))),
            errors: &[400, 401, 403, 404, 409],
        },
        Operation {
            route: "GET /distributions/latest",
            summary: "The latest published package and its link (404 none, 410 expired)",
            admin: true,
            query: &[],
            request: None,
            response: (200, Some(schema(of::<DistributionRecord>))),
            errors: &[401, 403, 404, 410],
        },
        Operation {
            route: "GET /status",
            summary: "The deployment: stacks and their outputs, function versions, tables",
            admin: true,
            query: &[],
            request: None,
            response: (200, Some(schema(of::<StatusResponse>))),
            errors: &[401, 403],
        },
    ]);
    let error = schema(of::<ErrorEnvelope>);

    let mut paths = Map::new();
    for op in operations {
        let (method, path) = op.route.split_once(' ').unwrap_or(("GET", op.route));
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
            "summary": op.summary,
            "tags": [if op.admin { "admin" } else { "user" }],
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
