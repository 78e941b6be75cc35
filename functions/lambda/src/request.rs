//! Reading requests: the administrator behind them, query parameters, and JSON bodies with
//! errors that name the field.

use lambda_http::{Request, RequestExt};
use serde::de::DeserializeOwned;

use crate::Caller;
use crate::error::HandlerError;
use crate::settings::Settings;

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The administrator making the request: the identity from the verified token, which must be in
/// an admin group.
pub fn admin(settings: &Settings, req: &Request) -> Result<String, HandlerError> {
    let caller = Caller::from_request(req, &settings.identity_claims);
    let Some(identity) = caller.identity else {
        return Err(HandlerError::Forbidden(
            "your token names no user, so it cannot be used for administration".into(),
        ));
    };
    if !settings.admin_groups.admits(&caller.groups) {
        return Err(HandlerError::Forbidden(format!(
            "{identity} is not in an admin group; ask for membership of one of the groups in CCWB_ADMIN_GROUPS"
        )));
    }
    Ok(identity.as_str().to_owned())
}

/// A query parameter, `None` when absent or blank.
pub fn query(req: &Request, name: &str) -> Option<String> {
    req.query_string_parameters_ref()
        .and_then(|q| q.first(name))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// The `limit` query parameter: a page size from 1 to `max`, `default` when absent.
pub fn page_limit(req: &Request, default: usize, max: usize) -> Result<usize, HandlerError> {
    match query(req, "limit") {
        None => Ok(default),
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                HandlerError::BadRequest(format!("limit: {text:?} is not a number from 1 to {max}"))
            }),
    }
}

/// The JSON body as `T`; errors name the field (`policies[3].monthly_token_limit: …`).
pub fn json_body<T: DeserializeOwned>(req: &Request) -> Result<T, HandlerError> {
    let body = req.body().as_ref();
    if body.len() > MAX_BODY_BYTES {
        return Err(HandlerError::TooLarge(format!(
            "request body of {} bytes is over the 1 MB limit",
            body.len()
        )));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(HandlerError::BadRequest(
            "a JSON request body is required".into(),
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if path == "." {
            HandlerError::BadRequest(format!("invalid JSON body: {inner}"))
        } else {
            HandlerError::BadRequest(format!("{path}: {inner}"))
        }
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn with_limit(limit: &str) -> Request {
        Request::default()
            .with_query_string_parameters(HashMap::from([("limit".to_owned(), limit.to_owned())]))
    }

    #[test]
    fn page_limit_defaults_when_absent_and_names_a_limit_out_of_range() {
        assert_eq!(page_limit(&Request::default(), 100, 1000).unwrap(), 100);
        assert_eq!(page_limit(&with_limit(" 1000 "), 100, 1000).unwrap(), 1000);
        for bad in ["0", "1001", "ten"] {
            let err = page_limit(&with_limit(bad), 100, 1000).unwrap_err();
            assert!(matches!(err, HandlerError::BadRequest(_)), "{err:?}");
            assert_eq!(
                err.to_string(),
                format!("limit: {bad:?} is not a number from 1 to 1000")
            );
        }
    }
}
