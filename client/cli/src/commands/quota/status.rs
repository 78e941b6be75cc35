//! `ccwb quota status`: your own quota decision and usage (`GET /check`, what
//! credential-process sees).

use ccwb_api_client::ApiClient;

use super::decision;
use crate::error::CliError;
use crate::output::Out;

/// Shows the caller's own decision.
pub async fn run(client: &ApiClient, out: &mut Out<'_>) -> Result<(), CliError> {
    let check = client.check().await?;
    if out.is_json() {
        return out.json(&check);
    }
    decision::render(&check, out)
}
