//! ccwb's storage adapters. Item layouts and resource definitions live here and nowhere else;
//! callers ask for what they need through small traits as the features land.

pub mod aws;
pub mod error;
pub mod items;
pub mod names;
pub mod provision;
pub mod quota;
pub mod tables;

pub use error::StoreError;
pub use names::ResourceNames;
pub use quota::{CheckInputs, DynamoQuotaStore, QuotaReads};
