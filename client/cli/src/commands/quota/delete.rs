//! `ccwb quota delete`: deletes a policy, asking first on a terminal unless `--force`.

use ccwb_api_client::ApiClient;
use ccwb_core::PolicyType;

use super::TypeArg;
use crate::error::CliError;
use crate::output::Out;

/// Arguments of `ccwb quota delete`.
#[derive(Debug, Clone, clap::Args)]
pub struct DeleteArgs {
    /// user, group or default.
    #[arg(value_enum)]
    pub r#type: TypeArg,
    /// E-mail, group name, or `default`.
    pub identifier: String,
    /// Do not ask.
    #[arg(long, short = 'f')]
    pub force: bool,
}

impl DeleteArgs {
    /// Deletes the policy (after a yes, on a terminal without `--force`).
    pub async fn run(self, client: &ApiClient, out: &mut Out<'_>) -> Result<(), CliError> {
        let policy_type = PolicyType::from(self.r#type);
        let identifier = &self.identifier;
        if !self.force
            && out.interactive
            && !out.confirm(&format!("Delete {policy_type} policy {identifier}?"))?
        {
            return Err(CliError::Cancelled);
        }
        client.delete_policy(policy_type, identifier).await?;
        out.note(format!("Deleted {policy_type} policy {identifier}."))
    }
}
