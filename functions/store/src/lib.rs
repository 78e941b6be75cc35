//! ccwb's storage adapters. Item layouts and resource definitions live here and nowhere else;
//! callers ask for what they need through small traits as the features land.

pub mod alerts;
pub mod audit_log;
pub mod aws;
pub mod deployment;
pub mod dynamo;
pub mod error;
pub mod ingest;
pub mod items;
pub mod meter;
pub mod names;
pub mod outbox;
pub mod packages;
pub mod policies;
pub mod quota;
pub mod rollups;
pub mod sessions;
pub mod tables;
pub mod unblocks;

pub use alerts::AlertStore;
pub use audit_log::{AuditFilter, AuditLog};
pub use ccwb_core::CheckInputs;
pub use deployment::DeploymentReader;
pub use dynamo::DynamoStore;
pub use error::StoreError;
pub use ingest::{Recorded, UsageStore};
pub use meter::{MeterStore, Metered};
pub use names::ResourceNames;
pub use outbox::{Delivery, Outbox};
pub use packages::{Found, PackageStore, Presigned};
pub use policies::{Expect, Page, PolicyStore, PolicyWrite};
pub use quota::QuotaReads;
pub use rollups::{Counters, DayRollup, MonthUser, RollupReads};
pub use sessions::{SessionNames, SessionOwner};
pub use unblocks::UnblockStore;
