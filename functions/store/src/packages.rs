//! Installer packages in S3: presigned uploads bound to a checksum, verification of what
//! arrived, download links signed by a dedicated identity, and the latest published package in
//! SSM Parameter Store.
//!
//! Why a dedicated signer: a presigned URL dies with the credentials that signed it. The
//! function's own role credentials (and an administrator's SSO session) last hours, while a
//! download link must live up to seven days, so links are signed with the long-term access key
//! of a signing identity that may only read packages, kept in Secrets Manager and rotated by
//! redeploying.

use std::time::Duration;

use aws_credential_types::Credentials;
use aws_sdk_s3::presigning::PresigningConfig;
use base64::Engine;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::aws::{SdkConfig, describe, endpoint_label, s3_client};
use crate::error::StoreError;
use crate::names::ResourceNames;

/// Where packages live under the bucket.
pub const PREFIX: &str = "packages/";

/// A presigned request: where to send it and the headers it was signed with (they must be
/// sent as they are).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presigned {
    /// The URL.
    pub url: String,
    /// Headers to send with it.
    pub headers: Vec<(String, String)>,
}

/// What was found at a package's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// Nothing was uploaded.
    Missing,
    /// An object whose size and SHA-256 (hex) are these.
    Object {
        /// Bytes.
        size: u64,
        /// SHA-256, lower-case hex.
        sha256: String,
    },
}

#[derive(Deserialize)]
struct SignerKey {
    access_key_id: String,
    secret_access_key: String,
}

/// Packages and their publication.
#[derive(Debug, Clone)]
pub struct PackageStore {
    s3: aws_sdk_s3::Client,
    ssm: aws_sdk_ssm::Client,
    secrets: aws_sdk_secretsmanager::Client,
    config: SdkConfig,
    names: ResourceNames,
    endpoint: String,
}

impl PackageStore {
    /// A store of the packages in `names`.
    pub fn new(config: &SdkConfig, names: ResourceNames) -> Self {
        Self {
            s3: s3_client(config),
            ssm: aws_sdk_ssm::Client::new(config),
            secrets: aws_sdk_secretsmanager::Client::new(config),
            config: config.clone(),
            endpoint: endpoint_label(config),
            names,
        }
    }

    /// The resource names used.
    pub fn names(&self) -> &ResourceNames {
        &self.names
    }

    fn error(&self, operation: String, message: String) -> StoreError {
        StoreError::Aws {
            operation,
            endpoint: self.endpoint.clone(),
            message,
        }
    }

    /// A presigned `PUT` of exactly `size` bytes whose SHA-256 is `sha256_hex`: S3 refuses a
    /// body that does not match the signed checksum.
    pub async fn presign_upload(
        &self,
        key: &str,
        sha256_hex: &str,
        size: u64,
        expires: Duration,
    ) -> Result<Presigned, StoreError> {
        let checksum = hex::decode(sha256_hex)
            .map(|bytes| base64::engine::general_purpose::STANDARD.encode(bytes))
            .map_err(|e| StoreError::Corrupt(format!("sha256: {e}")))?;
        let presigning = PresigningConfig::expires_in(expires)
            .map_err(|e| StoreError::Corrupt(format!("expiry: {e}")))?;
        let request = self
            .s3
            .put_object()
            .bucket(&self.names.packages_bucket)
            .key(key)
            .content_length(size as i64)
            .checksum_sha256(checksum)
            .content_type("application/zip")
            .presigned(presigning)
            .await
            .map_err(|e| self.error(format!("presign PutObject {key}"), describe(&e)))?;
        Ok(Presigned {
            url: request.uri().to_owned(),
            headers: request
                .headers()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        })
    }

    /// Stores a small JSON document (a pending package's declaration) at `key`.
    pub async fn put_json(&self, key: &str, value: &serde_json::Value) -> Result<(), StoreError> {
        self.s3
            .put_object()
            .bucket(&self.names.packages_bucket)
            .key(key)
            .content_type("application/json")
            .body(value.to_string().into_bytes().into())
            .send()
            .await
            .map_err(|e| self.error(format!("PutObject {key}"), describe(&e)))?;
        Ok(())
    }

    /// The JSON document at `key`, if any.
    pub async fn get_json(&self, key: &str) -> Result<Option<serde_json::Value>, StoreError> {
        let Some(output) = self.object(key).await? else {
            return Ok(None);
        };
        let bytes = output
            .body
            .collect()
            .await
            .map_err(|e| self.error(format!("GetObject {key}"), e.to_string()))?
            .into_bytes();
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| StoreError::Corrupt(format!("{key}: {e}")))
    }

    /// The object at `key`, `None` when there is none.
    async fn object(
        &self,
        key: &str,
    ) -> Result<Option<aws_sdk_s3::operation::get_object::GetObjectOutput>, StoreError> {
        match self
            .s3
            .get_object()
            .bucket(&self.names.packages_bucket)
            .key(key)
            .send()
            .await
        {
            Ok(output) => Ok(Some(output)),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_no_such_key()) => Ok(None),
            Err(err) => Err(self.error(format!("GetObject {key}"), describe(&err))),
        }
    }

    /// Size and SHA-256 of the object at `key`, computed from its bytes (streamed), so a
    /// wrong upload is caught whatever the endpoint verified.
    pub async fn inspect(&self, key: &str) -> Result<Found, StoreError> {
        let Some(output) = self.object(key).await? else {
            return Ok(Found::Missing);
        };
        let mut body = output.body;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        while let Some(chunk) = body
            .try_next()
            .await
            .map_err(|e| self.error(format!("GetObject {key}"), e.to_string()))?
        {
            size += chunk.len() as u64;
            hasher.update(&chunk);
        }
        Ok(Found::Object {
            size,
            sha256: hex::encode(hasher.finalize()),
        })
    }

    /// A presigned `GET` of `key` valid for `expires`, signed with the signing identity's
    /// long-term key (see the module docs).
    pub async fn presign_download(
        &self,
        key: &str,
        expires: Duration,
    ) -> Result<String, StoreError> {
        let secret = &self.names.signer_secret;
        let value = self
            .secrets
            .get_secret_value()
            .secret_id(secret)
            .send()
            .await
            .map_err(|e| self.error(format!("GetSecretValue {secret}"), describe(&e)))?;
        let signer: SignerKey = value
            .secret_string()
            .and_then(|text| serde_json::from_str(text).ok())
            .ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "secret {secret} must hold {{\"access_key_id\": …, \"secret_access_key\": …}}"
                ))
            })?;
        let credentials = Credentials::new(
            signer.access_key_id,
            signer.secret_access_key,
            None,
            None,
            "ccwb-distribution-signer",
        );
        let config = aws_sdk_s3::config::Builder::from(&self.config)
            .credentials_provider(credentials)
            .force_path_style(self.config.endpoint_url().is_some())
            .build();
        let presigning = PresigningConfig::expires_in(expires)
            .map_err(|e| StoreError::Corrupt(format!("expiry: {e}")))?;
        let request = aws_sdk_s3::Client::from_conf(config)
            .get_object()
            .bucket(&self.names.packages_bucket)
            .key(key)
            .presigned(presigning)
            .await
            .map_err(|e| self.error(format!("presign GetObject {key}"), describe(&e)))?;
        Ok(request.uri().to_owned())
    }

    /// Records the latest published package (a SecureString: the link inside is a bearer
    /// credential).
    pub async fn save_latest(&self, record: &serde_json::Value) -> Result<(), StoreError> {
        let name = self.names.distribution_parameter();
        self.ssm
            .put_parameter()
            .name(&name)
            .value(record.to_string())
            .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
            .overwrite(true)
            .send()
            .await
            .map_err(|e| self.error(format!("PutParameter {name}"), describe(&e)))?;
        Ok(())
    }

    /// The latest published package, if any.
    pub async fn latest(&self) -> Result<Option<serde_json::Value>, StoreError> {
        let name = self.names.distribution_parameter();
        let output = match self
            .ssm
            .get_parameter()
            .name(&name)
            .with_decryption(true)
            .send()
            .await
        {
            Ok(output) => output,
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_parameter_not_found()) =>
            {
                return Ok(None);
            }
            Err(err) => return Err(self.error(format!("GetParameter {name}"), describe(&err))),
        };
        let text = output.parameter.and_then(|p| p.value).unwrap_or_default();
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| StoreError::Corrupt(format!("{name}: {e}")))
    }
}
