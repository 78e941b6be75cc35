//! The HTTP contract of the ccwb API: the JSON bodies every route accepts and returns, shared by
//! the Lambda functions and the clients so both sides agree by construction.

pub mod check;
pub mod distributions;
pub mod error;
pub mod me;
pub mod openapi;
pub mod policies;
pub mod routes;
pub mod status;
pub mod unblocks;

pub use check::{CheckResponse, CheckUsage, PolicyRef, UnblockStatus};
pub use distributions::{
    CreateDistribution, DistributionRecord, PLATFORMS, PublishRequest, UploadTicket,
};
pub use error::{ErrorBody, ErrorEnvelope};
pub use me::MeResponse;
pub use policies::{
    GroupsSource, ImportMode, ImportRequest, ImportResponse, ImportResult, ImportRow, ImportTotals,
    PeriodUsage, PolicyExport, PolicyList, ResolveResponse, RowStatus, UsageResponse,
};
pub use status::{FunctionStatus, StackStatus, StatusResponse, TableStatus};
pub use unblocks::{AuditPage, UnblockHistory, UnblockRecord, UnblockRequest};

/// Where Claude Code sends its OpenTelemetry metrics (`POST`): the installer points
/// `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` at `<API>` + this path.
pub const METRICS_PATH: &str = "/v1/metrics";
