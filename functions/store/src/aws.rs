//! AWS SDK configuration shared by every client ccwb creates.

use std::time::Duration;

use aws_config::BehaviorVersion;
pub use aws_config::SdkConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::error::DisplayErrorContext;

/// Loads the SDK configuration from the standard sources (environment, profile, role).
/// `endpoint` overrides the service endpoints, as `AWS_ENDPOINT_URL` does; the timeouts keep an
/// unreachable endpoint from hanging a caller for minutes.
pub async fn load_sdk_config(endpoint: Option<&str>) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(
        TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(3))
            .operation_attempt_timeout(Duration::from_secs(10))
            .operation_timeout(Duration::from_secs(30))
            .build(),
    );
    if let Some(url) = endpoint {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

/// The endpoint the clients will call, for messages.
pub fn endpoint_label(config: &SdkConfig) -> String {
    config
        .endpoint_url()
        .map(str::to_owned)
        .unwrap_or_else(|| "the AWS regional endpoint".to_owned())
}

/// An S3 client. With a custom endpoint, path-style addressing is used: S3-compatible endpoints
/// (and IP addresses) cannot serve bucket names as host names.
pub fn s3_client(config: &SdkConfig) -> aws_sdk_s3::Client {
    let s3_config = aws_sdk_s3::config::Builder::from(config)
        .force_path_style(config.endpoint_url().is_some())
        .build();
    aws_sdk_s3::Client::from_conf(s3_config)
}

/// Renders an SDK error in one line: the service's code and message when the service answered,
/// else the cause chain through `DisplayErrorContext` (the default `Display` says only
/// "dispatch failure").
pub fn describe<E, R>(err: &aws_sdk_dynamodb::error::SdkError<E, R>) -> String
where
    E: std::error::Error + aws_sdk_dynamodb::error::ProvideErrorMetadata + 'static,
    R: std::fmt::Debug,
{
    match err.as_service_error() {
        Some(service) => format!(
            "{}: {}",
            service.code().unwrap_or("ServiceError"),
            service.message().unwrap_or("no message")
        ),
        // The SDK's own rendering of the whole cause chain (timeouts, DNS, TLS...).
        None => DisplayErrorContext(err).to_string(),
    }
}
