//! The `ccwb-widgets` Lambda: the CloudWatch dashboard widgets. The handler lives in the library; this starts the runtime.

// Dependencies are judged on the library target; this binary uses only some of them.
#![allow(unused_crate_dependencies)]

use lambda_runtime::{Error, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    ccwb_lambda::logging::init();
    let state = ccwb_widgets::State::from_env().await?;
    lambda_runtime::run(service_fn(|event| ccwb_widgets::handle(&state, event))).await
}
