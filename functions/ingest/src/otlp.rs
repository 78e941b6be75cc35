//! OTLP/HTTP metrics requests (`ExportMetricsServiceRequest`) in both encodings, reduced to
//! counter points. Only the messages and fields ccwb reads are declared; protobuf skips the rest.

use std::collections::BTreeMap;

use ccwb_core::telemetry::{
    COST_USAGE, CounterPoint, MAX_POINT_VALUE, MILLISECOND_METRICS, Temporality,
};
use serde::Deserialize;

/// Largest number of data points in one request.
pub const MAX_POINTS: usize = 10_000;
/// Most bytes of metric names and resource attributes the points of one request may hold: each
/// point carries its own copy of both, so a long name or many resource attributes over
/// thousands of points would otherwise hold far more memory than the body (a 300 KB body, 100 MB).
pub const MAX_REPEATED_BYTES: usize = 32 * 1024 * 1024;

/// Why a request cannot be read at all (a point that cannot be counted is rejected instead).
#[derive(Debug, thiserror::Error)]
pub enum OtlpError {
    /// Not an OTLP metrics request in the declared encoding.
    #[error("{0}")]
    Malformed(String),
    /// More data points than [`MAX_POINTS`].
    #[error("{0} data points is over the limit of {MAX_POINTS} data points per request")]
    TooManyPoints(usize),
    /// Metric names and resource attributes, repeated for every point, over [`MAX_REPEATED_BYTES`].
    #[error(
        "metric names and resource attributes repeated for each data point come to {} MB, over the limit of 32 MB per request; send fewer points per request or shorter attributes",
        .0 / (1024 * 1024)
    )]
    TooMuchRepeated(usize),
}

/// What a request held: the counter points, and how many points were refused with why.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Sum points.
    pub points: Vec<CounterPoint>,
    /// Points that cannot be used (gauges, values that are no count, unspecified temporality).
    pub rejected: usize,
    /// Why the first rejected point was refused.
    pub reason: Option<String>,
}

impl Parsed {
    fn reject(&mut self, why: &str) {
        self.rejected += 1;
        self.reason.get_or_insert_with(|| why.to_owned());
    }
}

// ---- protobuf (opentelemetry-proto field numbers) ----

#[derive(Clone, PartialEq, prost::Message)]
struct PbRequest {
    #[prost(message, repeated, tag = "1")]
    resource_metrics: Vec<PbResourceMetrics>,
}
#[derive(Clone, PartialEq, prost::Message)]
struct PbResourceMetrics {
    #[prost(message, optional, tag = "1")]
    resource: Option<PbResource>,
    #[prost(message, repeated, tag = "2")]
    scope_metrics: Vec<PbScopeMetrics>,
}
#[derive(Clone, PartialEq, prost::Message)]
struct PbResource {
    #[prost(message, repeated, tag = "1")]
    attributes: Vec<PbKeyValue>,
}
#[derive(Clone, PartialEq, prost::Message)]
struct PbScopeMetrics {
    #[prost(message, repeated, tag = "2")]
    metrics: Vec<PbMetric>,
}
#[derive(Clone, PartialEq, prost::Message)]
struct PbMetric {
    #[prost(string, tag = "1")]
    name: String,
    #[prost(message, optional, tag = "5")]
    gauge: Option<PbGauge>,
    #[prost(message, optional, tag = "7")]
    sum: Option<PbSum>,
    #[prost(message, optional, tag = "9")]
    histogram: Option<PbOtherPoints>,
    #[prost(message, optional, tag = "10")]
    exponential_histogram: Option<PbOtherPoints>,
    #[prost(message, optional, tag = "11")]
    summary: Option<PbOtherPoints>,
}
/// The points of a metric type ccwb does not count (histograms, summaries): only how many.
#[derive(Clone, PartialEq, prost::Message)]
struct PbOtherPoints {
    #[prost(message, repeated, tag = "1")]
    data_points: Vec<PbIgnored>,
}
/// A point whose fields are not read (prost skips them).
#[derive(Clone, PartialEq, prost::Message)]
struct PbIgnored {}

#[derive(Clone, PartialEq, prost::Message)]
struct PbGauge {
    #[prost(message, repeated, tag = "1")]
    data_points: Vec<PbNumberDataPoint>,
}
#[derive(Clone, PartialEq, prost::Message)]
struct PbSum {
    #[prost(message, repeated, tag = "1")]
    data_points: Vec<PbNumberDataPoint>,
    #[prost(int32, tag = "2")]
    aggregation_temporality: i32,
}
#[derive(Clone, PartialEq, prost::Message)]
struct PbNumberDataPoint {
    #[prost(fixed64, tag = "2")]
    start_time_unix_nano: u64,
    #[prost(fixed64, tag = "3")]
    time_unix_nano: u64,
    #[prost(double, optional, tag = "4")]
    as_double: Option<f64>,
    #[prost(sfixed64, optional, tag = "6")]
    as_int: Option<i64>,
    #[prost(message, repeated, tag = "7")]
    attributes: Vec<PbKeyValue>,
}
#[derive(Clone, PartialEq, prost::Message)]
struct PbKeyValue {
    #[prost(string, tag = "1")]
    key: String,
    #[prost(message, optional, tag = "2")]
    value: Option<PbAnyValue>,
}
#[derive(Clone, PartialEq, prost::Message)]
struct PbAnyValue {
    #[prost(string, optional, tag = "1")]
    string_value: Option<String>,
    #[prost(bool, optional, tag = "2")]
    bool_value: Option<bool>,
    #[prost(int64, optional, tag = "3")]
    int_value: Option<i64>,
    #[prost(double, optional, tag = "4")]
    double_value: Option<f64>,
}

/// `ExportMetricsServiceResponse` with a partial success.
#[derive(Clone, PartialEq, prost::Message)]
pub struct PbResponse {
    #[prost(message, optional, tag = "1")]
    partial_success: Option<PbPartialSuccess>,
}
/// `ExportMetricsPartialSuccess`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct PbPartialSuccess {
    #[prost(int64, tag = "1")]
    rejected_data_points: i64,
    #[prost(string, tag = "2")]
    error_message: String,
}

/// The protobuf response body.
pub fn protobuf_response(rejected: usize, message: &str) -> Vec<u8> {
    let response = PbResponse {
        partial_success: (rejected > 0).then(|| PbPartialSuccess {
            rejected_data_points: rejected as i64,
            error_message: message.to_owned(),
        }),
    };
    prost::Message::encode_to_vec(&response)
}

// ---- JSON (the OTLP JSON mapping: lowerCamelCase, 64-bit integers as strings) ----

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsRequest {
    #[serde(default)]
    resource_metrics: Vec<JsResourceMetrics>,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsResourceMetrics {
    #[serde(default)]
    resource: Option<JsResource>,
    #[serde(default)]
    scope_metrics: Vec<JsScopeMetrics>,
}
#[derive(Deserialize)]
struct JsResource {
    #[serde(default)]
    attributes: Vec<JsKeyValue>,
}
#[derive(Deserialize)]
struct JsScopeMetrics {
    #[serde(default)]
    metrics: Vec<JsMetric>,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsMetric {
    /// The proto3 JSON mapping leaves out a field holding its default: no `name` is `""`.
    #[serde(default)]
    name: String,
    #[serde(default)]
    gauge: Option<JsGauge>,
    #[serde(default)]
    sum: Option<JsSum>,
    #[serde(default)]
    histogram: Option<JsGauge>,
    #[serde(default)]
    exponential_histogram: Option<JsGauge>,
    #[serde(default)]
    summary: Option<JsGauge>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsGauge {
    #[serde(default)]
    data_points: Vec<serde_json::Value>,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsSum {
    #[serde(default)]
    data_points: Vec<JsPoint>,
    #[serde(default)]
    aggregation_temporality: serde_json::Value,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsPoint {
    #[serde(default)]
    start_time_unix_nano: Option<serde_json::Value>,
    #[serde(default)]
    time_unix_nano: Option<serde_json::Value>,
    #[serde(default)]
    as_int: Option<serde_json::Value>,
    /// A number, or a string: the JSON mapping writes `"NaN"`, `"Infinity"`, `"-Infinity"`.
    #[serde(default)]
    as_double: Option<serde_json::Value>,
    #[serde(default)]
    attributes: Vec<JsKeyValue>,
}
#[derive(Deserialize)]
struct JsKeyValue {
    #[serde(default)]
    key: String,
    #[serde(default)]
    value: serde_json::Value,
}

/// A 64-bit integer of the JSON mapping: a string of digits, or a plain number.
fn js_u64(value: &serde_json::Value) -> Option<u64> {
    match value {
        serde_json::Value::String(s) => s.parse().ok(),
        serde_json::Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

fn js_attribute(value: &serde_json::Value) -> String {
    let inner = |name: &str| value.get(name);
    if let Some(s) = inner("stringValue").and_then(|v| v.as_str()) {
        s.to_owned()
    } else if let Some(v) = inner("intValue") {
        js_u64(v)
            .map(|n| n.to_string())
            .unwrap_or_else(|| v.to_string().trim_matches('"').to_owned())
    } else if let Some(v) = inner("boolValue") {
        v.to_string()
    } else if let Some(v) = inner("doubleValue") {
        // Rendered as the protobuf reader renders an f64, so a series is one series in both.
        js_double(v).map_or_else(|| v.to_string(), |d| d.to_string())
    } else {
        String::new()
    }
}

fn pb_attribute(value: Option<&PbAnyValue>) -> String {
    match value {
        Some(PbAnyValue {
            string_value: Some(s),
            ..
        }) => s.clone(),
        Some(PbAnyValue {
            int_value: Some(i), ..
        }) => i.to_string(),
        Some(PbAnyValue {
            bool_value: Some(b),
            ..
        }) => b.to_string(),
        Some(PbAnyValue {
            double_value: Some(d),
            ..
        }) => d.to_string(),
        _ => String::new(),
    }
}

fn temporality(code: i64) -> Option<Temporality> {
    match code {
        1 => Some(Temporality::Delta),
        2 => Some(Temporality::Cumulative),
        _ => None,
    }
}

/// A point's number: `asInt` if set, else `asDouble`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Number {
    Int(i64),
    Double(f64),
    /// Neither (or an `asDouble` that is no number).
    Missing,
}

impl Number {
    fn of(as_int: Option<i64>, as_double: Option<f64>) -> Self {
        match (as_int, as_double) {
            (Some(i), _) => Self::Int(i),
            (None, Some(d)) => Self::Double(d),
            (None, None) => Self::Missing,
        }
    }

    fn as_f64(self) -> Option<f64> {
        match self {
            Self::Int(i) => Some(i as f64),
            Self::Double(d) => Some(d),
            Self::Missing => None,
        }
    }
}

impl std::fmt::Display for Number {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Int(i) => write!(f, "{i}"),
            Self::Double(d) => write!(f, "{d}"),
            Self::Missing => f.write_str("none"),
        }
    }
}

/// `asDouble` of the JSON mapping: a number, or a string holding one (`"NaN"`, `"Infinity"`).
fn js_double(value: &serde_json::Value) -> Option<f64> {
    match value {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A value in the unit it is counted in (tokens and other counts whole; seconds of
/// [`MILLISECOND_METRICS`] as milliseconds; US dollars of [`COST_USAGE`] as micro-dollars), or
/// why it is refused: negative, not finite, fractional where counts are whole, or more than
/// [`MAX_POINT_VALUE`] in that unit.
fn counted_value(metric: &str, number: Number) -> Result<u64, String> {
    if number == Number::Missing {
        return Err(format!("{metric}: a point has no numeric value"));
    }
    let scaled = |scale: f64, unit: &str| {
        let value = number
            .as_f64()
            .filter(|v| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| {
                format!("{metric}: value {number} is not a finite, non-negative number of {unit}")
            })?;
        let counted = (value * scale).round();
        if counted > MAX_POINT_VALUE as f64 {
            return Err(format!(
                "{metric}: value {number} ({unit}) is more than one data point may add"
            ));
        }
        Ok(counted as u64)
    };
    if metric == COST_USAGE {
        return scaled(1_000_000.0, "US dollars");
    }
    if MILLISECOND_METRICS.contains(&metric) {
        return scaled(1_000.0, "seconds");
    }
    let whole = match number {
        Number::Int(i) => u64::try_from(i).ok(),
        // `as` saturates: a huge integral double is refused as too large below.
        Number::Double(d) if d.is_finite() && d >= 0.0 && d.fract() == 0.0 => Some(d as u64),
        _ => None,
    };
    match whole {
        Some(value) if value <= MAX_POINT_VALUE => Ok(value),
        Some(_) => Err(format!(
            "{metric}: value {number} is more than one data point may add"
        )),
        None => Err(format!(
            "{metric}: value {number} is not a whole, non-negative number"
        )),
    }
}

/// A metric of either encoding, as the one reader ([`read`]) sees it.
trait Metric {
    /// Its name.
    fn name(&self) -> &str;
    /// Histogram and summary points: rejected whole.
    fn uncounted_points(&self) -> usize;
    /// Gauge points: rejected.
    fn gauge_points(&self) -> usize;
    /// Sum points, without reading them.
    fn sum_points(&self) -> usize;
    /// The sum's aggregation temporality (OTLP's code) and its points, if it is a sum.
    fn sum(&self) -> Option<(i64, Vec<SumPoint>)>;
    /// Points of every type, counted toward [`MAX_POINTS`].
    fn point_count(&self) -> usize {
        self.uncounted_points() + self.gauge_points() + self.sum_points()
    }
}

/// The counting methods of [`Metric`], the same for both encodings' messages (whose fields
/// have the same names and different types).
macro_rules! point_counts {
    () => {
        fn uncounted_points(&self) -> usize {
            [&self.histogram, &self.exponential_histogram, &self.summary]
                .into_iter()
                .flatten()
                .map(|other| other.data_points.len())
                .sum()
        }
        fn gauge_points(&self) -> usize {
            self.gauge.as_ref().map_or(0, |g| g.data_points.len())
        }
        fn sum_points(&self) -> usize {
            self.sum.as_ref().map_or(0, |s| s.data_points.len())
        }
    };
}

/// A sum's data point, in neither encoding.
struct SumPoint {
    attributes: Vec<(String, String)>,
    start_nanos: u64,
    time_nanos: u64,
    number: Number,
}

impl Metric for PbMetric {
    point_counts!();
    fn name(&self) -> &str {
        &self.name
    }
    fn sum(&self) -> Option<(i64, Vec<SumPoint>)> {
        let sum = self.sum.as_ref()?;
        let points = sum
            .data_points
            .iter()
            .map(|point| SumPoint {
                attributes: point
                    .attributes
                    .iter()
                    .map(|kv| (kv.key.clone(), pb_attribute(kv.value.as_ref())))
                    .collect(),
                start_nanos: point.start_time_unix_nano,
                time_nanos: point.time_unix_nano,
                number: Number::of(point.as_int, point.as_double),
            })
            .collect();
        Some((i64::from(sum.aggregation_temporality), points))
    }
}

impl Metric for JsMetric {
    point_counts!();
    fn name(&self) -> &str {
        &self.name
    }
    fn sum(&self) -> Option<(i64, Vec<SumPoint>)> {
        let sum = self.sum.as_ref()?;
        let temporality = match &sum.aggregation_temporality {
            serde_json::Value::Number(n) => n.as_i64().unwrap_or(0),
            serde_json::Value::String(s) if s.ends_with("DELTA") => 1,
            serde_json::Value::String(s) if s.ends_with("CUMULATIVE") => 2,
            _ => 0,
        };
        let points = sum.data_points.iter().map(js_sum_point).collect();
        Some((temporality, points))
    }
}

fn js_sum_point(point: &JsPoint) -> SumPoint {
    let as_int = point.as_int.as_ref().and_then(|v| match v {
        serde_json::Value::String(s) => s.parse::<i64>().ok(),
        serde_json::Value::Number(n) => n.as_i64(),
        _ => None,
    });
    let number = match (as_int, &point.as_double) {
        (Some(i), _) => Number::Int(i),
        (None, Some(d)) => js_double(d).map_or(Number::Missing, Number::Double),
        // An `asInt` that is no integer, or no value at all.
        (None, None) => Number::Missing,
    };
    let nanos = |v: &Option<serde_json::Value>| v.as_ref().and_then(js_u64).unwrap_or(0);
    SumPoint {
        attributes: point
            .attributes
            .iter()
            .map(|kv| (kv.key.clone(), js_attribute(&kv.value)))
            .collect(),
        start_nanos: nanos(&point.start_time_unix_nano),
        time_nanos: nanos(&point.time_unix_nano),
        number,
    }
}

/// Parses a protobuf request.
pub fn parse_protobuf(body: &[u8]) -> Result<Parsed, OtlpError> {
    let request: PbRequest = prost::Message::decode(body)
        .map_err(|e| OtlpError::Malformed(format!("not an OTLP protobuf metrics request: {e}")))?;
    read(request.resource_metrics.iter().map(|resource| {
        let attributes = resource
            .resource
            .iter()
            .flat_map(|r| r.attributes.iter())
            .map(|kv| (kv.key.clone(), pb_attribute(kv.value.as_ref())))
            .collect();
        let metrics = resource.scope_metrics.iter().flat_map(|s| s.metrics.iter());
        (attributes, metrics.collect())
    }))
}

/// Parses a JSON request.
pub fn parse_json(body: &[u8]) -> Result<Parsed, OtlpError> {
    let request: JsRequest = serde_json::from_slice(body)
        .map_err(|e| OtlpError::Malformed(format!("not an OTLP JSON metrics request: {e}")))?;
    read(request.resource_metrics.iter().map(|resource| {
        let attributes = resource
            .resource
            .iter()
            .flat_map(|r| r.attributes.iter())
            .map(|kv| (kv.key.clone(), js_attribute(&kv.value)))
            .collect();
        let metrics = resource.scope_metrics.iter().flat_map(|s| s.metrics.iter());
        (attributes, metrics.collect())
    }))
}

/// Reads a request of either encoding, given as each resource's attributes and metrics: the
/// shape is checked before any point is built, then every point is counted or rejected.
fn read<'a, M: Metric + 'a>(
    resources: impl Iterator<Item = (BTreeMap<String, String>, Vec<&'a M>)>,
) -> Result<Parsed, OtlpError> {
    let resources: Vec<(BTreeMap<String, String>, Vec<&M>)> = resources.collect();
    check_shape(resources.iter().map(|(attributes, metrics)| {
        (
            attributes,
            metrics.iter().map(|m| (m.name().len(), m.point_count())),
        )
    }))?;
    let mut parsed = Parsed::default();
    for (resource_attributes, metrics) in &resources {
        for metric in metrics {
            for _ in 0..metric.uncounted_points() {
                parsed.reject("histograms and summaries are not counted");
            }
            for _ in 0..metric.gauge_points() {
                parsed.reject("gauges are not counted");
            }
            let Some((temporality_code, points)) = metric.sum() else {
                continue;
            };
            for point in points {
                let mut attributes = resource_attributes.clone();
                attributes.extend(point.attributes);
                push(
                    &mut parsed,
                    metric.name(),
                    attributes,
                    temporality_code,
                    point.start_nanos,
                    point.time_nanos,
                    counted_value(metric.name(), point.number),
                );
            }
        }
    }
    Ok(parsed)
}

fn push(
    parsed: &mut Parsed,
    metric: &str,
    attributes: BTreeMap<String, String>,
    temporality_code: i64,
    start_nanos: u64,
    time_nanos: u64,
    value: Result<u64, String>,
) {
    let Some(temporality) = temporality(temporality_code) else {
        return parsed.reject("sums need DELTA or CUMULATIVE aggregation temporality");
    };
    let value = match value {
        Ok(value) => value,
        Err(why) => return parsed.reject(&why),
    };
    if time_nanos == 0 {
        return parsed.reject("points need timeUnixNano");
    }
    parsed.points.push(CounterPoint {
        metric: metric.to_owned(),
        attributes,
        start_nanos,
        time_nanos,
        value,
        temporality,
    });
}

/// Refuses a request before any point is built: over [`MAX_POINTS`], or with more than
/// [`MAX_REPEATED_BYTES`] of names and resource attributes once copied into every point. Takes,
/// per resource, its attributes and each metric's name length and number of points.
fn check_shape<'a, M>(
    resources: impl Iterator<Item = (&'a BTreeMap<String, String>, M)>,
) -> Result<(), OtlpError>
where
    M: Iterator<Item = (usize, usize)>,
{
    let (mut points, mut repeated) = (0usize, 0usize);
    for (attributes, metrics) in resources {
        let resource_bytes: usize = attributes.iter().map(|(k, v)| k.len() + v.len()).sum();
        for (name_bytes, count) in metrics {
            points = points.saturating_add(count);
            repeated = repeated.saturating_add(count.saturating_mul(name_bytes + resource_bytes));
        }
    }
    if points > MAX_POINTS {
        return Err(OtlpError::TooManyPoints(points));
    }
    if repeated > MAX_REPEATED_BYTES {
        return Err(OtlpError::TooMuchRepeated(repeated));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: &str = r#"{"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"claude-code"}}]},
      "scopeMetrics":[{"metrics":[
        {"name":"claude_code.token.usage","unit":"tokens","sum":{"aggregationTemporality":1,"isMonotonic":true,"dataPoints":[
          {"startTimeUnixNano":"1","timeUnixNano":"1800000000000000000","asInt":"1200",
           "attributes":[{"key":"type","value":{"stringValue":"input"}},{"key":"model","value":{"stringValue":"claude-sonnet-4"}}]},
          {"timeUnixNano":"1800000000000000000","asDouble":3.5,"attributes":[]}]}},
        {"name":"claude_code.cost.usage","gauge":{"dataPoints":[{"asDouble":0.1}]}}]}]}]}"#;

    #[test]
    fn json_points_with_string_integers_and_resource_attributes() {
        let parsed = parse_json(JSON.as_bytes()).unwrap();
        assert_eq!(parsed.points.len(), 1);
        let point = &parsed.points[0];
        assert_eq!(point.value, 1200);
        assert_eq!(point.temporality, Temporality::Delta);
        assert_eq!(point.attributes["service.name"], "claude-code");
        assert_eq!(point.token_usage().map(|(m, _)| m), Some("claude-sonnet-4"));
        assert_eq!(parsed.rejected, 2, "a fractional value and a gauge");
    }

    #[test]
    fn values_are_counted_in_their_unit_or_refused_with_the_problem_named() {
        use Number::{Double, Int, Missing};
        const TOKENS: &str = "claude_code.token.usage";
        const COST: &str = COST_USAGE;
        const TIME: &str = "claude_code.active_time.total";
        for (metric, number, expected) in [
            (TOKENS, Int(1200), Ok(1200)),
            (TOKENS, Double(42.0), Ok(42)),
            (TOKENS, Int(1_000_000_000_000), Ok(1_000_000_000_000)),
            (TOKENS, Double(3.5), Err("value 3.5 is not a whole")),
            (TOKENS, Int(-1), Err("value -1 is not a whole")),
            (TOKENS, Double(f64::NAN), Err("value NaN is not a whole")),
            (
                TOKENS,
                Int(1_000_000_000_001),
                Err("more than one data point"),
            ),
            (TOKENS, Double(1e19), Err("more than one data point")),
            (TOKENS, Missing, Err("no numeric value")),
            (COST, Double(0.012_345_6), Ok(12_346)),
            (COST, Double(7.25), Ok(7_250_000)),
            (COST, Int(2), Ok(2_000_000)),
            (COST, Double(0.0), Ok(0)),
            (
                COST,
                Double(-0.5),
                Err("value -0.5 is not a finite, non-negative number of US dollars"),
            ),
            (COST, Double(f64::NAN), Err("value NaN is not a finite")),
            (
                COST,
                Double(f64::INFINITY),
                Err("value inf is not a finite"),
            ),
            (COST, Double(2e6), Err("more than one data point")),
            (TIME, Double(12.5), Ok(12_500)),
            (TIME, Double(-1.0), Err("number of seconds")),
        ] {
            let got = counted_value(metric, number);
            match expected {
                Ok(value) => assert_eq!(got, Ok(value), "{metric} {number}"),
                Err(why) => {
                    let message = got.expect_err(why);
                    assert!(
                        message.starts_with(metric) && message.contains(why),
                        "{metric} {number}: {message}"
                    );
                }
            }
        }
    }

    #[test]
    fn fractional_cost_points_are_accepted_and_bad_ones_named() {
        let body = r#"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[
            {"name":"claude_code.cost.usage","unit":"USD","sum":{"aggregationTemporality":"AGGREGATION_TEMPORALITY_DELTA","dataPoints":[
              {"timeUnixNano":"1800000000000000000","asDouble":0.0123,"attributes":[{"key":"model","value":{"stringValue":"claude-opus-5-5"}}]},
              {"timeUnixNano":"1800000000000000000","asDouble":"NaN","attributes":[]},
              {"timeUnixNano":"1800000000000000000","asDouble":"-Infinity","attributes":[]},
              {"timeUnixNano":"1800000000000000000","asDouble":-0.5,"attributes":[]}]}}]}]}]}"#;
        let parsed = parse_json(body.as_bytes()).unwrap();
        assert_eq!(parsed.points.len(), 1);
        assert_eq!(parsed.points[0].value, 12_300, "micro-dollars");
        assert_eq!(parsed.points[0].reported_cost(), Some("claude-opus-5-5"));
        assert_eq!(parsed.rejected, 3);
        assert_eq!(
            parsed.reason.as_deref(),
            Some(
                "claude_code.cost.usage: value NaN is not a finite, non-negative number of US dollars"
            )
        );
    }

    #[test]
    fn protobuf_round_trip_of_the_same_request() {
        let request = PbRequest {
            resource_metrics: vec![PbResourceMetrics {
                resource: None,
                scope_metrics: vec![PbScopeMetrics {
                    metrics: vec![PbMetric {
                        name: "claude_code.token.usage".into(),
                        gauge: None,
                        histogram: None,
                        exponential_histogram: None,
                        summary: None,
                        sum: Some(PbSum {
                            aggregation_temporality: 2,
                            data_points: vec![PbNumberDataPoint {
                                start_time_unix_nano: 5,
                                time_unix_nano: 1_800_000_000_000_000_000,
                                as_double: None,
                                as_int: Some(42),
                                attributes: vec![PbKeyValue {
                                    key: "type".into(),
                                    value: Some(PbAnyValue {
                                        string_value: Some("output".into()),
                                        ..Default::default()
                                    }),
                                }],
                            }],
                        }),
                    }],
                }],
            }],
        };
        let parsed = parse_protobuf(&prost::Message::encode_to_vec(&request)).unwrap();
        assert_eq!(parsed.points[0].value, 42);
        assert_eq!(parsed.points[0].temporality, Temporality::Cumulative);
        assert!(parse_protobuf(b"\xff\xff garbage").is_err());
        assert!(parse_json(b"{\"resourceMetrics\": 7}").is_err());
    }
}
