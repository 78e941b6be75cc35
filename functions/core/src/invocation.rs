//! Bedrock's own record of each model invocation (model invocation logging, `schemaType`
//! `ModelInvocationLog`), as the meter reads it: who called (the role session in the caller's
//! ARN, which the access stack pins to the token's `sub`), which model, and the tokens, by
//! Bedrock's count rather than the client's. Prompts and answers, which the record may also
//! hold, are never read into these types.

use std::collections::BTreeMap;

use serde::Deserialize;
use time::OffsetDateTime;

use crate::telemetry::{CounterPoint, TOKEN_USAGE, Temporality};
use crate::{SessionName, TokenCounts};

/// The `schemaType` of invocation records.
pub const SCHEMA_TYPE: &str = "ModelInvocationLog";

/// One invocation, as the meter counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// Bedrock's request id: an invocation is counted once per id, however often it arrives.
    pub request_id: String,
    /// When Bedrock logged it.
    pub at: OffsetDateTime,
    /// The role the caller assumed (`<name>-bedrock-developers`).
    pub role: String,
    /// The caller's role session name.
    pub session: SessionName,
    /// The model or inference profile invoked: `modelId`, the resource id when it is an ARN
    /// (`us.anthropic.claude-sonnet-4-5-20250929-v1:0`), as Claude Code's telemetry names it.
    pub model: String,
    /// Tokens by Bedrock's count.
    pub tokens: TokenCounts,
}

/// Why a log event is not an invocation the meter can count.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvocationError {
    /// Not a JSON object of the expected shape.
    #[error("not an invocation record: {0}")]
    Malformed(String),
    /// Another kind of record (`schemaType`).
    #[error("schemaType {0:?} is not {SCHEMA_TYPE:?}")]
    OtherSchema(String),
    /// The caller was not an assumed-role session (an IAM user, the root, a service).
    #[error("the caller {0:?} is not an assumed-role session")]
    NotARoleSession(String),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    #[serde(with = "time::serde::rfc3339")]
    timestamp: OffsetDateTime,
    identity: Caller,
    request_id: String,
    model_id: String,
    #[serde(default)]
    input: Input,
    #[serde(default)]
    output: Output,
}

#[derive(Deserialize)]
struct Caller {
    arn: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Input {
    #[serde(default)]
    input_token_count: u64,
    #[serde(default)]
    cache_read_input_token_count: u64,
    #[serde(default)]
    cache_write_input_token_count: u64,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Output {
    #[serde(default)]
    output_token_count: u64,
}

impl Invocation {
    /// Reads one log event's message. The body fields (`inputBodyJson`, `outputBodyJson`) are
    /// skipped unread.
    pub fn parse(message: &str) -> Result<Self, InvocationError> {
        // The schema type first, so that another kind of record is named as such rather than
        // as a record missing fields.
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Kind {
            schema_type: Option<String>,
        }
        let kind: Kind =
            serde_json::from_str(message).map_err(|e| InvocationError::Malformed(e.to_string()))?;
        match kind.schema_type.as_deref() {
            Some(SCHEMA_TYPE) => {}
            Some(other) => return Err(InvocationError::OtherSchema(other.to_owned())),
            None => return Err(InvocationError::Malformed("no schemaType".into())),
        }
        let record: Record =
            serde_json::from_str(message).map_err(|e| InvocationError::Malformed(e.to_string()))?;
        let (role, session) = role_session(&record.identity.arn)
            .ok_or_else(|| InvocationError::NotARoleSession(record.identity.arn.clone()))?;
        if record.request_id.trim().is_empty() {
            return Err(InvocationError::Malformed("empty requestId".into()));
        }
        Ok(Self {
            request_id: record.request_id,
            at: record.timestamp,
            role,
            session,
            model: model_id(&record.model_id).to_owned(),
            tokens: TokenCounts {
                input_tokens: record.input.input_token_count,
                output_tokens: record.output.output_token_count,
                cache_read_tokens: record.input.cache_read_input_token_count,
                cache_write_tokens: record.input.cache_write_input_token_count,
            },
        })
    }
}

/// The resource id of a Bedrock model or inference-profile ARN
/// (`arn:aws:bedrock:<region>:<account>:inference-profile/<id>` → `<id>`); an id as it is.
fn model_id(model: &str) -> &str {
    match model.strip_prefix("arn:") {
        Some(rest) => rest
            .splitn(5, ':')
            .nth(4)
            .and_then(|resource| resource.split_once('/'))
            .map_or(model, |(_, id)| id),
        None => model,
    }
}

impl Invocation {
    /// The invocation as token-usage counter points (delta, one per token type it used), so
    /// it is counted, priced and rolled up exactly as Claude Code's telemetry is.
    pub fn points(&self) -> Vec<CounterPoint> {
        let time_nanos = u64::try_from(self.at.unix_timestamp_nanos()).unwrap_or_default();
        [
            ("input", self.tokens.input_tokens),
            ("output", self.tokens.output_tokens),
            ("cacheRead", self.tokens.cache_read_tokens),
            ("cacheCreation", self.tokens.cache_write_tokens),
        ]
        .into_iter()
        .filter(|(_, count)| *count > 0)
        .map(|(token_type, count)| CounterPoint {
            metric: TOKEN_USAGE.to_owned(),
            attributes: BTreeMap::from([
                ("model".to_owned(), self.model.clone()),
                ("type".to_owned(), token_type.to_owned()),
            ]),
            start_nanos: time_nanos,
            time_nanos,
            value: count,
            temporality: Temporality::Delta,
        })
        .collect()
    }
}

/// The role name and session name of an assumed-role session's ARN
/// (`arn:<partition>:sts::<account>:assumed-role/<role>/<session>`), read by the ARN's grammar:
/// six `:`-separated fields, the resource `assumed-role/<role>/<session>` (role names cannot
/// hold `/`; session names cannot either).
pub fn role_session(arn: &str) -> Option<(String, SessionName)> {
    let fields: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, _partition, service, _region, _account, resource] = fields.as_slice() else {
        return None;
    };
    if *prefix != "arn" || *service != "sts" {
        return None;
    }
    let mut parts = resource.split('/');
    let (Some("assumed-role"), Some(role), Some(session), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    if role.is_empty() {
        return None;
    }
    Some((role.to_owned(), SessionName::parse(session)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record() -> serde_json::Value {
        json!({
            "schemaType": "ModelInvocationLog",
            "schemaVersion": "1.0",
            "timestamp": "2026-12-02T10:00:01Z",
            "accountId": "123456789012",
            "identity": {"arn": "arn:aws:sts::123456789012:assumed-role/ccwb-bedrock-developers/00uDevOne"},
            "region": "us-east-1",
            "requestId": "ff4b6c63-5561-4431-93b8-06a817275900",
            "operation": "InvokeModelWithResponseStream",
            "modelId": "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "input": {"inputContentType": "application/json", "inputBodyJson": {"messages": ["secret prompt"]},
                      "inputTokenCount": 1200, "cacheReadInputTokenCount": 30000, "cacheWriteInputTokenCount": 500},
            "output": {"outputContentType": "application/json", "outputBodyJson": {"text": "secret answer"},
                       "outputTokenCount": 345}
        })
    }

    #[test]
    fn an_invocation_record_gives_the_session_model_and_tokens() {
        let parsed = Invocation::parse(&record().to_string()).unwrap();
        assert_eq!(parsed.request_id, "ff4b6c63-5561-4431-93b8-06a817275900");
        assert_eq!(parsed.at, time::macros::datetime!(2026-12-02 10:00:01 UTC));
        assert_eq!(parsed.role, "ccwb-bedrock-developers");
        assert_eq!(parsed.session.as_str(), "00uDevOne");
        assert_eq!(parsed.model, "us.anthropic.claude-sonnet-4-5-20250929-v1:0");
        assert_eq!(
            parsed.tokens,
            TokenCounts {
                input_tokens: 1200,
                output_tokens: 345,
                cache_read_tokens: 30000,
                cache_write_tokens: 500
            }
        );
        // Metadata-only records (no bodies) and records without cache counts read the same way.
        let mut bare = record();
        bare["input"] = json!({"inputTokenCount": 7});
        bare["output"] = json!({"outputTokenCount": 3});
        let parsed = Invocation::parse(&bare.to_string()).unwrap();
        assert_eq!(
            (parsed.tokens.input_tokens, parsed.tokens.cache_read_tokens),
            (7, 0)
        );
    }

    #[test]
    fn an_invocation_counts_as_telemetry_token_points_do() {
        let mut bare = record();
        bare["input"] = json!({"inputTokenCount": 7, "cacheWriteInputTokenCount": 2});
        bare["modelId"] = json!("anthropic.claude-haiku-4-5-20251001-v1:0");
        let invocation = Invocation::parse(&bare.to_string()).unwrap();
        let points = invocation.points();
        let counted: Vec<(&str, crate::TokenType, u64)> = points
            .iter()
            .map(|p| {
                let (model, token_type) = p.token_usage().unwrap();
                (model, token_type, p.value)
            })
            .collect();
        let model = "anthropic.claude-haiku-4-5-20251001-v1:0";
        assert_eq!(
            counted,
            [
                (model, crate::TokenType::Input, 7),
                (model, crate::TokenType::Output, 345),
                (model, crate::TokenType::CacheWrite, 2),
            ]
        );
        assert!(
            points
                .iter()
                .all(|p| p.time_nanos == 1_796_205_601_000_000_000)
        );
    }

    #[test]
    fn what_the_meter_cannot_count_is_named() {
        let with = |pointer: &str, value: serde_json::Value| {
            let mut r = record();
            *r.pointer_mut(pointer).unwrap() = value;
            Invocation::parse(&r.to_string()).unwrap_err()
        };
        assert!(matches!(
            Invocation::parse("not json"),
            Err(InvocationError::Malformed(_))
        ));
        assert!(matches!(
            Invocation::parse("{}"),
            Err(InvocationError::Malformed(_))
        ));
        assert_eq!(
            with("/schemaType", json!("Other")),
            InvocationError::OtherSchema("Other".into())
        );
        let user = "arn:aws:iam::123456789012:user/dheeraj";
        assert_eq!(
            with("/identity/arn", json!(user)),
            InvocationError::NotARoleSession(user.into())
        );
        assert!(matches!(
            with("/timestamp", json!("yesterday")),
            InvocationError::Malformed(_)
        ));
        assert!(matches!(
            with("/input/inputTokenCount", json!(-5)),
            InvocationError::Malformed(_)
        ));
        assert!(matches!(
            with("/requestId", json!(" ")),
            InvocationError::Malformed(_)
        ));
    }

    #[test]
    fn role_sessions_are_read_by_the_arn_grammar() {
        let rows = [
            (
                "arn:aws:sts::1:assumed-role/dev/00uA",
                Some(("dev", "00uA")),
            ),
            (
                "arn:aws-us-gov:sts::1:assumed-role/dev/a@b.io",
                Some(("dev", "a@b.io")),
            ),
            ("arn:aws:sts::1:assumed-role/dev", None),
            ("arn:aws:sts::1:assumed-role/dev/a/b", None),
            ("arn:aws:sts::1:assumed-role//00uA", None),
            ("arn:aws:iam::1:role/dev", None),
            ("arn:aws:sts::1:federated-user/dev", None),
            ("arn:aws:sts::1:assumed-role/dev/auth0|1", None),
            ("sts::1:assumed-role/dev/00uA", None),
        ];
        for (arn, expected) in rows {
            let got = role_session(arn);
            let got = got.as_ref().map(|(r, s)| (r.as_str(), s.as_str()));
            assert_eq!(got, expected, "{arn}");
        }
    }
}
