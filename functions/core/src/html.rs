//! HTML ccwb serves: the headers every page carries, and text put into it. The loopback sign-in
//! page and the dashboard widgets show values that come from outside (identity provider errors,
//! user names, telemetry attributes).

/// The policy of every page ccwb serves: nothing loads from anywhere (styles are inline, images
/// `data:`), no script runs, no form posts, and no other site may frame the page.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Headers on every HTML response ccwb serves (name, value), in AWS and locally: pages may be
/// opened with a token in the address (`?token=`), so it must not leak through `Referer`, a cache
/// or a frame, and a response is never sniffed into something it is not.
pub const PROTECTIVE_HEADERS: [(&str, &str); 6] = [
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("referrer-policy", "no-referrer"),
    ("cache-control", "no-store"),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
];

/// Escapes text for element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}
