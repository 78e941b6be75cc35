//! `/distributions`: presigned package uploads, publication, and the latest download link.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The platforms a package can carry binaries for.
pub const PLATFORMS: [&str; 5] = [
    "linux-x64",
    "linux-arm64",
    "macos-arm64",
    "macos-x64",
    "windows-x64",
];

/// `POST /distributions`: the package about to be uploaded.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDistribution {
    /// The zip's file name (letters, digits, `.`, `_`, `-`; ends in `.zip`).
    pub filename: String,
    /// Its SHA-256, 64 hex digits: the upload is bound to it.
    pub sha256: String,
    /// Its size in bytes (at most 512 MiB).
    pub size: u64,
    /// Platforms it has binaries for (`linux-x64`, `linux-arm64`, `macos-arm64`, `macos-x64`,
    /// `windows-x64`).
    pub platforms: Vec<String>,
    /// Source addresses (CIDR) the download must come from; only accepted when the deployment
    /// enforces an IP restriction, and only within it.
    #[serde(default)]
    pub allowed_ips: Option<Vec<String>>,
}

/// The answer to `POST /distributions`: where and how to upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct UploadTicket {
    /// The distribution's id, for `POST /distributions/{id}/publish`.
    pub id: String,
    /// The object key.
    pub key: String,
    /// A presigned `PUT` URL.
    pub upload_url: String,
    /// Headers the upload must carry exactly as given (the checksum and length are signed).
    pub upload_headers: BTreeMap<String, String>,
    /// When the upload URL stops working (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub expires_at: OffsetDateTime,
}

/// `POST /distributions/{id}/publish`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    /// Hours the download link lives: 1 to 168 (default 48).
    #[serde(default)]
    pub expires_hours: Option<u32>,
}

/// A published package: `POST /distributions/{id}/publish` and `GET /distributions/latest`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DistributionRecord {
    /// The distribution's id.
    pub id: String,
    /// The presigned download link (a bearer credential until it expires).
    pub url: String,
    /// When the link expires (RFC 3339, UTC, `Z`).
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub expires_at: OffsetDateTime,
    /// The object key.
    pub key: String,
    /// SHA-256 of the package, 64 hex digits.
    pub sha256: String,
    /// Bytes.
    pub size: u64,
    /// Platforms it has binaries for.
    pub platforms: Vec<String>,
    /// Source addresses the download is limited to, when the deployment restricts them.
    #[serde(default)]
    pub allowed_ips: Option<Vec<String>>,
    /// When it was published (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub created_at: OffsetDateTime,
    /// Who published it.
    pub created_by: String,
}
