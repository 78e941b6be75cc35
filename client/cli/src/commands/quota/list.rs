//! `ccwb quota list`: every policy (of a type), read page by page.

use ccwb_api_client::ApiClient;
use ccwb_core::{Policy, PolicyType};

use super::{TypeArg, policy_view};
use crate::error::CliError;
use crate::output::Out;

/// Page size when listing.
const LIST_PAGE: usize = 1000;

/// Arguments of `ccwb quota list`.
#[derive(Debug, Clone, clap::Args)]
pub struct ListArgs {
    /// Only this type.
    #[arg(long, short = 't', value_enum)]
    pub r#type: Option<TypeArg>,
}

impl ListArgs {
    /// Lists the policies as a table, or JSON.
    pub async fn run(self, client: &ApiClient, out: &mut Out<'_>) -> Result<(), CliError> {
        let policies = all_policies(client, self.r#type.map(Into::into)).await?;
        render(&policies, out)
    }
}

/// Every policy of `policy_type` (all when `None`), following the pages.
async fn all_policies(
    client: &ApiClient,
    policy_type: Option<PolicyType>,
) -> Result<Vec<Policy>, CliError> {
    let mut policies = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = client
            .list_policies(policy_type, LIST_PAGE, next.as_deref())
            .await?;
        policies.extend(page.policies);
        match page.next {
            Some(cursor) => next = Some(cursor),
            None => return Ok(policies),
        }
    }
}

fn render(policies: &[Policy], out: &mut Out<'_>) -> Result<(), CliError> {
    if out.is_json() {
        return out.json(&serde_json::json!({ "policies": policies }));
    }
    if policies.is_empty() {
        return out.note("No policies.");
    }
    let rows = policies.iter().map(policy_view::row).collect();
    out.table(&policy_view::HEADER, rows)
}
