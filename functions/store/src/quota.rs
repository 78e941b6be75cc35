//! What a quota check reads: the caller's policies, this month's and today's usage, and the
//! current unblock, in one DynamoDB `BatchGetItem`.

use std::future::Future;

use ccwb_core::{CheckInputs, Day, Group, Identity, PolicyType};

use crate::StoreError;
use crate::dynamo::DynamoStore;
use crate::items::{policy, unblock, usage};

/// Reads for quota checks.
pub trait QuotaReads {
    /// The inputs of a check for `identity` in `groups` on `today`.
    fn check_inputs(
        &self,
        identity: &Identity,
        groups: &[Group],
        today: Day,
    ) -> impl Future<Output = Result<CheckInputs, StoreError>> + Send;
}

impl QuotaReads for DynamoStore {
    async fn check_inputs(
        &self,
        identity: &Identity,
        groups: &[Group],
        today: Day,
    ) -> Result<CheckInputs, StoreError> {
        let id = identity.as_str();
        let policies = &self.names.policies_table;
        let usage_table = &self.names.usage_table;
        let mut keys = vec![
            (policies.clone(), policy::key(PolicyType::User, id)),
            (
                policies.clone(),
                policy::key(PolicyType::Default, "default"),
            ),
            (usage_table.clone(), usage::month_key(id, today.month())),
            (usage_table.clone(), usage::day_key(id, today)),
            (usage_table.clone(), unblock::key(id)),
        ];
        keys.extend(
            groups
                .iter()
                .map(|g| (policies.clone(), policy::key(PolicyType::Group, g.as_str()))),
        );

        let found = self.batch_get(keys).await?;
        let mut inputs = CheckInputs::default();
        for item in found.get(policies).into_iter().flatten() {
            let decoded = policy::decode(item)?;
            match decoded.policy_type {
                PolicyType::User => inputs.user = Some(decoded),
                PolicyType::Group => inputs.groups.push(decoded),
                PolicyType::Default => inputs.default = Some(decoded),
            }
        }
        let month_sk = format!("MONTH#{}", today.month());
        let day_sk = format!("DAY#{today}");
        for item in found.get(usage_table).into_iter().flatten() {
            let sk = item
                .get("sk")
                .and_then(|v| v.as_s().ok())
                .map(String::as_str);
            match sk {
                Some(sk) if sk == month_sk => {
                    inputs.month = Some(usage::decode_month(today.month(), item)?)
                }
                Some(sk) if sk == day_sk => inputs.day = Some(usage::decode_day(today, item)?),
                Some(unblock::CURRENT) => inputs.unblock = Some(unblock::decode(item)?),
                _ => {}
            }
        }
        Ok(inputs)
    }
}
