//! The route catalogue: every route of the HTTP API, written once. Each function dispatches on
//! its own route enum (an exhaustive `match`, so a route without a handler does not compile),
//! ccwb-local routes by it, the OpenAPI document lists it, and the CDK stack reads the manifest
//! (`routes.json` beside this crate, kept current by a test) to create the API Gateway routes.

use serde::Serialize;

/// The routes of the `check` function: what any signed-in user may call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckRoute {
    /// `GET /check`.
    Check,
    /// `GET /me`.
    Me,
}

/// The routes of the `admin` function: policies and what users resolve to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdminRoute {
    /// `GET /policies`.
    ListPolicies,
    /// `GET /policies/export`.
    ExportPolicies,
    /// `POST /policies/import`.
    ImportPolicies,
    /// `GET /policies/{type}/{id}`.
    GetPolicy,
    /// `PUT /policies/{type}/{id}`.
    PutPolicy,
    /// `PATCH /policies/{type}/{id}`.
    PatchPolicy,
    /// `DELETE /policies/{type}/{id}`.
    DeletePolicy,
    /// `GET /resolve`.
    Resolve,
    /// `GET /usage/{email}`.
    Usage,
}

/// The routes of the `unblock` function: unblocks and the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnblockRoute {
    /// `POST /unblocks/{email}`.
    Grant,
    /// `DELETE /unblocks/{email}`.
    Revoke,
    /// `GET /unblocks/{email}`.
    History,
    /// `GET /audit`.
    Audit,
}

/// The route of the `ingest` function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IngestRoute {
    /// `POST /v1/metrics`.
    Metrics,
}

/// The route of the `status` function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusRoute {
    /// `GET /status`.
    Status,
}

/// The routes of the `distribution` function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DistributionRoute {
    /// `POST /distributions`.
    Create,
    /// `POST /distributions/{id}/publish`.
    Publish,
    /// `GET /distributions/latest`.
    Latest,
}

/// A route of the API, by the function that serves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// Served by `ccwb-check`.
    Check(CheckRoute),
    /// Served by `ccwb-admin`.
    Admin(AdminRoute),
    /// Served by `ccwb-unblock`.
    Unblock(UnblockRoute),
    /// Served by `ccwb-ingest`.
    Ingest(IngestRoute),
    /// Served by `ccwb-status`.
    Status(StatusRoute),
    /// Served by `ccwb-distribution`.
    Distribution(DistributionRoute),
}

/// A Lambda function behind the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Function {
    /// `ccwb-check`.
    Check,
    /// `ccwb-admin`.
    Admin,
    /// `ccwb-unblock`.
    Unblock,
    /// `ccwb-ingest`.
    Ingest,
    /// `ccwb-status`.
    Status,
    /// `ccwb-distribution`.
    Distribution,
}

impl Function {
    /// The crate's `[[bin]]` name, which the CDK stack deploys.
    pub fn binary(self) -> &'static str {
        match self {
            Self::Check => "ccwb-check",
            Self::Admin => "ccwb-admin",
            Self::Unblock => "ccwb-unblock",
            Self::Ingest => "ccwb-ingest",
            Self::Status => "ccwb-status",
            Self::Distribution => "ccwb-distribution",
        }
    }
}

/// One entry of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// The route.
    pub route: Route,
    /// The HTTP method.
    pub method: &'static str,
    /// The path template in API Gateway's syntax (`/policies/{type}/{id}`).
    pub path: &'static str,
    /// Whether only members of an admin group may call it.
    pub admin: bool,
    /// One line for the OpenAPI document.
    pub summary: &'static str,
}

impl Entry {
    /// The API Gateway route key, `METHOD /path`.
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

const fn entry(
    route: Route,
    method: &'static str,
    path: &'static str,
    admin: bool,
    summary: &'static str,
) -> Entry {
    Entry {
        route,
        method,
        path,
        admin,
        summary,
    }
}

/// Every route of the API.
pub const CATALOGUE: [Entry; 20] = [
    entry(
        Route::Check(CheckRoute::Check),
        "GET",
        "/check",
        false,
        "Quota decision for the caller (what credential helpers ask at every refresh)",
    ),
    entry(
        Route::Check(CheckRoute::Me),
        "GET",
        "/me",
        false,
        "The caller's identity, groups and admin standing",
    ),
    entry(
        Route::Admin(AdminRoute::ListPolicies),
        "GET",
        "/policies",
        true,
        "A page of policies in stable order (type, identifier)",
    ),
    entry(
        Route::Admin(AdminRoute::ExportPolicies),
        "GET",
        "/policies/export",
        true,
        "Every policy with every field",
    ),
    entry(
        Route::Admin(AdminRoute::ImportPolicies),
        "POST",
        "/policies/import",
        true,
        "Create, skip or update many policies; per-row results",
    ),
    entry(
        Route::Admin(AdminRoute::GetPolicy),
        "GET",
        "/policies/{type}/{id}",
        true,
        "One policy (ETag carries its version)",
    ),
    entry(
        Route::Admin(AdminRoute::PutPolicy),
        "PUT",
        "/policies/{type}/{id}",
        true,
        "Create or replace; If-None-Match: * creates only, If-Match replaces only that version",
    ),
    entry(
        Route::Admin(AdminRoute::PatchPolicy),
        "PATCH",
        "/policies/{type}/{id}",
        true,
        "Change only the given fields (null clears a limit); If-Match for a version",
    ),
    entry(
        Route::Admin(AdminRoute::DeletePolicy),
        "DELETE",
        "/policies/{type}/{id}",
        true,
        "Delete a policy; If-Match for a version",
    ),
    entry(
        Route::Admin(AdminRoute::Resolve),
        "GET",
        "/resolve",
        true,
        "A user's effective policy, every applicable policy, and why",
    ),
    entry(
        Route::Admin(AdminRoute::Usage),
        "GET",
        "/usage/{email}",
        true,
        "A user's usage this month and today against the effective limits",
    ),
    entry(
        Route::Ingest(IngestRoute::Metrics),
        "POST",
        crate::METRICS_PATH,
        false,
        "OTLP/HTTP metrics from Claude Code (application/json or application/x-protobuf, optionally gzip); usage goes to the token's user, counted exactly once",
    ),
    entry(
        Route::Unblock(UnblockRoute::Grant),
        "POST",
        "/unblocks/{email}",
        true,
        "Let a user through until the unblock expires (history and audit kept)",
    ),
    entry(
        Route::Unblock(UnblockRoute::Revoke),
        "DELETE",
        "/unblocks/{email}",
        true,
        "Revoke the unblock in force",
    ),
    entry(
        Route::Unblock(UnblockRoute::History),
        "GET",
        "/unblocks/{email}",
        true,
        "The unblock in force and every unblock ever granted, newest first",
    ),
    entry(
        Route::Unblock(UnblockRoute::Audit),
        "GET",
        "/audit",
        true,
        "The audit trail, newest first",
    ),
    entry(
        Route::Distribution(DistributionRoute::Create),
        "POST",
        "/distributions",
        true,
        "Declare a package (name, SHA-256, size, platforms); get a presigned upload bound to them",
    ),
    entry(
        Route::Distribution(DistributionRoute::Publish),
        "POST",
        "/distributions/{id}/publish",
        true,
        "Verify the uploaded package (size, SHA-256) and publish a presigned download link",
    ),
    entry(
        Route::Distribution(DistributionRoute::Latest),
        "GET",
        "/distributions/latest",
        true,
        "The latest published package and its link (404 none, 410 expired)",
    ),
    entry(
        Route::Status(StatusRoute::Status),
        "GET",
        "/status",
        true,
        "The deployment: stacks and their outputs, function versions, tables",
    ),
];

impl Route {
    /// The route whose key (`METHOD /path`, API Gateway's `routeKey`) is `key`.
    pub fn from_key(key: &str) -> Option<Self> {
        let (method, path) = key.split_once(' ')?;
        CATALOGUE
            .iter()
            .find(|e| e.method == method && e.path == path)
            .map(|e| e.route)
    }

    /// Its catalogue entry.
    pub fn entry(self) -> &'static Entry {
        // Every variant has an entry: the catalogue test proves it, so this never falls through.
        CATALOGUE
            .iter()
            .find(|e| e.route == self)
            .unwrap_or(&CATALOGUE[0])
    }

    /// The function that serves it.
    pub fn function(self) -> Function {
        match self {
            Self::Check(_) => Function::Check,
            Self::Admin(_) => Function::Admin,
            Self::Unblock(_) => Function::Unblock,
            Self::Ingest(_) => Function::Ingest,
            Self::Status(_) => Function::Status,
            Self::Distribution(_) => Function::Distribution,
        }
    }
}

/// A function's own route enum, recovered from a [`Route`].
pub trait Served: Sized + Copy {
    /// The function.
    const FUNCTION: Function;
    /// `route` if this function serves it.
    fn from_route(route: Route) -> Option<Self>;
}

macro_rules! served {
    ($ty:ty, $variant:ident) => {
        impl Served for $ty {
            const FUNCTION: Function = Function::$variant;
            fn from_route(route: Route) -> Option<Self> {
                match route {
                    Route::$variant(inner) => Some(inner),
                    _ => None,
                }
            }
        }
    };
}
served!(CheckRoute, Check);
served!(AdminRoute, Admin);
served!(UnblockRoute, Unblock);
served!(IngestRoute, Ingest);
served!(StatusRoute, Status);
served!(DistributionRoute, Distribution);

/// One route in the manifest the CDK stack reads.
#[derive(Debug, Serialize)]
struct ManifestRoute {
    route: String,
    binary: &'static str,
    admin: bool,
}

/// The manifest (`functions/api/routes.json`): every route key with the binary that serves it.
pub fn manifest() -> String {
    let routes: Vec<ManifestRoute> = CATALOGUE
        .iter()
        .map(|e| ManifestRoute {
            route: e.key(),
            binary: e.route.function().binary(),
            admin: e.admin,
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&routes).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_has_one_entry_and_every_key_is_unique() {
        for (i, entry) in CATALOGUE.iter().enumerate() {
            assert_eq!(entry.route.entry(), entry, "{}", entry.key());
            assert_eq!(Route::from_key(&entry.key()), Some(entry.route));
            assert!(
                CATALOGUE[..i]
                    .iter()
                    .all(|e| e.key() != entry.key() && e.route != entry.route),
                "{} twice",
                entry.key()
            );
        }
        assert_eq!(Route::from_key("GET /nothing"), None);
        assert_eq!(Route::from_key("garbage"), None);
    }

    #[test]
    fn the_manifest_the_cdk_reads_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/routes.json");
        let written = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            written == manifest(),
            "{path} is out of date: run `cargo run -p ccwb-local -- routes > functions/api/routes.json`"
        );
    }
}
