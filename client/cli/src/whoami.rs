//! `ccwb whoami`.

use ccwb_api_client::ApiClient;

use crate::cli::{CliError, Output};
use crate::output::{print_fields, print_json};

/// Shows the caller as the API sees them.
pub async fn run(client: &ApiClient, output: Output) -> Result<(), CliError> {
    let me = client.me().await?;
    match output {
        Output::Json => print_json(&me),
        Output::Table => {
            let groups = if me.groups.is_empty() {
                "(none)".to_owned()
            } else {
                me.groups.join(", ")
            };
            print_fields(&[
                (
                    "Identity",
                    me.identity
                        .clone()
                        .unwrap_or_else(|| "(none in token)".into()),
                ),
                ("Groups", groups),
                ("Admin", if me.admin { "yes" } else { "no" }.to_owned()),
            ]);
            Ok(())
        }
    }
}
