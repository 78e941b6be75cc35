//! The Bedrock half of `ccwb test --full`: the model called with one token of output in each
//! allowed region, with the developer's credentials from the package's program, signed with
//! AWS Signature Version 4 as Claude Code signs its calls (service `bedrock`). The endpoint is
//! `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`, else `AWS_ENDPOINT_URL`, else the region's.

use sha2::{Digest, Sha256};

use super::developer::Credentials;
use super::{Check, Outcome, check};

/// What a call costs: one input word, one output token.
const BODY: &str = r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":1,"messages":[{"role":"user","content":"ping"}]}"#;

/// Calls `model` once in each of `regions` with `credentials`.
pub async fn checks(credentials: &Credentials, model: &str, regions: &[String]) -> Vec<Check> {
    let mut checks = Vec::new();
    for region in regions {
        let name = format!("Bedrock {region}");
        checks.push(match invoke(credentials, model, region).await {
            Ok(detail) => check(&name, Outcome::Pass, detail),
            Err(e) => check(&name, Outcome::Fail, e),
        });
    }
    checks
}

/// One `InvokeModel` call; what it answered, or why it failed.
async fn invoke(credentials: &Credentials, model: &str, region: &str) -> Result<String, String> {
    let base = ["AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "AWS_ENDPOINT_URL"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| format!("https://bedrock-runtime.{region}.amazonaws.com"));
    let path = format!("/model/{}/invoke", encode(model));
    let url = url::Url::parse(&format!("{}{path}", base.trim_end_matches('/')))
        .map_err(|e| format!("{base}: {e}"))?;
    let host = match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => return Err(format!("{base} has no host")),
    };
    let now = time::OffsetDateTime::now_utc();
    let amz_date = now
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .map_err(|e| e.to_string())?;
    let headers = sign(credentials, region, &host, url.path(), BODY, &amz_date);
    let mut request = reqwest::Client::new().post(url.clone()).body(BODY);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let response = request
        .send()
        .await
        .map_err(|e| format!("cannot reach {url}: {e}"))?;
    let status = response.status();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    if status.is_success() {
        let tokens = |key: &str| body["usage"][key].as_u64().unwrap_or_default();
        return Ok(format!(
            "{model} answered ({} input, {} output tokens)",
            tokens("input_tokens"),
            tokens("output_tokens")
        ));
    }
    let message = ["message", "Message"]
        .iter()
        .find_map(|k| body[k].as_str())
        .unwrap_or("no message");
    Err(format!("{model}: {status}: {message}"))
}

/// A path segment as SigV4 and URLs encode it (RFC 3986 unreserved characters kept).
fn encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// HMAC-SHA256 (RFC 2104).
fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(data)
        .finalize();
    let outer = Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize();
    let mut mac = [0u8; 32];
    mac.copy_from_slice(&outer);
    mac
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The headers of a signed JSON `POST` of `body` to `path` at `host` (the path as sent; each
/// segment is encoded once more for the canonical request, as SigV4 wants for every service
/// but S3).
fn sign(
    credentials: &Credentials,
    region: &str,
    host: &str,
    path: &str,
    body: &str,
    amz_date: &str,
) -> Vec<(&'static str, String)> {
    let mut headers = vec![
        ("accept", "application/json".to_owned()),
        ("content-type", "application/json".to_owned()),
        ("host", host.to_owned()),
        ("x-amz-date", amz_date.to_owned()),
    ];
    if !credentials.session_token.is_empty() {
        headers.push(("x-amz-security-token", credentials.session_token.clone()));
    }
    let signed: Vec<&str> = headers.iter().map(|(n, _)| *n).collect();
    let signed = signed.join(";");
    let canonical_uri: Vec<String> = path.split('/').map(encode).collect();
    let canonical_headers: String = headers.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
    let canonical = format!(
        "POST\n{}\n\n{canonical_headers}\n{signed}\n{}",
        canonical_uri.join("/"),
        hex(&Sha256::digest(body))
    );
    let date = &amz_date[..8];
    let scope = format!("{date}/{region}/bedrock/aws4_request");
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex(&Sha256::digest(canonical))
    );
    let key = [region, "bedrock", "aws4_request"].iter().fold(
        hmac(
            format!("AWS4{}", credentials.secret_access_key).as_bytes(),
            date.as_bytes(),
        ),
        |key, part| hmac(&key, part.as_bytes()),
    );
    let signature = hex(&hmac(&key, to_sign.as_bytes()));
    headers.retain(|(name, _)| *name != "host");
    headers.push((
        "authorization",
        format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed}, Signature={signature}",
            credentials.access_key_id
        ),
    ));
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signature(headers: &[(&str, String)]) -> String {
        let auth = &headers
            .iter()
            .find(|(n, _)| *n == "authorization")
            .unwrap()
            .1;
        auth.rsplit("Signature=").next().unwrap().to_owned()
    }

    // Expected values from botocore's SigV4Auth for the same requests.
    #[test]
    fn requests_are_signed_as_botocore_signs_them() {
        let mut credentials = Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: "session-token".into(),
            expiration: "2026-12-02T06:56:27Z".into(),
            version: 1,
        };
        let host = "bedrock-runtime.eu-west-1.amazonaws.com";
        let path = format!("/model/{}/invoke", encode("eu.anthropic.claude-opus-5-5"));
        let headers = sign(
            &credentials,
            "eu-west-1",
            host,
            &path,
            BODY,
            "20261202T055627Z",
        );
        assert_eq!(
            signature(&headers),
            "758e77e6001e0bf98cebc7be5d33763cd1e1026b28a92d3850b192559907e7e8"
        );
        credentials.session_token = String::new();
        let arn =
            "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-opus-5-5";
        let path = format!("/model/{}/invoke", encode(arn));
        assert!(path.starts_with("/model/arn%3Aaws%3Abedrock%3A"), "{path}");
        let headers = sign(
            &credentials,
            "eu-west-1",
            host,
            &path,
            "{}",
            "20261202T055637Z",
        );
        assert_eq!(
            signature(&headers),
            "48e95c7d9108969cfe6b639c19fa27d8cf71487a4a278c57caaff39e63d84ecc"
        );
    }
}
