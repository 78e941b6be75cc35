//! JSON responses in the API's shapes.

use ccwb_api::ErrorEnvelope;
use lambda_http::http::{StatusCode, header};
use lambda_http::{Body, Response};
use serde::Serialize;

/// A JSON response with `status`. Serialising our own response types cannot fail; if it ever
/// did, the caller gets a 500 envelope rather than a half-written body.
pub fn json_response<T: Serialize>(status: StatusCode, body: &T) -> Response<Body> {
    match serde_json::to_string(body) {
        Ok(text) => build(status, text),
        Err(_) => build(
            StatusCode::INTERNAL_SERVER_ERROR,
            r#"{"error":{"code":"internal","message":"the response could not be encoded"}}"#
                .to_owned(),
        ),
    }
}

/// An error response in the `{"error": {...}}` envelope.
pub fn error_response(
    status: StatusCode,
    code: &str,
    message: impl Into<String>,
) -> Response<Body> {
    json_response(status, &ErrorEnvelope::new(code, message))
}

fn build(status: StatusCode, text: String) -> Response<Body> {
    let mut response = Response::new(Body::Text(text));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    response
}
