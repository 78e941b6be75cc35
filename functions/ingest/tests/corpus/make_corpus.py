#!/usr/bin/env python3
"""Writes the generated seeds of this corpus (the protobuf files and the large or binary JSON
ones). The files are the corpus; this script only says how each was made. Run it from this
directory: python3 make_corpus.py"""

import json
import struct

# ---- a minimal protobuf writer (opentelemetry-proto field numbers) ----


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def key(field, wire):
    return varint(field << 3 | wire)


def ln(field, payload):
    return key(field, 2) + varint(len(payload)) + payload


def vint(field, n):
    return key(field, 0) + varint(n & 0xFFFFFFFFFFFFFFFF)


def fixed64(field, n):
    return key(field, 1) + struct.pack("<Q", n & 0xFFFFFFFFFFFFFFFF)


def double(field, d):
    return key(field, 1) + struct.pack("<d", d)


def string(field, s):
    return ln(field, s.encode())


def kv(field, k, v):
    """A KeyValue{key, AnyValue{string_value}} as field `field`."""
    return ln(field, string(1, k) + ln(2, string(1, v)))


def point(time=None, start=None, as_int=None, as_double=None, attrs=(), raw=b""):
    body = b""
    if start is not None:
        body += fixed64(2, start)
    if time is not None:
        body += fixed64(3, time)
    if as_double is not None:
        body += double(4, as_double)
    if as_int is not None:
        body += fixed64(6, as_int)  # sfixed64: two's complement
    for a in attrs:
        body += kv(7, *a)
    return body + raw


def sum_metric(name, points, temporality=1, extra=b""):
    s = b"".join(ln(1, p) for p in points) + vint(2, temporality)
    return string(1, name) + ln(7, s) + extra


def gauge_metric(name, points):
    return string(1, name) + ln(5, b"".join(ln(1, p) for p in points))


def request(metrics, resource_attrs=(), extra=b""):
    resource = ln(1, b"".join(kv(1, *a) for a in resource_attrs))
    scope = ln(2, b"".join(ln(2, m) for m in metrics))
    return ln(1, resource + scope) + extra


T = 1_800_000_000_000_000_000
TOKENS = "claude_code.token.usage"
COST = "claude_code.cost.usage"
ACTIVE = "claude_code.active_time.total"
SESSIONS = "claude_code.session.count"
RESOURCE = [("service.name", "claude-code"), ("service.version", "2.0.0")]


def claude_code_metrics():
    tokens = [
        point(time=T, start=T - 60_000_000_000, as_int=n, attrs=[("type", t), ("model", "claude-sonnet-4"), ("session.id", "s1")])
        for t, n in [("input", 1200), ("output", 340), ("cacheRead", 50_000), ("cacheCreation", 2_000)]
    ]
    return [
        sum_metric(TOKENS, tokens),
        sum_metric(COST, [point(time=T, as_double=0.0123, attrs=[("model", "claude-sonnet-4")])]),
        sum_metric(SESSIONS, [point(time=T, as_int=1)]),
        sum_metric(ACTIVE, [point(time=T, as_double=12.5, attrs=[("type", "cli")])]),
    ]


def write(name, data):
    with open(name, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


valid = request(claude_code_metrics(), RESOURCE)
write("valid-claude-code.pb", valid)
write("empty.pb", b"")
write("truncated.pb", valid[: len(valid) // 2])
# as_int (6) as a varint, not the sfixed64 the schema says.
write("wrong-wire-type.pb", request([sum_metric(TOKENS, [fixed64(3, T) + vint(6, 5)])]))
# A repeated message field (resource_metrics) sent as a varint.
write("wrong-wire-type-message.pb", vint(1, 7))
# Every scalar twice (the last one counts) and the metric name twice.
dup_point = fixed64(3, 1) + fixed64(3, T) + fixed64(6, 999) + fixed64(6, 5)
dup_sum = ln(1, dup_point) + vint(2, 2) + vint(2, 1)
write("duplicate-fields.pb", request([string(1, "ignored.name") + string(1, TOKENS) + ln(7, dup_sum)]))
write(
    "asint-extremes.pb",
    request([sum_metric(TOKENS, [point(time=T, as_int=n) for n in [2**63 - 1, -(2**63), -1, 10**12, 10**12 + 1]])]),
)
nan_points = [point(time=T, as_double=d) for d in [float("nan"), float("inf"), float("-inf"), 1e308]]
signalling_nan = fixed64(3, T) + key(4, 1) + struct.pack("<Q", 0x7FF0000000000001)
write(
    "nan-infinity.pb",
    request([sum_metric(TOKENS, nan_points + [signalling_nan]), sum_metric(COST, [point(time=T, as_double=float("nan")), point(time=T, as_double=5e-324)])]),
)
# 200 nested groups in an unknown field: decoders that recurse without a limit overflow the stack.
write("deep-groups.pb", key(99, 3) * 200 + key(99, 4) * 200)
write("varint-overflow.pb", key(1, 2) + b"\xff" * 11)
write("length-past-end.pb", key(1, 2) + varint(1000) + b"abc")
write("length-huge.pb", key(1, 2) + varint(2**63) + b"abc")
write("points-10000.pb", request([sum_metric(TOKENS, [b""] * 10_000)]))
write("points-10001.pb", request([sum_metric(TOKENS, [b""] * 10_001)]))
unknown = vint(99, 1) + ln(100, b"\x01\x02")
write(
    "unknown-fields.pb",
    request([sum_metric(TOKENS, [point(time=T, as_int=7, raw=unknown)], extra=unknown)], RESOURCE, extra=unknown),
)
write(
    "gauge-and-sum-in-one-metric.pb",
    request([gauge_metric(TOKENS, [point(time=T, as_int=1)]) + ln(7, ln(1, point(time=T, as_int=2)) + vint(2, 1))]),
)
histogram_point = fixed64(3, T) + fixed64(4, 3)
write("histogram.pb", request([string(1, "claude_code.latency") + ln(9, ln(1, histogram_point) * 3 + vint(2, 1))]))

# ---- JSON seeds too large or too odd to write by hand ----

empty_points = {"resourceMetrics": [{"scopeMetrics": [{"metrics": [{"name": TOKENS, "sum": {"aggregationTemporality": 1, "dataPoints": None}}]}]}]}


def points_json(n):
    empty_points["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]["sum"]["dataPoints"] = [{}] * n
    return json.dumps(empty_points, separators=(",", ":"))


write("points-10000.json", points_json(10_000))
write("points-10001.json", points_json(10_001))
depth = 20_000
write(
    "deeply-nested-attribute.json",
    '{"resourceMetrics":[{"resource":{"attributes":[{"key":"k","value":' + "[" * depth + "]" * depth + "}]}}]}",
)
write("deeply-nested.json", "[" * depth)
write("not-utf8.json", b'{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"\xff\xfe"}]}]}]}')
write("empty.json", b"")
