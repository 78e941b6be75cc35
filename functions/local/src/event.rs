//! Builds the event API Gateway (HTTP API, payload format 2.0) would send a Lambda function,
//! so handlers see exactly what they will see in AWS.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::http::{HeaderMap, Method, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ccwb_core::claims::flatten;
use serde_json::{Map, Value, json};

/// An HTTP request as received, before routing.
pub struct Incoming<'a> {
    /// Method.
    pub method: &'a Method,
    /// Path without the query.
    pub path: &'a str,
    /// The query string as sent, without `?`.
    pub raw_query: &'a str,
    /// Headers.
    pub headers: &'a HeaderMap,
    /// Body bytes.
    pub body: &'a [u8],
    /// The client address.
    pub source: SocketAddr,
}

/// The payload-2.0 event for `incoming`, matched to `route_key` (e.g. `GET /policies/{type}/{id}`)
/// with `path_parameters`, carrying the verified `claims` in the JWT authorizer context.
pub fn api_gateway_event(
    incoming: &Incoming<'_>,
    route_key: &str,
    path_parameters: &BTreeMap<String, String>,
    claims: &Map<String, Value>,
    request_id: &str,
    now: time::OffsetDateTime,
) -> Value {
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    let mut cookies: Vec<String> = Vec::new();
    for (name, value) in incoming.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name == header::COOKIE {
            cookies.extend(
                value
                    .split(';')
                    .map(|c| c.trim().to_owned())
                    .filter(|c| !c.is_empty()),
            );
            continue;
        }
        // Repeated headers arrive comma-joined, as API Gateway joins them.
        headers
            .entry(name.as_str().to_owned())
            .and_modify(|existing| {
                existing.push(',');
                existing.push_str(&value);
            })
            .or_insert(value);
    }

    let mut query: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in url::form_urlencoded::parse(incoming.raw_query.as_bytes()) {
        query
            .entry(name.into_owned())
            .and_modify(|existing| {
                existing.push(',');
                existing.push_str(&value);
            })
            .or_insert_with(|| value.into_owned());
    }

    let string_claims: BTreeMap<&String, String> = claims
        .iter()
        .map(|(name, value)| (name, flatten(value)))
        .collect();
    let scopes: Option<Vec<&str>> = claims
        .get("scope")
        .or_else(|| claims.get("scp"))
        .and_then(Value::as_str)
        .map(|s| s.split_whitespace().collect());

    let user_agent = headers.get("user-agent").cloned().unwrap_or_default();
    let host = headers
        .get("host")
        .cloned()
        .unwrap_or_else(|| "localhost".into());
    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": incoming.path,
        "rawQueryString": incoming.raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "ccwb-local",
            "authorizer": {"jwt": {"claims": string_claims, "scopes": scopes}},
            "domainName": host,
            "domainPrefix": host.split('.').next().unwrap_or_default(),
            "http": {
                "method": incoming.method.as_str(),
                "path": incoming.path,
                "protocol": "HTTP/1.1",
                "sourceIp": incoming.source.ip().to_string(),
                "userAgent": user_agent,
            },
            "requestId": request_id,
            "routeKey": route_key,
            "stage": "$default",
            "time": now
                .format(time::macros::format_description!(
                    "[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000"
                ))
                .unwrap_or_default(),
            "timeEpoch": now.unix_timestamp_nanos() / 1_000_000,
        },
        "isBase64Encoded": false,
    });
    if !cookies.is_empty() {
        event["cookies"] = json!(cookies);
    }
    if !query.is_empty() {
        event["queryStringParameters"] = json!(query);
    }
    if !path_parameters.is_empty() {
        event["pathParameters"] = json!(path_parameters);
    }
    if !incoming.body.is_empty() {
        match textual_body(incoming.headers, incoming.body) {
            Some(text) => event["body"] = json!(text),
            None => {
                event["body"] = json!(STANDARD.encode(incoming.body));
                event["isBase64Encoded"] = json!(true);
            }
        }
    }
    event
}

/// The body as text when it is uncompressed UTF-8 of a textual type; otherwise API Gateway
/// base64-encodes it (protobuf, gzip and other binary payloads).
fn textual_body<'a>(headers: &HeaderMap, body: &'a [u8]) -> Option<&'a str> {
    if headers.contains_key(header::CONTENT_ENCODING) {
        return None;
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let textual = content_type.is_empty()
        || content_type.starts_with("text/")
        || content_type.contains("json")
        || content_type.contains("xml")
        || content_type.starts_with("application/x-www-form-urlencoded");
    textual.then(|| std::str::from_utf8(body).ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_becomes_a_lambda_http_request_with_claims_query_and_binary_body() {
        use lambda_http::RequestExt;

        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            "application/x-protobuf".parse().unwrap(),
        );
        headers.insert(header::COOKIE, "a=1; b=2".parse().unwrap());
        let incoming = Incoming {
            method: &Method::POST,
            path: "/policies/user/a@x.io",
            raw_query: "tag=1&tag=2&q=a%20b",
            headers: &headers,
            body: &[0xff, 0x00, 0x01],
            source: "127.0.0.1:5000".parse().unwrap(),
        };
        let params = BTreeMap::from([
            ("type".to_owned(), "user".to_owned()),
            ("id".to_owned(), "a@x.io".to_owned()),
        ]);
        let claims = json!({"email": "a@x.io", "groups": ["x", "y"]});
        let event = api_gateway_event(
            &incoming,
            "POST /policies/{type}/{id}",
            &params,
            claims.as_object().unwrap(),
            "req-1",
            time::OffsetDateTime::UNIX_EPOCH,
        );
        let req = lambda_http::request::from_str(&event.to_string()).unwrap();
        assert_eq!(req.method(), Method::POST);
        assert_eq!(req.path_parameters().first("id"), Some("a@x.io"));
        assert_eq!(
            req.query_string_parameters().all("tag"),
            Some(vec!["1", "2"])
        );
        assert_eq!(req.query_string_parameters().first("q"), Some("a b"));
        assert_eq!(req.body().as_ref(), &[0xff, 0x00, 0x01]);
        match req.request_context() {
            lambda_http::request::RequestContext::ApiGatewayV2(ctx) => {
                let jwt = ctx.authorizer.unwrap().jwt.unwrap();
                assert_eq!(jwt.claims["groups"], "[x y]");
                assert_eq!(ctx.route_key.as_deref(), Some("POST /policies/{type}/{id}"));
            }
            _ => panic!("not an API Gateway v2 context"),
        }
    }
}
