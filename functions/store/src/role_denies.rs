//! The developers' role's deny policies, as IAM holds them: customer-managed policies
//! `/ccwb/<stack>-revoked-<shard>` attached to the federated role, one per shard of
//! [`ccwb_core::revocation::plan`]. Managed rather than inline: a role's inline policies share
//! 10,240 characters, a managed policy has 6,144 of its own.
//!
//! [`RoleDenies::apply`] makes IAM hold exactly the planned documents, idempotently: what is
//! right already is not written, new or changed shards are written before unwanted ones are
//! removed (re-sharding never opens a gap), and a failure leaves the rest for the next run.

use std::collections::BTreeMap;

use aws_config::SdkConfig;

use crate::aws::{describe, endpoint_label};
use crate::{ResourceNames, StoreError};

/// IAM's most versions a managed policy keeps.
const MAX_VERSIONS: usize = 5;
/// The path of ccwb's policies (IAM paths group them; the CDK grants the sweeper only these).
pub const POLICY_PATH: &str = "/ccwb/";

/// The developers' role's deny policies.
#[derive(Debug, Clone)]
pub struct RoleDenies {
    iam: aws_sdk_iam::Client,
    role: String,
    prefix: String,
    endpoint: String,
}

/// One of ccwb's deny policies as IAM has it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Held {
    arn: String,
    default_version: String,
    attached: bool,
}

/// What [`RoleDenies::apply`] changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Applied {
    /// Policy documents created or rewritten.
    pub written: usize,
    /// Policies detached and deleted.
    pub removed: usize,
}

impl RoleDenies {
    /// The deny policies of `names.federated_role`.
    pub fn new(config: &SdkConfig, names: &ResourceNames) -> Self {
        Self {
            iam: aws_sdk_iam::Client::new(config),
            role: names.federated_role.clone(),
            prefix: format!("{}-revoked-", names.stack),
            endpoint: endpoint_label(config),
        }
    }

    /// The role these policies deny on.
    pub fn role(&self) -> &str {
        &self.role
    }

    fn failed<E, R>(&self, operation: &str, err: &aws_sdk_iam::error::SdkError<E, R>) -> StoreError
    where
        E: std::error::Error + aws_sdk_iam::error::ProvideErrorMetadata + 'static,
        R: std::fmt::Debug,
    {
        StoreError::Aws {
            operation: operation.to_owned(),
            endpoint: self.endpoint.clone(),
            message: describe(err),
        }
    }

    fn name(&self, shard: usize) -> String {
        format!("{}{shard}", self.prefix)
    }

    /// ccwb's deny policies by shard, attached or not (a detached one is a run that failed
    /// half-way, or a role re-created).
    async fn held(&self) -> Result<BTreeMap<usize, Held>, StoreError> {
        let mut held = BTreeMap::new();
        let mut pages = self
            .iam
            .list_policies()
            .scope(aws_sdk_iam::types::PolicyScopeType::Local)
            .path_prefix(POLICY_PATH)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| self.failed("ListPolicies", &e))?;
            for policy in page.policies() {
                let shard = policy
                    .policy_name()
                    .and_then(|n| n.strip_prefix(&self.prefix))
                    .and_then(|i| i.parse::<usize>().ok());
                if let (Some(shard), Some(arn), Some(version)) =
                    (shard, policy.arn(), policy.default_version_id())
                {
                    held.insert(
                        shard,
                        Held {
                            arn: arn.to_owned(),
                            default_version: version.to_owned(),
                            attached: policy.attachment_count().unwrap_or(0) > 0,
                        },
                    );
                }
            }
        }
        // Attachment counts include other roles; what matters is this one.
        let attached = self
            .iam
            .list_attached_role_policies()
            .role_name(&self.role)
            .path_prefix(POLICY_PATH)
            .send()
            .await
            .map_err(|e| self.failed(&format!("ListAttachedRolePolicies {}", self.role), &e))?;
        let on_role: Vec<&str> = attached
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn())
            .collect();
        for policy in held.values_mut() {
            policy.attached = on_role.contains(&policy.arn.as_str());
        }
        Ok(held)
    }

    /// The document a policy's default version holds (IAM answers it URL-encoded).
    async fn document(&self, held: &Held) -> Result<serde_json::Value, StoreError> {
        let version = self
            .iam
            .get_policy_version()
            .policy_arn(&held.arn)
            .version_id(&held.default_version)
            .send()
            .await
            .map_err(|e| self.failed(&format!("GetPolicyVersion {}", held.arn), &e))?;
        let raw = version
            .policy_version()
            .and_then(|v| v.document())
            .unwrap_or_default();
        let decoded = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
        serde_json::from_str(&decoded).map_err(|e| {
            StoreError::Corrupt(format!(
                "policy {}: its document is not JSON: {e}",
                held.arn
            ))
        })
    }

    /// Makes the role's deny policies exactly `documents` (shard `i` is `documents[i]`; `None`
    /// and shards beyond the list are removed).
    pub async fn apply(&self, documents: &[Option<String>]) -> Result<Applied, StoreError> {
        let held = self.held().await?;
        let mut applied = Applied::default();
        for (shard, wanted) in documents.iter().enumerate() {
            let Some(wanted) = wanted else { continue };
            let wanted_value: serde_json::Value = serde_json::from_str(wanted)
                .map_err(|e| StoreError::Corrupt(format!("planned deny document: {e}")))?;
            let arn = match held.get(&shard) {
                Some(policy) => {
                    if self.document(policy).await? != wanted_value {
                        self.new_version(&policy.arn, wanted).await?;
                        applied.written += 1;
                    }
                    policy.arn.clone()
                }
                None => {
                    applied.written += 1;
                    self.create(shard, wanted).await?
                }
            };
            if !held.get(&shard).is_some_and(|p| p.attached) {
                self.iam
                    .attach_role_policy()
                    .role_name(&self.role)
                    .policy_arn(&arn)
                    .send()
                    .await
                    .map_err(|e| self.failed(&format!("AttachRolePolicy {arn}"), &e))?;
            }
        }
        for (shard, policy) in &held {
            if documents.get(*shard).is_some_and(Option::is_some) {
                continue;
            }
            self.remove(policy).await?;
            applied.removed += 1;
        }
        Ok(applied)
    }

    async fn create(&self, shard: usize, document: &str) -> Result<String, StoreError> {
        let name = self.name(shard);
        let created = self
            .iam
            .create_policy()
            .policy_name(&name)
            .path(POLICY_PATH)
            .description(format!(
                "ccwb: denies Bedrock to blocked developers' sessions of {} (written by the sweeper)",
                self.role
            ))
            .policy_document(document)
            .send()
            .await
            .map_err(|e| self.failed(&format!("CreatePolicy {name}"), &e))?;
        created
            .policy()
            .and_then(|p| p.arn())
            .map(str::to_owned)
            .ok_or_else(|| {
                StoreError::Corrupt(format!("CreatePolicy {name}: no ARN in the answer"))
            })
    }

    /// A new default version of `arn`, deleting the oldest when IAM's five are used.
    async fn new_version(&self, arn: &str, document: &str) -> Result<(), StoreError> {
        let versions = self.versions(arn).await?;
        let mut old: Vec<_> = versions
            .versions()
            .iter()
            .filter(|v| !v.is_default_version())
            .filter_map(|v| Some((v.create_date()?.secs(), v.version_id()?.to_owned())))
            .collect();
        old.sort();
        if versions.versions().len() >= MAX_VERSIONS
            && let Some((_, oldest)) = old.first()
        {
            self.delete_version(arn, oldest).await?;
        }
        self.iam
            .create_policy_version()
            .policy_arn(arn)
            .policy_document(document)
            .set_as_default(true)
            .send()
            .await
            .map_err(|e| self.failed(&format!("CreatePolicyVersion {arn}"), &e))?;
        Ok(())
    }

    async fn versions(
        &self,
        arn: &str,
    ) -> Result<aws_sdk_iam::operation::list_policy_versions::ListPolicyVersionsOutput, StoreError>
    {
        self.iam
            .list_policy_versions()
            .policy_arn(arn)
            .send()
            .await
            .map_err(|e| self.failed(&format!("ListPolicyVersions {arn}"), &e))
    }

    async fn delete_version(&self, arn: &str, version: &str) -> Result<(), StoreError> {
        self.iam
            .delete_policy_version()
            .policy_arn(arn)
            .version_id(version)
            .send()
            .await
            .map_err(|e| self.failed(&format!("DeletePolicyVersion {arn} {version}"), &e))?;
        Ok(())
    }

    /// Detaches and deletes a policy no shard needs (its other versions first, as IAM asks).
    async fn remove(&self, policy: &Held) -> Result<(), StoreError> {
        let arn = &policy.arn;
        if policy.attached {
            self.iam
                .detach_role_policy()
                .role_name(&self.role)
                .policy_arn(arn)
                .send()
                .await
                .map_err(|e| self.failed(&format!("DetachRolePolicy {arn}"), &e))?;
        }
        let versions = self.versions(arn).await?;
        for version in versions
            .versions()
            .iter()
            .filter(|v| !v.is_default_version())
        {
            if let Some(id) = version.version_id() {
                self.delete_version(arn, id).await?;
            }
        }
        self.iam
            .delete_policy()
            .policy_arn(arn)
            .send()
            .await
            .map_err(|e| self.failed(&format!("DeletePolicy {arn}"), &e))?;
        Ok(())
    }
}
