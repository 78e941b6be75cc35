//! OTLP metrics requests for `POST /v1/metrics` in the proto3 JSON mapping, written from the
//! OTLP field names as a client writes them, never with the parser's own types.

use serde_json::{Value, json};

/// Nanoseconds since the Unix epoch, now.
pub fn now_nanos() -> u64 {
    time::OffsetDateTime::now_utc().unix_timestamp_nanos() as u64
}

/// String attributes: `[{"key": k, "value": {"stringValue": v}}, …]`.
pub fn attributes(pairs: &[(&str, &str)]) -> Value {
    pairs
        .iter()
        .map(|(key, value)| json!({"key": key, "value": {"stringValue": value}}))
        .collect()
}

/// A data point from `start` to `at` (Unix nanoseconds) with the integer `value`, which the
/// mapping writes as a string (`"asInt": "1000"`), and `attributes`.
pub fn int_point(start: u64, at: u64, value: u64, attributes: &[(&str, &str)]) -> Value {
    json!({"startTimeUnixNano": start.to_string(), "timeUnixNano": at.to_string(),
           "asInt": value.to_string(), "attributes": self::attributes(attributes)})
}

/// A data point from `start` to `at` with the double `value` (`asDouble`: a JSON number, or
/// one of the mapping's strings `"NaN"`, `"Infinity"`), and `attributes`.
pub fn double_point(start: u64, at: u64, value: Value, attributes: &[(&str, &str)]) -> Value {
    json!({"startTimeUnixNano": start.to_string(), "timeUnixNano": at.to_string(),
           "asDouble": value, "attributes": self::attributes(attributes)})
}

/// A sum of delta temporality named `name`, of `points`.
pub fn sum(name: &str, points: Vec<Value>) -> Value {
    json!({"name": name, "sum": {"aggregationTemporality": 1, "dataPoints": points}})
}

/// An export request of `metrics` in one resource and scope.
pub fn request(metrics: Vec<Value>) -> Value {
    json!({"resourceMetrics": [{"scopeMetrics": [{"metrics": metrics}]}]})
}
