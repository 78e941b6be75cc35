//! The `distribution` function: administrators upload an installer package through a presigned
//! URL bound to its checksum, publish it once the upload is verified, and get a time-limited
//! download link for their developers. Admin groups only.

// The runtime is started by the binary (main.rs), which shares this crate's dependencies.
use tokio as _;

pub mod latest;
pub mod publish;
pub mod upload;

use ccwb_api::routes::DistributionRoute;
use ccwb_lambda::HandlerError;
use ccwb_lambda::state::FromAws;
use ccwb_store::aws::SdkConfig;
use ccwb_store::{DynamoStore, PackageStore, ResourceNames};
use lambda_http::{Body, Error, Request, Response};

/// What the handlers need, built once per Lambda instance: settings (admin groups, the enforced
/// download restriction) and the [`Stores`].
pub type State = ccwb_lambda::State<Stores>;

/// The distribution function's stores.
#[derive(Debug, Clone)]
pub struct Stores {
    /// Packages in S3 and the latest record in SSM.
    pub packages: PackageStore,
    /// The audit trail.
    pub audit: DynamoStore,
}

impl FromAws for Stores {
    fn from_aws(sdk: &SdkConfig, names: ResourceNames) -> Self {
        Self {
            packages: PackageStore::new(sdk, names.clone()),
            audit: DynamoStore::new(sdk, names),
        }
    }
}

/// Every route of the function, by API Gateway route key.
pub async fn route(state: &State, req: Request) -> Result<Response<Body>, Error> {
    let result = match ccwb_lambda::served::<DistributionRoute>(&req) {
        Ok(DistributionRoute::Create) => upload::handle(state, req).await,
        Ok(DistributionRoute::Publish) => publish::handle(state, req).await,
        Ok(DistributionRoute::Latest) => latest::handle(state, req).await,
        Err(not_served) => Err(not_served),
    };
    Ok(result.unwrap_or_else(HandlerError::into_response))
}

/// Where a distribution's package and its declaration live.
pub(crate) fn keys(id: &str, filename: &str) -> (String, String) {
    let prefix = ccwb_store::packages::PREFIX;
    (
        format!("{prefix}{id}/{filename}"),
        format!("{prefix}{id}/declared.json"),
    )
}

/// `at` in UTC to the second: what records hold and show (`2026-12-01T10:00:00Z`).
pub(crate) fn utc_seconds(at: time::OffsetDateTime) -> time::OffsetDateTime {
    let utc = at.to_offset(time::UtcOffset::UTC);
    utc.replace_nanosecond(0).unwrap_or(utc)
}

/// RFC 3339 in UTC with `Z`, seconds precision.
pub(crate) fn rfc3339(at: time::OffsetDateTime) -> String {
    utc_seconds(at)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
