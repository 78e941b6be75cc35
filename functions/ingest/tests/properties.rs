//! Properties of the OTLP metrics parsers (`otlp::parse_json`, `otlp::parse_protobuf`) and of the
//! response encoder, and a corpus of hostile and valid payloads run through both parsers.
//!
//! These parsers read whatever any holder of a token sends to `POST /v1/metrics`, so they must
//! never panic, must count every point they read (accepted + rejected = sent, which is what the
//! client's partial success reports), must never let a value over `MAX_POINT_VALUE` through, must
//! refuse a request of more than `MAX_POINTS` points whole, and must read the same request alike in
//! both encodings (Claude Code sends either, by `OTEL_EXPORTER_OTLP_PROTOCOL`).
//!
//! Requests are generated as a small model ([`Request`]) and encoded by this file, from the OTLP
//! field numbers and the proto3 JSON mapping, never with the parser's own types: the encoder here
//! is the client's view of the protocol (as in `tests/tests/ingest.rs`).
//!
//! Runs are bounded and repeatable: each property sets its case count and every run starts from
//! one fixed seed ([`config`], shared by the property suites: `tests/common/proptest_config.rs`
//! says how to explore further); failures are saved to `tests/proptest-regressions/properties.txt`
//! (commit it) and replayed first by every later run.
//!
//! The corpus is `tests/corpus/` (described in its README): every file there goes through both
//! parsers on every run, each with the outcome [`CORPUS`] expects, and is also the seed of the
//! byte-mutation property.

// Dependencies are judged on the library target; this test uses only some of them.
#![allow(unused_crate_dependencies)]

use std::collections::BTreeMap;

use ccwb_core::telemetry::{COST_USAGE, MAX_POINT_VALUE, MILLISECOND_METRICS, TOKEN_USAGE};
use ccwb_ingest::otlp::{
    MAX_POINTS, OtlpError, Parsed, parse_json, parse_protobuf, protobuf_response,
};
use proptest::prelude::*;
use serde_json::{Value, json};

#[path = "../../../tests/common/proptest_config.rs"]
mod proptest_config;
use proptest_config::config;

// ---- the OTLP messages, as a client encodes them (opentelemetry-proto field numbers) ----

// These mirror the message types of `functions/ingest/src/otlp.rs` on purpose: a suite that
// encoded with the parser's own types could not find a field number or a type the parser gets
// wrong. (`tests/tests/ingest.rs` encodes with opentelemetry-proto instead; this suite cannot,
// since it also sends what no conforming encoder can: a gauge and a sum in one metric, whose
// `data` is a `oneof` there.)
mod wire {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ExportRequest {
        #[prost(message, repeated, tag = "1")]
        pub resource_metrics: Vec<ResourceMetrics>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ResourceMetrics {
        #[prost(message, optional, tag = "1")]
        pub resource: Option<Resource>,
        #[prost(message, repeated, tag = "2")]
        pub scope_metrics: Vec<ScopeMetrics>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Resource {
        #[prost(message, repeated, tag = "1")]
        pub attributes: Vec<KeyValue>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ScopeMetrics {
        #[prost(message, repeated, tag = "2")]
        pub metrics: Vec<Metric>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Metric {
        #[prost(string, tag = "1")]
        pub name: String,
        #[prost(message, optional, tag = "5")]
        pub gauge: Option<Gauge>,
        #[prost(message, optional, tag = "7")]
        pub sum: Option<Sum>,
        #[prost(message, optional, tag = "9")]
        pub histogram: Option<Histogram>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Gauge {
        #[prost(message, repeated, tag = "1")]
        pub data_points: Vec<NumberDataPoint>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Sum {
        #[prost(message, repeated, tag = "1")]
        pub data_points: Vec<NumberDataPoint>,
        #[prost(int32, tag = "2")]
        pub aggregation_temporality: i32,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Histogram {
        #[prost(message, repeated, tag = "1")]
        pub data_points: Vec<HistogramDataPoint>,
        #[prost(int32, tag = "2")]
        pub aggregation_temporality: i32,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct HistogramDataPoint {
        #[prost(fixed64, tag = "3")]
        pub time_unix_nano: u64,
        #[prost(fixed64, tag = "4")]
        pub count: u64,
    }
    /// `as_double` (4) and `as_int` (6) are a `oneof` in OTLP; a client sets one of them.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct NumberDataPoint {
        #[prost(fixed64, tag = "2")]
        pub start_time_unix_nano: u64,
        #[prost(fixed64, tag = "3")]
        pub time_unix_nano: u64,
        #[prost(double, optional, tag = "4")]
        pub as_double: Option<f64>,
        #[prost(sfixed64, optional, tag = "6")]
        pub as_int: Option<i64>,
        #[prost(message, repeated, tag = "7")]
        pub attributes: Vec<KeyValue>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct KeyValue {
        #[prost(string, tag = "1")]
        pub key: String,
        #[prost(message, optional, tag = "2")]
        pub value: Option<AnyValue>,
    }
    /// A `oneof` in OTLP as well; a client sets one field.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct AnyValue {
        #[prost(string, optional, tag = "1")]
        pub string_value: Option<String>,
        #[prost(bool, optional, tag = "2")]
        pub bool_value: Option<bool>,
        #[prost(int64, optional, tag = "3")]
        pub int_value: Option<i64>,
        #[prost(double, optional, tag = "4")]
        pub double_value: Option<f64>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ExportResponse {
        #[prost(message, optional, tag = "1")]
        pub partial_success: Option<PartialSuccess>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct PartialSuccess {
        #[prost(int64, tag = "1")]
        pub rejected_data_points: i64,
        #[prost(string, tag = "2")]
        pub error_message: String,
    }
}

// ---- the generated model of a request ----

/// An attribute value (`AnyValue`).
#[derive(Debug, Clone)]
enum Attr {
    Str(String),
    Int(i64),
    Bool(bool),
    Double(f64),
}

/// A point's number (`asInt`, `asDouble`, or neither).
#[derive(Debug, Clone, Copy)]
enum Number {
    Int(i64),
    Double(f64),
    Missing,
}

#[derive(Debug, Clone)]
struct Point {
    start: u64,
    time: u64,
    number: Number,
    attributes: Vec<(String, Attr)>,
}

#[derive(Debug, Clone)]
struct Sum {
    temporality: i32,
    points: Vec<Point>,
}

#[derive(Debug, Clone)]
struct Metric {
    name: String,
    gauge: Option<Vec<Point>>,
    sum: Option<Sum>,
}

#[derive(Debug, Clone)]
struct Resource {
    attributes: Option<Vec<(String, Attr)>>,
    scopes: Vec<Vec<Metric>>,
}

#[derive(Debug, Clone)]
struct Request {
    resources: Vec<Resource>,
    /// Leave out fields that hold their default (0, empty), as the proto3 JSON mapping does.
    omit_defaults: bool,
}

impl Request {
    /// Every data point of every gauge and sum.
    fn points_sent(&self) -> usize {
        self.metrics()
            .map(|m| {
                m.gauge.as_ref().map_or(0, Vec::len) + m.sum.as_ref().map_or(0, |s| s.points.len())
            })
            .sum()
    }

    fn metrics(&self) -> impl Iterator<Item = &Metric> {
        self.resources
            .iter()
            .flat_map(|r| r.scopes.iter().flatten())
    }
}

// ---- encoders ----

fn pb_attributes(attributes: &[(String, Attr)]) -> Vec<wire::KeyValue> {
    attributes
        .iter()
        .map(|(key, attr)| {
            let mut value = wire::AnyValue::default();
            match attr {
                Attr::Str(s) => value.string_value = Some(s.clone()),
                Attr::Int(i) => value.int_value = Some(*i),
                Attr::Bool(b) => value.bool_value = Some(*b),
                Attr::Double(d) => value.double_value = Some(*d),
            }
            wire::KeyValue {
                key: key.clone(),
                value: Some(value),
            }
        })
        .collect()
}

fn pb_point(point: &Point) -> wire::NumberDataPoint {
    wire::NumberDataPoint {
        start_time_unix_nano: point.start,
        time_unix_nano: point.time,
        as_double: match point.number {
            Number::Double(d) => Some(d),
            _ => None,
        },
        as_int: match point.number {
            Number::Int(i) => Some(i),
            _ => None,
        },
        attributes: pb_attributes(&point.attributes),
    }
}

fn protobuf(request: &Request) -> Vec<u8> {
    let message = wire::ExportRequest {
        resource_metrics: request
            .resources
            .iter()
            .map(|resource| wire::ResourceMetrics {
                resource: resource.attributes.as_ref().map(|a| wire::Resource {
                    attributes: pb_attributes(a),
                }),
                scope_metrics: resource
                    .scopes
                    .iter()
                    .map(|metrics| wire::ScopeMetrics {
                        metrics: metrics
                            .iter()
                            .map(|metric| wire::Metric {
                                name: metric.name.clone(),
                                gauge: metric.gauge.as_ref().map(|points| wire::Gauge {
                                    data_points: points.iter().map(pb_point).collect(),
                                }),
                                sum: metric.sum.as_ref().map(|sum| wire::Sum {
                                    data_points: sum.points.iter().map(pb_point).collect(),
                                    aggregation_temporality: sum.temporality,
                                }),
                                histogram: None,
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
    };
    prost::Message::encode_to_vec(&message)
}

/// A JSON object of the pairs that are present.
fn object(pairs: Vec<(&str, Option<Value>)>) -> Value {
    Value::Object(
        pairs
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v)))
            .collect(),
    )
}

/// A double in the JSON mapping: a number, or `"NaN"`, `"Infinity"`, `"-Infinity"`.
fn js_double(d: f64) -> Value {
    if d.is_nan() {
        json!("NaN")
    } else if d.is_infinite() {
        json!(if d > 0.0 { "Infinity" } else { "-Infinity" })
    } else {
        json!(d)
    }
}

fn js_attributes(attributes: &[(String, Attr)], omit: bool) -> Option<Value> {
    (!(omit && attributes.is_empty())).then(|| {
        attributes
            .iter()
            .map(|(key, attr)| {
                let value = match attr {
                    Attr::Str(s) => json!({"stringValue": s}),
                    Attr::Int(i) => json!({"intValue": i.to_string()}),
                    Attr::Bool(b) => json!({"boolValue": b}),
                    Attr::Double(d) => json!({"doubleValue": js_double(*d)}),
                };
                json!({"key": key, "value": value})
            })
            .collect()
    })
}

/// A 64-bit integer of the JSON mapping: a string of digits.
fn js_u64(n: u64, omit: bool) -> Option<Value> {
    (!(omit && n == 0)).then(|| json!(n.to_string()))
}

fn js_point(point: &Point, omit: bool) -> Value {
    object(vec![
        ("startTimeUnixNano", js_u64(point.start, omit)),
        ("timeUnixNano", js_u64(point.time, omit)),
        (
            "asInt",
            match point.number {
                Number::Int(i) => Some(json!(i.to_string())),
                _ => None,
            },
        ),
        (
            "asDouble",
            match point.number {
                Number::Double(d) => Some(js_double(d)),
                _ => None,
            },
        ),
        ("attributes", js_attributes(&point.attributes, omit)),
    ])
}

/// The enum's name for the two temporalities the mapping can name, else the number.
fn js_temporality(code: i32, omit: bool) -> Option<Value> {
    match code {
        0 if omit => None,
        0 => Some(json!("AGGREGATION_TEMPORALITY_UNSPECIFIED")),
        1 => Some(json!("AGGREGATION_TEMPORALITY_DELTA")),
        2 => Some(json!("AGGREGATION_TEMPORALITY_CUMULATIVE")),
        other => Some(json!(other)),
    }
}

fn otlp_json(request: &Request) -> Vec<u8> {
    let omit = request.omit_defaults;
    let resources: Vec<Value> = request
        .resources
        .iter()
        .map(|resource| {
            let scopes: Vec<Value> = resource
                .scopes
                .iter()
                .map(|metrics| {
                    let metrics: Vec<Value> = metrics
                        .iter()
                        .map(|metric| {
                            object(vec![
                                ("name", Some(json!(metric.name))),
                                (
                                    "gauge",
                                    metric.gauge.as_ref().map(|points| {
                                        json!({"dataPoints": points.iter().map(|p| js_point(p, omit)).collect::<Vec<_>>()})
                                    }),
                                ),
                                (
                                    "sum",
                                    metric.sum.as_ref().map(|sum| {
                                        object(vec![
                                            (
                                                "aggregationTemporality",
                                                js_temporality(sum.temporality, omit),
                                            ),
                                            ("isMonotonic", Some(json!(true))),
                                            (
                                                "dataPoints",
                                                Some(
                                                    sum.points
                                                        .iter()
                                                        .map(|p| js_point(p, omit))
                                                        .collect(),
                                                ),
                                            ),
                                        ])
                                    }),
                                ),
                            ])
                        })
                        .collect();
                    json!({"scope": {"name": "com.anthropic.claude_code"}, "metrics": metrics})
                })
                .collect();
            object(vec![
                (
                    "resource",
                    resource.attributes.as_ref().map(|a| {
                        object(vec![("attributes", js_attributes(a, omit))])
                    }),
                ),
                ("scopeMetrics", Some(Value::Array(scopes))),
            ])
        })
        .collect();
    json!({"resourceMetrics": resources})
        .to_string()
        .into_bytes()
}

// ---- strategies ----

/// Metric names: the ones ccwb counts in each unit, one it ignores, and anything.
fn metric_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just(TOKEN_USAGE.to_owned()),
        2 => Just(COST_USAGE.to_owned()),
        1 => Just(MILLISECOND_METRICS[0].to_owned()),
        1 => Just("claude_code.session.count".to_owned()),
        1 => "[a-z._]{1,20}",
        1 => any::<String>(),
    ]
}

/// Attribute keys that collide between resource and point, and others.
fn attribute_key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("type".to_owned()),
        Just("model".to_owned()),
        Just("session.id".to_owned()),
        Just("user.email".to_owned()),
        "[a-z.]{1,12}",
        any::<String>(),
    ]
}

/// String, integer and boolean attribute values (doubles: see the property of their own below).
fn attr() -> impl Strategy<Value = Attr> {
    prop_oneof![
        4 => prop_oneof![
            Just("input".to_owned()),
            Just("output".to_owned()),
            Just("claude-sonnet-4".to_owned()),
            any::<String>(),
        ]
        .prop_map(Attr::Str),
        1 => any::<i64>().prop_map(Attr::Int),
        1 => any::<bool>().prop_map(Attr::Bool),
    ]
}

fn attributes() -> impl Strategy<Value = Vec<(String, Attr)>> {
    prop::collection::vec((attribute_key(), attr()), 0..4)
}

/// Doubles of every kind: whole and fractional, negative, zero of both signs, subnormal, huge,
/// infinite and NaN, and the edges of `MAX_POINT_VALUE` in each unit.
fn double() -> impl Strategy<Value = f64> {
    let max = MAX_POINT_VALUE as f64;
    prop_oneof![
        (0u32..100_000).prop_map(f64::from),
        0.0f64..10.0,
        prop::num::f64::ANY,
        prop::sample::select(vec![
            0.0,
            -0.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            5e-324,
            f64::MAX,
            max,
            max + 1.0,
            max / 1_000.0,
            max / 1_000_000.0,
            max / 1_000_000.0 + 0.000_001,
            i64::MAX as f64,
            u64::MAX as f64,
        ]),
    ]
}

/// Integers of every kind, with the edges of `MAX_POINT_VALUE` and of `i64`.
fn integer() -> impl Strategy<Value = i64> {
    let max = MAX_POINT_VALUE as i64;
    prop_oneof![
        0i64..100_000,
        any::<i64>(),
        prop::sample::select(vec![
            0,
            -1,
            max,
            max + 1,
            max / 1_000_000,
            max / 1_000_000 + 1,
            i64::MAX,
            i64::MIN,
        ]),
    ]
}

fn number() -> impl Strategy<Value = Number> {
    prop_oneof![
        3 => integer().prop_map(Number::Int),
        3 => double().prop_map(Number::Double),
        1 => Just(Number::Missing),
    ]
}

fn timestamp() -> impl Strategy<Value = u64> {
    prop_oneof![
        1 => Just(0u64),
        4 => 1_700_000_000_000_000_000u64..1_900_000_000_000_000_000,
        1 => any::<u64>(),
    ]
}

fn point() -> impl Strategy<Value = Point> {
    (timestamp(), timestamp(), number(), attributes()).prop_map(
        |(start, time, number, attributes)| Point {
            start,
            time,
            number,
            attributes,
        },
    )
}

fn temporality() -> impl Strategy<Value = i32> {
    prop_oneof![4 => 1..=2i32, 1 => Just(0), 1 => any::<i32>()]
}

fn metric() -> impl Strategy<Value = Metric> {
    (
        metric_name(),
        prop::option::weighted(0.2, prop::collection::vec(point(), 0..3)),
        prop::option::weighted(
            0.9,
            (temporality(), prop::collection::vec(point(), 0..6)).prop_map(
                |(temporality, points)| Sum {
                    temporality,
                    points,
                },
            ),
        ),
    )
        .prop_map(|(name, gauge, sum)| Metric { name, gauge, sum })
}

fn request() -> impl Strategy<Value = Request> {
    let resource = (
        prop::option::of(attributes()),
        prop::collection::vec(prop::collection::vec(metric(), 0..4), 0..3),
    )
        .prop_map(|(attributes, scopes)| Resource { attributes, scopes });
    (prop::collection::vec(resource, 0..3), any::<bool>()).prop_map(|(resources, omit_defaults)| {
        Request {
            resources,
            omit_defaults,
        }
    })
}

/// Any JSON value, nested a few levels.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "-?[0-9]{1,25}".prop_map(Value::String),
        prop::sample::select(vec![
            "NaN",
            "Infinity",
            "-Infinity",
            "inf",
            "1e400",
            " 7 ",
            ""
        ])
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(any::<String>(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// The OTLP skeleton with any JSON value, or a value of the usual type, at each field: reaches
/// far deeper into the parser than arbitrary JSON, which is refused at the top.
fn otlp_shaped_json() -> impl Strategy<Value = Value> {
    fn field<S: Strategy<Value = Value> + 'static>(usual: S) -> BoxedStrategy<Value> {
        prop_oneof![3 => usual, 1 => json_value()].boxed()
    }
    let u64_text = || any::<u64>().prop_map(|n| json!(n.to_string()));
    let attribute = (
        field(attribute_key().prop_map(Value::String)),
        field(prop_oneof![
            any::<String>().prop_map(|s| json!({ "stringValue": s })),
            "-?[0-9]{1,22}".prop_map(|s| json!({ "intValue": s })),
            any::<i64>().prop_map(|i| json!({ "intValue": i })),
            any::<bool>().prop_map(|b| json!({ "boolValue": b })),
        ]),
    )
        .prop_map(|(key, value)| json!({"key": key, "value": value}));
    let attributes = field(prop::collection::vec(attribute, 0..3).prop_map(Value::Array));
    let point = (
        field(u64_text()),
        field(u64_text()),
        field(prop_oneof![
            "-?[0-9]{1,21}".prop_map(Value::String),
            any::<i64>().prop_map(Value::from),
        ]),
        field(double().prop_map(js_double)),
        attributes.clone(),
    )
        .prop_map(|(start, time, as_int, as_double, attributes)| {
            json!({"startTimeUnixNano": start, "timeUnixNano": time, "asInt": as_int,
                   "asDouble": as_double, "attributes": attributes})
        });
    let points = field(prop::collection::vec(point, 0..4).prop_map(Value::Array));
    let metric = (
        field(metric_name().prop_map(Value::String)),
        field(prop_oneof![
            (-1i64..4).prop_map(Value::from),
            "AGGREGATION_TEMPORALITY_[A-Z]{0,10}".prop_map(Value::String),
        ]),
        points.clone(),
        points,
    )
        .prop_map(|(name, temporality, sum_points, gauge_points)| {
            json!({"name": name, "sum": {"aggregationTemporality": temporality, "dataPoints": sum_points},
                   "gauge": {"dataPoints": gauge_points}})
        });
    let metrics = field(prop::collection::vec(metric, 0..3).prop_map(Value::Array));
    let resource = (attributes, metrics).prop_map(|(attributes, metrics)| {
        json!({"resource": {"attributes": attributes}, "scopeMetrics": [{"metrics": metrics}]})
    });
    field(
        prop::collection::vec(resource, 0..3)
            .prop_map(|resources| json!({ "resourceMetrics": resources })),
    )
}

/// What may be done to a valid body's bytes: cut it, flip a byte, insert or remove bytes.
#[derive(Debug, Clone)]
enum Mutation {
    Truncate(prop::sample::Index),
    Set(prop::sample::Index, u8),
    Insert(prop::sample::Index, Vec<u8>),
    Remove(prop::sample::Index, usize),
}

fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    let one = prop_oneof![
        any::<prop::sample::Index>().prop_map(Mutation::Truncate),
        (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        (
            any::<prop::sample::Index>(),
            prop::collection::vec(any::<u8>(), 1..12)
        )
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<prop::sample::Index>(), 1usize..16).prop_map(|(i, n)| Mutation::Remove(i, n)),
    ];
    prop::collection::vec(one, 1..5)
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for mutation in mutations {
        let len = bytes.len();
        match mutation {
            Mutation::Truncate(at) => bytes.truncate(at.index(len + 1)),
            Mutation::Set(at, byte) if len > 0 => bytes[at.index(len)] = *byte,
            Mutation::Set(..) => {}
            Mutation::Insert(at, new) => {
                let at = at.index(len + 1);
                bytes.splice(at..at, new.iter().copied());
            }
            Mutation::Remove(at, n) => {
                let at = at.index(len + 1);
                bytes.drain(at..(at + n).min(len));
            }
        }
    }
    bytes
}

// ---- invariants ----

/// What holds of every request either parser accepts, whatever it held: nothing over the limits,
/// nothing without a time, and a reason whenever something was refused.
fn check_invariants(parsed: &Parsed) -> Result<(), TestCaseError> {
    prop_assert!(parsed.points.len() + parsed.rejected <= MAX_POINTS);
    for point in &parsed.points {
        prop_assert!(point.value <= MAX_POINT_VALUE, "{point:?}");
        prop_assert!(point.time_nanos != 0, "{point:?}");
    }
    prop_assert_eq!(parsed.reason.is_some(), parsed.rejected > 0);
    Ok(())
}

/// Both parsers on `body`; panics surface as test failures with the input.
fn parse_both(body: &[u8]) -> Result<(), TestCaseError> {
    for parsed in [parse_json(body), parse_protobuf(body)]
        .into_iter()
        .flatten()
    {
        check_invariants(&parsed)?;
    }
    Ok(())
}

// ---- properties ----

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
        parse_both(&body)?;
    }

    #[test]
    fn arbitrary_json_values_never_panic(value in json_value()) {
        parse_both(value.to_string().as_bytes())?;
    }

    #[test]
    fn otlp_shaped_json_with_any_values_never_panics(value in otlp_shaped_json()) {
        let body = value.to_string();
        if let Ok(parsed) = parse_json(body.as_bytes()) {
            check_invariants(&parsed)?;
        }
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn mutated_requests_never_panic(request in request(), mutations in mutations()) {
        parse_both(&mutate(protobuf(&request), &mutations))?;
        parse_both(&mutate(otlp_json(&request), &mutations))?;
    }

    #[test]
    fn mutated_corpus_payloads_never_panic(
        file in any::<prop::sample::Index>(),
        mutations in mutations(),
    ) {
        let corpus = corpus_files();
        let (_, bytes) = &corpus[file.index(corpus.len())];
        parse_both(&mutate(bytes.clone(), &mutations))?;
    }

    #[test]
    fn json_and_protobuf_parse_to_the_same_points(request in request()) {
        let from_json = parse_json(&otlp_json(&request));
        let from_protobuf = parse_protobuf(&protobuf(&request));
        match (from_json, from_protobuf) {
            (Ok(json), Ok(protobuf)) => {
                prop_assert_eq!(&json.points, &protobuf.points);
                prop_assert_eq!(json.rejected, protobuf.rejected);
                prop_assert_eq!(&json.reason, &protobuf.reason);
            }
            (json, protobuf) => prop_assert!(
                false,
                "one encoding refused the request: json {:?}, protobuf {:?}",
                json.map(|p| p.points.len()),
                protobuf.map(|p| p.points.len())
            ),
        }
    }

    #[test]
    fn accepted_plus_rejected_is_every_point_sent(request in request()) {
        let sent = request.points_sent();
        for (encoding, parsed) in [
            ("json", parse_json(&otlp_json(&request))),
            ("protobuf", parse_protobuf(&protobuf(&request))),
        ] {
            match parsed {
                Ok(parsed) => {
                    prop_assert_eq!(parsed.points.len() + parsed.rejected, sent, "{}", encoding);
                    check_invariants(&parsed)?;
                }
                Err(e) => prop_assert!(false, "{} refused a request of {} points: {:?}", encoding, sent, e),
            }
        }
    }

    #[test]
    fn values_above_max_point_value_are_rejected_never_accepted(
        over in prop::collection::vec(over_the_limit(), 1..8),
        under in prop::collection::vec(0..=MAX_POINT_VALUE, 0..8),
        time in 1u64..,
    ) {
        // One sum per value: the over-limit points in their metric's unit, then good token counts.
        let metric = |name: &str, number: Number| Metric {
            name: name.to_owned(),
            gauge: None,
            sum: Some(Sum {
                temporality: 1,
                points: vec![Point { start: 0, time, number, attributes: vec![] }],
            }),
        };
        let metrics: Vec<Metric> = over
            .iter()
            .map(|(name, number)| metric(name, *number))
            .chain(under.iter().map(|v| metric(TOKEN_USAGE, Number::Int(*v as i64))))
            .collect();
        let request = Request {
            resources: vec![Resource { attributes: None, scopes: vec![metrics] }],
            omit_defaults: false,
        };
        for parsed in [parse_json(&otlp_json(&request)), parse_protobuf(&protobuf(&request))] {
            let parsed = parsed.map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            prop_assert_eq!(parsed.rejected, over.len());
            let values: Vec<u64> = parsed.points.iter().map(|p| p.value).collect();
            prop_assert_eq!(&values, &under, "only the good points, with their values");
        }
    }

    #[test]
    fn the_response_encoder_round_trips(rejected in 0usize..=i64::MAX as usize, message in any::<String>()) {
        let body = protobuf_response(rejected, &message);
        let response: wire::ExportResponse = prost::Message::decode(body.as_slice())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        match response.partial_success {
            None => prop_assert_eq!(rejected, 0, "a partial success whenever points were rejected"),
            Some(partial) => {
                prop_assert!(rejected > 0, "no partial success when nothing was rejected");
                prop_assert_eq!(partial.rejected_data_points, rejected as i64);
                prop_assert_eq!(partial.error_message, message);
            }
        }
    }
}

/// A metric and a value over `MAX_POINT_VALUE` in the unit that metric is counted in.
fn over_the_limit() -> impl Strategy<Value = (String, Number)> {
    let max = MAX_POINT_VALUE;
    let ms = MILLISECOND_METRICS[0].to_owned();
    prop_oneof![
        ((max as i64 + 1)..=i64::MAX).prop_map(|i| (TOKEN_USAGE.to_owned(), Number::Int(i))),
        ((max as f64 + 1.0)..f64::MAX)
            .prop_map(|d| (TOKEN_USAGE.to_owned(), Number::Double(d.round()))),
        ((max / 1_000_000 + 1) as i64..=i64::MAX)
            .prop_map(|i| (COST_USAGE.to_owned(), Number::Int(i))),
        ((max as f64 / 1e6 + 0.000_001)..1e300)
            .prop_map(|d| (COST_USAGE.to_owned(), Number::Double(d))),
        ((max as f64 / 1e3 + 0.001)..1e300).prop_map(move |d| (ms.clone(), Number::Double(d))),
    ]
}

proptest! {
    // Each case parses ten thousand points in a debug build: a few cases are enough to cover both
    // sides of the limit, and how the points are spread over resources and metrics.
    #![proptest_config(config(6))]

    #[test]
    fn requests_over_max_points_are_refused_whole(
        total in prop_oneof![Just(MAX_POINTS), Just(MAX_POINTS + 1), (MAX_POINTS - 3)..(MAX_POINTS + 4)],
        resources in 1usize..4,
        metrics in 1usize..4,
        gauge_share in 0usize..4,
    ) {
        let request = spread(total, resources, metrics, gauge_share);
        prop_assert_eq!(request.points_sent(), total);
        for (encoding, parsed) in [
            ("json", parse_json(&otlp_json(&request))),
            ("protobuf", parse_protobuf(&protobuf(&request))),
        ] {
            if total > MAX_POINTS {
                prop_assert!(parsed.is_err(), "{} took {} points", encoding, total);
            } else {
                let parsed = parsed.map_err(|e| TestCaseError::fail(format!("{encoding}: {e:?}")))?;
                prop_assert_eq!(parsed.points.len() + parsed.rejected, total);
            }
        }
    }
}

/// `total` token points (one in `gauge_share + 1` of them gauges) over `resources` resources of
/// `metrics` metrics each.
fn spread(total: usize, resources: usize, metrics: usize, gauge_share: usize) -> Request {
    let good = |i: usize| Point {
        start: 1,
        time: 1_800_000_000_000_000_000 + i as u64,
        number: Number::Int(1),
        attributes: vec![],
    };
    let buckets = resources * metrics;
    let mut all: Vec<Metric> = (0..buckets)
        .map(|_| Metric {
            name: TOKEN_USAGE.to_owned(),
            gauge: Some(Vec::new()),
            sum: Some(Sum {
                temporality: 1,
                points: Vec::new(),
            }),
        })
        .collect();
    for i in 0..total {
        let metric = &mut all[i % buckets];
        if gauge_share > 0 && i % (gauge_share + 1) == 0 {
            metric.gauge.get_or_insert_default().push(good(i));
        } else if let Some(sum) = metric.sum.as_mut() {
            sum.points.push(good(i));
        }
    }
    let mut metrics_left = all.into_iter();
    Request {
        resources: (0..resources)
            .map(|_| Resource {
                attributes: Some(vec![(
                    "service.name".into(),
                    Attr::Str("claude-code".into()),
                )]),
                scopes: vec![metrics_left.by_ref().take(metrics).collect()],
            })
            .collect(),
        omit_defaults: false,
    }
}

// ---- findings of the first run, fixed in the parser and kept as properties ----

proptest! {
    #![proptest_config(config(256))]

    /// The same double attribute renders `1` from protobuf (`f64::to_string`) and `1.0` from JSON
    /// (`serde_json::Value::to_string`), so the two encodings put one point in two series.
    #[test]
    fn double_attributes_render_alike_in_both_encodings(d in double(), time in 1u64..) {
        let request = Request {
            resources: vec![Resource {
                attributes: None,
                scopes: vec![vec![Metric {
                    name: TOKEN_USAGE.to_owned(),
                    gauge: None,
                    sum: Some(Sum {
                        temporality: 1,
                        points: vec![Point {
                            start: 0,
                            time,
                            number: Number::Int(1),
                            attributes: vec![("d".to_owned(), Attr::Double(d))],
                        }],
                    }),
                }]],
            }],
            omit_defaults: false,
        };
        let json = parse_json(&otlp_json(&request)).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        let protobuf = parse_protobuf(&protobuf(&request)).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        prop_assert_eq!(&json.points[0].attributes, &protobuf.points[0].attributes);
    }
}

/// A body of one sum of `points` valid token points named `name`, under a resource with
/// `attributes` attributes whose keys are `key_bytes` long.
fn amplifying_body(name: &str, points: usize, attributes: usize, key_bytes: usize) -> Vec<u8> {
    let resource_attributes = (0..attributes)
        .map(|i| (format!("{i:0key_bytes$}"), Attr::Str(String::new())))
        .collect();
    let mut request = spread(points, 1, 1, 0);
    request.resources[0].attributes = Some(resource_attributes);
    for metric in request.resources[0].scopes[0].iter_mut() {
        metric.name = name.to_owned();
    }
    protobuf(&request)
}

/// Bytes of text the parsed points hold: metric names, attribute keys and values.
fn held_bytes(parsed: &Parsed) -> usize {
    parsed
        .points
        .iter()
        .map(|p| {
            p.metric.len()
                + p.attributes
                    .iter()
                    .map(|(k, v)| k.len() + v.len())
                    .sum::<usize>()
        })
        .sum()
}

/// Each point owns a copy of its metric's name and of every resource attribute, so without a bound on
/// either, so a body within `MAX_BODY_BYTES` and `MAX_POINTS` makes the parser hold far more than
/// it read (a 4.8 MB name over 10,000 points would be 48 GB) unless such a request is refused first.
#[test]
fn parsed_points_hold_at_most_a_small_multiple_of_the_body() {
    let ratios: Vec<String> = [
        (
            "a 10 kB metric name",
            amplifying_body(&"n".repeat(10_000), MAX_POINTS, 0, 0),
        ),
        (
            "200 resource attributes of 100 bytes",
            amplifying_body(TOKEN_USAGE, MAX_POINTS, 200, 100),
        ),
    ]
    .iter()
    .filter_map(|(what, body)| {
        // Refused before anything is built, or held at a small multiple of the body.
        let parsed = match parse_protobuf(body) {
            Err(OtlpError::TooMuchRepeated(_)) => return None,
            other => other.expect("within the limits"),
        };
        let ratio = held_bytes(&parsed) / body.len();
        (ratio > 64).then(|| {
            format!(
                "{what}: {} body bytes hold {} bytes ({ratio}x)",
                body.len(),
                held_bytes(&parsed)
            )
        })
    })
    .collect();
    assert!(ratios.is_empty(), "{}", ratios.join("\n"));
}

/// Histogram, exponential histogram and summary points are skipped: neither accepted nor
/// rejected, so the partial success tells the client they were taken.
#[test]
fn points_of_metric_types_it_does_not_read_are_counted_as_rejected() {
    for (name, sent) in [("histogram.pb", 3), ("histogram.json", 2)] {
        let (_, bytes) = corpus_files()
            .iter()
            .find(|(file, _)| file == name)
            .expect("in the corpus");
        let parsed = if name.ends_with(".pb") {
            parse_protobuf(bytes)
        } else {
            parse_json(bytes)
        };
        let parsed = parsed.expect("a valid request");
        assert_eq!(parsed.points.len() + parsed.rejected, sent, "{name}");
    }
}

/// The proto3 JSON mapping leaves out fields that hold their default, so a conforming encoder
/// writes a metric named "" without `name` and an attribute keyed "" without `key`; protobuf reads
/// both, JSON refuses the whole request.
#[test]
fn json_reads_an_omitted_name_or_key_as_empty() {
    let t = 1_800_000_000_000_000_000u64;
    for body in [
        json!({"resourceMetrics": [{"scopeMetrics": [{"metrics": [{"sum": {"aggregationTemporality": 1,
            "dataPoints": [{"timeUnixNano": t.to_string(), "asInt": "1"}]}}]}]}]}),
        json!({"resourceMetrics": [{"resource": {"attributes": [{"value": {"stringValue": "x"}}]}}]}),
    ] {
        assert!(parse_json(body.to_string().as_bytes()).is_ok(), "{body}");
    }
}

// ---- the corpus ----

/// What a corpus payload must come to: refused whole, or so many points accepted and refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Refused,
    Parsed { accepted: usize, rejected: usize },
}

/// Every file of `tests/corpus/` with its outcome. A file that is not listed fails the corpus
/// test, so each seed added says what it must do.
const CORPUS: &[(&str, Outcome)] = &[
    ("asint-extremes.pb", parsed(1, 4)),
    ("asint-near-2-63.json", parsed(1, 7)),
    ("deep-groups.pb", Refused),
    ("deeply-nested-attribute.json", Refused),
    ("deeply-nested.json", Refused),
    ("duplicate-attribute-keys.json", parsed(1, 0)),
    ("duplicate-fields.json", Refused),
    ("duplicate-fields.pb", parsed(1, 0)),
    ("empty-object.json", parsed(0, 0)),
    ("empty.json", Refused),
    ("empty.pb", parsed(0, 0)),
    ("gauge-and-sum-in-one-metric.pb", parsed(1, 1)),
    ("gauge-only.json", parsed(0, 2)),
    ("histogram.json", parsed(0, 2)),
    ("histogram.pb", parsed(0, 3)),
    ("huge-number.json", Refused),
    ("length-huge.pb", Refused),
    ("length-past-end.pb", Refused),
    ("missing-metric-name.json", parsed(1, 0)),
    ("nan-infinity.json", parsed(1, 8)),
    ("nan-infinity.pb", parsed(1, 6)),
    ("negative-values.json", parsed(1, 3)),
    ("not-utf8.json", Refused),
    ("null.json", Refused),
    ("points-10000.json", parsed(0, 10000)),
    ("points-10000.pb", parsed(0, 10000)),
    ("points-10001.json", Refused),
    ("points-10001.pb", Refused),
    ("string-temporality-and-omitted-defaults.json", parsed(2, 0)),
    ("time-overflow.json", parsed(1, 2)),
    ("truncated.pb", Refused),
    ("unknown-fields.pb", parsed(1, 0)),
    ("valid-claude-code.json", parsed(7, 0)),
    ("valid-claude-code.pb", parsed(7, 0)),
    ("varint-overflow.pb", Refused),
    ("wrong-type-attributes.json", Refused),
    ("wrong-type-top.json", Refused),
    ("wrong-types-in-point.json", parsed(0, 1)),
    ("wrong-wire-type-message.pb", Refused),
    ("wrong-wire-type.pb", Refused),
];

use Outcome::Refused;

const fn parsed(accepted: usize, rejected: usize) -> Outcome {
    Outcome::Parsed { accepted, rejected }
}

fn corpus_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// The payloads of `tests/corpus/` (its `.json` and `.pb` files), by file name, sorted; read once.
fn corpus_files() -> &'static [(String, Vec<u8>)] {
    static FILES: std::sync::LazyLock<Vec<(String, Vec<u8>)>> =
        std::sync::LazyLock::new(read_corpus);
    &FILES
}

fn read_corpus() -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(corpus_dir())
        .expect("tests/corpus is readable")
        .map(|entry| entry.expect("a corpus entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json" || e == "pb"))
        .map(|path| {
            let name = path
                .file_name()
                .expect("a file name")
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read(&path).expect("a readable corpus file"))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_payload_parses_to_its_expected_outcome() {
    let expected: BTreeMap<&str, Outcome> = CORPUS.iter().copied().collect();
    let files = corpus_files();
    assert!(!files.is_empty(), "the corpus is empty");
    let mut problems = Vec::new();
    for (name, bytes) in files {
        let parsed = if name.ends_with(".pb") {
            parse_protobuf(bytes)
        } else {
            parse_json(bytes)
        };
        // The other parser must survive it too.
        let _ = if name.ends_with(".pb") {
            parse_json(bytes)
        } else {
            parse_protobuf(bytes)
        };
        let outcome = match &parsed {
            Ok(p) => Outcome::Parsed {
                accepted: p.points.len(),
                rejected: p.rejected,
            },
            Err(_) => Outcome::Refused,
        };
        if let Ok(p) = &parsed
            && let Err(e) = check_invariants(p)
        {
            problems.push(format!("{name}: {e}"));
        }
        match expected.get(name.as_str()) {
            None => problems.push(format!("{name}: not in CORPUS (it came to {outcome:?})")),
            Some(want) if *want != outcome => {
                problems.push(format!(
                    "{name}: expected {want:?}, got {outcome:?} ({:?})",
                    parsed.err()
                ));
            }
            Some(_) => {}
        }
    }
    for (name, _) in CORPUS {
        if !files.iter().any(|(file, _)| file == name) {
            problems.push(format!(
                "{name}: listed in CORPUS but missing from tests/corpus"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
