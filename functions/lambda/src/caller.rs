//! The caller of a route, as API Gateway's authorizer established it.

use ccwb_core::groups::groups_from_claims;
use ccwb_core::{Claims, Group, Identity, IdentityClaims};
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};

/// Who is calling: only ever built from the authorizer context, which API Gateway (or
/// ccwb-local) fills from a verified token. Request bodies and query strings never name the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The normalised identity, if the token carried one.
    pub identity: Option<Identity>,
    /// Every group the token names, sorted and deduplicated.
    pub groups: Vec<Group>,
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
        }
    }
}

/// The verified JWT claims API Gateway passed on, empty when the route had no JWT authorizer.
pub fn jwt_claims(req: &Request) -> Claims {
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx
            .authorizer
            .as_ref()
            .and_then(|authorizer| authorizer.jwt.as_ref())
            .map(|jwt| jwt.claims.clone())
            .unwrap_or_default(),
        _ => Claims::new(),
    }
}

/// The API Gateway route key the request was sent to, like `GET /policies/{type}/{id}`.
pub fn route_key(req: &Request) -> Option<String> {
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.route_key.clone(),
        _ => None,
    }
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

    fn request_with_authorizer(authorizer: serde_json::Value) -> Request {
        let event = serde_json::json!({
            "version": "2.0",
            "routeKey": "GET /me",
            "rawPath": "/me",
            "rawQueryString": "email=mallory@example.com",
            "headers": {"host": "api.example.com"},
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
    fn identity_and_groups_come_from_jwt_claims_not_the_query() {
        let req = request_with_authorizer(serde_json::json!({
            "jwt": {"claims": {"email": "Alice@Example.com", "cognito:groups": "[eng ccwb-admins]"},
                    "scopes": null}
        }));
        let caller = Caller::from_request(&req, &IdentityClaims::default());
        assert_eq!(caller.identity.unwrap().as_str(), "alice@example.com");
        let groups: Vec<&str> = caller.groups.iter().map(Group::as_str).collect();
        assert_eq!(groups, ["ccwb-admins", "eng"]);
    }

    #[test]
    fn iam_caller_is_named_by_session() {
        let req = request_with_authorizer(serde_json::json!({
            "iam": {"userArn": "arn:aws:sts::123456789012:assumed-role/Dev/Erin@Example.com"}
        }));
        let caller = Caller::from_request(&req, &IdentityClaims::default());
        assert_eq!(caller.identity.unwrap().as_str(), "erin@example.com");
        assert!(caller.groups.is_empty());
    }

    #[test]
    fn no_authorizer_means_no_identity() {
        let req = request_with_authorizer(serde_json::Value::Null);
        let caller = Caller::from_request(&req, &IdentityClaims::default());
        assert_eq!(caller.identity, None);
    }
}
