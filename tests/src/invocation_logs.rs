//! Bedrock's model invocation records and the CloudWatch Logs deliveries that carry them to
//! the meter, built as Bedrock and CloudWatch Logs build them (for the meter's tests and the
//! bench).

use serde_json::json;

/// An invocation record as Bedrock writes it (metadata only) for `session` of `role`: 1,000
/// input, 200 output and 10,000 cache-read tokens of Claude Haiku 4.5 through its US profile,
/// $0.003 at list prices.
pub fn record(request_id: &str, role: &str, session: &str) -> String {
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .expect("now in RFC 3339");
    json!({
        "schemaType": "ModelInvocationLog", "schemaVersion": "1.0", "timestamp": now,
        "accountId": "123456789012", "region": "us-east-1", "requestId": request_id,
        "identity": {"arn": format!("arn:aws:sts::123456789012:assumed-role/{role}/{session}")},
        "operation": "InvokeModelWithResponseStream",
        "modelId": "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0",
        "input": {"inputContentType": "application/json", "inputTokenCount": 1000,
                  "cacheReadInputTokenCount": 10000, "cacheWriteInputTokenCount": 0},
        "output": {"outputContentType": "application/json", "outputTokenCount": 200},
    })
    .to_string()
}

/// A CloudWatch Logs subscription delivery of `messages`, as Lambda receives it: the JSON
/// payload gzipped and base64-encoded under `awslogs.data`.
pub fn delivery(message_type: &str, messages: &[String]) -> serde_json::Value {
    let events: Vec<serde_json::Value> = messages
        .iter()
        .enumerate()
        .map(|(i, message)| json!({"id": format!("3{i:055}"), "timestamp": 1_796_205_601_000_i64, "message": message}))
        .collect();
    let payload = json!({
        "messageType": message_type, "owner": "123456789012",
        "logGroup": "/aws/bedrock/ccwb/invocations", "logStream": "aws/bedrock/modelinvocations",
        "subscriptionFilters": ["ccwb-meter"], "logEvents": events,
    });
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gzip, payload.to_string().as_bytes()).expect("gzip");
    let data = base64::engine::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        gzip.finish().expect("gzip"),
    );
    json!({"awslogs": {"data": data}})
}
