//! The HTTP server: health, the dev issuer's endpoints, and every API route behind the authorizer.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body as AxumBody;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use crate::authorizer::Authorizer;
use crate::dev_issuer::DevIssuer;
use crate::event::{Incoming, api_gateway_event};
use crate::heal::Healer;
use crate::oauth;
use crate::routes::RouteTable;
use ccwb_api::routes::{CheckRoute, Route};

/// API Gateway's payload limit for HTTP APIs.
const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;
/// API Gateway's limit on the request line and header values together (HTTP APIs).
pub const MAX_HEADER_BYTES: usize = 10 * 1024;

/// Everything a request may need.
pub struct App {
    /// The API routes.
    pub routes: RouteTable,
    /// The JWT authorizer in front of them.
    pub authorizer: Arc<Authorizer>,
    /// Re-creates the resources when the AWS endpoint lost them.
    pub healer: Healer,
}

/// The axum router for `app`, with the dev issuer's endpoints when it runs.
pub fn router(
    app: Arc<App>,
    dev_issuer: Option<Arc<DevIssuer>>,
    dashboard: Arc<crate::dashboard::Dashboard>,
) -> Router {
    // Built once: the document only changes with the code.
    let openapi = Arc::new(ccwb_api::openapi::document());
    let mut router = Router::new()
        .route(
            "/healthz",
            get(|| async { axum::Json(json!({"status": "ok"})) }),
        )
        .route(
            "/openapi.json",
            get(move || {
                let document = Arc::clone(&openapi);
                async move { axum::Json(document.as_ref().clone()) }
            }),
        )
        .route(
            "/dashboard",
            get(crate::dashboard::page).with_state(dashboard),
        )
        .fallback(api)
        .with_state(app);
    if let Some(issuer) = dev_issuer {
        let issuer_routes = Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(|State(i): State<Arc<DevIssuer>>| async move { axum::Json(i.discovery()) }),
            )
            .route(
                "/.well-known/jwks.json",
                get(|State(i): State<Arc<DevIssuer>>| async move { axum::Json(i.jwks()) }),
            )
            .route("/oauth2/authorize", get(oauth::authorize))
            .route("/oauth2/token", post(oauth::token))
            .with_state(issuer);
        router = router.merge(issuer_routes);
    }
    router.layer(axum::middleware::from_fn(header_limit))
}

/// Refuses a request whose request line and header values exceed [`MAX_HEADER_BYTES`], before
/// anything reads it, as API Gateway does.
async fn header_limit(request: Request, next: axum::middleware::Next) -> Response {
    let size = header_bytes(&request);
    if size > MAX_HEADER_BYTES {
        tracing::debug!(size, "request line and headers over the limit");
        return gateway_message(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "Request Header Fields Too Large",
        );
    }
    next.run(request).await
}

/// The size of `METHOD target HTTP/1.1` plus every header value.
fn header_bytes(request: &Request) -> usize {
    let target = request
        .uri()
        .path_and_query()
        .map_or(0, |target| target.as_str().len());
    let line = request.method().as_str().len() + target + " HTTP/1.1".len() + 1;
    line + request
        .headers()
        .values()
        .map(|value| value.as_bytes().len())
        .sum::<usize>()
}

/// One API request, as API Gateway handles it: route, authorize, build the event, invoke.
async fn api(
    State(app): State<Arc<App>>,
    ConnectInfo(source): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let Some(matched) = app.routes.find(&parts.method, parts.uri.path()) else {
        return gateway_message(StatusCode::NOT_FOUND, "Not Found");
    };
    let authorization = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let claims = match app.authorizer.verify(authorization).await {
        Ok(claims) => claims,
        Err(reason) => {
            tracing::debug!(%reason, route = %matched.route_key, "unauthorized");
            return gateway_message(StatusCode::UNAUTHORIZED, "Unauthorized");
        }
    };
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return gateway_message(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large");
    };

    let request_id = uuid::Uuid::new_v4().to_string();
    let event = api_gateway_event(
        &Incoming {
            method: &parts.method,
            path: parts.uri.path(),
            raw_query: parts.uri.query().unwrap_or(""),
            headers: &parts.headers,
            body: &body,
            source,
        },
        &matched.route_key,
        &matched.path_parameters,
        &claims,
        &request_id,
        time::OffsetDateTime::now_utc(),
    );
    let event = event.to_string();
    let invoke = || async {
        let lambda_request = match lambda_http::request::from_str(&event) {
            Ok(req) => req,
            Err(err) => {
                tracing::error!(%err, "cannot build the Lambda event");
                return None;
            }
        };
        match (matched.handler)(lambda_request).await {
            Ok(response) => Some(response),
            Err(err) => {
                tracing::error!(%err, route = %matched.route_key, "function failed");
                None
            }
        }
    };
    let mut outcome = invoke().await;
    let check = Route::from_key(&matched.route_key) == Some(Route::Check(CheckRoute::Check));
    if outcome.as_ref().is_none_or(|r| failed(r, check)) && app.healer.heal().await {
        outcome = invoke().await;
    }
    let mut response = match outcome {
        Some(response) => into_axum(response),
        // In AWS an invocation error becomes this same bare 500.
        None => gateway_message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
    };
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("apigw-requestid", value);
    }
    response
}

/// Whether a function's answer is a failure the store may have caused: a 5xx, or, from
/// `/check` (`check`), a decision of `check_failed`, which it answers with 200. Only `/check`'s
/// body is read, so other answers cost nothing here.
fn failed(response: &lambda_http::Response<lambda_http::Body>, check: bool) -> bool {
    if response.status().is_server_error() {
        return true;
    }
    if !check {
        return false;
    }
    let lambda_http::Body::Text(text) = response.body() else {
        return false;
    };
    serde_json::from_str::<serde_json::Value>(text)
        .is_ok_and(|body| body["reason"] == ccwb_core::decision::Reason::CheckFailed.as_str())
}

fn into_axum(response: lambda_http::Response<lambda_http::Body>) -> Response {
    let (parts, body) = response.into_parts();
    let body = match body {
        lambda_http::Body::Empty => AxumBody::empty(),
        lambda_http::Body::Text(text) => AxumBody::from(text),
        lambda_http::Body::Binary(bytes) => AxumBody::from(bytes),
        _ => AxumBody::empty(),
    };
    Response::from_parts(parts, body)
}

/// API Gateway's own answers (`{"message": "..."}`), which carry no detail by design.
fn gateway_message(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({"message": message}))).into_response()
}
