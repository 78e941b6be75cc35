//! Reading policy requests: path and query parameters, and version preconditions.

use ccwb_core::{Group, PolicyType};
use ccwb_lambda::request::query;
use lambda_http::{Request, RequestExt};

use crate::AdminError;

/// The `{type}` and `{id}` path parameters, validated (user identifiers lower-cased).
pub fn policy_key(req: &Request) -> Result<(PolicyType, String), AdminError> {
    let params = req.path_parameters();
    let policy_type: PolicyType = params
        .first("type")
        .unwrap_or_default()
        .parse()
        .map_err(|e: String| AdminError::BadRequest(format!("type: {e}")))?;
    let identifier =
        ccwb_core::validate::identifier(policy_type, params.first("id").unwrap_or_default())?;
    Ok((policy_type, identifier))
}

/// The optional `type` query parameter.
pub fn type_filter(req: &Request) -> Result<Option<PolicyType>, AdminError> {
    query(req, "type")
        .map(|t| {
            t.parse()
                .map_err(|e: String| AdminError::BadRequest(format!("type: {e}")))
        })
        .transpose()
}

/// Groups from the `groups` query parameter (comma-separated).
pub fn groups_param(req: &Request) -> Vec<Group> {
    let mut groups: Vec<Group> = query(req, "groups")
        .map(|list| ccwb_core::groups::parse_group_list(&list))
        .unwrap_or_default();
    groups.sort();
    groups.dedup();
    groups
}

/// An `If-Match` or `If-None-Match` precondition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition {
    /// No header.
    None,
    /// `If-Match: *`: the policy must exist.
    Exists,
    /// `If-Match: "v3"`: the policy must be at this version.
    Version(u64),
    /// `If-None-Match: *`: the policy must not exist.
    Absent,
}

/// The request's precondition; a malformed header is a 400 naming it.
pub fn precondition(req: &Request) -> Result<Precondition, AdminError> {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .map(|v| {
                v.to_str()
                    .map(str::trim)
                    .map_err(|_| AdminError::BadRequest(format!("{name}: not text")))
            })
            .transpose()
    };
    if let Some(value) = header("if-none-match")? {
        return if value == "*" {
            Ok(Precondition::Absent)
        } else {
            Err(AdminError::BadRequest(
                "If-None-Match: only * is supported (create only)".into(),
            ))
        };
    }
    match header("if-match")? {
        None => Ok(Precondition::None),
        Some("*") => Ok(Precondition::Exists),
        Some(value) => parse_etag(value).map(Precondition::Version).ok_or_else(|| {
            AdminError::BadRequest(format!(
                "If-Match: {value:?} is not an ETag of this API (use the ETag header of a GET, like \"v3\")"
            ))
        }),
    }
}

/// The ETag of version `v`.
pub fn etag(version: u64) -> String {
    format!("\"v{version}\"")
}

fn parse_etag(value: &str) -> Option<u64> {
    let value = value.strip_prefix("W/").unwrap_or(value);
    let value = value.trim_matches('"');
    value.strip_prefix('v').unwrap_or(value).parse().ok()
}

#[cfg(test)]
mod tests {
    use super::parse_etag;

    #[test]
    fn etags_parse_in_every_common_form() {
        assert_eq!(parse_etag("\"v3\""), Some(3));
        assert_eq!(parse_etag("W/\"v3\""), Some(3));
        assert_eq!(parse_etag("v12"), Some(12));
        assert_eq!(parse_etag("7"), Some(7));
        assert_eq!(parse_etag("\"abc\""), None);
    }
}
