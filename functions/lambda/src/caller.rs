//! The caller of a route, as API Gateway's authorizer established it.

use ccwb_api::routes::{Route, Served};
use ccwb_core::groups::groups_from_claims;
use ccwb_core::{Claims, ClaimsSource, Group, Identity, IdentityClaims, SessionName};
use lambda_http::http::header;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};

use crate::HandlerError;

/// Who is calling: only ever built from the authorizer context, which API Gateway (or
/// ccwb-local) fills from a verified token. Request bodies and query strings never name the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The normalised identity, if the token carried one.
    pub identity: Option<Identity>,
    /// Every group the token names, sorted and deduplicated.
    pub groups: Vec<Group>,
    /// The role session name the access stack gives this caller's Bedrock sessions (the
    /// token's `sub`), when the token has one STS accepts.
    pub session: Option<SessionName>,
}

impl Caller {
    /// The caller of `req`. JWT-authorised routes give claims; IAM-authorised routes give the
    /// caller's ARN, whose session name is the identity.
    pub fn from_request(req: &Request, identity_claims: &IdentityClaims) -> Self {
        let claims = jwt_claims(req);
        let identity = identity_claims
            .identity(&claims)
            .or_else(|| iam_user_arn(req).and_then(|arn| Identity::from_iam_arn(&arn)));
        Self {
            identity,
            groups: groups_from_claims(&claims),
            session: SessionName::of_subject(&claims),
        }
    }
}

/// The verified JWT claims of the request, empty when the route had no JWT authorizer: read
/// with their JSON types from the bearer token API Gateway verified (see [`Claims::from_gateway`]).
pub fn jwt_claims(req: &Request) -> Claims {
    let flattened = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx
            .authorizer
            .as_ref()
            .and_then(|authorizer| authorizer.jwt.as_ref())
            .map(|jwt| &jwt.claims),
        _ => None,
    };
    let Some(flattened) = flattened else {
        return Claims::default();
    };
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    let (claims, source) = Claims::from_gateway(flattened, authorization);
    if source == ClaimsSource::Mismatch {
        tracing::warn!(
            "the Authorization header is not the token API Gateway verified; array claims (groups) are ignored"
        );
    }
    claims
}

/// The API Gateway route key the request was sent to, like `GET /policies/{type}/{id}`.
pub fn route_key(req: &Request) -> Option<String> {
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.route_key.clone(),
        _ => None,
    }
}

/// The route of `req` in the function's own route enum `R` (see `ccwb_api::routes`); a route
/// key the catalogue does not give this function is a 404 naming it.
pub fn served<R: Served>(req: &Request) -> Result<R, HandlerError> {
    let key = route_key(req);
    key.as_deref()
        .and_then(Route::from_key)
        .and_then(R::from_route)
        .ok_or_else(|| {
            HandlerError::NotFound(format!(
                "{} does not serve route {}",
                R::FUNCTION.binary(),
                key.as_deref().unwrap_or("(none)")
            ))
        })
}

fn iam_user_arn(req: &Request) -> Option<String> {
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => {
            ctx.authorizer.as_ref()?.iam.as_ref()?.user_arn.clone()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    /// A token with `claims` (the signature is API Gateway's business, not the function's).
    fn bearer(claims: &serde_json::Value) -> String {
        let part = |v: serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
        format!(
            "Bearer {}.{}.c2ln",
            part(serde_json::json!({"alg": "RS256"})),
            part(claims.clone())
        )
    }

    fn request_with_authorizer(authorizer: serde_json::Value) -> Request {
        request_with(authorizer, None)
    }

    fn request_with(authorizer: serde_json::Value, authorization: Option<String>) -> Request {
        let mut headers = serde_json::json!({"host": "api.example.com"});
        if let Some(value) = authorization {
            headers["authorization"] = serde_json::json!(value);
        }
        let event = serde_json::json!({
            "version": "2.0",
            "routeKey": "GET /me",
            "rawPath": "/me",
            "rawQueryString": "email=mallory@example.com",
            "headers": headers,
            "queryStringParameters": {"email": "mallory@example.com"},
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "api",
                "authorizer": authorizer,
                "domainName": "api.example.com",
                "http": {"method": "GET", "path": "/me", "protocol": "HTTP/1.1",
                         "sourceIp": "192.0.2.1", "userAgent": "test"},
                "requestId": "id",
                "routeKey": "GET /me",
                "stage": "$default",
                "time": "21/Nov/2026:10:00:00 +0000",
                "timeEpoch": 1_795_000_000_000_i64
            },
            "isBase64Encoded": false
        });
        lambda_http::request::from_str(&event.to_string()).expect("valid v2 event")
    }

    #[test]
    fn identity_and_groups_come_from_the_verified_token_not_the_query() {
        let token = serde_json::json!({"email": "Alice@Example.com", "sub": "00uAlice", "cognito:groups": ["eng", "ccwb-admins"]});
        let req = request_with(
            serde_json::json!({
                "jwt": {"claims": {"email": "Alice@Example.com", "sub": "00uAlice", "cognito:groups": "[eng ccwb-admins]"},
                        "scopes": null}
            }),
            Some(bearer(&token)),
        );
        let caller = Caller::from_request(&req, &IdentityClaims::default());
        assert_eq!(caller.identity.unwrap().as_str(), "alice@example.com");
        let groups: Vec<&str> = caller.groups.iter().map(Group::as_str).collect();
        assert_eq!(groups, ["ccwb-admins", "eng"]);
        // The session name is the subject exactly, case kept.
        assert_eq!(caller.session.unwrap().as_str(), "00uAlice");
    }

    #[test]
    fn a_group_name_with_a_space_is_one_group() {
        let token = serde_json::json!({"email": "m@x.io", "groups": ["team ccwb-admins"]});
        let authorizer = serde_json::json!({
            "jwt": {"claims": {"email": "m@x.io", "groups": "[team ccwb-admins]"}, "scopes": null}
        });
        let caller = Caller::from_request(
            &request_with(authorizer.clone(), Some(bearer(&token))),
            &IdentityClaims::default(),
        );
        let groups: Vec<&str> = caller.groups.iter().map(Group::as_str).collect();
        assert_eq!(groups, ["team ccwb-admins"]);
        // Without the token the flattened string cannot be split safely, so it is not read.
        let caller =
            Caller::from_request(&request_with(authorizer, None), &IdentityClaims::default());
        assert!(caller.groups.is_empty());
        assert_eq!(caller.identity.unwrap().as_str(), "m@x.io");
    }

    #[test]
    fn iam_caller_is_named_by_session() {
        let req = request_with_authorizer(serde_json::json!({
            "iam": {"userArn": "arn:aws:sts::123456789012:assumed-role/Dev/Erin@Example.com"}
        }));
        let caller = Caller::from_request(&req, &IdentityClaims::default());
        assert_eq!(caller.identity.unwrap().as_str(), "erin@example.com");
        assert!(caller.groups.is_empty());
        assert_eq!(caller.session, None);
    }

    #[test]
    fn no_authorizer_means_no_identity() {
        let req = request_with_authorizer(serde_json::Value::Null);
        let caller = Caller::from_request(&req, &IdentityClaims::default());
        assert_eq!(caller.identity, None);
    }
}
