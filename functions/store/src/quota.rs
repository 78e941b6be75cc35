//! What a quota check reads: the caller's policies, this month's and today's usage, the
//! current unblock and (for `/check`) whom the caller's role session is recorded for, in one
//! DynamoDB `BatchGetItem`.

use std::future::Future;

use ccwb_core::{CheckInputs, Day, Group, Identity, PolicyType, SessionName};

use crate::StoreError;
use crate::dynamo::DynamoStore;
use crate::items::{policy, session, unblock, usage};
use crate::sessions::SessionOwner;

/// Reads for quota checks.
pub trait QuotaReads {
    /// The inputs of a check for `identity` in `groups` on `today`.
    fn check_inputs(
        &self,
        identity: &Identity,
        groups: &[Group],
        today: Day,
    ) -> impl Future<Output = Result<CheckInputs, StoreError>> + Send;

    /// [`Self::check_inputs`] and, in the same round trip, the owner recorded for the caller's
    /// role `session` (so `/check` writes the mapping only when it is missing or changed, not
    /// at every refresh).
    fn check_inputs_with_session(
        &self,
        identity: &Identity,
        groups: &[Group],
        today: Day,
        session: &SessionName,
    ) -> impl Future<Output = Result<(CheckInputs, Option<SessionOwner>), StoreError>> + Send;
}

impl QuotaReads for DynamoStore {
    async fn check_inputs(
        &self,
        identity: &Identity,
        groups: &[Group],
        today: Day,
    ) -> Result<CheckInputs, StoreError> {
        let (inputs, _) = self.read_check(identity, groups, today, None).await?;
        Ok(inputs)
    }

    async fn check_inputs_with_session(
        &self,
        identity: &Identity,
        groups: &[Group],
        today: Day,
        session: &SessionName,
    ) -> Result<(CheckInputs, Option<SessionOwner>), StoreError> {
        self.read_check(identity, groups, today, Some(session))
            .await
    }
}

impl DynamoStore {
    async fn read_check(
        &self,
        identity: &Identity,
        groups: &[Group],
        today: Day,
        session: Option<&SessionName>,
    ) -> Result<(CheckInputs, Option<SessionOwner>), StoreError> {
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
        keys.extend(session.map(|name| (usage_table.clone(), session::key(name))));

        let found = self.batch_get(keys).await?;
        let mut inputs = CheckInputs::default();
        let mut recorded = None;
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
                // A mapping that does not decode is as good as missing: /check rewrites it
                // rather than failing the caller's check.
                Some(session::SK) => recorded = session::decode(item).ok().map(|(_, owner)| owner),
                _ => {}
            }
        }
        Ok((inputs, recorded))
    }
}
